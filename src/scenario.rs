//! Scenario files: the one place where user input enters paychan.
//!
//! A scenario is a small TOML file an educator writes by hand or an analyst generates by the
//! thousand. It is read in two steps, as SimLN does: serde fills [`RawScenario`], a mirror of the
//! file in which every value keeps its byte span, and [`Scenario::from_toml`] validates that into
//! a [`Scenario`] whose fields cannot be wrong (amounts are [`Amount`], the network is never
//! mainnet, every segment divides into whole intervals). Every rejection is a [`ScenarioError`]
//! that names the file, line, column, field and value, and says what would be accepted, so the
//! rest of the program never sees bad input.

use std::fmt;
use std::path::{Path, PathBuf};

use bitcoin::{Amount, Denomination, FeeRate, Network};
use serde::Deserialize;
use toml::Spanned;

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
        let bytes =
            std::fs::read(path).map_err(|e| ScenarioError::whole_file(path, format!("cannot read the file: {e}")))?;
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

    /// Satoshis in one display unit (100,000 for mBTC).
    pub fn sat_per_unit(&self) -> u64 {
        sat_per_unit(self.unit)
    }
}

/// Satoshis in one unit of `denom`, for display; 1 for units smaller than a satoshi.
pub fn sat_per_unit(denom: Denomination) -> u64 {
    match denom {
        Denomination::Bitcoin => 100_000_000,
        Denomination::CentiBitcoin => 1_000_000,
        Denomination::MilliBitcoin => 100_000,
        Denomination::MicroBitcoin | Denomination::Bit => 100,
        _ => 1,
    }
}

/// Formats `amount` exactly in `denom` with its unit, trailing zeros dropped: "35.99831 mBTC".
pub fn format_amount(amount: Amount, denom: Denomination) -> String {
    format_sat(amount.to_sat(), sat_per_unit(denom), unit_name(denom))
}

/// Formats `sat` exactly in a unit of `per` satoshis named `unit`: integer arithmetic only.
pub fn format_sat(sat: u64, per: u64, unit: &str) -> String {
    let per = per.max(1);
    let (whole, frac) = (sat / per, sat % per);
    let digits = per.to_string().len() - 1;
    if frac == 0 {
        format!("{whole} {unit}")
    } else {
        let frac = format!("{frac:0digits$}");
        format!("{whole}.{} {unit}", frac.trim_end_matches('0'))
    }
}

/// The short name of a display unit: "BTC", "mBTC", "uBTC", "sat".
pub fn unit_name(denom: Denomination) -> &'static str {
    match denom {
        Denomination::Bitcoin => "BTC",
        Denomination::CentiBitcoin => "cBTC",
        Denomination::MilliBitcoin => "mBTC",
        Denomination::MicroBitcoin => "uBTC",
        Denomination::Bit => "bits",
        _ => "sat",
    }
}

/// Formats a fee rate as sat/vB with up to three decimals: "1 sat/vB", "0.1 sat/vB".
pub fn format_fee_rate(rate: FeeRate) -> String {
    let kwu = rate.to_sat_per_kwu();
    // 1 sat/vB = 250 sat/kwu, so sat/vB = kwu * 4 / 1000.
    let milli = kwu * 4;
    let (whole, frac) = (milli / 1000, milli % 1000);
    if frac == 0 {
        format!("{whole} sat/vB")
    } else {
        format!("{whole}.{} sat/vB", format!("{frac:03}").trim_end_matches('0'))
    }
}

/// A scenario that cannot be used, and where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The scenario file.
    pub file: PathBuf,
    /// 1-based line of the offending text.
    pub line: usize,
    /// 1-based column (in characters) of the offending text.
    pub column: usize,
    /// The field at fault, e.g. `capacity` or `segment[2].rate`.
    pub field: Option<String>,
    /// The offending value as written.
    pub value: Option<String>,
    /// What is wrong and what would be accepted.
    pub problem: String,
}

