//! The driver: the chain walked block by block, the scripted events, and the careful parties.
//!
//! A careful party, as the book describes it, watches every block. When the other side stops
//! answering or broadcasts a state instead of closing cooperatively, it broadcasts its own best
//! state (the latest commitment it holds complete, or else the refund) and, if the chain refuses
//! it for a lock not yet reached, broadcasts it again as soon as it is valid. A party that
//! broadcast a state on a scripted event keeps rebroadcasting it the same way. The run ends when
//! nothing more can happen: no event ahead, no broadcast waiting for its lock, an empty mempool.

use std::collections::BTreeMap;

use bitcoin::{FeeRate, Transaction, TxOut, Txid};

use super::outcome::Outcome;
use crate::chain::{Chain, Rejection};
use crate::channel::Channel;
use crate::party::{Payee, Payer, SignedCommitment};
use crate::scenario::events::{ChainClock, Does, Event, Who};
use crate::scenario::Scenario;
use crate::words::{Lang, Told};

/// What a broadcast transaction is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// The payer's funding transaction.
    Funding,
    /// State 0: everything back to the payer.
    Refund,
    /// Commitment #k.
    Commitment(u64),
    /// The cooperative settlement of the final state.
    Settlement,
    /// A party's answer to a state that confirmed, as its design gives it (the revocable
    /// design's penalty and delayed sweep, [`crate::party::Reply`]): the word `chain.csv` uses,
    /// the words before the state's number, and the state.
    Answer {
        /// The word `chain.csv` uses ("penalty", "sweep").
        word: &'static str,
        /// In words for people, English and Chinese, `{seq}` for the state's number: "the
        /// penalty against commitment #{seq}".
        what: (&'static str, &'static str),
        /// The state it answers.
        seq: u64,
    },
}

impl Kind {
    /// The word `chain.csv` uses: "funding", "refund", "commitment", "settlement".
    pub fn word(&self) -> &'static str {
        match self {
            Kind::Funding => "funding",
            Kind::Refund => "refund",
            Kind::Commitment(_) => "commitment",
            Kind::Settlement => "settlement",
            Kind::Answer { word, .. } => word,
        }
    }

    /// In words for people in `lang`: "commitment #600", "the refund".
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            Kind::Funding => lang.pick("the funding", "注资交易").to_string(),
            Kind::Refund => lang.pick("the refund", "退款交易").to_string(),
            Kind::Commitment(k) => format!("{} #{k}", lang.pick("commitment", "承诺交易")),
            Kind::Settlement => lang.pick("the settlement", "结算交易").to_string(),
            Kind::Answer { what, seq, .. } => {
                crate::words::fill(lang.pick(what.0, what.1), &[("seq", &seq.to_string())])
            }
        }
    }
}

/// Where a broadcast transaction ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Mined at this height.
    Confirmed(u32),
    /// Refused for good.
    Rejected,
    /// Still waiting (in the mempool, or for a lock) when the run ended.
    Unconfirmed,
}

impl Status {
    /// "confirmed", "rejected" or "unconfirmed".
    pub fn word(&self) -> &'static str {
        match self {
            Status::Confirmed(_) => "confirmed",
            Status::Rejected => "rejected",
            Status::Unconfirmed => "unconfirmed",
        }
    }
}

/// One distinct transaction someone broadcast, with what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broadcast {
    /// Its txid.
    pub txid: Txid,
    /// What it is.
    pub kind: Kind,
    /// Who broadcast it.
    pub by: Who,
    /// Scenario time of the first broadcast, in seconds.
    pub broadcast_s: u64,
    /// The chain's tip at the first broadcast.
    pub broadcast_height: u32,
    /// Where it ended.
    pub status: Status,
    /// The first rejection, if any (a lock not yet reached, a double spend...).
    pub first_rejection: Option<Rejection>,
    /// The last rejection, when it differs from the first (e.g. a lock passed, then a double
    /// spend).
    pub last_rejection: Option<Rejection>,
    /// The signed transaction.
    pub tx: Transaction,
}

