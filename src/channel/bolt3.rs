//! BOLT #3's revocable commitment, without HTLCs and without anchors.
//!
//! The simple channel of *Mastering Bitcoin* trusts the payer not to broadcast an old commitment
//! that pays it more. Lightning removes that trust with *asymmetric, revocable* commitments: each
//! party holds its own version, in which its own balance (`to_local`) is locked by a script that
//! pays it only after `to_self_delay` blocks, or pays the other party at once with a revocation
//! key. Moving to the next state, a party reveals the per-commitment secret of its previous
//! commitment, which hands the other party that revocation key; broadcasting a revoked commitment
//! then loses the whole balance to a penalty transaction. This module holds the parts of BOLT #3
//! ("Bitcoin Transaction and Script Formats", lightning/bolts `03-transactions.md`) that such a
//! channel needs, checked against the spec's own test vectors (appendices C, D and E, under
//! `tests/data/`), so that paychan's revocable design is Lightning's, not a look-alike.
//!
//! Used from BOLT #3:
//! - per-commitment secrets from one seed, and the receiver's compact 49-entry store
//!   ("Per-commitment Secret Requirements", "Efficient Per-commitment Secret Storage");
//! - key derivation: `pubkey = basepoint + SHA256(per_commitment_point || basepoint)·G`, its
//!   private key, and the blinded `revocationpubkey` and its private key ("Key Derivation");
//! - the funding output (2-of-2, keys sorted as BIP-0067 says), the `to_local` script, the
//!   `to_remote` P2WPKH, the obscured commitment number in lock time and sequence;
//! - the commitment transaction: version 2, one input, outputs sorted as BIP-0069 says, the base
//!   fee from the 724 weight units of a commitment without HTLCs, paid by the funder, and outputs
//!   below `dust_limit_satoshis` trimmed into the fee;
//! - the two ways to spend `to_local`: the delayed sweep (`<local_delayedsig> <>` with the input's
//!   sequence set to `to_self_delay`) and the penalty (`<revocation_sig> 1`).
//!
//! Not here: HTLC outputs and the HTLC-timeout and HTLC-success transactions (the revocable
//! design streams payments to one payee, so balances alone carry its state; routed payments
//! build them with [`super::htlc`]), anchor outputs (`option_anchors`),
//! and the older `to_remote` key derived per commitment: paychan assumes `option_static_remotekey`,
//! so `to_remote` pays the remote payment basepoint itself.
//!
//! Where secrets appear: only as explicit arguments. [`generate_from_seed`] takes the seed,
//! [`derive_privkey`] a basepoint secret, [`derive_revocation_privkey`] the revocation basepoint
//! secret and a revealed per-commitment secret, [`sign`] one private key; [`SecretStore`] holds
//! the per-commitment secrets the *other* party revealed (they are secrets only until revealed).
//! Every builder ([`build_commitment`], [`delayed_sweep_tx`], [`penalty_tx`]) works from public
//! keys and amounts alone, so each party can rebuild what it is asked to sign.
//!
//! The module depends only on `bitcoin` and `std`.

use std::fmt;

use bitcoin::absolute::LockTime;
use bitcoin::blockdata::opcodes::all::{OP_CHECKSIG, OP_CSV, OP_DROP, OP_ELSE, OP_ENDIF, OP_IF};
use bitcoin::blockdata::script::Builder;
use bitcoin::ecdsa;
use bitcoin::hashes::{sha256, Hash, HashEngine};
use bitcoin::secp256k1::{Message, PublicKey, Scalar, Secp256k1, SecretKey, Signing, Verification};
use bitcoin::sighash::EcdsaSighashType;
use bitcoin::transaction::Version;
use bitcoin::{Amount, CompressedPublicKey, OutPoint, Script, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Witness};

/// Number of bits of a per-commitment index and of a commitment number.
pub const INDEX_BITS: u32 = 48;

/// The index of the first per-commitment secret, 2^48 − 1; later secrets count down from it.
pub const FIRST_SECRET_INDEX: u64 = (1 << INDEX_BITS) - 1;

/// Expected weight of a commitment transaction without HTLCs and without anchors (BOLT #3
/// "Fee Calculation" and Appendix A): 500 non-witness weight units and 224 of witness.
pub const COMMITMENT_WEIGHT: u64 = 724;

/// A failure of a BOLT #3 primitive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bolt3Error {
    /// A per-commitment index or commitment number at or above 2^48.
    IndexOutOfRange {
        /// The index given.
        index: u64,
    },
    /// A secret arrived out of the descending order BOLT #3 requires.
    UnexpectedIndex {
        /// The index of the secret given.
        index: u64,
        /// The index expected next; `None` once index 0 has been received.
        expected: Option<u64>,
    },
    /// A secret that does not derive a secret received earlier: the two were not generated from
    /// the same seed ("The secret for I is incorrect").
    SecretMismatch {
        /// The index of the rejected secret.
        index: u64,
        /// The index of the earlier secret it fails to derive.
        earlier: u64,
    },
    /// The secret of this index cannot be derived from the secrets received so far.
    NotReceived {
        /// The index asked for.
        index: u64,
    },
    /// A value that should be a secp256k1 key or tweak is not (probability about 2^-128).
    InvalidKey {
        /// Which value.
        what: &'static str,
    },
    /// The two balances do not add up to the funding amount.
    BalanceMismatch {
        /// The local balance.
        to_local_msat: u64,
        /// The remote balance.
        to_remote_msat: u64,
        /// The funding amount.
        funding: Amount,
    },
    /// Both outputs are below the dust limit: the commitment would have no output.
    NoOutput {
        /// The local output after the fee.
        to_local: Amount,
        /// The remote output after the fee.
        to_remote: Amount,
        /// The dust limit.
        dust_limit: Amount,
    },
    /// A spending transaction's fee is not below the amount it spends.
    FeeTooHigh {
        /// The amount spent.
        amount: Amount,
        /// The fee asked for.
        fee: Amount,
    },
    /// A sighash asked for an input the transaction does not have.
    InputIndex {
        /// The index asked for.
        index: usize,
        /// The number of inputs.
        inputs: usize,
    },
}

