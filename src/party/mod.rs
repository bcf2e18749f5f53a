//! The payer and the payee: two actors, each with its own key and its own view of the channel.
//!
//! The book's point is that Emma's software and Fabian's server do not trust each other's
//! arithmetic: Emma signs a commitment, Fabian checks it pays him what he is owed before adding
//! his signature, and Emma checks his signature before she relies on the transaction. So each
//! actor here holds one [`Signer`] (one secret key, as LDK's `InMemorySigner` does), tracks the
//! channel state itself, and talks to the other only through messages ([`Proposal`],
//! [`Countersignature`]). Before signing anything, an actor rebuilds the transaction from its own
//! state with the pure builders of [`crate::channel`]; a proposal that differs by one byte is refused.

pub mod cosigned;
pub mod keys;
pub mod psbt;
pub mod revocable;
pub mod routed;
pub mod side;
mod signer;
pub mod taproot;

use bitcoin::hashes::Hash as _;
use bitcoin::secp256k1::PublicKey;
use bitcoin::transaction::Version;
use bitcoin::{Amount, OutPoint, ScriptBuf, Transaction, Txid, Witness};

use crate::channel::builders::FundingSighash;
pub use crate::channel::part::Extra;
use crate::channel::Who;
use crate::channel::{
    self, Channel, ChannelParams, Design, DesignRef, Exhausted, FundingError, Settings, Split, WalletCoin,
};
use keys::{KeyChain, Role};
pub use revocable::{Revealed, Revocation};
pub use side::{Answer, Copies, EcdsaSig, Funding, HeldCopy, PayeeSide, PayerSide, Pending, Reply};
pub use signer::Signer;

/// The payer's signed offer of the next channel state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// Commitment number, from 1; the settlement repeats the last number.
    pub seq: u64,
    /// The unsigned commitment transaction.
    pub tx: Transaction,
    /// The payer's part, of the design's own types: her signature (ECDSA over the BIP-0143
    /// sighash in today's designs, [`EcdsaSig`]) and what the protocol adds (in the revocable
    /// design her per-commitment point of her own version).
    pub extra: Extra,
}

/// The payee's answer, sent back with the next second of video: its signature, or, where the
/// design has the payer sign alone ([`crate::channel::Design::payee_signs`]), none (the payee
/// has checked the payer's and keeps the half-signed state).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Countersignature {
    /// The commitment number it answers.
    pub seq: u64,
    /// The payee's part, of the design's own types: its signature when the design asks for it
    /// (in the revocable design of the payer's version, with his revocation of his previous
    /// version); empty when the payer signs alone.
    pub extra: Extra,
}

/// A commitment both parties have signed, or, where the design has the payer sign alone, the
/// payer has signed and the payee has checked (its witness then is the design's half-signed one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCommitment {
    /// Commitment number.
    pub seq: u64,
    /// The division of the funding amount.
    pub split: Split,
    /// The transaction with its complete witness; in the revocable design, the payee's version
    /// as he holds it (signed by the payer, his slot empty until he broadcasts it).
    pub tx: Transaction,
    /// Its txid, computed once by the payer that completed it (on the signing thread), for
    /// everything that records it.
    pub txid: Txid,
    /// Its virtual size, computed once with the txid, for everything that records it.
    pub vsize: u64,
    /// What the design keeps of the state beyond the logged transaction, which the parties
    /// store in order ([`Payer::receive`], [`Payee::receive`]) when it is not empty: in the
    /// revocable design the payer's version as she holds it and the points and revocation
    /// secrets the exchange revealed ([`revocable::Versions`]); nothing in the others.
    pub extra: Extra,
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
    /// A revocation that does not revoke the previous version (revocable design).
    #[error("commitment #{seq}: the revocation of the previous version is refused: {detail}")]
    BadRevocation {
        /// Commitment number.
        seq: u64,
        /// Why.
        detail: String,
    },
    /// A signature the design needs is missing from a message.
    #[error("commitment #{seq}: the {who}'s signature is missing")]
    Missing {
        /// Commitment number.
        seq: u64,
        /// "payer" or "payee".
        who: &'static str,
    },
}

