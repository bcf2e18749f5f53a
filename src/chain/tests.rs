//! Real transactions against the simulated chain: keys from fixed secret bytes, RFC 6979
//! signatures over BIP-0143 sighashes, every script run by Bitcoin Core's interpreter.

use super::*;
use bitcoin::blockdata::opcodes::all::{OP_CHECKSIG, OP_CLTV, OP_CSV, OP_DROP};
use bitcoin::blockdata::script::Builder;
use bitcoin::hashes::Hash as _;
use bitcoin::secp256k1::{Message, PublicKey, Secp256k1, SecretKey};
use bitcoin::sighash::{EcdsaSighashType, SighashCache};
use bitcoin::transaction::Version;
use bitcoin::{absolute, ScriptBuf, Sequence, TxIn, Witness};

const START: u32 = 800_000;
const COIN: Amount = Amount::from_sat(1_000_000);

fn key(n: u8) -> (SecretKey, PublicKey) {
    let sk = SecretKey::from_slice(&[n; 32]).expect("a fixed byte below the curve order is a key");
    (sk, sk.public_key(&Secp256k1::signing_only()))
}

fn p2wpkh(pk: &PublicKey) -> ScriptBuf {
    ScriptBuf::new_p2wpkh(&bitcoin::CompressedPublicKey(*pk).wpubkey_hash())
}

fn sign(sk: &SecretKey, digest: [u8; 32]) -> Vec<u8> {
    let sig = Secp256k1::signing_only().sign_ecdsa(&Message::from_digest(digest), sk);
    bitcoin::ecdsa::Signature::sighash_all(sig).to_vec()
}

/// A synthetic outpoint standing for a coin from outside the simulation.
fn outside(tag: u8) -> OutPoint {
    OutPoint { txid: Txid::from_byte_array([tag; 32]), vout: 0 }
}

/// A chain at 800,000 with a 1 sat/vB minimum and a 1,000,000-sat coin of key 1 from outside.
fn chain_with_coin() -> (Chain, OutPoint) {
    let mut chain = Chain::new(START, FeeRate::from_sat_per_vb_u32(1));
    let (_, pk) = key(1);
    chain.add_external_coin(outside(7), TxOut { value: COIN, script_pubkey: p2wpkh(&pk) }, START).unwrap();
    (chain, outside(7))
}

/// An unsigned version-2 transaction spending `prevout` into one output.
fn unsigned(prevout: OutPoint, sequence: u32, lock_time: u32, out: TxOut) -> Transaction {
    Transaction {
        version: Version::TWO,
        lock_time: absolute::LockTime::from_consensus(lock_time),
        input: vec![TxIn {
            previous_output: prevout,
            script_sig: ScriptBuf::new(),
            sequence: Sequence(sequence),
            witness: Witness::new(),
        }],
        output: vec![out],
    }
}

/// Spends the P2WPKH coin (key `n`, `value`) at `prevout` to `out`, signed.
fn spend_p2wpkh(n: u8, prevout: OutPoint, value: Amount, out: TxOut) -> Transaction {
    let (sk, pk) = key(n);
    let mut tx = unsigned(prevout, u32::MAX, 0, out);
    let hash = SighashCache::new(&tx).p2wpkh_signature_hash(0, &p2wpkh(&pk), value, EcdsaSighashType::All).unwrap();
    tx.input[0].witness = Witness::from_slice(&[sign(&sk, hash.to_byte_array()), pk.serialize().to_vec()]);
    tx
}

/// Spends the P2WSH coin locked by `script` (one signature by key `n`) at `prevout`.
fn spend_p2wsh(
    n: u8,
    script: &ScriptBuf,
    prevout: OutPoint,
    value: Amount,
    sequence: u32,
    lock_time: u32,
    out: TxOut,
) -> Transaction {
    let (sk, _) = key(n);
    let mut tx = unsigned(prevout, sequence, lock_time, out);
    let hash = SighashCache::new(&tx).p2wsh_signature_hash(0, script, value, EcdsaSighashType::All).unwrap();
    tx.input[0].witness = Witness::from_slice(&[sign(&sk, hash.to_byte_array()), script.to_bytes()]);
    tx
}

