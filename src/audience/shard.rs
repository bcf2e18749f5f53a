//! An audience split across machines: each shard runs the viewers whose index % N == K and
//! writes a part folder; `paychan merge` checks the parts belong together and joins them into
//! exactly the folder the unsharded run writes.
//!
//! Viewer k is drawn from its own named streams (`audience/viewer/k/…`) and its arrival from the
//! arrivals' walk, which every shard takes whole (arithmetic only), so a viewer's channel is the
//! same in any shard. A part keeps what the aggregates of `timeline.csv`, `summary.json` and the
//! charts need beyond a row of `channels.csv` — each viewer's revenue by minute and its two fees,
//! in `revenue.csv` — so the merge replays every viewer, in index order, through the same
//! [`super::outputs::AudienceWriter`] the unsharded run writes with: the same code, the same bytes.
//! A part also holds a copy of the scenario file (the merge loads it) and a sidecar,
//! `audience-part.json`, naming the scenario by SHA-256, the audience's size, K and N, the
//! options that change the files, and the SHA-256 of every file in the part.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use bitcoin::hashes::{sha256, Hash};
use serde::{Deserialize, Serialize};

use super::outputs::{AudienceWriter, ChannelRow, Totals, CHANNEL_COLUMNS};
use super::{AudienceError, ViewerResult};
use crate::output::{io_err, OutputError, MARKER};
use crate::scenario::shard::Shard;
use crate::scenario::{line_col, Scenario, ScenarioError};

/// The sidecar of a part folder.
pub const SIDECAR: &str = "audience-part.json";
/// The sidecar's format.
pub const FORMAT: &str = "paychan-audience-part/1";
/// The copy of the scenario file in a part folder.
pub const SCENARIO_COPY: &str = "scenario.toml";
/// Each viewer's revenue by minute and fees, in a part folder.
pub const REVENUE: &str = "revenue.csv";
/// The columns of `revenue.csv`; the last holds one number a minute, separated by spaces.
pub const REVENUE_COLUMNS: [&str; 4] = ["viewer", "funding_fee_sat", "settlement_fee_sat", "revenue_by_minute_sat"];

/// The part folder of `shard` of the audience named `name`: `<name>.part-K-of-N`.
pub fn part_folder(name: &str, shard: Shard) -> String {
    format!("{name}.part-{}-of-{}", shard.k, shard.n)
}

/// The sidecar of a part: what it belongs to and what it holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartInfo {
    /// [`FORMAT`].
    pub format: String,
    /// The scenario file's name, as given to `paychan run`.
    pub scenario: String,
    /// The SHA-256 of the scenario file (the part's `scenario.toml`).
    pub scenario_sha256: String,
    /// The scenario's name.
    pub name: String,
    /// Viewers in the whole audience.
    pub viewers: u64,
    /// This part's K.
    pub shard: u64,
    /// N.
    pub shards: u64,
    /// Rows in this part: its viewers.
    pub rows: u64,
    /// Commitments signed by its viewers' channels.
    pub commitments: u64,
    /// Its viewers whose logs it holds under `viewers/`.
    pub logged: u64,
    /// `--commitments` as the run resolved it (`none`, `all` or indices).
    pub selection: String,
    /// Whether the logs hold each commitment's hex (no `--no-tx-hex`).
    pub tx_hex: bool,
    /// The SHA-256 of every file of the part but the sidecar, by path inside the part.
    pub files: BTreeMap<String, String>,
}

/// What a shard of an audience run did.
#[derive(Debug, Clone)]
pub struct PartOutcome {
    /// The part folder.
    pub dir: PathBuf,
    /// Its sidecar, as written.
    pub info: PartInfo,
}

type CsvOut = csv::Writer<BufWriter<File>>;

fn csv_out(path: &Path, header: &[&str]) -> Result<CsvOut, OutputError> {
    let file = File::create(path).map_err(io_err(path))?;
    let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(BufWriter::new(file));
    w.write_record(header).map_err(|source| OutputError::Csv { path: path.to_path_buf(), source })?;
    Ok(w)
}

fn close(w: CsvOut, path: &Path) -> Result<(), OutputError> {
    let file = w.into_inner().map_err(|e| io_err(path)(e.into_error()))?;
    let file = file.into_inner().map_err(|e| io_err(path)(e.into_error()))?;
    file.sync_all().map_err(io_err(path))
}

