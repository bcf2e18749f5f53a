//! The command line: `paychan run`, with exit codes 0 (success), 2 (bad input or usage), 1 (other).
//!
//! `main` stays thin, as in ripgrep: this module parses the arguments with clap, calls the
//! library, prints the human summary or the whole error chain, and picks the exit code.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::{Error, RunOptions};

/// Replays the Mastering Bitcoin payment channel second by second, with real transactions.
#[derive(Debug, Parser)]
#[command(name = "paychan", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Replay a scenario: sign every commitment and write CSV, JSON and charts.
    Run {
        /// The scenario file, e.g. scenarios/emma-fabian.toml.
        scenario: PathBuf,
        /// Folder that receives <name>/ (replaced atomically on each run).
        #[arg(long, default_value = "output")]
        out: PathBuf,
        /// Replace <out>/<name> even if it is not a previous paychan output.
        #[arg(long)]
        force: bool,
        /// Print only errors and warnings.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Validate a scenario and print its plan without signing anything (exit 0 valid, 2 not).
    Check {
        /// The scenario file.
        scenario: PathBuf,
    },
}

/// Runs the command line and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    match execute(cli) {
        Ok(()) => 0,
        Err(e) => {
            report_error(&e);
            e.exit_code()
        }
    }
}

fn execute(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Run { scenario, out, force, quiet } => {
            // Warnings first, so a user who stops reading at the summary has seen them.
            let s = crate::scenario::Scenario::load(&scenario)?;
            for w in crate::warnings(&s) {
                eprintln!("warning: {}: {w}", scenario.display());
            }
            let outcome = crate::run_scenario(s, &scenario, &RunOptions { out, force })?;
            if !quiet {
                print!("{}", crate::output::human_summary(&outcome.scenario, &outcome.report, &outcome.dir));
            }
            Ok(())
        }
        Command::Check { scenario } => {
            let s = crate::scenario::Scenario::load(&scenario)?;
            let plan = crate::plan::Plan::of(&s);
            println!("paychan check: {} is valid", scenario.display());
            print!("{}", plan.describe(&s));
            let warnings = plan.warnings(&s);
            if warnings.is_empty() {
                println!("  warnings  none");
            }
            for w in warnings {
                println!("  warning   {w}");
            }
            Ok(())
        }
    }
}

/// Prints `e` and every cause beneath it, one per line.
pub fn report_error(e: &dyn std::error::Error) {
    eprintln!("error: {e}");
    let mut source = e.source();
    while let Some(cause) = source {
        eprintln!("  caused by: {cause}");
        source = cause.source();
    }
}
