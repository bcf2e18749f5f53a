//! Everything a run leaves behind: the CSV log, the JSON summary, the chart, the words on stdout.
//!
//! Educators read the chart and the summary; analysts load the CSV with pandas and diff the JSON
//! across seeds. All of it must be byte-identical for the same scenario, and a run must never leave
//! something that looks like a result but is not. So every file is written into a staging folder
//! beside the target ([`Staging`]) and the folder is renamed into place only once all of it is
//! complete; commitments are streamed to the CSV as the engine produces them.

pub mod chart;
pub mod narrate;
pub mod progress;
pub mod report;
pub mod series;

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use bitcoin::consensus::encode::serialize_hex;
use bitcoin::{Address, Amount, Network, ScriptBuf};
use serde::{Deserialize, Serialize};

use crate::engine::{RunReport, Tick};
use crate::party::SignedCommitment;
use crate::scenario::{format_amount, format_fee_rate, unit_name, Scenario};

/// The marker that says a folder is paychan's own output, safe to replace on the next run.
pub const MARKER: &str = ".paychan-output";

/// The files of a run, in the order they are listed to the user.
pub const FILES: [&str; 7] =
    ["commitments.csv", "summary.json", "balance.png", "balance.svg", "payment.png", "payment.svg", "report.html"];

/// A failure to write the output.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The output root exists and is not a folder.
    #[error("the output path {0} is a file, not a folder; choose another with --out")]
    NotAFolder(PathBuf),
    /// Something other than a previous paychan run is in the way.
    #[error("{0} exists and is not a paychan output; move it, choose another --out, or pass --force to replace it")]
    Occupied(PathBuf),
    /// The output folder cannot be made where the user asked.
    #[error("cannot create the output folder {path}; choose another with --out")]
    Path {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// An I/O error on a path.
    #[error("cannot write {path}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The CSV writer failed.
    #[error("cannot write {path}")]
    Csv {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: csv::Error,
    },
    /// The HTML report could not be written.
    #[error("cannot write the report")]
    Report(#[from] report::ReportError),
    /// The chart could not be drawn.
    #[error("cannot draw the chart")]
    Chart(#[from] chart::ChartError),
}

impl OutputError {
    /// Whether the user can fix this by choosing another path (exit code 2) rather than a fault.
    pub fn is_usage(&self) -> bool {
        matches!(self, OutputError::NotAFolder(_) | OutputError::Occupied(_) | OutputError::Path { .. })
    }
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |source| OutputError::Io { path: path.to_path_buf(), source }
}

/// A staging folder that becomes `root/name` only when [`Staging::commit`] is called.
///
/// A run killed at any moment leaves the previous complete output (or none) at `root/name`, and
/// at most a hidden `.name.paychan-tmp` that the next run removes. On Linux the new folder and
/// the previous one are swapped in one `renameat2(RENAME_EXCHANGE)`, so there is no moment
/// without a complete output.
#[derive(Debug)]
pub struct Staging {
    tmp: PathBuf,
    old: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl Staging {
    /// Prepares `root/.name.paychan-tmp`, after checking `root/name` may be replaced.
    ///
    /// # Errors
    ///
    /// [`OutputError::NotAFolder`] or [`OutputError::Occupied`] when the target is in the way
    /// (unless `force`), [`OutputError::Io`] when the folders cannot be made.
    pub fn prepare(root: &Path, name: &str, force: bool) -> Result<Staging, OutputError> {
        if root.exists() && !root.is_dir() {
            return Err(OutputError::NotAFolder(root.to_path_buf()));
        }
        fs::create_dir_all(root).map_err(|source| OutputError::Path { path: root.to_path_buf(), source })?;
        let target = root.join(name);
        let ours = target.join(MARKER).is_file();
        if target.exists() && !ours && !force {
            return Err(OutputError::Occupied(target));
        }
        let tmp = root.join(format!(".{name}.paychan-tmp"));
        let old = root.join(format!(".{name}.paychan-old"));
        // Left by a run that was killed: never a complete result.
        for stale in [&tmp, &old] {
            if stale.exists() {
                fs::remove_dir_all(stale).map_err(io_err(stale))?;
            }
        }
        fs::create_dir(&tmp).map_err(|source| OutputError::Path { path: tmp.clone(), source })?;
        Ok(Staging { tmp, old, target, committed: false })
    }

    /// The staging folder to write into.
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// The final folder.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Marks the output as paychan's and renames it into place, replacing a previous run.
    ///
    /// # Errors
    ///
    /// [`OutputError::Io`] when a rename fails.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        let marker = self.tmp.join(MARKER);
        fs::write(&marker, "paychan output folder: replaced on the next run of the same scenario\n")
            .map_err(io_err(&marker))?;
        if self.target.exists() {
            if exchange(&self.tmp, &self.target).is_ok() {
                // The previous output now sits at the staging path.
                remove_any(&self.tmp)?;
            } else {
                // No atomic swap here: two renames, with a moment where neither is in place.
                fs::rename(&self.target, &self.old).map_err(io_err(&self.target))?;
                fs::rename(&self.tmp, &self.target).map_err(io_err(&self.target))?;
                remove_any(&self.old)?;
            }
        } else {
            fs::rename(&self.tmp, &self.target).map_err(io_err(&self.target))?;
        }
        self.committed = true;
        Ok(self.target.clone())
    }
}

fn remove_any(path: &Path) -> Result<(), OutputError> {
    if path.is_dir() { fs::remove_dir_all(path) } else { fs::remove_file(path) }.map_err(io_err(path))
}

/// Swaps `a` and `b` in one atomic step (Linux `renameat2` with `RENAME_EXCHANGE`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c =
        |p: &Path| CString::new(p.as_os_str().as_bytes()).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e));
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both paths are valid NUL-terminated strings that outlive the call.
    let r = unsafe { libc::renameat2(libc::AT_FDCWD, a.as_ptr(), libc::AT_FDCWD, b.as_ptr(), libc::RENAME_EXCHANGE) };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "no atomic exchange on this system"))
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            // Best effort: a failed run leaves nothing; the next run removes what remains.
            let _ = fs::remove_dir_all(&self.tmp);
        }
    }
}

