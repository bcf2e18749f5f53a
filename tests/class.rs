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
    assert_eq!(steps[0]["sigs"][0], sig1.as_str());
    let s = summary(&dir);
    let payer_first = s["payer"]["pubkey"].as_str().unwrap() < s["payee"]["pubkey"].as_str().unwrap();
    assert_eq!(data["first_signer"], if payer_first { "Emma" } else { "Fabian" });
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
