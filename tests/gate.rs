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
    let mut lines = md.lines();
    assert_eq!(
        lines.next(),
        Some("<!-- headroom-gate -->"),
        "the marker first"
    );
    assert_eq!(
        lines.next(),
        Some("❌ **headroom gate: 1 of 1 checks fail (baseline: none)**")
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
        failing.contains(&format!("{over:.2} USD past the limit")),
        "{failing} should say by {over}"
    );
    assert!(md.contains("<details><summary>All 1 checks</summary>"));
}

/// A regression limit of `max_increase = 0` on the mean cumulative cost, against a stored
/// baseline whose value is moved by `shift` standard errors of the difference.
fn regression_case(shift_in_noise: f64, extra: &[&str]) -> (assert_cmd::assert::Assert, f64) {
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
    let mut args = vec![
        "--budget",
        "budget.toml",
        "--baseline",
        "base.json",
        "small.toml",
    ];
    args.extend(extra);
    (gate(dir.path(), &args).assert(), noise)
}

/// Past a zero allowance by half the noise: the gate cannot tell a regression from noise, says
/// so (inconclusive, exit 1), and passes it only when told to.
#[test]
fn a_regression_within_the_noise_is_inconclusive() {
    let (a, _) = regression_case(0.5, &["--allow-inconclusive"]);
    a.code(0)
        .stdout(predicate::str::contains("1 inconclusive (allowed)"));
    let (a, _) = regression_case(0.5, &[]);
    a.code(1)
        .stdout(predicate::str::contains("UNSURE"))
        .stdout(predicate::str::contains(
            "past the allowance but within the Monte Carlo noise",
        ))
        .stdout(predicate::str::contains("1 inconclusive"));
}

#[test]
fn a_regression_beyond_the_noise_fails() {
    let (a, noise) = regression_case(3.0, &[]);
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
    let notes = r["notes"].to_string();
    assert!(
        notes.contains("the base side is HEAD~1 = commit "),
        "{notes}"
    );
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

/// A repository whose first commit holds `scenarios/small.toml` = `base` and `budget.toml`,
/// and whose second the scenario as `change`; the gate of the change `--against HEAD~1` as
/// JSON, with `extra` arguments: (exit code, report).
fn against_change(
    base: &str,
    change: &str,
    budget: &str,
    extra: &[&str],
) -> (i32, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q"]);
    std::fs::create_dir(repo.join("scenarios")).unwrap();
    write(repo, "scenarios/small.toml", base);
    write(repo, "budget.toml", budget);
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "base"]);
    write(repo, "scenarios/small.toml", change);
    git(repo, &["commit", "-q", "-am", "change"]);
    let mut args = vec![
        "--budget",
        "budget.toml",
        "--against",
        "HEAD~1",
        "scenarios/small.toml",
        "--format",
        "json",
    ];
    args.extend(extra);
    let out = gate(repo, &args).output().unwrap();
    (out.status.code().unwrap_or(-1), json(&out.stdout))
}

