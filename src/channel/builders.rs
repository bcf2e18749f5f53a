//! The pure builders every channel design shares: the funding transaction, the BIP-0067 2-of-2,
//! P2WPKH payouts, fees from a weight, BIP-0143 sighashes (and [`FundingSighash`], what every
//! commitment of a channel signs against), txids, encodings and the 2-of-2 witness. The hashing
//! and the encoding are rust-bitcoin's own (`SighashCache`, `Transaction::compute_txid`,
//! `consensus::serialize`); this module only names what the designs ask of them.
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
use bitcoin::sighash::{EcdsaSighashType, SegwitV0Sighash, SighashCache};
use bitcoin::transaction::Version;
use bitcoin::{
    Amount, FeeRate, OutPoint, Script, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Txid, Weight, Witness,
};

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
    two_of_two(first, second)
}

/// `OP_2 <first> <second> OP_2 OP_CHECKMULTISIG`, the keys in the order given.
fn two_of_two(first: &PublicKey, second: &PublicKey) -> ScriptBuf {
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
    funding_script_pubkey: &ScriptBuf,
    capacity: Amount,
    change_script: &ScriptBuf,
    rate: FeeRate,
) -> Result<Transaction, FundingError> {
    let overflow = || FundingError::FeeOverflow(rate.to_sat_per_kwu());
    let fee_with_change = funding_fee(rate, true).ok_or_else(overflow)?;
    let fee_alone = funding_fee(rate, false).ok_or_else(overflow)?;
    let short = || FundingError::Insufficient { coin: coin.amount, capacity, fee: fee_alone };
    coin.amount.checked_sub(capacity).and_then(|r| r.checked_sub(fee_alone)).ok_or_else(short)?;
    let mut output = vec![TxOut { value: capacity, script_pubkey: funding_script_pubkey.clone() }];
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
/// (188 bytes with the 2-of-2's 71-byte script) is the same for all of them. Those bytes are the
/// ones rust-bitcoin's `SighashCache` writes for such a transaction; this keeps the SHA-256 engine
/// that has taken them and finishes a clone of it per transaction with the last 40 bytes
/// (`hashOutputs`, the lock time and the sighash type): six SHA-256 compressions a digest instead
/// of [`p2wsh_sighash`]'s twelve, and the same digest. A transaction the shared part does not
/// describe (another version, sequence or outpoint, more inputs, another input index) gets
/// [`p2wsh_sighash`] itself, so the digest never depends on whether the shared part applied.
///
/// Kept because it measured more than the 2% of a long run that hand-written code must win (see
/// BENCHMARKS.md, "Against the bare loop, built the cheapest way").
#[derive(Clone)]
pub struct FundingSighash {
    version: Version,
    outpoint: OutPoint,
    sequence: Sequence,
    amount: Amount,
    witness_script: ScriptBuf,
    /// The SHA-256 engine that has taken `nVersion` … `nSequence`.
    prefix: sha256::HashEngine,
}

/// The bytes of a BIP-0143 preimage after `nSequence`: `hashOutputs`, `nLockTime`, the sighash type.
const PREIMAGE_TAIL: usize = 32 + 4 + 4;

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
        // A transaction of that shape (its outputs and lock time do not matter here): the library
        // writes its preimage, and all but the last 40 bytes are what every commitment shares.
        let template = Transaction {
            version,
            lock_time: LockTime::ZERO,
            input: vec![TxIn {
                previous_output: outpoint,
                script_sig: ScriptBuf::new(),
                sequence,
                witness: Witness::new(),
            }],
            output: vec![],
        };
        let mut preimage = Vec::new();
        SighashCache::new(&template)
            .segwit_v0_encode_signing_data_to(&mut preimage, 0, witness_script, amount, EcdsaSighashType::All)
            .expect("the template has an input 0");
        let mut prefix = SegwitV0Sighash::engine();
        prefix.input(&preimage[..preimage.len() - PREIMAGE_TAIL]);
        FundingSighash { version, outpoint, sequence, amount, witness_script: witness_script.to_owned(), prefix }
    }

    /// Whether the shared part describes input `index` of `tx`: the transaction has this version
    /// and one input, and that input spends the funding outpoint with this sequence.
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
        // hashOutputs: the double SHA-256 of every output, as SIGHASH_ALL asks.
        let mut outputs = sha256d::Hash::engine();
        tx.output.iter().for_each(|out| absorb(&mut outputs, out));
        let mut engine = self.prefix.clone();
        engine.input(sha256d::Hash::from_engine(outputs).as_byte_array());
        absorb(&mut engine, &tx.lock_time);
        engine.input(&EcdsaSighashType::All.to_u32().to_le_bytes());
        Ok(Message::from(SegwitV0Sighash::from_engine(engine)))
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

