//! From what the captures say to the figures of a scenario, each with its source, and a mark
//! where a capture could not tell and the value is asked of the user.

use super::ceph::{CephFacts, Protection, Ratios};
use super::kube::{ClassFacts, KubeFacts};
use crate::model::ceph as model;
use crate::model::ceph::tree;
use std::collections::BTreeMap;

/// A figure the scenario needs: what it is, where it came from, and whether the user must
/// confirm it (no capture gave it).
#[derive(Debug, Clone, PartialEq)]
pub struct Figure<T> {
    /// The value written.
    pub value: T,
    /// The capture and field, or how it was derived.
    pub source: String,
    /// Whether it is a guess the user must confirm.
    pub ask: bool,
}

impl<T> Figure<T> {
    fn known(value: T, source: impl Into<String>) -> Figure<T> {
        Figure {
            value,
            source: source.into(),
            ask: false,
        }
    }

    fn asked(value: T, source: impl Into<String>) -> Figure<T> {
        Figure {
            value,
            source: source.into(),
            ask: true,
        }
    }
}

/// The cluster as the scenario describes it.
#[derive(Debug, Clone)]
pub struct ClusterPlan {
    /// Its name in the scenario.
    pub name: String,
    /// Hosts.
    pub hosts: Figure<u32>,
    /// OSDs per host (the counted OSDs over the hosts, rounded).
    pub osds_per_host: Figure<u32>,
    /// OSD size, GiB: raw capacity over the OSDs, so that the raw capacity is exact.
    pub osd_size_gib: Figure<f64>,
    /// Raw capacity, GiB (what month 0 must show).
    pub raw_capacity_gib: Figure<f64>,
    /// Raw used, GiB (what month 0 must show).
    pub raw_used_gib: Figure<f64>,
    /// Fullest in OSD's utilisation, where `ceph osd df` was captured.
    pub fullest_util: Option<Figure<f64>>,
    /// Imbalance: fullest OSD over the mean (None: headroom's default rule).
    pub imbalance: Option<Figure<f64>>,
    /// Allocation overhead on stored data.
    pub overhead: Figure<f64>,
    /// Ratios.
    pub ratios: Figure<Ratios>,
    /// Raw use no modelled claim accounts for, GiB.
    pub initial_raw_used_gib: f64,
    /// Pools with their MAX AVAIL and protection, for the month-0 check.
    pub pools: Vec<PoolPlan>,
    /// Whether the OSD capture covers the whole raw capacity (else its fullest OSD and its
    /// weights speak for part of the cluster only).
    pub osds_complete: bool,
    /// The in OSDs one by one with their hosts, where the captures give all of them (`ceph
    /// osd df tree`): the scenario then lists them, and the imbalance is theirs.
    pub osds: Vec<OsdPlan>,
    /// Where the OSD list came from.
    pub osds_source: String,
    /// What the OSDs' shares are, for the list's comment.
    pub shares_by: String,
    /// With listed OSDs in several CRUSH trees (device classes, roots): each tree's part of
    /// `initial_raw_used`, by its name.
    pub initial_by_tree: Vec<(String, f64)>,
}

impl ClusterPlan {
    /// The CRUSH tree pool `pool`'s rule takes (`default~nvme`), where the scenario can say it:
    /// the rules were captured and every listed OSD has its device class.
    pub fn tree_of(&self, pool: &str) -> Option<&str> {
        let classed = !self.osds.is_empty() && self.osds.iter().all(|o| o.class.is_some());
        self.pools
            .iter()
            .find(|p| p.name == pool)
            .and_then(|p| p.tree.as_deref())
            .filter(|_| classed)
    }

    /// The name of the tree the listed OSD `o` is in.
    fn osd_tree(o: &OsdPlan) -> String {
        tree::name(o.root.as_deref(), o.class.as_deref())
    }

    /// The OSDs' tree a pool's rule tree reaches, where it reaches one only.
    fn osd_tree_of(&self, rule_tree: &str) -> Option<String> {
        let mut trees: Vec<String> = self.osds.iter().map(Self::osd_tree).collect();
        trees.sort();
        trees.dedup();
        match tree::reached(&trees, rule_tree)[..] {
            [one] => Some(trees[one].clone()),
            _ => None,
        }
    }
}

/// One in OSD as the scenario lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct OsdPlan {
    /// `osd.N`.
    pub id: i64,
    /// Its host bucket.
    pub host: String,
    /// Size, GiB.
    pub size_gib: f64,
    /// CRUSH weight.
    pub weight: f64,
    /// Raw used, GiB.
    pub used_gib: f64,
    /// Its PG copies over all the in OSDs' (None: `pgs` not captured; by weight).
    pub share: Option<f64>,
    /// Of its raw use, the PG data (None: `kb_used_data` not captured for every OSD).
    pub data_gib: Option<f64>,
    /// Its device class, where the tree gives one.
    pub class: Option<String>,
    /// Its CRUSH root, where the tree was captured.
    pub root: Option<String>,
}

