#!/usr/bin/env bash
# A sharded sweep and a sharded audience on a real Slurm cluster of one node, this machine, each
# byte-compared with the unsharded run. Run as root from the repository root (CI: .ci/run):
# bash tests/slurm/run.sh
#
# Installs Debian's slurm-wlm and munge when missing, then starts, by hand (no systemd), munged
# on a private socket, slurmctld and slurmd with a minimal slurm.conf in a temporary folder
# (node name = hostname -s, 2 CPUs, private ports and state), waits for the node to be idle,
# submits the sweep as `sbatch --wait --array=0-2`, merges the three parts and compares them
# with `paychan sweep` run directly; then submits the audience AUDIENCE as a second 3-task array
# (`paychan run AUDIENCE --shard slurm`), merges its parts and compares the folder, every file,
# with `paychan run AUDIENCE` run directly (diff -r, byte for byte). Every daemon it started is stopped by its
# PID on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
grid=${GRID:-sweeps/book-grid.toml}
audience=${AUDIENCE:-tests/data/audience-shard.toml}
shards=3
say() { printf 'slurm test: %s\n' "$*"; }

# shellcheck source=tests/slurm/cluster.sh
source tests/slurm/cluster.sh

say "submitting: sbatch --wait --array=0-$((shards - 1)) deploy/slurm/sweep.sbatch $grid"
start=$(date +%s)
PAYCHAN="$paychan" sbatch --wait --array=0-$((shards - 1)) --chdir="$repo" \
  --output="$tmp/out/task-%A_%a.log" deploy/slurm/sweep.sbatch "$grid" "$tmp/out/parts"
say "the array job finished in $(( $(date +%s) - start )) s"
for log in "$tmp"/out/task-*.log; do sed 's/^/  | /' "$log"; done

"$paychan" merge "$tmp/out/parts" --out "$tmp/out/merged"
"$paychan" sweep "$grid" --quiet --out "$tmp/out/whole"
for k in $(seq 0 $((shards - 1))); do
  [ -f "$tmp/out/parts/sweep.part-$k-of-$shards/sweep.part-$k-of-$shards.csv" ] || { say "part $k of $shards is missing"; exit 1; }
done
if cmp "$tmp/out/merged/sweep.csv" "$tmp/out/whole/sweep.csv" && cmp "$tmp/out/merged/sweep.json" "$tmp/out/whole/sweep.json"; then
  say "PASS: the Slurm-run shards merged are byte-identical to the unsharded sweep.csv ($(($(wc -l <"$tmp/out/whole/sweep.csv") - 1)) points, sha256 $(sha256sum <"$tmp/out/whole/sweep.csv" | cut -c1-16)…)"
else
  say "FAIL: the merged sweep differs from the unsharded run"
  diff "$tmp/out/merged/sweep.csv" "$tmp/out/whole/sweep.csv" | head -n 20
  exit 1
fi

audience_name=$(sed -n 's/^name *= *"\(.*\)".*/\1/p' "$audience" | head -n1)
say "submitting: sbatch --wait --array=0-$((shards - 1)) --wrap 'paychan run $audience --shard slurm'"
start=$(date +%s)
sbatch --wait --array=0-$((shards - 1)) --chdir="$repo" --output="$tmp/out/audience-%A_%a.log" \
  --wrap "'$paychan' run '$audience' --shard slurm --threads 1 --out '$tmp/out/audience-parts'"
say "the audience array job finished in $(( $(date +%s) - start )) s"
for log in "$tmp"/out/audience-*.log; do sed 's/^/  | /' "$log"; done
for k in $(seq 0 $((shards - 1))); do
  [ -f "$tmp/out/audience-parts/$audience_name.part-$k-of-$shards/audience-part.json" ] \
    || { say "audience part $k of $shards is missing"; exit 1; }
done
"$paychan" merge "$tmp/out/audience-parts" --out "$tmp/out/audience-merged"
"$paychan" run "$audience" --quiet --out "$tmp/out/audience-whole"
# diff -r: every file on both sides (hidden ones too), compared byte for byte.
if cmp_out=$(diff -r "$tmp/out/audience-merged" "$tmp/out/audience-whole/$audience_name" 2>&1); then
  say "PASS: the Slurm-run audience shards merged are byte-identical to the unsharded run ($(find "$tmp/out/audience-merged" -type f | wc -l) files, channels.csv sha256 $(sha256sum <"$tmp/out/audience-merged/channels.csv" | cut -c1-16)…)"
else
  say "FAIL: the merged audience differs from the unsharded run"
  echo "$cmp_out" | head -n 20
  exit 1
fi
