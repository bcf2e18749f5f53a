//! One run of a scenario: open the channel, stream the commitments to a list of writers, settle,
//! and swap the output folder into place.
//!
//! The engine signs; the writers record. Each [`Writer`] sees the opened channel, every
//! commitment in order and the final report, and writes one thing (the CSV log, the chart sample,
//! the PSBT picks, the narration, the summary, the report page), so a caller that needs less (a
//! sweep wants one row per channel, no chart) passes fewer writers to [`stream_to`].

use std::path::{Path, PathBuf};

use crate::channel::psbt::Selection;
use crate::channel::Channel;
use crate::engine::{self, EngineError, RunReport, Tick};
use crate::output::chart::{self, BalancePoint, ChartInput, SegmentMark};
use crate::output::narrate::Narrator;
use crate::output::progress::Progress;
use crate::output::report::ReportBuilder;
use crate::output::series::Series;
use crate::output::{CommitmentLog, OutputError, Staging};
use crate::party::SignedCommitment;
use crate::scenario::{self, Scenario};
use crate::Error;

pub use crate::output::Writer;

/// What a completed run produced.
#[derive(Debug)]
pub struct RunOutcome {
    /// The validated scenario.
    pub scenario: Scenario,
    /// What the engine did.
    pub report: RunReport,
    /// The output folder.
    pub dir: PathBuf,
    /// The channel played out on the simulated chain, when the scenario uses one.
    pub chain: Option<crate::onchain::ChainRun>,
}

/// Options of a run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The folder that receives `<name>/`.
    pub out: PathBuf,
    /// Replace a folder in the way even if it is not a previous paychan output.
    pub force: bool,
    /// Commitments to write as BIP-0174 PSBTs into `<name>/psbt/`, if any.
    pub psbt: Option<Selection>,
    /// Signing threads (the output is the same for any number).
    pub threads: usize,
    /// Write each commitment's hex into the CSV (the default).
    pub tx_hex: bool,
    /// Show a progress bar on stderr when it is a terminal and the run lasts over a second.
    pub progress: bool,
    /// Tell the story on stdout as the run goes (`--narrate`).
    pub narrate: bool,
    /// The language of the narration, the report and the charts (`--lang`); files for machines
    /// stay English.
    pub lang: crate::words::Lang,
}

impl RunOptions {
    /// Every file into `out`, replacing what is there, on `threads` threads, with nothing on the
    /// terminal (no progress, no narration, no PSBTs): how `bench` and `compare` run a scenario.
    pub fn files_only(out: PathBuf, threads: usize) -> RunOptions {
        RunOptions {
            out,
            force: true,
            psbt: None,
            threads,
            tx_hex: true,
            progress: false,
            narrate: false,
            lang: Default::default(),
        }
    }
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

/// Runs an already validated `scenario` read from `path` (named in errors), with every writer
/// the options ask for, into a staging folder that replaces `<out>/<name>` at the end.
///
/// # Errors
///
/// As [`run`], less the validation.
pub fn run_scenario(scenario: Scenario, path: &Path, options: &RunOptions) -> Result<RunOutcome, Error> {
    psbt_request(&scenario, options.psbt.as_ref())?;
    let staging = Staging::prepare(&options.out, &scenario.name, options.force)?;
    let dir = staging.path().to_path_buf();
    // Events stop the video early: the engine streams what was actually watched.
    let streamed = if scenario.stream_end_s() < scenario.total_duration_s() {
        scenario.cut_at(scenario.stream_end_s())
    } else {
        scenario.clone()
    };
    let chain_slot = crate::output::onchain_writer::Slot::default();
    let mut writers: Vec<Box<dyn Writer>> = Vec::new();
    writers.push(Box::new(CommitmentLog::create(
        &dir,
        &scenario.design,
        scenario.capacity,
        scenario.interval_s,
        options.tx_hex,
    )?));
    if let Some(selection) = options.psbt.as_ref() {
        writers.push(Box::new(PsbtPicks { dir: dir.clone(), selection: selection.clone(), params: None }));
    }
    if options.narrate {
        writers.push(Box::new(Narrator::new(&scenario, options.lang, std::io::stdout())));
    } else if options.progress {
        writers.push(Box::new(Progress::new(&scenario, true)));
    }
    if scenario.onchain() {
        let w = crate::output::onchain_writer::OnchainWriter::new(
            &scenario,
            &streamed,
            &dir,
            chain_slot.clone(),
            (options.narrate, options.lang),
        );
        writers.push(Box::new(w));
    }
    writers.push(Box::new(Charts::new(&scenario, &dir, (options.threads > 1, options.lang), chain_slot.clone())));
    writers.push(Box::new(SummaryFile { dir: dir.clone(), scenario: scenario.clone(), chain: chain_slot.clone() }));
    writers.push(Box::new(ReportPage {
        dir: dir.clone(),
        builder: ReportBuilder::new(&streamed, options.tx_hex, options.lang),
        chain: chain_slot.clone(),
        lang: options.lang,
    }));
    let report = stream_to(&streamed, path, options.threads, writers)?;
    let dir = staging.commit()?;
    let chain = chain_slot.take();
    Ok(RunOutcome { scenario, report, dir, chain })
}

/// Opens the channel of `scenario`, streams every commitment on `threads` threads to `writers` in
/// order, settles, and lets each writer finish: in the order given on one thread; on more, the
/// writers that do not [finish last](Writer::finishes_last) at the same time, each on its own
/// thread (the charts, the CSV's sync and the summary), then the others in order. An error is the
/// first failing writer's in the order given, whatever the timing.
///
/// # Errors
///
/// [`Error::Engine`] when the channel cannot be funded, a party refuses, or a writer fails.
pub fn stream_to(
    scenario: &Scenario,
    path: &Path,
    threads: usize,
    writers: Vec<Box<dyn Writer>>,
) -> Result<RunReport, Error> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| Error::Engine { scenario: path.to_path_buf(), source: EngineError::Threads(e.to_string()) })?;
    stream_on(Some(&pool), scenario, path, writers)
}

