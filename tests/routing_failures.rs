//! BOLT #5's four failures of a routed payment (issue 19 part 5), each a shipped scenario of
//! `scenarios/routing/` run by the real binary: the recipient never reveals, an intermediary
//! vanishes after learning R, a revoked commitment with an HTLC is broadcast, a hop's
//! `cltv_expiry_delta` is too short to react. For each: how every HTLC ended (`htlcs.csv`),
//! which transactions confirmed at which heights (each channel's `chain.csv`), what each node
//! received on chain, every confirmed transaction through Bitcoin Core's interpreter (CLTV and
//! CSV included) against the outputs it spends, and `paychan verify` on every channel folder.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use bitcoin::hashes::{sha256, Hash};
use bitcoin::{Amount, OutPoint, ScriptBuf, Transaction, TxOut};
use common::*;

const BTC: u64 = 100_000_000;
const CHANNELS: [&str; 4] = ["Alice-Bob", "Bob-Carol", "Carol-Diana", "Diana-Eric"];

fn csv_rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    r.deserialize().map(|row| row.unwrap()).collect()
}

fn run(scenario: &str, out: &Path) -> PathBuf {
    let o = paychan(&["run", scenario, "--out", out.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{scenario}: {}", String::from_utf8_lossy(&o.stderr));
    let name = fs::read_to_string(root().join(scenario)).unwrap().parse::<toml::Table>().unwrap()["name"]
        .as_str()
        .unwrap()
        .to_string();
    out.join(name)
}

/// Each HTLC's (channel, resolution, resolved height).
fn resolutions(dir: &Path) -> Vec<(String, String, Option<u32>)> {
    csv_rows(&dir.join("htlcs.csv"))
        .into_iter()
        .map(|r| (r["channel"].clone(), r["resolution"].clone(), r["resolved_height"].parse().ok()))
        .collect()
}

/// A channel's chain.csv as (kind, broadcast_by, status, confirmed height).
fn chain(dir: &Path, channel: &str) -> Vec<(String, String, String, Option<u32>)> {
    csv_rows(&dir.join("channels").join(channel).join("chain.csv"))
        .into_iter()
        .map(|r| {
            (r["kind"].clone(), r["broadcast_by"].clone(), r["status"].clone(), r["confirmed_height"].parse().ok())
        })
        .collect()
}

fn row(kind: &str, by: &str, status: &str, height: Option<u32>) -> (String, String, String, Option<u32>) {
    (kind.into(), by.into(), status.into(), height)
}

/// Every confirmed transaction of the channel through the interpreter against the outputs it
/// spends (the funder's coin or earlier rows); a rejected one must fail only for a spent input.
/// Returns what each side (a, b) received on chain: the confirmed outputs to its payment
/// basepoint's P2WPKH, which the other's commitment, its sweeps and its penalties pay.
fn interpret(dir: &Path, channel: &str) -> [u64; 2] {
    let folder = dir.join("channels").join(channel);
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(folder.join("channel.json")).unwrap()).unwrap();
    let mut outputs: BTreeMap<OutPoint, TxOut> = BTreeMap::new();
    let coin: OutPoint = json["coin_outpoint"].as_str().unwrap().parse().unwrap();
    outputs.insert(
        coin,
        TxOut {
            value: Amount::from_sat(json["coin_sat"].as_u64().unwrap()),
            script_pubkey: ScriptBuf::from_hex(json["coin_script_pubkey_hex"].as_str().unwrap()).unwrap(),
        },
    );
    let payout = |side: usize| {
        let key: bitcoin::secp256k1::PublicKey = json["keys"][side]["payment"].as_str().unwrap().parse().unwrap();
        ScriptBuf::new_p2wpkh(&bitcoin::CompressedPublicKey(key).wpubkey_hash())
    };
    let mut received = [0u64; 2];
    for r in csv_rows(&folder.join("chain.csv")) {
        let t: Transaction = tx(&r["tx_hex"]);
        let spent: Vec<TxOut> = t
            .input
            .iter()
            .map(|i| outputs.get(&i.previous_output).cloned())
            .collect::<Option<_>>()
            .unwrap_or_else(|| panic!("{channel}: {} spends an output not in chain.csv", r["kind"]));
        for i in 0..t.input.len() {
            let verdict = paychan::rules::consensus(&t, i, &spent);
            match r["status"].as_str() {
                "confirmed" => verdict.unwrap_or_else(|e| panic!("{channel}: {} input {i}: {e}", r["kind"])),
                // Refused by the chain as a double spend, not by the interpreter.
                _ => assert!(r["reason"].starts_with("double spend"), "{channel}: {:?}", r["reason"]),
            }
        }
        if r["status"] == "confirmed" {
            let txid = t.compute_txid();
            for (vout, o) in t.output.iter().enumerate() {
                for (side, got) in received.iter_mut().enumerate() {
                    if o.script_pubkey == payout(side) {
                        *got += o.value.to_sat();
                    }
                }
                outputs.insert(OutPoint { txid, vout: vout as u32 }, o.clone());
            }
        }
    }
    received
}

/// The fees of the channel's confirmed transactions other than the funding, by broadcaster: what
/// their inputs (outputs of earlier rows) hold less what they pay.
fn fees(dir: &Path, channel: &str) -> BTreeMap<String, u64> {
    let rows = csv_rows(&dir.join("channels").join(channel).join("chain.csv"));
    let txs: BTreeMap<bitcoin::Txid, Transaction> =
        rows.iter().map(|r| tx(&r["tx_hex"])).map(|t| (t.compute_txid(), t)).collect();
    let mut fees = BTreeMap::new();
    for r in rows.iter().filter(|r| r["status"] == "confirmed" && r["kind"] != "funding") {
        let t = tx(&r["tx_hex"]);
        let inputs: u64 = t
            .input
            .iter()
            .map(|i| txs[&i.previous_output.txid].output[i.previous_output.vout as usize].value.to_sat())
            .sum();
        let out: u64 = t.output.iter().map(|o| o.value.to_sat()).sum();
        *fees.entry(r["broadcast_by"].clone()).or_default() += inputs - out;
    }
    fees
}

fn verify_all(dir: &Path) {
    for c in CHANNELS {
        let ch = dir.join("channels").join(c);
        let o = paychan(&["verify", ch.to_str().unwrap()]);
        let said = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success() && said.contains(" 0 failures"),
            "{c}: {said}{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

fn res(channel: &str, resolution: &str, height: Option<u32>) -> (String, String, Option<u32>) {
    (channel.into(), resolution.into(), height)
}

#[test]
fn the_recipient_never_reveals_diana_times_out_on_chain_and_the_rest_fail_back_off_chain() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = run("scenarios/routing/never-reveals.toml", tmp.path());
    assert_eq!(
        resolutions(&dir),
        [
            res("Alice-Bob", "failed", None),
            res("Bob-Carol", "failed", None),
            res("Carol-Diana", "failed", None),
            res("Diana-Eric", "timeout-on-chain", Some(800_008)),
        ]
    );
    // Diana fails Carol's HTLC only after her HTLC-timeout confirmed; the fails go upstream.
    let steps = csv_rows(&dir.join("steps.csv"));
    let fails: Vec<&str> =
        steps.iter().filter(|s| s["message"] == "update_fail_htlc").map(|s| s["channel"].as_str()).collect();
    assert_eq!(fails, ["Carol-Diana", "Bob-Carol", "Alice-Bob"]);
    // The HTLC-timeout's lock time is the HTLC's cltv_expiry: final at 800008, not before.
    assert_eq!(
        chain(&dir, "Diana-Eric"),
        [
            row("funding", "Diana", "confirmed", Some(800_000)),
            row("commitment", "Diana", "confirmed", Some(800_008)),
            row("HTLC-timeout", "Diana", "confirmed", Some(800_008)),
            row("sweep", "Diana", "confirmed", Some(800_152)),
            row("sweep", "Diana", "confirmed", Some(800_152)),
        ]
    );
    for c in ["Alice-Bob", "Bob-Carol", "Carol-Diana"] {
        assert_eq!(chain(&dir, c).len(), 1, "{c}: only its funding on chain");
    }
    // Everyone has their 2 BTC back in the open channels; on chain Eric's 2 BTC are his at once,
    // Diana's 2 BTC come back less the fees she paid to close.
    let balances = csv_rows(&dir.join("balances.csv"));
    for c in ["Alice-Bob", "Bob-Carol", "Carol-Diana"] {
        let last = balances.iter().rfind(|r| r["channel"] == c).unwrap();
        assert_eq!(
            (last["a_sat"].as_str(), last["b_sat"].as_str(), last["in_flight_sat"].as_str()),
            ("200000000", "200000000", "0"),
            "{c}"
        );
    }
    let got = interpret(&dir, "Diana-Eric");
    let fees = fees(&dir, "Diana-Eric");
    assert_eq!(got, [2 * BTC - fees["Diana"], 2 * BTC], "Diana, Eric");
    verify_all(&dir);
}

#[test]
fn an_intermediary_vanishes_after_learning_r_diana_claims_with_it_on_chain_before_its_expiry() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = run("scenarios/routing/vanished-intermediary.toml", tmp.path());
    assert_eq!(
        resolutions(&dir),
        [
            res("Alice-Bob", "failed", None),
            res("Bob-Carol", "timeout-on-chain", Some(800_010)),
            res("Carol-Diana", "success-on-chain", Some(800_001)),
            res("Diana-Eric", "fulfilled", None),
        ]
    );
    assert_eq!(
        chain(&dir, "Carol-Diana"),
        [
            row("funding", "Carol", "confirmed", Some(800_000)),
            row("commitment", "Diana", "confirmed", Some(800_001)),
            row("HTLC-success", "Diana", "confirmed", Some(800_001)),
            row("sweep", "Diana", "confirmed", Some(800_145)),
            row("sweep", "Diana", "confirmed", Some(800_145)),
        ]
    );
    assert_eq!(
        chain(&dir, "Bob-Carol"),
        [
            row("funding", "Bob", "confirmed", Some(800_000)),
            row("commitment", "Bob", "confirmed", Some(800_010)),
            row("HTLC-timeout", "Bob", "confirmed", Some(800_010)),
            row("sweep", "Bob", "confirmed", Some(800_154)),
            row("sweep", "Bob", "confirmed", Some(800_154)),
        ]
    );
    // The HTLC-success reveals R on chain, before the HTLC's expiry 800008.
    let rows = csv_rows(&dir.join("channels/Carol-Diana/chain.csv"));
    let success = tx(&rows[2]["tx_hex"]);
    let hash = &csv_rows(&dir.join("htlcs.csv"))[2]["payment_hash"];
    assert_eq!(&sha256::Hash::hash(success.input[0].witness.nth(3).unwrap()).to_string(), hash);
    // Diana gets the 1.001 BTC HTLC (less her fees) beside her 2; Carol only her balance less
    // the commitment fee she pays as funder. Bob recovers his 2 BTC less his fees, Carol's 2 are hers.
    let commitment_fee = {
        let c = tx(&rows[1]["tx_hex"]);
        2 * 2 * BTC - c.output.iter().map(|o| o.value.to_sat()).sum::<u64>()
    };
    let diana_fees = fees(&dir, "Carol-Diana")["Diana"] - commitment_fee;
    assert_eq!(
        interpret(&dir, "Carol-Diana"),
        [2 * BTC - 100_100_000 - commitment_fee, 2 * BTC + 100_100_000 - diana_fees]
    );
    assert_eq!(interpret(&dir, "Bob-Carol"), [2 * BTC - fees(&dir, "Bob-Carol")["Bob"], 2 * BTC]);
    verify_all(&dir);
}

#[test]
fn a_revoked_commitment_with_an_htlc_the_penalty_takes_to_local_and_the_htlc_output() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = run("scenarios/routing/revoked-htlcs.toml", tmp.path());
    let rows = chain(&dir, "Alice-Bob");
    assert_eq!(
        rows,
        [
            row("funding", "Alice", "confirmed", Some(800_000)),
            row("revoked-commitment", "Alice", "confirmed", Some(800_001)),
            row("penalty", "Bob", "confirmed", Some(800_002)),
            row("HTLC-timeout", "Alice", "rejected", None),
        ]
    );
    let csv = csv_rows(&dir.join("channels/Alice-Bob/chain.csv"));
    let (revoked, penalty) = (tx(&csv[1]["tx_hex"]), tx(&csv[2]["tx_hex"]));
    // Alice's commitment 1: her to_local, Bob's to_remote and the 1.003 BTC HTLC she offered.
    let commitments = csv_rows(&dir.join("channels/Alice-Bob/commitments.csv"));
    let one = commitments.iter().find(|r| r["holder"] == "a" && r["number"] == "1").unwrap();
    assert_eq!(one["txid"], revoked.compute_txid().to_string());
    assert!(!one["revoked_by_secret"].is_empty());
    assert_eq!(revoked.output.len(), 3);
    let htlc_vout = revoked.output.iter().position(|o| o.value.to_sat() == 100_300_000).unwrap();
    // The penalty spends both of the outputs that were Alice's or would have been: to_local and
    // the HTLC, and nothing else.
    let mut spent: Vec<u32> = penalty.input.iter().map(|i| i.previous_output.vout).collect();
    spent.sort();
    let to_local_vout = (0..3).find(|v| *v != htlc_vout && revoked.output[*v].script_pubkey.is_p2wsh()).unwrap();
    let mut want = vec![htlc_vout as u32, to_local_vout as u32];
    want.sort();
    assert_eq!(spent, want);
    assert!(penalty.input.iter().all(|i| i.previous_output.txid == revoked.compute_txid()));
    // Her HTLC-timeout, final at 800011, finds its input taken by the penalty.
    assert!(csv[3]["reason"].starts_with("double spend"), "{}", csv[3]["reason"]);
    assert_eq!(csv[3]["broadcast_height"], "800010");
    // Bob ends with the whole channel less the fees; Alice with nothing.
    let commitment_fee = 4 * BTC - revoked.output.iter().map(|o| o.value.to_sat()).sum::<u64>();
    let penalty_fee = fees(&dir, "Alice-Bob")["Bob"];
    assert_eq!(interpret(&dir, "Alice-Bob"), [0, 4 * BTC - commitment_fee - penalty_fee]);
    // Every HTLC was fulfilled off chain first.
    assert!(resolutions(&dir).iter().all(|(_, r, _)| r == "fulfilled"));
    verify_all(&dir);
}