/// A pool as captured.
#[derive(Debug, Clone)]
pub struct PoolPlan {
    /// Its name.
    pub name: String,
    /// Its protection.
    pub protection: Figure<Protection>,
    /// MAX AVAIL as `ceph df` printed it, GiB.
    pub max_avail_gib: Option<Figure<f64>>,
    /// Stored, GiB.
    pub stored_gib: f64,
    /// The CRUSH tree its rule takes (`default`, `default~nvme`), where the rules were captured.
    pub tree: Option<String>,
}

/// A storage class of the scenario.
#[derive(Debug, Clone)]
pub struct ClassPlan {
    /// Its name.
    pub name: String,
    /// What backs it.
    pub backend: Backend,
    /// Where that came from.
    pub source: String,
    /// Whether the user must confirm it.
    pub ask: bool,
}

/// What backs a storage class.
#[derive(Debug, Clone, PartialEq)]
pub enum Backend {
    /// A Ceph pool of the cluster.
    Ceph {
        /// Pool name.
        pool: String,
        /// Its protection (and whether asked).
        protection: Figure<Protection>,
        /// CephFS (frees deleted data) rather than RBD.
        cephfs: bool,
    },
    /// Anything else: a cloud disk, priced per GiB-month (a placeholder of 0 to fill in).
    Cloud {
        /// The provisioner, for the comment.
        provisioner: String,
    },
}

/// A group of claims that becomes one `[[volumes]]` entry.
#[derive(Debug, Clone)]
pub struct VolumePlan {
    /// Its name.
    pub name: String,
    /// The StatefulSet whose template it is, if any.
    pub statefulset: Option<String>,
    /// Namespace.
    pub namespace: String,
    /// Storage class.
    pub storage_class: String,
    /// Provisioned size of each, GiB.
    pub size_gib: f64,
    /// How many.
    pub count: u32,
    /// Estimated used space of each, GiB.
    pub used_gib: Figure<f64>,
    /// Where the size came from (one claim's source).
    pub source: String,
    /// The claims, `namespace/name`.
    pub claims: Vec<String>,
}

/// The whole scenario to write.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The Ceph cluster, if any capture was of one.
    pub cluster: Option<ClusterPlan>,
    /// Storage classes.
    pub classes: Vec<ClassPlan>,
    /// Volume groups.
    pub volumes: Vec<VolumePlan>,
    /// Provisioned total of the claims, GiB.
    pub provisioned_gib: f64,
}

/// Ceph's default ratios (`mon_osd_nearfull_ratio` etc.), for when no OSD map was captured.
const DEFAULT_RATIOS: Ratios = Ratios {
    nearfull: 0.85,
    backfillfull: 0.90,
    full: 0.95,
};

/// headroom's overhead where the captures cannot measure one.
const DEFAULT_OVERHEAD: f64 = 0.05;

/// Raw data below which the pools' allocation says too little of new data's (a few objects'
/// metadata, a half-empty allocation unit), GiB.
const OVERHEAD_MIN_RAW_GIB: f64 = 1.0;

/// BlueStore's allocation overhead as the pools show it: what their objects take on the OSDs
/// (`bytes_used`, every copy or shard as allocated) over stored × rate, less one, over the
/// pools whose protection is known. Objects in whole allocation units give 0; small objects
/// in large units give more. Compression (used below stored × rate) is taken as 0: the model
/// does not let new data shrink. None where the pools hold under [`OVERHEAD_MIN_RAW_GIB`].
fn measured_overhead(ceph: &CephFacts) -> Option<Figure<f64>> {
    let (mut allocated, mut expected, mut source) = (0.0, 0.0, None);
    for p in ceph.pools.values() {
        let (Some(used), Some(stored), Some(protection)) =
            (&p.allocated_gib, &p.stored_gib, &p.protection)
        else {
            continue;
        };
        allocated += used.value;
        expected += stored.value * protection.value.rate();
        source.get_or_insert_with(|| {
            let file = used.source.split(": ").next().unwrap_or_default();
            format!("{file}: pools[].stats.bytes_used")
        });
    }
    if expected < OVERHEAD_MIN_RAW_GIB {
        return None;
    }
    let measured = allocated / expected - 1.0;
    let value = (measured.max(0.0) * 1e4).round() / 1e4;
    Some(Figure::known(
        value,
        format!(
            "{} over stored × rate, less 1, over the pools: {measured:+.4}{}",
            source.unwrap_or_default(),
            if measured < 0.0 {
                " (compressed: new data taken at its full size)"
            } else {
                ""
            }
        ),
    ))
}

