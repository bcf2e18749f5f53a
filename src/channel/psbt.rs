//! BIP-0174 PSBTs: each party's signed copy of a state in the form wallets and Bitcoin Core read.
//!
//! "This transaction is only partially signed — it needs two signatures (2-of-2), but only has
//! Emma's." Bitcoin's standard form for that moment is the partially signed Bitcoin transaction.
//! [`signed_by`] writes a state as one party sends it to the other: the unsigned transaction, the
//! funding output it spends (`witness_utxo`), the witness script and the sender's partial
//! signature, found in the logged witness by verifying it against the BIP-0143 sighash, so it
//! reads any design's witness (which copies a design sends is its registration's
//! [`crate::party::Registration::copies`]). [`crate::party::psbt::countersign`] is the receiver's
//! side of a 2-of-2 working from that PSBT alone: it checks the script and the partial signature
//! against the sighash it computes itself, then adds its own. [`finalize`] builds the 2-of-2's
//! witness in the script's key order (rust-bitcoin 0.32 has no finalizer), and the extracted
//! transaction is byte for byte the commitment in the CSV.

use std::collections::BTreeSet;

use bitcoin::blockdata::script::Instruction;
use bitcoin::psbt::{Input, Psbt};
use bitcoin::secp256k1::{PublicKey, Secp256k1};
use bitcoin::sighash::EcdsaSighashType;
use bitcoin::{ecdsa, Amount, ScriptBuf, Transaction, TxOut, Witness};

use crate::channel::{self, ChannelParams};

/// Which commitments get PSBT files: `all`, or a list such as `1,600`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Every commitment.
    All,
    /// The listed commitment numbers.
    Only(BTreeSet<u64>),
}

impl Selection {
    /// Parses `all` or a comma-separated list of commitment numbers.
    ///
    /// # Errors
    ///
    /// A message naming the entry that is not a commitment number.
    pub fn parse(s: &str) -> Result<Selection, String> {
        if s.trim() == "all" {
            return Ok(Selection::All);
        }
        let mut set = BTreeSet::new();
        for part in s.split(',') {
            let n: u64 = part.trim().parse().ok().filter(|n| *n >= 1).ok_or_else(|| {
                format!("\"{}\" is not a commitment number; write all, or numbers like 1,600", part.trim())
            })?;
            set.insert(n);
        }
        Ok(Selection::Only(set))
    }

    /// Whether commitment `seq` is selected.
    pub fn contains(&self, seq: u64) -> bool {
        match self {
            Selection::All => true,
            Selection::Only(set) => set.contains(&seq),
        }
    }
}

/// A PSBT that cannot be countersigned or finalized.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PsbtError {
    /// A field BIP-0174 requires for a P2WSH input is absent.
    #[error("the PSBT's input has no {0}")]
    Missing(&'static str),
    /// The witness script is not a 2-of-2 of two compressed keys.
    #[error("the witness script is not a 2-of-2 CHECKMULTISIG")]
    NotTwoOfTwo,
    /// The spent output does not pay to the witness script.
    #[error("the spent output does not pay to the P2WSH of the witness script")]
    ScriptMismatch,
    /// The signer's key is not in the script.
    #[error("the key {0} is not in the 2-of-2")]
    NotOurChannel(PublicKey),
    /// A partial signature does not verify.
    #[error("the partial signature of {0} does not verify against the BIP-0143 sighash")]
    BadSignature(PublicKey),
    /// Finalizing needs both signatures.
    #[error("the PSBT has {0} of the 2 signatures")]
    Incomplete(usize),
    /// The transaction to write carries no valid signature of a key that should have signed it.
    #[error("the transaction's witness has no valid SIGHASH_ALL signature of {0}")]
    Unsigned(PublicKey),
    /// The finalized PSBT does not extract to the transaction it was made from.
    #[error("the finalized PSBT does not extract to the signed transaction it was made from")]
    NotTheSigned,
    /// The unsigned transaction is not a one-input commitment.
    #[error("the unsigned transaction must have exactly one input")]
    Shape,
}

/// The payer-signed PSBT of the fully signed commitment `signed`: its unsigned transaction, the
/// funding output, the witness script and the payer's signature only.
///
/// # Errors
///
/// As [`signed_by`].
pub fn payer_signed(params: &ChannelParams, signed: &Transaction) -> Result<Psbt, PsbtError> {
    signed_by(params, signed, &[params.payer_funding_key])
}

/// The finalized PSBT of `signed`, a state both parties signed: both partial signatures turned
/// into the final witness by [`finalize`].
///
/// # Errors
///
/// As [`signed_by`] for either key, and as [`finalize`] when the script is not a 2-of-2.
pub fn finalized(params: &ChannelParams, signed: &Transaction) -> Result<Psbt, PsbtError> {
    let mut psbt = signed_by(params, signed, &[params.payer_funding_key, params.payee_funding_key])?;
    finalize(&mut psbt)?;
    Ok(psbt)
}

