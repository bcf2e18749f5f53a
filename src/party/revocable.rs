//! What each party of a revocable channel holds beyond its funding key: its basepoint secrets,
//! the seed of its per-commitment secrets, and the secrets the other party revealed.
//!
//! BOLT #3 asks each party to generate its per-commitment secrets from one seed, counting down
//! from index 2^48 − 1, and to keep the other party's revealed secrets in the compact 49-entry
//! store. Both live here, one [`Revocation`] per party, so the payer and the payee share the
//! code and the checks: a revealed secret must be the one behind the point the other party used
//! for the version it revokes, and must fit the store (BOLT #3 rejects a secret that does not
//! derive the earlier ones). The per-commitment secrets are a pure function of the seed and the
//! index, so a copy of a party resumed at any state (the engine's parallel signing) derives the
//! same ones; revealed secrets are stored in order, on the engine's sequential path.

use bitcoin::secp256k1::PublicKey;
use bitcoin::Transaction;

use super::keys::{KeyChain, Role};
use super::{ProtocolError, SignedCommitment, Signer};
use crate::channel::bolt3::{self, SecretStore};
use crate::channel::revocable::{secp, Basepoints, Revocable};
use crate::channel::ChannelParams;
use crate::channel::Who;

/// The points and secrets one state's exchange made public: each party's per-commitment point
/// of its version of the state, and the secrets of the versions it revoked (none for state 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revealed {
    /// The payer's per-commitment point of her version of this state.
    pub payer_point: PublicKey,
    /// The payee's per-commitment point of his version of this state.
    pub payee_point: PublicKey,
    /// The payer's per-commitment secret of her previous version: its revocation.
    pub payer_secret: Option<[u8; 32]>,
    /// The payee's per-commitment secret of his previous version.
    pub payee_secret: Option<[u8; 32]>,
}

/// One party's revocable material.
#[derive(Debug, Clone)]
pub struct Revocation {
    who: Who,
    revocation: Signer,
    delayed: Signer,
    secrets: bolt3::SecretGenerator,
    received: SecretStore,
    /// The other party's point of its latest unrevoked version, and that version's number.
    theirs: Option<(u64, PublicKey)>,
}

impl Revocation {
    /// `who`'s material, derived from `keys`.
    pub fn new(keys: &KeyChain, who: Who) -> Revocation {
        let (r, d, s) = match who {
            Who::Payer => (Role::PayerRevocationBase, Role::PayerDelayedBase, Role::PayerCommitmentSeed),
            Who::Payee => (Role::PayeeRevocationBase, Role::PayeeDelayedBase, Role::PayeeCommitmentSeed),
        };
        Revocation {
            who,
            revocation: Signer::new(keys.secret_key(r)),
            delayed: Signer::new(keys.secret_key(d)),
            secrets: bolt3::SecretGenerator::new(keys.bytes32(s)),
            received: SecretStore::new(),
            theirs: None,
        }
    }

    /// The party's public basepoints; `payment` is its payout key.
    pub fn basepoints(&self, payment: PublicKey) -> Basepoints {
        Basepoints { payment, delayed_payment: self.delayed.public_key(), revocation: self.revocation.public_key() }
    }

    /// The per-commitment secret of the party's version `seq`.
    pub fn secret(&self, seq: u64) -> [u8; 32] {
        self.secrets.clone().secret(bolt3::FIRST_SECRET_INDEX - seq.min(bolt3::FIRST_SECRET_INDEX))
    }

    /// As [`Revocation::secret`], keeping the partial secret of the current run of indices, so
    /// the next states' secrets cost a few hashes (the per-state path).
    pub fn next_secret(&mut self, seq: u64) -> [u8; 32] {
        self.secrets.secret(bolt3::FIRST_SECRET_INDEX - seq.min(bolt3::FIRST_SECRET_INDEX))
    }

    /// The per-commitment point of the party's version `seq`.
    pub fn point(&self, seq: u64) -> PublicKey {
        bolt3::per_commitment_point(secp(), &self.secret(seq))
            .expect("a SHA-256 output is a valid secret key but with probability 2^-128")
    }

    /// As [`Revocation::point`], on the per-state path ([`Revocation::next_secret`]).
    pub fn next_point(&mut self, seq: u64) -> PublicKey {
        bolt3::per_commitment_point(secp(), &self.next_secret(seq))
            .expect("a SHA-256 output is a valid secret key but with probability 2^-128")
    }

