//! `paychan sweep` and `paychan merge` through the real binary: sharded and merged equals
//! unsharded byte for byte, the thread count changes no byte, a killed shard's rerun reproduces
//! its part, a grid point is the channel `paychan run` makes of the same scenario, and the
//! catalogue of bad grids, shard specs and merges in `tests/data/bad/sweep/`.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use paychan::sweep::{SweepRow, COLUMNS};

const TINY: &str = "tests/data/sweep/tiny-grid.toml";

fn sweep_ok(grid: &str, out: &Path, extra: &[&str]) {
    let mut args = vec!["sweep", grid, "--out", out.to_str().unwrap(), "--quiet"];
    args.extend_from_slice(extra);
    let o = paychan(&args);
    assert!(o.status.success(), "paychan {args:?}:\n{}", String::from_utf8_lossy(&o.stderr));
}

fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn rows(csv: &Path) -> Vec<SweepRow> {
    csv::Reader::from_path(csv).unwrap().deserialize().collect::<Result<_, _>>().expect("every row parses")
}

#[test]
fn the_tiny_grid_gives_its_known_table() {
    // tests/data/sweep/tiny-sweep.csv was written by `paychan sweep tests/data/sweep/tiny-grid.toml`
    // when sweeps were added, and its rows checked against single `paychan run`s (below).
    let dir = tempfile::tempdir().unwrap();
    sweep_ok(TINY, dir.path(), &[]);
    let got = read(&dir.path().join("sweep.csv"));
    let expected = read(&root().join("tests/data/sweep/tiny-sweep.csv"));
    assert_eq!(String::from_utf8(got).unwrap(), String::from_utf8(expected).unwrap());
    let header = fs::read_to_string(dir.path().join("sweep.csv")).unwrap();
    assert_eq!(header.lines().next().unwrap(), COLUMNS.join(","));
    let table = rows(&dir.path().join("sweep.csv"));
    assert_eq!(table.iter().map(|r| r.point).collect::<Vec<_>>(), (0..8).collect::<Vec<_>>());
    for r in &table {
        assert_eq!(r.payee_sat + r.payer_sat + r.fee_sat, r.capacity_sat, "point {}", r.point);
        assert_eq!(r.payee_sat, r.seconds_paid * r.rate_sat_per_s.unwrap(), "point {}", r.point);
    }
    // Seeds innermost, then rate, then capacity (the documented order).
    let order: Vec<_> = table.iter().map(|r| (r.capacity_sat, r.rate_sat_per_s.unwrap(), r.seed)).collect();
    assert_eq!(order[..3], [(3_600_000, 1_000, 7), (3_600_000, 1_000, 8), (3_600_000, 1_500, 7)]);
    assert_eq!(order[7], (10_000, 1_500, 8));
}

#[test]
fn a_grid_point_is_the_channel_paychan_run_makes_of_the_same_scenario() {
    let dir = tempfile::tempdir().unwrap();
    sweep_ok(TINY, dir.path(), &[]);
    let table = rows(&dir.path().join("sweep.csv"));
    // Point 6: capacity 10,000 sat, 1,500 sat/s, seed 7, written by hand as a scenario.
    let scenario = dir.path().join("point6.toml");
    fs::write(
        &scenario,
        "name = \"point6\"\nseed = 7\npayer = \"Emma\"\npayee = \"Fabian\"\ncapacity = \"10000 sat\"\n\
         fee_rate = \"1 sat/vB\"\n[[segment]]\nrate = \"1500 sat/s\"\nduration = \"5 s\"\n\
         [[segment]]\nrate = \"0 sat/s\"\nduration = \"3 s\"\n[[segment]]\nrate = \"1500 sat/s\"\nduration = \"5 s\"\n",
    )
    .unwrap();
    run_ok(scenario.to_str().unwrap(), dir.path());
    let out = dir.path().join("point6");
    let s = summary(&out);
    let r = &table[6];
    assert_eq!(r.settlement_txid, s["settlement"]["txid"].as_str().unwrap());
    assert_eq!(r.commitments, s["commitments"].as_u64().unwrap());
    assert_eq!(r.exhausted, !s["exhausted"].is_null());
    assert_eq!(r.payee_sat, s["settlement"]["payee_sat"].as_u64().unwrap());
    assert_eq!(r.funding_fee_sat, s["funding"]["fee_sat"].as_u64().unwrap());
    check_all(&out, bitcoin::FeeRate::from_sat_per_kwu(250));
}

