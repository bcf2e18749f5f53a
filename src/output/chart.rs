//! The balance chart: figure 14-3 of *Mastering Bitcoin*, redrawn from a real run for a class.
//!
//! A run leaves a CSV that can hold a million rows, and nobody reads that from a projector. What a
//! teacher shows is one picture: Emma's balance stepping down and Fabian's stepping up, one
//! commitment at a time, under the channel's capacity, with the fee, the price changes, the pauses,
//! the moment the channel ran out and the final split marked where they happen. This module
//! composes that picture once, as a list of shapes in pixels, and replays the list onto a PNG (for
//! slides) and an SVG (for print and the HTML report), so both files show the same thing. Text is
//! set in DejaVu Sans embedded in the binary, so no system font library is needed. Money shown as
//! text is formatted from integer satoshis, exactly; floating point only places pixels. Long runs
//! are thinned to the first, lowest, highest and last state of each pixel column before anything
//! is drawn, which keeps every step the eye could see.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use ab_glyph::{Font as _, ScaleFont as _};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontDesc, FontFamily, FontStyle, FontTransform, RGBAColor};

/// One channel state after a commitment, in satoshis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BalancePoint {
    /// Scenario clock in seconds since the channel opened (pauses included).
    pub clock_s: u64,
    /// The payer's balance.
    pub payer_sat: u64,
    /// The payee's balance.
    pub payee_sat: u64,
    /// capacity - payer - payee: the commitment fee plus any dust-trimmed output value.
    pub fee_sat: u64,
}

/// One segment of the rate schedule as it actually ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentMark {
    /// Clock at the segment's start.
    pub start_s: u64,
    /// Clock at its end.
    pub end_s: u64,
    /// Satoshis per second; 0 means a pause (shade it and label "pause").
    pub rate_sat_per_s: u64,
}

/// Everything the chart shows.
#[derive(Debug, Clone)]
pub struct ChartInput<'a> {
    /// e.g. "emma-fabian"
    pub scenario: &'a str,
    /// The scenario's seed, shown in the title.
    pub seed: u64,
    /// The payer's name, e.g. "Emma".
    pub payer_name: &'a str,
    /// The payee's name, e.g. "Fabian".
    pub payee_name: &'a str,
    /// The channel capacity.
    pub capacity_sat: u64,
    /// Display unit name, e.g. "mBTC", "BTC", "sat".
    pub unit_name: &'a str,
    /// Satoshis per display unit, e.g. 100_000 for mBTC.
    pub sat_per_unit: u64,
    /// One point per commitment, in order of clock_s (may be empty; may be 1,000,000+ long).
    pub points: &'a [BalancePoint],
    /// The rate schedule, in clock order.
    pub segments: &'a [SegmentMark],
    /// Clock time at which the channel ran out (the next interval could not be paid), if it did.
    pub exhausted_at_s: Option<u64>,
    /// Clock time of the settlement (Emma presses stop / schedule end / exhaustion).
    pub settlement_s: u64,
}

/// The chart could not be drawn or written.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// Drawing failed.
    #[error("cannot draw {path}: {message}")]
    Draw {
        /// The file being drawn.
        path: PathBuf,
        /// What plotters said.
        message: String,
    },
    /// The drawn file could not be written.
    #[error("cannot write {path}")]
    Io {
        /// The file being written.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// Draws the balance chart to `png` (1280×720) and `svg` (same content).
///
/// # Errors
///
/// [`ChartError::Draw`] when plotters fails to draw, [`ChartError::Io`] naming the PNG or the SVG
/// when it cannot be written.
pub fn write_balance_chart(input: &ChartInput<'_>, png: &Path, svg: &Path) -> Result<(), ChartError> {
    let shapes = register_fonts().and_then(|()| balance_chart(input)).map_err(draw_error(png))?;
    write_files(&shapes, png, svg)
}

/// Draws the payment chart to `png` (1280×720) and `svg`: the price per second over time (zero in
/// pauses) above the cumulative payment to the payee, on one time axis.
///
/// # Errors
///
/// As [`write_balance_chart`].
pub fn write_payment_chart(input: &ChartInput<'_>, png: &Path, svg: &Path) -> Result<(), ChartError> {
    let shapes = register_fonts().and_then(|()| payment_chart(input)).map_err(draw_error(png))?;
    write_files(&shapes, png, svg)
}

// ---------------------------------------------------------------------------------------------
// Files, fonts, and the shapes both backends draw.

pub(crate) const WIDTH: u32 = 1280;
pub(crate) const HEIGHT: u32 = 720;
pub(crate) const W: i32 = WIDTH as i32;
pub(crate) const H: i32 = HEIGHT as i32;
const FONT: &str = "sans-serif";

pub(crate) const PAYER: RGBColor = RGBColor(31, 100, 180);
pub(crate) const PAYEE: RGBColor = RGBColor(232, 108, 0);
pub(crate) const FEE: RGBColor = RGBColor(105, 105, 105);
pub(crate) const CAPACITY: RGBColor = RGBColor(55, 55, 55);
pub(crate) const EXHAUSTED: RGBColor = RGBColor(205, 25, 25);
pub(crate) const INK: RGBColor = RGBColor(20, 20, 20);
pub(crate) const MUTED: RGBColor = RGBColor(85, 85, 85);
pub(crate) const AXIS: RGBColor = RGBColor(70, 70, 70);
pub(crate) const GRID: RGBColor = RGBColor(222, 222, 222);
const PAUSE: RGBColor = RGBColor(234, 234, 234);

/// Font sizes as plotters counts them: a size of 22 sets capitals about 13 px tall.
pub(crate) const TITLE_SIZE: u32 = 38;
pub(crate) const CAPTION_SIZE: u32 = 24;
pub(crate) const AXIS_NAME_SIZE: u32 = 24;
pub(crate) const TICK_SIZE: u32 = 22;
pub(crate) const LABEL_SIZE: u32 = 22;
pub(crate) const LEGEND_SIZE: u32 = 24;
pub(crate) const PAD: i32 = 4;

pub(crate) fn register_fonts() -> Result<(), String> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = DONE.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok()
            && plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold()).is_ok()
    });
    if *ok {
        Ok(())
    } else {
        Err("the embedded DejaVu Sans font could not be registered".to_string())
    }
}

