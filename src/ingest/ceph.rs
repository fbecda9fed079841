//! What the Ceph captures say about one cluster: raw capacity and use (`ceph df`, or `ceph
//! status`), the OSDs with their sizes, use, weights and hosts (`ceph osd df [tree]`, `ceph osd
//! tree`), the ratios and the pools' protection (`ceph osd dump`, or Rook's resources), each
//! figure with the capture and field it came from.
//!
//! Field names moved over the releases, and each is read where it exists: raw use is
//! `total_used_raw_bytes` from Nautilus on, `total_used_bytes` in Luminous and `total_used` (KiB)
//! before; a pool's logical data is `stored` from Nautilus on and `bytes_used` before; the
//! CRUSH rule is `crush_rule` from Luminous on and `crush_ruleset` before.

use super::capture::{Capture, Kind};
use crate::scenario::ScenarioError;
use serde_json::Value;
use std::collections::BTreeMap;

/// Bytes in a GiB.
pub const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// A figure and where it came from (`df.json: stats.total_bytes`).
#[derive(Debug, Clone, PartialEq)]
pub struct Sourced<T> {
    /// The figure.
    pub value: T,
    /// The capture file and field.
    pub source: String,
}

/// How a pool protects its data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Protection {
    /// `size` copies.
    Replicated(u32),
    /// k data and m coding chunks.
    Erasure(u32, u32),
}

impl Protection {
    /// Raw bytes per stored byte.
    pub fn rate(&self) -> f64 {
        match *self {
            Protection::Replicated(size) => size as f64,
            Protection::Erasure(k, m) => (k + m) as f64 / k as f64,
        }
    }

    /// The protection a raw-used rate stands for: an integer rate is that many copies, else the
    /// smallest k+m with (k + m) / k equal to it.
    pub fn from_rate(rate: f64) -> Option<Protection> {
        if !(rate > 1.0 && rate.is_finite()) {
            return None;
        }
        if (rate - rate.round()).abs() < 1e-3 {
            return Some(Protection::Replicated(rate.round() as u32));
        }
        (1..=8u32).find_map(|m| {
            let k = m as f64 / (rate - 1.0);
            ((k - k.round()).abs() < 1e-3 && k.round() >= 1.0)
                .then(|| Protection::Erasure(k.round() as u32, m))
        })
    }
}

/// One pool.
#[derive(Debug, Clone, Default)]
pub struct Pool {
    /// Its name.
    pub name: String,
    /// Logical data stored, GiB.
    pub stored_gib: Option<Sourced<f64>>,
    /// `ceph df` MAX AVAIL, GiB.
    pub max_avail_gib: Option<Sourced<f64>>,
    /// Its protection.
    pub protection: Option<Sourced<Protection>>,
    /// Its CRUSH rule's id (`crush_rule` of `ceph osd dump`).
    pub crush_rule: Option<i64>,
    /// Raw space its objects take on the OSDs, GiB (`bytes_used` beside `stored`, Nautilus on:
    /// every copy or shard as BlueStore allocated it).
    pub allocated_gib: Option<Sourced<f64>>,
    /// Its id (`ceph df`'s `id`, `ceph osd dump`'s `pool`): the number before the dot of
    /// its PGs' ids.
    pub id: Option<i64>,
}

/// One OSD.
#[derive(Debug, Clone, PartialEq)]
pub struct Osd {
    /// Its id.
    pub id: i64,
    /// Size, GiB (`kb`).
    pub size_gib: f64,
    /// Raw used, GiB (`kb_used`, BlueStore DB/WAL included).
    pub used_gib: f64,
    /// CRUSH weight.
    pub crush_weight: f64,
    /// Reweight (0: out).
    pub reweight: f64,
    /// Placement-group copies it holds (`pgs`, Luminous on).
    pub pgs: Option<f64>,
    /// Of its raw use, the PG data (`kb_used_data`, Nautilus on), GiB.
    pub data_gib: Option<f64>,
    /// Its device class (`device_class`, Luminous on).
    pub class: Option<String>,
    /// The CRUSH root its host is under, where the tree was captured.
    pub root: Option<String>,
}

