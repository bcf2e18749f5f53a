//! A network scenario, validated: nodes, channels and payments whose routes exist, whose fees
//! leave something to forward and whose expiries decrease hop by hop.
//!
//! As for a single channel's scenario, serde fills a mirror with spans (`network::raw`) and this
//! module turns it into a [`Network`] that cannot be wrong, or a [`ScenarioError`] naming the
//! file, line, column, field and value. Each hop's amount and expiry are computed here, once,
//! from the recipient back to the payer, as BOLT #4's onion would carry them: the node that
//! forwards charges `fee_base + amount × fee_proportional_millionths / 1,000,000` on what it
//! forwards and adds its `cltv_expiry_delta` to the expiry of the HTLC it offers.

use std::fmt;
use std::path::Path;

use bitcoin::{Amount, FeeRate};
use toml::Spanned;

use super::raw::{RawChannel, RawEvent, RawNetwork, RawNode, RawPayment};
use crate::scenario::{line_col, parse_amount, parse_fee_rate, toml_error, ScenarioError};

/// Default `to_self_delay` of every channel: 144 blocks, a day.
pub const DEFAULT_TO_SELF_DELAY: u16 = 144;

/// Default fee rate of a network scenario: 2 sat/vB.
pub const DEFAULT_FEE_RATE: FeeRate = FeeRate::from_sat_per_kwu(500);

/// The least fee rate a network scenario accepts, 1.1 sat/vB: BOLT #3's HTLC-timeout pays for
/// 663 weight units, and its signed form is up to 668, so at 1 sat/vB it falls a satoshi under
/// Bitcoin Core's relay floor ([`crate::scenario::MIN_RELAY_FEE_RATE`]).
pub const LEAST_FEE_RATE: FeeRate = FeeRate::from_sat_per_kwu(275);

/// Default height at which the payments start.
pub const DEFAULT_START_HEIGHT: u32 = 800_000;

/// A validated network scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Network {
    /// Name of the run and of its output folder.
    pub name: String,
    /// The seed of every key and preimage.
    pub seed: u64,
    /// Fee rate of every commitment and HTLC transaction.
    pub fee_rate: FeeRate,
    /// `to_self_delay` of every channel.
    pub to_self_delay: u16,
    /// The height at which the payments start.
    pub start_height: u32,
    /// The nodes, in file order.
    pub nodes: Vec<Node>,
    /// The channels, in file order.
    pub channels: Vec<ChannelSpec>,
    /// The payments, in file order.
    pub payments: Vec<Payment>,
    /// What goes wrong, in file order (none in the book).
    pub events: Vec<Event>,
}

/// When a vanishing node stops answering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VanishWhen {
    /// Once the HTLC it receives is irrevocably committed: it forwards nothing and, as the
    /// recipient, never reveals the preimage.
    Received,
    /// Once the HTLC it offers downstream is irrevocably committed.
    Forwarded,
    /// Once it receives `update_fulfill_htlc`: it knows the preimage and says nothing more.
    Learned,
}

impl VanishWhen {
    /// The word the scenario file uses.
    pub fn word(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Forwarded => "forwarded",
            Self::Learned => "learned",
        }
    }
}

/// One thing that goes wrong (BOLT #5's failures), validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// `node` stops answering messages and broadcasting at `when`, until height `returns`.
    Vanish {
        /// The node.
        node: usize,
        /// When.
        when: VanishWhen,
        /// The height at which it comes back, if ever.
        returns: Option<u32>,
    },
    /// After the payments, `node` broadcasts its revoked commitment `commitment` of `channel`.
    BroadcastRevoked {
        /// The cheating node.
        node: usize,
        /// The channel.
        channel: usize,
        /// Its commitment number.
        commitment: u64,
    },
}

