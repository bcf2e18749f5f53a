//! BOLT #3's own test vectors, reproduced by `paychan::channel::bolt3`: Appendix D (per-commitment secret
//! generation and storage), Appendix E (key derivation) and Appendix C ("simple commitment tx with
//! no HTLCs", byte for byte). Then every transaction built here, the commitment and both ways to
//! spend its `to_local` output, goes through Bitcoin Core's interpreter with all its flags.

use bitcoin::consensus::encode::serialize;
use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};
use bitcoin::{Amount, OutPoint, ScriptBuf, Transaction, TxOut, Txid};
use paychan::channel::bolt3::{self, Bolt3Error, ChannelParams, CommitmentKeys, CommitmentState, Funder, SecretStore};

const APPENDIX_C: &str = include_str!("data/bolt3-appendix-c-simple-commitment.txt");
const APPENDIX_D: &str = include_str!("data/bolt3-appendix-d-per-commitment-secrets.txt");
const APPENDIX_E: &str = include_str!("data/bolt3-appendix-e-key-derivation.txt");

/// The appendix's text: what follows the header's line of dashes.
fn body(file: &str) -> &str {
    let start = file.find("\n----").expect("a header ending in a line of dashes") + 1;
    let rest = &file[start..];
    &rest[rest.find('\n').expect("text after the dashes") + 1..]
}

/// A `key: value` or `key = value` line, whichever separator comes first; `INTERNAL: ` and `# `
/// prefixes dropped.
fn key_value(line: &str) -> Option<(&str, &str)> {
    let line = line.trim();
    let line = line.strip_prefix("INTERNAL: ").or_else(|| line.strip_prefix("# ")).unwrap_or(line);
    let at = [": ", " = "].iter().filter_map(|sep| line.find(sep).map(|i| (i, sep.len()))).min()?;
    Some((line[..at.0].trim(), line[at.0 + at.1..].trim()))
}

/// Every `key: value` of the appendix but the vectors' names, in order; a key given twice must
/// have one value.
fn fields(text: &str) -> Vec<(&str, &str)> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for (k, v) in body(text).lines().filter_map(key_value).filter(|(k, _)| *k != "name") {
        match out.iter().find(|(known, _)| *known == k) {
            Some((_, earlier)) => assert_eq!(*earlier, v, "{k} given twice with different values"),
            None => out.push((k, v)),
        }
    }
    out
}

fn get<'a>(f: &[(&str, &'a str)], key: &str) -> &'a str {
    f.iter().find(|(k, _)| *k == key).map(|(_, v)| *v).unwrap_or_else(|| panic!("{key} in the vector"))
}

/// Named vectors: each `name:` line starts one, the `key: value` lines after it belong to it.
fn named(text: &str) -> Vec<(&str, Vec<(&str, &str)>)> {
    let mut out: Vec<(&str, Vec<(&str, &str)>)> = Vec::new();
    for (k, v) in text.lines().filter(|l| !l.trim_start().starts_with('#')).filter_map(key_value) {
        if k == "name" {
            out.push((v, Vec::new()));
        } else if let Some((_, f)) = out.last_mut() {
            f.push((k, v));
        }
    }
    out
}

fn hex(h: &str) -> Vec<u8> {
    let h = h.strip_prefix("0x").unwrap_or(h);
    assert!(h.len() % 2 == 0, "odd hex {h}");
    (0..h.len()).step_by(2).map(|i| u8::from_str_radix(&h[i..i + 2], 16).expect("hex")).collect()
}

fn hex32(h: &str) -> [u8; 32] {
    hex(h).try_into().unwrap_or_else(|_| panic!("32 bytes: {h}"))
}

fn hex_string(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// An index as the appendix writes it: decimal, or hex after `0x`.
fn index(v: &str) -> u64 {
    match v.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).expect("hex index"),
        None => v.parse().expect("decimal index"),
    }
}

fn pubkey(v: &str) -> PublicKey {
    PublicKey::from_slice(&hex(v)).unwrap_or_else(|e| panic!("{v}: {e}"))
}

/// A private key as Appendix C shows it: 32 bytes and the trailing 01 of "compressed", or as
/// Appendix E shows it: 32 bytes after `0x`.
fn privkey(v: &str) -> SecretKey {
    let bytes = hex(v);
    let bytes = match bytes.len() {
        33 => {
            assert_eq!(bytes[32], 1, "the compressed marker of {v}");
            &bytes[..32]
        }
        _ => &bytes[..],
    };
    SecretKey::from_slice(bytes).unwrap_or_else(|e| panic!("{v}: {e}"))
}