/// `<lock> <op> OP_DROP <key n> OP_CHECKSIG`.
fn locked_script(lock: i64, op: bitcoin::Opcode, n: u8) -> ScriptBuf {
    let (_, pk) = key(n);
    Builder::new()
        .push_int(lock)
        .push_opcode(op)
        .push_opcode(OP_DROP)
        .push_key(&bitcoin::PublicKey::new(pk))
        .push_opcode(OP_CHECKSIG)
        .into_script()
}

fn pay(n: u8, sat: u64) -> TxOut {
    TxOut { value: Amount::from_sat(sat), script_pubkey: p2wpkh(&key(n).1) }
}

/// Funds `script` with 990,000 sat from the outside coin and mines it at 800,001.
fn fund_script(script: &ScriptBuf) -> (Chain, OutPoint, Amount) {
    let (mut chain, coin) = chain_with_coin();
    let value = Amount::from_sat(990_000);
    let funding = spend_p2wpkh(1, coin, COIN, TxOut { value, script_pubkey: script.to_p2wsh() });
    let txid = chain.submit(funding).unwrap();
    assert_eq!(chain.mine().height, START + 1);
    (chain, OutPoint { txid, vout: 0 }, value)
}

/// Runs the interpreter without `flag`: the verdict with the rule switched off.
fn passes_without(tx: &Transaction, script: &ScriptBuf, value: Amount, flag: u32) -> bool {
    let spent = [TxOut { value, script_pubkey: script.to_p2wsh() }];
    let utxos = crate::rules::utxos(&spent);
    let spk = &spent[0].script_pubkey;
    bitcoinconsensus::verify_with_flags(
        spk.as_bytes(),
        value.to_sat(),
        &serialize(tx),
        Some(&utxos),
        0,
        SCRIPT_FLAGS & !flag,
    )
    .is_ok()
}

#[test]
fn a_p2wpkh_spend_is_mined_and_moves_the_coin() {
    let (mut chain, coin) = chain_with_coin();
    let tx = spend_p2wpkh(1, coin, COIN, pay(2, 999_000));
    let txid = chain.submit(tx.clone()).unwrap();
    assert_eq!(chain.mempool(), std::slice::from_ref(&tx));
    assert_eq!(chain.confirmation_height(&txid), None, "not before it is mined");
    assert_eq!(chain.spent_by(&coin), None, "a mempool spend is not a confirmed one");
    let block = chain.mine();
    assert_eq!(block, Block { height: 800_001, txs: vec![tx.clone()] });
    assert_eq!(chain.tip(), 800_001);
    assert!(chain.mempool().is_empty());
    assert_eq!(chain.confirmation_height(&txid), Some(800_001));
    assert_eq!(chain.spent_by(&coin), Some(txid));
    assert_eq!(chain.unspent(&coin), None);
    let out = OutPoint { txid, vout: 0 };
    assert_eq!(chain.unspent(&out), Some((pay(2, 999_000), 800_001)));
    let utxos: Vec<_> = chain.utxos().map(|(op, o, h)| (*op, o.clone(), h)).collect();
    assert_eq!(utxos, vec![(out, pay(2, 999_000), 800_001)]);
    assert_eq!(chain.confirmed_txs().collect::<Vec<_>>(), vec![(800_001, &tx)]);
    assert_eq!(chain.mine(), Block { height: 800_002, txs: vec![] }, "an empty block is fine");
    assert_eq!(chain.blocks().len(), 2);
}

#[test]
fn a_wrong_key_fails_the_interpreter() {
    let (mut chain, coin) = chain_with_coin();
    let forged = spend_p2wpkh(2, coin, COIN, pay(2, 999_000));
    let err = chain.submit(forged).unwrap_err();
    assert_eq!(err.kind(), "script");
    assert!(err.to_string().starts_with("script: input 0 fails Bitcoin Core's interpreter: the script fails"), "{err}");
    assert!(chain.mempool().is_empty(), "a rejection leaves the chain as it was");
}

