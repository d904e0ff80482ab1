"Every row of a run says what explains it: the probe of its features, its cost at test time, the shape of its features; and the plain ensembles train and cost what they say."
import json, os
import pytest, torch
from cbd_nb.pipeline import Run
from cbd_nb.recipes import get_recipe
from cbd_nb.methods import METHODS, member_specs, network_epochs

METHODS_RUN = 'CE,tau-norm,LDAM-DRW,CB-scratch,teacher,CBD,CBD-ENS,ENS-teachers,ENS-LDAM-DRW@CBD,ENS-LDAM-DRW@CBD-ENS'
EXPLAINED = ('test_cost', 'probe', 'geometry')

@pytest.fixture(scope='module')
def done(tmp_path_factory):
    out = tmp_path_factory.mktemp('explain')/'run'
    r = get_recipe('digits-lt', epochs=1, n_teachers=2, methods=METHODS_RUN)
    return r, out, Run(r, out, progress=False).all()

def test_every_network_is_probed(done):
    r, out, res = done
    ms = res['methods']
    for k, v in ms.items():
        if METHODS[k].family == 'ensemble': continue
        for kind in ('linear', 'ncm'):
            p = v['probe'][kind]
            assert {'all', 'many', 'medium', 'few', 'per_class'} <= p.keys() and len(p['per_class']) == len(res['classes']), (k, kind)
            assert 0 <= p['all'] <= 1
        assert 0 <= v['probe']['epoch'] < 10 and v['probe']['seconds'] >= 0        # chosen on the validation split, among the probe's 10 epochs
    assert ms['tau-norm']['probe'] == ms['CE']['probe']                            # τ-norm predicts through CE's body: the same features, one probe
    assert ms['CBD']['probe'] != ms['CE']['probe']
    assert [k for k, v in ms.items() if 'geometry' in v] == [k for k in ms if METHODS[k].network]   # the shape of the features of each network trained
    g = ms['CBD']['geometry']
    assert all(len(g[k]) == len(res['classes']) for k in ('spread', 'nearest', 'silhouette'))

def test_ensembles_train_their_members_and_cost_k_networks(done):
    r, out, res = done
    ms = res['methods']
    one = ms['LDAM-DRW']['test_cost']
    assert one['networks'] == 1 and one['macs'] > 0
    k_cbd, k_ens = network_epochs(METHODS['CBD'], r) // r.epochs, network_epochs(METHODS['CBD-ENS'], r) // r.epochs
    assert (k_cbd, k_ens) == (2, 3)                                                # 1 + 1 and 2 + 1 network-epochs with two teachers
    for name, k in (('ENS-LDAM-DRW@CBD', k_cbd), ('ENS-LDAM-DRW@CBD-ENS', k_ens)):
        assert ms[name]['test_cost'] == dict(networks=k, macs=k * one['macs']), name
        assert ms[name]['cost']['network_epochs'] == k * r.epochs and ms[name]['networks'] == k
        assert 'probe' not in ms[name] and 0 <= ms[name]['tau'] <= 2             # τ of the logit adjustment, chosen on the validation split
    assert {n for n, _ in member_specs(METHODS['ENS-LDAM-DRW@CBD-ENS'], r)} == {'ldam-drw-s1', 'ldam-drw-s2'}
    assert all((out/'checkpoints'/f'{n}.pt').exists() for n in ('ldam-drw-s1', 'ldam-drw-s2'))
    assert ms['ENS-LDAM-DRW@CBD']['nets'].keys() == {'ldam-drw', 'ldam-drw-s1'}    # the member of seed+1 is shared by both ensembles
    assert ms['ENS-teachers']['test_cost']['networks'] == 2 and ms['ENS-teachers']['nets'].keys() == {'teacher-vanilla-s1', 'teacher-aug-s1'}
    assert ms['CBD-ENS']['test_cost']['networks'] == 1                             # the distilled student: one network at test time

def test_resume_adds_the_explanation_to_an_older_run_without_training(done, tmp_path):
    r, out, res = done
    old = tmp_path/'old'
    old.mkdir(); (old/'checkpoints').mkdir()
    for f in ('results.json', '.cbd-nb-run', 'split.json'):
        if (out/f).exists(): (old/f).write_bytes((out/f).read_bytes())
    for p in (out/'checkpoints').iterdir(): (old/'checkpoints'/p.name).write_bytes(p.read_bytes())
    prev = json.loads((old/'results.json').read_text())
    for v in prev['methods'].values():
        for k in EXPLAINED: v.pop(k, None)                                         # as an older kit wrote it
    (old/'results.json').write_text(json.dumps(prev))
    mtimes = {p.name: p.stat().st_mtime_ns for p in (old/'checkpoints').iterdir()}
    run = Run(r, old, resume=True, progress=False)
    again = run.all()
    assert run.networks.started == []                                                       # no network trained
    assert {p.name: p.stat().st_mtime_ns for p in (old/'checkpoints').iterdir()} == mtimes
    for k, v in again['methods'].items():
        assert v['test_cost'] == res['methods'][k]['test_cost'], k
        assert v['all'] == res['methods'][k]['all'], k                            # the row's own numbers are kept
        if 'probe' in res['methods'][k]:
            # the same probe, computed again on the network reloaded from its checkpoint, whose features differ from the in-memory one's by ~1e-6
            # (another memory layout, other kernels): a test image near the boundary may flip, which moves a class-averaged accuracy by ~0.003
            assert abs(v['probe']['linear']['all'] - res['methods'][k]['probe']['linear']['all']) < 0.02, k

def test_compare_splits_a_gap_into_features_and_classifier(tmp_path):
    "`cbd-nb compare --split A,B`: per shot group, the gap and its two parts, which add up seed by seed; runs without probes are told what to do"
    import subprocess
    from cbd_nb.compare import read_runs, split_gap
    for s in (0, 1): Run(get_recipe('digits-lt', epochs=1, seed=s, methods='CE,CB-scratch'), tmp_path/f's{s}', progress=False).all()
    runs, names = read_runs([tmp_path/'s0', tmp_path/'s1'])
    for g in ('all', 'few'):
        p = split_gap(runs, 'CB-scratch', 'CE', g, names)
        assert p['total']['seeds'] == 2
        assert p['total']['per_seed'] == pytest.approx([f + c for f, c in zip(p['features']['per_seed'], p['classifier']['per_seed'])], abs=0.02)
    out = subprocess.run(['cbd-nb', 'compare', str(tmp_path/'s0'), str(tmp_path/'s1'), '--split', 'CB-scratch,CE'], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    table = out.stdout.split('features (probe against probe)')[1]
    rows = [l.split()[:2] for l in table.splitlines()[3:]]
    assert rows == [[g, part] for g in ('all', 'many', 'medium', 'few') for part in ('total', 'features', 'classifier')]
    for s in (0, 1):                                                                # as an older kit wrote them: no probes
        f = tmp_path/f's{s}'/'results.json'; d = json.loads(f.read_text())
        for v in d['methods'].values(): v.pop('probe', None)
        f.write_text(json.dumps(d))
    out = subprocess.run(['cbd-nb', 'compare', str(tmp_path/'s0'), str(tmp_path/'s1'), '--split', 'CB-scratch,CE'], capture_output=True, text=True)
    assert out.returncode != 0 and 'no seed has probes of both' in out.stderr and len(out.stderr.strip().splitlines()) == 1
