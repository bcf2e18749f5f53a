//! BOLT #3 Appendix C with HTLCs, reproduced by `paychan::channel::htlc` byte for byte: every
//! commitment vector (the simple one and the fifteen with HTLCs, all without `option_anchors`)
//! and every HTLC-success and HTLC-timeout transaction listed under them, each signature made
//! here with RFC 6979 over the BIP-0143 sighash by the keys the appendix derives. Then every
//! transaction goes through Bitcoin Core's interpreter against the output it spends, and tampered
//! copies are refused by it.

use bitcoin::consensus::encode::serialize;
use bitcoin::ecdsa;
use bitcoin::hashes::{sha256, Hash};
use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};
use bitcoin::{Amount, OutPoint, ScriptBuf, Transaction, TxOut, Txid, Witness};
use paychan::channel::bolt3::{self, ChannelParams, CommitmentState, Funder};
use paychan::channel::htlc::{self, CommitmentWithHtlcs, Htlc, HtlcDirection, HtlcKeys};
use paychan::rules;

const APPENDIX_C: &str = include_str!("data/bolt3-appendix-c-htlcs.txt");

/// The appendix's text: what follows the header's line of dashes.
fn body() -> &'static str {
    let start = APPENDIX_C.find("\n----").expect("a header ending in a line of dashes") + 1;
    let rest = &APPENDIX_C[start..];
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

fn hex(h: &str) -> Vec<u8> {
    assert!(h.len() % 2 == 0, "odd hex {h}");
    (0..h.len()).step_by(2).map(|i| u8::from_str_radix(&h[i..i + 2], 16).expect("hex")).collect()
}

fn hex_string(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn pubkey(v: &str) -> PublicKey {
    PublicKey::from_slice(&hex(v)).unwrap_or_else(|e| panic!("{v}: {e}"))
}

/// A private key as Appendix C shows it: 32 bytes and the trailing 01 of "compressed".
fn privkey(v: &str) -> SecretKey {
    let bytes = hex(v);
    assert_eq!((bytes.len(), bytes[32]), (33, 1), "32 bytes and the compressed marker: {v}");
    SecretKey::from_slice(&bytes[..32]).unwrap_or_else(|e| panic!("{v}: {e}"))
}

fn sig_hex(sig: &ecdsa::Signature) -> String {
    hex_string(&sig.signature.serialize_der())
}

// ---------------------------------------------------------------------------------------------
// The appendix's channel
// ---------------------------------------------------------------------------------------------

/// What the appendix gives before its vectors.
struct Channel {
    params: ChannelParams,
    keys: HtlcKeys,
    htlcs: Vec<(Htlc, [u8; 32])>,
    local_funding: SecretKey,
    remote_funding: SecretKey,
    local_htlc: SecretKey,
    remote_htlc: SecretKey,
}

fn common() -> Vec<(&'static str, &'static str)> {
    let text = body();
    let end = text.find("here are the test vectors themselves").expect("the vectors' introduction");
    text[..end].lines().filter_map(key_value).collect()
}

fn get<'a>(f: &[(&str, &'a str)], key: &str) -> &'a str {
    f.iter().find(|(k, _)| *k == key).map(|(_, v)| *v).unwrap_or_else(|| panic!("{key} in the appendix"))
}

/// The seven HTLCs of the common parameters, with their preimages.
fn htlcs(f: &[(&str, &str)]) -> Vec<(Htlc, [u8; 32])> {
    (0..7)
        .map(|n| {
            let field = |name: &str| get(f, &format!("htlc {n} {name}"));
            let direction = match field("direction") {
                "local->remote" => HtlcDirection::Offered,
                "remote->local" => HtlcDirection::Received,
                other => panic!("htlc {n} direction {other}"),
            };
            let preimage: [u8; 32] = hex(field("payment_preimage")).try_into().expect("32-byte preimage");
            let htlc = Htlc {
                direction,
                amount_msat: field("amount_msat").parse().unwrap(),
                payment_hash: sha256::Hash::hash(&preimage),
                cltv_expiry: field("expiry").parse().unwrap(),
            };
            (htlc, preimage)
        })
        .collect()
}

