//! The parties' half of the Taproot channel (issue 21): what each party holds beyond its
//! funding key, the MuSig2 messages of every update, and each party's answers on the chain.
//!
//! Each party holds its own version of every state, as in the revocable design (BOLT #3's
//! per-commitment secrets and basepoints, [`Revocation`]), but each version is spent by one
//! MuSig2 signature of the two funding keys, and MuSig2 needs both parties' nonces before either
//! partial signature. In each session the holder of the transaction sends its nonce first and
//! signs last; the other signs as soon as it has the holder's nonce, with a nonce derived from
//! its key, the message and the holder's nonce (BIP-0327's DeterministicSign idea,
//! [`taproot::last_signer_nonce`]). One update of state `k`:
//!
//! 1. the payee announces his per-commitment point of his version `k` and his nonce for it
//!    ([`HisAnnouncement`]; he cannot know the message yet, as lnd's "next local nonce");
//! 2. the payer proposes his version `k` with her partial signature of it and her nonce of that
//!    session, her point of her own version `k` and her nonce for it ([`HerOffer`]);
//! 3. the payee rebuilds his version, checks her partial signature (so he can complete his
//!    version whenever he needs to), then signs her version and hands over the per-commitment
//!    secret that revokes his version `k − 1` ([`HisPartial`]);
//! 4. the payer checks his partial signature, adds hers into one BIP-0340 signature and holds
//!    her own version complete; her secret of `k − 1` reaches him with the state
//!    ([`TaprootState`], the engine's sequential path).
//!
//! The payee keeps his version with her partial signature and both nonces, and signs it only
//! when he broadcasts it ([`PayeeSide::complete`]); the payer completes hers at once, and that
//! complete version is what the log records. The cooperative close is one more session, the
//! payer's nonce first: one key-path signature.
//!
//! **Nonces are deterministic, which is safe only in this simulation** (see
//! [`taproot::session_nonce`]): a signer that sends its nonce first must never sign with it
//! twice, and here it would sign the same message again if asked (same nonce, same message, same
//! aggregate nonce: the same signature), but a real counterparty that answered a repeated
//! session with another nonce would learn its key. With real money each first nonce is 32
//! fresh random bytes, kept until used once, then erased. paychan refuses mainnet.

use std::sync::OnceLock;

use bitcoin::secp256k1::{Message, PublicKey, SecretKey};
use bitcoin::{Amount, Transaction, TxOut, Witness};
use musig2::{KeyAggContext, PartialSignature, PubNonce, SecNonce};

use super::keys::{KeyChain, Role};
use super::side::{Answer, Funding, PayeeSide, PayerSide, Pending, Reply};
use super::{describe_difference, Countersignature, PayeeKeys, Proposal, ProtocolError, SignedCommitment};
use super::{Revealed, Revocation};
use crate::channel::bolt3;
use crate::channel::part::Extra;
use crate::channel::revocable::{secp, Basepoints, ChannelBasepoints};
use crate::channel::taproot::{self, LeafSpend, Taproot};
use crate::channel::{self, ChannelParams, Split, Who};
use crate::words::{Lang, Told};

/// The payee's announcement before the payer proposes state `k`: his per-commitment point of
/// his version `k` and his public nonce for its MuSig2 session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HisAnnouncement {
    /// His per-commitment point.
    pub point: PublicKey,
    /// His nonce for his own version.
    pub nonce: PubNonce,
}

/// The payer's part of a proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HerOffer {
    /// Her partial signature of the payee's version (none for the close, where she signs last).
    pub partial: Option<PartialSignature>,
    /// Her nonce in the session of the proposed transaction.
    pub nonce: PubNonce,
    /// Her per-commitment point of her own version (none for the close).
    pub point: Option<PublicKey>,
    /// Her nonce for her own version's session (none for the close).
    pub own_nonce: Option<PubNonce>,
}

/// The payee's part of a countersignature: his partial signature of the payer's version (or of
/// the close), his nonce in that session, and the secret revoking his previous version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HisPartial {
    /// His partial signature.
    pub partial: PartialSignature,
    /// His nonce in that session.
    pub nonce: PubNonce,
    /// His per-commitment secret of his previous version.
    pub revoking: Option<[u8; 32]>,
}

