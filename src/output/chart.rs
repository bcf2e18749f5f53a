//! The balance chart: figure 14-3 of the book as a picture a class reads at a glance.
//!
//! Emma's balance slides down and Fabian's slides up, one step per commitment, between the
//! funding and the settlement. The chart draws both as step lines under the capacity, shades
//! pauses, marks rate changes, exhaustion and the settlement with its exact split, and writes the
//! same drawing as PNG (for slides) and SVG (for print). Text uses the DejaVu Sans font embedded
//! in the binary, so no system font library is needed. A million commitments are thinned to the
//! first, lowest, highest and last value per pixel column before drawing, which keeps the shape.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontStyle;

/// One channel state after a commitment, in satoshis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BalancePoint {
    /// Scenario clock in seconds since the channel opened (pauses included).
    pub clock_s: u64,
    /// The payer's balance.
    pub payer_sat: u64,
    /// The payee's balance.
    pub payee_sat: u64,
    /// Capacity − payer − payee: the commitment fee plus any dust-trimmed output value.
    pub fee_sat: u64,
}

/// One segment of the rate schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentMark {
    /// Clock at the segment's start.
    pub start_s: u64,
    /// Clock at its end.
    pub end_s: u64,
    /// Satoshis per second; 0 is a pause.
    pub rate_sat_per_s: u64,
}

/// Everything the chart shows.
#[derive(Debug, Clone)]
pub struct ChartInput<'a> {
    /// Scenario name, e.g. "emma-fabian".
    pub scenario: &'a str,
    /// Scenario seed.
    pub seed: u64,
    /// The payer's name.
    pub payer_name: &'a str,
    /// The payee's name.
    pub payee_name: &'a str,
    /// The channel capacity.
    pub capacity_sat: u64,
    /// Display unit, e.g. "mBTC".
    pub unit_name: &'a str,
    /// Satoshis per display unit, e.g. 100,000.
    pub sat_per_unit: u64,
    /// One point per commitment (or a shape-keeping sample), in clock order.
    pub points: &'a [BalancePoint],
    /// The rate schedule.
    pub segments: &'a [SegmentMark],
    /// Clock at which the channel ran out, if it did.
    pub exhausted_at_s: Option<u64>,
    /// Clock of the settlement.
    pub settlement_s: u64,
    /// Commitments signed (the points may be a sample of them).
    pub commitments: u64,
}

/// The chart could not be drawn or written.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The embedded font was rejected (never expected).
    #[error("the embedded DejaVu Sans font could not be registered")]
    Font,
    /// Drawing or writing the file failed.
    #[error("cannot draw {path}: {message}")]
    Draw {
        /// The file being drawn.
        path: PathBuf,
        /// What plotters said.
        message: String,
    },
}

/// The plot reaches this multiple of the capacity: the band above it holds the labels.
const HEADROOM: f64 = 1.32;
const WIDTH: u32 = 1280;
const HEIGHT: u32 = 720;
const FONT: &str = "sans-serif";
const PAYER: RGBColor = RGBColor(31, 119, 180);
const PAYEE: RGBColor = RGBColor(230, 120, 20);
const FEE: RGBColor = RGBColor(120, 120, 120);
const EXHAUSTED: RGBColor = RGBColor(200, 30, 30);
const CAPACITY: RGBColor = RGBColor(60, 60, 60);

fn register_fonts() -> Result<(), ChartError> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = DONE.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok()
            && plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold()).is_ok()
    });
    if *ok {
        Ok(())
    } else {
        Err(ChartError::Font)
    }
}

/// Draws the balance chart to `png` and `svg` (1280×720, same content).
///
/// # Errors
///
/// [`ChartError`] when a file cannot be written.
pub fn write_balance_chart(input: &ChartInput<'_>, png: &Path, svg: &Path) -> Result<(), ChartError> {
    write_both(input, png, svg, Drawing::Balance)
}

/// Draws the payment chart to `png` and `svg`: the price per second over time (pauses at zero)
/// above the cumulative payment to the payee.
///
/// # Errors
///
/// [`ChartError`] when a file cannot be written.
pub fn write_payment_chart(input: &ChartInput<'_>, png: &Path, svg: &Path) -> Result<(), ChartError> {
    write_both(input, png, svg, Drawing::Payment)
}

