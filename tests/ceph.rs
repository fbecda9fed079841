//! Ceph as Ceph computes it, provider limits as providers enforce them, and intervals a reader
//! cannot misread (issue 7). Each figure below is computed by hand in its comment.

use crate::common::*;
use headroom::engine::replay_trial;
use headroom::model::metrics::{Event, Metric};
use headroom::report::warning::Warning;
use predicates::prelude::*;

/// A cluster of `hosts` × `osds` × `size` GiB, size 3, no overhead, with one cluster-wide
/// volume holding `stored` GiB that never grows.
fn cluster(hosts: u32, osds: u32, size: u32, stored: f64, extra: &str) -> String {
    format!(
        r#"
name = "cluster"
horizon_months = 2
trials = 4
seed = 1
currency = "USD"

[[volumes]]
name = "data"
per = "cluster"
count = 1
storage_class = "block"
size = "5000Gi"
initial_used = {{ fixed = {stored} }}

[storage_classes.block]
backend = "ceph"
cluster = "main"
pool = {{ replicated = {{ size = 3 }} }}

[ceph.main]
hosts = {hosts}
osds_per_host = {osds}
osd_size = "{size}Gi"
overhead = "0%"
{extra}
"#
    )
}

fn month0(text: &str, metric: Metric) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let s = load_text(dir.path(), "cluster", text);
    replay_trial(&s.model, 1, 0).get(0, metric)
}

/// MAX AVAIL as `ceph df` computes it, against the projection that keeps the fullest OSD's
/// share. 4 hosts × 1 × 1000 GiB (C = 4000), 500 GiB stored at size 3 = 1500 raw, imbalance
/// 10%: MAX AVAIL = (0.95 × 4000 − 1.1 × 1500) / 3 = 716.67; writable = (3800 / 1.1 − 1500) / 3
/// = 651.52. The old formula (writable) was 9% below what `ceph df` prints.
#[test]
fn max_avail_as_ceph_df_and_writable_before_full() {
    let text = cluster(4, 1, 1000, 500.0, "imbalance = \"10%\"");
    close(
        month0(&text, Metric::CephMaxAvailGib),
        716.666_666_667,
        1e-6,
    );
    close(
        month0(&text, Metric::CephWritableGib),
        651.515_151_515,
        1e-6,
    );
    close(
        month0(&text, Metric::CephFullestOsdUtil),
        1500.0 / 4000.0 * 1.1,
        1e-12,
    );
}

/// Host loss judged against backfillfull: 4 hosts × 100 GiB; losing one leaves 300. 89 GiB
/// stored = 267 raw: 267/300 = 0.89 < 0.90, recovery finishes. 91 GiB = 273 raw: 0.91 stalls at
/// backfillfull although it is under full_ratio 0.95.
#[test]
fn host_loss_either_side_of_backfillfull() {
    let safe = cluster(4, 1, 100, 89.0, "imbalance = \"0%\"");
    let stalls = cluster(4, 1, 100, 91.0, "imbalance = \"0%\"");
    assert_eq!(month0(&safe, Metric::CephHostFailureSafe), 1.0);
    assert_eq!(month0(&stalls, Metric::CephHostFailureSafe), 0.0);
    // With one OSD per host an OSD loss is a host loss.
    assert_eq!(month0(&safe, Metric::CephOsdFailureSafe), 1.0);
    assert_eq!(month0(&stalls, Metric::CephOsdFailureSafe), 0.0);
}

/// OSD loss with two OSDs per host (Contabo after its first expansion): 3 hosts × 2 × 100 GiB
/// = 600 raw; the failed OSD's data goes to the other OSD of its host, doubling its fill.
/// 89 GiB stored = 267 raw = 44.5%: 89% after, recovers; 91 GiB = 45.5%: 91%, stalls.
#[test]
fn osd_loss_either_side_of_backfillfull() {
    let safe = cluster(3, 2, 100, 89.0, "imbalance = \"0%\"");
    let stalls = cluster(3, 2, 100, 91.0, "imbalance = \"0%\"");
    assert_eq!(month0(&safe, Metric::CephOsdFailureSafe), 1.0);
    assert_eq!(month0(&stalls, Metric::CephOsdFailureSafe), 0.0);
    // Three hosts for a size-3 pool: after a host loss it runs degraded, never "safe".
    assert_eq!(month0(&safe, Metric::CephHostFailureSafe), 0.0);
}

