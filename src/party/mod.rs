//! The payer and the payee: two actors, each with its own key and its own view of the channel.
//!
//! The book's point is that Emma's software and Fabian's server do not trust each other's
//! arithmetic: Emma signs a commitment, Fabian checks it pays him what he is owed before adding
//! his signature, and Emma checks his signature before she relies on the transaction. So each
//! actor here holds one [`Signer`] (one secret key, as LDK's `InMemorySigner` does), tracks the
//! channel state itself, and talks to the other only through messages ([`Proposal`],
//! [`Countersignature`]). Before signing anything, an actor rebuilds the transaction from its own
//! state with the pure builders of [`crate::channel`]; a proposal that differs by one byte is refused.

pub mod keys;

use bitcoin::secp256k1::ecdsa::Signature;
use bitcoin::secp256k1::{All, Message, PublicKey, Secp256k1, SecretKey};
use bitcoin::{Amount, Transaction};

use crate::channel::{ChannelParams, Exhausted, Split};

/// Holds one secret key and signs digests with it (RFC 6979 nonces, low-S, as libsecp256k1 does).
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

    /// Signs `msg` with the secret key.
    pub fn sign(&self, msg: &Message) -> Signature {
        self.secp.sign_ecdsa(msg, &self.secret)
    }

    /// Whether `sig` is `key`'s valid signature of `msg`.
    pub fn verify(&self, msg: &Message, sig: &Signature, key: &PublicKey) -> bool {
        self.secp.verify_ecdsa(msg, sig, key).is_ok()
    }
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").field("public", &self.public).finish_non_exhaustive()
    }
}

/// The payer's signed offer of the next channel state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// Commitment number, from 1; the settlement repeats the last number.
    pub seq: u64,
    /// The unsigned commitment transaction.
    pub tx: Transaction,
    /// The payer's signature of its BIP-0143 sighash.
    pub payer_sig: Signature,
}

/// The payee's signature, sent back with the next second of video.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Countersignature {
    /// The commitment number it answers.
    pub seq: u64,
    /// The payee's signature of the same sighash.
    pub payee_sig: Signature,
}

/// A commitment both parties have signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCommitment {
    /// Commitment number.
    pub seq: u64,
    /// The division of the funding amount.
    pub split: Split,
    /// The transaction with its complete witness.
    pub tx: Transaction,
}

/// A message one party refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// The message is for another commitment number.
    #[error("commitment #{got} arrived where #{expected} was expected")]
    OutOfOrder {
        /// The number the receiver expected.
        expected: u64,
        /// The number in the message.
        got: u64,
    },
    /// The proposed transaction is not the one the payee computes for what it is owed.
    #[error("commitment #{seq} is not the transaction the payee computes for {} sat owed: {detail}", owed.to_sat())]
    Mismatch {
        /// Commitment number.
        seq: u64,
        /// What the payee is owed in total.
        owed: Amount,
        /// What differs.
        detail: String,
    },
    /// The payee is owed more than the channel can pay.
    #[error("commitment #{seq}: {source}")]
    Exhausted {
        /// Commitment number.
        seq: u64,
        /// Why.
        source: Exhausted,
    },
    /// A signature does not verify against the signer's 2-of-2 key.
    #[error("commitment #{seq}: the {who}'s signature does not verify")]
    BadSignature {
        /// Commitment number.
        seq: u64,
        /// "payer" or "payee".
        who: &'static str,
    },
    /// A countersignature arrived with no proposal outstanding.
    #[error("countersignature #{0} arrived with no proposal outstanding")]
    Unexpected(u64),
}

/// The payer (Emma): proposes each commitment and signs first.
#[derive(Debug, Clone)]
pub struct Payer {
    signer: Signer,
    params: ChannelParams,
    paid: Amount,
    seq: u64,
    pending: Option<(Proposal, Split, Message)>,
}

impl Payer {
    /// A payer holding the 2-of-2 key `signer` for the channel `params`.
    pub fn new(signer: Signer, params: ChannelParams) -> Payer {
        Payer { signer, params, paid: Amount::ZERO, seq: 0, pending: None }
    }

    /// Total paid so far, as the payer counts it.
    pub fn paid(&self) -> Amount {
        self.paid
    }

    /// Puts this payer at the state after commitment `seq`, having paid `paid` in total: how a
    /// copy of the payer signs a later commitment on another core while the engine keeps count.
    pub fn resume(&mut self, seq: u64, paid: Amount) {
        self.seq = seq;
        self.paid = paid;
        self.pending = None;
    }

