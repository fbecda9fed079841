//! One Monte Carlo trial: months 0…horizon in the order of DESIGN §2.7.
//!
//! Volume state is kept by column (size, used, exists) per template, and every buffer lives in
//! a [`Simulator`] that is reused from trial to trial, so the per-volume, per-month loop
//! allocates nothing. A template's month is a few passes over its columns: the growth of every
//! growing volume drawn in one batch ([`super::batch`]), then demands, autoresize steps and
//! usage as SIMD kernels, then the sums. Each random component draws from its own stream (see
//! [`crate::engine::seed`]): the population from one, each volume template from one keyed by
//! its name, so that two variants of a scenario see the same users and the same growth draws
//! for templates of the same name (common random numbers).

use super::ceph::cluster::{CephTotals, ClusterState, PoolLoad};
use super::metrics::{Event, Metric, N_METRICS};
use super::population::TrialGrowth;
use super::{Backend, CostDraws, Expansion, Model, Per};
use crate::quantity::{Share, ceil_gib};
use multiversion::multiversion;
use rand::distr::Distribution;
use rand::rngs::ChaCha8Rng;

/// Marks "never happened" in a trial's first-event months, and an active user.
pub const NEVER: u32 = u32::MAX;

/// Hard stop on autoresizes of one volume in one month (each adds ≥ 1 GiB; this only guards
/// against a pathological `increase`).
const MAX_RESIZES_PER_STEP: u32 = 10_000;

/// What one volume template did over a trial (months 1…horizon): what `recommend` judges a
/// size and an expansion policy by.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TemplateTally {
    /// First month one of its volumes was full ([`NEVER`]: none).
    pub first_full: u32,
    /// Full volume-months.
    pub full_events: f64,
    /// Autoresizes.
    pub resizes: f64,
    /// Resizes done by hand.
    pub manual_resizes: f64,
    /// Volume-months (volumes present, summed over months 1…horizon).
    pub volume_months: f64,
}

impl TemplateTally {
    /// Adds one month of the template (`month` ≥ 1).
    fn add(&mut self, m: &TemplateTally, month: u32) {
        self.full_events += m.full_events;
        self.resizes += m.resizes;
        self.manual_resizes += m.manual_resizes;
        self.volume_months += m.volume_months;
        if m.full_events > 0.0 && self.first_full == NEVER {
            self.first_full = month;
        }
    }
}

impl Default for TemplateTally {
    fn default() -> Self {
        TemplateTally {
            first_full: NEVER,
            full_events: 0.0,
            resizes: 0.0,
            manual_resizes: 0.0,
            volume_months: 0.0,
        }
    }
}

/// Everything one trial records.
#[derive(Debug, Clone)]
pub struct TrialRecord {
    /// `values[month × N_METRICS + metric]` for months 0…horizon.
    pub values: Vec<f64>,
    /// First month of each event ([`NEVER`] if it did not happen), indexed by [`Event`].
    pub first: [u32; Event::COUNT],
    /// Whether the population hit `max_users` and arrivals were cut.
    pub population_capped: bool,
    /// Per volume template, in [`Model::volumes`] order.
    pub templates: Vec<TemplateTally>,
    /// The month of every expansion order placed, in order (all clusters).
    pub orders: Vec<u32>,
}

impl TrialRecord {
    /// An empty record for a horizon.
    pub fn new(horizon_months: u32) -> TrialRecord {
        TrialRecord {
            values: vec![0.0; (horizon_months as usize + 1) * N_METRICS],
            first: [NEVER; Event::COUNT],
            population_capped: false,
            templates: Vec::new(),
            orders: Vec::new(),
        }
    }

