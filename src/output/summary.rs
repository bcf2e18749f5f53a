//! `summary.json` (one schema, written by `run` and read back by `verify` and the report) and the
//! words printed after a run.

use std::fs;
use std::path::Path;

use bitcoin::consensus::encode::serialize_hex;
use bitcoin::{Address, Amount, Network, ScriptBuf};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{io_err, OutputError, FILES};
use crate::engine::RunReport;
use crate::scenario::{format_amount, format_fee_rate, unit_name, Scenario};
use crate::words::{say, Lang, Msg};

/// The design of a summary written before designs existed: the book's, the registry's first.
fn first_design() -> String {
    crate::party::DESIGNS[0].name.to_string()
}

/// `summary.json`, written by `run` and read back by `verify` and the report: one schema.
///
/// `#[derive(JsonSchema)]` makes it the JSON Schema that `paychan schema summary` prints and
/// `schema/summary.schema.json` ships; each field's `///` doc is its description there.
/// Amounts are whole satoshis; txids are as Bitcoin Core shows them; `*_hex` fields are
/// consensus-encoded bytes in lower-case hex.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[schemars(title = "paychan summary.json")]
pub struct Summary {
    /// The scenario's name (also the output folder's name).
    pub scenario: String,
    /// The scenario file's `description`, a line for people (the report shows it); absent when
    /// the file has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The channel design's name (the book's first design for summaries written before designs
    /// existed).
    #[serde(default = "first_design")]
    pub design: String,
    /// The seed every key and the wallet coin were derived from.
    pub seed: u64,
    /// "regtest", "testnet", "testnet4" or "signet".
    pub network: String,
    /// The display unit the scenario's capacity was written in: "BTC", "mBTC", "uBTC", "bits" or "sat".
    pub unit: String,
    /// The channel capacity (the funding output's value) in satoshis.
    pub capacity_sat: u64,
    /// The fee rate as written back by paychan, e.g. "1 sat/vB".
    pub fee_rate: String,
    /// The same fee rate exactly, in satoshis per 1,000 weight units (1 sat/vB = 250).
    pub fee_rate_sat_per_kwu: u64,
    /// Seconds of video paid for by one commitment.
    pub interval_s: u64,
    /// The payer (Emma in the book).
    pub payer: PartyJson,
    /// The payee (Fabian in the book).
    pub payee: PartyJson,
    /// The funding transaction and the 2-of-2 output it creates.
    pub funding: FundingJson,
    /// How many commitments both parties signed.
    pub commitments: u64,
    /// Seconds of video streamed (and paid for) by the last commitment.
    pub elapsed_s: u64,
    /// Why the stream stopped: "schedule-end", "exhaustion", or "event" (a scripted event: then
    /// no cooperative settlement, and `outcome` says what the chain made of it).
    pub stopped_by: String,
    /// The commitment that could not be paid when the channel ran out; null if it never did.
    pub exhausted: Option<ExhaustedJson>,
    /// The last state both parties agreed to: the split the video paid for. Each party's own copy
    /// of its transaction is in `commitments.csv` (as that party holds it).
    pub last_state: LastStateJson,
    /// The cooperative close, complete (every signature in its witness); present only when one
    /// was made: signed by both and, on a simulated chain, confirmed. Without it, `outcome` says
    /// what closed the channel instead (or that nothing did).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement: Option<SettlementJson>,
    /// The rate schedule, one entry per scenario segment, in order.
    pub segments: Vec<SegmentJson>,
    /// The design's settings (the funding's height, the lock window, the expiry), for designs
    /// that have any; absent for the naive channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<super::chain::SettingsJson>,
    /// The simulated chain the channel was played out on; absent when the run did not use one
    /// (the naive channel without events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<super::chain::ChainJson>,
    /// Who ended with what on the simulated chain; absent without a chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<super::chain::OutcomeJson>,
}

/// One party of the channel.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PartyJson {
    /// The name the scenario gives the party.
    pub name: String,
    /// The party's key in the 2-of-2 funding script, compressed SEC hex.
    pub pubkey: String,
    /// The script the party's commitment outputs pay to (P2WPKH), hex.
    pub script_pubkey_hex: String,
    /// That script as an address of the scenario's network.
    pub address: String,
    /// The party's public keys of the design's own, by name, compressed SEC hex, in the
    /// design's order: the revocable design's BOLT #3 basepoints (`payment`: the key of the
    /// party's payout script, `delayed_payment`, `revocation`); absent in designs without.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "named_keys")]
    #[schemars(with = "Option<std::collections::BTreeMap<String, String>>")]
    pub basepoints: Option<Vec<(String, String)>>,
}

