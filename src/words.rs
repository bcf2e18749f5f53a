//! The languages paychan speaks to a class (`--lang en|zh`) and the catalogue of the messages
//! shared code prints in them (a leaf).
//!
//! The passage paychan replays is the Chinese edition's, so a class may read the run in its terms:
//! 支付通道, 注资交易/资金交易, 承诺交易, 结算交易, 退款交易, 时间锁, 撤销密钥, 惩罚,
//! 协商关闭/单方面关闭. A message is one [`Msg`], declared once with its English and its Chinese
//! side by side, so neither can be missing; placeholders are named (`{payer}`) and [`fill`]
//! replaces them, and a test holds that both sides name the same ones. The words a design owns
//! are its own module's (`channel::<design>`), in both languages, behind the `Design` methods
//! that take a [`Lang`]. Files for machines (CSV headers, JSON keys) stay English.

use std::fmt;

/// A language of the words paychan prints, draws and writes for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Lang {
    /// English, the default.
    #[default]
    En,
    /// Simplified Chinese, in the terms of the Chinese edition of the book.
    Zh,
}

impl Lang {
    /// Every language, in order.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Zh];

    /// Parses `en` or `zh`, the values of `--lang`.
    ///
    /// # Errors
    ///
    /// A message naming the value and the accepted ones.
    pub fn parse(s: &str) -> Result<Lang, String> {
        match s {
            "en" => Ok(Lang::En),
            "zh" => Ok(Lang::Zh),
            other => Err(format!("unknown language {other:?}: expected en or zh")),
        }
    }

    /// The code of the language, as `--lang` takes it.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// The language tag of an HTML page (`<html lang="…">`).
    pub fn html_tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }

    /// Picks the English or the Chinese of a pair: how a design's module keeps its own words.
    pub fn pick<T>(self, en: T, zh: T) -> T {
        match self {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A sentence told in every language, made once where the facts it tells are at hand (a note of
/// the chain's story, a verdict) and read later in the language asked for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Told {
    en: String,
    zh: String,
}

impl Told {
    /// The sentence `say` gives in each language.
    pub fn new(say: impl Fn(Lang) -> String) -> Told {
        Told { en: say(Lang::En), zh: say(Lang::Zh) }
    }

    /// The sentence in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Zh => &self.zh,
        }
    }

    /// This sentence with `more`'s appended in each language, `join` between them (in that
    /// language).
    pub fn then(&self, join: impl Fn(Lang) -> String, more: &Told) -> Told {
        Told::new(|l| format!("{}{}{}", self.get(l), join(l), more.get(l)))
    }
}

