//! The taproot design's keys and scripts against the proposal's own vectors
//! (`tests/data/simple-taproot-vectors.json`), and every spend it makes through Bitcoin Core's
//! interpreter with the Taproot flags: the MuSig2 key path, the delay leaf, the revocation leaf
//! and the `to_remote` leaf.

use bitcoin::hashes::Hash as _;
use bitcoin::secp256k1::{schnorr, Message, PublicKey, Secp256k1, SecretKey};
use bitcoin::taproot::TaprootSpendInfo;
use bitcoin::transaction::Version;
use bitcoin::{absolute::LockTime, Amount, OutPoint, Sequence, TxIn, Txid};
use bitcoin::{ScriptBuf, Transaction, TxOut, Witness};
use musig2::BinaryEncoding as _;
use musig2::{KeyAggContext, PubNonce};
use paychan::channel::bolt3;
use paychan::channel::taproot::*;
use paychan::rules;
use serde_json::Value;

fn vectors() -> Value {
    serde_json::from_str(include_str!("data/simple-taproot-vectors.json")).unwrap()
}

fn key(v: &Value) -> PublicKey {
    PublicKey::from_slice(&bitcoin::hex::FromHex::from_hex(v.as_str().unwrap()).map(|b: Vec<u8>| b).unwrap()).unwrap()
}

fn hex(v: &Value) -> &str {
    v.as_str().unwrap()
}

#[test]
fn the_funding_key_is_the_proposals_musig2_aggregate_with_the_bip86_tweak() {
    let v = vectors();
    let (local, remote) = (key(&v["keys"]["local_funding_pubkey"]), key(&v["keys"]["remote_funding_pubkey"]));
    for (a, b) in [(local, remote), (remote, local)] {
        let spk = funding_output_script(&a, &b);
        assert_eq!(spk.to_hex_string(), hex(&v["funding"]["pkscript"]), "KeySort makes the order irrelevant");
        assert_eq!(funding_output_key(&a, &b).to_x_only_public_key().to_string(), hex(&v["funding"]["combined_key"]));
    }
}

#[test]
fn the_outputs_are_the_proposals_to_local_and_to_remote() {
    let secp = Secp256k1::new();
    let v = vectors();
    let k = &v["keys"];
    let point = key(&k["local_per_commit_point"]);
    let delayed = bolt3::derive_pubkey(&secp, &key(&k["local_delayed_payment_basepoint"]), &point).unwrap();
    let revocation = bolt3::derive_revocation_pubkey(&secp, &key(&k["remote_revocation_basepoint"]), &point).unwrap();
    assert_eq!((delayed, revocation), (key(&k["derived_local_delayed_pubkey"]), key(&k["derived_revocation_pubkey"])));
    let delay = v["csv_delay"].as_u64().unwrap() as u16;
    assert_eq!(delay_leaf(&delayed, delay).to_hex_string(), hex(&v["to_local"]["settle"]));
    assert_eq!(revocation_leaf(&delayed, &revocation).to_hex_string(), hex(&v["to_local"]["revocation"]));
    let tree = to_local_tree(&secp, &delayed, &revocation, delay);
    assert_eq!(tree.merkle_root().unwrap().to_string(), hex(&v["to_local"]["tapscript_root"]));
    assert_eq!(key(&v["to_local"]["internal_key"]).x_only_public_key().0, nums());
    assert_eq!(output_script(&tree).to_hex_string(), hex(&v["to_local"]["pkscript"]));
    let remote = key(&k["derived_remote_payment_pubkey"]);
    assert_eq!(remote, key(&k["remote_payment_basepoint"]), "static remote key");
    assert_eq!(to_remote_leaf(&remote).to_hex_string(), hex(&v["to_remote"]["settle"]));
    let tree = to_remote_tree(&secp, &remote);
    assert_eq!(tree.merkle_root().unwrap().to_string(), hex(&v["to_remote"]["tapscript_root"]));
    assert_eq!(output_script(&tree).to_hex_string(), hex(&v["to_remote"]["pkscript"]));
}

fn secret(n: u8) -> SecretKey {
    SecretKey::from_slice(&[n; 32]).unwrap()
}

fn spend(prevout: OutPoint, sequence: u32, out: TxOut) -> Transaction {
    Transaction {
        version: Version::TWO,
        lock_time: LockTime::ZERO,
        input: vec![TxIn {
            previous_output: prevout,
            script_sig: ScriptBuf::new(),
            sequence: Sequence(sequence),
            witness: Witness::new(),
        }],
        output: vec![out],
    }
}

