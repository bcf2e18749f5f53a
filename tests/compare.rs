//! `paychan compare`: the chapter's table. "Emma broadcasts #1 after 600 s" under every design:
//! naive loses Fabian's 599,000 sat, timelocked and Spilman pay him in full, revocable gives him
//! the whole channel; every design's folder passes `paychan verify`.

mod common;

use std::fs;

use common::*;
use paychan::compare::{CompareRow, WhatIfRow, COMPARE_COLUMNS, WHATIF_COLUMNS};

#[test]
fn emma_broadcasting_1_under_every_design_gives_the_chapters_table() {
    let out = tempfile::tempdir().unwrap();
    let o = paychan(&["compare", "scenarios/cheating/naive-emma-cheats.toml", "--out", out.path().to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    let dir = out.path().join("naive-emma-cheats-compare");
    let mut reader = csv::Reader::from_path(dir.join("compare.csv")).unwrap();
    assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), COMPARE_COLUMNS);
    let rows: Vec<CompareRow> = reader.deserialize().map(|r| r.unwrap()).collect();
    let designs: Vec<&str> = rows.iter().map(|r| r.design.as_str()).collect();
    assert_eq!(designs, ["naive", "timelocked", "spilman", "revocable", "taproot"]);
    let row = |d: &str| rows.iter().find(|r| r.design == d).unwrap();
    // Naive: Fabian is paid one second of the 600 he is owed: 599,000 sat lost.
    let naive = row("naive");
    assert_eq!((naive.payee_owed_sat, naive.payee_received_sat), (600_000, Some(1_000)));
    // Timelocked and Spilman: paid in full.
    for d in ["timelocked", "spilman"] {
        assert_eq!(row(d).payee_received_sat, Some(600_000), "{d}");
        assert_eq!(row(d).payer_received_sat, Some(row(d).payer_owed_sat), "{d}");
    }
    assert!(row("spilman").verdict.contains("she broadcasts her refund instead"), "{}", row("spilman").verdict);
    assert_eq!(row("spilman").events, "600 s Emma broadcasts the refund");
    // Revocable: the whole channel but the commitment's 181-sat fee and the penalty's 122.
    let rev = row("revocable");
    assert_eq!((rev.payer_received_sat, rev.payee_received_sat), (Some(0), Some(3_600_000 - 181 - 122)));
    assert_eq!((rev.onchain_txs, rev.closed_at_height), (3, Some(800_002)));
    assert_eq!(rev.onchain_fees_sat, 153 + 181 + 122, "funding, commitment and penalty fees");
    // Taproot: the same punishment; the version's fee 154 sat (616 WU), the penalty's 208 (the
    // revocation leaf and Fabian's own to_remote leaf in one transaction, 832 WU).
    let tap = row("taproot");
    assert_eq!((tap.payer_received_sat, tap.payee_received_sat), (Some(0), Some(3_600_000 - 154 - 208)));
    assert_eq!((tap.onchain_txs, tap.closed_at_height), (3, Some(800_002)));
    assert_eq!(tap.onchain_fees_sat, 153 + 154 + 208, "funding, version and penalty fees");
    for r in &rows {
        let v = paychan(&["verify", dir.join(&r.design).to_str().unwrap()]);
        assert!(v.status.success(), "{}: {}", r.design, String::from_utf8_lossy(&v.stdout));
        assert_eq!(r.scenario, "naive-emma-cheats");
    }
    for f in ["compare.png", "compare.svg", "compare.html", "whatif.csv"] {
        assert!(fs::metadata(dir.join(f)).unwrap().len() > 1_000, "{f}");
    }
    // The what-if runs: each sampled commitment broadcast by Emma when the session stops.
    let mut reader = csv::Reader::from_path(dir.join("whatif.csv")).unwrap();
    assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), WHATIF_COLUMNS);
    let what_if: Vec<WhatIfRow> = reader.deserialize().map(|r| r.unwrap()).collect();
    let ks: std::collections::BTreeSet<u64> = what_if.iter().map(|w| w.commitment).collect();
    assert_eq!((ks.len(), ks.first(), ks.last()), (12, Some(&1), Some(&600)));
    for w in &what_if {
        assert_eq!(w.broadcast_s, 600);
        if w.commitment == 1 {
            // The same cheat as compare.csv's, from its own run: the same figures.
            let r = row(&w.design);
            assert_eq!(
                (Some(w.payer_received_sat), Some(w.payee_received_sat)),
                (r.payer_received_sat, r.payee_received_sat)
            );
        }
        match (w.design.as_str(), w.commitment) {
            // The latest state is the honest close alone: Fabian whole everywhere.
            (_, 600) => assert!(w.payee_received_sat >= w.payee_owed_sat - 122, "{w:?}"),
            ("naive", k) => assert_eq!(w.payee_received_sat, k * 1_000, "{w:?}"),
            ("revocable", _) => assert_eq!((w.payer_received_sat, w.payee_received_sat), (0, 3_599_697), "{w:?}"),
            ("taproot", _) => assert_eq!((w.payer_received_sat, w.payee_received_sat), (0, 3_599_638), "{w:?}"),
            _ => assert_eq!(w.payee_received_sat, 600_000, "{w:?}"),
        }
    }
    let html = fs::read_to_string(dir.join("compare.html")).unwrap();
    assert!(html.contains("<a href=\"revocable/report.html\">revocable</a>"), "links each design's report");
    assert!(html.contains("id=\"whatif\"") && html.contains("\"commitment\":545"), "the what-if stepper and its runs");
    assert!(
        stdout.contains(
            "Fabian ends whole (received ≥ owed) under timelocked, spilman, revocable, taproot; not under naive."
        ),
        "{stdout}"
    );
    assert!(stdout
        .contains("Emma ends whole (received ≥ owed) under naive, timelocked, spilman; not under revocable, taproot."));
}

#[test]
fn an_audience_is_refused_with_exit_2_and_nothing_written() {
    let out = tempfile::tempdir().unwrap();
    let o = paychan(&["compare", "scenarios/audience/day.toml", "--out", out.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("has an [audience] of many channels"), "{err}");
    assert_eq!(fs::read_dir(out.path()).unwrap().count(), 0, "nothing written");
}

#[test]
fn quiet_prints_nothing_and_writes_the_same_table() {
    let (loud, quiet) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let scenario = "scenarios/cheating/naive-fabian-vanishes.toml";
    let l = paychan(&["compare", scenario, "--out", loud.path().to_str().unwrap()]);
    assert!(l.status.success(), "{}", String::from_utf8_lossy(&l.stderr));
    assert!(!l.stdout.is_empty(), "without --quiet, compare tells what happened");
    for flag in ["--quiet", "-q"] {
        let q = paychan(&["compare", scenario, "--out", quiet.path().to_str().unwrap(), flag]);
        assert!(q.status.success(), "{}", String::from_utf8_lossy(&q.stderr));
        assert_eq!(String::from_utf8_lossy(&q.stdout), "", "{flag} prints nothing on stdout");
        assert_eq!(String::from_utf8_lossy(&q.stderr), "", "{flag}: no warning for this scenario");
        let csv = |d: &std::path::Path| fs::read(d.join("naive-fabian-vanishes-compare/compare.csv")).unwrap();
        assert!(csv(loud.path()) == csv(quiet.path()), "{flag} changes what is written");
    }
}
