//! Channel designs behind one seam, and the pure builders they share.
//!
//! The chapter shows one channel and then its repairs; each is a [`Design`]: the one place that
//! knows its funding script, how each commitment and the settlement are built, their largest
//! signed weight (for fees), how a witness is assembled from the signatures, which lock time and
//! sequence each transaction carries, and how to say all that in words. The engine, the parties,
//! `check`, `verify`, the PSBTs, the report and the narration ask the design; none of them builds a
//! script. A design is registered, with its parties' halves, by one line in
//! [`crate::party::DESIGNS`].
//!
//! Nothing in this module holds a secret: a design builds transactions from public
//! [`ChannelParams`], so each party can rebuild what it is asked to sign (see [`crate::party`]).

pub mod bolt3;
pub mod builders;
pub mod htlc;
pub mod naive;
pub mod part;
pub mod psbt;
pub mod revocable;
pub mod spilman;
pub mod taproot;
pub mod timelocked;

use std::fmt;
use std::sync::Arc;

use crate::words::Lang;
use bitcoin::absolute::LockTime;
use bitcoin::blockdata::script::Instruction;
use bitcoin::secp256k1::{Message, PublicKey};
use bitcoin::sighash::EcdsaSighashType;
use bitcoin::{ecdsa, Amount, FeeRate, OutPoint, Script, ScriptBuf, Sequence, Transaction, Weight, Witness};

pub use builders::{
    encode, fee_for, funding_fee, funding_tx, funding_weight, funding_witness_script, multisig_witness, output_total,
    p2wpkh, p2wpkh_sighash, p2wsh_sighash, sorted_keys, sorts_first, txid, vsize, FundingError, WalletCoin,
    P2WPKH_DUST,
};

/// The settings a scenario gives its design (lock windows, delays); each design reads the ones it
/// needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Height of the block that confirms the funding transaction (the scenario's
    /// `start_height`): the designs' locks count from it.
    pub funding_height: u32,
    /// `timelocked`: the refund (state 0) is locked this many blocks after the funding's height,
    /// and commitment #k k blocks earlier. The book's 30 days: 4,320 blocks.
    pub refund_after: u32,
    /// `spilman`: the payer's refund branch opens this many blocks after the funding's height.
    pub expiry: u32,
    /// `revocable`: the blocks a party waits before it can sweep its own balance from its own
    /// commitment (BOLT #3's `to_self_delay`, `OP_CHECKSEQUENCEVERIFY`); 1,000 by default.
    pub to_self_delay: u32,
}

/// The book's height-free defaults: the funding at height 800,000, 30 days (4,320 blocks) of
/// lock window, and the same for the Spilman expiry.
pub const DEFAULT_FUNDING_HEIGHT: u32 = 800_000;
/// Thirty days of ten-minute blocks: the book's refund lock.
pub const DEFAULT_WINDOW: u32 = 4_320;

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            funding_height: DEFAULT_FUNDING_HEIGHT,
            refund_after: DEFAULT_WINDOW,
            expiry: DEFAULT_WINDOW,
            to_self_delay: revocable::DEFAULT_TO_SELF_DELAY,
        }
    }
}

/// Who signs each commitment while the video streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signing {
    /// Both parties sign every commitment, so both hold every state fully signed.
    Both,
    /// The payer signs alone; the payee holds half-signed states and completes the one it
    /// broadcasts (Spilman).
    PayerOnly,
    /// Each party holds its own version of every state and signs the other's (revocable): each
    /// holds its own version signed by the other and completes it when it broadcasts.
    Crossed,
}

/// How the payer gets her money back if the payee never closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refund {
    /// No refund: the naive channel trusts the payee.
    None,
    /// State 0, everything back to the payer, countersigned by the payee before the funding is
    /// broadcast and locked by the design (timelocked).
    CoSigned,
    /// A branch of the funding script the payer spends alone after a lock (Spilman).
    PayerAlone,
}

/// One of the two parties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Who {
    /// The payer (Emma).
    Payer,
    /// The payee (Fabian).
    Payee,
}

impl Who {
    /// The other party.
    pub fn other(self) -> Who {
        match self {
            Who::Payer => Who::Payee,
            Who::Payee => Who::Payer,
        }
    }
}

/// How a design whose funding output is spent with ECDSA signatures (a P2WSH script in every
/// design today) makes its witnesses from signatures and reads them back: one trait per
/// signature kind, as LDK keeps `sign/ecdsa.rs` beside `sign/taproot.rs`. A design of another
/// kind (Schnorr on a Taproot key or script path) answers [`Design::ecdsa`] with `None` and
/// brings its own.
pub trait EcdsaSpend {
    /// The witness spending the funding output with the payer's and the payee's signatures.
    fn witness(&self, params: &ChannelParams, payer: &ecdsa::Signature, payee: &ecdsa::Signature) -> Witness;

    /// The witness of a state only the payer has signed so far ([`Signing::PayerOnly`]): what
    /// the payee holds until it completes the state. By default the payer's signature alone.
    fn half_signed_witness(&self, _params: &ChannelParams, payer: &ecdsa::Signature) -> Witness {
        let mut w = Witness::new();
        w.push_ecdsa_signature(payer);
        w
    }