/// The Taproot part of a signed state: the payee's version as he holds it (unsigned, with the
/// payer's partial signature and both nonces of its session, which he completes if he
/// broadcasts it) beside the payer's complete version (the logged transaction), and what the
/// exchange revealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaprootState {
    /// The payee's version, unsigned.
    pub his: Transaction,
    /// The payer's partial signature of it.
    pub payer_partial: PartialSignature,
    /// The payer's nonce in its session.
    pub payer_nonce: PubNonce,
    /// The payee's nonce in its session (his announcement).
    pub payee_nonce: PubNonce,
    /// The points and revocation secrets this state's exchange revealed.
    pub revealed: Revealed,
}

/// The Taproot part of `c`, if it has one (a version; the close has none).
pub fn state(c: &SignedCommitment) -> Option<&TaprootState> {
    c.extra.get::<TaprootState>()
}

/// What the log records of a state: the payer's own version, complete (her MuSig2 signature with
/// the payee's), held by her, with her point and the secret of her previous version. The
/// payee's version is not complete until he broadcasts it, so no file claims it signed.
pub fn copies<'a>(_: &dyn channel::Design, c: &'a SignedCommitment) -> super::Copies<'a> {
    let r = state(c).map(|s| s.revealed);
    let logged = super::HeldCopy {
        signed_by: "both",
        held_by: if r.is_some() { "payer" } else { "both" },
        point: r.map(|r| r.payer_point),
        revealed_secret: r.and_then(|r| r.payer_secret),
    };
    super::Copies { logged, other: None }
}

/// The channel's MuSig2 context and funding output, made once per party.
#[derive(Debug, Clone)]
struct Session {
    agg: KeyAggContext,
    funding: TxOut,
    key: bitcoin::secp256k1::XOnlyPublicKey,
}

/// What each party of a Taproot channel holds beyond the shared funding signer.
#[derive(Debug, Clone)]
struct Material {
    who: Who,
    /// Its funding secret, the MuSig2 signing key.
    funding: SecretKey,
    /// Its payout secret: the key of its payment basepoint, which signs the `to_remote` leaf.
    payout: SecretKey,
    /// Its delayed payment basepoint secret.
    delayed: SecretKey,
    /// Its revocation basepoint secret.
    revocation: SecretKey,
    /// Its nonce seed.
    nonce_seed: [u8; 32],
    /// Its per-commitment secrets and the other's revealed ones.
    rev: Revocation,
    session: OnceLock<Session>,
}

fn label(who: Who, what: &str) -> String {
    let party = if who == Who::Payer { "payer" } else { "payee" };
    format!("{party}/taproot/{what}")
}

impl Material {
    fn new(keys: &KeyChain, who: Who) -> Material {
        let (f, p, d, r) = match who {
            Who::Payer => (Role::PayerFunding, Role::PayerPayout, Role::PayerDelayedBase, Role::PayerRevocationBase),
            Who::Payee => (Role::PayeeFunding, Role::PayeePayout, Role::PayeeDelayedBase, Role::PayeeRevocationBase),
        };
        let mut nonce_seed = [0u8; 32];
        rand_core::RngCore::fill_bytes(&mut keys.labelled(&label(who, "nonce-seed")), &mut nonce_seed);
        Material {
            who,
            funding: keys.secret_key(f),
            payout: keys.secret_key(p),
            delayed: keys.secret_key(d),
            revocation: keys.secret_key(r),
            nonce_seed,
            rev: Revocation::new(keys, who),
            session: OnceLock::new(),
        }
    }

    fn basepoints(&self) -> Basepoints {
        let public = |s: &SecretKey| PublicKey::from_secret_key(secp(), s);
        Basepoints {
            payment: public(&self.payout),
            delayed_payment: public(&self.delayed),
            revocation: public(&self.revocation),
        }
    }

    fn session(&self, p: &ChannelParams) -> &Session {
        self.session.get_or_init(|| Session {
            agg: taproot::funding_key_agg(&p.payer_funding_key, &p.payee_funding_key)
                .expect("two valid funding keys aggregate"),
            funding: Taproot::funding_prevout(p),
            key: taproot::funding_output_key(&p.payer_funding_key, &p.payee_funding_key).to_x_only_public_key(),
        })
    }

