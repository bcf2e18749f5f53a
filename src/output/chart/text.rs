//! A chart's labels: their size and face, their width, and how a bitmap sets them glyph by
//! glyph (the SVG leaves setting to its viewer).
//!
//! A character DejaVu Sans lacks (Chinese party names: `payer = "艾玛"`) is taken from the
//! embedded Noto Sans CJK SC subset, one character at a time, at the Latin face's em size, as a
//! browser falls back along a `font-family` list: the SVG names that list for such labels
//! ([`CJK_FAMILIES`]), so the PNG and the SVG set a mixed line alike.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use ab_glyph::{Font as _, FontRef, ScaleFont as _};
use plotters::style::text_anchor::HPos;
use plotters::style::{FontDesc, FontFamily, FontStyle, FontTransform, RGBColor};

use super::canvas::ink;
use super::style::{FONT, H, W, WIDTH};
use crate::scenario::validate::glyphs::{faces, Faces};

/// The SVG's `font-family` for a label with a character DejaVu Sans lacks: the same generic
/// family the other labels name, then the CJK faces a viewer may have (the one the PNG embeds
/// first), so each character falls back as the PNG's does. Labels DejaVu sets whole keep
/// [`FONT`] alone, byte for byte as before.
pub(super) const CJK_FAMILIES: &str =
    "sans-serif, Noto Sans CJK SC, Noto Sans SC, Source Han Sans SC, PingFang SC, Microsoft YaHei";

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

    pub(super) fn font(&self) -> FontDesc<'static> {
        let style = if self.bold { FontStyle::Bold } else { FontStyle::Normal };
        let family = match face(self.bold) {
            Ok(faces) if self.text.chars().any(|c| !std::ptr::eq(faces.for_char(c), &faces.latin)) => CJK_FAMILIES,
            _ => FONT,
        };
        let font = FontDesc::new(FontFamily::Name(family), f64::from(self.size), style);
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

/// The embedded regular or bold faces (DejaVu Sans and its CJK fallback), parsed by ab_glyph
/// once a process: their metrics place the bitmap's glyphs ([`layout`]) and their outlines are
/// their pixels ([`Glyphs`]).
fn face(bold: bool) -> Result<&'static Faces, String> {
    faces(bold).ok_or_else(|| "the embedded DejaVu Sans or Noto Sans CJK SC subset cannot be read".to_string())
}

/// Pixels per font unit of `face` at `size`: plotters' scale for the Latin face (its ascender −
/// descender is `size`); for the CJK face, the scale that gives it the Latin face's em, as a
/// browser sets a fallback font at the same `font-size`.
fn units_to_px(faces: &Faces, face: &FontRef<'_>, size: u32) -> f64 {
    let latin = f64::from(size) / f64::from(faces.latin.height_unscaled());
    if std::ptr::eq(face, &faces.latin) {
        return latin;
    }
    let em = |f: &FontRef<'_>| f64::from(f.units_per_em().unwrap_or(1000.0));
    latin * em(&faces.latin) / em(face)
}

/// Where the ink of each character of `text` starts, and the width of the whole, in pixels, in
/// `faces` at `size` (each character in the face [`Faces::for_char`] picks).
///
/// plotters' bitmap text (through ab_glyph) starts each glyph's ink at the pen position, leaving
/// out its left side bearing, so "mBTC" comes out as "mB TC" in the PNG. The PNG's text is
/// therefore set one glyph at a time, at the positions plotters measures (ab_glyph's advance
/// widths and kerning pairs, scaled so that ascender − descender is the font size) plus each
/// glyph's bearing. The scaling is done in f64 from ab_glyph's unscaled metrics (whole font
/// units), so the places are those of the font's own tables. The SVG is not affected: its
/// viewer sets the text. Kerning applies between two glyphs of the same face only.
fn layout(faces: &Faces, text: &str, size: u32) -> (Vec<(char, f64)>, f64) {
    let (mut pen, mut previous) = (0.0, None);
    let mut glyphs = Vec::with_capacity(text.len());
    for c in text.chars() {
        let face = faces.for_char(c);
        let scale = units_to_px(faces, face, size);
        let glyph = face.glyph_id(c);
        if let Some((p, before)) = previous {
            if std::ptr::eq(before, face) {
                pen += f64::from(face.kern_unscaled(p, glyph)) * scale;
            }
        }
        let bearing = f64::from(face.h_side_bearing_unscaled(glyph));
        glyphs.push((c, pen + (bearing * scale).floor()));
        pen += f64::from(face.h_advance_unscaled(glyph)) * scale;
        previous = Some((glyph, face));
    }
    (glyphs, pen)
}

