//! The outcome chart: for each party, what the video says it is owed beside what the chain paid
//! it, as two bars; a cheated party's shortfall is plain at a glance.

use std::path::Path;

use plotters::style::text_anchor::HPos;
use plotters::style::Color;

use super::axes::amount_ticks;
use super::canvas::{draw_error, write_files, Shape};
use super::header::header;
use super::style::{register_fonts, AXIS, GRID, H, INK, LABEL_SIZE, MUTED, PAYEE, PAYER, TICK_SIZE, W};
use super::text::Label;
use super::words::number;
use super::ChartError;
use crate::words::{say, Lang, Msg};

/// What the outcome chart shows.
#[derive(Debug, Clone)]
pub struct OutcomeInput<'a> {
    /// The scenario's name (the title).
    pub scenario: &'a str,
    /// The design's name.
    pub design: &'a str,
    /// The payer's name.
    pub payer_name: &'a str,
    /// The payee's name.
    pub payee_name: &'a str,
    /// The payer's (owed, received), in satoshis.
    pub payer: (u64, u64),
    /// The payee's (owed, received), in satoshis.
    pub payee: (u64, u64),
    /// The verdict, one sentence (the caption).
    pub verdict: &'a str,
    /// Satoshis per display unit.
    pub sat_per_unit: u64,
    /// The display unit's name.
    pub unit_name: &'a str,
    /// The language of the labels.
    pub lang: Lang,
}

/// Draws the outcome chart to `png` (1280×720) and `svg`.
///
/// # Errors
///
/// As [`super::write_balance_chart`].
pub fn write_outcome_chart(input: &OutcomeInput<'_>, png: &Path, svg: &Path) -> Result<(), ChartError> {
    let shapes = register_fonts().and_then(|()| outcome_chart(input)).map_err(draw_error(png))?;
    write_files(&shapes, png, svg)
}

fn outcome_chart(input: &OutcomeInput<'_>) -> Result<Vec<Shape>, String> {
    let mut out = Vec::new();
    let (left, right, top, bottom) = (150, W - 60, 150, H - 110);
    let faded = |c: plotters::style::RGBColor| c.mix(0.35);
    let l = input.lang;
    header(
        &mut out,
        left,
        right,
        say(l, Msg::ChartOutcomeTitle, &[("name", input.scenario), ("design", input.design)]),
        say(l, Msg::ChartIn, &[("unit", input.unit_name)]),
        &[
            (Msg::ChartOwedLight.text(l).to_string(), MUTED, 14),
            (say(l, Msg::ChartReceivedBy, &[("name", input.payer_name)]), PAYER, 14),
            (say(l, Msg::ChartReceivedBy, &[("name", input.payee_name)]), PAYEE, 14),
        ],
    )?;
    let max = [input.payer.0, input.payer.1, input.payee.0, input.payee.1].into_iter().max().unwrap_or(0).max(1);
    let ticks = amount_ticks(max, 6);
    let top_value = ticks.last().copied().unwrap_or(max).max(max);
    let y = |v: u64| bottom - ((v as f64 / top_value as f64) * f64::from(bottom - top)).round() as i32;
    for t in &ticks {
        out.push(Shape::Line { points: vec![(left, y(*t)), (right, y(*t))], color: GRID, width: 1, dash: None });
        out.push(Shape::Text(Label::new(
            number(*t, input.sat_per_unit),
            (left - 10, y(*t) - 9),
            TICK_SIZE,
            INK,
            HPos::Right,
        )));
    }
    out.push(Shape::Line { points: vec![(left, bottom), (right, bottom)], color: AXIS, width: 2, dash: None });
    let group_w = (right - left) / 2;
    for (i, (name, (owed, received), color)) in
        [(input.payer_name, input.payer, PAYER), (input.payee_name, input.payee, PAYEE)].into_iter().enumerate()
    {
        let x0 = left + i as i32 * group_w + group_w / 6;
        let bar = group_w / 3;
        for (j, (value, fill, label)) in
            [(owed, faded(color), Msg::ChartOwedBar), (received, color.to_rgba(), Msg::ChartReceivedBar)]
                .into_iter()
                .enumerate()
        {
            let bx = x0 + j as i32 * (bar + 12);
            out.push(Shape::Rect { from: (bx, y(value)), to: (bx + bar, bottom), color: fill });
            let text = say(l, label, &[("v", &number(value, input.sat_per_unit))]);
            out.push(Shape::Text(Label::new(text, (bx + bar / 2, y(value) - 30), LABEL_SIZE, INK, HPos::Center)));
        }
        out.push(Shape::Text(
            Label::new(name.to_string(), (x0 + bar + 6, bottom + 14), LABEL_SIZE, INK, HPos::Center).bold(),
        ));
    }
    let mut verdict = Label::new(input.verdict.to_string(), (left, H - 50), 20, MUTED, HPos::Left);
    while verdict.size > 12 && left + verdict.width()? > W - 20 {
        verdict.size -= 1;
    }
    out.push(Shape::Text(verdict));
    Ok(out)
}
