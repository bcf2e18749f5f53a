//! The book's first channel: a 2-of-2 funding output and commitments that both parties sign, final
//! at once (no lock time), each spending the same funding output.
//!
//! It trusts both sides: the chapter's point is that it breaks (Fabian vanishes and Emma's money
//! is stuck; Emma broadcasts an early commitment and pays for one second). paychan replays it
//! exactly as the book tells it, and it is the default design.

use bitcoin::absolute::LockTime;
use bitcoin::secp256k1::PublicKey;
use bitcoin::transaction::Version;
use bitcoin::{ecdsa, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Weight, Witness};

use super::builders::{funding_witness_script, multisig_witness};
use super::{ChannelParams, Design, Settings, Split};

/// The naive 2-of-2 channel of the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Naive;

/// Registers the design under its name (see [`super::DESIGNS`]).
pub(super) fn make(_: &Settings) -> Box<dyn Design> {
    Box::new(Naive)
}

impl Design for Naive {
    fn name(&self) -> &'static str {
        "naive"
    }

    fn about(&self) -> &'static str {
        "the book's first channel: a 2-of-2 funding output; every commitment is signed by both parties and \
         valid at once, so it trusts both sides"
    }

    fn tell_funding(&self, payer: &str, payee: &str, address: &str) -> String {
        format!(
            "{payer} and {payee} set up a 2-of-2 multisig address, {address}: each holds one of its two keys, so \
             nothing leaves it without both signatures."
        )
    }

    fn funding_script(&self, payer: &PublicKey, payee: &PublicKey) -> ScriptBuf {
        funding_witness_script(payer, payee)
    }

    /// Non-witness bytes: version 4, input count 1, input 41, output count 1, 31 per output, lock
    /// time 4. Witness: marker and flag 2, item count 1, the empty CHECKMULTISIG dummy 1, two
    /// signatures 1 + 72 each, the 71-byte witness script 1 + 71.
    fn commitment_weight(&self, outputs: u64) -> Weight {
        let base = 4 + 1 + 41 + 1 + 31 * outputs + 4;
        Weight::from_wu(base * 4 + 2 + 1 + 1 + 73 + 73 + 72)
    }

    fn commitment_tx(&self, params: &ChannelParams, seq: u64, split: &Split) -> Transaction {
        let mut output = Vec::with_capacity(2);
        if !split.payer_trimmed {
            output.push(TxOut { value: split.payer, script_pubkey: params.payer_payout.clone() });
        }
        if !split.payee_trimmed {
            output.push(TxOut { value: split.payee, script_pubkey: params.payee_payout.clone() });
        }
        let (lock_time, sequence) = self.lock(params, Some(seq));
        Transaction {
            version: Version::TWO,
            lock_time,
            input: vec![TxIn {
                previous_output: params.funding_outpoint,
                script_sig: ScriptBuf::new(),
                sequence,
                witness: Witness::new(),
            }],
            output,
        }
    }

    fn lock(&self, _params: &ChannelParams, _seq: Option<u64>) -> (LockTime, Sequence) {
        (LockTime::ZERO, Sequence::MAX)
    }

    fn witness(&self, params: &ChannelParams, payer: &ecdsa::Signature, payee: &ecdsa::Signature) -> Witness {
        multisig_witness(&params.witness_script, (&params.payer_funding_key, payer), (&params.payee_funding_key, payee))
    }
}
