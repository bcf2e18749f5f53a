//! The chapter's last repair: asymmetric, revocable commitments with a penalty, in BOLT #3's forms.
//!
//! The timelocked channel has a lifetime and the Spilman channel an expiry. Lightning's
//! construction has neither: each party holds its *own* version of every state, in which its own
//! balance (`to_local`) waits `to_self_delay` blocks (`OP_CHECKSEQUENCEVERIFY`) while the other
//! party is paid at once (`to_remote`, P2WPKH). Moving to the next state, each party hands over
//! the per-commitment secret of its previous version, which gives the other party that version's
//! revocation key: a party that broadcasts a revoked version loses its delayed balance to a
//! penalty transaction the other signs before the delay ends. The cooperative close is a final
//! transaction without delays, signed by both.
//!
//! Every transaction here is built by [`super::bolt3`], the module checked against BOLT #3's own
//! test vectors (Appendix C is reproduced byte for byte by the same [`super::bolt3::build_commitment`]
//! this design calls). paychan's choices within BOLT #3: no HTLCs, no anchors,
//! `option_static_remotekey` with each party's payment basepoint being its payout key (so
//! `to_remote` pays the party's payout script), the payer (the opener) pays the commitment fee,
//! and the dust limit is BOLT #2's smallest allowed `dust_limit_satoshis`, 354 sat.
//!
//! Like every design, this one holds no secret: each version is built from public basepoints and
//! the holder's per-commitment point, which the parties exchange ([`crate::party`]).

use std::sync::OnceLock;

use bitcoin::absolute::LockTime;
use bitcoin::secp256k1::{All, PublicKey, Secp256k1};
use bitcoin::{ecdsa, Amount, FeeRate, OutPoint, ScriptBuf, Sequence, Transaction, Weight, Witness};

use super::bolt3::{self, Bolt3Error, CommitmentKeys, CommitmentState, Funder};
use super::builders::{fee_for, funding_witness_script, multisig_witness, same_output_values, sorted_keys};
use super::naive::Naive;
use super::part::Extra;
use super::{ChannelParams, CommitmentWords, Design, EcdsaSpend, Refund, SecpOperations, Settings, Signing, Split};
use crate::channel::Who;
use crate::units::thousands;
use crate::words::Lang;

/// The default `to_self_delay`: 1,000 blocks, about a week.
pub const DEFAULT_TO_SELF_DELAY: u32 = 1_000;

/// BOLT #2's smallest `dust_limit_satoshis` (354 sat): commitment outputs below it are trimmed.
pub const DUST_LIMIT: Amount = Amount::from_sat(354);

/// The largest weight of a signed spend of a `to_local` output (the delayed sweep or the
/// penalty): non-witness version 4, input count 1, input 41, output count 1, P2WPKH output 31,
/// lock time 4; witness marker and flag 2, item count 1, signature 1 + 72, the branch selector
/// 1 + 1, the `to_local` script 1 + 79 at most.
pub const TO_LOCAL_SPEND_WEIGHT: Weight = Weight::from_wu((4 + 1 + 41 + 1 + 31 + 4) * 4 + 2 + 1 + 73 + 2 + 80);

/// One shared verification-and-signing context: building a version derives keys, and a context
/// costs more to make than the derivation itself.
pub fn secp() -> &'static Secp256k1<All> {
    static SECP: OnceLock<Secp256k1<All>> = OnceLock::new();
    SECP.get_or_init(Secp256k1::new)
}

/// One party's public basepoints (BOLT #3 "Key Derivation").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Basepoints {
    /// `payment_basepoint`: paychan makes it the party's payout key, so under
    /// `option_static_remotekey` the other party's version pays it to its payout script.
    pub payment: PublicKey,
    /// `delayed_payment_basepoint`: the party's delayed key in its own versions derives from it.
    pub delayed_payment: PublicKey,
    /// `revocation_basepoint`: the revocation key of the *other* party's versions derives from it.
    pub revocation: PublicKey,
}

