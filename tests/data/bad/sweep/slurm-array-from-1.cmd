# sbatch --array=1-3: the task IDs are 1, 2, 3, not 0 to N-1.
env SLURM_ARRAY_TASK_ID=3
env SLURM_ARRAY_TASK_COUNT=3
env SLURM_ARRAY_TASK_MIN=1
env SLURM_ARRAY_TASK_MAX=3
args sweep tests/data/sweep/tiny-grid.toml --shard slurm --out {out}
