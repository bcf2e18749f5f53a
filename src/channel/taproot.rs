//! The Taproot channel's pure half (issue 21), in the simple-taproot-channel form of the
//! Lightning proposal (lightning/bolts PR 995, `bolt-simple-taproot.md`; lnd's taproot channels).
//!
//! Every other design locks the channel in a P2WSH 2-of-2 whose two keys and script the chain
//! sees at every spend. Here the funding output is one Taproot key: the MuSig2 aggregate
//! (BIP-0327) of the two funding keys, sorted by KeySort, with the BIP-0086 tweak (no script
//! tree). A cooperative close is one 64-byte BIP-0340 signature on that key, which the chain
//! cannot tell from any single-key spend. A commitment pays its holder's balance (`to_local`) to
//! a Taproot output whose internal key is the proposal's NUMS point (no one can spend it by key)
//! and whose two leaves are the delay leaf (the holder's delayed key after `to_self_delay`
//! blocks, `OP_CHECKSEQUENCEVERIFY`) and the revocation leaf (the revocation key at once); the
//! other party's balance (`to_remote`) goes to a NUMS-keyed output with one leaf, its key after
//! one block. Only the leaf used is revealed on chain.
//!
//! What is here: the keys and scripts, the outputs, the witnesses of each spend, the BIP-0341
//! sighashes and the MuSig2 session both parties run for a key-path signature, with nonces
//! derived deterministically (see [`session_nonce`]). Nothing here holds a secret but what a
//! caller passes in to sign with; the parties hold the keys.

use bitcoin::hashes::{sha256, Hash as _, HashEngine as _};
use bitcoin::key::{TweakedPublicKey, UntweakedPublicKey};
use bitcoin::opcodes::all::{OP_CHECKSIG, OP_CHECKSIGVERIFY, OP_CSV, OP_DROP};
use bitcoin::script::Builder;
use bitcoin::secp256k1::{schnorr, All, Message, PublicKey, Secp256k1, SecretKey, XOnlyPublicKey};
use bitcoin::sighash::{Prevouts, SighashCache};
use bitcoin::taproot::{ControlBlock, LeafVersion, TaprootBuilder, TaprootSpendInfo};
use bitcoin::transaction::Version;
use bitcoin::{Amount, OutPoint, ScriptBuf, TapSighashType, Transaction, TxIn, TxOut, Weight, Witness};
use musig2::{AggNonce, KeyAggContext, PartialSignature, PubNonce, SecNonce};

use super::builders::{same_output_values, sorted_keys};

/// The proposal's `simple_taproot_nums`: a point no one knows the discrete logarithm of
/// (generated from the phrase "Lightning Simple Taproot"), the internal key of outputs that must
/// be spent by a script.
pub const NUMS: [u8; 33] = [
    0x02, 0xdc, 0xa0, 0x94, 0x75, 0x11, 0x09, 0xd0, 0xbd, 0x05, 0x5d, 0x03, 0x56, 0x58, 0x74, 0xe8, 0x27, 0x6d, 0xd5,
    0x3e, 0x92, 0x6b, 0x44, 0xe3, 0xbd, 0x1b, 0xb6, 0xbf, 0x4b, 0xc1, 0x30, 0xa2, 0x79,
];

/// The NUMS point as the x-only internal key of a script-only output.
pub fn nums() -> UntweakedPublicKey {
    static POINT: std::sync::OnceLock<UntweakedPublicKey> = std::sync::OnceLock::new();
    *POINT.get_or_init(|| {
        PublicKey::from_slice(&NUMS).expect("the proposal's NUMS point is on the curve").x_only_public_key().0
    })
}

/// Why a MuSig2 step failed: what a party refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MusigError {
    /// A funding key is not a valid point for aggregation, or the tweak failed.
    #[error("the funding keys cannot be aggregated: {0}")]
    KeyAgg(String),
    /// The signer's key is not one of the two funding keys, or its nonce is not its key's.
    #[error("the partial signature cannot be made: {0}")]
    Sign(String),
    /// A partial signature does not verify for its signer's key and public nonce.
    #[error("the partial signature does not verify: {0}")]
    Verify(String),
}

/// The MuSig2 key aggregation context of the funding output: the two funding keys in BIP-0327
/// KeySort order (lexicographic on the 33-byte keys, which is BIP-0067's, [`sorted_keys`]) and
/// the BIP-0086 tweak (a Taproot commitment to no script).
///
/// # Errors
///
/// [`MusigError::KeyAgg`] when the keys aggregate to nothing usable (never for two real keys).
pub fn funding_key_agg(a: &PublicKey, b: &PublicKey) -> Result<KeyAggContext, MusigError> {
    let (first, second) = sorted_keys(a, b);
    let keys = [musig2::secp::Point::from(*first), musig2::secp::Point::from(*second)];
    KeyAggContext::new(keys)
        .and_then(|ctx| ctx.with_unspendable_taproot_tweak().map_err(|_| musig2::errors::KeyAggError))
        .map_err(|e| MusigError::KeyAgg(e.to_string()))
}

/// The funding output's tweaked x-only key: the one key the chain ever sees of the channel
/// until a unilateral close.
pub fn funding_output_key(a: &PublicKey, b: &PublicKey) -> TweakedPublicKey {
    let ctx = funding_key_agg(a, b).expect("two valid funding keys aggregate");
    let key: PublicKey = ctx.aggregated_pubkey();
    TweakedPublicKey::dangerous_assume_tweaked(key.x_only_public_key().0)
}

