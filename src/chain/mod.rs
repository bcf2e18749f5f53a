//! A small simulated blockchain: block heights, a mempool, a UTXO set, and nothing else.
//!
//! A payment channel is only as safe as what the chain does with each broadcast: whether an old
//! commitment is accepted, whether a refund can be mined before its lock time, which of two
//! conflicting spends wins. This module lets a class script such broadcasts and watch, with the
//! simulation kept to heights and ordering. Whether a transaction is *valid* is never decided
//! here: the scripts go through Bitcoin Core's interpreter (libbitcoinconsensus) with every
//! consensus flag it offers, CHECKLOCKTIMEVERIFY and CHECKSEQUENCEVERIFY included, and the lock
//! times follow the consensus rules word for word.
//!
//! [`Chain::submit`] judges a transaction for the next block (height tip + 1) and checks, in this
//! order, reporting the first rule broken as a [`Rejection`]:
//!
//! 1. **structure**: at least one input and one output, no input twice, outputs within 21 million
//!    BTC; not already in the mempool or a block;
//! 2. **finality** (consensus `IsFinalTx`, by height only): nLockTime is 0, or below the next
//!    block's height, or a Unix time before the genesis block, or every input's sequence is
//!    0xFFFFFFFF;
//! 3. **inputs exist and are unspent**: each input's coin is in the UTXO set or is an output of a
//!    transaction already in the mempool; a coin spent by a block or by an earlier mempool
//!    transaction is a double spend (the first to arrive wins, there is no replacement);
//! 4. **relative lock** (BIP-0068, version 2 and up): an input whose sequence has the disable bit
//!    (1 << 31) clear waits `sequence & 0xFFFF` blocks after its coin's confirmation height; a coin
//!    still in the mempool counts as confirmed in the next block, as in Bitcoin Core, so only a
//!    lock of 0 blocks lets a transaction spend it in the same block;
//! 5. **value**: the inputs cover the outputs;
//! 6. **fee rate**: the fee over the real virtual size (BIP-0141) is at least the chain's minimum
//!    relay fee rate;
//! 7. **scripts**: every input passes Bitcoin Core's interpreter with all consensus flags.
//!
//! [`Chain::mine`] then confirms the mempool, in arrival order, as the next block.
//!
//! What is **not** simulated: proof of work, block times and any time-based lock (nLockTime of
//! 500,000,000 or more on a non-final transaction, and the BIP-0068 time flag 1 << 22 are rejected
//! as such, never guessed, except a Unix time before the genesis block's, [`GENESIS_TIME`], which
//! every block's median time past has passed: BOLT #3's commitments carry such lock times); reorganisations; replacement (RBF) and eviction; a block size or
//! sigop limit; coinbases, subsidy and maturity; propagation (every broadcast reaches the next
//! block's mempool at once); standardness beyond the fee rate (dust, non-standard scripts); and
//! witness versions above 1 (consensus lets anyone spend them, so spending one is rejected
//! rather than waved through). Taproot (witness v1, BIP-0341 and BIP-0342) is checked by the
//! interpreter with every input's spent output. When blocks come, and how many, is
//! the caller's business: a block is mined only when [`Chain::mine`] is called.

use std::collections::{BTreeMap, BTreeSet};

use bitcoin::consensus::encode::serialize;
use bitcoin::{Amount, FeeRate, OutPoint, Transaction, TxOut, Txid};

/// nLockTime values from here on are Unix times, not heights.
pub const LOCKTIME_THRESHOLD: u32 = 500_000_000;
/// The genesis block's timestamp (2009-01-03): every block's median time past is at least this,
/// so a time-based nLockTime below it is final at any height without simulating block times.
pub const GENESIS_TIME: u32 = 1_231_006_505;
/// BIP-0068: a sequence with this bit set has no relative lock.
pub const SEQUENCE_DISABLE_FLAG: u32 = 1 << 31;
/// BIP-0068: a sequence with this bit set counts 512-second units, not blocks.
pub const SEQUENCE_TYPE_FLAG: u32 = 1 << 22;
/// BIP-0068: the lock's value.
pub const SEQUENCE_MASK: u32 = 0xFFFF;
/// The flags every script is checked with: all that libbitcoinconsensus 0.106 offers (P2SH,
/// strict DER, NULLDUMMY, CHECKLOCKTIMEVERIFY, CHECKSEQUENCEVERIFY, witness, Taproot).
pub const SCRIPT_FLAGS: u32 = crate::rules::SCRIPT_FLAGS;

