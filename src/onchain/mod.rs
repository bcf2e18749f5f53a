//! The channel played out on a simulated chain: who broadcasts what, what confirms, who ends up
//! with what.
//!
//! The book's channel assumes nobody cheats; its repairs are about what the chain does when
//! someone does. After the engine has streamed the video, [`play`] confirms the funding at the
//! scenario's start height, then walks the chain block by block on the scenario clock: scripted
//! [`Event`]s happen at their time, and each party otherwise acts as a careful user would
//! ([`strategy`]): it watches every block and, when the other side cheats or vanishes, broadcasts
//! its best state (or the refund) as soon as it is valid. Every broadcast goes through
//! [`crate::chain::Chain::submit`]; the run ends when nothing more can happen, and the
//! [`Outcome`] compares what each party is owed with what confirmed outputs paid its keys.

pub mod outcome;
pub mod strategy;

pub use crate::scenario::events::{At, ChainClock, Does, Event, Who};
pub use outcome::{Outcome, PartyOutcome};
pub use strategy::{play, Broadcast, ChainRun, Kind, Status};
