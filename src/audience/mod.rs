//! Fabian's whole audience: one real channel per viewer, thousands of them, for an analyst.
//!
//! Fabian's server opens a channel for every viewer. What that business looks like — how much of
//! each channel viewers use, how revenue and on-chain fees accrue over a day, how often channels
//! run dry — is a question about many channels at once. A scenario with an `[audience]` table
//! draws, for each viewer, an arrival ([`arrivals`]), a watch time, a capacity and a price
//! ([`distributions`]), each from its own ChaCha20 stream keyed by the scenario's seed and the
//! viewer's index (`audience/viewer/k/watch`, …), so viewer k is the same whatever the number of
//! viewers or threads. Each viewer's channel is then a real run — the same [`crate::run`](mod@crate::run) path
//! `paychan run` takes, with the scenario's design: funded, every commitment signed by both
//! parties, settled — on one worker thread, without a pool of its own. Workers take viewers in
//! index order; their results pass through a bounded reorder buffer and are written in index
//! order ([`outputs`]), so memory does not grow with the audience and the files are the same
//! bytes for any thread count.

pub mod charts;
pub mod outputs;
pub mod shard;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex};

use bitcoin::hashes::{sha256, Hash};

use crate::channel::Channel;
use crate::engine::{RunReport, Tick};
use crate::output::Writer;
use crate::output::{CommitmentLog, OutputError, Staging};
use crate::party::SignedCommitment;
use crate::scenario::shard::Shard;
use crate::scenario::Scenario;

pub use crate::scenario::audience::{
    arrivals, distributions, stream, Arrivals, Audience, Distribution, Quantity, Viewer, MAX_CAPACITY_SAT,
};
pub use outputs::{ChannelRow, Totals, CHANNEL_COLUMNS, TIMELINE_COLUMNS};

/// Viewers whose results may wait for an earlier viewer before being written: the reorder
/// buffer's bound (with a row and a few minutes of revenue each, a few hundred kilobytes).
pub const WINDOW: u64 = 1_024;

/// Above this many viewers (expected, for a Poisson audience), per-viewer commitment logs are
/// off unless `--commitments` asks for them.
pub const LOG_THRESHOLD: u64 = 100;

/// Which viewers get their own `viewers/<k>/` folder with `commitments.csv` and `summary.json`
/// (`--commitments`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViewerSelection {
    /// None.
    None,
    /// Every viewer.
    All,
    /// These viewer indices.
    List(BTreeSet<u64>),
}

impl ViewerSelection {
    /// Parses `none`, `all` or a comma-separated list of viewer indices (`0,7,42`).
    ///
    /// # Errors
    ///
    /// A message naming the part that is not an index.
    pub fn parse(s: &str) -> Result<ViewerSelection, String> {
        match s.trim() {
            "none" => Ok(ViewerSelection::None),
            "all" => Ok(ViewerSelection::All),
            list => list
                .split(',')
                .map(|p| {
                    p.trim().parse::<u64>().map_err(|_| {
                        format!("\"{}\" is not a viewer index; write none, all or indices such as 0,7,42", p.trim())
                    })
                })
                .collect::<Result<BTreeSet<u64>, String>>()
                .map(ViewerSelection::List),
        }
    }

    /// Whether viewer `k` is selected.
    pub fn contains(&self, k: u64) -> bool {
        match self {
            ViewerSelection::None => false,
            ViewerSelection::All => true,
            ViewerSelection::List(set) => set.contains(&k),
        }
    }
}

impl std::fmt::Display for ViewerSelection {
    /// As `--commitments` takes it: `none`, `all` or the indices in order (`0,7,42`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ViewerSelection::None => f.write_str("none"),
            ViewerSelection::All => f.write_str("all"),
            ViewerSelection::List(set) => {
                let list: Vec<String> = set.iter().map(u64::to_string).collect();
                f.write_str(&list.join(","))
            }
        }
    }
}