impl fmt::Display for Bolt3Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::IndexOutOfRange { index } => write!(f, "index {index} is not below 2^48"),
            Self::UnexpectedIndex { index, expected: Some(e) } => {
                write!(f, "secret of index {index} received where index {e} was expected")
            }
            Self::UnexpectedIndex { index, expected: None } => {
                write!(f, "secret of index {index} received after the last one (index 0)")
            }
            Self::SecretMismatch { index, earlier } => {
                write!(f, "the secret of index {index} does not derive the earlier secret of index {earlier}")
            }
            Self::NotReceived { index } => write!(f, "the secret of index {index} has not been received yet"),
            Self::InvalidKey { what } => write!(f, "{what} is not a valid secp256k1 key"),
            Self::BalanceMismatch { to_local_msat, to_remote_msat, funding } => write!(
                f,
                "balances of {to_local_msat} msat and {to_remote_msat} msat do not add up to the funding of {} sat",
                funding.to_sat()
            ),
            Self::NoOutput { to_local, to_remote, dust_limit } => write!(
                f,
                "both outputs ({} sat local, {} sat remote) are below the dust limit of {} sat",
                to_local.to_sat(),
                to_remote.to_sat(),
                dust_limit.to_sat()
            ),
            Self::FeeTooHigh { amount, fee } => {
                write!(f, "a fee of {} sat leaves nothing of {} sat", fee.to_sat(), amount.to_sat())
            }
            Self::InputIndex { index, inputs } => {
                write!(f, "input {index} asked of a transaction with {inputs} inputs")
            }
        }
    }
}

impl std::error::Error for Bolt3Error {}

fn check_index(index: u64) -> Result<u64, Bolt3Error> {
    if index > FIRST_SECRET_INDEX {
        return Err(Bolt3Error::IndexOutOfRange { index });
    }
    Ok(index)
}

// ---------------------------------------------------------------------------------------------
// Per-commitment secrets
// ---------------------------------------------------------------------------------------------

/// BOLT #3's `derive_secret(base, bits, I)`: flips and hashes for bits `bits − 1` down to 0 of
/// `index`. `flip(B)` toggles bit `B mod 8` of byte `B div 8`.
fn derive_secret(base: [u8; 32], bits: u32, index: u64) -> [u8; 32] {
    let mut p = base;
    for b in (0..bits).rev() {
        if (index >> b) & 1 == 1 {
            p[(b / 8) as usize] ^= 1 << (b % 8);
            p = sha256::Hash::hash(&p).to_byte_array();
        }
    }
    p
}

/// The per-commitment secret of `index` generated from `seed` (BOLT #3 `generate_from_seed`).
///
/// The first commitment uses index [`FIRST_SECRET_INDEX`]; each later one the index below.
/// [`secret_index`] maps a commitment number to its index.
///
/// # Panics
///
/// If `index` is not below 2^48 (the spec's loop would silently ignore the higher bits).
pub fn generate_from_seed(seed: [u8; 32], index: u64) -> [u8; 32] {
    assert!(index <= FIRST_SECRET_INDEX, "per-commitment index {index} is not below 2^48");
    derive_secret(seed, INDEX_BITS, index)
}

/// One party's per-commitment secrets generated from its seed, as [`generate_from_seed`] does,
/// keeping the partial secret of the current run of 256 indices: consecutive secrets share all
/// but their last 8 bits, so each then costs at most 8 SHA-256 instead of up to 48 (the same
/// prefix property the receiver's [`SecretStore`] relies on).
#[derive(Clone)]
pub struct SecretGenerator {
    seed: [u8; 32],
    prefix: Option<(u64, [u8; 32])>,
}

impl SecretGenerator {
    /// A generator for `seed`.
    pub fn new(seed: [u8; 32]) -> Self {
        Self { seed, prefix: None }
    }

    /// The per-commitment secret of `index`: [`generate_from_seed`]'s.
    ///
    /// # Panics
    ///
    /// As [`generate_from_seed`].
    pub fn secret(&mut self, index: u64) -> [u8; 32] {
        assert!(index <= FIRST_SECRET_INDEX, "per-commitment index {index} is not below 2^48");
        let high = index & !0xFF;
        let base = match self.prefix {
            Some((known, partial)) if known == high => partial,
            _ => {
                let partial = derive_secret(self.seed, INDEX_BITS, high);
                self.prefix = Some((high, partial));
                partial
            }
        };
        derive_secret(base, 8, index)
    }
}

impl fmt::Debug for SecretGenerator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretGenerator").finish_non_exhaustive()
    }
}

/// The per-commitment secret index of commitment number `commitment_number` (0 for the first
/// commitment): 2^48 − 1 − `commitment_number`.
///
/// # Errors
///
/// [`Bolt3Error::IndexOutOfRange`] if `commitment_number` is not below 2^48.
pub fn secret_index(commitment_number: u64) -> Result<u64, Bolt3Error> {
    Ok(FIRST_SECRET_INDEX - check_index(commitment_number)?)
}

/// BOLT #3 `where_to_put_secret`: the number of trailing zero bits of `index`, 48 for index 0.
fn bucket(index: u64) -> usize {
    index.trailing_zeros().min(INDEX_BITS) as usize
}

/// The receiver's compact store of the per-commitment secrets revealed to it (BOLT #3
/// "Efficient Per-commitment Secret Storage", a.k.a. shachain): 49 (index, secret) entries, from
/// which every secret received so far can be derived.
///
/// Secrets must arrive in BOLT #3's order: index 2^48 − 1 first, then each index one below the
/// previous one. Each new secret is checked against the earlier ones, so a peer that reveals
/// secrets not generated from one seed is caught as soon as the mismatch is derivable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretStore {
    known: [Option<(u64, [u8; 32])>; 49],
}

