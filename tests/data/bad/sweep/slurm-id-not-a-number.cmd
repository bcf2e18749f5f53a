env SLURM_ARRAY_TASK_ID=x
env SLURM_ARRAY_TASK_COUNT=3
args sweep tests/data/sweep/tiny-grid.toml --shard slurm --out {out}
