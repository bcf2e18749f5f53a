//! `paychan compare`: one viewing session and one misbehaviour, under every design, side by side.
//!
//! The chapter builds towards one table: the same video and the same cheat under the naive
//! channel, the timelocked one, the Spilman channel and the revocable one, and who ends with what.
//! [`compare`] runs the scenario's session and events under every registered design
//! ([`crate::channel::DESIGNS`]), each a full run with its own output folder (so every figure can
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

use crate::channel::{self, Settings, DESIGNS};
use crate::onchain::{Does, Event, Status, Who};
use crate::output::chart::{write_compare_chart, CompareBars, CompareInput};
use crate::output::{OutputError, Staging};
use crate::run::{run_scenario, RunOptions};
use crate::scenario::{thousands, Scenario};
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
}

/// The scenario under `design`: its settings carried over, the events mapped to what each party
/// can do there. Returns the scenario and the notes on mapped events, or the reason the design
/// cannot run it.
fn variant(scenario: &Scenario, design: &str) -> Result<(Scenario, Vec<String>), String> {
    let mut settings = scenario.design.settings().unwrap_or_default();
    settings.funding_height = scenario.chain.start_height;
    let made = channel::design(design, &Settings { ..settings }).ok_or_else(|| format!("unknown design {design}"))?;
    let mut s = scenario.clone();
    s.name = design.to_string();
    s.design = made;
    if let Some(max) = s.design.max_commitments() {
        let needed: u64 = s.segments.iter().filter(|g| !g.is_pause()).map(|g| g.duration_s / s.interval_s).sum();
        if needed > max {
            return Err(format!(
                "not run: the schedule needs {} commitments, the {design} window holds {}",
                thousands(needed),
                thousands(max)
            ));
        }
    }
    let mut notes = Vec::new();
    let name = |w: Who| if w == Who::Payer { scenario.payer.clone() } else { scenario.payee.clone() };
    let refund = s.design.refund();
    let events: Vec<Event> = s
        .events
        .iter()
        .map(|ev| match ev.does {
            Does::Broadcast { commitment } => match crate::scenario::validate::holds(&s, ev.who, commitment, refund) {
                Ok(()) => *ev,
                Err(problem) => {
                    let refund_held = ev.who == Who::Payer
                        && commitment != 0
                        && crate::scenario::validate::holds(&s, Who::Payer, 0, refund).is_ok();
                    if refund_held {
                        notes.push(format!("{problem}: she broadcasts her refund instead"));
                        Event { does: Does::Broadcast { commitment: 0 }, ..*ev }
                    } else {
                        notes.push(format!("{problem}: {} stops answering instead", name(ev.who)));
                        Event { does: Does::Vanish, ..*ev }
                    }
                }
            },
            _ => *ev,
        })
        .collect();
    s.events = events;
    Ok((s, notes))
}

/// The events in words: "600 s Emma broadcasts #1; 600 s Fabian vanishes".
fn describe_events(s: &Scenario) -> String {
    let words: Vec<String> = s
        .events
        .iter()
        .map(|ev| {
            let who = if ev.who == Who::Payer { &s.payer } else { &s.payee };
            let when = format!("{} s", thousands(s.event_time_s(ev)));
            match ev.does {
                Does::Broadcast { commitment: 0 } => format!("{when} {who} broadcasts the refund"),
                Does::Broadcast { commitment } => format!("{when} {who} broadcasts #{commitment}"),
                Does::Vanish => format!("{when} {who} vanishes"),
                Does::Close => format!("{when} {who} closes"),
            }
        })
        .collect();
    if words.is_empty() {
        "none".to_string()
    } else {
        words.join("; ")
    }
}

