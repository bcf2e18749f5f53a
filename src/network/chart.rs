//! `balances.png` (and `.svg`): every channel's balances through the payment, one band a channel.
//!
//! Drawn with the single-channel chart's frame, axes, header, text and files
//! ([`crate::output::chart`]: the embedded DejaVu Sans and Noto Sans CJK SC subset, so the
//! Chinese labels need no system font). Each channel is a stacked band over the steps: the first
//! node's balance at the bottom, the HTLC in flight above it, the second node's balance on top,
//! together the channel's capacity (the balances before the commitment fee, as the book counts
//! them). A dashed line marks the step at which the recipient reveals R. The values written are
//! the agreed balances of [`Routed::snapshots`], formatted from satoshis exactly.

use std::path::Path;

use plotters::style::text_anchor::HPos;
use plotters::style::{Color, RGBAColor};

use super::flow::Routed;
use super::narrate::learned;
use super::words::{say, Word};
use super::Network;
use crate::output::chart::{
    amount_ticks, axes, header, plot_left, register_fonts, text_height, tick_width, write_files, Axes, ChartError,
    Frame, Label, Shape, TimeAxis, FEE, H, INK, LABEL_SIZE, PAYEE, PAYER, W,
};
use crate::words::Lang;

const BTC: u64 = 100_000_000;

/// Draws `balances.png` and `balances.svg` into `dir`, labels in `lang`.
///
/// # Errors
///
/// [`ChartError`] when the chart cannot be drawn or written.
pub fn write(dir: &Path, n: &Network, r: &Routed, lang: Lang) -> Result<(), ChartError> {
    let (png, svg) = (dir.join("balances.png"), dir.join("balances.svg"));
    let shapes = register_fonts()
        .and_then(|()| shapes(n, r, lang))
        .map_err(|message| ChartError::Draw { path: png.clone(), message })?;
    write_files(&shapes, &png, &svg)
}

/// The state after step `i` spans `[i, i + 1]`: the step line of `values`.
fn steps(f: &Frame, values: &[u64]) -> Vec<(i32, i32)> {
    let mut out = Vec::with_capacity(values.len() * 2);
    for (i, &v) in values.iter().enumerate() {
        let y = f.y(v);
        out.push((f.x(i as u64), y));
        out.push((f.x(i as u64 + 1), y));
    }
    out
}

/// The area between the step lines `lower` and `upper`.
fn band(f: &Frame, lower: &[u64], upper: &[u64], color: RGBAColor) -> Shape {
    let mut points = steps(f, upper);
    points.extend(steps(f, lower).into_iter().rev());
    Shape::Area { points, color }
}

fn shapes(n: &Network, r: &Routed, lang: Lang) -> Result<Vec<Shape>, String> {
    let channels = r.links.len().max(1);
    let end = r.snapshots.len() as u64;
    let ticks: Vec<Vec<u64>> = r.links.iter().map(|l| amount_ticks(l.capacity.to_sat().max(1), 2)).collect();
    let widest = ticks.iter().map(|t| tick_width(t, BTC)).try_fold(0, |w, t| t.map(|t| w.max(t)))?;
    let left = plot_left(widest);
    let (top, bottom, gap) = (108, H - 80, 24);
    let height = (bottom - top - gap * (channels as i32 - 1)) / channels as i32;
    let time = TimeAxis::for_span(end);
    let mut out = Vec::new();
    let mut frames = Vec::new();
    for (c, l) in r.links.iter().enumerate() {
        let t = top + c as i32 * (height + gap);
        let f = Frame {
            left,
            right: W - 26,
            top: t,
            bottom: t + height,
            data_right: W - 30,
            end_s: end,
            zero_y: t + height,
            full_y: t,
            full_sat: l.capacity.to_sat().max(1),
        };
        bands(&mut out, r, c, &f);
        axes(
            &mut out,
            &f,
            &Axes {
                time,
                y_ticks: &ticks[c],
                sat_per_unit: BTC,
                grid_top: f.top,
                x_labels: c + 1 == r.links.len(),
                x_name: (c + 1 == r.links.len()).then(|| Word::ChartSteps.text(lang).to_string()),
                y_name: String::new(),
            },
        );
        frames.push(f);
    }
    // The reveal lines over the bands, the labels over both.
    reveal(&mut out, n, r, &frames, lang);
    let avoid: Vec<i32> =
        frames.first().map(|f| reveals(r, n).iter().map(|&(_, s)| f.x(s)).collect()).unwrap_or_default();
    for (c, f) in frames.iter().enumerate() {
        labels(&mut out, n, r, c, f, &avoid)?;
    }
    if let (Some(first), Some(last)) = (frames.first(), frames.last()) {
        head(&mut out, n, first, last, lang)?;
    }
    Ok(out)
}

/// Channel `c`'s three stacked bands in `f`: the first node's balance, the HTLCs in flight, the
/// second node's balance.
fn bands(out: &mut Vec<Shape>, r: &Routed, c: usize, f: &Frame) {
    let at = |k: usize| -> Vec<u64> {
        r.snapshots
            .iter()
            .map(|s| {
                let (b, flight) = &s.channels[c];
                [b[0].to_sat(), flight.to_sat(), b[1].to_sat()][..k].iter().sum()
            })
            .collect()
    };
    let (zero, a, flight, total) = (at(0), at(1), at(2), at(3));
    out.push(band(f, &zero, &a, PAYER.mix(0.45)));
    out.push(band(f, &a, &flight, FEE.mix(0.45)));
    out.push(band(f, &flight, &total, PAYEE.mix(0.45)));
}

