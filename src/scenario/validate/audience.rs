//! The `[audience]` table: how viewers arrive, and what each viewer's watch time, capacity and
//! price are drawn from.

use std::path::Path;

use bitcoin::FeeRate;
use toml::Spanned;

use super::super::raw::RawAudience;
use super::super::{ScenarioError, MAX_TOTAL_DURATION_S};
use super::Validator;
use crate::channel::DesignRef;
use crate::scenario::audience::arrivals::{self, Arrivals, MAX_VIEWERS};
use crate::scenario::audience::distributions::{self, Distribution, Quantity};
use crate::units::*;

impl Validator<'_> {
    /// The smallest capacity a viewer's channel may have: two outputs above dust and the fee.
    pub(super) fn least_capacity(
        &self,
        design: &DesignRef,
        fee_rate: FeeRate,
        raw_fee_rate: &Spanned<String>,
    ) -> Result<u64, ScenarioError> {
        let fee2 = design
            .commitment_fee(fee_rate, 2)
            .ok_or_else(|| self.err("fee_rate", raw_fee_rate, "the fee rate is so high that a fee overflows"))?;
        Ok((design.dust_limit() + design.dust_limit() + fee2).to_sat())
    }

    /// The `[audience]` table, every field checked; `base_capacity` is the scenario's own
    /// (already checked), each viewer's when the table gives none.
    pub(super) fn audience(
        &self,
        raw: &Spanned<RawAudience>,
        least_capacity: u64,
        base_capacity: &Spanned<String>,
    ) -> Result<crate::scenario::audience::Audience, ScenarioError> {
        let a = raw.get_ref();
        let period_s = match &a.period {
            None => None,
            Some(p) => {
                let s = parse_duration(p.get_ref()).map_err(|e| self.err("audience.period", p, e))?;
                if s == 0 || s > MAX_TOTAL_DURATION_S {
                    return Err(self.err(
                        "audience.period",
                        p,
                        format!("give a period from 1 s to one year ({MAX_TOTAL_DURATION_S} s), e.g. \"24 h\""),
                    ));
                }
                Some(s)
            }
        };
        let arrivals = self.arrivals(raw, period_s)?;
        let watch = self.distribution(&a.watch, Quantity::Watch, least_capacity)?;
        let capacity = match &a.capacity {
            Some(c) => self.distribution(c, Quantity::Capacity, least_capacity)?,
            None => {
                let (c, _) =
                    parse_amount(base_capacity.get_ref()).map_err(|p| self.err("capacity", base_capacity, p))?;
                Distribution::Fixed(c.to_sat())
            }
        };
        let price = self.distribution(&a.price, Quantity::Price, least_capacity)?;
        Ok(crate::scenario::audience::Audience { arrivals, watch, capacity, price, least_capacity })
    }

    /// How viewers come: a fixed number, or a Poisson process over the period.
    fn arrivals(&self, raw: &Spanned<RawAudience>, period_s: Option<u64>) -> Result<Arrivals, ScenarioError> {
        let a = raw.get_ref();
        Ok(match (&a.viewers, &a.arrivals) {
            (Some(_), Some(arr)) => {
                return Err(self.err_at(
                    "audience.arrivals",
                    arr.span().start,
                    "give either viewers = N or an arrival process, not both",
                ))
            }
            (None, None) => {
                return Err(self.err_at(
                    "audience",
                    raw.span().start,
                    "say how viewers come: viewers = 200, or arrivals = { poisson = \"120 /h\" } with a period",
                ))
            }
            (Some(v), None) => {
                let n = *v.get_ref();
                if !(1..=MAX_VIEWERS as i64).contains(&n) {
                    return Err(self.err(
                        "audience.viewers",
                        v,
                        format!("give a number of viewers from 1 to {MAX_VIEWERS}"),
                    ));
                }
                Arrivals::Count { viewers: n as u64, period_s }
            }
            (None, Some(arr)) => {
                let rate = &arr.get_ref().poisson;
                let (num, den, per_s) =
                    arrivals::parse_rate(rate.get_ref()).map_err(|e| self.err("audience.arrivals.poisson", rate, e))?;
                let Some(period_s) = period_s else {
                    return Err(self.err(
                        "audience.arrivals.poisson",
                        rate,
                        "a Poisson process needs a period to run over; add period = \"24 h\" under [audience]",
                    ));
                };
                let arrivals = Arrivals::Poisson { num, den, per_s, period_s };
                if arrivals.expected() > MAX_VIEWERS as f64 {
                    return Err(self.err(
                        "audience.arrivals.poisson",
                        rate,
                        format!(
                            "{:.0} viewers expected over the period, more than paychan's limit of {MAX_VIEWERS}",
                            arrivals.expected()
                        ),
                    ));
                }
                arrivals
            }
        })
    }

    /// The distribution of quantity `q` as written in `v`, its least value checked.
    fn distribution(
        &self,
        v: &Spanned<toml::Value>,
        q: Quantity,
        least_capacity: u64,
    ) -> Result<Distribution, ScenarioError> {
        let dir = self.path.parent().unwrap_or(Path::new(""));
        let field = format!("audience.{}", q.field());
        let d = distributions::parse(v.get_ref(), q, dir).map_err(|e| self.err(&field, v, e))?;
        let least = match q {
            Quantity::Capacity => least_capacity,
            _ => 1,
        };
        let fixed_or_bounded = matches!(d, Distribution::Fixed(_) | Distribution::Uniform { .. });
        if fixed_or_bounded && d.least() < least {
            let problem = match q {
                Quantity::Watch => "a viewer watches at least one second".to_string(),
                Quantity::Price => "a viewer pays at least 1 sat/s (0 would be a pause)".to_string(),
                Quantity::Capacity => format!(
                    "too small for a channel: a commitment needs two outputs of at least 294 sat (the dust \
                     limit) plus its fee, so at least {least_capacity} sat"
                ),
            };
            return Err(self.err(&field, v, problem));
        }
        if q == Quantity::Capacity && stated_most(&d) > bitcoin::Amount::MAX_MONEY.to_sat() {
            return Err(self.err(&field, v, "more than the 21 million BTC that will ever exist"));
        }
        Ok(d)
    }
}

/// The largest amount a distribution states: its value, its upper bound, its mean or median,
/// or its table's largest row (what must fit within the 21 million BTC).
fn stated_most(d: &Distribution) -> u64 {
    match d {
        Distribution::Fixed(v) => *v,
        Distribution::Uniform { high, .. } => *high,
        Distribution::Exponential { mean } => *mean,
        Distribution::LogNormal { median, .. } => *median,
        Distribution::Empirical { values, .. } => values.iter().copied().max().unwrap_or(0),
    }
}