    /// The payer's signature in `witness` (a full or half-signed spend of the funding output):
    /// how the payee completes a state and how `verify` checks a half-signed one. By default the
    /// 2-of-2's, found by the order of the keys in the script.
    fn payer_signature(&self, params: &ChannelParams, witness: &Witness) -> Option<ecdsa::Signature> {
        let first = sorts_first(&params.payer_funding_key, &params.payee_funding_key);
        let item = witness.nth(if first { 1 } else { 2 })?;
        ecdsa::Signature::from_slice(item).ok()
    }

    /// The witness of the payer's refund for [`Refund::PayerAlone`]; unused otherwise (the
    /// co-signed refund is an ordinary [`EcdsaSpend::witness`]).
    fn refund_witness(&self, _params: &ChannelParams, payer: &ecdsa::Signature) -> Witness {
        let mut w = Witness::new();
        w.push_ecdsa_signature(payer);
        w
    }
}

/// One way to build a payment channel: everything that differs between the book's designs.
///
/// Implementations are pure: they receive public parameters and return transactions, weights
/// and words, never touching a key.
pub trait Design: fmt::Debug + Send + Sync {
    /// The name scenario files and `summary.json` use.
    fn name(&self) -> &'static str;

    /// One sentence on how the design works in `lang`, for `check`, the report and the docs.
    fn about(&self, lang: Lang) -> &'static str;

