//! End-to-end tests: the real binary on the shipped scenarios.

mod common;

use std::fs;

use bitcoin::FeeRate;
use common::*;

const BOOK: &str = "scenarios/emma-fabian.toml";

#[test]
fn book_numbers_and_every_transaction_verifies() {
    let out = tempfile::tempdir().unwrap();
    let o = run_ok(BOOK, out.path());
    let dir = out.path().join("emma-fabian");
    for f in
        ["commitments.csv", "summary.json", "balance.png", "balance.svg", "payment.png", "payment.svg", "report.html"]
    {
        assert!(dir.join(f).is_file(), "{f} written");
    }
    let rows = rows(&dir);
    assert_eq!(rows.len(), 600, "600 commitments");
    assert_eq!(rows[0].payee_sat, 1_000, "#1 pays Fabian 0.01 mBTC");
    assert_eq!(rows[599].payee_sat, 600_000, "#600 pays Fabian 6 mBTC");
    // Emma's refund is 30 mBTC minus the commitment fee, shown explicitly.
    assert_eq!(rows[599].fee_sat, 169);
    assert_eq!(rows[599].payer_sat, 3_000_000 - 169);
    assert_eq!(check_all(&dir, FeeRate::from_sat_per_kwu(250)), 602);
    let s = summary(&dir);
    assert_eq!(s["commitments"], 600);
    assert_eq!(s["network"], "regtest");
    assert_eq!(s["settlement"]["payee_sat"], 600_000);
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert!(stdout.contains("600 commitments"), "{stdout}");
    assert!(stdout.contains("Fabian 6 mBTC, Emma 29.99831 mBTC"), "{stdout}");
}

#[test]
fn zero_fee_reproduces_the_book_exactly_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        fs::read_to_string(root().join(BOOK)).unwrap().replace("fee_rate = \"1 sat/vB\"", "fee_rate = \"0 sat/vB\"");
    let scenario = dir.path().join("book-zero-fee.toml");
    fs::write(&scenario, text).unwrap();
    let o = paychan(&["run", scenario.to_str().unwrap(), "--out", dir.path().join("out").to_str().unwrap()]);
    assert!(o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("do not relay")
            || String::from_utf8_lossy(&o.stderr).contains("relays these")
    );
    let out = dir.path().join("out/emma-fabian");
    let rows = rows(&out);
    assert_eq!((rows[599].payer_sat, rows[599].payee_sat, rows[599].fee_sat), (3_000_000, 600_000, 0));
    assert_eq!(check_all(&out, FeeRate::ZERO), 602);
}

#[test]
fn two_runs_are_byte_identical() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    run_ok(BOOK, a.path());
    run_ok(BOOK, b.path());
    let mut names: Vec<_> =
        fs::read_dir(a.path().join("emma-fabian")).unwrap().map(|e| e.unwrap().file_name()).collect();
    names.sort();
    assert!(names.len() >= 5);
    for name in names {
        let x = fs::read(a.path().join("emma-fabian").join(&name)).unwrap();
        let y = fs::read(b.path().join("emma-fabian").join(&name)).unwrap();
        assert!(x == y, "{name:?} differs between two runs");
    }
}

#[test]
fn running_twice_into_the_same_folder_replaces_the_output() {
    let out = tempfile::tempdir().unwrap();
    run_ok(BOOK, out.path());
    run_ok(BOOK, out.path());
    let entries: Vec<_> = fs::read_dir(out.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(entries, vec![std::ffi::OsString::from("emma-fabian")], "no staging folder left behind");
}

#[test]
fn every_shipped_scenario_runs_and_verifies() {
    let mut names: Vec<_> = fs::read_dir(root().join("scenarios")).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    assert!(names.len() >= 3);
    for path in names.iter().filter(|p| p.extension().is_some_and(|e| e == "toml")) {
        let out = tempfile::tempdir().unwrap();
        let rel = path.strip_prefix(root()).unwrap().to_str().unwrap();
        run_ok(rel, out.path());
        let name = summary_name(&out);
        let s = paychan::scenario::Scenario::load(path).unwrap();
        let min = s.fee_rate;
        let n = check_all(&out.path().join(&name), min);
        assert!(n >= 3, "{rel}: {n} transactions");
    }
}

fn summary_name(out: &tempfile::TempDir) -> String {
    let mut v: Vec<_> =
        fs::read_dir(out.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    v.sort();
    v.remove(0)
}

#[test]
fn full_hour_stops_at_exhaustion() {
    let out = tempfile::tempdir().unwrap();
    let o = run_ok("scenarios/full-hour.toml", out.path());
    let s = summary(&out.path().join("full-hour"));
    assert_eq!(s["stopped_by"], "exhaustion");
    assert_eq!(s["commitments"], 3_599);
    assert_eq!(s["settlement"]["payee_sat"], 3_599_000);
    assert!(String::from_utf8_lossy(&o.stdout).contains("exhausted"));
}

#[test]
fn mainnet_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(root().join(BOOK)).unwrap().replace("network = \"regtest\"", "network = \"mainnet\"");
    let scenario = dir.path().join("main.toml");
    fs::write(&scenario, text).unwrap();
    let out = dir.path().join("out");
    let o = paychan(&["run", scenario.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("main.toml:") && err.contains("network = \"mainnet\"") && err.contains("belong to anyone"),
        "{err}"
    );
    assert!(!out.exists(), "nothing written");
}

#[test]
fn bad_unit_names_file_line_field_and_value() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        fs::read_to_string(root().join(BOOK)).unwrap().replace("capacity = \"36 mBTC\"", "capacity = \"36 MBTC\"");
    let scenario = dir.path().join("typo.toml");
    fs::write(&scenario, &text).unwrap();
    let o = paychan(&["run", scenario.to_str().unwrap(), "--out", dir.path().join("out").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let line = text.lines().position(|l| l.starts_with("capacity")).unwrap() + 1;
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!(
            "typo.toml:{line}:12: capacity = \"36 MBTC\": unknown unit \"MBTC\"; write BTC, mBTC, uBTC, bits or sat"
        )),
        "{err}"
    );
    assert!(!dir.path().join("out").exists());
}

#[test]
fn any_thread_count_gives_the_same_bytes() {
    let outs: Vec<_> = ["1", "2", "4"]
        .iter()
        .map(|t| {
            let out = tempfile::tempdir().unwrap();
            let o =
                paychan(&["run", "scenarios/price-change.toml", "--out", out.path().to_str().unwrap(), "--threads", t]);
            assert!(o.status.success());
            out
        })
        .collect();
    for name in
        ["commitments.csv", "summary.json", "balance.png", "balance.svg", "payment.png", "payment.svg", "report.html"]
    {
        let first = fs::read(outs[0].path().join("price-change").join(name)).unwrap();
        for other in &outs[1..] {
            assert!(first == fs::read(other.path().join("price-change").join(name)).unwrap(), "{name} differs");
        }
    }
}

#[test]
fn no_tx_hex_keeps_the_columns_and_empties_the_hex() {
    let full = tempfile::tempdir().unwrap();
    let bare = tempfile::tempdir().unwrap();
    run_ok(BOOK, full.path());
    let o = paychan(&["run", BOOK, "--out", bare.path().to_str().unwrap(), "--no-tx-hex", "-q"]);
    assert!(o.status.success());
    let (a, b) = (rows(&full.path().join("emma-fabian")), rows(&bare.path().join("emma-fabian")));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert!(y.tx_hex.is_empty());
        assert_eq!((x.seq, x.payer_sat, x.payee_sat, &x.txid), (y.seq, y.payer_sat, y.payee_sat, &y.txid));
    }
}
