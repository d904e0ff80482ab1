"""Teacher length study on fmnist-lt-small, scored on the validation split: how long must a teacher train before CBD stops hurting?

For each teacher length E, train CBD's first teacher (vanilla, seed + 1) for E epochs, then a CBD student distilled from it for
`student_epochs` epochs (alpha, beta of the recipe); once, class-balanced training from scratch for `student_epochs` epochs, the bar
the student has to clear. Everything else is the `fmnist-lt-small` recipe: the whole long-tailed training split (2,478 images),
ResNet-8, batch 128, lr 0.1 per 256 images, the shared cosine schedule. Every network is scored on a balanced validation split drawn
from training images *outside* the long-tailed subset (`--val-per-class` per class; more than the recipe's 20 to make the study
precise), never on the test split. Results go to one JSON file, written after every network, so an interrupted study continues
where it stopped when run again:

    python benchmarks/teacher_length.py --epochs 20,40,60,80,100,150 --seed 0 --out nbs/benchmarks/results/teacher_length_val_s0.json
"""
import json, time
from pathlib import Path
import torch
from fastcore.script import call_parse
from cbd_nb.core import save_json
from cbd_nb.datasets import load_lt
from cbd_nb.learner import Schedule, Device
from cbd_nb.models import NetSpec
from cbd_nb.recipes import get_recipe
from cbd_nb.stages import train_teacher, train_balanced, train_cbd, Feed
from cbd_nb.evaluate import evaluate
from cbd_nb.core import versions

@call_parse
def main(epochs:str='20,40,60,80,100,150', # teacher lengths to try, comma-separated
         student_epochs:int=100, # epochs of every CBD student and of class-balanced training
         seed:int=0, # data subset, validation images, initialisation and sampling
         val_per_class:int=100, # validation images per class, drawn outside the long-tailed subset
         threads:int=2, # torch threads
         out:str='nbs/benchmarks/results/teacher_length_val_s0.json' # the results file (continued when it exists)
        ):
    "Train teachers of several lengths and a CBD student from each; score every network on the validation split"
    torch.set_num_threads(threads)
    r = get_recipe('fmnist-lt-small', seed=seed)
    d = load_lt(r.dataset, None, r.imb_factor, r.n_max, seed, val_per_class=val_per_class)
    assert not d.split.val_overlap, 'the validation images must lie outside the training subset'
    p = Path(out)
    res = json.loads(p.read_text()) if p.exists() else {}
    want = dict(recipe=r.name, seed=seed, val_per_class=val_per_class, student_epochs=student_epochs, alpha=r.alpha, beta=r.beta)
    if res and res['setup'] != want: raise SystemExit(f"{p} holds a study with other settings ({res['setup']}): choose another --out.")
    res.setdefault('setup', want); res.setdefault('versions', versions()); res.setdefault('networks', {})
    kw = dict(spec=NetSpec(r.arch), feed=Feed(r.pad, r.flip), device=Device(progress=False))
    sched = lambda e: Schedule(epochs=e, bs=r.bs, lr=r.lr, wd=r.wd)
    def score(name, make):
        "Train one network unless the file has it, score it on the validation split, save the file"
        if name in res['networks']: return
        t0 = time.perf_counter(); m = make()
        v = evaluate(m, d.val, d.counts)
        res['networks'][name] = dict({k: v[k] for k in ('all', 'many', 'medium', 'few')}, seconds=round(time.perf_counter() - t0, 1))
        save_json(res, p); print(name, {k: round(100 * x, 1) for k, x in res['networks'][name].items() if k != 'seconds'}, flush=True)
    score(f'cb-{student_epochs}', lambda: train_balanced(d.train, len(d.classes), seed=seed, sched=sched(student_epochs), **kw))
    for e in map(int, epochs.split(',')):
        teacher = {}
        score(f'teacher-{e}', lambda: teacher.setdefault('net', train_teacher(d.train, len(d.classes), seed=seed + 1, sched=sched(e), **kw)))
        if f'cbd-{e}' in res['networks']: continue
        if 'net' not in teacher: teacher['net'] = train_teacher(d.train, len(d.classes), seed=seed + 1, sched=sched(e), **kw)   # scored before an interruption
        score(f'cbd-{e}', lambda: train_cbd(d.train, len(d.classes), [teacher['net']], r.alpha, r.beta, seed=seed, sched=sched(student_epochs), **kw))