/// The CSV log of commitments, one row per commitment, written as they come.
pub struct CommitmentLog {
    path: PathBuf,
    writer: csv::Writer<BufWriter<File>>,
    funding: Amount,
    with_hex: bool,
    /// Reused buffers: the consensus encoding and its hex, one allocation for the whole run.
    raw: Vec<u8>,
    hex: String,
}

/// Appends the lower-case hex of `bytes` to `out`.
fn hex_into(bytes: &[u8], out: &mut String) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
}

/// The columns of `commitments.csv`, in [`LogRow`]'s field order.
pub const LOG_COLUMNS: [&str; 13] = [
    "seq",
    "elapsed_s",
    "payer_sat",
    "payee_sat",
    "fee_sat",
    "txid",
    "tx_hex",
    "clock_s",
    "segment",
    "rate_sat_per_s",
    "trimmed_sat",
    "trimmed",
    "vsize",
];

/// One row of `commitments.csv`: written with borrowed strings, read back (by `verify`, the
/// report and the tests) with owned ones. Column order is the file's contract with pandas users:
/// append, never reorder.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogRow<S = String> {
    /// Commitment number, from 1.
    pub seq: u64,
    /// Seconds of video paid for.
    pub elapsed_s: u64,
    /// The payer's output (0 when trimmed).
    pub payer_sat: u64,
    /// The payee's output (0 when trimmed).
    pub payee_sat: u64,
    /// Funding amount − payer − payee.
    pub fee_sat: u64,
    /// As Bitcoin Core shows it.
    pub txid: S,
    /// The signed transaction (empty with `--no-tx-hex`).
    pub tx_hex: S,
    /// Scenario clock, pauses included.
    pub clock_s: u64,
    /// Schedule segment, from 1.
    pub segment: u64,
    /// Price per second in this segment.
    pub rate_sat_per_s: u64,
    /// Value of an output left out as dust.
    pub trimmed_sat: u64,
    /// "none", "payer" or "payee".
    pub trimmed: S,
    /// Virtual size.
    pub vsize: u64,
}