    /// Proposes the next commitment, paying `price` more than the last.
    ///
    /// # Errors
    ///
    /// [`Exhausted`] when the channel cannot pay the new total: the stream must stop.
    pub fn propose(&mut self, price: Amount) -> Result<Proposal, Exhausted> {
        let paid = self.paid.checked_add(price).unwrap_or(Amount::MAX);
        self.offer(self.seq + 1, paid)
    }

    /// Proposes the current state again as the settlement (Emma pressed stop).
    ///
    /// With RFC 6979 nonces this reproduces the last commitment byte for byte; with no commitment
    /// yet, it is the refund of the whole capacity to the payer.
    ///
    /// # Errors
    ///
    /// [`Exhausted`] only if the capacity cannot even refund the payer (rejected by validation).
    pub fn propose_settlement(&mut self) -> Result<Proposal, Exhausted> {
        self.offer(self.seq, self.paid)
    }

    fn offer(&mut self, seq: u64, paid: Amount) -> Result<Proposal, Exhausted> {
        let split = self.params.split(paid)?;
        let tx = self.params.commitment_tx(&split);
        let msg = self.params.commitment_sighash(&tx);
        let proposal = Proposal { seq, tx, payer_sig: self.signer.sign(&msg) };
        self.pending = Some((proposal.clone(), split, msg));
        Ok(proposal)
    }

    /// Checks the payee's countersignature and completes the commitment.
    ///
    /// # Errors
    ///
    /// [`ProtocolError`] when nothing is pending, the number differs or the signature is bad;
    /// the pending proposal is then dropped and the state does not advance.
    pub fn accept(&mut self, reply: Countersignature) -> Result<SignedCommitment, ProtocolError> {
        let (proposal, split, msg) = self.pending.take().ok_or(ProtocolError::Unexpected(reply.seq))?;
        if reply.seq != proposal.seq {
            return Err(ProtocolError::OutOfOrder { expected: proposal.seq, got: reply.seq });
        }
        if !self.signer.verify(&msg, &reply.payee_sig, &self.params.payee_funding_key) {
            return Err(ProtocolError::BadSignature { seq: proposal.seq, who: "payee" });
        }
        let tx = self.params.with_signatures(proposal.tx, &proposal.payer_sig, &reply.payee_sig);
        self.paid = split.paid;
        self.seq = proposal.seq;
        Ok(SignedCommitment { seq: proposal.seq, split, tx })
    }
}

/// The payee (Fabian): checks each proposal against what it is owed, then countersigns.
#[derive(Debug, Clone)]
pub struct Payee {
    signer: Signer,
    params: ChannelParams,
    owed: Amount,
    seq: u64,
}

impl Payee {
    /// A payee holding the 2-of-2 key `signer` for the channel `params`.
    pub fn new(signer: Signer, params: ChannelParams) -> Payee {
        Payee { signer, params, owed: Amount::ZERO, seq: 0 }
    }

    /// Puts this payee at the state after commitment `seq`, owed `owed` in total by its own count
    /// of the video it streamed (see [`Payer::resume`]).
    pub fn resume(&mut self, seq: u64, owed: Amount) {
        self.seq = seq;
        self.owed = owed;
    }

    /// Reviews `proposal` for the video it has just streamed, worth `streamed`, and countersigns.
    ///
    /// # Errors
    ///
    /// [`ProtocolError`] when the proposal is out of order, is not the transaction the payee
    /// computes for its own count of what it is owed, or carries a bad payer signature. Nothing
    /// is signed then, and the payee's count does not advance.
    pub fn review(&mut self, proposal: &Proposal, streamed: Amount) -> Result<Countersignature, ProtocolError> {
        self.check(proposal, self.seq + 1, self.owed.checked_add(streamed).unwrap_or(Amount::MAX))
    }

    /// Reviews the settlement: the current state again, nothing more owed.
    ///
    /// # Errors
    ///
    /// As [`Payee::review`].
    pub fn review_settlement(&mut self, proposal: &Proposal) -> Result<Countersignature, ProtocolError> {
        self.check(proposal, self.seq, self.owed)
    }

    fn check(&mut self, proposal: &Proposal, seq: u64, owed: Amount) -> Result<Countersignature, ProtocolError> {
        if proposal.seq != seq {
            return Err(ProtocolError::OutOfOrder { expected: seq, got: proposal.seq });
        }
        let split = self.params.split(owed).map_err(|source| ProtocolError::Exhausted { seq, source })?;
        let expected = self.params.commitment_tx(&split);
        if proposal.tx != expected {
            return Err(ProtocolError::Mismatch {
                seq,
                owed,
                detail: describe_difference(&self.params, &expected, &proposal.tx),
            });
        }
        let msg = self.params.commitment_sighash(&expected);
        if !self.signer.verify(&msg, &proposal.payer_sig, &self.params.payer_funding_key) {
            return Err(ProtocolError::BadSignature { seq, who: "payer" });
        }
        let payee_sig = self.signer.sign(&msg);
        self.owed = owed;
        self.seq = seq;
        Ok(Countersignature { seq, payee_sig })
    }
}

