//! The one interface every output has: a run tells each writer of the opened channel, of every
//! commitment in order, and of the end ([`crate::run`](mod@crate::run) drives them).

use crate::channel::Channel;
use crate::engine::{RunReport, Tick};
use crate::party::SignedCommitment;

use super::OutputError;

/// Something a run writes as it goes: told of the opened channel, of every commitment in order,
/// and of the end.
pub trait Writer: Send {
    /// The channel is open; no commitment yet.
    ///
    /// # Errors
    ///
    /// [`OutputError`] when the writer cannot write.
    fn opened(&mut self, _channel: &Channel) -> Result<(), OutputError> {
        Ok(())
    }

    /// Commitment `c`, paid for by `tick`, is signed by both parties.
    ///
    /// # Errors
    ///
    /// [`OutputError`] when the writer cannot write; the run stops there.
    fn commitment(&mut self, tick: &Tick, c: &SignedCommitment) -> Result<(), OutputError>;

    /// The run is over: write what needs all of it.
    ///
    /// # Errors
    ///
    /// [`OutputError`] when the writer cannot write.
    fn finish(self: Box<Self>, _report: &RunReport) -> Result<(), OutputError> {
        Ok(())
    }

    /// Whether [`Writer::finish`] reads what the other writers' `finish` writes, and so must run
    /// after all of them (the others may finish at the same time, on several threads).
    fn finishes_last(&self) -> bool {
        false
    }
}
