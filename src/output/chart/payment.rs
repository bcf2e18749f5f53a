//! The payment chart: the price per second over time (zero in pauses) above what the payee has
//! been paid, on one time axis.

use crate::words::{say, Msg};
use plotters::style::text_anchor::HPos;
use plotters::style::Color;

use super::axes::{amount_ticks, axes, grid, plot_left, tick_width, Axes, Frame, TimeAxis};
use super::canvas::Shape;
use super::header::header;
use super::place::{spot, Placer, COVERS_LINE};
use super::steps::{simplify, step_path, thin};
use super::style::{EXHAUSTED, H, INK, LABEL_SIZE, MUTED, PAD, PAUSE, PAYEE, W};
use super::text::{text_height, Label};
use super::words::{amount, clock_label_in, rate_text, time_unit};
use super::{end_of, final_state, ran, settled_at, ChartInput};

/// The payment chart's shapes, back to front: pauses, grids, the price, the payment, axes,
/// labels, title.
pub(super) fn chart(input: &ChartInput<'_>) -> Result<Vec<Shape>, String> {
    let plots = Plots::new(input)?;
    let (upper_axes, lower_axes) = (plots.upper_axes(input), plots.lower_axes(input));
    let (upper, lower) = (&plots.upper, &plots.lower);
    let mut out = Vec::new();
    for f in [upper, lower] {
        for (start, stop, rate) in ran(input.segments, f.end_s) {
            if rate == 0 {
                out.push(Shape::Rect {
                    from: (f.x(start), f.top + 1),
                    to: (f.x(stop), f.bottom),
                    color: PAUSE.to_rgba(),
                });
            }
        }
    }
    grid(&mut out, upper, &upper_axes);
    grid(&mut out, lower, &lower_axes);
    let mut labels = price(&mut out, input, upper)?;
    labels.push(paid(&mut out, input, lower));
    axes(&mut out, upper, &upper_axes);
    axes(&mut out, lower, &lower_axes);
    out.extend(labels.into_iter().map(Shape::Text));
    header(
        &mut out,
        upper.left,
        upper.right,
        say(input.lang, Msg::ChartTitle, &[("name", input.scenario), ("seed", &input.seed.to_string())]),
        say(input.lang, Msg::ChartPaymentTitle, &[("payer", input.payer_name), ("payee", input.payee_name)]),
        &[],
    )?;
    Ok(out)
}

/// The two plots on one time axis: the price per second above, the payment below.
struct Plots {
    time: TimeAxis,
    per: u64,
    rate_ticks: Vec<u64>,
    paid_ticks: Vec<u64>,
    upper: Frame,
    lower: Frame,
}

impl Plots {
    fn new(input: &ChartInput<'_>) -> Result<Plots, String> {
        let per = input.sat_per_unit.max(1);
        let end_s = end_of(input);
        let max_rate = ran(input.segments, settled_at(input).max(1)).map(|s| s.2).max().unwrap_or(0).max(1);
        let paid = final_state(input).payee_sat;
        let rate_ticks = amount_ticks(max_rate, 3);
        let paid_ticks = amount_ticks(paid.max(1), 6);
        let left = plot_left(tick_width(&rate_ticks, per)?.max(tick_width(&paid_ticks, per)?));
        let right = W - 26;
        let upper = Frame {
            left,
            right,
            top: 100,
            bottom: 300,
            data_right: right - 22,
            end_s,
            zero_y: 300,
            full_y: 100 + 48,
            full_sat: max_rate,
        };
        let lower =
            Frame { top: 330, bottom: H - 80, zero_y: H - 80 - 10, full_y: 330 + 48, full_sat: paid.max(1), ..upper };
        Ok(Plots { time: TimeAxis::for_span(end_s), per, rate_ticks, paid_ticks, upper, lower })
    }

