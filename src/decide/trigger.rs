//! The Ceph expansion trigger: the fullest-OSD utilisation at which to order capacity.
//!
//! For each cluster with an expansion, a grid of triggers (every 5 points from 30% up to just
//! under nearfull and backfillfull, and the scenario's own) is played in one trial loop as plain
//! thresholds (the alert a PrometheusRule can fire). A trigger is feasible when, with the
//! scenario's lead time, the chance that the fullest OSD passes nearfull within the horizon
//! stays under the target and, where required, so does the chance that a failure the cluster
//! could recover from would stall recovery (backfillfull), both with 95% confidence (the
//! Wilson upper bound, so that the choice survives other seeds). The highest feasible trigger
//! is chosen: it orders latest, so it costs least; it is then replayed with two independent
//! seeds, and stepped down while it fails there. The months of the orders it places (P10, P50,
//! P90 of the first, second, … order) date the plan.

use super::{Check, check_probability_confidently};
use crate::aggregate::wire::{Conform, Reader, Wire, WireError, Writer, expect};
use crate::aggregate::{MonthHistogram, Probability, Sketch, TimeTo};
use crate::engine::Accumulator;
use crate::model::metrics::{Event, Metric};
use crate::model::trial::TrialRecord;
use crate::model::{EffectiveTargets, ExpansionAdd, Model};
use serde::Serialize;

/// Orders whose months are tracked (the first, second, … order of a trial).
pub const MAX_ORDERS: usize = 6;

/// The triggers weighed for a cluster: 0.30, 0.35, … below min(nearfull, backfillfull), and
/// the scenario's own.
pub fn grid(model: &Model, c: usize) -> Vec<f64> {
    let cluster = &model.ceph[c];
    let top = cluster.nearfull_ratio.min(cluster.backfillfull_ratio);
    let mut out: Vec<f64> = (6..20)
        .map(|i| i as f64 / 20.0)
        .filter(|&t| t < top - 1e-9)
        .collect();
    if let Some(e) = &cluster.expansion
        && !out.iter().any(|&t| (t - e.trigger).abs() < 1e-9)
    {
        out.push(e.trigger);
    }
    out.sort_by(f64::total_cmp);
    out
}

/// The scenario with cluster `c` ordering at `trigger`, as a plain threshold.
pub fn variant(model: &Model, c: usize, trigger: f64) -> Model {
    let mut m = model.clone();
    if let Some(e) = m.ceph[c].expansion.as_mut() {
        e.trigger = trigger;
        e.projected = false;
    }
    m
}

/// One trigger's figures over the trials.
#[derive(Debug, Clone, PartialEq)]
struct TriggerStats {
    nearfull: MonthHistogram,
    stall: MonthHistogram,
    /// Month of the k-th order of a trial.
    orders: Vec<MonthHistogram>,
    cost_cumulative: Sketch,
    trials: u64,
}

/// Every trigger's figures, in variant order.
#[derive(Debug, Clone, PartialEq)]
pub struct TriggerAcc {
    stats: Vec<TriggerStats>,
}

impl TriggerAcc {
    /// An empty accumulator for `variants` variants over months 0…horizon.
    pub fn new(horizon_months: u32, variants: usize) -> TriggerAcc {
        let months = horizon_months as usize + 1;
        TriggerAcc {
            stats: (0..variants)
                .map(|_| TriggerStats {
                    nearfull: MonthHistogram::new(months),
                    stall: MonthHistogram::new(months),
                    orders: vec![MonthHistogram::new(months); MAX_ORDERS],
                    cost_cumulative: Sketch::default(),
                    trials: 0,
                })
                .collect(),
        }
    }
}

impl Accumulator for TriggerAcc {
    fn add(&mut self, records: &[TrialRecord]) {
        for (s, r) in self.stats.iter_mut().zip(records) {
            s.trials += 1;
            s.nearfull.add(r.first(Event::CephNearfull));
            s.stall.add(r.first(Event::CephRecoveryStall));
            for (k, h) in s.orders.iter_mut().enumerate() {
                h.add(r.orders.get(k).copied());
            }
            s.cost_cumulative
                .add(r.get(r.months() - 1, Metric::CostCumulative));
        }
    }

    fn merge(mut self, other: Self) -> Self {
        for (a, b) in self.stats.iter_mut().zip(other.stats) {
            a.trials += b.trials;
            a.nearfull.merge(&b.nearfull);
            a.stall.merge(&b.stall);
            for (x, y) in a.orders.iter_mut().zip(&b.orders) {
                x.merge(y);
            }
            a.cost_cumulative.merge(&b.cost_cumulative);
        }
        self
    }

    fn trials(&self) -> u64 {
        self.stats.first().map_or(0, |s| s.trials)
    }
}

