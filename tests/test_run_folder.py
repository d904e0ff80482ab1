"""The run folder is the user's, and nothing in it is lost (issue 32): a run writes only into a new, empty or run folder of the
kit, never discards a finished run, deletes only what it wrote, follows no link, trusts no network that results.json does not
vouch for, and answers every damaged file with one line."""
import json, os, resource, shutil, signal, subprocess, sys, time
from pathlib import Path
import pytest, torch
from cli_util import digits, interrupted, one_line, finish_done, DONE, TINY
from cbd_nb.cli import main
from cbd_nb.core import FolderBusy
from cbd_nb.pipeline import Run
from cbd_nb.networks import fingerprint
from cbd_nb.tutorials import finished_run
from cbd_nb.recipes import get_recipe

ENV = {**os.environ, 'OMP_NUM_THREADS': '1', 'CUDA_VISIBLE_DEVICES': ''}

def cli(monkeypatch, capsys, *args):
    "Run `cbd-nb run ARGS` (digits-lt, quiet) in this process: (exit code, stderr)"
    monkeypatch.setattr(sys, 'argv', ['cbd-nb', 'run', '--quiet', *digits(args)])
    try: main(); code = 0
    except SystemExit as e: code = e.code
    return code, capsys.readouterr().err

def resume(monkeypatch, capsys, x, *args):
    return cli(monkeypatch, capsys, '--out', x, '--epochs', 1, '--n-teachers', 1, '--methods', DONE, '--resume', *args)

def edit(p:Path, f):
    "Apply `f` to the JSON in `p`"
    d = json.loads(p.read_text()); f(d); p.write_text(json.dumps(d))

def files(d:Path)->dict:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob('*')) if p.is_file() and p.name != '.lock'}

@pytest.fixture(scope='module')
def done(tmp_path_factory): return finish_done(tmp_path_factory.mktemp('done')/'run')

@pytest.fixture
def x(done, tmp_path):
    shutil.copytree(done, tmp_path/'x'); return tmp_path/'x'

def swap_ce_for_la_loss(x):
    "ce.pt with LA-loss's weights and CE's valid `made` record; cRT (built on CE) not done yet, so a resume needs CE's network"
    ce, la = (torch.load(x/'checkpoints'/f'{n}.pt', weights_only=True) for n in ('ce', 'la-loss'))
    torch.save({**ce, 'model': la['model']}, x/'checkpoints'/'ce.pt')
    edit(x/'results.json', lambda d: d['methods'].pop('cRT'))

# 1. a folder of someone's files is refused, and left as it was
def test_out_holding_other_files_is_refused(tmp_path, monkeypatch, capsys):
    mine = tmp_path/'mine'; (mine/'sub').mkdir(parents=True)
    for n, t in [('report.html', 'my report'), ('results.json', '{"mine": 1}'), ('notes.txt', 'notes'), ('.x.tmp', 'a'), ('sub/.y.tmp', 'b')]: (mine/n).write_text(t)
    before = files(mine)
    code, err = cli(monkeypatch, capsys, '--out', mine, '--epochs', 1, '--methods', 'CE')
    assert code == 1 and f'{mine} holds files but no run of cbd-nb' in one_line(err) and 'choose another --out' in err.lower()
    assert files(mine) == before

def test_only_the_kits_half_written_files_are_removed(x):
    (x/'.results.json.abcd1234.tmp').write_text('half'); (x/'checkpoints'/'.ce.pt.abcd1234.tmp').write_bytes(b'half')
    (x/'.draft.tmp').write_text('mine'); (x/'notes').mkdir(); (x/'notes'/'.x.tmp').write_text('mine')
    Run(get_recipe('digits-lt', **TINY, methods=DONE), x, resume=True, progress=False).close()
    assert sorted(str(p.relative_to(x)) for p in x.rglob('*.tmp')) == ['.draft.tmp', 'notes/.x.tmp']

# 2. a finished run is never discarded
def test_finished_run_needs_resume_or_replace(x, monkeypatch, capsys):
    before = files(x)
    code, err = cli(monkeypatch, capsys, '--out', x, '--epochs', 1, '--n-teachers', 1, '--methods', 'CE', '--seed', 1)
    line = one_line(err)
    assert code == 1 and f'{x} holds a run' in line and '--resume' in line and '--replace' in line
    assert files(x) == before
    code, err = cli(monkeypatch, capsys, '--out', x, '--epochs', 1, '--n-teachers', 1, '--methods', 'CE', '--seed', 1, '--replace')
    aside = next(x.parent.glob('x.replaced-*'))
    assert code == 0 and f'moved the run that was in {x} to {aside}' in err
    assert files(aside) == before and json.loads((x/'results.json').read_text())['seed'] == 1

