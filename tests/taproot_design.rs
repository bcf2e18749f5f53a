//! The Taproot design end to end (issue 21): the book's session and the three cheating
//! scenarios under `design = "taproot"`, each run by the binary and its folder accepted by
//! `paychan verify` (Bitcoin Core's interpreter with the Taproot flags on every transaction, the
//! chain included); the MuSig2 messages of each update as the parties exchange them: every
//! nonce signs one message, a flipped partial signature is refused, each party completes only
//! its own version, and what the chain sees of a cooperative close (one 64-byte signature) and
//! of a unilateral one (a version, then a leaf revealed with its script and control block).

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use bitcoin::TxOut;
use common::*;
use paychan::channel::taproot::Taproot;
use paychan::engine;
use paychan::party::taproot::{state, HerOffer, HisAnnouncement, HisPartial};
use paychan::party::{ProtocolError, SignedCommitment};
use paychan::rules;
use paychan::scenario::Scenario;

/// The book's session (`scenarios/emma-fabian.toml`) with `design = "taproot"`.
fn book_text() -> String {
    let text = fs::read_to_string(root().join("scenarios/emma-fabian.toml")).unwrap();
    let text = text.replace("name = \"emma-fabian\"", "name = \"taproot-emma-fabian\"");
    text.replace("interval = \"1 s\"\n", "interval = \"1 s\"\ndesign = \"taproot\"\n")
}