/// As [`stream_to`], signing on `pool`, or on the calling thread when `pool` is `None` (see
/// [`engine::stream_on`]): an audience runs thousands of channels, one per worker thread.
///
/// # Errors
///
/// As [`stream_to`].
pub fn stream_on<'a>(
    pool: Option<&rayon::ThreadPool>,
    scenario: &Scenario,
    path: &Path,
    mut writers: Vec<Box<dyn Writer + 'a>>,
) -> Result<RunReport, Error> {
    let failed = |source| Error::Engine { scenario: path.to_path_buf(), source };
    let opened = engine::open(scenario).map_err(|e| failed(EngineError::Funding(e)))?;
    for w in &mut writers {
        w.opened(&opened.0).map_err(|e| failed(EngineError::Sink { seq: 0, source: e }))?;
    }
    let report =
        engine::stream_on(pool, scenario, opened, |tick, c| writers.iter_mut().try_for_each(|w| w.commitment(tick, c)))
            .map_err(failed)?;
    finish(writers, &report, pool.is_some_and(|p| p.current_num_threads() > 1))?;
    Ok(report)
}

/// Lets every writer finish (see [`stream_to`]); at the same time on scoped threads if
/// `parallel`.
fn finish<'a>(writers: Vec<Box<dyn Writer + 'a>>, report: &RunReport, parallel: bool) -> Result<(), OutputError> {
    if !parallel {
        return writers.into_iter().try_for_each(|w| w.finish(report));
    }
    let (last, first): (Vec<_>, Vec<_>) = writers.into_iter().partition(|w| w.finishes_last());
    let results: Vec<Result<(), OutputError>> = std::thread::scope(|s| {
        let running: Vec<_> = first.into_iter().map(|w| s.spawn(move || w.finish(report))).collect();
        running.into_iter().map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    });
    results.into_iter().try_for_each(|r| r)?;
    last.into_iter().try_for_each(|w| w.finish(report))
}

impl Writer for CommitmentLog {
    fn commitment(&mut self, tick: &Tick, c: &SignedCommitment) -> Result<(), OutputError> {
        self.append(tick, c)
    }

    fn finish(self: Box<Self>, _: &RunReport) -> Result<(), OutputError> {
        (*self).finish()
    }
}

impl Writer for Progress {
    fn commitment(&mut self, _: &Tick, c: &SignedCommitment) -> Result<(), OutputError> {
        self.tick(c.seq);
        Ok(())
    }

