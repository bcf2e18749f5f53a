//! An audience split across machines through the real binary: `paychan run AUDIENCE --shard K/N`
//! three times and `paychan merge` give exactly the folder the unsharded run writes, every file;
//! a part missing, given twice, altered or from another scenario is refused with exit 2 and
//! nothing written; bad `--shard` values exit 2.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SCENARIO: &str = "tests/data/audience-shard.toml";

/// Runs the binary from the repository root without any scheduler's variables.
fn paychan(args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_paychan"));
    for v in ["SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_MAX"] {
        c.env_remove(v);
    }
    c.env_remove("JOB_COMPLETION_INDEX").args(args).current_dir(common::root()).output().expect("paychan runs")
}

fn ok(args: &[&str]) -> Output {
    let o = paychan(args);
    assert!(o.status.success(), "paychan {args:?} failed:\n{}", String::from_utf8_lossy(&o.stderr));
    o
}

fn refused(args: &[&str], says: &str) -> String {
    let o = paychan(args);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "paychan {args:?}: {err}");
    assert!(err.contains(says), "paychan {args:?} should say {says:?}:\n{err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

/// Every file under `dir` (hidden ones too), by path inside it, with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let name = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(name, fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The three parts of the test audience, written into `parts/`, with viewers 1, 4 and 8 logged.
fn three_parts(tmp: &Path) -> PathBuf {
    let parts = tmp.join("parts");
    for k in 0..3 {
        let shard = format!("{k}/3");
        ok(&[
            "run",
            SCENARIO,
            "--out",
            s(&parts),
            "--quiet",
            "--shard",
            &shard,
            "--threads",
            "2",
            "--commitments",
            "1,4,8",
        ]);
    }
    parts
}

#[test]
fn three_shards_merged_are_the_unsharded_run_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    ok(&[
        "run",
        SCENARIO,
        "--out",
        s(&tmp.path().join("whole")),
        "--quiet",
        "--threads",
        "1",
        "--commitments",
        "1,4,8",
    ]);
    let parts = three_parts(tmp.path());
    let merged = tmp.path().join("merged");
    let o = ok(&["merge", s(&parts), "--out", s(&merged)]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("3 parts of the audience"));
    let (whole, merged) = (files(&tmp.path().join("whole/crowd-shard")), files(&merged));
    assert_eq!(whole.keys().collect::<Vec<_>>(), merged.keys().collect::<Vec<_>>());
    for name in
        ["channels.csv", "timeline.csv", "summary.json", "revenue.png", "watch.svg", "viewers/000008/commitments.csv"]
    {
        assert!(whole.contains_key(name), "{name} is written");
    }
    for (name, bytes) in &whole {
        assert!(merged[name] == *bytes, "{name} differs between the merged and the unsharded run");
    }
    // Each part holds only its own viewers: index % 3 == K.
    for k in 0..3u64 {
        let part = parts.join(format!("crowd-shard.part-{k}-of-3"));
        let rows: Vec<paychan::audience::ChannelRow> =
            csv::Reader::from_path(part.join("channels.csv")).unwrap().deserialize().collect::<Result<_, _>>().unwrap();
        assert!(!rows.is_empty() && rows.iter().all(|r| r.viewer % 3 == k), "part {k}");
    }
    // The parts given one by one merge the same, in any order.
    let again = tmp.path().join("again");
    let one = |k: u64| parts.join(format!("crowd-shard.part-{k}-of-3"));
    ok(&["merge", s(&one(2)), s(&one(0)), s(&one(1)), "--out", s(&again)]);
    assert!(files(&again) == merged);
}

/// The merge is refused with exit 2, and neither `out` nor a staging folder beside it appears.
fn refused_merge(parts: &[&Path], out: &Path, says: &str) {
    let mut args = vec!["merge"];
    args.extend(parts.iter().map(|p| s(p)));
    args.extend(["--out", s(out)]);
    refused(&args, says);
    assert!(!out.exists(), "{} was written", out.display());
    let beside: Vec<_> = fs::read_dir(out.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("paychan-tmp"))
        .collect();
    assert!(beside.is_empty(), "{beside:?}");
}