/// The channel's parameters and keys: the public ones derived from the INTERNAL secrets and
/// checked against the values the appendix lists.
fn channel() -> Channel {
    let secp = Secp256k1::new();
    let f = common();
    let secret = privkey(&format!("{}01", &get(&f, "x_local_per_commitment_secret")[..64]));
    let point = PublicKey::from_secret_key(&secp, &secret);
    assert_eq!(point, pubkey(get(&f, "local_per_commitment_point")));
    let base = |name: &str| PublicKey::from_secret_key(&secp, &privkey(get(&f, name)));
    let local_payment_basepoint = base("local_payment_basepoint_secret");
    let remote_payment_basepoint = base("remote_payment_basepoint_secret");
    assert_eq!(local_payment_basepoint, pubkey(get(&f, "local_payment_basepoint")));
    assert_eq!(remote_payment_basepoint, pubkey(get(&f, "remote_payment_basepoint")));
    let keys = HtlcKeys::derive(
        &secp,
        &point,
        &base("remote_revocation_basepoint_secret"),
        &base("local_delayed_payment_basepoint_secret"),
        &remote_payment_basepoint,
        (&pubkey(get(&f, "local_htlc_basepoint")), &pubkey(get(&f, "remote_htlc_basepoint"))),
    )
    .unwrap();
    assert_eq!(keys.commitment.revocation_pubkey, pubkey(get(&f, "local_revocation_pubkey")));
    assert_eq!(keys.commitment.local_delayed_pubkey, pubkey(get(&f, "local_delayedpubkey")));
    assert_eq!(keys.local_htlc_pubkey, pubkey(get(&f, "local_htlcpubkey")));
    assert_eq!(keys.remote_htlc_pubkey, pubkey(get(&f, "remote_htlcpubkey")));
    // The HTLC basepoints are the payment basepoints, so the HTLC keys' secrets derive from the
    // payment basepoint secrets (the appendix's local_privkey and remote_privkey).
    let derive = |name| bolt3::derive_privkey(&secp, &privkey(get(&f, name)), &point).unwrap();
    let local_htlc = derive("local_payment_basepoint_secret");
    let remote_htlc = derive("remote_payment_basepoint_secret");
    assert_eq!(local_htlc, privkey(get(&f, "local_privkey")));
    assert_eq!(remote_htlc, privkey(get(&f, "remote_privkey")));
    assert_eq!(PublicKey::from_secret_key(&secp, &local_htlc), keys.local_htlc_pubkey);
    assert_eq!(PublicKey::from_secret_key(&secp, &remote_htlc), keys.remote_htlc_pubkey);
    Channel {
        params: params(&f),
        keys,
        htlcs: htlcs(&f),
        local_funding: privkey(get(&f, "local_funding_privkey")),
        remote_funding: privkey(get(&f, "remote_funding_privkey")),
        local_htlc,
        remote_htlc,
    }
}

fn params(f: &[(&str, &str)]) -> ChannelParams {
    let secp = Secp256k1::new();
    let local_funding_pubkey = PublicKey::from_secret_key(&secp, &privkey(get(f, "local_funding_privkey")));
    assert_eq!(local_funding_pubkey, pubkey(get(f, "local_funding_pubkey")));
    let params = ChannelParams {
        funding_outpoint: OutPoint {
            txid: get(f, "funding_tx_id").parse::<Txid>().unwrap(),
            vout: get(f, "funding_output_index").parse().unwrap(),
        },
        funding_amount: Amount::from_sat(get(f, "funding_amount_satoshi").parse().unwrap()),
        local_funding_pubkey,
        remote_funding_pubkey: pubkey(get(f, "remote_funding_pubkey")),
        obscuring_factor: bolt3::obscuring_factor(
            &pubkey(get(f, "local_payment_basepoint")),
            &pubkey(get(f, "remote_payment_basepoint")),
        ),
        to_self_delay: get(f, "local_delay").parse().unwrap(),
        dust_limit: Amount::from_sat(get(f, "local_dust_limit_satoshi").parse().unwrap()),
        funder: Funder::Local,
    };
    assert_eq!(params.obscuring_factor, 0x2bb0_3852_1914, "the appendix's obscuring factor");
    assert_eq!(hex_string(params.funding_script().as_bytes()), get(f, "funding wscript"));
    params
}

