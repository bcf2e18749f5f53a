//! The catalogue of bad inputs: every file in `tests/data/bad/` is run through the real binary,
//! which must exit with code 2, print exactly the message in the `.expected` file beside it, and
//! write nothing. Then the command-line cases: output paths that cannot be used.

mod common;

use std::fs;
use std::path::Path;

use common::*;

fn diff(expected: &str, got: &str) -> String {
    let mut out = String::new();
    for (e, g) in expected.lines().zip(got.lines()) {
        if e != g {
            out += &format!("- {e}\n+ {g}\n");
        }
    }
    let (ne, ng) = (expected.lines().count(), got.lines().count());
    if ne != ng {
        out += &format!("({ne} expected lines, {ng} lines printed)\n");
    }
    out
}

#[test]
fn every_bad_scenario_gets_its_exact_message_exit_2_and_no_output() {
    let dir = root().join("tests/data/bad");
    let mut cases: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 30, "the catalogue has {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let rel = case.strip_prefix(root()).unwrap().to_str().unwrap().to_string();
        let expected = fs::read_to_string(case.with_extension("expected")).unwrap_or_else(|_| panic!("{rel}.expected"));
        for command in ["run", "check"] {
            let out = tempfile::tempdir().unwrap();
            let target = out.path().join("out");
            let o =
                paychan(&[command, &rel, "--out", target.to_str().unwrap()][..if command == "run" { 4 } else { 2 }]);
            let stderr = String::from_utf8_lossy(&o.stderr);
            if o.status.code() != Some(2) {
                failures.push(format!("{command} {rel}: exit {:?}", o.status.code()));
            }
            if stderr != expected {
                failures.push(format!("{command} {rel}:\n{}", diff(&expected, &stderr)));
            }
            if target.exists() {
                failures.push(format!("{command} {rel}: wrote {}", target.display()));
            }
            assert!(!stderr.contains("panicked"), "{rel} panicked: {stderr}");
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

fn run_book(out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["run", "scenarios/emma-fabian.toml", "--out", out.to_str().unwrap(), "--quiet"];
    args.extend_from_slice(extra);
    paychan(&args)
}

#[test]
fn an_output_path_that_is_a_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    fs::write(&file, "x").unwrap();
    let o = run_book(&file, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is a file, not a folder"));
    assert_eq!(fs::read(&file).unwrap(), b"x", "the file is untouched");
}

#[test]
fn an_output_path_that_cannot_be_created_is_refused() {
    // Root ignores permission bits, so use paths no one can create: below a regular file, and in /proc.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    fs::write(&file, "x").unwrap();
    for out in [file.join("sub"), Path::new("/proc/paychan-cannot-write-here").to_path_buf()] {
        let o = run_book(&out, &[]);
        assert_eq!(o.status.code(), Some(2), "{}", out.display());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("cannot create the output folder") && err.contains("caused by"), "{err}");
    }
}

#[test]
fn a_foreign_folder_in_the_way_is_refused_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let mine = dir.path().join("emma-fabian");
    fs::create_dir(&mine).unwrap();
    fs::write(mine.join("thesis.txt"), "precious").unwrap();
    let o = run_book(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    assert_eq!(fs::read_to_string(mine.join("thesis.txt")).unwrap(), "precious");
    let o = run_book(dir.path(), &["--force"]);
    assert!(o.status.success());
    assert!(mine.join("summary.json").is_file() && !mine.join("thesis.txt").exists());
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(paychan(&["bogus"]).status.code(), Some(2));
    assert_eq!(paychan(&["run"]).status.code(), Some(2));
    assert_eq!(paychan(&["--help"]).status.code(), Some(0));
}

#[test]
fn a_missing_scenario_is_named_without_a_line_and_column() {
    for command in ["run", "check"] {
        let o = paychan(&[command, "nothere.toml"]);
        assert_eq!(o.status.code(), Some(2), "{command}");
        assert_eq!(
            String::from_utf8_lossy(&o.stderr),
            "error: cannot read nothere.toml: No such file or directory\n",
            "{command}"
        );
    }
    // A folder is not a scenario either, and there is no text to point into.
    let o = paychan(&["check", "scenarios"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&o.stderr), "error: cannot read scenarios: Is a directory\n");
}