/// The title, caption and legend, and the balance axis's name beside the bands from `first` to
/// `last`.
fn head(out: &mut Vec<Shape>, n: &Network, first: &Frame, last: &Frame, lang: Lang) -> Result<(), String> {
    let mut name = Label::new(
        say(lang, Word::ChartBalance, &[("unit", "BTC")]),
        (14, (first.top + last.bottom) / 2),
        24,
        INK,
        HPos::Center,
    );
    name.rotated = true;
    out.push(Shape::Text(name));
    let args = [("name", n.name.as_str()), ("seed", &n.seed.to_string())];
    header(
        out,
        first.left,
        first.right,
        say(lang, Word::ChartTitle, &args),
        Word::ChartCaption.text(lang).to_string(),
        &[
            (Word::ChartFirst.text(lang).to_string(), PAYER, 10),
            (Word::ChartFlight.text(lang).to_string(), FEE, 10),
            (Word::ChartSecond.text(lang).to_string(), PAYEE, 10),
        ],
    )
}

/// The channel's name, each node's name and balance at the start and at the end, and the HTLC's
/// amount on its band, clear of the reveal line at `avoid` where it can be.
fn labels(out: &mut Vec<Shape>, n: &Network, r: &Routed, c: usize, f: &Frame, avoid: &[i32]) -> Result<(), String> {
    let btc = |sat: u64| crate::units::format_sat(sat, BTC, "BTC");
    let l = &r.links[c];
    let [a, b] = l.nodes.map(|k| n.nodes[k].name.as_str());
    let th = text_height(LABEL_SIZE);
    let mid = |lo: u64, hi: u64| (f.y(lo) + f.y(hi)) / 2 - th / 2;
    let last = r.snapshots.len().saturating_sub(1);
    let (first, end) = (&r.snapshots[0].channels[c], &r.snapshots[last].channels[c]);
    let name = Label::new(l.name.clone(), (f.left + 8, f.top + 4), LABEL_SIZE, INK, HPos::Left).bold();
    let b_at = f.left + 8 + name.width()? + 18;
    out.push(Shape::Text(name));
    let label = |text: String, at: (i32, i32), anchor: HPos| Shape::Text(Label::new(text, at, LABEL_SIZE, INK, anchor));
    let (a0, b0) = (first.0[0].to_sat(), first.0[1].to_sat());
    out.push(label(format!("{b} {}", btc(b0)), (b_at, f.top + 4), HPos::Left));
    out.push(label(format!("{a} {}", btc(a0)), (f.left + 8, mid(0, a0)), HPos::Left));
    let (a1, fl1, b1) = (end.0[0].to_sat(), end.1.to_sat(), end.0[1].to_sat());
    out.push(label(format!("{b} {}", btc(b1)), (f.data_right - 6, mid(a1 + fl1, a1 + fl1 + b1)), HPos::Right));
    out.push(label(format!("{a} {}", btc(a1)), (f.data_right - 6, mid(0, a1)), HPos::Right));
    // The HTLC's band: its amount at the middle of the steps it is in flight, or at either end
    // when the middle would cross the reveal line.
    let flying: Vec<usize> = (0..r.snapshots.len()).filter(|&i| r.snapshots[i].channels[c].1.to_sat() > 0).collect();
    if let (Some(&s), Some(&e)) = (flying.first(), flying.last()) {
        let snap = &r.snapshots[s].channels[c];
        let (lo, hi) = (snap.0[0].to_sat(), snap.0[0].to_sat() + snap.1.to_sat());
        let text = format!("HTLC {}", btc(snap.1.to_sat()));
        let w = Label::new(text.clone(), (0, 0), LABEL_SIZE, INK, HPos::Left).width()?;
        let (x0, x1) = (f.x(s as u64), f.x(e as u64 + 1));
        let candidates = [
            ((x0 + x1) / 2 - w / 2, (x0 + x1) / 2, HPos::Center),
            (x0 + 6, x0 + 6, HPos::Left),
            (x1 - 6 - w, x1 - 6, HPos::Right),
        ];
        let clear = |left: i32| avoid.iter().all(|&x| x < left - 4 || x > left + w + 4);
        let (_, x, anchor) = candidates.iter().copied().find(|&(left, _, _)| clear(left)).unwrap_or(candidates[0]);
        out.push(label(text, (x, mid(lo, hi)), anchor));
    }
    Ok(())
}

/// The steps at which each payment's recipient reveals R.
fn reveals(r: &Routed, n: &Network) -> Vec<(usize, u64)> {
    (0..n.payments.len()).filter_map(|k| learned(r, k + 1).first().map(|&(_, step)| (k, step))).collect()
}

/// A dashed line at each step where a payment's recipient reveals R, across every band.
fn reveal(out: &mut Vec<Shape>, n: &Network, r: &Routed, frames: &[Frame], lang: Lang) {
    let (Some(first), Some(last)) = (frames.first(), frames.last()) else { return };
    for (k, step) in reveals(r, n) {
        let x = first.x(step);
        out.push(Shape::Line {
            points: vec![(x, first.top - 4), (x, last.bottom)],
            color: INK,
            width: 2,
            dash: Some((8, 6)),
        });
        let text = say(lang, Word::ChartReveal, &[("to", &n.nodes[n.payments[k].to].name)]);
        out.push(Shape::Text(Label::new(
            format!("{text} ({step})"),
            (x + 6, first.top - 4 - text_height(LABEL_SIZE)),
            LABEL_SIZE,
            INK,
            HPos::Left,
        )));
    }
}
