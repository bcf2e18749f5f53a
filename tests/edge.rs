//! Valid edge cases (dust trimming, exhaustion at the capacity, long intervals, pauses, no
//! commitment at all) produce outputs that verify, and `paychan check`'s plan is what the run did.

mod common;

use std::fs;
use std::path::PathBuf;

use common::*;
use paychan::commands::check::Plan;
use paychan::scenario::Scenario;

fn scenarios() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = ["scenarios", "tests/data/edge"]
        .iter()
        .flat_map(|d| fs::read_dir(root().join(d)).unwrap().map(|e| e.unwrap().path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    v
}

#[test]
fn edge_cases_verify_and_the_plan_matches_the_run() {
    let all = scenarios();
    assert!(all.len() >= 7);
    for path in all {
        let s = Scenario::load(&path).unwrap();
        let plan = Plan::of(&s);
        let out = tempfile::tempdir().unwrap();
        run_ok(path.to_str().unwrap(), out.path());
        let dir = out.path().join(&s.name);
        let n = check_all(&dir, s.fee_rate);
        assert_eq!(n as u64, plan.commitments + 2, "{}", path.display());
        let summary = summary(&dir);
        assert_eq!(summary["commitments"], plan.commitments, "{}", path.display());
        assert_eq!(summary["settlement"]["payee_sat"], plan.settlement.payee.to_sat(), "{}", path.display());
        assert_eq!(summary["settlement"]["payer_sat"], plan.settlement.payer.to_sat(), "{}", path.display());
        assert_eq!(summary["settlement"]["fee_sat"], plan.settlement.fee.to_sat(), "{}", path.display());
        assert_eq!(summary["settlement"]["clock_s"], plan.settled_at_s, "{}", path.display());
        assert_eq!(summary["funding"]["fee_sat"], plan.funding_fee.to_sat(), "{}", path.display());
        assert_eq!(summary["stopped_by"] == "exhaustion", plan.exhausted.is_some(), "{}", path.display());
        let trimmed = rows(&dir).iter().filter(|r| r.trimmed == "payee").count() as u64;
        assert_eq!(trimmed, plan.payee_trimmed, "{}", path.display());
    }
}

#[test]
fn dust_trimming_leaves_the_payee_out_until_the_payment_reaches_294_sat() {
    let out = tempfile::tempdir().unwrap();
    run_ok("tests/data/edge/dust-trimming.toml", out.path());
    let rows = rows(&out.path().join("dust-trimming"));
    assert_eq!((rows[0].trimmed.as_str(), rows[0].payee_sat, rows[0].trimmed_sat), ("payee", 0, 100));
    assert_eq!((rows[1].trimmed.as_str(), rows[1].trimmed_sat), ("payee", 200));
    assert_eq!((rows[2].trimmed.as_str(), rows[2].payee_sat), ("none", 300));
    assert_eq!(tx(&rows[0].tx_hex).output.len(), 1);
}

#[test]
fn a_channel_never_used_refunds_the_payer() {
    let out = tempfile::tempdir().unwrap();
    run_ok("tests/data/edge/only-a-pause.toml", out.path());
    let dir = out.path().join("only-a-pause");
    assert!(rows(&dir).is_empty());
    // Still a CSV with its header, so pandas reads an empty frame with the right columns.
    let csv = std::fs::read_to_string(dir.join("commitments.csv")).unwrap();
    assert_eq!(csv, format!("{}\n", paychan::output::LOG_COLUMNS.join(",")));
    let s = summary(&dir);
    assert_eq!(s["commitments"], 0);
    assert_eq!(s["settlement"]["payee_sat"], 0);
    assert_eq!(s["settlement"]["payer_sat"], 3_600_000 - 138);
}
