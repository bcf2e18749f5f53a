//! The network scenario file as written: a serde mirror in which every value keeps its byte span,
//! so the validator ([`super::scenario`]) can point at the line and column of a bad value. The
//! same types give the JSON Schema `paychan schema network` prints and `schema/network.schema.json`
//! ships, each `Spanned` field naming the type as written, as in `scenario::raw`.

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

/// A network of channels and the payments routed across it.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "paychan network scenario")]
pub(crate) struct RawNetwork {
    /// Name of the run and of its output folder.
    #[schemars(with = "String")]
    pub(crate) name: Spanned<String>,
    /// The one seed every key and preimage is derived from.
    #[schemars(with = "i64")]
    pub(crate) seed: Spanned<i64>,
    /// Fee rate of every commitment and HTLC transaction (default "2 sat/vB", at least "1.1 sat/vB").
    #[schemars(with = "Option<String>")]
    pub(crate) fee_rate: Option<Spanned<String>>,
    /// BOLT #3's `to_self_delay` of every channel (default 144).
    #[schemars(with = "Option<i64>")]
    pub(crate) to_self_delay: Option<Spanned<i64>>,
    /// The height at which the payments start (default 800000): expiries count from it.
    #[schemars(with = "Option<i64>")]
    pub(crate) start_height: Option<Spanned<i64>>,
    /// Free text; paychan does not use it.
    #[allow(dead_code)] // Read by people, not by paychan.
    pub(crate) description: Option<String>,
    /// The nodes.
    #[schemars(with = "Vec<RawNode>")]
    pub(crate) node: Spanned<Vec<RawNode>>,
    /// The channels between them.
    #[schemars(with = "Vec<RawChannel>")]
    pub(crate) channel: Spanned<Vec<RawChannel>>,
    /// The payments, in order.
    #[schemars(with = "Vec<RawPayment>")]
    pub(crate) payment: Spanned<Vec<RawPayment>>,
    /// What goes wrong (BOLT #5's failures): a node that vanishes, a node that broadcasts a
    /// revoked commitment.
    #[serde(default)]
    #[schemars(with = "Vec<RawEvent>")]
    pub(crate) event: Vec<Spanned<RawEvent>>,
}

/// One thing that goes wrong.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Event")]
pub(crate) struct RawEvent {
    /// The node it happens to.
    #[schemars(with = "String")]
    pub(crate) node: Spanned<String>,
    /// "vanish" (the node stops answering and broadcasting) or "broadcast-revoked" (after the
    /// payments, it broadcasts one of its revoked commitments).
    #[schemars(with = "String")]
    pub(crate) does: Spanned<String>,
    /// For "vanish": "received" (once the HTLC it receives is committed), "forwarded" (once the
    /// HTLC it offers is committed) or "learned" (once it receives `update_fulfill_htlc`).
    #[schemars(with = "Option<String>")]
    pub(crate) when: Option<Spanned<String>>,
    /// For "vanish": blocks after `start_height` at which it comes back (default: never).
    #[schemars(with = "Option<i64>")]
    pub(crate) returns: Option<Spanned<i64>>,
    /// For "broadcast-revoked": the other node of the channel.
    #[schemars(with = "Option<String>")]
    pub(crate) peer: Option<Spanned<String>>,
    /// For "broadcast-revoked": the number of the node's revoked commitment it broadcasts.
    #[schemars(with = "Option<i64>")]
    pub(crate) commitment: Option<Spanned<i64>>,
}

/// One node and what it charges to forward.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Node")]
pub(crate) struct RawNode {
    /// Its name, 1 to 40 letters or digits.
    #[schemars(with = "String")]
    pub(crate) name: Spanned<String>,
    /// The fixed part of its forwarding fee (default "0 sat").
    #[schemars(with = "Option<String>")]
    pub(crate) fee_base: Option<Spanned<String>>,
    /// The proportional part, in millionths of the forwarded amount (default 0).
    #[schemars(with = "Option<i64>")]
    pub(crate) fee_proportional_millionths: Option<Spanned<i64>>,
    /// Blocks between the expiry of the HTLC it receives and of the one it offers (default 1).
    #[schemars(with = "Option<i64>")]
    pub(crate) cltv_expiry_delta: Option<Spanned<i64>>,
}

/// One channel: its two nodes, who funds it, and its opening balances.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Channel")]
pub(crate) struct RawChannel {
    /// The two nodes, `[a, b]`.
    #[schemars(with = "Vec<String>")]
    pub(crate) nodes: Spanned<Vec<Spanned<String>>>,
    /// Who opens it and pays its commitment fees (default: the first node).
    #[schemars(with = "Option<String>")]
    pub(crate) funder: Option<Spanned<String>>,
    /// The whole capacity, on the funder's side; or give `a` and `b`.
    #[schemars(with = "Option<String>")]
    pub(crate) capacity: Option<Spanned<String>>,
    /// The first node's opening balance.
    #[schemars(with = "Option<String>")]
    pub(crate) a: Option<Spanned<String>>,
    /// The second node's opening balance.
    #[schemars(with = "Option<String>")]
    pub(crate) b: Option<Spanned<String>>,
}

/// One payment and its route.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Payment")]
pub(crate) struct RawPayment {
    /// Who pays.
    #[schemars(with = "String")]
    pub(crate) from: Spanned<String>,
    /// Who is paid.
    #[schemars(with = "String")]
    pub(crate) to: Spanned<String>,
    /// What the recipient receives.
    #[schemars(with = "String")]
    pub(crate) amount: Spanned<String>,
    /// Every node from `from` to `to`.
    #[schemars(with = "Vec<String>")]
    pub(crate) route: Spanned<Vec<Spanned<String>>>,
    /// Blocks from `start_height` to the expiry of the last hop's HTLC.
    #[schemars(with = "i64")]
    pub(crate) final_expiry: Spanned<i64>,
}
