"""Files from others are untrusted (issue 18): shared run folders, results files, checkpoints and data trees may be
damaged or hostile. Each test is one of the issue's reproductions: it gets one clear line (or a correct recovery),
never a traceback, never a script in the report, never code run from a data file, never a path outside the data
root, and never a network other than the one the results describe."""
import gzip, json, os, pickle, re, shutil, signal, subprocess, sys, time, tracemalloc
from pathlib import Path
import pytest, torch
from cli_util import digits, interrupted, one_line, finish_done, DONE, TINY
import cbd_nb.builds
from cbd_nb.cli import main
from cbd_nb.core import FolderGone
from cbd_nb.datasets import load_lt, read_idx
from cbd_nb.checkpoint import load_checkpoint
from cbd_nb.pipeline import Run
from cbd_nb.recipes import get_recipe
from cbd_nb.report import report_html
from cbd_nb.test_utils import fake_cifar, fake_image_list, fake_fashion_mnist
from torchrun_util import torchrun

ENV = {**os.environ, 'OMP_NUM_THREADS': '1', 'CUDA_VISIBLE_DEVICES': ''}
TAG = '<img src=x onerror=alert(1)>'

def cli(monkeypatch, capsys, *args):
    "Run `cbd-nb ARGS` in this process: (exit code, stderr)"
    monkeypatch.setattr(sys, 'argv', ['cbd-nb', *map(str, args)])
    with pytest.raises(SystemExit) as e: main()
    return e.value.code, capsys.readouterr().err

@pytest.fixture(scope='module')
def done(tmp_path_factory): return finish_done(tmp_path_factory.mktemp('done')/'run')

@pytest.fixture
def run_copy(done, tmp_path):
    shutil.copytree(done, tmp_path/'x'); return tmp_path/'x'

def resume(monkeypatch, capsys, x, *args):
    return cli(monkeypatch, capsys, 'run', *digits(['--out', x, '--epochs', 1, '--n-teachers', 1, '--methods', DONE, '--quiet', '--resume', *args]))

def edit(p:Path, f):
    "Apply `f` to the JSON in `p`"
    d = json.loads(p.read_text()); f(d); p.write_text(json.dumps(d))

# 1. the report runs no script from a results file
def test_resume_refuses_a_method_the_table_does_not_hold(run_copy, monkeypatch, capsys):
    report = (run_copy/'report.html').read_bytes()
    edit(run_copy/'results.json', lambda d: d['methods'].update({TAG: {**d['methods']['CE'], 'all': .999}}))
    code, err = resume(monkeypatch, capsys, run_copy)
    assert code == 1 and "results.json has results of method(s) that this run's table does not hold: '<img" in one_line(err)
    assert (run_copy/'report.html').read_bytes() == report           # 5c: a failed resume keeps the report

def test_report_escapes_every_string(done):
    res = json.loads((done/'results.json').read_text())
    res['methods'][TAG] = {**res['methods']['CE'], 'all': .999}
    res['classes'][0], res['recipe']['name'], res['device'] = TAG, TAG, TAG
    page = report_html(res)
    assert '<img' not in page and 'onerror=alert(1)&gt;' in page       # escaped in the sentences, and \u003c in the figures' JSON
    assert f'On this run {TAG.replace("<", "&lt;").replace(">", "&gt;")} has the highest' in page

@pytest.mark.parametrize('field,value,want', [('epochs', '<script>alert(1)</script>', 'an integer >= 1'), ('arch', ['<b>'], 'one of resnet8'),
                                               ('methods', ['CE'], 'None (all) or comma-separated'), ('dataset', 'mnist', 'one of digits'), ('val_frac', {'a': 1}, 'a number, a string')])
def test_report_refuses_a_recipe_field_out_of_range(done, field, value, want):
    "A shared results.json whose recipe holds markup or a value no `Recipe` takes: no page is written, one line names the field"
    res = json.loads((done/'results.json').read_text())
    res['recipe'][field] = value
    with pytest.raises(ValueError, match=rf'recipe\.{field} is .*, but it must be {re.escape(want)}') as e: report_html(res)
    assert '\n' not in str(e.value)