impl Default for SecretStore {
    fn default() -> Self {
        Self::new()
    }
}

impl SecretStore {
    /// An empty store.
    pub fn new() -> Self {
        Self { known: [None; 49] }
    }

    /// The index of the last secret received (the lowest), if any.
    pub fn lowest_index(&self) -> Option<u64> {
        self.known.iter().flatten().map(|(index, _)| *index).min()
    }

    /// The index the next secret must have; `None` once index 0 has been received.
    pub fn next_index(&self) -> Option<u64> {
        match self.lowest_index() {
            None => Some(FIRST_SECRET_INDEX),
            Some(lowest) => lowest.checked_sub(1),
        }
    }

    /// Stores `secret` as the per-commitment secret of `index` (BOLT #3 `insert_secret`), after
    /// checking that it derives every earlier secret it should.
    ///
    /// # Errors
    ///
    /// [`Bolt3Error::IndexOutOfRange`] for an index at or above 2^48,
    /// [`Bolt3Error::UnexpectedIndex`] for an index other than [`SecretStore::next_index`], and
    /// [`Bolt3Error::SecretMismatch`] for a secret inconsistent with an earlier one. The store is
    /// unchanged on error.
    pub fn insert_secret(&mut self, secret: [u8; 32], index: u64) -> Result<(), Bolt3Error> {
        check_index(index)?;
        let expected = self.next_index();
        if expected != Some(index) {
            return Err(Bolt3Error::UnexpectedIndex { index, expected });
        }
        let pos = bucket(index);
        for (earlier, earlier_secret) in self.known[..pos].iter().flatten() {
            if derive_secret(secret, pos as u32, *earlier) != *earlier_secret {
                return Err(Bolt3Error::SecretMismatch { index, earlier: *earlier });
            }
        }
        self.known[pos] = Some((index, secret));
        Ok(())
    }

    /// The per-commitment secret of `index`, derived from the stored secret whose index is a
    /// prefix of it (BOLT #3 `derive_old_secret`).
    ///
    /// # Errors
    ///
    /// [`Bolt3Error::IndexOutOfRange`] for an index at or above 2^48 and
    /// [`Bolt3Error::NotReceived`] for a secret not revealed yet.
    pub fn derive_old_secret(&self, index: u64) -> Result<[u8; 32], Bolt3Error> {
        check_index(index)?;
        for (b, entry) in self.known.iter().enumerate() {
            if let Some((known_index, secret)) = entry {
                let mask = !((1u64 << b) - 1);
                if index & mask == *known_index {
                    return Ok(derive_secret(*secret, b as u32, index));
                }
            }
        }
        Err(Bolt3Error::NotReceived { index })
    }
}

// ---------------------------------------------------------------------------------------------
// Key derivation
// ---------------------------------------------------------------------------------------------

/// SHA256(`a` || `b`) over the compressed encodings, as a scalar.
fn tweak(a: &PublicKey, b: &PublicKey) -> Result<Scalar, Bolt3Error> {
    let mut engine = sha256::Hash::engine();
    engine.input(&a.serialize());
    engine.input(&b.serialize());
    Scalar::from_be_bytes(sha256::Hash::from_engine(engine).to_byte_array())
        .map_err(|_| Bolt3Error::InvalidKey { what: "a SHA256 tweak" })
}

fn secret_key(secret: &[u8; 32], what: &'static str) -> Result<SecretKey, Bolt3Error> {
    SecretKey::from_slice(secret).map_err(|_| Bolt3Error::InvalidKey { what })
}

/// `per_commitment_point = per_commitment_secret·G`.
///
/// # Errors
///
/// [`Bolt3Error::InvalidKey`] if the secret is zero or not below the curve order.
pub fn per_commitment_point<C: Signing>(
    secp: &Secp256k1<C>,
    per_commitment_secret: &[u8; 32],
) -> Result<PublicKey, Bolt3Error> {
    Ok(PublicKey::from_secret_key(secp, &secret_key(per_commitment_secret, "the per-commitment secret")?))
}

/// `basepoint + SHA256(per_commitment_point || basepoint)·G`: `localpubkey`,
/// `local_delayedpubkey` and the other per-commitment keys of BOLT #3.
///
/// # Errors
///
/// [`Bolt3Error::InvalidKey`] in the negligible case of an out-of-range tweak or a result at
/// infinity.
pub fn derive_pubkey<C: Verification>(
    secp: &Secp256k1<C>,
    basepoint: &PublicKey,
    per_commitment_point: &PublicKey,
) -> Result<PublicKey, Bolt3Error> {
    basepoint
        .add_exp_tweak(secp, &tweak(per_commitment_point, basepoint)?)
        .map_err(|_| Bolt3Error::InvalidKey { what: "the derived public key" })
}

/// `basepoint_secret + SHA256(per_commitment_point || basepoint)`: the private key of
/// [`derive_pubkey`]'s result, for the owner of the basepoint.
///
/// # Errors
///
/// As [`derive_pubkey`].
pub fn derive_privkey<C: Signing>(
    secp: &Secp256k1<C>,
    basepoint_secret: &SecretKey,
    per_commitment_point: &PublicKey,
) -> Result<SecretKey, Bolt3Error> {
    let basepoint = PublicKey::from_secret_key(secp, basepoint_secret);
    basepoint_secret
        .add_tweak(&tweak(per_commitment_point, &basepoint)?)
        .map_err(|_| Bolt3Error::InvalidKey { what: "the derived private key" })
}

