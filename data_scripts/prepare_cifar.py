#!/usr/bin/env python
"Check (or download) CIFAR-10/100 in torchvision's format, verify checksums and counts, and write the long-tailed split file of Cao et al.'s IMBALANCECIFAR10/100 (with a balanced validation split)."
import sys; sys.path.insert(0, str(__import__('pathlib').Path(__file__).parent))
from fastcore.script import call_parse, store_true
from cbd_nb.datasets import read_cifar, cifar_dir, check_md5
from _common import write_split, check_counts

@call_parse
def main(name:str='cifar10', # 'cifar10' or 'cifar100'
         root:str=None, # data folder (default: $CBD_DATA or ~/.cache/cbd_nb)
         download:store_true=False, # download with torchvision if missing
         no_checksum:store_true=False, # accept files that are not the official release (e.g. test trees)
         out:str='splits', # folder for the split file
         imb_factor:float=100, # imbalance factor n_max/n_min (100, 50 or 10 in the literature)
         n_max:int=None, # images in the largest class (default: 5000 for CIFAR-10, 500 for CIFAR-100)
         seed:int=0, # Cao et al.'s rand_number: 0 gives the subsets of their published tables
         profile:str='exp', # 'exp' or 'step'
         val_per_class:int=20 # balanced validation images per class, drawn outside the subset (0: none)
        ):
    "Prepare CIFAR-10 or CIFAR-100 and write a long-tailed split file"
    if name not in ('cifar10', 'cifar100'): raise SystemExit(f"--name {name}: use cifar10 or cifar100.")
    train, test, classes = read_cifar(name, root, download)
    import torchvision
    tv = torchvision.datasets.CIFAR10 if name == 'cifar10' else torchvision.datasets.CIFAR100
    f = cifar_dir(name, root)
    bad = check_md5({f/fn: m for fn, m in tv.train_list + tv.test_list})
    if bad and not no_checksum: raise SystemExit(f"checksum mismatch for {bad}: not the official release (pass --no-checksum to use them anyway).")
    print(f"{f}: checksums {'ok' if not bad else 'MISMATCH (accepted with --no-checksum)'}")
    if not no_checksum:
        check_counts(f'{name} train', train.labels, 50_000, 50_000 // len(classes))
        check_counts(f'{name} test', test.labels, 10_000, 10_000 // len(classes))
    write_split(name, train.labels, out, imb_factor, n_max, seed, profile, root=root, val_per_class=val_per_class)