#[derive(Clone, Copy)]
enum Drawing {
    Balance,
    Payment,
}

/// One drawing routine, two backends: the PNG and the SVG show the same thing.
fn write_both(input: &ChartInput<'_>, png: &Path, svg: &Path, drawing: Drawing) -> Result<(), ChartError> {
    register_fonts()?;
    let layout = Layout::of(input);
    let err = |path: &Path| {
        let path = path.to_path_buf();
        move |message: String| ChartError::Draw { path, message }
    };
    fn paint<DB: DrawingBackend>(
        root: &DrawingArea<DB, Shift>,
        input: &ChartInput<'_>,
        l: &Layout,
        drawing: Drawing,
    ) -> Result<(), String> {
        match drawing {
            Drawing::Balance => draw(root, input, l),
            Drawing::Payment => draw_payment(root, input, l),
        }
    }
    {
        let root = BitMapBackend::new(png, (WIDTH, HEIGHT)).into_drawing_area();
        paint(&root, input, &layout, drawing).map_err(err(png))?;
        root.present().map_err(|e| e.to_string()).map_err(err(png))?;
    }
    {
        let root = SVGBackend::new(svg, (WIDTH, HEIGHT)).into_drawing_area();
        paint(&root, input, &layout, drawing).map_err(err(svg))?;
        root.present().map_err(|e| e.to_string()).map_err(err(svg))?;
    }
    Ok(())
}

/// The time axis' unit, chosen so labels stay short.
#[derive(Debug, Clone, Copy, PartialEq)]
struct TimeUnit {
    seconds: f64,
    name: &'static str,
}

/// What is computed once for both backends: scales and the thinned series.
struct Layout {
    time: TimeUnit,
    x_end: f64,
    y_end: f64,
    per_unit: f64,
    payer: Vec<(f64, f64)>,
    payee: Vec<(f64, f64)>,
    fee: Vec<(f64, f64)>,
}

impl Layout {
    fn of(input: &ChartInput<'_>) -> Layout {
        let schedule_end = input.segments.last().map_or(0, |s| s.end_s);
        let end_s = if input.exhausted_at_s.is_some() { input.settlement_s } else { schedule_end }
            .max(input.settlement_s)
            .max(input.points.last().map_or(0, |p| p.clock_s))
            .max(1);
        let time = if end_s <= 20 * 60 {
            TimeUnit { seconds: 1.0, name: "s" }
        } else if end_s <= 5 * 3600 {
            TimeUnit { seconds: 60.0, name: "min" }
        } else {
            TimeUnit { seconds: 3600.0, name: "h" }
        };
        let x_end = end_s as f64 / time.seconds * 1.03;
        let per_unit = input.sat_per_unit.max(1) as f64;
        let y_end = input.capacity_sat as f64 / per_unit * HEADROOM;
        let columns = 1200;
        let bucket = |clock: u64| ((clock as f64 / time.seconds) / x_end * columns as f64) as usize;
        let to_xy = |clock: u64, sat: u64| (clock as f64 / time.seconds, sat as f64 / per_unit);
        let series = |start: u64, value: fn(&BalancePoint) -> u64| {
            let thinned = thin(input.points, value, bucket);
            step_line(
                to_xy(0, start),
                thinned.iter().map(|&(c, v)| to_xy(c, v)),
                input.settlement_s as f64 / time.seconds,
            )
        };
        Layout {
            time,
            x_end,
            y_end,
            per_unit,
            payer: series(input.capacity_sat, |p| p.payer_sat),
            payee: series(0, |p| p.payee_sat),
            fee: series(0, |p| p.fee_sat),
        }
    }

    fn x(&self, clock_s: u64) -> f64 {
        clock_s as f64 / self.time.seconds
    }
}

/// Keeps, per pixel column, the first, lowest, highest and last point of one series, in order.
fn thin(points: &[BalancePoint], value: fn(&BalancePoint) -> u64, bucket: impl Fn(u64) -> usize) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < points.len() {
        let column = bucket(points[i].clock_s);
        let mut j = i;
        let (mut lo, mut hi) = (i, i);
        while j < points.len() && bucket(points[j].clock_s) == column {
            if value(&points[j]) < value(&points[lo]) {
                lo = j;
            }
            if value(&points[j]) > value(&points[hi]) {
                hi = j;
            }
            j += 1;
        }
        let mut keep = [i, lo, hi, j - 1];
        keep.sort_unstable();
        let mut last = usize::MAX;
        for k in keep {
            if k != last {
                out.push((points[k].clock_s, value(&points[k])));
                last = k;
            }
        }
        i = j;
    }
    out
}

