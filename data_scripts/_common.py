"Shared by the data_scripts: write and report one long-tailed split file."
from pathlib import Path
from cbd_nb.data import make_split, split_path, class_counts, summary, load_lt

def write_split(name, labels, out, imb_factor, n_max, seed, profile, root=None):
    "Make a seeded split of `labels`, save it under `out`, check it reloads, and print what was done"
    s = make_split(name, labels, imb_factor, n_max, profile, seed)
    p = s.save(split_path(out, s))
    d = load_lt(name, root, split_file=p)
    assert d.split == s and len(d.train) == len(s.indices), "split file did not reload to the same subset"
    print(f"wrote {p}: {len(s.indices)} of {len(labels)} images, counts {d.counts.tolist()[:5]}...{d.counts.tolist()[-2:]}, "
          f"label sha256 {s.labels_sha256[:12]}")
    print(summary(d))
    return p

def check_counts(what, labels, n_total, per_class=None):
    "Fail unless `labels` has `n_total` entries (and `per_class` of each class)"
    c = class_counts(labels)
    if len(labels) != n_total or (per_class and set(c.tolist()) != {per_class}):
        raise SystemExit(f"{what}: expected {n_total} images" + (f" ({per_class} per class)" if per_class else "") +
                         f", found {len(labels)} with counts {sorted(set(c.tolist()))[:5]}: the files are incomplete or not the official release.")
    print(f"{what}: {len(labels)} images, {len(c)} classes: ok")
