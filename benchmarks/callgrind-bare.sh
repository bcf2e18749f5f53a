#!/usr/bin/env bash
# Instructions of the whole `paychan run` (1 thread, every output file: CSV with tx_hex, summary,
# both charts, report) against two floors, counted by valgrind's callgrind (which a busy shared
# machine cannot disturb), at 1,800 and 21,600 commitments (benchmarks/book-1800.toml,
# book-21600.toml):
#   bare  the four secp256k1 operations per round in benchmarks/bare-loop, a binary that holds
#         nothing else, every crate built with debug = false;
#   raw   the same loop inside paychan (`paychan bench --raw-only`).
# Each count is the whole process's, so start-up is in all three. Keeps the callgrind files in
# OUT (default: a temporary folder, removed) for callgrind_annotate.
# Usage: benchmarks/callgrind-bare.sh [OUT]   (about 2 minutes; builds both binaries first)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -q
cargo build --release --locked -q --manifest-path benchmarks/bare-loop/Cargo.toml
bin=./target/release/paychan
bare=./benchmarks/bare-loop/target/release/bare-loop
if [[ -n ${1:-} ]]; then work=$1; mkdir -p "$work"; else work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; fi
count() { # name args...: total instructions of the command
  valgrind --tool=callgrind --callgrind-out-file="$work/$1.out" "${@:2}" >/dev/null 2>"$work/$1.err"
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$work/$1.err"
}
echo "# $(date -u +%FT%TZ) $("$bin" --version) $(valgrind --version) load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %15s %15s %15s %10s %10s %10s %9s %9s\n' n bare_Ir raw_Ir run_Ir bare/c raw/c run/c run/bare run/raw
for n in 1800 21600; do
  b=$(count "bare-$n" "$bare" "$n")
  r=$(count "raw-$n" "$bin" bench --commitments "$n" --raw-only)
  w=$(count "run-$n" "$bin" run "benchmarks/book-$n.toml" --out "$work/out-$n" -q --threads 1)
  awk -v n="$n" -v b="$b" -v r="$r" -v w="$w" 'BEGIN {
    printf "%-6d %15.0f %15.0f %15.0f %10.0f %10.0f %10.0f %9.4f %9.4f\n", n, b, r, w, b / n, r / n, w / n, w / b, w / r }'
done
