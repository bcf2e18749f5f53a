//! `--narrate`: the run told in the book's words as it happens.
//!
//! A class follows a story better than a table. The narrator speaks in the terms of the chapter —
//! the 2-of-2 address, the funding (anchor) transaction and the channel capacity, each commitment
//! signed by Emma and countersigned by Fabian with the next second of video, pauses, price changes,
//! exhaustion, stop and settlement — with exact amounts. A long run is summarised: the first few
//! commitments, the first of every segment, one line per tenth of the run and the last few, with
//! a note of what was skipped, so a million commitments still read in one screen.

use std::io::{self, Write};

use bitcoin::{Address, Amount};

use crate::engine::{Channel, RunReport, Tick};
use crate::party::SignedCommitment;
use crate::scenario::plan::Plan;
use crate::scenario::{format_amount, Scenario};
use crate::words::{say, Lang, Msg};

/// Commitments told one by one at the start and at the end.
const HEAD: u64 = 5;
const TAIL: u64 = 3;

/// Tells one run, line by line, to a writer.
pub struct Narrator<W: Write> {
    out: W,
    scenario: Scenario,
    planned: u64,
    segment: Option<usize>,
    skipped: u64,
    lang: Lang,
}

impl<W: Write> Narrator<W> {
    /// A narrator of `scenario` writing to `out` in `lang`.
    pub fn new(scenario: &Scenario, lang: Lang, out: W) -> Narrator<W> {
        let planned = Plan::of(scenario).commitments;
        Narrator { out, scenario: scenario.clone(), planned, segment: None, skipped: 0, lang }
    }

    fn amt(&self, a: Amount) -> String {
        format_amount(a, self.scenario.unit)
    }

    /// The opening: the funding address in the design's words, the funding transaction, the capacity.
    ///
    /// # Errors
    ///
    /// When the writer fails.
    pub fn opening(&mut self, channel: &Channel) -> io::Result<()> {
        let s = &self.scenario;
        let address = Address::from_script(&channel.funding_tx.output[0].script_pubkey, s.network)
            .map(|a| a.to_string())
            .unwrap_or_default();
        writeln!(self.out, "{}", channel.params.design.tell_funding(self.lang, &s.payer, &s.payee, &address))?;
        let (capacity, txid) = (self.amt(s.capacity), channel.funding_tx.compute_txid().to_string());
        let args = [("payer", s.payer.as_str()), ("payee", &s.payee), ("capacity", &capacity), ("txid", &txid)];
        writeln!(self.out, "{}", say(self.lang, Msg::NarrateFunded, &args))
    }

    /// A commitment was signed by both.
    ///
    /// # Errors
    ///
    /// When the writer fails.
    pub fn commitment(&mut self, tick: &Tick, c: &SignedCommitment) -> io::Result<()> {
        if self.segment != Some(tick.segment) {
            let s = self.scenario.clone();
            // Pauses between the previous paid segment and this one.
            let from = self.segment.map_or(0, |p| p + 1);
            for (i, seg) in s.segments.iter().enumerate().take(tick.segment).skip(from) {
                if seg.is_pause() {
                    self.flush_skipped()?;
                    let (n, secs) = ((i + 1).to_string(), seg.duration_s.to_string());
                    let args = [("n", n.as_str()), ("payer", &s.payer), ("s", &secs)];
                    writeln!(self.out, "{}", say(self.lang, Msg::NarratePause, &args))?;
                }
            }
            self.flush_skipped()?;
            let (n, rate) = ((tick.segment + 1).to_string(), self.amt(s.segments[tick.segment].rate_per_s));
            writeln!(self.out, "{}", say(self.lang, Msg::NarrateSegment, &[("n", &n), ("rate", &rate)]))?;
            self.segment = Some(tick.segment);
            return self.tell(tick, c);
        }
        let n = tick.seq;
        let tenth = (self.planned / 10).max(1);
        if n <= HEAD || n + TAIL > self.planned || (self.planned > 20 && n % tenth == 0) {
            self.flush_skipped()?;
            self.tell(tick, c)
        } else {
            self.skipped += 1;
            Ok(())
        }
    }

    fn flush_skipped(&mut self) -> io::Result<()> {
        if self.skipped > 0 {
            let n = self.skipped.to_string();
            writeln!(self.out, "{}", say(self.lang, Msg::NarrateSkipped, &[("n", &n)]))?;
            self.skipped = 0;
        }
        Ok(())
    }

