//! `ingest` on real captures (tests/fixtures/captures/PROVENANCE.md): month 0 of the written
//! scenario reproduces what `ceph df`, `ceph osd df` and the claims say, and every quirk of real
//! captures is read or refused with the file and position.

use crate::common::{headroom, root};
use headroom::ingest::{self, ceph::Protection, check, plan, write};
use std::path::PathBuf;

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

fn capture(name: &str) -> PathBuf {
    root().join("tests/fixtures/captures").join(name)
}

/// Ingests the captures, writes the scenario into a temporary folder, loads it back and
/// replays month 0: (scenario text, check rows).
fn ingest_files(names: &[&str]) -> (String, Vec<check::Row>) {
    let paths: Vec<PathBuf> = names.iter().map(|n| capture(n)).collect();
    let (ceph, kube) = ingest::read_all(&paths).expect("captures read");
    let plan = plan::plan(&ceph, &kube, "ceph").expect("a plan");
    let text = write::scenario(&plan, "ingested", &[]);
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("ingested.toml");
    std::fs::write(&file, &text).expect("written");
    let scenario = headroom::scenario::load(&file).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let rows = check::month_zero(&scenario.model, &plan, &ceph);
    (text, rows)
}

fn row<'a>(rows: &'a [check::Row], figure: &str) -> &'a check::Row {
    rows.iter()
        .find(|r| r.figure == figure)
        .unwrap_or_else(|| panic!("no row {figure:?} in {rows:#?}"))
}

/// Month 0 equals the capture to 1e-9 (relative): the figure, the capture's value, month 0.
fn exact(rows: &[check::Row], figure: &str, want: f64) {
    let r = row(rows, figure);
    let tol = 1e-9 * want.abs().max(1.0);
    assert!(
        (r.captured - want).abs() <= tol,
        "{figure}: captured {} (hand {want})",
        r.captured
    );
    assert!(
        (r.month0 - want).abs() <= tol,
        "{figure}: month 0 shows {}, the capture {want}",
        r.month0
    );
}

/// The Checkmk NVMe cluster (16 OSDs, pool nvme1 size 3) with the shop's claims: raw
/// capacity 122,903,710,400,512 B = 114,463 GiB; raw used 34,639,450,083,328 B; MAX AVAIL
/// 22,423,858,577,408 B = 20,883.845703125 GiB for both pools (same rule); claims 3 × 100 Gi +
/// 50 Gi + 16 Mi = 350.015625 GiB.
#[test]
fn nvme_cluster_month_zero_reproduces_ceph_df_and_the_claims() {
    let (text, rows) = ingest_files(&[
        "checkmk-nvme16-ceph-df-detail.json",
        "shop-pvc.yaml",
        "shop-sts.json",
        "shop-storageclass.json",
        "empty-pv-list.json",
    ]);
    exact(&rows, "raw capacity, GiB", 114_463.0);
    exact(&rows, "raw used, GiB", 34_639_450_083_328.0 / GIB);
    exact(&rows, "MAX AVAIL nvme1, GiB", 20_883.845703125);
    exact(&rows, "MAX AVAIL .mgr, GiB", 20_883.845703125);
    exact(&rows, "provisioned by the claims, GiB", 350.015625);
    assert!(rows.iter().all(|r| r.matches()), "{rows:#?}");
    // No `ceph osd df`: the imbalance is what MAX AVAIL implies,
    // (0.95 × 114,463 − 3 × 20,883.845703125) / 32,260.50183 − 1 = 0.42863.
    let used = 34_639_450_083_328.0 / GIB;
    let imbalance = (0.95 * 114_463.0 - 3.0 * 20_883.845703125) / used - 1.0;
    assert!((imbalance - 0.42863).abs() < 1e-5);
    assert!(text.contains(&format!("imbalance = {imbalance}")), "{text}");
    // The StatefulSet's claims are one template; the others grouped by class and namespace,
    // split by size; `lock` is 16Mi as provisioned, not the 5Mi requested.
    assert!(text.contains("name = \"data\""));
    assert!(text.contains("statefulset = \"postgres\""));
    assert!(text.contains(
        "claims = [\"shop/data-postgres-0\", \"shop/data-postgres-1\", \"shop/data-postgres-2\"]"
    ));
    assert!(text.contains("size = \"0.015625Gi\""), "{text}");
    assert!(text.contains("name = \"shop-ceph-nvme-16mi\""));
    // The pool stores 10.6 TiB, far more than 350 GiB of claims: their use is asked, not guessed.
    assert!(text.contains("initial_used = { fixed = 0 }"));
    assert!(text.contains("more than its claims provision"));
    assert!(text.contains("pool = { replicated = { size = 3 } }"));
}