/// Both parties' basepoints, part of the channel's public parameters in the revocable design.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelBasepoints {
    /// The payer's (Emma's).
    pub payer: Basepoints,
    /// The payee's (Fabian's).
    pub payee: Basepoints,
}

impl ChannelBasepoints {
    /// `who`'s basepoints.
    pub fn of(&self, who: Who) -> &Basepoints {
        match who {
            Who::Payer => &self.payer,
            Who::Payee => &self.payee,
        }
    }

    /// `who`'s basepoints in `params`, named as summary.json names them (none when `params`
    /// carries no basepoints): [`Design::public_keys`] of every design built on them.
    pub fn public_keys(params: &ChannelParams, who: Who) -> Vec<(&'static str, PublicKey)> {
        match params.extra.get::<ChannelBasepoints>() {
            Some(b) => {
                let b = b.of(who);
                vec![("payment", b.payment), ("delayed_payment", b.delayed_payment), ("revocation", b.revocation)]
            }
            None => Vec::new(),
        }
    }

    /// The basepoints read back from summary.json's named keys (the payer's, the payee's) into
    /// `params`: [`Design::with_public_keys`] of every design built on them.
    ///
    /// # Errors
    ///
    /// Names the party and the key missing.
    pub fn with_public_keys(params: &mut ChannelParams, keys: [&[(String, PublicKey)]; 2]) -> Result<(), String> {
        let one = |who: &str, keys: &[(String, PublicKey)]| {
            let get = |name: &str| {
                keys.iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, k)| *k)
                    .ok_or_else(|| format!("the {who}'s basepoints have no {name} key"))
            };
            Ok::<_, String>(Basepoints {
                payment: get("payment")?,
                delayed_payment: get("delayed_payment")?,
                revocation: get("revocation")?,
            })
        };
        let (payer, payee) = (one("payer", keys[0])?, one("payee", keys[1])?);
        params.extra = Extra::of(ChannelBasepoints { payer, payee });
        Ok(())
    }
}

/// Why a version of a state cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RevocableError {
    /// The channel parameters carry no basepoints: not a revocable channel.
    #[error("the channel has no revocation basepoints: it is not a revocable channel")]
    NoBasepoints,
    /// A BOLT #3 primitive refused.
    #[error("{0}")]
    Bolt3(#[from] Bolt3Error),
}

/// The revocable design.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revocable {
    /// The funding's height.
    pub funding_height: u32,
    /// Blocks each party waits before sweeping its own balance from its own version.
    pub to_self_delay: u16,
}

/// Registers the design under its name (see [`crate::party::DESIGNS`]).
pub fn make(settings: &Settings) -> Box<dyn Design> {
    Box::new(Revocable::new(settings))
}

fn key(params: &ChannelParams, who: Who) -> PublicKey {
    match who {
        Who::Payer => params.payer_funding_key,
        Who::Payee => params.payee_funding_key,
    }
}

/// The payout script of `who`.
pub fn payout(params: &ChannelParams, who: Who) -> &ScriptBuf {
    match who {
        Who::Payer => &params.payer_payout,
        Who::Payee => &params.payee_payout,
    }
}

impl Revocable {
    /// The design made with `settings`: what [`make`] registers, and what each party's side of
    /// the protocol ([`crate::party`]) builds its versions with.
    pub fn new(settings: &Settings) -> Revocable {
        Revocable {
            funding_height: settings.funding_height,
            to_self_delay: u16::try_from(settings.to_self_delay).unwrap_or(u16::MAX),
        }
    }

