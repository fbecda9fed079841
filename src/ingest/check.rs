//! Month 0 of the written scenario against the captures: the figures an operator sees today
//! (`ceph df`'s raw capacity, raw used and each pool's MAX AVAIL, `ceph osd df`'s fullest OSD,
//! the claims' provisioned total) next to what the simulation starts from.

use super::ceph::CephFacts;
use super::plan::{Plan, main_pool, rule_osds, tree_osds};
use crate::engine;
use crate::model::metrics::Metric;
use crate::model::{Model, ceph as model};

/// One figure: what the capture says, what month 0 shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// What it is.
    pub figure: String,
    /// The capture's value.
    pub captured: f64,
    /// Month 0's value.
    pub month0: f64,
    /// Where the captured value came from.
    pub source: String,
}

impl Row {
    /// Relative difference (0 where both are 0).
    pub fn relative_error(&self) -> f64 {
        let scale = self.captured.abs().max(self.month0.abs());
        if scale == 0.0 {
            0.0
        } else {
            (self.month0 - self.captured).abs() / scale
        }
    }

    /// Whether month 0 reproduces the capture (within 0.1%).
    pub fn matches(&self) -> bool {
        self.relative_error() <= 1e-3
    }
}

/// The rows for a loaded scenario (month 0 of trial 0: nothing is drawn before month 1 where
/// the used space is fixed, as `ingest` writes it).
pub fn month_zero(model: &Model, plan: &Plan, ceph: &CephFacts) -> Vec<Row> {
    let record = engine::replay_trial(model, 1, 0);
    let at0 = |m: Metric| record.get(0, m);
    let mut rows = Vec::new();
    if let (Some(c), Some(cluster)) = (&plan.cluster, model.ceph.first()) {
        let (cap, used) = (at0(Metric::CephRawCapacityGib), at0(Metric::CephRawUsedGib));
        rows.push(row(
            "raw capacity, GiB",
            c.raw_capacity_gib.value,
            cap,
            &c.raw_capacity_gib.source,
        ));
        rows.push(row(
            "raw used, GiB",
            c.raw_used_gib.value,
            used,
            &c.raw_used_gib.source,
        ));
        if let Some(f) = &c.fullest_util {
            rows.push(row(
                "fullest OSD, utilisation",
                f.value,
                at0(Metric::CephFullestOsdUtil),
                &f.source,
            ));
        }
        for p in &c.pools {
            let Some(avail) = &p.max_avail_gib else {
                continue;
            };
            // A pool whose rule spans several of the scenario's trees (`.mgr` on
            // `replicated_rule` beside class rules) is not modelled: no row.
            let Some(month0) =
                month0_avail(cluster, p.tree.as_deref(), used, p.protection.value.rate())
            else {
                continue;
            };
            rows.push(row(
                &format!("MAX AVAIL {}, GiB", p.name),
                avail.value,
                month0,
                &avail.source,
            ));
        }
        rows.extend(class_rows(cluster, ceph));
        if let Some(health) = &ceph.health {
            rows.extend(health_rows(
                health,
                cluster,
                at0(Metric::CephFullestOsdUtil),
            ));
        }
        if let (true, Some(main)) = (c.osds_complete, main_pool(&c.pools)) {
            let osds = match &main.tree {
                Some(tree) => tree_osds(ceph, tree),
                None => rule_osds(ceph),
            };
            let rate = main.protection.value.rate();
            let from_osds = model::rule_avail_gib(&osds, cluster.full_ratio) / rate;
            let month0 = month0_avail(cluster, main.tree.as_deref(), used, rate).unwrap_or(0.0);
            rows.push(row(
                &format!(
                    "MAX AVAIL {} from the OSDs (get_rule_avail), GiB",
                    main.name
                ),
                from_osds,
                month0,
                "ceph osd df: kb, kb_used, crush_weight of the in OSDs",
            ));
        }
    }
    if plan.provisioned_gib > 0.0 {
        rows.push(row(
            "provisioned by the claims, GiB",
            plan.provisioned_gib,
            at0(Metric::ProvisionedGib),
            "status.capacity.storage of every claim",
        ));
    }
    rows
}

