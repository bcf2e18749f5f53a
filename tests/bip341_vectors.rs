//! BIP-0341 wallet test vectors: the output keys and scripts of script trees, the key-path
//! sighashes (rust-bitcoin's `SighashCache`, which the taproot design signs with), the tweaked
//! keys and BIP-0340 signatures, and the fully signed transaction through Bitcoin Core's
//! interpreter with the Taproot flags and every input's spent output ([`paychan::rules`]).
//!
//! Source: `bip-0341/wallet-test-vectors.json` of the bitcoin/bips repository (commit
//! 7fe0b034ec967b52a5a28276419117326df93263), copied unchanged into `tests/data/`.

use bitcoin::consensus::encode::deserialize_hex;
use bitcoin::hashes::Hash as _;
use bitcoin::hex::{DisplayHex, FromHex};
use bitcoin::key::{Keypair, TapTweak, UntweakedPublicKey};
use bitcoin::secp256k1::{Message, Secp256k1, SecretKey};
use bitcoin::sighash::{Prevouts, SighashCache};
use bitcoin::taproot::{LeafVersion, TapNodeHash, TaprootBuilder};
use bitcoin::{Amount, Network, ScriptBuf, TapSighashType, Transaction, TxOut};
use serde_json::Value;

fn vectors() -> Value {
    serde_json::from_str(include_str!("data/bip341-wallet-test-vectors.json")).expect("the BIP-0341 vectors are JSON")
}

fn hex(v: &Value) -> String {
    v.as_str().expect("a hex string").to_string()
}

fn bytes(v: &Value) -> Vec<u8> {
    Vec::<u8>::from_hex(v.as_str().expect("a hex string")).expect("valid hex")
}

/// Adds `tree`'s leaves to `builder` depth first, as BIP-0341's vectors nest them.
fn add_leaves(
    builder: TaprootBuilder,
    tree: &Value,
    depth: u8,
    leaves: &mut Vec<(u64, ScriptBuf, LeafVersion)>,
) -> TaprootBuilder {
    match tree {
        Value::Array(branches) => branches.iter().fold(builder, |b, branch| add_leaves(b, branch, depth + 1, leaves)),
        leaf => {
            let script = ScriptBuf::from_bytes(bytes(&leaf["script"]));
            let version = LeafVersion::from_consensus(leaf["leafVersion"].as_u64().unwrap() as u8).unwrap();
            leaves.push((leaf["id"].as_u64().unwrap(), script.clone(), version));
            builder.add_leaf_with_ver(depth, script, version).unwrap()
        }
    }
}

#[test]
fn script_trees_give_the_expected_output_keys_scripts_and_control_blocks() {
    let secp = Secp256k1::verification_only();
    let v = vectors();
    let cases = v["scriptPubKey"].as_array().unwrap();
    assert_eq!(cases.len(), 7);
    for case in cases {
        let internal = UntweakedPublicKey::from_slice(&bytes(&case["given"]["internalPubkey"])).unwrap();
        let tree = &case["given"]["scriptTree"];
        let mut leaves = Vec::new();
        let (output_key, merkle_root, info) = if tree.is_null() {
            let (key, _) = internal.tap_tweak(&secp, None);
            (key, None, None)
        } else {
            // A lone leaf sits at depth 0, an array's branches one level down.
            let builder = add_leaves(TaprootBuilder::new(), tree, 0, &mut leaves);
            let info = builder.finalize(&secp, internal).unwrap();
            (info.output_key(), info.merkle_root(), Some(info))
        };
        let inter = &case["intermediary"];
        assert_eq!(
            merkle_root.map(|r: TapNodeHash| r.to_string()),
            inter["merkleRoot"].as_str().map(str::to_string),
            "{case}"
        );
        assert_eq!(
            output_key.to_x_only_public_key().serialize().to_lower_hex_string(),
            hex(&inter["tweakedPubkey"]),
            "{case}"
        );
        let spk = ScriptBuf::new_p2tr_tweaked(output_key);
        assert_eq!(spk.to_hex_string(), hex(&case["expected"]["scriptPubKey"]));
        let address = bitcoin::Address::p2tr_tweaked(output_key, Network::Bitcoin);
        assert_eq!(address.to_string(), hex(&case["expected"]["bip350Address"]));
        if let Some(info) = info {
            leaves.sort_by_key(|(id, _, _)| *id);
            let blocks: Vec<String> = leaves
                .iter()
                .map(|(_, s, ver)| info.control_block(&(s.clone(), *ver)).unwrap().serialize().to_lower_hex_string())
                .collect();
            let expected: Vec<String> =
                case["expected"]["scriptPathControlBlocks"].as_array().unwrap().iter().map(hex).collect();
            assert_eq!(blocks, expected, "{case}");
        }
    }
}

