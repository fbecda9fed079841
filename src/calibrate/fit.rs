//! Fitting monthly growth: normal, lognormal and gamma by maximum likelihood, the one with the
//! highest likelihood chosen (all three have two parameters, so that is also the lowest AIC),
//! and the Kolmogorov–Smirnov distance of the chosen fit to the data as its goodness of fit.
//!
//! The estimators are the textbook ones: the normal's sample mean and (n-divisor) deviation;
//! the lognormal's are those of ln x; the gamma's shape solves ln k − ψ(k) = ln x̄ − mean(ln x)
//! (Minka, "Estimating a Gamma distribution", 2002: his closed-form start, then Newton), with
//! scale x̄ / k.

use statrs::distribution::{Continuous, ContinuousCDF, Gamma, LogNormal, Normal};
use statrs::function::gamma::digamma;

/// A fitted family and its parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Family {
    /// Normal(mean, sd).
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// LogNormal with this median and σ of ln x.
    LogNormal {
        /// Median, e^μ.
        median: f64,
        /// σ of ln x.
        sigma: f64,
    },
    /// Gamma(shape, scale).
    Gamma {
        /// Shape k.
        shape: f64,
        /// Scale θ.
        scale: f64,
    },
}

impl Family {
    /// Its name as the scenario spells it.
    pub fn name(&self) -> &'static str {
        match self {
            Family::Normal { .. } => "normal",
            Family::LogNormal { .. } => "lognormal",
            Family::Gamma { .. } => "gamma",
        }
    }

    /// The scenario's inline table for it.
    pub fn toml(&self) -> String {
        match *self {
            Family::Normal { mean, sd } => format!(
                "{{ normal = {{ mean = {}, sd = {} }} }}",
                round(mean),
                round(sd)
            ),
            Family::LogNormal { median, sigma } => {
                format!(
                    "{{ lognormal = {{ median = {}, sigma = {} }} }}",
                    round(median),
                    round(sigma)
                )
            }
            Family::Gamma { shape, scale } => format!(
                "{{ gamma = {{ shape = {}, scale = {} }} }}",
                round(shape),
                round(scale)
            ),
        }
    }

    /// The statrs distribution (None where the parameters are out of its domain).
    fn dist(&self) -> Option<Box<dyn Density>> {
        match *self {
            Family::Normal { mean, sd } => Normal::new(mean, sd)
                .ok()
                .map(|d| Box::new(d) as Box<dyn Density>),
            Family::LogNormal { median, sigma } => LogNormal::new(median.ln(), sigma)
                .ok()
                .map(|d| Box::new(d) as Box<dyn Density>),
            Family::Gamma { shape, scale } => Gamma::new(shape, 1.0 / scale)
                .ok()
                .map(|d| Box::new(d) as Box<dyn Density>),
        }
    }

    /// Density at x.
    pub fn pdf(&self, x: f64) -> f64 {
        self.dist().map_or(0.0, |d| d.pdf(x))
    }

    /// Distribution function at x.
    pub fn cdf(&self, x: f64) -> f64 {
        self.dist().map_or(0.0, |d| d.cdf(x))
    }

    /// Its mean.
    pub fn mean(&self) -> f64 {
        match *self {
            Family::Normal { mean, .. } => mean,
            Family::LogNormal { median, sigma } => median * (sigma * sigma / 2.0).exp(),
            Family::Gamma { shape, scale } => shape * scale,
        }
    }

    /// Log-likelihood of the sample.
    pub fn log_likelihood(&self, xs: &[f64]) -> f64 {
        match self.dist() {
            Some(d) => xs.iter().map(|&x| d.ln_pdf(x)).sum(),
            None => f64::NEG_INFINITY,
        }
    }
}

/// A density and its distribution function, as statrs' continuous distributions have them.
trait Density: Continuous<f64, f64> + ContinuousCDF<f64, f64> {}

impl<D: Continuous<f64, f64> + ContinuousCDF<f64, f64>> Density for D {}

/// Four significant figures: the fit's own error is far larger.
fn round(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let digits = 3 - x.abs().log10().floor() as i32;
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}

/// A fit of a sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// The chosen family.
    pub family: Family,
    /// Its log-likelihood.
    pub log_likelihood: f64,
    /// Every family tried, with its log-likelihood (−∞ where it cannot hold the data).
    pub tried: Vec<(Family, f64)>,
    /// Kolmogorov–Smirnov distance of the chosen fit to the sample.
    pub ks: f64,
    /// The asymptotic p-value of that distance (conservative: the parameters were fitted to
    /// the same data, so a true fit scores better than this says).
    pub ks_p: f64,
    /// Sample size.
    pub n: usize,
}

