//! `headroom compare A B…`: the same trials for every variant (common random numbers), the
//! differences paired trial by trial.

use super::AppError;
use super::run::choose_seed;
use crate::cli::CompareArgs;
use crate::engine::{self, RunConfig};
use crate::report::{self, compare::ComparisonSummary};
use crate::scenario::{self, Problem, ScenarioError};
use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;

/// Loads the variants and refuses those that cannot be compared.
pub fn load_variants(paths: &[PathBuf]) -> Result<Vec<scenario::Scenario>, ScenarioError> {
    let mut loaded = Vec::new();
    let mut problems = Vec::new();
    for p in paths {
        match scenario::load(p) {
            Ok(s) => loaded.push(s),
            Err(e) => problems.extend(e.problems),
        }
    }
    if !problems.is_empty() {
        return Err(ScenarioError { problems });
    }
    let first = &loaded[0];
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
    // The same scenario twice (a sanity check, or two files with one name): label them apart.
    let mut seen = std::collections::BTreeMap::new();
    for s in &mut loaded {
        let n = seen.entry(s.model.name.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            s.model.name = format!("{} ({})", s.model.name, n);
        }
    }
    if problems.is_empty() {
        Ok(loaded)
    } else {
        Err(ScenarioError { problems })
    }
}

/// Runs the comparison, writes its files and prints the headline.
pub fn execute(args: &CompareArgs) -> Result<ExitCode, AppError> {
    let variants = load_variants(&args.scenarios)?;
    let seed = choose_seed(args.sim.seed, variants[0].seed);
    let cfg = RunConfig {
        trials: args.sim.trials.unwrap_or(variants[0].trials).max(1),
        seed,
        threads: args.sim.threads,
        max_users: variants[0].max_users,
    };
    let models: Vec<&crate::model::Model> = variants.iter().map(|s| &s.model).collect();
    let pairs: Vec<(&crate::model::Model, u64)> =
        variants.iter().map(|s| (&s.model, s.max_users)).collect();
    let bar = super::progress_bar(cfg.trials, args.sim.quiet, "compare");
    let comparison = engine::run_variants(&pairs, &cfg, &|n| bar.inc(n))
        .context("starting the worker threads")?;
    bar.finish_and_clear();

    let summary = ComparisonSummary::build(&models, &comparison, seed);
    let dir = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("reports").join(format!(
            "compare-{}",
            models
                .iter()
                .map(|m| m.name.as_str())
                .collect::<Vec<_>>()
                .join("-vs-")
        ))
    });
    let mut files = vec![
        ("comparison.json".to_string(), summary.to_json()),
        (
            "comparison.csv".to_string(),
            report::compare::to_csv(&models, &comparison).context("formatting comparison.csv")?,
        ),
    ];
    let charts = report::compare::charts(&models, &comparison).context("drawing charts")?;
    let names: Vec<String> = charts.iter().map(|(n, _)| n.clone()).collect();
    files.extend(charts);
    let markdown = report::compare::report(&models, &summary, &names);
    files.push(("report.md".to_string(), markdown.clone().into_bytes()));
    for (name, bytes) in &files {
        let path = dir.join(name);
        report::write_atomic(&path, bytes)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if !args.sim.quiet {
        let answer = markdown
            .split("## The answer\n\n")
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .unwrap_or("");
        println!(
            "{} — {} trials each, seed {}, {} months, {}\n",
            models
                .iter()
                .map(|m| m.name.as_str())
                .collect::<Vec<_>>()
                .join(" vs "),
            summary.trials,
            seed,
            summary.horizon_months,
            summary.currency
        );
        println!("{}", answer.replace("**", "").trim_end());
        println!(
            "\n  wrote {}/ (comparison.json, comparison.csv, report.md, charts)",
            dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
