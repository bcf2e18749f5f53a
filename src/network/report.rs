//! `report.html` of a routed run: the network's page.
//!
//! One self-contained file (inline CSS, script and the balances chart's SVG; nothing fetched):
//! the route hop by hop (each HTLC's amount, expiry and what the offerer keeps, each channel's
//! funding transaction), the chart, a stepper over every BOLT #2 message (the message in the
//! narration's words, every channel's agreed balances after it, each HTLC output with its hash,
//! amount and expiry and where it stands, the transactions signed in that step with their txids
//! and outputs, the secret a revocation handed over, who knows R) and the table of every HTLC.
//! Every word is the network's own ([`super::words`]) in the run's `--lang`; amounts are
//! formatted here from satoshis exactly, so the page's script only shows text. The page claims
//! no close: a routed run broadcasts nothing, and each transaction is labelled as its holder's
//! copy.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use super::flow::Routed;
use super::link::{CommitmentRecord, Link};
use super::narrate::{btc, learned, sentence, via};
use super::words::{say, Word};
use super::Network;
use crate::output::OutputError;
use crate::words::Lang;

/// One channel's balances after a step, as the page shows them.
#[derive(Serialize)]
struct Balance {
    channel: String,
    a: String,
    b: String,
    /// The first node's balance, the HTLCs in flight and the second's, formatted.
    text: [String; 3],
    /// The same in satoshis, for the bar's widths.
    sat: [u64; 3],
    /// Whether this step changed them.
    changed: bool,
}

/// One HTLC as it stands after a step.
#[derive(Serialize)]
struct HtlcNow {
    text: String,
    amount: String,
    status: String,
}

/// One transaction signed or completed in a step.
#[derive(Serialize)]
struct Tx {
    text: String,
    txid: String,
    /// Each output: what it is and its amount.
    outs: Vec<(String, String)>,
}

/// One step of the stepper.
#[derive(Serialize)]
struct Step {
    step: u64,
    /// "Alice → Bob · Alice-Bob · update_add_htlc"; empty for the opening.
    head: String,
    /// The message in words, one line each.
    words: Vec<String>,
    balances: Vec<Balance>,
    htlcs: Vec<HtlcNow>,
    txs: Vec<Tx>,
    revoked: String,
    knows: String,
}

/// The words the page's script shows.
#[derive(Serialize)]
struct ScriptWords {
    position: &'static str,
    opening: &'static str,
    balances: &'static str,
    htlcs: &'static str,
    no_htlc: &'static str,
    txs: &'static str,
    no_tx: &'static str,
    knows: &'static str,
}

#[derive(Serialize)]
struct Data {
    words: ScriptWords,
    steps: Vec<Step>,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Writes `dir/report.html` from the run, with the chart `dir/balances.svg` inlined.
///
/// # Errors
///
/// [`OutputError::Io`] when the chart cannot be read or the page written.
pub fn write(dir: &Path, n: &Network, r: &Routed, lang: Lang) -> Result<(), OutputError> {
    let svg_path = dir.join("balances.svg");
    let svg = std::fs::read_to_string(&svg_path).map_err(|source| OutputError::Io { path: svg_path, source })?;
    let svg = svg.find("<svg").map_or(svg.as_str(), |i| &svg[i..]);
    let mut html = String::with_capacity(svg.len() + 65_536);
    head(&mut html, n, r, lang);
    route(&mut html, n, r, lang);
    let _ = writeln!(html, "<section class=\"chart\">{svg}</section>");
    stepper(&mut html, lang);
    htlc_table(&mut html, n, r, lang);
    let _ = writeln!(html, "<footer>{}</footer>", Word::PageFooter.text(lang));
    let data = Data { words: script_words(lang), steps: (0..r.snapshots.len()).map(|i| step(n, r, i, lang)).collect() };
    let json = serde_json::to_string(&data).expect("the page's data is strings and integers").replace("</", "<\\/");
    let _ = write!(
        html,
        "<script type=\"application/json\" id=\"data\">{json}</script>\n<script>{JS}</script>\n</body>\n</html>\n"
    );
    let path = dir.join("report.html");
    std::fs::write(&path, html).map_err(|source| OutputError::Io { path, source })
}

fn script_words(lang: Lang) -> ScriptWords {
    ScriptWords {
        position: Word::JsPosition.text(lang),
        opening: Word::JsOpening.text(lang),
        balances: Word::JsBalances.text(lang),
        htlcs: Word::JsHtlcs.text(lang),
        no_htlc: Word::JsNoHtlc.text(lang),
        txs: Word::JsTxs.text(lang),
        no_tx: Word::JsNoTx.text(lang),
        knows: Word::JsKnowsR.text(lang),
    }
}

fn head(html: &mut String, n: &Network, r: &Routed, lang: Lang) {
    let title = esc(&say(lang, Word::PageTitle, &[("name", &n.name), ("seed", &n.seed.to_string())]));
    let commitments: usize = r.links.iter().map(|l| l.commitments.len()).sum();
    let htlc_txs: usize = r.links.iter().map(|l| l.htlc_txs.len()).sum();
    let (tag, css) = (lang.html_tag(), lang.pick("", crate::output::report::cjk_css()));
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"{tag}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n\
         <style>{CSS}{css}</style>\n</head>\n<body>\n<header>\n<h1>{title}</h1>\n"
    );
    for (k, p) in n.payments.iter().enumerate() {
        let via = esc(&via(n, k).join(Word::And.text(lang)));
        let args = [
            ("from", esc(&n.nodes[p.from].name)),
            ("to", esc(&n.nodes[p.to].name)),
            ("amount", btc(p.amount)),
            ("via", via),
            ("messages", r.steps.len().to_string()),
            ("commitments", commitments.to_string()),
            ("htlc_txs", htlc_txs.to_string()),
            ("chain", esc(&super::narrate::chain_said(r, lang))),
        ];
        let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        html.push_str(&say(lang, Word::PageLead, &args));
        html.push('\n');
    }
    html.push_str("</header>\n");
}