/// The price up 4% on every trial (0.10 → 0.104 USD per GiB-month), against "P90 of the
/// monthly cost in its worst month rises by at most 2%". Each side's own P90 noise is larger
/// than the whole change, so judged as independent runs it passed "within the noise"; both
/// sides play the same trials, every trial's cost moves by the same 4%, and the paired noise
/// of the P90 is nearly nothing: it fails.
#[test]
fn a_price_rise_fails_the_p90_check_its_own_noise_hid() {
    let budget = "[[regression]]\nmetric = \"cost_total\"\nstat = \"p90\"\nmonth = \"worst\"\nmax_increase_percent = 2.0\n";
    let risen = SMALL.replace("price_per_gib_month = 0.10", "price_per_gib_month = 0.104");
    let (code, r) = against_change(SMALL, &risen, budget, &[]);
    let v = &r["verdicts"][0];
    assert_eq!((code, v["status"].as_str()), (1, Some("fail")), "{r:#}");
    let (now, base) = (
        v["value"].as_f64().unwrap(),
        v["baseline"].as_f64().unwrap(),
    );
    assert!(
        (now / base - 1.04).abs() < 1e-3,
        "every trial's cost is 4% up: {now} against {base}\n{r:#}"
    );
    let over = v["over_by"].as_f64().unwrap();
    let se_diff = v["se_diff"].as_f64().unwrap();
    let se = v["se"].as_f64().unwrap();
    // The same comparison in fields a pipeline reads without parsing sentences.
    assert_eq!(
        (
            v["metric"].as_str(),
            v["stat"].as_str(),
            v["unit"].as_str(),
            v["currency"].as_str(),
            v["verdict"].as_str()
        ),
        (
            Some("cost_total"),
            Some("p90"),
            Some("money"),
            Some("USD"),
            Some("fail")
        ),
        "{v:#}"
    );
    assert_eq!(
        (v["base"].as_f64(), v["head"].as_f64()),
        (Some(base), Some(now))
    );
    assert_eq!(v["difference"].as_f64(), Some(now - base));
    assert_eq!(v["noise"].as_f64(), Some(1.96 * se_diff));
    assert!(
        (v["allowance"].as_f64().unwrap() - 0.02 * base).abs() < 1e-9,
        "{v:#}"
    );
    eprintln!(
        "price +4%: P90 {base:.4} → {now:.4} (+{:.4}), {over:.4} past 2%; own noise ±{:.4}, paired ±{:.6}",
        now - base,
        1.96 * 2f64.sqrt() * se,
        1.96 * se_diff
    );
    // Judged as two independent runs the noise (1.96 √2 se) was larger than the change.
    assert!(
        1.96 * 2f64.sqrt() * se > now - base,
        "se {se}, change {}",
        now - base
    );
    assert!(
        se_diff < 0.1 * over,
        "paired noise {se_diff} against {over} past the allowance"
    );
    assert!(
        v["note"].as_str().unwrap().contains("paired (ρ = 1.000)"),
        "{v:#}"
    );
}

/// A change of pure noise: the volume template renamed, so that its growth draws are new
/// (streams are keyed by name) and nothing else moves, against a budget of thirteen checks
/// that allow no increase at all. Twenty seeds: at most one run fails (Holm holds the run's
/// family to 2.5% a direction). Judged one check at a time, with quantiles' noise taken as
/// independent, the issue measured 10 runs of 20 failing with 36 such checks.
#[test]
fn pure_noise_fails_at_most_one_run_in_twenty() {
    let mut budget = String::new();
    for metric in ["used_gib", "billed_gib"] {
        for stat in ["mean", "p50", "p90", "p99"] {
            for month in ["horizon", "worst"] {
                if metric == "billed_gib" && month == "worst" {
                    continue;
                }
                budget.push_str(&format!(
                    "[[regression]]\nmetric = \"{metric}\"\nstat = \"{stat}\"\nmonth = \"{month}\"\nmax_increase = 0.0\n\n"
                ));
            }
        }
    }
    budget.push_str(
        "[[regression]]\nmetric = \"full_events\"\nstat = \"mean\"\nmax_increase = 0.0\n",
    );
    let mut failed = Vec::new();
    let mut inconclusive = 0;
    for seed in 1..=20u64 {
        let base = SMALL.replace("seed = 11", &format!("seed = {seed}"));
        let renamed = base.replace("name = \"data\"", "name = \"data_v2\"");
        let (code, r) = against_change(&base, &renamed, &budget, &["--allow-inconclusive"]);
        let v = r["verdicts"].as_array().unwrap();
        assert_eq!(v.len(), 13, "{r:#}");
        inconclusive += v.iter().filter(|v| v["status"] == "inconclusive").count();
        match code {
            0 => {}
            1 => failed.push(seed),
            _ => panic!("seed {seed}: exit {code}: {r:#}"),
        }
    }
    eprintln!("pure noise: runs failed {failed:?}; inconclusive checks {inconclusive} of 260");
    assert!(failed.len() <= 1, "runs failed: {failed:?}");
    // The noise was there to be judged: many checks went past a zero allowance.
    assert!(inconclusive >= 20, "{inconclusive}");
}

