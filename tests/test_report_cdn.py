"""Where plotly.js comes from (issue 32): report.html embeds it once, so the page opens offline; a notebook holds only its
figures' data: JupyterLab draws them with the plotly extension the plotly wheel installs, and their HTML (the docs pages,
`jupyter nbconvert --to html`) loads plotly.js from its CDN, with div ids that a second run of the notebook keeps."""
import json, re, subprocess, sys
from pathlib import Path
import nbformat, torch
from cbd_nb.report import report_html
from test_report import fake_results

PLOTLY_JS = re.compile(r'plotly\.js v\d')   # the banner at the top of plotly.js itself

def test_report_embeds_plotly_once_and_fetches_nothing():
    page = report_html(fake_results())
    assert len(PLOTLY_JS.findall(page)) == 1 and not re.search(r'<script[^>]+src=', page)    # plotly.js in the page, no script from the network

def test_plotly_labextension_is_installed():
    "JupyterLab draws application/vnd.plotly.v1+json offline with the extension shipped in the plotly wheel"
    ext = Path(sys.prefix)/'share'/'jupyter'/'labextensions'/'jupyterlab-plotly'/'package.json'
    assert ext.is_file(), f'{ext} is missing: pip install plotly (its wheel ships the JupyterLab extension)'

def execute(path:Path)->list:
    "The outputs of every code cell of the notebook at `path`, executed in a fresh kernel, with execution counts left out"
    subprocess.run([sys.executable, '-m', 'jupyter', 'nbconvert', '--to', 'notebook', '--execute', '--inplace', str(path)], check=True, capture_output=True, timeout=600)
    nb = json.loads(path.read_text())
    return [{k: v for k, v in o.items() if k != 'execution_count'} for c in nb['cells'] for o in c.get('outputs', [])]

def test_notebook_figures_are_small_connected_and_stable(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell('import torch\nfrom cbd_nb.viz import count_histogram'),
                nbformat.v4.new_code_cell('count_histogram(torch.tensor([50, 20, 5]))'), nbformat.v4.new_code_cell('count_histogram(torch.tensor([50, 20, 5]))')]
    nbformat.write(nb, tmp_path/'t.ipynb')
    first = execute(tmp_path/'t.ipynb')
    figs = [o['data'] for o in first if 'application/vnd.plotly.v1+json' in o.get('data', {})]
    html = ''.join(''.join(d['text/html']) for d in figs)                                # nbformat may store text as a list of lines
    assert len(figs) == len(first) == 2 and not PLOTLY_JS.search(json.dumps(first))          # two figures, no page-wide script, no plotly.js in the notebook
    assert re.search(r'''<script[^>]+src="https://cdn\.plot\.ly/plotly-[\d.]+\.min\.js"''', html)   # their HTML (the docs) loads it from the CDN
    ids = re.findall(r'id="([^"]+)" class="plotly-graph-div"', html)
    assert len(set(ids)) == 2 and ids[1] == ids[0] + '-1'                                     # the same figure twice: two ids on one page
    assert execute(tmp_path/'t.ipynb') == first                                               # a second run changes no output

def test_docs_page_figure_draws_from_its_cdn(tmp_path):
    "A committed figure's HTML, as a docs page holds it, draws in Chromium once its plotly.js arrives from the CDN (served here from the plotly wheel's copy: no network)"
    import pytest
    from browser_util import CHROMIUM, have_chromium
    if not have_chromium(): pytest.skip('no Chromium')
    sync_api = pytest.importorskip('playwright.sync_api')
    import plotly
    nb = json.loads((Path(__file__).resolve().parents[1]/'nbs'/'tutorials'/'06_why_cbd.ipynb').read_text())
    html = next(''.join(o['data']['text/html']) for c in nb['cells'] for o in c.get('outputs', []) if 'text/html' in o.get('data', {}))
    (tmp_path/'page.html').write_text(f'<!doctype html><html><body>{html}</body></html>')
    js = Path(plotly.__file__).parent/'package_data'/'plotly.min.js'
    asked = []
    def cdn(route):
        asked.append(route.request.url); route.fulfill(path=str(js), content_type='application/javascript')
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM)
        page = b.new_page()
        page.route(re.compile(r'https://cdn\.plot\.ly/.*'), cdn)
        page.goto((tmp_path/'page.html').as_uri())
        page.wait_for_selector('.plotly-graph-div .main-svg', timeout=60_000)
        points = page.locator('.plotly-graph-div .scatterlayer .point').count()
        b.close()
    assert asked and all(u.startswith('https://cdn.plot.ly/plotly-') for u in asked)   # plotly.js from its CDN, as on the docs site
    assert points > 0, 'the figure drew no points'
