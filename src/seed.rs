//! The named ChaCha20 sub-streams every draw comes from: one scenario seed, one stream per label,
//! keyed by `SHA-256("paychan/keys/v1" ‖ seed ‖ label)`, so adding a stream never shifts another
//! and a run is the same bytes on every machine. Keys ([`crate::party::keys`]) and audience draws
//! ([`crate::scenario::audience`]) both take their streams here.

use bitcoin::hashes::{sha256, Hash, HashEngine};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

/// The ChaCha20 stream named `label` of the scenario seeded `seed`.
pub fn stream(seed: u64, label: &str) -> ChaCha20Rng {
    let mut engine = sha256::Hash::engine();
    engine.input(b"paychan/keys/v1");
    engine.input(&seed.to_be_bytes());
    engine.input(label.as_bytes());
    ChaCha20Rng::from_seed(sha256::Hash::from_engine(engine).to_byte_array())
}
