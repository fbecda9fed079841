//! The figures of a comparison (`comparison.json`): each variant's headline numbers and each
//! variant's paired differences against the baseline (the first variant).

use super::provenance::{Provenance, VERSION};
use super::summary::{ProbabilityOut, Stats};
use crate::aggregate::{Aggregate, Comparison, Sketch, TimeTo};
use crate::model::Model;
use crate::model::metrics::{ByName, Event, Metric};
use serde::Serialize;

/// A variant's headline numbers.
#[derive(Debug, Clone, Serialize)]
pub struct VariantSummary {
    /// Scenario name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// Monthly cost at month 0 (mean).
    pub month0_cost: f64,
    /// Monthly cost at the horizon.
    pub cost_total: Stats,
    /// Cost summed over months 1…horizon.
    pub cost_cumulative: Stats,
    /// Used GiB at the horizon.
    pub used_gib: Stats,
    /// Provisioned GiB at the horizon.
    pub provisioned_gib: Stats,
    /// Purchases over the horizon at their whole amounts (mean), paid at once or amortised:
    /// the scenario's one-time costs and the expansions that landed.
    pub one_time_total: f64,
    /// Autoresizes per 100 volume-months (months 1…horizon).
    pub resize_events_per_100_volume_months: f64,
    /// Resizes by hand per 100 volume-months.
    pub manual_resize_events_per_100_volume_months: f64,
    /// Full volume-months per 100 volume-months.
    pub full_events_per_100_volume_months: f64,
    /// Chance of each event within the horizon.
    pub probabilities: ByName<Event, ProbabilityOut>,
    /// What it rests on: the documents' figures and the scenario's assumptions.
    pub basis: crate::model::Basis,
}

impl VariantSummary {
    /// The chance that some volume fills (0 where unknown).
    pub fn fills(&self) -> f64 {
        self.probabilities
            .get(Event::VolumeFull)
            .and_then(|p| p.p)
            .unwrap_or(0.0)
    }

    /// The chance that its Ceph cluster refuses writes within the horizon (0 without one).
    pub fn writes_blocked(&self) -> f64 {
        self.probabilities
            .get(Event::CephWritesBlocked)
            .and_then(|p| p.p)
            .unwrap_or(0.0)
    }
}

/// A paired difference's statistics.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct DiffStats {
    /// Mean of variant − baseline.
    pub mean: f64,
    /// 95% confidence interval of the mean.
    pub ci95: [f64; 2],
    /// 5th percentile of the per-trial difference.
    pub p5: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// Share of trials in which the variant is cheaper (difference < 0).
    pub share_cheaper: f64,
}

impl DiffStats {
    fn of(s: &Sketch) -> DiffStats {
        let (lo, hi) = s.mean_ci95();
        DiffStats {
            mean: s.mean(),
            ci95: [lo, hi],
            p5: s.quantile(0.05),
            p50: s.quantile(0.5),
            p95: s.quantile(0.95),
            share_cheaper: s.count_negative() as f64 / s.count().max(1) as f64,
        }
    }
}

/// One variant against the baseline.
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    /// The variant.
    pub variant: String,
    /// The baseline it is compared with.
    pub versus: String,
    /// Monthly cost difference at month 0.
    pub monthly_cost_month0: DiffStats,
    /// Monthly cost difference at the horizon.
    pub monthly_cost_at_horizon: DiffStats,
    /// Difference of the cost summed over months 1…horizon.
    pub total_cost: DiffStats,
    /// Which is cheaper at the horizon by median monthly cost.
    pub cheaper_at_p50: String,
    /// Which is cheaper at the horizon by P90 monthly cost.
    pub cheaper_at_p90: String,
    /// The first month the cumulative costs cross (None: later than the horizon).
    pub break_even: TimeTo,
    /// Share of trials in which the variant's cumulative cost starts above the baseline's.
    pub variant_starts_higher: f64,
}

