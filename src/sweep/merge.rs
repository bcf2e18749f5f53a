//! `paychan merge`: the parts of a sharded sweep joined into the file the unsharded run writes.
//!
//! Parts are only joined when they provably belong together: every sidecar names the same grid
//! and base (by SHA-256), the same number of points and of shards, every shard K appears exactly
//! once, each CSV still has the hash its sidecar recorded, and each holds exactly the points of
//! its shard. Anything else is refused before a byte is written, naming the file and the field.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::shard::Shard;
use super::table::{self, PartInfo, SweepRow, TableWriter};
use super::SweepError;
use crate::scenario::{line_col, ScenarioError};

/// A merged sweep: where it went and what it holds.
#[derive(Debug, Clone)]
pub struct Merged {
    /// The CSV written.
    pub csv: PathBuf,
    /// Its sidecar, as written.
    pub info: PartInfo,
    /// How many parts were joined.
    pub parts: usize,
}

fn problem(file: &Path, text: &str, field: Option<&str>, value: Option<String>, problem: String) -> ScenarioError {
    // Point at the field's line in the sidecar when it is there.
    let at = field.and_then(|f| text.find(&format!("\"{f}\""))).unwrap_or(0);
    let (line, column) = line_col(text, at);
    ScenarioError { file: file.to_path_buf(), line, column, field: field.map(str::to_string), value, problem }
}

/// The part CSVs named by `inputs`: files as given, folders expanded to the
/// `sweep.part-*-of-*.csv` files they hold, directly or in the `sweep.part-K-of-N/` folders a
/// shard writes, in file name order.
fn part_files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, SweepError> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut found: Vec<PathBuf> = fs::read_dir(input)
                .map_err(|e| problem(input, "", None, None, format!("cannot read the folder: {e}")))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter_map(|p| {
                    let name = p.file_name()?.to_str()?.to_string();
                    if !name.starts_with("sweep.part-") {
                        return None;
                    }
                    if p.is_dir() {
                        Some(p.join(format!("{name}.csv"))).filter(|csv| csv.is_file())
                    } else {
                        Some(p).filter(|_| name.ends_with(".csv"))
                    }
                })
                .collect();
            if found.is_empty() {
                return Err(problem(input, "", None, None, "the folder holds no sweep.part-K-of-N.csv".into()).into());
            }
            found.sort_by(|a, b| a.file_name().cmp(&b.file_name()).then_with(|| a.cmp(b)));
            files.extend(found);
        } else {
            files.push(input.clone());
        }
    }
    Ok(files)
}

struct Part {
    csv: PathBuf,
    json: PathBuf,
    json_text: String,
    info: PartInfo,
}

fn read_part(csv: &Path) -> Result<Part, SweepError> {
    let json = table::sidecar_path(csv);
    let csv_bytes = fs::read(csv).map_err(|e| problem(csv, "", None, None, format!("cannot read the part: {e}")))?;
    let json_text = fs::read_to_string(&json).map_err(|e| {
        problem(
            &json,
            "",
            None,
            None,
            format!("cannot read the part's sidecar (written beside {}): {e}", csv.display()),
        )
    })?;
    let info: PartInfo = serde_json::from_str(&json_text).map_err(|e| ScenarioError {
        file: json.clone(),
        line: e.line().max(1),
        column: e.column().max(1),
        field: None,
        value: None,
        problem: format!("not a paychan sweep sidecar: {e}"),
    })?;
    if info.format != PartInfo::FORMAT {
        return Err(problem(
            &json,
            &json_text,
            Some("format"),
            Some(format!("\"{}\"", info.format)),
            format!("not a sidecar this paychan reads; expected \"{}\"", PartInfo::FORMAT),
        )
        .into());
    }
    let hash = super::grid::sha256_hex(&csv_bytes);
    if hash != info.csv_sha256 {
        return Err(problem(
            &json,
            &json_text,
            Some("csv_sha256"),
            Some(format!("\"{}\"", info.csv_sha256)),
            format!(
                "{} has SHA-256 {hash}: the part was changed or is not the one this sidecar describes; rerun its shard",
                csv.display()
            ),
        )
        .into());
    }
    if info.shards == 0 || info.shard >= info.shards {
        return Err(problem(
            &json,
            &json_text,
            Some("shard"),
            Some(info.shard.to_string()),
            format!("not a shard of {} shards", info.shards),
        )
        .into());
    }
    Ok(Part { csv: csv.to_path_buf(), json, json_text, info })
}

