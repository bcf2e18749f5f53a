//! A chart's head: the title and caption at the top left and the legend beside them.

use plotters::style::text_anchor::HPos;
use plotters::style::RGBColor;

use super::canvas::Shape;
use super::style::{CAPTION_SIZE, INK, LEGEND_SIZE, MUTED, TITLE_SIZE};
use super::text::Label;

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
