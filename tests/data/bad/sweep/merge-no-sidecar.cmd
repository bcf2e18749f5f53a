args merge tests/data/sweep/tiny-sweep.csv --out {out}
