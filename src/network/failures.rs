//! A routed payment when something goes wrong: BOLT #5's handling, played on the chain.
//!
//! The payments run as [`super::flow`] says while every node answers. The scenario's
//! [`Event`]s break that: a node vanishes (at a moment of the payment, perhaps coming back), or
//! after the payments a node broadcasts one of its revoked commitments. What the others then do
//! follows BOLT #2 and BOLT #5, at each height of the simulated chain ([`super::onchain`]), in
//! this order:
//!
//! 1. **off chain, where both peers are up**: a receiver that knows the preimage fulfills
//!    (`update_fulfill_htlc`), a receiver whose next hop failed or timed out fails back
//!    (`update_fail_htlc`), each with the four messages that commit it, last hop first;
//! 2. **closing**: a receiver that knows the preimage and whose offerer is gone broadcasts its
//!    latest commitment, to claim the HTLC before it expires; an offerer whose HTLC reached its
//!    `cltv_expiry` unresolved broadcasts its own (BOLT #2: it must fail the channel);
//! 3. **second stage**, on a closed channel: the holder's HTLC-timeout once final (lock time
//!    `cltv_expiry`), its HTLC-success once it knows the preimage; on a revoked commitment the
//!    other side's penalty (every output the revocation key opens) once it confirmed, and the
//!    cheater's HTLC-timeout when its lock time comes;
//! 4. **sweeps** of delayed outputs (`to_local`, HTLC transactions' outputs) after
//!    `to_self_delay` blocks, to the owner's payment basepoint;
//!
//! then a block is mined, and a node whose HTLC output was claimed with the preimage learns it
//! from the witness. The run ends when nothing is left to do, or when every expiry and delay has
//! passed.
//!
//! Not simulated: the remote side's direct spends of an HTLC output from the other's
//! commitment (its preimage or timeout branch: a run that needs one stops with an error saying
//! so), fee bumping, and a node that vanishes in more than one payment.

use std::collections::{BTreeMap, BTreeSet};

use bitcoin::hashes::{sha256, Hash};
use bitcoin::{OutPoint, Transaction};

use super::flow::{self, Routed};
use super::onchain::{self, Delayed, World};
use super::scenario::{Event, VanishWhen};
use super::{Network, NetworkError};
use crate::channel::bolt3;
use crate::party::routed;

/// A channel closed on chain by one side's commitment.
#[derive(Debug, Clone)]
struct Close {
    /// The side whose commitment it is.
    holder: usize,
    /// Its number.
    number: u64,
    /// The commitment.
    tx: Transaction,
    /// Whether it was revoked (a cheat).
    revoked: bool,
    /// Whether the penalty was broadcast.
    punished: bool,
    /// The cheater's HTLC-timeouts already tried.
    tried: BTreeSet<bitcoin::Txid>,
}

/// Who is online, who knows which preimage, what each channel's state on chain is.
struct Play<'a> {
    n: &'a Network,
    /// Vanished nodes and the height each comes back at (`None`: never).
    gone: BTreeMap<usize, Option<u32>>,
    /// (payment, node) pairs: who knows that payment's preimage.
    knows: BTreeSet<(usize, usize)>,
    preimages: Vec<[u8; 32]>,
    closes: Vec<Option<Close>>,
    /// Records whose HTLC transaction was broadcast, and that transaction.
    second_stage: BTreeMap<usize, Transaction>,
}

impl Play<'_> {
    fn up(&self, node: usize, tip: u32) -> bool {
        match self.gone.get(&node) {
            None => true,
            Some(Some(back)) => tip >= *back,
            Some(None) => false,
        }
    }

    fn vanishes(&self, node: usize, at: VanishWhen) -> Option<Option<u32>> {
        self.n.events.iter().find_map(|e| match *e {
            Event::Vanish { node: v, when, returns } if v == node && when == at => Some(returns),
            _ => None,
        })
    }

    /// `node` vanishes at `at`, if the scenario says so.
    fn maybe_vanish(&mut self, node: usize, at: VanishWhen) {
        if let Some(returns) = self.vanishes(node, at) {
            self.gone.insert(node, returns);
        }
    }

    fn knows(&self, payment: usize, node: usize) -> bool {
        self.knows.contains(&(payment, node))
    }
}

