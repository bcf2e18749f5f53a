//! The audience's three charts, drawn with the single-channel chart's frame, axes, text and
//! files ([`crate::output::chart`]): revenue and active channels over the day, the distribution
//! of watch time, and how much of its capacity each channel paid out.

use std::path::Path;

use plotters::style::text_anchor::HPos;
use plotters::style::{Color, RGBColor};

use super::outputs::{Histogram, Minute, Totals};
use crate::output::chart::{
    amount_ticks, axes, clock_label, grid, group, header, number, plot_left, register_fonts, text_height, tick_width,
    write_files, Axes, ChartError, Frame, Label, Shape, TimeAxis, EXHAUSTED, FEE, H, INK, LABEL_SIZE, PAYEE, PAYER, W,
};

/// What the audience charts show.
#[derive(Debug, Clone)]
pub struct AudienceChart<'a> {
    /// The scenario's name.
    pub scenario: &'a str,
    /// Its seed.
    pub seed: u64,
    /// Who is paid.
    pub payee: &'a str,
    /// Display unit name, e.g. "mBTC".
    pub unit_name: &'a str,
    /// Satoshis per display unit.
    pub sat_per_unit: u64,
    /// Every minute of the day.
    pub minutes: &'a [Minute],
    /// Channels open during each minute.
    pub active: &'a [u64],
    /// Seconds watched (paid), binned.
    pub watched: &'a Histogram,
    /// Channels stopped by the viewer, by the share of the capacity paid, in 5% bins.
    pub used_stopped: &'a [u64],
    /// Channels that ran dry, likewise.
    pub used_exhausted: &'a [u64],
    /// The totals.
    pub totals: &'a Totals,
}

