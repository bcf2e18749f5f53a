//! Scenario files: the one place where user input enters paychan.
//!
//! A scenario is a small TOML file an educator writes by hand or an analyst generates by the
//! thousand. It is read in two steps, as SimLN does: serde fills `RawScenario`, a mirror of the
//! file in which every value keeps its byte span, and [`Scenario::from_toml`] validates that into
//! a [`Scenario`] whose fields cannot be wrong (amounts are [`Amount`], the network is never
//! mainnet, every segment divides into whole intervals). Every rejection is a [`ScenarioError`]
//! that names the file, line, column, field and value, and says what would be accepted, so the
//! rest of the program never sees bad input.

pub mod audience;
pub mod events;
pub mod ledger;
pub mod plan;
pub(crate) mod raw;
pub mod shard;
pub(crate) mod validate;

use std::fmt;
use std::path::{Path, PathBuf};

use bitcoin::{Amount, Denomination, FeeRate, Network};

pub use crate::units::{
    decimal, format_amount, format_fee_rate, format_sat, parse_amount, parse_duration, parse_fee_rate, parse_rate,
    parse_unit, sat_per_unit, thousands, unit_name,
};
use raw::RawScenario;
pub(crate) use validate::{line_col, toml_error};
use validate::{syntax_error, Validator};

/// The longest schedule a scenario may describe: one year of scenario time.
///
/// A year at one commitment per second is 31.5 million commitments, far past what the channel's
/// capacity buys at any rate worth simulating; a longer schedule is almost certainly a typo
/// ("3600 h" for "3600 s").
pub const MAX_TOTAL_DURATION_S: u64 = 365 * 24 * 3600;

/// The lowest fee rate that Bitcoin Core (before v29.1) relays by default: 1 sat/vB.
pub const MIN_RELAY_FEE_RATE: FeeRate = FeeRate::from_sat_per_kwu(250);

/// A fee rate above this is accepted with a warning: 10,000 sat/vB is Bitcoin Core's
/// `-maxfeerate` default for `sendrawtransaction` (0.1 BTC/kvB).
pub const HIGH_FEE_RATE: FeeRate = FeeRate::from_sat_per_kwu(10_000 * 250);

/// A validated scenario: every field is in range and every amount is exact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    /// Name of the run; also the output folder's name, so only `[A-Za-z0-9._-]`.
    pub name: String,
    /// The file's `description`, a line for people (the report and the printed summary show it);
    /// empty when the file has none.
    pub description: String,
    /// How the channel is built: the book's `naive` 2-of-2 by default.
    pub design: crate::channel::DesignRef,
    /// The one seed every key and the wallet coin are derived from.
    pub seed: u64,
    /// Regtest, testnet, testnet4 or signet; never mainnet.
    pub network: Network,
    /// Who pays (Emma in the book).
    pub payer: String,
    /// Who is paid (Fabian in the book).
    pub payee: String,
    /// The funding output's value: the channel capacity.
    pub capacity: Amount,
    /// The payer's prior coin that the funding transaction spends.
    pub wallet: Amount,
    /// Fee rate of the funding transaction and of every commitment.
    pub fee_rate: FeeRate,
    /// Seconds of video paid for by one commitment.
    pub interval_s: u64,
    /// The rate schedule, in order; at least one segment.
    pub segments: Vec<Segment>,
    /// The unit the capacity was written in; charts and the summary speak in it.
    pub unit: Denomination,
    /// The simulated chain's clock: the funding's height and the block interval.
    pub chain: events::ChainClock,
    /// Scripted events, in time order; empty: both parties honest.
    pub events: Vec<events::Event>,
    /// Fabian's whole audience, when the file has an `[audience]`: then `segments` is empty and
    /// each viewer's channel is a scenario of its own ([`audience::Viewer::scenario`]).
    pub audience: Option<std::sync::Arc<audience::Audience>>,
}

/// One stretch of the rate schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// Price of one second of video; zero is a pause (no commitments).
    pub rate_per_s: Amount,
    /// Length of the segment in seconds, a whole number of intervals.
    pub duration_s: u64,
}

impl Segment {
    /// Whether this segment is a pause (rate zero).
    pub fn is_pause(&self) -> bool {
        self.rate_per_s == Amount::ZERO
    }
}

