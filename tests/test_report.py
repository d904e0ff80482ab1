"The report and the figures: one colour per method everywhere, captions, the verdict, and bars that name their network"
import html, json, re
import torch
from cbd_nb.methods import METHODS
from cbd_nb.pipeline import Run
from cbd_nb.recipes import get_recipe
from cbd_nb.report import report_html, report_figures, verdict
from cbd_nb.results import results_table, class_avg_se, paired_gap
from cbd_nb.viz import method_color, SHOT_COLORS, accuracy_vs_frequency, shot_bars, weight_norm_plot, reliability_diagram

def fake_results(accs=(.6, .9, .7), n_test=30):
    "A results dict as `Run.all` writes it, for three methods of the table, with per-class accuracies `acc` in every class"
    counts, names = [100, 60, 30, 12], ['CE', 'cRT', 'CBD']
    m = {k: {'all': a, 'many': None, 'medium': a, 'few': a, 'ece': .05, 'per_class': [a] * 4, 'seconds': 1.} for k, a in zip(names, accs)}
    return {'recipe': {'name': 'fake', 'dataset': 'digits', 'imb_factor': 10, 'arch': 'resnet8', 'epochs': 1, 'seed': 0, 'n_teachers': 1},
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
    res = Run(get_recipe('digits-lt', epochs=1, n_teachers=2), tmp_path, methods='cRT,CBD').all()
    err = capsys.readouterr().err
    plan = re.search(r'cbd-nb: plan: (\d+) network\(s\) to train \(([^)]*)\) for 3 method\(s\) \(CE, cRT, CBD\); (.*)', err)
    assert plan and plan[1] == '3' and set(plan[2].split(', ')) == set(res['seconds']) == {'ce', 'teacher-vanilla-s1', 'cbd'}
    for i, n in enumerate(['ce', 'teacher-vanilla-s1', 'cbd']): assert f'{i + 1}/3 {n}:' in err
    assert 'cRT:' in err
    Run(get_recipe('digits-lt', epochs=1, n_teachers=2, seed=1), tmp_path/'b', methods='CE').close()
    again = Run(get_recipe('digits-lt', epochs=1, n_teachers=2, seed=1), tmp_path/'c', methods='CE')
    (tmp_path/'c'/'results.json').write_text(json.dumps({**res, 'seconds': {'ce': 90.}}))   # an earlier run, other seed, same machine
    again.todo = again.plan()
    assert again.plan_line().endswith('1 of them took 1.5 min before (median over 1 earlier run(s))')
    again.close()

# --- issue 32: a report that teaches its lesson, from its own numbers, and is safe to open -------------------------------
import math, subprocess
import pytest
import cbd_nb.report as report
from cbd_nb.report import lesson, controls, CONTROL_HEADERS
from cbd_nb.viz import cost_plot
from browser_util import CHROMIUM, have_chromium

def tail_results(**methods):
    "Results of a 30-epoch run with two few-shot classes, Bag and Ankle boot; `methods`: name -> (all, few, per-class accuracies)"
    return {'recipe': {'name': 'quick', 'dataset': 'fashion-mnist', 'imb_factor': 100, 'arch': 'resnet8', 'epochs': 30, 'seed': 0, 'n_teachers': 2},
            'device': 'cpu', 'versions': {'torch': torch.__version__}, 'counts': [500, 120, 16, 10], 'classes': ['T-shirt', 'Coat', 'Bag', 'Ankle boot'],
            'test_counts': [100] * 4, 'methods': {k: {'all': a, 'many': pc[0], 'medium': pc[1], 'few': f, 'per_class': pc} for k, (a, f, pc) in methods.items()}}

TAIL = dict(CE=(.45, .0, [.95, .85, 0., 0.]), teacher=(.62, .187, [.9, .85, .25, .124]), CBD=(.71, .695, [.72, .72, .72, .67]),
            **{'CBD-ENS': (.72, .70, [.73, .74, .71, .69]), 'CB-scratch': (.79, .815, [.8, .75, .802, .827])})

def text(s): return re.sub('<[^>]+>', '', s)

def test_few_shot_classes_are_named_with_the_baseline_and_the_best():
    page = text(report_html(tail_results(**TAIL)))
    assert ('The tail collapses under CE: on the few-shot classes it reaches 0.0 %, and CB-scratch, the best other method there, 81.5 % (+81.5 points). '
            'Class by class (training images; CE → CB-scratch): Ankle boot (10) 0.0 → 82.7 %, Bag (16) 0.0 → 80.2 %.') in page
    many = tail_results(CE=(.5, .2, [.9] + [.2] * 11), **{'CB-scratch': (.7, .6, [.8] + [.6] * 11)})
    many.update(counts=[500] + [10 + i for i in range(11)], classes=[f'c{i}' for i in range(12)], test_counts=[100] * 12)
    s = next(s for s in lesson(many) if 'few-shot' in s)
    assert s.count(' → ') == 1 + 8 and s.endswith(', and 2 more.') and s.index('c1 (10)') < s.index('c2 (11)')   # 10 few-shot classes: 8 named, fewest images first

def test_tail_lift_of_the_students_over_their_teacher():
    l = [text(s) for s in lesson(tail_results(**TAIL))]
    assert ('On the few-shot classes the teacher, teacher, reaches 18.7 %, and the students distilled from it on class-balanced batches reach CBD 69.5 % '
            '(+50.8 points, against +9.0 over all classes) and CBD-ENS, which follows all 2 teachers, 70.0 % (+51.3 points, against +10.0 over all classes): '
            'the tail gains more than the classes on average.') in l
    only_cbd = [s for s in lesson(tail_results(**{k: v for k, v in TAIL.items() if k != 'CBD-ENS'})) if 'students distilled' in s]
    assert len(only_cbd) == 1 and 'CBD-ENS' not in only_cbd[0]
    no_student = lesson(tail_results(**{k: v for k, v in TAIL.items() if k not in ('CBD', 'CBD-ENS')}))
    no_teacher = lesson(tail_results(**{k: v for k, v in TAIL.items() if k != 'teacher'}))
    assert not [s for s in no_student + no_teacher if 'students distilled' in s]          # said only when the teacher and a student ran

CONTROLS = [dict(gap='LDAM-DRW - LA-loss', held='as published: cosine against linear head', **paired_gap([4, 5, 3.5, 5, 4.5])),   # the one analysis of a gap
            dict(gap='LDAM-DRW - LA-loss', held='both with a cosine head', **paired_gap([0.5, 1.5, -0.5, 1, 1.5])),
            dict(gap='CE cosine - CE linear', held='the head alone', **paired_gap([7.5, 8, 7, 8.5, 8])),
            dict(gap='CBD - CB-scratch', held='as published', **paired_gap([-0.3]))]

def test_controls_are_a_table_with_one_sentence_of_takeaway(monkeypatch):
    c = controls(CONTROLS)
    head, body = c.split('</caption>')[1].split('</table>')
    cells = [re.findall(r'<t[hd]>(.*?)</t[hd]>', r) for r in re.findall(r'<tr[^>]*>(.*?)</tr>', head)]
    assert cells[0] == list(CONTROL_HEADERS) and len(cells) == 5 and all(len(r) == 7 for r in cells)
    assert cells[1] == ['LDAM-DRW - LA-loss', 'as published: cosine against linear head', '5', '+4.4', '[+3.6, +5.2]', '5-0', 'resolved']
    assert cells[2][4:] == ['[-0.2, +1.8]', '4-1', 'not resolved'] and cells[4][3:] == ['-0.3', '-', '0-1', 'not resolved']   # one seed: no interval
    takeaway = text(body)
    assert takeaway.count('. ') == 0 and takeaway == ('Takeaway: 2 of these 4 gaps are resolved at their seeds (their 95 % interval excludes 0) and the rest are level within the noise; '
                                                     'the largest, CE cosine - CE linear (the head alone), is +7.8 points [+7.1, +8.5].')
    monkeypatch.setattr(report, 'benchmark_controls', lambda: CONTROLS)
    page = report_html(tail_results(**TAIL))
    assert page.index('students distilled') < page.index("<table class='controls'>") < page.index('<h2>Results')
    assert controls([]) == ''

def test_cost_figure_front_labels_and_legend():
    one = cost_plot(tail_results(CE=(.45, .0, [.9, .8, 0., 0.]), cRT=(.40, .1, [.8, .7, .1, .1])))      # a front of one point, at one cost
    front = one.data[-1]
    assert front.text[0] == 'CE' and front.marker.size[0] > 0 and front.mode == 'lines+markers' and front.x[-1] > front.x[0]
    res = tail_results(**TAIL, cRT=(.449, .3, [.8, .7, .3, .3]), **{'LA-posthoc': (.451, .3, [.8, .7, .3, .3])})   # CE, cRT and LA-posthoc share a cost and all but an accuracy
    fig = cost_plot(res)
    labels = {a.text: a for a in fig.layout.annotations}
    assert set(labels) == set(res['methods'])                                                  # every point is named
    ys = sorted(labels[k].ay for k in ('CE', 'cRT', 'LA-posthoc'))
    px = (fig.layout.height - fig.layout.margin.t - fig.layout.margin.b) / (fig.layout.yaxis.range[1] - fig.layout.yaxis.range[0])
    assert min(b - a for a, b in zip(ys, ys[1:])) * px >= 15                                    # crowded labels at least 15 px apart
    assert [labels[k].x for k in ('CE', 'cRT', 'LA-posthoc')] == [30] * 3

def dump_dom(tmp_path, page):
    "The page's DOM after its scripts ran in headless Chromium"
    if not have_chromium(): pytest.skip(f'no Chromium at {CHROMIUM} (apt-get install chromium, or set $CBD_CHROMIUM)')
    (tmp_path/'report.html').write_text(page)
    return subprocess.run([CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--window-size=1400,1000',
                           '--virtual-time-budget=5000', '--dump-dom', (tmp_path/'report.html').as_uri()], capture_output=True, text=True, timeout=120).stdout

def test_every_legend_shows_whole_in_chromium(tmp_path):
    "With every method of the table in the run, no figure's legend needs a scrollbar (plotly draws one, of nonzero size, on a legend cut off)"
    res = fake_results()
    res['methods'] = {k: {**res['methods']['CE'], 'all': .5 + i / 100} for i, k in enumerate(METHODS)}
    dom = dump_dom(tmp_path, report_html(res))
    bars = re.findall(r'<rect class="scrollbar"[^>]*>', dom)
    assert len(bars) >= 3 and not [b for b in bars if not re.search(r'\bheight="0"', b)], bars

P = '<script>alert(1)</script><img src=x onerror="document.body.dataset.pwned=1">'   # markup that runs if it reaches the page unescaped

def hostile(p:str=P)->dict:
    "Results that `check_results` accepts, with `p` in every string field it lets hold one"
    n = 4
    m = lambda a: {'all': a, 'many': None, 'medium': a, 'few': a, 'ece': .05, 'per_class': [a] * n, 'seconds': 1., 'head': p, 'nets': {p: p}, 'made_on': {p: p}}
    return {'recipe': {'name': p, 'dataset': 'digits', 'imb_factor': 10, 'arch': 'resnet8', 'epochs': 1, 'seed': 0, 'n_teachers': 1, p: p},
            'device': p, 'precision': p, 'compiled': p, 'versions': {'torch': p, 'cpu': p}, 'renamed': {p: p},
            'counts': [100, 60, 30, 12], 'classes': [f'{p}{i}' for i in range(n)], 'test_counts': [30] * n, 'seconds': {p: 1.},
            'tsne': {'labels': [0, 1, 2, 3], 'embeds': {p: [[0., 1.], [1., 0.], [2., 2.], [3., 1.]]}},
            'methods': {'CE': m(.6), 'CBD': m(.7), p: m(.9)}}

def test_a_script_in_every_string_field_is_escaped(tmp_path):
    page = report_html(hostile())
    assert '<script>alert' not in page and '<img' not in page and html.escape(P) in page      # shown as text (figures: as JSON that plotly escapes)
    assert f'device {html.escape(P)}, torch {html.escape(P)}' in page
    assert re.search(r'<body[^>]*data-pwned', dump_dom(tmp_path, page)) is None                # and nothing ran in a browser

def test_values_of_any_type_are_escaped_and_empty_views_get_a_note(monkeypatch):
    "Whatever `check_results` lets through, the page escapes: numbers that are strings with markup, an empty t-SNE view, NaN accuracies"
    monkeypatch.setattr(report, 'check_results', lambda res, path: None)                     # a results file nothing checked
    res = hostile()
    res['recipe'].update({k: P for k in ('imb_factor', 'arch', 'epochs', 'seed', 'n_teachers')})
    res['test_counts'], res['tsne'] = [30, 30, 30, 0], {'labels': [], 'embeds': {}}
    for v in res['methods'].values(): v['per_class'][3] = math.nan
    page = report_html(res)
    assert '<script>alert' not in page and '<img' not in page and f'{html.escape(P)} epochs' in page
    assert "<p class='note'>The results hold a t-SNE view without points, so no map is drawn.</p>" in page
    assert 'network-epochs against' not in page                                               # no cost counted from a recipe that is not a number
    res['tsne'] = {'labels': [0, 9], 'embeds': {'a': [[0., 0.], [1., 1.]]}}
    assert "labels name classes the results do not have" in report_html(res)

def test_an_empty_tsne_view_is_a_note_not_a_refusal():
    res = {**hostile('x'), 'tsne': {'labels': [], 'embeds': {}}}
    page = report_html(res)
    assert 'The results hold a t-SNE view without points, so no map is drawn.' in page and page.count('<figcaption>') == 4
