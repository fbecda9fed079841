//! The metrics recorded for every month of every trial (DESIGN §6), in CSV order.

/// One recorded quantity. The discriminant is the column index in a trial's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(usize)]
pub enum Metric {
    /// Users present (not churned).
    Users,
    /// Running pods.
    Pods,
    /// Existing PVCs (including retained ones of churned users and scaled-down pods).
    Volumes,
    /// Σ provisioned size, GiB.
    ProvisionedGib,
    /// Σ used, GiB.
    UsedGib,
    /// Σ billed size of cloud volumes, GiB (after minimums, increments and tiers).
    BilledGib,
    /// Autoresizes this month.
    ResizeEvents,
    /// Volumes full this month (demand above size after expansion).
    FullEvents,
    /// Raw capacity of the Ceph clusters, GiB.
    CephRawCapacityGib,
    /// Raw used, GiB: Σ stored × rate × (1 + overhead) + pre-existing raw data.
    CephRawUsedGib,
    /// What the pools can store before the fullest OSD reaches full_ratio, GiB.
    CephUsableGib,
    /// Utilisation of the fullest OSD (the highest over clusters).
    CephFullestOsdUtil,
    /// `ceph df` MAX AVAIL, GiB.
    CephMaxAvailGib,
    /// 1 if losing the largest host leaves every cluster under full_ratio after
    /// re-replication, else 0 (always 0 when hosts = pool width: the cluster runs degraded).
    CephHostFailureSafe,
    /// Σ provisioned size of thin volumes / usable capacity (the highest over clusters).
    CephOvercommit,
    /// OSDs in the clusters.
    CephOsds,
    /// Expansion orders placed this month.
    CephOrders,
    /// Cloud volumes' billed storage + Ceph hosts and added OSDs/hosts.
    CostStorage,
    /// Snapshot storage.
    CostSnapshots,
    /// Compute.
    CostCompute,
    /// Fixed monthly items + amortised share of one-time costs.
    CostFixed,
    /// One-time costs without amortisation, in the month they are paid.
    CostOneTime,
    /// Sum of the five cost components.
    CostTotal,
    /// Σ cost_total over months 1…m (0 at month 0).
    CostCumulative,
}

/// How many metrics a month records.
pub const N_METRICS: usize = 24;

impl Metric {
    /// Every metric, in column order.
    pub const ALL: [Metric; N_METRICS] = [
        Metric::Users,
        Metric::Pods,
        Metric::Volumes,
        Metric::ProvisionedGib,
        Metric::UsedGib,
        Metric::BilledGib,
        Metric::ResizeEvents,
        Metric::FullEvents,
        Metric::CephRawCapacityGib,
        Metric::CephRawUsedGib,
        Metric::CephUsableGib,
        Metric::CephFullestOsdUtil,
        Metric::CephMaxAvailGib,
        Metric::CephHostFailureSafe,
        Metric::CephOvercommit,
        Metric::CephOsds,
        Metric::CephOrders,
        Metric::CostStorage,
        Metric::CostSnapshots,
        Metric::CostCompute,
        Metric::CostFixed,
        Metric::CostOneTime,
        Metric::CostTotal,
        Metric::CostCumulative,
    ];

    /// The name used in `timeseries.csv` and `summary.json`.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Users => "users",
            Metric::Pods => "pods",
            Metric::Volumes => "volumes",
            Metric::ProvisionedGib => "provisioned_gib",
            Metric::UsedGib => "used_gib",
            Metric::BilledGib => "billed_gib",
            Metric::ResizeEvents => "resize_events",
            Metric::FullEvents => "full_events",
            Metric::CephRawCapacityGib => "ceph_raw_capacity_gib",
            Metric::CephRawUsedGib => "ceph_raw_used_gib",
            Metric::CephUsableGib => "ceph_usable_gib",
            Metric::CephFullestOsdUtil => "ceph_fullest_osd_util",
            Metric::CephMaxAvailGib => "ceph_max_avail_gib",
            Metric::CephHostFailureSafe => "ceph_host_failure_safe",
            Metric::CephOvercommit => "ceph_overcommit",
            Metric::CephOsds => "ceph_osds",
            Metric::CephOrders => "ceph_orders",
            Metric::CostStorage => "cost_storage",
            Metric::CostSnapshots => "cost_snapshots",
            Metric::CostCompute => "cost_compute",
            Metric::CostFixed => "cost_fixed",
            Metric::CostOneTime => "cost_one_time",
            Metric::CostTotal => "cost_total",
            Metric::CostCumulative => "cost_cumulative",
        }
    }

    /// Whether the metric describes a Ceph cluster (left out of reports without one).
    pub fn is_ceph(self) -> bool {
        self.name().starts_with("ceph_")
    }

    /// Column index.
    #[inline]
    pub fn index(self) -> usize {
        self as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_is_in_index_order() {
        for (i, m) in Metric::ALL.iter().enumerate() {
            assert_eq!(m.index(), i, "{}", m.name());
        }
    }
}
