"""Per-network fit time of the fmnist-lt-small stage-1 network: the Learner of an earlier commit against this checkout's, in one process.

    python benchmarks/fit_speed.py                          # main's first commit of issue 10 (e9087bc) vs this checkout
    python benchmarks/fit_speed.py --before main --epochs 3 --rounds 3 --threads 2

The earlier commit's `cbd_nb` is extracted with `git archive` into a temporary folder and imported as `cbd_before`, so both
versions train the same network on the same data (the recipe's real Fashion-MNIST split) in the same process, taking turns
(interleaved rounds, median per version): on a shared machine the ratio is the figure to trust, not the seconds."""
import argparse, statistics, subprocess, sys, tempfile, time
from pathlib import Path
import torch

def before_package(rev):
    "Import `cbd_nb` as it was at `rev`, under the name `cbd_before`"
    d = Path(tempfile.mkdtemp())
    tar = subprocess.run(['git', 'archive', rev, 'cbd_nb'], capture_output=True, check=True).stdout
    subprocess.run(['tar', '-x', '-C', str(d)], input=tar, check=True)
    (d/'cbd_nb').rename(d/'cbd_before')
    sys.path.insert(0, str(d))
    import cbd_before.learner, cbd_before.models
    return cbd_before

def fits(r, train, epochs, old):
    "name -> function that builds and fits the recipe's stage-1 network for `epochs` epochs"
    import cbd_nb.learner as NL, cbd_nb.models as NM, cbd_nb.augment as NA
    def fit(L, M, A, **extra):
        "Before the Schedule (issue 19) a Learner took bs, epochs, lr and wd one by one, and Augment lived in the learner module"
        kw = dict(sched=L.Schedule(epochs=epochs, bs=r.bs, lr=r.lr, wd=r.wd)) if hasattr(L, 'Schedule') else dict(bs=r.bs, epochs=epochs, lr=r.lr, wd=r.wd)
        dev = dict(device=L.Device(progress=False, **extra)) if hasattr(L, 'Device') else dict(progress=False, **extra)   # issue 35: the device settings are one value
        def f(): torch.manual_seed(0); L.Learner(M.create_model(r.arch, 10, 1), train, augment=A.Augment(r.pad, r.flip), **kw, **dev).fit()
        return f
    return {'before': fit(old.learner, old.models, old.learner), 'now, NCHW': fit(NL, NM, NA, channels_last=False), 'now': fit(NL, NM, NA)}

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--before', default='e9087bc', help='git revision to compare with')
    p.add_argument('--epochs', type=int, default=3, help='epochs per timed fit')
    p.add_argument('--rounds', type=int, default=3, help='interleaved rounds; the median is reported')
    p.add_argument('--threads', type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    from cbd_nb.recipes import get_recipe
    from cbd_nb.datasets import load_lt
    r = get_recipe('fmnist-lt-small')
    d = load_lt(r.dataset, None, r.imb_factor, r.n_max, r.seed)
    train = d.train
    fs = fits(r, train, a.epochs, before_package(a.before))
    ts = {k: [] for k in fs}
    for _ in range(a.rounds):
        for k, f in fs.items(): t0 = time.perf_counter(); f(); ts[k].append(time.perf_counter() - t0)
    print(f"fmnist-lt-small stage-1 ({r.arch}): {len(train)} images, {len(train) // r.bs} steps/epoch, {a.epochs} epochs per fit, {a.threads} threads")
    b = statistics.median(ts['before'])
    for k, v in ts.items():
        m = statistics.median(v)
        print(f"{k:10s} {m:6.2f} s per fit -> {m / a.epochs * r.epochs:6.1f} s per {r.epochs}-epoch network, {b / m:.2f}x the speed of {a.before}")
