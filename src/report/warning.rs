//! What a reader must be told about a run: warnings are values with a kind, shown on the
//! terminal, in `summary.json` (as their text) and in `report.md`.

use super::format::probability;
use crate::aggregate::{Aggregate, Probability};
use crate::model::metrics::{Event, Metric};
use crate::model::{Backend, ExpansionAdd, Model, ceph};
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
    /// Losing one OSD would stall recovery in some futures (several OSDs per host).
    OsdFailureUnsafe {
        /// The horizon month.
        month: u32,
        /// Share of trials that are safe then.
        share_safe: f64,
    },
    /// Expansions are ordered but nothing prices them.
    Unpriced {
        /// Cluster name.
        cluster: String,
        /// The chance that some order is placed.
        p: Probability,
    },
    /// A scenario set no imbalance where OSDs do not hold a copy of every PG.
    ZeroImbalance {
        /// Cluster name.
        cluster: String,
        /// OSDs per host.
        osds_per_host: u32,
    },
    /// An autoresize limit above the disk type's largest size was lowered to it.
    LimitCapped {
        /// Volume template.
        volume: String,
        /// The limit the scenario asked for, GiB.
        asked: f64,
        /// The disk type's largest size, GiB.
        max: f64,
        /// Storage class.
        class: String,
        /// Where the limit is written.
        source: String,
    },
    /// A Ceph cluster refuses writes in some futures (an OSD past `full_ratio`).
    WritesBlocked {
        /// The horizon.
        months: u32,
        /// The chance.
        p: Probability,
        /// GiB wanted and not written at the horizon, P90.
        unwritten_p90: f64,
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
    /// Growth rates that neither a planning document nor a labelled assumption accounts for.
    Unlabelled {
        /// Their keys (`volumes.workspace.growth`).
        keys: Vec<String>,
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
            Warning::LimitCapped {
                volume,
                asked,
                max,
                class,
                source,
            } => write!(
                f,
                "volume {volume}: the autoresize limit {asked} GiB is above the largest size of {class} ({max} GiB; {source}): resizes stop at {max} GiB"
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
            Warning::Unlabelled { keys } => write!(
                f,
                "{} {} neither a planning document's figure nor a labelled assumption: the answer rests on {} no one has vouched for; say where {} from with [[facts]] or [[assumptions]]",
                keys.join(", "),
                if keys.len() == 1 { "is" } else { "are" },
                if keys.len() == 1 {
                    "a number"
                } else {
                    "numbers"
                },
                if keys.len() == 1 {
                    "it comes"
                } else {
                    "they come"
                }
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
            ceph => ceph.fmt_ceph(f),
        }
    }
}

impl Warning {
    /// The text of a warning about a Ceph cluster (every other warning is written by
    /// `Display` itself).
    fn fmt_ceph(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
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
                "host-failure safe at month {month} in only {:.1}% of trials: after losing a host (or one OSD) recovery needs every OSD under backfillfull_ratio, else it stalls (backfill_toofull)",
                share_safe * 100.0
            ),
            Warning::OsdFailureUnsafe { month, share_safe } => write!(
                f,
                "one OSD failure at month {month} leaves recovery able to finish in only {:.1}% of trials: CRUSH places its copies on the other OSDs (its host's siblings take the most), and one of them passes backfillfull_ratio (backfill_toofull)",
                share_safe * 100.0
            ),
            Warning::Unpriced { cluster, p } => write!(
                f,
                "ceph.{cluster}: expansions are ordered in {} of futures but are unpriced (no monthly_cost or one_time_cost): the cost curve stays flat while capacity grows; price them before trusting the cost",
                probability(p)
            ),
            Warning::ZeroImbalance {
                cluster,
                osds_per_host,
            } => write!(
                f,
                "ceph.{cluster}: imbalance 0% with {osds_per_host} OSDs per host is optimistic (the upmap balancer leaves about 5%); the fullest OSD will fill sooner than shown"
            ),
            Warning::WritesBlocked {
                months,
                p,
                unwritten_p90,
            } => write!(
                f,
                "Ceph refuses writes within {months} months in {} of trials: an OSD passes full_ratio and the pools take nothing until there is room (OSD_FULL, POOL_FULL); {unwritten_p90:.1} GiB wanted and not written at month {months} at P90",
                probability(p)
            ),
            // Display writes every other kind itself.
            other => write!(f, "{other:?}"),
        }
    }
}

impl serde::Serialize for Warning {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Whether some cluster has, or can get, several OSDs per host.
fn several_osds_per_host(model: &Model) -> bool {
    model.ceph.iter().any(|c| {
        c.osds_per_host >= 2
            || c.expansion
                .as_ref()
                .is_some_and(|e| matches!(e.add, ExpansionAdd::Osds { .. }))
    })
}

/// OSD failures, unpriced expansions, an imbalance of 0 that is not plausible.
fn ceph_warnings(model: &Model, agg: &Aggregate) -> Vec<Warning> {
    let h = model.horizon_months;
    let mut out = Vec::new();
    let share_safe = agg.cell(h as usize, Metric::CephOsdFailureSafe).mean();
    if share_safe < 1.0 && several_osds_per_host(model) {
        out.push(Warning::OsdFailureUnsafe {
            month: h,
            share_safe,
        });
    }
    let ordered = agg.probability(Event::CephOrder);
    for c in &model.ceph {
        if let Some(e) = &c.expansion
            && ordered.p > 0.0
            && e.unpriced(c.host_monthly_cost, &c.osd_monthly_cost)
        {
            out.push(Warning::Unpriced {
                cluster: c.name.clone(),
                p: ordered,
            });
        }
        if c.imbalance_set && c.imbalance == 0.0 && c.osds_per_host >= 2 {
            out.push(Warning::ZeroImbalance {
                cluster: c.name.clone(),
                osds_per_host: c.osds_per_host,
            });
        }
    }
    out
}

/// Autoresize limits lowered to a disk type's largest size.
fn volume_warnings(model: &Model) -> Vec<Warning> {
    model
        .volumes
        .iter()
        .filter_map(|v| {
            let asked = v.limit_capped_from?;
            let class = &model.storage_classes[v.storage_class];
            let Backend::Cloud {
                limits: Some(limits),
                ..
            } = &class.backend
            else {
                return None;
            };
            Some(Warning::LimitCapped {
                volume: v.name.clone(),
                asked,
                max: limits.max_gib.unwrap_or(asked),
                class: class.name.clone(),
                source: limits.source.clone(),
            })
        })
        .collect()
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
    for (cluster, width) in model.ceph.iter().zip(model.widest_pools()) {
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
        out.extend(ceph_warnings(model, agg));
        let blocked = agg.probability(Event::CephWritesBlocked);
        if blocked.p > 0.0 {
            out.push(Warning::WritesBlocked {
                months: h,
                p: blocked,
                unwritten_p90: agg.cell(h as usize, Metric::CephUnwrittenGib).quantile(0.9),
            });
        }
    }
    out.extend(volume_warnings(model));
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
    if !model.basis.unlabelled.is_empty() {
        out.push(Warning::Unlabelled {
            keys: model.basis.unlabelled.clone(),
        });
    }
    out
}
