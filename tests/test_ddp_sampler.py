"Two processes on the gloo backend: each DDP rank draws a disjoint share of one global draw, padded by wrap-around when N is odd."
import math, os, socket, torch, torch.distributed as dist, torch.multiprocessing as mp
from cbd_nb.data import lt_counts
from cbd_nb.samplers import ClassPowerSampler, ClassAwareSampler, ProgressiveSampler

EVEN = torch.arange(10).repeat_interleave(torch.tensor(lt_counts(200, 10, 50)))
LABELS = {'even': EVEN, 'odd': EVEN[1:]}     # N divisible by the world size of 2, and not
MAKERS = {'cb': lambda y, **kw: ClassPowerSampler(y, 0., **kw), 'ib': lambda y, **kw: ClassPowerSampler(y, 1., **kw),
          'aware': lambda y, **kw: ClassAwareSampler(y, 4, **kw), 'prog': lambda y, **kw: ProgressiveSampler(y, 3, **kw)}

def _free_port():
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def _worker(rank, world, port, out):
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}', rank=rank, world_size=world)
    res = {}
    for lname, y in LABELS.items():
        for name, mk in MAKERS.items():
            s = mk(y, seed=7, rank=rank, world_size=world)
            for epoch in (0, 1):
                s.set_epoch(epoch)
                mine = s.indices()
                got = [torch.empty_like(mine) for _ in range(world)]
                dist.all_gather(got, mine)
                res[lname, name, epoch] = (len(s), got)
    if rank == 0: torch.save(res, out)
    dist.barrier(); dist.destroy_process_group()

def test_two_ranks_share_one_global_draw(tmp_path):
    assert len(LABELS['even']) % 2 == 0 and len(LABELS['odd']) % 2 == 1
    out = tmp_path/'res.pt'
    mp.spawn(_worker, args=(2, _free_port(), str(out)), nprocs=2, join=True)
    res = torch.load(out)
    for lname, y in LABELS.items():
        for name, mk in MAKERS.items():
            single, key = mk(y, seed=7), (lname, name)
            for epoch in (0, 1):
                n, (r0, r1) = res[lname, name, epoch]
                single.set_epoch(epoch)
                want = single.indices()                       # the single-process draw: N indices
                assert len(want) == len(y), key
                assert n == len(r0) == len(r1) == math.ceil(len(y) / 2), key
                # the two shares interleave back into the single-process draw, wrapped around to an even length
                both = torch.stack([r0, r1], 1).flatten()
                assert torch.equal(both[:len(want)], want), (key, epoch)
                assert torch.equal(both[len(want):], want[:len(both) - len(want)]), (key, epoch)
                assert not torch.equal(r0, r1), key
            assert not torch.equal(res[lname, name, 0][1][0], res[lname, name, 1][1][0]), f"{key}: set_epoch must change the draw"
    n, (r0, r1) = res['odd', 'ib', 0]
    assert r1[-1] == r0[0] and len(torch.cat([r0, r1]).unique()) == len(LABELS['odd'])   # q=1: every image once, one padded repeat