/// One node and its forwarding terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// Its name.
    pub name: String,
    /// The fixed part of its forwarding fee.
    pub fee_base: Amount,
    /// The proportional part, in millionths.
    pub fee_proportional_millionths: u64,
    /// Blocks it keeps between the HTLC it receives and the one it offers.
    pub cltv_expiry_delta: u32,
}

impl Node {
    /// The fee it charges to forward `amount`; `None` on overflow.
    pub fn fee(&self, amount: Amount) -> Option<Amount> {
        let proportional = amount.to_sat().checked_mul(self.fee_proportional_millionths)? / 1_000_000;
        self.fee_base.checked_add(Amount::from_sat(proportional))
    }
}

/// One channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelSpec {
    /// Its two nodes' indices, `[a, b]`.
    pub nodes: [usize; 2],
    /// Which of the two (0 or 1) opens it and pays its commitment fees.
    pub funder: usize,
    /// Each node's opening balance, in the order of `nodes`.
    pub balances: [Amount; 2],
}

impl ChannelSpec {
    /// The funding output's value.
    pub fn capacity(&self) -> Amount {
        self.balances[0].checked_add(self.balances[1]).expect("checked when validated")
    }

    /// The side (0 or 1) `node` is on, if it is in the channel.
    pub fn side(&self, node: usize) -> Option<usize> {
        self.nodes.iter().position(|&n| n == node)
    }
}

/// One payment across its route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// Who pays.
    pub from: usize,
    /// Who is paid.
    pub to: usize,
    /// What the recipient receives.
    pub amount: Amount,
    /// The hops, from the payer's to the recipient's.
    pub hops: Vec<Hop>,
}

/// One HTLC of a payment: offered by one node to the next over one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hop {
    /// The channel's index.
    pub channel: usize,
    /// Who offers it.
    pub offerer: usize,
    /// Who receives it.
    pub receiver: usize,
    /// Its amount.
    pub amount: Amount,
    /// The absolute height after which the offerer may take it back.
    pub cltv_expiry: u32,
}

impl Network {
    /// Reads and validates the network scenario at `path`.
    ///
    /// # Errors
    ///
    /// [`ScenarioError`] when the file cannot be read, is not TOML or any field is invalid.
    pub fn load(path: &Path) -> Result<Network, ScenarioError> {
        let bytes = std::fs::read(path).map_err(|e| ScenarioError::unreadable(path, &e))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            ScenarioError::whole_file(path, format!("the file is not UTF-8 text: {}; save it as UTF-8", e.utf8_error()))
        })?;
        Network::from_toml(path, &text)
    }

    /// Validates network scenario `text`; `path` only names the file in errors.
    ///
    /// # Errors
    ///
    /// [`ScenarioError`] when the text is not TOML or any field is invalid.
    pub fn from_toml(path: &Path, text: &str) -> Result<Network, ScenarioError> {
        let raw: RawNetwork = toml::from_str(text).map_err(|e| toml_error(path, text, &e, example))?;
        Validator { path, text }.network(raw)
    }

    /// The index of the node named `name`.
    pub fn node(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.name == name)
    }

    /// The index of the channel between nodes `a` and `b`, either way round.
    pub fn channel_between(&self, a: usize, b: usize) -> Option<usize> {
        channel_between(&self.channels, a, b)
    }

    /// The channel's name, its nodes joined by a dash: `Alice-Bob`.
    pub fn channel_name(&self, channel: usize) -> String {
        let [a, b] = self.channels[channel].nodes;
        format!("{}-{}", self.nodes[a].name, self.nodes[b].name)
    }
}

fn channel_between(channels: &[ChannelSpec], a: usize, b: usize) -> Option<usize> {
    channels.iter().position(|c| c.nodes == [a, b] || c.nodes == [b, a])
}