/// The funding output's script_pubkey: `OP_1 <32-byte aggregate key>` (P2TR).
pub fn funding_output_script(a: &PublicKey, b: &PublicKey) -> ScriptBuf {
    ScriptBuf::new_p2tr_tweaked(funding_output_key(a, b))
}

/// The `to_local` delay leaf: `<delayed key> OP_CHECKSIGVERIFY <to_self_delay>
/// OP_CHECKSEQUENCEVERIFY`, the holder's own balance after the delay.
pub fn delay_leaf(delayed: &PublicKey, to_self_delay: u16) -> ScriptBuf {
    Builder::new()
        .push_x_only_key(&delayed.x_only_public_key().0)
        .push_opcode(OP_CHECKSIGVERIFY)
        .push_int(i64::from(to_self_delay))
        .push_opcode(OP_CSV)
        .into_script()
}

/// The `to_local` revocation leaf: `<delayed key> OP_DROP <revocation key> OP_CHECKSIG`, the
/// other party's at once once the holder has revealed the state's per-commitment secret (the
/// delayed key is there so the leaf reveals which output it is, as the proposal has it).
pub fn revocation_leaf(delayed: &PublicKey, revocation: &PublicKey) -> ScriptBuf {
    Builder::new()
        .push_x_only_key(&delayed.x_only_public_key().0)
        .push_opcode(OP_DROP)
        .push_x_only_key(&revocation.x_only_public_key().0)
        .push_opcode(OP_CHECKSIG)
        .into_script()
}

/// The `to_remote` leaf: `<remote key> OP_CHECKSIGVERIFY 1 OP_CHECKSEQUENCEVERIFY`.
pub fn to_remote_leaf(remote: &PublicKey) -> ScriptBuf {
    Builder::new()
        .push_x_only_key(&remote.x_only_public_key().0)
        .push_opcode(OP_CHECKSIGVERIFY)
        .push_int(1)
        .push_opcode(OP_CSV)
        .into_script()
}

/// The `to_local` output's tree: the NUMS internal key, the delay and the revocation leaves at
/// depth 1.
pub fn to_local_tree(
    secp: &Secp256k1<All>,
    delayed: &PublicKey,
    revocation: &PublicKey,
    delay: u16,
) -> TaprootSpendInfo {
    TaprootBuilder::new()
        .add_leaf(1, delay_leaf(delayed, delay))
        .and_then(|b| b.add_leaf(1, revocation_leaf(delayed, revocation)))
        .expect("two leaves at depth 1 make a complete tree")
        .finalize(secp, nums())
        .expect("a complete tree finalizes")
}

/// The `to_remote` output's tree: the NUMS internal key and the one leaf.
pub fn to_remote_tree(secp: &Secp256k1<All>, remote: &PublicKey) -> TaprootSpendInfo {
    TaprootBuilder::with_huffman_tree([(1, to_remote_leaf(remote))])
        .expect("one leaf is a tree")
        .finalize(secp, nums())
        .expect("a complete tree finalizes")
}

/// The P2TR script_pubkey of a tree's output key.
pub fn output_script(tree: &TaprootSpendInfo) -> ScriptBuf {
    ScriptBuf::new_p2tr_tweaked(tree.output_key())
}

/// The control block proving `leaf` is in `tree`.
pub fn control_block(tree: &TaprootSpendInfo, leaf: &ScriptBuf) -> ControlBlock {
    tree.control_block(&(leaf.clone(), LeafVersion::TapScript)).expect("the leaf is in the tree it was built with")
}

/// The witness of a script-path spend of `leaf` of `tree` with one signature (SIGHASH_DEFAULT,
/// 64 bytes): `<sig> <leaf> <control block>`.
pub fn leaf_witness(tree: &TaprootSpendInfo, leaf: &ScriptBuf, sig: &schnorr::Signature) -> Witness {
    let mut w = Witness::new();
    w.push(sig.as_ref());
    w.push(leaf.as_bytes());
    w.push(control_block(tree, leaf).serialize());
    w
}

/// The witness of the funding output's key-path spend: the one aggregate BIP-0340 signature
/// (SIGHASH_DEFAULT, 64 bytes, no sighash byte).
pub fn key_spend_witness(sig: &schnorr::Signature) -> Witness {
    Witness::p2tr_key_spend(&bitcoin::taproot::Signature { signature: *sig, sighash_type: TapSighashType::Default })
}

/// The BIP-0341 digest (SIGHASH_DEFAULT) of `tx`'s key-path spend of input `index`, whose inputs
/// spend `spent` in order.
pub fn key_spend_sighash(tx: &Transaction, index: usize, spent: &[TxOut]) -> Message {
    let hash = SighashCache::new(tx)
        .taproot_key_spend_signature_hash(index, &Prevouts::All(spent), TapSighashType::Default)
        .expect("one spent output per input and a valid index");
    Message::from_digest(hash.to_byte_array())
}

/// The BIP-0342 digest (SIGHASH_DEFAULT) of `tx`'s spend of input `index` through `leaf`.
pub fn leaf_sighash(tx: &Transaction, index: usize, spent: &[TxOut], leaf: &ScriptBuf) -> Message {
    let leaf_hash = bitcoin::TapLeafHash::from_script(leaf, LeafVersion::TapScript);
    let hash = SighashCache::new(tx)
        .taproot_script_spend_signature_hash(index, &Prevouts::All(spent), leaf_hash, TapSighashType::Default)
        .expect("one spent output per input and a valid index");
    Message::from_digest(hash.to_byte_array())
}

