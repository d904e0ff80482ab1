"`cbd-nb` ends a user's or the environment's mistake with one line naming the option, the value and the fix; no traceback (issue 9, items 4-5)."
import errno, json, os, sys
from pathlib import Path
import pytest, torch
import cbd_nb.core
from cbd_nb.cli import main, run
from cbd_nb.core import UserError
from cbd_nb.recipes import Recipe
import dataclasses

def cbd_nb_cmd(monkeypatch, capsys, *args):
    "Run `cbd-nb ARGS` in this process: (exit code, stderr)"
    monkeypatch.setattr(sys, 'argv', ['cbd-nb', *map(str, args)])
    with pytest.raises(SystemExit) as e: main()
    return e.value.code, capsys.readouterr().err

@pytest.mark.parametrize('opt,value,valid', [
    ('--alpha', 2, 'a number in [0, 1]'), ('--beta', -1, 'a finite number >= 0'), ('--n-teachers', 0, 'an integer >= 1'),
    ('--epochs', 0, 'an integer >= 1'), ('--epochs', -3, 'an integer >= 1'), ('--bs', 0, 'an integer >= 1'), ('--bs', -8, 'an integer >= 1'),
    ('--lr', -1, 'a finite number > 0'), ('--imb-factor', 'nan', 'a finite number >= 1'), ('--val-per-class', 0, 'an integer >= 1'),
    ('--seed', 2**40, 'an integer in [0, 2147483647]'), ('--seed', -1, 'an integer in [0, 2147483647]')])
def test_bad_option_refused_before_anything(monkeypatch, capsys, tmp_path, opt, value, valid):
    "Before: --alpha 2 failed after six networks; --epochs 0 exited 0 with untrained networks; --bs 0 gave a traceback"
    code, err = cbd_nb_cmd(monkeypatch, capsys, 'run', '--out', tmp_path/'x', opt, value, '--quiet')
    assert code == 1 and err.startswith(f'cbd-nb run: {opt} ') and f'it must be {valid}' in err and 'Traceback' not in err, err
    assert not (tmp_path/'x').exists()                     # nothing trained, nothing written

def test_every_recipe_field_is_an_option():
    from cbd_nb.cli import parser
    opts = {a.dest: a for a in parser('run')._actions}
    fields = [f for f in dataclasses.fields(Recipe) if f.name not in ('name', 'dataset')]
    assert {f.name for f in fields} <= set(opts)
    assert all(opts[f.name].help == f.metadata['help'] for f in fields)          # the help is the setting's own, written once

@pytest.mark.parametrize('device,says', [('nonsense', 'use cpu, cuda or cuda:N'), ('cuda:99', 'GPU')])
def test_bad_device(monkeypatch, capsys, tmp_path, device, says):
    code, err = cbd_nb_cmd(monkeypatch, capsys, 'run', '--out', tmp_path, '--device', device)
    assert code == 1 and says in err and 'Traceback' not in err, err

@pytest.mark.skipif(torch.cuda.is_available(), reason='this machine has a GPU')
def test_cuda_without_gpu(monkeypatch, capsys, tmp_path):
    code, err = cbd_nb_cmd(monkeypatch, capsys, 'run', '--out', tmp_path, '--device', 'cuda')
    assert code == 1 and 'sees no CUDA GPU' in err and 'use cpu' in err, err

def test_results_json_not_an_object(monkeypatch, capsys, tmp_path):
    "Before: an AttributeError traceback"
    (tmp_path/'results.json').write_text('[1, 2]')
    code, err = cbd_nb_cmd(monkeypatch, capsys, 'run', '--out', tmp_path, '--epochs', 1, '--resume')
    assert code == 1 and 'is not a cbd_nb results file' in err and 'JSON list' in err, err

def test_full_disk(monkeypatch, capsys, tmp_path):
    "A write that fails for lack of space names the file and the --resume command"
    replace = os.replace
    def full(src, dst):
        if str(dst).endswith("ce.pt"): raise OSError(errno.ENOSPC, 'No space left on device')
        return replace(src, dst)
    monkeypatch.setattr(cbd_nb.core.os, 'replace', full)
    code, err = cbd_nb_cmd(monkeypatch, capsys, 'run', '--recipe', 'digits-lt', '--out', tmp_path, '--epochs', 1, '--methods', 'CE', '--quiet')
    assert code == 1 and f"could not write {tmp_path/'checkpoints'/'ce.pt'}: No space left on device" in err, err
    assert err.strip().endswith(f"continue with: cbd-nb run --recipe digits-lt --out {tmp_path} --methods CE --epochs 1 --quiet --resume")
    assert not list(tmp_path.glob('**/*.tmp'))

def test_folder_taken(monkeypatch, capsys, tmp_path):
    import subprocess
    p = subprocess.Popen([sys.executable, '-c', f"from cbd_nb.core import FolderLock; import time; FolderLock({str(tmp_path)!r}).acquire(); print(1, flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    p.stdout.readline()
    try: code, err = cbd_nb_cmd(monkeypatch, capsys, 'run', '--out', tmp_path, '--epochs', 1)
    finally: p.kill(); p.wait()
    assert code == 1 and f'PID {p.pid}' in err, err

@pytest.mark.parametrize('args,says', [(['--datasets', 'foo'], "Unknown dataset 'foo'"), (['--datasets', 'digits', '--imb-factor', 'nan'], '--imb-factor nan is invalid'),
                                       (['--datasets', 'digits', '--n-max', '-5'], '--n-max -5 is invalid')])
def test_data_bad_arguments(monkeypatch, capsys, args, says):
    "Before: --imb-factor nan gave 'cannot convert float NaN to integer'"
    code, err = cbd_nb_cmd(monkeypatch, capsys, 'data', *args)
    assert code == 1 and says in err and 'Traceback' not in err, err

def test_cifar_missing_offers_the_cli_way(monkeypatch, capsys, tmp_path):
    "Before: the message told a CLI user to pass download=True"
    code, err = cbd_nb_cmd(monkeypatch, capsys, 'run', '--recipe', 'cifar10-lt', '--root', tmp_path, '--out', tmp_path/'out')
    assert code == 1 and 'download=True' not in err and 'prepare_cifar.py' in err, err

def test_traceback_on_request(monkeypatch, tmp_path):
    monkeypatch.setenv('CBD_TRACEBACK', '1')
    monkeypatch.setattr(sys, 'argv', ['cbd-nb', 'run', '--out', str(tmp_path), '--device', 'nonsense'])
    with pytest.raises(UserError, match='Unknown device'): main()

def test_bugs_keep_their_traceback(monkeypatch, tmp_path):
    "An error that is not the user's propagates (here a TypeError from inside the run)"
    def bug(*a, **k): raise TypeError('a bug')
    monkeypatch.setattr('cbd_nb.cli.Run', bug)
    monkeypatch.setattr(sys, 'argv', ['cbd-nb', 'run', '--out', str(tmp_path)])
    with pytest.raises(TypeError, match='a bug'): main()
