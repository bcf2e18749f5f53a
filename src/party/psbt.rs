//! The payee's side of a BIP-0174 PSBT: it holds a key, so it lives with the parties; the PSBT's
//! secret-free parts (writing, checking, finalizing) are [`crate::channel::psbt`].

use bitcoin::ecdsa;
use bitcoin::psbt::Psbt;
use bitcoin::sighash::EcdsaSighashType;

use super::Signer;
use crate::channel::psbt::{spent_2_of_2, PsbtError};

/// The payee's side, from the PSBT alone: checks the script, the spent output and every partial
/// signature present against the BIP-0143 sighash, then adds `payee`'s signature.
///
/// # Errors
///
/// [`PsbtError`] when a field is missing, the script is not a 2-of-2 holding the payee's key, or
/// a partial signature does not verify. Nothing is signed then.
pub fn countersign(psbt: &mut Psbt, payee: &Signer) -> Result<(), PsbtError> {
    let (amount, script, keys) = spent_2_of_2(psbt)?;
    let ours = payee.public_key();
    if !keys.contains(&ours) {
        return Err(PsbtError::NotOurChannel(ours));
    }
    let partial = &psbt.inputs[0].partial_sigs;
    let sig = payee.sign_p2wsh_input_if(&psbt.unsigned_tx, 0, &script, amount, |signer, msg| {
        for (key, sig) in partial {
            if !keys.contains(&key.inner)
                || sig.sighash_type != EcdsaSighashType::All
                || !signer.verify(msg, &sig.signature, &key.inner)
            {
                return Err(PsbtError::BadSignature(key.inner));
            }
        }
        Ok(())
    })?;
    psbt.inputs[0].partial_sigs.insert(bitcoin::PublicKey::new(ours), ecdsa::Signature::sighash_all(sig));
    Ok(())
}
