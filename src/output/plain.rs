//! Text that neither CSV nor JSON ever quotes or escapes — lower-case hex, decimal integers and
//! fixed lower-case words — written straight into a byte buffer.
//!
//! `commitments.csv` and the report's steps are written once per commitment, and almost all of
//! their bytes are hex. The csv crate scans every field for a byte to quote and serde_json scans
//! every string for a character to escape; for this text both scans always come up empty. So the
//! two writers ([`super::log`], [`super::report`]) put these cells down as they are, with the
//! helpers here, and their tests hold the result byte for byte equal to what the crates write.

use bitcoin::hashes::Hash as _;

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

/// The 32 lower-case hex digits of 16 bytes, with SSE2 (part of every x86-64 CPU): the high and
/// the low nibbles of all sixteen bytes split, interleaved, and each made a digit by adding `'0'`,
/// and `'a' - '0' - 10` more where it is above 9 — twenty instructions for the block, where the
/// compiler left to itself spends some sixty.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn hex_block(bytes: &[u8; 16]) -> [u8; 32] {
    use std::arch::x86_64::{
        __m128i, _mm_add_epi8, _mm_and_si128, _mm_cmpgt_epi8, _mm_loadu_si128, _mm_set1_epi8, _mm_srli_epi16,
        _mm_storeu_si128, _mm_unpackhi_epi8, _mm_unpacklo_epi8,
    };
    let mut digits = [0u8; 32];
    let (first, second) = digits.split_at_mut(16);
    // SAFETY: SSE2 is part of x86-64, so every x86-64 CPU runs these instructions; the load reads
    // the 16 bytes of `bytes` and each store writes one 16-byte half of `digits`, and neither
    // needs any alignment.
    unsafe {
        let digit = |nibbles: __m128i| {
            let letters = _mm_and_si128(_mm_cmpgt_epi8(nibbles, _mm_set1_epi8(9)), _mm_set1_epi8(39));
            _mm_add_epi8(nibbles, _mm_add_epi8(_mm_set1_epi8(b'0' as i8), letters))
        };
        let v = _mm_loadu_si128(bytes.as_ptr().cast());
        let mask = _mm_set1_epi8(0x0f);
        let (high, low) = (_mm_and_si128(_mm_srli_epi16(v, 4), mask), _mm_and_si128(v, mask));
        _mm_storeu_si128(first.as_mut_ptr().cast(), digit(_mm_unpacklo_epi8(high, low)));
        _mm_storeu_si128(second.as_mut_ptr().cast(), digit(_mm_unpackhi_epi8(high, low)));
    }
    digits
}

/// The 32 lower-case hex digits of 16 bytes, on a CPU other than x86-64.
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn hex_block(bytes: &[u8; 16]) -> [u8; 32] {
    let digit = |nibble: u8| nibble + if nibble > 9 { b'a' - 10 } else { b'0' };
    let mut digits = [0u8; 32];
    for (pair, b) in digits.chunks_exact_mut(2).zip(bytes) {
        pair[0] = digit(b >> 4);
        pair[1] = digit(b & 0x0f);
    }
    digits
}

/// Appends the lower-case hex of `bytes` to `out`, sixteen bytes a block; the last, partial block
/// is padded, written whole and cut back, so every copy has a length known in advance.
pub(crate) fn push_hex(bytes: &[u8], out: &mut Vec<u8>) {
    out.reserve(bytes.len() * 2 + 32);
    let mut blocks = bytes.chunks_exact(16);
    for block in &mut blocks {
        out.extend_from_slice(&hex_block(block.try_into().expect("a 16-byte chunk")));
    }
    let rest = blocks.remainder();
    if !rest.is_empty() {
        let mut block = [0u8; 16];
        block[..rest.len()].copy_from_slice(rest);
        let end = out.len() + rest.len() * 2;
        out.extend_from_slice(&hex_block(&block));
        out.truncate(end);
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
/// A number below 10,000 (most of a row's) is one to four digits from the pairs table, copied
/// with a length known in advance. A larger one is written from its low end into a fixed array,
/// four digits a division by 10,000 and two a table lookup as `itoa` (which csv and serde_json
/// use) does, whose whole length is copied, then the vector is cut back to the number's length.
#[inline]
pub(crate) fn push_u64(n: u64, out: &mut Vec<u8>) {
    if n < 10_000 {
        let n = n as usize;
        let (high, low) = (DECIMAL_PAIRS[n / 100], DECIMAL_PAIRS[n % 100]);
        match n {
            0..=9 => out.push(low[1]),
            10..=99 => out.extend_from_slice(&low),
            100..=999 => out.extend_from_slice(&[high[1], low[0], low[1]]),
            _ => out.extend_from_slice(&[high[0], high[1], low[0], low[1]]),
        }
        return;
    }
    push_large(n, out);
}

/// [`push_u64`] for a number of five digits or more.
fn push_large(n: u64, out: &mut Vec<u8>) {
    let mut digits = [0u8; 20];
    let len = n.checked_ilog10().map_or(1, |log| log as usize + 1);
    let (mut rest, mut end) = (n, len);
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