/// `revocationpubkey = revocation_basepoint·SHA256(revocation_basepoint || per_commitment_point)
/// + per_commitment_point·SHA256(per_commitment_point || revocation_basepoint)`.
///
/// Neither the owner of the basepoint nor the owner of the per-commitment point knows its private
/// key until the other's secret is revealed.
///
/// # Errors
///
/// As [`derive_pubkey`].
pub fn derive_revocation_pubkey<C: Verification>(
    secp: &Secp256k1<C>,
    revocation_basepoint: &PublicKey,
    per_commitment_point: &PublicKey,
) -> Result<PublicKey, Bolt3Error> {
    let invalid = |_| Bolt3Error::InvalidKey { what: "the revocation public key" };
    let from_base =
        revocation_basepoint.mul_tweak(secp, &tweak(revocation_basepoint, per_commitment_point)?).map_err(invalid)?;
    let from_point =
        per_commitment_point.mul_tweak(secp, &tweak(per_commitment_point, revocation_basepoint)?).map_err(invalid)?;
    from_base.combine(&from_point).map_err(invalid)
}

/// `revocationprivkey = revocation_basepoint_secret·SHA256(revocation_basepoint ||
/// per_commitment_point) + per_commitment_secret·SHA256(per_commitment_point ||
/// revocation_basepoint)`: what the owner of the revocation basepoint can compute once the other
/// party reveals the per-commitment secret of a commitment, and signs the penalty with.
///
/// # Errors
///
/// [`Bolt3Error::InvalidKey`] if the per-commitment secret is not a valid key, or in the
/// negligible cases of [`derive_pubkey`].
pub fn derive_revocation_privkey<C: Signing>(
    secp: &Secp256k1<C>,
    revocation_basepoint_secret: &SecretKey,
    per_commitment_secret: &[u8; 32],
) -> Result<SecretKey, Bolt3Error> {
    let invalid = |_| Bolt3Error::InvalidKey { what: "the revocation private key" };
    let commitment_secret = secret_key(per_commitment_secret, "the per-commitment secret")?;
    let basepoint = PublicKey::from_secret_key(secp, revocation_basepoint_secret);
    let point = PublicKey::from_secret_key(secp, &commitment_secret);
    let from_base = revocation_basepoint_secret.mul_tweak(&tweak(&basepoint, &point)?).map_err(invalid)?;
    let from_point = commitment_secret.mul_tweak(&tweak(&point, &basepoint)?).map_err(invalid)?;
    from_base.add_tweak(&Scalar::from(from_point)).map_err(invalid)
}

// ---------------------------------------------------------------------------------------------
// Scripts
// ---------------------------------------------------------------------------------------------

pub use super::builders::{funding_witness_script as funding_script, sorted_keys};

/// The `to_local` witness script:
/// `OP_IF <revocationpubkey> OP_ELSE to_self_delay OP_CHECKSEQUENCEVERIFY OP_DROP
/// <local_delayedpubkey> OP_ENDIF OP_CHECKSIG`; the output is its P2WSH.
pub fn to_local_script(
    revocation_pubkey: &PublicKey,
    to_self_delay: u16,
    local_delayed_pubkey: &PublicKey,
) -> ScriptBuf {
    Builder::new()
        .push_opcode(OP_IF)
        .push_key(&bitcoin::PublicKey::new(*revocation_pubkey))
        .push_opcode(OP_ELSE)
        .push_int(i64::from(to_self_delay))
        .push_opcode(OP_CSV)
        .push_opcode(OP_DROP)
        .push_key(&bitcoin::PublicKey::new(*local_delayed_pubkey))
        .push_opcode(OP_ENDIF)
        .push_opcode(OP_CHECKSIG)
        .into_script()
}

/// The `to_remote` output script under `option_static_remotekey`: P2WPKH of the remote
/// party's payment basepoint itself.
pub fn to_remote_script_pubkey(remote_payment_basepoint: &PublicKey) -> ScriptBuf {
    ScriptBuf::new_p2wpkh(&CompressedPublicKey(*remote_payment_basepoint).wpubkey_hash())
}

// ---------------------------------------------------------------------------------------------
// Obscured commitment number
// ---------------------------------------------------------------------------------------------

/// The lower 48 bits of SHA256(`opener_payment_basepoint` || `accepter_payment_basepoint`), the
/// payment basepoints of `open_channel` and `accept_channel`.
pub fn obscuring_factor(opener_payment_basepoint: &PublicKey, accepter_payment_basepoint: &PublicKey) -> u64 {
    let mut engine = sha256::Hash::engine();
    engine.input(&opener_payment_basepoint.serialize());
    engine.input(&accepter_payment_basepoint.serialize());
    let hash = sha256::Hash::from_engine(engine).to_byte_array();
    let mut low = [0u8; 8];
    low[2..].copy_from_slice(&hash[26..]);
    u64::from_be_bytes(low)
}

/// `commitment_number` XOR `factor`, on 48 bits.
///
/// # Errors
///
/// [`Bolt3Error::IndexOutOfRange`] if `commitment_number` is not below 2^48.
pub fn obscured_commitment_number(factor: u64, commitment_number: u64) -> Result<u64, Bolt3Error> {
    Ok((check_index(commitment_number)? ^ factor) & FIRST_SECRET_INDEX)
}

/// A commitment's lock time: upper 8 bits 0x20, lower 24 bits the lower 24 bits of `obscured`.
pub fn commitment_lock_time(obscured: u64) -> LockTime {
    LockTime::from_consensus(0x2000_0000 | (obscured & 0xFF_FFFF) as u32)
}

/// A commitment's input sequence: upper 8 bits 0x80, lower 24 bits the upper 24 of `obscured`.
pub fn commitment_sequence(obscured: u64) -> Sequence {
    Sequence(0x8000_0000 | ((obscured >> 24) & 0xFF_FFFF) as u32)
}

