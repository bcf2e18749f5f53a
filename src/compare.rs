//! `paychan compare`: one viewing session and one misbehaviour, under every design, side by side.
//!
//! The chapter builds towards one table: the same video and the same cheat under the naive
//! channel, the timelocked one, the Spilman channel and the revocable one, and who ends with what.
//! [`compare`] runs the scenario's session and events under every registered design
//! ([`crate::party::DESIGNS`]), each a full run with its own output folder (so every figure can
//! be traced to transactions `paychan verify` accepts), then writes `compare.csv` (one row per
//! design), a chart of owed against received per party and design, and `compare.html`.
//!
//! An event that cannot happen under a design (a party broadcasting a state it does not hold
//! complete there, such as Emma's commitment #1 under Spilman, where she only ever signs half)
//! is mapped to what that party can do instead, and the mapping is written in the row's verdict:
//! the payer broadcasts her refund if the design gives her one she holds, otherwise the party
//! stops answering (vanishes). A design whose limits the schedule exceeds (the timelocked
//! window) is reported as not run, with the reason.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use bitcoin::{Amount, OutPoint};
use serde::{Deserialize, Serialize};

use crate::channel::{self, Settings};
use crate::onchain::{Does, Event, Status, Who};
use crate::output::chart::{write_compare_chart, CompareBars, CompareInput};
use crate::output::{OutputError, Staging};
use crate::party::DESIGNS;
use crate::run::{run_scenario, RunOptions};
use crate::scenario::{thousands, Scenario};
use crate::words::{Lang, Told};
use crate::Error;

/// The columns of `compare.csv`, in [`CompareRow`]'s order.
pub const COMPARE_COLUMNS: [&str; 12] = [
    "design",
    "scenario",
    "seed",
    "events",
    "payer_owed_sat",
    "payer_received_sat",
    "payee_owed_sat",
    "payee_received_sat",
    "closed_at_height",
    "onchain_txs",
    "onchain_fees_sat",
    "verdict",
];

/// One row of `compare.csv`: one design's run of the scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompareRow {
    /// The design's name.
    pub design: String,
    /// The scenario's name.
    pub scenario: String,
    /// The scenario's seed.
    pub seed: u64,
    /// The events as this design's run played them ("600 s Emma broadcasts #1"), `; `-separated.
    pub events: String,
    /// What the video says the payer should end with after the honest close's fee.
    pub payer_owed_sat: u64,
    /// What confirmed outputs paid the payer's payout script; empty without a chain.
    pub payer_received_sat: Option<u64>,
    /// What the video says the payee should end with.
    pub payee_owed_sat: u64,
    /// What confirmed outputs paid the payee's payout script; empty without a chain.
    pub payee_received_sat: Option<u64>,
    /// The height at which the funding output was spent; empty if it never was.
    pub closed_at_height: Option<u32>,
    /// Confirmed transactions on the simulated chain, the funding included.
    pub onchain_txs: u64,
    /// Their fees, the funding's included.
    pub onchain_fees_sat: u64,
    /// One sentence, with any event this design could not play as written.
    pub verdict: String,
    /// The verdict in every language, for the page and the printed sentences (`verdict` is its
    /// English, what `compare.csv` holds).
    #[serde(skip)]
    pub told: Told,
}

/// The columns of `whatif.csv`, in [`WhatIfRow`]'s order.
pub const WHATIF_COLUMNS: [&str; 10] = [
    "commitment",
    "clock_s",
    "broadcast_s",
    "design",
    "payer_owed_sat",
    "payer_received_sat",
    "payee_owed_sat",
    "payee_received_sat",
    "closed_at_height",
    "verdict",
];

