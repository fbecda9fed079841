//! The aggregator's intervals measured, not assumed (issue 12): over many fixed seeds a 95%
//! interval must hold the true value about 95% of the time. With 1,000 replications the count
//! of hits is Binomial(1000, 0.95) if the interval is right: s.d. 6.9, so 4 s.d. is ±2.8
//! points. The order-statistic interval rounds its ranks outwards (⌊·⌋, ⌈·⌉), so it may cover a
//! little more than 95%, never much less.

use crate::common::*;
use headroom::aggregate::Sketch;
use headroom::aggregate::paired::PairedDiff;
use headroom::engine::{self, RunConfig, replay_trial};
use headroom::model::metrics::Metric;
use headroom::model::trial::TrialRecord;
use rand::SeedableRng;
use rand::distr::Distribution;
use rand::rngs::ChaCha8Rng;
use statrs::distribution::Normal;

const REPLICATIONS: u32 = 1000;

/// Asserts a coverage count is within 4 s.d. of 95% of the replications.
#[track_caller]
fn covers_95(hits: u32, what: &str) {
    let n = REPLICATIONS as f64;
    let sd = (0.95 * 0.05 / n).sqrt();
    let share = hits as f64 / n;
    assert!(
        (share - 0.95).abs() <= 4.0 * sd,
        "{what}: the 95% interval held the true value in {hits} of {REPLICATIONS} replications ({:.1}%), outside 95% ± {:.1}%",
        100.0 * share,
        400.0 * sd
    );
}

/// `quantile_ci95`, behind every printed median and P90 interval: 200 draws of a LogNormal(0, 1)
/// (true median 1, true P90 e^{1.2816} = 3.6022), 1,000 seeds.
#[test]
fn quantile_interval_covers_95_percent() {
    let normal = Normal::standard();
    for (q, truth) in [(0.5, 1.0), (0.9, 1.281_551_565_545f64.exp())] {
        let mut hits = 0;
        for seed in 0..REPLICATIONS as u64 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut s = Sketch::default();
            for _ in 0..200 {
                s.add(Distribution::<f64>::sample(&normal, &mut rng).exp());
            }
            let (lo, hi) = s.quantile_ci95(q);
            hits += (lo <= truth && truth <= hi) as u32;
        }
        covers_95(hits, &format!("quantile_ci95({q})"));
    }
}

/// One trial's monthly costs as a record (cumulative over months 1…).
fn costs(monthly: &[f64]) -> TrialRecord {
    TrialRecord::of_monthly_costs(monthly)
}

/// The paired difference's interval (comparison.json `total_cost.ci95`): 100 trials of 12
/// months; the baseline costs Normal(100, 30) a month, the variant the same draw plus Normal(5,
/// 2) (common random numbers: the shared part cancels). The true mean difference over 12
/// months is 60. A CI of the unpaired difference would be ~15× wider and cover ~100%; one of
/// zero width would cover ~0%.
#[test]
fn paired_difference_interval_covers_95_percent() {
    let normal = Normal::standard();
    let mut hits = 0;
    let mut width = 0.0;
    for seed in 0..REPLICATIONS as u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(1_000_000 + seed);
        let mut d = PairedDiff::new(12);
        for _ in 0..100 {
            let (mut base, mut variant) = (vec![0.0; 13], vec![0.0; 13]);
            for m in 1..=12 {
                let z: f64 = Distribution::sample(&normal, &mut rng);
                let e: f64 = Distribution::sample(&normal, &mut rng);
                base[m] = 100.0 + 30.0 * z;
                variant[m] = base[m] + 5.0 + 2.0 * e;
            }
            d.add(&costs(&variant), &costs(&base));
        }
        let (lo, hi) = d.cumulative(12).mean_ci95();
        hits += (lo <= 60.0 && 60.0 <= hi) as u32;
        width += hi - lo;
    }
    covers_95(hits, "paired difference of total cost");
    // The width itself: 2 × 1.96 × 2√12 / √100 = 2.716.
    close(width / REPLICATIONS as f64, 2.716, 0.05);
}

/// A scenario paying a random one-time cost of 500–1,500 in month 1 and `monthly` a month,
/// against one paying 100 a month.
fn capex_and_opex(
    dir: &std::path::Path,
    monthly: f64,
) -> (headroom::scenario::Scenario, headroom::scenario::Scenario) {
    let base = load_text(
        dir,
        "opex",
        r#"
name = "opex"
horizon_months = 24
currency = "USD"
[costs]
compute = { fixed_monthly = 100.0 }
"#,
    );
    let capex = load_text(
        dir,
        "capex",
        &format!(
            r#"
name = "capex"
horizon_months = 24
currency = "USD"
[costs]
compute = {{ fixed_monthly = {monthly} }}
one_time = [ {{ name = "servers", amount = {{ uniform = {{ min = 500.0, max = 1500.0 }} }} }} ]
"#
        ),
    );
    (base, capex)
}

