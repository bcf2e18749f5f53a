#!/bin/sh
# The audience benchmark of BENCHMARKS.md: ROUNDS rounds of (the bare operations, the
# 10,000-viewer day on 1 thread, then on 2), each with the load average and /usr/bin/time -v.
# Usage: benchmarks/audience.sh [ROUNDS] > log
set -eu
ROUNDS=${1:-2}
BIN=./target/release/paychan
OUT=${TMPDIR:-/tmp}/paychan-audience-bench
for r in $(seq 1 "$ROUNDS"); do
  echo "== round $r $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
  $BIN bench --commitments 20000 --repeat 3 | sed -n '2,3p;7,8p'
  for t in 1 2; do
    echo "-- threads $t $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
    /usr/bin/time -v $BIN run benchmarks/audience-10k.toml --out "$OUT" --threads "$t" 2>&1 \
      | grep -E 'channels|Elapsed|Maximum resident|User time|System time|Percent of CPU'
  done
done
rm -rf "$OUT"