impl Wire for TriggerStats {
    fn put(&self, w: &mut Writer) {
        self.nearfull.put(w);
        self.stall.put(w);
        self.orders.put(w);
        self.cost_cumulative.put(w);
        w.u64(self.trials);
    }
    fn get(r: &mut Reader) -> Result<Self, WireError> {
        Ok(TriggerStats {
            nearfull: MonthHistogram::get(r)?,
            stall: MonthHistogram::get(r)?,
            orders: Vec::get(r)?,
            cost_cumulative: Sketch::get(r)?,
            trials: r.u64()?,
        })
    }
}

impl Conform for TriggerStats {
    fn conform(&self, empty: &Self, trials: u64) -> Result<(), WireError> {
        expect(self.trials == trials, || {
            format!("a trigger of {} trials in a share of {trials}", self.trials)
        })?;
        self.nearfull.conform(&empty.nearfull, trials)?;
        self.stall.conform(&empty.stall, trials)?;
        self.orders.conform(&empty.orders, trials)?;
        self.cost_cumulative.conform(&empty.cost_cumulative, trials)
    }
}

impl Conform for TriggerAcc {
    fn conform(&self, empty: &Self, trials: u64) -> Result<(), WireError> {
        self.stats.conform(&empty.stats, trials)
    }
}

/// `recommend --shard`'s share of the trigger sweep.
impl Wire for TriggerAcc {
    fn put(&self, w: &mut Writer) {
        self.stats.put(w);
    }
    fn get(r: &mut Reader) -> Result<Self, WireError> {
        Ok(TriggerAcc {
            stats: Vec::get(r)?,
        })
    }
}

/// When the k-th order is placed.
#[derive(Debug, Clone, Serialize)]
pub struct OrderTiming {
    /// 1 for the first order of a trial, 2 for the second, …
    pub order: usize,
    /// Share of futures that place it within the horizon.
    pub share: f64,
    /// P10, P50 and P90 of its month (None: later than the horizon).
    pub p10: Option<u32>,
    /// Median month.
    pub p50: Option<u32>,
    /// 90th percentile month.
    pub p90: Option<u32>,
    /// What it adds, in words.
    pub adds: String,
    /// Its monthly cost once landed (mean of the priced range), and one-time cost.
    pub monthly_cost: f64,
    /// One-time cost, paid when it lands.
    pub one_time_cost: f64,
}

/// One trigger's figures and verdict.
#[derive(Debug, Clone, Serialize)]
pub struct TriggerResult {
    /// Fullest-OSD utilisation at which an order is placed.
    pub trigger: f64,
    /// Chance the fullest OSD passes nearfull within the horizon.
    pub p_nearfull: f64,
    /// Its Wilson 95% interval.
    pub p_nearfull_ci95: [f64; 2],
    /// Chance a recoverable failure would stall recovery within the horizon.
    pub p_recovery_stall: f64,
    /// Its Wilson 95% interval.
    pub p_recovery_stall_ci95: [f64; 2],
    /// Mean cost over the horizon (whole scenario).
    pub cost_cumulative_mean: f64,
    /// Whether every target is met.
    pub feasible: bool,
    /// The targets checked.
    pub checks: Vec<Check>,
    /// The orders it places.
    pub orders: Vec<OrderTiming>,
}

/// The recommendation for one cluster.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterChoice {
    /// Cluster name.
    pub cluster: String,
    /// Lead time of an order, months.
    pub lead_time_months: u32,
    /// Every trigger weighed, increasing.
    pub options: Vec<TriggerResult>,
    /// Index of the chosen trigger (the highest feasible); None when none is.
    pub chosen: Option<usize>,
}

impl ClusterChoice {
    /// The chosen trigger's figures.
    pub fn chosen(&self) -> Option<&TriggerResult> {
        self.chosen.map(|i| &self.options[i])
    }
}

fn order_cost(model: &Model, c: usize) -> (String, f64, f64) {
    let cluster = &model.ceph[c];
    let Some(e) = &cluster.expansion else {
        return (String::new(), 0.0, 0.0);
    };
    let units = e.units(cluster.hosts) as f64;
    let adds = match e.add {
        ExpansionAdd::Osds {
            per_host,
            osd_size_gib,
        } => format!(
            "{} × {osd_size_gib} GiB OSD ({per_host} on each of {} hosts)",
            per_host * cluster.hosts,
            cluster.hosts
        ),
        ExpansionAdd::Hosts(n) => format!("{n} host(s) like the others"),
    };
    let monthly = match e.add {
        ExpansionAdd::Hosts(_) if e.monthly_cost.mean() <= 0.0 => cluster.host_monthly_cost,
        _ => e.monthly_cost.mean(),
    };
    let osds = e.osds_added(cluster.hosts, cluster.osds_per_host) as f64;
    (
        adds,
        units * monthly + osds * cluster.osd_monthly_cost.mean(),
        units * e.one_time_cost.mean(),
    )
}

