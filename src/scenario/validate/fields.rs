//! Per-field checks: names, parties, amounts, fees, the wallet, the design settings, the
//! segments and the timelocked window.

use bitcoin::{Amount, Denomination, FeeRate};
use toml::Spanned;

use super::super::raw::{RawScenario, RawSegment};
use super::super::{Scenario, ScenarioError, Segment, MAX_TOTAL_DURATION_S};
use super::Validator;
use crate::channel::{self, DesignRef};
use crate::units::*;

impl Validator<'_> {
    /// The design settings and the chain's clock.
    pub(super) fn settings(
        &self,
        raw: &RawScenario,
    ) -> Result<(channel::Settings, crate::scenario::events::ChainClock), ScenarioError> {
        let mut settings = channel::Settings::default();
        let mut clock = crate::scenario::events::ChainClock::default();
        let int = |field: &str, v: &Spanned<i64>, min: i64, max: i64, what: &str| {
            let n = *v.get_ref();
            if n < min || n > max {
                Err(self.err(field, v, format!("{what}: a whole number from {min} to {max}")))
            } else {
                Ok(n as u32)
            }
        };
        if let Some(h) = &raw.start_height {
            let what = "the funding's block height (lock times at or above 500,000,000 are Unix times)";
            clock.start_height = int("start_height", h, 1, 499_000_000, what)?;
            settings.funding_height = clock.start_height;
        }
        if let Some(r) = &raw.refund_after {
            settings.refund_after = int("refund_after", r, 2, 65_535, "blocks from the funding to the refund's lock")?;
        }
        if let Some(e) = &raw.expiry {
            settings.expiry = int("expiry", e, 1, 65_535, "blocks from the funding to the payer's refund branch")?;
        }
        if let Some(d) = &raw.to_self_delay {
            settings.to_self_delay =
                int("to_self_delay", d, 1, 65_535, "blocks a party waits to sweep its own balance")?;
        }
        if let Some(b) = &raw.block_interval {
            let s = parse_duration(b.get_ref()).map_err(|p| self.err("block_interval", b, p))?;
            if s == 0 {
                return Err(self.err("block_interval", b, "a block takes at least one second, e.g. \"10 min\""));
            }
            clock.block_interval_s = s;
        }
        Ok((settings, clock))
    }

    /// A design setting given for another design is a mistake worth naming: each setting the
    /// file gives must be one the scenario's design reads ([`channel::Design::reads`]); the
    /// error names the designs that do.
    pub(super) fn settings_apply(&self, raw: &RawScenario, design: &DesignRef) -> Result<(), ScenarioError> {
        let given =
            [("refund_after", &raw.refund_after), ("expiry", &raw.expiry), ("to_self_delay", &raw.to_self_delay)];
        for (field, value) in given {
            let Some(value) = value else { continue };
            if design.reads().contains(&field) {
                continue;
            }
            let owners: Vec<String> = crate::party::DESIGNS
                .iter()
                .filter(|r| (r.make)(&channel::Settings::default()).reads().contains(&field))
                .map(|r| format!("design = \"{}\"", r.name))
                .collect();
            let owners = if owners.is_empty() { "no design".to_string() } else { owners.join(" or ") };
            return Err(self.err(field, value, format!("applies to {owners} only, not \"{}\"", design.name())));
        }
        Ok(())
    }

    /// The timelocked window: every commitment's lock must stay above the funding's height.
    pub(super) fn window(&self, raw: &RawScenario, scenario: &Scenario) -> Result<(), ScenarioError> {
        let Some(max) = scenario.design.max_commitments() else { return Ok(()) };
        let needed: u64 =
            scenario.segments.iter().filter(|s| !s.is_pause()).map(|s| s.duration_s / scenario.interval_s).sum();
        if needed <= max {
            return Ok(());
        }
        let window = max + 1;
        let problem = format!(
            "the schedule needs {needed} commitments, but commitment #k is locked k blocks before the refund's lock \
             ({window} blocks after the funding), so at most {window} - 1 = {max} fit the window; raise refund_after to \
             at least {} or shorten the schedule",
            needed + 1
        );
        Err(match (&raw.refund_after, &raw.design) {
            (Some(r), _) => self.err("refund_after", r, problem),
            (None, Some(d)) => self.err("design", d, problem),
            (None, None) => self.err_at("design", 0, &problem),
        })
    }

    pub(super) fn name(&self, raw: &Spanned<String>) -> Result<String, ScenarioError> {
        let name = raw.get_ref().clone();
        let name_ok = !name.is_empty()
            && name.len() <= 64
            && !name.starts_with('.')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !name_ok {
            return Err(self.err(
                "name",
                raw,
                "the name becomes the output folder: use 1 to 64 letters, digits, '-', '_' or '.', not starting with '.'",
            ));
        }
        Ok(name)
    }

    pub(super) fn parties(&self, payer: &Spanned<String>, payee: &Spanned<String>) -> Result<(), ScenarioError> {
        for (field, party) in [("payer", payer), ("payee", payee)] {
            let p = party.get_ref();
            if p.trim().is_empty() || p.len() > 40 || p.chars().any(char::is_control) {
                return Err(self.err(field, party, "give a name of 1 to 40 printable characters, e.g. \"Emma\""));
            }
        }
        if payer.get_ref() == payee.get_ref() {
            return Err(self.err("payee", payee, "the payee must be someone other than the payer"));
        }
        Ok(())
    }

    pub(super) fn capacity(&self, raw: &Spanned<String>) -> Result<(Amount, Denomination), ScenarioError> {
        let (capacity, unit) = parse_amount(raw.get_ref()).map_err(|p| self.err("capacity", raw, p))?;
        if capacity == Amount::ZERO {
            return Err(self.err("capacity", raw, "the channel needs a capacity above zero, e.g. \"36 mBTC\""));
        }
        if capacity > Amount::MAX_MONEY {
            return Err(self.err("capacity", raw, "more than the 21 million BTC that will ever exist"));
        }
        Ok((capacity, unit))
    }

    /// The design's commitment fees leave room for two outputs above dust.
    pub(super) fn fees_fit(
        &self,
        design: &DesignRef,
        fee_rate: FeeRate,
        raw_fee_rate: &Spanned<String>,
        capacity: Amount,
        raw_capacity: &Spanned<String>,
    ) -> Result<(), ScenarioError> {
        let dust = channel::P2WPKH_DUST;
        let too_high = || self.err("fee_rate", raw_fee_rate, "the fee rate is so high that a fee overflows");
        let fee1 = design.commitment_fee(fee_rate, 1).ok_or_else(too_high)?;
        let fee2 = design.commitment_fee(fee_rate, 2).ok_or_else(too_high)?;
        if fee1.checked_add(dust).is_none_or(|least| least > capacity) {
            return Err(self.err(
                "fee_rate",
                raw_fee_rate,
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
                raw_capacity,
                format!(
                    "too small for a channel: a commitment needs two outputs of at least 294 sat (the dust limit) \
                     plus a {} sat fee, so at least {} sat",
                    fee2.to_sat(),
                    least.to_sat()
                ),
            ));
        }
        Ok(())
    }

    /// The payer's wallet coin: given, and large enough, or enough for the capacity, the funding
    /// fee and 1 mBTC of change.
    pub(super) fn wallet(
        &self,
        raw: Option<&Spanned<String>>,
        capacity: Amount,
        raw_capacity: &Spanned<String>,
        fee_rate: FeeRate,
        raw_fee_rate: &Spanned<String>,
    ) -> Result<Amount, ScenarioError> {
        let Some(w) = raw else {
            return channel::funding_fee(fee_rate, true)
                .and_then(|fee| capacity.checked_add(fee))
                .and_then(|a| a.checked_add(Amount::from_sat(100_000)))
                .filter(|a| *a <= Amount::MAX_MONEY)
                .ok_or_else(|| {
                    self.err(
                        "capacity",
                        raw_capacity,
                        "leaves no room for a wallet coin to fund it within 21 million BTC",
                    )
                });
        };
        let (wallet, _) = parse_amount(w.get_ref()).map_err(|p| self.err("wallet", w, p))?;
        if wallet > Amount::MAX_MONEY {
            return Err(self.err("wallet", w, "more than the 21 million BTC that will ever exist"));
        }
        let funding_fee = channel::funding_fee(fee_rate, false)
            .ok_or_else(|| self.err("fee_rate", raw_fee_rate, "fee rate too high"))?;
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
        Ok(wallet)
    }

    pub(super) fn segments(
        &self,
        raw: &Spanned<Vec<RawSegment>>,
        capacity: Amount,
        unit: Denomination,
        interval_s: u64,
    ) -> Result<Vec<Segment>, ScenarioError> {
        if raw.get_ref().is_empty() {
            return Err(self.err_at(
                "segment",
                raw.span().start,
                "add at least one [[segment]] with a rate and a duration",
            ));
        }
        let mut segments = Vec::with_capacity(raw.get_ref().len());
        let mut total: u64 = 0;
        for (i, seg) in raw.get_ref().iter().enumerate() {
            let segment = self.segment(i + 1, seg, capacity, unit, interval_s)?;
            total = total.saturating_add(segment.duration_s);
            if total > MAX_TOTAL_DURATION_S {
                return Err(self.err(
                    &format!("segment[{}].duration", i + 1),
                    &seg.duration,
                    format!("the schedule would last more than one year ({MAX_TOTAL_DURATION_S} s), paychan's limit"),
                ));
            }
            segments.push(segment);
        }
        Ok(segments)
    }

    fn segment(
        &self,
        n: usize,
        seg: &RawSegment,
        capacity: Amount,
        unit: Denomination,
        interval_s: u64,
    ) -> Result<Segment, ScenarioError> {
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
        Ok(Segment { rate_per_s, duration_s })
    }
}
