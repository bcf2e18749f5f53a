//! `psbt/`: the BIP-0174 PSBTs of the commitments a user picked with `--psbt`.

use std::fs;
use std::path::Path;

use super::{io_err, OutputError};

/// Writes, for the signed commitment `tx` numbered `seq`, the payer-signed and the finalized
/// BIP-0174 PSBT into `dir/psbt/` as `commitment-000001.payer-signed.psbt` and
/// `commitment-000001.final.psbt`, as the commitments stream past.
///
/// # Errors
///
/// [`OutputError::Io`] when a file cannot be written.
pub fn write_psbts(
    dir: &Path,
    params: &crate::channel::ChannelParams,
    seq: u64,
    tx: &bitcoin::Transaction,
) -> Result<(), OutputError> {
    let folder = dir.join("psbt");
    fs::create_dir_all(&folder).map_err(io_err(&folder))?;
    for (kind, psbt) in [
        ("payer-signed", crate::channel::psbt::payer_signed(params, tx)),
        ("final", crate::channel::psbt::finalized(params, tx)),
    ] {
        let path = folder.join(format!("commitment-{seq:06}.{kind}.psbt"));
        fs::write(&path, psbt.serialize()).map_err(io_err(&path))?;
    }
    Ok(())
}
