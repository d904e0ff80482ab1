"The data_scripts run on small fake trees in the real on-disk formats, and refuse what is wrong."
import json, subprocess, sys
from pathlib import Path
import pytest
from cbd_nb.test_utils import fake_cifar, fake_image_list, fake_fashion_mnist
from cbd_nb.data import LTSplit, lt_counts
from cbd_nb.datasets import load_lt, IMAGE_LISTS

SCRIPTS = Path(__file__).parent.parent/'data_scripts'

def run(script, *args):
    return subprocess.run([sys.executable, str(SCRIPTS/script), *map(str, args)], capture_output=True, text=True)

@pytest.mark.parametrize('script', ['prepare_digits.py', 'prepare_fashion_mnist.py', 'prepare_cifar.py', 'prepare_image_lists.py'])
def test_help(script):
    r = run(script, '--help')
    assert r.returncode == 0 and '--' in r.stdout and 'usage' in r.stdout, r.stderr

def test_cifar_split_file(tmp_path):
    fake_cifar(tmp_path, 'cifar100', per_class=10)
    r = run('prepare_cifar.py', '--name', 'cifar100', '--root', tmp_path, '--out', tmp_path/'splits', '--imb-factor', 10)
    assert r.returncode != 0 and 'checksum mismatch' in r.stderr          # fake files are not the official release
    r = run('prepare_cifar.py', '--name', 'cifar100', '--root', tmp_path, '--out', tmp_path/'splits', '--imb-factor', 10, '--no-checksum')
    assert r.returncode == 0, r.stderr
    p, = (tmp_path/'splits').glob('cifar100_exp_if10_nmax10_seed0_cao.json')
    s = json.loads(p.read_text())
    assert len(s['indices']) == sum(lt_counts(10, 100, 10)) and 'wrote' in r.stdout and 'cao procedure' in r.stdout
    assert (s['procedure'], s['val_per_class'], len(s['val_indices'])) == ('cao', 20, 100 * 10)   # 10 per class exist: all of them
    d = load_lt('cifar100', root=tmp_path, split_file=p)
    assert d.counts.tolist() == lt_counts(10, 100, 10) and d.split.val_indices == s['val_indices']

def test_split_file_refuses_other_data(tmp_path):
    fake_cifar(tmp_path/'a', 'cifar10', per_class=10, seed=0)
    fake_cifar(tmp_path/'b', 'cifar10', per_class=10, seed=1)    # other labels order
    s = load_lt('cifar10', root=tmp_path/'a', imb_factor=5).split
    p = s.save(tmp_path/'s.json')
    assert load_lt('cifar10', root=tmp_path/'a', split_file=p).split == s
    with pytest.raises(ValueError, match='other cifar10 source data'): load_lt('cifar10', root=tmp_path/'b', split_file=p)
    with pytest.raises(ValueError, match="made for dataset 'cifar10'"): LTSplit.load(p, dataset='cifar100')

def test_fashion_mnist_copy_and_split(tmp_path):
    src = fake_fashion_mnist(tmp_path/'src', n_train=200, n_test=50)
    args = ('--src', src, '--root', tmp_path/'data', '--out', tmp_path/'splits', '--n-max', 20, '--imb-factor', 10)
    r = run('prepare_fashion_mnist.py', *args)
    assert r.returncode != 0 and 'checksum mismatch' in r.stderr
    r = run('prepare_fashion_mnist.py', *args, '--no-checksum')
    assert r.returncode == 0, r.stderr
    assert sorted(o.name for o in (tmp_path/'data'/'fashion-mnist').iterdir())[0] == 't10k-images-idx3-ubyte.gz'
    d = load_lt('fashion-mnist', root=tmp_path/'data', n_max=20, imb_factor=10)
    assert d.counts.tolist() == lt_counts(20, 10, 10) and d.train.x.shape[1:] == (1, 28, 28)

@pytest.mark.parametrize('name', ['imagenet-lt', 'inat18', 'places-lt'])
def test_image_lists(tmp_path, name):
    fake_image_list(tmp_path, name, counts=[5, 2, 1], n_test=2)
    r = run('prepare_image_lists.py', '--name', name, '--root', tmp_path)
    assert r.returncode != 0 and 'not the published' in r.stderr
    r = run('prepare_image_lists.py', '--name', name, '--root', tmp_path, '--no-sizes', '--check-images', -1)
    assert r.returncode == 0 and 'train: 8 images, 3 classes, per class 5..1' in r.stdout, r.stdout + r.stderr
    assert ('val: 6 images, 3 classes' in r.stdout) == (name != 'inat18') and ('no validation list' in r.stdout) == (name == 'inat18')
    assert 'entries also in the training list: 0 of the validation list, 0 of the test list' in r.stdout
    lst = tmp_path/name/IMAGE_LISTS[name]['test']
    lst.write_text(lst.read_text() + 'test/n00000/0.jpg -1\n')
    r = run('prepare_image_lists.py', '--name', name, '--root', tmp_path, '--no-sizes', '--check-images', -1)
    assert r.returncode != 0 and r.stderr.strip() == f'{lst}, line 7: the label -1 is outside the classes 0..{IMAGE_LISTS[name]["n_classes"] - 1}: fix the line, or replace the list with the benchmark\'s own.', r.stderr
    lst.write_text(''.join(lst.read_text().splitlines(keepends=True)[:-1]))
    next((tmp_path/name/'train').rglob('*.jpg')).unlink()
    r = run('prepare_image_lists.py', '--name', name, '--root', tmp_path, '--no-sizes', '--check-images', -1)
    assert r.returncode != 0 and 'missing' in r.stderr

def test_missing_data_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match='download=True'): load_lt('cifar10', root=tmp_path)
    with pytest.raises(FileNotFoundError, match='cannot be downloaded'): load_lt('imagenet-lt', root=tmp_path)