/// What the payer proposes to open: the design, the capacity, the fee rate and the wallet coin's
/// value (all public, from the scenario).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    /// How the channel is built.
    pub design: DesignRef,
    /// The funding output's value.
    pub capacity: Amount,
    /// The payer's wallet coin that funds it.
    pub wallet: Amount,
    /// The fee rate of the funding transaction and of every commitment.
    pub fee_rate: bitcoin::FeeRate,
}

/// The payee's public answer to an offer to open: its funding key and where it wants its money.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayeeKeys {
    /// The payee's key in the funding script.
    pub funding_key: PublicKey,
    /// The script the payee's payments go to.
    pub payout: ScriptBuf,
    /// What the design asks of the payee beyond these (the revocable design: its basepoints,
    /// whose payment basepoint is the key of `payout`); nothing otherwise.
    pub extra: Extra,
}

/// A registered design: the name scenarios and summaries use, its pure half ([`Design`]) and its
/// parties' halves ([`PayerSide`], [`PayeeSide`]).
#[derive(Clone, Copy)]
pub struct Registration {
    /// The name, e.g. "naive".
    pub name: &'static str,
    /// Makes the design from its settings.
    pub make: fn(&Settings) -> Box<dyn Design>,
    /// The payer's side of its protocol, with her keys.
    pub payer: fn(&KeyChain) -> Box<dyn PayerSide>,
    /// The payee's side, with his keys.
    pub payee: fn(&KeyChain) -> Box<dyn PayeeSide>,
    /// What the log records of a signed state under the design ([`Copies`]).
    pub copies: for<'a> fn(&dyn crate::channel::Design, &'a SignedCommitment) -> Copies<'a>,
}

/// Every design paychan knows, in the order `compare` and the documentation list them; the
/// first is the default, the book's. Adding a design is its own modules and one line here.
pub const DESIGNS: &[Registration] = &[
    Registration {
        name: "naive",
        make: channel::naive::make,
        payer: cosigned::payer,
        payee: cosigned::payee,
        copies: cosigned::copies,
    },
    Registration {
        name: "timelocked",
        make: channel::timelocked::make,
        payer: cosigned::payer,
        payee: cosigned::payee,
        copies: cosigned::copies,
    },
    Registration {
        name: "spilman",
        make: channel::spilman::make,
        payer: cosigned::payer,
        payee: cosigned::payee,
        copies: cosigned::copies,
    },
    Registration {
        name: "revocable",
        make: channel::revocable::make,
        payer: revocable::payer,
        payee: revocable::payee,
        copies: revocable::copies,
    },
    Registration {
        name: "taproot",
        make: channel::taproot::make,
        payer: taproot::payer,
        payee: taproot::payee,
        copies: taproot::copies,
    },
];

/// The design registered as `name`, made with `settings`; `None` for an unknown name.
pub fn design(name: &str, settings: &Settings) -> Option<DesignRef> {
    registration(name).map(|r| DesignRef::from((r.make)(settings)))
}

/// The default design (the first registered: the book's), made with default settings.
pub fn default_design() -> DesignRef {
    DesignRef::from((DESIGNS[0].make)(&Settings::default()))
}

/// The registration of the design named `name`.
pub fn registration(name: &str) -> Option<&'static Registration> {
    DESIGNS.iter().find(|r| r.name == name)
}

/// The names of the registered designs, for error messages: `"naive", "timelocked", "spilman"`.
pub fn design_names() -> String {
    DESIGNS.iter().map(|r| format!("\"{}\"", r.name)).collect::<Vec<_>>().join(", ")
}

/// The registration of a design that was made from one (every [`DesignRef`] is).
fn registered(design: &DesignRef) -> &'static Registration {
    registration(design.name()).expect("every design is made from its registration")
}

/// The payer (Emma): opens the channel from her wallet, proposes each commitment and signs first.
#[derive(Debug, Clone)]
pub struct Payer {
    funding: Funding,
    paid: Amount,
    seq: u64,
    pending: Option<Pending>,
    refund: Option<Transaction>,
    side: Box<dyn PayerSide>,
}

