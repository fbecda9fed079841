//! What the `kubectl` captures say: the claims with what the driver provisioned, which
//! StatefulSet template each comes from, and what backs each storage class.
//!
//! A claim's size is `status.capacity.storage`, what the driver provisioned, which can exceed
//! the request (a driver rounds 5Mi up to its 16Mi extent); the bound PersistentVolume's
//! `spec.capacity.storage` stands in where the claim has no status. A StatefulSet names its
//! claims `<template>-<statefulset>-<ordinal>` (Kubernetes' StatefulSet controller), which is
//! how a claim is matched to its `volumeClaimTemplates` entry.

use super::capture::{Capture, Kind};
use super::ceph::Sourced;
use crate::quantity::parse_gib;
use crate::scenario::ScenarioError;
use serde_json::Value;
use std::collections::BTreeMap;

/// One claim.
#[derive(Debug, Clone)]
pub struct Claim {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Storage class ("" where none is set).
    pub storage_class: String,
    /// Provisioned size, GiB, and where it came from.
    pub size_gib: Sourced<f64>,
    /// Whether that size is what was provisioned (`status.capacity` or the bound volume's),
    /// rather than the request of a claim not bound yet.
    pub provisioned: bool,
    /// Requested size, GiB.
    pub requested_gib: f64,
    /// Bound volume's name.
    pub volume: Option<String>,
}

/// A PersistentVolume: its capacity, class and the claim it is bound to.
#[derive(Debug, Clone)]
pub struct BoundVolume {
    /// Capacity, GiB, and where it came from.
    pub size: Sourced<f64>,
    /// Storage class.
    pub storage_class: String,
    /// The claim (namespace, name), if bound.
    pub claim: Option<(String, String)>,
}

/// What backs a storage class.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassFacts {
    /// Its provisioner (CSI driver).
    pub provisioner: String,
    /// The Ceph pool (`parameters.pool`), where it names one.
    pub pool: Option<String>,
    /// The CephFS filesystem (`parameters.fsName`).
    pub fs_name: Option<String>,
    /// Where it came from.
    pub source: String,
}

impl ClassFacts {
    /// Ceph RBD (block images keep freed blocks).
    pub fn is_rbd(&self) -> bool {
        self.provisioner.ends_with("rbd.csi.ceph.com") || self.provisioner == "kubernetes.io/rbd"
    }

    /// CephFS.
    pub fn is_cephfs(&self) -> bool {
        self.provisioner.ends_with("cephfs.csi.ceph.com")
    }
}

/// Everything the Kubernetes captures say.
#[derive(Debug, Clone, Default)]
pub struct KubeFacts {
    /// Claims by (namespace, name).
    pub claims: BTreeMap<(String, String), Claim>,
    /// PersistentVolumes by name.
    pub volumes: BTreeMap<String, BoundVolume>,
    /// StatefulSets: (namespace, name) → claim template names.
    pub statefulsets: BTreeMap<(String, String), Vec<String>>,
    /// Storage classes by name.
    pub classes: BTreeMap<String, ClassFacts>,
}

