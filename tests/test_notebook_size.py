"""Notebooks stay small (issue 32): no notebook under nbs/ over 2 MB and nbs/ under 20 MB in all, and no stored output or
widget state carries plotly.js (5 MB each time): figures are stored as their data (`cbd_nb.viz` sets the mimetype and
connected renderers, and its explorers keep their figure in an ipywidgets Output, not a FigureWidget)."""
import json
from pathlib import Path

NBS = Path(__file__).resolve().parents[1]/'nbs'
MB = 1 << 20
NOTEBOOKS = sorted(p for p in NBS.rglob('*.ipynb') if '.ipynb_checkpoints' not in p.parts)

def test_no_notebook_over_2_mb():
    big = {str(p.relative_to(NBS)): round(p.stat().st_size / MB, 1) for p in NOTEBOOKS if p.stat().st_size > 2 * MB}
    assert NOTEBOOKS and not big, f'notebooks over 2 MB (MB): {big}: execute them again with the current cbd_nb.viz, then nbdev-clean'

def test_nbs_under_20_mb():
    total = sum(p.stat().st_size for p in NBS.rglob('*') if p.is_file())
    assert total < 20 * MB, f'nbs/ holds {total / MB:.1f} MB: the largest files are ' + \
        ', '.join(f'{p.relative_to(NBS)} ({p.stat().st_size / MB:.1f} MB)' for p in sorted(NBS.rglob('*'), key=lambda p: -p.stat().st_size if p.is_file() else 0)[:5])

def big_parts(nb:dict)->list[str]:
    "The outputs and widget states of `nb` over 1 MB: plotly.js in an output (the `notebook` renderer) or in a FigureWidget's state"
    outs = [(f'cell {i} output', o) for i, c in enumerate(nb['cells']) for o in c.get('outputs', [])]
    state = nb.get('metadata', {}).get('widgets', {}).get('application/vnd.jupyter.widget-state+json', {}).get('state', {})
    parts = outs + [(f"widget {v.get('model_name')} {k}", v) for k, v in state.items()]
    return [f'{name} ({len(s) / MB:.1f} MB)' for name, o in parts if len(s := json.dumps(o)) > MB]

def test_no_output_or_widget_state_over_1_mb():
    bad = {str(p.relative_to(NBS)): b for p in NOTEBOOKS if (b := big_parts(json.loads(p.read_text())))}
    assert not bad, f'outputs or widget states over 1 MB: {bad}: execute the notebooks again with the current cbd_nb.viz (no FigureWidget), then nbdev-clean'
