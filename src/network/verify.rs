//! A routed channel's folder checked from its files alone, as `paychan verify` does for a
//! single channel: the funding transaction against the funder's coin, every commitment against
//! the 2-of-2 rebuilt from the two listed funding keys, its commitment number in lock time and
//! sequence, its amounts, each revealed secret against the point of the commitment it revokes,
//! and every HTLC transaction against the commitment output it spends, all through Bitcoin
//! Core's interpreter and paychan's policy ([`crate::rules`]); then `chain.csv` replayed on a
//! fresh simulated chain holding only the funder's coin: each confirmed transaction must be
//! accepted for its block (lock times, BIP-0068, unspent inputs, value, fee rate, the
//! interpreter with every flag) and each one listed as rejected must be refused there.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bitcoin::consensus::encode::deserialize_hex;
use bitcoin::hashes::{ripemd160, sha256, Hash};
use bitcoin::secp256k1::{PublicKey, SecretKey};
use bitcoin::{Amount, FeeRate, OutPoint, ScriptBuf, Transaction};

use super::files::{ChannelJson, CommitmentRow, HtlcTxRow};
use crate::channel::bolt3;
use crate::channel::builders;
use crate::rules;

/// One failed check of a channel folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelFinding {
    /// Which transaction or row.
    pub place: String,
    /// The check's short name.
    pub check: &'static str,
    /// What was found.
    pub detail: String,
}

/// A file of the folder cannot be read or parsed at all.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {problem}")]
pub struct ChannelReadError {
    /// The file.
    pub path: PathBuf,
    /// What went wrong.
    pub problem: String,
}

/// Whether `dir` is a routed channel's folder (it has a `channel.json`).
pub fn is_channel_dir(dir: &Path) -> bool {
    dir.join("channel.json").is_file()
}

struct Checker {
    min_rate: FeeRate,
    transactions: usize,
    findings: Vec<ChannelFinding>,
}

impl Checker {
    fn fail(&mut self, place: &str, check: &'static str, detail: impl Into<String>) {
        self.findings.push(ChannelFinding { place: place.to_string(), check, detail: detail.into() });
    }

    fn parse(&mut self, place: &str, hex: &str, txid: &str) -> Option<Transaction> {
        self.transactions += 1;
        match deserialize_hex::<Transaction>(hex) {
            Ok(tx) => {
                if tx.compute_txid().to_string() != txid {
                    self.fail(
                        place,
                        "txid",
                        format!("listed as {txid}, but the transaction's is {}", tx.compute_txid()),
                    );
                }
                Some(tx)
            }
            Err(e) => {
                self.fail(place, "parse", format!("the transaction hex does not parse: {e}"));
                None
            }
        }
    }

    /// The interpreter and policy on input 0 of `tx`, which spends `spk` holding `amount`.
    fn spends(&mut self, place: &str, tx: &Transaction, spk: &ScriptBuf, amount: Amount) {
        for result in [
            rules::consensus(tx, 0, &[bitcoin::TxOut { value: amount, script_pubkey: spk.to_owned() }]),
            rules::policy(tx, amount, self.min_rate),
        ] {
            if let Err(e) = result {
                self.fail(place, e.check, e.detail);
            }
        }
    }
}

fn read(path: &Path) -> Result<String, ChannelReadError> {
    std::fs::read_to_string(path).map_err(|e| ChannelReadError { path: path.to_path_buf(), problem: e.to_string() })
}

fn rows<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<T>, ChannelReadError> {
    let bad = |e: csv::Error| ChannelReadError { path: path.to_path_buf(), problem: e.to_string() };
    csv::Reader::from_path(path).map_err(bad)?.deserialize().collect::<Result<Vec<T>, _>>().map_err(bad)
}

/// The channel's keys and funding, as the files establish them.
struct Channel {
    funding: OutPoint,
    capacity: Amount,
    funding_spk: ScriptBuf,
    payment: [PublicKey; 2],
    funder: usize,
}

