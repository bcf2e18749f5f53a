//! The command line: `paychan run` and its siblings, with exit codes 0 (success), 2 (bad input or usage), 1 (other).
//!
//! `main` stays thin, as in ripgrep: this module parses the arguments with clap, calls the
//! library, prints the human summary or the whole error chain, and picks the exit code.

// The doc comments below are clap's help text, where `<name>` is the shell's placeholder notation
// and `[audience]` a TOML table, not HTML or links.
#![allow(rustdoc::invalid_html_tags, rustdoc::broken_intra_doc_links)]

use std::path::{Path, PathBuf};

use clap::{CommandFactory, Parser, Subcommand};

use crate::commands::docs;
use crate::{Error, RunOptions};

/// Replays the Mastering Bitcoin payment channel second by second, with real transactions.
#[derive(Debug, Parser)]
#[command(name = "paychan", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Replay a scenario: sign every commitment and write CSV, JSON and charts.
    Run {
        /// The scenario file, e.g. scenarios/emma-fabian.toml.
        scenario: PathBuf,
        /// Folder that receives <name>/ (replaced atomically on each run).
        #[arg(long, default_value = "output")]
        out: PathBuf,
        /// Replace <out>/<name> even if it is not a previous paychan output.
        #[arg(long)]
        force: bool,
        /// Print only errors and warnings.
        #[arg(long, short)]
        quiet: bool,
        /// Signing threads; the output is byte-identical for any number (default: every core).
        #[arg(long, value_name = "N")]
        threads: Option<usize>,
        /// Tell the story in the book's words as the run goes (summarised for long runs).
        #[arg(long)]
        narrate: bool,
        /// The language of the narration, the printed summary, the report and the charts: en or zh
        /// (the Chinese edition's terms); CSV headers and JSON keys stay English.
        #[arg(long, value_name = "en|zh", default_value = "en", value_parser = crate::words::Lang::parse)]
        lang: crate::words::Lang,
        /// Leave the tx_hex column of commitments.csv empty (smaller files for sweeps).
        #[arg(long)]
        no_tx_hex: bool,
        /// Also write BIP-0174 PSBTs into <name>/psbt/ for these commitments: "all" or e.g. "1,600".
        #[arg(long, value_name = "SPEC", value_parser = crate::channel::psbt::Selection::parse)]
        psbt: Option<crate::channel::psbt::Selection>,
        /// With an [audience]: the viewers whose commitments.csv and summary.json go into
        /// <name>/viewers/<k>/: none, all or e.g. "0,7,42" (default: all up to 100 viewers, none
        /// above).
        #[arg(long, value_name = "none|all|LIST", value_parser = crate::audience::ViewerSelection::parse)]
        commitments: Option<crate::audience::ViewerSelection>,
        /// With an [audience]: run one shard of the viewers into <out>/<name>.part-K-of-N/: K/N
        /// (the viewers whose index % N == K), slurm (SLURM_ARRAY_TASK_ID of
        /// SLURM_ARRAY_TASK_COUNT; the array must be 0-(N-1)) or k8s (JOB_COMPLETION_INDEX);
        /// paychan merge joins the parts.
        #[arg(long, value_name = "K/N|slurm|k8s")]
        shard: Option<String>,
        /// The number of shards, required with --shard k8s (checked against the others).
        #[arg(long, value_name = "N")]
        shards: Option<u64>,
    },
    /// Run a scenario's session and events under every design and compare who ends with what:
    /// compare.csv, a chart, compare.html and each design's own output folder.
    Compare {
        /// The scenario file, e.g. scenarios/cheating/naive-emma-cheats.toml.
        scenario: PathBuf,
        /// Folder that receives <name>-compare/ (replaced atomically on each run).
        #[arg(long, default_value = "output")]
        out: PathBuf,
        /// Replace <out>/<name>-compare even if it is not a previous paychan output.
        #[arg(long)]
        force: bool,
        /// Print only errors and warnings.
        #[arg(long, short)]
        quiet: bool,
        /// Signing threads (default: every core).
        #[arg(long, value_name = "N")]
        threads: Option<usize>,
        /// The language of compare.html, the chart, the printed sentences and each design's report
        /// and charts: en or zh; compare.csv and whatif.csv stay English.
        #[arg(long, value_name = "en|zh", default_value = "en", value_parser = crate::words::Lang::parse)]
        lang: crate::words::Lang,
    },
    /// Check an output folder from its files alone: every transaction under Bitcoin Core's
    /// interpreter and policy, and the log against the transactions (exit 0 all pass, 1 not).
    Verify {
        /// The output folder, e.g. output/emma-fabian.
        dir: PathBuf,
        /// The lowest acceptable fee rate, e.g. "1 sat/vB" or "0 sat/vB".
        #[arg(long, default_value = "1 sat/vB", value_parser = parse_fee_rate)]
        min_fee_rate: bitcoin::FeeRate,
    },
    /// Measure the cost per commitment against the bare four secp256k1 operations.
    Bench {
        /// Commitments per measurement.
        #[arg(long, default_value_t = 20_000)]
        commitments: u64,
        /// Threads for the parallel measurement (default: every core).
        #[arg(long)]
        threads: Option<usize>,
        /// Runs per measurement; the best is kept.
        #[arg(long, default_value_t = 3)]
        repeat: u32,
        /// Only the bare four operations, once, on one thread: the loop whose instructions
        /// benchmarks/callgrind.sh counts against a whole run's.
        #[arg(long)]
        raw_only: bool,
        /// Instead: each design's cost per state (one thread) against the bare secp256k1
        /// operations that state needs (signatures, verifications, the point multiplications of
        /// BOLT #3's key derivation).
        #[arg(long)]
        designs: bool,
    },
    /// Run a grid of scenarios (every channel real) into one tidy sweep.csv, or one shard of it.
    Sweep {
        /// The grid file, e.g. sweeps/book-grid.toml.
        grid: PathBuf,
        /// Folder that receives sweep.csv and its .json sidecar, or a shard's
        /// sweep.part-K-of-N/ folder (default: output/<grid file name without .toml>); replaced
        /// atomically on each run.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace the folder even if it is not a previous paychan output.
        #[arg(long)]
        force: bool,
        /// Run one shard: K/N (the points whose index % N == K), slurm (SLURM_ARRAY_TASK_ID of
        /// SLURM_ARRAY_TASK_COUNT; the array must be 0-(N-1)) or k8s (JOB_COMPLETION_INDEX).
        #[arg(long, value_name = "K/N|slurm|k8s")]
        shard: Option<String>,
        /// The number of shards, required with --shard k8s (checked against the others).
        #[arg(long, value_name = "N")]
        shards: Option<u64>,
        /// Threads; the output is byte-identical for any number (default: every core).
        #[arg(long, value_name = "N")]
        threads: Option<usize>,
        /// Also draw METRIC (a column of sweep.csv, e.g. payee_sat) against the axis --by, each
        /// point the mean over the seeds with its 95% interval: METRIC-by-AXIS.png and .svg
        /// beside summary.csv.
        #[arg(long, value_name = "METRIC", requires = "by")]
        chart: Option<String>,
        /// The axis of --chart: design, fee_rate, capacity or rate.
        #[arg(long, value_name = "AXIS", requires = "chart")]
        by: Option<String>,
        /// Print only errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Join the parts of a sharded sweep into the sweep.csv the unsharded run writes, or the
    /// parts of a sharded audience run into the folder the unsharded run writes.
    Merge {
        /// Part files (sweep.part-K-of-N.csv, with their .json beside them), audience part folders
        /// (<name>.part-K-of-N/, from run --shard), or folders holding them.
        #[arg(required = true)]
        parts: Vec<PathBuf>,
        /// Folder that receives sweep.csv and sweep.json, as sweep --out does, or an audience's
        /// files, as <out>/<name>/ of the unsharded run (replaced atomically; it must not hold
        /// the parts).
        #[arg(long)]
        out: PathBuf,
        /// Replace the folder even if it is not a previous paychan output.
        #[arg(long)]
        force: bool,
        /// Also draw METRIC against the axis --by, as sweep --chart does.
        #[arg(long, value_name = "METRIC", requires = "by")]
        chart: Option<String>,
        /// The axis of --chart: design, fee_rate, capacity or rate.
        #[arg(long, value_name = "AXIS", requires = "chart")]
        by: Option<String>,
    },
    /// Validate a scenario, or a sweep grid and every point of it, and print its plan without
    /// signing anything (exit 0 valid, 2 not).
    Check {
        /// The scenario file, or a sweep grid (a file with `base = "..."`).
        scenario: PathBuf,
        /// The language of the plan and the warnings: en or zh (the Chinese edition's terms).
        #[arg(long, value_name = "en|zh", default_value = "en", value_parser = crate::words::Lang::parse)]
        lang: crate::words::Lang,
    },
    /// Print the completion script for a shell (install lines in the README).
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: crate::commands::docs::Shell,
    },
    /// Print the manual pages in roff (paychan.1, then one page per subcommand), or write them into
    /// a folder with --out.
    Man {
        /// Write paychan.1, paychan-run.1, … into this folder instead of printing.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Print the JSON Schema of scenario files or of summary.json (for editors; shipped in schema/).
    Schema {
        /// Which format.
        #[arg(value_enum)]
        kind: crate::commands::docs::SchemaKind,
    },
}