/// The route of each payment, hop by hop.
fn route(html: &mut String, n: &Network, r: &Routed, lang: Lang) {
    let t = |w: Word| w.text(lang);
    for (k, p) in n.payments.iter().enumerate() {
        let hash = r.htlcs.iter().find(|h| h.payment == k + 1).map(|h| h.payment_hash.to_string()).unwrap_or_default();
        let _ = write!(
            html,
            "<section class=\"route\">\n<h2>{}</h2>\n<p>{}: <span class=\"mono\">{hash}</span></p>\n<table>\n\
             <tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>\n",
            t(Word::PageRoute),
            t(Word::PageHash),
            t(Word::PageHop),
            t(Word::PageChannel),
            t(Word::PageOfferer),
            t(Word::PageReceiver),
            t(Word::PageAmount),
            t(Word::PageExpiry),
            t(Word::PageFee),
            t(Word::PageFunding),
        );
        for (i, h) in p.hops.iter().enumerate() {
            let fee = i.checked_sub(1).and_then(|prev| p.hops[prev].amount.checked_sub(h.amount));
            let link = &r.links[h.channel];
            let _ = writeln!(
                html,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{} \
                 (+{})</td><td class=\"num\">{}</td><td class=\"mono\">{}</td></tr>",
                i + 1,
                esc(&link.name),
                esc(&n.nodes[h.offerer].name),
                esc(&n.nodes[h.receiver].name),
                btc(h.amount),
                crate::units::thousands(u64::from(h.cltv_expiry)),
                h.cltv_expiry.saturating_sub(n.start_height),
                fee.map(btc).unwrap_or_default(),
                link.funding_tx.compute_txid(),
            );
        }
        html.push_str("</table>\n</section>\n");
    }
}

fn stepper(html: &mut String, lang: Lang) {
    let t = |w: Word| w.text(lang);
    let _ = write!(
        html,
        "<section class=\"stepper\" id=\"stepper\">\n<h2>{}</h2>\n<div class=\"controls\">\n\
         <button id=\"first\" title=\"{}\">|◀</button><button id=\"prev\" title=\"{}\">◀</button>\n\
         <input id=\"slider\" type=\"range\" min=\"0\" max=\"0\" value=\"0\" aria-label=\"step\">\n\
         <button id=\"next\" title=\"{}\">▶</button><button id=\"last\" title=\"{}\">▶|</button>\n\
         <span id=\"position\" class=\"position\"></span>\n</div>\n<div id=\"step\"></div>\n</section>\n",
        t(Word::PageSteps),
        t(Word::JsFirst),
        t(Word::JsPrev),
        t(Word::JsNext),
        t(Word::JsLast),
    );
}

