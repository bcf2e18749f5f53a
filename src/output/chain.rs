//! The on-chain part of a run's output: `chain.csv`, the `settings`, `chain` and `outcome`
//! sections of `summary.json`, and the words the summary and the narration print.
//!
//! A class wants to see which broadcast was refused and why, what confirmed when, and who ended
//! with what; an analyst wants the same as rows. Everything here is read from a finished
//! [`ChainRun`], and `paychan verify` reads it back from the files alone.

use std::path::Path;

use bitcoin::consensus::encode::serialize_hex;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{io_err, OutputError};
use crate::channel::Settings;
use crate::onchain::{ChainRun, Status, Who};
use crate::scenario::Scenario;
use crate::words::Lang;

/// The design's settings, so `verify` can remake the design.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct SettingsJson {
    /// Height of the block that confirmed the funding.
    pub funding_height: u32,
    /// `timelocked`: blocks from the funding to the refund's lock time.
    pub refund_after: u32,
    /// `spilman`: blocks from the funding to the payer's refund branch.
    pub expiry: u32,
    /// `revocable`, `taproot`: blocks a party waits to sweep its own balance from its own version.
    #[serde(default = "default_to_self_delay")]
    pub to_self_delay: u32,
}

fn default_to_self_delay() -> u32 {
    crate::channel::Settings::default().to_self_delay
}

impl From<Settings> for SettingsJson {
    fn from(s: Settings) -> SettingsJson {
        SettingsJson {
            funding_height: s.funding_height,
            refund_after: s.refund_after,
            expiry: s.expiry,
            to_self_delay: s.to_self_delay,
        }
    }
}

impl From<SettingsJson> for Settings {
    fn from(s: SettingsJson) -> Settings {
        Settings {
            funding_height: s.funding_height,
            refund_after: s.refund_after,
            expiry: s.expiry,
            to_self_delay: s.to_self_delay,
        }
    }
}

/// The simulated chain's clock and end.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ChainJson {
    /// Height of the block that confirmed the funding, at scenario time 0.
    pub start_height: u32,
    /// Seconds between blocks.
    pub block_interval_s: u64,
    /// The tip when nothing more could happen.
    pub end_height: u32,
}

/// One party's due and receipts.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PartyOutcomeJson {
    /// What the streamed video says the party should end with after the honest close's fee.
    pub owed_sat: u64,
    /// What confirmed, unspent outputs paid the party's payout script by the end.
    pub received_sat: u64,
}

/// Who ended with what.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct OutcomeJson {
    /// The payer's.
    pub payer: PartyOutcomeJson,
    /// The payee's.
    pub payee: PartyOutcomeJson,
    /// The name of the party whose transaction spent the funding output; null if none did.
    pub closed_by: Option<String>,
    /// What that transaction is, in `chain.csv`'s word ("settlement", "commitment", "refund");
    /// null if nothing spent the funding output.
    #[serde(default)]
    pub closed_with: Option<String>,
    /// Its txid (its row in `chain.csv` holds it complete); null if nothing spent the funding
    /// output.
    #[serde(default)]
    pub closing_txid: Option<String>,
    /// Its height; null if nothing spent the funding output.
    pub closed_at_height: Option<u32>,
    /// One sentence.
    pub verdict: String,
}

/// The columns of `chain.csv`, in order.
pub const CHAIN_COLUMNS: [&str; 9] = [
    "txid",
    "kind",
    "broadcast_by",
    "broadcast_s",
    "broadcast_height",
    "status",
    "confirmed_height",
    "reason",
    "tx_hex",
];

/// One row of `chain.csv`: a distinct transaction someone broadcast.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ChainRow {
    /// Its txid.
    pub txid: String,
    /// "funding", "refund", "commitment" or "settlement".
    pub kind: String,
    /// Who broadcast it (a party's name).
    pub broadcast_by: String,
    /// Scenario time of its first broadcast, in seconds.
    pub broadcast_s: u64,
    /// The chain's tip at its first broadcast.
    pub broadcast_height: u32,
    /// "confirmed", "rejected" or "unconfirmed".
    pub status: String,
    /// Its block, if confirmed.
    pub confirmed_height: Option<u32>,
    /// The first rejection, empty when it was accepted at once.
    pub reason: String,
    /// The signed transaction, hex.
    pub tx_hex: String,
}

fn name(scenario: &Scenario, who: Who) -> &str {
    match who {
        Who::Payer => &scenario.payer,
        Who::Payee => &scenario.payee,
    }
}