impl Payer {
    /// Opens the channel: derives the payer's keys from `keys` (her funding key, her wallet key
    /// and coin, her refund key), builds the funding transaction of `terms` to the design's script
    /// of her key and `payee`'s, and signs its wallet input herself.
    ///
    /// # Errors
    ///
    /// [`FundingError`] when the wallet coin cannot pay for the capacity and the fee.
    pub fn open(keys: &KeyChain, terms: &Terms, payee: &PayeeKeys) -> Result<(Payer, Channel), FundingError> {
        let funding = Signer::new(keys.secret_key(Role::PayerFunding));
        let wallet = Signer::new(keys.secret_key(Role::PayerWallet));
        let refund = public_key(keys, Role::PayerPayout);
        let coin = WalletCoin {
            outpoint: OutPoint { txid: Txid::from_byte_array(keys.bytes32(Role::WalletCoin)), vout: 0 },
            amount: terms.wallet,
            script_pubkey: channel::p2wpkh(&wallet.public_key()),
        };
        let witness_script = terms.design.funding_script(&funding.public_key(), &payee.funding_key);
        let funding_spk = terms.design.funding_output_script(&funding.public_key(), &payee.funding_key);
        let mut funding_tx =
            channel::funding_tx(&coin, &funding_spk, terms.capacity, &coin.script_pubkey, terms.fee_rate)?;
        let sig = bitcoin::ecdsa::Signature::sighash_all(wallet.sign_wallet_input(&funding_tx, 0, &coin));
        funding_tx.input[0].witness = Witness::p2wpkh(&sig, &wallet.public_key());
        let mut params = ChannelParams {
            design: terms.design.clone(),
            funding_outpoint: OutPoint { txid: funding_tx.compute_txid(), vout: 0 },
            funding_amount: terms.capacity,
            payer_funding_key: funding.public_key(),
            payee_funding_key: payee.funding_key,
            witness_script,
            payer_payout: channel::p2wpkh(&refund),
            payee_payout: payee.payout.clone(),
            fee_rate: terms.fee_rate,
            extra: Extra::NONE,
        };
        let mut side = (registered(&terms.design).payer)(keys);
        side.open(&mut params, payee, refund);
        let payer = Payer {
            funding: Funding { signer: funding, sighash: commitment_sighash(&params), params: params.clone() },
            paid: Amount::ZERO,
            seq: 0,
            pending: None,
            refund: None,
            side,
        };
        Ok((payer, Channel { params, coin, funding_tx }))
    }

    /// The channel as the payer knows it.
    pub fn params(&self) -> &ChannelParams {
        &self.funding.params
    }

    /// Total paid so far, as the payer counts it.
    pub fn paid(&self) -> Amount {
        self.paid
    }

    /// The payer's side of the design's protocol, for what only the design knows how to ask.
    pub fn side(&self) -> &dyn PayerSide {
        &*self.side
    }

    /// Puts this payer at the state after commitment `seq`, having paid `paid` in total: how a
    /// copy of the payer signs a later commitment on another core while the engine keeps count.
    pub fn resume(&mut self, seq: u64, paid: Amount) {
        self.seq = seq;
        self.paid = paid;
        self.pending = None;
    }

    /// Proposes the next commitment, paying `price` more than the last: the proposal, lent,
    /// which the payer keeps until the payee's answer.
    ///
    /// # Errors
    ///
    /// [`Exhausted`] when the channel cannot pay the new total: the stream must stop.
    pub fn propose(&mut self, price: Amount) -> Result<&Proposal, Exhausted> {
        let paid = self.paid.checked_add(price).unwrap_or(Amount::MAX);
        self.offer(self.seq + 1, paid, false)
    }

    /// Proposes the current state again as the settlement (Emma pressed stop).
    ///
    /// In the naive design, with RFC 6979 nonces, this reproduces the last commitment byte for
    /// byte; with no commitment yet, it is the refund of the whole capacity to the payer.
    ///
    /// # Errors
    ///
    /// [`Exhausted`] only if the capacity cannot even refund the payer (rejected by validation).
    pub fn propose_settlement(&mut self) -> Result<&Proposal, Exhausted> {
        self.offer(self.seq, self.paid, true)
    }