impl ScenarioError {
    fn whole_file(path: &Path, problem: String) -> ScenarioError {
        ScenarioError { file: path.to_path_buf(), line: 1, column: 1, field: None, value: None, problem }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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

/// The scenario file as written: strings keep their spans so errors can point at them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: Spanned<String>,
    seed: Spanned<i64>,
    network: Option<Spanned<String>>,
    payer: Spanned<String>,
    payee: Spanned<String>,
    capacity: Spanned<String>,
    wallet: Option<Spanned<String>>,
    fee_rate: Spanned<String>,
    interval: Option<Spanned<String>>,
    #[allow(dead_code)] // Free text for the reader of the file; paychan does not use it.
    description: Option<String>,
    segment: Spanned<Vec<RawSegment>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSegment {
    rate: Spanned<String>,
    duration: Spanned<String>,
}

struct Validator<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Validator<'_> {
    fn err<T: fmt::Display>(&self, field: &str, value: &Spanned<T>, problem: impl Into<String>) -> ScenarioError {
        let (line, column) = line_col(self.text, value.span().start);
        ScenarioError {
            file: self.path.to_path_buf(),
            line,
            column,
            field: Some(field.to_string()),
            value: Some(self.quoted(value)),
            problem: problem.into(),
        }
    }

    /// The value as it stands in the file (quotes included), falling back to its display.
    fn quoted<T: fmt::Display>(&self, value: &Spanned<T>) -> String {
        self.text.get(value.span()).map(str::to_string).unwrap_or_else(|| value.get_ref().to_string())
    }

    fn validate(&self, raw: RawScenario) -> Result<Scenario, ScenarioError> {
        let name = raw.name.get_ref().clone();
        let name_ok = !name.is_empty()
            && name.len() <= 64
            && !name.starts_with('.')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !name_ok {
            return Err(self.err(
                "name",
                &raw.name,
                "the name becomes the output folder: use 1 to 64 letters, digits, '-', '_' or '.', not starting with '.'",
            ));
        }

        let seed = u64::try_from(*raw.seed.get_ref()).map_err(|_| {
            self.err("seed", &raw.seed, "the seed must be a whole number from 0 to 9223372036854775807")
        })?;

        let network = match &raw.network {
            None => Network::Regtest,
            Some(n) => parse_network(n.get_ref()).map_err(|p| self.err("network", n, p))?,
        };

        for (field, party) in [("payer", &raw.payer), ("payee", &raw.payee)] {
            let p = party.get_ref();
            if p.trim().is_empty() || p.len() > 40 || p.chars().any(char::is_control) {
                return Err(self.err(field, party, "give a name of 1 to 40 printable characters, e.g. \"Emma\""));
            }
        }
        if raw.payer.get_ref() == raw.payee.get_ref() {
            return Err(self.err("payee", &raw.payee, "the payee must be someone other than the payer"));
        }

        let (capacity, unit) =
            parse_amount(raw.capacity.get_ref()).map_err(|p| self.err("capacity", &raw.capacity, p))?;
        if capacity == Amount::ZERO {
            return Err(self.err(
                "capacity",
                &raw.capacity,
                "the channel needs a capacity above zero, e.g. \"36 mBTC\"",
            ));
        }
        if capacity > Amount::MAX_MONEY {
            return Err(self.err("capacity", &raw.capacity, "more than the 21 million BTC that will ever exist"));
        }

        let fee_rate = parse_fee_rate(raw.fee_rate.get_ref()).map_err(|p| self.err("fee_rate", &raw.fee_rate, p))?;
        let dust = crate::tx::P2WPKH_DUST;
        let too_high = || self.err("fee_rate", &raw.fee_rate, "the fee rate is so high that a fee overflows");
        let fee1 = crate::tx::commitment_fee(fee_rate, 1).ok_or_else(too_high)?;
        let fee2 = crate::tx::commitment_fee(fee_rate, 2).ok_or_else(too_high)?;
        if fee1.checked_add(dust).is_none_or(|least| least > capacity) {
            return Err(self.err(
                "fee_rate",
                &raw.fee_rate,
                format!(
                    "at this fee rate a commitment's fee is {} sat, which leaves less than one 294-sat output of the \
                     {} sat capacity; lower the fee rate or raise the capacity",
                    fee1.to_sat(),
                    capacity.to_sat()
                ),
            ));
        }
        let least = dust + dust + fee2;
        if capacity < least {
            return Err(self.err(
                "capacity",
                &raw.capacity,
                format!(
                    "too small for a channel: a commitment needs two outputs of at least 294 sat (the dust limit) \
                     plus a {} sat fee, so at least {} sat",
                    fee2.to_sat(),
                    least.to_sat()
                ),
            ));
        }

        let wallet = match &raw.wallet {
            // Enough for the capacity, the funding fee and 1 mBTC of change.
            None => crate::tx::funding_fee(fee_rate, true)
                .and_then(|fee| capacity.checked_add(fee))
                .and_then(|a| a.checked_add(Amount::from_sat(100_000)))
                .filter(|a| *a <= Amount::MAX_MONEY)
                .ok_or_else(|| {
                    self.err(
                        "capacity",
                        &raw.capacity,
                        "leaves no room for a wallet coin to fund it within 21 million BTC",
                    )
                })?,
            Some(w) => {
                let (wallet, _) = parse_amount(w.get_ref()).map_err(|p| self.err("wallet", w, p))?;
                if wallet > Amount::MAX_MONEY {
                    return Err(self.err("wallet", w, "more than the 21 million BTC that will ever exist"));
                }
                let funding_fee = crate::tx::funding_fee(fee_rate, false)
                    .ok_or_else(|| self.err("fee_rate", &raw.fee_rate, "fee rate too high"))?;
                let needed = capacity.checked_add(funding_fee).unwrap_or(Amount::MAX);
                if wallet < needed {
                    return Err(self.err(
                        "wallet",
                        w,
                        format!(
                            "the wallet coin must cover the capacity plus the funding fee: at least {} ({} + {} fee)",
                            format_amount(needed, Denomination::Satoshi),
                            format_amount(capacity, Denomination::Satoshi),
                            format_amount(funding_fee, Denomination::Satoshi)
                        ),
                    ));
                }
                wallet
            }
        };

        let interval_s = match &raw.interval {
            None => 1,
            Some(i) => {
                let s = parse_duration(i.get_ref()).map_err(|p| self.err("interval", i, p))?;
                if s == 0 {
                    return Err(self.err("interval", i, "the interval must be at least one second, e.g. \"1 s\""));
                }
                s
            }
        };

        if raw.segment.get_ref().is_empty() {
            return Err(self.err_at(
                "segment",
                raw.segment.span().start,
                "add at least one [[segment]] with a rate and a duration",
            ));
        }
        let mut segments = Vec::with_capacity(raw.segment.get_ref().len());
        let mut total: u64 = 0;
        for (i, seg) in raw.segment.get_ref().iter().enumerate() {
            let n = i + 1;
            let rate_per_s =
                parse_rate(seg.rate.get_ref()).map_err(|p| self.err(&format!("segment[{n}].rate"), &seg.rate, p))?;
            if rate_per_s > capacity {
                return Err(self.err(
                    &format!("segment[{n}].rate"),
                    &seg.rate,
                    format!("one second would cost more than the whole capacity ({})", format_amount(capacity, unit)),
                ));
            }
            let price = rate_per_s.to_sat().checked_mul(interval_s).map(Amount::from_sat);
            if price.is_none_or(|p| p > capacity) {
                return Err(self.err(
                    &format!("segment[{n}].rate"),
                    &seg.rate,
                    format!(
                        "one {interval_s} s interval would cost more than the whole capacity ({})",
                        format_amount(capacity, unit)
                    ),
                ));
            }
            let duration_s = parse_duration(seg.duration.get_ref())
                .map_err(|p| self.err(&format!("segment[{n}].duration"), &seg.duration, p))?;
            if duration_s == 0 {
                return Err(self.err(
                    &format!("segment[{n}].duration"),
                    &seg.duration,
                    "a segment must last at least one interval; remove it or give a duration such as \"60 s\"",
                ));
            }
            if duration_s % interval_s != 0 {
                return Err(self.err(
                    &format!("segment[{n}].duration"),
                    &seg.duration,
                    format!("{duration_s} s is not a whole number of {interval_s} s intervals"),
                ));
            }
            total = total.saturating_add(duration_s);
            if total > MAX_TOTAL_DURATION_S {
                return Err(self.err(
                    &format!("segment[{n}].duration"),
                    &seg.duration,
                    format!("the schedule would last more than one year ({MAX_TOTAL_DURATION_S} s), paychan's limit"),
                ));
            }
            segments.push(Segment { rate_per_s, duration_s });
        }

        Ok(Scenario {
            name,
            seed,
            network,
            payer: raw.payer.get_ref().clone(),
            payee: raw.payee.get_ref().clone(),
            capacity,
            wallet,
            fee_rate,
            interval_s,
            segments,
            unit,
        })
    }

    fn err_at(&self, field: &str, offset: usize, problem: &str) -> ScenarioError {
        let (line, column) = line_col(self.text, offset);
        ScenarioError {
            file: self.path.to_path_buf(),
            line,
            column,
            field: Some(field.to_string()),
            value: None,
            problem: problem.to_string(),
        }
    }
}

/// Turns a TOML or serde error into a [`ScenarioError`] that names the field and shows an example.
fn syntax_error(path: &Path, text: &str, e: &toml::de::Error) -> ScenarioError {
    let span = e.span().unwrap_or(0..0);
    let (line, column) = line_col(text, span.start);
    let message = e.message().trim_end().lines().map(str::trim).collect::<Vec<_>>().join("; ");
    let message = message.replace("expected i64", "expected a whole number");
    // The `key = value` line the error points at, if it is one.
    let line_text = text.lines().nth(line - 1).unwrap_or("");
    let key_value = line_text.split_once('=').map(|(k, v)| (k.trim().to_string(), v.trim().to_string()));
    let (mut field, mut value, mut problem) = (None, None, message.clone());
    if let Some(missing) = message.strip_prefix("missing field `").and_then(|m| m.strip_suffix('`')) {
        field = Some(missing.to_string());
        problem = match example(missing) {
            Some(ex) => format!("this required field is missing; add a line such as {ex}"),
            None => "this required field is missing".to_string(),
        };
    } else if message.starts_with("invalid type") || message.starts_with("invalid value") {
        if let Some((k, v)) = key_value {
            problem = match example(&k) {
                Some(ex) => format!("{message}; write e.g. {ex}"),
                None => message,
            };
            field = Some(k);
            value = Some(v);
        }
    } else if let Some(rest) = message.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or("");
        field = Some(name.to_string());
        let accepted = rest.split_once(", expected ").map_or("", |(_, a)| a);
        problem = format!("unknown field; the accepted fields are {}", accepted.trim_start_matches("one of "));
    }
    ScenarioError { file: path.to_path_buf(), line, column, field, value, problem }
}

