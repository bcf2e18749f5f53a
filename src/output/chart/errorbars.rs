//! The error-bar chart: one metric of a sweep against one of its axes, each point the mean over
//! the replicates with its 95% interval as a bar, one line a combination of the other axes, so an
//! analyst sees both the trend and how sure it is.

use std::path::Path;

use plotters::coord::ranged1d::Ranged;
use plotters::coord::types::RangedCoordf64;
use plotters::style::text_anchor::HPos;
use plotters::style::RGBColor;

use super::axes::plot_left;
use super::canvas::{draw_error, write_files, Shape};
use super::header::header;
use super::style::{register_fonts, AXIS, AXIS_NAME_SIZE, GRID, H, INK, LEGEND_SIZE, MUTED, TICK_SIZE, W};
use super::text::Label;
use super::ChartError;

/// One point: the mean and, when there are two replicates or more, its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErrorBar {
    /// The mean over the replicates.
    pub mean: f64,
    /// The interval's (low, high) ends.
    pub ci95: Option<(f64, f64)>,
}

/// One line of the chart: a combination of the axes not drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorBarSeries {
    /// Its legend entry.
    pub label: String,
    /// One point per category, `None` where the combination has no value.
    pub points: Vec<Option<ErrorBar>>,
}

/// What the error-bar chart shows.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorBarInput {
    /// The title.
    pub title: String,
    /// The line under the title.
    pub caption: String,
    /// The horizontal axis's name.
    pub x_name: String,
    /// The vertical axis's name.
    pub y_name: String,
    /// The heading of the legend: what names the lines.
    pub legend_title: String,
    /// The values of the horizontal axis, in order, evenly spaced.
    pub categories: Vec<String>,
    /// The lines.
    pub series: Vec<ErrorBarSeries>,
}

/// Colours of the lines, in order (and again from the first past the last).
const PALETTE: [RGBColor; 8] = [
    RGBColor(31, 100, 180),
    RGBColor(232, 108, 0),
    RGBColor(44, 150, 44),
    RGBColor(200, 30, 40),
    RGBColor(130, 90, 180),
    RGBColor(140, 86, 75),
    RGBColor(220, 100, 180),
    RGBColor(100, 100, 100),
];

/// Legend entries listed in the right-hand panel; more are counted in one line.
const LEGEND_ROWS: usize = 16;

/// Draws the error-bar chart to `png` (1280×720) and `svg`.
///
/// # Errors
///
/// As [`super::write_balance_chart`].
pub fn write_errorbar_chart(input: &ErrorBarInput, png: &Path, svg: &Path) -> Result<(), ChartError> {
    let shapes = register_fonts().and_then(|()| errorbar_chart(input)).map_err(draw_error(png))?;
    write_files(&shapes, png, svg)
}

/// A tick value as text: as many decimals as the step between ticks needs.
fn tick_text(v: f64, step: f64) -> String {
    let decimals = if step >= 1.0 { 0 } else { (-step.log10()).ceil().clamp(0.0, 9.0) as usize };
    format!("{:.*}", decimals, v + 0.0)
}

