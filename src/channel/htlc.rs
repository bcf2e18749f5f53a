//! BOLT #3's HTLC outputs and second-stage transactions, without anchors.
//!
//! A payment routed across channels is not a change of balances but a promise: the payer's side
//! of each channel moves an amount into a *hash time lock contract* output, which the next hop
//! takes by revealing the preimage of a payment hash before a block height (`cltv_expiry`), or
//! which returns to the payer after that height. BOLT #3 ("Bitcoin Transaction and Script
//! Formats", lightning/bolts `03-transactions.md`) fixes every byte of these outputs and of the
//! transactions that spend them, and this module builds them, checked byte for byte against the
//! spec's Appendix C (`tests/bolt3_htlc.rs`, vectors in `tests/data/bolt3-appendix-c-htlcs.txt`):
//!
//! - the offered-HTLC and received-HTLC witness scripts ("Offered HTLC Outputs", "Received HTLC
//!   Outputs"), each with a revocation branch, the recipient's preimage branch and the offerer's
//!   timeout branch;
//! - the commitment transaction with HTLC outputs ("Commitment Transaction Construction"): an
//!   HTLC is trimmed into the fee when its amount minus the fee of its own second-stage
//!   transaction is below the holder's dust limit; the base fee counts 724 weight units plus 172
//!   per untrimmed HTLC; the outputs are in BIP-0069 order, ties between HTLC outputs broken by
//!   `cltv_expiry`;
//! - the HTLC-timeout (for an HTLC the holder offered: lock time `cltv_expiry`, 663 weight units
//!   of fee) and HTLC-success (for one it received: lock time 0, 703 weight units) transactions,
//!   version 2, input sequence 0, paying to the same revocable script as `to_local`, so that the
//!   holder's own HTLC money also waits `to_self_delay` blocks and can be taken by the revocation
//!   key; and their witnesses `0 <remotehtlcsig> <localhtlcsig> <payment_preimage or <>>`.
//!
//! Not used: `option_anchors` (its scripts add `1 OP_CHECKSEQUENCEVERIFY OP_DROP`, its HTLC
//! transactions pay no fee and are signed `SIGHASH_SINGLE|SIGHASH_ANYONECANPAY`: Appendix F, not
//! reproduced) and `zero_fee_commitments`. Of the remote party's direct spends of an HTLC output
//! (BOLT #5), the revocation is built here ([`htlc_revocation_witness`], taken with `to_local`
//! by one [`penalty_tx`]); the remote's preimage and timeout spends are not built yet.
//!
//! Like [`super::bolt3`], every builder works from public keys, hashes and amounts alone; a
//! signer signs the BIP-0143 message [`htlc_tx_sighash`] gives with [`super::bolt3::sign`].
//! The module depends only on `bitcoin`, `std` and [`super::bolt3`].

use std::fmt;

use bitcoin::absolute::LockTime;
use bitcoin::blockdata::opcodes::all::{
    OP_CHECKMULTISIG, OP_CHECKSIG, OP_CLTV, OP_DROP, OP_DUP, OP_ELSE, OP_ENDIF, OP_EQUAL, OP_EQUALVERIFY, OP_HASH160,
    OP_IF, OP_NOTIF, OP_SIZE, OP_SWAP,
};
use bitcoin::blockdata::script::Builder;
use bitcoin::ecdsa;
use bitcoin::hashes::{hash160, ripemd160, sha256, Hash};
use bitcoin::secp256k1::{Message, PublicKey, Secp256k1, Verification};
use bitcoin::transaction::Version;
use bitcoin::{Amount, OutPoint, Script, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Witness};

use super::bolt3::{
    self, Bolt3Error, ChannelParams, Commitment, CommitmentKeys, CommitmentState, ToLocalOutput, ToRemoteOutput,
    COMMITMENT_WEIGHT,
};

/// Weight units each untrimmed HTLC output adds to a commitment's expected weight (BOLT #3
/// "Fee Calculation", no `option_anchors`).
pub const HTLC_OUTPUT_WEIGHT: u64 = 172;

/// Expected weight of an HTLC-timeout transaction, no `option_anchors`.
pub const HTLC_TIMEOUT_WEIGHT: u64 = 663;

/// Expected weight of an HTLC-success transaction, no `option_anchors`.
pub const HTLC_SUCCESS_WEIGHT: u64 = 703;

