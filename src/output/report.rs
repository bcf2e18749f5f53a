//! `report.html`: the channel a class can step through, from funding to settlement.
//!
//! Figure 14-3 of the book shows the funding output, a row of commitments whose balance slides
//! from Emma to Fabian, and the settlement. The report is that figure made of the run's real
//! transactions: one self-contained HTML file (inline CSS, JS and SVG, nothing fetched) with the
//! parties and their keys, the funding transaction, the balance chart, and a stepper over the
//! commitments that shows each one decoded — the input spending the funding output, the two
//! outputs and their owners, the witness with Emma's and Fabian's signatures labelled, and the
//! witness script. A run builds it in one pass as the commitments stream past ([`ReportBuilder`]:
//! each step is decoded from the signed commitment the CSV row is written from, and kept only if
//! the page shows it), then takes the header from `summary.json` and the chart from
//! `balance.svg`; [`write_report`] builds the same page from the output files alone, byte for
//! byte, as `paychan verify` reads them. A run of more than [`MAX_STEPS`] commitments is sampled,
//! and the page says so.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use bitcoin::consensus::encode::deserialize_hex;
use bitcoin::secp256k1::PublicKey;
use bitcoin::{ScriptBuf, Transaction};
use serde::Serialize;

use super::plain::{push_hex, push_u64, Plain};
use super::summary::{PartyJson as Party, Summary};
use super::LogRow as Row;
use crate::channel::DesignRef;
use crate::engine::{Channel, Ledger, RunReport, Tick};
use crate::party::SignedCommitment;
use crate::scenario::Scenario;
use crate::words::{say, Lang, Msg};

/// The most commitments the report embeds; above this it samples evenly.
pub const MAX_STEPS: u64 = 5_000;

/// The report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file could not be read or written.
    #[error("cannot {action} {path}")]
    Io {
        /// "read" or "write".
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// summary.json or commitments.csv is not what paychan writes.
    #[error("{path} is not in paychan's format: {detail}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// The run signed another number of commitments than the ledger planned, so the sample the
    /// report kept as they streamed past is not the one it would take from the files: a bug.
    #[error("the report sampled {planned} planned commitments but the run signed {signed}")]
    Plan {
        /// What the ledger planned.
        planned: u64,
        /// What the run signed.
        signed: u64,
    },
}

/// One step of the stepper, as the page's script reads it.
#[derive(Serialize)]
struct Step {
    seq: u64,
    clock: u64,
    elapsed: u64,
    segment: u64,
    rate: u64,
    payer: u64,
    payee: u64,
    fee: u64,
    trimmed: String,
    txid: String,
    vsize: u64,
    /// The witness items before the script, in order (hex; an empty slot is ""); none without
    /// hex.
    wit: Vec<String>,
    /// Each output: [owner, sat].
    outs: Vec<(String, u64)>,
    /// The transaction's lock time.
    lock: u64,
    /// The holder's per-commitment point of the state, hex ("" in designs without).
    point: String,
    /// The secret of the holder's previous state handed over in this step, hex ("" if none).
    secret: String,
}

/// Everything the page's script needs, embedded once.
#[derive(Serialize)]
struct Data<'a> {
    scenario: &'a str,
    unit: &'a str,
    sat_per_unit: u64,
    capacity: u64,
    payer: &'a str,
    payee: &'a str,
    /// What each witness item is, the script last, in the design's words.
    witness_labels: Vec<String>,
    /// What happens to each commitment after the payer signs it, in the design's words.
    step_words: String,
    /// What a commitment's lock time means, with `{lock}` and `{next}`; "" when nothing.
    lock_words: &'a str,
    funding_outpoint: String,
    witness_script: &'a str,
    total: u64,
    /// Last, so the steps, serialized one by one as they are kept, are spliced in after it.
    steps: [(); 0],
}

fn read(path: &Path) -> Result<String, ReportError> {
    fs::read_to_string(path).map_err(|source| ReportError::Io { action: "read", path: path.to_path_buf(), source })
}

fn format_err(path: &Path, detail: impl ToString) -> ReportError {
    ReportError::Format { path: path.to_path_buf(), detail: detail.to_string() }
}

/// Which commitment numbers of `total` the report embeds: all of them up to [`MAX_STEPS`], else an
/// even sample that always holds the first, the last and the first of every segment.
fn wanted(seq: u64, total: u64, segment_starts: &[u64]) -> bool {
    if total <= MAX_STEPS {
        return true;
    }
    let stride = total.div_ceil(MAX_STEPS - 2 - segment_starts.len() as u64).max(1);
    seq == 1 || seq == total || (seq - 1) % stride == 0 || segment_starts.contains(&seq)
}

/// The steps a report shows, serialized as they are kept: the JSON objects of [`Step`] joined by
/// commas, in order.
#[derive(Debug, Default)]
pub(crate) struct Steps {
    json: Vec<u8>,
    /// Whether a `<` may be in `json`: only a free-text name (or, in a CSV edited by hand, any
    /// text cell) can bring one.
    pub(crate) markup: bool,
}

impl Steps {
    /// Appends `step`, serialized by serde_json: the steps read back from the files.
    fn push(&mut self, step: &Step) {
        if !self.json.is_empty() {
            self.json.push(b',');
        }
        let start = self.json.len();
        serde_json::to_writer(&mut self.json, step).expect("a step has only strings and integers");
        self.markup |= self.json[start..].contains(&b'<');
    }

