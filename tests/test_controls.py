"""benchmarks/controls.sh and `cbd_nb.results.CONTROL_GAPS` agree (issue 22): every view the script defines runs methods that
exist with valid settings, and every side of every headline gap names a view of the script that runs its method. A typo
in either would otherwise show only after a half-hour run, as a gap that never fills."""
import json, os, re, subprocess
from pathlib import Path
from cbd_nb.methods import select_methods
from cbd_nb.recipes import HEADS, SCHEDULES
from cbd_nb.results import CONTROL_GAPS

SCRIPT = Path(__file__).resolve().parents[1]/'benchmarks'/'controls.sh'

def views()->dict:
    "view -> {run folder: (methods, flags, results file)} for each `go FOLDER --methods A,B ...` (file FOLDER) and `add FILE FOLDER ...` line of the script's case"
    out, view = {}, None
    for line in SCRIPT.read_text().splitlines():
        if (m := re.match(r'\s+([\w-]+)\)', line)): view = m.group(1)
        for into, folder, args in re.findall(r'\b(?:go|add) (?:([\w-]+) (?=[\w-]+ --))?([\w-]+)((?: --[\w-]+ [^\s;]+)+)', line):
            flags = dict(re.findall(r'--([\w-]+) ([^\s;]+)', args))
            out.setdefault(view, {})[folder] = (flags.pop('methods').split(','), flags, into or folder)
    return out

def test_views_run_methods_that_exist():
    vs = views()
    assert {'shared', 'head-cosine', 'head-linear', 'authors', 'cbd', 'matched'} <= set(vs), sorted(vs)
    for view, folders in vs.items():
        for folder, (methods, flags, _) in folders.items():
            select_methods(methods)                                   # raises on an unknown method
            assert flags.get('head', 'as-published') in HEADS and flags.get('schedule', 'shared') in SCHEDULES, (view, flags)

def test_every_gap_side_is_run_by_a_view():
    ran = {}                                                          # results file -> methods some view writes there
    for folders in views().values():
        for methods, _, file in folders.values(): ran.setdefault(file, set()).update(methods)
    for gap, held, *sides in CONTROL_GAPS:
        for side in sides:
            where = [side] if isinstance(side, tuple) else side
            assert any(m in ran.get(folder, ()) for folder, m in where), f'{gap} ({held}): no view of controls.sh runs {where}'

def run_view(tmp_path, *args, results='{}'):
    "Run a copy of the script in `tmp_path` with a stand-in `cbd-nb` that logs its arguments and writes `results` as results.json"
    (tmp_path/'benchmarks').mkdir(exist_ok=True); (tmp_path/'bin').mkdir(exist_ok=True)
    (tmp_path/'benchmarks'/'controls.sh').write_text(SCRIPT.read_text())
    fake = tmp_path/'bin'/'cbd-nb'
    fake.write_text('#!/usr/bin/env bash\necho "$@" >> "$CALLS"\nwhile [ $# -gt 0 ]; do [ "$1" = --out ] && out=$2; shift; done\n'
                    'mkdir -p "$out" && printf "%s\\n" "$RESULTS" > "$out/results.json"\n')
    fake.chmod(0o755)
    env = dict(os.environ, PATH=f"{tmp_path/'bin'}:{os.environ['PATH']}", CALLS=str(tmp_path/'calls'), RESULTS=results)
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
        for _, _, file in folders.values(): assert (tmp_path/'nbs'/'benchmarks'/'results'/'controls'/f'{file}-s7.json').exists()

def test_script_rejects_unknown_view(tmp_path):
    p = run_view(tmp_path, '7', 'no-such-view')
    assert p.returncode == 2 and 'unknown view no-such-view' in p.stderr

def test_views_of_a_folder_only_add_methods():
    "A resume may add methods to a run folder, not drop them: each view that writes to a folder runs all that the views before it ran there"
    seen = {}
    for view, folders in views().items():                              # in the script's order
        for folder, (methods, _, _) in folders.items():
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