/// Checks the routed channel folder `dir`; returns the transactions examined and the findings.
///
/// # Errors
///
/// [`ChannelReadError`] when a file is missing or not in the format [`super::files`] writes.
pub fn verify_channel_dir(dir: &Path, min_rate: FeeRate) -> Result<(usize, Vec<ChannelFinding>), ChannelReadError> {
    let path = dir.join("channel.json");
    let json: ChannelJson = serde_json::from_str(&read(&path)?)
        .map_err(|e| ChannelReadError { path: path.clone(), problem: e.to_string() })?;
    let key = |hex: &str| {
        hex.parse::<PublicKey>().map_err(|e| ChannelReadError {
            path: path.clone(),
            problem: format!("key {hex} is not a public key: {e}"),
        })
    };
    let funding_keys = [key(&json.keys[0].funding)?, key(&json.keys[1].funding)?];
    let payment = [key(&json.keys[0].payment)?, key(&json.keys[1].payment)?];
    let mut c = Checker { min_rate, transactions: 0, findings: Vec::new() };
    let funding_spk = builders::funding_witness_script(&funding_keys[0], &funding_keys[1]).to_p2wsh();
    let funding_tx = c.parse("funding", &json.funding_tx_hex, &json.funding_txid);
    let capacity = Amount::from_sat(json.capacity_sat);
    if let Some(tx) = &funding_tx {
        let coin_spk = ScriptBuf::from_hex(&json.coin_script_pubkey_hex).unwrap_or_default();
        if tx.input.first().map(|i| i.previous_output.to_string()) != Some(json.coin_outpoint.clone()) {
            c.fail("funding", "input", format!("does not spend the funder's coin {}", json.coin_outpoint));
        }
        c.spends("funding", tx, &coin_spk, Amount::from_sat(json.coin_sat));
        if tx.output.first().map(|o| (&o.script_pubkey, o.value)) != Some((&funding_spk, capacity)) {
            c.fail("funding", "funding-output", "output 0 is not the 2-of-2 of the two funding keys with the capacity");
        }
    }
    let funder = usize::from(json.funder == "b");
    let funding = OutPoint { txid: funding_tx.map_or_else(bitcoin::Txid::all_zeros, |t| t.compute_txid()), vout: 0 };
    let ch = Channel { funding, capacity, funding_spk, payment, funder };
    let commitments: Vec<CommitmentRow> = rows(&dir.join("commitments.csv"))?;
    let txs = commitments_check(&mut c, &ch, &commitments);
    let htlc_txs: Vec<HtlcTxRow> = rows(&dir.join("htlc-txs.csv"))?;
    for row in &htlc_txs {
        htlc_tx_check(&mut c, row, &txs);
    }
    let chain_csv = dir.join("chain.csv");
    if chain_csv.is_file() {
        let coin = json.coin_outpoint.parse::<OutPoint>().map_err(|e| ChannelReadError {
            path: path.clone(),
            problem: format!("coin_outpoint {} is not an outpoint: {e}", json.coin_outpoint),
        })?;
        let coin_spk = ScriptBuf::from_hex(&json.coin_script_pubkey_hex).unwrap_or_default();
        let coin = (coin, bitcoin::TxOut { value: Amount::from_sat(json.coin_sat), script_pubkey: coin_spk });
        let mut known: std::collections::BTreeSet<String> = commitments.iter().map(|r| r.txid.clone()).collect();
        known.extend(htlc_txs.iter().map(|r| r.txid.clone()));
        known.insert(json.funding_txid.clone());
        let chain_rows: Vec<super::onchain::ChainRow> = rows(&chain_csv)?;
        let before = c.transactions;
        chain_check(&mut c, &chain_rows, coin);
        // A transaction checked above (the funding, a commitment, an HTLC transaction) counts once.
        c.transactions = before + chain_rows.iter().filter(|r| !known.contains(&r.txid)).count();
    }
    Ok((c.transactions, c.findings))
}

