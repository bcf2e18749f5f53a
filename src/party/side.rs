//! The seam on the parties' side: what a design's protocol asks of the payer and of the payee
//! beyond "propose, countersign".
//!
//! [`crate::channel::Design`] is the design's pure half (scripts, transactions, words). A design's
//! parties' half holds what each party keeps beyond its funding key and decides what it builds,
//! checks, signs and keeps at each step: a [`PayerSide`] and a [`PayeeSide`], registered with the
//! design in [`super::DESIGNS`]. [`super::Payer`] and [`super::Payee`] keep what every design
//! shares (the funding signer, the channel's parameters, the count) and ask their side for the
//! rest; no shared code names a design. The designs with one shared transaction per state share
//! one implementation ([`super::cosigned`]); the revocable design, whose parties each hold their
//! own version of every state, has its own ([`super::revocable`]).

use std::fmt;

use bitcoin::secp256k1::{Message, PublicKey};
use bitcoin::Transaction;

use super::{Countersignature, PayeeKeys, Proposal, ProtocolError, SignedCommitment, Signer};
use crate::channel::builders::FundingSighash;
use crate::channel::part::Extra;
use crate::channel::{ChannelParams, Split, Who};

/// What every design's party has: its funding key's signer and the channel's public parameters,
/// with the BIP-0143 part every commitment shares.
#[derive(Debug, Clone)]
pub struct Funding {
    /// The party's funding key.
    pub signer: Signer,
    /// The channel.
    pub params: ChannelParams,
    /// The BIP-0143 part every commitment of the channel shares ([`FundingSighash`]).
    pub sighash: FundingSighash,
}

/// An ECDSA signature as a message's part ([`Extra`]): what the designs that sign the funding
/// input with ECDSA put in a proposal or a countersignature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EcdsaSig(pub bitcoin::secp256k1::ecdsa::Signature);

impl EcdsaSig {
    /// The ECDSA signature in `extra`, if it carries one.
    pub fn of(extra: &Extra) -> Option<bitcoin::secp256k1::ecdsa::Signature> {
        extra.get::<EcdsaSig>().map(|s| s.0)
    }
}

/// What a logged copy of a state is, for `commitments.csv`: who signed it and who holds it (the
/// log's words "payer", "payee", "both"), and in a design with per-commitment
/// points the holder's point of that state and the secret of its previous state the holder
/// handed over in the step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldCopy {
    /// Whose signatures its witness carries: "both" when complete.
    pub signed_by: &'static str,
    /// Who holds it as it is logged: "both" for one shared transaction.
    pub held_by: &'static str,
    /// The holder's per-commitment point of the state, if the design has them.
    pub point: Option<PublicKey>,
    /// The holder's per-commitment secret of its previous state, revealed in this step.
    pub revealed_secret: Option<[u8; 32]>,
}

/// The copies of one signed state a design logs: the logged transaction's, and the other
/// party's own version where the parties hold different ones (its transaction and copy).
#[derive(Debug, Clone, Copy)]
pub struct Copies<'a> {
    /// What the logged transaction ([`SignedCommitment::tx`]) is.
    pub logged: HeldCopy,
    /// The other version of the state, as its holder keeps it.
    pub other: Option<(&'a Transaction, HeldCopy)>,
}

/// A proposal the payer made and keeps until the payee's answer.
#[derive(Debug, Clone)]
pub struct Pending {
    /// The proposal as sent.
    pub proposal: Proposal,
    /// The state it proposes.
    pub split: Split,
    /// The digest the payer signed.
    pub msg: Message,
    /// Whether it is the cooperative close.
    pub settlement: bool,
}

/// What a party does when it sees a transaction confirm: says something, broadcasts an answer,
/// or both.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Answer {
    /// What the narration says of it, in the party's words, in every language.
    pub note: Option<crate::words::Told>,
    /// The transaction it broadcasts.
    pub reply: Option<Reply>,
}

/// A transaction a party broadcasts in answer to one it saw confirm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The signed transaction.
    pub tx: Transaction,
    /// The word `chain.csv` uses ("penalty", "sweep").
    pub word: &'static str,
    /// In words for people, English and Chinese, `{seq}` for the state's number: "the penalty
    /// against commitment #{seq}".
    pub what: (&'static str, &'static str),
    /// The state it answers.
    pub seq: u64,
}

/// The payer's half of a design's protocol.
pub trait PayerSide: fmt::Debug + Send + Sync {
    /// A copy, for a payer cloned onto another core.
    fn clone_box(&self) -> Box<dyn PayerSide>;

    /// The side itself, for the design's own modules and tests to look inside; shared code never
    /// downcasts it.
    fn as_any(&self) -> &dyn std::any::Any;

    /// Adds to `params`, at opening, what the design's channel needs of both parties' public
    /// keys (`refund`: the payer's payout key). Nothing by default.
    fn open(&mut self, _params: &mut ChannelParams, _payee: &PayeeKeys, _refund: PublicKey) {}