/// The txid of `tx`: [`Transaction::compute_txid`].
pub fn txid(tx: &Transaction) -> Txid {
    tx.compute_txid()
}

/// The virtual size of `tx`: [`Transaction::vsize`], as the `u64` the outputs write.
pub fn vsize(tx: &Transaction) -> u64 {
    tx.vsize() as u64
}

/// Appends `tx`'s consensus encoding to `out`: the bytes of [`bitcoin::consensus::serialize`]
/// (BIP-0144's marker, flag and witnesses when an input has a witness or there is no input),
/// written by the same encoder into the caller's buffer.
pub fn encode(tx: &Transaction, out: &mut Vec<u8>) {
    tx.consensus_encode(out).expect("writing into a Vec cannot fail");
}

/// The witness that spends a BIP-0067 2-of-2 `script` with `a`'s and `b`'s signatures: the
/// CHECKMULTISIG dummy, the two signatures in the order of their keys in the script, the script.
/// The one place the 2-of-2 witness is assembled (the designs and the PSBT finalizer call it).
pub fn multisig_witness(
    script: &Script,
    (key_a, sig_a): (&PublicKey, &ecdsa::Signature),
    (key_b, sig_b): (&PublicKey, &ecdsa::Signature),
) -> Witness {
    // The first key the script pushes (`OP_2 <33 bytes> <33 bytes> OP_2 OP_CHECKMULTISIG`) says
    // whose signature comes first: one key serialized rather than both compared; BIP-0067 order
    // if the script is not of that shape.
    let bytes = script.as_bytes();
    let a_first = if bytes.len() > 35 && bytes[0] == OP_PUSHNUM_2.to_u8() && bytes[1] == 33 {
        bytes[2..35] == key_a.serialize()[..]
    } else {
        sorts_first(key_a, key_b)
    };
    let (first, second) = if a_first { (sig_a, sig_b) } else { (sig_b, sig_a) };
    // The DER encodings on the stack, then one allocation of the right size, rather than four pushes.
    let (first, second) = (first.serialize(), second.serialize());
    Witness::from_slice(&[&[][..], first.as_ref(), second.as_ref(), script.as_bytes()])
}

