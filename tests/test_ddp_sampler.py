"Two processes on the gloo backend: each DDP rank draws a disjoint share of one global draw."
import os, socket, torch, torch.distributed as dist, torch.multiprocessing as mp
from cbd_nb.data import lt_counts
from cbd_nb.samplers import ClassPowerSampler, ClassAwareSampler, ProgressiveSampler

LABELS = torch.arange(10).repeat_interleave(torch.tensor(lt_counts(200, 10, 50)))
MAKERS = {'cb': lambda **kw: ClassPowerSampler(LABELS, 0., **kw), 'ib': lambda **kw: ClassPowerSampler(LABELS, 1., **kw),
          'aware': lambda **kw: ClassAwareSampler(LABELS, 4, **kw), 'prog': lambda **kw: ProgressiveSampler(LABELS, 3, **kw)}

def _free_port():
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def _worker(rank, world, port, out):
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}', rank=rank, world_size=world)
    res = {}
    for name, mk in MAKERS.items():
        s = mk(seed=7, rank=rank, world_size=world)
        for epoch in (0, 1):
            s.set_epoch(epoch)
            mine = s.indices()
            got = [torch.empty_like(mine) for _ in range(world)]
            dist.all_gather(got, mine)
            res[name, epoch] = (len(s), got)
    if rank == 0: torch.save(res, out)
    dist.barrier(); dist.destroy_process_group()

def test_two_ranks_share_one_global_draw(tmp_path):
    out = tmp_path/'res.pt'
    mp.spawn(_worker, args=(2, _free_port(), str(out)), nprocs=2, join=True)
    res = torch.load(out)
    for name, mk in MAKERS.items():
        single = mk(seed=7)
        for epoch in (0, 1):
            n, (r0, r1) = res[name, epoch]
            single.set_epoch(epoch)
            want = single.indices()
            assert n == len(r0) == len(r1) == len(want) // 2, name
            # the two shares interleave back into exactly the single-process draw of this epoch
            assert torch.equal(torch.stack([r0, r1], 1).flatten(), want), (name, epoch)
            assert not torch.equal(r0, r1), name
        assert not torch.equal(res[name, 0][1][0], res[name, 1][1][0]), f"{name}: set_epoch must change the draw"
