"""The main job and the finished runs the tutorials read (issue 11): `cbd-nb run` without --recipe runs fmnist-lt-intro where
Fashion-MNIST is found, else digits-lt and says why; `finished_run` prefers the CLI's complete run, falls back to the
shipped copy, and writes nothing into either."""
import json
from pathlib import Path
import pytest
import cbd_nb.datasets as data, cbd_nb.cli as cli
from cbd_nb.pipeline import Run
from cbd_nb.tutorials import finished_run
from cbd_nb.recipes import get_recipe, RECIPES

TINY = dict(epochs=1, methods='CE,NCM')

def test_default_recipe_is_the_quick_fashion_mnist_one(capsys):
    if data.fmnist_dir() is None: pytest.skip('Fashion-MNIST is not installed here')
    assert cli.main_recipe() == cli.MAIN_RECIPE == 'fmnist-lt-intro' and capsys.readouterr().err == ''
    r = RECIPES['fmnist-lt-intro']
    assert (r.dataset, r.imb_factor, r.n_max, r.size) == ('fashion-mnist', 100, 1000, 14)       # the fmnist-lt-small images at 14 x 14, a shorter schedule
    assert {'CE', 'CB-scratch', 'teacher', 'CBD'} <= set(r.methods.split(','))

def test_default_falls_back_to_digits_and_says_why(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(data, 'DEBIAN_FMNIST', tmp_path/'none'); monkeypatch.setenv('CBD_DATA', str(tmp_path))
    assert cli.main_recipe() == 'digits-lt'
    err = capsys.readouterr().err
    assert 'Fashion-MNIST not found' in err and 'dataset-fashion-mnist' in err and 'running digits-lt instead' in err

def listing(d:Path)->dict: return {str(p.relative_to(d)): p.stat().st_mtime_ns for p in sorted(d.rglob('*'))}

@pytest.fixture(scope='module')
def shipped(tmp_path_factory):
    "A folder holding a finished tiny digits-lt run, as the tutorials' shipped/ folder holds fmnist-lt-small"
    d = tmp_path_factory.mktemp('shipped')
    Run(get_recipe('digits-lt', **TINY), d/'digits-lt', progress=False).all()
    (d/'digits-lt'/'.lock').unlink(missing_ok=True)
    return d

def test_shipped_run_is_read_without_writing(shipped, tmp_path):
    before = listing(shipped)
    run = finished_run('digits-lt', runs=tmp_path/'runs', shipped=shipped, **TINY)
    assert run.out == shipped/'digits-lt' and set(run.results['methods']) == {'CE', 'NCM'}
    assert run.trained('ce') is not None and listing(shipped) == before          # loaded from its checkpoint; no lock, no report, nothing written
    assert not (tmp_path/'runs').exists()

def test_complete_cli_run_is_preferred_and_incomplete_one_is_not(shipped, tmp_path):
    Run(get_recipe('digits-lt', **TINY), tmp_path/'digits-lt', progress=False).all()
    assert finished_run('digits-lt', runs=tmp_path, shipped=shipped, **TINY).out == tmp_path/'digits-lt'
    res = json.loads((tmp_path/'digits-lt'/'results.json').read_text()); del res['methods']['NCM']
    (tmp_path/'digits-lt'/'results.json').write_text(json.dumps(res))
    assert finished_run('digits-lt', runs=tmp_path, shipped=shipped, **TINY).out == shipped/'digits-lt'
    with pytest.raises(FileNotFoundError, match=r'No complete run of digits-lt.*incomplete: .*cbd-nb run --recipe digits-lt'):
        finished_run('digits-lt', runs=tmp_path, shipped=tmp_path/'nothing', **TINY)

def test_main_job_trains_on_shrunk_images(tmp_path):
    "fmnist-lt-intro's size=14 shrinks every split (the other Fashion-MNIST recipes keep 28 x 28), and the subset is fmnist-lt-small's"
    if data.fmnist_dir() is None: pytest.skip('Fashion-MNIST is not installed here')
    small = Run(get_recipe('fmnist-lt-small', methods='CE'), tmp_path/'small', progress=False); small.close()
    run = Run(get_recipe('fmnist-lt-intro', methods='CE'), tmp_path/'intro', progress=False); run.close()
    assert [tuple(s.x.shape[-2:]) for s in (run.train, run.val, run.data.test)] == [(14, 14)] * 3
    assert tuple(small.train.x.shape[-2:]) == (28, 28) and run.train.y.tolist() == small.train.y.tolist() and len(run.train) == 2478
