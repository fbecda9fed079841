//! Users over time (DESIGN §2.1): the growth models, their per-trial parameters, and the
//! expected arrivals of one month.

use super::dist::Dist;
use rand::{Rng, RngExt};

/// How new users arrive.
#[derive(Debug, Clone)]
pub enum Growth {
    /// No arrivals.
    Fixed,
    /// Poisson arrivals with a mean per month drawn once per trial.
    Linear {
        /// Expected new users per month.
        per_month: Dist,
    },
    /// Rate r drawn once per trial plus per-month noise σ:
    /// arrivals ~ Poisson(U × max(0, r + σ·ε)).
    Geometric {
        /// Monthly growth rate.
        rate: Dist,
        /// σ of the per-month noise on the rate.
        noise: f64,
    },
    /// As geometric, damped by a market size K: λ = r·U·(1 − U/K).
    Logistic {
        /// Monthly growth rate.
        rate: Dist,
        /// Market size K.
        capacity: f64,
        /// σ of the per-month noise on the rate.
        noise: f64,
    },
    /// Expected users at given months (linear interpolation) times a per-trial factor;
    /// arrivals ~ Poisson(max(0, target − users after churn)).
    Schedule {
        /// (month, expected users), sorted by month.
        points: Vec<(f64, f64)>,
        /// Per-trial multiplier of the targets.
        factor: Dist,
    },
}

/// Default cap on users per trial: it protects memory from an exploding growth rate, and a
/// trial that reaches it is reported.
pub const DEFAULT_MAX_USERS: u64 = 1_000_000;

/// The population process.
#[derive(Debug, Clone)]
pub struct Population {
    /// Users at month 0.
    pub initial_users: u64,
    /// Chance per month that a user present at the start of the month leaves.
    pub churn: f64,
    /// Arrivals.
    pub growth: Growth,
    /// Most users a trial may hold (`max_users`, default [`DEFAULT_MAX_USERS`]); arrivals
    /// beyond it are cut and the trial is marked capped.
    pub max_users: u64,
}

/// What a trial draws once for its population: the growth rate or the schedule factor.
#[derive(Debug, Clone, Copy, Default)]
pub struct TrialGrowth {
    /// Rate, per-month mean arrivals, or schedule factor, depending on the model.
    pub parameter: f64,
}

impl Population {
    /// How many of the users present at the start of a month stay, in user order, before the
    /// next one leaves: Geometric(churn) failures before a success, ⌊ln U / ln(1 − churn)⌋
    /// with U uniform on (0, 1]. The same leavers in law as one Bernoulli(churn) per user, for
    /// one draw per leaver instead of one per user-month.
    pub fn stayers_before_next_leaver<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        let u = 1.0 - rng.random::<f64>();
        // ln(1 − 1) = −∞ gives 0: everyone leaves; the cast saturates at u64::MAX.
        (u.ln() / (-self.churn).ln_1p()).floor() as u64
    }

    /// Draws the trial's growth parameter.
    pub fn draw_trial<R: Rng + ?Sized>(&self, rng: &mut R) -> TrialGrowth {
        let parameter = match &self.growth {
            Growth::Fixed => 0.0,
            Growth::Linear { per_month } => per_month.sample(rng).max(0.0),
            Growth::Geometric { rate, .. } | Growth::Logistic { rate, .. } => rate.sample(rng),
            Growth::Schedule { factor, .. } => factor.sample(rng).max(0.0),
        };
        TrialGrowth { parameter }
    }

    /// Expected arrivals (the Poisson mean) in `month` given `users` after churn.
    pub fn arrival_mean<R: Rng + ?Sized>(
        &self,
        trial: TrialGrowth,
        month: u32,
        users: u64,
        rng: &mut R,
    ) -> f64 {
        let u = users as f64;
        let noisy = |noise: f64, rng: &mut R| {
            if noise > 0.0 {
                let eps: f64 =
                    rand::distr::Distribution::sample(&rand_distr_standard_normal(), rng);
                (trial.parameter + noise * eps).max(0.0)
            } else {
                trial.parameter.max(0.0)
            }
        };
        match &self.growth {
            Growth::Fixed => 0.0,
            Growth::Linear { .. } => trial.parameter,
            Growth::Geometric { noise, .. } => u * noisy(*noise, rng),
            Growth::Logistic {
                capacity, noise, ..
            } => u * noisy(*noise, rng) * (1.0 - u / capacity).max(0.0),
            Growth::Schedule { points, .. } => {
                (interpolate(points, month as f64) * trial.parameter - u).max(0.0)
            }
        }
    }
}

