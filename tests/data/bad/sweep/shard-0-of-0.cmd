args sweep tests/data/sweep/tiny-grid.toml --shard 0/0 --out {out}
