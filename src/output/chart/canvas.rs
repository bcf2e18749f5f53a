//! The shapes a chart is composed of, and their replay into the two files: plotters draws them
//! into a bitmap in memory (the labels are set by [`super::text`]) that the `png` crate
//! encodes, and into an SVG string that is written as it is.

use std::path::Path;

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{Pos, VPos};
use plotters::style::RGBAColor;

use super::style::{HEIGHT, WIDTH};
use super::text::{set_text, svg_runs, Label};
use super::ChartError;

/// Turns what plotters (or the layout) said into the error of the chart drawn into `path`.
pub(crate) fn draw_error(path: &Path) -> impl FnOnce(String) -> ChartError + '_ {
    move |message| ChartError::Draw { path: path.to_path_buf(), message }
}

/// Replays `shapes` into the PNG (drawn in memory, then encoded by [`write_png`]) and the SVG
/// (built in memory, then written).
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
            Shape::Text(label) => svg_runs(label)?.iter().try_for_each(|run| {
                let color = ink(&run.color);
                let style = TextStyle::from(run.font()).color(&color);
                root.draw(&Text::new(run.text.as_str(), run.at, style.pos(Pos::new(run.anchor, VPos::Top))))
            }),
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
pub(super) fn ink(color: RGBColor, negative: bool) -> RGBColor {
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

#[cfg(test)]
mod tests {
    use super::super::tests::scratch;
    use super::*;

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
}
