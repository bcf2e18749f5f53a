//! `summary.csv`: the replicates of each grid combination summarised, with 95% intervals.
//!
//! The grid's `seed` axis is the replicate axis: the points that differ only in their seed are
//! replicates of one combination of the other axes. What the seed changes is everything drawn
//! from it. In a single-channel grid that is the keys and so the txids only: the ledger, and so
//! every outcome, is the same for every seed, and each standard deviation is 0 (the interval is
//! the mean). In an audience grid the seed draws the viewers, so the outcomes vary.
//!
//! The summary is computed from `sweep.csv` as written (its bytes are the same for a whole sweep
//! and a merge of its shards, so the summary is too), and generically from its columns: a column
//! named by a grid axis ([`super::grid::AXES`]: the axis's name, or that name then `_` and a
//! unit, as `capacity_sat`) is an axis, `seed` the replicate axis; `point`, `scenario` and the
//! txids identify a row; every other column of [`super::COLUMNS`] whose cells are numbers (or
//! `true`/`false`, counted 1/0, so the mean is a share) is a metric. A column added to the table
//! is summarised with no change here.
//!
//! One row per combination (in point order) and metric (in column order): the axis values,
//! `metric`, `n`, `mean`, `sd` (the sample standard deviation, n − 1), `ci95_low`, `ci95_high`
//! (mean ∓ t(0.975, n − 1)·sd/√n, Student's t from `statrs`), decimals with 6 places. With
//! n = 1 the standard deviation and the interval are empty cells; a metric's empty cells are not
//! counted in its n.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use statrs::distribution::{ContinuousCDF, StudentsT};

use super::grid::AXES;
use crate::output::chart::{write_errorbar_chart, ErrorBar, ErrorBarInput, ErrorBarSeries};
use crate::output::OutputError;

/// The summary's file name, beside `sweep.csv`.
pub const SUMMARY: &str = "summary.csv";

/// The axis that replicates vary.
pub const REPLICATE_AXIS: &str = "seed";

/// How an audience grid's axis columns begin (`audience.price`).
const AUDIENCE_PREFIX: &str = "audience.";

/// The columns of `summary.csv` after the axis columns.
pub const STAT_COLUMNS: [&str; 7] = ["metric", "n", "mean", "sd", "ci95_low", "ci95_high", "seeds"];

/// What a column of `sweep.csv` is to the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// It identifies a row (the point's index, the base's name, a txid).
    Identity,
    /// The replicate axis: the seed.
    Replicate,
    /// A grid axis other than the seed: the axis's name (`rate`; an audience axis by its column,
    /// `audience.price`).
    Axis(String),
    /// An outcome, summarised when its cells are numbers.
    Metric,
}

/// The grid axis whose values column `column` holds: the axis's own name, or the name followed
/// by `_` and a unit (`capacity_sat`, `rate_sat_per_s`, `fee_rate_sat_per_vb`).
pub fn axis_of(column: &str) -> Option<&'static str> {
    AXES.iter()
        .copied()
        .find(|axis| column == *axis || column.strip_prefix(axis).is_some_and(|unit| unit.starts_with('_')))
}

/// The role of column `column` of `sweep.csv`: an audience grid's `audience.*` columns are its
/// axes.
pub fn role(column: &str) -> Role {
    match axis_of(column) {
        _ if column.starts_with(AUDIENCE_PREFIX) => Role::Axis(column.to_string()),
        Some(REPLICATE_AXIS) => Role::Replicate,
        Some(axis) => Role::Axis(axis.to_string()),
        None if column == "point" || column == "scenario" || column.ends_with("txid") => Role::Identity,
        None => Role::Metric,
    }
}

/// The mean, the sample standard deviation and the 95% interval of some replicates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    /// Values counted.
    pub n: u64,
    /// Their mean (`None` when n = 0).
    pub mean: Option<f64>,
    /// The sample standard deviation, divided by n − 1 (`None` when n < 2).
    pub sd: Option<f64>,
    /// mean ∓ t(0.975, n − 1)·sd/√n (`None` when n < 2).
    pub ci95: Option<(f64, f64)>,
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom (`df` ≥ 1), from `statrs`.
///
/// Measured against R's `qt`: within 1e-10 up to 1,000 degrees of freedom (tests/replicates.rs);
/// past that statrs 0.18's inversion drifts (2e-8 at 10,000, 1e-4 at 1,000,000 replicates).
pub fn t975(df: u64) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64).expect("df ≥ 1 is a valid Student's t").inverse_cdf(0.975)
}

