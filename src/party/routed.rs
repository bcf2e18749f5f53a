//! A node's secrets in one channel of a routed network, and the signatures it makes with them.
//!
//! A routed payment's nodes are parties like the payer and payee of a single channel: each holds
//! its own keys, drawn from the scenario seed by streams named for the channel and the node
//! (`network/<channel>/<node>/<role>`, never a [`super::keys::Role`] label), and signs only
//! inputs it is handed, computing the BIP-0143 digest itself. Following BOLT #3, each node has a
//! funding key, a payment basepoint (also its HTLC basepoint, as in Appendix C, and under
//! `option_static_remotekey` the key its balance is paid to in the other's commitment), a
//! delayed-payment basepoint, a revocation basepoint and a per-commitment seed; the funder also
//! a wallet key for the coin the funding spends. The payment's preimage is the recipient's
//! ([`preimage`]).

use bitcoin::hashes::{sha256, Hash};
use bitcoin::secp256k1::{PublicKey, SecretKey};
use bitcoin::{ecdsa, Script, Transaction};
use rand_core::RngCore;

use crate::channel::bolt3::{self, Bolt3Error};
use crate::channel::htlc::{self, HtlcOutput};
use crate::channel::revocable::secp;

use super::keys::KeyChain;

/// One node's public keys in one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HopBasepoints {
    /// Its key in the 2-of-2 funding script.
    pub funding: PublicKey,
    /// `payment_basepoint`, also `htlc_basepoint`.
    pub payment: PublicKey,
    /// `delayed_payment_basepoint`.
    pub delayed_payment: PublicKey,
    /// `revocation_basepoint`.
    pub revocation: PublicKey,
    /// The wallet key of the coin the funding spends (used by the funder only).
    pub wallet: PublicKey,
}

/// One node's secrets in one channel.
pub struct HopKeys {
    funding: SecretKey,
    payment: SecretKey,
    delayed_payment: SecretKey,
    revocation: SecretKey,
    wallet: SecretKey,
    commitment_seed: [u8; 32],
}

impl std::fmt::Debug for HopKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HopKeys { .. }")
    }
}

fn secret(chain: &KeyChain, label: &str) -> SecretKey {
    let mut rng = chain.labelled(label);
    loop {
        let mut bytes = [0u8; 32];
        rng.fill_bytes(&mut bytes);
        // Fails only for zero or a value at or above the curve order: about 2^-128.
        if let Ok(key) = SecretKey::from_slice(&bytes) {
            return key;
        }
    }
}

/// The recipient's preimage of payment `index` (from 1), drawn from its own stream.
pub fn preimage(seed: u64, index: usize, recipient: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    KeyChain::new(seed).labelled(&format!("network/payment/{index}/{recipient}/preimage")).fill_bytes(&mut out);
    out
}

/// The payment hash of `preimage`: its SHA256.
pub fn payment_hash(preimage: &[u8; 32]) -> sha256::Hash {
    sha256::Hash::hash(preimage)
}

impl HopKeys {
    /// The keys of `node` in channel `channel` (its name, `Alice-Bob`) of the scenario seeded
    /// `seed`.
    pub fn derive(seed: u64, channel: &str, node: &str) -> HopKeys {
        let chain = KeyChain::new(seed);
        let label = |role: &str| format!("network/{channel}/{node}/{role}");
        let mut commitment_seed = [0u8; 32];
        chain.labelled(&label("per-commitment-seed")).fill_bytes(&mut commitment_seed);
        HopKeys {
            funding: secret(&chain, &label("funding")),
            payment: secret(&chain, &label("payment-basepoint")),
            delayed_payment: secret(&chain, &label("delayed-payment-basepoint")),
            revocation: secret(&chain, &label("revocation-basepoint")),
            wallet: secret(&chain, &label("wallet")),
            commitment_seed,
        }
    }

    /// Its public keys.
    pub fn basepoints(&self) -> HopBasepoints {
        let public = |k: &SecretKey| PublicKey::from_secret_key(secp(), k);
        HopBasepoints {
            funding: public(&self.funding),
            payment: public(&self.payment),
            delayed_payment: public(&self.delayed_payment),
            revocation: public(&self.revocation),
            wallet: public(&self.wallet),
        }
    }

    /// The per-commitment secret of its commitment `number` (BOLT #3 `generate_from_seed`):
    /// handed over when that commitment is revoked.
    ///
    /// # Errors
    ///
    /// [`Bolt3Error::IndexOutOfRange`] for a number at or above 2^48.
    pub fn per_commitment_secret(&self, number: u64) -> Result<[u8; 32], Bolt3Error> {
        Ok(bolt3::generate_from_seed(self.commitment_seed, bolt3::secret_index(number)?))
    }

