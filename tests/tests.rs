//! headroom's integration tests, linked as one binary (ripgrep's habit: one link, not many).

mod common;

mod aggregator;
mod calibrate;
mod ceph;
mod cli;
mod crushtool;
mod determinism;
mod formulas;
mod gate;
mod golden;
mod ingest;
mod live_alerts;
mod live_ceph;
mod pinned;
mod plan;
mod readme;
mod recommend;
mod reports;
mod safety;
mod seeds;
mod shard;
mod statistics;
mod validation;
mod writing;
