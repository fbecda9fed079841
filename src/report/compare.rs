//! The outputs of `compare`: `comparison.json`, the tidy `comparison.csv`, side-by-side charts
//! and a `report.md` that says which variant is cheaper, by how much, with what risk.

use super::charts::{self, Axis, Band, Fan, Rule};
use super::markdown::{gib, money, when};
use super::summary::{ProbabilityOut, Stats, percent_with_se};
use crate::aggregate::paired::{Moments, PairedDiff};
use crate::aggregate::{Aggregate, Event, TimeTo};
use crate::engine::Comparison;
use crate::model::Model;
use crate::model::metrics::Metric;
use plotters::style::RGBColor;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

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
    /// One-time costs over the horizon (mean), paid or amortised.
    pub one_time_total: f64,
    /// Autoresizes per 100 volume-months (months 1…horizon).
    pub resize_events_per_100_volume_months: f64,
    /// Full volume-months per 100 volume-months.
    pub full_events_per_100_volume_months: f64,
    /// Chance of each event within the horizon.
    pub probabilities: BTreeMap<String, ProbabilityOut>,
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
    fn of(m: &Moments) -> DiffStats {
        let (lo, hi) = m.mean_ci95();
        let s = m.sketch();
        DiffStats {
            mean: m.mean(),
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
    /// Trials per variant (the same trials for all).
    pub trials: u64,
    /// Master seed.
    pub seed: u64,
    /// Months after month 0.
    pub horizon_months: u32,
    /// Currency.
    pub currency: String,
    /// Calendar month of month 1.
    pub start: Option<String>,
    /// The variant every other is compared with (the first given).
    pub baseline: String,
    /// Each variant's numbers.
    pub variants: Vec<VariantSummary>,
    /// Each further variant against the baseline.
    pub differences: Vec<Difference>,
    /// headroom's version.
    pub version: String,
}

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

fn probabilities(model: &Model, agg: &Aggregate) -> BTreeMap<String, ProbabilityOut> {
    let mut out = BTreeMap::new();
    for e in [Event::VolumeFull, Event::CephNearfull, Event::CephFull] {
        let p = agg.probability(e);
        let known = e == Event::VolumeFull || !model.ceph.is_empty();
        out.insert(
            e.name().to_string(),
            ProbabilityOut {
                p: known.then_some(p.p),
                se: known.then_some(p.se),
            },
        );
    }
    out
}

impl ComparisonSummary {
    /// Builds the summary of a comparison of `models` (baseline first).
    pub fn build(models: &[&Model], c: &Comparison, seed: u64) -> ComparisonSummary {
        let base = models[0];
        let h = base.horizon_months as usize;
        let variants = models
            .iter()
            .zip(&c.aggregates)
            .map(|(m, agg)| VariantSummary {
                name: m.name.clone(),
                description: m.description.clone(),
                month0_cost: agg.cell(0, Metric::CostTotal).mean(),
                cost_total: Stats::of(agg.cell(h, Metric::CostTotal)),
                cost_cumulative: Stats::of(agg.cell(h, Metric::CostCumulative)),
                used_gib: Stats::of(agg.cell(h, Metric::UsedGib)),
                provisioned_gib: Stats::of(agg.cell(h, Metric::ProvisionedGib)),
                one_time_total: (1..agg.months())
                    .map(|k| agg.cell(k, Metric::CostOneTime).mean())
                    .sum::<f64>()
                    + m.costs
                        .one_time
                        .iter()
                        .filter(|o| o.amortize_months > 0)
                        .map(|o| o.amount.mean())
                        .sum::<f64>(),
                resize_events_per_100_volume_months: per_100(agg, Metric::ResizeEvents),
                full_events_per_100_volume_months: per_100(agg, Metric::FullEvents),
                probabilities: probabilities(m, agg),
            })
            .collect::<Vec<_>>();
        let differences = c
            .diffs
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let v = &variants[i + 1];
                let b = &variants[0];
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
                    variant_starts_higher: d.starts_higher() as f64
                        / c.aggregates[0].trials().max(1) as f64,
                }
            })
            .collect();
        ComparisonSummary {
            trials: c.aggregates[0].trials(),
            seed,
            horizon_months: base.horizon_months,
            currency: base.currency.clone(),
            start: base.start.map(|s| super::summary::calendar(s, 1)),
            baseline: base.name.clone(),
            variants,
            differences,
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }

    /// `comparison.json`, pretty-printed.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).unwrap_or_default();
        out.push(b'\n');
        out
    }
}

