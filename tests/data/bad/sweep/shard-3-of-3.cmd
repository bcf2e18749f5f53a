# K must be below N.
args sweep tests/data/sweep/tiny-grid.toml --shard 3/3 --out {out}
