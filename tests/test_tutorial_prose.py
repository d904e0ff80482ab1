"""Prose says only what the page shows (issue 20): every percentage that a tutorial's markdown quotes must appear among the
numbers that the same notebook's cells print or display as text, as a percentage (72.7) or as a fraction (0.727), at the
precision quoted. A percentage that is not a result of the page (a paper's number, a setting, a definition) is listed in
`CITED` with the reason, so that each exception is explicit and reviewed."""
import json, re
from pathlib import Path
import pytest

TUTORIALS = Path(__file__).resolve().parents[1]/'nbs'/'tutorials'
PCT = re.compile(r'(\d+(?:\.\d+)?)\s?%')
NUM = re.compile(r'-?\d+(?:\.\d+)?')
CITED = {   # notebook -> {quoted percentage: why it need not be an output of the page}
    '01_long_tail.ipynb': {'20': 'the two few-shot classes are 2 of the 10 classes, so 20% of the balanced test set'},
    '02_teachers.ipynb': {'20': "SimCLR's colour jitter turns 20% of the images grey: a setting of the augmentation"},
    '03_distillation.ipynb': {},
    '04_analysis.ipynb': {'20': "LDAM-DRW re-weights the classes over the last 20% of the epochs: a setting of the method",
                          '80': 'the definition of calibration: of the images labelled with 80% confidence, 80% should be correct'},
    '05_gaps.ipynb': {'20': "LDAM-DRW re-weights the classes over the last 20% of the epochs: a setting of the method"},
}

def markdown(nb:dict)->str:
    "The prose of `nb`: its markdown cells, without code spans, LaTeX and links' targets"
    s = '\n'.join(''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'markdown')
    return re.sub(r'`[^`]*`|\$[^$]*\$|\]\([^)]*\)', ' ', s)

def outputs(nb:dict)->list[float]:
    "Every number that `nb`'s code cells print or display as text (figures and widgets left out)"
    texts = []
    for c in nb['cells']:
        for o in c.get('outputs', []) if c['cell_type'] == 'code' else []:
            d = o.get('data', {})
            if o.get('output_type') == 'stream': texts.append(o['text'])
            elif 'text/plain' in d and not {'application/vnd.plotly.v1+json', 'application/vnd.jupyter.widget-view+json'} & set(d): texts.append(d['text/plain'])
    return [float(x) for t in texts for x in NUM.findall(''.join(t) if isinstance(t, list) else t)]

def shown(quoted:str, nums:list[float])->bool:
    "Whether the percentage `quoted` (its text, e.g. '72.7' or '95') is one of `nums`, as a percentage or a fraction, at its precision"
    dec = len(quoted.split('.')[1]) if '.' in quoted else 0
    q = float(quoted)
    return any(round(x, dec) == q or round(100 * x, dec) == q for x in nums)

@pytest.mark.parametrize('name', sorted(CITED))
def test_quoted_percentages_are_outputs(name):
    nb = json.loads((TUTORIALS/name).read_text())
    nums, cited = outputs(nb), CITED[name]
    missing = sorted({m for m in PCT.findall(markdown(nb)) if m not in cited and not shown(m, nums)}, key=float)
    assert not missing, f'{name} quotes these percentages in prose, but no output of the notebook shows them: {missing}'

def test_cited_percentages_are_quoted():
    "Every allow-listed percentage is still quoted (a stale exception would hide nothing)"
    for name, cited in CITED.items():
        quoted = set(PCT.findall(markdown(json.loads((TUTORIALS/name).read_text()))))
        assert set(cited) <= quoted, f'{name}: {sorted(set(cited) - quoted)} are allow-listed but no longer quoted'

def test_shown():
    "A fraction or a percentage matches at the quoted precision, and nothing else does"
    assert shown('72.7', [0.727]) and shown('72.7', [72.7]) and shown('95', [0.953]) and shown('95', [94.8])
    assert not shown('72.7', [0.7271 + 0.001]) and not shown('95', [0.9]) and not shown('72.7', [72.0])
