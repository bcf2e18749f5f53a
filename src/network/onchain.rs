//! The network's chain: what its nodes broadcast when a payment fails (BOLT #5), on the crate's
//! simulated chain ([`crate::chain`]).
//!
//! Every channel's funding confirms in block `start_height`; the payments then run at that tip.
//! When a node has to close a channel it broadcasts its latest commitment, and then, each when
//! it becomes final, the second-stage transactions it holds for it (HTLC-timeout after
//! `cltv_expiry`, HTLC-success once it knows the preimage); the other side of a revoked
//! commitment takes its `to_local` and HTLC outputs in one penalty; after `to_self_delay`
//! blocks each node sweeps its delayed outputs to its payment basepoint. The chain decides
//! heights and ordering only: whether a transaction can be mined is Bitcoin Core's interpreter's
//! verdict (all flags, CLTV and CSV included) and the chain's lock-time, double-spend, value and
//! fee-rate rules. Each channel folder's `chain.csv` lists what was broadcast for that channel.

use std::path::Path;

use bitcoin::consensus::encode::serialize_hex;
use bitcoin::{Amount, OutPoint, Transaction, TxOut, Weight};
use serde::{Deserialize, Serialize};

use super::link::Link;
use super::{Network, NetworkError};
use crate::chain::Chain;
use crate::channel::{bolt3, htlc};
use crate::output::OutputError;
use crate::scenario::MIN_RELAY_FEE_RATE;

/// What became of a broadcast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Mined in the block at this height.
    Confirmed(u32),
    /// Refused by the chain when broadcast.
    Rejected,
    /// Still waiting in the mempool when the run ended.
    Unconfirmed,
}

/// One transaction a node broadcast for a channel.
#[derive(Debug, Clone)]
pub struct Broadcast {
    /// The channel.
    pub channel: usize,
    /// "funding", "commitment", "revoked-commitment", "HTLC-timeout", "HTLC-success", "penalty"
    /// or "sweep".
    pub kind: &'static str,
    /// The node that broadcast it.
    pub by: usize,
    /// The chain's tip when it was broadcast (it is judged for the next block).
    pub broadcast_height: u32,
    /// What became of it.
    pub status: Status,
    /// The chain's reason, when it was refused.
    pub reason: String,
    /// The signed transaction.
    pub tx: Transaction,
}

/// An output that waits `to_self_delay` blocks for its owner: a commitment's `to_local`, or an
/// HTLC transaction's output.
#[derive(Debug, Clone)]
pub(crate) struct Delayed {
    pub(crate) channel: usize,
    pub(crate) side: usize,
    pub(crate) outpoint: OutPoint,
    pub(crate) amount: Amount,
    pub(crate) witness_script: bitcoin::ScriptBuf,
    pub(crate) point: bitcoin::secp256k1::PublicKey,
    pub(crate) swept: bool,
}

/// The simulated chain of a network run and everything broadcast on it.
pub struct World {
    chain: Chain,
    /// Every broadcast, in order.
    pub log: Vec<Broadcast>,
    pub(crate) delayed: Vec<Delayed>,
}

impl std::fmt::Debug for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("World").field("tip", &self.chain.tip()).field("log", &self.log.len()).finish_non_exhaustive()
    }
}

impl World {
    /// A chain whose block `start_height` confirms every channel's funding, each spending its
    /// funder's coin (confirmed the block before).
    ///
    /// # Errors
    ///
    /// [`NetworkError::Protocol`] when a funding is refused.
    pub fn open(n: &Network, links: &[Link]) -> Result<World, NetworkError> {
        let before = n.start_height - 1;
        let mut w = World { chain: Chain::new(before, MIN_RELAY_FEE_RATE), log: Vec::new(), delayed: Vec::new() };
        for (c, l) in links.iter().enumerate() {
            let coin = TxOut { value: l.coin.amount, script_pubkey: l.coin.script_pubkey.clone() };
            w.chain
                .add_external_coin(l.coin.outpoint, coin, before)
                .map_err(|e| NetworkError::Protocol(format!("{}: {e}", l.name)))?;
            w.submit(c, "funding", l.nodes[l.funder], l.funding_tx.clone(), true)?;
        }
        w.mine();
        Ok(w)
    }

    /// The chain's tip.
    pub fn tip(&self) -> u32 {
        self.chain.tip()
    }