    /// A record of monthly costs alone (months 0…, cumulative over months 1…): what paired
    /// differences and break-even are built on, for their tests.
    pub fn of_monthly_costs(monthly: &[f64]) -> TrialRecord {
        let mut r = TrialRecord::new(monthly.len().saturating_sub(1) as u32);
        let mut cumulative = 0.0;
        for (m, &cost) in monthly.iter().enumerate() {
            if m > 0 {
                cumulative += cost;
            }
            r.values[m * N_METRICS + Metric::CostTotal.index()] = cost;
            r.values[m * N_METRICS + Metric::CostCumulative.index()] = cumulative;
        }
        r
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

    /// The first month of `event`, or None if it never happened.
    pub fn first(&self, event: Event) -> Option<u32> {
        let m = self.first[event.index()];
        (m != NEVER).then_some(m)
    }

    /// Notes that `event` happens in `month` (kept only if it is the first time).
    #[inline]
    pub fn note(&mut self, event: Event, month: u32) {
        let first = &mut self.first[event.index()];
        if *first == NEVER {
            *first = month;
        }
    }

    fn reset(&mut self, templates: usize) {
        self.values.fill(0.0);
        self.first = [NEVER; Event::COUNT];
        self.population_capped = false;
        self.templates.clear();
        self.templates.resize(templates, TemplateTally::default());
        self.orders.clear();
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
    /// The most a volume has ever used: what an RBD image keeps allocated in its pool when the
    /// filesystem's freed blocks are not discarded.
    peak: Vec<f64>,
    exists: Vec<bool>,
    /// The month an operator's resize request is done ([`NEVER`]: none raised).
    due: Vec<u32>,
}

impl Column {
    fn clear(&mut self) {
        self.size.clear();
        self.used.clear();
        self.peak.clear();
        self.exists.clear();
        self.due.clear();
    }

    fn push(&mut self, size: f64, used: f64) {
        let used = used.clamp(0.0, size);
        self.size.push(size);
        self.used.push(used);
        self.peak.push(used);
        self.exists.push(true);
        self.due.push(NEVER);
    }

    fn swap_remove(&mut self, i: usize) {
        self.size.swap_remove(i);
        self.used.swap_remove(i);
        self.peak.swap_remove(i);
        self.exists.swap_remove(i);
        self.due.swap_remove(i);
    }

    /// Volume `i`'s month under its policy when its usage would become `demand`: its size,
    /// usage and high-water mark updated; returns (resizes, full).
    #[inline]
    fn grow(&mut self, i: usize, demand: f64, month: u32, expansion: &Expansion) -> (u32, bool) {
        let (size, resizes, full) = match expansion {
            Expansion::Manual { .. } => {
                manual(self.size[i], demand, month, &mut self.due[i], expansion)
            }
            _ => expand(self.size[i], demand, expansion),
        };
        self.size[i] = size;
        self.used[i] = demand.min(size);
        self.peak[i] = self.peak[i].max(self.used[i]);
        (resizes, full)
    }

    /// [`Column::grow_all`] for a run of rows under autoresize or no expansion, in passes
    /// over slices without a branch per volume, compiled for the CPU's widest SIMD:
    /// demands (into `draws`); one autoresize step where the threshold is crossed; usage,
    /// high-water marks and full volumes. Volumes that need a second step in the same month
    /// (rare) take [`expand`]'s loop between the last two passes.
    fn grow_range(
        &mut self,
        rows: std::ops::Range<usize>,
        draws: &mut [f64],
        factor: f64,
        expansion: &Expansion,
    ) -> (u32, u32) {
        let size = &mut self.size[rows.clone()];
        let used = &mut self.used[rows.clone()];
        let peak = &mut self.peak[rows];
        grow_slices(size, used, peak, draws, factor, expansion)
    }

    /// One month of growth for the volumes in `rows`, `draws[k] × factor` GiB for the k-th:
    /// returns (resizes, full volumes).
    #[inline]
    fn grow_all(
        &mut self,
        rows: impl Iterator<Item = usize>,
        draws: &[f64],
        factor: f64,
        month: u32,
        expansion: &Expansion,
    ) -> (u32, u32) {
        let (mut resizes, mut full_events) = (0, 0);
        let rows = rows.zip(draws);
        if let Expansion::Manual { .. } = expansion {
            for (i, &growth) in rows {
                let demand = (self.used[i] + growth * factor).max(0.0);
                let (r, full) = self.grow(i, demand, month, expansion);
                resizes += r;
                full_events += full as u32;
            }
            return (resizes, full_events);
        }
        // Autoresize or none. Most volume-months cross no threshold: `expand` runs only for
        // those that do (the same test as its loop's first one).
        let (threshold, limit_gib) = match *expansion {
            Expansion::Autoresize {
                threshold,
                limit_gib,
                ..
            } => (threshold, limit_gib),
            _ => (Share::Gib(0.0), f64::NEG_INFINITY),
        };
        for (i, &growth) in rows {
            let demand = (self.used[i] + growth * factor).max(0.0);
            let mut size = self.size[i];
            if size - demand < threshold.of(size) && size < limit_gib {
                let (grown, r, _) = expand(size, demand, expansion);
                size = grown;
                self.size[i] = grown;
                resizes += r;
            }
            let used = demand.min(size);
            self.used[i] = used;
            self.peak[i] = self.peak[i].max(used);
            full_events += (demand > size + 1e-12) as u32;
        }
        (resizes, full_events)
    }

    fn truncate(&mut self, n: usize) {
        self.size.truncate(n);
        self.used.truncate(n);
        self.peak.truncate(n);
        self.exists.truncate(n);
        self.due.truncate(n);
    }
}

/// Sums of one month's volume pass.
#[derive(Debug, Clone, Copy, Default)]
struct VolumeTotals {
    volumes: f64,
    provisioned: f64,
    used: f64,
    billed: f64,
    resizes: f64,
    manual_resizes: f64,
    full: f64,
    cloud_cost: f64,
    snapshot_cost: f64,
}

impl VolumeTotals {
    /// Adds one template's counts of the month.
    fn add(&mut self, m: &TemplateTally) {
        self.volumes += m.volume_months;
        self.resizes += m.resizes;
        self.manual_resizes += m.manual_resizes;
        self.full += m.full_events;
    }
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
        let (threshold, increase) = (threshold.parts(), increase.parts());
        while size - demand < threshold.0 * size + threshold.1
            && size < limit_gib
            && resizes < MAX_RESIZES_PER_STEP
        {
            size = ceil_gib(size + (increase.0 * size + increase.1)).min(limit_gib);
            resizes += 1;
        }
    }
    (size, resizes, demand > size + 1e-12)
}

/// What an operator does to one volume whose usage would become `demand` in `month` under a
/// [`Expansion::Manual`] policy: returns (new size, resizes, full). `due` is the month the
/// volume's open request is done ([`NEVER`]: none open).
///
/// In order: a request due this month is done first (the volume grows once); then the volume
/// is full if demand passes its size; then, with no request open and the size under the limit,
/// a full volume or free space under the threshold raises one, done `response_months` later,
/// or at once with a response of 0 (still full this month if it filled: the operator reacts
/// to the alert).
#[inline]
pub fn manual(
    size: f64,
    demand: f64,
    month: u32,
    due: &mut u32,
    policy: &Expansion,
) -> (f64, u32, bool) {
    let Expansion::Manual {
        threshold,
        increase,
        limit_gib,
        response_months,
    } = *policy
    else {
        return (size, 0, demand > size + 1e-12);
    };
    let grow = |s: f64| ceil_gib(s + increase.of(s)).min(limit_gib).max(s);
    let mut size = size;
    let mut resizes = 0;
    if *due <= month {
        size = grow(size);
        resizes += 1;
        *due = NEVER;
    }
    let full = demand > size + 1e-12;
    let free = size - demand.min(size);
    if *due == NEVER && size < limit_gib && (full || free < threshold.of(size)) {
        if response_months == 0 {
            size = grow(size);
            resizes += 1;
        } else {
            *due = month + response_months;
        }
    }
    (size, resizes, full)
}

/// [`Column::grow_range`]'s passes over the columns' slices of its rows.
#[multiversion(targets("x86_64+avx512f", "x86_64+avx2"))]
fn grow_slices(
    size: &mut [f64],
    used: &mut [f64],
    peak: &mut [f64],
    draws: &mut [f64],
    factor: f64,
    expansion: &Expansion,
) -> (u32, u32) {
    let (mut resizes, mut full_events) = (0, 0);
    for (demand, &used) in draws.iter_mut().zip(used.iter()) {
        *demand = (used + *demand * factor).max(0.0);
    }
    if let Expansion::Autoresize {
        threshold,
        increase,
        limit_gib,
    } = *expansion
    {
        let ((t_fraction, t_gib), (i_fraction, i_gib)) = (threshold.parts(), increase.parts());
        let crosses =
            |size: f64, demand: f64| size - demand < t_fraction * size + t_gib && size < limit_gib;
        let mut again = false;
        for (size, &demand) in size.iter_mut().zip(draws.iter()) {
            let step = crosses(*size, demand);
            let grown = ceil_gib(*size + (i_fraction * *size + i_gib)).min(limit_gib);
            *size = if step { grown } else { *size };
            resizes += step as u32;
            again |= step && crosses(grown, demand);
        }
        if again {
            for (size, &demand) in size.iter_mut().zip(draws.iter()) {
                let (grown, more, _) = expand(*size, demand, expansion);
                *size = grown;
                resizes += more;
            }
        }
    }
    let rows = used
        .iter_mut()
        .zip(peak.iter_mut())
        .zip(size.iter().zip(draws.iter()));
    for ((used, peak), (&size, &demand)) in rows {
        *used = demand.min(size);
        *peak = peak.max(*used);
        full_events += (demand > size + 1e-12) as u32;
    }
    (resizes, full_events)
}

/// Σ xs in four interleaved partial sums, then (s0 + s1) + (s2 + s3): one fixed order, so the
/// same bits on every machine, and one the compiler keeps in SIMD registers (a plain
/// left-to-right sum waits on each add in turn).
fn lane_sum(xs: &[f64]) -> f64 {
    let mut lanes = [0.0; 4];
    let chunks = xs.chunks_exact(4);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (lane, x) in lanes.iter_mut().zip(chunk) {
            *lane += x;
        }
    }
    for (lane, x) in lanes.iter_mut().zip(rest) {
        *lane += x;
    }
    (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
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
    /// Stored GiB per storage class this month (Ceph classes only): what the volumes want.
    stored_by_class: Vec<f64>,
    /// Stored GiB per storage class that the pool took (Ceph classes only): what the volumes
    /// wanted, less what a full cluster refused; last month's until the month's pass.
    written_by_class: Vec<f64>,
    /// Σ provisioned size of thin volumes per cluster this month.
    thin_by_cluster: Vec<f64>,
    /// Each cluster's pools, domain by domain, this month (scratch, kept between months).
    loads: Vec<Vec<PoolLoad>>,
    /// This trial's fixed and one-time amounts.
    cost_draws: CostDraws,
    /// This trial's price per GiB-month of each cloud storage class (0 for Ceph classes).
    class_prices: Vec<f64>,
    /// Longest retention of the per-user templates.
    max_user_retention: u32,
    /// Rows of the users who left this month, in row order.
    leavers: Vec<usize>,
    /// The volumes of a template that grow this month, their growth draws, and the
    /// generator bytes those come from.
    growing: Vec<usize>,
    draws: Vec<f64>,
    bytes: Vec<u8>,
}

impl<'m> Simulator<'m> {
    /// A simulator for `model`.
    pub fn new(model: &'m Model) -> Simulator<'m> {
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
            written_by_class: vec![0.0; model.storage_classes.len()],
            thin_by_cluster: vec![0.0; model.ceph.len()],
            loads: model
                .ceph
                .iter()
                .map(|c| Vec::with_capacity(c.domains.len()))
                .collect(),
            cost_draws: CostDraws::default(),
            class_prices: vec![0.0; model.storage_classes.len()],
            max_user_retention,
            leavers: Vec::new(),
            growing: Vec::new(),
            draws: Vec::new(),
            bytes: Vec::new(),
        }
    }