pub(crate) fn draw_error(path: &Path) -> impl FnOnce(String) -> ChartError + '_ {
    move |message| ChartError::Draw { path: path.to_path_buf(), message }
}

/// Replays `shapes` into the PNG (drawn in memory, then encoded by [`write_png`]) and the SVG (built in
/// memory, then written).
pub(crate) fn write_files(shapes: &[Shape], png: &Path, svg: &Path) -> Result<(), ChartError> {
    // The bitmap is drawn in negative (every byte 255 minus the colour's, see `ink`), so the
    // zeroed allocation is already a white canvas: no fill, and `render` skips the background.
    let mut negative = vec![0u8; WIDTH as usize * HEIGHT as usize * 3];
    draw_bitmap(&mut negative, shapes).map_err(draw_error(png))?;
    write_png(negative, png)?;
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (WIDTH, HEIGHT)).into_drawing_area();
        render(&root, shapes, Backend::Svg).map_err(draw_error(svg))?;
        root.present().map_err(|e| e.to_string()).map_err(draw_error(svg))?;
    }
    std::fs::write(svg, text).map_err(|source| ChartError::Io { path: svg.to_path_buf(), source })
}

/// Draws `shapes` in order into the negative RGB `pixels` (`WIDTH` × `HEIGHT`): plotters draws
/// each run of shapes up to a label, and the labels are set here from a cache of glyphs.
fn draw_bitmap(pixels: &mut [u8], shapes: &[Shape]) -> Result<(), String> {
    let mut rest = shapes;
    while !rest.is_empty() {
        let run = rest.iter().position(|shape| matches!(shape, Shape::Text(_))).unwrap_or(rest.len());
        if run > 0 {
            let root = BitMapBackend::with_buffer(pixels, (WIDTH, HEIGHT)).into_drawing_area();
            render(&root, &rest[..run], Backend::Bitmap)?;
            root.present().map_err(|e| e.to_string())?;
        }
        rest = &rest[run..];
        while let Some(Shape::Text(label)) = rest.first() {
            set_text(pixels, label)?;
            rest = &rest[1..];
        }
    }
    Ok(())
}

/// Encodes the negative 8-bit RGB `negative` (`WIDTH` × `HEIGHT`) as a PNG of the colours at
/// `path`, with the `png` crate: flipped back (every byte 255 minus its value), then every row
/// Paeth-filtered and compressed by fdeflate (`Compression::Fast`).
///
/// One fixed filter: trying all five on every row and keeping the best (the adaptive choice)
/// costs more than drawing the chart, and Paeth alone gives files within 5% of it on these
/// charts (flat colour, upright and level lines).
fn write_png(mut negative: Vec<u8>, path: &Path) -> Result<(), ChartError> {
    let io = |source: std::io::Error| ChartError::Io { path: path.to_path_buf(), source };
    let encoding = |e: png::EncodingError| match e {
        png::EncodingError::IoError(source) => io(source),
        other => io(std::io::Error::other(other)),
    };
    for byte in &mut negative {
        *byte = 255 - *byte;
    }
    let file = std::io::BufWriter::new(std::fs::File::create(path).map_err(io)?);
    let mut encoder = png::Encoder::new(file, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    encoder.set_filter(png::FilterType::Paeth);
    encoder.set_adaptive_filter(png::AdaptiveFilterType::NonAdaptive);
    let mut writer = encoder.write_header().map_err(encoding)?;
    writer.write_image_data(&negative).map_err(encoding)?;
    // Writes the end chunk and flushes the file, so a full disk is an error here.
    writer.finish().map_err(encoding)
}

/// One thing to draw, in pixels, in drawing order.
#[derive(Clone)]
pub(crate) enum Shape {
    Rect { from: (i32, i32), to: (i32, i32), color: RGBAColor },
    Line { points: Vec<(i32, i32)>, color: RGBColor, width: u32, dash: Option<(u32, u32)> },
    Area { points: Vec<(i32, i32)>, color: RGBAColor },
    Dot { at: (i32, i32), radius: u32, color: RGBColor },
    Text(Label),
}

/// A line of text. `at.1` is the top of its capitals; rotated text reads upwards and `at.0` is
/// then its left edge.
#[derive(Clone)]
pub(crate) struct Label {
    pub(crate) text: String,
    pub(crate) at: (i32, i32),
    pub(crate) size: u32,
    pub(crate) bold: bool,
    pub(crate) color: RGBColor,
    pub(crate) anchor: HPos,
    pub(crate) rotated: bool,
}

impl Label {
    pub(crate) fn new(text: impl Into<String>, at: (i32, i32), size: u32, color: RGBColor, anchor: HPos) -> Label {
        Label { text: text.into(), at, size, bold: false, color, anchor, rotated: false }
    }

    pub(crate) fn bold(mut self) -> Label {
        self.bold = true;
        self
    }

    fn font(&self) -> FontDesc<'static> {
        let style = if self.bold { FontStyle::Bold } else { FontStyle::Normal };
        let font = FontDesc::new(FontFamily::Name(FONT), f64::from(self.size), style);
        if self.rotated {
            font.transform(FontTransform::Rotate270)
        } else {
            font
        }
    }

    pub(crate) fn width(&self) -> Result<i32, String> {
        Ok(layout(face(self.bold)?, &self.text, self.size).1.ceil() as i32)
    }
}

/// The height of a line of text, from the top of its capitals to the bottom of its descenders.
pub(crate) fn text_height(size: u32) -> i32 {
    (f64::from(size) * 0.84).round() as i32
}