/// Which way an HTLC goes, seen from the holder of the commitment (BOLT #3's *local*).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HtlcDirection {
    /// The holder offered it (local → remote): the holder takes it back with an HTLC-timeout
    /// transaction after `cltv_expiry`, the other party takes it with the preimage.
    Offered,
    /// The holder received it (remote → local): the holder takes it with the preimage in an
    /// HTLC-success transaction, the other party takes it back after `cltv_expiry`.
    Received,
}

impl HtlcDirection {
    /// The expected weight of the second-stage transaction that spends such an output.
    pub fn second_stage_weight(self) -> u64 {
        match self {
            Self::Offered => HTLC_TIMEOUT_WEIGHT,
            Self::Received => HTLC_SUCCESS_WEIGHT,
        }
    }

    /// The second-stage transaction's name in BOLT #3.
    pub fn second_stage_name(self) -> &'static str {
        match self {
            Self::Offered => "HTLC-timeout",
            Self::Received => "HTLC-success",
        }
    }
}

/// One HTLC a commitment carries: public data only (the payment hash, never the preimage).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Htlc {
    /// Offered or received by the holder.
    pub direction: HtlcDirection,
    /// Its amount in millisatoshis (the output carries it rounded down to satoshis).
    pub amount_msat: u64,
    /// SHA256 of the payment preimage.
    pub payment_hash: sha256::Hash,
    /// The block height after which the offerer may take it back.
    pub cltv_expiry: u32,
}

impl Htlc {
    /// The output's value: `amount_msat / 1000`, rounded down.
    pub fn amount(&self) -> Amount {
        Amount::from_sat(self.amount_msat / 1000)
    }

    /// The fee of its second-stage transaction at `feerate_per_kw`: 663 (timeout) or 703
    /// (success) weight units, rounded down.
    pub fn second_stage_fee(&self, feerate_per_kw: u32) -> Amount {
        weight_fee(feerate_per_kw, self.direction.second_stage_weight())
    }

    /// Whether the holder's commitment leaves it out: its amount minus its second-stage fee is
    /// below `dust_limit` (BOLT #3 "Trimmed Outputs").
    pub fn is_trimmed(&self, feerate_per_kw: u32, dust_limit: Amount) -> bool {
        match self.amount().checked_sub(self.second_stage_fee(feerate_per_kw)) {
            Some(left) => left < dust_limit,
            None => true,
        }
    }
}

/// `feerate_per_kw × weight / 1000`, rounded down.
fn weight_fee(feerate_per_kw: u32, weight: u64) -> Amount {
    Amount::from_sat(u64::from(feerate_per_kw) * weight / 1000)
}

/// A failure to build a commitment with HTLCs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HtlcError {
    /// A failure of a BOLT #3 primitive (commitment number, no output, fee, input index).
    Bolt3(Bolt3Error),
    /// The balances and the HTLCs do not add up to the funding amount.
    BalanceMismatch {
        /// The holder's balance.
        to_local_msat: u64,
        /// The other party's balance.
        to_remote_msat: u64,
        /// The HTLCs' total (`None` if it overflows).
        htlcs_msat: Option<u64>,
        /// The funding amount.
        funding: Amount,
    },
}

impl fmt::Display for HtlcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bolt3(e) => e.fmt(f),
            Self::BalanceMismatch { to_local_msat, to_remote_msat, htlcs_msat, funding } => {
                let htlcs = htlcs_msat.map_or_else(|| "an overflowing total".to_owned(), |m| format!("{m} msat"));
                write!(
                    f,
                    "balances of {to_local_msat} msat and {to_remote_msat} msat and HTLCs of {htlcs} do not add up to the funding of {} sat",
                    funding.to_sat()
                )
            }
        }
    }
}

impl std::error::Error for HtlcError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Bolt3(e) => Some(e),
            _ => None,
        }
    }
}

impl From<Bolt3Error> for HtlcError {
    fn from(e: Bolt3Error) -> Self {
        Self::Bolt3(e)
    }
}

// ---------------------------------------------------------------------------------------------
// Keys and scripts
// ---------------------------------------------------------------------------------------------

