//! A Rook-Ceph cluster: raw capacity, the three fullness ratios, MAX AVAIL, host-failure
//! safety and expansion orders.
//!
//! Ceph judges fullness per OSD, and the fullest OSD bounds every pool that maps to it:
//! `PGMap::get_rule_stats` takes the minimum over the rule's OSDs of
//! `(available − total × (1 − full_ratio)) / weight`, and `get_pool_free_space` divides that by
//! the pool's raw-used rate (ceph/ceph `src/mon/PGMap.cc`). With uniform CRUSH weights that is
//! what [`usable_gib`] and [`max_avail_gib`] compute, with the imbalance standing in for the
//! spread between the average and the fullest OSD.
//!
//! Ratio defaults are Ceph's `mon_osd_nearfull_ratio` 0.85, `mon_osd_backfillfull_ratio` 0.90
//! and `mon_osd_full_ratio` 0.95 (ceph/ceph `src/common/options/global.yaml.in`), which Rook
//! exposes as `nearFullRatio`, `backfillFullRatio`, `fullRatio` on the CephCluster CR.

/// What one expansion order adds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ExpansionAdd {
    /// `osds_per_host` more OSDs of `osd_size_gib` on every host.
    Osds {
        /// OSDs added to each host.
        per_host: u32,
        /// Size of each added OSD, GiB.
        osd_size_gib: f64,
    },
    /// More hosts, each like the existing ones.
    Hosts(u32),
}

/// When and how a cluster is expanded.
#[derive(Debug, Clone, PartialEq)]
pub struct CephExpansion {
    /// Fullest-OSD utilisation at which an order is placed.
    pub trigger: f64,
    /// Also order when the fill, extrapolated linearly over the lead time, would pass
    /// nearfull: the earlier of the two fires.
    pub projected: bool,
    /// Months between placing an order and the capacity being usable.
    pub lead_time_months: u32,
    /// What an order adds.
    pub add: ExpansionAdd,
    /// Monthly cost per added OSD (or per added host).
    pub monthly_cost: f64,
    /// One-time cost per added OSD (or host), paid in the landing month.
    pub one_time_cost: f64,
    /// Spread the one-time cost over this many months from landing (0: not amortised).
    pub amortize_months: u32,
    /// Orders that may be outstanding at once.
    pub max_outstanding: u32,
}

impl ExpansionAdd {
    /// Raw capacity one order adds to a cluster of `hosts` hosts of `host_capacity` GiB each.
    pub fn raw_capacity(&self, hosts: u32, host_capacity: f64) -> f64 {
        match *self {
            ExpansionAdd::Osds {
                per_host,
                osd_size_gib,
            } => hosts as f64 * per_host as f64 * osd_size_gib,
            ExpansionAdd::Hosts(n) => n as f64 * host_capacity,
        }
    }
}

impl CephExpansion {
    /// Units (OSDs or hosts) one order adds to a cluster of `hosts` hosts, for pricing.
    pub fn units(&self, hosts: u32) -> u32 {
        match self.add {
            ExpansionAdd::Osds { per_host, .. } => per_host * hosts,
            ExpansionAdd::Hosts(n) => n,
        }
    }
}

/// A Ceph cluster (`[ceph.<name>]`).
#[derive(Debug, Clone, PartialEq)]
pub struct CephCluster {
    /// Its name in the scenario.
    pub name: String,
    /// Hosts (the failure domain).
    pub hosts: u32,
    /// OSDs on each host.
    pub osds_per_host: u32,
    /// Size of each OSD, GiB.
    pub osd_size_gib: f64,
    /// BlueStore allocation and metadata overhead on top of the protection rate (0.05 = 5%).
    pub overhead: f64,
    /// How much fuller the fullest OSD is than the average (0.10 = 10%).
    pub imbalance: f64,
    /// `nearFullRatio`.
    pub nearfull_ratio: f64,
    /// `backfillFullRatio`.
    pub backfillfull_ratio: f64,
    /// `fullRatio`.
    pub full_ratio: f64,
    /// Monthly cost per host.
    pub host_monthly_cost: f64,
    /// Raw data already present that no modelled volume accounts for, GiB.
    pub initial_raw_used_gib: f64,
    /// Expansion policy, if any.
    pub expansion: Option<CephExpansion>,
}

impl CephCluster {
    /// Raw capacity of the cluster as built, GiB.
    pub fn initial_raw_capacity_gib(&self) -> f64 {
        self.hosts as f64 * self.osds_per_host as f64 * self.osd_size_gib
    }
}

/// Utilisation of the fullest OSD: `(raw used / raw capacity) × (1 + imbalance)`.
#[inline]
pub fn fullest_osd_util(raw_used: f64, raw_capacity: f64, imbalance: f64) -> f64 {
    if raw_capacity <= 0.0 {
        return f64::INFINITY;
    }
    raw_used / raw_capacity * (1.0 + imbalance)
}