    /// Plays one trial with the given generators and writes it into `record`.
    pub fn run(&mut self, rngs: &mut TrialRngs, record: &mut TrialRecord) {
        let model = self.model;
        record.reset(model.volumes.len());
        self.users_gone.clear();
        self.active_users = 0;
        for c in &mut self.columns {
            c.clear();
        }
        let growth = model.population.draw_trial(&mut rngs.population);
        model.costs.draw(&mut rngs.costs, &mut self.cost_draws);
        // After the other cost draws, so that adding an uncertain expansion price moves none
        // of them.
        for (state, cluster) in self.clusters.iter_mut().zip(&model.ceph) {
            state.reset(cluster, &mut rngs.costs);
        }
        // Last, for the same reason; a fixed price draws nothing.
        for (price, class) in self.class_prices.iter_mut().zip(&model.storage_classes) {
            *price = match &class.backend {
                Backend::Cloud {
                    price_per_gib_month,
                    ..
                } => price_per_gib_month.sample(&mut rngs.costs).max(0.0),
                Backend::Ceph { .. } => 0.0,
            };
        }
        for (t, template) in model.volumes.iter().enumerate() {
            self.factors[t] = template.trial_factor.sample(&mut rngs.volumes[t]).max(0.0);
        }

        // Month 0: the initial state, no growth.
        let initial = model
            .population
            .initial_users
            .min(model.population.max_users);
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
            let totals = self.volume_step(month, pods, rngs, record);
            if totals.full > 0.0 {
                record.note(Event::VolumeFull, month);
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
            row[Metric::ManualResizeEvents.index()] = totals.manual_resizes;
            row[Metric::FullEvents.index()] = totals.full;

            let total = self.costs_step(month, pods, &totals, ceph_storage_cost, record);
            if month > 0 {
                cumulative += total;
            }
            record.values[month as usize * N_METRICS + Metric::CostCumulative.index()] = cumulative;
        }
    }