/// The embedded regular or bold face, parsed by ab_glyph once a process: its metrics place the
/// bitmap's glyphs ([`layout`]) and its outlines are their pixels ([`Glyphs`]).
fn face(bold: bool) -> Result<&'static ab_glyph::FontRef<'static>, String> {
    static FACES: OnceLock<[Option<ab_glyph::FontRef<'static>>; 2]> = OnceLock::new();
    let faces = FACES.get_or_init(|| {
        let face = |data| ab_glyph::FontRef::try_from_slice(data).ok().filter(|f| f.height_unscaled() > 0.0);
        [face(dejavu::sans::regular()), face(dejavu::sans::bold())]
    });
    faces[usize::from(bold)].as_ref().ok_or_else(|| "the embedded DejaVu Sans cannot be read".to_string())
}

/// Where the ink of each character of `text` starts, and the width of the whole, in pixels, in
/// `face` at `size`.
///
/// plotters' bitmap text (through ab_glyph) starts each glyph's ink at the pen position, leaving
/// out its left side bearing, so "mBTC" comes out as "mB TC" in the PNG. The PNG's text is
/// therefore set one glyph at a time, at the positions plotters measures (ab_glyph's advance
/// widths and kerning pairs, scaled so that ascender − descender is the font size) plus each
/// glyph's bearing. The scaling is done in f64 from ab_glyph's unscaled metrics (whole font
/// units), so the places are those of the font's own tables. The SVG is not affected: its
/// viewer sets the text.
fn layout(face: &ab_glyph::FontRef<'_>, text: &str, size: u32) -> (Vec<(char, f64)>, f64) {
    let scale = f64::from(size) / f64::from(face.height_unscaled());
    let (mut pen, mut previous) = (0.0, None);
    let mut glyphs = Vec::with_capacity(text.len());
    for c in text.chars() {
        let glyph = face.glyph_id(c);
        if let Some(p) = previous {
            pen += f64::from(face.kern_unscaled(p, glyph)) * scale;
        }
        let bearing = f64::from(face.h_side_bearing_unscaled(glyph));
        glyphs.push((c, pen + (bearing * scale).floor()));
        pen += f64::from(face.h_advance_unscaled(glyph)) * scale;
        previous = Some(glyph);
    }
    (glyphs, pen)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Backend {
    Bitmap,
    Svg,
}

fn render<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, shapes: &[Shape], backend: Backend) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let bitmap = backend == Backend::Bitmap;
    let (ink, ink_alpha) = (|c: &RGBColor| ink(*c, bitmap), |c: &RGBAColor| ink_alpha(*c, bitmap));
    if !bitmap {
        root.fill(&WHITE).map_err(e)?;
    }
    for shape in shapes {
        match shape {
            Shape::Rect { from, to, color } => root.draw(&Rectangle::new([*from, *to], ink_alpha(color).filled())),
            Shape::Line { points, color, width, dash: None } => {
                root.draw(&PathElement::new(points.clone(), ink(color).stroke_width(*width)))
            }
            Shape::Line { points, color, width, dash: Some((on, off)) } => {
                root.draw(&DashedPathElement::new(points.iter().copied(), *on, *off, ink(color).stroke_width(*width)))
            }
            Shape::Area { points, color } => match step_rects(points).filter(|_| bitmap) {
                Some(rects) => rects.iter().try_for_each(|r| root.draw(&Rectangle::new(*r, ink_alpha(color).filled()))),
                None => root.draw(&Polygon::new(points.clone(), ink_alpha(color).filled())),
            },
            Shape::Dot { at, radius, color } => root
                .draw(&Circle::new(*at, *radius + 2, ink(&WHITE).filled()))
                .and_then(|()| root.draw(&Circle::new(*at, *radius, ink(color).filled()))),
            // The SVG's labels; a bitmap's are set by `set_text`.
            Shape::Text(label) => {
                let color = ink(&label.color);
                let style = TextStyle::from(label.font()).color(&color);
                root.draw(&Text::new(label.text.as_str(), label.at, style.pos(Pos::new(label.anchor, VPos::Top))))
            }
        }
        .map_err(e)?;
    }
    Ok(())
}

/// `color` as the bitmap stores it when `negative`: each channel 255 minus its value. Every
/// blend plotters and [`blend_pixel`] make (old + (new − old) × share, rounded towards old) gives
/// the negative of the same blend of the colours, so a picture drawn in negative is the
/// negative of the picture (but for `blend_rect_fast`'s rounding of a translucent rectangle,
/// which may differ by one level).
fn ink(color: RGBColor, negative: bool) -> RGBColor {
    if negative {
        RGBColor(255 - color.0, 255 - color.1, 255 - color.2)
    } else {
        color
    }
}

/// [`ink`] of a translucent colour; its opacity stays.
fn ink_alpha(color: RGBAColor, negative: bool) -> RGBAColor {
    let RGBColor(r, g, b) = ink(RGBColor(color.0, color.1, color.2), negative);
    RGBAColor(r, g, b, color.3)
}

/// The rectangles that make up `area` when it is a step over a flat base (its first and last
/// points on the base, every edge level or upright, left to right): one per level run, from the
/// run down to the base. A bitmap fills a rectangle row by row, while plotters sweeps a wide
/// polygon column by column, one pixel at a time.
fn step_rects(area: &[(i32, i32)]) -> Option<Vec<[(i32, i32); 2]>> {
    let (first, last) = (*area.first()?, *area.last()?);
    let base = first.1;
    if area.len() < 4 || last.1 != base {
        return None;
    }
    let mut rects = Vec::new();
    for pair in area.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if a.0 != b.0 && a.1 != b.1 || b.0 < a.0 {
            return None;
        }
        if a.1 == b.1 && a.0 < b.0 && a.1 != base {
            rects.push([(a.0, a.1.min(base)), (b.0, a.1.max(base))]);
        }
    }
    Some(rects)
}

