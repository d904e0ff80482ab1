"Validation splits: balanced, seeded, drawn outside the long-tailed subset, recorded in the split file; official lists for image-list benchmarks."
import json, dataclasses
import pytest, torch
from cbd_nb.data import make_split, select_val, LTSplit, class_counts
from cbd_nb.datasets import load_lt, read_digits, summary
from cbd_nb.test_utils import fake_cifar, fake_image_list, fake_fashion_mnist

def test_digits_val_outside_subset_where_possible():
    d = load_lt('digits', imb_factor=10, seed=0)
    pool = class_counts(read_digits()[0].labels)
    spare = pool - d.counts
    val, kept = torch.tensor(d.split.val_indices), torch.tensor(d.split.indices)
    assert class_counts(d.val.labels, 10).tolist() == [20] * 10
    overlap = torch.tensor(d.split.val_overlap, dtype=torch.long)
    src_labels = read_digits()[0].labels
    # a class's validation images are training images only for the shortfall of spare images
    assert class_counts(src_labels[overlap], 10).tolist() == (20 - spare).clamp(min=0).tolist()
    assert torch.isin(overlap, kept).all() and torch.isin(overlap, val).all()
    assert summary(d)['val'] == 200 and summary(d)['val_overlap'] == len(overlap)
    assert load_lt('digits', imb_factor=10, n_max=128, seed=0).split.val_overlap == []

def test_val_is_seeded_and_reloads(tmp_path):
    a, b = load_lt('digits', imb_factor=10, seed=0), load_lt('digits', imb_factor=10, seed=1)
    assert a.split.val_indices == load_lt('digits', imb_factor=10, seed=0).split.val_indices
    assert a.split.val_indices != b.split.val_indices
    p = a.split.save(tmp_path/'s.json')
    assert json.loads(p.read_text())['val_indices'] == a.split.val_indices     # the split file says which images
    r = load_lt('digits', split_file=p, val_per_class=5)                        # the file wins over the argument
    assert r.split == a.split and torch.equal(r.val.x, a.val.x)

def test_old_split_file_gets_val_from_its_seed(tmp_path):
    d = load_lt('digits', imb_factor=10, seed=2, val_per_class=0)
    assert d.val is None and d.split.val_indices is None
    old = {k: v for k, v in dataclasses.asdict(d.split).items() if k not in ('procedure', 'val_per_class', 'val_indices')}
    (tmp_path/'old.json').write_text(json.dumps(old))
    r = load_lt('digits', split_file=tmp_path/'old.json')
    assert r.split.procedure == 'torch' and r.split.indices == d.split.indices
    assert r.split.val_indices == select_val(read_digits()[0].labels, d.split.indices, 20, 2).tolist()

def test_fashion_mnist_val_disjoint(tmp_path):
    fake_fashion_mnist(tmp_path, n_train=600, n_test=50)
    d = load_lt('fashion-mnist', root=tmp_path, n_max=30, imb_factor=10, seed=0, val_per_class=10)
    assert class_counts(d.val.labels, 10).tolist() == [10] * 10 and d.split.val_overlap == []
    assert not torch.isin(torch.tensor(d.split.val_indices), torch.tensor(d.split.indices)).any()

def test_cifar_val_from_remaining_images(tmp_path):
    fake_cifar(tmp_path, 'cifar10', per_class=100)
    d = load_lt('cifar10', root=tmp_path, imb_factor=10)
    assert class_counts(d.val.labels, 10).tolist() == [20] * 10
    spare = 100 - d.counts                                  # Cao's profile keeps every image of class 0
    assert spare[0] == 0 and (spare[1:] >= 20).all()
    src = load_lt('cifar10', root=tmp_path, imb_factor=1, val_per_class=0).train.labels   # IF 1 keeps every image: the source labels
    assert class_counts(src[torch.tensor(d.split.val_overlap, dtype=torch.long)], 10).tolist() == [20] + [0] * 9

@pytest.mark.parametrize('name,has_val', [('imagenet-lt', True), ('places-lt', True), ('inat18', False)])
def test_image_lists_use_official_val(tmp_path, name, has_val):
    f = fake_image_list(tmp_path, name, counts=[5, 2, 1], n_test=2, n_val=3)
    d = load_lt(name, root=tmp_path)
    assert d.counts[:3].tolist() == [5, 2, 1] and d.split is None
    if not has_val: assert d.val is None; return
    assert class_counts(d.val.labels)[:3].tolist() == [3, 3, 3]
    assert [p for p, _ in d.val.items] == [l.split()[0] for l in (f/f'{"ImageNet_LT" if name == "imagenet-lt" else "Places_LT"}_val.txt').read_text().split('\n') if l]
    assert d.val[0][0].size == (8, 8)
    next(f.glob('*_val.txt')).unlink()
    with pytest.raises(FileNotFoundError, match='_val.txt next to'): load_lt(name, root=tmp_path)

def test_val_per_class_zero_and_errors():
    labels = torch.arange(3).repeat_interleave(10)
    assert make_split('toy', labels, imb_factor=2, val_per_class=0).val_indices is None
    with pytest.raises(ValueError, match='use one of torch, cao'): make_split('toy', labels, procedure='np')

@pytest.mark.parametrize('part', ['val', 'test'])
def test_image_list_overlap_with_training_is_counted(tmp_path, part):
    "A validation or test list that repeats training entries (here a copied list, spelled differently) is counted, as a drawn split's is"
    f = fake_image_list(tmp_path, 'places-lt', counts=[5, 2, 1], n_test=2, n_val=3)
    train = (f/'Places_LT_train.txt').read_text().splitlines()
    (f/f'Places_LT_{part}.txt').write_text('\n'.join(['./' + train[0], *train[1:4], *(f/f'Places_LT_{part}.txt').read_text().splitlines()]) + '\n')
    s = summary(load_lt('places-lt', root=tmp_path))
    assert (s['val_overlap'], s['test_overlap']) == ((4, 0) if part == 'val' else (0, 4))