def test_resume_and_replace_together_are_refused(tmp_path):
    with pytest.raises(Exception, match='pass one of them, not both'): Run(get_recipe('digits-lt', **TINY), tmp_path, resume=True, replace=True)

# 3. a checkpoint is reused only when results.json vouches for it
def test_swapped_checkpoint_without_fingerprints_is_refused(x, monkeypatch, capsys):
    "An older kit's results.json (no `fingerprints`): the finished rows' `nets` still name CE's weights"
    swap_ce_for_la_loss(x); edit(x/'results.json', lambda d: d.pop('fingerprints'))
    code, err = resume(monkeypatch, capsys, x)
    assert code == 1 and 'ce.pt holds other weights than the ce that results.json describes' in one_line(err)

def test_unrecorded_checkpoint_is_trained_again(x, capsys):
    want = json.loads((x/'results.json').read_text())['fingerprints']['ce']
    swap_ce_for_la_loss(x)
    edit(x/'results.json', lambda d: (d.pop('fingerprints'), [m.pop('nets') for m in d['methods'].values()]))
    res = Run(get_recipe('digits-lt', **TINY, methods=DONE), x, resume=True, progress=False).all()
    assert "ce.pt has no fingerprint in results.json" in capsys.readouterr().err
    assert res['fingerprints']['ce'] == res['methods']['cRT']['nets']['ce'] == want    # trained again (the same network), not the swapped one

def test_copied_checkpoints_are_reused_and_said_so(done, tmp_path, capsys):
    "Checkpoints copied into a new folder (tutorial 04 builds a new row on the run's CE): no row was built on them here, so reuse is safe, and the run says it"
    mine = tmp_path/'mine'; shutil.copytree(done/'checkpoints', mine/'checkpoints')
    res = Run(get_recipe('digits-lt', **TINY, methods='CE,tau-norm'), mine, resume=True, progress=False).all()
    err = capsys.readouterr().err
    assert 'reusing' in err and 'ce.pt, which results.json does not record' in err
    assert res['fingerprints']['ce'] == json.loads((done/'results.json').read_text())['fingerprints']['ce']   # the copied network, not a new one

# 4. no link inside a run folder
@pytest.mark.parametrize('link', ['checkpoints', 'results.json', 'checkpoints/ce.pt', 'split.json'])
def test_link_in_run_folder_is_refused(x, tmp_path, monkeypatch, capsys, link):
    target = tmp_path/'elsewhere'
    shutil.move(x/link, target); (x/link).symlink_to(target)
    before = files(tmp_path)
    code, err = resume(monkeypatch, capsys, x)
    assert code == 1 and f'{x/link} is a symbolic link' in one_line(err)
    assert files(tmp_path) == before

# 6. text from the folder's files reaches the terminal without escapes
def test_escapes_from_folder_files_are_stripped(x, monkeypatch, capsys):
    "A stale lock's pid and start time are printed (it is taken over) without their escapes; method names from a file, in `cbd-nb compare`'s table: test_inputs.py"
    (x/'.lock').write_text(json.dumps({'pid': '\x1b[31m1', 'started': '\x1b[2J'}))
    monkeypatch.setattr(sys, 'argv', ['cbd-nb', 'run', *digits(['--out', x, '--epochs', 1, '--n-teachers', 1, '--methods', DONE, '--resume'])])
    main()
    err = capsys.readouterr().err
    assert 'plan: 0 network(s)' in err and 'took over' in err and '\x1b' not in err and '\x07' not in err

# 7. files too big or endless are not read, networks too big are not built
def test_results_json_that_is_a_pipe(x):
    (x/'results.json').unlink(); os.mkfifo(x/'results.json')
    r = subprocess.run([sys.executable, '-c', 'from cbd_nb.cli import main; main()', 'run', '--quiet',
                        *digits(['--out', x, '--epochs', 1, '--n-teachers', 1, '--methods', DONE, '--resume'])], capture_output=True, text=True, env=ENV, timeout=300)
    assert r.returncode == 1 and 'results.json is not a regular file' in one_line(r.stderr)

