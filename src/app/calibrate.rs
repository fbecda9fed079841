//! `headroom calibrate`.

use super::AppError;
use crate::cli::CalibrateArgs;
use std::process::ExitCode;

/// Runs `calibrate`.
pub fn execute(args: &CalibrateArgs) -> Result<ExitCode, AppError> {
    let _ = args;
    Ok(ExitCode::SUCCESS)
}
