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
    let xs = values(&s, 4000, 3, 12, Metric::Users);
    let (mean, var) = mean_var(&xs);
    close(mean, 160.0, 4.0 * (60f64 / 4000.0).sqrt());
    // Poisson: the variance equals the mean, 60. The sample variance of n draws has variance
    // (μ₄ − σ⁴)/n = (λ + 3λ² − λ²)/n = (60 + 7200)/4000: s.e. 1.35. (A fixed 5 arrivals a month
    // has variance 0; one arrival draw a trial of 60 would give 60 too, but not the month-12
    // shape: see the per-trial rate below.)
    close(var, 60.0, 4.0 * ((60.0 + 2.0 * 3600.0) / 4000f64).sqrt());
}

/// Every trial's values of a metric in a month.
fn values(s: &Scenario, trials: u64, seed: u64, month: usize, metric: Metric) -> Vec<f64> {
    (0..trials)
        .map(|t| engine::replay_trial(&s.model, seed, t).get(month, metric))
        .collect()
}

/// Sample mean and variance.
fn mean_var(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    (
        mean,
        xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0),
    )
}

/// The linear rate is drawn once per trial (DESIGN §2.1: parameter uncertainty): with R ~
/// Normal(10, 2), users at month 12 = 100 + Poisson(12R), variance E[12R] + Var(12R) = 120 +
/// 144 × 4 = 696. Drawn afresh each month it would be 120 + 12 × 4 = 168. The sample variance of
/// a near-normal variable has s.e. σ²·√(2/(n − 1)) = 15.6 at n = 4000.
#[test]
fn a_per_trial_rate_spreads_trials_apart() {
    let dir = tempfile::tempdir().unwrap();
    let s = load_text(
        dir.path(),
        "rate",
        &format!(
            "{HEADER}[population]\ninitial_users = 100\ngrowth = {{ linear = {{ per_month = {{ normal = {{ mean = 10.0, sd = 2.0 }} }} }} }}\n"
        ),
    );
    let (mean, var) = mean_var(&values(&s, 4000, 21, 12, Metric::Users));
    close(mean, 220.0, 4.0 * (696f64 / 4000.0).sqrt());
    close(var, 696.0, 4.0 * 696.0 * (2.0 / 3999f64).sqrt());
}

/// Logistic growth (λ = r·U·(1 − U/K)) follows the logistic map U ← U + rU(1 − U/K) in
/// expectation, up to the map's curvature: E[f(U)] − f(E U) = −(r/K)·Var U, under 0.2 users
/// here (Var U < 1000). r = 0.2, K = 5000, from 1000 users: 12 steps of the map by hand below.
#[test]
fn logistic_growth_follows_its_map() {
    let dir = tempfile::tempdir().unwrap();
    let s = load_text(
        dir.path(),
        "logistic",
        &format!(
            "{HEADER}[population]\ninitial_users = 1000\ngrowth = {{ logistic = {{ rate = {{ fixed = 0.2 }}, capacity = 5000 }} }}\n"
        ),
    );
    let mut u = 1000.0;
    let mut map = vec![u];
    for _ in 0..12 {
        u += 0.2 * u * (1.0 - u / 5000.0);
        map.push(u);
    }
    // The map: 1000 → 1160 → 1338.2 → … → 3645.4 at month 12.
    for month in [3, 6, 12] {
        let (mean, se) = sample(&s, 2000, 17, month, Metric::Users);
        close(mean, map[month], 4.0 * se + 0.5);
    }
}

/// A schedule (expected users at given months, linearly interpolated) times a per-trial factor:
/// arrivals fill the gap to the target, so E[U(m) | F] = F × target(m) while the target rises
/// faster than the Poisson noise. Points (0, 20), (12, 200): target(6) = 110, target(12) = 200.
/// With F ~ LogNormal(median 1, σ 0.2): E[U(12)] = 200·e^{0.02} = 204.04 and, F dominating,
/// sd ≈ 200·√((e^{0.04} − 1)·e^{0.04}) = 41.2 (plus Poisson noise of √200 = 14:
/// √(41.2² + 14²) ≈ 43.5).
#[test]
fn a_schedule_and_its_factor() {
    let dir = tempfile::tempdir().unwrap();
    let fixed = load_text(
        dir.path(),
        "schedule",
        &format!(
            "{HEADER}[population]\ninitial_users = 20\ngrowth = {{ schedule = {{ points = [[0, 20], [12, 200]] }} }}\n"
        ),
    );
    for (month, target) in [(6, 110.0), (12, 200.0)] {
        let (mean, se) = sample(&fixed, 2000, 5, month, Metric::Users);
        close(mean, target, 4.0 * se);
    }
    let spread = load_text(
        dir.path(),
        "schedule-factor",
        &format!(
            "{HEADER}[population]\ninitial_users = 20\ngrowth = {{ schedule = {{ points = [[0, 20], [12, 200]], factor = {{ lognormal = {{ median = 1.0, sigma = 0.2 }} }} }} }}\n"
        ),
    );
    let (mean, var) = mean_var(&values(&spread, 4000, 5, 12, Metric::Users));
    let want_sd = (41.2f64.powi(2) + 200.0).sqrt();
    close(mean, 200.0 * 0.02f64.exp(), 4.0 * want_sd / 4000f64.sqrt());
    close(var.sqrt(), want_sd, 0.08 * want_sd);
}