/// Joins the part files `inputs` (part CSVs, or folders holding them) into the folder `out`,
/// which receives `sweep.csv` and `sweep.json` as a whole sweep's `--out` does, swapped into
/// place in one step ([`super::stage`]); `force` replaces a folder that is not a previous
/// paychan output.
///
/// The result is byte for byte the `sweep.csv`, `sweep.json` and `summary.csv` an unsharded run
/// writes, and with `chart` the same chart as `paychan sweep --chart`.
///
/// # Errors
///
/// [`SweepError::Input`] naming the part or sidecar, field and value when the parts do not belong
/// together (another grid or base, another N, a shard missing or given twice, a changed part,
/// rows of another shard); nothing is written then. [`SweepError::OutHoldsParts`] when `out`
/// holds one of the parts, [`SweepError::Output`] when `out` is in the way or writing fails.
pub fn merge(
    inputs: &[PathBuf],
    out: &Path,
    force: bool,
    chart: Option<&super::stats::ChartRequest>,
) -> Result<Merged, SweepError> {
    let files = part_files(inputs)?;
    let parts = files.iter().map(|f| read_part(f)).collect::<Result<Vec<_>, _>>()?;
    let first = parts.first().expect("clap requires at least one part");
    same_grid(first, &parts[1..])?;
    let by_k = every_shard_once(first, &parts)?;
    let n = first.info.shards;
    let points = first.info.points;
    let header = header_of(&first.csv)?;
    if super::audience::is_header(&header) {
        return merge_cells(&parts, &by_k, &header, out, force);
    }
    let mut rows: Vec<std::vec::IntoIter<SweepRow>> = Vec::new();
    for k in 0..n {
        rows.push(shard_rows(by_k[&k], Shard { k, n }, points)?.into_iter());
    }
    out_holds_no_part(out, &parts)?;
    let staging = super::stage(out, Shard::WHOLE, force)?;
    let name = table::csv_name(Shard::WHOLE);
    let mut writer = TableWriter::create(&staging.path().join(&name))?;
    for i in 0..points {
        let row = rows[usize::try_from(i % n).expect("below n")].next().expect("every point was counted");
        writer.append(&row)?;
    }
    let info = writer.finish(PartInfo { shard: 0, shards: 1, ..first.info.clone() })?;
    // From the joined CSV, as the whole sweep computes it: the same bytes.
    let summary = super::stats::summarize_folder(staging.path())?;
    if let Some(chart) = chart {
        super::stats::write_chart(&summary, chart, &info.grid, staging.path())?;
    }
    let csv = staging.commit()?.join(name);
    Ok(Merged { csv, info, parts: parts.len() })
}

/// The header of the part CSV at `csv`.
fn header_of(csv: &Path) -> Result<Vec<String>, SweepError> {
    let mut reader =
        csv::Reader::from_path(csv).map_err(|e| problem(csv, "", None, None, format!("cannot read the part: {e}")))?;
    let header = reader.headers().map_err(|e| problem(csv, "", None, None, format!("cannot read the header: {e}")))?;
    Ok(header.iter().map(str::to_string).collect())
}