/// One line of the on-chain story, for the narration and the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The chain's tip when it happened.
    pub height: u32,
    /// Scenario time.
    pub clock_s: u64,
    /// What happened, one sentence in every language.
    pub text: Told,
}

/// The channel played out on the chain.
#[derive(Debug, Clone)]
pub struct ChainRun {
    /// The chain's clock.
    pub clock: ChainClock,
    /// Every distinct transaction broadcast, in broadcast order (the funding first).
    pub broadcasts: Vec<Broadcast>,
    /// The tip when nothing more could happen.
    pub end_height: u32,
    /// The story, in order.
    pub notes: Vec<Note>,
    /// Who ended with what.
    pub outcome: Outcome,
    /// The chain itself, for queries.
    pub chain: Chain,
}

impl ChainRun {
    /// The cooperative settlement, as broadcast, if it is what spent the funding output and
    /// confirmed.
    pub fn cooperative_close(&self) -> Option<&Broadcast> {
        self.closing().filter(|b| b.kind == Kind::Settlement)
    }

    /// The transaction that spent the funding output and confirmed, if one did.
    pub fn closing(&self) -> Option<&Broadcast> {
        let txid = self.outcome.closed_txid?;
        self.broadcasts.iter().find(|b| b.txid == txid)
    }
}

/// The states a run kept for the chain: the latest, and the ones events name.
#[derive(Debug, Clone, Default)]
pub struct States {
    /// Kept states by number.
    pub by_seq: BTreeMap<u64, SignedCommitment>,
    /// The number of the latest state signed.
    pub latest: u64,
}

struct Driver<'a> {
    scenario: &'a Scenario,
    chain: Chain,
    broadcasts: Vec<Broadcast>,
    notes: Vec<Note>,
    /// Broadcast index → the next height it may be valid at (tip + 1 = that height).
    retries: BTreeMap<usize, u32>,
    vanished: [bool; 2],
    alarmed: [bool; 2],
    closed: bool,
    /// Broadcasts confirmed by the last block, for the parties to react to.
    fresh: Vec<usize>,
}

fn slot(who: Who) -> usize {
    match who {
        Who::Payer => 0,
        Who::Payee => 1,
    }
}

impl Driver<'_> {
    fn name(&self, who: Who) -> &str {
        match who {
            Who::Payer => &self.scenario.payer,
            Who::Payee => &self.scenario.payee,
        }
    }

    fn now_s(&self) -> u64 {
        self.scenario.chain.time_of(self.chain.tip())
    }

    fn note(&mut self, clock_s: u64, text: Told) {
        self.notes.push(Note { height: self.chain.tip(), clock_s, text });
    }

    /// Broadcasts `tx` (again, if known), records the verdict, schedules a retry for a lock.
    fn broadcast(&mut self, tx: Transaction, kind: Kind, by: Who, clock_s: u64) {
        let txid = tx.compute_txid();
        let index = match self.broadcasts.iter().position(|b| b.txid == txid) {
            Some(i) => i,
            None => {
                self.broadcasts.push(Broadcast {
                    txid,
                    kind,
                    by,
                    broadcast_s: clock_s,
                    broadcast_height: self.chain.tip(),
                    status: Status::Unconfirmed,
                    first_rejection: None,
                    last_rejection: None,
                    tx: tx.clone(),
                });
                self.broadcasts.len() - 1
            }
        };
        self.retries.remove(&index);
        let who = self.name(by).to_string();
        match self.chain.submit(tx) {
            Ok(_) => {
                let block = group(self.chain.next_height());
                self.note(
                    clock_s,
                    Told::new(|l| match l {
                        Lang::En => format!("{who} broadcasts {}: accepted for block {block}", kind.describe(l)),
                        Lang::Zh => format!("{who} 广播{}：被接受，将进入区块 {block}", kind.describe(l)),
                    }),
                )
            }
            Err(rejection) => {
                let b = &mut self.broadcasts[index];
                if b.first_rejection.is_none() {
                    b.first_rejection = Some(rejection.clone());
                } else {
                    b.last_rejection = Some(rejection.clone());
                }
                let text = Told::new(|l| match l {
                    Lang::En => format!("{who} broadcasts {}: rejected, {rejection}", kind.describe(l)),
                    Lang::Zh => format!("{who} 广播{}：被拒绝，{}", kind.describe(l), rejection.tell(l)),
                });
                match rejection.valid_from() {
                    Some(height) => {
                        self.retries.insert(index, height);
                    }
                    None => b.status = Status::Rejected,
                }
                self.note(clock_s, text);
            }
        }
    }

    fn mine(&mut self) {
        let block = self.chain.mine();
        for tx in &block.txs {
            let txid = tx.compute_txid();
            if let Some((i, b)) = self.broadcasts.iter_mut().enumerate().find(|(_, b)| b.txid == txid) {
                self.fresh.push(i);
                b.status = Status::Confirmed(block.height);
                let (kind, height) = (b.kind, group(u64::from(block.height)));
                let text = Told::new(|l| match l {
                    Lang::En => format!("{} confirms at height {height}", kind.describe(l)),
                    Lang::Zh => format!("{} 在区块高度 {height} 被确认", kind.describe(l)),
                });
                let clock_s = self.scenario.chain.time_of(block.height);
                self.notes.push(Note { height: block.height, clock_s, text });
            }
        }
    }
}