/// A list of (name, value) pairs as a JSON object in the list's order, and back.
mod named_keys {
    use serde::de::{MapAccess, Visitor};
    use serde::ser::SerializeMap;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(keys: &Option<Vec<(String, String)>>, s: S) -> Result<S::Ok, S::Error> {
        let keys = keys.as_deref().unwrap_or_default();
        let mut map = s.serialize_map(Some(keys.len()))?;
        for (name, value) in keys {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<(String, String)>>, D::Error> {
        struct Pairs;
        impl<'de> Visitor<'de> for Pairs {
            type Value = Option<Vec<(String, String)>>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of key names and compressed public keys")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut pairs = Vec::new();
                while let Some(pair) = map.next_entry::<String, String>()? {
                    pairs.push(pair);
                }
                Ok(Some(pairs))
            }
        }
        d.deserialize_map(Pairs)
    }
}

/// The funding transaction: the payer's coin into the P2WSH 2-of-2.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct FundingJson {
    /// Its txid.
    pub txid: String,
    /// The signed transaction, hex.
    pub tx_hex: String,
    /// The index of the 2-of-2 output.
    pub vout: u32,
    /// The 2-of-2 output's value in satoshis: the capacity.
    pub amount_sat: u64,
    /// The funding transaction's fee in satoshis.
    pub fee_sat: u64,
    /// The BIP-0067 sorted 2-of-2 multisig witness script, hex.
    pub witness_script_hex: String,
    /// The P2WSH script of the 2-of-2 output, hex.
    pub script_pubkey_hex: String,
    /// The 2-of-2 output's address.
    pub address: String,
    /// The coins it spends (the payer's synthetic wallet coin).
    pub inputs: Vec<InputJson>,
}

/// A coin spent by the funding transaction.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct InputJson {
    /// The txid of the transaction that created the coin.
    pub txid: String,
    /// The coin's output index in that transaction.
    pub vout: u32,
    /// The coin's value in satoshis.
    pub amount_sat: u64,
    /// The coin's script, hex.
    pub script_pubkey_hex: String,
}

/// The commitment that could not be paid: the channel ran out.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ExhaustedJson {
    /// Scenario time at which it would have been signed, in seconds.
    pub clock_s: u64,
    /// Its sequence number (one past the last signed commitment).
    pub unpaid_seq: u64,
    /// What it would have owed the payee in total, in satoshis.
    pub owed_sat: u64,
    /// Its fee in satoshis.
    pub fee_sat: u64,
}

/// The last state both parties agreed to, whether or not it was ever closed cooperatively.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct LastStateJson {
    /// Its commitment number (0: the refund, no video paid for).
    pub seq: u64,
    /// Scenario time at which the video stopped with it, in seconds.
    pub clock_s: u64,
    /// What it gives the payer back, in satoshis.
    pub payer_sat: u64,
    /// What it gives the payee, in satoshis.
    pub payee_sat: u64,
    /// Its fee in satoshis: capacity - payer - payee, any output left out as dust included.
    pub fee_sat: u64,
    /// Of the fee, what an output below the dust limit would have paid.
    pub trimmed_sat: u64,
}

/// The cooperative close: the last state signed by both parties, complete.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SettlementJson {
    /// The sequence number of the commitment it settles.
    pub seq: u64,
    /// Scenario time of the settlement, in seconds.
    pub clock_s: u64,
    /// Its txid.
    pub txid: String,
    /// The complete transaction, hex: every signature its witness needs.
    pub tx_hex: String,
    /// What the payer gets back, in satoshis.
    pub payer_sat: u64,
    /// What the payee gets, in satoshis.
    pub payee_sat: u64,
    /// The fee in satoshis: capacity - payer - payee, any output left out as dust included.
    pub fee_sat: u64,
    /// Satoshis of an output below the dust limit, left out and added to the fee.
    pub trimmed_sat: u64,
}

/// One segment of the rate schedule, in whole seconds and satoshis.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SegmentJson {
    /// Scenario time at which the segment starts, in seconds.
    pub start_s: u64,
    /// Its length in seconds.
    pub duration_s: u64,
    /// Its price in satoshis per second; 0 is a pause.
    pub rate_sat_per_s: u64,
}

/// The network's name as scenarios write it: "regtest", "testnet", "testnet4", "signet".
pub fn network_name(network: Network) -> &'static str {
    match network {
        Network::Testnet => "testnet",
        Network::Testnet4 => "testnet4",
        Network::Signet => "signet",
        Network::Regtest => "regtest",
        _ => "mainnet",
    }
}

