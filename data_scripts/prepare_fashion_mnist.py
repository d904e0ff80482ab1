#!/usr/bin/env python
"Find or fetch Fashion-MNIST, copy it under the data folder, check its checksums and counts, and write a long-tailed split file."
import shutil, sys; sys.path.insert(0, str(__import__('pathlib').Path(__file__).parent))
from pathlib import Path
from fastcore.script import call_parse, store_true
from cbd_nb.datasets import read_fashion_mnist, fmnist_dir, data_root, FMNIST_FILES, check_md5, find_idx
from _common import write_split, check_counts

@call_parse
def main(root:str=None, # data folder (default: $CBD_DATA or ~/.cache/cbd_nb); the files go to ROOT/fashion-mnist
         src:str=None, # folder with the four idx files to copy (default: wherever they are found, e.g. Debian's package)
         download:store_true=False, # download with torchvision if no copy is found
         no_checksum:store_true=False, # accept files whose checksums differ from the official release
         out:str='splits', # folder for the split file
         imb_factor:float=100, # imbalance factor n_max/n_min
         n_max:int=1000, # images in the largest class (6000 for the full fmnist-lt)
         seed:int=0, # seed that picks the images
         profile:str='exp', # 'exp' or 'step'
         val_per_class:int=20 # balanced validation images per class, drawn outside the subset (0: none)
        ):
    "Prepare Fashion-MNIST under the data folder and write a long-tailed split file"
    dest = data_root(root)/'fashion-mnist'
    found = Path(src) if src else fmnist_dir(root)
    if found is None:
        if not download: raise SystemExit("Fashion-MNIST not found: `apt-get install dataset-fashion-mnist`, pass --src FOLDER, or --download.")
        read_fashion_mnist(root, download=True); found = fmnist_dir(root)
    files = {s: find_idx(found, s) for s in FMNIST_FILES}
    if None in files.values(): raise SystemExit(f"{found} lacks some of {list(FMNIST_FILES)}.")
    bad = check_md5({files[s]: m for s, m in FMNIST_FILES.items()}, gunzip=True)
    if bad and not no_checksum: raise SystemExit(f"checksum mismatch for {bad}: not the official release (pass --no-checksum to use them anyway).")
    print(f"checksums: {'ok' if not bad else 'MISMATCH (accepted with --no-checksum): ' + ', '.join(bad)}")
    if found.resolve() != dest.resolve():
        dest.mkdir(parents=True, exist_ok=True)
        for p in files.values(): shutil.copy2(p, dest/p.name)
        print(f"copied {len(files)} files from {found} to {dest}")
    train, test, _ = read_fashion_mnist(dest.parent)
    if not no_checksum:
        check_counts('fashion-mnist train', train.labels, 60_000, 6000)
        check_counts('fashion-mnist test', test.labels, 10_000, 1000)
    write_split('fashion-mnist', train.labels, out, imb_factor, n_max, seed, profile, root=dest.parent, val_per_class=val_per_class)
