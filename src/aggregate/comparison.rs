//! The aggregate of a comparison: every variant's [`Aggregate`] and each variant's paired
//! differences against the first (the baseline), all from the same trials.

use super::Aggregate;
use super::paired::PairedDiff;
use super::wire::Wire;
use crate::model::trial::TrialRecord;

/// The results of several variants played on the same trials.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// One aggregate per variant, in the order given.
    pub aggregates: Vec<Aggregate>,
    /// Paired differences of variant i + 1 against variant 0.
    pub diffs: Vec<PairedDiff>,
}

impl super::wire::Wire for Comparison {
    fn put(&self, w: &mut super::wire::Writer) {
        self.aggregates.put(w);
        self.diffs.put(w);
    }
    fn get(r: &mut super::wire::Reader) -> Result<Self, super::wire::WireError> {
        Ok(Comparison {
            aggregates: Wire::get(r)?,
            diffs: Wire::get(r)?,
        })
    }
}

impl super::wire::Conform for Comparison {
    fn conform(&self, empty: &Self, trials: u64) -> Result<(), super::wire::WireError> {
        self.aggregates.conform(&empty.aggregates, trials)?;
        self.diffs.conform(&empty.diffs, trials)
    }
}

impl Comparison {
    /// An empty comparison of `variants` variants over months 0…horizon.
    pub fn new(variants: usize, horizon_months: u32) -> Comparison {
        Comparison {
            aggregates: (0..variants)
                .map(|_| Aggregate::new(horizon_months))
                .collect(),
            diffs: (1..variants)
                .map(|_| PairedDiff::new(horizon_months))
                .collect(),
        }
    }

    /// Adds one trial of every variant (`records[0]` is the baseline's).
    pub fn add(&mut self, records: &[TrialRecord]) {
        for (agg, record) in self.aggregates.iter_mut().zip(records) {
            agg.add(record);
        }
        for (d, diff) in self.diffs.iter_mut().enumerate() {
            diff.add(&records[d + 1], &records[0]);
        }
    }

    /// Adds everything `other` holds (exact; order does not matter).
    pub fn merge(mut self, other: Comparison) -> Comparison {
        self.aggregates = self
            .aggregates
            .into_iter()
            .zip(other.aggregates)
            .map(|(a, b)| a.merge(b))
            .collect();
        self.diffs = self
            .diffs
            .into_iter()
            .zip(other.diffs)
            .map(|(a, b)| a.merge(b))
            .collect();
        self
    }

    /// Trials played (of each variant).
    pub fn trials(&self) -> u64 {
        self.aggregates.first().map_or(0, Aggregate::trials)
    }
}