    /// The BOLT #3 parameters of `holder`'s versions: the holder is *local*, the payer (the
    /// opener) pays the fee.
    ///
    /// # Errors
    ///
    /// [`RevocableError::NoBasepoints`] outside a revocable channel.
    pub fn bolt3_params(&self, params: &ChannelParams, holder: Who) -> Result<bolt3::ChannelParams, RevocableError> {
        let b = *params.extra.get::<ChannelBasepoints>().ok_or(RevocableError::NoBasepoints)?;
        Ok(bolt3::ChannelParams {
            funding_outpoint: params.funding_outpoint,
            funding_amount: params.funding_amount,
            local_funding_pubkey: key(params, holder),
            remote_funding_pubkey: key(params, holder.other()),
            obscuring_factor: bolt3::obscuring_factor(&b.payer.payment, &b.payee.payment),
            to_self_delay: self.to_self_delay,
            dust_limit: DUST_LIMIT,
            funder: if holder == Who::Payer { Funder::Local } else { Funder::Remote },
        })
    }

    /// The public keys of `holder`'s version whose per-commitment point is `point`.
    ///
    /// # Errors
    ///
    /// As [`Revocable::bolt3_params`], and [`Bolt3Error::InvalidKey`] in the negligible cases.
    pub fn keys(
        &self,
        params: &ChannelParams,
        holder: Who,
        point: &PublicKey,
    ) -> Result<CommitmentKeys, RevocableError> {
        let b = *params.extra.get::<ChannelBasepoints>().ok_or(RevocableError::NoBasepoints)?;
        let (mine, theirs) = (b.of(holder), b.of(holder.other()));
        Ok(CommitmentKeys::derive(secp(), point, &theirs.revocation, &mine.delayed_payment, &theirs.payment)?)
    }

    /// `holder`'s version of state `seq` dividing the funding as `split`, with the holder's
    /// per-commitment point `point`: BOLT #3's commitment, built by [`bolt3::build_commitment`].
    ///
    /// # Errors
    ///
    /// As [`Revocable::keys`] and [`bolt3::build_commitment`].
    pub fn version(
        &self,
        params: &ChannelParams,
        holder: Who,
        seq: u64,
        split: &Split,
        point: &PublicKey,
    ) -> Result<bolt3::Commitment, RevocableError> {
        let b3 = self.bolt3_params(params, holder)?;
        let keys = self.keys(params, holder, point)?;
        let payer_msat = params.funding_amount.checked_sub(split.paid).unwrap_or(Amount::ZERO).to_sat() * 1000;
        let payee_msat = split.paid.to_sat() * 1000;
        let (to_local_msat, to_remote_msat) =
            if holder == Who::Payer { (payer_msat, payee_msat) } else { (payee_msat, payer_msat) };
        let state = CommitmentState {
            commitment_number: seq,
            to_local_msat,
            to_remote_msat,
            feerate_per_kw: feerate_per_kw(params.fee_rate),
        };
        Ok(bolt3::build_commitment(&b3, &keys, &state)?)
    }

    /// The commitment number a version carries in its lock time and sequence; `None` for a
    /// transaction that carries none (the cooperative close).
    pub fn commitment_number(&self, params: &ChannelParams, tx: &Transaction) -> Option<u64> {
        let b = *params.extra.get::<ChannelBasepoints>()?;
        bolt3::commitment_number_of(tx, bolt3::obscuring_factor(&b.payer.payment, &b.payee.payment))
    }

    /// The `to_local` output of `holder`'s version `commitment` with per-commitment point
    /// `point`: its outpoint, value and witness script; `None` if that version has none (trimmed)
    /// or `commitment` is not that version.
    pub fn to_local(
        &self,
        params: &ChannelParams,
        holder: Who,
        commitment: &Transaction,
        point: &PublicKey,
    ) -> Option<(OutPoint, Amount, ScriptBuf)> {
        let keys = self.keys(params, holder, point).ok()?;
        let script = bolt3::to_local_script(&keys.revocation_pubkey, self.to_self_delay, &keys.local_delayed_pubkey);
        let spk = script.to_p2wsh();
        let vout = commitment.output.iter().position(|o| o.script_pubkey == spk)?;
        let outpoint = OutPoint { txid: commitment.compute_txid(), vout: u32::try_from(vout).ok()? };
        Some((outpoint, commitment.output[vout].value, script))
    }

