//! `commitments.csv`: one row per commitment, streamed as the engine produces them, in columns
//! pandas and polars read as they are.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use bitcoin::Amount;
use serde::{Deserialize, Serialize};

use super::plain::{push_u64, Plain};
use super::{io_err, OutputError};
use crate::engine::Tick;
use crate::party::SignedCommitment;

/// The CSV log of commitments, one row per commitment, written as they come.
///
/// The rows are written by hand (`LogRow::push_csv`) rather than through the csv crate: every
/// cell is a number, hex or a fixed word, which CSV never quotes, so the crate's per-byte scan of
/// each field for characters to quote would find nothing. The bytes are the crate's (a test
/// holds them equal, the golden tests pin them).
pub struct CommitmentLog {
    path: PathBuf,
    writer: BufWriter<File>,
    funding: Amount,
    interval_s: u64,
    with_hex: bool,
    /// Reused buffers: the transaction's consensus encoding and the row's text, one allocation
    /// each for the whole run.
    raw: Vec<u8>,
    row: Vec<u8>,
}

/// The `trimmed` column: whose output `split` leaves out as dust ("payer", "payee" or "none").
pub(crate) fn trimmed_name(split: &crate::channel::Split) -> &'static str {
    match (split.payer_trimmed, split.payee_trimmed) {
        (true, _) => "payer",
        (_, true) => "payee",
        _ => "none",
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

impl LogRow<Plain<'_>> {
    /// Appends the row as csv's `Writer::serialize` writes the [`LogRow<&str>`] of the same text
    /// (a test holds them equal): the cells joined by commas, none quoted since none can need
    /// it, and a `\n`. Destructured, so a new column cannot be left out.
    pub(crate) fn push_csv(&self, out: &mut Vec<u8>) {
        let LogRow {
            seq,
            elapsed_s,
            payer_sat,
            payee_sat,
            fee_sat,
            txid,
            tx_hex,
            clock_s,
            segment,
            rate_sat_per_s,
            trimmed_sat,
            trimmed,
            vsize,
        } = *self;
        for n in [seq, elapsed_s, payer_sat, payee_sat, fee_sat] {
            push_u64(n, out);
            out.push(b',');
        }
        for cell in [txid, tx_hex] {
            cell.push(out);
            out.push(b',');
        }
        for n in [clock_s, segment, rate_sat_per_s, trimmed_sat] {
            push_u64(n, out);
            out.push(b',');
        }
        trimmed.push(out);
        out.push(b',');
        push_u64(vsize, out);
        out.push(b'\n');
    }
}

/// The header line of `commitments.csv`, as csv writes [`LOG_COLUMNS`] (no name needs quoting).
fn header() -> Vec<u8> {
    let mut line = LOG_COLUMNS.join(",").into_bytes();
    line.push(b'\n');
    line
}

impl CommitmentLog {
    /// Creates `dir/commitments.csv`; without `with_hex` the `tx_hex` column stays (so the
    /// columns never move) but is left empty.
    ///
    /// # Errors
    ///
    /// [`OutputError::Io`] when the file cannot be created.
    pub fn create(dir: &Path, funding: Amount, interval_s: u64, with_hex: bool) -> Result<CommitmentLog, OutputError> {
        let path = dir.join("commitments.csv");
        let file = File::create(&path).map_err(io_err(&path))?;
        let mut writer = BufWriter::with_capacity(1 << 16, file);
        // The header is written here, not on the first row, so a run without a commitment still
        // gives a CSV that pandas reads (an empty frame with the right columns).
        writer.write_all(&header()).map_err(io_err(&path))?;
        Ok(CommitmentLog {
            path,
            writer,
            funding,
            interval_s,
            with_hex,
            raw: Vec::with_capacity(512),
            row: Vec::with_capacity(1024),
        })
    }

    /// Appends the row of `commitment`, paid for by `tick`.
    ///
    /// # Errors
    ///
    /// [`OutputError::Io`] when the write fails.
    pub fn append(&mut self, tick: &Tick, commitment: &SignedCommitment) -> Result<(), OutputError> {
        let split = &commitment.split;
        debug_assert_eq!(split.payer + split.payee + split.fee, self.funding);
        self.raw.clear();
        if self.with_hex {
            crate::channel::encode(&commitment.tx, &mut self.raw);
        }
        let row = LogRow {
            seq: commitment.seq,
            elapsed_s: tick.elapsed_s,
            payer_sat: split.payer.to_sat(),
            payee_sat: split.payee.to_sat(),
            fee_sat: split.fee.to_sat(),
            txid: Plain::Txid(&commitment.txid),
            tx_hex: Plain::Hex(&self.raw),
            clock_s: tick.clock_s,
            segment: tick.segment as u64 + 1,
            rate_sat_per_s: tick.price.to_sat() / self.interval_s,
            trimmed_sat: split.trimmed.to_sat(),
            trimmed: Plain::Word(trimmed_name(split)),
            vsize: commitment.vsize,
        };
        self.row.clear();
        row.push_csv(&mut self.row);
        self.writer.write_all(&self.row).map_err(io_err(&self.path))
    }

    /// Flushes and closes the file.
    ///
    /// # Errors
    ///
    /// [`OutputError::Io`] when the flush fails.
    pub fn finish(self) -> Result<(), OutputError> {
        let path = self.path;
        let mut writer = self.writer;
        writer.flush().map_err(io_err(&path))?;
        writer.get_ref().sync_all().map_err(io_err(&path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::hashes::{sha256d, Hash as _};

    fn txid(i: u32) -> bitcoin::Txid {
        bitcoin::Txid::from_raw_hash(sha256d::Hash::hash(&i.to_le_bytes()))
    }

    /// A row with numbers made from `n` and the given text cells.
    fn row<S>(n: u64, txid: S, tx_hex: S, word: S) -> LogRow<S> {
        LogRow {
            seq: n,
            elapsed_s: n / 2,
            payer_sat: n,
            payee_sat: 0,
            fee_sat: n % 1000,
            txid,
            tx_hex,
            clock_s: n.saturating_add(1),
            segment: 1,
            rate_sat_per_s: n / 3,
            trimmed_sat: n % 7,
            trimmed: word,
            vsize: n % 500,
        }
    }

    #[test]
    fn rows_written_by_hand_are_the_bytes_csv_writes() {
        let numbers = [0, 1, 9, 10, 99, 100, 12_345, 3_598_831, u64::from(u32::MAX), u64::MAX - 1, u64::MAX];
        let txs: [&[u8]; 4] = [&[], &[0], &[0x00, 0x0f, 0xf0, 0xff, 0x2c, 0x22, 0x0a], &[0xab; 335]];
        let mut by_csv = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
        by_csv.write_record(LOG_COLUMNS).unwrap();
        let mut by_hand = header();
        for (i, n) in numbers.into_iter().enumerate() {
            for (j, tx) in txs.into_iter().enumerate() {
                let (id, word) = (txid((i * 4 + j) as u32), ["none", "payer", "payee"][(i + j) % 3]);
                let (id_text, tx_text) = (id.to_string(), tx.iter().map(|b| format!("{b:02x}")).collect::<String>());
                by_csv.serialize(row(n, id_text.as_str(), tx_text.as_str(), word)).unwrap();
                row(n, Plain::Txid(&id), Plain::Hex(tx), Plain::Word(word)).push_csv(&mut by_hand);
            }
        }
        let by_csv = by_csv.into_inner().unwrap();
        assert_eq!(String::from_utf8(by_hand).unwrap(), String::from_utf8(by_csv).unwrap());
    }
}