    /// What the funding output is, in two or three words for the printed summary.
    fn funding_noun(&self, _lang: Lang) -> &'static str {
        "2-of-2"
    }

    /// The funding output in the book's words, for the narration's opening: who sets up what at
    /// `address`, in `lang`.
    fn tell_funding(&self, lang: Lang, payer: &str, payee: &str, address: &str) -> String;

    /// The witness script of the funding output locked to the payer's and payee's funding keys.
    fn funding_script(&self, payer: &PublicKey, payee: &PublicKey) -> ScriptBuf;

    /// The funding output's script_pubkey for the payer's and payee's funding keys: by default
    /// the P2WSH of [`Design::funding_script`] (a key-path design would give its P2TR output).
    fn funding_output_script(&self, payer: &PublicKey, payee: &PublicKey) -> ScriptBuf {
        self.funding_script(payer, payee).to_p2wsh()
    }

    /// The largest weight a signed commitment with `outputs` outputs can have.
    fn commitment_weight(&self, outputs: u64) -> Weight;

    /// The fee of a commitment with `outputs` outputs at `rate`; `None` on overflow.
    fn commitment_fee(&self, rate: FeeRate, outputs: u64) -> Option<Amount> {
        fee_for(rate, self.commitment_weight(outputs))
    }

    /// The unsigned commitment number `seq` dividing the funding amount as `split`.
    fn commitment_tx(&self, params: &ChannelParams, seq: u64, split: &Split) -> Transaction;

    /// Makes `tx` [`Design::commitment_tx`]'s transaction, reusing its vectors and scripts where
    /// the design can: how a party that rebuilds every proposed commitment to compare it keeps one
    /// transaction for all of them. By default, built anew.
    fn commitment_tx_into(&self, params: &ChannelParams, seq: u64, split: &Split, tx: &mut Transaction) {
        *tx = self.commitment_tx(params, seq, split);
    }

    /// The unsigned cooperative settlement of state `seq`: by default the commitment itself.
    fn settlement_tx(&self, params: &ChannelParams, seq: u64, split: &Split) -> Transaction {
        self.commitment_tx(params, seq, split)
    }

    /// The lock time and input sequence commitment `seq` carries, or the settlement for `None`:
    /// what `verify` expects instead of assuming "final".
    fn lock(&self, params: &ChannelParams, seq: Option<u64>) -> (LockTime, Sequence);

    /// Who signs each commitment as the video streams: both parties by default.
    fn signing(&self) -> Signing {
        Signing::Both
    }

    /// Whether the payee signs state `seq` (0: the refund) or, with `settlement`, the
    /// cooperative close, in a design with one shared transaction per state: what the parties'
    /// one-version protocol asks ([`crate::party`]). From [`Design::signing`] by default.
    fn payee_signs(&self, seq: u64, settlement: bool) -> bool {
        match self.signing() {
            Signing::Both => true,
            Signing::PayerOnly => seq == 0,
            Signing::Crossed => seq == 0 || settlement,
        }
    }

    /// How the payer gets her money back if the payee never closes: none by default.
    fn refund(&self) -> Refund {
        Refund::None
    }

    /// Whether the payer asks the payee to countersign the refund (state 0) before the funding
    /// is broadcast.
    fn refund_countersigned(&self) -> bool {
        self.refund() == Refund::CoSigned
    }

    /// Whether the funding script has a branch the payer spends alone for her refund, signed
    /// when she needs it ([`EcdsaSpend::refund_witness`]).
    fn refund_signed_alone(&self) -> bool {
        self.refund() == Refund::PayerAlone
    }

    /// The most commitments the design can sign, when it has a limit (the timelocked window).
    fn max_commitments(&self) -> Option<u64> {
        None
    }

    /// The design's plan and limits in words for `paychan check`, for a schedule of
    /// `commitments` commitments that ends at height `end_height`; `names` are the payer's and
    /// payee's names; in `lang`, each line a label of the width `check` aligns and its words.
    /// Empty by default.
    fn explain(&self, _commitments: u64, _end_height: u32, _names: (&str, &str), _lang: Lang) -> Vec<String> {
        Vec::new()
    }

    /// The settings the design was made with, for `summary.json` (so `verify` can remake it);
    /// `None` for a design that needs none.
    fn settings(&self) -> Option<Settings> {
        None
    }

    /// The value below which a commitment output is left out (trimmed into the fee): Bitcoin
    /// Core's P2WPKH dust limit by default.
    fn dust_limit(&self) -> Amount {
        P2WPKH_DUST
    }

    /// Whether `who` can broadcast state `commitment` (0: the refund) complete, signing or
    /// completing it itself: `Err` says why not in `lang`, in words naming `names` (the payer's
    /// and the payee's). `check`, the chain's careful parties and the cooperative close ask this.
    fn can_broadcast(&self, who: Who, commitment: u64, (payer, payee): (&str, &str), lang: Lang) -> Result<(), String> {
        let design = self.name();
        let name = if who == Who::Payer { payer } else { payee };
        match (commitment, who, self.refund(), self.signing(), lang) {
            (0, _, Refund::None, _, Lang::En) => Err(format!("the {design} design has no refund (state 0)")),
            (0, _, Refund::None, _, Lang::Zh) => Err(format!("{design} 设计没有退款交易（状态 0）")),
            (0, Who::Payee, _, _, Lang::En) => Err(format!(
                "{name} holds no complete refund in the {design} design: only {payer} can sign it complete"
            )),
            (0, Who::Payee, _, _, Lang::Zh) => {
                Err(format!("在 {design} 设计中 {name} 没有完整签署的退款交易：只有 {payer} 能把它签署完整"))
            }
            (k, Who::Payer, _, Signing::PayerOnly, Lang::En) if k > 0 => Err(format!(
                "{name} holds no complete commitment in the {design} design: she signs each one alone and only \
                 {payee} can complete it; she can broadcast only the refund (commitment = 0)"
            )),
            (k, Who::Payer, _, Signing::PayerOnly, Lang::Zh) if k > 0 => Err(format!(
                "在 {design} 设计中 {name} 没有完整签署的承诺交易：每一笔都由她单独签署，只有 {payee} 能把它补全；\
                 她只能广播退款交易（commitment = 0）"
            )),
            _ => Ok(()),
        }
    }

    /// Whether a logged state `seq` (`None`: the settlement) is held half-signed, as its holder
    /// keeps it until it broadcasts: what `verify` expects of the logged transaction.
    fn logged_half_signed(&self, seq: Option<u64>) -> bool {
        match self.signing() {
            Signing::Both => false,
            Signing::PayerOnly => seq != Some(0),
            // Each version is held signed by the other party; the cooperative close by both.
            Signing::Crossed => seq.is_some(),
        }
    }

    /// Whether `--psbt` can write the design's states as BIP-0174 PSBTs, each copy as its signer
    /// sends it (which copies, and who signed each, is the registration's
    /// [`crate::party::Registration::copies`]): every design whose funding output is spent with
    /// ECDSA signatures, the partial signatures BIP-0174 carries.
    fn writes_psbts(&self) -> bool {
        self.ecdsa().is_some()
    }

    /// How each commitment was signed, in words for the printed summary: "each signed by Emma
    /// and countersigned by Fabian".
    fn tell_signing(&self, lang: Lang, payer: &str, payee: &str) -> String {
        match (self.signing(), lang) {
            (Signing::PayerOnly, Lang::En) => format!("each signed by {payer} and checked by {payee}"),
            (Signing::PayerOnly, Lang::Zh) => format!("每一笔由 {payer} 签署、{payee} 核对"),
            (_, Lang::En) => format!("each signed by {payer} and countersigned by {payee}"),
            (_, Lang::Zh) => format!("每一笔由 {payer} 签署、{payee} 添加第二个签名"),
        }
    }

    /// What each item of a logged state's witness is, in order, the witness script last, for the
    /// report's stepper; `names` are the payer's and the payee's, `payer_first` whether the
    /// payer's key comes first in the 2-of-2 (BIP-0067). By default the 2-of-2's, complete.
    fn witness_labels(&self, lang: Lang, names: (&str, &str), payer_first: bool) -> Vec<String> {
        let (first, second) = if payer_first { names } else { (names.1, names.0) };
        match lang {
            Lang::En => vec![
                "empty (a dummy item OP_CHECKMULTISIG pops)".to_string(),
                format!("{first}'s signature"),
                format!("{second}'s signature"),
                "the witness script (the 2-of-2)".to_string(),
            ],
            Lang::Zh => vec![
                "空项（OP_CHECKMULTISIG 多弹出的一个占位项）".to_string(),
                format!("{first} 的签名"),
                format!("{second} 的签名"),
                "见证脚本（2-of-2 多签名）".to_string(),
            ],
        }
    }

    /// What happens to each commitment after the payer signs it, one sentence for the report's
    /// stepper: by default the payee checks it and adds the second signature.
    fn tell_step(&self, lang: Lang, payer: &str, payee: &str) -> String {
        match lang {
            Lang::En => format!(
                "{payee} checks it, adds the second signature and sends the next second of video: both hold it \
                 complete, and either can broadcast it ({payer} would be cheating with any but the last)."
            ),
            Lang::Zh => format!(
                "当 {payee} 的服务器接收到这笔交易时，它会添加第二个签名，然后将其与 1 秒钟的视频一起返回给 \
                 {payer}。现在，双方都有了一个完全签署的承诺交易，任何一方都可以广播它（{payer} 广播最后一笔以外的\
                 任何一笔都是作弊）。"
            ),
        }
    }

    /// What a commitment's lock time means in this design, a sentence for the report's stepper
    /// with `{lock}` for the lock time and `{next}` for the first block that can include it;
    /// `None` when every commitment has the same lock time and it means nothing to a class.
    fn tell_lock(&self, _lang: Lang) -> Option<&'static str> {
        None
    }

    /// Who signs the cooperative settlement and who can broadcast it, one or two sentences for
    /// the report and the narration: by default both sign it into one witness.
    fn tell_settlement(&self, lang: Lang, payer: &str, payee: &str) -> String {
        match lang {
            Lang::En => format!("{payer} and {payee} both signed it: either of them can broadcast it."),
            Lang::Zh => {
                format!("{payer} 和 {payee} 都签署了它：现在 {payee} 或 {payer} 都可以传输这笔最终状态交易以进行结算。")
            }
        }
    }

    /// The payee's part in each commitment, one past participle for the report's header:
    /// "countersigned", or "checked" where the payer signs alone.
    fn payee_step(&self, lang: Lang) -> &'static str {
        match (self.signing() == Signing::PayerOnly, lang) {
            (true, Lang::En) => "checked",
            (true, Lang::Zh) => "核对",
            (false, Lang::En) => "countersigned",
            (false, Lang::Zh) => "添加第二个签名",
        }
    }

    /// The funding output's name in the report's funding section ("2-of-2", or "funding" for a
    /// script that is more than a multisig) and its short form ("2-of-2", "channel's output").
    fn funding_names(&self, _lang: Lang) -> (&'static str, &'static str) {
        ("2-of-2", "2-of-2")
    }

    /// One commitment in the narration's words, when the design tells it otherwise than "the
    /// payer signs, the payee checks and adds the second signature"; `None` for that default.
    fn tell_commitment(&self, _words: &CommitmentWords<'_>) -> Option<String> {
        None
    }

    /// The outputs of a logged state `tx` as `verify` compares them with the log's amounts, and
    /// whether they must be in BIP-0069 order: by default as they are, in the builders' order. A
    /// design whose logged version pays its holder through a script the files cannot rebuild
    /// names that output by the holder's payout here.
    fn logged_outputs(&self, _params: &ChannelParams, tx: &Transaction) -> (Vec<(ScriptBuf, u64)>, bool) {
        (tx.output.iter().map(|o| (o.script_pubkey.clone(), o.value.to_sat())).collect(), false)
    }

    /// Whether `settlement` closes the state of `last`, the last logged commitment, as `verify`
    /// checks it: the same transaction when the design gives both the same lock (the same txid:
    /// the logged copy may be its holder's, a signature short of the complete settlement), else
    /// the same outputs.
    fn settles_last(&self, params: &ChannelParams, last: &Transaction, settlement: &Transaction, seq: u64) -> bool {
        if self.lock(params, None) == self.lock(params, Some(seq)) {
            last.compute_txid() == settlement.compute_txid()
        } else {
            last.output == settlement.output
        }
    }

    /// The secp256k1 operations one state needs: by default two ECDSA signatures and two
    /// verifications (each party signs, each checks the other's).
    fn secp_operations(&self) -> SecpOperations {
        SecpOperations { signs: 2, verifies: 2, point_muls: 0, generator_muls: 0, additions: 0 }
    }

    /// The Schnorr and MuSig2 operations one state needs, beside [`Design::secp_operations`]:
    /// none by default (an ECDSA design).
    fn schnorr_operations(&self) -> SchnorrOperations {
        SchnorrOperations::default()
    }

    /// The scenario settings the design reads beyond the funding's height, by their names in a
    /// scenario file (`refund_after`, say): a setting no design of the scenario reads is refused.
    fn reads(&self) -> &'static [&'static str] {
        &[]
    }

    /// The design's own public keys of `who` in the channel, by name, for `summary.json` (the
    /// revocable design's basepoints: `payment`, `delayed_payment`, `revocation`); none by
    /// default.
    fn public_keys(&self, _params: &ChannelParams, _who: Who) -> Vec<(&'static str, PublicKey)> {
        Vec::new()
    }

    /// Puts back into `params` the design's own public parameters from both parties' keys as
    /// [`Design::public_keys`] named them (read from `summary.json` by `verify`); `Err` says what
    /// is missing. Nothing to do by default.
    fn with_public_keys(&self, _params: &mut ChannelParams, _keys: [&[(String, PublicKey)]; 2]) -> Result<(), String> {
        Ok(())
    }

    /// The design's ECDSA spends of its funding output, when it signs with ECDSA (every design
    /// today); `None` for a design of another signature kind.
    fn ecdsa(&self) -> Option<&dyn EcdsaSpend>;

    /// Whether a run without events plays the channel out on the simulated chain (`chain.csv`,
    /// the outcome): yes by default; the book's naive channel writes exactly what it always did.
    fn plays_out_on_chain(&self) -> bool {
        true
    }
}