/// A block of the simulated chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// Its height.
    pub height: u32,
    /// Its transactions, in the order they reached the mempool.
    pub txs: Vec<Transaction>,
}

/// Why [`Chain::submit`] refused a transaction for the next block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// The transaction has no inputs or no outputs.
    #[error("empty: the transaction has no {0}")]
    Empty(&'static str),
    /// The transaction is already in the mempool or in a block.
    #[error("already known: {txid} is already {}", where_(*.height))]
    AlreadyKnown {
        /// The transaction.
        txid: Txid,
        /// Its block, or `None` when it waits in the mempool.
        height: Option<u32>,
    },
    /// Two inputs spend the same coin.
    #[error("duplicate input: inputs {first} and {second} both spend {outpoint}")]
    DuplicateInput {
        /// The first input.
        first: usize,
        /// The second input.
        second: usize,
        /// The coin.
        outpoint: OutPoint,
    },
    /// The outputs add up to more than 21 million BTC.
    #[error("value: the outputs add up to more than 21,000,000 BTC")]
    OutputsTooLarge,
    /// nLockTime is a Unix time and the transaction is not final.
    #[error(
        "time-based lock: nLockTime {} is a Unix time; this chain simulates block heights only",
        group(u64::from(*.lock_time))
    )]
    TimeLock {
        /// The nLockTime.
        lock_time: u32,
    },
    /// An input's BIP-0068 relative lock counts time.
    #[error(
        "time-based lock: input {input}'s sequence {sequence:#010x} is a relative lock in 512-second units; \
         this chain simulates block heights only"
    )]
    RelativeTimeLock {
        /// The input.
        input: usize,
        /// Its sequence.
        sequence: u32,
    },
    /// nLockTime is a height the next block has not passed.
    #[error(
        "non-final: nLockTime is {}, the next block is {}: valid from height {}",
        group(u64::from(*.lock_time)),
        group(u64::from(*.next_height)),
        group(u64::from(*.lock_time) + 1)
    )]
    NonFinal {
        /// The nLockTime (a height).
        lock_time: u32,
        /// The height the transaction was judged at.
        next_height: u32,
    },
    /// An input's coin does not exist.
    #[error("missing input: input {input} spends {outpoint}, which does not exist")]
    Missing {
        /// The input.
        input: usize,
        /// The coin.
        outpoint: OutPoint,
    },
    /// An input's coin is already spent by another transaction.
    #[error("double spend: input {input} ({outpoint}) is already spent by {by} {}", where_(*.height))]
    DoubleSpend {
        /// The input.
        input: usize,
        /// The coin.
        outpoint: OutPoint,
        /// The transaction that spent it first.
        by: Txid,
        /// That transaction's block, or `None` when it waits in the mempool.
        height: Option<u32>,
    },
    /// An input's BIP-0068 relative lock (in blocks) is not yet satisfied.
    #[error(
        "relative lock: input {input} waits {} blocks after height {}: valid from height {}",
        group(u64::from(*.blocks)),
        group(u64::from(*.coin_height)),
        group(u64::from(*.coin_height) + u64::from(*.blocks))
    )]
    RelativeLock {
        /// The input.
        input: usize,
        /// The lock, in blocks.
        blocks: u16,
        /// The height of the input's coin (the next block's, for a coin still in the mempool).
        coin_height: u32,
    },
    /// The outputs are worth more than the inputs.
    #[error("value: outputs {} sat exceed inputs {} sat", group(.outputs.to_sat()), group(.inputs.to_sat()))]
    Value {
        /// Total of the inputs.
        inputs: Amount,
        /// Total of the outputs.
        outputs: Amount,
    },
    /// The fee rate is below the minimum relay fee rate.
    #[error(
        "fee rate {} ({} sat over {} vB) is below the minimum relay fee rate of {}",
        rate_of(*.fee, *.vsize),
        group(.fee.to_sat()),
        group(*.vsize as u64),
        crate::units::format_fee_rate(*.min)
    )]
    FeeRate {
        /// The fee paid.
        fee: Amount,
        /// The transaction's virtual size.
        vsize: usize,
        /// The chain's minimum.
        min: FeeRate,
    },
    /// An input spends a witness program of a version no soft fork has defined (v2 and later).
    #[error("unsupported: input {input} spends a witness v{version} output, which no consensus rule defines")]
    Unsupported {
        /// The input.
        input: usize,
        /// The witness version of its coin.
        version: u8,
    },
    /// An input fails Bitcoin Core's interpreter.
    #[error("script: input {input} fails Bitcoin Core's interpreter: {verdict}")]
    Script {
        /// The input.
        input: usize,
        /// The interpreter's verdict.
        verdict: String,
    },
}

