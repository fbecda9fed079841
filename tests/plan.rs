//! `plan`: manifests that parse back into the Kubernetes types, pass the Kubernetes OpenAPI
//! schema and `promtool check rules`, change only what they should, and clear errors for a
//! broken folder.

use crate::common::*;
use headroom::plan::alerts::PrometheusRule;
use headroom::plan::rook::RookCluster;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use k8s_openapi::api::storage::v1::StorageClass;
use predicates::prelude::*;
use std::path::Path;

/// Runs `plan` for a bundled scenario on its example manifests into `out`.
fn plan(scenario: &str, manifests: &str, out: &Path) {
    headroom()
        .args(["plan", scenario, "--manifests", manifests, "--quiet"])
        .args(["--trials", "300", "--seed", "1", "--out"])
        .arg(out)
        .assert()
        .success();
}

/// The documents of a YAML file (documents are separated by `---` lines).
fn docs(path: &Path) -> Vec<yaml_serde::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .split("\n---\n")
        .filter_map(|d| yaml_serde::from_str::<yaml_serde::Value>(d).ok())
        .filter(|v| !v.is_null())
        .collect()
}

fn of_kind(path: &Path, kind: &str) -> Vec<yaml_serde::Value> {
    docs(path)
        .into_iter()
        .filter(|d| d["kind"].as_str() == Some(kind))
        .collect()
}

#[test]
fn coditect_plan_parses_back_and_changes_only_the_templates() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan");
    plan(
        "scenarios/coditect-hybrid.toml",
        "examples/coditect/k8s",
        &out,
    );
    let sts: StatefulSet =
        yaml_serde::from_value(of_kind(&out.join("statefulset.yaml"), "StatefulSet").remove(0))
            .unwrap();
    let templates = sts.spec.unwrap().volume_claim_templates.unwrap();
    let workspace = templates
        .iter()
        .find(|t| t.metadata.name.as_deref() == Some("workspace"))
        .unwrap();
    // The recommendation for the workspace grows with pvc-autoresizer: its template carries
    // the annotations, with a limit.
    let ann = workspace.metadata.annotations.clone().unwrap_or_default();
    assert!(
        ann.contains_key("resize.topolvm.io/storage_limit"),
        "{ann:?}"
    );
    let sc: StorageClass =
        yaml_serde::from_value(of_kind(&out.join("storageclass.yaml"), "StorageClass").remove(0))
            .unwrap();
    assert_eq!(sc.allow_volume_expansion, Some(true));
    assert_eq!(
        sc.metadata.annotations.unwrap()["resize.topolvm.io/enabled"],
        "true"
    );
    // The headless Service is not touched: written back exactly as read, comments included.
    let original =
        std::fs::read_to_string(root().join("examples/coditect/k8s/statefulset.yaml")).unwrap();
    let written = std::fs::read_to_string(out.join("statefulset.yaml")).unwrap();
    let service = original.split("\n---\n").next().unwrap();
    assert!(written.starts_with(service), "{written}");
    let script = std::fs::read_to_string(out.join("migrate.sh")).unwrap();
    assert!(script.contains("delete statefulset coditect-combined --cascade=orphan"));
    assert!(script.contains("annotate \"$pvc\" --overwrite resize.topolvm.io/increase=10%"));
    let rule: PrometheusRule = yaml_serde::from_str(
        &std::fs::read_to_string(out.join("prometheusrule-headroom.yaml")).unwrap(),
    )
    .unwrap();
    assert!(
        rule.spec.groups[0]
            .rules
            .iter()
            .any(|r| r.expr.contains("workspace-coditect-combined-[0-9]+"))
    );
}