/// Sets `label` into the negative RGB `pixels` one glyph at a time, at the places [`layout`]
/// gives, blending each glyph pixel as plotters' bitmap does.
pub(super) fn set_text(pixels: &mut [u8], label: &Label) -> Result<(), String> {
    let at = bitmap_text_origin(label);
    let faces = face(label.bold)?;
    let (glyphs, width) = layout(faces, &label.text, label.size);
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

/// `label` as the SVG draws it: whole when DejaVu Sans has every character, else one
/// left-anchored label per run of characters from one face, each at the pen position a viewer
/// reaches, so that the Latin runs name [`FONT`] as every other label does and the CJK runs
/// [`CJK_FAMILIES`]. A viewer given the whole mixed line may set all of it in the CJK font
/// (librsvg does, taking the font that covers the most), which neither the PNG nor the other
/// labels do.
///
/// plotters' SVG sets `font-size` to size / 1.24, so the runs are measured at that em from the
/// faces' advance widths and kerning pairs.
pub(super) fn svg_runs(label: &Label) -> Result<Vec<Label>, String> {
    let faces = face(label.bold)?;
    if label.text.chars().all(|c| std::ptr::eq(faces.for_char(c), &faces.latin)) {
        return Ok(vec![label.clone()]);
    }
    let em = f64::from(label.size) / 1.24;
    let (mut pen, mut previous): (f64, Option<(ab_glyph::GlyphId, &FontRef<'_>)>) = (0.0, None);
    let mut runs: Vec<(String, f64)> = Vec::new();
    for c in label.text.chars() {
        let face = faces.for_char(c);
        let scale = em / f64::from(face.units_per_em().unwrap_or(1000.0));
        let glyph = face.glyph_id(c);
        match (previous, runs.last_mut()) {
            // A viewer drops a run's leading and trailing spaces: a space ends the run it is in,
            // and the next character starts one at its own place.
            (_, Some(run)) if c.is_whitespace() => run.0.push(c),
            (Some((p, before)), Some(run)) if std::ptr::eq(before, face) => {
                pen += f64::from(face.kern_unscaled(p, glyph)) * scale;
                run.0.push(c);
            }
            _ => runs.push((c.to_string(), pen)),
        }
        pen += f64::from(face.h_advance_unscaled(glyph)) * scale;
        previous = Some((glyph, face)).filter(|_| !c.is_whitespace());
    }
    let start = match label.anchor {
        HPos::Left => 0.0,
        HPos::Right => -pen,
        HPos::Center => -pen / 2.0,
    };
    Ok(runs
        .into_iter()
        .map(|(text, x)| {
            let offset = (start + x).round() as i32;
            let at = if label.rotated { (label.at.0, label.at.1 - offset) } else { (label.at.0 + offset, label.at.1) };
            Label { text, at, anchor: HPos::Left, ..label.clone() }
        })
        .collect())
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
        let Ok(faces) = face(bold) else { return pixels.into() };
        let face = faces.for_char(c);
        // The Latin face at plotters' scale, exactly; the CJK face at the Latin face's em.
        let px = if std::ptr::eq(face, &faces.latin) {
            f64::from(size) as f32
        } else {
            (units_to_px(faces, face, size) * f64::from(face.height_unscaled())) as f32
        };
        let font = face.as_scaled(px);
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

#[cfg(test)]
mod tests {
    use super::super::style::{register_fonts, INK, LEGEND_SIZE};
    use super::*;

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
    fn chinese_characters_have_their_own_glyphs_at_the_latin_em() {
        for bold in [false, true] {
            let faces = face(bold).expect("the embedded fonts are readable");
            let notdef = Glyphs::rasterise('\u{E000}', bold, LEGEND_SIZE);
            assert!(!notdef.is_empty(), "the box has ink");
            for c in "艾玛法比安".chars() {
                let glyph = Glyphs::rasterise(c, bold, LEGEND_SIZE);
                assert!(glyph.len() > 60, "{c:?} has ink: {} pixels", glyph.len());
                assert_ne!(glyph, notdef, "{c:?} is not the box");
            }
            // An ideograph advances one em of the Latin face: 24 × 2048 / 2384 px at size 24.
            let em = f64::from(LEGEND_SIZE) * 2048.0 / f64::from(faces.latin.height_unscaled());
            let (_, width) = layout(faces, "艾玛", LEGEND_SIZE);
            assert!((width - 2.0 * em).abs() < 0.01, "{width} vs {}", 2.0 * em);
            // A mixed line is set in two SVG runs, the second where the first's advances end.
            let label = Label::new("艾玛 (payer)", (100, 10), LEGEND_SIZE, INK, HPos::Left);
            let runs = svg_runs(&label).expect("the fonts are readable");
            let texts: Vec<_> = runs.iter().map(|r| (r.text.as_str(), r.at)).collect();
            let space = f64::from(faces.latin.h_advance_unscaled(faces.latin.glyph_id(' ')));
            let second = 100 + (f64::from(LEGEND_SIZE) / 1.24 * (2.0 + space / 2048.0)).round() as i32;
            assert_eq!(texts, [("艾玛 ", (100, 10)), ("(payer)", (second, 10))]);
            let latin = Label::new("Emma (payer)", (100, 10), LEGEND_SIZE, INK, HPos::Left);
            assert_eq!(svg_runs(&latin).expect("readable").len(), 1, "a Latin label stays whole");
        }
    }
}
