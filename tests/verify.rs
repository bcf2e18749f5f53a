//! `paychan verify` passes a good output folder and catches every corruption: each test breaks a
//! copy of a real run in one way and requires the failing row and check to be named.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use bitcoin::consensus::encode::serialize_hex;
use bitcoin::secp256k1::ecdsa::Signature;
use bitcoin::{Amount, Transaction, Witness};
use common::*;
use paychan::party::keys::{KeyChain, Role};
use paychan::party::Signer;
use paychan::scenario::Scenario;

const BOOK: &str = "scenarios/emma-fabian.toml";

/// A fresh copy of the book's output in a temp dir.
fn good_output() -> (tempfile::TempDir, PathBuf) {
    let out = tempfile::tempdir().unwrap();
    run_ok(BOOK, out.path());
    let dir = out.path().join("emma-fabian");
    (out, dir)
}

fn verify(dir: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let mut args = vec!["verify", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = paychan(&args);
    (o.status.code(), String::from_utf8_lossy(&o.stdout).into_owned())
}

fn assert_caught(dir: &Path, expected: &str) {
    let (code, out) = verify(dir, &[]);
    assert_eq!(code, Some(1), "verify must fail:\n{out}");
    assert!(out.lines().any(|l| l.starts_with(expected)), "expected a line starting with {expected:?}:\n{out}");
}

/// Reads the log as records, lets `f` change them, writes it back.
fn edit_csv(dir: &Path, f: impl FnOnce(&mut Vec<csv::StringRecord>)) {
    edit_log(&dir.join("commitments.csv"), f)
}

/// Reads a log file as records, lets `f` change them, writes it back.
fn edit_log(path: &Path, f: impl FnOnce(&mut Vec<csv::StringRecord>)) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let mut rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    f(&mut rows);
    let mut w = csv::Writer::from_path(path).unwrap();
    w.write_record(&headers).unwrap();
    for r in rows {
        w.write_record(&r).unwrap();
    }
    w.flush().unwrap();
}

fn set(row: &mut csv::StringRecord, column: usize, value: &str) {
    let mut v: Vec<String> = row.iter().map(str::to_string).collect();
    v[column] = value.to_string();
    *row = csv::StringRecord::from(v);
}

// Column indexes of commitments.csv.
const PAYER: usize = 2;
const PAYEE: usize = 3;
const FEE: usize = 4;
const TXID: usize = 5;
const HEX: usize = 6;

fn edit_json(dir: &Path, f: impl FnOnce(&mut serde_json::Value)) {
    let path = dir.join("summary.json");
    let mut v: serde_json::Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    f(&mut v);
    fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

/// Rewrites witness item `item` of input 0 of `hex` with `f`.
fn edit_witness(hex: &str, item: usize, f: impl FnOnce(&mut Vec<u8>)) -> String {
    let mut t = tx(hex);
    let mut items = t.input[0].witness.to_vec();
    f(&mut items[item]);
    t.input[0].witness = Witness::from_slice(&items);
    serialize_hex(&t)
}

#[test]
fn a_clean_output_passes() {
    let (_t, dir) = good_output();
    let (code, out) = verify(&dir, &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("602 transactions checked, 0 failures"), "{out}");
}

#[test]
fn a_flipped_signature_byte_is_caught() {
    let (_t, dir) = good_output();
    edit_csv(&dir, |rows| {
        let h = edit_witness(&rows[4][HEX], 1, |sig| sig[10] ^= 0x01);
        set(&mut rows[4], HEX, &h);
    });
    assert_caught(&dir, "commitment #5: consensus");
}

#[test]
fn a_high_s_signature_is_caught_by_policy() {
    let (_t, dir) = good_output();
    edit_csv(&dir, |rows| {
        let h = edit_witness(&rows[6][HEX], 2, |item| {
            let sig = Signature::from_der(&item[..item.len() - 1]).unwrap();
            let mut compact = sig.serialize_compact();
            let high = negate_scalar(compact[32..].try_into().unwrap());
            compact[32..].copy_from_slice(&high);
            let mut der = Signature::from_compact(&compact).unwrap().serialize_der().to_vec();
            der.push(0x01);
            *item = der;
        });
        set(&mut rows[6], HEX, &h);
    });
    let (_, out) = verify(&dir, &[]);
    // Consensus accepts a high-S signature (the interpreter normalises it); policy does not.
    assert!(out.lines().any(|l| l.starts_with("commitment #7: low-s")), "{out}");
    assert!(!out.contains("commitment #7: consensus"), "{out}");
}

/// n − s for the secp256k1 group order n.
fn negate_scalar(s: [u8; 32]) -> [u8; 32] {
    const N: [u8; 32] = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae,
        0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
    ];
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let d = i16::from(N[i]) - i16::from(s[i]) - borrow;
        borrow = i16::from(d < 0);
        out[i] = (d + 256 * borrow) as u8;
    }
    out
}