/// Exactly at a ratio, Ceph's states are strict (`OSDService::recalc_full_state`: `ratio >
/// nearfull_ratio`, `> backfillfull_ratio`, `> full_ratio`), and headroom's order trigger is
/// reached at its value. 3 hosts × 100 GiB at size 3: S GiB stored is S % full. S = 85: 0.85,
/// not nearfull; S = 95: 0.95, not full; a hair above, both. Losing a host of 4 × 100 GiB
/// with 90 GiB stored leaves 270 on 300 = exactly 0.90: recovery still finishes; 3 hosts × 2
/// OSDs with 90 GiB: 270 / 600 = 0.45 and its neighbour 0.90 after an OSD loss: finishes too.
/// A trigger of 0.5 fires at 50 GiB (0.5), not at 49.99.
#[test]
fn ceph_states_at_exactly_their_ratios() {
    let events = |stored: f64, extra: &str| {
        let dir = tempfile::tempdir().unwrap();
        let s = load_text(dir.path(), "edge", &cluster(3, 1, 100, stored, extra));
        replay_trial(&s.model, 1, 0)
    };
    let at = |stored: f64| events(stored, "imbalance = \"0%\"");
    assert_eq!(at(85.0).get(0, Metric::CephFullestOsdUtil), 0.85);
    assert_eq!(at(85.0).first(Event::CephNearfull), None);
    assert_eq!(at(85.001).first(Event::CephNearfull), Some(0));
    assert_eq!(at(95.0).first(Event::CephFull), None);
    assert_eq!(at(95.001).first(Event::CephFull), Some(0));

    let host = cluster(4, 1, 100, 90.0, "imbalance = \"0%\"");
    assert_eq!(month0(&host, Metric::CephHostFailureSafe), 1.0);
    let host_over = cluster(4, 1, 100, 90.001, "imbalance = \"0%\"");
    assert_eq!(month0(&host_over, Metric::CephHostFailureSafe), 0.0);
    let osd = cluster(3, 2, 100, 90.0, "imbalance = \"0%\"");
    assert_eq!(month0(&osd, Metric::CephOsdFailureSafe), 1.0);
    let osd_over = cluster(3, 2, 100, 90.001, "imbalance = \"0%\"");
    assert_eq!(month0(&osd_over, Metric::CephOsdFailureSafe), 0.0);

    let expansion = "imbalance = \"0%\"\n[ceph.main.expansion]\ntrigger = 0.5\nlead_time_months = 1\nadd = { hosts = 1 }";
    assert_eq!(events(50.0, expansion).orders, vec![0]);
    assert_eq!(events(49.99, expansion).orders, Vec::<u32>::new());
}

/// Ceph's ratio rule: equal neighbours load, full above osd_failsafe_full_ratio (0.97) does
/// not.
#[test]
fn ratio_rule_at_its_edges() {
    let dir = tempfile::tempdir().unwrap();
    let equal = cluster(
        4,
        1,
        100,
        10.0,
        "nearfull_ratio = 0.90\nbackfillfull_ratio = 0.90\nfull_ratio = 0.90",
    );
    load_text(dir.path(), "equal", &equal);
    let too_full = cluster(4, 1, 100, 10.0, "full_ratio = 0.98");
    std::fs::write(dir.path().join("too-full.toml"), too_full).unwrap();
    headroom()
        .arg("validate")
        .arg(dir.path().join("too-full.toml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "ceph.main.nearfull_ratio: ratios must satisfy 0 < nearfull ≤ backfillfull ≤ full ≤ 0.97 (osd_failsafe_full_ratio) (got 0.85, 0.9, 0.98)",
        ));
}

