args sweep tests/data/sweep/tiny-grid.toml --shard k8s --shards 3 --out {out}
