"""Committed tutorial outputs are reproducible (issue 11): one tutorial is executed again from a clean state, in a copy of
`nbs/tutorials` (so it reads the shipped fmnist-lt-small run, never a local `runs/` folder), and every number its cells
print or display as text must match the committed outputs. The figures are left out (Plotly gives each a random id).
Numbers may differ by `TOL` (0.1 points of a percentage, or 0.001 of a fraction): the networks are fixed checkpoints,
but a different CPU can round a float differently and flip a near-tied test image.

Where the browser tests run (Chromium and Playwright present), `test_browser.py` compares the outputs of its Run All in
JupyterLab the same way, and the tutorial is not executed a second time here."""
import json, shutil
from pathlib import Path
import pytest
from outputs_util import text_outputs, numbers, close, differences
from browser_util import have_chromium

REPO = Path(__file__).resolve().parents[1]
TUTORIAL = 'tutorials/04_analysis.ipynb'      # reads the shipped run only: what it shows depends on no training

def browser_checks_it()->bool:
    "True where test_browser.py runs the tutorials in JupyterLab (and compares this one's outputs)"
    try: import playwright.sync_api   # noqa: F401
    except ImportError: return False
    return have_chromium()

def test_numbers_in_text_are_compared_with_tolerance():
    assert numbers("{'all': 84.2, 'few': 8.5e-2}") == [84.2, 0.085]
    assert numbers("method  all  seconds\n------  ---  -------\n    CE 69.8     3.96") == [69.8]
    split = {'cells': [{'cell_type': 'code', 'source': 'print(t)', 'outputs': [
        {'output_type': 'stream', 'name': 'stdout', 'text': 'a 1\n'}, {'output_type': 'stream', 'name': 'stdout', 'text': 'b 2\n'},
        {'output_type': 'execute_result', 'data': {'text/plain': '3'}}]}]}
    assert text_outputs(split) == [(0, 'a 1\nb 2\n'), (0, '3')]   # one print flushed in two messages counts as one output
    assert close([84.2, 0.5], [84.25, 0.5005]) and not close([84.2], [84.4]) and not close([0.5], [0.51]) and not close([1.], [1., 2.])
    assert close([75.3], [75.4]) and not close([75.3], [75.41])   # a difference of exactly TOL passes, in spite of float rounding

@pytest.fixture(scope='module')
def rerun(tmp_path_factory):
    "The tutorial's committed notebook and the same notebook executed again in a copy of nbs/tutorials"
    if browser_checks_it(): pytest.skip(f'{TUTORIAL} is run in JupyterLab by test_browser.py, which compares its outputs')
    nbformat, nbclient = pytest.importorskip('nbformat'), pytest.importorskip('nbclient')
    if not (REPO/'nbs'/'tutorials'/'shipped'/'fmnist-lt-small'/'results.json').exists(): pytest.fail('the shipped fmnist-lt-small run is missing')
    root = tmp_path_factory.mktemp('tut')
    shutil.copytree(REPO/'nbs'/'tutorials', root/'nbs'/'tutorials', ignore=shutil.ignore_patterns('.ipynb_checkpoints'))
    shutil.copytree(REPO/'nbs'/'benchmarks'/'results', root/'nbs'/'benchmarks'/'results')   # results the tutorials quote
    committed = json.loads((REPO/'nbs'/TUTORIAL).read_text())
    nb = nbformat.read(root/'nbs'/TUTORIAL, as_version=4)
    for c in nb.cells:
        if c.cell_type == 'code': c.outputs = []
    nbclient.NotebookClient(nb, timeout=300, kernel_name='python3', resources={'metadata': {'path': str(root/'nbs'/'tutorials')}}).execute()
    return committed, json.loads(nbformat.writes(nb))

def test_committed_outputs_reproduce(rerun):
    committed, fresh = rerun
    bad = differences(committed, fresh, TUTORIAL)
    assert not bad, f'{TUTORIAL}: re-executed outputs differ from the committed ones:\n' + '\n'.join(bad)
