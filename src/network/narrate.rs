//! The routed payment told step by step (`paychan run NETWORK --narrate`), in `--lang`.
//!
//! Told from what the run did, after it: each BOLT #2 message of [`Routed::steps`], the HTLC it
//! added or settled from [`Routed::htlcs`], the commitments it signed from each link's records,
//! every channel's agreed balances each time they change ([`Routed::snapshots`]), and who learns
//! the preimage R at which step. Nothing is broadcast in a routed run, and the narration says so.

use bitcoin::{Amount, Denomination};

use super::flow::{HtlcRecord, Routed, Step};
use super::words::{say, Word};
use super::Network;
use crate::words::Lang;

/// An amount as the narration writes it, exactly: "1.003 BTC".
pub(crate) fn btc(a: Amount) -> String {
    crate::units::format_amount(a, Denomination::Bitcoin)
}

/// The names of `nodes`, joined in `lang`.
fn join(lang: Lang, names: impl IntoIterator<Item = String>) -> String {
    names.into_iter().collect::<Vec<_>>().join(Word::And.text(lang))
}

/// The intermediaries of payment `k`: every node of its route but the ends.
pub(crate) fn via(n: &Network, k: usize) -> Vec<String> {
    let p = &n.payments[k];
    p.hops.iter().skip(1).map(|h| n.nodes[h.offerer].name.clone()).collect()
}