/// The keys of one commitment with HTLCs, all public: [`CommitmentKeys`] and the two HTLC keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtlcKeys {
    /// The revocation key, the delayed key and the remote payment basepoint.
    pub commitment: CommitmentKeys,
    /// `local_htlcpubkey`: from the holder's HTLC basepoint and its per-commitment point.
    pub local_htlc_pubkey: PublicKey,
    /// `remote_htlcpubkey`: from the other party's HTLC basepoint and the holder's
    /// per-commitment point.
    pub remote_htlc_pubkey: PublicKey,
}

impl HtlcKeys {
    /// Derives the keys of the commitment whose per-commitment point is `per_commitment_point`
    /// (BOLT #3 "Key Derivation").
    ///
    /// # Errors
    ///
    /// As [`bolt3::derive_pubkey`].
    pub fn derive<C: Verification>(
        secp: &Secp256k1<C>,
        per_commitment_point: &PublicKey,
        remote_revocation_basepoint: &PublicKey,
        local_delayed_payment_basepoint: &PublicKey,
        remote_payment_basepoint: &PublicKey,
        htlc_basepoints: (&PublicKey, &PublicKey),
    ) -> Result<Self, Bolt3Error> {
        let (local_htlc_basepoint, remote_htlc_basepoint) = htlc_basepoints;
        Ok(Self {
            commitment: CommitmentKeys::derive(
                secp,
                per_commitment_point,
                remote_revocation_basepoint,
                local_delayed_payment_basepoint,
                remote_payment_basepoint,
            )?,
            local_htlc_pubkey: bolt3::derive_pubkey(secp, local_htlc_basepoint, per_commitment_point)?,
            remote_htlc_pubkey: bolt3::derive_pubkey(secp, remote_htlc_basepoint, per_commitment_point)?,
        })
    }
}

fn key(k: &PublicKey) -> bitcoin::PublicKey {
    bitcoin::PublicKey::new(*k)
}

/// `OP_DUP OP_HASH160 <RIPEMD160(SHA256(revocationpubkey))> OP_EQUAL OP_IF OP_CHECKSIG OP_ELSE
/// <remote_htlcpubkey> OP_SWAP OP_SIZE 32 OP_EQUAL`: the opening both HTLC scripts share.
fn htlc_script_head(keys: &HtlcKeys) -> Builder {
    let revocation_hash = hash160::Hash::hash(&keys.commitment.revocation_pubkey.serialize());
    Builder::new()
        .push_opcode(OP_DUP)
        .push_opcode(OP_HASH160)
        .push_slice(revocation_hash.to_byte_array())
        .push_opcode(OP_EQUAL)
        .push_opcode(OP_IF)
        .push_opcode(OP_CHECKSIG)
        .push_opcode(OP_ELSE)
        .push_key(&key(&keys.remote_htlc_pubkey))
        .push_opcode(OP_SWAP)
        .push_opcode(OP_SIZE)
        .push_int(32)
        .push_opcode(OP_EQUAL)
}

fn payment_hash160(payment_hash: &sha256::Hash) -> [u8; 20] {
    ripemd160::Hash::hash(payment_hash.as_byte_array()).to_byte_array()
}

/// The offered-HTLC witness script (no `option_anchors`): the revocation key at once; the
/// remote HTLC key with the preimage (`OP_HASH160 <RIPEMD160(payment_hash)> OP_EQUALVERIFY`);
/// otherwise both HTLC keys, 2-of-2, which the HTLC-timeout transaction's lock time holds until
/// `cltv_expiry`. The output is its P2WSH.
pub fn offered_htlc_script(keys: &HtlcKeys, payment_hash: &sha256::Hash) -> ScriptBuf {
    htlc_script_head(keys)
        .push_opcode(OP_NOTIF)
        .push_opcode(OP_DROP)
        .push_int(2)
        .push_opcode(OP_SWAP)
        .push_key(&key(&keys.local_htlc_pubkey))
        .push_int(2)
        .push_opcode(OP_CHECKMULTISIG)
        .push_opcode(OP_ELSE)
        .push_opcode(OP_HASH160)
        .push_slice(payment_hash160(payment_hash))
        .push_opcode(OP_EQUALVERIFY)
        .push_opcode(OP_CHECKSIG)
        .push_opcode(OP_ENDIF)
        .push_opcode(OP_ENDIF)
        .into_script()
}

