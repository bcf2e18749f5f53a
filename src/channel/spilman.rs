//! The Spilman channel in its BIP-0065 form: a funding output with a refund branch for the payer
//! after an expiry, and commitments only the payer signs.
//!
//! The funding output is the P2WSH of
//! `OP_IF <payee> OP_CHECKSIGVERIFY OP_ELSE <expiry> OP_CHECKLOCKTIMEVERIFY OP_DROP OP_ENDIF
//! <payer> OP_CHECKSIG`. The payer signs every commitment alone and hands it to the payee
//! half-signed, so she never holds a state she could broadcast; the payee adds its signature to
//! the latest one when it closes. If the payee never closes, the payer spends the ELSE branch
//! alone once the expiry height has passed. So the payee must close before the expiry, and the
//! payer needs no pre-signed refund.

use bitcoin::absolute::LockTime;
use bitcoin::blockdata::opcodes::all::{OP_CHECKSIG, OP_CHECKSIGVERIFY, OP_CLTV, OP_DROP, OP_ELSE, OP_ENDIF, OP_IF};
use bitcoin::blockdata::script::Builder;
use bitcoin::secp256k1::PublicKey;
use bitcoin::{ecdsa, ScriptBuf, Sequence, Transaction, Weight, Witness};

use super::naive::{commitment, write_commitment};
use super::timelocked::LOCKED;
use super::{ChannelParams, Design, EcdsaSpend, Refund, SecpOperations, Settings, Signing, Split};
use crate::units::thousands;
use crate::words::Lang;

/// The Spilman channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spilman {
    /// The funding's height.
    pub funding_height: u32,
    /// Blocks from the funding to the expiry.
    pub expiry: u32,
}

/// Registers the design under its name (see [`crate::party::DESIGNS`]).
pub fn make(settings: &Settings) -> Box<dyn Design> {
    Box::new(Spilman { funding_height: settings.funding_height, expiry: settings.expiry })
}

impl Spilman {
    /// The expiry height written in the script: the refund's lock time.
    pub fn expiry_height(&self) -> u32 {
        self.funding_height.saturating_add(self.expiry)
    }

    fn script(&self, payer: &PublicKey, payee: &PublicKey) -> ScriptBuf {
        Builder::new()
            .push_opcode(OP_IF)
            .push_slice(payee.serialize())
            .push_opcode(OP_CHECKSIGVERIFY)
            .push_opcode(OP_ELSE)
            .push_int(i64::from(self.expiry_height()))
            .push_opcode(OP_CLTV)
            .push_opcode(OP_DROP)
            .push_opcode(OP_ENDIF)
            .push_slice(payer.serialize())
            .push_opcode(OP_CHECKSIG)
            .into_script()
    }
}