    fn finish(self: Box<Self>, _: &RunReport) -> Result<(), OutputError> {
        Progress::finish(&self);
        Ok(())
    }
}

fn narration_failed(e: std::io::Error) -> OutputError {
    OutputError::Io { path: PathBuf::from("<stdout>"), source: e }
}

impl<W: std::io::Write + Send> Writer for Narrator<W> {
    fn opened(&mut self, channel: &Channel) -> Result<(), OutputError> {
        self.opening(channel).map_err(narration_failed)
    }

    fn commitment(&mut self, tick: &Tick, c: &SignedCommitment) -> Result<(), OutputError> {
        Narrator::commitment(self, tick, c).map_err(narration_failed)
    }

    fn finish(mut self: Box<Self>, report: &RunReport) -> Result<(), OutputError> {
        self.closing(report).map_err(narration_failed)
    }
}

/// Refuses a `--psbt` request the run cannot honour, before anything is written: a design whose
/// states are not ECDSA spends BIP-0174 can carry, or a commitment past the last one the run will
/// sign.
fn psbt_request(scenario: &Scenario, selection: Option<&Selection>) -> Result<(), OutputError> {
    let Some(selection) = selection else { return Ok(()) };
    if !scenario.design.writes_psbts() {
        return Err(OutputError::Unhonoured(format!(
            "--psbt: the {} design's states are not spent with ECDSA signatures, which BIP-0174 PSBTs carry",
            scenario.design.name(),
        )));
    }
    if let Selection::Only(set) = selection {
        let last = crate::scenario::plan::Plan::of(scenario).commitments;
        if let Some(past) = set.iter().find(|n| **n > last) {
            let choose = if last == 0 {
                "this run signs no commitment, so it writes no PSBT".to_string()
            } else {
                format!("choose numbers from 1 to {last}")
            };
            return Err(OutputError::Unhonoured(format!(
                "--psbt: commitment #{past} is past the last one this run signs (#{last}); {choose}"
            )));
        }
    }
    Ok(())
}

/// The commitments chosen with `--psbt`, written as BIP-0174 PSBTs as they stream past: each
/// copy of the state as its signer sends it, as the design's registration lists the copies.
struct PsbtPicks {
    dir: PathBuf,
    selection: Selection,
    params: Option<crate::channel::ChannelParams>,
}

impl Writer for PsbtPicks {
    fn opened(&mut self, channel: &Channel) -> Result<(), OutputError> {
        self.params = Some(channel.params.clone());
        Ok(())
    }

    fn commitment(&mut self, _: &Tick, c: &SignedCommitment) -> Result<(), OutputError> {
        match &self.params {
            Some(params) if self.selection.contains(c.seq) => {
                let design = &params.design;
                let copies =
                    crate::party::registration(design.name()).map_or(crate::party::DESIGNS[0].copies, |r| r.copies);
                crate::output::write_psbts(&self.dir, params, c, &copies(&**design, c))
            }
            _ => Ok(()),
        }
    }
}

/// `summary.json`, once the run is over (with the chain's part when there is one).
struct SummaryFile {
    dir: PathBuf,
    scenario: Scenario,
    chain: crate::output::onchain_writer::Slot,
}

impl Writer for SummaryFile {
    fn commitment(&mut self, _: &Tick, _: &SignedCommitment) -> Result<(), OutputError> {
        Ok(())
    }

    fn finish(self: Box<Self>, report: &RunReport) -> Result<(), OutputError> {
        match self.chain.summary(&self.scenario, report) {
            Some(summary) => crate::output::summary::write_summary_json(&self.dir, &summary),
            None => crate::output::write_summary(&self.dir, &self.scenario, report),
        }
    }

    /// With a chain, the summary carries the outcome the on-chain writer's `finish` plays out.
    fn finishes_last(&self) -> bool {
        self.scenario.onchain()
    }
}

/// `report.html`: its steps kept as the commitments stream past, its header and chart taken from
/// the summary and the balance chart the writers before it wrote.
struct ReportPage {
    dir: PathBuf,
    builder: ReportBuilder,
    /// The chain run, for its words in the page's language.
    chain: crate::output::onchain_writer::Slot,
    lang: crate::words::Lang,
}

