//! What a routed run writes, and the channel folder's format that `paychan verify` reads back.
//!
//! ```text
//! <out>/<name>/
//!   steps.csv      every BOLT #2 message: step, channel, from, to, message, what it carried
//!   balances.csv   after every step, every channel's agreed balances and HTLCs in flight
//!   htlcs.csv      one row per HTLC per hop: hash, amount, expiry, the step of each change
//!   channels/<a>-<b>/
//!     channel.json     the public keys, the funder's coin and the signed funding transaction
//!     commitments.csv  every commitment either side holds, fully signed, its revocation
//!     htlc-txs.csv     every HTLC-timeout and HTLC-success transaction, fully signed
//!     chain.csv        every transaction broadcast for the channel, and its fate on chain
//! ```

use std::fs;
use std::path::{Path, PathBuf};

use bitcoin::consensus::encode::serialize_hex;
use serde::{Deserialize, Serialize};

use super::flow::Routed;
use super::link::Link;
use super::Network;
use crate::output::OutputError;

/// The folder under a routed run's folder that holds one folder per channel.
pub const CHANNELS: &str = "channels";

/// The channel folders of `dir` in name order when `dir` is a routed run's folder (its
/// steps.csv beside its channels/), so `paychan verify` can check every channel of the run.
pub fn channel_dirs(dir: &Path) -> Option<Vec<PathBuf>> {
    if !dir.join("steps.csv").is_file() {
        return None;
    }
    let mut dirs: Vec<PathBuf> = fs::read_dir(dir.join(CHANNELS))
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    Some(dirs)
}

/// `channel.json`: a channel's public parameters, enough to check every transaction of its
/// folder without the scenario or a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelJson {
    /// Always "routed-revocable": BOLT #3's revocable commitments with HTLC outputs.
    pub kind: String,
    /// The channel's name.
    pub channel: String,
    /// The two nodes' names, side a then side b.
    pub nodes: [String; 2],
    /// "a" or "b": who opened it and pays the fees.
    pub funder: String,
    /// The funding output's value.
    pub capacity_sat: u64,
    /// BOLT #3's fee rate of every commitment, in sat per 1,000 weight units.
    pub feerate_per_kw: u32,
    /// Both sides' `to_self_delay`.
    pub to_self_delay: u16,
    /// The funder's coin the funding spends: outpoint, value and P2WPKH script.
    pub coin_outpoint: String,
    /// The coin's value.
    pub coin_sat: u64,
    /// The coin's script.
    pub coin_script_pubkey_hex: String,
    /// The signed funding transaction.
    pub funding_tx_hex: String,
    /// Its txid.
    pub funding_txid: String,
    /// Each side's public keys: funding, payment (also HTLC), delayed payment, revocation.
    pub keys: [SideKeys; 2],
}

/// One side's public keys, compressed SEC hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SideKeys {
    /// Funding key.
    pub funding: String,
    /// `payment_basepoint`, also `htlc_basepoint`.
    pub payment: String,
    /// `delayed_payment_basepoint`.
    pub delayed_payment: String,
    /// `revocation_basepoint`.
    pub revocation: String,
}

/// One row of `commitments.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitmentRow {
    /// "a" or "b": whose version.
    pub holder: String,
    /// Its commitment number.
    pub number: u64,
    /// The step that signed it.
    pub step: u64,
    /// The holder's balance before the fee.
    pub to_local_sat: u64,
    /// The other's balance before the fee.
    pub to_remote_sat: u64,
    /// The HTLCs in flight.
    pub htlc_sat: u64,
    /// How many HTLCs.
    pub htlcs: usize,
    /// The fee (trimmed amounts included).
    pub fee_sat: u64,
    /// The holder's per-commitment point.
    pub per_commitment_point: String,
    /// The secret that revoked it; empty while it is current.
    pub revoked_by_secret: String,
    /// Its txid.
    pub txid: String,
    /// The fully signed transaction.
    pub tx_hex: String,
}

/// One row of `htlc-txs.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HtlcTxRow {
    /// "a" or "b": whose commitment it spends.
    pub holder: String,
    /// That commitment's number.
    pub commitment: u64,
    /// The step that completed it.
    pub step: u64,
    /// "HTLC-timeout" or "HTLC-success".
    pub kind: String,
    /// The HTLC's payment hash.
    pub payment_hash: String,
    /// The commitment output it spends.
    pub vout: u32,
    /// That output's value.
    pub amount_sat: u64,
    /// That output's witness script.
    pub witness_script_hex: String,
    /// Its txid.
    pub txid: String,
    /// The fully signed transaction.
    pub tx_hex: String,
}

fn side(s: usize) -> String {
    if s == 0 { "a" } else { "b" }.to_string()
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io { path: path.to_path_buf(), source }
}

fn csv_file<T: Serialize>(path: &Path, rows: impl IntoIterator<Item = T>) -> Result<(), OutputError> {
    let mut w =
        csv::Writer::from_path(path).map_err(|e| OutputError::Io { path: path.to_path_buf(), source: e.into() })?;
    for row in rows {
        w.serialize(row).map_err(|e| OutputError::Io { path: path.to_path_buf(), source: e.into() })?;
    }
    w.flush().map_err(io(path))
}