/// Builds the plan. `name` names the cluster where Rook's CephCluster was not captured.
pub fn plan(ceph: &CephFacts, kube: &KubeFacts, name: &str) -> Result<Plan, String> {
    let mut cluster = if ceph.is_empty() {
        None
    } else {
        Some(cluster_plan(ceph, name)?)
    };
    let classes = class_plans(ceph, kube, cluster.as_ref());
    let mut volumes = volume_plans(kube);
    let provisioned_gib = kube.claims.values().map(|c| c.size_gib.value).sum();
    if let Some(c) = cluster.as_mut() {
        share_out_stored(c, &classes, &mut volumes);
    }
    Ok(Plan {
        cluster,
        classes,
        volumes,
        provisioned_gib,
    })
}

fn cluster_plan(ceph: &CephFacts, fallback_name: &str) -> Result<ClusterPlan, String> {
    let osds = ceph.counted_osds();
    let osd_source = ceph
        .osds
        .as_ref()
        .map(|o| o.source.clone())
        .unwrap_or_default();
    let sum = |f: fn(&model::Osd) -> f64| -> f64 { osds.iter().map(|o| f(&as_model(o))).sum() };
    // `ceph df` is the better source; `ceph status` stands in where it was not captured.
    let status = ceph.status_raw.as_ref();
    let raw_capacity_gib = match ceph.raw_capacity_gib.as_ref().or(status.map(|s| &s.0)) {
        Some(s) => Figure::known(s.value, s.source.clone()),
        None => Figure::known(
            sum(|o| o.size_gib),
            format!("{osd_source} (sum of the in OSDs)"),
        ),
    };
    if raw_capacity_gib.value <= 0.0 {
        return Err("no capture gives the cluster's raw capacity: add `ceph df -f json` (or `ceph osd df -f json`)".into());
    }
    // A capture of some OSDs only (one host's agent, say) cannot tell the cluster's fullest.
    let osd_coverage = sum(|o| o.size_gib) / raw_capacity_gib.value;
    let osds_complete = !osds.is_empty() && osd_coverage > 0.99;
    let raw_used_gib = match ceph.raw_used_gib.as_ref().or(status.map(|s| &s.1)) {
        Some(s) => Figure::known(s.value, s.source.clone()),
        None => Figure::known(
            sum(|o| o.used_gib),
            format!("{osd_source} (sum of the in OSDs)"),
        ),
    };
    let pools = pool_plans(ceph);
    let widest = pools
        .iter()
        .map(|p| width(p.protection.value))
        .max()
        .unwrap_or(3);
    let hosts = host_count(ceph, &osds, widest);
    let osds_per_host = osds_per_host(ceph, if osds_complete { &osds } else { &[] }, hosts.value);
    let slots = (hosts.value * osds_per_host.value).max(1) as f64;
    let osd_size_gib = Figure {
        value: raw_capacity_gib.value / slots,
        source: format!(
            "raw capacity / ({} hosts × {} OSDs): the mean OSD, so that the raw capacity is exact",
            hosts.value, osds_per_host.value
        ),
        ask: false,
    };
    let ratios = match &ceph.ratios {
        Some(r) => effective_ratios(r),
        None => Figure::asked(
            DEFAULT_RATIOS,
            "Ceph's defaults: no `ceph osd dump` (or Rook CephCluster) was captured",
        ),
    };
    let fullest_util = fullest_util(&osds, &osd_source, osds_complete, osd_coverage);
    let (listed, shares_by) = osd_plans(ceph, &osds, osds_complete);
    let imbalance = measured_imbalance(
        &raw_capacity_gib,
        &raw_used_gib,
        fullest_util.as_ref().filter(|_| osds_complete),
        &pools,
        ratios.value.full,
    );
    // Listed OSDs say how full each is: no single imbalance then.
    let imbalance = imbalance.filter(|_| listed.is_empty());
    let overhead = measured_overhead(ceph).unwrap_or_else(|| {
        Figure::asked(
            DEFAULT_OVERHEAD,
            "headroom's default BlueStore allocation overhead on new data (the pools hold under 1 GiB raw, or ceph df detail was not captured); today's raw used is matched exactly through initial_raw_used",
        )
    });
    Ok(ClusterPlan {
        name: ceph
            .name
            .clone()
            .unwrap_or_else(|| fallback_name.to_string()),
        hosts,
        osds_per_host,
        osd_size_gib,
        raw_capacity_gib,
        raw_used_gib: raw_used_gib.clone(),
        fullest_util,
        imbalance,
        overhead,
        ratios,
        initial_raw_used_gib: raw_used_gib.value,
        pools,
        osds_complete,
        osds: listed,
        osds_source: osd_source,
        shares_by,
        initial_by_tree: Vec::new(),
    })
}

