//! The comparison chart: one scenario under every design, each party's owed beside received,
//! design by design, so a class sees at once which design protected whom.

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

/// One design's bars: each party's (owed, received) in satoshis; `None` received when the
/// design's run played no chain.
#[derive(Debug, Clone)]
pub struct CompareBars<'a> {
    /// The design's name.
    pub design: &'a str,
    /// The payer's (owed, received).
    pub payer: (u64, Option<u64>),
    /// The payee's (owed, received).
    pub payee: (u64, Option<u64>),
}

/// What the comparison chart shows.
#[derive(Debug, Clone)]
pub struct CompareInput<'a> {
    /// The scenario's name (the title).
    pub scenario: &'a str,
    /// The payer's name.
    pub payer_name: &'a str,
    /// The payee's name.
    pub payee_name: &'a str,
    /// One group of bars per design, in the registry's order.
    pub designs: Vec<CompareBars<'a>>,
    /// Satoshis per display unit.
    pub sat_per_unit: u64,
    /// The display unit's name.
    pub unit_name: &'a str,
    /// The language of the labels.
    pub lang: Lang,
}

/// Draws the comparison chart to `png` (1280×720) and `svg`.
///
/// # Errors
///
/// As [`super::write_balance_chart`].
pub fn write_compare_chart(input: &CompareInput<'_>, png: &Path, svg: &Path) -> Result<(), ChartError> {
    let shapes = register_fonts().and_then(|()| compare_chart(input)).map_err(draw_error(png))?;
    write_files(&shapes, png, svg)
}

fn compare_chart(input: &CompareInput<'_>) -> Result<Vec<Shape>, String> {
    let mut out = Vec::new();
    let (left, right, top, bottom) = (150, W - 40, 150, H - 90);
    let faded = |c: plotters::style::RGBColor| c.mix(0.35);
    header(
        &mut out,
        left,
        right,
        say(input.lang, Msg::ChartCompareTitle, &[("name", input.scenario)]),
        say(input.lang, Msg::ChartCompareUnit, &[("unit", input.unit_name)]),
        &[
            (input.payer_name.to_string(), PAYER, 14),
            (input.payee_name.to_string(), PAYEE, 14),
            (Msg::ChartNoChain.text(input.lang).to_string(), MUTED, 14),
        ],
    )?;
    let values = input
        .designs
        .iter()
        .flat_map(|d| [d.payer.0, d.payer.1.unwrap_or(0), d.payee.0, d.payee.1.unwrap_or(0)].into_iter());
    let max = values.max().unwrap_or(0).max(1);
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
    let groups = i32::try_from(input.designs.len().max(1)).unwrap_or(1);
    let group_w = (right - left) / groups;
    let bar = (group_w - 40) / 4;
    for (i, d) in input.designs.iter().enumerate() {
        let x0 = left + i as i32 * group_w + 20;
        let bars = [
            (d.payer.0, faded(PAYER), false),
            (d.payer.1.unwrap_or(0), PAYER.to_rgba(), d.payer.1.is_none()),
            (d.payee.0, faded(PAYEE), false),
            (d.payee.1.unwrap_or(0), PAYEE.to_rgba(), d.payee.1.is_none()),
        ];
        for (j, (value, fill, missing)) in bars.into_iter().enumerate() {
            let bx = x0 + j as i32 * bar + if j >= 2 { 6 } else { 0 };
            if missing {
                out.push(Shape::Text(Label::new(
                    Msg::ChartNotApplicable.text(input.lang).to_string(),
                    (bx + bar / 2, bottom - 24),
                    16,
                    MUTED,
                    HPos::Center,
                )));
                continue;
            }
            out.push(Shape::Rect { from: (bx, y(value)), to: (bx + bar - 2, bottom), color: fill });
            // The received amounts are the story; each is written above its bar.
            if j % 2 == 1 {
                let text = number(value, input.sat_per_unit);
                out.push(Shape::Text(Label::new(text, (bx + bar / 2, y(value) - 22), 16, INK, HPos::Center)));
            }
        }
        out.push(Shape::Text(
            Label::new(d.design.to_string(), (x0 + 2 * bar, bottom + 14), LABEL_SIZE, INK, HPos::Center).bold(),
        ));
    }
    Ok(out)
}