    fn tell(&mut self, tick: &Tick, c: &SignedCommitment) -> io::Result<()> {
        let s = &self.scenario;
        let split = &c.split;
        let dust = s.design.dust_limit().to_sat().to_string();
        let names = [("payer", s.payer.as_str()), ("payee", &s.payee), ("dust", &dust)];
        let trimmed = match (split.payer_trimmed, split.payee_trimmed) {
            (_, true) => say(self.lang, Msg::NarrateTrimmedPayee, &names),
            (true, _) => say(self.lang, Msg::NarrateTrimmedPayer, &names),
            _ => String::new(),
        };
        let n = s.interval_s.to_string();
        let unit = if s.interval_s == 1 {
            say(self.lang, Msg::UnitSecond, &[])
        } else {
            say(self.lang, Msg::UnitSeconds, &[("n", &n)])
        };
        let (paid, back) = (self.amt(split.paid), self.amt(split.payer));
        let words = crate::channel::CommitmentWords {
            payer: &s.payer,
            payee: &s.payee,
            seq: c.seq,
            paid: &paid,
            back: &back,
            trimmed: &trimmed,
            unit: &unit,
            clock_s: tick.clock_s,
            lang: self.lang,
        };
        if let Some(line) = s.design.tell_commitment(&words) {
            return writeln!(self.out, "{line}");
        }
        let (seq, clock) = (c.seq.to_string(), tick.clock_s.to_string());
        let args = [
            ("payer", s.payer.as_str()),
            ("payee", &s.payee),
            ("seq", &seq),
            ("paid", &paid),
            ("back", &back),
            ("trimmed", &trimmed),
            ("unit", &unit),
            ("clock", &clock),
        ];
        writeln!(self.out, "{}", say(self.lang, Msg::NarrateCommitment, &args))
    }

    /// The ending: exhaustion or stop, and the settlement.
    ///
    /// # Errors
    ///
    /// When the writer fails.
    pub fn closing(&mut self, report: &RunReport) -> io::Result<()> {
        self.flush_skipped()?;
        let (s, lang) = (&self.scenario, self.lang);
        let seq = report.settlement.seq.to_string();
        let names = [("payer", s.payer.as_str()), ("payee", &s.payee), ("seq", &seq)];
        if let Some(e) = &report.exhausted {
            let (clock, n, paid) = (e.clock_s.to_string(), e.tick.seq.to_string(), self.amt(e.reason.paid));
            let args = [("clock", clock.as_str()), ("seq", &n), ("payee", &s.payee), ("paid", &paid)];
            writeln!(self.out, "{}", say(lang, Msg::NarrateExhausted, &args))?;
        } else if let Some(e) = crate::output::summary::stopping_event(s) {
            let who = if e.who == crate::onchain::Who::Payer { &s.payer } else { &s.payee };
            let what = match e.does {
                crate::onchain::Does::Vanish => say(lang, Msg::DoesVanish, &[]),
                crate::onchain::Does::Broadcast { commitment: 0 } => say(lang, Msg::DoesRefund, &[]),
                crate::onchain::Does::Broadcast { commitment } => {
                    say(lang, Msg::DoesBroadcast, &[("seq", &commitment.to_string())])
                }
                crate::onchain::Does::Close => say(lang, Msg::DoesClose, &[]),
            };
            let clock = s.event_time_s(&e).to_string();
            let args = [("clock", clock.as_str()), ("who", who), ("what", &what), ("seq", &seq)];
            return writeln!(self.out, "{}", say(lang, Msg::NarrateEvent, &args));
        } else {
            let clock = report.settled_at_s.to_string();
            writeln!(self.out, "{}", say(lang, Msg::NarrateStop, &[("clock", &clock), ("payer", &s.payer)]))?;
        }
        let split = &report.settlement.split;
        let which = if report.commitments > 0 { say(lang, Msg::NarrateWhich, &names) } else { String::new() };
        let (txid, paid, back) =
            (report.settlement.tx.compute_txid().to_string(), self.amt(split.paid), self.amt(split.payer));
        let (fee, told) = (split.fee.to_sat().to_string(), s.design.tell_settlement(lang, &s.payer, &s.payee));
        let args = [
            ("which", which.as_str()),
            ("txid", &txid),
            ("paid", &paid),
            ("payee", &s.payee),
            ("back", &back),
            ("payer", &s.payer),
            ("fee", &fee),
            ("told", &told),
        ];
        writeln!(self.out, "{}", say(lang, Msg::NarrateSettlement, &args))
    }
}
