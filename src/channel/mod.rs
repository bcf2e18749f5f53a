//! Pure transaction builders: funding, commitment, settlement and their BIP-0143 sighashes.
//!
//! Nothing here holds a secret. Following LDK's `chan_utils`, every transaction is a function of
//! public channel parameters and a state, so each party can rebuild what it is asked to sign and
//! compare it byte for byte before it signs. This is also the one replaceable part of the channel
//! construction: the later trustless variants (timelocked refund, revocable commitments) change
//! these builders, not the actors or the engine.
//!
//! Fees are computed from the largest weight the transaction can have once signed (72-byte
//! signatures), so the real fee rate is never below the scenario's.

pub mod psbt;

use bitcoin::absolute::LockTime;
use bitcoin::blockdata::opcodes::all::{OP_CHECKMULTISIG, OP_PUSHNUM_2};
use bitcoin::blockdata::script::Builder;
use bitcoin::ecdsa;
use bitcoin::secp256k1::{Message, PublicKey};
use bitcoin::sighash::{EcdsaSighashType, SighashCache};
use bitcoin::transaction::Version;
use bitcoin::{Amount, FeeRate, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Weight, Witness};

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

/// Largest weight of a signed commitment with `outputs` P2WPKH outputs (1 or 2).
///
/// Non-witness bytes: version 4, input count 1, input 41, output count 1, 31 per output, lock
/// time 4. Witness: marker and flag 2, item count 1, the empty CHECKMULTISIG dummy 1, two
/// signatures 1 + 72 each, the 71-byte witness script 1 + 71.
pub fn commitment_weight(outputs: u64) -> Weight {
    let base = 4 + 1 + 41 + 1 + 31 * outputs + 4;
    Weight::from_wu(base * 4 + 2 + 1 + 1 + 73 + 73 + 72)
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

/// A commitment's fee at `rate` with `outputs` outputs.
pub fn commitment_fee(rate: FeeRate, outputs: u64) -> Option<Amount> {
    fee_for(rate, commitment_weight(outputs))
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

use bitcoin::hashes::Hash as _;

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

/// Everything public about an open channel: enough to build any commitment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelParams {
    /// The funding output the commitments spend.
    pub funding_outpoint: OutPoint,
    /// Its value: the capacity.
    pub funding_amount: Amount,
    /// The payer's key in the 2-of-2.
    pub payer_funding_key: PublicKey,
    /// The payee's key in the 2-of-2.
    pub payee_funding_key: PublicKey,
    /// `OP_2 <k1> <k2> OP_2 OP_CHECKMULTISIG`, keys in BIP-0067 order.
    pub witness_script: ScriptBuf,
    /// Where the payer's refund goes.
    pub payer_payout: ScriptBuf,
    /// Where the payee's payment goes.
    pub payee_payout: ScriptBuf,
    /// The commitments' fee rate.
    pub fee_rate: FeeRate,
}

/// How the funding amount divides for a given cumulative payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    /// Total paid to the payee so far (what the payee is owed).
    pub paid: Amount,
    /// The payer's output value (zero when trimmed).
    pub payer: Amount,
    /// The payee's output value (zero when trimmed).
    pub payee: Amount,
    /// Funding amount − payer − payee: the fee actually paid, trimmed value included.
    pub fee: Amount,
    /// Value of an output left out as dust (it went to the fee).
    pub trimmed: Amount,
    /// The payer's output was below dust and left out.
    pub payer_trimmed: bool,
    /// The payee's output was below dust and left out.
    pub payee_trimmed: bool,
}

impl Split {
    /// Number of outputs in the commitment.
    pub fn outputs(&self) -> u64 {
        2 - u64::from(self.payer_trimmed) - u64::from(self.payee_trimmed)
    }
}

/// The channel cannot pay `paid` in total: the funding amount minus the fee is exhausted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the channel of {funding} cannot pay {paid} in total plus a {fee} fee")]
pub struct Exhausted {
    /// The cumulative payment asked for.
    pub paid: Amount,
    /// The funding amount.
    pub funding: Amount,
    /// The smallest fee a commitment paying it would need.
    pub fee: Amount,
}

