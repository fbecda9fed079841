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
        .args([
            "--trials", "300", "--seed", "1", "--today", "2026-12", "--out",
        ])
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
    assert!(script.contains("delete statefulset \"$2\" --cascade=orphan --ignore-not-found"));
    assert!(script.contains(
        "replace coditect-app coditect-combined \"$PLAN_DIR\"/migrate/statefulset-coditect-app-coditect-combined.yaml"
    ));
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
    // A runbook: made in December 2026, the first order was due in April (the scenario starts
    // in January 2026): overdue, order now. Pre-checks, a way back, and re-planning after each
    // order are written out.
    assert!(
        md.contains("Made in 2026-12: dates before it are overdue."),
        "{md}"
    );
    assert!(
        md.contains(
            "| 1 | 3 × 150 GiB OSD (1 on each of 3 hosts) | **overdue** (due 2026-04): order now |"
        ),
        "{md}"
    );
    for section in [
        "## Before you start",
        "## If you must go back",
        "re-run `headroom plan`",
    ] {
        assert!(md.contains(section), "{section}\n{md}");
    }
    assert!(md.contains("--rule-labels release=<name>"), "{md}");
    // The scenario models the databases with pvc-autoresizer; their StatefulSet has none.
    assert!(
        md.contains("volume platform-db: the scenario models today's setting with pvc-autoresizer, but StatefulSet platform-postgres in the manifests has no resize.topolvm.io/storage_limit"),
        "{md}"
    );
    // Planned before the scenario starts, nothing is overdue.
    let early = dir.path().join("early");
    headroom()
        .args([
            "plan",
            "scenarios/contabo-ceph.toml",
            "--manifests",
            "examples/contabo/k8s",
        ])
        .args([
            "--quiet", "--trials", "300", "--seed", "1", "--today", "2025-12", "--out",
        ])
        .arg(&early)
        .assert()
        .success();
    let md = std::fs::read_to_string(early.join("plan.md")).unwrap();
    assert!(!md.contains("overdue**"), "{md}");
    assert!(
        md.contains("| 1 | 3 × 150 GiB OSD (1 on each of 3 hosts) | **2026-04** |"),
        "{md}"
    );
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

