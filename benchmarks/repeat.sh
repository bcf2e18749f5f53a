#!/usr/bin/env bash
# Repeats `paychan bench` and the whole-run timings of BENCHMARKS.md, each block headed by the
# time and the load average, so the quietest runs can be picked out on a shared machine.
# Usage: benchmarks/repeat.sh [ROUNDS] > log.txt   (after `cargo build --release`)
set -uo pipefail
cd "$(dirname "$0")/.."
bin=./target/release/paychan
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for _ in $(seq 1 "${1:-10}"); do
  echo "=== $(date +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
  "$bin" bench --commitments 20000 --repeat 3
  echo "--- $(date +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
  for t in 1 2; do
    /usr/bin/time -f "full-hour -j$t: %e s wall, %U s user, %M KB" "$bin" run scenarios/full-hour.toml --out "$out" -q --threads "$t"
  done
  /usr/bin/time -f "emma-fabian: %e s wall, %U s user, %M KB" "$bin" run scenarios/emma-fabian.toml --out "$out" -q
  /usr/bin/time -f "verify full-hour: %e s wall, %U s user, %M KB" "$bin" verify "$out/full-hour" > /dev/null
  sleep 15
done 2>&1
