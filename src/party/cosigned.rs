//! The parties' half of the designs with one shared transaction per state (naive, timelocked,
//! Spilman): the payer proposes the state and signs it; the payee rebuilds it, checks her
//! signature and adds its own, or, where the design has the payer sign alone
//! ([`crate::channel::Design::payee_signs`]), keeps the half-signed state and completes it when
//! it broadcasts. The refund is countersigned before the funding is broadcast, or signed by the
//! payer alone on a branch of the funding script, as the design says.

use bitcoin::secp256k1::Message;
use bitcoin::{Amount, Transaction, Witness};

use super::side::{EcdsaSig, Funding, PayeeSide, PayerSide, Pending};
use super::{describe_difference, keys::KeyChain, Countersignature, Proposal, ProtocolError, SignedCommitment};
use crate::channel::part::Extra;
use crate::channel::{self, Split};

/// The payer's side: nothing beyond her funding key.
#[derive(Debug, Clone, Copy)]
pub struct OneVersionPayer;

/// The payee's side: the transaction it rebuilds each proposal into, kept so that every rebuild
/// reuses its vectors and scripts.
#[derive(Debug, Clone)]
pub struct OneVersionPayee {
    rebuilt: Transaction,
}

/// What the log records of a state: one transaction, complete and held by both, or the payer's
/// half the payee holds (a design whose payer signs alone).
pub fn copies(design: &dyn crate::channel::Design, c: &SignedCommitment) -> super::Copies<'static> {
    let half = design.logged_half_signed(Some(c.seq));
    let logged = super::HeldCopy {
        signed_by: if half { "payer" } else { "both" },
        held_by: if half { "payee" } else { "both" },
        point: None,
        revealed_secret: None,
    };
    super::Copies { logged, other: None }
}

/// The payer's side of a design registered with it ([`super::DESIGNS`]).
pub fn payer(_: &KeyChain) -> Box<dyn PayerSide> {
    Box::new(OneVersionPayer)
}

/// The payee's side of a design registered with it.
pub fn payee(_: &KeyChain) -> Box<dyn PayeeSide> {
    Box::new(OneVersionPayee {
        rebuilt: Transaction {
            version: bitcoin::transaction::Version::TWO,
            lock_time: bitcoin::absolute::LockTime::ZERO,
            input: vec![],
            output: vec![],
        },
    })
}

impl PayerSide for OneVersionPayer {
    fn clone_box(&self) -> Box<dyn PayerSide> {
        Box::new(*self)
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn offer(&mut self, f: &Funding, seq: u64, split: &Split, settlement: bool) -> (Proposal, Message) {
        let p = &f.params;
        let tx = if settlement { p.settlement_tx(seq, split) } else { p.commitment_tx(seq, split) };
        let (sig, msg) = f.signer.sign_funding_input(&tx, &f.sighash);
        (Proposal { seq, tx, extra: Extra::of(EcdsaSig(sig)) }, msg)
    }

    fn accept(
        &mut self,
        f: &Funding,
        pending: Pending,
        reply: Countersignature,
    ) -> Result<SignedCommitment, ProtocolError> {
        let Pending { proposal, split, msg, settlement } = pending;
        let p = &f.params;
        let seq = proposal.seq;
        let payer_sig = EcdsaSig::of(&proposal.extra).ok_or(ProtocolError::Missing { seq, who: "payer" })?;
        let tx = if p.design.payee_signs(seq, settlement) {
            let payee_sig = EcdsaSig::of(&reply.extra).ok_or(ProtocolError::Missing { seq, who: "payee" })?;
            if !f.signer.verify(&msg, &payee_sig, &p.payee_funding_key) {
                return Err(ProtocolError::BadSignature { seq, who: "payee" });
            }
            p.with_signatures(proposal.tx, &payer_sig, &payee_sig)
        } else {
            let mut tx = proposal.tx;
            let sig = bitcoin::ecdsa::Signature::sighash_all(payer_sig);
            tx.input[0].witness = p.ecdsa().half_signed_witness(p, &sig);
            tx
        };
        Ok(SignedCommitment {
            seq,
            split,
            txid: channel::txid(&tx),
            vsize: channel::vsize(&tx),
            tx,
            extra: Extra::NONE,
        })
    }

    fn refund(&self, f: &Funding, kept: Option<&Transaction>) -> Option<Transaction> {
        let p = &f.params;
        if p.design.refund_countersigned() {
            return kept.cloned();
        }
        if !p.design.refund_signed_alone() {
            return None;
        }
        let mut tx = p.refund_tx().ok()?;
        let (sig, _) = f.signer.sign_p2wsh_input(&tx, 0, &p.witness_script, p.funding_amount);
        tx.input[0].witness = p.ecdsa().refund_witness(p, &bitcoin::ecdsa::Signature::sighash_all(sig));
        Some(tx)
    }
}

impl PayeeSide for OneVersionPayee {
    fn clone_box(&self) -> Box<dyn PayeeSide> {
        Box::new(self.clone())
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn review(
        &mut self,
        f: &Funding,
        proposal: &Proposal,
        split: &Split,
        owed: Amount,
        settlement: bool,
    ) -> Result<Countersignature, ProtocolError> {
        let p = &f.params;
        let seq = proposal.seq;
        let expected = &mut self.rebuilt;
        if settlement {
            *expected = p.settlement_tx(seq, split);
        } else {
            p.commitment_tx_into(seq, split, expected);
        }
        let expected = &*expected;
        if proposal.tx != *expected {
            return Err(ProtocolError::Mismatch { seq, owed, detail: describe_difference(p, expected, &proposal.tx) });
        }
        let payer_sig = EcdsaSig::of(&proposal.extra).ok_or(ProtocolError::Missing { seq, who: "payer" })?;
        // In a design where the payer signs alone, the payee checks her signature and keeps the
        // half-signed state; the refund (state 0) it always countersigns.
        if !p.design.payee_signs(seq, settlement) {
            let msg = p.funding_sighash(expected);
            if !f.signer.verify(&msg, &payer_sig, &p.payer_funding_key) {
                return Err(ProtocolError::BadSignature { seq, who: "payer" });
            }
            return Ok(Countersignature { seq, extra: Extra::NONE });
        }
        // The payee signs the transaction it built itself, and only once the payer's signature of
        // the same digest verifies.
        let payee_sig = f.signer.sign_funding_input_if(expected, &f.sighash, |signer, msg| {
            if signer.verify(msg, &payer_sig, &p.payer_funding_key) {
                Ok(())
            } else {
                Err(ProtocolError::BadSignature { seq, who: "payer" })
            }
        })?;
        Ok(Countersignature { seq, extra: Extra::of(EcdsaSig(payee_sig)) })
    }

    /// A half-signed state is rebuilt for its split, the payer's signature over it checked, then
    /// signed; a fully signed state is returned as it is.
    fn complete(&self, f: &Funding, state: &SignedCommitment) -> Result<Transaction, ProtocolError> {
        let p = &f.params;
        let seq = state.seq;
        if p.design.payee_signs(seq, false) {
            return Ok(state.tx.clone());
        }
        let expected = p.commitment_tx(seq, &state.split);
        let mut bare = state.tx.clone();
        bare.input.iter_mut().for_each(|i| i.witness = Witness::new());
        if bare != expected {
            return Err(ProtocolError::Mismatch {
                seq,
                owed: state.split.paid,
                detail: describe_difference(p, &expected, &bare),
            });
        }
        super::complete_half_signed(f, expected, &state.tx.input[0].witness, seq)
    }
}
