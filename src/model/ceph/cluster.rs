//! A Ceph cluster within one trial: its hosts and OSDs as expansions land, its orders and
//! their purchases, the month's figures under what its pools store (fullest OSD, MAX AVAIL,
//! failure safety), and whether it takes writes. The trial ([`crate::model::trial`]) drives it
//! month by month; the formulas are [`super`]'s.

use super::{CephCluster, ExpansionAdd};
use crate::model::metrics::Metric;

/// A Ceph cluster's state within a trial.
#[derive(Debug, Clone, Default)]
pub(crate) struct ClusterState {
    pub(crate) hosts: u32,
    pub(crate) osds_per_host: u32,
    pub(crate) host_capacity: f64,
    /// Orders landed: the cluster's layout is `cluster.layout(landed)`.
    pub(crate) landed: u32,
    pub(crate) added_units: u32,
    /// This trial's monthly and one-time price of one added unit (OSD or host).
    pub(crate) unit_monthly: f64,
    pub(crate) unit_one_time: f64,
    /// This trial's monthly price of one OSD (every OSD, existing and added).
    pub(crate) osd_monthly: f64,
    /// Landing months of outstanding orders.
    pub(crate) orders: Vec<u32>,
    /// (first month, monthly share, months) of amortised expansion purchases.
    pub(crate) amortised: Vec<(u32, f64, u32)>,
    /// Raw GiB spread by share ([`Self::spread`]) on the expansion's tree in the last months,
    /// newest first, for the projected trigger.
    pub(crate) history: [f64; 3],
    /// This month's fullest OSD of the expansion's tree.
    pub(crate) expansion_util: f64,
    pub(crate) months_seen: u32,
    /// Whether an OSD of each domain ended the last month past `full_ratio`: Ceph sets the
    /// full flag of the pools that reach it, which take no writes this month (deletes still
    /// free space).
    pub(crate) blocked: Vec<bool>,
}

impl ClusterState {
    /// Adds what orders due by `month` bring, and books their purchase.
    pub(crate) fn land(&mut self, cluster: &CephCluster, month: u32) {
        let Some(expansion) = &cluster.expansion else {
            return;
        };
        let mut i = 0;
        while i < self.orders.len() {
            if self.orders[i] > month {
                i += 1;
                continue;
            }
            let units = expansion.units(self.hosts);
            match expansion.add {
                ExpansionAdd::Osds {
                    per_host,
                    osd_size_gib,
                } => {
                    self.osds_per_host += per_host;
                    self.host_capacity += per_host as f64 * osd_size_gib;
                }
                ExpansionAdd::Hosts(n) => self.hosts += n,
            }
            self.landed += 1;
            self.added_units += units;
            let purchase = units as f64 * self.unit_one_time;
            if purchase > 0.0 {
                // (first month, monthly share, months); 0 months: paid at once.
                let months = expansion.amortize_months;
                let share = purchase / months.max(1) as f64;
                self.amortised.push((month, share, months));
            }
            self.orders.swap_remove(i);
        }
    }

    /// Raw GiB domain `d`'s layout spreads by share: what its modelled pools take, plus the
    /// pool data already there that no modelled volume accounts for
    /// ([`super::Domain::resident_raw_gib`]).
    pub(crate) fn spread(cluster: &CephCluster, d: usize, load: &PoolLoad) -> f64 {
        load.pools_raw + cluster.domains[d].resident_raw_gib
    }

    /// Domain `d`'s fullest OSD when its pools store what `load` says.
    pub(crate) fn util(&self, cluster: &CephCluster, d: usize, load: &PoolLoad) -> f64 {
        cluster
            .layout(d, self.landed)
            .util(Self::spread(cluster, d, load))
    }

