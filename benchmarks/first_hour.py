"""Time what a new user waits for in the first hour: the main job (`cbd-nb run` on its default recipe, set-up excluded)
and "Run All" of each tutorial, on this machine. The tests only guard against hangs; the timing promises of the README
(the main job in at most five minutes on two cores, each tutorial's Run All in at most two) are measured here.

    python benchmarks/first_hour.py                        # both, written to nbs/benchmarks/results/first-hour-<cpus>cpu-<isa>-<precision>-<cpu>.json
    python benchmarks/first_hour.py --what main            # the main job only
    python benchmarks/first_hour.py --what tutorials       # the tutorials only
    python benchmarks/first_hour.py --save                 # and keep the tutorials' new outputs (the way they are re-executed)

Each tutorial runs headless in a fresh kernel (nbclient, as Run All does in JupyterLab less the drawing), on a copy, so
nothing in nbs/ changes. Run it on an idle machine: the file records the load average before and after. To stand in for a
CPU without bf16 on one that has it: `CBD_PRECISION=fp32 ATEN_CPU_CAPABILITY=avx2 python benchmarks/first_hour.py`."""
import argparse, json, os, re, shutil, subprocess, sys, tempfile, time
from pathlib import Path
import torch
from cbd_nb.core import save_json, precision, versions

REPO = Path(__file__).resolve().parents[1]

def main_job()->dict:
    "Wall seconds of `cbd-nb run` on its default recipe in a new folder, with the seconds each network took"
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, '-c', 'from cbd_nb.cli import main; main()', 'run', '--quiet', '--out', f'{d}/run'], check=True)
        wall = time.perf_counter() - t0
        res = json.loads(Path(d, 'run', 'results.json').read_text())
    return dict(recipe=res['recipe']['name'], seconds=round(wall, 1), networks=res.get('seconds', {}),
                methods={k: round(v['all'] * 100, 1) for k, v in res['methods'].items()})

def tutorial(path:Path, # a notebook under nbs/
             save:bool=False # execute it in place and write its new outputs back (then run nbdev-clean); else a copy, nothing changes
            )->float:
    "Wall seconds of executing the notebook at `path` top to bottom in a fresh kernel"
    import nbformat
    from nbclient import NotebookClient
    with tempfile.TemporaryDirectory() as d:
        work = path.parent if save else Path(d)/'nbs'/path.parent.name
        if not save:
            shutil.copytree(path.parent, work)
            if (REPO/'nbs'/'benchmarks').exists(): shutil.copytree(REPO/'nbs'/'benchmarks', Path(d)/'nbs'/'benchmarks')   # 05_gaps reads the benchmark's controls
        nb = nbformat.read(work/path.name, as_version=4)
        t0 = time.perf_counter()
        client = NotebookClient(nb, timeout=900, kernel_name='python3', resources={'metadata': {'path': str(work)}})
        with client.setup_kernel():          # every code cell but those flagged `#| slow` (a benchmark's own runs), as nbdev-test does
            for i, c in enumerate(nb.cells):
                if c.cell_type == 'code' and not c.source.lstrip().startswith('#| slow'): client.execute_cell(c, i)
        dt = round(time.perf_counter() - t0, 1)
        if save: nbformat.write(nb, path)
        return dt

def run(what:str='both', out:str|None=None, save:bool=False):
    prec = precision(torch.device('cpu'))
    v = versions()
    isa = torch.backends.cpu.get_cpu_capability().lower()   # the kernels torch runs: ATEN_CPU_CAPABILITY=avx2 with CBD_PRECISION=fp32 stands in for a CPU without AVX-512
    rec = dict(date=time.strftime('%Y-%m-%d'), cpu=v['cpu'], cpus=v['cpus'], isa=isa, precision=prec, torch=v['torch'], cbd_nb=v['cbd_nb'],
               load_before=os.getloadavg())
    if what in ('both', 'main'): rec['main_job'] = main_job(); print(f"main job ({rec['main_job']['recipe']}): {rec['main_job']['seconds']:.0f} s", flush=True)
    if what in ('both', 'tutorials'):
        rec['tutorials'] = {}
        for p in sorted((REPO/'nbs'/'tutorials').glob('*.ipynb')):
            rec['tutorials'][p.name] = tutorial(p, save); print(f"{p.name}: Run All {rec['tutorials'][p.name]:.0f} s", flush=True)
    rec['load_after'] = os.getloadavg()
    name = f"first-hour-{v['cpus']}cpu-{isa}-{prec}-{re.sub('[^a-z0-9]+', '-', v['cpu'].lower()).strip('-')}.json"   # machines of one kind differ: one file per CPU
    f = Path(out) if out else REPO/'nbs'/'benchmarks'/'results'/name
    save_json(rec, f); print(f'written to {f}')

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--what', choices=('both', 'main', 'tutorials'), default='both')
    p.add_argument('--out', help='the JSON file to write (default: nbs/benchmarks/results/first-hour-<cpus>cpu-<isa>-<precision>-<cpu>.json)')
    p.add_argument('--save', action='store_true', help='execute the tutorials in place and keep their new outputs (run nbdev-clean after)')
    a = p.parse_args(); run(a.what, a.out, a.save)
