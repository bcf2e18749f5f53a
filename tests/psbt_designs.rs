//! `--psbt` under every design: each party's copy of a state as it is sent, read back with
//! rust-bitcoin's `Psbt` alone. Every partial signature is checked here against the BIP-0143
//! sighash computed from the PSBT's own `witness_utxo` and `witness_script` (not paychan's code);
//! a copy both parties signed finalizes into exactly the logged transaction; a copy held with a
//! signature missing has no final PSBT, and completing it with the holder's key gives exactly
//! the transaction that confirmed in `chain.csv`.

mod common;

use std::fs;
use std::path::Path;

use bitcoin::consensus::encode::serialize_hex;
use bitcoin::psbt::Psbt;
use bitcoin::secp256k1::{Message, PublicKey, Secp256k1};
use bitcoin::sighash::{EcdsaSighashType, SighashCache};
use bitcoin::{ecdsa, Witness};
use common::*;
use paychan::channel::psbt::{self, PsbtError};
use paychan::party::keys::{KeyChain, Role};
use paychan::party::Signer;

/// Runs `scenario` with `--psbt spec` into a fresh folder and returns it with the run's folder.
fn run_psbt(scenario: &str, spec: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let out = tempfile::tempdir().unwrap();
    let o = paychan(&["run", scenario, "--out", out.path().to_str().unwrap(), "--psbt", spec, "-q"]);
    assert!(o.status.success(), "{scenario}: {}", String::from_utf8_lossy(&o.stderr));
    let name = Path::new(scenario).file_stem().unwrap().to_str().unwrap().to_string();
    let dir = out.path().join(name);
    (out, dir)
}

fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<_> =
        fs::read_dir(dir.join("psbt")).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    v.sort();
    v
}

