//! The book's routed payment (Mastering Bitcoin, "Routed Payment Channels"), number for number,
//! from the files `paychan run scenarios/routing/book.toml` writes: Alice pays Eric 1 BTC through
//! Bob, Carol and Diana, each channel 2 BTC a side; Alice offers Bob 1.003 BTC for 10 blocks, Bob
//! offers Carol 1.002 for 9, Carol offers Diana 1.001 for 8, Diana offers Eric 1 for 7; Eric
//! reveals R; at the end Diana has 1 and Eric 3 in their channel, and each intermediary is
//! 0.001 BTC richer. Every transaction goes through Bitcoin Core's interpreter here, against the
//! output it spends, and `paychan verify` passes on every channel folder.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use bitcoin::hashes::{sha256, Hash};
use bitcoin::{Amount, ScriptBuf, Transaction};
use common::*;

const BTC: u64 = 100_000_000;
const CHANNELS: [&str; 4] = ["Alice-Bob", "Bob-Carol", "Carol-Diana", "Diana-Eric"];

fn csv_rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    r.deserialize().map(|row| row.unwrap()).collect()
}

fn num(row: &BTreeMap<String, String>, key: &str) -> u64 {
    row[key].parse().unwrap_or_else(|_| panic!("{key} = {:?}", row[key]))
}

fn run_book(out: &Path) -> std::path::PathBuf {
    let o = paychan(&["run", "scenarios/routing/book.toml", "--out", out.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out.join("book-routing")
}

/// The balances of `channel` after `step`: (a, b, in flight) in satoshis.
fn balances_at(dir: &Path, channel: &str, step: u64) -> (u64, u64, u64) {
    let rows = csv_rows(&dir.join("balances.csv"));
    let row = rows.iter().find(|r| r["channel"] == channel && num(r, "step") == step).expect("a row");
    (num(row, "a_sat"), num(row, "b_sat"), num(row, "in_flight_sat"))
}

#[test]
fn every_balance_the_book_gives() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = run_book(tmp.path());
    let htlcs = csv_rows(&dir.join("htlcs.csv"));
    // The opening, before the first update_add_htlc: 2 BTC a side everywhere.
    let first_add = num(&htlcs[0], "added_step");
    for c in CHANNELS {
        assert_eq!(balances_at(&dir, c, first_add - 1), (2 * BTC, 2 * BTC, 0), "{c} opens 2/2");
    }
    // Each hop: the amount and expiry the book gives, offered by the channel's first node.
    let book = [(100_300_000, 800_010), (100_200_000, 800_009), (100_100_000, 800_008), (100_000_000, 800_007)];
    assert_eq!(htlcs.len(), 4);
    for ((h, c), (amount, expiry)) in htlcs.iter().zip(CHANNELS).zip(book) {
        assert_eq!((h["channel"].as_str(), num(h, "amount_sat"), num(h, "cltv_expiry")), (c, amount, expiry));
        // Once committed both ways, the offerer's side holds 2 BTC less the HTLC, in flight.
        assert_eq!(balances_at(&dir, c, num(h, "committed_step")), (2 * BTC - amount, 2 * BTC, amount), "{c}");
        // Once removed, the HTLC's amount is the receiver's.
        assert_eq!(balances_at(&dir, c, num(h, "removed_step")), (2 * BTC - amount, 2 * BTC + amount, 0), "{c}");
        assert_eq!(h["resolution"], "fulfilled");
        let preimage: Vec<u8> =
            (0..64).step_by(2).map(|i| u8::from_str_radix(&h["preimage"][i..i + 2], 16).unwrap()).collect();
        assert_eq!(sha256::Hash::hash(&preimage).to_string(), h["payment_hash"], "R hashes to H");
    }
    // Forward hop by hop, each committed before the next is added; back from Eric, each
    // fulfilled after the one downstream was removed.
    for w in htlcs.windows(2) {
        assert!(num(&w[0], "committed_step") < num(&w[1], "added_step"));
        assert!(num(&w[1], "removed_step") < num(&w[0], "fulfilled_step"));
    }
    let last = csv_rows(&dir.join("steps.csv")).len() as u64;
    assert_eq!(balances_at(&dir, "Diana-Eric", last), (BTC, 3 * BTC, 0), "Diana 1 / Eric 3");
    let mut wealth: BTreeMap<String, i64> = BTreeMap::new();
    for row in csv_rows(&dir.join("balances.csv")).iter().filter(|r| num(r, "step") == last) {
        *wealth.entry(row["a"].clone()).or_default() += num(row, "a_sat") as i64 - 2 * BTC as i64;
        *wealth.entry(row["b"].clone()).or_default() += num(row, "b_sat") as i64 - 2 * BTC as i64;
    }
    let expected =
        [("Alice", -100_300_000), ("Bob", 100_000), ("Carol", 100_000), ("Diana", 100_000), ("Eric", 100_000_000)];
    assert_eq!(wealth, expected.iter().map(|(n, v)| (n.to_string(), *v)).collect(), "each intermediary 0.001 richer");
}

/// Every transaction of a channel folder through the interpreter against the output it spends;
/// returns how many.
fn interpret_channel(dir: &Path) -> usize {
    let json: serde_json::Value = serde_json::from_str(&fs::read_to_string(dir.join("channel.json")).unwrap()).unwrap();
    let funding = tx(json["funding_tx_hex"].as_str().unwrap());
    let coin_spk = ScriptBuf::from_hex(json["coin_script_pubkey_hex"].as_str().unwrap()).unwrap();
    let coin = Amount::from_sat(json["coin_sat"].as_u64().unwrap());
    paychan::rules::consensus(&funding, 0, &[bitcoin::TxOut { value: coin, script_pubkey: coin_spk.clone() }]).unwrap();
    let (spk, capacity) = (&funding.output[0].script_pubkey, funding.output[0].value);
    let mut by_number: BTreeMap<(String, u64), Transaction> = BTreeMap::new();
    let mut n = 1;
    for row in csv_rows(&dir.join("commitments.csv")) {
        let t = tx(&row["tx_hex"]);
        assert_eq!(t.input[0].previous_output.txid, funding.compute_txid());
        paychan::rules::consensus(&t, 0, &[bitcoin::TxOut { value: capacity, script_pubkey: spk.to_owned() }])
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        by_number.insert((row["holder"].clone(), num(&row, "number")), t);
        n += 1;
    }
    let mut kinds = Vec::new();
    for row in csv_rows(&dir.join("htlc-txs.csv")) {
        let t = tx(&row["tx_hex"]);
        let spent = &by_number[&(row["holder"].clone(), num(&row, "commitment"))];
        let out = &spent.output[num(&row, "vout") as usize];
        assert_eq!(t.input[0].previous_output.txid, spent.compute_txid());
        paychan::rules::consensus(&t, 0, std::slice::from_ref(out)).unwrap();
        kinds.push(row["kind"].clone());
        n += 1;
    }
    assert_eq!(
        kinds,
        ["HTLC-timeout", "HTLC-success"],
        "{}: the offerer's timeout, the receiver's success",
        dir.display()
    );
    n
}

#[test]
fn every_transaction_passes_the_interpreter_and_verify_passes_on_every_channel() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = run_book(tmp.path());
    let mut total = 0;
    for c in CHANNELS {
        let ch = dir.join("channels").join(c);
        total += interpret_channel(&ch);
        let o = paychan(&["verify", ch.to_str().unwrap()]);
        let said = String::from_utf8_lossy(&o.stdout);
        assert!(o.status.success() && said.contains("9 transactions checked, 0 failures"), "{c}: {said}");
    }
    // Four fundings, six commitments and two HTLC transactions a channel.
    assert_eq!(total, 4 * 9);
}