    /// Appends `step`, written by hand: the bytes [`Steps::push`] writes for the [`Step`] that
    /// [`decode`] and the same values make (a test holds them equal), without serde_json's scan of
    /// every character of the hex for one to escape, and without a `String` a field.
    fn push_signed(&mut self, step: &SignedStep<'_>, owners: &Owners<'_>) {
        let SignedStep {
            seq,
            clock,
            elapsed,
            segment,
            rate,
            payer,
            payee,
            fee,
            trimmed,
            txid,
            vsize,
            tx,
            lock,
            point,
            secret,
        } = *step;
        self.markup |= owners.markup;
        let out = &mut self.json;
        if !out.is_empty() {
            out.push(b',');
        }
        push_number(out, b"{\"seq\":", seq);
        push_number(out, b",\"clock\":", clock);
        push_number(out, b",\"elapsed\":", elapsed);
        push_number(out, b",\"segment\":", segment);
        push_number(out, b",\"rate\":", rate);
        push_number(out, b",\"payer\":", payer);
        push_number(out, b",\"payee\":", payee);
        push_number(out, b",\"fee\":", fee);
        push_text(out, b",\"trimmed\":", trimmed);
        push_text(out, b",\"txid\":", txid);
        push_number(out, b",\"vsize\":", vsize);
        out.extend_from_slice(b",\"wit\":[");
        if let Some(tx) = tx {
            push_witness(out, tx);
        }
        out.extend_from_slice(b"],\"outs\":[");
        if let Some(tx) = tx {
            push_outs(out, tx, owners);
        }
        out.push(b']');
        push_number(out, b",\"lock\":", lock);
        push_text(out, b",\"point\":", point);
        push_text(out, b",\"secret\":", secret);
        out.push(b'}');
    }
}

/// Appends `key` (the JSON before a value, such as `,"seq":`) and `n`. The key's length is part
/// of its type, so copying it is a few moves rather than a call.
fn push_number<const N: usize>(out: &mut Vec<u8>, key: &[u8; N], n: u64) {
    out.extend_from_slice(key);
    push_u64(n, out);
}

/// Appends `key` (as in [`push_number`]) and `text` as a JSON string.
fn push_text<const N: usize>(out: &mut Vec<u8>, key: &[u8; N], text: Plain<'_>) {
    out.extend_from_slice(key);
    out.push(b'"');
    text.push(out);
    out.push(b'"');
}

/// Appends the witness items of `tx` before its script as [`decode`] takes them, as JSON strings
/// of hex joined by commas.
fn push_witness(out: &mut Vec<u8>, tx: &Transaction) {
    let w = &tx.input[0].witness;
    for (i, item) in w.iter().take(w.len().saturating_sub(1)).enumerate() {
        out.extend_from_slice(if i == 0 { b"\"" } else { b",\"" });
        Plain::Hex(item).push(out);
        out.push(b'"');
    }
}

/// Appends the outputs of `tx` as [`decode`] gives them, each `[owner, sat]`, joined by commas.
fn push_outs(out: &mut Vec<u8>, tx: &Transaction, owners: &Owners<'_>) {
    for (i, o) in tx.output.iter().enumerate() {
        out.extend_from_slice(if i == 0 { b"[" } else { b",[" });
        let value = o.value.to_sat();
        let owner = owner_of(o.script_pubkey.as_bytes(), value, owners.scripts, owners.amounts);
        out.extend_from_slice(owner.map_or(UNKNOWN_JSON, |i| owners.json[i]));
        out.push(b',');
        push_u64(value, out);
        out.push(b']');
    }
}

/// A step read off a signed commitment, as [`Steps::push_signed`] writes it: [`Step`]'s values,
/// its strings plain hex or words, its signatures and outputs still in the transaction.
#[derive(Clone, Copy)]
struct SignedStep<'a> {
    seq: u64,
    clock: u64,
    elapsed: u64,
    segment: u64,
    rate: u64,
    payer: u64,
    payee: u64,
    fee: u64,
    trimmed: Plain<'a>,
    txid: Plain<'a>,
    vsize: u64,
    /// The signed transaction, when the page shows its signatures and outputs.
    tx: Option<&'a Transaction>,
    /// Its lock time.
    lock: u64,
    /// The holder's per-commitment point, hex, or an empty word.
    point: Plain<'a>,
    /// The revealed secret, hex, or an empty word.
    secret: Plain<'a>,
}

