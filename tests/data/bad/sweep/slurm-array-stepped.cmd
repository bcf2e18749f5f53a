# sbatch --array=0-4:2: three tasks with IDs 0, 2, 4.
env SLURM_ARRAY_TASK_ID=4
env SLURM_ARRAY_TASK_COUNT=3
env SLURM_ARRAY_TASK_MIN=0
env SLURM_ARRAY_TASK_MAX=4
args sweep tests/data/sweep/tiny-grid.toml --shard slurm --out {out}