/// Bitcoin Core's interpreter, every flag of libbitcoinconsensus including CHECKSEQUENCEVERIFY,
/// on input `index` of `tx` spending `spent` (its only input).
fn interpreter(tx: &Transaction, index: usize, spent: &TxOut) -> Result<(), String> {
    paychan::rules::consensus(tx, index, std::slice::from_ref(spent)).map_err(|e| e.to_string())
}

/// The interpreter with `flags`.
fn interpreter_with(tx: &Transaction, spent: &TxOut, flags: u32) -> Result<(), String> {
    paychan::rules::consensus_with_flags(tx, 0, std::slice::from_ref(spent), flags).map_err(|e| e.to_string())
}

#[test]
fn verify_all_includes_checksequenceverify() {
    let flags = paychan::rules::SCRIPT_FLAGS;
    assert_ne!(flags & bitcoinconsensus::VERIFY_CHECKSEQUENCEVERIFY, 0);
    assert_ne!(flags & bitcoinconsensus::VERIFY_WITNESS, 0);
    assert_ne!(flags & bitcoinconsensus::VERIFY_TAPROOT, 0);
}

// ---------------------------------------------------------------------------------------------
// Appendix D
// ---------------------------------------------------------------------------------------------

fn appendix_d() -> (&'static str, &'static str) {
    let text = body(APPENDIX_D);
    let at = text.find("## Storage Tests").expect("the storage tests");
    (&text[..at], &text[at..])
}

#[test]
fn appendix_d_generation_tests() {
    let vectors = named(appendix_d().0);
    assert_eq!(vectors.len(), 5, "the five generation tests");
    for (name, f) in vectors {
        let secret = bolt3::generate_from_seed(hex32(get(&f, "seed")), index(get(&f, "I")));
        assert_eq!(secret, hex32(get(&f, "output")), "{name}");
    }
}

/// The `(I, secret, output)` steps of one storage test.
fn steps<'a>(f: &[(&str, &'a str)]) -> Vec<(u64, [u8; 32], &'a str)> {
    let chunks = f.chunks(3);
    chunks
        .map(|c| {
            let keys: Vec<&str> = c.iter().map(|(k, _)| *k).collect();
            assert_eq!(keys, ["I", "secret", "output"]);
            (index(c[0].1), hex32(c[1].1), c[2].1)
        })
        .collect()
}

#[test]
fn appendix_d_storage_tests_accept_the_correct_sequence_and_reject_each_incorrect_one() {
    let vectors = named(appendix_d().1);
    let names: Vec<&str> = vectors.iter().map(|(n, _)| *n).collect();
    assert_eq!(names.len(), 9, "the correct sequence and eight incorrect ones: {names:?}");
    let mut rejected = 0;
    for (name, f) in &vectors {
        let steps = steps(f);
        let mut store = SecretStore::new();
        for (i, (index, secret, output)) in steps.iter().enumerate() {
            let result = store.insert_secret(*secret, *index);
            match *output {
                "OK" => assert_eq!(result, Ok(()), "{name}: step {i}"),
                "ERROR" => {
                    assert!(
                        matches!(result, Err(Bolt3Error::SecretMismatch { index: at, .. }) if at == *index),
                        "{name}: step {i} gives {result:?}"
                    );
                    assert_eq!(i, steps.len() - 1, "{name}: ERROR ends the test");
                    rejected += 1;
                }
                other => panic!("{name}: output {other}"),
            }
        }
    }
    assert_eq!(rejected, 8);
}

#[test]
fn appendix_d_correct_sequence_is_the_ff_seed_and_every_old_secret_derives() {
    let vectors = named(appendix_d().1);
    let (name, f) = &vectors[0];
    assert_eq!(*name, "insert_secret correct sequence");
    let mut store = SecretStore::new();
    let steps = steps(f);
    for (index, secret, _) in &steps {
        assert_eq!(*secret, bolt3::generate_from_seed([0xff; 32], *index), "the seed of 0xFF...FF at {index}");
        store.insert_secret(*secret, *index).unwrap();
    }
    for (index, secret, _) in &steps {
        assert_eq!(store.derive_old_secret(*index), Ok(*secret), "index {index}");
    }
    let lowest = steps.last().unwrap().0;
    assert_eq!(store.derive_old_secret(lowest - 1), Err(Bolt3Error::NotReceived { index: lowest - 1 }));
}