#[test]
fn keys_out_of_bip67_order_are_caught() {
    let (_t, dir) = good_output();
    edit_json(&dir, |v| {
        let s = v["funding"]["witness_script_hex"].as_str().unwrap().to_string();
        // 52 21<k1> 21<k2> 52 ae: swap the two 33-byte keys.
        let (k1, k2) = (&s[4..70], &s[72..138]);
        v["funding"]["witness_script_hex"] = format!("5221{k2}21{k1}52ae").into();
    });
    assert_caught(&dir, "funding: bip67");
}

#[test]
fn an_amount_changed_in_the_log_is_caught() {
    let (_t, dir) = good_output();
    edit_csv(&dir, |rows| {
        let payee: u64 = rows[2][PAYEE].parse().unwrap();
        set(&mut rows[2], PAYEE, &(payee + 1).to_string());
    });
    assert_caught(&dir, "commitment #3: csv-amounts");
}

#[test]
fn swapped_rows_are_caught() {
    let (_t, dir) = good_output();
    edit_csv(&dir, |rows| rows.swap(9, 10));
    assert_caught(&dir, "commitment #11: seq");
    assert_caught(&dir, "commitment #10: payee-decreases");
}

#[test]
fn a_dropped_row_is_caught() {
    let (_t, dir) = good_output();
    edit_csv(&dir, |rows| {
        rows.remove(19);
    });
    assert_caught(&dir, "commitment #21: seq");
    assert_caught(&dir, "summary: count");
}

#[test]
fn a_wrong_txid_is_caught() {
    let (_t, dir) = good_output();
    edit_csv(&dir, |rows| set(&mut rows[3], TXID, &"00".repeat(32)));
    assert_caught(&dir, "commitment #4: txid");
}

#[test]
fn a_settlement_that_is_not_the_final_state_is_caught() {
    let (_t, dir) = good_output();
    let first = rows(&dir).remove(0);
    edit_json(&dir, |v| {
        v["settlement"]["tx_hex"] = first.tx_hex.clone().into();
        v["settlement"]["txid"] = first.txid.clone().into();
        v["settlement"]["payer_sat"] = first.payer_sat.into();
        v["settlement"]["payee_sat"] = first.payee_sat.into();
    });
    assert_caught(&dir, "settlement: final-state");
}

#[test]
fn a_tampered_funding_signature_is_caught() {
    let (_t, dir) = good_output();
    edit_json(&dir, |v| {
        let h = edit_witness(v["funding"]["tx_hex"].as_str().unwrap(), 0, |sig| sig[12] ^= 0x01);
        v["funding"]["tx_hex"] = h.into();
    });
    assert_caught(&dir, "funding: consensus");
}

/// Re-signs commitment `index` with new output values, with the real keys from the seed, so the
/// transaction is valid under consensus and only the policy check can object.
fn resign(dir: &Path, index: usize, payer: u64, payee: u64) {
    resign_with(dir, index, payer, payee, |_| {});
}

