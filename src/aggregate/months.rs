//! When something first happens in a trial, counted by month: the histogram behind the time to
//! nearfull, to the first expansion order, and to a comparison's break-even.

use serde::Serialize;

/// How many trials first saw an event in each month 0…horizon, and how many never did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthHistogram {
    counts: Vec<u64>,
    never: u64,
}

impl super::wire::Wire for MonthHistogram {
    fn put(&self, w: &mut super::wire::Writer) {
        w.u64s(&self.counts);
        w.u64(self.never);
    }
    fn get(r: &mut super::wire::Reader) -> Result<Self, super::wire::WireError> {
        Ok(MonthHistogram {
            counts: r.u64s()?,
            never: r.u64()?,
        })
    }
}

impl super::wire::Conform for MonthHistogram {
    fn conform(&self, empty: &Self, trials: u64) -> Result<(), super::wire::WireError> {
        super::wire::expect(self.counts.len() == empty.counts.len(), || {
            format!(
                "a histogram of {} months where the scenario has {}",
                self.counts.len(),
                empty.counts.len()
            )
        })?;
        let total = self
            .counts
            .iter()
            .try_fold(self.never, |sum, &n| sum.checked_add(n));
        super::wire::expect(total == Some(trials), || {
            format!("a histogram of {total:?} trials in a share of {trials}")
        })
    }
}

/// When an event first happens, in months from month 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TimeTo {
    /// 5th percentile month (None: later than the horizon).
    pub p5: Option<u32>,
    /// Median month.
    pub p50: Option<u32>,
    /// 95th percentile month.
    pub p95: Option<u32>,
    /// Share of trials in which it never happens within the horizon.
    pub never: f64,
}

impl MonthHistogram {
    /// An empty histogram over `months` months (horizon + 1).
    pub fn new(months: usize) -> MonthHistogram {
        MonthHistogram {
            counts: vec![0; months],
            never: 0,
        }
    }

    /// Counts one trial whose event first happened in `month` (None: never). A month past the
    /// horizon counts in the last month.
    pub fn add(&mut self, month: Option<u32>) {
        match month {
            None => self.never += 1,
            Some(m) => {
                let last = self.counts.len().saturating_sub(1);
                self.counts[(m as usize).min(last)] += 1;
            }
        }
    }

    /// Adds everything `other` holds (exact).
    pub fn merge(&mut self, other: &MonthHistogram) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.never += other.never;
    }

    /// Trials counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum::<u64>() + self.never
    }

    /// Trials in which the event never happened.
    pub fn never(&self) -> u64 {
        self.never
    }

    /// Bytes held.
    pub fn memory_bytes(&self) -> usize {
        8 * (self.counts.capacity() + 1)
    }

    /// The `q` quantile of the first month, "never" counting as later than any month: None
    /// where it falls among the trials in which the event never happens (or none were counted).
    pub fn quantile(&self, q: f64) -> Option<u32> {
        let n = self.total();
        if n == 0 {
            return None;
        }
        let rank = (q * (n - 1) as f64).floor() as u64;
        let mut seen = 0;
        for (m, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen > rank {
                return Some(m as u32);
            }
        }
        None
    }

    /// P5, P50, P95 and the share that never happens.
    pub fn time_to(&self) -> TimeTo {
        TimeTo {
            p5: self.quantile(0.05),
            p50: self.quantile(0.5),
            p95: self.quantile(0.95),
            never: self.never as f64 / self.total().max(1) as f64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_count_never_as_later_than_the_horizon() {
        let mut h = MonthHistogram::new(4);
        for m in [Some(1), Some(1), Some(2), Some(9), None, None] {
            h.add(m);
        }
        assert_eq!(h.total(), 6);
        assert_eq!(h.quantile(0.0), Some(1));
        assert_eq!(h.quantile(0.5), Some(2));
        // Month 9 is past the horizon and counts in the last month (3).
        assert_eq!(h.quantile(0.6), Some(3));
        assert_eq!(h.quantile(0.95), None);
        assert!((h.time_to().never - 1.0 / 3.0).abs() < 1e-12);
    }
}
