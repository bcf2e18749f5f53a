#!/usr/bin/env bash
# A big audience run for real as a sharded job on the one-node Slurm cluster (a benchmark, not
# CI): `paychan run SCENARIO --shard slurm --threads 1` as an N-task array (2 tasks at a time on
# this 2-CPU node), each task under /usr/bin/time -v, then `paychan merge` of the parts under
# /usr/bin/time -v. Prints the array's wall time, each shard's wall, CPU and peak memory, the
# merge's, and the merged totals; the figures go into BENCHMARKS.md.
# Usage (root, from anywhere): bash benchmarks/slurm-audience.sh [SCENARIO] [SHARDS]
#   default benchmarks/audience-100k.toml (100,000 viewers, about 6.7 M commitments) in 4 shards
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-benchmarks/audience-100k.toml}
shards=${2:-4}
say() { printf 'slurm bench: %s\n' "$*"; }
# shellcheck source=tests/slurm/cluster.sh
source tests/slurm/cluster.sh

name=$(sed -n 's/^name *= *"\(.*\)".*/\1/p' "$scenario" | head -n1)
say "$(date -u +%FT%TZ) $("$paychan" --version), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
say "submitting: sbatch --wait --array=0-$((shards - 1)) paychan run $scenario --shard slurm --threads 1"
start=$(date +%s.%N)
sbatch --wait --array=0-$((shards - 1)) --chdir="$repo" --output="$tmp/out/shard-%a.log" \
  --wrap "/usr/bin/time -f 'shard %e s wall, %U s user, %S s sys, %M kB max resident' '$paychan' run '$scenario' --shard slurm --threads 1 --quiet --out '$tmp/out/parts'"
array=$(echo "$(date +%s.%N) - $start" | bc)
say "the array job finished in $(printf %.1f "$array") s wall (load $(cut -d' ' -f1-3 /proc/loadavg))"
for k in $(seq 0 $((shards - 1))); do
  printf '  shard %d of %d: %s\n' "$k" "$shards" "$(grep '^shard ' "$tmp/out/shard-$k.log" | sed 's/^shard //')"
  du -sh "$tmp/out/parts/$name.part-$k-of-$shards" | sed 's/^/    part folder /'
done
/usr/bin/time -f 'merge %e s wall, %U s user, %S s sys, %M kB max resident' \
  "$paychan" merge "$tmp/out/parts" --out "$tmp/out/merged" 2>"$tmp/out/merge.time"
sed 's/^/  /' "$tmp/out/merge.time"
python3 - "$tmp/out/merged/summary.json" <<'P'
import json, sys
t = json.load(open(sys.argv[1]))["totals"]
print("  merged totals: " + ", ".join(f"{k} {v:,}" for k, v in t.items() if isinstance(v, int)))
P
du -sh "$tmp/out/merged" | sed 's/^/  merged folder /'