    /// Step 6: the month's costs (storage, snapshots, compute, fixed, one-time, purchases)
    /// into its row, and the budget check. Returns the month's total.
    fn costs_step(
        &mut self,
        month: u32,
        pods: u32,
        totals: &VolumeTotals,
        ceph_storage_cost: f64,
        record: &mut TrialRecord,
    ) -> f64 {
        let model = self.model;
        let (expansion_fixed, expansion_one_time, expansion_bought) = self.expansion_costs(month);
        let storage = totals.cloud_cost + ceph_storage_cost;
        let compute = model.costs.compute_monthly(
            pods,
            model.pods.vcpu,
            model.pods.memory_gib,
            model.hours_per_month,
        );
        let fixed = model.costs.fixed_in_month(month, &self.cost_draws) + expansion_fixed;
        let one_time = model.costs.one_time_in_month(month, &self.cost_draws) + expansion_one_time;
        let total = storage + totals.snapshot_cost + compute + fixed + one_time;
        let row = &mut record.values[month as usize * N_METRICS..(month as usize + 1) * N_METRICS];
        row[Metric::CostStorage.index()] = storage;
        row[Metric::CostSnapshots.index()] = totals.snapshot_cost;
        row[Metric::CostCompute.index()] = compute;
        row[Metric::CostFixed.index()] = fixed;
        row[Metric::CostOneTime.index()] = one_time;
        row[Metric::CostTotal.index()] = total;
        row[Metric::Purchases.index()] =
            model.costs.purchases_in_month(month, &self.cost_draws) + expansion_bought;
        if let Some(budget) = model.targets.monthly_budget
            && total > budget
        {
            record.note(Event::BudgetExceeded, month);
        }
        total
    }

