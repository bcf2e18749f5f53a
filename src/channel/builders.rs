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
        let mut outputs = StackBytes::new();
        let hash_outputs = match outputs.outputs(&tx.output) {
            Some(()) => sha256d_finish(sha256::HashEngine::default(), outputs.as_bytes()),
            None => {
                let mut engine = sha256::HashEngine::default();
                tx.output.iter().for_each(|out| absorb(&mut engine, out));
                sha256d::Hash::from_engine(engine)
            }
        };
        // hashOutputs, nLockTime and the sighash type: the 40 bytes after the shared part.
        let mut tail = [0u8; 40];
        tail[..32].copy_from_slice(hash_outputs.as_byte_array());
        tail[32..36].copy_from_slice(&tx.lock_time.to_consensus_u32().to_le_bytes());
        tail[36..].copy_from_slice(&EcdsaSighashType::All.to_u32().to_le_bytes());
        Ok(Message::from_digest(sha256d_finish(self.prefix.clone(), &tail).to_byte_array()))
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

/// The double SHA-256 of what `engine` has taken followed by `tail`: [`sha256_finish`] twice.
fn sha256d_finish(engine: sha256::HashEngine, tail: &[u8]) -> sha256d::Hash {
    let inner = sha256_finish(engine, tail);
    sha256d::Hash::from_byte_array(sha256_finish(sha256::HashEngine::default(), &inner))
}

/// The SHA-256 of what `engine` has taken followed by `tail`, exactly `from_engine`'s, with the
/// padding (0x80, zeros, the length in bits) written after `tail` on the stack and the whole fed
/// to the engine in one call, rather than in four: once every block is hashed, the engine's state
/// is the digest. Falls back to `from_engine` for a `tail` longer than the stack buffer.
fn sha256_finish(mut engine: sha256::HashEngine, tail: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut padded = [0u8; 4 * BLOCK];
    let length = engine.n_bytes_hashed() + tail.len();
    // One 0x80 byte and zeros up to 8 bytes short of a block's end, then the length.
    let zeros_and_marker = BLOCK - (length + 8) % BLOCK;
    let end = tail.len() + zeros_and_marker + 8;
    if end > padded.len() {
        engine.input(tail);
        return sha256::Hash::from_engine(engine).to_byte_array();
    }
    padded[..tail.len()].copy_from_slice(tail);
    padded[tail.len()] = 0x80;
    padded[end - 8..end].copy_from_slice(&(8 * length as u64).to_be_bytes());
    engine.input(&padded[..end]);
    debug_assert_eq!(engine.n_bytes_hashed() % BLOCK, 0);
    engine.midstate().to_byte_array()
}

/// The txid of `tx`, exactly [`Transaction::compute_txid`]'s: the double SHA-256 of its encoding
/// without witness, written on the stack first when it fits (as a commitment's does) and hashed in
/// one call, rather than fed to the hash field by field.
pub fn txid(tx: &Transaction) -> Txid {
    let mut bytes = StackBytes::new();
    match bytes.transaction_base(tx) {
        Some(()) => Txid::from_raw_hash(sha256d_finish(sha256::HashEngine::default(), bytes.as_bytes())),
        None => tx.compute_txid(),
    }
}

/// The virtual size of `tx`, exactly [`Transaction::vsize`]'s: its weight is four times its size
/// without witness plus the BIP-0144 marker, flag and witnesses, each witness sized by the length
/// of its encoding (which [`Witness`] keeps) rather than by walking its items.
pub fn vsize(tx: &Transaction) -> u64 {
    let segwit = tx.input.is_empty() || tx.input.iter().any(|input| !input.witness.is_empty());
    let witness = if segwit { 2 + tx.input.iter().map(|input| witness_size(&input.witness)).sum::<usize>() } else { 0 };
    Weight::from_wu_usize(tx.base_size() * 4 + witness).to_vbytes_ceil()
}

/// The length of `witness`'s consensus encoding, counted by encoding it into nothing.
fn witness_size(witness: &Witness) -> usize {
    witness.consensus_encode(&mut bitcoin::io::sink()).expect("a sink takes every byte")
}

/// Appends `tx`'s consensus encoding to `out`: exactly [`bitcoin::consensus::serialize`]'s bytes
/// (BIP-0144's marker, flag and witnesses when an input has a witness or there is no input), each
/// fixed-size field copied with its length known in advance and each witness in one piece.
pub fn encode(tx: &Transaction, out: &mut Vec<u8>) {
    let segwit = tx.input.is_empty() || tx.input.iter().any(|input| !input.witness.is_empty());
    out.extend_from_slice(&tx.version.0.to_le_bytes());
    if segwit {
        out.extend_from_slice(&[0x00, 0x01]);
    }
    out.inputs_and_outputs(tx).expect("a vector takes every byte");
    if segwit {
        for input in &tx.input {
            input.witness.consensus_encode(out).expect("writing into a Vec cannot fail");
        }
    }
    out.extend_from_slice(&tx.lock_time.to_consensus_u32().to_le_bytes());
}