    fn sighash(&self, p: &ChannelParams, tx: &Transaction) -> Message {
        taproot::key_spend_sighash(tx, 0, std::slice::from_ref(&self.session(p).funding))
    }

    /// The nonce this party announces for its own version `seq` (it signs with it last).
    fn own_version_nonce(&self, seq: u64) -> SecNonce {
        taproot::announced_nonce(&self.nonce_seed, seq, &label(self.who, "own-version"), &self.funding)
    }

    /// The nonce this party sends first in the session of `msg`, known when it sends it.
    fn first_nonce(&self, p: &ChannelParams, seq: u64, what: &str, msg: &Message) -> SecNonce {
        taproot::session_nonce(&self.nonce_seed, seq, &label(self.who, what), &self.funding, &self.session(p).agg, msg)
    }

    /// This party's partial signature of `msg` as the session's last signer, after `other`.
    fn sign_last(
        &self,
        p: &ChannelParams,
        seq: u64,
        what: &str,
        msg: &Message,
        other: &PubNonce,
    ) -> (PartialSignature, PubNonce) {
        let agg = &self.session(p).agg;
        let nonce =
            taproot::last_signer_nonce(&self.nonce_seed, seq, &label(self.who, what), &self.funding, agg, msg, other);
        let public = nonce.public_nonce();
        let partial = taproot::partial_sign(agg, &self.funding, nonce, [other, &public], msg)
            .expect("a channel party's own key and nonce sign");
        (partial, public)
    }

    /// The complete key-path witness of `msg`: this party signs with its first nonce `mine` after
    /// checking the other's partial signature; the aggregate checked under the funding key.
    fn complete(
        &self,
        p: &ChannelParams,
        seq: u64,
        msg: &Message,
        mine: SecNonce,
        theirs: (&PubNonce, PartialSignature),
        who: &'static str,
    ) -> Result<Witness, ProtocolError> {
        let agg = &self.session(p).agg;
        let other_key = if self.who == Who::Payer { p.payee_funding_key } else { p.payer_funding_key };
        // The session's aggregate nonce, summed once for the three steps.
        let aggnonce = musig2::AggNonce::sum([&mine.public_nonce(), theirs.0]);
        let bad = |_| ProtocolError::BadSignature { seq, who };
        musig2::verify_partial(agg, theirs.1, &aggnonce, other_key, theirs.0, msg.as_ref()).map_err(bad)?;
        let partial: PartialSignature = musig2::sign_partial(agg, self.funding, mine, &aggnonce, msg.as_ref())
            .expect("a channel party's own key and nonce sign");
        let sig: bitcoin::secp256k1::schnorr::Signature =
            musig2::aggregate_partial_signatures(agg, &aggnonce, [partial, theirs.1], msg.as_ref()).map_err(bad)?;
        if !taproot::verify_schnorr(secp(), &sig, msg, &self.session(p).key) {
            return Err(ProtocolError::BadSignature { seq, who });
        }
        Ok(taproot::key_spend_witness(&sig))
    }