impl Writer for ReportPage {
    fn opened(&mut self, channel: &Channel) -> Result<(), OutputError> {
        self.builder.opened(channel);
        Ok(())
    }

    fn commitment(&mut self, tick: &Tick, c: &SignedCommitment) -> Result<(), OutputError> {
        self.builder.commitment(tick, c);
        Ok(())
    }

    fn finish(self: Box<Self>, report: &RunReport) -> Result<(), OutputError> {
        let words = self.chain.words(self.lang);
        self.builder.write(&self.dir, report, words.as_ref()).map_err(OutputError::from)
    }

    fn finishes_last(&self) -> bool {
        true
    }
}

/// The balance and payment charts: a bounded sample of the balances as they stream past, drawn
/// at the end (the two at the same time, on two threads, if `parallel`); with a chain, after it
/// is played, so they mark how the channel really ended.
struct Charts {
    dir: PathBuf,
    scenario: Scenario,
    series: Series,
    parallel: bool,
    chain: crate::output::onchain_writer::Slot,
    lang: crate::words::Lang,
}

impl Charts {
    fn new(
        scenario: &Scenario,
        dir: &Path,
        (parallel, lang): (bool, crate::words::Lang),
        chain: crate::output::onchain_writer::Slot,
    ) -> Charts {
        Charts {
            lang,
            dir: dir.to_path_buf(),
            scenario: scenario.clone(),
            series: Series::new(scenario.total_duration_s()),
            parallel,
            chain,
        }
    }
}

impl Writer for Charts {
    fn commitment(&mut self, tick: &Tick, c: &SignedCommitment) -> Result<(), OutputError> {
        self.series.push(BalancePoint {
            clock_s: tick.clock_s,
            payer_sat: c.split.payer.to_sat(),
            payee_sat: c.split.payee.to_sat(),
            fee_sat: c.split.fee.to_sat(),
        });
        Ok(())
    }

    fn finish(self: Box<Self>, report: &RunReport) -> Result<(), OutputError> {
        let Charts { dir, scenario, series, parallel, chain, lang } = *self;
        let ending = chain.ending(&scenario, lang);
        let points = series.into_points();
        let mut start = 0;
        let segments: Vec<SegmentMark> = scenario
            .segments
            .iter()
            .map(|s| {
                let m =
                    SegmentMark { start_s: start, end_s: start + s.duration_s, rate_sat_per_s: s.rate_per_s.to_sat() };
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
            points: &points,
            segments: &segments,
            exhausted_at_s: report.exhausted.map(|e| e.clock_s),
            settlement_s: report.settled_at_s,
            ending: ending.as_ref(),
            lang,
        };
        let balance = || chart::write_balance_chart(&input, &dir.join("balance.png"), &dir.join("balance.svg"));
        let payment = || chart::write_payment_chart(&input, &dir.join("payment.png"), &dir.join("payment.svg"));
        if parallel {
            let (b, p) = std::thread::scope(|s| {
                let p = s.spawn(payment);
                (balance(), p.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            });
            b?;
            p?;
        } else {
            balance()?;
            payment()?;
        }
        Ok(())
    }

    /// With a chain, the charts wait for it.
    fn finishes_last(&self) -> bool {
        self.scenario.onchain()
    }
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::Path;

    use super::*;
    use crate::output::report;

    /// The page whose steps are written from where they were kept (no `<` in the data) is the
    /// page made whole in memory first, with and without the chain's section; and nothing after
    /// the data could be taken for the page's footer.
    #[test]
    fn the_page_written_in_parts_is_the_page_made_whole() {
        assert!(!report::PAGE_END.contains("<footer>"));
        for scenario in ["scenarios/emma-fabian.toml", "scenarios/cheating/revocable-emma-cheats.toml"] {
            let out = tempfile::tempdir().unwrap();
            let options = RunOptions::files_only(out.path().to_path_buf(), 1);
            let dir = run(Path::new(scenario), &options).unwrap().dir;
            let page = fs::read(dir.join("report.html")).unwrap();
            let mut steps = report::steps_from_files(&dir).unwrap();
            assert!(!steps.markup, "{scenario}");
            steps.markup = true;
            report::write_page(&dir, &steps, crate::words::Lang::En, None).unwrap();
            assert!(fs::read(dir.join("report.html")).unwrap() == page, "{scenario}");
        }
    }
}
