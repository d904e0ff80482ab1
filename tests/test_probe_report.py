"Issue 34, the report side: a method's probe, test-time cost and class geometry are checked, tabled, reported and plotted"
import json, math, re
import pytest
from cbd_nb.methods import METHODS, FAMILIES
from cbd_nb.report import report_html, report_figures, HEADERS
from cbd_nb.results import check_results, read_results, results_table
from cbd_nb.viz import FAMILY_COLORS, method_color, cost_plot
from cbd_nb.results import known_costs
from test_report import fake_results

ACCS = {'all': .8, 'many': None, 'medium': .85, 'few': .6, 'per_class': [.9, .8, .7, .6]}
PROBE = {'linear': ACCS, 'ncm': {**ACCS, 'all': .75}, 'epoch': 3, 'seconds': 2.5}
GEOMETRY = {'spread': [.5, .6, .7, None], 'nearest': [1.1, .9, .8, None], 'silhouette': [.3, .1, -.2, None]}

def newer(res:dict|None=None, macs:int=2_000_000)->dict:
    "`res` (default: `fake_results`) as a newer run writes it: every method with a probe, a one-network test cost and a geometry"
    res = res or fake_results()
    return {**res, 'methods': {k: {**v, 'probe': PROBE, 'test_cost': {'networks': 1, 'macs': macs}, 'geometry': GEOMETRY} for k, v in res['methods'].items()}}

def with_part(part:str, v)->dict:
    "Newer results whose CE entry has `v` as its `part`"
    res = newer()
    res['methods']['CE'] = {**res['methods']['CE'], part: v}
    return res

def test_new_keys_pass_and_older_results_still_do():
    check_results(newer(), 'results.json')
    check_results(fake_results(), 'results.json')                                           # no probe, test_cost or geometry: an older run
    nan = {**ACCS, 'per_class': [.9, .8, .7, math.nan]}
    check_results({**with_part('probe', {**PROBE, 'linear': nan, 'epoch': None}), 'test_counts': [30, 30, 30, 0]}, 'r.json')   # NaN for a class without test images

BAD = [('probe', {**PROBE, 'linear': {**ACCS, 'all': 1.2}}, 'probe.linear.all is 1.2, but it must be a number in [0, 1]'),
       ('probe', {**PROBE, 'ncm': {**ACCS, 'few': True}}, 'probe.ncm.few is true, but it must be a number in [0, 1] or null'),
       ('probe', {**PROBE, 'ncm': None}, 'probe.ncm is null, but it must be an object of accuracies'),
       ('probe', {**PROBE, 'linear': {**ACCS, 'per_class': [.9, .8]}}, 'probe.linear.per_class is [0.9, 0.8], but it must be one number per class (4)'),
       ('probe', {**PROBE, 'linear': {**ACCS, 'per_class': [.9, .8, .7, math.nan]}}, 'probe.linear.per_class is [0.9, 0.8, 0.7, NaN], but it must be a number in [0, 1] for every class that has test images'),
       ('probe', {**PROBE, 'epoch': 1.5}, 'probe.epoch is 1.5, but it must be an integer >= 0 or null'),
       ('probe', {k: v for k, v in PROBE.items() if k != 'seconds'}, 'probe.seconds is null, but it must be a number >= 0'),
       ('probe', [.8], 'probe is [0.8], but it must be an object with'),
       ('test_cost', {'networks': 0, 'macs': 100}, 'test_cost.networks is 0, but it must be an integer >= 1'),
       ('test_cost', {'networks': 2, 'macs': -1}, 'test_cost.macs is -1, but it must be an integer >= 0'),
       ('test_cost', {'networks': 2, 'macs': 1.5e6}, 'test_cost.macs is 1500000.0, but it must be an integer >= 0'),
       ('test_cost', {'networks': 2}, 'test_cost.macs is null'),
       ('geometry', {**GEOMETRY, 'silhouette': [.3, .1, 1.5, None]}, 'geometry.silhouette is [0.3, 0.1, 1.5, null], but it must be a list of numbers in [-1, 1] or null'),
       ('geometry', {**GEOMETRY, 'spread': [-.5, .6, .7, None]}, 'geometry.spread is [-0.5, 0.6, 0.7, null], but it must be a list of numbers >= 0 or null'),
       ('geometry', {**GEOMETRY, 'nearest': ['far', 1., 1., 1.]}, 'geometry.nearest is ["far", 1.0, 1.0, 1.0], but it must be a list of numbers or null'),
       ('geometry', {**GEOMETRY, 'spread': [.5, .6]}, 'geometry.spread is [0.5, 0.6], but it must be one number per class (4)')]

@pytest.mark.parametrize('part,v,says', BAD, ids=[s.split(' is ')[0] for *_, s in BAD])
def test_bad_values_are_refused_in_one_line_naming_the_key(part, v, says):
    with pytest.raises(ValueError) as e: check_results(with_part(part, v), 'results.json')
    msg = str(e.value)
    assert msg.startswith(f'results.json: methods.CE.{says}') and '\n' not in msg and 'the file was damaged or edited' in msg

