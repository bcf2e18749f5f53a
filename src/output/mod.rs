//! Everything a run leaves behind: the CSV log, the JSON summary, the chart, the words on stdout.
//!
//! Educators read the chart and the summary; analysts load the CSV with pandas and diff the JSON
//! across seeds. All of it must be byte-identical for the same scenario, and a run must never leave
//! something that looks like a result but is not. So every file is written into a staging folder
//! beside the target ([`Staging`]) and the folder is renamed into place only once all of it is
//! complete; commitments are streamed to the CSV as the engine produces them.

pub mod chain;
pub mod chart;
pub mod log;
pub mod narrate;
pub mod onchain_writer;
mod plain;
pub mod progress;
pub mod psbt;
pub mod report;
pub mod report_chain;
pub mod series;
pub mod summary;
mod writer;

pub use log::{CommitmentLog, LogRow, LOG_COLUMNS};
pub use psbt::write_psbts;
pub use summary::{human_summary, network_name, write_summary, Summary};
pub use writer::Writer;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The marker that says a folder is paychan's own output, safe to replace on the next run.
pub const MARKER: &str = ".paychan-output";

/// The files of a run, in the order they are listed to the user.
pub const FILES: [&str; 7] =
    ["commitments.csv", "summary.json", "balance.png", "balance.svg", "payment.png", "payment.svg", "report.html"];

/// A failure to write the output.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// An option asks for output the run cannot give (`--psbt` past the last commitment, or
    /// under a design whose states are not ECDSA spends).
    #[error("{0}")]
    Unhonoured(String),
    /// A state cannot be written as the PSBT its design says it is (a fault, not a usage error).
    #[error("cannot write commitment #{seq} as a PSBT")]
    Psbt {
        /// The commitment.
        seq: u64,
        /// The cause.
        source: crate::channel::psbt::PsbtError,
    },
    /// The output root exists and is not a folder.
    #[error("the output path {0} is a file, not a folder; choose another with --out")]
    NotAFolder(PathBuf),
    /// Something other than a previous paychan run is in the way.
    #[error("{0} exists and is not a paychan output; move it, choose another --out, or pass --force to replace it")]
    Occupied(PathBuf),
    /// The output folder cannot be made where the user asked.
    #[error("cannot create the output folder {path}; choose another with --out")]
    Path {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// An I/O error on a path.
    #[error("cannot write {path}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The CSV writer failed.
    #[error("cannot write {path}")]
    Csv {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: csv::Error,
    },
    /// The HTML report could not be written.
    #[error("cannot write the report")]
    Report(#[from] report::ReportError),
    /// The chart could not be drawn.
    #[error("cannot draw the chart")]
    Chart(#[from] chart::ChartError),
}

impl OutputError {
    /// Whether the user can fix this by choosing another path (exit code 2) rather than a fault.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            OutputError::NotAFolder(_)
                | OutputError::Occupied(_)
                | OutputError::Path { .. }
                | OutputError::Unhonoured(_)
        )
    }
}

pub(crate) fn io_err(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |source| OutputError::Io { path: path.to_path_buf(), source }
}

/// A staging folder that becomes `root/name` only when [`Staging::commit`] is called.
///
/// A run killed at any moment leaves the previous complete output (or none) at `root/name`, and
/// at most a hidden `.name.paychan-tmp` that the next run removes. On Linux the new folder and
/// the previous one are swapped in one `renameat2(RENAME_EXCHANGE)`, so there is no moment
/// without a complete output.
#[derive(Debug)]
pub struct Staging {
    tmp: PathBuf,
    old: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl Staging {
    /// Prepares `root/.name.paychan-tmp`, after checking `root/name` may be replaced.
    ///
    /// # Errors
    ///
    /// [`OutputError::NotAFolder`] or [`OutputError::Occupied`] when the target is in the way
    /// (unless `force`), [`OutputError::Io`] when the folders cannot be made.
    pub fn prepare(root: &Path, name: &str, force: bool) -> Result<Staging, OutputError> {
        if root.exists() && !root.is_dir() {
            return Err(OutputError::NotAFolder(root.to_path_buf()));
        }
        fs::create_dir_all(root).map_err(|source| OutputError::Path { path: root.to_path_buf(), source })?;
        let target = root.join(name);
        let ours = target.join(MARKER).is_file();
        if target.exists() && !ours && !force {
            return Err(OutputError::Occupied(target));
        }
        let tmp = root.join(format!(".{name}.paychan-tmp"));
        let old = root.join(format!(".{name}.paychan-old"));
        // Left by a run that was killed: never a complete result.
        for stale in [&tmp, &old] {
            if stale.exists() {
                fs::remove_dir_all(stale).map_err(io_err(stale))?;
            }
        }
        fs::create_dir(&tmp).map_err(|source| OutputError::Path { path: tmp.clone(), source })?;
        Ok(Staging { tmp, old, target, committed: false })
    }

    /// The staging folder to write into.
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// The final folder.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Marks the output as paychan's and renames it into place, replacing a previous run.
    ///
    /// # Errors
    ///
    /// [`OutputError::Io`] when a rename fails.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        let marker = self.tmp.join(MARKER);
        fs::write(&marker, "paychan output folder: replaced on the next run of the same scenario\n")
            .map_err(io_err(&marker))?;
        if self.target.exists() {
            if exchange(&self.tmp, &self.target).is_ok() {
                // The previous output now sits at the staging path.
                remove_any(&self.tmp)?;
            } else {
                // No atomic swap here: two renames, with a moment where neither is in place.
                fs::rename(&self.target, &self.old).map_err(io_err(&self.target))?;
                fs::rename(&self.tmp, &self.target).map_err(io_err(&self.target))?;
                remove_any(&self.old)?;
            }
        } else {
            fs::rename(&self.tmp, &self.target).map_err(io_err(&self.target))?;
        }
        self.committed = true;
        Ok(self.target.clone())
    }
}

fn remove_any(path: &Path) -> Result<(), OutputError> {
    if path.is_dir() { fs::remove_dir_all(path) } else { fs::remove_file(path) }.map_err(io_err(path))
}

/// Swaps `a` and `b` in one atomic step (Linux `renameat2` with `RENAME_EXCHANGE`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c =
        |p: &Path| CString::new(p.as_os_str().as_bytes()).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e));
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both paths are valid NUL-terminated strings that outlive the call.
    let r = unsafe { libc::renameat2(libc::AT_FDCWD, a.as_ptr(), libc::AT_FDCWD, b.as_ptr(), libc::RENAME_EXCHANGE) };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "no atomic exchange on this system"))
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            // Best effort: a failed run leaves nothing; the next run removes what remains.
            let _ = fs::remove_dir_all(&self.tmp);
        }
    }
}
