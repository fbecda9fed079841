//! One Monte Carlo trial: months 0…horizon in the order of DESIGN §2.7.
//!
//! Volume state is kept by column (size, used, exists) per template, and every buffer lives in
//! a [`Simulator`] that is reused from trial to trial, so the per-volume, per-month loop
//! allocates nothing. Each random component draws from its own stream (see
//! [`crate::engine::seed`]): the population from one, each volume template from one keyed by
//! its name, so that two variants of a scenario see the same users and the same growth draws
//! for templates of the same name (common random numbers).

use super::ceph::{self, ExpansionAdd};
use super::metrics::{Metric, N_METRICS};
use super::population::TrialGrowth;
use super::{Backend, CostDraws, Expansion, Model, Per};
use crate::quantity::ceil_gib;
use rand::RngExt;
use rand::distr::Distribution;
use rand::rngs::ChaCha8Rng;

/// Marks "never happened" in a trial's first-event months, and an active user.
pub const NEVER: u32 = u32::MAX;

/// Hard stop on autoresizes of one volume in one month (each adds ≥ 1 GiB; this only guards
/// against a pathological `increase`).
const MAX_RESIZES_PER_STEP: u32 = 10_000;

/// Everything one trial records.
#[derive(Debug, Clone)]
pub struct TrialRecord {
    /// `values[month × N_METRICS + metric]` for months 0…horizon.
    pub values: Vec<f64>,
    /// First month with a full volume.
    pub first_volume_full: u32,
    /// First month the fullest OSD reached nearfull.
    pub first_ceph_nearfull: u32,
    /// First month the fullest OSD reached full.
    pub first_ceph_full: u32,
    /// First month an expansion order was placed.
    pub first_ceph_order: u32,
    /// First month `cost_total` exceeded the budget.
    pub first_budget_exceeded: u32,
    /// Whether the population hit `max_users` and arrivals were cut.
    pub population_capped: bool,
}

impl TrialRecord {
    /// An empty record for a horizon.
    pub fn new(horizon_months: u32) -> TrialRecord {
        TrialRecord {
            values: vec![0.0; (horizon_months as usize + 1) * N_METRICS],
            first_volume_full: NEVER,
            first_ceph_nearfull: NEVER,
            first_ceph_full: NEVER,
            first_ceph_order: NEVER,
            first_budget_exceeded: NEVER,
            population_capped: false,
        }
    }

    /// Months recorded (horizon + 1).
    pub fn months(&self) -> usize {
        self.values.len() / N_METRICS
    }

    /// One metric in one month.
    #[inline]
    pub fn get(&self, month: usize, metric: Metric) -> f64 {
        self.values[month * N_METRICS + metric.index()]
    }

    fn reset(&mut self) {
        self.values.fill(0.0);
        self.first_volume_full = NEVER;
        self.first_ceph_nearfull = NEVER;
        self.first_ceph_full = NEVER;
        self.first_ceph_order = NEVER;
        self.first_budget_exceeded = NEVER;
        self.population_capped = false;
    }
}

/// The random generators of one trial, one per component.
#[derive(Debug)]
pub struct TrialRngs {
    /// Population: trial growth parameter, churn, arrivals.
    pub population: ChaCha8Rng,
    /// Uncertain fixed and one-time cost amounts.
    pub costs: ChaCha8Rng,
    /// One per volume template: trial factor, initial usage, growth.
    pub volumes: Vec<ChaCha8Rng>,
}

/// The volumes of one template, by column.
#[derive(Debug, Clone, Default)]
struct Column {
    size: Vec<f64>,
    used: Vec<f64>,
    exists: Vec<bool>,
}

impl Column {
    fn clear(&mut self) {
        self.size.clear();
        self.used.clear();
        self.exists.clear();
    }

    fn push(&mut self, size: f64, used: f64) {
        self.size.push(size);
        self.used.push(used.clamp(0.0, size));
        self.exists.push(true);
    }

    fn swap_remove(&mut self, i: usize) {
        self.size.swap_remove(i);
        self.used.swap_remove(i);
        self.exists.swap_remove(i);
    }

    fn truncate(&mut self, n: usize) {
        self.size.truncate(n);
        self.used.truncate(n);
        self.exists.truncate(n);
    }
}