/// What names the outputs' owners in [`Steps::push_signed`]: the payer's and the payee's payout
/// scripts, their names as JSON strings (serialized once, by serde_json, since a name is free
/// text), and the amounts the state owes each.
struct Owners<'a> {
    scripts: [&'a [u8]; 2],
    json: [&'a [u8]; 2],
    amounts: (u64, u64),
    /// Whether a `<` is in either name.
    markup: bool,
}

/// The owner of an output none of the parties is known to own, as a JSON string.
const UNKNOWN_JSON: &[u8] = b"\"unknown\"";

/// The owner of an output, 0 for the payer and 1 for the payee: by its payout script (`scripts`:
/// the payer's, the payee's); an output to another script (the revocable design's delayed
/// `to_local`, a key derived per commitment) by the amount the state owes each party (`amounts`:
/// the payer's, the payee's); else `None` ("unknown").
fn owner_of(script: &[u8], value: u64, scripts: [&[u8]; 2], amounts: (u64, u64)) -> Option<usize> {
    if let Some(i) = scripts.iter().position(|s| *s == script) {
        return Some(i);
    }
    match value {
        v if v == amounts.1 => Some(1),
        v if v == amounts.0 => Some(0),
        _ => None,
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len() * 2);
    push_hex(bytes, &mut out);
    String::from_utf8(out).expect("hex digits are ASCII")
}

/// The witness items of `tx` before its script (its first input's) and its outputs with their
/// owners.
fn decode(tx: &Transaction, names: [(&[u8], &str); 2], amounts: (u64, u64)) -> (Vec<String>, Vec<(String, u64)>) {
    let w = &tx.input[0].witness;
    let items: Vec<String> = w.iter().take(w.len().saturating_sub(1)).map(hex).collect();
    let outs = tx.output.iter().map(|o| {
        let value = o.value.to_sat();
        let owner = owner_of(o.script_pubkey.as_bytes(), value, [names[0].0, names[1].0], amounts);
        (owner.map_or("unknown", |i| names[i].1).to_string(), value)
    });
    (items, outs.collect())
}

/// `report.html` built as the commitments stream past: one pass, and memory for the steps the page
/// shows only.
///
/// Which commitments a long run's page shows depends on how many there are and where each segment
/// starts; the ledger knows both before anything is signed (it is the engine's own walk, pure
/// arithmetic), so the builder walks it once at the start when the schedule is longer than
/// [`MAX_STEPS`] and keeps exactly the commitments [`write_report`] would pick from the CSV.
#[derive(Debug)]
pub struct ReportBuilder {
    /// The number of commitments and the segments' first ones, when the page samples.
    plan: Option<(u64, Vec<u64>)>,
    with_hex: bool,
    interval_s: u64,
    /// The payer's and the payee's payout scripts, set when the channel opens.
    scripts: [ScriptBuf; 2],
    /// The payer's and the payee's names as JSON strings.
    names_json: [Vec<u8>; 2],
    /// Whether a `<` is in either name.
    names_markup: bool,
    steps: Steps,
    design: DesignRef,
    copies: for<'a> fn(&dyn crate::channel::Design, &'a SignedCommitment) -> crate::party::Copies<'a>,
    lang: Lang,
}

impl ReportBuilder {
    /// A builder for a run of `scenario`, whose CSV has the `tx_hex` column filled if `with_hex`
    /// (without it the page shows no signatures or outputs, as when built from such a CSV), its
    /// words in `lang`.
    pub fn new(scenario: &Scenario, with_hex: bool, lang: Lang) -> ReportBuilder {
        let interval = scenario.interval_s.max(1);
        let scheduled: u64 = scenario.segments.iter().filter(|s| !s.is_pause()).map(|s| s.duration_s / interval).sum();
        let plan = (scheduled > MAX_STEPS).then(|| {
            let (mut total, mut starts, mut last) = (0, Vec::new(), None);
            for entry in Ledger::new(scenario) {
                total += 1;
                if last != Some(entry.tick.segment) {
                    starts.push(entry.tick.seq);
                    last = Some(entry.tick.segment);
                }
            }
            (total, starts)
        });
        ReportBuilder {
            plan,
            with_hex,
            interval_s: interval,
            scripts: [ScriptBuf::new(), ScriptBuf::new()],
            names_json: [&scenario.payer, &scenario.payee]
                .map(|name| serde_json::to_vec(name).expect("a string serializes")),
            names_markup: [&scenario.payer, &scenario.payee].iter().any(|name| name.contains('<')),
            steps: Steps::default(),
            design: scenario.design.clone(),
            copies: crate::party::registration(scenario.design.name())
                .map_or(crate::party::DESIGNS[0].copies, |r| r.copies),
            lang,
        }
    }

    /// The channel is open: its payout scripts name the outputs' owners.
    pub fn opened(&mut self, channel: &Channel) {
        self.scripts = [channel.params.payer_payout.clone(), channel.params.payee_payout.clone()];
    }

    /// Commitment `c`, paid for by `tick`: kept as a step if the page shows it.
    pub fn commitment(&mut self, tick: &Tick, c: &SignedCommitment) {
        if let Some((total, starts)) = &self.plan {
            if !wanted(c.seq, *total, starts) {
                return;
            }
        }
        let split = &c.split;
        let copy = (self.copies)(&*self.design, c).logged;
        let point = copy.point.map(|p| p.serialize());
        let step = SignedStep {
            seq: c.seq,
            clock: tick.clock_s,
            elapsed: tick.elapsed_s,
            segment: tick.segment as u64 + 1,
            rate: tick.price.to_sat() / self.interval_s,
            payer: split.payer.to_sat(),
            payee: split.payee.to_sat(),
            fee: split.fee.to_sat(),
            trimmed: Plain::Word(super::log::trimmed_name(split)),
            txid: Plain::Txid(&c.txid),
            vsize: c.vsize,
            tx: self.with_hex.then_some(&c.tx),
            lock: u64::from(c.tx.lock_time.to_consensus_u32()),
            point: point.as_ref().map_or(Plain::Word(""), |p| Plain::Hex(p)),
            secret: copy.revealed_secret.as_ref().map_or(Plain::Word(""), |s| Plain::Hex(s)),
        };
        let owners = Owners {
            scripts: [self.scripts[0].as_bytes(), self.scripts[1].as_bytes()],
            json: [&self.names_json[0], &self.names_json[1]],
            amounts: (step.payer, step.payee),
            markup: self.names_markup,
        };
        self.steps.push_signed(&step, &owners);
    }

    /// Writes `dir/report.html` with the kept steps, the header from `dir/summary.json` and the
    /// chart from `dir/balance.svg`.
    ///
    /// # Errors
    ///
    /// [`ReportError`] when a file is missing, not in paychan's format, or cannot be written, or
    /// when `report` signed another number of commitments than the ledger planned.
    /// With a chain played in memory, `chain` gives its words in the page's language (an English
    /// page reads them from the files).
    pub fn write(
        self,
        dir: &Path,
        report: &RunReport,
        chain: Option<&super::report_chain::ChainWords>,
    ) -> Result<(), ReportError> {
        if let Some((planned, _)) = self.plan {
            if planned != report.commitments {
                return Err(ReportError::Plan { planned, signed: report.commitments });
            }
        }
        write_page(dir, &self.steps, self.lang, chain)
    }
}

