//! `sweep.csv` and its sidecar: the tidy table of a sweep and the facts that say where it came from.
//!
//! One row per grid point, integers in satoshis, no comment line and no extra column, so pandas and
//! polars load it as is. What a part file belongs to (the grid's and the base's SHA-256, K, N,
//! the number of points, the CSV's own SHA-256) goes into a small JSON file beside it, which
//! `paychan merge` checks. Both files are written into one staging folder that is swapped into
//! place in one step ([`crate::output::Staging`]), so a killed shard leaves either its previous
//! complete pair or none, never a new CSV beside an old sidecar.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use bitcoin::hashes::{sha256, Hash, HashEngine};
use serde::{Deserialize, Serialize};

use super::shard::Shard;
use crate::output::OutputError;

/// One grid point's result: one row of `sweep.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepRow {
    /// The grid point's index, from 0.
    pub point: u64,
    /// The base scenario's name.
    pub scenario: String,
    /// The point's seed.
    pub seed: u64,
    /// The channel design.
    pub design: String,
    /// Price of a second of video on every paying segment (empty when the base's segments
    /// have different rates and the grid does not set one).
    pub rate_sat_per_s: Option<u64>,
    /// The channel's capacity.
    pub capacity_sat: u64,
    /// The fee rate of the funding and of every commitment, in sat/vB, exact (e.g. 0.1).
    pub fee_rate_sat_per_vb: String,
    /// Commitments signed by both parties.
    pub commitments: u64,
    /// Seconds of video paid for.
    pub seconds_paid: u64,
    /// The payee's output in the settlement.
    pub payee_sat: u64,
    /// The payer's output in the settlement.
    pub payer_sat: u64,
    /// The settlement's fee (dust left out included).
    pub fee_sat: u64,
    /// The funding transaction's fee.
    pub funding_fee_sat: u64,
    /// Whether the channel ran out before the schedule's end.
    pub exhausted: bool,
    /// The settlement transaction's txid.
    pub settlement_txid: String,
}

/// The columns of `sweep.csv`, in order.
pub const COLUMNS: [&str; 15] = [
    "point",
    "scenario",
    "seed",
    "design",
    "rate_sat_per_s",
    "capacity_sat",
    "fee_rate_sat_per_vb",
    "commitments",
    "seconds_paid",
    "payee_sat",
    "payer_sat",
    "fee_sat",
    "funding_fee_sat",
    "exhausted",
    "settlement_txid",
];

/// What a sweep table is: the sidecar `*.json` beside each `*.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartInfo {
    /// Always [`PartInfo::FORMAT`].
    pub format: String,
    /// The grid file's name.
    pub grid: String,
    /// SHA-256 of the grid file.
    pub grid_sha256: String,
    /// The base scenario as the grid names it.
    pub base: String,
    /// SHA-256 of the base scenario file.
    pub base_sha256: String,
    /// Points in the whole grid.
    pub points: u64,
    /// This shard's K (0 for a whole sweep).
    pub shard: u64,
    /// The number of shards N (1 for a whole sweep).
    pub shards: u64,
    /// Rows in the CSV.
    pub rows: u64,
    /// The CSV's file name.
    pub csv: String,
    /// SHA-256 of the CSV's bytes.
    pub csv_sha256: String,
}

impl PartInfo {
    /// The format tag of a sidecar.
    pub const FORMAT: &'static str = "paychan-sweep/1";
}

/// The CSV file name of shard `shard`: `sweep.csv` for the whole grid, else
/// `sweep.part-K-of-N.csv`.
pub fn csv_name(shard: Shard) -> String {
    if shard == Shard::WHOLE {
        "sweep.csv".to_string()
    } else {
        format!("sweep.part-{}-of-{}.csv", shard.k, shard.n)
    }
}

/// The folder that holds shard `shard`'s pair inside the sweep's `--out`:
/// `sweep.part-K-of-N`, so the shards of one array share `--out` and each swaps only its own.
pub fn part_folder(shard: Shard) -> String {
    format!("sweep.part-{}-of-{}", shard.k, shard.n)
}

/// The sidecar beside a CSV: the same name with `.json`.
pub fn sidecar_path(csv: &Path) -> PathBuf {
    csv.with_extension("json")
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |source| OutputError::Io { path: path.to_path_buf(), source }
}