/// A Ceph cluster's state within a trial.
#[derive(Debug, Clone, Default)]
struct ClusterState {
    hosts: u32,
    osds_per_host: u32,
    host_capacity: f64,
    added_units: u32,
    /// Landing months of outstanding orders.
    orders: Vec<u32>,
    /// (first month, monthly share, months) of amortised expansion purchases.
    amortised: Vec<(u32, f64, u32)>,
    /// Raw used of the last months, newest first, for the projected trigger.
    history: [f64; 3],
    months_seen: u32,
}

/// Sums of one month's volume pass.
#[derive(Debug, Clone, Copy, Default)]
struct VolumeTotals {
    volumes: f64,
    provisioned: f64,
    used: f64,
    billed: f64,
    resizes: f64,
    full: f64,
    cloud_cost: f64,
    snapshot_cost: f64,
}

/// What the autoresizer and the size limit do to one volume whose usage would become
/// `demand`: returns (new size, resizes, full).
///
/// pvc-autoresizer (`internal/runners/pvc_autoresizer.go`): when free < threshold and the
/// capacity is below `storage_limit`, new = ceil((cap + increase) / 1Gi) × 1Gi clamped to the
/// limit, with threshold and increase taken of the current capacity. Within a month it loops
/// many times, so headroom repeats while the condition holds.
#[inline]
pub fn expand(size: f64, demand: f64, expansion: &Expansion) -> (f64, u32, bool) {
    let mut size = size;
    let mut resizes = 0;
    if let Expansion::Autoresize {
        threshold,
        increase,
        limit_gib,
    } = *expansion
    {
        while size - demand < threshold.of(size)
            && size < limit_gib
            && resizes < MAX_RESIZES_PER_STEP
        {
            size = ceil_gib(size + increase.of(size)).min(limit_gib);
            resizes += 1;
        }
    }
    (size, resizes, demand > size + 1e-12)
}

/// Plays trials of one model, reusing its buffers.
#[derive(Debug, Clone)]
pub struct Simulator<'m> {
    model: &'m Model,
    /// Month a user churned, or [`NEVER`] while active.
    users_gone: Vec<u32>,
    active_users: u64,
    columns: Vec<Column>,
    factors: Vec<f64>,
    clusters: Vec<ClusterState>,
    /// Stored GiB per storage class this month (Ceph classes only).
    stored_by_class: Vec<f64>,
    /// Σ provisioned size of thin volumes per cluster this month.
    thin_by_cluster: Vec<f64>,
    /// This trial's fixed and one-time amounts.
    cost_draws: CostDraws,
    /// Longest retention of the per-user templates.
    max_user_retention: u32,
    /// Most users a trial may hold.
    max_users: u64,
}