    /// The unsigned spend of a `to_local` output worth `amount` at `outpoint` to `to`'s payout:
    /// the owner's delayed sweep (`penalty` false: sequence `to_self_delay`) or the other
    /// party's penalty (`penalty` true), paying the scenario's fee rate on
    /// [`TO_LOCAL_SPEND_WEIGHT`].
    ///
    /// # Errors
    ///
    /// [`Bolt3Error::FeeTooHigh`] when the fee would take the whole output.
    pub fn spend(
        &self,
        params: &ChannelParams,
        outpoint: OutPoint,
        amount: Amount,
        to: Who,
        penalty: bool,
    ) -> Result<Transaction, RevocableError> {
        let fee = fee_for(params.fee_rate, TO_LOCAL_SPEND_WEIGHT).unwrap_or(Amount::MAX);
        let dest = payout(params, to).clone();
        Ok(if penalty {
            bolt3::penalty_tx(outpoint, amount, dest, fee)?
        } else {
            bolt3::delayed_sweep_tx(outpoint, amount, self.to_self_delay, dest, fee)?
        })
    }
}

/// The scenario's fee rate in BOLT #3's unit, satoshis per 1,000 weight units.
pub fn feerate_per_kw(rate: FeeRate) -> u32 {
    u32::try_from(rate.to_sat_per_kwu()).unwrap_or(u32::MAX)
}