/// Writes `dir/report.html` from `dir/summary.json`, `dir/commitments.csv` and `dir/balance.svg`
/// alone: the page a run writes, byte for byte.
///
/// # Errors
///
/// [`ReportError`] when a file is missing, not in paychan's format, or cannot be written.
pub fn write_report(dir: &Path) -> Result<(), ReportError> {
    write_page(dir, &steps_from_files(dir)?, Lang::En, None)
}

/// The steps of the page [`write_report`] writes, read from `dir/summary.json` and
/// `dir/commitments.csv`.
pub(crate) fn steps_from_files(dir: &Path) -> Result<Steps, ReportError> {
    let summary_path = dir.join("summary.json");
    let s: Summary = serde_json::from_str(&read(&summary_path)?).map_err(|e| format_err(&summary_path, e))?;
    let csv_path = dir.join("commitments.csv");
    let payer_script = ScriptBuf::from_hex(&s.payer.script_pubkey_hex).unwrap_or_default();
    let payee_script = ScriptBuf::from_hex(&s.payee.script_pubkey_hex).unwrap_or_default();
    let names = [(payer_script.as_bytes(), s.payer.name.as_str()), (payee_script.as_bytes(), s.payee.name.as_str())];

    // The segments' first commitments, found in a first pass over the log's small columns.
    let mut segment_starts = Vec::new();
    if s.commitments > MAX_STEPS {
        let mut reader = csv::Reader::from_path(&csv_path).map_err(|e| format_err(&csv_path, e))?;
        let mut last = 0;
        for row in reader.deserialize::<Row>() {
            let row = row.map_err(|e| format_err(&csv_path, e))?;
            if row.segment != last {
                segment_starts.push(row.seq);
                last = row.segment;
            }
        }
    }
    let mut steps = Steps::default();
    let mut reader = csv::Reader::from_path(&csv_path).map_err(|e| format_err(&csv_path, e))?;
    for row in reader.deserialize::<Row>() {
        let row = row.map_err(|e| format_err(&csv_path, e))?;
        if !wanted(row.seq, s.commitments, &segment_starts) {
            continue;
        }
        let (sigs, outs) = if row.tx_hex.is_empty() {
            (Vec::new(), Vec::new())
        } else {
            let tx: Transaction = deserialize_hex(&row.tx_hex).map_err(|e| format_err(&csv_path, e))?;
            decode(&tx, names, (row.payer_sat, row.payee_sat))
        };
        steps.push(&Step {
            seq: row.seq,
            clock: row.clock_s,
            elapsed: row.elapsed_s,
            segment: row.segment,
            rate: row.rate_sat_per_s,
            payer: row.payer_sat,
            payee: row.payee_sat,
            fee: row.fee_sat,
            trimmed: row.trimmed,
            txid: row.txid,
            vsize: row.vsize,
            wit: sigs,
            outs,
            lock: row.lock_time,
            point: row.per_commitment_point,
            secret: row.revealed_secret,
        });
    }
    Ok(steps)
}

/// Writes `dir/report.html` with `steps`, the header from `dir/summary.json` and the chart from
/// `dir/balance.svg`, in `lang`; the chain's section in `lang` from `chain` when given, else from
/// the files (English).
pub(crate) fn write_page(
    dir: &Path,
    steps: &Steps,
    lang: Lang,
    chain: Option<&super::report_chain::ChainWords>,
) -> Result<(), ReportError> {
    let chain = chain.filter(|_| lang != Lang::En);
    let summary_path = dir.join("summary.json");
    let s: Summary = serde_json::from_str(&read(&summary_path)?).map_err(|e| format_err(&summary_path, e))?;
    let svg_path = dir.join("balance.svg");
    let svg = read(&svg_path)?;
    let svg = svg.find("<svg").map_or(svg.as_str(), |i| &svg[i..]);

    let payer_first = match (s.payer.pubkey.parse::<PublicKey>(), s.payee.pubkey.parse::<PublicKey>()) {
        (Ok(a), Ok(b)) => crate::channel::sorted_keys(&a, &b).0 == &a,
        _ => true,
    };
    let design = crate::party::design(&s.design, &s.settings.map(Into::into).unwrap_or_default());
    let d = design.clone().unwrap_or_else(crate::party::default_design);
    let names = (s.payer.name.as_str(), s.payee.name.as_str());

    let sat_per_unit = crate::units::parse_unit(&s.unit).map_or(1, crate::units::sat_per_unit);
    let data = Data {
        scenario: &s.scenario,
        unit: &s.unit,
        sat_per_unit,
        capacity: s.capacity_sat,
        payer: &s.payer.name,
        payee: &s.payee.name,
        witness_labels: d.witness_labels(lang, names, payer_first),
        step_words: d.tell_step(lang, names.0, names.1),
        lock_words: d.tell_lock(lang).unwrap_or(""),
        funding_outpoint: format!("{}:{}", s.funding.txid, s.funding.vout),
        witness_script: &s.funding.witness_script_hex,
        total: s.commitments,
        steps: [],
    };
    let head = serde_json::to_string(&data).expect("the report data has only strings and integers");
    let head = head.strip_suffix("[]}").expect("the steps are the data's last field");

    let funding_tx: Transaction =
        deserialize_hex(&s.funding.tx_hex).map_err(|e| format_err(&summary_path, format!("funding tx: {e}")))?;
    let amount = |sat: u64| crate::units::format_sat(sat, sat_per_unit, &s.unit);
    let mut html = String::with_capacity(svg.len() + 16_384);
    page_head(&mut html, &s, design.as_ref(), &amount, lang);
    cards(&mut html, &s, design.as_ref(), &funding_tx, &amount, lang);
    let verdict = chain.map(|c| c.verdict.as_str());
    stepper_and_settlement(&mut html, &s, (design.as_ref(), verdict), svg, &amount, lang);
    let html = translate(html, PAGE_WORDS, lang);
    let page_end = page_end(lang);
    let path = dir.join("report.html");
    let written = if steps.markup || head.contains('<') {
        // A `<` in the data: its "</" are escaped, and the chain's section is put before the
        // page's last "<footer>", which the data could hold, in the whole page.
        let mut page = html;
        page.push_str(&splice(head, &steps.json));
        page.push_str(&page_end);
        fs::write(&path, super::report_chain::insert(dir, &s, page, lang, chain))
    } else {
        // No `<` in the data: nothing to escape, and the page's last "<footer>" is in the part
        // before it (the end has none), so the chain's section goes into that part, and the steps
        // are written from where they were kept rather than copied into the page.
        let html = super::report_chain::insert(dir, &s, html, lang, chain);
        write_parts(&path, &[html.as_bytes(), head.as_bytes(), b"[", &steps.json, b"]}", page_end.as_bytes()])
    };
    written.map_err(|source| ReportError::Io { action: "write", path, source })
}

