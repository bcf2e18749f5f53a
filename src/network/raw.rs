//! The network scenario file as written: a serde mirror in which every value keeps its byte span,
//! so the validator ([`super::scenario`]) can point at the line and column of a bad value.

use serde::Deserialize;
use toml::Spanned;

/// A network of channels and the payments routed across it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNetwork {
    /// Name of the run and of its output folder.
    pub(crate) name: Spanned<String>,
    /// The one seed every key and preimage is derived from.
    pub(crate) seed: Spanned<i64>,
    /// Fee rate of every commitment and HTLC transaction (default "1 sat/vB").
    pub(crate) fee_rate: Option<Spanned<String>>,
    /// BOLT #3's `to_self_delay` of every channel (default 144).
    pub(crate) to_self_delay: Option<Spanned<i64>>,
    /// The height at which the payments start (default 800000): expiries count from it.
    pub(crate) start_height: Option<Spanned<i64>>,
    /// Free text; paychan does not use it.
    #[allow(dead_code)] // Read by people, not by paychan.
    pub(crate) description: Option<String>,
    /// The nodes.
    pub(crate) node: Spanned<Vec<RawNode>>,
    /// The channels between them.
    pub(crate) channel: Spanned<Vec<RawChannel>>,
    /// The payments, in order.
    pub(crate) payment: Spanned<Vec<RawPayment>>,
}

/// One node and what it charges to forward.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNode {
    /// Its name, 1 to 40 letters or digits.
    pub(crate) name: Spanned<String>,
    /// The fixed part of its forwarding fee (default "0 sat").
    pub(crate) fee_base: Option<Spanned<String>>,
    /// The proportional part, in millionths of the forwarded amount (default 0).
    pub(crate) fee_proportional_millionths: Option<Spanned<i64>>,
    /// Blocks between the expiry of the HTLC it receives and of the one it offers (default 1).
    pub(crate) cltv_expiry_delta: Option<Spanned<i64>>,
}

/// One channel: its two nodes, who funds it, and its opening balances.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawChannel {
    /// The two nodes, `[a, b]`.
    pub(crate) nodes: Spanned<Vec<Spanned<String>>>,
    /// Who opens it and pays its commitment fees (default: the first node).
    pub(crate) funder: Option<Spanned<String>>,
    /// The whole capacity, on the funder's side; or give `a` and `b`.
    pub(crate) capacity: Option<Spanned<String>>,
    /// The first node's opening balance.
    pub(crate) a: Option<Spanned<String>>,
    /// The second node's opening balance.
    pub(crate) b: Option<Spanned<String>>,
}

/// One payment and its route.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPayment {
    /// Who pays.
    pub(crate) from: Spanned<String>,
    /// Who is paid.
    pub(crate) to: Spanned<String>,
    /// What the recipient receives.
    pub(crate) amount: Spanned<String>,
    /// Every node from `from` to `to`.
    pub(crate) route: Spanned<Vec<Spanned<String>>>,
    /// Blocks from `start_height` to the expiry of the last hop's HTLC.
    pub(crate) final_expiry: Spanned<i64>,
}