fn run_and_verify(scenario: &Path, name: &str, out: &Path) -> (serde_json::Value, Vec<csv::StringRecord>) {
    let o = paychan(&["run", scenario.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"]);
    assert!(o.status.success(), "{name}: {}", String::from_utf8_lossy(&o.stderr));
    let dir = out.join(name);
    let v = paychan(&["verify", dir.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&v.stdout).to_string() + &String::from_utf8_lossy(&v.stderr);
    assert!(v.status.success() && said.contains(", 0 failures"), "{name}: verify: {said}");
    let rows = csv::Reader::from_path(dir.join("chain.csv")).unwrap().records().map(|r| r.unwrap()).collect();
    (summary(&dir), rows)
}

#[test]
fn the_book_under_taproot_verifies_and_closes_with_one_key_path_signature() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("book.toml");
    fs::write(&file, book_text()).unwrap();
    let (s, rows) = run_and_verify(&file, "taproot-emma-fabian", &tmp.path().join("out"));
    assert_eq!(s["design"], "taproot");
    assert_eq!(s["commitments"], 600);
    let settlement = rows.iter().find(|r| &r[1] == "settlement").expect("the close confirms");
    assert_eq!(&settlement[5], "confirmed");
    let tx = tx(&settlement[8]);
    let w = &tx.input[0].witness;
    assert_eq!((w.len(), w.nth(0).unwrap().len()), (1, 64), "one BIP-0340 signature, nothing else");
    let funding = tx_of(&rows, "funding");
    assert!(funding.output[0].script_pubkey.is_p2tr(), "the funding output is one Taproot key");
    rules::consensus(&tx, 0, &[funding.output[0].clone()]).unwrap();
    // The logged versions are the payer's, complete, in the same interpreter (verify ran it).
    let dir = tmp.path().join("out/taproot-emma-fabian");
    assert_eq!(check_all(&dir, bitcoin::FeeRate::from_sat_per_vb(1).unwrap()), 604);
    let log = csv::Reader::from_path(dir.join("commitments.csv")).unwrap().into_records().next().unwrap().unwrap();
    assert_eq!((&log[15], &log[16]), ("both", "payer"), "Emma's own version, signed by both");
    // Twice, with another thread count: the same bytes.
    let again = tmp.path().join("again");
    let o = paychan(&["run", file.to_str().unwrap(), "--out", again.to_str().unwrap(), "-q", "--threads", "1"]);
    assert!(o.status.success());
    for f in ["commitments.csv", "chain.csv", "summary.json"] {
        assert_eq!(fs::read(dir.join(f)).unwrap(), fs::read(again.join("taproot-emma-fabian").join(f)).unwrap(), "{f}");
    }
}

fn tx_of(rows: &[csv::StringRecord], kind: &str) -> bitcoin::Transaction {
    tx(&rows.iter().find(|r| &r[1] == kind).unwrap()[8])
}

fn kinds(rows: &[csv::StringRecord]) -> Vec<String> {
    rows.iter().map(|r| format!("{}:{}:{}", &r[1], &r[2], &r[5])).collect()
}

#[test]
fn the_cheating_scenarios_punish_wait_out_the_delay_and_fail_without_a_watcher() {
    // 1 sat/vB = 250 sat/kWU. A two-output version weighs 616 WU (154 sat); the delay-leaf sweep
    // 501 WU (126 sat); the penalty, the revocation leaf and the to_remote leaf in one
    // transaction, 832 WU (208 sat).
    let out = tempfile::tempdir().unwrap();
    let cases: [(&str, u64, u64); 3] = [
        ("taproot-emma-cheats", 0, 3_600_000 - 154 - 208),
        // Emma's 2,999,846 sat wait in Fabian's version's to_remote leaf, for her key after one
        // block: she has vanished, so nothing pays her payout script.
        ("taproot-emma-vanishes", 0, 600_000 - 126),
        ("taproot-fabian-stops-watching", 3_600_000 - 1_000 - 154 - 126, 0),
    ];
    for (name, payer, payee) in cases {
        let file = root().join(format!("scenarios/cheating/{name}.toml"));
        let (s, rows) = run_and_verify(&file, name, out.path());
        let o = &s["outcome"];
        assert_eq!(o["payer"]["received_sat"], payer, "{name}: {o}");
        assert_eq!(o["payee"]["received_sat"], payee, "{name}: {o}");
        let k = kinds(&rows);
        let funding = tx_of(&rows, "funding");
        let commitment = tx_of(&rows, "commitment");
        rules::consensus(&commitment, 0, &[funding.output[0].clone()]).unwrap();
        match name {
            "taproot-emma-cheats" => {
                assert!(k.contains(&"penalty:Fabian:confirmed".to_string()), "{k:?}");
                assert!(k.contains(&"sweep:Emma:rejected".to_string()), "{k:?}");
                let penalty = tx_of(&rows, "penalty");
                // The revocation leaf: signature, leaf script, control block.
                assert_eq!(penalty.input[0].witness.len(), 3);
                assert_eq!(penalty.input[0].sequence.0, 0, "at once");
                let spent: Vec<TxOut> =
                    penalty.input.iter().map(|i| commitment.output[i.previous_output.vout as usize].clone()).collect();
                for i in 0..penalty.input.len() {
                    rules::consensus(&penalty, i, &spent).unwrap();
                }
                assert_eq!(s["chain"]["end_height"], 800_003, "the penalty confirms in the next block");
            }
            "taproot-emma-vanishes" => {
                let sweep = rows.iter().find(|r| &r[1] == "sweep").unwrap();
                assert_eq!((&sweep[2], &sweep[5], &sweep[6]), ("Fabian", "confirmed", "801002"));
                assert!(sweep[7].starts_with("relative lock: input 0 waits 1,000 blocks"), "{sweep:?}");
                assert!(commitment.output.iter().any(|o| o.value.to_sat() == 2_999_846 && o.script_pubkey.is_p2tr()));
            }
            _ => {
                assert!(!k.iter().any(|x| x.starts_with("penalty")), "{k:?}");
                assert!(k.contains(&"sweep:Emma:confirmed".to_string()), "{k:?}");
                assert_eq!(s["chain"]["end_height"], 801_002);
            }
        }
    }
}

fn scenario(seconds: u64) -> Scenario {
    let text = format!(
        "name = \"t\"\nseed = 9\npayer = \"Emma\"\npayee = \"Fabian\"\ncapacity = \"36 mBTC\"\nfee_rate = \"1 sat/vB\"\n\
         design = \"taproot\"\nto_self_delay = 144\n[[segment]]\nrate = \"0.01 mBTC/s\"\nduration = \"{seconds} s\"\n"
    );
    Scenario::from_toml(Path::new("t.toml"), &text).expect("a valid scenario")
}

#[test]
fn every_nonce_signs_one_message_and_a_flipped_partial_signature_is_refused() {
    let s = scenario(50);
    let (channel, mut payer, mut payee) = engine::open(&s).unwrap();
    let p = channel.params.clone();
    let funding = Taproot::funding_prevout(&p);
    let mut nonces = BTreeSet::new();
    let mut states: Vec<SignedCommitment> = Vec::new();
    for seq in 1..=50u64 {
        let ann = payee.announce(seq).unwrap();
        let his = ann.get::<HisAnnouncement>().unwrap().clone();
        payer.hear(seq, ann);
        let price = bitcoin::Amount::from_sat(1_000);
        let proposal = payer.propose(price).unwrap().clone();
        let her = proposal.extra.get::<HerOffer>().unwrap().clone();
        if seq == 7 {
            // Her partial signature flipped: Fabian refuses before he signs or revokes anything.
            let mut bad = proposal.clone();
            let offer = bad.extra.get_mut::<HerOffer>().unwrap();
            offer.partial = Some(offer.partial.unwrap() + musig2::secp::MaybeScalar::one());
            let e = payee.clone().review(&bad, price).unwrap_err();
            assert!(matches!(e, ProtocolError::BadSignature { who: "payer", .. }), "{e}");
        }
        let reply = payee.review(&proposal, price).unwrap();
        let mine = reply.extra.get::<HisPartial>().unwrap().clone();
        if seq == 9 {
            let mut bad = reply.clone();
            let part = bad.extra.get_mut::<HisPartial>().unwrap();
            part.partial += musig2::secp::MaybeScalar::one();
            let e = payer.clone().accept(bad).unwrap_err();
            assert!(matches!(e, ProtocolError::BadSignature { who: "payee", .. }), "{e}");
        }
        let c = payer.accept(reply).unwrap();
        // Four sessions' nonces a state (his version: his and hers; hers: hers and his): all new.
        for n in [his.nonce, her.nonce, her.own_nonce.unwrap(), mine.nonce] {
            assert!(nonces.insert(n.serialize()), "#{seq}: a nonce seen before");
        }
        payer.receive(&c).unwrap();
        payee.receive(&c).unwrap();
        // Her version is complete; his she cannot complete; he completes his own.
        rules::consensus(&c.tx, 0, std::slice::from_ref(&funding)).unwrap();
        let st = state(&c).unwrap();
        assert!(rules::consensus(&st.his, 0, std::slice::from_ref(&funding)).is_err(), "his, unsigned");
        let his_tx = payee.complete(&c).unwrap();
        rules::consensus(&his_tx, 0, std::slice::from_ref(&funding)).unwrap();
        assert_ne!(his_tx.compute_txid(), c.tx.compute_txid(), "two versions");
        assert_eq!(Taproot::commitment_number(&p, &his_tx), Some(seq));
        states.push(c);
    }
    // The close: one more session, one signature, plain outputs.
    let proposal = payer.propose_settlement().unwrap().clone();
    let reply = payee.review_settlement(&proposal).unwrap();
    let close = payer.accept(reply).unwrap();
    rules::consensus(&close.tx, 0, std::slice::from_ref(&funding)).unwrap();
    assert!(close.tx.output.iter().all(|o| o.script_pubkey.is_p2wpkh()));
    let n = proposal.extra.get::<HerOffer>().unwrap().nonce.serialize();
    assert!(nonces.insert(n), "the close's nonce is new");
    // Each revoked version of hers is answered through the revocation leaf by Fabian.
    let revoked = &states[3].tx;
    let a = payee.answer(revoked, paychan::channel::Who::Payer, 50, "Fabian");
    let r = a.reply.expect("a penalty");
    assert_eq!(r.word, "penalty");
    let spent: Vec<TxOut> =
        r.tx.input.iter().map(|i| revoked.output[i.previous_output.vout as usize].clone()).collect();
    for i in 0..r.tx.input.len() {
        rules::consensus(&r.tx, i, &spent).unwrap();
    }
}