    /// The secrets revealed to this party so far.
    pub fn received(&self) -> &SecretStore {
        &self.received
    }

    /// Remembers the other party's point of its version `seq` before any revocation: state 0.
    pub fn first(&mut self, seq: u64, point: PublicKey) {
        self.theirs = Some((seq, point));
    }

    /// Receives the other party's revocation of its version `seq − 1` with its point of version
    /// `seq`: the secret must be the one behind the point of the version it revokes, and fit the
    /// compact store.
    ///
    /// # Errors
    ///
    /// [`ProtocolError::BadRevocation`] otherwise; the store is unchanged then.
    pub fn receive(&mut self, seq: u64, point: PublicKey, secret: Option<[u8; 32]>) -> Result<(), ProtocolError> {
        let bad = |detail: String| ProtocolError::BadRevocation { seq, detail };
        let secret = secret.ok_or_else(|| bad("no per-commitment secret revokes the previous version".into()))?;
        let Some((prev, prev_point)) = self.theirs else {
            return Err(bad("no previous version is known to revoke".into()));
        };
        if prev + 1 != seq {
            return Err(bad(format!("the known version is #{prev}, not #{}", seq - 1)));
        }
        let derived = bolt3::per_commitment_point(secp(), &secret).map_err(|e| bad(e.to_string()))?;
        if derived != prev_point {
            return Err(bad(format!("the secret is not the one behind version #{prev}'s per-commitment point")));
        }
        let index = bolt3::secret_index(prev).map_err(|e| bad(e.to_string()))?;
        self.received.insert_secret(secret, index).map_err(|e| bad(e.to_string()))?;
        self.theirs = Some((seq, point));
        Ok(())
    }

    /// Receives what `c`'s exchange revealed by the other party (the engine's sequential path).
    ///
    /// # Errors
    ///
    /// As [`Revocation::receive`].
    pub fn receive_from(&mut self, c: &SignedCommitment) -> Result<(), ProtocolError> {
        let Some(r) = c.revealed else { return Ok(()) };
        let (point, secret) = match self.who {
            Who::Payer => (r.payee_point, r.payee_secret),
            Who::Payee => (r.payer_point, r.payer_secret),
        };
        if c.seq == 0 {
            self.first(0, point);
            return Ok(());
        }
        self.receive(c.seq, point, secret)
    }

    /// The delayed sweep of this party's own version `seq` (confirmed as `commitment`) to its
    /// payout, signed with the delayed key of that version; `None` when the version has no
    /// `to_local` output.
    pub fn sweep(
        &self,
        design: &Revocable,
        params: &ChannelParams,
        seq: u64,
        commitment: &Transaction,
    ) -> Option<Transaction> {
        let point = self.point(seq);
        let (outpoint, amount, script) = design.to_local(params, self.who, commitment, &point)?;
        let mut tx = design.spend(params, outpoint, amount, self.who, false).ok()?;
        let sig = self.delayed.sign_p2wsh_input_derived(&tx, 0, &script, amount, &point).ok()?;
        tx.input[0].witness = bolt3::delayed_sweep_witness(&bitcoin::ecdsa::Signature::sighash_all(sig), &script);
        Some(tx)
    }

    /// The penalty against the other party's revoked version `seq` (confirmed as `commitment`):
    /// its `to_local` output taken with the revocation key, to this party's payout; `None` when
    /// the secret of that version has not been revealed (it is not revoked) or it has no
    /// `to_local` output.
    pub fn penalty(
        &self,
        design: &Revocable,
        params: &ChannelParams,
        seq: u64,
        commitment: &Transaction,
    ) -> Option<Transaction> {
        let secret = self.received.derive_old_secret(bolt3::secret_index(seq).ok()?).ok()?;
        let point = bolt3::per_commitment_point(secp(), &secret).ok()?;
        let (outpoint, amount, script) = design.to_local(params, self.who.other(), commitment, &point)?;
        let mut tx = design.spend(params, outpoint, amount, self.who, true).ok()?;
        let sig = self.revocation.sign_p2wsh_input_revocation(&tx, 0, &script, amount, &secret).ok()?;
        tx.input[0].witness = bolt3::penalty_witness(&bitcoin::ecdsa::Signature::sighash_all(sig), &script);
        Some(tx)
    }
}
