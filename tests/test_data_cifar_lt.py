"""CIFAR-LT subsets are exactly those of Cao et al.'s `IMBALANCECIFAR10/100`.

The reference below is the authors' class, copied from kaidic/LDAM-DRW `imbalance_cifar.py` at commit
2536330f2afdaa65618323cb5a5850efccce762a (the file is unchanged since 6feb304), minus the `__main__` demo and the
class's download metadata. On a fake tree it runs through torchvision's own CIFAR loader (checksums bypassed, since the
fake files are not the official release); on the real profile it runs on labels alone, with `data` holding indices."""
import numpy as np, pytest, torch, torchvision
from torchvision.datasets import cifar
from cbd_nb.data import make_split, lt_counts
from cbd_nb.datasets import load_lt, read_cifar
from cbd_nb.test_utils import fake_cifar

# ---- kaidic/LDAM-DRW imbalance_cifar.py @ 2536330 (verbatim apart from line breaks) ----
class IMBALANCECIFAR10(torchvision.datasets.CIFAR10):
    cls_num = 10

    def __init__(self, root, imb_type='exp', imb_factor=0.01, rand_number=0, train=True,
                 transform=None, target_transform=None,
                 download=False):
        super(IMBALANCECIFAR10, self).__init__(root, train, transform, target_transform, download)
        np.random.seed(rand_number)
        img_num_list = self.get_img_num_per_cls(self.cls_num, imb_type, imb_factor)
        self.gen_imbalanced_data(img_num_list)

    def get_img_num_per_cls(self, cls_num, imb_type, imb_factor):
        img_max = len(self.data) / cls_num
        img_num_per_cls = []
        if imb_type == 'exp':
            for cls_idx in range(cls_num):
                num = img_max * (imb_factor**(cls_idx / (cls_num - 1.0)))
                img_num_per_cls.append(int(num))
        elif imb_type == 'step':
            for cls_idx in range(cls_num // 2):
                img_num_per_cls.append(int(img_max))
            for cls_idx in range(cls_num // 2):
                img_num_per_cls.append(int(img_max * imb_factor))
        else:
            img_num_per_cls.extend([int(img_max)] * cls_num)
        return img_num_per_cls

    def gen_imbalanced_data(self, img_num_per_cls):
        new_data = []
        new_targets = []
        targets_np = np.array(self.targets, dtype=np.int64)
        classes = np.unique(targets_np)
        # np.random.shuffle(classes)
        self.num_per_cls_dict = dict()
        for the_class, the_img_num in zip(classes, img_num_per_cls):
            self.num_per_cls_dict[the_class] = the_img_num
            idx = np.where(targets_np == the_class)[0]
            np.random.shuffle(idx)
            selec_idx = idx[:the_img_num]
            new_data.append(self.data[selec_idx, ...])
            new_targets.extend([the_class, ] * the_img_num)
        new_data = np.vstack(new_data)
        self.data = new_data
        self.targets = new_targets

    def get_cls_num_list(self):
        cls_num_list = []
        for i in range(self.cls_num):
            cls_num_list.append(self.num_per_cls_dict[i])
        return cls_num_list

class IMBALANCECIFAR100(IMBALANCECIFAR10):
    base_folder = 'cifar-100-python'
    train_list = [['train', '16019d7e3df5f24257cddd939b257f8d']]
    test_list = [['test', 'f0ef6b0ae62326f3e7ffdfab6717acfc']]
    meta = {'filename': 'meta', 'key': 'fine_label_names', 'md5': '7973b15100ade9c7d40fb424638fde48'}
    cls_num = 100
# ---- end of the authors' code ----

REF = {'cifar10': IMBALANCECIFAR10, 'cifar100': IMBALANCECIFAR100}

@pytest.fixture(autouse=True)
def keep_numpy_state():
    "The authors' code seeds NumPy's global generator; put it back afterwards"
    st = np.random.get_state(); yield; np.random.set_state(st)

def cao_indices(name, labels, imb, seed, profile='exp'):
    "Source indices the authors' class keeps, in its order, computed on labels alone (`data` holds each image's index)"
    ds = REF[name].__new__(REF[name])
    ds.data, ds.targets = np.arange(len(labels))[:, None], list(labels)
    np.random.seed(seed)
    ds.gen_imbalanced_data(ds.get_img_num_per_cls(ds.cls_num, profile, 1 / imb))
    return ds.data[:, 0]

@pytest.mark.parametrize('name,per_class,imb', [('cifar10', 60, 10), ('cifar10', 100, 100), ('cifar100', 12, 4)])
@pytest.mark.parametrize('seed', [0, 3])
def test_fake_tree_same_images_as_authors(tmp_path, monkeypatch, name, per_class, imb, seed):
    fake_cifar(tmp_path, name, per_class=per_class)
    monkeypatch.setattr(cifar, 'check_integrity', lambda *a, **k: True)   # fake files: skip the official checksums
    ref = REF[name](str(tmp_path), imb_factor=1 / imb, rand_number=seed)
    d = load_lt(name, root=tmp_path, imb_factor=imb, seed=seed)
    assert d.split.procedure == 'cao' and d.counts.tolist() == ref.get_cls_num_list()
    # the same images with the same labels: compare (image bytes -> label) maps, the authors' HWC against our CHW
    ours = {x.permute(1, 2, 0).numpy().tobytes(): int(y) for x, y in zip(d.train.x, d.train.y)}
    theirs = {x.tobytes(): int(y) for x, y in zip(ref.data, ref.targets)}
    assert len(ours) == len(d.train) and ours == theirs
    # and index for index into the source training set, in torchvision's file order
    assert d.split.indices == sorted(cao_indices(name, read_cifar(name, tmp_path)[0].labels.numpy(), imb, seed).tolist())

@pytest.mark.parametrize('name,C,imb,total', [('cifar10', 10, 100, 12_406), ('cifar10', 10, 50, 13_996), ('cifar100', 100, 100, 10_847)])
def test_published_sizes(name, C, imb, total):
    labels = torch.arange(C).repeat(50_000 // C)             # the real layout's class sizes: 5,000 or 500 per class
    s = make_split(name, labels, imb_factor=imb)
    assert (len(s.indices), s.n_max, s.procedure, s.seed) == (total, 50_000 // C, 'cao', 0)
    assert sum(lt_counts(50_000 // C, C, imb)) == total
    assert s.indices == sorted(cao_indices(name, labels.numpy(), imb, 0).tolist())

def test_step_profile_and_seed():
    labels = torch.arange(10).repeat(300)[torch.randperm(3000, generator=torch.Generator().manual_seed(0))]
    for seed in (0, 1):
        s = make_split('cifar10', labels, imb_factor=10, profile='step', seed=seed)
        assert s.indices == sorted(cao_indices('cifar10', labels.numpy(), 10, seed, 'step').tolist())
    assert make_split('cifar10', labels, 10, seed=0).indices != make_split('cifar10', labels, 10, seed=1).indices
    st = np.random.get_state()[1].copy()
    make_split('cifar10', labels, 10, seed=5)
    assert (np.random.get_state()[1] == st).all(), "make_split must not touch NumPy's global generator"
