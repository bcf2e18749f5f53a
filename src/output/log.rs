//! `commitments.csv`: one row per commitment, streamed as the engine produces them, in columns
//! pandas and polars read as they are.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use bitcoin::hashes::Hash as _;
use bitcoin::Amount;
use serde::{Deserialize, Serialize};

use super::{io_err, OutputError};
use crate::engine::Tick;
use crate::party::SignedCommitment;

/// The CSV log of commitments, one row per commitment, written as they come.
pub struct CommitmentLog {
    path: PathBuf,
    writer: csv::Writer<BufWriter<File>>,
    funding: Amount,
    interval_s: u64,
    with_hex: bool,
    /// Reused buffers: the consensus encoding, its hex and the txid's hex, one allocation each for
    /// the whole run.
    raw: Vec<u8>,
    hex: String,
    txid: String,
}

/// The `trimmed` column: whose output `split` leaves out as dust ("payer", "payee" or "none").
pub(crate) fn trimmed_name(split: &crate::channel::Split) -> &'static str {
    match (split.payer_trimmed, split.payee_trimmed) {
        (true, _) => "payer",
        (_, true) => "payee",
        _ => "none",
    }
}

/// Appends `txid` as Bitcoin Core shows it (its bytes reversed, in lower-case hex) to `out`: what
/// its `Display` writes, without the formatter.
pub(crate) fn txid_into(txid: &bitcoin::Txid, out: &mut String) {
    let mut bytes = txid.to_byte_array();
    bytes.reverse();
    hex_into(&bytes, out);
}

/// Appends the lower-case hex of `bytes` to `out`.
pub(crate) fn hex_into(bytes: &[u8], out: &mut String) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    // Two stores a byte into room made once, rather than a checked push a digit.
    let mut buf = std::mem::take(out).into_bytes();
    let start = buf.len();
    buf.resize(start + bytes.len() * 2, 0);
    for (pair, b) in buf[start..].chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(b >> 4)];
        pair[1] = DIGITS[usize::from(b & 0x0f)];
    }
    *out = String::from_utf8(buf).expect("hex digits are ASCII");
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
        // The header is written here, not on the first row, so a run without a commitment still
        // gives a CSV that pandas reads (an empty frame with the right columns).
        let mut writer =
            csv::WriterBuilder::new().has_headers(false).from_writer(BufWriter::with_capacity(1 << 16, file));
        writer.write_record(LOG_COLUMNS).map_err(|source| OutputError::Csv { path: path.clone(), source })?;
        Ok(CommitmentLog {
            path,
            writer,
            funding,
            interval_s,
            with_hex,
            raw: Vec::with_capacity(512),
            hex: String::with_capacity(1024),
            txid: String::with_capacity(64),
        })
    }

    /// Appends the row of `commitment`, paid for by `tick`.
    ///
    /// # Errors
    ///
    /// [`OutputError::Csv`] when the write fails.
    pub fn append(&mut self, tick: &Tick, commitment: &SignedCommitment) -> Result<(), OutputError> {
        let split = &commitment.split;
        debug_assert_eq!(split.payer + split.payee + split.fee, self.funding);
        self.hex.clear();
        if self.with_hex {
            self.raw.clear();
            bitcoin::consensus::Encodable::consensus_encode(&commitment.tx, &mut self.raw)
                .expect("writing into a Vec cannot fail");
            hex_into(&self.raw, &mut self.hex);
        }
        self.txid.clear();
        txid_into(&commitment.txid, &mut self.txid);
        let row = LogRow::<&str> {
            seq: commitment.seq,
            elapsed_s: tick.elapsed_s,
            payer_sat: split.payer.to_sat(),
            payee_sat: split.payee.to_sat(),
            fee_sat: split.fee.to_sat(),
            txid: &self.txid,
            tx_hex: &self.hex,
            clock_s: tick.clock_s,
            segment: tick.segment as u64 + 1,
            rate_sat_per_s: tick.price.to_sat() / self.interval_s,
            trimmed_sat: split.trimmed.to_sat(),
            trimmed: trimmed_name(split),
            vsize: commitment.tx.vsize() as u64,
        };
        self.writer.serialize(row).map_err(|source| OutputError::Csv { path: self.path.clone(), source })
    }

    /// Flushes and closes the file.
    ///
    /// # Errors
    ///
    /// [`OutputError::Io`] when the flush fails.
    pub fn finish(self) -> Result<(), OutputError> {
        let path = self.path;
        let mut inner =
            self.writer.into_inner().map_err(|e| OutputError::Io { path: path.clone(), source: e.into_error() })?;
        inner.flush().map_err(io_err(&path))?;
        inner.get_ref().sync_all().map_err(io_err(&path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::hashes::sha256d;

    #[test]
    fn txids_and_bytes_are_written_as_display_and_format_write_them() {
        for i in 0u32..64 {
            let txid = bitcoin::Txid::from_raw_hash(sha256d::Hash::hash(&i.to_le_bytes()));
            let mut out = String::from("x");
            txid_into(&txid, &mut out);
            assert_eq!(out, format!("x{txid}"));
            let bytes = txid.to_byte_array();
            let mut hex = String::new();
            hex_into(&bytes[..i as usize % 33], &mut hex);
            assert_eq!(hex, bytes[..i as usize % 33].iter().map(|b| format!("{b:02x}")).collect::<String>());
        }
    }
}
