//! `headroom plan`: read the cluster's manifests, recommend, and write the plan folder.

use super::{AppError, output};
use crate::cli::PlanArgs;
use crate::plan::manifests::{Folder, parse_file};
use crate::scenario::{self, Problem, ScenarioError};
use std::path::Path;
use std::process::ExitCode;

/// Reads every `.yaml`/`.yml` file of a folder (not its subfolders), in name order.
pub fn read_folder(dir: &Path) -> Result<Folder, ScenarioError> {
    let one = |message: String| ScenarioError {
        problems: vec![Problem {
            file: dir.to_path_buf(),
            line: None,
            key: String::new(),
            message,
        }],
    };
    let entries =
        std::fs::read_dir(dir).map_err(|e| one(format!("cannot read the folder: {e}")))?;
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml"))
        .collect();
    names.sort();
    if names.is_empty() {
        return Err(one("holds no .yaml or .yml manifests".into()));
    }
    let mut folder = Folder {
        path: dir.to_path_buf(),
        files: Vec::new(),
    };
    let mut problems = Vec::new();
    for name in names {
        let path = dir.join(&name);
        match std::fs::read_to_string(&path) {
            Ok(text) => match parse_file(dir, &name, &text) {
                Ok(f) => folder.files.push(f),
                Err(e) => problems.extend(e.problems),
            },
            Err(e) => problems.push(Problem {
                file: path,
                line: None,
                key: String::new(),
                message: format!("cannot read the file: {e}"),
            }),
        }
    }
    if problems.is_empty() {
        Ok(folder)
    } else {
        Err(ScenarioError { problems })
    }
}

/// Recommends, writes the plan folder and says what was done and what was not.
pub fn execute(args: &PlanArgs) -> Result<ExitCode, AppError> {
    output::check_not_above(&args.out, &[&args.scenario, &args.manifests])?;
    let scenario = scenario::load(&args.scenario)?;
    let folder = read_folder(&args.manifests)?;
    let rec = super::recommend::recommend(&scenario, &args.sim)?;
    let plan = crate::plan::build(
        &scenario.model,
        &args.scenario.display().to_string(),
        &rec,
        folder,
        crate::plan::Settings {
            rule_labels: &args.rule_labels,
            kube_context: args.kube_context.as_deref(),
            today: Some(args.today.unwrap_or_else(this_month)),
        },
    )?;
    output::replace_folder(&args.out, &plan.outputs)?;
    if !args.sim.quiet {
        println!(
            "wrote {}/ ({} files: manifests, prometheusrule-headroom.yaml, alerts/ (the rules and their promtool tests), migrate.sh, plan.md)",
            args.out.display(),
            plan.outputs.len()
        );
        for n in &plan.notes {
            println!("  note: {n}");
        }
    }
    Ok(super::recommend::feasibility(&rec))
}

/// This month by the clock (UTC), as (year, month).
fn this_month() -> (i32, u32) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let m = crate::calibrate::history::month_of(secs) + 1970 * 12;
    (m.div_euclid(12), m.rem_euclid(12) as u32 + 1)
}