#[test]
fn cltv_waits_for_its_height_and_the_interpreter_enforces_it() {
    let h = 800_010;
    let script = locked_script(h, OP_CLTV, 3);
    let (mut chain, coin, value) = fund_script(&script);
    let spend = |lock_time| spend_p2wsh(3, &script, coin, value, 0xFFFF_FFFE, lock_time, pay(4, 989_000));
    let good = spend(800_010);
    let err = chain.submit(good.clone()).unwrap_err();
    assert_eq!(err, Rejection::NonFinal { lock_time: 800_010, next_height: 800_002 });
    assert_eq!(err.valid_from(), Some(800_011));
    // One block before: the next block is the lock's own height, still not final (L < H).
    chain.mine_until(800_009);
    let err = chain.submit(good.clone()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "non-final: nLockTime is 800,010, the next block is 800,010: valid from height 800,011"
    );
    chain.mine_until(800_010);
    // nLockTime below the script's height: final, but OP_CHECKLOCKTIMEVERIFY fails.
    let early = spend(800_009);
    assert_eq!(chain.submit(early.clone()).unwrap_err().kind(), "script");
    assert!(passes_without(&early, &script, value, bitcoinconsensus::VERIFY_CHECKLOCKTIMEVERIFY), "only CLTV fails");
    let txid = chain.submit(good).unwrap();
    chain.mine();
    assert_eq!(chain.confirmation_height(&txid), Some(800_011));
}

#[test]
fn csv_waits_its_blocks_after_the_coin_and_the_interpreter_enforces_it() {
    let script = locked_script(1_000, OP_CSV, 3);
    let (mut chain, coin, value) = fund_script(&script);
    let spend = |sequence| spend_p2wsh(3, &script, coin, value, sequence, 0, pay(4, 989_000));
    let good = spend(1_000);
    let err = chain.submit(good.clone()).unwrap_err();
    assert_eq!(err, Rejection::RelativeLock { input: 0, blocks: 1_000, coin_height: 800_001 });
    assert_eq!(
        err.to_string(),
        "relative lock: input 0 waits 1,000 blocks after height 800,001: valid from height 801,001"
    );
    chain.mine_until(801_000 - 1);
    assert_eq!(chain.submit(good.clone()).unwrap_err().valid_from(), Some(801_001), "one block short");
    chain.mine_until(801_000);
    // BIP-0068 is satisfied by 999 blocks, but OP_CHECKSEQUENCEVERIFY asks for 1,000.
    let short = spend(999);
    assert_eq!(chain.submit(short.clone()).unwrap_err().kind(), "script");
    assert!(passes_without(&short, &script, value, bitcoinconsensus::VERIFY_CHECKSEQUENCEVERIFY), "only CSV fails");
    let txid = chain.submit(good).unwrap();
    chain.mine();
    assert_eq!(chain.confirmation_height(&txid), Some(801_001));
}

#[test]
fn a_disabled_or_version_one_sequence_has_no_relative_lock() {
    let (mut chain, coin) = chain_with_coin();
    // Spent in the block right after its coin: a lock of 5 blocks would refuse this.
    let mut v1 = unsigned(coin, 5, 0, pay(2, 999_000));
    v1.version = Version::ONE;
    // Unsigned, so they reach the interpreter and fail there, past the relative-lock rule.
    assert_eq!(chain.clone().submit(v1).unwrap_err().kind(), "script");
    let disabled = unsigned(coin, SEQUENCE_DISABLE_FLAG | 5, 0, pay(2, 999_000));
    assert_eq!(chain.submit(disabled).unwrap_err().kind(), "script");
}

#[test]
fn the_first_spend_wins_in_the_mempool_and_in_a_block() {
    let (mut chain, coin) = chain_with_coin();
    let first = spend_p2wpkh(1, coin, COIN, pay(2, 999_000));
    let second = spend_p2wpkh(1, coin, COIN, pay(1, 998_000));
    let first_id = chain.submit(first).unwrap();
    let err = chain.submit(second.clone()).unwrap_err();
    assert_eq!(err, Rejection::DoubleSpend { input: 0, outpoint: coin, by: first_id, height: None });
    assert_eq!(
        err.to_string(),
        format!("double spend: input 0 ({coin}) is already spent by {first_id} in the mempool")
    );
    chain.mine();
    let err = chain.submit(second).unwrap_err();
    assert_eq!(err.kind(), "double-spend");
    assert_eq!(
        err.to_string(),
        format!("double spend: input 0 ({coin}) is already spent by {first_id} in block 800,001")
    );
}