/// Plays every payment of `n` on the opened channels `r`, then what the events put on the chain.
///
/// # Errors
///
/// [`NetworkError`] when a transaction cannot be built, a check fails, the chain refuses an honest
/// node's transaction or the run needs what is not simulated.
pub(crate) fn play(n: &Network, mut r: Routed) -> Result<Routed, NetworkError> {
    let mut w = World::open(n, &r.links)?;
    let mut p = Play {
        n,
        gone: BTreeMap::new(),
        knows: BTreeSet::new(),
        preimages: Vec::new(),
        closes: vec![None; r.links.len()],
        second_stage: BTreeMap::new(),
    };
    for (k, pay) in n.payments.iter().enumerate() {
        let preimage = routed::preimage(n.seed, k + 1, &n.nodes[pay.to].name);
        p.preimages.push(preimage);
        p.knows.insert((k, pay.to));
        forward(&mut r, &mut p, k, routed::payment_hash(&preimage), w.tip())?;
        off_chain(&mut r, &mut p, w.tip())?;
    }
    for e in &n.events {
        if let Event::BroadcastRevoked { node, channel, commitment } = *e {
            cheat(&r, &mut p, &mut w, node, channel, commitment)?;
        }
    }
    let last = r.htlcs.iter().map(|h| h.cltv_expiry).chain(p.gone.values().flatten().copied()).max();
    let end = last.unwrap_or(n.start_height).max(w.tip()) + u32::from(n.to_self_delay) + 2;
    loop {
        let tip = w.tip();
        off_chain(&mut r, &mut p, tip)?;
        on_chain(&mut r, &mut p, &mut w, tip)?;
        let delayed_waiting = w.sweep(&r.links, &|node| p.up(node, tip))?;
        let revoked_work = p.closes.iter().flatten().any(|c| c.revoked && !(c.punished && attempts_left(&r, c) == 0));
        let pending = r.htlcs.iter().any(|h| h.resolution == "pending");
        let mempool = w.log.iter().any(|b| b.status == onchain::Status::Unconfirmed);
        if !(pending || revoked_work || delayed_waiting || mempool) || tip >= end {
            break;
        }
        let block = w.mine();
        learn(&mut r, &mut p, &w, &block);
    }
    r.end_height = w.tip();
    r.chain = w.log;
    Ok(r)
}

/// Payment `k` forward, hop by hop, while both peers of the next hop are online.
fn forward(r: &mut Routed, p: &mut Play<'_>, k: usize, hash: sha256::Hash, tip: u32) -> Result<(), NetworkError> {
    for hop in 0..p.n.payments[k].hops.len() {
        let h = p.n.payments[k].hops[hop];
        if !p.up(h.offerer, tip) || !p.up(h.receiver, tip) {
            break;
        }
        flow::add(r, p.n, k, hop, hash)?;
        p.maybe_vanish(h.receiver, VanishWhen::Received);
        p.maybe_vanish(h.offerer, VanishWhen::Forwarded);
    }
    Ok(())
}

/// Why the HTLC after `record` (same payment, next hop) lets its receiver fail `record` back:
/// it failed or timed out, or it was never offered.
fn downstream_failed(r: &Routed, n: &Network, record: usize) -> Option<String> {
    let rec = &r.htlcs[record];
    let next = r.htlcs.iter().find(|h| h.payment == rec.payment && h.hop == rec.hop + 1);
    match next {
        Some(h) if h.resolution == "failed" => Some("the next hop's HTLC failed".into()),
        Some(h) if h.resolution == "timeout-on-chain" || h.resolution == "trimmed-on-chain" => Some(format!(
            "the next hop's HTLC timed out on chain at height {}",
            h.resolved_height.expect("resolved on chain")
        )),
        None if n.payments[rec.payment - 1].to != rec.receiver => Some("the next hop could not be offered".into()),
        _ => None,
    }
}

/// Step 1: every HTLC both of whose peers are up and whose channel is open, fulfilled by a
/// receiver that knows the preimage or failed by one whose next hop failed; last hop first,
/// until nothing changes.
fn off_chain(r: &mut Routed, p: &mut Play<'_>, tip: u32) -> Result<(), NetworkError> {
    loop {
        let mut changed = false;
        for i in (0..r.htlcs.len()).rev() {
            let rec = &r.htlcs[i];
            let (k, off, rcv) = (rec.payment - 1, rec.offerer, rec.receiver);
            let open = p.closes[rec.channel].is_none();
            if rec.resolution != "pending" || rec.fulfilled.is_some() || !open || !p.up(off, tip) || !p.up(rcv, tip) {
                continue;
            }
            if p.knows(k, rcv) {
                let vanishes = p.vanishes(off, VanishWhen::Learned).is_some();
                flow::fulfill(r, p.n, i, p.preimages[k], vanishes)?;
                p.knows.insert((k, off));
                p.maybe_vanish(off, VanishWhen::Learned);
                changed = true;
            } else if let Some(why) = downstream_failed(r, p.n, i) {
                flow::fail(r, p.n, i, &why)?;
                changed = true;
            }
        }
        if !changed {
            return Ok(());
        }
    }
}

