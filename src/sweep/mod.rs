//! `paychan sweep` and `paychan merge`: a grid of real channel runs, splittable across machines.
//!
//! An analyst asks how the price per second, the capacity, the fee rate and the seed change what
//! a channel earns and costs. A sweep answers with one real run per grid point — every commitment
//! built and signed, in memory — and one tidy row per point in `sweep.csv`. The grid ([`grid`])
//! is checked at the edge like a scenario; the points run in parallel on a rayon pool and are
//! written in point order, so the file is the same bytes for any thread count. A batch scheduler
//! splits the grid with [`shard`]s (Slurm job arrays, Kubernetes Indexed Jobs); each shard writes a
//! part ([`table`]) with a sidecar saying what it belongs to, and [`merge()`] joins the parts into
//! the file the unsharded run writes, byte for byte.

pub mod audience;
pub mod grid;
pub mod merge;
pub mod shard;
pub mod stats;
pub mod table;

use std::convert::Infallible;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::engine::{EngineError, RunReport};
use crate::output::{OutputError, Staging};
use crate::scenario::{format_fee_rate, Scenario, ScenarioError};

pub use grid::{designs, Grid, Point};
pub use merge::{merge, Merged};
pub use shard::{Shard, ShardError, ShardSpec};
pub use table::{PartInfo, SweepRow, COLUMNS};

/// Grid points run between two writes to the CSV: enough to keep every core busy, few enough
/// that memory stays bounded whatever the size of the grid.
pub const CHUNK: usize = 256;

/// A sweep or a merge that cannot be done.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// The grid, its base, a grid point, or a part file is not valid input.
    #[error(transparent)]
    Input(#[from] ScenarioError),
    /// The shard asked for cannot be used.
    #[error(transparent)]
    Shard(#[from] ShardError),
    /// A grid point's run failed.
    #[error("the run of grid point {point} ({what}) failed")]
    Run {
        /// The point's index.
        point: u64,
        /// The point's values.
        what: String,
        /// The cause.
        #[source]
        source: EngineError<Infallible>,
    },
    /// A viewer's channel in an audience grid point failed.
    #[error("the audience of grid point {point} ({what}) failed")]
    Audience {
        /// The point's index.
        point: u64,
        /// The point's values.
        what: String,
        /// The cause.
        #[source]
        source: Box<crate::audience::AudienceError>,
    },
    /// The worker threads could not be started.
    #[error("cannot start {threads} threads: {reason}")]
    Threads {
        /// How many were asked for.
        threads: usize,
        /// Why not.
        reason: String,
    },
    /// `--chart` or `--by` names no metric or axis of the sweep.
    #[error("{flag} {value}: {problem}")]
    Chart {
        /// The flag.
        flag: String,
        /// Its value.
        value: String,
        /// What is wrong, and what it accepts.
        problem: String,
    },
    /// The output could not be written.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// A merge's `--out` folder, which the merged sweep replaces, holds one of the parts.
    #[error(
        "{}: the merged sweep replaces this folder, which holds the part {}; give merge another --out",
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

impl SweepError {
    /// The process exit code: 2 for bad input or usage, 1 for anything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            SweepError::Input(_)
            | SweepError::Shard(_)
            | SweepError::OutHoldsParts { .. }
            | SweepError::Chart { .. } => 2,
            SweepError::Run { source: EngineError::Funding(_), .. } => 2,
            SweepError::Output(e) if e.is_usage() => 2,
            SweepError::Audience { source, .. } => source.exit_code(),
            _ => 1,
        }
    }
}

/// Options of a sweep.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// The folder that receives the CSV and its sidecar (a whole sweep), or the folder of each
    /// shard's `sweep.part-K-of-N/` (a shard).
    pub out: PathBuf,
    /// Replace the folder even if it is not a previous paychan output.
    pub force: bool,
    /// The shard to run ([`Shard::WHOLE`] for the whole grid).
    pub shard: Shard,
    /// Threads (the output is the same for any number).
    pub threads: usize,
    /// A chart of a metric against an axis, drawn beside the summary of a whole sweep.
    pub chart: Option<stats::ChartRequest>,
}

/// What a sweep did.
#[derive(Debug, Clone)]
pub struct SweepOutcome {
    /// The CSV written.
    pub csv: PathBuf,
    /// Its sidecar, as written.
    pub info: PartInfo,
    /// Commitments signed over all the points run.
    pub commitments: u64,
}

/// Runs one grid point's channel in memory: funding, every commitment signed by both parties,
/// settlement. The one call into the engine, kept small so it follows the engine's refactors.
fn run_point(scenario: &Scenario, threads: usize) -> Result<RunReport, EngineError<Infallible>> {
    crate::engine::run(scenario, threads, |_, _| Ok(()))
}