#[test]
fn a_missing_input_is_named() {
    let (mut chain, _) = chain_with_coin();
    let nowhere = OutPoint { txid: Txid::from_byte_array([9; 32]), vout: 3 };
    let err = chain.submit(spend_p2wpkh(1, nowhere, COIN, pay(2, 999_000))).unwrap_err();
    assert_eq!(err, Rejection::Missing { input: 0, outpoint: nowhere });
    assert_eq!(err.to_string(), format!("missing input: input 0 spends {nowhere}, which does not exist"));
}

#[test]
fn the_fee_rate_is_checked_over_the_real_vsize_at_the_exact_boundary() {
    let (chain, coin) = chain_with_coin();
    let tx = spend_p2wpkh(1, coin, COIN, pay(2, 999_000));
    let (fee, vsize) = (1_000u64, tx.vsize() as u64);
    // fee / vsize >= rate ⇔ fee * 1000 >= kwu * 4 * vsize: the largest rate it meets, and one more.
    let highest = fee * 1000 / (4 * vsize);
    let mut at = chain.clone();
    at.min_relay = FeeRate::from_sat_per_kwu(highest);
    at.submit(tx.clone()).unwrap();
    let mut above = chain.clone();
    above.min_relay = FeeRate::from_sat_per_kwu(highest + 1);
    assert_eq!(above.submit(tx).unwrap_err().kind(), "fee-rate");

    let mut chain = chain;
    let stingy = spend_p2wpkh(1, coin, COIN, pay(2, 999_950));
    let vsize = stingy.vsize();
    let err = chain.submit(stingy).unwrap_err();
    assert_eq!(err, Rejection::FeeRate { fee: Amount::from_sat(50), vsize, min: FeeRate::from_sat_per_vb_u32(1) });
    let rate = rate_of(Amount::from_sat(50), vsize);
    assert!(rate.starts_with("0.") && rate.ends_with(" sat/vB"), "{rate}");
    assert_eq!(
        err.to_string(),
        format!("fee rate {rate} (50 sat over {vsize} vB) is below the minimum relay fee rate of 1 sat/vB")
    );
}

#[test]
fn outputs_above_the_inputs_are_refused() {
    let (mut chain, coin) = chain_with_coin();
    let err = chain.submit(spend_p2wpkh(1, coin, COIN, pay(2, 1_000_100))).unwrap_err();
    assert_eq!(err, Rejection::Value { inputs: COIN, outputs: Amount::from_sat(1_000_100) });
    assert_eq!(err.to_string(), "value: outputs 1,000,100 sat exceed inputs 1,000,000 sat");
    let mut huge = spend_p2wpkh(1, coin, COIN, pay(2, 1));
    huge.output = vec![pay(2, 21_000_000 * 100_000_000), pay(2, 1)];
    assert_eq!(chain.submit(huge).unwrap_err(), Rejection::OutputsTooLarge);
}

#[test]
fn time_based_locks_are_refused_as_not_simulated() {
    let (mut chain, coin) = chain_with_coin();
    let err = chain.submit(unsigned(coin, 0xFFFF_FFFE, 1_700_000_000, pay(2, 999_000))).unwrap_err();
    assert_eq!(err, Rejection::TimeLock { lock_time: 1_700_000_000 });
    assert_eq!(err.kind(), "time-lock");
    assert!(err.to_string().contains("1,700,000,000 is a Unix time"), "{err}");
    let relative = unsigned(coin, SEQUENCE_TYPE_FLAG | 10, 0, pay(2, 999_000));
    assert_eq!(chain.submit(relative).unwrap_err(), Rejection::RelativeTimeLock { input: 0, sequence: 0x0040_000a });
}