/// Sets `label` into the negative RGB `pixels` one glyph at a time, at the places [`layout`]
/// gives, blending each glyph pixel as plotters' bitmap does.
fn set_text(pixels: &mut [u8], label: &Label) -> Result<(), String> {
    let at = bitmap_text_origin(label);
    let face = face(label.bold)?;
    let (glyphs, width) = layout(face, &label.text, label.size);
    let start = match label.anchor {
        HPos::Left => 0.0,
        HPos::Right => -width,
        HPos::Center => -width / 2.0,
    };
    let RGBColor(r, g, b) = ink(label.color, true);
    let rgb = [r, g, b];
    for (c, x) in glyphs {
        if c.is_whitespace() {
            continue;
        }
        let offset = (start + x).round() as i32;
        // Rotated text reads upwards: its pen moves up the page.
        let pen = if label.rotated { (at.0, at.1 - offset) } else { (at.0 + offset, at.1) };
        for &(x, y, share) in Glyphs::coverage(c, label.bold, label.size).iter() {
            let (x, y) = if label.rotated { (y, -x) } else { (x, y) };
            blend_pixel(pixels, (pen.0 + x, pen.1 + y), rgb, share);
        }
    }
    Ok(())
}

/// plotters puts the baseline of top-anchored text half a size down in a bitmap and 0.61 sizes
/// down in an SVG: where a bitmap sets `label` so that both files set text alike.
fn bitmap_text_origin(label: &Label) -> (i32, i32) {
    let shift = (f64::from(label.size) * 0.11).round() as i32;
    if label.rotated {
        (label.at.0 + shift, label.at.1)
    } else {
        (label.at.0, label.at.1 + shift)
    }
}

/// Blends `rgb` over the pixel at `at` by `share` 256ths (256: replaces it), as plotters'
/// `RGBPixel::draw_pixel` blends a colour of alpha `share / 256`; off the image, nothing.
fn blend_pixel(pixels: &mut [u8], at: (i32, i32), rgb: [u8; 3], share: u16) {
    if at.0 < 0 || at.1 < 0 || at.0 >= W || at.1 >= H {
        return;
    }
    let base = (at.1 as usize * WIDTH as usize + at.0 as usize) * 3;
    let pixel = &mut pixels[base..base + 3];
    if share >= 256 {
        pixel.copy_from_slice(&rgb);
        return;
    }
    let a = u64::from(share);
    for (old, new) in pixel.iter_mut().zip(rgb) {
        *old = if new > *old {
            *old + (u64::from(new - *old) * a / 256) as u8
        } else {
            *old - (u64::from(*old - new) * a / 256) as u8
        };
    }
}

/// Each glyph's pixels, worked out once a process (every chart sets the same few): where (from the pen, for text anchored at its
/// top left) and how much plotters would blend in (`FontDataInternal::draw` of its `ab_glyph`
/// font, then `DrawingBackend::draw_text` and `RGBPixel::draw_pixel`). A chart's labels repeat
/// few glyphs; outlining and rasterising each one again cost more than setting it.
struct Glyphs;

/// A glyph's pixels from the pen, each with the share of the text's colour it takes, in 256ths
/// (256: all of it).
type Coverage = Arc<[(i32, i32, u16)]>;

impl Glyphs {
    /// The coverage of `c` in the regular or bold face at `size` pixels, from the process's
    /// cache (charts drawn at the same time share it; a glyph's pixels are the same whoever
    /// rasterises them first).
    fn coverage(c: char, bold: bool, size: u32) -> Coverage {
        static KNOWN: Mutex<BTreeMap<(char, bool, u32), Coverage>> = Mutex::new(BTreeMap::new());
        let mut known = KNOWN.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(known.entry((c, bold, size)).or_insert_with(|| Glyphs::rasterise(c, bold, size)))
    }

    /// Outlines and rasterises `c` as plotters' `ab_glyph` font does (no pixels if the face
    /// cannot be read, which [`set_text`] refuses before it asks).
    fn rasterise(c: char, bold: bool, size: u32) -> Coverage {
        let mut pixels = Vec::new();
        let Ok(face) = face(bold) else { return pixels.into() };
        let font = face.as_scaled(f64::from(size) as f32);
        if let Some(outline) = font.outline_glyph(font.scaled_glyph(c)) {
            let bounds = outline.px_bounds();
            // plotters's placement, to the pixel: the glyph's top half a size below the pen.
            let y_shift = ((f64::from(size) as f32) / 2.0 + bounds.min.y) as i32;
            pixels.reserve((bounds.width() * bounds.height()) as usize);
            outline.draw(|x, y, coverage| {
                // plotters' alpha rule: nearly opaque is opaque, and 256ths rounded down.
                let alpha = f64::from(coverage);
                let share = if alpha >= 1.0 - 1.0 / 256.0 { 256 } else { (alpha * 256.0).floor() as u16 };
                if alpha > 0.0 {
                    pixels.push((x as i32, y as i32 + y_shift, share));
                }
            });
        }
        pixels.into()
    }
}

