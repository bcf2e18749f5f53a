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

/// The CSV log of commitments, one row per commitment, written as they come; where the parties
/// hold different versions of each state, the other version's log beside it
/// (`commitments-<holder>.csv`, same columns).
///
/// The rows are written by hand (`LogRow::push_csv`) rather than through the csv crate: every
/// cell is a number, hex or a fixed word, which CSV never quotes, so the crate's per-byte scan of
/// each field for characters to quote would find nothing. The bytes are the crate's (a test
/// holds them equal, the golden tests pin them).
pub struct CommitmentLog {
    main: LogFile,
    other: Option<LogFile>,
    dir: PathBuf,
    design: crate::channel::DesignRef,
    copies: for<'a> fn(&dyn crate::channel::Design, &'a SignedCommitment) -> crate::party::Copies<'a>,
    funding: Amount,
    interval_s: u64,
    with_hex: bool,
    /// Reused buffers: the transaction's consensus encoding and the row's text, one allocation
    /// each for the whole run.
    raw: Vec<u8>,
    row: Vec<u8>,
}

/// One CSV file of the log, its header written.
struct LogFile {
    path: PathBuf,
    writer: BufWriter<File>,
}

impl LogFile {
    /// Creates `path` with the header: a run without a commitment still gives a CSV that pandas
    /// reads (an empty frame with the right columns).
    fn create(path: PathBuf) -> Result<LogFile, OutputError> {
        let file = File::create(&path).map_err(io_err(&path))?;
        let mut writer = BufWriter::with_capacity(1 << 16, file);
        writer.write_all(&header()).map_err(io_err(&path))?;
        Ok(LogFile { path, writer })
    }