    /// This month's figures of the cluster under `loads` (one per domain), OSD by OSD. Each
    /// domain's full flag is set for the next month.
    pub(crate) fn metrics(
        &mut self,
        cluster: &CephCluster,
        loads: &[PoolLoad],
        thin: f64,
    ) -> ClusterMonth {
        let mut m = ClusterMonth {
            raw_used: cluster.initial_raw_used_gib,
            safe: true,
            osd_safe: true,
            ..ClusterMonth::default()
        };
        for (d, load) in loads.iter().enumerate() {
            let layout = cluster.layout(d, self.landed);
            let r = Self::spread(cluster, d, load);
            let fill = layout.fill(r, cluster.full_ratio);
            let per_stored = load.rate * (1.0 + cluster.overhead);
            let host_safe = layout.host_loss.is_some_and(|l| r <= l.limit);
            // One OSD lost: CRUSH places its data again (on its host's siblings and, where
            // hosts are spare, on other hosts); where it cannot, the loss is a host's.
            let osd_safe = layout.osd_loss.map_or(host_safe, |l| r <= l.limit);
            // A failure the cluster could recover from would stall at this fill.
            m.stall |= (layout.host_loss.is_some() && !host_safe)
                || (layout.osd_loss.is_some() && !osd_safe);
            m.raw_cap += layout.raw_capacity;
            m.raw_used += load.pools_raw;
            m.usable += fill.usable_raw / per_stored;
            m.util = m.util.max(fill.util);
            m.max_avail += fill.avail_raw / load.rate;
            m.writable += fill.writable_raw / per_stored;
            m.safe &= host_safe && osd_safe;
            m.osd_safe &= osd_safe;
            m.osds += layout.size.len() as f64;
            self.blocked[d] = fill.util > cluster.full_ratio;
            if d == cluster.expansion_domain {
                self.expansion_util = fill.util;
            }
        }
        m.overcommit = if m.usable > 0.0 { thin / m.usable } else { 0.0 };
        m
    }

    /// Checks the expansion trigger and places an order if it fires: when the fullest OSD of
    /// the tree the expansion adds to reaches `trigger`, or, with `projected`, when the trend
    /// of its last months (raw spread, extrapolated over the lead time, counting what is
    /// already on order) reaches nearfull. Another tree's fullest OSD orders nothing: the
    /// order would not relieve it.
    pub(crate) fn trigger(
        &mut self,
        cluster: &CephCluster,
        month: u32,
        loads: &[PoolLoad],
    ) -> bool {
        let d = cluster.expansion_domain.min(loads.len().saturating_sub(1));
        let spread = loads.get(d).map_or(0.0, |l| Self::spread(cluster, d, l));
        self.history = [spread, self.history[0], self.history[1]];
        self.months_seen += 1;
        let Some(expansion) = &cluster.expansion else {
            return false;
        };
        if self.orders.len() as u32 >= expansion.max_outstanding {
            return false;
        }
        let mut fire = self.expansion_util >= expansion.trigger;
        if expansion.projected && !fire && self.months_seen >= 2 {
            let span = (self.months_seen - 1).min(2) as f64;
            let slope = (self.history[0] - self.history[span as usize]) / span;
            let ahead = spread + slope.max(0.0) * expansion.lead_time_months.max(1) as f64;
            let then = cluster.layout(d, self.landed + self.orders.len() as u32);
            fire = then.util(ahead) > cluster.nearfull_ratio;
        }
        if fire {
            self.orders.push(month + expansion.lead_time_months.max(1));
        }
        fire
    }

    /// The hosts', the OSDs' and the added units' monthly cost. An added host costs the
    /// expansion's monthly price, or, where that is 0, a host's like the others.
    pub(crate) fn monthly_cost(&self, cluster: &CephCluster) -> f64 {
        let unit = match cluster.expansion.as_ref().map(|e| e.add) {
            Some(ExpansionAdd::Hosts(_)) if self.unit_monthly <= 0.0 => cluster.host_monthly_cost,
            _ => self.unit_monthly,
        };
        let osds = (self.hosts * self.osds_per_host) as f64;
        cluster.hosts as f64 * cluster.host_monthly_cost
            + self.added_units as f64 * unit
            + osds * self.osd_monthly
    }

