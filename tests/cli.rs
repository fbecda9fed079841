//! The binary: bad input gets exit code 2 and one clear line; good input writes its reports.

use crate::common::*;
use predicates::prelude::*;

#[test]
fn malformed_toml_names_file_and_line() {
    headroom()
        .args(["validate", "tests/fixtures/bad-syntax.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "tests/fixtures/bad-syntax.toml:3: not valid TOML",
        ))
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn unknown_key_is_an_error_with_its_path_and_line() {
    headroom()
        .args(["run", "tests/fixtures/bad-unknown-key.toml", "--quiet"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "bad-unknown-key.toml:11: volumes[0].sizee: unknown field `sizee`",
        ));
}

#[test]
fn every_impossible_value_is_reported_at_once() {
    let assert = headroom()
        .args(["validate", "tests/fixtures/bad-values.toml"])
        .assert()
        .code(2);
    let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    for want in [
        "bad-values.toml:2: horizon_months: must be between 1 and 1200",
        "bad-values.toml:11: volumes[0].size: \"10GG\" is not a Kubernetes quantity (expected e.g. \"10Gi\"",
        "bad-values.toml:19: volumes[1].expansion.autoresize.limit: the limit (5 GiB) is below the size (10 GiB)",
        "storage_classes.ceph-ec.pool: the pool spans 6 hosts but cluster \"main\" has 3",
        "storage_classes.standard-rwo.price_per_gib_month: must be ≥ 0",
        "ceph.main.nearfull_ratio: ratios must satisfy 0 < nearfull ≤ backfillfull ≤ full ≤ 0.97 (osd_failsafe_full_ratio) (got 0.92, 0.9, 0.95)",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
    assert!(!err.contains("panicked"));
}

#[test]
fn missing_file_is_exit_2() {
    headroom()
        .args(["run", "scenarios/does-not-exist.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "does-not-exist.toml: cannot read the file: no such file",
        ));
}

#[test]
fn validate_accepts_every_bundled_scenario() {
    let mut cmd = headroom();
    cmd.arg("validate");
    for entry in std::fs::read_dir(root().join("scenarios")).unwrap() {
        cmd.arg(entry.unwrap().path());
    }
    cmd.assert()
        .success()
        .stdout(predicate::str::contains("ok: "));
}

#[test]
fn run_writes_summary_and_timeseries() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("contabo");
    headroom()
        .args([
            "run",
            "scenarios/contabo-ceph.toml",
            "--trials",
            "200",
            "--seed",
            "7",
        ])
        .args(["--threads", "2", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "contabo-ceph — 200 trials, seed 7",
        ))
        .stdout(predicate::str::contains(
            "P(ceph_nearfull) within 24 months",
        ));
    let summary = read_json(&out.join("summary.json"));
    assert_eq!(summary["scenario"], "contabo-ceph");
    assert_eq!(summary["trials"], 200);
    assert_eq!(summary["seed"], 7);
    assert_eq!(summary["horizon_months"], 24);
    assert_eq!(summary["currency"], "EUR");
    for key in ["mean", "p5", "p50", "p90", "p95", "p99"] {
        assert!(
            summary["final"]["cost_total"][key].is_number(),
            "final.cost_total.{key}"
        );
    }
    for key in [
        "volume_full",
        "ceph_nearfull",
        "ceph_full",
        "budget_exceeded",
    ] {
        assert!(
            summary["probabilities"][key].is_object(),
            "probabilities.{key}"
        );
    }
    assert!(summary["probabilities"]["ceph_nearfull"]["se"].is_number());
    assert!(summary["time_to"]["ceph_nearfull"]["never"].is_number());
    let usable = summary["initial"]["ceph_usable_gib"]["p50"]
        .as_f64()
        .unwrap();
    assert!((usable - 135.714).abs() < 0.01, "{usable}");

    let csv = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("scenario,month,metric,mean,p5,p50,p90,p95,p99")
    );
    let metrics: std::collections::BTreeSet<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap())
        .collect();
    for m in [
        "users",
        "pods",
        "volumes",
        "provisioned_gib",
        "used_gib",
        "billed_gib",
        "resize_events",
        "full_events",
        "ceph_raw_capacity_gib",
        "ceph_raw_used_gib",
        "ceph_usable_gib",
        "ceph_fullest_osd_util",
        "ceph_max_avail_gib",
        "ceph_host_failure_safe",
        "ceph_overcommit",
        "cost_storage",
        "cost_snapshots",
        "cost_compute",
        "cost_fixed",
        "cost_one_time",
        "cost_total",
        "cost_cumulative",
    ] {
        assert!(metrics.contains(m), "timeseries.csv lacks {m}");
    }
    assert_eq!(csv.lines().count(), 1 + 25 * metrics.len());
}

#[test]
fn same_seed_same_files_on_1_and_2_threads() {
    let dir = tempfile::tempdir().unwrap();
    for threads in ["1", "2"] {
        simulate_into(
            &["run", "scenarios/example.toml"],
            150,
            9,
            &dir.path().join(threads),
        )
        .args(["--threads", threads])
        .assert()
        .success()
        .stdout("");
    }
    for file in ["summary.json", "timeseries.csv"] {
        let a = std::fs::read(dir.path().join("1").join(file)).unwrap();
        let b = std::fs::read(dir.path().join("2").join(file)).unwrap();
        assert!(a == b, "{file} differs between 1 and 2 threads");
    }
}

/// A variant's error points at the variant's own line and index, although its entry merges
/// into the base's second volume.
#[test]
fn errors_in_a_variant_point_into_the_variant() {
    headroom()
        .args(["validate", "tests/fixtures/bad-variant.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "bad-variant.toml:8: volumes[0].size: \"5GG\" is not a Kubernetes quantity",
        ));
}

/// Every bundled catalog loads, and every price in it names its source.
#[test]
fn catalogs_load_and_cite_sources() {
    let mut n = 0;
    for entry in std::fs::read_dir(root().join("pricing")).unwrap() {
        let path = entry.unwrap().path();
        let (cat, _) = headroom::scenario::load_catalog(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            !cat.source.is_empty() && !cat.as_of.is_empty(),
            "{}",
            path.display()
        );
        for (key, s) in &cat.storage {
            assert!(
                s.source.as_deref().is_some_and(|s| s.len() > 10),
                "{}: storage.{key}",
                path.display()
            );
        }
        for (key, f) in &cat.fixed {
            assert!(
                f.source.as_deref().is_some_and(|s| s.len() > 10),
                "{}: fixed.{key}",
                path.display()
            );
        }
        n += 1;
    }
    assert!(n >= 5);
}

#[test]
fn wrong_type_names_the_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typed.toml");
    std::fs::write(&path, "name = \"t\"\n\nhorizon_months = \"twelve\"\n").unwrap();
    headroom()
        .arg("validate")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "typed.toml:3: horizon_months: invalid type: string \"twelve\"",
        ));
}

#[test]
fn unwritable_output_is_exit_2_not_a_panic() {
    headroom()
        .args([
            "run",
            "scenarios/coditect-hybrid.toml",
            "--trials",
            "10",
            "--quiet",
            "--out",
            "Cargo.toml/reports",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "error: writing Cargo.toml/reports: Cargo.toml is a file, not a folder",
        ))
        .stderr(predicate::str::contains("panicked").not());
}