/// The received-HTLC witness script (no `option_anchors`): the revocation key at once; both
/// HTLC keys, 2-of-2, with the preimage (the HTLC-success transaction); otherwise the remote
/// HTLC key after `cltv_expiry` (`OP_CHECKLOCKTIMEVERIFY`). The output is its P2WSH.
pub fn received_htlc_script(keys: &HtlcKeys, payment_hash: &sha256::Hash, cltv_expiry: u32) -> ScriptBuf {
    htlc_script_head(keys)
        .push_opcode(OP_IF)
        .push_opcode(OP_HASH160)
        .push_slice(payment_hash160(payment_hash))
        .push_opcode(OP_EQUALVERIFY)
        .push_int(2)
        .push_opcode(OP_SWAP)
        .push_key(&key(&keys.local_htlc_pubkey))
        .push_int(2)
        .push_opcode(OP_CHECKMULTISIG)
        .push_opcode(OP_ELSE)
        .push_opcode(OP_DROP)
        .push_int(i64::from(cltv_expiry))
        .push_opcode(OP_CLTV)
        .push_opcode(OP_DROP)
        .push_opcode(OP_CHECKSIG)
        .push_opcode(OP_ENDIF)
        .push_opcode(OP_ENDIF)
        .into_script()
}

/// The witness script of `htlc`'s output: [`offered_htlc_script`] or [`received_htlc_script`].
pub fn htlc_script(keys: &HtlcKeys, htlc: &Htlc) -> ScriptBuf {
    match htlc.direction {
        HtlcDirection::Offered => offered_htlc_script(keys, &htlc.payment_hash),
        HtlcDirection::Received => received_htlc_script(keys, &htlc.payment_hash, htlc.cltv_expiry),
    }
}

// ---------------------------------------------------------------------------------------------
// The commitment transaction with HTLCs
// ---------------------------------------------------------------------------------------------

/// An untrimmed HTLC's output in a built commitment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtlcOutput {
    /// The HTLC's index in the slice the commitment was built from.
    pub htlc: usize,
    /// Its index in the transaction.
    pub vout: u32,
    /// Its value (the HTLC's amount rounded down to satoshis).
    pub amount: Amount,
    /// [`htlc_script`], which spending it needs.
    pub witness_script: ScriptBuf,
}

/// An unsigned commitment with HTLCs: the outputs BOLT #3 without HTLCs has, and the HTLCs'.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitmentWithHtlcs {
    /// The transaction, the fees and the `to_local` and `to_remote` outputs; `base_fee` counts
    /// the untrimmed HTLCs' 172 weight units each.
    pub commitment: Commitment,
    /// The untrimmed HTLCs' outputs, in output order.
    pub htlcs: Vec<HtlcOutput>,
}

/// BOLT #3's base fee of a commitment with `untrimmed` HTLC outputs: `feerate_per_kw × (724 +
/// 172 × untrimmed) / 1000`, rounded down.
pub fn base_fee_with_htlcs(feerate_per_kw: u32, untrimmed: usize) -> Amount {
    weight_fee(feerate_per_kw, COMMITMENT_WEIGHT + HTLC_OUTPUT_WEIGHT * untrimmed as u64)
}

/// Checks that the balances and the HTLCs add up to the funding amount.
fn check_balances(params: &ChannelParams, state: &CommitmentState, htlcs: &[Htlc]) -> Result<(), HtlcError> {
    let htlcs_msat = htlcs.iter().try_fold(0u64, |sum, h| sum.checked_add(h.amount_msat));
    let total =
        htlcs_msat.and_then(|h| h.checked_add(state.to_local_msat)).and_then(|t| t.checked_add(state.to_remote_msat));
    if total.is_none() || params.funding_amount.to_sat().checked_mul(1000) != total {
        return Err(HtlcError::BalanceMismatch {
            to_local_msat: state.to_local_msat,
            to_remote_msat: state.to_remote_msat,
            htlcs_msat,
            funding: params.funding_amount,
        });
    }
    Ok(())
}

/// What an output of the commitment is, kept beside it while sorting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    ToLocal,
    ToRemote,
    Htlc(usize),
}

