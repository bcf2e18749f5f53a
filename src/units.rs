//! Amounts, rates, durations and fee rates as people write them ("36 mBTC", "0.01 mBTC/s",
//! "10 min", "1 sat/vB"), parsed exactly and formatted back exactly: integer arithmetic only, so
//! a scenario's numbers are the book's numbers to the satoshi.

use bitcoin::{Amount, Denomination, FeeRate, Network};

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
    format!("{} {unit}", decimal(sat, per, false))
}

/// `n` with thousands separators: 804319 → "804,319".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `sat` in units of `per` satoshis, exactly, trailing zeros dropped ("29.99831"), the whole
/// part with thousands separators when `grouped`. The one amount formatter: the summary, the
/// narration, the charts and the report all write amounts through it.
///
/// Every unit Bitcoin has is a power of ten of satoshis, so the decimals end; for any other
/// divisor they are cut after twelve places.
pub fn decimal(sat: u64, per: u64, grouped: bool) -> String {
    let per = per.max(1);
    let whole = if grouped { thousands(sat / per) } else { (sat / per).to_string() };
    let mut rest = u128::from(sat % per);
    if rest == 0 {
        return whole;
    }
    let mut decimals = String::new();
    while rest != 0 && decimals.len() < 12 {
        rest *= 10;
        decimals.push(char::from(b'0' + (rest / u128::from(per)) as u8));
        rest %= u128::from(per);
    }
    format!("{whole}.{}", decimals.trim_end_matches('0'))
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

pub(crate) fn parse_network(s: &str) -> Result<Network, String> {
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
