//! paychan replays the simple payment channel of *Mastering Bitcoin* (Emma pays Fabian 0.01 mBTC
//! per second of video through a 2-of-2 funding output) with real transactions: every commitment
//! is built, signed by both parties and checked, in memory, from a scenario file and a seed.
//!
//! The data flow, drawn in `docs/ARCHITECTURE.md`:
//! [`scenario`] (parse and validate) → [`keys`] (seed to keys) → [`tx`] (pure builders) →
//! [`party`] (payer and payee actors) → [`engine`] (the simulated clock) → [`output`] (CSV, JSON,
//! chart) → [`cli`]. [`check`] holds the independent consensus and policy checks.

pub mod chain;
pub mod channel;
pub mod cli;
pub mod commands;
pub mod engine;
pub mod output;
pub mod party;
pub mod rules;
pub mod scenario;
pub mod sweep;

use std::path::{Path, PathBuf};

use crate::engine::EngineError;
use crate::output::chart::{self, BalancePoint, ChartInput, SegmentMark};
use crate::output::{CommitmentLog, OutputError, Staging};
use crate::scenario::{Scenario, ScenarioError};

/// Any failure of a paychan command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The scenario is invalid.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The output could not be written.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// An output folder cannot be verified at all.
    #[error(transparent)]
    Verify(#[from] commands::verify::VerifyError),
    /// A sweep or a merge failed.
    #[error(transparent)]
    Sweep(#[from] sweep::SweepError),
    /// A generated completion script, man page or schema could not be written.
    #[error(transparent)]
    Docs(#[from] commands::docs::DocsError),
    /// The run itself failed.
    #[error("the run of {scenario} failed")]
    Engine {
        /// The scenario file.
        scenario: PathBuf,
        /// The cause.
        #[source]
        source: EngineError<OutputError>,
    },
}

impl Error {
    /// The process exit code: 2 for bad input or usage, 1 for anything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Scenario(_) | Error::Verify(_) => 2,
            Error::Output(e) => {
                if e.is_usage() {
                    2
                } else {
                    1
                }
            }
            Error::Sweep(e) => e.exit_code(),
            Error::Engine { source: EngineError::Funding(_), .. } => 2,
            Error::Engine { .. } | Error::Docs(_) => 1,
        }
    }
}

/// Warnings about a valid scenario, one sentence each.
pub fn warnings(scenario: &Scenario) -> Vec<String> {
    let mut w = Vec::new();
    let rate = scenario.fee_rate;
    if rate == bitcoin::FeeRate::ZERO {
        w.push(
            "fee_rate is 0: the amounts are exact, as in the book, but no Bitcoin node relays these transactions \
             (Bitcoin Core's minimum relay fee is 1 sat/vB, 0.1 sat/vB from v29.1)"
                .to_string(),
        );
    } else if rate < scenario::MIN_RELAY_FEE_RATE {
        w.push(format!(
            "fee_rate {} is below 1 sat/vB: only Bitcoin Core v29.1 or later relays it (its minimum is 0.1 sat/vB)",
            scenario::format_fee_rate(rate)
        ));
    } else if rate > scenario::HIGH_FEE_RATE {
        w.push(format!(
            "fee_rate {} is above 10,000 sat/vB, Bitcoin Core's -maxfeerate: sendrawtransaction would refuse it",
            scenario::format_fee_rate(rate)
        ));
    }
    w
}

/// What a completed run produced.
#[derive(Debug)]
pub struct RunOutcome {
    /// The validated scenario.
    pub scenario: Scenario,
    /// What the engine did.
    pub report: engine::RunReport,
    /// The output folder.
    pub dir: PathBuf,
}

/// Options of a run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The folder that receives `<name>/`.
    pub out: PathBuf,
    /// Replace a folder in the way even if it is not a previous paychan output.
    pub force: bool,
    /// Commitments to write as BIP-0174 PSBTs into `<name>/psbt/`, if any.
    pub psbt: Option<channel::psbt::Selection>,
    /// Signing threads (the output is the same for any number).
    pub threads: usize,
    /// Write each commitment's hex into the CSV (the default).
    pub tx_hex: bool,
    /// Show a progress bar on stderr when it is a terminal and the run lasts over a second.
    pub progress: bool,
    /// Tell the story on stdout as the run goes (`--narrate`).
    pub narrate: bool,
}

