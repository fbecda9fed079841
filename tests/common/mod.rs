//! Helpers shared by the integration tests.

use headroom::aggregate::Aggregate;
use headroom::engine::{self, RunConfig};
use headroom::model::metrics::Metric;
use headroom::scenario::{self, Scenario};
use predicates::prelude::*;
use std::path::{Path, PathBuf};

/// The package root (tests run there, but be explicit).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Loads a scenario relative to the package root, panicking with the problems if it fails.
pub fn load(rel: &str) -> Scenario {
    let path = root().join(rel);
    scenario::load(&path).unwrap_or_else(|e| panic!("{rel} should load:\n{e}"))
}

/// Loads a scenario written inline into a temporary folder.
pub fn load_text(dir: &Path, name: &str, text: &str) -> Scenario {
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    scenario::load(&path).unwrap_or_else(|e| panic!("{name} should load:\n{e}"))
}

/// Runs a scenario with a fixed seed.
pub fn run(s: &Scenario, trials: u64, seed: u64, threads: Option<usize>) -> Aggregate {
    let cfg = RunConfig {
        trials,
        seed,
        threads,
    };
    engine::run(&s.model, &cfg, &|_| {}).unwrap()
}

/// Runs a model (a variant built in a test) with a fixed seed.
pub fn run_model(m: &headroom::model::Model, trials: u64, seed: u64) -> Aggregate {
    let cfg = RunConfig {
        trials,
        seed,
        threads: None,
    };
    engine::run(m, &cfg, &|_| {}).unwrap()
}

/// The mean of a metric in a month.
pub fn mean(agg: &Aggregate, month: usize, metric: Metric) -> f64 {
    agg.cell(month, metric).mean()
}

/// Asserts two numbers agree to `tol`.
#[track_caller]
pub fn close(got: f64, want: f64, tol: f64) {
    assert!((got - want).abs() <= tol, "got {got}, want {want} ± {tol}");
}

/// The `headroom` binary, run from the package root.
pub fn headroom() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("headroom").unwrap();
    cmd.current_dir(root());
    cmd
}

/// `headroom <args…> --trials N --seed S --quiet --out DIR`: a command that simulates, with a
/// fixed seed, writing into `out`; the caller asserts on the outcome.
pub fn simulate_into(args: &[&str], trials: u64, seed: u64, out: &Path) -> assert_cmd::Command {
    let mut cmd = headroom();
    cmd.args(args)
        .args(["--trials", &trials.to_string(), "--seed", &seed.to_string()])
        .args(["--quiet", "--out"])
        .arg(out);
    cmd
}

/// A JSON file, parsed.
pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Runs `git ARGS…` in `dir` with a fixed identity, asserting it succeeds.
pub fn git(dir: &Path, args: &[&str]) {
    let ok = std::process::Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=headroom",
            "-c",
            "user.email=ci@headroom.invalid",
        ])
        .args(args)
        .status()
        .unwrap()
        .success();
    assert!(ok, "git {args:?}");
}

/// Every file a folder holds (no subfolders), by name, with its bytes.
pub fn folder_files(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&path).unwrap(),
            )
        })
        .collect()
}

/// Names in a folder, hidden ones included, less the lock files writes keep beside reports.
pub fn folder_names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".headroom-lock"))
        .collect();
    v.sort();
    v
}

/// `headroom merge PARTIALS… --out DIR` fails with exit 2 and `message`, never a panic, and
/// writes nothing.
pub fn merge_fails(partials: &[&Path], message: &str) {
    let out = tempfile::tempdir().expect("temp dir");
    headroom()
        .arg("merge")
        .args(partials)
        .arg("--out")
        .arg(out.path().join("m"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(message))
        .stderr(predicates::str::contains("panicked").not());
    assert!(!out.path().join("m").exists(), "nothing written");
}
