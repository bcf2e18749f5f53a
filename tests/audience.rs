//! Fabian's whole audience through the real binary: viewer k is the same whatever the number of
//! viewers or threads, every file is the same bytes for any thread count, the viewers' own logs
//! pass `paychan verify` and Bitcoin Core's interpreter, and the tables add up.

mod common;

use std::fs;
use std::path::Path;

use common::*;
use paychan::audience::ChannelRow;

/// A small audience: short watches at 30 sat/s on small channels, so some run dry.
fn scenario(dir: &Path, audience: &str) -> String {
    let path = dir.join("crowd.toml");
    fs::write(
        &path,
        format!(
            "name = \"crowd\"\nseed = 5\npayer = \"viewer\"\npayee = \"Fabian\"\ncapacity = \"1000 sat\"\n\
             fee_rate = \"1 sat/vB\"\n\n[audience]\n{audience}\n\
             watch = {{ uniform = [\"5 s\", \"40 s\"] }}\ncapacity = {{ uniform = [\"800 sat\", \"2000 sat\"] }}\n\
             price = {{ uniform = [\"10 sat/s\", \"40 sat/s\"] }}\n"
        ),
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}

fn run(scenario: &str, out: &Path, extra: &[&str]) -> std::path::PathBuf {
    let mut args = vec!["run", scenario, "--out", out.to_str().unwrap(), "--quiet"];
    args.extend_from_slice(extra);
    let o = paychan(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out.join("crowd")
}

fn channels(dir: &Path) -> Vec<ChannelRow> {
    csv::Reader::from_path(dir.join("channels.csv")).unwrap().deserialize().collect::<Result<_, _>>().unwrap()
}

#[test]
fn viewer_k_is_the_same_whatever_the_number_of_viewers() {
    let tmp = tempfile::tempdir().unwrap();
    let few = run(&scenario(tmp.path(), "viewers = 6\nperiod = \"1 h\""), &tmp.path().join("few"), &[]);
    let few = channels(&few);
    let many = run(&scenario(tmp.path(), "viewers = 15\nperiod = \"1 h\""), &tmp.path().join("many"), &[]);
    let many = channels(&many);
    assert_eq!((few.len(), many.len()), (6, 15));
    assert_eq!(few[..], many[..6]);
    assert!(many.iter().any(|r| r.end == "exhausted") && many.iter().any(|r| r.end == "stopped"));
    // A Poisson audience over a longer period keeps every earlier viewer.
    let short = run(
        &scenario(tmp.path(), "arrivals = { poisson = \"40 /h\" }\nperiod = \"15 min\""),
        &tmp.path().join("s"),
        &[],
    );
    let long = run(
        &scenario(tmp.path(), "arrivals = { poisson = \"40 /h\" }\nperiod = \"30 min\""),
        &tmp.path().join("l"),
        &[],
    );
    let (short, long) = (channels(&short), channels(&long));
    assert!(!short.is_empty() && long.len() > short.len(), "{} {}", short.len(), long.len());
    assert_eq!(short[..], long[..short.len()]);
}

#[test]
fn the_thread_count_does_not_change_a_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let s = scenario(tmp.path(), "viewers = 40\nperiod = \"20 min\"");
    let runs: Vec<_> = ["1", "2", "3"]
        .iter()
        .map(|t| run(&s, &tmp.path().join(format!("t{t}")), &["--threads", t, "--commitments", "1,7"]))
        .collect();
    for file in [
        "channels.csv",
        "timeline.csv",
        "summary.json",
        "revenue.svg",
        "watch.svg",
        "capacity.svg",
        "viewers/000007/commitments.csv",
    ] {
        let first = fs::read(runs[0].join(file)).unwrap();
        for r in &runs[1..] {
            assert!(fs::read(r.join(file)).unwrap() == first, "{file} differs in {}", r.display());
        }
    }
}

#[test]
fn the_viewers_logs_verify_and_the_tables_add_up() {
    let tmp = tempfile::tempdir().unwrap();
    let s = scenario(tmp.path(), "viewers = 12\nperiod = \"10 min\"");
    let dir = run(&s, &tmp.path().join("o"), &["--commitments", "0,3,11"]);
    let rows = channels(&dir);
    let logged: Vec<_> = fs::read_dir(dir.join("viewers")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(logged.len(), 3);
    for k in [0u64, 3, 11] {
        let viewer = dir.join("viewers").join(format!("{k:06}"));
        let o = paychan(&["verify", viewer.to_str().unwrap()]);
        assert!(o.status.success(), "viewer {k}: {}", String::from_utf8_lossy(&o.stdout));
        // And every transaction through Bitcoin Core's interpreter and the policy rules here.
        let n = check_all(&viewer, bitcoin::FeeRate::from_sat_per_kwu(250));
        let row = &rows[k as usize];
        assert_eq!(n as u64, row.commitments + 2, "viewer {k}: funding, commitments, settlement");
        let log = common::rows(&viewer);
        assert_eq!(log.len() as u64, row.commitments);
        assert_eq!(summary(&viewer)["settlement"]["txid"], row.settlement_txid.as_str());
    }
    // Every channel's money adds up; the timeline's revenue and fees are the channels'.
    let mut timeline = csv::Reader::from_path(dir.join("timeline.csv")).unwrap();
    let header = timeline.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (mut revenue, mut fees, mut opened, mut closed) = (0u64, 0u64, 0u64, 0u64);
    for rec in timeline.records() {
        let rec = rec.unwrap();
        assert_eq!((&rec[0], &rec[1]), ("crowd", "5"), "every row names the scenario and seed");
        let n = |c: &str| rec[col(c)].parse::<u64>().unwrap();
        revenue += n("revenue_sat");
        fees += n("onchain_fees_sat");
        opened += n("opened");
        closed += n("closed");
    }
    for r in &rows {
        assert_eq!((r.scenario.as_str(), r.seed), ("crowd", 5));
        assert_eq!(r.seconds_watched, r.commitments, "one commitment a second");
        assert!(r.seconds_watched <= r.watch_s);
        assert_eq!(r.end == "stopped", r.seconds_watched == r.watch_s, "viewer {}", r.viewer);
    }
    assert_eq!(revenue, rows.iter().map(|r| r.paid_sat).sum::<u64>());
    assert_eq!(fees, rows.iter().map(|r| r.fees_sat).sum::<u64>());
    assert_eq!((opened, closed), (12, 12));
    let summary = summary(&dir);
    assert_eq!(summary["totals"]["viewers"], 12);
    assert_eq!(summary["totals"]["paid_sat"], revenue);
}

#[test]
fn options_that_do_not_apply_are_refused_and_check_describes_the_plan() {
    let tmp = tempfile::tempdir().unwrap();
    let s = scenario(tmp.path(), "viewers = 3");
    let out = tmp.path().join("o");
    for extra in [&["--psbt", "1"][..], &["--narrate"][..]] {
        let mut args = vec!["run", s.as_str(), "--out", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        let o = paychan(&args);
        assert_eq!(o.status.code(), Some(2), "{extra:?}");
        assert!(!out.exists(), "nothing written for {extra:?}");
    }
    let o = paychan(&["run", "scenarios/emma-fabian.toml", "--out", out.to_str().unwrap(), "--commitments", "all"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "error: --commitments: applies to a scenario with an [audience]; this one has none\n"
    );
    let o = paychan(&["check", "scenarios/audience/day.toml"]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    for words in ["200 viewers", "log-normal, median 600 s, sigma 1", "uniform 5000 sat to 30000 sat", "fixed 10 sat/s"]
    {
        assert!(text.contains(words), "{words}: {text}");
    }
    assert!(!out.exists());
}

/// `--commitments` naming a viewer the audience does not have is refused before anything is
/// written (exit 2), not silently ignored; the last viewer itself is accepted.
#[test]
fn a_viewer_past_the_audience_is_refused() {
    let out = tempfile::tempdir().unwrap();
    let o = paychan(&[
        "run",
        "scenarios/audience/day.toml",
        "--out",
        out.path().to_str().unwrap(),
        "-q",
        "--commitments",
        "0,5000",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("viewer 5000 is past the last viewer of this audience (200 viewers, numbered 0 to 199)"),
        "{err}"
    );
    assert_eq!(fs::read_dir(out.path()).unwrap().count(), 0, "nothing written");
    let o = paychan(&[
        "run",
        "scenarios/audience/day.toml",
        "--out",
        out.path().to_str().unwrap(),
        "-q",
        "--commitments",
        "199",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.path().join("day/viewers/000199/commitments.csv").exists());
}
