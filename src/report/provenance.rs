//! Where a report's numbers come from: how many trials, which seed, which horizon, currency,
//! start month and headroom version. Every report carries it, so any figure can be replayed.

use serde::Serialize;

/// headroom's version, as every report records it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The settings a set of results was produced with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Provenance {
    /// Trials played (per variant in a comparison).
    pub trials: u64,
    /// Master seed (replaying with it gives the same numbers).
    pub seed: u64,
    /// Months after month 0.
    pub horizon_months: u32,
    /// Currency of every cost.
    pub currency: String,
    /// Calendar month of month 1, if the scenario sets it.
    pub start: Option<String>,
}

impl Provenance {
    /// The provenance of a run of `model`.
    pub fn of(model: &crate::model::Model, trials: u64, seed: u64) -> Provenance {
        Provenance {
            trials,
            seed,
            horizon_months: model.horizon_months,
            currency: model.currency.clone(),
            start: model.start.map(|s| super::format::calendar(s, 1)),
        }
    }

    /// `subject — 10000 trials, seed 42, 24 months, USD` (`each` for comparisons).
    pub fn headline(&self, subject: &str, each: bool) -> String {
        format!(
            "{subject} — {} trials{}, seed {}, {} months, {}",
            self.trials,
            if each { " each" } else { "" },
            self.seed,
            self.horizon_months,
            self.currency
        )
    }

    /// The sentence a report's assumptions start with.
    pub fn replay_note(&self) -> String {
        format!(
            "{} trials, seed {} (re-run with `--seed {}` for the same numbers), months of 730 hours, headroom {VERSION}.",
            self.trials, self.seed, self.seed
        )
    }
}
