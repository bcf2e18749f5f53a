//! The run's writer for the simulated chain: keeps the states the chain needs as they stream
//! past, plays the channel out once the video is over, and writes `chain.csv` and the outcome
//! chart; the summary and the report read the result from a shared [`Slot`].

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::Writer;
use crate::channel::Channel;
use crate::engine::{self, RunReport, Tick};
use crate::onchain::strategy::States;
use crate::onchain::{play, ChainRun, Does};
use crate::output::summary::{summary_of, Summary};
use crate::output::OutputError;
use crate::party::{Payee, Payer, SignedCommitment};
use crate::scenario::Scenario;
use crate::words::{say, Lang, Msg};

/// Where the chain run is left for the writers after it and for the caller.
#[derive(Debug, Clone, Default)]
pub struct Slot(Arc<Mutex<Option<ChainRun>>>);

impl Slot {
    fn put(&self, run: ChainRun) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(run);
    }

    /// Takes the chain run out, if one was played.
    pub fn take(&self) -> Option<ChainRun> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    /// How the channel ended for the charts, when a chain run was played and its cooperative
    /// close is not what closed the channel: who closed it with what, and what each received.
    pub fn ending(&self, scenario: &Scenario, lang: Lang) -> Option<super::chart::Ending> {
        let guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let run = guard.as_ref()?;
        if run.cooperative_close().is_some() {
            return None;
        }
        let o = &run.outcome;
        let amount = |a: bitcoin::Amount| crate::units::format_amount(a, scenario.unit);
        let name =
            |w: crate::channel::Who| if w == crate::channel::Who::Payer { &scenario.payer } else { &scenario.payee };
        let (a, b) = (amount(o.payee.received), amount(o.payer.received));
        let got =
            say(lang, Msg::ChartGot, &[("payee", &scenario.payee), ("a", &a), ("payer", &scenario.payer), ("b", &b)]);
        let label = match (o.closed_by, o.closed_with) {
            (Some(by), Some(kind)) => {
                let what = kind.describe(lang);
                let what = what.trim_start_matches("the ");
                say(lang, Msg::ChartNoSettlement, &[("who", name(by)), ("what", what), ("got", &got)])
            }
            _ => say(lang, Msg::ChartNothingSpends, &[("noun", scenario.design.funding_names(lang).1), ("got", &got)]),
        };
        Some(super::chart::Ending { label, payee_received_sat: o.payee.received.to_sat() })
    }

    /// The chain's words in `lang` for the report, if a chain run was played.
    pub fn words(&self, lang: Lang) -> Option<super::report_chain::ChainWords> {
        let guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        guard.as_ref().map(|run| super::report_chain::ChainWords::of(run, lang))
    }

    /// The run's summary with the chain's part, if a chain run was played.
    pub fn summary(&self, scenario: &Scenario, report: &RunReport) -> Option<Summary> {
        let guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let run = guard.as_ref()?;
        let mut summary = summary_of(scenario, report);
        let (chain, outcome) = super::chain::chain_json(scenario, run);
        summary.settlement = super::summary::settlement_from_chain(report, run);
        summary.settings = scenario.design.settings().map(Into::into);
        summary.chain = Some(chain);
        summary.outcome = Some(outcome);
        Some(summary)
    }
}

/// Keeps the latest state and the states events name; plays the chain at the end.
pub struct OnchainWriter {
    scenario: Scenario,
    streamed: Scenario,
    dir: PathBuf,
    slot: Slot,
    narrate: bool,
    lang: Lang,
    wanted: BTreeSet<u64>,
    states: States,
    /// The parties for the chain, from the same seed: they hold the keys that complete and sign
    /// what they broadcast, and (revocable design) receive each state's revocations as the
    /// states stream past, as the engine's parties do.
    parties: Option<(Payer, Payee)>,
}

