//! `summary.json`: the state at the horizon, the probabilities with their standard errors,
//! the time to Ceph thresholds, warnings and the prices used.

use crate::aggregate::{Aggregate, Event, Sketch};
use crate::model::metrics::Metric;
use crate::model::{Backend, Model, PriceSource, ceph};
use serde::Serialize;
use std::collections::BTreeMap;

/// Mean and quantiles of a metric.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Stats {
    /// Mean.
    pub mean: f64,
    /// 5th percentile.
    pub p5: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
}

impl Stats {
    /// The statistics of a sketch.
    pub fn of(s: &Sketch) -> Stats {
        Stats {
            mean: s.mean(),
            p5: s.quantile(0.05),
            p50: s.quantile(0.5),
            p90: s.quantile(0.9),
            p95: s.quantile(0.95),
            p99: s.quantile(0.99),
        }
    }
}

/// A probability with its standard error; null where it cannot be judged (no budget set).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ProbabilityOut {
    /// Estimated chance within the horizon.
    pub p: Option<f64>,
    /// Monte Carlo standard error.
    pub se: Option<f64>,
}

/// 95% confidence intervals of a metric's median and P90 at the horizon.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct QuantileCi {
    /// [low, high] of the median.
    pub p50: [f64; 2],
    /// [low, high] of the P90.
    pub p90: [f64; 2],
}

/// Everything `summary.json` holds.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Its description.
    pub description: String,
    /// Trials played.
    pub trials: u64,
    /// Master seed (replaying with it gives the same numbers).
    pub seed: u64,
    /// Months after month 0.
    pub horizon_months: u32,
    /// Currency of every cost.
    pub currency: String,
    /// Calendar month of month 1, if the scenario sets it.
    pub start: Option<String>,
    /// Metrics at the horizon month.
    #[serde(rename = "final")]
    pub final_: BTreeMap<String, Stats>,
    /// Metrics at month 0 (the initial state, before any growth).
    pub initial: BTreeMap<String, Stats>,
    /// Confidence intervals of the horizon's cost and fill quantiles.
    pub final_ci95: BTreeMap<String, QuantileCi>,
    /// Chance of each event within the horizon (null where it cannot happen or be judged: Ceph
    /// events without a cluster, `budget_exceeded` without `[targets] monthly_budget`).
    pub probabilities: BTreeMap<String, ProbabilityOut>,
    /// Months to each event.
    pub time_to: BTreeMap<String, crate::aggregate::TimeTo>,
    /// Things a reader must know.
    pub warnings: Vec<String>,
    /// Every price used and its source.
    pub prices: Vec<PriceSource>,
    /// headroom's version.
    pub version: String,
}

/// The metrics a model reports (Ceph metrics only where it has a cluster).
pub fn metrics_of(model: &Model) -> Vec<Metric> {
    Metric::ALL
        .iter()
        .copied()
        .filter(|m| !m.is_ceph() || !model.ceph.is_empty())
        .collect()
}

/// Formats a probability with its standard error: `3.2% ± 0.4%`.
pub fn percent_with_se(p: f64, se: f64) -> String {
    format!("{:.1}% ± {:.1}%", p * 100.0, se * 100.0)
}

/// The calendar month `months` after month 1 of `start` (month 1 = start).
pub fn calendar(start: (i32, u32), month: u32) -> String {
    let index = start.0 as i64 * 12 + (start.1 as i64 - 1) + month as i64 - 1;
    format!(
        "{:04}-{:02}",
        index.div_euclid(12),
        index.rem_euclid(12) + 1
    )
}