/// Runs `path`'s scenario under every design into `out/<scenario>-compare/`, replaced atomically.
///
/// # Errors
///
/// [`Error`] when the scenario is invalid, a run fails or a file cannot be written.
pub fn compare(path: &Path, out: &Path, force: bool, threads: usize) -> Result<Comparison, Error> {
    let scenario = Scenario::load(path)?;
    let staging = Staging::prepare(out, &format!("{}-compare", scenario.name), force)?;
    let dir = staging.path().to_path_buf();
    let options = RunOptions {
        out: dir.clone(),
        force: true,
        psbt: None,
        threads,
        tx_hex: true,
        progress: false,
        narrate: false,
    };
    let mut rows = Vec::new();
    for r in DESIGNS {
        let (s, notes) = match variant(&scenario, r.name) {
            Ok(v) => v,
            Err(reason) => {
                rows.push(CompareRow {
                    design: r.name.to_string(),
                    scenario: scenario.name.clone(),
                    seed: scenario.seed,
                    events: describe_events(&scenario),
                    payer_owed_sat: 0,
                    payer_received_sat: None,
                    payee_owed_sat: 0,
                    payee_received_sat: None,
                    closed_at_height: None,
                    onchain_txs: 0,
                    onchain_fees_sat: 0,
                    verdict: reason,
                });
                continue;
            }
        };
        let events = describe_events(&s);
        let run = run_scenario(s, path, &options)?;
        let settlement = &run.report.settlement.split;
        let mut row = CompareRow {
            design: r.name.to_string(),
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
            verdict: "no event: the video ends and both close cooperatively; no chain is played for the naive \
                      channel without events"
                .to_string(),
        };
        if let Some(chain) = &run.chain {
            let o = &chain.outcome;
            row.payer_owed_sat = o.payer.owed.to_sat();
            row.payer_received_sat = Some(o.payer.received.to_sat());
            row.payee_owed_sat = o.payee.owed.to_sat();
            row.payee_received_sat = Some(o.payee.received.to_sat());
            row.closed_at_height = o.closed_at_height;
            row.verdict = o.verdict.clone();
            let (txs, fees) = confirmed_fees(&run.report.channel, &chain.broadcasts);
            row.onchain_txs = txs;
            row.onchain_fees_sat = fees.to_sat();
        }
        for note in notes {
            row.verdict = format!("{} ({note})", row.verdict);
        }
        rows.push(row);
    }
    write_csv(&dir.join("compare.csv"), &rows)?;
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
            unit_name: crate::scenario::unit_name(scenario.unit),
        },
        &dir.join("compare.png"),
        &dir.join("compare.svg"),
    )
    .map_err(OutputError::from)?;
    let html = dir.join("compare.html");
    std::fs::write(&html, page(&scenario, &rows)).map_err(|source| OutputError::Io { path: html.clone(), source })?;
    let dir = staging.commit()?;
    Ok(Comparison { scenario, dir, rows })
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

fn write_csv(path: &Path, rows: &[CompareRow]) -> Result<(), OutputError> {
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

/// The few sentences `compare` prints: each design's verdict, then which designs paid each party
/// at least what it is owed.
pub fn sentences(c: &Comparison) -> Vec<String> {
    let s = &c.scenario;
    let mut out = vec![format!("{} under every design ({}):", s.name, describe_events(s))];
    for r in &c.rows {
        out.push(format!("  {:<11}{}", r.design, r.verdict));
    }
    for (who, name) in [(Who::Payee, &s.payee), (Who::Payer, &s.payer)] {
        let list = |want: bool| {
            c.rows.iter().filter(|r| paid_in_full(r, who) == Some(want)).map(|r| r.design.as_str()).collect::<Vec<_>>()
        };
        let (yes, no) = (list(true), list(false));
        let mut line = format!("{name} ends whole (received ≥ owed) under ");
        line += &if yes.is_empty() { "no design".to_string() } else { yes.join(", ") };
        if !no.is_empty() {
            line += &format!("; not under {}", no.join(", "));
        }
        out.push(line + ".");
    }
    out.push(format!("wrote {}/{{compare.csv, compare.png, compare.svg, compare.html, <design>/}}", c.dir.display()));
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// `compare.html`: the table, the chart, and a link to each design's own report.
fn page(s: &Scenario, rows: &[CompareRow]) -> String {
    let sat = |v: Option<u64>| v.map_or("–".to_string(), thousands);
    let mut html = String::new();
    let _ = write!(
        html,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{name}: every design</title>\n\
         <style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:80em}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:right}}td.t,th.t{{text-align:left}}\
         .short{{color:#b00}}img{{max-width:100%}}</style></head><body>\n\
         <section id=\"compare\"><h1>{name}: the same session under every design</h1>\n\
         <p>Events: {events}. Each design's run is a full output folder of its own (linked), every transaction \
         checked by <code>paychan verify</code>. Owed is what the video says each should end with after the honest \
         close's fee; received is what confirmed outputs paid to each party's own script.</p>\n\
         <img src=\"compare.svg\" alt=\"owed and received per party and design\">\n<table>\n<tr><th class=\"t\">design\
         </th><th>{payer} owed</th><th>{payer} received</th><th>{payee} owed</th><th>{payee} received</th><th>closed at\
         </th><th>on-chain txs</th><th>fees</th><th class=\"t\">verdict</th></tr>\n",
        name = escape(&s.name),
        events = escape(&describe_events(s)),
        payer = escape(&s.payer),
        payee = escape(&s.payee),
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
            escape(&r.verdict),
            d = escape(&r.design),
        );
    }
    html += "</table></section>\n</body></html>\n";
    html
}