/// The rows of `chain.csv`.
pub fn chain_rows(scenario: &Scenario, run: &ChainRun) -> Vec<ChainRow> {
    run.broadcasts
        .iter()
        .map(|b| ChainRow {
            txid: b.txid.to_string(),
            kind: b.kind.word().to_string(),
            broadcast_by: name(scenario, b.by).to_string(),
            broadcast_s: b.broadcast_s,
            broadcast_height: b.broadcast_height,
            status: b.status.word().to_string(),
            confirmed_height: match b.status {
                Status::Confirmed(h) => Some(h),
                _ => None,
            },
            reason: b.first_rejection.as_ref().map(|r| r.to_string()).unwrap_or_default(),
            tx_hex: serialize_hex(&b.tx),
        })
        .collect()
}

/// Writes `dir/chain.csv`.
///
/// # Errors
///
/// [`OutputError`] when the file cannot be written.
pub fn write_chain_csv(dir: &Path, scenario: &Scenario, run: &ChainRun) -> Result<(), OutputError> {
    let path = dir.join("chain.csv");
    let csv_err = |source| OutputError::Csv { path: path.clone(), source };
    let mut w = csv::Writer::from_path(&path).map_err(csv_err)?;
    for row in chain_rows(scenario, run) {
        w.serialize(row).map_err(csv_err)?;
    }
    w.flush().map_err(io_err(&path))
}

/// The `chain` and `outcome` sections of `summary.json`.
pub fn chain_json(scenario: &Scenario, run: &ChainRun) -> (ChainJson, OutcomeJson) {
    let o = &run.outcome;
    let chain = ChainJson {
        start_height: run.clock.start_height,
        block_interval_s: run.clock.block_interval_s,
        end_height: run.end_height,
    };
    let outcome = OutcomeJson {
        payer: PartyOutcomeJson { owed_sat: o.payer.owed.to_sat(), received_sat: o.payer.received.to_sat() },
        payee: PartyOutcomeJson { owed_sat: o.payee.owed.to_sat(), received_sat: o.payee.received.to_sat() },
        closed_by: o.closed_by.map(|w| name(scenario, w).to_string()),
        closed_with: o.closed_with.map(|k| k.word().to_string()),
        closing_txid: o.closed_txid.map(|t| t.to_string()),
        closed_at_height: o.closed_at_height,
        verdict: o.verdict.get(Lang::En).to_string(),
    };
    (chain, outcome)
}

/// The on-chain story in lines in `lang`, for the printed summary and the narration.
pub fn story(scenario: &Scenario, run: &ChainRun, lang: Lang) -> Vec<String> {
    let g = |n: u64| crate::units::thousands(n);
    let mut lines: Vec<String> = run
        .notes
        .iter()
        .map(|n| {
            let text = n.text.get(lang);
            match lang {
                Lang::En => format!("height {} ({} s): {text}", g(u64::from(n.height)), g(n.clock_s)),
                Lang::Zh => format!("高度 {}（第 {} 秒）：{text}", g(u64::from(n.height)), g(n.clock_s)),
            }
        })
        .collect();
    let o = &run.outcome;
    let (payer, payee) = (&scenario.payer, &scenario.payee);
    let (po, pr, qo, qr) = (
        g(o.payer.owed.to_sat()),
        g(o.payer.received.to_sat()),
        g(o.payee.owed.to_sat()),
        g(o.payee.received.to_sat()),
    );
    lines.push(match lang {
        Lang::En => {
            format!("outcome: {payer} owed {po} sat, received {pr} sat; {payee} owed {qo} sat, received {qr} sat")
        }
        Lang::Zh => format!("结果：{payer} 应得 {po} 聪，实收 {pr} 聪；{payee} 应得 {qo} 聪，实收 {qr} 聪"),
    });
    lines.push(format!("{}{}", lang.pick("verdict: ", "结论："), o.verdict.get(lang)));
    lines
}

/// The printed summary's on-chain part, in `lang`.
pub fn human_chain(scenario: &Scenario, run: &ChainRun, lang: Lang) -> String {
    let (from, to) = (
        crate::units::thousands(u64::from(run.clock.start_height)),
        crate::units::thousands(u64::from(run.end_height)),
    );
    let (design, n) = (scenario.design.name(), run.broadcasts.len());
    let mut out = match lang {
        Lang::En => format!("  chain    design {design}, blocks {from} to {to}; chain.csv lists {n} transactions\n"),
        Lang::Zh => format!("  链上     设计 {design}，区块 {from} 至 {to}；chain.csv 列出 {n} 笔交易\n"),
    };
    for line in story(scenario, run, lang) {
        out += &format!("           {line}\n");
    }
    out
}