/// Every HTLC, as `htlcs.csv` holds it.
fn htlc_table(html: &mut String, n: &Network, r: &Routed, lang: Lang) {
    let t = |w: Word| w.text(lang);
    let _ = write!(
        html,
        "<section class=\"htlcs\">\n<h2>{}</h2>\n<table>\n<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>\
         <th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>\n",
        t(Word::PageHtlcs),
        t(Word::PageChannel),
        t(Word::PageOfferer),
        t(Word::PageReceiver),
        t(Word::PageAmount),
        t(Word::PageExpiry),
        t(Word::PageAdded),
        t(Word::PageCommitted),
        t(Word::PageFulfilled),
        t(Word::PageRemoved),
    );
    let opt = |s: Option<u64>| s.map(|s| s.to_string()).unwrap_or_else(|| "—".into());
    for h in &r.htlcs {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td>\
             <td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&r.links[h.channel].name),
            esc(&n.nodes[h.offerer].name),
            esc(&n.nodes[h.receiver].name),
            btc(h.amount),
            crate::units::thousands(u64::from(h.cltv_expiry)),
            h.added,
            h.committed,
            opt(h.fulfilled),
            opt(h.removed),
        );
    }
    html.push_str("</table>\n</section>\n");
}

/// The stepper's step `i` (0: the opening).
fn step(n: &Network, r: &Routed, i: usize, lang: Lang) -> Step {
    let name = |k: usize| n.nodes[k].name.clone();
    let s = i.checked_sub(1).map(|j| &r.steps[j]);
    let snap = &r.snapshots[i];
    let balances = snap
        .channels
        .iter()
        .enumerate()
        .map(|(c, (b, flight))| Balance {
            channel: r.links[c].name.clone(),
            a: name(r.links[c].nodes[0]),
            b: name(r.links[c].nodes[1]),
            text: [btc(b[0]), btc(*flight), btc(b[1])],
            sat: [b[0].to_sat(), flight.to_sat(), b[1].to_sat()],
            changed: i > 0 && r.snapshots[i - 1].channels[c] != (*b, *flight),
        })
        .collect();
    let at = snap.step;
    let htlcs = r
        .htlcs
        .iter()
        .filter(|h| h.added <= at)
        .map(|h| {
            let status = if h.removed.is_some_and(|x| x <= at) && h.failed.is_some() {
                Word::JsReturned
            } else if h.removed.is_some_and(|x| x <= at) {
                Word::JsRemoved
            } else if h.fulfilled.is_some_and(|x| x <= at) {
                Word::JsRevealed
            } else if h.committed <= at {
                Word::JsInBoth
            } else {
                Word::JsOffered
            };
            let text = say(
                lang,
                Word::JsHtlcOut,
                &[
                    ("offerer", &name(h.offerer)),
                    ("receiver", &name(h.receiver)),
                    ("hash", &h.payment_hash.to_string()),
                    ("expiry", &crate::units::thousands(u64::from(h.cltv_expiry))),
                ],
            );
            HtlcNow {
                text: format!("{} · {text}", r.links[h.channel].name),
                amount: btc(h.amount),
                status: status.text(lang).into(),
            }
        })
        .collect();
    let (head, words, txs, revoked) = match s {
        None => (String::new(), vec![Word::JsOpening.text(lang).to_string()], Vec::new(), String::new()),
        Some(s) => {
            let link = &r.links[s.channel];
            let head = format!("{} → {} · {} · {}", name(s.from), name(s.to), link.name, s.message);
            let words = sentence(n, r, s, lang).lines().map(|l| l.trim().to_string()).collect();
            (head, words, txs(n, link, s.step, lang), revoked(n, link, s, lang))
        }
    };
    let mut knows: Vec<(String, u64)> = n.payments.iter().map(|p| (name(p.to), 0)).collect();
    for k in 0..n.payments.len() {
        knows.extend(learned(r, k + 1).into_iter().map(|(who, step)| (name(who), step)));
    }
    let mut seen = std::collections::BTreeSet::new();
    let knows: Vec<String> =
        knows.into_iter().filter(|(_, step)| *step <= at).map(|(w, _)| w).filter(|w| seen.insert(w.clone())).collect();
    Step { step: at, head, words, balances, htlcs, txs, revoked, knows: knows.join(Word::And.text(lang)) }
}

