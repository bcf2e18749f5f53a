//! Properties of the chain run over random designs and events (proptest): nothing confirms
//! before its lock time, no outpoint is spent twice, value is conserved, and an honest party
//! that keeps watching never ends with less than it is owed under `timelocked` and `spilman`, and
//! under `revocable` less than it is owed but the fee of sweeping its own delayed output.

use std::collections::BTreeSet;
use std::path::Path;

use paychan::engine;
use paychan::onchain::strategy::States;
use paychan::onchain::{play, Does, Status, Who};
use paychan::scenario::Scenario;
use proptest::prelude::*;

fn scenario(design: &str, seconds: u64, event: Option<(u64, &str, &str, u64)>) -> Option<Scenario> {
    let mut text = format!(
        "name = \"p\"\nseed = 5\npayer = \"Emma\"\npayee = \"Fabian\"\ncapacity = \"36 mBTC\"\nfee_rate = \"1 sat/vB\"\n\
         design = \"{design}\"\nblock_interval = \"5 s\"\n[[segment]]\nrate = \"0.01 mBTC/s\"\nduration = \"{seconds} s\"\n"
    );
    if let Some((at, who, does, commitment)) = event {
        text += &format!("[[event]]\nat = \"{at} s\"\nwho = \"{who}\"\ndoes = \"{does}\"\n");
        if does == "broadcast" {
            text += &format!("commitment = {commitment}\n");
        }
    }
    Scenario::from_toml(Path::new("p.toml"), &text).ok()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn chain_runs_keep_the_rules_and_protect_the_honest_party(
        design in prop::sample::select(vec!["naive", "timelocked", "spilman", "revocable"]),
        seconds in 1u64..20,
        at in 0u64..20,
        who in prop::sample::select(vec!["Emma", "Fabian"]),
        does in prop::sample::select(vec!["broadcast", "vanish", "close"]),
        commitment in 0u64..20,
    ) {
        let s = scenario(design, seconds, Some((at, who, does, commitment)));
        prop_assume!(s.is_some());
        let s = s.unwrap();
        let streamed = s.cut_at(s.stream_end_s());
        let mut states = States::default();
        // The parties for the chain receive each state's revocations in order, as the run's do.
        let (channel, mut payer, mut payee) = engine::open(&streamed).unwrap();
        let report = engine::run::<std::convert::Infallible, _>(&streamed, 1, |_, c| {
            states.by_seq.insert(c.seq, c.clone());
            payer.receive(c).expect("the payee's revocation");
            payee.receive(c).expect("the payer's revocation");
            Ok(())
        }).unwrap();
        states.latest = report.commitments;
        let run = play(&s, &channel, (&payer, &payee), &states, &report.settlement);
        let mut spent = BTreeSet::new();
        for b in &run.broadcasts {
            if let Status::Confirmed(h) = b.status {
                let lock = b.tx.lock_time.to_consensus_u32();
                let locked = b.tx.input.iter().any(|i| i.sequence.0 != u32::MAX);
                // A Unix time before the genesis block (BOLT #3's obscured commitment number) is
                // final at every height.
                let past = (paychan::chain::LOCKTIME_THRESHOLD..paychan::chain::GENESIS_TIME).contains(&lock);
                prop_assert!(lock == 0 || !locked || lock < h || past, "{:?} confirmed at {h} with lock {lock}", b.kind);
                for i in &b.tx.input {
                    prop_assert!(spent.insert(i.previous_output), "{} spent twice", i.previous_output);
                }
            }
        }
        // Revocable: the fees of the sweeps and penalties that spend a version's outputs.
        let slack: u64 = run
            .broadcasts
            .iter()
            .filter(|b| matches!(b.status, Status::Confirmed(_)) && b.tx.input[0].previous_output != channel.params.funding_outpoint)
            .filter(|b| b.tx.input[0].previous_output != channel.coin.outpoint)
            .map(|b| {
                let spent = run.broadcasts.iter().find(|o| o.txid == b.tx.input[0].previous_output.txid).expect("spends a broadcast");
                spent.tx.output[b.tx.input[0].previous_output.vout as usize].value.to_sat()
                    - b.tx.output.iter().map(|o| o.value.to_sat()).sum::<u64>()
            })
            .sum();
        // Value: what the closing transaction pays plus its fee is the funding amount.
        if let Some(close) = run.broadcasts.iter().find(|b| {
            matches!(b.status, Status::Confirmed(_)) && b.tx.input[0].previous_output == channel.params.funding_outpoint
        }) {
            let paid: u64 = close.tx.output.iter().map(|o| o.value.to_sat()).sum();
            prop_assert!(paid <= channel.params.funding_amount.to_sat());
            let o = &run.outcome;
            prop_assert_eq!(o.payer.received.to_sat() + o.payee.received.to_sat() + slack, paid);
        }
        if design != "naive" {
            let ev = s.events[0];
            // The party that did not broadcast, and did not vanish, is honest and watching.
            let honest = match ev.does {
                Does::Broadcast { .. } | Does::Vanish => Some(ev.who.other()),
                Does::Close => None,
            };
            for who in [Who::Payer, Who::Payee] {
                if honest == Some(who) || honest.is_none() {
                    let p = if who == Who::Payer { run.outcome.payer } else { run.outcome.payee };
                    prop_assert!(
                        p.received.to_sat() + slack >= p.owed.to_sat(),
                        "{design} {ev:?}: {who:?} got {} of {}", p.received, p.owed
                    );
                }
            }
        }
    }
}
