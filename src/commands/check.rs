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
use crate::words::Lang;

pub use crate::scenario::plan::Plan;

impl Plan {
    /// The plan in words in `lang`, as `paychan check` prints it.
    pub fn describe(&self, scenario: &Scenario, lang: Lang) -> String {
        let unit = scenario.unit;
        let amt = |a: Amount| format_amount(a, unit);
        let (name, seed, net) = (&scenario.name, scenario.seed, crate::output::network_name(scenario.network));
        let (payer, payee) = (&scenario.payer, &scenario.payee);
        let (noun, capacity) = (scenario.design.funding_noun(lang), amt(scenario.capacity));
        let mut out = match lang {
            Lang::En => format!("{name} (seed {seed}, {net}): {payer} pays {payee} through a {noun} of {capacity}\n"),
            Lang::Zh => {
                format!("{name}（种子 {seed}，{net}）：{payer} 通过容量 {capacity} 的 {noun} 支付通道向 {payee} 付款\n")
            }
        };
        let (wallet, change, fee, rate) =
            (amt(scenario.wallet), amt(self.change), self.funding_fee.to_sat(), format_fee_rate(scenario.fee_rate));
        out += &match lang {
            Lang::En => format!(
                "  funding   {wallet} wallet coin -> {capacity} channel + {change} change, fee {fee} sat ({rate})\n"
            ),
            Lang::Zh => {
                format!("  注资      钱包中的 {wallet} -> 通道 {capacity} + 找零 {change}，手续费 {fee} 聪（{rate}）\n")
            }
        };
        out += &self.describe_schedule(scenario, lang);
        out += &self.describe_end(scenario, lang);
        if scenario.onchain() {
            out += &self.describe_chain(scenario, lang);
        }
        out
    }

    /// The rate schedule, one line per segment.
    fn describe_schedule(&self, scenario: &Scenario, lang: Lang) -> String {
        let amt = |a: Amount| format_amount(a, scenario.unit);
        let mut out = String::new();
        let mut start = 0;
        for (i, seg) in scenario.segments.iter().enumerate() {
            let label = match (i, lang) {
                (0, Lang::En) => "  schedule",
                (0, Lang::Zh) => "  费率    ",
                _ => "          ",
            };
            let (k, d, every) = (i + 1, seg.duration_s, scenario.interval_s);
            let n = d / every;
            out += &match (seg.is_pause(), lang) {
                (true, Lang::En) => format!("{label}  {k}. pause from {start} s for {d} s\n"),
                (true, Lang::Zh) => format!("{label}  {k}. 从第 {start} 秒起暂停 {d} 秒\n"),
                (false, Lang::En) => format!(
                    "{label}  {k}. {}/s from {start} s for {d} s ({n} commitments of {every} s)\n",
                    amt(seg.rate_per_s)
                ),
                (false, Lang::Zh) => format!(
                    "{label}  {k}. 从第 {start} 秒起每秒 {}，共 {d} 秒（{n} 笔承诺交易，每笔 {every} 秒）\n",
                    amt(seg.rate_per_s)
                ),
            };
            start += seg.duration_s;
        }
        out
    }

    /// The plan's count, where the video stops and the split it ends on: the final one, or with
    /// scripted events the last state both hold (the close is played out on the chain).
    fn describe_end(&self, scenario: &Scenario, lang: Lang) -> String {
        let amt = |a: Amount| format_amount(a, scenario.unit);
        let (n, secs, at) = (self.commitments, self.elapsed_s, self.settled_at_s);
        let mut out = match lang {
            Lang::En => format!("  plan      {n} commitments for {secs} s of video\n"),
            Lang::Zh => format!("  计划      {n} 笔承诺交易，共 {secs} 秒视频\n"),
        };
        let first = scenario.events.iter().min_by_key(|e| scenario.event_time_s(e));
        let vanish = first.filter(|e| e.does == crate::onchain::Does::Vanish);
        let early = scenario.stream_end_s() < scenario.total_duration_s();
        out += &match (&self.exhausted, vanish, lang) {
            (Some(t), _, Lang::En) => {
                format!("  exhausted at {at} s: commitment #{} would need more than the capacity\n", t.seq)
            }
            (Some(t), _, Lang::Zh) => format!("  耗尽      第 {at} 秒：承诺交易 #{} 需要的金额超过通道容量\n", t.seq),
            (None, Some(ev), _) => self.describe_vanish(scenario, ev, lang),
            (None, None, Lang::En) if early => {
                format!("  stop      at {at} s, where a scripted event stops the video\n")
            }
            (None, None, Lang::Zh) if early => format!("  停止      第 {at} 秒，脚本事件在此中止视频\n"),
            (None, None, Lang::En) => format!("  stop      at {at} s, the end of the schedule\n"),
            (None, None, Lang::Zh) => format!("  停止      第 {at} 秒，计划结束\n"),
        };
        let s = &self.settlement;
        let (payer, payee) = (&scenario.payer, &scenario.payee);
        let (to_payee, to_payer, fee) = (amt(s.payee), amt(s.payer), s.fee.to_sat());
        // With scripted events the close is played out on the chain, not planned here.
        out += &match (scenario.events.is_empty(), lang) {
            (true, Lang::En) => format!("  final     {payee} {to_payee}, {payer} {to_payer}, fee {fee} sat\n"),
            (true, Lang::Zh) => format!("  最终      {payee} {to_payee}，{payer} {to_payer}，手续费 {fee} 聪\n"),
            (false, Lang::En) => format!(
                "  last      {payee} {to_payee}, {payer} {to_payer}, fee {fee} sat (the last state both hold; how the \
                 channel closes is played out on the chain by `run`)\n"
            ),
            (false, Lang::Zh) => format!(
                "  最后状态  {payee} {to_payee}，{payer} {to_payer}，手续费 {fee} 聪（双方都持有的最后状态；通道如何关闭\
                 由 `run` 在链上模拟）\n"
            ),
        };
        out
    }

