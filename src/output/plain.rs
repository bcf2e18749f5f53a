//! Text that neither CSV nor JSON ever quotes or escapes — lower-case hex, decimal integers and
//! fixed lower-case words — written straight into a byte buffer.
//!
//! `commitments.csv` and the report's steps are written once per commitment, and almost all of
//! their bytes are hex. The csv crate scans every field for a byte to quote and serde_json scans
//! every string for a character to escape; for this text both scans always come up empty. So the
//! two writers ([`super::log`], [`super::report`]) put these cells down as they are, with the
//! helpers here, and their tests hold the result byte for byte equal to what the crates write.

use bitcoin::hashes::Hash as _;

/// Each byte's two lower-case hex digits: hex costs a load and a two-byte store a byte. A
/// `static`, not a `const`, so the table is not rebuilt on the stack where it is used.
static HEX_PAIRS: [[u8; 2]; 256] = {
    let digits = b"0123456789abcdef";
    let mut table = [[0u8; 2]; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = [digits[i >> 4], digits[i & 0x0f]];
        i += 1;
    }
    table
};

/// Each number below 100 as two decimal digits, for [`push_u64`].
static DECIMAL_PAIRS: [[u8; 2]; 100] = {
    let mut table = [[0u8; 2]; 100];
    let mut i = 0;
    while i < 100 {
        table[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
        i += 1;
    }
    table
};

/// Appends the lower-case hex of `bytes` to `out`.
pub(crate) fn push_hex(bytes: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(start + bytes.len() * 2, 0);
    let (mut src, mut dst) = (bytes.chunks_exact(16), out[start..].chunks_exact_mut(32));
    // Sixteen bytes at a time, so the compiler unrolls the loop to three instructions a byte.
    for (d, s) in (&mut dst).zip(&mut src) {
        for (i, b) in s.iter().enumerate() {
            d[2 * i..2 * i + 2].copy_from_slice(&HEX_PAIRS[usize::from(*b)]);
        }
    }
    for (pair, b) in dst.into_remainder().chunks_exact_mut(2).zip(src.remainder()) {
        pair.copy_from_slice(&HEX_PAIRS[usize::from(*b)]);
    }
}

/// Appends `txid` as Bitcoin Core shows it (its bytes reversed, in lower-case hex) to `out`: what
/// its `Display` writes, without the formatter.
pub(crate) fn push_txid(txid: &bitcoin::Txid, out: &mut Vec<u8>) {
    let mut bytes = *txid.as_byte_array();
    bytes.reverse();
    push_hex(&bytes, out);
}

/// Appends `n` in decimal to `out`, as `Display` (and so csv and serde_json) writes it.
///
/// The digits go into a fixed array whose whole length is copied, then the vector is cut back to
/// the number's length: a copy of known length is a few moves, where one of the number's own
/// length would be a call to `memcpy`.
pub(crate) fn push_u64(n: u64, out: &mut Vec<u8>) {
    let mut digits = [0u8; 20];
    let len = n.checked_ilog10().map_or(1, |log| log as usize + 1);
    let (mut rest, mut end) = (n, len);
    // Four digits a division by 10,000, two a table lookup, as `itoa` (which csv and serde_json
    // use) does.
    while end >= 4 {
        let four = (rest % 10_000) as usize;
        rest /= 10_000;
        digits[end - 4..end - 2].copy_from_slice(&DECIMAL_PAIRS[four / 100]);
        digits[end - 2..end].copy_from_slice(&DECIMAL_PAIRS[four % 100]);
        end -= 4;
    }
    let mut rest = rest as usize;
    if end >= 2 {
        digits[end - 2..end].copy_from_slice(&DECIMAL_PAIRS[rest % 100]);
        rest /= 100;
        end -= 2;
    }
    if end == 1 {
        digits[0] = b'0' + rest as u8;
    }
    let start = out.len();
    out.extend_from_slice(&digits);
    out.truncate(start + len);
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
