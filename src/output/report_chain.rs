//! The report page's section on the simulated chain: what each party broadcast, which
//! broadcast the chain refused and why, what confirmed when, the outcome chart and the verdict.
//!
//! Kept apart from `report.rs` so the page's main part can change on its own; it is built from
//! the run's files (`summary.json`, `chain.csv`, `outcome.svg`) like the rest of the page.

use std::fmt::Write as _;
use std::path::Path;

use super::chain::ChainRow;
use super::Summary;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn group(n: u64) -> String {
    crate::units::thousands(n)
}

/// The section's HTML, or an empty string for a run without a chain (or without its files).
pub fn section(dir: &Path, s: &Summary) -> String {
    let (Some(chain), Some(outcome)) = (&s.chain, &s.outcome) else { return String::new() };
    let Ok(mut reader) = csv::Reader::from_path(dir.join("chain.csv")) else { return String::new() };
    let rows: Vec<ChainRow> = reader.deserialize().filter_map(Result::ok).collect();
    let svg = std::fs::read_to_string(dir.join("outcome.svg")).unwrap_or_default();
    let svg = svg.find("<svg").map_or("", |i| &svg[i..]);
    let mut html = String::new();
    let _ = write!(
        html,
        r#"<section class="card chain" id="chain">
<h2>On the chain: the {design} design</h2>
<p>The funding confirms at height {start}; a block every {interval} s; nothing more can happen after height {end}.</p>
<p><strong>{verdict}</strong></p>
<table class="chain-table">
<thead><tr><th>broadcast by</th><th>what</th><th>at</th><th>status</th><th>why it was refused first</th></tr></thead>
<tbody>
"#,
        design = esc(&s.design),
        start = group(u64::from(chain.start_height)),
        interval = chain.block_interval_s,
        end = group(u64::from(chain.end_height)),
        verdict = esc(&outcome.verdict),
    );
    for r in &rows {
        let status = match (r.status.as_str(), r.confirmed_height) {
            ("confirmed", Some(h)) => format!("confirmed at height {}", group(u64::from(h))),
            (other, _) => other.to_string(),
        };
        let _ = writeln!(
            html,
            r#"<tr><td>{by}</td><td>{kind} <span class="mono">{txid}</span></td><td>{t} s, height {h}</td><td>{status}</td><td>{reason}</td></tr>"#,
            by = esc(&r.broadcast_by),
            kind = esc(&r.kind),
            txid = esc(&r.txid[..16.min(r.txid.len())]),
            t = group(r.broadcast_s),
            h = group(u64::from(r.broadcast_height)),
            status = esc(&status),
            reason = esc(&r.reason),
        );
    }
    let _ = write!(
        html,
        r#"</tbody>
</table>
<p>{payer}: owed {po} sat, received {pr} sat. {payee}: owed {qo} sat, received {qr} sat.</p>
<div class="chart">{svg}</div>
</section>
"#,
        payer = esc(&s.payer.name),
        po = group(outcome.payer.owed_sat),
        pr = group(outcome.payer.received_sat),
        payee = esc(&s.payee.name),
        qo = group(outcome.payee.owed_sat),
        qr = group(outcome.payee.received_sat),
    );
    html
}

/// `html` with the chain's section inserted before the page's footer (unchanged without a chain).
pub fn insert(dir: &Path, s: &Summary, html: String) -> String {
    let section = section(dir, s);
    if section.is_empty() {
        return html;
    }
    match html.rfind("<footer>") {
        Some(i) => format!("{}{}{}", &html[..i], section, &html[i..]),
        None => html + &section,
    }
}
