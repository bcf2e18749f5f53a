//! `paychan bench --designs`: each design's cost per state against the bare secp256k1 operations
//! that state needs.
//!
//! The designs need different cryptography per state. The naive and timelocked channels: two
//! ECDSA signatures and two verifications. Spilman: the payer's signature and the payee's check.
//! The revocable channel (BOLT #3) on top of its two signatures and two verifications derives keys
//! for four built versions (each party builds its own version and the one it signs for the other):
//! per version the revocation key (two variable-base point multiplications and a point addition)
//! and the delayed key (a generator multiplication and an addition); plus four per-commitment
//! points (a generator multiplication each: the payee's announced point, the payer's own, and each
//! party's check of the secret the other revealed). This module times exactly those operations
//! bare, with the same library, then the real engine (one thread, the CSV log written) per design,
//! and prints the ratios. It measures; it asserts nothing.

use std::path::Path;
use std::time::{Duration, Instant};

use bitcoin::hashes::{sha256, Hash};
use bitcoin::secp256k1::{Message, PublicKey, Scalar, Secp256k1, SecretKey};

use crate::output::OutputError;
use crate::party::DESIGNS;
use crate::scenario::Scenario;

/// The BIP-0340 and MuSig2 operations one state of a Schnorr design needs
/// ([`crate::channel::Design::schnorr_operations`]).
pub use crate::channel::SchnorrOperations;
/// The secp256k1 operations one state of a design needs ([`crate::channel::Design::secp_operations`]).
pub use crate::channel::SecpOperations as Operations;

/// What one state of the design registered as `design` needs, as the design counts it; `None`
/// for an unknown name.
pub fn operations(design: &str) -> Option<Operations> {
    crate::party::design(design, &crate::channel::Settings::default()).map(|d| d.secp_operations())
}

/// One design's figures.
#[derive(Debug, Clone)]
pub struct DesignFigures {
    /// The design's name.
    pub design: &'static str,
    /// What a state needs.
    pub operations: Operations,
    /// What a state needs of BIP-0340 and MuSig2 (none for an ECDSA design).
    pub schnorr: SchnorrOperations,
    /// Those operations, bare, per state (best of the repeats).
    pub raw_per_state: Duration,
    /// The engine with the CSV log, one thread, per state (best of the repeats).
    pub run_per_state: Duration,
}

impl DesignFigures {
    /// The run's cost over the bare operations'.
    pub fn ratio(&self) -> f64 {
        self.run_per_state.as_secs_f64() / self.raw_per_state.as_secs_f64()
    }
}

/// Times `n` rounds of `ops`, bare: fresh messages and tweaks each round, nothing else.
pub fn raw(ops: Operations, n: u64) -> Duration {
    let secp = Secp256k1::new();
    let a = SecretKey::from_slice(&[0x11; 32]).expect("a valid scalar");
    let pa = PublicKey::from_secret_key(&secp, &a);
    let pb = PublicKey::from_secret_key(&secp, &SecretKey::from_slice(&[0x22; 32]).expect("a valid scalar"));
    let mut ok = true;
    let start = Instant::now();
    for i in 0..n {
        let digest = sha256::Hash::hash(&i.to_le_bytes()).to_byte_array();
        let msg = Message::from_digest(digest);
        let mut sig = None;
        for _ in 0..ops.signs {
            sig = Some(secp.sign_ecdsa(&msg, &a));
        }
        for _ in 0..ops.verifies {
            ok &= sig.is_some_and(|sig| secp.verify_ecdsa(&msg, &sig, &pa).is_ok());
        }
        let tweak = Scalar::from_be_bytes(digest).unwrap_or(Scalar::ONE);
        let mut point = pb;
        for _ in 0..ops.point_muls {
            point = point.mul_tweak(&secp, &tweak).unwrap_or(pb);
        }
        for _ in 0..ops.generator_muls / 2 {
            point = point.add_exp_tweak(&secp, &tweak).unwrap_or(pb);
        }
        for _ in 0..ops.generator_muls - ops.generator_muls / 2 {
            let k = SecretKey::from_slice(&digest).unwrap_or(a);
            ok &= PublicKey::from_secret_key(&secp, &k) != point;
        }
        for _ in 0..ops.additions.saturating_sub(ops.generator_muls / 2) {
            point = point.combine(&pa).unwrap_or(pb);
        }
    }
    let took = start.elapsed();
    assert!(ok, "every bare signature verifies");
    took
}