/// The merge of an audience grid's parts, whose columns are the grid's own (`header`): each
/// part's rows read as cells, checked to be its shard's points, written back in point order.
fn merge_cells(
    parts: &[Part],
    by_k: &BTreeMap<u64, &Part>,
    header: &[String],
    out: &Path,
    force: bool,
) -> Result<Merged, SweepError> {
    let first = &parts[0];
    let (n, points) = (first.info.shards, first.info.points);
    let mut rows: Vec<std::vec::IntoIter<csv::StringRecord>> = Vec::new();
    for k in 0..n {
        let p = by_k[&k];
        let mut reader = csv::Reader::from_path(&p.csv)
            .map_err(|e| problem(&p.csv, "", None, None, format!("cannot read the part: {e}")))?;
        let records: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().map_err(|e| {
            let line = e.position().map_or(1, |pos| usize::try_from(pos.line()).unwrap_or(1));
            ScenarioError { file: p.csv.clone(), line, column: 1, field: None, value: None, problem: format!("{e}") }
        })?;
        let expected: Vec<String> = Shard { k, n }.indices(points).map(|i| i.to_string()).collect();
        let got: Vec<String> = records.iter().map(|r| r.get(0).unwrap_or_default().to_string()).collect();
        if header_of(&p.csv)? != header || got != expected || records.len() as u64 != p.info.rows {
            return Err(problem(
                &p.csv,
                "",
                Some("point"),
                None,
                format!(
                    "the part holds {} rows of these columns, not the {} points of shard {k} of {n} of a \
                     {points}-point grid; rerun its shard",
                    records.len(),
                    expected.len()
                ),
            )
            .into());
        }
        rows.push(records.into_iter());
    }
    out_holds_no_part(out, parts)?;
    let staging = super::stage(out, Shard::WHOLE, force)?;
    let name = table::csv_name(Shard::WHOLE);
    let mut writer = TableWriter::with_header(&staging.path().join(&name), header)?;
    for i in 0..points {
        let row = rows[usize::try_from(i % n).expect("below n")].next().expect("every point was counted");
        writer.append_cells(&row.iter().collect::<Vec<_>>())?;
    }
    let info = writer.finish(PartInfo { shard: 0, shards: 1, ..first.info.clone() })?;
    let csv = staging.commit()?.join(name);
    Ok(Merged { csv, info, parts: parts.len() })
}

/// The merged folder replaces `out`: refused when a part lives in it.
fn out_holds_no_part(out: &Path, parts: &[Part]) -> Result<(), SweepError> {
    let Ok(out) = fs::canonicalize(out) else { return Ok(()) };
    for p in parts {
        if fs::canonicalize(&p.csv).is_ok_and(|csv| csv.starts_with(&out)) {
            return Err(SweepError::OutHoldsParts { out: out.clone(), part: p.csv.clone() });
        }
    }
    Ok(())
}

/// Every part comes from the same grid, base scenario and split as `first`.
fn same_grid(first: &Part, others: &[Part]) -> Result<(), SweepError> {
    for p in others {
        for (field, mine, theirs) in [
            ("grid_sha256", format!("\"{}\"", p.info.grid_sha256), format!("\"{}\"", first.info.grid_sha256)),
            ("base_sha256", format!("\"{}\"", p.info.base_sha256), format!("\"{}\"", first.info.base_sha256)),
            ("points", p.info.points.to_string(), first.info.points.to_string()),
            ("shards", p.info.shards.to_string(), first.info.shards.to_string()),
        ] {
            if mine != theirs {
                let what = match field {
                    "grid_sha256" => "these parts come from different grids",
                    "base_sha256" => "these parts come from different base scenarios",
                    _ => "these parts come from different splits of the grid",
                };
                return Err(problem(
                    &p.json,
                    &p.json_text,
                    Some(field),
                    Some(mine),
                    format!("{} has {theirs}: {what}", first.json.display()),
                )
                .into());
            }
        }
    }
    Ok(())
}

