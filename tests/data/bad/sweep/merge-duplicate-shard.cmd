args merge tests/data/sweep/parts tests/data/sweep/parts/sweep.part-1-of-3.csv --out {out}