/// One row of `whatif.csv`: what happens under one design if the payer, when the session stops,
/// broadcasts commitment `commitment` (and the payee keeps watching), from a run made for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhatIfRow {
    /// The state the payer broadcasts.
    pub commitment: u64,
    /// The scenario clock at which it was signed.
    pub clock_s: u64,
    /// The scenario clock at which the payer broadcasts it: when the session stops.
    pub broadcast_s: u64,
    /// The design's name.
    pub design: String,
    /// What the payer is owed.
    pub payer_owed_sat: u64,
    /// What the chain paid the payer.
    pub payer_received_sat: u64,
    /// What the payee is owed.
    pub payee_owed_sat: u64,
    /// What the chain paid the payee.
    pub payee_received_sat: u64,
    /// When the funding output was spent; empty if never.
    pub closed_at_height: Option<u32>,
    /// One sentence, with any mapping of the broadcast for the design.
    pub verdict: String,
    /// The verdict in every language (`verdict` is its English, what `whatif.csv` holds).
    #[serde(skip)]
    pub told: Told,
}

/// How many commitments the what-if stepper samples at most.
pub const WHATIF_SAMPLES: u64 = 12;

/// The commitments the what-if runs sample: #1, the last, and evenly between.
fn samples(total: u64) -> Vec<u64> {
    if total == 0 {
        return Vec::new();
    }
    let n = WHATIF_SAMPLES.min(total);
    let mut out: Vec<u64> = (0..n).map(|i| 1 + i * (total - 1) / (n - 1).max(1)).collect();
    out.dedup();
    out
}

/// The what-if runs: for each sampled commitment, the scenario's session (stopped where its first
/// event stops it), the payer broadcasting that commitment then instead of closing, the payee
/// watching, under every design; in memory (the engine and the chain), each party receiving the
/// revocations as in a run.
fn what_if(scenario: &Scenario, threads: usize) -> Result<Vec<WhatIfRow>, Error> {
    let end = scenario.stream_end_s();
    let mut base = scenario.cut_at(end);
    base.events.clear();
    let ticks: Vec<(u64, u64)> = crate::engine::Ledger::new(&base).map(|e| (e.tick.seq, e.tick.clock_s)).collect();
    let wanted = samples(ticks.len() as u64);
    let mut rows = Vec::new();
    for k in wanted {
        let clock_s = ticks.iter().find(|(seq, _)| *seq == k).map_or(0, |(_, c)| *c);
        let mut s = base.clone();
        s.events = vec![Event {
            at: crate::onchain::At::Seconds(end),
            who: Who::Payer,
            does: Does::Broadcast { commitment: k },
        }];
        for r in DESIGNS {
            let Ok((v, notes)) = variant(&s, r.name) else { continue };
            let streamed = v.cut_at(v.stream_end_s());
            let failed = |source| Error::Engine { scenario: PathBuf::from(&scenario.name), source };
            let (channel, mut payer, mut payee) =
                crate::engine::open(&streamed).map_err(|e| failed(crate::engine::EngineError::Funding(e)))?;
            let mut states = crate::onchain::strategy::States::default();
            let report = crate::engine::run::<crate::party::ProtocolError, _>(&streamed, threads, |_, c| {
                // Keep the broadcast state and the latest (the watcher's best).
                states.by_seq.insert(c.seq, c.clone());
                states.by_seq.retain(|seq, _| *seq == k || *seq == c.seq);
                payer.receive(c)?;
                payee.receive(c)
            })
            .map_err(|e| match e {
                crate::engine::EngineError::Sink { source, .. } => failed(crate::engine::EngineError::Protocol(source)),
                crate::engine::EngineError::Funding(f) => failed(crate::engine::EngineError::Funding(f)),
                crate::engine::EngineError::Protocol(p) => failed(crate::engine::EngineError::Protocol(p)),
                crate::engine::EngineError::Unpayable(x) => failed(crate::engine::EngineError::Unpayable(x)),
                crate::engine::EngineError::Threads(t) => failed(crate::engine::EngineError::Threads(t)),
            })?;
            states.latest = report.commitments;
            let run = crate::onchain::play(&v, &channel, (&payer, &payee), &states, &report.settlement);
            let o = &run.outcome;
            let told = with_notes(&o.verdict, &notes);
            rows.push(WhatIfRow {
                commitment: k,
                clock_s,
                broadcast_s: end,
                design: r.name.to_string(),
                payer_owed_sat: o.payer.owed.to_sat(),
                payer_received_sat: o.payer.received.to_sat(),
                payee_owed_sat: o.payee.owed.to_sat(),
                payee_received_sat: o.payee.received.to_sat(),
                closed_at_height: o.closed_at_height,
                verdict: told.get(Lang::En).to_string(),
                told,
            });
        }
    }
    Ok(rows)
}