/// The secp256k1 operations one state of a design needs, counted from its protocol: what
/// `paychan bench --designs` times bare against the design's real run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecpOperations {
    /// ECDSA signatures.
    pub signs: u32,
    /// ECDSA verifications.
    pub verifies: u32,
    /// Variable-base point multiplications (`PublicKey::mul_tweak`).
    pub point_muls: u32,
    /// Generator multiplications (`PublicKey::from_secret_key`, `add_exp_tweak`).
    pub generator_muls: u32,
    /// Point additions (`PublicKey::combine`, and the addition of `add_exp_tweak`).
    pub additions: u32,
}

/// The BIP-0340 and MuSig2 (BIP-0327) operations one state of a design that signs with Schnorr
/// needs, beside its [`SecpOperations`] (which count its key derivations and Taproot tweaks):
/// what `paychan bench --designs` times bare against the design's real run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SchnorrOperations {
    /// MuSig2 nonces made: a secret nonce and its public nonce.
    pub nonces: u32,
    /// MuSig2 partial signatures.
    pub partial_signs: u32,
    /// MuSig2 partial signature verifications.
    pub partial_verifies: u32,
    /// Partial signatures added into one BIP-0340 signature.
    pub aggregates: u32,
    /// BIP-0340 verifications.
    pub verifies: u32,
}

