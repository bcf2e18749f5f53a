//! BIP-0327 (MuSig2) test vectors through the `musig2` crate the taproot design signs with: key
//! aggregation, nonce generation, partial signing and partial verification, valid and invalid.
//!
//! Source: `bip-0327/vectors/{key_agg,nonce_gen,sign_verify}_vectors.json` of the bitcoin/bips
//! repository (commit 7fe0b034ec967b52a5a28276419117326df93263), copied unchanged into
//! `tests/data/bip327/`.

use bitcoin::hex::FromHex;
use musig2::secp::{MaybeScalar, Point, Scalar};
use musig2::{AggNonce, BinaryEncoding, KeyAggContext, PubNonce, SecNonce};
use serde_json::Value;

fn vectors(name: &str) -> Value {
    let text = match name {
        "key_agg" => include_str!("data/bip327/key_agg_vectors.json"),
        "nonce_gen" => include_str!("data/bip327/nonce_gen_vectors.json"),
        _ => include_str!("data/bip327/sign_verify_vectors.json"),
    };
    serde_json::from_str(text).expect("a BIP-0327 vector file is JSON")
}

fn bytes(v: &Value) -> Vec<u8> {
    Vec::<u8>::from_hex(v.as_str().expect("a hex string")).expect("valid hex")
}

fn strings(v: &Value) -> Vec<&Value> {
    v.as_array().expect("an array").iter().collect()
}

fn indices(case: &Value, field: &str) -> Vec<usize> {
    case[field].as_array().expect("indices").iter().map(|i| i.as_u64().unwrap() as usize).collect()
}

/// The points at `case[field]`'s indices of `list`, or the index (in the case) of the first that
/// does not parse.
fn points(list: &[&Value], case: &Value, field: &str) -> Result<Vec<Point>, usize> {
    indices(case, field)
        .into_iter()
        .enumerate()
        .map(|(n, i)| Point::from_slice(&bytes(list[i])).map_err(|_| n))
        .collect()
}