/// What a comparison wrote and found.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The scenario as loaded.
    pub scenario: Scenario,
    /// The comparison's folder: `compare.csv`, the chart, `compare.html`, one folder per design.
    pub dir: PathBuf,
    /// One row per design, in the registry's order.
    pub rows: Vec<CompareRow>,
    /// The what-if runs: per sampled commitment, per design.
    pub what_if: Vec<WhatIfRow>,
    /// The language of the page, the chart and the sentences.
    pub lang: Lang,
}

/// `verdict` with each of the mapping `notes` after it in brackets, in every language.
fn with_notes(verdict: &Told, notes: &[Told]) -> Told {
    notes.iter().fold(verdict.clone(), |v, note| {
        Told::new(|l| format!("{}{}{}{}", v.get(l), l.pick(" (", "（"), note.get(l), l.pick(")", "）")))
    })
}

/// The scenario under `design`: its settings carried over, the events mapped to what each party
/// can do there. Returns the scenario and the notes on mapped events, or the reason the design
/// cannot run it, in every language.
fn variant(scenario: &Scenario, design: &str) -> Result<(Scenario, Vec<Told>), Told> {
    let mut settings = scenario.design.settings().unwrap_or_default();
    settings.funding_height = scenario.chain.start_height;
    let made = crate::party::design(design, &Settings { ..settings })
        .ok_or_else(|| Told::new(|l| l.pick(format!("unknown design {design}"), format!("未知的设计 {design}"))))?;
    let mut s = scenario.clone();
    s.name = design.to_string();
    s.design = made;
    if let Some(max) = s.design.max_commitments() {
        let needed: u64 = s.segments.iter().filter(|g| !g.is_pause()).map(|g| g.duration_s / s.interval_s).sum();
        if needed > max {
            let (needed, max) = (thousands(needed), thousands(max));
            return Err(Told::new(|l| match l {
                Lang::En => {
                    format!("not run: the schedule needs {needed} commitments, the {design} window holds {max}")
                }
                Lang::Zh => {
                    format!("未运行：这个计划需要 {needed} 笔承诺交易，而 {design} 的时间窗口最多容纳 {max} 笔")
                }
            }));
        }
    }
    let mut notes = Vec::new();
    let name = |w: Who| if w == Who::Payer { scenario.payer.clone() } else { scenario.payee.clone() };
    let events: Vec<Event> = s
        .events
        .iter()
        .map(|ev| match ev.does {
            Does::Broadcast { commitment } => {
                match crate::scenario::validate::holds(&s, ev.who, commitment, Lang::En) {
                    Ok(()) => *ev,
                    Err(_) => {
                        let problem =
                            |l| crate::scenario::validate::holds(&s, ev.who, commitment, l).err().unwrap_or_default();
                        let refund_held = ev.who == Who::Payer
                            && commitment != 0
                            && crate::scenario::validate::holds(&s, Who::Payer, 0, Lang::En).is_ok();
                        let who = name(ev.who);
                        if refund_held {
                            notes.push(Told::new(|l| {
                                format!(
                                    "{}{}",
                                    problem(l),
                                    l.pick(": she broadcasts her refund instead", "：她改为广播退款交易")
                                )
                            }));
                            Event { does: Does::Broadcast { commitment: 0 }, ..*ev }
                        } else {
                            notes.push(Told::new(|l| match l {
                                Lang::En => format!("{}: {who} stops answering instead", problem(l)),
                                Lang::Zh => format!("{}：{who} 改为不再回应", problem(l)),
                            }));
                            Event { does: Does::Vanish, ..*ev }
                        }
                    }
                }
            }
            _ => *ev,
        })
        .collect();
    s.events = events;
    Ok((s, notes))
}

