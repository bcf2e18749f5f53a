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

use super::builders::sorted_keys;

/// The proposal's `simple_taproot_nums`: a point no one knows the discrete logarithm of
/// (generated from the phrase "Lightning Simple Taproot"), the internal key of outputs that must
/// be spent by a script.
pub const NUMS: [u8; 33] = [
    0x02, 0xdc, 0xa0, 0x94, 0x75, 0x11, 0x09, 0xd0, 0xbd, 0x05, 0x5d, 0x03, 0x56, 0x58, 0x74, 0xe8, 0x27, 0x6d, 0xd5,
    0x3e, 0x92, 0x6b, 0x44, 0xe3, 0xbd, 0x1b, 0xb6, 0xbf, 0x4b, 0xc1, 0x30, 0xa2, 0x79,
];

/// The NUMS point as the x-only internal key of a script-only output.
pub fn nums() -> UntweakedPublicKey {
    PublicKey::from_slice(&NUMS).expect("the proposal's NUMS point is on the curve").x_only_public_key().0
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
