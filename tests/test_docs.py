"Every exported function and class has a docstring, and every parameter of it is documented (docments); the docs notebooks process."
import dataclasses, importlib, inspect, os, pkgutil, shutil, subprocess, sys
from pathlib import Path
import pytest
from fastcore.docments import docments
import cbd_nb

MODULES = [m.name for m in pkgutil.iter_modules(cbd_nb.__path__) if not m.name.startswith('_')]

def _undocumented(f):
    sig = inspect.signature(f)
    params = [p for p in sig.parameters if p not in ('self', 'cls') and sig.parameters[p].kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)]
    d = docments(f, full=True)
    return [p for p in params if not (d.get(p) or {}).get('docment')]

@pytest.mark.parametrize('mod', MODULES)
def test_exports_documented(mod):
    m = importlib.import_module(f'cbd_nb.{mod}')
    problems = []
    for name in getattr(m, '__all__', []):
        o = getattr(m, name)
        if not (inspect.isfunction(o) or inspect.isclass(o)) or getattr(o, '__module__', None) != m.__name__: continue
        if not (o.__doc__ or '').strip(): problems.append(f'{name}: no docstring')
        if dataclasses.is_dataclass(o):                        # fields documented in the class body, or by their `help` metadata (a recipe `setting`)
            helped = {fl.name for fl in dataclasses.fields(o) if fl.metadata.get('help')}
            if (miss := [p for p in _undocumented(o) if p not in helped]): problems.append(f'{name}: undocumented fields {miss}')
            continue
        elif inspect.isclass(o):
            if '__init__' not in vars(o): continue
            f = o.__init__
        else: f = o
        if (miss := _undocumented(f)): problems.append(f'{name}: undocumented parameters {miss}')
    assert not problems, '\n'.join(problems)

def _git(*args, cwd): return subprocess.run(['git', *args], cwd=cwd, capture_output=True, text=True, check=True).stdout

def test_docs_notebooks_process_and_leave_git_clean(tmp_path):
    "`nbdev-proc-nbs`, the half of `nbdev-docs` that needs no Quarto, runs every notebook's docs cells in a copy of the working tree, which it leaves unchanged, and no signature names a class `__main__.X`"
    root = Path(__file__).parent.parent
    repo = tmp_path/'repo'
    for f in _git('ls-files', '-co', '--exclude-standard', '-z', cwd=root).split('\0'):
        if f and (root/f).is_file(): (repo/f).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(root/f, repo/f)
    _git('init', '-q', cwd=repo); _git('add', '-A', cwd=repo)
    _git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'copy', cwd=repo)
    env = {**os.environ, 'PYTHONPATH': str(repo)}
    if not shutil.which('quarto'):   # proc-nbs never runs Quarto but would try to install it (with sudo): a stand-in stops that
        (tmp_path/'bin').mkdir(); (tmp_path/'bin'/'quarto').write_text('#!/bin/sh\nexit 0\n'); (tmp_path/'bin'/'quarto').chmod(0o755)
        env['PATH'] = f"{tmp_path/'bin'}{os.pathsep}{env['PATH']}"
    r = subprocess.run([str(Path(sys.executable).parent/'nbdev-proc-nbs'), '--n-workers', '2'], cwd=repo, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]
    assert _git('status', '--porcelain', cwd=repo) == '', "nbdev-proc-nbs rewrote committed files (nbs/nbdev.yml must be exactly what nbdev generates)"
    procd = {p.relative_to(repo/'_proc') for p in (repo/'_proc').rglob('*.ipynb')}
    assert procd == {p.relative_to(repo/'nbs') for p in (repo/'nbs').rglob('*.ipynb') if not any(s.startswith(('_', '.')) for s in p.relative_to(repo/'nbs').parts)}
    main = sorted(str(p.relative_to(repo/'_proc')) for p in (repo/'_proc').rglob('*.ipynb') if '__main__.' in p.read_text())
    assert not main, f"`__main__.` in the rendered pages {main}: quote an annotation that names a class of the same notebook (->'Net')"