/// BOLT #3's "BIP 69+CLTV order": by value, then scriptPubKey bytes, then (for HTLC outputs,
/// whose scripts can be equal) `cltv_expiry`.
fn sort_outputs(outputs: &mut [(TxOut, Kind, u32)]) {
    outputs.sort_by(|(a, _, a_cltv), (b, _, b_cltv)| {
        a.value
            .cmp(&b.value)
            .then_with(|| a.script_pubkey.as_bytes().cmp(b.script_pubkey.as_bytes()))
            .then_with(|| a_cltv.cmp(b_cltv))
    });
}

/// Builds the holder's commitment transaction for `state` with `htlcs` (BOLT #3 "Commitment
/// Transaction Construction", no `option_anchors`): HTLCs whose amount minus their second-stage
/// fee is below the dust limit are trimmed, the funder pays the base fee of 724 + 172 weight
/// units per untrimmed HTLC, `to_local` and `to_remote` below the dust limit are trimmed, and
/// the outputs are sorted in BIP-0069 order, then by `cltv_expiry`. Trimmed amounts go to the
/// fee.
///
/// # Errors
///
/// [`HtlcError::BalanceMismatch`] when the balances and HTLCs do not add up to the funding
/// amount; [`Bolt3Error::IndexOutOfRange`] for a commitment number at or above 2^48 and
/// [`Bolt3Error::NoOutput`] when every output would be trimmed.
pub fn build_commitment_with_htlcs(
    params: &ChannelParams,
    keys: &HtlcKeys,
    state: &CommitmentState,
    htlcs: &[Htlc],
) -> Result<CommitmentWithHtlcs, HtlcError> {
    check_balances(params, state, htlcs)?;
    let obscured = bolt3::obscured_commitment_number(params.obscuring_factor, state.commitment_number)?;
    let untrimmed: Vec<usize> =
        (0..htlcs.len()).filter(|&i| !htlcs[i].is_trimmed(state.feerate_per_kw, params.dust_limit)).collect();
    let base_fee = base_fee_with_htlcs(state.feerate_per_kw, untrimmed.len());
    let (to_local, to_remote) = bolt3::balances_after_fee(state, params.funder, base_fee);
    let to_local_script = bolt3::to_local_script(
        &keys.commitment.revocation_pubkey,
        params.to_self_delay,
        &keys.commitment.local_delayed_pubkey,
    );
    let mut outputs = Vec::with_capacity(untrimmed.len() + 2);
    let mut scripts = Vec::with_capacity(untrimmed.len());
    for &i in &untrimmed {
        let script = htlc_script(keys, &htlcs[i]);
        outputs.push((
            TxOut { value: htlcs[i].amount(), script_pubkey: script.to_p2wsh() },
            Kind::Htlc(i),
            htlcs[i].cltv_expiry,
        ));
        scripts.push((i, script));
    }
    if to_local >= params.dust_limit {
        outputs.push((TxOut { value: to_local, script_pubkey: to_local_script.to_p2wsh() }, Kind::ToLocal, 0));
    }
    if to_remote >= params.dust_limit {
        let script_pubkey = bolt3::to_remote_script_pubkey(&keys.commitment.remote_payment_basepoint);
        outputs.push((TxOut { value: to_remote, script_pubkey }, Kind::ToRemote, 0));
    }
    if outputs.is_empty() {
        return Err(Bolt3Error::NoOutput { to_local, to_remote, dust_limit: params.dust_limit }.into());
    }
    sort_outputs(&mut outputs);
    let tx = Transaction {
        version: Version::TWO,
        lock_time: bolt3::commitment_lock_time(obscured),
        input: vec![TxIn {
            previous_output: params.funding_outpoint,
            script_sig: ScriptBuf::new(),
            sequence: bolt3::commitment_sequence(obscured),
            witness: Witness::new(),
        }],
        output: outputs.iter().map(|(o, _, _)| o.clone()).collect(),
    };
    Ok(assemble(params, tx, base_fee, &outputs, to_local_script, scripts))
}