/// A correct line for `field`, to show in errors.
fn example(field: &str) -> Option<&'static str> {
    Some(match field {
        "name" => "name = \"emma-fabian\"",
        "seed" => "seed = 14",
        "network" => "network = \"regtest\"",
        "payer" => "payer = \"Emma\"",
        "payee" => "payee = \"Fabian\"",
        "capacity" => "capacity = \"36 mBTC\"",
        "wallet" => "wallet = \"50 mBTC\"",
        "fee_rate" => "fee_rate = \"1 sat/vB\"",
        "interval" => "interval = \"1 s\"",
        "segment" => "[[segment]] with rate = \"0.01 mBTC/s\" and duration = \"600 s\"",
        "rate" => "rate = \"0.01 mBTC/s\"",
        "duration" => "duration = \"600 s\"",
        "description" => "description = \"a line of text\"",
        _ => return None,
    })
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn parse_network(s: &str) -> Result<Network, String> {
    match s {
        "regtest" => Ok(Network::Regtest),
        "testnet" | "testnet3" => Ok(Network::Testnet),
        "testnet4" => Ok(Network::Testnet4),
        "signet" => Ok(Network::Signet),
        "mainnet" | "bitcoin" | "main" => Err(
            "mainnet is refused: paychan derives every key from the scenario's seed, which anyone who reads the file can \
             repeat, so coins sent to these keys belong to anyone; use regtest (the default), testnet, testnet4 or signet"
                .to_string(),
        ),
        _ => Err("unknown network; write regtest, testnet, testnet4 or signet".to_string()),
    }
}

