//! `bare-loop N`: N rounds of the four secp256k1 operations of a commitment (Emma signs, Fabian
//! verifies, Fabian signs, Emma verifies), with one `Secp256k1<All>` context, the keys and the
//! per-round message of `paychan bench --raw-only` (`src/commands/bench.rs`, `raw`), and nothing
//! else: no clap, no scenario, no output. Built with `debug = false` for every crate (its own
//! Cargo.toml), it is the floor a whole `paychan run` is counted against in BENCHMARKS.md:
//!
//! ```sh
//! cargo build --release --manifest-path benchmarks/bare-loop/Cargo.toml
//! valgrind --tool=callgrind benchmarks/bare-loop/target/release/bare-loop 21600
//! ```
//!
//! It prints the rounds and whether every signature verified, and exits 1 if one did not.

use bitcoin::hashes::{sha256, Hash as _};
use bitcoin::secp256k1::{Message, PublicKey, Secp256k1, SecretKey};

fn main() {
    let rounds: u64 = match std::env::args().nth(1).map(|a| a.parse()) {
        Some(Ok(n)) => n,
        _ => {
            eprintln!("usage: bare-loop ROUNDS   (a whole number, e.g. 21600)");
            std::process::exit(2);
        }
    };
    let secp = Secp256k1::new();
    let a = SecretKey::from_slice(&[0x11; 32]).expect("a valid scalar");
    let b = SecretKey::from_slice(&[0x22; 32]).expect("a valid scalar");
    let (pa, pb) = (PublicKey::from_secret_key(&secp, &a), PublicKey::from_secret_key(&secp, &b));
    let mut ok = true;
    for i in 0..rounds {
        let msg = Message::from_digest(sha256::Hash::hash(&i.to_le_bytes()).to_byte_array());
        let s1 = secp.sign_ecdsa(&msg, &a);
        ok &= secp.verify_ecdsa(&msg, &s1, &pa).is_ok();
        let s2 = secp.sign_ecdsa(&msg, &b);
        ok &= secp.verify_ecdsa(&msg, &s2, &pb).is_ok();
    }
    println!(
        "{rounds} rounds of sign, verify, sign, verify: {}",
        if ok { "all verified" } else { "A SIGNATURE FAILED" }
    );
    if !ok {
        std::process::exit(1);
    }
}
