//! Rook custom resources as typed structs of their documented fields (rook/rook
//! `Documentation/CRDs/Cluster/ceph-cluster-crd.md`): the CephCluster's fullness ratios
//! (`spec.storage.nearFullRatio`, `backfillFullRatio`, `fullRatio`) and the devices each
//! expansion adds under `spec.storage.nodes[].devices[]`. Every field not named here passes
//! through unchanged.

use super::manifests::{Folder, Place};
use crate::model::{CephCluster, ExpansionAdd};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use yaml_serde::Value;

/// A device of a node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Device {
    /// `sdb`, `sda2`, `/dev/disk/by-id/…`.
    pub name: String,
    /// Every other field.
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// A node of `spec.storage.nodes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// The node's name.
    pub name: String,
    /// Its devices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub devices: Option<Vec<Device>>,
    /// Every other field.
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// `spec.storage`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Storage {
    /// Use every node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_all_nodes: Option<bool>,
    /// Use every device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_all_devices: Option<bool>,
    /// Nodes and their devices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nodes: Option<Vec<Node>>,
    /// `mon_osd_nearfull_ratio`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub near_full_ratio: Option<f64>,
    /// `mon_osd_backfillfull_ratio`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backfill_full_ratio: Option<f64>,
    /// `mon_osd_full_ratio`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_ratio: Option<f64>,
    /// Every other field.
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// `spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Spec {
    /// Storage selection and ratios.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<Storage>,
    /// Every other field.
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// A Rook `CephCluster` (`ceph.rook.io/v1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RookCluster {
    /// `ceph.rook.io/v1`.
    pub api_version: String,
    /// `CephCluster`.
    pub kind: String,
    /// Name, namespace, labels.
    pub metadata: ObjectMeta,
    /// The spec.
    #[serde(default)]
    pub spec: Spec,
    /// Every other field (`status`).
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// The CephCluster a scenario's cluster maps to: named as `rook = "…"`, else as the cluster.
pub fn find(folder: &Folder, cluster: &CephCluster) -> Option<Place> {
    let name = cluster.rook.as_deref().unwrap_or(&cluster.name);
    folder.named("CephCluster", name)
}

/// Reads a CephCluster.
pub fn read(folder: &Folder, at: Place) -> Result<RookCluster, crate::scenario::Problem> {
    yaml_serde::from_value(folder.get(at).clone()).map_err(|e| {
        let (file, line) = folder.locate(at);
        crate::scenario::Problem {
            file,
            line: Some(line),
            key: String::new(),
            message: format!("not a CephCluster as Rook documents it: {e}"),
        }
    })
}

/// Sets the scenario's ratios; returns whether anything changed.
pub fn set_ratios(rook: &mut RookCluster, cluster: &CephCluster) -> bool {
    let storage = rook.spec.storage.get_or_insert_with(Default::default);
    let want = (
        Some(cluster.nearfull_ratio),
        Some(cluster.backfillfull_ratio),
        Some(cluster.full_ratio),
    );
    let now = (
        storage.near_full_ratio,
        storage.backfill_full_ratio,
        storage.full_ratio,
    );
    storage.near_full_ratio = want.0;
    storage.backfill_full_ratio = want.1;
    storage.full_ratio = want.2;
    now != want
}

/// The next device name after `name`: a trailing number counts up (`sda2` → `sda3`), a trailing
/// letter moves on (`sdb` → `sdc`). None when neither applies.
pub fn next_device(name: &str) -> Option<String> {
    let digits = name
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .count();
    if digits > 0 {
        let (head, num) = name.split_at(name.len() - digits);
        let n: u64 = num.parse().ok()?;
        return Some(format!("{head}{}", n + 1));
    }
    let last = name.chars().last()?;
    if last.is_ascii_lowercase() && last != 'z' {
        let mut s = name[..name.len() - 1].to_string();
        s.push((last as u8 + 1) as char);
        return Some(s);
    }
    None
}

/// The CephCluster after `orders` expansions that add OSDs on every node: each node gets
/// `per_host × orders` more devices named after its last one. Err with the reason when the
/// devices cannot be named (no node list, a node without devices, a name with no successor).
pub fn after_expansions(
    rook: &RookCluster,
    add: ExpansionAdd,
    orders: u32,
) -> Result<RookCluster, String> {
    let ExpansionAdd::Osds { per_host, .. } = add else {
        return Err(
            "the expansion adds hosts: name them under spec.storage.nodes when they are racked"
                .into(),
        );
    };
    let mut out = rook.clone();
    let storage = out.spec.storage.get_or_insert_with(Default::default);
    let Some(nodes) = storage.nodes.as_mut().filter(|n| !n.is_empty()) else {
        return Err(
            "spec.storage lists no nodes (useAllNodes/useAllDevices): Rook picks new devices up by itself".into(),
        );
    };
    for node in nodes {
        let devices = node
            .devices
            .as_mut()
            .filter(|d| !d.is_empty())
            .ok_or_else(|| format!("node {} lists no devices to follow", node.name))?;
        for _ in 0..per_host * orders {
            let last = devices.last().map(|d| d.name.clone()).unwrap_or_default();
            let next = next_device(&last)
                .ok_or_else(|| format!("no name follows device {last} on node {}", node.name))?;
            devices.push(Device {
                name: next,
                other: BTreeMap::new(),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_names_follow_on() {
        assert_eq!(next_device("sda2").as_deref(), Some("sda3"));
        assert_eq!(next_device("sdb").as_deref(), Some("sdc"));
        assert_eq!(next_device("nvme0n1").as_deref(), Some("nvme0n2"));
        assert_eq!(next_device("sdz"), None);
    }
}
