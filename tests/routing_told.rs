//! The book's routed payment told, drawn and shown (issue 19, parts 3 and 6): the narration of
//! `paychan run scenarios/routing/book.toml --narrate` carries the book's numbers in English and
//! in Chinese, every channel's balances each time they change exactly as `balances.csv` holds
//! them, and who learns R at the steps `htlcs.csv` records; `report.html` holds the route, every
//! txid of every channel folder and, in its stepper's data, the balances of every step; and
//! `balances.png`/`.svg` are written with their labels in both languages.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use common::*;

const BTC: u64 = 100_000_000;
const CHANNELS: [&str; 4] = ["Alice-Bob", "Bob-Carol", "Carol-Diana", "Diana-Eric"];

fn csv_rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    r.deserialize().map(|row| row.unwrap()).collect()
}

fn num(row: &BTreeMap<String, String>, key: &str) -> u64 {
    row[key].parse().unwrap_or_else(|_| panic!("{key} = {:?}", row[key]))
}

/// "1.003 BTC", "2 BTC", from satoshis.
fn btc(sat: u64) -> String {
    let (whole, rest) = (sat / BTC, sat % BTC);
    if rest == 0 {
        format!("{whole} BTC")
    } else {
        format!("{whole}.{} BTC", format!("{rest:08}").trim_end_matches('0'))
    }
}

