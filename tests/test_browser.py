"""The tutorial notebooks run in JupyterLab in a real browser: every cell executes without error, the Plotly figures
render, and moving a widget's control redraws its figure through the kernel.

JupyterLab serves a temporary copy of `nbs/tutorials` and `nbs/benchmarks/results` (the repository is never written to; cells flagged with one of
nbdev's `tst_flags`, e.g. `#| slow`, are left out of the copy, as `nbdev_test` leaves them out), and Playwright drives
Debian's Chromium (no browser download: requests that leave 127.0.0.1 are refused). A screenshot of each notebook is
saved to `test-artifacts/<notebook>.png`. Needs the `playwright` Python package and a Chromium (`/usr/bin/chromium`,
or `$CBD_CHROMIUM`); the tests are skipped, with the reason, where either is missing."""
import json, os, re, secrets, shutil, signal, socket, subprocess, sys, time, tomllib, urllib.request
from pathlib import Path
from urllib.parse import urlparse
import pytest
from outputs_util import differences
from browser_util import CHROMIUM, have_chromium

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO/'test-artifacts'
CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update', '--disable-sync']

# path under nbs/: Plotly figures the notebook must render; seconds after which "Run All" is taken to hang; actions on the controls of
# its first widget (a VBox holding controls and a FigureWidget), each of which must change that figure:
#   ('readout', i, text): type text into the i-th slider's readout; ('drag', i, dx): drag the i-th slider's handle
#   by dx pixels; ('select', i, k): choose option k of the i-th dropdown.
HANG = 900   # a hang guard, not a timing check: Run All's time (at most 2 minutes on two idle cores) is measured by benchmarks/first_hour.py
NOTEBOOKS = [   # every tutorial
    dict(path='tutorials/01_long_tail.ipynb', figures=5, run_timeout=HANG,    # count_histogram, sampled_distribution, explore_sampling,
         actions=[('readout', 1, '1'), ('drag', 0, -400)]),                  # accuracy_vs_frequency, confusion_plot; q -> 1; imbalance -> its minimum
    dict(path='tutorials/02_teachers.ipynb', figures=9, run_timeout=HANG,      # teachers' shot bars and per-class accuracy, weight norms,
         actions=[('readout', 0, '1.5')]),                                   # confusion, baselines' bars and per-class, τ norms and curve; τ slider -> 1.5
    dict(path='tutorials/03_distillation.ipynb', figures=3, run_timeout=HANG),  # shot bars of the students and of the balanced-loss students, per-class accuracy
    dict(path='tutorials/04_analysis.ipynb', figures=7, run_timeout=HANG, actions=[('select', 1, 3)],    # explore_tsne: highlight a class;
         reproduce=True),   # it trains nothing: its printed numbers must equal the committed ones (test_tutorial_outputs.py)
    dict(path='tutorials/05_gaps.ipynb', figures=1, run_timeout=HANG, reproduce=True),   # the gap's per-seed differences; reads the shipped controls, trains nothing
    dict(path='tutorials/06_why_cbd.ipynb', figures=4, run_timeout=HANG, reproduce=True),   # the two cost views, the two geometry plots; reads the shipped controls, trains nothing
]

pytest.importorskip('playwright.sync_api', reason='the playwright Python package is not installed (pip install playwright)')
from playwright.sync_api import sync_playwright, Error as PWError, TimeoutError as PWTimeout

# --- JupyterLab server ------------------------------------------------------------------------------------------------

def _free_port():
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def _tst_flags():
    try: return tomllib.loads((REPO/'pyproject.toml').read_text())['tool']['nbdev'].get('tst_flags', [])
    except (OSError, KeyError): return []

def _drop_flagged(nb_path, flags):
    "Remove the code cells carrying one of nbdev's test flags (`#| slow`), as `nbdev_test` skips them"
    nb = json.loads(nb_path.read_text())
    def flagged(c):
        src = ''.join(c['source']) if isinstance(c['source'], list) else c['source']
        heads = [l for l in src.splitlines() if l.strip()][:10]
        return any(m and any(f in m.group(1).split() for f in flags) for m in (re.match(r'\s*#\s*\|\s*(.*)', l) for l in heads))
    nb['cells'] = [c for c in nb['cells'] if not (c['cell_type'] == 'code' and flagged(c))]
    nb_path.write_text(json.dumps(nb, indent=1))