/// Octopus, 30 SSD OSDs, an erasure-coded 3+2 pool: its rate 5/3 is read from `stored_raw /
/// stored`, and its MAX AVAIL 12,885,830,926,336 B (12,000.87 GiB) is the replicated pools'
/// 7,158,794,551,296 B × 3 / (5/3) = × 1.8.
#[test]
fn erasure_coded_pool_max_avail_follows_its_rate() {
    let (_, rows) = ingest_files(&["checkmk-ssd30-ec32-ceph-df-detail.json"]);
    exact(&rows, "raw capacity, GiB", 29_923_158_114_304.0 / GIB);
    exact(
        &rows,
        "MAX AVAIL ceph-customer, GiB",
        7_158_794_551_296.0 / GIB,
    );
    let ec = row(&rows, "MAX AVAIL ceph-customer-ec32, GiB");
    assert!((ec.captured - 12_885_830_926_336.0 / GIB).abs() < 1e-6);
    assert!((ec.month0 - 7_158_794_551_296.0 / GIB * 1.8).abs() < 1e-6);
    assert!(ec.matches());
    let paths = [capture("checkmk-ssd30-ec32-ceph-df-detail.json")];
    let (ceph, _) = ingest::read_all(&paths).expect("read");
    let protection = ceph.pools["ceph-customer-ec32"]
        .protection
        .as_ref()
        .map(|p| p.value);
    assert_eq!(protection, Some(Protection::Erasure(3, 2)));
}

/// The OSD map's ratios are used (0.7 / 0.8 / 0.9 here), and MAX AVAIL is reproduced with
/// full_ratio 0.9: 104,807,096,320 B = 97.6088 GiB.
#[test]
fn ratios_come_from_the_osd_map() {
    let (text, rows) = ingest_files(&["mirantis-hdd8-ceph-df.json", "digitalocean-osd-dump.json"]);
    assert!(text.contains("nearfull_ratio = 0.7 "), "{text}");
    assert!(text.contains("backfillfull_ratio = 0.8 "));
    assert!(text.contains("full_ratio = 0.9 "));
    exact(&rows, "MAX AVAIL pool-hdd, GiB", 104_807_096_320.0 / GIB);
    exact(&rows, "raw used, GiB", 81_630_961_664.0 / GIB);
}

/// Ceph prints float ratios as float32: 0.949999988 is read as 0.95.
#[test]
fn float32_ratios_are_read_as_set() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dump = dir.path().join("dump.json");
    std::fs::write(
        &dump,
        r#"{"epoch": 7, "full_ratio": 0.949999988, "backfillfull_ratio": 0.899999976, "nearfull_ratio": 0.850000024, "osds": [], "pools": []}"#,
    )
    .expect("written");
    let (ceph, _) = ingest::read_all(&[dump]).expect("read");
    let r = ceph.ratios.expect("ratios").value;
    assert_eq!((r.nearfull, r.backfillfull, r.full), (0.85, 0.9, 0.95));
}

/// Luminous printed `total_used_bytes` and a pool's `bytes_used` (no `stored`, no raw
/// fields): both are read. Without an OSD map the EC pool's rate is not known and size 3 is
/// asked: month 0 then differs from its MAX AVAIL, and says so.
#[test]
fn luminous_field_names_are_read() {
    let (text, rows) = ingest_files(&["insights-luminous-ceph-df-detail.json"]);
    exact(&rows, "raw used, GiB", 203_120_640.0 / GIB);
    exact(&rows, "MAX AVAIL rbd, GiB", 999_252_180.0 / GIB);
    let ec = row(&rows, "MAX AVAIL ecpool, GiB");
    assert!(
        !ec.matches(),
        "an unknown rate cannot reproduce the EC pool: {ec:?}"
    );
    assert!(
        text.contains("ASK: no `ceph osd dump`, Rook pool or `ceph df detail` rate was captured")
    );
}

