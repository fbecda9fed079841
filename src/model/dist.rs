//! Probability distributions for uncertain inputs, built once while a scenario is validated.
//!
//! Constructors check their parameters and return an error naming the problem, so that the
//! per-trial loop samples from distributions that cannot fail (statrs' habit).

use super::batch;
use rand::Rng;
use rand::distr::Distribution;
use statrs::distribution as sd;
use statrs::statistics::Distribution as _;

/// A univariate distribution of a scenario input.
#[derive(Debug, Clone, PartialEq)]
pub enum Dist {
    /// Always the same value.
    Fixed(f64),
    /// Normal(mean, sd).
    Normal(sd::Normal),
    /// Log-normal given by its median e^μ and σ of the underlying normal.
    LogNormal(sd::LogNormal),
    /// Uniform on [min, max].
    Uniform(sd::Uniform),
    /// Triangular(min, mode, max).
    Triangular(sd::Triangular),
    /// PERT(min, mode, max): min + (max − min) × Beta(α, β) with
    /// α = 1 + 4(mode − min)/(max − min), β = 1 + 4(max − mode)/(max − min).
    Pert {
        /// Lower bound.
        min: f64,
        /// max − min.
        range: f64,
        /// The scaled Beta.
        beta: sd::Beta,
    },
    /// Gamma(shape, scale).
    Gamma(sd::Gamma),
}

/// A distribution's parameters are impossible; the message says which and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct DistError(pub String);

fn finite(name: &str, x: f64) -> Result<f64, DistError> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(DistError(format!(
            "{name} must be a finite number (got {x})"
        )))
    }
}

impl Dist {
    /// A constant.
    pub fn fixed(value: f64) -> Result<Dist, DistError> {
        Ok(Dist::Fixed(finite("fixed", value)?))
    }

    /// Normal with the given mean and standard deviation (sd = 0 is a constant).
    pub fn normal(mean: f64, sd: f64) -> Result<Dist, DistError> {
        finite("mean", mean)?;
        if !(sd >= 0.0 && sd.is_finite()) {
            return Err(DistError(format!("sd must be ≥ 0 (got {sd})")));
        }
        if sd == 0.0 {
            return Ok(Dist::Fixed(mean));
        }
        sd::Normal::new(mean, sd)
            .map(Dist::Normal)
            .map_err(|e| DistError(e.to_string()))
    }

    /// Log-normal with the given median and σ (σ = 0 is a constant).
    pub fn lognormal(median: f64, sigma: f64) -> Result<Dist, DistError> {
        if !(median > 0.0 && median.is_finite()) {
            return Err(DistError(format!("median must be > 0 (got {median})")));
        }
        if !(sigma >= 0.0 && sigma.is_finite()) {
            return Err(DistError(format!("sigma must be ≥ 0 (got {sigma})")));
        }
        if sigma == 0.0 {
            return Ok(Dist::Fixed(median));
        }
        sd::LogNormal::new(median.ln(), sigma)
            .map(Dist::LogNormal)
            .map_err(|e| DistError(e.to_string()))
    }

    /// Uniform on [min, max] (min = max is a constant).
    pub fn uniform(min: f64, max: f64) -> Result<Dist, DistError> {
        finite("min", min)?;
        finite("max", max)?;
        if min > max {
            return Err(DistError(format!("min ({min}) must be ≤ max ({max})")));
        }
        if min == max {
            return Ok(Dist::Fixed(min));
        }
        sd::Uniform::new(min, max)
            .map(Dist::Uniform)
            .map_err(|e| DistError(e.to_string()))
    }

    fn check_min_mode_max(min: f64, mode: f64, max: f64) -> Result<(), DistError> {
        finite("min", min)?;
        finite("mode", mode)?;
        finite("max", max)?;
        if !(min <= mode && mode <= max) {
            return Err(DistError(format!(
                "need min ≤ mode ≤ max (got {min}, {mode}, {max})"
            )));
        }
        Ok(())
    }

    /// Triangular with the given bounds and mode.
    pub fn triangular(min: f64, mode: f64, max: f64) -> Result<Dist, DistError> {
        Self::check_min_mode_max(min, mode, max)?;
        if min == max {
            return Ok(Dist::Fixed(min));
        }
        sd::Triangular::new(min, max, mode)
            .map(Dist::Triangular)
            .map_err(|e| DistError(e.to_string()))
    }

