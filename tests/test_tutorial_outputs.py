"""Committed tutorial outputs are reproducible (issue 11): one tutorial is executed again from a clean state, in a copy of
`nbs/tutorials` (so it reads the shipped fmnist-lt-small run, never a local `runs/` folder), and every number its cells
print or display as text must match the committed outputs. The figures are left out (Plotly gives each a random id).
Numbers may differ by `TOL` (0.1 points of a percentage, or 0.001 of a fraction): the networks are fixed checkpoints,
but a different CPU can round a float differently and flip a near-tied test image."""
import json, re, shutil
from pathlib import Path
import pytest

REPO = Path(__file__).resolve().parents[1]
TUTORIAL = 'tutorials/04_analysis.ipynb'      # reads the shipped run only: what it shows depends on no training
NUM = re.compile(r'-?\d+(?:\.\d+)?(?:e-?\d+)?')
TOL = 0.1
TIMED = re.compile(r'seconds|perf_counter|time\(')   # cells that show wall times, which no re-run reproduces

def text_outputs(nb:dict)->list:
    "(cell index, text) of every text output of every code cell, figures and widgets left out"
    res = []
    for i, c in enumerate(nb['cells']):
        if c['cell_type'] != 'code' or TIMED.search(''.join(c['source'])): continue
        prev_stream = False   # a kernel under load may flush one print in several stream messages: join them again
        for o in c.get('outputs', []):
            if o.get('output_type') == 'stream' and o.get('name') == 'stdout': t = o['text']
            elif o.get('output_type') in ('execute_result', 'display_data') and 'text/plain' in o.get('data', {}) and \
                 not {'application/vnd.plotly.v1+json', 'application/vnd.jupyter.widget-view+json'} & set(o['data']): t = o['data']['text/plain']
            else: continue
            t, stream = ''.join(t) if isinstance(t, list) else t, o.get('output_type') == 'stream'
            if stream and prev_stream: res[-1] = (i, res[-1][1] + t)
            else: res.append((i, t))
            prev_stream = stream
    return res

def untimed(text:str)->str:
    "`text` without the last column of a table whose header ends with 'seconds' (a wall time, which no re-run reproduces)"
    lines = text.splitlines()
    if not lines or not lines[0].rstrip().endswith('seconds'): return text
    return '\n'.join(l.rstrip().rsplit(None, 1)[0] if l.strip() else l for l in lines)

def numbers(text:str)->list[float]: return [float(x) for x in NUM.findall(untimed(text))]

def close(a:list, b:list)->bool:
    "Same count of numbers, each within `TOL` (a percentage or count) or `TOL`/100 (a fraction below 1)"
    return len(a) == len(b) and all(abs(x - y) <= (TOL if abs(y) >= 1 else TOL / 100) + 1e-9 for x, y in zip(a, b))   # 1e-9: 75.4 - 75.3 is 0.1000000000000085 in floats

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
    old, new = text_outputs(committed), text_outputs(fresh)
    assert len(old) >= 5, f'{TUTORIAL} has only {len(old)} text outputs committed: execute it and commit its outputs'
    assert [i for i, _ in old] == [i for i, _ in new], 'the cells with text output differ between the committed and the re-executed notebook'
    bad = [f'cell {i}:\n  committed: {a[:300]}\n  now:       {b[:300]}' for (i, a), (_, b) in zip(old, new) if not close(numbers(b), numbers(a))]
    assert not bad, f'{TUTORIAL}: re-executed outputs differ from the committed ones:\n' + '\n'.join(bad)
