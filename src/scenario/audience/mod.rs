//! An `[audience]` as a scenario describes it: how viewers arrive ([`arrivals`]), what each one
//! watches, holds and pays ([`distributions`]), and each viewer drawn from its own named ChaCha20
//! stream. The runner that gives every viewer a real channel is [`crate::audience`].

pub mod arrivals;
pub mod distributions;

use bitcoin::Amount;
use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;

pub use arrivals::Arrivals;
pub use distributions::{Distribution, Quantity};

use super::{Scenario, Segment, MAX_TOTAL_DURATION_S};

/// The largest capacity a viewer's channel may be drawn with: 1,000 BTC, so the wallet coin
/// around it always fits within the 21 million.
pub const MAX_CAPACITY_SAT: u64 = 100_000_000_000;

/// A validated `[audience]`: how viewers arrive and what each one's channel is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audience {
    /// How viewers arrive.
    pub arrivals: Arrivals,
    /// Each viewer's wanted watch time, in seconds.
    pub watch: Distribution,
    /// Each viewer's channel capacity, in satoshis.
    pub capacity: Distribution,
    /// Each viewer's price, in satoshis per second.
    pub price: Distribution,
    /// The least capacity a channel of the scenario's design and fee rate can have (two outputs
    /// above dust plus the commitment fee): draws below it are raised to it.
    pub least_capacity: u64,
}

/// One viewer, as drawn: everything its channel needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    /// The viewer's index, from 0.
    pub index: u64,
    /// Second of the day the viewer arrives and the channel opens.
    pub arrival_s: u64,
    /// How long the viewer wants to watch: a whole number of intervals, at least one.
    pub watch_s: u64,
    /// The channel's capacity.
    pub capacity: Amount,
    /// The price of one second.
    pub price: Amount,
    /// The seed of the viewer's channel: its keys and txids.
    pub channel_seed: u64,
}

/// The ChaCha20 stream `audience/viewer/<k>/<what>` of the scenario seeded `seed`.
pub fn stream(seed: u64, k: u64, what: &str) -> ChaCha20Rng {
    crate::seed::stream(seed, &format!("audience/viewer/{k}/{what}"))
}

impl Viewer {
    /// Draws viewer `index`, arriving at `arrival_s`, for `base` (an audience scenario). Each
    /// quantity comes from its own stream, so changing one distribution leaves the others'
    /// draws alone. Watch times are rounded half up to whole intervals (at least one, at most a
    /// year), capacities raised to [`Audience::least_capacity`] (at most
    /// [`MAX_CAPACITY_SAT`]), prices kept between 1 sat/s and what the capacity pays for one
    /// interval.
    pub fn draw(base: &Scenario, audience: &Audience, index: u64, arrival_s: u64) -> Viewer {
        let seed = base.seed;
        let interval = base.interval_s.max(1);
        let watch = audience.watch.sample(&mut stream(seed, index, "watch"));
        let watch_s = (watch.saturating_add(interval / 2) / interval)
            .saturating_mul(interval)
            .clamp(interval, MAX_TOTAL_DURATION_S / interval * interval);
        let capacity = audience
            .capacity
            .sample(&mut stream(seed, index, "capacity"))
            .clamp(audience.least_capacity, MAX_CAPACITY_SAT.max(audience.least_capacity));
        let price = audience.price.sample(&mut stream(seed, index, "price")).clamp(1, (capacity / interval).max(1));
        let channel_seed = stream(seed, index, "channel-seed").next_u64() >> 1;
        Viewer {
            index,
            arrival_s,
            watch_s,
            capacity: Amount::from_sat(capacity),
            price: Amount::from_sat(price),
            channel_seed,
        }
    }

    /// The viewer's channel as a single-channel scenario: the base's design, network, parties,
    /// fee rate and interval; the viewer's capacity, seed and one segment of its price for its
    /// watch time; a wallet coin of the capacity, the funding fee and 1 mBTC of change.
    pub fn scenario(&self, base: &Scenario) -> Scenario {
        let fee = crate::channel::funding_fee(base.fee_rate, true).unwrap_or(Amount::ZERO);
        Scenario {
            name: format!("{}-viewer-{}", base.name, self.index),
            description: base.description.clone(),
            design: base.design.clone(),
            seed: self.channel_seed,
            network: base.network,
            payer: base.payer.clone(),
            payee: base.payee.clone(),
            capacity: self.capacity,
            wallet: self.capacity + fee + Amount::from_sat(100_000),
            fee_rate: base.fee_rate,
            interval_s: base.interval_s,
            segments: vec![Segment { rate_per_s: self.price, duration_s: self.watch_s }],
            unit: base.unit,
            chain: base.chain,
            // Events script one channel; an audience refuses them (scenario validation).
            events: Vec::new(),
            audience: None,
        }
    }
}