# 2. no code runs from a data file
class Payload:
    def __init__(self, path): self.path = path
    def __reduce__(self): return (os.system, (f'touch {self.path}',))

def test_cifar_pickle_runs_no_code(tmp_path, monkeypatch, capsys):
    meta = fake_cifar(tmp_path, 'cifar10', per_class=4)/'batches.meta'
    meta.write_bytes(pickle.dumps({'label_names': Payload(tmp_path/'ran')}))
    code, err = cli(monkeypatch, capsys, 'data', '--datasets', 'cifar10', '--root', tmp_path)
    assert code == 1 and f'{meta} is not a CIFAR batch (it refers to posix.system' in one_line(err)
    assert not (tmp_path/'ran').exists()

# 3. no path outside the data root
@pytest.mark.parametrize('entry', ['../../outside.jpg', '/etc/passwd', 'train/../../x.jpg'])
def test_image_list_entry_outside_the_root(tmp_path, entry):
    lst = fake_image_list(tmp_path, 'places-lt', counts=[2, 1])/'Places_LT_train.txt'
    lst.write_text(lst.read_text() + f'{entry} 1\n')
    with pytest.raises(ValueError, match=f"Places_LT_train.txt, line 4: the entry '{entry}' points outside the data folder"): load_lt('places-lt', tmp_path)

def test_image_list_entries_are_checked_and_read_against_the_data_root(tmp_path, monkeypatch):
    "The working directory plays no part: from / every path is 'inside' it, and a relative root must still find its images after a chdir"
    f = fake_image_list(tmp_path/'data', 'places-lt', counts=[2, 1])
    monkeypatch.chdir(tmp_path)
    d = load_lt('places-lt', 'data')
    monkeypatch.chdir('/')
    assert d.train[0][1] == 0 and d.train[0][0].size == (8, 8)          # read from the data root, not from /
    (f/'Places_LT_train.txt').write_text((f/'Places_LT_train.txt').read_text() + '../../outside.jpg 1\n')
    with pytest.raises(ValueError, match="line 4: the entry '../../outside.jpg' points outside the data folder"): load_lt('places-lt', tmp_path/'data')

@pytest.mark.parametrize('limit', [10, 40], ids=['DecompressionBombError', 'DecompressionBombWarning'])
def test_image_decompression_bomb_names_its_entry(tmp_path, monkeypatch, limit):
    "An 8x8 image above PIL's pixel limit stands for a decompression bomb: over twice the limit PIL raises, over it PIL only warns"
    d = load_lt('places-lt', fake_image_list(tmp_path, 'places-lt', counts=[2, 1]).parent)
    monkeypatch.setattr('PIL.Image.MAX_IMAGE_PIXELS', limit)
    with pytest.raises(ValueError, match=r"0\.jpg \(list entry 'train/n00000/0\.jpg'\) was not read: Image size \(64 pixels\) exceeds limit"): d.train[0]

def test_image_behind_a_link_outside_the_root(tmp_path):
    f = fake_image_list(tmp_path/'data', 'places-lt', counts=[2, 1])
    (tmp_path/'secret.jpg').write_bytes((f/'train'/'n00000'/'0.jpg').read_bytes())
    (f/'train'/'n00000'/'0.jpg').unlink(); (f/'train'/'n00000'/'0.jpg').symlink_to(tmp_path/'secret.jpg')
    d = load_lt('places-lt', tmp_path/'data')
    with pytest.raises(ValueError, match='outside the data folder .* a symbolic link'): d.train[0]
    assert d.train[1][1] == 0                                          # the others still load

# 4. a network is used only if it is the one the results describe
def swap_ce_for_la_loss(x):
    ce, la = (torch.load(x/'checkpoints'/f'{n}.pt', weights_only=True) for n in ('ce', 'la-loss'))
    torch.save({**ce, 'model': la['model']}, x/'checkpoints'/'ce.pt')      # LA-loss's weights, CE's valid `made` record
    edit(x/'results.json', lambda d: d['methods'].pop('cRT'))

def test_swapped_checkpoint_is_refused(run_copy, monkeypatch, capsys):
    swap_ce_for_la_loss(run_copy)
    code, err = resume(monkeypatch, capsys, run_copy)
    assert code == 1 and 'ce.pt holds other weights than the ce that results.json describes' in one_line(err)