/// One host's `ceph osd df` (4 of 16 OSDs, 25% of the capacity) cannot give the cluster's
/// fullest OSD: MAX AVAIL still comes from `ceph df`, and the row of the fullest OSD says
/// where its figure came from and differs.
#[test]
fn a_partial_osd_capture_does_not_set_the_imbalance() {
    let (_, rows) = ingest_files(&[
        "checkmk-nvme16-ceph-df-detail.json",
        "checkmk-nvme16-osd-df-one-host.json",
    ]);
    exact(&rows, "MAX AVAIL nvme1, GiB", 20_883.845703125);
    let fullest = row(&rows, "fullest OSD, utilisation");
    // osd.0: 2,549,415,696 of 7,501,447,168 KiB.
    assert!((fullest.captured - 2_549_415_696.0 / 7_501_447_168.0).abs() < 1e-12);
    assert!(!fullest.matches());
    assert!(fullest.source.contains("25.0% of the raw capacity"));
}

/// A complete `ceph osd df` sets the imbalance so that month 0's fullest OSD is the captured
/// one; a root bucket whose `utilization` reads 0 and an out OSD (reweight 0, kb 0) are not
/// OSDs Ceph counts. Two hosts × two 100 GiB OSDs, fullest 30 of 100 GiB; mean 100/400 = 0.25;
/// imbalance 0.30 / 0.25 − 1 = 0.2.
#[test]
fn complete_osd_df_sets_the_fullest_osd() {
    let dir = tempfile::tempdir().expect("temp dir");
    let kib = |gib: f64| gib * 1024.0 * 1024.0;
    let osd = |id: i64, size: f64, used: f64, reweight: f64| {
        format!(
            r#"{{"id": {id}, "name": "osd.{id}", "type": "osd", "crush_weight": 0.09766, "reweight": {reweight}, "kb": {}, "kb_used": {}, "kb_avail": {}, "utilization": 0}}"#,
            kib(size),
            kib(used),
            kib(size - used)
        )
    };
    let text = format!(
        r#"{{"nodes": [
            {{"id": -1, "name": "default", "type": "root", "children": [-2, -3], "kb": 0, "utilization": 0}},
            {{"id": -2, "name": "a", "type": "host", "children": [0, 1]}},
            {{"id": -3, "name": "b", "type": "host", "children": [2, 3, 4]}},
            {}, {}, {}, {}, {}],
          "stray": [], "summary": {{"total_kb": {}, "total_kb_used": {}}}}}"#,
        osd(0, 100.0, 30.0, 1.0),
        osd(1, 100.0, 20.0, 1.0),
        osd(2, 100.0, 25.0, 1.0),
        osd(3, 100.0, 25.0, 1.0),
        osd(4, 0.0, 0.0, 0.0),
        kib(400.0),
        kib(100.0)
    );
    let file = dir.path().join("osd-df-tree.json");
    std::fs::write(&file, text).expect("written");
    let (ceph, kube) = ingest::read_all(&[file]).expect("read");
    let plan = plan::plan(&ceph, &kube, "ceph").expect("plan");
    let c = plan.cluster.as_ref().expect("a cluster");
    assert_eq!((c.hosts.value, c.osds_per_host.value), (2, 2));
    assert!((c.osd_size_gib.value - 100.0).abs() < 1e-9);
    // A tree that names every in OSD's host: the scenario lists them one by one (the out
    // osd.4 left out), and the fullest is theirs, not a single imbalance.
    assert!(c.imbalance.is_none());
    let ids: Vec<(i64, &str)> = c.osds.iter().map(|o| (o.id, o.host.as_str())).collect();
    assert_eq!(ids, vec![(0, "a"), (1, "a"), (2, "b"), (3, "b")]);
    let out = dir.path().join("s.toml");
    let written = write::scenario(&plan, "s", &[]);
    assert!(
        written.contains(
            r#"{ id = 0, host = "a", size = "100Gi", weight = 0.09766, used = "30Gi" },"#
        ),
        "{written}"
    );
    std::fs::write(&out, written).expect("written");
    let scenario = headroom::scenario::load(&out).expect("valid");
    let rows = check::month_zero(&scenario.model, &plan, &ceph);
    exact(&rows, "fullest OSD, utilisation", 0.3);
    // get_rule_avail over equal weights: min (0.95 × 100 − used) / ¼ = (95 − 30) × 4 = 260
    // raw GiB; DESIGN §2.5's closed form gives the same, 0.95 × 400 − 1.2 × 100 = 260.
    let rule = headroom::model::ceph::rule_avail_gib(&plan::rule_osds(&ceph), 0.95);
    assert!((rule - 260.0).abs() < 1e-9, "{rule}");
    let closed = headroom::model::ceph::max_avail_gib(400.0, 100.0, 0.95, 0.2, 1.0);
    assert!((closed - 260.0).abs() < 1e-9, "{closed}");
}