/// The commitment number a commitment transaction carries in its lock time and sequence, given
/// the channel's obscuring `factor`; `None` for a transaction that does not carry one. A watcher
/// uses it to find which revoked state a broadcast commitment is.
pub fn commitment_number_of(tx: &Transaction, factor: u64) -> Option<u64> {
    let lock = tx.lock_time.to_consensus_u32();
    let sequence = tx.input.first()?.sequence.0;
    if lock >> 24 != 0x20 || sequence >> 24 != 0x80 {
        return None;
    }
    let obscured = (u64::from(sequence & 0xFF_FFFF) << 24) | u64::from(lock & 0xFF_FFFF);
    Some((obscured ^ factor) & FIRST_SECRET_INDEX)
}

// ---------------------------------------------------------------------------------------------
// The commitment transaction
// ---------------------------------------------------------------------------------------------

/// Which party opened (funded) the channel and so pays the commitment fee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Funder {
    /// The holder of the commitment (BOLT #3's *local*).
    Local,
    /// The other party.
    Remote,
}

/// What both parties fixed when the channel opened, seen from the holder of one commitment
/// (*local*; the other party is *remote*). No secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelParams {
    /// The funding output.
    pub funding_outpoint: OutPoint,
    /// The funding output's value.
    pub funding_amount: Amount,
    /// The holder's funding key.
    pub local_funding_pubkey: PublicKey,
    /// The other party's funding key.
    pub remote_funding_pubkey: PublicKey,
    /// [`obscuring_factor`] of the two payment basepoints.
    pub obscuring_factor: u64,
    /// The blocks the holder waits to sweep `to_local` (set by the other party).
    pub to_self_delay: u16,
    /// The holder's `dust_limit_satoshis`.
    pub dust_limit: Amount,
    /// Who pays the fee.
    pub funder: Funder,
}

impl ChannelParams {
    /// The funding witness script.
    pub fn funding_script(&self) -> ScriptBuf {
        funding_script(&self.local_funding_pubkey, &self.remote_funding_pubkey)
    }
}

/// The keys of one commitment, all public.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitmentKeys {
    /// `revocationpubkey`: from the other party's revocation basepoint and the holder's
    /// per-commitment point.
    pub revocation_pubkey: PublicKey,
    /// `local_delayedpubkey`: from the holder's delayed payment basepoint and its per-commitment
    /// point.
    pub local_delayed_pubkey: PublicKey,
    /// The other party's payment basepoint, paid as is (`option_static_remotekey`).
    pub remote_payment_basepoint: PublicKey,
}

impl CommitmentKeys {
    /// Derives the keys of the commitment whose per-commitment point is `per_commitment_point`.
    ///
    /// # Errors
    ///
    /// As [`derive_pubkey`].
    pub fn derive<C: Verification>(
        secp: &Secp256k1<C>,
        per_commitment_point: &PublicKey,
        remote_revocation_basepoint: &PublicKey,
        local_delayed_payment_basepoint: &PublicKey,
        remote_payment_basepoint: &PublicKey,
    ) -> Result<Self, Bolt3Error> {
        Ok(Self {
            revocation_pubkey: derive_revocation_pubkey(secp, remote_revocation_basepoint, per_commitment_point)?,
            local_delayed_pubkey: derive_pubkey(secp, local_delayed_payment_basepoint, per_commitment_point)?,
            remote_payment_basepoint: *remote_payment_basepoint,
        })
    }
}

/// The state one commitment records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommitmentState {
    /// The commitment number, 0 for the first commitment.
    pub commitment_number: u64,
    /// The holder's balance before the fee.
    pub to_local_msat: u64,
    /// The other party's balance before the fee.
    pub to_remote_msat: u64,
    /// The fee rate in satoshis per 1,000 weight units.
    pub feerate_per_kw: u32,
}

/// The `to_local` output of a built commitment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToLocalOutput {
    /// Its index in the transaction.
    pub vout: u32,
    /// Its value.
    pub amount: Amount,
    /// [`to_local_script`], which spending it needs.
    pub witness_script: ScriptBuf,
}

/// The `to_remote` output of a built commitment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToRemoteOutput {
    /// Its index in the transaction.
    pub vout: u32,
    /// Its value.
    pub amount: Amount,
}

/// An unsigned commitment transaction and what it pays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commitment {
    /// The transaction, with an empty witness.
    pub tx: Transaction,
    /// The base fee of BOLT #3 (724 weight units at the fee rate, rounded down).
    pub base_fee: Amount,
    /// The fee actually paid: the base fee plus trimmed outputs and rounding.
    pub fee: Amount,
    /// The `to_local` output, unless trimmed.
    pub to_local: Option<ToLocalOutput>,
    /// The `to_remote` output, unless trimmed.
    pub to_remote: Option<ToRemoteOutput>,
}

/// BOLT #3's base fee of a commitment without HTLCs: `feerate_per_kw × 724 / 1000`, rounded down.
pub fn base_fee(feerate_per_kw: u32) -> Amount {
    Amount::from_sat(u64::from(feerate_per_kw) * COMMITMENT_WEIGHT / 1000)
}

/// The two balances in whole satoshis after the funder pays `fee` (with a floor of 0).
pub(super) fn balances_after_fee(state: &CommitmentState, funder: Funder, fee: Amount) -> (Amount, Amount) {
    let fee_msat = fee.to_sat() * 1000;
    let (local, remote) = match funder {
        Funder::Local => (state.to_local_msat.saturating_sub(fee_msat), state.to_remote_msat),
        Funder::Remote => (state.to_local_msat, state.to_remote_msat.saturating_sub(fee_msat)),
    };
    (Amount::from_sat(local / 1000), Amount::from_sat(remote / 1000))
}

/// BIP-0069 output order: by value, then by scriptPubKey bytes.
fn sort_outputs(outputs: &mut [TxOut]) {
    outputs
        .sort_by(|a, b| a.value.cmp(&b.value).then_with(|| a.script_pubkey.as_bytes().cmp(b.script_pubkey.as_bytes())));
}

