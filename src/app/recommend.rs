//! `headroom recommend`: the tier and autoresize settings per volume template, and the Ceph
//! expansion trigger, that meet the targets at least cost.

use super::AppError;
use crate::cli::{RecommendArgs, RecommendFormat, SimArgs};
use crate::decide::{self, Recommendation};
use crate::engine::RunConfig;
use crate::scenario::{self, Scenario};
use anyhow::Context;
use std::process::ExitCode;

/// Runs the recommendation for a loaded scenario.
pub fn recommend(scenario: &Scenario, sim: &SimArgs) -> Result<Recommendation, AppError> {
    let cfg = RunConfig::from((sim, scenario));
    let (tiers, _, _) = decide::tiers::variants(&scenario.model);
    let (triggers, _) = decide::trigger::variants(&scenario.model);
    // Every option plays every trial: the bar counts trials of the two sweeps.
    let steps = cfg.trials * (1 + (!triggers.is_empty()) as u64);
    let bar = super::progress_bar(
        steps,
        sim.quiet,
        &format!("recommend ({} options)", tiers.len() + triggers.len()),
    );
    let r = decide::recommend(&scenario.model, &cfg, &|n| bar.inc(n))
        .context("starting the worker threads")?;
    bar.finish_and_clear();
    Ok(r)
}

/// Prints the recommendation as text or JSON.
pub fn execute(args: &RecommendArgs) -> Result<ExitCode, AppError> {
    let scenario = scenario::load(&args.scenario)?;
    if let (Some(shard), Some(partial)) = (args.shard.shard, &args.shard.partial) {
        return super::merge::write_share("recommend", &[&scenario], &args.sim, shard, partial);
    }
    let r = recommend(&scenario, &args.sim)?;
    match args.format {
        RecommendFormat::Text => {
            if !args.sim.quiet {
                print!("{}", crate::report::recommend::text(&r, &scenario.model));
            }
        }
        RecommendFormat::Json => {
            let bytes = crate::report::recommend::json(&r).context("formatting JSON")?;
            print!("{}", String::from_utf8_lossy(&bytes));
        }
    }
    Ok(feasibility(&r))
}

/// Exit 0 when every template and cluster has an option that meets the targets; else 1, with
/// the ones that have none on stderr (the report says the closest option and what it misses).
pub fn feasibility(r: &Recommendation) -> ExitCode {
    let missing = r.infeasible();
    if missing.is_empty() {
        return ExitCode::SUCCESS;
    }
    eprintln!(
        "headroom: no option meets the targets for {} (exit 1)",
        missing.join(", ")
    );
    ExitCode::from(1)
}