fn address(script: &ScriptBuf, network: Network) -> String {
    Address::from_script(script, network).map(|a| a.to_string()).unwrap_or_default()
}

/// Writes `dir/summary.json`.
///
/// # Errors
///
/// [`OutputError::Io`] when the file cannot be written.
pub fn write_summary(dir: &Path, scenario: &Scenario, report: &RunReport) -> Result<(), OutputError> {
    write_summary_json(dir, &summary_of(scenario, report))
}

/// Writes `summary` as `dir/summary.json`.
///
/// # Errors
///
/// [`OutputError::Io`] when the file cannot be written.
pub fn write_summary_json(dir: &Path, summary: &Summary) -> Result<(), OutputError> {
    let path = dir.join("summary.json");
    let mut text = serde_json::to_string_pretty(summary).expect("the summary has only strings and integers");
    text.push('\n');
    fs::write(&path, text).map_err(io_err(&path))
}

/// The summary of a run, as `summary.json` holds it (without the chain's part).
pub fn summary_of(scenario: &Scenario, report: &RunReport) -> Summary {
    let p = &report.channel.params;
    Summary {
        scenario: scenario.name.clone(),
        description: Some(scenario.description.clone()).filter(|d| !d.is_empty()),
        design: scenario.design.name().to_string(),
        seed: scenario.seed,
        network: network_name(scenario.network).to_string(),
        unit: unit_name(scenario.unit).to_string(),
        capacity_sat: scenario.capacity.to_sat(),
        fee_rate: format_fee_rate(scenario.fee_rate),
        fee_rate_sat_per_kwu: scenario.fee_rate.to_sat_per_kwu(),
        interval_s: scenario.interval_s,
        payer: party_json(scenario, p, &scenario.payer, &p.payer_funding_key, &p.payer_payout),
        payee: party_json(scenario, p, &scenario.payee, &p.payee_funding_key, &p.payee_payout),
        funding: funding_json(scenario, &report.channel),
        commitments: report.commitments,
        elapsed_s: report.elapsed_s,
        stopped_by: stopped_by(scenario, report).to_string(),
        exhausted: report.exhausted.map(|e| ExhaustedJson {
            clock_s: e.clock_s,
            unpaid_seq: e.tick.seq,
            owed_sat: e.reason.paid.to_sat(),
            fee_sat: e.reason.fee.to_sat(),
        }),
        last_state: last_state_json(report),
        settlement: settlement_json(p, report),
        segments: segments_json(scenario),
        settings: None,
        chain: None,
        outcome: None,
    }
}

/// One party of the channel `p`: its name, funding `key`, `payout` script and address, and its
/// basepoints in a design that has them.
fn party_json(
    scenario: &Scenario,
    p: &crate::channel::ChannelParams,
    name: &str,
    key: &bitcoin::secp256k1::PublicKey,
    payout: &ScriptBuf,
) -> PartyJson {
    PartyJson {
        name: name.to_string(),
        pubkey: key.to_string(),
        script_pubkey_hex: payout.to_hex_string(),
        address: address(payout, scenario.network),
        basepoints: {
            let who = if *key == p.payer_funding_key { crate::channel::Who::Payer } else { crate::channel::Who::Payee };
            let keys = p.design.public_keys(p, who);
            (!keys.is_empty()).then(|| keys.into_iter().map(|(n, k)| (n.to_string(), k.to_string())).collect())
        },
    }
}

/// The funding transaction of `ch`: its output, its fee and the wallet coin it spends.
fn funding_json(scenario: &Scenario, ch: &crate::channel::Channel) -> FundingJson {
    let p = &ch.params;
    let funding_out = &ch.funding_tx.output[0];
    FundingJson {
        txid: ch.funding_tx.compute_txid().to_string(),
        tx_hex: serialize_hex(&ch.funding_tx),
        vout: p.funding_outpoint.vout,
        amount_sat: funding_out.value.to_sat(),
        fee_sat: ch.funding_fee().to_sat(),
        witness_script_hex: p.witness_script.to_hex_string(),
        script_pubkey_hex: funding_out.script_pubkey.to_hex_string(),
        address: address(&funding_out.script_pubkey, scenario.network),
        inputs: vec![InputJson {
            txid: ch.coin.outpoint.txid.to_string(),
            vout: ch.coin.outpoint.vout,
            amount_sat: ch.coin.amount.to_sat(),
            script_pubkey_hex: ch.coin.script_pubkey.to_hex_string(),
        }],
    }
}