    /// Hears what the payee announced before she proposes state `seq` ([`Payee::announce`]; in
    /// the revocable design his per-commitment point of his version, which in BOLT #2 comes with
    /// his previous revocation and which she needs to build the version she signs for him).
    pub fn hear(&mut self, seq: u64, note: Extra) {
        self.side.hear(seq, note);
    }

    fn offer(&mut self, seq: u64, paid: Amount, settlement: bool) -> Result<&Proposal, Exhausted> {
        let split = self.funding.params.split(paid)?;
        let (proposal, msg) = self.side.offer(&self.funding, seq, &split, settlement);
        let pending = self.pending.insert(Pending { proposal, split, msg, settlement });
        Ok(&pending.proposal)
    }

    /// Stores what the payee revealed in `c`'s exchange (his revocation of his previous version,
    /// his new point, in a design that has them). The engine calls it in order, on its
    /// sequential path.
    ///
    /// # Errors
    ///
    /// [`ProtocolError::BadRevocation`] when the secret does not revoke his previous version.
    pub fn receive(&mut self, c: &SignedCommitment) -> Result<(), ProtocolError> {
        self.side.receive(c)
    }

    /// The payer's own transaction of state `c` made complete to broadcast (her own version,
    /// rebuilt and checked, in a design with versions; `c`'s transaction otherwise).
    ///
    /// # Errors
    ///
    /// [`ProtocolError`] when what she holds is not what she computes or the payee's signature
    /// is missing or bad.
    pub fn complete_own(&self, c: &SignedCommitment) -> Result<Transaction, ProtocolError> {
        self.side.complete_own(&self.funding, c)
    }

    /// Checks the payee's countersignature and completes the commitment (where the payer signs
    /// alone, records the half-signed state the payee keeps).
    ///
    /// # Errors
    ///
    /// [`ProtocolError`] when nothing is pending, the number differs or the signature is bad or
    /// missing; the pending proposal is then dropped and the state does not advance.
    pub fn accept(&mut self, reply: Countersignature) -> Result<SignedCommitment, ProtocolError> {
        let pending = self.pending.take().ok_or(ProtocolError::Unexpected(reply.seq))?;
        if reply.seq != pending.proposal.seq {
            return Err(ProtocolError::OutOfOrder { expected: pending.proposal.seq, got: reply.seq });
        }
        let c = self.side.accept(&self.funding, pending, reply)?;
        self.paid = c.split.paid;
        self.seq = c.seq;
        Ok(c)
    }

    /// Asks the payee to countersign the refund (state 0, everything back to the payer) before
    /// the funding is broadcast, in a design whose refund is countersigned; `None` otherwise.
    pub fn propose_refund(&mut self) -> Option<&Proposal> {
        if !self.funding.params.design.refund_countersigned() {
            return None;
        }
        self.offer(0, Amount::ZERO, false).ok()
    }

    /// Checks the payee's signature of the refund and keeps the completed refund.
    ///
    /// # Errors
    ///
    /// As [`Payer::accept`].
    pub fn accept_refund(&mut self, reply: Countersignature) -> Result<(), ProtocolError> {
        let (seq, paid) = (self.seq, self.paid);
        let refund = self.accept(reply)?;
        self.refund = Some(self.side.keep_refund(refund)?);
        (self.seq, self.paid) = (seq, paid);
        Ok(())
    }

    /// The payer's complete refund, ready to broadcast once its lock has passed: the co-signed
    /// one she keeps, or, when the funding script has a branch for her alone, one she signs now;
    /// `None` in a design without a refund (or before the payee countersigned it).
    pub fn refund(&self) -> Option<Transaction> {
        self.side.refund(&self.funding, self.refund.as_ref())
    }