/// The files of a part being written, viewer by viewer.
pub struct PartWriter {
    dir: PathBuf,
    channels: CsvOut,
    revenue: CsvOut,
    rows: u64,
    commitments: u64,
    logged: u64,
}

impl PartWriter {
    /// Starts `channels.csv` and `revenue.csv` in `dir` and copies the scenario file's `bytes`.
    ///
    /// # Errors
    ///
    /// [`OutputError`] when a file cannot be created.
    pub fn create(dir: &Path, scenario_bytes: &[u8]) -> Result<PartWriter, OutputError> {
        let copy = dir.join(SCENARIO_COPY);
        fs::write(&copy, scenario_bytes).map_err(io_err(&copy))?;
        Ok(PartWriter {
            dir: dir.to_path_buf(),
            channels: csv_out(&dir.join("channels.csv"), &CHANNEL_COLUMNS)?,
            revenue: csv_out(&dir.join(REVENUE), &REVENUE_COLUMNS)?,
            rows: 0,
            commitments: 0,
            logged: 0,
        })
    }

    /// Appends the shard's next viewer; `logged` when its log was written.
    ///
    /// # Errors
    ///
    /// [`OutputError::Csv`] when a row cannot be written.
    pub fn append(&mut self, r: &ViewerResult, logged: bool) -> Result<(), OutputError> {
        let err = |name: &str| {
            let path = self.dir.join(name);
            move |source| OutputError::Csv { path, source }
        };
        self.channels.serialize(&r.row).map_err(err("channels.csv"))?;
        let minutes: Vec<String> = r.revenue_by_minute.iter().map(u64::to_string).collect();
        self.revenue
            .write_record([
                r.row.viewer.to_string(),
                r.funding_fee_sat.to_string(),
                r.settlement_fee_sat.to_string(),
                minutes.join(" "),
            ])
            .map_err(err(REVENUE))?;
        self.rows += 1;
        self.commitments += r.row.commitments;
        self.logged += u64::from(logged);
        Ok(())
    }

    /// Closes the tables and writes the sidecar: `info` with the counts and every file's hash.
    ///
    /// # Errors
    ///
    /// [`OutputError`] when a file cannot be written or read back.
    pub fn finish(self, info: PartInfo) -> Result<PartInfo, OutputError> {
        close(self.channels, &self.dir.join("channels.csv"))?;
        close(self.revenue, &self.dir.join(REVENUE))?;
        let files = hash_files(&self.dir)?;
        let info = PartInfo { rows: self.rows, commitments: self.commitments, logged: self.logged, files, ..info };
        let mut json = serde_json::to_string_pretty(&info).expect("a sidecar serializes");
        json.push('\n');
        let path = self.dir.join(SIDECAR);
        fs::write(&path, json).map_err(io_err(&path))?;
        Ok(info)
    }
}

