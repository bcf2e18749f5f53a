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

use bitcoin::secp256k1::ecdsa::Signature;
use bitcoin::secp256k1::{Message, PublicKey};
use bitcoin::{Amount, Transaction, Witness};

use super::keys::{KeyChain, Role};
use super::side::{Answer, Funding, PayeeSide, PayerSide, Pending, Reply};
use super::{
    describe_difference, public_key, Countersignature, PayeeKeys, Proposal, ProtocolError, SignedCommitment, Signer,
};
use crate::channel::bolt3::{self, SecretStore};
use crate::channel::part::Extra;
use crate::channel::revocable::{half_signed, secp, signature_of, Basepoints, ChannelBasepoints, Revocable};
use crate::channel::{self, ChannelParams, Split, Who};
use crate::words::{Lang, Told};

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

/// The revocable design's part of a proposal: the payer's signature of the payee's version (or
/// of the cooperative close), and her per-commitment point of her own version of the state, so
/// the payee can build the version he signs for her (none for the close).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HerProposal {
    /// Her signature.
    pub sig: Signature,
    /// Her per-commitment point.
    pub point: Option<PublicKey>,
}

/// The revocable design's part of a countersignature: the payee's signature of the payer's
/// version (or of the close), and his per-commitment secret of his previous version, which
/// revokes it (none for state 0 and the close).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HisReply {
    /// His signature.
    pub sig: Signature,
    /// His revocation of his previous version.
    pub revoking: Option<[u8; 32]>,
}

/// The revocable design's announcement before a proposal: the payee's per-commitment point of
/// his version of the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HisPoint(pub PublicKey);

/// The revocable design's part of a signed state: the payer's version as she holds it (signed by
/// the payee, her slot empty until she broadcasts it) beside the payee's, which is logged, and
/// what the exchange revealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versions {
    /// The payer's version.
    pub held: Transaction,
    /// The points and revocation secrets this state's exchange revealed.
    pub revealed: Revealed,
}

/// The revocable part of `c`, if it has one.
pub fn versions(c: &SignedCommitment) -> Option<&Versions> {
    c.extra.get::<Versions>()
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
        let Some(r) = versions(c).map(|v| v.revealed) else { return Ok(()) };
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

/// The payee's basepoints, whose payment basepoint is its `payout` key.
fn payee_basepoints(keys: &KeyChain, payout: PublicKey) -> Basepoints {
    Basepoints {
        payment: payout,
        delayed_payment: public_key(keys, Role::PayeeDelayedBase),
        revocation: public_key(keys, Role::PayeeRevocationBase),
    }
}

/// The design as a party builds its versions with it: from the settings the channel's design
/// was made with.
fn design_of(params: &ChannelParams) -> Revocable {
    Revocable::new(&params.design.settings().unwrap_or_default())
}

/// A party's answer, as `name`, to a version `tx` that `owner` broadcast and that confirmed, the
/// party being `me` with material `rev`: the penalty when it is the other's revoked version, the
/// delayed sweep when it is its own.
fn answers(
    rev: &Revocation,
    me: Who,
    params: &ChannelParams,
    tx: &Transaction,
    owner: Who,
    latest: u64,
    name: &str,
) -> Answer {
    let design = design_of(params);
    let Some(seq) = design.commitment_number(params, tx) else { return Answer::default() };
    if owner == me {
        let reply = rev.sweep(&design, params, seq, tx).map(|tx| Reply {
            tx,
            word: "sweep",
            what: ("the delayed sweep of commitment #{seq}", "承诺交易 #{seq} 的延迟清扫交易"),
            seq,
        });
        return Answer { note: None, reply };
    }
    if seq >= latest {
        return Answer::default();
    }
    match rev.penalty(&design, params, seq, tx) {
        Some(tx) => Answer {
            note: Some(Told::new(|l| match l {
                Lang::En => format!(
                    "{name} sees revoked commitment #{seq} on the chain and takes its delayed output with the \
                     revocation key"
                ),
                Lang::Zh => format!(
                    "{name} 在链上看到已撤销的承诺交易 #{seq}，用撤销密钥拿走它的延迟输出（惩罚：作弊方失去自己的余额）"
                ),
            })),
            reply: Some(Reply {
                tx,
                word: "penalty",
                what: ("the penalty against commitment #{seq}", "针对承诺交易 #{seq} 的惩罚交易"),
                seq,
            }),
        },
        None => {
            let note = Told::new(|l| match l {
                Lang::En => format!("{name} sees commitment #{seq}, which pays {name} directly"),
                Lang::Zh => format!("{name} 看到承诺交易 #{seq}，它直接付款给 {name}"),
            });
            Answer { note: Some(note), reply: None }
        }
    }
}

/// The payer's side: her revocable material and the payee's announced point of his next version.
#[derive(Debug, Clone)]
pub struct RevocablePayer {
    rev: Revocation,
    /// The payee's announced per-commitment point for the next version.
    their_next: Option<(u64, PublicKey)>,
}

/// The payee's side: his revocable material and the point of his version last announced (not
/// derived twice).
#[derive(Debug, Clone)]
pub struct RevocablePayee {
    rev: Revocation,
    announced: Option<(u64, PublicKey)>,
    keys: KeyChain,
}

/// What the log records of a state: the payee's version (signed by the payer, held by him) with
/// his point of it and the secret of his previous version he handed over, and the payer's
/// version beside it (signed by him, held by her) with hers.
pub fn copies<'a>(_: &dyn crate::channel::Design, c: &'a SignedCommitment) -> super::Copies<'a> {
    let Some(v) = versions(c) else {
        let logged = super::HeldCopy { signed_by: "payer", held_by: "payee", point: None, revealed_secret: None };
        return super::Copies { logged, other: None };
    };
    let r = &v.revealed;
    let logged = super::HeldCopy {
        signed_by: "payer",
        held_by: "payee",
        point: Some(r.payee_point),
        revealed_secret: r.payee_secret,
    };
    let hers = super::HeldCopy {
        signed_by: "payee",
        held_by: "payer",
        point: Some(r.payer_point),
        revealed_secret: r.payer_secret,
    };
    super::Copies { logged, other: Some((&v.held, hers)) }
}

