args sweep tests/data/sweep/tiny-grid.toml --shard x/2 --out {out}