/// `side` of channel `c` broadcasts its latest commitment.
fn close(r: &Routed, p: &mut Play<'_>, w: &mut World, c: usize, side: usize) -> Result<(), NetworkError> {
    let link = &r.links[c];
    let record = link.latest(side).expect("every side holds commitment 0").clone();
    w.submit(c, "commitment", link.nodes[side], record.tx.clone(), true)?;
    let (built, _, _) = link.rebuild(&record)?;
    if let Some(t) = &built.commitment.to_local {
        w.wait_delayed(Delayed {
            channel: c,
            side,
            outpoint: OutPoint { txid: record.tx.compute_txid(), vout: t.vout },
            amount: t.amount,
            witness_script: t.witness_script.clone(),
            point: record.point,
            swept: false,
        });
    }
    p.closes[c] = Some(Close {
        holder: side,
        number: record.number,
        tx: record.tx,
        revoked: false,
        punished: false,
        tried: BTreeSet::new(),
    });
    Ok(())
}

/// `node` broadcasts its revoked commitment `number` of `channel`.
fn cheat(
    r: &Routed,
    p: &mut Play<'_>,
    w: &mut World,
    node: usize,
    channel: usize,
    number: u64,
) -> Result<(), NetworkError> {
    let link = &r.links[channel];
    let side = p.n.channels[channel].side(node).expect("validated");
    let record = link
        .commitments
        .iter()
        .find(|c| c.holder == side && c.number == number && c.revoked_by.is_some())
        .ok_or_else(|| NetworkError::Protocol(format!("{}: commitment {number} was never revoked", link.name)))?;
    w.submit(channel, "revoked-commitment", node, record.tx.clone(), true)?;
    p.closes[channel] = Some(Close {
        holder: side,
        number,
        tx: record.tx.clone(),
        revoked: true,
        punished: false,
        tried: BTreeSet::new(),
    });
    Ok(())
}

/// The cheater's HTLC-timeouts of a revoked close it has not yet tried.
fn attempts_left(r: &Routed, c: &Close) -> usize {
    let txid = c.tx.compute_txid();
    r.links
        .iter()
        .flat_map(|l| &l.htlc_txs)
        .filter(|t| t.kind == "HTLC-timeout" && t.tx.input[0].previous_output.txid == txid)
        .filter(|t| !c.tried.contains(&t.tx.compute_txid()))
        .count()
}

/// Steps 2 and 3 at `tip`.
fn on_chain(r: &mut Routed, p: &mut Play<'_>, w: &mut World, tip: u32) -> Result<(), NetworkError> {
    for i in 0..r.htlcs.len() {
        let rec = r.htlcs[i].clone();
        let (k, c) = (rec.payment - 1, rec.channel);
        if rec.resolution != "pending" {
            continue;
        }
        let side_of = |node: usize| p.n.channels[c].side(node).expect("validated");
        if p.closes[c].is_none() {
            if p.up(rec.receiver, tip) && p.knows(k, rec.receiver) && !p.up(rec.offerer, tip) {
                close(r, p, w, c, side_of(rec.receiver))?;
            } else if p.up(rec.offerer, tip) && tip >= rec.cltv_expiry {
                close(r, p, w, c, side_of(rec.offerer))?;
            }
        }
        let Some(cl) = p.closes[c].clone() else { continue };
        if cl.revoked || p.second_stage.contains_key(&i) {
            continue;
        }
        let holder = r.links[c].nodes[cl.holder];
        let kind = if holder == rec.offerer { "HTLC-timeout" } else { "HTLC-success" };
        let completed = |l: &super::link::Link| {
            l.htlc_txs.iter().any(|t| {
                t.holder == cl.holder && t.number == cl.number && t.kind == kind && t.payment_hash == rec.payment_hash
            })
        };
        if kind == "HTLC-success" && p.knows(k, holder) && p.up(holder, tip) && !completed(&r.links[c]) {
            // It never sent update_fulfill_htlc (its peer was gone): it completes the
            // HTLC-success transactions it holds now, with the preimage.
            let step = r.steps.len() as u64;
            r.links[c].complete_success_txs(cl.holder, &p.preimages[k], step)?;
        }
        let link = &r.links[c];
        let Some(t) = link.htlc_txs.iter().find(|t| {
            t.holder == cl.holder && t.number == cl.number && t.kind == kind && t.payment_hash == rec.payment_hash
        }) else {
            continue; // Trimmed: it went to the fee (resolved when the commitment confirms).
        };
        let other = if holder == rec.offerer { rec.receiver } else { rec.offerer };
        let holder_acts = if holder == rec.offerer { tip >= rec.cltv_expiry } else { p.knows(k, holder) };
        let other_would = if other == rec.offerer { tip >= rec.cltv_expiry } else { p.knows(k, other) };
        if p.up(holder, tip) && holder_acts {
            let tx = t.tx.clone();
            let record = link
                .commitments
                .iter()
                .find(|x| x.holder == cl.holder && x.number == cl.number)
                .expect("closed with a commitment it signed");
            let (_, _, keys) = link.rebuild(record)?;
            let witness_script = bolt3::to_local_script(
                &keys.commitment.revocation_pubkey,
                link.to_self_delay,
                &keys.commitment.local_delayed_pubkey,
            );
            let point = record.point;
            w.submit(c, kind, holder, tx.clone(), true)?;
            w.wait_delayed(Delayed {
                channel: c,
                side: cl.holder,
                outpoint: OutPoint { txid: tx.compute_txid(), vout: 0 },
                amount: tx.output[0].value,
                witness_script,
                point,
                swept: false,
            });
            p.second_stage.insert(i, tx);
        } else if p.up(other, tip) && other_would && !p.up(holder, tip) {
            return Err(NetworkError::Protocol(format!(
                "{}: {} would spend the HTLC output of {}'s commitment directly, which this simulation does not build yet",
                link.name, p.n.nodes[other].name, p.n.nodes[holder].name
            )));
        }
    }
    revoked(r, p, w, tip)
}

