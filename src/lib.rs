//! paychan replays the simple payment channel of *Mastering Bitcoin* (Emma pays Fabian 0.01 mBTC
//! per second of video through a 2-of-2 funding output) with real transactions: every commitment
//! is built, signed by both parties and checked, in memory, from a scenario file and a seed; and
//! the chapter's repairs beside it, on a simulated chain.
//!
//! The flow, one folder per stage (drawn in `docs/ARCHITECTURE.md`):
//! [`scenario`] (parse and validate) → [`channel`] (the designs behind one seam, pure builders,
//! no secret) → [`party`] (payer and payee, the only holders of keys) → [`engine`] (the clock and
//! the ledger) → [`run`](mod@run) (a run hands each commitment to its writers) → [`output`] (CSV, JSON,
//! charts, report). Beside it: [`rules`] (Bitcoin Core's interpreter and policy), [`chain`] (the
//! simulated chain), [`commands`] (`check`, `verify`, `bench`, docs), [`sweep`] (grids and
//! shards) and [`cli`] (the command line).
//!
//! The library's entry points are [`run()`] and [`run_scenario`], [`scenario::Scenario::load`],
//! [`commands::check::Plan::of`] and [`commands::verify::verify_dir`].

#![warn(missing_docs)]

pub mod audience;
pub mod chain;
pub mod channel;
pub mod cli;
pub mod commands;
pub mod compare;
pub mod engine;
pub mod network;
pub mod onchain;
pub mod output;
pub mod party;
pub mod rules;
pub mod run;
pub mod scenario;
pub mod seed;
pub mod sweep;
pub mod units;
pub mod words;

use std::path::PathBuf;

use crate::engine::EngineError;
use crate::output::OutputError;
use crate::scenario::ScenarioError;

/// Any failure of a paychan command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The scenario is invalid.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The output could not be written.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// An output folder cannot be verified at all.
    #[error(transparent)]
    Verify(#[from] commands::verify::VerifyError),
    /// A sweep or a merge failed.
    #[error(transparent)]
    Sweep(#[from] sweep::SweepError),
    /// A generated completion script, man page or schema could not be written.
    #[error(transparent)]
    Docs(#[from] commands::docs::DocsError),
    /// A comparison cannot run the scenario.
    #[error(transparent)]
    Compare(#[from] compare::CompareError),
    /// A routed run failed.
    #[error(transparent)]
    Network(#[from] network::NetworkError),
    /// An audience run failed.
    #[error(transparent)]
    Audience(#[from] audience::AudienceError),
    /// The run itself failed.
    #[error("the run of {scenario} failed")]
    Engine {
        /// The scenario file.
        scenario: PathBuf,
        /// The cause.
        #[source]
        source: EngineError<OutputError>,
    },
}

impl Error {
    /// The process exit code: 2 for bad input or usage, 1 for anything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Scenario(_) | Error::Verify(_) | Error::Compare(_) => 2,
            Error::Output(e) => {
                if e.is_usage() {
                    2
                } else {
                    1
                }
            }
            Error::Sweep(e) => e.exit_code(),
            Error::Audience(e) => e.exit_code(),
            Error::Network(network::NetworkError::Output(e)) if e.is_usage() => 2,
            Error::Network(_) => 1,
            Error::Engine { source: EngineError::Funding(_), .. } => 2,
            Error::Engine { .. } | Error::Docs(_) => 1,
        }
    }
}

pub use run::{run, run_scenario, RunOptions, RunOutcome};
pub use scenario::warnings;