/// `trial_factor` multiplies every volume's growth in a trial (DESIGN §2.3): 200 volumes growing
/// a fixed 0.5 GiB a month hold 1,200·F GiB at month 12. With F ~ LogNormal(median 1, σ 0.25):
/// P10 = 1200·e^{−1.2816·0.25} = 871.1, P90 = 1200·e^{1.2816·0.25} = 1653.1, sd = 1200 ×
/// 0.26203 = 314.4. Without the factor every trial would hold exactly 1,200.
#[test]
fn the_trial_factor_spreads_the_bands() {
    let dir = tempfile::tempdir().unwrap();
    let s = load_text(
        dir.path(),
        "factor",
        &format!(
            "{HEADER}[[volumes]]\nname = \"v\"\nper = \"cluster\"\ncount = 200\nstorage_class = \"disk\"\nsize = \"10000Gi\"\ninitial_used = {{ fixed = 0.0 }}\ngrowth = {{ fixed = 0.5 }}\ntrial_factor = {{ lognormal = {{ median = 1.0, sigma = 0.25 }} }}\n"
        ),
    );
    let xs = values(&s, 2000, 9, 12, Metric::UsedGib);
    let (mean, var) = mean_var(&xs);
    close(
        mean,
        1200.0 * 0.03125f64.exp(),
        4.0 * 314.4 / 2000f64.sqrt(),
    );
    close(var.sqrt(), 314.4, 0.08 * 314.4);
    let agg = run(&s, 2000, 9, None);
    let cell = agg.cell(12, Metric::UsedGib);
    // Order statistics of 2,000 draws: the P10's rank s.e. √(n·0.1·0.9) = 13.4 ranks, about
    // 1.5% in value here; 4 s.e. plus the sketch's 0.5%.
    close(cell.quantile(0.1), 871.1, 871.1 * 0.065);
    close(cell.quantile(0.9), 1653.1, 1653.1 * 0.065);
}

/// The `max_users` cap: 100 users growing 10% a month would be 314 at month 12; capped at 150,
/// every trial stops at exactly 150 and counts as capped.
#[test]
fn the_population_cap_holds() {
    let dir = tempfile::tempdir().unwrap();
    let s = load_text(
        dir.path(),
        "cap",
        &format!(
            "{HEADER}[population]\ninitial_users = 100\nmax_users = 150\ngrowth = {{ geometric = {{ rate = {{ fixed = 0.1 }} }} }}\n"
        ),
    );
    for t in 0..50 {
        let r = engine::replay_trial(&s.model, 4, t);
        for m in 0..=12 {
            assert!(r.get(m, Metric::Users) <= 150.0, "trial {t} month {m}");
        }
        assert_eq!(r.get(12, Metric::Users), 150.0, "trial {t}");
        assert!(r.population_capped, "trial {t}");
    }
    // 200 trials are 4 chunks of 64 merged: the count survives the merge.
    let agg = run(&s, 200, 4, Some(2));
    assert_eq!(agg.capped_trials(), 200);
    // Uncapped, no trial is counted.
    let free = load_text(
        dir.path(),
        "uncapped",
        &format!(
            "{HEADER}[population]\ninitial_users = 100\nmax_users = 100000\ngrowth = {{ geometric = {{ rate = {{ fixed = 0.1 }} }} }}\n"
        ),
    );
    assert_eq!(run(&free, 50, 4, None).capped_trials(), 0);
    // At the cap with no arrivals to cut, nothing is capped.
    let full = load_text(
        dir.path(),
        "at-cap",
        &format!("{HEADER}[population]\ninitial_users = 150\nmax_users = 150\n"),
    );
    assert_eq!(run(&full, 50, 4, None).capped_trials(), 0);
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