/// Rook's own example manifests: a CephBlockPool of size 3 behind StorageClass
/// `rook-ceph-block`, a CephFilesystem whose pools are `myfs-ec-metadata`, `myfs-ec-data0` and
/// `myfs-ec-erasurecoded` (2+1), in multi-document YAML.
#[test]
fn rook_manifests_name_the_pools() {
    let paths = [
        capture("rook-rbd-storageclass.yaml"),
        capture("rook-filesystem-ec.yaml"),
    ];
    let (ceph, kube) = ingest::read_all(&paths).expect("read");
    let p = |n: &str| ceph.pools[n].protection.as_ref().map(|p| p.value);
    assert_eq!(p("replicapool"), Some(Protection::Replicated(3)));
    assert_eq!(p("myfs-ec-metadata"), Some(Protection::Replicated(3)));
    assert_eq!(p("myfs-ec-data0"), Some(Protection::Replicated(3)));
    assert_eq!(p("myfs-ec-erasurecoded"), Some(Protection::Erasure(2, 1)));
    let class = &kube.classes["rook-ceph-block"];
    assert!(class.is_rbd());
    assert_eq!(class.pool.as_deref(), Some("replicapool"));
}

/// `-nan` (the exporter's capture of an out OSD) is not JSON: exit 2, the file, line and
/// column, and the word itself.
#[test]
fn nan_is_refused_with_file_and_position() {
    let out = tempfile::tempdir().expect("temp dir");
    headroom()
        .args(["ingest"])
        .arg(capture("digitalocean-osd-df-nan.json"))
        .arg("--out")
        .arg(out.path().join("x.toml"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "digitalocean-osd-df-nan.json:74: column 20: `-nan` is not JSON",
        ));
    assert!(!out.path().join("x.toml").exists(), "nothing written");
}

/// A file that is no capture says what is known; captures without a raw capacity say which.
#[test]
fn unknown_and_insufficient_captures_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let other = dir.path().join("other.json");
    std::fs::write(&other, r#"{"hello": "world"}"#).expect("written");
    headroom()
        .arg("ingest")
        .arg(&other)
        .arg("--out")
        .arg(dir.path().join("x.toml"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "other.json: not a capture headroom knows; it reads ceph df",
        ));
    headroom()
        .arg("ingest")
        .arg(capture("digitalocean-osd-tree.json"))
        .arg("--out")
        .arg(dir.path().join("x.toml"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "no capture gives the cluster's raw capacity",
        ));
}

/// The command end to end: the scenario is written, the month-0 table printed, and the file
/// runs as it stands.
#[test]
fn ingest_then_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("shop.toml");
    let mut cmd = headroom();
    cmd.arg("ingest");
    for f in [
        "checkmk-nvme16-ceph-df-detail.json",
        "shop-pvc.yaml",
        "shop-sts.json",
        "shop-storageclass.json",
    ] {
        cmd.arg(capture(f));
    }
    cmd.arg("--out").arg(&out).assert().success().stdout(
        predicates::str::contains("MAX AVAIL nvme1, GiB").and(predicates::str::contains(
            "20883.85         20883.85  matches",
        )),
    );
    headroom()
        .arg("run")
        .arg(&out)
        .args(["--trials", "20", "--quiet", "--out"])
        .arg(dir.path().join("report"))
        .assert()
        .success();
    let summary = crate::common::read_json(&dir.path().join("report/summary.json"));
    let max_avail = summary["initial"]["ceph_max_avail_gib"]["mean"]
        .as_f64()
        .expect("figure");
    assert!((max_avail - 20_883.845703125).abs() < 1e-6, "{max_avail}");
}

use predicates::prelude::PredicateBooleanExt;