/// The row of `point`: its scenario run and summarised.
///
/// # Errors
///
/// [`SweepError::Input`] when the point is not a valid scenario, [`SweepError::Run`] when its run
/// fails.
pub fn run_row(grid: &Grid, point: &Point, threads: usize) -> Result<SweepRow, SweepError> {
    let scenario = grid.scenario(point)?;
    let report = run_point(&scenario, threads).map_err(|source| SweepError::Run {
        point: point.index,
        what: grid.describe(point),
        source,
    })?;
    let split = report.settlement.split;
    Ok(SweepRow {
        point: point.index,
        scenario: scenario.name.clone(),
        seed: scenario.seed,
        design: grid.design(point),
        rate_sat_per_s: grid.rate_sat_per_s(&scenario),
        capacity_sat: scenario.capacity.to_sat(),
        fee_rate_sat_per_vb: format_fee_rate(scenario.fee_rate).trim_end_matches(" sat/vB").to_string(),
        commitments: report.commitments,
        seconds_paid: report.elapsed_s,
        payee_sat: split.payee.to_sat(),
        payer_sat: split.payer.to_sat(),
        fee_sat: split.fee.to_sat(),
        funding_fee_sat: report.channel.funding_fee().to_sat(),
        exhausted: report.exhausted.is_some(),
        settlement_txid: report.settlement.tx.compute_txid().to_string(),
    })
}

/// The thread pool a sweep runs on.
///
/// # Errors
///
/// [`SweepError::Threads`] when the threads cannot be started.
pub fn pool(threads: usize) -> Result<rayon::ThreadPool, SweepError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| SweepError::Threads { threads, reason: e.to_string() })
}

/// Reads and validates the grid at `path` (every point checked) on `threads` threads.
///
/// # Errors
///
/// [`SweepError::Input`] for a bad grid, base or point; nothing is written.
pub fn load(path: &Path, threads: usize) -> Result<Grid, SweepError> {
    Ok(Grid::load(path, &pool(threads)?)?)
}

/// The staging folder of a table: `out` itself for a whole sweep or a merge, and
/// `out/sweep.part-K-of-N/` for a shard (the shards of one array share `out`, each swapping only
/// its own folder). The CSV and its sidecar are written into it and [`Staging::commit`] swaps it
/// into place in one step: a kill leaves the previous complete pair (or none), never a new CSV
/// beside an old sidecar, and a finished run leaves nothing beside its folder.
///
/// `out` may be replaced when it is a previous paychan output, an empty folder, or with `force`.
///
/// # Errors
///
/// [`OutputError`] when `out` is a file, is in the way, or cannot be made.
pub fn stage(out: &Path, shard: Shard, force: bool) -> Result<Staging, OutputError> {
    if out.exists() && !out.is_dir() {
        return Err(OutputError::NotAFolder(out.to_path_buf()));
    }
    if shard != Shard::WHOLE {
        return Staging::prepare(out, &table::part_folder(shard), force);
    }
    // `out` itself is swapped, so it is named from its parent (`.` and `..` resolved first).
    let named = match out.file_name() {
        Some(_) => out.to_path_buf(),
        None => std::fs::canonicalize(out).map_err(|source| OutputError::Path { path: out.to_path_buf(), source })?,
    };
    let (Some(name), Some(root)) = (named.file_name(), named.parent()) else {
        return Err(OutputError::Occupied(out.to_path_buf()));
    };
    let root = if root.as_os_str().is_empty() { Path::new(".") } else { root };
    let empty = std::fs::read_dir(out).is_ok_and(|mut d| d.next().is_none());
    Staging::prepare(root, &name.to_string_lossy(), force || empty)
}

/// Runs the shard `options.shard` of `grid` and writes `sweep.csv` with its `sweep.json`
/// sidecar into the folder `options.out` (whole grid), or `sweep.part-K-of-N.csv` and its
/// `.json` into `options.out/sweep.part-K-of-N/` (a shard), each folder swapped into place
/// atomically ([`stage`]).
///
/// Points run in parallel, each a whole channel; rows are written in point order, so the file is
/// the same bytes for any thread count and a rerun of a shard reproduces its part.
///
/// # Errors
///
/// [`SweepError::Output`] when the folder cannot be used or written, [`SweepError::Run`] when a
/// point's run fails (the first by index; nothing is renamed into place then).
pub fn sweep(grid: &Grid, options: &SweepOptions) -> Result<SweepOutcome, SweepError> {
    let pool = pool(options.threads)?;
    let shard = options.shard;
    let staging = stage(&options.out, shard, options.force)?;
    let count = shard.count(grid.len());
    // Few long points: let each use the cores the others leave idle.
    let per_point = (options.threads / usize::try_from(count.max(1)).unwrap_or(usize::MAX)).max(1);
    let name = table::csv_name(shard);
    let indices: Vec<u64> = shard.indices(grid.len()).collect();
    let path = staging.path().join(&name);
    let (writer, commitments) = if grid.is_audience() {
        audience_rows(grid, &pool, &path, &indices)?
    } else {
        channel_rows(grid, &pool, &path, &indices, per_point)?
    };
    let info = writer.finish(PartInfo {
        format: PartInfo::FORMAT.to_string(),
        grid: grid.file_name(),
        grid_sha256: grid.grid_sha256.clone(),
        base: grid.base_name.clone(),
        base_sha256: grid.base_sha256.clone(),
        points: grid.len(),
        shard: shard.k,
        shards: shard.n,
        rows: 0,
        csv: String::new(),
        csv_sha256: String::new(),
    })?;
    if shard == Shard::WHOLE {
        // The replicates summarised (and charted) from the CSV as written, as merge does.
        let summary = stats::summarize_folder(staging.path())?;
        if let Some(chart) = &options.chart {
            stats::write_chart(&summary, chart, &grid.file_name(), staging.path())?;
        }
    }
    let csv = staging.commit()?.join(name);
    Ok(SweepOutcome { csv, info, commitments })
}

