//! Routed payments: HTLCs across a network of revocable channels (issue 19).
//!
//! One channel pays one payee. The chapter goes on to the payment that crosses several channels
//! without trusting the nodes in between: each hop is a hash time lock contract on the same
//! payment hash, offered for a little more than the next and expiring a little later, so a node
//! that forwards can always claim upstream what it paid downstream. This module takes a network
//! scenario ([`scenario`]: nodes, channels, payments and their routes, checked at the edge) and
//! plays each payment as BOLT #2's update flow in memory.

pub mod chart;
pub mod failures;
pub mod files;
pub mod flow;
pub mod link;
pub mod narrate;
pub mod onchain;
pub(crate) mod raw;
pub mod report;
pub mod scenario;
pub mod verify;
pub mod words;

pub use scenario::{ChannelSpec, Event, Hop, Network, Node, Payment, VanishWhen};

use std::path::{Path, PathBuf};

use crate::output::{OutputError, Staging};

/// A routed run that could not be completed.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    /// A BOLT #3 primitive failed.
    #[error(transparent)]
    Bolt3(#[from] crate::channel::bolt3::Bolt3Error),
    /// A transaction could not be built.
    #[error("{channel}: {what}")]
    Build {
        /// The channel.
        channel: String,
        /// What failed.
        what: String,
    },
    /// A fee overflowed.
    #[error("the fee rate overflows a fee")]
    Fee,
    /// A message broke the protocol (a peer refused it).
    #[error("{0}")]
    Protocol(String),
    /// A transaction failed Bitcoin Core's interpreter or paychan's policy.
    #[error("{channel}: {place}: {source}")]
    Check {
        /// The channel.
        channel: String,
        /// Which transaction.
        place: String,
        /// The failed check.
        source: crate::rules::CheckError,
    },
    /// The output could not be written.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// The chart could not be drawn or written.
    #[error(transparent)]
    Chart(#[from] crate::output::chart::ChartError),
}

/// What a routed run wrote.
#[derive(Debug)]
pub struct NetworkOutcome {
    /// The output folder.
    pub dir: PathBuf,
    /// Everything the run did.
    pub routed: flow::Routed,
}

/// Routes every payment of `n` and writes the run into `out/<name>/`, atomically: the files for
/// machines (English), and the chart and the network page in `lang`.
///
/// # Errors
///
/// [`NetworkError`] when the run or the writing fails; nothing is left half-written.
pub fn run(n: &Network, out: &Path, force: bool, lang: crate::words::Lang) -> Result<NetworkOutcome, NetworkError> {
    let staging = Staging::prepare(out, &n.name, force)?;
    let routed = flow::route(n)?;
    files::write(staging.path(), n, &routed)?;
    chart::write(staging.path(), n, &routed, lang)?;
    report::write(staging.path(), n, &routed, lang)?;
    let dir = staging.commit()?;
    Ok(NetworkOutcome { dir, routed })
}

/// The lines `paychan run` prints: each channel's balances at the end, and what was signed.
pub fn human_summary(n: &Network, o: &NetworkOutcome) -> String {
    let btc = |a: bitcoin::Amount| crate::units::format_amount(a, bitcoin::Denomination::Bitcoin);
    let r = &o.routed;
    let commitments: usize = r.links.iter().map(|l| l.commitments.len()).sum();
    let htlc_txs: usize = r.links.iter().map(|l| l.htlc_txs.len()).sum();
    let mut out = format!(
        "paychan: {} payments routed in {} messages; {commitments} commitments and {htlc_txs} HTLC transactions signed, each through Bitcoin Core's interpreter\n",
        n.payments.len(),
        r.steps.len()
    );
    for (c, l) in r.links.iter().enumerate() {
        let [a, b] = l.nodes;
        match onchain::received(l, &r.chain, c) {
            None => {
                out += &format!(
                    "  {:<12} {} {} / {} {}\n",
                    l.name,
                    n.nodes[a].name,
                    btc(l.agreed.balances[0]),
                    n.nodes[b].name,
                    btc(l.agreed.balances[1])
                )
            }
            Some(got) => {
                out += &format!(
                    "  {:<12} closed on chain: {} received {} / {} received {}\n",
                    l.name,
                    n.nodes[a].name,
                    btc(got[0]),
                    n.nodes[b].name,
                    btc(got[1])
                )
            }
        }
    }
    if !n.events.is_empty() {
        for k in 0..n.payments.len() {
            let Some(h) = r.htlcs.iter().filter(|h| h.payment == k + 1).max_by_key(|h| h.hop) else { continue };
            let at = h.resolved_height.map(|x| format!(" at height {x}")).unwrap_or_default();
            out += &format!(
                "  payment  {}: its furthest HTLC, {} to {}, ended {}{at}\n",
                k + 1,
                n.nodes[h.offerer].name,
                n.nodes[h.receiver].name,
                h.resolution
            );
        }
    }
    let on_chain = r.chain.iter().filter(|b| b.kind != "funding").count();
    if on_chain > 0 {
        out += &format!(
            "  chain    {on_chain} transactions broadcast after the fundings, blocks {} to {}; each channel's chain.csv\n",
            n.start_height, r.end_height
        );
    }
    out += &format!(
        "  wrote    {}/{{steps.csv, balances.csv, htlcs.csv, balances.png, balances.svg, report.html, channels/}}\n",
        o.dir.display()
    );
    out
}

/// Whether the file at `path` is a network scenario: TOML with `[[node]]` tables.
pub fn is_network(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .is_some_and(|table| table.contains_key("node"))
}

/// The plan `paychan check` prints: the channels, and each payment hop by hop.
pub fn describe(n: &Network) -> String {
    let btc = |a: bitcoin::Amount| crate::units::format_amount(a, bitcoin::Denomination::Bitcoin);
    let mut out =
        format!("  network   {} nodes, {} channels, {} payments\n", n.nodes.len(), n.channels.len(), n.payments.len());
    for (i, c) in n.channels.iter().enumerate() {
        let [a, b] = c.nodes;
        out += &format!(
            "  channel   {}: {} {} / {} {}, funded by {}\n",
            n.channel_name(i),
            n.nodes[a].name,
            btc(c.balances[0]),
            n.nodes[b].name,
            btc(c.balances[1]),
            n.nodes[c.nodes[c.funder]].name
        );
    }
    for (k, p) in n.payments.iter().enumerate() {
        out +=
            &format!("  payment   {}: {} pays {} {}\n", k + 1, n.nodes[p.from].name, n.nodes[p.to].name, btc(p.amount));
        for h in &p.hops {
            out += &format!(
                "    hop     {} offers {} {} until height {} ({} blocks)\n",
                n.nodes[h.offerer].name,
                n.nodes[h.receiver].name,
                btc(h.amount),
                h.cltv_expiry,
                h.cltv_expiry - n.start_height
            );
        }
    }
    for e in &n.events {
        out += &match *e {
            Event::Vanish { node, when, returns } => format!(
                "  event     {} vanishes once {}{}\n",
                n.nodes[node].name,
                match when {
                    VanishWhen::Received => "the HTLC it receives is committed",
                    VanishWhen::Forwarded => "the HTLC it offers is committed",
                    VanishWhen::Learned => "it receives update_fulfill_htlc",
                },
                returns.map_or_else(|| ", for good".to_string(), |h| format!(", back at height {h}"))
            ),
            Event::BroadcastRevoked { node, channel, commitment } => format!(
                "  event     after the payments {} broadcasts its revoked commitment {commitment} of {}\n",
                n.nodes[node].name,
                n.channel_name(channel)
            ),
        };
    }
    out
}