/// A BIP-0340 signature by `secret` over `msg`, for a script-path leaf (no Taproot tweak: the
/// leaf names the key itself), with no auxiliary randomness so runs repeat byte for byte.
pub fn sign_leaf(secp: &Secp256k1<All>, msg: &Message, secret: &SecretKey) -> schnorr::Signature {
    secp.sign_schnorr_no_aux_rand(msg, &bitcoin::key::Keypair::from_secret_key(secp, secret))
}

/// The largest weight of a signed commitment or close with `outputs` P2TR outputs spending the
/// funding output by its key: non-witness version 4, input count 1, input 41, output count 1,
/// 43 per output (value 8, script length 1, `OP_1 <32 bytes>` 34), lock time 4; witness marker
/// and flag 2, item count 1, the signature 1 + 64. A BIP-0340 signature is always 64 bytes, so
/// this is the weight exactly, not a bound.
pub fn key_spend_weight(outputs: u64) -> Weight {
    Weight::from_wu((4 + 1 + 41 + 1 + 43 * outputs + 4) * 4 + 2 + 1 + 65)
}

/// The public keys of one holder's version of a state: its delayed key and the revocation key
/// of its `to_local` (BOLT #3's derivations from the basepoints and the holder's per-commitment
/// point, [`super::bolt3::CommitmentKeys`]), and the other party's key of `to_remote`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionKeys {
    /// The holder's delayed key (`local_delayedpubkey`).
    pub delayed: PublicKey,
    /// The revocation key (`revocationpubkey`), which the other party can sign with once the
    /// holder has revealed the state's per-commitment secret.
    pub revocation: PublicKey,
    /// The other party's key (`remotepubkey`).
    pub remote: PublicKey,
}

/// One holder's version of a state: the funding output at `funding` spent with BOLT #3's
/// obscured commitment number in its lock time and sequence; `to_local` (`local` sat, the delay
/// and revocation leaves) and `to_remote` (`remote` sat), each left out below `dust`, in
/// BIP-0069 order (value, then script). Unsigned: its one witness item is the MuSig2 signature.
pub fn version_tx(
    secp: &Secp256k1<All>,
    funding: OutPoint,
    keys: &VersionKeys,
    to_self_delay: u16,
    (local, remote): (Amount, Amount),
    dust: Amount,
    obscured: u64,
) -> Transaction {
    let mut output = Vec::with_capacity(2);
    if local >= dust {
        let tree = to_local_tree(secp, &keys.delayed, &keys.revocation, to_self_delay);
        output.push(TxOut { value: local, script_pubkey: output_script(&tree) });
    }
    if remote >= dust {
        output.push(TxOut { value: remote, script_pubkey: output_script(&to_remote_tree(secp, &keys.remote)) });
    }
    output.sort_by(|a, b| (a.value, a.script_pubkey.as_bytes()).cmp(&(b.value, b.script_pubkey.as_bytes())));
    Transaction {
        version: Version::TWO,
        lock_time: super::bolt3::commitment_lock_time(obscured),
        input: vec![TxIn {
            previous_output: funding,
            script_sig: ScriptBuf::new(),
            sequence: super::bolt3::commitment_sequence(obscured),
            witness: Witness::new(),
        }],
        output,
    }
}

/// The signer's MuSig2 nonce for one message, from `seed` (the party's own secret nonce seed,
/// drawn from the scenario's seed), the state number `seq`, the signer's role `signer` and the
/// message itself, through BIP-0327's NonceGen with the signer's secret key, the aggregate key
/// and the message as its inputs.
///
/// **Safe only in this simulation.** BIP-0327 asks for 32 fresh random bytes per signing
/// session; a deterministic nonce is what makes a run repeat byte for byte, and it never signs
/// two different messages (the message is an input, so two messages give two nonces, and one
/// message gives the same signature). With real money it is fatal: anyone who learns the seed
/// (here it is in the scenario file) or makes a signer run one session twice with a different
/// co-signer nonce learns the secret key from two partial signatures. paychan refuses mainnet.
pub fn session_nonce(
    seed: &[u8; 32],
    seq: u64,
    signer: &str,
    secret: &SecretKey,
    agg: &KeyAggContext,
    msg: &Message,
) -> SecNonce {
    let mut engine = sha256::Hash::engine();
    engine.input(b"paychan/taproot/nonce");
    engine.input(seed);
    engine.input(&seq.to_be_bytes());
    engine.input(signer.as_bytes());
    let nonce_seed = sha256::Hash::from_engine(engine).to_byte_array();
    let aggregated: musig2::secp::Point = agg.aggregated_pubkey();
    SecNonce::build_with_seckey(nonce_seed, *secret)
        .with_aggregated_pubkey(aggregated)
        .with_message(msg.as_ref())
        .with_extra_input(&seq.to_be_bytes())
        .build()
}

/// One signer's partial signature of `msg` with its `secret` and secret nonce, under the
/// aggregate of both public nonces.
///
/// # Errors
///
/// [`MusigError::Sign`] when the key is not one of the channel's or the nonce is not its own.
pub fn partial_sign(
    agg: &KeyAggContext,
    secret: &SecretKey,
    nonce: SecNonce,
    nonces: [&PubNonce; 2],
    msg: &Message,
) -> Result<PartialSignature, MusigError> {
    let aggnonce = AggNonce::sum(nonces);
    musig2::sign_partial(agg, *secret, nonce, &aggnonce, msg.as_ref()).map_err(|e| MusigError::Sign(e.to_string()))
}