/// The built commitment's record: fee, and where each kind of output went.
fn assemble(
    params: &ChannelParams,
    tx: Transaction,
    base_fee: Amount,
    outputs: &[(TxOut, Kind, u32)],
    to_local_script: ScriptBuf,
    mut scripts: Vec<(usize, ScriptBuf)>,
) -> CommitmentWithHtlcs {
    let paid: Amount = tx.output.iter().map(|o| o.value).sum();
    let fee = params.funding_amount.checked_sub(paid).expect("outputs are taken from the funding amount");
    let mut commitment = Commitment { tx, base_fee, fee, to_local: None, to_remote: None };
    let mut htlcs = Vec::with_capacity(scripts.len());
    for (vout, (out, kind, _)) in outputs.iter().enumerate() {
        let vout = u32::try_from(vout).expect("a commitment has fewer than 2^32 outputs");
        match *kind {
            Kind::ToLocal => {
                commitment.to_local =
                    Some(ToLocalOutput { vout, amount: out.value, witness_script: to_local_script.clone() });
            }
            Kind::ToRemote => commitment.to_remote = Some(ToRemoteOutput { vout, amount: out.value }),
            Kind::Htlc(htlc) => {
                let at = scripts.iter().position(|(i, _)| *i == htlc).expect("each HTLC output has its script");
                let (_, witness_script) = scripts.swap_remove(at);
                htlcs.push(HtlcOutput { htlc, vout, amount: out.value, witness_script });
            }
        }
    }
    CommitmentWithHtlcs { commitment, htlcs }
}

// ---------------------------------------------------------------------------------------------
// HTLC-timeout and HTLC-success transactions
// ---------------------------------------------------------------------------------------------

/// The second-stage transaction that spends `htlc`'s output at `outpoint` for the holder
/// (BOLT #3 "HTLC-Timeout and HTLC-Success Transactions", no `option_anchors`): version 2, one
/// input with sequence 0, lock time `cltv_expiry` for an offered HTLC (HTLC-timeout) or 0 for
/// a received one (HTLC-success), one output of the HTLC's amount minus the fee of 663 or 703
/// weight units, to the P2WSH of [`bolt3::to_local_script`] with the commitment's revocation key,
/// `to_self_delay` and delayed key. Unsigned.
///
/// # Errors
///
/// [`Bolt3Error::FeeTooHigh`] if the fee is not below the HTLC's amount.
pub fn htlc_tx(
    outpoint: OutPoint,
    htlc: &Htlc,
    feerate_per_kw: u32,
    to_self_delay: u16,
    keys: &CommitmentKeys,
) -> Result<Transaction, Bolt3Error> {
    let (amount, fee) = (htlc.amount(), htlc.second_stage_fee(feerate_per_kw));
    let value = amount.checked_sub(fee).filter(|v| *v > Amount::ZERO).ok_or(Bolt3Error::FeeTooHigh { amount, fee })?;
    let lock_time = match htlc.direction {
        HtlcDirection::Offered => LockTime::from_consensus(htlc.cltv_expiry),
        HtlcDirection::Received => LockTime::ZERO,
    };
    let script = bolt3::to_local_script(&keys.revocation_pubkey, to_self_delay, &keys.local_delayed_pubkey);
    Ok(Transaction {
        version: Version::TWO,
        lock_time,
        input: vec![TxIn {
            previous_output: outpoint,
            script_sig: ScriptBuf::new(),
            sequence: Sequence::ZERO,
            witness: Witness::new(),
        }],
        output: vec![TxOut { value, script_pubkey: script.to_p2wsh() }],
    })
}

impl CommitmentWithHtlcs {
    /// The second-stage transaction of each untrimmed HTLC, in output order (the order BOLT #2's
    /// `htlc_signatures` use), each spending its output of this commitment. `htlcs`, the fee rate
    /// and `keys` are those the commitment was built from.
    ///
    /// # Errors
    ///
    /// As [`htlc_tx`] (which cannot fail for an untrimmed HTLC with a positive dust limit).
    pub fn htlc_txs(
        &self,
        htlcs: &[Htlc],
        feerate_per_kw: u32,
        to_self_delay: u16,
        keys: &HtlcKeys,
    ) -> Result<Vec<Transaction>, Bolt3Error> {
        let txid = self.commitment.tx.compute_txid();
        self.htlcs
            .iter()
            .map(|out| {
                let outpoint = OutPoint { txid, vout: out.vout };
                htlc_tx(outpoint, &htlcs[out.htlc], feerate_per_kw, to_self_delay, &keys.commitment)
            })
            .collect()
    }
}