/// A correct line for `field`, to show in errors.
fn example(field: &str) -> Option<&'static str> {
    Some(match field {
        "name" => "name = \"book-routing\"",
        "seed" => "seed = 19",
        "fee_rate" => "fee_rate = \"1 sat/vB\"",
        "node" => "[[node]] with name = \"Alice\"",
        "channel" => "[[channel]] with nodes = [\"Alice\", \"Bob\"], a = \"2 BTC\" and b = \"2 BTC\"",
        "payment" => "[[payment]] with from, to, amount, route and final_expiry",
        "nodes" => "nodes = [\"Alice\", \"Bob\"]",
        "from" => "from = \"Alice\"",
        "to" => "to = \"Eric\"",
        "amount" => "amount = \"1 BTC\"",
        "route" => "route = [\"Alice\", \"Bob\", \"Eric\"]",
        "final_expiry" => "final_expiry = 7",
        "cltv_expiry_delta" => "cltv_expiry_delta = 1",
        "fee_base" => "fee_base = \"0.001 BTC\"",
        "event" => "[[event]] with node = \"Eric\", does = \"vanish\" and when = \"received\"",
        "does" => "does = \"vanish\"",
        "when" => "when = \"received\"",
        "returns" => "returns = 12",
        "peer" => "peer = \"Bob\"",
        "commitment" => "commitment = 1",
        _ => return None,
    })
}

/// What an event is checked against.
struct EventContext<'a> {
    nodes: &'a [Node],
    channels: &'a [ChannelSpec],
    payments: &'a [Payment],
    start_height: u32,
}

struct Validator<'a> {
    path: &'a Path,
    text: &'a str,
}

/// The nodes and channels validated so far, which the payments are checked against; the
/// balances move as each payment settles.
struct Graph {
    feerate_per_kw: u32,
    nodes: Vec<Node>,
    channels: Vec<ChannelSpec>,
}

