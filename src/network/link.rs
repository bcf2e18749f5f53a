//! One channel of the network and its two peers, in BOLT #2's messages.
//!
//! Each peer holds its own [`HopKeys`], its own commitment number, the points the other gave it
//! and the other's revealed secrets ([`SecretStore`]). A `commitment_signed` is made by the peer
//! that signs: it builds the other's next commitment with [`crate::channel::htlc`] from the
//! state both agreed to, signs its funding input and each HTLC transaction. The holder rebuilds
//! the same commitment from its own view, compares them byte for byte, checks every signature
//! over the real sighash, adds its own, and asks Bitcoin Core's interpreter ([`rules`]) whether
//! the commitment spends the funding output and each HTLC-timeout transaction its HTLC output.
//! An HTLC-success transaction waits for the preimage; when it arrives the holder completes and
//! checks it the same way. `revoke_and_ack` hands over the previous commitment's secret, which
//! the other checks against the point it was given and stores.
//!
//! Policy is held to Bitcoin Core's relay floor, 1 sat/vB ([`MIN_RELAY_FEE_RATE`]): BOLT #3 fixes
//! every fee from an expected weight (724 + 172 per HTLC, 663, 703 weight units), which a signed
//! transaction can exceed by a few units, so at exactly 1 sat/vB an HTLC-timeout transaction
//! (663 wu expected, 166 vB signed) pays 165 sat and falls short; a network scenario needs a
//! fee rate a little above the floor (the book's uses 2 sat/vB).

use std::collections::BTreeMap;

use bitcoin::hashes::sha256;
use bitcoin::secp256k1::{PublicKey, Secp256k1};
use bitcoin::{ecdsa, Amount, FeeRate, OutPoint, ScriptBuf, Transaction, Witness};

use crate::channel::bolt3::{self, CommitmentState, Funder, SecretStore};
use crate::channel::builders::{self, WalletCoin};
use crate::channel::htlc::{self, CommitmentWithHtlcs, Htlc, HtlcDirection, HtlcKeys, HtlcOutput};
use crate::channel::revocable::{feerate_per_kw, secp, DUST_LIMIT};
use crate::party::routed::{HopBasepoints, HopKeys};
use crate::rules;
use crate::scenario::MIN_RELAY_FEE_RATE;

use super::NetworkError;

/// An HTLC both peers have agreed to, or are agreeing to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveHtlc {
    /// Which side (0 or 1) offered it.
    pub offerer: usize,
    /// Its amount.
    pub amount: Amount,
    /// The payment hash.
    pub payment_hash: sha256::Hash,
    /// Its absolute expiry.
    pub cltv_expiry: u32,
}

/// What a commitment divides: each side's balance and the HTLCs in flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    /// Each side's balance before the fee.
    pub balances: [Amount; 2],
    /// The HTLCs in flight.
    pub htlcs: Vec<LiveHtlc>,
}

impl State {
    /// The HTLCs' total.
    pub fn in_flight(&self) -> Amount {
        self.htlcs.iter().map(|h| h.amount).sum()
    }
}

/// One signed commitment, as its holder keeps it.
#[derive(Debug, Clone)]
pub struct CommitmentRecord {
    /// Whose version (side 0 or 1).
    pub holder: usize,
    /// Its commitment number.
    pub number: u64,
    /// The step that signed it.
    pub step: u64,
    /// The fully signed transaction.
    pub tx: Transaction,
    /// The holder's balance, the other's and the HTLCs' total, before the fee.
    pub state: State,
    /// The fee the funder pays (the trimmed amounts included).
    pub fee: Amount,
    /// The holder's per-commitment point.
    pub point: PublicKey,
    /// The secret that revoked it, once the holder handed it over.
    pub revoked_by: Option<[u8; 32]>,
}

/// One second-stage transaction, signed by both and checked against the output it spends.
#[derive(Debug, Clone)]
pub struct HtlcTxRecord {
    /// Whose commitment it spends.
    pub holder: usize,
    /// That commitment's number.
    pub number: u64,
    /// The step that completed it.
    pub step: u64,
    /// "HTLC-timeout" or "HTLC-success".
    pub kind: &'static str,
    /// The HTLC's payment hash.
    pub payment_hash: sha256::Hash,
    /// The output it spends.
    pub output: HtlcOutput,
    /// The signed transaction.
    pub tx: Transaction,
}

