//! A Rook-Ceph cluster: raw capacity, the three fullness ratios, MAX AVAIL as `ceph df` shows
//! it, what can still be written, failure safety and expansion orders.
//!
//! Ceph judges fullness per OSD, and the fullest OSD bounds every pool that maps to it.
//! `PGMapDigest::get_rule_avail` (ceph/ceph `src/mon/PGMap.cc`) takes, over the OSDs of the
//! pool's CRUSH rule, the minimum of `(size × full_ratio − used) / weight share`; MAX AVAIL is
//! that divided by the pool's raw-used rate ([`rule_avail_gib`]). With n equal OSDs and the
//! fullest one at (1 + imbalance) × the mean, it is `(full_ratio·C − (1 + imbalance)·raw used)
//! / rate` ([`max_avail_gib`]): Ceph assumes new data lands by weight. The fullest OSD in fact
//! keeps its larger share, so [`writable_gib`] projects what can still be written before it
//! reaches full_ratio.
//!
//! Ratio defaults are Ceph's `mon_osd_nearfull_ratio` 0.85, `mon_osd_backfillfull_ratio` 0.90
//! and `mon_osd_full_ratio` 0.95 (ceph/ceph `src/common/options/global.yaml.in`), which Rook
//! exposes as `nearFullRatio`, `backfillFullRatio`, `fullRatio` on the CephCluster CR. Ceph
//! raises `OSD_OUT_OF_ORDER_FULL` (`OSDMap::check_health`) when backfillfull < nearfull,
//! full < backfillfull, or full > `osd_failsafe_full_ratio` (0.97): see [`check_ratios`].

pub(crate) mod cluster;
pub mod crush;
pub mod layout;
pub mod tree;

use super::dist::Dist;
use crush::Rule;
use layout::{Layout, OsdSpec};
use std::sync::{Arc, OnceLock};

/// `osd_failsafe_full_ratio`: the OSD refuses writes above it whatever the map says.
pub const FAILSAFE_FULL_RATIO: f64 = 0.97;

/// Imbalance assumed where a scenario sets none and OSDs do not each hold a copy of every
/// placement group: the upmap balancer (Ceph's default mode) stops at `upmap_max_deviation` = 5
/// PGs from the mean, and with `mon_target_pg_per_osd` = 100 PGs per OSD that is 5% (ceph/ceph
/// `src/common/options/mgr.yaml.in`, `global.yaml.in`).
pub const DEFAULT_IMBALANCE: f64 = 0.05;

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

/// When and how a cluster is expanded.
#[derive(Debug, Clone)]
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
    /// Monthly cost per added OSD (or per added host), drawn once per trial.
    pub monthly_cost: Dist,
    /// One-time cost per added OSD (or host), paid in the landing month, drawn once per trial.
    pub one_time_cost: Dist,
    /// Spread the one-time cost over this many months from landing (0: not amortised).
    pub amortize_months: u32,
    /// Orders that may be outstanding at once.
    pub max_outstanding: u32,
    /// Imbalance once an order has landed (None: the cluster's default rule, or its own
    /// figure when the scenario set one).
    pub imbalance: Option<f64>,
}

impl CephExpansion {
    /// Units (OSDs or hosts) one order adds to a cluster of `hosts` hosts, for pricing.
    pub fn units(&self, hosts: u32) -> u32 {
        match self.add {
            ExpansionAdd::Osds { per_host, .. } => per_host * hosts,
            ExpansionAdd::Hosts(n) => n,
        }
    }

    /// Whether nothing prices an order: no monthly or one-time cost per unit, no OSD price,
    /// and (for added hosts) no host price either. Orders placed then make capacity grow at
    /// no cost.
    pub fn unpriced(&self, host_monthly_cost: f64, osd_monthly_cost: &Dist) -> bool {
        let hosts_priced = matches!(self.add, ExpansionAdd::Hosts(_)) && host_monthly_cost > 0.0;
        self.monthly_cost.upper_bound() <= 0.0
            && self.one_time_cost.upper_bound() <= 0.0
            && osd_monthly_cost.upper_bound() <= 0.0
            && !hosts_priced
    }

    /// OSDs one order adds to a cluster of `hosts` hosts of `osds_per_host` OSDs.
    pub fn osds_added(&self, hosts: u32, osds_per_host: u32) -> u32 {
        match self.add {
            ExpansionAdd::Osds { per_host, .. } => per_host * hosts,
            ExpansionAdd::Hosts(n) => n * osds_per_host,
        }
    }
}

