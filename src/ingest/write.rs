//! The scenario text: every value with a comment naming the capture and field it came from,
//! `ASK:` where no capture could give it, and placeholders for growth and population marked
//! for `calibrate` or the user. Figures are written at full precision (`f64`'s shortest
//! round-trip form), so that month 0 reproduces the captures to the byte, not to a rounding.

use super::ceph::Protection;
use super::plan::{Backend, ClassPlan, ClusterPlan, Figure, Plan, VolumePlan};
use std::fmt::Write;

/// A GiB figure as a Kubernetes quantity: `10Gi`, or the exact decimal (`1862.645149230957Gi`).
pub fn quantity(gib: f64) -> String {
    format!("{gib}Gi")
}

/// A size for a name: `16Mi`, `50Gi`, `2Ti` where whole, else the exact GiB figure.
pub fn short_quantity(gib: f64) -> String {
    for (unit, scale) in [("Ti", 1024.0), ("Gi", 1.0), ("Mi", 1.0 / 1024.0)] {
        let n = gib / scale;
        if n >= 1.0 && n.fract() == 0.0 {
            return format!("{n}{unit}");
        }
    }
    quantity(gib)
}

/// A TOML key: bare where TOML allows it, else quoted.
fn key(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        s.to_string()
    } else {
        string(s)
    }
}

/// A TOML string literal.
fn string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Lines of `key = value` with their comments aligned.
#[derive(Default)]
struct Block {
    lines: Vec<(String, String)>,
}

impl Block {
    fn line(&mut self, assignment: impl Into<String>, comment: impl Into<String>) {
        self.lines.push((assignment.into(), comment.into()));
    }

    fn figure<T>(&mut self, key: &str, value: String, f: &Figure<T>) {
        let mark = if f.ask { "ASK: " } else { "" };
        self.line(format!("{key} = {value}"), format!("{mark}{}", f.source));
    }

    fn render(&self, out: &mut String) {
        let width = self
            .lines
            .iter()
            .map(|(a, _)| a.chars().count())
            .max()
            .unwrap_or(0)
            .min(48);
        for (assignment, comment) in &self.lines {
            if comment.is_empty() {
                let _ = writeln!(out, "{assignment}");
            } else {
                let pad = width.saturating_sub(assignment.chars().count());
                let _ = writeln!(out, "{assignment}{}  # {comment}", " ".repeat(pad));
            }
        }
    }
}

/// The scenario's text.
pub fn scenario(plan: &Plan, name: &str, captures: &[String]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Written by `headroom ingest` from {}.",
        captures.join(", ")
    );
    out.push_str(
        "# Every value names the capture and field it came from. `ASK:` marks a value no capture could\n\
         # give: confirm or replace it. Growth and population are placeholders: `headroom calibrate`\n\
         # fits growth from usage history, or set them by hand.\n",
    );
    let mut head = Block::default();
    head.line(format!("name = {}", string(name)), "");
    head.line(
        format!(
            "description = {}",
            string(&format!(
                "{name}: the cluster as captured, growth to calibrate"
            ))
        ),
        "",
    );
    head.line("horizon_months = 36", "");
    head.line("trials = 10000", "");
    head.line("seed = 1", "");
    head.line(
        "currency = \"USD\"",
        "ASK: the currency of the prices below",
    );
    head.render(&mut out);
    out.push_str("\n[population]\n");
    let mut pop = Block::default();
    pop.line(
        "initial_users = 0",
        "PLACEHOLDER: every volume below is counted per cluster, not per user",
    );
    pop.render(&mut out);
    for v in &plan.volumes {
        volume(&mut out, v);
    }
    for c in &plan.classes {
        class(&mut out, c, plan.cluster.as_ref());
    }
    if let Some(c) = &plan.cluster {
        cluster(&mut out, c);
    }
    out
}