impl<'m> Simulator<'m> {
    /// A simulator for `model` whose population is capped at `max_users`.
    pub fn new(model: &'m Model, max_users: u64) -> Simulator<'m> {
        let max_user_retention = model
            .volumes
            .iter()
            .filter(|v| v.per == Per::User)
            .map(|v| v.retention_months)
            .max()
            .unwrap_or(0);
        Simulator {
            model,
            users_gone: Vec::new(),
            active_users: 0,
            columns: vec![Column::default(); model.volumes.len()],
            factors: vec![1.0; model.volumes.len()],
            clusters: vec![ClusterState::default(); model.ceph.len()],
            stored_by_class: vec![0.0; model.storage_classes.len()],
            thin_by_cluster: vec![0.0; model.ceph.len()],
            cost_draws: CostDraws::default(),
            max_user_retention,
            max_users,
        }
    }

    /// Plays one trial with the given generators and writes it into `record`.
    pub fn run(&mut self, rngs: &mut TrialRngs, record: &mut TrialRecord) {
        let model = self.model;
        record.reset();
        self.users_gone.clear();
        self.active_users = 0;
        for c in &mut self.columns {
            c.clear();
        }
        for (state, cluster) in self.clusters.iter_mut().zip(&model.ceph) {
            state.hosts = cluster.hosts;
            state.osds_per_host = cluster.osds_per_host;
            state.host_capacity = cluster.osds_per_host as f64 * cluster.osd_size_gib;
            state.added_units = 0;
            state.orders.clear();
            state.amortised.clear();
            state.history = [0.0; 3];
            state.months_seen = 0;
        }
        let growth = model.population.draw_trial(&mut rngs.population);
        model.costs.draw(&mut rngs.costs, &mut self.cost_draws);
        for (t, template) in model.volumes.iter().enumerate() {
            self.factors[t] = template.trial_factor.sample(&mut rngs.volumes[t]).max(0.0);
        }

        // Month 0: the initial state, no growth.
        let initial = model.population.initial_users.min(self.max_users);
        self.add_users(initial, rngs);
        for (t, template) in model.volumes.iter().enumerate() {
            if let Per::Cluster(count) = template.per {
                for _ in 0..count {
                    let used = template.initial_used.sample(&mut rngs.volumes[t]);
                    self.columns[t].push(template.size_gib, used);
                }
            }
        }
        let mut cumulative = 0.0;
        for month in 0..=model.horizon_months {
            if month > 0 {
                self.population_step(month, growth, rngs, record);
            }
            let pods = model.pods.replicas(self.active_users);
            self.pod_volumes(pods, rngs);
            let totals = self.volume_step(month, pods, rngs);
            if totals.full > 0.0 && record.first_volume_full == NEVER {
                record.first_volume_full = month;
            }
            let ceph_storage_cost = self.ceph_step(month, record);
            let row =
                &mut record.values[month as usize * N_METRICS..(month as usize + 1) * N_METRICS];
            row[Metric::Users.index()] = self.active_users as f64;
            row[Metric::Pods.index()] = pods as f64;
            row[Metric::Volumes.index()] = totals.volumes;
            row[Metric::ProvisionedGib.index()] = totals.provisioned;
            row[Metric::UsedGib.index()] = totals.used;
            row[Metric::BilledGib.index()] = totals.billed;
            row[Metric::ResizeEvents.index()] = totals.resizes;
            row[Metric::FullEvents.index()] = totals.full;

            let (expansion_fixed, expansion_one_time) = self.expansion_costs(month);
            let storage = totals.cloud_cost + ceph_storage_cost;
            let compute = model.costs.compute_monthly(
                pods,
                model.pods.vcpu,
                model.pods.memory_gib,
                model.hours_per_month,
            );
            let fixed = model.costs.fixed_in_month(month, &self.cost_draws) + expansion_fixed;
            let one_time =
                model.costs.one_time_in_month(month, &self.cost_draws) + expansion_one_time;
            let total = storage + totals.snapshot_cost + compute + fixed + one_time;
            if month > 0 {
                cumulative += total;
            }
            row[Metric::CostStorage.index()] = storage;
            row[Metric::CostSnapshots.index()] = totals.snapshot_cost;
            row[Metric::CostCompute.index()] = compute;
            row[Metric::CostFixed.index()] = fixed;
            row[Metric::CostOneTime.index()] = one_time;
            row[Metric::CostTotal.index()] = total;
            row[Metric::CostCumulative.index()] = cumulative;
            if let Some(budget) = model.targets.monthly_budget
                && total > budget
                && record.first_budget_exceeded == NEVER
            {
                record.first_budget_exceeded = month;
            }
        }
    }

    /// Adds `n` users and their per-user volumes.
    fn add_users(&mut self, n: u64, rngs: &mut TrialRngs) {
        for _ in 0..n {
            self.users_gone.push(NEVER);
            for (t, template) in self.model.volumes.iter().enumerate() {
                if template.per == Per::User {
                    let used = template.initial_used.sample(&mut rngs.volumes[t]);
                    self.columns[t].push(template.size_gib, used);
                }
            }
        }
        self.active_users += n;
    }

    /// Step 1: churn among the users present at the start of the month, retention ends,
    /// then arrivals.
    fn population_step(
        &mut self,
        month: u32,
        growth: TrialGrowth,
        rngs: &mut TrialRngs,
        record: &mut TrialRecord,
    ) {
        let model = self.model;
        let churn = model.population.churn;
        if churn > 0.0 {
            for gone in self.users_gone.iter_mut().filter(|g| **g == NEVER) {
                if rngs.population.random::<f64>() < churn {
                    *gone = month;
                    self.active_users -= 1;
                }
            }
        }
        // Volumes of churned users are deleted when their retention ends; a user's row goes
        // when every one of its volumes has.
        for (t, template) in model.volumes.iter().enumerate() {
            if template.per != Per::User {
                continue;
            }
            let column = &mut self.columns[t];
            for (i, &gone) in self.users_gone.iter().enumerate() {
                if gone != NEVER
                    && month >= gone.saturating_add(template.retention_months)
                    && column.exists[i]
                {
                    column.exists[i] = false;
                    column.size[i] = 0.0;
                    column.used[i] = 0.0;
                }
            }
        }
        for i in (0..self.users_gone.len()).rev() {
            let gone = self.users_gone[i];
            if gone != NEVER && month >= gone.saturating_add(self.max_user_retention) {
                self.users_gone.swap_remove(i);
                for (t, template) in model.volumes.iter().enumerate() {
                    if template.per == Per::User {
                        self.columns[t].swap_remove(i);
                    }
                }
            }
        }

        let lambda =
            model
                .population
                .arrival_mean(growth, month, self.active_users, &mut rngs.population);
        let mut arrivals = if lambda > 0.0 && lambda.is_finite() {
            statrs::distribution::Poisson::new(lambda)
                .map(|p| Distribution::<u64>::sample(&p, &mut rngs.population))
                .unwrap_or(0)
        } else {
            0
        };
        let room = self.max_users.saturating_sub(self.active_users);
        if arrivals > room {
            arrivals = room;
            record.population_capped = true;
        }
        self.add_users(arrivals, rngs);
    }

    /// Step 2: per-pod volumes follow the replicas (their high-water mark under `Retain`).
    fn pod_volumes(&mut self, pods: u32, rngs: &mut TrialRngs) {
        let retain = self.model.pods.retain_when_scaled;
        for (t, template) in self.model.volumes.iter().enumerate() {
            if template.per != Per::Pod {
                continue;
            }
            let column = &mut self.columns[t];
            let have = column.size.len();
            let want = if retain {
                have.max(pods as usize)
            } else {
                pods as usize
            };
            if want < have {
                column.truncate(want);
            }
            for _ in have..want {
                let used = template.initial_used.sample(&mut rngs.volumes[t]);
                column.push(template.size_gib, used);
            }
        }
    }

    /// Steps 3 and 4: growth, expansion and full events, and the month's volume totals.
    fn volume_step(&mut self, month: u32, pods: u32, rngs: &mut TrialRngs) -> VolumeTotals {
        let model = self.model;
        let mut totals = VolumeTotals::default();
        self.stored_by_class.fill(0.0);
        self.thin_by_cluster.fill(0.0);
        for (t, template) in model.volumes.iter().enumerate() {
            let column = &mut self.columns[t];
            let rng = &mut rngs.volumes[t];
            let factor = self.factors[t];
            let class = &model.storage_classes[template.storage_class];
            let (snap_cloud, snap_ceph) = template
                .snapshots
                .map_or((0.0, 0.0), |s| (s.cloud_factor(), s.ceph_factor()));
            let mut stored = 0.0;
            let mut thin = 0.0;
            for i in 0..column.size.len() {
                if !column.exists[i] {
                    continue;
                }
                let grows = month > 0
                    && match template.per {
                        Per::User => self.users_gone[i] == NEVER,
                        Per::Pod => i < pods as usize,
                        Per::Cluster(_) => true,
                    };
                if grows {
                    let demand = (column.used[i] + template.growth.sample(rng) * factor).max(0.0);
                    let (size, resizes, full) = expand(column.size[i], demand, &template.expansion);
                    column.size[i] = size;
                    column.used[i] = demand.min(size);
                    totals.resizes += resizes as f64;
                    totals.full += full as u32 as f64;
                }
                let (size, used) = (column.size[i], column.used[i]);
                totals.volumes += 1.0;
                totals.provisioned += size;
                totals.used += used;
                match &class.backend {
                    Backend::Cloud {
                        price_per_gib_month,
                        billing,
                        snapshot_price_per_gib_month,
                    } => {
                        let (billed, cost) = billing.bill(size, *price_per_gib_month);
                        totals.billed += billed;
                        totals.cloud_cost += cost;
                        totals.snapshot_cost += used * snap_cloud * snapshot_price_per_gib_month;
                    }
                    Backend::Ceph { .. } => {
                        stored += used * (1.0 + snap_ceph);
                        thin += size;
                    }
                }
            }
            if let Backend::Ceph { cluster, .. } = class.backend {
                self.stored_by_class[template.storage_class] += stored;
                self.thin_by_cluster[cluster] += thin;
            }
        }
        totals
    }

    /// Step 5: landings, the cluster metrics and the trigger. Returns the clusters' monthly
    /// storage cost (hosts and added units).
    fn ceph_step(&mut self, month: u32, record: &mut TrialRecord) -> f64 {
        let model = self.model;
        let row = month as usize * N_METRICS;
        if model.ceph.is_empty() {
            record.values[row + Metric::CephHostFailureSafe.index()] = 0.0;
            return 0.0;
        }
        let (mut raw_cap_sum, mut raw_used_sum, mut usable_sum, mut max_avail_sum) =
            (0.0, 0.0, 0.0, 0.0);
        let (mut util_max, mut overcommit_max, mut osds, mut orders_placed) =
            (0.0f64, 0.0f64, 0.0, 0.0);
        let mut all_safe = true;
        let mut cost = 0.0;
        for (c, cluster) in model.ceph.iter().enumerate() {
            let state = &mut self.clusters[c];
            // Landings.
            let mut i = 0;
            while i < state.orders.len() {
                if state.orders[i] <= month {
                    let expansion = cluster
                        .expansion
                        .as_ref()
                        .expect("orders need an expansion");
                    let units = expansion.units(state.hosts);
                    match expansion.add {
                        ExpansionAdd::Osds {
                            per_host,
                            osd_size_gib,
                        } => {
                            state.osds_per_host += per_host;
                            state.host_capacity += per_host as f64 * osd_size_gib;
                        }
                        ExpansionAdd::Hosts(n) => state.hosts += n,
                    }
                    state.added_units += units;
                    let purchase = units as f64 * expansion.one_time_cost;
                    if purchase > 0.0 {
                        let months = expansion.amortize_months.max(1);
                        let share = if expansion.amortize_months == 0 {
                            purchase
                        } else {
                            purchase / months as f64
                        };
                        state.amortised.push((
                            month,
                            share,
                            if expansion.amortize_months == 0 {
                                0
                            } else {
                                months
                            },
                        ));
                    }
                    state.orders.swap_remove(i);
                } else {
                    i += 1;
                }
            }
            // Pools of this cluster.
            let (mut stored, mut weighted_rate, mut rate_sum, mut widest, mut pools) =
                (0.0, 0.0, 0.0, 0u32, 0.0);
            let mut raw_used = cluster.initial_raw_used_gib;
            for (k, class) in model.storage_classes.iter().enumerate() {
                if let Backend::Ceph {
                    cluster: cc,
                    rate,
                    width,
                } = class.backend
                    && cc == c
                {
                    let s = self.stored_by_class[k];
                    stored += s;
                    weighted_rate += s * rate;
                    rate_sum += rate;
                    pools += 1.0;
                    widest = widest.max(width);
                    raw_used += s * rate * (1.0 + cluster.overhead);
                }
            }
            let rate = if stored > 0.0 {
                weighted_rate / stored
            } else if pools > 0.0 {
                rate_sum / pools
            } else {
                1.0
            };
            let raw_cap = state.hosts as f64 * state.host_capacity;
            let util = ceph::fullest_osd_util(raw_used, raw_cap, cluster.imbalance);
            let usable = ceph::usable_gib(
                raw_cap,
                cluster.full_ratio,
                cluster.imbalance,
                rate,
                cluster.overhead,
            );
            let max_avail = ceph::max_avail_gib(
                raw_cap,
                raw_used,
                cluster.full_ratio,
                cluster.imbalance,
                rate,
                cluster.overhead,
            );
            let safe = ceph::can_rereplicate(state.hosts, widest)
                && ceph::host_failure_safe(
                    raw_used,
                    raw_cap,
                    state.host_capacity,
                    cluster.imbalance,
                    cluster.full_ratio,
                );
            let overcommit = if usable > 0.0 {
                self.thin_by_cluster[c] / usable
            } else {
                0.0
            };
            if util >= cluster.nearfull_ratio && record.first_ceph_nearfull == NEVER {
                record.first_ceph_nearfull = month;
            }
            if util >= cluster.full_ratio && record.first_ceph_full == NEVER {
                record.first_ceph_full = month;
            }
            // Trigger.
            state.history = [raw_used, state.history[0], state.history[1]];
            state.months_seen += 1;
            if let Some(expansion) = &cluster.expansion
                && (state.orders.len() as u32) < expansion.max_outstanding
            {
                let mut fire = util >= expansion.trigger;
                if expansion.projected && !fire && state.months_seen >= 2 {
                    let span = (state.months_seen - 1).min(2) as f64;
                    let slope = (state.history[0] - state.history[span as usize]) / span;
                    let incoming: f64 = state
                        .orders
                        .iter()
                        .map(|_| match expansion.add {
                            ExpansionAdd::Osds {
                                per_host,
                                osd_size_gib,
                            } => state.hosts as f64 * per_host as f64 * osd_size_gib,
                            ExpansionAdd::Hosts(n) => n as f64 * state.host_capacity,
                        })
                        .sum();
                    let ahead =
                        raw_used + slope.max(0.0) * expansion.lead_time_months.max(1) as f64;
                    fire = ceph::fullest_osd_util(ahead, raw_cap + incoming, cluster.imbalance)
                        >= cluster.nearfull_ratio;
                }
                if fire {
                    state.orders.push(month + expansion.lead_time_months.max(1));
                    orders_placed += 1.0;
                    if record.first_ceph_order == NEVER {
                        record.first_ceph_order = month;
                    }
                }
            }
            let added_monthly = cluster.expansion.as_ref().map_or(0.0, |e| e.monthly_cost);
            cost += cluster.hosts as f64 * cluster.host_monthly_cost
                + state.added_units as f64 * added_monthly;
            raw_cap_sum += raw_cap;
            raw_used_sum += raw_used;
            usable_sum += usable;
            max_avail_sum += max_avail;
            util_max = util_max.max(util);
            overcommit_max = overcommit_max.max(overcommit);
            osds += (state.hosts * state.osds_per_host) as f64;
            all_safe &= safe;
        }
        let values = &mut record.values[row..row + N_METRICS];
        values[Metric::CephRawCapacityGib.index()] = raw_cap_sum;
        values[Metric::CephRawUsedGib.index()] = raw_used_sum;
        values[Metric::CephUsableGib.index()] = usable_sum;
        values[Metric::CephFullestOsdUtil.index()] = util_max;
        values[Metric::CephMaxAvailGib.index()] = max_avail_sum;
        values[Metric::CephHostFailureSafe.index()] = all_safe as u32 as f64;
        values[Metric::CephOvercommit.index()] = overcommit_max;
        values[Metric::CephOsds.index()] = osds;
        values[Metric::CephOrders.index()] = orders_placed;
        cost
    }

    /// Expansion purchases due in `month`: (amortised share → cost_fixed, unamortised →
    /// cost_one_time).
    fn expansion_costs(&self, month: u32) -> (f64, f64) {
        let (mut fixed, mut one_time) = (0.0, 0.0);
        for state in &self.clusters {
            for &(start, amount, months) in &state.amortised {
                if months == 0 {
                    if start == month {
                        one_time += amount;
                    }
                } else if month >= start && month < start + months {
                    fixed += amount;
                }
            }
        }
        (fixed, one_time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quantity::Share;

    fn autoresize(limit: f64) -> Expansion {
        Expansion::Autoresize {
            threshold: Share::Fraction(0.1),
            increase: Share::Fraction(0.1),
            limit_gib: limit,
        }
    }

    #[test]
    fn no_expansion_fills() {
        assert_eq!(expand(10.0, 9.5, &Expansion::None), (10.0, 0, false));
        assert_eq!(expand(10.0, 12.0, &Expansion::None), (10.0, 0, true));
    }

    /// 10 GiB with 9.5 used: free 0.5 < 1.0 → ceil(10 + 1) = 11; free 1.5 ≥ 1.1: one resize.
    #[test]
    fn autoresize_one_step() {
        assert_eq!(expand(10.0, 9.5, &autoresize(50.0)), (11.0, 1, false));
    }

    /// 10 → 11 → 13 (ceil 12.1) → 15 (ceil 14.3): demand 13 needs free ≥ 10% of the size.
    #[test]
    fn autoresize_repeats_within_a_month() {
        assert_eq!(expand(10.0, 13.0, &autoresize(50.0)), (15.0, 3, false));
    }

    #[test]
    fn autoresize_stops_at_the_limit_and_can_fill() {
        let (size, resizes, full) = expand(10.0, 30.0, &autoresize(20.0));
        assert_eq!(size, 20.0);
        assert!(resizes > 0);
        assert!(full);
        // Already at the limit: no resize.
        assert_eq!(expand(20.0, 19.5, &autoresize(20.0)), (20.0, 0, false));
    }

    #[test]
    fn absolute_threshold_and_increase() {
        let e = Expansion::Autoresize {
            threshold: Share::Gib(2.0),
            increase: Share::Gib(5.0),
            limit_gib: 100.0,
        };
        assert_eq!(expand(10.0, 8.5, &e), (15.0, 1, false));
    }
}