/// Writes `parts` one after the other into a new file at `path`.
fn write_parts(path: &Path, parts: &[&[u8]]) -> std::io::Result<()> {
    let mut file = fs::File::create(path)?;
    parts.iter().try_for_each(|part| std::io::Write::write_all(&mut file, part))
}

/// The page's head and its lead paragraph, in `lang`.
fn page_head(html: &mut String, s: &Summary, design: Option<&DesignRef>, amount: &dyn Fn(u64) -> String, lang: Lang) {
    let title = say(lang, Msg::PageTitle, &[("name", &esc(&s.scenario)), ("seed", &s.seed.to_string())]);
    let (payer, payee) = (esc(&s.payer.name), esc(&s.payee.name));
    let (noun, capacity, network) =
        (esc(design.map_or("2-of-2", |d| d.funding_noun(lang))), amount(s.capacity_sat), esc(&s.network));
    let (interval, fee_rate, count) = (s.interval_s.to_string(), esc(&s.fee_rate), s.commitments.to_string());
    let stopped = match s.stopped_by.as_str() {
        "exhaustion" => Msg::PageStoppedExhausted,
        "event" => Msg::PageStoppedEvent,
        _ => Msg::PageStoppedSchedule,
    };
    let args = [
        ("payer", payer.as_str()),
        ("payee", &payee),
        ("noun", &noun),
        ("capacity", &capacity),
        ("network", &network),
        ("interval", &interval),
        ("second", design.map_or_else(|| crate::party::default_design().payee_step(lang), |d| d.payee_step(lang))),
        ("fee_rate", &fee_rate),
        ("count", &count),
        ("stopped", stopped.text(lang)),
    ];
    let (tag, lead, css) = (lang.html_tag(), say(lang, Msg::PageLead, &args), lang.pick("", cjk_css()));
    let description =
        s.description.as_deref().map_or_else(String::new, |d| format!("\n<p class=\"description\">{}</p>", esc(d)));
    let _ = write!(
        html,
        r#"<!DOCTYPE html>
<html lang="{tag}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{CSS}{css}</style>
</head>
<body>
<header>
<h1>{title}</h1>
{lead}{description}
</header>
"#,
    );
}

/// The parties' cards and the funding transaction's.
fn cards(
    html: &mut String,
    s: &Summary,
    design: Option<&DesignRef>,
    funding_tx: &Transaction,
    amount: &dyn Fn(u64) -> String,
    lang: Lang,
) {
    let script_words = decode_script(&s.funding.witness_script_hex, &s.payer, &s.payee, lang);
    let _ = write!(
        html,
        r#"<section class="cards">
<div class="card payer"><h2>{payer_name} <span>payer</span></h2>
<dl><dt>{noun} key</dt><dd class="mono">{payer_key}</dd><dt>refund address</dt><dd class="mono">{payer_addr}</dd></dl></div>
<div class="card payee"><h2>{payee_name} <span>payee</span></h2>
<dl><dt>{noun} key</dt><dd class="mono">{payee_key}</dd><dt>payment address</dt><dd class="mono">{payee_addr}</dd></dl></div>
<div class="card funding"><h2>Funding (anchor) transaction</h2>
<dl><dt>txid</dt><dd class="mono">{ftxid}</dd>
<dt>input</dt><dd>{payer_name}'s coin <span class="mono">{in_txid}:{in_vout}</span>, {in_amount}</dd>
<dt>output {vout}</dt><dd><b>{capacity}</b> to the {short} <span class="mono">{faddr}</span></dd>
{change}<dt>fee</dt><dd>{ffee} {sat}</dd>
<dt>witness script</dt><dd class="mono script">{script_words}</dd></dl></div>
</section>
"#,
        noun = design.map_or("2-of-2", |d| d.funding_names(lang).0),
        short = design.map_or("2-of-2", |d| d.funding_names(lang).1),
        payer_name = esc(&s.payer.name),
        payer_key = esc(&s.payer.pubkey),
        payer_addr = esc(&s.payer.address),
        payee_name = esc(&s.payee.name),
        payee_key = esc(&s.payee.pubkey),
        payee_addr = esc(&s.payee.address),
        ftxid = esc(&s.funding.txid),
        in_txid = esc(s.funding.inputs.first().map_or("", |i| i.txid.as_str())),
        in_vout = s.funding.inputs.first().map_or(0, |i| i.vout),
        in_amount = amount(s.funding.inputs.first().map_or(0, |i| i.amount_sat)),
        vout = s.funding.vout,
        capacity = amount(s.funding.amount_sat),
        faddr = esc(&s.funding.address),
        change = funding_tx
            .output
            .iter()
            .enumerate()
            .filter(|(i, _)| *i as u32 != s.funding.vout)
            .map(|(i, o)| format!(
                "<dt>output {i}</dt><dd>{} change back to {}</dd>\n",
                amount(o.value.to_sat()),
                esc(&s.payer.name)
            ))
            .collect::<String>(),
        ffee = s.funding.fee_sat,
        sat = lang.pick("sat", "聪"),
    );
}