/// The vertical range: every mean and interval end, and 0, with a margin above.
fn value_range(input: &ErrorBarInput) -> (f64, f64) {
    let ends = input.series.iter().flat_map(|s| s.points.iter().flatten()).flat_map(|p| {
        let (lo, hi) = p.ci95.unwrap_or((p.mean, p.mean));
        [p.mean, lo, hi]
    });
    let (lo, hi) = ends.fold((0.0_f64, 0.0_f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let span = if hi > lo { hi - lo } else { 1.0 };
    (if lo < 0.0 { lo - span * 0.05 } else { lo }, hi + span * 0.08)
}

fn errorbar_chart(input: &ErrorBarInput) -> Result<Vec<Shape>, String> {
    let mut out = Vec::new();
    let (lo, hi) = value_range(input);
    let ticks: Vec<f64> = RangedCoordf64::from(lo..hi).key_points(10usize);
    let step = ticks.windows(2).map(|w| w[1] - w[0]).next().unwrap_or(1.0);
    let mut tick_w = 0;
    for &t in &ticks {
        tick_w = tick_w.max(Label::new(tick_text(t, step), (0, 0), TICK_SIZE, INK, HPos::Right).width()?);
    }
    let legend_w = if input.series.len() > 1 { 300 } else { 0 };
    let (left, right, top, bottom) = (plot_left(tick_w), W - 40 - legend_w, 130, H - 100);
    header(&mut out, left, W - 40, input.title.clone(), input.caption.clone(), &[])?;
    let y = |v: f64| bottom - ((v - lo) / (hi - lo) * f64::from(bottom - top)).round() as i32;
    let line = |points, color, width| Shape::Line { points, color, width, dash: None };
    for &t in &ticks {
        out.push(line(vec![(left, y(t)), (right, y(t))], GRID, 1));
        out.push(line(vec![(left - 6, y(t)), (left, y(t))], AXIS, 2));
        let at = (left - 10, y(t) - (f64::from(TICK_SIZE) * 0.32).round() as i32);
        out.push(Shape::Text(Label::new(tick_text(t, step), at, TICK_SIZE, INK, HPos::Right)));
    }
    out.push(line(vec![(left, top), (left, bottom), (right, bottom)], AXIS, 2));
    let slots = i32::try_from(input.categories.len().max(1)).unwrap_or(1);
    let slot = (right - left) / slots;
    let x = |i: usize| left + slot * i32::try_from(i).unwrap_or(0) + slot / 2;
    for (i, name) in input.categories.iter().enumerate() {
        out.push(line(vec![(x(i), bottom), (x(i), bottom + 6)], AXIS, 2));
        out.push(Shape::Text(Label::new(name.clone(), (x(i), bottom + 11), TICK_SIZE, INK, HPos::Center)));
    }
    let at = ((left + right) / 2, bottom + 50);
    out.push(Shape::Text(Label::new(input.x_name.clone(), at, AXIS_NAME_SIZE, INK, HPos::Center)));
    let mut name = Label::new(input.y_name.clone(), (14, (top + bottom) / 2), AXIS_NAME_SIZE, INK, HPos::Center);
    name.rotated = true;
    out.push(Shape::Text(name));
    // Lines side by side within a category, so their bars do not hide each other.
    let n = i32::try_from(input.series.len()).unwrap_or(1);
    let dodge = (slot / (n + 2)).min(26);
    for (s, series) in input.series.iter().enumerate() {
        let color = PALETTE[s % PALETTE.len()];
        let offset = (2 * i32::try_from(s).unwrap_or(0) - (n - 1)) * dodge / 2;
        let at = |i: usize, v: f64| (x(i) + offset, y(v));
        let means: Vec<(i32, i32)> =
            series.points.iter().enumerate().filter_map(|(i, p)| p.map(|p| at(i, p.mean))).collect();
        out.push(line(means.clone(), color, 2));
        for (i, p) in series.points.iter().enumerate() {
            let Some(ErrorBar { ci95: Some((low, high)), .. }) = p else { continue };
            let ((cx, top_y), (_, low_y)) = (at(i, *high), at(i, *low));
            out.push(line(vec![(cx, top_y), (cx, low_y)], color, 2));
            out.push(line(vec![(cx - 7, top_y), (cx + 7, top_y)], color, 2));
            out.push(line(vec![(cx - 7, low_y), (cx + 7, low_y)], color, 2));
        }
        for at in means {
            out.push(Shape::Dot { at, radius: 5, color });
        }
    }
    legend(&mut out, input, right + 30, top);
    Ok(out)
}

/// The lines' names in a column right of the plot, from `top` down.
fn legend(out: &mut Vec<Shape>, input: &ErrorBarInput, x: i32, top: i32) {
    if input.series.len() < 2 {
        return;
    }
    let row = 30;
    out.push(Shape::Text(Label::new(input.legend_title.clone(), (x, top), 20, MUTED, HPos::Left).bold()));
    let top = top + row + 6;
    for (s, series) in input.series.iter().take(LEGEND_ROWS).enumerate() {
        let y = top + row * i32::try_from(s).unwrap_or(0);
        let mid = y + (f64::from(LEGEND_SIZE) * 0.36).round() as i32;
        let color = PALETTE[s % PALETTE.len()];
        out.push(Shape::Line { points: vec![(x, mid), (x + 30, mid)], color, width: 3, dash: None });
        out.push(Shape::Dot { at: (x + 15, mid), radius: 4, color });
        out.push(Shape::Text(Label::new(series.label.clone(), (x + 38, y), 20, INK, HPos::Left)));
    }
    if input.series.len() > LEGEND_ROWS {
        let y = top + row * i32::try_from(LEGEND_ROWS).unwrap_or(0);
        let more = format!("and {} more", input.series.len() - LEGEND_ROWS);
        out.push(Shape::Text(Label::new(more, (x + 38, y), 20, MUTED, HPos::Left)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_have_the_decimals_their_step_needs() {
        assert_eq!(tick_text(2000.0, 500.0), "2000");
        assert_eq!(tick_text(0.25, 0.05), "0.25");
        assert_eq!(tick_text(-0.0, 0.1), "0.0");
    }

    #[test]
    fn the_range_holds_every_interval_and_zero() {
        let bar = |mean, ci95| Some(ErrorBar { mean, ci95 });
        let input = ErrorBarInput {
            title: String::new(),
            caption: String::new(),
            x_name: String::new(),
            y_name: String::new(),
            legend_title: String::new(),
            categories: vec!["a".into(), "b".into()],
            series: vec![ErrorBarSeries { label: "s".into(), points: vec![bar(10.0, Some((4.0, 16.0))), None] }],
        };
        let (lo, hi) = value_range(&input);
        assert_eq!(lo, 0.0);
        assert!(hi > 16.0 && hi < 18.0, "{hi}");
    }
}