    fn finish(self) -> Result<(), OutputError> {
        let LogFile { path, mut writer } = self;
        writer.flush().map_err(io_err(&path))?;
        writer.get_ref().sync_all().map_err(io_err(&path))
    }
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
pub const LOG_COLUMNS: [&str; 19] = [
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
    "lock_time",
    "sequence",
    "signed_by",
    "held_by",
    "per_commitment_point",
    "revealed_secret",
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
    /// The transaction's lock time, as its consensus number (a height below 500,000,000).
    #[serde(default)]
    pub lock_time: u64,
    /// Its input's sequence number.
    #[serde(default)]
    pub sequence: u64,
    /// Whose signatures its witness carries: "both" (complete), "payer" or "payee" (the other
    /// signature still to come).
    #[serde(default)]
    pub signed_by: S,
    /// Who holds this copy: "both" for one shared transaction, else "payer" or "payee".
    #[serde(default)]
    pub held_by: S,
    /// The holder's per-commitment point of this state, compressed SEC hex (revocable design;
    /// empty in the others).
    #[serde(default)]
    pub per_commitment_point: S,
    /// The holder's per-commitment secret of its previous state, handed over in this step: its
    /// revocation (revocable design; empty in the others).
    #[serde(default)]
    pub revealed_secret: S,
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
            lock_time,
            sequence,
            signed_by,
            held_by,
            per_commitment_point,
            revealed_secret,
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
        for n in [vsize, lock_time, sequence] {
            push_u64(n, out);
            out.push(b',');
        }
        for cell in [signed_by, held_by, per_commitment_point] {
            cell.push(out);
            out.push(b',');
        }
        revealed_secret.push(out);
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
    /// Creates `dir/commitments.csv` for a channel of `design`; without `with_hex` the `tx_hex`
    /// column stays (so the columns never move) but is left empty.
    ///
    /// # Errors
    ///
    /// [`OutputError::Io`] when the file cannot be created.
    pub fn create(
        dir: &Path,
        design: &crate::channel::DesignRef,
        funding: Amount,
        interval_s: u64,
        with_hex: bool,
    ) -> Result<CommitmentLog, OutputError> {
        let copies =
            crate::party::registration(design.name()).map(|r| r.copies).unwrap_or(crate::party::DESIGNS[0].copies);
        Ok(CommitmentLog {
            main: LogFile::create(dir.join("commitments.csv"))?,
            other: None,
            dir: dir.to_path_buf(),
            design: design.clone(),
            copies,
            funding,
            interval_s,
            with_hex,
            raw: Vec::with_capacity(512),
            row: Vec::with_capacity(1024),
        })
    }

    /// Appends the row of `commitment`, paid for by `tick`, and of its other version if the
    /// design has one.
    ///
    /// # Errors
    ///
    /// [`OutputError::Io`] when the write fails.
    pub fn append(&mut self, tick: &Tick, commitment: &SignedCommitment) -> Result<(), OutputError> {
        debug_assert_eq!(commitment.split.payer + commitment.split.payee + commitment.split.fee, self.funding);
        let copies = (self.copies)(&*self.design, commitment);
        self.push_row(tick, commitment, &commitment.tx, commitment.txid, commitment.vsize, &copies.logged);
        self.main.writer.write_all(&self.row).map_err(io_err(&self.main.path))?;
        if let Some((tx, copy)) = copies.other {
            let txid = tx.compute_txid();
            self.push_row(tick, commitment, tx, txid, tx.vsize() as u64, &copy);
            if self.other.is_none() {
                self.other = Some(LogFile::create(self.dir.join(format!("commitments-{}.csv", copy.held_by)))?);
            }
            let other = self.other.as_mut().expect("created above");
            other.writer.write_all(&self.row).map_err(io_err(&other.path))?;
        }
        Ok(())
    }

    /// Writes the row of `tx`, a copy of `commitment`'s state, into the row buffer.
    fn push_row(
        &mut self,
        tick: &Tick,
        commitment: &SignedCommitment,
        tx: &bitcoin::Transaction,
        txid: bitcoin::Txid,
        vsize: u64,
        copy: &crate::party::HeldCopy,
    ) {
        let split = &commitment.split;
        self.raw.clear();
        if self.with_hex {
            crate::channel::encode(tx, &mut self.raw);
        }
        let point = copy.point.map(|p| p.serialize());
        let row = LogRow {
            seq: commitment.seq,
            elapsed_s: tick.elapsed_s,
            payer_sat: split.payer.to_sat(),
            payee_sat: split.payee.to_sat(),
            fee_sat: split.fee.to_sat(),
            txid: Plain::Txid(&txid),
            tx_hex: Plain::Hex(&self.raw),
            clock_s: tick.clock_s,
            segment: tick.segment as u64 + 1,
            rate_sat_per_s: tick.price.to_sat() / self.interval_s,
            trimmed_sat: split.trimmed.to_sat(),
            trimmed: Plain::Word(trimmed_name(split)),
            vsize,
            lock_time: u64::from(tx.lock_time.to_consensus_u32()),
            sequence: u64::from(tx.input.first().map_or(0, |i| i.sequence.0)),
            signed_by: Plain::Word(copy.signed_by),
            held_by: Plain::Word(copy.held_by),
            per_commitment_point: point.as_ref().map_or(Plain::Word(""), |p| Plain::Hex(p)),
            revealed_secret: copy.revealed_secret.as_ref().map_or(Plain::Word(""), |s| Plain::Hex(s)),
        };
        self.row.clear();
        row.push_csv(&mut self.row);
    }

    /// Flushes and closes the files.
    ///
    /// # Errors
    ///
    /// [`OutputError::Io`] when the flush fails.
    pub fn finish(self) -> Result<(), OutputError> {
        self.main.finish()?;
        self.other.map_or(Ok(()), LogFile::finish)
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
    fn row<S: Copy>(n: u64, txid: S, tx_hex: S, word: S) -> LogRow<S> {
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
            lock_time: n / 5,
            sequence: n % 0xffff_ffff,
            signed_by: word,
            held_by: word,
            per_commitment_point: tx_hex,
            revealed_secret: txid,
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
