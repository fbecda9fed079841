//! `headroom calibrate`: growth as the cluster has really grown (DESIGN §9).
//!
//! Usage history ([`history`]) is resampled to month ends and matched to the scenario's
//! `[[volumes]]` entries: a claim's series by the entry's `claims` (as `ingest` writes them) or
//! by its StatefulSet's naming (`<template>-<statefulset>-<ordinal>`), or every series to the
//! one entry `--volume` names. Each entry's monthly increments (volume-months whose month and
//! the month before were both observed) are fitted ([`fit`]); the spread between its volumes'
//! own mean growth becomes `trial_factor`; the last month's use becomes `initial_used`.
//! [`apply`] writes the keys into the file. Too little history — under three months, or fewer
//! than five volumes — is said, and the placeholders stay.

pub mod apply;
pub mod fit;
pub mod history;

use history::{MonthEnd, month_name};
use std::collections::BTreeMap;

/// Fewest months of history a fit needs.
pub const MIN_MONTHS: usize = 3;
/// Fewest volumes (series) a per-volume fit needs.
pub const MIN_VOLUMES: usize = 5;

/// Month-end figures of one series.
pub type Series = Vec<(i32, f64)>;

/// The series matched to each entry, and those no entry claims.
pub fn assign(
    month_ends: &[MonthEnd],
    entries: &[apply::Entry],
    only: Option<&str>,
) -> (BTreeMap<String, BTreeMap<String, Series>>, Vec<String>) {
    let mut matched: BTreeMap<String, BTreeMap<String, Series>> = BTreeMap::new();
    let mut unmatched = Vec::new();
    for m in month_ends {
        let entry = match only {
            Some(v) => Some(v.to_string()),
            None => entry_of(&m.series, entries),
        };
        match entry {
            Some(e) => matched
                .entry(e)
                .or_default()
                .entry(m.series.clone())
                .or_default()
                .push((m.month, m.used_gib)),
            None if !unmatched.contains(&m.series) => unmatched.push(m.series.clone()),
            None => {}
        }
    }
    (matched, unmatched)
}

/// The entry a `namespace/claim` series belongs to.
fn entry_of(series: &str, entries: &[apply::Entry]) -> Option<String> {
    let claim = series.rsplit('/').next().unwrap_or(series);
    entries
        .iter()
        .find(|e| e.claims.iter().any(|c| c == series))
        .or_else(|| {
            entries.iter().find(|e| {
                e.statefulset.as_ref().is_some_and(|sts| {
                    claim
                        .strip_prefix(&format!("{}-{sts}-", e.name))
                        .is_some_and(|o| !o.is_empty() && o.chars().all(|c| c.is_ascii_digit()))
                })
            })
        })
        .map(|e| e.name.clone())
}

/// What the history says of one entry.
#[derive(Debug, Clone)]
pub struct TemplateFit {
    /// The entry.
    pub volume: String,
    /// Series (volumes) matched.
    pub volumes: usize,
    /// First and last month observed.
    pub window: (i32, i32),
    /// Monthly increments, GiB per volume.
    pub increments: Vec<f64>,
    /// The fit, or why there is none.
    pub fit: Result<fit::Fit, String>,
    /// σ of the volumes' mean growth around their mean (lognormal, median 1).
    pub spread: Option<f64>,
    /// Each volume's use in the last month, GiB.
    pub last_used: Vec<f64>,
    /// Volumes a pool-level series is shared over (1: per-volume series).
    pub per_volume: f64,
}

impl TemplateFit {
    /// `40 volume(s)`, or `1 pool series shared over 6 volumes`.
    pub fn what(&self) -> String {
        if self.per_volume > 1.0 {
            format!(
                "{} pool series shared over {} volumes",
                self.volumes, self.per_volume
            )
        } else {
            format!("{} volume(s)", self.volumes)
        }
    }

    /// `2026-01..2026-06`.
    pub fn window_text(&self) -> String {
        format!(
            "{}..{}",
            month_name(self.window.0),
            month_name(self.window.1)
        )
    }
}

