//! The scripted misbehaviour of a scenario: `[[event]]` tables, validated.
//!
//! A class learns what a channel protects against by watching someone cheat or disappear, so a
//! scenario can say who does what and when: broadcast a state, vanish (stop answering), or close.
//! Events are validated with the rest of the scenario ([`crate::scenario`]); here are their types
//! and the scenario clock's mapping to block heights.

pub use crate::channel::Who;

/// What a party does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Does {
    /// Broadcasts its copy of state `commitment` (0: the refund), and keeps rebroadcasting it
    /// each block until it confirms or can never confirm.
    Broadcast {
        /// The state.
        commitment: u64,
    },
    /// Stops answering: no more signatures, no cooperative close, no broadcast.
    Vanish,
    /// Stops the video and closes: cooperatively when the other party still answers, otherwise
    /// with its best state.
    Close,
}

impl Does {
    /// The word scenario files use: "broadcast", "vanish" or "close".
    pub fn word(&self) -> &'static str {
        match self {
            Does::Broadcast { .. } => "broadcast",
            Does::Vanish => "vanish",
            Does::Close => "close",
        }
    }
}

/// When an event happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// Scenario clock, in seconds (after the commitments paid up to that second).
    Seconds(u64),
    /// As soon as the chain's tip reaches this height.
    Height(u32),
}

/// One scripted event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// When.
    pub at: At,
    /// Who acts.
    pub who: Who,
    /// What they do.
    pub does: Does,
}

/// The chain's clock: where the funding confirms and how long a block takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainClock {
    /// The height of the block that confirms the funding, at scenario time 0.
    pub start_height: u32,
    /// Seconds between two blocks (the scenario's `block_interval`, 600 by default).
    pub block_interval_s: u64,
}

impl Default for ChainClock {
    fn default() -> ChainClock {
        ChainClock { start_height: crate::channel::DEFAULT_FUNDING_HEIGHT, block_interval_s: 600 }
    }
}

impl ChainClock {
    /// The chain's tip at scenario time `clock_s`: one block every `block_interval_s`.
    pub fn height_at(&self, clock_s: u64) -> u32 {
        let blocks = clock_s / self.block_interval_s.max(1);
        u32::try_from(u64::from(self.start_height) + blocks).unwrap_or(u32::MAX)
    }

    /// The scenario time at which the block at `height` is found.
    pub fn time_of(&self, height: u32) -> u64 {
        u64::from(height.saturating_sub(self.start_height)) * self.block_interval_s
    }
}