#[test]
fn sharded_and_merged_is_the_unsharded_run_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let (whole, parts, merged) = (dir.path().join("whole"), dir.path().join("parts"), dir.path().join("merged"));
    sweep_ok("sweeps/book-grid.toml", &whole, &[]);
    for k in 0..3 {
        sweep_ok("sweeps/book-grid.toml", &parts, &["--shard", &format!("{k}/3"), "--threads", "1"]);
    }
    fs::create_dir(&merged).unwrap();
    let o = paychan(&["merge", parts.to_str().unwrap(), "--out", merged.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for file in ["sweep.csv", "sweep.json", "summary.csv"] {
        assert!(read(&whole.join(file)) == read(&merged.join(file)), "{file} differs");
    }
    assert_eq!(rows(&whole.join("sweep.csv")).len(), 24);
    // More shards than points: the empty shards merge too.
    let many = dir.path().join("many");
    for k in 0..10 {
        sweep_ok(TINY, &many, &["--shard", &format!("{k}/10")]);
    }
    let tiny_merged = dir.path().join("tiny");
    let o = paychan(&["merge", many.to_str().unwrap(), "--out", tiny_merged.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(read(&tiny_merged.join("sweep.csv")) == read(&root().join("tests/data/sweep/tiny-sweep.csv")));
}

#[test]
fn the_thread_count_changes_no_byte() {
    let dir = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for threads in ["1", "2", "4"] {
        let out = dir.path().join(threads);
        sweep_ok("sweeps/book-grid.toml", &out, &["--threads", threads]);
        outputs.push((read(&out.join("sweep.csv")), read(&out.join("sweep.json"))));
    }
    assert!(outputs.windows(2).all(|w| w[0] == w[1]), "1, 2 and 4 threads wrote different files");
}

#[test]
fn a_killed_shard_leaves_no_half_part_and_its_rerun_reproduces_the_part() {
    let dir = tempfile::tempdir().unwrap();
    let reference = dir.path().join("reference");
    sweep_ok("sweeps/book-grid.toml", &reference, &["--shard", "1/3"]);
    let part = "sweep.part-1-of-3/sweep.part-1-of-3.csv";
    let out = dir.path().join("killed");
    for delay_ms in [0, 50, 200] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_paychan"))
            .args(["sweep", "sweeps/book-grid.toml", "--shard", "1/3", "--quiet", "--out", out.to_str().unwrap()])
            .current_dir(root())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        // Whatever the moment, a part in place is a complete one.
        if out.join(part).exists() {
            assert!(read(&out.join(part)) == read(&reference.join(part)), "a half-written part at {delay_ms} ms");
        }
        sweep_ok("sweeps/book-grid.toml", &out, &["--shard", "1/3"]);
        for f in [part, "sweep.part-1-of-3/sweep.part-1-of-3.json"] {
            assert!(read(&out.join(f)) == read(&reference.join(f)), "{f} after a kill at {delay_ms} ms");
        }
        assert_eq!(names(&out), ["sweep.part-1-of-3"], "after a kill at {delay_ms} ms and a rerun");
        assert_eq!(names(&out.join("sweep.part-1-of-3")), PART_FILES);
    }
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

const SWEEP_FILES: [&str; 4] = [".paychan-output", "summary.csv", "sweep.csv", "sweep.json"];
const PART_FILES: [&str; 3] = [".paychan-output", "sweep.part-1-of-3.csv", "sweep.part-1-of-3.json"];

/// The CSV's SHA-256 recorded in the sidecar is the CSV's: the two files are one pair.
fn a_pair(dir: &Path) -> bool {
    use bitcoin::hashes::{sha256, Hash};
    let info: paychan::sweep::PartInfo = serde_json::from_slice(&read(&dir.join("sweep.json"))).unwrap();
    info.csv_sha256 == sha256::Hash::hash(&read(&dir.join("sweep.csv"))).to_string()
}

#[test]
fn a_sweep_and_a_merge_leave_one_folder_and_nothing_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let (whole, parts, merged) = (dir.path().join("whole"), dir.path().join("parts"), dir.path().join("merged"));
    sweep_ok(TINY, &whole, &[]);
    sweep_ok(TINY, &whole, &[]); // a rerun replaces its own folder
    sweep_ok(TINY, &parts, &["--shard", "1/3"]);
    assert_eq!(names(dir.path()), ["parts", "whole"]);
    assert_eq!(names(&whole), SWEEP_FILES);
    assert_eq!(names(&parts), ["sweep.part-1-of-3"]);
    assert_eq!(names(&parts.join("sweep.part-1-of-3")), PART_FILES);
    for k in [0, 2] {
        sweep_ok(TINY, &parts, &["--shard", &format!("{k}/3")]);
    }
    let o = paychan(&["merge", parts.to_str().unwrap(), "--out", merged.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(names(dir.path()), ["merged", "parts", "whole"]);
    assert_eq!(names(&merged), SWEEP_FILES, "merge --out makes a folder, as sweep --out does");
    assert!(read(&merged.join("sweep.csv")) == read(&whole.join("sweep.csv")));
    assert!(a_pair(&merged) && a_pair(&whole));
    // The merged folder replaces --out: never the folder of its own parts.
    for force in [&[][..], &["--force"][..]] {
        let mut args = vec!["merge", parts.to_str().unwrap(), "--out", parts.to_str().unwrap()];
        args.extend_from_slice(force);
        let o = paychan(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("which holds the part"), "{args:?}");
        assert_eq!(names(&parts).len(), 3, "{args:?}");
    }
    // A folder that is not paychan's is not replaced without --force.
    let busy = dir.path().join("busy");
    fs::create_dir(&busy).unwrap();
    fs::write(busy.join("notes.txt"), "mine").unwrap();
    let o = paychan(&["sweep", TINY, "--quiet", "--out", busy.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not a paychan output"));
    assert_eq!(names(&busy), ["notes.txt"]);
    sweep_ok(TINY, &busy, &["--force"]);
    assert_eq!(names(&busy), SWEEP_FILES);
    assert_eq!(names(dir.path()), ["busy", "merged", "parts", "whole"]);
}

#[test]
fn a_killed_sweep_keeps_a_matching_csv_and_sidecar() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    sweep_ok(TINY, &out, &[]);
    let tiny = read(&out.join("sweep.csv"));
    let reference = dir.path().join("reference");
    sweep_ok("sweeps/book-grid.toml", &reference, &[]);
    let book = read(&reference.join("sweep.csv"));
    for delay_ms in [0, 20, 50, 100, 200, 400] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_paychan"))
            .args(["sweep", "sweeps/book-grid.toml", "--quiet", "--out", out.to_str().unwrap()])
            .current_dir(root())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let csv = read(&out.join("sweep.csv"));
        assert!(csv == tiny || csv == book, "a half-written sweep.csv after a kill at {delay_ms} ms");
        assert!(a_pair(&out), "a sweep.json of another sweep.csv after a kill at {delay_ms} ms");
        assert_eq!(names(&out), SWEEP_FILES);
        sweep_ok(TINY, &out, &[]);
        assert!(read(&out.join("sweep.csv")) == tiny && a_pair(&out));
        assert_eq!(names(dir.path()), ["out", "reference"], "after a kill at {delay_ms} ms and a rerun");
    }
}

fn diff(expected: &str, got: &str) -> String {
    let mut out = String::new();
    for (e, g) in expected.lines().zip(got.lines()) {
        if e != g {
            out += &format!("- {e}\n+ {g}\n");
        }
    }
    if expected.lines().count() != got.lines().count() {
        out += &format!("({} expected lines, {} printed)\n", expected.lines().count(), got.lines().count());
    }
    out
}

/// The variables the shard specs read: cleared, so a test run inside a Slurm job is not confused.
const SCHEDULER_VARS: [&str; 5] = [
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_COUNT",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_MAX",
    "JOB_COMPLETION_INDEX",
];

#[test]
fn every_bad_grid_shard_and_merge_gets_its_exact_message_exit_2_and_no_output() {
    let dir = root().join("tests/data/bad/sweep");
    let mut cases: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml" || e == "cmd"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 30, "the catalogue has {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let rel = case.strip_prefix(root()).unwrap().to_str().unwrap().to_string();
        let expected = fs::read_to_string(case.with_extension("expected")).unwrap_or_else(|_| panic!("{rel}.expected"));
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let out_s = out.to_str().unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_paychan"));
        command.current_dir(root());
        for v in SCHEDULER_VARS {
            command.env_remove(v);
        }
        if case.extension().is_some_and(|e| e == "toml") {
            command.args(["sweep", &rel, "--out", out_s]);
        } else {
            for line in fs::read_to_string(case).unwrap().lines() {
                if let Some(kv) = line.strip_prefix("env ") {
                    let (k, v) = kv.split_once('=').expect("env NAME=VALUE");
                    command.env(k, v);
                } else if let Some(args) = line.strip_prefix("args ") {
                    command.args(args.split_whitespace().map(|a| a.replace("{out}", out_s)));
                }
            }
        }
        let o = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr).replace(out_s, "{out}");
        if o.status.code() != Some(2) {
            failures.push(format!("{rel}: exit {:?}", o.status.code()));
        }
        if stderr != expected {
            failures.push(format!("{rel}:\n{}", diff(&expected, &stderr)));
        }
        if out.exists() {
            failures.push(format!("{rel}: wrote {}", out.display()));
        }
        assert!(!stderr.contains("panicked"), "{rel} panicked: {stderr}");
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// `paychan check GRID` plans the sweep without signing: its point count and its commitments in
/// all are what the real sweep then signs (the known tiny table), the exhausted points are
/// counted, and a seed axis over a single channel is said not to be replication.
#[test]
fn check_of_a_grid_plans_what_the_sweep_signs() {
    let o = paychan(&["check", TINY]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{text}{}", String::from_utf8_lossy(&o.stderr));
    let table = rows(&root().join("tests/data/sweep/tiny-sweep.csv"));
    let commitments: u64 = table.iter().map(|r| r.commitments).sum();
    let exhausted = table.iter().filter(|r| r.exhausted).count();
    assert!(text.contains(&format!("tiny-grid.toml: {} points over base.toml", table.len())), "{text}");
    assert!(text.contains("capacity (2) x rate (2) x seed (2)"), "{text}");
    assert!(text.contains(&format!("  plan      {commitments} commitments in all")), "{text}");
    assert!(text.contains(&format!("{exhausted} of the points exhaust their channel")), "{text}");
    assert!(exhausted > 0 && text.contains("they are not replicates"), "{text}");
    // A grid with an invalid point is refused as the sweep refuses it, naming the point's value.
    let dir = tempfile::tempdir().unwrap();
    fs::copy(root().join("tests/data/sweep/base.toml"), dir.path().join("base.toml")).unwrap();
    let bad = dir.path().join("bad.toml");
    fs::write(&bad, "base = \"base.toml\"\ncapacity = [\"36 mBTC\", \"1 sat\"]\n").unwrap();
    let o = paychan(&["check", bad.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("bad.toml") && err.contains("capacity"), "{err}");
}