/// The BIP-0143 SIGHASH_ALL message both parties sign for a second-stage transaction (its one
/// input spends `output`).
///
/// # Errors
///
/// [`Bolt3Error::InputIndex`] if `tx` has no input.
pub fn htlc_tx_sighash(tx: &Transaction, output: &HtlcOutput) -> Result<Message, Bolt3Error> {
    bolt3::p2wsh_sighash(tx, 0, &output.witness_script, output.amount)
}

fn second_stage_witness(
    remote_htlc_sig: &ecdsa::Signature,
    local_htlc_sig: &ecdsa::Signature,
    last: &[u8],
    witness_script: &Script,
) -> Witness {
    let mut witness = Witness::new();
    witness.push(Vec::<u8>::new());
    witness.push_ecdsa_signature(remote_htlc_sig);
    witness.push_ecdsa_signature(local_htlc_sig);
    witness.push(last);
    witness.push(witness_script.as_bytes());
    witness
}

/// The HTLC-success witness: `0 <remotehtlcsig> <localhtlcsig> <payment_preimage>` and the
/// received-HTLC script (the leading empty item is OP_CHECKMULTISIG's extra pop).
pub fn htlc_success_witness(
    remote_htlc_sig: &ecdsa::Signature,
    local_htlc_sig: &ecdsa::Signature,
    payment_preimage: &[u8; 32],
    witness_script: &Script,
) -> Witness {
    second_stage_witness(remote_htlc_sig, local_htlc_sig, payment_preimage, witness_script)
}

/// The HTLC-timeout witness: `0 <remotehtlcsig> <localhtlcsig> <>` and the offered-HTLC script
/// (the empty item is not 32 bytes long, which takes the 2-of-2 branch).
pub fn htlc_timeout_witness(
    remote_htlc_sig: &ecdsa::Signature,
    local_htlc_sig: &ecdsa::Signature,
    witness_script: &Script,
) -> Witness {
    second_stage_witness(remote_htlc_sig, local_htlc_sig, &[], witness_script)
}

/// The witness that takes an HTLC output (offered or received) of a revoked commitment:
/// `<revocation_sig> <revocationpubkey>` and the HTLC script, whose opening
/// `OP_DUP OP_HASH160 <RIPEMD160(SHA256(revocationpubkey))> OP_EQUAL OP_IF OP_CHECKSIG` it takes
/// (BOLT #5 "Revoked Transaction Close Handling").
pub fn htlc_revocation_witness(
    revocation_sig: &ecdsa::Signature,
    revocation_pubkey: &PublicKey,
    witness_script: &Script,
) -> Witness {
    let mut witness = Witness::new();
    witness.push_ecdsa_signature(revocation_sig);
    witness.push(revocation_pubkey.serialize());
    witness.push(witness_script.as_bytes());
    witness
}

