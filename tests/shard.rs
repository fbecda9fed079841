//! Shares and merge (DESIGN §10): shares of a run merged in any order write the same bytes as
//! one run of the same seed and trials, for `run`, `compare` and `recommend`, at several N
//! up to N = trials (one trial a share); shares of other runs, missing or duplicated shares,
//! other format versions, damaged or forged files and more shares than trials are refused.

use crate::common::{headroom, merge_fails, root};
use std::path::{Path, PathBuf};

/// Every file under `dir`, relative path → bytes.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("a folder") {
            let p = e.expect("an entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).expect("readable");
                out.push((p.strip_prefix(dir).expect("inside").to_path_buf(), bytes));
            }
        }
    }
    out.sort();
    out
}

/// Plays `shares` shares of `args` (a `run` or `compare` command line) into `dir`, merges them
/// in reverse order, and returns the merged report folder.
fn shard_and_merge(args: &[&str], shares: u64, dir: &Path) -> PathBuf {
    let mut partials = Vec::new();
    for i in 0..shares {
        let partial = dir.join(format!("{i}.hrp"));
        headroom()
            .args(args)
            .args(["--shard", &format!("{i}/{shares}"), "--partial"])
            .arg(&partial)
            .arg("--quiet")
            .assert()
            .success();
        partials.push(partial);
    }
    partials.reverse();
    let out = dir.join("merged");
    let code = headroom()
        .arg("merge")
        .args(&partials)
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .output()
        .unwrap()
        .status
        .code();
    // 1 only for a recommendation where nothing meets some target, as `recommend` exits.
    let expected = if args[0] == "recommend" {
        headroom()
            .args(args)
            .arg("--quiet")
            .output()
            .unwrap()
            .status
            .code()
    } else {
        Some(0)
    };
    assert_eq!(code, expected, "merge of {args:?}");
    out
}

fn single(args: &[&str], dir: &Path) -> PathBuf {
    let out = dir.join("single");
    headroom()
        .args(args)
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .assert()
        .success();
    out
}