/// `migrate.sh` against a fake kubectl (`tests/fixtures/fake-kubectl`) that records its calls,
/// keeps the state the script reads and fails on demand. The script is bash with `set -euo
/// pipefail` and executable; it refuses to run without the planned context, and under
/// `--dry-run` sends every change with `--dry-run=server` and changes nothing. Failed at any
/// one of its calls (a forbidden `get pvc`, a refused patch, a delete) it stops with an error
/// (it used to print "kept its size" and exit 0), and run again it finishes the job: the
/// StatefulSet re-applied once, each smaller workspace PVC grown to the plan's 10Gi and the one
/// already at 20Gi left alone, every PVC annotated.
#[test]
fn migrate_sh_stops_on_errors_and_finishes_when_run_again() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan");
    headroom()
        .args(["plan", "scenarios/coditect-hybrid.toml", "--manifests"])
        .args(["examples/coditect/k8s", "--kube-context", "prod", "--quiet"])
        .args(["--trials", "300", "--seed", "1", "--out"])
        .arg(&out)
        .assert()
        .success();
    let script = out.join("migrate.sh");
    let text = std::fs::read_to_string(&script).unwrap();
    assert!(text.starts_with("#!/usr/bin/env bash\n"), "{text}");
    assert!(text.contains("set -euo pipefail"));
    let mode = std::fs::metadata(&script).unwrap().permissions().mode();
    assert!(mode & 0o100 != 0, "migrate.sh is not executable: {mode:o}");
    // The StatefulSet is applied from a file of its own, never with the StorageClass.
    assert!(
        out.join("migrate/statefulset-coditect-app-coditect-combined.yaml")
            .is_file()
    );
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::fs::copy(
        root().join("tests/fixtures/fake-kubectl/kubectl"),
        bin.join("kubectl"),
    )
    .unwrap();
    std::fs::set_permissions(bin.join("kubectl"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let fresh = |name: &str| {
        let state = dir.path().join(name);
        std::fs::create_dir_all(state.join("pvc")).unwrap();
        std::fs::write(
            state.join("statefulset-coditect-app-coditect-combined"),
            "OLD\n",
        )
        .unwrap();
        for (pvc, size) in [
            ("workspace-coditect-combined-0", "5Gi"),
            ("workspace-coditect-combined-1", "5Gi"),
            ("workspace-coditect-combined-2", "20Gi"),
            ("theia-config-coditect-combined-0", "5Gi"),
            ("unrelated-data-0", "1Gi"),
        ] {
            std::fs::write(state.join("pvc").join(pvc), format!("{size}\n")).unwrap();
        }
        state
    };
    let run = |state: &Path, args: &[&str], fail_at: Option<usize>| {
        let mut cmd = std::process::Command::new(&script);
        cmd.args(args)
            .env("PATH", &path)
            .env("FAKE_KUBE", state)
            .env_remove("FAIL_AT");
        if let Some(n) = fail_at {
            cmd.env("FAIL_AT", n.to_string());
        }
        cmd.output().unwrap()
    };
    let read = |state: &Path, file: &str| {
        std::fs::read_to_string(state.join(file))
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    let finished = |state: &Path| {
        assert_eq!(
            read(state, "statefulset-coditect-app-coditect-combined"),
            "NEW:statefulset-coditect-app-coditect-combined.yaml"
        );
        for (pvc, size) in [
            ("workspace-coditect-combined-0", "10Gi"),
            ("workspace-coditect-combined-1", "10Gi"),
            ("workspace-coditect-combined-2", "20Gi"),
            ("theia-config-coditect-combined-0", "5Gi"),
            ("unrelated-data-0", "1Gi"),
        ] {
            assert_eq!(read(state, &format!("pvc/{pvc}")), size, "{pvc}");
        }
        let annotated = read(state, "annotated");
        for pvc in [
            "workspace-coditect-combined-0",
            "workspace-coditect-combined-2",
            "theia-config-coditect-combined-0",
        ] {
            assert!(annotated.contains(pvc), "{pvc} not annotated:\n{annotated}");
        }
        assert!(!annotated.contains("unrelated"));
    };

    // Another context than the plan's: refused before any call. A plan made without
    // `--kube-context` asks for one and runs nothing without it (the current context is
    // never assumed); every call names the context (the fake refuses any that does not).
    let state = fresh("refused");
    let o = run(&state, &["--context", "staging"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("this plan is for context prod"));
    assert_eq!(read(&state, "calls"), "");
    let unnamed = dir.path().join("unnamed");
    headroom()
        .args(["plan", "scenarios/coditect-hybrid.toml", "--manifests"])
        .args([
            "examples/coditect/k8s",
            "--quiet",
            "--trials",
            "300",
            "--seed",
            "1",
            "--out",
        ])
        .arg(&unnamed)
        .assert()
        .success();
    let o = std::process::Command::new(unnamed.join("migrate.sh"))
        .env("PATH", &path)
        .env("FAKE_KUBE", &state)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("name the cluster with --context CONTEXT"));
    assert_eq!(read(&state, "calls"), "config current-context");

    // A dry run: every change checked by the API server, none made.
    let state = fresh("dry");
    let o = run(&state, &["--context", "prod", "--dry-run"], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let calls = read(&state, "calls");
    for line in calls.lines() {
        let changes = ["apply -f", "delete", "patch", "annotate"]
            .iter()
            .any(|c| line.contains(c));
        assert!(!changes || line.contains("--dry-run=server"), "{line}");
    }
    assert_eq!(
        read(&state, "statefulset-coditect-app-coditect-combined"),
        "OLD"
    );
    assert_eq!(read(&state, "pvc/workspace-coditect-combined-0"), "5Gi");

    // The whole run, its calls counted; run again, it changes nothing more.
    let state = fresh("whole");
    let o = run(&state, &["--context", "prod"], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    finished(&state);
    let calls: usize = read(&state, "count").parse().unwrap();
    let o = run(&state, &["--context", "prod"], None);
    assert!(o.status.success());
    let again = read(&state, "calls");
    let second: Vec<&str> = again.lines().skip(calls).collect();
    assert!(
        !second
            .iter()
            .any(|l| l.contains(" delete ") || l.contains(" patch ")),
        "a second run deleted or patched again: {second:#?}"
    );

    // Failed at each call in turn, then run again.
    for fail_at in 1..=calls {
        let state = fresh(&format!("fail-{fail_at}"));
        let o = run(&state, &["--context", "prod"], Some(fail_at));
        assert!(
            !o.status.success(),
            "call {fail_at} failed and the script went on: {}",
            read(&state, "calls")
        );
        std::fs::remove_file(state.join("count")).unwrap();
        let o = run(&state, &["--context", "prod"], None);
        assert!(
            o.status.success(),
            "the re-run after a failure at call {fail_at}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        finished(&state);
    }
}