    /// The payer's answer, as `name`, to `tx`, a state `owner` broadcast that confirmed, when
    /// the latest state is `latest` (see [`PayerSide::answer`]).
    pub fn answer(&self, tx: &Transaction, owner: Who, latest: u64, name: &str) -> Answer {
        self.side.answer(&self.funding.params, tx, owner, latest, name)
    }
}

/// The payee (Fabian): checks each proposal against what it is owed, then countersigns.
#[derive(Debug, Clone)]
pub struct Payee {
    funding: Funding,
    owed: Amount,
    seq: u64,
    side: Box<dyn PayeeSide>,
}

impl Payee {
    /// The payee's public keys for a new channel on `terms`, derived from `keys`: what it tells
    /// the payer, with what the design asks of it (its basepoints, say).
    pub fn keys(keys: &KeyChain, terms: &Terms) -> PayeeKeys {
        let payout = public_key(keys, Role::PayeePayout);
        let mut told = PayeeKeys {
            funding_key: public_key(keys, Role::PayeeFunding),
            payout: channel::p2wpkh(&payout),
            extra: Extra::NONE,
        };
        (registered(&terms.design).payee)(keys).tell_keys(&mut told, payout);
        told
    }

    /// Joins the channel the payer opened: checks that its funding output pays the design's
    /// script of the payer's key and the payee's own, with the payee's own payout, before it
    /// signs anything for it.
    ///
    /// # Errors
    ///
    /// [`ProtocolError::Mismatch`] when the channel is not the one the payee agreed to.
    pub fn join(keys: &KeyChain, channel: &Channel) -> Result<Payee, ProtocolError> {
        let signer = Signer::new(keys.secret_key(Role::PayeeFunding));
        let p = &channel.params;
        let script = p.design.funding_script(&p.payer_funding_key, &signer.public_key());
        let spk = p.design.funding_output_script(&p.payer_funding_key, &signer.public_key());
        let out = channel.funding_tx.output.get(p.funding_outpoint.vout as usize);
        let funded = out.is_some_and(|o| o.script_pubkey == spk && o.value == p.funding_amount)
            && p.funding_outpoint.txid == channel.funding_tx.compute_txid();
        let payout = public_key(keys, Role::PayeePayout);
        let side = (registered(&p.design).payee)(keys);
        if !funded
            || p.witness_script != script
            || p.payee_funding_key != signer.public_key()
            || p.payee_payout != channel::p2wpkh(&payout)
            || !side.agrees(p, payout)
        {
            return Err(ProtocolError::Mismatch {
                seq: 0,
                owed: Amount::ZERO,
                detail: "the funding output is not the agreed script of the payer's and the payee's keys".to_string(),
            });
        }
        Ok(Payee {
            funding: Funding { signer, sighash: commitment_sighash(p), params: p.clone() },
            owed: Amount::ZERO,
            seq: 0,
            side,
        })
    }

    /// The payee's side of the design's protocol, for what only the design knows how to ask.
    pub fn side(&self) -> &dyn PayeeSide {
        &*self.side
    }

    /// What the payee tells the payer before she proposes state `seq`, in a design whose
    /// protocol has such a message (the revocable design: his per-commitment point of his
    /// version); `None` in the others.
    pub fn announce(&mut self, seq: u64) -> Option<Extra> {
        self.side.announce(seq)
    }

    /// Stores what the payer revealed in `c`'s exchange (see [`Payer::receive`]).
    ///
    /// # Errors
    ///
    /// [`ProtocolError::BadRevocation`] when the secret does not revoke her previous version.
    pub fn receive(&mut self, c: &SignedCommitment) -> Result<(), ProtocolError> {
        self.side.receive(c)
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
        self.check(proposal, self.seq + 1, self.owed.checked_add(streamed).unwrap_or(Amount::MAX), false)
    }

    /// Reviews the refund the payer asks it to countersign before the funding is broadcast
    /// (state 0: everything back to the payer, locked as the design says).
    ///
    /// # Errors
    ///
    /// As [`Payee::review`].
    pub fn review_refund(&mut self, proposal: &Proposal) -> Result<Countersignature, ProtocolError> {
        let (seq, owed) = (self.seq, self.owed);
        self.seq = 0;
        self.owed = Amount::ZERO;
        let reply = self.check(proposal, 0, Amount::ZERO, false);
        (self.seq, self.owed) = (seq, owed);
        reply
    }

