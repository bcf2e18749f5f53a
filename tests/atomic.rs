//! A run killed at any moment leaves either the previous complete output or none, and the next
//! run cleans up what the killed one left. The real binary is SIGKILLed at several points.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

fn scenario(dir: &Path, file: &str, duration: &str) -> String {
    let path = dir.join(file);
    fs::write(
        &path,
        format!(
            "name = \"atomic\"\nseed = 3\npayer = \"Emma\"\npayee = \"Fabian\"\ncapacity = \"10 BTC\"\n\
             fee_rate = \"1 sat/vB\"\n[[segment]]\nrate = \"1000 sat/s\"\nduration = \"{duration}\"\n"
        ),
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}

/// Every file of a folder, by name.
fn snapshot(dir: &Path) -> Option<BTreeMap<String, Vec<u8>>> {
    let entries = fs::read_dir(dir).ok()?;
    Some(
        entries
            .map(|e| e.unwrap())
            .map(|e| (e.file_name().into_string().unwrap(), fs::read(e.path()).unwrap()))
            .collect(),
    )
}

fn killed_after(scenario: &str, out: &Path, after: Duration) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_paychan"))
        .args(["run", scenario, "--out", out.to_str().unwrap(), "--quiet"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while start.elapsed() < after {
        if child.try_wait().unwrap().is_some() {
            return;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap(); // SIGKILL on Unix: no destructor, no cleanup runs.
    child.wait().unwrap();
}

#[test]
fn a_killed_run_leaves_the_previous_output_or_none() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let short = scenario(dir.path(), "short.toml", "10 s");
    let medium = scenario(dir.path(), "medium.toml", "1500 s");
    let long = scenario(dir.path(), "long.toml", "100 h");
    let target = out.join("atomic");

    // Nothing there yet: a killed run leaves no output folder.
    killed_after(&long, &out, Duration::from_millis(150));
    assert!(!target.exists(), "a killed first run left {}", target.display());

    // Reference outputs of the short and medium runs.
    let reference = tempfile::tempdir().unwrap();
    run_ok(&medium, reference.path());
    let medium_output = snapshot(&reference.path().join("atomic")).unwrap();
    run_ok(&short, &out);
    let short_output = snapshot(&target).unwrap();
    assert!(!out.join(".atomic.paychan-tmp").exists(), "the next run cleaned up");

    // Kill the long run at several points: the short run's output stays, byte for byte.
    for ms in [20, 100, 400, 1000] {
        killed_after(&long, &out, Duration::from_millis(ms));
        assert_eq!(snapshot(&target).as_ref(), Some(&short_output), "killed after {ms} ms");
    }

    // Kill the medium run around its own end, where the rename happens: the folder holds one
    // complete output or the other, never a mix.
    let start = Instant::now();
    run_ok(&medium, &dir.path().join("timing"));
    let took = start.elapsed();
    for tenth in [5, 8, 9, 10, 11, 12] {
        run_ok(&short, &out);
        killed_after(&medium, &out, took * tenth / 10);
        let now = snapshot(&target);
        assert!(
            now.as_ref() == Some(&short_output) || now.as_ref() == Some(&medium_output),
            "killed at {tenth}/10 of a run: the output is neither complete run"
        );
    }

    run_ok(&short, &out);
    let names: Vec<_> = fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert_eq!(names, vec!["atomic".to_string()], "leftovers cleaned up");
}