/// Break-even with a random one-time cost, against the trials replayed one by one. Cumulative
/// cost: U + 20m against 100m, so the variant has caught up in the first month with 80m ≥ U:
/// m = ⌈U/80⌉, between 7 (U = 500) and 19 (U = 1,500), the median at ⌈1000/80⌉ = 13. The
/// comparison's P5/P50/P95 must be exactly the order statistics of those replayed months (rank
/// ⌊q(n − 1)⌋), and every trial starts with the variant higher.
#[test]
fn break_even_with_a_random_purchase_matches_the_replayed_trials() {
    let dir = tempfile::tempdir().unwrap();
    let (base, capex) = capex_and_opex(dir.path(), 20.0);
    let n = 400;
    let cfg = RunConfig {
        trials: n,
        seed: 11,
        threads: None,
    };
    let c = engine::run_variants(&[&base.model, &capex.model], &cfg, &|_| {}).unwrap();
    let mut months: Vec<u32> = (0..n)
        .map(|t| {
            let r = replay_trial(&capex.model, 11, t);
            let u = r.get(1, Metric::CostOneTime);
            assert!((500.0..=1500.0).contains(&u), "trial {t}: {u}");
            (u / 80.0).ceil() as u32
        })
        .collect();
    months.sort();
    let at = |q: f64| months[(q * (n - 1) as f64).floor() as usize];
    let t = c.diffs[0].break_even();
    assert_eq!(
        (t.p5, t.p50, t.p95, t.never),
        (Some(at(0.05)), Some(at(0.5)), Some(at(0.95)), 0.0)
    );
    assert!((7..=19).contains(&at(0.05)) && (7..=19).contains(&at(0.95)));
    // Uniform U: the median month is 13 (U between 960 and 1040 all give 13).
    assert_eq!(t.p50, Some(13));
    assert_eq!(c.diffs[0].starts_higher(), n);
}

/// compare's verdicts, against the replayed trials. With 60 a month the purchase U pays off
/// within 24 months iff U + 24 × 60 < 24 × 100, i.e. U < 960: `share_cheaper` of the total is
/// exactly the share of trials with U < 960 (about 46%), and `one_time_total` the mean of U.
#[test]
fn share_cheaper_and_one_time_total_match_the_replayed_trials() {
    let dir = tempfile::tempdir().unwrap();
    let (base, capex) = capex_and_opex(dir.path(), 60.0);
    let n = 400;
    let cfg = RunConfig {
        trials: n,
        seed: 12,
        threads: None,
    };
    let models = [&base.model, &capex.model];
    let c = engine::run_variants(&models, &cfg, &|_| {}).unwrap();
    let summary = headroom::report::comparison::ComparisonSummary::build(&models, &c, 12);
    let draws: Vec<f64> = (0..n)
        .map(|t| replay_trial(&capex.model, 12, t).get(1, Metric::CostOneTime))
        .collect();
    let cheaper = draws.iter().filter(|&&u| u < 960.0).count() as f64 / n as f64;
    let d = &summary.differences[0];
    close(d.total_cost.share_cheaper, cheaper, 1e-12);
    close(cheaper, 0.46, 4.0 * (0.46f64 * 0.54 / n as f64).sqrt());
    let mean_u = draws.iter().sum::<f64>() / n as f64;
    close(summary.variants[1].one_time_total, mean_u, 1e-6);
    close(summary.variants[0].one_time_total, 0.0, 0.0);
    // The mean difference: E[U] − 960 per trial, exactly the trials' mean.
    close(d.total_cost.mean, mean_u - 960.0, 1e-6);
    // Month 0: 60 against 100 a month, −40 (the purchase is paid in month 1).
    close(d.monthly_cost_month0.mean, -40.0, 1e-9);
}

/// `cheaper_at_p50` and `cheaper_at_p90` can disagree: a variant whose monthly cost is
/// Uniform(50, 150) (P50 ≈ 100, P90 ≈ 140) against a fixed 110 is cheaper at the median and
/// dearer at P90.
#[test]
fn cheaper_at_p50_and_at_p90_disagree_on_a_wide_variant() {
    let dir = tempfile::tempdir().unwrap();
    let fixed = load_text(
        dir.path(),
        "fixed",
        "name = \"fixed\"\nhorizon_months = 6\n[costs]\ncompute = { fixed_monthly = 110.0 }\n",
    );
    let wide = load_text(
        dir.path(),
        "wide",
        "name = \"wide\"\nhorizon_months = 6\n[costs]\ncompute = { fixed_monthly = 0.0 }\nfixed = [ { name = \"service\", monthly = { uniform = { min = 50.0, max = 150.0 } } } ]\n",
    );
    let models = [&fixed.model, &wide.model];
    let cfg = RunConfig {
        trials: 400,
        seed: 3,
        threads: None,
    };
    let c = engine::run_variants(&models, &cfg, &|_| {}).unwrap();
    let summary = headroom::report::comparison::ComparisonSummary::build(&models, &c, 3);
    let d = &summary.differences[0];
    assert_eq!(d.cheaper_at_p50, "wide");
    assert_eq!(d.cheaper_at_p90, "fixed");
    // The variant is cheaper in the trials drawing under 110: 60% of Uniform(50, 150).
    close(
        d.monthly_cost_at_horizon.share_cheaper,
        0.6,
        4.0 * (0.24f64 / 400.0).sqrt(),
    );
}