// ---------------------------------------------------------------------------------------------
// Appendix E
// ---------------------------------------------------------------------------------------------

#[test]
fn appendix_e_key_derivation() {
    let secp = Secp256k1::new();
    let f = fields(APPENDIX_E);
    let base_secret = privkey(get(&f, "base_secret"));
    let per_commitment_secret = hex32(get(&f, "per_commitment_secret"));
    let base_point = pubkey(get(&f, "base_point"));
    let point = pubkey(get(&f, "per_commitment_point"));
    assert_eq!(PublicKey::from_secret_key(&secp, &base_secret), base_point);
    assert_eq!(bolt3::per_commitment_point(&secp, &per_commitment_secret).unwrap(), point);

    let localpubkey = bolt3::derive_pubkey(&secp, &base_point, &point).unwrap();
    assert_eq!(localpubkey, pubkey(get(&f, "localpubkey")));
    let localprivkey = bolt3::derive_privkey(&secp, &base_secret, &point).unwrap();
    assert_eq!(localprivkey, privkey(get(&f, "localprivkey")));
    assert_eq!(PublicKey::from_secret_key(&secp, &localprivkey), localpubkey);

    let revocationpubkey = bolt3::derive_revocation_pubkey(&secp, &base_point, &point).unwrap();
    assert_eq!(revocationpubkey, pubkey(get(&f, "revocationpubkey")));
    let revocationprivkey = bolt3::derive_revocation_privkey(&secp, &base_secret, &per_commitment_secret).unwrap();
    assert_eq!(revocationprivkey, privkey(get(&f, "revocationprivkey")));
    assert_eq!(PublicKey::from_secret_key(&secp, &revocationprivkey), revocationpubkey);
}

// ---------------------------------------------------------------------------------------------
// Appendix C
// ---------------------------------------------------------------------------------------------

/// Appendix C's channel, its per-commitment values and secrets, all from the file.
struct AppendixC {
    f: Vec<(&'static str, &'static str)>,
    params: ChannelParams,
    keys: CommitmentKeys,
    state: CommitmentState,
    per_commitment_secret: [u8; 32],
    local_funding: SecretKey,
    remote_funding: SecretKey,
    remote_revocation_basepoint_secret: SecretKey,
    local_delayed_payment_basepoint_secret: SecretKey,
}

fn appendix_c() -> AppendixC {
    let secp = Secp256k1::new();
    let f = fields(APPENDIX_C);
    let msat = |k| get(&f, k).parse::<u64>().unwrap();
    let per_commitment_secret = hex32(&get(&f, "x_local_per_commitment_secret")[..64]);
    let point = bolt3::per_commitment_point(&secp, &per_commitment_secret).unwrap();
    let params = ChannelParams {
        funding_outpoint: OutPoint {
            txid: get(&f, "funding_tx_id").parse::<Txid>().unwrap(),
            vout: get(&f, "funding_output_index").parse().unwrap(),
        },
        funding_amount: Amount::from_sat(msat("funding_amount_satoshi")),
        local_funding_pubkey: pubkey(get(&f, "local_funding_pubkey")),
        remote_funding_pubkey: pubkey(get(&f, "remote_funding_pubkey")),
        obscuring_factor: bolt3::obscuring_factor(
            &pubkey(get(&f, "local_payment_basepoint")),
            &pubkey(get(&f, "remote_payment_basepoint")),
        ),
        to_self_delay: get(&f, "local_delay").parse().unwrap(),
        dust_limit: Amount::from_sat(msat("local_dust_limit_satoshi")),
        funder: Funder::Local,
    };
    let keys = CommitmentKeys::derive(
        &secp,
        &point,
        &pubkey(get(&f, "remote_revocation_basepoint")),
        &pubkey(get(&f, "local_delayed_payment_basepoint")),
        &pubkey(get(&f, "remote_payment_basepoint")),
    )
    .unwrap();
    let state = CommitmentState {
        commitment_number: msat("commitment_number"),
        to_local_msat: msat("to_local_msat"),
        to_remote_msat: msat("to_remote_msat"),
        feerate_per_kw: get(&f, "local_feerate_per_kw").parse().unwrap(),
    };
    AppendixC {
        params,
        keys,
        state,
        per_commitment_secret,
        local_funding: privkey(get(&f, "local_funding_privkey")),
        remote_funding: privkey(get(&f, "remote_funding_privkey")),
        remote_revocation_basepoint_secret: privkey(get(&f, "remote_revocation_basepoint_secret")),
        local_delayed_payment_basepoint_secret: privkey(get(&f, "local_delayed_payment_basepoint_secret")),
        f,
    }
}