/// The PSBT of `tx`, a spend of the funding output, as it is sent with the signatures of
/// `signers` in it: the unsigned transaction, the funding output (`witness_utxo`), the witness
/// script and, for each key of `signers`, its signature from `tx`'s witness, checked against the
/// BIP-0143 sighash. Which witness item is whose is found by verifying, not by position, so a
/// half-signed Spilman commitment (`[sig, empty, 01, script]`) and a revocable version signed by
/// either party read alike.
///
/// # Errors
///
/// [`PsbtError::Unsigned`] when `tx`'s witness carries no valid SIGHASH_ALL signature of one of
/// `signers`; [`PsbtError::Shape`] when `tx` does not have exactly one input.
pub fn signed_by(params: &ChannelParams, tx: &Transaction, signers: &[PublicKey]) -> Result<Psbt, PsbtError> {
    if tx.input.len() != 1 {
        return Err(PsbtError::Shape);
    }
    let msg = params.funding_sighash(tx);
    let secp = Secp256k1::verification_only();
    let sigs: Vec<ecdsa::Signature> = tx.input[0]
        .witness
        .iter()
        .filter_map(|item| ecdsa::Signature::from_slice(item).ok())
        .filter(|s| s.sighash_type == EcdsaSighashType::All)
        .collect();
    let mut psbt = unsigned_psbt(params, tx);
    for key in signers {
        let sig = sigs
            .iter()
            .find(|s| secp.verify_ecdsa(&msg, &s.signature, key).is_ok())
            .ok_or(PsbtError::Unsigned(*key))?;
        psbt.inputs[0].partial_sigs.insert(bitcoin::PublicKey::new(*key), *sig);
    }
    Ok(psbt)
}

fn unsigned_psbt(params: &ChannelParams, signed: &Transaction) -> Psbt {
    let mut unsigned = signed.clone();
    unsigned.input[0].witness = Witness::new();
    let mut psbt = Psbt::from_unsigned_tx(unsigned).expect("the witness was just cleared");
    psbt.inputs[0] = Input {
        witness_utxo: Some(TxOut { value: params.funding_amount, script_pubkey: params.funding_output_script() }),
        witness_script: Some(params.witness_script.clone()),
        sighash_type: Some(EcdsaSighashType::All.into()),
        ..Input::default()
    };
    psbt
}

/// The two keys of a 2-of-2 witness script, in script order.
fn script_keys(script: &ScriptBuf) -> Result<[PublicKey; 2], PsbtError> {
    let mut keys = Vec::new();
    for ins in script.instructions() {
        if let Ok(Instruction::PushBytes(b)) = ins {
            if b.len() == 33 {
                keys.push(PublicKey::from_slice(b.as_bytes()).map_err(|_| PsbtError::NotTwoOfTwo)?);
            }
        }
    }
    let [a, b] = keys.as_slice() else { return Err(PsbtError::NotTwoOfTwo) };
    if channel::funding_witness_script(a, b) != *script {
        return Err(PsbtError::NotTwoOfTwo);
    }
    Ok([*a, *b])
}

/// The spent output's value and witness script, checked against each other.
fn spent(psbt: &Psbt) -> Result<(Amount, ScriptBuf), PsbtError> {
    if psbt.unsigned_tx.input.len() != 1 || psbt.inputs.len() != 1 {
        return Err(PsbtError::Shape);
    }
    let input = &psbt.inputs[0];
    let utxo = input.witness_utxo.as_ref().ok_or(PsbtError::Missing("witness_utxo"))?;
    let script = input.witness_script.clone().ok_or(PsbtError::Missing("witness_script"))?;
    if utxo.script_pubkey != script.to_p2wsh() {
        return Err(PsbtError::ScriptMismatch);
    }
    Ok((utxo.value, script))
}

/// The spent output's amount, its witness script and the script's two keys, checked against
/// each other from the PSBT alone: what a signer must know before it signs ([`crate::party::psbt`]).
///
/// # Errors
///
/// [`PsbtError`] when a field is missing or the script is not the 2-of-2 the output pays.
pub fn spent_2_of_2(psbt: &Psbt) -> Result<(Amount, ScriptBuf, [PublicKey; 2]), PsbtError> {
    let (amount, script) = spent(psbt)?;
    let keys = script_keys(&script)?;
    Ok((amount, script, keys))
}

/// Builds the final witness (the CHECKMULTISIG dummy, the signatures in the script's key order,
/// the script) and clears the fields a finalized input no longer carries, as BIP-0174's finalizer
/// does.
///
/// # Errors
///
/// [`PsbtError::Incomplete`] without both signatures; others as [`spent_2_of_2`].
pub fn finalize(psbt: &mut Psbt) -> Result<(), PsbtError> {
    let (_, script) = spent(psbt)?;
    let [a, b] = script_keys(&script)?;
    let input = &mut psbt.inputs[0];
    let sig = |k: &PublicKey| input.partial_sigs.get(&bitcoin::PublicKey::new(*k)).copied();
    let (Some(sig_a), Some(sig_b)) = (sig(&a), sig(&b)) else {
        return Err(PsbtError::Incomplete(usize::from(sig(&a).is_some()) + usize::from(sig(&b).is_some())));
    };
    input.final_script_witness = Some(channel::multisig_witness(&script, (&a, &sig_a), (&b, &sig_b)));
    input.partial_sigs.clear();
    input.sighash_type = None;
    input.witness_script = None;
    Ok(())
}

/// The network-ready transaction of a finalized PSBT.
pub fn extract(psbt: Psbt) -> Transaction {
    psbt.extract_tx_unchecked_fee_rate()
}
