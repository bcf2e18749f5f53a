args merge tests/data/sweep/parts tests/data/sweep/two-parts --out {out}