// ---------------------------------------------------------------------------------------------
// The vectors
// ---------------------------------------------------------------------------------------------

/// One HTLC transaction listed under a vector.
#[derive(Debug, Default)]
struct HtlcTxVector {
    vout: u32,
    kind: String,
    htlc: usize,
    remote_sig: String,
    local_sig: String,
    tx: String,
}

/// One vector's lines, by what they say.
#[derive(Debug, Default)]
struct Vector {
    name: String,
    fields: Vec<(String, String)>,
    htlc_outputs: Vec<(usize, String, u64, String)>,
    htlc_txs: Vec<HtlcTxVector>,
}

impl Vector {
    fn get(&self, key: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    fn must(&self, key: &str) -> &str {
        self.get(key).unwrap_or_else(|| panic!("{}: {key}", self.name))
    }

    fn number(&self, key: &str) -> u64 {
        self.must(key).parse().unwrap_or_else(|e| panic!("{}: {key}: {e}", self.name))
    }
}

/// `# HTLC #2 offered amount 2000 wscript <hex>` (not `# HTLC #5 and 6 have CLTV ...`).
fn htlc_output_line(line: &str) -> Option<(usize, String, u64, String)> {
    let words: Vec<&str> = line.strip_prefix("# HTLC #")?.split_whitespace().collect();
    match words.as_slice() {
        [n, dir @ ("offered" | "received"), "amount", amount, "wscript", script] => {
            Some((n.parse().ok()?, (*dir).to_owned(), amount.parse().ok()?, (*script).to_owned()))
        }
        _ => None,
    }
}

/// `# signature for output #0 (htlc-success for htlc #0)`.
fn htlc_tx_header(line: &str) -> Option<HtlcTxVector> {
    let rest = line.strip_prefix("# signature for output #")?;
    let (vout, rest) = rest.split_once(" (")?;
    let (kind, rest) = rest.split_once(" for htlc #")?;
    let htlc = rest.strip_suffix(')')?;
    Some(HtlcTxVector {
        vout: vout.parse().ok()?,
        kind: kind.to_owned(),
        htlc: htlc.parse().ok()?,
        ..Default::default()
    })
}

fn one_line(v: &mut Vector, line: &str) {
    if let Some(out) = htlc_output_line(line) {
        v.htlc_outputs.push(out);
    } else if let Some(rest) =
        line.strip_prefix("# to_local amount ").or_else(|| line.strip_prefix("# to_remote amount "))
    {
        let key = if line.starts_with("# to_local") { "to_local amount" } else { "to_remote amount" };
        v.fields.push((key.to_owned(), rest.to_owned()));
    } else if let Some(h) = htlc_tx_header(line) {
        v.htlc_txs.push(h);
    } else if let Some((k, value)) = key_value(line) {
        let value = value.to_owned();
        match (k, v.htlc_txs.last_mut()) {
            ("remote_htlc_signature", Some(h)) => h.remote_sig = value,
            ("local_htlc_signature", Some(h)) => h.local_sig = value,
            (k, Some(h)) if k.starts_with("htlc_success_tx (htlc #") || k.starts_with("htlc_timeout_tx (htlc #") => {
                assert_eq!(k, format!("{}_tx (htlc #{})", h.kind.replace('-', "_"), h.htlc), "{}", v.name);
                h.tx = value;
            }
            _ => v.fields.push((k.to_owned(), value)),
        }
    }
}

/// Every vector of the appendix, in order.
fn vectors() -> Vec<Vector> {
    let text = body();
    let start = text.find("here are the test vectors themselves").expect("the vectors");
    let mut out: Vec<Vector> = Vec::new();
    for line in text[start..].lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(name) = line.strip_prefix("name: ") {
            out.push(Vector { name: name.to_owned(), ..Default::default() });
        } else if let Some(v) = out.last_mut() {
            one_line(v, line);
        }
    }
    out
}

