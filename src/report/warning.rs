//! What a reader must be told about a run: warnings are values with a kind, shown on the
//! terminal, in `summary.json` (as their text) and in `report.md`.

use super::format::probability;
use crate::aggregate::{Aggregate, Probability};
use crate::model::metrics::{Event, Metric};
use crate::model::{Backend, Model, ceph};
use std::fmt;

/// One thing a reader must know.
#[derive(Debug, Clone, PartialEq)]
pub enum Warning {
    /// Too few trials for tail figures.
    FewTrials {
        /// Trials played.
        trials: u64,
    },
    /// Some trials hit `max_users`.
    PopulationCapped {
        /// Trials that hit the cap.
        capped: u64,
        /// Trials played.
        trials: u64,
    },
    /// A cluster with no spare failure domain runs degraded after losing a host.
    RunsDegraded {
        /// Cluster name.
        cluster: String,
        /// Its hosts.
        hosts: u32,
        /// Hosts its widest pool spans.
        width: u32,
    },
    /// Thin volumes provisioned beyond the usable capacity.
    Overcommitted {
        /// P50 of provisioned / usable at the horizon.
        ratio: f64,
        /// The horizon month.
        month: u32,
    },
    /// Losing a host would stall recovery in some futures.
    HostFailureUnsafe {
        /// The horizon month.
        month: u32,
        /// Share of trials that are safe then.
        share_safe: f64,
    },
    /// Some volume fills within the horizon.
    VolumesFill {
        /// The horizon.
        months: u32,
        /// The chance.
        p: Probability,
    },
    /// A `[targets]` probability is missed.
    TargetMissed {
        /// The event.
        event: Event,
        /// Its chance.
        p: Probability,
        /// The target's key in `[targets]`.
        target_key: &'static str,
        /// The target.
        target: f64,
    },
    /// The monthly budget is exceeded in some futures.
    BudgetExceeded {
        /// `[targets] monthly_budget`.
        budget: f64,
        /// Currency.
        currency: String,
        /// The chance that some month exceeds it.
        p: Probability,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::FewTrials { trials } => write!(
                f,
                "only {trials} trials: P99 and small probabilities are unstable; use --trials 10000 or more"
            ),
            Warning::PopulationCapped { capped, trials } => write!(
                f,
                "{capped} of {trials} trials reached the population cap (max_users) and stopped growing"
            ),
            Warning::RunsDegraded {
                cluster,
                hosts,
                width,
            } => write!(
                f,
                "ceph.{cluster}: {hosts} hosts for a pool {width} hosts wide: after losing a host the data cannot re-replicate and the cluster runs degraded until the host returns"
            ),
            Warning::Overcommitted { ratio, month } => write!(
                f,
                "Ceph is over-committed: thin volumes are provisioned at {ratio:.1}× the usable capacity (P50 at month {month}); writes can fill the cluster before any volume is full"
            ),
            Warning::HostFailureUnsafe { month, share_safe } => write!(
                f,
                "host-failure safe at month {month} in only {:.1}% of trials",
                share_safe * 100.0
            ),
            Warning::VolumesFill { months, p } => write!(
                f,
                "some volume fills within {months} months in {} of trials",
                probability(p)
            ),
            Warning::TargetMissed {
                event,
                p,
                target_key,
                target,
            } => write!(
                f,
                "target missed: P({}) = {} is above {target_key} = {:.1}%",
                event.name(),
                probability(p),
                target * 100.0
            ),
            Warning::BudgetExceeded {
                budget,
                currency,
                p,
            } => write!(
                f,
                "the monthly budget of {budget:.2} {currency} is exceeded in some month in {} of trials",
                probability(p)
            ),
        }
    }
}

impl serde::Serialize for Warning {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The widest pool (in hosts) of each cluster.
fn widest_pools(model: &Model) -> Vec<u32> {
    let mut widest = vec![0; model.ceph.len()];
    for class in &model.storage_classes {
        if let Backend::Ceph { cluster, width, .. } = class.backend {
            widest[cluster] = widest[cluster].max(width);
        }
    }
    widest
}

/// Everything a reader must be told about a run, in the order they matter.
pub fn warnings(model: &Model, agg: &Aggregate) -> Vec<Warning> {
    let h = model.horizon_months;
    let n = agg.trials();
    let mut out = Vec::new();
    if n < 1000 {
        out.push(Warning::FewTrials { trials: n });
    }
    if agg.capped_trials() > 0 {
        out.push(Warning::PopulationCapped {
            capped: agg.capped_trials(),
            trials: n,
        });
    }
    for (cluster, width) in model.ceph.iter().zip(widest_pools(model)) {
        if width > 0 && !ceph::can_rereplicate(cluster.hosts, width) {
            out.push(Warning::RunsDegraded {
                cluster: cluster.name.clone(),
                hosts: cluster.hosts,
                width,
            });
        }
    }
    let degraded = out
        .iter()
        .any(|w| matches!(w, Warning::RunsDegraded { .. }));
    if !model.ceph.is_empty() {
        let ratio = agg.cell(h as usize, Metric::CephOvercommit).quantile(0.5);
        if ratio > 1.0 {
            out.push(Warning::Overcommitted { ratio, month: h });
        }
        let share_safe = agg.cell(h as usize, Metric::CephHostFailureSafe).mean();
        if share_safe < 1.0 && !degraded {
            out.push(Warning::HostFailureUnsafe {
                month: h,
                share_safe,
            });
        }
    }
    let full = agg.probability(Event::VolumeFull);
    if full.p > 0.0 {
        out.push(Warning::VolumesFill { months: h, p: full });
    }
    for (event, target, target_key) in [
        (
            Event::VolumeFull,
            model.targets.max_volume_full_probability,
            "max_volume_full_probability",
        ),
        (
            Event::CephNearfull,
            model.targets.max_ceph_nearfull_probability,
            "max_ceph_nearfull_probability",
        ),
    ] {
        let p = agg.probability(event);
        if let Some(target) = target
            && p.p > target
        {
            out.push(Warning::TargetMissed {
                event,
                p,
                target_key,
                target,
            });
        }
    }
    if let Some(budget) = model.targets.monthly_budget {
        let p = agg.probability(Event::BudgetExceeded);
        if p.p > 0.0 {
            out.push(Warning::BudgetExceeded {
                budget,
                currency: model.currency.clone(),
                p,
            });
        }
    }
    out
}