/// Month 0's MAX AVAIL of a pool of `rate` on the scenario's layout of its CRUSH tree, with
/// `used` raw GiB in the cluster (get_rule_avail per OSD, as the run computes it). With
/// several trees, each holds what its listed OSDs hold. None where the pool's rule takes a
/// root that spans several of the scenario's trees.
fn month0_avail(
    cluster: &crate::model::CephCluster,
    tree: Option<&str>,
    used: f64,
    rate: f64,
) -> Option<f64> {
    let d = match tree {
        None => 0,
        Some(t) => {
            let names: Vec<&str> = cluster.domains.iter().map(|d| d.name.as_str()).collect();
            match crate::model::ceph::tree::reached(&names, t)[..] {
                [d] => d,
                [] if names.len() == 1 => 0,
                _ => return None,
            }
        }
    };
    Some(
        cluster
            .layout(d, 0)
            .fill(spread(cluster, d, used), cluster.full_ratio)
            .avail_raw
            / rate,
    )
}

/// The pools' raw data month 0 spreads over tree `d`'s OSDs, `used` raw GiB in the cluster:
/// with one tree, all of it but `initial_raw_used`; with several, what the tree's OSDs hold
/// but its part of it.
fn spread(cluster: &crate::model::CephCluster, d: usize, used: f64) -> f64 {
    let domain = &cluster.domains[d];
    let pools_raw = if cluster.domains.len() == 1 {
        used - cluster.initial_raw_used_gib
    } else {
        let mine: f64 = cluster
            .osds
            .iter()
            .filter(|o| o.domain as usize == d)
            .map(|o| o.used_gib)
            .sum();
        mine - domain.initial_raw_used_gib
    };
    pools_raw + domain.resident_raw_gib
}

/// Each device class's raw capacity on month 0's OSDs (over the trees of that class) against
/// `ceph df`'s `stats_by_class`: that each OSD landed in its class's tree. Only where the OSDs
/// are listed with their classes. (Raw used by class is not compared: month 0 takes each
/// tree's use from `ceph osd df`, a capture taken apart from `ceph df`, and BlueFS moves a
/// few MiB between the two, past the 0.1% a row allows on a small cluster.)
fn class_rows(cluster: &crate::model::CephCluster, ceph: &CephFacts) -> Vec<Row> {
    let class_of = |d: usize| cluster.domains[d].name.split_once('~').map(|(_, c)| c);
    let mut rows = Vec::new();
    for (class, (capacity, _)) in &ceph.by_class {
        let trees: Vec<usize> = (0..cluster.domains.len())
            .filter(|&d| class_of(d) == Some(class.as_str()))
            .collect();
        if trees.is_empty() {
            continue;
        }
        let month0: f64 = trees
            .iter()
            .map(|&d| cluster.layout(d, 0).raw_capacity)
            .sum();
        rows.push(row(
            &format!("raw capacity {class}, GiB"),
            capacity.value,
            month0,
            &capacity.source,
        ));
    }
    rows
}

/// What Ceph's health says of its fullest OSD against month 0's (1: the check is raised):
/// without `ceph osd df` the fullest OSD is inferred, and a raised OSD_FULL that month 0 does
/// not show would make every later figure optimistic.
fn health_rows(
    health: &super::ceph::Sourced<Vec<String>>,
    cluster: &crate::model::CephCluster,
    util: f64,
) -> Vec<Row> {
    const ORDER: [&str; 3] = ["OSD_NEARFULL", "OSD_BACKFILLFULL", "OSD_FULL"];
    let rank = |name: &str| ORDER.iter().position(|o| *o == name);
    let ratios = [
        cluster.nearfull_ratio,
        cluster.backfillfull_ratio,
        cluster.full_ratio,
    ];
    ORDER
        .iter()
        .zip(ratios)
        .enumerate()
        .map(|(i, (check, ratio))| {
            // An OSD is listed under its worst state only: a raised later check counts for
            // the earlier ones.
            let raised = health.value.iter().any(|c| rank(c).is_some_and(|r| r >= i));
            row(
                &format!("health {check} (1 = raised)"),
                raised as u8 as f64,
                (util > ratio) as u8 as f64,
                &health.source,
            )
        })
        .collect()
}

fn row(figure: &str, captured: f64, month0: f64, source: &str) -> Row {
    Row {
        figure: figure.to_string(),
        captured,
        month0,
        source: source.to_string(),
    }
}

/// The rows as a table for the terminal.
pub fn table(rows: &[Row]) -> String {
    let mut out = format!(
        "{:<52} {:>16} {:>16}  \n",
        "month 0 against the captures", "captured", "month 0"
    );
    for r in rows {
        let verdict = if r.matches() { "matches" } else { "DIFFERS" };
        out.push_str(&format!(
            "{:<52} {:>16} {:>16}  {verdict} ({})\n",
            r.figure,
            fmt(r.captured),
            fmt(r.month0),
            r.source
        ));
    }
    out
}

fn fmt(x: f64) -> String {
    if x.abs() < 10.0 {
        format!("{x:.4}")
    } else {
        format!("{x:.2}")
    }
}
