//! What a reader can check of the revocable design's revocations from the files alone (issue 18):
//! for each party's versions (`commitments.csv`: Fabian's, `commitments-payer.csv`: Emma's), every
//! secret handed over in a step is the secret of the holder's previous point (point = secret·G),
//! and that point with the other party's revocation basepoint (`summary.json`) gives the
//! revocation key in the previous version's `to_local` script, which is the P2WSH output the
//! logged transaction pays the holder's balance to. `paychan verify` checks the first half; a
//! secret altered in the file is caught.

mod common;

use std::fs;
use std::path::Path;

use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};
use bitcoin::ScriptBuf;
use common::*;
use paychan::channel::bolt3;
use paychan::output::log::LogRow;

fn log(path: &Path) -> Vec<LogRow> {
    csv::Reader::from_path(path).unwrap().deserialize().map(|r| r.unwrap()).collect()
}

fn key(v: &serde_json::Value) -> PublicKey {
    v.as_str().unwrap().parse().unwrap()
}

#[test]
fn every_revealed_secret_revokes_the_previous_version_from_the_files_alone() {
    let out = tempfile::tempdir().unwrap();
    run_ok("scenarios/cheating/revocable-emma-cheats.toml", out.path());
    let dir = out.path().join("revocable-emma-cheats");
    let s = summary(&dir);
    let delay = u16::try_from(s["settings"]["to_self_delay"].as_u64().unwrap()).unwrap();
    let secp = Secp256k1::new();
    // (file, holder, the other party)
    for (file, holder, other) in [("commitments.csv", "payee", "payer"), ("commitments-payer.csv", "payer", "payee")] {
        let rows = log(&dir.join(file));
        assert_eq!(rows.len(), 600, "{file}");
        let punisher_base = key(&s[other]["basepoints"]["revocation"]);
        let delayed_base = key(&s[holder]["basepoints"]["delayed_payment"]);
        for pair in rows.windows(2) {
            let (previous, row) = (&pair[0], &pair[1]);
            assert_eq!(row.held_by, holder, "{file} #{}", row.seq);
            let secret: SecretKey = row.revealed_secret.parse().unwrap();
            let point: PublicKey = previous.per_commitment_point.parse().unwrap();
            assert_eq!(
                PublicKey::from_secret_key(&secp, &secret),
                point,
                "{file} #{}: not the previous point",
                row.seq
            );
            let revocation = bolt3::derive_revocation_pubkey(&secp, &punisher_base, &point).unwrap();
            let delayed = bolt3::derive_pubkey(&secp, &delayed_base, &point).unwrap();
            let to_local = ScriptBuf::new_p2wsh(&bolt3::to_local_script(&revocation, delay, &delayed).wscript_hash());
            let tx = tx(&previous.tx_hex);
            assert!(
                tx.output.iter().any(|o| o.script_pubkey == to_local),
                "{file} #{}: no to_local output with the revocation key of the point",
                previous.seq
            );
        }
    }
    // verify checks the secrets against the points, in both files.
    for file in ["commitments.csv", "commitments-payer.csv"] {
        let path = dir.join(file);
        let text = fs::read_to_string(&path).unwrap();
        let rows = log(&path);
        let altered = text.replacen(&rows[300].revealed_secret, &rows[301].revealed_secret, 1);
        fs::write(&path, altered).unwrap();
        let o = paychan(&["verify", dir.to_str().unwrap()]);
        let said = String::from_utf8_lossy(&o.stdout);
        assert!(!o.status.success() && said.contains("revealed-secret"), "{file}: {said}");
        fs::write(&path, text).unwrap();
    }
    assert!(paychan(&["verify", dir.to_str().unwrap()]).status.success());
}
