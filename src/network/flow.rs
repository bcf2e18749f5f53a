//! The payments, hop by hop, in BOLT #2's order.
//!
//! A payment first goes forward: each hop's offerer sends `update_add_htlc` and
//! `commitment_signed`, the receiver `revoke_and_ack` and its own `commitment_signed`, the
//! offerer `revoke_and_ack`; only then, with the HTLC irrevocably in both commitments, does the
//! receiver offer the next hop. The recipient knows the preimage; it goes back: each receiver
//! sends `update_fulfill_htlc` and the same four messages remove the HTLC and move its amount to
//! the receiver. Every message is one step, numbered from 1; every step ends with a snapshot of
//! every channel's agreed balances.

use bitcoin::hashes::sha256;
use bitcoin::Amount;

use super::link::{Link, LinkSpec, LiveHtlc, State};
use super::{Network, NetworkError};
use crate::party::routed;

/// One message between two peers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Its number, from 1.
    pub step: u64,
    /// The channel it crossed.
    pub channel: usize,
    /// The sending node.
    pub from: usize,
    /// The receiving node.
    pub to: usize,
    /// BOLT #2's name for it.
    pub message: &'static str,
    /// What it carried.
    pub detail: String,
}

/// Every channel's agreed balances after one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The step.
    pub step: u64,
    /// Per channel: the two balances and the HTLCs in flight.
    pub channels: Vec<([Amount; 2], Amount)>,
}

/// One HTLC of one hop, and when each of its state changes happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtlcRecord {
    /// The payment, from 1.
    pub payment: usize,
    /// The hop, from 1.
    pub hop: usize,
    /// The channel.
    pub channel: usize,
    /// Who offered it.
    pub offerer: usize,
    /// Who received it.
    pub receiver: usize,
    /// The payment hash.
    pub payment_hash: sha256::Hash,
    /// Its amount.
    pub amount: Amount,
    /// Its absolute expiry.
    pub cltv_expiry: u32,
    /// The step of `update_add_htlc`.
    pub added: u64,
    /// The step after which both commitments carry it, irrevocably.
    pub committed: u64,
    /// The step of `update_fulfill_htlc`.
    pub fulfilled: Option<u64>,
    /// The step after which both commitments have removed it.
    pub removed: Option<u64>,
    /// The step of `update_fail_htlc`.
    pub failed: Option<u64>,
    /// How it ended: "fulfilled" or "failed" off chain; on chain "success-on-chain" (the
    /// receiver's HTLC-success confirmed) or "timeout-on-chain" (the offerer's HTLC-timeout
    /// confirmed); "pending" if it never ended.
    pub resolution: &'static str,
    /// The block that resolved it on chain.
    pub resolved_height: Option<u32>,
    /// The preimage, once revealed to the offerer.
    pub preimage: Option<[u8; 32]>,
}

/// Everything a routed run did.
#[derive(Debug)]
pub struct Routed {
    /// The channels, with every transaction signed on them.
    pub links: Vec<Link>,
    /// Every message.
    pub steps: Vec<Step>,
    /// The balances after each step (step 0: the opening).
    pub snapshots: Vec<Snapshot>,
    /// Every HTLC of every hop.
    pub htlcs: Vec<HtlcRecord>,
    /// Every transaction broadcast, in order (the fundings first).
    pub chain: Vec<super::onchain::Broadcast>,
    /// The chain's tip when the run ended.
    pub end_height: u32,
}

impl Routed {
    fn send(&mut self, channel: usize, from_side: usize, message: &'static str, detail: String) -> u64 {
        let nodes = self.links[channel].nodes;
        let step = self.steps.len() as u64 + 1;
        self.steps.push(Step { step, channel, from: nodes[from_side], to: nodes[1 - from_side], message, detail });
        step
    }

    fn snapshot(&mut self) {
        let step = self.steps.len() as u64;
        let channels = self.links.iter().map(|l| (l.agreed.balances, l.agreed.in_flight())).collect();
        self.snapshots.push(Snapshot { step, channels });
    }