/// The HTLCs a vector commits to: the appendix's prose says HTLCs 5 and 6 are used only in the
/// "same amount and preimage" test (with HTLC 1, the balances say), and the first test has none.
fn htlc_set(name: &str) -> Vec<usize> {
    if name == "simple commitment tx with no HTLCs" {
        vec![]
    } else if name.contains("same amount and preimage") {
        vec![1, 5, 6]
    } else {
        (0..5).collect()
    }
}

/// Bitcoin Core's interpreter on input 0 of `tx` spending `spent`, as `paychan verify` runs it.
fn interpreter(tx: &Transaction, spent: &TxOut) -> Result<(), String> {
    rules::consensus(tx, 0, std::slice::from_ref(spent)).map_err(|e| e.to_string())
}

/// Builds, signs and checks one vector's commitment; returns it for its HTLC transactions.
fn commitment(c: &Channel, v: &Vector, htlcs: &[Htlc]) -> CommitmentWithHtlcs {
    let secp = Secp256k1::new();
    let state = CommitmentState {
        commitment_number: 42,
        to_local_msat: v.number("to_local_msat"),
        to_remote_msat: v.number("to_remote_msat"),
        feerate_per_kw: v.number("local_feerate_per_kw").try_into().unwrap(),
    };
    let built = htlc::build_commitment_with_htlcs(&c.params, &c.keys, &state, htlcs).unwrap();
    let cm = &built.commitment;
    if let Some(fee) = v.get("base commitment transaction fee") {
        assert_eq!(cm.base_fee.to_sat().to_string(), fee, "{}: base fee", v.name);
    }
    if let Some(fee) = v.get("actual commitment transaction fee") {
        assert_eq!(cm.fee.to_sat().to_string(), fee, "{}: actual fee", v.name);
    }
    let msg = bolt3::commitment_sighash(&cm.tx, &c.params).unwrap();
    let local = bolt3::sign(&secp, &msg, &c.local_funding);
    let remote = bolt3::sign(&secp, &msg, &c.remote_funding);
    assert_eq!(sig_hex(&local), v.must("local_signature"), "{}: local signature", v.name);
    assert_eq!(sig_hex(&remote), v.must("remote_signature"), "{}: remote signature", v.name);
    let mut tx = cm.tx.clone();
    tx.input[0].witness = bolt3::funding_witness(&c.params, &local, &remote);
    assert_eq!(hex_string(&serialize(&tx)), v.must("output commit_tx"), "{}: commit_tx", v.name);
    let funding = TxOut { value: c.params.funding_amount, script_pubkey: c.params.funding_script().to_p2wsh() };
    interpreter(&tx, &funding).unwrap_or_else(|e| panic!("{}: the commitment: {e}", v.name));
    CommitmentWithHtlcs { commitment: bolt3::Commitment { tx, ..built.commitment }, htlcs: built.htlcs }
}

/// Checks the outputs the vector's comments describe against the built commitment.
fn described_outputs(v: &Vector, built: &CommitmentWithHtlcs, set: &[usize]) {
    assert_eq!(built.htlcs.len() as u64, v.number("num_htlcs"), "{}: untrimmed HTLCs", v.name);
    assert_eq!(built.htlcs.len(), v.htlc_outputs.len(), "{}: described HTLC outputs", v.name);
    for (n, dir, amount, script) in &v.htlc_outputs {
        let out = built.htlcs.iter().find(|o| set[o.htlc] == *n).unwrap_or_else(|| panic!("{}: HTLC #{n}", v.name));
        assert_eq!(
            (out.amount.to_sat(), hex_string(out.witness_script.as_bytes())),
            (*amount, script.clone()),
            "{}: HTLC #{n} {dir}",
            v.name
        );
    }
    if v.get("to_local amount").is_none() && v.get("to_remote amount").is_none() {
        // The last vector describes only its HTLC outputs; its commit_tx is checked whole.
        return;
    }
    let words = |k: &str| v.get(k).map(|s| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>());
    match (words("to_local amount"), &built.commitment.to_local) {
        (Some(w), Some(out)) => {
            assert_eq!(w[0], out.amount.to_sat().to_string(), "{}: to_local", v.name);
            assert_eq!(w[2], hex_string(out.witness_script.as_bytes()), "{}: to_local script", v.name);
        }
        (None, None) => {}
        (w, out) => panic!("{}: to_local described {w:?}, built {out:?}", v.name),
    }
    let remote = words("to_remote amount").map(|w| w[0].clone());
    let built_remote = built.commitment.to_remote.map(|o| o.amount.to_sat().to_string());
    assert_eq!(remote, built_remote, "{}: to_remote", v.name);
}

