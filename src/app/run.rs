//! `headroom run`: simulate each scenario, write its reports, print its table.

use super::AppError;
use crate::aggregate::Aggregate;
use crate::cli::{RunArgs, SimArgs};
use crate::engine::{self, Keep, RunConfig, TrialRow};
use crate::model::metrics::Metric;
use crate::report::{self, Summary};
use crate::scenario::{self, Scenario};
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// A finished simulation of one scenario.
#[derive(Debug, Clone)]
pub struct Simulated {
    /// The scenario.
    pub scenario: Scenario,
    /// Its aggregated trials.
    pub aggregate: Aggregate,
    /// The seed used.
    pub seed: u64,
}

/// The seed of a run: the flag, else the scenario's, else one from the clock (printed and
/// recorded in the summary, so the run can be replayed).
pub fn choose_seed(flag: Option<u64>, scenario: Option<u64>) -> u64 {
    flag.or(scenario).unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0)
    })
}

/// Simulates one loaded scenario with the command-line options.
pub fn simulate(scenario: Scenario, sim: &SimArgs) -> Result<Simulated, AppError> {
    Ok(simulate_keeping(scenario, sim, Keep::Nothing)?.0)
}

/// Simulates one loaded scenario, keeping trial rows as asked.
pub fn simulate_keeping(
    scenario: Scenario,
    sim: &SimArgs,
    keep: Keep,
) -> Result<(Simulated, Vec<TrialRow>), AppError> {
    let seed = choose_seed(sim.seed, scenario.seed);
    let cfg = RunConfig {
        trials: sim.trials.unwrap_or(scenario.trials).max(1),
        seed,
        threads: sim.threads,
        max_users: scenario.max_users,
    };
    let bar = super::progress_bar(cfg.trials, sim.quiet, &scenario.model.name);
    let (aggregate, rows) = engine::run_keeping(&scenario.model, &cfg, keep, &|n| bar.inc(n))
        .context("starting the worker threads")?;
    bar.finish_and_clear();
    Ok((
        Simulated {
            scenario,
            aggregate,
            seed,
        },
        rows,
    ))
}

/// Writes `summary.json` and `timeseries.csv` of a simulation into `dir`.
pub fn write_reports(sim: &Simulated, dir: &Path) -> Result<Summary, AppError> {
    let model = &sim.scenario.model;
    let summary = Summary::build(model, &sim.aggregate, sim.seed);
    let csv =
        report::timeseries::to_csv(model, &sim.aggregate).context("formatting timeseries.csv")?;
    let mut files = vec![
        ("summary.json".to_string(), summary.to_json()),
        ("timeseries.csv".to_string(), csv),
    ];
    let charts = report::charts::run_charts(model, &sim.aggregate).context("drawing charts")?;
    let names: Vec<String> = charts.iter().map(|(n, _)| n.clone()).collect();
    files.extend(charts);
    files.push((
        "report.md".to_string(),
        report::markdown::run_report(model, &summary, &names).into_bytes(),
    ));
    for (name, bytes) in &files {
        let path = dir.join(name);
        report::write_atomic(&path, bytes)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(summary)
}

fn out_dir(args: &RunArgs, name: &str) -> PathBuf {
    match &args.out {
        Some(dir) if args.scenarios.len() == 1 => dir.clone(),
        Some(dir) => dir.join(name),
        None => PathBuf::from("reports").join(name),
    }
}

/// Runs every scenario; all are loaded first, so a typo in the last fails before any work.
pub fn execute(args: &RunArgs) -> Result<ExitCode, AppError> {
    let mut loaded = Vec::new();
    let mut problems = Vec::new();
    for path in &args.scenarios {
        match scenario::load(path) {
            Ok(s) => loaded.push(s),
            Err(e) => problems.extend(e.problems),
        }
    }
    if !problems.is_empty() {
        return Err(scenario::ScenarioError { problems }.into());
    }
    let keep = match (&args.export_trials, args.per_month) {
        (None, _) => Keep::Nothing,
        (Some(_), false) => Keep::Final,
        (Some(_), true) => Keep::PerMonth,
    };
    let mut exported = Vec::new();
    for s in loaded {
        let (sim, rows) = simulate_keeping(s, &args.sim, keep)?;
        if keep != Keep::Nothing {
            exported.push((sim.scenario.model.name.clone(), rows));
        }
        let dir = out_dir(args, &sim.scenario.model.name);
        let summary = write_reports(&sim, &dir)?;
        if !args.sim.quiet {
            let initial = sim.aggregate.cell(0, Metric::CostTotal).mean();
            print!("{}", report::table::render(&summary, initial));
            println!(
                "  wrote {}/ (summary.json, timeseries.csv, report.md, charts)\n",
                dir.display()
            );
        }
    }
    if let Some(path) = &args.export_trials {
        let bytes =
            report::trials::to_parquet(&exported).context("encoding the trials as Parquet")?;
        report::write_atomic(path, &bytes)
            .with_context(|| format!("writing {}", path.display()))?;
        if !args.sim.quiet {
            let rows: usize = exported.iter().map(|(_, r)| r.len()).sum();
            println!("wrote {} ({rows} rows)", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
