#!/usr/bin/env bash
# Instructions per commitment, counted by valgrind's callgrind (which a busy shared machine cannot
# disturb): the bare four secp256k1 operations in a tight loop (`paychan bench --raw-only`) against
# the whole `paychan run` on one thread with every output file (CSV with tx_hex, summary, both
# charts, report), at 1,800 and 21,600 commitments (benchmarks/book-1800.toml, book-21600.toml).
# Each figure is the whole process's count divided by the commitments, so start-up is in both.
# Usage: benchmarks/callgrind.sh [BINARY]   (after `cargo build --release`; about 10 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-./target/release/paychan}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
count() { # file args...: total instructions of the command
  valgrind --tool=callgrind --callgrind-out-file="$work/$1.out" "${@:2}" >/dev/null 2>"$work/$1.err"
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$work/$1.err"
}
echo "# $(date -u +%FT%TZ) $("$bin" --version) load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %16s %16s %14s %14s %7s\n' n raw_Ir whole_Ir raw/commit whole/commit ratio
for n in 1800 21600; do
  raw=$(count "raw-$n" "$bin" bench --commitments "$n" --raw-only)
  whole=$(count "run-$n" "$bin" run "benchmarks/book-$n.toml" --out "$work/out" -q --threads 1)
  awk -v n="$n" -v r="$raw" -v w="$whole" \
    'BEGIN { printf "%-8d %16.0f %16.0f %14.0f %14.0f %7.3f\n", n, r, w, r / n, w / n, w / r }'
done