impl Scenario {
    /// Reads and validates the scenario at `path`.
    ///
    /// # Errors
    ///
    /// [`ScenarioError`] when the file cannot be read, is not UTF-8 TOML, or any field is invalid.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let bytes = std::fs::read(path).map_err(|e| ScenarioError::unreadable(path, &e))?;
        Scenario::from_bytes(path, &bytes)
    }

    /// Validates scenario file contents `bytes`; `path` is used only to name the file in errors.
    ///
    /// # Errors
    ///
    /// [`ScenarioError`] when the bytes are not UTF-8 TOML or any field is invalid.
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Scenario, ScenarioError> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let at = e.valid_up_to();
            let (line, column) = line_col(&String::from_utf8_lossy(&bytes[..at]), at);
            ScenarioError {
                file: path.to_path_buf(),
                line,
                column,
                field: None,
                value: None,
                problem: format!(
                    "the file is not UTF-8 text (invalid byte 0x{:02x} at offset {at}); save it as UTF-8",
                    bytes[at]
                ),
            }
        })?;
        Scenario::from_toml(path, text)
    }

    /// Validates scenario `text`; `path` is used only to name the file in errors.
    ///
    /// # Errors
    ///
    /// [`ScenarioError`] naming the line, column, field and value of the first problem found.
    pub fn from_toml(path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
        if text.trim().is_empty() {
            return Err(ScenarioError::whole_file(
                path,
                "the file is empty; a scenario needs at least name, seed, payer, payee, capacity, fee_rate and one [[segment]]"
                    .to_string(),
            ));
        }
        let raw: RawScenario = toml::from_str(text).map_err(|e| syntax_error(path, text, &e))?;
        Validator { path, text }.validate(raw)
    }

    /// Total scenario time in seconds (pauses included).
    pub fn total_duration_s(&self) -> u64 {
        self.segments.iter().map(|s| s.duration_s).sum()
    }

    /// Whether a run plays the channel out on the simulated chain (`chain.csv`, the outcome):
    /// for every design but the book's naive one, and for any scenario with events. The naive
    /// channel without events writes exactly what it always did.
    pub fn onchain(&self) -> bool {
        self.design.plays_out_on_chain() || !self.events.is_empty()
    }

    /// Scenario time at which the video stops: the first event's time, or the schedule's end.
    pub fn stream_end_s(&self) -> u64 {
        self.stream_end_s_of(self.events.iter())
    }

    /// As [`Scenario::stream_end_s`] for the events `events`.
    pub fn stream_end_s_of<'e>(&self, events: impl Iterator<Item = &'e events::Event>) -> u64 {
        let end = self.total_duration_s();
        events.map(|e| self.event_time_s(e)).min().map_or(end, |t| t.min(end))
    }

    /// The scenario time of `event` (a height maps to the time its block is found).
    pub fn event_time_s(&self, event: &events::Event) -> u64 {
        match event.at {
            events::At::Seconds(s) => s,
            events::At::Height(h) => self.chain.time_of(h),
        }
    }

    /// This scenario with its schedule cut at scenario time `end_s` (whole intervals): the
    /// video that is actually streamed when an event stops it early.
    pub fn cut_at(&self, end_s: u64) -> Scenario {
        let mut cut = self.clone();
        cut.segments.clear();
        let mut start = 0;
        for seg in &self.segments {
            if start >= end_s {
                break;
            }
            let keep = (end_s - start).min(seg.duration_s);
            let keep = keep - keep % self.interval_s;
            if keep > 0 {
                cut.segments.push(Segment { rate_per_s: seg.rate_per_s, duration_s: keep });
            }
            start += seg.duration_s;
        }
        if cut.segments.is_empty() {
            // Nothing streamed: a pause of one interval keeps the schedule non-empty.
            cut.segments.push(Segment { rate_per_s: Amount::ZERO, duration_s: self.interval_s });
        }
        cut
    }

    /// Satoshis in one display unit (100,000 for mBTC).
    pub fn sat_per_unit(&self) -> u64 {
        sat_per_unit(self.unit)
    }
}