impl Rejection {
    /// A short machine name: "empty", "already-known", "duplicate-input", "value", "time-lock",
    /// "non-final", "missing-input", "double-spend", "relative-lock", "fee-rate", "unsupported",
    /// "script".
    pub fn kind(&self) -> &'static str {
        match self {
            Rejection::Empty(_) => "empty",
            Rejection::AlreadyKnown { .. } => "already-known",
            Rejection::DuplicateInput { .. } => "duplicate-input",
            Rejection::OutputsTooLarge | Rejection::Value { .. } => "value",
            Rejection::TimeLock { .. } | Rejection::RelativeTimeLock { .. } => "time-lock",
            Rejection::NonFinal { .. } => "non-final",
            Rejection::Missing { .. } => "missing-input",
            Rejection::DoubleSpend { .. } => "double-spend",
            Rejection::RelativeLock { .. } => "relative-lock",
            Rejection::FeeRate { .. } => "fee-rate",
            Rejection::Unsupported { .. } => "unsupported",
            Rejection::Script { .. } => "script",
        }
    }

    /// The first height at which the same transaction can be mined, for a lock not yet reached
    /// ([`Rejection::NonFinal`], [`Rejection::RelativeLock`]); `None` for any other rejection.
    pub fn valid_from(&self) -> Option<u32> {
        match *self {
            // Final in block H iff lock_time < H.
            Rejection::NonFinal { lock_time, .. } => Some(lock_time.saturating_add(1)),
            // Satisfied in block H iff H >= coin_height + blocks.
            Rejection::RelativeLock { blocks, coin_height, .. } => Some(coin_height.saturating_add(u32::from(blocks))),
            _ => None,
        }
    }
}

/// Why [`Chain::add_external_coin`] refused a coin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExternalCoinError {
    /// The coin would be confirmed above the tip.
    #[error("external coin {outpoint}: height {height} is above the tip {tip}")]
    AboveTip {
        /// The coin.
        outpoint: OutPoint,
        /// Its requested height.
        height: u32,
        /// The chain's tip.
        tip: u32,
    },
    /// The outpoint is already known to the chain.
    #[error("external coin {0}: the outpoint already exists or was spent")]
    Exists(OutPoint),
}

