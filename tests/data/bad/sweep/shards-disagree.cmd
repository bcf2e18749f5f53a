args sweep tests/data/sweep/tiny-grid.toml --shard 1/3 --shards 4 --out {out}
