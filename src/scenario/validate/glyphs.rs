//! The faces the charts set their labels in, and which characters they can draw: DejaVu Sans
//! (the `dejavu` crate) for Latin text and a subset of Noto Sans CJK SC (`fonts/`, embedded) for
//! the Chinese characters DejaVu lacks.
//!
//! They live here, before the charts in the flow, because validation is where a scenario learns
//! that a name it gives cannot be drawn: [`undrawable`] turns each such character into one
//! warning, and the charts ([`crate::output`]'s text setter) take the same faces from [`faces`].

use std::sync::OnceLock;

use ab_glyph::{Font as _, FontRef};

use super::super::Scenario;

/// Noto Sans CJK SC 2.004, regular, cut to GB2312 level 1, CJK punctuation, the full-width forms
/// and every CJK character of the repository by `fonts/subset.py` (SIL OFL 1.1, `fonts/OFL.txt`).
pub(crate) const CJK_REGULAR: &[u8] = include_bytes!("../../../fonts/NotoSansCJKsc-Regular-subset.otf");
/// The same subset of Noto Sans CJK SC Bold.
const CJK_BOLD: &[u8] = include_bytes!("../../../fonts/NotoSansCJKsc-Bold-subset.otf");

/// One weight's two faces: a label's character is taken from `latin` when it has it, from `cjk`
/// otherwise.
pub(crate) struct Faces {
    pub(crate) latin: FontRef<'static>,
    pub(crate) cjk: FontRef<'static>,
}

impl Faces {
    /// The face that draws `c`: the Latin one when it has a glyph for it (or neither has, so that
    /// the box is the Latin face's `.notdef`), the CJK one when only it has.
    pub(crate) fn for_char(&self, c: char) -> &FontRef<'static> {
        if self.latin.glyph_id(c).0 == 0 && self.cjk.glyph_id(c).0 != 0 {
            &self.cjk
        } else {
            &self.latin
        }
    }

    /// Whether either face has a glyph for `c`.
    fn draws(&self, c: char) -> bool {
        self.latin.glyph_id(c).0 != 0 || self.cjk.glyph_id(c).0 != 0
    }
}

/// The regular (`bold` false) or bold faces, parsed once a process; `None` if an embedded font
/// cannot be read (the charts say so; validation then warns of nothing).
pub(crate) fn faces(bold: bool) -> Option<&'static Faces> {
    static FACES: OnceLock<[Option<Faces>; 2]> = OnceLock::new();
    let faces = FACES.get_or_init(|| {
        let face = |data| FontRef::try_from_slice(data).ok().filter(|f| f.height_unscaled() > 0.0);
        let weight = |latin, cjk| Some(Faces { latin: face(latin)?, cjk: face(cjk)? });
        [weight(dejavu::sans::regular(), CJK_REGULAR), weight(dejavu::sans::bold(), CJK_BOLD)]
    });
    faces[usize::from(bold)].as_ref()
}

/// One warning for each field the charts draw (`payer`, `payee`) that has characters neither
/// face has, naming the field, its value and each such character once.
pub(crate) fn undrawable(scenario: &Scenario, lang: crate::words::Lang) -> Vec<String> {
    let (Some(regular), Some(bold)) = (faces(false), faces(true)) else { return Vec::new() };
    let mut warnings = Vec::new();
    for (field, value) in [("payer", &scenario.payer), ("payee", &scenario.payee)] {
        let mut missing: Vec<char> = Vec::new();
        for c in value.chars() {
            let drawn = c.is_whitespace() || regular.draws(c) && bold.draws(c);
            if !drawn && !missing.contains(&c) {
                missing.push(c);
            }
        }
        if missing.is_empty() {
            continue;
        }
        let listed: Vec<String> = missing.iter().map(|c| format!("'{c}' (U+{:04X})", u32::from(*c))).collect();
        let listed = listed.join(", ");
        warnings.push(match lang {
            crate::words::Lang::En => format!(
                "{field} = {value:?}: the charts' fonts (DejaVu Sans, Noto Sans CJK SC subset) have no glyph for \
                 {listed}; the charts draw each as a box"
            ),
            crate::words::Lang::Zh => format!(
                "{field} = {value:?}：图表的字体（DejaVu Sans、Noto Sans CJK SC 子集）没有 {listed} 的字形；图表会把\
                 它们画成方框"
            ),
        });
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_comes_from_dejavu_and_chinese_from_the_cjk_subset() {
        for bold in [false, true] {
            let faces = faces(bold).expect("the embedded fonts are readable");
            for c in "Emma Fabian mBTC —✓".chars() {
                assert!(std::ptr::eq(faces.for_char(c), &faces.latin), "{c:?}");
            }
            for c in "艾玛法比安的支付通道，承诺交易。（）".chars() {
                assert!(std::ptr::eq(faces.for_char(c), &faces.cjk), "{c:?}");
                assert_ne!(faces.cjk.glyph_id(c).0, 0, "{c:?} is in the subset");
            }
            // Neither has it: the Latin face's box.
            assert!(std::ptr::eq(faces.for_char('🦀'), &faces.latin));
            assert!(!faces.draws('🦀') && !faces.draws('\u{10FFFD}'));
        }
    }

    #[test]
    fn the_subset_holds_gb2312_level_1() {
        // A few of the 3,755, first, middle and last (啊 B0A1, 玛 C2EA, 座 D7F9), and 3,500 of
        // them by count: the subset is not a handful of characters.
        let cjk = &faces(false).expect("readable").cjk;
        for c in ['啊', '玛', '座'] {
            assert_ne!(cjk.glyph_id(c).0, 0, "{c:?}");
        }
        let ideographs = ('\u{4E00}'..='\u{9FFF}').filter(|c| cjk.glyph_id(*c).0 != 0).count();
        assert!((3755..5000).contains(&ideographs), "{ideographs} ideographs");
    }
}