    /// This party's answer, as `name`, to `tx`, a version `owner` broadcast that confirmed.
    fn answer(&self, p: &ChannelParams, tx: &Transaction, owner: Who, latest: u64, name: &str) -> Answer {
        let design = design_of(p);
        let Some(seq) = Taproot::commitment_number(p, tx) else { return Answer::default() };
        if owner == self.who {
            // Its own version: its balance through the delay leaf, once the delay has passed.
            let point = self.rev.point(seq);
            let Some(spend) = design.to_local(p, self.who, tx, &point, false) else { return Answer::default() };
            let Ok(secret) = bolt3::derive_privkey(secp(), &self.delayed, &point) else { return Answer::default() };
            let reply = self.spend(p, &[spend], &[secret]).map(|tx| Reply {
                tx,
                word: "sweep",
                what: (
                    "the delayed sweep (delay leaf) of commitment #{seq}",
                    "承诺交易 #{seq} 的延迟清扫交易（延迟叶子）",
                ),
                seq,
            });
            return Answer { note: None, reply };
        }
        // The other's version: its own balance waits one block in to_remote; a revoked
        // version's to_local is taken at once through the revocation leaf, in the same
        // transaction.
        let mut spends = Vec::new();
        let mut secrets = Vec::new();
        let revoked = seq < latest;
        let taken = revoked
            .then(|| self.rev.received().derive_old_secret(bolt3::secret_index(seq).ok()?).ok())
            .flatten()
            .and_then(|secret| {
                let point = bolt3::per_commitment_point(secp(), &secret).ok()?;
                let spend = design.to_local(p, owner, tx, &point, true)?;
                let key = bolt3::derive_revocation_privkey(secp(), &self.revocation, &secret).ok()?;
                Some((spend, key))
            });
        let penalty = taken.is_some();
        if let Some((spend, key)) = taken {
            spends.push(spend);
            secrets.push(key);
        }
        if let Some(spend) = Taproot::to_remote(p, owner, tx) {
            spends.push(spend);
            secrets.push(self.payout);
        }
        let Some(reply) = self.spend(p, &spends, &secrets) else { return Answer::default() };
        told_answer(reply, penalty, name, seq)
    }

    fn spend(&self, p: &ChannelParams, spends: &[LeafSpend], secrets: &[SecretKey]) -> Option<Transaction> {
        if spends.is_empty() {
            return None;
        }
        let to = if self.who == Who::Payer { &p.payer_payout } else { &p.payee_payout };
        let tx = taproot::leaf_spend_tx(spends, to, p.fee_rate)?;
        Some(taproot::sign_leaf_spends(tx, spends, secrets))
    }

    /// Stores what `c`'s exchange revealed by the other party, in order.
    fn receive_from(&mut self, c: &SignedCommitment) -> Result<(), ProtocolError> {
        let Some(r) = state(c).map(|s| s.revealed) else { return Ok(()) };
        let (point, secret) = match self.who {
            Who::Payer => (r.payee_point, r.payee_secret),
            Who::Payee => (r.payer_point, r.payer_secret),
        };
        if c.seq == 0 {
            self.rev.first(0, point);
            return Ok(());
        }
        self.rev.receive(c.seq, point, secret)
    }
}

fn design_of(params: &ChannelParams) -> Taproot {
    Taproot::new(&params.design.settings().unwrap_or_default())
}

/// The payer's side.
#[derive(Debug, Clone)]
pub struct TaprootPayer {
    m: Material,
    /// The payee's announcement for the next version.
    their_next: Option<(u64, HisAnnouncement)>,
    /// Her own version of the state she proposed, its digest and her nonce for it, kept from
    /// the offer to the answer (the nonce is used once, then dropped).
    own: Option<(u64, Transaction, Message, SecNonce)>,
}

/// The payee's side.
#[derive(Debug, Clone)]
pub struct TaprootPayee {
    m: Material,
    /// His last announcement: the state, his point and his public nonce.
    announced: Option<(u64, PublicKey, PubNonce)>,
}

/// The payer's side of the Taproot design ([`super::DESIGNS`]).
pub fn payer(keys: &KeyChain) -> Box<dyn PayerSide> {
    Box::new(TaprootPayer { m: Material::new(keys, Who::Payer), their_next: None, own: None })
}

/// The payee's side of the Taproot design.
pub fn payee(keys: &KeyChain) -> Box<dyn PayeeSide> {
    Box::new(TaprootPayee { m: Material::new(keys, Who::Payee), announced: None })
}

impl TaprootPayer {
    /// Her per-commitment material.
    pub fn revocation(&self) -> &Revocation {
        &self.m.rev
    }

    fn announced(&self, seq: u64) -> &HisAnnouncement {
        self.their_next
            .as_ref()
            .filter(|(n, _)| *n == seq)
            .map(|(_, a)| a)
            .expect("the payee announces his point and nonce of a version before the payer proposes it")
    }
}

