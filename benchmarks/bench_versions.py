"""`cbd-nb bench`'s variants of an earlier commit against this checkout's, taking turns in one process.

    python benchmarks/bench_versions.py --before 576a323 --threads 2 --steps 19 --rounds 5

The earlier commit's `cbd_nb` is extracted with `git archive` and imported as `cbd_before` (as `fit_speed.py` does), and
each variant (the pure step, the stage-1 step, CBD with 1 and 4 teachers, evaluation) of both versions is timed in
interleaved rounds on the same fake data, every other round in reverse order; the median per version and the ratio before/now are printed (above 1: now is
faster). On a shared machine the ratio is the figure to trust, not the seconds."""
import argparse, statistics, time, sys
from pathlib import Path
import torch
sys.path.insert(0, str(Path(__file__).parent))
from fit_speed import before_package

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--before', default='576a323', help='git revision to compare with')
    p.add_argument('--recipe', default='fmnist-lt-small')
    p.add_argument('--steps', type=int, default=19, help='training steps per timed call')
    p.add_argument('--rounds', type=int, default=5, help='interleaved rounds; the median is reported')
    p.add_argument('--threads', type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    old = before_package(a.before)
    import cbd_before.bench, cbd_nb.bench, cbd_nb.recipes
    dev = torch.device('cpu')
    r = cbd_nb.recipes.get_recipe(a.recipe)
    vs = {'before': cbd_before.bench.variants(cbd_before.pipeline.get_recipe(a.recipe), dev, a.steps), 'now': cbd_nb.bench.variants(r, dev, a.steps)}
    names = [k for k in vs['now'] if k in vs['before']]
    fs = {(v, k): vs[v][k][0] for k in names for v in vs}
    for f in fs.values(): f()                       # one untimed warm-up call each
    ts = {k: [] for k in fs}
    for i in range(a.rounds):            # every other round in reverse order, so that neither version always runs second
        for k, f in (list(fs.items()) if i % 2 == 0 else list(fs.items())[::-1]): t0 = time.perf_counter(); f(); ts[k].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in ts.items()}
    print(f"{a.recipe}: {r.arch}, batches of {r.bs}, {a.steps} steps per call, {a.rounds} rounds, {a.threads} threads; before = {a.before}")
    print(f"{'variant':12s} {'before ms':>10s} {'now ms':>10s} {'before/now':>11s}")
    for k in names:
        n = vs['now'][k][1] / (1024 if k == 'eval' else r.bs)    # batches per call
        b, w = 1000 * med[('before', k)] / n, 1000 * med[('now', k)] / n
        print(f"{k:12s} {b:10.1f} {w:10.1f} {b / w:11.3f}")
