//! Streaming aggregation of trials: per metric and month a mergeable sketch, per event a
//! count and a histogram of first months. Memory depends on the horizon, not on the number of
//! trials, and merging is exact, so the result is the same whatever the thread count.

pub mod comparison;
pub mod months;
pub mod paired;
pub mod partial;
pub mod sketch;
pub mod wire;

use crate::model::metrics::{Event, Metric, N_METRICS};
use crate::model::trial::TrialRecord;
pub use comparison::Comparison;
pub use months::{MonthHistogram, TimeTo};
pub use sketch::Sketch;

/// Everything kept about a set of trials.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    months: usize,
    trials: u64,
    cells: Vec<Sketch>,
    /// Per event: the month of its first occurrence in each trial.
    first: [MonthHistogram; Event::COUNT],
    capped: u64,
}

impl wire::Wire for Aggregate {
    fn put(&self, w: &mut wire::Writer) {
        w.u64(self.months as u64);
        w.u64(self.trials);
        self.cells.put(w);
        for h in &self.first {
            h.put(w);
        }
        w.u64(self.capped);
    }
    fn get(r: &mut wire::Reader) -> Result<Self, wire::WireError> {
        let months = r.u64()? as usize;
        let trials = r.u64()?;
        let cells: Vec<Sketch> = wire::Wire::get(r)?;
        if cells.len() != months * N_METRICS {
            return Err(wire::WireError(format!(
                "{} cells for {months} months of {N_METRICS} metrics",
                cells.len()
            )));
        }
        let mut first = Vec::with_capacity(Event::COUNT);
        for _ in 0..Event::COUNT {
            first.push(<MonthHistogram as wire::Wire>::get(r)?);
        }
        let first: [MonthHistogram; Event::COUNT] = first
            .try_into()
            .map_err(|_| wire::WireError("event histograms".into()))?;
        Ok(Aggregate {
            months,
            trials,
            cells,
            first,
            capped: r.u64()?,
        })
    }
}

impl wire::Conform for Aggregate {
    fn conform(&self, empty: &Self, trials: u64) -> Result<(), wire::WireError> {
        wire::expect(self.months == empty.months, || {
            format!(
                "{} months where the scenario has {}",
                self.months, empty.months
            )
        })?;
        wire::expect(self.trials == trials, || {
            format!("{} trials where the share has {trials}", self.trials)
        })?;
        self.cells.conform(&empty.cells, trials)?;
        for (h, e) in self.first.iter().zip(&empty.first) {
            h.conform(e, trials)?;
        }
        wire::expect(self.capped <= trials, || {
            format!("{} capped trials of {trials}", self.capped)
        })
    }
}

impl Aggregate {
    /// An empty aggregate for months 0…horizon.
    pub fn new(horizon_months: u32) -> Aggregate {
        let months = horizon_months as usize + 1;
        Aggregate {
            months,
            trials: 0,
            cells: vec![Sketch::default(); months * N_METRICS],
            first: std::array::from_fn(|_| MonthHistogram::new(months)),
            capped: 0,
        }
    }

    /// Adds one trial.
    pub fn add(&mut self, record: &TrialRecord) {
        self.trials += 1;
        for (cell, &v) in self.cells.iter_mut().zip(&record.values) {
            cell.add(v);
        }
        for event in Event::ALL {
            self.first[event.index()].add(record.first(event));
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
            a.merge(b);
        }
        self.capped += other.capped;
        self
    }

    /// The first figure that is not a finite number in every trial (a month and metric whose
    /// sketch counted fewer values than trials: the sketch skips NaN and infinities), or one
    /// beyond 10^15 in size, where sums lose their exactness: inputs out of any real range.
    /// None when every figure can be reported.
    pub fn unreportable(&self) -> Option<(usize, Metric)> {
        (0..self.months).find_map(|m| {
            Metric::ALL.into_iter().find_map(|metric| {
                let cell = self.cell(m, metric);
                let bad = cell.count() != self.trials
                    || (cell.count() > 0 && cell.min().abs().max(cell.max().abs()) > 1e15);
                bad.then_some((m, metric))
            })
        })
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
            + self
                .first
                .iter()
                .map(MonthHistogram::memory_bytes)
                .sum::<usize>()
    }