// ---------------------------------------------------------------------------------------------
// Geometry: where the plot sits, how clock and satoshis map to pixels, and the ticks.

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
    fn column(&self) -> impl Fn(u64) -> usize {
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

/// The title and caption at the top left, the legend at the top right (or where it fits).
pub(crate) fn header(
    out: &mut Vec<Shape>,
    left: i32,
    right: i32,
    title: String,
    caption: String,
    legend: &[(String, RGBColor, u32)],
) -> Result<(), String> {
    // A long scenario name gets a smaller title rather than one cut off at the edge.
    let mut title = Label::new(title, (left, 14), TITLE_SIZE, INK, HPos::Left).bold();
    while title.size > 24 && left + title.width()? > right {
        title.size -= 2;
    }
    let caption = Label::new(caption, (left, 60), CAPTION_SIZE, MUTED, HPos::Left);
    let (title_w, caption_w) = (title.width()?, caption.width()?);
    let swatch = 34;
    let mut entries = Vec::new();
    let mut total = 0;
    for (text, color, width) in legend {
        let label = Label::new(text.clone(), (0, 0), LEGEND_SIZE, INK, HPos::Left);
        let w = label.width()?;
        if !entries.is_empty() {
            total += 30;
        }
        entries.push((label, *color, *width, total));
        total += swatch + 8 + w;
    }
    // Beside the caption, else beside the title, else instead of the caption.
    let (legend_x, legend_y, show_caption) = if right - total >= left + caption_w + 40 {
        (right - total, 60, true)
    } else if right - total >= left + title_w + 40 {
        (right - total, 22, true)
    } else {
        (left, 60, false)
    };
    out.push(Shape::Text(title));
    if show_caption {
        out.push(Shape::Text(caption));
    }
    for (mut label, color, width, offset) in entries {
        let x = legend_x + offset;
        let mid = legend_y + (f64::from(LEGEND_SIZE) * 0.36).round() as i32;
        out.push(Shape::Line { points: vec![(x, mid), (x + swatch, mid)], color, width, dash: None });
        label.at = (x + swatch + 8, legend_y);
        out.push(Shape::Text(label));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Label placement: each label tries its places and takes the cheapest, the one that covers
// neither a line of the chart nor another label, preferring the places listed first.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Bx {
    x0: i32,
    y0: i32,
    x1: i32,
    y1: i32,
}

impl Bx {
    fn overlaps(&self, o: &Bx) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }

    fn grow(&self, d: i32) -> Bx {
        Bx { x0: self.x0 - d, y0: self.y0 - d, x1: self.x1 + d, y1: self.y1 + d }
    }
}

/// For each pixel column of the plot, the lowest and highest pixel row one series line touches.
struct Envelope {
    left: i32,
    cols: Vec<(i32, i32)>,
}

impl Envelope {
    fn new(left: i32, right: i32) -> Envelope {
        Envelope { left, cols: vec![(i32::MAX, i32::MIN); usize::try_from(right - left + 1).unwrap_or(0)] }
    }

    fn mark(&mut self, x: i32, y0: i32, y1: i32) {
        if let Some(c) = usize::try_from(x - self.left).ok().and_then(|i| self.cols.get_mut(i)) {
            c.0 = c.0.min(y0.min(y1));
            c.1 = c.1.max(y0.max(y1));
        }
    }

    fn of_path(left: i32, right: i32, path: &[(i32, i32)]) -> Envelope {
        let mut envelope = Envelope::new(left, right);
        for w in path.windows(2) {
            let ((ax, ay), (bx, by)) = (w[0], w[1]);
            if ax == bx {
                envelope.mark(ax, ay, by);
                continue;
            }
            let (from, to) = if ax < bx { (w[0], w[1]) } else { (w[1], w[0]) };
            for x in from.0..=to.0 {
                let y = from.1 + (to.1 - from.1) * (x - from.0) / (to.0 - from.0);
                envelope.mark(x, y, y);
            }
        }
        envelope
    }

    /// Whether the line passes through `b` in column `x`.
    fn hits(&self, x: i32, b: &Bx) -> bool {
        usize::try_from(x - self.left)
            .ok()
            .and_then(|i| self.cols.get(i))
            .is_some_and(|&(lo, hi)| lo <= b.y1 && hi >= b.y0)
    }
}

struct Placer {
    bounds: Bx,
    /// One per series line.
    envelopes: Vec<Envelope>,
    taken: Vec<Bx>,
    /// Marker lines: a label may cross one, but would much rather not.
    lines: Vec<Bx>,
}

/// A place a label may go: its anchor point (x, top of the text) and alignment, how much less it
/// is liked than the first choice, and the marker line that would run from it down to a row.
#[derive(Clone, Copy)]
struct Spot {
    x: i32,
    top: i32,
    anchor: HPos,
    penalty: u32,
    stem: Option<(i32, i32)>,
}

fn spot(x: i32, top: i32, anchor: HPos, penalty: u32) -> Spot {
    Spot { x, top, anchor, penalty, stem: None }
}

const COVERS_LABEL: u32 = 100_000;
const COVERS_LINE: u32 = 1_000;
const CROSSES_MARKER: u32 = 50;

impl Placer {
    fn new(f: &Frame, paths: &[&[(i32, i32)]]) -> Placer {
        Placer {
            bounds: Bx { x0: f.left + 2, y0: f.top + 1, x1: f.right, y1: f.bottom - 1 },
            envelopes: paths.iter().map(|p| Envelope::of_path(f.left, f.right, p)).collect(),
            taken: Vec::new(),
            lines: Vec::new(),
        }
    }

    fn boxed(label: &Label, width: i32, spot: &Spot) -> Bx {
        let x0 = match spot.anchor {
            HPos::Left => spot.x,
            HPos::Right => spot.x - width,
            HPos::Center => spot.x - width / 2,
        };
        Bx { x0, y0: spot.top, x1: x0 + width, y1: spot.top + text_height(label.size) }.grow(PAD)
    }

    fn cost(&self, b: &Bx, stem: Option<(i32, i32)>) -> Option<u32> {
        let inside =
            b.x0 >= self.bounds.x0 && b.x1 <= self.bounds.x1 && b.y0 >= self.bounds.y0 && b.y1 <= self.bounds.y1;
        if !inside {
            return None;
        }
        let mut cost = 0;
        let stem = stem.map(|(x, bottom)| Bx { x0: x - 1, y0: b.y1, x1: x + 1, y1: bottom });
        if self.taken.iter().any(|t| t.overlaps(&b.grow(4)) || stem.is_some_and(|s| t.overlaps(&s))) {
            cost += COVERS_LABEL;
        }
        let near = b.grow(5);
        let hits = (near.x0..=near.x1).filter(|&x| self.envelopes.iter().any(|e| e.hits(x, &near))).count() as u32;
        if hits > 0 {
            cost += COVERS_LINE + hits;
        }
        cost += CROSSES_MARKER * self.lines.iter().filter(|l| l.overlaps(b)).count() as u32;
        Some(cost)
    }

    /// Puts `label` at the cheapest of `spots` and returns it with its box; `None` when every spot
    /// is outside the plot or costs `limit` or more.
    fn place(&mut self, mut label: Label, spots: &[Spot], limit: u32) -> Result<Option<(Label, Bx)>, String> {
        let width = label.width()?;
        let best = spots
            .iter()
            .filter_map(|s| {
                let b = Placer::boxed(&label, width, s);
                self.cost(&b, s.stem).map(|c| (c.saturating_add(s.penalty), b, s))
            })
            .min_by_key(|(c, _, _)| *c);
        let Some((cost, b, spot)) = best else { return Ok(None) };
        if cost >= limit {
            return Ok(None);
        }
        self.taken.push(b);
        label.at = (spot.x, spot.top);
        label.anchor = spot.anchor;
        Ok(Some((label, b)))
    }
}

// ---------------------------------------------------------------------------------------------
// Thinning and step lines.

/// Keeps, per pixel column, the first, lowest, highest and last point of one series, in order,
/// as (clock, value). A step line through the result looks the same as one through every point.
fn thin(
    points: &[BalancePoint],
    value: impl Fn(&BalancePoint) -> u64,
    column: impl Fn(u64) -> usize,
) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < points.len() {
        let col = column(points[i].clock_s);
        let (mut lo, mut hi) = (i, i);
        let (mut lo_v, mut hi_v) = (value(&points[i]), value(&points[i]));
        let mut j = i + 1;
        while j < points.len() && column(points[j].clock_s) == col {
            let v = value(&points[j]);
            if v < lo_v {
                (lo, lo_v) = (j, v);
            }
            if v > hi_v {
                (hi, hi_v) = (j, v);
            }
            j += 1;
        }
        let mut keep = [i, lo, hi, j - 1];
        keep.sort_unstable();
        for (n, &k) in keep.iter().enumerate() {
            if n == 0 || k != keep[n - 1] {
                out.push((points[k].clock_s, value(&points[k])));
            }
        }
        i = j;
    }
    out
}