/// The transactions `link` signed or completed in `step`: commitments as their holders keep them,
/// each output decoded, and HTLC transactions.
fn txs(n: &Network, link: &Link, step: u64, lang: Lang) -> Vec<Tx> {
    let name = |side: usize| n.nodes[link.nodes[side]].name.clone();
    let mut out = Vec::new();
    for c in link.commitments.iter().filter(|c| c.step == step) {
        let text = say(
            lang,
            Word::JsCommitment,
            &[("holder", &name(c.holder)), ("number", &c.number.to_string()), ("signer", &name(1 - c.holder))],
        );
        out.push(Tx { text, txid: c.tx.compute_txid().to_string(), outs: outputs(n, link, c, lang) });
    }
    for t in link.htlc_txs.iter().filter(|t| t.step == step) {
        let text = say(
            lang,
            Word::JsHtlcTx,
            &[
                ("holder", &name(t.holder)),
                ("kind", t.kind),
                ("vout", &t.output.vout.to_string()),
                ("amount", &btc(t.output.amount)),
                ("number", &t.number.to_string()),
            ],
        );
        // BOLT #3: an HTLC transaction's one output is the holder's, delayed, or revocable.
        let delay = link.to_self_delay.to_string();
        let who = say(lang, Word::JsSecondStage, &[("who", &name(t.holder)), ("delay", &delay)]);
        let outs = t.tx.output.iter().enumerate().map(|(i, o)| (format!("#{i} {who}"), btc(o.value))).collect();
        out.push(Tx { text, txid: t.tx.compute_txid().to_string(), outs });
    }
    out
}

/// Each output of commitment `c`: an HTLC output (known by the HTLC transactions that spend it),
/// `to_remote` (the only P2WPKH) or `to_local`.
fn outputs(n: &Network, link: &Link, c: &CommitmentRecord, lang: Lang) -> Vec<(String, String)> {
    let name = |side: usize| n.nodes[link.nodes[side]].name.clone();
    let htlc_at = |vout: usize| {
        link.htlc_txs.iter().find(|t| t.holder == c.holder && t.number == c.number && t.output.vout as usize == vout)
    };
    let unmapped_htlcs =
        c.state.htlcs.len() > link.htlc_txs.iter().filter(|t| t.holder == c.holder && t.number == c.number).count();
    c.tx.output
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let what = if let Some(t) = htlc_at(i) {
                let live = c.state.htlcs.iter().find(|h| h.payment_hash == t.payment_hash);
                match live {
                    Some(h) => say(
                        lang,
                        Word::JsHtlcOut,
                        &[
                            ("offerer", &name(h.offerer)),
                            ("receiver", &name(1 - h.offerer)),
                            ("hash", &h.payment_hash.to_string()),
                            ("expiry", &crate::units::thousands(u64::from(h.cltv_expiry))),
                        ],
                    ),
                    None => format!("HTLC {}", t.payment_hash),
                }
            } else if o.script_pubkey.is_p2wpkh() {
                say(lang, Word::JsToRemote, &[("who", &name(1 - c.holder))])
            } else if !unmapped_htlcs && o.value <= c.state.balances[c.holder] {
                say(lang, Word::JsToLocal, &[("who", &name(c.holder)), ("delay", &link.to_self_delay.to_string())])
            } else {
                "P2WSH".to_string()
            };
            (format!("#{i} {what}"), btc(o.value))
        })
        .collect()
}

/// The secret a `revoke_and_ack` handed over, and whose commitment it revoked.
fn revoked(n: &Network, link: &Link, s: &super::flow::Step, lang: Lang) -> String {
    if s.message != "revoke_and_ack" {
        return String::new();
    }
    let Some(side) = link.nodes.iter().position(|&k| k == s.from) else { return String::new() };
    let revoked = link
        .commitments
        .iter()
        .filter(|c| c.holder == side)
        .filter_map(|c| c.revoked_by.map(|secret| (c.number, secret)))
        .find(|(number, _)| s.detail.ends_with(&format!("commitment {number}")));
    match revoked {
        Some((number, secret)) => say(
            lang,
            Word::JsRevokes,
            &[
                ("holder", &n.nodes[s.from].name),
                ("number", &number.to_string()),
                ("secret", &secret.iter().map(|b| format!("{b:02x}")).collect::<String>()),
            ],
        ),
        None => String::new(),
    }
}

const CSS: &str = include_str!("report.css");
const JS: &str = include_str!("report.js");
