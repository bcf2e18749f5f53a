//! The balance chart: figure 14-3 of *Mastering Bitcoin*, redrawn from a real run for a class.
//!
//! A run leaves a CSV that can hold a million rows, and nobody reads that from a projector. What a
//! teacher shows is one picture: Emma's balance stepping down and Fabian's stepping up, one
//! commitment at a time, under the channel's capacity, with the fee, the price changes, the pauses,
//! the moment the channel ran out and the final split marked where they happen. This module
//! composes that picture once, as a list of shapes in pixels, and replays the list onto a PNG (for
//! slides) and an SVG (for print and the HTML report), so both files show the same thing. Text is
//! set in DejaVu Sans embedded in the binary, so no system font library is needed. Money shown as
//! text is formatted from integer satoshis, exactly; floating point only places pixels. Long runs
//! are thinned to the first, lowest, highest and last state of each pixel column before anything
//! is drawn, which keeps every step the eye could see.
//!
//! This file holds what the rest of the crate asks for (the inputs, the error, one `write_*`
//! function a chart); each concern has its own room: `style` (size, colours, font sizes),
//! `canvas` (the shapes and how they are replayed into the two files), `text` (labels and
//! how a bitmap sets them), `axes` (frames, scales, ticks, grid), `header` (title, caption,
//! legend), `place` (where a label goes), `steps` (thinning and step lines), `words`
//! (money and time as text), and one room a chart: `balance`, `payment`, `compare`,
//! `outcome`, `errorbars` (a sweep's metric against an axis, `paychan sweep --chart`); the audience's charts (`crate::audience::charts`) use the same rooms.

use std::path::{Path, PathBuf};

mod axes;
mod balance;
mod canvas;
mod compare;
mod errorbars;
mod header;
mod outcome;
mod payment;
mod place;
mod steps;
mod style;
mod text;
mod words;

pub use compare::{write_compare_chart, CompareBars, CompareInput};
pub use errorbars::{write_errorbar_chart, ErrorBar, ErrorBarInput, ErrorBarSeries};
pub use outcome::{write_outcome_chart, OutcomeInput};
// What the audience's charts draw with.
pub(crate) use axes::{amount_ticks, axes, grid, plot_left, tick_width, Axes, Frame, TimeAxis};
pub(crate) use canvas::{draw_error, write_files, Shape};
pub(crate) use header::header;
pub(crate) use style::{register_fonts, EXHAUSTED, FEE, H, INK, LABEL_SIZE, PAYEE, PAYER, W};
pub(crate) use text::{text_height, Label};
pub(crate) use words::{clock_label, group, number};

/// One channel state after a commitment, in satoshis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BalancePoint {
    /// Scenario clock in seconds since the channel opened (pauses included).
    pub clock_s: u64,
    /// The payer's balance.
    pub payer_sat: u64,
    /// The payee's balance.
    pub payee_sat: u64,
    /// capacity - payer - payee: the commitment fee plus any dust-trimmed output value.
    pub fee_sat: u64,
}

/// One segment of the rate schedule as it actually ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentMark {
    /// Clock at the segment's start.
    pub start_s: u64,
    /// Clock at its end.
    pub end_s: u64,
    /// Satoshis per second; 0 means a pause (shade it and label "pause").
    pub rate_sat_per_s: u64,
}

/// Everything the chart shows.
#[derive(Debug, Clone)]
pub struct ChartInput<'a> {
    /// e.g. "emma-fabian"
    pub scenario: &'a str,
    /// The scenario's seed, shown in the title.
    pub seed: u64,
    /// The payer's name, e.g. "Emma".
    pub payer_name: &'a str,
    /// The payee's name, e.g. "Fabian".
    pub payee_name: &'a str,
    /// The channel capacity.
    pub capacity_sat: u64,
    /// Display unit name, e.g. "mBTC", "BTC", "sat".
    pub unit_name: &'a str,
    /// Satoshis per display unit, e.g. 100_000 for mBTC.
    pub sat_per_unit: u64,
    /// One point per commitment, in order of clock_s (may be empty; may be 1,000,000+ long).
    pub points: &'a [BalancePoint],
    /// The rate schedule, in clock order.
    pub segments: &'a [SegmentMark],
    /// Clock time at which the channel ran out (the next interval could not be paid), if it did.
    pub exhausted_at_s: Option<u64>,
    /// Clock time of the settlement (Emma presses stop / schedule end / exhaustion), or of the
    /// video's stop when there was none.
    pub settlement_s: u64,
    /// How the channel ended when it was not settled cooperatively (from the chain); `None`:
    /// the cooperative settlement of the last state.
    pub ending: Option<&'a Ending>,
    /// The language of the labels.
    pub lang: crate::words::Lang,
}