impl KubeFacts {
    /// Adds what one capture says.
    pub fn add(&mut self, cap: &Capture) -> Result<(), ScenarioError> {
        let meta = &cap.doc["metadata"];
        let namespace = meta["namespace"].as_str().unwrap_or("default").to_string();
        let name = meta["name"].as_str().unwrap_or_default().to_string();
        match cap.kind {
            Kind::Pvc => self.add_claim(cap, namespace, name),
            Kind::Pv => self.add_volume(cap, name),
            Kind::StatefulSet => {
                let templates = cap.doc["spec"]["volumeClaimTemplates"]
                    .as_array()
                    .map(|t| {
                        t.iter()
                            .filter_map(|t| t["metadata"]["name"].as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                self.statefulsets.insert((namespace, name), templates);
                Ok(())
            }
            Kind::StorageClass => {
                let params = &cap.doc["parameters"];
                let get = |k: &str| params.get(k).and_then(Value::as_str).map(str::to_string);
                self.classes.insert(
                    name,
                    ClassFacts {
                        provisioner: cap.doc["provisioner"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string(),
                        pool: get("pool"),
                        fs_name: get("fsName"),
                        source: format!("{}: provisioner, parameters.pool", cap.file_name()),
                    },
                );
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn add_claim(
        &mut self,
        cap: &Capture,
        namespace: String,
        name: String,
    ) -> Result<(), ScenarioError> {
        let field = |path: &str| quantity(cap, &cap.doc, path);
        let requested = field("spec.resources.requests.storage")?;
        let capacity = field("status.capacity.storage")?;
        let key = format!("{namespace}/{name}");
        let (size, source) = match (capacity, requested) {
            (Some(c), _) => (
                c,
                format!("{}: {key} status.capacity.storage", cap.file_name()),
            ),
            (None, Some(r)) => (
                r,
                format!(
                    "{}: {key} spec.resources.requests.storage (no status: not bound yet)",
                    cap.file_name()
                ),
            ),
            (None, None) => {
                return Err(cap.problem(
                    &format!("{key}.spec.resources.requests.storage"),
                    "a claim with no size",
                ));
            }
        };
        let claim = Claim {
            namespace: namespace.clone(),
            name: name.clone(),
            // The admission controller writes the default class into a claim that names none;
            // a claim captured before that (or with it off) is put in a class called "default".
            storage_class: cap.doc["spec"]["storageClassName"]
                .as_str()
                .filter(|c| !c.is_empty())
                .unwrap_or("default")
                .to_string(),
            size_gib: Sourced {
                value: size,
                source,
            },
            provisioned: capacity.is_some(),
            requested_gib: requested.unwrap_or(size),
            volume: cap.doc["spec"]["volumeName"].as_str().map(str::to_string),
        };
        self.claims.insert((namespace, name), claim);
        Ok(())
    }

    fn add_volume(&mut self, cap: &Capture, name: String) -> Result<(), ScenarioError> {
        let Some(size) = quantity(cap, &cap.doc, "spec.capacity.storage")? else {
            return Ok(());
        };
        let spec = &cap.doc["spec"];
        let claim = spec["claimRef"]["name"].as_str().map(|n| {
            (
                spec["claimRef"]["namespace"]
                    .as_str()
                    .unwrap_or("default")
                    .to_string(),
                n.to_string(),
            )
        });
        let source = Sourced {
            value: size,
            source: format!("{}: {name} spec.capacity.storage", cap.file_name()),
        };
        let class = spec["storageClassName"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        self.volumes.insert(
            name,
            BoundVolume {
                size: source,
                storage_class: class,
                claim,
            },
        );
        Ok(())
    }

    /// Claims known only from their bound volume are added; a claim without status takes its
    /// volume's capacity.
    pub fn settle(&mut self) {
        for (volume, bound) in &self.volumes {
            let (size, class) = (&bound.size, &bound.storage_class);
            let Some((ns, name)) = &bound.claim else {
                continue;
            };
            let entry = self
                .claims
                .entry((ns.clone(), name.clone()))
                .or_insert_with(|| Claim {
                    namespace: ns.clone(),
                    name: name.clone(),
                    storage_class: class.clone(),
                    size_gib: size.clone(),
                    provisioned: true,
                    requested_gib: size.value,
                    volume: Some(volume.clone()),
                });
            if !entry.provisioned {
                entry.size_gib = size.clone();
                entry.provisioned = true;
            }
        }
    }

    /// The StatefulSet and template a claim was made from, where one matches its name.
    pub fn template_of(&self, claim: &Claim) -> Option<(String, String)> {
        self.statefulsets.iter().find_map(|((ns, sts), templates)| {
            if ns != &claim.namespace {
                return None;
            }
            templates.iter().find_map(|t| {
                let ordinal = claim.name.strip_prefix(&format!("{t}-{sts}-"))?;
                (!ordinal.is_empty() && ordinal.chars().all(|c| c.is_ascii_digit()))
                    .then(|| (sts.clone(), t.clone()))
            })
        })
    }
}

/// A Kubernetes quantity at `path`, in GiB (None when absent).
fn quantity(cap: &Capture, doc: &Value, path: &str) -> Result<Option<f64>, ScenarioError> {
    let Some(text) = super::capture::at(doc, path).as_str() else {
        return Ok(None);
    };
    let name = doc["metadata"]["name"].as_str().unwrap_or("?");
    parse_gib(text)
        .map(Some)
        .map_err(|e| cap.problem(&format!("{name}.{path}"), e.to_string()))
}
