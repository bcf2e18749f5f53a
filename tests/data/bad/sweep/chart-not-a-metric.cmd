args sweep tests/data/sweep/tiny-grid.toml --out {out} --chart settlement_txid --by rate