/// A channel's end other than the cooperative settlement, as the charts mark it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ending {
    /// The label at the end of the video, e.g. "no settlement: Emma's commitment #1 confirmed:
    /// Fabian got 36 mBTC, Emma 0 sat".
    pub label: String,
    /// What confirmed outputs paid the payee by the end.
    pub payee_received_sat: u64,
}

/// The chart could not be drawn or written.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// Drawing failed.
    #[error("cannot draw {path}: {message}")]
    Draw {
        /// The file being drawn.
        path: PathBuf,
        /// What plotters said.
        message: String,
    },
    /// The drawn file could not be written.
    #[error("cannot write {path}")]
    Io {
        /// The file being written.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// Draws the balance chart to `png` (1280×720) and `svg` (same content).
///
/// # Errors
///
/// [`ChartError::Draw`] when plotters fails to draw, [`ChartError::Io`] naming the PNG or the SVG
/// when it cannot be written.
pub fn write_balance_chart(input: &ChartInput<'_>, png: &Path, svg: &Path) -> Result<(), ChartError> {
    let shapes = register_fonts().and_then(|()| balance::chart(input)).map_err(draw_error(png))?;
    write_files(&shapes, png, svg)
}

/// Draws the payment chart to `png` (1280×720) and `svg`: the price per second over time (zero in
/// pauses) above the cumulative payment to the payee, on one time axis.
///
/// # Errors
///
/// As [`write_balance_chart`].
pub fn write_payment_chart(input: &ChartInput<'_>, png: &Path, svg: &Path) -> Result<(), ChartError> {
    let shapes = register_fonts().and_then(|()| payment::chart(input)).map_err(draw_error(png))?;
    write_files(&shapes, png, svg)
}

/// The final state: the last commitment's, or the opening state when there was none.
fn final_state(input: &ChartInput<'_>) -> BalancePoint {
    input.points.last().copied().unwrap_or(BalancePoint {
        clock_s: 0,
        payer_sat: input.capacity_sat,
        payee_sat: 0,
        fee_sat: 0,
    })
}

/// The clock of the settlement, never before the last commitment.
fn settled_at(input: &ChartInput<'_>) -> u64 {
    input.settlement_s.max(input.points.last().map_or(0, |p| p.clock_s))
}

/// The last clock second the chart shows.
fn end_of(input: &ChartInput<'_>) -> u64 {
    settled_at(input).max(input.exhausted_at_s.unwrap_or(0)).max(1)
}

/// Segments that ran before `end_s`, clipped to it, without empty ones.
fn ran(segments: &[SegmentMark], end_s: u64) -> impl Iterator<Item = (u64, u64, u64)> + '_ {
    segments
        .iter()
        .filter(move |s| s.start_s < end_s && s.end_s > s.start_s)
        .map(move |s| (s.start_s, s.end_s.min(end_s), s.rate_sat_per_s))
}

#[cfg(test)]
pub(crate) mod tests {
    //! Inputs the rooms' tests share, and the tests of the `write_*` functions.

    use super::*;

    /// `n` seconds at 1,000 sat/s out of a channel of `capacity` sat, with a 169-sat fee.
    pub(crate) fn stream(n: u64, capacity: u64) -> Vec<BalancePoint> {
        (1..=n)
            .map(|i| BalancePoint {
                clock_s: i,
                payer_sat: capacity - 1_000 * i - 169,
                payee_sat: 1_000 * i,
                fee_sat: 169,
            })
            .collect()
    }

    /// The book's channel: Emma pays Fabian out of 36 mBTC and stops at 600 s.
    pub(crate) fn book<'a>(points: &'a [BalancePoint], segments: &'a [SegmentMark]) -> ChartInput<'a> {
        ChartInput {
            scenario: "emma-fabian",
            seed: 14,
            payer_name: "Emma",
            payee_name: "Fabian",
            capacity_sat: 3_600_000,
            unit_name: "mBTC",
            sat_per_unit: 100_000,
            points,
            segments,
            exhausted_at_s: None,
            settlement_s: 600,
            ending: None,
            lang: crate::words::Lang::En,
        }
    }