/// The channel's `channel.json`.
pub fn channel_json(n: &Network, link: &Link) -> ChannelJson {
    let keys = link.basepoints.map(|b| SideKeys {
        funding: b.funding.to_string(),
        payment: b.payment.to_string(),
        delayed_payment: b.delayed_payment.to_string(),
        revocation: b.revocation.to_string(),
    });
    ChannelJson {
        kind: "routed-revocable".into(),
        channel: link.name.clone(),
        nodes: link.nodes.map(|k| n.nodes[k].name.clone()),
        funder: side(link.funder),
        capacity_sat: link.capacity.to_sat(),
        feerate_per_kw: crate::channel::revocable::feerate_per_kw(link.fee_rate),
        to_self_delay: link.to_self_delay,
        coin_outpoint: link.coin.outpoint.to_string(),
        coin_sat: link.coin.amount.to_sat(),
        coin_script_pubkey_hex: link.coin.script_pubkey.to_hex_string(),
        funding_tx_hex: serialize_hex(&link.funding_tx),
        funding_txid: link.funding_tx.compute_txid().to_string(),
        keys,
    }
}

fn write_channel(dir: &Path, n: &Network, link: &Link) -> Result<(), OutputError> {
    fs::create_dir_all(dir).map_err(io(dir))?;
    let json = serde_json::to_string_pretty(&channel_json(n, link)).expect("plain data serializes");
    let path = dir.join("channel.json");
    fs::write(&path, json + "\n").map_err(io(&path))?;
    let rows = link.commitments.iter().map(|c| CommitmentRow {
        holder: side(c.holder),
        number: c.number,
        step: c.step,
        to_local_sat: c.state.balances[c.holder].to_sat(),
        to_remote_sat: c.state.balances[1 - c.holder].to_sat(),
        htlc_sat: c.state.in_flight().to_sat(),
        htlcs: c.state.htlcs.len(),
        fee_sat: c.fee.to_sat(),
        per_commitment_point: c.point.to_string(),
        revoked_by_secret: c.revoked_by.map(|s| hex(&s)).unwrap_or_default(),
        txid: c.tx.compute_txid().to_string(),
        tx_hex: serialize_hex(&c.tx),
    });
    csv_file(&dir.join("commitments.csv"), rows)?;
    let rows = link.htlc_txs.iter().map(|t| HtlcTxRow {
        holder: side(t.holder),
        commitment: t.number,
        step: t.step,
        kind: t.kind.to_string(),
        payment_hash: t.payment_hash.to_string(),
        vout: t.output.vout,
        amount_sat: t.output.amount.to_sat(),
        witness_script_hex: t.output.witness_script.to_hex_string(),
        txid: t.tx.compute_txid().to_string(),
        tx_hex: serialize_hex(&t.tx),
    });
    csv_file(&dir.join("htlc-txs.csv"), rows)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Serialize)]
struct StepRow<'a> {
    step: u64,
    channel: &'a str,
    from: &'a str,
    to: &'a str,
    message: &'a str,
    detail: &'a str,
}

#[derive(Serialize)]
struct BalanceRow<'a> {
    step: u64,
    channel: &'a str,
    a: &'a str,
    a_sat: u64,
    b: &'a str,
    b_sat: u64,
    in_flight_sat: u64,
}

#[derive(Serialize)]
struct HtlcRow<'a> {
    payment: usize,
    hop: usize,
    channel: &'a str,
    offerer: &'a str,
    receiver: &'a str,
    payment_hash: String,
    amount_sat: u64,
    cltv_expiry: u32,
    added_step: u64,
    committed_step: u64,
    fulfilled_step: Option<u64>,
    failed_step: Option<u64>,
    removed_step: Option<u64>,
    resolution: &'a str,
    resolved_height: Option<u32>,
    preimage: String,
}

/// Writes every file of the run into `dir` (the staging folder).
///
/// # Errors
///
/// [`OutputError::Io`] when a file cannot be written.
pub fn write(dir: &Path, n: &Network, r: &Routed) -> Result<(), OutputError> {
    let name = |k: usize| n.nodes[k].name.as_str();
    let channel = |c: usize| r.links[c].name.as_str();
    let steps = r.steps.iter().map(|s| StepRow {
        step: s.step,
        channel: channel(s.channel),
        from: name(s.from),
        to: name(s.to),
        message: s.message,
        detail: &s.detail,
    });
    csv_file(&dir.join("steps.csv"), steps)?;
    let balances = r.snapshots.iter().flat_map(|snap| {
        snap.channels.iter().enumerate().map(move |(c, (b, flight))| BalanceRow {
            step: snap.step,
            channel: channel(c),
            a: name(r.links[c].nodes[0]),
            a_sat: b[0].to_sat(),
            b: name(r.links[c].nodes[1]),
            b_sat: b[1].to_sat(),
            in_flight_sat: flight.to_sat(),
        })
    });
    csv_file(&dir.join("balances.csv"), balances)?;
    let htlcs = r.htlcs.iter().map(|h| HtlcRow {
        payment: h.payment,
        hop: h.hop,
        channel: channel(h.channel),
        offerer: name(h.offerer),
        receiver: name(h.receiver),
        payment_hash: h.payment_hash.to_string(),
        amount_sat: h.amount.to_sat(),
        cltv_expiry: h.cltv_expiry,
        added_step: h.added,
        committed_step: h.committed,
        fulfilled_step: h.fulfilled,
        failed_step: h.failed,
        removed_step: h.removed,
        resolution: h.resolution,
        resolved_height: h.resolved_height,
        preimage: h.preimage.map(|p| hex(&p)).unwrap_or_default(),
    });
    csv_file(&dir.join("htlcs.csv"), htlcs)?;
    for (c, link) in r.links.iter().enumerate() {
        let folder = dir.join(CHANNELS).join(&link.name);
        write_channel(&folder, n, link)?;
        super::onchain::write_chain_csv(&folder, n, &r.chain, c)?;
    }
    Ok(())
}