/// The pixel path of a step line that starts at `start` at clock 0, holds each value until the
/// next point and ends at `end_s`; redundant points are dropped.
fn step_path(f: &Frame, start: u64, points: &[(u64, u64)], end_s: u64) -> Vec<(i32, i32)> {
    let mut path = Vec::with_capacity(points.len() * 2 + 2);
    let mut y = f.y(start);
    path.push((f.x(0), y));
    for &(clock, value) in points {
        let x = f.x(clock);
        path.push((x, y));
        y = f.y(value);
        path.push((x, y));
    }
    let last_x = path.last().map_or(f.left, |p| p.0);
    path.push((f.x(end_s).max(last_x), y));
    simplify(path)
}

/// Drops repeated points, and middle points of straight horizontal or vertical runs.
fn simplify(path: Vec<(i32, i32)>) -> Vec<(i32, i32)> {
    let between = |a: i32, b: i32, c: i32| (a <= b && b <= c) || (a >= b && b >= c);
    let mut out: Vec<(i32, i32)> = Vec::with_capacity(path.len());
    for p in path {
        if out.last() == Some(&p) {
            continue;
        }
        if let [.., a, b] = out[..] {
            let straight = (a.0 == b.0 && b.0 == p.0 && between(a.1, b.1, p.1))
                || (a.1 == b.1 && b.1 == p.1 && between(a.0, b.0, p.0));
            if straight {
                if let Some(last) = out.last_mut() {
                    *last = p;
                }
                continue;
            }
        }
        out.push(p);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The balance chart.

/// The final state: the last commitment's, or the opening state when there was none.
fn final_state(input: &ChartInput<'_>) -> BalancePoint {
    input.points.last().copied().unwrap_or(BalancePoint {
        clock_s: 0,
        payer_sat: input.capacity_sat,
        payee_sat: 0,
        fee_sat: 0,
    })
}

/// The clock of the settlement, never before the last commitment.
fn settled_at(input: &ChartInput<'_>) -> u64 {
    input.settlement_s.max(input.points.last().map_or(0, |p| p.clock_s))
}

/// The last clock second the chart shows.
fn end_of(input: &ChartInput<'_>) -> u64 {
    settled_at(input).max(input.exhausted_at_s.unwrap_or(0)).max(1)
}

/// Segments that ran before `end_s`, clipped to it, without empty ones.
fn ran(segments: &[SegmentMark], end_s: u64) -> impl Iterator<Item = (u64, u64, u64)> + '_ {
    segments
        .iter()
        .filter(move |s| s.start_s < end_s && s.end_s > s.start_s)
        .map(move |s| (s.start_s, s.end_s.min(end_s), s.rate_sat_per_s))
}

fn balance_chart(input: &ChartInput<'_>) -> Result<Vec<Shape>, String> {
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
        let settle_text = format!(
            "settlement: {} {}, {} {}",
            input.payee_name,
            amount(last.payee_sat, input),
            input.payer_name,
            amount(last.payer_sat, input)
        );
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
            let text = format!("channel exhausted at {}", clock_label(at));
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
                let label = Label::new("pause", (0, 0), LABEL_SIZE, MUTED, HPos::Center);
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
                for text in [format!("rate {r}"), r] {
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
        let cap_text = format!("capacity {}", amount(input.capacity_sat, input));
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
                format!("fee {} sat", group(lo))
            } else {
                format!("fee {}–{} sat", group(lo), group(hi))
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
            x_name: Some(format!("time ({})", time.name)),
            y_name: format!("balance ({})", input.unit_name),
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
            format!("{} — seed {}", input.scenario, input.seed),
            "payment channel balance over time".to_string(),
            &[
                (format!("{} (payer)", input.payer_name), PAYER, 4),
                (format!("{} (payee)", input.payee_name), PAYEE, 4),
                ("fee + trimmed dust".to_string(), FEE, 2),
            ],
        )?;
        Ok(out)
    }
}