/// Times `n` rounds of `ops`, bare: each round a fresh message; the MuSig2 nonces, partial
/// signatures, their verifications and aggregation of two keys (BIP-0327, the `musig2` crate
/// the Taproot design signs with), and BIP-0340 verifications. The key aggregation is made once,
/// as a channel makes it once.
pub fn raw_schnorr(ops: SchnorrOperations, n: u64) -> Duration {
    if ops == SchnorrOperations::default() {
        return Duration::ZERO;
    }
    let secp = Secp256k1::new();
    let (a, b) =
        (SecretKey::from_slice(&[0x11; 32]).expect("valid"), SecretKey::from_slice(&[0x22; 32]).expect("valid"));
    let (pa, pb) = (PublicKey::from_secret_key(&secp, &a), PublicKey::from_secret_key(&secp, &b));
    let ctx = musig2::KeyAggContext::new([musig2::secp::Point::from(pa), musig2::secp::Point::from(pb)])
        .and_then(|c| c.with_unspendable_taproot_tweak().map_err(|_| musig2::errors::KeyAggError))
        .expect("two keys aggregate");
    let key: PublicKey = ctx.aggregated_pubkey();
    let key = key.x_only_public_key().0;
    let mut ok = true;
    let start = Instant::now();
    for i in 0..n {
        let digest = sha256::Hash::hash(&i.to_le_bytes()).to_byte_array();
        let nonce = |k: &SecretKey, j: u32| {
            musig2::SecNonce::build_with_seckey(digest, *k)
                .with_message(&digest)
                .with_extra_input(&j.to_be_bytes())
                .build()
        };
        let mut secret = Vec::with_capacity(ops.nonces as usize);
        let mut public = Vec::with_capacity(ops.nonces as usize);
        for j in 0..ops.nonces {
            let s = nonce(if j % 2 == 0 { &a } else { &b }, j);
            public.push(s.public_nonce());
            secret.push(s);
        }
        // Signer j signs with nonce j (a the even ones, b the odd), under the first two's sum.
        let agg = musig2::AggNonce::sum(public.iter().take(2));
        let mut partials: Vec<musig2::PartialSignature> = Vec::new();
        for (j, secnonce) in secret.into_iter().enumerate().take(ops.partial_signs as usize) {
            let k = if j % 2 == 0 { a } else { b };
            let s: Result<musig2::PartialSignature, _> = musig2::sign_partial(&ctx, k, secnonce, &agg, digest);
            ok &= s.is_ok();
            partials.extend(s);
        }
        for j in 0..(ops.partial_verifies as usize).min(partials.len()) {
            let k = if j % 2 == 0 { pa } else { pb };
            ok &= musig2::verify_partial(&ctx, partials[j], &agg, k, &public[j], digest).is_ok();
        }
        let mut sig = None;
        for _ in 0..ops.aggregates {
            let two = [partials[0], partials.get(1).copied().unwrap_or(partials[0])];
            let s: Result<bitcoin::secp256k1::schnorr::Signature, _> =
                musig2::aggregate_partial_signatures(&ctx, &agg, two, digest);
            sig = s.ok();
        }
        let msg = Message::from_digest(digest);
        for _ in 0..ops.verifies {
            ok &= sig.is_some_and(|sig| secp.verify_schnorr(&sig, &msg, &key).is_ok());
        }
    }
    let took = start.elapsed();
    assert!(ok, "every bare MuSig2 signature verifies");
    took
}

/// The scenario a design's benchmark runs: the book's price, a channel big enough for `n` seconds.
fn scenario(design: &str, n: u64) -> Scenario {
    let text = format!(
        "name = \"bench\"\nseed = 1\npayer = \"Emma\"\npayee = \"Fabian\"\ncapacity = \"20 BTC\"\n\
         fee_rate = \"1 sat/vB\"\n[[segment]]\nrate = \"1000 sat/s\"\nduration = \"{n} s\"\n"
    );
    let mut s = Scenario::from_toml(Path::new("bench.toml"), &text).expect("the benchmark scenario is valid");
    // A design with a window of commitments (the timelocked refund's) gets one that holds them all.
    let window = u32::try_from(n + 1).unwrap_or(u32::MAX);
    let settings = crate::channel::Settings { refund_after: window, ..crate::channel::Settings::default() };
    s.design = crate::party::design(design, &settings).expect("a registered design");
    s
}

/// Times the engine on one thread over `n` states of `design`, each written as a CSV row into
/// `dir`.
///
/// # Errors
///
/// [`OutputError`] when the CSV cannot be written.
pub fn run(design: &str, n: u64, dir: &Path) -> Result<Duration, OutputError> {
    super::bench::engine_over(&scenario(design, n), n, 1, dir)
}

/// Measures every design: `n` states, the best of `repeat` interleaved repeats of each figure.
///
/// # Errors
///
/// [`OutputError`] when the scratch folder or a CSV cannot be written.
pub fn measure(n: u64, repeat: u32, scratch: &Path) -> Result<Vec<DesignFigures>, OutputError> {
    std::fs::create_dir_all(scratch).map_err(|source| OutputError::Io { path: scratch.to_path_buf(), source })?;
    let per = |d: Duration| d / u32::try_from(n.max(1)).unwrap_or(u32::MAX);
    let mut out = Vec::new();
    for r in DESIGNS {
        let design = (r.make)(&crate::channel::Settings::default());
        let (ops, schnorr) = (design.secp_operations(), design.schnorr_operations());
        let (mut best_raw, mut best_run) = (Duration::MAX, Duration::MAX);
        for _ in 0..repeat.max(1) {
            best_raw = best_raw.min(raw(ops, n) + raw_schnorr(schnorr, n));
            best_run = best_run.min(run(r.name, n, scratch)?);
        }
        out.push(DesignFigures {
            design: r.name,
            operations: ops,
            schnorr,
            raw_per_state: per(best_raw),
            run_per_state: per(best_run),
        });
    }
    Ok(out)
}

/// The figures as `paychan bench --designs` prints them.
pub fn describe(n: u64, figures: &[DesignFigures]) -> String {
    let mut s = format!("paychan bench --designs: {n} states per design, one thread, best of the runs\n");
    for f in figures {
        let o = f.operations;
        let m = f.schnorr;
        let musig = if m == SchnorrOperations::default() {
            String::new()
        } else {
            format!(
                " + MuSig2 {} nonces, {} partial signs, {} partial verifies, {} aggregates + {} BIP-0340 verifies",
                m.nonces, m.partial_signs, m.partial_verifies, m.aggregates, m.verifies
            )
        };
        s += &format!(
            "  {:<11} {} signs + {} verifies + {} point mults + {} generator mults + {} additions{musig}: raw {:>6.1} \
             µs, run {:>6.1} µs/state, ratio {:.3}\n",
            f.design,
            o.signs,
            o.verifies,
            o.point_muls,
            o.generator_muls,
            o.additions,
            f.raw_per_state.as_secs_f64() * 1e6,
            f.run_per_state.as_secs_f64() * 1e6,
            f.ratio()
        );
    }
    s
}