/// Every commitment row; returns the parsed transactions by holder and number.
fn commitments_check(c: &mut Checker, ch: &Channel, rows: &[CommitmentRow]) -> BTreeMap<(String, u64), Transaction> {
    let factor = bolt3::obscuring_factor(&ch.payment[ch.funder], &ch.payment[1 - ch.funder]);
    let mut txs = BTreeMap::new();
    let last: BTreeMap<&str, u64> = rows.iter().map(|r| (r.holder.as_str(), r.number)).collect();
    for row in rows {
        let place = format!("{}'s commitment {}", row.holder, row.number);
        let Some(tx) = c.parse(&place, &row.tx_hex, &row.txid) else { continue };
        if tx.input.len() != 1 || tx.input[0].previous_output != ch.funding {
            c.fail(&place, "input", format!("does not spend exactly the funding output {}", ch.funding));
            continue;
        }
        c.spends(&place, &tx, &ch.funding_spk, ch.capacity);
        if bolt3::commitment_number_of(&tx, factor) != Some(row.number) {
            c.fail(&place, "commitment-number", "its lock time and sequence do not carry this commitment number");
        }
        amounts_check(c, ch, row, &tx, &place);
        revocation_check(c, row, last.get(row.holder.as_str()) == Some(&row.number), &place);
        txs.insert((row.holder.clone(), row.number), tx);
    }
    txs
}

fn amounts_check(c: &mut Checker, ch: &Channel, row: &CommitmentRow, tx: &Transaction, place: &str) {
    let balances = row.to_local_sat.checked_add(row.to_remote_sat).and_then(|s| s.checked_add(row.htlc_sat));
    if balances != Some(ch.capacity.to_sat()) {
        c.fail(place, "csv-amounts", "the balances and the HTLCs do not add up to the capacity");
    }
    let paid: u64 = tx.output.iter().map(|o| o.value.to_sat()).sum();
    if paid.checked_add(row.fee_sat) != Some(ch.capacity.to_sat()) {
        c.fail(
            place,
            "csv-fee",
            format!("the outputs pay {paid} sat; with the fee of {} sat that is not the capacity", row.fee_sat),
        );
    }
    // The other side is paid at once to its payment basepoint (option_static_remotekey).
    let holder = usize::from(row.holder == "b");
    let to_remote_spk = builders::p2wpkh(&ch.payment[1 - holder]);
    let paid_remote = tx.output.iter().find(|o| o.script_pubkey == to_remote_spk).map_or(0, |o| o.value.to_sat());
    let fee = if holder == ch.funder { 0 } else { row.fee_sat.min(row.to_remote_sat) };
    let expected = row.to_remote_sat.saturating_sub(fee);
    if paid_remote != expected && !(paid_remote == 0 && expected < crate::channel::revocable::DUST_LIMIT.to_sat()) {
        c.fail(place, "to-remote", format!("pays the other side {paid_remote} sat, the row says {expected} sat"));
    }
}

fn revocation_check(c: &mut Checker, row: &CommitmentRow, current: bool, place: &str) {
    if row.revoked_by_secret.is_empty() {
        if !current {
            c.fail(place, "revocation", "an old commitment whose secret was never handed over");
        }
        return;
    }
    if current {
        c.fail(place, "revocation", "the current commitment is listed as revoked");
    }
    let point = row
        .revoked_by_secret
        .parse::<SecretKey>()
        .ok()
        .map(|s| PublicKey::from_secret_key(crate::channel::revocable::secp(), &s).to_string());
    if point.as_deref() != Some(row.per_commitment_point.as_str()) {
        c.fail(place, "revealed-secret", "the secret that revoked it is not the secret of its per-commitment point");
    }
}

