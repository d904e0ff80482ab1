#!/usr/bin/env python
"Check an image-list benchmark (ImageNet-LT, iNaturalist 2018, Places-LT): split lists (train, official val where there is one, test), counts, images on disk, list checksums."
import sys
from fastcore.script import call_parse, store_true
from cbd_nb.data import class_counts
from cbd_nb.datasets import read_image_list, read_val_list, file_md5, data_root, load_lt, IMAGE_LISTS

SIZES = {'imagenet-lt': dict(train=115_846, val=20_000, test=50_000), 'inat18': dict(train=437_513, test=24_426),
         'places-lt': dict(train=62_500, val=7_300, test=36_500)}

def check(name, root, check_images, no_sizes):
    "The checks of `main`, which prints them; a `ValueError` names the first bad line, label or image"
    train, test, classes = read_image_list(name, root)
    val = read_val_list(name, root)
    if val is None: print(f"val: {name} has no validation list (its official val set is the test set): methods keep their authors' default settings")
    for split, ds in (('train', train), ('val', val), ('test', test)):
        if ds is None: continue
        c = class_counts(ds.labels, len(classes))
        ok = no_sizes or len(ds) == SIZES[name][split]
        print(f"{split}: {len(ds)} images, {int((c > 0).sum())} classes, per class {int(c.max())}..{int(c[c > 0].min())}, "
              f"list md5 {file_md5(ds.root/IMAGE_LISTS[name][split])}" + ('' if ok else f"  EXPECTED {SIZES[name][split]}"))
        if not ok: raise SystemExit(f"{name} {split} list has {len(ds)} images, not the published {SIZES[name][split]}: wrong or partial list file.")
        n = len(ds) if check_images < 0 else min(check_images, len(ds))
        step = max(len(ds) // max(n, 1), 1)
        missing = [ds.items[i][0] for i in range(0, len(ds), step)[:n] if not (ds.root/ds.items[i][0]).exists()]
        if missing: raise SystemExit(f"{len(missing)} of {n} checked {split} images are missing under {ds.root}, e.g. {missing[0]}.")
        for i in range(0, len(ds), step)[:n]: ds[i]
        print(f"  {n} images checked: ok")
    d = load_lt(name, root)
    print(f"entries also in the training list: {d.overlap('val')} of the validation list, {d.overlap('test')} of the test list")

@call_parse
def main(name:str='imagenet-lt', # 'imagenet-lt', 'inat18' or 'places-lt'
         root:str=None, # folder holding NAME/ (or the lists directly); default $CBD_DATA or ~/.cache/cbd_nb
         check_images:int=100, # open this many images of each split to check they exist and decode (0: none, -1: all)
         no_sizes:store_true=False # do not require the published split sizes (e.g. for a test tree)
        ):
    "Check the split lists and images of an image-list benchmark and print their sizes and checksums"
    if name not in IMAGE_LISTS: raise SystemExit(f"--name {name}: use one of {', '.join(IMAGE_LISTS)}.")
    try: check(name, root, check_images, no_sizes)
    except ValueError as e: raise SystemExit(str(e)) from None     # a bad line, label or image: one line naming it