/// What the narration says of one commitment, for a design that tells it in its own words
/// ([`Design::tell_commitment`]).
#[derive(Debug, Clone, Copy)]
pub struct CommitmentWords<'a> {
    /// The payer's name.
    pub payer: &'a str,
    /// The payee's name.
    pub payee: &'a str,
    /// The commitment number.
    pub seq: u64,
    /// What the payee is paid, formatted.
    pub paid: &'a str,
    /// What goes back to the payer, formatted.
    pub back: &'a str,
    /// The dust remark, or empty.
    pub trimmed: &'a str,
    /// The interval of video, "second" or "2 seconds".
    pub unit: &'a str,
    /// The scenario clock, in seconds.
    pub clock_s: u64,
    /// The language of the narration.
    pub lang: Lang,
}

/// A shared, cheaply cloned handle to a design, compared by name.
#[derive(Clone)]
pub struct DesignRef(Arc<dyn Design>);

impl std::ops::Deref for DesignRef {
    type Target = dyn Design;
    fn deref(&self) -> &(dyn Design + 'static) {
        &*self.0
    }
}

impl fmt::Debug for DesignRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl PartialEq for DesignRef {
    /// The same design made with the same settings: what a scenario, a summary and a channel
    /// can say of it.
    fn eq(&self, other: &Self) -> bool {
        self.0.name() == other.0.name() && self.0.settings() == other.0.settings()
    }
}

impl Eq for DesignRef {}

impl From<Box<dyn Design>> for DesignRef {
    fn from(design: Box<dyn Design>) -> DesignRef {
        DesignRef(Arc::from(design))
    }
}

/// Everything public about an open channel: enough to build any commitment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelParams {
    /// How the channel is built.
    pub design: DesignRef,
    /// The funding output the commitments spend.
    pub funding_outpoint: OutPoint,
    /// Its value: the capacity.
    pub funding_amount: Amount,
    /// The payer's key in the funding script.
    pub payer_funding_key: PublicKey,
    /// The payee's key in the funding script.
    pub payee_funding_key: PublicKey,
    /// The funding output's witness script, from the design.
    pub witness_script: ScriptBuf,
    /// Where the payer's refund goes.
    pub payer_payout: ScriptBuf,
    /// Where the payee's payment goes.
    pub payee_payout: ScriptBuf,
    /// The commitments' fee rate.
    pub fee_rate: FeeRate,
    /// The design's own public parameters of the channel, when it has some (the revocable
    /// design: both parties' basepoints, [`revocable::ChannelBasepoints`]); nothing otherwise.
    pub extra: part::Extra,
}

impl ChannelParams {
    /// Divides the funding amount for a cumulative payment of `paid`: see [`split`].
    ///
    /// # Errors
    ///
    /// [`Exhausted`] as [`split`].
    pub fn split(&self, paid: Amount) -> Result<Split, Exhausted> {
        split(&*self.design, self.funding_amount, self.fee_rate, paid)
    }

