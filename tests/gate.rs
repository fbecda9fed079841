//! `gate`: limits judged on the run's own figures, regressions against a stored baseline and
//! against a git revision simulated in the same trial loop, and the exit codes 0 / 1 / 2.

use crate::common::*;
use headroom::engine;
use headroom::model::metrics::Metric;
use headroom::scenario;
use predicates::prelude::*;
use std::path::Path;

const SMALL: &str = r#"
name = "small"
horizon_months = 12
trials = 2000
seed = 11
currency = "USD"

[population]
initial_users = 20
growth = { geometric = { rate = { normal = { mean = 0.05, sd = 0.03 } }, noise = 0.02 } }

[pods]
pods_per_user = 0.2
min = 1

[[volumes]]
name = "data"
per = "pod"
storage_class = "disk"
size = "20Gi"
initial_used = { uniform = { min = 1.0, max = 3.0 } }
growth = { lognormal = { median = 0.5, sigma = 0.6 } }

[storage_classes.disk]
backend = "cloud"
price_per_gib_month = 0.10
"#;

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// `headroom gate ARGS…` in `dir`.
fn gate(dir: &Path, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = headroom();
    cmd.current_dir(dir).arg("gate").args(args).arg("--quiet");
    cmd
}

/// Records `base.json` of `small.toml` for `budget.toml`.
fn record(dir: &Path) {
    gate(
        dir,
        &[
            "--budget",
            "budget.toml",
            "--write-baseline",
            "base.json",
            "small.toml",
        ],
    )
    .assert()
    .code(0);
}

/// Judges `scenario` against the stored `baseline`.
fn against_file(dir: &Path, baseline: &str, scenario: &str) -> assert_cmd::assert::Assert {
    gate(
        dir,
        &["--budget", "budget.toml", "--baseline", baseline, scenario],
    )
    .assert()
}

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(out)))
}

/// The P90 of monthly cost in its worst month, computed from the aggregate directly.
fn worst_p90_cost(dir: &Path) -> (f64, usize) {
    let s = scenario::load(&dir.join("small.toml")).unwrap();
    let agg = run(&s, 2000, 11, None);
    (1..=12)
        .map(|m| (agg.cell(m, Metric::CostTotal).quantile(0.9), m))
        .fold((f64::MIN, 0), |a, b| if b.0 > a.0 { b } else { a })
}

fn budget_p90(max: f64) -> String {
    format!(
        "[[check]]\nscenarios = [\"small\"]\nmetric = \"cost_total\"\nstat = \"p90\"\nmonth = \"worst\"\nmax = {max}\n"
    )
}

#[test]
fn a_budget_met_passes_with_the_runs_own_figure() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "small.toml", SMALL);
    let (p90, month) = worst_p90_cost(dir.path());
    write(dir.path(), "budget.toml", &budget_p90(p90 * 1.05));
    let out = gate(
        dir.path(),
        &["--budget", "budget.toml", "small.toml", "--format", "json"],
    )
    .assert()
    .code(0)
    .get_output()
    .stdout
    .clone();
    let r = json(&out);
    assert_eq!(r["pass"], true);
    assert_eq!(r["checks"], 1);
    let v = &r["verdicts"][0];
    assert_eq!(v["status"], "pass");
    assert_eq!(v["value"].as_f64().unwrap(), p90);
    assert_eq!(v["month"].as_u64().unwrap(), month as u64);
    // Growth makes the last month the dearest.
    assert_eq!(month, 12);
    gate(dir.path(), &["--budget", "budget.toml", "small.toml"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("all 1 checks pass"));
}