/// Draws `revenue`, `watch` and `capacity` (PNG and SVG each) into `dir`.
///
/// # Errors
///
/// [`ChartError`] when a chart cannot be drawn or written.
pub fn write_all(c: &AudienceChart<'_>, dir: &Path) -> Result<(), ChartError> {
    for (name, draw) in [
        ("revenue", revenue as fn(&AudienceChart<'_>) -> Result<Vec<Shape>, String>),
        ("watch", watch),
        ("capacity", capacity),
    ] {
        let (png, svg) = (dir.join(format!("{name}.png")), dir.join(format!("{name}.svg")));
        let shapes = register_fonts()
            .and_then(|()| draw(c))
            .map_err(|message| ChartError::Draw { path: png.clone(), message })?;
        write_files(&shapes, &png, &svg)?;
    }
    Ok(())
}

fn title(c: &AudienceChart<'_>) -> String {
    format!("{} — seed {}, {} viewers", c.scenario, c.seed, group(c.totals.viewers))
}

/// Channels open over the day above the payee's cumulative revenue and the on-chain fees.
fn revenue(c: &AudienceChart<'_>) -> Result<Vec<Shape>, String> {
    let day = Day::new(c)?;
    let (upper_axes, lower_axes) = (day.upper_axes(), day.lower_axes(c));
    let (upper, lower) = (&day.upper, &day.lower);
    let mut out = Vec::new();
    grid(&mut out, upper, &upper_axes);
    grid(&mut out, lower, &lower_axes);
    let step = active_step(c.active, upper);
    if let (Some(first), Some(last)) = (step.first().copied(), step.last().copied()) {
        let mut area = vec![(first.0, upper.zero_y)];
        area.extend(step.iter().copied());
        area.push((last.0, upper.zero_y));
        out.push(Shape::Area { points: area, color: PAYER.mix(0.22) });
        out.push(Shape::Line { points: step, color: PAYER, width: 2, dash: None });
    }
    day.money(&mut out, c);
    axes(&mut out, upper, &upper_axes);
    axes(&mut out, lower, &lower_axes);
    header(
        &mut out,
        upper.left,
        upper.right,
        title(c),
        "channels open each minute; revenue and fees as they accrue".to_string(),
        &[("revenue".to_string(), PAYEE, 4), ("on-chain fees".to_string(), FEE, 3)],
    )?;
    Ok(out)
}

/// The revenue chart's two plots over the day, and the cumulative series of the lower one.
struct Day {
    time: TimeAxis,
    per: u64,
    active_ticks: Vec<u64>,
    money_ticks: Vec<u64>,
    upper: Frame,
    lower: Frame,
    /// (clock, cumulative satoshis) at the end of each minute, from (0, 0).
    revenue: Vec<(u64, u64)>,
    fees: Vec<(u64, u64)>,
}

impl Day {
    fn new(c: &AudienceChart<'_>) -> Result<Day, String> {
        let per = c.sat_per_unit.max(1);
        let end_s = (c.minutes.len() as u64 * 60).max(60);
        let max_active = c.active.iter().copied().max().unwrap_or(0).max(1);
        let (mut revenue, mut fees) = (vec![(0u64, 0u64)], vec![(0u64, 0u64)]);
        let (mut r, mut f) = (0u64, 0u64);
        for (i, m) in c.minutes.iter().enumerate() {
            r += m.revenue_sat;
            f += m.onchain_fees_sat;
            revenue.push(((i as u64 + 1) * 60, r));
            fees.push(((i as u64 + 1) * 60, f));
        }
        let top = r.max(f).max(1);
        let active_ticks = amount_ticks(max_active, 3);
        let money_ticks = amount_ticks(top, 6);
        let left = plot_left(tick_width(&active_ticks, 1)?.max(tick_width(&money_ticks, per)?));
        let right = W - 26;
        let upper = Frame {
            left,
            right,
            top: 100,
            bottom: 300,
            data_right: right - 10,
            end_s,
            zero_y: 300,
            full_y: 130,
            full_sat: max_active,
        };
        let lower = Frame { top: 330, bottom: H - 80, zero_y: H - 80, full_y: 360, full_sat: top, ..upper };
        let time = TimeAxis::for_span(end_s);
        Ok(Day { time, per, active_ticks, money_ticks, upper, lower, revenue, fees })
    }

    fn upper_axes(&self) -> Axes<'_> {
        Axes {
            time: self.time,
            y_ticks: &self.active_ticks,
            sat_per_unit: 1,
            grid_top: self.upper.top,
            x_labels: false,
            x_name: None,
            y_name: "open channels".to_string(),
        }
    }

    fn lower_axes(&self, c: &AudienceChart<'_>) -> Axes<'_> {
        Axes {
            time: self.time,
            y_ticks: &self.money_ticks,
            sat_per_unit: self.per,
            grid_top: self.lower.top,
            x_labels: true,
            x_name: Some(format!("time of day ({})", self.time.name)),
            y_name: format!("cumulative ({})", c.unit_name),
        }
    }

    /// The lower plot's revenue and fee lines, each labelled with its total at the right.
    fn money(&self, out: &mut Vec<Shape>, c: &AudienceChart<'_>) {
        let lower = &self.lower;
        let (r, f) = (self.revenue.last().map_or(0, |p| p.1), self.fees.last().map_or(0, |p| p.1));
        let path = |points: &[(u64, u64)]| points.iter().map(|&(s, v)| (lower.x(s), lower.y(v))).collect::<Vec<_>>();
        out.push(Shape::Line { points: path(&self.fees), color: FEE, width: 3, dash: Some((10, 6)) });
        out.push(Shape::Line { points: path(&self.revenue), color: PAYEE, width: 4, dash: None });
        let at = |v: u64| lower.y(v) - 8 - text_height(LABEL_SIZE);
        let money = |sat: u64| format!("{} {}", number(sat, self.per), c.unit_name);
        out.push(Shape::Text(Label::new(
            format!("{} paid {}", c.payee, money(r)),
            (lower.data_right - 4, at(r).max(lower.top + 4)),
            LABEL_SIZE,
            PAYEE,
            HPos::Right,
        )));
        let fee_y = at(f).max(at(r) + text_height(LABEL_SIZE) + 12).min(lower.zero_y - text_height(LABEL_SIZE) - 6);
        out.push(Shape::Text(Label::new(
            format!("on-chain fees {}", money(f)),
            (lower.data_right - 4, fee_y),
            LABEL_SIZE,
            FEE,
            HPos::Right,
        )));
    }
}

/// The step line of the most channels open in each pixel column of `upper`: a day has more
/// minutes than the plot has pixels, and a spike narrower than a pixel would otherwise be a
/// stray dot. Within a flat run only its ends are kept.
fn active_step(active: &[u64], upper: &Frame) -> Vec<(i32, i32)> {
    let mut columns = vec![0u64; (upper.data_right - upper.left + 1).max(1) as usize];
    for (i, &a) in active.iter().enumerate() {
        let (c0, c1) = (upper.x(i as u64 * 60) - upper.left, upper.x((i as u64 + 1) * 60) - upper.left);
        for col in c0.max(0)..=(c1 - 1).max(c0).min(columns.len() as i32 - 1) {
            columns[col as usize] = columns[col as usize].max(a);
        }
    }
    let mut step = Vec::with_capacity(2 * columns.len());
    for (col, &a) in columns.iter().enumerate() {
        let y = upper.y(a);
        for p in [(upper.left + col as i32, y), (upper.left + col as i32 + 1, y)] {
            if let [.., (_, y0), (_, y1)] = step[..] {
                if y0 == y && y1 == y {
                    step.pop();
                }
            }
            step.push(p);
        }
    }
    step
}

/// A bar chart: one bar per bin over `[0, bins·bin_width)`, the stacks drawn one on another.
struct Bars<'a> {
    bins: usize,
    bin_width: u64,
    stacks: &'a [(&'a [u64], RGBColor)],
    x_name: String,
    caption: String,
    legend: &'a [(String, RGBColor, u32)],
    x_scale: Option<TimeAxis>,
}