fn htlc_tx_check(c: &mut Checker, row: &HtlcTxRow, commitments: &BTreeMap<(String, u64), Transaction>) {
    let place = format!("{} of {}'s commitment {}", row.kind, row.holder, row.commitment);
    let Some(tx) = c.parse(&place, &row.tx_hex, &row.txid) else { return };
    let Some(commitment) = commitments.get(&(row.holder.clone(), row.commitment)) else {
        c.fail(&place, "commitment", "spends a commitment the folder does not list");
        return;
    };
    let script = ScriptBuf::from_hex(&row.witness_script_hex).unwrap_or_default();
    let spent = commitment.output.get(row.vout as usize);
    let outpoint = OutPoint { txid: commitment.compute_txid(), vout: row.vout };
    let ok = spent.is_some_and(|o| o.script_pubkey == script.to_p2wsh() && o.value.to_sat() == row.amount_sat);
    if !ok || tx.input.first().map(|i| i.previous_output) != Some(outpoint) {
        c.fail(
            &place,
            "input",
            format!("does not spend output {} of the commitment, the P2WSH of its script", row.vout),
        );
        return;
    }
    c.spends(&place, &tx, &script.to_p2wsh(), Amount::from_sat(row.amount_sat));
    let hash = row.payment_hash.parse::<sha256::Hash>().ok();
    let in_script = hash.is_some_and(|h| {
        let h160 = ripemd160::Hash::hash(h.as_byte_array()).to_byte_array();
        script.as_bytes().windows(20).any(|w| w == h160)
    });
    if !in_script {
        c.fail(&place, "payment-hash", "the HTLC script does not lock to this payment hash");
    }
    if row.kind == "HTLC-success" {
        let preimage = tx.input[0].witness.nth(3).unwrap_or_default();
        if Some(sha256::Hash::hash(preimage)) != hash {
            c.fail(&place, "preimage", "the witness does not carry the payment hash's preimage");
        }
    }
}

/// `chain.csv` replayed: every row judged for its block in file order (a confirmed row for the
/// block that confirmed it, a rejected one for the block after its broadcast), on a chain that
/// starts with the funder's coin the block before the first confirmation.
fn chain_check(c: &mut Checker, rows: &[super::onchain::ChainRow], coin: (OutPoint, bitcoin::TxOut)) {
    let start = rows.iter().filter_map(|r| r.confirmed_height).min().unwrap_or(1).saturating_sub(1);
    let mut chain = crate::chain::Chain::new(start, c.min_rate.min(crate::scenario::MIN_RELAY_FEE_RATE));
    if chain.add_external_coin(coin.0, coin.1, start).is_err() {
        c.fail("chain.csv", "coin", "the funder's coin cannot be placed on the replayed chain");
        return;
    }
    let mut judged: Vec<(u32, usize, Transaction)> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let place = format!("chain.csv row {} ({})", i + 1, row.kind);
        let Some(tx) = c.parse(&place, &row.tx_hex, &row.txid) else { continue };
        let height = match (row.status.as_str(), row.confirmed_height) {
            ("confirmed", Some(h)) => h,
            ("rejected", None) => row.broadcast_height + 1,
            (status, h) => {
                c.fail(&place, "chain", format!("status {status:?} with confirmed_height {h:?}"));
                continue;
            }
        };
        judged.push((height, i, tx));
    }
    judged.sort_by_key(|(h, i, _)| (*h, *i));
    let (mut block, mut expected) = (None, Vec::new());
    for (h, i, tx) in judged {
        let place = format!("chain.csv row {} ({})", i + 1, rows[i].kind);
        if block != Some(h) {
            if let Some(b) = block {
                chain.mine_until(b);
            }
            if h <= chain.tip() {
                c.fail(&place, "chain", format!("judged for height {h}, not above the tip {}", chain.tip()));
                continue;
            }
            chain.mine_until(h - 1);
            block = Some(h);
        }
        let txid = tx.compute_txid();
        match (chain.submit(tx), rows[i].status.as_str()) {
            (Err(r), "confirmed") => c.fail(&place, "chain", format!("cannot confirm at height {h}: {r}")),
            (Ok(_), "rejected") => {
                c.fail(&place, "chain", format!("listed as rejected, but the chain accepts it at height {h}"))
            }
            (Ok(_), _) => expected.push((place, txid, h)),
            _ => {}
        }
    }
    if let Some(b) = block {
        chain.mine_until(b);
    }
    for (place, txid, h) in expected {
        if chain.confirmation_height(&txid) != Some(h) {
            c.fail(&place, "chain", format!("not confirmed at height {h}"));
        }
    }
}
