//! The plan of a run, computed from the scenario alone, without a key or a signature: the count,
//! the final split, exhaustion and the outputs trimmed as dust, from the same [`Ledger`] the engine
//! signs from. `paychan check` prints it ([`crate::commands::check`]); the narration counts from it.

use bitcoin::Amount;

use super::ledger::{Ledger, Tick};
use super::Scenario;
use crate::channel::{self, Split};
use crate::words::Lang;

/// What a run of a scenario will do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Commitments that will be signed.
    pub commitments: u64,
    /// Seconds of video paid for.
    pub elapsed_s: u64,
    /// Scenario clock at the settlement.
    pub settled_at_s: u64,
    /// The settlement's split.
    pub settlement: Split,
    /// The interval that cannot be paid, when the channel runs out.
    pub exhausted: Option<Tick>,
    /// Commitments whose payee output is below dust and left out.
    pub payee_trimmed: u64,
    /// Commitments whose payer output is below dust and left out.
    pub payer_trimmed: u64,
    /// The funding transaction's fee.
    pub funding_fee: Amount,
    /// Change back to the payer's wallet (zero when it would be dust).
    pub change: Amount,
}

impl Plan {
    /// Plans `scenario`.
    pub fn of(scenario: &Scenario) -> Plan {
        let fee_with_change = channel::funding_fee(scenario.fee_rate, true).unwrap_or(Amount::MAX);
        let left = scenario.wallet.checked_sub(scenario.capacity).unwrap_or(Amount::ZERO);
        let (funding_fee, change) = match left.checked_sub(fee_with_change) {
            Some(change) if change >= channel::P2WPKH_DUST => (fee_with_change, change),
            _ => (left, Amount::ZERO),
        };
        let initial = channel::split(&*scenario.design, scenario.capacity, scenario.fee_rate, Amount::ZERO);
        let mut plan = Plan {
            commitments: 0,
            elapsed_s: 0,
            settled_at_s: scenario.total_duration_s(),
            settlement: initial.unwrap_or(Split {
                paid: Amount::ZERO,
                payer: scenario.capacity,
                payee: Amount::ZERO,
                fee: Amount::ZERO,
                trimmed: Amount::ZERO,
                payer_trimmed: false,
                payee_trimmed: true,
            }),
            exhausted: None,
            payee_trimmed: 0,
            payer_trimmed: 0,
            funding_fee,
            change,
        };
        // Events stop the video early: plan what is actually streamed.
        let cut;
        let scenario = if scenario.stream_end_s() < scenario.total_duration_s() {
            cut = scenario.cut_at(scenario.stream_end_s());
            plan.settled_at_s = cut.total_duration_s();
            &cut
        } else {
            scenario
        };
        let mut ledger = Ledger::new(scenario);
        for entry in ledger.by_ref() {
            plan.commitments += 1;
            plan.elapsed_s = entry.tick.elapsed_s;
            plan.payee_trimmed += u64::from(entry.split.payee_trimmed);
            plan.payer_trimmed += u64::from(entry.split.payer_trimmed);
            plan.settlement = entry.split;
        }
        if let Some(e) = ledger.exhausted() {
            plan.exhausted = Some(e.tick);
            plan.settled_at_s = e.clock_s;
        }
        plan
    }

    /// Warnings a careful user wants before running, in `lang`: trimmed outputs, exhaustion.
    pub fn warnings(&self, scenario: &Scenario, lang: Lang) -> Vec<String> {
        let mut w = super::warnings_in(scenario, lang);
        let (payer, payee) = (&scenario.payer, &scenario.payee);
        if self.payee_trimmed > 0 {
            let n = self.payee_trimmed;
            w.push(match lang {
                Lang::En => format!(
                    "{n} commitment(s) pay {payee} less than the 294-sat dust limit: that output is left out and its \
                     value goes to the fee"
                ),
                Lang::Zh => {
                    format!("{n} 笔承诺交易付给 {payee} 的金额低于 294 聪的粉尘限额：这个输出被省略，其金额计入手续费")
                }
            });
        }
        if self.payer_trimmed > 0 {
            let n = self.payer_trimmed;
            w.push(match lang {
                Lang::En => format!(
                    "{n} commitment(s) leave {payer} less than the 294-sat dust limit: that refund is left out and its \
                     value goes to the fee"
                ),
                Lang::Zh => format!(
                    "{n} 笔承诺交易退还 {payer} 的金额低于 294 聪的粉尘限额：这个退款输出被省略，其金额计入手续费"
                ),
            });
        }
        w
    }
}