fn read(dir: &Path, file: &str) -> Psbt {
    Psbt::deserialize(&fs::read(dir.join("psbt").join(file)).unwrap()).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// The BIP-0143 SIGHASH_ALL digest of the PSBT's input 0, from the PSBT's own fields.
fn sighash(p: &Psbt) -> Message {
    let input = &p.inputs[0];
    let utxo = input.witness_utxo.as_ref().expect("witness_utxo");
    let script = input.witness_script.as_ref().expect("witness_script");
    assert_eq!(utxo.script_pubkey, script.to_p2wsh(), "the spent output pays the witness script");
    let hash =
        SighashCache::new(&p.unsigned_tx).p2wsh_signature_hash(0, script, utxo.value, EcdsaSighashType::All).unwrap();
    Message::from(hash)
}

/// Asserts the PSBT carries exactly `signer`'s partial signature, valid over its sighash.
fn signed_only_by(p: &Psbt, signer: &PublicKey, what: &str) {
    let sigs = &p.inputs[0].partial_sigs;
    assert_eq!(sigs.len(), 1, "{what}: one partial signature");
    let sig = sigs.get(&bitcoin::PublicKey::new(*signer)).unwrap_or_else(|| panic!("{what}: not the signer's"));
    assert_eq!(sig.sighash_type, EcdsaSighashType::All);
    Secp256k1::verification_only().verify_ecdsa(&sighash(p), &sig.signature, signer).expect(what);
}

fn key(seed: u64, role: Role) -> (Signer, PublicKey) {
    let signer = Signer::new(KeyChain::new(seed).secret_key(role));
    let public = signer.public_key();
    (signer, public)
}

/// The confirmed row of `chain.csv` whose txid is `txid`.
fn confirmed(dir: &Path, txid: &str) -> String {
    let mut reader = csv::Reader::from_path(dir.join("chain.csv")).unwrap();
    let rows: Vec<paychan::output::chain::ChainRow> = reader.deserialize().map(Result::unwrap).collect();
    let row = rows.iter().find(|r| r.txid == txid && r.status == "confirmed").expect("confirmed in chain.csv");
    row.tx_hex.clone()
}

#[test]
fn the_timelocked_payer_signed_psbt_finalizes_into_the_logged_transaction() {
    let (_out, dir) = run_psbt("scenarios/cheating/timelocked-emma-cheats.toml", "1,2");
    let rows = rows(&dir);
    let seed = summary(&dir)["seed"].as_u64().unwrap();
    let (fabian, _) = key(seed, Role::PayeeFunding);
    let (_, emma) = key(seed, Role::PayerFunding);
    assert_eq!(files(&dir).len(), 4, "{:?}", files(&dir));
    for seq in [1u64, 2] {
        let mut p = read(&dir, &format!("commitment-{seq:06}.payer-signed.psbt"));
        signed_only_by(&p, &emma, "Emma's PSBT");
        paychan::party::psbt::countersign(&mut p, &fabian).unwrap();
        psbt::finalize(&mut p).unwrap();
        assert_eq!(serialize_hex(&psbt::extract(p)), rows[seq as usize - 1].tx_hex, "#{seq}");
        let f = read(&dir, &format!("commitment-{seq:06}.final.psbt"));
        assert_eq!(serialize_hex(&psbt::extract(f)), rows[seq as usize - 1].tx_hex, "#{seq} final");
    }
}

/// Spilman: Emma's half-signed commitment as the PSBT she sends Fabian, her signature in, his
/// missing, no final PSBT; Fabian completing the last one gives the close that confirmed.
#[test]
fn the_spilman_psbt_is_emmas_half_and_fabian_completes_the_close_that_confirmed() {
    let (_out, dir) = run_psbt("scenarios/cheating/spilman-closed-by-fabian.toml", "all");
    let rows = rows(&dir);
    let seed = summary(&dir)["seed"].as_u64().unwrap();
    let (_, emma) = key(seed, Role::PayerFunding);
    let (fabian, fabian_key) = key(seed, Role::PayeeFunding);
    let listed = files(&dir);
    assert_eq!(listed.len(), rows.len(), "one PSBT a commitment: {:?}", &listed[..3]);
    assert!(listed.iter().all(|f| f.ends_with(".payer-signed.psbt")), "nothing claims it complete");
    for row in &rows {
        let p = read(&dir, &format!("commitment-{:06}.payer-signed.psbt", row.seq));
        signed_only_by(&p, &emma, &format!("#{}", row.seq));
        assert_eq!(p.unsigned_tx.compute_txid().to_string(), row.txid, "#{} is the logged commitment", row.seq);
        assert!(p.inputs[0].final_script_witness.is_none());
        assert!(psbt::finalize(&mut p.clone()).is_err(), "#{}: one signature cannot finalize", row.seq);
    }
    // Fabian adds his signature to the last and builds the IF branch's witness.
    let last = rows.last().unwrap();
    let p = read(&dir, &format!("commitment-{:06}.payer-signed.psbt", last.seq));
    let emma_sig = *p.inputs[0].partial_sigs.values().next().unwrap();
    let script = p.inputs[0].witness_script.clone().unwrap();
    let (utxo, mut tx) = (p.inputs[0].witness_utxo.clone().unwrap(), p.unsigned_tx.clone());
    let (his, _) = fabian.sign_p2wsh_input(&tx, 0, &script, utxo.value);
    assert!(Secp256k1::verification_only().verify_ecdsa(&sighash(&p), &his, &fabian_key).is_ok());
    let mut w = Witness::new();
    w.push_ecdsa_signature(&emma_sig);
    w.push_ecdsa_signature(&ecdsa::Signature::sighash_all(his));
    w.push([1u8]);
    w.push(script.as_bytes());
    tx.input[0].witness = w;
    paychan::rules::consensus(&tx, 0, std::slice::from_ref(&utxo)).unwrap();
    assert_eq!(serialize_hex(&tx), confirmed(&dir, &last.txid), "Fabian's close, as confirmed");
}

/// Revocable: each state's two versions, each as its signer sends it to its holder; the holder
/// countersigns from the PSBT alone and gets a transaction Bitcoin Core's interpreter accepts,
/// with the logged version's txid; Fabian's completed #600 is what confirmed when Emma vanished.
#[test]
fn the_revocable_psbts_are_each_version_as_its_signer_sends_it() {
    let (_out, dir) = run_psbt("scenarios/cheating/revocable-emma-vanishes.toml", "1,2,600");
    let seed = summary(&dir)["seed"].as_u64().unwrap();
    let (emma, emma_key) = key(seed, Role::PayerFunding);
    let (fabian, fabian_key) = key(seed, Role::PayeeFunding);
    let his = rows(&dir);
    let hers: Vec<Row> =
        csv::Reader::from_path(dir.join("commitments-payer.csv")).unwrap().deserialize().map(Result::unwrap).collect();
    assert_eq!(files(&dir).len(), 6, "{:?}", files(&dir));
    for seq in [1u64, 2, 600] {
        let i = seq as usize - 1;
        for (file, signer, holder, holder_key, row) in [
            ("payee-version.payer-signed", &emma_key, &fabian, &fabian_key, &his[i]),
            ("payer-version.payee-signed", &fabian_key, &emma, &emma_key, &hers[i]),
        ] {
            let what = format!("#{seq} {file}");
            let mut p = read(&dir, &format!("commitment-{seq:06}.{file}.psbt"));
            signed_only_by(&p, signer, &what);
            assert_eq!(p.unsigned_tx.compute_txid().to_string(), row.txid, "{what} is the logged version");
            assert_eq!(psbt::finalize(&mut p.clone()), Err(PsbtError::Incomplete(1)), "{what}");
            paychan::party::psbt::countersign(&mut p, holder).unwrap();
            assert!(p.inputs[0].partial_sigs.contains_key(&bitcoin::PublicKey::new(*holder_key)));
            let utxo = p.inputs[0].witness_utxo.clone().unwrap();
            psbt::finalize(&mut p).unwrap();
            let tx = psbt::extract(p);
            paychan::rules::consensus(&tx, 0, std::slice::from_ref(&utxo)).expect(&what);
            assert_eq!(tx.compute_txid().to_string(), row.txid);
            if seq == 600 && holder_key == &fabian_key {
                assert_eq!(serialize_hex(&tx), confirmed(&dir, &row.txid), "Fabian's close, as confirmed");
            }
        }
    }
}

/// What a run cannot honour is refused before anything is written (exit 2), under every design.
#[test]
fn a_psbt_past_the_last_commitment_is_refused_under_every_design() {
    for (scenario, asked, said) in [
        (
            "scenarios/cheating/spilman-closed-by-fabian.toml",
            "1,9999",
            "#9999 is past the last one this run signs (#600)",
        ),
        ("scenarios/cheating/revocable-emma-cheats.toml", "9999", "#9999 is past the last one"),
        ("scenarios/cheating/naive-fabian-vanishes.toml", "1", "this run signs no commitment, so it writes no PSBT"),
    ] {
        let out = tempfile::tempdir().unwrap();
        let o = paychan(&["run", scenario, "--out", out.path().to_str().unwrap(), "--psbt", asked, "-q"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{scenario}: {err}");
        assert!(err.contains(said), "{scenario}: {err}");
        assert_eq!(fs::read_dir(out.path()).unwrap().count(), 0, "nothing written");
    }
}