def test_checkpoint_config_is_checked_before_building(x, monkeypatch, capsys):
    p = x/'checkpoints'/'ce.pt'
    ck = torch.load(p, weights_only=True); torch.save({**ck, 'config': {**ck['config'], 'width': 400}}, p)   # 12 billion weights if built
    edit(x/'results.json', lambda d: d['methods'].pop('cRT'))
    code, err = resume(monkeypatch, capsys, x)
    assert code == 1 and 'ce.pt holds another network than the one expected (width: 400 there, 1 expected)' in one_line(err)

# 8. one open Run per folder, in this process too
def test_second_run_in_one_process_is_refused(tmp_path):
    first = Run(get_recipe('digits-lt', **TINY), tmp_path, progress=False, methods='CE')
    with pytest.raises(FolderBusy, match='already held by a run of this process'): Run(get_recipe('digits-lt', **TINY, seed=1), tmp_path, progress=False, methods='CE')
    first.close()
    Run(get_recipe('digits-lt', **TINY, seed=1), tmp_path, progress=False, methods='CE').close()

def test_trained_after_all_is_a_clear_error(tmp_path):
    run = Run(get_recipe('digits-lt', **TINY), tmp_path, progress=False, methods='CE'); run.all()
    assert run.trained('ce') is run.networks.nets['ce']                  # what it trained stays readable
    with pytest.raises(Exception, match=r'is closed .*Run\(\.\.\., resume=True\)'): run.trained('la-loss')

# 9. results are resumed only on the data that made them
@pytest.fixture(scope='module')
def seed1(tmp_path_factory):
    "A finished seed-1 run of CE whose results.json claims seed 0, with its fingerprints and checkpoints deleted"
    d = tmp_path_factory.mktemp('seed1')/'run'
    Run(get_recipe('digits-lt', **TINY, seed=1, methods='CE'), d, progress=False).all()
    edit(d/'results.json', lambda r: (r['recipe'].update(seed=0), r.update(seed=0), r.pop('fingerprints')))
    shutil.rmtree(d/'checkpoints')
    return d

@pytest.mark.parametrize('drop,says', [((), 'data checksum'), (('data',), 'split.json holds another split')])
def test_results_of_other_data_are_refused(seed1, tmp_path, monkeypatch, capsys, drop, says):
    x = shutil.copytree(seed1, tmp_path/'x')
    edit(x/'results.json', lambda r: [r.pop(k) for k in drop])
    code, err = cli(monkeypatch, capsys, '--out', x, '--epochs', 1, '--n-teachers', 1, '--methods', 'CE', '--resume')
    line = one_line(err)
    assert code == 1 and 'was made from other data than this run' in line and says in line and '--replace' in line

def test_results_of_an_older_kit_are_redone(seed1, tmp_path, capsys):
    "No data checksum, no split.json: the rows' `nets` name a CE that the data of seed 0 does not give, so the rows are redone"
    x = shutil.copytree(seed1, tmp_path/'x')
    edit(x/'results.json', lambda r: r.pop('data')); (x/'split.json').unlink()
    old = json.loads((x/'results.json').read_text())['methods']['CE']['nets']['ce']
    res = Run(get_recipe('digits-lt', **TINY, methods='CE'), x, resume=True, progress=False).all()
    assert 'evaluating CE again' in capsys.readouterr().err
    assert res['methods']['CE']['nets']['ce'] == res['fingerprints']['ce'] != old

# 10. finished_run says what is missing instead of training
def test_finished_run_with_missing_checkpoints(done, tmp_path):
    shutil.copytree(done, tmp_path/'runs'/'digits-lt')
    (tmp_path/'runs'/'digits-lt'/'checkpoints'/'la-loss.pt').unlink()
    with pytest.raises(FileNotFoundError, match='without the checkpoints of la-loss: restore them with `cbd-nb run --recipe digits-lt'):
        finished_run('digits-lt', runs=tmp_path/'runs', shipped='nowhere', **TINY, methods=DONE)

def test_read_only_run_does_not_train(done, tmp_path):
    x = shutil.copytree(done, tmp_path/'x'); (x/'checkpoints'/'ce.pt').unlink()
    run = Run(get_recipe('digits-lt', **TINY, methods=DONE), x, resume=True, readonly=True, progress=False)
    with pytest.raises(FileNotFoundError, match='this run only reads'): run.trained('ce')

