//! `headroom compare A B…`: the same trials for every variant (common random numbers), the
//! differences paired trial by trial.

use super::{AppError, output};
use crate::cli::CompareArgs;
use crate::engine::{self, RunConfig};
use crate::report::compare::CompareReport;
use crate::scenario::{self, Problem, Scenario, ScenarioError};
use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;

/// Refuses variants that cannot be compared: all must share the first's horizon and currency.
fn check_comparable(loaded: &[Scenario]) -> Vec<Problem> {
    let first = &loaded[0];
    let mut problems = Vec::new();
    for s in &loaded[1..] {
        for (key, a, b) in [
            (
                "horizon_months",
                first.model.horizon_months.to_string(),
                s.model.horizon_months.to_string(),
            ),
            (
                "currency",
                first.model.currency.clone(),
                s.model.currency.clone(),
            ),
        ] {
            if a != b {
                problems.push(Problem {
                    file: s.path.clone(),
                    line: None,
                    key: key.into(),
                    message: format!(
                        "is {b} but {} has {a}: variants of a comparison must share {key}",
                        first.path.display()
                    ),
                });
            }
        }
    }
    problems
}

/// Loads the variants and refuses those that cannot be compared. The same scenario given twice
/// (a sanity check, or two files with one name) is labelled apart: `name (2)`.
pub fn load_variants(paths: &[PathBuf]) -> Result<Vec<Scenario>, ScenarioError> {
    let mut loaded = scenario::load_all(paths)?;
    let problems = check_comparable(&loaded);
    if !problems.is_empty() {
        return Err(ScenarioError { problems });
    }
    let mut seen = std::collections::BTreeMap::new();
    for s in &mut loaded {
        let n = seen.entry(s.model.name.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            s.model.name = format!("{} ({})", s.model.name, n);
        }
    }
    Ok(loaded)
}

/// Runs the comparison, writes its folder and prints the answer.
pub fn execute(args: &CompareArgs) -> Result<ExitCode, AppError> {
    if let Some(out) = &args.out {
        let inputs: Vec<&std::path::Path> = args.scenarios.iter().map(|p| p.as_path()).collect();
        output::check_not_above(out, &inputs)?;
    }
    let variants = load_variants(&args.scenarios)?;
    if let (Some(shard), Some(partial)) = (args.shard.shard, &args.shard.partial) {
        let refs: Vec<&Scenario> = variants.iter().collect();
        return super::merge::write_share("compare", &refs, &args.sim, shard, partial);
    }
    let cfg = RunConfig::from((&args.sim, &variants[0]));
    let models: Vec<&crate::model::Model> = variants.iter().map(|s| &s.model).collect();
    let bar = super::progress_bar(cfg.trials, args.sim.quiet, "compare");
    let comparison = engine::run_variants(&models, &cfg, &|n| bar.inc(n))
        .context("starting the worker threads")?;
    bar.finish_and_clear();
    finish(
        models,
        &comparison,
        cfg.seed,
        args.out.as_deref(),
        args.sim.quiet,
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Writes a comparison's report folder (`out`, else `reports/compare-<A>-vs-<B>/`) and,
/// unless quiet, prints its answer.
pub fn finish(
    models: Vec<&crate::model::Model>,
    comparison: &crate::aggregate::Comparison,
    seed: u64,
    out: Option<&std::path::Path>,
    quiet: bool,
) -> Result<(), AppError> {
    for (aggregate, model) in comparison.aggregates.iter().zip(&models) {
        super::check_reportable(aggregate, model)?;
    }
    let dir = out.map(std::path::Path::to_path_buf).unwrap_or_else(|| {
        let names: Vec<&str> = models.iter().map(|m| m.name.as_str()).collect();
        PathBuf::from("reports").join(format!("compare-{}", names.join("-vs-")))
    });
    let report = CompareReport::build(models, comparison, seed);
    let outputs = report
        .outputs()
        .context("rendering the comparison's report")?;
    output::replace_folder(&dir, &outputs)?;
    if !quiet {
        println!("{}", report.answer.to_terminal());
        println!(
            "  wrote {}/ (comparison.json, comparison.csv, report.md, charts)",
            dir.display()
        );
    }
    Ok(())
}
