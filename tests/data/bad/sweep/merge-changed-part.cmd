# The CSV was edited after its shard wrote it: its hash no longer matches the sidecar.
args merge tests/data/sweep/changed-part/sweep.part-0-of-3.csv tests/data/sweep/parts/sweep.part-1-of-3.csv tests/data/sweep/parts/sweep.part-2-of-3.csv --out {out}