def _api(url, token, path, method='GET', timeout=5):
    req = urllib.request.Request(f'{url}{path}', method=method, headers={'Authorization': f'token {token}'})
    with urllib.request.urlopen(req, timeout=timeout) as r: body = r.read()
    return json.loads(body) if body else None

class Lab:
    "A running JupyterLab: its base url, token, and the (temporary) folder it serves"
    def __init__(self, url, token, root, log): self.url, self.token, self.root, self.log = url, token, root, log
    def log_tail(self, n=4000): return self.log.read_text(errors='replace')[-n:] if self.log.exists() else ''

def _kill_leftovers(proc, runtime_dir):
    "SIGKILL what is left of the server's process group, and kernels whose connection file lies in our runtime dir"
    try: os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError): pass
    for d in Path('/proc').glob('[0-9]*'):
        try: args = (d/'cmdline').read_bytes().split(b'\0')
        except OSError: continue
        if any(str(runtime_dir).encode() in a for a in args):
            try: os.kill(int(d.name), signal.SIGKILL)
            except (ProcessLookupError, PermissionError): pass

@pytest.fixture(scope='module')
def lab(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('jupyterlab')
    nbs = tmp/'nbs'                      # notebooks' relative paths (../../runs) land in tmp, not in the repository
    shutil.copytree(REPO/'nbs'/'tutorials', nbs/'tutorials', ignore=shutil.ignore_patterns('.ipynb_checkpoints'))
    shutil.copytree(REPO/'nbs'/'benchmarks'/'results', nbs/'benchmarks'/'results')   # tutorial 02 reads the five-seed results
    flags = _tst_flags()
    for f in (nbs/'tutorials').glob('*.ipynb'): _drop_flagged(f, flags)
    # user settings: no news/update prompts, and every cell rendered (no virtual scrolling that detaches off-screen cells)
    settings = tmp/'user-settings'/'@jupyterlab'
    (settings/'apputils-extension').mkdir(parents=True)
    (settings/'apputils-extension'/'notification.jupyterlab-settings').write_text('{"fetchNews": "false", "checkForUpdates": false}')
    (settings/'notebook-extension').mkdir(parents=True)
    (settings/'notebook-extension'/'tracker.jupyterlab-settings').write_text('{"windowingMode": "none"}')
    token, port = secrets.token_hex(16), _free_port()
    url, runtime = f'http://127.0.0.1:{port}', tmp/'runtime'
    env = {**os.environ, 'JUPYTER_RUNTIME_DIR': str(runtime), 'JUPYTER_CONFIG_DIR': str(tmp/'config'),
           'IPYTHONDIR': str(tmp/'ipython'), 'PATH': f'{Path(sys.executable).parent}{os.pathsep}{os.environ.get("PATH", "")}'}
    cmd = [sys.executable, '-m', 'jupyter', 'lab', '--no-browser', f'--ServerApp.token={token}', '--ServerApp.ip=127.0.0.1',
           f'--port={port}', '--ServerApp.port_retries=0', f'--ServerApp.root_dir={nbs}',
           '--LabApp.expose_app_in_browser=True',          # window.jupyterapp, to run commands and read the notebook model
           '--LabApp.news_url=None', '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
           '--LabApp.extension_manager=readonly', f'--LabApp.user_settings_dir={tmp/"user-settings"}',
           f'--LabApp.workspaces_dir={tmp/"workspaces"}']
    if hasattr(os, 'geteuid') and os.geteuid() == 0: cmd.append('--allow-root')
    log = tmp/'jupyterlab.log'
    with open(log, 'wb') as out:
        proc = subprocess.Popen(cmd, cwd=tmp, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    lab = Lab(url, token, nbs, log)
    try:
        deadline = time.monotonic() + 300   # a hang guard
        while True:
            if proc.poll() is not None: pytest.fail(f'JupyterLab exited with code {proc.returncode}:\n{lab.log_tail()}')
            try:
                if 'started' in _api(url, token, '/api/status', timeout=2): break
            except Exception: pass
            if time.monotonic() > deadline: pytest.fail(f'JupyterLab did not answer on {url} within 300 s:\n{lab.log_tail()}')
            time.sleep(0.5)
        yield lab
    finally:
        if proc.poll() is None:
            try: _api(url, token, '/api/shutdown', method='POST')   # shuts the kernels down too
            except Exception: pass
            try: proc.wait(20)
            except subprocess.TimeoutExpired:
                try: os.killpg(proc.pid, signal.SIGTERM); proc.wait(10)
                except (ProcessLookupError, subprocess.TimeoutExpired): pass
        _kill_leftovers(proc, runtime)
        proc.wait(10)

# --- browser ---------------------------------------------------------------------------------------------------------

@pytest.fixture(scope='module')
def playwright():
    if not have_chromium():
        msg = f'no Chromium at {CHROMIUM} (apt-get install chromium, or set $CBD_CHROMIUM)'
        if os.environ.get('CBD_REQUIRE_BROWSER'): pytest.fail(msg)     # setup.sh test installs it: missing is a failure there
        pytest.skip(msg)
    with sync_playwright() as p: yield p

@pytest.fixture
def page(playwright, lab, tmp_path):
    "A page in a fresh Chromium profile that can reach nothing but the JupyterLab server"
    ctx = playwright.chromium.launch_persistent_context(str(tmp_path/'chromium-profile'), executable_path=CHROMIUM,
                                                         headless=True, args=CHROMIUM_ARGS, viewport={'width': 1400, 'height': 1000})
    blocked, console = [], []
    def route(r):
        if urlparse(r.request.url).hostname in ('127.0.0.1', 'localhost'): r.continue_()
        else: blocked.append(r.request.url); r.abort()
    ctx.route('**/*', route)
    pg = ctx.pages[0] if ctx.pages else ctx.new_page()
    pg.set_default_timeout(30_000)
    pg.on('console', lambda m: console.append(f'{m.type}: {m.text}') if m.type == 'error' else None)
    pg.on('pageerror', lambda e: console.append(f'pageerror: {e}'))
    try: yield pg
    finally:
        if blocked: print('requests refused (not 127.0.0.1):', *blocked[:20], sep='\n  ')
        if console: print('browser console errors:', *console[:30], sep='\n  ')
        try: ctx.close()
        except PWError: pass
        try:                                                          # free the CPU for the next notebook
            for s in _api(lab.url, lab.token, '/api/sessions'): _api(lab.url, lab.token, f'/api/sessions/{s["id"]}', method='DELETE')
        except Exception: pass

# --- helpers that read the notebook in the page (all scoped to the panel of `path`) ------------------------------------

PANEL = """const panel = Array.from(window.jupyterapp.shell.widgets('main')).find(w => w.context && w.context.path === path);"""
KERNEL_IDLE = f"""path => {{ if (!window.jupyterapp) return false; {PANEL}
  const s = panel && panel.sessionContext, k = s && s.session && s.session.kernel;
  return !!(s && s.isReady && k && k.status === 'idle'); }}"""
RUN_ALL = f"""path => {{ {PANEL}
  window.jupyterapp.shell.activateById(panel.id);
  window.__runAll = {{done: false}};
  window.jupyterapp.commands.execute('notebook:run-all-cells')
    .then(r => window.__runAll = {{done: true, result: r}}, e => window.__runAll = {{done: true, error: String(e)}}); }}"""
RUN_DONE = f"""path => {{ {PANEL}
  const k = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const busy = Array.from(panel.node.querySelectorAll('.jp-InputArea-prompt')).some(p => p.textContent.includes('*'));
  return window.__runAll.done && k && k.status === 'idle' && !busy; }}"""
CELLS = rf"""path => {{ {PANEL}
  return panel.content.widgets.map((c, i) => ({{i, type: c.model.type, count: c.model.type === 'code' ? c.model.executionCount : null,
    outputs: c.model.type === 'code' ? c.model.outputs.toJSON() : [],
    dom_errors: Array.from(c.node.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"],'
                                                   + '.jp-RenderedText[data-mime-type="application/vnd.jupyter.error"]'))
                .map(e => e.textContent).filter(t => /Traceback|^\w*(Error|Exception)\b/m.test(t)).map(t => t.slice(0, 300)),
    widget_errors: Array.from(c.node.querySelectorAll('.jupyter-widgets.widget-error, .widget-error')).map(e => e.textContent.slice(0, 300))}})); }}"""
NOTEBOOK_JSON = f"""path => {{ {PANEL} return panel.content.model.toJSON(); }}"""   # the notebook as nbformat JSON, outputs included
FIGURES = f"""path => {{ {PANEL}
  return Array.from(panel.node.querySelectorAll('.js-plotly-plot')).map(gd => ({{
    svgs: gd.querySelectorAll('.plotly svg.main-svg').length,
    traces: gd.querySelectorAll('.trace, canvas.gl-canvas, .hm').length,   // .hm: a heatmap's image
    data: (gd.data || []).length, title: (gd.querySelector('.gtitle') || {{}}).textContent || null }})); }}"""
RENDERED = f"""([path, n]) => {{ {PANEL}
  return Array.from(panel.node.querySelectorAll('.js-plotly-plot'))
    .filter(gd => gd.querySelector('.plotly svg.main-svg') && gd.querySelector('.trace, canvas.gl-canvas, .hm')).length >= n; }}"""

def open_notebook(page, lab, path, timeout=300):
    "Open `path` in JupyterLab and wait until its kernel is idle"
    page.goto(f'{lab.url}/lab/tree/{path}?reset&token={lab.token}', timeout=timeout*1000)
    try: page.wait_for_function(KERNEL_IDLE, arg=path, timeout=timeout*1000, polling=250)
    except PWTimeout: pytest.fail(f'{path}: no idle kernel after {timeout} s\n{lab.log_tail()}')

def run_all(page, path, timeout):
    "Run > Run All Cells, and wait until the command has returned, the kernel is idle and no prompt reads [*]"
    page.evaluate(RUN_ALL, path)
    try: page.wait_for_function(RUN_DONE, arg=path, timeout=timeout*1000, polling=500)
    except PWTimeout: pytest.fail(f'{path}: "Run All Cells" still running after {timeout} s')
    return page.evaluate('() => window.__runAll')

def notebook_problems(page, path, figures, wait=120):
    "Everything that shows the notebook did not run cleanly: errors, code cells without an execution count, figures missing"
    try: page.wait_for_function(RENDERED, arg=[path, figures], timeout=wait*1000, polling=500)
    except PWTimeout: pass                                          # reported below
    cells, problems = page.evaluate(CELLS, path), []
    for c in cells:
        for o in c['outputs']:
            if o.get('output_type') == 'error': problems.append(f"cell {c['i']}: {o.get('ename')}: {o.get('evalue')}")
        problems += [f"cell {c['i']}: error text in the page: {t!r}" for t in c['dom_errors']]
        problems += [f"cell {c['i']}: widget error: {t!r}" for t in c['widget_errors']]
    if (missing := [c['i'] for c in cells if c['type'] == 'code' and c['count'] is None]):
        problems.append(f'code cells without an execution count (not run): {missing}')
    figs = page.evaluate(FIGURES, path)
    ok = [f for f in figs if f['svgs'] and f['traces']]
    if len(ok) < figures: problems.append(f'{len(ok)} rendered Plotly figures, expected at least {figures}: {figs}')
    return problems

# --- the widget ------------------------------------------------------------------------------------------------------

FIG_STATE = """box => { const gd = box.querySelector('.js-plotly-plot');
  return {svg: Array.from(gd.querySelectorAll('svg.main-svg')).map(s => s.innerHTML).join(''),
          title: (gd.querySelector('.gtitle') || {}).textContent || null,
          controls: Array.from(box.querySelectorAll('.widget-readout, select')).map(e => e.value !== undefined && e.tagName === 'SELECT' ? e.value : e.textContent)}; }"""
FIG_CHANGED = """([box, before]) => { const gd = box.querySelector('.js-plotly-plot');
  return Array.from(gd.querySelectorAll('svg.main-svg')).map(s => s.innerHTML).join('') !== before; }"""

def act(page, box, action):
    kind, i, v = action
    if kind == 'readout':
        r = box.locator('.widget-readout').nth(i)
        r.click(); page.keyboard.press('Control+A'); page.keyboard.type(str(v)); page.keyboard.press('Enter')
    elif kind == 'drag':
        b = box.locator('.noUi-handle').nth(i).bounding_box()
        x, y = b['x'] + b['width']/2, b['y'] + b['height']/2
        page.mouse.move(x, y); page.mouse.down(); page.mouse.move(x + v, y, steps=8); page.mouse.up()
    elif kind == 'select': box.locator('.widget-dropdown select').nth(i).select_option(index=v)
    else: raise ValueError(f'unknown action {kind}')

def check_widget(page, path, actions, timeout=120):
    "Each action on the first widget's controls must change its control values and redraw its Plotly figure"
    box = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .widget-vbox:has(.js-plotly-plot)').first
    assert box.count(), f'{path}: no widget (a VBox with a Plotly figure) rendered'
    box.scroll_into_view_if_needed()
    h = box.element_handle()
    for a in actions:
        before = page.evaluate(FIG_STATE, h)
        act(page, box, a)
        try: page.wait_for_function(FIG_CHANGED, arg=[h, before['svg']], timeout=timeout*1000, polling=250)
        except PWTimeout: pass
        after = page.evaluate(FIG_STATE, h)
        assert after['controls'] != before['controls'], f'{path}: {a} did not change the controls: {before["controls"]}'
        redrawn = after['svg'] != before['svg']
        assert redrawn, (f'{path}: {a} moved the controls {before["controls"]} -> {after["controls"]} '
                         f'but the figure did not change within {timeout} s (title {after["title"]!r})')
        print(f'{a}: controls {before["controls"]} -> {after["controls"]}; title {before["title"]!r} -> {after["title"]!r}')

def screenshot(page, path, name):
    "The whole notebook, left sidebar collapsed, as one tall image"
    try:
        page.evaluate('() => window.jupyterapp && window.jupyterapp.shell.collapseLeft()')
        h = page.evaluate("""() => { const v = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-viewport');
                                    return v ? v.offsetHeight : 0; }""")
        page.set_viewport_size({'width': 1400, 'height': max(1000, min(int(h) + 200, 12000))})
        page.wait_for_timeout(1500)                                    # Plotly relayouts on resize
        page.evaluate("""() => { const o = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer');
                                if (o) o.scrollTop = 0; }""")
        page.wait_for_timeout(300)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS/f'{name}.png'))
    except PWError as e: print(f'screenshot of {path} failed: {e}')