/// The statistics of `values`: a two-pass mean and sum of squared deviations, in the values'
/// order, so the result is the same bits on every machine.
pub fn describe(values: &[f64]) -> Stats {
    let n = values.len() as u64;
    if n == 0 {
        return Stats { n, mean: None, sd: None, ci95: None };
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return Stats { n, mean: Some(mean), sd: None, ci95: None };
    }
    let squares: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
    let sd = (squares / (n - 1) as f64).sqrt();
    let half = t975(n - 1) * sd / (n as f64).sqrt();
    Stats { n, mean: Some(mean), sd: Some(sd), ci95: Some((mean - half, mean + half)) }
}

/// One combination's replicates of one metric.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    /// The combination's value on each axis column, in [`Summary::axis_columns`]' order.
    pub key: Vec<String>,
    /// The metric's column.
    pub metric: String,
    /// Its statistics over the combination's seeds.
    pub stats: Stats,
    /// The seeds of the replicates, in point order (`1-2` for a run, else `1 3 7`).
    pub seeds: String,
}

/// A sweep table summarised.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The axis columns of `sweep.csv` other than the seed, in its order, and their axes.
    pub axis_columns: Vec<(String, String)>,
    /// The metrics, in `sweep.csv`'s column order.
    pub metrics: Vec<String>,
    /// Combination by combination (in point order), metric by metric.
    pub rows: Vec<SummaryRow>,
}

/// A cell as a number: `true`/`false` as 1/0, an empty cell as `None`, anything that is not a
/// finite number as `Err`.
fn number(cell: &str) -> Result<Option<f64>, ()> {
    match cell {
        "" => Ok(None),
        "true" => Ok(Some(1.0)),
        "false" => Ok(Some(0.0)),
        _ => cell.parse::<f64>().ok().filter(|v| v.is_finite()).map(Some).ok_or(()),
    }
}

/// Seeds as written in the summary: `from-to` when they are a run of consecutive numbers, else
/// listed with spaces.
fn seeds_text(seeds: &[u64]) -> String {
    let run = seeds.windows(2).all(|w| w[0].checked_add(1) == Some(w[1]));
    match (seeds.first(), seeds.last()) {
        (Some(a), Some(b)) if run && seeds.len() > 1 => format!("{a}-{b}"),
        _ => seeds.iter().map(u64::to_string).collect::<Vec<_>>().join(" "),
    }
}

/// The cells of one combination, column by column.
struct Group {
    key: Vec<String>,
    seeds: Vec<u64>,
    values: Vec<Vec<f64>>,
}

/// Summarises a sweep table: `header` its columns, `records` its rows in point order.
///
/// # Errors
///
/// A message naming the row (1 is the header) and the column when a seed is not a number or a
/// row is short.
pub fn summarize<I, R>(header: &[String], records: I) -> Result<Summary, String>
where
    I: IntoIterator<Item = R>,
    R: AsRef<[String]>,
{
    let roles: Vec<Role> = header.iter().map(|c| role(c)).collect();
    let axis_at: Vec<usize> = (0..header.len()).filter(|&i| matches!(roles[i], Role::Axis(_))).collect();
    let metric_at: Vec<usize> = (0..header.len()).filter(|&i| roles[i] == Role::Metric).collect();
    let seed_at = roles.iter().position(|r| *r == Role::Replicate);
    let mut numeric = vec![true; header.len()];
    let mut groups: Vec<Group> = Vec::new();
    let mut index: BTreeMap<Vec<String>, usize> = BTreeMap::new();
    for (line, record) in records.into_iter().enumerate() {
        let record = record.as_ref();
        let cell = |i: usize| record.get(i).ok_or_else(|| format!("row {}: no {} cell", line + 2, header[i]));
        let key = axis_at.iter().map(|&i| cell(i).cloned()).collect::<Result<Vec<_>, _>>()?;
        let seed = match seed_at {
            Some(i) => Some(cell(i)?.parse::<u64>().map_err(|_| format!("row {}: seed = {:?}", line + 2, record[i]))?),
            None => None,
        };
        let g = *index.entry(key.clone()).or_insert_with(|| {
            groups.push(Group { key, seeds: Vec::new(), values: vec![Vec::new(); metric_at.len()] });
            groups.len() - 1
        });
        groups[g].seeds.extend(seed);
        for (m, &i) in metric_at.iter().enumerate() {
            match number(cell(i)?) {
                Ok(Some(v)) => groups[g].values[m].push(v),
                Ok(None) => {}
                Err(()) => numeric[i] = false,
            }
        }
    }
    let kept: Vec<usize> = (0..metric_at.len()).filter(|&m| numeric[metric_at[m]]).collect();
    let (metric_cols, kept_ref) = (&metric_at, &kept);
    let rows = groups
        .iter()
        .flat_map(|g| {
            kept_ref.iter().map(move |&m| SummaryRow {
                key: g.key.clone(),
                metric: header[metric_cols[m]].clone(),
                stats: describe(&g.values[m]),
                seeds: seeds_text(&g.seeds),
            })
        })
        .collect();
    Ok(Summary {
        axis_columns: axis_at
            .iter()
            .filter_map(|&i| match roles[i] {
                Role::Axis(ref a) => Some((header[i].clone(), a.clone())),
                _ => None,
            })
            .collect(),
        metrics: kept.iter().map(|&m| header[metric_at[m]].clone()).collect(),
        rows,
    })
}