impl Rejection {
    /// The rejection in words for people in `lang`: its [`std::fmt::Display`] in English.
    pub fn tell(&self, lang: crate::words::Lang) -> String {
        if lang == crate::words::Lang::En {
            return self.to_string();
        }
        let g = |n: u32| group(u64::from(n));
        let place = |h: Option<u32>| h.map_or("已在内存池中".to_string(), |h| format!("已在区块 {} 中", g(h)));
        match self {
            Rejection::Empty(what) => format!("空交易：没有{}", if *what == "inputs" { "输入" } else { "输出" }),
            Rejection::AlreadyKnown { txid, height } => format!("重复：{txid} {}", place(*height)),
            Rejection::DuplicateInput { first, second, outpoint } => {
                format!("重复输入：输入 {first} 和 {second} 都花费 {outpoint}")
            }
            Rejection::OutputsTooLarge => "金额：输出总额超过 2,100 万 BTC".to_string(),
            Rejection::TimeLock { lock_time } => {
                format!("基于时间的锁：nLockTime {} 是 Unix 时间；这条链只模拟区块高度", g(*lock_time))
            }
            Rejection::RelativeTimeLock { input, sequence } => format!(
                "基于时间的锁：输入 {input} 的 sequence {sequence:#010x} 是以 512 秒为单位的相对时间锁；这条链只模拟区块高度"
            ),
            Rejection::NonFinal { lock_time, next_height } => format!(
                "时间锁未到：nLockTime 是 {}，下一个区块是 {}：从高度 {} 起才有效",
                g(*lock_time),
                g(*next_height),
                group(u64::from(*lock_time) + 1)
            ),
            Rejection::Missing { input, outpoint } => format!("输入不存在：输入 {input} 花费的 {outpoint} 不存在"),
            Rejection::DoubleSpend { input, outpoint, by, height } => {
                format!("双重支付：输入 {input}（{outpoint}）已被 {by} 花费，{}", place(*height))
            }
            Rejection::RelativeLock { input, blocks, coin_height } => format!(
                "相对时间锁未到：输入 {input} 须在高度 {} 之后等待 {} 个区块：从高度 {} 起才有效",
                g(*coin_height),
                group(u64::from(*blocks)),
                group(u64::from(*coin_height) + u64::from(*blocks))
            ),
            Rejection::Value { inputs, outputs } => {
                format!("金额：输出 {} 聪超过输入 {} 聪", group(outputs.to_sat()), group(inputs.to_sat()))
            }
            Rejection::FeeRate { fee, vsize, min } => format!(
                "手续费率 {}（{} 聪 / {} vB）低于最低转发费率 {}",
                rate_of(*fee, *vsize),
                group(fee.to_sat()),
                group(*vsize as u64),
                crate::units::format_fee_rate(*min)
            ),
            Rejection::Unsupported { input, version } => {
                format!("不支持：输入 {input} 花费的是 v{version} 见证输出，没有共识规则定义它")
            }
            Rejection::Script { input, verdict } => {
                format!("脚本：输入 {input} 未通过 Bitcoin Core 的解释器：{verdict}")
            }
        }
    }
}

fn where_(height: Option<u32>) -> String {
    match height {
        Some(h) => format!("in block {}", group(u64::from(h))),
        None => "in the mempool".to_string(),
    }
}

/// Rule 2, finality at height `next` (Bitcoin Core's IsFinalTx, heights only, and Unix times
/// before the genesis block, which every block's median time past has passed).
fn final_at(tx: &Transaction, next: u32) -> Result<(), Rejection> {
    let lock_time = tx.lock_time.to_consensus_u32();
    let all_final = tx.input.iter().all(|i| i.sequence.0 == u32::MAX);
    if lock_time != 0 && !all_final {
        // A Unix time before the genesis block is final at every height: every block's median
        // time past is later (BOLT #3's commitments carry 0x20xxxxxx, i.e. 1987).
        if lock_time >= GENESIS_TIME {
            return Err(Rejection::TimeLock { lock_time });
        }
        if lock_time < LOCKTIME_THRESHOLD && lock_time >= next {
            return Err(Rejection::NonFinal { lock_time, next_height: next });
        }
    }
    Ok(())
}

/// Rule 4, BIP-0068 relative locks in blocks, judged at height `next`; the version compares
/// unsigned, as in Bitcoin Core, and a coin still in the mempool counts as confirmed at `next`.
fn relative_locks(tx: &Transaction, coins: &[Found], next: u32) -> Result<(), Rejection> {
    if (tx.version.0 as u32) < 2 {
        return Ok(());
    }
    for (i, (input, found)) in tx.input.iter().zip(coins).enumerate() {
        let seq = input.sequence.0;
        if seq & SEQUENCE_DISABLE_FLAG != 0 {
            continue;
        }
        if seq & SEQUENCE_TYPE_FLAG != 0 {
            return Err(Rejection::RelativeTimeLock { input: i, sequence: seq });
        }
        let blocks = (seq & SEQUENCE_MASK) as u16;
        let coin_height = match found {
            Found::Confirmed(c) => c.height,
            Found::InMempool(_) => next,
        };
        if u64::from(next) < u64::from(coin_height) + u64::from(blocks) {
            return Err(Rejection::RelativeLock { input: i, blocks, coin_height });
        }
    }
    Ok(())
}