    /// What the payee announced ([`PayeeSide::announce`]) before the payer proposes state `seq`.
    fn hear(&mut self, _seq: u64, _note: Extra) {}

    /// The payer's proposal of state `seq` (the settlement with `settlement`) dividing the
    /// channel as `split`, signed as the design signs, and the digest she signed.
    fn offer(&mut self, funding: &Funding, seq: u64, split: &Split, settlement: bool) -> (Proposal, Message);

    /// Checks the payee's `reply` to `pending` and completes the state as the payer logs it.
    ///
    /// # Errors
    ///
    /// [`ProtocolError`] when a signature or a revocation is missing or bad.
    fn accept(
        &mut self,
        funding: &Funding,
        pending: Pending,
        reply: Countersignature,
    ) -> Result<SignedCommitment, ProtocolError>;

    /// Stores what the payee revealed in `c`'s exchange, in order (the engine's sequential path).
    ///
    /// # Errors
    ///
    /// [`ProtocolError::BadRevocation`] when it does not revoke what it must.
    fn receive(&mut self, _c: &SignedCommitment) -> Result<(), ProtocolError> {
        Ok(())
    }

    /// The payer's own complete transaction of state `c`, to broadcast: by default `c`'s.
    ///
    /// # Errors
    ///
    /// [`ProtocolError`] when what she holds is not what she computes.
    fn complete_own(&self, _funding: &Funding, c: &SignedCommitment) -> Result<Transaction, ProtocolError> {
        Ok(c.tx.clone())
    }

    /// What the payer keeps of the countersigned refund (state 0).
    ///
    /// # Errors
    ///
    /// As [`PayerSide::receive`].
    fn keep_refund(&mut self, refund: SignedCommitment) -> Result<Transaction, ProtocolError> {
        Ok(refund.tx)
    }

    /// The payer's complete refund from what she `kept` ([`PayerSide::keep_refund`]), or one
    /// she signs alone; `None` in a design without one.
    fn refund(&self, funding: &Funding, kept: Option<&Transaction>) -> Option<Transaction>;

    /// The payer's answer, as `name`, to `tx`, a state `owner` broadcast that confirmed, when
    /// the latest state is `latest` (the penalty, the delayed sweep); none by default.
    fn answer(&self, _params: &ChannelParams, _tx: &Transaction, _owner: Who, _latest: u64, _name: &str) -> Answer {
        Answer::default()
    }
}

impl Clone for Box<dyn PayerSide> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// The payee's half of a design's protocol.
pub trait PayeeSide: fmt::Debug + Send + Sync {
    /// A copy, for a payee cloned onto another core.
    fn clone_box(&self) -> Box<dyn PayeeSide>;

    /// The side itself, for the design's own modules and tests to look inside; shared code never
    /// downcasts it.
    fn as_any(&self) -> &dyn std::any::Any;

    /// Adds to the payee's answer to an offer to open what the design needs of it (`payout`:
    /// its payout key). Nothing by default.
    fn tell_keys(&self, _keys: &mut PayeeKeys, _payout: PublicKey) {}

    /// Whether `params` carry what the payee agreed to beyond the funding script (its
    /// basepoints, say), with `payout` its payout key: it joins only then.
    /// By default a channel with no public parameters of a design's own.
    fn agrees(&self, params: &ChannelParams, _payout: PublicKey) -> bool {
        params.extra.is_none()
    }

    /// What the payee tells the payer before she proposes state `seq` (its per-commitment point
    /// of its version, say); `None` in a design without such a message.
    fn announce(&mut self, _seq: u64) -> Option<Extra> {
        None
    }

    /// Reviews `proposal` of state `seq`, owed `owed` in total and divided as `split`: checks it
    /// is the transaction the payee computes and the payer's signature, then answers.
    ///
    /// # Errors
    ///
    /// [`ProtocolError`] when the proposal is not what the payee computes or a signature is bad.
    fn review(
        &mut self,
        funding: &Funding,
        proposal: &Proposal,
        split: &Split,
        owed: bitcoin::Amount,
        settlement: bool,
    ) -> Result<Countersignature, ProtocolError>;

    /// Stores what the payer revealed in `c`'s exchange (see [`PayerSide::receive`]).
    ///
    /// # Errors
    ///
    /// As [`PayerSide::receive`].
    fn receive(&mut self, _c: &SignedCommitment) -> Result<(), ProtocolError> {
        Ok(())
    }

    /// The payee's complete transaction of state `c`, to broadcast.
    ///
    /// # Errors
    ///
    /// [`ProtocolError`] when what it holds is not what it computes or a signature is bad.
    fn complete(&self, funding: &Funding, c: &SignedCommitment) -> Result<Transaction, ProtocolError>;

    /// The payee's answer to `tx` (see [`PayerSide::answer`]).
    fn answer(&self, _params: &ChannelParams, _tx: &Transaction, _owner: Who, _latest: u64, _name: &str) -> Answer {
        Answer::default()
    }
}

impl Clone for Box<dyn PayeeSide> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}
