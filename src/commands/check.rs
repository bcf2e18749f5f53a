//! The plan of a run, computed without a key or a signature: what `paychan check` prints.
//!
//! A student who mistypes a rate should learn it before a thousand transactions are signed, and
//! an analyst sweeping scenarios wants to know which ones exhaust their channel. The balances of
//! every commitment follow from the scenario alone, so the plan walks the same
//! [`crate::scenario::ledger::Ledger`] the engine signs from, and reports the count, the final
//! split, exhaustion and the outputs that will be trimmed as dust. The tests check that a real run
//! produces exactly this plan.

use bitcoin::Amount;

use crate::scenario::{format_amount, format_fee_rate, Scenario};

pub use crate::scenario::plan::Plan;

impl Plan {
    /// The plan in words, as `paychan check` prints it.
    pub fn describe(&self, scenario: &Scenario) -> String {
        let unit = scenario.unit;
        let amt = |a: Amount| format_amount(a, unit);
        let mut out = format!(
            "{} (seed {}, {}): {} pays {} through a {} of {}\n",
            scenario.name,
            scenario.seed,
            crate::output::network_name(scenario.network),
            scenario.payer,
            scenario.payee,
            scenario.design.funding_noun(crate::words::Lang::En),
            amt(scenario.capacity)
        );
        out += &format!(
            "  funding   {} wallet coin -> {} channel + {} change, fee {} sat ({})\n",
            amt(scenario.wallet),
            amt(scenario.capacity),
            amt(self.change),
            self.funding_fee.to_sat(),
            format_fee_rate(scenario.fee_rate)
        );
        let mut start = 0;
        for (i, seg) in scenario.segments.iter().enumerate() {
            let label = if i == 0 { "  schedule" } else { "          " };
            if seg.is_pause() {
                out += &format!("{label}  {}. pause from {start} s for {} s\n", i + 1, seg.duration_s);
            } else {
                out += &format!(
                    "{label}  {}. {}/s from {start} s for {} s ({} commitments of {} s)\n",
                    i + 1,
                    amt(seg.rate_per_s),
                    seg.duration_s,
                    seg.duration_s / scenario.interval_s,
                    scenario.interval_s
                );
            }
            start += seg.duration_s;
        }
        out += &self.describe_end(scenario);
        if scenario.onchain() {
            out += &self.describe_chain(scenario);
        }
        out
    }

    /// The plan's count, where the video stops and the split it ends on: the final one, or with
    /// scripted events the last state both hold (the close is played out on the chain).
    fn describe_end(&self, scenario: &Scenario) -> String {
        let amt = |a: Amount| format_amount(a, scenario.unit);
        let mut out = String::new();
        out += &format!("  plan      {} commitments for {} s of video\n", self.commitments, self.elapsed_s);
        let first = scenario.events.iter().min_by_key(|e| scenario.event_time_s(e));
        let vanish = first.filter(|e| e.does == crate::onchain::Does::Vanish);
        match (&self.exhausted, vanish) {
            (Some(t), _) => {
                out += &format!(
                    "  exhausted at {} s: commitment #{} would need more than the capacity\n",
                    self.settled_at_s, t.seq
                )
            }
            (None, Some(ev)) => out += &self.describe_vanish(scenario, ev),
            (None, None) if scenario.stream_end_s() < scenario.total_duration_s() => {
                out += &format!("  stop      at {} s, where a scripted event stops the video\n", self.settled_at_s)
            }
            (None, None) => out += &format!("  stop      at {} s, the end of the schedule\n", self.settled_at_s),
        }
        let s = &self.settlement;
        // With scripted events the close is played out on the chain, not planned here.
        let label = if scenario.events.is_empty() { "final    " } else { "last     " };
        out += &format!(
            "  {label} {} {}, {} {}, fee {} sat{}\n",
            scenario.payee,
            amt(s.payee),
            scenario.payer,
            amt(s.payer),
            s.fee.to_sat(),
            if scenario.events.is_empty() {
                ""
            } else {
                " (the last state both hold; how the channel closes is played out on the chain by `run`)"
            }
        );
        out
    }

