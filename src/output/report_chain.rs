//! The report page's section on the simulated chain: what each party broadcast, which
//! broadcast the chain refused and why, what confirmed when, the outcome chart and the verdict.
//!
//! Kept apart from `report.rs` so the page's main part can change on its own; it is built from
//! the run's files (`summary.json`, `chain.csv`, `outcome.svg`) like the rest of the page.

use std::fmt::Write as _;
use std::path::Path;

use super::chain::ChainRow;
use super::Summary;
use crate::words::{fill, Lang};

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn group(n: u64) -> String {
    crate::units::thousands(n)
}

/// The chain's words in a language other than the files' English, from the run played in
/// memory: the verdict and each broadcast's row (in `chain.csv`'s order).
#[derive(Debug, Clone, Default)]
pub struct ChainWords {
    /// The verdict.
    pub verdict: String,
    /// Per broadcast: what it is, where it ended, why it was first refused.
    pub rows: Vec<[String; 3]>,
}

impl ChainWords {
    /// The words of `run` in `lang`.
    pub fn of(run: &crate::onchain::ChainRun, lang: Lang) -> ChainWords {
        use crate::onchain::Status;
        let rows = run
            .broadcasts
            .iter()
            .map(|b| {
                let status = match (b.status, lang) {
                    (Status::Confirmed(h), Lang::En) => format!("confirmed at height {}", group(u64::from(h))),
                    (Status::Confirmed(h), Lang::Zh) => format!("在高度 {} 确认", group(u64::from(h))),
                    (Status::Rejected, Lang::Zh) => "被拒绝".to_string(),
                    (Status::Unconfirmed, Lang::Zh) => "未确认".to_string(),
                    (other, Lang::En) => other.word().to_string(),
                };
                let reason = b.first_rejection.as_ref().map(|r| r.tell(lang)).unwrap_or_default();
                [b.kind.describe(lang), status, reason]
            })
            .collect();
        ChainWords { verdict: run.outcome.verdict.get(lang).to_string(), rows }
    }
}

/// The section's fixed words in `lang`.
fn words(lang: Lang) -> [&'static str; 5] {
    match lang {
        Lang::En => [
            "On the chain: the {design} design",
            "The funding confirms at height {start}; a block every {interval} s; nothing more can happen after height {end}.",
            "<th>broadcast by</th><th>what</th><th>at</th><th>status</th><th>why it was refused first</th>",
            "{t} s, height {h}",
            "{payer}: owed {po} sat, received {pr} sat. {payee}: owed {qo} sat, received {qr} sat.",
        ],
        Lang::Zh => [
            "链上：{design} 设计",
            "注资交易在高度 {start} 被确认；每 {interval} 秒一个区块；高度 {end} 之后不会再发生任何事。",
            "<th>广播者</th><th>交易</th><th>时间</th><th>状态</th><th>第一次被拒绝的原因</th>",
            "第 {t} 秒，高度 {h}",
            "{payer}：应得 {po} 聪，实收 {pr} 聪。{payee}：应得 {qo} 聪，实收 {qr} 聪。",
        ],
    }
}

/// The section's HTML in `lang`, or an empty string for a run without a chain (or without its
/// files). The rows and the verdict come from `chain_words` when given (a run in memory, in
/// `lang`), else from the files' English: an English page is the files' words, byte for byte.
pub fn section(dir: &Path, s: &Summary, lang: Lang, chain_words: Option<&ChainWords>) -> String {
    let (Some(chain), Some(outcome)) = (&s.chain, &s.outcome) else { return String::new() };
    let Ok(mut reader) = csv::Reader::from_path(dir.join("chain.csv")) else { return String::new() };
    let rows: Vec<ChainRow> = reader.deserialize().filter_map(Result::ok).collect();
    let svg = std::fs::read_to_string(dir.join("outcome.svg")).unwrap_or_default();
    let svg = svg.find("<svg").map_or("", |i| &svg[i..]);
    let w = words(lang);
    let (start, end) = (group(u64::from(chain.start_height)), group(u64::from(chain.end_height)));
    let interval = chain.block_interval_s.to_string();
    let verdict = chain_words.map_or(outcome.verdict.as_str(), |c| c.verdict.as_str());
    let mut html = String::new();
    let _ = write!(
        html,
        "<section class=\"card chain\" id=\"chain\">\n<h2>{}</h2>\n<p>{}</p>\n<p><strong>{}</strong></p>\n\
         <table class=\"chain-table\">\n<thead><tr>{}</tr></thead>\n<tbody>\n",
        fill(w[0], &[("design", &esc(&s.design))]),
        fill(w[1], &[("start", &start), ("interval", &interval), ("end", &end)]),
        esc(verdict),
        w[2],
    );
    for (i, r) in rows.iter().enumerate() {
        let said = chain_words.and_then(|c| c.rows.get(i));
        let (kind, status, reason) = match said {
            Some([k, st, re]) => (k.clone(), st.clone(), re.clone()),
            None => {
                let status = match (r.status.as_str(), r.confirmed_height) {
                    ("confirmed", Some(h)) => format!("confirmed at height {}", group(u64::from(h))),
                    (other, _) => other.to_string(),
                };
                (r.kind.clone(), status, r.reason.clone())
            }
        };
        let at = fill(w[3], &[("t", &group(r.broadcast_s)), ("h", &group(u64::from(r.broadcast_height)))]);
        let _ = writeln!(
            html,
            r#"<tr><td>{by}</td><td>{kind} <span class="mono">{txid}</span></td><td>{at}</td><td>{status}</td><td>{reason}</td></tr>"#,
            by = esc(&r.broadcast_by),
            kind = esc(&kind),
            txid = esc(&r.txid[..16.min(r.txid.len())]),
            status = esc(&status),
            reason = esc(&reason),
        );
    }
    let (po, pr) = (group(outcome.payer.owed_sat), group(outcome.payer.received_sat));
    let (qo, qr) = (group(outcome.payee.owed_sat), group(outcome.payee.received_sat));
    let (payer, payee) = (esc(&s.payer.name), esc(&s.payee.name));
    let owed = fill(w[4], &[("payer", &payer), ("po", &po), ("pr", &pr), ("payee", &payee), ("qo", &qo), ("qr", &qr)]);
    let _ = write!(html, "</tbody>\n</table>\n<p>{owed}</p>\n");
    let _ = write!(html, "<div class=\"chart\">{svg}</div>\n</section>\n");
    html
}

/// `html` with the chain's section in `lang` inserted before the page's footer (unchanged
/// without a chain).
pub fn insert(dir: &Path, s: &Summary, html: String, lang: Lang, chain_words: Option<&ChainWords>) -> String {
    let section = section(dir, s, lang, chain_words);
    if section.is_empty() {
        return html;
    }
    match html.rfind("<footer>") {
        Some(i) => format!("{}{}{}", &html[..i], section, &html[i..]),
        None => html + &section,
    }
}
