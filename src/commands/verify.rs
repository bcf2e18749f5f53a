//! `paychan verify`: checks an output folder from its files alone, as a skeptic would.
//!
//! A teacher who says "this is a real Bitcoin transaction" must be able to prove it, and an
//! analyst who receives someone else's folder must be able to trust it without the scenario or any
//! secret key. So this module reads only `summary.json` and `commitments.csv`, rebuilds the 2-of-2
//! script from the two listed public keys, runs every transaction through Bitcoin Core's
//! interpreter ([`crate::rules::consensus`]) and paychan's policy rules ([`crate::rules::policy`]),
//! and checks that the CSV tells the truth about the transactions it carries. Every failure is
//! one [`Finding`] that names the row and the check.

use std::fmt;
use std::path::{Path, PathBuf};

use bitcoin::consensus::encode::deserialize_hex;
use bitcoin::secp256k1::PublicKey;
use bitcoin::{Amount, FeeRate, OutPoint, ScriptBuf, Transaction, TxOut, Txid};

use rayon::prelude::*;

use crate::channel::{self, ChannelParams};
use crate::output::summary::{FundingJson, SettlementJson};
use crate::output::{LogRow, Summary};
use crate::rules;

/// Rows checked in parallel at a time.
const CHUNK: usize = 4_096;

/// One failed check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Which transaction or row: "funding", "commitment #12", "settlement", "summary".
    pub place: String,
    /// The check's short name, e.g. "consensus", "txid", "csv-amounts".
    pub check: &'static str,
    /// What was found.
    pub detail: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.place, self.check, self.detail)
    }
}

/// The result of verifying a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Transactions examined.
    pub transactions: usize,
    /// Every failure, in file order.
    pub findings: Vec<Finding>,
}

/// The folder cannot be verified at all: a file is missing or unreadable.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// A file cannot be read.
    #[error("cannot read {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// summary.json is not the expected JSON.
    #[error("{path} is not a paychan summary: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: serde_json::Error,
    },
    /// A routed channel's folder cannot be read.
    #[error(transparent)]
    Channel(#[from] crate::network::verify::ChannelReadError),
    /// commitments.csv cannot be parsed.
    #[error("{path} is not a paychan commitment log: {source}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: csv::Error,
    },
}

/// What every commitment must spend and pay to, as established from the summary, and the design
/// that says which lock time and sequence each one carries.
struct Channel {
    outpoint: OutPoint,
    amount: Amount,
    script_pubkey: ScriptBuf,
    payer_payout: ScriptBuf,
    payee_payout: ScriptBuf,
    /// The public parameters, when the summary names a known design and valid keys.
    params: Option<ChannelParams>,
}

struct Verifier {
    min_rate: FeeRate,
    findings: Vec<Finding>,
    transactions: usize,
}

impl Verifier {
    fn fail(&mut self, place: &str, check: &'static str, detail: impl Into<String>) {
        self.findings.push(Finding { place: place.to_string(), check, detail: detail.into() });
    }

    /// Parses `hex` and checks it hashes to `txid`; `None` when it cannot be used further.
    fn parse(&mut self, place: &str, hex: &str, txid: &str) -> Option<Transaction> {
        self.transactions += 1;
        let tx: Transaction = match deserialize_hex(hex) {
            Ok(tx) => tx,
            Err(e) => {
                self.fail(place, "parse", format!("the transaction hex does not parse: {e}"));
                return None;
            }
        };
        let actual = tx.compute_txid().to_string();
        if actual != txid {
            self.fail(place, "txid", format!("listed as {txid}, but the transaction's txid is {actual}"));
        }
        Some(tx)
    }