fn vout_of(outputs: &[TxOut], script_pubkey: &Script) -> u32 {
    let index = outputs.iter().position(|o| o.script_pubkey.as_script() == script_pubkey);
    u32::try_from(index.expect("the output was just added")).expect("a commitment has at most two outputs")
}

/// Builds the holder's commitment transaction for `state` (BOLT #3 "Commitment Transaction
/// Construction", without HTLCs): the funder pays the base fee, outputs below the dust limit are
/// left out (their value goes to the fee), the rest are sorted as BIP-0069 says.
///
/// # Errors
///
/// [`Bolt3Error::IndexOutOfRange`] for a commitment number at or above 2^48,
/// [`Bolt3Error::BalanceMismatch`] when the balances do not add up to the funding amount, and
/// [`Bolt3Error::NoOutput`] when both outputs would be trimmed.
pub fn build_commitment(
    params: &ChannelParams,
    keys: &CommitmentKeys,
    state: &CommitmentState,
) -> Result<Commitment, Bolt3Error> {
    let obscured = obscured_commitment_number(params.obscuring_factor, state.commitment_number)?;
    let mismatch = || Bolt3Error::BalanceMismatch {
        to_local_msat: state.to_local_msat,
        to_remote_msat: state.to_remote_msat,
        funding: params.funding_amount,
    };
    let total_msat = state.to_local_msat.checked_add(state.to_remote_msat).ok_or_else(mismatch)?;
    if params.funding_amount.to_sat().checked_mul(1000) != Some(total_msat) {
        return Err(mismatch());
    }
    let base_fee = base_fee(state.feerate_per_kw);
    let (to_local, to_remote) = balances_after_fee(state, params.funder, base_fee);
    let witness_script = to_local_script(&keys.revocation_pubkey, params.to_self_delay, &keys.local_delayed_pubkey);
    let local_spk = witness_script.to_p2wsh();
    let remote_spk = to_remote_script_pubkey(&keys.remote_payment_basepoint);
    let mut outputs = Vec::with_capacity(2);
    if to_local >= params.dust_limit {
        outputs.push(TxOut { value: to_local, script_pubkey: local_spk.clone() });
    }
    if to_remote >= params.dust_limit {
        outputs.push(TxOut { value: to_remote, script_pubkey: remote_spk.clone() });
    }
    if outputs.is_empty() {
        return Err(Bolt3Error::NoOutput { to_local, to_remote, dust_limit: params.dust_limit });
    }
    sort_outputs(&mut outputs);
    let paid: Amount = outputs.iter().map(|o| o.value).sum();
    let fee = params.funding_amount.checked_sub(paid).expect("outputs are taken from the funding amount");
    let to_local = (to_local >= params.dust_limit).then(|| ToLocalOutput {
        vout: vout_of(&outputs, &local_spk),
        amount: to_local,
        witness_script,
    });
    let to_remote = (to_remote >= params.dust_limit)
        .then(|| ToRemoteOutput { vout: vout_of(&outputs, &remote_spk), amount: to_remote });
    let tx = Transaction {
        version: Version::TWO,
        lock_time: commitment_lock_time(obscured),
        input: vec![TxIn {
            previous_output: params.funding_outpoint,
            script_sig: ScriptBuf::new(),
            sequence: commitment_sequence(obscured),
            witness: Witness::new(),
        }],
        output: outputs,
    };
    Ok(Commitment { tx, base_fee, fee, to_local, to_remote })
}

// ---------------------------------------------------------------------------------------------
// Signatures and witnesses
// ---------------------------------------------------------------------------------------------

/// The BIP-0143 SIGHASH_ALL message of input `index` of `tx`, which spends a P2WSH output of
/// `amount` locked by `witness_script` (the shared builder's, with this module's error).
///
/// # Errors
///
/// [`Bolt3Error::InputIndex`] if `tx` has no input `index`.
pub fn p2wsh_sighash(
    tx: &Transaction,
    index: usize,
    witness_script: &Script,
    amount: Amount,
) -> Result<Message, Bolt3Error> {
    super::builders::p2wsh_sighash(tx, index, witness_script, amount, EcdsaSighashType::All)
        .map_err(|_| Bolt3Error::InputIndex { index, inputs: tx.input.len() })
}

/// The message both parties sign for a commitment (its funding input, input 0).
///
/// # Errors
///
/// [`Bolt3Error::InputIndex`] if `tx` has no input.
pub fn commitment_sighash(tx: &Transaction, params: &ChannelParams) -> Result<Message, Bolt3Error> {
    p2wsh_sighash(tx, 0, &params.funding_script(), params.funding_amount)
}

/// An RFC 6979 ECDSA signature of `msg` by `secret`, with SIGHASH_ALL.
pub fn sign<C: Signing>(secp: &Secp256k1<C>, msg: &Message, secret: &SecretKey) -> ecdsa::Signature {
    ecdsa::Signature::sighash_all(secp.sign_ecdsa(msg, secret))
}

/// The witness spending the funding output: `<> <signature_for_pubkey1> <signature_for_pubkey2>
/// <funding script>`, the signatures in the keys' BIP-0067 order (the shared 2-of-2 assembly).
pub fn funding_witness(params: &ChannelParams, local_sig: &ecdsa::Signature, remote_sig: &ecdsa::Signature) -> Witness {
    super::builders::multisig_witness(
        &params.funding_script(),
        (&params.local_funding_pubkey, local_sig),
        (&params.remote_funding_pubkey, remote_sig),
    )
}

