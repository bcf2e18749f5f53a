//! Helpers shared by the integration tests: run the real binary, read its output back, and
//! check every transaction with Bitcoin Core's interpreter and paychan's policy rules.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use bitcoin::consensus::encode::deserialize_hex;
use bitcoin::{FeeRate, ScriptBuf, Transaction};

/// Every `.rs` file under `dir`, in sorted order (the source walks of tests/module_graph.rs and
/// tests/function_length.rs).
pub fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(dir).expect("a readable folder").map(|e| e.expect("an entry").path()).collect();
    entries.sort();
    let mut out = Vec::new();
    for path in entries {
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the real `paychan` binary with `args` from the repository root.
pub fn paychan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_paychan"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the paychan binary runs")
}

/// Runs `paychan run scenario --out out` and asserts success.
pub fn run_ok(scenario: &str, out: &Path) -> Output {
    let o = paychan(&["run", scenario, "--out", out.to_str().expect("utf-8 temp path")]);
    assert!(o.status.success(), "paychan run {scenario} failed:\n{}", String::from_utf8_lossy(&o.stderr));
    o
}

/// One row of commitments.csv, as the library defines it.
pub type Row = paychan::output::LogRow;

/// Reads `dir/commitments.csv`.
pub fn rows(dir: &Path) -> Vec<Row> {
    csv::Reader::from_path(dir.join("commitments.csv"))
        .expect("commitments.csv opens")
        .deserialize()
        .collect::<Result<_, _>>()
        .expect("every row parses")
}

/// Reads `dir/summary.json`.
pub fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).expect("summary.json reads"))
        .expect("summary.json parses")
}

pub fn tx(hex: &str) -> Transaction {
    deserialize_hex(hex).expect("transaction hex parses")
}

fn script(hex: &str) -> ScriptBuf {
    ScriptBuf::from_hex(hex).expect("script hex parses")
}

/// Checks an output folder with the real verifier, `paychan verify`'s own code (every
/// transaction under Bitcoin Core's interpreter and policy, the log against the transactions),
/// asserts it finds nothing, and returns the number of transactions checked.
pub fn check_all(dir: &Path, min_rate: FeeRate) -> usize {
    let report = paychan::commands::verify::verify_dir(dir, min_rate).expect("the folder is a paychan output");
    assert!(report.findings.is_empty(), "paychan verify finds in {}:\n{:#?}", dir.display(), report.findings);
    report.transactions
}
