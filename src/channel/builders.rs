//! The pure builders every channel design shares: the funding transaction, the BIP-0067 2-of-2,
//! P2WPKH payouts, fees from a weight, BIP-0143 sighashes and the 2-of-2 witness.
//!
//! Nothing here holds a secret. Following LDK's `chan_utils`, every transaction is a function of
//! public parameters, so each party can rebuild what it is asked to sign and compare it byte for
//! byte before it signs. Fees are computed from the largest weight a transaction can have once
//! signed (72-byte signatures), so the real fee rate is never below the scenario's.

use bitcoin::absolute::LockTime;
use bitcoin::blockdata::opcodes::all::{OP_CHECKMULTISIG, OP_PUSHNUM_2};
use bitcoin::blockdata::script::Builder;
use bitcoin::ecdsa;
use bitcoin::hashes::Hash as _;
use bitcoin::secp256k1::{Message, PublicKey};
use bitcoin::sighash::{EcdsaSighashType, SighashCache};
use bitcoin::transaction::Version;
use bitcoin::{Amount, FeeRate, OutPoint, Script, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Weight, Witness};

/// Bitcoin Core's dust limit for a P2WPKH output at the default dust relay fee (3 sat/vB).
pub const P2WPKH_DUST: Amount = Amount::from_sat(294);

/// Largest weight of a signed funding transaction: one P2WPKH input, the P2WSH output, and
/// change if `with_change`.
///
/// Non-witness bytes: version 4, input count 1, input 41, output count 1, P2WSH output 43,
/// P2WPKH change 31, lock time 4. Witness: marker and flag 2, item count 1, signature 1 + 72,
/// public key 1 + 33.
pub fn funding_weight(with_change: bool) -> Weight {
    let base = 4 + 1 + 41 + 1 + 43 + if with_change { 31 } else { 0 } + 4;
    Weight::from_wu(base * 4 + 2 + 1 + 73 + 34)
}
/// `rate` × `weight`, rounded up to the satoshi; `None` on overflow.
pub fn fee_for(rate: FeeRate, weight: Weight) -> Option<Amount> {
    let milli = rate.to_sat_per_kwu().checked_mul(weight.to_wu())?;
    Some(Amount::from_sat(milli.checked_add(999)? / 1000))
}

/// The funding transaction's fee at `rate`.
pub fn funding_fee(rate: FeeRate, with_change: bool) -> Option<Amount> {
    fee_for(rate, funding_weight(with_change))
}

/// The 2-of-2 witness script `OP_2 <k1> <k2> OP_2 OP_CHECKMULTISIG` with the keys sorted as
/// BIP-0067 asks (by their compressed serialization), so either party derives the same script.
pub fn funding_witness_script(a: &PublicKey, b: &PublicKey) -> ScriptBuf {
    let (first, second) = sorted_keys(a, b);
    Builder::new()
        .push_opcode(OP_PUSHNUM_2)
        .push_slice(first.serialize())
        .push_slice(second.serialize())
        .push_opcode(OP_PUSHNUM_2)
        .push_opcode(OP_CHECKMULTISIG)
        .into_script()
}

/// `a` and `b` in BIP-0067 order.
pub fn sorted_keys<'k>(a: &'k PublicKey, b: &'k PublicKey) -> (&'k PublicKey, &'k PublicKey) {
    if a.serialize() <= b.serialize() {
        (a, b)
    } else {
        (b, a)
    }
}

/// Total value of `tx`'s outputs.
pub fn output_total(tx: &Transaction) -> Amount {
    tx.output.iter().map(|o| o.value).sum()
}

/// A P2WPKH script paying `key`.
pub fn p2wpkh(key: &PublicKey) -> ScriptBuf {
    ScriptBuf::new_p2wpkh(&bitcoin::CompressedPublicKey(*key).wpubkey_hash())
}

/// A coin the payer's wallet owns: the funding transaction's input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletCoin {
    /// Where the coin is.
    pub outpoint: OutPoint,
    /// Its value.
    pub amount: Amount,
    /// Its P2WPKH script.
    pub script_pubkey: ScriptBuf,
}

