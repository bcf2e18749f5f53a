args merge tests/data/sweep/parts/sweep.part-0-of-3.csv tests/data/sweep/parts/sweep.part-2-of-3.csv --out {out}