/// The fullest in OSD's utilisation, with a note where the captured OSDs hold only
/// `coverage` of the raw capacity (the cluster's fullest may be elsewhere).
fn fullest_util(
    osds: &[super::ceph::Osd],
    source: &str,
    complete: bool,
    coverage: f64,
) -> Option<Figure<f64>> {
    let fullest = osds
        .iter()
        .map(|o| o.used_gib / o.size_gib)
        .fold(None, |m: Option<f64>, u| Some(m.map_or(u, |m| m.max(u))))?;
    let of = if complete {
        String::new()
    } else {
        format!(
            "; these OSDs hold {:.1}% of the raw capacity, so the cluster's fullest may be elsewhere",
            coverage * 100.0
        )
    };
    Some(Figure::known(
        fullest,
        format!("{source} (the fullest in OSD, kb_used / kb{of})"),
    ))
}

/// The in OSDs with their hosts and shares of new data, when `ceph osd df tree` covers the
/// cluster and names a host for each; else none (the scenario then gives hosts × OSDs × size
/// and an imbalance). With them, what the shares are.
fn osd_plans(
    ceph: &CephFacts,
    osds: &[super::ceph::Osd],
    complete: bool,
) -> (Vec<OsdPlan>, String) {
    let Some(hosts) = &ceph.hosts else {
        return (Vec::new(), String::new());
    };
    if !complete {
        return (Vec::new(), String::new());
    }
    let host_of = |id: i64| {
        hosts
            .value
            .iter()
            .find(|(_, ids)| ids.contains(&id))
            .map(|(name, _)| name.clone())
    };
    let (shares, by) = match pool_shares(ceph) {
        Some((shares, by)) => (Some(shares), by),
        None => {
            let pgs: f64 = osds.iter().filter_map(|o| o.pgs).sum();
            let every_pgs = osds.iter().all(|o| o.pgs.is_some()) && pgs > 0.0;
            let shares = every_pgs.then(|| {
                osds.iter()
                    .map(|o| (o.id, o.pgs.unwrap_or(0.0) / pgs))
                    .collect::<BTreeMap<i64, f64>>()
            });
            let by = if every_pgs {
                "share = its PG copies (pgs) over all the in OSDs', every pool's PG counted alike (no pg ls-by-pool captured)"
            } else {
                "no pgs captured: new data lands by CRUSH weight"
            };
            (shares, by.to_string())
        }
    };
    let every_data = osds.iter().all(|o| o.data_gib.is_some());
    let mut out = Vec::new();
    for o in osds {
        let Some(host) = host_of(o.id) else {
            return (Vec::new(), String::new());
        };
        out.push(OsdPlan {
            id: o.id,
            host,
            size_gib: o.size_gib,
            weight: o.crush_weight,
            used_gib: o.used_gib,
            share: shares
                .as_ref()
                .map(|s| s.get(&o.id).copied().unwrap_or(0.0)),
            data_gib: o.data_gib.filter(|_| every_data),
            class: o.class.clone(),
            root: o.root.clone(),
        });
    }
    (out, by)
}

/// Each OSD's share of new data from the pools' own PGs (`ceph pg ls-by-pool`): a pool's new
/// data lands on its PGs alike, so an OSD takes of it its copies (EC shards) over the pool's;
/// the pools weigh by the raw data they hold (stored × rate), and a pool holding none by a
/// millionth of a GiB a copy, so that a tree of empty pools still places by its PGs. `ceph
/// osd df`'s `pgs` counts every pool's PG alike instead: one PG of an empty
/// `device_health_metrics` then weighs as much as one of the data pool's (a 1-point error on
/// a live EC pool of 32 PGs). None unless every pool's PGs were captured.
fn pool_shares(ceph: &CephFacts) -> Option<(BTreeMap<i64, f64>, String)> {
    if ceph.pgs.is_empty() {
        return None;
    }
    let mut shares: BTreeMap<i64, f64> = BTreeMap::new();
    let mut files: Vec<String> = Vec::new();
    for pool in ceph.pools.values() {
        let copies = ceph.pg_copies(pool.id?)?;
        let total: f64 = copies.value.values().sum();
        if total <= 0.0 {
            continue;
        }
        let pgs = ceph.pgs.get(&pool.id?).map_or(1, |p| p.value.len()) as f64;
        let rate = pool
            .protection
            .as_ref()
            .map_or(total / pgs, |p| p.value.rate());
        let stored = pool.stored_gib.as_ref().map_or(0.0, |s| s.value);
        let weight = stored * rate + 1e-6 * total;
        for (osd, n) in &copies.value {
            *shares.entry(*osd).or_insert(0.0) += weight * n / total;
        }
        let file = copies.source.split(": ").next().unwrap_or_default();
        if !files.iter().any(|f| f == file) {
            files.push(file.to_string());
        }
    }
    let sum: f64 = shares.values().sum();
    if sum <= 0.0 {
        return None;
    }
    shares.values_mut().for_each(|s| *s /= sum);
    Some((
        shares,
        format!(
            "share = each pool's PG copies on it over the pool's ({}: pg_stats[].up), the pools weighed by their raw data (stored × rate)",
            files.join(", ")
        ),
    ))
}

