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
    r = get_recipe('digits-lt', epochs=1, teachers=2, methods=METHODS_RUN)
    return r, out, Run(r, out, progress=False).all()

def test_every_network_is_probed(done):
    r, out, res = done
    ms = res['methods']
    for k, v in ms.items():
        if METHODS[k].family == 'ensembles': continue
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
    assert run.started == []                                                       # no network trained
    assert {p.name: p.stat().st_mtime_ns for p in (old/'checkpoints').iterdir()} == mtimes
    for k, v in again['methods'].items():
        assert v['test_cost'] == res['methods'][k]['test_cost'], k
        assert v['all'] == res['methods'][k]['all'], k                            # the row's own numbers are kept
        if 'probe' in res['methods'][k]:
            # the same probe, computed again on the network reloaded from its checkpoint, whose features differ from the in-memory one's by ~1e-6
            # (another memory layout, other kernels): a test image near the boundary may flip, which moves a class-averaged accuracy by ~0.003
            assert abs(v['probe']['linear']['all'] - res['methods'][k]['probe']['linear']['all']) < 0.02, k
