#!/usr/bin/env bash
# Wall time of the whole `paychan run` (every output file) against the bare four secp256k1
# operations, as whole processes, best of ROUNDS interleaved rounds: in each round, for 1,800 and
# 21,600 commitments (benchmarks/book-*.toml), `paychan bench --raw-only`, the run on 1 thread and
# the run on 2 threads, one after the other, so a busy moment hurts all three alike. Each round is
# headed by the load average. Prints the best times, the ratio whole/raw on one thread and the
# whole command's speed-up from 1 to 2 threads.
# Usage: benchmarks/wall.sh [ROUNDS]   (after `cargo build --release`)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-./target/release/paychan}
rounds=${1:-10}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
secs() { # command...: its wall time in seconds
  local t0 t1
  t0=$(date +%s%N)
  "$@" >/dev/null
  t1=$(date +%s%N)
  echo "$(( (t1 - t0) / 1000 ))" | awk '{ printf "%.4f", $1 / 1e6 }'
}
declare -A best
keep() { # key value
  if [[ -z ${best[$1]:-} ]] || awk -v a="$2" -v b="${best[$1]}" 'BEGIN { exit !(a < b) }'; then best[$1]=$2; fi
}
for r in $(seq 1 "$rounds"); do
  line="round $r $(date +%T) load $(cut -d' ' -f1-3 /proc/loadavg):"
  for n in 1800 21600; do
    raw=$(secs "$bin" bench --commitments "$n" --raw-only)
    one=$(secs "$bin" run "benchmarks/book-$n.toml" --out "$work" -q --threads 1)
    two=$(secs "$bin" run "benchmarks/book-$n.toml" --out "$work" -q --threads 2)
    keep "raw$n" "$raw"; keep "one$n" "$one"; keep "two$n" "$two"
    line+=" $n: raw $raw s, run -j1 $one s, run -j2 $two s;"
  done
  echo "$line"
done
echo "best of $rounds:"
for n in 1800 21600; do
  awk -v n="$n" -v r="${best[raw$n]}" -v a="${best[one$n]}" -v b="${best[two$n]}" 'BEGIN {
    printf "  %5d commitments: raw %.4f s, whole run 1 thread %.4f s (ratio %.3f), 2 threads %.4f s (speed-up %.2fx)\n",
      n, r, a, a / r, b, a / b }'
done