/// A Ceph cluster (`[ceph.<name>]`).
#[derive(Debug, Clone)]
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
    /// How much fuller the fullest OSD is than the average (0.10 = 10%), as built.
    pub imbalance: f64,
    /// Whether the scenario set the imbalance (else [`default_imbalance`] applies, and is
    /// applied again when an expansion changes the layout).
    pub imbalance_set: bool,
    /// `nearFullRatio`.
    pub nearfull_ratio: f64,
    /// `backfillFullRatio`.
    pub backfillfull_ratio: f64,
    /// `fullRatio`.
    pub full_ratio: f64,
    /// Monthly cost per host.
    pub host_monthly_cost: f64,
    /// Monthly cost per OSD, existing and added, drawn once per trial: where each OSD is a
    /// rented disk (a Contabo storage extension, seed 003: "~€1-5/month per extension").
    pub osd_monthly_cost: Dist,
    /// Raw data already present that no modelled volume accounts for, GiB.
    pub initial_raw_used_gib: f64,
    /// Expansion policy, if any.
    pub expansion: Option<CephExpansion>,
    /// The Rook CephCluster's name, where it differs from the scenario's name for the cluster.
    pub rook: Option<String>,
    /// The OSDs one by one, where the scenario lists them (an ingested cluster); empty: `hosts`
    /// equal hosts of `osds_per_host` OSDs of `osd_size_gib`, the fullest at `imbalance`.
    pub osds: Vec<OsdSpec>,
    /// The sets of OSDs the pools' rules reach (one, unless the OSDs are of several device
    /// classes or under several roots): each fills, and is judged, on its own.
    pub domains: Vec<Domain>,
    /// The domain an expansion adds its OSDs or hosts to.
    pub expansion_domain: usize,
    /// The layouts of each domain after 0, 1, 2 … landed orders, built once when a trial first
    /// needs them.
    pub stages: Stages,
}

/// The OSDs a pool's CRUSH rule reaches: a root, and a device class where the rule takes one
/// (`step take default class nvme`, which Ceph runs on its shadow tree `default~nvme`). Pools
/// of different domains share no OSD, so each domain has its own fullest OSD, MAX AVAIL and
/// full flag; the cluster's figures are the worst (utilisation) or the sum (capacities).
#[derive(Debug, Clone, PartialEq)]
pub struct Domain {
    /// As Ceph names the tree: `default`, or `default~nvme`.
    pub name: String,
    /// The rule of its widest pool, which decides where a lost OSD's data goes.
    pub rule: Rule,
    /// Raw use on its OSDs that no modelled volume accounts for, GiB.
    pub initial_raw_used_gib: f64,
    /// Of that, the pool data CRUSH places (moved with a lost OSD, spread by share): all of it
    /// for a hand-written cluster; for listed OSDs, Σ `data` − the modelled pools' raw (0
    /// where the list gives no `data`: what the volumes do not explain then stays on its OSD).
    pub resident_raw_gib: f64,
}

impl Domain {
    /// The one domain of a cluster whose pools all reach every OSD.
    pub fn whole(rule: Rule, initial_raw_used_gib: f64, resident_raw_gib: f64) -> Domain {
        Domain {
            name: "default".into(),
            rule,
            initial_raw_used_gib,
            resident_raw_gib,
        }
    }
}

/// Where recovery from a loss would stall, as the fullest OSD's utilisation.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct StallPoints {
    /// Losing one OSD (the worst one).
    pub osd: Option<f64>,
    /// Losing one host (the worst one).
    pub host: Option<f64>,
    /// The listed OSD whose loss stalls first.
    pub first_osd: Option<i64>,
}

/// The layouts of a cluster's domains after each number of landed orders, shared by every trial
/// (and by the variants cloned from one model, which change triggers, never the layout's
/// inputs).
#[derive(Debug, Clone)]
pub struct Stages {
    per_domain: usize,
    layouts: Arc<Vec<OnceLock<Layout>>>,
}

impl Default for Stages {
    fn default() -> Stages {
        Stages::new(1, 1)
    }
}

impl Stages {
    /// Room for `count` stages (0 … count − 1 landed orders) of `domains` domains.
    pub fn new(domains: usize, count: usize) -> Stages {
        let per_domain = count.max(1);
        Stages {
            per_domain,
            layouts: Arc::new(
                (0..per_domain * domains.max(1))
                    .map(|_| OnceLock::new())
                    .collect(),
            ),
        }
    }
}