    /// Completes a state it holds to broadcast it: a half-signed one is rebuilt for the state's
    /// split, the payer's signature over it checked, then signed; a fully signed state is
    /// returned as it is.
    ///
    /// # Errors
    ///
    /// [`ProtocolError`] when the state is not the transaction the payee computes for its split,
    /// or the payer's signature is missing or bad.
    pub fn complete(&self, state: &SignedCommitment) -> Result<Transaction, ProtocolError> {
        self.side.complete(&self.funding, state)
    }

    /// Reviews the settlement: the current state again, nothing more owed.
    ///
    /// # Errors
    ///
    /// As [`Payee::review`].
    pub fn review_settlement(&mut self, proposal: &Proposal) -> Result<Countersignature, ProtocolError> {
        self.check(proposal, self.seq, self.owed, true)
    }

    /// The payee's answer to `tx` (see [`Payer::answer`]).
    pub fn answer(&self, tx: &Transaction, owner: Who, latest: u64, name: &str) -> Answer {
        self.side.answer(&self.funding.params, tx, owner, latest, name)
    }

    fn check(
        &mut self,
        proposal: &Proposal,
        seq: u64,
        owed: Amount,
        settlement: bool,
    ) -> Result<Countersignature, ProtocolError> {
        if proposal.seq != seq {
            return Err(ProtocolError::OutOfOrder { expected: seq, got: proposal.seq });
        }
        let split = self.funding.params.split(owed).map_err(|source| ProtocolError::Exhausted { seq, source })?;
        let reply = self.side.review(&self.funding, proposal, &split, owed, settlement)?;
        self.owed = owed;
        self.seq = seq;
        Ok(reply)
    }
}

/// Completes `expected`, a state held half-signed with `witness`, with the holder's signature
/// once the other's in `witness` verifies over it: the payee's completion of a state the payer
/// signed (both one-version and versioned designs).
fn complete_half_signed(
    f: &Funding,
    expected: Transaction,
    witness: &Witness,
    seq: u64,
) -> Result<Transaction, ProtocolError> {
    let p = &f.params;
    let payer_sig = p.ecdsa().payer_signature(p, witness).ok_or(ProtocolError::Missing { seq, who: "payer" })?;
    let payee_sig =
        f.signer.sign_p2wsh_input_if(&expected, 0, &p.witness_script, p.funding_amount, |signer, msg| {
            if signer.verify(msg, &payer_sig.signature, &p.payer_funding_key) {
                Ok(())
            } else {
                Err(ProtocolError::BadSignature { seq, who: "payer" })
            }
        })?;
    Ok(p.with_signatures(expected, &payer_sig.signature, &payee_sig))
}

/// The public key of `role`'s secret in `keys`.
pub(crate) fn public_key(keys: &KeyChain, role: Role) -> PublicKey {
    PublicKey::from_secret_key(crate::channel::revocable::secp(), &keys.secret_key(role))
}

/// The BIP-0143 part every commitment of the channel shares, for the version 2 transactions with
/// the sequence the design gives its commitments; a commitment it does not describe gets the full
/// computation ([`FundingSighash::digest`]), so this only decides how fast the digest is.
fn commitment_sighash(p: &ChannelParams) -> FundingSighash {
    let (_, sequence) = p.design.lock(p, Some(1));
    FundingSighash::new(Version::TWO, p.funding_outpoint, sequence, &p.witness_script, p.funding_amount)
}