impl Fit {
    /// Approximate 95% intervals of the chosen family's two parameters, in the order the
    /// scenario writes them, from the Fisher information of the n increments: normal mean ±
    /// 1.96 sd/√n and sd ± 1.96 sd/√(2n); lognormal the same on ln x (median × e^(±1.96 σ/√n));
    /// gamma var(k) = k / (n (k ψ′(k) − 1)), var(θ) = θ² ψ′(k) / (n (k ψ′(k) − 1)).
    pub fn ci95(&self) -> [(f64, f64); 2] {
        let n = self.n as f64;
        let z = 1.96;
        match self.family {
            Family::Normal { mean, sd } => {
                let (se_m, se_s) = (sd / n.sqrt(), sd / (2.0 * n).sqrt());
                [
                    (mean - z * se_m, mean + z * se_m),
                    (sd - z * se_s, sd + z * se_s),
                ]
            }
            Family::LogNormal { median, sigma } => {
                let (se_m, se_s) = (sigma / n.sqrt(), sigma / (2.0 * n).sqrt());
                [
                    (median * (-z * se_m).exp(), median * (z * se_m).exp()),
                    (sigma - z * se_s, sigma + z * se_s),
                ]
            }
            Family::Gamma { shape, scale } => {
                let h = 1e-5 * shape;
                let trigamma = (digamma(shape + h) - digamma(shape - h)) / (2.0 * h);
                let det = n * (shape * trigamma - 1.0);
                let (se_k, se_t) = (
                    (shape / det).sqrt(),
                    (scale * scale * trigamma / det).sqrt(),
                );
                [
                    (shape - z * se_k, shape + z * se_k),
                    (scale - z * se_t, scale + z * se_t),
                ]
            }
        }
    }
}

/// MLE of a normal.
pub fn normal(xs: &[f64]) -> Option<Family> {
    let n = xs.len() as f64;
    if xs.len() < 2 {
        return None;
    }
    let mean = xs.iter().sum::<f64>() / n;
    let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
    (sd > 0.0).then_some(Family::Normal { mean, sd })
}

/// MLE of a lognormal (every x > 0).
pub fn lognormal(xs: &[f64]) -> Option<Family> {
    if xs.iter().any(|&x| x <= 0.0) {
        return None;
    }
    let logs: Vec<f64> = xs.iter().map(|x| x.ln()).collect();
    match normal(&logs)? {
        Family::Normal { mean, sd } => Some(Family::LogNormal {
            median: mean.exp(),
            sigma: sd,
        }),
        _ => None,
    }
}

/// MLE of a gamma (every x > 0).
pub fn gamma(xs: &[f64]) -> Option<Family> {
    if xs.len() < 2 || xs.iter().any(|&x| x <= 0.0) {
        return None;
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let mean_log = xs.iter().map(|x| x.ln()).sum::<f64>() / n;
    let s = mean.ln() - mean_log;
    if s <= 0.0 {
        return None;
    }
    let mut k = (3.0 - s + ((s - 3.0).powi(2) + 24.0 * s).sqrt()) / (12.0 * s);
    for _ in 0..50 {
        // Newton on f(k) = ln k − ψ(k) − s, with ψ' by a central difference.
        let h = 1e-5 * k;
        let trigamma = (digamma(k + h) - digamma(k - h)) / (2.0 * h);
        let f = k.ln() - digamma(k) - s;
        let df = 1.0 / k - trigamma;
        let next = k - f / df;
        if !(next > 0.0 && next.is_finite()) {
            break;
        }
        let done = (next - k).abs() < 1e-12 * k;
        k = next;
        if done {
            break;
        }
    }
    Some(Family::Gamma {
        shape: k,
        scale: mean / k,
    })
}

/// Fits the three families and keeps the most likely; None with fewer than two distinct values.
pub fn best(xs: &[f64]) -> Option<Fit> {
    let tried: Vec<(Family, f64)> = [normal(xs), lognormal(xs), gamma(xs)]
        .into_iter()
        .flatten()
        .map(|f| (f, f.log_likelihood(xs)))
        .collect();
    let (family, log_likelihood) = tried
        .iter()
        .copied()
        .filter(|(_, l)| l.is_finite())
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    let ks = ks_distance(xs, &family);
    Some(Fit {
        family,
        log_likelihood,
        tried,
        ks,
        ks_p: ks_p_value(ks, xs.len()),
        n: xs.len(),
    })
}

/// sup |F_n(x) − F(x)| over the sample.
pub fn ks_distance(xs: &[f64], family: &Family) -> f64 {
    let mut sorted = xs.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    sorted
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = family.cdf(x);
            (f - i as f64 / n).abs().max(((i + 1) as f64 / n - f).abs())
        })
        .fold(0.0, f64::max)
}