/// `ceph status` alone gives the raw figures (pgmap.bytes_total 8,397,595,996,160 B, bytes_used
/// 24,405,610,496 B); a Rook CephCluster its name and ratios; a claim with no status takes its
/// bound PersistentVolume's capacity; and a CephFS class is written as one.
#[test]
fn status_rook_cluster_and_bound_volumes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rook = dir.path().join("cluster.yaml");
    std::fs::write(
        &rook,
        "apiVersion: ceph.rook.io/v1\nkind: CephCluster\nmetadata:\n  name: rook-ceph\n  namespace: rook-ceph\nspec:\n  storage:\n    useAllNodes: true\n    nearFullRatio: 0.8\n    backfillFullRatio: 0.85\n    fullRatio: 0.9\n",
    )
    .expect("written");
    let kube = dir.path().join("pv-pvc.json");
    std::fs::write(
        &kube,
        r#"{"kind": "List", "apiVersion": "v1", "items": [
          {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "shared", "namespace": "files"},
           "spec": {"resources": {"requests": {"storage": "5Mi"}}, "storageClassName": "cephfs", "volumeName": "pv-1"}},
          {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv-1"},
           "spec": {"capacity": {"storage": "16Mi"}, "storageClassName": "cephfs", "claimRef": {"namespace": "files", "name": "shared"}}},
          {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "cephfs"},
           "provisioner": "rook-ceph.cephfs.csi.ceph.com", "parameters": {"fsName": "myfs-ec"}}]}"#,
    )
    .expect("written");
    let paths = [
        capture("insights-ceph-status.json"),
        capture("rook-filesystem-ec.yaml"),
        rook,
        kube,
    ];
    let (ceph, kube) = ingest::read_all(&paths).expect("read");
    let plan = plan::plan(&ceph, &kube, "fallback").expect("plan");
    let c = plan.cluster.as_ref().expect("cluster");
    assert_eq!(c.name, "rook-ceph");
    assert_eq!(c.raw_capacity_gib.value, 8_397_595_996_160.0 / GIB);
    assert_eq!(c.raw_used_gib.value, 24_405_610_496.0 / GIB);
    assert_eq!(
        (
            c.ratios.value.nearfull,
            c.ratios.value.backfillfull,
            c.ratios.value.full
        ),
        (0.8, 0.85, 0.9)
    );
    assert_eq!(plan.provisioned_gib, 16.0 / 1024.0);
    let text = write::scenario(&plan, "files", &[]);
    assert!(text.contains("interface = \"cephfs\""), "{text}");
    assert!(text.contains("[ceph.rook-ceph]"));
    // The filesystem's first data pool (size 3) backs the class.
    assert!(text.contains("pool \"myfs-ec-data0\""), "{text}");
}

/// An erasure-coded pool of `ceph osd dump` takes k and m from its profile (printed as
/// strings); a profile missing from the capture is an error naming it.
#[test]
fn osd_dump_erasure_profiles() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dump = dir.path().join("dump.json");
    std::fs::write(
        &dump,
        r#"{"epoch": 9, "full_ratio": 0.95, "backfillfull_ratio": 0.9, "nearfull_ratio": 0.85, "osds": [],
            "pools": [{"pool_name": "ec", "type": 3, "size": 6, "erasure_code_profile": "k4m2"},
                      {"pool_name": "rbd", "type": 1, "size": 3}],
            "erasure_code_profiles": {"k4m2": {"k": "4", "m": "2", "plugin": "jerasure"}}}"#,
    )
    .expect("written");
    let (ceph, _) = ingest::read_all(std::slice::from_ref(&dump)).expect("read");
    assert_eq!(
        ceph.pools["ec"].protection.as_ref().map(|p| p.value),
        Some(Protection::Erasure(4, 2))
    );
    assert_eq!(
        ceph.pools["rbd"].protection.as_ref().map(|p| p.value),
        Some(Protection::Replicated(3))
    );
    std::fs::write(
        &dump,
        r#"{"epoch": 9, "osds": [], "pools": [{"pool_name": "ec", "type": 3, "size": 6, "erasure_code_profile": "gone"}]}"#,
    )
    .expect("written");
    let err = ingest::read_all(&[dump]).expect_err("refused").to_string();
    assert!(
        err.contains("dump.json: erasure_code_profiles.gone: pool \"ec\" is erasure-coded"),
        "{err}"
    );
}

/// Checkmk's one-host `ceph osd df` on its own: its four OSDs are the whole capacity it knows
/// (4 × 7,501,447,168 KiB), so month 0's fullest OSD is osd.0's 33.99% exactly, and the raw
/// used is the four OSDs' kb_used.
#[test]
fn a_real_osd_df_sets_the_fullest_osd() {
    let (_, rows) = ingest_files(&["checkmk-nvme16-osd-df-one-host.json"]);
    exact(
        &rows,
        "raw capacity, GiB",
        4.0 * 7_501_447_168.0 / 1024.0 / 1024.0,
    );
    let used_kib = 2_549_415_696.0 + 2_112_572_916.0 + 2_110_612_680.0 + 2_019_565_512.0;
    exact(&rows, "raw used, GiB", used_kib / 1024.0 / 1024.0);
    exact(
        &rows,
        "fullest OSD, utilisation",
        2_549_415_696.0 / 7_501_447_168.0,
    );
}