/// Every core the machine offers.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn parse_fee_rate(s: &str) -> Result<bitcoin::FeeRate, String> {
    crate::units::parse_fee_rate(s)
}

/// Runs the command line and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    match execute(cli) {
        Ok(code) => code,
        Err(e) => {
            report_error(&e);
            e.exit_code()
        }
    }
}

fn execute(cli: Cli) -> Result<i32, Error> {
    match cli.command {
        Command::Run {
            scenario,
            out,
            force,
            quiet,
            psbt,
            threads,
            no_tx_hex,
            narrate,
            lang,
            commitments,
            shard,
            shards,
        } => {
            let options = RunOptions {
                out,
                force,
                psbt,
                threads: threads.unwrap_or_else(default_threads),
                tx_hex: !no_tx_hex,
                progress: !quiet,
                narrate,
                lang,
            };
            let env = |name: &str| std::env::var(name).ok();
            let shard = match (&shard, shards) {
                (None, None) => None,
                _ => Some(
                    crate::scenario::shard::from_options(shard.as_deref(), shards, &env)
                        .map_err(|e| Error::from(crate::audience::AudienceError::from(e)))?,
                ),
            };
            run(&scenario, &options, commitments, shard, quiet)
        }
        Command::Check { scenario, lang } => check(&scenario, lang),
        Command::Compare { scenario, out, force, quiet, threads, lang } => {
            compare(&scenario, &out, force, quiet, threads.unwrap_or_else(default_threads), lang)
        }
        Command::Bench { commitments, threads, repeat, raw_only, designs } => {
            bench_command(commitments, threads, repeat, raw_only, designs)
        }
        Command::Sweep { grid, out, force, shard, shards, threads, chart, by, quiet } => {
            let chart = chart.as_deref().zip(by.as_deref());
            let threads = threads.unwrap_or_else(default_threads);
            sweep(&grid, out, force, (shard.as_deref(), shards), threads, chart, quiet)
        }
        Command::Merge { parts, out, force, chart, by } => {
            merge(&parts, &out, force, chart.as_deref().zip(by.as_deref()))
        }
        Command::Completions { shell } => completions(shell),
        Command::Man { out } => man(out.as_deref()),
        Command::Schema { kind } => schema(kind),
        Command::Verify { dir, min_fee_rate } => verify(&dir, min_fee_rate),
    }
}

