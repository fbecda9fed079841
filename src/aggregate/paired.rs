//! Paired differences between a variant and the baseline, trial by trial.
//!
//! Variants of a comparison play the same trials with the same random streams (common random
//! numbers), so the difference of a trial's costs is the difference the design makes, not
//! noise. Its mean gets a confidence interval from the paired standard deviation. All sums are
//! integers in fixed point, so merging is exact and order-free, like [`super::Sketch`].

use super::{MonthHistogram, Sketch, TimeTo};
use crate::model::metrics::Metric;
use crate::model::trial::TrialRecord;

/// Fixed-point scale of squares: 2^16.
const SQ_SCALE: f64 = 65536.0;

/// Count, mean and variance of a quantity, mergeable exactly.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Moments {
    sketch: Sketch,
    sum_sq: i128,
}

impl Moments {
    /// Adds one value.
    pub fn add(&mut self, x: f64) {
        if x.is_finite() {
            self.sketch.add(x);
            self.sum_sq = self
                .sum_sq
                .saturating_add((x * x * SQ_SCALE).round() as i128);
        }
    }

    /// Adds everything `other` holds.
    pub fn merge(&mut self, other: &Moments) {
        self.sketch.merge(&other.sketch);
        self.sum_sq = self.sum_sq.saturating_add(other.sum_sq);
    }

    /// The distribution of the values.
    pub fn sketch(&self) -> &Sketch {
        &self.sketch
    }

    /// Mean.
    pub fn mean(&self) -> f64 {
        self.sketch.mean()
    }

    /// Sample standard deviation.
    pub fn sd(&self) -> f64 {
        let n = self.sketch.count() as f64;
        if n < 2.0 {
            return 0.0;
        }
        let mean = self.mean();
        let var = (self.sum_sq as f64 / SQ_SCALE - n * mean * mean) / (n - 1.0);
        var.max(0.0).sqrt()
    }

    /// 95% confidence interval of the mean: mean ∓ 1.96 sd/√n.
    pub fn mean_ci95(&self) -> (f64, f64) {
        let n = self.sketch.count().max(1) as f64;
        let half = 1.96 * self.sd() / n.sqrt();
        (self.mean() - half, self.mean() + half)
    }
}

/// The differences of one variant against the baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct PairedDiff {
    months: usize,
    /// Per month: variant − baseline of `cost_total`.
    monthly: Vec<Moments>,
    /// Per month: variant − baseline of `cost_cumulative`.
    cumulative: Vec<Moments>,
    /// First month (1…) in which the cumulative difference changes sign from month 1's.
    crossing: MonthHistogram,
    /// Trials in which the variant's cumulative cost starts above the baseline's.
    starts_higher: u64,
}

impl PairedDiff {
    /// Empty differences for months 0…horizon.
    pub fn new(horizon_months: u32) -> PairedDiff {
        let months = horizon_months as usize + 1;
        PairedDiff {
            months,
            monthly: vec![Moments::default(); months],
            cumulative: vec![Moments::default(); months],
            crossing: MonthHistogram::new(months),
            starts_higher: 0,
        }
    }

    /// Adds one trial's pair.
    pub fn add(&mut self, variant: &TrialRecord, baseline: &TrialRecord) {
        let mut first_sign = 0.0;
        let mut crossing = None;
        for m in 0..self.months {
            let d = variant.get(m, Metric::CostTotal) - baseline.get(m, Metric::CostTotal);
            let c =
                variant.get(m, Metric::CostCumulative) - baseline.get(m, Metric::CostCumulative);
            self.monthly[m].add(d);
            self.cumulative[m].add(c);
            if m >= 1 && crossing.is_none() {
                if first_sign == 0.0 {
                    first_sign = c.signum() * (c.abs() > 1e-9) as u8 as f64;
                } else if c * first_sign <= 0.0 {
                    crossing = Some(m as u32);
                }
            }
        }
        if first_sign > 0.0 {
            self.starts_higher += 1;
        }
        self.crossing.add(crossing);
    }

    /// Adds everything `other` holds.
    pub fn merge(mut self, other: PairedDiff) -> PairedDiff {
        for (a, b) in self.monthly.iter_mut().zip(&other.monthly) {
            a.merge(b);
        }
        for (a, b) in self.cumulative.iter_mut().zip(&other.cumulative) {
            a.merge(b);
        }
        self.crossing.merge(&other.crossing);
        self.starts_higher += other.starts_higher;
        self
    }

    /// Monthly cost difference in month `m`.
    pub fn monthly(&self, m: usize) -> &Moments {
        &self.monthly[m]
    }

    /// Cumulative cost difference at month `m`.
    pub fn cumulative(&self, m: usize) -> &Moments {
        &self.cumulative[m]
    }

    /// Trials whose cumulative costs start with the variant above the baseline.
    pub fn starts_higher(&self) -> u64 {
        self.starts_higher
    }

    /// Quantiles of the break-even month (the first month the cumulative difference changes
    /// sign), "never" counting as later than the horizon.
    pub fn break_even(&self) -> TimeTo {
        self.crossing.time_to()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::metrics::N_METRICS;

    fn costs(monthly: &[f64]) -> TrialRecord {
        let mut r = TrialRecord::new(monthly.len() as u32 - 1);
        let mut cum = 0.0;
        for (m, &c) in monthly.iter().enumerate() {
            if m > 0 {
                cum += c;
            }
            r.values[m * N_METRICS + Metric::CostTotal.index()] = c;
            r.values[m * N_METRICS + Metric::CostCumulative.index()] = cum;
        }
        r
    }

    #[test]
    fn break_even_of_capex_against_opex() {
        // Variant: 1,000 up front then 10/month; baseline 100/month: cumulative 1,010 vs 100 in
        // month 1, crossing when 1,000 + 10m ≤ 100m, m ≥ 11.1 → month 12.
        let mut v = vec![0.0, 1010.0];
        v.extend(std::iter::repeat_n(10.0, 14));
        let b = vec![100.0; 16];
        let mut d = PairedDiff::new(15);
        d.add(&costs(&v), &costs(&b));
        assert_eq!(d.break_even().p50, Some(12));
        assert_eq!(d.starts_higher(), 1);
        assert_eq!(d.cumulative(15).mean(), (1010.0 + 140.0) - 1500.0);
    }

    #[test]
    fn moments_mean_and_sd() {
        let mut m = Moments::default();
        for x in [1.0, 2.0, 3.0, 4.0] {
            m.add(x);
        }
        assert_eq!(m.mean(), 2.5);
        assert!((m.sd() - (5.0f64 / 3.0).sqrt()).abs() < 1e-6);
    }
}
