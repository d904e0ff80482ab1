"""Teacher length study on fmnist-lt-small: how long must a teacher train before CBD stops hurting?

Trains one vanilla teacher (seed+1) and class-balanced-from-scratch for E epochs, then CBD students for each
(alpha, beta, student epochs) in CONFIGS, all single-threaded. Prints one line per network.
    python benchmarks/teacher_length.py E CONFIGS [SEED]
    python benchmarks/teacher_length.py 100 "[[0.4,100,100],[0.4,10,100]]"
"""
import sys, json, time, torch
torch.set_num_threads(1)
from cbd_nb.data import load_lt, holdout, class_counts
from cbd_nb.stages import train_teacher, train_balanced, train_cbd, evaluate
E = int(sys.argv[1]); configs = json.loads(sys.argv[2]); seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
d = load_lt('fashion-mnist', n_max=1000, imb_factor=100, seed=seed)
kept, _ = holdout(d.train.labels, 0.1, seed); tr = d.train.subset(kept); counts = class_counts(tr.labels, 10)
kw = dict(arch='resnet8', epochs=E, bs=128, lr=0.1, pad=2, progress=False)
def ev(m): r = evaluate(m, d.test, counts); return {k: round(100*r[k], 1) for k in ('all', 'many', 'medium', 'few')}
t0 = time.time(); T = train_teacher(tr, 10, seed=seed+1, **kw); print('teacher', E, ev(T), round(time.time()-t0), flush=True)
t0 = time.time(); print('cb', E, ev(train_balanced(tr, 10, seed=seed, **kw)), round(time.time()-t0), flush=True)
for a, b, se in configs:
    t0 = time.time(); print('cbd', a, b, se, ev(train_cbd(tr, 10, [T], a, b, seed=seed, **{**kw, 'epochs': se})), round(time.time()-t0), flush=True)
