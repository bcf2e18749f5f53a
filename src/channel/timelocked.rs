//! The book's first repair: a refund that the payee signs before the funding is broadcast, and
//! commitments locked ever earlier.
//!
//! The naive channel strands the payer's money if the payee vanishes, and lets the payer
//! broadcast an early commitment. *Mastering Bitcoin* fixes both with nLockTime: before Emma
//! broadcasts the funding, Fabian signs state 0, the refund of everything to Emma, locked
//! `refund_after` blocks (the book's 30 days, 4,320 blocks) after the funding's height; every
//! later commitment is locked one block earlier than the one before, so the latest state always
//! becomes valid first and an older one, broadcast later, is a double spend. The cooperative
//! settlement is the final state without a lock time. The price is a lifetime: the schedule can
//! hold at most `refund_after − 1` commitments, and the channel must close before its latest
//! state's lock.

use bitcoin::absolute::LockTime;
use bitcoin::secp256k1::PublicKey;
use bitcoin::{ecdsa, ScriptBuf, Sequence, Transaction, Weight, Witness};

use super::builders::{funding_witness_script, multisig_witness};
use super::naive::{commitment, write_commitment, Naive};
use super::{ChannelParams, Design, EcdsaSpend, Refund, Settings, Split};
use crate::units::thousands;
use crate::words::Lang;

/// A locked input's sequence: not final, so the lock time counts, and with BIP-0068's disable
/// bit set, so no relative lock applies.
pub const LOCKED: Sequence = Sequence(0xFFFF_FFFE);

/// The timelocked 2-of-2 channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timelocked {
    /// The funding's height.
    pub funding_height: u32,
    /// Blocks from the funding to the refund's lock time.
    pub refund_after: u32,
}

/// Registers the design under its name (see [`crate::party::DESIGNS`]).
pub fn make(settings: &Settings) -> Box<dyn Design> {
    Box::new(Timelocked { funding_height: settings.funding_height, refund_after: settings.refund_after })
}

impl Timelocked {
    /// The lock time of state `seq` (0 is the refund): the refund's height less `seq` blocks.
    pub fn lock_height(&self, seq: u64) -> u32 {
        let refund = u64::from(self.funding_height) + u64::from(self.refund_after);
        u32::try_from(refund.saturating_sub(seq)).unwrap_or(u32::MAX)
    }
}