/// The number after `word ` in `detail` (the step's detail as `flow` writes it).
fn number_after(detail: &str, word: &str) -> Option<u64> {
    let at = detail.find(word)? + word.len();
    detail[at..].split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

/// The whole narration of the run, in `lang`; `dir` is the folder the run wrote.
pub fn narrate(n: &Network, r: &Routed, dir: &std::path::Path, lang: Lang) -> String {
    let mut out = String::new();
    let name = |k: usize| n.nodes[k].name.as_str();
    for (k, p) in n.payments.iter().enumerate() {
        let via = join(lang, via(n, k));
        let args = [
            ("name", n.name.as_str()),
            ("seed", &n.seed.to_string()),
            ("from", name(p.from)),
            ("to", name(p.to)),
            ("amount", &btc(p.amount)),
            ("via", &via),
        ];
        out += &say(lang, Word::Title, &args);
        out.push('\n');
    }
    out += &say(lang, Word::NothingOnChain, &[]);
    out.push('\n');
    for l in &r.links {
        let [a, b] = l.nodes;
        let args = [
            ("channel", l.name.as_str()),
            ("funder", name(l.nodes[l.funder])),
            ("capacity", &btc(l.capacity)),
            ("a", name(a)),
            ("a_bal", &btc(r.snapshots[0].channels[index(r, l)].0[0])),
            ("b", name(b)),
            ("b_bal", &btc(r.snapshots[0].channels[index(r, l)].0[1])),
            ("txid", &l.funding_tx.compute_txid().to_string()),
        ];
        out += &say(lang, Word::Channel, &args);
        out.push('\n');
    }
    for (k, p) in n.payments.iter().enumerate() {
        if let Some(h) = r.htlcs.iter().find(|h| h.payment == k + 1) {
            let args = [("from", name(p.from)), ("to", name(p.to)), ("hash", &h.payment_hash.to_string())];
            out += &say(lang, Word::Secret, &args);
            out.push('\n');
        }
        out += Word::Route.text(lang);
        out.push('\n');
        for (i, h) in p.hops.iter().enumerate() {
            let args: [(&str, &str); 6] = [
                ("hop", &(i + 1).to_string()),
                ("offerer", name(h.offerer)),
                ("receiver", name(h.receiver)),
                ("amount", &btc(h.amount)),
                ("expiry", &h.cltv_expiry.to_string()),
                ("blocks", &h.cltv_expiry.saturating_sub(n.start_height).to_string()),
            ];
            out += &say(lang, Word::Hop, &args);
            if let Some(fee) = i.checked_sub(1).and_then(|prev| p.hops[prev].amount.checked_sub(h.amount)) {
                out += &say(lang, Word::HopFee, &[("offerer", name(h.offerer)), ("fee", &btc(fee))]);
            }
            out.push('\n');
        }
    }
    out += Word::Messages.text(lang);
    out.push('\n');
    let width = r.links.iter().map(|l| l.name.chars().count()).max().unwrap_or(0);
    for (i, s) in r.steps.iter().enumerate() {
        out += &tell_step(n, r, s, width, lang);
        out.push('\n');
        // The agreed balances, each time they change.
        if r.snapshots.get(i + 1).map(|x| &x.channels) != r.snapshots.get(i).map(|x| &x.channels) {
            out += &balances(n, r, i + 1, lang);
            out.push('\n');
        }
    }
    out += &the_end(n, r, dir, lang);
    out
}

fn index(r: &Routed, l: &super::link::Link) -> usize {
    r.links.iter().position(|x| std::ptr::eq(x, l)).expect("a link of the run")
}

/// One message in words after its step's head, and what it did to its HTLC.
fn tell_step(n: &Network, r: &Routed, s: &Step, width: usize, lang: Lang) -> String {
    let name = |k: usize| n.nodes[k].name.as_str();
    let (step, channel) = (format!("{:>2}", s.step), format!("{:<width$}", r.links[s.channel].name));
    let head = say(
        lang,
        Word::StepHead,
        &[("step", &step), ("channel", &channel), ("from", name(s.from)), ("to", name(s.to))],
    );
    head + &sentence(n, r, s, lang)
}

/// One message in words, and what it did to its HTLC (each on a line of its own).
pub(crate) fn sentence(n: &Network, r: &Routed, s: &Step, lang: Lang) -> String {
    let name = |k: usize| n.nodes[k].name.as_str();
    let link = &r.links[s.channel];
    let mut out = String::new();
    let (from, to) = (name(s.from), name(s.to));
    let htlc_added = r.htlcs.iter().find(|h| h.added == s.step);
    let htlc_fulfilled = r.htlcs.iter().find(|h| h.fulfilled == Some(s.step));
    let number = link.commitments.iter().find(|c| c.step == s.step).map(|c| c.number);
    let text = match s.message {
        "funding_created" => say(lang, Word::FundingCreated, &[("from", from), ("to", to)]),
        "funding_signed" => say(lang, Word::FundingSigned, &[("from", from), ("to", to)]),
        "update_add_htlc" => match htlc_added {
            Some(h) => say(
                lang,
                Word::AddHtlc,
                &[("from", from), ("to", to), ("amount", &btc(h.amount)), ("expiry", &h.cltv_expiry.to_string())],
            ),
            None => format!("{}: {}", s.message, s.detail),
        },
        "commitment_signed" => {
            let htlcs = number_after(&s.detail, " with ");
            match (number.or_else(|| number_after(&s.detail, "commitment ")), htlcs) {
                (Some(number), Some(0)) => say(
                    lang,
                    Word::CommitmentSignedNoHtlc,
                    &[("from", from), ("to", to), ("number", &number.to_string())],
                ),
                (Some(number), Some(htlcs)) => say(
                    lang,
                    Word::CommitmentSigned,
                    &[("from", from), ("to", to), ("number", &number.to_string()), ("htlcs", &htlcs.to_string())],
                ),
                _ => format!("{}: {}", s.message, s.detail),
            }
        }
        "revoke_and_ack" => match number_after(&s.detail, "revokes commitment ") {
            Some(number) => say(lang, Word::RevokeAndAck, &[("from", from), ("number", &number.to_string())]),
            None => format!("{}: {}", s.message, s.detail),
        },
        "update_fulfill_htlc" if htlc_fulfilled.is_some() => say(lang, Word::Fulfill, &[("from", from), ("to", to)]),
        "update_fail_htlc" => say(lang, Word::Fail, &[("from", from), ("to", to), ("why", &why(&s.detail, lang))]),
        _ => format!("{}: {}", s.message, s.detail),
    };
    out += &text;
    if let Some(h) = r.htlcs.iter().find(|h| h.committed == s.step) {
        out.push('\n');
        out += &say(
            lang,
            Word::Committed,
            &[
                ("amount", &btc(h.amount)),
                ("channel", &link.name),
                ("offerer", name(h.offerer)),
                ("expiry", &h.cltv_expiry.to_string()),
            ],
        );
    }
    if let Some(h) = r.htlcs.iter().find(|h| h.removed == Some(s.step)) {
        out.push('\n');
        out += &match h.failed {
            Some(_) => say(
                lang,
                Word::Returned,
                &[("amount", &btc(h.amount)), ("channel", &link.name), ("offerer", name(h.offerer))],
            ),
            None => say(
                lang,
                Word::Settled,
                &[("amount", &btc(h.amount)), ("channel", &link.name), ("receiver", name(h.receiver))],
            ),
        };
    }
    out
}

/// Why an HTLC was failed, in `lang`, read from the reason the flow gave with update_fail_htlc.
fn why(detail: &str, lang: Lang) -> String {
    if detail.starts_with("the next hop's HTLC failed") {
        say(lang, Word::WhyFailed, &[])
    } else if let Some(height) = detail.strip_prefix("the next hop's HTLC timed out on chain at height ") {
        say(lang, Word::WhyTimedOut, &[("height", height)])
    } else if detail.starts_with("the next hop could not be offered") {
        say(lang, Word::WhyNotOffered, &[])
    } else {
        detail.to_string()
    }
}

/// What the run put on the simulated chain, in one sentence: the fundings' block, and what was
/// broadcast after them (or that nothing was and no channel closed).
pub(crate) fn chain_said(r: &Routed, lang: Lang) -> String {
    use super::onchain::Status;
    let height = r
        .chain
        .iter()
        .find_map(|b| match (b.kind, &b.status) {
            ("funding", Status::Confirmed(h)) => Some(*h),
            _ => None,
        })
        .unwrap_or_default()
        .to_string();
    let after: Vec<_> = r.chain.iter().filter(|b| b.kind != "funding").collect();
    if after.is_empty() {
        return say(lang, Word::ChainFundingsOnly, &[("height", &height)]);
    }
    let confirmed: Vec<u32> = after
        .iter()
        .filter_map(|b| match b.status {
            Status::Confirmed(h) => Some(h),
            _ => None,
        })
        .collect();
    let refused = after.iter().filter(|b| matches!(b.status, Status::Rejected)).count();
    let first = after.iter().map(|b| b.broadcast_height + 1).min().unwrap_or_default();
    let last = confirmed.iter().copied().max().unwrap_or(first);
    let args = [
        ("height", height.as_str()),
        ("count", &after.len().to_string()),
        ("confirmed", &confirmed.len().to_string()),
        ("refused", &refused.to_string()),
        ("first", &first.to_string()),
        ("last", &last.to_string()),
    ];
    say(lang, Word::ChainBroadcasts, &args)
}

/// Every channel's agreed balances after snapshot `at`, a line a channel, the ones that changed
/// marked.
fn balances(n: &Network, r: &Routed, at: usize, lang: Lang) -> String {
    let mut out = say(lang, Word::Balances, &[("step", &r.snapshots[at].step.to_string())]);
    let width = r.links.iter().map(|l| l.name.chars().count()).max().unwrap_or(0);
    for (c, (b, flight)) in r.snapshots[at].channels.iter().enumerate() {
        let [x, y] = r.links[c].nodes;
        out.push('\n');
        out += &say(
            lang,
            Word::ChannelBalance,
            &[
                ("channel", &format!("{:<width$}", r.links[c].name)),
                ("a", &n.nodes[x].name),
                ("a_bal", &btc(b[0])),
                ("flight", &btc(*flight)),
                ("b", &n.nodes[y].name),
                ("b_bal", &btc(b[1])),
            ],
        );
        if at > 0 && r.snapshots[at - 1].channels[c] != (*b, *flight) {
            out += Word::Changed.text(lang);
        }
    }
    out
}

/// Who learned R at which step: each HTLC's offerer, when its receiver fulfilled it.
pub(crate) fn learned(r: &Routed, payment: usize) -> Vec<(usize, u64)> {
    let mut out: Vec<(usize, u64)> = r
        .htlcs
        .iter()
        .filter(|h: &&HtlcRecord| h.payment == payment)
        .filter_map(|h| h.fulfilled.map(|s| (h.offerer, s)))
        .collect();
    out.sort_by_key(|&(_, s)| s);
    out
}

/// The balances at the end, who gained what, who learned R when, and that nothing closed.
fn the_end(n: &Network, r: &Routed, dir: &std::path::Path, lang: Lang) -> String {
    let name = |k: usize| n.nodes[k].name.as_str();
    let mut out = Word::End.text(lang).to_string();
    out.push('\n');
    for l in &r.links {
        let [a, b] = l.nodes;
        let args = [
            ("channel", l.name.as_str()),
            ("a", name(a)),
            ("a_bal", &btc(l.agreed.balances[0])),
            ("b", name(b)),
            ("b_bal", &btc(l.agreed.balances[1])),
        ];
        out += &say(lang, Word::EndChannel, &args);
        out.push('\n');
    }
    for (k, p) in n.payments.iter().enumerate() {
        let paid = p.hops.first().map_or(Amount::ZERO, |h| h.amount);
        let fees: Vec<Amount> = p.hops.windows(2).filter_map(|w| w[0].amount.checked_sub(w[1].amount)).collect();
        let all_fulfilled = r.htlcs.iter().filter(|h| h.payment == k + 1).all(|h| h.resolution == "fulfilled");
        if all_fulfilled && !fees.is_empty() && fees.iter().all(|f| *f == fees[0]) {
            let args = [
                ("from", name(p.from)),
                ("paid", &btc(paid)),
                ("to", name(p.to)),
                ("amount", &btc(p.amount)),
                ("names", &join(lang, via(n, k))),
                ("fee", &btc(fees[0])),
            ];
            out += &say(lang, Word::Gains, &args);
            out.push('\n');
        }
        let list = learned(r, k + 1)
            .into_iter()
            .map(|(who, step)| say(lang, Word::LearnedAt, &[("who", name(who)), ("step", &step.to_string())]));
        let list: Vec<String> = list.collect();
        out += &if list.is_empty() {
            say(lang, Word::LearnedNobody, &[("to", name(p.to))])
        } else {
            say(lang, Word::LearnedR, &[("to", name(p.to)), ("list", &join(lang, list))])
        };
        out.push('\n');
    }
    for (c, l) in r.links.iter().enumerate() {
        if let Some(got) = super::onchain::received(l, &r.chain, c) {
            let [a, b] = l.nodes;
            let args = [
                ("channel", l.name.as_str()),
                ("a", name(a)),
                ("a_got", &btc(got[0])),
                ("b", name(b)),
                ("b_got", &btc(got[1])),
            ];
            out += &say(lang, Word::ClosedOnChain, &args);
            out.push('\n');
        }
    }
    out += &chain_said(r, lang);
    out.push('\n');
    out += &say(lang, Word::NoClose, &[("dir", &dir.display().to_string())]);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_from_the_details_flow_writes() {
        assert_eq!(number_after("commitment 1 with 1 HTLC signatures", " with "), Some(1));
        assert_eq!(number_after("commitment 12 with 0 HTLC signatures", "commitment "), Some(12));
        assert_eq!(number_after("revokes commitment 3", "revokes commitment "), Some(3));
        assert_eq!(number_after("nothing", " with "), None);
    }
}