/// `paychan compare`: runs the comparison and prints its sentences unless `quiet`.
fn compare(
    scenario: &Path,
    out: &Path,
    force: bool,
    quiet: bool,
    threads: usize,
    lang: crate::words::Lang,
) -> Result<i32, Error> {
    let c = crate::compare::compare(scenario, out, force, threads, lang)?;
    if !quiet {
        for line in crate::compare::sentences(&c) {
            println!("{line}");
        }
    }
    Ok(0)
}

/// `paychan bench`: the designs' costs with `--designs`, the bare loop with `--raw-only`, else
/// the figures of a whole run.
fn bench_command(
    commitments: u64,
    threads: Option<usize>,
    repeat: u32,
    raw_only: bool,
    designs: bool,
) -> Result<i32, Error> {
    if designs {
        let scratch = std::env::temp_dir().join(format!("paychan-bench-designs-{}", std::process::id()));
        let figures = crate::commands::bench_designs::measure(commitments, repeat, &scratch)?;
        print!("{}", crate::commands::bench_designs::describe(commitments, &figures));
        let _ = std::fs::remove_dir_all(&scratch);
        Ok(0)
    } else if raw_only {
        let took = crate::commands::bench::raw(commitments);
        println!(
            "paychan bench: raw 4 ops (2 ECDSA signs + 2 verifies), {commitments} commitments: {:.1} µs/commitment",
            took.as_secs_f64() * 1e6 / commitments.max(1) as f64
        );
        Ok(0)
    } else {
        bench(commitments, threads.unwrap_or_else(default_threads), repeat)
    }
}