#[track_caller]
fn same_files(a: &Path, b: &Path) {
    let (fa, fb) = (files(a), files(b));
    assert_eq!(
        fa.iter().map(|f| &f.0).collect::<Vec<_>>(),
        fb.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for ((name, x), (_, y)) in fa.iter().zip(&fb) {
        assert!(
            x == y,
            "{} differs between the merged shares and one run",
            name.display()
        );
    }
}

/// For each (trials, shares): the shares of `command scenarios… --seed seed`, merged in reverse
/// order, write every file one run writes, byte for byte.
fn shares_are_one_run(command: &str, scenarios: &[&str], seed: &str, cases: &[(u64, u64)]) {
    for (trials, shares) in cases {
        let dir = tempfile::tempdir().expect("temp dir");
        let t = trials.to_string();
        let mut args = vec![command];
        args.extend(scenarios);
        args.extend(["--trials", &t, "--seed", seed]);
        let merged = shard_and_merge(&args, *shares, dir.path());
        same_files(&merged, &single(&args, dir.path()));
    }
}

/// `run`: 1, 3 and 7 shares of 200 trials, and 5 shares of 5 trials (one trial each).
#[test]
fn merged_run_shares_are_one_run() {
    let cases = [(200, 1), (200, 3), (200, 7), (5, 5)];
    shares_are_one_run("run", &["scenarios/contabo-ceph.toml"], "17", &cases);
}

/// `compare`: 4 shares of 60 trials of 254Carbon's cloud against bare metal (paired
/// differences and break-even included), and 5 shares of 3 trials.
#[test]
fn merged_compare_shares_are_one_compare() {
    let variants = [
        "scenarios/carbon254-cloud.toml",
        "scenarios/carbon254-baremetal.toml",
    ];
    shares_are_one_run("compare", &variants, "4", &[(60, 4), (3, 3)]);
}

/// `recommend`'s shares (its two sweeps) merged: the recommendation one `recommend` prints,
/// as JSON and as text, byte for byte, for a Ceph scenario with a trigger sweep (refined and
/// rechecked after the merge) at N = 3 and N = 7 = trials; a `recommend` share is not
/// merged with a `run` share of the same scenario.
#[test]
fn merged_recommend_shares_are_one_recommend() {
    let s = "scenarios/contabo-ceph.toml";
    for (trials, shares) in [("400", 3), ("7", 7)] {
        let dir = tempfile::tempdir().expect("temp dir");
        let args = ["recommend", s, "--trials", trials, "--seed", "5"];
        let merged = shard_and_merge(&args, shares, dir.path());
        for (format, file) in [
            ("json", "recommendation.json"),
            ("text", "recommendation.txt"),
        ] {
            let one = headroom()
                .args(args)
                .args(["--format", format])
                .assert()
                .code(predicates::ord::lt(2));
            let want = one.get_output().stdout.clone();
            assert!(want.len() > 500, "{format}: {} bytes", want.len());
            let got = std::fs::read(merged.join(file)).expect("merge wrote it");
            assert!(
                got == want,
                "{file} differs at {trials} trials, {shares} shares"
            );
        }
        let json = std::fs::read_to_string(merged.join("recommendation.json")).expect("json");
        assert!(json.contains("\"rechecks\""), "a trigger was weighed");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let recommend = d.join("r0.hrp");
    headroom()
        .args(["recommend", s, "--trials", "50", "--seed", "1", "--quiet"])
        .args(["--shard", "0/2", "--partial"])
        .arg(&recommend)
        .assert()
        .success();
    let run = share(d, s, "1", 1, 2);
    merge_fails(&[&recommend, &run], "a share of another run than");
}

fn share(dir: &Path, scenario: &str, seed: &str, i: u64, n: u64) -> PathBuf {
    let partial = dir.join(format!("{seed}-{i}-{n}.hrp"));
    headroom()
        .args(["run", scenario, "--trials", "50", "--seed", seed, "--quiet"])
        .args(["--shard", &format!("{i}/{n}"), "--partial"])
        .arg(&partial)
        .assert()
        .success();
    partial
}

/// A missing share, a share given twice, a share of another seed, of a changed scenario and
/// of another format version are each refused (exit 2), saying which.
#[test]
fn refusals() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let s = "scenarios/contabo-ceph.toml";
    let (a, b, c) = (
        share(d, s, "1", 0, 3),
        share(d, s, "1", 1, 3),
        share(d, s, "1", 2, 3),
    );
    merge_fails(&[&a, &c], "shares 1 of 3 are missing");
    merge_fails(&[&a, &b, &b, &c], "share 1 of 3 is given twice");
    let other_seed = share(d, s, "2", 1, 3);
    merge_fails(&[&a, &other_seed, &c], "a share of another run than");
    merge_fails(&[&a, &other_seed, &c], "seed 1 against 2");
    // Another format version: the version follows the 17-byte magic.
    let mut bytes = std::fs::read(&a).expect("read");
    bytes[17] = 3;
    let future = d.join("future.hrp");
    std::fs::write(&future, bytes).expect("written");
    merge_fails(
        &[&future, &b, &c],
        "partial format version 3; this headroom reads version 2",
    );
    // The scenario changed after the shares were played.
    let copy = d.join("copy.toml");
    let text = std::fs::read_to_string(root().join(s)).expect("read");
    std::fs::write(&copy, &text).expect("written");
    let copy_str = copy.display().to_string();
    let shares: Vec<PathBuf> = (0..2).map(|i| share(d, &copy_str, "3", i, 2)).collect();
    std::fs::write(&copy, text.replace("trigger = 0.70", "trigger = 0.75")).expect("written");
    merge_fails(
        &[&shares[0], &shares[1]],
        "changed since the shares were played",
    );
    // A truncated file is damaged, not a panic.
    let whole = std::fs::read(&b).expect("read");
    let cut = d.join("cut.hrp");
    std::fs::write(&cut, &whole[..whole.len() / 2]).expect("written");
    merge_fails(&[&a, &cut, &c], "damaged partial result");
}

/// A share is `[I·T/N, (I+1)·T/N)`: the shares tile the trials whatever N.
#[test]
fn shares_tile_the_trials() {
    for (trials, n) in [(10u64, 3u64), (5, 8), (1_000_000, 16), (7, 7)] {
        let mut next = 0;
        for i in 0..n {
            let r = headroom::engine::share(trials, i, n);
            assert_eq!(r.start, next);
            next = r.end;
        }
        assert_eq!(next, trials);
    }
}

/// `examples/indexed-job/`: valid for the Kubernetes API (as `plan`'s manifests are checked), an
/// Indexed Job whose pod I runs `headroom` with share `I/completions`, and a merge Job over the
/// same folder. Played here pod by pod as the Job controller would (the index substituted, the
/// volume a temporary folder, 2,000 trials instead of a million), the merge writes the bytes of
/// one run.
#[test]
fn the_indexed_job_example_merges_to_one_run() {
    use k8s_openapi::api::batch::v1::Job;
    let folder = root().join("examples/indexed-job");
    let read = |f: &str| std::fs::read_to_string(folder.join(f)).expect("example");
    let shares: Job = yaml_serde::from_str(&read("10-shares-job.yaml")).expect("a Job");
    let spec = shares.spec.as_ref().expect("spec");
    assert_eq!(spec.completion_mode.as_deref(), Some("Indexed"));
    let n = spec.completions.expect("completions") as u64;
    let container = &spec.template.spec.as_ref().expect("pod").containers[0];
    let args = container.args.clone().expect("args");
    assert!(
        args.contains(&format!("$(JOB_COMPLETION_INDEX)/{n}")),
        "{args:?}"
    );
    let merge: Job = yaml_serde::from_str(&read("20-merge-job.yaml")).expect("a Job");
    let script = merge
        .spec
        .expect("spec")
        .template
        .spec
        .expect("pod")
        .containers[0]
        .args
        .clone()
        .expect("args")
        .join(" ");
    assert!(
        script.contains(&format!("-ge {n} ]")) && script.contains("headroom merge /shares/*.hrp"),
        "{script}"
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let volume = dir.path().display().to_string();
    for i in 0..n {
        let pod_args: Vec<String> = args
            .iter()
            .map(|a| {
                a.replace("$(JOB_COMPLETION_INDEX)", &i.to_string())
                    .replace("/shares", &volume)
                    .replace("1000000", "2000")
            })
            .collect();
        headroom().args(&pod_args).assert().success();
    }
    let partials: Vec<PathBuf> = (0..n)
        .map(|i| dir.path().join(format!("{i}.hrp")))
        .collect();
    let merged = dir.path().join("report");
    headroom()
        .arg("merge")
        .args(&partials)
        .arg("--out")
        .arg(&merged)
        .arg("--quiet")
        .assert()
        .success();
    let one = dir.path().join("one");
    headroom()
        .args([
            "run",
            "scenarios/adr029-enterprise.toml",
            "--trials",
            "2000",
            "--seed",
            "42",
            "--quiet",
            "--out",
        ])
        .arg(&one)
        .assert()
        .success();
    same_files(&merged, &one);

    let have = std::process::Command::new("sh")
        .args(["-c", "command -v kubernetes-validate"])
        .output()
        .is_ok_and(|o| o.status.success());
    if have {
        let o = std::process::Command::new("kubernetes-validate")
            .args(["--strict", "--quiet", "-k", "1.33.0"])
            .args(
                [
                    "00-shares-volume.yaml",
                    "10-shares-job.yaml",
                    "20-merge-job.yaml",
                ]
                .map(|f| folder.join(f)),
            )
            .output()
            .expect("ran");
        let text =
            String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success() && !text.contains("ERROR"), "{text}");
    } else {
        eprintln!("notice: kubernetes-validate is not installed; schema check skipped");
    }
}
