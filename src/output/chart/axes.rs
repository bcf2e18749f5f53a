//! Where a plot sits and how clock and satoshis map to its pixels; the round ticks of both
//! axes, the grid behind a plot and the axes with their labels and names in front.

use plotters::style::text_anchor::HPos;

use super::canvas::Shape;
use super::style::{AXIS, AXIS_NAME_SIZE, GRID, INK, TICK_SIZE};
use super::text::{text_height, Label};
use super::words::{group, number};

/// A plot area and its scales.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    pub(crate) left: i32,
    pub(crate) right: i32,
    pub(crate) top: i32,
    pub(crate) bottom: i32,
    /// Pixel of the last clock second (a little inside `right`, so end markers are not cut).
    pub(crate) data_right: i32,
    pub(crate) end_s: u64,
    /// Pixel rows of 0 and of `full_sat`.
    pub(crate) zero_y: i32,
    pub(crate) full_y: i32,
    pub(crate) full_sat: u64,
}

impl Frame {
    pub(crate) fn xf(&self, clock_s: u64) -> f64 {
        f64::from(self.left)
            + clock_s.min(self.end_s) as f64 / self.end_s as f64 * f64::from(self.data_right - self.left)
    }

    pub(crate) fn x(&self, clock_s: u64) -> i32 {
        self.xf(clock_s).round() as i32
    }

    pub(crate) fn y(&self, sat: u64) -> i32 {
        let y = f64::from(self.zero_y) - sat as f64 / self.full_sat as f64 * f64::from(self.zero_y - self.full_y);
        (y.round() as i32).max(self.top)
    }

    /// The pixel column of a clock time, from 0 at `left`.
    pub(super) fn column(&self) -> impl Fn(u64) -> usize {
        let per_s = f64::from(self.data_right - self.left) / self.end_s as f64;
        let end_s = self.end_s;
        move |clock_s| (clock_s.min(end_s) as f64 * per_s) as usize
    }
}

/// The time axis: its unit and tick spacing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimeAxis {
    pub(crate) unit_s: u64,
    pub(crate) name: &'static str,
    pub(crate) step_s: u64,
}

/// 1, 2, 5, 10, 20, 50, ... up to 5·10^18.
fn decades() -> impl Iterator<Item = u64> {
    (0..19u32).flat_map(|k| [1u64, 2, 5].map(move |m| m * 10u64.pow(k)))
}

impl TimeAxis {
    /// Seconds up to 20 minutes, minutes up to 5 hours, hours beyond; at most 9 ticks.
    pub(crate) fn for_span(end_s: u64) -> TimeAxis {
        let (unit_s, name, round): (u64, &'static str, &[u64]) = if end_s > 5 * 3600 {
            (3600, "h", &[1, 2, 3, 6, 12, 24, 48])
        } else if end_s > 20 * 60 {
            (60, "min", &[1, 2, 5, 10, 15, 20, 30, 60])
        } else {
            (1, "s", &[1, 2, 5, 10, 15, 20, 30, 50, 60, 100, 120, 200, 300])
        };
        let largest = round.last().copied().unwrap_or(1);
        let step = round
            .iter()
            .copied()
            .chain(decades().filter(|&d| d > largest))
            .map(|units| units.saturating_mul(unit_s))
            .find(|&step_s| end_s / step_s <= 8)
            .unwrap_or(u64::MAX);
        TimeAxis { unit_s, name, step_s: step }
    }

    pub(crate) fn ticks(&self, end_s: u64) -> Vec<u64> {
        std::iter::successors(Some(0u64), |t| t.checked_add(self.step_s)).take_while(|&t| t <= end_s).collect()
    }

    pub(crate) fn label(&self, tick_s: u64) -> String {
        group(tick_s / self.unit_s)
    }
}

/// The smallest 1-2-5 step that divides `max` into at most `intervals` steps.
fn amount_step(max: u64, intervals: u64) -> u64 {
    decades().find(|&step| max / step <= intervals).unwrap_or(u64::MAX)
}

pub(crate) fn amount_ticks(max: u64, intervals: u64) -> Vec<u64> {
    let step = amount_step(max, intervals);
    std::iter::successors(Some(0u64), |t| t.checked_add(step)).take_while(|&t| t <= max).collect()
}

