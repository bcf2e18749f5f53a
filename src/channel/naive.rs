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
use super::{ChannelParams, Design, EcdsaSpend, Settings, Split};
use crate::words::Lang;

/// The naive 2-of-2 channel of the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Naive;

/// Registers the design under its name (see [`crate::party::DESIGNS`]).
pub fn make(_: &Settings) -> Box<dyn Design> {
    Box::new(Naive)
}

impl Design for Naive {
    fn plays_out_on_chain(&self) -> bool {
        false
    }

    fn name(&self) -> &'static str {
        "naive"
    }

    fn about(&self, lang: Lang) -> &'static str {
        lang.pick(
            "the book's first channel: a 2-of-2 funding output; every commitment is signed by both parties and \
             valid at once, so it trusts both sides",
            "书中的第一个支付通道：2-of-2 的注资输出；每一笔承诺交易都由双方签署、立即有效，所以它要信任双方",
        )
    }

    fn tell_funding(&self, lang: Lang, payer: &str, payee: &str, address: &str) -> String {
        match lang {
            Lang::En => format!(
                "{payer} and {payee} set up a 2-of-2 multisig address, {address}: each holds one of its two keys, \
                 so nothing leaves it without both signatures."
            ),
            Lang::Zh => format!(
                "为了建立支付通道，{payer} 和 {payee} 建立了一个 2-of-2 的多签名地址 {address}，他们各自持有其中一个\
                 密钥：没有双方的签名，资金无法离开这个地址。"
            ),
        }
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
        commitment(params, split, self.lock(params, Some(seq)))
    }

    fn commitment_tx_into(&self, params: &ChannelParams, seq: u64, split: &Split, tx: &mut Transaction) {
        write_commitment(params, split, self.lock(params, Some(seq)), tx);
    }

    fn lock(&self, _params: &ChannelParams, _seq: Option<u64>) -> (LockTime, Sequence) {
        (LockTime::ZERO, Sequence::MAX)
    }

    fn ecdsa(&self) -> Option<&dyn EcdsaSpend> {
        Some(self)
    }
}

impl EcdsaSpend for Naive {
    fn witness(&self, params: &ChannelParams, payer: &ecdsa::Signature, payee: &ecdsa::Signature) -> Witness {
        multisig_witness(&params.witness_script, (&params.payer_funding_key, payer), (&params.payee_funding_key, payee))
    }
}

/// The commitment dividing the funding amount as `split` with `lock`'s lock time and sequence:
/// see [`write_commitment`].
pub(super) fn commitment(params: &ChannelParams, split: &Split, lock: (LockTime, Sequence)) -> Transaction {
    let (input, output) = (Vec::with_capacity(1), Vec::with_capacity(2));
    let mut tx = Transaction { version: Version::TWO, lock_time: LockTime::ZERO, input, output };
    write_commitment(params, split, lock, &mut tx);
    tx
}

/// Writes into `tx` the commitment dividing the funding amount as `split` (the payer's output,
/// then the payee's, either left out when trimmed) with `lock`'s lock time and sequence, reusing
/// `tx`'s vectors and output scripts: the same transaction whatever `tx` held before. An empty
/// `tx` gets vectors of the exact sizes. The naive layout, which the timelocked and Spilman
/// designs share.
pub(super) fn write_commitment(
    params: &ChannelParams,
    split: &Split,
    (lock_time, sequence): (LockTime, Sequence),
    tx: &mut Transaction,
) {
    tx.version = Version::TWO;
    tx.lock_time = lock_time;
    let input = TxIn {
        previous_output: params.funding_outpoint,
        script_sig: ScriptBuf::new(),
        sequence,
        witness: Witness::new(),
    };
    if let [only] = tx.input.as_mut_slice() {
        *only = input;
    } else {
        tx.input.clear();
        tx.input.reserve_exact(1);
        tx.input.push(input);
    }
    let outputs = [
        (!split.payer_trimmed, split.payer, &params.payer_payout),
        (!split.payee_trimmed, split.payee, &params.payee_payout),
    ];
    let mut count = 0;
    for (_, value, script) in outputs.into_iter().filter(|(kept, _, _)| *kept) {
        match tx.output.get_mut(count) {
            Some(out) => {
                out.value = value;
                copy_script(&mut out.script_pubkey, script);
            }
            None => {
                tx.output.reserve_exact(2 - count);
                tx.output.push(TxOut { value, script_pubkey: script.clone() });
            }
        }
        count += 1;
    }
    tx.output.truncate(count);
}

/// Makes `to` a copy of `from` in `to`'s own buffer.
fn copy_script(to: &mut ScriptBuf, from: &ScriptBuf) {
    let mut bytes = std::mem::take(to).into_bytes();
    bytes.clear();
    bytes.extend_from_slice(from.as_bytes());
    *to = ScriptBuf::from_bytes(bytes);
}