/// `comparison.csv`: every variant's metrics, then the paired differences as variant
/// `"<variant> minus <baseline>"` with metrics `cost_total` and `cost_cumulative`.
pub fn to_csv(models: &[&Model], c: &Comparison) -> Result<Vec<u8>, csv::Error> {
    let diff_names: Vec<String> = (1..models.len())
        .map(|i| format!("{} minus {}", models[i].name, models[0].name))
        .collect();
    let variants = models
        .iter()
        .zip(&c.aggregates)
        .flat_map(|(m, agg)| super::timeseries::rows(&m.name, m, agg));
    let diffs = c.diffs.iter().zip(&diff_names).flat_map(|(d, name)| {
        (0..c.aggregates[0].months()).flat_map(move |month| {
            [
                ("cost_total", d.monthly(month)),
                ("cost_cumulative", d.cumulative(month)),
            ]
            .map(|(metric, m)| (name.as_str(), month, metric, Stats::of(m.sketch())))
        })
    });
    super::timeseries::tidy_csv("variant", variants.chain(diffs))
}

fn diff_band(d: &PairedDiff, months: usize) -> Band {
    Band::from_rows(
        (0..months)
            .map(|m| {
                let s = d.cumulative(m).sketch();
                [
                    s.quantile(0.05),
                    s.quantile(0.25),
                    s.quantile(0.5),
                    s.quantile(0.75),
                    s.quantile(0.95),
                    s.quantile(0.9),
                    s.mean(),
                ]
            })
            .collect(),
    )
}

/// The side-by-side charts: (file name, PNG bytes).
pub fn charts(
    models: &[&Model],
    c: &Comparison,
) -> Result<Vec<(String, Vec<u8>)>, charts::ChartError> {
    let axis = Axis::of(models[0]);
    let cur = &models[0].currency;
    let mut out = Vec::new();
    let names: Vec<&str> = models.iter().map(|m| m.name.as_str()).collect();
    let cost: Vec<Band> = c
        .aggregates
        .iter()
        .map(|a| Band::of(a, Metric::CostTotal, 1.0))
        .collect();
    let fans: Vec<Fan> = cost
        .iter()
        .enumerate()
        .map(|(i, b)| Fan {
            label: names[i].to_string(),
            band: b,
            colour: charts::colour(i),
            bands: true,
        })
        .collect();
    out.push((
        "compare_cost.png".to_string(),
        charts::fan_chart(
            "compare_cost.png",
            "Monthly cost per variant",
            &format!("{cur} per month"),
            axis,
            &fans,
            &[],
            &[],
            false,
        )?,
    ));
    let used: Vec<Band> = c
        .aggregates
        .iter()
        .map(|a| Band::of(a, Metric::UsedGib, 1.0))
        .collect();
    let provisioned: Vec<Band> = c
        .aggregates
        .iter()
        .map(|a| Band::of(a, Metric::ProvisionedGib, 1.0))
        .collect();
    let mut fans: Vec<Fan> = Vec::new();
    for i in 0..models.len() {
        fans.push(Fan {
            label: format!("{} used", names[i]),
            band: &used[i],
            colour: charts::colour(i),
            bands: true,
        });
        fans.push(Fan {
            label: format!("{} provisioned", names[i]),
            band: &provisioned[i],
            colour: charts::colour(i),
            bands: false,
        });
    }
    out.push((
        "compare_fill.png".to_string(),
        charts::fan_chart(
            "compare_fill.png",
            "Storage used and provisioned per variant",
            "GiB",
            axis,
            &fans,
            &[],
            &[],
            false,
        )?,
    ));
    let months = c.aggregates[0].months();
    let diffs: Vec<Band> = c.diffs.iter().map(|d| diff_band(d, months)).collect();
    let fans: Vec<Fan> = diffs
        .iter()
        .enumerate()
        .map(|(i, b)| Fan {
            label: format!("{} minus {}", names[i + 1], names[0]),
            band: b,
            colour: charts::colour(i + 1),
            bands: true,
        })
        .collect();
    let zero = [Rule {
        label: "no difference".into(),
        y: 0.0,
        colour: RGBColor(90, 90, 90),
    }];
    out.push((
        "compare_cumulative_difference.png".to_string(),
        charts::fan_chart(
            "compare_cumulative_difference.png",
            "Cumulative cost difference, paired by trial (below 0: cheaper than the baseline)",
            &format!("{cur}, cumulative"),
            axis,
            &fans,
            &zero,
            &[],
            false,
        )?,
    ));
    Ok(out)
}

