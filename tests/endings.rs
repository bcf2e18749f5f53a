//! Outputs claim only what happened (issue 18): `summary.json` has a `settlement` only for a
//! cooperative close that was made (and, on a chain, confirmed), complete, byte for byte the
//! transaction `chain.csv` holds; otherwise the last state both agreed and the close that
//! confirmed instead, named as such, in the summary, the charts and the report; and `verify`
//! refuses a summary that claims a settlement the chain does not have.

mod common;

use std::fs;
use std::path::Path;

use common::*;

/// The confirmed `chain.csv` row that spent the funding output, as (kind, txid, tx_hex).
fn chain_rows(dir: &Path) -> Vec<(String, String, String, String)> {
    let mut r = csv::Reader::from_path(dir.join("chain.csv")).unwrap();
    r.records()
        .map(|row| {
            let row = row.unwrap();
            (row[1].to_string(), row[0].to_string(), row[5].to_string(), row[8].to_string())
        })
        .collect()
}

fn run(scenario: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let out = tempfile::tempdir().unwrap();
    run_ok(scenario, out.path());
    let name = Path::new(scenario).file_stem().unwrap().to_str().unwrap().to_string();
    let dir = out.path().join(name);
    (out, dir)
}

#[test]
fn a_cheat_has_no_settlement_only_the_last_state_and_what_closed_the_channel() {
    for (scenario, closed_with) in [
        ("scenarios/cheating/naive-emma-cheats.toml", Some("commitment")),
        ("scenarios/cheating/revocable-emma-cheats.toml", Some("commitment")),
        ("scenarios/cheating/timelocked-fabian-vanishes.toml", Some("refund")),
        ("scenarios/cheating/naive-fabian-vanishes.toml", None),
    ] {
        let (_out, dir) = run(scenario);
        let s = summary(&dir);
        assert!(s.get("settlement").is_none(), "{scenario}: a settlement that did not happen");
        assert_eq!(s["last_state"]["seq"], s["commitments"], "{scenario}");
        let o = &s["outcome"];
        assert_eq!(o["closed_with"].as_str(), closed_with, "{scenario}");
        if let Some(kind) = closed_with {
            let txid = o["closing_txid"].as_str().unwrap();
            let row = chain_rows(&dir).into_iter().find(|r| r.1 == txid).expect("the closing row");
            assert_eq!((row.0.as_str(), row.2.as_str()), (kind, "confirmed"), "{scenario}");
        } else {
            assert!(o["closing_txid"].is_null(), "{scenario}");
        }
        for chart in ["balance.svg", "payment.svg"] {
            let svg = fs::read_to_string(dir.join(chart)).unwrap();
            let claims = svg.replace("no settlement:", "").contains("settlement:") || svg.contains("paid to ");
            assert!(!claims, "{scenario} {chart} claims a settlement");
        }
        let balance = fs::read_to_string(dir.join("balance.svg")).unwrap();
        assert!(balance.contains("no settlement: "), "{scenario}: the real end is not marked");
        let page = fs::read_to_string(dir.join("report.html")).unwrap();
        assert!(page.contains("<h2>How it ended</h2>") && !page.contains("<h2>Settlement</h2>"), "{scenario}");
    }
}

#[test]
fn a_settlement_is_the_complete_transaction_that_confirmed() {
    for scenario in ["scenarios/cheating/spilman-closed-by-fabian.toml", "scenarios/emma-fabian.toml"] {
        let (_out, dir) = run(scenario);
        let s = summary(&dir);
        let settlement = &s["settlement"];
        assert_eq!(settlement["seq"], s["last_state"]["seq"], "{scenario}");
        let tx = tx(settlement["tx_hex"].as_str().unwrap());
        // Every signature is in: no empty witness item where a signature goes.
        let witness: Vec<&[u8]> = tx.input[0].witness.iter().collect();
        assert!(witness.iter().filter(|w| w.len() >= 70).count() >= 2, "{scenario}: {witness:?}");
        if dir.join("chain.csv").exists() {
            let row = chain_rows(&dir).into_iter().find(|r| r.0 == "settlement").unwrap();
            assert_eq!(row.1, settlement["txid"].as_str().unwrap());
            assert_eq!(row.3, settlement["tx_hex"].as_str().unwrap(), "{scenario}: not the copy that confirmed");
            assert_eq!(s["outcome"]["closing_txid"], settlement["txid"]);
        }
        let page = fs::read_to_string(dir.join("report.html")).unwrap();
        assert!(page.contains("<h2>Settlement</h2>"), "{scenario}");
        assert!(fs::read_to_string(dir.join("balance.svg")).unwrap().contains("settlement: "), "{scenario}");
    }
}

#[test]
fn verify_refuses_a_settlement_the_chain_does_not_have() {
    let (_out, dir) = run("scenarios/cheating/naive-emma-cheats.toml");
    let mut s = summary(&dir);
    let last = rows(&dir).pop().unwrap();
    let l = s["last_state"].clone();
    s["settlement"] = serde_json::json!({
        "seq": l["seq"], "clock_s": l["clock_s"], "txid": last.txid, "tx_hex": last.tx_hex,
        "payer_sat": l["payer_sat"], "payee_sat": l["payee_sat"], "fee_sat": l["fee_sat"], "trimmed_sat": 0,
    });
    fs::write(dir.join("summary.json"), serde_json::to_string_pretty(&s).unwrap()).unwrap();
    let o = paychan(&["verify", dir.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{text}");
    assert!(text.contains("is not the settlement that closed the channel on the chain"), "{text}");
}
