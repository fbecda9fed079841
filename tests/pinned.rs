//! Pinned outputs: the bytes `run` and `compare` write for every bundled scenario, with a fixed
//! seed and trial count, are recorded under `tests/pinned/` and must not change unless a change
//! means them to.
//!
//! `summary.json`, `comparison.json` and every file of the two bundled plans (manifests,
//! alert rules, migration script, plan.md: the golden files of `plan`) are kept whole (a failure
//! shows the first line that differs); `timeseries.csv`, `comparison.csv` and the PNG charts by
//! SHA-256 in `tests/pinned/MANIFEST`. A change that moves the numbers on purpose re-records them with
//! `HEADROOM_BLESS=1 cargo test --release pinned` and says so in its commit message.

use crate::common::*;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const TRIALS: u64 = 300;
const SEED: u64 = 11;

/// Whether a file is kept whole (else it is pinned by its hash).
fn whole(name: &str) -> bool {
    name.starts_with("plan-") || name.ends_with("summary.json") || name.ends_with("comparison.json")
}

/// Files whose bytes are pinned (a run's report.md is prose and may be reworded; a plan's
/// files are all pinned).
fn pinned(label: &str, name: &str) -> bool {
    label.starts_with("plan-")
        || name.ends_with(".json")
        || name.ends_with(".csv")
        || name.ends_with(".png")
}

fn pinned_dir() -> PathBuf {
    root().join("tests").join("pinned")
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Runs `args` with `--out` into a fresh folder and returns its pinned files.
fn outputs(label: &str, args: &[&str]) -> BTreeMap<String, Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join(label);
    simulate_into(args, TRIALS, SEED, &out).assert().success();
    let mut files = BTreeMap::new();
    collect(&out, &out, label, &mut files);
    files
}

/// The pinned files under `dir`, one subfolder deep (a plan's `expansions/`).
fn collect(top: &Path, dir: &Path, label: &str, files: &mut BTreeMap<String, Vec<u8>>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(top, &path, label, files);
            continue;
        }
        let name = path
            .strip_prefix(top)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if pinned(label, &name) {
            files.insert(format!("{label}/{name}"), std::fs::read(&path).unwrap());
        }
    }
}

/// Every output of every bundled scenario and of the two bundled comparisons.
fn all_outputs() -> BTreeMap<String, Vec<u8>> {
    let mut all = BTreeMap::new();
    let mut scenarios: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    scenarios.sort();
    for path in scenarios {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let rel = format!("scenarios/{stem}.toml");
        all.extend(outputs(&stem, &["run", &rel]));
    }
    all.extend(outputs(
        "compare-coditect",
        &[
            "compare",
            "scenarios/coditect-standard.toml",
            "scenarios/coditect-hybrid.toml",
            "scenarios/coditect-hybrid-autoresize.toml",
        ],
    ));
    for (label, scenario, manifests) in [
        (
            "plan-coditect",
            "scenarios/coditect-hybrid.toml",
            "examples/coditect/k8s",
        ),
        (
            "plan-contabo",
            "scenarios/contabo-ceph.toml",
            "examples/contabo/k8s",
        ),
    ] {
        all.extend(outputs(
            label,
            &[
                "plan",
                scenario,
                "--manifests",
                manifests,
                "--today",
                "2026-12",
            ],
        ));
    }
    all.extend(outputs(
        "compare-carbon254",
        &[
            "compare",
            "scenarios/carbon254-cloud.toml",
            "scenarios/carbon254-baremetal.toml",
        ],
    ));
    all
}

fn manifest(files: &BTreeMap<String, Vec<u8>>) -> String {
    files
        .iter()
        .map(|(name, bytes)| format!("{}  {name}\n", sha256(bytes)))
        .collect()
}

fn bless(files: &BTreeMap<String, Vec<u8>>) {
    let dir = pinned_dir();
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("MANIFEST"), manifest(files)).unwrap();
    for (name, bytes) in files {
        if whole(name) {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
    }
}

/// The first line where two texts differ, for a readable failure.
fn first_difference(want: &str, got: &str) -> String {
    for (i, (a, b)) in want.lines().zip(got.lines()).enumerate() {
        if a != b {
            return format!("line {}:\n  pinned: {a}\n  now:    {b}", i + 1);
        }
    }
    format!(
        "lengths differ ({} vs {} lines)",
        want.lines().count(),
        got.lines().count()
    )
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; record the outputs with HEADROOM_BLESS=1",
            path.display()
        )
    })
}

#[test]
fn outputs_of_every_bundled_scenario_are_pinned() {
    let files = all_outputs();
    if std::env::var_os("HEADROOM_BLESS").is_some() {
        bless(&files);
        return;
    }
    let dir = pinned_dir();
    let mut problems = Vec::new();
    for (name, bytes) in &files {
        if whole(name) {
            let want = read(&dir.join(name));
            let got = String::from_utf8_lossy(bytes);
            if want != got {
                problems.push(format!("{name}: {}", first_difference(&want, &got)));
            }
        }
    }
    let want = read(&dir.join("MANIFEST"));
    let got = manifest(&files);
    let want_lines: BTreeMap<&str, &str> = want
        .lines()
        .filter_map(|l| l.split_once("  ").map(|(h, n)| (n, h)))
        .collect();
    let got_lines: BTreeMap<&str, &str> = got
        .lines()
        .filter_map(|l| l.split_once("  ").map(|(h, n)| (n, h)))
        .collect();
    for (name, hash) in &got_lines {
        match want_lines.get(name) {
            None => problems.push(format!("{name}: new file, not pinned")),
            Some(h) if h != hash => problems.push(format!("{name}: bytes changed")),
            _ => {}
        }
    }
    for name in want_lines.keys() {
        if !got_lines.contains_key(name) {
            problems.push(format!("{name}: pinned but no longer written"));
        }
    }
    assert!(
        problems.is_empty(),
        "outputs differ from tests/pinned/ (re-record on purpose with HEADROOM_BLESS=1):\n{}",
        problems.join("\n")
    );
}