/// Fits one entry from its series. `per_volume` divides a pool-level series' increments over
/// the entry's volumes (`ceph_pool_stored`); per-claim series leave it at 1.
pub fn fit_entry(volume: &str, series: &BTreeMap<String, Series>, per_volume: f64) -> TemplateFit {
    let mut increments = Vec::new();
    let mut means = Vec::new();
    let mut months = Vec::new();
    let mut last_used = Vec::new();
    for points in series.values() {
        let mut own = Vec::new();
        for w in points.windows(2) {
            if w[1].0 - w[0].0 == 1 {
                own.push((w[1].1 - w[0].1) / per_volume);
            }
        }
        if !own.is_empty() {
            means.push(own.iter().sum::<f64>() / own.len() as f64);
        }
        increments.extend(own);
        months.extend(points.iter().map(|p| p.0));
        if let Some(last) = points.last() {
            last_used.push((last.0, last.1 / per_volume));
        }
    }
    months.sort_unstable();
    months.dedup();
    let window = (
        months.first().copied().unwrap_or(0),
        months.last().copied().unwrap_or(0),
    );
    let latest = window.1;
    let volumes = series.len();
    let pool_level = per_volume > 1.0 || series.keys().all(|k| k.starts_with("pool:"));
    let fit = if months.len() < MIN_MONTHS {
        Err(format!(
            "{} month(s) of history: at least {MIN_MONTHS} are needed",
            months.len()
        ))
    } else if !pool_level && volumes < MIN_VOLUMES {
        Err(format!(
            "{volumes} volume(s): at least {MIN_VOLUMES} are needed for a per-volume fit"
        ))
    } else {
        fit::best(&increments)
            .ok_or_else(|| "the increments do not vary: nothing to fit".to_string())
    };
    TemplateFit {
        volume: volume.to_string(),
        volumes,
        window,
        fit,
        spread: if pool_level {
            None
        } else {
            fit::volume_spread(&means)
        },
        per_volume,
        last_used: last_used
            .into_iter()
            .filter(|(m, _)| *m == latest)
            .map(|(_, u)| u)
            .collect(),
        increments,
    }
}

/// The edits a fit makes to its entry: growth, trial_factor (per-volume data only) and, where
/// `set_used`, initial_used from the last month.
pub fn edits(t: &TemplateFit, set_used: bool) -> Vec<apply::Edit> {
    let Ok(f) = &t.fit else { return Vec::new() };
    let tried: Vec<String> = f
        .tried
        .iter()
        .map(|(fam, l)| format!("{} {l:.1}", fam.name()))
        .collect();
    let mut out = vec![apply::Edit {
        volume: t.volume.clone(),
        key: "growth".into(),
        value: f.family.toml(),
        comment: format!(
            "calibrate: {} by likelihood ({}) over {} monthly increments of {}, {}; {}; KS D = {:.3}, p ≈ {:.2}",
            f.family.name(),
            tried.join(", "),
            f.n,
            t.what(),
            t.window_text(),
            ci_text(f),
            f.ks,
            f.ks_p
        ),
    }];
    // The growth fit pools every volume-month, so it already holds some of the spread between
    // volumes; the factor adds that spread again as uncertainty of a whole future (DESIGN §9
    // asks for it). With many months per volume the double count is small; it is a doubt.
    if let Some(sigma) = t.spread {
        out.push(apply::Edit {
            volume: t.volume.clone(),
            key: "trial_factor".into(),
            value: format!(
                "{{ lognormal = {{ median = 1.0, sigma = {} }} }}",
                (sigma * 1e4).round() / 1e4
            ),
            comment: format!(
                "calibrate: spread of the {} volumes' own mean growth, {}",
                t.volumes,
                t.window_text()
            ),
        });
    }
    if let (true, Some((value, _))) = (set_used, initial_used(t)) {
        out.push(apply::Edit {
            volume: t.volume.clone(),
            key: "initial_used".into(),
            value,
            comment: format!(
                "calibrate: used space of {} volume(s) at the end of {}",
                t.last_used.len(),
                month_name(t.window.1)
            ),
        });
    }
    out
}

/// The last month's use as a distribution (lognormal where five or more volumes all hold
/// data, else their mean, fixed) and its mean.
pub fn initial_used(t: &TemplateFit) -> Option<(String, f64)> {
    if t.last_used.is_empty() {
        return None;
    }
    match fit::lognormal(&t.last_used).filter(|_| t.last_used.len() >= MIN_VOLUMES) {
        Some(family) => Some((family.toml(), family.mean())),
        None => Some((
            format!("{{ fixed = {} }}", mean(&t.last_used)),
            mean(&t.last_used),
        )),
    }
}

/// The fit's 95% intervals, named: `median 0.46–0.55, sigma 0.57–0.63`.
pub fn ci_text(f: &fit::Fit) -> String {
    let names = match f.family {
        fit::Family::Normal { .. } => ["mean", "sd"],
        fit::Family::LogNormal { .. } => ["median", "sigma"],
        fit::Family::Gamma { .. } => ["shape", "scale"],
    };
    let ci = f.ci95();
    format!(
        "95% CI {} {:.4}–{:.4}, {} {:.4}–{:.4}",
        names[0], ci[0].0, ci[0].1, names[1], ci[1].0, ci[1].1
    )
}

/// Mean of a non-empty slice (0 when empty).
pub fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        0.0
    } else {
        xs.iter().sum::<f64>() / xs.len() as f64
    }
}