/// Why a funding transaction cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FundingError {
    /// The wallet coin does not cover capacity plus fee.
    #[error("the wallet coin of {coin} does not cover the capacity of {capacity} plus the funding fee of {fee}")]
    Insufficient {
        /// The coin's value.
        coin: Amount,
        /// The requested capacity.
        capacity: Amount,
        /// The fee the funding transaction needs.
        fee: Amount,
    },
    /// The fee rate is so high the fee overflows.
    #[error("the fee rate {0} sat/kwu overflows the funding fee")]
    FeeOverflow(u64),
}

/// Builds the unsigned funding transaction: `coin` → [P2WSH 2-of-2 of `capacity`, change].
///
/// Change below the dust limit is left to the fee. The funding output is always output 0.
///
/// # Errors
///
/// [`FundingError`] when the coin cannot pay for the capacity and the fee.
pub fn funding_tx(
    coin: &WalletCoin,
    witness_script: &ScriptBuf,
    capacity: Amount,
    change_script: &ScriptBuf,
    rate: FeeRate,
) -> Result<Transaction, FundingError> {
    let overflow = || FundingError::FeeOverflow(rate.to_sat_per_kwu());
    let fee_with_change = funding_fee(rate, true).ok_or_else(overflow)?;
    let fee_alone = funding_fee(rate, false).ok_or_else(overflow)?;
    let short = || FundingError::Insufficient { coin: coin.amount, capacity, fee: fee_alone };
    coin.amount.checked_sub(capacity).and_then(|r| r.checked_sub(fee_alone)).ok_or_else(short)?;
    let mut output = vec![TxOut { value: capacity, script_pubkey: witness_script.to_p2wsh() }];
    if let Some(change) = coin.amount.checked_sub(capacity).and_then(|r| r.checked_sub(fee_with_change)) {
        if change >= P2WPKH_DUST {
            output.push(TxOut { value: change, script_pubkey: change_script.clone() });
        }
    }
    Ok(Transaction {
        version: Version::TWO,
        lock_time: LockTime::ZERO,
        input: vec![TxIn {
            previous_output: coin.outpoint,
            script_sig: ScriptBuf::new(),
            sequence: Sequence::MAX,
            witness: Witness::new(),
        }],
        output,
    })
}

/// The BIP-0143 SIGHASH_ALL digest for spending the P2WPKH `coin` at input `index` of `tx`.
pub fn p2wpkh_sighash(tx: &Transaction, index: usize, coin: &WalletCoin) -> Message {
    let hash = SighashCache::new(tx)
        .p2wpkh_signature_hash(index, &coin.script_pubkey, coin.amount, EcdsaSighashType::All)
        .expect("the wallet coin is P2WPKH and the index is in range");
    Message::from_digest(hash.to_byte_array())
}

/// The BIP-0143 digest for spending the P2WSH output locked by `witness_script` and holding
/// `amount`, at input `index` of `tx`, with `sighash_type`; the whole witness script is the
/// scriptCode (paychan's scripts have no `OP_CODESEPARATOR`).
///
/// # Errors
///
/// [`bitcoin::transaction::InputsIndexError`] when `index` is not an input of `tx`.
pub fn p2wsh_sighash(
    tx: &Transaction,
    index: usize,
    witness_script: &bitcoin::Script,
    amount: Amount,
    sighash_type: EcdsaSighashType,
) -> Result<Message, bitcoin::transaction::InputsIndexError> {
    let hash = SighashCache::new(tx).p2wsh_signature_hash(index, witness_script, amount, sighash_type)?;
    Ok(Message::from_digest(hash.to_byte_array()))
}

/// The witness that spends a BIP-0067 2-of-2 `script` with `a`'s and `b`'s signatures: the
/// CHECKMULTISIG dummy, the two signatures in the order of their keys in the script, the script.
/// The one place the 2-of-2 witness is assembled (the designs and the PSBT finalizer call it).
pub fn multisig_witness(
    script: &Script,
    (key_a, sig_a): (&PublicKey, &ecdsa::Signature),
    (key_b, sig_b): (&PublicKey, &ecdsa::Signature),
) -> Witness {
    let (first, second) = if sorted_keys(key_a, key_b).0 == key_a { (sig_a, sig_b) } else { (sig_b, sig_a) };
    let mut witness = Witness::new();
    witness.push([0u8; 0]);
    witness.push_ecdsa_signature(first);
    witness.push_ecdsa_signature(second);
    witness.push(script.as_bytes());
    witness
}
