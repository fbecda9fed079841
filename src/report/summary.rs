//! The figures of a run (`summary.json`): the state at month 0 and at the horizon, the
//! confidence intervals of the key quantiles, the probabilities with their standard errors,
//! the time to each event, the warnings and the prices used.

use super::provenance::{Provenance, VERSION};
use super::warning::{Warning, warnings};
use crate::aggregate::{Aggregate, Probability, Sketch, TimeTo};
use crate::model::metrics::{ByName, Event, Metric};
use crate::model::{Model, PriceSource};
use serde::Serialize;

/// Mean and quantiles of a metric.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Stats {
    /// Mean.
    pub mean: f64,
    /// Monte Carlo standard error of the mean (sd/√n).
    pub mean_se: f64,
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
            mean_se: s.mean_se(),
            p5: s.quantile(0.05),
            p50: s.quantile(0.5),
            p90: s.quantile(0.9),
            p95: s.quantile(0.95),
            p99: s.quantile(0.99),
        }
    }
}

/// A probability with its standard error and Wilson 95% interval; null where it cannot be
/// judged (Ceph events without a cluster, the budget without one set).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ProbabilityOut {
    /// Estimated chance within the horizon.
    pub p: Option<f64>,
    /// Monte Carlo standard error.
    pub se: Option<f64>,
    /// Wilson 95% interval [low, high]: not zero-width at 0 or 1.
    pub ci95: Option<[f64; 2]>,
}

impl ProbabilityOut {
    /// The chance of `event` in `agg`, null where it does not apply to `model`.
    pub fn of(model: &Model, agg: &Aggregate, event: Event) -> ProbabilityOut {
        let p = agg.probability(event);
        let known = applies(model, event);
        ProbabilityOut {
            p: known.then_some(p.p),
            se: known.then_some(p.se),
            ci95: known.then_some(p.ci95),
        }
    }

    /// The probability, where known.
    pub fn known(&self) -> Option<Probability> {
        match (self.p, self.se, self.ci95) {
            (Some(p), Some(se), Some(ci95)) => Some(Probability { p, se, ci95 }),
            _ => None,
        }
    }
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
    /// Trials, seed, horizon, currency, start.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// Metrics at the horizon month.
    #[serde(rename = "final")]
    pub final_: ByName<Metric, Stats>,
    /// Metrics at month 0 (the initial state, before any growth).
    pub initial: ByName<Metric, Stats>,
    /// Confidence intervals of the horizon's cost and fill quantiles.
    pub final_ci95: ByName<Metric, QuantileCi>,
    /// Chance of each event within the horizon (null where it cannot happen or be judged: Ceph
    /// events without a cluster, `budget_exceeded` without `[targets] monthly_budget`).
    pub probabilities: ByName<Event, ProbabilityOut>,
    /// Months to each event.
    pub time_to: ByName<Event, TimeTo>,
    /// Things a reader must know.
    pub warnings: Vec<Warning>,
    /// Every price used and its source.
    pub prices: Vec<PriceSource>,
    /// What the scenario rests on: the planning documents' figures and its assumptions.
    pub basis: crate::model::Basis,
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

/// Whether `event` can happen, and be judged, in `model`.
pub fn applies(model: &Model, event: Event) -> bool {
    match event {
        Event::CephNearfull
        | Event::CephFull
        | Event::CephOrder
        | Event::CephRecoveryStall
        | Event::CephWritesBlocked => !model.ceph.is_empty(),
        Event::BudgetExceeded => model.targets.monthly_budget.is_some(),
        Event::VolumeFull => true,
    }
}

/// The chance of each event, null where it does not apply.
pub fn probabilities(model: &Model, agg: &Aggregate) -> ByName<Event, ProbabilityOut> {
    Event::ALL
        .into_iter()
        .map(|event| (event, ProbabilityOut::of(model, agg, event)))
        .collect()
}

impl Summary {
    /// Builds the summary of a run.
    pub fn build(model: &Model, agg: &Aggregate, seed: u64) -> Summary {
        let h = model.horizon_months as usize;
        let metrics = metrics_of(model);
        let table = |month: usize| -> ByName<Metric, Stats> {
            metrics
                .iter()
                .map(|&m| (m, Stats::of(agg.cell(month, m))))
                .collect()
        };
        let final_ci95 = [
            Metric::CostTotal,
            Metric::CostCumulative,
            Metric::UsedGib,
            Metric::CephFullestOsdUtil,
        ]
        .into_iter()
        .filter(|m| metrics.contains(m))
        .map(|m| {
            let cell = agg.cell(h, m);
            let (a, b) = cell.quantile_ci95(0.5);
            let (c, d) = cell.quantile_ci95(0.9);
            (
                m,
                QuantileCi {
                    p50: [a, b],
                    p90: [c, d],
                },
            )
        })
        .collect();
        let time_to = [
            Event::CephNearfull,
            Event::CephFull,
            Event::CephOrder,
            Event::VolumeFull,
            Event::CephRecoveryStall,
            Event::CephWritesBlocked,
        ]
        .into_iter()
        .map(|e| (e, agg.time_to(e)))
        .collect();
        Summary {
            scenario: model.name.clone(),
            description: model.description.clone(),
            provenance: Provenance::of(model, agg.trials(), seed),
            final_: table(h),
            initial: table(0),
            final_ci95,
            probabilities: probabilities(model, agg),
            time_to,
            warnings: warnings(model, agg),
            prices: model.price_sources.clone(),
            basis: model.basis.clone(),
            version: VERSION.to_string(),
        }
    }
}