/// What stopped the video: "exhaustion", "event" or "schedule-end".
fn stopped_by(scenario: &Scenario, report: &RunReport) -> &'static str {
    if report.exhausted.is_some() {
        "exhaustion"
    } else if stopping_event(scenario).is_some() {
        "event"
    } else {
        "schedule-end"
    }
}

/// The last state both parties agreed to, at the clock the video stopped with it.
fn last_state_json(report: &RunReport) -> LastStateJson {
    let s = &report.settlement;
    LastStateJson {
        seq: s.seq,
        clock_s: report.settled_at_s,
        payer_sat: s.split.payer.to_sat(),
        payee_sat: s.split.payee.to_sat(),
        fee_sat: s.split.fee.to_sat(),
        trimmed_sat: s.split.trimmed.to_sat(),
    }
}

/// The cooperative close the engine made, when its payer's copy is already complete (a design
/// whose settlement both sign into one witness); a run played on a chain replaces it with what
/// confirmed there ([`settlement_from_chain`]).
fn settlement_json(p: &crate::channel::ChannelParams, report: &RunReport) -> Option<SettlementJson> {
    (!p.design.logged_half_signed(None)).then(|| settlement_of(report, &report.settlement.tx))
}

/// The settlement of `report`'s last state as the transaction `tx`.
fn settlement_of(report: &RunReport, tx: &bitcoin::Transaction) -> SettlementJson {
    let s = last_state_json(report);
    SettlementJson {
        seq: s.seq,
        clock_s: s.clock_s,
        txid: tx.compute_txid().to_string(),
        tx_hex: serialize_hex(tx),
        payer_sat: s.payer_sat,
        payee_sat: s.payee_sat,
        fee_sat: s.fee_sat,
        trimmed_sat: s.trimmed_sat,
    }
}

/// The cooperative close that confirmed on the chain of `run`, as broadcast (complete), if one
/// did; `None` when something else closed the channel or nothing did.
pub fn settlement_from_chain(report: &RunReport, run: &crate::onchain::ChainRun) -> Option<SettlementJson> {
    run.cooperative_close().map(|b| settlement_of(report, &b.tx))
}

/// The rate schedule's segments, each with the second it starts at.
fn segments_json(scenario: &Scenario) -> Vec<SegmentJson> {
    let mut start = 0;
    scenario
        .segments
        .iter()
        .map(|seg| {
            let j = SegmentJson { start_s: start, duration_s: seg.duration_s, rate_sat_per_s: seg.rate_per_s.to_sat() };
            start += seg.duration_s;
            j
        })
        .collect()
}

/// The first scripted event that stops the video, if one does: then nobody pressed stop, and
/// what closes the channel is decided on the chain.
pub(crate) fn stopping_event(scenario: &Scenario) -> Option<crate::onchain::Event> {
    scenario
        .events
        .iter()
        .filter(|e| {
            scenario.event_time_s(e) < scenario.total_duration_s() || !matches!(e.does, crate::onchain::Does::Close)
        })
        .min_by_key(|e| scenario.event_time_s(e))
        .copied()
}

/// The words printed after a run: what was funded, how many commitments, the split, the files.
///
/// With a `chain`, "settled" is said only of a cooperative close that confirmed on it.
pub fn human_summary(
    scenario: &Scenario,
    report: &RunReport,
    chain: Option<&crate::onchain::ChainRun>,
    dir: &Path,
    lang: Lang,
) -> String {
    let unit = scenario.unit;
    let amt = |a: Amount| format_amount(a, unit);
    let ch = &report.channel;
    let mut out = String::new();
    let network = network_name(scenario.network);
    let seed = scenario.seed.to_string();
    out += &say(lang, Msg::SummaryHead, &[("name", &scenario.name), ("seed", &seed), ("network", network)]);
    if !scenario.description.is_empty() {
        out += &say(lang, Msg::SummaryAbout, &[("description", &scenario.description)]);
    }
    let (capacity, address) =
        (amt(scenario.capacity), address(&ch.funding_tx.output[0].script_pubkey, scenario.network));
    let (txid, fee) = (ch.funding_tx.compute_txid().to_string(), ch.funding_fee().to_sat().to_string());
    let rate = format_fee_rate(scenario.fee_rate);
    let args = [
        ("capacity", capacity.as_str()),
        ("noun", scenario.design.funding_noun(lang)),
        ("address", &address),
        ("payer", &scenario.payer),
        ("payee", &scenario.payee),
        ("txid", &txid),
        ("fee", &fee),
        ("rate", &rate),
    ];
    out += &say(lang, Msg::SummaryFunded, &args);
    let (secs, n) = (report.elapsed_s.to_string(), report.commitments.to_string());
    let signing = scenario.design.tell_signing(lang, &scenario.payer, &scenario.payee);
    out += &say(lang, Msg::SummaryStreamed, &[("s", &secs), ("n", &n), ("signing", &signing)]);
    if let Some(e) = &report.exhausted {
        let (clock, seq, paid) = (e.clock_s.to_string(), e.tick.seq.to_string(), amt(e.reason.paid));
        let (fee, funding) = (e.reason.fee.to_sat().to_string(), amt(e.reason.funding));
        let args = [("clock", clock.as_str()), ("seq", &seq), ("paid", &paid), ("fee", &fee), ("funding", &funding)];
        out += &say(lang, Msg::SummaryExhausted, &args);
    } else if let Some(e) = stopping_event(scenario) {
        out += &stopped_by_event(scenario, report, &e, lang);
    } else if chain.is_some_and(|c| c.cooperative_close().is_none()) {
        let clock = report.settled_at_s.to_string();
        out += &say(lang, Msg::SummaryStop, &[("clock", &clock), ("payer", &scenario.payer)]);
        out += &last_state_line(scenario, report, Msg::SummaryCloseUnconfirmed.text(lang), lang);
    } else {
        out += &settled_lines(scenario, report, lang);
    }
    let (dir, files) = (dir.display().to_string(), FILES.join(", "));
    out += &say(lang, Msg::SummaryWrote, &[("dir", &dir), ("files", &files)]);
    out
}