/// The files under `dir`, by `/`-separated path inside it, in order: every file but the sidecar
/// and the output marker.
fn files_under(dir: &Path) -> Result<Vec<(String, PathBuf)>, OutputError> {
    let mut out = Vec::new();
    let mut stack = vec![(String::new(), dir.to_path_buf())];
    while let Some((prefix, folder)) = stack.pop() {
        for entry in fs::read_dir(&folder).map_err(io_err(&folder))? {
            let path = entry.map_err(io_err(&folder))?.path();
            let name = format!("{prefix}{}", path.file_name().unwrap_or_default().to_string_lossy());
            if path.is_dir() {
                stack.push((format!("{name}/"), path));
            } else if name != SIDECAR && name != MARKER {
                out.push((name, path));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The SHA-256 of every file under `dir` but the sidecar and the marker.
fn hash_files(dir: &Path) -> Result<BTreeMap<String, String>, OutputError> {
    files_under(dir)?
        .into_iter()
        .map(|(name, path)| {
            let bytes = fs::read(&path).map_err(io_err(&path))?;
            Ok((name, sha256::Hash::hash(&bytes).to_string()))
        })
        .collect()
}

/// Whether `input` (given to `paychan merge`) is an audience part, or a folder holding them.
pub fn is_part_input(input: &Path) -> bool {
    input.join(SIDECAR).is_file()
        || input.file_name().is_some_and(|n| n == SIDECAR)
        || fs::read_dir(input).is_ok_and(|d| d.filter_map(Result::ok).any(|e| e.path().join(SIDECAR).is_file()))
}

fn problem(file: &Path, text: &str, field: Option<&str>, value: Option<String>, problem: String) -> AudienceError {
    // Point at the field's line in the sidecar when it is there.
    let at = field.and_then(|f| text.find(&format!("\"{f}\""))).unwrap_or(0);
    let (line, column) = line_col(text, at);
    ScenarioError { file: file.to_path_buf(), line, column, field: field.map(str::to_string), value, problem }.into()
}

/// The part folders `inputs` name: a part folder as given (or its sidecar), and a folder holding
/// parts expanded to them, in name order.
fn part_dirs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, AudienceError> {
    let mut dirs = Vec::new();
    for input in inputs {
        if input.join(SIDECAR).is_file() {
            dirs.push(input.clone());
        } else if input.file_name().is_some_and(|n| n == SIDECAR) && input.is_file() {
            dirs.push(input.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf));
        } else if input.is_dir() {
            let mut found: Vec<PathBuf> = fs::read_dir(input)
                .map_err(|e| problem(input, "", None, None, format!("cannot read the folder: {e}")))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.join(SIDECAR).is_file())
                .collect();
            if found.is_empty() {
                let hint = "the folder holds no audience part (<name>.part-K-of-N/ with audience-part.json)";
                return Err(problem(input, "", None, None, hint.into()));
            }
            found.sort();
            dirs.extend(found);
        } else {
            let hint = "not an audience part: give the <name>.part-K-of-N/ folders paychan run --shard wrote";
            return Err(problem(input, "", None, None, hint.into()));
        }
    }
    Ok(dirs)
}

/// One part as read and checked.
struct Part {
    dir: PathBuf,
    sidecar: PathBuf,
    text: String,
    info: PartInfo,
}

/// Reads the part folder `dir`: its sidecar, and every file checked against its hash, none
/// missing and none added.
fn read_part(dir: &Path) -> Result<Part, AudienceError> {
    let sidecar = dir.join(SIDECAR);
    let text = fs::read_to_string(&sidecar)
        .map_err(|e| problem(&sidecar, "", None, None, format!("cannot read the part's sidecar: {e}")))?;
    let info: PartInfo = serde_json::from_str(&text).map_err(|e| ScenarioError {
        file: sidecar.clone(),
        line: e.line().max(1),
        column: e.column().max(1),
        field: None,
        value: None,
        problem: format!("not a paychan audience part's sidecar: {e}"),
    })?;
    let field = |f: &str, v: String, p: String| problem(&sidecar, &text, Some(f), Some(v), p);
    if info.format != FORMAT {
        return Err(field("format", format!("\"{}\"", info.format), format!("expected \"{FORMAT}\"")));
    }
    if info.shards == 0 || info.shard >= info.shards {
        return Err(field("shard", info.shard.to_string(), format!("not a shard of {} shards", info.shards)));
    }
    let expected = Shard { k: info.shard, n: info.shards }.count(info.viewers);
    if info.rows != expected {
        let p = format!("shard {} of {} has {expected} of the {} viewers", info.shard, info.shards, info.viewers);
        return Err(field("rows", info.rows.to_string(), p));
    }
    let found = hash_files(dir)?;
    for (name, hash) in &info.files {
        match found.get(name) {
            Some(h) if h == hash => {}
            Some(h) => {
                let p = format!("{name} has SHA-256 {h}: the part was changed since it was written; rerun its shard");
                return Err(field("files", format!("\"{hash}\""), p));
            }
            None => {
                return Err(field("files", format!("\"{name}\""), "the part lacks this file; rerun its shard".into()))
            }
        }
    }
    if let Some(extra) = found.keys().find(|n| !info.files.contains_key(*n)) {
        let p = format!("{} holds {extra}, which the sidecar does not list; rerun its shard", dir.display());
        return Err(field("files", format!("\"{extra}\""), p));
    }
    Ok(Part { dir: dir.to_path_buf(), sidecar, text, info })
}

/// Parts that belong together: one audience run, every shard exactly once, each unchanged.
pub struct Parts {
    parts: Vec<Part>,
    scenario: Scenario,
}

/// A merged audience: its totals and what was joined.
#[derive(Debug, Clone)]
pub struct MergedAudience {
    /// The scenario file the parts were run from, as named in their sidecars.
    pub scenario: String,
    /// The audience's size.
    pub viewers: u64,
    /// Parts joined.
    pub parts: usize,
    /// The totals over every channel.
    pub totals: Totals,
}

impl Parts {
    /// Reads and checks the parts `inputs` names (part folders, or folders holding them) before
    /// anything is written.
    ///
    /// # Errors
    ///
    /// [`AudienceError::Part`] naming the sidecar or file, field and value: not a part, a file
    /// changed, missing or added, parts of another scenario file, audience size, N or options, a
    /// shard missing or given twice.
    pub fn read(inputs: &[PathBuf]) -> Result<Parts, AudienceError> {
        let mut parts = part_dirs(inputs)?.iter().map(|d| read_part(d)).collect::<Result<Vec<_>, _>>()?;
        let first = parts.first().expect("clap requires at least one part");
        same_run(first, &parts[1..])?;
        every_shard_once(&parts)?;
        parts.sort_by_key(|p| p.info.shard);
        let first = &parts[0];
        let copy = first.dir.join(SCENARIO_COPY);
        let bytes = fs::read(&copy).map_err(io_err(&copy))?;
        if sha256::Hash::hash(&bytes).to_string() != first.info.scenario_sha256 {
            let (s, t) = (&first.sidecar, &first.text);
            let p = format!("{} is not the scenario file the part was run from", copy.display());
            return Err(problem(s, t, Some("scenario_sha256"), Some(first.info.scenario_sha256.clone()), p));
        }
        let scenario = Scenario::from_bytes(&copy, &bytes)?;
        if scenario.audience.is_none() || scenario.name != first.info.name {
            let p = "the part's scenario.toml is not the audience the part was run from".to_string();
            return Err(problem(&first.sidecar, &first.text, Some("name"), Some(first.info.name.clone()), p));
        }
        Ok(Parts { parts, scenario })
    }

    /// The part folders, in shard order.
    pub fn dirs(&self) -> impl Iterator<Item = &Path> {
        self.parts.iter().map(|p| p.dir.as_path())
    }

    /// Writes the merged run into `dir` (a staging folder): every viewer's row, in index order,
    /// through the writer the unsharded run uses, and the viewers' logs copied.
    ///
    /// # Errors
    ///
    /// [`AudienceError`] when a part's table is not what its sidecar says or a write fails.
    pub fn write(&self, dir: &Path) -> Result<MergedAudience, AudienceError> {
        let audience = self.scenario.audience.as_deref().expect("checked in Parts::read");
        let info = &self.parts[0].info;
        let mut sink = AudienceWriter::create(dir, &self.scenario)?;
        let mut readers = self.parts.iter().map(PartReader::open).collect::<Result<Vec<_>, _>>()?;
        let n = info.shards;
        for k in 0..info.viewers {
            let r = readers[usize::try_from(k % n).expect("below n")].next(k)?;
            sink.append(&r)?;
        }
        for p in &self.parts {
            copy_logs(&p.dir, dir)?;
        }
        let logged = self.parts.iter().map(|p| p.info.logged).sum();
        let totals = sink.finish(&self.scenario, audience, logged)?;
        Ok(MergedAudience { scenario: info.scenario.clone(), viewers: info.viewers, parts: self.parts.len(), totals })
    }
}

/// Every part comes from the same scenario file, audience, split and options as `first`.
fn same_run(first: &Part, others: &[Part]) -> Result<(), AudienceError> {
    let quoted = |s: &str| format!("\"{s}\"");
    let facts = |i: &PartInfo| {
        [
            ("scenario_sha256", quoted(&i.scenario_sha256)),
            ("viewers", i.viewers.to_string()),
            ("shards", i.shards.to_string()),
            ("selection", quoted(&i.selection)),
            ("tx_hex", i.tx_hex.to_string()),
        ]
    };
    for p in others {
        for ((field, mine), (_, theirs)) in facts(&p.info).into_iter().zip(facts(&first.info)) {
            if mine != theirs {
                let what = match field {
                    "scenario_sha256" => "these parts come from different scenario files",
                    "shards" => "these parts come from different splits of the audience",
                    _ => "these parts come from different runs of the audience",
                };
                let p2 = format!("{} has {theirs}: {what}", first.sidecar.display());
                return Err(problem(&p.sidecar, &p.text, Some(field), Some(mine), p2));
            }
        }
    }
    Ok(())
}

/// Each of the N shards exactly once.
fn every_shard_once(parts: &[Part]) -> Result<(), AudienceError> {
    let n = parts[0].info.shards;
    let mut by_k: BTreeMap<u64, &Part> = BTreeMap::new();
    for p in parts {
        if let Some(other) = by_k.insert(p.info.shard, p) {
            let k = p.info.shard;
            let msg =
                format!("shard {k} of {n} is given twice: here and in {}; give each shard once", other.dir.display());
            return Err(problem(&p.sidecar, &p.text, Some("shard"), Some(k.to_string()), msg));
        }
    }
    let missing: Vec<String> = (0..n).filter(|k| !by_k.contains_key(k)).take(10).map(|k| k.to_string()).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let (what, verb, them) = if missing.len() == 1 { ("shard", "is", "it") } else { ("shards", "are", "them") };
    let msg = format!(
        "the audience is split into {n} shards but {what} {} {verb} missing; run {them} and merge again",
        missing.join(", ")
    );
    Err(problem(&parts[0].sidecar, &parts[0].text, Some("shards"), Some(n.to_string()), msg))
}

/// A part's two tables read side by side, row by row.
struct PartReader {
    channels_path: PathBuf,
    revenue_path: PathBuf,
    channels: csv::DeserializeRecordsIntoIter<File, ChannelRow>,
    revenue: csv::StringRecordsIntoIter<File>,
}

impl PartReader {
    fn open(p: &Part) -> Result<PartReader, AudienceError> {
        let (channels_path, revenue_path) = (p.dir.join("channels.csv"), p.dir.join(REVENUE));
        let open = |path: &Path, header: &[&str]| -> Result<csv::Reader<File>, AudienceError> {
            let bad = |e: csv::Error| problem(path, "", None, None, format!("cannot read the part's table: {e}"));
            let mut r = csv::Reader::from_path(path).map_err(bad)?;
            let got: Vec<String> = r.headers().map_err(bad)?.iter().map(str::to_string).collect();
            if got != header {
                return Err(problem(path, "", None, None, format!("the header is not {}", header.join(","))));
            }
            Ok(r)
        };
        let channels = open(&channels_path, &CHANNEL_COLUMNS)?.into_deserialize();
        let revenue = open(&revenue_path, &REVENUE_COLUMNS)?.into_records();
        Ok(PartReader { channels_path, revenue_path, channels, revenue })
    }

    /// Viewer `k`'s result, which must be the next row of both tables.
    fn next(&mut self, k: u64) -> Result<ViewerResult, AudienceError> {
        let row_err = |path: &Path, e: String| problem(path, "", Some("viewer"), Some(k.to_string()), e);
        let row = match self.channels.next() {
            Some(Ok(row)) if row.viewer == k => row,
            Some(Ok(row)) => {
                return Err(row_err(&self.channels_path, format!("the next row is viewer {}", row.viewer)))
            }
            Some(Err(e)) => return Err(row_err(&self.channels_path, e.to_string())),
            None => return Err(row_err(&self.channels_path, "the part ends before this viewer".into())),
        };
        let rec = match self.revenue.next() {
            Some(Ok(rec)) => rec,
            Some(Err(e)) => return Err(row_err(&self.revenue_path, e.to_string())),
            None => return Err(row_err(&self.revenue_path, "the part ends before this viewer".into())),
        };
        let number =
            |s: &str| s.parse::<u64>().map_err(|_| row_err(&self.revenue_path, format!("\"{s}\" is not a number")));
        if number(&rec[0])? != k {
            return Err(row_err(&self.revenue_path, format!("the next row is viewer {}", &rec[0])));
        }
        let revenue_by_minute = rec[3].split_whitespace().map(number).collect::<Result<Vec<u64>, _>>()?;
        Ok(ViewerResult {
            row,
            revenue_by_minute,
            funding_fee_sat: number(&rec[1])?,
            settlement_fee_sat: number(&rec[2])?,
        })
    }
}

/// Copies the part `part`'s `viewers/` folder, if any, into `dir`.
fn copy_logs(part: &Path, dir: &Path) -> Result<(), OutputError> {
    for (name, path) in files_under(part)? {
        if name.starts_with("viewers/") {
            let to = dir.join(&name);
            if let Some(parent) = to.parent() {
                fs::create_dir_all(parent).map_err(io_err(parent))?;
            }
            fs::copy(&path, &to).map_err(io_err(&path))?;
        }
    }
    Ok(())
}

/// One line on what a shard did, for stdout.
pub fn describe(part: &PartOutcome) -> String {
    let i = &part.info;
    format!(
        "paychan run: {} shard {}/{}: {} of {} viewers, {} commitments signed by both parties -> {}",
        i.name,
        i.shard,
        i.shards,
        i.rows,
        i.viewers,
        i.commitments,
        part.dir.display()
    )
}
