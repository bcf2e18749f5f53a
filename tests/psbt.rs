//! The PSBT round trip: Fabian's side takes the payer-signed PSBT alone, checks it, adds his
//! signature, finalizes, and extracts exactly the commitment in the CSV.

mod common;

use std::fs;

use bitcoin::consensus::encode::serialize_hex;
use bitcoin::psbt::Psbt;
use common::*;
use paychan::channel::psbt::{self, PsbtError};
use paychan::party::keys::{KeyChain, Role};
use paychan::party::Signer;

#[test]
fn the_payee_completes_the_payer_signed_psbt_into_the_logged_transaction() {
    let out = tempfile::tempdir().unwrap();
    let o = paychan(&[
        "run",
        "scenarios/emma-fabian.toml",
        "--out",
        out.path().to_str().unwrap(),
        "--psbt",
        "1,2,600",
        "-q",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let dir = out.path().join("emma-fabian");
    let rows = rows(&dir);
    let seed = summary(&dir)["seed"].as_u64().unwrap();
    let fabian = Signer::new(KeyChain::new(seed).secret_key(Role::PayeeFunding));
    let mut files: Vec<_> =
        fs::read_dir(dir.join("psbt")).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    files.sort();
    assert_eq!(files.len(), 6, "{files:?}");
    for seq in [1u64, 2, 600] {
        let row = &rows[seq as usize - 1];
        let bytes = fs::read(dir.join(format!("psbt/commitment-{seq:06}.payer-signed.psbt"))).unwrap();
        let mut p = Psbt::deserialize(&bytes).unwrap();
        assert_eq!(p.inputs[0].partial_sigs.len(), 1, "only Emma's signature");
        assert!(p.inputs[0].witness_utxo.is_some() && p.inputs[0].witness_script.is_some());
        assert_eq!(psbt::finalize(&mut p.clone()), Err(PsbtError::Incomplete(1)));
        paychan::party::psbt::countersign(&mut p, &fabian).unwrap();
        psbt::finalize(&mut p).unwrap();
        let t = psbt::extract(p);
        assert_eq!(serialize_hex(&t), row.tx_hex, "commitment #{seq}");

        let final_bytes = fs::read(dir.join(format!("psbt/commitment-{seq:06}.final.psbt"))).unwrap();
        let f = Psbt::deserialize(&final_bytes).unwrap();
        assert!(f.inputs[0].final_script_witness.is_some());
        assert_eq!(serialize_hex(&psbt::extract(f)), row.tx_hex);
    }
}

#[test]
fn the_payee_refuses_a_psbt_with_a_bad_payer_signature() {
    let out = tempfile::tempdir().unwrap();
    let o = paychan(&["run", "scenarios/emma-fabian.toml", "--out", out.path().to_str().unwrap(), "--psbt", "1", "-q"]);
    assert!(o.status.success());
    let dir = out.path().join("emma-fabian");
    let fabian = Signer::new(KeyChain::new(14).secret_key(Role::PayeeFunding));
    let bytes = fs::read(dir.join("psbt/commitment-000001.payer-signed.psbt")).unwrap();
    let good = Psbt::deserialize(&bytes).unwrap();

    // Emma's signature over another commitment (#2's) does not verify for #1.
    let mut other = good.clone();
    other.unsigned_tx.output[1].value = bitcoin::Amount::from_sat(2_000);
    other.unsigned_tx.output[0].value = bitcoin::Amount::from_sat(3_600_000 - 2_000 - 169);
    assert!(matches!(paychan::party::psbt::countersign(&mut other, &fabian), Err(PsbtError::BadSignature(_))));

    // A PSBT without the funding output cannot be checked, so it is not signed.
    let mut bare = good.clone();
    bare.inputs[0].witness_utxo = None;
    assert_eq!(paychan::party::psbt::countersign(&mut bare, &fabian), Err(PsbtError::Missing("witness_utxo")));

    // Someone else's key is refused.
    let stranger = Signer::new(KeyChain::new(15).secret_key(Role::PayeeFunding));
    assert!(matches!(
        paychan::party::psbt::countersign(&mut good.clone(), &stranger),
        Err(PsbtError::NotOurChannel(_))
    ));
}

#[test]
fn psbt_files_are_deterministic() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for d in [&a, &b] {
        let o = paychan(&[
            "run",
            "scenarios/price-change.toml",
            "--out",
            d.path().to_str().unwrap(),
            "--psbt",
            "all",
            "-q",
        ]);
        assert!(o.status.success());
    }
    let list = |d: &tempfile::TempDir| {
        let mut v: Vec<_> =
            fs::read_dir(d.path().join("price-change/psbt")).unwrap().map(|e| e.unwrap().path()).collect();
        v.sort();
        v
    };
    let (la, lb) = (list(&a), list(&b));
    assert_eq!(la.len(), 2 * 660);
    for (x, y) in la.iter().zip(&lb) {
        assert_eq!(fs::read(x).unwrap(), fs::read(y).unwrap(), "{}", x.display());
    }
}

/// A `--psbt` request the run cannot honour is refused before anything is written (exit 2): a
/// commitment past the last one (every design: tests/psbt_designs.rs).
#[test]
fn a_psbt_request_that_cannot_be_honoured_is_refused() {
    let out = tempfile::tempdir().unwrap();
    let o =
        paychan(&["run", "scenarios/emma-fabian.toml", "--out", out.path().to_str().unwrap(), "--psbt", "9999", "-q"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("commitment #9999 is past the last one this run signs (#600)"), "{err}");
    assert_eq!(fs::read_dir(out.path()).unwrap().count(), 0, "nothing written");
}