/// A step line: each value holds until the next point, then the line jumps; it ends at `end_x`.
fn step_line(start: (f64, f64), points: impl Iterator<Item = (f64, f64)>, end_x: f64) -> Vec<(f64, f64)> {
    let mut line = vec![start];
    let mut last = start.1;
    for (x, y) in points {
        line.push((x, last));
        line.push((x, y));
        last = y;
    }
    let tail = line.last().map_or(0.0, |p| p.0);
    line.push((end_x.max(tail), last));
    line
}

/// Formats `sat` exactly in the display unit: "29.99831 mBTC".
fn amount(sat: u64, input: &ChartInput<'_>) -> String {
    crate::scenario::format_sat(sat, input.sat_per_unit, input.unit_name)
}

fn rate(sat_per_s: u64, input: &ChartInput<'_>) -> String {
    format!("{}/s", amount(sat_per_s, input))
}

/// Clears the canvas to white and writes the chart's title across the top.
fn blank_with_title<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, title: String) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(e)?;
    let style = TextStyle {
        font: (FONT, 32).into_font().style(FontStyle::Bold),
        color: BLACK.to_backend_color(),
        pos: Pos::new(HPos::Center, VPos::Top),
    };
    root.draw(&Text::new(title, (WIDTH as i32 / 2, 16), style)).map_err(e)
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, input: &ChartInput<'_>, l: &Layout) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    blank_with_title(root, format!("{} — seed {}: payment channel balance over time", input.scenario, input.seed))?;
    let mut chart = ChartBuilder::on(root)
        .margin(24)
        .margin_top(104)
        .x_label_area_size(64)
        .y_label_area_size(96)
        .build_cartesian_2d(0f64..l.x_end, 0f64..l.y_end)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc(format!("time since funding ({})", l.time.name))
        .y_desc(format!("balance ({})", input.unit_name))
        .axis_desc_style((FONT, 24))
        .label_style((FONT, 20))
        .light_line_style(RGBColor(235, 235, 235))
        .bold_line_style(RGBColor(215, 215, 215))
        .x_labels(12)
        .y_labels(10)
        .x_label_formatter(&|v| tidy(*v))
        .y_label_formatter(&|v| tidy(*v))
        .draw()
        .map_err(e)?;

    let label = |size: u32, color: RGBColor| TextStyle {
        font: (FONT, size).into_font(),
        color: color.to_backend_color(),
        pos: Pos::new(HPos::Left, VPos::Top),
    };
    let top = l.y_end * 0.985;

    // Pauses and rate changes, behind the balance lines.
    let mut previous_rate: Option<u64> = None;
    for seg in input.segments {
        let (x0, x1) = (l.x(seg.start_s), l.x(seg.end_s).min(l.x_end));
        if x0 >= l.x_end {
            break;
        }
        if seg.rate_sat_per_s == 0 {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(x0, 0.0), (x1, l.y_end)],
                    RGBColor(200, 200, 200).mix(0.35).filled(),
                )))
                .map_err(e)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    "pause".to_string(),
                    ((x0 + x1) / 2.0, top),
                    label(20, FEE).pos(Pos::new(HPos::Center, VPos::Top)),
                )))
                .map_err(e)?;
        } else {
            if previous_rate.is_some_and(|r| r != seg.rate_sat_per_s) || (previous_rate.is_none() && seg.start_s > 0) {
                chart
                    .draw_series(DashedLineSeries::new(vec![(x0, 0.0), (x0, l.y_end)], 6, 6, FEE.stroke_width(2)))
                    .map_err(e)?;
            }
            let r = rate(seg.rate_sat_per_s, input);
            // Near the right edge the label goes left of its line, so it is not cut off.
            let (text, x, anchor) = match previous_rate {
                None => (format!("rate {r}"), x0 + l.x_end * 0.004, HPos::Left),
                Some(_) if x0 > l.x_end * 0.8 => (format!("then {r} →"), x0 - l.x_end * 0.004, HPos::Right),
                Some(_) => (format!("→ {r}"), x0 + l.x_end * 0.004, HPos::Left),
            };
            chart
                .draw_series(std::iter::once(Text::new(
                    text,
                    (x, top),
                    label(20, FEE).pos(Pos::new(anchor, VPos::Top)),
                )))
                .map_err(e)?;
            previous_rate = Some(seg.rate_sat_per_s);
        }
    }

    // The capacity.
    let cap = input.capacity_sat as f64 / l.per_unit;
    chart
        .draw_series(DashedLineSeries::new(vec![(0.0, cap), (l.x_end, cap)], 10, 6, CAPACITY.stroke_width(2)))
        .map_err(e)?;
    chart
        .draw_series(std::iter::once(Text::new(
            format!("capacity {}", amount(input.capacity_sat, input)),
            (l.x_end * 0.005, cap + l.y_end * 0.012),
            label(20, CAPACITY).pos(Pos::new(HPos::Left, VPos::Bottom)),
        )))
        .map_err(e)?;

    // The balances.
    chart.draw_series(LineSeries::new(l.fee.iter().copied(), FEE.stroke_width(2))).map_err(e)?;
    chart.draw_series(LineSeries::new(l.payer.iter().copied(), PAYER.stroke_width(4))).map_err(e)?;
    chart.draw_series(LineSeries::new(l.payee.iter().copied(), PAYEE.stroke_width(4))).map_err(e)?;

    // Exhaustion and settlement share one label above the capacity line, at the settlement.
    let last = input.points.last().copied().unwrap_or(BalancePoint {
        clock_s: input.settlement_s,
        payer_sat: input.capacity_sat,
        payee_sat: 0,
        fee_sat: 0,
    });
    let sx = l.x(input.settlement_s);
    let mut text_color = BLACK;
    let mut head = String::from("settlement");
    if let Some(at) = input.exhausted_at_s {
        let x = l.x(at);
        chart.draw_series(LineSeries::new(vec![(x, 0.0), (x, cap * 1.14)], EXHAUSTED.stroke_width(3))).map_err(e)?;
        text_color = EXHAUSTED;
        head = String::from("channel exhausted → settlement");
    } else {
        chart
            .draw_series(DashedLineSeries::new(vec![(sx, 0.0), (sx, cap * 1.14)], 4, 4, BLACK.stroke_width(1)))
            .map_err(e)?;
    }
    for (sat, color) in [(last.payer_sat, PAYER), (last.payee_sat, PAYEE)] {
        chart.draw_series(std::iter::once(Circle::new((sx, sat as f64 / l.per_unit), 7, color.filled()))).map_err(e)?;
    }
    let split = format!(
        "{head} at {}: {} {} · {} {} · fee {} sat",
        clock_label(input.settlement_s),
        input.payee_name,
        amount(last.payee_sat, input),
        input.payer_name,
        amount(last.payer_sat, input),
        last.fee_sat
    );
    let (anchor, nudge) =
        if sx > l.x_end * 0.5 { (HPos::Right, -l.x_end * 0.004) } else { (HPos::Left, l.x_end * 0.004) };
    chart
        .draw_series(std::iter::once(Text::new(
            split,
            (sx + nudge, cap * 1.13),
            label(22, text_color).pos(Pos::new(anchor, VPos::Top)),
        )))
        .map_err(e)?;

    // The legend: one row under the title, outside the plot.
    let entries = [
        (format!("{} (payer)", input.payer_name), PAYER, 4),
        (format!("{} (payee)", input.payee_name), PAYEE, 4),
        ("fee + dust left out".to_string(), FEE, 2),
        ("capacity".to_string(), CAPACITY, 2),
    ];
    let mut x = 150;
    for (text, color, width) in entries {
        root.draw(&PathElement::new(vec![(x, 74), (x + 34, 74)], color.stroke_width(width))).map_err(e)?;
        let style = label(22, BLACK).pos(Pos::new(HPos::Left, VPos::Center));
        root.draw(&Text::new(text.clone(), (x + 42, 74), style.clone())).map_err(e)?;
        let (w, _) = root.estimate_text_size(&text, &style).map_err(e)?;
        x += 42 + w as i32 + 36;
    }
    Ok(())
}

