//! Who ended with what: each party's due against what confirmed outputs paid its keys.
//!
//! "Owed" is what the video streamed says each party should end with after the honest close's
//! fee (the final state's split); "received" is read from the chain alone: the confirmed, unspent
//! outputs that pay the party's payout script when nothing more can happen. The verdict is one
//! sentence a class can read aloud.

use bitcoin::{Amount, ScriptBuf};

use super::strategy::{Broadcast, Kind, Status};
use crate::chain::Chain;
use crate::channel::Channel;
use crate::channel::Who;
use crate::party::SignedCommitment;
use crate::scenario::Scenario;
use crate::words::{Lang, Told};

/// One party's due and receipts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartyOutcome {
    /// What the streamed video says the party should end with after the honest close's fee.
    pub owed: Amount,
    /// What confirmed outputs paid the party's payout key by the end.
    pub received: Amount,
}

/// The end of the story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The payer's.
    pub payer: PartyOutcome,
    /// The payee's.
    pub payee: PartyOutcome,
    /// Who broadcast the transaction that spent the funding output, if one confirmed.
    pub closed_by: Option<Who>,
    /// What that transaction was.
    pub closed_with: Option<Kind>,
    /// Its txid.
    pub closed_txid: Option<bitcoin::Txid>,
    /// Its height.
    pub closed_at_height: Option<u32>,
    /// One sentence, in every language (`summary.json` and `compare.csv` hold the English).
    pub verdict: Told,
}

/// The confirmed, unspent value paying `script` on `chain`.
pub fn received(chain: &Chain, script: &ScriptBuf) -> Amount {
    chain.utxos().filter(|(_, out, _)| out.script_pubkey == *script).map(|(_, out, _)| out.value).sum()
}

impl Outcome {
    /// The outcome of a finished chain run.
    pub fn of(
        scenario: &Scenario,
        channel: &Channel,
        chain: &Chain,
        broadcasts: &[Broadcast],
        settlement: &SignedCommitment,
    ) -> Outcome {
        let p = &channel.params;
        let payer = PartyOutcome { owed: settlement.split.payer, received: received(chain, &p.payer_payout) };
        let payee = PartyOutcome { owed: settlement.split.payee, received: received(chain, &p.payee_payout) };
        let closing = chain
            .spent_by(&p.funding_outpoint)
            .and_then(|txid| broadcasts.iter().find(|b| b.txid == txid))
            .filter(|b| matches!(b.status, Status::Confirmed(_)));
        let (closed_by, closed_with, closed_at_height) = match closing {
            Some(b) => (
                Some(b.by),
                Some(b.kind),
                match b.status {
                    Status::Confirmed(h) => Some(h),
                    _ => None,
                },
            ),
            None => (None, None, None),
        };
        let closed_txid = closing.map(|b| b.txid);
        let names = (scenario.payer.as_str(), scenario.payee.as_str());
        let verdict = Told::new(|l| {
            verdict(l, names, (&payer, &payee), closing.map(|b| (b.by, b.kind, closed_at_height)), p.funding_amount)
        });
        Outcome { payer, payee, closed_by, closed_with, closed_txid, closed_at_height, verdict }
    }
}

/// The verdict in `lang`: what closed the channel (`closing`: who, with what, at which height) and
/// whether each party got what it is owed; or that nothing spent the `funding` output.
pub(crate) fn verdict(
    lang: Lang,
    (payer_name, payee_name): (&str, &str),
    (payer, payee): (&PartyOutcome, &PartyOutcome),
    closing: Option<(Who, Kind, Option<u32>)>,
    funding: Amount,
) -> String {
    let name = |w: Who| if w == Who::Payer { payer_name } else { payee_name };
    let sat = |a: Amount| format!("{} {}", crate::units::thousands(a.to_sat()), lang.pick("sat", "聪"));
    let Some((by, kind, Some(h))) = closing else {
        return match lang {
            Lang::En => format!(
                "nothing ever spends the 2-of-2: {payer_name}'s {} are stuck for good, and {payee_name} is paid nothing",
                sat(funding)
            ),
            Lang::Zh => format!(
                "没有任何交易花费这个 2-of-2 输出：{payer_name} 的 {} 被永久锁住，{payee_name} 什么也没收到",
                sat(funding)
            ),
        };
    };
    let height = crate::units::thousands(u64::from(h));
    let what = match lang {
        Lang::En => {
            format!("{}'s {} confirmed at height {height}", name(by), kind.describe(lang).trim_start_matches("the "))
        }
        Lang::Zh => format!("{} 的{} 在区块高度 {height} 被确认", name(by), kind.describe(lang)),
    };
    let short = |w: Who, o: &PartyOutcome| match lang {
        Lang::En => format!("{} received {} of the {} owed", name(w), sat(o.received), sat(o.owed)),
        Lang::Zh => format!("{} 应得 {}，只收到 {}", name(w), sat(o.owed), sat(o.received)),
    };
    let sep = lang.pick(": ", "：");
    match (payer.received >= payer.owed, payee.received >= payee.owed) {
        (true, true) => {
            format!("{what}{sep}{}", lang.pick("both got at least what they are owed", "双方都至少收到了应得的金额"))
        }
        (true, false) => format!("{what}{sep}{}", short(Who::Payee, payee)),
        (false, true) => format!("{what}{sep}{}", short(Who::Payer, payer)),
        (false, false) => {
            format!("{what}{sep}{}{}{}", short(Who::Payer, payer), lang.pick(", ", "，"), short(Who::Payee, payee))
        }
    }
}
