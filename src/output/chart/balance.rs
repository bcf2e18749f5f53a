//! The balance chart: each party's balance and the fee over time under the capacity, with the
//! rate changes, pauses, exhaustion and settlement marked and labelled where they fit.

use crate::words::{say, Msg};
use plotters::style::text_anchor::HPos;
use plotters::style::Color;

use super::axes::{amount_ticks, axes, grid, plot_left, tick_width, Axes, Frame, TimeAxis};
use super::canvas::Shape;
use super::header::header;
use super::place::{spot, Bx, Placer, Spot, COVERS_LABEL};
use super::steps::{step_path, thin};
use super::style::{CAPACITY, EXHAUSTED, FEE, H, INK, LABEL_SIZE, MUTED, PAD, PAUSE, PAYEE, PAYER, W};
use super::text::{text_height, Label};
use super::words::{amount, clock_label_in, group, rate_text, time_unit};
use super::{end_of, final_state, ran, settled_at, BalancePoint, ChartInput};

/// The balance chart's shapes, back to front.
pub(super) fn chart(input: &ChartInput<'_>) -> Result<Vec<Shape>, String> {
    let mut layout = BalanceLayout::new(input)?;
    let (settle_top, exhaustion) = layout.end_labels()?;
    let (rate_lines, pauses) = layout.segment_labels()?;
    layout.marker_lines(&rate_lines, exhaustion, settle_top);
    layout.capacity_and_fee_labels()?;
    layout.draw(&rate_lines, &pauses, exhaustion, settle_top)
}

/// The balance chart being laid out: its frame, the label rows above the capacity, the three
/// series as pixel paths, and the labels placed so far.
struct BalanceLayout<'i> {
    input: &'i ChartInput<'i>,
    f: Frame,
    time: TimeAxis,
    y_ticks: Vec<u64>,
    per: u64,
    /// The two rows of labels above the capacity line.
    rows: [i32; 2],
    row_h: i32,
    capacity_y: i32,
    /// Marker lines stop here unless their label sits higher.
    below_labels: i32,
    last: BalancePoint,
    sx: i32,
    payer: Vec<(i32, i32)>,
    payee: Vec<(i32, i32)>,
    fee: Vec<(i32, i32)>,
    placer: Placer,
    labels: Vec<Label>,
}