/// Checks the other signer's partial signature of `msg` against its funding key and public
/// nonce.
///
/// # Errors
///
/// [`MusigError::Verify`] when it does not verify.
pub fn verify_partial(
    agg: &KeyAggContext,
    sig: PartialSignature,
    nonces: [&PubNonce; 2],
    signer: &PublicKey,
    signer_nonce: &PubNonce,
    msg: &Message,
) -> Result<(), MusigError> {
    let aggnonce = AggNonce::sum(nonces);
    musig2::verify_partial(agg, sig, &aggnonce, *signer, signer_nonce, msg.as_ref())
        .map_err(|e| MusigError::Verify(e.to_string()))
}

/// The aggregate BIP-0340 signature of `msg` from both partial signatures: one signature that
/// verifies under the funding output's key.
///
/// # Errors
///
/// [`MusigError::Verify`] when the aggregate does not verify.
pub fn aggregate(
    agg: &KeyAggContext,
    nonces: [&PubNonce; 2],
    partials: [PartialSignature; 2],
    msg: &Message,
) -> Result<schnorr::Signature, MusigError> {
    let aggnonce = AggNonce::sum(nonces);
    musig2::aggregate_partial_signatures(agg, &aggnonce, partials, msg.as_ref())
        .map_err(|e| MusigError::Verify(e.to_string()))
}

/// Whether `sig` is a valid BIP-0340 signature of `msg` by the x-only `key`.
pub fn verify_schnorr(secp: &Secp256k1<All>, sig: &schnorr::Signature, msg: &Message, key: &XOnlyPublicKey) -> bool {
    secp.verify_schnorr(sig, msg, key).is_ok()
}

/// The nonce of a signer that commits to its nonce before it knows the message: a holder's
/// nonce for its own version `seq`, announced with its per-commitment point before the other
/// party proposes the state (as lnd's taproot channels send a "next local nonce" ahead), from
/// the holder's nonce `seed`, `seq`, its `role`, its key and the aggregate key. The holder signs
/// with it once, its own version `seq`, whose message it computes itself; regtest-only like
/// [`session_nonce`]. BIP-0327's NonceGen with the secret key and the state as its inputs (no
/// message, no aggregate key: both optional there).
pub fn announced_nonce(seed: &[u8; 32], seq: u64, role: &str, secret: &SecretKey) -> SecNonce {
    let mut engine = sha256::Hash::engine();
    engine.input(b"paychan/taproot/announced-nonce");
    engine.input(seed);
    engine.input(&seq.to_be_bytes());
    engine.input(role.as_bytes());
    let nonce_seed = sha256::Hash::from_engine(engine).to_byte_array();
    SecNonce::build_with_seckey(nonce_seed, *secret).with_extra_input(&seq.to_be_bytes()).build()
}

/// The nonce of the signer who signs *last* in a session: derived, as BIP-0327's
/// DeterministicSign derives it, from its key, the aggregate key, the message and the other
/// signer's public nonce (here with [`session_nonce`]'s inputs besides), so it can never sign
/// two messages, nor one message under two aggregate nonces, with one nonce. The other signer
/// then signs with the nonce it sent first.
pub fn last_signer_nonce(
    seed: &[u8; 32],
    seq: u64,
    role: &str,
    secret: &SecretKey,
    agg: &KeyAggContext,
    msg: &Message,
    other: &PubNonce,
) -> SecNonce {
    let mut engine = sha256::Hash::engine();
    engine.input(b"paychan/taproot/last-signer-nonce");
    engine.input(seed);
    engine.input(&seq.to_be_bytes());
    engine.input(role.as_bytes());
    let nonce_seed = sha256::Hash::from_engine(engine).to_byte_array();
    let aggregated: musig2::secp::Point = agg.aggregated_pubkey();
    let other = other.serialize();
    SecNonce::build_with_seckey(nonce_seed, *secret)
        .with_aggregated_pubkey(aggregated)
        .with_message(msg.as_ref())
        .with_extra_input(&other)
        .build()
}

// ---------------------------------------------------------------------------------------------
// The design
// ---------------------------------------------------------------------------------------------

use bitcoin::absolute::LockTime;
use bitcoin::{FeeRate, Sequence};

use super::bolt3::CommitmentKeys;
use super::revocable::{secp, ChannelBasepoints, DUST_LIMIT};
use super::{
    ChannelParams, CommitmentWords, Design, EcdsaSpend, Refund, SchnorrOperations, SecpOperations, Settings, Signing,
    Split, Who,
};
use crate::units::thousands;
use crate::words::Lang;

/// The Taproot channel: MuSig2 funding, each party's own version of every state with a
/// tapscript delay leaf and revocation leaf, the cooperative close one key-path signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Taproot {
    /// The funding's height.
    pub funding_height: u32,
    /// Blocks a party waits before sweeping its own balance from its own version.
    pub to_self_delay: u16,
}

/// Registers the design under its name (see [`crate::party::DESIGNS`]).
pub fn make(settings: &Settings) -> Box<dyn Design> {
    Box::new(Taproot::new(settings))
}

/// Why a version of a state cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaprootError {
    /// The channel parameters carry no basepoints.
    #[error("the channel has no basepoints: it is not a taproot channel")]
    NoBasepoints,
    /// A BOLT #3 derivation refused (a negligible case).
    #[error("{0}")]
    Bolt3(#[from] super::bolt3::Bolt3Error),
}