    /// Adds `n` users and their per-user volumes.
    fn add_users(&mut self, n: u64, rngs: &mut TrialRngs) {
        let users = usize::try_from(n).unwrap_or(usize::MAX);
        self.users_gone.resize(self.users_gone.len() + users, NEVER);
        for (t, template) in self.model.volumes.iter().enumerate() {
            if template.per == Per::User {
                // The new volumes' initial usage in one batch per template.
                self.draws.clear();
                self.draws.resize(users, 0.0);
                let rng = &mut rngs.volumes[t];
                template
                    .initial_used
                    .fill(rng, &mut self.bytes, &mut self.draws);
                for &used in &self.draws {
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
        self.churn(month, &mut rngs.population);
        self.retire(month);

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
        let room = model.population.max_users.saturating_sub(self.active_users);
        if arrivals > room {
            arrivals = room;
            record.population_capped = true;
        }
        self.add_users(arrivals, rngs);
    }

    /// The users who leave this month, in row order, into `leavers`.
    fn churn(&mut self, month: u32, rng: &mut ChaCha8Rng) {
        self.leavers.clear();
        if self.model.population.churn > 0.0 {
            let population = &self.model.population;
            if self.users_gone.len() as u64 == self.active_users {
                // Every row an active user: the next leaver's row is the count of stayers on.
                let mut row = population.stayers_before_next_leaver(rng);
                while let Some(gone) = usize::try_from(row)
                    .ok()
                    .and_then(|i| self.users_gone.get_mut(i))
                {
                    *gone = month;
                    self.leavers.push(row as usize);
                    row = row
                        .saturating_add(1)
                        .saturating_add(population.stayers_before_next_leaver(rng));
                }
            } else {
                let mut stay = population.stayers_before_next_leaver(rng);
                let rows = self.users_gone.iter_mut().enumerate();
                for (i, gone) in rows.filter(|(_, g)| **g == NEVER) {
                    if stay == 0 {
                        *gone = month;
                        self.leavers.push(i);
                        stay = population.stayers_before_next_leaver(rng);
                    } else {
                        stay -= 1;
                    }
                }
            }
            self.active_users -= self.leavers.len() as u64;
        }
    }

    /// Volumes of churned users are deleted when their retention ends; a user's row goes
    /// when every one of its volumes has (backwards, so that a row swapped in from the end
    /// has been seen already).
    fn retire(&mut self, month: u32) {
        let model = self.model;
        let gone_users = self.users_gone.len() - self.active_users as usize;
        if gone_users > 0 {
            // When this month's leavers are all the churned users, only their rows are seen.
            let mut rows = std::mem::take(&mut self.leavers);
            if gone_users != rows.len() {
                rows.clear();
                let gone = self.users_gone.iter().enumerate();
                rows.extend(gone.filter(|(_, g)| **g != NEVER).map(|(i, _)| i));
            }
            for &i in rows.iter().rev() {
                let gone = self.users_gone[i];
                for (column, template) in self.columns.iter_mut().zip(&model.volumes) {
                    if template.per == Per::User
                        && month >= gone.saturating_add(template.retention_months)
                        && column.exists[i]
                    {
                        column.exists[i] = false;
                        column.size[i] = 0.0;
                        column.used[i] = 0.0;
                        column.peak[i] = 0.0;
                    }
                }
                if month >= gone.saturating_add(self.max_user_retention) {
                    self.users_gone.swap_remove(i);
                    for (column, template) in self.columns.iter_mut().zip(&model.volumes) {
                        if template.per == Per::User {
                            column.swap_remove(i);
                        }
                    }
                }
            }
            self.leavers = rows;
        }
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
    fn volume_step(
        &mut self,
        month: u32,
        pods: u32,
        rngs: &mut TrialRngs,
        record: &mut TrialRecord,
    ) -> VolumeTotals {
        let model = self.model;
        let mut totals = VolumeTotals::default();
        self.stored_by_class.fill(0.0);
        self.thin_by_cluster.fill(0.0);
        for (t, template) in model.volumes.iter().enumerate() {
            let tally = if month > 0 {
                self.grow(t, month, pods, &mut rngs.volumes[t])
            } else {
                TemplateTally::default()
            };
            let column = &self.columns[t];
            let class = &model.storage_classes[template.storage_class];
            match &class.backend {
                Backend::Cloud {
                    billing,
                    snapshot_price_per_gib_month,
                    ..
                } => {
                    let price = self.class_prices[template.storage_class];
                    let snapshot_price = template.snapshots.map_or(0.0, |s| s.cloud_factor())
                        * snapshot_price_per_gib_month;
                    for i in (0..column.size.len()).filter(|&i| column.exists[i]) {
                        let (size, used) = (column.size[i], column.used[i]);
                        let (billed, cost) = billing.bill(size, price);
                        totals.provisioned += size;
                        totals.used += used;
                        totals.billed += billed;
                        totals.cloud_cost += cost;
                        totals.snapshot_cost += used * snapshot_price;
                    }
                }
                Backend::Ceph { cluster, frees, .. } => {
                    // A deleted volume's size, usage and high-water mark are 0, so the sums
                    // run over the whole column.
                    let provisioned = lane_sum(&column.size);
                    let used = lane_sum(&column.used);
                    // RBD keeps the blocks a filesystem freed unless they are discarded;
                    // CephFS frees.
                    let kept = if *frees || template.discard {
                        used
                    } else {
                        lane_sum(&column.peak)
                    };
                    let snapshots = template.snapshots.map_or(0.0, |s| s.ceph_factor());
                    totals.provisioned += provisioned;
                    totals.used += used;
                    self.stored_by_class[template.storage_class] += kept + used * snapshots;
                    self.thin_by_cluster[*cluster] += provisioned;
                }
            }
            let mut tally = tally;
            tally.volume_months = column.exists.iter().filter(|&&e| e).count() as f64;
            totals.add(&tally);
            if month > 0 {
                record.templates[t].add(&tally, month);
            }
        }
        totals
    }

    /// Step 3 for template `t`: the month's growth of every volume that grows (an active
    /// user's, a running pod's, a cluster-wide one), drawn in one batch in volume order, and
    /// what its expansion policy makes of it. Returns the month's resizes and full events.
    fn grow(&mut self, t: usize, month: u32, pods: u32, rng: &mut ChaCha8Rng) -> TemplateTally {
        let template = &self.model.volumes[t];
        let column = &mut self.columns[t];
        let len = column.size.len();
        // Only a churned user's volume can be deleted and stay in its column; with every
        // user active, the volumes that grow are a range.
        let range = match template.per {
            Per::User if self.users_gone.len() as u64 > self.active_users => {
                self.growing.clear();
                let rows = self.users_gone.iter().zip(&column.exists).enumerate();
                self.growing.extend(
                    rows.filter(|(_, (gone, exists))| **gone == NEVER && **exists)
                        .map(|(i, _)| i),
                );
                None
            }
            Per::Pod => Some(0..len.min(pods as usize)),
            Per::User | Per::Cluster(_) => Some(0..len),
        };
        let growing = range.as_ref().map_or(self.growing.len(), |r| r.len());
        self.draws.clear();
        self.draws.resize(growing, 0.0);
        template.growth.fill(rng, &mut self.bytes, &mut self.draws);
        let (factor, expansion) = (self.factors[t], &template.expansion);
        let (resizes, full_events) = match range {
            Some(range) if !matches!(expansion, Expansion::Manual { .. }) => {
                column.grow_range(range, &mut self.draws, factor, expansion)
            }
            Some(range) => column.grow_all(range, &self.draws, factor, month, expansion),
            None => {
                let rows = self.growing.iter().copied();
                column.grow_all(rows, &self.draws, factor, month, expansion)
            }
        };
        let mut tally = TemplateTally {
            full_events: full_events as f64,
            ..TemplateTally::default()
        };
        match expansion {
            Expansion::Manual { .. } => tally.manual_resizes = resizes as f64,
            _ => tally.resizes = resizes as f64,
        }
        tally
    }

    /// Step 5: every cluster lands what was ordered, loads its pools, reports its metrics
    /// and checks its trigger. Returns the clusters' monthly storage cost (hosts and added
    /// units).
    fn ceph_step(&mut self, month: u32, record: &mut TrialRecord) -> f64 {
        let model = self.model;
        let row = month as usize * N_METRICS;
        if model.ceph.is_empty() {
            record.values[row + Metric::CephHostFailureSafe.index()] = 0.0;
            return 0.0;
        }
        let mut all = CephTotals::default();
        for (c, cluster) in model.ceph.iter().enumerate() {
            self.clusters[c].land(cluster, month);
            let unwritten = self.admit_writes(c);
            if unwritten > 0.0 {
                record.note(Event::CephWritesBlocked, month);
            }
            all.unwritten += unwritten;
            let mut loads = std::mem::take(&mut self.loads[c]);
            self.load_of(c, &self.stored_by_class, &mut loads);
            let state = &mut self.clusters[c];
            let m = state.metrics(cluster, &loads, self.thin_by_cluster[c]);
            // Ceph's states are strict (OSDService::recalc_full_state: `ratio > nearfull_ratio`,
            // `ratio > full_ratio`): an OSD exactly at a ratio is not in that state.
            if m.util > cluster.nearfull_ratio {
                record.note(Event::CephNearfull, month);
            }
            if m.util > cluster.full_ratio {
                record.note(Event::CephFull, month);
            }
            if m.stall {
                record.note(Event::CephRecoveryStall, month);
            }
            if state.trigger(cluster, month, &loads) {
                all.orders += 1.0;
                record.note(Event::CephOrder, month);
                record.orders.push(month);
            }
            self.loads[c] = loads;
            all.cost += state.monthly_cost(cluster);
            all.add(&m);
        }
        all.write(&mut record.values[row..row + N_METRICS]);
        all.cost
    }

    /// What cluster `c`'s pools take of what the volumes want to store this month: all of it,
    /// unless an OSD their rule reaches ended last month past `full_ratio`; then those pools do
    /// not grow (a pool that shrinks still frees). `stored_by_class` becomes what was written.
    /// Returns the GiB refused. What was refused is wanted again the next month, so it is
    /// written once the domain has room (an expansion landed, data deleted): the volumes'
    /// applications retry.
    fn admit_writes(&mut self, c: usize) -> f64 {
        // A full flag clears once every OSD of the domain is back under full_ratio with what is
        // stored (an expansion landed this month, data was deleted).
        if self.clusters[c].blocked.iter().any(|&b| b) {
            let mut frozen = std::mem::take(&mut self.loads[c]);
            self.load_of(c, &self.written_by_class, &mut frozen);
            let cluster = &self.model.ceph[c];
            let state = &mut self.clusters[c];
            for (d, load) in frozen.iter().enumerate() {
                if state.blocked[d] {
                    state.blocked[d] = state.util(cluster, d, load) > cluster.full_ratio;
                }
            }
            self.loads[c] = frozen;
        }
        let mut refused = 0.0;
        for (k, class) in self.model.storage_classes.iter().enumerate() {
            if let Backend::Ceph {
                cluster, domain, ..
            } = class.backend
                && cluster == c
            {
                let wanted = self.stored_by_class[k];
                let written = if self.clusters[c].blocked[domain] {
                    wanted.min(self.written_by_class[k])
                } else {
                    wanted
                };
                refused += wanted - written;
                self.written_by_class[k] = written;
                self.stored_by_class[k] = written;
            }
        }
        refused
    }

    /// What the pools of cluster `c` take, domain by domain, when its classes store `stored`
    /// GiB each: into `loads`, one per domain.
    fn load_of(&self, c: usize, stored_by_class: &[f64], loads: &mut Vec<PoolLoad>) {
        let model = self.model;
        let cluster = &model.ceph[c];
        let domains = cluster.domains.len();
        loads.clear();
        loads.resize(
            domains,
            PoolLoad {
                pools_raw: 0.0,
                rate: 1.0,
            },
        );
        // (stored, Σ stored × rate, Σ rate, pools) per domain, in the loads' own slots: no
        // allocation in the month's loop.
        for (d, load) in loads.iter_mut().enumerate() {
            let (mut stored, mut weighted_rate, mut rate_sum, mut pools) = (0.0, 0.0, 0.0, 0.0);
            for (k, class) in model.storage_classes.iter().enumerate() {
                if let Backend::Ceph {
                    cluster: cc,
                    rate,
                    domain,
                    ..
                } = class.backend
                    && cc == c
                    && domain == d
                {
                    let s = stored_by_class[k];
                    stored += s;
                    weighted_rate += s * rate;
                    rate_sum += rate;
                    pools += 1.0;
                    load.pools_raw += s * rate * (1.0 + cluster.overhead);
                }
            }
            // The stored-weighted rate; with nothing stored yet, the plain mean of the pools'.
            if stored > 0.0 {
                load.rate = weighted_rate / stored;
            } else if pools > 0.0 {
                load.rate = rate_sum / pools;
            }
        }
    }

    /// Expansion purchases due in `month`: (amortised share → cost_fixed, unamortised →
    /// cost_one_time, whole amounts of what landed this month → purchases).
    fn expansion_costs(&self, month: u32) -> (f64, f64, f64) {
        let (mut fixed, mut one_time, mut bought) = (0.0, 0.0, 0.0);
        for state in &self.clusters {
            for &(start, amount, months) in &state.amortised {
                if start == month {
                    bought += amount * months.max(1) as f64;
                }
                if months == 0 {
                    if start == month {
                        one_time += amount;
                    }
                } else if month >= start && month < start + months {
                    fixed += amount;
                }
            }
        }
        (fixed, one_time, bought)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quantity::Share;
    use rand::{RngExt, SeedableRng};

    /// The SIMD passes of a month ([`grow_slices`]) give, volume by volume, what one call of
    /// [`expand`] per volume gives: sizes, usage, high-water marks, resizes and full volumes,
    /// bit for bit. Random volumes near and past their thresholds, several resizes in a month,
    /// the limit, absolute and percent steps, negative growth, no expansion.
    #[test]
    fn simd_passes_are_expand_volume_by_volume() {
        let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(9);
        let policies = [
            autoresize(50.0),
            autoresize(10.5),
            Expansion::Autoresize {
                threshold: Share::Gib(2.0),
                increase: Share::Gib(1.5),
                limit_gib: 40.0,
            },
            Expansion::Autoresize {
                threshold: Share::Fraction(0.3),
                increase: Share::Fraction(0.05),
                limit_gib: 1000.0,
            },
            Expansion::None,
        ];
        for (p, policy) in policies.iter().enumerate() {
            let n = 1 + 97 * p;
            let size: Vec<f64> = (0..n)
                .map(|_| (1 + rng.random_range(0..30)) as f64)
                .collect();
            let used: Vec<f64> = size.iter().map(|s| s * rng.random::<f64>()).collect();
            let draws: Vec<f64> = (0..n).map(|_| rng.random::<f64>() * 12.0 - 2.0).collect();
            let factor = 0.5 + rng.random::<f64>();
            let (mut s, mut u, mut k, mut d) =
                (size.clone(), used.clone(), used.clone(), draws.clone());
            let (resizes, full) = grow_slices(&mut s, &mut u, &mut k, &mut d, factor, policy);
            let (mut want_resizes, mut want_full) = (0, 0);
            for i in 0..n {
                let demand = (used[i] + draws[i] * factor).max(0.0);
                let (grown, r, f) = expand(size[i], demand, policy);
                want_resizes += r;
                want_full += f as u32;
                let now = demand.min(grown);
                assert_eq!(
                    (s[i], u[i], k[i]),
                    (grown, now, used[i].max(now)),
                    "{p} {i}"
                );
            }
            assert_eq!((resizes, full), (want_resizes, want_full), "policy {p}");
            assert!(p == 4 || resizes > 0, "policy {p} never resized");
        }
    }

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

    fn by_hand(threshold: Share, increase: Share, limit: f64, response: u32) -> Expansion {
        Expansion::Manual {
            threshold,
            increase,
            limit_gib: limit,
            response_months: response,
        }
    }

    /// Seed 000: a full 10 GiB workspace grown to 20 GiB. Within the month: the month counts
    /// as full, the volume is 20 GiB after it.
    #[test]
    fn manual_within_the_month() {
        let e = by_hand(Share::Fraction(0.0), Share::Gib(10.0), 20.0, 0);
        let mut due = NEVER;
        assert_eq!(manual(10.0, 12.0, 5, &mut due, &e), (20.0, 1, true));
        assert_eq!(due, NEVER);
        // Not full, nothing to do (threshold 0 acts only on full).
        assert_eq!(manual(20.0, 19.5, 6, &mut due, &e), (20.0, 0, false));
        // At the limit: full, and no request can help.
        assert_eq!(manual(20.0, 25.0, 7, &mut due, &e), (20.0, 0, true));
        assert_eq!(due, NEVER);
    }

    /// A response of one month: full in month 5 (request raised, due 6), grown at the start of
    /// month 6, before that month's demand is checked.
    #[test]
    fn manual_a_month_later() {
        let e = by_hand(Share::Fraction(0.0), Share::Gib(10.0), 30.0, 1);
        let mut due = NEVER;
        assert_eq!(manual(10.0, 12.0, 5, &mut due, &e), (10.0, 0, true));
        assert_eq!(due, 6);
        assert_eq!(manual(10.0, 11.0, 6, &mut due, &e), (20.0, 1, false));
        assert_eq!(due, NEVER);
    }

    /// One request at a time: full again while a request is open counts as full, raises
    /// nothing new; the open one is done when due.
    #[test]
    fn manual_one_open_request() {
        let e = by_hand(Share::Fraction(0.0), Share::Gib(10.0), 40.0, 2);
        let mut due = NEVER;
        assert_eq!(manual(10.0, 11.0, 3, &mut due, &e), (10.0, 0, true));
        assert_eq!(due, 5);
        assert_eq!(manual(10.0, 11.0, 4, &mut due, &e), (10.0, 0, true));
        assert_eq!(due, 5);
        assert_eq!(manual(10.0, 11.0, 5, &mut due, &e), (20.0, 1, false));
    }

    /// An alert at 80% full (seed 002: "Alert when >80% full"): 8.5 of 10 GiB used leaves
    /// 1.5 GiB free, under 20% = 2 GiB, so a request is raised before the volume fills; +50% of
    /// 10 GiB is 15 GiB, then ceil(15 + 7.5) = 23, capped at the 20 GiB limit.
    #[test]
    fn manual_on_an_alert_with_a_percent_step() {
        let e = by_hand(Share::Fraction(0.2), Share::Fraction(0.5), 20.0, 1);
        let mut due = NEVER;
        assert_eq!(manual(10.0, 8.5, 1, &mut due, &e), (10.0, 0, false));
        assert_eq!(due, 2);
        assert_eq!(manual(10.0, 9.0, 2, &mut due, &e), (15.0, 1, false));
        // 12.5 of 15 leaves 2.5 < 3 free: another request, done in month 4, capped at 20.
        assert_eq!(manual(15.0, 12.5, 3, &mut due, &e), (15.0, 0, false));
        assert_eq!(manual(15.0, 13.0, 4, &mut due, &e), (20.0, 1, false));
    }
}