/// The events in words in `lang`: "600 s Emma broadcasts #1; 600 s Fabian vanishes".
fn describe_events(s: &Scenario, lang: Lang) -> String {
    let words: Vec<String> = s
        .events
        .iter()
        .map(|ev| {
            let who = if ev.who == Who::Payer { &s.payer } else { &s.payee };
            let t = thousands(s.event_time_s(ev));
            match (ev.does, lang) {
                (Does::Broadcast { commitment: 0 }, Lang::En) => format!("{t} s {who} broadcasts the refund"),
                (Does::Broadcast { commitment: 0 }, Lang::Zh) => format!("第 {t} 秒 {who} 广播退款交易"),
                (Does::Broadcast { commitment }, Lang::En) => format!("{t} s {who} broadcasts #{commitment}"),
                (Does::Broadcast { commitment }, Lang::Zh) => format!("第 {t} 秒 {who} 广播承诺交易 #{commitment}"),
                (Does::Vanish, Lang::En) => format!("{t} s {who} vanishes"),
                (Does::Vanish, Lang::Zh) => format!("第 {t} 秒 {who} 消失"),
                (Does::Close, Lang::En) => format!("{t} s {who} closes"),
                (Does::Close, Lang::Zh) => format!("第 {t} 秒 {who} 关闭通道"),
            }
        })
        .collect();
    if words.is_empty() {
        lang.pick("none", "无").to_string()
    } else {
        words.join(lang.pick("; ", "；"))
    }
}

/// A scenario `compare` cannot run.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// The scenario has an `[audience]`: many channels, not one session.
    #[error(
        "{0}: compare plays one channel's session under every design; this scenario has an [audience] of many \
         channels: give compare a single-channel scenario"
    )]
    Audience(PathBuf),
}

/// Runs `path`'s scenario under every design into `out/<scenario>-compare/`, replaced atomically;
/// the page, the chart and the sentences in `lang` (`compare.csv` and `whatif.csv` in English).
///
/// # Errors
///
/// [`Error`] when the scenario is invalid or has an `[audience]` ([`CompareError`]), a run fails
/// or a file cannot be written.
pub fn compare(path: &Path, out: &Path, force: bool, threads: usize, lang: Lang) -> Result<Comparison, Error> {
    let scenario = Scenario::load(path)?;
    if scenario.audience.is_some() {
        return Err(CompareError::Audience(path.to_path_buf()).into());
    }
    let staging = Staging::prepare(out, &format!("{}-compare", scenario.name), force)?;
    let dir = staging.path().to_path_buf();
    let options = RunOptions { lang, ..RunOptions::files_only(dir.clone(), threads) };
    let mut rows = Vec::new();
    for r in DESIGNS {
        let row = match variant(&scenario, r.name) {
            Ok((s, notes)) => design_row(&scenario, r.name, s, notes, path, &options)?,
            Err(reason) => not_run_row(&scenario, r.name, reason),
        };
        rows.push(row);
    }
    write_csv(&dir.join("compare.csv"), &rows)?;
    let what_if = what_if(&scenario, threads)?;
    write_csv(&dir.join("whatif.csv"), &what_if)?;
    write_chart(&scenario, &rows, &dir, lang)?;
    let html = dir.join("compare.html");
    std::fs::write(&html, page(&scenario, &rows, &what_if, lang))
        .map_err(|source| OutputError::Io { path: html.clone(), source })?;
    let dir = staging.commit()?;
    Ok(Comparison { scenario, dir, rows, what_if, lang })
}

/// The row of a design the scenario cannot run under, with the `reason` as its verdict.
fn not_run_row(scenario: &Scenario, design: &str, reason: Told) -> CompareRow {
    CompareRow {
        design: design.to_string(),
        scenario: scenario.name.clone(),
        seed: scenario.seed,
        events: describe_events(scenario, Lang::En),
        payer_owed_sat: 0,
        payer_received_sat: None,
        payee_owed_sat: 0,
        payee_received_sat: None,
        closed_at_height: None,
        onchain_txs: 0,
        onchain_fees_sat: 0,
        verdict: reason.get(Lang::En).to_string(),
        told: reason,
    }
}