/// Both parties' MuSig2 session over `msg`: nonces, partial signatures checked by the other,
/// the aggregate.
fn cosign(agg: &KeyAggContext, seq: u64, msg: &Message) -> schnorr::Signature {
    let secp = Secp256k1::new();
    let (emma, fabian) = (secret(1), secret(2));
    let (seed_e, seed_f) = ([11; 32], [12; 32]);
    let (n_e, n_f) = (
        session_nonce(&seed_e, seq, "payer", &emma, agg, msg),
        session_nonce(&seed_f, seq, "payee", &fabian, agg, msg),
    );
    let (p_e, p_f) = (n_e.public_nonce(), n_f.public_nonce());
    // The public nonces travel as 66 bytes each, as the proposal's messages carry them.
    let (p_e, p_f) = (PubNonce::from_bytes(&p_e.to_bytes()).unwrap(), PubNonce::from_bytes(&p_f.to_bytes()).unwrap());
    let s_e = partial_sign(agg, &emma, n_e, [&p_e, &p_f], msg).unwrap();
    let s_f = partial_sign(agg, &fabian, n_f, [&p_e, &p_f], msg).unwrap();
    verify_partial(agg, s_e, [&p_e, &p_f], &emma.public_key(&secp), &p_e, msg).unwrap();
    verify_partial(agg, s_f, [&p_e, &p_f], &fabian.public_key(&secp), &p_f, msg).unwrap();
    assert!(verify_partial(agg, s_e, [&p_e, &p_f], &fabian.public_key(&secp), &p_f, msg).is_err(), "wrong signer");
    aggregate(agg, [&p_e, &p_f], [s_e, s_f], msg).unwrap()
}

/// A commitment of Emma's: her balance to `to_local` (her delayed key, Fabian's revocation key),
/// Fabian's to `to_remote`; the funding coin it spends; the tree of `to_local`; the secrets.
struct Fixture {
    funding: TxOut,
    commitment: Transaction,
    local: TaprootSpendInfo,
    remote: TaprootSpendInfo,
    delayed: SecretKey,
    revocation: SecretKey,
    delay: u16,
}

fn fixture() -> Fixture {
    let secp = Secp256k1::new();
    let (emma, fabian) = (secret(1).public_key(&secp), secret(2).public_key(&secp));
    let funding = TxOut { value: Amount::from_sat(1_000_000), script_pubkey: funding_output_script(&emma, &fabian) };
    let per_commitment = [7u8; 32];
    let point = bolt3::per_commitment_point(&secp, &per_commitment).unwrap();
    let delayed = bolt3::derive_privkey(&secp, &secret(3), &point).unwrap();
    let revocation = bolt3::derive_revocation_privkey(&secp, &secret(4), &per_commitment).unwrap();
    let delay = 144;
    let local = to_local_tree(&secp, &delayed.public_key(&secp), &revocation.public_key(&secp), delay);
    assert_eq!(
        revocation.public_key(&secp),
        bolt3::derive_revocation_pubkey(&secp, &secret(4).public_key(&secp), &point).unwrap()
    );
    let remote = to_remote_tree(&secp, &secret(5).public_key(&secp));
    let mut commitment = spend(
        OutPoint { txid: Txid::from_byte_array([9; 32]), vout: 0 },
        0xFFFF_FFFD,
        TxOut { value: Amount::from_sat(600_000), script_pubkey: output_script(&local) },
    );
    commitment.output.push(TxOut { value: Amount::from_sat(399_000), script_pubkey: output_script(&remote) });
    Fixture { funding, commitment, local, remote, delayed, revocation, delay }
}

#[test]
fn a_musig2_key_path_spend_passes_the_interpreter_and_a_flipped_byte_fails() {
    let secp = Secp256k1::new();
    let f = fixture();
    let (emma, fabian) = (secret(1).public_key(&secp), secret(2).public_key(&secp));
    let agg = funding_key_agg(&emma, &fabian).unwrap();
    let spent = [f.funding.clone()];
    let msg = key_spend_sighash(&f.commitment, 0, &spent);
    let sig = cosign(&agg, 1, &msg);
    assert!(verify_schnorr(&secp, &sig, &msg, &funding_output_key(&emma, &fabian).to_x_only_public_key()));
    let mut tx = f.commitment.clone();
    tx.input[0].witness = key_spend_witness(&sig);
    assert_eq!(tx.input[0].witness.len(), 1, "one 64-byte signature is all the chain sees");
    assert_eq!(tx.input[0].witness.nth(0).unwrap().len(), 64);
    rules::consensus(&tx, 0, &spent).unwrap();
    let mut bad = tx.clone();
    bad.output[1].value = Amount::from_sat(399_001);
    assert!(rules::consensus(&bad, 0, &spent).is_err(), "the signature covers the outputs");
    let other = TxOut { value: Amount::from_sat(1_000_001), ..f.funding.clone() };
    assert!(rules::consensus(&tx, 0, &[other]).is_err(), "BIP-0341 signs the spent amount");
    assert_eq!(cosign(&agg, 1, &msg), sig, "deterministic nonces repeat the run");
}

#[test]
fn nonces_differ_for_each_state_signer_and_message() {
    let secp = Secp256k1::new();
    let (emma, fabian) = (secret(1).public_key(&secp), secret(2).public_key(&secp));
    let agg = funding_key_agg(&emma, &fabian).unwrap();
    let (m1, m2) = (Message::from_digest([1; 32]), Message::from_digest([2; 32]));
    let nonce = |seq, who, msg: &Message| session_nonce(&[11; 32], seq, who, &secret(1), &agg, msg).public_nonce();
    let all = [nonce(1, "payer", &m1), nonce(2, "payer", &m1), nonce(1, "payee", &m1), nonce(1, "payer", &m2)];
    for i in 0..all.len() {
        for j in i + 1..all.len() {
            assert_ne!(all[i], all[j], "nonces {i} and {j}");
        }
    }
    assert_eq!(nonce(1, "payer", &m1), all[0]);
}