fn signed(x: f64) -> String {
    if x < 0.0 {
        format!("−{}", money(-x))
    } else {
        format!("+{}", money(x))
    }
}

/// `report.md` of a comparison.
pub fn report(models: &[&Model], s: &ComparisonSummary, chart_names: &[String]) -> String {
    let mut out = String::new();
    let cur = &s.currency;
    let h = s.horizon_months;
    let start = models[0].start;
    let at = when(start, h);
    let names: Vec<&str> = s.variants.iter().map(|v| v.name.as_str()).collect();
    let _ = writeln!(out, "# Comparison: {}\n", names.join(" vs "));
    let _ = writeln!(
        out,
        "**The question.** Which design is cheaper, by how much, and what does the cheaper one risk? {} simulated futures over {h} months; every variant sees the same futures (the same users and growth draws, trial by trial), so the differences below are the designs' and not noise.\n",
        s.trials
    );
    let _ = writeln!(out, "## The answer\n");
    for d in &s.differences {
        let v = s.variants.iter().find(|x| x.name == d.variant);
        let b = s.variants.iter().find(|x| x.name == d.versus);
        let (Some(v), Some(b)) = (v, b) else { continue };
        let total = d.total_cost;
        let (cheap, dear, saving) = if total.mean <= 0.0 {
            (v, b, -total.mean)
        } else {
            (b, v, total.mean)
        };
        let ci = if total.mean <= 0.0 {
            [-total.ci95[1], -total.ci95[0]]
        } else {
            total.ci95
        };
        let share = if total.mean <= 0.0 {
            total.share_cheaper
        } else {
            1.0 - total.share_cheaper
        };
        let monthly = d.monthly_cost_at_horizon;
        let _ = writeln!(
            out,
            "**{}** is cheaper than {} over the {h} months by **{} {cur}** in all (95% CI {}–{}), cheaper in {:.0}% of futures. At {at} it costs {} {cur}/month at the median and {} at P90, against {} and {} for {}; the paired difference ({} minus {}) is {} {cur}/month on average (95% CI {} to {}). Today (month 0) the difference is {} {cur}/month.\n",
            cheap.name,
            dear.name,
            money(saving),
            money(ci[0]),
            money(ci[1]),
            share * 100.0,
            money(cheap.cost_total.p50),
            money(cheap.cost_total.p90),
            money(dear.cost_total.p50),
            money(dear.cost_total.p90),
            dear.name,
            d.variant,
            d.versus,
            signed(monthly.mean),
            signed(monthly.ci95[0]),
            signed(monthly.ci95[1]),
            signed(d.monthly_cost_month0.mean),
        );
        let risk = |x: &VariantSummary| {
            let p = x
                .probabilities
                .get("volume_full")
                .and_then(|p| p.p.zip(p.se));
            match p {
                Some((p, se)) => format!(
                    "{}: some volume fills in {} of futures ({:.2} full and {:.2} resize events per 100 volume-months)",
                    x.name,
                    percent_with_se(p, se),
                    x.full_events_per_100_volume_months,
                    x.resize_events_per_100_volume_months
                ),
                None => x.name.clone(),
            }
        };
        let _ = writeln!(
            out,
            "The risk that comes with it: {}; {}.\n",
            risk(cheap),
            risk(dear)
        );
        let fills = |x: &VariantSummary| {
            x.probabilities
                .get("volume_full")
                .and_then(|p| p.p)
                .unwrap_or(0.0)
        };
        if fills(cheap) > 0.5 && fills(cheap) > fills(dear) {
            let _ = writeln!(
                out,
                "Part of that saving is data that could not be written: {}'s volumes fill, and a full volume bills no more than its size. Compare it with a variant that expands (pvc-autoresizer) before taking the saving.\n",
                cheap.name
            );
        }
        let capex = v.one_time_total > 0.0 || b.one_time_total > 0.0;
        let be = d.break_even;
        if capex || be.never < 0.95 {
            let m =
                |x: Option<u32>| x.map_or("later than the horizon".to_string(), |k| when(start, k));
            let (first, second) = if d.variant_starts_higher >= 0.5 {
                (v, b)
            } else {
                (b, v)
            };
            let _ = writeln!(
                out,
                "**Break-even.** {} costs more at first ({} {cur} of one-time costs against {}); its cumulative cost falls to {}'s at {} at the median (P5 {}, P95 {}), and not within {h} months in {:.0}% of futures.\n",
                first.name,
                money(first.one_time_total),
                money(second.one_time_total),
                second.name,
                m(be.p50),
                m(be.p5),
                m(be.p95),
                be.never * 100.0
            );
        }
    }

    let _ = writeln!(out, "## Side by side\n");
    let _ = write!(out, "| | {} |\n|---|", names.join(" | "));
    for _ in &names {
        out.push_str("---:|");
    }
    out.push('\n');
    let row = |out: &mut String, label: &str, f: &dyn Fn(&VariantSummary) -> String| {
        let _ = writeln!(
            out,
            "| {label} | {} |",
            s.variants.iter().map(f).collect::<Vec<_>>().join(" | ")
        );
    };
    row(
        &mut out,
        &format!("cost per month, month 0 ({cur})"),
        &|v| money(v.month0_cost),
    );
    row(
        &mut out,
        &format!("cost per month at {at}, P50 ({cur})"),
        &|v| money(v.cost_total.p50),
    );
    row(
        &mut out,
        &format!("cost per month at {at}, P90 ({cur})"),
        &|v| money(v.cost_total.p90),
    );
    row(
        &mut out,
        &format!("total over {h} months, P50 ({cur})"),
        &|v| money(v.cost_cumulative.p50),
    );
    row(
        &mut out,
        &format!("total over {h} months, P90 ({cur})"),
        &|v| money(v.cost_cumulative.p90),
    );
    row(&mut out, &format!("one-time costs ({cur})"), &|v| {
        money(v.one_time_total)
    });
    row(&mut out, "used at the horizon, P50", &|v| {
        gib(v.used_gib.p50)
    });
    row(&mut out, "provisioned at the horizon, P50", &|v| {
        gib(v.provisioned_gib.p50)
    });
    for (key, label) in [
        ("volume_full", "P(some volume fills)"),
        ("ceph_nearfull", "P(Ceph nearfull)"),
    ] {
        if s.variants
            .iter()
            .any(|v| v.probabilities.get(key).is_some_and(|p| p.p.is_some()))
        {
            row(&mut out, label, &|v| {
                v.probabilities
                    .get(key)
                    .and_then(|p| p.p.zip(p.se))
                    .map_or("—".into(), |(p, se)| percent_with_se(p, se))
            });
        }
    }
    row(&mut out, "full events per 100 volume-months", &|v| {
        format!("{:.2}", v.full_events_per_100_volume_months)
    });
    row(&mut out, "resizes per 100 volume-months", &|v| {
        format!("{:.2}", v.resize_events_per_100_volume_months)
    });
    out.push('\n');

    super::markdown::charts_section(&mut out, chart_names);
    let _ = writeln!(out, "## Assumptions\n");
    let _ = writeln!(
        out,
        "{} trials per variant, seed {}, headroom {}. Differences are paired by trial; confidence intervals are of the mean difference (±1.96 paired standard errors).\n",
        s.trials, s.seed, s.version
    );
    for m in models {
        let _ = writeln!(out, "- **{}**: {}", m.name, m.description);
        for p in &m.price_sources {
            let _ = writeln!(
                out,
                "  - {}: {} {} ({}{})",
                p.item,
                p.price,
                p.unit,
                p.source,
                p.as_of
                    .as_deref()
                    .map(|d| format!(", as of {d}"))
                    .unwrap_or_default()
            );
        }
    }
    out
}