/// Divides `funding` for a cumulative payment of `paid` at `fee_rate`: pure arithmetic, no keys,
/// so `paychan check` can plan a run without signing.
///
/// The payee's output carries `paid`; the payer's carries the rest less the fee. An output
/// below [`P2WPKH_DUST`] is left out and its value added to the fee, as BOLT #3 trims.
///
/// # Errors
///
/// [`Exhausted`] when no commitment can pay `paid`: the payee's payment plus the fee of a
/// one-output commitment exceeds the funding amount, or both outputs would be dust.
pub fn split(funding: Amount, fee_rate: FeeRate, paid: Amount) -> Result<Split, Exhausted> {
    let fee2 = commitment_fee(fee_rate, 2).unwrap_or(Amount::MAX);
    let fee1 = commitment_fee(fee_rate, 1).unwrap_or(Amount::MAX);
    let exhausted = Exhausted { paid, funding, fee: fee1 };
    let rest2 = funding.checked_sub(paid).and_then(|r| r.checked_sub(fee2));
    let rest1 = funding.checked_sub(paid).and_then(|r| r.checked_sub(fee1));
    let split = match (paid >= P2WPKH_DUST, rest2) {
        (true, Some(payer)) if payer >= P2WPKH_DUST => Split {
            paid,
            payer,
            payee: paid,
            fee: fee2,
            trimmed: Amount::ZERO,
            payer_trimmed: false,
            payee_trimmed: false,
        },
        (true, _) => {
            // The payer's refund is dust: trim it; the payee still needs a fee-paying tx.
            let leftover = rest1.ok_or(exhausted)?;
            Split {
                paid,
                payer: Amount::ZERO,
                payee: paid,
                fee: fee1 + leftover,
                trimmed: leftover,
                payer_trimmed: true,
                payee_trimmed: false,
            }
        }
        (false, _) => {
            // The payee's payment is still dust: trim it; its value goes to the fee.
            let payer = rest1.filter(|p| *p >= P2WPKH_DUST).ok_or(exhausted)?;
            Split {
                paid,
                payer,
                payee: Amount::ZERO,
                fee: fee1 + paid,
                trimmed: paid,
                payer_trimmed: false,
                payee_trimmed: true,
            }
        }
    };
    debug_assert_eq!(split.payer + split.payee + split.fee, funding);
    Ok(split)
}

impl ChannelParams {
    /// Divides the funding amount for a cumulative payment of `paid`: see [`split`].
    ///
    /// # Errors
    ///
    /// [`Exhausted`] as [`split`].
    pub fn split(&self, paid: Amount) -> Result<Split, Exhausted> {
        split(self.funding_amount, self.fee_rate, paid)
    }

    /// The unsigned commitment for `split`: the funding output → [payer refund, payee payment],
    /// trimmed outputs left out, version 2, lock time 0.
    pub fn commitment_tx(&self, split: &Split) -> Transaction {
        let mut output = Vec::with_capacity(2);
        if !split.payer_trimmed {
            output.push(TxOut { value: split.payer, script_pubkey: self.payer_payout.clone() });
        }
        if !split.payee_trimmed {
            output.push(TxOut { value: split.payee, script_pubkey: self.payee_payout.clone() });
        }
        Transaction {
            version: Version::TWO,
            lock_time: LockTime::ZERO,
            input: vec![TxIn {
                previous_output: self.funding_outpoint,
                script_sig: ScriptBuf::new(),
                sequence: Sequence::MAX,
                witness: Witness::new(),
            }],
            output,
        }
    }

    /// The BIP-0143 SIGHASH_ALL digest both parties sign for commitment `tx`.
    pub fn commitment_sighash(&self, tx: &Transaction) -> Message {
        p2wsh_sighash(tx, 0, &self.witness_script, self.funding_amount, EcdsaSighashType::All)
            .expect("a commitment has exactly one input")
    }