    /// The unsigned commitment number `seq` for `split`, as the design builds it.
    pub fn commitment_tx(&self, seq: u64, split: &Split) -> Transaction {
        self.design.commitment_tx(self, seq, split)
    }

    /// Makes `tx` the unsigned commitment number `seq` for `split`, in place: see
    /// [`Design::commitment_tx_into`].
    pub fn commitment_tx_into(&self, seq: u64, split: &Split, tx: &mut Transaction) {
        self.design.commitment_tx_into(self, seq, split, tx);
    }

    /// The unsigned settlement of state `seq`, as the design builds it.
    pub fn settlement_tx(&self, seq: u64, split: &Split) -> Transaction {
        self.design.settlement_tx(self, seq, split)
    }

    /// The BIP-0143 SIGHASH_ALL digest of `tx`'s spend of the funding output (its input 0).
    pub fn funding_sighash(&self, tx: &Transaction) -> Message {
        p2wsh_sighash(tx, 0, &self.witness_script, self.funding_amount, EcdsaSighashType::All)
            .expect("a commitment spends the funding output as its input 0")
    }

    /// The unsigned refund (state 0, everything back to the payer), for designs that have one.
    ///
    /// # Errors
    ///
    /// [`Exhausted`] when the capacity cannot even refund the payer (refused by validation).
    pub fn refund_tx(&self) -> Result<Transaction, Exhausted> {
        Ok(self.commitment_tx(0, &self.split(Amount::ZERO)?))
    }

    /// The funding output's script_pubkey, as the design builds it from the two funding keys.
    pub fn funding_output_script(&self) -> ScriptBuf {
        self.design.funding_output_script(&self.payer_funding_key, &self.payee_funding_key)
    }

    /// The design's ECDSA spends, for the parties' sides of an ECDSA design, which are made only
    /// for designs that answer [`Design::ecdsa`].
    pub fn ecdsa(&self) -> &dyn EcdsaSpend {
        self.design.ecdsa().expect("an ECDSA design's sides ask for its ECDSA spends")
    }

    /// `tx` with the witness the design assembles from the two signatures.
    pub fn with_signatures(
        &self,
        mut tx: Transaction,
        payer_sig: &bitcoin::secp256k1::ecdsa::Signature,
        payee_sig: &bitcoin::secp256k1::ecdsa::Signature,
    ) -> Transaction {
        let payer = ecdsa::Signature::sighash_all(*payer_sig);
        let payee = ecdsa::Signature::sighash_all(*payee_sig);
        tx.input[0].witness = self.ecdsa().witness(self, &payer, &payee);
        tx
    }
}

/// The public facts of an opened channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    /// The channel parameters both parties agreed on.
    pub params: ChannelParams,
    /// The payer's coin the funding transaction spends.
    pub coin: WalletCoin,
    /// The signed funding transaction; output 0 is the 2-of-2.
    pub funding_tx: Transaction,
}

impl Channel {
    /// The funding transaction's fee: the wallet coin less everything the transaction pays out.
    pub fn funding_fee(&self) -> Amount {
        self.coin.amount - output_total(&self.funding_tx)
    }
}

/// An opcode as Bitcoin Core and the book write it: `OP_2`, `OP_CHECKLOCKTIMEVERIFY`.
fn op_name(op: bitcoin::opcodes::Opcode) -> String {
    use bitcoin::opcodes::all::{OP_CLTV, OP_CSV, OP_PUSHNUM_1, OP_PUSHNUM_16};
    let code = op.to_u8();
    if (OP_PUSHNUM_1.to_u8()..=OP_PUSHNUM_16.to_u8()).contains(&code) {
        return format!("OP_{}", code - OP_PUSHNUM_1.to_u8() + 1);
    }
    match op {
        OP_CLTV => "OP_CHECKLOCKTIMEVERIFY".to_string(),
        OP_CSV => "OP_CHECKSEQUENCEVERIFY".to_string(),
        _ => format!("{op:?}"),
    }
}

/// A script in words for people: opcodes by name, numbers as numbers, and every 33-byte key
/// replaced by its owner ("<Emma's key>"); `names` maps keys to owners. The report and the
/// narration show any design's scripts through this one function.
pub fn describe_script(script: &Script, names: &[(PublicKey, &str)]) -> String {
    let mut words = Vec::new();
    for ins in script.instructions() {
        match ins {
            Ok(Instruction::Op(op)) => words.push(op_name(op)),
            Ok(Instruction::PushBytes(b)) => {
                let bytes = b.as_bytes();
                let owner = PublicKey::from_slice(bytes)
                    .ok()
                    .and_then(|k| names.iter().find(|(key, _)| *key == k).map(|(_, n)| *n));
                words.push(match owner {
                    Some(name) => format!("<{name}'s key>"),
                    None if bytes.len() <= 5 => match bitcoin::script::read_scriptint(bytes) {
                        Ok(n) => n.to_string(),
                        Err(_) => bitcoin::hex::DisplayHex::to_lower_hex_string(bytes),
                    },
                    None => bitcoin::hex::DisplayHex::to_lower_hex_string(bytes),
                });
            }
            Err(_) => {
                words.push("(unparsable)".to_string());
                break;
            }
        }
    }
    words.join(" ")
}

