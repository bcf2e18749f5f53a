//! The scripted events (`[[event]]`, the cheats): each one read, then all of them checked
//! against the plan and the design.

use super::super::raw::RawEvent;
use super::super::{Scenario, ScenarioError};
use super::Validator;
use crate::scenario::events::{At, Does, Event, Who};
use crate::units::*;

impl Validator<'_> {
    /// The `[[event]]` tables, checked against the plan: the state must exist when the event
    /// happens, the party must hold it complete, and nothing may happen after the channel closed.
    pub(super) fn events(&self, raw: &[RawEvent], scenario: &Scenario) -> Result<Vec<Event>, ScenarioError> {
        let mut events = Vec::with_capacity(raw.len());
        for (i, e) in raw.iter().enumerate() {
            events.push((self.event(i + 1, e, scenario)?, e));
        }
        events.sort_by_key(|(ev, _)| scenario.event_time_s(ev));
        self.check_sequence(raw, &events, scenario)?;
        Ok(events.into_iter().map(|(ev, _)| ev).collect())
    }

    /// Event `n` (from 1) as written: its party, its time and what it does.
    fn event(&self, n: usize, e: &RawEvent, scenario: &Scenario) -> Result<Event, ScenarioError> {
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
        let at = self.event_at(n, e, scenario)?;
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
        Ok(Event { at, who, does })
    }

    /// Event `n`'s time: seconds into the video or a block height, exactly one of them.
    fn event_at(&self, n: usize, e: &RawEvent, scenario: &Scenario) -> Result<At, ScenarioError> {
        let field = |f: &str| format!("event[{n}].{f}");
        Ok(match (&e.at, &e.at_height) {
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
        })
    }

    /// The events in time order, checked together: nothing after the close or from a party that
    /// vanished, every broadcast state held complete and signed by then, and something before the
    /// end of the video (after it the channel has closed cooperatively).
    fn check_sequence(
        &self,
        raw: &[RawEvent],
        events: &[(Event, &RawEvent)],
        scenario: &Scenario,
    ) -> Result<(), ScenarioError> {
        // The states signed by the time the video stops, and when the channel closes.
        let stop = scenario.stream_end_s_of(events.iter().map(|(ev, _)| ev));
        let signed = crate::scenario::ledger::Ledger::new(&scenario.cut_at(stop)).count() as u64;
        let end = scenario.total_duration_s();
        let mut closed_at: Option<u64> = None;
        let mut gone: Vec<(crate::scenario::events::Who, u64)> = Vec::new();
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
                    let holds = holds(scenario, ev.who, commitment, crate::words::Lang::En);
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
        Ok(())
    }
}

/// Whether `who` holds state `commitment` complete in `scenario`'s design; the problem in words
/// in `lang` when not (what `check` reports, and what `compare` maps an event for). The design
/// answers.
pub(crate) fn holds(
    scenario: &Scenario,
    who: crate::channel::Who,
    commitment: u64,
    lang: crate::words::Lang,
) -> Result<(), String> {
    scenario.design.can_broadcast(who, commitment, (&scenario.payer, &scenario.payee), lang)
}
