#!/usr/bin/env bash
# Wall time of the whole `paychan run` (every output file) against the bare four secp256k1
# operations, as whole processes, best of ROUNDS interleaved rounds: in each round, for 1,800 and
# 21,600 commitments (benchmarks/book-*.toml), `paychan bench --raw-only`, the run on 1 thread and
# the run on 2 threads, one after the other, so a busy moment hurts all three alike. Each round is
# headed by the load average; each time is followed by the cores the process had (its CPU time,
# user + system, over its wall time: less than 1, or than 2 on two threads, means other work took
# turns on the machine). Prints the best times, the ratio whole/raw on one thread and the whole
# command's speed-up from 1 to 2 threads.
# Usage: benchmarks/wall.sh [ROUNDS]   (after `cargo build --release`)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-./target/release/paychan}
# The bare operations from another binary (one with `bench --raw-only`) when BIN has none.
raw_bin=${RAW_BIN:-$bin}
rounds=${1:-10}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
secs() { # command...: its wall time in seconds, then "/" and the cores it had
  local t0 t1
  t0=$(date +%s%N)
  /usr/bin/time -f "%U %S" -o "$work/cpu" "$@" >/dev/null
  t1=$(date +%s%N)
  awk -v ns="$((t1 - t0))" '{ w = ns / 1e9; printf "%.4f/%.2f", w, ($1 + $2) / w }' "$work/cpu"
}
show() { echo "${1%/*} s (${1#*/} cores)"; }
declare -A best
keep() { # key time/cores: keeps the fastest
  if [[ -z ${best[$1]:-} ]] || awk -v a="${2%/*}" -v b="${best[$1]%/*}" 'BEGIN { exit !(a < b) }'; then best[$1]=$2; fi
}
for r in $(seq 1 "$rounds"); do
  line="round $r $(date +%T) load $(cut -d' ' -f1-3 /proc/loadavg):"
  for n in 1800 21600; do
    raw=$(secs "$raw_bin" bench --commitments "$n" --raw-only)
    one=$(secs "$bin" run "benchmarks/book-$n.toml" --out "$work/out" -q --threads 1)
    two=$(secs "$bin" run "benchmarks/book-$n.toml" --out "$work/out" -q --threads 2)
    keep "raw$n" "$raw"; keep "one$n" "$one"; keep "two$n" "$two"
    line+=" $n: raw $(show "$raw"), run -j1 $(show "$one"), run -j2 $(show "$two");"
  done
  echo "$line"
done
echo "best of $rounds:"
for n in 1800 21600; do
  awk -v n="$n" -v r="${best[raw$n]}" -v a="${best[one$n]}" -v b="${best[two$n]}" 'BEGIN {
    split(r, R, "/"); split(a, A, "/"); split(b, B, "/")
    printf "  %5d commitments: raw %.4f s (%.2f cores), whole run 1 thread %.4f s (%.2f cores, ratio %.3f), 2 threads %.4f s (%.2f cores, speed-up %.2fx)\n",
      n, R[1], R[2], A[1], A[2], A[1] / R[1], B[1], B[2], A[1] / B[1] }'
done
