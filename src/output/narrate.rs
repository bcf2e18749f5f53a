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
}

impl<W: Write> Narrator<W> {
    /// A narrator of `scenario` writing to `out`.
    pub fn new(scenario: &Scenario, out: W) -> Narrator<W> {
        let planned = Plan::of(scenario).commitments;
        Narrator { out, scenario: scenario.clone(), planned, segment: None, skipped: 0 }
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
        writeln!(self.out, "{}", channel.params.design.tell_funding(&s.payer, &s.payee, &address))?;
        writeln!(
            self.out,
            "{} pays {} into it with the funding (anchor) transaction {}. That is the channel capacity: the most \
             {} can pay {} through this channel.",
            s.payer,
            self.amt(s.capacity),
            channel.funding_tx.compute_txid(),
            s.payer,
            s.payee
        )
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
                    writeln!(
                        self.out,
                        "Pause (segment {}): {} stops the video for {} s; no commitment is signed and the balance stays.",
                        i + 1,
                        s.payer,
                        seg.duration_s
                    )?;
                }
            }
            self.flush_skipped()?;
            writeln!(
                self.out,
                "Segment {}: the video costs {} per second.",
                tick.segment + 1,
                self.amt(s.segments[tick.segment].rate_per_s)
            )?;
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
            writeln!(self.out, "  … {} more commitments, each the same exchange one second further …", self.skipped)?;
            self.skipped = 0;
        }
        Ok(())
    }

    fn tell(&mut self, tick: &Tick, c: &SignedCommitment) -> io::Result<()> {
        let s = &self.scenario;
        let split = &c.split;
        let dust = s.design.dust_limit().to_sat();
        let trimmed = match (split.payer_trimmed, split.payee_trimmed) {
            (_, true) => format!(" ({}'s output is below the {dust}-sat dust limit and left out)", s.payee),
            (true, _) => format!(" ({}'s refund is below the {dust}-sat dust limit and left out)", s.payer),
            _ => String::new(),
        };
        let unit = if s.interval_s == 1 { "second".to_string() } else { format!("{} seconds", s.interval_s) };
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
        };
        if let Some(line) = s.design.tell_commitment(&words) {
            return writeln!(self.out, "{line}");
        }
        writeln!(
            self.out,
            "{} signs commitment #{}: {} to {}, {} back to {}{trimmed}; {} checks it, adds the second signature and \
             sends the next {} of video. [{} s]",
            s.payer,
            c.seq,
            self.amt(split.paid),
            s.payee,
            self.amt(split.payer),
            s.payer,
            s.payee,
            unit,
            tick.clock_s
        )
    }

    /// The ending: exhaustion or stop, and the settlement.
    ///
    /// # Errors
    ///
    /// When the writer fails.
    pub fn closing(&mut self, report: &RunReport) -> io::Result<()> {
        self.flush_skipped()?;
        let s = &self.scenario;
        if let Some(e) = &report.exhausted {
            writeln!(
                self.out,
                "At {} s the channel is exhausted: commitment #{} would owe {} {} plus the fee, more than the \
                 capacity holds. The stream stops.",
                e.clock_s,
                e.tick.seq,
                s.payee,
                self.amt(e.reason.paid)
            )?;
        } else if let Some(e) = crate::output::summary::stopping_event(s) {
            let who = if e.who == crate::onchain::Who::Payer { &s.payer } else { &s.payee };
            let what = match e.does {
                crate::onchain::Does::Vanish => "vanishes".to_string(),
                crate::onchain::Does::Broadcast { commitment: 0 } => "broadcasts the refund".to_string(),
                crate::onchain::Does::Broadcast { commitment } => format!("broadcasts commitment #{commitment}"),
                crate::onchain::Does::Close => "closes the channel".to_string(),
            };
            return writeln!(
                self.out,
                "At {} s {who} {what}. There is no cooperative settlement: the last state both hold is #{}, \
                 and what happens to the money is decided on the chain.",
                s.event_time_s(&e),
                report.settlement.seq
            );
        } else {
            writeln!(self.out, "At {} s {} presses stop.", report.settled_at_s, s.payer)?;
        }
        let split = &report.settlement.split;
        writeln!(
            self.out,
            "The last state{} is the settlement transaction {}: {} to {}, {} to {}, fee {} sat. {}",
            if report.commitments > 0 { format!(", commitment #{},", report.settlement.seq) } else { String::new() },
            report.settlement.tx.compute_txid(),
            self.amt(split.paid),
            s.payee,
            self.amt(split.payer),
            s.payer,
            split.fee.to_sat(),
            s.design.tell_settlement(&s.payer, &s.payee)
        )
    }
}
