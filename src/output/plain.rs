//! Text that neither CSV nor JSON ever quotes or escapes — lower-case hex, decimal integers and
//! fixed lower-case words — written straight into a byte buffer.
//!
//! `commitments.csv` and the report's steps are written once per commitment, and almost all of
//! their bytes are hex. The csv crate scans every field for a byte to quote and serde_json scans
//! every string for a character to escape; for this text both scans always come up empty. So the
//! two writers ([`super::log`], [`super::report`]) put these cells down as they are, with the
//! helpers here, and their tests hold the result byte for byte equal to what the crates write.

use bitcoin::hashes::Hash as _;
use hex_conservative::{BytesToHexIter, Case, Char};

/// Appends the lower-case hex of `bytes` to `out`, with the hex encoder of rust-bitcoin's own tree
/// (`hex-conservative`): each byte's two digits from its table, appended as they come.
pub(crate) fn push_hex(bytes: &[u8], out: &mut Vec<u8>) {
    out.reserve(bytes.len() * 2);
    for pair in BytesToHexIter::new(bytes.iter(), Case::Lower) {
        out.extend_from_slice(Char::slice_as_bytes(&pair));
    }
}

/// Appends `txid` as Bitcoin Core shows it (its bytes reversed, in lower-case hex) to `out`: what
/// its `Display` writes, without the formatter.
pub(crate) fn push_txid(txid: &bitcoin::Txid, out: &mut Vec<u8>) {
    let mut bytes = *txid.as_byte_array();
    bytes.reverse();
    push_hex(&bytes, out);
}

/// Appends `n` in decimal to `out`, as `Display` (and so csv and serde_json, which use the same
/// crate) writes it: with `itoa`.
#[inline]
pub(crate) fn push_u64(n: u64, out: &mut Vec<u8>) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// A text cell of a row written by hand: hex digits or lower-case letters only, which neither CSV
/// nor JSON ever quotes or escapes, so it is written as it is.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Plain<'a> {
    /// A fixed lower-case word, such as the `trimmed` column's.
    Word(&'static str),
    /// Bytes in lower-case hex (nothing when empty).
    Hex(&'a [u8]),
    /// A txid as Bitcoin Core shows it.
    Txid(&'a bitcoin::Txid),
}

impl Plain<'_> {
    /// Appends the cell's text to `out`.
    pub(crate) fn push(self, out: &mut Vec<u8>) {
        match self {
            Plain::Word(word) => {
                debug_assert!(word.bytes().all(|b| b.is_ascii_lowercase()), "{word:?} is not a plain word");
                out.extend_from_slice(word.as_bytes());
            }
            Plain::Hex(bytes) => push_hex(bytes, out),
            Plain::Txid(txid) => push_txid(txid, out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::hashes::sha256d;

    fn hex_by_format(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn hex_and_txids_are_written_as_format_and_display_write_them() {
        let all: Vec<u8> = (0..=255).chain((0..=255).rev()).collect();
        for len in (0..=70).chain([255, 256, 257, 511, 512]) {
            let mut out = b"x".to_vec();
            push_hex(&all[..len], &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), format!("x{}", hex_by_format(&all[..len])));
        }
        for i in 0u32..64 {
            let txid = bitcoin::Txid::from_raw_hash(sha256d::Hash::hash(&i.to_le_bytes()));
            let mut out = b"x".to_vec();
            Plain::Txid(&txid).push(&mut out);
            assert_eq!(String::from_utf8(out).unwrap(), format!("x{txid}"));
        }
    }

    #[test]
    fn numbers_are_written_as_display_writes_them() {
        let mut numbers = vec![0, 1, 9, 10, 11, 99, 100, 101, 3_598_831, u64::MAX - 1, u64::MAX];
        for p in 1..20 {
            let ten = 10u64.pow(p);
            numbers.extend([ten - 1, ten, ten + 1, ten / 3 * 2]);
        }
        for n in numbers {
            let mut out = b"x".to_vec();
            push_u64(n, &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), format!("x{n}"));
        }
    }
}