/// The rows of a single-channel grid's points `indices`, in order, into a new table at `path`,
/// each point's channel on `per_point` threads. Returns the table and the commitments.
fn channel_rows(
    grid: &Grid,
    pool: &rayon::ThreadPool,
    path: &Path,
    indices: &[u64],
    per_point: usize,
) -> Result<(table::TableWriter, u64), SweepError> {
    let mut writer = table::TableWriter::create(path)?;
    let mut commitments = 0;
    for chunk in indices.chunks(CHUNK) {
        let rows: Vec<Result<SweepRow, SweepError>> =
            pool.install(|| chunk.par_iter().map(|&i| run_row(grid, &grid.point(i), per_point)).collect());
        for row in rows {
            let row = row?;
            commitments += row.commitments;
            writer.append(&row)?;
        }
    }
    Ok((writer, commitments))
}

/// The rows of an audience grid's points `indices`, in order, into a new table at `path`: each
/// point a whole audience whose viewers share the pool. Returns the table and the commitments.
fn audience_rows(
    grid: &Grid,
    pool: &rayon::ThreadPool,
    path: &Path,
    indices: &[u64],
) -> Result<(table::TableWriter, u64), SweepError> {
    let mut writer = table::TableWriter::with_header(path, &audience::columns(grid))?;
    let mut commitments = 0;
    for chunk in indices.chunks(CHUNK) {
        let rows: Vec<Result<audience::AudienceRow, SweepError>> =
            pool.install(|| chunk.par_iter().map(|&i| audience::run_row(grid, &grid.point(i))).collect());
        for row in rows {
            let row = row?;
            commitments += row.commitments;
            writer.append_cells(&row.cells)?;
        }
    }
    Ok((writer, commitments))
}

/// The default output folder of a grid: `output/<grid file name without .toml>`.
pub fn default_out(grid: &Path) -> PathBuf {
    let stem = grid.file_stem().map_or_else(|| "sweep".into(), |s| s.to_string_lossy().into_owned());
    Path::new("output").join(stem)
}

/// `paychan sweep`: resolves the shard (`--shard`, `--shards`, the scheduler's environment),
/// validates the grid, and runs the shard into `out`.
///
/// # Errors
///
/// [`SweepError`]: bad shard or grid (nothing written), or a failed run or write.
pub fn sweep_command(
    grid: &Path,
    out: &Path,
    shard: Option<&str>,
    shards: Option<u64>,
    threads: usize,
    force: bool,
    chart: Option<(&str, &str)>,
) -> Result<SweepOutcome, SweepError> {
    let chart = chart.map(|(metric, by)| stats::ChartRequest::new(metric, by)).transpose()?;
    let env = |name: &str| std::env::var(name).ok();
    let shard = shard::from_options(shard, shards, &env)?;
    if let Some(c) = chart.as_ref().filter(|_| shard != Shard::WHOLE) {
        let problem = "a shard has no summary to chart; chart the whole sweep".into();
        return Err(SweepError::Chart { flag: "--chart".into(), value: c.metric.clone(), problem });
    }
    let grid = load(grid, threads)?;
    if let Some(c) = &chart {
        let header: Vec<String> =
            if grid.is_audience() { audience::columns(&grid) } else { COLUMNS.iter().map(|c| c.to_string()).collect() };
        c.fits(&header)?;
    }
    sweep(&grid, &SweepOptions { out: out.to_path_buf(), force, shard, threads, chart })
}

/// One line on what a sweep did, for stdout.
pub fn describe(outcome: &SweepOutcome) -> String {
    let i = &outcome.info;
    let which = if i.shards == 1 {
        format!("{} points", i.points)
    } else {
        format!("shard {}/{}: {} of {} points", i.shard, i.shards, i.rows, i.points)
    };
    let beside = if i.shards == 1 { format!(" (and {} beside it)", stats::SUMMARY) } else { String::new() };
    format!(
        "paychan sweep: {} ({which}), {} commitments signed -> {}{beside}",
        i.grid,
        outcome.commitments,
        outcome.csv.display()
    )
}
