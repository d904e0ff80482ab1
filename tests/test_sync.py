"The training step does not read the device on every step (no host sync), and divergence is still caught, named and agreed on by every rank."
import os, sys
import pytest, torch
from cbd_nb.core import set_seed
from cbd_nb.datasets import load_lt
from cbd_nb.models import create_model
from cbd_nb.learner import Learner, Schedule, Callback, Device
from cbd_nb.augment import Augment
from torchrun_util import torchrun

SYNCS = [(torch.Tensor, 'item'), (torch.Tensor, 'cpu'), (torch.Tensor, 'tolist'), (torch.Tensor, 'numpy'),
         (torch.Tensor, '__bool__'), (torch.Tensor, '__float__'), (torch.Tensor, '__int__'), (torch.cuda, 'synchronize')]

@pytest.fixture(scope='module')
def digits(): return load_lt('digits', imb_factor=10)

def learner(digits, **kw):
    set_seed(0)
    return Learner(create_model('resnet8', n_classes=10, in_chans=1), digits.train, augment=Augment(pad=1), **kw)

def count_syncs(monkeypatch, f):
    "Run `f()` and return how many times it called a method that reads a tensor back to the host"
    n = [0]
    def counted(orig):
        def g(*a, **k): n[0] += 1; return orig(*a, **k)
        return g
    with monkeypatch.context() as m:
        for obj, name in SYNCS: m.setattr(obj, name, counted(getattr(obj, name)))
        f()
    return n[0]

@pytest.mark.parametrize('compile', [False, 'graph'])
@pytest.mark.parametrize('sync_every', [10, 1000])
def test_step_does_not_sync_every_step(digits, monkeypatch, sync_every, compile):
    learn = learner(digits, sched=Schedule(epochs=3, bs=16), device=Device(sync_every=sync_every, progress=True, compile=compile))
    n = count_syncs(monkeypatch, learn.fit)
    steps, per_epoch = learn.n_steps, -(-learn.steps_per_epoch // sync_every)
    assert steps == 108
    # per epoch: the NaN checks plus a few reads at epoch end (Recorder's losses and mean, sampler indices)
    assert n <= learn.sched.epochs * (per_epoch + 4), f"{n} host reads in {steps} steps with sync_every={sync_every}: the step syncs"

def test_counter_sees_per_step_syncs(digits, monkeypatch):
    "The instrument works: with sync_every=1 there is at least one read per step"
    learn = learner(digits, sched=Schedule(epochs=1, bs=16), device=Device(sync_every=1, progress=False))
    assert count_syncs(monkeypatch, learn.fit) >= learn.n_steps

class NaNAt(Callback):
    "Make the loss NaN at one global step"
    order = 10
    def __init__(self, step): self.at = step
    def after_loss(self):
        if self.step == self.at: self.learn.loss = self.loss * float('nan')

def test_nan_caught_with_epoch_and_window(digits):
    learn = learner(digits, sched=Schedule(epochs=3, bs=64), device=Device(sync_every=4, progress=False), cbs=[NaNAt(13)])
    assert learn.steps_per_epoch == 9           # global step 13 = epoch 1, step 4
    with pytest.raises(FloatingPointError, match=r'at epoch 1, step 4 \(global step 13.*after steps 4-7 of epoch 1'):
        learn.fit()
    assert learn.step == 16                     # stopped at the check after step 7 of epoch 1

def test_nan_in_last_partial_window_caught_at_epoch_end(digits):
    learn = learner(digits, sched=Schedule(epochs=2, bs=64), device=Device(sync_every=4, progress=False), cbs=[NaNAt(8)])
    with pytest.raises(FloatingPointError, match=r'at epoch 0, step 8 \(global step 8.*after steps 8-8 of epoch 0'):
        learn.fit()

def test_bad_sync_every(digits):
    with pytest.raises(ValueError, match='sync_every=0: must be a positive number of steps'): learner(digits, device=Device(sync_every=0))

SCRIPT = '''
import gc, torch
from cbd_nb.datasets import load_lt
from cbd_nb.models import create_model
from cbd_nb.core import set_seed
from cbd_nb.learner import Learner, Schedule, Callback, init_distributed, Device
rank, world = init_distributed()
torch.set_num_threads(1)
class NaNOnRank1(Callback):
    order = 10
    def after_loss(self):
        if self.rank == 1 and self.step == 5: self.learn.loss = self.loss * float('nan')
set_seed(0)
learn = Learner(create_model('resnet8', n_classes=10, in_chans=1), load_lt('digits', imb_factor=10).train, sched=Schedule(epochs=2, bs=64),
                device=Device(sync_every=3, progress=False), cbs=[NaNOnRank1()])
try: learn.fit()
except FloatingPointError as e: print(f"rank {rank} stopped at step {learn.step}: {e}", flush=True)
del learn; gc.collect()       # free the DDP model, which holds the process group: left to interpreter exit, gloo's teardown aborted rank 0 once in CI
torch.distributed.barrier()   # both ranks done before either tears gloo down
torch.distributed.destroy_process_group()
'''

def test_ddp_ranks_stop_together(tmp_path):
    "Only rank 1 diverges; both ranks stop at the same check, naming the step, and none hangs"
    script = tmp_path/'nan.py'
    script.write_text(SCRIPT)
    r = torchrun(script)
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'rank 0 stopped at step 5: The loss is not finite on another rank at epoch 0, step 5' in r.stdout, r.stdout
    assert 'rank 1 stopped at step 5: The loss is nan at epoch 0, step 5' in r.stdout, r.stdout

def test_diverged_epoch_is_not_checkpointed(digits, tmp_path):
    from cbd_nb.learner import CheckpointCallback
    from cbd_nb.checkpoint import load_checkpoint
    ck = tmp_path/'ck.pt'
    learn = learner(digits, sched=Schedule(epochs=3, bs=64), device=Device(sync_every=50, progress=False), cbs=[NaNAt(12), CheckpointCallback(ck)])
    with pytest.raises(FloatingPointError, match='at epoch 1, step 3'): learn.fit()
    assert load_checkpoint(ck)['epoch'] == 1            # epoch 0 was saved, the diverged epoch 1 was not