/// The appendix's `# to_local amount N wscript HEX` and `# to_remote amount N P2WPKH(KEY)` lines.
fn commented_output(which: &str) -> (u64, &'static str) {
    let prefix = format!("# {which} amount ");
    let line = body(APPENDIX_C).lines().map(str::trim).find_map(|l| l.strip_prefix(prefix.as_str())).unwrap();
    let (amount, rest) = line.split_once(' ').unwrap();
    (amount.parse().unwrap(), rest)
}

#[test]
fn appendix_c_keys_derive_from_the_internal_secrets() {
    let secp = Secp256k1::new();
    let c = appendix_c();
    let f = &c.f;
    let point = pubkey(get(f, "local_per_commitment_point"));
    assert_eq!(bolt3::per_commitment_point(&secp, &c.per_commitment_secret).unwrap(), point);
    let public = |k: &SecretKey| PublicKey::from_secret_key(&secp, k);
    assert_eq!(public(&c.local_funding), c.params.local_funding_pubkey);
    assert_eq!(public(&c.remote_funding), c.params.remote_funding_pubkey);
    assert_eq!(public(&c.remote_revocation_basepoint_secret), pubkey(get(f, "remote_revocation_basepoint")));
    assert_eq!(public(&c.local_delayed_payment_basepoint_secret), pubkey(get(f, "local_delayed_payment_basepoint")));
    let local_payment_secret = privkey(get(f, "local_payment_basepoint_secret"));
    let remote_payment_secret = privkey(get(f, "remote_payment_basepoint_secret"));
    assert_eq!(public(&local_payment_secret), pubkey(get(f, "local_payment_basepoint")));
    assert_eq!(public(&remote_payment_secret), pubkey(get(f, "remote_payment_basepoint")));

    assert_eq!(c.keys.revocation_pubkey, pubkey(get(f, "local_revocation_pubkey")));
    assert_eq!(c.keys.local_delayed_pubkey, pubkey(get(f, "local_delayedpubkey")));
    let delayed = bolt3::derive_privkey(&secp, &c.local_delayed_payment_basepoint_secret, &point).unwrap();
    assert_eq!(delayed, privkey(get(f, "local_delayed_privkey")));
    // The HTLC keys (the HTLC basepoints equal the payment basepoints here) use the same formula.
    let local_htlc = bolt3::derive_pubkey(&secp, &pubkey(get(f, "local_htlc_basepoint")), &point).unwrap();
    assert_eq!(local_htlc, pubkey(get(f, "local_htlcpubkey")));
    assert_eq!(bolt3::derive_privkey(&secp, &local_payment_secret, &point).unwrap(), privkey(get(f, "local_privkey")));
    let remote_htlc = bolt3::derive_pubkey(&secp, &pubkey(get(f, "remote_htlc_basepoint")), &point).unwrap();
    assert_eq!(remote_htlc, pubkey(get(f, "remote_htlcpubkey")));
    assert_eq!(
        bolt3::derive_privkey(&secp, &remote_payment_secret, &point).unwrap(),
        privkey(get(f, "remote_privkey"))
    );
}