fn group(n: impl Into<u64>) -> String {
    crate::units::thousands(n.into())
}

/// What a careful party broadcasts when it closes alone: its latest complete state, or else the
/// refund; `None` when it holds nothing that spends the funding output.
fn best_state(who: Who, payer: &Payer, payee: &Payee, states: &States) -> Option<(Transaction, Kind)> {
    let latest = states.by_seq.get(&states.latest).filter(|_| states.latest > 0);
    match who {
        Who::Payer => {
            let design = &payer.params().design;
            match latest {
                Some(c) if design.can_broadcast(who, c.seq, ("", ""), Lang::En).is_ok() => {
                    payer.complete_own(c).ok().map(|tx| (tx, Kind::Commitment(c.seq)))
                }
                _ => payer.refund().map(|tx| (tx, Kind::Refund)),
            }
        }
        Who::Payee => latest.and_then(|c| payee.complete(c).ok().map(|tx| (tx, Kind::Commitment(c.seq)))),
    }
}

/// The state `commitment` as `who` holds it complete (validation has made sure it does).
fn held_state(who: Who, commitment: u64, payer: &Payer, payee: &Payee, states: &States) -> Option<(Transaction, Kind)> {
    if commitment == 0 {
        return payer.refund().map(|tx| (tx, Kind::Refund));
    }
    let c = states.by_seq.get(&commitment)?;
    let tx = match who {
        Who::Payer => payer.complete_own(c).ok()?,
        Who::Payee => payee.complete(c).ok()?,
    };
    Some((tx, Kind::Commitment(commitment)))
}

/// Plays the channel out on a chain: the funding confirmed at the scenario's start height, the
/// events at their time, the careful parties, until nothing more can happen.
///
/// `states` holds the latest state and every state an event names; `settlement` is the final
/// state both parties signed (or, in a payer-only design, the payer signed and the payee
/// checked); `payer` and `payee` are the actors, who complete and sign what they broadcast.
pub fn play(
    scenario: &Scenario,
    channel: &Channel,
    (payer, payee): (&Payer, &Payee),
    states: &States,
    settlement: &SignedCommitment,
) -> ChainRun {
    let clock = scenario.chain;
    let mut d = open_chain(scenario, channel);
    let end_s = scenario.stream_end_s();
    let stream_stopped_by_event = end_s < scenario.total_duration_s() || !scenario.events.is_empty();
    let mut events = scenario.events.iter().peekable();
    let mut cooperative_due = (!stream_stopped_by_event).then_some(end_s);
    loop {
        let tip = d.chain.tip();
        // Scripted events whose time has come.
        while let Some(ev) = events.next_if(|e| clock.height_at(scenario.event_time_s(e)) <= tip) {
            play_event(&mut d, ev, (payer, payee), states, settlement);
        }
        if let Some(t) = cooperative_due.filter(|t| clock.height_at(*t) <= tip) {
            cooperative_due = None;
            cooperative(&mut d, Who::Payee, t, payer, payee, settlement);
        }
        rebroadcast_due(&mut d);
        let more_events = events.peek().is_some() || cooperative_due.is_some();
        if d.chain.mempool().is_empty() && d.retries.is_empty() && !more_events {
            break;
        }
        if !d.chain.mempool().is_empty() {
            d.mine();
            react(&mut d, payer, payee, states.latest);
            continue;
        }
        // Nothing to mine: jump to the next height at which something is due.
        let wake = wake_height(&d, events.peek().map(|ev| scenario.event_time_s(ev)), cooperative_due);
        d.chain.mine_until(wake.max(tip + 1));
    }
    let end_height = d.chain.tip();
    let outcome = Outcome::of(scenario, channel, &d.chain, &d.broadcasts, settlement);
    ChainRun { clock, broadcasts: d.broadcasts, end_height, notes: d.notes, outcome, chain: d.chain }
}