/// An HTLC-success transaction signed by the other peer, which its holder completes once it
/// knows the preimage.
#[derive(Debug, Clone)]
struct Waiting {
    number: u64,
    payment_hash: sha256::Hash,
    output: HtlcOutput,
    tx: Transaction,
    remote_sig: ecdsa::Signature,
    local_sig: ecdsa::Signature,
}

/// `commitment_signed`: the signer's signatures of the other's next commitment.
#[derive(Debug, Clone)]
pub struct CommitmentSigned {
    /// The commitment's number.
    pub number: u64,
    /// The unsigned transaction the signer built (the holder compares its own with it).
    pub tx: Transaction,
    /// The signature of its funding input.
    pub signature: ecdsa::Signature,
    /// One signature per untrimmed HTLC, in output order.
    pub htlc_signatures: Vec<ecdsa::Signature>,
}

/// `revoke_and_ack`: the previous commitment's secret and the point after the next.
#[derive(Debug, Clone, Copy)]
pub struct RevokeAndAck {
    /// The number of the revoked commitment.
    pub revoked: u64,
    /// Its per-commitment secret.
    pub secret: [u8; 32],
    /// The point of the commitment after the current one.
    pub next_point: PublicKey,
}

/// One peer's own view.
struct Peer {
    keys: HopKeys,
    /// Its current commitment's number; `None` before the first.
    number: Option<u64>,
    /// The other's per-commitment points it was given, by number.
    their_points: BTreeMap<u64, PublicKey>,
    /// The other's revealed secrets.
    store: SecretStore,
    waiting: Vec<Waiting>,
}

/// One channel between two nodes.
pub struct Link {
    /// Its name, `Alice-Bob`.
    pub name: String,
    /// The nodes' indices in the network.
    pub nodes: [usize; 2],
    /// The side that opened it and pays the fees.
    pub funder: usize,
    /// Each side's public keys.
    pub basepoints: [HopBasepoints; 2],
    /// The funder's coin the funding spends, and its script.
    pub coin: WalletCoin,
    /// The signed funding transaction; the funding output is output 0.
    pub funding_tx: Transaction,
    /// The funding output's value.
    pub capacity: Amount,
    /// Fee rate of every transaction.
    pub fee_rate: FeeRate,
    /// Both sides' `to_self_delay`.
    pub to_self_delay: u16,
    /// The state both sides hold irrevocably.
    pub agreed: State,
    /// Every commitment signed, in order.
    pub commitments: Vec<CommitmentRecord>,
    /// Every HTLC transaction completed, in order.
    pub htlc_txs: Vec<HtlcTxRecord>,
    peers: [Peer; 2],
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link").field("name", &self.name).field("agreed", &self.agreed).finish_non_exhaustive()
    }
}