/// The balance chart, the stepper over the commitments and the settlement, up to the data's JSON
/// (which [`PAGE_END`] follows).
fn stepper_and_settlement(
    html: &mut String,
    s: &Summary,
    (design, verdict): (Option<&DesignRef>, Option<&str>),
    svg: &str,
    amount: &dyn Fn(u64) -> String,
    lang: Lang,
) {
    let (title, settle_text, txid) = ending_card(s, (design, verdict), amount, lang);
    let _ = write!(
        html,
        r#"<section class="chart">{svg}</section>
<section class="stepper" id="stepper">
<h2>Commitments <span id="sample-note"></span></h2>
<div class="controls">
<button id="first" title="first (Home)">|◀</button><button id="prev" title="previous (←)">◀</button>
<input id="slider" type="range" min="0" max="0" value="0" aria-label="commitment">
<button id="next" title="next (→)">▶</button><button id="last" title="last (End)">▶|</button>
<span id="position" class="position"></span>
</div>
<div id="step"></div>
</section>
<section class="card {class}">
<h2>{title}</h2>
<p>{settle_text}</p>
<p class="mono">txid {stxid}</p>
</section>
<footer>Written by paychan from <code>summary.json</code> and <code>commitments.csv</code>. Every transaction here is real:
check the folder with <code>paychan verify</code>.</footer>
<pre id="selftest" hidden></pre>
<script type="application/json" id="data">"#,
        class = if s.settlement.is_some() { "settlement" } else { "ending" },
        settle_text = settle_text,
        stxid = esc(&txid),
    );
}

/// The last card: the settlement when there was one (its title, words and txid); else how the
/// channel ended instead, from the chain (the transaction that closed it, or none); in `lang`,
/// the chain's `verdict` in it when given (else `summary.json`'s English).
fn ending_card(
    s: &Summary,
    (design, verdict): (Option<&DesignRef>, Option<&str>),
    amount: &dyn Fn(u64) -> String,
    lang: Lang,
) -> (&'static str, String, String) {
    let (payer, payee) = (esc(&s.payer.name), esc(&s.payee.name));
    let l = &s.last_state;
    let (seq, paid, back) = (l.seq.to_string(), amount(l.payee_sat), amount(l.payer_sat));
    let args = [("seq", seq.as_str()), ("paid", &paid), ("payee", &payee), ("back", &back), ("payer", &payer)];
    let last = say(lang, Msg::PageLastState, &args);
    if let Some(settlement) = &s.settlement {
        let why = if s.stopped_by == "exhaustion" { Msg::PageWhyExhausted } else { Msg::PageWhyStopped };
        let who = design.map_or_else(
            || crate::party::default_design().tell_settlement(lang, &payer, &payee),
            |d| d.tell_settlement(lang, &payer, &payee),
        );
        let confirmed = match &s.outcome {
            Some(o) => {
                let height = crate::units::thousands(o.closed_at_height.map_or(0, u64::from));
                say(lang, Msg::PageConfirmed, &[("height", &height)])
            }
            None => String::new(),
        };
        let (fee, clock) = (l.fee_sat.to_string(), l.clock_s.to_string());
        let args = [
            ("why", why.text(lang)),
            ("last", &last),
            ("fee", &fee),
            ("clock", &clock),
            ("who", &who),
            ("confirmed", &confirmed),
        ];
        return (Msg::PageSettlement.text(lang), say(lang, Msg::PageSettled, &args), settlement.txid.clone());
    }
    let why = if s.stopped_by == "event" { Msg::PageWhyEvent } else { Msg::PageWhyVideo };
    let (close, txid) = match s.outcome.as_ref().and_then(|o| Some((o, o.closing_txid.as_ref()?))) {
        Some((o, txid)) => {
            let verdict = esc(verdict.unwrap_or(&o.verdict));
            (say(lang, Msg::PageClosedInstead, &[("verdict", &verdict)]), txid.clone())
        }
        None => (Msg::PageNothingSpent.text(lang).to_string(), "none".to_string()),
    };
    let text = say(lang, Msg::PageNoSettlement, &[("why", why.text(lang)), ("last", &last), ("close", &close)]);
    (Msg::PageHowItEnded.text(lang), text, txid)
}

/// The fixed pieces of the page's markup a page in another language than English replaces.
const PAGE_WORDS: &[Msg] = &[
    Msg::HtmlPayer,
    Msg::HtmlPayee,
    Msg::HtmlKey,
    Msg::HtmlRefundAddress,
    Msg::HtmlPaymentAddress,
    Msg::HtmlFunding,
    Msg::HtmlInput,
    Msg::HtmlCoin,
    Msg::HtmlOutput,
    Msg::HtmlToThe,
    Msg::HtmlChange,
    Msg::HtmlFee,
    Msg::HtmlWitnessScript,
    Msg::HtmlCommitments,
    Msg::HtmlFooter,
];