const UNIT_HINT: &str = "write BTC, mBTC, uBTC, bits or sat";

/// Splits "36 mBTC" or "36mBTC" into ("36", "mBTC").
fn split_number_unit(s: &str) -> Result<(&str, &str), String> {
    let s = s.trim();
    let at = s.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+' || c == '_' || c == ','));
    let Some(at) = at else {
        return Err(format!("the amount has no unit; {UNIT_HINT}, e.g. \"{s} sat\""));
    };
    let (number, unit) = (s[..at].trim(), s[at..].trim());
    if number.is_empty() {
        return Err("expected a number before the unit, e.g. \"36 mBTC\"".to_string());
    }
    Ok((number, unit))
}

/// Parses an exact amount with a unit, e.g. "36 mBTC", "1000 sat", "0.036 BTC".
///
/// Returns the amount and the unit it was written in.
pub fn parse_amount(s: &str) -> Result<(Amount, Denomination), String> {
    let (number, unit) = split_number_unit(s)?;
    if number.starts_with('-') {
        return Err("an amount cannot be negative".to_string());
    }
    if number.contains(',') || number.contains('_') {
        return Err("write the number without separators, e.g. \"3600000 sat\"".to_string());
    }
    let denom = parse_unit(unit)?;
    let number = number.strip_prefix('+').unwrap_or(number);
    let amount = Amount::from_str_in(number, denom).map_err(|e| {
        use bitcoin::amount::ParseAmountError as E;
        match e {
            E::TooPrecise(_) => {
                format!("more decimals than a satoshi allows in {}; the smallest amount is 1 sat", unit_name(denom))
            }
            E::OutOfRange(_) | E::InputTooLarge(_) => "more than the 21 million BTC that will ever exist".to_string(),
            other => format!("not a number ({other}); write e.g. \"36 mBTC\""),
        }
    })?;
    Ok((amount, denom))
}

