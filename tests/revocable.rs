//! The revocable design's party protocol: each state exists twice, each party signs the other's
//! version, revokes its previous one with the right per-commitment secret, stored in the compact
//! store in order; parallel signing gives the same bytes for any thread count; a wrong secret
//! or a version built on a wrong point is refused.

use std::path::Path;

use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};
use paychan::channel::bolt3;
use paychan::engine;
use paychan::party::revocable::{versions, HisPoint, HisReply, RevocablePayee, RevocablePayer, Revocation, Versions};
use paychan::party::Extra;
use paychan::party::{Payee, Payer, ProtocolError, SignedCommitment};
use paychan::scenario::Scenario;

fn scenario(seconds: u64) -> Scenario {
    let text = format!(
        "name = \"r\"\nseed = 9\npayer = \"Emma\"\npayee = \"Fabian\"\ncapacity = \"36 mBTC\"\nfee_rate = \"1 sat/vB\"\n\
         design = \"revocable\"\nto_self_delay = 144\n[[segment]]\nrate = \"0.01 mBTC/s\"\nduration = \"{seconds} s\"\n"
    );
    Scenario::from_toml(Path::new("r.toml"), &text).expect("a valid scenario")
}

/// The payer's revocable material, as her side of the design keeps it.
fn hers(payer: &Payer) -> &Revocation {
    payer.side().as_any().downcast_ref::<RevocablePayer>().expect("a revocable payer").revocation()
}

/// The payee's.
fn his(payee: &Payee) -> &Revocation {
    payee.side().as_any().downcast_ref::<RevocablePayee>().expect("a revocable payee").revocation()
}

fn states(s: &Scenario, threads: usize) -> (Vec<SignedCommitment>, SignedCommitment) {
    let mut out = Vec::new();
    let report = engine::run::<std::convert::Infallible, _>(s, threads, |_, c| {
        out.push(c.clone());
        Ok(())
    })
    .unwrap();
    (out, report.settlement)
}

#[test]
fn every_thread_count_signs_the_same_versions_and_reveals_the_same_secrets() {
    // Longer than one engine chunk (2,048), so chunks are signed in parallel on resumed copies.
    let s = scenario(2_100);
    let (one, settlement) = states(&s, 1);
    assert_eq!(one.len(), 2_100);
    for threads in [2, 4] {
        let (many, other) = states(&s, threads);
        assert!(many == one, "{threads} threads sign other versions or reveal other secrets");
        assert_eq!(other, settlement);
    }
    // The cooperative close has no delay and no obscured number: both paid at once.
    assert_eq!(settlement.tx.lock_time.to_consensus_u32(), 0);
    assert!(settlement.tx.output.iter().all(|o| o.script_pubkey.is_p2wpkh()));
}

#[test]
fn each_state_is_two_versions_and_each_revocation_lands_in_the_compact_store() {
    let s = scenario(60);
    let (cs, _) = states(&s, 2);
    let (channel, mut payer, mut payee) = engine::open(&s).unwrap();
    let p = &channel.params;
    let design = paychan::channel::revocable::Revocable::new(&p.design.settings().unwrap());
    for c in &cs {
        let held = &versions(c).expect("the payer's version").held;
        assert_ne!(held.compute_txid(), c.tx.compute_txid(), "#{}: two versions", c.seq);
        // Both carry the obscured commitment number; the payee's (logged) one is half-signed.
        assert_eq!(design.commitment_number(p, &c.tx), Some(c.seq));
        assert_eq!(design.commitment_number(p, held), Some(c.seq));
        assert_eq!(p.design.lock(p, Some(c.seq)), (c.tx.lock_time, c.tx.input[0].sequence));
        // The payer's version delays her balance (P2WSH) and pays Fabian at once (his payout).
        assert!(held.output.iter().any(|o| o.script_pubkey == p.payee_payout && o.value == c.split.payee));
        assert!(held.output.iter().any(|o| o.script_pubkey.is_p2wsh() && o.value == c.split.payer));
        assert!(c.tx.output.iter().any(|o| o.script_pubkey == p.payer_payout && o.value == c.split.payer));
        payer.receive(c).unwrap();
        payee.receive(c).unwrap();
        // Each can complete its own version to broadcast, and it passes the interpreter.
        for tx in [payer.complete_own(c).unwrap(), payee.complete(c).unwrap()] {
            let spent = &channel.funding_tx.output[0];
            paychan::rules::consensus(&tx, 0, std::slice::from_ref(spent))
                .unwrap_or_else(|e| panic!("#{}: {e:?}", c.seq));
        }
    }
    // Every version but the latest is revoked: its secret derives from the other party's store,
    // and is the secret the owner generated (BOLT #3 index 2^48 - 1 - k).
    let (emma, fabian) = (hers(&payer), his(&payee));
    for k in 0..60u64 {
        let index = bolt3::secret_index(k).unwrap();
        assert_eq!(emma.received().derive_old_secret(index), Ok(fabian.secret(k)), "Fabian's #{k}");
        assert_eq!(fabian.received().derive_old_secret(index), Ok(emma.secret(k)), "Emma's #{k}");
    }
    let latest = bolt3::secret_index(60).unwrap();
    assert!(emma.received().derive_old_secret(latest).is_err(), "the latest version is not revoked");
    assert_eq!(emma.received().lowest_index(), Some(bolt3::secret_index(59).unwrap()));
}

#[test]
fn a_wrong_revocation_is_refused_and_leaves_the_store_as_it_was() {
    let s = scenario(5);
    let (cs, _) = states(&s, 1);
    let (_, mut payer, _) = engine::open(&s).unwrap();
    payer.receive(&cs[0]).unwrap();
    let mut bad = cs[1].clone();
    bad.extra.get_mut::<Versions>().unwrap().revealed.payee_secret = Some([7; 32]);
    let e = payer.receive(&bad).unwrap_err();
    assert!(matches!(e, ProtocolError::BadRevocation { seq: 2, .. }), "{e}");
    assert!(e.to_string().contains("not the one behind version #1's per-commitment point"), "{e}");
    bad.extra.get_mut::<Versions>().unwrap().revealed.payee_secret = None;
    assert!(payer.receive(&bad).is_err(), "a state that revokes nothing");
    // The honest one still fits: the store did not move.
    payer.receive(&cs[1]).unwrap();
    assert_eq!(hers(&payer).received().lowest_index(), Some(bolt3::secret_index(1).unwrap()));
}

#[test]
fn a_version_built_on_another_point_is_not_signed() {
    let s = scenario(5);
    let (_, mut payer, mut payee) = engine::open(&s).unwrap();
    let price = bitcoin::Amount::from_sat(1_000);
    // The payer builds Fabian's version #1 on a point that is not his.
    let wrong = PublicKey::from_secret_key(&Secp256k1::new(), &SecretKey::from_slice(&[3; 32]).unwrap());
    payer.hear(1, Extra::of(HisPoint(wrong)));
    let proposal = payer.propose(price).unwrap();
    let e = payee.review(proposal, price).unwrap_err();
    assert!(matches!(e, ProtocolError::Mismatch { seq: 1, .. }), "{e}");
    // With his announced point, the same state is signed, and he revokes his version #0.
    let point = payee.announce(1).unwrap();
    payer.hear(1, point);
    let proposal = payer.propose(price).unwrap();
    let reply = payee.review(proposal, price).unwrap();
    assert_eq!(reply.extra.get::<HisReply>().unwrap().revoking, Some(his(&payee).secret(0)));
    let c = payer.accept(reply).unwrap();
    assert_eq!(versions(&c).unwrap().revealed.payer_secret, Some(hers(&payer).secret(0)));
}
