//! Streaming aggregation of trials: per metric and month a mergeable sketch, per event a
//! count and a histogram of first months. Memory depends on the horizon, not on the number of
//! trials, and merging is exact, so the result is the same whatever the thread count.

pub mod paired;
pub mod sketch;

use crate::model::metrics::{Metric, N_METRICS};
use crate::model::trial::{NEVER, TrialRecord};
pub use sketch::Sketch;

/// Events whose probability and timing a run reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Some volume full in some month.
    VolumeFull,
    /// The fullest OSD at or above nearfull.
    CephNearfull,
    /// The fullest OSD at or above full.
    CephFull,
    /// An expansion order placed.
    CephOrder,
    /// `cost_total` above the monthly budget.
    BudgetExceeded,
}

impl Event {
    /// Every event, in report order.
    pub const ALL: [Event; 5] = [
        Event::VolumeFull,
        Event::CephNearfull,
        Event::CephFull,
        Event::CephOrder,
        Event::BudgetExceeded,
    ];

    /// Name in `summary.json`.
    pub fn name(self) -> &'static str {
        match self {
            Event::VolumeFull => "volume_full",
            Event::CephNearfull => "ceph_nearfull",
            Event::CephFull => "ceph_full",
            Event::CephOrder => "ceph_order",
            Event::BudgetExceeded => "budget_exceeded",
        }
    }

    fn first_month(self, r: &TrialRecord) -> u32 {
        match self {
            Event::VolumeFull => r.first_volume_full,
            Event::CephNearfull => r.first_ceph_nearfull,
            Event::CephFull => r.first_ceph_full,
            Event::CephOrder => r.first_ceph_order,
            Event::BudgetExceeded => r.first_budget_exceeded,
        }
    }
}

/// Everything kept about a set of trials.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    months: usize,
    trials: u64,
    cells: Vec<Sketch>,
    /// Per event: trials whose first occurrence was in month m (index m), then "never" last.
    first: Vec<Vec<u64>>,
    capped: u64,
}

impl Aggregate {
    /// An empty aggregate for months 0…horizon.
    pub fn new(horizon_months: u32) -> Aggregate {
        let months = horizon_months as usize + 1;
        Aggregate {
            months,
            trials: 0,
            cells: vec![Sketch::default(); months * N_METRICS],
            first: vec![vec![0; months + 1]; Event::ALL.len()],
            capped: 0,
        }
    }

    /// Adds one trial.
    pub fn add(&mut self, record: &TrialRecord) {
        self.trials += 1;
        for (cell, &v) in self.cells.iter_mut().zip(&record.values) {
            cell.add(v);
        }
        for (e, event) in Event::ALL.iter().enumerate() {
            let m = event.first_month(record);
            let slot = if m == NEVER {
                self.months
            } else {
                (m as usize).min(self.months - 1)
            };
            self.first[e][slot] += 1;
        }
        self.capped += record.population_capped as u64;
    }

    /// Adds everything `other` holds (exact; order does not matter).
    pub fn merge(mut self, other: Aggregate) -> Aggregate {
        self.trials += other.trials;
        for (a, b) in self.cells.iter_mut().zip(&other.cells) {
            a.merge(b);
        }
        for (a, b) in self.first.iter_mut().zip(&other.first) {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
        self.capped += other.capped;
        self
    }

    /// Trials added.
    pub fn trials(&self) -> u64 {
        self.trials
    }

    /// Months recorded (horizon + 1).
    pub fn months(&self) -> usize {
        self.months
    }

    /// The sketch of one metric in one month.
    pub fn cell(&self, month: usize, metric: Metric) -> &Sketch {
        &self.cells[month * N_METRICS + metric.index()]
    }

    /// Bytes the aggregate holds: it depends on the horizon and the spread of the values, not
    /// on the number of trials.
    pub fn memory_bytes(&self) -> usize {
        self.cells.iter().map(Sketch::memory_bytes).sum::<usize>()
            + self.first.iter().map(|f| 8 * f.capacity()).sum::<usize>()
    }

    /// Trials in which the population hit its cap.
    pub fn capped_trials(&self) -> u64 {
        self.capped
    }

    /// Chance that the event happens at least once within the horizon, with its Monte Carlo
    /// standard error √(p(1 − p)/n).
    pub fn probability(&self, event: Event) -> Probability {
        let never = self.first[event as usize][self.months];
        let n = self.trials.max(1) as f64;
        let p = (self.trials - never) as f64 / n;
        Probability {
            p,
            se: (p * (1.0 - p) / n).sqrt(),
        }
    }

    /// Quantiles of the first month of an event over all trials, "never" counting as later
    /// than any month: `None` where the quantile falls among the trials where it never happens.
    pub fn time_to(&self, event: Event) -> TimeTo {
        let hist = &self.first[event as usize];
        let n = self.trials;
        let quantile = |q: f64| -> Option<u32> {
            if n == 0 {
                return None;
            }
            let rank = (q * (n - 1) as f64).floor() as u64;
            let mut seen = 0;
            for (m, &c) in hist[..self.months].iter().enumerate() {
                seen += c;
                if seen > rank {
                    return Some(m as u32);
                }
            }
            None
        };
        TimeTo {
            p5: quantile(0.05),
            p50: quantile(0.5),
            p95: quantile(0.95),
            never: hist[self.months] as f64 / n.max(1) as f64,
        }
    }
}

/// A probability with its Monte Carlo standard error.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Probability {
    /// Estimated chance.
    pub p: f64,
    /// Standard error of the estimate.
    pub se: f64,
}

/// When an event first happens, in months from month 0.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
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

#[cfg(test)]
mod tests {
    use super::*;

    fn record(first_full: u32, used: f64) -> TrialRecord {
        let mut r = TrialRecord::new(2);
        r.first_volume_full = first_full;
        for m in 0..3 {
            r.values[m * N_METRICS + Metric::UsedGib.index()] = used * m as f64;
        }
        r
    }

    #[test]
    fn probabilities_and_time_to() {
        let mut agg = Aggregate::new(2);
        for i in 0..100 {
            let first = if i < 30 {
                1
            } else if i < 40 {
                2
            } else {
                NEVER
            };
            agg.add(&record(first, i as f64));
        }
        let p = agg.probability(Event::VolumeFull);
        assert!((p.p - 0.4).abs() < 1e-12);
        assert!((p.se - (0.4f64 * 0.6 / 100.0).sqrt()).abs() < 1e-12);
        let t = agg.time_to(Event::VolumeFull);
        assert_eq!(t.p5, Some(1));
        assert_eq!(t.p50, None);
        assert!((t.never - 0.6).abs() < 1e-12);
        assert!((agg.cell(2, Metric::UsedGib).mean() - 99.0).abs() < 1e-9);
    }
}