impl Design for Spilman {
    fn name(&self) -> &'static str {
        "spilman"
    }

    /// The payer's signature and the payee's check.
    fn secp_operations(&self) -> SecpOperations {
        SecpOperations { signs: 1, verifies: 1, point_muls: 0, generator_muls: 0, additions: 0 }
    }

    fn reads(&self) -> &'static [&'static str] {
        &["expiry"]
    }

    fn about(&self, lang: Lang) -> &'static str {
        lang.pick(
            "the Spilman channel (BIP-0065): the funding output has a refund branch for the payer after an expiry, \
             and the payer signs every commitment alone, so only the payee can close, with the latest state",
            "Spilman 通道（BIP-0065）：注资输出带有一个到期后付款方可单独取回的退款分支；付款方单独签署每一笔承诺\
             交易，所以只有收款方能用最新的状态关闭通道",
        )
    }

    fn funding_noun(&self, lang: Lang) -> &'static str {
        lang.pick("Spilman (CLTV refund)", "Spilman（CLTV 退款）")
    }

    fn witness_labels(&self, lang: Lang, (payer, payee): (&str, &str), _payer_first: bool) -> Vec<String> {
        match lang {
            Lang::En => vec![
                format!("{payer}'s signature"),
                format!("{payee}'s signature: empty, his to add when he closes"),
                "01: takes the IF branch, the two signatures (the ELSE branch is the payer's refund after the expiry)"
                    .to_string(),
                "the witness script (2-of-2, or the payer alone after the expiry)".to_string(),
            ],
            Lang::Zh => vec![
                format!("{payer} 的签名"),
                format!("{payee} 的签名：空，由他在关闭通道时添加"),
                "01：走 IF 分支，需要两个签名（ELSE 分支是到期后付款方的退款）".to_string(),
                "见证脚本（2-of-2，或到期后付款方单独签名）".to_string(),
            ],
        }
    }

    fn tell_step(&self, lang: Lang, payer: &str, payee: &str) -> String {
        match lang {
            Lang::En => format!(
                "{payer} signs it alone and hands it over. {payee} checks her signature and keeps it, half-signed: \
                 only {payee} can add the second signature and broadcast it, and he will broadcast the last, which \
                 pays him most; {payer} holds nothing she could broadcast but her refund after the expiry."
            ),
            Lang::Zh => format!(
                "{payer} 单独签署这笔承诺交易并交给 {payee}。{payee} 核对她的签名后保存这笔只签了一半的交易：只有 \
                 {payee} 能添加第二个签名并广播它，他会广播付给他最多的最后一笔；{payer} 手中没有可以广播的交易，\
                 只有到期后的退款交易。"
            ),
        }
    }

    fn tell_settlement(&self, lang: Lang, payer: &str, payee: &str) -> String {
        match lang {
            Lang::En => format!(
                "{payer} signed it alone and handed it to {payee}: only {payee} can add the second signature and \
                 broadcast it."
            ),
            Lang::Zh => format!("{payer} 单独签署后交给了 {payee}：只有 {payee} 能添加第二个签名并广播它。"),
        }
    }

    fn funding_names(&self, lang: Lang) -> (&'static str, &'static str) {
        lang.pick(("funding", "channel's output"), ("注资", "通道输出"))
    }

    fn tell_funding(&self, lang: Lang, payer: &str, payee: &str, address: &str) -> String {
        let expiry = thousands(u64::from(self.expiry_height()));
        match lang {
            Lang::En => format!(
                "{payer} and {payee} set up the Spilman channel's address, {address}: {payee} and {payer} can spend \
                 it together at any time, and {payer} alone once height {expiry} has passed \
                 (OP_CHECKLOCKTIMEVERIFY), so {payee} must close before then."
            ),
            Lang::Zh => format!(
                "{payer} 和 {payee} 建立了 Spilman 支付通道的地址 {address}：{payee} 和 {payer} 随时可以共同花费它，\
                 区块高度 {expiry} 之后 {payer} 也可以单独取回（OP_CHECKLOCKTIMEVERIFY 时间锁），所以 {payee} \
                 必须在此之前关闭通道。"
            ),
        }
    }

    fn funding_script(&self, payer: &PublicKey, payee: &PublicKey) -> ScriptBuf {
        self.script(payer, payee)
    }

    /// Non-witness bytes as the naive commitment. Witness: marker and flag 2, item count 1, two
    /// signatures 1 + 72 each, the IF selector 1 + 1, the witness script (1 + its length).
    fn commitment_weight(&self, outputs: u64) -> Weight {
        let base = 4 + 1 + 41 + 1 + 31 * outputs + 4;
        // The script's length without parsing a key (that costs a square root per call, and the
        // ledger asks for fees twice a state): two 33-byte pushes, the expiry's push and seven
        // one-byte opcodes.
        let expiry = Builder::new().push_int(i64::from(self.expiry_height())).into_script().len() as u64;
        let script_len = 2 * 34 + expiry + 7;
        Weight::from_wu(base * 4 + 2 + 1 + 73 + 73 + 2 + 1 + script_len)
    }

    fn commitment_tx(&self, params: &ChannelParams, seq: u64, split: &Split) -> Transaction {
        commitment(params, split, self.lock(params, Some(seq)))
    }

    fn commitment_tx_into(&self, params: &ChannelParams, seq: u64, split: &Split, tx: &mut Transaction) {
        write_commitment(params, split, self.lock(params, Some(seq)), tx);
    }

    /// State 0, the refund, waits for the expiry; every other state is valid at once.
    fn lock(&self, _params: &ChannelParams, seq: Option<u64>) -> (LockTime, Sequence) {
        match seq {
            Some(0) => (LockTime::from_consensus(self.expiry_height()), LOCKED),
            _ => (LockTime::ZERO, Sequence::MAX),
        }
    }

    fn signing(&self) -> Signing {
        Signing::PayerOnly
    }

    fn refund(&self) -> Refund {
        Refund::PayerAlone
    }

    fn explain(&self, commitments: u64, end_height: u32, (payer, payee): (&str, &str), lang: Lang) -> Vec<String> {
        let h = |n: u32| thousands(u64::from(n));
        let e = self.expiry_height();
        let (eh, e1, f, x) = (h(e), h(e.saturating_add(1)), h(self.funding_height), thousands(u64::from(self.expiry)));
        let (n, end) = (thousands(commitments), h(end_height));
        match lang {
            Lang::En => vec![
                format!(
                    "expiry    the funding script's refund branch opens at height {eh} (funding height {f} + {x} \
                     blocks): {payer} can then take everything back alone, valid from height {e1}"
                ),
                format!(
                    "signing   {payer} signs each of the {n} commitments alone; {payee} holds them half-signed and \
                     completes the latest when he closes"
                ),
                if end_height >= e {
                    format!(
                        "limit     the video ends at height {end}, at or after the expiry: {payer} can take \
                         everything back before {payee} closes"
                    )
                } else {
                    format!("limit     {payee} must close before height {e1}; the video ends at height {end}")
                },
            ],
            Lang::Zh => vec![
                format!(
                    "到期      注资脚本的退款分支在高度 {eh} 打开（注资高度 {f} + {x} 个区块）：之后 {payer} 可以单独\
                     取回全部资金，从高度 {e1} 起有效"
                ),
                format!(
                    "签名      {payer} 单独签署全部 {n} 笔承诺交易；{payee} 持有这些只有一半签名的交易，关闭时补全最新\
                     的一笔"
                ),
                if end_height >= e {
                    format!("限制      视频在高度 {end} 结束，不早于到期：{payer} 可以在 {payee} 关闭之前取回全部资金")
                } else {
                    format!("限制      {payee} 必须在高度 {e1} 之前关闭通道；视频在高度 {end} 结束")
                },
            ],
        }
    }

    fn settings(&self) -> Option<Settings> {
        Some(Settings { funding_height: self.funding_height, expiry: self.expiry, ..Settings::default() })
    }

    fn ecdsa(&self) -> Option<&dyn EcdsaSpend> {
        Some(self)
    }
}