impl Osd {
    /// Whether Ceph counts it: in (reweight > 0) and reporting a size.
    pub fn counts(&self) -> bool {
        self.size_gib > 0.0 && self.reweight > 0.0
    }
}

/// The three ratios of the OSD map.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ratios {
    /// nearfull.
    pub nearfull: f64,
    /// backfillfull.
    pub backfillfull: f64,
    /// full.
    pub full: f64,
}

/// Everything the Ceph captures say about the cluster.
#[derive(Debug, Clone, Default)]
pub struct CephFacts {
    /// The cluster's name (Rook's CephCluster), if captured.
    pub name: Option<String>,
    /// Raw capacity, GiB.
    pub raw_capacity_gib: Option<Sourced<f64>>,
    /// Raw used, GiB (BlueStore included).
    pub raw_used_gib: Option<Sourced<f64>>,
    /// Pools by name.
    pub pools: BTreeMap<String, Pool>,
    /// OSDs with sizes (`ceph osd df`), and the file they came from.
    pub osds: Option<Sourced<Vec<Osd>>>,
    /// Hosts and their OSD ids (a tree capture), and the file.
    pub hosts: Option<Sourced<BTreeMap<String, Vec<i64>>>>,
    /// The ratios.
    pub ratios: Option<Sourced<Ratios>>,
    /// Raw capacity and used of `ceph status` (pgmap), GiB: what stands in where no `ceph df`
    /// was captured.
    pub status_raw: Option<(Sourced<f64>, Sourced<f64>)>,
    /// How many OSDs `ceph df` counts (`stats.num_osds`, Octopus on).
    pub num_osds: Option<Sourced<f64>>,
    /// The cluster's id (`fsid` of `ceph status` and `ceph osd dump`): captures of two clusters
    /// are refused.
    pub fsid: Option<Sourced<String>>,
    /// The health checks `ceph status` raised (`health.checks`: OSD_NEARFULL, OSD_FULL, …),
    /// where it was captured with its health.
    pub health: Option<Sourced<Vec<String>>>,
    /// The CRUSH tree each rule takes (`ceph osd crush rule dump`: the `take` step's
    /// `item_name`, `default` or a class's shadow tree `default~nvme`), by rule id.
    pub rules: BTreeMap<i64, String>,
    /// Raw capacity and raw used of each device class's OSDs, GiB (`ceph df`'s
    /// `stats_by_class`, Luminous on): month 0's check compares the capacity.
    pub by_class: BTreeMap<String, (Sourced<f64>, Sourced<f64>)>,
    /// Each pool's PGs' up sets (`ceph pg ls-by-pool`), by pool id then PG id: where the
    /// pool's new data lands.
    pub pgs: BTreeMap<i64, Sourced<BTreeMap<String, Vec<i64>>>>,
}

impl CephFacts {
    /// Whether any Ceph capture was read.
    pub fn is_empty(&self) -> bool {
        self.raw_capacity_gib.is_none()
            && self.status_raw.is_none()
            && self.osds.is_none()
            && self.pools.is_empty()
            && self.ratios.is_none()
            && self.hosts.is_none()
    }

    /// Adds what one capture says.
    pub fn add(&mut self, cap: &Capture) -> Result<(), ScenarioError> {
        self.same_cluster(cap)?;
        match cap.kind {
            Kind::CephDf => self.add_df(cap),
            Kind::CephOsdDf | Kind::CephOsdTree => self.add_osd_df(cap),
            Kind::CephOsdDump => self.add_osd_dump(cap),
            Kind::CephStatus => self.add_status(cap),
            Kind::CephCrushRule => self.add_crush_rule(cap),
            Kind::CephPgs => self.add_pgs(cap),
            Kind::RookCluster => self.add_rook_cluster(cap),
            Kind::RookBlockPool | Kind::RookFilesystem => self.add_rook_pools(cap),
            _ => Ok(()),
        }
    }

