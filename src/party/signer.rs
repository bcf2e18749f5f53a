//! The one holder of a secret key: signs transaction inputs, never an arbitrary digest.
//!
//! As LDK's `InMemorySigner`, a [`Signer`] is given a transaction and the output it spends and
//! computes the BIP-0143 digest itself, so nothing can hand it a hash of something else to sign.
//! The parties decide *whether* to sign (they rebuild and compare first); the signer only makes
//! the signature (RFC 6979 nonces, low-S, as libsecp256k1 does).

use bitcoin::secp256k1::ecdsa::Signature;
use bitcoin::secp256k1::{All, Message, PublicKey, Secp256k1, SecretKey};
use bitcoin::sighash::EcdsaSighashType;
use bitcoin::{Amount, Script, Transaction};

use crate::channel::bolt3::{self, Bolt3Error};
use crate::channel::builders::FundingSighash;
use crate::channel::{self, WalletCoin};

/// Holds one secret key and signs transaction inputs with it.
#[derive(Clone)]
pub struct Signer {
    secp: Secp256k1<All>,
    secret: SecretKey,
    public: PublicKey,
}

impl Signer {
    /// A signer for `secret`.
    pub fn new(secret: SecretKey) -> Signer {
        let secp = Secp256k1::new();
        let public = PublicKey::from_secret_key(&secp, &secret);
        Signer { secp, secret, public }
    }

    /// The public key.
    pub fn public_key(&self) -> PublicKey {
        self.public
    }

    /// Signs input `index` of `tx`, which spends a P2WSH output locked by `witness_script` and
    /// holding `amount`, with SIGHASH_ALL; returns the signature and the BIP-0143 digest it
    /// computed, against which the other party's signature can be checked.
    ///
    /// # Panics
    ///
    /// When `index` is not an input of `tx`: a caller's bug.
    pub fn sign_p2wsh_input(
        &self,
        tx: &Transaction,
        index: usize,
        witness_script: &Script,
        amount: Amount,
    ) -> (Signature, Message) {
        let msg = channel::p2wsh_sighash(tx, index, witness_script, amount, EcdsaSighashType::All)
            .expect("the signed input exists");
        (self.secp.sign_ecdsa(&msg, &self.secret), msg)
    }

    /// As [`Signer::sign_p2wsh_input`], but first hands the digest to `check` (which verifies the
    /// other party's signature of the same digest) and signs only if it passes: one digest for
    /// both, and nothing signed when the counterparty's signature is bad.
    ///
    /// # Errors
    ///
    /// `check`'s error; nothing is signed then.
    ///
    /// # Panics
    ///
    /// When `index` is not an input of `tx`: a caller's bug.
    pub fn sign_p2wsh_input_if<E>(
        &self,
        tx: &Transaction,
        index: usize,
        witness_script: &Script,
        amount: Amount,
        check: impl FnOnce(&Self, &Message) -> Result<(), E>,
    ) -> Result<Signature, E> {
        let msg = channel::p2wsh_sighash(tx, index, witness_script, amount, EcdsaSighashType::All)
            .expect("the signed input exists");
        check(self, &msg)?;
        Ok(self.secp.sign_ecdsa(&msg, &self.secret))
    }

    /// As [`Signer::sign_p2wsh_input`] for input 0 of a commitment spending the funding output
    /// that `sighash` describes: the signer still computes the digest of `tx` itself, from the
    /// part every commitment of the channel shares (a [`FundingSighash`] holds only public data),
    /// so it still signs transactions, never a digest it is handed.
    ///
    /// # Panics
    ///
    /// When `tx` has no input: a caller's bug.
    pub fn sign_funding_input(&self, tx: &Transaction, sighash: &FundingSighash) -> (Signature, Message) {
        let msg = sighash.digest(tx, 0).expect("the signed input exists");
        (self.secp.sign_ecdsa(&msg, &self.secret), msg)
    }

    /// As [`Signer::sign_p2wsh_input_if`] for input 0 of a commitment spending the funding output
    /// that `sighash` describes (see [`Signer::sign_funding_input`]).
    ///
    /// # Errors
    ///
    /// `check`'s error; nothing is signed then.
    ///
    /// # Panics
    ///
    /// When `tx` has no input: a caller's bug.
    pub fn sign_funding_input_if<E>(
        &self,
        tx: &Transaction,
        sighash: &FundingSighash,
        check: impl FnOnce(&Self, &Message) -> Result<(), E>,
    ) -> Result<Signature, E> {
        let msg = sighash.digest(tx, 0).expect("the signed input exists");
        check(self, &msg)?;
        Ok(self.secp.sign_ecdsa(&msg, &self.secret))
    }

    /// Signs input `index` of `tx`, which spends the P2WPKH wallet `coin`, with SIGHASH_ALL.
    pub fn sign_wallet_input(&self, tx: &Transaction, index: usize, coin: &WalletCoin) -> Signature {
        self.secp.sign_ecdsa(&channel::p2wpkh_sighash(tx, index, coin), &self.secret)
    }

    /// Signs input `index` of `tx`, which spends a P2WSH output locked by `witness_script` and
    /// holding `amount`, with the key BOLT #3 derives from this signer's basepoint secret and
    /// `per_commitment_point` (`basepoint_secret + SHA256(per_commitment_point || basepoint)`):
    /// how the owner of a version signs the delayed sweep of its `to_local` output. The digest is
    /// computed here from the transaction, as for every other signature.
    ///
    /// # Errors
    ///
    /// [`Bolt3Error::InvalidKey`] in the negligible case of an invalid derived key.
    ///
    /// # Panics
    ///
    /// When `index` is not an input of `tx`: a caller's bug.
    pub fn sign_p2wsh_input_derived(
        &self,
        tx: &Transaction,
        index: usize,
        witness_script: &Script,
        amount: Amount,
        per_commitment_point: &PublicKey,
    ) -> Result<Signature, Bolt3Error> {
        let key = bolt3::derive_privkey(&self.secp, &self.secret, per_commitment_point)?;
        let msg = channel::p2wsh_sighash(tx, index, witness_script, amount, EcdsaSighashType::All)
            .expect("the signed input exists");
        Ok(self.secp.sign_ecdsa(&msg, &key))
    }

    /// Signs input `index` of `tx` as [`Signer::sign_p2wsh_input_derived`], with the revocation
    /// private key BOLT #3 derives from this signer's revocation basepoint secret and the other
    /// party's revealed `per_commitment_secret`: how the wronged party signs a penalty.
    ///
    /// # Errors
    ///
    /// [`Bolt3Error::InvalidKey`] when the revealed secret is not a valid key.
    ///
    /// # Panics
    ///
    /// When `index` is not an input of `tx`: a caller's bug.
    pub fn sign_p2wsh_input_revocation(
        &self,
        tx: &Transaction,
        index: usize,
        witness_script: &Script,
        amount: Amount,
        per_commitment_secret: &[u8; 32],
    ) -> Result<Signature, Bolt3Error> {
        let key = bolt3::derive_revocation_privkey(&self.secp, &self.secret, per_commitment_secret)?;
        let msg = channel::p2wsh_sighash(tx, index, witness_script, amount, EcdsaSighashType::All)
            .expect("the signed input exists");
        Ok(self.secp.sign_ecdsa(&msg, &key))
    }

    /// Whether `sig` is `key`'s valid signature of `msg` (verification needs no secret).
    pub fn verify(&self, msg: &Message, sig: &Signature, key: &PublicKey) -> bool {
        self.secp.verify_ecdsa(msg, sig, key).is_ok()
    }
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").field("public", &self.public).finish_non_exhaustive()
    }
}