/// Refuses a `--commitments` list that names a viewer the audience does not have, before
/// anything is written: the viewers are counted by drawing the arrivals (arithmetic only).
fn selection_fits(audience: &Audience, seed: u64, selection: &ViewerSelection) -> Result<(), AudienceError> {
    let ViewerSelection::List(set) = selection else { return Ok(()) };
    let Some(&highest) = set.last() else { return Ok(()) };
    let viewers = audience.arrivals.iter(seed).count() as u64;
    if highest < viewers {
        return Ok(());
    }
    Err(AudienceError::Usage {
        option: "--commitments".to_string(),
        problem: format!(
            "viewer {highest} is past the last viewer of this audience ({viewers} viewers, numbered 0 to {}); \
             choose indices below {viewers}",
            viewers.saturating_sub(1)
        ),
    })
}

/// An audience run that could not complete.
#[derive(Debug, thiserror::Error)]
pub enum AudienceError {
    /// An option does not apply to an audience run (or to a run without one).
    #[error("{option}: {problem}")]
    Usage {
        /// The option.
        option: String,
        /// Why.
        problem: String,
    },
    /// A viewer's channel failed.
    #[error("the channel of viewer {index} failed")]
    Viewer {
        /// The viewer.
        index: u64,
        /// The cause.
        #[source]
        source: Box<crate::Error>,
    },
    /// A worker thread panicked: a bug.
    #[error("a worker thread stopped: {0}")]
    Worker(String),
    /// The output could not be written.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// A part given to `paychan merge` is not a part of this audience run, or is changed.
    #[error(transparent)]
    Part(#[from] crate::scenario::ScenarioError),
    /// The shard asked for cannot be used.
    #[error(transparent)]
    Shard(#[from] crate::scenario::shard::ShardError),
    /// A merge's `--out` folder, which the merged run replaces, holds one of the parts.
    #[error(
        "{}: the merged audience replaces this folder, which holds the part {}; give merge another --out",
        out.display(),
        part.display()
    )]
    OutHoldsParts {
        /// The `--out` folder.
        out: PathBuf,
        /// A part inside it.
        part: PathBuf,
    },
}

impl AudienceError {
    /// The process exit code: 2 for usage or a refused output folder, 1 for anything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            AudienceError::Usage { .. }
            | AudienceError::Part(_)
            | AudienceError::Shard(_)
            | AudienceError::OutHoldsParts { .. } => 2,
            AudienceError::Output(e) if e.is_usage() => 2,
            _ => 1,
        }
    }
}

/// Options of an audience run.
#[derive(Debug, Clone)]
pub struct AudienceOptions {
    /// The folder that receives `<name>/`.
    pub out: PathBuf,
    /// Replace a folder in the way even if it is not a previous paychan output.
    pub force: bool,
    /// Worker threads, one viewer's channel each (the output is the same for any number).
    pub threads: usize,
    /// Viewers whose commitments are written (default: all up to [`LOG_THRESHOLD`] viewers,
    /// none above).
    pub commitments: Option<ViewerSelection>,
    /// Write each commitment's hex into the viewers' logs.
    pub tx_hex: bool,
}

/// What an audience run did.
#[derive(Debug, Clone)]
pub struct AudienceOutcome {
    /// The output folder.
    pub dir: PathBuf,
    /// The totals over every channel.
    pub totals: Totals,
    /// Viewers whose commitments were written.
    pub logged: u64,
}

/// What one viewer's channel did: its row and its revenue minute by minute.
#[derive(Debug, Clone)]
pub struct ViewerResult {
    /// The row of `channels.csv`.
    pub row: ChannelRow,
    /// Revenue (the payee's gain) in each minute from the arrival's minute on.
    pub revenue_by_minute: Vec<u64>,
    /// The funding transaction's fee.
    pub funding_fee_sat: u64,
    /// The settlement's fee (dust left out included).
    pub settlement_fee_sat: u64,
}