    /// Broadcasts `tx` for `channel` on behalf of node `by`. A refusal is an error when
    /// `must_pass` (an honest node's transaction, built to be valid at this height), and is logged
    /// as `rejected` otherwise (a cheater's attempt).
    ///
    /// # Errors
    ///
    /// [`NetworkError::Protocol`] when a transaction that must pass is refused.
    pub fn submit(
        &mut self,
        channel: usize,
        kind: &'static str,
        by: usize,
        tx: Transaction,
        must_pass: bool,
    ) -> Result<bool, NetworkError> {
        let broadcast_height = self.chain.tip();
        let (status, reason) = match self.chain.submit(tx.clone()) {
            Ok(_) => (Status::Unconfirmed, String::new()),
            Err(r) if must_pass => {
                return Err(NetworkError::Protocol(format!(
                    "the chain refused a {kind} at height {}: {r}",
                    broadcast_height + 1
                )))
            }
            Err(r) => (Status::Rejected, r.to_string()),
        };
        let accepted = status == Status::Unconfirmed;
        self.log.push(Broadcast { channel, kind, by, broadcast_height, status, reason, tx });
        Ok(accepted)
    }

    /// Mines the next block; returns its transactions.
    pub fn mine(&mut self) -> Vec<Transaction> {
        let block = self.chain.mine();
        for b in self.log.iter_mut().filter(|b| b.status == Status::Unconfirmed) {
            if self.chain.confirmation_height(&b.tx.compute_txid()) == Some(block.height) {
                b.status = Status::Confirmed(block.height);
            }
        }
        block.txs
    }

    /// The height at which `tx` confirmed, if it did.
    pub fn confirmed(&self, tx: &Transaction) -> Option<u32> {
        self.chain.confirmation_height(&tx.compute_txid())
    }

    /// Whether `tx` was accepted (in the mempool or a block).
    pub fn accepted(&self, tx: &Transaction) -> bool {
        let txid = tx.compute_txid();
        self.log.iter().any(|b| b.status != Status::Rejected && b.tx.compute_txid() == txid)
    }

    /// Registers output `vout` of `tx`, a `to_local`-script output of `side` in `channel`, to be
    /// swept after the delay.
    pub(crate) fn wait_delayed(&mut self, d: Delayed) {
        self.delayed.push(d);
    }

    /// Sweeps every delayed output whose delay is over at the next block, for the owners `up`
    /// says are online. Returns whether any delayed output is still waiting.
    ///
    /// # Errors
    ///
    /// [`NetworkError`] when a sweep cannot be built, signed or broadcast.
    pub fn sweep(&mut self, links: &[Link], up: &dyn Fn(usize) -> bool) -> Result<bool, NetworkError> {
        let next = self.chain.next_height();
        let mut waiting = false;
        for i in 0..self.delayed.len() {
            let d = self.delayed[i].clone();
            if d.swept {
                continue;
            }
            let link = &links[d.channel];
            let Some((_, height)) = self.chain.unspent(&d.outpoint) else {
                waiting = true;
                continue;
            };
            let owner = link.nodes[d.side];
            if next < height + u32::from(link.to_self_delay) || !up(owner) {
                waiting = true;
                continue;
            }
            let tx = signed_sweep(link, &d)?;
            self.submit(d.channel, "sweep", owner, tx, true)?;
            self.delayed[i].swept = true;
        }
        Ok(waiting)
    }
}

/// The fee of `tx` at the network's fee rate, counted from its signed weight plus two weight
/// units a signature (a DER signature can be a byte longer when signed again).
fn fee_of(link: &Link, tx: &Transaction) -> Result<Amount, NetworkError> {
    let sigs = tx.input.len() as u64;
    link.fee_rate.fee_wu(tx.weight() + Weight::from_wu(2 * sigs)).ok_or(NetworkError::Fee)
}

fn signed_sweep(link: &Link, d: &Delayed) -> Result<Transaction, NetworkError> {
    let destination = link.payout(d.side);
    let build = |fee: Amount| -> Result<Transaction, NetworkError> {
        let mut tx = bolt3::delayed_sweep_tx(d.outpoint, d.amount, link.to_self_delay, destination.clone(), fee)?;
        let sig = link.sign_delayed(d.side, &tx, 0, (&d.witness_script, d.amount), &d.point)?;
        tx.input[0].witness = bolt3::delayed_sweep_witness(&sig, &d.witness_script);
        Ok(tx)
    };
    let draft = build(Amount::ZERO)?;
    build(fee_of(link, &draft)?)
}