    /// A fresh folder under the system's temporary folder.
    pub(crate) fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("paychan-chart-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("the temporary folder is writable");
        dir
    }

    const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";

    #[test]
    fn both_files_are_written_with_text() {
        let dir = scratch("book");
        let pts = stream(600, 3_600_000);
        let segs = [SegmentMark { start_s: 0, end_s: 600, rate_sat_per_s: 1_000 }];
        let input = book(&pts, &segs);
        let (png, svg) = (dir.join("balance.png"), dir.join("balance.svg"));
        write_balance_chart(&input, &png, &svg).expect("the chart is drawn");
        assert_eq!(&std::fs::read(&png).expect("the PNG exists")[..8], PNG_MAGIC);
        let svg = std::fs::read_to_string(&svg).expect("the SVG exists");
        assert!(svg.contains("<text"), "the SVG has text");
        for text in [
            "emma-fabian",
            "capacity 36 mBTC",
            "settlement: Fabian 6 mBTC, Emma 29.99831 mBTC",
            "Emma (payer)",
            "Fabian (payee)",
            "fee 169 sat",
            "rate 0.01 mBTC/s",
            "balance (mBTC)",
            "time (s)",
        ] {
            assert!(svg.contains(text), "the SVG says {text:?}");
        }
        let (png2, svg2) = (dir.join("payment.png"), dir.join("payment.svg"));
        write_payment_chart(&input, &png2, &svg2).expect("the payment chart is drawn");
        assert_eq!(&std::fs::read(&png2).expect("the PNG exists")[..8], PNG_MAGIC);
        let svg2 = std::fs::read_to_string(&svg2).expect("the SVG exists");
        assert!(svg2.contains("6 mBTC paid to Fabian") && svg2.contains("0.01 mBTC/s"), "{svg2}");
        std::fs::remove_dir_all(&dir).expect("the temporary folder can be removed");
    }

    #[test]
    fn exhaustion_pauses_and_a_run_without_commitments_are_drawn() {
        let dir = scratch("edge");
        let segs = [
            SegmentMark { start_s: 0, end_s: 300, rate_sat_per_s: 1_000 },
            SegmentMark { start_s: 300, end_s: 420, rate_sat_per_s: 0 },
            SegmentMark { start_s: 420, end_s: 720, rate_sat_per_s: 2_000 },
        ];
        let input = ChartInput { exhausted_at_s: Some(700), settlement_s: 700, ..book(&[], &segs) };
        let (png, svg) = (dir.join("b.png"), dir.join("b.svg"));
        write_balance_chart(&input, &png, &svg).expect("a run without commitments is drawn");
        assert_eq!(&std::fs::read(&png).expect("the PNG exists")[..8], PNG_MAGIC);
        let svg = std::fs::read_to_string(&svg).expect("the SVG exists");
        for text in ["channel exhausted at 11 min 40 s", "pause", "0.02 mBTC/s", "Fabian 0 mBTC, Emma 36 mBTC"] {
            assert!(svg.contains(text), "the SVG says {text:?}");
        }
        write_payment_chart(&input, &png, &dir.join("p.svg")).expect("and its payment chart");
        std::fs::remove_dir_all(&dir).expect("the temporary folder can be removed");
    }

    #[test]
    fn an_unwritable_path_is_an_error_naming_it() {
        let dir = scratch("missing");
        let png = dir.join("no/such/folder/b.png");
        let err = write_balance_chart(&book(&[], &[]), &png, &dir.join("b.svg")).expect_err("the folder is missing");
        assert!(matches!(&err, ChartError::Io { path, .. } if path == &png), "{err:?}");
        let svg = dir.join("no/such/folder/b.svg");
        let err = write_balance_chart(&book(&[], &[]), &dir.join("b.png"), &svg).expect_err("the folder is missing");
        assert!(matches!(&err, ChartError::Io { path, .. } if path == &svg), "{err:?}");
        std::fs::remove_dir_all(&dir).expect("the temporary folder can be removed");
    }
}
