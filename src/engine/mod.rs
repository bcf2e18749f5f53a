//! The simulated clock: opens the channel, then pays for the video interval by interval.
//!
//! The engine owns no key and builds no transaction. It derives the parties' keys from the seed,
//! has the payer fund the 2-of-2, then walks the rate schedule: for every interval of video it
//! tells the payer what the interval costs and the payee what it streamed, carries the payer's
//! [`Proposal`](crate::party::Proposal) to the payee and the payee's
//! [`Countersignature`](crate::party::Countersignature) back, and hands each finished
//! commitment to a sink (the CSV writer, the chart) in order, so nothing forces the whole run into
//! memory. It stops when the schedule ends (Emma presses stop) or when the channel cannot pay the
//! next interval, and then settles the final state.

use bitcoin::Amount;
use rayon::prelude::*;

use crate::channel::{Exhausted, FundingError};
use crate::party::keys::KeyChain;
use crate::party::{Payee, Payer, ProtocolError, SignedCommitment, Terms};
use crate::scenario::Scenario;

pub use crate::channel::Channel;
pub use crate::scenario::ledger::{schedule, Entry, Exhaustion, Ledger, Tick};

/// What a run did, for the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunReport {
    /// The opened channel.
    pub channel: Channel,
    /// Number of commitments signed.
    pub commitments: u64,
    /// Seconds of video paid for.
    pub elapsed_s: u64,
    /// Scenario clock at the settlement.
    pub settled_at_s: u64,
    /// The final state, signed by both: the settlement transaction.
    pub settlement: SignedCommitment,
    /// Set when the channel ran out before the schedule's end.
    pub exhausted: Option<Exhaustion>,
}