impl CephCluster {
    /// Domain `domain`'s layout once `landed` orders have landed (built the first time it is
    /// asked for). Orders add to the expansion's domain only.
    pub fn layout(&self, domain: usize, landed: u32) -> &Layout {
        let stages = &self.stages;
        let k = if domain == self.expansion_domain {
            (landed as usize).min(stages.per_domain - 1)
        } else {
            0
        };
        stages.layouts[domain * stages.per_domain + k]
            .get_or_init(|| self.build_layout(domain, k as u32))
    }

    /// The fullest-OSD utilisation from which losing one OSD, and one host, would stall
    /// recovery once `landed` orders have landed (None: that loss cannot re-replicate at all,
    /// there being no spare failure domain); and the OSD (its `osd.N` where the scenario lists
    /// the OSDs) whose loss comes first. With several domains, the first to stall: each
    /// domain's own fullest OSD at its limit.
    pub fn stall_points(&self, landed: u32) -> StallPoints {
        let mut points = StallPoints::default();
        for d in 0..self.domains.len() {
            let layout = self.layout(d, landed);
            let util_at = |limit: f64| layout.util(limit.max(0.0));
            if let Some(l) = layout.osd_loss {
                let u = util_at(l.limit);
                if points.osd.is_none_or(|p| u < p) {
                    points.osd = Some(u);
                    points.first_osd = (landed == 0 || d != self.expansion_domain)
                        .then(|| layout.osd_id(l.which))
                        .flatten();
                }
            }
            if let Some(l) = layout.host_loss {
                let u = util_at(l.limit);
                points.host = Some(points.host.map_or(u, |p| p.min(u)));
            }
        }
        points
    }

    /// Hosts, and the sizes of one host's OSDs, after `landed` orders (every host alike).
    pub fn shape_after(&self, landed: u32) -> (u32, Vec<f64>) {
        let mut hosts = self.hosts;
        let mut sizes = vec![self.osd_size_gib; self.osds_per_host as usize];
        if let Some(e) = &self.expansion {
            for _ in 0..landed {
                match e.add {
                    ExpansionAdd::Osds {
                        per_host,
                        osd_size_gib,
                    } => sizes.extend((0..per_host).map(|_| osd_size_gib)),
                    ExpansionAdd::Hosts(n) => hosts += n,
                }
            }
        }
        (hosts, sizes)
    }

    fn build_layout(&self, domain: usize, landed: u32) -> Layout {
        let rule = self.domains[domain].rule;
        if !self.osds.is_empty() {
            return layout::listed(self, domain, landed, self.backfillfull_ratio);
        }
        let (hosts, sizes) = self.shape_after(landed);
        let per_host = sizes.len() as u32;
        let imbalance = if landed == 0 {
            self.imbalance
        } else {
            self.imbalance_after(hosts, per_host, rule.width())
        };
        if sizes.iter().all(|&s| s == sizes[0]) {
            layout::uniform(
                hosts,
                per_host,
                sizes[0],
                imbalance,
                rule,
                self.backfillfull_ratio,
            )
        } else {
            layout::mixed(hosts, &sizes, imbalance, rule, self.backfillfull_ratio)
        }
    }

    /// The imbalance after an expansion leaves `osds_per_host` OSDs on `hosts` hosts under a
    /// pool `widest` hosts wide.
    pub fn imbalance_after(&self, hosts: u32, osds_per_host: u32, widest: u32) -> f64 {
        match self.expansion.as_ref().and_then(|e| e.imbalance) {
            Some(i) => i,
            None if self.imbalance_set => self.imbalance,
            None => default_imbalance(hosts, osds_per_host, widest),
        }
    }
}

/// The imbalance to assume when a scenario sets none: 0 where every OSD holds a copy of every
/// placement group (one OSD per host, as many hosts as the widest pool is wide: CRUSH must put
/// one replica on each), else [`DEFAULT_IMBALANCE`].
pub fn default_imbalance(hosts: u32, osds_per_host: u32, widest: u32) -> f64 {
    if osds_per_host == 1 && hosts <= widest.max(1) {
        0.0
    } else {
        DEFAULT_IMBALANCE
    }
}

