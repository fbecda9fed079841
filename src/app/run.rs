//! `headroom run`: simulate each scenario, write its report folder, print its answer.

use super::{AppError, output};
use crate::aggregate::Aggregate;
use crate::cli::{RunArgs, SimArgs};
use crate::engine::{self, Keep, RunConfig, TrialRow};
use crate::report::run::RunReport;
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

impl Simulated {
    /// The report of this simulation.
    pub fn report(&self) -> RunReport<'_> {
        RunReport::build(&self.scenario.model, &self.aggregate, self.seed)
    }
}

/// Simulates one loaded scenario; with `keep`, hands the kept rows to `sink` in trial order,
/// a wave at a time.
pub fn simulate(
    scenario: Scenario,
    sim: &SimArgs,
    keep: Keep,
    sink: &mut dyn FnMut(&[TrialRow]) -> anyhow::Result<()>,
) -> Result<Simulated, AppError> {
    let cfg = RunConfig::from((sim, &scenario));
    let bar = super::progress_bar(cfg.trials, sim.quiet, &scenario.model.name);
    let aggregate = match keep {
        Keep::Nothing => engine::run(&scenario.model, &cfg, &|n| bar.inc(n))
            .context("starting the worker threads")?,
        _ => engine::run_in_waves(&scenario.model, &cfg, keep, &|n| bar.inc(n), sink)?,
    };
    bar.finish_and_clear();
    Ok(Simulated {
        scenario,
        aggregate,
        seed: cfg.seed,
    })
}

/// Renders a report and replaces `dir` with its files.
pub fn write_report(report: &RunReport, dir: &Path) -> Result<(), AppError> {
    let outputs = report
        .outputs()
        .with_context(|| format!("rendering the report of {}", report.model.name))?;
    output::replace_folder(dir, &outputs)?;
    Ok(())
}

/// Writes a simulation's report folder and, unless quiet, prints its answer and table.
pub fn finish(sim: &Simulated, dir: &Path, quiet: bool) -> Result<(), AppError> {
    super::check_reportable(&sim.aggregate, &sim.scenario.model)?;
    let report = sim.report();
    write_report(&report, dir)?;
    if !quiet {
        println!("{}", report.answer.to_terminal());
        print!("{}", crate::report::table::render(&report));
        println!(
            "  wrote {}/ (summary.json, timeseries.csv, report.md, charts)\n",
            dir.display()
        );
    }
    Ok(())
}

/// Where `run` writes a scenario's report: `--out`, else `reports/<name>/`.
pub fn report_dir(out: Option<&Path>, several: bool, name: &str) -> PathBuf {
    match out {
        Some(dir) if !several => dir.to_path_buf(),
        Some(dir) => dir.join(name),
        None => PathBuf::from("reports").join(name),
    }
}

/// Runs every scenario; all are loaded first, so a typo in the last fails before any work.
pub fn execute(args: &RunArgs) -> Result<ExitCode, AppError> {
    if let Some(out) = &args.out {
        let inputs: Vec<&Path> = args.scenarios.iter().map(|p| p.as_path()).collect();
        output::check_not_above(out, &inputs)?;
    }
    let loaded = scenario::load_all(&args.scenarios)?;
    if let (Some(shard), Some(partial)) = (args.shard.shard, &args.shard.partial) {
        if loaded.len() != 1 || args.export_trials.is_some() {
            return Err(
                anyhow::anyhow!("--shard plays one scenario, without --export-trials").into(),
            );
        }
        let refs: Vec<&Scenario> = loaded.iter().collect();
        return super::merge::write_share("run", &refs, &args.sim, shard, partial);
    }
    let keep = match (&args.export_trials, args.per_month) {
        (None, _) => Keep::Nothing,
        (Some(_), false) => Keep::Final,
        (Some(_), true) => Keep::PerMonth,
    };
    let several = args.scenarios.len() > 1;
    let Some(path) = &args.export_trials else {
        for s in loaded {
            let sim = simulate(s, &args.sim, Keep::Nothing, &mut |_| Ok(()))?;
            let dir = report_dir(args.out.as_deref(), several, &sim.scenario.model.name);
            finish(&sim, &dir, args.sim.quiet)?;
        }
        return Ok(ExitCode::SUCCESS);
    };
    // The trials stream into the Parquet file a wave at a time; it appears whole at the end.
    let mut rows = 0;
    output::write_file_with(path, |file| {
        let mut export = crate::report::parquet::Export::new(file)?;
        for s in loaded {
            let name = s.model.name.clone();
            let sim = simulate(s, &args.sim, keep, &mut |kept| {
                export
                    .write(&name, kept)
                    .context("encoding the trials as Parquet")
            })
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            let dir = report_dir(args.out.as_deref(), several, &name);
            finish(&sim, &dir, args.sim.quiet).map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        rows = export.finish()?;
        Ok(())
    })?;
    if !args.sim.quiet {
        println!("wrote {} ({rows} rows)", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