#[test]
fn the_delay_leaf_waits_out_to_self_delay_and_the_revocation_leaf_does_not() {
    let secp = Secp256k1::new();
    let f = fixture();
    let coin = OutPoint { txid: f.commitment.compute_txid(), vout: 0 };
    let spent = [f.commitment.output[0].clone()];
    let out = TxOut { value: Amount::from_sat(599_000), script_pubkey: ScriptBuf::new_p2tr(&secp, nums(), None) };
    let sweep = |sequence: u32, leaf: &ScriptBuf, secret: &SecretKey| {
        let mut tx = spend(coin, sequence, out.clone());
        let sig = sign_leaf(&secp, &leaf_sighash(&tx, 0, &spent, leaf), secret);
        tx.input[0].witness = leaf_witness(&f.local, leaf, &sig);
        tx
    };
    let delay = delay_leaf(&f.delayed.public_key(&secp), f.delay);
    rules::consensus(&sweep(u32::from(f.delay), &delay, &f.delayed), 0, &spent).unwrap();
    let early = sweep(u32::from(f.delay) - 1, &delay, &f.delayed);
    assert!(rules::consensus(&early, 0, &spent).is_err(), "one block early fails OP_CHECKSEQUENCEVERIFY");
    let without_csv = rules::SCRIPT_FLAGS & !bitcoinconsensus::VERIFY_CHECKSEQUENCEVERIFY;
    rules::consensus_with_flags(&early, 0, &spent, without_csv).unwrap();
    let revoke = revocation_leaf(&f.delayed.public_key(&secp), &f.revocation.public_key(&secp));
    rules::consensus(&sweep(0, &revoke, &f.revocation), 0, &spent).unwrap();
    assert!(rules::consensus(&sweep(0, &revoke, &f.delayed), 0, &spent).is_err(), "only the revocation key");
}

#[test]
fn the_to_remote_leaf_waits_one_block() {
    let secp = Secp256k1::new();
    let f = fixture();
    let coin = OutPoint { txid: f.commitment.compute_txid(), vout: 1 };
    let spent = [f.commitment.output[1].clone()];
    let leaf = to_remote_leaf(&secret(5).public_key(&secp));
    let out = TxOut { value: Amount::from_sat(398_000), script_pubkey: ScriptBuf::new_p2tr(&secp, nums(), None) };
    let sweep = |sequence: u32| {
        let mut tx = spend(coin, sequence, out.clone());
        let sig = sign_leaf(&secp, &leaf_sighash(&tx, 0, &spent, &leaf), &secret(5));
        tx.input[0].witness = leaf_witness(&f.remote, &leaf, &sig);
        tx
    };
    rules::consensus(&sweep(1), 0, &spent).unwrap();
    assert!(rules::consensus(&sweep(0), 0, &spent).is_err());
}

#[test]
fn a_version_weighs_exactly_its_stated_weight_carries_its_number_and_passes() {
    let secp = Secp256k1::new();
    let f = fixture();
    let (emma, fabian) = (secret(1).public_key(&secp), secret(2).public_key(&secp));
    let keys = VersionKeys {
        delayed: f.delayed.public_key(&secp),
        revocation: f.revocation.public_key(&secp),
        remote: secret(5).public_key(&secp),
    };
    let factor = bolt3::obscuring_factor(&emma, &fabian);
    let funding = OutPoint { txid: Txid::from_byte_array([9; 32]), vout: 0 };
    let dust = Amount::from_sat(354);
    let agg = funding_key_agg(&emma, &fabian).unwrap();
    let spent = [f.funding.clone()];
    for (seq, (local, remote), outputs) in [(1, (600_000, 399_000), 2), (2, (999_000, 353), 1), (3, (300, 998_000), 1)]
    {
        let obscured = bolt3::obscured_commitment_number(factor, seq).unwrap();
        let amounts = (Amount::from_sat(local), Amount::from_sat(remote));
        let mut tx = version_tx(&secp, funding, &keys, f.delay, amounts, dust, obscured);
        assert_eq!(tx.output.len(), outputs, "#{seq}: below 354 sat is left out");
        assert!(tx.output.windows(2).all(|w| w[0].value <= w[1].value), "BIP-0069 order");
        assert_eq!(bolt3::commitment_number_of(&tx, factor), Some(seq));
        let msg = key_spend_sighash(&tx, 0, &spent);
        tx.input[0].witness = key_spend_witness(&cosign(&agg, seq, &msg));
        assert_eq!(tx.weight(), key_spend_weight(outputs as u64), "#{seq}");
        rules::consensus(&tx, 0, &spent).unwrap_or_else(|e| panic!("#{seq}: {e}"));
    }
    assert_eq!(key_spend_weight(2).to_vbytes_ceil(), 154, "against 169 vB for the P2WSH 2-of-2 with P2WPKH outputs");
}