/// Parses a unit name: BTC, mBTC, uBTC, bits or sat (and their plural or lower-case forms).
///
/// # Errors
///
/// A message naming the unknown unit and the accepted ones.
pub fn parse_unit(unit: &str) -> Result<Denomination, String> {
    match unit {
        "BTC" | "btc" => Ok(Denomination::Bitcoin),
        "mBTC" | "mbtc" => Ok(Denomination::MilliBitcoin),
        "uBTC" | "ubtc" | "µBTC" => Ok(Denomination::MicroBitcoin),
        "bit" | "bits" => Ok(Denomination::Bit),
        "sat" | "sats" | "satoshi" | "satoshis" => Ok(Denomination::Satoshi),
        "" => Err(format!("the amount has no unit; {UNIT_HINT}")),
        other => Err(format!("unknown unit \"{other}\"; {UNIT_HINT}")),
    }
}

/// Parses a rate per unit of time, e.g. "0.01 mBTC/s", "60000 sat/min"; returns the rate per second.
pub fn parse_rate(s: &str) -> Result<Amount, String> {
    let Some((amount, per)) = s.rsplit_once('/') else {
        return Err("a rate is an amount per second, e.g. \"0.01 mBTC/s\" or \"1000 sat/s\"".to_string());
    };
    let (amount, _) = parse_amount(amount)?;
    let seconds = match per.trim() {
        "s" | "sec" | "second" => 1,
        "min" | "minute" => 60,
        "h" | "hour" => 3600,
        other => return Err(format!("unknown time unit \"{other}\" after '/'; write /s, /min or /h")),
    };
    if amount.to_sat() % seconds != 0 {
        return Err(format!(
            "{} sat per {seconds} s is not a whole number of satoshis per second; payments are made per second",
            amount.to_sat()
        ));
    }
    Ok(Amount::from_sat(amount.to_sat() / seconds))
}