impl Summary {
    /// Builds the summary of a run.
    pub fn build(model: &Model, agg: &Aggregate, seed: u64) -> Summary {
        let h = model.horizon_months as usize;
        let metrics = metrics_of(model);
        let table = |month: usize| -> BTreeMap<String, Stats> {
            metrics
                .iter()
                .map(|&m| (m.name().to_string(), Stats::of(agg.cell(month, m))))
                .collect()
        };
        let mut final_ci95 = BTreeMap::new();
        for m in [
            Metric::CostTotal,
            Metric::CostCumulative,
            Metric::UsedGib,
            Metric::CephFullestOsdUtil,
        ] {
            if metrics.contains(&m) {
                let cell = agg.cell(h, m);
                let (a, b) = cell.quantile_ci95(0.5);
                let (c, d) = cell.quantile_ci95(0.9);
                final_ci95.insert(
                    m.name().to_string(),
                    QuantileCi {
                        p50: [a, b],
                        p90: [c, d],
                    },
                );
            }
        }
        let mut probabilities = BTreeMap::new();
        for event in Event::ALL {
            let p = agg.probability(event);
            let no_ceph = matches!(
                event,
                Event::CephNearfull | Event::CephFull | Event::CephOrder
            ) && model.ceph.is_empty();
            let out = if no_ceph
                || (event == Event::BudgetExceeded && model.targets.monthly_budget.is_none())
            {
                ProbabilityOut { p: None, se: None }
            } else {
                ProbabilityOut {
                    p: Some(p.p),
                    se: Some(p.se),
                }
            };
            probabilities.insert(event.name().to_string(), out);
        }
        let mut time_to = BTreeMap::new();
        for event in [
            Event::CephNearfull,
            Event::CephFull,
            Event::CephOrder,
            Event::VolumeFull,
        ] {
            time_to.insert(event.name().to_string(), agg.time_to(event));
        }
        Summary {
            scenario: model.name.clone(),
            description: model.description.clone(),
            trials: agg.trials(),
            seed,
            horizon_months: model.horizon_months,
            currency: model.currency.clone(),
            start: model.start.map(|s| calendar(s, 1)),
            final_: table(h),
            initial: table(0),
            final_ci95,
            probabilities,
            time_to,
            warnings: warnings(model, agg),
            prices: model.price_sources.clone(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }

    /// `summary.json`, pretty-printed.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).unwrap_or_default();
        out.push(b'\n');
        out
    }
}

/// What a reader must be told about a run.
pub fn warnings(model: &Model, agg: &Aggregate) -> Vec<String> {
    let h = model.horizon_months as usize;
    let n = agg.trials();
    let mut out = Vec::new();
    if n < 1000 {
        out.push(format!(
            "only {n} trials: P99 and small probabilities are unstable; use --trials 10000 or more"
        ));
    }
    if agg.capped_trials() > 0 {
        out.push(format!(
            "{} of {n} trials reached the population cap (max_users) and stopped growing",
            agg.capped_trials()
        ));
    }
    for (c, cluster) in model.ceph.iter().enumerate() {
        let widest = model
            .storage_classes
            .iter()
            .filter_map(|s| match s.backend {
                Backend::Ceph { cluster, width, .. } if cluster == c => Some(width),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        if widest > 0 && !ceph::can_rereplicate(cluster.hosts, widest) {
            out.push(format!(
                "ceph.{}: {} hosts for a pool {} hosts wide: after losing a host the data cannot re-replicate and the cluster runs degraded until the host returns",
                cluster.name, cluster.hosts, widest
            ));
        }
    }
    let degraded = out.iter().any(|w| w.contains("runs degraded"));
    if !model.ceph.is_empty() {
        let over = agg.cell(h, Metric::CephOvercommit).quantile(0.5);
        if over > 1.0 {
            out.push(format!(
                "Ceph is over-committed: thin volumes are provisioned at {over:.1}× the usable capacity (P50 at month {h}); writes can fill the cluster before any volume is full"
            ));
        }
        let safe = agg.cell(h, Metric::CephHostFailureSafe).mean();
        if safe < 1.0 && !degraded {
            out.push(format!(
                "host-failure safe at month {h} in only {:.1}% of trials",
                safe * 100.0
            ));
        }
    }
    let full = agg.probability(Event::VolumeFull);
    if full.p > 0.0 {
        out.push(format!(
            "some volume fills within {h} months in {} of trials",
            percent_with_se(full.p, full.se)
        ));
    }
    for (event, target, label) in [
        (
            Event::VolumeFull,
            model.targets.max_volume_full_probability,
            "max_volume_full_probability",
        ),
        (
            Event::CephNearfull,
            model.targets.max_ceph_nearfull_probability,
            "max_ceph_nearfull_probability",
        ),
    ] {
        if let Some(t) = target {
            let p = agg.probability(event);
            if p.p > t {
                out.push(format!(
                    "target missed: P({}) = {} is above {label} = {:.1}%",
                    event.name(),
                    percent_with_se(p.p, p.se),
                    t * 100.0
                ));
            }
        }
    }
    if let Some(budget) = model.targets.monthly_budget {
        let p = agg.probability(Event::BudgetExceeded);
        if p.p > 0.0 {
            out.push(format!(
                "the monthly budget of {budget:.2} {} is exceeded in some month in {} of trials",
                model.currency,
                percent_with_se(p.p, p.se)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_months() {
        assert_eq!(calendar((2026, 1), 1), "2026-01");
        assert_eq!(calendar((2026, 1), 12), "2026-12");
        assert_eq!(calendar((2026, 11), 3), "2027-01");
        assert_eq!(calendar((2026, 1), 0), "2025-12");
    }
}