#[test]
fn key_aggregation_gives_the_expected_x_only_keys() {
    let v = vectors("key_agg");
    let pubkeys = strings(&v["pubkeys"]);
    let cases = v["valid_test_cases"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    for case in cases {
        let keys = points(&pubkeys, case, "key_indices").expect("valid keys");
        let ctx = KeyAggContext::new(keys).unwrap();
        let agg: Point = ctx.aggregated_pubkey_untweaked();
        assert_eq!(agg.serialize_xonly().to_vec(), bytes(&case["expected"]), "{case}");
    }
}

#[test]
fn key_aggregation_refuses_the_invalid_contributions_and_tweaks() {
    let v = vectors("key_agg");
    let pubkeys = strings(&v["pubkeys"]);
    let tweaks = strings(&v["tweaks"]);
    let cases = v["error_test_cases"].as_array().unwrap();
    assert_eq!(cases.len(), 5);
    for case in cases {
        let error = &case["error"];
        let keys = points(&pubkeys, case, "key_indices");
        if error["type"] == "invalid_contribution" {
            assert_eq!(keys, Err(error["signer"].as_u64().unwrap() as usize), "{case}");
            continue;
        }
        let mut ctx = KeyAggContext::new(keys.expect("valid keys")).unwrap();
        let mut failed = false;
        for (t, xonly) in indices(case, "tweak_indices").into_iter().zip(case["is_xonly"].as_array().unwrap()) {
            let tweak = match Scalar::from_slice(&bytes(tweaks[t])) {
                Ok(tweak) => tweak,
                Err(_) => {
                    failed = true;
                    break;
                }
            };
            match ctx.with_tweak(tweak, xonly.as_bool().unwrap()) {
                Ok(next) => ctx = next,
                Err(_) => {
                    failed = true;
                    break;
                }
            }
        }
        assert!(failed, "{}: {case}", case["comment"]);
    }
}

#[test]
fn nonce_generation_gives_the_expected_nonces() {
    let v = vectors("nonce_gen");
    let cases = v["test_cases"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    for case in cases {
        let seed: [u8; 32] = bytes(&case["rand_"]).try_into().unwrap();
        let pubkey = Point::from_slice(&bytes(&case["pk"])).unwrap();
        let mut builder = match &case["sk"] {
            Value::Null => SecNonce::build_with_pubkey(seed, pubkey),
            sk => {
                let sk = Scalar::from_slice(&bytes(sk)).unwrap();
                assert_eq!(sk.base_point_mul(), pubkey);
                SecNonce::build_with_seckey(seed, sk)
            }
        };
        let aggpk = (!case["aggpk"].is_null()).then(|| bytes(&case["aggpk"]));
        if let Some(aggpk) = &aggpk {
            builder =
                builder.with_aggregated_pubkey(Point::lift_x(&<[u8; 32]>::try_from(&aggpk[..]).unwrap()).unwrap());
        }
        let msg = (!case["msg"].is_null()).then(|| bytes(&case["msg"]));
        if let Some(msg) = &msg {
            builder = builder.with_message(msg);
        }
        let extra = (!case["extra_in"].is_null()).then(|| bytes(&case["extra_in"]));
        if let Some(extra) = &extra {
            builder = builder.with_extra_input(extra);
        }
        let secnonce = builder.build();
        // BIP-0327's secnonce is k1 || k2 || pk, as the crate encodes it.
        assert_eq!(secnonce.to_bytes().to_vec(), bytes(&case["expected_secnonce"]), "{case}");
        assert_eq!(secnonce.public_nonce().to_bytes().to_vec(), bytes(&case["expected_pubnonce"]), "{case}");
    }
}

/// What a sign/verify case needs, parsed from the shared lists.
struct Sign {
    sk: Scalar,
    pubkeys: Vec<&'static Value>,
    secnonces: Vec<&'static Value>,
    pnonces: Vec<&'static Value>,
    aggnonces: Vec<&'static Value>,
    msgs: Vec<Vec<u8>>,
}

fn sign_vectors() -> (Sign, &'static Value) {
    let v: &'static Value = Box::leak(Box::new(vectors("sign_verify")));
    let sign = Sign {
        sk: Scalar::from_slice(&bytes(&v["sk"])).unwrap(),
        pubkeys: strings(&v["pubkeys"]),
        secnonces: strings(&v["secnonces"]),
        pnonces: strings(&v["pnonces"]),
        aggnonces: strings(&v["aggnonces"]),
        msgs: strings(&v["msgs"]).into_iter().map(bytes).collect(),
    };
    (sign, v)
}

#[test]
fn partial_signatures_are_the_expected_ones_and_verify() {
    let (s, v) = sign_vectors();
    let cases = v["valid_test_cases"].as_array().unwrap();
    assert_eq!(cases.len(), 6);
    for case in cases {
        let keys = points(&s.pubkeys, case, "key_indices").unwrap();
        let ctx = KeyAggContext::new(keys.clone()).unwrap();
        let pnonces: Vec<PubNonce> = indices(case, "nonce_indices")
            .into_iter()
            .map(|i| PubNonce::from_bytes(&bytes(s.pnonces[i])).unwrap())
            .collect();
        let aggnonce =
            AggNonce::from_bytes(&bytes(s.aggnonces[case["aggnonce_index"].as_u64().unwrap() as usize])).unwrap();
        assert_eq!(AggNonce::sum(&pnonces), aggnonce, "the aggregate nonce is the sum of the public nonces");
        let msg = &s.msgs[case["msg_index"].as_u64().unwrap() as usize];
        let secnonce = SecNonce::from_bytes(&bytes(s.secnonces[0])).unwrap();
        let sig: MaybeScalar = musig2::sign_partial(&ctx, s.sk, secnonce, &aggnonce, msg).unwrap();
        assert_eq!(sig.serialize().to_vec(), bytes(&case["expected"]), "{case}");
        let signer = case["signer_index"].as_u64().unwrap() as usize;
        musig2::verify_partial(&ctx, sig, &aggnonce, keys[signer], &pnonces[signer], msg).unwrap();
    }
}

#[test]
fn signing_refuses_the_error_cases() {
    let (s, v) = sign_vectors();
    let cases = v["sign_error_test_cases"].as_array().unwrap();
    assert_eq!(cases.len(), 6);
    for case in cases {
        let comment = &case["comment"];
        let Ok(keys) = points(&s.pubkeys, case, "key_indices") else {
            assert_eq!(case["error"]["contrib"], "pubkey", "{comment}");
            continue;
        };
        let ctx = KeyAggContext::new(keys).unwrap();
        let Ok(aggnonce) = AggNonce::from_bytes(&bytes(s.aggnonces[case["aggnonce_index"].as_u64().unwrap() as usize]))
        else {
            assert_eq!(case["error"]["contrib"], "aggnonce", "{comment}");
            continue;
        };
        let msg = &s.msgs[case["msg_index"].as_u64().unwrap() as usize];
        let Ok(secnonce) = SecNonce::from_bytes(&bytes(s.secnonces[case["secnonce_index"].as_u64().unwrap() as usize]))
        else {
            assert!(comment.as_str().unwrap().contains("Secnonce is invalid"), "{comment}");
            continue;
        };
        let signed: Result<MaybeScalar, _> = musig2::sign_partial(&ctx, s.sk, secnonce, &aggnonce, msg);
        assert!(signed.is_err(), "{comment}");
    }
}

#[test]
fn partial_verification_refuses_the_fail_and_error_cases() {
    let (s, v) = sign_vectors();
    let fails = v["verify_fail_test_cases"].as_array().unwrap();
    let errors = v["verify_error_test_cases"].as_array().unwrap();
    assert_eq!((fails.len(), errors.len()), (3, 2));
    for case in fails.iter().chain(errors) {
        let comment = &case["comment"];
        let Ok(sig) = MaybeScalar::from_slice(&bytes(&case["sig"])) else {
            assert!(comment.as_str().unwrap().contains("exceeds group size"), "{comment}");
            continue;
        };
        let Ok(keys) = points(&s.pubkeys, case, "key_indices") else {
            assert_eq!(case["error"]["contrib"], "pubkey", "{comment}");
            continue;
        };
        let parsed: Result<Vec<PubNonce>, _> =
            indices(case, "nonce_indices").into_iter().map(|i| PubNonce::from_bytes(&bytes(s.pnonces[i]))).collect();
        let Ok(pnonces) = parsed else {
            assert_eq!(case["error"]["contrib"], "pubnonce", "{comment}");
            continue;
        };
        let ctx = KeyAggContext::new(keys.clone()).unwrap();
        let aggnonce = AggNonce::sum(&pnonces);
        let msg = &s.msgs[case["msg_index"].as_u64().unwrap() as usize];
        let signer = case["signer_index"].as_u64().unwrap() as usize;
        let verified = musig2::verify_partial(&ctx, sig, &aggnonce, keys[signer], &pnonces[signer], msg);
        assert!(verified.is_err(), "{comment}");
    }
}