// ---------------------------------------------------------------------------------------------
// The payment chart.

fn payment_chart(input: &ChartInput<'_>) -> Result<Vec<Shape>, String> {
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

// ---------------------------------------------------------------------------------------------
// Words and numbers.

/// `n` with a comma between groups of three digits: "3,600,000".
pub(crate) fn group(n: u64) -> String {
    crate::scenario::thousands(n)
}

pub(crate) fn number(sat: u64, sat_per_unit: u64) -> String {
    crate::scenario::decimal(sat, sat_per_unit, true)
}

/// "29.99831 mBTC".
fn amount(sat: u64, input: &ChartInput<'_>) -> String {
    format!("{} {}", number(sat, input.sat_per_unit), input.unit_name)
}

/// "0.01 mBTC/s".
fn rate_text(sat_per_s: u64, input: &ChartInput<'_>) -> String {
    format!("{}/s", amount(sat_per_s, input))
}

/// "600 s", "59 min 59 s", "2 h 5 min".
pub(crate) fn clock_label(s: u64) -> String {
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, sec) => format!("{sec} s"),
        (0, m, 0) => format!("{m} min"),
        (0, m, sec) => format!("{m} min {sec} s"),
        (h, 0, 0) => format!("{} h", group(h)),
        (h, m, _) => format!("{} h {m} min", group(h)),
    }
}