/// As [`resign`], after `change` has altered the unsigned transaction.
fn resign_with(dir: &Path, index: usize, payer: u64, payee: u64, change: impl FnOnce(&mut Transaction)) {
    let s = Scenario::load(&root().join(BOOK)).unwrap();
    let (channel, _, _) = paychan::engine::open(&s).unwrap();
    let keys = KeyChain::new(s.seed);
    let (emma, fabian) =
        (Signer::new(keys.secret_key(Role::PayerFunding)), Signer::new(keys.secret_key(Role::PayeeFunding)));
    edit_csv(dir, |rows| {
        let mut t: Transaction = tx(&rows[index][HEX]);
        t.input[0].witness = Witness::new();
        t.output[0].value = Amount::from_sat(payer);
        t.output[1].value = Amount::from_sat(payee);
        change(&mut t);
        let p = &channel.params;
        let (emma_sig, _) = emma.sign_p2wsh_input(&t, 0, &p.witness_script, p.funding_amount);
        let (fabian_sig, _) = fabian.sign_p2wsh_input(&t, 0, &p.witness_script, p.funding_amount);
        let t = p.with_signatures(t, &emma_sig, &fabian_sig);
        let fee = channel.params.funding_amount.to_sat() - payer - payee;
        for (col, value) in [
            (PAYER, payer.to_string()),
            (PAYEE, payee.to_string()),
            (FEE, fee.to_string()),
            (TXID, t.compute_txid().to_string()),
            (HEX, serialize_hex(&t)),
        ] {
            set(&mut rows[index], col, &value);
        }
    });
}

#[test]
fn a_dust_output_is_caught() {
    let (_t, dir) = good_output();
    resign(&dir, 0, 3_600_000 - 200 - 169, 200);
    let (_, out) = verify(&dir, &[]);
    assert!(out.lines().any(|l| l.starts_with("commitment #1: dust")), "{out}");
    assert!(!out.contains("commitment #1: consensus"), "validly signed:\n{out}");
}

#[test]
fn a_lock_time_the_design_does_not_give_is_caught() {
    let (_t, dir) = good_output();
    // Validly signed, but the naive design's commitments are final at once: a lock time and a
    // non-final sequence are not what both parties agreed to sign.
    resign_with(&dir, 2, 3_600_000 - 3_000 - 169, 3_000, |t| {
        t.lock_time = bitcoin::absolute::LockTime::from_height(100).unwrap();
        t.input[0].sequence = bitcoin::Sequence::ENABLE_LOCKTIME_NO_RBF;
    });
    let (_, out) = verify(&dir, &[]);
    assert!(out.lines().any(|l| l.starts_with("commitment #3: final")), "{out}");
    assert!(!out.contains("commitment #3: consensus"), "validly signed:\n{out}");
}

#[test]
fn a_fee_below_the_minimum_is_caught() {
    let (_t, dir) = good_output();
    resign(&dir, 1, 3_600_000 - 2_000 - 10, 2_000);
    let (_, out) = verify(&dir, &[]);
    assert!(out.lines().any(|l| l.starts_with("commitment #2: fee-rate")), "{out}");
    // With no floor the same folder passes: the low fee is the only thing wrong with it.
    let (_, out) = verify(&dir, &["--min-fee-rate", "0 sat/vB"]);
    assert!(out.contains("0 failures"), "{out}");
}

#[test]
fn a_missing_folder_is_a_usage_error() {
    let (code, _) = verify(Path::new("/nonexistent/paychan"), &[]);
    assert_eq!(code, Some(2));
}

/// The revocable design's basepoints in `summary.json` are the design's own keys: verify reads
/// them back through the design, and a key that does not parse, or one missing, is a finding.
#[test]
fn a_broken_or_missing_basepoint_is_caught() {
    let out = tempfile::tempdir().unwrap();
    run_ok("scenarios/cheating/revocable-emma-cheats.toml", out.path());
    let dir = out.path().join("revocable-emma-cheats");
    assert_eq!(verify(&dir, &[]).0, Some(0), "the clean revocable output passes");
    let keys = |v: &mut serde_json::Value| v["payer"]["basepoints"].as_object_mut().unwrap().clone();
    let mut original = serde_json::Value::Null;
    edit_json(&dir, |v| {
        original = serde_json::Value::Object(keys(v));
        v["payer"]["basepoints"]["delayed_payment"] = "02zz".into();
    });
    let (code, text) = verify(&dir, &[]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("the payer's delayed_payment key is not a compressed public key"), "{text}");
    edit_json(&dir, |v| {
        v["payer"]["basepoints"] = original.clone();
        v["payee"]["basepoints"].as_object_mut().unwrap().remove("revocation");
    });
    let (code, text) = verify(&dir, &[]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("the payee's basepoints have no revocation key"), "{text}");
}

