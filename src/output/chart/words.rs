//! Money and time as a chart writes them, from integers: "29.99831 mBTC", "0.01 mBTC/s",
//! "59 min 59 s".

use super::ChartInput;
use crate::words::Lang;

/// `n` with a comma between groups of three digits: "3,600,000".
pub(crate) fn group(n: u64) -> String {
    crate::units::thousands(n)
}

pub(crate) fn number(sat: u64, sat_per_unit: u64) -> String {
    crate::units::decimal(sat, sat_per_unit, true)
}

/// "29.99831 mBTC".
pub(super) fn amount(sat: u64, input: &ChartInput<'_>) -> String {
    format!("{} {}", number(sat, input.sat_per_unit), input.unit_name)
}

/// "0.01 mBTC/s" ("0.01 mBTC/秒" in Chinese).
pub(super) fn rate_text(sat_per_s: u64, input: &ChartInput<'_>) -> String {
    format!("{}/{}", amount(sat_per_s, input), time_unit("s", input.lang))
}

/// "600 s", "59 min 59 s", "2 h 5 min".
pub(crate) fn clock_label(s: u64) -> String {
    clock_label_in(s, Lang::En)
}

/// [`clock_label`] in `lang`: "600 秒", "59 分钟 59 秒", "2 小时 5 分钟" in Chinese.
pub(crate) fn clock_label_in(s: u64, lang: Lang) -> String {
    let (h_, m_, s_) = (time_unit("h", lang), time_unit("min", lang), time_unit("s", lang));
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, sec) => format!("{sec} {s_}"),
        (0, m, 0) => format!("{m} {m_}"),
        (0, m, sec) => format!("{m} {m_} {sec} {s_}"),
        (h, 0, 0) => format!("{} {h_}", group(h)),
        (h, m, _) => format!("{} {h_} {m} {m_}", group(h)),
    }
}

/// A time axis's unit ("s", "min", "h") in `lang`.
pub(crate) fn time_unit(name: &'static str, lang: Lang) -> &'static str {
    match (name, lang) {
        ("s", Lang::Zh) => "秒",
        ("min", Lang::Zh) => "分钟",
        ("h", Lang::Zh) => "小时",
        (other, _) => other,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::book;
    use super::*;

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
        assert_eq!(clock_label_in(3_599, Lang::Zh), "59 分钟 59 秒");
        assert_eq!(time_unit("h", Lang::Zh), "小时");
    }

    /// Every Chinese word a chart draws is in the embedded Noto Sans CJK SC subset (or DejaVu
    /// Sans): the chart messages, the time units, what each broadcast is and the verdict.
    #[test]
    fn the_embedded_fonts_draw_every_chinese_word_of_the_charts() {
        use crate::onchain::{Kind, PartyOutcome, Who};
        use ab_glyph::Font as _;
        use bitcoin::Amount;
        let mut texts: Vec<String> = crate::words::Msg::ALL
            .iter()
            .filter(|m| format!("{m:?}").starts_with("Chart"))
            .map(|m| m.text(Lang::Zh).to_string())
            .collect();
        texts.extend(["s", "min", "h"].map(|u| time_unit(u, Lang::Zh).to_string()));
        let kinds = [
            Kind::Funding,
            Kind::Refund,
            Kind::Commitment(1),
            Kind::Settlement,
            Kind::Answer { word: "penalty", what: ("", "针对承诺交易 #{seq} 的惩罚交易"), seq: 1 },
            Kind::Answer { word: "sweep", what: ("", "承诺交易 #{seq} 的延迟清扫交易"), seq: 1 },
        ];
        let (owed, paid, short) = (
            PartyOutcome { owed: Amount::ONE_SAT, received: Amount::ONE_SAT },
            PartyOutcome { owed: Amount::ONE_SAT, received: Amount::ONE_SAT },
            PartyOutcome { owed: Amount::ONE_SAT, received: Amount::ZERO },
        );
        for kind in kinds {
            texts.push(kind.describe(Lang::Zh));
            for (a, b) in [(&owed, &paid), (&short, &paid), (&short, &short)] {
                let closing = Some((Who::Payer, kind, Some(1)));
                texts.push(crate::onchain::outcome::verdict(
                    Lang::Zh,
                    ("艾玛", "法比安"),
                    (a, b),
                    closing,
                    Amount::ONE_SAT,
                ));
            }
        }
        texts.push(crate::onchain::outcome::verdict(
            Lang::Zh,
            ("艾玛", "法比安"),
            (&owed, &paid),
            None,
            Amount::ONE_SAT,
        ));
        for bold in [false, true] {
            let faces = crate::scenario::validate::glyphs::faces(bold).expect("the embedded fonts load");
            for text in &texts {
                for c in text.chars().filter(|c| !c.is_whitespace()) {
                    let drawn = faces.latin.glyph_id(c).0 != 0 || faces.cjk.glyph_id(c).0 != 0;
                    assert!(drawn, "{c:?} of {text:?} has no glyph (bold: {bold})");
                }
            }
        }
    }
}