impl Design for Timelocked {
    fn name(&self) -> &'static str {
        "timelocked"
    }

    fn reads(&self) -> &'static [&'static str] {
        &["refund_after"]
    }

    fn about(&self, lang: Lang) -> &'static str {
        lang.pick(
            "the book's first repair: the payee signs a refund locked 30 days ahead before the funding is broadcast, \
             and every commitment is locked one block earlier than the one before, so the latest state is valid first",
            "书中的第一个修补：在注资交易广播之前，收款方先签署一笔带 30 天时间锁的退款交易；每一笔承诺交易的时间锁\
             都比前一笔早一个区块，所以最新的状态最先生效",
        )
    }

    fn tell_lock(&self, lang: Lang) -> Option<&'static str> {
        Some(lang.pick(
            "Its lock time is height {lock}: no block before {next} can include it. Each commitment's lock is one \
             block below the one before, so the latest becomes valid first, before every older one and before the \
             refund.",
            "它的时间锁是区块高度 {lock}：高度 {next} 之前的区块都不能包含它。每一笔承诺交易的时间锁都比前一笔早一个\
             区块，所以最新的一笔最先生效，早于所有更旧的承诺交易，也早于退款交易。",
        ))
    }

    fn tell_funding(&self, lang: Lang, payer: &str, payee: &str, address: &str) -> String {
        let after = thousands(u64::from(self.refund_after));
        match lang {
            Lang::En => format!(
                "{payer} and {payee} set up a 2-of-2 multisig address, {address}: each holds one of its two keys, \
                 so nothing leaves it without both signatures. Before {payer} funds it, {payee} signs her a refund \
                 of everything, valid only {after} blocks later."
            ),
            Lang::Zh => format!(
                "{payer} 和 {payee} 建立了一个 2-of-2 的多签名地址 {address}，他们各自持有其中一个密钥。在 {payer} \
                 注资之前，{payee} 先为她签署一笔全额退款交易，带有时间锁，{after} 个区块之后才生效。"
            ),
        }
    }

    fn funding_script(&self, payer: &PublicKey, payee: &PublicKey) -> ScriptBuf {
        funding_witness_script(payer, payee)
    }

    /// The naive commitment's weight: the lock time and sequence are fixed-size fields.
    fn commitment_weight(&self, outputs: u64) -> Weight {
        Naive.commitment_weight(outputs)
    }

    fn commitment_tx(&self, params: &ChannelParams, seq: u64, split: &Split) -> Transaction {
        commitment(params, split, self.lock(params, Some(seq)))
    }

    fn commitment_tx_into(&self, params: &ChannelParams, seq: u64, split: &Split, tx: &mut Transaction) {
        write_commitment(params, split, self.lock(params, Some(seq)), tx);
    }

    /// The final state with no lock time: valid at once, since both parties sign it together.
    fn settlement_tx(&self, params: &ChannelParams, _seq: u64, split: &Split) -> Transaction {
        commitment(params, split, self.lock(params, None))
    }

    fn lock(&self, _params: &ChannelParams, seq: Option<u64>) -> (LockTime, Sequence) {
        match seq {
            None => (LockTime::ZERO, Sequence::MAX),
            Some(seq) => (LockTime::from_consensus(self.lock_height(seq)), LOCKED),
        }
    }

    fn refund(&self) -> Refund {
        Refund::CoSigned
    }

    /// Commitment #k is locked at the refund's height less k; #k must still be above the
    /// funding's height, or it would be valid at once.
    fn max_commitments(&self) -> Option<u64> {
        Some(u64::from(self.refund_after.saturating_sub(1)))
    }

    fn explain(&self, commitments: u64, end_height: u32, (payer, payee): (&str, &str), lang: Lang) -> Vec<String> {
        let h = |n: u32| thousands(u64::from(n));
        let (refund, last) = (self.lock_height(0), self.lock_height(commitments));
        let (r, r1, f, after) =
            (h(refund), h(refund.saturating_add(1)), h(self.funding_height), thousands(u64::from(self.refund_after)));
        let (n, l, l1, max) = (
            thousands(commitments),
            h(last),
            h(last.saturating_add(1)),
            thousands(self.max_commitments().unwrap_or(0)),
        );
        let (end, late) = (h(end_height), end_height > last);
        let mut lines = match lang {
            Lang::En => vec![
                format!(
                    "refund    {payee} signs state 0 (everything back to {payer}) before the funding is broadcast; \
                     lock time {r} = funding height {f} + {after} blocks, valid from height {r1}"
                ),
                format!(
                    "window    commitment #k is locked at {r} − k: #{n} at {l}, valid from {l1}; the window holds at \
                     most {max} commitments, this schedule needs {n}"
                ),
                "settle    the cooperative settlement is the final state with no lock time".to_string(),
            ],
            Lang::Zh => vec![
                format!(
                    "退款      注资交易广播之前，{payee} 签署状态 0（全部退还给 {payer}）；时间锁 {r} = 注资高度 {f} + \
                     {after} 个区块，从高度 {r1} 起有效"
                ),
                format!(
                    "时间窗口  承诺交易 #k 的时间锁是 {r} − k：#{n} 锁在 {l}，从 {l1} 起有效；窗口最多容纳 {max} 笔承诺\
                     交易，这个计划需要 {n} 笔"
                ),
                "结算      协商关闭的结算交易是不带时间锁的最终状态".to_string(),
            ],
        };
        if late {
            lines.push(match lang {
                Lang::En => format!(
                    "limit     the video ends at height {end}, after #{n}'s lock: a cooperative close is needed \
                     before height {l1} or an older state's lock may pass too"
                ),
                Lang::Zh => format!(
                    "限制      视频在高度 {end} 结束，晚于 #{n} 的时间锁：必须在高度 {l1} 之前协商关闭，否则更旧状态的\
                     时间锁也可能到期"
                ),
            });
        }
        lines
    }

    fn settings(&self) -> Option<Settings> {
        Some(Settings { funding_height: self.funding_height, refund_after: self.refund_after, ..Settings::default() })
    }

    fn ecdsa(&self) -> Option<&dyn EcdsaSpend> {
        Some(self)
    }
}

impl EcdsaSpend for Timelocked {
    fn witness(&self, params: &ChannelParams, payer: &ecdsa::Signature, payee: &ecdsa::Signature) -> Witness {
        multisig_witness(&params.witness_script, (&params.payer_funding_key, payer), (&params.payee_funding_key, payee))
    }
}