/// The penalty of a revoked commitment with HTLCs: one transaction spending every output the
/// revocation key unlocks (`to_local` and each HTLC output, given as outpoint and value), version
/// 2, lock time 0, each input's sequence 0xFFFFFFFF (no relative lock: the revocation branch has
/// none), one output of their total less `fee` to `destination`. Unsigned.
///
/// # Errors
///
/// [`Bolt3Error::FeeTooHigh`] if `fee` is not below the total.
pub fn penalty_tx(
    inputs: &[(OutPoint, Amount)],
    destination: ScriptBuf,
    fee: Amount,
) -> Result<Transaction, Bolt3Error> {
    let amount = inputs.iter().map(|(_, a)| *a).sum::<Amount>();
    let value = amount.checked_sub(fee).filter(|v| *v > Amount::ZERO).ok_or(Bolt3Error::FeeTooHigh { amount, fee })?;
    Ok(Transaction {
        version: Version::TWO,
        lock_time: LockTime::ZERO,
        input: inputs
            .iter()
            .map(|(outpoint, _)| TxIn {
                previous_output: *outpoint,
                script_sig: ScriptBuf::new(),
                sequence: Sequence::MAX,
                witness: Witness::new(),
            })
            .collect(),
        output: vec![TxOut { value, script_pubkey: destination }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::bolt3::Funder;
    use bitcoin::secp256k1::SecretKey;

    fn pk(byte: u8) -> PublicKey {
        PublicKey::from_secret_key(&Secp256k1::new(), &SecretKey::from_slice(&[byte; 32]).unwrap())
    }

    fn keys() -> HtlcKeys {
        HtlcKeys {
            commitment: CommitmentKeys {
                revocation_pubkey: pk(5),
                local_delayed_pubkey: pk(6),
                remote_payment_basepoint: pk(7),
            },
            local_htlc_pubkey: pk(8),
            remote_htlc_pubkey: pk(9),
        }
    }

    fn params() -> ChannelParams {
        ChannelParams {
            funding_outpoint: OutPoint::null(),
            funding_amount: Amount::from_sat(100_000),
            local_funding_pubkey: pk(1),
            remote_funding_pubkey: pk(2),
            obscuring_factor: 0,
            to_self_delay: 144,
            dust_limit: Amount::from_sat(546),
            funder: Funder::Local,
        }
    }

    fn htlc(direction: HtlcDirection, amount_sat: u64, cltv_expiry: u32) -> Htlc {
        Htlc { direction, amount_msat: amount_sat * 1000, payment_hash: sha256::Hash::hash(&[1; 32]), cltv_expiry }
    }

    fn state(to_local_sat: u64, htlcs_sat: u64, feerate_per_kw: u32) -> CommitmentState {
        CommitmentState {
            commitment_number: 0,
            to_local_msat: to_local_sat * 1000,
            to_remote_msat: (100_000 - to_local_sat - htlcs_sat) * 1000,
            feerate_per_kw,
        }
    }

    #[test]
    fn trimming_counts_the_second_stage_fee() {
        // 1,000 sat/kw: timeout fee 663, success fee 703; 546 + 663 = 1,209 and 546 + 703 = 1,249.
        assert!(!htlc(HtlcDirection::Offered, 1_209, 0).is_trimmed(1_000, Amount::from_sat(546)));
        assert!(htlc(HtlcDirection::Offered, 1_208, 0).is_trimmed(1_000, Amount::from_sat(546)));
        assert!(!htlc(HtlcDirection::Received, 1_249, 0).is_trimmed(1_000, Amount::from_sat(546)));
        assert!(htlc(HtlcDirection::Received, 1_248, 0).is_trimmed(1_000, Amount::from_sat(546)));
        assert!(htlc(HtlcDirection::Received, 100, 0).is_trimmed(1_000_000, Amount::ZERO), "fee above the amount");
    }

    #[test]
    fn equal_htlc_outputs_are_ordered_by_cltv_expiry_and_trimmed_ones_pay_the_fee() {
        let htlcs = [
            htlc(HtlcDirection::Offered, 5_000, 506),
            htlc(HtlcDirection::Offered, 5_000, 505),
            htlc(HtlcDirection::Received, 600, 500),
        ];
        let c = build_commitment_with_htlcs(&params(), &keys(), &state(50_000, 10_600, 1_000), &htlcs).unwrap();
        let order: Vec<usize> = c.htlcs.iter().map(|o| o.htlc).collect();
        assert_eq!(order, [1, 0], "same amount and script: 505 before 506; the 600-sat HTLC trimmed");
        assert_eq!(c.commitment.base_fee, Amount::from_sat((724 + 2 * 172) * 1_000 / 1_000));
        assert_eq!(c.commitment.fee, c.commitment.base_fee + Amount::from_sat(600));
        let txs = c.htlc_txs(&htlcs, 1_000, 144, &keys()).unwrap();
        assert_eq!(txs[0].lock_time, LockTime::from_consensus(505));
        assert_eq!(txs[0].output[0].value, Amount::from_sat(5_000 - 663));
    }

    #[test]
    fn balances_must_add_up_with_the_htlcs() {
        let htlcs = [htlc(HtlcDirection::Offered, 5_000, 506)];
        let e = build_commitment_with_htlcs(&params(), &keys(), &state(50_000, 4_000, 0), &htlcs).unwrap_err();
        assert_eq!(
            e.to_string(),
            "balances of 50000000 msat and 46000000 msat and HTLCs of 5000000 msat do not add up to the funding of 100000 sat"
        );
    }

    #[test]
    fn a_second_stage_fee_above_the_amount_is_refused() {
        let h = htlc(HtlcDirection::Received, 700, 500);
        let e = htlc_tx(OutPoint::null(), &h, 1_000, 144, &keys().commitment).unwrap_err();
        assert_eq!(e, Bolt3Error::FeeTooHigh { amount: Amount::from_sat(700), fee: Amount::from_sat(703) });
    }
}