    /// The per-commitment point of its commitment `number`.
    ///
    /// # Errors
    ///
    /// As [`HopKeys::per_commitment_secret`].
    pub fn per_commitment_point(&self, number: u64) -> Result<PublicKey, Bolt3Error> {
        bolt3::per_commitment_point(secp(), &self.per_commitment_secret(number)?)
    }

    /// Its signature of a commitment's funding input (input 0), either party's version.
    ///
    /// # Errors
    ///
    /// [`Bolt3Error::InputIndex`] if `tx` has no input.
    pub fn sign_commitment(
        &self,
        tx: &Transaction,
        params: &bolt3::ChannelParams,
    ) -> Result<ecdsa::Signature, Bolt3Error> {
        Ok(bolt3::sign(secp(), &bolt3::commitment_sighash(tx, params)?, &self.funding))
    }

    /// Its signature of a second-stage transaction spending `output` of the commitment whose
    /// per-commitment point is `point`: with its HTLC key of that commitment.
    ///
    /// # Errors
    ///
    /// [`Bolt3Error::InputIndex`] if `tx` has no input, [`Bolt3Error::InvalidKey`] in the
    /// negligible case.
    pub fn sign_htlc_tx(
        &self,
        tx: &Transaction,
        output: &HtlcOutput,
        point: &PublicKey,
    ) -> Result<ecdsa::Signature, Bolt3Error> {
        let key = bolt3::derive_privkey(secp(), &self.payment, point)?;
        Ok(bolt3::sign(secp(), &htlc::htlc_tx_sighash(tx, output)?, &key))
    }

    /// Its signature of input `index` of `tx`, which spends its wallet coin (P2WPKH) worth
    /// `amount`.
    pub fn sign_wallet_input(
        &self,
        tx: &Transaction,
        index: usize,
        script_code: &Script,
        amount: bitcoin::Amount,
    ) -> ecdsa::Signature {
        let coin = crate::channel::builders::WalletCoin {
            outpoint: tx.input[index].previous_output,
            amount,
            script_pubkey: script_code.to_owned(),
        };
        let msg = crate::channel::builders::p2wpkh_sighash(tx, index, &coin);
        bolt3::sign(secp(), &msg, &self.wallet)
    }

    /// Its signature of input `index` of `tx`, which spends a `to_local`-script output worth
    /// `amount` (its own commitment's `to_local`, or the output of one of its HTLC transactions)
    /// after the delay: with its delayed-payment key of the commitment whose per-commitment
    /// point is `point` (BOLT #3 `local_delayedpubkey`).
    ///
    /// # Errors
    ///
    /// [`Bolt3Error::InputIndex`] if `tx` has no such input, [`Bolt3Error::InvalidKey`] in the
    /// negligible case.
    pub fn sign_delayed_input(
        &self,
        tx: &Transaction,
        index: usize,
        witness_script: &Script,
        amount: bitcoin::Amount,
        point: &PublicKey,
    ) -> Result<ecdsa::Signature, Bolt3Error> {
        let key = bolt3::derive_privkey(secp(), &self.delayed_payment, point)?;
        Ok(bolt3::sign(secp(), &bolt3::p2wsh_sighash(tx, index, witness_script, amount)?, &key))
    }

    /// Its signature of input `index` of `tx`, which spends an output of the other's revoked
    /// commitment (its `to_local` or an HTLC output) worth `amount`: with the revocation private
    /// key, which only it can compute, from its revocation basepoint secret and the revoked
    /// commitment's `per_commitment_secret` the other handed over.
    ///
    /// # Errors
    ///
    /// [`Bolt3Error::InputIndex`] if `tx` has no such input, [`Bolt3Error::InvalidKey`] if the
    /// secret is not a key.
    pub fn sign_revoked_input(
        &self,
        tx: &Transaction,
        index: usize,
        witness_script: &Script,
        amount: bitcoin::Amount,
        per_commitment_secret: &[u8; 32],
    ) -> Result<ecdsa::Signature, Bolt3Error> {
        let key = bolt3::derive_revocation_privkey(secp(), &self.revocation, per_commitment_secret)?;
        Ok(bolt3::sign(secp(), &bolt3::p2wsh_sighash(tx, index, witness_script, amount)?, &key))
    }
}
