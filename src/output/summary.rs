//! `summary.json` (one schema, written by `run` and read back by `verify` and the report) and the
//! words printed after a run.

use std::fs;
use std::path::Path;

use bitcoin::consensus::encode::serialize_hex;
use bitcoin::{Address, Amount, Network, ScriptBuf};
use serde::{Deserialize, Serialize};

use super::{io_err, OutputError, FILES};
use crate::engine::RunReport;
use crate::scenario::{format_amount, format_fee_rate, unit_name, Scenario};

fn naive() -> String {
    "naive".to_string()
}

/// `summary.json`, written by `run` and read back by `verify` and the report: one schema.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    pub scenario: String,
    /// The channel design's name ("naive" for summaries written before designs existed).
    #[serde(default = "naive")]
    pub design: String,
    pub seed: u64,
    pub network: String,
    pub unit: String,
    pub capacity_sat: u64,
    pub fee_rate: String,
    pub fee_rate_sat_per_kwu: u64,
    pub interval_s: u64,
    pub payer: PartyJson,
    pub payee: PartyJson,
    pub funding: FundingJson,
    pub commitments: u64,
    pub elapsed_s: u64,
    pub stopped_by: String,
    pub exhausted: Option<ExhaustedJson>,
    pub settlement: SettlementJson,
    pub segments: Vec<SegmentJson>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartyJson {
    pub name: String,
    pub pubkey: String,
    pub script_pubkey_hex: String,
    pub address: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FundingJson {
    pub txid: String,
    pub tx_hex: String,
    pub vout: u32,
    pub amount_sat: u64,
    pub fee_sat: u64,
    pub witness_script_hex: String,
    pub script_pubkey_hex: String,
    pub address: String,
    pub inputs: Vec<InputJson>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InputJson {
    pub txid: String,
    pub vout: u32,
    pub amount_sat: u64,
    pub script_pubkey_hex: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExhaustedJson {
    pub clock_s: u64,
    pub unpaid_seq: u64,
    pub owed_sat: u64,
    pub fee_sat: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SettlementJson {
    pub seq: u64,
    pub clock_s: u64,
    pub txid: String,
    pub tx_hex: String,
    pub payer_sat: u64,
    pub payee_sat: u64,
    pub fee_sat: u64,
    pub trimmed_sat: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SegmentJson {
    pub start_s: u64,
    pub duration_s: u64,
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
    let ch = &report.channel;
    let p = &ch.params;
    let funding_out = &ch.funding_tx.output[0];
    let funding_fee = ch.funding_fee();
    let party = |name: &str, key: &bitcoin::secp256k1::PublicKey, payout: &ScriptBuf| PartyJson {
        name: name.to_string(),
        pubkey: key.to_string(),
        script_pubkey_hex: payout.to_hex_string(),
        address: address(payout, scenario.network),
    };
    let s = &report.settlement;
    let mut start = 0;
    let segments = scenario
        .segments
        .iter()
        .map(|seg| {
            let j = SegmentJson { start_s: start, duration_s: seg.duration_s, rate_sat_per_s: seg.rate_per_s.to_sat() };
            start += seg.duration_s;
            j
        })
        .collect();
    let summary = Summary {
        scenario: scenario.name.clone(),
        design: scenario.design.name().to_string(),
        seed: scenario.seed,
        network: network_name(scenario.network).to_string(),
        unit: unit_name(scenario.unit).to_string(),
        capacity_sat: scenario.capacity.to_sat(),
        fee_rate: format_fee_rate(scenario.fee_rate),
        fee_rate_sat_per_kwu: scenario.fee_rate.to_sat_per_kwu(),
        interval_s: scenario.interval_s,
        payer: party(&scenario.payer, &p.payer_funding_key, &p.payer_payout),
        payee: party(&scenario.payee, &p.payee_funding_key, &p.payee_payout),
        funding: FundingJson {
            txid: ch.funding_tx.compute_txid().to_string(),
            tx_hex: serialize_hex(&ch.funding_tx),
            vout: p.funding_outpoint.vout,
            amount_sat: funding_out.value.to_sat(),
            fee_sat: funding_fee.to_sat(),
            witness_script_hex: p.witness_script.to_hex_string(),
            script_pubkey_hex: funding_out.script_pubkey.to_hex_string(),
            address: address(&funding_out.script_pubkey, scenario.network),
            inputs: vec![InputJson {
                txid: ch.coin.outpoint.txid.to_string(),
                vout: ch.coin.outpoint.vout,
                amount_sat: ch.coin.amount.to_sat(),
                script_pubkey_hex: ch.coin.script_pubkey.to_hex_string(),
            }],
        },
        commitments: report.commitments,
        elapsed_s: report.elapsed_s,
        stopped_by: if report.exhausted.is_some() { "exhaustion" } else { "schedule-end" }.to_string(),
        exhausted: report.exhausted.map(|e| ExhaustedJson {
            clock_s: e.clock_s,
            unpaid_seq: e.tick.seq,
            owed_sat: e.reason.paid.to_sat(),
            fee_sat: e.reason.fee.to_sat(),
        }),
        settlement: SettlementJson {
            seq: s.seq,
            clock_s: report.settled_at_s,
            txid: s.tx.compute_txid().to_string(),
            tx_hex: serialize_hex(&s.tx),
            payer_sat: s.split.payer.to_sat(),
            payee_sat: s.split.payee.to_sat(),
            fee_sat: s.split.fee.to_sat(),
            trimmed_sat: s.split.trimmed.to_sat(),
        },
        segments,
    };
    let path = dir.join("summary.json");
    let mut text = serde_json::to_string_pretty(&summary).expect("the summary has only strings and integers");
    text.push('\n');
    fs::write(&path, text).map_err(io_err(&path))
}

/// The words printed after a run: what was funded, how many commitments, the split, the files.
pub fn human_summary(scenario: &Scenario, report: &RunReport, dir: &Path) -> String {
    let unit = scenario.unit;
    let amt = |a: Amount| format_amount(a, unit);
    let ch = &report.channel;
    let s = &report.settlement.split;
    let mut out = String::new();
    let network = network_name(scenario.network);
    out += &format!("paychan: {} (seed {}, {network})\n", scenario.name, scenario.seed);
    out += &format!(
        "  funded   {} into the 2-of-2 {} of {} and {}\n           funding tx {} (fee {} sat, {})\n",
        amt(scenario.capacity),
        address(&ch.funding_tx.output[0].script_pubkey, scenario.network),
        scenario.payer,
        scenario.payee,
        ch.funding_tx.compute_txid(),
        ch.funding_fee().to_sat(),
        format_fee_rate(scenario.fee_rate),
    );
    out += &format!(
        "  streamed {} s of video: {} commitments, each signed by {} and countersigned by {}\n",
        report.elapsed_s, report.commitments, scenario.payer, scenario.payee
    );
    if let Some(e) = &report.exhausted {
        out += &format!(
            "  stopped  at {} s: the channel is exhausted; commitment #{} would owe {} plus a {} sat fee out of {}\n",
            e.clock_s,
            e.tick.seq,
            amt(e.reason.paid),
            e.reason.fee.to_sat(),
            amt(e.reason.funding)
        );
    } else {
        out += &format!("  stopped  at {} s: {} pressed stop\n", report.settled_at_s, scenario.payer);
    }
    out += &format!(
        "  settled  {} {}, {} {} (= {} - {} - {} sat fee{})\n           settlement tx {}\n",
        scenario.payee,
        amt(s.payee),
        scenario.payer,
        amt(s.payer),
        amt(scenario.capacity),
        amt(s.payee),
        s.fee.to_sat(),
        if s.trimmed > Amount::ZERO {
            format!(", {} sat of it a dust output left out", s.trimmed.to_sat())
        } else {
            String::new()
        },
        report.settlement.tx.compute_txid()
    );
    out += &format!("  wrote    {}/{{{}}}\n", dir.display(), FILES.join(", "));
    out
}