/// A statistic as written: 6 decimal places (no `-0.000000`), or an empty cell.
pub fn cell(v: Option<f64>) -> String {
    v.map_or_else(String::new, |v| format!("{:.6}", v + 0.0).replace("-0.000000", "0.000000"))
}

/// Reads the sweep table at `csv` and summarises it.
///
/// # Errors
///
/// [`OutputError`] naming the file when it cannot be read.
pub fn summarize_file(csv: &Path) -> Result<Summary, OutputError> {
    let path = csv.to_path_buf();
    let csv_err = |source| OutputError::Csv { path: path.clone(), source };
    let mut reader = csv::Reader::from_path(csv).map_err(csv_err)?;
    let header: Vec<String> = reader.headers().map_err(csv_err)?.iter().map(str::to_string).collect();
    let records = reader
        .records()
        .map(|r| r.map(|r| r.iter().map(str::to_string).collect::<Vec<_>>()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(csv_err)?;
    summarize(&header, records).map_err(|message| OutputError::Io {
        path: csv.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, message),
    })
}

/// Writes `summary` as `summary.csv` into `folder` (the staging folder of a whole sweep or a
/// merge) and returns its path.
///
/// # Errors
///
/// [`OutputError`] naming the file when a write fails.
pub fn write_summary(summary: &Summary, folder: &Path) -> Result<PathBuf, OutputError> {
    let path = folder.join(SUMMARY);
    let io = |source| OutputError::Io { path: path.clone(), source };
    let file = File::create(&path).map_err(io)?;
    let mut csv = csv::Writer::from_writer(BufWriter::new(file));
    let csv_err = |source| OutputError::Csv { path: path.clone(), source };
    let header = summary.axis_columns.iter().map(|(c, _)| c.as_str()).chain(STAT_COLUMNS);
    csv.write_record(header).map_err(csv_err)?;
    for row in &summary.rows {
        let s = row.stats;
        let stats = [
            row.metric.clone(),
            s.n.to_string(),
            cell(s.mean),
            cell(s.sd),
            cell(s.ci95.map(|c| c.0)),
            cell(s.ci95.map(|c| c.1)),
            row.seeds.clone(),
        ];
        csv.write_record(row.key.iter().cloned().chain(stats)).map_err(csv_err)?;
    }
    let file = csv.into_inner().map_err(|e| io(e.into_error()))?;
    let file = file.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)?;
    Ok(path)
}

/// Summarises `folder/sweep.csv` into `folder/summary.csv`.
///
/// # Errors
///
/// As [`summarize_file`] and [`write_summary`].
pub fn summarize_folder(folder: &Path) -> Result<Summary, OutputError> {
    let summary = summarize_file(&folder.join(super::table::csv_name(super::Shard::WHOLE)))?;
    write_summary(&summary, folder)?;
    Ok(summary)
}