/// A run that could not complete.
#[derive(Debug, thiserror::Error)]
pub enum EngineError<E: std::error::Error + 'static> {
    /// The channel could not be funded.
    #[error("cannot fund the channel")]
    Funding(#[from] FundingError),
    /// A party refused a message: a bug, since both actors here are honest.
    #[error("a party refused a message")]
    Protocol(#[from] ProtocolError),
    /// Not even the first state can be paid.
    #[error("the channel cannot refund the payer")]
    Unpayable(#[source] Exhausted),
    /// The worker threads could not be started.
    #[error("cannot start the signing threads: {0}")]
    Threads(String),
    /// The sink failed.
    #[error("cannot record commitment #{seq}")]
    Sink {
        /// The commitment being recorded.
        seq: u64,
        /// The sink's error.
        #[source]
        source: E,
    },
}

/// Opens the channel: the payee tells the payer its keys, the payer funds the design's script
/// from her wallet and signs the funding transaction, the payee checks it and joins. Each party
/// derives its own keys from the scenario's seed; the engine holds none.
///
/// # Errors
///
/// [`FundingError`] when the scenario's wallet coin cannot fund the capacity.
pub fn open(scenario: &Scenario) -> Result<(Channel, Payer, Payee), FundingError> {
    let keys = KeyChain::new(scenario.seed);
    let terms = Terms {
        design: scenario.design.clone(),
        capacity: scenario.capacity,
        wallet: scenario.wallet,
        fee_rate: scenario.fee_rate,
    };
    let (mut payer, channel) = Payer::open(&keys, &terms, &Payee::keys(&keys, &terms))?;
    let mut payee = Payee::join(&keys, &channel).expect("the payer funds the script of the keys the payee gave");
    // A design whose refund the payee countersigns has it signed now, before the funding is
    // broadcast: the parties exchange it; the engine only carries the messages.
    if let Some(note) = payee.announce(0) {
        payer.hear(0, note);
    }
    if let Some(proposal) = payer.propose_refund() {
        let reply = payee.review_refund(proposal).expect("the payee countersigns the refund it rebuilt");
        payer.accept_refund(reply).expect("the payer accepts the payee's signature of her refund");
    }
    Ok((channel, payer, payee))
}

/// How many commitments are signed between two hand-overs to the sink: enough to keep every core
/// busy, few enough that memory stays small.
pub const CHUNK: usize = 2_048;

/// A failure while signing one commitment on a worker thread.
enum StepError {
    Protocol(ProtocolError),
    Exhausted(Exhausted),
}

/// Runs the whole scenario on `threads` threads, handing each signed commitment to `sink` in
/// order.
///
/// The engine keeps both parties' counts sequentially (what the payer has paid, what the payee
/// is owed for the video it streamed) and stops at the first interval the channel cannot pay.
/// Each commitment's exchange — the payer proposes and signs, the payee rebuilds, checks and
/// countersigns, the payer checks — is independent once those counts are known, so a chunk of
/// them runs in parallel on copies of the two actors put at the right state
/// ([`Payer::resume`], [`Payee::resume`]); while one chunk is signed, the previous one goes to
/// the sink. The sink sees the commitments in order; the output is the same bytes for any
/// number of threads.
///
/// # Errors
///
/// [`EngineError`] when funding fails, a party refuses a message, or the sink fails.
pub fn run<E, F>(scenario: &Scenario, threads: usize, sink: F) -> Result<RunReport, EngineError<E>>
where
    E: std::error::Error + Send + 'static,
    F: FnMut(&Tick, &SignedCommitment) -> Result<(), E> + Send,
{
    let (channel, payer, payee) = open(scenario)?;
    stream(scenario, (channel, payer, payee), threads, sink)
}

/// Runs the scenario on a channel already [`open`]ed: see [`run`].
///
/// # Errors
///
/// As [`run`].
pub fn stream<E, F>(
    scenario: &Scenario,
    opened: (Channel, Payer, Payee),
    threads: usize,
    sink: F,
) -> Result<RunReport, EngineError<E>>
where
    E: std::error::Error + Send + 'static,
    F: FnMut(&Tick, &SignedCommitment) -> Result<(), E> + Send,
{
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| EngineError::Threads(e.to_string()))?;
    stream_on(Some(&pool), scenario, opened, sink)
}

/// Runs the scenario on a channel already [`open`]ed, signing on `pool`, or inline on the
/// calling thread when `pool` is `None` (what a caller that already keeps every core busy with
/// many channels wants: no pool per channel). The commitments, the sink's calls and the report
/// are the same either way: see [`run`].
///
/// # Errors
///
/// As [`run`].
pub fn stream_on<E, F>(
    pool: Option<&rayon::ThreadPool>,
    scenario: &Scenario,
    opened: (Channel, Payer, Payee),
    mut sink: F,
) -> Result<RunReport, EngineError<E>>
where
    E: std::error::Error + Send + 'static,
    F: FnMut(&Tick, &SignedCommitment) -> Result<(), E> + Send,
{
    let (channel, mut payer, mut payee) = opened;
    let mut ledger = Ledger::new(scenario);
    let mut owed = Amount::ZERO;
    let (mut commitments, mut elapsed_s) = (0, 0);
    // The chunk being signed and the chunk being handed to the sink, overlapped.
    let mut done: Vec<(Tick, Result<SignedCommitment, StepError>)> = Vec::new();
    loop {
        let batch = next_batch(&mut ledger, &mut owed);
        if batch.is_empty() && done.is_empty() {
            break;
        }
        let mut signed = Vec::new();
        let (payer_ref, payee_ref) = (&payer, &payee);
        // What each exchange revealed (the design's part of the state), stored by the parties in
        // order below.
        let revealed = match pool {
            // Sign the new chunk on the pool while this chunk's predecessor goes to the sink.
            Some(pool) => pool.scope(|scope| {
                scope.spawn(|_| {
                    signed = batch
                        .par_iter()
                        .with_min_len(64)
                        .map_init(|| (payer_ref.clone(), payee_ref.clone()), sign_one)
                        .collect();
                });
                hand_over(&mut done, &mut sink, &mut commitments, &mut elapsed_s)
            }),
            None => {
                let revealed = hand_over(&mut done, &mut sink, &mut commitments, &mut elapsed_s);
                let mut actors = (payer_ref.clone(), payee_ref.clone());
                signed = batch.iter().map(|item| sign_one(&mut actors, item)).collect();
                revealed
            }
        }?;
        for c in revealed {
            payer.receive(&c)?;
            payee.receive(&c)?;
        }
        done = signed;
    }
    settle(scenario, (channel, payer, payee), &ledger, owed, commitments, elapsed_s)
}

/// The next chunk of at most [`CHUNK`] ticks from `ledger`, each with what the payer had paid and
/// the payee was `owed` before it; `owed` moves on past the chunk.
fn next_batch(ledger: &mut Ledger<'_>, owed: &mut Amount) -> Vec<(Tick, Amount, Amount)> {
    let mut batch = Vec::with_capacity(CHUNK);
    // The payer's count comes from the ledger; the payee keeps its own count of the video
    // it streamed.
    for entry in ledger.by_ref() {
        batch.push((entry.tick, entry.paid_before, *owed));
        *owed = owed.checked_add(entry.tick.price).unwrap_or(Amount::MAX);
        if batch.len() == CHUNK {
            break;
        }
    }
    batch
}

/// Hands the signed chunk `done` to `sink` in order, counting the `commitments` it took and the
/// `elapsed_s` they paid for, and stops at the first failure; empties `done` and returns what the
/// exchanges revealed (the design's part of each state), for the parties to store.
fn hand_over<E, F>(
    done: &mut Vec<(Tick, Result<SignedCommitment, StepError>)>,
    sink: &mut F,
    commitments: &mut u64,
    elapsed_s: &mut u64,
) -> Result<Vec<SignedCommitment>, EngineError<E>>
where
    E: std::error::Error + Send + 'static,
    F: FnMut(&Tick, &SignedCommitment) -> Result<(), E> + Send,
{
    let revealed = done.iter().filter_map(|(_, r)| r.as_ref().ok().filter(|c| !c.extra.is_none()).cloned()).collect();
    for (tick, result) in done.drain(..) {
        result
            .map_err(|e| match e {
                StepError::Protocol(p) => EngineError::Protocol(p),
                StepError::Exhausted(x) => EngineError::Unpayable(x),
            })
            .and_then(|c| sink(&tick, &c).map_err(|source| EngineError::Sink { seq: tick.seq, source }))?;
        *commitments += 1;
        *elapsed_s = tick.elapsed_s;
    }
    Ok(revealed)
}

/// Settles the channel once every commitment is signed: both parties resumed at the final counts,
/// the payer proposes the settlement, the payee reviews it and the payer accepts its signature.
fn settle<E: std::error::Error + 'static>(
    scenario: &Scenario,
    (channel, mut payer, mut payee): (Channel, Payer, Payee),
    ledger: &Ledger<'_>,
    owed: Amount,
    commitments: u64,
    elapsed_s: u64,
) -> Result<RunReport, EngineError<E>> {
    payer.resume(commitments, ledger.paid());
    payee.resume(commitments, owed);
    let exhausted = ledger.exhausted().copied();
    let settled_at_s = exhausted.map_or(scenario.total_duration_s(), |e| e.clock_s);
    let proposal = payer.propose_settlement().map_err(EngineError::Unpayable)?;
    let reply = payee.review_settlement(proposal)?;
    let settlement = payer.accept(reply)?;
    Ok(RunReport { channel, commitments, elapsed_s, settled_at_s, settlement, exhausted })
}

