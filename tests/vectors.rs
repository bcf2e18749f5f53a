//! Published test vectors, kept as data files under `tests/data/` with their source named:
//! BIP-0067 (sorted 2-of-2), BIP-0143 (native P2WSH sighash), BOLT #3 appendices B and C
//! (funding script and output, and the signatures of the simple commitment).

use bitcoin::consensus::encode::deserialize_hex;
use bitcoin::secp256k1::{ecdsa::Signature, PublicKey, SecretKey};
use bitcoin::sighash::EcdsaSighashType;
use bitcoin::{Amount, ScriptBuf, Transaction};
use paychan::channel;
use paychan::party::Signer;

/// `key = value` lines of one block; `#` comments and blank lines skipped.
fn fields(block: &str) -> Vec<(&str, &str)> {
    block
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains(" = "))
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

fn get<'a>(f: &[(&str, &'a str)], key: &str) -> &'a str {
    f.iter().find(|(k, _)| *k == key).map(|(_, v)| *v).unwrap_or_else(|| panic!("{key} in the vector"))
}

fn hex_bytes(h: &str) -> Vec<u8> {
    (0..h.len()).step_by(2).map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn bip143_native_p2wsh_sighashes_through_our_sighash_path() {
    let data = include_str!("data/bip143-native-p2wsh.txt");
    let blocks: Vec<_> = data.split("\n\n").map(fields).filter(|f| !f.is_empty()).collect();
    assert_eq!(blocks.len(), 2);
    for f in blocks {
        let tx: Transaction = deserialize_hex(get(&f, "unsigned_tx")).unwrap();
        let script = ScriptBuf::from_hex(get(&f, "witness_script")).unwrap();
        let amount = Amount::from_sat(get(&f, "amount_sat").parse().unwrap());
        let ty = EcdsaSighashType::from_standard(get(&f, "sighash_type").parse().unwrap()).unwrap();
        let index: usize = get(&f, "input_index").parse().unwrap();
        let msg = channel::p2wsh_sighash(&tx, index, &script, amount, ty).unwrap();
        assert_eq!(hex_string(msg.as_ref()), get(&f, "sighash"), "{}", get(&f, "name"));
    }
}

fn hex_string(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

const BOLT3: &str = include_str!("data/bolt3-funding-and-simple-commitment.txt");

#[test]
fn bolt3_funding_script_and_output_from_the_published_keys() {
    let f = fields(BOLT3);
    let local: PublicKey = get(&f, "local_funding_pubkey").parse().unwrap();
    let remote: PublicKey = get(&f, "remote_funding_pubkey").parse().unwrap();
    let script = channel::funding_witness_script(&local, &remote);
    assert_eq!(script.to_hex_string(), get(&f, "funding_witness_script"));
    assert_eq!(script, channel::funding_witness_script(&remote, &local), "the order of the keys given does not matter");
    let funding: Transaction = deserialize_hex(get(&f, "funding_tx")).unwrap();
    assert_eq!(funding.compute_txid().to_string(), get(&f, "funding_txid"));
    assert_eq!(funding.output[0].script_pubkey, script.to_p2wsh());
    assert_eq!(funding.output[0].value.to_sat().to_string(), get(&f, "funding_amount_satoshi"));
}

#[test]
fn bolt3_simple_commitment_signatures_are_reproduced_by_our_signer() {
    let f = fields(BOLT3);
    let signed: Transaction = deserialize_hex(get(&f, "commit_tx")).unwrap();
    let mut unsigned = signed.clone();
    unsigned.input[0].witness = bitcoin::Witness::new();
    let script = ScriptBuf::from_hex(get(&f, "funding_witness_script")).unwrap();
    let amount = Amount::from_sat(get(&f, "funding_amount_satoshi").parse().unwrap());
    let msg = channel::p2wsh_sighash(&unsigned, 0, &script, amount, EcdsaSighashType::All).unwrap();
    for (key, sig) in [("local_funding_privkey", "local_signature"), ("remote_funding_privkey", "remote_signature")] {
        let signer = Signer::new(SecretKey::from_slice(&hex_bytes(get(&f, key))).unwrap());
        let expected = get(&f, sig);
        let (ours, digest) = signer.sign_p2wsh_input(&unsigned, 0, &script, amount);
        assert_eq!(digest, msg, "the signer computes the BIP-0143 digest itself");
        assert_eq!(format!("{}01", hex_string(&ours.serialize_der())), expected, "{sig}");
        let published = Signature::from_der(&hex_bytes(&expected[..expected.len() - 2])).unwrap();
        assert!(signer.verify(&msg, &published, &signer.public_key()));
    }
    // And the published transaction passes Bitcoin Core's interpreter.
    paychan::rules::consensus(&signed, 0, &[bitcoin::TxOut { value: amount, script_pubkey: script.to_p2wsh() }])
        .unwrap();
}

/// BIP-0067's vector 1, the only 2-of-2 among its vectors (paychan builds only 2-of-2 scripts).
#[test]
fn bip67_vector_sorts_the_2_of_2() {
    let data = include_str!("data/bip67-2of2.txt");
    let get = |k: &str| {
        data.lines()
            .find_map(|l| l.strip_prefix(k).and_then(|r| r.trim_start().strip_prefix('=')).map(str::trim))
            .unwrap_or_else(|| panic!("{k} in the vector"))
    };
    let key = |h: &str| h.parse::<bitcoin::secp256k1::PublicKey>().unwrap();
    let script = paychan::channel::funding_witness_script(&key(get("key1")), &key(get("key2")));
    assert_eq!(script.to_hex_string(), get("script"));
    let addr = bitcoin::Address::p2sh(&script, bitcoin::Network::Bitcoin).unwrap();
    assert_eq!(addr.to_string(), get("p2sh_address"));
}
