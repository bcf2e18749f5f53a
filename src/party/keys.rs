//! Keys from the scenario seed, one named ChaCha stream per role.
//!
//! paychan must give the same transactions for the same scenario on every machine, so no key may
//! come from the operating system's randomness. Every secret is drawn instead from a ChaCha20
//! stream keyed by `SHA-256("paychan/keys/v1" ‖ seed ‖ role)`. Each [`Role`] has its own stream, so
//! adding a role later never shifts the keys of the others. Because anyone who reads a scenario
//! can repeat this derivation, these keys are public knowledge: that is why mainnet is refused.

use bitcoin::secp256k1::SecretKey;
use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;

/// What a derived secret is for; its label names the ChaCha stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// The payer's key in the 2-of-2 funding script.
    PayerFunding,
    /// The payee's key in the 2-of-2 funding script.
    PayeeFunding,
    /// The payer's wallet key: owns the coin the funding transaction spends, and its change.
    PayerWallet,
    /// Where commitments pay the payer's refund.
    PayerPayout,
    /// Where commitments pay the payee.
    PayeePayout,
    /// The txid of the synthetic prior transaction that created the payer's wallet coin.
    WalletCoin,
    /// The payer's `revocation_basepoint` secret (revocable design).
    PayerRevocationBase,
    /// The payer's `delayed_payment_basepoint` secret (revocable design).
    PayerDelayedBase,
    /// The seed of the payer's per-commitment secrets (BOLT #3 `generate_from_seed`).
    PayerCommitmentSeed,
    /// The payee's `revocation_basepoint` secret (revocable design).
    PayeeRevocationBase,
    /// The payee's `delayed_payment_basepoint` secret (revocable design).
    PayeeDelayedBase,
    /// The seed of the payee's per-commitment secrets.
    PayeeCommitmentSeed,
}

impl Role {
    /// The stream's label; never change a published one, or every key of that role changes.
    pub fn label(self) -> &'static str {
        match self {
            Role::PayerFunding => "payer/funding",
            Role::PayeeFunding => "payee/funding",
            Role::PayerWallet => "payer/wallet",
            Role::PayerPayout => "payer/payout",
            Role::PayeePayout => "payee/payout",
            Role::WalletCoin => "payer/wallet-coin-txid",
            Role::PayerRevocationBase => "payer/revocation-basepoint",
            Role::PayerDelayedBase => "payer/delayed-payment-basepoint",
            Role::PayerCommitmentSeed => "payer/per-commitment-seed",
            Role::PayeeRevocationBase => "payee/revocation-basepoint",
            Role::PayeeDelayedBase => "payee/delayed-payment-basepoint",
            Role::PayeeCommitmentSeed => "payee/per-commitment-seed",
        }
    }
}

/// Derives every secret of a scenario from its seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyChain {
    seed: u64,
}

impl KeyChain {
    /// A key chain for `seed`.
    pub fn new(seed: u64) -> KeyChain {
        KeyChain { seed }
    }

    /// The ChaCha20 stream of `role`.
    pub fn stream(&self, role: Role) -> ChaCha20Rng {
        self.labelled(role.label())
    }

    /// The ChaCha20 stream named `label`, keyed like a [`Role`]'s: for streams that are numbered
    /// rather than listed, such as `audience/viewer/42/watch` (see [`crate::scenario::audience`]). A label
    /// must never equal a [`Role::label`].
    pub fn labelled(&self, label: &str) -> ChaCha20Rng {
        crate::seed::stream(self.seed, label)
    }

    /// The first 32 bytes of `role`'s stream.
    pub fn bytes32(&self, role: Role) -> [u8; 32] {
        let mut out = [0u8; 32];
        self.stream(role).fill_bytes(&mut out);
        out
    }

    /// The secret key of `role`: the first 32-byte draw of its stream that is a valid scalar.
    pub fn secret_key(&self, role: Role) -> SecretKey {
        let mut rng = self.stream(role);
        loop {
            let mut bytes = [0u8; 32];
            rng.fill_bytes(&mut bytes);
            // Fails only for zero or a value at or above the curve order: about 2^-128.
            if let Ok(key) = SecretKey::from_slice(&bytes) {
                return key;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_get_distinct_reproducible_keys() {
        let chain = KeyChain::new(14);
        let roles = [Role::PayerFunding, Role::PayeeFunding, Role::PayerWallet, Role::PayerPayout, Role::PayeePayout];
        let keys: Vec<_> = roles.iter().map(|r| chain.secret_key(*r)).collect();
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(keys[0], KeyChain::new(14).secret_key(Role::PayerFunding));
        assert_ne!(keys[0], KeyChain::new(15).secret_key(Role::PayerFunding));
    }

    #[test]
    fn derivation_is_pinned() {
        // A regression pin, recorded from the first implementation: if it changes, every key and
        // every published output changes with it.
        let k = KeyChain::new(0).bytes32(Role::WalletCoin);
        let hex: String = k.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "472dc1ffef628580a7559734bce82aa1ccd4ea7d5dcb75510b7b79910fb35579");
    }
}