/// `paychan sweep`: runs the grid (or one shard of it) and describes the outcome unless `quiet`.
fn sweep(
    grid: &Path,
    out: Option<PathBuf>,
    force: bool,
    (shard, shards): (Option<&str>, Option<u64>),
    threads: usize,
    chart: Option<(&str, &str)>,
    quiet: bool,
) -> Result<i32, Error> {
    let out = out.unwrap_or_else(|| crate::sweep::default_out(grid));
    let outcome = crate::sweep::sweep_command(grid, &out, shard, shards, threads, force, chart)?;
    if !quiet {
        println!("{}", crate::sweep::describe(&outcome));
    }
    Ok(0)
}

/// `paychan merge`: joins a sharded sweep's (or audience's) parts and says what it joined.
fn merge(parts: &[PathBuf], out: &Path, force: bool, chart: Option<(&str, &str)>) -> Result<i32, Error> {
    let chart = chart.map(|(metric, by)| crate::sweep::stats::ChartRequest::new(metric, by)).transpose()?;
    if parts.iter().any(|p| crate::audience::shard::is_part_input(p)) {
        if let Some(c) = chart {
            let problem = "an audience's parts merge into the audience's own charts; --chart is a sweep's".into();
            return Err(crate::sweep::SweepError::Chart { flag: "--chart".into(), value: c.metric, problem }.into());
        }
        let (merged, dir) = crate::sweep::merge::merge_audience(parts, out, force)?;
        println!(
            "paychan merge: {} parts of the audience of {} ({} viewers, {} commitments) -> {}",
            merged.parts,
            merged.scenario,
            merged.viewers,
            merged.totals.commitments,
            dir.display()
        );
        return Ok(0);
    }
    let merged = crate::sweep::merge(parts, out, force, chart.as_ref())?;
    println!(
        "paychan merge: {} parts of {} ({} points) -> {}",
        merged.parts,
        merged.info.grid,
        merged.info.points,
        merged.csv.display()
    );
    Ok(0)
}

/// `paychan completions`: prints the completion script for `shell`.
fn completions(shell: docs::Shell) -> Result<i32, Error> {
    docs::print(&docs::completion_script(shell, Cli::command()))?;
    Ok(0)
}

/// `paychan man`: prints the manual pages in roff, or writes them into `out` and lists them.
fn man(out: Option<&Path>) -> Result<i32, Error> {
    match out {
        None => docs::print(&docs::man_pages(Cli::command()).into_iter().flat_map(|p| p.roff).collect::<Vec<u8>>())?,
        Some(dir) => {
            for page in docs::write_man_pages(dir, Cli::command())? {
                println!("{}", page.display());
            }
        }
    }
    Ok(0)
}