/// The payment chart: the price per second (a step over the segments, zero in pauses) above the
/// cumulative payment to the payee, on one time axis.
fn draw_payment<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    input: &ChartInput<'_>,
    l: &Layout,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    blank_with_title(
        root,
        format!("{} — seed {}: what {} pays, and when", input.scenario, input.seed, input.payer_name),
    )?;
    let body = root.margin(64, 0, 0, 0);
    let (top, bottom) = body.split_vertically(250);
    let label = |size: u32, color: RGBColor, pos: Pos| TextStyle {
        font: (FONT, size).into_font(),
        color: color.to_backend_color(),
        pos,
    };
    let x_end = l.x_end;
    let settle_x = l.x(input.settlement_s);

    // The price per second, as a step over the schedule up to the settlement.
    let max_rate = input.segments.iter().map(|s| s.rate_sat_per_s).max().unwrap_or(0).max(1) as f64 / l.per_unit;
    let mut rate = Vec::new();
    for seg in input.segments {
        let (a, b) = (l.x(seg.start_s), l.x(seg.end_s).min(settle_x));
        if a > settle_x {
            break;
        }
        let v = seg.rate_sat_per_s as f64 / l.per_unit;
        rate.push((a, v));
        rate.push((b, v));
    }
    let mut chart = ChartBuilder::on(&top)
        .margin(20)
        .x_label_area_size(30)
        .y_label_area_size(110)
        .build_cartesian_2d(0f64..x_end, 0f64..max_rate * 1.3)
        .map_err(e)?;
    chart
        .configure_mesh()
        .y_desc(format!("price ({}/s)", input.unit_name))
        .axis_desc_style((FONT, 22))
        .label_style((FONT, 18))
        .light_line_style(RGBColor(235, 235, 235))
        .x_label_formatter(&|v| tidy(*v))
        .y_label_formatter(&|v| tidy(*v))
        .y_labels(4)
        .draw()
        .map_err(e)?;
    chart
        .draw_series(AreaSeries::new(rate.iter().copied(), 0.0, PAYEE.mix(0.25)).border_style(PAYEE.stroke_width(3)))
        .map_err(e)?;
    for seg in input.segments.iter().filter(|s| s.rate_sat_per_s == 0) {
        let mid = (l.x(seg.start_s) + l.x(seg.end_s).min(x_end)) / 2.0;
        chart
            .draw_series(std::iter::once(Text::new(
                "pause".to_string(),
                (mid, max_rate * 0.15),
                label(20, FEE, Pos::new(HPos::Center, VPos::Bottom)),
            )))
            .map_err(e)?;
    }
    for seg in input.segments.iter().filter(|s| s.rate_sat_per_s > 0 && l.x(s.start_s) < settle_x) {
        let text = format!("{}/s", amount(seg.rate_sat_per_s, input));
        let x = (l.x(seg.start_s) + l.x(seg.end_s).min(settle_x)) / 2.0;
        let y = seg.rate_sat_per_s as f64 / l.per_unit;
        chart
            .draw_series(std::iter::once(Text::new(
                text,
                (x, y),
                label(20, BLACK, Pos::new(HPos::Center, VPos::Bottom)),
            )))
            .map_err(e)?;
    }

    // The cumulative payment: the payee's output after each commitment.
    let paid_end = input.points.last().map_or(0, |p| p.payee_sat);
    let y_end = (paid_end.max(1) as f64 / l.per_unit) * 1.2;
    let mut chart = ChartBuilder::on(&bottom)
        .margin(20)
        .x_label_area_size(60)
        .y_label_area_size(110)
        .build_cartesian_2d(0f64..x_end, 0f64..y_end)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc(format!("time since funding ({})", l.time.name))
        .y_desc(format!("paid to {} ({})", input.payee_name, input.unit_name))
        .axis_desc_style((FONT, 22))
        .label_style((FONT, 18))
        .light_line_style(RGBColor(235, 235, 235))
        .x_label_formatter(&|v| tidy(*v))
        .y_label_formatter(&|v| tidy(*v))
        .draw()
        .map_err(e)?;
    chart.draw_series(LineSeries::new(l.payee.iter().copied(), PAYEE.stroke_width(4))).map_err(e)?;
    let end_label = format!(
        "{} at {}: {} paid in {} commitments",
        if input.exhausted_at_s.is_some() { "channel exhausted" } else { "stop" },
        clock_label(input.settlement_s),
        amount(paid_end, input),
        input.commitments
    );
    let color = if input.exhausted_at_s.is_some() { EXHAUSTED } else { BLACK };
    chart
        .draw_series(std::iter::once(Text::new(
            end_label,
            (settle_x, y_end * 0.97),
            label(22, color, Pos::new(HPos::Right, VPos::Top)),
        )))
        .map_err(e)?;
    chart
        .draw_series(std::iter::once(Circle::new((settle_x, paid_end as f64 / l.per_unit), 7, PAYEE.filled())))
        .map_err(e)?;
    Ok(())
}