def test_finished_run_refuses_a_swapped_checkpoint(run_copy):
    swap_ce_for_la_loss(run_copy)
    edit(run_copy/'results.json', lambda d: d['methods'].update(cRT=d['methods']['CE']))
    run = Run(get_recipe('digits-lt', **TINY, methods=DONE), run_copy, resume=True, readonly=True, progress=False)
    with pytest.raises(ValueError, match='holds other weights than the ce that results.json describes'): run.trained('ce')

def test_a_retrained_network_that_differs_is_said_and_its_results_redone(run_copy, capsys):
    "Never a silent overwrite of a recorded fingerprint: here results.json records another CE than the one retraining gives"
    (run_copy/'checkpoints'/'ce.pt').unlink()
    edit(run_copy/'results.json', lambda d: d['fingerprints'].update(ce='0' * 16))
    res = Run(get_recipe('digits-lt', **TINY, methods=DONE), run_copy, resume=True, progress=False).all()
    assert 'the retrained ce differs from the one results.json lists (fingerprint' in capsys.readouterr().err
    assert res['fingerprints']['ce'] != '0' * 16 and {'CE', 'cRT'} <= set(res['methods'])
    assert res['methods']['cRT']['nets']['ce'] == res['fingerprints']['ce']   # cRT was built again, on the new CE

# 5. the folder stays one run's
def test_a_failed_start_releases_the_lock(tmp_path):
    gz = fake_fashion_mnist(tmp_path/'data')/'train-images-idx3-ubyte.gz'
    gz.write_bytes(gz.read_bytes()[:-100])                              # a truncated data file
    with pytest.raises(ValueError, match='train-images-idx3-ubyte.gz is truncated or damaged.*reinstall'):
        Run(get_recipe('fmnist-lt-quick'), tmp_path/'out', root=tmp_path/'data', progress=False)
    grab = f"from cbd_nb.core import FolderLock; FolderLock({str(tmp_path/'out')!r}).acquire()"
    assert subprocess.run([sys.executable, '-c', grab], capture_output=True).returncode == 0   # the CLI could take the folder

@pytest.mark.parametrize('replaced', [False, True])
def test_a_deleted_or_replaced_folder_stops_the_run(tmp_path, replaced):
    x = tmp_path/'x'
    run = Run(get_recipe('digits-lt', epochs=1), x, methods='CE', progress=False)
    shutil.rmtree(x)
    if replaced: x.mkdir(); (x/'.lock').write_text('{"pid": 1}')      # a second run's new folder of that name
    with pytest.raises(FolderGone, match='was deleted or replaced while this run was writing to it'): run.all()
    assert (sorted(p.name for p in x.iterdir()) == ['.lock']) if replaced else not x.exists()   # nothing written beside it

def test_a_resume_that_fails_keeps_the_report(run_copy, monkeypatch):
    report = (run_copy/'report.html').read_bytes()
    edit(run_copy/'results.json', lambda d: d['methods'].pop('cRT'))
    def broken(*a, **k): raise RuntimeError('the disk went away')
    monkeypatch.setattr(cbd_nb.builds, 'crt', broken)
    with pytest.raises(RuntimeError, match='went away'):
        Run(get_recipe('digits-lt', **TINY, methods=DONE), run_copy, resume=True, progress=False).all()
    assert (run_copy/'report.html').read_bytes() == report

# 6. bad content gets one line
@pytest.mark.parametrize('value', ['0.9', None, [1, 2], True, 1.5])
def test_results_with_a_value_of_the_wrong_type(run_copy, monkeypatch, capsys, value):
    edit(run_copy/'results.json', lambda d: d['methods']['CE'].update(all=value))
    code, err = resume(monkeypatch, capsys, run_copy)
    assert code == 1 and f"results.json: methods.CE.all is {json.dumps(value)}, but it must be a number in [0, 1]" in one_line(err)

@pytest.mark.parametrize('made,key', [('not a dict', 'made'), ({'recipe': None, 'data': 'x'}, 'made.recipe')])
def test_checkpoint_with_a_bad_made_record(run_copy, monkeypatch, capsys, made, key):
    p = run_copy/'checkpoints'/'la-loss.pt'
    torch.save({**torch.load(p, weights_only=True), 'made': made}, p)
    code, err = resume(monkeypatch, capsys, run_copy)
    assert code == 1 and f'la-loss.pt: its record {key} is not' in one_line(err)