fn volume(out: &mut String, v: &VolumePlan) {
    out.push_str("\n[[volumes]]\n");
    let mut b = Block::default();
    b.line(
        format!("name = {}", string(&v.name)),
        format!("namespace {}", v.namespace),
    );
    b.line("per = \"cluster\"", "");
    b.line(
        format!("count = {}", v.count),
        "claims of this template and size in the capture",
    );
    b.line(
        format!("storage_class = {}", string(&v.storage_class)),
        "spec.storageClassName",
    );
    b.line(
        format!("size = {}", string(&quantity(v.size_gib))),
        v.source.clone(),
    );
    if let Some(sts) = &v.statefulset {
        b.line(
            format!("statefulset = {}", string(sts)),
            "the StatefulSet whose volumeClaimTemplates it is",
        );
    }
    let claims: Vec<String> = v.claims.iter().map(|c| string(c)).collect();
    b.line(
        format!("claims = [{}]", claims.join(", ")),
        "how `calibrate` matches usage series to this entry",
    );
    b.figure(
        "initial_used",
        format!("{{ fixed = {} }}", v.used_gib.value),
        &v.used_gib,
    );
    b.line(
        "growth = { fixed = 0.0 }",
        "PLACEHOLDER: GiB per volume per month; `headroom calibrate` fits it",
    );
    b.line(
        "expansion = \"none\"",
        "ASK: the autoresizer settings, if one runs",
    );
    b.render(out);
}

fn class(out: &mut String, c: &ClassPlan, cluster_plan: Option<&ClusterPlan>) {
    let cluster = cluster_plan.map(|c| c.name.as_str());
    let _ = writeln!(out, "\n[storage_classes.{}]", key(&c.name));
    let mut b = Block::default();
    let mark = if c.ask { "ASK: " } else { "" };
    match &c.backend {
        Backend::Ceph {
            pool,
            protection,
            cephfs,
        } => {
            b.line("backend = \"ceph\"", format!("{mark}{}", c.source));
            b.line(
                format!("cluster = {}", string(cluster.unwrap_or("ceph"))),
                "",
            );
            let shape = match protection.value {
                Protection::Replicated(size) => format!("{{ replicated = {{ size = {size} }} }}"),
                Protection::Erasure(k, m) => format!("{{ erasure = {{ k = {k}, m = {m} }} }}"),
            };
            b.figure(
                "pool",
                shape,
                &Figure {
                    value: (),
                    source: format!("pool {pool:?}: {}", protection.source),
                    ask: protection.ask,
                },
            );
            if *cephfs {
                b.line(
                    "interface = \"cephfs\"",
                    "a CephFS provisioner: deleted files free their space",
                );
            }
            if let Some(tree) = cluster_plan.and_then(|cp| cp.tree_of(pool)) {
                let (root, dc) = match tree.split_once('~') {
                    Some((r, dc)) => (r, Some(dc)),
                    None => (tree, None),
                };
                let why = format!("its CRUSH rule takes {tree} (ceph osd crush rule dump)");
                if let Some(dc) = dc {
                    b.line(format!("device_class = {}", string(dc)), why.clone());
                }
                if root != "default" {
                    b.line(format!("crush_root = {}", string(root)), why);
                }
            }
        }
        Backend::Cloud { provisioner } => {
            b.line(
                "backend = \"cloud\"",
                format!("{mark}provisioner {provisioner} ({})", c.source),
            );
            b.line(
                "price_per_gib_month = 0.0",
                "ASK: the disk's price per GiB-month (see pricing/*.toml)",
            );
        }
    }
    b.render(out);
}

