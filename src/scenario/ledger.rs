//! The ledger: the one walk over the rate schedule that decides every commitment's amounts and
//! where the channel runs dry.
//!
//! `paychan check` plans a run from it, the engine signs what it yields, and the narration and
//! the progress bar count from it, so the four can never disagree. It is pure arithmetic (the
//! design's fees, [`crate::channel::split`]): no key, no signature.

use bitcoin::Amount;

use super::Scenario;
use crate::channel::{split, DesignRef, Exhausted, Split};

/// One interval of video, paid by one commitment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    /// Commitment number, from 1.
    pub seq: u64,
    /// Index of the schedule segment, from 0.
    pub segment: usize,
    /// Scenario clock at the end of the interval, pauses included.
    pub clock_s: u64,
    /// Seconds of video paid for, this interval included.
    pub elapsed_s: u64,
    /// Price of this interval.
    pub price: Amount,
}

/// Every interval of the scenario's schedule, in order; pauses yield none.
pub fn schedule(scenario: &Scenario) -> impl Iterator<Item = Tick> + '_ {
    let interval = scenario.interval_s;
    let mut seq = 0u64;
    let mut elapsed = 0u64;
    let mut clock = 0u64;
    scenario.segments.iter().enumerate().flat_map(move |(segment, seg)| {
        let start = clock;
        clock += seg.duration_s;
        let paying = !seg.is_pause();
        let price = Amount::from_sat(seg.rate_per_s.to_sat().saturating_mul(interval));
        let count = if paying { seg.duration_s / interval } else { 0 };
        let first_seq = seq + 1;
        let first_elapsed = elapsed;
        seq += count;
        elapsed += count * interval;
        (0..count).map(move |i| Tick {
            seq: first_seq + i,
            segment,
            clock_s: start + (i + 1) * interval,
            elapsed_s: first_elapsed + (i + 1) * interval,
            price,
        })
    })
}

/// Why the stream stopped before the schedule's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exhaustion {
    /// The interval that could not be paid.
    pub tick: Tick,
    /// Scenario clock when the channel ran out (the start of that interval).
    pub clock_s: u64,
    /// Why the split failed.
    pub reason: Exhausted,
}

/// One commitment the ledger allows: its interval, the total paid before it and its split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// The interval of video it pays for.
    pub tick: Tick,
    /// What the payer had paid in total before this commitment.
    pub paid_before: Amount,
    /// How the funding amount divides after it.
    pub split: Split,
}

/// The walk over the schedule: yields every commitment the channel can pay, in order, and stops
/// at the first interval it cannot ([`Ledger::exhausted`]).
pub struct Ledger<'s> {
    ticks: Box<dyn Iterator<Item = Tick> + Send + 's>,
    design: DesignRef,
    capacity: Amount,
    fee_rate: bitcoin::FeeRate,
    interval_s: u64,
    paid: Amount,
    exhausted: Option<Exhaustion>,
}

impl<'s> Ledger<'s> {
    /// The ledger of `scenario`, before its first commitment.
    pub fn new(scenario: &'s Scenario) -> Ledger<'s> {
        Ledger {
            ticks: Box::new(schedule(scenario)),
            design: scenario.design.clone(),
            capacity: scenario.capacity,
            fee_rate: scenario.fee_rate,
            interval_s: scenario.interval_s,
            paid: Amount::ZERO,
            exhausted: None,
        }
    }

    /// The total paid by the commitments yielded so far.
    pub fn paid(&self) -> Amount {
        self.paid
    }

    /// Where the channel ran out, once the walk has reached it.
    pub fn exhausted(&self) -> Option<&Exhaustion> {
        self.exhausted.as_ref()
    }
}

impl Iterator for Ledger<'_> {
    type Item = Entry;

    fn next(&mut self) -> Option<Entry> {
        if self.exhausted.is_some() {
            return None;
        }
        let tick = self.ticks.next()?;
        let next = self.paid.checked_add(tick.price).unwrap_or(Amount::MAX);
        match split(&*self.design, self.capacity, self.fee_rate, next) {
            Ok(split) => {
                let entry = Entry { tick, paid_before: self.paid, split };
                self.paid = next;
                Some(entry)
            }
            Err(reason) => {
                let clock_s = tick.clock_s - self.interval_s;
                self.exhausted = Some(Exhaustion { tick, clock_s, reason });
                None
            }
        }
    }
}