/// The payer's side of the revocable design ([`super::DESIGNS`]).
pub fn payer(keys: &KeyChain) -> Box<dyn PayerSide> {
    Box::new(RevocablePayer { rev: Revocation::new(keys, Who::Payer), their_next: None })
}

/// The payee's side of the revocable design.
pub fn payee(keys: &KeyChain) -> Box<dyn PayeeSide> {
    Box::new(RevocablePayee { rev: Revocation::new(keys, Who::Payee), announced: None, keys: *keys })
}

impl RevocablePayer {
    /// The payer's material.
    pub fn revocation(&self) -> &Revocation {
        &self.rev
    }

    fn announced(&self, seq: u64) -> PublicKey {
        self.their_next
            .filter(|(n, _)| *n == seq)
            .map(|(_, point)| point)
            .expect("the payee announces its point of a version before the payer proposes it")
    }
}

impl PayerSide for RevocablePayer {
    fn clone_box(&self) -> Box<dyn PayerSide> {
        Box::new(self.clone())
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    /// Without the payee's basepoints the channel has none, and the payee refuses to join it.
    fn open(&mut self, params: &mut ChannelParams, payee: &PayeeKeys, refund: PublicKey) {
        if let Some(theirs) = payee.extra.get::<Basepoints>() {
            params.extra = Extra::of(ChannelBasepoints { payer: self.rev.basepoints(refund), payee: *theirs });
        }
    }

    fn hear(&mut self, seq: u64, note: Extra) {
        if let Some(HisPoint(point)) = note.get::<HisPoint>() {
            self.their_next = Some((seq, *point));
        }
    }

    /// Her signature goes on the payee's version, built with his announced point; the
    /// cooperative close is one plain transaction.
    fn offer(&mut self, f: &Funding, seq: u64, split: &Split, settlement: bool) -> (Proposal, Message) {
        let p = &f.params;
        let (tx, point) = if settlement {
            (p.settlement_tx(seq, split), None)
        } else {
            let mine = self.rev.next_point(seq);
            let tx = design_of(p)
                .version(p, Who::Payee, seq, split, &self.announced(seq))
                .expect("a split the channel can pay builds a commitment with an output")
                .tx;
            (tx, Some(mine))
        };
        let (sig, msg) = f.signer.sign_funding_input(&tx, &f.sighash);
        (Proposal { seq, tx, extra: Extra::of(HerProposal { sig, point }) }, msg)
    }

    /// Checks the payee's signature of the payer's own version of the proposed state and keeps
    /// both versions half-signed as each party holds them; the close both signed.
    fn accept(
        &mut self,
        f: &Funding,
        pending: Pending,
        reply: Countersignature,
    ) -> Result<SignedCommitment, ProtocolError> {
        let Pending { proposal, split, msg, settlement } = pending;
        let p = &f.params;
        let seq = proposal.seq;
        let her = *proposal.extra.get::<HerProposal>().expect("the payer's own proposal is of her design");
        let his = *reply.extra.get::<HisReply>().ok_or(ProtocolError::Missing { seq, who: "payee" })?;
        let payee_sig = his.sig;
        if settlement {
            if !f.signer.verify(&msg, &payee_sig, &p.payee_funding_key) {
                return Err(ProtocolError::BadSignature { seq, who: "payee" });
            }
            let tx = p.with_signatures(proposal.tx, &her.sig, &payee_sig);
            return Ok(SignedCommitment {
                seq,
                split,
                txid: channel::txid(&tx),
                vsize: channel::vsize(&tx),
                tx,
                extra: Extra::NONE,
            });
        }
        let mine = her.point.expect("the payer's own proposal of a version carries her point");
        let mismatch = |detail: String| ProtocolError::Mismatch { seq, owed: split.paid, detail };
        let own = design_of(p).version(p, Who::Payer, seq, &split, &mine).map_err(|e| mismatch(e.to_string()))?;
        let own_msg = p.funding_sighash(&own.tx);
        if !f.signer.verify(&own_msg, &payee_sig, &p.payee_funding_key) {
            return Err(ProtocolError::BadSignature { seq, who: "payee" });
        }
        let revocation = his.revoking;
        if seq > 0 && revocation.is_none() {
            return Err(ProtocolError::BadRevocation { seq, detail: "the payee revokes nothing".to_string() });
        }
        let theirs = self.announced(seq);
        let mut held = own.tx;
        held.input[0].witness = half_signed(p, Who::Payee, &bitcoin::ecdsa::Signature::sighash_all(payee_sig));
        let mut tx = proposal.tx;
        tx.input[0].witness = half_signed(p, Who::Payer, &bitcoin::ecdsa::Signature::sighash_all(her.sig));
        let revealed = Revealed {
            payer_point: mine,
            payee_point: theirs,
            payer_secret: (seq > 0).then(|| self.rev.next_secret(seq - 1)),
            payee_secret: revocation,
        };
        Ok(SignedCommitment {
            seq,
            split,
            txid: channel::txid(&tx),
            vsize: channel::vsize(&tx),
            tx,
            extra: Extra::of(Versions { held, revealed }),
        })
    }

    fn receive(&mut self, c: &SignedCommitment) -> Result<(), ProtocolError> {
        self.rev.receive_from(c)
    }

    /// Her own version of state `c`: rebuilt from her point and the state's split, the payee's
    /// signature checked, hers added. The close (no held version) as it is.
    fn complete_own(&self, f: &Funding, c: &SignedCommitment) -> Result<Transaction, ProtocolError> {
        match versions(c) {
            Some(v) => self.complete_version(f, c.seq, &c.split, &v.held),
            None => Ok(c.tx.clone()),
        }
    }

    /// State 0's exchange reveals the payee's first point; she keeps her own version of it.
    fn keep_refund(&mut self, refund: SignedCommitment) -> Result<Transaction, ProtocolError> {
        self.rev.receive_from(&refund)?;
        Ok(versions(&refund).map_or(refund.tx.clone(), |v| v.held.clone()))
    }

    fn refund(&self, f: &Funding, kept: Option<&Transaction>) -> Option<Transaction> {
        let split = f.params.split(Amount::ZERO).ok()?;
        self.complete_version(f, 0, &split, kept?).ok()
    }

    fn answer(&self, params: &ChannelParams, tx: &Transaction, owner: Who, latest: u64, name: &str) -> Answer {
        answers(&self.rev, Who::Payer, params, tx, owner, latest, name)
    }
}

impl RevocablePayer {
    /// Her version `held` of state `seq` (dividing the channel as `split`) made complete: rebuilt
    /// from her point and the split, the payee's signature in it checked, hers added.
    fn complete_version(
        &self,
        f: &Funding,
        seq: u64,
        split: &Split,
        held: &Transaction,
    ) -> Result<Transaction, ProtocolError> {
        let p = &f.params;
        let mismatch = |detail: String| ProtocolError::Mismatch { seq, owed: split.paid, detail };
        let own = design_of(p)
            .version(p, Who::Payer, seq, split, &self.rev.point(seq))
            .map_err(|e| mismatch(e.to_string()))?;
        let mut bare = held.clone();
        bare.input.iter_mut().for_each(|i| i.witness = Witness::new());
        if bare != own.tx {
            return Err(mismatch("the held version is not the one the payer computes".to_string()));
        }
        let theirs =
            signature_of(p, Who::Payee, &held.input[0].witness).ok_or(ProtocolError::Missing { seq, who: "payee" })?;
        let sig = f.signer.sign_p2wsh_input_if(&own.tx, 0, &p.witness_script, p.funding_amount, |s, msg| {
            if s.verify(msg, &theirs.signature, &p.payee_funding_key) {
                Ok(())
            } else {
                Err(ProtocolError::BadSignature { seq, who: "payee" })
            }
        })?;
        Ok(p.with_signatures(own.tx, &sig, &theirs.signature))
    }
}

impl RevocablePayee {
    /// The payee's material.
    pub fn revocation(&self) -> &Revocation {
        &self.rev
    }