impl CommitmentLog {
    /// Creates `dir/commitments.csv`; without `with_hex` the `tx_hex` column stays (so the
    /// columns never move) but is left empty.
    ///
    /// # Errors
    ///
    /// [`OutputError::Io`] when the file cannot be created.
    pub fn create(dir: &Path, funding: Amount, with_hex: bool) -> Result<CommitmentLog, OutputError> {
        let path = dir.join("commitments.csv");
        let file = File::create(&path).map_err(io_err(&path))?;
        // The header is written here, not on the first row, so a run without a commitment still
        // gives a CSV that pandas reads (an empty frame with the right columns).
        let mut writer =
            csv::WriterBuilder::new().has_headers(false).from_writer(BufWriter::with_capacity(1 << 16, file));
        writer.write_record(LOG_COLUMNS).map_err(|source| OutputError::Csv { path: path.clone(), source })?;
        Ok(CommitmentLog {
            path,
            writer,
            funding,
            with_hex,
            raw: Vec::with_capacity(512),
            hex: String::with_capacity(1024),
        })
    }

    /// Appends the row of `commitment`, paid for by `tick`.
    ///
    /// # Errors
    ///
    /// [`OutputError::Csv`] when the write fails.
    pub fn append(&mut self, tick: &Tick, commitment: &SignedCommitment, interval_s: u64) -> Result<(), OutputError> {
        let split = &commitment.split;
        debug_assert_eq!(split.payer + split.payee + split.fee, self.funding);
        self.hex.clear();
        if self.with_hex {
            self.raw.clear();
            bitcoin::consensus::Encodable::consensus_encode(&commitment.tx, &mut self.raw)
                .expect("writing into a Vec cannot fail");
            hex_into(&self.raw, &mut self.hex);
        }
        let txid = commitment.tx.compute_txid().to_string();
        let row = LogRow::<&str> {
            seq: commitment.seq,
            elapsed_s: tick.elapsed_s,
            payer_sat: split.payer.to_sat(),
            payee_sat: split.payee.to_sat(),
            fee_sat: split.fee.to_sat(),
            txid: &txid,
            tx_hex: &self.hex,
            clock_s: tick.clock_s,
            segment: tick.segment as u64 + 1,
            rate_sat_per_s: tick.price.to_sat() / interval_s,
            trimmed_sat: split.trimmed.to_sat(),
            trimmed: match (split.payer_trimmed, split.payee_trimmed) {
                (true, _) => "payer",
                (_, true) => "payee",
                _ => "none",
            },
            vsize: commitment.tx.vsize() as u64,
        };
        self.writer.serialize(row).map_err(|source| OutputError::Csv { path: self.path.clone(), source })
    }

    /// Flushes and closes the file.
    ///
    /// # Errors
    ///
    /// [`OutputError::Io`] when the flush fails.
    pub fn finish(self) -> Result<(), OutputError> {
        let path = self.path;
        let mut inner =
            self.writer.into_inner().map_err(|e| OutputError::Io { path: path.clone(), source: e.into_error() })?;
        inner.flush().map_err(io_err(&path))?;
        inner.get_ref().sync_all().map_err(io_err(&path))
    }
}

/// `summary.json`, written by `run` and read back by `verify` and the report: one schema.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    pub scenario: String,
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

/// Writes, for the signed commitment `tx` numbered `seq`, the payer-signed and the finalized
/// BIP-0174 PSBT into `dir/psbt/` as `commitment-000001.payer-signed.psbt` and
/// `commitment-000001.final.psbt`, as the commitments stream past.
///
/// # Errors
///
/// [`OutputError::Io`] when a file cannot be written.
pub fn write_psbts(
    dir: &Path,
    params: &crate::channel::ChannelParams,
    seq: u64,
    tx: &bitcoin::Transaction,
) -> Result<(), OutputError> {
    let folder = dir.join("psbt");
    fs::create_dir_all(&folder).map_err(io_err(&folder))?;
    for (kind, psbt) in [
        ("payer-signed", crate::channel::psbt::payer_signed(params, tx)),
        ("final", crate::channel::psbt::finalized(params, tx)),
    ] {
        let path = folder.join(format!("commitment-{seq:06}.{kind}.psbt"));
        fs::write(&path, psbt.serialize()).map_err(io_err(&path))?;
    }
    Ok(())
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