/// A short account of how `got` differs from `expected`, for error messages.
pub(crate) fn describe_difference(params: &ChannelParams, expected: &Transaction, got: &Transaction) -> String {
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
    use bitcoin::FeeRate;

    fn terms() -> Terms {
        Terms {
            design: default_design(),
            capacity: Amount::from_sat(3_600_000),
            wallet: Amount::from_sat(4_000_000),
            fee_rate: FeeRate::from_sat_per_kwu(250),
        }
    }

    fn pair() -> (Payer, Payee) {
        let keys = KeyChain::new(7);
        let (payer, channel) = Payer::open(&keys, &terms(), &Payee::keys(&keys, &terms())).unwrap();
        (payer, Payee::join(&keys, &channel).unwrap())
    }

    #[test]
    fn the_payee_joins_only_the_channel_of_its_own_keys() {
        let keys = KeyChain::new(7);
        let (payer, mut channel) = Payer::open(&keys, &terms(), &Payee::keys(&keys, &terms())).unwrap();
        assert!(Payee::join(&keys, &channel).is_ok());
        assert!(Payee::join(&KeyChain::new(8), &channel).is_err(), "another payee's keys");
        channel.params.payee_payout = payer.params().payer_payout.clone();
        assert!(Payee::join(&keys, &channel).is_err(), "payments sent to the payer");
    }

    #[test]
    fn an_honest_round_completes_and_the_settlement_repeats_it() {
        let (mut payer, mut payee) = pair();
        let second = Amount::from_sat(1_000);
        let p = payer.propose(second).unwrap();
        let c = payee.review(p, second).unwrap();
        let signed = payer.accept(c).unwrap();
        assert_eq!(signed.seq, 1);
        assert_eq!(signed.split.payee, second);
        assert_eq!((signed.txid, signed.vsize), (signed.tx.compute_txid(), signed.tx.vsize() as u64));
        let s = payer.propose_settlement().unwrap();
        let c = payee.review_settlement(s).unwrap();
        assert_eq!(payer.accept(c).unwrap().tx, signed.tx);
    }

    #[test]
    fn payee_refuses_to_be_underpaid() {
        let (mut payer, mut payee) = pair();
        let p = payer.propose(Amount::from_sat(900)).unwrap();
        let e = payee.review(p, Amount::from_sat(1_000)).unwrap_err();
        assert!(matches!(e, ProtocolError::Mismatch { .. }), "{e}");
        assert!(e.to_string().contains("output 1 pays the payee 900 sat, expected 1000 sat"), "{e}");
    }

    #[test]
    fn payee_refuses_a_bad_signature_and_payer_a_bad_countersignature() {
        let (mut payer, mut payee) = pair();
        let mut p = payer.propose(Amount::from_sat(1_000)).unwrap().clone();
        let good = p.extra.clone();
        p.extra = payer.clone().propose(Amount::from_sat(2_000)).unwrap().extra.clone();
        assert!(matches!(
            payee.review(&p, Amount::from_sat(1_000)),
            Err(ProtocolError::BadSignature { who: "payer", .. })
        ));
        p.extra = good.clone();
        let mut c = payee.review(&p, Amount::from_sat(1_000)).unwrap();
        c.extra = good;
        assert!(matches!(payer.accept(c), Err(ProtocolError::BadSignature { who: "payee", .. })));
        assert_eq!(payer.paid(), Amount::ZERO);
    }

    #[test]
    fn out_of_order_proposals_are_refused() {
        let (mut payer, mut payee) = pair();
        let mut p = payer.propose(Amount::from_sat(1_000)).unwrap().clone();
        p.seq = 2;
        assert!(matches!(
            payee.review(&p, Amount::from_sat(1_000)),
            Err(ProtocolError::OutOfOrder { expected: 1, got: 2 })
        ));
    }

    /// Every registered design's commitment rebuilt in place is the one built anew (the check
    /// lives with the builders, [`crate::channel`]).
    #[test]
    fn every_registered_design_rebuilds_in_place_what_it_builds_anew() {
        for r in DESIGNS {
            crate::channel::tests::rebuilt_in_place_is_built_anew(design(r.name, &Settings::default()).unwrap());
        }
    }

    /// Each registered name makes the design of that name, and names are unique.
    #[test]
    fn each_registration_makes_its_own_design() {
        let mut names: Vec<&str> = DESIGNS.iter().map(|r| r.name).collect();
        for r in DESIGNS {
            assert_eq!((r.make)(&Settings::default()).name(), r.name);
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), DESIGNS.len());
    }
}