/// The in OSDs one by one (`osds = [ … ]`): where new data lands (each OSD's share of the PG
/// copies) and what each already holds.
fn osd_list(out: &mut String, c: &ClusterPlan) {
    if c.osds.is_empty() {
        return;
    }
    let by = &c.shares_by;
    let data = if c.osds.iter().all(|o| o.data_gib.is_some()) {
        "data = kb_used_data (PG data, placed again when the OSD is lost; the rest of used stays)"
    } else {
        "no kb_used_data captured: only the modelled volumes' data moves when an OSD is lost"
    };
    let _ = writeln!(
        out,
        "# The in OSDs ({}): size = kb, used = kb_used, weight = crush_weight; {by}; {data}.",
        c.osds_source
    );
    out.push_str("osds = [\n");
    for o in &c.osds {
        let share = o
            .share
            .map_or(String::new(), |s| format!(", share = {}", round(s, 6)));
        let data = o.data_gib.map_or(String::new(), |d| {
            format!(", data = {}", string(&quantity(d)))
        });
        let class = o
            .class
            .as_ref()
            .map_or(String::new(), |c| format!(", class = {}", string(c)));
        let root = o
            .root
            .as_ref()
            .filter(|r| *r != "default")
            .map_or(String::new(), |r| format!(", root = {}", string(r)));
        let _ = writeln!(
            out,
            "  {{ id = {}, host = {}, size = {}, weight = {}, used = {}{share}{data}{class}{root} }},",
            o.id,
            string(&o.host),
            string(&quantity(o.size_gib)),
            o.weight,
            string(&quantity(o.used_gib)),
        );
    }
    out.push_str("]\n");
}

/// `v` to `digits` decimals, as TOML prints it.
fn round(v: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (v * f).round() / f
}

fn cluster(out: &mut String, c: &ClusterPlan) {
    let _ = writeln!(out, "\n[ceph.{}]", key(&c.name));
    let mut b = Block::default();
    b.figure("hosts", c.hosts.value.to_string(), &c.hosts);
    b.figure(
        "osds_per_host",
        c.osds_per_host.value.to_string(),
        &c.osds_per_host,
    );
    b.figure(
        "osd_size",
        string(&quantity(c.osd_size_gib.value)),
        &c.osd_size_gib,
    );
    b.figure("overhead", c.overhead.value.to_string(), &c.overhead);
    if let Some(i) = &c.imbalance {
        b.figure("imbalance", i.value.to_string(), i);
    }
    let r = &c.ratios;
    b.figure("nearfull_ratio", r.value.nearfull.to_string(), r);
    b.figure("backfillfull_ratio", r.value.backfillfull.to_string(), r);
    b.figure("full_ratio", r.value.full.to_string(), r);
    b.line(
        format!(
            "initial_raw_used = {}",
            string(&quantity(c.initial_raw_used_gib))
        ),
        format!(
            "{} minus what the volumes above hold × rate × (1 + overhead)",
            c.raw_used_gib.source
        ),
    );
    if !c.initial_by_tree.is_empty() {
        let parts: Vec<String> = c
            .initial_by_tree
            .iter()
            .map(|(t, gib)| format!("{} = {}", string(t), string(&quantity(*gib))))
            .collect();
        b.line(
            format!("initial_raw_used_by_tree = {{ {} }}", parts.join(", ")),
            "each CRUSH tree's OSDs' kb_used minus what the volumes above hold there",
        );
    }
    b.render(out);
    osd_list(out, c);
    let _ = writeln!(
        out,
        "# Raw capacity {} ({}); raw used {} ({}).",
        quantity(c.raw_capacity_gib.value),
        c.raw_capacity_gib.source,
        quantity(c.raw_used_gib.value),
        c.raw_used_gib.source
    );
    for p in &c.pools {
        let shape = match p.protection.value {
            Protection::Replicated(size) => format!("size {size}"),
            Protection::Erasure(k, m) => format!("erasure-coded {k}+{m}"),
        };
        let mark = if p.protection.ask { "ASK: " } else { "" };
        let _ = write!(
            out,
            "# Pool {:?}: {shape} ({mark}{})",
            p.name, p.protection.source
        );
        if let Some(a) = &p.max_avail_gib {
            let _ = write!(out, "; MAX AVAIL {} ({})", quantity(a.value), a.source);
        }
        if let Some(tree) = &p.tree {
            let _ = write!(out, "; its CRUSH rule takes {tree}");
        }
        out.push_str(".\n");
    }
    out.push_str("# No [ceph.<name>.expansion]: add one (trigger, lead_time_months, add, costs) to plan orders.\n");
}