/// An axis label without a needless ".0": "40", "2.5".
fn tidy(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// "600 s", "59 min 59 s", "2 h 5 min".
fn clock_label(s: u64) -> String {
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, sec) => format!("{sec} s"),
        (0, m, 0) => format!("{m} min"),
        (0, m, sec) => format!("{m} min {sec} s"),
        (h, 0, _) => format!("{h} h"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` seconds at 1,000 sat/s out of a channel of `capacity` sat, with a 169-sat fee.
    fn stream(n: u64, capacity: u64) -> Vec<BalancePoint> {
        (1..=n)
            .map(move |i| BalancePoint {
                clock_s: i,
                payer_sat: capacity - 1_000 * i - 169,
                payee_sat: 1_000 * i,
                fee_sat: 169,
            })
            .collect()
    }

    #[test]
    fn thinning_keeps_extremes_and_is_bounded_per_column() {
        let pts = stream(100_000, 200_000_000);
        let thinned = thin(&pts, |p| p.payee_sat, |c| (c / 1_000) as usize);
        assert!(thinned.len() <= 4 * 101, "{}", thinned.len());
        assert_eq!(thinned.first(), Some(&(1, 1_000)));
        assert_eq!(thinned.last(), Some(&(100_000, 100_000_000)));
        assert!(thinned.windows(2).all(|w| w[0].0 < w[1].0), "in clock order");
    }

    #[test]
    fn both_files_are_written_with_text() {
        let dir = std::env::temp_dir().join(format!("paychan-chart-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let pts = stream(600, 3_600_000);
        let segs = [SegmentMark { start_s: 0, end_s: 600, rate_sat_per_s: 1_000 }];
        let input = ChartInput {
            scenario: "emma-fabian",
            seed: 14,
            payer_name: "Emma",
            payee_name: "Fabian",
            capacity_sat: 3_600_000,
            unit_name: "mBTC",
            sat_per_unit: 100_000,
            points: &pts,
            segments: &segs,
            exhausted_at_s: None,
            settlement_s: 600,
            commitments: 600,
        };
        let (png, svg) = (dir.join("b.png"), dir.join("b.svg"));
        write_balance_chart(&input, &png, &svg).unwrap();
        assert_eq!(&std::fs::read(&png).unwrap()[..8], b"\x89PNG\r\n\x1a\n");
        let svg = std::fs::read_to_string(&svg).unwrap();
        assert!(svg.contains("emma-fabian") && svg.contains("capacity 36 mBTC") && svg.contains("Fabian 6 mBTC"));
        let (png2, svg2) = (dir.join("p.png"), dir.join("p.svg"));
        write_payment_chart(&input, &png2, &svg2).unwrap();
        assert_eq!(&std::fs::read(&png2).unwrap()[..8], b"\x89PNG\r\n\x1a\n");
        let svg2 = std::fs::read_to_string(&svg2).unwrap();
        assert!(svg2.contains("6 mBTC paid in 600 commitments") && svg2.contains("0.01 mBTC/s"), "{svg2}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn amounts_are_exact() {
        let input = ChartInput {
            scenario: "",
            seed: 0,
            payer_name: "",
            payee_name: "",
            capacity_sat: 0,
            unit_name: "mBTC",
            sat_per_unit: 100_000,
            points: &[],
            segments: &[],
            exhausted_at_s: None,
            settlement_s: 0,
            commitments: 0,
        };
        assert_eq!(amount(2_999_831, &input), "29.99831 mBTC");
        assert_eq!(amount(600_000, &input), "6 mBTC");
        assert_eq!(clock_label(3_599), "59 min 59 s");
    }
}