/// ceph-csi's own capture of a claim mid-expansion: 10Gi requested, 1Gi provisioned. The
/// scenario holds what the driver provisioned (1 GiB), not the request; with no Ceph capture
/// and no StorageClass, the class is a cloud disk whose price is asked.
#[test]
fn a_claim_mid_expansion_counts_what_is_provisioned() {
    let (text, rows) = ingest_files(&["cephcsi-pvc-resize-pending.yaml"]);
    exact(&rows, "provisioned by the claims, GiB", 1.0);
    assert!(text.contains("size = \"1Gi\""), "{text}");
    assert!(text.contains("[storage_classes.csi-rbd-sc]"));
    assert!(text.contains("price_per_gib_month = 0.0"));
    assert!(text.contains("ASK: the disk's price per GiB-month"));
}

/// An existing scenario is not replaced unless asked (`--force`): it may have been edited or
/// calibrated since.
#[test]
fn an_existing_scenario_is_kept_unless_forced() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("prod.toml");
    std::fs::write(&out, "# mine\n").expect("written");
    let run = |force: bool| {
        let mut cmd = headroom();
        cmd.arg("ingest")
            .arg(capture("mirantis-hdd8-ceph-df.json"))
            .arg("--out")
            .arg(&out);
        if force {
            cmd.arg("--force");
        }
        cmd.assert()
    };
    run(false).code(2).stderr(predicates::str::contains(
        "prod.toml: exists: ingest would replace it",
    ));
    assert_eq!(std::fs::read_to_string(&out).expect("read"), "# mine\n");
    run(true).success();
    assert!(
        std::fs::read_to_string(&out)
            .expect("read")
            .starts_with("# Written by `headroom ingest`")
    );
}

/// Ingest's smaller defects, mended: an empty capture, captures of two clusters (fsid) or two
/// `ceph status` captures, an OSD map whose ratios are out of order or above the failsafe (as
/// Ceph acts on them), and a host bucket without OSDs.
#[test]
fn captures_are_one_cluster_and_ratios_as_ceph_acts_on_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let ingest = |files: &[PathBuf]| {
        let mut cmd = headroom();
        cmd.arg("ingest")
            .args(files)
            .arg("--out")
            .arg(d.join("s.toml"))
            .arg("--force");
        cmd
    };
    let empty = d.join("empty.json");
    std::fs::write(&empty, "").expect("written");
    ingest(&[empty])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("empty.json: holds no capture"));
    assert!(!d.join("s.toml").exists());

    // Two clusters: the fsid of one ceph status against another's.
    let text = std::fs::read_to_string(capture("insights-ceph-status.json")).expect("read");
    let status: serde_json::Value = serde_json::from_str(&text).expect("json");
    let with_fsid = |fsid: &str, name: &str| {
        let mut v = status.clone();
        v["fsid"] = serde_json::json!(fsid);
        let path = d.join(name);
        std::fs::write(&path, v.to_string()).expect("written");
        path
    };
    let a = with_fsid("11111111-aaaa", "a.json");
    let b = with_fsid("22222222-bbbb", "b.json");
    ingest(&[a.clone(), b])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "fsid: cluster 22222222-bbbb, but a.json: fsid is cluster 11111111-aaaa",
        ));
    let again = with_fsid("11111111-aaaa", "again.json");
    ingest(&[a, again])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("a second ceph status capture"));

    // Ratios 0.99/0.99/0.99 (a real map) and out of order: written as Ceph acts on them.
    let df = capture("checkmk-nvme16-ceph-df-detail.json");
    let dump = |from: &str, to: &str, name: &str| {
        let text = std::fs::read_to_string(capture("digitalocean-osd-dump.json")).expect("read");
        let mut text = text;
        for (a, b) in from.split(';').zip(to.split(';')) {
            text = text.replace(a, b);
        }
        let path = d.join(name);
        std::fs::write(&path, text).expect("written");
        path
    };
    let high = dump(
        "\"full_ratio\": 0.9;\"backfillfull_ratio\": 0.8;\"nearfull_ratio\": 0.7",
        "\"full_ratio\": 0.99;\"backfillfull_ratio\": 0.99;\"nearfull_ratio\": 0.99",
        "high.json",
    );
    ingest(&[df.clone(), high]).assert().success();
    let text = std::fs::read_to_string(d.join("s.toml")).expect("read");
    assert!(text.contains("full_ratio = 0.97 "), "{text}");
    assert!(text.contains("the map says 0.99, 0.99, 0.99"), "{text}");
    let disorder = dump(
        "\"backfillfull_ratio\": 0.8",
        "\"backfillfull_ratio\": 0.6",
        "disorder.json",
    );
    ingest(&[df.clone(), disorder]).assert().success();
    let text = std::fs::read_to_string(d.join("s.toml")).expect("read");
    assert!(
        text.contains("backfillfull_ratio = 0.7 "),
        "raised to nearfull: {text}"
    );

    // A host bucket without OSDs is no host.
    let text = std::fs::read_to_string(capture("digitalocean-osd-tree.json")).expect("read");
    let mut tree: serde_json::Value = serde_json::from_str(&text).expect("json");
    let nodes = tree["nodes"].as_array_mut().expect("nodes");
    let hosts_before = nodes.iter().filter(|n| n["type"] == "host").count();
    // A third host with an OSD (the df's pool is 3 hosts wide), and an empty one.
    nodes.push(serde_json::json!(
        {"id": -98, "name": "third", "type": "host", "type_id": 1, "children": [900]}
    ));
    nodes.push(serde_json::json!(
        {"id": -99, "name": "spare-chassis", "type": "host", "type_id": 1, "children": []}
    ));
    let spare = d.join("tree.json");
    std::fs::write(&spare, tree.to_string()).expect("written");
    ingest(&[df, spare]).assert().success();
    let text = std::fs::read_to_string(d.join("s.toml")).expect("read");
    assert!(
        text.contains(&format!("hosts = {} ", hosts_before + 1)),
        "{text}"
    );
}

