//! The seeds' numbers (DESIGN §8), reproduced by the bundled scenarios at month 0.

use crate::common::*;
use headroom::model::metrics::Metric;
use headroom::report::warning::Warning;

/// Month 0 is the initial state: every trial has the same costs, so the mean and every
/// quantile equal the seed's figure.
#[track_caller]
fn month0(rel: &str, metric: Metric, want: f64) {
    let s = load(rel);
    let agg = run(&s, 64, 1, None);
    let cell = agg.cell(0, metric);
    close(cell.mean(), want, 1e-6);
    close(cell.quantile(0.5), want, 1e-9);
    close(cell.quantile(0.99), want, 1e-9);
}

/// Seed 000 (hybrid cutover): 3 pods × (50 + 5) GiB = 165 GiB at $0.20 = $33; with $150 of
/// compute, $183.
#[test]
fn coditect_standard_month0() {
    month0(
        "scenarios/coditect-standard.toml",
        Metric::ProvisionedGib,
        165.0,
    );
    month0(
        "scenarios/coditect-standard.toml",
        Metric::CostStorage,
        33.0,
    );
    month0("scenarios/coditect-standard.toml", Metric::CostTotal, 183.0);
}

/// Seed 000: 3 × (10 + 5) = 45 GiB = $9; $159 in all: $24/month (13%) saved, storage −73%.
#[test]
fn coditect_hybrid_month0_and_saving() {
    month0(
        "scenarios/coditect-hybrid.toml",
        Metric::ProvisionedGib,
        45.0,
    );
    month0("scenarios/coditect-hybrid.toml", Metric::CostStorage, 9.0);
    month0("scenarios/coditect-hybrid.toml", Metric::CostTotal, 159.0);
    let std = run(&load("scenarios/coditect-standard.toml"), 16, 1, None);
    let hyb = run(&load("scenarios/coditect-hybrid.toml"), 16, 1, None);
    let saving = mean(&std, 0, Metric::CostTotal) - mean(&hyb, 0, Metric::CostTotal);
    close(saving, 24.0, 1e-9);
    close(saving / mean(&std, 0, Metric::CostTotal), 0.131, 0.001);
    let storage_cut = 1.0 - mean(&hyb, 0, Metric::CostStorage) / mean(&std, 0, Metric::CostStorage);
    close(storage_cut, 0.727, 0.001);
}

/// Seed 002 (ADR-029), at $0.031/vCPU-h, $0.0042/GiB-h, $0.10/GiB-month, 730 h: Starter
/// $905.20 + $245.28 + $55 = $1,205.48 (the seed says ≈ $1,205).
#[test]
fn adr029_starter_month0() {
    month0(
        "scenarios/adr029-starter.toml",
        Metric::CostCompute,
        905.20 + 245.28,
    );
    month0("scenarios/adr029-starter.toml", Metric::CostStorage, 55.0);
    month0("scenarios/adr029-starter.toml", Metric::CostTotal, 1205.48);
}

/// Seed 002: Production 50 pods × 4/8/110 → $4,526 + $1,226.40 + $550 = $6,302.40 (the seed
/// rounds its parts down and says ≈ $6,270).
#[test]
fn adr029_production_month0() {
    month0(
        "scenarios/adr029-production.toml",
        Metric::CostCompute,
        4526.0 + 1226.40,
    );
    month0(
        "scenarios/adr029-production.toml",
        Metric::CostStorage,
        550.0,
    );
    month0(
        "scenarios/adr029-production.toml",
        Metric::CostTotal,
        6302.40,
    );
}

/// Seed 002: Enterprise 100 pods × 8/16/220 → $18,104 + $4,905.60 + $2,200 = $25,209.60 (the
/// seed says ≈ $25,080).
#[test]
fn adr029_enterprise_month0() {
    month0("scenarios/adr029-enterprise.toml", Metric::Pods, 100.0);
    month0(
        "scenarios/adr029-enterprise.toml",
        Metric::CostCompute,
        18104.0 + 4905.60,
    );
    month0(
        "scenarios/adr029-enterprise.toml",
        Metric::CostStorage,
        2200.0,
    );
    month0(
        "scenarios/adr029-enterprise.toml",
        Metric::CostTotal,
        25209.60,
    );
}