/// What the pools can store before the fullest OSD reaches `full_ratio`:
/// `raw capacity × full_ratio / ((1 + imbalance) × rate × (1 + overhead))`.
#[inline]
pub fn usable_gib(
    raw_capacity: f64,
    full_ratio: f64,
    imbalance: f64,
    rate: f64,
    overhead: f64,
) -> f64 {
    raw_capacity * full_ratio / ((1.0 + imbalance) * rate * (1.0 + overhead))
}

/// `ceph df` MAX AVAIL: what can still be stored before the fullest OSD reaches full_ratio,
/// `(raw capacity × full_ratio / (1 + imbalance) − raw used) / (rate × (1 + overhead))`,
/// floored at 0. Equal to usable − stored when every raw byte comes from modelled pools.
#[inline]
pub fn max_avail_gib(
    raw_capacity: f64,
    raw_used: f64,
    full_ratio: f64,
    imbalance: f64,
    rate: f64,
    overhead: f64,
) -> f64 {
    ((raw_capacity * full_ratio / (1.0 + imbalance) - raw_used) / (rate * (1.0 + overhead)))
        .max(0.0)
}

/// Whether losing the largest host (capacity `largest_host` of `raw_capacity`) still leaves
/// the fullest OSD under `full_ratio` after re-replication:
/// `raw used / (C − H) × (1 + imbalance) < full_ratio`. Only meaningful when there are more
/// hosts than the widest pool needs; otherwise the data cannot re-replicate and the cluster
/// runs degraded after a loss (see [`can_rereplicate`]).
#[inline]
pub fn host_failure_safe(
    raw_used: f64,
    raw_capacity: f64,
    largest_host: f64,
    imbalance: f64,
    full_ratio: f64,
) -> bool {
    let left = raw_capacity - largest_host;
    left > 0.0 && raw_used / left * (1.0 + imbalance) < full_ratio
}

/// Whether the cluster has a spare failure domain to re-replicate into after losing one host.
#[inline]
pub fn can_rereplicate(hosts: u32, widest_pool: u32) -> bool {
    hosts > widest_pool
}

/// Raw bytes per stored byte of a replicated pool.
pub fn replicated_rate(size: u32) -> f64 {
    size as f64
}

/// Raw bytes per stored byte of an erasure-coded pool: (k + m) / k.
pub fn erasure_rate(k: u32, m: u32) -> f64 {
    (k + m) as f64 / k as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    /// Seed 003 (Ceph on Contabo): 3 hosts × 150 GiB, size 3: 450 raw, 150 usable before
    /// ratios, "~135–140 GiB realistic"; with full_ratio 0.95 and 5% overhead
    /// 450 × 0.95 / (3 × 1.05) = 135.71 GiB (DESIGN §2.5).
    #[test]
    fn contabo_three_by_150_usable() {
        let raw = 3.0 * 150.0;
        assert_eq!(raw, 450.0);
        assert!(close(raw / replicated_rate(3), 150.0, 1e-12));
        let u = usable_gib(raw, 0.95, 0.0, replicated_rate(3), 0.05);
        assert!(close(u, 135.714_285_714, 1e-6), "{u}");
        assert!((135.0..=140.0).contains(&u));
    }

    /// Seed 003: 10 OSDs × 150 GiB: 1,500 raw, 500 usable, "~450–475" realistic.
    #[test]
    fn contabo_ten_osds() {
        let raw = 10.0 * 150.0;
        assert!(close(raw / 3.0, 500.0, 1e-12));
        let u = usable_gib(raw, 0.95, 0.0, 3.0, 0.05);
        assert!((450.0..=475.0).contains(&u), "{u}");
    }

    #[test]
    fn erasure_rates_match_rook_table() {
        // rook/rook ceph-block-pool-crd.md: 2+1 → 1.5x, 2+2 → 2x, 4+2 → 1.5x, 16+4 → 1.25x.
        assert_eq!(erasure_rate(2, 1), 1.5);
        assert_eq!(erasure_rate(2, 2), 2.0);
        assert_eq!(erasure_rate(4, 2), 1.5);
        assert_eq!(erasure_rate(16, 4), 1.25);
    }

    #[test]
    fn max_avail_is_usable_minus_stored() {
        let (raw, fr, imb, rate, oh) = (3000.0, 0.95, 0.1, 3.0, 0.05);
        let stored = 200.0;
        let raw_used = stored * rate * (1.0 + oh);
        let ma = max_avail_gib(raw, raw_used, fr, imb, rate, oh);
        assert!(close(ma, usable_gib(raw, fr, imb, rate, oh) - stored, 1e-9));
        assert_eq!(max_avail_gib(raw, 1e9, fr, imb, rate, oh), 0.0);
    }

    #[test]
    fn fullest_osd_and_host_failure() {
        assert!(close(fullest_osd_util(300.0, 1000.0, 0.1), 0.33, 1e-12));
        // 4 hosts × 250: losing one leaves 750; 600 used × 1.1 / 750 = 0.88 < 0.95.
        assert!(host_failure_safe(600.0, 1000.0, 250.0, 0.1, 0.95));
        assert!(!host_failure_safe(700.0, 1000.0, 250.0, 0.1, 0.95));
        assert!(!can_rereplicate(3, 3));
        assert!(can_rereplicate(4, 3));
    }
}