/// The penalty `side` signs against the other's revoked commitment `number`, confirmed on chain
/// as `tx`: its `to_local` and every HTLC output, in one transaction to `side`'s payout.
///
/// # Errors
///
/// [`NetworkError`] when the commitment does not rebuild or a signature cannot be made.
pub fn signed_penalty(link: &Link, side: usize, number: u64) -> Result<Transaction, NetworkError> {
    let record = link
        .commitments
        .iter()
        .find(|c| c.holder == 1 - side && c.number == number)
        .ok_or_else(|| NetworkError::Protocol(format!("{}: no commitment {number} to punish", link.name)))?;
    let (built, _, keys) = link.rebuild(record)?;
    let txid = record.tx.compute_txid();
    // (outpoint, value, script, is the to_local)
    let mut spends = Vec::new();
    if let Some(t) = &built.commitment.to_local {
        spends.push((OutPoint { txid, vout: t.vout }, t.amount, t.witness_script.clone(), true));
    }
    for h in &built.htlcs {
        spends.push((OutPoint { txid, vout: h.vout }, h.amount, h.witness_script.clone(), false));
    }
    let inputs: Vec<(OutPoint, Amount)> = spends.iter().map(|(o, a, _, _)| (*o, *a)).collect();
    let build = |fee: Amount| -> Result<Transaction, NetworkError> {
        let mut tx = htlc::penalty_tx(&inputs, link.payout(side), fee)?;
        for (i, (_, amount, script, to_local)) in spends.iter().enumerate() {
            let sig = link.sign_revoked(side, &tx, i, (script, *amount), number)?;
            tx.input[i].witness = if *to_local {
                bolt3::penalty_witness(&sig, script)
            } else {
                htlc::htlc_revocation_witness(&sig, &keys.commitment.revocation_pubkey, script)
            };
        }
        Ok(tx)
    };
    let draft = build(Amount::ZERO)?;
    build(fee_of(link, &draft)?)
}

/// What each side of `link` (channel `channel`) received on chain: the confirmed outputs of the
/// channel's broadcasts that pay its payout script. `None` when nothing but the funding confirmed.
pub fn received(link: &Link, log: &[Broadcast], channel: usize) -> Option<[Amount; 2]> {
    let mine: Vec<&Broadcast> = log.iter().filter(|b| b.channel == channel).collect();
    if !mine.iter().any(|b| b.kind != "funding" && matches!(b.status, Status::Confirmed(_))) {
        return None;
    }
    let paid = |side: usize| {
        let spk = link.payout(side);
        mine.iter()
            .filter(|b| matches!(b.status, Status::Confirmed(_)))
            .flat_map(|b| &b.tx.output)
            .filter(|o| o.script_pubkey == spk)
            .map(|o| o.value)
            .sum::<Amount>()
    };
    Some([paid(0), paid(1)])
}

/// The columns of a routed channel's `chain.csv`, in order.
pub const CHAIN_COLUMNS: [&str; 8] =
    ["txid", "kind", "broadcast_by", "broadcast_height", "status", "confirmed_height", "reason", "tx_hex"];

/// One row of a routed channel's `chain.csv`: a transaction a node broadcast for the channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainRow {
    /// Its txid.
    pub txid: String,
    /// What it is ([`Broadcast::kind`]).
    pub kind: String,
    /// The node that broadcast it.
    pub broadcast_by: String,
    /// The chain's tip when it was broadcast.
    pub broadcast_height: u32,
    /// "confirmed", "rejected" or "unconfirmed".
    pub status: String,
    /// Its block, if confirmed.
    pub confirmed_height: Option<u32>,
    /// The chain's reason for refusing it; empty when accepted.
    pub reason: String,
    /// The signed transaction.
    pub tx_hex: String,
}

/// Writes `dir/chain.csv`: channel `channel`'s broadcasts, in order.
///
/// # Errors
///
/// [`OutputError::Io`] when the file cannot be written.
pub fn write_chain_csv(dir: &Path, n: &Network, log: &[Broadcast], channel: usize) -> Result<(), OutputError> {
    let path = dir.join("chain.csv");
    let bad = |e: csv::Error| OutputError::Io { path: path.clone(), source: e.into() };
    let mut w = csv::Writer::from_path(&path).map_err(bad)?;
    for b in log.iter().filter(|b| b.channel == channel) {
        let (status, confirmed_height) = match b.status {
            Status::Confirmed(h) => ("confirmed", Some(h)),
            Status::Rejected => ("rejected", None),
            Status::Unconfirmed => ("unconfirmed", None),
        };
        w.serialize(ChainRow {
            txid: b.tx.compute_txid().to_string(),
            kind: b.kind.to_string(),
            broadcast_by: n.nodes[b.by].name.clone(),
            broadcast_height: b.broadcast_height,
            status: status.to_string(),
            confirmed_height,
            reason: b.reason.clone(),
            tx_hex: serialize_hex(&b.tx),
        })
        .map_err(bad)?;
    }
    w.flush().map_err(|source| OutputError::Io { path: path.clone(), source })
}