/// `--chart METRIC --by AXIS`: a metric of `sweep.csv` against one of the grid's axes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartRequest {
    /// The metric's column.
    pub metric: String,
    /// The axis (its grid name, e.g. `rate`, or an audience axis's column, `audience.price`).
    pub axis: String,
    /// `--by` as written (`price` for `audience.price`), for errors.
    pub by: String,
}

/// The metric columns of a single-channel grid's `sweep.csv`, in order.
pub fn metric_columns() -> Vec<&'static str> {
    super::COLUMNS.iter().copied().filter(|c| role(c) == Role::Metric).collect()
}

/// The metric columns of an audience grid's `sweep.csv` (its totals), in order.
pub fn audience_metric_columns() -> Vec<&'static str> {
    super::audience::TOTAL_COLUMNS.to_vec()
}

/// The axes a chart may be drawn against: the grid's, but the seed, then an audience grid's by
/// their columns (`audience.price`; `--by price` names it too).
pub fn chart_axes() -> Vec<String> {
    let single = AXES.iter().filter(|a| **a != REPLICATE_AXIS).map(|a| a.to_string());
    single.chain(super::grid::axes::keys().into_iter().map(|k| format!("{AUDIENCE_PREFIX}{k}"))).collect()
}

fn chart_error(flag: &str, value: &str, problem: String) -> super::SweepError {
    super::SweepError::Chart { flag: flag.to_string(), value: value.to_string(), problem }
}

impl ChartRequest {
    /// Checks `metric` (a metric column of `sweep.csv`) and `by` (a grid axis other than the seed,
    /// by its grid name or its column's) before anything is run.
    ///
    /// # Errors
    ///
    /// [`super::SweepError::Chart`] naming the flag and value, with the names it accepts.
    pub fn new(metric: &str, by: &str) -> Result<ChartRequest, super::SweepError> {
        if !metric_columns().contains(&metric) && !audience_metric_columns().contains(&metric) {
            let problem = format!(
                "not a metric of sweep.csv; one of: {} (a single channel's), {} (an audience's)",
                metric_columns().join(", "),
                audience_metric_columns().join(", ")
            );
            return Err(chart_error("--chart", metric, problem));
        }
        let audience_by = format!("{AUDIENCE_PREFIX}{by}");
        let axis = chart_axes().into_iter().find(|a| *a == by || axis_of(by) == Some(a) || *a == audience_by);
        let axis = axis.ok_or_else(|| {
            let why = if axis_of(by) == Some(REPLICATE_AXIS) {
                "the seed is the replicate axis: each point is the mean over the seeds".to_string()
            } else {
                "not an axis of the grid".to_string()
            };
            chart_error("--by", by, format!("{why}; one of: {}", chart_axes().join(", ")))
        })?;
        Ok(ChartRequest { metric: metric.to_string(), axis, by: by.to_string() })
    }

    /// Checks the request against the header of the grid's `sweep.csv` before anything runs: a
    /// single channel's metric over an audience grid (or the other way), or an audience axis the
    /// grid does not vary, is refused naming what this grid has.
    ///
    /// # Errors
    ///
    /// [`super::SweepError::Chart`] naming the flag and value, with this grid's names.
    pub fn fits(&self, header: &[String]) -> Result<(), super::SweepError> {
        let metrics: Vec<&str> = header.iter().filter(|c| role(c) == Role::Metric).map(String::as_str).collect();
        if !metrics.contains(&self.metric.as_str()) {
            let problem = format!("not a metric of this grid's sweep.csv; one of: {}", metrics.join(", "));
            return Err(chart_error("--chart", &self.metric, problem));
        }
        let axes: Vec<String> =
            header.iter().filter_map(|c| if let Role::Axis(a) = role(c) { Some(a) } else { None }).collect();
        if !axes.contains(&self.axis) {
            let problem = format!("not an axis of this grid; one of: {}", axes.join(", "));
            return Err(chart_error("--by", &self.by, problem));
        }
        Ok(())
    }

    /// The chart's file name without extension: `METRIC-by-AXIS`.
    pub fn stem(&self) -> String {
        format!("{}-by-{}", self.metric, self.axis.strip_prefix(AUDIENCE_PREFIX).unwrap_or(&self.axis))
    }
}