/// Everything `comparison.json` holds.
#[derive(Debug, Clone, Serialize)]
pub struct ComparisonSummary {
    /// Trials per variant (the same trials for all), seed, horizon, currency, start.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// The variant every other is compared with (the first given).
    pub baseline: String,
    /// Each variant's numbers.
    pub variants: Vec<VariantSummary>,
    /// Each further variant against the baseline.
    pub differences: Vec<Difference>,
    /// headroom's version.
    pub version: String,
}

/// Events per 100 volume-months over months 1…horizon.
fn per_100(agg: &Aggregate, metric: Metric) -> f64 {
    let (mut events, mut volumes) = (0.0, 0.0);
    for m in 1..agg.months() {
        events += agg.cell(m, metric).mean();
        volumes += agg.cell(m, Metric::Volumes).mean();
    }
    if volumes > 0.0 {
        100.0 * events / volumes
    } else {
        0.0
    }
}

fn variant(model: &Model, agg: &Aggregate) -> VariantSummary {
    let h = model.horizon_months as usize;
    let probabilities = [
        Event::VolumeFull,
        Event::CephNearfull,
        Event::CephFull,
        Event::CephWritesBlocked,
    ]
    .into_iter()
    .map(|e| (e, ProbabilityOut::of(model, agg, e)))
    .collect();
    VariantSummary {
        name: model.name.clone(),
        description: model.description.clone(),
        month0_cost: agg.cell(0, Metric::CostTotal).mean(),
        cost_total: Stats::of(agg.cell(h, Metric::CostTotal)),
        cost_cumulative: Stats::of(agg.cell(h, Metric::CostCumulative)),
        used_gib: Stats::of(agg.cell(h, Metric::UsedGib)),
        provisioned_gib: Stats::of(agg.cell(h, Metric::ProvisionedGib)),
        one_time_total: (1..agg.months())
            .map(|k| agg.cell(k, Metric::Purchases).mean())
            .sum::<f64>(),
        resize_events_per_100_volume_months: per_100(agg, Metric::ResizeEvents),
        manual_resize_events_per_100_volume_months: per_100(agg, Metric::ManualResizeEvents),
        full_events_per_100_volume_months: per_100(agg, Metric::FullEvents),
        probabilities,
        basis: model.basis.clone(),
    }
}

impl ComparisonSummary {
    /// Builds the summary of a comparison of `models` (baseline first).
    pub fn build(models: &[&Model], c: &Comparison, seed: u64) -> ComparisonSummary {
        let base = models[0];
        let h = base.horizon_months as usize;
        let variants: Vec<VariantSummary> = models
            .iter()
            .zip(&c.aggregates)
            .map(|(m, agg)| variant(m, agg))
            .collect();
        let differences = c
            .diffs
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let (v, b) = (&variants[i + 1], &variants[0]);
                let pick = |a: f64, z: f64| {
                    if a < z {
                        v.name.clone()
                    } else if z < a {
                        b.name.clone()
                    } else {
                        "neither".into()
                    }
                };
                Difference {
                    variant: v.name.clone(),
                    versus: b.name.clone(),
                    monthly_cost_month0: DiffStats::of(d.monthly(0)),
                    monthly_cost_at_horizon: DiffStats::of(d.monthly(h)),
                    total_cost: DiffStats::of(d.cumulative(h)),
                    cheaper_at_p50: pick(v.cost_total.p50, b.cost_total.p50),
                    cheaper_at_p90: pick(v.cost_total.p90, b.cost_total.p90),
                    break_even: d.break_even(),
                    variant_starts_higher: d.starts_higher() as f64 / c.trials().max(1) as f64,
                }
            })
            .collect();
        ComparisonSummary {
            provenance: Provenance::of(base, c.trials(), seed),
            baseline: base.name.clone(),
            variants,
            differences,
            version: VERSION.to_string(),
        }
    }

    /// A variant's numbers by name.
    pub fn variant(&self, name: &str) -> Option<&VariantSummary> {
        self.variants.iter().find(|v| v.name == name)
    }
}