/// Records, as the commitments stream past, what the payee gains in each minute of the day.
struct MinuteRevenue<'a> {
    arrival_s: u64,
    payee_before: u64,
    minutes: &'a mut Vec<u64>,
}

impl Writer for MinuteRevenue<'_> {
    fn commitment(&mut self, tick: &Tick, c: &SignedCommitment) -> Result<(), OutputError> {
        let minute = ((self.arrival_s + tick.clock_s) / 60 - self.arrival_s / 60) as usize;
        if self.minutes.len() <= minute {
            self.minutes.resize(minute + 1, 0);
        }
        let payee = c.split.payee.to_sat();
        self.minutes[minute] += payee.saturating_sub(self.payee_before);
        self.payee_before = payee;
        Ok(())
    }
}

/// `summary.json` of one viewer's channel, as `paychan run` writes it, so `paychan verify`
/// checks the folder.
struct ViewerSummary {
    dir: PathBuf,
    scenario: Scenario,
}

impl Writer for ViewerSummary {
    fn opened(&mut self, _: &Channel) -> Result<(), OutputError> {
        Ok(())
    }

    fn commitment(&mut self, _: &Tick, _: &SignedCommitment) -> Result<(), OutputError> {
        Ok(())
    }

    fn finish(self: Box<Self>, report: &RunReport) -> Result<(), OutputError> {
        crate::output::write_summary(&self.dir, &self.scenario, report)
    }
}

/// Runs viewer `index`'s channel, arriving at `arrival_s`, on the calling thread; writes its
/// commitments and summary into `log_dir` when given.
///
/// # Errors
///
/// [`AudienceError::Viewer`] when the channel or its log fails.
pub fn run_viewer(
    base: &Scenario,
    audience: &Audience,
    index: u64,
    arrival_s: u64,
    log_dir: Option<&Path>,
    tx_hex: bool,
) -> Result<ViewerResult, AudienceError> {
    let viewer = Viewer::draw(base, audience, index, arrival_s);
    let scenario = viewer.scenario(base);
    let failed = |e: crate::Error| AudienceError::Viewer { index, source: Box::new(e) };
    let mut minutes = Vec::new();
    let report = {
        let mut writers: Vec<Box<dyn Writer + '_>> =
            vec![Box::new(MinuteRevenue { arrival_s, payee_before: 0, minutes: &mut minutes })];
        if let Some(dir) = log_dir {
            std::fs::create_dir_all(dir)
                .map_err(|e| failed(OutputError::Io { path: dir.to_path_buf(), source: e }.into()))?;
            writers.push(Box::new(
                CommitmentLog::create(dir, &scenario.design, scenario.capacity, scenario.interval_s, tx_hex)
                    .map_err(|e| failed(e.into()))?,
            ));
            writers.push(Box::new(ViewerSummary { dir: dir.to_path_buf(), scenario: scenario.clone() }));
        }
        crate::run::stream_on(None, &scenario, Path::new(&scenario.name), writers).map_err(failed)?
    };
    let split = report.settlement.split;
    let funding_fee_sat = report.channel.funding_fee().to_sat();
    let row = ChannelRow {
        scenario: base.name.clone(),
        seed: base.seed,
        viewer: index,
        channel_seed: viewer.channel_seed,
        arrival_s,
        capacity_sat: viewer.capacity.to_sat(),
        rate_sat_per_s: viewer.price.to_sat(),
        watch_s: viewer.watch_s,
        seconds_watched: report.elapsed_s,
        paid_sat: split.payee.to_sat(),
        refunded_sat: split.payer.to_sat(),
        fees_sat: funding_fee_sat + split.fee.to_sat(),
        commitments: report.commitments,
        end: if report.exhausted.is_some() { "exhausted" } else { "stopped" }.to_string(),
        closed_s: arrival_s + report.settled_at_s,
        settlement_txid: report.settlement.tx.compute_txid().to_string(),
    };
    Ok(ViewerResult { row, revenue_by_minute: minutes, funding_fee_sat, settlement_fee_sat: split.fee.to_sat() })
}