/// A scenario that cannot be used, and where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The scenario file.
    pub file: PathBuf,
    /// 1-based line of the offending text; 0 when the problem has no place in the text (the file
    /// could not be read at all).
    pub line: usize,
    /// 1-based column (in characters) of the offending text; 0 when `line` is 0.
    pub column: usize,
    /// The field at fault, e.g. `capacity` or `segment[2].rate`.
    pub field: Option<String>,
    /// The offending value as written.
    pub value: Option<String>,
    /// What is wrong and what would be accepted.
    pub problem: String,
}

impl ScenarioError {
    pub(crate) fn whole_file(path: &Path, problem: String) -> ScenarioError {
        ScenarioError { file: path.to_path_buf(), line: 1, column: 1, field: None, value: None, problem }
    }

    /// A file that could not be read: no line or column, since there is no text to point into.
    ///
    /// The message is the operating system's without its " (os error N)" suffix:
    /// "cannot read nothere.toml: No such file or directory".
    pub(crate) fn unreadable(path: &Path, e: &std::io::Error) -> ScenarioError {
        let message = e.to_string();
        let message = match e.raw_os_error() {
            Some(code) => message.strip_suffix(&format!(" (os error {code})")).unwrap_or(&message).to_string(),
            None => message,
        };
        ScenarioError {
            file: path.to_path_buf(),
            line: 0,
            column: 0,
            field: None,
            value: None,
            problem: format!("cannot read {}: {message}", path.display()),
        }
    }

    /// Whether the error points at a line and column of the file's text.
    pub fn has_position(&self) -> bool {
        self.line > 0
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.has_position() {
            // The problem names the file itself ("cannot read x.toml: ..."): there is no text.
            return f.write_str(&self.problem);
        }
        write!(f, "{}:{}:{}: ", self.file.display(), self.line, self.column)?;
        match (&self.field, &self.value) {
            (Some(field), Some(value)) => write!(f, "{field} = {value}: ")?,
            (Some(field), None) => write!(f, "{field}: ")?,
            _ => {}
        }
        f.write_str(&self.problem)
    }
}

impl std::error::Error for ScenarioError {}

/// Warnings about a valid scenario, one sentence each.
pub fn warnings(scenario: &Scenario) -> Vec<String> {
    warnings_in(scenario, crate::words::Lang::En)
}