/// Runs `s` (the scenario's variant for `design`) and makes its row, the mapping `notes` added to
/// the verdict.
fn design_row(
    scenario: &Scenario,
    design: &str,
    s: Scenario,
    notes: Vec<Told>,
    path: &Path,
    options: &RunOptions,
) -> Result<CompareRow, Error> {
    let events = describe_events(&s, Lang::En);
    let run = run_scenario(s, path, options)?;
    let settlement = &run.report.settlement.split;
    let mut row = CompareRow {
        design: design.to_string(),
        scenario: scenario.name.clone(),
        seed: scenario.seed,
        events,
        payer_owed_sat: settlement.payer.to_sat(),
        payer_received_sat: None,
        payee_owed_sat: settlement.payee.to_sat(),
        payee_received_sat: None,
        closed_at_height: None,
        onchain_txs: 0,
        onchain_fees_sat: 0,
        verdict: String::new(),
        told: Told::new(|l| {
            l.pick(
                "no event: the video ends and both close cooperatively; no chain is played for the naive channel \
                 without events",
                "没有事件：视频结束，双方协商关闭；没有事件的 naive 通道不模拟链上过程",
            )
            .to_string()
        }),
    };
    if let Some(chain) = &run.chain {
        let o = &chain.outcome;
        row.payer_owed_sat = o.payer.owed.to_sat();
        row.payer_received_sat = Some(o.payer.received.to_sat());
        row.payee_owed_sat = o.payee.owed.to_sat();
        row.payee_received_sat = Some(o.payee.received.to_sat());
        row.closed_at_height = o.closed_at_height;
        row.told = o.verdict.clone();
        let (txs, fees) = confirmed_fees(&run.report.channel, &chain.broadcasts);
        row.onchain_txs = txs;
        row.onchain_fees_sat = fees.to_sat();
    }
    row.told = with_notes(&row.told, &notes);
    row.verdict = row.told.get(Lang::En).to_string();
    Ok(row)
}

/// Draws `compare.png` and `compare.svg` in `dir`: owed against received per party and design.
fn write_chart(scenario: &Scenario, rows: &[CompareRow], dir: &Path, lang: Lang) -> Result<(), OutputError> {
    let bars: Vec<CompareBars<'_>> = rows
        .iter()
        .map(|r| CompareBars {
            design: &r.design,
            payer: (r.payer_owed_sat, r.payer_received_sat),
            payee: (r.payee_owed_sat, r.payee_received_sat),
        })
        .collect();
    write_compare_chart(
        &CompareInput {
            scenario: &scenario.name,
            payer_name: &scenario.payer,
            payee_name: &scenario.payee,
            designs: bars,
            sat_per_unit: scenario.sat_per_unit(),
            unit_name: crate::units::unit_name(scenario.unit),
            lang,
        },
        &dir.join("compare.png"),
        &dir.join("compare.svg"),
    )
    .map_err(OutputError::from)
}

/// The number of confirmed transactions and their fees (inputs less outputs; the funding's input
/// is the payer's wallet coin).
fn confirmed_fees(channel: &channel::Channel, broadcasts: &[crate::onchain::Broadcast]) -> (u64, Amount) {
    let mut values: std::collections::BTreeMap<OutPoint, Amount> = std::collections::BTreeMap::new();
    values.insert(channel.coin.outpoint, channel.coin.amount);
    for b in broadcasts {
        for (vout, o) in b.tx.output.iter().enumerate() {
            values.insert(OutPoint { txid: b.txid, vout: vout as u32 }, o.value);
        }
    }
    let mut count = 0;
    let mut fees = Amount::ZERO;
    for b in broadcasts.iter().filter(|b| matches!(b.status, Status::Confirmed(_))) {
        count += 1;
        let inputs: Amount = b.tx.input.iter().filter_map(|i| values.get(&i.previous_output).copied()).sum();
        fees += inputs.checked_sub(channel::output_total(&b.tx)).unwrap_or(Amount::ZERO);
    }
    (count, fees)
}

