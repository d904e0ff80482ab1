"""The refactor of issue 19 changed no number: every method's per-class test accuracy (and the τ it chose, and every
network's fingerprint) equals what the code before it gave, saved in tests/golden by `cbd-nb run` at commit 576a323.
Methods renamed since (issue 22: the kit's LWS and NCM became `LWS-features` and `NCM-cosine`, by
benchmarks/migrate_results.py) are compared under their new names; methods added since are not run.

Floating-point results depend on the precision (bf16 where the CPU has native bf16, else fp32) and can depend on the CPU's
instruction set, so a golden file is compared only on the CPU model and precision that made it; elsewhere the test is
skipped and says why. The short digits-lt run (10 epochs, every method) runs in CI; the full recipes run with
CBD_GOLDEN_FULL=1 (digits-lt: about 7 min, fmnist-lt-quick: about 15 min on two cores)."""
import json, os
from pathlib import Path
import pytest, torch
from cbd_nb.pipeline import Run
from cbd_nb.core import versions
from cbd_nb.learner import native_bf16
from cbd_nb.recipes import get_recipe, with_added

GOLDEN = Path(__file__).parent/'golden'

def compare(name, tmp_path, **overrides):
    prec = 'bf16' if native_bf16(torch.device('cpu')) else 'fp32'
    f = GOLDEN/f'{name}-{prec}.json'
    if not f.exists(): pytest.skip(f'no golden results for {name} in {prec} (this CPU trains in {prec})')
    old = json.loads(f.read_text())
    if old['versions']['cpu'] != versions()['cpu']: pytest.skip(f"{f.name} was made on {old['versions']['cpu']}, this is {versions()['cpu']}")
    methods = ','.join(old['methods'])   # the methods it compared, under today's names
    threads = torch.get_num_threads()
    torch.set_num_threads(old['versions']['threads'])   # a sum over other threads rounds differently: as many as made the file
    try: new = Run(get_recipe(old['recipe']['name'], methods=methods, **overrides), tmp_path, device='cpu', progress=False).all()
    finally: torch.set_num_threads(threads)
    assert {**new['recipe'], 'methods': None} == {**with_added(old['recipe']), 'methods': None}   # settings added since, at the value that meant then
    assert set(old['methods']) <= set(new['methods']), sorted(set(old['methods']) - set(new['methods']))   # methods added since are not compared
    differ = [k for k, v in old['methods'].items() if new['methods'][k]['per_class'] != v['per_class'] or new['methods'][k].get('tau') != v.get('tau')]
    assert not differ, f'per-class accuracies or τ differ from {f.name} for {differ}'
    assert new['fingerprints'] == old['fingerprints'], 'the networks differ from the ones the code before the refactor trained'

def test_digits_every_method_ten_epochs(tmp_path): compare('digits-lt-e10-s0', tmp_path, epochs=10)

full = pytest.mark.skipif(os.environ.get('CBD_GOLDEN_FULL', '') in ('', '0'), reason='the full recipes take minutes: set CBD_GOLDEN_FULL=1')

@full
def test_digits_lt_recipe(tmp_path): compare('digits-lt-s0', tmp_path)

@full
def test_main_job_recipe(tmp_path): compare('fmnist-lt-quick-s0', tmp_path)