# --- the tests -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=[Path(n['path']).stem for n in NOTEBOOKS])
def test_notebook_in_jupyterlab(nb, request):
    path = nb['path']
    if not (REPO/'nbs'/path).exists(): pytest.skip(f'nbs/{path} does not exist (yet)')
    lab, page = request.getfixturevalue('lab'), request.getfixturevalue('page')   # started only for notebooks that exist
    try:
        open_notebook(page, lab, path)
        r = run_all(page, path, nb['run_timeout'])
        problems = notebook_problems(page, path, nb['figures'])
        assert not problems, f'{path} in JupyterLab (run-all returned {r}):\n' + '\n'.join(problems)
        if nb.get('reproduce'):
            bad = differences(json.loads((REPO/'nbs'/path).read_text()), page.evaluate(NOTEBOOK_JSON, path), path)
            assert not bad, f'{path}: outputs of Run All differ from the committed ones:\n' + '\n'.join(bad)
        if nb.get('actions'): check_widget(page, path, nb['actions'])
    finally: screenshot(page, path, Path(path).stem)

def _code(src:str)->dict: return {'cell_type': 'code', 'execution_count': None, 'metadata': {}, 'outputs': [], 'source': [src]}

def test_broken_notebook_is_detected(lab, page):
    "The checks above fail on a notebook that raises: a figure, then a cell raising ValueError('boom'), then a second figure"
    fig = "go.Figure(go.Bar(y=[1, 2, 3]))"
    nb = {'cells': [_code('import plotly.graph_objects as go'), _code(fig), _code("raise ValueError('boom')"), _code(fig)],
          'metadata': {'kernelspec': {'display_name': 'Python 3', 'language': 'python', 'name': 'python3'}}, 'nbformat': 4, 'nbformat_minor': 5}
    for i, c in enumerate(nb['cells']): c['id'] = f'broken{i}'
    path = 'tutorials/broken.ipynb'
    (lab.root/path).write_text(json.dumps(nb, indent=1))
    try:
        open_notebook(page, lab, path)
        run_all(page, path, 60)
        problems = notebook_problems(page, path, 2, wait=2)
        print('problems found in the broken notebook:', *problems, sep='\n  ')
        assert any('ValueError: boom' in p for p in problems), problems
        assert any('without an execution count' in p for p in problems), problems   # Run All stops at the error
        assert any('1 rendered Plotly figures, expected at least 2' in p for p in problems), problems   # the figure before the error renders
    finally: screenshot(page, path, 'broken')