impl Validator<'_> {
    fn err<T: fmt::Display>(&self, field: &str, value: &Spanned<T>, problem: impl Into<String>) -> ScenarioError {
        let (line, column) = line_col(self.text, value.span().start);
        let quoted = self.text.get(value.span()).map_or_else(|| value.get_ref().to_string(), str::to_string);
        ScenarioError {
            file: self.path.to_path_buf(),
            line,
            column,
            field: Some(field.to_string()),
            value: Some(quoted),
            problem: problem.into(),
        }
    }

    fn err_at(&self, field: &str, offset: usize, problem: impl Into<String>) -> ScenarioError {
        let (line, column) = line_col(self.text, offset);
        ScenarioError {
            file: self.path.to_path_buf(),
            line,
            column,
            field: Some(field.to_string()),
            value: None,
            problem: problem.into(),
        }
    }

    fn network(&self, raw: RawNetwork) -> Result<Network, ScenarioError> {
        let name = self.name(&raw.name)?;
        let seed = u64::try_from(*raw.seed.get_ref())
            .map_err(|_| self.err("seed", &raw.seed, "give a whole number from 0 to 9223372036854775807"))?;
        let fee_rate = match &raw.fee_rate {
            None => DEFAULT_FEE_RATE,
            Some(s) => self.fee_rate(s)?,
        };
        let to_self_delay = match &raw.to_self_delay {
            None => DEFAULT_TO_SELF_DELAY,
            Some(d) => self.whole(d, "to_self_delay", 1, u64::from(u16::MAX)).map(|v| v as u16)?,
        };
        let start_height = match &raw.start_height {
            None => DEFAULT_START_HEIGHT,
            Some(h) => self.whole(h, "start_height", 1, 499_000_000).map(|v| v as u32)?,
        };
        let nodes = self.nodes(&raw.node)?;
        let channels = self.channels(&raw.channel, &nodes)?;
        let feerate_per_kw = crate::channel::revocable::feerate_per_kw(fee_rate);
        let mut graph = Graph { feerate_per_kw, nodes, channels };
        if raw.payment.get_ref().is_empty() {
            return Err(self.err_at("payment", raw.payment.span().start, "give at least one [[payment]]"));
        }
        let mut payments = Vec::new();
        for (i, p) in raw.payment.get_ref().iter().enumerate() {
            payments.push(self.payment(&format!("payment[{}]", i + 1), p, &mut graph, start_height)?);
        }
        // The balances moved while checking the payments; the network opens with the file's.
        let channels = self.channels(&raw.channel, &graph.nodes)?;
        let mut events = Vec::new();
        for (i, e) in raw.event.iter().enumerate() {
            let ctx = EventContext { nodes: &graph.nodes, channels: &channels, payments: &payments, start_height };
            events.push(self.event(&format!("event[{}]", i + 1), e, &ctx, &events)?);
        }
        Ok(Network {
            name,
            seed,
            fee_rate,
            to_self_delay,
            start_height,
            nodes: graph.nodes,
            channels,
            payments,
            events,
        })
    }

    fn name(&self, raw: &Spanned<String>) -> Result<String, ScenarioError> {
        let name = raw.get_ref();
        let ok = !name.is_empty()
            && name.len() <= 64
            && !name.starts_with('.')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !ok {
            return Err(self.err(
                "name",
                raw,
                "the name becomes the output folder: use 1 to 64 letters, digits, '-', '_' or '.', not starting with '.'",
            ));
        }
        Ok(name.clone())
    }

    fn fee_rate(&self, raw: &Spanned<String>) -> Result<FeeRate, ScenarioError> {
        let rate = parse_fee_rate(raw.get_ref()).map_err(|e| self.err("fee_rate", raw, e))?;
        if rate < LEAST_FEE_RATE {
            return Err(self.err(
                "fee_rate",
                raw,
                "BOLT #3 sets each fee from an expected weight a signed transaction can exceed by a few units; \
                 below 1.1 sat/vB an HTLC transaction would fall under the 1 sat/vB relay floor",
            ));
        }
        Ok(rate)
    }

    fn whole(&self, raw: &Spanned<i64>, field: &str, min: u64, max: u64) -> Result<u64, ScenarioError> {
        u64::try_from(*raw.get_ref())
            .ok()
            .filter(|v| (min..=max).contains(v))
            .ok_or_else(|| self.err(field, raw, format!("give a whole number from {min} to {max}")))
    }

    fn amount(&self, raw: &Spanned<String>, field: &str) -> Result<Amount, ScenarioError> {
        parse_amount(raw.get_ref()).map(|(a, _)| a).map_err(|e| self.err(field, raw, e))
    }

    fn nodes(&self, raw: &Spanned<Vec<RawNode>>) -> Result<Vec<Node>, ScenarioError> {
        if raw.get_ref().len() < 2 {
            return Err(self.err_at("node", raw.span().start, "a network needs at least two [[node]] tables"));
        }
        let mut nodes: Vec<Node> = Vec::new();
        for (i, n) in raw.get_ref().iter().enumerate() {
            let at = |f: &str| format!("node[{}].{f}", i + 1);
            let name = n.name.get_ref();
            if name.is_empty() || name.len() > 40 || !name.chars().all(char::is_alphanumeric) {
                return Err(self.err(&at("name"), &n.name, "give a name of 1 to 40 letters or digits, e.g. \"Alice\""));
            }
            if nodes.iter().any(|m| &m.name == name) {
                return Err(self.err(&at("name"), &n.name, "another node already has this name"));
            }
            let fee_base = match &n.fee_base {
                None => Amount::ZERO,
                Some(f) => self.amount(f, &at("fee_base"))?,
            };
            let ppm = match &n.fee_proportional_millionths {
                None => 0,
                Some(p) => self.whole(p, &at("fee_proportional_millionths"), 0, 1_000_000)?,
            };
            let delta = match &n.cltv_expiry_delta {
                None => 1,
                Some(d) => self.delta(d, &at("cltv_expiry_delta"), name)?,
            };
            nodes.push(Node {
                name: name.clone(),
                fee_base,
                fee_proportional_millionths: ppm,
                cltv_expiry_delta: delta,
            });
        }
        Ok(nodes)
    }

    fn delta(&self, raw: &Spanned<i64>, field: &str, name: &str) -> Result<u32, ScenarioError> {
        if *raw.get_ref() == 0 {
            return Err(self.err(
                field,
                raw,
                format!(
                    "expiries must decrease along a route: with 0, the HTLC {name} offers would expire with the one \
                     it receives, leaving no block to claim it after learning the preimage; give at least 1"
                ),
            ));
        }
        self.whole(raw, field, 1, 2016).map(|v| v as u32)
    }

    fn known(&self, field: &str, raw: &Spanned<String>, nodes: &[Node]) -> Result<usize, ScenarioError> {
        nodes.iter().position(|n| &n.name == raw.get_ref()).ok_or_else(|| {
            let names: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
            self.err(field, raw, format!("no [[node]] has this name; the nodes are {}", names.join(", ")))
        })
    }

    fn channels(&self, raw: &Spanned<Vec<RawChannel>>, nodes: &[Node]) -> Result<Vec<ChannelSpec>, ScenarioError> {
        let mut channels: Vec<ChannelSpec> = Vec::new();
        for (i, c) in raw.get_ref().iter().enumerate() {
            let at = |f: &str| format!("channel[{}].{f}", i + 1);
            let ends = c.nodes.get_ref();
            if ends.len() != 2 {
                return Err(self.err_at(&at("nodes"), c.nodes.span().start, "a channel joins exactly two nodes"));
            }
            let pair = [self.known(&at("nodes[1]"), &ends[0], nodes)?, self.known(&at("nodes[2]"), &ends[1], nodes)?];
            if pair[0] == pair[1] {
                return Err(self.err(&at("nodes[2]"), &ends[1], "a channel joins two different nodes"));
            }
            if channel_between(&channels, pair[0], pair[1]).is_some() {
                return Err(self.err_at(&at("nodes"), c.nodes.span().start, "these two nodes already have a channel"));
            }
            let funder = match &c.funder {
                None => 0,
                Some(f) => {
                    let who = self.known(&at("funder"), f, nodes)?;
                    pair.iter().position(|&n| n == who).ok_or_else(|| {
                        self.err(&at("funder"), f, "the funder must be one of the channel's two nodes")
                    })?
                }
            };
            let balances = self.balances(c, &at, funder)?;
            channels.push(ChannelSpec { nodes: pair, funder, balances });
        }
        if channels.is_empty() {
            return Err(self.err_at("channel", raw.span().start, "give at least one [[channel]]"));
        }
        Ok(channels)
    }

    fn balances(
        &self,
        c: &RawChannel,
        at: &dyn Fn(&str) -> String,
        funder: usize,
    ) -> Result<[Amount; 2], ScenarioError> {
        let mut balances = [Amount::ZERO; 2];
        match (&c.capacity, &c.a, &c.b) {
            (Some(cap), None, None) => balances[funder] = self.amount(cap, &at("capacity"))?,
            (None, Some(a), Some(b)) => {
                balances = [self.amount(a, &at("a"))?, self.amount(b, &at("b"))?];
                if balances[0].checked_add(balances[1]).is_none_or(|t| t > Amount::MAX_MONEY) {
                    return Err(self.err(&at("b"), b, "the capacity would exceed 21 million BTC"));
                }
            }
            _ => {
                return Err(self.err_at(
                    &at("capacity"),
                    c.nodes.span().start,
                    "give either capacity (all on the funder's side) or both a and b (each node's opening balance)",
                ))
            }
        }
        if balances[0].checked_add(balances[1]).is_none_or(|t| t == Amount::ZERO) {
            return Err(self.err_at(&at("capacity"), c.nodes.span().start, "a channel needs a capacity above 0"));
        }
        Ok(balances)
    }

    fn payment(&self, at: &str, p: &RawPayment, g: &mut Graph, start: u32) -> Result<Payment, ScenarioError> {
        let field = |f: &str| format!("{at}.{f}");
        let from = self.known(&field("from"), &p.from, &g.nodes)?;
        let to = self.known(&field("to"), &p.to, &g.nodes)?;
        let amount = self.amount(&p.amount, &field("amount"))?;
        if amount == Amount::ZERO {
            return Err(self.err(&field("amount"), &p.amount, "a payment needs an amount above 0"));
        }
        let route = self.route(&field("route"), p, from, to, g)?;
        let final_expiry = self.whole(&p.final_expiry, &field("final_expiry"), 1, 2016)? as u32;
        let hops = self.hops(at, p, &route, amount, start + final_expiry, g)?;
        for h in &hops {
            self.move_balance(&field("amount"), &p.amount, h, g)?;
        }
        Ok(Payment { from, to, amount, hops })
    }

    /// The route's nodes and channels: it starts at `from`, ends at `to`, visits no node twice
    /// and each step has a channel.
    fn route(
        &self,
        field: &str,
        p: &RawPayment,
        from: usize,
        to: usize,
        g: &Graph,
    ) -> Result<Vec<(usize, usize)>, ScenarioError> {
        let names = p.route.get_ref();
        let mut nodes = Vec::with_capacity(names.len());
        for (i, n) in names.iter().enumerate() {
            let node = self.known(&format!("{field}[{}]", i + 1), n, &g.nodes)?;
            if nodes.contains(&node) {
                return Err(self.err(&format!("{field}[{}]", i + 1), n, "a route visits each node once"));
            }
            nodes.push(node);
        }
        if nodes.len() < 2 || nodes[0] != from || nodes[nodes.len() - 1] != to {
            return Err(self.err_at(field, p.route.span().start, "a route lists every node from `from` to `to`"));
        }
        let mut steps = Vec::with_capacity(nodes.len() - 1);
        for (i, w) in nodes.windows(2).enumerate() {
            let channel = channel_between(&g.channels, w[0], w[1]).ok_or_else(|| {
                let (a, b) = (&g.nodes[w[0]].name, &g.nodes[w[1]].name);
                self.err(&format!("{field}[{}]", i + 2), &names[i + 1], format!("no [[channel]] joins {a} and {b}"))
            })?;
            steps.push((w[0], channel));
        }
        Ok(steps)
    }

    /// Each hop's amount and expiry, from the last back to the first: the node that forwards
    /// adds its fee and its delta.
    fn hops(
        &self,
        at: &str,
        p: &RawPayment,
        route: &[(usize, usize)],
        amount: Amount,
        final_expiry: u32,
        g: &Graph,
    ) -> Result<Vec<Hop>, ScenarioError> {
        let (mut amount_here, mut expiry) = (amount, final_expiry);
        let mut hops = Vec::with_capacity(route.len());
        for (i, &(offerer, channel)) in route.iter().enumerate().rev() {
            let receiver = g.channels[channel].nodes[1 - g.channels[channel].side(offerer).expect("on the route")];
            hops.push(Hop { channel, offerer, receiver, amount: amount_here, cltv_expiry: expiry });
            if i == 0 {
                break;
            }
            let node = &g.nodes[offerer];
            let fee = node.fee(amount_here).filter(|f| *f <= amount).ok_or_else(|| {
                self.err(
                    &format!("{at}.amount"),
                    &p.amount,
                    format!(
                        "{}'s fee for forwarding it ({} base and {} millionths) is more than the payment itself",
                        node.name,
                        node.fee_base.display_dynamic(),
                        node.fee_proportional_millionths
                    ),
                )
            })?;
            amount_here = amount_here.checked_add(fee).expect("both below 21 million BTC");
            expiry = expiry.checked_add(node.cltv_expiry_delta).expect("deltas are at most 2016 each");
        }
        hops.reverse();
        Ok(hops)
    }

    /// Checks the offerer can pay the hop's amount from its balance, and moves it.
    fn move_balance(&self, field: &str, raw: &Spanned<String>, h: &Hop, g: &mut Graph) -> Result<(), ScenarioError> {
        let c = &mut g.channels[h.channel];
        let side = c.side(h.offerer).expect("the offerer is in its channel");
        let Some(left) = c.balances[side].checked_sub(h.amount) else {
            let (who, to) = (&g.nodes[h.offerer].name, &g.nodes[h.receiver].name);
            return Err(self.err(
                field,
                raw,
                format!(
                    "{who} would offer {to} {} but has {} in their channel",
                    h.amount.display_dynamic(),
                    c.balances[side].display_dynamic()
                ),
            ));
        };
        // The funder pays the commitment fee (BOLT #3): with the HTLC in flight it must still
        // cover a commitment with one HTLC output.
        let fee = crate::channel::htlc::base_fee_with_htlcs(g.feerate_per_kw, 1);
        let funder_left = if side == c.funder { left } else { c.balances[c.funder] };
        if funder_left < fee {
            let funder = &g.nodes[c.nodes[c.funder]].name;
            return Err(self.err(
                field,
                raw,
                format!(
                    "{funder} funds the channel of {} and {} and pays its commitment fee of {} sat with the HTLC in flight, \
                     but would have {} sat left",
                    g.nodes[c.nodes[0]].name,
                    g.nodes[c.nodes[1]].name,
                    fee.to_sat(),
                    funder_left.to_sat()
                ),
            ));
        }
        c.balances[side] = left;
        c.balances[1 - side] = c.balances[1 - side].checked_add(h.amount).expect("within the capacity");
        Ok(())
    }

    fn event(
        &self,
        at: &str,
        raw: &Spanned<RawEvent>,
        ctx: &EventContext<'_>,
        before: &[Event],
    ) -> Result<Event, ScenarioError> {
        let e = raw.get_ref();
        let field = |f: &str| format!("{at}.{f}");
        let node = self.known(&field("node"), &e.node, ctx.nodes)?;
        let name = &ctx.nodes[node].name;
        let stray = |f: &str, present: bool, does: &str| {
            if present {
                Err(self.err_at(&field(f), raw.span().start, format!("{f} applies to does = \"{does}\" only")))
            } else {
                Ok(())
            }
        };
        if before
            .iter()
            .any(|b| matches!(b, Event::Vanish { node: n, .. } | Event::BroadcastRevoked { node: n, .. } if *n == node))
        {
            return Err(self.err(
                &field("node"),
                &e.node,
                format!("{name} already has an [[event]]; give each node one"),
            ));
        }
        if ctx.payments.len() != 1 {
            return Err(self.err(
                &field("node"),
                &e.node,
                format!(
                    "failure events are simulated in a network of one payment; this one has {}",
                    ctx.payments.len()
                ),
            ));
        }
        let p = &ctx.payments[0];
        match e.does.get_ref().as_str() {
            "vanish" => {
                stray("peer", e.peer.is_some(), "broadcast-revoked")?;
                stray("commitment", e.commitment.is_some(), "broadcast-revoked")?;
                if before.iter().any(|b| matches!(b, Event::BroadcastRevoked { .. })) {
                    return Err(self.err(
                        &field("does"),
                        &e.does,
                        "a vanish and a revoked broadcast are not simulated together",
                    ));
                }
                let when = self.when(&field("when"), raw, e, p, node, name)?;
                let returns = match &e.returns {
                    None => None,
                    Some(r) => Some(ctx.start_height + self.whole(r, &field("returns"), 1, 2016)? as u32),
                };
                Ok(Event::Vanish { node, when, returns })
            }
            "broadcast-revoked" => {
                stray("when", e.when.is_some(), "vanish")?;
                stray("returns", e.returns.is_some(), "vanish")?;
                if before.iter().any(|b| matches!(b, Event::Vanish { .. })) {
                    return Err(self.err(
                        &field("does"),
                        &e.does,
                        "a vanish and a revoked broadcast are not simulated together",
                    ));
                }
                self.revoked(&field, raw, e, ctx, node)
            }
            _ => Err(self.err(&field("does"), &e.does, "give \"vanish\" or \"broadcast-revoked\"")),
        }
    }

    /// A vanish's `when`, which must be a moment the node's part in the payment has.
    fn when(
        &self,
        field: &str,
        raw: &Spanned<RawEvent>,
        e: &RawEvent,
        p: &Payment,
        node: usize,
        name: &str,
    ) -> Result<VanishWhen, ScenarioError> {
        let Some(w) = &e.when else {
            return Err(self.err_at(
                field,
                raw.span().start,
                "a vanish needs when = \"received\", \"forwarded\" or \"learned\"",
            ));
        };
        let (receives, offers) = (p.hops.iter().any(|h| h.receiver == node), p.hops.iter().any(|h| h.offerer == node));
        let when = match w.get_ref().as_str() {
            "received" => VanishWhen::Received,
            "forwarded" => VanishWhen::Forwarded,
            "learned" => VanishWhen::Learned,
            _ => return Err(self.err(field, w, "give \"received\", \"forwarded\" or \"learned\"")),
        };
        let problem = match when {
            VanishWhen::Received if !receives => Some(format!("{name} receives no HTLC in the payment")),
            VanishWhen::Forwarded if !offers => Some(format!("{name} offers no HTLC in the payment")),
            VanishWhen::Learned if !(receives && offers) => Some(format!(
                "{name} is not an intermediary of the payment: only a node that forwards learns the preimage from update_fulfill_htlc"
            )),
            _ => None,
        };
        match problem {
            Some(problem) => Err(self.err(field, w, problem)),
            None => Ok(when),
        }
    }

    /// A revoked broadcast: the peer shares a channel with the node, and the commitment is one
    /// the node will have revoked once the payment is through (each HTLC across the channel adds
    /// two commitments on each side: its addition and its removal).
    fn revoked(
        &self,
        field: &dyn Fn(&str) -> String,
        raw: &Spanned<RawEvent>,
        e: &RawEvent,
        ctx: &EventContext<'_>,
        node: usize,
    ) -> Result<Event, ScenarioError> {
        let Some(peer) = &e.peer else {
            return Err(self.err_at(
                &field("peer"),
                raw.span().start,
                "a revoked broadcast needs peer, the other node of the channel",
            ));
        };
        let other = self.known(&field("peer"), peer, ctx.nodes)?;
        let channel = channel_between(ctx.channels, node, other).ok_or_else(|| {
            self.err(
                &field("peer"),
                peer,
                format!("no [[channel]] joins {} and {}", ctx.nodes[node].name, ctx.nodes[other].name),
            )
        })?;
        let Some(number) = &e.commitment else {
            return Err(self.err_at(
                &field("commitment"),
                raw.span().start,
                "a revoked broadcast needs commitment, its number",
            ));
        };
        let hops = ctx.payments.iter().flat_map(|p| &p.hops).filter(|h| h.channel == channel).count() as u64;
        let current = 2 * hops;
        if current == 0 {
            return Err(self.err(
                &field("peer"),
                peer,
                "no payment crosses this channel: its only commitment, 0, is never revoked",
            ));
        }
        let commitment = self.whole(number, &field("commitment"), 0, current)?;
        if commitment == current {
            return Err(self.err(
                &field("commitment"),
                number,
                format!(
                    "commitment {current} is the node's current one, not revoked; its revoked ones are 0 to {}",
                    current - 1
                ),
            ));
        }
        Ok(Event::BroadcastRevoked { node, channel, commitment })
    }
}