#[test]
fn appendix_c_obscuring_factor_and_scripts() {
    let c = appendix_c();
    let f = &c.f;
    let (factor, number) = get(f, "obscured commitment number").split_once(" ^ ").unwrap();
    assert_eq!(c.params.obscuring_factor, index(factor));
    assert_eq!(c.state.commitment_number.to_string(), number);
    assert_eq!(c.params.funding_script().to_hex_string(), get(f, "funding wscript"));
    let (to_local, wscript) = commented_output("to_local");
    let script =
        bolt3::to_local_script(&c.keys.revocation_pubkey, c.params.to_self_delay, &c.keys.local_delayed_pubkey);
    assert_eq!(format!("wscript {}", script.to_hex_string()), wscript);
    let (to_remote, p2wpkh) = commented_output("to_remote");
    assert_eq!(p2wpkh, format!("P2WPKH({})", get(f, "remote_payment_basepoint")));
    let commitment = bolt3::build_commitment(&c.params, &c.keys, &c.state).unwrap();
    assert_eq!(commitment.to_local.unwrap().amount.to_sat(), to_local);
    assert_eq!(commitment.to_remote.unwrap().amount.to_sat(), to_remote);
    assert_eq!(commitment.base_fee.to_sat().to_string(), get(f, "base commitment transaction fee"));
    assert_eq!(commitment.fee.to_sat().to_string(), get(f, "actual commitment transaction fee"));
}

/// The appendix's commitment, built and signed by both funding keys.
fn signed_commitment(c: &AppendixC) -> (bolt3::Commitment, [bitcoin::ecdsa::Signature; 2]) {
    let secp = Secp256k1::new();
    let mut commitment = bolt3::build_commitment(&c.params, &c.keys, &c.state).unwrap();
    let msg = bolt3::commitment_sighash(&commitment.tx, &c.params).unwrap();
    let local = bolt3::sign(&secp, &msg, &c.local_funding);
    let remote = bolt3::sign(&secp, &msg, &c.remote_funding);
    commitment.tx.input[0].witness = bolt3::funding_witness(&c.params, &local, &remote);
    (commitment, [local, remote])
}

fn funding_output(c: &AppendixC) -> TxOut {
    TxOut { value: c.params.funding_amount, script_pubkey: c.params.funding_script().to_p2wsh() }
}

#[test]
fn appendix_c_simple_commitment_is_reproduced_byte_for_byte() {
    let c = appendix_c();
    let (commitment, [local, remote]) = signed_commitment(&c);
    assert_eq!(hex_string(&local.signature.serialize_der()), get(&c.f, "local_signature"));
    assert_eq!(hex_string(&remote.signature.serialize_der()), get(&c.f, "remote_signature"));
    assert_eq!(hex_string(&serialize(&commitment.tx)), get(&c.f, "output commit_tx"));
    interpreter(&commitment.tx, 0, &funding_output(&c)).unwrap();
    assert_eq!(bolt3::commitment_number_of(&commitment.tx, c.params.obscuring_factor), Some(42));
}

// ---------------------------------------------------------------------------------------------
// Spending to_local, through the interpreter
// ---------------------------------------------------------------------------------------------

fn sweep_destination() -> ScriptBuf {
    bolt3::to_remote_script_pubkey(&PublicKey::from_secret_key(
        &Secp256k1::new(),
        &SecretKey::from_slice(&[0x55; 32]).unwrap(),
    ))
}

/// The appendix's `to_local` output: where it is, what it holds, its script.
fn to_local(c: &AppendixC) -> (OutPoint, TxOut, ScriptBuf) {
    let (commitment, _) = signed_commitment(c);
    let out = commitment.to_local.unwrap();
    let outpoint = OutPoint { txid: commitment.tx.compute_txid(), vout: out.vout };
    (outpoint, commitment.tx.output[out.vout as usize].clone(), out.witness_script)
}

/// The delayed sweep, with `sequence_blocks` in its input and `version`, signed by the
/// appendix's `local_delayed_privkey` (derived here from its basepoint secret).
fn delayed_sweep(c: &AppendixC, sequence_blocks: u16, version: i32) -> (Transaction, TxOut) {
    let secp = Secp256k1::new();
    let (outpoint, spent, script) = to_local(c);
    let fee = Amount::from_sat(500);
    let mut tx = bolt3::delayed_sweep_tx(outpoint, spent.value, sequence_blocks, sweep_destination(), fee).unwrap();
    tx.version = bitcoin::transaction::Version(version);
    let point = bolt3::per_commitment_point(&secp, &c.per_commitment_secret).unwrap();
    let key = bolt3::derive_privkey(&secp, &c.local_delayed_payment_basepoint_secret, &point).unwrap();
    let msg = bolt3::p2wsh_sighash(&tx, 0, &script, spent.value).unwrap();
    tx.input[0].witness = bolt3::delayed_sweep_witness(&bolt3::sign(&secp, &msg, &key), &script);
    (tx, spent)
}