    /// `tx` with its 2-of-2 witness: the CHECKMULTISIG dummy, the two signatures in the order of
    /// the keys in the witness script, then the script.
    pub fn with_signatures(
        &self,
        mut tx: Transaction,
        payer_sig: &bitcoin::secp256k1::ecdsa::Signature,
        payee_sig: &bitcoin::secp256k1::ecdsa::Signature,
    ) -> Transaction {
        let payer = ecdsa::Signature::sighash_all(*payer_sig);
        let payee = ecdsa::Signature::sighash_all(*payee_sig);
        let (first, second) = if self.payer_funding_key.serialize() <= self.payee_funding_key.serialize() {
            (payer, payee)
        } else {
            (payee, payer)
        };
        let mut witness = Witness::new();
        witness.push([0u8; 0]);
        witness.push_ecdsa_signature(&first);
        witness.push_ecdsa_signature(&second);
        witness.push(self.witness_script.as_bytes());
        tx.input[0].witness = witness;
        tx
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::secp256k1::{Secp256k1, SecretKey};
    use std::str::FromStr;

    fn params(fee_rate: FeeRate) -> ChannelParams {
        let secp = Secp256k1::new();
        let key = |b: u8| PublicKey::from_secret_key(&secp, &SecretKey::from_slice(&[b; 32]).unwrap());
        let (a, b) = (key(1), key(2));
        ChannelParams {
            funding_outpoint: OutPoint::from_str("0000000000000000000000000000000000000000000000000000000000000001:0")
                .unwrap(),
            funding_amount: Amount::from_sat(3_600_000),
            payer_funding_key: a,
            payee_funding_key: b,
            witness_script: funding_witness_script(&a, &b),
            payer_payout: p2wpkh(&key(3)),
            payee_payout: p2wpkh(&key(4)),
            fee_rate,
        }
    }

    #[test]
    fn weights_match_the_known_sizes() {
        // A 2-of-2 P2WSH commitment with two P2WPKH outputs is about 168 vB.
        assert_eq!(commitment_weight(2).to_vbytes_ceil(), 169);
        assert_eq!(commitment_weight(1).to_vbytes_ceil(), 138);
        assert_eq!(funding_weight(true).to_vbytes_ceil(), 153);
    }

    #[test]
    fn book_split_at_zero_fee_is_the_books() {
        let p = params(FeeRate::ZERO);
        let s = p.split(Amount::from_sat(600_000)).unwrap();
        assert_eq!((s.payer, s.payee, s.fee), (Amount::from_sat(3_000_000), Amount::from_sat(600_000), Amount::ZERO));
    }

    #[test]
    fn split_pays_fee_from_the_payer_and_trims_dust() {
        let p = params(FeeRate::from_sat_per_kwu(250));
        let s = p.split(Amount::from_sat(1_000)).unwrap();
        assert_eq!(s.payee, Amount::from_sat(1_000));
        assert_eq!(s.fee, Amount::from_sat(169));
        assert_eq!(s.payer, Amount::from_sat(3_600_000 - 1_000 - 169));
        let dust = p.split(Amount::from_sat(293)).unwrap();
        assert!(dust.payee_trimmed && dust.payee == Amount::ZERO && dust.trimmed == Amount::from_sat(293));
        assert_eq!(p.commitment_tx(&dust).output.len(), 1);
        let last = p.split(Amount::from_sat(3_599_000)).unwrap();
        assert_eq!((last.payer, last.payer_trimmed), (Amount::from_sat(831), false));
        let trimmed = p.split(Amount::from_sat(3_599_700)).unwrap();
        assert!(trimmed.payer_trimmed);
        assert_eq!(trimmed.fee, Amount::from_sat(300));
        assert!(p.split(Amount::from_sat(3_600_000)).is_err());
    }

    #[test]
    fn witness_script_is_bip67_sorted_either_way() {
        let p = params(FeeRate::ZERO);
        assert_eq!(
            funding_witness_script(&p.payer_funding_key, &p.payee_funding_key),
            funding_witness_script(&p.payee_funding_key, &p.payer_funding_key)
        );
        assert_eq!(p.witness_script.len(), 71);
    }
}
