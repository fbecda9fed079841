//! `calibrate` recovers known parameters from synthetic history drawn from them, says when
//! history is too short, and refuses a series of the wrong metric.

use crate::common::headroom;
use rand::SeedableRng;
use rand::distr::Distribution;
use rand::rngs::ChaCha8Rng;
use statrs::distribution::LogNormal;
use std::fmt::Write;
use std::path::Path;

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// A scenario with one per-cluster entry standing for `claims`, on a Ceph pool of size 3.
pub(crate) fn scenario(
    dir: &Path,
    claims: &[String],
    statefulset: Option<&str>,
) -> std::path::PathBuf {
    let list: Vec<String> = claims.iter().map(|c| format!("{c:?}")).collect();
    let sts = statefulset.map_or(String::new(), |s| format!("statefulset = {s:?}\n"));
    let claims_line = if statefulset.is_some() {
        String::new()
    } else {
        format!("claims = [{}]\n", list.join(", "))
    };
    let text = format!(
        r#"name = "calibrated"
horizon_months = 12
trials = 100
seed = 1
currency = "USD"

[[volumes]]
name = "data"          # the entry calibrate fills in
per = "cluster"
count = {}
storage_class = "ceph-block"
size = "200Gi"
{claims_line}{sts}initial_used = {{ fixed = 0 }}
growth = {{ fixed = 0.0 }}    # PLACEHOLDER

[storage_classes.ceph-block]
backend = "ceph"
cluster = "main"
pool = {{ replicated = {{ size = 3 }} }}

[ceph.main]
hosts = 3
osds_per_host = 2
osd_size = "1Ti"
overhead = 0.05
initial_raw_used = "3000Gi"
"#,
        claims.len()
    );
    let path = dir.join("calibrated.toml");
    std::fs::write(&path, text).expect("written");
    path
}

/// Month-end times: the 15th of each month of 2026, then 2027.
fn month(i: usize) -> String {
    format!("{}-{:02}-15T12:00:00Z", 2026 + i / 12, i % 12 + 1)
}

/// `volumes` series of `months + 1` samples whose monthly increments are LogNormal(median,
/// sigma), as the CSV `calibrate` reads; and each volume's last use.
pub(crate) fn lognormal_history(
    volumes: usize,
    months: usize,
    median: f64,
    sigma: f64,
    seed: u64,
) -> (String, Vec<String>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let growth = LogNormal::new(median.ln(), sigma).expect("valid");
    let mut csv = String::from("time,volume,used_bytes\n");
    let claims: Vec<String> = (0..volumes).map(|v| format!("team/ws-{v}")).collect();
    for claim in &claims {
        let mut used = 2.0;
        for m in 0..=months {
            let _ = writeln!(csv, "{},{claim},{}", month(m), (used * GIB).round());
            used += growth.sample(&mut rng);
        }
    }
    (csv, claims)
}

/// Writes `history` (CSV or JSON text) and a scenario for `claims` into `dir`: the scenario's
/// path and the command that calibrates it (the caller adds flags and asserts).
pub(crate) fn calibrate_command(
    dir: &Path,
    history: &str,
    claims: &[String],
    statefulset: Option<&str>,
) -> (std::path::PathBuf, assert_cmd::Command) {
    let ext = if history.starts_with('{') {
        "json"
    } else {
        "csv"
    };
    let path = dir.join(format!("history.{ext}"));
    std::fs::write(&path, history).expect("written");
    let file = scenario(dir, claims, statefulset);
    let mut cmd = headroom();
    cmd.arg("calibrate").arg(&path).arg("--scenario").arg(&file);
    (file, cmd)
}

/// The mean of a fitted `growth` table, whatever the family.
fn growth_mean(growth: &toml::Value) -> f64 {
    let p = |family: &str, k: &str| growth[family][k].as_float().unwrap_or(f64::NAN);
    match growth
        .as_table()
        .and_then(|t| t.keys().next().cloned())
        .as_deref()
    {
        Some("normal") => p("normal", "mean"),
        Some("lognormal") => {
            p("lognormal", "median") * (p("lognormal", "sigma").powi(2) / 2.0).exp()
        }
        Some("gamma") => p("gamma", "shape") * p("gamma", "scale"),
        _ => f64::NAN,
    }
}

fn table_value(text: &str, key: &str) -> toml::Value {
    let doc: toml::Value = toml::from_str(text).expect("valid TOML");
    doc["volumes"][0][key].clone()
}