    /// Refuses a capture whose `fsid` is another cluster's than an earlier capture's.
    fn same_cluster(&mut self, cap: &Capture) -> Result<(), ScenarioError> {
        let Some(fsid) = cap.doc.get("fsid").and_then(Value::as_str) else {
            return Ok(());
        };
        match &self.fsid {
            Some(seen) if seen.value != fsid => Err(cap.problem(
                "fsid",
                format!(
                    "cluster {fsid}, but {} is cluster {}: ingest one cluster at a time",
                    seen.source, seen.value
                ),
            )),
            Some(_) => Ok(()),
            None => {
                self.fsid = Some(sourced(cap, fsid.to_string(), "fsid"));
                Ok(())
            }
        }
    }

    fn add_df(&mut self, cap: &Capture) -> Result<(), ScenarioError> {
        let stats = &cap.doc["stats"];
        let (capacity, cap_field) =
            first_of(stats, &[("total_bytes", 1.0), ("total_space", 1024.0)]).ok_or_else(|| {
                cap.problem(
                    "stats.total_bytes",
                    "missing: a ceph df capture gives the raw capacity here",
                )
            })?;
        let (used, used_field) = first_of(
            stats,
            &[
                ("total_used_raw_bytes", 1.0),
                ("total_used_bytes", 1.0),
                ("total_used", 1024.0),
            ],
        )
        .ok_or_else(|| {
            cap.problem(
                "stats.total_used_raw_bytes",
                "missing: a ceph df capture gives the raw use here",
            )
        })?;
        set_once(
            cap,
            &mut self.raw_capacity_gib,
            capacity / GIB,
            &format!("stats.{cap_field}"),
        )?;
        set_once(
            cap,
            &mut self.raw_used_gib,
            used / GIB,
            &format!("stats.{used_field}"),
        )?;
        self.add_class_stats(cap);
        if let Some(n) = number(stats.get("num_osds")) {
            self.num_osds = Some(sourced(cap, n, "stats.num_osds"));
        }
        let pools = cap.doc["pools"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        for (i, p) in pools.iter().enumerate() {
            self.add_pool_stats(cap, i, p)?;
        }
        Ok(())
    }

    /// `stats_by_class`: each device class's raw capacity and use.
    fn add_class_stats(&mut self, cap: &Capture) {
        let classes = cap.doc["stats_by_class"].as_object();
        for (class, c) in classes.into_iter().flatten() {
            let field = |f: &str| format!("stats_by_class.{class}.{f}");
            if let (Some((capacity, cf)), Some((used, uf))) = (
                first_of(c, &[("total_bytes", 1.0)]),
                first_of(
                    c,
                    &[("total_used_raw_bytes", 1.0), ("total_used_bytes", 1.0)],
                ),
            ) {
                self.by_class.insert(
                    class.clone(),
                    (
                        sourced(cap, capacity / GIB, &field(cf)),
                        sourced(cap, used / GIB, &field(uf)),
                    ),
                );
            }
        }
    }

    /// One pool of `ceph df`: what it stores, takes and can still take, and the raw-used
    /// rate that says its protection where `osd dump` was not captured.
    fn add_pool_stats(&mut self, cap: &Capture, i: usize, p: &Value) -> Result<(), ScenarioError> {
        let name = text(cap, p, "name", &format!("pools[{i}].name"))?;
        let s = &p["stats"];
        let pool = self.pools.entry(name.clone()).or_insert_with(|| Pool {
            name,
            ..Pool::default()
        });
        pool.id = pool.id.or(p.get("id").and_then(Value::as_i64));
        if let Some((stored, field)) = first_of(s, &[("stored", 1.0), ("bytes_used", 1.0)]) {
            pool.stored_gib = Some(sourced(
                cap,
                stored / GIB,
                &format!("pools[{i}].stats.{field}"),
            ));
        }
        if let (Some(_), Some(used)) = (s.get("stored"), number(s.get("bytes_used"))) {
            pool.allocated_gib = Some(sourced(
                cap,
                used / GIB,
                &format!("pools[{i}].stats.bytes_used"),
            ));
        }
        if let Some(avail) = number(s.get("max_avail")) {
            pool.max_avail_gib = Some(sourced(
                cap,
                avail / GIB,
                &format!("pools[{i}].stats.max_avail"),
            ));
        }
        // `detail` (and Octopus on) gives stored × rate and MAX AVAIL × rate as well.
        let rate = ratio(s, "stored_raw", "stored").or_else(|| ratio(s, "avail_raw", "max_avail"));
        if let (None, Some(protection)) = (&pool.protection, rate.and_then(Protection::from_rate)) {
            pool.protection = Some(sourced(
                cap,
                protection,
                &format!("pools[{i}].stats.stored_raw / stored (the raw-used rate)"),
            ));
        }
        Ok(())
    }

    fn add_osd_df(&mut self, cap: &Capture) -> Result<(), ScenarioError> {
        let nodes = cap.doc["nodes"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let mut osds = Vec::new();
        let mut hosts = BTreeMap::new();
        // Each bucket's parent, by id, to find the root above an OSD.
        let mut parent: BTreeMap<i64, i64> = BTreeMap::new();
        let mut roots: BTreeMap<i64, String> = BTreeMap::new();
        for (i, n) in nodes.iter().enumerate() {
            let kind = n.get("type").and_then(Value::as_str).unwrap_or("osd");
            let children = n["children"].as_array().map(Vec::as_slice).unwrap_or(&[]);
            if let Some(id) = n.get("id").and_then(Value::as_i64) {
                for c in children.iter().filter_map(Value::as_i64) {
                    parent.insert(c, id);
                }
                if kind == "root" {
                    roots.insert(id, text(cap, n, "name", &format!("nodes[{i}].name"))?);
                }
            }
            if kind == "host" {
                let name = text(cap, n, "name", &format!("nodes[{i}].name"))?;
                hosts.insert(name, children.iter().filter_map(Value::as_i64).collect());
            }
            if kind != "osd" || n.get("kb").is_none() {
                continue;
            }
            let field = |k: &str| -> Result<f64, ScenarioError> {
                number(n.get(k)).ok_or_else(|| {
                    cap.problem(&format!("nodes[{i}].{k}"), "missing or not a number")
                })
            };
            osds.push(Osd {
                id: n.get("id").and_then(Value::as_i64).unwrap_or(i as i64),
                size_gib: field("kb")? * 1024.0 / GIB,
                used_gib: field("kb_used")? * 1024.0 / GIB,
                crush_weight: field("crush_weight")?,
                reweight: field("reweight")?,
                pgs: number(n.get("pgs")),
                data_gib: number(n.get("kb_used_data")).map(|kb| kb * 1024.0 / GIB),
                class: n
                    .get("device_class")
                    .and_then(Value::as_str)
                    .filter(|c| !c.is_empty())
                    .map(str::to_string),
                root: None,
            });
        }
        for o in &mut osds {
            let mut at = o.id;
            // A tree is a few levels deep; a cycle in a broken capture ends at 64 steps.
            for _ in 0..64 {
                match parent.get(&at) {
                    Some(&p) => at = p,
                    None => break,
                }
            }
            o.root = roots.get(&at).cloned();
        }
        if !osds.is_empty() {
            if self.osds.is_some() {
                return Err(cap.problem(
                    "nodes",
                    "a second ceph osd df capture: ingest one cluster at a time",
                ));
            }
            self.osds = Some(sourced(
                cap,
                osds,
                "nodes[].kb, kb_used, crush_weight, reweight",
            ));
        }
        if !hosts.is_empty() && self.hosts.is_none() {
            self.hosts = Some(sourced(cap, hosts, "nodes[type=host].children"));
        }
        Ok(())
    }

    fn add_osd_dump(&mut self, cap: &Capture) -> Result<(), ScenarioError> {
        let d = &cap.doc;
        if let (Some(nearfull), Some(backfillfull), Some(full)) = (
            number(d.get("nearfull_ratio")),
            number(d.get("backfillfull_ratio")),
            number(d.get("full_ratio")),
        ) {
            let ratios = Ratios {
                nearfull: tidy_ratio(nearfull),
                backfillfull: tidy_ratio(backfillfull),
                full: tidy_ratio(full),
            };
            self.ratios = Some(sourced(
                cap,
                ratios,
                "nearfull_ratio, backfillfull_ratio, full_ratio",
            ));
        }
        let profiles = &d["erasure_code_profiles"];
        let pools = d["pools"].as_array().map(Vec::as_slice).unwrap_or(&[]);
        for (i, p) in pools.iter().enumerate() {
            let name = text(cap, p, "pool_name", &format!("pools[{i}].pool_name"))?;
            let size = number(p.get("size")).unwrap_or(0.0) as u32;
            // pg_pool_t: type 1 is replicated, 3 erasure.
            let protection = match p.get("type").and_then(Value::as_i64) {
                Some(3) => {
                    let profile_name = p
                        .get("erasure_code_profile")
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    let profile = &profiles[profile_name];
                    match (number(profile.get("k")), number(profile.get("m"))) {
                        (Some(k), Some(m)) if k >= 1.0 && m >= 1.0 => {
                            Protection::Erasure(k as u32, m as u32)
                        }
                        _ => {
                            return Err(cap.problem(
                                &format!("erasure_code_profiles.{profile_name}"),
                                format!("pool {name:?} is erasure-coded but its profile's k and m are not in the capture"),
                            ));
                        }
                    }
                }
                _ if size >= 1 => Protection::Replicated(size),
                _ => return Err(cap.problem(&format!("pools[{i}].size"), "missing or 0")),
            };
            let pool = self.pools.entry(name.clone()).or_insert_with(|| Pool {
                name,
                ..Pool::default()
            });
            pool.protection = Some(sourced(
                cap,
                protection,
                &format!("pools[{i}].size / erasure_code_profile"),
            ));
            pool.crush_rule = p.get("crush_rule").and_then(Value::as_i64);
            pool.id = pool.id.or(p.get("pool").and_then(Value::as_i64));
        }
        Ok(())
    }

    /// `ceph pg ls-by-pool` (or `pg ls`, `pg dump pgs_brief`): each PG's up set, counted per
    /// pool and OSD. A PG's id is `<pool id>.<hex seed>`; CRUSH_ITEM_NONE (2147483647) is an
    /// EC shard with no OSD. Two captures of the same PG keep the later.
    fn add_pgs(&mut self, cap: &Capture) -> Result<(), ScenarioError> {
        const CRUSH_ITEM_NONE: i64 = 0x7fff_ffff;
        let pgs = cap.doc.get("pg_stats").unwrap_or(&cap.doc);
        let pgs = pgs.as_array().map(Vec::as_slice).unwrap_or(&[]);
        for (i, pg) in pgs.iter().enumerate() {
            let id = text(cap, pg, "pgid", &format!("pg_stats[{i}].pgid"))?;
            let pool = id
                .split_once('.')
                .and_then(|(p, _)| p.parse::<i64>().ok())
                .ok_or_else(|| {
                    cap.problem(
                        &format!("pg_stats[{i}].pgid"),
                        format!("{id:?} is not <pool id>.<seed>"),
                    )
                })?;
            let osds = pg["up"]
                .as_array()
                .ok_or_else(|| cap.problem(&format!("pg_stats[{i}].up"), "not a list of OSD ids"))?
                .iter()
                .filter_map(Value::as_i64)
                .filter(|&o| o != CRUSH_ITEM_NONE && o >= 0)
                .collect();
            self.pgs
                .entry(pool)
                .or_insert_with(|| sourced(cap, BTreeMap::new(), "pg_stats[].up"))
                .value
                .insert(id, osds);
        }
        Ok(())
    }

    /// One rule of `ceph osd crush rule dump`: the tree its first `take` step takes. A rule
    /// that takes several trees is refused (headroom places a pool on one).
    fn add_crush_rule(&mut self, cap: &Capture) -> Result<(), ScenarioError> {
        let id = cap.doc["rule_id"]
            .as_i64()
            .ok_or_else(|| cap.problem("rule_id", "not an integer"))?;
        let steps = cap.doc["steps"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let takes: Vec<&str> = steps
            .iter()
            .filter(|s| s["op"] == "take")
            .filter_map(|s| s["item_name"].as_str())
            .collect();
        match takes[..] {
            [tree] => {
                self.rules.insert(id, tree.to_string());
                Ok(())
            }
            [] => Err(cap.problem(
                "steps",
                format!("rule {id} has no `take` step with an item_name"),
            )),
            _ => Err(cap.problem(
                "steps",
                format!(
                    "rule {id} takes several trees ({}): headroom places a pool's data in one",
                    takes.join(", ")
                ),
            )),
        }
    }

    fn add_status(&mut self, cap: &Capture) -> Result<(), ScenarioError> {
        if let Some(checks) = cap.doc["health"]["checks"].as_object() {
            self.health = Some(sourced(
                cap,
                checks.keys().cloned().collect(),
                "health.checks",
            ));
        }
        let pgmap = &cap.doc["pgmap"];
        if let (Some(total), Some(used)) = (
            number(pgmap.get("bytes_total")),
            number(pgmap.get("bytes_used")),
        ) {
            if self.status_raw.is_some() {
                return Err(cap.problem(
                    "pgmap",
                    "a second ceph status capture: ingest one cluster at a time, one capture of each kind",
                ));
            }
            self.status_raw = Some((
                sourced(cap, total / GIB, "pgmap.bytes_total"),
                sourced(cap, used / GIB, "pgmap.bytes_used"),
            ));
        }
        Ok(())
    }

    fn add_rook_cluster(&mut self, cap: &Capture) -> Result<(), ScenarioError> {
        self.name = cap.doc["metadata"]["name"].as_str().map(str::to_string);
        let storage = &cap.doc["spec"]["storage"];
        if let (Some(n), Some(b), Some(f), None) = (
            number(storage.get("nearFullRatio")),
            number(storage.get("backfillFullRatio")),
            number(storage.get("fullRatio")),
            &self.ratios,
        ) {
            let ratios = Ratios {
                nearfull: n,
                backfillfull: b,
                full: f,
            };
            self.ratios = Some(sourced(
                cap,
                ratios,
                "spec.storage.nearFullRatio, backfillFullRatio, fullRatio",
            ));
        }
        Ok(())
    }

    /// Rook names a block pool as its resource, and a filesystem's pools `<fs>-metadata` and
    /// `<fs>-<name>` (or `<fs>-data<i>` where the data pool has no name).
    fn add_rook_pools(&mut self, cap: &Capture) -> Result<(), ScenarioError> {
        let name = text(cap, &cap.doc, "metadata.name", "metadata.name")?;
        let spec = &cap.doc["spec"];
        let mut pools = Vec::new();
        if cap.kind == Kind::RookBlockPool {
            pools.push((name, spec.clone(), "spec".to_string()));
        } else {
            pools.push((
                format!("{name}-metadata"),
                spec["metadataPool"].clone(),
                "spec.metadataPool".into(),
            ));
            let data = spec["dataPools"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            for (i, p) in data.iter().enumerate() {
                let pool = p
                    .get("name")
                    .and_then(Value::as_str)
                    .map_or(format!("{name}-data{i}"), |n| format!("{name}-{n}"));
                pools.push((pool, p.clone(), format!("spec.dataPools[{i}]")));
            }
        }
        for (pool_name, spec, field) in pools {
            let protection = if let Some(size) = number(spec["replicated"].get("size")) {
                Protection::Replicated(size as u32)
            } else if let (Some(k), Some(m)) = (
                number(spec["erasureCoded"].get("dataChunks")),
                number(spec["erasureCoded"].get("codingChunks")),
            ) {
                Protection::Erasure(k as u32, m as u32)
            } else {
                continue;
            };
            let pool = self.pools.entry(pool_name.clone()).or_insert_with(|| Pool {
                name: pool_name,
                ..Pool::default()
            });
            if pool.protection.is_none() {
                pool.protection = Some(sourced(
                    cap,
                    protection,
                    &format!("{field}.replicated.size / erasureCoded"),
                ));
            }
        }
        Ok(())
    }

    /// Pool `id`'s PG copies (EC shards) on each OSD, by OSD id, where its PGs were captured.
    pub fn pg_copies(&self, id: i64) -> Option<Sourced<BTreeMap<i64, f64>>> {
        let pgs = self.pgs.get(&id)?;
        let mut copies = BTreeMap::new();
        for o in pgs.value.values().flatten() {
            *copies.entry(*o).or_insert(0.0) += 1.0;
        }
        Some(Sourced {
            value: copies,
            source: pgs.source.clone(),
        })
    }

    /// The OSDs Ceph counts (in, with a size).
    pub fn counted_osds(&self) -> Vec<Osd> {
        self.osds
            .as_ref()
            .map(|o| o.value.iter().filter(|o| o.counts()).cloned().collect())
            .unwrap_or_default()
    }
}

/// A float32 ratio as Ceph prints it (0.949999988) back to the decimal it was set as.
pub fn tidy_ratio(r: f64) -> f64 {
    (r * 1e4).round() / 1e4
}

fn sourced<T>(cap: &Capture, value: T, field: &str) -> Sourced<T> {
    Sourced {
        value,
        source: format!("{}: {field}", cap.file_name()),
    }
}

fn set_once(
    cap: &Capture,
    slot: &mut Option<Sourced<f64>>,
    value: f64,
    field: &str,
) -> Result<(), ScenarioError> {
    if slot.is_some() {
        return Err(cap.problem(
            field,
            "a second ceph df capture: ingest one cluster at a time",
        ));
    }
    *slot = Some(sourced(cap, value, field));
    Ok(())
}

/// A number, also when written as a string (erasure-code profiles print `"k": "4"`).
pub fn number(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|x: &f64| x.is_finite())
}

fn first_of<'a>(v: &Value, keys: &[(&'a str, f64)]) -> Option<(f64, &'a str)> {
    keys.iter()
        .find_map(|(k, scale)| number(v.get(*k)).map(|x| (x * scale, *k)))
}

fn ratio(v: &Value, num: &str, den: &str) -> Option<f64> {
    let (n, d) = (number(v.get(num))?, number(v.get(den))?);
    (n > 0.0 && d > 0.0).then_some(n / d)
}

fn text(cap: &Capture, v: &Value, path: &str, field: &str) -> Result<String, ScenarioError> {
    super::capture::at(v, path)
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| cap.problem(field, "missing or not a string"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protection_from_rate() {
        assert_eq!(Protection::from_rate(3.0), Some(Protection::Replicated(3)));
        assert_eq!(
            Protection::from_rate(5.0 / 3.0),
            Some(Protection::Erasure(3, 2))
        );
        assert_eq!(Protection::from_rate(1.5), Some(Protection::Erasure(2, 1)));
        assert_eq!(Protection::from_rate(1.0), None);
        assert_eq!(tidy_ratio(0.949999988), 0.95);
    }
}