/// `paychan schema`: prints the JSON Schema of `kind`.
fn schema(kind: docs::SchemaKind) -> Result<i32, Error> {
    docs::print(docs::schema_text(kind).as_bytes())?;
    Ok(0)
}

/// `paychan run`: warnings first, so a user who stops reading at the summary has seen them; a
/// scenario with an `[audience]` runs every viewer's channel.
fn run(
    scenario: &Path,
    options: &RunOptions,
    commitments: Option<crate::audience::ViewerSelection>,
    shard: Option<crate::scenario::shard::Shard>,
    quiet: bool,
) -> Result<i32, Error> {
    if crate::network::is_network(scenario) {
        return run_network(scenario, options, quiet);
    }
    let s = crate::scenario::Scenario::load(scenario)?;
    for w in crate::scenario::warnings_in(&s, options.lang) {
        eprintln!("warning: {}: {w}", scenario.display());
    }
    let usage = |option: &str, problem: &str| {
        Error::from(crate::audience::AudienceError::Usage { option: option.into(), problem: problem.into() })
    };
    if s.audience.is_some() {
        if options.psbt.is_some() {
            return Err(usage("--psbt", "an audience run writes no PSBTs; run one viewer's channel for them"));
        }
        if options.narrate {
            return Err(usage("--narrate", "an audience run is not narrated; it prints its totals"));
        }
        let audience = crate::audience::AudienceOptions {
            out: options.out.clone(),
            force: options.force,
            threads: options.threads,
            commitments,
            tx_hex: options.tx_hex,
        };
        if let Some(shard) = shard.filter(|s| *s != crate::scenario::shard::Shard::WHOLE) {
            let part = crate::audience::run_audience_shard(&s, scenario, &audience, shard)?;
            if !quiet {
                println!("{}", crate::audience::shard::describe(&part));
            }
            return Ok(0);
        }
        let outcome = crate::audience::run_audience(&s, &audience)?;
        if !quiet {
            print!("{}", crate::audience::human_summary(&s, &outcome));
        }
        return Ok(0);
    }
    if commitments.is_some() {
        return Err(usage("--commitments", "applies to a scenario with an [audience]; this one has none"));
    }
    if shard.is_some() {
        return Err(usage(
            "--shard",
            "applies to a scenario with an [audience] (its viewers are split) or to paychan sweep; this one has none",
        ));
    }
    let outcome = crate::run_scenario(s, scenario, options)?;
    if !quiet {
        print!(
            "{}",
            crate::output::human_summary(
                &outcome.scenario,
                &outcome.report,
                outcome.chain.as_ref(),
                &outcome.dir,
                options.lang
            )
        );
        if let Some(chain) = &outcome.chain {
            print!("{}", crate::output::chain::human_chain(&outcome.scenario, chain, options.lang));
            let dir = outcome.dir.display().to_string();
            print!("{}", crate::words::say(options.lang, crate::words::Msg::SummaryWroteChain, &[("dir", &dir)]));
        }
    }
    Ok(0)
}

/// `paychan run NETWORK`: every payment routed hop by hop, one folder per channel.
fn run_network(scenario: &Path, options: &RunOptions, quiet: bool) -> Result<i32, Error> {
    let n = crate::network::Network::load(scenario)?;
    let outcome = crate::network::run(&n, &options.out, options.force, options.lang)?;
    if options.narrate {
        print!("{}", crate::network::narrate::narrate(&n, &outcome.routed, &outcome.dir, options.lang));
    }
    if !quiet {
        print!("{}", crate::network::human_summary(&n, &outcome));
    }
    Ok(0)
}