mod compare;
mod outcome;
pub use compare::{write_compare_chart, CompareBars, CompareInput};
pub use outcome::{write_outcome_chart, OutcomeInput};

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` seconds at 1,000 sat/s out of a channel of `capacity` sat, with a 169-sat fee.
    fn stream(n: u64, capacity: u64) -> Vec<BalancePoint> {
        (1..=n)
            .map(|i| BalancePoint {
                clock_s: i,
                payer_sat: capacity - 1_000 * i - 169,
                payee_sat: 1_000 * i,
                fee_sat: 169,
            })
            .collect()
    }

    fn book<'a>(points: &'a [BalancePoint], segments: &'a [SegmentMark]) -> ChartInput<'a> {
        ChartInput {
            scenario: "emma-fabian",
            seed: 14,
            payer_name: "Emma",
            payee_name: "Fabian",
            capacity_sat: 3_600_000,
            unit_name: "mBTC",
            sat_per_unit: 100_000,
            points,
            segments,
            exhausted_at_s: None,
            settlement_s: 600,
        }
    }

    /// A fresh folder under the system's temporary folder.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("paychan-chart-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("the temporary folder is writable");
        dir
    }

    const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";

    #[test]
    fn thinning_keeps_each_columns_extremes_and_few_points() {
        // A saw-tooth with a spike: every column has its low and high somewhere in its middle.
        let pts: Vec<BalancePoint> = (0..100_000u64)
            .map(|i| {
                let v = (i * 7_919) % 1_000 + if i == 54_321 { 1_000_000 } else { 0 };
                BalancePoint { clock_s: i, payer_sat: v, payee_sat: 0, fee_sat: 0 }
            })
            .collect();
        let column = |c: u64| (c / 1_000) as usize;
        let thinned = thin(&pts, |p| p.payer_sat, column);
        assert!(thinned.len() <= 4 * 100, "{} points for 100 columns", thinned.len());
        assert!(thinned.windows(2).all(|w| w[0].0 < w[1].0), "in clock order");
        for col in 0..100 {
            let all: Vec<u64> = pts[col * 1_000..(col + 1) * 1_000].iter().map(|p| p.payer_sat).collect();
            let kept: Vec<(u64, u64)> = thinned.iter().copied().filter(|&(c, _)| column(c) == col).collect();
            assert_eq!(kept.iter().map(|k| k.1).min(), all.iter().min().copied(), "column {col} keeps its lowest");
            assert_eq!(kept.iter().map(|k| k.1).max(), all.iter().max().copied(), "column {col} keeps its highest");
            assert_eq!(kept.first().map(|k| k.0), Some(col as u64 * 1_000), "and its first point");
            assert_eq!(kept.last().map(|k| k.0), Some(col as u64 * 1_000 + 999), "and its last point");
        }
        assert!(thinned.contains(&(54_321, 1_000_000 + (54_321 * 7_919) % 1_000)), "the spike survives");
        assert!(thin(&[], |p| p.payer_sat, column).is_empty());
    }

    #[test]
    fn step_paths_are_small_and_keep_the_shape() {
        let pts = stream(1_000_000, 1_100_000_000);
        let f = Frame {
            left: 100,
            right: 1200,
            top: 100,
            bottom: 600,
            data_right: 1180,
            end_s: 1_000_000,
            zero_y: 590,
            full_y: 200,
            full_sat: 1_100_000_000,
        };
        let thinned = thin(&pts, |p| p.payee_sat, f.column());
        assert!(thinned.len() <= 4 * 1_081, "{} points", thinned.len());
        let path = step_path(&f, 0, &thinned, 1_000_000);
        assert!(path.len() <= 2 * 1_081 + 2, "{} points", path.len());
        assert_eq!(path.first(), Some(&(100, 590)));
        assert_eq!(path.last(), Some(&(1180, f.y(1_000_000_000))));
        assert!(path.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].1 >= w[1].1), "a rising staircase");
    }

    #[test]
    fn both_files_are_written_with_text() {
        let dir = scratch("book");
        let pts = stream(600, 3_600_000);
        let segs = [SegmentMark { start_s: 0, end_s: 600, rate_sat_per_s: 1_000 }];
        let input = book(&pts, &segs);
        let (png, svg) = (dir.join("balance.png"), dir.join("balance.svg"));
        write_balance_chart(&input, &png, &svg).expect("the chart is drawn");
        assert_eq!(&std::fs::read(&png).expect("the PNG exists")[..8], PNG_MAGIC);
        let svg = std::fs::read_to_string(&svg).expect("the SVG exists");
        assert!(svg.contains("<text"), "the SVG has text");
        for text in [
            "emma-fabian",
            "capacity 36 mBTC",
            "settlement: Fabian 6 mBTC, Emma 29.99831 mBTC",
            "Emma (payer)",
            "Fabian (payee)",
            "fee 169 sat",
            "rate 0.01 mBTC/s",
            "balance (mBTC)",
            "time (s)",
        ] {
            assert!(svg.contains(text), "the SVG says {text:?}");
        }
        let (png2, svg2) = (dir.join("payment.png"), dir.join("payment.svg"));
        write_payment_chart(&input, &png2, &svg2).expect("the payment chart is drawn");
        assert_eq!(&std::fs::read(&png2).expect("the PNG exists")[..8], PNG_MAGIC);
        let svg2 = std::fs::read_to_string(&svg2).expect("the SVG exists");
        assert!(svg2.contains("6 mBTC paid to Fabian") && svg2.contains("0.01 mBTC/s"), "{svg2}");
        std::fs::remove_dir_all(&dir).expect("the temporary folder can be removed");
    }

    #[test]
    fn exhaustion_pauses_and_a_run_without_commitments_are_drawn() {
        let dir = scratch("edge");
        let segs = [
            SegmentMark { start_s: 0, end_s: 300, rate_sat_per_s: 1_000 },
            SegmentMark { start_s: 300, end_s: 420, rate_sat_per_s: 0 },
            SegmentMark { start_s: 420, end_s: 720, rate_sat_per_s: 2_000 },
        ];
        let input = ChartInput { exhausted_at_s: Some(700), settlement_s: 700, ..book(&[], &segs) };
        let (png, svg) = (dir.join("b.png"), dir.join("b.svg"));
        write_balance_chart(&input, &png, &svg).expect("a run without commitments is drawn");
        assert_eq!(&std::fs::read(&png).expect("the PNG exists")[..8], PNG_MAGIC);
        let svg = std::fs::read_to_string(&svg).expect("the SVG exists");
        for text in ["channel exhausted at 11 min 40 s", "pause", "0.02 mBTC/s", "Fabian 0 mBTC, Emma 36 mBTC"] {
            assert!(svg.contains(text), "the SVG says {text:?}");
        }
        write_payment_chart(&input, &png, &dir.join("p.svg")).expect("and its payment chart");
        std::fs::remove_dir_all(&dir).expect("the temporary folder can be removed");
    }

    #[test]
    fn an_unwritable_path_is_an_error_naming_it() {
        let dir = scratch("missing");
        let png = dir.join("no/such/folder/b.png");
        let err = write_balance_chart(&book(&[], &[]), &png, &dir.join("b.svg")).expect_err("the folder is missing");
        assert!(matches!(&err, ChartError::Io { path, .. } if path == &png), "{err:?}");
        let svg = dir.join("no/such/folder/b.svg");
        let err = write_balance_chart(&book(&[], &[]), &dir.join("b.png"), &svg).expect_err("the folder is missing");
        assert!(matches!(&err, ChartError::Io { path, .. } if path == &svg), "{err:?}");
        std::fs::remove_dir_all(&dir).expect("the temporary folder can be removed");
    }

    #[test]
    fn the_png_decodes_to_the_colours_of_the_negative() {
        // Every byte value next to every other, flat runs, and rows equal to the one above.
        let mut negative = Vec::with_capacity(WIDTH as usize * HEIGHT as usize * 3);
        let mut state = 0x2545_f491_u32;
        for y in 0..HEIGHT as usize {
            for x in 0..WIDTH as usize * 3 {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                let v = match y % 4 {
                    0 => state as u8,
                    1 => (x / 30 * 40 % 256) as u8,
                    _ => negative[negative.len() - WIDTH as usize * 3],
                };
                negative.push(v);
            }
        }
        let dir = scratch("png");
        let path = dir.join("pattern.png");
        write_png(negative.clone(), &path).expect("the PNG is written");
        let file = std::fs::File::open(&path).expect("the PNG exists");
        let mut reader = png::Decoder::new(std::io::BufReader::new(file)).read_info().expect("a PNG header");
        let mut colours = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut colours).expect("a PNG frame");
        assert_eq!((info.width, info.height), (WIDTH, HEIGHT));
        assert_eq!((info.color_type, info.bit_depth), (png::ColorType::Rgb, png::BitDepth::Eight));
        assert!(colours.iter().zip(&negative).all(|(c, n)| *c == 255 - n), "each byte is 255 minus the negative's");
        std::fs::remove_dir_all(&dir).expect("the temporary folder can be removed");
    }

    #[test]
    fn glyph_layout_measures_as_plotters_does() {
        register_fonts().expect("the font registers");
        for bold in [false, true] {
            let face = face(bold).expect("the embedded font is readable");
            for text in ["settlement: Fabian 6 mBTC, Emma 29.99831 mBTC", "AVAWAY To", "capacity 36 mBTC — ✓"] {
                let label = Label { bold, ..Label::new(text, (0, 0), 22, INK, HPos::Left) };
                let (plotters_w, _) = label.font().box_size(text).expect("plotters measures it");
                let (_, ours) = layout(face, text, 22);
                assert!((ours - f64::from(plotters_w)).abs() < 1.0, "{text:?}: {ours} vs {plotters_w}");
            }
        }
    }

    #[test]
    fn amounts_are_exact() {
        assert_eq!(number(2_999_831, 100_000), "29.99831");
        assert_eq!(number(600_000, 100_000), "6");
        assert_eq!(number(1, 100_000_000), "0.00000001");
        assert_eq!(number(3_600_000, 1), "3,600,000");
        assert_eq!(number(u64::MAX, 100_000_000), "184,467,440,737.09551615");
        assert_eq!(number(1, 3), "0.333333333333");
        assert_eq!(rate_text(2_000, &book(&[], &[])), "0.02 mBTC/s");
        assert_eq!(clock_label(3_599), "59 min 59 s");
        assert_eq!(clock_label(1_000_000), "277 h 46 min");
    }

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