/// A short account of how `got` differs from `expected`, for error messages.
fn describe_difference(params: &ChannelParams, expected: &Transaction, got: &Transaction) -> String {
    if expected.input != got.input {
        return "it spends another input".to_string();
    }
    if expected.output.len() != got.output.len() {
        return format!("it has {} outputs, expected {}", got.output.len(), expected.output.len());
    }
    let owner = |script: &bitcoin::ScriptBuf| if *script == params.payee_payout { "the payee" } else { "the payer" };
    // The payee's own output first: that is the difference it cares about.
    let mut pairs: Vec<_> = expected.output.iter().zip(&got.output).enumerate().collect();
    pairs.sort_by_key(|(_, (e, _))| e.script_pubkey != params.payee_payout);
    for (i, (e, g)) in pairs {
        if e.script_pubkey != g.script_pubkey {
            return format!("output {i} pays another script than {}'s", owner(&e.script_pubkey));
        }
        if e.value != g.value {
            return format!(
                "output {i} pays {} {} sat, expected {} sat",
                owner(&e.script_pubkey),
                g.value.to_sat(),
                e.value.to_sat()
            );
        }
    }
    "its version or lock time differs".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::{funding_witness_script, p2wpkh};
    use bitcoin::{FeeRate, OutPoint};
    use std::str::FromStr;

    fn pair() -> (Payer, Payee) {
        let a = Signer::new(SecretKey::from_slice(&[7; 32]).unwrap());
        let b = Signer::new(SecretKey::from_slice(&[8; 32]).unwrap());
        let params = ChannelParams {
            funding_outpoint: OutPoint::from_str("0000000000000000000000000000000000000000000000000000000000000002:0")
                .unwrap(),
            funding_amount: Amount::from_sat(3_600_000),
            payer_funding_key: a.public_key(),
            payee_funding_key: b.public_key(),
            witness_script: funding_witness_script(&a.public_key(), &b.public_key()),
            payer_payout: p2wpkh(&a.public_key()),
            payee_payout: p2wpkh(&b.public_key()),
            fee_rate: FeeRate::from_sat_per_kwu(250),
        };
        (Payer::new(a, params.clone()), Payee::new(b, params))
    }

    #[test]
    fn an_honest_round_completes_and_the_settlement_repeats_it() {
        let (mut payer, mut payee) = pair();
        let second = Amount::from_sat(1_000);
        let p = payer.propose(second).unwrap();
        let c = payee.review(&p, second).unwrap();
        let signed = payer.accept(c).unwrap();
        assert_eq!(signed.seq, 1);
        assert_eq!(signed.split.payee, second);
        let s = payer.propose_settlement().unwrap();
        let c = payee.review_settlement(&s).unwrap();
        assert_eq!(payer.accept(c).unwrap().tx, signed.tx);
    }

    #[test]
    fn payee_refuses_to_be_underpaid() {
        let (mut payer, mut payee) = pair();
        let p = payer.propose(Amount::from_sat(900)).unwrap();
        let e = payee.review(&p, Amount::from_sat(1_000)).unwrap_err();
        assert!(matches!(e, ProtocolError::Mismatch { .. }), "{e}");
        assert!(e.to_string().contains("output 1 pays the payee 900 sat, expected 1000 sat"), "{e}");
    }

    #[test]
    fn payee_refuses_a_bad_signature_and_payer_a_bad_countersignature() {
        let (mut payer, mut payee) = pair();
        let mut p = payer.propose(Amount::from_sat(1_000)).unwrap();
        let good = p.payer_sig;
        p.payer_sig = payer.signer.sign(&Message::from_digest([1; 32]));
        assert!(matches!(
            payee.review(&p, Amount::from_sat(1_000)),
            Err(ProtocolError::BadSignature { who: "payer", .. })
        ));
        p.payer_sig = good;
        let mut c = payee.review(&p, Amount::from_sat(1_000)).unwrap();
        c.payee_sig = good;
        assert!(matches!(payer.accept(c), Err(ProtocolError::BadSignature { who: "payee", .. })));
        assert_eq!(payer.paid(), Amount::ZERO);
    }

    #[test]
    fn out_of_order_proposals_are_refused() {
        let (mut payer, mut payee) = pair();
        let mut p = payer.propose(Amount::from_sat(1_000)).unwrap();
        p.seq = 2;
        assert!(matches!(
            payee.review(&p, Amount::from_sat(1_000)),
            Err(ProtocolError::OutOfOrder { expected: 1, got: 2 })
        ));
    }
}