def test_checkpoint_that_would_run_code(run_copy, monkeypatch, capsys):
    p = run_copy/'checkpoints'/'la-loss.pt'
    torch.save({**torch.load(p, weights_only=True), 'x': Payload(run_copy/'ran')}, p)
    code, err = resume(monkeypatch, capsys, run_copy)
    line = one_line(err)
    assert code == 1 and 'holds objects that a checkpoint must not hold (it refers to posix.system)' in line
    assert 'weights_only' not in line and not (run_copy/'ran').exists()

@pytest.mark.parametrize('gz', [True, False])
def test_truncated_idx_file(tmp_path, monkeypatch, capsys, gz):
    f = fake_fashion_mnist(tmp_path)
    p = f/'t10k-labels-idx1-ubyte.gz'
    if not gz: q = p.with_suffix(''); q.write_bytes(__import__('gzip').decompress(p.read_bytes())[:-3]); p.unlink(); p = q
    else: p.write_bytes(p.read_bytes()[:-10])
    code, err = cli(monkeypatch, capsys, 'data', '--datasets', 'fashion-mnist', '--root', tmp_path)
    line = one_line(err)
    assert code == 1 and str(p) in line and 'reinstall it' in line

def _relabel_idx(p:Path, i:int, v:int):
    "Set label `i` of the gzipped idx labels file `p` to `v`"
    raw = bytearray(gzip.decompress(p.read_bytes())); raw[8 + i] = v; p.write_bytes(gzip.compress(bytes(raw)))

def _relabel_cifar(p:Path, key:str, i:int, v:int):
    "Set label `i` of the CIFAR batch `p` to `v`"
    d = pickle.loads(p.read_bytes()); d[key][i] = v; p.write_bytes(pickle.dumps(d))

@pytest.mark.parametrize('name', ['places-lt', 'fashion-mnist', 'cifar10'])
def test_label_outside_the_classes_names_its_file(tmp_path, monkeypatch, capsys, name):
    if name == 'places-lt':
        p = fake_image_list(tmp_path, name, counts=[2, 1])/'Places_LT_test.txt'
        p.write_text(p.read_text().replace('test/n00000/1.jpg 0', 'test/n00000/1.jpg 365'))
        want = f'{p}, line 2: the label 365 is outside the classes 0..364'
    elif name == 'fashion-mnist':
        p = fake_fashion_mnist(tmp_path)/'train-labels-idx1-ubyte.gz'; _relabel_idx(p, 7, 12)
        want = f'{p}: the label 12 of image 7 is outside the classes 0..9'
    else:
        p = fake_cifar(tmp_path, name, per_class=4)/'data_batch_2'; _relabel_cifar(p, 'labels', 3, -1)
        want = f'{p}: the label -1 of image 3 is outside the classes 0..9'
    code, err = cli(monkeypatch, capsys, 'data', '--datasets', name, '--root', tmp_path)
    assert code == 1 and want in one_line(err)

@pytest.mark.parametrize('tail', ['junk', 'header'])
def test_idx_file_is_read_no_further_than_its_header(tmp_path, tail):
    "A .gz that inflates to 64 MB more than its header declares, or a header that declares a gigabyte: refused, having read little of it"
    p = tmp_path/'train-labels-idx1-ubyte.gz'
    head = bytes([0, 0, 8, 1]) + ((10).to_bytes(4, 'big') + bytes(10) if tail == 'junk' else (1 << 30).to_bytes(4, 'big'))
    with gzip.open(p, 'wb') as f: f.write(head + bytes(64 << 20))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r'holds more\)' if tail == 'junk' else r'declares data of shape \(1073741824,\)'): read_idx(p)
        peak = tracemalloc.get_traced_memory()[1]
    finally: tracemalloc.stop()
    assert peak < 8 << 20, peak

