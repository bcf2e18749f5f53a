//! `psbt/`: the BIP-0174 PSBTs of the commitments a user picked with `--psbt`, each party's copy
//! as it is sent.
//!
//! What each state's copies are is the design's word ([`crate::party::Registration::copies`]): who
//! signed each and who holds it. Every copy becomes the PSBT its signer sends its holder, with the
//! signer's partial signature in it; a copy both parties signed (one shared transaction) is the
//! payer's PSBT as she sends it and, beside it, the finalized PSBT; a copy held with a signature
//! missing gets no final PSBT, since nothing in the run completed it. Where the parties hold
//! different versions of a state, each file names the version's holder.

use std::fs;
use std::path::Path;

use crate::channel::psbt::{self, PsbtError};
use crate::channel::ChannelParams;
use crate::party::{Copies, HeldCopy, SignedCommitment};

use super::{io_err, OutputError};

/// Writes, for the signed state `c` whose copies are `copies`, each copy's PSBT as its signer
/// sends it into `dir/psbt/`: `commitment-000001.payer-signed.psbt` (and
/// `commitment-000001.final.psbt` when both signed it) for one shared transaction, or
/// `commitment-000001.payee-version.payer-signed.psbt` and
/// `commitment-000001.payer-version.payee-signed.psbt` for two versions.
///
/// # Errors
///
/// [`OutputError::Io`] when a file cannot be written; [`OutputError::Psbt`] when a copy does not
/// carry the signature its design says it has.
pub fn write_psbts(
    dir: &Path,
    params: &ChannelParams,
    c: &SignedCommitment,
    copies: &Copies<'_>,
) -> Result<(), OutputError> {
    let folder = dir.join("psbt");
    fs::create_dir_all(&folder).map_err(io_err(&folder))?;
    let versions = copies.other.is_some();
    let mut all = vec![(&c.tx, copies.logged)];
    all.extend(copies.other);
    for (tx, copy) in all {
        for (kind, psbt) in
            sent(params, tx, &copy, versions).map_err(|source| OutputError::Psbt { seq: c.seq, source })?
        {
            let path = folder.join(format!("commitment-{:06}.{kind}.psbt", c.seq));
            fs::write(&path, psbt.serialize()).map_err(io_err(&path))?;
        }
    }
    Ok(())
}

/// The PSBTs of one copy, by file kind: the one its signer sends (the payer's, for a copy both
/// signed) and, for a copy both signed, the finalized one, checked to extract to `tx`.
fn sent(
    params: &ChannelParams,
    tx: &bitcoin::Transaction,
    copy: &HeldCopy,
    versions: bool,
) -> Result<Vec<(String, bitcoin::psbt::Psbt)>, PsbtError> {
    let complete = copy.signed_by == "both";
    let sender = if complete { "payer" } else { copy.signed_by };
    let key = if sender == "payee" { params.payee_funding_key } else { params.payer_funding_key };
    let prefix = if versions { format!("{}-version.", copy.held_by) } else { String::new() };
    let mut out = vec![(format!("{prefix}{sender}-signed"), psbt::signed_by(params, tx, &[key])?)];
    if complete {
        let finalized = psbt::finalized(params, tx)?;
        if finalized.clone().extract_tx_unchecked_fee_rate() != *tx {
            return Err(PsbtError::NotTheSigned);
        }
        out.push((format!("{prefix}final"), finalized));
    }
    Ok(out)
}
