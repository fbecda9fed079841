//! The seeds' own scenarios beyond month 0: the figures a seed gives that now enter a run
//! (per-pod compute, the Contabo extensions, seed 004's ranges drawn per trial), the manual
//! expansion of seed 000 worked by hand, the seeds' remedies as variants, and every figure a
//! scenario rests on labelled as a seed's or an assumption.

use crate::common::*;
use headroom::engine::replay_trial;
use headroom::model::metrics::{Event, Metric};
use headroom::report::warning::Warning;
use predicates::prelude::*;

/// Seed 000, "Cost Impact": "Compute (3 pods) … ~$150/month", i.e. $50 a pod. Compute follows
/// the pods as they scale: in every month of every trial it is exactly 50 × pods.
#[test]
fn coditect_compute_is_fifty_dollars_a_pod() {
    let s = load("scenarios/coditect-hybrid.toml");
    let mut grew = false;
    for t in 0..200 {
        let r = replay_trial(&s.model, 42, t);
        for m in 0..=24 {
            let pods = r.get(m, Metric::Pods);
            close(r.get(m, Metric::CostCompute), 50.0 * pods, 1e-9);
        }
        close(r.get(0, Metric::CostCompute), 150.0, 1e-9);
        grew |= r.get(24, Metric::Pods) > 3.0;
    }
    assert!(grew, "some future needs more than the seed's 3 pods");
}

/// Seed 004, "Cost Estimation": "Storage (500GB SSD): $50-100/month", drawn once per trial as
/// a price of $0.10–0.20 per GiB-month: within a trial every month bills the same price; over
/// trials the price is uniform with mean 0.15 (sd 0.1/√12).
#[test]
fn carbon254_storage_range_is_drawn_per_trial() {
    let s = load("scenarios/carbon254-cloud.toml");
    let n = 400;
    let mut sum = 0.0;
    for t in 0..n {
        let r = replay_trial(&s.model, 254, t);
        let price = r.get(0, Metric::CostStorage) / r.get(0, Metric::BilledGib);
        assert!((0.10..=0.20).contains(&price), "trial {t}: {price}");
        for m in [1, 12, 36] {
            close(
                r.get(m, Metric::CostStorage),
                price * r.get(m, Metric::BilledGib),
                1e-9,
            );
        }
        // Month 0 inside the seed's $570–1,050 (snapshots on top: a week of Velero copies).
        let total = r.get(0, Metric::CostTotal) - r.get(0, Metric::CostSnapshots);
        assert!((570.0..=1050.0).contains(&total), "trial {t}: {total}");
        sum += price;
    }
    let se = 0.1 / 12f64.sqrt() / (n as f64).sqrt();
    close(sum / n as f64, 0.15, 4.0 * se);
}

/// carbon254-cloud-eks replaces the seed's $200–400 control plane with AWS's $73: month 0
/// differs by exactly the trial's control-plane draw minus 73.
#[test]
fn carbon254_control_plane_conflict_variant() {
    let seed = load("scenarios/carbon254-cloud.toml");
    let eks = load("scenarios/carbon254-cloud-eks.toml");
    for t in 0..100 {
        let a = replay_trial(&seed.model, 254, t).get(0, Metric::CostFixed);
        let b = replay_trial(&eks.model, 254, t).get(0, Metric::CostFixed);
        let gap = a - b;
        assert!(
            (200.0 - 73.0 - 1e-9..=400.0 - 73.0 + 1e-9).contains(&gap),
            "trial {t}: {gap}"
        );
    }
}

/// Seed 003, "External Mode First": the existing cluster of three 33 GiB loop OSDs, 99 GiB raw
/// of which 86 are available (13 GiB raw taken), never expanded in this scenario.
#[test]
fn contabo_external_mode_is_the_old_cluster() {
    let s = load("scenarios/contabo-ceph-external.toml");
    assert!(s.model.ceph[0].expansion.is_none());
    let r = replay_trial(&s.model, 3, 0);
    close(r.get(0, Metric::CephRawCapacityGib), 99.0, 1e-9);
    assert!(r.get(0, Metric::CephRawUsedGib) > 13.0);
    for m in 0..=24 {
        close(r.get(m, Metric::CephOsds), 3.0, 0.0);
        close(r.get(m, Metric::CephOrders), 0.0, 0.0);
    }
}

const MANUAL: &str = r#"
name = "manual-by-hand"
horizon_months = 24
trials = 10
seed = 1
currency = "USD"

