# --shard slurm outside an array job.
args sweep tests/data/sweep/tiny-grid.toml --shard slurm --out {out}