/// `paychan check`: the plan in words (an audience's, or the channel's), and the warnings; a
/// channel's in `lang`.
fn check(scenario: &Path, lang: crate::words::Lang) -> Result<i32, Error> {
    if is_grid(scenario) {
        return check_grid(scenario);
    }
    if crate::network::is_network(scenario) {
        let n = crate::network::Network::load(scenario)?;
        println!("paychan check: {} is a valid network", scenario.display());
        print!("{}", crate::network::describe(&n));
        return Ok(0);
    }
    let s = crate::scenario::Scenario::load(scenario)?;
    let valid = lang.pick("is valid", "有效");
    println!("paychan check: {} {valid}", scenario.display());
    let warnings = if s.audience.is_some() {
        print!("{}", crate::audience::describe_plan(&s));
        crate::scenario::warnings_in(&s, lang)
    } else {
        let plan = crate::commands::check::Plan::of(&s);
        print!("{}", plan.describe(&s, lang));
        plan.warnings(&s, lang)
    };
    if warnings.is_empty() {
        println!("{}", lang.pick("  warnings  none", "  警告      无"));
    }
    for w in warnings {
        println!("{}{w}", lang.pick("  warning   ", "  警告      "));
    }
    Ok(0)
}

/// Whether the file at `path` is a sweep grid (it names a `base` scenario) rather than a
/// scenario; a file that cannot be read or parsed is left to the scenario's own errors.
fn is_grid(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .is_some_and(|table| table.contains_key("base"))
}

/// `paychan check GRID`: the grid and every point validated (the first invalid point is the
/// error), then the plan of the whole sweep, without signing.
fn check_grid(path: &Path) -> Result<i32, Error> {
    let grid = crate::sweep::load(path, default_threads())?;
    println!("paychan check: {} is a valid grid", path.display());
    print!("{}", crate::commands::check::describe_grid(&grid));
    Ok(0)
}

/// `paychan bench`: the figures, and the chart from a million points.
fn bench(commitments: u64, threads: usize, repeat: u32) -> Result<i32, Error> {
    let scratch = std::env::temp_dir().join(format!("paychan-bench-{}", std::process::id()));
    let figures = crate::commands::bench::measure(commitments, threads, repeat, &scratch)?;
    print!("{}", crate::commands::bench::describe(&figures));
    let chart = crate::commands::bench::chart(1_000_000, &scratch)?;
    println!("  balance chart from 1,000,000 points (PNG + SVG): {:.0} ms", chart.as_secs_f64() * 1e3);
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(0)
}

/// `paychan verify`: one line per finding, a count, exit 1 when anything failed.
fn verify(dir: &Path, min_fee_rate: bitcoin::FeeRate) -> Result<i32, Error> {
    let Some(channels) = crate::network::files::channel_dirs(dir) else { return verify_one(dir, min_fee_rate) };
    let mut failed = channels.is_empty();
    for channel in &channels {
        failed |= verify_one(channel, min_fee_rate)? != 0;
    }
    println!(
        "verify: {}: {} channel{} of a routed run, {}",
        dir.display(),
        channels.len(),
        if channels.len() == 1 { "" } else { "s" },
        if failed { "not all verified" } else { "every one verified" }
    );
    Ok(i32::from(failed))
}

/// `paychan verify` of one channel's folder.
fn verify_one(dir: &Path, min_fee_rate: bitcoin::FeeRate) -> Result<i32, Error> {
    let report = crate::commands::verify::verify_dir(dir, min_fee_rate)?;
    for f in &report.findings {
        println!("{f}");
    }
    println!(
        "verify: {}: {} transactions checked, {} failure{}",
        dir.display(),
        report.transactions,
        report.findings.len(),
        if report.findings.len() == 1 { "" } else { "s" }
    );
    if report.findings.iter().any(|f| f.check == "fee-rate") {
        println!(
            "  (fee-rate failures: pass --min-fee-rate with the scenario's own rate, e.g. \"0 sat/vB\", \
             to check a run that was meant not to relay)"
        );
    }
    Ok(if report.findings.is_empty() { 0 } else { 1 })
}

/// Prints `e` and every cause beneath it, one per line.
pub fn report_error(e: &dyn std::error::Error) {
    eprintln!("error: {e}");
    let mut source = e.source();
    while let Some(cause) = source {
        eprintln!("  caused by: {cause}");
        source = cause.source();
    }
}
