#!/usr/bin/env bash
# The whole GPU check of issue 10, in under 10 minutes on one H100:
#   1. cbd-nb bench on CUDA (eager, compiled model, whole step as one CUDA graph; the fmnist-lt network)
#   2. one timed `cbd-nb run --recipe fmnist-lt` on CUDA with --compile $COMPILE (default true: the whole step as one CUDA graph)
#   3. the CUDA tests (pytest -m cuda)
#
# Run from the repository root of a copy of cbd_nb, on a machine with a GPU and torch installed:
#   OUT=/tmp/out CBD_DATA=/path/to/fashion-mnist [WHEELS=/path/to/wheels] bash benchmarks/gpu_check.sh
# OUT      folder for what comes back (8 files, flat): summary.txt, env.txt, bench-*.json, bench.log, run.log, results.json, tests.log
# CBD_DATA folder holding the four Fashion-MNIST idx files (read by cbd_nb.datasets.fmnist_dir)
# COMPILE  optional --compile of the timed run (default true)
# WHEELS   optional folder of wheels for missing packages, installed with pip --no-index (no internet needed)
# No installed console script is needed: the code is imported from this folder through PYTHONPATH.
set -uo pipefail
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
: "${OUT:?set OUT to the folder for logs and JSON}"
: "${CBD_DATA:?set CBD_DATA to the folder with the Fashion-MNIST idx files}"
export CBD_DATA
PY=${PYTHON:-python3}
RUN=${RUN_DIR:-/tmp/cbd-gpu-run}
mkdir -p "$OUT"
S="$OUT/summary.txt"; : > "$S"
say() { echo "$*" | tee -a "$S"; }
CBD=("$PY" -c 'import sys; from cbd_nb.cli import main; sys.argv[0] = "cbd-nb"; main()')   # `cbd-nb`, runnable under timeout
step() {   # step NAME SECONDS LOG CMD...: run CMD under a time limit, log it, record status and wall time
  local name=$1 limit=$2 log=$3; shift 3
  local t0=$SECONDS
  timeout --kill-after=10 "$limit" "$@" >> "$log" 2>&1
  local rc=$?
  say "$name: rc=$rc, $((SECONDS - t0)) s (limit $limit s)$([ $rc = 124 ] && echo ', TIMED OUT')"
  return 0
}

say "gpu_check.sh started $(date -u +%FT%TZ) in $PWD"
if [ -n "${WHEELS:-}" ]; then   # into a private folder: the system Python stays as it is
  SITE=${SITE_DIR:-/tmp/cbd-site}
  step "install wheels into $SITE" 60 "$OUT/env.txt" "$PY" -m pip install --no-index --no-deps --target "$SITE" "$WHEELS"/*.whl
  export PYTHONPATH="$PYTHONPATH:$SITE"
fi
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv; "$PY" -c 'import torch, platform; print("python", platform.python_version(), "torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name())'
  "$PY" -c 'from cbd_nb.datasets import fmnist_dir; print("fashion-mnist at", fmnist_dir())'; } >> "$OUT/env.txt" 2>&1

# Limits add up to 590 s (plus 60 s for wheels), so one hang cannot eat a session's 15 device minutes;
# the measurements first, then the tests.
# 1. bench: eager vs compiled (CUDA graphs), the fmnist-lt network (ResNet-20) and batch size
step "bench fmnist-lt (resnet20)" 130 "$OUT/bench.log" "$PY" -m cbd_nb.bench --recipe fmnist-lt --device cuda --compile yes --steps 50 --rounds 5 --out "$OUT/bench-fmnist-lt.json"

# 2. one fmnist-lt comparison on CUDA, each step one CUDA graph, timed (target: <= 2 minutes on one H100), with the nine methods
#    the target was set for (METHODS=all runs the whole table)
rm -rf "$RUN"
M=${METHODS:-CE,cRT,LWS,tau-norm,NCM,CB-scratch,teacher,CBD,CBD-ENS}
C=${COMPILE:-true}   # --compile of the run: true (the whole step as one CUDA graph), graph+model, model or false
step "cbd-nb run --recipe fmnist-lt --device cuda --compile $C --methods $M" 380 "$OUT/run.log" \
  "${CBD[@]}" run --recipe fmnist-lt --device cuda --out "$RUN" --compile "$C" $([ "$M" = all ] || echo --methods "$M")
cp "$RUN/results.json" "$OUT/results.json" 2>/dev/null || say "no results.json (see run.log)"
# 3. the CUDA tests (bf16 autocast, LOCAL_RANK device choice, NCCL under torchrun, compiled step, bench)
step "pytest -m cuda" 80 "$OUT/tests.log" "$PY" -m pytest -q -m cuda tests/test_cuda.py -rs

say "gpu_check.sh finished $(date -u +%FT%TZ), $SECONDS s in all"