#[test]
fn a_budget_breached_fails_naming_scenario_month_and_amount() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "small.toml", SMALL);
    let (p90, month) = worst_p90_cost(dir.path());
    let limit = (p90 * 0.9 * 100.0).round() / 100.0;
    write(dir.path(), "budget.toml", &budget_p90(limit));
    let out = gate(
        dir.path(),
        &[
            "--budget",
            "budget.toml",
            "small.toml",
            "--format",
            "markdown",
        ],
    )
    .assert()
    .code(1)
    .get_output()
    .stdout
    .clone();
    let md = String::from_utf8(out).unwrap();
    let first = md.lines().next().unwrap();
    assert_eq!(
        first,
        "❌ **headroom gate: 1 of 1 checks fail (baseline: none)**"
    );
    let over = p90 - limit;
    let failing = md
        .lines()
        .find(|l| l.starts_with("- **small**"))
        .expect("a failing-check line");
    assert!(
        failing.contains(&format!(
            "cost_total P90 in the worst month ≤ {limit}, month {month}"
        )),
        "{failing}"
    );
    assert!(
        failing.contains(&format!("{:.4} past the limit", over))
            || failing.contains(&format!("{:.2} past the limit", over)),
        "{failing} should say by {over}"
    );
    assert!(md.contains("<details><summary>All 1 checks</summary>"));
}

/// A regression limit of `max_increase = 0` on the mean cumulative cost, against a stored
/// baseline whose value is moved by `shift` standard errors of the difference.
fn regression_case(shift_in_noise: f64) -> (assert_cmd::assert::Assert, f64) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "small.toml", SMALL);
    write(
        dir.path(),
        "budget.toml",
        "[[regression]]\nmetric = \"cost_cumulative\"\nstat = \"mean\"\nmax_increase = 0.0\n",
    );
    record(dir.path());
    let mut base = read_json(&dir.path().join("base.json"));
    let fig = &mut base["scenarios"][0]["values"]["cost_cumulative.mean.horizon"];
    let (value, se) = (fig["value"].as_f64().unwrap(), fig["se"].as_f64().unwrap());
    // The same run on both sides: the noise of the difference is 1.96·√2·se.
    let noise = 1.96 * (2.0f64).sqrt() * se;
    fig["value"] = serde_json::json!(value - shift_in_noise * noise);
    std::fs::write(
        dir.path().join("base.json"),
        serde_json::to_vec(&base).unwrap(),
    )
    .unwrap();
    let a = against_file(dir.path(), "base.json", "small.toml");
    (a, noise)
}

#[test]
fn a_regression_within_the_noise_passes_and_says_so() {
    let (a, _) = regression_case(0.5);
    a.code(0)
        .stdout(predicate::str::contains("pass"))
        .stdout(predicate::str::contains(
            "past the limit but within the Monte Carlo noise",
        ));
}

#[test]
fn a_regression_beyond_the_noise_fails() {
    let (a, noise) = regression_case(3.0);
    let out = a.code(1).get_output().stdout.clone();
    let text = String::from_utf8(out).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("FAIL"))
        .expect("a FAIL line");
    assert!(
        line.contains("cost_cumulative mean at the horizon rises by at most 0"),
        "{line}"
    );
    assert!(line.contains(&format!("noise ±{noise:.4}")), "{line}");
}

#[test]
fn a_baseline_of_the_same_inputs_compares_equal() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "small.toml", SMALL);
    write(
        dir.path(),
        "budget.toml",
        "[[regression]]\nmetric = \"cost_total\"\nstat = \"p90\"\nmonth = \"worst\"\nmax_increase_percent = 1.0\n\n[[regression]]\nmetric = \"volume_full\"\nmax_increase = 0.0\n",
    );
    record(dir.path());
    // The budget's two figures, nothing else.
    let base = read_json(&dir.path().join("base.json"));
    let values = base["scenarios"][0]["values"].as_object().unwrap();
    assert_eq!(
        values.keys().collect::<Vec<_>>(),
        ["cost_total.p90.worst", "volume_full.p"]
    );
    assert_eq!(base["scenarios"][0]["seed"], 11);
    assert_eq!(base["scenarios"][0]["trials"], 2000);
    let out = gate(
        dir.path(),
        &[
            "--budget",
            "budget.toml",
            "--baseline",
            "base.json",
            "small.toml",
            "--format",
            "json",
        ],
    )
    .assert()
    .code(0)
    .get_output()
    .stdout
    .clone();
    for v in json(&out)["verdicts"].as_array().unwrap() {
        assert_eq!(v["status"], "pass");
        assert_eq!(
            v["value"], v["baseline"],
            "bit-identical through the JSON file"
        );
    }
}