    /// Moves `link` from its agreed state to `next` with `initiator` signing first: the four
    /// messages after an update. Returns the last step.
    fn commit(&mut self, channel: usize, initiator: usize, next: State) -> Result<u64, NetworkError> {
        let mut last = 0;
        for signer in [initiator, 1 - initiator] {
            let msg = self.links[channel].commitment_signed(signer, &next)?;
            let detail = format!("commitment {} with {} HTLC signatures", msg.number, msg.htlc_signatures.len());
            let step = self.send(channel, signer, "commitment_signed", detail);
            self.links[channel].receive_commitment_signed(1 - signer, &msg, &next, step)?;
            self.snapshot();
            let ack = self.links[channel].revoke_and_ack(1 - signer)?;
            last = self.send(channel, 1 - signer, "revoke_and_ack", format!("revokes commitment {}", ack.revoked));
            if signer != initiator {
                self.links[channel].agreed = next.clone();
            }
            self.snapshot();
        }
        Ok(last)
    }
}

/// Opens every channel: funding, the first points, each side's commitment 0 signed by the other.
pub(crate) fn open(n: &Network) -> Result<Routed, NetworkError> {
    let mut links = Vec::with_capacity(n.channels.len());
    for (i, c) in n.channels.iter().enumerate() {
        let spec = LinkSpec {
            name: n.channel_name(i),
            nodes: c.nodes.map(|k| (k, n.nodes[k].name.as_str())),
            funder: c.funder,
            balances: c.balances,
            seed: n.seed,
            fee_rate: n.fee_rate,
            to_self_delay: n.to_self_delay,
        };
        let mut link = Link::open(spec)?;
        link.exchange_first_points()?;
        links.push(link);
    }
    let mut r = Routed {
        links,
        steps: Vec::new(),
        snapshots: Vec::new(),
        htlcs: Vec::new(),
        chain: Vec::new(),
        end_height: n.start_height,
    };
    r.snapshot();
    for i in 0..r.links.len() {
        let state = r.links[i].agreed.clone();
        let funder = r.links[i].funder;
        // funding_created carries the funder's signature of the other's commitment 0;
        // funding_signed the other's of the funder's.
        for (signer, message) in [(funder, "funding_created"), (1 - funder, "funding_signed")] {
            let msg = r.links[i].commitment_signed(signer, &state)?;
            let step = r.send(i, signer, message, "commitment 0".into());
            r.links[i].receive_commitment_signed(1 - signer, &msg, &state, step)?;
            r.snapshot();
        }
    }
    Ok(r)
}

/// Adds the HTLC of `hop` to its channel and commits it both ways.
pub(crate) fn add(
    r: &mut Routed,
    n: &Network,
    payment: usize,
    hop: usize,
    hash: sha256::Hash,
) -> Result<(), NetworkError> {
    let h = n.payments[payment].hops[hop];
    let c = h.channel;
    let side = n.channels[c].side(h.offerer).expect("validated");
    let live = LiveHtlc { offerer: side, amount: h.amount, payment_hash: hash, cltv_expiry: h.cltv_expiry };
    let mut next = r.links[c].agreed.clone();
    next.balances[side] = next.balances[side]
        .checked_sub(h.amount)
        .ok_or_else(|| NetworkError::Protocol(format!("{}: balance below the HTLC", r.links[c].name)))?;
    next.htlcs.push(live);
    let detail = format!("{} sat, payment hash {hash}, cltv_expiry {}", h.amount.to_sat(), h.cltv_expiry);
    let added = r.send(c, side, "update_add_htlc", detail);
    r.snapshot();
    let committed = r.commit(c, side, next)?;
    r.htlcs.push(HtlcRecord {
        payment: payment + 1,
        hop: hop + 1,
        channel: c,
        offerer: h.offerer,
        receiver: h.receiver,
        payment_hash: hash,
        amount: h.amount,
        cltv_expiry: h.cltv_expiry,
        added,
        committed,
        fulfilled: None,
        removed: None,
        failed: None,
        resolution: "pending",
        resolved_height: None,
        preimage: None,
    });
    Ok(())
}