def test_read_results_refuses_an_edited_file(tmp_path):
    f = tmp_path/'results.json'
    f.write_text(json.dumps(with_part('test_cost', {'networks': 3, 'macs': '<script>'})))
    with pytest.raises(ValueError, match=r'methods\.CE\.test_cost\.macs is "<script>", but it must be an integer >= 0.*Delete it'): read_results(f)

COLS = ('probe_all', 'probe_few', 'test_networks', 'test_mmacs')

def test_results_table_has_the_probe_and_test_cost_columns():
    rows = results_table(newer(macs=41_523_200))
    assert [{k: r[k] for k in COLS} for r in rows] == [dict(probe_all=80.0, probe_few=60.0, test_networks=1, test_mmacs=41.5)] * 3
    assert not set(COLS) & {k for r in results_table(fake_results()) for k in r}                 # older results: the columns are left out
    assert all(k in HEADERS for k in rows[0])                                                     # every column has a header in the report

def cells(page:str)->list[dict]:
    "The rows of the report's results table as header -> cell text"
    table = page[page.index('<h2>Results'):page.index('<h2>The methods')]
    head, *rows = [re.findall(r'<t[hd]>(.*?)</t[hd]>', r) for r in re.findall(r'<tr>(.*?)</tr>', table)]
    return [dict(zip(head, r)) for r in rows]

NEW_HEADERS = ('probe: all (%)', 'probe: few-shot (%)', 'networks at test time', 'multiply-adds per image (M)')

def test_report_shows_the_new_columns_and_leaves_them_out_for_older_results():
    new, old = report_html(newer(macs=1_250_000)), report_html(fake_results())
    assert [[r[h] for h in NEW_HEADERS] for r in cells(new)] == [['80.0', '60.0', '1', '1.2']] * 3
    assert not set(NEW_HEADERS) & {h for r in cells(old) for h in r}
    note = re.sub('<[^>]+>', '', new[new.index("<p class='note'>Accuracy"):])
    assert 'the same class-balanced linear probe trained on every network' in note and 'epoch chosen on the validation split' in note
    assert 'Networks at test time and multiply-adds per image' in note

def test_report_adds_the_test_time_figure_only_where_measured():
    old, new = report_figures(fake_results()), report_figures(newer())
    assert len(new) == len(old) + 1 and not [c for c, _ in old if 'per test image' in c]
    caption, fig = new[len(old)]
    assert 'multiply-adds it spends per test image' in caption and fig.layout.title.text == 'Accuracy against test-time cost'
    assert report_html(newer()).count('<figcaption>') == 5

def test_every_family_has_colours_and_the_old_ones_are_kept():
    assert set(FAMILIES) <= set(FAMILY_COLORS)
    cols = [method_color(k) for k in METHODS]                                                    # a family without colours fails here
    assert len(set(cols)) == len(cols)
    first = [method_color(next(k for k, m in METHODS.items() if m.family == f)) for f in FAMILIES[:4]]   # the four families from before keep their colours
    assert first == ['#08306b', '#b2182b', '#2ca02c', '#3f007d'] and method_color('ENS-teachers') in FAMILY_COLORS['ensemble']

def ensemble_run(k:int=4, one:int=3_100_000)->dict:
    "Fake results of a run with four teachers: single networks of `one` multiply-adds per test image, and ENS-teachers, an ensemble of `k` of them"
    tc = lambda n: {'networks': n, 'macs': n * one}
    m = {'CE': (.70, tc(1)), 'cRT': (.77, tc(1)), 'CBD': (.83, tc(1)), 'CBD-ENS': (.84, tc(1)), 'CB-scratch': (.85, None), 'ENS-teachers': (.845, tc(k))}
    return {'recipe': {'epochs': 100, 'n_teachers': k, 'seed': 0}, 'methods': {n: {'all': a, **({'test_cost': c} if c else {})} for n, (a, c) in m.items()}}

def test_test_time_view_puts_an_ensemble_at_k_networks():
    res = ensemble_run(k=4, one=3_100_000)
    fig = cost_plot(res, cost='test')
    x = {t.name: t.x[0] for t in fig.data[:-1]}
    assert x['ENS-teachers'] == pytest.approx(4 * x['CBD-ENS']) and x['CBD-ENS'] == pytest.approx(3.1)   # millions of multiply-adds per image
    assert 'CB-scratch' not in x                                                                 # it measured no test cost: left out
    assert fig.data[-1].text[:-1] == ('CBD-ENS', 'ENS-teachers')                                 # this view's own Pareto front
    assert 'multiply-adds per test image' in fig.layout.xaxis.title.text
    assert known_costs(res, 'test') == pytest.approx({k: v for k, v in x.items()})
    train = cost_plot(res)                                                                       # the default view counts training, as before
    assert train.data[-1].text[:-1] == ('CB-scratch',) and 'network-epochs' in train.layout.xaxis.title.text
    assert cost_plot(fake_results(), cost='test').layout.annotations[0].text == 'No method of the table with a known test-time cost'
    with pytest.raises(ValueError, match="cost='gpu' is unknown: use 'training'"): cost_plot(res, cost='gpu')
