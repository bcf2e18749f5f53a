#!/usr/bin/env bash
# An audience's cost against the bare secp256k1 operations its channels need, counted by
# valgrind's callgrind in the same run (a busy shared machine cannot disturb the counts).
#
# `paychan run AUDIENCE --threads 1` runs under callgrind; the bare figure is the inclusive
# instructions of libsecp256k1's signing, verifying and key-derivation entry points as the run
# calls them: every commitment's two signatures and two verifications, and each channel's own
# (its keys derived, the funding signed and checked, the settlement's four operations). Parsing
# and serialising signatures count as overhead, not as bare. The ratio is the whole process's
# instructions (start-up, every file and chart included) over that bare figure.
# Usage: benchmarks/callgrind-audience.sh [SCENARIO] [OUT]
#   (default benchmarks/audience-1k.toml, about 66,000 commitments, 2 minutes; build first with
#   cargo build --release; OUT keeps the callgrind file)
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-benchmarks/audience-1k.toml}
bin=./target/release/paychan
if [[ -n ${2:-} ]]; then work=$2; mkdir -p "$work"; else work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; fi
echo "# $(date -u +%FT%TZ) $("$bin" --version) $(valgrind --version) load $(cut -d' ' -f1-3 /proc/loadavg)"
valgrind --tool=callgrind --callgrind-out-file="$work/run.out" \
  "$bin" run "$scenario" --out "$work/out" --force -q --threads 1 >/dev/null 2>"$work/run.err"
commitments=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["totals"]["commitments"])' "$work/out/"*/summary.json)
viewers=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["totals"]["viewers"])' "$work/out/"*/summary.json)
callgrind_annotate --inclusive=yes --threshold=100 "$work/run.out" 2>/dev/null |
  python3 -c '
import re, sys
bare = ("ecdsa_sign", "ecdsa_verify", "ec_pubkey_create", "ec_pubkey_tweak_add", "ec_pubkey_tweak_mul",
        "ec_pubkey_combine", "ec_seckey_tweak_add", "ec_seckey_tweak_mul")
total, parts = None, {}
for line in sys.stdin:
    m = re.match(r"\s*([\d,]+) .*PROGRAM TOTALS", line)
    if m: total = int(m.group(1).replace(",", ""))
    m = re.match(r"\s*([\d,]+) \([ \d.]+%\)\s+\?\?\?:rustsecp256k1_v\d+_\d+_\d+_(\w+) ", line)
    if m and m.group(2) in bare: parts[m.group(2)] = int(m.group(1).replace(",", ""))
n, v = int(sys.argv[1]), int(sys.argv[2])
b = sum(parts.values())
for k in sorted(parts): print(f"  {k:<22} {parts[k]:>16,} Ir")
print(f"viewers {v:,}  commitments {n:,}  whole {total:,} Ir  bare {b:,} Ir")
print(f"per commitment: whole {total / n:,.0f} Ir, bare {b / n:,.0f} Ir;  whole/bare = {total / b:.4f}")
' "$commitments" "$viewers"
