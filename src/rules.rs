//! Independent checks of emitted transactions: Bitcoin Core's script interpreter and policy.
//!
//! Building a transaction and believing it valid are different things. This module asks Bitcoin
//! Core's own interpreter (libbitcoinconsensus 0.106, with its Taproot flag and every input's spent
//! output) whether an input's
//! witness really spends its prevout, and checks the standardness rules that consensus leaves
//! out: dust outputs, the fee rate, low-S strict-DER signatures with SIGHASH_ALL and the version.
//! Which lock time and sequence a transaction carries is its design's business
//! ([`crate::channel::Design::lock`]), checked by `verify`; whether it is final at a height is the
//! simulated chain's ([`crate::chain`]). The tests run every emitted transaction through it, and `paychan verify` will too.

use bitcoin::consensus::encode::serialize;
use bitcoin::{Amount, FeeRate, Transaction, TxOut};

use crate::channel::P2WPKH_DUST;

/// One failed check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{check}: {detail}")]
pub struct CheckError {
    /// Short name of the failed check, e.g. "consensus", "dust", "fee-rate", "low-s".
    pub check: &'static str,
    /// What was found.
    pub detail: String,
}

fn fail(check: &'static str, detail: impl Into<String>) -> CheckError {
    CheckError { check, detail: detail.into() }
}

/// The flags every input is checked with: every consensus rule libbitcoinconsensus 0.106 offers
/// (P2SH, strict DER, NULLDUMMY, CHECKLOCKTIMEVERIFY, CHECKSEQUENCEVERIFY, witness, and Taproot:
/// BIP-0341 and BIP-0342).
pub const SCRIPT_FLAGS: u32 = bitcoinconsensus::VERIFY_ALL_PRE_TAPROOT | bitcoinconsensus::VERIFY_TAPROOT;

/// Runs Bitcoin Core's script interpreter ([`SCRIPT_FLAGS`]) on input `index` of `tx`, whose
/// inputs spend `spent`, one output per input in order: BIP-0341's sighash commits to every
/// spent amount and script, so the interpreter is given them all, whatever the design.
///
/// # Errors
///
/// A `consensus` [`CheckError`] with the interpreter's verdict, or when `spent` does not list one
/// output per input or `index` is not an input.
pub fn consensus(tx: &Transaction, index: usize, spent: &[TxOut]) -> Result<(), CheckError> {
    consensus_with_flags(tx, index, spent, SCRIPT_FLAGS)
}

/// [`consensus`] with the interpreter's `flags` instead of [`SCRIPT_FLAGS`]: how a test shows
/// which rule refuses a transaction (the same one passes with that rule's flag off).
///
/// # Errors
///
/// As [`consensus`].
pub fn consensus_with_flags(tx: &Transaction, index: usize, spent: &[TxOut], flags: u32) -> Result<(), CheckError> {
    if spent.len() != tx.input.len() || index >= spent.len() {
        return Err(fail(
            "consensus",
            format!("input {index} of {} checked against {} spent outputs", tx.input.len(), spent.len()),
        ));
    }
    let bytes = serialize(tx);
    let utxos = utxos(spent);
    let prevout = &spent[index];
    bitcoinconsensus::verify_with_flags(
        prevout.script_pubkey.as_bytes(),
        prevout.value.to_sat(),
        &bytes,
        Some(&utxos),
        index,
        flags,
    )
    .map_err(|e| fail("consensus", format!("input {index} fails Bitcoin Core's interpreter: {}", verdict(e))))
}

/// The interpreter's view of `spent`: each output's script and value, pointing into `spent`
/// (which must outlive the returned list).
pub fn utxos(spent: &[TxOut]) -> Vec<bitcoinconsensus::Utxo> {
    spent
        .iter()
        .map(|o| bitcoinconsensus::Utxo {
            script_pubkey: o.script_pubkey.as_bytes().as_ptr(),
            script_pubkey_len: u32::try_from(o.script_pubkey.len()).expect("a script_pubkey is under 4 GB"),
            value: i64::try_from(o.value.to_sat()).expect("an amount is at most 21 million BTC"),
        })
        .collect()
}

/// libbitcoinconsensus says only that the script failed, never why; its other codes are misuse.
pub fn verdict(e: bitcoinconsensus::Error) -> String {
    match e {
        bitcoinconsensus::Error::ERR_SCRIPT => {
            "the script fails (libbitcoinconsensus does not say which operation)".to_string()
        }
        other => other.to_string(),
    }
}

/// Whether a witness has a Taproot spend's shape (BIP-0341): one 64- or 65-byte signature (the
/// key path), or a control block last (the script path: a leaf version byte 0xc0 or 0xc1, then
/// 32 + 32·m bytes), which no P2WSH script or P2WPKH key starts with.
fn taproot_shaped(items: &[&[u8]]) -> bool {
    match items {
        [sig] => sig.len() == 64 || sig.len() == 65,
        [.., _, last] => {
            (last[..].first().is_some_and(|b| b & 0xfe == 0xc0)) && last.len() >= 33 && (last.len() - 33) % 32 == 0
        }
        _ => false,
    }
}

