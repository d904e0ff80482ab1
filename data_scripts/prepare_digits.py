#!/usr/bin/env python
"Write a long-tailed split file of scikit-learn's bundled digits (no download: the data ship with scikit-learn)."
import sys; sys.path.insert(0, str(__import__('pathlib').Path(__file__).parent))
from fastcore.script import call_parse
from cbd_nb.datasets import read_digits
from _common import write_split, check_counts

@call_parse
def main(out:str='splits', # folder for the split file
         imb_factor:float=10, # imbalance factor n_max/n_min
         n_max:int=None, # images in the largest class (default: the largest possible, 144)
         seed:int=0, # seed that picks the images
         profile:str='exp', # 'exp' or 'step'
         val_per_class:int=20 # balanced validation images per class, drawn outside the subset (0: none)
        ):
    "Check the bundled digits and write a long-tailed split file"
    train, test, _ = read_digits()
    check_counts('digits train pool', train.labels, 1497)
    check_counts('digits test', test.labels, 300, 30)
    write_split('digits', train.labels, out, imb_factor, n_max, seed, profile, val_per_class=val_per_class)