/// The default `--commitments`: every viewer for a small audience, none for a large one.
pub fn default_selection(audience: &Audience) -> ViewerSelection {
    if audience.arrivals.expected() <= LOG_THRESHOLD as f64 {
        ViewerSelection::All
    } else {
        ViewerSelection::None
    }
}

/// The folder of viewer `k`'s log inside an output folder: `viewers/000042`.
pub fn viewer_dir(out: &Path, k: u64) -> PathBuf {
    out.join("viewers").join(format!("{k:06}"))
}

/// What the viewer-running loop needs: the audience, which of its viewers to run, where their
/// logs go and on how many workers.
struct Job<'a> {
    scenario: &'a Scenario,
    audience: &'a Audience,
    shard: Shard,
    selection: &'a ViewerSelection,
    dir: &'a Path,
    threads: usize,
    tx_hex: bool,
}

/// The audience of `scenario` and the `--commitments` selection it runs with, checked.
fn prepare(scenario: &Scenario, options: &AudienceOptions) -> Result<(Arc<Audience>, ViewerSelection), AudienceError> {
    let audience = scenario.audience.clone().ok_or_else(|| AudienceError::Usage {
        option: scenario.name.clone(),
        problem: "the scenario has no [audience]".to_string(),
    })?;
    let selection = options.commitments.clone().unwrap_or_else(|| default_selection(&audience));
    selection_fits(&audience, scenario.seed, &selection)?;
    Ok((audience, selection))
}

/// Runs the audience of `scenario` into `<out>/<name>/`, atomically: every viewer's channel
/// real, on `threads` workers, rows written in viewer order.
///
/// # Errors
///
/// [`AudienceError`]: the output folder refused, a viewer's channel failed (the lowest index
/// that failed), or a write failed; nothing replaces a previous output then.
pub fn run_audience(scenario: &Scenario, options: &AudienceOptions) -> Result<AudienceOutcome, AudienceError> {
    let (audience, selection) = prepare(scenario, options)?;
    let staging = Staging::prepare(&options.out, &scenario.name, options.force)?;
    let dir = staging.path().to_path_buf();
    let mut sink = outputs::AudienceWriter::create(&dir, scenario)?;
    let mut logged = 0;
    let job = Job {
        scenario,
        audience: &audience,
        shard: Shard::WHOLE,
        selection: &selection,
        dir: &dir,
        threads: options.threads,
        tx_hex: options.tx_hex,
    };
    run_viewers(&job, &mut |k, r| {
        logged += u64::from(selection.contains(k));
        sink.append(r).map_err(AudienceError::from)
    })?;
    let totals = sink.finish(scenario, &audience, logged)?;
    let dir = staging.commit()?;
    Ok(AudienceOutcome { dir, totals, logged })
}