/// Rule 7, every input through Bitcoin Core's interpreter with all consensus flags, Taproot's
/// included, given every input's spent output (BIP-0341 signs them all); witness versions above
/// 1 are refused: consensus lets anyone spend them, so passing them would prove nothing.
fn scripts(tx: &Transaction, txouts: &[&TxOut]) -> Result<(), Rejection> {
    let bytes = serialize(tx);
    let spent: Vec<TxOut> = txouts.iter().map(|o| (*o).clone()).collect();
    let utxos = crate::rules::utxos(&spent);
    for (i, txout) in txouts.iter().enumerate() {
        let spk = &txout.script_pubkey;
        if let Some(v) = spk.witness_version().filter(|v| v.to_num() > 1) {
            return Err(Rejection::Unsupported { input: i, version: v.to_num() });
        }
        bitcoinconsensus::verify_with_flags(
            spk.as_bytes(),
            txout.value.to_sat(),
            &bytes,
            Some(&utxos),
            i,
            SCRIPT_FLAGS,
        )
        .map_err(|e| Rejection::Script { input: i, verdict: crate::rules::verdict(e) })?;
    }
    Ok(())
}

/// `n` with thousands separators: 804319 → "804,319".
fn group(n: u64) -> String {
    crate::units::thousands(n)
}

/// fee / vsize in sat/vB, truncated to three decimals (so it never prints as the minimum it fails).
fn rate_of(fee: Amount, vsize: usize) -> String {
    let milli = u128::from(fee.to_sat()) * 1000 / (vsize.max(1) as u128);
    let (whole, frac) = (milli / 1000, milli % 1000);
    if frac == 0 {
        format!("{} sat/vB", group(whole as u64))
    } else {
        format!("{}.{} sat/vB", group(whole as u64), format!("{frac:03}").trim_end_matches('0'))
    }
}

/// A coin: an output and the height of the block that confirmed it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Coin {
    txout: TxOut,
    height: u32,
}

/// Where a submitted input's coin was found.
enum Found {
    Confirmed(Coin),
    InMempool(TxOut),
}

/// The simulated chain: a tip height, the confirmed UTXO set, and the mempool of the next block.
#[derive(Debug, Clone)]
pub struct Chain {
    tip: u32,
    min_relay: FeeRate,
    utxos: BTreeMap<OutPoint, Coin>,
    spent: BTreeMap<OutPoint, (Txid, u32)>,
    confirmed: BTreeMap<Txid, u32>,
    blocks: Vec<Block>,
    mempool: Vec<Transaction>,
    mempool_txids: BTreeSet<Txid>,
    mempool_spent: BTreeMap<OutPoint, Txid>,
    mempool_outputs: BTreeMap<OutPoint, TxOut>,
}

impl Chain {
    /// An empty chain whose tip is `start_height`, relaying fee rates of at least `min_relay`.
    pub fn new(start_height: u32, min_relay: FeeRate) -> Chain {
        Chain {
            tip: start_height,
            min_relay,
            utxos: BTreeMap::new(),
            spent: BTreeMap::new(),
            confirmed: BTreeMap::new(),
            blocks: Vec::new(),
            mempool: Vec::new(),
            mempool_txids: BTreeSet::new(),
            mempool_spent: BTreeMap::new(),
            mempool_outputs: BTreeMap::new(),
        }
    }

    /// Registers a coin that comes from outside the simulation (a wallet's coin whose parent
    /// transaction is synthetic) as confirmed at `height`, unchecked. Everything that spends it
    /// goes through [`Chain::submit`] like any other transaction.
    ///
    /// # Errors
    ///
    /// [`ExternalCoinError`] when `height` is above the tip or the outpoint is already known.
    pub fn add_external_coin(
        &mut self,
        outpoint: OutPoint,
        txout: TxOut,
        height: u32,
    ) -> Result<(), ExternalCoinError> {
        if height > self.tip {
            return Err(ExternalCoinError::AboveTip { outpoint, height, tip: self.tip });
        }
        if self.utxos.contains_key(&outpoint)
            || self.spent.contains_key(&outpoint)
            || self.mempool_outputs.contains_key(&outpoint)
        {
            return Err(ExternalCoinError::Exists(outpoint));
        }
        self.utxos.insert(outpoint, Coin { txout, height });
        Ok(())
    }