/// A version-2 transaction spending `outpoint` (worth `amount`) with `sequence`, paying
/// `amount − fee` to `destination`.
fn spend_tx(
    outpoint: OutPoint,
    amount: Amount,
    sequence: Sequence,
    destination: ScriptBuf,
    fee: Amount,
) -> Result<Transaction, Bolt3Error> {
    let value = amount.checked_sub(fee).filter(|v| *v > Amount::ZERO).ok_or(Bolt3Error::FeeTooHigh { amount, fee })?;
    Ok(Transaction {
        version: Version::TWO,
        lock_time: LockTime::ZERO,
        input: vec![TxIn {
            previous_output: outpoint,
            script_sig: ScriptBuf::new(),
            sequence,
            witness: Witness::new(),
        }],
        output: vec![TxOut { value, script_pubkey: destination }],
    })
}

/// The holder's sweep of its `to_local` output after the delay: version 2, the input's sequence
/// `to_self_delay` (a BIP-0068 relative lock of that many blocks, which OP_CHECKSEQUENCEVERIFY
/// checks), paying `amount − fee` to `destination`. Unsigned.
///
/// # Errors
///
/// [`Bolt3Error::FeeTooHigh`] if `fee` is not below `amount`.
pub fn delayed_sweep_tx(
    to_local: OutPoint,
    amount: Amount,
    to_self_delay: u16,
    destination: ScriptBuf,
    fee: Amount,
) -> Result<Transaction, Bolt3Error> {
    spend_tx(to_local, amount, Sequence::from_height(to_self_delay), destination, fee)
}

/// The penalty: the other party takes a revoked commitment's `to_local` output at once, paying
/// `amount − fee` to `destination`. Unsigned.
///
/// # Errors
///
/// [`Bolt3Error::FeeTooHigh`] if `fee` is not below `amount`.
pub fn penalty_tx(
    to_local: OutPoint,
    amount: Amount,
    destination: ScriptBuf,
    fee: Amount,
) -> Result<Transaction, Bolt3Error> {
    spend_tx(to_local, amount, Sequence::MAX, destination, fee)
}

/// The witness of the delayed sweep: `<local_delayedsig> <>` and the `to_local` script (the
/// empty item takes the `OP_ELSE` branch).
pub fn delayed_sweep_witness(local_delayed_sig: &ecdsa::Signature, witness_script: &Script) -> Witness {
    let mut witness = Witness::new();
    witness.push_ecdsa_signature(local_delayed_sig);
    witness.push(Vec::<u8>::new());
    witness.push(witness_script.as_bytes());
    witness
}

