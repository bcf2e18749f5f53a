//! Invariants under random valid scenarios (proptest): the amounts always add up, the payee never
//! loses, no output is dust, the fee rate is met, the settlement is the final state, and every
//! transaction passes Bitcoin Core's interpreter.

use std::path::Path;

use bitcoin::{Amount, Transaction, TxOut};
use paychan::channel::P2WPKH_DUST;
use paychan::engine::{self, Tick};
use paychan::rules;
use paychan::scenario::Scenario;
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Seg {
    rate_sat: u64,
    seconds: u64,
}

fn scenario_text(seed: u64, capacity: u64, fee_kwu: u64, interval: u64, segs: &[Seg]) -> String {
    let mut t = format!(
        "name = \"prop\"\nseed = {seed}\npayer = \"Emma\"\npayee = \"Fabian\"\ncapacity = \"{capacity} sat\"\n\
         fee_rate = \"{fee_kwu} sat/kwu\"\ninterval = \"{interval} s\"\n"
    );
    for s in segs {
        t += &format!("[[segment]]\nrate = \"{} sat/s\"\nduration = \"{} s\"\n", s.rate_sat, s.seconds * interval);
    }
    t
}

fn segments() -> impl Strategy<Value = Vec<Seg>> {
    let seg = (prop_oneof![Just(0u64), 1u64..400, 400u64..5_000], 1u64..40)
        .prop_map(|(rate_sat, seconds)| Seg { rate_sat, seconds });
    prop::collection::vec(seg, 1..4)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn every_run_keeps_the_invariants(
        seed in 0u64..1_000_000,
        capacity in prop_oneof![1_000u64..20_000, 20_000u64..400_000],
        fee_kwu in prop_oneof![Just(0u64), 25u64..250, 250u64..5_000],
        interval in 1u64..4,
        threads in 1usize..4,
        segs in segments(),
    ) {
        let text = scenario_text(seed, capacity, fee_kwu, interval, &segs);
        let s = match Scenario::from_toml(Path::new("prop.toml"), &text) {
            Ok(s) => s,
            Err(e) => {
                // Only the documented refusals: a channel too small for its fee or first payment.
                let msg = e.to_string();
                let documented = ["too small for a channel", "leaves less than one 294-sat output", "would cost more than the whole capacity"];
                prop_assert!(documented.iter().any(|d| msg.contains(d)), "{msg}");
                return Ok(());
            }
        };
        let mut seen: Vec<(Tick, Transaction, paychan::channel::Split)> = Vec::new();
        let report = engine::run::<std::convert::Infallible, _>(&s, threads, |t, c| {
            seen.push((*t, c.tx.clone(), c.split));
            Ok(())
        }).unwrap();
        if std::env::var_os("PAYCHAN_PROP_TRACE").is_some() {
            eprintln!("case: {} commitments", seen.len());
        }
        let (channel, _, _) = engine::open(&s).unwrap();
        let funding = s.capacity;
        let spk = [TxOut { value: funding, script_pubkey: channel.params.witness_script.to_p2wsh() }];
        rules::consensus(&channel.funding_tx, 0, &[TxOut { value: channel.coin.amount, script_pubkey: channel.coin.script_pubkey.clone() }]).unwrap();
        rules::policy(&channel.funding_tx, channel.coin.amount, s.fee_rate).unwrap();
        let mut last_paid = Amount::ZERO;
        for (i, (tick, tx, split)) in seen.iter().enumerate() {
            prop_assert_eq!(tick.seq, i as u64 + 1);
            prop_assert_eq!(split.payer + split.payee + split.fee, funding);
            prop_assert!(split.paid >= last_paid, "the payee never loses");
            last_paid = split.paid;
            for out in &tx.output {
                prop_assert!(out.value >= P2WPKH_DUST, "no dust output");
            }
            rules::policy(tx, funding, s.fee_rate).map_err(|e| TestCaseError::fail(format!("#{}: {e}", tick.seq)))?;
            rules::consensus(tx, 0, &spk).map_err(|e| TestCaseError::fail(format!("#{}: {e}", tick.seq)))?;
        }
        prop_assert_eq!(report.commitments, seen.len() as u64);
        if let Some((_, last, _)) = seen.last() {
            prop_assert_eq!(&report.settlement.tx, last, "the settlement is the final state");
        } else {
            rules::consensus(&report.settlement.tx, 0, &spk).unwrap();
        }
        let plan = paychan::commands::check::Plan::of(&s);
        prop_assert_eq!(plan.commitments, report.commitments);
        prop_assert_eq!(plan.settlement, report.settlement.split);
    }
}
