//! Validation: a [`RawScenario`] becomes a [`Scenario`] whose fields cannot be wrong, or a
//! [`ScenarioError`] that names the file, line, column, field and value of the first problem.

use std::fmt;
use std::path::Path;

use bitcoin::{Amount, Denomination, FeeRate, Network};
use toml::Spanned;

use super::raw::{RawAudience, RawEvent, RawScenario, RawSegment};
use super::units::*;
use super::{Scenario, ScenarioError, Segment, MAX_TOTAL_DURATION_S};
use crate::channel::{self, DesignRef};

pub(crate) struct Validator<'a> {
    pub(crate) path: &'a Path,
    pub(crate) text: &'a str,
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

    pub(crate) fn validate(&self, raw: RawScenario) -> Result<Scenario, ScenarioError> {
        let name = self.name(&raw.name)?;
        let seed = u64::try_from(*raw.seed.get_ref()).map_err(|_| {
            self.err("seed", &raw.seed, "the seed must be a whole number from 0 to 9223372036854775807")
        })?;
        let (settings, clock) = self.settings(&raw)?;
        let design = match &raw.design {
            None => DesignRef::default(),
            Some(d) => channel::design(d.get_ref(), &settings).ok_or_else(|| {
                self.err("design", d, format!("unknown design; paychan knows {}", channel::design_names()))
            })?,
        };
        self.settings_apply(&raw, design.name())?;
        let network = match &raw.network {
            None => Network::Regtest,
            Some(n) => parse_network(n.get_ref()).map_err(|p| self.err("network", n, p))?,
        };
        self.parties(&raw.payer, &raw.payee)?;
        let (capacity, unit) = self.capacity(&raw.capacity)?;
        let fee_rate = parse_fee_rate(raw.fee_rate.get_ref()).map_err(|p| self.err("fee_rate", &raw.fee_rate, p))?;
        self.fees_fit(&design, fee_rate, &raw.fee_rate, capacity, &raw.capacity)?;
        let wallet = self.wallet(raw.wallet.as_ref(), capacity, &raw.capacity, fee_rate, &raw.fee_rate)?;
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
        let (segments, audience) = self.schedule(&raw, &design, fee_rate, capacity, unit, interval_s)?;
        let mut scenario = Scenario {
            name,
            design,
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
            chain: clock,
            events: Vec::new(),
            audience,
        };
        self.window(&raw, &scenario)?;
        if let Some(events) = &raw.event {
            if scenario.audience.is_some() {
                return Err(self.err_at(
                    "event",
                    events.span().start,
                    "events script one channel; an audience runs many: remove the [[event]] tables or the [audience]",
                ));
            }
            scenario.events = self.events(events.get_ref(), &scenario)?;
        }
        Ok(scenario)
    }

    /// The design settings and the chain's clock.
    fn settings(&self, raw: &RawScenario) -> Result<(channel::Settings, crate::onchain::ChainClock), ScenarioError> {
        let mut settings = channel::Settings::default();
        let mut clock = crate::onchain::ChainClock::default();
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

    /// A design setting given for another design is a mistake worth naming.
    fn settings_apply(&self, raw: &RawScenario, design: &str) -> Result<(), ScenarioError> {
        if let (Some(r), false) = (&raw.refund_after, design == "timelocked") {
            return Err(self.err(
                "refund_after",
                r,
                format!("applies to design = \"timelocked\" only, not \"{design}\""),
            ));
        }
        if let (Some(e), false) = (&raw.expiry, design == "spilman") {
            return Err(self.err("expiry", e, format!("applies to design = \"spilman\" only, not \"{design}\"")));
        }
        if let (Some(d), false) = (&raw.to_self_delay, design == "revocable") {
            return Err(self.err(
                "to_self_delay",
                d,
                format!("applies to design = \"revocable\" only, not \"{design}\""),
            ));
        }
        Ok(())
    }

    /// The timelocked window: every commitment's lock must stay above the funding's height.
    fn window(&self, raw: &RawScenario, scenario: &Scenario) -> Result<(), ScenarioError> {
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

    /// The `[[event]]` tables, checked against the plan: the state must exist when the event
    /// happens, the party must hold it complete, and nothing may happen after the channel closed.
    fn events(&self, raw: &[RawEvent], scenario: &Scenario) -> Result<Vec<crate::onchain::Event>, ScenarioError> {
        use crate::onchain::{At, Does, Event, Who};
        let mut events = Vec::with_capacity(raw.len());
        for (i, e) in raw.iter().enumerate() {
            let n = i + 1;
            let field = |f: &str| format!("event[{n}].{f}");
            let who = match e.who.get_ref().as_str() {
                w if w == scenario.payer || w == "payer" => Who::Payer,
                w if w == scenario.payee || w == "payee" => Who::Payee,
                _ => {
                    return Err(self.err(
                        &field("who"),
                        &e.who,
                        format!("name a party: \"{}\" or \"{}\"", scenario.payer, scenario.payee),
                    ))
                }
            };
            let at = match (&e.at, &e.at_height) {
                (Some(a), None) => At::Seconds(parse_duration(a.get_ref()).map_err(|p| self.err(&field("at"), a, p))?),
                (None, Some(h)) => {
                    let height = *h.get_ref();
                    if height < i64::from(scenario.chain.start_height) || height > 499_999_999 {
                        return Err(self.err(
                            &field("at_height"),
                            h,
                            format!(
                                "a height from the funding's block ({}) on, below 500,000,000",
                                scenario.chain.start_height
                            ),
                        ));
                    }
                    At::Height(height as u32)
                }
                (Some(_), Some(h)) => {
                    return Err(self.err(&field("at_height"), h, "give either at or at_height, not both"))
                }
                (None, None) => {
                    return Err(self.err(
                        &field("does"),
                        &e.does,
                        "the event has no time: add at = \"600 s\" or at_height = 800001",
                    ))
                }
            };
            let does = match (e.does.get_ref().as_str(), &e.commitment) {
                ("broadcast", Some(c)) => {
                    let commitment = u64::try_from(*c.get_ref())
                        .map_err(|_| self.err(&field("commitment"), c, "a state number: 0 (the refund) or more"))?;
                    Does::Broadcast { commitment }
                }
                ("broadcast", None) => {
                    return Err(self.err(
                        &field("does"),
                        &e.does,
                        "say which state to broadcast: add commitment = 1 (0 is the refund)",
                    ))
                }
                ("vanish" | "close", Some(c)) => {
                    return Err(self.err(&field("commitment"), c, "only a broadcast names a state"))
                }
                ("vanish", None) => Does::Vanish,
                ("close", None) => Does::Close,
                _ => return Err(self.err(&field("does"), &e.does, "write \"broadcast\", \"vanish\" or \"close\"")),
            };
            events.push((Event { at, who, does }, e));
        }
        events.sort_by_key(|(ev, _)| scenario.event_time_s(ev));
        // The states signed by the time the video stops, and when the channel closes.
        let stop = scenario.stream_end_s_of(events.iter().map(|(ev, _)| ev));
        let signed = crate::engine::Ledger::new(&scenario.cut_at(stop)).count() as u64;
        let end = scenario.total_duration_s();
        let mut closed_at: Option<u64> = None;
        let mut gone: Vec<(crate::onchain::Who, u64)> = Vec::new();
        let name = |w: Who| if w == Who::Payer { &scenario.payer } else { &scenario.payee };
        for (n, (ev, raw_ev)) in events.iter().enumerate() {
            let t = scenario.event_time_s(ev);
            let here =
                |f: &str| format!("event[{}].{f}", raw.iter().position(|r| std::ptr::eq(r, *raw_ev)).unwrap_or(n) + 1);
            if let Some(c) = closed_at.filter(|c| t > *c) {
                return Err(self.err(
                    &here("does"),
                    &raw_ev.does,
                    format!("the channel has already closed at {c} s; this event at {t} s comes after it"),
                ));
            }
            if let Some((_, when)) = gone.iter().find(|(w, _)| *w == ev.who) {
                return Err(self.err(
                    &here("who"),
                    &raw_ev.who,
                    format!("{} vanished at {when} s and does nothing more", name(ev.who)),
                ));
            }
            match ev.does {
                Does::Broadcast { commitment } => {
                    let c = raw_ev.commitment.as_ref().expect("a broadcast names its state");
                    let refund = scenario.design.refund();
                    let holds = holds(scenario, ev.who, commitment, refund);
                    if let Err(problem) = holds {
                        return Err(self.err(&here("commitment"), c, problem));
                    }
                    if commitment > signed {
                        return Err(self.err(
                            &here("commitment"),
                            c,
                            format!("state #{commitment} does not exist: {signed} commitments are signed by {stop} s"),
                        ));
                    }
                }
                Does::Vanish => gone.push((ev.who, t)),
                Does::Close => closed_at = Some(t),
            }
        }
        // Without a disturbing event before the end, the channel closes cooperatively there.
        let disturbed = events.iter().any(|(ev, _)| scenario.event_time_s(ev) <= end);
        if !disturbed {
            if let Some((ev, raw_ev)) = events.first() {
                let t = scenario.event_time_s(ev);
                return Err(self.err(
                    &format!("event[{}].does", raw.iter().position(|r| std::ptr::eq(r, *raw_ev)).unwrap_or(0) + 1),
                    &raw_ev.does,
                    format!("the channel closes cooperatively at {end} s, the end of the video; this event at {t} s comes after it"),
                ));
            }
        }
        Ok(events.into_iter().map(|(ev, _)| ev).collect())
    }
}

/// Whether `who` holds state `commitment` complete in `scenario`'s design; the problem in words
/// when not (what `check` reports, and what `compare` maps an event for).
pub(crate) fn holds(
    scenario: &Scenario,
    who: crate::onchain::Who,
    commitment: u64,
    refund: channel::Refund,
) -> Result<(), String> {
    use crate::onchain::Who;
    let design = scenario.design.name();
    let name = if who == Who::Payer { &scenario.payer } else { &scenario.payee };
    match (commitment, who, refund, scenario.design.signing()) {
        (0, _, channel::Refund::None, _) => Err(format!("the {design} design has no refund (state 0)")),
        (0, Who::Payee, _, _) => Err(format!(
            "{name} holds no complete refund in the {design} design: only {} can sign it complete",
            scenario.payer
        )),
        (k, Who::Payer, _, channel::Signing::PayerOnly) if k > 0 => Err(format!(
            "{name} holds no complete commitment in the {design} design: she signs each one alone and only {} can \
                 complete it; she can broadcast only the refund (commitment = 0)",
            scenario.payee
        )),
        _ => Ok(()),
    }
}

impl Validator<'_> {
    /// The rate schedule of a single channel, or an audience (whose viewers draw their own).
    fn schedule(
        &self,
        raw: &RawScenario,
        design: &DesignRef,
        fee_rate: FeeRate,
        capacity: Amount,
        unit: Denomination,
        interval_s: u64,
    ) -> Result<(Vec<Segment>, Option<std::sync::Arc<crate::audience::Audience>>), ScenarioError> {
        Ok(match (&raw.segment, &raw.audience) {
            (Some(segment), None) => (self.segments(segment, capacity, unit, interval_s)?, None),
            (None, Some(audience)) => {
                if let Some(w) = &raw.wallet {
                    return Err(self.err(
                        "wallet",
                        w,
                        "in an audience each viewer's wallet coin is its capacity, the funding fee and 1 mBTC of \
                         change; remove wallet",
                    ));
                }
                let least = self.least_capacity(design, fee_rate, &raw.fee_rate)?;
                (Vec::new(), Some(std::sync::Arc::new(self.audience(audience, least, &raw.capacity)?)))
            }
            (Some(segment), Some(_)) => {
                return Err(self.err_at(
                    "segment",
                    segment.span().start,
                    "an audience draws each viewer's schedule (its price for its watch time) from [audience]; \
                     remove the [[segment]] tables",
                ))
            }
            (None, None) => {
                let add = example("segment").unwrap_or_default();
                return Err(ScenarioError {
                    field: Some("segment".to_string()),
                    ..ScenarioError::whole_file(
                        self.path,
                        format!("this required field is missing; add a line such as {add}"),
                    )
                });
            }
        })
    }

    fn least_capacity(
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

    fn audience(
        &self,
        raw: &Spanned<RawAudience>,
        least_capacity: u64,
        base_capacity: &Spanned<String>,
    ) -> Result<crate::audience::Audience, ScenarioError> {
        use crate::audience::arrivals::{self, Arrivals, MAX_VIEWERS};
        use crate::audience::distributions::{self, Distribution, Quantity};
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
        let arrivals = match (&a.viewers, &a.arrivals) {
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
        };
        let dir = self.path.parent().unwrap_or(Path::new(""));
        let dist = |v: &Spanned<toml::Value>, q: Quantity| -> Result<Distribution, ScenarioError> {
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
            Ok(d)
        };
        let watch = dist(&a.watch, Quantity::Watch)?;
        let capacity = match &a.capacity {
            Some(c) => dist(c, Quantity::Capacity)?,
            None => {
                let (c, _) =
                    parse_amount(base_capacity.get_ref()).map_err(|p| self.err("capacity", base_capacity, p))?;
                Distribution::Fixed(c.to_sat())
            }
        };
        let price = dist(&a.price, Quantity::Price)?;
        Ok(crate::audience::Audience { arrivals, watch, capacity, price, least_capacity })
    }

    fn name(&self, raw: &Spanned<String>) -> Result<String, ScenarioError> {
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

    fn parties(&self, payer: &Spanned<String>, payee: &Spanned<String>) -> Result<(), ScenarioError> {
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

    fn capacity(&self, raw: &Spanned<String>) -> Result<(Amount, Denomination), ScenarioError> {
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
    fn fees_fit(
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
    fn wallet(
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

    fn segments(
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
pub(crate) fn syntax_error(path: &Path, text: &str, e: &toml::de::Error) -> ScenarioError {
    toml_error(path, text, e, example)
}

/// Turns a TOML or serde error in a file whose correct lines `example` shows into a
/// [`ScenarioError`] naming the field and value: scenario files and sweep grids share it.
pub(crate) fn toml_error(
    path: &Path,
    text: &str,
    e: &toml::de::Error,
    example: impl Fn(&str) -> Option<&'static str>,
) -> ScenarioError {
    let span = e.span().unwrap_or(0..0);
    let (line, column) = line_col(text, span.start);
    let message = e.message().trim_end().lines().map(str::trim).collect::<Vec<_>>().join("; ");
    let message = message.replace("expected i64", "expected a whole number");
    // The `key = value` line the error points at, if it is one.
    let line_text = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
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
        "design" => "design = \"naive\"",
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
        "refund_after" => "refund_after = 4320",
        "expiry" => "expiry = 4320",
        "to_self_delay" => "to_self_delay = 1000",
        "start_height" => "start_height = 800000",
        "block_interval" => "block_interval = \"10 min\"",
        "at" => "at = \"600 s\"",
        "at_height" => "at_height = 800001",
        "who" => "who = \"Emma\"",
        "does" => "does = \"broadcast\"",
        "commitment" => "commitment = 1",
        "audience" => "[audience] with viewers = 200, watch = \"10 min\" and price = \"10 sat/s\"",
        "viewers" => "viewers = 200",
        "period" => "period = \"24 h\"",
        "watch" => "watch = \"10 min\"",
        "price" => "price = \"10 sat/s\"",
        "arrivals" => "arrivals = { poisson = \"120 /h\" }",
        "poisson" => "poisson = \"120 /h\"",
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::docs::{schema, SchemaKind};

    /// The schema's examples (what an editor offers) and the error messages' examples (what a
    /// user is told to write) are kept in two places; this keeps them saying the same thing.
    #[test]
    fn the_schemas_examples_are_the_error_messages_examples() {
        let schema = serde_json::to_value(schema(SchemaKind::Scenario)).unwrap();
        let top = schema["properties"].as_object().unwrap();
        let segment = schema["definitions"]["Segment"]["properties"].as_object().unwrap();
        let event = schema["definitions"]["Event"]["properties"].as_object().unwrap();
        let audience = schema["definitions"]["Audience"]["properties"].as_object().unwrap();
        let arrivals = schema["definitions"]["Arrivals"]["properties"].as_object().unwrap();
        // Tables have no one-line example in the schema; their errors describe them in words.
        let tables = ["segment", "event", "audience", "arrivals"];
        let mut checked = 0;
        let all = top.iter().chain(segment).chain(event).chain(audience).chain(arrivals);
        for (field, property) in all {
            let Some(value) = property["examples"].get(0) else {
                assert!(tables.contains(&field.as_str()), "{field} has no example in the schema");
                continue;
            };
            assert_eq!(example(field), Some(format!("{field} = {value}").as_str()), "{field}");
            checked += 1;
        }
        assert_eq!(checked, top.len() - 3 + segment.len() + event.len() + audience.len() - 1 + arrivals.len());
    }
}