    /// Where a vanish, the first event, stops the run, and what the other party, watching, then
    /// broadcasts alone (as the chain's careful party does, [`crate::onchain`]): its latest
    /// complete state, the refund, or nothing.
    fn describe_vanish(&self, scenario: &Scenario, ev: &crate::scenario::events::Event, lang: Lang) -> String {
        let name = |w| if w == crate::channel::Who::Payer { &scenario.payer } else { &scenario.payee };
        let (gone, other) = (name(ev.who), name(ev.who.other()));
        let names = (scenario.payer.as_str(), scenario.payee.as_str());
        let design = &scenario.design;
        let n = self.commitments;
        let at = scenario.event_time_s(ev);
        let holds_latest = n > 0 && design.can_broadcast(ev.who.other(), n, names, lang).is_ok();
        let refund = ev.who.other() == crate::channel::Who::Payer && design.refund() != crate::channel::Refund::None;
        match lang {
            Lang::En => {
                let then = if holds_latest {
                    format!(
                        "{other}, watching, closes alone: broadcasts commitment #{n}, the latest state held complete"
                    )
                } else if refund {
                    format!("{other}, watching, closes alone: broadcasts the refund (state 0) once its lock allows")
                } else {
                    format!(
                        "{other} holds nothing that spends the funding output: the funds stay locked in the channel"
                    )
                };
                format!(
                    "  stop      at {at} s, where {gone} vanishes: no more signatures, no cooperative close\n  then      \
                     {then} (played out on the chain by `run`)\n"
                )
            }
            Lang::Zh => {
                let then = if holds_latest {
                    format!("{other} 一直在监视，单方面关闭：广播承诺交易 #{n}，即他持有的完整签署的最新状态")
                } else if refund {
                    format!("{other} 一直在监视，单方面关闭：时间锁一到就广播退款交易（状态 0）")
                } else {
                    format!("{other} 没有任何能花费注资交易输出的交易：资金一直锁在通道里")
                };
                format!(
                    "  停止      第 {at} 秒，{gone} 消失了：不再签名，也没有协商关闭\n  然后      {then}（由 `run` 在链上\
                     模拟）\n"
                )
            }
        }
    }

    /// The design's plan and limits and the scripted events, for a run on the simulated chain.
    fn describe_chain(&self, scenario: &Scenario, lang: Lang) -> String {
        let clock = scenario.chain;
        let (start, every) = (crate::units::thousands(u64::from(clock.start_height)), clock.block_interval_s);
        let end_height = clock.height_at(self.settled_at_s);
        let end = crate::units::thousands(u64::from(end_height));
        let (design, about) = (scenario.design.name(), scenario.design.about(lang));
        let mut out = match lang {
            Lang::En => format!(
                "  design    {design}: {about}\n  chain     the funding confirms at height {start}; one block every \
                 {every} s; the video ends at height {end}\n"
            ),
            Lang::Zh => format!(
                "  设计      {design}：{about}\n  链上      注资交易在高度 {start} 被确认；每 {every} 秒一个区块；视频在\
                 高度 {end} 结束\n"
            ),
        };
        for line in scenario.design.explain(self.commitments, end_height, (&scenario.payer, &scenario.payee), lang) {
            out += &format!("  {line}\n");
        }
        for ev in &scenario.events {
            out += &describe_event(scenario, ev, lang);
        }
        out
    }
}

/// One scripted event's line of the plan, in `lang`.
fn describe_event(scenario: &Scenario, ev: &crate::scenario::events::Event, lang: Lang) -> String {
    use crate::onchain::{At, Does};
    let who = if ev.who == crate::onchain::Who::Payer { &scenario.payer } else { &scenario.payee };
    let when = match (ev.at, lang) {
        (At::Seconds(s), Lang::En) => format!("at {s} s"),
        (At::Seconds(s), Lang::Zh) => format!("第 {s} 秒"),
        (At::Height(h), Lang::En) => format!("at height {h}"),
        (At::Height(h), Lang::Zh) => format!("高度 {h}"),
    };
    let what = match (ev.does, lang) {
        (Does::Broadcast { commitment: 0 }, Lang::En) => " broadcasts the refund".to_string(),
        (Does::Broadcast { commitment: 0 }, Lang::Zh) => " 广播退款交易".to_string(),
        (Does::Broadcast { commitment }, Lang::En) => format!(" broadcasts commitment #{commitment}"),
        (Does::Broadcast { commitment }, Lang::Zh) => format!(" 广播承诺交易 #{commitment}"),
        (Does::Vanish, Lang::En) => " vanishes".to_string(),
        (Does::Vanish, Lang::Zh) => " 消失".to_string(),
        (Does::Close, Lang::En) => " closes".to_string(),
        (Does::Close, Lang::Zh) => " 关闭通道".to_string(),
    };
    match lang {
        Lang::En => format!("  event     {when}: {who}{what}\n"),
        Lang::Zh => format!("  事件      {when}：{who}{what}\n"),
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
