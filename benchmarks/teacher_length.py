"""Teacher length study on fmnist-lt-small: how long must a teacher train before CBD stops hurting?

Trains one vanilla teacher (seed+1) for EPOCHS epochs and, unless --skip-cb, class-balanced-from-scratch for as long,
then a CBD student for each (alpha, beta, student epochs) in CONFIGS (one torch thread unless --threads); one line per network:
`teacher E {accuracies} seconds`, `cb E {...} seconds`, `cbd alpha beta student_epochs {...} seconds`.
    python benchmarks/teacher_length.py 100 "[[0.4,100,100],[0.4,10,100]]"
    python benchmarks/teacher_length.py 40 "[[0.4,100,100]]" --skip-cb
"""
import json, time, torch
from fastcore.script import call_parse, store_true
from cbd_nb.data import holdout, class_counts
from cbd_nb.datasets import load_lt
from cbd_nb.stages import train_teacher, train_balanced, train_cbd
from cbd_nb.evaluate import evaluate
from cbd_nb.learner import Schedule

@call_parse
def main(epochs:int, # teacher epochs (and class-balanced epochs)
         configs:str, # JSON list of [alpha, beta, student epochs]
         seed:int=0, # data subset, initialisation and sampling
         skip_cb:store_true=False, # do not train class-balanced-from-scratch
         threads:int=1 # torch threads
        ):
    "Train a teacher for `epochs`, then CBD students distilled from it"
    torch.set_num_threads(threads)
    d = load_lt('fashion-mnist', n_max=1000, imb_factor=100, seed=seed)
    kept, _ = holdout(d.train.labels, 0.1, seed); tr = d.train.subset(kept); counts = class_counts(tr.labels, 10)
    kw = dict(arch='resnet8', sched=Schedule(epochs=epochs, bs=128, lr=0.1), pad=2, progress=False)
    def ev(m): r = evaluate(m, d.test, counts); return {k: round(100*r[k], 1) for k in ('all', 'many', 'medium', 'few')}
    t0 = time.time(); T = train_teacher(tr, 10, seed=seed+1, **kw); print('teacher', epochs, ev(T), round(time.time()-t0), flush=True)
    if not skip_cb:
        t0 = time.time(); print('cb', epochs, ev(train_balanced(tr, 10, seed=seed, **kw)), round(time.time()-t0), flush=True)
    for a, b, se in json.loads(configs):
        t0 = time.time(); m = train_cbd(tr, 10, [T], a, b, seed=seed, **{**kw, 'sched': Schedule(epochs=se, bs=128, lr=0.1)})
        print('cbd', a, b, se, ev(m), round(time.time()-t0), flush=True)