#[test]
fn key_path_sighashes_tweaks_and_signatures_are_the_expected_ones() {
    let secp = Secp256k1::new();
    let v = vectors();
    let case = &v["keyPathSpending"][0];
    let tx: Transaction = deserialize_hex(&hex(&case["given"]["rawUnsignedTx"])).unwrap();
    let spent: Vec<TxOut> = case["given"]["utxosSpent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| TxOut {
            value: Amount::from_sat(u["amountSats"].as_u64().unwrap()),
            script_pubkey: ScriptBuf::from_bytes(bytes(&u["scriptPubKey"])),
        })
        .collect();
    let mut cache = SighashCache::new(&tx);
    let inputs = case["inputSpending"].as_array().unwrap();
    assert_eq!(inputs.len(), 7);
    for input in inputs {
        let given = &input["given"];
        let index = given["txinIndex"].as_u64().unwrap() as usize;
        let hash_type = TapSighashType::from_consensus_u8(given["hashType"].as_u64().unwrap() as u8).unwrap();
        let sighash = cache.taproot_key_spend_signature_hash(index, &Prevouts::All(&spent), hash_type).unwrap();
        assert_eq!(sighash.to_string(), hex(&input["intermediary"]["sigHash"]), "input {index}");
        let keypair =
            Keypair::from_secret_key(&secp, &SecretKey::from_slice(&bytes(&given["internalPrivkey"])).unwrap());
        assert_eq!(
            keypair.x_only_public_key().0.serialize().to_lower_hex_string(),
            hex(&input["intermediary"]["internalPubkey"])
        );
        let merkle_root = (!given["merkleRoot"].is_null())
            .then(|| TapNodeHash::from_byte_array(bytes(&given["merkleRoot"]).try_into().unwrap()));
        let tweaked = keypair.tap_tweak(&secp, merkle_root).to_keypair();
        assert_eq!(tweaked.secret_bytes().to_lower_hex_string(), hex(&input["intermediary"]["tweakedPrivkey"]));
        let sig = secp.sign_schnorr_no_aux_rand(&Message::from_digest(sighash.to_byte_array()), &tweaked);
        let signature = bitcoin::taproot::Signature { signature: sig, sighash_type: hash_type };
        assert_eq!(signature.to_vec().to_lower_hex_string(), hex(&input["expected"]["witness"][0]), "input {index}");
    }
}

#[test]
fn the_fully_signed_transaction_passes_the_interpreter_and_a_changed_amount_fails() {
    let v = vectors();
    let case = &v["keyPathSpending"][0];
    let signed: Transaction = deserialize_hex(&hex(&case["auxiliary"]["fullySignedTx"])).unwrap();
    let mut spent: Vec<TxOut> = case["given"]["utxosSpent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| TxOut {
            value: Amount::from_sat(u["amountSats"].as_u64().unwrap()),
            script_pubkey: ScriptBuf::from_bytes(bytes(&u["scriptPubKey"])),
        })
        .collect();
    for index in 0..signed.input.len() {
        paychan::rules::consensus(&signed, index, &spent).unwrap_or_else(|e| panic!("input {index}: {e}"));
    }
    // BIP-0341 signs every spent amount: changing input 2's (a P2PKH coin) breaks input 0's
    // Taproot signature, which only the spent outputs given to the interpreter can show.
    spent[2].value += Amount::from_sat(1);
    assert!(paychan::rules::consensus(&signed, 0, &spent).is_err(), "input 0 commits to input 2's amount");
    assert!(paychan::rules::consensus(&signed, 0, &spent[..8]).is_err(), "one spent output per input");
}