    /// Consensus and policy for a transaction spending the channel's funding output, with the
    /// lock time and sequence its design gives commitment `seq` (`None`: the settlement).
    fn spend(&mut self, place: &str, tx: &Transaction, ch: &Channel, seq: Option<u64>) {
        if tx.input.len() != 1 || tx.input[0].previous_output != ch.outpoint {
            self.fail(place, "input", format!("does not spend exactly the funding output {}", ch.outpoint));
            return;
        }
        if let Some(params) = &ch.params {
            let (lock_time, sequence) = params.design.lock(params, seq);
            if tx.lock_time != lock_time || tx.input[0].sequence != sequence {
                self.fail(
                    place,
                    "final",
                    format!(
                        "lock time {} and sequence {:#010x} are not the {} design's {} and {:#010x}",
                        tx.lock_time,
                        tx.input[0].sequence.0,
                        params.design.name(),
                        lock_time,
                        sequence.0
                    ),
                );
            }
        }
        let half_signed = ch.params.as_ref().filter(|p| {
            let held_half_signed = p.design.logged_half_signed(seq);
            held_half_signed && half_signed_witness(p, tx)
        });
        if let Some(params) = half_signed {
            // Held half-signed: the payer's signature must be over the real sighash; the payee
            // completes it when he closes (checked with the chain).
            let ok = params.ecdsa().payer_signature(params, &tx.input[0].witness).is_some_and(|sig| {
                let msg = params.funding_sighash(tx);
                bitcoin::secp256k1::Secp256k1::verification_only()
                    .verify_ecdsa(&msg, &sig.signature, &params.payer_funding_key)
                    .is_ok()
            });
            if !ok {
                self.fail(
                    place,
                    "payer-signature",
                    "the payer's signature does not verify over the transaction's sighash",
                );
            }
        } else if let Err(e) =
            rules::consensus(tx, 0, &[TxOut { value: ch.amount, script_pubkey: ch.script_pubkey.clone() }])
        {
            self.fail(place, e.check, e.detail);
        }
        if let Err(e) = rules::policy(tx, ch.amount, self.min_rate) {
            self.fail(place, e.check, e.detail);
        }
    }

