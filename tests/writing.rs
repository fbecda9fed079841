//! How reports land on disk: the ordinary permissions of the umask, and a folder that is the old
//! run's complete set or the new one whatever happens during the write.

use crate::common::*;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Stdio;

const SCENARIO: &str = "scenarios/contabo-ceph.toml";

/// `headroom run` through `sh` with a given umask.
fn run_with_umask(umask: &str, out: &Path) {
    let bin = assert_cmd::cargo::cargo_bin("headroom");
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "umask {umask} && exec \"$0\" run {SCENARIO} --trials 50 --seed 1 --quiet --out \"$1\""
        ))
        .arg(&bin)
        .arg(out)
        .current_dir(root())
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn outputs_get_the_umask_permissions() {
    let tmp = tempfile::tempdir().unwrap();
    for (umask, file_mode, dir_mode) in [("022", 0o644, 0o755), ("077", 0o600, 0o700)] {
        let out = tmp.path().join(format!("umask-{umask}"));
        // Twice: a new folder, then a replaced one.
        for _ in 0..2 {
            run_with_umask(umask, &out);
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&out), dir_mode, "folder under umask {umask}");
            for name in folder_files(&out).keys() {
                assert_eq!(
                    mode(&out.join(name)),
                    file_mode,
                    "{name} under umask {umask}"
                );
            }
        }
    }
}

/// Starts `headroom run` with the writer paused at `step` and kills it there (SIGKILL).
fn kill_at(step: &str, seed: u64, out: &Path) {
    let bin = assert_cmd::cargo::cargo_bin("headroom");
    let mut child = std::process::Command::new(bin)
        .args(["run", SCENARIO, "--trials", "50", "--quiet", "--seed"])
        .arg(seed.to_string())
        .arg("--out")
        .arg(out)
        .env("HEADROOM_TEST_PAUSE", step)
        .current_dir(root())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        let n = stderr.read_line(&mut line).unwrap();
        assert!(n > 0, "the run ended before pausing at {step}");
        if line.contains("paused at") {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

/// A run killed at any point of its write phase leaves the old run's complete folder (before
/// the swap) or the new run's (after it), never a mix; the next run cleans up what the killed
/// one left beside the folder.
#[test]
fn a_killed_run_leaves_one_complete_set() {
    let tmp = tempfile::tempdir().unwrap();
    let (old_dir, new_dir) = (tmp.path().join("old"), tmp.path().join("new"));
    simulate_into(&["run", SCENARIO], 50, 1, &old_dir)
        .assert()
        .success();
    simulate_into(&["run", SCENARIO], 50, 2, &new_dir)
        .assert()
        .success();
    let (old, new) = (folder_files(&old_dir), folder_files(&new_dir));
    assert_ne!(old, new);
    for (step, want) in [
        ("file-1", &old),
        ("file-4", &old),
        ("staged", &old),
        ("swapped", &new),
    ] {
        let parent = tmp.path().join(step);
        let out = parent.join("report");
        simulate_into(&["run", SCENARIO], 50, 1, &out)
            .assert()
            .success();
        kill_at(step, 2, &out);
        assert!(
            folder_files(&out) == *want,
            "killed at {step}: the folder is not one complete set"
        );
        // The killed run left its staging (or retired) folder beside the report; the next run
        // removes it.
        assert_eq!(
            folder_names(&parent).len(),
            2,
            "{:?}",
            folder_names(&parent)
        );
        simulate_into(&["run", SCENARIO], 50, 2, &out)
            .assert()
            .success();
        assert!(
            folder_files(&out) == new,
            "after {step}: the next run's set"
        );
        assert_eq!(
            folder_names(&parent),
            ["report"],
            "strays removed after {step}"
        );
    }
}

/// A folder of one's own is never taken for a report folder.
#[test]
fn a_folder_with_other_files_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("notes")).unwrap();
    simulate_into(&["run", SCENARIO], 10, 1, tmp.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("refusing to replace"));
    assert!(tmp.path().join("notes").exists());
}
