//! The charts' look, in one place: the canvas size, the colours, the font sizes, and the
//! embedded font every label is set in (DejaVu Sans, registered with plotters once a process).

use std::sync::OnceLock;

use plotters::style::{FontStyle, RGBColor};

pub(crate) const WIDTH: u32 = 1280;
pub(crate) const HEIGHT: u32 = 720;
pub(crate) const W: i32 = WIDTH as i32;
pub(crate) const H: i32 = HEIGHT as i32;
pub(super) const FONT: &str = "sans-serif";

pub(crate) const PAYER: RGBColor = RGBColor(31, 100, 180);
pub(crate) const PAYEE: RGBColor = RGBColor(232, 108, 0);
pub(crate) const FEE: RGBColor = RGBColor(105, 105, 105);
pub(crate) const CAPACITY: RGBColor = RGBColor(55, 55, 55);
pub(crate) const EXHAUSTED: RGBColor = RGBColor(205, 25, 25);
pub(crate) const INK: RGBColor = RGBColor(20, 20, 20);
pub(crate) const MUTED: RGBColor = RGBColor(85, 85, 85);
pub(crate) const AXIS: RGBColor = RGBColor(70, 70, 70);
pub(crate) const GRID: RGBColor = RGBColor(222, 222, 222);
pub(super) const PAUSE: RGBColor = RGBColor(234, 234, 234);

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