    fn own_point(&self, seq: u64) -> PublicKey {
        match self.announced {
            Some((n, point)) if n == seq => point,
            _ => self.rev.point(seq),
        }
    }
}

impl PayeeSide for RevocablePayee {
    fn clone_box(&self) -> Box<dyn PayeeSide> {
        Box::new(self.clone())
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn tell_keys(&self, keys: &mut PayeeKeys, payout: PublicKey) {
        keys.extra = Extra::of(payee_basepoints(&self.keys, payout));
    }

    fn agrees(&self, p: &ChannelParams, payout: PublicKey) -> bool {
        p.extra.get::<ChannelBasepoints>().is_some_and(|b| b.payee == payee_basepoints(&self.keys, payout))
    }

    fn announce(&mut self, seq: u64) -> Option<Extra> {
        let point = self.rev.next_point(seq);
        self.announced = Some((seq, point));
        Some(Extra::of(HisPoint(point)))
    }

    /// His own version rebuilt and the payer's signature of it checked, then his signature of
    /// her version, and his revocation of his previous version; the close as one plain
    /// transaction both sign.
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
        let expected = if settlement {
            p.settlement_tx(seq, split)
        } else {
            design.version(p, Who::Payee, seq, split, &self.own_point(seq)).map_err(|e| mismatch(e.to_string()))?.tx
        };
        if proposal.tx != expected {
            return Err(mismatch(describe_difference(p, &expected, &proposal.tx)));
        }
        let her = *proposal.extra.get::<HerProposal>().ok_or(ProtocolError::Missing { seq, who: "payer" })?;
        let msg = p.funding_sighash(&expected);
        if !f.signer.verify(&msg, &her.sig, &p.payer_funding_key) {
            return Err(ProtocolError::BadSignature { seq, who: "payer" });
        }
        if settlement {
            let (sig, _) = f.signer.sign_p2wsh_input(&expected, 0, &p.witness_script, p.funding_amount);
            return Ok(Countersignature { seq, extra: Extra::of(HisReply { sig, revoking: None }) });
        }
        let hers = her.point.ok_or_else(|| mismatch("the payer's per-commitment point is missing".to_string()))?;
        let her_version = design.version(p, Who::Payer, seq, split, &hers).map_err(|e| mismatch(e.to_string()))?.tx;
        let (sig, _) = f.signer.sign_p2wsh_input(&her_version, 0, &p.witness_script, p.funding_amount);
        let revoking = (seq > 0).then(|| self.rev.next_secret(seq - 1));
        if seq == 0 {
            self.rev.first(0, hers);
        }
        Ok(Countersignature { seq, extra: Extra::of(HisReply { sig, revoking }) })
    }