#[test]
fn the_delayed_sweep_passes_after_to_self_delay_and_fails_one_block_earlier() {
    let c = appendix_c();
    let (tx, spent) = delayed_sweep(&c, c.params.to_self_delay, 2);
    assert_eq!(tx.input[0].sequence.0, 144);
    assert_eq!(tx.output[0].value, spent.value - Amount::from_sat(500));
    interpreter(&tx, 0, &spent).unwrap();

    let (early, spent) = delayed_sweep(&c, c.params.to_self_delay - 1, 2);
    assert!(interpreter(&early, 0, &spent).is_err(), "sequence 143 must fail OP_CHECKSEQUENCEVERIFY");
    // The interpreter only says ERR_SCRIPT; without the CHECKSEQUENCEVERIFY flag the same
    // transaction passes, so that flag is what refuses it.
    let without_csv = paychan::rules::SCRIPT_FLAGS & !bitcoinconsensus::VERIFY_CHECKSEQUENCEVERIFY;
    interpreter_with(&early, &spent, without_csv).unwrap();
    // BIP-0112 needs version 2 as well.
    let (v1, spent) = delayed_sweep(&c, c.params.to_self_delay, 1);
    assert!(interpreter(&v1, 0, &spent).is_err(), "a version-1 sweep must fail OP_CHECKSEQUENCEVERIFY");
    interpreter_with(&v1, &spent, without_csv).unwrap();
}

#[test]
fn the_penalty_passes_at_once_with_the_revocation_key_and_only_with_it() {
    let secp = Secp256k1::new();
    let c = appendix_c();
    let (outpoint, spent, script) = to_local(&c);
    let mut tx = bolt3::penalty_tx(outpoint, spent.value, sweep_destination(), Amount::from_sat(500)).unwrap();
    let msg = bolt3::p2wsh_sighash(&tx, 0, &script, spent.value).unwrap();
    // The remote party learns the per-commitment secret when the commitment is revoked.
    let revocation =
        bolt3::derive_revocation_privkey(&secp, &c.remote_revocation_basepoint_secret, &c.per_commitment_secret)
            .unwrap();
    assert_eq!(PublicKey::from_secret_key(&secp, &revocation), c.keys.revocation_pubkey);
    tx.input[0].witness = bolt3::penalty_witness(&bolt3::sign(&secp, &msg, &revocation), &script);
    interpreter(&tx, 0, &spent).unwrap();

    // The holder's own delayed key cannot take the revocation branch.
    let point = bolt3::per_commitment_point(&secp, &c.per_commitment_secret).unwrap();
    let delayed = bolt3::derive_privkey(&secp, &c.local_delayed_payment_basepoint_secret, &point).unwrap();
    tx.input[0].witness = bolt3::penalty_witness(&bolt3::sign(&secp, &msg, &delayed), &script);
    assert!(interpreter(&tx, 0, &spent).is_err());
}

#[test]
fn a_fee_that_eats_the_output_is_refused() {
    let e = bolt3::penalty_tx(OutPoint::null(), Amount::from_sat(500), ScriptBuf::new(), Amount::from_sat(500));
    assert_eq!(e.unwrap_err().to_string(), "a fee of 500 sat leaves nothing of 500 sat");
}

// ---------------------------------------------------------------------------------------------
// The pieces together: a revoked state found and punished
// ---------------------------------------------------------------------------------------------

