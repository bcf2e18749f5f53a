//! Routed payments: HTLCs across a network of revocable channels (issue 19).
//!
//! One channel pays one payee. The chapter goes on to the payment that crosses several channels
//! without trusting the nodes in between: each hop is a hash time lock contract on the same
//! payment hash, offered for a little more than the next and expiring a little later, so a node
//! that forwards can always claim upstream what it paid downstream. This module takes a network
//! scenario ([`scenario`]: nodes, channels, payments and their routes, checked at the edge) and
//! plays each payment as BOLT #2's update flow in memory.

pub(crate) mod raw;
pub mod scenario;

pub use scenario::{ChannelSpec, Hop, Network, Node, Payment};

use std::path::Path;

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
    out
}