SURFACES = [('06_learner.ipynb', 'cbd_nb.learner', 'Learner'), ('08_pipeline.ipynb', 'cbd_nb.pipeline', 'Run')]

@pytest.mark.parametrize('nb,mod,cls', SURFACES)
def test_class_surface_is_shown_first(nb, mod, cls):
    "A class explained cell by cell with @patch shows its whole surface (every public method, one line each) before the first @patch"
    import json, re
    cells = json.loads((Path(__file__).parent.parent/'nbs'/nb).read_text())['cells']
    src = lambda c: ''.join(c['source'])
    table = next(i for i, c in enumerate(cells) if c['cell_type'] == 'markdown' and '| method | what it does |' in src(c))
    first_patch = next(i for i, c in enumerate(cells) if c['cell_type'] == 'code' and '@patch' in src(c))
    listed = set(re.findall(r'^\| `(\w+)` \|', src(cells[table]), re.M))
    k = getattr(importlib.import_module(mod), cls)
    public = {n for n, v in vars(k).items() if callable(v) and not n.startswith('_')}
    assert table < first_patch and listed == public, (sorted(public - listed), sorted(listed - public))

def test_sidebar_lists_every_notebook_and_only_those():
    "Every notebook of the docs is in sidebar.yml, and every entry there exists (issue 20)"
    import re
    nbs = Path(__file__).parent.parent/'nbs'
    listed = re.findall(r'^\s*-\s+(\S+\.ipynb)\s*$', (nbs/'sidebar.yml').read_text(), re.M)
    pages = {str(p.relative_to(nbs)) for p in nbs.rglob('*.ipynb') if not any(s.startswith(('_', '.')) for s in p.relative_to(nbs).parts)}
    assert len(listed) == len(set(listed)) and set(listed) == pages, (sorted(pages - set(listed)), sorted(set(listed) - pages))

def test_no_raw_widget_text_in_outputs():
    "A widget cell's committed output is a picture or a short note, never the widget's repr (`VBox(children=…)`), which the docs would show as text (issue 20)"
    import json
    nbs = Path(__file__).parent.parent/'nbs'
    raw = []
    for p in sorted(nbs.rglob('*.ipynb')):
        if any(s.startswith(('_', '.')) for s in p.relative_to(nbs).parts): continue
        for i, c in enumerate(json.loads(p.read_text())['cells']):
            for o in c.get('outputs', []):
                t = o.get('data', {}).get('text/plain', o.get('text', ''))
                t = ''.join(t) if isinstance(t, list) else t
                if t.lstrip().startswith(('VBox(', 'HBox(', 'Box(', 'FigureWidget(')): raw.append(f'{p.relative_to(nbs)} cell {i}')
    assert not raw, f'widget reprs committed as outputs (run the cell with the kit\'s `live` box, or clear it): {raw}'

def test_modules_stay_small():
    "Each module does one job (issue 19): none is over 450 lines, the generated `_modidx.py` aside"
    big = {p.name: n for p in Path(cbd_nb.__file__).parent.glob('*.py') if not p.name.startswith('_') and (n := len(p.read_text().splitlines())) > 450}
    assert not big, f'modules over 450 lines: {big}: split them by job, each with its own notebook'

def test_viz_loads_nothing_that_trains():
    "Drawing a figure does not load the training stack (issue 19): importing `cbd_nb.viz` imports no learner, stage, build or run"
    code = "import sys, cbd_nb.viz; print(' '.join(sorted(m for m in sys.modules if m.startswith('cbd_nb.'))))"
    loaded = set(subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout.split())
    assert 'cbd_nb.viz' in loaded
    assert not loaded & {f'cbd_nb.{m}' for m in ('learner', 'steps', 'checkpoint', 'stages', 'posthoc', 'builds', 'recipes', 'pipeline', 'report', 'cli')}, loaded