/// Seed 002, "Cost Analysis": 10 users × 110 GiB at $0.04 = $44/month.
#[test]
fn adr029_ten_users_on_pd_standard() {
    month0(
        "tests/fixtures/adr029-ten-users-pd-standard.toml",
        Metric::ProvisionedGib,
        1100.0,
    );
    month0(
        "tests/fixtures/adr029-ten-users-pd-standard.toml",
        Metric::CostStorage,
        44.0,
    );
}

/// Seed 003 (Ceph on Contabo): 3 × 150 GiB, size 3: 450 raw; usable 450 × 0.95 / (3 × 1.05)
/// = 135.7 GiB, inside the seed's "~135–140 realistic".
#[test]
fn contabo_capacity() {
    let s = "scenarios/contabo-ceph.toml";
    month0(s, Metric::CephRawCapacityGib, 450.0);
    month0(s, Metric::CephUsableGib, 450.0 * 0.95 / (3.0 * 1.05));
    month0(s, Metric::CephOsds, 3.0);
    let agg = run(&load(s), 64, 1, None);
    let usable = mean(&agg, 0, Metric::CephUsableGib);
    assert!((135.0..=140.0).contains(&usable), "{usable}");
}

/// Seed 003: the 500 GiB backup PVC alone is 500 / 135.7 = 3.68× over-committed, and the run
/// says so; the old cluster had 99 GiB raw.
#[test]
fn contabo_backup_pvc_overcommit() {
    let s = load("tests/fixtures/contabo-backup-only.toml");
    let agg = run(&s, 64, 1, None);
    close(
        mean(&agg, 0, Metric::CephOvercommit),
        500.0 / (450.0 * 0.95 / 3.15),
        1e-9,
    );
    let summary = headroom::report::Summary::build(&s.model, &agg, 1);
    assert!(
        summary
            .warnings
            .iter()
            .any(|w| matches!(w, Warning::Overcommitted { .. })),
        "{:?}",
        summary.warnings
    );
    month0(
        "tests/fixtures/contabo-old-cluster.toml",
        Metric::CephRawCapacityGib,
        99.0,
    );
}

/// Seed 004 (254Carbon): cloud $570–1,050/month.
#[test]
fn carbon254_cloud_range() {
    month0(
        "tests/fixtures/carbon254-cloud-low.toml",
        Metric::CostTotal,
        570.0,
    );
    month0(
        "tests/fixtures/carbon254-cloud-high.toml",
        Metric::CostTotal,
        1050.0,
    );
}

/// Seed 004: bare metal "$800–1,600/month after initial investment" = one-time cost over 12
/// months plus running cost; from month 13 only the running cost remains.
#[test]
fn carbon254_baremetal_range_and_amortisation() {
    month0(
        "tests/fixtures/carbon254-baremetal-low.toml",
        Metric::CostTotal,
        800.0,
    );
    month0(
        "tests/fixtures/carbon254-baremetal-high.toml",
        Metric::CostTotal,
        1600.0,
    );
    let s = load("tests/fixtures/carbon254-baremetal-low.toml");
    let agg = run(&s, 64, 1, None);
    close(mean(&agg, 12, Metric::CostFixed), 800.0, 1e-9);
    close(mean(&agg, 13, Metric::CostFixed), 300.0, 1e-9);
    // The uncertain bundled file centres on the midpoints: (7,500 + 1,500)/12 + 450 = 1,200.
    let bundled = run(&load("scenarios/carbon254-baremetal.toml"), 4000, 9, None);
    let m0 = bundled.cell(0, Metric::CostTotal);
    let sd = ((5000f64.powi(2) + 1000f64.powi(2)) / 144.0 / 12.0
        + (200f64.powi(2) + 100f64.powi(2)) / 12.0)
        .sqrt();
    close(m0.mean(), 1200.0, 4.0 * sd / 4000f64.sqrt());
    assert!(m0.min() >= 800.0 - 1e-9 && m0.max() <= 1600.0 + 1e-9);
}
