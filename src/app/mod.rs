//! The commands behind the CLI. Each returns an [`Outcome`] or an [`AppError`]; [`main`] maps
//! them to exit codes: 0 success, 1 a check that ran and failed (the future `gate`), 2 bad input
//! or an I/O error, with a message that says what and where, never a panic.

pub mod compare;
pub mod run;
pub mod validate;

use crate::cli::{Cli, Command};
use crate::scenario::ScenarioError;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::process::ExitCode;

/// Why a command could not do its job.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A scenario or catalog is wrong.
    #[error("{0}")]
    Input(#[from] ScenarioError),
    /// Anything else (writing reports, thread pool), with its context chain.
    #[error("{0:#}")]
    Other(#[from] anyhow::Error),
}

/// A progress bar over `len` trials on stderr, hidden with `--quiet` or when stderr is not a
/// terminal (indicatif draws to stderr, so piped output stays clean).
pub fn progress_bar(len: u64, quiet: bool, message: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} trials ({eta})") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message.to_string());
    bar
}

/// Runs the parsed command line and returns the process exit code.
pub fn main(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Run(args) => run::execute(&args),
        Command::Compare(args) => compare::execute(&args),
        Command::Validate(args) => validate::execute(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            for line in e.to_string().lines() {
                eprintln!("error: {line}");
            }
            ExitCode::from(2)
        }
    }
}
