//! Paired differences between a variant and the baseline, trial by trial.
//!
//! Variants of a comparison play the same trials with the same random streams (common random
//! numbers), so the difference of a trial's costs is the difference the design makes, not
//! noise. Its mean gets a confidence interval from the paired standard deviation. The
//! differences are kept in [`Sketch`]es, whose sums are integers in fixed point, so merging is
//! exact and order-free.

use super::wire::Wire;
use super::{MonthHistogram, Sketch, TimeTo};
use crate::model::metrics::Metric;
use crate::model::trial::TrialRecord;

/// The differences of one variant against the baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct PairedDiff {
    months: usize,
    /// Per month: variant − baseline of `cost_total`.
    monthly: Vec<Sketch>,
    /// Per month: variant − baseline of `cost_cumulative`.
    cumulative: Vec<Sketch>,
    /// First month (1…) in which the cumulative difference changes sign from month 1's.
    crossing: MonthHistogram,
    /// Trials in which the variant's cumulative cost starts above the baseline's.
    starts_higher: u64,
}

impl super::wire::Wire for PairedDiff {
    fn put(&self, w: &mut super::wire::Writer) {
        w.u64(self.months as u64);
        self.monthly.put(w);
        self.cumulative.put(w);
        self.crossing.put(w);
        w.u64(self.starts_higher);
    }
    fn get(r: &mut super::wire::Reader) -> Result<Self, super::wire::WireError> {
        Ok(PairedDiff {
            months: r.u64()? as usize,
            monthly: Wire::get(r)?,
            cumulative: Wire::get(r)?,
            crossing: MonthHistogram::get(r)?,
            starts_higher: r.u64()?,
        })
    }
}

impl super::wire::Conform for PairedDiff {
    fn conform(&self, empty: &Self, trials: u64) -> Result<(), super::wire::WireError> {
        super::wire::expect(self.months == empty.months, || {
            format!(
                "{} months where the scenario has {}",
                self.months, empty.months
            )
        })?;
        self.monthly.conform(&empty.monthly, trials)?;
        self.cumulative.conform(&empty.cumulative, trials)?;
        self.crossing.conform(&empty.crossing, trials)?;
        super::wire::expect(self.starts_higher <= trials, || {
            format!("{} of {trials} trials start higher", self.starts_higher)
        })
    }
}

impl PairedDiff {
    /// Empty differences for months 0…horizon.
    pub fn new(horizon_months: u32) -> PairedDiff {
        let months = horizon_months as usize + 1;
        PairedDiff {
            months,
            monthly: vec![Sketch::default(); months],
            cumulative: vec![Sketch::default(); months],
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
    pub fn monthly(&self, m: usize) -> &Sketch {
        &self.monthly[m]
    }

    /// Cumulative cost difference at month `m`.
    pub fn cumulative(&self, m: usize) -> &Sketch {
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

    fn costs(monthly: &[f64]) -> TrialRecord {
        TrialRecord::of_monthly_costs(monthly)
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
}
