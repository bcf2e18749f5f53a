//! When viewers arrive: a fixed number (all at once, or spread at random over a period) or a
//! Poisson process over a period.
//!
//! Viewer k's arrival comes from its own stream (`audience/viewer/k/arrival`), so it does not
//! depend on how many viewers there are: with `viewers = N` and a period, each viewer arrives at
//! a uniform whole second of the period; in a Poisson process, the gap before viewer k is an
//! exponential draw from viewer k's stream, and its arrival is the sum of the gaps up to its own,
//! so viewer k arrives at the same second in a longer period. The iterator yields viewers in
//! index order and holds nothing but a clock.

use super::distributions::{below, ln, unit_open};
use super::stream;

/// The most viewers one audience may have (ten million channels is days of signing).
pub const MAX_VIEWERS: u64 = 10_000_000;

/// How viewers arrive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arrivals {
    /// `viewers = N`: all at second 0, or each at a uniform whole second of `period_s`.
    Count {
        /// How many.
        viewers: u64,
        /// The period they arrive in, if any.
        period_s: Option<u64>,
    },
    /// `arrivals = { poisson = "120 /h" }`: a Poisson process of `count` arrivals per `per_s`
    /// seconds (`count` = `num / den`, exact as written), over `period_s`.
    Poisson {
        /// The rate's numerator.
        num: u64,
        /// The rate's denominator (a power of ten for decimals).
        den: u64,
        /// Seconds the rate is per (1, 60 or 3,600).
        per_s: u64,
        /// The period arrivals happen in.
        period_s: u64,
    },
}

impl Arrivals {
    /// The number of viewers expected (exact for a count).
    pub fn expected(&self) -> f64 {
        match self {
            Arrivals::Count { viewers, .. } => *viewers as f64,
            Arrivals::Poisson { num, den, per_s, period_s } => {
                *period_s as f64 * *num as f64 / (*den as f64 * *per_s as f64)
            }
        }
    }

    /// The arrivals in index order: `(viewer, arrival second)`.
    pub fn iter(&self, seed: u64) -> ArrivalIter {
        ArrivalIter { arrivals: self.clone(), seed, next: 0, clock: 0.0 }
    }

    /// In words, for `paychan check`.
    pub fn describe(&self) -> String {
        match self {
            Arrivals::Count { viewers, period_s: None } => format!("{viewers} viewers, all at 0 s"),
            Arrivals::Count { viewers, period_s: Some(p) } => {
                format!("{viewers} viewers, each at a uniform random second of {p} s")
            }
            Arrivals::Poisson { period_s, .. } => format!(
                "Poisson arrivals over {period_s} s, {:.1} expected (mean gap {:.1} s)",
                self.expected(),
                self.mean_gap_s()
            ),
        }
    }

    fn mean_gap_s(&self) -> f64 {
        match self {
            Arrivals::Poisson { num, den, per_s, .. } => (*den as f64 * *per_s as f64) / *num as f64,
            Arrivals::Count { .. } => 0.0,
        }
    }
}

/// Parses an arrival rate: "120 /h", "2 /min", "0.5 /s" (also "120/h" and "120 per h").
///
/// # Errors
///
/// What is wrong and what would be accepted.
pub fn parse_rate(s: &str) -> Result<(u64, u64, u64), String> {
    let hint = "write a number of arrivals per s, min or h, e.g. \"120 /h\"";
    let (number, unit) = s.split_once('/').or_else(|| s.split_once(" per ")).ok_or_else(|| hint.to_string())?;
    let per_s = match unit.trim() {
        "s" => 1,
        "min" => 60,
        "h" => 3600,
        other => return Err(format!("unknown time unit \"{other}\"; {hint}")),
    };
    let number = number.trim();
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    let digits_ok = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits_ok(int) || !digits_ok(frac) || frac.len() > 6 {
        return Err(format!("\"{number}\" is not a number; {hint}"));
    }
    let den = 10u64.pow(frac.len() as u32);
    let num = format!("{int}{frac}").parse::<u64>().map_err(|_| format!("\"{number}\" is too large; {hint}"))?;
    if num == 0 {
        return Err(format!("the rate must be above zero; {hint}"));
    }
    Ok((num, den, per_s))
}

/// The arrivals of an audience, one viewer at a time, in index order.
#[derive(Debug, Clone)]
pub struct ArrivalIter {
    arrivals: Arrivals,
    seed: u64,
    next: u64,
    /// The Poisson clock, in seconds.
    clock: f64,
}

impl Iterator for ArrivalIter {
    type Item = (u64, u64);

    fn next(&mut self) -> Option<(u64, u64)> {
        let k = self.next;
        let arrival = match &self.arrivals {
            Arrivals::Count { viewers, period_s } => {
                if k >= *viewers {
                    return None;
                }
                match period_s {
                    None => 0,
                    Some(p) => below(&mut stream(self.seed, k, "arrival"), *p),
                }
            }
            Arrivals::Poisson { period_s, .. } => {
                if k >= MAX_VIEWERS {
                    return None;
                }
                self.clock += self.arrivals.mean_gap_s() * -ln(unit_open(&mut stream(self.seed, k, "arrival")));
                if self.clock.is_nan() || self.clock >= *period_s as f64 {
                    return None;
                }
                self.clock as u64
            }
        };
        self.next += 1;
        Some((k, arrival))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_exactly() {
        assert_eq!(parse_rate("120 /h"), Ok((120, 1, 3600)));
        assert_eq!(parse_rate("0.5/s"), Ok((5, 10, 1)));
        assert_eq!(parse_rate("2 per min"), Ok((2, 1, 60)));
        assert!(parse_rate("120 /day").unwrap_err().contains("unknown time unit \"day\""));
        assert!(parse_rate("0 /h").is_err());
        assert!(parse_rate("lots /h").is_err());
    }

    #[test]
    fn a_longer_period_keeps_every_earlier_arrival() {
        let short = Arrivals::Poisson { num: 120, den: 1, per_s: 3600, period_s: 3600 };
        let long = Arrivals::Poisson { num: 120, den: 1, per_s: 3600, period_s: 7200 };
        let a: Vec<_> = short.iter(5).collect();
        let b: Vec<_> = long.iter(5).collect();
        assert!(a.len() > 90 && a.len() < 150, "{}", a.len());
        assert_eq!(a[..], b[..a.len()]);
        assert!(a.windows(2).all(|w| w[0].1 <= w[1].1) && a.iter().all(|&(_, s)| s < 3600));
        // The mean count over many seeds is the expectation: 120 (fixed seeds, cannot flake).
        let total: usize = (0..200).map(|s| short.iter(s).count()).sum();
        assert!((total as f64 / 200.0 - 120.0).abs() < 2.0, "{}", total as f64 / 200.0);
    }

    #[test]
    fn a_count_spread_over_a_period_keeps_viewer_k_whatever_n() {
        let a: Vec<_> = Arrivals::Count { viewers: 10, period_s: Some(600) }.iter(1).collect();
        let b: Vec<_> = Arrivals::Count { viewers: 30, period_s: Some(600) }.iter(1).collect();
        assert_eq!(a[..], b[..10]);
        assert!(b.iter().all(|&(_, s)| s < 600));
        assert!(Arrivals::Count { viewers: 3, period_s: None }.iter(1).all(|(_, s)| s == 0));
    }
}