/// One output of a confirmed version a party spends through a leaf: what it signs over.
#[derive(Debug, Clone)]
pub struct LeafSpend {
    /// The output spent.
    pub outpoint: OutPoint,
    /// Its value and script.
    pub prevout: TxOut,
    /// Its tree.
    pub tree: TaprootSpendInfo,
    /// The leaf used.
    pub leaf: ScriptBuf,
    /// The input's sequence: the leaf's `OP_CHECKSEQUENCEVERIFY` delay (0 for the revocation
    /// leaf).
    pub sequence: Sequence,
}

/// The unsigned transaction spending `spends` through their leaves to `to`, paying `fee_rate`
/// on its exact signed weight (every signature is 64 bytes); `None` when the fee would take it
/// all.
pub fn leaf_spend_tx(spends: &[LeafSpend], to: &ScriptBuf, fee_rate: FeeRate) -> Option<Transaction> {
    let total = spends.iter().try_fold(Amount::ZERO, |a, s| a.checked_add(s.prevout.value))?;
    let mut tx = Transaction {
        version: Version::TWO,
        lock_time: LockTime::ZERO,
        input: spends
            .iter()
            .map(|s| TxIn {
                previous_output: s.outpoint,
                script_sig: ScriptBuf::new(),
                sequence: s.sequence,
                witness: Witness::new(),
            })
            .collect(),
        output: vec![TxOut { value: Amount::ZERO, script_pubkey: to.clone() }],
    };
    let dummy = schnorr::Signature::from_slice(&[1; 64]).expect("64 bytes are a signature's encoding");
    let mut sized = tx.clone();
    for (input, s) in sized.input.iter_mut().zip(spends) {
        input.witness = leaf_witness(&s.tree, &s.leaf, &dummy);
    }
    let fee = super::fee_for(fee_rate, sized.weight())?;
    let value = total.checked_sub(fee).filter(|v| *v >= super::P2WPKH_DUST)?;
    tx.output[0].value = value;
    Some(tx)
}

/// `tx` (from [`leaf_spend_tx`] over `spends`) signed: input `i` with `secrets[i]` over its
/// BIP-0342 sighash.
pub fn sign_leaf_spends(mut tx: Transaction, spends: &[LeafSpend], secrets: &[SecretKey]) -> Transaction {
    let spent: Vec<TxOut> = spends.iter().map(|s| s.prevout.clone()).collect();
    for (i, (s, secret)) in spends.iter().zip(secrets).enumerate() {
        let sig = sign_leaf(secp(), &leaf_sighash(&tx, i, &spent, &s.leaf), secret);
        tx.input[i].witness = leaf_witness(&s.tree, &s.leaf, &sig);
    }
    tx
}

impl Taproot {
    /// The design made with `settings`.
    pub fn new(settings: &Settings) -> Taproot {
        Taproot {
            funding_height: settings.funding_height,
            to_self_delay: u16::try_from(settings.to_self_delay).unwrap_or(u16::MAX),
        }
    }

    fn basepoints(params: &ChannelParams) -> Result<ChannelBasepoints, TaprootError> {
        params.extra.get::<ChannelBasepoints>().copied().ok_or(TaprootError::NoBasepoints)
    }

    /// The obscured number of state `seq` (BOLT #3's factor from the two payment basepoints).
    pub fn obscured(params: &ChannelParams, seq: u64) -> Option<u64> {
        let b = Self::basepoints(params).ok()?;
        let factor = super::bolt3::obscuring_factor(&b.payer.payment, &b.payee.payment);
        super::bolt3::obscured_commitment_number(factor, seq).ok()
    }

    /// The state number a version carries; `None` for the cooperative close.
    pub fn commitment_number(params: &ChannelParams, tx: &Transaction) -> Option<u64> {
        let b = Self::basepoints(params).ok()?;
        super::bolt3::commitment_number_of(tx, super::bolt3::obscuring_factor(&b.payer.payment, &b.payee.payment))
    }

    /// The keys of `holder`'s version whose per-commitment point is `point`: BOLT #3's
    /// derivations, the other party's payment basepoint as `to_remote`'s key.
    ///
    /// # Errors
    ///
    /// [`TaprootError`] without basepoints or in the negligible cases.
    pub fn keys(params: &ChannelParams, holder: Who, point: &PublicKey) -> Result<VersionKeys, TaprootError> {
        let b = Self::basepoints(params)?;
        let (mine, theirs) = (b.of(holder), b.of(holder.other()));
        let k = CommitmentKeys::derive(secp(), point, &theirs.revocation, &mine.delayed_payment, &theirs.payment)?;
        Ok(VersionKeys { delayed: k.local_delayed_pubkey, revocation: k.revocation_pubkey, remote: theirs.payment })
    }

    /// `holder`'s version of state `seq` dividing the channel as `split`, with the holder's
    /// per-commitment point `point`: [`version_tx`], unsigned.
    ///
    /// # Errors
    ///
    /// As [`Taproot::keys`].
    pub fn version(
        &self,
        params: &ChannelParams,
        holder: Who,
        seq: u64,
        split: &Split,
        point: &PublicKey,
    ) -> Result<Transaction, TaprootError> {
        let keys = Self::keys(params, holder, point)?;
        let obscured = Self::obscured(params, seq).ok_or(TaprootError::NoBasepoints)?;
        let amounts = if holder == Who::Payer { (split.payer, split.payee) } else { (split.payee, split.payer) };
        Ok(version_tx(secp(), params.funding_outpoint, &keys, self.to_self_delay, amounts, DUST_LIMIT, obscured))
    }

