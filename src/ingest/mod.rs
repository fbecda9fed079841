//! `headroom ingest`: a scenario of the cluster as it is, from the captures an operator already
//! knows how to make (DESIGN §9).
//!
//! The captures are read ([`capture`]) and combined into what they say about the Ceph cluster
//! ([`ceph`]) and the claims ([`kube`]); [`plan`] turns that into the scenario's figures, each
//! with its source, so that month 0 reproduces the captures: raw capacity and raw used as
//! `ceph df` prints them, the fullest OSD of `ceph osd df` (the imbalance is measured as the
//! fullest OSD over the mean, so `(raw used / capacity) × (1 + imbalance)` is that OSD), each
//! pool's MAX AVAIL, and the claims' provisioned total. [`write`] renders the scenario with a
//! comment on every value; [`check`] replays month 0 of the written file against the captures.

pub mod capture;
pub mod ceph;
pub mod check;
pub mod kube;
pub mod plan;
pub mod write;

use crate::scenario::ScenarioError;
use std::path::PathBuf;

/// Reads every capture and combines them.
pub fn read_all(paths: &[PathBuf]) -> Result<(ceph::CephFacts, kube::KubeFacts), ScenarioError> {
    let mut ceph = ceph::CephFacts::default();
    let mut kube = kube::KubeFacts::default();
    for path in paths {
        for cap in capture::read(path)? {
            ceph.add(&cap)?;
            kube.add(&cap)?;
        }
    }
    kube.settle();
    Ok((ceph, kube))
}
