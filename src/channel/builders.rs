//! The pure builders every channel design shares: the funding transaction, the BIP-0067 2-of-2,
//! P2WPKH payouts, fees from a weight, BIP-0143 sighashes (and [`FundingSighash`], the part of
//! them every commitment of a channel shares, hashed once) and the 2-of-2 witness.
//!
//! Nothing here holds a secret. Following LDK's `chan_utils`, every transaction is a function of
//! public parameters, so each party can rebuild what it is asked to sign and compare it byte for
//! byte before it signs. Fees are computed from the largest weight a transaction can have once
//! signed (72-byte signatures), so the real fee rate is never below the scenario's.

use bitcoin::absolute::LockTime;
use bitcoin::blockdata::opcodes::all::{OP_CHECKMULTISIG, OP_PUSHNUM_2};
use bitcoin::blockdata::script::Builder;
use bitcoin::consensus::Encodable;
use bitcoin::ecdsa;
use bitcoin::hashes::{sha256, sha256d, Hash as _, HashEngine as _};
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
    if sorts_first(a, b) {
        (a, b)
    } else {
        (b, a)
    }
}

/// Whether `a` comes first of `a` and `b` in BIP-0067 order (`sorted_keys(a, b).0` is `a`): one
/// serialization of each key, where comparing the sorted key with `==` would serialize both again.
pub fn sorts_first(a: &PublicKey, b: &PublicKey) -> bool {
    a.serialize() <= b.serialize()
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

/// The BIP-0143 SIGHASH_ALL digest of a channel's commitments, with the part they all share
/// hashed once.
///
/// A BIP-0143 preimage is `nVersion | hashPrevouts | hashSequence | outpoint | scriptCode |
/// amount | nSequence | hashOutputs | nLockTime | sighash type`. Every commitment of a channel
/// spends the same funding outpoint, of the same amount, with the same witness script, as its only
/// input; in a design that keeps the version and the sequence too, everything up to `nSequence`
/// (188 bytes with the 2-of-2's 71-byte script) is the same for all of them. This keeps the
/// SHA-256 state after those bytes and finishes it per transaction with its `hashOutputs`, lock
/// time and sighash type: half the compressions of [`p2wsh_sighash`], and the same digest. A
/// transaction the shared part does not describe (another version, sequence or outpoint, more
/// inputs, another input index) gets the full computation, so the digest never depends on
/// whether the cache applied.
#[derive(Clone)]
pub struct FundingSighash {
    version: Version,
    outpoint: OutPoint,
    sequence: Sequence,
    amount: Amount,
    witness_script: ScriptBuf,
    /// SHA-256 over `nVersion` … `nSequence`.
    prefix: sha256::HashEngine,
}

impl FundingSighash {
    /// The shared part for transactions of `version` whose one input spends `outpoint` (a P2WSH
    /// output locked by `witness_script` and holding `amount`) with `sequence`.
    pub fn new(
        version: Version,
        outpoint: OutPoint,
        sequence: Sequence,
        witness_script: &Script,
        amount: Amount,
    ) -> FundingSighash {
        let hash_prevouts = sha256d::Hash::hash(&bitcoin::consensus::serialize(&outpoint));
        let hash_sequence = sha256d::Hash::hash(&sequence.to_consensus_u32().to_le_bytes());
        let mut prefix = sha256::HashEngine::default();
        absorb(&mut prefix, &version);
        prefix.input(hash_prevouts.as_byte_array());
        prefix.input(hash_sequence.as_byte_array());
        absorb(&mut prefix, &outpoint);
        // scriptCode: the whole witness script with its length (no OP_CODESEPARATOR in it).
        absorb(&mut prefix, witness_script);
        absorb(&mut prefix, &amount);
        absorb(&mut prefix, &sequence);
        FundingSighash { version, outpoint, sequence, amount, witness_script: witness_script.to_owned(), prefix }
    }

    /// Whether the shared part describes input `index` of `tx`.
    pub fn applies(&self, tx: &Transaction, index: usize) -> bool {
        index == 0
            && tx.version == self.version
            && tx.input.len() == 1
            && tx.input[0].previous_output == self.outpoint
            && tx.input[0].sequence == self.sequence
    }

    /// The BIP-0143 SIGHASH_ALL digest of input `index` of `tx` spending the funding output:
    /// exactly [`p2wsh_sighash`]'s, from the shared part when it [`applies`](Self::applies).
    ///
    /// # Errors
    ///
    /// [`bitcoin::transaction::InputsIndexError`] when `index` is not an input of `tx`.
    pub fn digest(&self, tx: &Transaction, index: usize) -> Result<Message, bitcoin::transaction::InputsIndexError> {
        if !self.applies(tx, index) {
            return p2wsh_sighash(tx, index, &self.witness_script, self.amount, EcdsaSighashType::All);
        }
        let mut outputs = sha256::HashEngine::default();
        for out in &tx.output {
            absorb(&mut outputs, out);
        }
        let mut e = self.prefix.clone();
        e.input(sha256d::Hash::from_engine(outputs).as_byte_array());
        e.input(&tx.lock_time.to_consensus_u32().to_le_bytes());
        e.input(&EcdsaSighashType::All.to_u32().to_le_bytes());
        Ok(Message::from_digest(sha256d::Hash::from_engine(e).to_byte_array()))
    }

    /// The witness script whose spend this digests.
    pub fn witness_script(&self) -> &Script {
        &self.witness_script
    }

    /// The funding output's value.
    pub fn amount(&self) -> Amount {
        self.amount
    }
}

/// Feeds `x`'s consensus encoding to `engine`.
fn absorb<T: Encodable + ?Sized>(engine: &mut sha256::HashEngine, x: &T) {
    x.consensus_encode(engine).expect("hashing into an engine cannot fail");
}

impl std::fmt::Debug for FundingSighash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FundingSighash")
            .field("version", &self.version)
            .field("outpoint", &self.outpoint)
            .field("sequence", &self.sequence)
            .field("amount", &self.amount)
            .finish_non_exhaustive()
    }
}