/// The holder (Appendix C's *local*) reveals the secrets of commitments 0 to 42 as it moves on;
/// the other party keeps them in its store. When commitment 17 is broadcast, the other party
/// reads its number from the transaction, derives its secret from the store, and takes the
/// `to_local` output with the revocation key, through the interpreter.
#[test]
fn a_revoked_commitment_is_recognised_and_punished_from_the_store() {
    let secp = Secp256k1::new();
    let c = appendix_c();
    let seed = [0x42; 32];
    let mut store = SecretStore::new();
    for n in 0..=42 {
        let index = bolt3::secret_index(n).unwrap();
        store.insert_secret(bolt3::generate_from_seed(seed, index), index).unwrap();
    }
    // Commitment 17, as the holder built and signed it back then.
    let revoked_number = 17;
    let secret = bolt3::generate_from_seed(seed, bolt3::secret_index(revoked_number).unwrap());
    let point = bolt3::per_commitment_point(&secp, &secret).unwrap();
    let keys = CommitmentKeys::derive(
        &secp,
        &point,
        &pubkey(get(&c.f, "remote_revocation_basepoint")),
        &pubkey(get(&c.f, "local_delayed_payment_basepoint")),
        &pubkey(get(&c.f, "remote_payment_basepoint")),
    )
    .unwrap();
    let state = CommitmentState { commitment_number: revoked_number, ..c.state };
    let mut commitment = bolt3::build_commitment(&c.params, &keys, &state).unwrap();
    let msg = bolt3::commitment_sighash(&commitment.tx, &c.params).unwrap();
    let (local, remote) = (bolt3::sign(&secp, &msg, &c.local_funding), bolt3::sign(&secp, &msg, &c.remote_funding));
    commitment.tx.input[0].witness = bolt3::funding_witness(&c.params, &local, &remote);
    interpreter(&commitment.tx, 0, &funding_output(&c)).unwrap();

    // The other party, from the broadcast transaction and its store alone.
    let broadcast = &commitment.tx;
    let number = bolt3::commitment_number_of(broadcast, c.params.obscuring_factor).unwrap();
    assert_eq!(number, revoked_number);
    let revealed = store.derive_old_secret(bolt3::secret_index(number).unwrap()).unwrap();
    assert_eq!(revealed, secret);
    let revealed_point = bolt3::per_commitment_point(&secp, &revealed).unwrap();
    let revocation_pubkey =
        bolt3::derive_revocation_pubkey(&secp, &pubkey(get(&c.f, "remote_revocation_basepoint")), &revealed_point)
            .unwrap();
    let delayed_pubkey =
        bolt3::derive_pubkey(&secp, &pubkey(get(&c.f, "local_delayed_payment_basepoint")), &revealed_point).unwrap();
    let script = bolt3::to_local_script(&revocation_pubkey, c.params.to_self_delay, &delayed_pubkey);
    let vout = broadcast.output.iter().position(|o| o.script_pubkey == script.to_p2wsh()).unwrap();
    let spent = broadcast.output[vout].clone();
    let outpoint = OutPoint { txid: broadcast.compute_txid(), vout: vout as u32 };
    let mut penalty = bolt3::penalty_tx(outpoint, spent.value, sweep_destination(), Amount::from_sat(500)).unwrap();
    let revocation = bolt3::derive_revocation_privkey(&secp, &c.remote_revocation_basepoint_secret, &revealed).unwrap();
    let msg = bolt3::p2wsh_sighash(&penalty, 0, &script, spent.value).unwrap();
    penalty.input[0].witness = bolt3::penalty_witness(&bolt3::sign(&secp, &msg, &revocation), &script);
    interpreter(&penalty, 0, &spent).unwrap();

    // The current commitment (42) has not been revoked: its secret is not derivable.
    assert_eq!(store.lowest_index(), Some(bolt3::secret_index(42).unwrap()));
    let unrevealed = bolt3::secret_index(43).unwrap();
    assert_eq!(store.derive_old_secret(unrevealed), Err(Bolt3Error::NotReceived { index: unrevealed }));
}

/// The other party's commitment swaps *local* and *remote*: its holder's funding key is the
/// greater one, and the witness must still put the signatures in the keys' BIP-0067 order.
#[test]
fn the_funding_witness_orders_signatures_by_key_whichever_side_holds_the_commitment() {
    let secp = Secp256k1::new();
    let c = appendix_c();
    let params = ChannelParams {
        local_funding_pubkey: c.params.remote_funding_pubkey,
        remote_funding_pubkey: c.params.local_funding_pubkey,
        funder: Funder::Remote,
        ..c.params.clone()
    };
    assert_eq!(params.funding_script(), c.params.funding_script());
    let state =
        CommitmentState { to_local_msat: c.state.to_remote_msat, to_remote_msat: c.state.to_local_msat, ..c.state };
    let mut commitment = bolt3::build_commitment(&params, &c.keys, &state).unwrap();
    assert_eq!(commitment.to_remote.unwrap().amount, Amount::from_sat(7_000_000 - 10_860), "the remote funder pays");
    let msg = bolt3::commitment_sighash(&commitment.tx, &params).unwrap();
    let holder = bolt3::sign(&secp, &msg, &c.remote_funding);
    let other = bolt3::sign(&secp, &msg, &c.local_funding);
    commitment.tx.input[0].witness = bolt3::funding_witness(&params, &holder, &other);
    interpreter(&commitment.tx, 0, &funding_output(&c)).unwrap();
    commitment.tx.input[0].witness = bolt3::funding_witness(&params, &other, &holder);
    assert!(interpreter(&commitment.tx, 0, &funding_output(&c)).is_err(), "signatures swapped must fail");
}

