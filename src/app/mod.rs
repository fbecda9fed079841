//! The commands behind the CLI, and the edges of the program: the clock (a seed when none is
//! given), the terminal (progress, printed answers) and the file system ([`output`], the one
//! writer). Each command returns an exit code or an [`AppError`]; [`main`] maps errors to exit
//! code 2 with a message that says what and where, never a panic. Exit code 1 means
//! checks that ran and failed (`gate`).

pub mod calibrate;
pub mod compare;
pub mod gate;
pub mod ingest;
pub mod live;
pub mod merge;
pub mod output;
pub mod plan;
pub mod recommend;
pub mod run;
pub mod validate;

use crate::cli::{Cli, Command, SimArgs};
use crate::engine::RunConfig;
use crate::scenario::{Scenario, ScenarioError};
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

/// Refuses to report a simulation with a figure that is not a finite number (or is beyond
/// 10^15): the scenario's inputs are out of any real range, and "NaN GiB" or "n/a USD" must
/// never reach a report or pass a budget.
pub fn check_reportable(
    aggregate: &crate::aggregate::Aggregate,
    model: &crate::model::Model,
) -> Result<(), AppError> {
    match aggregate.unreportable() {
        None => Ok(()),
        Some((month, metric)) => Err(anyhow::anyhow!(
            "{}: {} in month {month} is not a finite number of sensible size in every trial; the scenario's sizes, prices or counts are beyond what headroom can report",
            model.name,
            metric.name()
        )
        .into()),
    }
}

/// The seed of a run: the flag, else the scenario's, else one from the clock (printed and
/// recorded in the reports, so the run can be replayed).
pub fn choose_seed(flag: Option<u64>, scenario: Option<u64>) -> u64 {
    flag.or(scenario).unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0)
    })
}

/// The run settings of a scenario under the command-line options: `--trials` else the
/// scenario's, `--seed` else the scenario's else the clock's, `--threads`.
impl From<(&SimArgs, &Scenario)> for RunConfig {
    fn from((sim, scenario): (&SimArgs, &Scenario)) -> RunConfig {
        RunConfig {
            trials: sim.trials.unwrap_or(scenario.trials).max(1),
            seed: choose_seed(sim.seed, scenario.seed),
            threads: sim.threads,
        }
    }
}

/// Runs the parsed command line and returns the process exit code.
pub fn main(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Run(args) => run::execute(&args),
        Command::Compare(args) => compare::execute(&args),
        Command::Recommend(args) => recommend::execute(&args),
        Command::Plan(args) => plan::execute(&args),
        Command::Gate(args) => gate::execute(&args),
        Command::Validate(args) => validate::execute(&args),
        Command::Ingest(args) => ingest::execute(&args),
        Command::Calibrate(args) => calibrate::execute(&args),
        Command::Merge(args) => merge::execute(&args),
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