/// The fixed pieces of `report.js` a page in another language than English replaces.
const SCRIPT_WORDS: &[Msg] = &[
    Msg::JsNoCommitment,
    Msg::JsNoCommitments,
    Msg::JsPosition,
    Msg::JsEmpty,
    Msg::JsPoint,
    Msg::JsSecret,
    Msg::JsTrimmedOpen,
    Msg::JsTrimmed,
    Msg::JsPaidFor,
    Msg::JsSegment,
    Msg::JsRate,
    Msg::JsSigns,
    Msg::JsTo,
    Msg::JsAnd,
    Msg::JsBack,
    Msg::JsTransaction,
    Msg::JsFee,
    Msg::JsOutputs,
    Msg::JsWitness,
    Msg::JsShowing,
];

/// `text` with each of `words`' English replaced by its `lang`: itself in English.
fn translate(text: String, words: &[Msg], lang: Lang) -> String {
    if lang == Lang::En {
        return text;
    }
    words.iter().fold(text, |t, m| t.replace(m.text(Lang::En), m.text(lang)))
}

/// [`PAGE_END`] with the script's words in `lang`.
fn page_end(lang: Lang) -> std::borrow::Cow<'static, str> {
    match lang {
        Lang::En => std::borrow::Cow::Borrowed(PAGE_END),
        _ => std::borrow::Cow::Owned(translate(PAGE_END.to_string(), SCRIPT_WORDS, lang)),
    }
}

/// A Chinese page's font: the shipped Noto Sans CJK SC subset (fonts/, SIL OFL 1.1) embedded as
/// an `@font-face` under its own family name, so the page draws its Chinese, and the charts'
/// inline SVG runs that name the family, on a machine with no CJK font installed; then the
/// Latin faces.
pub fn cjk_css() -> &'static str {
    use base64::Engine as _;
    static CSS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let face = base64::engine::general_purpose::STANDARD.encode(crate::scenario::validate::glyphs::CJK_REGULAR);
        format!(
            "\n@font-face {{ font-family: \"Noto Sans CJK SC\"; src: url(data:font/otf;base64,{face}) format(\"opentype\"); }}\n\
             body {{ font-family: \"Noto Sans CJK SC\", system-ui, \"DejaVu Sans\", sans-serif; }}\n\
             .mono {{ font-family: \"DejaVu Sans Mono\", Menlo, Consolas, \"Noto Sans CJK SC\", monospace; }}\n"
        )
    });
    &CSS
}

/// The data's JSON from `head` (the data serialized without its empty `steps`, `[]}`) and `steps`
/// (serialized steps joined by commas): what serializing the data with the steps in it gives.
/// Inside `<script>`, "</" could end the element, so it is escaped the way JSON allows (no "</"
/// can straddle two pieces: the steps are objects, and the head ends with `:`).
fn splice(head: &str, steps: &[u8]) -> String {
    let steps = std::str::from_utf8(steps).expect("serde_json writes UTF-8");
    let mut json = String::with_capacity(head.len() + steps.len() + 2);
    json.push_str(head);
    json.push('[');
    json.push_str(steps);
    json.push_str("]}");
    if json.contains("</") {
        json = json.replace("</", "<\\/");
    }
    json
}