/// The receiver of `hop` reveals the preimage, completes its HTLC-success transactions, and
/// both commit the HTLC's removal with its amount on the receiver's side; unless the offerer
/// vanishes on learning it (`vanishes`), when the HTLC stays in both commitments.
pub(crate) fn fulfill(
    r: &mut Routed,
    n: &Network,
    record: usize,
    preimage: [u8; 32],
    vanishes: bool,
) -> Result<(), NetworkError> {
    let (c, receiver, hash) = {
        let h = &r.htlcs[record];
        (h.channel, h.receiver, h.payment_hash)
    };
    let side = n.channels[c].side(receiver).expect("validated");
    if routed::payment_hash(&preimage) != hash {
        return Err(NetworkError::Protocol(format!(
            "{}: the preimage does not hash to the payment hash",
            r.links[c].name
        )));
    }
    let mut next = r.links[c].agreed.clone();
    let at = next
        .htlcs
        .iter()
        .position(|h| h.payment_hash == hash && h.offerer != side)
        .ok_or_else(|| NetworkError::Protocol(format!("{}: no HTLC of hash {hash} to fulfill", r.links[c].name)))?;
    let h = next.htlcs.remove(at);
    next.balances[side] = next.balances[side].checked_add(h.amount).expect("within the capacity");
    let fulfilled = r.send(c, side, "update_fulfill_htlc", format!("payment preimage {}", hex(&preimage)));
    let completed = r.links[c].complete_success_txs(side, &preimage, fulfilled)?;
    r.steps.last_mut().expect("just sent").detail += &format!(" ({completed} HTLC-success transactions completed)");
    r.snapshot();
    if vanishes {
        let rec = &mut r.htlcs[record];
        (rec.fulfilled, rec.preimage) = (Some(fulfilled), Some(preimage));
        return Ok(());
    }
    let removed = r.commit(c, side, next)?;
    let rec = &mut r.htlcs[record];
    (rec.fulfilled, rec.removed, rec.resolution, rec.preimage) =
        (Some(fulfilled), Some(removed), "fulfilled", Some(preimage));
    Ok(())
}

/// The receiver of the HTLC of `record` fails it (`update_fail_htlc`): both commit its removal
/// with its amount back on the offerer's side.
pub(crate) fn fail(r: &mut Routed, n: &Network, record: usize, why: &str) -> Result<(), NetworkError> {
    let (c, receiver, hash) = {
        let h = &r.htlcs[record];
        (h.channel, h.receiver, h.payment_hash)
    };
    let side = n.channels[c].side(receiver).expect("validated");
    let mut next = r.links[c].agreed.clone();
    let at = next
        .htlcs
        .iter()
        .position(|h| h.payment_hash == hash && h.offerer != side)
        .ok_or_else(|| NetworkError::Protocol(format!("{}: no HTLC of hash {hash} to fail", r.links[c].name)))?;
    let h = next.htlcs.remove(at);
    next.balances[1 - side] = next.balances[1 - side].checked_add(h.amount).expect("within the capacity");
    let failed = r.send(c, side, "update_fail_htlc", why.to_string());
    r.snapshot();
    let removed = r.commit(c, side, next)?;
    let rec = &mut r.htlcs[record];
    (rec.failed, rec.removed, rec.resolution) = (Some(failed), Some(removed), "failed");
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs every payment of `n`: the channels opened, each payment forward and back, and what its
/// failures put on the chain ([`super::failures`]).
///
/// # Errors
///
/// [`NetworkError`] when a transaction cannot be built, a check fails or the protocol breaks.
pub fn route(n: &Network) -> Result<Routed, NetworkError> {
    super::failures::play(n, open(n)?)
}