    /// PERT (the "three-point estimate" of project planning) with the given bounds and mode.
    pub fn pert(min: f64, mode: f64, max: f64) -> Result<Dist, DistError> {
        Self::check_min_mode_max(min, mode, max)?;
        let range = max - min;
        if range == 0.0 {
            return Ok(Dist::Fixed(min));
        }
        let alpha = 1.0 + 4.0 * (mode - min) / range;
        let beta = 1.0 + 4.0 * (max - mode) / range;
        let beta = sd::Beta::new(alpha, beta).map_err(|e| DistError(e.to_string()))?;
        Ok(Dist::Pert { min, range, beta })
    }

    /// Gamma with the given shape and scale (mean = shape × scale).
    pub fn gamma(shape: f64, scale: f64) -> Result<Dist, DistError> {
        if !(shape > 0.0 && shape.is_finite() && scale > 0.0 && scale.is_finite()) {
            return Err(DistError(format!(
                "shape and scale must be > 0 (got {shape}, {scale})"
            )));
        }
        sd::Gamma::new(shape, 1.0 / scale)
            .map(Dist::Gamma)
            .map_err(|e| DistError(e.to_string()))
    }

    /// Draws one value.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Dist::Fixed(v) => *v,
            Dist::Normal(d) => d.sample(rng),
            Dist::LogNormal(d) => d.sample(rng),
            Dist::Uniform(d) => d.sample(rng),
            Dist::Triangular(d) => d.sample(rng),
            Dist::Pert { min, range, beta } => min + range * beta.sample(rng),
            Dist::Gamma(d) => d.sample(rng),
        }
    }

    /// Fills `out` with independent draws: normal and log-normal ones in a batch (see
    /// [`super::batch`]: the engine's growth draws), the others one by one. `bytes` is the
    /// caller's scratch, kept so that the monthly loop allocates nothing.
    pub fn fill<R: Rng + ?Sized>(&self, rng: &mut R, bytes: &mut Vec<u8>, out: &mut [f64]) {
        match self {
            Dist::Fixed(v) => out.fill(*v),
            Dist::Normal(d) => {
                batch::standard_normals(rng, bytes, out);
                let (mean, sd) = (d.mean().unwrap_or(0.0), d.std_dev().unwrap_or(1.0));
                for x in out {
                    *x = mean + sd * *x;
                }
            }
            Dist::LogNormal(d) => {
                batch::standard_normals(rng, bytes, out);
                let (mu, sigma) = (d.location(), d.scale());
                for x in out.iter_mut() {
                    *x = mu + sigma * *x;
                }
                batch::exp_in_place(out);
            }
            _ => {
                for x in out {
                    *x = self.sample(rng);
                }
            }
        }
    }

    /// The distribution's mean (closed form), for reports and statistical tests.
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Fixed(v) => *v,
            Dist::Normal(d) => d.mean().unwrap_or(f64::NAN),
            Dist::LogNormal(d) => d.mean().unwrap_or(f64::NAN),
            Dist::Uniform(d) => d.mean().unwrap_or(f64::NAN),
            Dist::Triangular(d) => d.mean().unwrap_or(f64::NAN),
            Dist::Pert { min, range, beta } => min + range * beta.mean().unwrap_or(f64::NAN),
            Dist::Gamma(d) => d.mean().unwrap_or(f64::NAN),
        }
    }

    /// Whether every draw is the same value.
    pub fn is_fixed(&self) -> bool {
        matches!(self, Dist::Fixed(_))
    }

    /// The smallest value a draw can take (−∞ for the normal).
    pub fn lower_bound(&self) -> f64 {
        match self {
            Dist::Fixed(v) => *v,
            Dist::Normal(_) => f64::NEG_INFINITY,
            Dist::LogNormal(_) | Dist::Gamma(_) => 0.0,
            Dist::Uniform(d) => statrs::distribution::ContinuousCDF::inverse_cdf(d, 0.0),
            Dist::Triangular(d) => statrs::distribution::ContinuousCDF::inverse_cdf(d, 0.0),
            Dist::Pert { min, .. } => *min,
        }
    }

    /// The largest value a draw can take (+∞ for unbounded distributions).
    pub fn upper_bound(&self) -> f64 {
        match self {
            Dist::Fixed(v) => *v,
            Dist::Normal(_) | Dist::LogNormal(_) | Dist::Gamma(_) => f64::INFINITY,
            Dist::Uniform(d) => statrs::distribution::ContinuousCDF::inverse_cdf(d, 1.0),
            Dist::Triangular(d) => statrs::distribution::ContinuousCDF::inverse_cdf(d, 1.0),
            Dist::Pert { min, range, .. } => min + range,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::ChaCha8Rng;

    #[test]
    fn degenerate_forms_are_constants() {
        assert!(Dist::normal(3.0, 0.0).unwrap().is_fixed());
        assert!(Dist::lognormal(2.0, 0.0).unwrap().is_fixed());
        assert!(Dist::pert(1.0, 1.0, 1.0).unwrap().is_fixed());
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert!(Dist::normal(0.0, -1.0).is_err());
        assert!(Dist::lognormal(0.0, 1.0).is_err());
        assert!(Dist::uniform(3.0, 1.0).is_err());
        assert!(Dist::pert(1.0, 5.0, 3.0).is_err());
        assert!(Dist::gamma(0.0, 1.0).is_err());
        assert!(Dist::gamma(1.0, 0.0).is_err());
        assert!(Dist::gamma(f64::INFINITY, 1.0).is_err());
        assert!(Dist::gamma(1.0, f64::INFINITY).is_err());
        assert!(Dist::gamma(1.0, 1.0).is_ok());
    }

    /// PERT(1, 2, 5) has mean (min + 4·mode + max)/6 = 14/6; the sample mean of 200k draws
    /// lies within 4 standard errors of it (sd of PERT = (max − min)/6 ≈ 0.667 here... at most).
    #[test]
    fn pert_mean_matches_closed_form() {
        let d = Dist::pert(1.0, 2.0, 5.0).unwrap();
        assert!((d.mean() - 14.0 / 6.0).abs() < 1e-12);
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let n = 200_000;
        let (mut s, mut s2) = (0.0, 0.0);
        for _ in 0..n {
            let x = d.sample(&mut rng);
            assert!((1.0..=5.0).contains(&x));
            s += x;
            s2 += x * x;
        }
        let mean = s / n as f64;
        let var = s2 / n as f64 - mean * mean;
        let se = (var / n as f64).sqrt();
        assert!((mean - 14.0 / 6.0).abs() < 4.0 * se, "mean {mean} se {se}");
    }

    /// Triangular(1, 2, 6): mean (1 + 2 + 6)/3 = 3, draws within [1, 6], the sample mean of
    /// 100k draws within 4 standard errors (variance (a² + b² + c² − ab − ac − bc)/18 = 1.1667).
    #[test]
    fn triangular_bounds_and_mean() {
        let d = Dist::triangular(1.0, 2.0, 6.0).unwrap();
        assert!((d.mean() - 3.0).abs() < 1e-12);
        assert_eq!((d.lower_bound(), d.upper_bound()), (1.0, 6.0));
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let n = 100_000;
        let mean = (0..n).map(|_| d.sample(&mut rng)).sum::<f64>() / n as f64;
        assert!(
            (mean - 3.0).abs() < 4.0 * (1.1667f64 / n as f64).sqrt(),
            "{mean}"
        );
        assert!(Dist::triangular(5.0, 1.0, 3.0).is_err());
        assert!(Dist::triangular(2.0, 2.0, 2.0).unwrap().is_fixed());
    }

    #[test]
    fn lognormal_median_and_gamma_mean() {
        let d = Dist::lognormal(2.0, 0.7).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let n = 100_000;
        let below = (0..n).filter(|_| d.sample(&mut rng) < 2.0).count() as f64 / n as f64;
        // P(X < median) = 0.5 with binomial se sqrt(0.25/n) ≈ 0.0016.
        assert!(
            (below - 0.5).abs() < 4.0 * (0.25 / n as f64).sqrt(),
            "{below}"
        );
        let g = Dist::gamma(2.0, 0.5).unwrap();
        assert!((g.mean() - 1.0).abs() < 1e-12);
    }
}