/// The witness of the penalty: `<revocation_sig> 1` and the `to_local` script (the single 0x01
/// byte takes the `OP_IF` branch, minimally as MINIMALIF wants).
pub fn penalty_witness(revocation_sig: &ecdsa::Signature, witness_script: &Script) -> Witness {
    let mut witness = Witness::new();
    witness.push_ecdsa_signature(revocation_sig);
    witness.push([1u8]);
    witness.push(witness_script.as_bytes());
    witness
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> PublicKey {
        let secp = Secp256k1::new();
        PublicKey::from_secret_key(&secp, &SecretKey::from_slice(&[byte; 32]).unwrap())
    }

    fn params(funder: Funder) -> ChannelParams {
        ChannelParams {
            funding_outpoint: OutPoint::null(),
            funding_amount: Amount::from_sat(100_000),
            local_funding_pubkey: key(1),
            remote_funding_pubkey: key(2),
            obscuring_factor: obscuring_factor(&key(3), &key(4)),
            to_self_delay: 144,
            dust_limit: Amount::from_sat(546),
            funder,
        }
    }

    fn keys() -> CommitmentKeys {
        CommitmentKeys { revocation_pubkey: key(5), local_delayed_pubkey: key(6), remote_payment_basepoint: key(7) }
    }

    fn state(to_local_sat: u64, feerate_per_kw: u32) -> CommitmentState {
        CommitmentState {
            commitment_number: 7,
            to_local_msat: to_local_sat * 1000,
            to_remote_msat: (100_000 - to_local_sat) * 1000,
            feerate_per_kw,
        }
    }

    #[test]
    fn base_fee_rounds_down() {
        assert_eq!(base_fee(15_000), Amount::from_sat(10_860));
        assert_eq!(base_fee(1_000), Amount::from_sat(724));
        assert_eq!(base_fee(1_001), Amount::from_sat(724), "724.724 rounds down");
        assert_eq!(base_fee(253), Amount::from_sat(183));
    }

    #[test]
    fn the_remote_funder_pays_the_fee() {
        let c = build_commitment(&params(Funder::Remote), &keys(), &state(60_000, 1_000)).unwrap();
        assert_eq!(c.to_local.as_ref().unwrap().amount, Amount::from_sat(60_000));
        assert_eq!(c.to_remote.unwrap().amount, Amount::from_sat(40_000 - 724));
        assert_eq!(c.fee, Amount::from_sat(724));
    }

    #[test]
    fn an_output_below_dust_goes_to_the_fee() {
        let c = build_commitment(&params(Funder::Local), &keys(), &state(99_500, 1_000)).unwrap();
        assert!(c.to_remote.is_none(), "500 sat is below the 546-sat dust limit");
        assert_eq!(c.tx.output.len(), 1);
        assert_eq!(c.to_local.as_ref().unwrap().vout, 0);
        assert_eq!(c.fee, Amount::from_sat(724 + 500));
        // Exactly at the limit the output stays.
        let c = build_commitment(&params(Funder::Local), &keys(), &state(99_454, 1_000)).unwrap();
        assert_eq!(c.to_remote.unwrap().amount, Amount::from_sat(546));
    }

    #[test]
    fn the_funders_output_floors_at_zero_and_is_trimmed() {
        let c = build_commitment(&params(Funder::Local), &keys(), &state(500, 15_000)).unwrap();
        assert!(c.to_local.is_none());
        assert_eq!(c.fee, Amount::from_sat(500));
        assert_eq!(c.tx.output[0].value, Amount::from_sat(99_500));
    }

    #[test]
    fn outputs_follow_bip69_and_the_vouts_say_where() {
        for to_local in [10_000, 90_000] {
            let c = build_commitment(&params(Funder::Remote), &keys(), &state(to_local, 0)).unwrap();
            assert!(c.tx.output[0].value <= c.tx.output[1].value);
            let local = c.to_local.unwrap();
            assert_eq!(c.tx.output[local.vout as usize].script_pubkey, local.witness_script.to_p2wsh());
            assert_eq!(c.tx.output[c.to_remote.unwrap().vout as usize].script_pubkey, to_remote_script_pubkey(&key(7)));
        }
    }

    #[test]
    fn bad_states_are_refused_with_their_values() {
        let mut s = state(60_000, 0);
        s.to_remote_msat += 1;
        let e = build_commitment(&params(Funder::Local), &keys(), &s).unwrap_err();
        assert_eq!(
            e.to_string(),
            "balances of 60000000 msat and 40000001 msat do not add up to the funding of 100000 sat"
        );
        let mut p = params(Funder::Local);
        p.dust_limit = Amount::from_sat(60_000);
        let e = build_commitment(&p, &keys(), &state(50_000, 0)).unwrap_err();
        assert!(matches!(e, Bolt3Error::NoOutput { .. }), "{e}");
        let mut s = state(50_000, 0);
        s.commitment_number = 1 << 48;
        assert_eq!(build_commitment(&p, &keys(), &s).unwrap_err(), Bolt3Error::IndexOutOfRange { index: 1 << 48 });
    }

    #[test]
    fn the_commitment_number_round_trips_through_lock_time_and_sequence() {
        let p = params(Funder::Local);
        for n in [0, 1, 42, 0xFF_FFFF, 0x100_0000, FIRST_SECRET_INDEX] {
            let mut s = state(50_000, 0);
            s.commitment_number = n;
            let c = build_commitment(&p, &keys(), &s).unwrap();
            assert_eq!(commitment_number_of(&c.tx, p.obscuring_factor), Some(n));
        }
        let mut tx = build_commitment(&p, &keys(), &state(50_000, 0)).unwrap().tx;
        tx.lock_time = LockTime::ZERO;
        assert_eq!(commitment_number_of(&tx, p.obscuring_factor), None);
    }

    #[test]
    fn the_generator_gives_generate_from_seeds_secrets_across_prefix_boundaries() {
        let seed = [0x42; 32];
        let mut g = SecretGenerator::new(seed);
        // Down across a 256-index boundary, then a jump back up, then index 0's neighbourhood.
        let indices = (0..300).map(|i| FIRST_SECRET_INDEX - i).chain([FIRST_SECRET_INDEX - 3, 255, 256, 0, 1]);
        for index in indices {
            assert_eq!(g.secret(index), generate_from_seed(seed, index), "index {index}");
        }
    }

    #[test]
    fn secret_indices_count_down_from_2_pow_48_minus_1() {
        assert_eq!(secret_index(0), Ok(FIRST_SECRET_INDEX));
        assert_eq!(secret_index(42), Ok(FIRST_SECRET_INDEX - 42));
        assert_eq!(secret_index(FIRST_SECRET_INDEX), Ok(0));
        assert_eq!(secret_index(1 << 48), Err(Bolt3Error::IndexOutOfRange { index: 1 << 48 }));
    }

    #[test]
    #[should_panic(expected = "281474976710656 is not below 2^48")]
    fn generating_past_2_pow_48_panics() {
        generate_from_seed([0; 32], 1 << 48);
    }

    #[test]
    fn the_store_wants_descending_indices_and_says_what_it_lacks() {
        let seed = [7; 32];
        let mut store = SecretStore::new();
        let e = store.insert_secret(generate_from_seed(seed, FIRST_SECRET_INDEX - 1), FIRST_SECRET_INDEX - 1);
        assert_eq!(
            e.unwrap_err().to_string(),
            "secret of index 281474976710654 received where index 281474976710655 was expected"
        );
        for i in 0..21 {
            let index = FIRST_SECRET_INDEX - i;
            store.insert_secret(generate_from_seed(seed, index), index).unwrap();
        }
        assert_eq!(store.lowest_index(), Some(FIRST_SECRET_INDEX - 20));
        for i in 0..21 {
            let index = FIRST_SECRET_INDEX - i;
            assert_eq!(store.derive_old_secret(index), Ok(generate_from_seed(seed, index)), "index {index}");
        }
        let next = FIRST_SECRET_INDEX - 21; // ...ea: one trailing zero, so it must derive ...eb
        assert_eq!(
            store.derive_old_secret(next).unwrap_err().to_string(),
            "the secret of index 281474976710634 has not been received yet"
        );
        assert_eq!(store.derive_old_secret(1 << 48), Err(Bolt3Error::IndexOutOfRange { index: 1 << 48 }));
        // A secret from another seed is caught, and leaves the store as it was.
        let before = store.clone();
        assert_eq!(
            store.insert_secret(generate_from_seed([8; 32], next), next),
            Err(Bolt3Error::SecretMismatch { index: next, earlier: next + 1 })
        );
        assert_eq!(store, before);
    }

    #[test]
    fn the_store_holds_49_buckets_and_ends_at_index_0() {
        assert_eq!(bucket(0), 48);
        assert_eq!(bucket(FIRST_SECRET_INDEX), 0);
        assert_eq!(bucket(1 << 47), 47);
        // Reaching index 0 takes 2^48 insertions; put it in its bucket directly.
        let mut store = SecretStore::new();
        store.known[48] = Some((0, [0; 32]));
        assert_eq!(store.next_index(), None);
        assert_eq!(
            store.insert_secret([0; 32], 5).unwrap_err().to_string(),
            "secret of index 5 received after the last one (index 0)"
        );
    }
}