/// A folder written with --no-tx-hex has nothing to check in its log: verify says so once, for
/// all the rows, not once a row.
#[test]
fn a_log_without_transactions_is_said_once() {
    let out = tempfile::tempdir().unwrap();
    let o = paychan(&["run", BOOK, "--out", out.path().to_str().unwrap(), "--no-tx-hex", "-q"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (code, text) = verify(&out.path().join("emma-fabian"), &[]);
    assert_eq!(code, Some(1), "{text}");
    let lines: Vec<&str> = text.lines().filter(|l| l.contains("no-tx-hex")).collect();
    assert_eq!(lines, ["commitments.csv: no-tx-hex: 600 commitments (#1 to #600) have no transaction in the log (a --no-tx-hex run): nothing of them to verify"], "{text}");
}

#[test]
fn a_lock_time_or_sequence_the_transaction_does_not_have_is_caught() {
    let (_t, dir) = good_output();
    let lock = paychan::output::log::LOG_COLUMNS.iter().position(|c| *c == "lock_time").unwrap();
    edit_csv(&dir, |rows| set(&mut rows[4], lock, "1"));
    assert_caught(&dir, "commitment #5: lock-columns");
    let (_t, dir) = good_output();
    edit_csv(&dir, |rows| set(&mut rows[6], lock + 1, "0"));
    assert_caught(&dir, "commitment #7: lock-columns");
}

/// The revocable design's other version of each state (`commitments-payer.csv`, Emma's, signed
/// by Fabian) is checked as the logged one is: a clean run counts its 600 transactions, and a
/// flipped byte of Fabian's signature in Emma's #2 is caught.
#[test]
fn the_other_versions_signatures_are_verified() {
    let out = tempfile::tempdir().unwrap();
    run_ok("scenarios/cheating/revocable-emma-vanishes.toml", out.path());
    let dir = out.path().join("revocable-emma-vanishes");
    let (code, clean) = verify(&dir, &[]);
    assert_eq!(code, Some(0), "{clean}");
    assert!(clean.contains("1204 transactions checked, 0 failures"), "{clean}");
    edit_log(&dir.join("commitments-payer.csv"), |rows| {
        let t = tx(&rows[1][HEX]);
        let item = (1..=2).find(|i| !t.input[0].witness.nth(*i).unwrap().is_empty()).unwrap();
        let h = edit_witness(&rows[1][HEX], item, |sig| sig[10] ^= 0x01);
        set(&mut rows[1], HEX, &h);
    });
    assert_caught(&dir, "commitments-payer.csv #2: signature: signed_by says payee");
}

/// The same for the other party's versions of a revocable run: the payer's copies written with
/// --no-tx-hex are said once too, never skipped without a word.
#[test]
fn the_other_versions_without_transactions_are_said_once() {
    let out = tempfile::tempdir().unwrap();
    let scenario = "scenarios/cheating/revocable-emma-vanishes.toml";
    let o = paychan(&["run", scenario, "--out", out.path().to_str().unwrap(), "--no-tx-hex", "-q"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let dir = std::fs::read_dir(out.path()).unwrap().next().unwrap().unwrap().path();
    let (code, text) = verify(&dir, &[]);
    assert_eq!(code, Some(1), "{text}");
    let lines: Vec<&str> = text.lines().filter(|l| l.contains("no-tx-hex")).collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines.iter().any(|l| l.starts_with("commitments-payer.csv: no-tx-hex: ") && l.contains(" versions (#1 to #")),
        "{text}"
    );
}