/// Room on the stack for the consensus encodings hashed with every commitment.
const STACK_BYTES: usize = 256;

/// Consensus-encoded bytes on the stack: what [`txid`] and [`FundingSighash::digest`] hash, in
/// one call. A write that would not fit returns `None` and the caller takes the general path.
struct StackBytes {
    buf: [u8; STACK_BYTES],
    len: usize,
}

impl StackBytes {
    fn new() -> StackBytes {
        StackBytes { buf: [0; STACK_BYTES], len: 0 }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// Where the hand-written consensus encoders write: the room on the stack ([`StackBytes`], which
/// refuses what does not fit) or a vector ([`encode`], which takes everything).
trait Bytes {
    /// Appends `bytes`; `None` when they do not fit.
    fn put(&mut self, bytes: &[u8]) -> Option<()>;

    /// A length as Bitcoin's CompactSize (`VarInt`).
    #[inline]
    fn put_len(&mut self, n: usize) -> Option<()> {
        match u64::try_from(n).ok()? {
            n @ 0..=0xFC => self.put(&[n as u8]),
            n @ 0xFD..=0xFFFF => self.put(&[0xFD]).and_then(|()| self.put(&(n as u16).to_le_bytes())),
            n @ 0x1_0000..=0xFFFF_FFFF => self.put(&[0xFE]).and_then(|()| self.put(&(n as u32).to_le_bytes())),
            n => self.put(&[0xFF]).and_then(|()| self.put(&n.to_le_bytes())),
        }
    }

    /// A script with its length.
    #[inline]
    fn script(&mut self, script: &Script) -> Option<()> {
        self.put_len(script.len())?;
        self.put(script.as_bytes())
    }

    /// Each output's value and script, without their count: BIP-0143's hashOutputs preimage.
    #[inline]
    fn outputs(&mut self, outputs: &[TxOut]) -> Option<()> {
        for out in outputs {
            self.put(&out.value.to_sat().to_le_bytes())?;
            self.script(&out.script_pubkey)?;
        }
        Some(())
    }

    /// The inputs (without witnesses) and the outputs, each list after its count.
    #[inline]
    fn inputs_and_outputs(&mut self, tx: &Transaction) -> Option<()> {
        self.put_len(tx.input.len())?;
        for input in &tx.input {
            self.put(input.previous_output.txid.as_byte_array())?;
            self.put(&input.previous_output.vout.to_le_bytes())?;
            self.script(&input.script_sig)?;
            self.put(&input.sequence.to_consensus_u32().to_le_bytes())?;
        }
        self.put_len(tx.output.len())?;
        self.outputs(&tx.output)
    }

    /// The transaction without its witness: version, inputs, outputs, lock time.
    fn transaction_base(&mut self, tx: &Transaction) -> Option<()> {
        self.put(&tx.version.0.to_le_bytes())?;
        self.inputs_and_outputs(tx)?;
        self.put(&tx.lock_time.to_consensus_u32().to_le_bytes())
    }
}

impl Bytes for StackBytes {
    #[inline]
    fn put(&mut self, bytes: &[u8]) -> Option<()> {
        let end = self.len.checked_add(bytes.len()).filter(|end| *end <= STACK_BYTES)?;
        self.buf[self.len..end].copy_from_slice(bytes);
        self.len = end;
        Some(())
    }
}

impl Bytes for Vec<u8> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) -> Option<()> {
        self.extend_from_slice(bytes);
        Some(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::hashes::sha256d;
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

    #[test]
    fn finishing_by_hand_is_sha256_for_any_length() {
        let data: Vec<u8> = (0..600u32).map(|i| (i * 7919 % 251) as u8).collect();
        for before in [0, 1, 55, 56, 60, 64, 128, 188, 300] {
            for len in 0..=300 {
                let mut engine = sha256::HashEngine::default();
                engine.input(&data[..before]);
                let whole = &data[..before + len];
                let expected = sha256::Hash::hash(whole).to_byte_array();
                assert_eq!(sha256_finish(engine.clone(), &data[before..before + len]), expected, "{before} + {len}");
                let expected = sha256d::Hash::hash(whole);
                assert_eq!(sha256d_finish(engine, &data[before..before + len]), expected, "{before} + {len}");
            }
        }
    }

    /// 3,000 random transactions against `SighashCache::p2wsh_signature_hash`: versions, inputs,
    /// outpoints, sequences, lock times, outputs (none to four, scripts of any length, now and then
    /// too long for the outputs to be encoded on the stack) and input indexes drawn so that about a
    /// fifth are ones the shared part describes and the rest fall back.
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
        let (mut fast, mut slow, mut unstacked) = (0, 0, 0);
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
            if StackBytes::new().outputs(&tx.output).is_none() {
                unstacked += 1;
            }
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
        assert!(unstacked > 100, "outputs too long for the stack are hashed too: {unstacked}");
        let tx = Transaction { version: Version::TWO, lock_time: LockTime::ZERO, input: vec![], output: vec![] };
        assert!(cache.digest(&tx, 0).is_err(), "a missing input is an error, as in SighashCache");
    }