/// RBD keeps what it stored: three volumes start at 20 GiB and shrink by 5 GiB a month. After
/// three months the RBD image still holds its high-water mark, 20 GiB; CephFS and an RBD volume
/// with `discard = true` give back down to 5 GiB. Raw used: 3 × (20 + 5 + 5) = 90 GiB, where
/// counting used space alone would say 45.
#[test]
fn rbd_keeps_its_high_water_mark_cephfs_frees() {
    let text = r#"
name = "shrinking"
horizon_months = 3
trials = 4
currency = "USD"

[[volumes]]
name = "rbd"
per = "cluster"
count = 1
storage_class = "block"
size = "100Gi"
initial_used = { fixed = 20.0 }
growth = { fixed = -5.0 }

[[volumes]]
name = "rbd-discard"
per = "cluster"
count = 1
storage_class = "block"
size = "100Gi"
initial_used = { fixed = 20.0 }
growth = { fixed = -5.0 }
discard = true

[[volumes]]
name = "files"
per = "cluster"
count = 1
storage_class = "fs"
size = "100Gi"
initial_used = { fixed = 20.0 }
growth = { fixed = -5.0 }

[storage_classes.block]
backend = "ceph"
cluster = "main"
pool = { replicated = { size = 3 } }

[storage_classes.fs]
backend = "ceph"
cluster = "main"
interface = "cephfs"
pool = { replicated = { size = 3 } }

[ceph.main]
hosts = 3
osds_per_host = 1
osd_size = "1Ti"
"#;
    let dir = tempfile::tempdir().unwrap();
    let s = load_text(dir.path(), "shrinking", text);
    let r = replay_trial(&s.model, 1, 0);
    close(r.get(0, Metric::CephRawUsedGib), 180.0, 1e-9);
    close(r.get(3, Metric::UsedGib), 15.0, 1e-9);
    close(r.get(3, Metric::CephRawUsedGib), 90.0, 1e-9);
}

/// `discard` is an RBD volume's setting: on a CephFS or cloud class it is an error.
#[test]
fn discard_only_for_rbd() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("discard.toml");
    std::fs::write(
        &path,
        r#"
horizon_months = 2
[[volumes]]
name = "disk"
per = "cluster"
count = 1
storage_class = "std"
size = "10Gi"
discard = true
[storage_classes.std]
backend = "cloud"
price_per_gib_month = 0.1
"#,
    )
    .unwrap();
    headroom()
        .arg("validate")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "volumes[0].discard: discard applies to volumes of a Ceph RBD class",
        ));
}

/// A scenario on one catalog disk type.
fn on_disk(catalog: &str, disk: &str, size: &str, expansion: &str) -> String {
    format!(
        r#"
name = "disk"
horizon_months = 2
trials = 4
pricing = "{catalog}"

[[volumes]]
name = "data"
per = "cluster"
count = 1
storage_class = "disk"
size = "{size}"
expansion = {expansion}

[storage_classes.disk]
backend = "cloud"
price = "{disk}"
"#
    )
}

fn validate_text(name: &str, text: &str) -> assert_cmd::assert::Assert {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    headroom().arg("validate").arg(&path).assert()
}

/// AWS refuses an st1 or sc1 volume under 125 GiB and an io2 under 4 GiB; so does headroom,
/// naming the limit and its source.
#[test]
fn aws_size_ranges_are_enforced() {
    validate_text("st1", &on_disk("aws-us-east-1", "st1", "100Gi", "\"none\""))
        .code(2)
        .stderr(predicate::str::contains(
            "volumes[0].size: 100 GiB is below the smallest size of disk (125 GiB; EC2 API EBS VolumeSize",
        ));
    validate_text("io2", &on_disk("aws-us-east-1", "io2", "2Gi", "\"none\""))
        .code(2)
        .stderr(predicate::str::contains("(4 GiB; EC2 API"));
    validate_text("gp3", &on_disk("aws-us-east-1", "gp3", "17Ti", "\"none\""))
        .code(2)
        .stderr(predicate::str::contains(
            "17408 GiB is above the largest size of disk (16384 GiB",
        ));
    validate_text(
        "st1-ok",
        &on_disk("aws-us-east-1", "st1", "125Gi", "\"none\""),
    )
    .success();
}