/// The standard normal used for per-month noise (statrs' ziggurat sampler).
fn rand_distr_standard_normal() -> statrs::distribution::Normal {
    statrs::distribution::Normal::standard()
}

/// Piecewise-linear interpolation through sorted points, flat beyond both ends (one point:
/// flat everywhere; none: 0).
pub fn interpolate(points: &[(f64, f64)], x: f64) -> f64 {
    let (Some(&(x_first, y_first)), Some(&(_, y_last))) = (points.first(), points.last()) else {
        return 0.0;
    };
    if x <= x_first {
        return y_first;
    }
    for w in points.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        if x <= x1 {
            return if x1 == x0 {
                y1
            } else {
                y0 + (y1 - y0) * (x - x0) / (x1 - x0)
            };
        }
    }
    y_last
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Geometric(p) failures before a success: mean (1 − p)/p and P(0) = p, within 4
    /// standard errors over 200,000 draws; churn 1 means nobody stays.
    #[test]
    fn stayers_between_leavers_are_geometric() {
        use rand::SeedableRng;
        let population = |churn| Population {
            initial_users: 0,
            churn,
            growth: Growth::Fixed,
            max_users: DEFAULT_MAX_USERS,
        };
        let p = 0.02;
        let churning = population(p);
        let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(3);
        let n = 200_000.0;
        let draws: Vec<f64> = (0..n as usize)
            .map(|_| churning.stayers_before_next_leaver(&mut rng) as f64)
            .collect();
        let mean = draws.iter().sum::<f64>() / n;
        let sd = ((1.0 - p) / (p * p)).sqrt();
        assert!((mean - (1.0 - p) / p).abs() < 4.0 * sd / n.sqrt(), "{mean}");
        let zeros = draws.iter().filter(|&&k| k == 0.0).count() as f64 / n;
        assert!(
            (zeros - p).abs() < 4.0 * (p * (1.0 - p) / n).sqrt(),
            "{zeros}"
        );
        assert_eq!(population(1.0).stayers_before_next_leaver(&mut rng), 0);
    }

    #[test]
    fn interpolation_is_linear_and_flat_outside() {
        let pts = [(0.0, 20.0), (12.0, 100.0), (36.0, 500.0)];
        assert_eq!(interpolate(&pts, 0.0), 20.0);
        assert_eq!(interpolate(&pts, 6.0), 60.0);
        assert_eq!(interpolate(&pts, 24.0), 300.0);
        assert_eq!(interpolate(&pts, 48.0), 500.0);
        assert_eq!(interpolate(&pts, -3.0), 20.0);
        // One point is flat everywhere, none is 0, and a step (two points at one month) jumps.
        assert_eq!(interpolate(&[(6.0, 40.0)], 0.0), 40.0);
        assert_eq!(interpolate(&[(6.0, 40.0)], 12.0), 40.0);
        assert_eq!(interpolate(&[], 3.0), 0.0);
        let step = [(0.0, 10.0), (6.0, 10.0), (6.0, 50.0), (12.0, 50.0)];
        assert_eq!(interpolate(&step, 6.0), 10.0);
        assert_eq!(interpolate(&step, 6.5), 50.0);
    }
}