/// Grid, axes, tick labels and axis names of one plot.
pub(crate) struct Axes<'a> {
    pub(crate) time: TimeAxis,
    pub(crate) y_ticks: &'a [u64],
    pub(crate) sat_per_unit: u64,
    /// Grid lines stop at this pixel row (the space above holds labels).
    pub(crate) grid_top: i32,
    pub(crate) x_labels: bool,
    pub(crate) x_name: Option<String>,
    pub(crate) y_name: String,
}

/// The width of the widest tick label: the plot's left edge depends on it.
pub(crate) fn tick_width(ticks: &[u64], sat_per_unit: u64) -> Result<i32, String> {
    let mut widest = 0;
    for &t in ticks {
        widest = widest.max(Label::new(number(t, sat_per_unit), (0, 0), TICK_SIZE, INK, HPos::Right).width()?);
    }
    Ok(widest)
}

/// The left edge of a plot whose widest tick label is `tick_w` wide.
pub(crate) fn plot_left(tick_w: i32) -> i32 {
    14 + text_height(AXIS_NAME_SIZE) + 16 + tick_w + 12
}

pub(crate) fn grid(out: &mut Vec<Shape>, f: &Frame, a: &Axes<'_>) {
    for t in a.time.ticks(f.end_s) {
        let x = f.x(t);
        out.push(Shape::Line { points: vec![(x, a.grid_top), (x, f.bottom)], color: GRID, width: 1, dash: None });
    }
    for &v in a.y_ticks {
        let y = f.y(v);
        out.push(Shape::Line { points: vec![(f.left, y), (f.right, y)], color: GRID, width: 1, dash: None });
    }
}

pub(crate) fn axes(out: &mut Vec<Shape>, f: &Frame, a: &Axes<'_>) {
    let line = |points| Shape::Line { points, color: AXIS, width: 2, dash: None };
    out.push(line(vec![(f.left, f.top), (f.left, f.bottom), (f.right, f.bottom)]));
    for t in a.time.ticks(f.end_s) {
        let x = f.x(t);
        out.push(line(vec![(x, f.bottom), (x, f.bottom + 6)]));
        if a.x_labels {
            out.push(Shape::Text(Label::new(a.time.label(t), (x, f.bottom + 11), TICK_SIZE, INK, HPos::Center)));
        }
    }
    for &v in a.y_ticks {
        let y = f.y(v);
        out.push(line(vec![(f.left - 6, y), (f.left, y)]));
        let top = y - (f64::from(TICK_SIZE) * 0.32).round() as i32;
        out.push(Shape::Text(Label::new(number(v, a.sat_per_unit), (f.left - 10, top), TICK_SIZE, INK, HPos::Right)));
    }
    if let Some(name) = &a.x_name {
        let at = ((f.left + f.data_right) / 2, f.bottom + 43);
        out.push(Shape::Text(Label::new(name.clone(), at, AXIS_NAME_SIZE, INK, HPos::Center)));
    }
    let mut name = Label::new(a.y_name.clone(), (14, (f.top + f.bottom) / 2), AXIS_NAME_SIZE, INK, HPos::Center);
    name.rotated = true;
    out.push(Shape::Text(name));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_in_the_axis_unit() {
        assert_eq!(TimeAxis::for_span(600), TimeAxis { unit_s: 1, name: "s", step_s: 100 });
        let hour = TimeAxis::for_span(3_599);
        assert_eq!((hour.name, hour.step_s), ("min", 600));
        let long = TimeAxis::for_span(1_000_000);
        assert_eq!(long.name, "h");
        assert!(long.ticks(1_000_000).len() <= 9);
        assert!(
            (2..=9).contains(&TimeAxis::for_span(u64::MAX).ticks(u64::MAX).len()),
            "no overflow at the end of time"
        );
        assert_eq!(
            amount_ticks(3_600_000, 7),
            vec![0, 500_000, 1_000_000, 1_500_000, 2_000_000, 2_500_000, 3_000_000, 3_500_000]
        );
        assert_eq!(amount_ticks(1, 7), vec![0, 1]);
    }
}