/// 40 volumes × 12 monthly increments drawn from LogNormal(median 0.5, σ 0.6), seed 11:
/// lognormal wins on likelihood, and the fit lands within three of its standard errors of the
/// truth: ln median ± 3 × 0.6/√480 (±8.2%), σ ± 3 × 0.6/√960 (±0.058). The scenario keeps its
/// comments and other keys; the chart is written; the cluster's raw use left unexplained gives
/// up what the volumes now hold.
#[test]
fn recovers_lognormal_growth_from_its_own_draws() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (csv, claims) = lognormal_history(40, 12, 0.5, 0.6, 11);
    let (file, mut cmd) = calibrate_command(dir.path(), &csv, &claims, None);
    let out = cmd.assert().success().stdout(predicates::str::contains(
        "data: 40 volume(s), 2026-01..2027-01, 480 increments: lognormal",
    ));
    // The fit's own 95% intervals, as printed, hold the values the history was drawn from.
    let stdout = String::from_utf8(out.get_output().stdout.clone()).expect("UTF-8");
    let ci = &stdout[stdout.find("95% CI").expect("intervals printed")..];
    let interval = |name: &str| -> (f64, f64) {
        let at = ci.find(&format!("{name} ")).expect("an interval") + name.len() + 1;
        let text: String = ci[at..]
            .chars()
            .take_while(|c| *c != ',' && *c != ')')
            .collect();
        let (lo, hi) = text.split_once('–').expect("lo–hi");
        (lo.parse().expect("lo"), hi.parse().expect("hi"))
    };
    let (m_lo, m_hi) = interval("95% CI median");
    let (s_lo, s_hi) = interval("sigma");
    assert!(m_lo < 0.5 && 0.5 < m_hi, "median interval {m_lo}–{m_hi}");
    assert!(s_lo < 0.6 && 0.6 < s_hi, "sigma interval {s_lo}–{s_hi}");
    let text = std::fs::read_to_string(&file).expect("read back");
    let growth = table_value(&text, "growth");
    let median = growth["lognormal"]["median"].as_float().expect("median");
    let sigma = growth["lognormal"]["sigma"].as_float().expect("sigma");
    assert!(
        (median / 0.5).ln().abs() <= 3.0 * 0.6 / 480f64.sqrt(),
        "median {median}"
    );
    assert!(
        (sigma - 0.6).abs() <= 3.0 * 0.6 / 960f64.sqrt(),
        "sigma {sigma}"
    );
    assert!(
        text.contains("name = \"data\"          # the entry calibrate fills in"),
        "comments kept:\n{text}"
    );
    assert!(text.contains("# calibrate: lognormal by likelihood"));
    assert!(text.contains("over 480 monthly increments of 40 volume(s), 2026-01..2027-01"));
    // Every volume grows with the same law: their own means differ only by sampling, σ of
    // the log of a mean of 12 draws ≈ 0.66/√12 = 0.19.
    let spread = table_value(&text, "trial_factor")["lognormal"]["sigma"]
        .as_float()
        .expect("sigma");
    assert!(spread > 0.1 && spread < 0.3, "spread {spread}");
    assert!(dir.path().join("calibrated-data-fit.png").exists());
    // Mean last use ≈ 2 + 12 × 0.5 × e^0.18 = 9.18 GiB a volume; 40 × that × 3 × 1.05 ≈ 1,157
    // GiB raw move out of initial_raw_used's 3,000.
    let doc: toml::Value = toml::from_str(&text).expect("TOML");
    let raw = headroom::quantity::parse_gib(
        doc["ceph"]["main"]["initial_raw_used"]
            .as_str()
            .expect("quantity"),
    )
    .expect("GiB");
    assert!(
        raw > 3000.0 - 1400.0 && raw < 3000.0 - 900.0,
        "initial_raw_used {raw}"
    );
    headroom::scenario::load(&file).expect("still a valid scenario");
}

/// Two months of history is too little: said, exit 0, and the file is left as it was.
#[test]
fn too_little_history_leaves_the_placeholders() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (csv, claims) = lognormal_history(10, 1, 0.5, 0.6, 3);
    let (file, mut cmd) = calibrate_command(dir.path(), &csv, &claims, None);
    let before = std::fs::read_to_string(&file).expect("read");
    cmd.assert().success().stdout(predicates::str::contains(
        "too little history (2 month(s) of history: at least 3 are needed)",
    ));
    assert_eq!(std::fs::read_to_string(&file).expect("read"), before);
}

/// Four volumes is too few for a per-volume fit.
#[test]
fn four_volumes_are_too_few() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (csv, claims) = lognormal_history(4, 6, 0.5, 0.6, 5);
    let (_, mut cmd) = calibrate_command(dir.path(), &csv, &claims, None);
    cmd.assert().success().stdout(predicates::str::contains(
        "4 volume(s): at least 5 are needed",
    ));
}