    /// Back to the cluster as built, with this trial's expansion prices.
    pub(crate) fn reset<R: rand::Rng + ?Sized>(&mut self, cluster: &CephCluster, rng: &mut R) {
        self.hosts = cluster.hosts;
        self.osds_per_host = cluster.osds_per_host;
        self.host_capacity = cluster.osds_per_host as f64 * cluster.osd_size_gib;
        self.landed = 0;
        self.added_units = 0;
        self.orders.clear();
        self.amortised.clear();
        let domains = cluster.domains.len();
        self.history = [0.0; 3];
        self.expansion_util = 0.0;
        self.months_seen = 0;
        self.blocked.clear();
        self.blocked.resize(domains, false);
        (self.unit_monthly, self.unit_one_time) = match &cluster.expansion {
            Some(e) => (
                e.monthly_cost.sample(rng).max(0.0),
                e.one_time_cost.sample(rng).max(0.0),
            ),
            None => (0.0, 0.0),
        };
        // After the expansion prices, so that pricing OSDs moves none of them; a fixed price
        // draws nothing.
        self.osd_monthly = cluster.osd_monthly_cost.sample(rng).max(0.0);
    }
}

/// What the pools of one domain of a cluster store this month.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PoolLoad {
    /// What the modelled pools take: Σ stored × rate × (1 + overhead), GiB.
    pub(crate) pools_raw: f64,
    /// Raw bytes per stored byte, weighted by what each pool stores.
    pub(crate) rate: f64,
}

/// One cluster's figures in one month.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ClusterMonth {
    pub(crate) raw_cap: f64,
    pub(crate) raw_used: f64,
    pub(crate) usable: f64,
    pub(crate) util: f64,
    pub(crate) max_avail: f64,
    pub(crate) writable: f64,
    pub(crate) safe: bool,
    pub(crate) osd_safe: bool,
    pub(crate) stall: bool,
    pub(crate) overcommit: f64,
    pub(crate) osds: f64,
}

/// Every cluster's figures of a month, combined: capacities add up, utilisation and
/// over-commit are the worst cluster's, safety needs every cluster safe.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CephTotals {
    pub(crate) all: ClusterMonth,
    pub(crate) orders: f64,
    pub(crate) cost: f64,
    /// GiB the clusters refused this month.
    pub(crate) unwritten: f64,
}

impl Default for CephTotals {
    fn default() -> Self {
        CephTotals {
            all: ClusterMonth {
                safe: true,
                osd_safe: true,
                ..ClusterMonth::default()
            },
            orders: 0.0,
            cost: 0.0,
            unwritten: 0.0,
        }
    }
}

impl CephTotals {
    pub(crate) fn add(&mut self, m: &ClusterMonth) {
        let all = &mut self.all;
        all.raw_cap += m.raw_cap;
        all.raw_used += m.raw_used;
        all.usable += m.usable;
        all.max_avail += m.max_avail;
        all.writable += m.writable;
        all.osd_safe &= m.osd_safe;
        all.util = all.util.max(m.util);
        all.overcommit = all.overcommit.max(m.overcommit);
        all.osds += m.osds;
        all.safe &= m.safe;
    }

    pub(crate) fn write(&self, values: &mut [f64]) {
        let all = &self.all;
        values[Metric::CephRawCapacityGib.index()] = all.raw_cap;
        values[Metric::CephRawUsedGib.index()] = all.raw_used;
        values[Metric::CephUsableGib.index()] = all.usable;
        values[Metric::CephFullestOsdUtil.index()] = all.util;
        values[Metric::CephMaxAvailGib.index()] = all.max_avail;
        values[Metric::CephWritableGib.index()] = all.writable;
        values[Metric::CephUnwrittenGib.index()] = self.unwritten;
        values[Metric::CephHostFailureSafe.index()] = all.safe as u32 as f64;
        values[Metric::CephOsdFailureSafe.index()] = all.osd_safe as u32 as f64;
        values[Metric::CephOvercommit.index()] = all.overcommit;
        values[Metric::CephOsds.index()] = all.osds;
        values[Metric::CephOrders.index()] = self.orders;
    }
}