/// `ceph status`'s health is checked against month 0: a status that raises OSD_FULL where the
/// fullest OSD is only inferred (no `osd df`) and month 0 is below full is shown as DIFFERS,
/// with a warning that says what to capture.
#[test]
fn status_health_is_checked_against_month_zero() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = std::fs::read_to_string(capture("insights-ceph-status.json")).expect("read");
    let mut status: serde_json::Value = serde_json::from_str(&text).expect("json");
    status["health"]["checks"] = serde_json::json!({"OSD_FULL": {"severity": "HEALTH_ERR"}});
    let path = dir.path().join("status.json");
    std::fs::write(&path, status.to_string()).expect("written");
    headroom()
        .arg("ingest")
        .arg(capture("checkmk-nvme16-ceph-df-detail.json"))
        .arg(&path)
        .arg("--out")
        .arg(dir.path().join("s.toml"))
        .assert()
        .success()
        .stdout(
            predicates::str::is_match(r"health OSD_FULL \(1 = raised\) +1\.0+ +0\.0+ +DIFFERS")
                .expect("regex"),
        )
        .stdout(predicates::str::contains(
            "says OSD_FULL is raised, month 0's fullest OSD says not raised",
        ));
}

/// `ingest --live` where `ceph` is not installed: exit 2, saying which command is missing,
/// nothing written.
#[test]
fn live_ingest_without_ceph_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let empty = dir.path().join("bin");
    std::fs::create_dir(&empty).expect("folder");
    headroom()
        .env("PATH", &empty)
        .args(["ingest", "--live", "--out"])
        .arg(dir.path().join("s.toml"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "--live: `ceph` is not installed here",
        ));
    assert!(!dir.path().join("s.toml").exists());
}

/// An ingest without claims still tells the model its pools' rate: `run`'s MAX AVAIL at month
/// 0 is `ceph df`'s (it printed three times as much, the rate taken as 1).
#[test]
fn runs_max_avail_is_ceph_dfs_without_claims() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("df-only.toml");
    headroom()
        .arg("ingest")
        .arg(capture("checkmk-nvme16-ceph-df-detail.json"))
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let report = dir.path().join("report");
    headroom()
        .arg("run")
        .arg(&out)
        .args(["--trials", "5", "--seed", "1", "--quiet", "--out"])
        .arg(&report)
        .assert()
        .success();
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(report.join("summary.json")).expect("summary"),
    )
    .expect("json");
    let month0 = summary["initial"]["ceph_max_avail_gib"]["mean"]
        .as_f64()
        .expect("a figure");
    // `ceph df`'s own figure for the main pool, in GiB.
    let df: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(capture("checkmk-nvme16-ceph-df-detail.json")).expect("read"),
    )
    .expect("json");
    let captured = df["pools"][0]["stats"]["max_avail"]
        .as_f64()
        .expect("max_avail")
        / GIB;
    assert!(
        (month0 - captured).abs() <= 1e-6 * captured,
        "{month0} against {captured}"
    );
}