    /// The `to_local` output of `holder`'s version `tx` with point `point`, spent through the
    /// delay leaf (`revoked` false, after `to_self_delay` blocks) or the revocation leaf.
    pub fn to_local(
        &self,
        params: &ChannelParams,
        holder: Who,
        tx: &Transaction,
        point: &PublicKey,
        revoked: bool,
    ) -> Option<LeafSpend> {
        let keys = Self::keys(params, holder, point).ok()?;
        let tree = to_local_tree(secp(), &keys.delayed, &keys.revocation, self.to_self_delay);
        let leaf = if revoked {
            revocation_leaf(&keys.delayed, &keys.revocation)
        } else {
            delay_leaf(&keys.delayed, self.to_self_delay)
        };
        let sequence = if revoked { Sequence::ZERO } else { Sequence::from_height(self.to_self_delay) };
        Self::find(tx, tree, leaf, sequence)
    }

    /// The `to_remote` output of `holder`'s version `tx` (the other party's balance), spent
    /// through its leaf after one block.
    pub fn to_remote(params: &ChannelParams, holder: Who, tx: &Transaction) -> Option<LeafSpend> {
        let b = Self::basepoints(params).ok()?;
        let remote = b.of(holder.other()).payment;
        Self::find(tx, to_remote_tree(secp(), &remote), to_remote_leaf(&remote), Sequence::from_height(1))
    }

    fn find(tx: &Transaction, tree: TaprootSpendInfo, leaf: ScriptBuf, sequence: Sequence) -> Option<LeafSpend> {
        let spk = output_script(&tree);
        let vout = tx.output.iter().position(|o| o.script_pubkey == spk)?;
        Some(LeafSpend {
            outpoint: OutPoint { txid: tx.compute_txid(), vout: u32::try_from(vout).ok()? },
            prevout: tx.output[vout].clone(),
            tree,
            leaf,
            sequence,
        })
    }

    /// The funding output as a spent output, for BIP-0341 sighashes.
    pub fn funding_prevout(params: &ChannelParams) -> TxOut {
        TxOut { value: params.funding_amount, script_pubkey: params.funding_output_script() }
    }
}

