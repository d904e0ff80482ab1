"`cbd-nb run` and `Run`: bad input gets a clear error, finished stages survive an interruption, and --resume skips them."
import json, os, subprocess, sys
from pathlib import Path
import pytest, torch
from cli_util import digits
from cbd_nb.pipeline import Run
from cbd_nb.networks import fingerprint
from cbd_nb.recipes import get_recipe
from cbd_nb.methods import Method, METHODS
from cbd_nb.checkpoint import save_model
from cbd_nb.models import create_model

TINY = dict(epochs=1, n_teachers=2)


def cli(*args):
    return subprocess.run([sys.executable, '-c', 'from cbd_nb.cli import main; main()', 'run', '--quiet', *digits(args)], capture_output=True, text=True)

def test_unknown_recipe():
    r = cli('--recipe', 'mnist-lt')
    assert r.returncode != 0 and "Unknown recipe 'mnist-lt'" in r.stderr and 'digits-lt' in r.stderr

@pytest.mark.skipif(os.geteuid() == 0, reason='root can write anywhere')
def test_unwritable_out_nonroot(tmp_path):
    ro = tmp_path/'ro'; ro.mkdir(); ro.chmod(0o500)
    r = cli('--out', ro/'x', '--epochs', 1)
    assert r.returncode != 0 and 'Cannot write to output folder' in r.stderr

def test_unwritable_out(tmp_path):
    f = tmp_path/'file'; f.write_text('not a folder')
    r = cli('--out', f/'sub', '--epochs', 1)
    assert r.returncode != 0 and 'Cannot write to output folder' in r.stderr and 'choose another --out' in r.stderr

def test_nan_loss(tmp_path):
    r = cli('--out', tmp_path, '--epochs', 1, '--lr', 1e12)
    assert r.returncode != 0 and 'loss is' in r.stderr and 'lower the learning rate' in r.stderr.lower(), r.stderr

def test_interrupted_run_resumes(tmp_path, monkeypatch):
    run = Run(get_recipe('digits-lt', **TINY), tmp_path, progress=False)
    def boom(*a, **k): raise KeyboardInterrupt
    with monkeypatch.context() as m:       # interrupt the run inside its second network
        m.setattr('cbd_nb.builds.train_balanced', boom)
        with pytest.raises(KeyboardInterrupt): run.all()
    done = json.loads((tmp_path/'results.json').read_text())['methods']
    names = list(METHODS)
    assert set(done) == set(names[:names.index('CB-scratch')]) and (tmp_path/'checkpoints'/'ce.pt').exists()   # every method before it
    assert not list(tmp_path.glob('**/*.tmp'))                      # no half-written file left behind
    ce_bytes = (tmp_path/'checkpoints'/'ce.pt').read_bytes()
    res = Run(get_recipe('digits-lt', **TINY), tmp_path, resume=True, progress=False).all()
    assert (tmp_path/'checkpoints'/'ce.pt').read_bytes() == ce_bytes  # the finished stage was reused, not retrained
    assert res['methods']['CE'] == done['CE'] and 'CBD-ENS' in res['methods']

def test_resume_refuses_other_recipe(tmp_path):
    run = Run(get_recipe('digits-lt', **TINY), tmp_path, progress=False)
    run.method(Method('NCM', lambda x: create_model('resnet8', 10, 1))); run.close()
    with pytest.raises(ValueError, match='another recipe'): Run(get_recipe('digits-lt', epochs=2, n_teachers=2), tmp_path, resume=True)

def test_teacher_checkpoint_of_other_architecture(tmp_path):
    run = Run(get_recipe('digits-lt', **TINY), tmp_path, progress=False)
    run.method(Method('NCM', lambda x: create_model('resnet8', 10, 1))); run.close()     # leaves a results.json of this recipe
    other = create_model('resnet20', 5, 1)
    save_model(other, tmp_path/'checkpoints'/'teacher-vanilla-s1.pt', made={**run.made('teacher-vanilla-s1'), 'uses': {}})
    res = json.loads((tmp_path/'results.json').read_text()); res['fingerprints'] = {'teacher-vanilla-s1': fingerprint(other)}   # results.json vouches for it
    (tmp_path/'results.json').write_text(json.dumps(res))
    run = Run(get_recipe('digits-lt', **TINY), tmp_path, resume=True, progress=False)
    with pytest.raises(ValueError, match=r"holds another network than the one expected \(arch: 'resnet20' there, 'resnet8' expected; n_classes: 5 there, 10 expected\)"):
        run.trained('teacher-vanilla-s1', lambda: None)

def test_checkpoint_without_record_is_refused(tmp_path):
    "A checkpoint that does not say what made it cannot be trusted on --resume"
    save_model(create_model('resnet8', 10, 1), tmp_path/'checkpoints'/'ce.pt'); (tmp_path/'.cbd-nb-run').write_text('{}')   # in a run folder
    with pytest.raises(ValueError, match='ce.pt does not record what made it'): Run(get_recipe('digits-lt', **TINY), tmp_path, resume=True, progress=False)

def test_corrupt_checkpoint(tmp_path):
    run = Run(get_recipe('digits-lt', **TINY), tmp_path, progress=False)
    run.method(Method('NCM', lambda x: create_model('resnet8', 10, 1))); run.close()     # free the folder for the CLI
    (tmp_path/'checkpoints').mkdir(exist_ok=True)
    (tmp_path/'checkpoints'/'ce.pt').write_bytes(b'\x80\x02garbage')
    r = cli('--out', tmp_path, '--epochs', 1, '--n-teachers', 2, '--resume')
    assert r.returncode != 0 and 'not a valid checkpoint' in r.stderr and 'ce.pt' in r.stderr

@pytest.mark.parametrize('recipe,data', [('imagenet-lt', 'imagenet-lt'), ('inat18-lt', 'inat18'), ('places-lt', 'places-lt')])
def test_image_list_recipe_end_to_end(tmp_path, recipe, data):
    "Each image-list recipe (lazily loaded images, DataLoader, torchvision transforms, official val list or none) on a tiny fake tree"
    from cbd_nb.test_utils import fake_image_list
    from cbd_nb.methods import select_methods
    methods = 'cRT,tau-norm,NCM,CBD-ENS'   # a classifier retrained through the backbone on val, two post-hoc rows, teachers and a student
    fake_image_list(tmp_path/'data', data, counts=[12, 6, 3], n_test=4, size=20)
    r = get_recipe(recipe, arch='resnet8', size=16, epochs=1, crt_epochs=1, n_teachers=2, bs=8)   # one cRT epoch: each epoch starts DataLoader workers
    res = Run(r, tmp_path/'out', root=tmp_path/'data', progress=False, methods=methods).all()
    assert set(res['methods']) == {m.name for m in select_methods(methods) if m.applies is None or m.applies(r)}
    assert res['counts'][:4] == [12, 6, 3, 0]                   # the whole training list is trained on
    assert (res['methods']['tau-norm']['tau'] == 1.) == (data == 'inat18')   # no val split: the authors' default τ
    assert (res['methods']['NCM']['ece'] is None) == (data == 'inat18')     # no val split: NCM is not calibrated
    assert (tmp_path/'out'/'report.html').exists() and (tmp_path/'out'/'checkpoints'/'cbd-ens.pt').exists()
