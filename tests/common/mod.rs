//! Helpers shared by the integration tests: run the real binary, read its output back, and
//! check every transaction with Bitcoin Core's interpreter and paychan's policy rules.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use bitcoin::consensus::encode::deserialize_hex;
use bitcoin::{Amount, FeeRate, ScriptBuf, Transaction};
use paychan::rules;

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

/// Checks every transaction of an output folder under consensus and policy, and the CSV's
/// arithmetic; returns the number of transactions checked.
pub fn check_all(dir: &Path, min_rate: FeeRate) -> usize {
    let s = summary(dir);
    let f = &s["funding"];
    let funding = tx(f["tx_hex"].as_str().unwrap());
    assert_eq!(funding.compute_txid().to_string(), f["txid"].as_str().unwrap());
    let input = &f["inputs"][0];
    let coin_amount = Amount::from_sat(input["amount_sat"].as_u64().unwrap());
    rules::consensus(&funding, 0, &script(input["script_pubkey_hex"].as_str().unwrap()), coin_amount)
        .expect("funding passes Bitcoin Core's interpreter");
    rules::policy(&funding, coin_amount, min_rate).expect("funding meets policy");

    let funding_out = &funding.output[f["vout"].as_u64().unwrap() as usize];
    let amount = funding_out.value;
    let witness_script = script(f["witness_script_hex"].as_str().unwrap());
    assert_eq!(funding_out.script_pubkey, witness_script.to_p2wsh());
    let outpoint = bitcoin::OutPoint { txid: funding.compute_txid(), vout: f["vout"].as_u64().unwrap() as u32 };

    let mut checked = 1;
    let mut last_payee = 0;
    let mut last_tx = None;
    for (i, row) in rows(dir).iter().enumerate() {
        assert_eq!(row.seq, i as u64 + 1, "seq counts up by one");
        let t = tx(&row.tx_hex);
        assert_eq!(t.compute_txid().to_string(), row.txid, "row {}", row.seq);
        assert_eq!(t.input[0].previous_output, outpoint);
        rules::consensus(&t, 0, &funding_out.script_pubkey, amount)
            .unwrap_or_else(|e| panic!("commitment #{}: {e}", row.seq));
        rules::policy(&t, amount, min_rate).unwrap_or_else(|e| panic!("commitment #{}: {e}", row.seq));
        assert_eq!(row.payer_sat + row.payee_sat + row.fee_sat, amount.to_sat(), "row {}", row.seq);
        let outs: u64 = t.output.iter().map(|o| o.value.to_sat()).sum();
        assert_eq!(outs, row.payer_sat + row.payee_sat);
        assert!(row.payee_sat >= last_payee || row.trimmed == "payee", "payee never loses");
        last_payee = row.payee_sat;
        last_tx = Some(t);
        checked += 1;
    }
    let st = &s["settlement"];
    let settlement = tx(st["tx_hex"].as_str().unwrap());
    rules::consensus(&settlement, 0, &funding_out.script_pubkey, amount).expect("settlement passes");
    rules::policy(&settlement, amount, min_rate).expect("settlement meets policy");
    if let Some(last) = last_tx {
        assert_eq!(settlement, last, "the settlement is the final state");
    }
    checked + 1
}