/// A Prometheus `query_range` result: the kubelet's series for StatefulSet claims
/// `data-db-<n>` match the entry through its `statefulset` (no `claims` list); a steady 1 GiB a
/// month with ±0.1 GiB alternation is fitted, the mean within its own interval.
#[test]
fn prometheus_series_match_by_statefulset_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut result = Vec::new();
    for v in 0..6 {
        let values: Vec<serde_json::Value> = (0..6)
            .map(|m| {
                let t = 1_768_478_400 + m * 30 * 86_400; // 2026-01-15T12:00Z, then every 30 days
                let used = (5.0 + m as f64 + if (m + v) % 2 == 0 { 0.1 } else { -0.1 }) * GIB;
                serde_json::json!([t, format!("{used}")])
            })
            .collect();
        result.push(serde_json::json!({
            "metric": {"__name__": "kubelet_volume_stats_used_bytes", "namespace": "prod", "persistentvolumeclaim": format!("data-db-{v}")},
            "values": values
        }));
    }
    let body = serde_json::json!({"status": "success", "data": {"resultType": "matrix", "result": result}});
    let claims: Vec<String> = (0..6).map(|v| format!("prod/data-db-{v}")).collect();
    let (file, mut cmd) = calibrate_command(dir.path(), &body.to_string(), &claims, Some("db"));
    cmd.assert().success();
    let growth = table_value(&std::fs::read_to_string(&file).expect("read"), "growth");
    let mean = growth_mean(&growth);
    assert!((mean - 1.0).abs() < 0.1, "{growth}");
}

/// A series of another metric is refused: exit 2, the file and the series.
#[test]
fn a_series_of_the_wrong_metric_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let body = r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"kubelet_volume_stats_capacity_bytes","namespace":"a","persistentvolumeclaim":"b"},"values":[[1768478400,"1"]]}]}}"#;
    let (_, mut cmd) = calibrate_command(dir.path(), body, &["a/b".to_string()], None);
    cmd.assert()
        .code(2)
        .stderr(predicates::str::contains(
            "history.json: data.result[0].metric.__name__: \"kubelet_volume_stats_capacity_bytes\" is not usage history",
        ));
}

/// Users growing 5% a month exactly (100, 105, 110.25, …, rounded): the geometric rate is
/// 5% to rounding, and initial_users the last count.
#[test]
fn population_growth_from_user_counts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (csv, claims) = lognormal_history(5, 4, 0.5, 0.6, 9);
    let mut users = String::from("time,users\n");
    for m in 0..=12 {
        let _ = writeln!(
            users,
            "{},{}",
            month(m),
            (100.0 * 1.05f64.powi(m as i32)).round()
        );
    }
    let users_file = dir.path().join("users.csv");
    std::fs::write(&users_file, users).expect("written");
    let (file, mut cmd) = calibrate_command(dir.path(), &csv, &claims, None);
    cmd.arg("--users").arg(&users_file).assert().success();
    let doc: toml::Value =
        toml::from_str(&std::fs::read_to_string(&file).expect("read")).expect("TOML");
    assert_eq!(doc["population"]["initial_users"].as_integer(), Some(180)); // 100 × 1.05^12 = 179.6
    let rate = doc["population"]["growth"]["geometric"]["rate"]["normal"]["mean"]
        .as_float()
        .expect("rate");
    assert!((rate - 0.05).abs() < 0.002, "{rate}");
}

/// `ceph_pool_stored` with `--volume`: the pool grows 12 GiB a month (± 1, alternating, so the
/// six increments are 10 and 14 by turns) and the entry has 6 volumes, so each grows 2 GiB a
/// month on average; no per-volume spread is claimed.
#[test]
fn pool_history_is_shared_over_the_entrys_volumes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let values: Vec<serde_json::Value> = (0..7)
        .map(|m| {
            let t = 1_768_478_400 + m * 30 * 86_400;
            let stored = (100.0 + 12.0 * m as f64 + if m % 2 == 0 { 1.0 } else { -1.0 }) * GIB;
            serde_json::json!([t, format!("{stored}")])
        })
        .collect();
    let body = serde_json::json!({"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": {"__name__": "ceph_pool_stored", "pool_id": "3", "name": "replicapool"}, "values": values}
    ]}});
    let claims: Vec<String> = (0..6).map(|v| format!("prod/c-{v}")).collect();
    let (file, mut cmd) = calibrate_command(dir.path(), &body.to_string(), &claims, None);
    cmd.args(["--volume", "data"])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "data: 1 pool series shared over 6 volumes, 2026-01..2026-07, 6 increments",
        ));
    let text = std::fs::read_to_string(&file).expect("read");
    let growth = table_value(&text, "growth");
    let mean = growth_mean(&growth);
    assert!((mean - 2.0).abs() < 0.05, "{growth}");
    assert!(
        !text.contains("trial_factor"),
        "a pool says nothing of its volumes' spread"
    );
}