/// Values in order of first appearance, each once.
fn distinct<'a>(values: impl Iterator<Item = &'a [String]>) -> Vec<Vec<String>> {
    let mut seen = std::collections::BTreeSet::new();
    values.filter(|v| seen.insert(v.to_vec())).map(<[String]>::to_vec).collect()
}

/// The caption: how many replicates a point is the mean of, and whether any varied.
fn caption(grid: &str, rows: &[&SummaryRow]) -> String {
    let ns: Vec<u64> = rows.iter().map(|r| r.stats.n).collect();
    let (lo, hi) = (ns.iter().min().copied().unwrap_or(0), ns.iter().max().copied().unwrap_or(0));
    let n = if lo == hi { format!("n = {lo}") } else { format!("n = {lo} to {hi}") };
    let still = rows.iter().all(|r| r.stats.sd.is_none_or(|sd| sd == 0.0));
    let bars = if still && hi > 1 {
        "every sd is 0 (no seed changed the outcome)"
    } else {
        "bars: 95% interval (Student's t)"
    };
    format!("{grid}: mean over {n} seeds a point; {bars}")
}

/// The chart of `request` drawn from `summary`.
///
/// # Errors
///
/// [`super::SweepError::Chart`] when the metric has no numeric cell in this sweep.
pub fn chart_input(summary: &Summary, request: &ChartRequest, grid: &str) -> Result<ErrorBarInput, super::SweepError> {
    let rows: Vec<&SummaryRow> = summary.rows.iter().filter(|r| r.metric == request.metric).collect();
    if !summary.metrics.contains(&request.metric) {
        let problem = format!("this sweep's {} cells are not numbers", request.metric);
        return Err(chart_error("--chart", &request.metric, problem));
    }
    let j = summary.axis_columns.iter().position(|(_, a)| *a == request.axis);
    let j = j.ok_or_else(|| chart_error("--by", &request.axis, "sweep.csv has no column for it".into()))?;
    let at = |key: &[String]| (key[j].clone(), [&key[..j], &key[j + 1..]].concat());
    // The other axes that take more than one value name the lines.
    let varied: Vec<usize> = (0..summary.axis_columns.len())
        .filter(|&i| i != j && distinct(rows.iter().map(|r| &r.key[i..=i])).len() > 1)
        .collect();
    let line_key = |key: &[String]| varied.iter().map(|&i| key[i].clone()).collect::<Vec<_>>();
    let categories: Vec<String> = distinct(rows.iter().map(|r| &r.key[j..=j])).into_iter().flatten().collect();
    let lines = distinct(rows.iter().map(|r| line_key(&r.key)).collect::<Vec<_>>().iter().map(Vec::as_slice));
    let series = lines
        .iter()
        .map(|line| ErrorBarSeries {
            label: if line.is_empty() { request.metric.clone() } else { line.join(", ") },
            points: categories
                .iter()
                .map(|c| {
                    let row = rows.iter().find(|r| at(&r.key).0 == *c && line_key(&r.key) == *line)?;
                    Some(ErrorBar { mean: row.stats.mean?, ci95: row.stats.ci95 })
                })
                .collect(),
        })
        .collect();
    let names: Vec<&str> = varied.iter().map(|&i| summary.axis_columns[i].1.as_str()).collect();
    Ok(ErrorBarInput {
        title: format!("{} by {}", request.metric, request.axis),
        caption: caption(grid, &rows),
        x_name: summary.axis_columns[j].0.clone(),
        y_name: format!("{} (mean over seeds)", request.metric),
        legend_title: names.join(", "),
        categories,
        series,
    })
}

/// Draws `request`'s chart from `summary` into `folder` as `METRIC-by-AXIS.png` and `.svg`.
///
/// # Errors
///
/// As [`chart_input`], and [`OutputError::Chart`] when drawing or writing fails.
pub fn write_chart(
    summary: &Summary,
    request: &ChartRequest,
    grid: &str,
    folder: &Path,
) -> Result<PathBuf, super::SweepError> {
    let input = chart_input(summary, request, grid)?;
    let png = folder.join(format!("{}.png", request.stem()));
    write_errorbar_chart(&input, &png, &folder.join(format!("{}.svg", request.stem()))).map_err(OutputError::from)?;
    Ok(png)
}
