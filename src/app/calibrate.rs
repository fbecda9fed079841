//! `headroom calibrate`: read the history, fit each matched `[[volumes]]` entry, write the
//! fits into the scenario (comments kept) and a chart of each fit beside it.

use super::{AppError, output};
use crate::calibrate::{self, apply, fit, history};
use crate::cli::CalibrateArgs;
use crate::model::{Backend, Model, Per};
use crate::scenario::{self, ScenarioError};
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Runs `calibrate`.
pub fn execute(args: &CalibrateArgs) -> Result<ExitCode, AppError> {
    let loaded = scenario::load(&args.scenario)?;
    let text = std::fs::read_to_string(&args.scenario)
        .with_context(|| format!("reading {}", args.scenario.display()))?;
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e| ScenarioError::one(&args.scenario, None, "", format!("not TOML: {e}")))?;
    let hist = history::read(&args.history)?;
    let month_ends =
        history::month_ends(&hist.samples).context("resampling the history to months")?;
    let entries = apply::volumes(&doc);
    if let Some(v) = &args.volume
        && !entries.iter().any(|e| e.name == *v)
    {
        return Err(ScenarioError::one(
            &args.scenario,
            None,
            "volumes",
            format!("no [[volumes]] entry named {v:?} (--volume)"),
        )
        .into());
    }
    let (matched, unmatched) = calibrate::assign(&month_ends, &entries, args.volume.as_deref());
    println!(
        "{}: {} series of {}, {} month-end figures",
        args.history.display(),
        count_series(&month_ends),
        hist.metric,
        month_ends.len()
    );
    if !unmatched.is_empty() {
        println!(
            "{} series match no [[volumes]] entry (by `claims` or StatefulSet name; or pass --volume): {}",
            unmatched.len(),
            unmatched.join(", ")
        );
    }
    let mut edits = Vec::new();
    let mut charts = Vec::new();
    for (volume, series) in &matched {
        let per_volume = pool_divisor(&loaded.model, volume, hist.metric == history::METRICS[1]);
        let t = calibrate::fit_entry(volume, series, per_volume);
        report(&t);
        let per_cluster = loaded
            .model
            .volumes
            .iter()
            .find(|v| v.name == *volume)
            .is_some_and(|v| matches!(v.per, Per::Cluster(_)));
        edits.extend(calibrate::edits(&t, per_cluster && per_volume == 1.0));
        if let Ok(f) = &t.fit {
            let png = crate::report::png::fit_chart(&t.volume, &t.increments, &f.family)
                .map_err(anyhow::Error::from)?;
            charts.push((t.volume.clone(), png));
            if per_cluster && per_volume == 1.0 {
                rebalance_raw_used(&loaded.model, &mut doc, &t)?;
            }
        }
    }
    if let Some(users) = &args.users {
        edits.extend(population(users)?);
    }
    if edits.is_empty() {
        println!("nothing fitted: {} left as it was", args.scenario.display());
        return Ok(ExitCode::SUCCESS);
    }
    apply::apply(&mut doc, &edits).map_err(|m| ScenarioError::one(&args.scenario, None, "", m))?;
    // What will be written must still be a valid scenario: checked before the file is replaced.
    let text = doc.to_string();
    scenario::load_text(&args.scenario, &text).map_err(|e| {
        anyhow::anyhow!(
            "the fitted scenario would not be valid, so {} is left as it was:\n{e}",
            args.scenario.display()
        )
    })?;
    output::write_file(&args.scenario, text.as_bytes())
        .with_context(|| format!("writing {}", args.scenario.display()))?;
    println!(
        "wrote {} key(s) into {}",
        edits.len(),
        args.scenario.display()
    );
    for (volume, png) in charts {
        let path = chart_path(args, &volume);
        output::write_file(&path, &png).with_context(|| format!("writing {}", path.display()))?;
        println!("chart: {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn count_series(m: &[history::MonthEnd]) -> usize {
    let mut s: Vec<&str> = m.iter().map(|x| x.series.as_str()).collect();
    s.sort_unstable();
    s.dedup();
    s.len()
}

/// A pool's stored data is shared by the entry's volumes: its increments are divided by their
/// count (per-cluster entries; 1 otherwise).
fn pool_divisor(model: &Model, volume: &str, pool_level: bool) -> f64 {
    match model
        .volumes
        .iter()
        .find(|v| v.name == volume)
        .map(|v| &v.per)
    {
        Some(Per::Cluster(n)) if pool_level => (*n).max(1) as f64,
        _ => 1.0,
    }
}

fn report(t: &calibrate::TemplateFit) {
    match &t.fit {
        Ok(f) => println!(
            "{}: {}, {}, {} increments: {} {} (log-likelihood {:.1}; {}); KS D = {:.3}, p ≈ {:.2}{}",
            t.volume,
            t.what(),
            t.window_text(),
            f.n,
            f.family.name(),
            f.family.toml(),
            f.log_likelihood,
            calibrate::ci_text(f),
            f.ks,
            f.ks_p,
            t.spread
                .map_or(String::new(), |s| format!("; trial_factor σ {s:.3}"))
        ),
        Err(why) => println!(
            "{}: too little history ({why}); its placeholders stay",
            t.volume
        ),
    }
}

/// A per-cluster Ceph entry whose use is now measured: the cluster's `initial_raw_used` gives
/// up what the entry's volumes now account for (count × Δ used × rate × (1 + overhead)), so
/// month 0's raw used stays what `ceph df` said.
fn rebalance_raw_used(
    model: &Model,
    doc: &mut toml_edit::DocumentMut,
    t: &calibrate::TemplateFit,
) -> Result<(), AppError> {
    let Some(v) = model.volumes.iter().find(|v| v.name == t.volume) else {
        return Ok(());
    };
    let (Per::Cluster(count), Backend::Ceph { cluster, rate, .. }) =
        (&v.per, &model.storage_classes[v.storage_class].backend)
    else {
        return Ok(());
    };
    let Some((_, new_mean)) = calibrate::initial_used(t) else {
        return Ok(());
    };
    let c = &model.ceph[*cluster];
    let delta = *count as f64
        * (new_mean.min(v.size_gib) - v.initial_used.mean().min(v.size_gib))
        * rate
        * (1.0 + c.overhead);
    let raw = (c.initial_raw_used_gib - delta).max(0.0);
    let comment = if raw > 0.0 || delta == c.initial_raw_used_gib {
        format!(
            "calibrate: {:.2} GiB less, now held by {:?}'s measured use (raw used at month 0 unchanged)",
            delta, t.volume
        )
    } else {
        format!(
            "calibrate: floored at 0: {:?}'s measured use needs {:.2} GiB raw more than was left unexplained, so month 0's raw used is that much above the capture",
            t.volume,
            delta - c.initial_raw_used_gib
        )
    };
    apply::set_initial_raw_used(doc, &c.name, raw, &comment).map_err(|m| anyhow::anyhow!(m).into())
}

/// `[population]` from a `time,users` CSV: month-end counts, geometric growth.
fn population(path: &Path) -> Result<Vec<apply::Edit>, AppError> {
    let hist = history::read_users(path)?;
    let months = history::month_ends(&hist.samples).context("resampling the users to months")?;
    let users: Vec<f64> = months
        .iter()
        .map(|m| (m.used_gib * history::GIB).round())
        .collect();
    let Some((rate, rate_sd, noise)) = fit::geometric(&users) else {
        println!(
            "population: {} month(s) of user counts: at least {} are needed; placeholders stay",
            users.len(),
            calibrate::MIN_MONTHS
        );
        return Ok(Vec::new());
    };
    let last = users.last().copied().unwrap_or(0.0);
    let window = format!(
        "{}..{}",
        history::month_name(months[0].month),
        history::month_name(months[months.len() - 1].month)
    );
    println!(
        "population: {} users at the end of the window; {:.2}% a month (± {:.2}%), noise {:.3}",
        last,
        rate * 100.0,
        rate_sd * 100.0,
        noise
    );
    let r = |x: f64| (x * 1e5).round() / 1e5;
    Ok(vec![
        apply::Edit {
            volume: String::new(),
            key: "initial_users".into(),
            value: format!("{last}"),
            comment: format!("calibrate: users at the end of {window}"),
        },
        apply::Edit {
            volume: String::new(),
            key: "growth".into(),
            value: format!(
                "{{ geometric = {{ rate = {{ normal = {{ mean = {}, sd = {} }} }}, noise = {} }} }}",
                r(rate),
                r(rate_sd),
                r(noise)
            ),
            comment: format!(
                "calibrate: monthly log-growth of {} months ({window}): mean as the rate, its standard error as the rate's spread, its deviation as the noise",
                users.len()
            ),
        },
    ])
}

fn chart_path(args: &CalibrateArgs, volume: &str) -> PathBuf {
    let stem = args
        .scenario
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = args.charts.clone().unwrap_or_else(|| {
        args.scenario
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    });
    dir.join(format!("{stem}-{volume}-fit.png"))
}