/// Checks the standardness rules paychan holds every transaction to: version 2, no output below
/// P2WPKH dust, every ECDSA witness signature strict DER, low-S and SIGHASH_ALL (a Taproot
/// spend's BIP-0340 signatures SIGHASH_DEFAULT or ALL), and a
/// fee of at least `min_rate` over the transaction's real virtual size. `spent` is the total value
/// of the inputs.
///
/// # Errors
///
/// The first failed rule as a [`CheckError`].
pub fn policy(tx: &Transaction, spent: Amount, min_rate: FeeRate) -> Result<(), CheckError> {
    if tx.version != bitcoin::transaction::Version::TWO {
        return Err(fail("version", format!("version {} instead of 2", tx.version.0)));
    }
    for (i, out) in tx.output.iter().enumerate() {
        if out.value < P2WPKH_DUST {
            return Err(fail(
                "dust",
                format!("output {i} of {} sat is below the 294-sat dust limit", out.value.to_sat()),
            ));
        }
    }
    for (i, input) in tx.input.iter().enumerate() {
        let items: Vec<&[u8]> = input.witness.iter().collect();
        if taproot_shaped(&items) {
            // BIP-0340 signatures, 64 bytes with SIGHASH_DEFAULT or 65 with a sighash byte: the
            // interpreter checks them; policy asks only for ALL when a byte is given.
            if let Some(byte) = items.iter().find(|it| it.len() == 65).map(|it| it[64]) {
                if byte != 0x01 {
                    return Err(fail("sighash", format!("input {i}: Taproot sighash type {byte:#04x} instead of ALL")));
                }
            }
            continue;
        }
        // Signatures are the items that parse as DER plus a sighash byte (not the dummy, key or script).
        for item in items.iter().filter(|it| it.len() >= 9 && it[0] == 0x30) {
            let sig = bitcoin::ecdsa::Signature::from_slice(item)
                .map_err(|e| fail("der", format!("input {i}: a signature is not strict DER: {e}")))?;
            if sig.sighash_type != bitcoin::EcdsaSighashType::All {
                return Err(fail("sighash", format!("input {i}: sighash type {} instead of ALL", sig.sighash_type)));
            }
            let mut normalized = sig.signature;
            normalized.normalize_s();
            if normalized != sig.signature {
                return Err(fail("low-s", format!("input {i}: a signature has a high S value")));
            }
        }
    }
    let out = crate::channel::output_total(tx);
    let fee = spent.checked_sub(out).ok_or_else(|| fail("fee", "outputs exceed inputs"))?;
    let weight = tx.weight().to_wu();
    // fee / weight >= rate, in integers: fee * 1000 >= rate_per_kwu * weight.
    if u128::from(fee.to_sat()) * 1000 < u128::from(min_rate.to_sat_per_kwu()) * u128::from(weight) {
        return Err(fail(
            "fee-rate",
            format!(
                "fee of {} sat over {} vB is below {}",
                fee.to_sat(),
                tx.vsize(),
                crate::units::format_fee_rate(min_rate)
            ),
        ));
    }
    if weight > 400_000 {
        return Err(fail("weight", format!("weight {weight} exceeds the standard 400,000")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;
    use std::path::Path;

    fn book_commitment() -> (Transaction, Vec<TxOut>, Amount) {
        let s = Scenario::from_toml(Path::new("book"), include_str!("../scenarios/emma-fabian.toml")).unwrap();
        let mut first = None;
        crate::engine::run::<std::convert::Infallible, _>(&s, 1, |_, c| {
            first.get_or_insert_with(|| c.tx.clone());
            Ok(())
        })
        .unwrap();
        let (channel, _, _) = crate::engine::open(&s).unwrap();
        let spent = vec![TxOut { value: s.capacity, script_pubkey: channel.params.funding_output_script() }];
        (first.unwrap(), spent, s.capacity)
    }

    #[test]
    fn a_good_commitment_passes_and_a_flipped_signature_byte_fails() {
        let (tx, spk, amount) = book_commitment();
        consensus(&tx, 0, &spk).unwrap();
        policy(&tx, amount, FeeRate::from_sat_per_kwu(250)).unwrap();
        let mut bad = tx.clone();
        let mut items: Vec<Vec<u8>> = bad.input[0].witness.to_vec();
        let n = items[1].len();
        items[1][n - 5] ^= 1;
        bad.input[0].witness = bitcoin::Witness::from_slice(&items);
        assert_eq!(consensus(&bad, 0, &spk).unwrap_err().check, "consensus");
        let mut wrong_amount = tx.clone();
        wrong_amount.output[1].value = Amount::from_sat(2_000);
        assert!(consensus(&wrong_amount, 0, &spk).is_err(), "the signature covers the outputs");
    }

    #[test]
    fn policy_catches_dust_and_a_low_fee() {
        let (tx, _, amount) = book_commitment();
        assert_eq!(policy(&tx, amount, FeeRate::from_sat_per_kwu(251)).unwrap_err().check, "fee-rate");
        let mut dust = tx;
        dust.output[1].value = Amount::from_sat(293);
        assert_eq!(policy(&dust, amount, FeeRate::ZERO).unwrap_err().check, "dust");
    }
}