/// gp3 stops at 16 TiB: an autoresize limit beyond it is lowered to it, and the run says so.
#[test]
fn autoresize_stops_at_the_largest_size() {
    let dir = tempfile::tempdir().unwrap();
    let s = load_text(
        dir.path(),
        "gp3",
        &on_disk(
            "aws-us-east-1",
            "gp3",
            "10Ti",
            r#"{ autoresize = { limit = "20Ti" } }"#,
        ),
    );
    let v = &s.model.volumes[0];
    assert_eq!(v.limit_capped_from, Some(20480.0));
    assert!(matches!(
        v.expansion,
        headroom::model::Expansion::Autoresize { limit_gib, .. } if limit_gib == 16384.0
    ));
    let agg = run(&s, 4, 1, None);
    let warnings = headroom::report::warning::warnings(&s.model, &agg);
    assert!(
        warnings
            .iter()
            .any(|w| matches!(w, Warning::LimitCapped { max, .. } if *max == 16384.0)),
        "{warnings:?}"
    );
}

/// Azure bills a 58 GiB Premium SSD as a P6, whose East US price the catalog does not list:
/// refused, not billed as a P10 (3× the P4). A 100 GiB disk bills as a P10: $19.71.
#[test]
fn azure_unpriced_tiers_are_refused() {
    validate_text(
        "p6",
        &on_disk("azure-eastus", "premium-ssd", "58Gi", "\"none\""),
    )
    .code(2)
    .stderr(predicate::str::contains(
        "58 GiB would be billed as P6 (64 GiB), whose price disk does not list",
    ));
    // An autoresize range through P6 is refused too.
    validate_text(
        "p4-to-p10",
        &on_disk(
            "azure-eastus",
            "premium-ssd",
            "30Gi",
            r#"{ autoresize = { limit = "100Gi" } }"#,
        ),
    )
    .code(2)
    .stderr(predicate::str::contains("would be billed as P6"));
    let dir = tempfile::tempdir().unwrap();
    let s = load_text(
        dir.path(),
        "p10",
        &on_disk("azure-eastus", "premium-ssd", "100Gi", "\"none\""),
    );
    close(
        replay_trial(&s.model, 1, 0).get(0, Metric::CostStorage),
        19.71,
        1e-12,
    );
}

