//! headroom: a capacity and cost Monte Carlo engine for Kubernetes storage.
//!
//! It models users, pods, PVC size tiers, Ceph replication and erasure-coding overhead and
//! per-GiB prices, runs growth scenarios in parallel, and reports storage fill, cost and OSD
//! headroom with their uncertainty.
//!
//! Layers, from the inside out:
//! - [`model`]: the pure storage model and one trial of it (no I/O);
//! - [`engine`]: seeding and parallel trials; [`aggregate`]: streaming statistics;
//! - [`scenario`]: the only reader of scenario and pricing files;
//! - [`report`]: the writers of `summary.json`, `timeseries.csv` and the terminal table;
//! - [`app`]: the commands behind the CLI.
#![warn(missing_docs)]

pub mod aggregate;
pub mod app;
pub mod cli;
pub mod engine;
pub mod model;
pub mod quantity;
pub mod report;
pub mod scenario;