/// Appendix C's channel as paychan's revocable design sees it: the payer is BOLT #3's *local*
/// (the opener, who pays the fee), the payee *remote*; each party's payment basepoint is its
/// payout key.
fn appendix_c_as_a_channel(c: &AppendixC) -> (paychan::channel::ChannelParams, paychan::channel::Split) {
    use paychan::channel::revocable::{Basepoints, ChannelBasepoints};
    let f = &c.f;
    let settings = paychan::channel::Settings {
        to_self_delay: u32::from(c.params.to_self_delay),
        ..paychan::channel::Settings::default()
    };
    let design: paychan::channel::DesignRef = paychan::channel::revocable::make(&settings).into();
    let local_payment = pubkey(get(f, "local_payment_basepoint"));
    let remote_payment = pubkey(get(f, "remote_payment_basepoint"));
    let params = paychan::channel::ChannelParams {
        witness_script: design.funding_script(&c.params.local_funding_pubkey, &c.params.remote_funding_pubkey),
        design,
        funding_outpoint: c.params.funding_outpoint,
        funding_amount: c.params.funding_amount,
        payer_funding_key: c.params.local_funding_pubkey,
        payee_funding_key: c.params.remote_funding_pubkey,
        payer_payout: bolt3::to_remote_script_pubkey(&local_payment),
        payee_payout: bolt3::to_remote_script_pubkey(&remote_payment),
        fee_rate: bitcoin::FeeRate::from_sat_per_kwu(u64::from(c.state.feerate_per_kw)),
        extra: paychan::channel::part::Extra::of(ChannelBasepoints {
            payer: Basepoints {
                payment: local_payment,
                delayed_payment: pubkey(get(f, "local_delayed_payment_basepoint")),
                // The local revocation basepoint only enters the remote party's versions.
                revocation: pubkey(get(f, "remote_revocation_basepoint")),
            },
            payee: Basepoints {
                payment: remote_payment,
                delayed_payment: pubkey(get(f, "local_delayed_payment_basepoint")),
                revocation: pubkey(get(f, "remote_revocation_basepoint")),
            },
        }),
    };
    let paid = bitcoin::Amount::from_sat(c.state.to_remote_msat / 1000);
    let split = params.split(paid).unwrap();
    (params, split)
}

#[test]
fn appendix_c_is_reproduced_by_the_revocable_designs_own_builder() {
    // The builder the simulation calls for every version (paychan::channel::revocable), not only
    // the BOLT #3 module underneath it: same bytes, same signatures, same lock time and sequence
    // as the design's `lock`.
    let c = appendix_c();
    let (params, split) = appendix_c_as_a_channel(&c);
    let design = paychan::channel::revocable::Revocable::new(&params.design.settings().unwrap());
    let point = bolt3::per_commitment_point(&Secp256k1::new(), &c.per_commitment_secret).unwrap();
    let seq = c.state.commitment_number;
    let version = design.version(&params, paychan::onchain::Who::Payer, seq, &split, &point).unwrap();
    let msg = params.funding_sighash(&version.tx);
    let secp = Secp256k1::new();
    let (payer_sig, payee_sig) = (secp.sign_ecdsa(&msg, &c.local_funding), secp.sign_ecdsa(&msg, &c.remote_funding));
    assert_eq!(hex_string(&payer_sig.serialize_der()), get(&c.f, "local_signature"));
    assert_eq!(hex_string(&payee_sig.serialize_der()), get(&c.f, "remote_signature"));
    let signed = params.with_signatures(version.tx.clone(), &payer_sig, &payee_sig);
    assert_eq!(hex_string(&serialize(&signed)), get(&c.f, "output commit_tx"));
    assert_eq!(params.design.lock(&params, Some(seq)), (signed.lock_time, signed.input[0].sequence));
    assert_eq!(design.commitment_number(&params, &signed), Some(42));
    assert_eq!(split.fee.to_sat().to_string(), get(&c.f, "actual commitment transaction fee"));
    interpreter(&signed, 0, &funding_output(&c)).unwrap();
}