    /// Where a vanish, the first event, stops the run, and what the other party, watching, then
    /// broadcasts alone (as the chain's careful party does, [`crate::onchain`]): its latest
    /// complete state, the refund, or nothing.
    fn describe_vanish(&self, scenario: &Scenario, ev: &crate::scenario::events::Event) -> String {
        let name = |w| if w == crate::channel::Who::Payer { &scenario.payer } else { &scenario.payee };
        let (gone, other) = (name(ev.who), name(ev.who.other()));
        let names = (scenario.payer.as_str(), scenario.payee.as_str());
        let design = &scenario.design;
        let n = self.commitments;
        let then = if n > 0 && design.can_broadcast(ev.who.other(), n, names).is_ok() {
            format!("{other}, watching, closes alone: broadcasts commitment #{n}, the latest state held complete")
        } else if ev.who.other() == crate::channel::Who::Payer && design.refund() != crate::channel::Refund::None {
            format!("{other}, watching, closes alone: broadcasts the refund (state 0) once its lock allows")
        } else {
            format!("{other} holds nothing that spends the funding output: the funds stay locked in the channel")
        };
        format!(
            "  stop      at {} s, where {gone} vanishes: no more signatures, no cooperative close\n  then      \
             {then} (played out on the chain by `run`)\n",
            scenario.event_time_s(ev)
        )
    }

    /// The design's plan and limits and the scripted events, for a run on the simulated chain.
    fn describe_chain(&self, scenario: &Scenario) -> String {
        let clock = scenario.chain;
        let end_height = clock.height_at(self.settled_at_s);
        let mut out = format!(
            "  design    {}: {}\n  chain     the funding confirms at height {}; one block every {} s; the video ends \
             at height {}\n",
            scenario.design.name(),
            scenario.design.about(),
            crate::units::thousands(u64::from(clock.start_height)),
            clock.block_interval_s,
            crate::units::thousands(u64::from(end_height)),
        );
        for line in scenario.design.explain(self.commitments, end_height, (&scenario.payer, &scenario.payee)) {
            out += &format!("  {line}\n");
        }
        for ev in &scenario.events {
            let who = if ev.who == crate::onchain::Who::Payer { &scenario.payer } else { &scenario.payee };
            let when = match ev.at {
                crate::onchain::At::Seconds(s) => format!("at {s} s"),
                crate::onchain::At::Height(h) => format!("at height {h}"),
            };
            let what = match ev.does {
                crate::onchain::Does::Broadcast { commitment: 0 } => "broadcasts the refund".to_string(),
                crate::onchain::Does::Broadcast { commitment } => format!("broadcasts commitment #{commitment}"),
                crate::onchain::Does::Vanish => "vanishes".to_string(),
                crate::onchain::Does::Close => "closes".to_string(),
            };
            out += &format!("  event     {when}: {who} {what}\n");
        }
        out
    }
}