    /// A random transaction for the encoders' tests: no input to three, each with no witness or
    /// one of up to five items (empty ones and ones longer than the CompactSize step among them);
    /// input and output scripts either side of the CompactSize step (253 bytes) and, with
    /// `long_scripts`, of the stack's room; any sequence, lock time and version.
    fn random_tx(pick: &mut dyn FnMut(u32) -> u32, long_scripts: bool) -> Transaction {
        let bytes =
            |len: u32, pick: &mut dyn FnMut(u32) -> u32| -> Vec<u8> { (0..len).map(|_| pick(256) as u8).collect() };
        let lengths = if long_scripts { 5 } else { 4 };
        let input = (0..pick(4))
            .map(|_| TxIn {
                previous_output: OutPoint { txid: Txid::from_byte_array([pick(256) as u8; 32]), vout: pick(u32::MAX) },
                script_sig: ScriptBuf::from_bytes(bytes(
                    [0, 0, pick(40), 250 + pick(10), pick(700)][pick(lengths) as usize],
                    pick,
                )),
                sequence: Sequence(pick(u32::MAX)),
                witness: if pick(2) == 0 {
                    Witness::new()
                } else {
                    let items: Vec<Vec<u8>> = (0..1 + pick(5))
                        .map(|_| bytes([0, 33, 72, pick(80), 250 + pick(10)][pick(5) as usize], pick))
                        .collect();
                    Witness::from_slice(&items)
                },
            })
            .collect();
        let output = (0..pick(4))
            .map(|_| TxOut {
                value: Amount::from_sat(u64::from(pick(u32::MAX)) << pick(20)),
                script_pubkey: ScriptBuf::from_bytes(bytes(
                    [22, 34, pick(40), 250 + pick(10), pick(700)][pick(lengths) as usize],
                    pick,
                )),
            })
            .collect();
        Transaction {
            version: Version(pick(4) as i32 - 1),
            lock_time: LockTime::from_consensus(pick(u32::MAX)),
            input,
            output,
        }
    }

    /// 2,000 random transactions ([`random_tx`], long scripts among them) against
    /// `Transaction::compute_txid`, on the stack and off it.
    #[test]
    fn txid_is_compute_txid_for_any_transaction() {
        let mut rng = ChaCha20Rng::seed_from_u64(2_000);
        let mut pick = |n: u32| rng.next_u32() % n;
        let (mut stacked, mut unstacked) = (0, 0);
        for _ in 0..2_000 {
            let tx = random_tx(&mut pick, true);
            if StackBytes::new().transaction_base(&tx).is_some() {
                stacked += 1;
            } else {
                unstacked += 1;
            }
            assert_eq!(txid(&tx), tx.compute_txid(), "{tx:?}");
        }
        assert!(stacked > 300 && unstacked > 300, "both paths are exercised: {stacked} on the stack, {unstacked} not");
    }

    /// 2,000 random transactions ([`random_tx`]) against `consensus::serialize` and
    /// `Transaction::vsize`, so that the legacy, the BIP-0144 and the no-input encodings all come
    /// up.
    #[test]
    fn encode_and_vsize_are_serialize_and_vsize_for_any_transaction() {
        let mut rng = ChaCha20Rng::seed_from_u64(144);
        let mut pick = |n: u32| rng.next_u32() % n;
        let (mut legacy, mut segwit, mut empty) = (0, 0, 0);
        for _ in 0..2_000 {
            let tx = random_tx(&mut pick, false);
            match (tx.input.is_empty(), tx.input.iter().all(|i| i.witness.is_empty())) {
                (true, _) => empty += 1,
                (false, true) => legacy += 1,
                (false, false) => segwit += 1,
            }
            let mut out = vec![0xab];
            encode(&tx, &mut out);
            assert_eq!(out[1..], bitcoin::consensus::serialize(&tx), "{tx:?}");
            assert_eq!(vsize(&tx), tx.vsize() as u64, "{tx:?}");
        }
        assert!(legacy > 200 && segwit > 500 && empty > 200, "{legacy} legacy, {segwit} segwit, {empty} without input");
    }
}