/// An erasure-coded 2+1 pool of 32 PGs on 4 hosts × one 3 GiB OSD, captured by the live test
/// (`an_erasure_coded_pool_fills_by_its_shards`, Ceph 16.2) at step 2 (1 GiB stored) and, for
/// osd df, step 8 (6 × 0.5 GiB more). The pool's 96 shards lie 25/24/24/23 on osd.0–3
/// (`pg ls-by-pool`); `ceph osd df`'s `pgs` shows 25/25/25/24, the empty
/// device_health_metrics pool's one PG counted alike. New data lands by the pool's own
/// shards: osd.0 takes 25/96 of it, and step 8's fullest OSD is projected within 0.2 point;
/// by `pgs` alone it took 25/99 and was 1.0 point under (0.6090 against 0.6192).
#[test]
fn an_erasure_coded_pool_lands_by_its_own_shards() {
    let dir = capture("live-ec21/step-2");
    let all: Vec<PathBuf> = ["df", "osd-df", "osd-dump", "rules", "status"]
        .iter()
        .map(|f| dir.join(format!("{f}.json")))
        .collect();
    let with_pgs: Vec<PathBuf> = all
        .iter()
        .cloned()
        .chain((1..=2).map(|id| dir.join(format!("pg-ls-by-pool-{id}.json"))))
        .collect();
    let step8: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(capture("live-ec21/step-8-osd-df.json")).expect("read"),
    )
    .expect("JSON");
    let ceph_fullest = step8["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["utilization"].as_f64())
        .fold(0.0_f64, f64::max)
        / 100.0;
    assert!((ceph_fullest - 0.6192).abs() < 1e-4, "{ceph_fullest}");
    let tmp = tempfile::tempdir().expect("temp dir");
    let project = |files: &[PathBuf], name: &str| -> (String, f64) {
        let out = tmp.path().join(format!("{name}.toml"));
        let run = headroom()
            .arg("ingest")
            .args(files)
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        let stdout = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
        assert!(
            !stdout.contains("DIFFERS") && stdout.contains("raw capacity hdd, GiB"),
            "month 0 matches, the hdd class's capacity too:\n{stdout}"
        );
        let text = std::fs::read_to_string(&out).expect("ingested");
        let volume = "\n\n[[volumes]]\nname = \"data\"\nper = \"cluster\"\ncount = 1\nstorage_class = \"ec\"\nsize = \"100Gi\"\ninitial_used = { fixed = 0 }\ngrowth = { fixed = 0.5 }\n";
        let path = tmp.path().join(format!("{name}-projected.toml"));
        std::fs::write(&path, crate::live_ceph::with_volumes(&text, 7, volume)).expect("written");
        let agg = crate::live_ceph::one_trial(&path);
        let fullest = agg
            .cell(6, headroom::model::metrics::Metric::CephFullestOsdUtil)
            .mean();
        (text, fullest)
    };
    let (text, fullest) = project(&with_pgs, "with-pgs");
    eprintln!("step 8's fullest OSD: Ceph {ceph_fullest:.4}, by the pool's shards {fullest:.4}");
    assert!(
        text.contains("pg-ls-by-pool-2.json: pg_stats[].up") && text.contains("share = 0.26041"),
        "osd.0 takes 25 of the pool's 96 shards:\n{text}"
    );
    // Every copy and shard in whole 4 KiB units: bytes_used is stored × 1.5 exactly.
    assert!(
        text.lines()
            .any(|l| l.starts_with("overhead = 0 ") && l.contains("bytes_used")),
        "{text}"
    );
    assert!(
        (fullest - ceph_fullest).abs() < 0.002,
        "step 8: {fullest:.4} projected, Ceph {ceph_fullest:.4}"
    );
    let (text, fullest) = project(&all, "without-pgs");
    eprintln!("by osd df's pgs {fullest:.4}");
    assert!(text.contains("share = 0.252525"), "25 of 99:\n{text}");
    assert!(
        ceph_fullest - fullest > 0.01,
        "by osd df's pgs the fullest is under-projected: {fullest:.4} against {ceph_fullest:.4}"
    );
}
