//! The payment chart: the price per second over time (zero in pauses) above what the payee has
//! been paid, on one time axis.

use plotters::style::text_anchor::HPos;
use plotters::style::Color;

use super::axes::{amount_ticks, axes, grid, plot_left, tick_width, Axes, Frame, TimeAxis};
use super::canvas::Shape;
use super::header::header;
use super::place::{spot, Placer, COVERS_LINE};
use super::steps::{simplify, step_path, thin};
use super::style::{EXHAUSTED, H, INK, LABEL_SIZE, MUTED, PAD, PAUSE, PAYEE, W};
use super::text::text_height;
use super::text::Label;
use super::words::{amount, clock_label, rate_text};
use super::{end_of, final_state, ran, settled_at, ChartInput};

/// The payment chart's shapes, back to front.
pub(super) fn chart(input: &ChartInput<'_>) -> Result<Vec<Shape>, String> {
    let per = input.sat_per_unit.max(1);
    let end_s = end_of(input);
    let time = TimeAxis::for_span(end_s);
    let settle = settled_at(input);
    let max_rate = ran(input.segments, settle.max(1)).map(|s| s.2).max().unwrap_or(0).max(1);
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
    let mut out = Vec::new();
    let mut labels = Vec::new();

    for f in [&upper, &lower] {
        for (start, stop, rate) in ran(input.segments, end_s) {
            if rate == 0 {
                out.push(Shape::Rect {
                    from: (f.x(start), f.top + 1),
                    to: (f.x(stop), f.bottom),
                    color: PAUSE.to_rgba(),
                });
            }
        }
    }
    let upper_axes = Axes {
        time,
        y_ticks: &rate_ticks,
        sat_per_unit: per,
        grid_top: upper.full_y,
        x_labels: false,
        x_name: None,
        y_name: format!("price ({}/s)", input.unit_name),
    };
    let lower_axes = Axes {
        time,
        y_ticks: &paid_ticks,
        sat_per_unit: per,
        grid_top: lower.top,
        x_labels: true,
        x_name: Some(format!("time ({})", time.name)),
        y_name: format!("paid to {} ({})", input.payee_name, input.unit_name),
    };
    grid(&mut out, &upper, &upper_axes);
    grid(&mut out, &lower, &lower_axes);

    // The price per second, as a step over the schedule up to the settlement.
    let mut step = Vec::new();
    for (start, stop, rate) in ran(input.segments, settle.max(1)) {
        let y = upper.y(rate);
        step.push((upper.x(start), y));
        step.push((upper.x(stop), y));
    }
    let step = simplify(step);
    if let (Some(first), Some(last)) = (step.first().copied(), step.last().copied()) {
        let mut area = vec![(first.0, upper.zero_y)];
        area.extend(step.iter().copied());
        area.push((last.0, upper.zero_y));
        out.push(Shape::Area { points: area, color: PAYEE.mix(0.22) });
        out.push(Shape::Line { points: step.clone(), color: PAYEE, width: 3, dash: None });
    }
    let mut placer = Placer::new(&upper, &[&step]);
    for (start, stop, rate) in ran(input.segments, settle.max(1)) {
        let mid = (upper.x(start) + upper.x(stop)) / 2;
        let (text, color, top) = if rate == 0 {
            ("pause".to_string(), MUTED, upper.zero_y - 10 - PAD - text_height(LABEL_SIZE))
        } else {
            (rate_text(rate, input), INK, upper.y(rate) - 8 - PAD - text_height(LABEL_SIZE))
        };
        let label = Label::new(text, (0, 0), LABEL_SIZE, color, HPos::Center);
        if let Some((l, _)) = placer.place(label, &[spot(mid, top, HPos::Center, 0)], COVERS_LINE)? {
            labels.push(l);
        }
    }

    // What the payee has been paid: the payee's output after each commitment.
    let column = lower.column();
    let payee = step_path(&lower, 0, &thin(input.points, |p| p.payee_sat, &column), settle);
    out.push(Shape::Line { points: payee, color: PAYEE, width: 4, dash: None });
    let sx = lower.x(settle);
    out.push(Shape::Dot { at: (sx, lower.y(paid)), radius: 7, color: PAYEE });
    let (head, color) = match input.exhausted_at_s {
        Some(at) => (format!("channel exhausted at {}", clock_label(at)), EXHAUSTED),
        None => (format!("stop at {}", clock_label(settle)), INK),
    };
    let text = format!("{head}: {} paid to {}", amount(paid, input), input.payee_name);
    labels.push(Label::new(text, (sx - 4, lower.top + 10), LABEL_SIZE, color, HPos::Right));

    axes(&mut out, &upper, &upper_axes);
    axes(&mut out, &lower, &lower_axes);
    out.extend(labels.into_iter().map(Shape::Text));
    header(
        &mut out,
        left,
        right,
        format!("{} — seed {}", input.scenario, input.seed),
        format!("what {} pays {}, and when", input.payer_name, input.payee_name),
        &[],
    )?;
    Ok(out)
}