[[volumes]]
name = "data"
per = "cluster"
count = 1
storage_class = "disk"
size = "10Gi"
initial_used = { fixed = 5.0 }
growth = { fixed = 1.0 }
expansion = { manual = { increase = "10Gi", limit = "30Gi", response_months = 1 } }

[storage_classes.disk]
backend = "cloud"
price_per_gib_month = 0.10
"#;

/// A manual policy worked by hand: 5 GiB used, +1 GiB a month, 10 GiB, grown by 10 GiB a month
/// after a full month, up to 30 GiB.
///
/// - months 1–5: demand 6…10 fits (10 is not more than 10);
/// - month 6: demand 11 > 10: full, used 10 (1 GiB not written), request due month 7;
/// - month 7: grown to 20 first, demand 11 fits; used 11 … 20 by month 16;
/// - month 17: demand 21 > 20: full again (1 GiB lost), used 20, request due 18;
/// - month 18: grown to 30 first, demand 21 fits; month 24: used 27 of 30.
///
/// Two full months, two resizes by hand, the first full month 6; storage billed at 10, 20 and
/// 30 GiB × $0.10.
#[test]
fn manual_expansion_worked_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let s = load_text(dir.path(), "manual", MANUAL);
    let r = replay_trial(&s.model, 1, 0);
    let series = |metric: Metric| -> Vec<f64> { (0..=24).map(|m| r.get(m, metric)).collect() };
    let full: Vec<usize> = (0..=24)
        .filter(|&m| r.get(m, Metric::FullEvents) > 0.0)
        .collect();
    let resized: Vec<usize> = (0..=24)
        .filter(|&m| r.get(m, Metric::ManualResizeEvents) > 0.0)
        .collect();
    assert_eq!(full, [6, 17]);
    assert_eq!(resized, [7, 18]);
    assert_eq!(r.first(Event::VolumeFull), Some(6));
    let size = series(Metric::ProvisionedGib);
    assert_eq!(
        (size[6], size[7], size[17], size[18]),
        (10.0, 20.0, 20.0, 30.0)
    );
    let used = series(Metric::UsedGib);
    assert_eq!(
        (used[5], used[6], used[7], used[16], used[24]),
        (10.0, 10.0, 11.0, 20.0, 27.0)
    );
    close(r.get(7, Metric::CostStorage), 2.0, 1e-12);
    close(r.get(24, Metric::CostStorage), 3.0, 1e-12);
    assert_eq!(series(Metric::ResizeEvents).iter().sum::<f64>(), 0.0);
    assert_eq!(r.templates[0].manual_resizes, 2.0);
    assert_eq!(r.templates[0].full_events, 2.0);
}

/// Seed 000's remedy as a scenario: a full 10 GiB workspace grown to 20 GiB within the month.
/// Every resize by hand takes a workspace from 10 to 20 GiB, so provisioned workspace GiB =
/// 10 × (volumes + resizes so far); and each resize follows a full month.
#[test]
fn coditect_hybrid_manual_grows_full_workspaces_to_20_gib() {
    let s = load("scenarios/coditect-hybrid-manual.toml");
    let base = load("scenarios/coditect-hybrid.toml");
    for t in 0..100 {
        let r = replay_trial(&s.model, 42, t);
        let b = replay_trial(&base.model, 42, t);
        let mut resizes = 0.0;
        for m in 0..=24 {
            resizes += r.get(m, Metric::ManualResizeEvents);
            // Same users, pods and volumes as the hybrid without expansion (common streams).
            assert_eq!(r.get(m, Metric::Pods), b.get(m, Metric::Pods));
            let pods = r.get(m, Metric::Pods).max(3.0);
            let volumes = r.get(m, Metric::Volumes);
            // Workspaces and configs (5 GiB each) of the pods' high-water mark.
            close(
                r.get(m, Metric::ProvisionedGib),
                10.0 * (volumes / 2.0) + 10.0 * resizes + 5.0 * (volumes / 2.0),
                1e-9,
            );
            assert!(r.get(m, Metric::ManualResizeEvents) <= r.get(m, Metric::FullEvents));
            assert!(volumes >= 2.0 * pods);
        }
        assert!(
            r.get(24, Metric::FullEvents) <= b.get(24, Metric::FullEvents),
            "trial {t}: growing by hand cannot fill more"
        );
    }
    let agg = run(&s, 500, 42, None);
    assert!(agg.cell(24, Metric::ManualResizeEvents).mean() > 0.0);
}