fn bars(c: &AudienceChart<'_>, b: Bars<'_>) -> Result<Vec<Shape>, String> {
    let Bars { bins, bin_width, stacks, x_name, caption, legend, x_scale } = b;
    let bins = bins.max(1);
    let end = bins as u64 * bin_width;
    let tallest = (0..bins).map(|i| stacks.iter().map(|(s, _)| s.get(i).copied().unwrap_or(0)).sum::<u64>()).max();
    let tallest = tallest.unwrap_or(0).max(1);
    let ticks = amount_ticks(tallest, 6);
    let left = plot_left(tick_width(&ticks, 1)?);
    let right = W - 26;
    let f = Frame {
        left,
        right,
        top: 100,
        bottom: H - 80,
        data_right: right - 10,
        end_s: end,
        zero_y: H - 80,
        full_y: 140,
        full_sat: tallest,
    };
    let a = Axes {
        time: x_scale.unwrap_or_else(|| TimeAxis::for_span(end)),
        y_ticks: &ticks,
        sat_per_unit: 1,
        grid_top: f.top,
        x_labels: true,
        x_name: Some(x_name),
        y_name: "channels".to_string(),
    };
    let mut out = Vec::new();
    grid(&mut out, &f, &a);
    for i in 0..bins {
        let (x0, x1) = (f.x(i as u64 * bin_width) + 1, f.x((i as u64 + 1) * bin_width) - 1);
        let mut below = 0;
        for (counts, color) in stacks {
            let n = counts.get(i).copied().unwrap_or(0);
            if n > 0 {
                out.push(Shape::Rect { from: (x0, f.y(below + n)), to: (x1, f.y(below)), color: color.mix(0.85) });
            }
            below += n;
        }
        if below > 0 {
            let label =
                Label::new(group(below), ((x0 + x1) / 2, f.y(below) - 6 - text_height(16)), 16, INK, HPos::Center);
            if bins <= 24 {
                out.push(Shape::Text(label));
            }
        }
    }
    axes(&mut out, &f, &a);
    header(&mut out, left, right, title(c), caption, legend)?;
    Ok(out)
}

/// How long viewers watched (paid for): a histogram.
fn watch(c: &AudienceChart<'_>) -> Result<Vec<Shape>, String> {
    let h = c.watched;
    let used = h.used();
    let mean = c.totals.seconds_watched / c.totals.viewers.max(1);
    let time = TimeAxis::for_span(used.len().max(1) as u64 * h.width);
    bars(
        c,
        Bars {
            bins: used.len(),
            bin_width: h.width,
            stacks: &[(used, PAYEE)],
            x_name: format!("time watched and paid for ({}), in bins of {}", time.name, clock_label(h.width)),
            caption: format!("mean {} of video paid per viewer", clock_label(mean)),
            legend: &[],
            x_scale: Some(time),
        },
    )
}

/// The share of each channel's capacity paid to the payee, in 5% bins: stopped by the viewer
/// and run dry, stacked.
fn capacity(c: &AudienceChart<'_>) -> Result<Vec<Shape>, String> {
    // The x axis counts percent; a 100-"second" span gives ticks every 20.
    bars(
        c,
        Bars {
            bins: 20,
            bin_width: 5,
            stacks: &[(c.used_stopped, PAYEE), (c.used_exhausted, EXHAUSTED)],
            x_name: format!("share of the channel's capacity paid to {} (%)", c.payee),
            caption: format!("{} of {} channels ran dry", group(c.totals.exhausted), group(c.totals.viewers)),
            legend: &[("viewer stopped".to_string(), PAYEE, 10), ("channel exhausted".to_string(), EXHAUSTED, 10)],
            x_scale: Some(TimeAxis { unit_s: 1, name: "%", step_s: 10 }),
        },
    )
}