impl Design for Revocable {
    fn name(&self) -> &'static str {
        "revocable"
    }

    /// Two signatures and two verifications, and the keys of four built versions (each party
    /// builds its own and the one it signs for the other): per version a revocation key (2
    /// point multiplications, 1 addition) and a delayed key (1 generator multiplication, 1
    /// addition); and four per-commitment points.
    fn secp_operations(&self) -> SecpOperations {
        SecpOperations { signs: 2, verifies: 2, point_muls: 8, generator_muls: 8, additions: 8 }
    }

    fn reads(&self) -> &'static [&'static str] {
        &["to_self_delay"]
    }

    fn about(&self, lang: Lang) -> &'static str {
        lang.pick(
            "Lightning's construction (BOLT #3): each party holds its own version of every state, its own balance \
             delayed, and revokes the previous version by handing over its secret, so a party that broadcasts a \
             revoked state loses its balance to a penalty",
            "闪电网络的构造（BOLT #3）：每一方持有每个状态自己的版本，其中自己的余额要延迟才能取回；进入新状态时交出\
             上一版本的秘密以撤销它，所以广播已撤销状态的一方会因惩罚交易失去自己的余额",
        )
    }

    fn witness_labels(&self, lang: Lang, (payer, payee): (&str, &str), payer_first: bool) -> Vec<String> {
        let (mine, his, dummy, script) = match lang {
            Lang::En => (
                format!("{payer}'s signature"),
                format!("{payee}'s signature: empty in his copy, added only if he broadcasts it"),
                "empty (a dummy item OP_CHECKMULTISIG pops)",
                "the witness script (the 2-of-2)",
            ),
            Lang::Zh => (
                format!("{payer} 的签名"),
                format!("{payee} 的签名：在他的副本中为空，只有他广播时才添加"),
                "空项（OP_CHECKMULTISIG 多弹出的一个占位项）",
                "见证脚本（2-of-2 多签名）",
            ),
        };
        let (first, second) = if payer_first { (mine, his) } else { (his, mine) };
        vec![dummy.to_string(), first, second, script.to_string()]
    }

    fn tell_step(&self, lang: Lang, payer: &str, payee: &str) -> String {
        let delay = thousands(u64::from(self.to_self_delay));
        match lang {
            Lang::En => format!(
                "This is {payee}'s version of the state: {payer} signed it for him, and he holds it with his own \
                 slot empty; in it {payer} is paid at once and his own balance waits {delay} blocks, or goes to \
                 {payer} with the revocation key. {payee} signs {payer}'s version in return (the mirror image, \
                 another txid: commitments-payer.csv). Then each hands over the secret of its previous version: \
                 with it, the other can make that version's revocation key, so whoever broadcasts a revoked version \
                 loses its delayed balance to the other's penalty."
            ),
            Lang::Zh => format!(
                "这是 {payee} 版本的状态：{payer} 为他签署，他保存时自己的签名位为空；在这个版本中 {payer} 立即收到\
                 付款，而他自己的余额要等待 {delay} 个区块，或者被持有撤销密钥的 {payer} 取走。作为回报，{payee} \
                 签署 {payer} 的版本（镜像，另一个 txid：commitments-payer.csv）。然后双方各自交出上一个版本的秘密：\
                 有了它，对方就能算出那个版本的撤销密钥，所以谁广播已撤销的版本，谁被延迟的余额就会被对方的惩罚\
                 交易拿走。"
            ),
        }
    }

    fn tell_lock(&self, lang: Lang) -> Option<&'static str> {
        Some(lang.pick(
            "Its lock time ({lock}) and its input's sequence carry BOLT #3's obscured commitment number; as a time \
             it is long past, so it delays nothing.",
            "它的时间锁字段（{lock}）和输入的 sequence 携带 BOLT #3 混淆后的承诺编号；作为时间它早已过去，所以不会\
             延迟任何东西。",
        ))
    }

    fn tell_signing(&self, lang: Lang, payer: &str, payee: &str) -> String {
        match lang {
            Lang::En => format!(
                "each in two versions ({payer} signs {payee}'s, {payee} signs {payer}'s), the previous ones revoked"
            ),
            Lang::Zh => {
                format!("每个状态两个版本（{payer} 签署 {payee} 的，{payee} 签署 {payer} 的），之前的版本都已撤销")
            }
        }
    }

    fn tell_commitment(&self, w: &CommitmentWords<'_>) -> Option<String> {
        let (p, q, seq) = (w.payer, w.payee, w.seq);
        let (paid, back, trimmed, unit, clock) = (w.paid, w.back, w.trimmed, w.unit, w.clock_s);
        Some(match w.lang {
            Lang::En => {
                let revoke = if seq > 0 { format!(", revokes his #{}", seq - 1) } else { String::new() };
                let hers = if seq > 0 { format!(" and revokes her #{}", seq - 1) } else { String::new() };
                format!(
                    "{p} signs {q}'s version of commitment #{seq}: {paid} to {q}, {back} back to {p}{trimmed}; {q} \
                     checks it, signs {p}'s version{revoke} and sends the next {unit} of video; {p} checks his \
                     signature{hers}. [{clock} s]"
                )
            }
            Lang::Zh => {
                let revoke = if seq > 0 { format!("，撤销他的 #{}", seq - 1) } else { String::new() };
                let hers = if seq > 0 { format!("并撤销她的 #{}", seq - 1) } else { String::new() };
                format!(
                    "{p} 签署 {q} 版本的承诺交易 #{seq}：付给 {q} {paid}，退还 {p} {back}{trimmed}；{q} 核对后签署 \
                     {p} 的版本{revoke}，并发送下一{unit}视频；{p} 核对他的签名{hers}。[{clock} 秒]"
                )
            }
        })
    }

    fn tell_funding(&self, lang: Lang, payer: &str, payee: &str, address: &str) -> String {
        let delay = thousands(u64::from(self.to_self_delay));
        match lang {
            Lang::En => format!(
                "{payer} and {payee} set up a 2-of-2 multisig address, {address}. Each will hold its own version \
                 of every state: in {payer}'s, her balance waits {delay} blocks while {payee} is paid at once, and \
                 the other way round in his. Each hands over the secret that revokes its previous version as the \
                 video goes on."
            ),
            Lang::Zh => format!(
                "{payer} 和 {payee} 建立了一个 2-of-2 的多签名地址 {address}。每个状态双方各持有自己的版本：在 \
                 {payer} 的版本中，她的余额要等待 {delay} 个区块，而 {payee} 立即收到付款；他的版本则反过来。随着\
                 视频播放，双方各自交出撤销上一个版本的秘密（撤销密钥由此得出）。"
            ),
        }
    }

    fn funding_script(&self, payer: &PublicKey, payee: &PublicKey) -> ScriptBuf {
        funding_witness_script(payer, payee)
    }

    /// BOLT #3's expected weight of a commitment without HTLCs, whatever its outputs.
    fn commitment_weight(&self, _outputs: u64) -> Weight {
        Weight::from_wu(bolt3::COMMITMENT_WEIGHT)
    }

    /// BOLT #3's base fee: 724 weight units at the fee rate, rounded down; the same with one
    /// output as with two (a trimmed output's value goes to the fee on top).
    fn commitment_fee(&self, rate: FeeRate, _outputs: u64) -> Option<Amount> {
        let per_kw = u32::try_from(rate.to_sat_per_kwu()).ok()?;
        Some(bolt3::base_fee(per_kw))
    }

    /// The state in plain outputs, both paid at once with no lock: the cooperative close signs
    /// this form ([`Design::settlement_tx`]); each party's own version comes from
    /// [`Revocable::version`].
    fn commitment_tx(&self, params: &ChannelParams, seq: u64, split: &Split) -> Transaction {
        Naive.commitment_tx(params, seq, split)
    }

    /// A version carries its obscured commitment number (lock time 0x20…, sequence 0x80…); the
    /// cooperative close none.
    fn lock(&self, params: &ChannelParams, seq: Option<u64>) -> (LockTime, Sequence) {
        let factor = params
            .extra
            .get::<ChannelBasepoints>()
            .map(|b| bolt3::obscuring_factor(&b.payer.payment, &b.payee.payment));
        match (seq, factor) {
            (Some(seq), Some(factor)) => match bolt3::obscured_commitment_number(factor, seq) {
                Ok(obscured) => (bolt3::commitment_lock_time(obscured), bolt3::commitment_sequence(obscured)),
                Err(_) => (LockTime::ZERO, Sequence::MAX),
            },
            _ => (LockTime::ZERO, Sequence::MAX),
        }
    }

    fn signing(&self) -> Signing {
        Signing::Crossed
    }

    /// State 0, the first versions, is exchanged before the funding is broadcast: the payer's
    /// version pays her everything back.
    fn refund(&self) -> Refund {
        Refund::CoSigned
    }

    fn explain(&self, commitments: u64, _end_height: u32, (payer, payee): (&str, &str), lang: Lang) -> Vec<String> {
        let d = thousands(u64::from(self.to_self_delay));
        let n = thousands(commitments + 1);
        match lang {
            Lang::En => vec![
                format!(
                    "versions  each of the {n} states exists twice: {payer}'s version (her balance waits {d} blocks, \
                     {payee} paid at once) and {payee}'s (the other way round); each signs the other's"
                ),
                format!(
                    "revoke    moving on, each hands over the per-commitment secret of its previous version; whoever \
                     broadcasts a revoked version loses its balance to the other's penalty within {d} blocks"
                ),
                "settle    the cooperative close is a final transaction without delays, signed by both; there is no \
                 lifetime and no expiry"
                    .to_string(),
            ],
            Lang::Zh => vec![
                format!(
                    "版本      {n} 个状态每个都有两个版本：{payer} 的版本（她的余额等待 {d} 个区块，{payee} 立即到账）和 \
                     {payee} 的版本（正好相反）；双方各自为对方的版本签名"
                ),
                format!(
                    "撤销      进入下一个状态时，双方各自交出上一版本的每承诺秘密（per-commitment secret）；谁广播已撤销\
                     的版本，谁就会在 {d} 个区块内因对方的惩罚交易失去自己的余额"
                ),
                "结算      协商关闭是一笔没有延迟、由双方签署的最终交易；没有使用期限，也没有到期时间".to_string(),
            ],
        }
    }

    fn settings(&self) -> Option<Settings> {
        Some(Settings {
            funding_height: self.funding_height,
            to_self_delay: u32::from(self.to_self_delay),
            ..Settings::default()
        })
    }

    fn dust_limit(&self) -> Amount {
        DUST_LIMIT
    }

    fn public_keys(&self, params: &ChannelParams, who: Who) -> Vec<(&'static str, PublicKey)> {
        ChannelBasepoints::public_keys(params, who)
    }

    fn with_public_keys(&self, params: &mut ChannelParams, keys: [&[(String, PublicKey)]; 2]) -> Result<(), String> {
        ChannelBasepoints::with_public_keys(params, keys)
    }

    /// The log holds the payee's version: his balance in a P2WSH `to_local` output (its script
    /// needs his per-commitment point, which the files do not carry), named here by his payout;
    /// a version's outputs are in BIP-0069 order. The cooperative close (lock time 0) is plain.
    fn logged_outputs(&self, params: &ChannelParams, tx: &Transaction) -> (Vec<(ScriptBuf, u64)>, bool) {
        let version = tx.lock_time.to_consensus_u32() != 0;
        let outputs = tx
            .output
            .iter()
            .map(|o| {
                let script = if version && o.script_pubkey.is_p2wsh() {
                    params.payee_payout.clone()
                } else {
                    o.script_pubkey.clone()
                };
                (script, o.value.to_sat())
            })
            .collect();
        (outputs, version)
    }

    /// The close pays the last state's amounts in plain outputs, where the logged version has a
    /// delayed one: the same values.
    fn settles_last(&self, _params: &ChannelParams, last: &Transaction, settlement: &Transaction, _seq: u64) -> bool {
        same_output_values(last, settlement)
    }

    fn ecdsa(&self) -> Option<&dyn EcdsaSpend> {
        Some(self)
    }
}