/// The base side reads the base revision's catalog, never the working tree's. The catalog sits
/// at the repository's root (`pricing/cat.toml`) and the scenario two folders down, so that
/// only the lookup under the working directory finds it; the change sets its price from 0.10
/// to 9.99 USD. The base side used to fall back to the working tree's `pricing/` and read the
/// change's own price: "+0.0000 … inputs unchanged", exit 0.
#[test]
fn the_base_side_reads_the_base_revisions_prices() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    let catalog = |price: &str| {
        format!(
            "name = \"cat\"\ncurrency = \"USD\"\nsource = \"a test\"\nas_of = \"2026-12-01\"\n\n[storage.disk]\nprice_per_gib_month = {price}\nsource = \"a test\"\n"
        )
    };
    git(repo, &["init", "-q"]);
    std::fs::create_dir_all(repo.join("scenarios/team")).unwrap();
    std::fs::create_dir_all(repo.join("pricing")).unwrap();
    write(repo, "pricing/cat.toml", &catalog("0.10"));
    let scenario = SMALL
        .replace(
            "currency = \"USD\"",
            "currency = \"USD\"\npricing = \"cat\"",
        )
        .replace("price_per_gib_month = 0.10", "price = \"disk\"");
    write(repo, "scenarios/team/small.toml", &scenario);
    write(
        repo,
        "budget.toml",
        "[[regression]]\nmetric = \"cost_total\"\nstat = \"mean\"\nmax_increase_percent = 1.0\n",
    );
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "base"]);
    write(repo, "pricing/cat.toml", &catalog("9.99"));
    git(repo, &["commit", "-q", "-am", "every price up"]);
    let out = gate(
        repo,
        &[
            "--budget",
            "budget.toml",
            "--against",
            "HEAD~1",
            "scenarios/team/small.toml",
            "--format",
            "json",
        ],
    )
    .output()
    .unwrap();
    let r = json(&out.stdout);
    let v = &r["verdicts"][0];
    assert_eq!(out.status.code(), Some(1), "{r:#}");
    assert_eq!(v["status"], "fail", "{r:#}");
    let ratio = v["value"].as_f64().unwrap() / v["baseline"].as_f64().unwrap();
    assert!(
        (ratio - 99.9).abs() < 1e-6,
        "the base side priced at 0.10: {ratio}"
    );
    // The verdict names the catalog each side read, with its hash: the base's from the
    // revision's tree, the change's from the working tree.
    let sha256 = |text: &str| {
        use sha2::Digest;
        sha2::Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let inputs = &r["inputs"][0];
    assert_eq!(inputs["scenario"], "small", "{r:#}");
    assert_eq!(
        inputs["catalog"]["sha256"],
        sha256(&catalog("9.99")),
        "{r:#}"
    );
    assert!(
        inputs["catalog"]["path"]
            .as_str()
            .unwrap()
            .ends_with("pricing/cat.toml"),
        "{r:#}"
    );
    let base = &inputs["base"];
    assert_eq!(base["catalog"]["path"], "pricing/cat.toml", "{r:#}");
    assert_eq!(base["catalog"]["sha256"], sha256(&catalog("0.10")), "{r:#}");
    assert_eq!(base["file"], "scenarios/team/small.toml", "{r:#}");
    let commit = std::process::Command::new("git")
        .current_dir(repo)
        .args(["rev-parse", "HEAD~1"])
        .output()
        .unwrap();
    let commit = String::from_utf8_lossy(&commit.stdout);
    assert_eq!(base["commit"].as_str(), Some(commit.trim()), "{r:#}");
    // The comment says so in words.
    let md = gate(
        repo,
        &[
            "--budget",
            "budget.toml",
            "--against",
            "HEAD~1",
            "scenarios/team/small.toml",
            "--format",
            "markdown",
        ],
    )
    .output()
    .unwrap();
    let md = String::from_utf8_lossy(&md.stdout);
    assert!(
        md.contains("catalog pricing/cat.toml (sha256 ") && md.contains("prices changed"),
        "{md}"
    );
}

/// `export-ignore` in `.gitattributes` hides files from `git archive`; the base side is every
/// file of the revision whatever the attributes say, so the change is still judged.
#[test]
fn export_ignore_does_not_hide_the_base_side() {
    let budget =
        "[[regression]]\nmetric = \"cost_total\"\nstat = \"mean\"\nmax_increase_percent = 1.0\n";
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q"]);
    std::fs::create_dir(repo.join("scenarios")).unwrap();
    write(repo, "scenarios/small.toml", SMALL);
    write(repo, "budget.toml", budget);
    write(
        repo,
        ".gitattributes",
        "scenarios/ export-ignore\nscenarios/** export-ignore\n",
    );
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "base"]);
    let doubled = SMALL.replace("price_per_gib_month = 0.10", "price_per_gib_month = 0.20");
    write(repo, "scenarios/small.toml", &doubled);
    git(repo, &["commit", "-q", "-am", "change"]);
    let out = gate(
        repo,
        &[
            "--budget",
            "budget.toml",
            "--against",
            "HEAD~1",
            "scenarios/small.toml",
        ],
    )
    .output()
    .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("FAIL") && !text.contains("not in HEAD~1"),
        "{text}"
    );
}