    /// Puts `tx` into the mempool of the next block if it can be mined there; see the module
    /// documentation for the rules, checked in order.
    ///
    /// # Errors
    ///
    /// The first rule `tx` breaks, as a [`Rejection`]; the chain is then unchanged.
    ///
    /// # Panics
    ///
    /// As [`Chain::next_height`], at a tip of `u32::MAX`.
    pub fn submit(&mut self, tx: Transaction) -> Result<Txid, Rejection> {
        let txid = tx.compute_txid();
        let next = self.next_height();
        let outputs = self.structure(&tx, txid)?;
        final_at(&tx, next)?;
        let coins = tx
            .input
            .iter()
            .enumerate()
            .map(|(i, input)| self.find(i, input.previous_output))
            .collect::<Result<Vec<_>, _>>()?;
        relative_locks(&tx, &coins, next)?;
        let txouts: Vec<&TxOut> = coins
            .iter()
            .map(|f| match f {
                Found::Confirmed(c) => &c.txout,
                Found::InMempool(o) => o,
            })
            .collect();
        self.value_and_fee(&tx, &txouts, outputs)?;
        scripts(&tx, &txouts)?;
        for (vout, out) in tx.output.iter().enumerate() {
            self.mempool_outputs.insert(OutPoint { txid, vout: vout as u32 }, out.clone());
        }
        for input in &tx.input {
            self.mempool_spent.insert(input.previous_output, txid);
        }
        self.mempool_txids.insert(txid);
        self.mempool.push(tx);
        Ok(txid)
    }

    /// Rule 1, structure: inputs and outputs, not already known, no input twice, outputs within
    /// 21 million BTC; returns the outputs' total.
    fn structure(&self, tx: &Transaction, txid: Txid) -> Result<Amount, Rejection> {
        if tx.input.is_empty() {
            return Err(Rejection::Empty("inputs"));
        }
        if tx.output.is_empty() {
            return Err(Rejection::Empty("outputs"));
        }
        if let Some(&height) = self.confirmed.get(&txid) {
            return Err(Rejection::AlreadyKnown { txid, height: Some(height) });
        }
        if self.mempool_txids.contains(&txid) {
            return Err(Rejection::AlreadyKnown { txid, height: None });
        }
        let mut seen = BTreeMap::new();
        for (i, input) in tx.input.iter().enumerate() {
            if let Some(&first) = seen.get(&input.previous_output) {
                return Err(Rejection::DuplicateInput { first, second: i, outpoint: input.previous_output });
            }
            seen.insert(input.previous_output, i);
        }
        tx.output
            .iter()
            .try_fold(Amount::ZERO, |sum, o| sum.checked_add(o.value).filter(|s| *s <= Amount::MAX_MONEY))
            .ok_or(Rejection::OutputsTooLarge)
    }

    /// Rules 5 and 6, value and fee rate: inputs cover outputs, and the fee over the real vsize
    /// meets the minimum relay rate (1 sat/vB = 250 sat/kwu), in integers.
    fn value_and_fee(&self, tx: &Transaction, txouts: &[&TxOut], outputs: Amount) -> Result<(), Rejection> {
        let inputs = txouts
            .iter()
            .try_fold(Amount::ZERO, |sum, o| sum.checked_add(o.value))
            .expect("every coin in the chain is within 21 million BTC, so a few add up");
        let fee = inputs.checked_sub(outputs).ok_or(Rejection::Value { inputs, outputs })?;
        let vsize = tx.vsize();
        if u128::from(fee.to_sat()) * 1000 < u128::from(self.min_relay.to_sat_per_kwu()) * 4 * vsize as u128 {
            return Err(Rejection::FeeRate { fee, vsize, min: self.min_relay });
        }
        Ok(())
    }