fn write_csv<T: Serialize>(path: &Path, rows: &[T]) -> Result<(), OutputError> {
    let io = |source| OutputError::Io { path: path.to_path_buf(), source };
    let mut w = csv::Writer::from_path(path).map_err(|e| io(std::io::Error::other(e)))?;
    for r in rows {
        w.serialize(r).map_err(|e| io(std::io::Error::other(e)))?;
    }
    w.flush().map_err(io)
}

/// Whether `who` ended with at least what it is owed in `row`; `None` without a chain.
fn paid_in_full(row: &CompareRow, who: Who) -> Option<bool> {
    match who {
        Who::Payer => row.payer_received_sat.map(|r| r >= row.payer_owed_sat),
        Who::Payee => row.payee_received_sat.map(|r| r >= row.payee_owed_sat),
    }
}

/// The few sentences `compare` prints, in the comparison's language: each design's verdict, then
/// which designs paid each party at least what it is owed.
pub fn sentences(c: &Comparison) -> Vec<String> {
    let (s, l) = (&c.scenario, c.lang);
    let events = describe_events(s, l);
    let mut out = vec![match l {
        Lang::En => format!("{} under every design ({events}):", s.name),
        Lang::Zh => format!("{} 在每一种设计下（{events}）：", s.name),
    }];
    for r in &c.rows {
        out.push(format!("  {:<11}{}", r.design, r.told.get(l)));
    }
    for (who, name) in [(Who::Payee, &s.payee), (Who::Payer, &s.payer)] {
        let list = |want: bool| {
            c.rows.iter().filter(|r| paid_in_full(r, who) == Some(want)).map(|r| r.design.as_str()).collect::<Vec<_>>()
        };
        let (yes, no) = (list(true), list(false));
        let yes = if yes.is_empty() { l.pick("no design", "没有任何设计").to_string() } else { yes.join(", ") };
        let mut line = match l {
            Lang::En => format!("{name} ends whole (received ≥ owed) under {yes}"),
            Lang::Zh => format!("{name} 拿到全部应得（实收 ≥ 应得）的设计：{yes}"),
        };
        if !no.is_empty() {
            line += &match l {
                Lang::En => format!("; not under {}", no.join(", ")),
                Lang::Zh => format!("；没有拿到的：{}", no.join(", ")),
            };
        }
        out.push(line + l.pick(".", "。"));
    }
    let dir = c.dir.display();
    out.push(match l {
        Lang::En => format!("wrote {dir}/{{compare.csv, compare.png, compare.svg, compare.html, <design>/}}"),
        Lang::Zh => format!("写入 {dir}/{{compare.csv, compare.png, compare.svg, compare.html, <design>/}}"),
    });
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The fixed words of `compare.html` in one language.
struct PageWords {
    title: &'static str,
    heading: &'static str,
    lead: &'static str,
    alt: &'static str,
    design: &'static str,
    owed: &'static str,
    received: &'static str,
    closed_at: &'static str,
    txs: &'static str,
    fees: &'static str,
    verdict: &'static str,
}

fn page_words(lang: Lang) -> PageWords {
    match lang {
        Lang::En => PageWords {
            title: "every design",
            heading: "the same session under every design",
            lead: "Each design's run is a full output folder of its own (linked), every transaction checked by \
                   <code>paychan verify</code>. Owed is what the video says each should end with after the honest \
                   close's fee; received is what confirmed outputs paid to each party's own script.",
            alt: "owed and received per party and design",
            design: "design",
            owed: " owed",
            received: " received",
            closed_at: "closed at",
            txs: "on-chain txs",
            fees: "fees",
            verdict: "verdict",
        },
        Lang::Zh => PageWords {
            title: "每一种设计",
            heading: "同一次观看在每一种设计下",
            lead: "每种设计的运行都有自己完整的输出文件夹（见链接），其中每一笔交易都经 <code>paychan verify</code> \
                   检查。应得：按视频计算、扣除诚实关闭的手续费后每一方应得的金额；实收：链上已确认的输出付给每一方\
                   自己脚本的金额。",
            alt: "每一方在每种设计下的应得与实收",
            design: "设计",
            owed: " 应得",
            received: " 实收",
            closed_at: "关闭高度",
            txs: "链上交易数",
            fees: "手续费",
            verdict: "结论",
        },
    }
}

/// `compare.html` in `lang`: the table, the chart, and a link to each design's own report.
fn page(s: &Scenario, rows: &[CompareRow], what_if: &[WhatIfRow], lang: Lang) -> String {
    let sat = |v: Option<u64>| v.map_or("–".to_string(), thousands);
    let w = page_words(lang);
    let font = match lang {
        Lang::En => "system-ui,sans-serif",
        Lang::Zh => "\"Noto Sans CJK SC\",system-ui,sans-serif",
    };
    let face = lang.pick("", crate::output::report::cjk_css());
    let events_label = lang.pick("Events", "事件");
    let mut html = String::new();
    let _ = write!(
        html,
        "<!doctype html>\n<html lang=\"{tag}\"><head><meta charset=\"utf-8\"><title>{name}: {title}</title>\n\
         <style>body{{font-family:{font};margin:2em;max-width:80em}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:right}}td.t,th.t{{text-align:left}}\
         .short{{color:#b00}}img{{max-width:100%}}{face}</style></head><body>\n\
         <section id=\"compare\"><h1>{name}{colon}{heading}</h1>\n{description}\
         <p>{events_label}{colon}{events}{stop}{lead}</p>\n\
         <img src=\"{chart}\" alt=\"{alt}\">\n<table>\n<tr><th class=\"t\">{design}\
         </th><th>{payer}{owed}</th><th>{payer}{received}</th><th>{payee}{owed}</th><th>{payee}{received}</th><th>{closed_at}\
         </th><th>{txs}</th><th>{fees}</th><th class=\"t\">{verdict}</th></tr>\n",
        tag = lang.html_tag(),
        colon = lang.pick(": ", "："),
        stop = lang.pick(". ", "。"),
        // The PNG sets Chinese from the embedded font; the SVG leaves it to the viewer's fonts.
        chart = lang.pick("compare.svg", "compare.png"),
        description = if s.description.is_empty() {
            String::new()
        } else {
            format!("<p class=\"description\">{}</p>\n", escape(&s.description))
        },
        name = escape(&s.name),
        events = escape(&describe_events(s, lang)),
        payer = escape(&s.payer),
        payee = escape(&s.payee),
        title = w.title,
        heading = w.heading,
        lead = w.lead,
        alt = w.alt,
        design = w.design,
        owed = w.owed,
        received = w.received,
        closed_at = w.closed_at,
        txs = w.txs,
        fees = w.fees,
        verdict = w.verdict,
    );
    for r in rows {
        let short =
            |received: Option<u64>, owed: u64| if received.is_some_and(|v| v < owed) { " class=\"short\"" } else { "" };
        let _ = writeln!(
            html,
            "<tr><td class=\"t\"><a href=\"{d}/report.html\">{d}</a></td><td>{}</td><td{}>{}</td><td>{}</td><td{}>{}\
             </td><td>{}</td><td>{}</td><td>{}</td><td class=\"t\">{}</td></tr>",
            thousands(r.payer_owed_sat),
            short(r.payer_received_sat, r.payer_owed_sat),
            sat(r.payer_received_sat),
            thousands(r.payee_owed_sat),
            short(r.payee_received_sat, r.payee_owed_sat),
            sat(r.payee_received_sat),
            r.closed_at_height.map_or("–".to_string(), |h| thousands(u64::from(h))),
            r.onchain_txs,
            thousands(r.onchain_fees_sat),
            escape(r.told.get(lang)),
            d = escape(&r.design),
        );
    }
    html += "</table></section>\n";
    html += &what_if_section(s, what_if, lang);
    html += "</body></html>\n";
    html
}

/// The what-if stepper of `compare.html` in `lang`: a slider over the sampled commitments; for the
/// one on screen, what each design's run gave when the payer broadcast it then. The figures are
/// the runs' (embedded as JSON, each verdict in `lang`), not computed in the page.
fn what_if_section(s: &Scenario, rows: &[WhatIfRow], lang: Lang) -> String {
    let shown: Vec<WhatIfRow> =
        rows.iter().map(|r| WhatIfRow { verdict: r.told.get(lang).to_string(), ..r.clone() }).collect();
    let data = serde_json::to_string(&shown).unwrap_or_else(|_| "[]".to_string()).replace("</", "<\\/");
    let (payer, payee) = (escape(&s.payer), escape(&s.payee));
    let w = page_words(lang);
    let (heading, lead, position) = match lang {
        Lang::En => (
            format!("What if {payer} broadcast this commitment when the session stops?"),
            format!(
                "For each sampled commitment, the same session, {payer} broadcasting that commitment when it stops \
                 instead of closing, {payee} watching, played under every design (runs made for this page; \
                 <code>whatif.csv</code>). The last commitment is the honest close alone."
            ),
            "'commitment #' + k + ' (signed at ' + rs[0].clock_s + ' s)'",
        ),
        Lang::Zh => (
            format!("如果 {payer} 在观看结束时广播这笔承诺交易，会怎样？"),
            format!(
                "对每一笔抽样的承诺交易：同一次观看，结束时 {payer} 不协商关闭而是广播这笔承诺交易，{payee} 一直在监视，\
                 在每一种设计下运行（为本页所做的运行；<code>whatif.csv</code>）。最后一笔承诺交易就是诚实的关闭。"
            ),
            "'承诺交易 #' + k + '（签署于第 ' + rs[0].clock_s + ' 秒）'",
        ),
    };
    format!(
        "<section id=\"whatif\"><h2>{heading}</h2>\n<p>{lead}</p>\n\
         <p><button id=\"wprev\">◀</button> <input id=\"wslider\" type=\"range\" min=\"0\" value=\"0\"> \
         <button id=\"wnext\">▶</button> <b id=\"wpos\"></b></p>\n<table id=\"wtable\"></table>\n\
         <script type=\"application/json\" id=\"wdata\">{data}</script>\n<script>\n(function () {{\n\
         var R = JSON.parse(document.getElementById('wdata').textContent);\n\
         var ks = []; R.forEach(function (r) {{ if (ks.indexOf(r.commitment) < 0) ks.push(r.commitment); }});\n\
         var i = 0, sl = document.getElementById('wslider'); sl.max = Math.max(0, ks.length - 1);\n\
         function n(v) {{ return v === null ? '–' : String(v).replace(/\\B(?=(\\d{{3}})+(?!\\d))/g, ','); }}\n\
         function esc(t) {{ return String(t).replace(/&/g, '&amp;').replace(/</g, '&lt;'); }}\n\
         function show() {{\n  if (!ks.length) return; var k = ks[i]; sl.value = i;\n\
           var rs = R.filter(function (r) {{ return r.commitment === k; }});\n\
           document.getElementById('wpos').textContent = {position};\n\
           var h = '<tr><th class=\"t\">{design}</th><th>{payer}{owed}</th><th>{payer}{received}</th><th>{payee}{owed}</th>' +\n\
             '<th>{payee}{received}</th><th class=\"t\">{verdict}</th></tr>';\n\
           rs.forEach(function (r) {{ h += '<tr><td class=\"t\">' + esc(r.design) + '</td><td>' + n(r.payer_owed_sat) +\n\
             '</td><td>' + n(r.payer_received_sat) + '</td><td>' + n(r.payee_owed_sat) + '</td><td' +\n\
             (r.payee_received_sat < r.payee_owed_sat ? ' class=\"short\"' : '') + '>' + n(r.payee_received_sat) +\n\
             '</td><td class=\"t\">' + esc(r.verdict) + '</td></tr>'; }});\n\
           document.getElementById('wtable').innerHTML = h;\n}}\n\
         sl.addEventListener('input', function () {{ i = Number(this.value); show(); }});\n\
         document.getElementById('wprev').onclick = function () {{ i = Math.max(0, i - 1); show(); }};\n\
         document.getElementById('wnext').onclick = function () {{ i = Math.min(ks.length - 1, i + 1); show(); }};\n\
         show();\n}})();\n</script></section>\n",
        design = w.design,
        owed = w.owed,
        received = w.received,
        verdict = w.verdict,
    )
}