/// An expansion nothing prices is "unpriced", on the terminal, in summary.json and report.md.
#[test]
fn unpriced_expansions_are_said() {
    let dir = tempfile::tempdir().unwrap();
    let variant = dir.path().join("free.toml");
    std::fs::write(
        &variant,
        format!(
            "extends = \"{}\"\nname = \"free\"\n[ceph.contabo]\nosd_monthly_cost = 0.0\n[ceph.contabo.expansion]\nmonthly_cost = 0.0\n",
            root().join("scenarios/contabo-ceph.toml").display()
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    headroom()
        .arg("run")
        .arg(&variant)
        .args(["--trials", "300", "--seed", "1", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("unpriced"));
    let summary = read_json(&out.join("summary.json"));
    assert!(
        summary["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("unpriced")),
        "{}",
        summary["warnings"]
    );
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("unpriced"));
}

/// The Contabo extension is priced from seed 003, €1–5 per OSD a month, drawn per trial: the
/// three already bought are in today's run-rate (€3–15 above the three hosts' €37.47, seed 003
/// "Actual Result": "All 3 nodes now have: Disk: /dev/sda = 300GB"), and every added OSD costs
/// the same trial's price, so storage cost per OSD is one number per trial in [1, 5]; no
/// "unpriced" warning remains.
#[test]
fn contabo_extensions_cost_the_seeds_range() {
    let s = load("scenarios/contabo-ceph.toml");
    let hosts = 3.0 * 12.49;
    let (mut landed, mut sum) = (0, 0.0);
    let n = 400;
    for t in 0..n {
        let r = replay_trial(&s.model, 3, t);
        let per_osd = (r.get(0, Metric::CostStorage) - hosts) / 3.0;
        assert!(
            (1.0..=5.0).contains(&per_osd),
            "trial {t}: {per_osd} per OSD"
        );
        sum += per_osd;
        let osds = r.get(24, Metric::CephOsds);
        let extra = r.get(24, Metric::CostStorage) - hosts;
        close(extra, osds * per_osd, 1e-9);
        landed += (osds > 3.0) as u32;
    }
    assert!(landed > 100, "{landed} trials expanded");
    // Uniform(1, 5): mean 3, sd 4/√12 = 1.155; the mean of 400 draws within 4 s.e.
    close(sum / n as f64, 3.0, 4.0 * 1.155 / (n as f64).sqrt());
    let agg = run(&s, 300, 3, None);
    let warnings = headroom::report::warning::warnings(&s.model, &agg);
    assert!(
        !warnings
            .iter()
            .any(|w| matches!(w, Warning::Unpriced { .. }))
    );
}

/// Imbalance follows the layout: Contabo starts with one OSD per host on three hosts (each holds
/// a copy of every PG: 0%); once the expansion gives each host two OSDs, the default 5% applies.
#[test]
fn imbalance_grows_when_an_expansion_adds_osds() {
    let s = load("scenarios/contabo-ceph.toml");
    let mut seen = false;
    for t in 0..100 {
        let r = replay_trial(&s.model, 3, t);
        for m in 0..=24 {
            let ratio = r.get(m, Metric::CephFullestOsdUtil)
                / (r.get(m, Metric::CephRawUsedGib) / r.get(m, Metric::CephRawCapacityGib));
            let want = if r.get(m, Metric::CephOsds) > 3.0 {
                seen = true;
                1.05
            } else {
                1.0
            };
            close(ratio, want, 1e-12);
        }
    }
    assert!(seen);
}

/// Every probability carries a Wilson interval in summary.json, and one that no trial saw reads
/// as a bound, never "0.0% ± 0.0%".
#[test]
fn probabilities_carry_intervals() {
    let dir = tempfile::tempdir().unwrap();
    let summary = {
        simulate_into(
            &["run", "scenarios/coditect-standard.toml"],
            300,
            2,
            dir.path(),
        )
        .assert()
        .success();
        read_json(&dir.path().join("summary.json"))
    };
    let full = &summary["probabilities"]["volume_full"];
    let (p, lo, hi) = (
        full["p"].as_f64().unwrap(),
        full["ci95"][0].as_f64().unwrap(),
        full["ci95"][1].as_f64().unwrap(),
    );
    assert!(lo <= p && p <= hi && lo < hi, "{full}");
    // Means carry their standard error: sd/√n of the trials' values.
    let s = load("scenarios/coditect-standard.toml");
    let costs: Vec<f64> = (0..300)
        .map(|t| replay_trial(&s.model, 2, t).get(24, Metric::CostTotal))
        .collect();
    let mean = costs.iter().sum::<f64>() / 300.0;
    let sd = (costs.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / 299.0).sqrt();
    close(
        summary["final"]["cost_total"]["mean_se"].as_f64().unwrap(),
        sd / 300f64.sqrt(),
        1e-6,
    );
    // Coditect hybrid fills in every trial: the terminal gives the bound, not ± 0.0%.
    headroom()
        .args(["run", "scenarios/coditect-hybrid.toml", "--trials", "300"])
        .arg("--out")
        .arg(dir.path().join("hybrid"))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "P(volume_full) within 24 months: > 98.7% (95%)",
        ))
        .stdout(predicate::str::contains("± 0.0%").not());
    let agg = run(&load("scenarios/coditect-hybrid.toml"), 300, 42, None);
    let p = agg.probability(Event::VolumeFull);
    assert_eq!(p.p, 1.0);
    close(
        p.ci95[0],
        300.0 / (300.0 + 1.959_963_984_540_054f64.powi(2)),
        1e-12,
    );
}

/// Listed OSDs whose use is partly PG data already there (`data`, `kb_used_data`): when one is
/// lost, that data is placed again too, not only what the modelled volumes add. 4 hosts × one
/// 100 GiB OSD, a size-3 pool, no volume stored: each OSD uses 40 GiB, 30 of it PG data (10 of
/// BlueStore's own), all of it unmodelled (`initial_raw_used` = 160). Losing one OSD sends its
/// copies to the three others, a third each: OSD j then holds 10 + R/3, which passes
/// backfillfull 0.9 past R = 240; today R = 120, so the fullest OSD's fill at the stall point is
/// (10 + 240/4) / 100 = 70%. Without `data` the 30 GiB would stay where they are (40 + R/3,
/// R counting only new data: stall at R = 150, fill (40 + 150/4) / 100 = 77.5%): a stall point
/// 7.5 points too late. And `after_loss` gives every OSD (10 + 120/3) / 100 = 50%.
#[test]
fn resident_pg_data_moves_with_a_lost_osd() {
    let list = |data: bool| {
        let osds: Vec<String> = (0..4)
            .map(|i| {
                let data = if data { ", data = \"30Gi\"" } else { "" };
                format!(
                    "  {{ id = {i}, host = \"h{i}\", size = \"100Gi\", used = \"40Gi\"{data} }},"
                )
            })
            .collect();
        format!(
            "initial_raw_used = \"160Gi\"\nosds = [\n{}\n]\n",
            osds.join("\n")
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let with = load_text(dir.path(), "with", &cluster(4, 1, 100, 0.0, &list(true)));
    let c = &with.model.ceph[0];
    close(c.domains[0].resident_raw_gib, 120.0, 1e-9);
    let stall = c.stall_points(0);
    close(stall.host.expect("a spare host"), 0.70, 0.005);
    close(stall.osd.expect("placed again"), 0.70, 0.005);
    for util in c.layout(0, 0).after_loss(&[0], 120.0).iter().skip(1) {
        close(*util, 0.50, 0.005);
    }
    // Month 0 is still every OSD's own use.
    close(
        replay_trial(&with.model, 1, 0).get(0, Metric::CephFullestOsdUtil),
        0.40,
        1e-9,
    );
    let without = load_text(
        dir.path(),
        "without",
        &cluster(4, 1, 100, 0.0, &list(false)),
    );
    let c = &without.model.ceph[0];
    close(c.domains[0].resident_raw_gib, 0.0, 1e-9);
    close(c.stall_points(0).host.expect("a spare host"), 0.775, 0.005);

    // `data` more than `used`, or given for some OSDs only: exit 2, naming the key.
    let bad = cluster(
        4,
        1,
        100,
        0.0,
        &list(true).replacen("data = \"30Gi\"", "data = \"41Gi\"", 1),
    );
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, bad).unwrap();
    headroom()
        .arg("validate")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("osds[0].data"));
    let partial = cluster(
        4,
        1,
        100,
        0.0,
        &list(true).replacen(", data = \"30Gi\"", "", 1),
    );
    std::fs::write(&path, partial).unwrap();
    headroom()
        .arg("validate")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("PG data"));
}

