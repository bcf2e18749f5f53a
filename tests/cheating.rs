//! The six teaching scenarios of `scenarios/cheating/`: each gives the outcome the chapter
//! describes, and `paychan verify` accepts its folder, chain included, from the files alone.

mod common;

use std::fs;
use std::path::Path;

use common::*;

struct Expect {
    name: &'static str,
    payer_received: u64,
    payee_owed: u64,
    payee_received: u64,
    closed_by: Option<&'static str>,
    closed_at: Option<u64>,
}

fn run(name: &str, out: &Path) -> (serde_json::Value, Vec<csv::StringRecord>) {
    let scenario = format!("scenarios/cheating/{name}.toml");
    let o = paychan(&["run", &scenario, "--out", out.to_str().unwrap(), "-q"]);
    assert!(o.status.success(), "{name}: {}", String::from_utf8_lossy(&o.stderr));
    let dir = out.join(name);
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    let rows = csv::Reader::from_path(dir.join("chain.csv")).unwrap().records().map(|r| r.unwrap()).collect();
    let v = paychan(&["verify", dir.to_str().unwrap()]);
    assert!(
        v.status.success(),
        "{name}: verify: {}{}",
        String::from_utf8_lossy(&v.stdout),
        String::from_utf8_lossy(&v.stderr)
    );
    for f in ["chain.csv", "outcome.png", "outcome.svg"] {
        assert!(dir.join(f).exists(), "{name}: {f}");
    }
    (summary, rows)
}

#[test]
fn the_six_scenarios_give_the_chapters_outcomes_and_verify() {
    // Capacity 3,600,000 sat; a two-output commitment's fee is 169 sat, a one-output one's 138.
    let cases = [
        // Emma's #1 pays Fabian one second: 1,000 of 600,000.
        Expect {
            name: "naive-emma-cheats",
            payer_received: 3_598_831,
            payee_owed: 600_000,
            payee_received: 1_000,
            closed_by: Some("Emma"),
            closed_at: Some(800_002),
        },
        // #600 is locked at 804,320 - 600 = 803,720 and confirms in block 803,721.
        Expect {
            name: "timelocked-emma-cheats",
            payer_received: 2_999_831,
            payee_owed: 600_000,
            payee_received: 600_000,
            closed_by: Some("Fabian"),
            closed_at: Some(803_721),
        },
        // Nothing spends the 2-of-2.
        Expect {
            name: "naive-fabian-vanishes",
            payer_received: 0,
            payee_owed: 0,
            payee_received: 0,
            closed_by: None,
            closed_at: None,
        },
        // The refund is locked at 800,000 + 4,320 and confirms in block 804,321: 3,600,000 - 138.
        Expect {
            name: "timelocked-fabian-vanishes",
            payer_received: 3_599_862,
            payee_owed: 0,
            payee_received: 0,
            closed_by: Some("Emma"),
            closed_at: Some(804_321),
        },
        Expect {
            name: "spilman-closed-by-fabian",
            payer_received: 2_999_829,
            payee_owed: 600_000,
            payee_received: 600_000,
            closed_by: Some("Fabian"),
            closed_at: Some(800_002),
        },
        // The expiry is 804,320; Emma's refund branch confirms in block 804,321.
        Expect {
            name: "spilman-fabian-forgets",
            payer_received: 3_599_860,
            payee_owed: 600_000,
            payee_received: 0,
            closed_by: Some("Emma"),
            closed_at: Some(804_321),
        },
    ];
    let out = tempfile::tempdir().unwrap();
    for e in cases {
        let (s, rows) = run(e.name, out.path());
        let o = &s["outcome"];
        assert_eq!(o["payer"]["received_sat"], e.payer_received, "{}: {o}", e.name);
        assert_eq!(o["payee"]["owed_sat"], e.payee_owed, "{}: {o}", e.name);
        assert_eq!(o["payee"]["received_sat"], e.payee_received, "{}: {o}", e.name);
        assert_eq!(o["closed_by"].as_str(), e.closed_by, "{}: {o}", e.name);
        assert_eq!(o["closed_at_height"].as_u64(), e.closed_at, "{}: {o}", e.name);
        assert_eq!(&rows[0][1], "funding");
        assert_eq!(s["chain"]["start_height"], 800_000);
        if e.name == "timelocked-emma-cheats" {
            // Emma's #1 never confirms: first non-final, then (once valid) a double spend.
            let emma = rows.iter().find(|r| &r[2] == "Emma" && &r[1] == "commitment").unwrap();
            assert_eq!(&emma[5], "rejected");
            assert!(emma[7].starts_with("non-final: nLockTime is 804,319"), "{:?}", emma);
            assert_eq!(s["chain"]["end_height"], 804_319, "Emma's #1 was tried again when valid");
        }
        if e.name == "naive-emma-cheats" {
            let fabian = rows.iter().find(|r| &r[2] == "Fabian").unwrap();
            assert!(fabian[7].starts_with("double spend"), "{:?}", fabian);
        }
    }
}