/// Runs the scenario at `path`: validates it, replays the channel, writes every file atomically.
///
/// # Errors
///
/// [`Error`]: nothing is written when the scenario is invalid, and a failed run leaves the
/// previous output (if any) in place.
pub fn run(path: &Path, options: &RunOptions) -> Result<RunOutcome, Error> {
    run_scenario(Scenario::load(path)?, path, options)
}

/// Runs an already validated `scenario` read from `path` (named in errors).
///
/// # Errors
///
/// As [`run`], less the validation.
pub fn run_scenario(scenario: Scenario, path: &Path, options: &RunOptions) -> Result<RunOutcome, Error> {
    let staging = Staging::prepare(&options.out, &scenario.name, options.force)?;
    let dir = staging.path().to_path_buf();
    let mut log = CommitmentLog::create(&dir, scenario.capacity, options.tx_hex)?;
    let mut series = output::series::Series::new(scenario.total_duration_s());
    let interval = scenario.interval_s;
    let mut progress = output::progress::Progress::new(&scenario, options.progress && !options.narrate);
    let opened = engine::open(&scenario)
        .map_err(|e| Error::Engine { scenario: path.to_path_buf(), source: EngineError::Funding(e) })?;
    let mut narrator = options.narrate.then(|| output::narrate::Narrator::new(&scenario, std::io::stdout()));
    let narration_failed = |e: std::io::Error| OutputError::Io { path: PathBuf::from("<stdout>"), source: e };
    if let Some(n) = &mut narrator {
        n.opening(&opened.0).map_err(narration_failed)?;
    }
    let params = opened.0.params.clone();
    let report = engine::stream(&scenario, opened, options.threads, |tick, c| {
        progress.tick(c.seq);
        if let Some(n) = &mut narrator {
            n.commitment(tick, c).map_err(narration_failed)?;
        }
        if options.psbt.as_ref().is_some_and(|sel| sel.contains(c.seq)) {
            output::write_psbts(&dir, &params, c.seq, &c.tx)?;
        }
        series.push(BalancePoint {
            clock_s: tick.clock_s,
            payer_sat: c.split.payer.to_sat(),
            payee_sat: c.split.payee.to_sat(),
            fee_sat: c.split.fee.to_sat(),
        });
        log.append(tick, c, interval)
    })
    .map_err(|source| Error::Engine { scenario: path.to_path_buf(), source })?;
    progress.finish();
    if let Some(n) = &mut narrator {
        n.closing(&report).map_err(narration_failed)?;
    }
    log.finish()?;
    output::write_summary(&dir, &scenario, &report)?;
    draw_chart(&scenario, &report, &series.into_points(), &dir)?;
    output::report::write_report(&dir).map_err(OutputError::from)?;
    let dir = staging.commit()?;
    Ok(RunOutcome { scenario, report, dir })
}

fn draw_chart(
    scenario: &Scenario,
    report: &engine::RunReport,
    points: &[BalancePoint],
    dir: &Path,
) -> Result<(), OutputError> {
    let mut start = 0;
    let segments: Vec<SegmentMark> = scenario
        .segments
        .iter()
        .map(|s| {
            let m = SegmentMark { start_s: start, end_s: start + s.duration_s, rate_sat_per_s: s.rate_per_s.to_sat() };
            start += s.duration_s;
            m
        })
        .collect();
    let input = ChartInput {
        scenario: &scenario.name,
        seed: scenario.seed,
        payer_name: &scenario.payer,
        payee_name: &scenario.payee,
        capacity_sat: scenario.capacity.to_sat(),
        unit_name: scenario::unit_name(scenario.unit),
        sat_per_unit: scenario.sat_per_unit(),
        points,
        segments: &segments,
        exhausted_at_s: report.exhausted.map(|e| e.clock_s),
        settlement_s: report.settled_at_s,
    };
    chart::write_balance_chart(&input, &dir.join("balance.png"), &dir.join("balance.svg"))?;
    chart::write_payment_chart(&input, &dir.join("payment.png"), &dir.join("payment.svg"))?;
    Ok(())
}