#[test]
fn a_missing_or_stale_baseline_is_reported_not_compared() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "small.toml", SMALL);
    write(
        dir.path(),
        "budget.toml",
        "[[regression]]\nmetric = \"cost_cumulative\"\nmax_increase_percent = 5.0\n",
    );
    // No file: bad input, exit 2, naming the file.
    against_file(dir.path(), "nowhere.json", "small.toml")
        .code(2)
        .stderr(predicate::str::contains("nowhere.json"))
        .stderr(predicate::str::contains("--write-baseline"));
    // Malformed: exit 2 with the line.
    write(
        dir.path(),
        "broken.json",
        "{\n  \"format\": 1,\n  \"version\": 3\n}\n",
    );
    against_file(dir.path(), "broken.json", "small.toml")
        .code(2)
        .stderr(predicate::str::contains("broken.json:3: version"));

    record(dir.path());
    // Another scenario's baseline: nothing to compare with; noted, not failed.
    let other = SMALL.replace("name = \"small\"", "name = \"other\"");
    write(dir.path(), "other.toml", &other);
    against_file(dir.path(), "base.json", "other.toml")
        .code(0)
        .stdout(predicate::str::contains("no baseline"));
    // The inputs changed (a price): stale, and the gate fails until it is re-recorded.
    write(
        dir.path(),
        "small.toml",
        &SMALL.replace("price_per_gib_month = 0.10", "price_per_gib_month = 0.11"),
    );
    against_file(dir.path(), "base.json", "small.toml")
        .code(1)
        .stdout(predicate::str::contains("STALE"))
        .stdout(predicate::str::contains(
            "changed since the baseline was recorded",
        ));
    // Another seed: stale too.
    write(dir.path(), "small.toml", SMALL);
    let mut base = read_json(&dir.path().join("base.json"));
    base["scenarios"][0]["seed"] = serde_json::json!(12);
    std::fs::write(
        dir.path().join("base.json"),
        serde_json::to_vec(&base).unwrap(),
    )
    .unwrap();
    against_file(dir.path(), "base.json", "small.toml")
        .code(1)
        .stdout(predicate::str::contains(
            "recorded with seed 12, 2000 trials",
        ));
}

#[test]
fn a_malformed_budget_is_bad_input_with_file_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "small.toml", SMALL);
    write(
        dir.path(),
        "budget.toml",
        "[[check]]\nmetric = \"cost_total\"\nmax = 5.0\n\n[[check]]\nmetric = \"cost_totl\"\nmax = 3.0\n\n[[regression]]\nmetric = \"cost_total\"\nmonth = 3\nmax_increase = -1.0\n\n[[check]]\nmetric = \"ceph_full\"\nstat = \"p90\"\nmaxx = 1\n",
    );
    gate(dir.path(), &["--budget", "budget.toml", "small.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "budget.toml:17: check[2].maxx: unknown field",
        ));
    let text = std::fs::read_to_string(dir.path().join("budget.toml"))
        .unwrap()
        .replace("maxx", "max");
    write(dir.path(), "budget.toml", &text);
    gate(dir.path(), &["--budget", "budget.toml", "small.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "budget.toml:6: check[1].metric: \"cost_totl\" is neither a metric",
        ))
        .stderr(predicate::str::contains(
            "budget.toml:11: regression[0].month: 3 is not \"horizon\" or \"worst\"",
        ))
        .stderr(predicate::str::contains(
            "budget.toml:12: regression[0].max_increase: must be a finite number ≥ 0",
        ))
        .stderr(predicate::str::contains(
            "budget.toml:16: check[2].stat: \"p90\" is not a statistic of an event",
        ))
        .stderr(predicate::str::contains("panicked").not());
    write(dir.path(), "budget.toml", "# nothing\n");
    gate(dir.path(), &["--budget", "budget.toml", "small.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nothing to gate on"));
}

