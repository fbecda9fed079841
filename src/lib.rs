//! headroom: a capacity and cost Monte Carlo engine for Kubernetes storage.
//!
//! It models users, pods, PVC size tiers, Ceph replication and erasure-coding overhead and
//! per-GiB prices, runs growth scenarios in parallel, and reports storage fill, cost and OSD
//! headroom with their uncertainty.
//!
//! Layers, from the inside out:
//! - [`model`]: the pure storage model, its metrics and events, and one trial of it (no I/O);
//! - [`engine`]: seeding and parallel trials, the only module that knows about threads;
//! - [`aggregate`]: streaming, exactly mergeable statistics of trials and of paired variants;
//! - [`scenario`]: the only reader of scenario and pricing files;
//! - [`report`]: a command's report as data, rendered by one module per output format (JSON,
//!   CSV, PNG, Markdown, Parquet) into named files, without touching the file system;
//! - [`app`]: the commands behind the CLI, the terminal, and the one writer that replaces a
//!   report folder as a whole.
#![warn(missing_docs)]

pub mod aggregate;
pub mod app;
pub mod calibrate;
pub mod cli;
pub mod decide;
pub mod engine;
pub mod gate;
pub mod ingest;
pub mod model;
pub mod names;
pub mod plan;
pub mod quantity;
pub mod report;
pub mod scenario;
pub mod yaml;