/// Step 3 on revoked closes: the penalty once the revoked commitment confirmed, and the
/// cheater's HTLC-timeouts when final.
fn revoked(r: &mut Routed, p: &mut Play<'_>, w: &mut World, tip: u32) -> Result<(), NetworkError> {
    for c in 0..p.closes.len() {
        let Some(cl) = p.closes[c].clone() else { continue };
        if !cl.revoked {
            continue;
        }
        let link = &r.links[c];
        let (cheater, victim) = (link.nodes[cl.holder], link.nodes[1 - cl.holder]);
        if !cl.punished && w.confirmed(&cl.tx).is_some() && p.up(victim, tip) {
            let tx = onchain::signed_penalty(link, 1 - cl.holder, cl.number)?;
            w.submit(c, "penalty", victim, tx, true)?;
            p.closes[c].as_mut().expect("closed").punished = true;
        }
        let txid = cl.tx.compute_txid();
        let attempts: Vec<Transaction> = link
            .htlc_txs
            .iter()
            .filter(|t| t.kind == "HTLC-timeout" && t.tx.input[0].previous_output.txid == txid)
            .map(|t| t.tx.clone())
            .filter(|t| !cl.tried.contains(&t.compute_txid()) && tip >= t.lock_time.to_consensus_u32())
            .collect();
        for tx in attempts {
            p.closes[c].as_mut().expect("closed").tried.insert(tx.compute_txid());
            w.submit(c, "HTLC-timeout", cheater, tx, false)?;
        }
    }
    Ok(())
}

/// Whether the commitment of `close` has an output for the HTLC of `hash` (it is not trimmed).
fn has_output(link: &super::link::Link, close: &Close, hash: sha256::Hash) -> bool {
    let record = link.commitments.iter().find(|x| x.holder == close.holder && x.number == close.number);
    record
        .and_then(|r| link.rebuild(r).ok())
        .is_some_and(|(built, htlcs, _)| built.htlcs.iter().any(|o| htlcs[o.htlc].payment_hash == hash))
}

/// After a block: each record whose HTLC transaction (or, trimmed, whose commitment) confirmed
/// is resolved; a node whose HTLC output was claimed with the preimage learns it from the witness.
fn learn(r: &mut Routed, p: &mut Play<'_>, w: &World, block: &[Transaction]) {
    for (&i, tx) in &p.second_stage {
        let rec = &mut r.htlcs[i];
        if rec.resolution == "pending" {
            if let Some(h) = w.confirmed(tx) {
                let timeout = tx.lock_time.to_consensus_u32() != 0;
                rec.resolution = if timeout { "timeout-on-chain" } else { "success-on-chain" };
                rec.resolved_height = Some(h);
            }
        }
    }
    for rec in r.htlcs.iter_mut().filter(|h| h.resolution == "pending") {
        let Some(cl) = &p.closes[rec.channel] else { continue };
        if cl.revoked {
            continue;
        }
        let Some(h) = w.confirmed(&cl.tx) else { continue };
        if !has_output(&r.links[rec.channel], cl, rec.payment_hash) {
            (rec.resolution, rec.resolved_height) = ("trimmed-on-chain", Some(h));
        }
    }
    for tx in block {
        let Some(b) = w.log.iter().find(|b| b.tx.compute_txid() == tx.compute_txid()) else { continue };
        for input in &tx.input {
            for item in input.witness.iter().filter(|item| item.len() == 32) {
                let hash = sha256::Hash::hash(item);
                for rec in r.htlcs.iter_mut().filter(|h| h.channel == b.channel && h.payment_hash == hash) {
                    p.knows.insert((rec.payment - 1, rec.offerer));
                    rec.preimage = Some(item.try_into().expect("32 bytes"));
                }
            }
        }
    }
}
