args sweep tests/data/sweep/tiny-grid.toml --shard 2 --out {out}