    fn find(&self, input: usize, outpoint: OutPoint) -> Result<Found, Rejection> {
        if let Some(&(by, height)) = self.spent.get(&outpoint) {
            return Err(Rejection::DoubleSpend { input, outpoint, by, height: Some(height) });
        }
        if let Some(&by) = self.mempool_spent.get(&outpoint) {
            return Err(Rejection::DoubleSpend { input, outpoint, by, height: None });
        }
        if let Some(coin) = self.utxos.get(&outpoint) {
            return Ok(Found::Confirmed(coin.clone()));
        }
        if let Some(out) = self.mempool_outputs.get(&outpoint) {
            return Ok(Found::InMempool(out.clone()));
        }
        Err(Rejection::Missing { input, outpoint })
    }

    /// Mines the next block: the mempool, in arrival order (possibly nothing). The outputs join
    /// the UTXO set at the block's height and the tip advances by one.
    ///
    /// # Panics
    ///
    /// As [`Chain::next_height`], at a tip of `u32::MAX`.
    pub fn mine(&mut self) -> Block {
        let height = self.next_height();
        let txs = std::mem::take(&mut self.mempool);
        for tx in &txs {
            let txid = tx.compute_txid();
            for input in &tx.input {
                self.utxos.remove(&input.previous_output);
                self.spent.insert(input.previous_output, (txid, height));
            }
            for (vout, out) in tx.output.iter().enumerate() {
                self.utxos.insert(OutPoint { txid, vout: vout as u32 }, Coin { txout: out.clone(), height });
            }
            self.confirmed.insert(txid, height);
        }
        self.mempool_txids.clear();
        self.mempool_spent.clear();
        self.mempool_outputs.clear();
        self.tip = height;
        let block = Block { height, txs };
        self.blocks.push(block.clone());
        block
    }

    /// Mines blocks until the tip is `height` (none when it already is or is above).
    pub fn mine_until(&mut self, height: u32) {
        while self.tip < height {
            self.mine();
        }
    }

    /// The height of the last block.
    pub fn tip(&self) -> u32 {
        self.tip
    }

    /// The height of the next block: the one [`Chain::submit`] judges for.
    ///
    /// # Panics
    ///
    /// When the tip is `u32::MAX`, the last height a block can have.
    pub fn next_height(&self) -> u32 {
        self.tip.checked_add(1).expect("a simulation never reaches height 4,294,967,295")
    }

    /// The minimum relay fee rate.
    pub fn min_relay(&self) -> FeeRate {
        self.min_relay
    }

    /// The height of the block that confirmed `txid`, if any.
    pub fn confirmation_height(&self, txid: &Txid) -> Option<u32> {
        self.confirmed.get(txid).copied()
    }

    /// The confirmed transaction that spent `outpoint`, if any (a mempool spend is not counted).
    pub fn spent_by(&self, outpoint: &OutPoint) -> Option<Txid> {
        self.spent.get(outpoint).map(|&(txid, _)| txid)
    }

    /// The confirmed, unspent coin at `outpoint` and its confirmation height.
    pub fn unspent(&self, outpoint: &OutPoint) -> Option<(TxOut, u32)> {
        self.utxos.get(outpoint).map(|c| (c.txout.clone(), c.height))
    }

    /// Every confirmed, unspent coin with its confirmation height, ordered by outpoint.
    pub fn utxos(&self) -> impl Iterator<Item = (&OutPoint, &TxOut, u32)> {
        self.utxos.iter().map(|(op, c)| (op, &c.txout, c.height))
    }

    /// Every confirmed transaction with its height, in block order.
    pub fn confirmed_txs(&self) -> impl Iterator<Item = (u32, &Transaction)> {
        self.blocks.iter().flat_map(|b| b.txs.iter().map(move |tx| (b.height, tx)))
    }

    /// The blocks mined since the chain was created, lowest first.
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// The transactions waiting for the next block, in arrival order.
    pub fn mempool(&self) -> &[Transaction] {
        &self.mempool
    }
}

#[cfg(test)]
mod tests;
