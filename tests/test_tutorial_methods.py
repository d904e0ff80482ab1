"The analysis tutorial's 'Add your own method' (issues 8, 11): one build function and one `Method` row join the comparison, `Run` reuses CE's network and trains none, and the row takes part in --resume."
import html, json, shutil
import pytest
from cbd_nb.methods import METHODS, Method, methods_table, select_methods
import torch
from cbd_nb.posthoc import FeatureNet, with_classifier
from cbd_nb.evaluate import features
from cbd_nb.samplers import ClassPowerSampler
from cbd_nb.learner import Learner, Schedule, Device
from cbd_nb.pipeline import Run
from cbd_nb.recipes import get_recipe
from cbd_nb.results import results_table

R = get_recipe('digits-lt', epochs=1, n_teachers=2)
ABOUT = "A linear classifier on CE's features trained with square-root sampling (q = 0.5)."

def fit_crt_sqrt(x):
    "The tutorial's build: a new linear classifier on CE's frozen features, classes drawn in proportion to sqrt(count)"
    ce, r = x.trained('CE'), x.r
    f = features(ce, x.train, x.device)
    torch.manual_seed(r.seed)
    head = torch.nn.Linear(f.x.shape[1], x.n_classes)
    Learner(FeatureNet(head), f, sched=Schedule(epochs=r.crt_epochs, bs=r.bs, lr=0.2), sampler=ClassPowerSampler(f.labels, q=0.5, seed=r.seed), seed=r.seed, device=Device(x.device, progress=False)).fit()
    return with_classifier(ce, head.cpu())

def never(what):
    def build(x): raise AssertionError(f'{what} was trained again instead of reused')
    return build

def table(ce=METHODS['CE'].build, mine=fit_crt_sqrt):
    "METHODS plus the tutorial's row; `ce`/`mine` replace the builds so a test can forbid training them"
    rows = [Method('CE', ce, network='ce', about=METHODS['CE'].about) if k == 'CE' else m for k, m in METHODS.items()]
    return methods_table([*rows, Method('cRT-sqrt', mine, needs=('CE',), settings=('crt_epochs',), about=ABOUT)])

@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    "A folder where CE was trained, and its results"
    d = tmp_path_factory.mktemp('trained')
    return d, Run(R, d, progress=False, methods='CE').all()

def test_own_row_runs_next_to_ce_reusing_its_network(trained, tmp_path):
    src, res = trained
    shutil.copytree(src/'checkpoints', tmp_path/'checkpoints')
    mine = Run(R, tmp_path, resume=True, progress=False, table=table(ce=never('CE')), methods='cRT-sqrt,CE').all()
    assert list(mine['methods']) == ['CE', 'cRT-sqrt']              # table order, nothing else
    assert mine.get('seconds', {}) == {}                              # no network was trained: CE's was reused
    assert mine['methods']['cRT-sqrt']['nets'] == {'ce': res['fingerprints']['ce']}   # built on that very network
    assert mine['methods']['CE']['per_class'] == res['methods']['CE']['per_class']
    assert [r['method'] for r in results_table(mine, table())] == ['CE', 'cRT-sqrt']
    assert 'cRT-sqrt' in json.loads((tmp_path/'results.json').read_text())['methods']
    assert html.escape(ABOUT) in (tmp_path/'report.html').read_text()
    again = Run(R, tmp_path, resume=True, progress=False, table=table(ce=never('CE'), mine=never('cRT-sqrt')), methods='cRT-sqrt,CE').all()
    assert again['methods']['cRT-sqrt'] == mine['methods']['cRT-sqrt']   # resumed, not rebuilt

def test_own_row_is_checked_by_methods_table():
    with pytest.raises(ValueError, match='Duplicate method name'): methods_table([*table().values(), Method('cRT-sqrt', fit_crt_sqrt, network='other')])
    with pytest.raises(ValueError, match='Duplicate network name'): methods_table([*METHODS.values(), Method('Mine', fit_crt_sqrt, network='ce')])
    with pytest.raises(ValueError, match="Unknown method.*'cRT-sqrtt'.*cRT-sqrt"): select_methods('cRT-sqrtt', table())
    assert [m.name for m in select_methods('cRT-sqrt', table())] == ['CE', 'cRT-sqrt']   # it brings the CE network it needs