/// The printed lines of a video a scripted event stopped: what happened, and the last state.
fn stopped_by_event(scenario: &Scenario, report: &RunReport, e: &crate::onchain::Event, lang: Lang) -> String {
    let (who, other) = match e.who {
        crate::onchain::Who::Payer => (&scenario.payer, &scenario.payee),
        crate::onchain::Who::Payee => (&scenario.payee, &scenario.payer),
    };
    let what = match e.does {
        crate::onchain::Does::Vanish => say(lang, Msg::SummaryVanish, &[("who", who)]),
        crate::onchain::Does::Broadcast { commitment: 0 } => say(lang, Msg::SummaryRefund, &[("who", who)]),
        crate::onchain::Does::Broadcast { commitment } => {
            say(lang, Msg::SummaryBroadcast, &[("who", who), ("seq", &commitment.to_string())])
        }
        crate::onchain::Does::Close => say(lang, Msg::SummaryClose, &[("who", who)]),
    };
    let clock = scenario.event_time_s(e).to_string();
    say(lang, Msg::SummaryEvent, &[("clock", &clock), ("what", &what), ("other", other)])
        + &last_state_line(scenario, report, Msg::SummaryNoSettlement.text(lang), lang)
}

/// The printed line of the last state both agreed, and why it was not settled.
fn last_state_line(scenario: &Scenario, report: &RunReport, why: &str, lang: Lang) -> String {
    let s = &report.settlement.split;
    let (seq, paid, back) = (
        report.settlement.seq.to_string(),
        format_amount(s.payee, scenario.unit),
        format_amount(s.payer, scenario.unit),
    );
    let args = [
        ("seq", seq.as_str()),
        ("payee", &scenario.payee),
        ("paid", &paid),
        ("payer", &scenario.payer),
        ("back", &back),
        ("why", why),
    ];
    say(lang, Msg::SummaryLast, &args)
}

/// The printed lines of a cooperative close: who pressed stop, the split and the settlement.
fn settled_lines(scenario: &Scenario, report: &RunReport, lang: Lang) -> String {
    let amt = |a: Amount| format_amount(a, scenario.unit);
    let s = &report.settlement.split;
    let clock = report.settled_at_s.to_string();
    let dust = if s.trimmed > Amount::ZERO {
        say(lang, Msg::SummaryDust, &[("sat", &s.trimmed.to_sat().to_string())])
    } else {
        String::new()
    };
    let (paid, back, capacity) = (amt(s.payee), amt(s.payer), amt(scenario.capacity));
    let (fee, txid) = (s.fee.to_sat().to_string(), report.settlement.tx.compute_txid().to_string());
    let args = [
        ("payee", scenario.payee.as_str()),
        ("paid", &paid),
        ("payer", &scenario.payer),
        ("back", &back),
        ("capacity", &capacity),
        ("fee", &fee),
        ("dust", &dust),
        ("txid", &txid),
    ];
    say(lang, Msg::SummaryStop, &[("clock", &clock), ("payer", &scenario.payer)])
        + &say(lang, Msg::SummarySettled, &args)
}
