"The report and the figures: one colour per method everywhere, captions, the verdict, and bars that name their network"
import html, json, re
import torch
from cbd_nb.methods import METHODS
from cbd_nb.pipeline import Run
from cbd_nb.recipes import get_recipe
from cbd_nb.report import report_html, report_figures, verdict
from cbd_nb.results import results_table, class_avg_se
from cbd_nb.viz import method_color, SHOT_COLORS, accuracy_vs_frequency, shot_bars, weight_norm_plot, reliability_diagram

def fake_results(accs=(.6, .9, .7), n_test=30):
    "A results dict as `Run.all` writes it, for three methods of the table, with per-class accuracies `acc` in every class"
    counts, names = [100, 60, 30, 12], ['CE', 'cRT', 'CBD']
    m = {k: {'all': a, 'many': None, 'medium': a, 'few': a, 'ece': .05, 'per_class': [a] * 4, 'seconds': 1.} for k, a in zip(names, accs)}
    return {'recipe': {'name': 'fake', 'dataset': 'digits', 'imb_factor': 10, 'arch': 'resnet8', 'epochs': 1, 'seed': 0, 'teachers': 1},
            'device': 'cpu', 'versions': {'torch': torch.__version__}, 'counts': counts, 'classes': list('abcd'),
            'test_counts': [n_test] * 4, 'seconds': {'ce': 12.5, 'cbd': 40.}, 'methods': m}

def test_one_colour_per_method_in_every_figure():
    res = fake_results()
    probs = torch.full((8, 4), .25)
    figs = [accuracy_vs_frequency(res), shot_bars(res), weight_norm_plot({'CBD': torch.tensor([4., 3., 2., 1.])}, res['counts'])]
    for f in figs:
        for t in f.data: assert t.marker.color == method_color(t.name.split(' ')[0]), (f.layout.title.text, t.name)
    assert reliability_diagram(probs, torch.zeros(8, dtype=torch.long), 'CBD').data[0].marker.color == method_color('CBD')
    assert len({method_color(k) for k in METHODS}) == len(METHODS)
    assert not {method_color(k) for k in METHODS} & set(SHOT_COLORS.values())

def test_reliability_names_its_model():
    fig = reliability_diagram(torch.full((8, 4), .25), torch.zeros(8, dtype=torch.long), 'CE')
    assert fig.layout.title.text.startswith('Reliability diagram of CE: ECE') and 'lower is better' in fig.layout.title.text

def test_verdict_numbers():
    res = fake_results((.6, .9, .7))
    v = verdict(res)
    assert v[0].startswith('On this run cRT has the highest class-averaged test accuracy, 90.0 %: +30.0 points over CE (60.0 %), and +20.0 points over CBD (70.0 %).')
    se = 100 * class_avg_se([.7] * 4, [30] * 4)          # the larger SE of cRT (p=.9) and CBD (p=.7)
    assert abs(se - 100 * (.7 * .3 / 30) ** .5 / 2) < 1e-9
    assert f'about {se:.1f} points' in v[1] and f'({2 * se:.1f} points)' in v[1] and 'is larger than that' in v[1]
    close = verdict(fake_results((.6, .71, .7)))
    assert 'lead of 1.0 points over the runner-up is not larger than that' in close[1]

def test_report_page():
    res = fake_results()
    page = report_html(res)
    text = re.sub('<[^>]+>', ' ', page)
    assert text.index('4 classes with 100 down to 12') < text.index('highest class-averaged') < text.index('ECE (0–1, lower is better)')
    assert page.count('<figcaption>') == len(report_figures(res)) == page.count('class="plotly-graph-div"')
    assert page.count('<figure>') == 4 and not re.search(r'<script[^>]+src=', page)     # plotly.js embedded, nothing fetched
    assert all(html.escape(METHODS[k].about) in page for k in res['methods'])
    rows = {r['method']: r for r in results_table(res)}
    assert (rows['CE']['network'], rows['cRT']['network'], rows['CBD']['network']) == ('own', "reuses CE's", 'own')
    assert (rows['CE']['seconds'], rows['cRT']['seconds'], rows['CBD']['seconds']) == (12.5, 1., 40.)   # own network's time; cRT its own work
    assert html.escape("reuses CE's") in page

def test_bars_name_the_network_and_the_plan_is_printed(tmp_path, capsys):
    res = Run(get_recipe('digits-lt', epochs=1, teachers=2), tmp_path, methods='cRT,CBD').all()
    err = capsys.readouterr().err
    plan = re.search(r'cbd-nb: plan: (\d+) network\(s\) to train \(([^)]*)\) for 3 method\(s\) \(CE, cRT, CBD\); (.*)', err)
    assert plan and plan[1] == '3' and set(plan[2].split(', ')) == set(res['seconds']) == {'ce', 'teacher-vanilla-s1', 'cbd'}
    for i, n in enumerate(['ce', 'teacher-vanilla-s1', 'cbd']): assert f'{i + 1}/3 {n}:' in err
    assert 'cRT:' in err
    Run(get_recipe('digits-lt', epochs=1, teachers=2, seed=1), tmp_path/'b', methods='CE').close()
    again = Run(get_recipe('digits-lt', epochs=1, teachers=2, seed=1), tmp_path/'c', methods='CE')
    (tmp_path/'c'/'results.json').write_text(json.dumps({**res, 'seconds': {'ce': 90.}}))   # an earlier run, other seed, same machine
    again.todo = again.plan()
    assert again.plan_line().endswith('1 of them took 1.5 min before (median over 1 earlier run(s))')
    again.close()
