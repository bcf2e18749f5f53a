//! The network's own words, in English and in Chinese: the narration of a routed payment, the
//! chart's labels and the network page's.
//!
//! The shared catalogue ([`crate::words::Msg`]) holds what every single-channel run prints; a
//! routed payment speaks of hops, HTLCs, the payment hash H and its preimage R, which only this
//! module says. Each word is declared once with its English and its Chinese side by side (the
//! Chinese in the book's terms: 哈希时间锁合约 (HTLC), 承诺交易, 原像 R, 哈希 H, 撤销), placeholders
//! named and filled by [`crate::words::fill`]; a test holds that both sides name the same ones.

use crate::words::{fill, Lang};

macro_rules! words {
    ($($(#[$doc:meta])* $name:ident => $en:expr, $zh:expr;)*) => {
        /// One of the network's words, in both languages by construction.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Word {
            $($(#[$doc])* $name,)*
        }

        impl Word {
            /// Every word, in the order declared.
            pub const ALL: &'static [Word] = &[$(Word::$name,)*];

            /// The word's template in `lang`, placeholders unfilled.
            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((Word::$name, Lang::En) => $en, (Word::$name, Lang::Zh) => $zh,)*
                }
            }
        }
    };
}

words! {
    // The narration (`--narrate`).
    /// The first line.
    Title =>
        "paychan: {name} (seed {seed}): {from} pays {to} {amount} through {via}",
        "paychan：{name}（种子 {seed}）：{from} 经由 {via} 向 {to} 支付 {amount}";
    /// What the run is and is not.
    NothingOnChain =>
        "Every transaction below is signed for real and checked by Bitcoin Core's interpreter. The fundings confirm on \
         the simulated chain (heights and order simulated, validity the interpreter's); every other transaction is a \
         node's own copy, and the end says which were broadcast.",
        "下面每一笔交易都真实签名，并经 Bitcoin Core 的脚本解释器验证。注资交易在模拟链上确认（模拟的是区块高度和顺序，\
         有效性由解释器判定）；其余每一笔都是某个节点自己保存的副本，最后会说明哪些被广播了。";
    /// The chain, when nothing but the fundings went on it.
    ChainFundingsOnly =>
        "The fundings confirmed in block {height} of the simulated chain; nothing else was broadcast and no channel \
         was closed: every other transaction is a node's own copy, kept off chain.",
        "注资交易在模拟链的第 {height} 个区块确认；此外没有广播任何交易，也没有关闭任何通道：其余每一笔交易都是某个节点自己\
         保存的副本，留在链下。";
    /// The chain, when more went on it.
    ChainBroadcasts =>
        "The fundings confirmed in block {height} of the simulated chain; then {count} transactions were broadcast \
         ({confirmed} confirmed, {refused} refused), blocks {first} to {last}, each in its channel's chain.csv; every \
         other transaction is a node's own copy, kept off chain.",
        "注资交易在模拟链的第 {height} 个区块确认；之后广播了 {count} 笔交易（{confirmed} 笔确认，{refused} 笔被拒绝），\
         区块 {first} 到 {last}，每一笔都记在所属通道的 chain.csv 中；其余每一笔交易都是某个节点自己保存的副本，留在链下。";
    /// A channel closed on chain.
    ClosedOnChain =>
        "  {channel} closed on chain: {a} received {a_got}, {b} received {b_got}",
        "  {channel} 已在链上关闭：{a} 实收 {a_got}，{b} 实收 {b_got}";
    /// One channel at the opening.
    Channel =>
        "  {channel}: {funder} funds {capacity} ({a} {a_bal} / {b} {b_bal}); funding transaction {txid}",
        "  {channel}：{funder} 注资 {capacity}（{a} {a_bal} / {b} {b_bal}）；注资交易 {txid}";
    /// The secret and its hash.
    Secret =>
        "{to} picks a secret R and gives {from} only its hash H = {hash}. Whoever shows R can claim an HTLC on H.",
        "{to} 选取一个秘密 R，只把它的哈希 H = {hash} 交给 {from}。谁能出示 R，谁就能领取以 H 锁定的 HTLC。";
    /// The route's heading.
    Route => "The route, hop by hop:", "路由，逐跳：";
    /// One hop of the route.
    Hop =>
        "  hop {hop}: {offerer} offers {receiver} {amount} on H, until height {expiry} ({blocks} blocks)",
        "  第 {hop} 跳：{offerer} 向 {receiver} 提供 {amount} 的 HTLC（以 H 锁定），到区块高度 {expiry} 为止（{blocks} 个区块）";
    /// What an intermediary keeps.
    HopFee => "; {offerer} keeps {fee}", "；{offerer} 留下 {fee}";
    /// The messages' heading.
    Messages => "Every BOLT #2 message, in order:", "按顺序列出每一条 BOLT #2 消息：";
    /// A step's head: its number, channel and direction.
    StepHead => "  step {step}  {channel} {from} → {to}: ", "  第 {step} 步  {channel} {from} → {to}：";
    /// funding_created.
    FundingCreated =>
        "funding_created: {from} signs {to}'s commitment 0, which spends the funding output",
        "funding_created：{from} 签署 {to} 的承诺交易 0，它花费注资输出";
    /// funding_signed.
    FundingSigned =>
        "funding_signed: {from} signs {to}'s commitment 0; each now holds a commitment the other signed",
        "funding_signed：{from} 签署 {to} 的承诺交易 0；双方现在各持一份对方签过名的承诺交易";
    /// update_add_htlc.
    AddHtlc =>
        "update_add_htlc: {from} offers {to} an HTLC of {amount} on H, expiring at height {expiry}",
        "update_add_htlc：{from} 向 {to} 提供一个 {amount} 的 HTLC，以 H 锁定，在区块高度 {expiry} 到期";
    /// commitment_signed.
    CommitmentSigned =>
        "commitment_signed: {from} signs {to}'s commitment {number} and its {htlcs} HTLC transaction(s)",
        "commitment_signed：{from} 签署 {to} 的承诺交易 {number} 及其 {htlcs} 笔 HTLC 交易";
    /// commitment_signed without an HTLC.
    CommitmentSignedNoHtlc =>
        "commitment_signed: {from} signs {to}'s commitment {number}, which has no HTLC output",
        "commitment_signed：{from} 签署 {to} 的承诺交易 {number}，其中没有 HTLC 输出";
    /// revoke_and_ack.
    RevokeAndAck =>
        "revoke_and_ack: {from} revokes {from}'s commitment {number}, handing over its secret",
        "revoke_and_ack：{from} 交出承诺交易 {number} 的秘密（对方凭它可算出撤销私钥），撤销 {from} 自己的这笔承诺交易";
    /// update_fulfill_htlc.
    Fulfill =>
        "update_fulfill_htlc: {from} gives {to} R (and completes its HTLC-success transaction); {to} now knows R",
        "update_fulfill_htlc：{from} 把 R 交给 {to}（并完成自己的 HTLC-success 交易）；{to} 现在知道 R 了";
    /// The HTLC is in both commitments.
    Committed =>
        "    the HTLC of {amount} is now in both commitments of {channel}: {offerer} cannot take it back before height {expiry}",
        "    {amount} 的 HTLC 现已写入 {channel} 双方的承诺交易：在区块高度 {expiry} 之前，{offerer} 无法收回";
    /// update_fail_htlc.
    Fail =>
        "update_fail_htlc: {from} fails the HTLC {to} offered ({why}); it goes back to {to}",
        "update_fail_htlc：{from} 让 {to} 提供的 HTLC 失败（{why}）；它退回给 {to}";
    /// Why: the next hop's HTLC failed.
    WhyFailed => "the next hop's HTLC failed", "下一跳的 HTLC 已失败";
    /// Why: the next hop's HTLC timed out on chain.
    WhyTimedOut => "the next hop's HTLC timed out on chain at height {height}", "下一跳的 HTLC 已在区块高度 {height} 于链上超时";
    /// Why: no next hop.
    WhyNotOffered => "the next hop could not be offered", "无法向下一跳提供 HTLC";
    /// The HTLC failed and is removed.
    Returned =>
        "    the HTLC is removed from both commitments of {channel}: its {amount} is {offerer}'s again",
        "    HTLC 已从 {channel} 双方的承诺交易中移除：这 {amount} 退回 {offerer}";
    /// The HTLC is settled.
    Settled =>
        "    the HTLC is removed from both commitments of {channel}: its {amount} is {receiver}'s",
        "    HTLC 已从 {channel} 双方的承诺交易中移除：这 {amount} 归 {receiver} 所有";
    /// Every channel's balances.
    Balances => "    balances after step {step}:", "    第 {step} 步之后的余额：";
    /// One channel's balances.
    ChannelBalance =>
        "      {channel} {a} {a_bal} | HTLC {flight} | {b} {b_bal}",
        "      {channel} {a} {a_bal}｜HTLC {flight}｜{b} {b_bal}";
    /// The mark of the channel a step changed.
    Changed => "  ← changed", "  ← 有变化";
    /// The end.
    End => "At the end, the last commitments both sides of each channel signed:", "最后，每个通道双方最后共同签署的承诺交易：";
    /// One channel at the end.
    EndChannel => "  {channel}: {a} {a_bal} / {b} {b_bal}", "  {channel}：{a} {a_bal} / {b} {b_bal}";
    /// Who gained what.
    Gains =>
        "{from} paid {paid}; {to} received {amount}; each intermediary ({names}) is {fee} richer.",
        "{from} 付出 {paid}；{to} 收到 {amount}；每个中间节点（{names}）各多得 {fee}。";
    /// Who learned R when.
    LearnedR =>
        "Who knows R: {to} from the start; {list}.",
        "谁知道 R：{to} 从一开始就知道；{list}。";
    /// Nobody learned R.
    LearnedNobody => "Who knows R: only {to}, who never revealed it.", "谁知道 R：只有 {to}，它从未公开 R。";
    /// One node learning R.
    LearnedAt => "{who} at step {step}", "{who} 在第 {step} 步";
    /// The list separator.
    And => ", ", "、";
    /// The closing sentence.
    NoClose =>
        "Each node keeps its copies of its channels' commitments, and {dir} holds every one of them (check each \
         channel folder with paychan verify).",
        "每个节点保存自己在各通道中的承诺交易副本，{dir} 中保存了全部交易（用 paychan verify 检查每个通道文件夹）。";

    // The chart (balances.png).
    /// The chart's title.
    ChartTitle => "{name} — seed {seed}: every channel's balances", "{name} — 种子 {seed}：每个通道的余额";
    /// The chart's caption.
    ChartCaption => "after each BOLT #2 message", "每条 BOLT #2 消息之后";
    /// The x axis.
    ChartSteps => "step (BOLT #2 message)", "步骤（BOLT #2 消息）";
    /// The y axis.
    ChartBalance => "balance ({unit})", "余额（{unit}）";
    /// The legend: the channel's first node.
    ChartFirst => "first node", "第一个节点";
    /// The legend: the HTLC in flight.
    ChartFlight => "HTLC in flight", "在途 HTLC";
    /// The legend: the channel's second node.
    ChartSecond => "second node", "第二个节点";
    /// The mark of R's first revelation.
    ChartReveal => "{to} reveals R", "{to} 公开 R";

    // The network page (report.html).
    /// The page's title.
    PageTitle => "{name} — routed payment (seed {seed})", "{name} — 路由支付（种子 {seed}）";
    /// The page's lead.
    PageLead =>
        "<p class=\"lead\">{from} pays {to} {amount} through {via}, each hop a hash time lock contract (HTLC) on the \
         same payment hash H, in BOLT #2's messages over BOLT #3's commitments with HTLC outputs. {messages} messages; \
         {commitments} commitments and {htlc_txs} HTLC transactions, each signed for real and checked by Bitcoin Core's \
         interpreter. <b>{chain}</b></p>",
        "<p class=\"lead\">{from} 经由 {via} 向 {to} 支付 {amount}，每一跳都是以同一个支付哈希 H 锁定的哈希时间锁合约（HTLC），\
         按 BOLT #2 的消息、在带 HTLC 输出的 BOLT #3 承诺交易上进行。共 {messages} 条消息；{commitments} 笔承诺交易和 \
         {htlc_txs} 笔 HTLC 交易，每一笔都真实签名，并经 Bitcoin Core 的脚本解释器验证。<b>{chain}</b></p>";
    /// The route's heading.
    PageRoute => "The route, hop by hop", "路由，逐跳";
    /// Route table: the hop.
    PageHop => "hop", "跳";
    /// Route table: the channel.
    PageChannel => "channel", "通道";
    /// Route table: the offerer.
    PageOfferer => "offers", "提供方";
    /// Route table: the receiver.
    PageReceiver => "to", "接收方";
    /// Route table: the amount.
    PageAmount => "amount", "金额";
    /// Route table: the expiry.
    PageExpiry => "expiry (height)", "到期（区块高度）";
    /// Route table: the fee kept.
    PageFee => "kept by the offerer", "提供方留下";
    /// Route table: the funding transaction.
    PageFunding => "funding transaction (confirmed on the simulated chain)", "注资交易（已在模拟链上确认）";
    /// The payment hash.
    PageHash => "payment hash H", "支付哈希 H";
    /// The stepper's heading.
    PageSteps => "Step by step", "逐步";
    /// The HTLC table's heading.
    PageHtlcs => "Every HTLC (htlcs.csv)", "每一个 HTLC（htlcs.csv）";
    /// HTLC table: the steps.
    PageAdded => "added", "添加";
    /// HTLC table: committed.
    PageCommitted => "in both commitments", "写入双方承诺交易";
    /// HTLC table: fulfilled.
    PageFulfilled => "R revealed", "公开 R";
    /// HTLC table: removed.
    PageRemoved => "removed", "移除";
    /// The footer.
    PageFooter =>
        "Written by paychan from the run that wrote steps.csv, balances.csv, htlcs.csv and channels/. Check each \
         channel folder with <code>paychan verify</code>.",
        "由 paychan 在写出 steps.csv、balances.csv、htlcs.csv 和 channels/ 的同一次运行中写成。用 \
         <code>paychan verify</code> 检查每个通道文件夹。";

    // The page's script (its words travel in the page's data).
    /// Stepper: the position.
    JsPosition => "step {step} of {total}", "第 {step} 步，共 {total} 步";
    /// Stepper: the opening state.
    JsOpening => "the channels' opening balances, before any message", "任何消息之前，各通道的初始余额";
    /// Stepper: the balances' heading.
    JsBalances =>
        "every channel's balances after this step, as both sides hold them irrevocably",
        "这一步之后每个通道的余额（双方都已不可撤销地持有的状态）";
    /// Stepper: the HTLCs' heading.
    JsHtlcs => "HTLC outputs", "HTLC 输出";
    /// Stepper: no HTLC yet.
    JsNoHtlc => "none yet", "尚无";
    /// Stepper: an HTLC offered, not yet committed.
    JsOffered => "offered (update_add_htlc), not yet in both commitments", "已提供（update_add_htlc），尚未写入双方承诺交易";
    /// Stepper: an HTLC committed.
    JsInBoth => "in both commitments", "已写入双方承诺交易";
    /// Stepper: an HTLC fulfilled.
    JsRevealed => "R revealed, being removed", "已公开 R，正在移除";
    /// Stepper: an HTLC removed.
    JsRemoved => "removed: its amount is the receiver's", "已移除：金额归接收方";
    /// Stepper: an HTLC failed and removed.
    JsReturned => "failed and removed: its amount is the offerer's again", "已失败并移除：金额退回提供方";
    /// Stepper: the transactions' heading.
    JsTxs =>
        "transactions signed in this step (each a node's own copy; the page's lead says which went on chain)",
        "这一步签署的交易（都是节点自己的副本；页首说明哪些上了链）";
    /// Stepper: no transaction.
    JsNoTx => "none: this message carries no signature", "无：这条消息不带签名";
    /// Stepper: a commitment, its holder and signer.
    JsCommitment =>
        "{holder}'s copy of commitment {number}, signed by {signer}, completed by {holder}",
        "{holder} 持有的承诺交易 {number} 副本，由 {signer} 签名，{holder} 补上自己的签名";
    /// Stepper: an HTLC transaction.
    JsHtlcTx =>
        "{holder}'s {kind}, spending output {vout} ({amount}) of its commitment {number}",
        "{holder} 的 {kind}，花费其承诺交易 {number} 的输出 {vout}（{amount}）";
    /// Stepper: an output to the holder, delayed.
    JsToLocal => "to_local: {who}, after {delay} blocks (or to the other with the revocation key)", "to_local：{who}，{delay} 个区块之后（或凭撤销密钥归对方）";
    /// Stepper: the output of an HTLC transaction.
    JsSecondStage =>
        "{who}, after {delay} blocks (or to the other with the revocation key)",
        "{who}，{delay} 个区块之后（或凭撤销密钥归对方）";
    /// Stepper: an output to the other.
    JsToRemote => "to_remote: {who}", "to_remote：{who}";
    /// Stepper: an HTLC output.
    JsHtlcOut => "HTLC: {offerer} → {receiver}, H {hash}, until height {expiry}", "HTLC：{offerer} → {receiver}，H {hash}，到区块高度 {expiry}";
    /// Stepper: who knows R.
    JsKnowsR => "knows R: ", "知道 R：";
    /// Stepper: the revoked secret.
    JsRevokes => "revokes {holder}'s commitment {number}: secret {secret}", "撤销 {holder} 的承诺交易 {number}：密钥 {secret}";
    /// Stepper: the first button.
    JsFirst => "first (Home)", "第一步（Home）";
    /// Stepper: the previous button.
    JsPrev => "previous (←)", "上一步（←）";
    /// Stepper: the next button.
    JsNext => "next (→)", "下一步（→）";
    /// Stepper: the last button.
    JsLast => "last (End)", "最后一步（End）";
}

/// `word` in `lang` with its placeholders filled from `args`.
pub fn say(lang: Lang, word: Word, args: &[(&str, &str)]) -> String {
    fill(word.text(lang), args)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::words::{has_cjk, placeholders};

    /// Every word has both languages, the Chinese in Chinese and the English not, and both name
    /// the same placeholders.
    #[test]
    fn every_word_has_both_languages() {
        for &w in Word::ALL {
            let (en, zh) = (w.text(Lang::En), w.text(Lang::Zh));
            assert!(!en.trim().is_empty() && !zh.trim().is_empty(), "{w:?} is empty");
            assert!(!has_cjk(en), "{w:?}'s English holds Chinese: {en}");
            assert_eq!(placeholders(en), placeholders(zh), "{w:?} names different placeholders");
            assert_ne!(en, zh, "{w:?} is not translated");
            assert!(has_cjk(zh), "{w:?}'s Chinese holds no Chinese: {zh}");
        }
    }
}