/// Runs only the viewers of `shard` (viewer index % N == K) of the audience of `scenario`, read
/// from the file `source`, into the part folder `<out>/<name>.part-K-of-N/`, atomically: its rows
/// of `channels.csv`, each viewer's revenue by minute and fees (`revenue.csv`), its viewers' logs,
/// a copy of the scenario file and the sidecar `paychan merge` checks ([`shard::PartInfo`]).
///
/// # Errors
///
/// [`AudienceError`] as [`run_audience`]; [`AudienceError::Output`] when `source` cannot be read.
pub fn run_audience_shard(
    scenario: &Scenario,
    source: &Path,
    options: &AudienceOptions,
    shard: Shard,
) -> Result<shard::PartOutcome, AudienceError> {
    let (audience, selection) = prepare(scenario, options)?;
    let bytes = std::fs::read(source).map_err(crate::output::io_err(source))?;
    let viewers = audience.arrivals.iter(scenario.seed).count() as u64;
    let staging = Staging::prepare(&options.out, &shard::part_folder(&scenario.name, shard), options.force)?;
    let dir = staging.path().to_path_buf();
    let mut part = shard::PartWriter::create(&dir, &bytes)?;
    let job = Job {
        scenario,
        audience: &audience,
        shard,
        selection: &selection,
        dir: &dir,
        threads: options.threads,
        tx_hex: options.tx_hex,
    };
    run_viewers(&job, &mut |k, r| part.append(r, selection.contains(k)).map_err(AudienceError::from))?;
    let info = part.finish(shard::PartInfo {
        format: shard::FORMAT.to_string(),
        scenario: source.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        scenario_sha256: sha256::Hash::hash(&bytes).to_string(),
        name: scenario.name.clone(),
        viewers,
        shard: shard.k,
        shards: shard.n,
        selection: selection.to_string(),
        tx_hex: options.tx_hex,
        ..shard::PartInfo::default()
    })?;
    let dir = staging.commit()?;
    Ok(shard::PartOutcome { dir, info })
}

/// Runs the viewers of `job.shard` on `job.threads` workers and hands each result to `sink` in
/// viewer order, through the bounded reorder buffer.
///
/// # Errors
///
/// The first failure in viewer order: a viewer's channel or `sink`; the workers stop then.
fn run_viewers(
    job: &Job<'_>,
    sink: &mut dyn FnMut(u64, &ViewerResult) -> Result<(), AudienceError>,
) -> Result<(), AudienceError> {
    let shard = job.shard;
    let arrivals = Mutex::new(job.audience.arrivals.iter(job.scenario.seed).filter(move |(k, _)| shard.contains(*k)));
    // Viewer indices, not positions: the shard's viewers are K, K + N, K + 2N, ...
    let window = WINDOW.saturating_mul(shard.n);
    let written = Mutex::new(shard.k);
    let advanced = Condvar::new();
    let stop = AtomicBool::new(false);
    let (send, receive) = mpsc::channel::<(u64, Result<ViewerResult, AudienceError>)>();
    std::thread::scope(|scope| {
        for _ in 0..job.threads.max(1) {
            let send = send.clone();
            let (arrivals, written, advanced, stop) = (&arrivals, &written, &advanced, &stop);
            scope.spawn(move || loop {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let Some((k, arrival_s)) = arrivals.lock().expect("no worker panics holding it").next() else {
                    break;
                };
                // The reorder buffer's bound: wait until the writer is within the window of k.
                {
                    let mut w = written.lock().expect("no worker panics holding it");
                    while k >= w.saturating_add(window) && !stop.load(Ordering::Relaxed) {
                        w = advanced.wait(w).expect("no worker panics holding it");
                    }
                }
                let log = job.selection.contains(k).then(|| viewer_dir(job.dir, k));
                let result = run_viewer(job.scenario, job.audience, k, arrival_s, log.as_deref(), job.tx_hex);
                if send.send((k, result)).is_err() {
                    break;
                }
            });
        }
        drop(send);
        let outcome = write_in_order(receive, shard, sink, &written, &advanced);
        if outcome.is_err() {
            // Under the lock, so a worker between its check and its wait cannot miss it.
            let _held = written.lock().expect("no worker panics holding it");
            stop.store(true, Ordering::Relaxed);
        }
        advanced.notify_all();
        outcome
    })
}