impl EcdsaSpend for Spilman {
    /// The IF branch: the payer's signature, the payee's, the selector 1, the script.
    fn witness(&self, params: &ChannelParams, payer: &ecdsa::Signature, payee: &ecdsa::Signature) -> Witness {
        let mut w = Witness::new();
        w.push_ecdsa_signature(payer);
        w.push_ecdsa_signature(payee);
        w.push([1u8]);
        w.push(params.witness_script.as_bytes());
        w
    }

    /// The IF branch with the payee's slot still empty: it fails the interpreter until the
    /// payee signs.
    fn half_signed_witness(&self, params: &ChannelParams, payer: &ecdsa::Signature) -> Witness {
        let mut w = Witness::new();
        w.push_ecdsa_signature(payer);
        w.push([0u8; 0]);
        w.push([1u8]);
        w.push(params.witness_script.as_bytes());
        w
    }

    fn payer_signature(&self, _params: &ChannelParams, witness: &Witness) -> Option<ecdsa::Signature> {
        ecdsa::Signature::from_slice(witness.nth(0)?).ok()
    }

    /// The ELSE branch: the payer's signature, the empty selector, the script.
    fn refund_witness(&self, params: &ChannelParams, payer: &ecdsa::Signature) -> Witness {
        let mut w = Witness::new();
        w.push_ecdsa_signature(payer);
        w.push([0u8; 0]);
        w.push(params.witness_script.as_bytes());
        w
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_weight_counts_the_scripts_real_length() {
        let secp = bitcoin::secp256k1::Secp256k1::new();
        let key = PublicKey::from_secret_key(&secp, &bitcoin::secp256k1::SecretKey::from_slice(&[1; 32]).unwrap());
        for (funding_height, expiry) in [(800_000, 4_320), (100, 1), (1, 65_535)] {
            let d = Spilman { funding_height, expiry };
            let script = d.script(&key, &key).len() as u64;
            for outputs in [1, 2] {
                let base = 4 + 1 + 41 + 1 + 31 * outputs + 4;
                assert_eq!(d.commitment_weight(outputs).to_wu(), base * 4 + 2 + 1 + 73 + 73 + 2 + 1 + script);
            }
        }
    }
}
