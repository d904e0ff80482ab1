#!/usr/bin/env bash
# The controls of issue 22 on fmnist-lt-small, one seed at a time (fp32 on a CPU without bf16): each view trains only what it needs.
#   bash benchmarks/controls.sh [SEED [VIEW...]]     (default: seed 0, every view)
# Results are copied to nbs/benchmarks/results/controls/<folder>-s<SEED>.json; nbs/benchmarks/fmnist_lt_small.ipynb and tutorial 05 read them.
# Seed 0's cbd-s0.json is a copy of the fp32 nine-method run of nbs/12_bench.ipynb (results/fmnist-lt-small-nine-methods-s0.json): CE, CB-scratch, CBD, CBD-ENS and others;
# its networks are not kept, so seed 0's cbd and matched views train the CBD family again, and their results are not copied over that file (it has methods they lack).
# --resume: a view that was stopped, or that gains a method, trains only what it lacks. Views that add methods to a folder reuse its networks;
# a resume may add methods to a folder but not drop them, so the cbd folder's views run in the order cbd, matched, matched-ens.
set -euo pipefail
cd "$(dirname "$0")/.."
seed=${1:-0}; shift || true
views=("$@"); [ ${#views[@]} -gt 0 ] || views=(shared head-cosine head-linear authors cbd matched matched-ens)
out=runs/controls-s$seed; dest=nbs/benchmarks/results/controls; mkdir -p "$dest"
# keep SRC DEST: copy a view's results over its earlier file only if no method of that file goes missing (seed 0's cbd file holds more than its view runs)
keep() { python -c 'import json, sys, pathlib as p
ms = lambda f: set(json.loads(p.Path(f).read_text()).get("methods", {})) if p.Path(f).exists() else set()
if lost := ms(sys.argv[2]) - ms(sys.argv[1]): sys.exit(f"kept {sys.argv[2]}: the new results in {sys.argv[1]} lack {sorted(lost)}; add them to the --methods of this view or merge by hand")' "$1" "$2" && cp "$1" "$2"; }
go() { local name=$1; shift; /usr/bin/time -f "$name: %e s wall" cbd-nb run --recipe fmnist-lt-small --seed "$seed" --quiet --resume --out "$out/$name" "$@"; keep "$out/$name/results.json" "$dest/$name-s$seed.json"; }
for v in "${views[@]}"; do
  case "$v" in
    shared) go shared --methods CE,LA-loss,LDAM-DRW ;;              # as published: CE and LA-loss with a linear head, LDAM-DRW with a cosine one
    head-cosine) go head-cosine --head cosine --methods CE,LA-loss ;; # CE and LA-loss with a cosine head
    head-linear) go head-linear --head linear --methods CB-scratch,CBD ;; # CB-scratch, the teacher and CBD with a linear head
    authors) go authors --schedule authors --methods LDAM-DRW ;;     # LDAM-DRW with its paper's schedule
    cbd) go cbd --methods CB-scratch,CBD,CBD-ENS ;;                  # the CBD family as published: CB-scratch, one teacher + CBD, four teachers + CBD-ENS
    matched)                                                         # single networks with CBD's 200 network-epochs, added to the folders that hold their 100-epoch networks
      go cbd --methods CB-scratch,CBD,CBD-ENS,CB-scratch@CBD
      go shared --methods CE,LA-loss,LDAM-DRW,LDAM-DRW@CBD ;;
    matched-ens) go cbd --methods CB-scratch,CBD,CBD-ENS,CB-scratch@CBD,CB-scratch@CBD-ENS ;;   # CB-scratch with CBD-ENS's 500 network-epochs (after matched: a resume may add methods, not drop them)
    *) echo "unknown view $v: choose from shared head-cosine head-linear authors cbd matched matched-ens" >&2; exit 2 ;;
  esac
done