impl PayerSide for TaprootPayer {
    fn clone_box(&self) -> Box<dyn PayerSide> {
        Box::new(self.clone())
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn open(&mut self, params: &mut ChannelParams, payee: &PayeeKeys, _refund: PublicKey) {
        if let Some(theirs) = payee.extra.get::<Basepoints>() {
            params.extra = Extra::of(ChannelBasepoints { payer: self.m.basepoints(), payee: *theirs });
        }
    }

    fn hear(&mut self, seq: u64, note: Extra) {
        if let Some(a) = note.get::<HisAnnouncement>() {
            self.their_next = Some((seq, a.clone()));
        }
    }

    /// Her partial signature of his version (she signs last in its session, after his announced
    /// nonce) with her nonce for her own version; for the close, her nonce only.
    fn offer(&mut self, f: &Funding, seq: u64, split: &Split, settlement: bool) -> (Proposal, Message) {
        let p = &f.params;
        if settlement {
            let tx = p.settlement_tx(seq, split);
            let msg = self.m.sighash(p, &tx);
            let nonce = self.m.first_nonce(p, seq, "close", &msg).public_nonce();
            let offer = HerOffer { partial: None, nonce, point: None, own_nonce: None };
            return (Proposal { seq, tx, extra: Extra::of(offer) }, msg);
        }
        let design = design_of(p);
        let his = self.announced(seq).clone();
        let tx = design
            .version(p, Who::Payee, seq, split, &his.point)
            .expect("a split the channel can pay builds a version with an output");
        let msg = self.m.sighash(p, &tx);
        let (partial, nonce) = self.m.sign_last(p, seq, "signs-payee-version", &msg, &his.nonce);
        let point = self.m.rev.next_point(seq);
        let own = design.version(p, Who::Payer, seq, split, &point).expect("her version builds as his does");
        let own_msg = self.m.sighash(p, &own);
        let secret_nonce = self.m.first_nonce(p, seq, "own-version", &own_msg);
        let own_nonce = secret_nonce.public_nonce();
        self.own = Some((seq, own, own_msg, secret_nonce));
        let offer = HerOffer { partial: Some(partial), nonce, point: Some(point), own_nonce: Some(own_nonce) };
        (Proposal { seq, tx, extra: Extra::of(offer) }, msg)
    }

    /// Checks his partial signature of her version (or the close) and completes it with hers.
    fn accept(
        &mut self,
        f: &Funding,
        pending: Pending,
        reply: Countersignature,
    ) -> Result<SignedCommitment, ProtocolError> {
        let Pending { proposal, split, msg, settlement } = pending;
        let p = &f.params;
        let seq = proposal.seq;
        let her = proposal.extra.get::<HerOffer>().expect("the payer's own proposal is of her design").clone();
        let his = reply.extra.get::<HisPartial>().ok_or(ProtocolError::Missing { seq, who: "payee" })?.clone();
        if settlement {
            let mine = self.m.first_nonce(p, seq, "close", &msg);
            let witness = self.m.complete(p, seq, &msg, mine, (&his.nonce, his.partial), "payee")?;
            let mut tx = proposal.tx;
            tx.input[0].witness = witness;
            return Ok(signed(seq, split, tx, Extra::NONE));
        }
        let point = her.point.expect("the payer's proposal of a version carries her point");
        let (mut own, own_msg, mine) = match self.own.take() {
            Some((n, own, msg, nonce)) if n == seq => (own, msg, nonce),
            _ => {
                let mismatch = |detail: String| ProtocolError::Mismatch { seq, owed: split.paid, detail };
                let own =
                    design_of(p).version(p, Who::Payer, seq, &split, &point).map_err(|e| mismatch(e.to_string()))?;
                let msg = self.m.sighash(p, &own);
                let nonce = self.m.first_nonce(p, seq, "own-version", &msg);
                (own, msg, nonce)
            }
        };
        own.input[0].witness = self.m.complete(p, seq, &own_msg, mine, (&his.nonce, his.partial), "payee")?;
        if seq > 0 && his.revoking.is_none() {
            return Err(ProtocolError::BadRevocation { seq, detail: "the payee revokes nothing".to_string() });
        }
        let announced = self.announced(seq);
        let state = TaprootState {
            his: proposal.tx,
            payer_partial: her.partial.expect("her proposal of a version carries her partial signature"),
            payer_nonce: her.nonce,
            payee_nonce: announced.nonce.clone(),
            revealed: Revealed {
                payer_point: point,
                payee_point: announced.point,
                payer_secret: (seq > 0).then(|| self.m.rev.next_secret(seq - 1)),
                payee_secret: his.revoking,
            },
        };
        Ok(signed(seq, split, own, Extra::of(state)))
    }

    fn receive(&mut self, c: &SignedCommitment) -> Result<(), ProtocolError> {
        self.m.receive_from(c)
    }

    fn keep_refund(&mut self, refund: SignedCommitment) -> Result<Transaction, ProtocolError> {
        self.m.receive_from(&refund)?;
        Ok(refund.tx)
    }

    fn refund(&self, _f: &Funding, kept: Option<&Transaction>) -> Option<Transaction> {
        kept.cloned()
    }

    fn answer(&self, params: &ChannelParams, tx: &Transaction, owner: Who, latest: u64, name: &str) -> Answer {
        self.m.answer(params, tx, owner, latest, name)
    }
}

fn signed(seq: u64, split: Split, tx: Transaction, extra: Extra) -> SignedCommitment {
    SignedCommitment { seq, split, txid: channel::txid(&tx), vsize: channel::vsize(&tx), tx, extra }
}

impl TaprootPayee {
    /// His per-commitment material.
    pub fn revocation(&self) -> &Revocation {
        &self.m.rev
    }
}

impl PayeeSide for TaprootPayee {
    fn clone_box(&self) -> Box<dyn PayeeSide> {
        Box::new(self.clone())
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn tell_keys(&self, keys: &mut PayeeKeys, _payout: PublicKey) {
        keys.extra = Extra::of(self.m.basepoints());
    }

    fn agrees(&self, p: &ChannelParams, _payout: PublicKey) -> bool {
        p.extra.get::<ChannelBasepoints>().is_some_and(|b| b.payee == self.m.basepoints())
    }

    /// His point of his version `seq` and his nonce for its session.
    fn announce(&mut self, seq: u64) -> Option<Extra> {
        let point = self.m.rev.next_point(seq);
        let nonce = self.m.own_version_nonce(seq).public_nonce();
        self.announced = Some((seq, point, nonce.clone()));
        Some(Extra::of(HisAnnouncement { point, nonce }))
    }

    /// His version rebuilt and her partial signature of it checked; then his partial signature
    /// of her version (he signs last there) and the revocation of his previous version; the
    /// close signed last the same way.
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
        let mismatch = |detail: String| ProtocolError::Mismatch { seq, owed, detail };
        let design = design_of(p);
        let her = proposal.extra.get::<HerOffer>().ok_or(ProtocolError::Missing { seq, who: "payer" })?;
        if settlement {
            let expected = p.settlement_tx(seq, split);
            if proposal.tx != expected {
                return Err(mismatch(describe_difference(p, &expected, &proposal.tx)));
            }
            let msg = self.m.sighash(p, &expected);
            let (partial, nonce) = self.m.sign_last(p, seq, "close", &msg, &her.nonce);
            return Ok(Countersignature { seq, extra: Extra::of(HisPartial { partial, nonce, revoking: None }) });
        }
        let (point, mine) = match &self.announced {
            Some((n, point, nonce)) if *n == seq => (*point, nonce.clone()),
            _ => (self.m.rev.point(seq), self.m.own_version_nonce(seq).public_nonce()),
        };
        let expected = design.version(p, Who::Payee, seq, split, &point).map_err(|e| mismatch(e.to_string()))?;
        if proposal.tx != expected {
            return Err(mismatch(describe_difference(p, &expected, &proposal.tx)));
        }
        let msg = self.m.sighash(p, &expected);
        let partial = her.partial.ok_or(ProtocolError::Missing { seq, who: "payer" })?;
        taproot::verify_partial(
            &self.m.session(p).agg,
            partial,
            [&her.nonce, &mine],
            &p.payer_funding_key,
            &her.nonce,
            &msg,
        )
        .map_err(|_| ProtocolError::BadSignature { seq, who: "payer" })?;
        let (hers, own_nonce) = match (her.point, &her.own_nonce) {
            (Some(point), Some(nonce)) => (point, nonce),
            _ => return Err(mismatch("the payer's point or nonce of her version is missing".to_string())),
        };
        let her_version = design.version(p, Who::Payer, seq, split, &hers).map_err(|e| mismatch(e.to_string()))?;
        let her_msg = self.m.sighash(p, &her_version);
        let (partial, nonce) = self.m.sign_last(p, seq, "signs-payer-version", &her_msg, own_nonce);
        let revoking = (seq > 0).then(|| self.m.rev.next_secret(seq - 1));
        if seq == 0 {
            self.m.rev.first(0, hers);
        }
        Ok(Countersignature { seq, extra: Extra::of(HisPartial { partial, nonce, revoking }) })
    }

