args sweep tests/data/sweep/tiny-grid.toml --out {out} --chart payee_sat --by seed