/// What a new link is made of.
pub struct LinkSpec<'a> {
    /// Its name.
    pub name: String,
    /// The nodes' indices and names.
    pub nodes: [(usize, &'a str); 2],
    /// The funding side.
    pub funder: usize,
    /// The opening balances.
    pub balances: [Amount; 2],
    /// The scenario's seed.
    pub seed: u64,
    /// Fee rate.
    pub fee_rate: FeeRate,
    /// `to_self_delay`.
    pub to_self_delay: u16,
}

impl Link {
    /// Opens the channel: the funder's funding transaction, signed and checked against its coin.
    ///
    /// # Errors
    ///
    /// [`NetworkError`] when a transaction cannot be built or fails the interpreter.
    pub fn open(spec: LinkSpec<'_>) -> Result<Link, NetworkError> {
        let keys = spec.nodes.map(|(_, name)| HopKeys::derive(spec.seed, &spec.name, name));
        let basepoints = [keys[0].basepoints(), keys[1].basepoints()];
        let capacity = spec.balances[0].checked_add(spec.balances[1]).expect("validated");
        let wallet = &basepoints[spec.funder].wallet;
        let fee = builders::funding_fee(spec.fee_rate, false).ok_or(NetworkError::Fee)?;
        let coin = WalletCoin {
            outpoint: OutPoint { txid: coin_txid(spec.seed, &spec.name), vout: 0 },
            amount: capacity.checked_add(fee).ok_or(NetworkError::Fee)?,
            script_pubkey: builders::p2wpkh(wallet),
        };
        let funding_spk = builders::funding_witness_script(&basepoints[0].funding, &basepoints[1].funding).to_p2wsh();
        let mut funding_tx = builders::funding_tx(&coin, &funding_spk, capacity, &coin.script_pubkey, spec.fee_rate)
            .map_err(|e| NetworkError::Build { channel: spec.name.clone(), what: e.to_string() })?;
        let sig = keys[spec.funder].sign_wallet_input(&funding_tx, 0, &coin.script_pubkey, coin.amount);
        funding_tx.input[0].witness = Witness::p2wpkh(&sig, wallet);
        check(
            &spec.name,
            "funding",
            rules::consensus(
                &funding_tx,
                0,
                &[bitcoin::TxOut { value: coin.amount, script_pubkey: coin.script_pubkey.clone() }],
            ),
        )?;
        check(&spec.name, "funding", rules::policy(&funding_tx, coin.amount, MIN_RELAY_FEE_RATE))?;
        let peers = keys.map(|keys| Peer {
            keys,
            number: None,
            their_points: BTreeMap::new(),
            store: SecretStore::new(),
            waiting: Vec::new(),
        });
        Ok(Link {
            name: spec.name,
            nodes: spec.nodes.map(|(i, _)| i),
            funder: spec.funder,
            basepoints,
            coin,
            funding_tx,
            capacity,
            fee_rate: spec.fee_rate,
            to_self_delay: spec.to_self_delay,
            agreed: State { balances: spec.balances, htlcs: Vec::new() },
            commitments: Vec::new(),
            htlc_txs: Vec::new(),
            peers,
        })
    }

    /// `open_channel`/`accept_channel` and `funding_locked`: each side gives the other the
    /// points of its commitments 0 and 1.
    ///
    /// # Errors
    ///
    /// [`NetworkError::Bolt3`] in the negligible case of an invalid secret.
    pub fn exchange_first_points(&mut self) -> Result<(), NetworkError> {
        for side in 0..2 {
            for number in 0..2 {
                let point = self.peers[side].keys.per_commitment_point(number)?;
                self.peers[1 - side].their_points.insert(number, point);
            }
        }
        Ok(())
    }

    /// The funding output's outpoint.
    pub fn funding_outpoint(&self) -> OutPoint {
        OutPoint { txid: self.funding_tx.compute_txid(), vout: 0 }
    }

    /// The BOLT #3 parameters of `holder`'s commitments.
    pub fn params(&self, holder: usize) -> bolt3::ChannelParams {
        let (opener, accepter) = (&self.basepoints[self.funder], &self.basepoints[1 - self.funder]);
        bolt3::ChannelParams {
            funding_outpoint: self.funding_outpoint(),
            funding_amount: self.capacity,
            local_funding_pubkey: self.basepoints[holder].funding,
            remote_funding_pubkey: self.basepoints[1 - holder].funding,
            obscuring_factor: bolt3::obscuring_factor(&opener.payment, &accepter.payment),
            to_self_delay: self.to_self_delay,
            dust_limit: DUST_LIMIT,
            funder: if holder == self.funder { Funder::Local } else { Funder::Remote },
        }
    }

    fn htlc_keys(&self, holder: usize, point: &PublicKey) -> Result<HtlcKeys, NetworkError> {
        let (mine, theirs) = (&self.basepoints[holder], &self.basepoints[1 - holder]);
        Ok(HtlcKeys::derive(
            secp(),
            point,
            &theirs.revocation,
            &mine.delayed_payment,
            &theirs.payment,
            (&mine.payment, &theirs.payment),
        )?)
    }

    /// `holder`'s commitment `number` of `state` with its point `point`, and its HTLCs as the
    /// builder takes them.
    fn build(
        &self,
        holder: usize,
        number: u64,
        point: &PublicKey,
        state: &State,
    ) -> Result<(CommitmentWithHtlcs, Vec<Htlc>, HtlcKeys), NetworkError> {
        let htlcs: Vec<Htlc> = state
            .htlcs
            .iter()
            .map(|h| Htlc {
                direction: if h.offerer == holder { HtlcDirection::Offered } else { HtlcDirection::Received },
                amount_msat: h.amount.to_sat() * 1000,
                payment_hash: h.payment_hash,
                cltv_expiry: h.cltv_expiry,
            })
            .collect();
        let keys = self.htlc_keys(holder, point)?;
        let commitment_state = CommitmentState {
            commitment_number: number,
            to_local_msat: state.balances[holder].to_sat() * 1000,
            to_remote_msat: state.balances[1 - holder].to_sat() * 1000,
            feerate_per_kw: feerate_per_kw(self.fee_rate),
        };
        let built = htlc::build_commitment_with_htlcs(&self.params(holder), &keys, &commitment_state, &htlcs)
            .map_err(|e| NetworkError::Build { channel: self.name.clone(), what: e.to_string() })?;
        Ok((built, htlcs, keys))
    }

    /// `signer`'s `commitment_signed` for the other side's next commitment of `state`.
    ///
    /// # Errors
    ///
    /// [`NetworkError`] when the signer lacks the other's point or a builder fails.
    pub fn commitment_signed(&self, signer: usize, state: &State) -> Result<CommitmentSigned, NetworkError> {
        let holder = 1 - signer;
        let number = self.peers[holder].number.map_or(0, |n| n + 1);
        let point = *self.peers[signer]
            .their_points
            .get(&number)
            .ok_or_else(|| NetworkError::Protocol(format!("{}: no point for commitment {number}", self.name)))?;
        let (built, htlcs, keys) = self.build(holder, number, &point, state)?;
        let me = &self.peers[signer].keys;
        let tx = built.commitment.tx.clone();
        let signature = me.sign_commitment(&tx, &self.params(holder))?;
        let txs = built.htlc_txs(&htlcs, feerate_per_kw(self.fee_rate), self.to_self_delay, &keys)?;
        let htlc_signatures =
            txs.iter().zip(&built.htlcs).map(|(t, out)| me.sign_htlc_tx(t, out, &point)).collect::<Result<_, _>>()?;
        Ok(CommitmentSigned { number, tx, signature, htlc_signatures })
    }

    /// `holder` receives `msg`: rebuilds, compares, verifies, completes and checks.
    ///
    /// # Errors
    ///
    /// [`NetworkError`] when anything differs, a signature does not verify or a transaction
    /// fails the interpreter.
    pub fn receive_commitment_signed(
        &mut self,
        holder: usize,
        msg: &CommitmentSigned,
        state: &State,
        step: u64,
    ) -> Result<(), NetworkError> {
        let point = self.peers[holder].keys.per_commitment_point(msg.number)?;
        let (built, htlcs, keys) = self.build(holder, msg.number, &point, state)?;
        if built.commitment.tx != msg.tx || built.htlcs.len() != msg.htlc_signatures.len() {
            return Err(self.protocol(format!("commitment {} differs from the one the holder builds", msg.number)));
        }
        let params = self.params(holder);
        let msg_hash = bolt3::commitment_sighash(&built.commitment.tx, &params)?;
        verify(&msg_hash, &msg.signature, &params.remote_funding_pubkey)
            .map_err(|_| self.protocol(format!("the signature of commitment {} does not verify", msg.number)))?;
        let own = self.peers[holder].keys.sign_commitment(&built.commitment.tx, &params)?;
        let mut tx = built.commitment.tx.clone();
        tx.input[0].witness = bolt3::funding_witness(&params, &own, &msg.signature);
        let funding_spk = params.funding_script().to_p2wsh();
        let place = format!("{}'s commitment {}", side_name(holder), msg.number);
        check(
            &self.name,
            &place,
            rules::consensus(&tx, 0, &[bitcoin::TxOut { value: self.capacity, script_pubkey: funding_spk.clone() }]),
        )?;
        check(&self.name, &place, rules::policy(&tx, self.capacity, MIN_RELAY_FEE_RATE))?;
        self.second_stage(holder, msg, &built, &htlcs, &keys, &point, step)?;
        self.peers[holder].number = Some(msg.number);
        self.commitments.push(CommitmentRecord {
            holder,
            number: msg.number,
            step,
            tx,
            state: state.clone(),
            fee: built.commitment.fee,
            point,
            revoked_by: None,
        });
        Ok(())
    }

    /// Each HTLC transaction of a received commitment: the other's signature checked, the
    /// holder's added; a timeout completed and checked now, a success kept for the preimage.
    #[allow(clippy::too_many_arguments)] // The commitment's parts, all needed, none derivable cheaply.
    fn second_stage(
        &mut self,
        holder: usize,
        msg: &CommitmentSigned,
        built: &CommitmentWithHtlcs,
        htlcs: &[Htlc],
        keys: &HtlcKeys,
        point: &PublicKey,
        step: u64,
    ) -> Result<(), NetworkError> {
        let txs = built.htlc_txs(htlcs, feerate_per_kw(self.fee_rate), self.to_self_delay, keys)?;
        for ((tx, out), remote_sig) in txs.into_iter().zip(&built.htlcs).zip(&msg.htlc_signatures) {
            let digest = htlc::htlc_tx_sighash(&tx, out)?;
            verify(&digest, remote_sig, &keys.remote_htlc_pubkey).map_err(|_| {
                self.protocol(format!("an HTLC signature of commitment {} does not verify", msg.number))
            })?;
            let local_sig = self.peers[holder].keys.sign_htlc_tx(&tx, out, point)?;
            let htlc = &htlcs[out.htlc];
            if htlc.direction == HtlcDirection::Offered {
                let mut tx = tx;
                tx.input[0].witness = htlc::htlc_timeout_witness(remote_sig, &local_sig, &out.witness_script);
                self.check_htlc_tx(holder, msg.number, step, "HTLC-timeout", htlc.payment_hash, out, tx)?;
            } else {
                self.peers[holder].waiting.push(Waiting {
                    number: msg.number,
                    payment_hash: htlc.payment_hash,
                    output: out.clone(),
                    tx,
                    remote_sig: *remote_sig,
                    local_sig,
                });
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)] // One record's fields.
    fn check_htlc_tx(
        &mut self,
        holder: usize,
        number: u64,
        step: u64,
        kind: &'static str,
        payment_hash: sha256::Hash,
        output: &HtlcOutput,
        tx: Transaction,
    ) -> Result<(), NetworkError> {
        let place = format!("{kind} of {}'s commitment {number}", side_name(holder));
        let spk = output.witness_script.to_p2wsh();
        check(
            &self.name,
            &place,
            rules::consensus(&tx, 0, &[bitcoin::TxOut { value: output.amount, script_pubkey: spk.clone() }]),
        )?;
        check(&self.name, &place, rules::policy(&tx, output.amount, MIN_RELAY_FEE_RATE))?;
        self.htlc_txs.push(HtlcTxRecord { holder, number, step, kind, payment_hash, output: output.clone(), tx });
        Ok(())
    }

    /// `holder`'s `revoke_and_ack`: the secret of its commitment before the current one and the
    /// point of the one after; the other side checks the secret against the point it holds.
    ///
    /// # Errors
    ///
    /// [`NetworkError`] when the holder has no previous commitment or the secret is wrong.
    pub fn revoke_and_ack(&mut self, holder: usize) -> Result<RevokeAndAck, NetworkError> {
        let current = self.peers[holder].number.filter(|n| *n > 0);
        let current = current.ok_or_else(|| self.protocol("no commitment to revoke".into()))?;
        let keys = &self.peers[holder].keys;
        let msg = RevokeAndAck {
            revoked: current - 1,
            secret: keys.per_commitment_secret(current - 1)?,
            next_point: keys.per_commitment_point(current + 1)?,
        };
        let other = &mut self.peers[1 - holder];
        let expected = other.their_points.get(&msg.revoked).copied();
        if expected != Some(bolt3::per_commitment_point(secp(), &msg.secret)?) {
            return Err(self.protocol(format!("the secret of commitment {} is not its point's", msg.revoked)));
        }
        other.store.insert_secret(msg.secret, bolt3::secret_index(msg.revoked)?)?;
        other.their_points.insert(current + 1, msg.next_point);
        if let Some(r) = self.commitments.iter_mut().find(|c| c.holder == holder && c.number == msg.revoked) {
            r.revoked_by = Some(msg.secret);
        }
        Ok(msg)
    }

    /// `receiver` learned `preimage` of an HTLC it received: completes every HTLC-success
    /// transaction it holds for that hash and checks each against its output.
    ///
    /// # Errors
    ///
    /// [`NetworkError`] when one fails the interpreter.
    pub fn complete_success_txs(
        &mut self,
        receiver: usize,
        preimage: &[u8; 32],
        step: u64,
    ) -> Result<usize, NetworkError> {
        let hash = crate::party::routed::payment_hash(preimage);
        let (ready, rest): (Vec<Waiting>, Vec<Waiting>) =
            std::mem::take(&mut self.peers[receiver].waiting).into_iter().partition(|w| w.payment_hash == hash);
        self.peers[receiver].waiting = rest;
        let n = ready.len();
        for w in ready {
            let mut tx = w.tx;
            tx.input[0].witness =
                htlc::htlc_success_witness(&w.remote_sig, &w.local_sig, preimage, &w.output.witness_script);
            self.check_htlc_tx(receiver, w.number, step, "HTLC-success", hash, &w.output, tx)?;
        }
        Ok(n)
    }

    /// `holder`'s latest commitment, the one it would broadcast.
    pub fn latest(&self, holder: usize) -> Option<&CommitmentRecord> {
        self.commitments.iter().filter(|c| c.holder == holder).max_by_key(|c| c.number)
    }

    /// The commitment `record` rebuilt from its state: its outputs (`to_local`'s script, each
    /// HTLC output's), the HTLCs in the builder's order, and its keys.
    ///
    /// # Errors
    ///
    /// [`NetworkError`] when a builder fails (it built the same commitment before).
    pub fn rebuild(
        &self,
        record: &CommitmentRecord,
    ) -> Result<(CommitmentWithHtlcs, Vec<Htlc>, HtlcKeys), NetworkError> {
        let built = self.build(record.holder, record.number, &record.point, &record.state)?;
        if built.0.commitment.tx.compute_txid() != record.tx.compute_txid() {
            return Err(self.protocol(format!("commitment {} does not rebuild to the one signed", record.number)));
        }
        Ok(built)
    }

    /// `side`'s signature of input `index` of `tx`, which spends a `to_local`-script output of its
    /// own commitment whose per-commitment point is `point` (or of one of its HTLC transactions)
    /// after the delay.
    ///
    /// # Errors
    ///
    /// [`NetworkError::Bolt3`] when the input is missing.
    pub fn sign_delayed(
        &self,
        side: usize,
        tx: &Transaction,
        index: usize,
        output: (&bitcoin::Script, Amount),
        point: &PublicKey,
    ) -> Result<ecdsa::Signature, NetworkError> {
        Ok(self.peers[side].keys.sign_delayed_input(tx, index, output.0, output.1, point)?)
    }

    /// `side`'s signature of input `index` of `tx`, which spends an output of the other side's
    /// revoked commitment `number`: with the secret of it `side` stored when it was revoked.
    ///
    /// # Errors
    ///
    /// [`NetworkError::Protocol`] when `side` never received that secret; [`NetworkError::Bolt3`]
    /// when the input is missing.
    pub fn sign_revoked(
        &self,
        side: usize,
        tx: &Transaction,
        index: usize,
        output: (&bitcoin::Script, Amount),
        number: u64,
    ) -> Result<ecdsa::Signature, NetworkError> {
        let peer = &self.peers[side];
        let secret = peer
            .store
            .derive_old_secret(bolt3::secret_index(number)?)
            .map_err(|_| self.protocol(format!("{} holds no secret of commitment {number}", side_name(side))))?;
        Ok(peer.keys.sign_revoked_input(tx, index, output.0, output.1, &secret)?)
    }

    /// Where `side`'s money goes once on chain: the P2WPKH of its payment basepoint, where the
    /// other's commitments pay it (`option_static_remotekey`) and its sweeps and penalties go.
    pub fn payout(&self, side: usize) -> ScriptBuf {
        builders::p2wpkh(&self.basepoints[side].payment)
    }

    fn protocol(&self, what: String) -> NetworkError {
        NetworkError::Protocol(format!("{}: {what}", self.name))
    }
}

/// The name of side `side` in messages: "a" or "b", the channel's first or second node.
fn side_name(side: usize) -> &'static str {
    if side == 0 {
        "a"
    } else {
        "b"
    }
}

fn verify(
    msg: &bitcoin::secp256k1::Message,
    sig: &ecdsa::Signature,
    key: &PublicKey,
) -> Result<(), bitcoin::secp256k1::Error> {
    Secp256k1::verification_only().verify_ecdsa(msg, &sig.signature, key)
}

fn check(channel: &str, place: &str, result: Result<(), rules::CheckError>) -> Result<(), NetworkError> {
    result.map_err(|source| NetworkError::Check { channel: channel.to_string(), place: place.to_string(), source })
}

/// The txid of the synthetic prior transaction that gave the funder its coin.
fn coin_txid(seed: u64, channel: &str) -> bitcoin::Txid {
    use bitcoin::hashes::Hash;
    use rand_core::RngCore;
    let mut bytes = [0u8; 32];
    crate::party::keys::KeyChain::new(seed)
        .labelled(&format!("network/{channel}/wallet-coin-txid"))
        .fill_bytes(&mut bytes);
    bitcoin::Txid::from_byte_array(bytes)
}

/// The P2WSH script of the funding output of two funding keys.
pub fn funding_script_pubkey(a: &PublicKey, b: &PublicKey) -> ScriptBuf {
    builders::funding_witness_script(a, b).to_p2wsh()
}
