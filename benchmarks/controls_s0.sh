#!/usr/bin/env bash
# One seed of the controls of issue 22 on fmnist-lt-small (seed $1, default 0; fp32 on a CPU without bf16): each command trains only what its view needs.
#   bash benchmarks/controls_s0.sh [SEED]
# Results are copied to nbs/benchmarks/results/controls/; nbs/benchmarks/fmnist_lt_small.ipynb reads them.
set -euo pipefail
cd "$(dirname "$0")/.."
seed=${1:-0}; out=runs/controls-s$seed; dest=nbs/benchmarks/results/controls; mkdir -p "$dest"
go() { local name=$1; shift; /usr/bin/time -f "$name: %e s wall" cbd-nb run --recipe fmnist-lt-small --seed "$seed" --quiet --resume --out "$out/$name" "$@"; cp "$out/$name/results.json" "$dest/$name-s$seed.json"; }
go shared --methods LA-loss,LDAM-DRW                      # as published: LA-loss with a linear head, LDAM-DRW with a cosine one
go head-cosine --head cosine --methods CE,LA-loss        # CE and LA-loss with a cosine head
go matched --methods CB-scratch@CBD                      # CB-scratch's network given CBD's 200 network-epochs, its length chosen on val
go authors --schedule authors --methods LDAM-DRW         # LDAM-DRW with its paper's schedule