    fn receive(&mut self, c: &SignedCommitment) -> Result<(), ProtocolError> {
        self.m.receive_from(c)
    }

    /// His version of state `c` rebuilt, her partial signature checked, his added with the nonce
    /// he announced for it: one key-path signature. The close as it is.
    fn complete(&self, f: &Funding, c: &SignedCommitment) -> Result<Transaction, ProtocolError> {
        let Some(st) = state(c) else { return Ok(c.tx.clone()) };
        let p = &f.params;
        let seq = c.seq;
        let expected = design_of(p)
            .version(p, Who::Payee, seq, &c.split, &self.m.rev.point(seq))
            .map_err(|e| ProtocolError::Mismatch { seq, owed: c.split.paid, detail: e.to_string() })?;
        if st.his != expected {
            return Err(ProtocolError::Mismatch {
                seq,
                owed: c.split.paid,
                detail: describe_difference(p, &expected, &st.his),
            });
        }
        let mine = self.m.own_version_nonce(seq);
        if mine.public_nonce() != st.payee_nonce {
            return Err(ProtocolError::Mismatch {
                seq,
                owed: c.split.paid,
                detail: "the session's nonce is not the one he announced".to_string(),
            });
        }
        let msg = self.m.sighash(p, &expected);
        let mut tx = expected;
        tx.input[0].witness = self.m.complete(p, seq, &msg, mine, (&st.payer_nonce, st.payer_partial), "payer")?;
        Ok(tx)
    }

