"Shared by the data_scripts: write and report one long-tailed split file."
from pathlib import Path
from cbd_nb.data import make_split, split_path, class_counts
from cbd_nb.datasets import summary, load_lt

def write_split(name, labels, out, imb_factor, n_max, seed, profile, root=None, val_per_class=20):
    "Make a seeded split of `labels` (with its validation split), save it under `out`, check it reloads, and print what was done"
    s = make_split(name, labels, imb_factor, n_max, profile, seed, val_per_class=val_per_class)
    p = s.save(split_path(out, s))
    d = load_lt(name, root, split_file=p)
    if d.split != s or len(d.train) != len(s.indices): raise SystemExit(f"{p} did not reload to the same subset: the data under root changed while writing.")
    print(f"wrote {p}: {len(s.indices)} of {len(labels)} images ({s.procedure} procedure), counts {d.counts.tolist()[:5]}...{d.counts.tolist()[-2:]}, "
          f"validation {len(s.val_indices or [])} images ({len(s.val_overlap)} of them training images), label sha256 {s.labels_sha256[:12]}")
    print(summary(d))
    return p

def check_counts(what, labels, n_total, per_class=None):
    "Fail unless `labels` has `n_total` entries (and `per_class` of each class)"
    c = class_counts(labels)
    if len(labels) != n_total or (per_class and set(c.tolist()) != {per_class}):
        raise SystemExit(f"{what}: expected {n_total} images" + (f" ({per_class} per class)" if per_class else "") +
                         f", found {len(labels)} with counts {sorted(set(c.tolist()))[:5]}: the files are incomplete or not the official release.")
    print(f"{what}: {len(labels)} images, {len(c)} classes: ok")