#[test]
fn contabo_plan_dates_the_orders_and_writes_each_expansion() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan");
    plan("scenarios/contabo-ceph.toml", "examples/contabo/k8s", &out);
    let rc: RookCluster =
        yaml_serde::from_value(of_kind(&out.join("cephcluster.yaml"), "CephCluster").remove(0))
            .unwrap();
    let storage = rc.spec.storage.unwrap();
    assert_eq!(storage.near_full_ratio, Some(0.85));
    assert_eq!(storage.backfill_full_ratio, Some(0.90));
    assert_eq!(storage.full_ratio, Some(0.95));
    // The first order adds one partition per node: sda3 beside sda2.
    let first: RookCluster = yaml_serde::from_str(
        &std::fs::read_to_string(out.join("expansions/contabo-order-1.yaml")).unwrap(),
    )
    .unwrap();
    for node in first.spec.storage.unwrap().nodes.unwrap() {
        let names: Vec<String> = node.devices.unwrap().into_iter().map(|d| d.name).collect();
        assert_eq!(names, ["sda2", "sda3"]);
    }
    let md = std::fs::read_to_string(out.join("plan.md")).unwrap();
    assert!(md.contains("HeadroomCephOrderCapacity"), "{md}");
    assert!(md.contains("| 1 | 3 × 150 GiB OSD"), "{md}");
    assert!(md.contains("order by (in time in 90% of futures)"));
    // The PVC cannot shrink: it keeps 500Gi and the plan says so.
    let pvc: PersistentVolumeClaim = yaml_serde::from_value(
        of_kind(&out.join("workloads.yaml"), "PersistentVolumeClaim").remove(0),
    )
    .unwrap();
    let size = &pvc.spec.unwrap().resources.unwrap().requests.unwrap()["storage"].0;
    assert_eq!(size, "500Gi");
    let rule: PrometheusRule = yaml_serde::from_str(
        &std::fs::read_to_string(out.join("prometheusrule-headroom.yaml")).unwrap(),
    )
    .unwrap();
    let order = &rule.spec.groups[0].rules[0];
    assert_eq!(order.alert, "HeadroomCephOrderCapacity");
    assert!(
        order
            .expr
            .starts_with("max by (cluster) (ceph_osd_stat_bytes_used / ceph_osd_stat_bytes) >= 0.")
    );
}