    fn answer(&self, params: &ChannelParams, tx: &Transaction, owner: Who, latest: u64, name: &str) -> Answer {
        self.m.answer(params, tx, owner, latest, name)
    }
}

/// The answer to the other's version `seq`, told: the penalty through the revocation leaf when
/// `penalty`, else the one-block sweep of its own balance.
fn told_answer(tx: Transaction, penalty: bool, name: &str, seq: u64) -> Answer {
    if penalty {
        Answer {
            note: Some(Told::new(|l| {
                match l {
                Lang::En => format!(
                    "{name} sees revoked commitment #{seq} on the chain and takes its delayed output through the \
                     revocation leaf, with the revocation key"
                ),
                Lang::Zh => format!(
                    "{name} 在链上看到已撤销的承诺交易 #{seq}，用撤销密钥经由撤销叶子拿走它的延迟输出（惩罚：作弊方失去自己的余额）"
                ),
            }
            })),
            reply: Some(Reply {
                tx,
                word: "penalty",
                what: (
                    "the penalty (revocation leaf) against commitment #{seq}",
                    "针对承诺交易 #{seq} 的惩罚交易（撤销叶子）",
                ),
                seq,
            }),
        }
    } else {
        Answer {
            note: Some(Told::new(|l| match l {
                Lang::En => format!("{name} sees commitment #{seq} and sweeps its own balance from it after one block"),
                Lang::Zh => format!("{name} 看到承诺交易 #{seq}，一个区块后从中清扫自己的余额"),
            })),
            reply: Some(Reply {
                tx,
                word: "sweep",
                what: (
                    "the one-block sweep (to_remote leaf) of commitment #{seq}",
                    "承诺交易 #{seq} 的一区块清扫交易（to_remote 叶子）",
                ),
                seq,
            }),
        }
    }
}