    fn receive(&mut self, c: &SignedCommitment) -> Result<(), ProtocolError> {
        self.rev.receive_from(c)
    }

    /// His version of state `c` (the close as it is), rebuilt with his point, the payer's
    /// signature checked, his added.
    fn complete(&self, f: &Funding, c: &SignedCommitment) -> Result<Transaction, ProtocolError> {
        if versions(c).is_none() {
            return Ok(c.tx.clone());
        }
        let p = &f.params;
        let seq = c.seq;
        let expected = design_of(p)
            .version(p, Who::Payee, seq, &c.split, &self.own_point(seq))
            .map_err(|e| ProtocolError::Mismatch { seq, owed: c.split.paid, detail: e.to_string() })?
            .tx;
        let mut bare = c.tx.clone();
        bare.input.iter_mut().for_each(|i| i.witness = Witness::new());
        if bare != expected {
            return Err(ProtocolError::Mismatch {
                seq,
                owed: c.split.paid,
                detail: describe_difference(p, &expected, &bare),
            });
        }
        super::complete_half_signed(f, expected, &c.tx.input[0].witness, seq)
    }

    fn answer(&self, params: &ChannelParams, tx: &Transaction, owner: Who, latest: u64, name: &str) -> Answer {
        answers(&self.rev, Who::Payee, params, tx, owner, latest, name)
    }
}