/// `recommend` weighs the seed's manual policy beside autoresize where a template expands by
/// hand: on every size of the ladder, with the template's step and response, up to 5× the size.
#[test]
fn recommend_weighs_the_manual_policy() {
    let s = load("scenarios/coditect-hybrid-manual.toml");
    let template = &s.model.volumes[0];
    let class = &s.model.storage_classes[template.storage_class];
    let options = headroom::decide::tiers::options(template, class);
    let manual: Vec<_> = options
        .iter()
        .filter(|o| matches!(o.expansion, headroom::model::Expansion::Manual { .. }))
        .collect();
    // The scenario's own (10 GiB up to 20) and one per ladder size (5, 10, 20, 50 GiB).
    assert_eq!(manual.len(), 5);
    assert!(
        manual
            .iter()
            .any(|o| o.size_gib == 10.0 && o.expansion.limit_gib() == Some(20.0))
    );
    assert!(
        manual
            .iter()
            .any(|o| o.size_gib == 50.0 && o.expansion.limit_gib() == Some(250.0))
    );
    headroom()
        .args(["recommend", "scenarios/coditect-hybrid-manual.toml"])
        .args(["--trials", "300", "--seed", "1"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "manual +10Gi when full, within the month, up to 20 GiB",
        ))
        .stdout(predicate::str::contains("resizes by hand per volume-month"));
}

/// Every bundled scenario names where its growth comes from: no growth key is left
/// unlabelled, and every scenario but DESIGN's illustration cites a seed for some figure.
#[test]
fn every_bundled_scenario_labels_what_it_rests_on() {
    let mut checked = 0;
    for entry in std::fs::read_dir(root().join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        let s = headroom::scenario::load(&path).unwrap();
        let b = &s.model.basis;
        assert!(
            b.unlabelled.is_empty(),
            "{}: {:?} unlabelled",
            path.display(),
            b.unlabelled
        );
        assert!(!b.assumptions.is_empty(), "{}", path.display());
        if s.model.name != "example" {
            assert!(
                b.facts.iter().any(|f| f.source.contains("seed 00")),
                "{}: no seed cited",
                path.display()
            );
        }
        checked += 1;
    }
    assert!(checked >= 20, "{checked}");
}

/// A label must point at a key the scenario has: a typo is bad input with file, key and line.
/// Growth nobody labels is said in the warnings; labelled figures are printed in report.md.
#[test]
fn labels_are_checked_and_printed() {
    let dir = tempfile::tempdir().unwrap();
    let bad = format!(
        "{MANUAL}\n[[assumptions]]\nname = \"g\"\ntext = \"grows a GiB a month\"\nwhy = \"a guess\"\nkeys = [\"volumes.dta.growth\"]\n"
    );
    std::fs::write(dir.path().join("bad.toml"), bad).unwrap();
    headroom()
        .arg("validate")
        .arg(dir.path().join("bad.toml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "bad.toml:26: assumptions[0].keys[0]: \"volumes.dta.growth\" is not a key of the scenario",
        ));

    let unlabelled = load_text(dir.path(), "plain", MANUAL);
    assert_eq!(unlabelled.model.basis.unlabelled, ["volumes.data.growth"]);
    let agg = run(&unlabelled, 50, 1, None);
    let warnings = headroom::report::warning::warnings(&unlabelled.model, &agg);
    assert!(
        warnings
            .iter()
            .any(|w| matches!(w, Warning::Unlabelled { .. }))
    );

    let good = format!(
        "{MANUAL}\n[[assumptions]]\nname = \"g\"\ntext = \"Data grows 1 GiB a month\"\nwhy = \"a guess\"\nkeys = [\"volumes.data.growth\"]\n\n[[facts]]\nname = \"size\"\ntext = \"10 GiB volumes\"\nsource = \"the plan, §2\"\nkeys = [\"volumes.data.size\"]\n"
    );
    let path = dir.path().join("good.toml");
    std::fs::write(&path, good).unwrap();
    let out = dir.path().join("out");
    headroom()
        .arg("run")
        .arg(&path)
        .args(["--trials", "50", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("## What this rests on"));
    assert!(report.contains("- Data grows 1 GiB a month: a guess"));
    assert!(report.contains("- 10 GiB volumes (the plan, §2)"));
    assert!(report.contains(
        "This rests on **an assumption no planning document gives**: data grows 1 GiB a month."
    ));
    let summary = read_json(&out.join("summary.json"));
    assert_eq!(
        summary["basis"]["assumptions"][0]["keys"][0],
        "volumes.data.growth"
    );
    assert!(
        summary["basis"]["unlabelled"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}