/// Runs the book in `lang` with the narration; returns the folder and what was printed.
fn run_book(out: &Path, lang: &str) -> (PathBuf, String) {
    let o =
        paychan(&["run", "scenarios/routing/book.toml", "--out", out.to_str().unwrap(), "--narrate", "--lang", lang]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (out.join("book-routing"), String::from_utf8(o.stdout).unwrap())
}

/// One channel's line after a change: its name, the first node and its balance, the HTLCs in
/// flight, the second node and its balance, and whether this step changed them.
type Line = (String, String, u64, u64, String, u64, bool);

/// The steps at which the balances changed, and each channel's line after them.
fn changes(dir: &Path) -> Vec<(u64, Vec<Line>)> {
    let rows = csv_rows(&dir.join("balances.csv"));
    let mut by_step: BTreeMap<u64, Vec<&BTreeMap<String, String>>> = BTreeMap::new();
    for r in &rows {
        by_step.entry(num(r, "step")).or_default().push(r);
    }
    let mut out = Vec::new();
    let mut before: Option<Vec<(u64, u64, u64)>> = None;
    for (step, rows) in &by_step {
        let now: Vec<(u64, u64, u64)> =
            rows.iter().map(|r| (num(r, "a_sat"), num(r, "in_flight_sat"), num(r, "b_sat"))).collect();
        if let Some(b) = &before {
            if b != &now {
                let lines = rows
                    .iter()
                    .zip(b.iter().zip(&now))
                    .map(|(r, (was, is))| {
                        (r["channel"].clone(), r["a"].clone(), is.0, is.1, r["b"].clone(), is.2, was != is)
                    })
                    .collect();
                out.push((*step, lines));
            }
        }
        before = Some(now);
    }
    out
}

/// The numbers every narration must carry: each hop's amount and expiry, the balances after
/// every change, the end, and who learns R when; `hop`, `line`, `end` and `learned` write them
/// in the narration's language.
fn assert_told(
    dir: &Path,
    said: &str,
    hop: impl Fn(&str, &str, u64, u64, u64) -> String,
    line: impl Fn(&str, &str, u64, u64, &str, u64) -> String,
    learned: impl Fn(&str, u64) -> String,
    after: impl Fn(u64) -> String,
) {
    let htlcs = csv_rows(&dir.join("htlcs.csv"));
    assert_eq!(htlcs.len(), 4);
    let book =
        [(100_300_000, 800_010, 10), (100_200_000, 800_009, 9), (100_100_000, 800_008, 8), (100_000_000, 800_007, 7)];
    for (h, (amount, expiry, blocks)) in htlcs.iter().zip(book) {
        assert_eq!((num(h, "amount_sat"), num(h, "cltv_expiry")), (amount, expiry));
        let s = hop(&h["offerer"], &h["receiver"], amount, expiry, blocks);
        assert!(said.contains(&s), "the narration says {s:?}:\n{said}");
        let s = learned(&h["offerer"], num(h, "fulfilled_step"));
        assert!(said.contains(&s), "the narration says {s:?}:\n{said}");
    }
    let changes = changes(dir);
    assert_eq!(changes.len(), 8, "four HTLCs committed, four removed");
    for (step, lines) in &changes {
        let head = after(*step);
        let at = said.find(&head).unwrap_or_else(|| panic!("the narration says {head:?}:\n{said}"));
        let block: String = said[at..].lines().take(5).collect::<Vec<_>>().join("\n");
        for (channel, a, a_sat, flight, b, b_sat, changed) in lines {
            let s = line(channel, a, *a_sat, *flight, b, *b_sat);
            let found = block.lines().find(|l| l.contains(&s));
            let l = found.unwrap_or_else(|| panic!("after step {step} the narration says {s:?}:\n{block}"));
            assert_eq!(l.contains('←'), *changed, "{l}");
        }
    }
    // The book's: Diana 1 / Eric 3 at the end, each intermediary 0.001 richer.
    let last = changes.last().unwrap();
    let de = last.1.iter().find(|l| l.0 == "Diana-Eric").unwrap();
    assert_eq!((de.2, de.5), (BTC, 3 * BTC));
    for (i, c) in CHANNELS.iter().enumerate() {
        let l = last.1.iter().find(|l| l.0 == *c).unwrap();
        assert_eq!(
            (l.2, l.3, l.5),
            (2 * BTC - 100_000_000 - (3 - i as u64) * 100_000, 0, 2 * BTC + 100_000_000 + (3 - i as u64) * 100_000)
        );
    }
}

#[test]
fn the_narration_carries_the_books_numbers_in_english() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, said) = run_book(tmp.path(), "en");
    assert_told(
        &dir,
        &said,
        |o, r, amount, expiry, blocks| {
            format!("{o} offers {r} {} on H, until height {expiry} ({blocks} blocks)", btc(amount))
        },
        |c, a, x, f, b, y| format!("{c:<11} {a} {} | HTLC {} | {b} {}", btc(x), btc(f), btc(y)),
        |who, step| format!("{who} at step {step}"),
        |step| format!("balances after step {step}:"),
    );
    for s in [
        "Alice pays Eric 1 BTC through Bob, Carol, Diana",
        "Diana-Eric: Diana 1 BTC / Eric 3 BTC",
        "Alice paid 1.003 BTC; Eric received 1 BTC; each intermediary (Bob, Carol, Diana) is 0.001 BTC richer.",
        "Who knows R: Eric from the start",
        "update_add_htlc: Alice offers Bob an HTLC of 1.003 BTC on H, expiring at height 800010",
        "update_fulfill_htlc: Eric gives Diana R",
        "revoke_and_ack: Bob revokes Bob's commitment 0",
        "the end says which were broadcast",
        "The fundings confirmed in block 800000 of the simulated chain; nothing else was broadcast and no channel was closed",
    ] {
        assert!(said.contains(s), "the narration says {s:?}:\n{said}");
    }
    assert!(!said.contains("settle") && !said.contains("closed on chain"), "no close is claimed:\n{said}");
}

#[test]
fn the_narration_carries_the_books_numbers_in_chinese() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, said) = run_book(tmp.path(), "zh");
    assert_told(
        &dir,
        &said,
        |o, r, amount, expiry, blocks| {
            format!("{o} 向 {r} 提供 {} 的 HTLC（以 H 锁定），到区块高度 {expiry} 为止（{blocks} 个区块）", btc(amount))
        },
        |c, a, x, f, b, y| format!("{c:<11} {a} {}｜HTLC {}｜{b} {}", btc(x), btc(f), btc(y)),
        |who, step| format!("{who} 在第 {step} 步"),
        |step| format!("第 {step} 步之后的余额："),
    );
    for s in [
        "Alice 经由 Bob、Carol、Diana 向 Eric 支付 1 BTC",
        "Diana-Eric：Diana 1 BTC / Eric 3 BTC",
        "每个中间节点（Bob、Carol、Diana）各多得 0.001 BTC",
        "注资交易在模拟链的第 800000 个区块确认；此外没有广播任何交易，也没有关闭任何通道",
    ] {
        assert!(said.contains(s), "the narration says {s:?}:\n{said}");
    }
    // The narration is Chinese; the run's summary after it stays the shared English one.
    let narration = &said[..said.find("\npaychan: ").expect("the summary follows")];
    for english in ["offers", "balances", "revokes", "reveals", "through", "richer", "step "] {
        assert!(!narration.contains(english), "{english:?} left in English:\n{narration}");
    }
}

