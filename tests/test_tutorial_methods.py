"The analysis tutorial's 'Add your own method' (issue 8): one build function and one `Method` row join the comparison, `Run` trains only the new network, and the row takes part in --resume."
import json, shutil
import pytest
from cbd_nb.methods import METHODS, Method, methods_table, select_methods
from cbd_nb.stages import train_net
from cbd_nb.pipeline import Run, get_recipe, results_table

R = get_recipe('digits-lt', epochs=1, teachers=2)
ABOUT = 'CE with square-root sampling (q = 0.5).'

def fit_ce_sqrt(x): return train_net(x.train, x.n_classes, q=0.5, classifier='linear', seed=x.r.seed, **x.kw)

def never(what):
    def build(x): raise AssertionError(f'{what} was trained again instead of reused')
    return build

def table(ce=METHODS['CE'].build, mine=fit_ce_sqrt):
    "METHODS plus the tutorial's row; `ce`/`mine` replace the builds so a test can forbid training them"
    rows = [Method('CE', ce, net='ce', about=METHODS['CE'].about) if k == 'CE' else m for k, m in METHODS.items()]
    return methods_table([*rows, Method('CE-sqrt', mine, net='ce-sqrt', about=ABOUT)])

@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    "A folder where CE was trained, and its results"
    d = tmp_path_factory.mktemp('trained')
    return d, Run(R, d, progress=False, methods='CE').all()

def test_own_row_runs_next_to_ce_reusing_its_network(trained, tmp_path):
    src, res = trained
    shutil.copytree(src/'checkpoints', tmp_path/'checkpoints')
    mine = Run(R, tmp_path, resume=True, progress=False, table=table(ce=never('CE')), methods='CE-sqrt,CE').all()
    assert list(mine['methods']) == ['CE', 'CE-sqrt']               # table order, nothing else
    assert set(mine['seconds']) == {'ce-sqrt'}                        # only the new network was trained
    assert mine['methods']['CE']['per_class'] == res['methods']['CE']['per_class']
    assert [r['method'] for r in results_table(mine, table())] == ['CE', 'CE-sqrt']
    assert (tmp_path/'checkpoints'/'ce-sqrt.pt').exists()
    assert 'CE-sqrt' in json.loads((tmp_path/'results.json').read_text())['methods']
    assert ABOUT in (tmp_path/'report.html').read_text()
    again = Run(R, tmp_path, resume=True, progress=False, table=table(ce=never('CE'), mine=never('CE-sqrt')), methods='CE-sqrt,CE').all()
    assert again['methods']['CE-sqrt'] == mine['methods']['CE-sqrt']   # resumed, not rebuilt

def test_own_row_is_checked_by_methods_table():
    with pytest.raises(ValueError, match='Duplicate method name'): methods_table([*table().values(), Method('CE-sqrt', fit_ce_sqrt, net='other')])
    with pytest.raises(ValueError, match='Duplicate network name'): methods_table([*METHODS.values(), Method('Mine', fit_ce_sqrt, net='ce')])
    with pytest.raises(ValueError, match="Unknown method.*'CE-sqrtt'.*CE-sqrt"): select_methods('CE-sqrtt', table())
    assert [m.name for m in select_methods('CE-sqrt', table())] == ['CE-sqrt']   # it needs nothing