/// How the funding amount divides for a given cumulative payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    /// Total paid to the payee so far (what the payee is owed).
    pub paid: Amount,
    /// The payer's output value (zero when trimmed).
    pub payer: Amount,
    /// The payee's output value (zero when trimmed).
    pub payee: Amount,
    /// Funding amount − payer − payee: the fee actually paid, trimmed value included.
    pub fee: Amount,
    /// Value of an output left out as dust (it went to the fee).
    pub trimmed: Amount,
    /// The payer's output was below dust and left out.
    pub payer_trimmed: bool,
    /// The payee's output was below dust and left out.
    pub payee_trimmed: bool,
}

impl Split {
    /// Number of outputs in the commitment.
    pub fn outputs(&self) -> u64 {
        2 - u64::from(self.payer_trimmed) - u64::from(self.payee_trimmed)
    }
}

/// The channel cannot pay `paid` in total: the funding amount minus the fee is exhausted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the channel of {funding} cannot pay {paid} in total plus a {fee} fee")]
pub struct Exhausted {
    /// The cumulative payment asked for.
    pub paid: Amount,
    /// The funding amount.
    pub funding: Amount,
    /// The smallest fee a commitment paying it would need.
    pub fee: Amount,
}

/// Divides `funding` for a cumulative payment of `paid` at `fee_rate`, with the fees of `design`'s
/// commitments: pure arithmetic, no keys,
/// so `paychan check` can plan a run without signing.
///
/// The payee's output carries `paid`; the payer's carries the rest less the fee. An output
/// below the design's dust limit ([`P2WPKH_DUST`] but for the revocable design) is left out and its value added to the fee, as BOLT #3 trims.
///
/// # Errors
///
/// [`Exhausted`] when no commitment can pay `paid`: the payee's payment plus the fee of a
/// one-output commitment exceeds the funding amount, or both outputs would be dust.
pub fn split(design: &dyn Design, funding: Amount, fee_rate: FeeRate, paid: Amount) -> Result<Split, Exhausted> {
    let fee2 = design.commitment_fee(fee_rate, 2).unwrap_or(Amount::MAX);
    let fee1 = design.commitment_fee(fee_rate, 1).unwrap_or(Amount::MAX);
    let exhausted = Exhausted { paid, funding, fee: fee1 };
    let dust = design.dust_limit();
    let rest2 = funding.checked_sub(paid).and_then(|r| r.checked_sub(fee2));
    let rest1 = funding.checked_sub(paid).and_then(|r| r.checked_sub(fee1));
    let split = match (paid >= dust, rest2) {
        (true, Some(payer)) if payer >= dust => Split {
            paid,
            payer,
            payee: paid,
            fee: fee2,
            trimmed: Amount::ZERO,
            payer_trimmed: false,
            payee_trimmed: false,
        },
        (true, _) => {
            // The payer's refund is dust: trim it; the payee still needs a fee-paying tx.
            let leftover = rest1.ok_or(exhausted)?;
            Split {
                paid,
                payer: Amount::ZERO,
                payee: paid,
                fee: fee1 + leftover,
                trimmed: leftover,
                payer_trimmed: true,
                payee_trimmed: false,
            }
        }
        (false, _) => {
            // The payee's payment is still dust: trim it; its value goes to the fee.
            let payer = rest1.filter(|p| *p >= dust).ok_or(exhausted)?;
            Split {
                paid,
                payer,
                payee: Amount::ZERO,
                fee: fee1 + paid,
                trimmed: paid,
                payer_trimmed: false,
                payee_trimmed: true,
            }
        }
    };
    debug_assert_eq!(split.payer + split.payee + split.fee, funding);
    Ok(split)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn scripts_read_in_words_with_owners_named() {
        let p = params(FeeRate::ZERO);
        let names = [(p.payer_funding_key, "Emma"), (p.payee_funding_key, "Fabian")];
        let words = describe_script(&p.witness_script, &names);
        let first = if sorted_keys(&p.payer_funding_key, &p.payee_funding_key).0 == &p.payer_funding_key {
            "Emma"
        } else {
            "Fabian"
        };
        assert!(words.starts_with(&format!("OP_2 <{first}'s key> ")), "{words}");
        assert!(words.ends_with("'s key> OP_2 OP_CHECKMULTISIG"), "{words}");
        let cltv = bitcoin::script::Builder::new()
            .push_int(804_319)
            .push_opcode(bitcoin::opcodes::all::OP_CLTV)
            .push_opcode(bitcoin::opcodes::all::OP_DROP)
            .into_script();
        assert_eq!(describe_script(&cltv, &names), "804319 OP_CHECKLOCKTIMEVERIFY OP_DROP");
    }
    use crate::channel::builders::funding_weight;
    use bitcoin::secp256k1::{Secp256k1, SecretKey};
    use std::str::FromStr;

    fn params(fee_rate: FeeRate) -> ChannelParams {
        let secp = Secp256k1::new();
        let key = |b: u8| PublicKey::from_secret_key(&secp, &SecretKey::from_slice(&[b; 32]).unwrap());
        let (a, b) = (key(1), key(2));
        ChannelParams {
            design: naive::make(&Settings::default()).into(),
            funding_outpoint: OutPoint::from_str("0000000000000000000000000000000000000000000000000000000000000001:0")
                .unwrap(),
            funding_amount: Amount::from_sat(3_600_000),
            payer_funding_key: a,
            payee_funding_key: b,
            witness_script: funding_witness_script(&a, &b),
            payer_payout: p2wpkh(&key(3)),
            payee_payout: p2wpkh(&key(4)),
            fee_rate,
            extra: part::Extra::NONE,
        }
    }

    /// `design`'s commitment rebuilt into one transaction, state after state and shape after
    /// shape (two outputs, the payee's trimmed, the payer's trimmed, a transaction that held
    /// something else), is the one it builds anew: every registered design is checked
    /// ([`crate::party::DESIGNS`]'s tests).
    pub(crate) fn rebuilt_in_place_is_built_anew(design: DesignRef) {
        let p = params(FeeRate::from_sat_per_kwu(250));
        let paid = [1_000, 293, 3_599_700, 2_000, 0, 3_599_700, 3_599_000, 100, 1_500_000];
        {
            let name = design.name();
            let p = ChannelParams { design, ..p.clone() };
            let spend = |vout| bitcoin::TxIn {
                previous_output: OutPoint { vout, ..p.funding_outpoint },
                script_sig: ScriptBuf::from_bytes(vec![0x51; 3]),
                sequence: Sequence::ZERO,
                witness: Witness::from_slice(&[[0x30; 72]]),
            };
            let pay = |sat| bitcoin::TxOut {
                value: Amount::from_sat(sat),
                script_pubkey: ScriptBuf::from_bytes(vec![0x6a; 40]),
            };
            let mut tx = Transaction {
                version: bitcoin::transaction::Version::ONE,
                lock_time: LockTime::from_consensus(7),
                input: vec![spend(1), spend(2)],
                output: vec![pay(1), pay(2), pay(3)],
            };
            for (seq, sat) in paid.into_iter().enumerate() {
                let split = p.split(Amount::from_sat(sat)).unwrap();
                p.commitment_tx_into(seq as u64, &split, &mut tx);
                assert_eq!(tx, p.commitment_tx(seq as u64, &split), "{name} #{seq}");
            }
        }
    }

    #[test]
    fn weights_match_the_known_sizes() {
        // A 2-of-2 P2WSH commitment with two P2WPKH outputs is about 168 vB.
        assert_eq!(naive::Naive.commitment_weight(2).to_vbytes_ceil(), 169);
        assert_eq!(naive::Naive.commitment_weight(1).to_vbytes_ceil(), 138);
        assert_eq!(funding_weight(true).to_vbytes_ceil(), 153);
    }

    #[test]
    fn book_split_at_zero_fee_is_the_books() {
        let p = params(FeeRate::ZERO);
        let s = p.split(Amount::from_sat(600_000)).unwrap();
        assert_eq!((s.payer, s.payee, s.fee), (Amount::from_sat(3_000_000), Amount::from_sat(600_000), Amount::ZERO));
    }

    #[test]
    fn split_pays_fee_from_the_payer_and_trims_dust() {
        let p = params(FeeRate::from_sat_per_kwu(250));
        let s = p.split(Amount::from_sat(1_000)).unwrap();
        assert_eq!(s.payee, Amount::from_sat(1_000));
        assert_eq!(s.fee, Amount::from_sat(169));
        assert_eq!(s.payer, Amount::from_sat(3_600_000 - 1_000 - 169));
        let dust = p.split(Amount::from_sat(293)).unwrap();
        assert!(dust.payee_trimmed && dust.payee == Amount::ZERO && dust.trimmed == Amount::from_sat(293));
        assert_eq!(p.commitment_tx(1, &dust).output.len(), 1);
        let last = p.split(Amount::from_sat(3_599_000)).unwrap();
        assert_eq!((last.payer, last.payer_trimmed), (Amount::from_sat(831), false));
        let trimmed = p.split(Amount::from_sat(3_599_700)).unwrap();
        assert!(trimmed.payer_trimmed);
        assert_eq!(trimmed.fee, Amount::from_sat(300));
        assert!(p.split(Amount::from_sat(3_600_000)).is_err());
    }

    #[test]
    fn witness_script_is_bip67_sorted_either_way() {
        let p = params(FeeRate::ZERO);
        assert_eq!(
            funding_witness_script(&p.payer_funding_key, &p.payee_funding_key),
            funding_witness_script(&p.payee_funding_key, &p.payer_funding_key)
        );
        assert_eq!(p.witness_script.len(), 71);
    }
}
