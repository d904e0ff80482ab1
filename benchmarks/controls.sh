#!/usr/bin/env bash
# The controls of issue 22 on fmnist-lt-small, one seed at a time (fp32 on a CPU without bf16): each view trains only what it needs.
#   bash benchmarks/controls.sh [SEED [VIEW...]]     (default: seed 0, every view)
# Results are copied to nbs/benchmarks/results/controls/<folder>-s<SEED>.json; nbs/benchmarks/fmnist_lt_small.ipynb and tutorial 05 read them.
# Seed 0's cbd-s0.json was at first a copy of the fp32 nine-method run of nbs/12_bench.ipynb (results/fmnist-lt-small-nine-methods-s0.json), whose networks
# were not kept and whose CB-scratch an older kit trained (trained again, it came out different), so no compute-matched row could join it. Seed 0's cbd view
# was then run like the other seeds' and replaced it by hand; the linear CE of that file, seed 0's only one, was added to shared-s0.json by the ce0 view.
# --resume: a view that was stopped, or that gains a method, trains only what it lacks. Views that add methods to a folder reuse its networks;
# a resume may add methods to a folder but not drop them, so the cbd folder's views run in the order cbd, explain, matched.
# Seeds 1 to 4 ran LDAM-DRW@CBD in their shared folders (the shared view with it added to its methods), while those folders' networks were kept.
# matched-ens runs in a folder of its own (CB-scratch and CB-scratch@CBD-ENS: one network trained again, not the seven of the cbd folder, which a
# resume would retrain where its checkpoints are gone) and adds its new methods to the cbd file, only if CB-scratch's network is the very one that file records.
set -euo pipefail
cd "$(dirname "$0")/.."
seed=${1:-0}; shift || true
views=("$@"); [ ${#views[@]} -gt 0 ] || views=(shared head-cosine head-linear authors cbd matched matched-ens)   # seeds 5-9 ran: shared head-cosine cbd explain
out=runs/controls-s$seed; dest=nbs/benchmarks/results/controls; mkdir -p "$dest"
# keep SRC DEST: copy a view's results over its earlier file only if no method of that file goes missing (a file may hold rows its view does not run, as seed 0's cbd file once did)
keep() { python -c 'import json, sys, pathlib as p
ms = lambda f: set(json.loads(p.Path(f).read_text()).get("methods", {})) if p.Path(f).exists() else set()
if lost := ms(sys.argv[2]) - ms(sys.argv[1]): sys.exit(f"kept {sys.argv[2]}: the new results in {sys.argv[1]} lack {sorted(lost)}; add them to the --methods of this view or merge by hand")' "$1" "$2" && cp "$1" "$2"; }
# merge SRC DEST [METHOD...]: add to DEST the methods of SRC that it lacks (or only those named), only if both are of the same recipe and every network both record is the same (its fingerprint)
merge() { python -c 'import json, sys, pathlib as p
src, dst, only = p.Path(sys.argv[1]), p.Path(sys.argv[2]), sys.argv[3:]
if not dst.exists(): sys.exit(f"{dst} is missing: run the view that writes it first, then this one")
s, d = json.loads(src.read_text()), json.loads(dst.read_text())
from cbd_nb.recipes import with_added                        # settings a file predates, at the value they meant then
strip = lambda r: {k: v for k, v in with_added(r.get("recipe") or {}).items() if k != "methods"}
if strip(s) != strip(d): sys.exit(f"kept {dst}: {src} is a run of another recipe ({strip(s)} against {strip(d)})")
sf, df = s.get("fingerprints", {}), d.get("fingerprints", {})
if bad := sorted(n for n in set(sf) & set(df) if sf[n] != df[n]): sys.exit(f"kept {dst}: the networks {bad} of {src} are not the ones it records, so its methods would not be built on them")
if missing := sorted(set(only) - set(s.get("methods", {}))): sys.exit(f"kept {dst}: {src} has no {missing}")
new = [m for m in s.get("methods", {}) if m not in d.setdefault("methods", {}) and (m in only or not only)]
for m in new: d["methods"][m] = s["methods"][m]
used = {n for m in new for n in s["methods"][m].get("nets", {})}       # the networks of the added rows, with their fingerprints and seconds
for k in ("fingerprints", "seconds"): d[k] = {**{n: v for n, v in s.get(k, {}).items() if n in used}, **d.get(k, {})}
if "recipe" in d: d["recipe"]["methods"] = ",".join(d["methods"])
from cbd_nb.core import save_json; save_json(d, dst)                # atomically
print("added", new or "nothing", "to", dst)' "$@"; }
run() { local name=$1; shift; /usr/bin/time -f "$name: %e s wall" cbd-nb run --recipe fmnist-lt-small --seed "$seed" --quiet --resume --out "$out/$name" "$@"; }
go() { local name=$1; shift; run "$name" "$@"; keep "$out/$name/results.json" "$dest/$name-s$seed.json"; }
add() { local into=$1 name=$2; shift 2; run "$name" "$@"; merge "$out/$name/results.json" "$dest/$into-s$seed.json"; }   # into another view's file
for v in "${views[@]}"; do
  case "$v" in
    shared) go shared --methods CE,LA-loss,LDAM-DRW ;;              # as published: CE and LA-loss with a linear head, LDAM-DRW with a cosine one
    head-cosine) go head-cosine --head cosine --methods CE,LA-loss ;; # CE and LA-loss with a cosine head
    head-linear) go head-linear --head linear --methods CB-scratch,CBD ;; # CB-scratch, the teacher and CBD with a linear head
    authors) go authors --schedule authors --methods LDAM-DRW ;;     # LDAM-DRW with its paper's schedule
    authors-la) add authors authors-la --schedule authors --methods LA-loss ;;   # LA-loss with its paper's schedule (Menon et al.'s code), added to the authors file
    scale) go scale --ldam-s 20 --methods LDAM-DRW ;;               # LDAM-DRW at the scale of the kit's other cosine heads (20), against head-cosine's LA-loss
    cbd) go cbd --methods CB-scratch,CBD,CBD-ENS ;;                  # the CBD family as published: CB-scratch, one teacher + CBD, four teachers + CBD-ENS
    explain)                                                         # issue 34, seeds 5 on (seeds 0-4 kept no networks): the plain ensembles, the teacher's row, and on --resume
      go shared --methods CE,LA-loss,LDAM-DRW,ENS-LDAM-DRW@CBD,ENS-LDAM-DRW@CBD-ENS   # each older row's probe, test-time cost and feature shape (from its checkpoints)
      go cbd --methods CB-scratch,teacher,CBD,CBD-ENS,ENS-teachers ;;                 # (a new seed: runs the shared and cbd views with these rows)
    explain-shared) go shared --methods CE,LA-loss,LDAM-DRW,ENS-LDAM-DRW@CBD,ENS-LDAM-DRW@CBD-ENS ;;   # explain's two halves, to run side by side
    explain-cbd) go cbd --methods CB-scratch,teacher,CBD,CBD-ENS,ENS-teachers ;;
    matched)                                                         # single networks with CBD's 200 network-epochs: CB-scratch@CBD in the cbd folder (after cbd),
      go cbd --methods CB-scratch,teacher,CBD,CBD-ENS,ENS-teachers,CB-scratch@CBD   # LDAM-DRW@CBD in a folder of its own, added to the shared file over the very LDAM-DRW network it records
      add shared matched-ldam --methods LDAM-DRW,LDAM-DRW@CBD ;;     # (train it with that file's versions.threads, or the merge refuses)
    ce0) [ "$seed" = 0 ] || { echo "ce0 is a view of seed 0 only: it adds that seed's linear CE from the run its cbd file was at first" >&2; exit 2; }
      merge nbs/benchmarks/results/fmnist-lt-small-nine-methods-s0.json "$dest/shared-s0.json" CE ;;
    matched-ens) add cbd matched-ens --methods CB-scratch,CB-scratch@CBD-ENS ;;   # CB-scratch with CBD-ENS's 500 network-epochs, added to the cbd file (after cbd)
    *) echo "unknown view $v: choose from shared head-cosine head-linear authors authors-la scale cbd explain matched matched-ens ce0" >&2; exit 2 ;;
  esac
done