    /// Trials in which the population hit its cap.
    pub fn capped_trials(&self) -> u64 {
        self.capped
    }

    /// Chance that the event happens at least once within the horizon, with its Monte Carlo
    /// standard error √(p(1 − p)/n).
    pub fn probability(&self, event: Event) -> Probability {
        let h = &self.first[event.index()];
        Probability::of(h.total() - h.never(), h.total())
    }

    /// Quantiles of the first month of an event over all trials, "never" counting as later
    /// than any month: `None` where the quantile falls among the trials where it never happens.
    pub fn time_to(&self, event: Event) -> TimeTo {
        self.first[event.index()].time_to()
    }
}

/// A probability estimated from trials, with its Monte Carlo standard error and a Wilson 95%
/// interval (which, unlike p ± 1.96 se, is not zero-width when no trial or every trial saw the
/// event: 0 of 10,000 gives [0, 0.038%]).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Probability {
    /// Estimated chance.
    pub p: f64,
    /// Standard error of the estimate, √(p(1 − p)/n).
    pub se: f64,
    /// Wilson score interval at 95%.
    pub ci95: [f64; 2],
}

/// The normal quantile of 97.5%.
const Z95: f64 = 1.959_963_984_540_054;

impl Probability {
    /// `hits` of `n` trials.
    pub fn of(hits: u64, n: u64) -> Probability {
        let nf = n.max(1) as f64;
        let p = hits as f64 / nf;
        let z2 = Z95 * Z95;
        let centre = (p + z2 / (2.0 * nf)) / (1.0 + z2 / nf);
        let half = Z95 * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt() / (1.0 + z2 / nf);
        let (lo, hi) = match hits {
            0 => (0.0, centre + half),
            h if h >= n => (centre - half, 1.0),
            _ => (centre - half, centre + half),
        };
        Probability {
            p,
            se: (p * (1.0 - p) / nf).sqrt(),
            ci95: [lo.max(0.0), hi.min(1.0)],
        }
    }
}

#[cfg(test)]
mod tests {
    /// Wilson at the edges (hand computation: z² = 3.8415, upper = z²/(n + z²)): 0 of 10,000 is
    /// [0, 0.0384%], 10,000 of 10,000 is [99.9616%, 1]; 40 of 100 is [30.95%, 49.80%].
    #[test]
    fn wilson_intervals() {
        let zero = super::Probability::of(0, 10_000);
        assert_eq!((zero.p, zero.se, zero.ci95[0]), (0.0, 0.0, 0.0));
        assert!(
            (zero.ci95[1] - 3.8415 / 10_003.841_5).abs() < 1e-7,
            "{:?}",
            zero
        );
        let all = super::Probability::of(10_000, 10_000);
        assert_eq!((all.p, all.ci95[1]), (1.0, 1.0));
        assert!((all.ci95[0] - 10_000.0 / 10_003.841_5).abs() < 1e-7);
        let mid = super::Probability::of(40, 100);
        assert!((mid.ci95[0] - 0.3095).abs() < 1e-4, "{:?}", mid);
        assert!((mid.ci95[1] - 0.4980).abs() < 1e-4, "{:?}", mid);
    }

    use super::*;
    use crate::model::trial::NEVER;

    fn record(first_full: u32, used: f64) -> TrialRecord {
        let mut r = TrialRecord::new(2);
        r.first[Event::VolumeFull.index()] = first_full;
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
        assert!(p.ci95[0] < 0.4 && 0.4 < p.ci95[1]);
        assert!((p.se - (0.4f64 * 0.6 / 100.0).sqrt()).abs() < 1e-12);
        let t = agg.time_to(Event::VolumeFull);
        assert_eq!(t.p5, Some(1));
        assert_eq!(t.p50, None);
        assert!((t.never - 0.6).abs() < 1e-12);
        assert!((agg.cell(2, Metric::UsedGib).mean() - 99.0).abs() < 1e-9);
    }
}
