//! Simulated means and quantiles against closed forms, within 4 standard errors, with fixed
//! seeds (so they never flake).

use crate::common::*;
use headroom::engine;
use headroom::model::metrics::Event;
use headroom::model::metrics::Metric;
use headroom::scenario::Scenario;

/// Sample mean and standard error of a metric over replayed trials.
fn sample(s: &Scenario, trials: u64, seed: u64, month: usize, metric: Metric) -> (f64, f64) {
    let xs: Vec<f64> = (0..trials)
        .map(|t| engine::replay_trial(&s.model, seed, t).get(month, metric))
        .collect();
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

const HEADER: &str =
    "horizon_months = 12\n[storage_classes.disk]\nbackend = \"cloud\"\nprice_per_gib_month = 0.1\n";

/// 200 volumes each growing Normal(0.5, 0.2) GiB a month: used at month 12 has mean
/// 200 × 12 × 0.5 = 1,200 and sd 0.2 × √2,400; the aggregate's mean equals the replayed one.
#[test]
fn normal_growth_sum() {
    let dir = tempfile::tempdir().unwrap();
    let s = load_text(
        dir.path(),
        "growth",
        &format!(
            "{HEADER}[[volumes]]\nname = \"v\"\nper = \"cluster\"\ncount = 200\nstorage_class = \"disk\"\nsize = \"1Pi\"\ngrowth = {{ normal = {{ mean = 0.5, sd = 0.2 }} }}\n"
        ),
    );
    let (mean, se) = sample(&s, 2000, 7, 12, Metric::UsedGib);
    let sd = 0.2 * 2400f64.sqrt();
    close(mean, 1200.0, 4.0 * sd / 2000f64.sqrt());
    close(se, sd / 2000f64.sqrt(), 0.1 * sd / 2000f64.sqrt());
    let agg = run(&s, 2000, 7, None);
    close(agg.cell(12, Metric::UsedGib).mean(), mean, 1e-9 * mean);
}

/// Initial usage LogNormal(median 2, σ 0.7) on one volume: P50 = 2 and P90 = 2·e^{0.7·1.2816}
/// = 4.911, within 4 standard errors of the order statistic plus the sketch's 0.5%.
#[test]
fn lognormal_quantiles() {
    let dir = tempfile::tempdir().unwrap();
    let s = load_text(
        dir.path(),
        "lognormal",
        &format!(
            "{HEADER}[[volumes]]\nname = \"v\"\nper = \"cluster\"\ncount = 1\nstorage_class = \"disk\"\nsize = \"1Ti\"\ninitial_used = {{ lognormal = {{ median = 2.0, sigma = 0.7 }} }}\n"
        ),
    );
    let n = 20_000u64;
    let agg = run(&s, n, 11, None);
    let cell = agg.cell(0, Metric::UsedGib);
    for (q, z, want) in [
        (0.5, 0.0f64, 2.0),
        (0.9, 1.281_551_565_5, 2.0 * (0.7f64 * 1.281_551_565_5).exp()),
    ] {
        // se of a sample quantile: √(q(1−q)/n) / f(x_q), f the lognormal density.
        let density = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt() / (want * 0.7);
        let se = (q * (1.0 - q) / n as f64).sqrt() / density;
        close(cell.quantile(q), want, 4.0 * se + 0.005 * want);
    }
    // Mean of a lognormal: median · e^{σ²/2}.
    let mean = 2.0 * (0.49f64 / 2.0).exp();
    let sd = mean * ((0.49f64).exp() - 1.0).sqrt();
    close(cell.mean(), mean, 4.0 * sd / (n as f64).sqrt());
}

/// Linear growth with 5 expected arrivals a month: users at month 12 = 100 + Poisson(60).
#[test]
fn poisson_arrivals() {
    let dir = tempfile::tempdir().unwrap();
    let s = load_text(
        dir.path(),
        "poisson",
        &format!(
            "{HEADER}[population]\ninitial_users = 100\ngrowth = {{ linear = {{ per_month = {{ fixed = 5.0 }} }} }}\n"
        ),
    );
    let (mean, _) = sample(&s, 4000, 3, 12, Metric::Users);
    close(mean, 160.0, 4.0 * (60f64 / 4000.0).sqrt());
}

/// Churn alone: each of 1,000 users stays a month with probability 0.95, so users at month 12
/// are Binomial(1000, 0.95^12).
#[test]
fn churn_is_binomial() {
    let dir = tempfile::tempdir().unwrap();
    let s = load_text(
        dir.path(),
        "churn",
        &format!("{HEADER}[population]\ninitial_users = 1000\nchurn = 0.05\n"),
    );
    let p = 0.95f64.powi(12);
    let (mean, se) = sample(&s, 2000, 5, 12, Metric::Users);
    let sd = (1000.0 * p * (1.0 - p)).sqrt();
    close(mean, 1000.0 * p, 4.0 * sd / 2000f64.sqrt());
    close(se * 2000f64.sqrt(), sd, 0.1 * sd);
}

/// Geometric growth with a fixed rate and no noise: E[U(m+1) | U(m)] = U(m)(1 + r), so
/// E[U(12)] = 200 · 1.05^12, and with churn c, 200 · ((1 − c)(1 + r))^12.
#[test]
fn geometric_mean_growth() {
    let dir = tempfile::tempdir().unwrap();
    let s = load_text(
        dir.path(),
        "geometric",
        &format!(
            "{HEADER}[population]\ninitial_users = 200\nchurn = 0.02\ngrowth = {{ geometric = {{ rate = {{ fixed = 0.05 }} }} }}\n"
        ),
    );
    let (mean, se) = sample(&s, 4000, 13, 12, Metric::Users);
    let want = 200.0 * (0.98f64 * 1.05).powi(12);
    close(mean, want, 4.0 * se);
}

/// A pvc-autoresizer volume never holds less than the threshold free while under its limit,
/// and every resize counts: 10 GiB growing 1 GiB a month with 10%/10% steps up to 15 GiB.
#[test]
fn autoresize_keeps_headroom() {
    let dir = tempfile::tempdir().unwrap();
    let s = load_text(
        dir.path(),
        "autoresize",
        &format!(
            "{HEADER}[[volumes]]\nname = \"v\"\nper = \"cluster\"\ncount = 1\nstorage_class = \"disk\"\nsize = \"10Gi\"\ninitial_used = {{ fixed = 5.0 }}\ngrowth = {{ fixed = 1.0 }}\nexpansion = {{ autoresize = {{ threshold = \"10%\", increase = \"10%\", limit = \"15Gi\" }} }}\n"
        ),
    );
    let r = engine::replay_trial(&s.model, 1, 0);
    // Used 5 + m. Month 5: used 10, free 0 < 1 → 11, free 1 < 1.1 → ceil(12.1) = 13: two
    // resizes. Month 7: used 12, free 1 < 1.3 → ceil(14.3) = 15 = the limit: one more. Month 11
    // wants 16 > 15: full.
    let sizes: Vec<f64> = (0..=12).map(|m| r.get(m, Metric::ProvisionedGib)).collect();
    let used: Vec<f64> = (0..=12).map(|m| r.get(m, Metric::UsedGib)).collect();
    for m in 0..=12 {
        if sizes[m] < 15.0 {
            assert!(
                sizes[m] - used[m] >= 0.1 * sizes[m] - 1e-9,
                "month {m}: {sizes:?} {used:?}"
            );
        }
    }
    assert_eq!(sizes[12], 15.0);
    assert_eq!(used[12], 15.0);
    assert_eq!(sizes[5], 13.0);
    assert_eq!(sizes[7], 15.0);
    assert_eq!(r.first(Event::VolumeFull), Some(11));
    let resizes: f64 = (0..=12).map(|m| r.get(m, Metric::ResizeEvents)).sum();
    assert_eq!(resizes, 3.0, "sizes {sizes:?}");
}