/// `paychan verify` of the run's own folder checks every channel folder under it, one line each
/// and a line for the run; a tampered channel fails the whole.
#[test]
fn verify_of_the_run_folder_checks_every_channel() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = run_book(tmp.path());
    let o = paychan(&["verify", dir.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(o.status.success(), "{said}{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(said.matches("9 transactions checked, 0 failures").count(), 4, "{said}");
    assert!(said.ends_with("4 channels of a routed run, every one verified\n"), "{said}");
    let path = dir.join("channels/Carol-Diana/htlc-txs.csv");
    let text = fs::read_to_string(&path).unwrap();
    let hex = text.lines().last().unwrap().rsplit(',').next().unwrap();
    let mut t = tx(hex);
    t.output[0].value += Amount::from_sat(1);
    fs::write(&path, text.replace(hex, &bitcoin::consensus::encode::serialize_hex(&t))).unwrap();
    let o = paychan(&["verify", dir.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(o.status.code(), Some(1), "{said}");
    assert!(said.ends_with("4 channels of a routed run, not all verified\n"), "{said}");
}

#[test]
fn a_tampered_channel_folder_fails_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = run_book(tmp.path()).join("channels/Bob-Carol");
    let path = dir.join("commitments.csv");
    let text = fs::read_to_string(&path).unwrap();
    // Raise Carol's to_remote in the last commitment by one satoshi in the transaction itself.
    let last = text.lines().last().unwrap();
    let hex = last.rsplit(',').next().unwrap();
    let mut t = tx(hex);
    t.output[0].value += Amount::from_sat(1);
    let tampered = bitcoin::consensus::encode::serialize_hex(&t);
    fs::write(&path, text.replace(hex, &tampered)).unwrap();
    let o = paychan(&["verify", dir.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && said.contains("consensus"), "{said}");
}

#[test]
fn the_run_is_the_same_bytes_twice() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (da, db) = (run_book(a.path()), run_book(b.path()));
    let mut files = vec!["steps.csv".to_string(), "balances.csv".into(), "htlcs.csv".into()];
    for c in CHANNELS {
        for f in ["channel.json", "commitments.csv", "htlc-txs.csv"] {
            files.push(format!("channels/{c}/{f}"));
        }
    }
    for f in files {
        assert_eq!(fs::read(da.join(&f)).unwrap(), fs::read(db.join(&f)).unwrap(), "{f}");
    }
}