/// A driver on a fresh chain that holds the payer's wallet coin, with the funding broadcast and
/// confirmed at the scenario's start height.
fn open_chain<'a>(scenario: &'a Scenario, channel: &Channel) -> Driver<'a> {
    let clock = scenario.chain;
    let min_relay = FeeRate::min(scenario.fee_rate, crate::scenario::MIN_RELAY_FEE_RATE);
    let mut d = Driver {
        scenario,
        chain: Chain::new(clock.start_height - 1, min_relay),
        broadcasts: Vec::new(),
        notes: Vec::new(),
        retries: BTreeMap::new(),
        vanished: [false; 2],
        alarmed: [false; 2],
        closed: false,
        fresh: Vec::new(),
    };
    let coin = &channel.coin;
    d.chain
        .add_external_coin(
            coin.outpoint,
            TxOut { value: coin.amount, script_pubkey: coin.script_pubkey.clone() },
            clock.start_height - 1,
        )
        .expect("a fresh chain knows no coin yet");
    d.broadcast(channel.funding_tx.clone(), Kind::Funding, Who::Payer, 0);
    d.mine();
    d
}

/// One scripted event at its time: a party vanishes, broadcasts a state it holds, or asks to
/// close; the other side, watching, answers as a careful party does.
fn play_event(
    d: &mut Driver<'_>,
    ev: &Event,
    (payer, payee): (&Payer, &Payee),
    states: &States,
    settlement: &SignedCommitment,
) {
    let t = d.scenario.event_time_s(ev);
    let name = d.name(ev.who).to_string();
    match ev.does {
        Does::Vanish => {
            d.vanished[slot(ev.who)] = true;
            d.note(
                t,
                Told::new(|l| {
                    l.pick(
                        format!("{name} vanishes: no more signatures, no cooperative close"),
                        format!("{name} 消失了：不再签名，也没有协商关闭"),
                    )
                }),
            );
            alarm(d, ev.who.other(), t, payer, payee, states);
        }
        Does::Broadcast { commitment } => {
            if let Some((tx, kind)) = held_state(ev.who, commitment, payer, payee, states) {
                d.broadcast(tx, kind, ev.who, t);
            }
            // A party that broadcast a state has closed alone: it does not broadcast
            // another when the other side then vanishes.
            d.alarmed[slot(ev.who)] = true;
            alarm(d, ev.who.other(), t, payer, payee, states);
        }
        Does::Close => {
            if d.vanished.iter().any(|v| *v) || d.alarmed.iter().any(|a| *a) {
                alarm(d, ev.who, t, payer, payee, states);
            } else {
                cooperative(d, ev.who, t, payer, payee, settlement);
            }
        }
    }
}

/// Broadcasts again, in order, what waits for a lock that the next block reaches.
fn rebroadcast_due(d: &mut Driver<'_>) {
    let next = d.chain.next_height();
    let due: Vec<usize> = d.retries.iter().filter(|(_, h)| **h <= next).map(|(i, _)| *i).collect();
    for i in due {
        let b = &d.broadcasts[i];
        let (tx, kind, by) = (b.tx.clone(), b.kind, b.by);
        let now = d.now_s();
        d.broadcast(tx, kind, by, now);
    }
}