/// Declares the catalogue: each message's name, its English and its Chinese.
macro_rules! catalogue {
    ($($(#[$doc:meta])* $name:ident => $en:expr, $zh:expr;)*) => {
        /// One message of the catalogue, in both languages by construction.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Msg {
            $($(#[$doc])* $name,)*
        }

        impl Msg {
            /// Every message, in the order declared.
            pub const ALL: &'static [Msg] = &[$(Msg::$name,)*];

            /// The message's template in `lang`, placeholders (`{payer}`) unfilled.
            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((Msg::$name, Lang::En) => $en, (Msg::$name, Lang::Zh) => $zh,)*
                }
            }
        }
    };
}

catalogue! {
    // The narration (`--narrate`).
    /// The opening's second sentence: the funding transaction and the capacity.
    NarrateFunded =>
        "{payer} pays {capacity} into it with the funding (anchor) transaction {txid}. That is the channel \
         capacity: the most {payer} can pay {payee} through this channel.",
        "{payer} 用注资交易（资金或锚定交易）{txid} 向这个地址注入 {capacity}。这就是通道容量：{payer} 通过这个\
         支付通道最多能付给 {payee} 的金额。";
    /// A pause between two paid segments.
    NarratePause =>
        "Pause (segment {n}): {payer} stops the video for {s} s; no commitment is signed and the balance stays.",
        "暂停（第 {n} 段）：{payer} 暂停视频 {s} 秒；期间不签署承诺交易，余额不变。";
    /// The start of a paid segment.
    NarrateSegment => "Segment {n}: the video costs {rate} per second.", "第 {n} 段：视频每秒收费 {rate}。";
    /// What a long narration skipped.
    NarrateSkipped =>
        "  … {n} more commitments, each the same exchange one second further …",
        "  …… 另有 {n} 笔承诺交易，每一笔都是同样的交换，视频向前一秒 ……";
    /// The payee's output trimmed as dust.
    NarrateTrimmedPayee =>
        " ({payee}'s output is below the {dust}-sat dust limit and left out)",
        "（{payee} 的输出低于 {dust} 聪的粉尘限额，被省略）";
    /// The payer's refund output trimmed as dust.
    NarrateTrimmedPayer =>
        " ({payer}'s refund is below the {dust}-sat dust limit and left out)",
        "（{payer} 的退款输出低于 {dust} 聪的粉尘限额，被省略）";
    /// One second of video, the narration's unit.
    UnitSecond => "second", "秒";
    /// Several seconds of video.
    UnitSeconds => "{n} seconds", "个 {n} 秒";
    /// One commitment, in the book's default story.
    NarrateCommitment =>
        "{payer} signs commitment #{seq}: {paid} to {payee}, {back} back to {payer}{trimmed}; {payee} checks it, \
         adds the second signature and sends the next {unit} of video. [{clock} s]",
        "{payer} 创建并签署承诺交易 #{seq}：向 {payee} 支付 {paid}，退还 {payer} {back}{trimmed}；{payee} 收到后\
         添加第二个签名，并将其与下一{unit}视频一起返回给 {payer}。[{clock} 秒]";
    /// The channel ran out.
    NarrateExhausted =>
        "At {clock} s the channel is exhausted: commitment #{seq} would owe {payee} {paid} plus the fee, more than \
         the capacity holds. The stream stops.",
        "第 {clock} 秒通道耗尽：承诺交易 #{seq} 需要付给 {payee} {paid} 再加手续费，超过了通道容量。视频流停止。";
    /// A scripted event stopped the video.
    NarrateEvent =>
        "At {clock} s {who} {what}. There is no cooperative settlement: the last state both hold is #{seq}, and \
         what happens to the money is decided on the chain.",
        "第 {clock} 秒，{who}{what}。没有协商关闭：双方都持有的最后状态是 #{seq}，资金的去向由链上决定（单方面关闭）。";
    /// The event's verb: vanishing.
    DoesVanish => "vanishes", "消失了";
    /// The event's verb: broadcasting the refund.
    DoesRefund => "broadcasts the refund", "广播退款交易";
    /// The event's verb: broadcasting a commitment.
    DoesBroadcast => "broadcasts commitment #{seq}", "广播承诺交易 #{seq}";
    /// The event's verb: closing.
    DoesClose => "closes the channel", "关闭通道";
    /// The payer pressed stop.
    NarrateStop => "At {clock} s {payer} presses stop.", "最后，{payer} 在第 {clock} 秒点击“停止”以停止观看视频。";
    /// The settlement, after the design's sentence on who signed it.
    NarrateSettlement =>
        "The last state{which} is the settlement transaction {txid}: {paid} to {payee}, {back} to {payer}, fee {fee} \
         sat. {told}",
        "最后状态{which}就是结算交易 {txid}：付给 {payee} {paid}，退还 {payer} {back}，手续费 {fee} 聪。{told}";
    /// Which commitment the settlement is.
    NarrateWhich => ", commitment #{seq},", "（承诺交易 #{seq}）";

    // The printed summary after `paychan run`.
    /// The summary's first line.
    SummaryHead => "paychan: {name} (seed {seed}, {network})\n", "paychan：{name}（种子 {seed}，{network}）\n";
    /// The scenario's description, when the file has one.
    SummaryAbout => "  about    {description}\n", "  说明     {description}\n";
    /// The chain's files.
    SummaryWroteChain => "  wrote    {dir}/{{chain.csv, outcome.png, outcome.svg}}\n", "  写入     {dir}/{{chain.csv, outcome.png, outcome.svg}}\n";
    /// The funding line.
    SummaryFunded =>
        "  funded   {capacity} into the {noun} {address} of {payer} and {payee}\n           funding tx {txid} (fee \
         {fee} sat, {rate})\n",
        "  注资     {capacity} 注入 {payer} 与 {payee} 的 {noun} 地址 {address}\n           注资交易 {txid}（手续费 \
         {fee} 聪，{rate}）\n";
    /// The streaming line.
    SummaryStreamed =>
        "  streamed {s} s of video: {n} commitments, {signing}\n",
        "  播放     {s} 秒视频：{n} 笔承诺交易，{signing}\n";
    /// The channel ran out.
    SummaryExhausted =>
        "  stopped  at {clock} s: the channel is exhausted; commitment #{seq} would owe {paid} plus a {fee} sat fee \
         out of {funding}\n",
        "  停止     第 {clock} 秒：通道耗尽；承诺交易 #{seq} 需支付 {paid} 再加 {fee} 聪手续费，而通道只有 {funding}\n";
    /// The payer pressed stop.
    SummaryStop => "  stopped  at {clock} s: {payer} pressed stop\n", "  停止     第 {clock} 秒：{payer} 点击了“停止”\n";
    /// A cooperative close that did not confirm.
    SummaryCloseUnconfirmed =>
        "the cooperative close did not confirm: the chain decides (below)",
        "协商关闭没有被确认：由链上决定（见下）";
    /// An event stopped the video.
    SummaryEvent =>
        "  stopped  at {clock} s: {what}; {other} relies on the chain\n",
        "  停止     第 {clock} 秒：{what}；{other} 只能依靠链上交易\n";
    /// The event: a party vanishes.
    SummaryVanish =>
        "{who} vanishes: no more signatures, no cooperative close",
        "{who} 消失了：不再签名，也没有协商关闭";
    /// The event: a party broadcasts the refund.
    SummaryRefund => "{who} broadcasts the refund", "{who} 广播退款交易";
    /// The event: a party broadcasts a commitment.
    SummaryBroadcast => "{who} broadcasts commitment #{seq}", "{who} 广播承诺交易 #{seq}";
    /// The event: a party closes.
    SummaryClose => "{who} closes", "{who} 关闭通道";
    /// Why an event's run was not settled.
    SummaryNoSettlement =>
        "no cooperative settlement: the chain decides (below)",
        "没有协商关闭的结算交易：由链上决定（见下）";
    /// The last state both held.
    SummaryLast =>
        "  last     state #{seq}: {payee} {paid}, {payer} {back}; {why}\n",
        "  最后     状态 #{seq}：{payee} {paid}，{payer} {back}；{why}\n";
    /// A cooperative close.
    SummarySettled =>
        "  settled  {payee} {paid}, {payer} {back} (= {capacity} - {paid} - {fee} sat fee{dust})\n           \
         settlement tx {txid}\n",
        "  结算     {payee} {paid}，{payer} {back}（= {capacity} - {paid} - {fee} 聪手续费{dust}）\n           \
         结算交易 {txid}\n";
    /// The dust part of the settled line.
    SummaryDust => ", {sat} sat of it a dust output left out", "，其中 {sat} 聪是被省略的粉尘输出";
    /// The files written.
    SummaryWrote => "  wrote    {dir}/{{{files}}}\n", "  写入     {dir}/{{{files}}}\n";

    // The charts (balance.png, payment.png and their SVGs).
    /// The settlement's label.
    ChartSettlement => "settlement: {payee} {paid}, {payer} {back}", "结算交易：{payee} {paid}，{payer} {back}";
    /// The exhaustion's label.
    ChartExhausted => "channel exhausted at {at}", "通道耗尽于 {at}";
    /// A segment's rate.
    ChartRate => "rate {rate}", "费率 {rate}";
    /// The capacity line.
    ChartCapacity => "capacity {amount}", "通道容量 {amount}";
    /// The fee, one value.
    ChartFee => "fee {fee} sat", "手续费 {fee} 聪";
    /// The fee, a range.
    ChartFeeRange => "fee {lo}–{hi} sat", "手续费 {lo}–{hi} 聪";
    /// The time axis.
    ChartTime => "time ({unit})", "时间（{unit}）";
    /// The balance axis.
    ChartBalance => "balance ({unit})", "余额（{unit}）";
    /// The chart's title.
    ChartTitle => "{name} — seed {seed}", "{name} — 种子 {seed}";
    /// The balance chart's subtitle.
    ChartBalanceTitle => "payment channel balance over time", "支付通道余额随时间的变化";
    /// The payer in the legend.
    ChartPayer => "{name} (payer)", "{name}（付款方）";
    /// The payee in the legend.
    ChartPayee => "{name} (payee)", "{name}（收款方）";
    /// The fee in the legend.
    ChartFeeLegend => "fee + trimmed dust", "手续费 + 省略的粉尘";
    /// A pause.
    ChartPause => "pause", "暂停";
    /// The payment chart's subtitle.
    ChartPaymentTitle => "what {payer} pays {payee}, and when", "{payer} 何时向 {payee} 支付多少";
    /// The price axis.
    ChartPrice => "price ({unit}/s)", "价格（{unit}/秒）";
    /// The owed axis.
    ChartOwed => "owed to {payee} ({unit})", "欠 {payee} 的金额（{unit}）";
    /// The paid axis.
    ChartPaid => "paid to {payee} ({unit})", "付给 {payee} 的金额（{unit}）";
    /// The stop.
    ChartStop => "stop at {at}", "停止于 {at}";
    /// The payment chart's end, the chain deciding.
    ChartOwesReceived =>
        "{head}: the last state owes {payee} {owed}; {payee} received {got} on chain",
        "{head}：最后状态欠 {payee} {owed}；{payee} 在链上收到 {got}";
    /// The payment chart's end, settled.
    ChartPaidTo => "{head}: {paid} paid to {payee}", "{head}：付给 {payee} {paid}";

    /// The payment chart's and balance chart's end when no settlement happened: who closed the
    /// channel with what.
    ChartNoSettlement =>
        "no settlement: {who}'s {what} closed it; {got}",
        "没有结算交易：{who} 的{what}关闭了通道；{got}";
    /// The charts' end when nothing spent the funding output.
    ChartNothingSpends =>
        "no settlement: nothing spends the {noun}; {got}",
        "没有结算交易：没有交易花费这个 {noun} 输出；{got}";
    /// What each party got on the chain, in the charts' end label.
    ChartGot => "{payee} got {a}, {payer} {b}", "{payee} 收到 {a}，{payer} 收到 {b}";
    /// The outcome chart's title.
    ChartOutcomeTitle => "{name}: owed and received ({design})", "{name}：应得与实收（{design}）";
    /// A chart's unit line.
    ChartIn => "in {unit}", "单位：{unit}";
    /// The outcome chart's legend: the light bars.
    ChartOwedLight => "owed (light)", "应得（浅色）";
    /// The outcome chart's legend: a party's bar.
    ChartReceivedBy => "received by {name}", "{name} 实收";
    /// An owed bar's label.
    ChartOwedBar => "owed {v}", "应得 {v}";
    /// A received bar's label.
    ChartReceivedBar => "received {v}", "实收 {v}";
    /// The comparison chart's title.
    ChartCompareTitle => "{name}: owed and received under each design", "{name}：各设计下的应得与实收";
    /// The comparison chart's unit line.
    ChartCompareUnit =>
        "in {unit}; light bars: owed, dark bars: received",
        "单位：{unit}；浅色柱：应得，深色柱：实收";
    /// The comparison chart's legend: a design without a chain.
    ChartNoChain => "no chain played", "未模拟链上过程";
    /// A bar without a value.
    ChartNotApplicable => "n/a", "无";

    // The report page (report.html): its sentences, then the fixed pieces of its markup and of
    // report.js that a Chinese page replaces, each found verbatim in the English page's source.
    /// The page's title.
    PageTitle => "{name} — seed {seed}: a payment channel, step by step", "{name} — 种子 {seed}：逐步展示的支付通道";
    /// The page's lead paragraph.
    PageLead =>
        "<p class=\"lead\">{payer} pays {payee} through a {noun} payment channel of <b>{capacity}</b> on {network}: \
         one commitment\ntransaction per {interval} s of video, each signed by {payer} and {second} by {payee}, at a \
         fee rate of\n{fee_rate}. {count} commitments; the channel {stopped}.</p>",
        "<p class=\"lead\">{payer} 通过一个容量为 <b>{capacity}</b> 的 {noun} 支付通道（{network}）向 {payee} 付款：\
         每 {interval} 秒视频一笔承诺交易，\n每一笔由 {payer} 签署、{payee} {second}，手续费率\n{fee_rate}。共 {count} \
         笔承诺交易；通道{stopped}。</p>";
    /// The lead's ending: the capacity ran out.
    PageStoppedExhausted => "ran out of capacity", "容量耗尽";
    /// The lead's ending: an event stopped the video.
    PageStoppedEvent =>
        "was stopped by a scripted event (see <a href=\"#chain\">on the chain</a>)",
        "被脚本事件中止（见<a href=\"#chain\">链上</a>）";
    /// The lead's ending: the schedule ended.
    PageStoppedSchedule => "closed when the schedule ended", "在计划结束时关闭";
    /// The settlement card's title.
    PageSettlement => "Settlement", "结算交易";
    /// The ending card's title when nothing was settled.
    PageHowItEnded => "How it ended", "通道如何结束";
    /// Why the settlement was made: the capacity ran out.
    PageWhyExhausted => "The channel ran out", "通道容量耗尽";
    /// Why the settlement was made: the video stopped.
    PageWhyStopped => "The video stopped", "视频停止";
    /// The last state, in the ending card.
    PageLastState =>
        "commitment #{seq}: <b>{paid}</b> to {payee}, <b>{back}</b> to {payer}",
        "承诺交易 #{seq}：付给 {payee} <b>{paid}</b>，退还 {payer} <b>{back}</b>";
    /// When the settlement confirmed.
    PageConfirmed => " It confirmed at height {height}.", "它在区块高度 {height} 被确认。";
    /// The settlement card's text.
    PageSettled =>
        "{why} — the settlement of the last state, {last}, fee {fee} sat, at {clock} s. {who}{confirmed}",
        "{why}——协商关闭，结算最后状态：{last}，手续费 {fee} 聪，第 {clock} 秒。{who}{confirmed}";
    /// No settlement: an event stopped the video.
    PageWhyEvent => "a scripted event stopped the video", "脚本事件中止了视频";
    /// No settlement: the video stopped.
    PageWhyVideo => "the video stopped", "视频停止了";
    /// What closed the channel instead.
    PageClosedInstead =>
        "What closed the channel instead, <a href=\"#chain\">on the chain</a> below: {verdict}.",
        "通道改由<a href=\"#chain\">链上</a>单方面关闭（见下）：{verdict}。";
    /// Nothing spent the funding output.
    PageNothingSpent =>
        "Nothing ever spent the funding output (see <a href=\"#chain\">the chain</a> below).",
        "注资交易的输出从未被花费（见下方<a href=\"#chain\">链上</a>）。";
    /// The ending card's text without a settlement.
    PageNoSettlement =>
        "No cooperative settlement: {why}. The last state both agreed is {last}. {close}",
        "没有协商关闭：{why}。双方同意的最后状态是 {last}。{close}";
    /// Markup: the payer's card.
    HtmlPayer => "<span>payer</span>", "<span>付款方</span>";
    /// Markup: the payee's card.
    HtmlPayee => "<span>payee</span>", "<span>收款方</span>";
    /// Markup: a funding key.
    HtmlKey => " key</dt>", " 密钥</dt>";
    /// Markup: the refund address.
    HtmlRefundAddress => "<dt>refund address</dt>", "<dt>退款地址</dt>";
    /// Markup: the payment address.
    HtmlPaymentAddress => "<dt>payment address</dt>", "<dt>收款地址</dt>";
    /// Markup: the funding card.
    HtmlFunding => "<h2>Funding (anchor) transaction</h2>", "<h2>注资交易（资金/锚定交易）</h2>";
    /// Markup: the funding's input.
    HtmlInput => "<dt>input</dt>", "<dt>输入</dt>";
    /// Markup: the payer's coin.
    HtmlCoin => "'s coin <span", " 的币 <span";
    /// Markup: an output of the funding.
    HtmlOutput => "<dt>output ", "<dt>输出 ";
    /// Markup: the funding output's script.
    HtmlToThe => "</b> to the ", "</b> 支付到 ";
    /// Markup: the change.
    HtmlChange => " change back to ", " 找零退还给 ";
    /// Markup: the fee.
    HtmlFee => "<dt>fee</dt>", "<dt>手续费</dt>";
    /// Markup: the witness script.
    HtmlWitnessScript => "<dt>witness script</dt>", "<dt>见证脚本</dt>";
    /// Markup: the stepper's title.
    HtmlCommitments => "<h2>Commitments <span", "<h2>承诺交易 <span";
    /// Markup: the footer.
    HtmlFooter =>
        "<footer>Written by paychan from <code>summary.json</code> and <code>commitments.csv</code>. Every \
         transaction here is real:\ncheck the folder with <code>paychan verify</code>.</footer>",
        "<footer>由 paychan 根据 <code>summary.json</code> 和 <code>commitments.csv</code> 写成。这里的每一笔交易\
         都是真实的：\n可以用 <code>paychan verify</code> 检查这个文件夹。</footer>";
    /// Script: no commitment.
    JsNoCommitment =>
        "No commitment was signed: the settlement refunds ",
        "没有签署任何承诺交易：结算交易将资金退还给 ";
    /// Script: no commitments.
    JsNoCommitments => "\"no commitments\"", "\"没有承诺交易\"";
    /// Script: the stepper's position.
    JsPosition => "\"commitment #\" + s.seq + \" of \"", "\"承诺交易 #\" + s.seq + \" / \"";
    /// Script: an empty witness item.
    JsEmpty => "\" <i>(empty)</i>\"", "\" <i>（空）</i>\"";
    /// Script: the holder's point.
    JsPoint => "holder\\'s per-commitment point ", "持有者的每承诺点（per-commitment point） ";
    /// Script: the secret handed over.
    JsSecret => "secret of the previous state, handed over ", "本步交出的上一状态的秘密 ";
    /// Script: a trimmed output.
    JsTrimmedOpen => "\" <i>(\" + (s.trimmed", "\" <i>（\" + (s.trimmed";
    /// Script: a trimmed output's words.
    JsTrimmed =>
        "\"'s output is below the 294-sat dust limit and left out)</i>\"",
        "\" 的输出低于 294 聪的粉尘限额，被省略）</i>\"";
    /// Script: the time paid for.
    JsPaidFor => "\" s</b> of video paid for (clock \"", "\" 秒</b>视频已付费（时钟 \"";
    /// Script: the segment.
    JsSegment => "\" s, segment \" + s.segment + \", \"", "\" 秒，第 \" + s.segment + \" 段，\"";
    /// Script: the rate.
    JsRate => "units(s.rate) + \"/s). \"", "units(s.rate) + \"/秒）。\"";
    /// Script: the payer signs.
    JsSigns => "\" signs commitment #\"", "\" 签署承诺交易 #\"";
    /// Script: to the payee.
    JsTo => "\"</b> to \" +", "\"</b> 付给 \" +";
    /// Script: between the outputs.
    JsAnd => "who(D.payee) + \", <b>\"", "who(D.payee) + \"，<b>\"";
    /// Script: back to the payer.
    JsBack => "\"</b> back to \" + who(D.payer) + \". \"", "\"</b> 退还给 \" + who(D.payer) + \"。\"";
    /// Script: the transaction.
    JsTransaction => "<h3>Transaction</h3>", "<h3>交易</h3>";
    /// Script: the fee.
    JsFee => "\" vB, fee \" + s.fee + \" sat</p><p>input: the funding output ", "\" vB，手续费 \" + s.fee + \" 聪</p><p>输入：注资交易的输出 ";
    /// Script: the outputs.
    JsOutputs => "<p>outputs:</p>", "<p>输出：</p>";
    /// Script: the witness.
    JsWitness => "<h3>Witness</h3>", "<h3>见证</h3>";
    /// Script: the sample note.
    JsShowing =>
        "\"(showing \" + D.steps.length + \" of \" + D.total + \" commitments, evenly sampled)\"",
        "\"（显示 \" + D.steps.length + \" / \" + D.total + \" 笔承诺交易，均匀抽样）\"";
}

/// `template` with each `{name}` of `args` replaced by its value; `{{` and `}}` stand for braces.
/// An unknown `{name}` is left as it is (the catalogue test holds that none is).
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(at) = rest.find(['{', '}']) {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        let name_end = tail.find('}').filter(|_| tail.starts_with('{'));
        match name_end.and_then(|end| args.iter().find(|(n, _)| *n == &tail[1..end]).map(|(_, v)| (end, v))) {
            Some((end, value)) => {
                out.push_str(value);
                rest = &tail[end + 1..];
            }
            None => {
                out.push_str(&tail[..1]);
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// `msg` in `lang` with its placeholders filled from `args`.
pub fn say(lang: Lang, msg: Msg, args: &[(&str, &str)]) -> String {
    fill(msg.text(lang), args)
}

/// The placeholder names of `template`, sorted, each once.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut names = std::collections::BTreeSet::new();
    let mut rest = template;
    while let Some(at) = rest.find('{') {
        let tail = &rest[at..];
        if let Some(after) = tail.strip_prefix("{{") {
            rest = after;
            continue;
        }
        match tail.find('}') {
            Some(end) => {
                names.insert(&tail[1..end]);
                rest = &tail[end + 1..];
            }
            None => break,
        }
    }
    names.into_iter().collect()
}

/// Whether `s` holds a CJK ideograph, CJK punctuation or a full-width form ("（"): what a Chinese
/// message must, and an English one must not.
pub fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| {
        ('\u{4e00}'..='\u{9fff}').contains(&c)
            || ('\u{3000}'..='\u{303f}').contains(&c)
            || ('\u{ff00}'..='\u{ffef}').contains(&c)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every message has both languages: non-empty, the Chinese in Chinese and the English not,
    /// the two different, and both naming the same placeholders.
    #[test]
    fn every_message_has_both_languages() {
        assert!(Msg::ALL.len() > 20);
        for &m in Msg::ALL {
            let (en, zh) = (m.text(Lang::En), m.text(Lang::Zh));
            assert!(!en.trim().is_empty() && !zh.trim().is_empty(), "{m:?} is empty in a language");
            assert_ne!(en, zh, "{m:?} is not translated");
            assert!(!has_cjk(en), "{m:?}'s English holds Chinese: {en}");
            assert!(has_cjk(zh), "{m:?}'s Chinese holds no Chinese: {zh}");
            assert_eq!(placeholders(en), placeholders(zh), "{m:?} names different placeholders");
        }
    }

    #[test]
    fn fill_replaces_named_placeholders_and_keeps_braces() {
        assert_eq!(fill("{a} pays {b}", &[("a", "艾玛"), ("b", "Fabian")]), "艾玛 pays Fabian");
        assert_eq!(fill("{d}/{{{f}}}", &[("d", "out"), ("f", "x, y")]), "out/{x, y}");
        assert_eq!(fill("{unknown}", &[]), "{unknown}");
        assert_eq!(placeholders("{d}/{{{f}}} {d}"), vec!["d", "f"]);
    }

    #[test]
    fn lang_parses_its_codes_only() {
        for l in Lang::ALL {
            assert_eq!(Lang::parse(l.code()), Ok(l));
        }
        assert!(Lang::parse("fr").unwrap_err().contains("\"fr\""));
    }
}
