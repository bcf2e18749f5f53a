//! A progress bar for long runs, on stderr only when a person is watching.
//!
//! An analyst's million-commitment run takes a minute; silence for a minute looks like a hang.
//! The bar (commitments done, commitments per second, ETA) appears only when stderr is a
//! terminal, the run was not asked to be quiet, and it has already lasted a second, so short runs,
//! pipes, CI logs and the output files never see it.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::scenario::Scenario;

/// How long a run goes before the bar appears.
const GRACE: Duration = Duration::from_secs(1);

/// The progress of one run.
pub struct Progress {
    bar: Option<ProgressBar>,
    start: Instant,
    shown: bool,
}

impl Progress {
    /// A bar for `scenario`'s commitments, live only if `wanted` and stderr is a terminal.
    pub fn new(scenario: &Scenario, wanted: bool) -> Progress {
        let bar = (wanted && std::io::stderr().is_terminal()).then(|| {
            let total: u64 =
                scenario.segments.iter().filter(|s| !s.is_pause()).map(|s| s.duration_s / scenario.interval_s).sum();
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
            // indicatif's own {per_sec} prints four decimals ("1,969.8934/s"); a whole number reads better.
            let rate = |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0}/s", state.per_sec());
            };
            bar.set_style(
                ProgressStyle::with_template("{bar:40} {human_pos}/{human_len} commitments  {rate}  ETA {eta}")
                    .expect("the template is valid")
                    .with_key("rate", rate),
            );
            bar
        });
        Progress { bar, start: Instant::now(), shown: false }
    }

    /// Commitment `seq` is done.
    pub fn tick(&mut self, seq: u64) {
        let Some(bar) = &self.bar else { return };
        if seq % 256 != 0 {
            return;
        }
        if !self.shown && self.start.elapsed() > GRACE {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            self.shown = true;
        }
        bar.set_position(seq);
    }

    /// The run is over: the bar disappears.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
