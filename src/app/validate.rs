//! `headroom validate`: load every file, print every problem.

use super::AppError;
use crate::cli::ValidateArgs;
use std::process::ExitCode;

/// Checks each scenario; prints `ok` lines for good ones and every problem of the others.
pub fn execute(args: &ValidateArgs) -> Result<ExitCode, AppError> {
    let mut bad = false;
    for path in &args.scenarios {
        match crate::scenario::load(path) {
            Ok(s) => println!(
                "ok: {} ({} volume templates, {} storage classes, {} Ceph clusters, {} months)",
                path.display(),
                s.model.volumes.len(),
                s.model.storage_classes.len(),
                s.model.ceph.len(),
                s.model.horizon_months
            ),
            Err(e) => {
                bad = true;
                for p in &e.problems {
                    eprintln!("error: {p}");
                }
            }
        }
    }
    Ok(if bad {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
