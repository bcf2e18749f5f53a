env JOB_COMPLETION_INDEX=1
args sweep tests/data/sweep/tiny-grid.toml --shard k8s --out {out}
