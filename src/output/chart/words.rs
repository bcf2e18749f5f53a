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
}