/// The parts by shard number: each of the `first.info.shards` shards exactly once.
fn every_shard_once<'p>(first: &Part, parts: &'p [Part]) -> Result<BTreeMap<u64, &'p Part>, SweepError> {
    let n = first.info.shards;
    let mut by_k: BTreeMap<u64, &Part> = BTreeMap::new();
    for p in parts {
        if let Some(other) = by_k.insert(p.info.shard, p) {
            return Err(problem(
                &p.json,
                &p.json_text,
                Some("shard"),
                Some(p.info.shard.to_string()),
                format!(
                    "shard {} of {n} is given twice: here and in {}; give each shard once",
                    p.info.shard,
                    other.csv.display()
                ),
            )
            .into());
        }
    }
    let missing: Vec<String> = (0..n).filter(|k| !by_k.contains_key(k)).take(10).map(|k| k.to_string()).collect();
    if !missing.is_empty() {
        let (what, them) = if missing.len() == 1 { ("shard", "it") } else { ("shards", "them") };
        return Err(problem(
            &first.json,
            &first.json_text,
            Some("shards"),
            Some(n.to_string()),
            format!(
                "the grid is split into {n} shards but {what} {} {} missing; run {them} and merge again",
                missing.join(", "),
                if missing.len() == 1 { "is" } else { "are" }
            ),
        )
        .into());
    }

    Ok(by_k)
}

/// Part `p`'s rows, checked to be exactly `shard`'s points of a `points`-point grid, in order.
fn shard_rows(p: &Part, shard: Shard, points: u64) -> Result<Vec<SweepRow>, SweepError> {
    let mut reader = csv::Reader::from_path(&p.csv)
        .map_err(|e| problem(&p.csv, "", None, None, format!("cannot read the part: {e}")))?;
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| problem(&p.csv, "", None, None, format!("cannot read the header: {e}")))?
        .iter()
        .map(str::to_string)
        .collect();
    if header != table::COLUMNS {
        return Err(
            problem(&p.csv, "", None, None, format!("the header is not sweep.csv's: {}", header.join(","))).into()
        );
    }
    let part: Vec<SweepRow> = reader.deserialize().collect::<Result<_, _>>().map_err(|e| {
        let line = e.position().map_or(1, |pos| usize::try_from(pos.line()).unwrap_or(1));
        ScenarioError { file: p.csv.clone(), line, column: 1, field: None, value: None, problem: format!("{e}") }
    })?;
    let expected: Vec<u64> = shard.indices(points).collect();
    let got: Vec<u64> = part.iter().map(|r| r.point).collect();
    if got != expected || part.len() as u64 != p.info.rows {
        return Err(problem(
            &p.csv,
            "",
            Some("point"),
            None,
            format!(
                "the part holds {} rows, not the {} points of shard {shard} of a {points}-point grid; rerun its shard",
                part.len(),
                expected.len()
            ),
        )
        .into());
    }
    Ok(part)
}

/// Joins the part folders of a sharded audience run (`paychan run AUDIENCE --shard K/N`) named by
/// `inputs` (part folders, or folders holding them) into the folder `out`, which receives exactly
/// the files the unsharded run writes into `<out>/<name>/`, swapped into place in one step
/// ([`super::stage`]); `force` replaces a folder that is not a previous paychan output.
///
/// The parts are checked before anything is written ([`crate::audience::shard::Parts::read`]):
/// the same scenario file (by SHA-256), audience size, N and options, every shard exactly once,
/// every file of every part unchanged since it was written.
///
/// # Errors
///
/// [`crate::audience::AudienceError::Part`] naming the sidecar or file, field and value when the
/// parts do not belong together; [`crate::audience::AudienceError::OutHoldsParts`] when `out`
/// holds a part; an output error when `out` is in the way or writing fails. Nothing replaces
/// `out` then.
pub fn merge_audience(
    inputs: &[PathBuf],
    out: &Path,
    force: bool,
) -> Result<(crate::audience::shard::MergedAudience, PathBuf), crate::Error> {
    use crate::audience::AudienceError;
    let parts = crate::audience::shard::Parts::read(inputs)?;
    if let Ok(out) = fs::canonicalize(out) {
        for dir in parts.dirs() {
            if fs::canonicalize(dir).is_ok_and(|d| d.starts_with(&out)) {
                return Err(AudienceError::OutHoldsParts { out: out.clone(), part: dir.to_path_buf() }.into());
            }
        }
    }
    let staging = super::stage(out, Shard::WHOLE, force).map_err(AudienceError::from)?;
    let merged = parts.write(staging.path())?;
    let dir = staging.commit().map_err(AudienceError::from)?;
    Ok((merged, dir))
}