impl Design for Taproot {
    fn name(&self) -> &'static str {
        "taproot"
    }

    fn about(&self, lang: Lang) -> &'static str {
        lang.pick(
            "a simple Taproot channel (lightning/bolts PR 995): the funding output is one MuSig2 key of both \
             parties, each party holds its own version of every state with its balance behind a delay leaf and a \
             revocation leaf, and the cooperative close is one Schnorr signature the chain cannot tell from any \
             single-key spend",
            "简单 Taproot 通道（lightning/bolts PR 995）：注资输出是双方的一个 MuSig2 聚合密钥；每一方持有每个状态\
             自己的版本，其中自己的余额藏在延迟叶子和撤销叶子之后；协商关闭只是一个 Schnorr 签名，链上无法把它与任何\
             单密钥花费区分开",
        )
    }

    fn funding_noun(&self, lang: Lang) -> &'static str {
        lang.pick("MuSig2 key", "MuSig2 聚合密钥")
    }

    /// The report says "{noun} key" of each party's key and "to the {short}" of the output.
    fn funding_names(&self, lang: Lang) -> (&'static str, &'static str) {
        lang.pick(("MuSig2 funding", "channel's MuSig2 key"), ("MuSig2 注资", "通道的 MuSig2 聚合密钥"))
    }

    fn tell_funding(&self, lang: Lang, payer: &str, payee: &str, address: &str) -> String {
        let delay = thousands(u64::from(self.to_self_delay));
        match lang {
            Lang::En => format!(
                "{payer} and {payee} aggregate their two funding keys into one MuSig2 key (BIP-0327) and fund the \
                 Taproot address {address}: on the chain it looks like anyone's single-key address. Each will \
                 hold its own version of every state, its own balance behind a tapscript leaf that waits {delay} \
                 blocks and a revocation leaf the other can use at once once the state is revoked."
            ),
            Lang::Zh => format!(
                "{payer} 和 {payee} 把两把注资公钥聚合成一把 MuSig2 密钥（BIP-0327），向 Taproot 地址 {address} \
                 注资：在链上它看起来和任何单密钥地址一样。每个状态双方各持有自己的版本：自己的余额放在一个等待 \
                 {delay} 个区块的 tapscript 叶子后面，另有一个撤销叶子，状态一旦被撤销，对方就能立即使用它。"
            ),
        }
    }

    /// No witness script: the funding output is a key, revealed by no script at any spend.
    fn funding_script(&self, _payer: &PublicKey, _payee: &PublicKey) -> ScriptBuf {
        ScriptBuf::new()
    }

    fn funding_output_script(&self, payer: &PublicKey, payee: &PublicKey) -> ScriptBuf {
        funding_output_script(payer, payee)
    }

    /// Exact: P2TR outputs and one 64-byte signature ([`key_spend_weight`]).
    fn commitment_weight(&self, outputs: u64) -> Weight {
        key_spend_weight(outputs)
    }

    /// The state in plain outputs paid at once: what the cooperative close signs; each party's
    /// own version comes from [`Taproot::version`].
    fn commitment_tx(&self, params: &ChannelParams, seq: u64, split: &Split) -> Transaction {
        super::naive::Naive.commitment_tx(params, seq, split)
    }

    fn lock(&self, params: &ChannelParams, seq: Option<u64>) -> (LockTime, Sequence) {
        match seq.and_then(|seq| Self::obscured(params, seq)) {
            Some(obscured) => {
                (super::bolt3::commitment_lock_time(obscured), super::bolt3::commitment_sequence(obscured))
            }
            None => (LockTime::ZERO, Sequence::MAX),
        }
    }

    fn signing(&self) -> Signing {
        Signing::Crossed
    }

    fn refund(&self) -> Refund {
        Refund::CoSigned
    }

    /// The log holds the payer's own version, which she completes as soon as the payee's
    /// partial signature arrives: complete, not half-signed.
    fn logged_half_signed(&self, _seq: Option<u64>) -> bool {
        false
    }

    fn tell_signing(&self, lang: Lang, payer: &str, payee: &str) -> String {
        match lang {
            Lang::En => format!(
                "each in two versions, each one MuSig2 signature of both ({payer}'s partial signature on {payee}'s, \
                 his on hers, nonces exchanged first), the previous ones revoked"
            ),
            Lang::Zh => format!(
                "每个状态两个版本，每个版本是双方的一个 MuSig2 签名（{payer} 对 {payee} 的版本给出部分签名，他对她的\
                 版本给出部分签名，先交换 nonce），之前的版本都已撤销"
            ),
        }
    }

    fn witness_labels(&self, lang: Lang, (payer, payee): (&str, &str), _payer_first: bool) -> Vec<String> {
        vec![match lang {
            Lang::En => format!(
                "one 64-byte BIP-0340 signature: {payer}'s and {payee}'s MuSig2 partial signatures added into one, \
                 for the one funding key (no script, no keys revealed)"
            ),
            Lang::Zh => format!(
                "一个 64 字节的 BIP-0340 签名：{payer} 和 {payee} 的 MuSig2 部分签名相加成一个，对应唯一的注资密钥\
                 （不揭示脚本，也不揭示各自的公钥）"
            ),
        }]
    }

    fn tell_step(&self, lang: Lang, payer: &str, payee: &str) -> String {
        let delay = thousands(u64::from(self.to_self_delay));
        match lang {
            Lang::En => format!(
                "This is {payer}'s version of the state, complete: {payee} announced his per-commitment point and \
                 a nonce, {payer} sent her partial signature of his version with her nonces, {payee} sent his \
                 partial signature of hers, and {payer} added her own to make this one 64-byte signature. In it \
                 {payee}'s balance is paid to a leaf he can spend after one block, and hers waits {delay} blocks \
                 behind the delay leaf, or goes to {payee} through the revocation leaf. {payee} holds his own \
                 version with her partial signature and completes it only if he broadcasts it. Then each hands \
                 over the secret of its previous version."
            ),
            Lang::Zh => format!(
                "这是 {payer} 版本的状态，已完整签署：{payee} 先公布他的每承诺点和一个 nonce，{payer} 发送她对他的\
                 版本的部分签名和她的 nonce，{payee} 发送他对她的版本的部分签名，{payer} 再加上自己的部分签名，得到\
                 这一个 64 字节的签名。在这个版本中，{payee} 的余额付到一个他一个区块后就能花费的叶子，她自己的余额\
                 在延迟叶子后面等待 {delay} 个区块，或者通过撤销叶子归 {payee}。{payee} 持有带着她部分签名的自己的\
                 版本，只有广播时才补全。然后双方各自交出上一个版本的秘密。"
            ),
        }
    }

    fn tell_lock(&self, lang: Lang) -> Option<&'static str> {
        Some(lang.pick(
            "Its lock time ({lock}) and its input's sequence carry BOLT #3's obscured commitment number; as a time \
             it is long past, so it delays nothing.",
            "它的时间锁字段（{lock}）和输入的 sequence 携带 BOLT #3 混淆后的承诺编号；作为时间它早已过去，所以不会\
             延迟任何东西。",
        ))
    }

    fn tell_commitment(&self, w: &CommitmentWords<'_>) -> Option<String> {
        let (p, q, seq) = (w.payer, w.payee, w.seq);
        let (paid, back, trimmed, unit, clock) = (w.paid, w.back, w.trimmed, w.unit, w.clock_s);
        Some(match w.lang {
            Lang::En => {
                let revoke = if seq > 0 { format!(" and revokes his #{}", seq - 1) } else { String::new() };
                format!(
                    "{q} announces a nonce; {p} sends her MuSig2 partial signature of {q}'s version of commitment \
                     #{seq}: {paid} to {q}, {back} back to {p}{trimmed}; {q} checks it, sends his partial signature \
                     of {p}'s version{revoke}, and the next {unit} of video; {p} completes her version with one \
                     Schnorr signature. [{clock} s]"
                )
            }
            Lang::Zh => {
                let revoke = if seq > 0 { format!("并撤销他的 #{}", seq - 1) } else { String::new() };
                format!(
                    "{q} 公布一个 nonce；{p} 发送她对 {q} 版本的承诺交易 #{seq} 的 MuSig2 部分签名：付给 {q} {paid}，\
                     退还 {p} {back}{trimmed}；{q} 核对后发送他对 {p} 版本的部分签名{revoke}，以及下一{unit}视频；\
                     {p} 用一个 Schnorr 签名补全她的版本。[{clock} 秒]"
                )
            }
        })
    }

    fn tell_settlement(&self, lang: Lang, payer: &str, payee: &str) -> String {
        match lang {
            Lang::En => format!(
                "{payer} and {payee} each made a MuSig2 partial signature and added them into one 64-byte Schnorr \
                 signature: on the chain the close is a key-path spend like any single-key payment, with no script \
                 and no delay revealed."
            ),
            Lang::Zh => format!(
                "{payer} 和 {payee} 各自给出 MuSig2 部分签名，相加成一个 64 字节的 Schnorr 签名：在链上这次结算是一次\
                 密钥路径花费，和任何单密钥付款一样，不揭示脚本，也不揭示延迟。"
            ),
        }
    }

    fn explain(&self, commitments: u64, _end_height: u32, (payer, payee): (&str, &str), lang: Lang) -> Vec<String> {
        let d = thousands(u64::from(self.to_self_delay));
        let n = thousands(commitments + 1);
        match lang {
            Lang::En => vec![
                format!(
                    "versions  each of the {n} states exists twice, {payer}'s and {payee}'s, each its holder's balance \
                     behind a {d}-block delay leaf and a revocation leaf, the other's behind a one-block leaf"
                ),
                "musig2    every version and the close is one key-path Schnorr signature of the MuSig2 funding key: \
                 nonces first, then partial signatures"
                    .to_string(),
                format!(
                    "revoke    moving on, each hands over the per-commitment secret of its previous version; whoever \
                     broadcasts a revoked version loses its balance through the revocation leaf within {d} blocks"
                ),
            ],
            Lang::Zh => vec![
                format!(
                    "版本      {n} 个状态每个都有两个版本：{payer} 的和 {payee} 的；持有者自己的余额藏在 {d} 个区块的延迟叶子\
                     和撤销叶子之后，对方的余额在一个区块的叶子之后"
                ),
                "musig2    每个版本和协商关闭都是 MuSig2 注资密钥的一个密钥路径 Schnorr 签名：先交换 nonce，再交换部分签名"
                    .to_string(),
                format!(
                    "撤销      进入下一个状态时，双方各自交出上一版本的每承诺秘密（per-commitment secret）；谁广播已撤销\
                     的版本，谁就会在 {d} 个区块内经由撤销叶子失去自己的余额"
                ),
            ],
        }
    }

    fn settings(&self) -> Option<Settings> {
        Some(Settings {
            funding_height: self.funding_height,
            to_self_delay: u32::from(self.to_self_delay),
            ..Settings::default()
        })
    }

    fn dust_limit(&self) -> Amount {
        DUST_LIMIT
    }

    fn reads(&self) -> &'static [&'static str] {
        &["to_self_delay"]
    }

    /// The keys and trees of four built versions (each party builds its own and the one it
    /// signs for the other): per version the revocation key (2 point multiplications, 1
    /// addition), the delayed key (1 generator multiplication, 1 addition) and the two outputs'
    /// Taproot tweaks (a generator multiplication and an addition each); and four
    /// per-commitment points (the payee's announced point, the payer's own, and each party's
    /// check of the secret the other revealed); and the nonce aggregations beyond the one
    /// [`Design::schnorr_operations`]'s bare round makes: four a state (each party sums the
    /// two public nonces of each session it signs or checks in), two point additions each, six
    /// more additions. No ECDSA.
    fn secp_operations(&self) -> SecpOperations {
        SecpOperations { signs: 0, verifies: 0, point_muls: 8, generator_muls: 16, additions: 22 }
    }

    /// Two MuSig2 sessions a state, one per version: four nonces (the payee's announced one, the
    /// payer's for her version, and each last signer's), three partial signatures (the payer's of
    /// his version, his of hers, hers of hers), two partial verifications (each checks the
    /// other's), one aggregate (her version) and its BIP-0340 verification.
    fn schnorr_operations(&self) -> SchnorrOperations {
        SchnorrOperations { nonces: 4, partial_signs: 3, partial_verifies: 2, aggregates: 1, verifies: 1 }
    }

    fn public_keys(&self, params: &ChannelParams, who: Who) -> Vec<(&'static str, PublicKey)> {
        ChannelBasepoints::public_keys(params, who)
    }

    fn with_public_keys(&self, params: &mut ChannelParams, keys: [&[(String, PublicKey)]; 2]) -> Result<(), String> {
        ChannelBasepoints::with_public_keys(params, keys)
    }

    /// The log holds the payer's version: the payee's balance in its `to_remote` output (its tree
    /// rebuilt from his payment basepoint, named here by his payout) and hers in `to_local`
    /// (which needs her per-commitment point), named by hers; BIP-0069 order. The close is plain.
    fn logged_outputs(&self, params: &ChannelParams, tx: &Transaction) -> (Vec<(ScriptBuf, u64)>, bool) {
        let version = tx.lock_time.to_consensus_u32() != 0;
        let remote = Self::to_remote(params, Who::Payer, tx).map(|s| s.prevout.script_pubkey);
        let outputs = tx
            .output
            .iter()
            .map(|o| {
                let script = match (version, o.script_pubkey.is_p2tr()) {
                    (true, true) if Some(&o.script_pubkey) == remote.as_ref() => params.payee_payout.clone(),
                    (true, true) => params.payer_payout.clone(),
                    _ => o.script_pubkey.clone(),
                };
                (script, o.value.to_sat())
            })
            .collect();
        (outputs, version)
    }

    fn settles_last(&self, _params: &ChannelParams, last: &Transaction, settlement: &Transaction, _seq: u64) -> bool {
        same_output_values(last, settlement)
    }

    fn ecdsa(&self) -> Option<&dyn EcdsaSpend> {
        None
    }
}
