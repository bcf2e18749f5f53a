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
