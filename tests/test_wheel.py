"""A pip user gets the tutorials (issue 31): the wheel, built offline from this tree, carries the tutorials and the results
they read, its metadata has a `lab` extra without the development tools, and from an install of it (not the clone)
`cbd-nb tutorials DEST` copies tutorials that run there: installed into a new virtual environment whose dependencies are
.venv's (offline, torch's CUDA dependencies cannot be resolved again), with `pip install --no-deps`."""
import os, shutil, subprocess, sys, zipfile
from email.parser import Parser
from pathlib import Path
import pytest
from packaging.requirements import Requirement
from cbd_nb.tutorials import tutorial_files

ROOT = Path(__file__).resolve().parents[1]

def _run(*args, **kw):
    "Run `args`; the completed process, its output as text"
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, **kw)

@pytest.fixture(scope='module')
def built(tmp_path_factory)->tuple[Path, str]:
    "The wheel that `pip wheel` builds, without build isolation or an index (.venv's setuptools, nothing downloaded), from a copy of the files git sees here, and the build's log"
    tmp = tmp_path_factory.mktemp('build')
    src = tmp/'src'
    files = _run('git', 'ls-files', '-co', '--exclude-standard', '-z', cwd=ROOT, check=True).stdout.split('\0')
    for f in files:
        if f and (ROOT/f).is_file(): (src/f).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(ROOT/f, src/f)
    r = _run(sys.executable, '-m', 'pip', 'wheel', '-v', '--no-deps', '--no-build-isolation', '--no-index', '-w', tmp/'dist', src)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return next((tmp/'dist').glob('cbd_nb-*.whl')), r.stdout + r.stderr

def test_build_warns_of_nothing_deprecated(built):
    "The license is an SPDX string (a TOML table stops building in 2027), and nothing else in the build is deprecated"
    assert 'deprecat' not in built[1].lower(), [l for l in built[1].splitlines() if 'deprecat' in l.lower()]

def test_wheel_carries_the_tutorials(built):
    "Exactly the files `cbd-nb tutorials` copies, from nbs/, under cbd_nb/_tutorials: the notebooks, the shipped run, the benchmark results"
    names = set(zipfile.ZipFile(built[0]).namelist())
    want = {f'cbd_nb/_tutorials/{f.as_posix()}' for f in tutorial_files(ROOT/'nbs')}
    assert {n for n in names if n.startswith('cbd_nb/_tutorials/')} == want
    assert {f'cbd_nb/_tutorials/tutorials/{f}' for f in ('05_gaps.ipynb', 'shipped/fmnist-lt-small/results.json', 'shipped/fmnist-lt-small/split.json',
            'shipped/fmnist-lt-small/checkpoints/cbd.pt')} | {'cbd_nb/_tutorials/benchmarks/results/controls/shared-s0.json'} <= want

def test_wheel_metadata_has_the_lab_extra(built):
    "`cbd_nb[lab]` brings JupyterLab, ipykernel and ipywidgets; no development tool comes with it or with the package itself"
    z = zipfile.ZipFile(built[0])
    meta = Parser().parsestr(z.read(next(n for n in z.namelist() if n.endswith('.dist-info/METADATA'))).decode())
    reqs = [Requirement(r) for r in meta.get_all('Requires-Dist')]
    with_extra = lambda e: {r.name for r in reqs if r.marker and r.marker.evaluate({'extra': e})}
    assert meta['License-Expression'] == 'Apache-2.0' and 'lab' in meta.get_all('Provides-Extra')
    assert with_extra('lab') == {'jupyterlab', 'ipykernel', 'ipywidgets'}
    base = {r.name for r in reqs if not r.marker}
    assert not {'nbdev', 'pytest', 'pytest-xdist', 'playwright'} & (base | with_extra('lab'))

NB_CHECK = '''
import sys, nbformat, nbclient
nb = nbformat.read(sys.argv[1], as_version=4)
nb.cells.append(nbformat.v4.new_code_cell("import cbd_nb\\nfrom cbd_nb.tutorials import finished_run\\nprint(cbd_nb.__file__)\\nprint(finished_run('fmnist-lt-small').out)"))
nbclient.NotebookClient(nb, timeout=600, kernel_name='python3', resources={'metadata': {'path': sys.argv[2]}}).execute()
print(''.join(o.get('text', '') for o in nb.cells[-1].outputs))
'''

@pytest.mark.slow
def test_installed_wheel_copies_tutorials_that_run(built, tmp_path):
    "Installed from the wheel alone into a new virtual environment (the clone out of the way), `cbd-nb tutorials` copies the tutorials, refuses a folder that holds anything, and a copied tutorial runs"
    venv = tmp_path/'venv'   # a new virtual environment; its dependencies (torch, JupyterLab, ...) are .venv's, through a .pth file: nothing downloaded
    assert _run(sys.executable, '-m', 'venv', venv).returncode == 0
    py, sp = venv/'bin'/'python', Path(_run(venv/'bin'/'python', '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])').stdout.strip())
    (sp/'kit_deps.pth').write_text(next(p for p in sys.path if p.endswith('site-packages')) + '\n')
    r = _run(py, '-m', 'pip', 'install', '-q', '--no-deps', '--no-index', '--no-compile', built[0])
    assert r.returncode == 0, r.stderr[-3000:]
    env = {**{k: v for k, v in os.environ.items() if k not in ('VIRTUAL_ENV', 'PYTHONPATH')}, 'OMP_NUM_THREADS': '1'}
    work = tmp_path/'work'; work.mkdir()
    where = _run(py, '-c', 'import cbd_nb; print(cbd_nb.__file__)', cwd=work, env=env).stdout.strip()
    assert Path(where).is_relative_to(sp), where
    ok = _run(venv/'bin'/'cbd-nb', 'tutorials', 'mine', cwd=work, env=env)
    assert ok.returncode == 0, ok.stderr
    again = _run(venv/'bin'/'cbd-nb', 'tutorials', 'mine', cwd=work, env=env)
    assert again.returncode == 1 and again.stderr.strip() == 'cbd-nb tutorials: mine already exists and is not an empty folder: choose an empty or new folder (nothing was copied).'
    nbs = work/'mine'/'nbs'/'tutorials'
    assert sorted(p.name for p in nbs.glob('*.ipynb')) == sorted(p.name for p in (ROOT/'nbs'/'tutorials').glob('*.ipynb'))
    assert (nbs/'05_gaps.ipynb').read_bytes() == (ROOT/'nbs'/'tutorials'/'05_gaps.ipynb').read_bytes()
    run = _run(py, '-c', NB_CHECK, nbs/'05_gaps.ipynb', nbs, cwd=work, env=env)   # the control views from ../benchmarks/results/controls
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert run.stdout.split() == [where, 'shipped/fmnist-lt-small']   # in its kernel, cbd_nb came from the install and the shipped run from beside the notebook