/// [`warnings`] in `lang`.
pub fn warnings_in(scenario: &Scenario, lang: crate::words::Lang) -> Vec<String> {
    use crate::words::Lang;
    let mut w = Vec::new();
    let rate = scenario.fee_rate;
    let r = format_fee_rate(rate);
    if rate == bitcoin::FeeRate::ZERO {
        w.push(
            lang.pick(
                "fee_rate is 0: the amounts are exact, as in the book, but no Bitcoin node relays these transactions \
             (Bitcoin Core's minimum relay fee is 1 sat/vB, 0.1 sat/vB from v29.1)"
                    .to_string(),
                "fee_rate 为 0：金额与书中完全一致，但没有任何比特币节点会转发这些交易（Bitcoin Core 的最低转发费率是 \
             1 sat/vB，v29.1 起为 0.1 sat/vB）"
                    .to_string(),
            ),
        );
    } else if rate < MIN_RELAY_FEE_RATE {
        w.push(match lang {
            Lang::En => format!(
                "fee_rate {r} is below 1 sat/vB: only Bitcoin Core v29.1 or later relays it (its minimum is 0.1 sat/vB)"
            ),
            Lang::Zh => {
                format!("fee_rate {r} 低于 1 sat/vB：只有 Bitcoin Core v29.1 及以后的版本会转发（最低 0.1 sat/vB）")
            }
        });
    } else if rate > HIGH_FEE_RATE {
        w.push(match lang {
            Lang::En => format!(
                "fee_rate {r} is above 10,000 sat/vB, Bitcoin Core's -maxfeerate: sendrawtransaction would refuse it"
            ),
            Lang::Zh => {
                format!("fee_rate {r} 高于 Bitcoin Core 的 -maxfeerate（10,000 sat/vB）：sendrawtransaction 会拒绝它")
            }
        });
    }
    w.extend(validate::glyphs::undrawable(scenario, lang));
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOOK: &str = include_str!("../../scenarios/emma-fabian.toml");

    #[test]
    fn book_scenario_parses_to_the_books_numbers() {
        let s = Scenario::from_toml(Path::new("emma-fabian.toml"), BOOK).expect("the shipped scenario is valid");
        assert_eq!(s.capacity, Amount::from_sat(3_600_000));
        assert_eq!(s.segments, vec![Segment { rate_per_s: Amount::from_sat(1_000), duration_s: 600 }]);
        assert_eq!(s.network, Network::Regtest);
        assert_eq!(s.unit, Denomination::MilliBitcoin);
        assert_eq!(s.payer, "Emma");
        assert_eq!(s.payee, "Fabian");
    }

    #[test]
    fn amounts_parse_with_units() {
        assert_eq!(parse_amount("36 mBTC").unwrap().0, Amount::from_sat(3_600_000));
        assert_eq!(parse_amount("36mBTC").unwrap().0, Amount::from_sat(3_600_000));
        assert_eq!(parse_amount("0.01 mBTC").unwrap().0, Amount::from_sat(1_000));
        assert_eq!(parse_amount("1000 sat").unwrap().0, Amount::from_sat(1_000));
        assert_eq!(parse_amount("0.036 BTC").unwrap().0, Amount::from_sat(3_600_000));
        assert!(parse_amount("36 MBTC")
            .unwrap_err()
            .contains("unknown unit \"MBTC\"; write BTC, mBTC, uBTC, bits or sat"));
        assert!(parse_amount("0.000000001 BTC").unwrap_err().contains("more decimals"));
        assert!(parse_amount("-1 sat").unwrap_err().contains("negative"));
        assert!(parse_amount("36").unwrap_err().contains("no unit"));
    }

    #[test]
    fn rates_durations_and_fee_rates_parse() {
        assert_eq!(parse_rate("0.01 mBTC/s").unwrap(), Amount::from_sat(1_000));
        assert_eq!(parse_rate("60000 sat/min").unwrap(), Amount::from_sat(1_000));
        assert!(parse_rate("100 sat/min").is_err());
        assert_eq!(parse_duration("600 s").unwrap(), 600);
        assert_eq!(parse_duration("10 min").unwrap(), 600);
        assert_eq!(parse_duration("1.5 h").unwrap(), 5_400);
        assert!(parse_duration("1.0001 s").is_err());
        assert_eq!(parse_fee_rate("1 sat/vB").unwrap(), FeeRate::from_sat_per_kwu(250));
        assert_eq!(parse_fee_rate("0.1 sat/vB").unwrap(), FeeRate::from_sat_per_kwu(25));
        assert_eq!(format_fee_rate(FeeRate::from_sat_per_kwu(25)), "0.1 sat/vB");
        assert_eq!(format_fee_rate(FeeRate::from_sat_per_kwu(250)), "1 sat/vB");
    }

    #[test]
    fn amounts_format_exactly() {
        assert_eq!(format_amount(Amount::from_sat(2_999_831), Denomination::MilliBitcoin), "29.99831 mBTC");
        assert_eq!(format_amount(Amount::from_sat(600_000), Denomination::MilliBitcoin), "6 mBTC");
        assert_eq!(format_amount(Amount::from_sat(1_000), Denomination::MilliBitcoin), "0.01 mBTC");
    }

    #[test]
    fn errors_name_file_line_field_and_value() {
        let text = BOOK.replace("capacity = \"36 mBTC\"", "capacity = \"36 MBTC\"");
        let e = Scenario::from_toml(Path::new("s.toml"), &text).unwrap_err();
        let line = BOOK.lines().position(|l| l.starts_with("capacity")).unwrap() + 1;
        assert_eq!(e.line, line);
        assert_eq!(
            e.to_string(),
            format!(
                "s.toml:{line}:12: capacity = \"36 MBTC\": unknown unit \"MBTC\"; write BTC, mBTC, uBTC, bits or sat"
            )
        );
    }

    #[test]
    fn mainnet_is_refused_with_the_reason() {
        let text = BOOK.replace("network = \"regtest\"", "network = \"mainnet\"");
        let e = Scenario::from_toml(Path::new("s.toml"), &text).unwrap_err();
        assert!(e.to_string().contains("mainnet is refused"), "{e}");
        assert!(e.to_string().contains("belong to anyone"), "{e}");
    }
}