impl EcdsaSpend for Revocable {
    fn witness(&self, params: &ChannelParams, payer: &ecdsa::Signature, payee: &ecdsa::Signature) -> Witness {
        multisig_witness(&params.witness_script, (&params.payer_funding_key, payer), (&params.payee_funding_key, payee))
    }

    /// The 2-of-2 witness with the payee's slot still empty: the payee's version as it holds it,
    /// signed by the payer.
    fn half_signed_witness(&self, params: &ChannelParams, payer: &ecdsa::Signature) -> Witness {
        half_signed(params, Who::Payer, payer)
    }
}

/// The 2-of-2 witness with only `signer`'s signature, the other slot empty: a version as its
/// holder keeps it until it completes it to broadcast.
pub fn half_signed(params: &ChannelParams, signer: Who, sig: &ecdsa::Signature) -> Witness {
    let signer_first = sorted_keys(&params.payer_funding_key, &params.payee_funding_key).0 == &key(params, signer);
    let mut w = Witness::new();
    w.push([0u8; 0]);
    if signer_first {
        w.push_ecdsa_signature(sig);
        w.push([0u8; 0]);
    } else {
        w.push([0u8; 0]);
        w.push_ecdsa_signature(sig);
    }
    w.push(params.witness_script.as_bytes());
    w
}

/// The signature `who` put in a 2-of-2 witness (full or half-signed), by the order of the keys.
pub fn signature_of(params: &ChannelParams, who: Who, witness: &Witness) -> Option<ecdsa::Signature> {
    let first = sorted_keys(&params.payer_funding_key, &params.payee_funding_key).0 == &key(params, who);
    ecdsa::Signature::from_slice(witness.nth(if first { 1 } else { 2 })?).ok()
}