impl OnchainWriter {
    /// A writer for `scenario`, whose video `streamed` is what the engine streams, into `dir`;
    /// with `narrate` it tells the chain's story in `lang`, and draws the outcome chart in it.
    pub fn new(
        scenario: &Scenario,
        streamed: &Scenario,
        dir: &Path,
        slot: Slot,
        (narrate, lang): (bool, Lang),
    ) -> OnchainWriter {
        let mut wanted: BTreeSet<u64> = scenario
            .events
            .iter()
            .filter_map(|e| match e.does {
                Does::Broadcast { commitment } => Some(commitment),
                _ => None,
            })
            .collect();
        wanted.insert(engine::Ledger::new(streamed).count() as u64);
        OnchainWriter {
            scenario: scenario.clone(),
            streamed: streamed.clone(),
            dir: dir.to_path_buf(),
            slot,
            narrate,
            lang,
            wanted,
            states: States::default(),
            parties: None,
        }
    }
}

impl OnchainWriter {
    fn failed(&self, detail: String) -> OutputError {
        OutputError::Io { path: self.dir.join("chain.csv"), source: std::io::Error::other(detail) }
    }
}

impl Writer for OnchainWriter {
    fn opened(&mut self, _channel: &Channel) -> Result<(), OutputError> {
        let (_, payer, payee) = engine::open(&self.streamed).map_err(|e| self.failed(e.to_string()))?;
        self.parties = Some((payer, payee));
        Ok(())
    }

    fn commitment(&mut self, _tick: &Tick, c: &SignedCommitment) -> Result<(), OutputError> {
        if self.wanted.contains(&c.seq) {
            self.states.by_seq.insert(c.seq, c.clone());
        }
        if let Some((payer, payee)) = &mut self.parties {
            let stored = payer.receive(c).and_then(|()| payee.receive(c));
            stored.map_err(|e| OutputError::Io {
                path: self.dir.join("chain.csv"),
                source: std::io::Error::other(e.to_string()),
            })?;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>, report: &RunReport) -> Result<(), OutputError> {
        // The parties again, from the same seed: they hold the keys that complete and sign what
        // they broadcast (the refund, a half-signed state).
        let (payer, payee) = match self.parties.take() {
            Some(parties) => parties,
            None => {
                let (_, payer, payee) = engine::open(&self.streamed).map_err(|e| self.failed(e.to_string()))?;
                (payer, payee)
            }
        };
        debug_assert_eq!(payer.params(), &report.channel.params);
        self.states.latest = report.commitments;
        let run = play(&self.scenario, &report.channel, (&payer, &payee), &self.states, &report.settlement);
        super::chain::write_chain_csv(&self.dir, &self.scenario, &run)?;
        super::chart::write_outcome_chart(
            &super::chart::OutcomeInput {
                scenario: &self.scenario.name,
                design: self.scenario.design.name(),
                payer_name: &self.scenario.payer,
                payee_name: &self.scenario.payee,
                payer: (run.outcome.payer.owed.to_sat(), run.outcome.payer.received.to_sat()),
                payee: (run.outcome.payee.owed.to_sat(), run.outcome.payee.received.to_sat()),
                verdict: run.outcome.verdict.get(self.lang),
                sat_per_unit: self.scenario.sat_per_unit(),
                unit_name: crate::units::unit_name(self.scenario.unit),
                lang: self.lang,
            },
            &self.dir.join("outcome.png"),
            &self.dir.join("outcome.svg"),
        )?;
        if self.narrate {
            use std::io::Write as _;
            let failed = |source| OutputError::Io { path: PathBuf::from("<stdout>"), source };
            let mut out = std::io::stdout().lock();
            let design = self.scenario.design.name();
            let head = self.lang.pick(format!("On the chain ({design} design):"), format!("链上（{design} 设计）："));
            writeln!(out, "{head}").map_err(failed)?;
            for line in super::chain::story(&self.scenario, &run, self.lang) {
                writeln!(out, "  {line}").map_err(failed)?;
            }
        }
        self.slot.put(run);
        Ok(())
    }
}