/// Whether a command exists on this machine.
fn have(tool: &str) -> bool {
    std::process::Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Every built-in object passes the Kubernetes OpenAPI schema (`kubernetes-validate --strict`,
/// installed by `.ci/run`), and the alert rules pass `promtool check rules` and the plan's own
/// `promtool test rules` cases.
#[test]
fn plans_pass_the_kubernetes_schema_and_promtool() {
    let dir = tempfile::tempdir().unwrap();
    for (scenario, manifests, label) in [
        (
            "scenarios/coditect-hybrid.toml",
            "examples/coditect/k8s",
            "coditect",
        ),
        (
            "scenarios/contabo-ceph.toml",
            "examples/contabo/k8s",
            "contabo",
        ),
    ] {
        let out = dir.path().join(label);
        plan(scenario, manifests, &out);
        let yamls: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        if have("kubernetes-validate") {
            let o = std::process::Command::new("kubernetes-validate")
                .args(["--strict", "--quiet", "-k", "1.33.0"])
                .args(&yamls)
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&o.stdout).to_string()
                + &String::from_utf8_lossy(&o.stderr);
            assert!(o.status.success(), "{label}: {text}");
            assert!(!text.contains("ERROR"), "{label}: {text}");
        } else {
            eprintln!("notice: kubernetes-validate is not installed; schema check skipped");
        }
        promtool_passes(&out, label);
    }
}

/// The plan's rule file passes `promtool check rules`, holds the same groups as its
/// PrometheusRule, and every alert passes its own `promtool test rules` cases (firing at the
/// simulated threshold, quiet short of it). Without promtool: a notice, or under CI a failure.
fn promtool_passes(out: &Path, label: &str) {
    if !have("promtool") {
        let why = "promtool is not installed (Debian: apt-get install prometheus)";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
        eprintln!("notice: {why}; the rule checks are skipped");
        return;
    }
    let rule: PrometheusRule = yaml_serde::from_str(
        &std::fs::read_to_string(out.join("prometheusrule-headroom.yaml")).unwrap(),
    )
    .unwrap();
    let plain: headroom::plan::alerts::RuleSpec = yaml_serde::from_str(
        &std::fs::read_to_string(out.join("alerts/headroom-rules.yaml")).unwrap(),
    )
    .unwrap();
    assert_eq!(plain, rule.spec, "{label}");
    let tests = std::fs::read_to_string(out.join("alerts/headroom-rules.test.yaml")).unwrap();
    let alerts: usize = rule.spec.groups.iter().map(|g| g.rules.len()).sum();
    assert!(alerts > 0, "{label}: no alert");
    assert_eq!(
        tests.matches("fires at its threshold").count(),
        alerts,
        "{label}: a case for every alert\n{tests}"
    );
    for args in [
        vec!["check", "rules", "headroom-rules.yaml"],
        vec!["test", "rules", "headroom-rules.test.yaml"],
    ] {
        let o = std::process::Command::new("promtool")
            .current_dir(out.join("alerts"))
            .args(&args)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{label}: promtool {}: {}{}",
            args.join(" "),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

#[test]
fn a_broken_manifest_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let k8s = dir.path().join("k8s");
    std::fs::create_dir(&k8s).unwrap();
    std::fs::write(
        k8s.join("broken.yaml"),
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n---\nkind: [unclosed\n",
    )
    .unwrap();
    headroom()
        .args(["plan", "scenarios/coditect-hybrid.toml", "--manifests"])
        .arg(&k8s)
        .arg("--out")
        .arg(dir.path().join("plan"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("broken.yaml:7: not valid YAML"))
        .stderr(predicate::str::contains("flow sequence at line 6 column 7"))
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn an_unknown_statefulset_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("named.toml");
    std::fs::write(
        &scenario,
        format!(
            "extends = \"{}\"\nname = \"named\"\n[[volumes]]\nname = \"workspace\"\nstatefulset = \"no-such-set\"\n",
            root().join("scenarios/coditect-hybrid.toml").display()
        ),
    )
    .unwrap();
    headroom()
        .arg("plan")
        .arg(&scenario)
        .args([
            "--manifests",
            "examples/coditect/k8s",
            "--trials",
            "100",
            "--out",
        ])
        .arg(dir.path().join("plan"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "volumes[0].statefulset: no StatefulSet \"no-such-set\"",
        ));
}

/// Where nothing meets the targets (a monthly budget of 1 EUR, no chance of nearfull), `plan`
/// exits 1 and still writes an alert for every template and cluster: the Ceph order alert at
/// the lowest trigger tried (it used to write none), each template's on today's setting (the
/// database's autoresize limit too). `--rule-labels` labels the PrometheusRule, for
/// kube-prometheus-stack's `release` selector; a label Kubernetes would refuse is exit 2.
#[test]
fn nothing_feasible_still_gets_every_alert() {
    let dir = tempfile::tempdir().unwrap();
    let strict = dir.path().join("strict.toml");
    std::fs::write(
        &strict,
        format!(
            "extends = \"{}\"\n[targets]\nmonthly_budget = 1.0\nmax_ceph_nearfull_probability = 0.0\n",
            root().join("scenarios/contabo-ceph.toml").display()
        ),
    )
    .unwrap();
    let out = dir.path().join("plan");
    let run = |labels: &str, out: &Path| {
        headroom()
            .arg("plan")
            .arg(&strict)
            .args(["--manifests", "examples/contabo/k8s", "--quiet"])
            .args(["--trials", "300", "--seed", "1", "--rule-labels", labels])
            .arg("--out")
            .arg(out)
            .assert()
    };
    run("release=kube-prometheus-stack,team=storage", &out)
        .code(1)
        .stderr(predicate::str::contains(
            "no option meets the targets for volume odoo-data, volume platform-db, volume odoo-backups-storage, ceph.contabo",
        ));
    let rule: PrometheusRule = yaml_serde::from_str(
        &std::fs::read_to_string(out.join("prometheusrule-headroom.yaml")).unwrap(),
    )
    .unwrap();
    let labels = rule.metadata.labels.clone().unwrap();
    assert_eq!(labels["release"], "kube-prometheus-stack");
    assert_eq!(labels["team"], "storage");
    let names: Vec<&str> = rule
        .spec
        .groups
        .iter()
        .flat_map(|g| g.rules.iter().map(|r| r.alert.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            "HeadroomCephOrderCapacity",
            "HeadroomVolumeLowFreePlatformDb",
            "HeadroomVolumeAtLimitPlatformDb",
            "HeadroomVolumeLowFreeOdooBackupsStorage"
        ]
    );
    let order = &rule.spec.groups[0].rules[0];
    assert!(order.expr.ends_with(">= 0.3"), "{}", order.expr);
    assert!(
        order.annotations["description"].contains("no trigger meets the targets"),
        "{order:?}"
    );
    let md = std::fs::read_to_string(out.join("plan.md")).unwrap();
    assert!(
        md.contains("HeadroomCephOrderCapacity fires at the lowest tried, 30.0%"),
        "{md}"
    );
    promtool_passes(&out, "strict");
    run("release=", &dir.path().join("ok")).code(1);
    run("bad key=x", &dir.path().join("bad"))
        .code(2)
        .stderr(predicate::str::contains("not a Kubernetes label key"));
}