/// The Kolmogorov distribution's tail Q(λ) = 2 Σ (−1)^(j−1) e^(−2 j² λ²) at λ = (√n + 0.12 +
/// 0.11/√n) D (Stephens' small-sample correction, as in Numerical Recipes' `probks`).
pub fn ks_p_value(d: f64, n: usize) -> f64 {
    let sq = (n as f64).sqrt();
    let lambda = (sq + 0.12 + 0.11 / sq) * d;
    if lambda < 0.2 {
        return 1.0;
    }
    let mut sum = 0.0;
    for j in 1..=100 {
        let term = (-2.0 * (j * j) as f64 * lambda * lambda).exp();
        sum += if j % 2 == 1 { term } else { -term };
        if term < 1e-12 {
            break;
        }
    }
    (2.0 * sum).clamp(0.0, 1.0)
}

/// The spread between volumes' own mean growth, as a lognormal factor of median 1: σ of
/// ln(m_v / mean m). None unless every volume grew on average (a factor cannot turn a sign).
pub fn volume_spread(per_volume_means: &[f64]) -> Option<f64> {
    if per_volume_means.len() < 2 || per_volume_means.iter().any(|&m| m <= 0.0) {
        return None;
    }
    let logs: Vec<f64> = per_volume_means.iter().map(|m| m.ln()).collect();
    let n = logs.len() as f64;
    let mean = logs.iter().sum::<f64>() / n;
    Some((logs.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt())
}

/// Geometric population growth from month-end user counts: the monthly log-growth's mean as
/// the rate (with the standard error of that mean as its per-future spread) and its standard
/// deviation as the month-to-month noise.
pub fn geometric(users: &[f64]) -> Option<(f64, f64, f64)> {
    let logs: Vec<f64> = users
        .windows(2)
        .filter(|w| w[0] > 0.0 && w[1] > 0.0)
        .map(|w| (w[1] / w[0]).ln())
        .collect();
    if logs.len() < 2 {
        return None;
    }
    let n = logs.len() as f64;
    let mean = logs.iter().sum::<f64>() / n;
    let sd = (logs.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    Some((mean.exp_m1(), sd / n.sqrt(), sd))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_form_estimates() {
        let xs = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(
            normal(&xs),
            Some(Family::Normal {
                mean: 2.5,
                sd: 1.25f64.sqrt()
            })
        );
        let Some(Family::LogNormal { median, .. }) = lognormal(&[1.0, 100.0]) else {
            panic!()
        };
        assert!((median - 10.0).abs() < 1e-12);
        // Negative increments: only the normal can hold them.
        let fit = best(&[-1.0, 0.5, 2.0, 1.0]).expect("fit");
        assert_eq!(fit.family.name(), "normal");
        assert_eq!(round(0.123456), 0.1235);
        assert!((ks_p_value(0.0, 10) - 1.0).abs() < 1e-12);
    }
}

#[cfg(test)]
mod recovery {
    use super::*;
    use rand::SeedableRng;
    use rand::distr::Distribution;

    /// 2,000 draws of Gamma(shape 2, scale 0.5), seed 5: the gamma wins on likelihood and each
    /// parameter lands within three of its Fisher standard errors (the 95% interval is ±1.96).
    #[test]
    fn gamma_is_recovered_within_its_interval() {
        let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(5);
        let g = Gamma::new(2.0, 2.0).expect("valid");
        let xs: Vec<f64> = (0..2000).map(|_| g.sample(&mut rng)).collect();
        let fit = best(&xs).expect("fit");
        let Family::Gamma { shape, scale } = fit.family else {
            panic!("{:?}", fit.family)
        };
        let ci = fit.ci95();
        let se = |(lo, hi): (f64, f64)| (hi - lo) / (2.0 * 1.96);
        assert!(
            (shape - 2.0).abs() <= 3.0 * se(ci[0]),
            "shape {shape} ± {}",
            se(ci[0])
        );
        assert!(
            (scale - 0.5).abs() <= 3.0 * se(ci[1]),
            "scale {scale} ± {}",
            se(ci[1])
        );
        assert!(
            fit.ks < 0.05 && fit.ks_p > 0.05,
            "D {} p {}",
            fit.ks,
            fit.ks_p
        );
    }
}