#[test]
fn a_missing_duplicated_altered_or_foreign_part_is_refused_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let parts = three_parts(tmp.path());
    let part = |k: u64| parts.join(format!("crowd-shard.part-{k}-of-3"));
    let out = tmp.path().join("merged");
    refused_merge(&[&part(0), &part(2)], &out, "shard 1 is missing");
    refused_merge(&[&part(0), &part(1), &part(2), &part(1)], &out, "shard 1 of 3 is given twice");

    // Altered: one byte of one viewer's row.
    let altered = tmp.path().join("altered");
    fs::create_dir(&altered).unwrap();
    for k in 0..3 {
        copy_dir(&part(k), &altered.join(part(k).file_name().unwrap()));
    }
    let csv = altered.join("crowd-shard.part-1-of-3/channels.csv");
    let text = fs::read_to_string(&csv).unwrap();
    fs::write(&csv, text.replacen("stopped", "stopped ", 1).replacen("exhausted", "exhausted ", 1)).unwrap();
    refused_merge(&[&altered], &out, "channels.csv has SHA-256");
    // A file added to a part, or removed from it.
    fs::write(&csv, text).unwrap();
    let log = altered.join("crowd-shard.part-1-of-3/viewers/000004/summary.json");
    let saved = fs::read(&log).unwrap();
    fs::remove_file(&log).unwrap();
    refused_merge(&[&altered], &out, "the part lacks this file");
    fs::write(&log, &saved).unwrap();
    fs::write(altered.join("crowd-shard.part-2-of-3/notes.txt"), "mine").unwrap();
    refused_merge(&[&altered], &out, "notes.txt, which the sidecar does not list");
    fs::remove_file(altered.join("crowd-shard.part-2-of-3/notes.txt")).unwrap();
    ok(&["merge", s(&altered), "--out", s(&tmp.path().join("restored"))]);

    // A part of another scenario file (another seed), or of another split.
    let other = tmp.path().join("other.toml");
    fs::write(&other, fs::read_to_string(common::root().join(SCENARIO)).unwrap().replace("seed = 5", "seed = 6"))
        .unwrap();
    let foreign = tmp.path().join("foreign");
    ok(&["run", s(&other), "--out", s(&foreign), "--quiet", "--shard", "1/3", "--commitments", "1,4,8"]);
    let foreign_part = foreign.join("crowd-shard.part-1-of-3");
    refused_merge(&[&part(0), &foreign_part, &part(2)], &out, "these parts come from different scenario files");
    ok(&["run", SCENARIO, "--out", s(&foreign), "--quiet", "--shard", "1/2", "--commitments", "1,4,8"]);
    refused_merge(&[&part(0), &foreign.join("crowd-shard.part-1-of-2")], &out, "different splits");
    // Another --commitments: the merged folder would be no unsharded run's.
    ok(&["run", SCENARIO, "--out", s(&foreign), "--quiet", "--shard", "1/3", "--commitments", "none"]);
    refused_merge(&[&part(0), &foreign_part, &part(2)], &out, "selection");
    // A merge into the folder that holds the parts.
    refused(&["merge", s(&parts), "--out", s(&parts)], "holds the part");
    assert!(part(0).join("audience-part.json").is_file());
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            fs::copy(&p, &dest).unwrap();
        }
    }
}

#[test]
fn bad_shard_values_exit_2_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o");
    let run = |extra: &[&str], says: &str| {
        let mut args = vec!["run", SCENARIO, "--out", s(&out), "--quiet"];
        args.extend_from_slice(extra);
        refused(&args, says);
        assert!(!out.exists(), "{extra:?} wrote {}", out.display());
    };
    run(&["--shard", "3/3"], "--shard = \"3/3\": K must be from 0 to 2 when there are 3 shards");
    run(&["--shard", "0/0"], "N must be at least 1");
    run(&["--shard", "x/2"], "K must be a whole number");
    run(&["--shard", "1"], "not a shard");
    run(&["--shard", "slurm"], "SLURM_ARRAY_TASK_ID: this variable is not set");
    run(&["--shard", "k8s"], "--shard k8s needs --shards N");
    run(&["--shard", "1/3", "--shards", "4"], "--shards = \"4\": disagrees with the shard 1/3");
    run(&["--shards", "3"], "--shards needs --shard k8s");
    let single = ["run", "scenarios/emma-fabian.toml", "--out", s(&out), "--quiet", "--shard", "0/2"];
    refused(&single, "--shard: applies to a scenario with an [audience]");
    assert!(!out.exists());
}