def test_script_merges_a_view_into_another_file_only_over_the_same_networks(tmp_path):
    "matched-ens adds its methods to the cbd file when CB-scratch's network is the one that file records; otherwise the file is kept as it was"
    dest = tmp_path/'nbs'/'benchmarks'/'results'/'controls'
    assert run_view(tmp_path, '7', 'matched-ens').returncode != 0          # no cbd file to add to yet
    recipe = {'seed': 7, 'head': 'as-published'}
    old = json.dumps({'recipe': {**recipe, 'methods': 'CB-scratch,CBD'}, 'methods': {'CB-scratch': {'all': 0.8}, 'CBD': {'all': 0.81}}, 'fingerprints': {'cb': 'aa', 'cbd': 'bb'}})
    (dest/'cbd-s7.json').write_text(old)
    new = lambda fp, **r: json.dumps({'recipe': {**recipe, **r, 'methods': 'CB-scratch,CB-scratch@CBD-ENS'}, 'fingerprints': {'cb': fp, 'cb@cbd-ens': 'cc'},
                                     'methods': {'CB-scratch': {'all': 0.1}, 'CB-scratch@CBD-ENS': {'all': 0.82, 'nets': {'cb@cbd-ens': 'cc'}}}})
    for bad, why in ((new('zz'), "networks ['cb']"), (new('aa', seed=8), 'another recipe')):
        p = run_view(tmp_path, '7', 'matched-ens', results=bad)
        assert p.returncode != 0 and why in p.stderr and (dest/'cbd-s7.json').read_text() == old, p.stderr
    p = run_view(tmp_path, '7', 'matched-ens', results=new('aa'))
    got = json.loads((dest/'cbd-s7.json').read_text())
    assert p.returncode == 0 and "added ['CB-scratch@CBD-ENS']" in p.stdout, p.stderr
    assert got['methods'] == {'CB-scratch': {'all': 0.8}, 'CBD': {'all': 0.81}, 'CB-scratch@CBD-ENS': {'all': 0.82, 'nets': {'cb@cbd-ens': 'cc'}}}   # what the file had is kept
    assert got['fingerprints'] == {'cb': 'aa', 'cbd': 'bb', 'cb@cbd-ens': 'cc'} and got['recipe']['methods'] == 'CB-scratch,CBD,CB-scratch@CBD-ENS'

def test_ce0_adds_only_seed_0s_linear_ce(tmp_path):
    "The ce0 view adds the nine-method run's CE row (and its network) to shared-s0.json, none of that run's other rows, and refuses another recipe"
    dest, src = tmp_path/'nbs'/'benchmarks'/'results'/'controls', tmp_path/'nbs'/'benchmarks'/'results'/'fmnist-lt-small-nine-methods-s0.json'
    dest.mkdir(parents=True)
    recipe = {'seed': 0, 'epochs': 100}
    src.write_text(json.dumps({'recipe': {**recipe, 'methods': 'CE,cRT,CBD'}, 'fingerprints': {'ce': 'aa', 'cbd': 'bb'}, 'seconds': {'ce': 1.0, 'cbd': 2.0},
                               'methods': {'CE': {'all': 0.7, 'nets': {'ce': 'aa'}}, 'cRT': {'all': 0.75, 'nets': {'ce': 'aa'}}, 'CBD': {'all': 0.8, 'nets': {'cbd': 'bb'}}}}))
    old = json.dumps({'recipe': {**recipe, 'epochs': 200, 'methods': 'LDAM-DRW'}, 'methods': {'LDAM-DRW': {'all': 0.8}}, 'fingerprints': {'ldam-drw': 'cc'}})
    (dest/'shared-s0.json').write_text(old)
    p = run_view(tmp_path, '3', 'ce0')
    assert p.returncode == 2 and 'seed 0 only' in p.stderr and (dest/'shared-s0.json').read_text() == old, p.stderr
    p = run_view(tmp_path, '0', 'ce0')
    assert p.returncode != 0 and 'another recipe' in p.stderr and (dest/'shared-s0.json').read_text() == old, p.stderr
    (dest/'shared-s0.json').write_text(old.replace('200', '100'))
    p = run_view(tmp_path, '0', 'ce0')
    got = json.loads((dest/'shared-s0.json').read_text())
    assert p.returncode == 0 and "added ['CE']" in p.stdout, p.stderr
    assert list(got['methods']) == ['LDAM-DRW', 'CE'] and got['methods']['CE'] == {'all': 0.7, 'nets': {'ce': 'aa'}}
    assert got['fingerprints'] == {'ldam-drw': 'cc', 'ce': 'aa'} and got['seconds'] == {'ce': 1.0} and got['recipe']['methods'] == 'LDAM-DRW,CE'