/// The witness that spends a BIP-0067 2-of-2 `script` with `a`'s and `b`'s signatures: the
/// CHECKMULTISIG dummy, the two signatures in the order of their keys in the script, the script.
/// The one place the 2-of-2 witness is assembled (the designs and the PSBT finalizer call it).
pub fn multisig_witness(
    script: &Script,
    (key_a, sig_a): (&PublicKey, &ecdsa::Signature),
    (key_b, sig_b): (&PublicKey, &ecdsa::Signature),
) -> Witness {
    let (first, second) = if sorts_first(key_a, key_b) { (sig_a, sig_b) } else { (sig_b, sig_a) };
    // The DER encodings on the stack, then one allocation of the right size, rather than four pushes.
    let (first, second) = (first.serialize(), second.serialize());
    Witness::from_slice(&[&[][..], first.as_ref(), second.as_ref(), script.as_bytes()])
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::hashes::sha256d;
    use bitcoin::secp256k1::{Secp256k1, SecretKey};
    use bitcoin::Txid;
    use rand_chacha::rand_core::{RngCore, SeedableRng};
    use rand_chacha::ChaCha20Rng;

    fn key(secp: &Secp256k1<bitcoin::secp256k1::All>, byte: u8) -> PublicKey {
        PublicKey::from_secret_key(secp, &SecretKey::from_slice(&[byte; 32]).expect("a valid scalar"))
    }

    /// 3,000 random transactions against `SighashCache::p2wsh_signature_hash`: versions, inputs,
    /// outpoints, sequences, lock times, outputs (none to four, scripts of any length) and input
    /// indexes drawn so that about a fifth are ones the shared part describes and the rest fall back.
    #[test]
    fn the_shared_midstate_gives_the_full_bip143_digest_for_any_transaction() {
        let secp = Secp256k1::new();
        let script = funding_witness_script(&key(&secp, 1), &key(&secp, 2));
        let funding =
            OutPoint { txid: Txid::from_byte_array(sha256d::Hash::hash(b"funding").to_byte_array()), vout: 0 };
        let amount = Amount::from_sat(3_600_000);
        let cache = FundingSighash::new(Version::TWO, funding, Sequence::MAX, &script, amount);
        let mut rng = ChaCha20Rng::seed_from_u64(143);
        let mut pick = |n: u32| rng.next_u32() % n;
        let (mut fast, mut slow) = (0, 0);
        for _ in 0..3_000 {
            let version = [Version::TWO, Version::TWO, Version::TWO, Version::ONE, Version(3)][pick(5) as usize];
            let inputs = if pick(4) == 0 { 2 + pick(2) as usize } else { 1 };
            let input = (0..inputs)
                .map(|i| TxIn {
                    previous_output: if i == 0 && pick(8) != 0 {
                        funding
                    } else {
                        OutPoint { txid: Txid::from_byte_array([pick(256) as u8; 32]), vout: pick(3) }
                    },
                    script_sig: ScriptBuf::new(),
                    sequence: [Sequence::MAX, Sequence::MAX, Sequence::ENABLE_RBF_NO_LOCKTIME, Sequence(pick(1 << 20))]
                        [pick(4) as usize],
                    witness: Witness::new(),
                })
                .collect::<Vec<_>>();
            let output = (0..pick(5))
                .map(|_| TxOut {
                    value: Amount::from_sat(u64::from(pick(u32::MAX))),
                    script_pubkey: ScriptBuf::from_bytes((0..pick(80)).map(|_| pick(256) as u8).collect()),
                })
                .collect();
            let lock_time = LockTime::from_consensus(if pick(2) == 0 { 0 } else { pick(u32::MAX) });
            let tx = Transaction { version, lock_time, input, output };
            let index = if pick(6) == 0 { pick(inputs as u32) as usize } else { 0 };
            let want = p2wsh_sighash(&tx, index, &script, amount, EcdsaSighashType::All).unwrap();
            if cache.applies(&tx, index) {
                fast += 1;
            } else {
                slow += 1;
            }
            assert_eq!(cache.digest(&tx, index).unwrap(), want, "{tx:?} input {index}");
        }
        assert!(fast > 500 && slow > 500, "both paths are exercised: {fast} cached, {slow} full");
        let tx = Transaction { version: Version::TWO, lock_time: LockTime::ZERO, input: vec![], output: vec![] };
        assert!(cache.digest(&tx, 0).is_err(), "a missing input is an error, as in SighashCache");
    }
}