fn timing(h: &MonthHistogram) -> (f64, TimeTo, Option<u32>, Option<u32>) {
    let t = h.time_to();
    (1.0 - t.never, t, h.quantile(0.1), h.quantile(0.9))
}

fn result(
    model: &Model,
    c: usize,
    trigger: f64,
    s: &TriggerStats,
    targets: &EffectiveTargets,
) -> TriggerResult {
    let n = s.trials.max(1);
    let nearfull = Probability::of(n - s.nearfull.never(), n);
    let stall = Probability::of(n - s.stall.never(), n);
    let mut checks = vec![check_probability_confidently(
        "P(nearfull)",
        &nearfull,
        targets.max_ceph_nearfull_probability,
    )];
    if targets.require_host_failure_safe {
        checks.push(check_probability_confidently(
            "P(recovery stalls)",
            &stall,
            targets.max_recovery_stall_probability,
        ));
    }
    let (adds, monthly, one_time) = order_cost(model, c);
    let orders = s
        .orders
        .iter()
        .enumerate()
        .filter_map(|(k, h)| {
            let (share, t, p10, p90) = timing(h);
            (share > 0.0).then(|| OrderTiming {
                order: k + 1,
                share,
                p10,
                p50: t.p50,
                p90,
                adds: adds.clone(),
                monthly_cost: monthly,
                one_time_cost: one_time,
            })
        })
        .collect();
    TriggerResult {
        trigger,
        p_nearfull: nearfull.p,
        p_nearfull_ci95: nearfull.ci95,
        p_recovery_stall: stall.p,
        p_recovery_stall_ci95: stall.ci95,
        cost_cumulative_mean: s.cost_cumulative.mean(),
        feasible: checks.iter().all(|c| c.ok),
        checks,
        orders,
    }
}

/// The variants to play for every cluster with an expansion: (models, (cluster, trigger) of
/// each).
pub fn variants(model: &Model) -> (Vec<Model>, Vec<(usize, f64)>) {
    let mut models = Vec::new();
    let mut keys = Vec::new();
    for (c, cluster) in model.ceph.iter().enumerate() {
        if cluster.expansion.is_none() {
            continue;
        }
        for t in grid(model, c) {
            models.push(variant(model, c, t));
            keys.push((c, t));
        }
    }
    (models, keys)
}

/// The recommendation for every cluster, from the accumulated variants of [`variants`].
pub fn decide(
    model: &Model,
    acc: &TriggerAcc,
    keys: &[(usize, f64)],
    targets: &EffectiveTargets,
) -> Vec<ClusterChoice> {
    model
        .ceph
        .iter()
        .enumerate()
        .filter(|(_, cl)| cl.expansion.is_some())
        .map(|(c, cl)| {
            let options: Vec<TriggerResult> = acc
                .stats
                .iter()
                .zip(keys)
                .filter(|(_, k)| k.0 == c)
                .map(|(s, k)| result(model, c, k.1, s, targets))
                .collect();
            let chosen = (0..options.len()).rev().find(|&i| options[i].feasible);
            ClusterChoice {
                cluster: cl.name.clone(),
                lead_time_months: cl.expansion.as_ref().map_or(0, |e| e.lead_time_months),
                options,
                chosen,
            }
        })
        .collect()
}

/// The result of replaying the chosen trigger with an independent seed.
#[derive(Debug, Clone, Serialize)]
pub struct Recheck {
    /// The seed.
    pub seed: u64,
    /// P(nearfull) and its interval.
    pub p_nearfull: f64,
    /// Its Wilson 95% interval.
    pub p_nearfull_ci95: [f64; 2],
    /// P(recovery stalls).
    pub p_recovery_stall: f64,
    /// Whether the targets hold with this seed too.
    pub holds: bool,
}

/// Checks a trigger's figures from an independent run (the accumulator of one variant).
pub fn recheck(seed: u64, acc: &TriggerAcc, targets: &EffectiveTargets) -> Recheck {
    let s = &acc.stats[0];
    let n = s.trials.max(1);
    let nearfull = Probability::of(n - s.nearfull.never(), n);
    let stall = Probability::of(n - s.stall.never(), n);
    let holds = nearfull.p <= targets.max_ceph_nearfull_probability + 1e-12
        && (!targets.require_host_failure_safe
            || stall.p <= targets.max_recovery_stall_probability + 1e-12);
    Recheck {
        seed,
        p_nearfull: nearfull.p,
        p_nearfull_ci95: nearfull.ci95,
        p_recovery_stall: stall.p,
        holds,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn grid_stops_under_nearfull() {
        let s = crate::scenario::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenarios/contabo-ceph.toml"
        )))
        .unwrap();
        let g = super::grid(&s.model, 0);
        assert_eq!(g.first(), Some(&0.30));
        assert!(g.iter().all(|&t| t < 0.85));
        assert!(g.contains(&0.70));
    }
}
