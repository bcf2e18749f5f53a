//! The CSV's bytes pinned to the sequential engine's: the parallel engine, the chunking and the
//! hand-written hex must change nothing, on any number of threads. The SHA-256s in
//! `tests/data/golden-commitments-sha256.txt` come from commit ba9c924, before any of them (of
//! the columns the log had then: later ones are appended). And
//! `paychan bench` prints what BENCHMARKS.md quotes, the whole command's lines included (its
//! figures are measured there, not here).

mod common;

use std::fs;

use bitcoin::hashes::{sha256, Hash};
use common::*;

/// The columns the log had at ba9c924; those appended since (the lock time, sequence, who signed
/// and holds the copy, the revocable design's point and secret) are checked against each row's
/// transaction by `paychan verify` and by tests/revocations.rs.
const PINNED_COLUMNS: usize = 13;

/// Each line of `csv` cut to its first `n` cells (no cell of the log is quoted).
fn first_columns(csv: &str, n: usize) -> String {
    csv.lines().map(|l| l.split(',').take(n).collect::<Vec<_>>().join(",") + "\n").collect()
}

#[test]
fn commitments_csv_is_the_sequential_engines_byte_for_byte_on_any_thread_count() {
    let golden = include_str!("data/golden-commitments-sha256.txt");
    let pinned: Vec<_> = golden
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split_once(char::is_whitespace).expect("a name and a hash"))
        .collect();
    assert_eq!(pinned.len(), 3, "one hash per shipped scenario");
    for (name, hash) in pinned {
        // The full hour spans two of the engine's chunks, so its run on several threads overlaps
        // writing one chunk with signing the next; the others fit in one chunk.
        let threads: &[&str] = if name == "full-hour" { &["1", "2", "4"] } else { &["2"] };
        for &threads in threads {
            let out = tempfile::tempdir().unwrap();
            let scenario = format!("scenarios/{name}.toml");
            let o = paychan(&["run", &scenario, "--out", out.path().to_str().unwrap(), "-q", "--threads", threads]);
            assert!(o.status.success(), "{name}: {}", String::from_utf8_lossy(&o.stderr));
            let csv = fs::read_to_string(out.path().join(name).join("commitments.csv")).unwrap();
            let pinned_columns = first_columns(&csv, PINNED_COLUMNS);
            assert_eq!(
                sha256::Hash::hash(pinned_columns.as_bytes()).to_string(),
                hash.trim(),
                "{name} on {threads} threads: commitments.csv differs from the sequential engine's"
            );
        }
    }
}

#[test]
fn bench_prints_the_ratio_the_speed_up_and_how_busy_the_machine_was() {
    let o = paychan(&["bench", "--commitments", "40", "--repeat", "1", "--threads", "2"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    let figure = |label: &str, after: &str| -> f64 {
        let line =
            text.lines().find(|l| l.trim_start().starts_with(label)).unwrap_or_else(|| panic!("{label}: {text}"));
        line.split(after)
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .and_then(|w| w.trim_end_matches('x').parse().ok())
            .unwrap_or_else(|| panic!("{label}: {text}"))
    };
    assert!(figure("end-to-end, 1 thread", "ratio ") > 0.0, "{text}");
    assert!(figure("end-to-end, 2 threads", "speed-up ") > 0.0, "{text}");
    // The whole command, every file written, against the same bare operations.
    assert!(figure("whole run (every file), 1 thread", "ratio ") > 0.0, "{text}");
    assert!(figure("whole run (every file), 2 threads", "speed-up ") > 0.0, "{text}");
    if std::path::Path::new("/proc/self/stat").exists() {
        assert!(text.contains("cores the best runs had"), "{text}");
        let line = text.lines().map(str::trim).find(|l| l.starts_with("raw ") && l.contains(" of 1,")).expect(&text);
        let cores: Vec<f64> =
            line.split(", ").filter_map(|part| part.split(" of ").next()?.rsplit(' ').next()?.parse().ok()).collect();
        assert_eq!(cores.len(), 4, "{line}");
        assert!(cores.iter().all(|c| *c >= 0.0), "{line}");
        let line =
            text.lines().map(str::trim).find(|l| l.starts_with("whole run ") && l.contains(" of 1,")).expect(&text);
        let cores: Vec<f64> =
            line.split(", ").filter_map(|part| part.split(" of ").next()?.rsplit(' ').next()?.parse().ok()).collect();
        assert_eq!(cores.len(), 2, "{line}");
    }
}