#[test]
fn a_unix_time_before_the_genesis_block_is_final_at_any_height() {
    // BOLT #3's commitments: lock time 0x20xxxxxx (1987), sequence 0x80xxxxxx (no relative lock).
    let (mut chain, coin) = chain_with_coin();
    let err = chain.submit(unsigned(coin, 0x8000_0000, GENESIS_TIME, pay(2, 999_000))).unwrap_err();
    assert_eq!(err, Rejection::TimeLock { lock_time: GENESIS_TIME }, "the genesis time itself is not past");
    let err = chain.submit(unsigned(coin, 0x8000_0000, 0x2000_0000, pay(2, 999_000))).unwrap_err();
    assert_eq!(err.kind(), "script", "final and unlocked: only the missing signature stops it: {err}");
}

#[test]
fn a_lock_time_is_ignored_when_every_sequence_is_final() {
    let (mut chain, coin) = chain_with_coin();
    let mut tx = spend_p2wpkh(1, coin, COIN, pay(2, 999_000));
    tx.lock_time = absolute::LockTime::from_consensus(900_000);
    // The signature covers the lock time: re-sign.
    let (sk, pk) = key(1);
    let hash = SighashCache::new(&tx).p2wpkh_signature_hash(0, &p2wpkh(&pk), COIN, EcdsaSighashType::All).unwrap();
    tx.input[0].witness = Witness::from_slice(&[sign(&sk, hash.to_byte_array()), pk.serialize().to_vec()]);
    chain.submit(tx).unwrap();
}

#[test]
fn a_child_may_follow_its_parent_into_the_same_block_only_without_a_relative_lock() {
    let (mut chain, coin) = chain_with_coin();
    let parent = chain.submit(spend_p2wpkh(1, coin, COIN, pay(2, 999_000))).unwrap();
    let out = OutPoint { txid: parent, vout: 0 };
    // Unsigned: the relative lock is checked before the scripts.
    let err = chain.submit(unsigned(out, 1, 0, pay(3, 998_000))).unwrap_err();
    assert_eq!(err, Rejection::RelativeLock { input: 0, blocks: 1, coin_height: 800_001 });
    assert_eq!(err.valid_from(), Some(800_002));
    let child = spend_p2wpkh(2, out, Amount::from_sat(999_000), pay(3, 998_000));
    let child_id = chain.submit(child).unwrap();
    let block = chain.mine();
    assert_eq!(block.txs.iter().map(|t| t.compute_txid()).collect::<Vec<_>>(), vec![parent, child_id]);
    assert_eq!(chain.spent_by(&out), Some(child_id));
}

#[test]
fn structure_duplicates_and_outside_coins_are_checked() {
    let (mut chain, coin) = chain_with_coin();
    let mut twice = unsigned(coin, u32::MAX, 0, pay(2, 1_000));
    twice.input.push(twice.input[0].clone());
    assert_eq!(chain.submit(twice).unwrap_err(), Rejection::DuplicateInput { first: 0, second: 1, outpoint: coin });
    let mut empty = unsigned(coin, u32::MAX, 0, pay(2, 1_000));
    empty.output.clear();
    assert_eq!(chain.submit(empty).unwrap_err(), Rejection::Empty("outputs"));
    let tx = spend_p2wpkh(1, coin, COIN, pay(2, 999_000));
    let txid = chain.submit(tx.clone()).unwrap();
    assert_eq!(chain.submit(tx.clone()).unwrap_err(), Rejection::AlreadyKnown { txid, height: None });
    chain.mine();
    assert_eq!(chain.submit(tx).unwrap_err().to_string(), format!("already known: {txid} is already in block 800,001"));
    let later = TxOut { value: COIN, script_pubkey: p2wpkh(&key(1).1) };
    assert_eq!(
        chain.add_external_coin(outside(8), later.clone(), 800_002),
        Err(ExternalCoinError::AboveTip { outpoint: outside(8), height: 800_002, tip: 800_001 })
    );
    assert_eq!(chain.add_external_coin(coin, later, 800_000), Err(ExternalCoinError::Exists(coin)));
}

