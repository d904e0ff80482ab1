"Two processes on the gloo backend train one model with DistributedDataParallel through `Learner`: the ranks stay in sync."
import gc, os, sys, textwrap
import torch, torch.distributed as dist, torch.multiprocessing as mp
from cbd_nb.core import set_seed
from cbd_nb.datasets import load_lt
from cbd_nb.models import create_model
from cbd_nb.learner import Learner, Schedule, CheckpointCallback, Device
from cbd_nb.augment import Augment
from cbd_nb.checkpoint import load_model
from torchrun_util import torchrun, free_port

BS, EPOCHS = 64, 2

def _shutdown(learn):
    "Wait for every rank and free DDP before the process group goes: gloo aborts a process torn down mid-way"
    dist.barrier(); del learn.net; gc.collect(); dist.barrier()
    dist.destroy_process_group()

def _flat(model): return torch.cat([p.detach().flatten() for p in model.parameters()])

def _worker(rank, world, port, out, ck):
    torch.set_num_threads(1)
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}', rank=rank, world_size=world)
    data = load_lt('digits', imb_factor=10)
    set_seed(rank)   # different initial weights on each rank: DDP must broadcast rank 0's
    model = create_model('resnet8', n_classes=10, in_chans=1)
    learn = Learner(model, data.train, sched=Schedule(epochs=EPOCHS, bs=BS, lr=0.4), augment=Augment(pad=1), cbs=[CheckpointCallback(ck)], device=Device(progress=False))
    init = _flat(model)   # after the DDP wrap: rank 0's weights everywhere
    learn.fit()
    now = _flat(model)
    got = [torch.empty_like(now) for _ in range(world)]
    dist.all_gather(got, now)
    inits = [torch.empty_like(init) for _ in range(world)]
    dist.all_gather(inits, init)
    steps = torch.tensor([learn.step, learn.steps_per_epoch, len(learn.sampler), learn.rank_bs, len(learn.recorder.losses)])
    all_steps = [torch.empty_like(steps) for _ in range(world)]
    dist.all_gather(all_steps, steps)
    if rank == 0: torch.save(dict(params=got, inits=inits, steps=all_steps, epoch_losses=learn.recorder.epoch_losses, n=len(data.train)), out)
    _shutdown(learn)

def test_two_ranks_train_in_sync(tmp_path):
    out, ck, world = tmp_path/'res.pt', tmp_path/'ck.pt', 2
    mp.spawn(_worker, args=(world, free_port(), str(out), str(ck)), nprocs=world, join=True)
    res = torch.load(out)
    (p0, p1), (i0, i1) = res['params'], res['inits']
    assert torch.equal(i0, i1), "DDP did not broadcast rank 0's initial weights"
    assert torch.equal(p0, p1), f"ranks drifted apart: max difference {(p0 - p1).abs().max():.3g}"
    assert not torch.allclose(p0, i0), "the parameters did not change"
    per_rank = -(-res['n'] // world)       # each rank's share of one global epoch, ceil(N / world)
    want = per_rank // (BS // world)       # steps per epoch at the per-rank batch size, last partial batch dropped
    for s in res['steps']:
        assert s.tolist() == [want * EPOCHS, want, per_rank, BS // world, want * EPOCHS]
    assert len(res['epoch_losses']) == EPOCHS
    # rank 0 wrote the checkpoint; it holds the synced weights
    assert torch.equal(_flat(load_model(ck)), p0)

SCRIPT = '''
import gc, torch
from cbd_nb.datasets import load_lt
from cbd_nb.models import create_model
from cbd_nb.core import set_seed
from cbd_nb.learner import Learner, Schedule, init_distributed, Device
rank, world = init_distributed()
torch.set_num_threads(1)
set_seed(0)
learn = Learner(create_model('resnet8', n_classes=10, in_chans=1), load_lt('digits', imb_factor=10).train, sched=Schedule(epochs=1, bs=64), device=Device(progress=False))
learn.fit()
flat = torch.cat([p.detach().flatten() for p in learn.model.parameters()])
got = [torch.empty_like(flat) for _ in range(world)]
torch.distributed.all_gather(got, flat)
assert torch.equal(got[0], got[1])
print(f"rank {rank}/{world}: {learn.step} steps of {learn.rank_bs}, in sync", flush=True)
torch.distributed.barrier(); del learn.net; gc.collect(); torch.distributed.barrier()
torch.distributed.destroy_process_group()
'''

def test_torchrun_runs_the_same_script(tmp_path):
    script = tmp_path/'train.py'
    script.write_text(SCRIPT)
    r = torchrun(script)
    assert r.returncode == 0, r.stderr[-3000:]
    # 585 images: ceil(585/2) = 293 per rank, // 32 = 9 steps
    assert 'rank 0/2: 9 steps of 32, in sync' in r.stdout and 'rank 1/2: 9 steps of 32, in sync' in r.stdout, r.stdout