/// Parses a duration such as "600 s", "10 min", "1.5 h" into whole seconds.
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let at = t.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-')).unwrap_or(t.len());
    let (number, unit) = (t[..at].trim(), t[at..].trim());
    let per = match unit {
        "s" | "sec" | "secs" | "second" | "seconds" => 1u64,
        "min" | "mins" | "minute" | "minutes" => 60,
        "h" | "hour" | "hours" => 3600,
        "" => return Err("the duration has no unit; write e.g. \"600 s\", \"10 min\" or \"1 h\"".to_string()),
        other => return Err(format!("unknown time unit \"{other}\"; write s, min or h")),
    };
    if number.starts_with('-') {
        return Err("a duration cannot be negative".to_string());
    }
    let (num, den) =
        parse_decimal(number).ok_or_else(|| format!("\"{number}\" is not a number; write e.g. \"600 s\""))?;
    let scaled = num.checked_mul(per).ok_or_else(|| "the duration is absurdly long".to_string())?;
    if scaled % den != 0 {
        return Err("the duration must be a whole number of seconds".to_string());
    }
    Ok(scaled / den)
}

/// Parses "12.5" into (125, 10); at most 9 decimals, no sign.
fn parse_decimal(s: &str) -> Option<(u64, u64)> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) || frac.len() > 9 {
        return None;
    }
    let den = 10u64.pow(u32::try_from(frac.len()).ok()?);
    let int: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let frac: u64 = if frac.is_empty() { 0 } else { frac.parse().ok()? };
    int.checked_mul(den)?.checked_add(frac).map(|n| (n, den))
}

/// Parses a fee rate: "1 sat/vB", "0.1 sat/vB", "250 sat/kwu".
pub fn parse_fee_rate(s: &str) -> Result<FeeRate, String> {
    let t = s.trim();
    let hint = "write a fee rate such as \"1 sat/vB\", \"0.1 sat/vB\" or \"250 sat/kwu\"";
    let at = t.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-')).unwrap_or(t.len());
    let (number, unit) = (t[..at].trim(), t[at..].trim());
    if number.starts_with('-') {
        return Err("a fee rate cannot be negative".to_string());
    }
    let (num, den) = parse_decimal(number).ok_or_else(|| format!("\"{number}\" is not a number; {hint}"))?;
    let per_kwu = match unit {
        "sat/vB" | "sat/vb" | "sat/vbyte" => 250,
        "sat/kwu" => 1,
        "" => return Err(format!("the fee rate has no unit; {hint}")),
        other => return Err(format!("unknown fee rate unit \"{other}\"; {hint}")),
    };
    let kwu = num.checked_mul(per_kwu).ok_or_else(|| "the fee rate is absurdly high".to_string())?;
    if kwu % den != 0 {
        return Err("too many decimals: the finest fee rate is 0.004 sat/vB (1 sat/kwu)".to_string());
    }
    let kwu = kwu / den;
    // 1 BTC per vbyte is far beyond anything a transaction could pay.
    if kwu > 250 * 100_000_000 {
        return Err("the fee rate is absurdly high; a commitment would cost more than all bitcoin".to_string());
    }
    Ok(FeeRate::from_sat_per_kwu(kwu))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOOK: &str = include_str!("../scenarios/emma-fabian.toml");

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
