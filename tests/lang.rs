//! `--lang zh`: the narration, the printed summary, the report and the charts in the Chinese
//! edition's terms, the files for machines unchanged; and every design's own words in both
//! languages.

mod common;

use std::fs;

use common::*;
use paychan::channel::{CommitmentWords, Settings};
use paychan::words::{has_cjk, Lang};

/// Runs `scenario` into `out` in `lang` with `--narrate`, returning stdout.
fn narrated(scenario: &str, out: &std::path::Path, lang: &str) -> String {
    let o = paychan(&["run", scenario, "--out", out.to_str().unwrap(), "--narrate", "--lang", lang]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn the_book_in_chinese_uses_the_editions_terms_and_writes_the_same_files() {
    let (zh, en) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let told = narrated("scenarios/emma-fabian.toml", zh.path(), "zh");
    let english = narrated("scenarios/emma-fabian.toml", en.path(), "en");
    for term in ["支付通道", "2-of-2 的多签名地址", "注资交易", "承诺交易", "结算交易", "添加第二个签名", "点击“停止”"]
    {
        assert!(told.contains(term), "the narration lacks {term}:\n{told}");
    }
    for term in ["注资", "播放", "结算交易", "聪手续费"] {
        assert!(told.contains(term), "the summary lacks {term}");
    }
    assert!(!has_cjk(&english), "English stays English:\n{english}");
    assert!(english.contains("Emma signs commitment #1: 0.01 mBTC to Fabian"));
    // The same amounts and txids in both languages.
    assert!(told.contains("ca98b5dc289c71cf6b73e9a93a10161f93ed3ee6115a0e5ca443a5521e786a74"));
    assert!(english.contains("ca98b5dc289c71cf6b73e9a93a10161f93ed3ee6115a0e5ca443a5521e786a74"));
    let (dz, de) = (zh.path().join("emma-fabian"), en.path().join("emma-fabian"));
    for machine in ["commitments.csv", "summary.json"] {
        assert_eq!(fs::read(dz.join(machine)).unwrap(), fs::read(de.join(machine)).unwrap(), "{machine} differs");
    }
    let html = fs::read_to_string(dz.join("report.html")).unwrap();
    assert!(html.contains(r#"<html lang="zh-CN">"#) && html.contains("Noto Sans CJK SC"));
    for term in ["注资交易", "承诺交易", "结算交易", "协商关闭", "见证脚本", "付款方", "收款方"]
    {
        assert!(html.contains(term), "the report lacks {term}");
    }
    let english_html = fs::read_to_string(de.join("report.html")).unwrap();
    assert!(english_html.contains(r#"<html lang="en">"#) && !english_html.contains("Noto Sans CJK SC"));
    let svg = fs::read_to_string(dz.join("balance.svg")).unwrap();
    assert!(svg.contains("支付通道余额") && svg.contains("结算交易"), "the chart's labels are Chinese");
    assert!(fs::read_to_string(de.join("balance.svg")).unwrap().contains("payment channel balance over time"));
}

#[test]
fn each_design_tells_its_own_story_in_chinese() {
    let cases = [
        ("scenarios/cheating/timelocked-emma-cheats.toml", &["时间锁", "退款交易"][..]),
        ("scenarios/cheating/spilman-closed-by-fabian.toml", &["只有 Fabian 能添加第二个签名", "时间锁"][..]),
        ("scenarios/cheating/revocable-emma-cheats.toml", &["撤销密钥", "惩罚", "版本"][..]),
        ("scenarios/cheating/naive-emma-cheats.toml", &["单方面关闭", "没有协商关闭"][..]),
    ];
    for (scenario, terms) in cases {
        let out = tempfile::tempdir().unwrap();
        let told = narrated(scenario, out.path(), "zh");
        let name = std::path::Path::new(scenario).file_stem().unwrap().to_str().unwrap();
        let html = fs::read_to_string(out.path().join(name).join("report.html")).unwrap();
        for term in terms {
            assert!(told.contains(term) || html.contains(term), "{scenario}: {term} is in neither");
        }
    }
}

/// Every design's own words exist in both languages: non-empty, the Chinese in Chinese, the
/// English not, and different.
#[test]
fn every_designs_words_have_both_languages() {
    let both = |what: &str, design: &str, en: &str, zh: &str| {
        assert!(!en.trim().is_empty() && !zh.trim().is_empty(), "{design}: {what} is empty");
        assert!(!has_cjk(en), "{design}: {what}'s English holds Chinese: {en}");
        assert!(has_cjk(zh), "{design}: {what}'s Chinese holds no Chinese: {zh}");
        assert_ne!(en, zh, "{design}: {what} is not translated");
    };
    for r in paychan::party::DESIGNS {
        let d = (r.make)(&Settings::default());
        let n = r.name;
        let say = |l: Lang| {
            let words = CommitmentWords {
                payer: "Emma",
                payee: "Fabian",
                seq: 2,
                paid: "0.02 mBTC",
                back: "35.98 mBTC",
                trimmed: "",
                unit: if l == Lang::En { "second" } else { "秒" },
                clock_s: 2,
                lang: l,
            };
            (
                d.tell_funding(l, "Emma", "Fabian", "bcrt1q…"),
                d.tell_step(l, "Emma", "Fabian"),
                d.tell_settlement(l, "Emma", "Fabian"),
                d.tell_signing(l, "Emma", "Fabian"),
                d.witness_labels(l, ("Emma", "Fabian"), true),
                d.tell_lock(l),
                d.tell_commitment(&words),
                d.payee_step(l),
            )
        };
        let (en, zh) = (say(Lang::En), say(Lang::Zh));
        both("tell_funding", n, &en.0, &zh.0);
        both("tell_step", n, &en.1, &zh.1);
        both("tell_settlement", n, &en.2, &zh.2);
        both("tell_signing", n, &en.3, &zh.3);
        assert_eq!(en.4.len(), zh.4.len(), "{n}: as many witness labels");
        for (e, z) in en.4.iter().zip(&zh.4) {
            both("witness_labels", n, e, z);
        }
        assert_eq!(en.5.is_some(), zh.5.is_some(), "{n}: tell_lock in one language only");
        if let (Some(e), Some(z)) = (en.5, zh.5) {
            both("tell_lock", n, e, z);
            assert!(z.contains("{lock}"), "{n}: the Chinese lock words name the lock time");
        }
        assert_eq!(en.6.is_some(), zh.6.is_some(), "{n}: tell_commitment in one language only");
        if let (Some(e), Some(z)) = (&en.6, &zh.6) {
            both("tell_commitment", n, e, z);
        }
        both("payee_step", n, en.7, zh.7);
    }
}

#[test]
fn an_unknown_language_is_refused_with_exit_2() {
    let out = tempfile::tempdir().unwrap();
    let o = paychan(&["run", "scenarios/emma-fabian.toml", "--out", out.path().to_str().unwrap(), "--lang", "fr"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("fr"));
    assert!(!out.path().join("emma-fabian").exists(), "nothing written");
}

/// The runs of three or more plain English words in a row in `text` ("received 1,000 sat of the
/// owed" holds "sat of the"): what a sentence left in English shows. Names, design names, units
/// and hex are single words between Chinese ones, so they break no run.
fn english_runs(text: &str) -> Vec<String> {
    let mut runs = Vec::new();
    for line in text.lines() {
        let mut run: Vec<&str> = Vec::new();
        let words = line.split(|c: char| c.is_whitespace() || has_cjk(&c.to_string()));
        for word in words.chain(std::iter::once("")) {
            if !word.is_empty() && word.chars().all(|c| c.is_ascii_alphabetic() || c == '\'') {
                run.push(word);
                continue;
            }
            if run.len() >= 3 {
                runs.push(run.join(" "));
            }
            run.clear();
        }
    }
    runs
}

/// `html`'s text for people: without its scripts, styles, inline charts (their SVG is checked
/// apart), tags and the scenario's own `description` (the file's words, shown as written).
fn page_text(html: &str) -> String {
    let mut text = html.to_string();
    for (open, close) in
        [("<script", "</script>"), ("<style", "</style>"), ("<svg", "</svg>"), ("<p class=\"description\">", "</p>")]
    {
        while let Some(start) = text.find(open) {
            let end = text[start..].find(close).map_or(text.len(), |e| start + e + close.len());
            text.replace_range(start..end, " ");
        }
    }
    let mut plain = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                plain.push(' ');
            }
            _ if !in_tag => plain.push(c),
            _ => {}
        }
    }
    plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// The text an SVG chart draws.
fn svg_text(svg: &str) -> String {
    let mut out = String::new();
    let mut rest = svg;
    while let Some(start) = rest.find("<text") {
        let body = &rest[start..];
        let (Some(open), Some(close)) = (body.find('>'), body.find("</text>")) else { break };
        out.push_str(&body[open + 1..close]);
        out.push(' ');
        rest = &body[close..];
    }
    out
}

const CHEATING: [&str; 9] = [
    "naive-emma-cheats",
    "naive-fabian-vanishes",
    "revocable-emma-cheats",
    "revocable-emma-vanishes",
    "revocable-fabian-stops-watching",
    "spilman-closed-by-fabian",
    "spilman-fabian-forgets",
    "timelocked-emma-cheats",
    "timelocked-fabian-vanishes",
];

#[test]
fn english_runs_find_a_sentence_and_pass_names_between_chinese_words() {
    assert_eq!(english_runs("Emma received 1,000 sat of the 600,000 sat owed"), vec!["sat of the"]);
    assert!(english_runs("Emma 的承诺交易 #1 在区块高度 800,002 被确认：Fabian 应得 600,000 聪").is_empty());
    assert!(english_runs("timelocked, spilman, revocable；naive").is_empty());
}

#[test]
fn check_in_chinese_leaves_no_english_sentence_and_english_stays() {
    let mut scenarios: Vec<String> = CHEATING.iter().map(|n| format!("scenarios/cheating/{n}.toml")).collect();
    scenarios.extend(
        ["scenarios/emma-fabian.toml", "scenarios/price-change.toml", "scenarios/full-hour.toml"].map(String::from),
    );
    for scenario in &scenarios {
        let zh = paychan(&["check", scenario, "--lang", "zh"]);
        assert!(zh.status.success(), "{}", String::from_utf8_lossy(&zh.stderr));
        let told = String::from_utf8(zh.stdout).unwrap();
        assert!(has_cjk(&told) && told.contains("有效") && told.contains("承诺交易"), "{scenario}:\n{told}");
        assert_eq!(english_runs(&told), Vec::<String>::new(), "{scenario} in Chinese:\n{told}");
        let en = paychan(&["check", scenario]);
        let english = String::from_utf8(en.stdout).unwrap();
        assert_eq!(english, String::from_utf8(paychan(&["check", scenario, "--lang", "en"]).stdout).unwrap());
        assert!(!has_cjk(&english) && english.contains(" is valid\n") && english.contains("  plan      "), "{english}");
        assert!(!english_runs(&english).is_empty(), "the check finds English sentences");
    }
}

#[test]
fn every_cheating_run_in_chinese_tells_the_chain_and_writes_the_same_files() {
    for name in CHEATING {
        let scenario = format!("scenarios/cheating/{name}.toml");
        let (zh, en) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let told = narrated(&scenario, zh.path(), "zh");
        let english = narrated(&scenario, en.path(), "en");
        let story: String = told.lines().filter(|l| !l.starts_with("  说明 ")).collect::<Vec<_>>().join("\n");
        assert!(story.contains("链上") && story.contains("结论："), "{name}:\n{told}");
        assert_eq!(english_runs(&story), Vec::<String>::new(), "{name}: English left in the narration:\n{told}");
        assert!(english.contains("On the chain") && english.contains("verdict: "), "{name}: English stays");
        let (dz, de) = (zh.path().join(name), en.path().join(name));
        for machine in ["commitments.csv", "summary.json", "chain.csv"] {
            assert_eq!(fs::read(dz.join(machine)).unwrap(), fs::read(de.join(machine)).unwrap(), "{name}: {machine}");
        }
        let html = fs::read_to_string(dz.join("report.html")).unwrap();
        let text = page_text(&html);
        assert!(text.contains("链上：") && text.contains("第一次被拒绝的原因"), "{name}: the chain section");
        assert_eq!(english_runs(&text), Vec::<String>::new(), "{name}: English left in report.html");
        for chart in ["balance.svg", "payment.svg", "outcome.svg"] {
            let drawn = svg_text(&fs::read_to_string(dz.join(chart)).unwrap());
            assert!(has_cjk(&drawn), "{name}: {chart} draws no Chinese");
            assert_eq!(english_runs(&drawn), Vec::<String>::new(), "{name}: English left in {chart}: {drawn}");
        }
        let english_html = fs::read_to_string(de.join("report.html")).unwrap();
        assert!(english_html.contains("On the chain: the ") && !has_cjk(&page_text(&english_html)));
        // The same check finds the English page's sentences: it can fail.
        assert!(!english_runs(&page_text(&english_html)).is_empty() && !english_runs(&english).is_empty());
    }
}

#[test]
fn compare_in_chinese_prints_and_writes_chinese_and_the_same_csvs() {
    let scenario = "scenarios/cheating/naive-emma-cheats.toml";
    let (zh, en) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let run = |out: &std::path::Path, lang: &str| {
        let o = paychan(&["compare", scenario, "--out", out.to_str().unwrap(), "--lang", lang]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let (told, english) = (run(zh.path(), "zh"), run(en.path(), "en"));
    assert!(told.contains("在每一种设计下") && told.contains("被确认") && told.contains("拿到全部应得"), "{told}");
    assert_eq!(english_runs(&told), Vec::<String>::new(), "English left in compare's sentences:\n{told}");
    assert!(
        english.contains("under every design")
            && english.contains("ends whole (received ≥ owed)")
            && !has_cjk(&english)
    );
    let (dz, de) = (zh.path().join("naive-emma-cheats-compare"), en.path().join("naive-emma-cheats-compare"));
    for machine in ["compare.csv", "whatif.csv"] {
        assert_eq!(fs::read(dz.join(machine)).unwrap(), fs::read(de.join(machine)).unwrap(), "{machine} differs");
    }
    let html = fs::read_to_string(dz.join("compare.html")).unwrap();
    assert!(html.contains(r#"<html lang="zh-CN">"#) && html.contains("Noto Sans CJK SC"));
    let text = page_text(&html);
    assert!(text.contains("同一次观看在每一种设计下") && text.contains("结论"), "{text}");
    assert_eq!(english_runs(&text), Vec::<String>::new(), "English left in compare.html");
    let data = html.split("id=\"wdata\">").nth(1).and_then(|d| d.split("</script>").next()).unwrap();
    assert!(has_cjk(data), "the what-if verdicts are Chinese");
    let drawn = svg_text(&fs::read_to_string(dz.join("compare.svg")).unwrap());
    assert!(drawn.contains("应得与实收") && english_runs(&drawn).is_empty(), "{drawn}");
    for design in ["naive", "timelocked", "spilman", "revocable"] {
        let page = fs::read_to_string(dz.join(design).join("report.html")).unwrap();
        assert!(page.contains(r#"<html lang="zh-CN">"#), "{design}'s report is in the comparison's language");
    }
    let english_html = fs::read_to_string(de.join("compare.html")).unwrap();
    assert!(english_html.contains(r#"<html lang="en">"#) && !has_cjk(&page_text(&english_html)));
    assert!(!english_runs(&page_text(&english_html)).is_empty() && !english_runs(&english).is_empty());
}
