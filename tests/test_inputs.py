"""What a results file may hold and what `cbd-nb bench` may be given (issue 32): every value the schema let through before
gets one line naming the field, a results file is read within a size cap, and a bad bench option is refused before any
timing, with one line."""
import json, math
import pytest
import cbd_nb.bench, cbd_nb.results
from cbd_nb.results import check_results, read_results, read_views, earlier_seconds, BENCH_RESULTS
from test_untrusted import cli, one_line

RES = json.loads((BENCH_RESULTS/'fmnist-lt-small-s0.json').read_text())   # a real results file: ten classes, a t-SNE view
CE = dict(RES['methods']['CE'])

@pytest.mark.parametrize('edit,line', [
    (dict(versions='2.14.1'), 'versions is "2.14.1", but it must be an object of versions'),
    (dict(methods={'CE': {**CE, 'per_class': []}}), 'methods.CE.per_class is [], but it must be a list of numbers in [0, 1], one per class'),
    (dict(methods={'CE': {**CE, 'per_class': CE['per_class'][:3]}}), 'methods.CE.per_class is [', ),
    (dict(methods={'CE': {**CE, 'per_class': [math.nan] * 10}}), 'methods.CE.per_class is [NaN, NaN'),
    (dict(tsne={'labels': [], 'embeds': {}}), 'tsne is {"labels": [], "embeds": {}}, but it must be an object'),
    (dict(tsne={**RES['tsne'], 'labels': [10] * len(RES['tsne']['labels'])}), 'tsne.labels is [10, 10'),
    (dict(counts=[]), 'counts is [], but it must be a non-empty list'),
    (dict(classes=RES['classes'][:9]), 'classes is [', ),
    (dict(recipe={**RES['recipe'], 'lr': -1}), 'recipe.lr is -1, but it must be a finite number > 0')])
def test_results_values_the_schema_let_through(tmp_path, edit, line):
    p = tmp_path/'shared-s0.json'
    p.write_text(json.dumps({**RES, **edit}))                          # JSON's NaN where the edit holds one
    with pytest.raises(ValueError) as e: read_views(tmp_path)
    assert line in str(e.value) and str(e.value).startswith(f'{p}: ') and '\n' not in str(e.value)

def test_results_nested_too_deeply(tmp_path):
    p = tmp_path/'results.json'; p.write_text('{"recipe": ' + '[' * 100_000 + ']' * 100_000 + '}')
    with pytest.raises(ValueError, match='results.json nests its values more deeply than Python reads: it is not a results file'): read_results(p)

def test_results_file_over_the_size_cap(tmp_path, monkeypatch):
    p = tmp_path/'shared-s0.json'; p.write_text(json.dumps(RES))
    monkeypatch.setattr(cbd_nb.results, 'RESULTS_LIMIT', 1000)
    with pytest.raises(Exception, match='holds more than 1,000 bytes, too many for a results file'): read_views(tmp_path)

def test_earlier_timings_skip_a_damaged_file(tmp_path):
    "The plan's earlier timings come from files nobody checked before: a damaged one is left out, not a crash"
    (tmp_path/'a.json').write_text(json.dumps({**RES, 'versions': 'x'}))
    (tmp_path/'b.json').write_text(json.dumps(RES))
    assert earlier_seconds(RES, [tmp_path/'a.json', tmp_path/'b.json']) == {k: [v] for k, v in RES['seconds'].items()}

def test_a_good_results_file_passes():
    check_results(RES, 'r.json')
    good = {**RES, 'test_counts': [0] + RES['test_counts'][1:], 'methods': {'CE': {**CE, 'per_class': [math.nan] + CE['per_class'][1:]}}}
    check_results(good, 'r.json')                                       # NaN for a class without test images

@pytest.mark.parametrize('args,line', [
    (['--device', 'gpu'], "Unknown device 'gpu'"),
    (['--device', 'cuda:99'], "Device 'cuda:99' asked for"),
    (['--threads', 0], '--threads 0 is invalid: it must be an integer from 1 to'),
    (['--threads', -2], '--threads -2 is invalid'),
    (['--steps', 0], '--steps 0 is invalid: it must be an integer from 1 to 1000'),
    (['--steps', 10**9], '--steps 1000000000 is invalid'),
    (['--rounds', 0], '--rounds 0 is invalid: it must be an integer from 1 to 100'),
    (['--out', '{tmp}/a.txt/bench.json'], 'a.txt/bench.json cannot be written: '),     # under a file
    (['--out', '{tmp}'], 'is a folder: give a file name')])
def test_bench_checks_its_options_before_any_work(tmp_path, monkeypatch, capsys, args, line):
    def work(*a, **k): raise AssertionError('the bench started timing')
    monkeypatch.setattr(cbd_nb.bench, 'variants', work)
    (tmp_path/'a.txt').write_text('')
    code, err = cli(monkeypatch, capsys, 'bench', '--recipe', 'digits-lt', *(str(a).format(tmp=tmp_path) for a in args))
    assert code == 1 and line in one_line(err) and one_line(err).startswith('cbd-nb bench: ')

def test_compare_prints_no_control_characters(tmp_path, monkeypatch, capsys):
    "A method name in someone's results.json reaches `cbd-nb compare`'s table without its escapes (issue 32, item 6)"
    from cbd_nb.cli import main
    evil = '\x1b[2Jevil\x07'
    for s in (0, 1):
        res = json.loads((BENCH_RESULTS/'controls'/f'shared-s{s}.json').read_text())
        res['methods'][evil] = res['methods'].pop('CE')
        (tmp_path/f's{s}').mkdir(); (tmp_path/f's{s}'/'results.json').write_text(json.dumps(res))
    monkeypatch.setattr('sys.argv', ['cbd-nb', 'compare', str(tmp_path/'s0'), str(tmp_path/'s1')])
    try: main()
    except SystemExit as e: assert e.code in (0, None), capsys.readouterr().err
    out = capsys.readouterr().out
    assert '[2Jevil' in out and 'LA-loss' in out, out                    # the row is there, its name printable
    assert not any(ord(ch) < 32 and ch not in '\n' for ch in out), repr(out[:300])

def test_results_from_before_a_rename_read_in_todays_names(tmp_path):
    "A results file that records the recipe's `teachers` (before issue 35's rename) reads with `n_teachers`"
    res = json.loads((BENCH_RESULTS/'controls'/'shared-s0.json').read_text())
    assert res['recipe']['teachers'] == 4 and 'n_teachers' not in res['recipe']   # as shipped
    (tmp_path/'r.json').write_text(json.dumps(res))
    r = read_results(tmp_path/'r.json')['recipe']
    assert r['n_teachers'] == 4 and 'teachers' not in r

def test_earlier_timings_of_another_precision_or_cpu_are_not_used(tmp_path):
    "The start-of-run estimate reuses timings of the same precision and machine only (issue 31: bf16 timings once promised an fp32 run 3.4 min)"
    other = 'fp32' if RES['precision'] != 'fp32' else 'bf16'
    (tmp_path/'a.json').write_text(json.dumps({**RES, 'precision': other}))
    (tmp_path/'b.json').write_text(json.dumps({**RES, 'versions': {**RES['versions'], 'cpu': 'another CPU'}}))
    assert earlier_seconds(RES, [tmp_path/'a.json', tmp_path/'b.json']) == {}
    (tmp_path/'c.json').write_text(json.dumps(RES))
    assert earlier_seconds(RES, [tmp_path/'a.json', tmp_path/'c.json']) == {k: [v] for k, v in RES['seconds'].items()}