/// A ref is checked as a commit before anything runs: one that begins with `-` never reaches
/// git as an option (`--output=FILE` used to truncate FILE), and one that names nothing is
/// exit 2 even when the budget has no regression to judge.
#[test]
fn refs_are_checked_and_never_options() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q"]);
    write(repo, "small.toml", SMALL);
    write(repo, "budget.toml", &budget_p90(1e9));
    write(repo, "victim.txt", "keep me\n");
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "base"]);
    for bad in ["--output=victim.txt", "-x", "no-such-branch", "HEAD~5"] {
        let arg = format!("--against={bad}");
        gate(repo, &["--budget", "budget.toml", &arg, "small.toml"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--against"));
    }
    assert_eq!(
        std::fs::read_to_string(repo.join("victim.txt")).unwrap(),
        "keep me\n"
    );
}

/// Loosening the budget in the same change is said and fails: the change has to meet the
/// budget it started from. The issue's case: P(ceph_full) ≤ 0.03 raised to 0.8 beside a
/// change that needs it, and a regression allowance dropped.
#[test]
fn a_budget_loosened_in_the_same_change_fails_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q"]);
    write(repo, "small.toml", SMALL);
    write(
        repo,
        "budget.toml",
        "[[check]]\nmetric = \"cost_total\"\nmax = 100.0\n\n[[regression]]\nmetric = \"cost_cumulative\"\nmax_increase_percent = 1.0\n",
    );
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "base"]);
    write(
        repo,
        "budget.toml",
        "[[check]]\nmetric = \"cost_total\"\nmax = 1000.0\n",
    );
    let args = [
        "--budget",
        "budget.toml",
        "--against",
        "HEAD",
        "small.toml",
        "--format",
        "json",
    ];
    let out = gate(repo, &args).output().unwrap();
    let r = json(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{r:#}");
    let budget: Vec<&serde_json::Value> = r["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["kind"] == "budget")
        .collect();
    assert_eq!(budget.len(), 2, "{r:#}");
    assert!(budget.iter().all(|v| v["status"] == "fail"));
    let notes: Vec<&str> = budget.iter().map(|v| v["note"].as_str().unwrap()).collect();
    assert!(notes[0].contains("max 100 → 1000"), "{notes:?}");
    assert!(notes[1].contains("removed"), "{notes:?}");
    let mut allowed = args.to_vec();
    allowed.push("--allow-budget-change");
    gate(repo, &allowed).assert().code(0);
}

/// The loopholes of a change judged by path alone: the scenario moved (`git mv`) with its
/// growth doubled, or its horizon cut by a month with its growth doubled, used to pass as
/// "not in HEAD" and "not comparable". The moved file (within its folder or to another) is
/// compared with the scenario of the same name; the horizons over the months both have. A
/// scenario deleted is listed.
#[test]
fn moved_cut_and_deleted_scenarios_are_still_judged() {
    let budget =
        "[[regression]]\nmetric = \"used_gib\"\nstat = \"mean\"\nmax_increase_percent = 5.0\n";
    let doubled = SMALL.replace("median = 0.5, sigma", "median = 1.0, sigma");
    let setup = || {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().to_path_buf();
        git(&repo, &["init", "-q"]);
        std::fs::create_dir(repo.join("scenarios")).unwrap();
        write(&repo, "scenarios/small.toml", SMALL);
        write(
            &repo,
            "scenarios/other.toml",
            &SMALL.replace("name = \"small\"", "name = \"other\""),
        );
        write(&repo, "budget.toml", budget);
        git(&repo, &["add", "."]);
        git(&repo, &["commit", "-q", "-m", "base"]);
        dir
    };
    let judge = |repo: &Path, scenario: &str| {
        let out = gate(
            repo,
            &[
                "--budget",
                "budget.toml",
                "--against",
                "HEAD",
                scenario,
                "--format",
                "json",
            ],
        )
        .output()
        .unwrap();
        (out.status.code(), json(&out.stdout))
    };

    let dir = setup();
    let repo = dir.path();
    git(
        repo,
        &["mv", "scenarios/small.toml", "scenarios/renamed.toml"],
    );
    write(repo, "scenarios/renamed.toml", &doubled);
    git(repo, &["rm", "-q", "scenarios/other.toml"]);
    let (code, r) = judge(repo, "scenarios/renamed.toml");
    let v = &r["verdicts"][0];
    assert_eq!(
        (code, v["status"].as_str()),
        (Some(1), Some("fail")),
        "{r:#}"
    );
    let note = v["note"].as_str().unwrap();
    assert!(
        note.contains("compared with scenarios/small.toml there"),
        "{note}"
    );
    let notes = r["notes"].to_string();
    assert!(
        notes.contains("scenarios/other.toml (scenario \\\"other\\\") was deleted since HEAD"),
        "{notes}"
    );

    // Moved to another folder, where nothing of that name was before.
    let dir = setup();
    let repo = dir.path();
    std::fs::create_dir_all(repo.join("teams/data")).unwrap();
    git(
        repo,
        &["mv", "scenarios/small.toml", "teams/data/small.toml"],
    );
    write(repo, "teams/data/small.toml", &doubled);
    let (code, r) = judge(repo, "teams/data/small.toml");
    let v = &r["verdicts"][0];
    assert_eq!(
        (code, v["status"].as_str()),
        (Some(1), Some("fail")),
        "{r:#}"
    );
    assert!(
        v["note"]
            .as_str()
            .unwrap()
            .contains("compared with scenarios/small.toml there"),
        "{v:#}"
    );

    let dir = setup();
    let repo = dir.path();
    write(
        repo,
        "scenarios/small.toml",
        &doubled.replace("horizon_months = 12", "horizon_months = 11"),
    );
    let (code, r) = judge(repo, "scenarios/small.toml");
    let v = &r["verdicts"][0];
    assert_eq!(
        (code, v["status"].as_str()),
        (Some(1), Some("fail")),
        "{r:#}"
    );
    assert_eq!(v["month"], 11);
    assert!(
        v["note"]
            .as_str()
            .unwrap()
            .contains("compared over months 1…11"),
        "{v:#}"
    );
}

/// A change of comments and formatting only is no model change: against a revision it is
/// judged unchanged without a second simulation, and a stored baseline stays valid.
#[test]
fn comments_and_formatting_are_no_model_change() {
    let budget = "[[regression]]\nmetric = \"cost_cumulative\"\nmax_increase_percent = 1.0\n";
    let reworded = format!(
        "# the team's volumes, reviewed\n{}",
        SMALL
            .replace(
                "pods_per_user = 0.2",
                "pods_per_user   =   0.2   # one pod per five users"
            )
            .replace("min = 1\n", "min = 1 # at least one\n")
    );
    let (code, r) = against_change(SMALL, &reworded, budget, &[]);
    let v = &r["verdicts"][0];
    assert_eq!((code, v["status"].as_str()), (0, Some("pass")), "{r:#}");
    assert!(
        v["note"].as_str().unwrap().contains("no model change"),
        "{v:#}"
    );

    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "small.toml", SMALL);
    write(dir.path(), "budget.toml", budget);
    record(dir.path());
    write(dir.path(), "small.toml", &reworded);
    against_file(dir.path(), "base.json", "small.toml")
        .code(0)
        .stdout(predicate::str::contains("STALE").not());
}

/// Exit 2 still writes the error in the format asked for on stdout, so that a pipeline
/// posting stdout posts the error, not an empty comment.
#[test]
fn bad_input_is_written_in_the_chosen_format() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "small.toml", SMALL);
    write(
        dir.path(),
        "budget.toml",
        "[[check]]\nmetric = \"no_such_metric\"\nmax = 1\n",
    );
    let md = gate(
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
    .code(2)
    .get_output()
    .stdout
    .clone();
    let md = String::from_utf8(md).unwrap();
    assert!(
        md.starts_with("<!-- headroom-gate -->\n❌ **headroom gate: error (exit 2)"),
        "{md}"
    );
    assert!(md.contains("no_such_metric"), "{md}");
    let out = gate(
        dir.path(),
        &["--budget", "budget.toml", "small.toml", "--format", "json"],
    )
    .assert()
    .code(2)
    .get_output()
    .stdout
    .clone();
    let r = json(&out);
    assert_eq!(r["pass"], false);
    assert!(
        r["error"].as_str().unwrap().contains("no_such_metric"),
        "{r}"
    );
}