/// Whether two transactions pay the same amounts, whatever their scripts and order: a close in
/// plain outputs settles a version whose outputs are scripted (delayed, revocable).
pub fn same_output_values(a: &Transaction, b: &Transaction) -> bool {
    let values = |tx: &Transaction| {
        let mut v: Vec<_> = tx.output.iter().map(|o| o.value).collect();
        v.sort();
        v
    };
    values(a) == values(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::secp256k1::{Secp256k1, SecretKey};
    use rand_chacha::rand_core::{RngCore, SeedableRng};
    use rand_chacha::ChaCha20Rng;

    fn key(secp: &Secp256k1<bitcoin::secp256k1::All>, byte: u8) -> PublicKey {
        PublicKey::from_secret_key(secp, &SecretKey::from_slice(&[byte; 32]).expect("a valid scalar"))
    }

    #[test]
    fn the_witness_puts_the_signatures_in_the_order_of_the_keys_in_the_script() {
        let secp = Secp256k1::new();
        let (a, b) = (key(&secp, 1), key(&secp, 2));
        let sig = |byte: u8| {
            let secret = SecretKey::from_slice(&[byte; 32]).expect("a valid scalar");
            ecdsa::Signature::sighash_all(secp.sign_ecdsa(&Message::from_digest([7; 32]), &secret))
        };
        let (sig_a, sig_b) = (sig(1), sig(2));
        // The sorted script, and the same keys pushed in either order.
        let (lower, _) = sorted_keys(&a, &b);
        for script in [funding_witness_script(&a, &b), two_of_two(&a, &b), two_of_two(&b, &a)] {
            let first_is_a = script.as_bytes()[2..35] == a.serialize()[..];
            for (x, y) in [((&a, &sig_a), (&b, &sig_b)), ((&b, &sig_b), (&a, &sig_a))] {
                let witness = multisig_witness(&script, x, y);
                let expected = if first_is_a { [&sig_a, &sig_b] } else { [&sig_b, &sig_a] };
                assert_eq!(witness.nth(1), Some(&expected[0].serialize()[..]));
                assert_eq!(witness.nth(2), Some(&expected[1].serialize()[..]));
                assert_eq!(witness.nth(3), Some(script.as_bytes()));
            }
        }
        assert_eq!(&funding_witness_script(&a, &b).as_bytes()[2..35], &lower.serialize()[..]);
    }

    /// 3,000 random transactions against `SighashCache::p2wsh_signature_hash`: versions, inputs,
    /// outpoints, sequences, lock times, outputs (none to four, scripts of any length) and input
    /// indexes drawn so that about a fifth are ones the shared part describes and the rest fall
    /// back.
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
                    script_pubkey: {
                        let len = if pick(8) == 0 { 200 + pick(400) } else { pick(80) };
                        ScriptBuf::from_bytes((0..len).map(|_| pick(256) as u8).collect())
                    },
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

    /// The shared part describes exactly the one-input transactions of its version spending the
    /// funding outpoint with its sequence, at input 0; changing any of those makes it not apply.
    #[test]
    fn the_shared_part_applies_to_the_channels_commitments_only() {
        let secp = Secp256k1::new();
        let script = funding_witness_script(&key(&secp, 1), &key(&secp, 2));
        let funding = OutPoint { txid: Txid::from_byte_array([7; 32]), vout: 0 };
        let amount = Amount::from_sat(3_600_000);
        let shared = FundingSighash::new(Version::TWO, funding, Sequence::MAX, &script, amount);
        let spend = |previous_output| TxIn {
            previous_output,
            script_sig: ScriptBuf::new(),
            sequence: Sequence::MAX,
            witness: Witness::new(),
        };
        let output = vec![TxOut { value: Amount::from_sat(1_000), script_pubkey: p2wpkh(&key(&secp, 3)) }];
        let tx = Transaction { version: Version::TWO, lock_time: LockTime::ZERO, input: vec![spend(funding)], output };
        assert!(shared.applies(&tx, 0));
        assert!(!shared.applies(&tx, 1), "another input index");
        let mut other = tx.clone();
        other.version = Version::ONE;
        assert!(!shared.applies(&other, 0), "another version");
        let mut other = tx.clone();
        other.input[0].sequence = Sequence::ENABLE_RBF_NO_LOCKTIME;
        assert!(!shared.applies(&other, 0), "another sequence");
        let mut other = tx.clone();
        other.input[0].previous_output.vout = 1;
        assert!(!shared.applies(&other, 0), "another outpoint");
        let mut other = tx.clone();
        other.input.push(spend(OutPoint { txid: Txid::from_byte_array([8; 32]), vout: 0 }));
        assert!(!shared.applies(&other, 0), "a second input");
        assert_eq!((shared.witness_script(), shared.amount()), (script.as_script(), amount));
        let none = Transaction { version: Version::TWO, lock_time: LockTime::ZERO, input: vec![], output: vec![] };
        assert!(shared.digest(&none, 0).is_err(), "a missing input is an error, as in SighashCache");
    }
}
