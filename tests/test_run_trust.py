"Trustworthy runs (issue 9): a resume never mixes runs, one writer per folder, nothing written before the checks pass."
import json, os, shutil, signal, subprocess, sys, time
from pathlib import Path
import pytest, torch
from cli_util import digits, interrupted
from cbd_nb.core import umask
from cbd_nb.models import create_model
from cbd_nb.pipeline import Run
from cbd_nb.networks import fingerprint
from cbd_nb.recipes import get_recipe
from cbd_nb.methods import Method, methods_table

TINY = ['--epochs', 1, '--n-teachers', 2]
ENV = {**os.environ, 'OMP_NUM_THREADS': '1', 'CUDA_VISIBLE_DEVICES': ''}


def cli(*args, **kw):
    return subprocess.run([sys.executable, '-c', 'from cbd_nb.cli import main; main()', 'run', '--quiet', *digits(args)], capture_output=True, text=True, env=ENV, **kw)

def popen(*args):
    "The CLI in the background, with Ctrl-C's default action even where the test runner ignores SIGINT (as a shell's background job does)"
    return subprocess.Popen([sys.executable, '-c', 'from cbd_nb.cli import main; main()', 'run', '--quiet', *digits(args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))

def wait_for(cond, timeout=600):   # a guard against a hang only: CI runs these tests at the lowest priority
    t0 = time.time()
    while not cond():
        if time.time() - t0 > timeout: raise TimeoutError
        time.sleep(0.05)

def methods_done(out):
    try: return json.loads((out/'results.json').read_text())
    except (OSError, json.JSONDecodeError): return {}

DONE = 'CE,CB-scratch,CBD-ENS'   # the networks the tests below damage or check (every method's resume: test_run_faults)

@pytest.fixture(scope='module')
def done(tmp_path_factory):
    "A finished tiny digits run (1 epoch, 2 teachers) of the methods `DONE`"
    d = tmp_path_factory.mktemp('done')
    Run(get_recipe('digits-lt', epochs=1, n_teachers=2), d, progress=False, methods=DONE).all()
    return d

def copy(done, tmp_path):
    shutil.copytree(done, tmp_path/'x'); return tmp_path/'x'

def test_resume_never_mixes_runs(tmp_path):
    "The issue's reproduction: a 2-epoch run, a 1-epoch run killed after NCM, then a 1-epoch --resume of a folder that holds a network of each"
    x = tmp_path/'x'
    Run(get_recipe('digits-lt', epochs=2, n_teachers=1), x, progress=False, methods='CE,NCM,CB-scratch').all()   # CE's network, a method on it, another network
    p = popen('--out', x, '--epochs', 1, '--n-teachers', 1, '--methods', 'CE,NCM,CB-scratch', '--replace')   # the 2-epoch run is moved aside, whole
    wait_for(lambda: 'NCM' in methods_done(x).get('methods', {}) and methods_done(x)['recipe']['epochs'] == 1)
    p.kill(); p.wait()
    aside = next(tmp_path.glob('x.replaced-*'))
    assert methods_done(aside)['recipe']['epochs'] == 2 and set(methods_done(aside)['methods']) == {'CE', 'NCM', 'CB-scratch'}
    shutil.copy(aside/'checkpoints'/'cb.pt', x/'checkpoints'/'cb.pt')   # what a kit that discarded runs left: the 2-epoch run's network beside the 1-epoch run's
    r = cli('--out', x, '--epochs', 1, '--n-teachers', 1, '--methods', 'CE,NCM,CB-scratch', '--resume')
    assert r.returncode != 0 and 'was made by another run' in r.stderr and 'epochs: 2 there, 1 now' in r.stderr, r.stderr
    assert '.pt' in r.stderr and 'Traceback' not in r.stderr
    (x/'results.json').unlink()                          # what the damaged-JSON message advises: still refused
    with pytest.raises(ValueError, match='epochs: 2 there, 1 now'): Run(get_recipe('digits-lt', epochs=1, n_teachers=1), x, resume=True)

def test_student_of_other_teachers_is_refused(done, tmp_path):
    x = copy(done, tmp_path)
    other = create_model('resnet8', 10, 1, 'cosine')
    torch.save({**torch.load(x/'checkpoints'/'teacher-aug-s1.pt', weights_only=True), 'model': other.state_dict()}, x/'checkpoints'/'teacher-aug-s1.pt')
    res = json.loads((x/'results.json').read_text()); res['fingerprints']['teacher-aug-s1'] = fingerprint(other)   # results.json agrees: a teacher trained again
    (x/'results.json').write_text(json.dumps(res))
    run = Run(get_recipe('digits-lt', epochs=1, n_teachers=2), x, resume=True, progress=False)
    with pytest.raises(ValueError, match="cbd-ens.pt was built from other networks than this run's teacher-aug-s1"): run.trained('cbd-ens')

def test_missing_checkpoint_is_retrained(done, tmp_path, capsys):
    x = copy(done, tmp_path)
    (x/'checkpoints'/'cb.pt').unlink()
    before = json.loads((x/'results.json').read_text())
    res = Run(get_recipe('digits-lt', epochs=1, n_teachers=2), x, resume=True, progress=False, methods=DONE).all()
    assert 'cb.pt is missing although results.json lists it: training cb again' in capsys.readouterr().err
    assert (x/'checkpoints'/'cb.pt').exists() and res['fingerprints']['cb'] == before['fingerprints']['cb']
    assert res['methods']['CB-scratch']['all'] == before['methods']['CB-scratch']['all']

def test_refused_resume_writes_nothing(done, tmp_path):
    "Before: a refused --resume with another seed still overwrote split.json"
    x = copy(done, tmp_path)
    files = {p: p.read_bytes() for p in x.glob('**/*') if p.is_file() and p.name != '.lock'}
    r = cli('--out', x, *TINY, '--seed', 1, '--resume')
    assert r.returncode != 0 and 'another recipe' in r.stderr
    assert {p: p.read_bytes() for p in x.glob('**/*') if p.is_file() and p.name != '.lock'} == files

def test_start_cleans_up(done, tmp_path):
    "A resume removes the .tmp files of its interrupted writes before it writes anything new, and keeps the report until it writes the next"
    x = copy(done, tmp_path)
    (x/'.results.json.abcd1234.tmp').write_text('half'); (x/'checkpoints'/'.ce.pt.defg5678.tmp').write_bytes(b'half')
    Run(get_recipe('digits-lt', epochs=1, n_teachers=2), x, resume=True, progress=False, methods=DONE).close()
    assert (x/'report.html').exists() and not list(x.glob('**/*.tmp'))

def test_outputs_follow_umask(done):
    "Before: every output was mode 0600"
    for p in ['results.json', 'report.html', 'split.json', 'checkpoints/ce.pt']:
        assert (done/p).stat().st_mode & 0o777 == 0o666 & ~umask(), p

def test_one_writer_per_folder(tmp_path):
    "Two processes: the second is refused at once with the first's PID; a killed holder's lock is taken over"
    x = tmp_path/'x'
    a = popen('--out', x, '--epochs', 50, '--n-teachers', 2)
    wait_for(lambda: (x/'.lock').exists() and str(a.pid) in (x/'.lock').read_text())
    t0 = time.time(); b = cli('--out', x, *TINY, '--seed', 1)
    assert b.returncode != 0 and f'PID {a.pid}' in b.stderr and 'started' in b.stderr and 'choose another --out' in b.stderr, b.stderr
    a.kill(); a.wait()
    run = Run(get_recipe('digits-lt', epochs=50, n_teachers=2), x, resume=True, progress=False)   # a's run (it may have finished a network): resume it
    assert run.store.lock.stale['pid'] == a.pid
    run.close()

def test_ctrl_c_prints_the_resume_command(tmp_path):
    x = tmp_path/'my out'
    p = popen('--out', x, '--epochs', 20, '--methods', 'CB-scratch,NCM')
    wait_for(lambda: 'NCM' in methods_done(x).get('methods', {}))     # CB-scratch, trained last, takes seconds: interrupt it
    assert p.poll() is None, 'the run ended before it could be interrupted'
    p.send_signal(signal.SIGINT); _, err = p.communicate(timeout=300)
    _, cmd = interrupted(err)
    assert p.returncode == 130, err
    assert cmd.startswith('cbd-nb run') and cmd.endswith('--resume') and "'" in cmd      # the folder name with a space is quoted
    r = subprocess.run(cmd.replace('cbd-nb', f"{sys.executable} -c 'from cbd_nb.cli import main; main()'", 1), shell=True, capture_output=True, text=True, env=ENV)
    assert r.returncode == 0 and 'CB-scratch' in r.stdout, r.stderr

def test_methods_subset(tmp_path):
    res = Run(get_recipe('digits-lt', epochs=1, n_teachers=2), tmp_path, progress=False, methods='tau-norm').all()
    assert list(res['methods']) == ['CE', 'tau-norm'] and sorted(p.name for p in (tmp_path/'checkpoints').iterdir()) == ['ce.pt']
    assert 0 <= res['methods']['tau-norm']['tau'] <= 2
    with pytest.raises(ValueError, match="Unknown method.*'LDAM'.*choose from CE, cRT"): Run(get_recipe('digits-lt'), tmp_path, methods='CE,LDAM')

def test_own_wall_time(tmp_path, monkeypatch):
    "A network's seconds exclude the networks it trained first (before: cbd-ens counted its teachers)"
    clock = [0.]                                    # a clock that moves only when a build says so, whatever the machine's load
    monkeypatch.setattr('cbd_nb.networks.time.perf_counter', lambda: clock[0])
    def work(s): clock[0] += s
    net = lambda: create_model('resnet8', 10, 1)
    table = methods_table([Method('A', lambda x: (work(2.), net())[1], network='a'),
                           Method('B', lambda x: (x.trained('A'), work(0.1), net())[2], network='b', needs=('A',))])
    res = Run(get_recipe('digits-lt', epochs=1), tmp_path, progress=False, methods='B', table=table).all()
    assert (res['seconds']['a'], res['seconds']['b']) == (2., 0.1), res['seconds']   # B's own 0.1 s, not A's 2 s as well

def test_build_never_sees_the_test_split(tmp_path):
    seen = {}
    def build(x):
        seen.update(attrs=set(vars(x)) | {'kw', 'val', 'net', 'teachers'}, n=(len(x.train), len(x.val)))
        return create_model('resnet8', 10, 1)
    run = Run(get_recipe('digits-lt', epochs=1), tmp_path, progress=False, table=methods_table([Method('A', build, uses_val=True)]))
    run.all()
    assert not any('test' in a or a == 'data' for a in seen['attrs'])
    assert seen['n'] == (len(run.data.train), len(run.data.val))   # the whole long-tailed training split, and load_lt's own validation split