fn as_model(o: &super::ceph::Osd) -> model::Osd {
    model::Osd {
        size_gib: o.size_gib,
        used_gib: o.used_gib,
        weight: o.crush_weight,
    }
}

/// The OSDs as `get_rule_avail` sees them, for the month-0 cross-check.
pub fn rule_osds(ceph: &CephFacts) -> Vec<model::Osd> {
    ceph.counted_osds().iter().map(as_model).collect()
}

/// The OSDs a rule taking `tree` reaches (`default~nvme`: class nvme under root default;
/// `default`: every OSD under it), as `get_rule_avail` sees them.
pub fn tree_osds(ceph: &CephFacts, tree: &str) -> Vec<model::Osd> {
    let (root, class) = match tree.split_once('~') {
        Some((r, c)) => (r, Some(c)),
        None => (tree, None),
    };
    ceph.counted_osds()
        .iter()
        .filter(|o| o.root.as_deref().is_none_or(|r| r == root))
        .filter(|o| class.is_none_or(|c| o.class.as_deref() == Some(c)))
        .map(as_model)
        .collect()
}

fn width(p: Protection) -> u32 {
    match p {
        Protection::Replicated(size) => size,
        Protection::Erasure(k, m) => k + m,
    }
}

fn pool_plans(ceph: &CephFacts) -> Vec<PoolPlan> {
    ceph.pools
        .values()
        .map(|p| PoolPlan {
            name: p.name.clone(),
            protection: match &p.protection {
                Some(s) => Figure::known(s.value, s.source.clone()),
                None => Figure::asked(Protection::Replicated(3), "no `ceph osd dump`, Rook pool or `ceph df detail` rate was captured: size 3 assumed"),
            },
            max_avail_gib: p.max_avail_gib.as_ref().map(|s| Figure::known(s.value, s.source.clone())),
            stored_gib: p.stored_gib.as_ref().map_or(0.0, |s| s.value),
            tree: p.crush_rule.and_then(|r| ceph.rules.get(&r).cloned()),
        })
        .collect()
}

/// The pool whose MAX AVAIL speaks for the cluster: of those `ceph df` gives one for, the one
/// storing most.
pub fn main_pool(pools: &[PoolPlan]) -> Option<&PoolPlan> {
    pools
        .iter()
        .filter(|p| p.max_avail_gib.is_some())
        .max_by(|a, b| a.stored_gib.total_cmp(&b.stored_gib))
}

/// The ratios an OSD acts on (`OSDService::recalc_full_state`): backfillfull raised to at least
/// nearfull, full to at least backfillfull, as Ceph does (warning OSD_OUT_OF_ORDER_FULL). A full
/// ratio above `osd_failsafe_full_ratio` moves Ceph's failsafe up with it; headroom's scenarios
/// stop at the failsafe, so such a ratio is written as 0.97 and marked to confirm.
fn effective_ratios(r: &super::ceph::Sourced<super::ceph::Ratios>) -> Figure<super::ceph::Ratios> {
    use crate::model::ceph::FAILSAFE_FULL_RATIO;
    let given = r.value;
    let nearfull = given.nearfull.min(FAILSAFE_FULL_RATIO);
    let backfillfull = given
        .backfillfull
        .max(given.nearfull)
        .min(FAILSAFE_FULL_RATIO);
    let full = given.full.max(backfillfull).min(FAILSAFE_FULL_RATIO);
    let effective = super::ceph::Ratios {
        nearfull,
        backfillfull,
        full,
    };
    if effective == given {
        return Figure::known(given, r.source.clone());
    }
    Figure::asked(
        effective,
        format!(
            "{}: the map says {}, {}, {}, out of order or above osd_failsafe_full_ratio ({FAILSAFE_FULL_RATIO}); Ceph warns OSD_OUT_OF_ORDER_FULL and raises the later ratios to the earlier; headroom models at most {FAILSAFE_FULL_RATIO}",
            r.source, given.nearfull, given.backfillfull, given.full
        ),
    )
}