# one line, never a traceback
@pytest.mark.parametrize('lock', ['[1, 2]', 'garbage', '{"pid": [1]}'])
def test_malformed_lock_is_taken_over(x, monkeypatch, capsys, lock):
    (x/'.lock').write_text(lock)
    code, err = resume(monkeypatch, capsys, x)
    assert code == 0 and 'Traceback' not in err, err

@pytest.mark.parametrize('damage', ['missing', 'extra', 'shape'])
def test_damaged_weights(x, monkeypatch, capsys, damage):
    p = x/'checkpoints'/'ce.pt'
    ck = torch.load(p, weights_only=True); sd = dict(ck['model']); k = next(iter(sd))
    if damage == 'missing': del sd[k]
    elif damage == 'extra': sd['extra.weight'] = torch.zeros(1)
    else: sd[k] = torch.zeros(2, 2)
    torch.save({**ck, 'model': sd}, p)
    edit(x/'results.json', lambda d: d['methods'].pop('cRT'))
    code, err = resume(monkeypatch, capsys, x)
    assert code == 1 and 'ce.pt: its weights do not fit the network its config describes' in one_line(err)

def test_pickle_opcode_the_safe_loader_lacks(x, monkeypatch, capsys):
    (x/'checkpoints'/'ce.pt').write_bytes(b'\x80\x02(d.')          # DICT: plain pickle, but not an opcode torch's weights-only loader knows
    code, err = resume(monkeypatch, capsys, x)
    line = one_line(err)
    assert code == 1 and 'ce.pt is not a valid checkpoint (UnpicklingError: Unsupported operand 100)' in line and 'weights_only' not in line

def test_cycle_in_made_uses(x, monkeypatch, capsys):
    fps = json.loads((x/'results.json').read_text())['fingerprints']
    for a, b in (('ce', 'la-loss'), ('la-loss', 'ce')):
        p = x/'checkpoints'/f'{a}.pt'; ck = torch.load(p, weights_only=True)
        torch.save({**ck, 'made': {**ck['made'], 'uses': {b: fps[b]}}}, p)
    edit(x/'results.json', lambda d: d['methods'].pop('cRT'))
    code, err = resume(monkeypatch, capsys, x)
    assert code == 1 and 'its record made.uses goes round in a circle (ce uses la-loss uses ce)' in one_line(err)

def test_file_size_limit(tmp_path):
    "ulimit -f: the first checkpoint is too large to write; one line, with the command that continues"
    def limit(): resource.setrlimit(resource.RLIMIT_FSIZE, (60_000, 60_000))
    r = subprocess.run([sys.executable, '-c', 'from cbd_nb.cli import main; main()', 'run', '--quiet', *digits(['--out', tmp_path/'x', '--epochs', 1, '--methods', 'CE'])],
                       capture_output=True, text=True, env=ENV, preexec_fn=limit)
    line = one_line(r.stderr)
    assert r.returncode == 1 and 'File too large' in line and 'ulimit -f' in line and line.endswith('--resume'), line

def test_sighup_ends_as_ctrl_c_does(tmp_path):
    x = tmp_path/'x'
    p = subprocess.Popen([sys.executable, '-c', 'from cbd_nb.cli import main; main()', 'run', '--quiet', *digits(['--out', x, '--epochs', 400, '--methods', 'CB-scratch'])],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    t0 = time.time()
    while not (x/'split.json').exists():     # the run's last write before CB-scratch's network starts training
        assert time.time() - t0 < 600 and p.poll() is None; time.sleep(.05)   # a hang guard only
    time.sleep(2)
    assert p.poll() is None, 'the run ended before it could be interrupted'
    p.send_signal(signal.SIGHUP); _, err = p.communicate(timeout=300)
    line, cmd = interrupted(err)   # the command on a line of its own
    assert p.returncode == 129 and line.startswith('cbd-nb run: interrupted in cb;') and cmd.startswith('cbd-nb run ') and cmd.endswith('--resume'), err

def test_out_that_is_a_file(tmp_path, monkeypatch, capsys):
    (tmp_path/'f').write_text('mine')
    code, err = cli(monkeypatch, capsys, '--out', tmp_path/'f', '--epochs', 1)
    assert code == 1 and f'--out {tmp_path/"f"} is a file, not a folder' in one_line(err) and (tmp_path/'f').read_text() == 'mine'

def test_absurd_epochs_are_warned_about(tmp_path, capsys):
    Run(get_recipe('digits-lt', epochs=20_000), tmp_path, progress=False, methods='CE').close()
    assert '--epochs 20000: every network trains 20000 epochs, which takes days' in capsys.readouterr().err
