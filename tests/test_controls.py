"""benchmarks/controls.sh and `cbd_nb.results.CONTROL_GAPS` agree (issue 22): every view the script defines runs methods that
exist with valid settings, and every side of every headline gap names a view of the script that runs its method. A typo
in either would otherwise show only after a half-hour run, as a gap that never fills."""
import re
from pathlib import Path
from cbd_nb.methods import select_methods
from cbd_nb.recipes import HEADS, SCHEDULES
from cbd_nb.results import CONTROL_GAPS

SCRIPT = Path(__file__).resolve().parents[1]/'benchmarks'/'controls.sh'

def views()->dict:
    "view -> {folder: (methods, flags)} for each `go FOLDER ... --methods A,B` line of the script's case"
    out, view = {}, None
    for line in SCRIPT.read_text().splitlines():
        if (m := re.match(r'\s+([\w-]+)\)', line)): view = m.group(1)
        for folder, args in re.findall(r'\bgo ([\w-]+)((?: --[\w-]+ [^\s;]+)+)', line):
            flags = dict(re.findall(r'--([\w-]+) ([^\s;]+)', args))
            out.setdefault(view, {})[folder] = (flags.pop('methods').split(','), flags)
    return out

def test_views_run_methods_that_exist():
    vs = views()
    assert {'shared', 'head-cosine', 'head-linear', 'authors', 'cbd', 'matched'} <= set(vs), sorted(vs)
    for view, folders in vs.items():
        for folder, (methods, flags) in folders.items():
            select_methods(methods)                                   # raises on an unknown method
            assert flags.get('head', 'as-published') in HEADS and flags.get('schedule', 'shared') in SCHEDULES, (view, flags)

def test_every_gap_side_is_run_by_a_view():
    ran = {}                                                          # folder -> methods some view runs there
    for folders in views().values():
        for folder, (methods, _) in folders.items(): ran.setdefault(folder, set()).update(methods)
    for gap, held, *sides in CONTROL_GAPS:
        for side in sides:
            where = [side] if isinstance(side, tuple) else side
            assert any(m in ran.get(folder, ()) for folder, m in where), f'{gap} ({held}): no view of controls.sh runs {where}'