/// The JSON of the page's stepper.
fn page_data(html: &str) -> serde_json::Value {
    let open = "<script type=\"application/json\" id=\"data\">";
    let start = html.find(open).expect("the data") + open.len();
    let end = start + html[start..].find("</script>").expect("its end");
    serde_json::from_str(&html[start..end]).expect("the data is JSON")
}

#[test]
fn the_report_shows_the_route_every_txid_and_every_steps_balances_in_both_languages() {
    for lang in ["en", "zh"] {
        let tmp = tempfile::tempdir().unwrap();
        let (dir, _) = run_book(tmp.path(), lang);
        let html = fs::read_to_string(dir.join("report.html")).expect("report.html is written");
        let tag = if lang == "en" { "<html lang=\"en\">" } else { "<html lang=\"zh-CN\">" };
        assert!(html.starts_with("<!DOCTYPE html>") && html.contains(tag), "{lang}");
        assert!(html.contains("<svg"), "{lang}: the chart is inlined");
        for h in csv_rows(&dir.join("htlcs.csv")) {
            let amount = btc(num(&h, "amount_sat"));
            let expiry = num(&h, "cltv_expiry");
            let row = format!(
                "<td class=\"num\">{amount}</td><td class=\"num\">{},{:03} (+{})</td>",
                expiry / 1000,
                expiry % 1000,
                expiry - 800_000
            );
            assert!(html.contains(&row), "{lang}: the route's row {row}");
            assert!(html.contains(&h["payment_hash"]), "{lang}: the payment hash");
        }
        // Every transaction of every channel folder is named on the page by its txid.
        for c in CHANNELS {
            let ch = dir.join("channels").join(c);
            let json: serde_json::Value =
                serde_json::from_str(&fs::read_to_string(ch.join("channel.json")).unwrap()).unwrap();
            assert!(html.contains(json["funding_txid"].as_str().unwrap()), "{lang}: {c}'s funding txid");
            for f in ["commitments.csv", "htlc-txs.csv"] {
                for row in csv_rows(&ch.join(f)) {
                    assert!(html.contains(&row["txid"]), "{lang}: {c}/{f} txid {}", row["txid"]);
                }
            }
        }
        // The stepper: one step a snapshot, each with every channel's balances as balances.csv.
        let data = page_data(&html);
        let steps = data["steps"].as_array().unwrap();
        let rows = csv_rows(&dir.join("balances.csv"));
        assert_eq!(steps.len() * 4, rows.len());
        for r in &rows {
            let s = &steps[num(r, "step") as usize];
            let b = s["balances"].as_array().unwrap().iter().find(|b| b["channel"] == r["channel"].as_str()).unwrap();
            let sat: Vec<u64> = b["sat"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
            assert_eq!(sat, [num(r, "a_sat"), num(r, "in_flight_sat"), num(r, "b_sat")], "{lang} step {}", r["step"]);
            let text: Vec<&str> = b["text"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
            assert_eq!(text, [btc(sat[0]), btc(sat[1]), btc(sat[2])]);
        }
        let last = steps.last().unwrap();
        assert_eq!(
            last["knows"],
            if lang == "en" { "Eric, Diana, Carol, Bob, Alice" } else { "Eric、Diana、Carol、Bob、Alice" }
        );
        assert_eq!(steps[28]["knows"], "Eric", "only Eric knows R before step 29");
        if lang == "en" {
            assert!(html.contains("nothing else was broadcast and no channel was closed"));
            assert!(html.contains("Bob's copy of commitment 1, signed by Alice"));
            assert!(!html.contains("settlement") && !html.contains("closed on chain"), "no close is claimed");
        } else {
            assert!(html.contains("没有广播任何交易，也没有关闭任何通道"));
            assert!(html.contains("Bob 持有的承诺交易 1 副本，由 Alice 签名"));
            assert!(html.contains("每一个 HTLC") && html.contains("路由，逐跳"));
        }
    }
}

#[test]
fn the_chart_is_written_with_its_labels_in_both_languages() {
    for (lang, words) in [
        ("en", ["every channel's balances", "step (BOLT #2 message)", "Eric reveals R (29)", "HTLC in flight"]),
        ("zh", ["每个通道的余额", "步骤", "公开", "第一个节点"]),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let (dir, _) = run_book(tmp.path(), lang);
        let png = fs::read(dir.join("balances.png")).expect("balances.png is written");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let svg = fs::read_to_string(dir.join("balances.svg")).expect("balances.svg is written");
        for w in words.iter().copied().chain([
            "Alice 0.997 BTC",
            "Bob 3.003 BTC",
            "HTLC 1.003 BTC",
            "Diana 1 BTC",
            "Eric 3 BTC",
        ]) {
            let w = w.replace('\'', "&apos;");
            assert!(svg.contains(&w) || svg.contains(&w.replace("&apos;", "'")), "{lang}: the chart says {w:?}");
        }
    }
}

#[test]
fn the_page_and_chart_are_the_same_bytes_twice() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (da, _) = run_book(a.path(), "zh");
    let (db, _) = run_book(b.path(), "zh");
    for f in ["report.html", "balances.png", "balances.svg"] {
        assert_eq!(fs::read(da.join(f)).unwrap(), fs::read(db.join(f)).unwrap(), "{f}");
    }
}

/// Run `scenario` with --narrate in `lang`: its folder and what it printed.
fn run_narrated(scenario: &str, name: &str, out: &Path, lang: &str) -> (PathBuf, String) {
    let o = paychan(&["run", scenario, "--out", out.to_str().unwrap(), "--narrate", "--lang", lang]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (out.join(name), String::from_utf8(o.stdout).unwrap())
}

/// What went on chain is said as it happened: the book's run says only the fundings confirmed;
/// a failure's run says what was broadcast after them and which channel closed, never that
/// nothing was; a failed HTLC goes back to its offerer in words and on the page, never to its
/// receiver; and the Chinese says the same.
#[test]
fn the_chain_and_failed_htlcs_are_told_as_they_happened() {
    let tmp = tempfile::tempdir().unwrap();
    let (book, said) = run_book(&tmp.path().join("book"), "en");
    assert!(said.contains("nothing else was broadcast and no channel was closed"), "{said}");
    let page = fs::read_to_string(book.join("report.html")).unwrap();
    assert!(page.contains("nothing else was broadcast and no channel was closed"));
    let (dir, said) =
        run_narrated("scenarios/routing/never-reveals.toml", "never-reveals", &tmp.path().join("en"), "en");
    assert!(!said.contains("nothing else was broadcast") && !said.contains("no channel was closed"), "{said}");
    assert!(said.contains("then 4 transactions were broadcast (4 confirmed, 0 refused)"), "{said}");
    assert!(said.contains("Diana-Eric closed on chain: Diana received"), "{said}");
    assert!(said.contains("Who knows R: only Eric, who never revealed it."), "{said}");
    for (channel, amount, offerer) in
        [("Carol-Diana", "1.001", "Carol"), ("Bob-Carol", "1.002", "Bob"), ("Alice-Bob", "1.003", "Alice")]
    {
        assert!(said.contains(&format!("fails the HTLC {offerer} offered")), "{said}");
        let back =
            format!("the HTLC is removed from both commitments of {channel}: its {amount} BTC is {offerer}'s again");
        assert!(said.contains(&back), "{said}");
    }
    assert!(!said.contains("is Bob's\n") && !said.contains("is Carol's\n") && !said.contains("is Diana's\n"), "{said}");
    let page = fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(!page.contains("nothing else was broadcast") && page.contains("then 4 transactions were broadcast"));
    assert!(page.contains("failed and removed: its amount is the offerer's again"));
    let (dir, said) =
        run_narrated("scenarios/routing/never-reveals.toml", "never-reveals", &tmp.path().join("zh"), "zh");
    assert!(said.contains("之后广播了 4 笔交易") && said.contains("Diana-Eric 已在链上关闭"), "{said}");
    assert!(said.contains("这 1.003 BTC 退回 Alice") && !said.contains("没有关闭任何通道"), "{said}");
    assert!(!said.contains("the next hop"), "{said}");
    let page = fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(page.contains("之后广播了 4 笔交易") && page.contains("已失败并移除：金额退回提供方"));
}