/// A writer that hashes what passes through it.
struct Hashing<W> {
    inner: W,
    engine: sha256::HashEngine,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.engine.input(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A sweep table being written: rows in point order go in, a CSV and its sidecar come out.
pub struct TableWriter {
    path: PathBuf,
    csv: csv::Writer<Hashing<BufWriter<File>>>,
    rows: u64,
}

impl TableWriter {
    /// Starts the CSV at `path`, in a staging folder that is swapped into place once both the
    /// CSV and its sidecar are written.
    ///
    /// # Errors
    ///
    /// [`OutputError`] when the file cannot be created.
    pub fn create(path: &Path) -> Result<TableWriter, OutputError> {
        TableWriter::with_header(path, &COLUMNS)
    }

    /// Starts a CSV at `path` with the columns `header` (an audience grid's, whose axes are the
    /// grid's own), in a staging folder as [`TableWriter::create`].
    ///
    /// # Errors
    ///
    /// [`OutputError`] when the file cannot be created.
    pub fn with_header<S: AsRef<[u8]>>(path: &Path, header: &[S]) -> Result<TableWriter, OutputError> {
        let file = File::create(path).map_err(io_err(path))?;
        let hashing = Hashing { inner: BufWriter::new(file), engine: sha256::Hash::engine() };
        let mut csv = csv::WriterBuilder::new().has_headers(false).from_writer(hashing);
        csv.write_record(header).map_err(|source| OutputError::Csv { path: path.to_path_buf(), source })?;
        Ok(TableWriter { path: path.to_path_buf(), csv, rows: 0 })
    }

    /// Appends one row.
    ///
    /// # Errors
    ///
    /// [`OutputError::Csv`] when the write fails.
    pub fn append(&mut self, row: &SweepRow) -> Result<(), OutputError> {
        self.csv.serialize(row).map_err(|source| OutputError::Csv { path: self.path.clone(), source })?;
        self.rows += 1;
        Ok(())
    }

    /// Appends one row given as its cells, in the header's order.
    ///
    /// # Errors
    ///
    /// [`OutputError::Csv`] when the write fails.
    pub fn append_cells<S: AsRef<[u8]>>(&mut self, cells: &[S]) -> Result<(), OutputError> {
        self.csv.write_record(cells).map_err(|source| OutputError::Csv { path: self.path.clone(), source })?;
        self.rows += 1;
        Ok(())
    }

    /// Finishes the CSV and writes its sidecar beside it, `info` completed with the row count
    /// and the CSV's name and hash.
    ///
    /// # Errors
    ///
    /// [`OutputError`] when a write fails.
    pub fn finish(self, mut info: PartInfo) -> Result<PartInfo, OutputError> {
        let path = self.path;
        let hashing = self.csv.into_inner().map_err(|e| io_err(&path)(e.into_error()))?;
        let Hashing { inner, engine } = hashing;
        let file = inner.into_inner().map_err(|e| io_err(&path)(e.into_error()))?;
        file.sync_all().map_err(io_err(&path))?;
        drop(file);
        info.rows = self.rows;
        info.csv = path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        info.csv_sha256 = sha256::Hash::from_engine(engine).to_string();
        let mut json = serde_json::to_string_pretty(&info).expect("a PartInfo serializes");
        json.push('\n');
        let sidecar = sidecar_path(&path);
        let mut file = File::create(&sidecar).map_err(io_err(&sidecar))?;
        file.write_all(json.as_bytes()).and_then(|()| file.sync_all()).map_err(io_err(&sidecar))?;
        Ok(info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_columns_are_the_rows_fields_in_order() {
        let row = SweepRow {
            point: 0,
            scenario: "s".into(),
            seed: 1,
            design: "naive".into(),
            rate_sat_per_s: None,
            capacity_sat: 2,
            fee_rate_sat_per_vb: "0.1".into(),
            commitments: 3,
            seconds_paid: 3,
            payee_sat: 4,
            payer_sat: 5,
            fee_sat: 6,
            funding_fee_sat: 7,
            exhausted: true,
            settlement_txid: "ab".into(),
        };
        let mut w = csv::Writer::from_writer(Vec::new());
        w.serialize(&row).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert_eq!(text, format!("{}\n0,s,1,naive,,2,0.1,3,3,4,5,6,7,true,ab\n", COLUMNS.join(",")));
    }
}