/// Builds, signs and checks one HTLC transaction of a vector against the appendix and the
/// interpreter; returns the signed transaction and the output it spends.
fn second_stage(
    c: &Channel,
    v: &Vector,
    built: &CommitmentWithHtlcs,
    txs: &[Transaction],
    h: &HtlcTxVector,
    set: &[usize],
) -> (Transaction, TxOut) {
    let secp = Secp256k1::new();
    let at =
        built.htlcs.iter().position(|o| o.vout == h.vout).unwrap_or_else(|| panic!("{}: output #{}", v.name, h.vout));
    let out = &built.htlcs[at];
    let (htlc, preimage) = &c.htlcs[set[out.htlc]];
    assert_eq!(set[out.htlc], h.htlc, "{}: output #{} is HTLC #{}", v.name, h.vout, h.htlc);
    let expected_kind = match htlc.direction {
        HtlcDirection::Offered => "htlc-timeout",
        HtlcDirection::Received => "htlc-success",
    };
    assert_eq!(h.kind, expected_kind, "{}: output #{}", v.name, h.vout);
    let msg = htlc::htlc_tx_sighash(&txs[at], out).unwrap();
    let local = bolt3::sign(&secp, &msg, &c.local_htlc);
    let remote = bolt3::sign(&secp, &msg, &c.remote_htlc);
    assert_eq!(sig_hex(&remote), h.remote_sig, "{}: {} remote signature", v.name, h.kind);
    assert_eq!(sig_hex(&local), h.local_sig, "{}: {} local signature", v.name, h.kind);
    let mut tx = txs[at].clone();
    tx.input[0].witness = match htlc.direction {
        HtlcDirection::Offered => htlc::htlc_timeout_witness(&remote, &local, &out.witness_script),
        HtlcDirection::Received => htlc::htlc_success_witness(&remote, &local, preimage, &out.witness_script),
    };
    assert_eq!(hex_string(&serialize(&tx)), h.tx, "{}: {} for HTLC #{}", v.name, h.kind, h.htlc);
    let spent = built.commitment.tx.output[out.vout as usize].clone();
    interpreter(&tx, &spent).unwrap_or_else(|e| panic!("{}: {} for HTLC #{}: {e}", v.name, h.kind, h.htlc));
    (tx, spent)
}

#[test]
fn appendix_c_every_commitment_and_htlc_transaction_byte_for_byte() {
    let c = channel();
    let vectors = vectors();
    assert_eq!(vectors.len(), 16, "the simple vector and the fifteen with HTLCs");
    assert_eq!(vectors.iter().filter(|v| v.name.starts_with("commitment tx with")).count(), 15);
    let mut second_stage_txs = 0;
    for v in &vectors {
        let set = htlc_set(&v.name);
        let htlcs: Vec<Htlc> = set.iter().map(|&n| c.htlcs[n].0).collect();
        let built = commitment(&c, v, &htlcs);
        described_outputs(v, &built, &set);
        let feerate = v.number("local_feerate_per_kw").try_into().unwrap();
        let txs = built.htlc_txs(&htlcs, feerate, c.params.to_self_delay, &c.keys).unwrap();
        assert_eq!(txs.len(), v.htlc_txs.len(), "{}: every untrimmed HTLC's transaction is listed", v.name);
        for h in &v.htlc_txs {
            second_stage(&c, v, &built, &txs, h, &set);
            second_stage_txs += 1;
        }
    }
    let listed: u64 = vectors.iter().map(|v| v.number("num_htlcs")).sum();
    assert_eq!((second_stage_txs, listed), (33, 33), "every htlc_success_tx and htlc_timeout_tx of the appendix");
}

