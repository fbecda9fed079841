//! `headroom ingest`: read the captures, write the scenario, print month 0 against them.

use super::{AppError, output};
use crate::cli::IngestArgs;
use crate::ingest::{self, check, plan, write};
use crate::scenario;
use anyhow::Context;
use std::process::ExitCode;

/// Runs `ingest`.
pub fn execute(args: &IngestArgs) -> Result<ExitCode, AppError> {
    if args.out.exists() && !args.force {
        return Err(crate::scenario::ScenarioError::one(
            &args.out,
            None,
            "",
            "exists: ingest would replace it, and what was edited or calibrated in it since; choose another --out, or pass --force",
        )
        .into());
    }
    let mut captures = args.captures.clone();
    if args.live {
        captures.extend(super::live::capture(args)?);
    }
    let (ceph, kube) = ingest::read_all(&captures)?;
    let name = args
        .out
        .file_stem()
        .map(|s| crate::names::sanitized(&s.to_string_lossy()))
        .unwrap_or_else(|| "ingested".into());
    let plan = plan::plan(&ceph, &kube, &args.cluster).map_err(|message| {
        let files: Vec<String> = captures.iter().map(|p| p.display().to_string()).collect();
        crate::scenario::ScenarioError::one(
            std::path::Path::new(&files.join(", ")),
            None,
            "",
            message,
        )
    })?;
    let files: Vec<String> = captures.iter().map(|p| p.display().to_string()).collect();
    let text = write::scenario(&plan, &name, &files);
    // The file must be a valid scenario as it will be written, before anything is replaced;
    // month 0 is replayed from it.
    let written = scenario::load_text(&args.out, &text).map_err(|e| {
        anyhow::anyhow!(
            "the scenario ingest would write is not valid, so {} is left as it was:\n{e}",
            args.out.display()
        )
    })?;
    output::write_file(&args.out, text.as_bytes())
        .with_context(|| format!("writing {}", args.out.display()))?;
    let rows = check::month_zero(&written.model, &plan, &ceph);
    println!("wrote {}", args.out.display());
    print!("{}", check::table(&rows));
    for r in rows
        .iter()
        .filter(|r| r.figure.starts_with("health ") && !r.matches())
    {
        println!(
            "warning: {} says {} is {}, month 0's fullest OSD says {}: the fullest OSD is inferred (capture `ceph osd df tree -f json` to read it), so later months may be off",
            r.source,
            r.figure
                .trim_start_matches("health ")
                .trim_end_matches(" (1 = raised)"),
            if r.captured > 0.5 {
                "raised"
            } else {
                "not raised"
            },
            if r.month0 > 0.5 {
                "raised"
            } else {
                "not raised"
            }
        );
    }
    let asks = text.lines().filter(|l| l.contains("# ASK:")).count();
    let placeholders = text.lines().filter(|l| l.contains("PLACEHOLDER")).count();
    println!(
        "{asks} values to confirm (marked ASK:), {placeholders} placeholders for growth and population (`headroom calibrate`)."
    );
    Ok(ExitCode::SUCCESS)
}