/// What a sweep of `grid` will do, computed without a key or a signature: the points, their
/// axes, the commitments planned over all of them and how many points exhaust their channel
/// (each point planned as `paychan check` plans a scenario). Every point was validated when the
/// grid was loaded, so the first invalid one has already been named.
pub fn describe_grid(grid: &crate::sweep::Grid) -> String {
    if grid.is_audience() {
        return describe_audience_grid(grid);
    }
    let mut commitments: u64 = 0;
    let mut exhausted: u64 = 0;
    for i in 0..grid.len() {
        let point = grid.point(i);
        let Ok(scenario) = grid.scenario(&point) else { continue };
        let plan = Plan::of(&scenario);
        commitments = commitments.saturating_add(plan.commitments);
        exhausted += u64::from(plan.exhausted.is_some());
    }
    let axes = varied_axes(grid);
    let units = crate::units::thousands;
    let mut out = format!(
        "{}: {} points over {} ({})\n",
        grid.file_name(),
        units(grid.len()),
        grid.base_name,
        if axes.is_empty() { "no axis varies".to_string() } else { axes.join(" x ") }
    );
    out += &format!(
        "  plan      {} commitments in all, for paychan sweep to sign; {} of the points \
         exhaust their channel\n",
        units(commitments),
        units(exhausted)
    );
    let seeds = grid.axes()[4].1;
    if seeds > 1 && grid.base.audience.is_none() {
        out += &format!(
            "  note      the {seeds} seeds change only the keys and txids of a single channel, not its amounts: \
             they are not replicates, and every amount is the same across them\n"
        );
    }
    out
}

/// The axes `grid` varies, in the product's order, each with its number of values.
fn varied_axes(grid: &crate::sweep::Grid) -> Vec<String> {
    let mut axes: Vec<(String, u64)> = grid.axes()[..4].iter().map(|(name, n)| (name.to_string(), *n)).collect();
    axes.extend(grid.audience_axes());
    axes.push(("seed".to_string(), grid.axes()[4].1));
    axes.into_iter().filter(|(_, n)| *n > 1).map(|(name, n)| format!("{name} ({n})")).collect()
}

/// Viewers over all the points of an audience grid above which `check` does not plan each one's
/// channel (it says so instead): the plan is arithmetic, but not free.
pub const PLANNED_VIEWERS: u64 = 1_000_000;

/// What a sweep of the audience grid `grid` will do: the points and axes, the viewers, and the
/// commitments each viewer's channel will sign (each drawn and planned as `paychan check` plans
/// one channel, nothing signed), unless the points hold more than [`PLANNED_VIEWERS`] viewers.
fn describe_audience_grid(grid: &crate::sweep::Grid) -> String {
    let units = crate::units::thousands;
    let axes = varied_axes(grid);
    let mut out = format!(
        "{}: {} points over {}, each a whole audience ({})\n",
        grid.file_name(),
        units(grid.len()),
        grid.base_name,
        if axes.is_empty() { "no axis varies".to_string() } else { axes.join(" x ") }
    );
    let scenarios: Vec<Scenario> = (0..grid.len()).filter_map(|i| grid.scenario(&grid.point(i)).ok()).collect();
    let arrivals = |s: &Scenario| s.audience.as_deref().map(|a| a.arrivals.iter(s.seed));
    let viewers: u64 = scenarios.iter().filter_map(arrivals).map(|a| a.count() as u64).sum();
    if viewers > PLANNED_VIEWERS {
        out += &format!(
            "  plan      {} viewers in all, each a channel for paychan sweep to sign; more than {} viewers: the \
             commitments are not planned here\n",
            units(viewers),
            units(PLANNED_VIEWERS)
        );
    } else {
        let (mut commitments, mut exhausted) = (0u64, 0u64);
        for s in &scenarios {
            let Some(a) = s.audience.as_deref() else { continue };
            for (k, at) in a.arrivals.iter(s.seed) {
                let plan = Plan::of(&crate::scenario::audience::Viewer::draw(s, a, k, at).scenario(s));
                commitments = commitments.saturating_add(plan.commitments);
                exhausted += u64::from(plan.exhausted.is_some());
            }
        }
        out += &format!(
            "  plan      {} viewers in all, {} commitments for paychan sweep to sign; {} of the viewers exhaust \
             their channel\n",
            units(viewers),
            units(commitments),
            units(exhausted)
        );
    }
    let seeds = grid.axes()[4].1;
    if seeds > 1 {
        out += &format!(
            "  note      the {seeds} seeds draw different viewers (arrivals, watch times, capacities, prices, keys): \
             they are replicates of the audience\n"
        );
    }
    out
}
