"""The refactors changed no number: every method's per-class test accuracy (and the τ it chose, and every network's
fingerprint) equals what the code before issue 19's refactor gave (commit 576a323), saved in tests/golden. Methods
renamed since (issue 22: the kit's LWS and NCM became `LWS-features` and `NCM-cosine`, by benchmarks/migrate_results.py)
are compared under their new names; methods added since are not run.

Floating-point results depend on the precision (bf16 where the CPU has native bf16, else fp32), the CPU and its
instruction set, and the threads. So the golden files are made per precision, CPU capability and CPU
(`{name}-{precision}-{capability}[-{cpu}].json`, by 576a323's own code on that CPU, with its thread count), and compared:
- exactly, where one was made under this run's precision and capability on a CPU of the same name (today: bf16 and
  fp32 on an AMD EPYC with AVX512-BF16, bf16 on an Intel Xeon with AMX);
- elsewhere, within the precision's reproducibility across CPUs, `TOLERANCE`: every method's class-averaged accuracy
  within that many points of a golden file of the same precision. Measured on digits-lt (10 epochs, 300 test images):
  fp32, at most 3.7 points between two AMD EPYC CPUs (CBD-ENS-BS), 6.0 between an AMD EPYC and an Intel Xeon
  (LA-posthoc) and 8.0 between PyTorch's AVX2 and AVX-512 kernels on one CPU (CBD-ENS; `ATEN_CPU_CAPABILITY=avx2`),
  so 10; bf16, 15.0 between an AMD EPYC with AVX512-BF16 and an Intel Xeon with AMX (CBD-ENS-BS; CBD 8.7, the other
  15 methods at most 4.0), so 20. This catches gross breakage (CE and CB-scratch, which differ only in their sampling,
  are 38 points apart here; a method that stops learning falls to chance, 10 %), not a small change such as another
  order of random draws: only the exact comparison does.
The short digits-lt run (10 epochs, every method) runs in CI; the full recipes run with CBD_GOLDEN_FULL=1 (exact only)."""
import json, os
from pathlib import Path
import numpy as np, pytest, torch
from cbd_nb.pipeline import Run
from cbd_nb.core import versions, precision
from cbd_nb.recipes import get_recipe, with_added
from cbd_nb.methods import Method
from cbd_nb.builds import missing_builds

GOLDEN = Path(__file__).parent/'golden'
TOLERANCE = {'fp32': 10., 'bf16': 20.}   # points of class-averaged accuracy: each precision's reproducibility across CPUs and kernels, measured (see above)

def goldens(name:str, prec:str)->list[Path]:
    "The golden files of `name` in precision `prec`: one made on this CPU with this capability first, then this capability's"
    isa, cpu = torch.backends.cpu.get_cpu_capability().lower(), versions()['cpu']
    def rank(f):
        d = json.loads(f.read_text())
        return (d.get('isa') != isa or d['versions']['cpu'] != cpu, d.get('isa') != isa, f.name)
    return sorted(GOLDEN.glob(f'{name}-{prec}*.json'), key=rank)

def run_like(old:dict, tmp_path, **overrides)->dict:
    "This code's results for the recipe and methods of golden `old`, with as many threads as made it"
    threads = torch.get_num_threads()
    torch.set_num_threads(old['versions']['threads'])   # a sum over other threads rounds differently: as many as made the file
    try: return Run(get_recipe(old['recipe']['name'], methods=','.join(old['methods']), **overrides), tmp_path, device='cpu', progress=False).all()
    finally: torch.set_num_threads(threads)

def compare(name, tmp_path, exact_only=False, **overrides):
    prec = precision(torch.device('cpu'))
    fs = goldens(name, prec)
    if not fs: pytest.skip(f'no golden results for {name} in {prec} (this CPU trains in {prec})')
    f, isa = fs[0], torch.backends.cpu.get_cpu_capability().lower()
    old = json.loads(f.read_text())
    exact = old.get('isa') == isa and old['versions']['cpu'] == versions()['cpu']
    if exact_only and not exact: pytest.skip(f"{f.name} was made on {old['versions']['cpu']} ({old.get('isa', 'capability not recorded')}), this is {versions()['cpu']} ({isa})")
    new = run_like(old, tmp_path, **overrides)
    assert {**new['recipe'], 'methods': None} == {**with_added(old['recipe']), 'methods': None}   # settings added since, at the value that meant then
    assert set(old['methods']) <= set(new['methods']), sorted(set(old['methods']) - set(new['methods']))   # methods added since are not compared
    if exact:
        differ = [k for k, v in old['methods'].items() if new['methods'][k]['per_class'] != v['per_class'] or new['methods'][k].get('tau') != v.get('tau')]
        assert not differ, f'per-class accuracies or τ differ from {f.name} for {differ}'
        assert new['fingerprints'] == old['fingerprints'], 'the networks differ from the ones the code before the refactor trained'
    else:
        gap = {k: abs(100 * (np.nanmean(new['methods'][k]['per_class']) - np.nanmean(v['per_class']))) for k, v in old['methods'].items()}
        far = {k: round(g, 1) for k, g in gap.items() if g > TOLERANCE[prec]}
        assert not far, f'class-averaged accuracy more than {TOLERANCE[prec]} points from {f.name} (made on another CPU) for {far}'

def test_digits_every_method_ten_epochs(tmp_path): compare('digits-lt-e10-s0', tmp_path, epochs=10)

def test_every_build_exists():
    "Every row names a build that exists, and the check does find a missing one"
    assert missing_builds() == []
    assert missing_builds({'X': Method('X', 'build_nothing')}) == ['X']

full = pytest.mark.skipif(os.environ.get('CBD_GOLDEN_FULL', '') in ('', '0'), reason='the full recipes take minutes: set CBD_GOLDEN_FULL=1')

@full
def test_digits_lt_recipe(tmp_path): compare('digits-lt-s0', tmp_path, exact_only=True)

@full
def test_main_job_recipe(tmp_path): compare('fmnist-lt-quick-s0', tmp_path, exact_only=True)