/// One commitment's exchange, on copies of the actors resumed at the state before `tick`.
fn sign_one(
    (p, q): &mut (Payer, Payee),
    (tick, paid_before, owed_before): &(Tick, Amount, Amount),
) -> (Tick, Result<SignedCommitment, StepError>) {
    p.resume(tick.seq - 1, *paid_before);
    q.resume(tick.seq - 1, *owed_before);
    let mut step = || {
        if let Some(note) = q.announce(tick.seq) {
            p.hear(tick.seq, note);
        }
        let proposal = p.propose(tick.price).map_err(StepError::Exhausted)?;
        let reply = q.review(proposal, tick.price).map_err(StepError::Protocol)?;
        p.accept(reply).map_err(StepError::Protocol)
    };
    (*tick, step())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn scenario(text: &str) -> Scenario {
        Scenario::from_toml(Path::new("t.toml"), text).expect("valid test scenario")
    }

    const BASE: &str = r#"
name = "t"
seed = 1
payer = "Emma"
payee = "Fabian"
capacity = "36 mBTC"
fee_rate = "1 sat/vB"
"#;

    #[test]
    fn schedule_counts_intervals_and_skips_pauses() {
        let s = scenario(&format!(
            "{BASE}interval = \"2 s\"\n[[segment]]\nrate = \"1000 sat/s\"\nduration = \"4 s\"\n[[segment]]\nrate = \"0 sat/s\"\nduration = \"10 s\"\n[[segment]]\nrate = \"2000 sat/s\"\nduration = \"2 s\"\n"
        ));
        let ticks: Vec<_> = schedule(&s).collect();
        assert_eq!(ticks.len(), 3);
        assert_eq!((ticks[0].seq, ticks[0].clock_s, ticks[0].elapsed_s, ticks[0].price.to_sat()), (1, 2, 2, 2_000));
        assert_eq!(
            (ticks[2].seq, ticks[2].segment, ticks[2].clock_s, ticks[2].elapsed_s, ticks[2].price.to_sat()),
            (3, 2, 16, 6, 4_000)
        );
    }

    #[test]
    fn full_hour_stops_at_exhaustion_without_overpaying() {
        let s = scenario(&format!("{BASE}[[segment]]\nrate = \"0.01 mBTC/s\"\nduration = \"2 h\"\n"));
        let mut last = None;
        let report = run::<std::convert::Infallible, _>(&s, 2, |t, c| {
            last = Some((*t, c.split));
            Ok(())
        })
        .unwrap();
        // 3,599 s leave 831 sat for Emma after the 169-sat fee; the 3,600th second cannot be paid.
        assert_eq!(report.commitments, 3_599);
        let exhausted = report.exhausted.expect("runs out");
        assert_eq!((exhausted.tick.seq, exhausted.clock_s), (3_600, 3_599));
        let (tick, split) = last.unwrap();
        assert_eq!(tick.seq, 3_599);
        assert_eq!(split.payee, Amount::from_sat(3_599_000));
        assert_eq!(report.settlement.split, split);
    }

    /// The engine before chunking, kept as the reference: one payer and one payee that never
    /// leave the sequential path and are never resumed.
    fn reference(s: &Scenario) -> (Vec<(Tick, SignedCommitment)>, Option<Exhaustion>, SignedCommitment) {
        let (_, mut payer, mut payee) = open(s).unwrap();
        let mut out = Vec::new();
        let mut exhausted = None;
        for tick in schedule(s) {
            let proposal = match payer.propose(tick.price) {
                Ok(p) => p,
                Err(reason) => {
                    exhausted = Some(Exhaustion { tick, clock_s: tick.clock_s - s.interval_s, reason });
                    break;
                }
            };
            let reply = payee.review(proposal, tick.price).unwrap();
            out.push((tick, payer.accept(reply).unwrap()));
        }
        let proposal = payer.propose_settlement().unwrap();
        let reply = payee.review_settlement(proposal).unwrap();
        let settlement = payer.accept(reply).unwrap();
        (out, exhausted, settlement)
    }

    #[test]
    fn any_thread_count_signs_what_the_sequential_actors_sign_up_to_exhaustion_at_a_chunk_edge() {
        // 1,000 sat a second; the capacity pays exactly CHUNK commitments (the payer keeps the
        // 294-sat dust limit after the 169-sat fee), so the stream stops at the first tick of the
        // next chunk: the edge where a chunked engine could sign one too many or one too few.
        let capacity = CHUNK as u64 * 1_000 + 169 + 294;
        let s = scenario(&format!(
            "name = \"t\"\nseed = 3\npayer = \"Emma\"\npayee = \"Fabian\"\ncapacity = \"{capacity} sat\"\n\
             fee_rate = \"1 sat/vB\"\n[[segment]]\nrate = \"1000 sat/s\"\nduration = \"2 h\"\n"
        ));
        let (expected, exhausted, settlement) = reference(&s);
        assert_eq!(expected.len(), CHUNK);
        assert_eq!(exhausted.map(|e| e.tick.seq), Some(CHUNK as u64 + 1));
        for threads in [1, 2, 4] {
            let mut got = Vec::new();
            let report = run::<std::convert::Infallible, _>(&s, threads, |t, c| {
                got.push((*t, c.clone()));
                Ok(())
            })
            .unwrap();
            assert!(got == expected, "{threads} threads sign other commitments than the sequential actors");
            assert_eq!(report.commitments, CHUNK as u64);
            assert_eq!(report.exhausted, exhausted, "{threads} threads");
            assert_eq!(report.settlement, settlement, "{threads} threads");
            assert_eq!(report.settled_at_s, CHUNK as u64);
        }
        // Inline, on the calling thread: no pool at all.
        let mut got = Vec::new();
        let report = stream_on::<std::convert::Infallible, _>(None, &s, open(&s).unwrap(), |t, c| {
            got.push((*t, c.clone()));
            Ok(())
        })
        .unwrap();
        assert!(got == expected, "inline signing differs from the sequential actors");
        assert_eq!((report.exhausted, report.settlement), (exhausted, settlement));
    }

    #[test]
    fn a_failing_sink_stops_the_run_at_its_commitment() {
        let s = scenario(&format!("{BASE}[[segment]]\nrate = \"0.01 mBTC/s\"\nduration = \"40 s\"\n"));
        for threads in [1, 2] {
            let mut seen = 0;
            let e = run(&s, threads, |t, _| {
                seen += 1;
                if t.seq == 17 {
                    Err(std::fmt::Error)
                } else {
                    Ok(())
                }
            })
            .unwrap_err();
            assert!(matches!(e, EngineError::Sink { seq: 17, .. }), "{e}");
            assert_eq!(seen, 17, "{threads} threads: nothing after the failure reaches the sink");
        }
    }
}