fn host_count(ceph: &CephFacts, osds: &[super::ceph::Osd], widest: u32) -> Figure<u32> {
    if let Some(hosts) = &ceph.hosts {
        // A host counts when it holds an OSD that counts (in, with a size) or, without `osd
        // df`, any OSD at all (ids ≥ 0; a bucket's are negative): an empty host bucket stores
        // nothing and is no failure domain of the data.
        let counted = |ids: &Vec<i64>| {
            if osds.is_empty() {
                ids.iter().any(|id| *id >= 0)
            } else {
                ids.iter().any(|id| osds.iter().any(|o| o.id == *id))
            }
        };
        let n = hosts.value.values().filter(|ids| counted(ids)).count() as u32;
        if n > 0 {
            return Figure::known(n, format!("{} (hosts with an in OSD)", hosts.source));
        }
    }
    Figure::asked(
        widest.max(1),
        format!(
            "no tree capture (`ceph osd df tree` or `ceph osd tree`) says which host holds which OSD: {} assumed, the widest pool's width",
            widest.max(1)
        ),
    )
}

fn osds_per_host(ceph: &CephFacts, osds: &[super::ceph::Osd], hosts: u32) -> Figure<u32> {
    let count = if !osds.is_empty() {
        osds.len()
    } else if let Some(n) = &ceph.num_osds {
        n.value as usize
    } else {
        ceph.hosts.as_ref().map_or(0, |h| {
            h.value
                .values()
                .map(|ids| ids.iter().filter(|id| **id >= 0).count())
                .sum::<usize>()
        })
    };
    if count == 0 {
        return Figure::asked(1, "no capture lists the OSDs: 1 per host assumed");
    }
    let per = ((count as f64 / hosts.max(1) as f64).round() as u32).max(1);
    let even = count as u32 == per * hosts;
    Figure {
        value: per,
        source: format!(
            "{count} in OSDs over {hosts} hosts{}",
            if even { "" } else { " (uneven: rounded)" }
        ),
        ask: !even,
    }
}

/// The fullest OSD over the mean, so that month 0's fullest OSD is the captured one; without
/// `ceph osd df`, what the main pool's MAX AVAIL implies: `MAX AVAIL × rate = full × C − (1 +
/// imbalance) × raw used` (DESIGN §2.5).
fn measured_imbalance(
    capacity: &Figure<f64>,
    used: &Figure<f64>,
    fullest: Option<&Figure<f64>>,
    pools: &[PoolPlan],
    full_ratio: f64,
) -> Option<Figure<f64>> {
    if used.value <= 0.0 || capacity.value <= 0.0 {
        return None;
    }
    if let Some(f) = fullest {
        let imbalance = (f.value * capacity.value / used.value - 1.0).max(0.0);
        return Some(Figure::known(
            imbalance,
            "fullest OSD / (raw used / raw capacity) − 1",
        ));
    }
    let main = main_pool(pools)?;
    let avail = main.max_avail_gib.as_ref()?.value * main.protection.value.rate();
    let imbalance = ((full_ratio * capacity.value - avail) / used.value - 1.0).max(0.0);
    Some(Figure::known(
        imbalance,
        format!(
            "from pool {:?}'s MAX AVAIL: (full × raw capacity − MAX AVAIL × rate) / raw used − 1 (no `ceph osd df` captured)",
            main.name
        ),
    ))
}

fn class_plans(
    ceph: &CephFacts,
    kube: &KubeFacts,
    cluster: Option<&ClusterPlan>,
) -> Vec<ClassPlan> {
    let mut names: Vec<String> = kube
        .claims
        .values()
        .map(|c| c.storage_class.clone())
        .collect();
    names.sort();
    names.dedup();
    let mut classes: Vec<ClassPlan> = names
        .into_iter()
        .map(|name| match kube.classes.get(&name) {
            Some(facts) => class_from_facts(&name, facts, ceph, cluster),
            None => class_unknown(&name, cluster),
        })
        .collect();
    // With no class on the cluster its pools' rate would be unknown to the model (1: raw =
    // stored), and `run` would print a MAX AVAIL three times `ceph df`'s: the main pool stands
    // as a class of no volumes.
    let on_cluster = classes
        .iter()
        .any(|c| matches!(c.backend, Backend::Ceph { .. }));
    if let (false, Some(main)) = (on_cluster, cluster.and_then(|c| main_pool(&c.pools))) {
        classes.push(ClassPlan {
            name: crate::names::sanitized(&main.name),
            backend: Backend::Ceph {
                pool: main.name.clone(),
                protection: main.protection.clone(),
                cephfs: false,
            },
            source: format!(
                "no claim names a class on the cluster: pool {:?}, the main pool, so that the pools' rate and MAX AVAIL are its own (no volumes use it)",
                main.name
            ),
            ask: false,
        });
    }
    classes
}