#[test]
fn verify_catches_a_false_outcome_and_a_tampered_chain() {
    let out = tempfile::tempdir().unwrap();
    run("timelocked-emma-cheats", out.path());
    let dir = out.path().join("timelocked-emma-cheats");
    let summary = fs::read_to_string(dir.join("summary.json")).unwrap();
    fs::write(dir.join("summary.json"), summary.replace("\"received_sat\": 600000", "\"received_sat\": 600001"))
        .unwrap();
    let v = paychan(&["verify", dir.to_str().unwrap()]);
    assert!(!v.status.success());
    assert!(String::from_utf8_lossy(&v.stdout).contains("received"), "{}", String::from_utf8_lossy(&v.stdout));
    fs::write(dir.join("summary.json"), summary).unwrap();
    // Claim Fabian's #600 confirmed one block before its lock allows.
    let chain = fs::read_to_string(dir.join("chain.csv")).unwrap();
    fs::write(dir.join("chain.csv"), chain.replace(",confirmed,803721,", ",confirmed,803720,")).unwrap();
    let v = paychan(&["verify", dir.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&v.stdout);
    assert!(!v.status.success() && text.contains("non-final"), "{text}");
}

/// The kinds and statuses of `chain.csv`'s rows, in order: "penalty:confirmed".
fn kinds(rows: &[csv::StringRecord]) -> Vec<String> {
    rows.iter().map(|r| format!("{}:{}:{}", &r[1], &r[2], &r[5])).collect()
}

#[test]
fn the_revocable_scenarios_punish_wait_out_the_delay_and_fail_without_a_watcher() {
    // Fee rate 1 sat/vB = 250 sat/kWU: BOLT #3's commitment fee is 724 × 250 / 1000 = 181 sat;
    // a sweep or a penalty (487 WU at most) pays 122 sat.
    let cases = [
        // Emma's revoked #1 pays Fabian 1,000 sat at once; his penalty takes her 3,598,819 sat.
        Expect {
            name: "revocable-emma-cheats",
            payer_received: 0,
            payee_owed: 600_000,
            payee_received: 3_600_000 - 181 - 122,
            closed_by: Some("Emma"),
            closed_at: Some(800_002),
        },
        // Fabian closes with #600: Emma paid at once, his 600,000 sat swept 1,000 blocks later.
        Expect {
            name: "revocable-emma-vanishes",
            payer_received: 3_000_000 - 181,
            payee_owed: 600_000,
            payee_received: 600_000 - 122,
            closed_by: Some("Fabian"),
            closed_at: Some(800_002),
        },
        // Nobody punishes Emma's #1: she sweeps her 3,598,819 sat once the delay has passed.
        Expect {
            name: "revocable-fabian-stops-watching",
            payer_received: 3_600_000 - 1_000 - 181 - 122,
            payee_owed: 600_000,
            payee_received: 1_000,
            closed_by: Some("Emma"),
            closed_at: Some(800_002),
        },
    ];
    let out = tempfile::tempdir().unwrap();
    for e in cases {
        let (s, rows) = run(e.name, out.path());
        let o = &s["outcome"];
        assert_eq!(o["payer"]["received_sat"], e.payer_received, "{}: {o}", e.name);
        assert_eq!(o["payee"]["owed_sat"], e.payee_owed, "{}: {o}", e.name);
        assert_eq!(o["payee"]["received_sat"], e.payee_received, "{}: {o}", e.name);
        assert_eq!(o["closed_by"].as_str(), e.closed_by, "{}: {o}", e.name);
        assert_eq!(o["closed_at_height"].as_u64(), e.closed_at, "{}: {o}", e.name);
        assert_eq!(s["settings"]["to_self_delay"], 1_000, "{}", e.name);
        let k = kinds(&rows);
        match e.name {
            "revocable-emma-cheats" => {
                assert!(k.contains(&"penalty:Fabian:confirmed".to_string()), "{k:?}");
                assert!(k.contains(&"sweep:Emma:rejected".to_string()), "{k:?}");
                assert_eq!(s["chain"]["end_height"], 800_003, "the penalty confirms in the next block");
            }
            "revocable-emma-vanishes" => {
                let sweep = rows.iter().find(|r| &r[1] == "sweep").unwrap();
                assert_eq!((&sweep[2], &sweep[5], &sweep[6]), ("Fabian", "confirmed", "801002"));
                assert!(sweep[7].starts_with("relative lock: input 0 waits 1,000 blocks"), "{sweep:?}");
            }
            _ => {
                assert!(!k.iter().any(|x| x.starts_with("penalty")), "{k:?}");
                assert!(k.contains(&"sweep:Emma:confirmed".to_string()), "{k:?}");
                assert_eq!(s["chain"]["end_height"], 801_002);
            }
        }
    }
}

/// `check` of a scenario with scripted events claims no close it cannot know: the video stops at
/// the event, not "the end of the schedule", and the split is the last state both hold, not a
/// "final" one; a scenario without events keeps its final split.
#[test]
fn check_names_the_last_state_not_a_final_close_when_events_are_scripted() {
    let o = paychan(&["check", "scenarios/cheating/naive-fabian-vanishes.toml"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{text}");
    assert!(text.contains("  stop      at 0 s, where Fabian vanishes"), "{text}");
    assert!(!text.contains("the end of the schedule") && !text.contains("  final "), "{text}");
    assert!(text.contains("  last      Fabian 0 mBTC") && text.contains("played out on the chain"), "{text}");
    let o = paychan(&["check", "scenarios/emma-fabian.toml"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("  final     Fabian 6 mBTC"), "{text}");
}

/// `check` on each vanish scenario says the run stops at the vanish (even one at the schedule's
/// last second), never "the end of the schedule" nor a "final" split, and what the other party
/// then broadcasts; the real run's chain agrees: the close that confirmed is of that kind.
#[test]
fn check_says_the_run_stops_at_the_vanish_and_what_the_chain_does_as_the_run_shows() {
    for (name, said, closed_with) in [
        ("naive-fabian-vanishes", "Emma holds nothing that spends the funding output", None),
        ("timelocked-fabian-vanishes", "Emma, watching, closes alone: broadcasts the refund", Some("refund")),
        ("revocable-emma-vanishes", "Fabian, watching, closes alone: broadcasts commitment #600", Some("commitment")),
    ] {
        let scenario = format!("scenarios/cheating/{name}.toml");
        let o = paychan(&["check", &scenario]);
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(o.status.success(), "{text}");
        assert!(text.contains(" vanishes: no more signatures, no cooperative close"), "{name}: {text}");
        assert!(!text.contains("the end of the schedule") && !text.contains("  final "), "{name}: {text}");
        assert!(text.contains(&format!("  then      {said}")), "{name}: {text}");
        let out = tempfile::tempdir().unwrap();
        run_ok(&scenario, out.path());
        let s = summary(&out.path().join(name));
        assert_eq!(s["outcome"]["closed_with"].as_str(), closed_with, "{name}: {}", s["outcome"]);
    }
}
