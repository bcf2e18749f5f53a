//! What a class sees: the HTML report embeds every commitment of the book's run, decoded from
//! the files, and `--narrate` tells the story in the book's words.

mod common;

use std::fs;

use common::*;

#[test]
fn the_report_embeds_every_commitment_and_opens_from_disk() {
    let out = tempfile::tempdir().unwrap();
    run_ok("scenarios/emma-fabian.toml", out.path());
    let dir = out.path().join("emma-fabian");
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    // (The inline SVG's xmlns is a name, not a fetch.)
    for forbidden in ["src=\"http", "href=\"http", "url(http", "<link", "import(", "fetch("] {
        assert!(!html.contains(forbidden), "the report fetches nothing: found {forbidden}");
    }
    let start = html.find(r#"<script type="application/json" id="data">"#).unwrap();
    let json = &html[start..];
    let json = &json[json.find('>').unwrap() + 1..json.find("</script>").unwrap()];
    let data: serde_json::Value = serde_json::from_str(json).unwrap();
    let steps = data["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 600);
    let rows = rows(&dir);
    assert_eq!(steps[599]["txid"], rows[599].txid.as_str());
    assert_eq!(steps[0]["payee"], 1_000);
    assert_eq!(steps[0]["outs"][1][0], "Fabian");
    // The signatures shown are the witness's, labelled by BIP-0067 key order.
    let t = tx(&rows[0].tx_hex);
    let sig1: String = t.input[0].witness.nth(1).unwrap().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(steps[0]["wit"][1], sig1.as_str());
    assert_eq!(steps[0]["wit"][0], "");
    let s = summary(&dir);
    let payer_first = s["payer"]["pubkey"].as_str().unwrap() < s["payee"]["pubkey"].as_str().unwrap();
    let first = if payer_first { "Emma" } else { "Fabian" };
    assert_eq!(data["witness_labels"][1], format!("{first}'s signature").as_str());
    assert!(html.contains("OP_2 &lt;<span") && html.contains("OP_CHECKMULTISIG"));
    assert!(html.contains("<svg"), "the chart is inline");
}

#[test]
fn narration_tells_the_book_story_and_summarises_long_runs() {
    let out = tempfile::tempdir().unwrap();
    let o = paychan(&["run", "scenarios/emma-fabian.toml", "--out", out.path().to_str().unwrap(), "--narrate"]);
    assert!(o.status.success());
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("2-of-2 multisig address"), "{text}");
    assert!(text.contains("funding (anchor) transaction"), "{text}");
    assert!(text.contains(
        "Emma signs commitment #2: 0.02 mBTC to Fabian, 35.97831 mBTC back to Emma; Fabian checks it, adds the second signature and sends the next second of video."
    ), "{text}");
    assert!(text.contains("more commitments, each the same exchange"), "{text}");
    assert!(text.contains("Emma signs commitment #600: 6 mBTC to Fabian"), "{text}");
    assert!(text.contains("At 600 s Emma presses stop."), "{text}");
    assert!(text.contains("is the settlement transaction"), "{text}");
    assert!(text.lines().count() < 50, "600 commitments are summarised: {} lines", text.lines().count());

    let o = paychan(&["run", "scenarios/full-hour.toml", "--out", out.path().to_str().unwrap(), "--narrate"]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("the channel is exhausted: commitment #3600"), "{text}");
}

/// report.html is built in one pass as the commitments stream past; it must be the page built
/// before that from the files alone (pinned by SHA-256 from commit 2a15ec2), and the page
/// `report::write_report` still builds from the files, on one thread and on two, sampled or not,
/// with and without the hex column.
#[test]
fn the_one_pass_report_is_the_page_built_from_the_files() {
    use bitcoin::hashes::{sha256, Hash};
    let golden = include_str!("data/golden-report-sha256.txt");
    let pinned: Vec<(&str, &str)> = golden
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split_once(char::is_whitespace).expect("a name and a hash"))
        .collect();
    assert_eq!(pinned.len(), 3);
    for (case, hash) in pinned {
        let (name, flag) = case.split_once('+').unwrap_or((case, ""));
        let scenario =
            if name == "emma-fabian" { format!("scenarios/{name}.toml") } else { format!("tests/data/{name}.toml") };
        for threads in ["1", "2"] {
            let out = tempfile::tempdir().unwrap();
            let mut args = vec!["run", &scenario, "--out", out.path().to_str().unwrap(), "-q", "--threads", threads];
            if !flag.is_empty() {
                args.push(flag);
            }
            let o = paychan(&args);
            assert!(o.status.success(), "{case}: {}", String::from_utf8_lossy(&o.stderr));
            let dir = out.path().join(name);
            let streamed = fs::read(dir.join("report.html")).unwrap();
            assert_eq!(sha256::Hash::hash(&streamed).to_string(), hash.trim(), "{case} on {threads} threads");
            paychan::output::report::write_report(&dir).unwrap();
            assert!(fs::read(dir.join("report.html")).unwrap() == streamed, "{case}: the files give another page");
        }
    }
}