fn protection_of(cluster: Option<&ClusterPlan>, pool: &str) -> Figure<Protection> {
    cluster
        .and_then(|c| c.pools.iter().find(|p| p.name == pool))
        .map(|p| p.protection.clone())
        .unwrap_or_else(|| {
            Figure::asked(
                Protection::Replicated(3),
                format!("pool {pool:?} is in no Ceph capture: size 3 assumed"),
            )
        })
}

fn class_from_facts(
    name: &str,
    facts: &ClassFacts,
    ceph: &CephFacts,
    cluster: Option<&ClusterPlan>,
) -> ClassPlan {
    if !(facts.is_rbd() || facts.is_cephfs()) {
        return ClassPlan {
            name: name.to_string(),
            backend: Backend::Cloud {
                provisioner: facts.provisioner.clone(),
            },
            source: facts.source.clone(),
            ask: true,
        };
    }
    let pool = facts.pool.clone().or_else(|| {
        let fs = facts.fs_name.as_deref()?;
        ceph.pools
            .keys()
            .find(|p| p.starts_with(&format!("{fs}-")) && !p.ends_with("-metadata"))
            .cloned()
    });
    let (pool, ask) = match pool {
        Some(p) => (p, false),
        None => ("unknown".to_string(), true),
    };
    ClassPlan {
        name: name.to_string(),
        backend: Backend::Ceph {
            protection: protection_of(cluster, &pool),
            pool,
            cephfs: facts.is_cephfs(),
        },
        source: facts.source.clone(),
        ask,
    }
}

/// A class no StorageClass capture describes: the cluster's largest data pool where there is a
/// Ceph cluster (to confirm), else a cloud disk to price.
fn class_unknown(name: &str, cluster: Option<&ClusterPlan>) -> ClassPlan {
    let main = cluster.and_then(|c| {
        c.pools
            .iter()
            .filter(|p| !p.name.starts_with('.') && p.name != "device_health_metrics")
            .max_by(|a, b| a.stored_gib.total_cmp(&b.stored_gib))
    });
    let backend = match main {
        Some(p) => Backend::Ceph {
            pool: p.name.clone(),
            protection: p.protection.clone(),
            cephfs: false,
        },
        None => Backend::Cloud {
            provisioner: "unknown".into(),
        },
    };
    ClassPlan {
        name: name.to_string(),
        backend,
        source: "no StorageClass capture: the cluster's largest pool assumed (capture `kubectl get storageclass -o json`)".into(),
        ask: true,
    }
}

/// Claims grouped by StatefulSet template, else by storage class and namespace; split by
/// provisioned size so that count × size sums to the provisioned total exactly.
fn volume_plans(kube: &KubeFacts) -> Vec<VolumePlan> {
    let mut groups: BTreeMap<(String, String, String, u64), VolumePlan> = BTreeMap::new();
    for claim in kube.claims.values() {
        let (base, statefulset) = match kube.template_of(claim) {
            Some((sts, template)) => (template, Some(sts)),
            None => (format!("{}-{}", claim.namespace, claim.storage_class), None),
        };
        let key = (
            base.clone(),
            claim.namespace.clone(),
            statefulset.clone().unwrap_or_default(),
            claim.size_gib.value.to_bits(),
        );
        let entry = groups.entry(key).or_insert_with(|| VolumePlan {
            name: base,
            statefulset,
            namespace: claim.namespace.clone(),
            storage_class: claim.storage_class.clone(),
            size_gib: claim.size_gib.value,
            count: 0,
            used_gib: Figure::asked(0.0, "no capture gives the used space: 0 until `calibrate` reads kubelet_volume_stats_used_bytes"),
            source: claim.size_gib.source.clone(),
            claims: Vec::new(),
        });
        entry.count += 1;
        entry
            .claims
            .push(format!("{}/{}", claim.namespace, claim.name));
    }
    let mut volumes: Vec<VolumePlan> = groups.into_values().collect();
    unique_names(&mut volumes);
    volumes
}