fn short_delta(dir: &Path, delta: u32) -> PathBuf {
    let text = fs::read_to_string(root().join("scenarios/routing/short-delta.toml")).unwrap();
    let text = text.replace(
        "name = \"Carol\"\nfee_base = \"0.001 BTC\"\ncltv_expiry_delta = 2",
        &format!("name = \"Carol\"\nfee_base = \"0.001 BTC\"\ncltv_expiry_delta = {delta}"),
    );
    let path = dir.join(format!("short-delta-{delta}.toml"));
    fs::write(&path, text).unwrap();
    let o = paychan(&["run", path.to_str().unwrap(), "--out", dir.to_str().unwrap(), "--quiet", "--force"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    dir.join("short-delta")
}

#[test]
fn a_delta_too_short_to_react_carol_loses_what_she_forwarded_and_a_longer_one_saves_her() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = run("scenarios/routing/short-delta.toml", tmp.path());
    let htlcs = csv_rows(&dir.join("htlcs.csv"));
    let expiries: Vec<&str> = htlcs.iter().map(|h| h["cltv_expiry"].as_str()).collect();
    assert_eq!(expiries, ["800011", "800010", "800008", "800007"], "Carol keeps 2 blocks");
    assert_eq!(
        resolutions(&dir),
        [
            res("Alice-Bob", "failed", None),
            res("Bob-Carol", "timeout-on-chain", Some(800_011)),
            res("Carol-Diana", "success-on-chain", Some(800_001)),
            res("Diana-Eric", "fulfilled", None),
        ]
    );
    // Bob's HTLC-timeout confirms at 800011, before Carol is back at 800012.
    assert_eq!(chain(&dir, "Bob-Carol")[2], row("HTLC-timeout", "Bob", "confirmed", Some(800_011)));
    let rows = csv_rows(&dir.join("channels/Carol-Diana/chain.csv"));
    let commitment_fee = 4 * BTC - tx(&rows[1]["tx_hex"]).output.iter().map(|o| o.value.to_sat()).sum::<u64>();
    // Carol: 2 BTC less the 1.001 BTC Diana claimed and the fee, in Carol-Diana; 2 BTC in
    // Bob-Carol, and nothing of the 1.002 BTC Bob offered her.
    let carol = interpret(&dir, "Carol-Diana")[0] + interpret(&dir, "Bob-Carol")[1];
    assert_eq!(carol, 4 * BTC - 100_100_000 - commitment_fee, "Carol lost what she forwarded");
    verify_all(&dir);

    // With a delta of 4, Bob's HTLC expires at 800012: Carol, back then, claims it off chain.
    let t2 = tempfile::tempdir().unwrap();
    let dir = short_delta(t2.path(), 4);
    assert_eq!(
        resolutions(&dir),
        [
            res("Alice-Bob", "fulfilled", None),
            res("Bob-Carol", "fulfilled", None),
            res("Carol-Diana", "success-on-chain", Some(800_001)),
            res("Diana-Eric", "fulfilled", None),
        ]
    );
    let balances = csv_rows(&dir.join("balances.csv"));
    let last = balances.iter().rfind(|r| r["channel"] == "Bob-Carol").unwrap();
    assert_eq!(last["b_sat"], (2 * BTC + 100_200_000).to_string(), "Carol has Bob's 1.002 BTC");
    let carol = interpret(&dir, "Carol-Diana")[0] + 2 * BTC + 100_200_000;
    assert_eq!(carol, 4 * BTC + 100_000 - commitment_fee, "0.001 BTC richer, less the fee of the close");
    verify_all(&dir);
}

#[test]
fn verify_catches_an_htlc_timeout_moved_before_its_lock_time() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = run("scenarios/routing/never-reveals.toml", tmp.path()).join("channels/Diana-Eric");
    let path = dir.join("chain.csv");
    let text = fs::read_to_string(&path).unwrap();
    // The commitment and the HTLC-timeout listed a block earlier, at 800007.
    let moved = text.replace(",800007,confirmed,800008,", ",800006,confirmed,800007,");
    assert_ne!(moved, text);
    fs::write(&path, moved).unwrap();
    let o = paychan(&["verify", dir.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && said.contains("non-final"), "{said}");
}

#[test]
fn each_failure_run_is_the_same_bytes_twice() {
    for s in ["never-reveals", "vanished-intermediary", "revoked-htlcs", "short-delta"] {
        let scenario = format!("scenarios/routing/{s}.toml");
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (da, db) = (run(&scenario, a.path()), run(&scenario, b.path()));
        let mut files = vec!["steps.csv".to_string(), "balances.csv".into(), "htlcs.csv".into()];
        for c in CHANNELS {
            for f in ["channel.json", "commitments.csv", "htlc-txs.csv", "chain.csv"] {
                files.push(format!("channels/{c}/{f}"));
            }
        }
        for f in files {
            assert_eq!(fs::read(da.join(&f)).unwrap(), fs::read(db.join(&f)).unwrap(), "{s}: {f}");
        }
    }
}

#[test]
fn the_printed_summary_says_which_channel_closed_and_how_the_payment_ended() {
    let tmp = tempfile::tempdir().unwrap();
    let o = paychan(&["run", "scenarios/routing/never-reveals.toml", "--out", tmp.path().to_str().unwrap()]);
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{said}");
    assert!(said.contains("Diana-Eric   closed on chain: Diana received "), "{said}");
    assert!(said.contains("Carol-Diana  Carol 2 BTC / Diana 2 BTC"), "{said}");
    assert!(
        said.contains("payment  1: its furthest HTLC, Diana to Eric, ended timeout-on-chain at height 800008"),
        "{said}"
    );
}
