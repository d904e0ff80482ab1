"""benchmarks/controls.sh and `cbd_nb.results.CONTROL_GAPS` agree (issue 22): every view the script defines runs methods that
exist with valid settings, and every side of every headline gap names a view of the script that runs its method. A typo
in either would otherwise show only after a half-hour run, as a gap that never fills."""
import os, re, subprocess
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

def run_view(tmp_path, *args):
    "Run a copy of the script in `tmp_path` with a stand-in `cbd-nb` that logs its arguments and writes an empty results.json"
    (tmp_path/'benchmarks').mkdir(exist_ok=True); (tmp_path/'bin').mkdir(exist_ok=True)
    (tmp_path/'benchmarks'/'controls.sh').write_text(SCRIPT.read_text())
    fake = tmp_path/'bin'/'cbd-nb'
    fake.write_text('#!/usr/bin/env bash\necho "$@" >> "$CALLS"\nwhile [ $# -gt 0 ]; do [ "$1" = --out ] && out=$2; shift; done\n'
                    'mkdir -p "$out" && echo "{}" > "$out/results.json"\n')
    fake.chmod(0o755)
    env = dict(os.environ, PATH=f"{tmp_path/'bin'}:{os.environ['PATH']}", CALLS=str(tmp_path/'calls'))
    return subprocess.run(['bash', str(tmp_path/'benchmarks'/'controls.sh'), *args], env=env, capture_output=True, text=True)

def test_script_runs_each_view(tmp_path):
    "The script itself runs (a syntax slip in one view breaks them all), each view calls `cbd-nb run` as parsed, and copies its results"
    for view, folders in views().items():
        (tmp_path/'calls').unlink(missing_ok=True)
        p = run_view(tmp_path, '7', view)
        assert p.returncode == 0, (view, p.stderr)
        calls = (tmp_path/'calls').read_text().splitlines()
        assert {re.search(r'--out runs/controls-s7/([\w-]+)', c).group(1) for c in calls} == set(folders), (view, calls)
        assert all(c.startswith('run --recipe fmnist-lt-small --seed 7 ') and '--resume' in c for c in calls), calls
        for folder in folders: assert (tmp_path/'nbs'/'benchmarks'/'results'/'controls'/f'{folder}-s7.json').exists()

def test_script_rejects_unknown_view(tmp_path):
    p = run_view(tmp_path, '7', 'no-such-view')
    assert p.returncode == 2 and 'unknown view no-such-view' in p.stderr

def test_views_of_a_folder_only_add_methods():
    "A resume may add methods to a run folder, not drop them: each view that writes to a folder runs all that the views before it ran there"
    seen = {}
    for view, folders in views().items():                              # in the script's order
        for folder, (methods, _) in folders.items():
            assert seen.get(folder, set()) <= set(methods), f'{view} drops {seen[folder] - set(methods)} from {folder}'
            seen[folder] = set(methods)

def test_script_keeps_results_it_would_lose(tmp_path):
    "A view's results replace its earlier file only if every method of that file is still there (seed 0's cbd file holds CE, which its view does not run)"
    dest = tmp_path/'nbs'/'benchmarks'/'results'/'controls'; dest.mkdir(parents=True)
    old = '{"methods": {"CE": {"all": 0.7}}}'
    (dest/'authors-s7.json').write_text(old)
    p = run_view(tmp_path, '7', 'authors')                             # the stand-in writes results with no methods
    assert p.returncode != 0 and "lack ['CE']" in p.stderr, p.stderr
    assert (dest/'authors-s7.json').read_text() == old
    (dest/'authors-s7.json').write_text('{"methods": {}}')
    assert run_view(tmp_path, '7', 'authors').returncode == 0 and (dest/'authors-s7.json').read_text().strip() == '{}'