    fn upper_axes(&self, input: &ChartInput<'_>) -> Axes<'_> {
        Axes {
            time: self.time,
            y_ticks: &self.rate_ticks,
            sat_per_unit: self.per,
            grid_top: self.upper.full_y,
            x_labels: false,
            x_name: None,
            y_name: say(input.lang, Msg::ChartPrice, &[("unit", input.unit_name)]),
        }
    }

    fn lower_axes(&self, input: &ChartInput<'_>) -> Axes<'_> {
        Axes {
            time: self.time,
            y_ticks: &self.paid_ticks,
            sat_per_unit: self.per,
            grid_top: self.lower.top,
            x_labels: true,
            x_name: Some(say(input.lang, Msg::ChartTime, &[("unit", time_unit(self.time.name, input.lang))])),
            y_name: match input.ending {
                // Without a settlement the states promised what the chain may not have paid.
                Some(_) => say(input.lang, Msg::ChartOwed, &[("payee", input.payee_name), ("unit", input.unit_name)]),
                None => say(input.lang, Msg::ChartPaid, &[("payee", input.payee_name), ("unit", input.unit_name)]),
            },
        }
    }
}

/// The price per second in the plot `f`, as a step over the schedule up to the settlement with
/// the area below it filled; returns its labels, one a segment where it fits.
fn price(out: &mut Vec<Shape>, input: &ChartInput<'_>, f: &Frame) -> Result<Vec<Label>, String> {
    let settle = settled_at(input);
    let mut step = Vec::new();
    for (start, stop, rate) in ran(input.segments, settle.max(1)) {
        let y = f.y(rate);
        step.push((f.x(start), y));
        step.push((f.x(stop), y));
    }
    let step = simplify(step);
    if let (Some(first), Some(last)) = (step.first().copied(), step.last().copied()) {
        let mut area = vec![(first.0, f.zero_y)];
        area.extend(step.iter().copied());
        area.push((last.0, f.zero_y));
        out.push(Shape::Area { points: area, color: PAYEE.mix(0.22) });
        out.push(Shape::Line { points: step.clone(), color: PAYEE, width: 3, dash: None });
    }
    let mut placer = Placer::new(f, &[&step]);
    let mut labels = Vec::new();
    for (start, stop, rate) in ran(input.segments, settle.max(1)) {
        let mid = (f.x(start) + f.x(stop)) / 2;
        let (text, color, top) = if rate == 0 {
            (Msg::ChartPause.text(input.lang).to_string(), MUTED, f.zero_y - 10 - PAD - text_height(LABEL_SIZE))
        } else {
            (rate_text(rate, input), INK, f.y(rate) - 8 - PAD - text_height(LABEL_SIZE))
        };
        let label = Label::new(text, (0, 0), LABEL_SIZE, color, HPos::Center);
        if let Some((l, _)) = placer.place(label, &[spot(mid, top, HPos::Center, 0)], COVERS_LINE)? {
            labels.push(l);
        }
    }
    Ok(labels)
}

/// What the payee has been paid, in the plot `f`: the payee's output after each commitment, a
/// dot at the settlement; returns the label that says how it ended.
fn paid(out: &mut Vec<Shape>, input: &ChartInput<'_>, f: &Frame) -> Label {
    let settle = settled_at(input);
    let paid = final_state(input).payee_sat;
    let column = f.column();
    let payee = step_path(f, 0, &thin(input.points, |p| p.payee_sat, &column), settle);
    out.push(Shape::Line { points: payee, color: PAYEE, width: 4, dash: None });
    let sx = f.x(settle);
    out.push(Shape::Dot { at: (sx, f.y(paid)), radius: 7, color: PAYEE });
    let (head, color) = match input.exhausted_at_s {
        Some(at) => (say(input.lang, Msg::ChartExhausted, &[("at", &clock_label_in(at, input.lang))]), EXHAUSTED),
        None => (say(input.lang, Msg::ChartStop, &[("at", &clock_label_in(settle, input.lang))]), INK),
    };
    let text = match input.ending {
        Some(e) => say(
            input.lang,
            Msg::ChartOwesReceived,
            &[
                ("head", &head),
                ("payee", input.payee_name),
                ("owed", &amount(paid, input)),
                ("got", &amount(e.payee_received_sat, input)),
            ],
        ),
        None => say(
            input.lang,
            Msg::ChartPaidTo,
            &[("head", &head), ("paid", &amount(paid, input)), ("payee", input.payee_name)],
        ),
    };
    Label::new(text, (sx - 4, f.top + 10), LABEL_SIZE, color, HPos::Right)
}