/// Checks the ratios as Ceph does (`OSDMap::check_health`, `OSD_OUT_OF_ORDER_FULL`):
/// 0 < nearfull ≤ backfillfull ≤ full ≤ [`FAILSAFE_FULL_RATIO`]. Equal neighbours are legal.
pub fn check_ratios(nearfull: f64, backfillfull: f64, full: f64) -> Result<(), String> {
    let ordered = nearfull > 0.0
        && nearfull <= backfillfull
        && backfillfull <= full
        && full <= FAILSAFE_FULL_RATIO;
    if ordered {
        Ok(())
    } else {
        Err(format!(
            "ratios must satisfy 0 < nearfull ≤ backfillfull ≤ full ≤ {FAILSAFE_FULL_RATIO} (osd_failsafe_full_ratio) (got {nearfull}, {backfillfull}, {full}); Ceph raises OSD_OUT_OF_ORDER_FULL otherwise"
        ))
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

/// One OSD as `get_rule_avail` sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Osd {
    /// Size (`kb` of `ceph osd df`), GiB.
    pub size_gib: f64,
    /// Raw used, BlueStore included (`kb_used`), GiB.
    pub used_gib: f64,
    /// CRUSH weight under the pool's rule (its share is weight / Σ weights).
    pub weight: f64,
}

/// `PGMapDigest::get_rule_avail`: over the rule's OSDs (those with no size or no weight are
/// left out, as Ceph does), the minimum of `max(0, size × full_ratio − used) / share`, where
/// share is the OSD's part of the rule's total weight. Raw GiB; divide by the pool's rate for
/// MAX AVAIL. 0 when no OSD counts.
pub fn rule_avail_gib(osds: &[Osd], full_ratio: f64) -> f64 {
    let total: f64 = osds
        .iter()
        .filter(|o| o.size_gib > 0.0 && o.weight > 0.0)
        .map(|o| o.weight)
        .sum();
    if total <= 0.0 {
        return 0.0;
    }
    osds.iter()
        .filter(|o| o.size_gib > 0.0 && o.weight > 0.0)
        .map(|o| (o.size_gib * full_ratio - o.used_gib).max(0.0) / (o.weight / total))
        .fold(f64::INFINITY, f64::min)
}

/// `ceph df` MAX AVAIL of a pool of raw-used rate `rate` on n equal OSDs whose fullest is at
/// (1 + imbalance) × the mean: `(full_ratio × C − (1 + imbalance) × raw used) / rate`, floored
/// at 0 ([`rule_avail_gib`] with equal weights).
#[inline]
pub fn max_avail_gib(
    raw_capacity: f64,
    raw_used: f64,
    full_ratio: f64,
    imbalance: f64,
    rate: f64,
) -> f64 {
    ((full_ratio * raw_capacity - (1.0 + imbalance) * raw_used) / rate).max(0.0)
}

/// What can still be written before the fullest OSD reaches `full_ratio` if it keeps its
/// larger share of new data: `(full_ratio × C / (1 + imbalance) − raw used) / (rate × (1 +
/// overhead))`, floored at 0. Equal to usable − stored when every raw byte comes from modelled
/// pools.
#[inline]
pub fn writable_gib(
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

/// Whether losing the largest host (capacity `largest_host` of `raw_capacity`) still lets
/// recovery finish: after re-replication onto the other hosts the fullest OSD must stay under
/// `backfillfull_ratio`, above which OSDs refuse backfill (`backfill_toofull`) and recovery
/// never completes: `raw used / (C − H) × (1 + imbalance) ≤ backfillfull` (Ceph's state is
/// strict, `ratio > backfillfull_ratio`: an OSD exactly at it still backfills). Only meaningful when
/// there are more hosts than the widest pool needs; otherwise the data cannot re-replicate and
/// the cluster runs degraded after a loss (see [`can_rereplicate`]).
#[inline]
pub fn host_failure_safe(
    raw_used: f64,
    raw_capacity: f64,
    largest_host: f64,
    imbalance: f64,
    backfillfull_ratio: f64,
) -> bool {
    let left = raw_capacity - largest_host;
    left > 0.0 && raw_used / left * (1.0 + imbalance) <= backfillfull_ratio
}

/// Whether losing one OSD lets recovery finish when a host has `osds_per_host` ≥ 2 OSDs under
/// a host failure domain: CRUSH keeps choosing the same host (its weight is unchanged while
/// the OSD is out) and places the lost OSD's data on the host's other OSDs, so the fullest of
/// them reaches `util × n / (n − 1)`, which must not pass `backfillfull_ratio`. With two
/// OSDs per host that doubles the fill: above 45% at 0.90 one OSD failure stalls.
#[inline]
pub fn osd_failure_safe(fullest_util: f64, osds_per_host: u32, backfillfull_ratio: f64) -> bool {
    if osds_per_host < 2 {
        return false;
    }
    let n = osds_per_host as f64;
    fullest_util * n / (n - 1.0) <= backfillfull_ratio
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
        let raw = 450.0;
        assert_eq!(replicated_rate(3), 3.0);
        let u = usable_gib(raw, 0.95, 0.0, replicated_rate(3), 0.05);
        assert!(close(u, 135.714_285_714, 1e-6), "{u}");
        assert!((135.0..=140.0).contains(&u));
    }

    /// Seed 003: 10 OSDs × 150 GiB: 1,500 raw, 500 usable, "~450–475" realistic.
    #[test]
    fn contabo_ten_osds() {
        // 1500 × 0.95 / (3 × 1.05) = 452.38.
        let u = usable_gib(1500.0, 0.95, 0.0, 3.0, 0.05);
        assert!(close(u, 452.380_952_381, 1e-6), "{u}");
        assert!((450.0..=475.0).contains(&u), "{u}");
    }

    /// What an order brings: one 500 GiB OSD more on each of 4 hosts is 2 × 4 × 500 = 4000 GiB
    /// with two per host; two hosts like the others (3000 GiB each) are 6000. Units priced:
    /// 8 OSDs, 2 hosts.
    #[test]
    fn what_an_expansion_adds() {
        let osds = ExpansionAdd::Osds {
            per_host: 2,
            osd_size_gib: 500.0,
        };
        assert_eq!(osds.raw_capacity(4, 3000.0), 4000.0);
        assert_eq!(ExpansionAdd::Hosts(2).raw_capacity(4, 3000.0), 6000.0);
        let e = CephExpansion {
            trigger: 0.7,
            projected: false,
            lead_time_months: 1,
            add: osds,
            monthly_cost: Dist::Fixed(0.0),
            one_time_cost: Dist::Fixed(0.0),
            amortize_months: 0,
            max_outstanding: 1,
            imbalance: None,
        };
        assert_eq!(e.units(4), 8);
        assert_eq!(e.osds_added(4, 3), 8);
        let hosts = CephExpansion {
            add: ExpansionAdd::Hosts(2),
            ..e
        };
        assert_eq!(hosts.units(4), 2);
        assert_eq!(hosts.osds_added(4, 3), 6);
    }

    #[test]
    fn erasure_rates_match_rook_table() {
        // rook/rook ceph-block-pool-crd.md: 2+1 → 1.5x, 2+2 → 2x, 4+2 → 1.5x, 16+4 → 1.25x.
        assert_eq!(erasure_rate(2, 1), 1.5);
        assert_eq!(erasure_rate(2, 2), 2.0);
        assert_eq!(erasure_rate(4, 2), 1.5);
        assert_eq!(erasure_rate(16, 4), 1.25);
    }

    /// A worked example of get_rule_avail with unequal weights, by hand. OSDs of 1000, 1000 and
    /// 2000 GiB (weights 1, 1, 2: shares ¼, ¼, ½), 400, 600 and 800 GiB used, full_ratio 0.95:
    /// (950 − 400)/¼ = 2200, (950 − 600)/¼ = 1400, (1900 − 800)/½ = 2200; the minimum is 1400
    /// raw GiB: MAX AVAIL 466.67 GiB at size 3. An OSD out (weight 0, size 0) does not count.
    #[test]
    fn rule_avail_with_unequal_weights() {
        let osds = [
            Osd {
                size_gib: 1000.0,
                used_gib: 400.0,
                weight: 1.0,
            },
            Osd {
                size_gib: 1000.0,
                used_gib: 600.0,
                weight: 1.0,
            },
            Osd {
                size_gib: 2000.0,
                used_gib: 800.0,
                weight: 2.0,
            },
            Osd {
                size_gib: 0.0,
                used_gib: 0.0,
                weight: 0.0,
            },
        ];
        let raw = rule_avail_gib(&osds, 0.95);
        assert!(close(raw, 1400.0, 1e-9), "{raw}");
        assert!(close(raw / replicated_rate(3), 466.666_666_667, 1e-6));
        // An OSD past full counts as 0 available, and bounds the rule at 0.
        let mut full = osds;
        full[0].used_gib = 990.0;
        assert_eq!(rule_avail_gib(&full, 0.95), 0.0);
    }

    /// With n equal OSDs and the fullest at (1 + imbalance) × the mean, get_rule_avail is
    /// full_ratio·C − (1 + imbalance)·raw used.
    #[test]
    fn max_avail_is_rule_avail_of_equal_osds() {
        let (n, size, raw_used, imb, fr) = (6, 500.0, 1200.0, 0.1, 0.95);
        let mean = raw_used / n as f64;
        let mut osds: Vec<Osd> = (0..n)
            .map(|_| Osd {
                size_gib: size,
                used_gib: mean,
                weight: 1.0,
            })
            .collect();
        osds[0].used_gib = mean * (1.0 + imb);
        let by_rule = rule_avail_gib(&osds, fr) / 3.0;
        let closed = max_avail_gib(n as f64 * size, raw_used, fr, imb, 3.0);
        assert!(close(by_rule, closed, 1e-9), "{by_rule} vs {closed}");
        // (0.95 × 3000 − 1.1 × 1200) / 3 = 510; writable keeps the fullest OSD's share:
        // (2850 / 1.1 − 1200) / (3 × 1.05) = 441.56.
        assert!(close(closed, 510.0, 1e-9));
        let w = writable_gib(3000.0, 1200.0, fr, imb, 3.0, 0.05);
        assert!(close(w, 441.558_441_558, 1e-6), "{w}");
        assert_eq!(max_avail_gib(3000.0, 1e9, fr, imb, 3.0), 0.0);
    }

    #[test]
    fn writable_is_usable_minus_stored() {
        let (raw, fr, imb, rate, oh) = (3000.0, 0.95, 0.1, 3.0, 0.05);
        let stored = 200.0;
        let raw_used = stored * rate * (1.0 + oh);
        let w = writable_gib(raw, raw_used, fr, imb, rate, oh);
        assert!(close(w, usable_gib(raw, fr, imb, rate, oh) - stored, 1e-9));
    }

    /// Host loss, either side of backfillfull: 4 hosts × 250 GiB; losing one leaves 750.
    /// 610 × 1.1 / 750 = 0.8947 < 0.90 recovers; 620 × 1.1 / 750 = 0.9093 stalls, although it
    /// is still under full_ratio 0.95 (the old, wrong test).
    #[test]
    fn host_loss_is_bounded_by_backfillfull() {
        assert!(host_failure_safe(610.0, 1000.0, 250.0, 0.1, 0.90));
        assert!(!host_failure_safe(620.0, 1000.0, 250.0, 0.1, 0.90));
        // Judged against full_ratio, as before, it would have passed.
        assert!(host_failure_safe(620.0, 1000.0, 250.0, 0.1, 0.95));
        assert!(!can_rereplicate(3, 3));
        assert!(can_rereplicate(4, 3));
    }

    /// OSD loss with two OSDs per host (Contabo after its first expansion): the other OSD of
    /// the host takes the data, doubling its fill: 44% recovers, 46% stalls at 0.90. With four
    /// OSDs per host the fill grows by 4/3: 67% recovers, 68% stalls.
    #[test]
    fn osd_loss_doubles_the_fill_with_two_osds_per_host() {
        assert!(osd_failure_safe(0.44, 2, 0.90));
        assert!(!osd_failure_safe(0.46, 2, 0.90));
        assert!(osd_failure_safe(0.67, 4, 0.90));
        assert!(!osd_failure_safe(0.68, 4, 0.90));
        assert!(!osd_failure_safe(0.10, 1, 0.90));
    }

    /// Ceph's rule: equal neighbours are legal; full above 0.97 is not.
    #[test]
    fn ratio_rule_edges() {
        assert!(check_ratios(0.85, 0.90, 0.95).is_ok());
        assert!(check_ratios(0.90, 0.90, 0.90).is_ok());
        assert!(check_ratios(0.85, 0.95, 0.97).is_ok());
        assert!(check_ratios(0.85, 0.95, 0.971).is_err());
        assert!(check_ratios(0.92, 0.90, 0.95).is_err());
        assert!(check_ratios(0.85, 0.96, 0.95).is_err());
        assert!(check_ratios(0.0, 0.90, 0.95).is_err());
    }

    #[test]
    fn imbalance_defaults() {
        assert_eq!(default_imbalance(3, 1, 3), 0.0);
        assert_eq!(default_imbalance(3, 2, 3), DEFAULT_IMBALANCE);
        assert_eq!(default_imbalance(5, 1, 3), DEFAULT_IMBALANCE);
    }
}