/// Two commits: the second raises the starting users by 10%. `--against HEAD~1` simulates both
/// in one trial loop; the base side is the old file run on its own with the same seed, and the
/// paired noise is far tighter than that of two separate runs.
#[test]
fn against_a_revision_is_a_paired_difference() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q"]);
    std::fs::create_dir(repo.join("scenarios")).unwrap();
    write(repo, "scenarios/small.toml", SMALL);
    write(
        repo,
        "budget.toml",
        "[[regression]]\nmetric = \"cost_cumulative\"\nmax_increase_percent = 5.0\n\n[[regression]]\nmetric = \"cost_cumulative\"\nmax_increase_percent = 15.0\n",
    );
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "base"]);
    let grown = SMALL.replace("initial_users = 20", "initial_users = 22");
    write(repo, "scenarios/small.toml", &grown);
    git(repo, &["commit", "-q", "-am", "ten percent more users"]);

    let out = gate(
        repo,
        &[
            "--budget",
            "budget.toml",
            "--against",
            "HEAD~1",
            "scenarios/small.toml",
            "--format",
            "json",
        ],
    )
    .assert()
    .code(1)
    .get_output()
    .stdout
    .clone();
    let r = json(&out);
    assert_eq!(r["baseline"], "git HEAD~1");
    let v = r["verdicts"].as_array().unwrap();
    assert_eq!(v.len(), 2);
    assert_eq!(v[0]["status"], "fail", "+10% users is more than +5% cost");
    assert_eq!(v[1]["status"], "pass", "but within +15%");

    // Each side is the file at its revision run alone with the change's seed and trials.
    let before = scenario::load(&write(dir.path(), "before.toml", SMALL)).unwrap();
    let after = scenario::load(&repo.join("scenarios/small.toml")).unwrap();
    let (a, b) = (run(&after, 2000, 11, None), run(&before, 2000, 11, None));
    let (now, base) = (
        a.cell(12, Metric::CostCumulative),
        b.cell(12, Metric::CostCumulative),
    );
    assert_eq!(v[0]["value"].as_f64().unwrap(), now.mean());
    assert_eq!(v[0]["baseline"].as_f64().unwrap(), base.mean());
    let rise = now.mean() / base.mean() - 1.0;
    assert!((0.05..0.15).contains(&rise), "rise {rise}");

    // The paired noise, from the trial-by-trial differences of the replayed trials.
    let diffs: Vec<f64> = (0..2000)
        .map(|t| {
            let h = 12;
            engine::replay_trial(&after.model, 11, t).get(h, Metric::CostCumulative)
                - engine::replay_trial(&before.model, 11, t).get(h, Metric::CostCumulative)
        })
        .collect();
    let n = diffs.len() as f64;
    let m = diffs.iter().sum::<f64>() / n;
    let sd = (diffs.iter().map(|d| (d - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let paired = 1.96 * sd / n.sqrt();
    let note = v[0]["note"].as_str().unwrap();
    assert!(
        note.contains(&format!("noise ±{paired:.4}")),
        "{note} vs {paired}"
    );
    let unpaired = 1.96 * (now.mean_se().powi(2) + base.mean_se().powi(2)).sqrt();
    assert!(
        paired < unpaired / 2.0,
        "paired {paired} vs unpaired {unpaired}"
    );

    // A scenario that did not exist at the revision has no baseline: noted, not failed.
    write(
        repo,
        "scenarios/new.toml",
        &SMALL.replace("name = \"small\"", "name = \"new\""),
    );
    gate(
        repo,
        &[
            "--budget",
            "budget.toml",
            "--against",
            "HEAD",
            "scenarios/new.toml",
        ],
    )
    .assert()
    .code(0)
    .stdout(predicate::str::contains("is not in HEAD"));
    // An unknown revision is bad input.
    gate(
        repo,
        &[
            "--budget",
            "budget.toml",
            "--against",
            "no-such-branch",
            "scenarios/small.toml",
        ],
    )
    .assert()
    .code(2)
    .stderr(predicate::str::contains("no-such-branch"));
}

#[test]
fn verdicts_do_not_depend_on_threads() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "small.toml", SMALL);
    write(dir.path(), "budget.toml", &budget_p90(1000.0));
    let out = |threads: &str| {
        gate(
            dir.path(),
            &[
                "--budget",
                "budget.toml",
                "small.toml",
                "--format",
                "json",
                "--threads",
                threads,
            ],
        )
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone()
    };
    assert_eq!(out("1"), out("2"));
}