#[test]
fn a_taproot_key_spend_is_checked_by_bip341_and_a_v2_coin_is_refused() {
    let (mut chain, _) = chain_with_coin();
    let secp = Secp256k1::new();
    let keypair = bitcoin::key::Keypair::from_secret_key(&secp, &key(5).0);
    let (xonly, _) = keypair.x_only_public_key();
    let p2tr = ScriptBuf::new_p2tr(&secp, xonly, None);
    let coin = TxOut { value: COIN, script_pubkey: p2tr.clone() };
    chain.add_external_coin(outside(6), coin.clone(), START).unwrap();
    let mut tx = unsigned(outside(6), u32::MAX, 0, pay(2, 999_000));
    let empty_witness = chain.submit(tx.clone()).unwrap_err();
    assert_eq!(empty_witness.kind(), "script", "with Taproot's flag an unsigned key spend fails: {empty_witness}");
    let tweaked = bitcoin::key::TapTweak::tap_tweak(keypair, &secp, None).to_keypair();
    let sighash = SighashCache::new(&tx)
        .taproot_key_spend_signature_hash(
            0,
            &bitcoin::sighash::Prevouts::All(&[&coin]),
            bitcoin::TapSighashType::Default,
        )
        .unwrap();
    let msg = Message::from_digest(sighash.to_byte_array());
    let sig = bitcoin::taproot::Signature {
        signature: secp.sign_schnorr_no_aux_rand(&msg, &tweaked),
        sighash_type: bitcoin::TapSighashType::Default,
    };
    tx.input[0].witness = Witness::p2tr_key_spend(&sig);
    chain.submit(tx).unwrap();
    let v2 = ScriptBuf::from_bytes([&[0x52, 0x20][..], &[7; 32]].concat());
    chain.add_external_coin(outside(9), TxOut { value: COIN, script_pubkey: v2 }, START).unwrap();
    let tx = unsigned(outside(9), u32::MAX, 0, pay(3, 999_000));
    assert_eq!(chain.submit(tx).unwrap_err(), Rejection::Unsupported { input: 0, version: 2 });
}

#[test]
fn the_same_submissions_give_the_same_blocks() {
    type Run = (Vec<Block>, Vec<String>, Vec<(OutPoint, TxOut, u32)>);
    fn script() -> Run {
        let csv = locked_script(2, OP_CSV, 3);
        let (mut chain, coin, value) = fund_script(&csv);
        let mut verdicts = Vec::new();
        for _ in 0..3 {
            let a = spend_p2wsh(3, &csv, coin, value, 2, 0, pay(4, 989_000));
            let b = spend_p2wsh(3, &csv, coin, value, 2, 0, pay(5, 989_000));
            for tx in [a, b] {
                verdicts.push(match chain.submit(tx) {
                    Ok(txid) => txid.to_string(),
                    Err(e) => e.to_string(),
                });
            }
            chain.mine();
        }
        (chain.blocks().to_vec(), verdicts, chain.utxos().map(|(o, t, h)| (*o, t.clone(), h)).collect())
    }
    let (blocks, verdicts, utxos) = script();
    assert_eq!(verdicts.iter().filter(|v| v.starts_with("relative lock")).count(), 2, "{verdicts:?}");
    assert_eq!(verdicts.iter().filter(|v| v.starts_with("double spend")).count(), 2, "{verdicts:?}");
    assert_eq!(verdicts.iter().filter(|v| v.starts_with("already known")).count(), 1, "{verdicts:?}");
    assert_eq!(blocks.iter().map(|b| b.txs.len()).collect::<Vec<_>>(), vec![1, 0, 1, 0]);
    assert_eq!(script(), (blocks, verdicts, utxos));
}

#[test]
fn group_puts_thousands_separators() {
    assert_eq!(group(0), "0");
    assert_eq!(group(999), "999");
    assert_eq!(group(1_000), "1,000");
    assert_eq!(group(804_319), "804,319");
    assert_eq!(group(1_700_000_000), "1,700,000,000");
    assert_eq!(rate_of(Amount::from_sat(141), 141), "1 sat/vB");
    assert_eq!(rate_of(Amount::from_sat(70), 140), "0.5 sat/vB");
}