    /// The outputs are exactly the payer's and payee's claimed amounts (a zero amount is a
    /// trimmed output, absent), and the amounts add up to the funding amount.
    fn amounts(&mut self, place: &str, tx: &Transaction, ch: &Channel, payer: u64, payee: u64, fee: u64) {
        if payer.checked_add(payee).and_then(|s| s.checked_add(fee)) != Some(ch.amount.to_sat()) {
            self.fail(
                place,
                "csv-amounts",
                format!(
                    "payer {payer} + payee {payee} + fee {fee} sat is not the funding amount {}",
                    ch.amount.to_sat()
                ),
            );
        }
        let mut expected = Vec::new();
        if payer > 0 {
            expected.push((ch.payer_payout.clone(), payer));
        }
        if payee > 0 {
            expected.push((ch.payee_payout.clone(), payee));
        }
        // The design names the outputs as the log records them, and says whether they are in
        // BIP-0069 order (a version whose holder's balance waits in a script the files cannot
        // rebuild, say).
        let (mut actual, bip69) = match &ch.params {
            Some(p) => p.design.logged_outputs(p, tx),
            None => (tx.output.iter().map(|o| (o.script_pubkey.clone(), o.value.to_sat())).collect(), false),
        };
        if bip69 {
            actual.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| (a.0 != ch.payer_payout).cmp(&(b.0 != ch.payer_payout))));
            expected
                .sort_by(|a, b| a.1.cmp(&b.1).then_with(|| (a.0 != ch.payer_payout).cmp(&(b.0 != ch.payer_payout))));
            let sorted = tx
                .output
                .windows(2)
                .all(|w| (w[0].value, w[0].script_pubkey.as_bytes()) <= (w[1].value, w[1].script_pubkey.as_bytes()));
            if !sorted {
                self.fail(place, "bip69", "the outputs are not in BIP-0069 order");
            }
        }
        if actual != expected {
            let show = |v: &[(ScriptBuf, u64)]| {
                v.iter()
                    .map(|(s, a)| {
                        let who = if *s == ch.payer_payout {
                            "payer"
                        } else if *s == ch.payee_payout {
                            "payee"
                        } else {
                            "unknown script"
                        };
                        format!("{who} {a} sat")
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            self.fail(
                place,
                "csv-amounts",
                format!("the log says [{}], the transaction pays [{}]", show(&expected), show(&actual)),
            );
        }
    }
}

/// Both parties' keys of the design's own as the summary lists them (the revocable design's
/// basepoints), parsed; a finding when one does not parse. Empty lists when absent.
fn public_keys(v: &mut Verifier, summary: &Summary) -> [Vec<(String, PublicKey)>; 2] {
    let mut one = |who: &str, keys: Option<&Vec<(String, String)>>| {
        let mut parsed = Vec::new();
        for (name, hex) in keys.map(Vec::as_slice).unwrap_or_default() {
            match hex.parse::<PublicKey>() {
                Ok(key) => parsed.push((name.clone(), key)),
                Err(_) => v.fail("summary", "pubkey", format!("the {who}'s {name} key is not a compressed public key")),
            }
        }
        parsed
    };
    let payer = one("payer", summary.payer.basepoints.as_ref());
    let payee = one("payee", summary.payee.basepoints.as_ref());
    [payer, payee]
}

/// Whether `tx`'s witness is the design's half-signed form (the payee's slot still empty), for
/// a design that signs with ECDSA.
fn half_signed_witness(params: &ChannelParams, tx: &Transaction) -> bool {
    let Some(spend) = params.design.ecdsa() else { return false };
    spend
        .payer_signature(params, &tx.input[0].witness)
        .is_some_and(|sig| tx.input[0].witness == spend.half_signed_witness(params, &sig))
}

/// One logged row's own checks (its transaction parsed, spending the funding, paying the
/// logged amounts), on top of its row-to-row `findings`.
fn check_row(min_rate: FeeRate, channel: &Channel, row: &LogRow, place: &str, findings: Vec<Finding>) -> Checked {
    let mut w = Verifier { min_rate, findings, transactions: 0 };
    if row.tx_hex.is_empty() {
        // Said once for all such rows, by the caller.
        return (w.findings, 0, None, Some(row.seq));
    }
    let t = w.parse(place, &row.tx_hex, &row.txid);
    if let Some(t) = &t {
        let (lock_time, sequence) = (t.lock_time.to_consensus_u32(), t.input.first().map_or(0, |i| i.sequence.0));
        if (u64::from(lock_time), u64::from(sequence)) != (row.lock_time, row.sequence) {
            w.fail(
                place,
                "lock-columns",
                format!(
                    "the row says lock time {} and sequence {}; the transaction has {lock_time} and {sequence}",
                    row.lock_time, row.sequence
                ),
            );
        }
        w.spend(place, t, channel, Some(row.seq));
        w.amounts(place, t, channel, row.payer_sat, row.payee_sat, row.fee_sat);
    }
    (w.findings, w.transactions, t, None)
}

/// The log's revocations, row after row: each revealed secret must be the secret of the point
/// the row before gave (the point is the secret times the generator, BOLT #3), so a reader can
/// check from the file alone that each handed-over secret revokes the holder's previous state.
struct Revocations {
    previous_point: Option<String>,
    secp: bitcoin::secp256k1::Secp256k1<bitcoin::secp256k1::SignOnly>,
}

impl Default for Revocations {
    fn default() -> Revocations {
        Revocations { previous_point: None, secp: bitcoin::secp256k1::Secp256k1::signing_only() }
    }
}

impl Revocations {
    /// Checks `row`'s revealed secret against the previous row's point and keeps its own.
    fn check(&mut self, row: &LogRow, place: &str) -> Option<Finding> {
        let previous = self.previous_point.replace(row.per_commitment_point.clone());
        if row.revealed_secret.is_empty() {
            return None;
        }
        let finding = |detail: String| Some(Finding { place: place.to_string(), check: "revealed-secret", detail });
        let secret = row.revealed_secret.parse::<bitcoin::secp256k1::SecretKey>().ok();
        let Some(secret) = secret.filter(|_| row.revealed_secret.len() == 64) else {
            return finding(format!("{:?} is not a 32-byte secret key in hex", row.revealed_secret));
        };
        let point = bitcoin::secp256k1::PublicKey::from_secret_key(&self.secp, &secret).to_string();
        match previous {
            Some(p) if p.is_empty() || p == point => None,
            Some(p) => finding(format!("revealed secret's point {point} is not the previous state's point {p}")),
            None => None,
        }
    }
}

/// One logged row checked: its findings, the transactions parsed, the transaction, and its
/// number when the row has no transaction (a --no-tx-hex run).
type Checked = (Vec<Finding>, usize, Option<Transaction>, Option<u64>);

fn read(path: &Path) -> Result<String, VerifyError> {
    std::fs::read_to_string(path).map_err(|source| VerifyError::Read { path: path.to_path_buf(), source })
}

/// Verifies the output folder `dir` (a routed channel's folder, with `channel.json`, is checked
/// by [`crate::network::verify`]), requiring fee rates of at least `min_rate`.
///
/// # Errors
///
/// [`VerifyError`] when `summary.json` or `commitments.csv` is missing or not in paychan's format;
/// failed checks are not errors but [`Finding`]s in the [`Report`].
pub fn verify_dir(dir: &Path, min_rate: FeeRate) -> Result<Report, VerifyError> {
    if crate::network::verify::is_channel_dir(dir) {
        let (transactions, found) = crate::network::verify::verify_channel_dir(dir, min_rate)?;
        let findings =
            found.into_iter().map(|f| Finding { place: f.place, check: f.check, detail: f.detail }).collect();
        return Ok(Report { transactions, findings });
    }
    let summary_path = dir.join("summary.json");
    let summary: Summary = serde_json::from_str(&read(&summary_path)?)
        .map_err(|source| VerifyError::Json { path: summary_path.clone(), source })?;
    let csv_path = dir.join("commitments.csv");
    let reader =
        csv::Reader::from_path(&csv_path).map_err(|source| VerifyError::Csv { path: csv_path.clone(), source })?;
    let mut v = Verifier { min_rate, findings: Vec::new(), transactions: 0 };
    let mut channel = v.channel(&summary);
    v.funding(&summary.funding, &mut channel);
    let last_tx = v.log(reader, &csv_path, &channel, summary.commitments)?;
    v.other_versions(dir, &channel)?;
    v.last_state(&summary, &channel, last_tx.as_ref());
    match &summary.settlement {
        Some(s) => v.settlement(s, &channel, last_tx.as_ref()),
        None if summary.chain.is_none() => {
            v.fail("summary", "settlement", "neither a settlement nor a chain: nothing says how the channel closed")
        }
        None => {}
    }
    v.chain(dir, &summary, &channel)?;
    Ok(Report { transactions: v.transactions, findings: v.findings })
}

impl Verifier {
    /// The channel as the summary lists it: the design's funding script rebuilt from the two
    /// public keys, and the public parameters every commitment is checked against.
    fn channel(&mut self, summary: &Summary) -> Channel {
        let v = self;
        // The funding script: rebuilt from the two public keys by the summary's design.
        let f = &summary.funding;
        let key = |v: &mut Verifier, who: &str, hex: &str| match hex.parse::<PublicKey>() {
            Ok(k) => Some(k),
            Err(e) => {
                v.fail("summary", "pubkey", format!("the {who}'s pubkey {hex} is not a compressed public key: {e}"));
                None
            }
        };
        let keys = (key(v, "payer", &summary.payer.pubkey), key(v, "payee", &summary.payee.pubkey));
        let listed_script = ScriptBuf::from_hex(&f.witness_script_hex).unwrap_or_default();
        let settings = summary.settings.map(channel::Settings::from).unwrap_or_default();
        let design = crate::party::design(&summary.design, &settings);
        if design.is_none() {
            v.fail(
                "summary",
                "design",
                format!("unknown design \"{}\"; paychan knows {}", summary.design, crate::party::design_names()),
            );
        }
        if let (Some(design), (Some(a), Some(b))) = (&design, keys) {
            let rebuilt = design.funding_script(&a, &b);
            if rebuilt != listed_script {
                v.fail(
                    "funding",
                    "bip67",
                    format!(
                        "the witness script {} is not the {} design's script of the payer's and payee's keys ({})",
                        f.witness_script_hex,
                        design.name(),
                        rebuilt.to_hex_string()
                    ),
                );
            }
        }
        let script = |hex: &str| ScriptBuf::from_hex(hex).unwrap_or_default();
        let mut channel = Channel {
            outpoint: OutPoint { txid: Txid::from_raw_hash(bitcoin::hashes::Hash::all_zeros()), vout: f.vout },
            amount: Amount::from_sat(f.amount_sat),
            script_pubkey: match (&design, keys) {
                (Some(d), (Some(a), Some(b))) => d.funding_output_script(&a, &b),
                _ => listed_script.to_p2wsh(),
            },
            payer_payout: script(&summary.payer.script_pubkey_hex),
            payee_payout: script(&summary.payee.script_pubkey_hex),
            params: None,
        };
        if let (Some(design), (Some(payer), Some(payee))) = (design, keys) {
            let mut params = ChannelParams {
                design,
                funding_outpoint: channel.outpoint,
                funding_amount: channel.amount,
                payer_funding_key: payer,
                payee_funding_key: payee,
                witness_script: listed_script.clone(),
                payer_payout: channel.payer_payout.clone(),
                payee_payout: channel.payee_payout.clone(),
                fee_rate: FeeRate::from_sat_per_kwu(summary.fee_rate_sat_per_kwu),
                extra: crate::channel::part::Extra::NONE,
            };
            let [payer_keys, payee_keys] = public_keys(v, summary);
            if !payer_keys.is_empty() || !payee_keys.is_empty() {
                if let Err(e) = params.design.clone().with_public_keys(&mut params, [&payer_keys, &payee_keys]) {
                    v.fail("summary", "pubkey", e);
                }
            }
            channel.params = Some(params);
        }

        channel
    }

    /// The funding transaction: its own input, and the output it creates.
    fn funding(&mut self, f: &FundingJson, channel: &mut Channel) {
        let v = self;
        let min_rate = v.min_rate;
        let script = |hex: &str| ScriptBuf::from_hex(hex).unwrap_or_default();
        if let Some(funding) = v.parse("funding", &f.tx_hex, &f.txid) {
            channel.outpoint.txid = funding.compute_txid();
            if let Some(params) = &mut channel.params {
                params.funding_outpoint = channel.outpoint;
            }
            match funding.output.get(f.vout as usize) {
                Some(out) if out.script_pubkey == channel.script_pubkey && out.value == channel.amount => {}
                Some(out) => v.fail(
                    "funding",
                    "funding-output",
                    format!(
                        "output {} pays {} sat to {}, not {} sat to the P2WSH of the witness script",
                        f.vout,
                        out.value.to_sat(),
                        out.script_pubkey.to_hex_string(),
                        f.amount_sat
                    ),
                ),
                None => v.fail("funding", "funding-output", format!("has no output {}", f.vout)),
            }
            let mut spent = Amount::ZERO;
            let prevouts: Vec<TxOut> = f
                .inputs
                .iter()
                .map(|input| TxOut {
                    value: Amount::from_sat(input.amount_sat),
                    script_pubkey: script(&input.script_pubkey_hex),
                })
                .collect();
            for (i, input) in f.inputs.iter().enumerate() {
                spent += Amount::from_sat(input.amount_sat);
                let listed = format!("{}:{}", input.txid, input.vout);
                match funding.input.get(i) {
                    Some(txin) if txin.previous_output.to_string() == listed => {
                        if let Err(e) = rules::consensus(&funding, i, &prevouts) {
                            v.fail("funding", e.check, e.detail);
                        }
                    }
                    _ => v.fail("funding", "input", format!("input {i} does not spend the listed coin {listed}")),
                }
            }
            if f.inputs.len() != funding.input.len() {
                v.fail(
                    "funding",
                    "input",
                    format!("{} inputs listed, {} in the transaction", f.inputs.len(), funding.input.len()),
                );
            }
            if let Err(e) = rules::policy(&funding, spent, min_rate) {
                v.fail("funding", e.check, e.detail);
            }
        }
    }

    /// Every commitment, in order: the row-to-row checks here, each transaction's own checks in
    /// parallel, chunk by chunk, the findings kept in row order. Returns the last transaction.
    fn log(
        &mut self,
        mut reader: csv::Reader<std::fs::File>,
        csv_path: &Path,
        channel: &Channel,
        listed: u64,
    ) -> Result<Option<Transaction>, VerifyError> {
        let v = self;
        let min_rate = v.min_rate;
        let mut expected_seq = 1;
        let mut last_payee = 0;
        let mut last_tx: Option<Transaction> = None;
        // Rows logged without their transaction (a --no-tx-hex run): how many, the first and the last.
        let mut without_tx: Option<(u64, u64, u64)> = None;
        let mut count = 0;
        let mut revocations = Revocations::default();
        let mut rows = reader.deserialize::<LogRow>();
        loop {
            let mut chunk = Vec::with_capacity(CHUNK);
            for record in rows.by_ref().take(CHUNK) {
                let row = record.map_err(|source| VerifyError::Csv { path: csv_path.to_path_buf(), source })?;
                let mut seq_findings = Vec::new();
                let place = format!("commitment #{}", row.seq);
                count += 1;
                if row.seq != expected_seq {
                    seq_findings.push(Finding {
                        place: place.clone(),
                        check: "seq",
                        detail: format!("row {count} has seq {}, expected {expected_seq}", row.seq),
                    });
                }
                expected_seq = row.seq + 1;
                if row.payee_sat < last_payee {
                    seq_findings.push(Finding {
                        place: place.clone(),
                        check: "payee-decreases",
                        detail: format!("the payee gets {} sat after {last_payee} sat", row.payee_sat),
                    });
                }
                last_payee = row.payee_sat;
                seq_findings.extend(revocations.check(&row, &place));
                chunk.push((row, place, seq_findings));
            }
            if chunk.is_empty() {
                break;
            }
            let checked: Vec<Checked> = chunk
                .into_par_iter()
                .map(|(row, place, findings)| check_row(min_rate, channel, &row, &place, findings))
                .collect();
            for (findings, transactions, t, bare) in checked {
                v.findings.extend(findings);
                v.transactions += transactions;
                if t.is_some() {
                    last_tx = t;
                }
                if let Some(seq) = bare {
                    let (n, first, _) = without_tx.unwrap_or((0, seq, seq));
                    without_tx = Some((n + 1, first, seq));
                }
            }
        }
        if let Some((n, first, last)) = without_tx {
            let rows = if n == 1 {
                format!("commitment #{first} has")
            } else {
                format!("{n} commitments (#{first} to #{last}) have")
            };
            v.fail(
                "commitments.csv",
                "no-tx-hex",
                format!("{rows} no transaction in the log (a --no-tx-hex run): nothing of them to verify"),
            );
        }
        if count != listed {
            v.fail("summary", "count", format!("{} commitments listed, {count} rows in the log", listed));
        }

        Ok(last_tx)
    }

    /// The other party's versions of the states (`commitments-<holder>.csv`, in a design whose
    /// parties hold different ones): numbered in order, each revealed secret the secret of the
    /// previous row's point, and each transaction checked as [`Verifier::other_version`] does.
    fn other_versions(&mut self, dir: &Path, channel: &Channel) -> Result<(), VerifyError> {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map_err(|source| VerifyError::Read { path: dir.to_path_buf(), source })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("commitments-") && n.ends_with(".csv"))
            })
            .collect();
        files.sort();
        for path in files {
            let mut reader =
                csv::Reader::from_path(&path).map_err(|source| VerifyError::Csv { path: path.clone(), source })?;
            let mut revocations = Revocations::default();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
            let mut without_tx: Option<(u64, u64, u64)> = None;
            for (i, record) in reader.deserialize::<LogRow>().enumerate() {
                let row = record.map_err(|source| VerifyError::Csv { path: path.clone(), source })?;
                let place = format!("{name} #{}", row.seq);
                if row.seq != i as u64 + 1 {
                    self.fail(&place, "seq", format!("row {} has seq {}", i + 1, row.seq));
                }
                self.findings.extend(revocations.check(&row, &place));
                if row.tx_hex.is_empty() {
                    let (n, first, _) = without_tx.unwrap_or((0, row.seq, row.seq));
                    without_tx = Some((n + 1, first, row.seq));
                } else {
                    self.other_version(&place, &row, channel);
                }
            }
            if let Some((n, first, last)) = without_tx {
                let rows = if n == 1 {
                    format!("version #{first} has")
                } else {
                    format!("{n} versions (#{first} to #{last}) have")
                };
                self.fail(
                    &name,
                    "no-tx-hex",
                    format!("{rows} no transaction in the log (a --no-tx-hex run): nothing of them to verify"),
                );
            }
        }
        Ok(())
    }

    /// One row of another version: its transaction hashes to its txid, spends the funding output
    /// with the lock time and sequence the design gives the state, carries a valid BIP-0143
    /// signature of every party its `signed_by` names, and passes policy.
    fn other_version(&mut self, place: &str, row: &LogRow, ch: &Channel) {
        let Some(tx) = self.parse(place, &row.tx_hex, &row.txid) else { return };
        if tx.input.len() != 1 || tx.input[0].previous_output != ch.outpoint {
            self.fail(place, "input", format!("does not spend exactly the funding output {}", ch.outpoint));
            return;
        }
        let Some(params) = &ch.params else { return };
        let (lock_time, sequence) = params.design.lock(params, Some(row.seq));
        if tx.lock_time != lock_time || tx.input[0].sequence != sequence {
            self.fail(
                place,
                "final",
                format!(
                    "lock time {} and sequence {:#010x} are not the {} design's",
                    tx.lock_time,
                    tx.input[0].sequence.0,
                    params.design.name()
                ),
            );
        }
        let signers: &[(&str, PublicKey)] = &[("payer", params.payer_funding_key), ("payee", params.payee_funding_key)];
        let named: Vec<PublicKey> = signers
            .iter()
            .filter(|(who, _)| row.signed_by == "both" || row.signed_by == *who)
            .map(|(_, k)| *k)
            .collect();
        if named.is_empty() {
            self.fail(place, "signed-by", format!("{:?} names neither party", row.signed_by));
        } else if let Err(e) = crate::channel::psbt::signed_by(params, &tx, &named) {
            self.fail(place, "signature", format!("signed_by says {}, but {e}", row.signed_by));
        }
        if let Err(e) = rules::policy(&tx, ch.amount, self.min_rate) {
            self.fail(place, e.check, e.detail);
        }
    }

    /// The last state both agreed to: the last logged commitment's, by number and amounts.
    fn last_state(&mut self, summary: &Summary, channel: &Channel, last_tx: Option<&Transaction>) {
        let l = &summary.last_state;
        if l.seq != summary.commitments {
            self.fail(
                "last state",
                "seq",
                format!("is #{}, but {} commitments are listed", l.seq, summary.commitments),
            );
        }
        if let Some(t) = last_tx {
            self.amounts("last state", t, channel, l.payer_sat, l.payee_sat, l.fee_sat);
        }
    }

    /// The settlement: the final state, as the design builds it (the last commitment itself
    /// when the design gives both the same lock time, else the same outputs).
    fn settlement(&mut self, s: &SettlementJson, channel: &Channel, last_tx: Option<&Transaction>) {
        let v = self;
        if let Some(t) = v.parse("settlement", &s.tx_hex, &s.txid) {
            v.spend("settlement", &t, channel, None);
            v.amounts("settlement", &t, channel, s.payer_sat, s.payee_sat, s.fee_sat);
            if let Some(last) = last_tx {
                let settles = match &channel.params {
                    Some(p) => p.design.settles_last(p, last, &t, s.seq),
                    None => *last == t,
                };
                if !settles {
                    v.fail("settlement", "final-state", "is not the last commitment of the log");
                }
            }
        }
    }

    /// `chain.csv`: every confirmed transaction replayed, in block order, on a fresh simulated
    /// chain that holds only the funding's coin, so each one must spend outputs that exist and
    /// are unspent at its height, be final there (lock times, BIP-0068), conserve value, pay the
    /// relay fee and pass Bitcoin Core's interpreter with every flag; then what the confirmed
    /// outputs pay each party must be the summary's `received_sat`.
    fn chain(&mut self, dir: &Path, summary: &Summary, channel: &Channel) -> Result<(), VerifyError> {
        let path = dir.join("chain.csv");
        let (Some(chain_json), Some(outcome)) = (&summary.chain, &summary.outcome) else {
            if path.exists() {
                self.fail("chain", "summary", "chain.csv is present but summary.json has no chain or outcome");
            }
            return Ok(());
        };
        let mut reader =
            csv::Reader::from_path(&path).map_err(|source| VerifyError::Csv { path: path.clone(), source })?;
        let mut rows = Vec::new();
        for row in reader.deserialize::<crate::output::chain::ChainRow>() {
            rows.push(row.map_err(|source| VerifyError::Csv { path: path.clone(), source })?);
        }
        let min_relay =
            FeeRate::min(FeeRate::from_sat_per_kwu(summary.fee_rate_sat_per_kwu), crate::scenario::MIN_RELAY_FEE_RATE);
        let start = chain_json.start_height;
        let mut chain = crate::chain::Chain::new(start.saturating_sub(1), min_relay);
        for input in &summary.funding.inputs {
            let outpoint = format!("{}:{}", input.txid, input.vout).parse::<OutPoint>();
            let txout = bitcoin::TxOut {
                value: Amount::from_sat(input.amount_sat),
                script_pubkey: ScriptBuf::from_hex(&input.script_pubkey_hex).unwrap_or_default(),
            };
            if let Ok(op) = outpoint {
                let _ = chain.add_external_coin(op, txout, start.saturating_sub(1));
            }
        }
        let mut confirmed: Vec<(u32, usize, Transaction)> = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            let place = format!("chain.csv row {} ({})", i + 1, row.kind);
            let Some(tx) = self.parse(&place, &row.tx_hex, &row.txid) else { continue };
            match (row.status.as_str(), row.confirmed_height) {
                ("confirmed", Some(h)) => confirmed.push((h, i, tx)),
                ("confirmed", None) => self.fail(&place, "chain", "confirmed, but no confirmed_height"),
                _ => {}
            }
        }
        confirmed.sort_by_key(|(h, i, _)| (*h, *i));
        let mut block: Option<u32> = None;
        for (h, i, tx) in confirmed {
            let place = format!("chain.csv row {} ({})", i + 1, rows[i].kind);
            if block != Some(h) {
                if block.is_some() {
                    chain.mine();
                }
                if h <= chain.tip() {
                    self.fail(&place, "chain", format!("confirmed at height {h}, not above the tip {}", chain.tip()));
                    block = None;
                    continue;
                }
                chain.mine_until(h - 1);
                block = Some(h);
            }
            if let Err(r) = chain.submit(tx) {
                self.fail(&place, "chain", format!("cannot confirm at height {h}: {r}"));
            }
        }
        if block.is_some() {
            chain.mine();
        }
        let received = |script: &ScriptBuf| crate::onchain::outcome::received(&chain, script).to_sat();
        for (who, script, listed) in [
            ("payer", &channel.payer_payout, outcome.payer.received_sat),
            ("payee", &channel.payee_payout, outcome.payee.received_sat),
        ] {
            let actual = received(script);
            if actual != listed {
                self.fail(
                    "outcome",
                    "received",
                    format!(
                        "the summary says the {who} received {listed} sat; the confirmed outputs pay it {actual} sat"
                    ),
                );
            }
        }
        self.close(&chain, &rows, summary);
        Ok(())
    }

    /// What closed the channel on the replayed `chain`: the transaction that spent the funding
    /// output must be the outcome's `closing_txid`, of its kind in `rows`; a `settlement` in the
    /// summary must be that transaction, byte for byte, and is there only if it is one.
    fn close(&mut self, chain: &crate::chain::Chain, rows: &[crate::output::chain::ChainRow], summary: &Summary) {
        let Ok(funding) = format!("{}:{}", summary.funding.txid, summary.funding.vout).parse::<OutPoint>() else {
            return;
        };
        let spent = chain.spent_by(&funding).map(|t| t.to_string());
        let outcome = summary.outcome.as_ref();
        let listed = outcome.and_then(|o| o.closing_txid.clone());
        if spent != listed {
            self.fail(
                "outcome",
                "closing",
                format!("the summary says {listed:?} closed the channel; the chain says {spent:?}"),
            );
        }
        let row = spent.as_ref().and_then(|t| rows.iter().find(|r| &r.txid == t));
        let kind = row.map(|r| r.kind.as_str());
        if kind != outcome.and_then(|o| o.closed_with.as_deref()) {
            self.fail("outcome", "closing", format!("the closing transaction is a {kind:?} in chain.csv"));
        }
        match (&summary.settlement, row) {
            (Some(s), Some(r)) if r.kind == "settlement" && r.txid == s.txid && r.tx_hex == s.tx_hex => {}
            (Some(_), _) => {
                self.fail("settlement", "closing", "is not the settlement that closed the channel on the chain")
            }
            (None, Some(r)) if r.kind == "settlement" => {
                self.fail("summary", "settlement", "the chain's cooperative close is missing from summary.json")
            }
            (None, _) => {}
        }
    }
}