def test_sigterm_ends_as_ctrl_c_does(tmp_path):
    x = tmp_path/'x'
    p = subprocess.Popen([sys.executable, '-c', 'from cbd_nb.cli import main; main()', 'run', '--quiet', *digits(['--out', x, '--epochs', 400, '--methods', 'CB-scratch'])],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    t0 = time.time()
    while not (x/'split.json').exists():     # the run's first write; CB-scratch's network starts training right after it
        assert time.time() - t0 < 600 and p.poll() is None; time.sleep(.05)   # a hang guard: CI runs this at the lowest priority
    time.sleep(2)                       # inside the network's 400 epochs (about 55 s on a two-core EPYC, so at least 10 s on a machine 5x faster)
    assert p.poll() is None, 'the run ended before it could be interrupted'
    p.send_signal(signal.SIGTERM); _, err = p.communicate(timeout=300)
    line, cmd = interrupted(err)
    assert p.returncode == 143 and line.startswith('cbd-nb run: interrupted in cb;') and cmd.startswith('cbd-nb run ') and cmd.endswith('--resume'), err
    assert not (x/'checkpoints'/'cb.pt').exists()    # a half-trained network is not saved as one that finished

def test_a_dead_ddp_rank_gives_one_line(tmp_path):
    "Rank 1 is killed while both train; rank 0 says a process died and how to resume, without a traceback of its own"
    x = tmp_path/'x'
    cmd = ['--no-python', Path(sys.executable).parent/'cbd-nb', 'run', '--recipe', 'digits-lt', '--epochs', 40, '--out', x, '--quiet', '--methods', 'CE,CB-scratch']
    killer = subprocess.Popen([sys.executable, '-c', KILL_RANK_1, str(x)])
    r = torchrun(*cmd, timeout=600, OMP_NUM_THREADS='1')
    killer.wait(timeout=120)
    assert r.returncode != 0 and killer.returncode == 0, r.stderr[-3000:]
    assert 'another process of this torchrun job died' in r.stderr and re.search(r'Continue with the same torchrun command and:\s+cbd-nb run', r.stderr), r.stderr[-3000:]
    assert '[rank0]' not in r.stderr, r.stderr[-3000:]      # torch prefixes an uncaught exception's traceback with the rank

KILL_RANK_1 = """
import json, os, signal, sys, time
from pathlib import Path
x, t0 = Path(sys.argv[1]), time.time()
while 'CE' not in (json.loads((x/'results.json').read_text()).get('methods', {}) if (x/'results.json').exists() else {}):
    if time.time() - t0 > 240: sys.exit(1)
    time.sleep(.05)
for pid in filter(str.isdigit, os.listdir('/proc')):
    try: env = Path(f'/proc/{pid}/environ').read_bytes().split(b'\\0')
    except OSError: continue
    if b'LOCAL_RANK=1' in env and f'{x}'.encode() in Path(f'/proc/{pid}/cmdline').read_bytes():
        os.kill(int(pid), signal.SIGKILL); sys.exit(0)
sys.exit(2)
"""

# 7. honest validation
def test_validation_overlap_is_said_recorded_and_reported(tmp_path, capsys):
    run = Run(get_recipe('digits-lt', epochs=1, imb_factor=1), tmp_path, methods='CE', progress=False)
    n = len(run.data.split.val_overlap)
    assert n > 0 and f'{n} of the {len(run.val)} validation images are also training images' in capsys.readouterr().err
    res = run.all()
    assert res['val_overlap'] == json.loads((tmp_path/'results.json').read_text())['val_overlap'] == n
    assert f'{n} of the validation images are also training images' in (tmp_path/'report.html').read_text()

# 8. equivalent method lists are equal
def test_method_lists_in_any_order_are_the_same_run(run_copy, monkeypatch, capsys):
    assert get_recipe('digits-lt', methods=' LA-loss, cRT,CE,CE').methods == get_recipe('digits-lt', methods=DONE).methods == 'CE,cRT,LA-loss'
    monkeypatch.setattr(sys, 'argv', ['cbd-nb', 'run', *digits(['--out', run_copy, '--epochs', 1, '--n-teachers', 1, '--methods', ' LA-loss, cRT,CE,CE', '--quiet', '--resume'])])
    main()                                                              # accepted: no SystemExit
    assert 'CE ' in capsys.readouterr().out