/// The funding script in words, keys named by their owners and each key's hex in its title:
/// asked of [`crate::channel::describe_script`], so the report names no script itself.
fn decode_script(hex: &str, payer: &Party, payee: &Party, lang: Lang) -> String {
    let (Ok(script), Ok(payer_key), Ok(payee_key)) =
        (ScriptBuf::from_hex(hex), payer.pubkey.parse::<PublicKey>(), payee.pubkey.parse::<PublicKey>())
    else {
        return esc(hex);
    };
    let words = crate::channel::describe_script(&script, &[(payer_key, &payer.name), (payee_key, &payee.name)]);
    let mut out = esc(&words);
    for p in [payer, payee] {
        let plain = esc(&format!("<{}'s key>", p.name));
        let key = match lang {
            Lang::En => format!("{}'s key", esc(&p.name)),
            Lang::Zh => format!("{} 的公钥", esc(&p.name)),
        };
        let titled = format!("&lt;<span title=\"{}\">{key}</span>&gt;", esc(&p.pubkey));
        out = out.replace(&plain, &titled);
    }
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

const CSS: &str = include_str!("report.css");

/// What follows the data's JSON on the page: the end of its element, the page's script, the end
/// of the document.
pub(crate) const PAGE_END: &str =
    concat!("</script>\n<script>", include_str!("report.js"), "</script>\n</body>\n</html>\n");

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::hashes::{sha256d, Hash as _};

    /// A Chinese page carries the shipped CJK face itself, byte for byte, so a machine without a
    /// CJK font draws it; its body and its monospace text both fall back to that face.
    #[test]
    fn a_chinese_page_embeds_the_shipped_cjk_face() {
        use base64::Engine as _;
        let css = cjk_css();
        let start = css.find("base64,").expect("a data URL") + "base64,".len();
        let end = start + css[start..].find(')').expect("the URL ends");
        let face = base64::engine::general_purpose::STANDARD.decode(&css[start..end]).expect("base64");
        assert_eq!(face, crate::scenario::validate::glyphs::CJK_REGULAR);
        assert!(css.contains("font-family: \"Noto Sans CJK SC\"; src: url(data:font/otf;base64,"));
        assert!(css.contains(".mono { font-family: \"DejaVu Sans Mono\", Menlo, Consolas, \"Noto Sans CJK SC\""));
    }

    /// Every fixed piece a Chinese page replaces is in the English page's source verbatim (so none
    /// is left in English unnoticed), and the Chinese script keeps no piece's English.
    #[test]
    fn the_replaced_pieces_are_in_the_page_source() {
        let (rs, js) = (include_str!("report.rs"), include_str!("report.js"));
        for m in PAGE_WORDS {
            let en = m.text(Lang::En);
            assert!(rs.contains(en), "{m:?} ({en:?}) is not in report.rs");
        }
        for m in SCRIPT_WORDS {
            assert!(js.contains(m.text(Lang::En)), "{m:?} ({:?}) is not in report.js", m.text(Lang::En));
        }
        let zh = page_end(Lang::Zh);
        for m in SCRIPT_WORDS {
            assert!(!zh.contains(m.text(Lang::En)), "{m:?} is still English");
        }
        assert_eq!(page_end(Lang::En), PAGE_END);
    }
    use bitcoin::{absolute::LockTime, transaction::Version, Amount, OutPoint, Sequence, TxIn, TxOut, Txid, Witness};

    fn tx(witness: &[&[u8]], outputs: &[(&ScriptBuf, u64)]) -> Transaction {
        Transaction {
            version: Version::TWO,
            lock_time: LockTime::ZERO,
            input: vec![TxIn {
                previous_output: OutPoint::null(),
                script_sig: ScriptBuf::new(),
                sequence: Sequence::MAX,
                witness: Witness::from_slice(witness),
            }],
            output: outputs
                .iter()
                .map(|(script, sat)| TxOut { value: Amount::from_sat(*sat), script_pubkey: (*script).clone() })
                .collect(),
        }
    }

    /// Steps written by hand and by serde_json from the same values, for names JSON must escape,
    /// zero and the largest amounts, missing signatures, unknown owners and no transaction.
    #[test]
    fn steps_written_by_hand_are_the_bytes_serde_json_writes() {
        let names = ["Emma \"the\" <b>payer</b>, & co", "Fa\\bian é 漢字 🦀\n\t\u{1}\u{7f}</script>"];
        let scripts = [ScriptBuf::from_bytes(vec![0x00, 0x14, 1, 2, 3]), ScriptBuf::from_bytes(vec![0x51])];
        let (other, empty) = (ScriptBuf::from_bytes(vec![0x6a, 0x2c, 0x22]), ScriptBuf::new());
        let sig = [0x30u8, 0x45, 0x02, 0x21, 0x00, 0xff, 0x2c, 0x22, 0x5c, 0x01];
        let txs = [
            tx(&[&[], &sig, &sig[..3], &[0x52, 0xae]], &[(&scripts[0], 0), (&scripts[1], u64::MAX)]),
            tx(&[], &[(&other, 7), (&other, 8), (&other, 9), (&empty, 0)]),
            tx(&[&[], &sig], &[(&scripts[1], 1), (&other, 0)]),
            tx(&[&sig], &[]),
        ];
        let names_json = names.map(|n| serde_json::to_vec(n).unwrap());
        let (mut by_serde, mut by_hand) = (Steps::default(), Steps::default());
        for (i, n) in [0, 1, 7, 9, 10, 99, 100, 1_000_000, u64::MAX].into_iter().enumerate() {
            let txid = Txid::from_raw_hash(sha256d::Hash::hash(&n.to_le_bytes()));
            let word = ["none", "payer", "payee"][i % 3];
            let tx = (i % 5 != 4).then(|| &txs[i % txs.len()]);
            let amounts = (n, [7, 8, 0][i % 3]);
            let owner_scripts =
                if i == 3 { [empty.as_bytes(); 2] } else { [scripts[0].as_bytes(), scripts[1].as_bytes()] };
            let (sigs, outs) = tx.map_or_else(Default::default, |tx| {
                decode(tx, [(owner_scripts[0], names[0]), (owner_scripts[1], names[1])], amounts)
            });
            by_serde.push(&Step {
                seq: n,
                clock: n / 2,
                elapsed: n / 3,
                segment: n % 4,
                rate: n / 5,
                payer: amounts.0,
                payee: amounts.1,
                fee: 0,
                trimmed: word.to_string(),
                txid: txid.to_string(),
                vsize: n % 500,
                wit: sigs,
                outs,
                lock: n / 7,
                point: if i % 2 == 0 { hex(&sig) } else { String::new() },
                secret: if i % 3 == 0 { hex(&sig[..4]) } else { String::new() },
            });
            let step = SignedStep {
                seq: n,
                clock: n / 2,
                elapsed: n / 3,
                segment: n % 4,
                rate: n / 5,
                payer: amounts.0,
                payee: amounts.1,
                fee: 0,
                trimmed: Plain::Word(word),
                txid: Plain::Txid(&txid),
                vsize: n % 500,
                tx,
                lock: n / 7,
                point: if i % 2 == 0 { Plain::Hex(&sig) } else { Plain::Word("") },
                secret: if i % 3 == 0 { Plain::Hex(&sig[..4]) } else { Plain::Word("") },
            };
            let markup = names.iter().any(|n| n.contains('<'));
            let owners = Owners { scripts: owner_scripts, json: [&names_json[0], &names_json[1]], amounts, markup };
            by_hand.push_signed(&step, &owners);
        }
        assert_eq!(String::from_utf8(by_hand.json).unwrap(), String::from_utf8(by_serde.json).unwrap());
    }

    #[test]
    fn sampling_keeps_first_last_and_segment_starts_within_the_bound() {
        let total = 1_000_000;
        let starts = [1, 400_001, 700_123];
        let kept: Vec<u64> = (1..=total).filter(|s| wanted(*s, total, &starts)).collect();
        assert!(kept.len() as u64 <= MAX_STEPS, "{}", kept.len());
        assert!(kept.contains(&1) && kept.contains(&total) && kept.contains(&700_123));
        assert!((1..=600).all(|s| wanted(s, 600, &[])));
    }
}