impl<'i> BalanceLayout<'i> {
    fn new(input: &'i ChartInput<'i>) -> Result<BalanceLayout<'i>, String> {
        let per = input.sat_per_unit.max(1);
        let capacity = input.capacity_sat.max(1);
        let end_s = end_of(input);
        let time = TimeAxis::for_span(end_s);
        let y_ticks = amount_ticks(capacity, 7);
        let left = plot_left(tick_width(&y_ticks, per)?);
        let (top, bottom) = (98, H - 80);
        // Above the capacity: two rows of labels, then the capacity's own label.
        let row_h = text_height(LABEL_SIZE) + 2 * PAD;
        let rows = [top + 6, top + 6 + row_h + 6];
        let capacity_y = rows[1] + 2 * (row_h + 6) + 2;
        let f = Frame {
            left,
            right: W - 26,
            top,
            bottom,
            data_right: W - 26 - 22,
            end_s,
            zero_y: bottom - 14,
            full_y: capacity_y,
            full_sat: capacity,
        };
        let settle = settled_at(input);
        let last = final_state(input);
        let sx = f.x(settle);
        // The series, thinned to the pixel columns.
        let column = f.column();
        let payer = step_path(&f, input.capacity_sat, &thin(input.points, |p| p.payer_sat, &column), settle);
        let payee = step_path(&f, 0, &thin(input.points, |p| p.payee_sat, &column), settle);
        let fee = step_path(&f, 0, &thin(input.points, |p| p.fee_sat, &column), settle);
        let placer = Placer::new(&f, &[&payer, &payee, &fee]);
        Ok(BalanceLayout {
            input,
            f,
            time,
            y_ticks,
            per,
            rows,
            row_h,
            capacity_y,
            below_labels: capacity_y - 8,
            last,
            sx,
            payer,
            payee,
            fee,
            placer,
            labels: Vec::new(),
        })
    }

    /// Spots for a marker's label in the label rows beside `x`, row `first` preferred.
    fn beside(&self, x: i32, first: usize) -> Vec<Spot> {
        let (rows, second) = (self.rows, 1 - first);
        vec![
            spot(x - 10, rows[first], HPos::Right, 0),
            spot(x + 10, rows[first], HPos::Left, 5),
            spot(x - 10, rows[second], HPos::Right, 20),
            spot(x + 10, rows[second], HPos::Left, 25),
        ]
    }

    /// The settlement's label in the top row beside its line, exhaustion's just before it;
    /// returns where the settlement's line starts, and the exhaustion's x and line top.
    fn end_labels(&mut self) -> Result<(i32, Option<(i32, i32)>), String> {
        let input = self.input;
        let (sx, last) = (self.sx, self.last);
        let settle_text = match input.ending {
            Some(e) => e.label.clone(),
            None => say(
                input.lang,
                Msg::ChartSettlement,
                &[
                    ("payee", input.payee_name),
                    ("paid", &amount(last.payee_sat, input)),
                    ("payer", input.payer_name),
                    ("back", &amount(last.payer_sat, input)),
                ],
            ),
        };
        let settle_label = Label::new(settle_text, (0, 0), LABEL_SIZE, INK, HPos::Right);
        let spots = self.beside(sx, 0);
        let settle_box = self.placer.place(settle_label, &spots, u32::MAX)?.map(|(l, b)| {
            self.labels.push(l);
            b
        });
        let settle_top = settle_box.map_or(self.below_labels, |b| b.y0 + PAD);
        let mut exhaustion = None;
        if let Some(at) = input.exhausted_at_s {
            let x = self.f.x(at);
            let text = say(input.lang, Msg::ChartExhausted, &[("at", &clock_label_in(at, input.lang))]);
            let label = Label::new(text, (0, 0), LABEL_SIZE, EXHAUSTED, HPos::Right).bold();
            let mut spots = self.beside(x, 0);
            if let Some(b) = settle_box.filter(|_| x.abs_diff(sx) < 12) {
                // Same moment: one line, the two labels side by side.
                spots.insert(0, spot(b.x0 - 16, b.y0 + PAD, HPos::Right, 0));
            }
            let label_top = match self.placer.place(label, &spots, u32::MAX)? {
                Some((l, b)) => {
                    self.labels.push(l);
                    b.y0 + PAD
                }
                None => self.below_labels,
            };
            exhaustion = Some((x, label_top.min(if x.abs_diff(sx) < 12 { settle_top } else { label_top })));
        }
        Ok((settle_top, exhaustion))
    }

    /// Rate changes and pauses: a label where it fits (the long wording if it can), its line up
    /// to it. A label in the top row must not have its line cross a label in the row below.
    /// Returns the rate lines (x, top) and the pauses (x from, x to).
    #[allow(clippy::type_complexity)]
    fn segment_labels(&mut self) -> Result<(Vec<(i32, i32)>, Vec<(i32, i32)>), String> {
        let (input, rows, row_h, capacity_y, below_labels) =
            (self.input, self.rows, self.row_h, self.capacity_y, self.below_labels);
        let f = &self.f;
        let mut rate_lines = Vec::new();
        let mut pauses = Vec::new();
        let mut previous: Option<u64> = None;
        for (start, stop, rate) in ran(input.segments, f.end_s) {
            let x = f.x(start);
            if rate == 0 {
                pauses.push((x, f.x(stop)));
                let mid = (x + f.x(stop)) / 2;
                let inside = (1..12u32).map(|k| {
                    let y = capacity_y + k as i32 * (f.zero_y - capacity_y) / 12 - row_h / 2;
                    spot(mid, y, HPos::Center, 40 + k.abs_diff(6))
                });
                let spots: Vec<Spot> = [spot(mid, rows[1], HPos::Center, 0), spot(mid, rows[0], HPos::Center, 20)]
                    .into_iter()
                    .chain(inside)
                    .collect();
                let label = Label::new(Msg::ChartPause.text(self.input.lang), (0, 0), LABEL_SIZE, MUTED, HPos::Center);
                if let Some((l, _)) = self.placer.place(label, &spots, COVERS_LABEL)? {
                    self.labels.push(l);
                }
            } else if previous != Some(rate) {
                let r = rate_text(rate, input);
                let spots: Vec<Spot> = [(1, 0), (0, 20)]
                    .into_iter()
                    .flat_map(|(row, penalty)| {
                        [spot(x + 8, rows[row], HPos::Left, penalty), spot(x - 8, rows[row], HPos::Right, penalty + 5)]
                    })
                    .map(|s| Spot { stem: Some((x, below_labels)), ..s })
                    .collect();
                let mut line_top = below_labels;
                for text in [say(self.input.lang, Msg::ChartRate, &[("rate", &r)]), r] {
                    let label = Label::new(text, (0, 0), LABEL_SIZE, INK, HPos::Left);
                    if let Some((l, b)) = self.placer.place(label, &spots, COVERS_LABEL)? {
                        self.labels.push(l);
                        line_top = b.y0 + PAD;
                        break;
                    }
                }
                if start > 0 {
                    rate_lines.push((x, line_top));
                }
            }
            previous = Some(rate);
        }
        Ok((rate_lines, pauses))
    }

    /// The marker lines, so the labels placed after them keep clear of them.
    fn marker_lines(&mut self, rate_lines: &[(i32, i32)], exhaustion: Option<(i32, i32)>, settle_top: i32) {
        let f = &self.f;
        for &(x, line_top) in rate_lines {
            self.placer.lines.push(Bx { x0: x - 1, y0: line_top, x1: x + 1, y1: f.bottom });
        }
        if let Some((x, line_top)) = exhaustion {
            self.placer.lines.push(Bx { x0: x - 2, y0: line_top, x1: x + 2, y1: f.bottom });
        }
        self.placer.lines.push(Bx { x0: self.sx - 1, y0: settle_top, x1: self.sx + 1, y1: f.zero_y });
    }

    /// The capacity's label on its line, clear of the marker lines; the fee just above the zero
    /// line where no balance passes.
    fn capacity_and_fee_labels(&mut self) -> Result<(), String> {
        let (input, sx) = (self.input, self.sx);
        let f = &self.f;
        let cap_y = f.y(input.capacity_sat);
        let cap_text = say(input.lang, Msg::ChartCapacity, &[("amount", &amount(input.capacity_sat, input))]);
        let cap_top = cap_y - 6 - PAD - text_height(LABEL_SIZE);
        let step = ((f.data_right - f.left) / 40).max(1);
        let spots: Vec<Spot> =
            (0..40u32).map(|k| spot(f.left + 10 + k as i32 * step, cap_top, HPos::Left, k)).collect();
        if let Some((l, _)) =
            self.placer.place(Label::new(cap_text, (0, 0), LABEL_SIZE, CAPACITY, HPos::Left), &spots, u32::MAX)?
        {
            self.labels.push(l);
        }
        let fees = (input.points.iter().map(|p| p.fee_sat).min(), input.points.iter().map(|p| p.fee_sat).max());
        if let (Some(lo), Some(hi)) = fees {
            let text = if lo == hi {
                say(input.lang, Msg::ChartFee, &[("fee", &group(lo))])
            } else {
                say(input.lang, Msg::ChartFeeRange, &[("lo", &group(lo)), ("hi", &group(hi))])
            };
            let label = Label::new(text, (0, 0), LABEL_SIZE - 2, FEE, HPos::Right);
            let fee_top = f.y(hi) - 6 - PAD - text_height(LABEL_SIZE - 2);
            let width = f.data_right - f.left;
            let spots: Vec<Spot> =
                (0..24u32).map(|k| spot(sx - 14 - k as i32 * width / 24, fee_top, HPos::Right, k)).collect();
            if let Some((l, _)) = self.placer.place(label, &spots, COVERS_LABEL)? {
                self.labels.push(l);
            }
        }
        Ok(())
    }

    /// Drawn back to front: pauses and grid, capacity and rate lines, balances, markers, text.
    fn draw(
        self,
        rate_lines: &[(i32, i32)],
        pauses: &[(i32, i32)],
        exhaustion: Option<(i32, i32)>,
        settle_top: i32,
    ) -> Result<Vec<Shape>, String> {
        let BalanceLayout { input, f, time, y_ticks, per, sx, last, payer, payee, fee, labels, .. } = self;
        let cap_y = f.y(input.capacity_sat);
        let mut out = Vec::new();
        for &(x0, x1) in pauses {
            out.push(Shape::Rect { from: (x0, f.top + 1), to: (x1, f.bottom), color: PAUSE.to_rgba() });
        }
        let axes_spec = Axes {
            time,
            y_ticks: &y_ticks,
            sat_per_unit: per,
            grid_top: f.full_y,
            x_labels: true,
            x_name: Some(say(input.lang, Msg::ChartTime, &[("unit", time_unit(time.name, input.lang))])),
            y_name: say(input.lang, Msg::ChartBalance, &[("unit", input.unit_name)]),
        };
        grid(&mut out, &f, &axes_spec);
        out.push(Shape::Line {
            points: vec![(f.left, cap_y), (f.right, cap_y)],
            color: CAPACITY,
            width: 2,
            dash: Some((12, 7)),
        });
        for &(x, line_top) in rate_lines {
            out.push(Shape::Line {
                points: vec![(x, line_top), (x, f.bottom)],
                color: MUTED,
                width: 2,
                dash: Some((3, 5)),
            });
        }
        out.push(Shape::Line { points: fee, color: FEE, width: 2, dash: None });
        out.push(Shape::Line { points: payee, color: PAYEE, width: 4, dash: None });
        out.push(Shape::Line { points: payer, color: PAYER, width: 4, dash: None });
        out.push(Shape::Line {
            points: vec![(sx, settle_top), (sx, f.zero_y)],
            color: INK,
            width: 2,
            dash: Some((6, 5)),
        });
        if let Some((x, line_top)) = exhaustion {
            out.push(Shape::Line {
                points: vec![(x, line_top), (x, f.bottom)],
                color: EXHAUSTED,
                width: 3,
                dash: None,
            });
        }
        out.push(Shape::Dot { at: (sx, f.y(last.payee_sat)), radius: 7, color: PAYEE });
        out.push(Shape::Dot { at: (sx, f.y(last.payer_sat)), radius: 7, color: PAYER });
        axes(&mut out, &f, &axes_spec);
        out.extend(labels.into_iter().map(Shape::Text));
        header(
            &mut out,
            f.left,
            f.right,
            say(input.lang, Msg::ChartTitle, &[("name", input.scenario), ("seed", &input.seed.to_string())]),
            Msg::ChartBalanceTitle.text(input.lang).to_string(),
            &[
                (say(input.lang, Msg::ChartPayer, &[("name", input.payer_name)]), PAYER, 4),
                (say(input.lang, Msg::ChartPayee, &[("name", input.payee_name)]), PAYEE, 4),
                (Msg::ChartFeeLegend.text(input.lang).to_string(), FEE, 2),
            ],
        )?;
        Ok(out)
    }
}
