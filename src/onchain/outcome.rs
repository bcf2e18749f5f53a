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
    /// One sentence.
    pub verdict: String,
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
        let name = |w: Who| if w == Who::Payer { &scenario.payer } else { &scenario.payee };
        let sat = |a: Amount| format!("{} sat", crate::units::thousands(a.to_sat()));
        let verdict = match (closed_by, closed_with, closed_at_height) {
            (Some(by), Some(kind), Some(h)) => {
                let what = format!(
                    "{}'s {} confirmed at height {}",
                    name(by),
                    kind.describe().trim_start_matches("the "),
                    crate::units::thousands(u64::from(h))
                );
                let short = |w: Who, o: &PartyOutcome| {
                    format!("{} received {} of the {} owed", name(w), sat(o.received), sat(o.owed))
                };
                match (payer.received >= payer.owed, payee.received >= payee.owed) {
                    (true, true) => format!("{what}: both got at least what they are owed"),
                    (true, false) => format!("{what}: {}", short(Who::Payee, &payee)),
                    (false, true) => format!("{what}: {}", short(Who::Payer, &payer)),
                    (false, false) => format!("{what}: {}, {}", short(Who::Payer, &payer), short(Who::Payee, &payee)),
                }
            }
            _ => format!(
                "nothing ever spends the 2-of-2: {}'s {} are stuck for good, and {} is paid nothing",
                scenario.payer,
                sat(p.funding_amount),
                scenario.payee
            ),
        };
        Outcome { payer, payee, closed_by, closed_with, closed_txid, closed_at_height, verdict }
    }
}