/// The next height at which something falls due: a waiting broadcast's lock, the next event (at
/// `next_event_s`) or the cooperative close (at `cooperative_due`); `u32::MAX` when nothing is.
fn wake_height(d: &Driver<'_>, next_event_s: Option<u64>, cooperative_due: Option<u64>) -> u32 {
    let clock = d.scenario.chain;
    let mut wake = u32::MAX;
    if let Some(h) = d.retries.values().min() {
        wake = wake.min(h - 1);
    }
    if let Some(t) = next_event_s {
        wake = wake.min(clock.height_at(t));
    }
    if let Some(t) = cooperative_due {
        wake = wake.min(clock.height_at(t));
    }
    wake
}

/// `who`, watching, closes alone with its best state, unless it vanished or already did.
fn alarm(d: &mut Driver<'_>, who: Who, t: u64, payer: &Payer, payee: &Payee, states: &States) {
    if d.vanished[slot(who)] || d.alarmed[slot(who)] || d.closed {
        return;
    }
    d.alarmed[slot(who)] = true;
    let name = d.name(who).to_string();
    match best_state(who, payer, payee, states) {
        Some((tx, kind)) => d.broadcast(tx, kind, who, t),
        None => d.note(
            t,
            Told::new(|l| {
                l.pick(
                    format!("{name} holds no transaction that spends the funding output: nothing to broadcast"),
                    format!("{name} 没有任何能花费注资交易输出的交易：无可广播"),
                )
            }),
        ),
    }
}

/// Both parties still answer: the final state is broadcast by `who` if it holds it complete,
/// else by the other party, who completes it.
fn cooperative(d: &mut Driver<'_>, who: Who, t: u64, payer: &Payer, payee: &Payee, settlement: &SignedCommitment) {
    d.closed = true;
    let complete_by_payer = settlement.seq == 0
        || payer.params().design.can_broadcast(Who::Payer, settlement.seq, ("", ""), Lang::En).is_ok();
    let by = if who == Who::Payer && !complete_by_payer { Who::Payee } else { who };
    let tx = match by {
        Who::Payer => settlement.tx.clone(),
        Who::Payee => match payee.complete(settlement) {
            Ok(tx) => tx,
            Err(_) => settlement.tx.clone(),
        },
    };
    let (p, q) = (d.name(Who::Payer).to_string(), d.name(Who::Payee).to_string());
    d.note(
        t,
        Told::new(|l| {
            l.pick(
                format!("the video stops; {p} and {q} close cooperatively"),
                format!("视频停止；{p} 和 {q} 协商关闭通道"),
            )
        }),
    );
    d.broadcast(tx, Kind::Settlement, by, t);
}

/// The watchers, after each block: each party that has not vanished is shown every state that
/// confirmed and answers as its design says (in the revocable design, the owner of a confirmed
/// version sweeps its own balance `to_self_delay` blocks later, and the other party takes a
/// revoked version's balance with the penalty, at once). The other party answers first.
fn react(d: &mut Driver<'_>, payer: &Payer, payee: &Payee, latest: u64) {
    let fresh = std::mem::take(&mut d.fresh);
    for i in fresh {
        let b = &d.broadcasts[i];
        if !matches!(b.kind, Kind::Commitment(_) | Kind::Refund) {
            continue;
        }
        let (tx, owner) = (b.tx.clone(), b.by);
        let t = d.now_s();
        for who in [owner.other(), owner] {
            if d.vanished[slot(who)] {
                continue;
            }
            let name = d.name(who).to_string();
            let answer = match who {
                Who::Payer => payer.answer(&tx, owner, latest, &name),
                Who::Payee => payee.answer(&tx, owner, latest, &name),
            };
            if let Some(note) = answer.note {
                d.note(t, note);
            }
            if let Some(r) = answer.reply {
                d.broadcast(r.tx, Kind::Answer { word: r.word, what: r.what, seq: r.seq }, who, t);
            }
        }
    }
}