/// Names made unique: a size suffix where one group is split by size, then the namespace or
/// StatefulSet where two groups still clash.
fn unique_names(volumes: &mut [VolumePlan]) {
    // Same template or class name in two StatefulSets or namespaces: prefix the owner.
    let names: Vec<String> = volumes.iter().map(|v| v.name.clone()).collect();
    for v in volumes.iter_mut() {
        let owners = volumes_named(&names, &v.name);
        if owners > 1 && v.statefulset.is_some() {
            v.name = format!(
                "{}-{}",
                v.statefulset.as_deref().unwrap_or(&v.namespace),
                v.name
            );
        }
    }
    // One group split by size: suffix the size.
    let names: Vec<String> = volumes.iter().map(|v| v.name.clone()).collect();
    for v in volumes.iter_mut() {
        if volumes_named(&names, &v.name) > 1 {
            v.name = format!(
                "{}-{}",
                v.name,
                super::write::short_quantity(v.size_gib).to_lowercase()
            );
        }
    }
}

fn volumes_named(names: &[String], name: &str) -> usize {
    names.iter().filter(|n| *n == name).count()
}

/// Shares each pool's stored data out over its claims in proportion to their size (capped at
/// the size), as an estimate to confirm; what no claim takes stays in `initial_raw_used`.
fn share_out_stored(cluster: &mut ClusterPlan, classes: &[ClassPlan], volumes: &mut [VolumePlan]) {
    let overhead = cluster.overhead.value;
    let mut modelled_raw = 0.0;
    // The modelled raw of each pool, to place initial_raw_used on the CRUSH trees.
    let mut by_pool: Vec<(String, f64)> = Vec::new();
    for pool in &cluster.pools {
        let in_pool = |v: &VolumePlan| {
            classes.iter().any(|c| {
                c.name == v.storage_class
                    && matches!(&c.backend, Backend::Ceph { pool: p, .. } if *p == pool.name)
            })
        };
        let provisioned: f64 = volumes
            .iter()
            .filter(|v| in_pool(v))
            .map(|v| v.size_gib * v.count as f64)
            .sum();
        if provisioned <= 0.0 || pool.stored_gib <= 0.0 {
            continue;
        }
        if pool.stored_gib > provisioned {
            // Thin images cannot hold more than their size: the pool has other clients, and
            // which part is these claims' no capture says.
            for v in volumes.iter_mut().filter(|v| in_pool(v)) {
                v.used_gib = Figure::asked(
                    0.0,
                    format!(
                        "unknown: pool {:?} stores {:.1} GiB, more than its claims provision ({provisioned:.1} GiB), so it has other clients; `calibrate` sets it from kubelet_volume_stats_used_bytes",
                        pool.name, pool.stored_gib
                    ),
                );
            }
            continue;
        }
        let share = pool.stored_gib / provisioned;
        for v in volumes.iter_mut().filter(|v| in_pool(v)) {
            v.used_gib = Figure::asked(
                v.size_gib * share,
                format!(
                    "estimate: pool {:?}'s STORED shared out by size ({:.1}% of each claim); `calibrate` replaces it with kubelet_volume_stats_used_bytes",
                    pool.name,
                    share * 100.0
                ),
            );
            let raw =
                v.used_gib.value * v.count as f64 * pool.protection.value.rate() * (1.0 + overhead);
            modelled_raw += raw;
            by_pool.push((pool.name.clone(), raw));
        }
    }
    cluster.initial_raw_used_gib = (cluster.raw_used_gib.value - modelled_raw).max(0.0);
    cluster.initial_by_tree = initial_by_tree(cluster, &by_pool);
}

/// With listed OSDs in several CRUSH trees: each tree's OSDs' use less the modelled pools' raw
/// on it (each pool on the tree its rule reaches). None with one tree.
fn initial_by_tree(cluster: &ClusterPlan, by_pool: &[(String, f64)]) -> Vec<(String, f64)> {
    let mut trees: Vec<String> = cluster.osds.iter().map(ClusterPlan::osd_tree).collect();
    trees.sort();
    trees.dedup();
    if trees.len() < 2 {
        return Vec::new();
    }
    trees
        .into_iter()
        .map(|t| {
            let used: f64 = cluster
                .osds
                .iter()
                .filter(|o| ClusterPlan::osd_tree(o) == t)
                .map(|o| o.used_gib)
                .sum();
            let modelled: f64 = by_pool
                .iter()
                .filter(|(pool, _)| {
                    cluster
                        .tree_of(pool)
                        .and_then(|rt| cluster.osd_tree_of(rt))
                        .is_some_and(|ot| ot == t)
                })
                .map(|(_, raw)| raw)
                .sum();
            (t, (used - modelled).max(0.0))
        })
        .collect()
}