// ---------------------------------------------------------------------------------------------
// The interpreter refuses what it should
// ---------------------------------------------------------------------------------------------

/// The first HTLC vector's commitment, its HTLC transactions signed, and the outputs they spend.
fn first_htlc_vector() -> Vec<(Transaction, TxOut, HtlcDirection)> {
    let c = channel();
    let vectors = vectors();
    let v = &vectors[1];
    let set = htlc_set(&v.name);
    let htlcs: Vec<Htlc> = set.iter().map(|&n| c.htlcs[n].0).collect();
    let built = commitment(&c, v, &htlcs);
    let txs = built.htlc_txs(&htlcs, 0, c.params.to_self_delay, &c.keys).unwrap();
    v.htlc_txs
        .iter()
        .map(|h| {
            let (tx, spent) = second_stage(&c, v, &built, &txs, h, &set);
            (tx, spent, c.htlcs[h.htlc].0.direction)
        })
        .collect()
}

fn with_witness_item(tx: &Transaction, index: usize, item: &[u8]) -> Transaction {
    let mut items: Vec<Vec<u8>> = tx.input[0].witness.iter().map(<[u8]>::to_vec).collect();
    items[index] = item.to_vec();
    let mut tx = tx.clone();
    tx.input[0].witness = Witness::from_slice(&items);
    tx
}

#[test]
fn the_interpreter_refuses_a_wrong_preimage_a_changed_signature_and_a_swapped_path() {
    let txs = first_htlc_vector();
    assert_eq!(txs.len(), 5);
    for (tx, spent, direction) in &txs {
        let items: Vec<Vec<u8>> = tx.input[0].witness.iter().map(<[u8]>::to_vec).collect();
        assert_eq!(items.len(), 5, "0, two signatures, preimage or empty, script");
        assert!(items[0].is_empty());
        let mut remote = items[1].clone();
        remote[10] ^= 1;
        assert!(interpreter(&with_witness_item(tx, 1, &remote), spent).is_err(), "a changed remote signature");
        let mut local = items[2].clone();
        local[10] ^= 1;
        assert!(interpreter(&with_witness_item(tx, 2, &local), spent).is_err(), "a changed local signature");
        match direction {
            HtlcDirection::Received => {
                assert_eq!(items[3].len(), 32);
                assert!(interpreter(&with_witness_item(tx, 3, &[0x99; 32]), spent).is_err(), "a wrong preimage");
                assert!(interpreter(&with_witness_item(tx, 3, &[]), spent).is_err(), "no preimage");
            }
            HtlcDirection::Offered => {
                assert!(items[3].is_empty());
                // A 32-byte item takes the remote's preimage branch, which wants one signature.
                assert!(interpreter(&with_witness_item(tx, 3, &[0; 32]), spent).is_err(), "the preimage path");
            }
        }
        let mut other = tx.clone();
        other.output[0].value = other.output[0].value.checked_sub(Amount::from_sat(1)).expect("outputs above 1 sat");
        assert!(interpreter(&other, spent).is_err(), "signatures over another transaction");
    }
}

#[test]
fn an_htlc_transaction_spends_only_its_own_output() {
    let txs = first_htlc_vector();
    let (success, _, _) = txs.iter().find(|(_, _, d)| *d == HtlcDirection::Received).unwrap();
    let (_, timeout_output, _) = txs.iter().find(|(_, _, d)| *d == HtlcDirection::Offered).unwrap();
    assert!(interpreter(success, timeout_output).is_err(), "an HTLC-success against an offered HTLC's output");
    let elsewhere =
        TxOut { value: timeout_output.value, script_pubkey: ScriptBuf::new_p2wsh(&bitcoin::WScriptHash::hash(b"x")) };
    assert!(interpreter(success, &elsewhere).is_err());
}