/// Two device classes, a pool on each (`device_class`, as a rule `step take default class
/// nvme` places it): 3 hosts, each with a 1000 GiB hdd and a 100 GiB nvme OSD, size 3, no
/// overhead, each pool taking 20 GiB a month. Each tree fills on its own: at month 1 every
/// nvme OSD holds 20 of 100 GiB (0.20, the fullest) and every hdd OSD 20 of 1000. MAX AVAIL
/// is each pool's own, over the OSDs its rule reaches: nvme (0.95 × 100 − 20) / ⅓ / 3 = 75,
/// hdd (950 − 20) / ⅓ / 3 = 930; the cluster's figure adds them, 1005. (One tree over all six
/// OSDs, weighted by size, would give one pool's MAX AVAIL of min(75 / (100/3300), 930 /
/// (1000/3300)) / 3 = 825: the nvme OSDs bounding data that never lands on them.) At month 5 the nvme OSDs hold 100 GiB, past full (0.95): from month 6 the nvme
/// pool takes no writes (its 20 GiB are unwritten) while the hdd pool keeps growing.
#[test]
fn two_device_classes_by_hand() {
    let text = |fast_class: &str, extra: &str| {
        format!(
            r#"
name = "classes"
horizon_months = 6
trials = 1
seed = 1
currency = "USD"

[[volumes]]
name = "fast"
per = "cluster"
count = 1
storage_class = "fast"
size = "5000Gi"
initial_used = {{ fixed = 0 }}
growth = {{ fixed = 20 }}

[[volumes]]
name = "slow"
per = "cluster"
count = 1
storage_class = "slow"
size = "5000Gi"
initial_used = {{ fixed = 0 }}
growth = {{ fixed = 20 }}

[storage_classes.fast]
backend = "ceph"
cluster = "main"
pool = {{ replicated = {{ size = 3 }} }}
{fast_class}

[storage_classes.slow]
backend = "ceph"
cluster = "main"
pool = {{ replicated = {{ size = 3 }} }}
device_class = "hdd"

[ceph.main]
hosts = 3
osds_per_host = 2
osd_size = "550Gi"
overhead = "0%"
osds = [
  {{ id = 0, host = "a", size = "1000Gi", class = "hdd" }},
  {{ id = 1, host = "b", size = "1000Gi", class = "hdd" }},
  {{ id = 2, host = "c", size = "1000Gi", class = "hdd" }},
  {{ id = 3, host = "a", size = "100Gi", class = "nvme" }},
  {{ id = 4, host = "b", size = "100Gi", class = "nvme" }},
  {{ id = 5, host = "c", size = "100Gi", class = "nvme" }},
]
{extra}
"#
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let s = load_text(dir.path(), "classes", &text("device_class = \"nvme\"", ""));
    let names: Vec<&str> = s.model.ceph[0]
        .domains
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    assert_eq!(names, ["default~hdd", "default~nvme"]);
    let r = replay_trial(&s.model, 1, 0);
    close(r.get(1, Metric::CephFullestOsdUtil), 0.20, 1e-9);
    close(r.get(1, Metric::CephMaxAvailGib), 75.0 + 930.0, 1e-6);
    close(r.get(1, Metric::CephRawCapacityGib), 3300.0, 1e-9);
    close(r.get(5, Metric::CephFullestOsdUtil), 1.0, 1e-9);
    assert_eq!(r.first(Event::CephFull), Some(5));
    assert_eq!(r.first(Event::CephWritesBlocked), Some(6));
    close(r.get(6, Metric::CephUnwrittenGib), 20.0, 1e-9);
    // nvme stays at 100 GiB stored (300 raw), hdd reaches 120 (360 raw).
    close(r.get(6, Metric::CephRawUsedGib), 660.0, 1e-9);

    // A pool whose rule would reach both classes, a class no OSD has, a class on a cluster
    // written by hand, and an expansion that does not say which class it adds: exit 2.
    let cases = [
        (text("", ""), "several classes"),
        (text("device_class = \"ssd\"", ""), "class \"ssd\""),
        (
            text(
                "device_class = \"nvme\"",
                "[ceph.main.expansion]\ntrigger = 0.7\nlead_time_months = 1\nadd = { osds_per_host = 1, osd_size = \"100Gi\" }\n",
            ),
            "which device class",
        ),
    ];
    for (i, (scenario, message)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("bad-{i}.toml"));
        std::fs::write(&path, scenario).unwrap();
        headroom()
            .arg("validate")
            .arg(&path)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(*message));
    }
    let by_hand = cluster(3, 1, 100, 0.0, "").replace(
        "pool = { replicated = { size = 3 } }",
        "pool = { replicated = { size = 3 } }\ndevice_class = \"nvme\"",
    );
    let path = dir.path().join("by-hand.toml");
    std::fs::write(&path, by_hand).unwrap();
    headroom()
        .arg("validate")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("written by hand"));
}
