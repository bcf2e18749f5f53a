env SLURM_ARRAY_TASK_ID=1
args sweep tests/data/sweep/tiny-grid.toml --shard slurm --out {out}