/// Takes the workers' results as they come and hands them to `sink` in viewer order (the shard's
/// indices), telling the workers through `written` how far it got.
fn write_in_order(
    receive: mpsc::Receiver<(u64, Result<ViewerResult, AudienceError>)>,
    shard: Shard,
    sink: &mut dyn FnMut(u64, &ViewerResult) -> Result<(), AudienceError>,
    written: &Mutex<u64>,
    advanced: &Condvar,
) -> Result<(), AudienceError> {
    let mut pending: BTreeMap<u64, Result<ViewerResult, AudienceError>> = BTreeMap::new();
    let mut next = shard.k;
    for (k, result) in receive.iter() {
        pending.insert(k, result);
        while let Some(result) = pending.remove(&next) {
            result.and_then(|r| sink(next, &r))?;
            next = next.saturating_add(shard.n);
            *written.lock().expect("no worker panics holding it") = next;
            advanced.notify_all();
        }
    }
    Ok(())
}

/// The audience run in words, for stdout.
pub fn human_summary(scenario: &Scenario, outcome: &AudienceOutcome) -> String {
    let t = &outcome.totals;
    let mut files: Vec<&str> = outputs::FILES.to_vec();
    if outcome.logged > 0 {
        files.push("viewers/");
    }
    format!(
        "paychan: {} (seed {}, {}): an audience of {} viewers\n  \
         channels {} funded, streamed and settled: {} commitments, each signed by both parties\n  \
         paid     {} sat to {} for {} s of video; {} sat refunded; {} sat in on-chain fees\n  \
         ended    {} stopped by the viewer, {} exhausted\n  \
         wrote    {}/{{{}}}\n",
        scenario.name,
        scenario.seed,
        crate::output::network_name(scenario.network),
        t.viewers,
        t.viewers,
        t.commitments,
        t.paid_sat,
        scenario.payee,
        t.seconds_watched,
        t.refunded_sat,
        t.fees_sat,
        t.viewers - t.exhausted,
        t.exhausted,
        outcome.dir.display(),
        files.join(", ")
    )
}

/// The audience's plan for `paychan check`: the arrivals, the distributions with their means,
/// and the first viewers as drawn (arithmetic only, nothing signed).
pub fn describe_plan(scenario: &Scenario) -> String {
    let Some(a) = scenario.audience.as_deref() else { return String::new() };
    let mut out = format!(
        "{} (seed {}, {}): an audience paying {} through one {} channel each\n",
        scenario.name,
        scenario.seed,
        crate::output::network_name(scenario.network),
        scenario.payee,
        scenario.design.name()
    );
    out += &format!("  arrivals  {}\n", a.arrivals.describe());
    for (q, d) in [(Quantity::Watch, &a.watch), (Quantity::Capacity, &a.capacity), (Quantity::Price, &a.price)] {
        out += &format!("  {:<9} {} (mean {:.0} {})\n", q.field(), d.describe(q), d.mean(), q.unit());
    }
    out += &format!(
        "  channels  fee rate {}, interval {} s; capacities below {} sat (two outputs above dust and the fee) are raised to it\n",
        crate::units::format_fee_rate(scenario.fee_rate),
        scenario.interval_s,
        a.least_capacity
    );
    let first: Vec<String> = a
        .arrivals
        .iter(scenario.seed)
        .take(3)
        .map(|(k, s)| {
            let v = Viewer::draw(scenario, a, k, s);
            format!("#{k} at {s} s: {} s at {} sat/s, {} sat", v.watch_s, v.price.to_sat(), v.capacity.to_sat())
        })
        .collect();
    out += &format!("  first     {}\n", first.join("; "));
    let logs = match default_selection(a) {
        ViewerSelection::All => "every viewer's commitments are written (100 viewers or fewer)",
        _ => "no per-viewer commitments unless --commitments asks (more than 100 viewers)",
    };
    out += &format!("  logs      {logs}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selections_parse() {
        assert_eq!(ViewerSelection::parse("none"), Ok(ViewerSelection::None));
        assert_eq!(ViewerSelection::parse("all"), Ok(ViewerSelection::All));
        assert_eq!(ViewerSelection::parse("3, 1"), Ok(ViewerSelection::List([1, 3].into())));
        assert!(ViewerSelection::parse("1,x").unwrap_err().contains("\"x\" is not a viewer index"));
    }
}
