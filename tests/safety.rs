//! Nothing written where it should not be, nothing lost when two runs meet, no crash from any
//! file: each case a fuzzing campaign found (issue 19) and the behaviour that replaced it.

use crate::common::{folder_files, folder_names, headroom, merge_fails, root};
use headroom::aggregate::Comparison;
use headroom::aggregate::partial::{self, Header};
use headroom::aggregate::wire::Wire;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

const SCENARIO: &str = "scenarios/contabo-ceph.toml";

/// A scenario that extends a bundled one with `extra` TOML, in `dir` as `file`.
fn variant(dir: &Path, file: &str, extra: &str) -> PathBuf {
    let path = dir.join(file);
    std::fs::write(
        &path,
        format!(
            "extends = \"{}\"\n{extra}\n",
            root().join("scenarios/coditect-hybrid.toml").display()
        ),
    )
    .unwrap();
    path
}

/// `name = "../../victim"`, an absolute name and an empty one were paths; now each is exit 2
/// naming the key, and the folder they pointed at keeps its files.
#[test]
fn a_scenario_name_is_never_a_path() {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("a/b");
    std::fs::create_dir_all(work.join("reports")).unwrap();
    let victim = tmp.path().join("victim");
    std::fs::create_dir(&victim).unwrap();
    std::fs::write(victim.join("summary.json"), "mine").unwrap();
    for name in ["../../victim", "/tmp/headroom-absolute", "", "a b", "$(id)"] {
        let s = variant(&work, "s.toml", &format!("name = {name:?}"));
        headroom()
            .current_dir(&work)
            .args(["run", "--trials", "5", "--quiet"])
            .arg(&s)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("s.toml:2: name:"))
            .stderr(predicate::str::contains("a name becomes a file name"));
    }
    assert_eq!(
        std::fs::read_to_string(victim.join("summary.json")).unwrap(),
        "mine"
    );
    assert!(!Path::new("/tmp/headroom-absolute").exists());
    assert_eq!(folder_names(&work.join("reports")), Vec::<String>::new());
    // Volume, cluster and class names too.
    let s = variant(
        &work,
        "v.toml",
        "[[volumes]]\nname = \"../x\"\nper = \"pod\"\nstorage_class = \"standard-rwo\"\nsize = \"10Gi\"\n",
    );
    headroom()
        .args(["validate"])
        .arg(&s)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("name: \"../x\" holds '/'"));
}

/// `--out` at the root, the working folder (`.`), a parent of it, or a scenario's folder is
/// refused before anything runs; a dangling symbolic link is followed to where it points.
#[test]
fn out_is_never_the_users_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    std::fs::create_dir(&work).unwrap();
    std::fs::write(work.join("README.md"), "mine").unwrap();
    let s = variant(&work, "s.toml", "name = \"s\"");
    for (out, what) in [
        ("/", "at / (the root folder)"),
        (".", "the working folder"),
        ("..", "a parent of the working folder"),
    ] {
        headroom()
            .current_dir(&work)
            .args(["run", "s.toml", "--trials", "5", "--quiet", "--out", out])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(what));
    }
    // The scenario's own folder, reached from elsewhere.
    headroom()
        .args(["run", "--trials", "5", "--quiet", "--out"])
        .arg(&work)
        .arg(&s)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("it holds"));
    assert_eq!(folder_names(&work), ["README.md", "s.toml"]);
    // A dangling link: the report lands where it points, the link stays, nothing strays.
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(tmp.path().join("elsewhere/report"), &link).unwrap();
    headroom()
        .current_dir(&work)
        .args(["run", "s.toml", "--trials", "5", "--quiet", "--out"])
        .arg(&link)
        .assert()
        .success();
    assert!(tmp.path().join("elsewhere/report/summary.json").exists());
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(folder_names(&tmp.path().join("elsewhere")), ["report"]);
}

/// Two runs writing the same `--out` at once, 20 pairs: both exit 0 every time, and the folder
/// is always one run's complete set, with nothing left beside it (before the lock, 17 of 30
/// pairs had a run fail and 5 of 30 lost the report).
#[test]
fn two_writers_of_one_folder_lose_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (a_dir, b_dir) = (tmp.path().join("a"), tmp.path().join("b"));
    for (dir, seed) in [(&a_dir, "1"), (&b_dir, "2")] {
        headroom()
            .args([
                "run", SCENARIO, "--trials", "30", "--quiet", "--seed", seed, "--out",
            ])
            .arg(dir)
            .assert()
            .success();
    }
    let (a, b) = (folder_files(&a_dir), folder_files(&b_dir));
    assert_ne!(a, b);
    let bin = assert_cmd::cargo::cargo_bin("headroom");
    let parent = tmp.path().join("shared");
    let out = parent.join("report");
    let mut losses = 0;
    for pair in 0..20 {
        let start = |seed: &str| {
            std::process::Command::new(&bin)
                .args([
                    "run", SCENARIO, "--trials", "30", "--quiet", "--seed", seed, "--out",
                ])
                .arg(&out)
                .current_dir(root())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap()
        };
        let (mut first, mut second) = (start("1"), start("2"));
        let ok = first.wait().unwrap().success() & second.wait().unwrap().success();
        let now = folder_files(&out);
        if !ok || (now != a && now != b) || folder_names(&parent) != ["report"] {
            losses += 1;
            eprintln!(
                "pair {pair}: ok {ok}, {} files, beside: {:?}",
                now.len(),
                folder_names(&parent)
            );
        }
    }
    assert_eq!(losses, 0, "pairs that lost or failed");
}

/// A share as written: header and body.
fn read_share(path: &Path) -> (Header, Comparison) {
    partial::decode(&std::fs::read(path).unwrap(), |_, r| Comparison::get(r)).unwrap()
}

/// A flipped bit fails the checksum; a share re-signed after its body was forged (fewer months
/// than its horizon, a header claiming 10^12 trials, more shares than trials) is refused for
/// what is wrong, never merged, indexed out of bounds or allocated from.
#[test]
fn partial_files_are_checked_before_they_are_believed() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let share = |i: u64, n: u64| {
        let path = d.join(format!("{i}-{n}.hrp"));
        headroom()
            .args(["run", SCENARIO, "--trials", "40", "--seed", "3", "--quiet"])
            .args(["--shard", &format!("{i}/{n}"), "--partial"])
            .arg(&path)
            .assert()
            .success();
        path
    };
    let (a, b) = (share(0, 2), share(1, 2));
    // One bit, anywhere in the body.
    let mut bytes = std::fs::read(&b).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x10;
    let flipped = d.join("flipped.hrp");
    std::fs::write(&flipped, &bytes).unwrap();
    merge_fails(&[&a, &flipped], "its SHA-256 does not match");
    // Forged and re-signed: a body of 11 months for a 24-month horizon.
    let (header, _) = read_share(&b);
    let forged = d.join("forged.hrp");
    std::fs::write(&forged, partial::encode(&header, &Comparison::new(1, 10))).unwrap();
    merge_fails(&[&a, &forged], "11 months where the scenario has 25");
    // The right shape, but counting trials it did not play.
    std::fs::write(&forged, partial::encode(&header, &Comparison::new(1, 24))).unwrap();
    merge_fails(&[&a, &forged], "0 trials where the share has 20");
    // A header claiming 10^12 trials in two shares.
    let (h0, c0) = read_share(&a);
    let (h1, c1) = read_share(&b);
    let huge = |h: &Header| Header {
        trials: 1_000_000_000_000,
        ..h.clone()
    };
    let (x, y) = (d.join("x.hrp"), d.join("y.hrp"));
    std::fs::write(&x, partial::encode(&huge(&h0), &c0)).unwrap();
    std::fs::write(&y, partial::encode(&huge(&h1), &c1)).unwrap();
    merge_fails(&[&x, &y], "at most 1000000000");
    // A billion shares: refused when played, and when forged.
    headroom()
        .args(["run", SCENARIO, "--trials", "40", "--quiet"])
        .args(["--shard", "0/1000000000", "--partial"])
        .arg(d.join("many.hrp"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("more shares than the 40 trials"));
    let many = Header {
        shares: 1_000_000_000,
        ..h0.clone()
    };
    std::fs::write(&x, partial::encode(&many, &c0)).unwrap();
    merge_fails(&[&x], "the shares at most the trials");
    // Forty shares of 40 trials, one given: the missing ones are listed, ten at most.
    let one = Header {
        shares: 40,
        index: 0,
        ..h0
    };
    std::fs::write(&x, partial::encode(&one, &c0)).unwrap();
    merge_fails(
        &[&x],
        "shares 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 29 more of 40 are missing",
    );
}

/// `ingest --force` and `calibrate` check what they would write before they replace the file:
/// an invalid result leaves the user's file as it was; a valid one is written through a
/// symbolic link into its target, keeping the target's permissions.
#[test]
fn validate_then_replace() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // A cluster name that cannot be a name makes the scenario invalid.
    let capture = root().join("tests/fixtures/captures/digitalocean-osd-dump.json");
    let target = d.join("mine.toml");
    std::fs::write(&target, "# my scenario\n").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
    let df = root().join("tests/fixtures/captures/checkmk-nvme16-ceph-df-detail.json");
    headroom()
        .arg("ingest")
        .arg(&df)
        .arg(&capture)
        .arg("--out")
        .arg(&target)
        .args(["--force", "--cluster", "../x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is left as it was"))
        .stderr(predicate::str::contains("\"../x\" holds '/'"));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "# my scenario\n");

    // calibrate: users that outgrow max_users would make the scenario invalid.
    let (csv, claims) = crate::calibrate::lognormal_history(3, 4, 0.5, 0.6, 9);
    let (file, mut cmd) = crate::calibrate::calibrate_command(d, &csv, &claims, None);
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str("\n[population]\ninitial_users = 10\nmax_users = 50\n");
    std::fs::write(&file, &text).unwrap();
    let users = d.join("users.csv");
    let mut counts = String::from("time,users\n");
    for m in 0..=12 {
        let (year, month) = (2026 + m / 12, m % 12 + 1);
        counts.push_str(&format!(
            "{year}-{month:02}-15T12:00:00Z,{}\n",
            100 + 10 * m
        ));
    }
    std::fs::write(&users, counts).unwrap();
    cmd.arg("--users")
        .arg(&users)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is left as it was"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);

    // A valid fit through a link: the link stays a link, its 0600 target is edited.
    let real = d.join("real.toml");
    std::fs::rename(&file, &real).unwrap();
    std::fs::write(&real, text.replace("max_users = 50", "max_users = 5000")).unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::symlink(&real, &file).unwrap();
    let (_, mut cmd) = crate::calibrate::calibrate_command(d, &csv, &claims, None);
    // calibrate_command rewrote the scenario at `file`: through the link, into `real`.
    std::fs::write(&real, text.replace("max_users = 50", "max_users = 5000")).unwrap();
    cmd.arg("--users").arg(&users).assert().success();
    assert!(
        std::fs::symlink_metadata(&file)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::read_to_string(&real)
            .unwrap()
            .contains("initial_users = 220")
    );
    assert_eq!(
        std::fs::metadata(&real).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

/// Values that used to abort, hang or print "NaN GiB" are exit 2 with the key and the limit.
#[test]
fn out_of_range_values_are_refused_with_their_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let bulk: String = (0..6)
        .map(|i| format!("[[volumes]]\nname = \"bulk{i}\"\nper = \"cluster\"\ncount = 900000\nstorage_class = \"standard-rwo\"\nsize = \"10Gi\"\n"))
        .collect();
    let cases = [
        (
            "[[volumes]]\nname = \"bulk\"\nper = \"cluster\"\ncount = 1000000000\nstorage_class = \"standard-rwo\"\nsize = \"10Gi\"",
            "count: 1000000000 volumes: at most 1000000",
        ),
        (bulk.as_str(), "GiB of state per worker thread"),
        (
            "[population]\ninitial_users = 100000000\nmax_users = 100000000",
            "max_users: 100000000 users: at most 10000000",
        ),
        (
            "[[volumes]]\nname = \"workspace\"\nsize = \"1e308Gi\"",
            "is larger than headroom takes",
        ),
        (
            "[pods]\nvcpu = 1e19",
            "pods.vcpu: 10000000000000000000 is out of range",
        ),
        ("horizon_months = 24\ntrials = 0", "trials: must be 1 to"),
    ];
    for (extra, message) in cases {
        let s = variant(d, "s.toml", extra);
        headroom()
            .args(["validate"])
            .arg(&s)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
    let ceph = root().join("scenarios/contabo-ceph.toml");
    let s = d.join("c.toml");
    std::fs::write(
        &s,
        format!(
            "extends = \"{}\"\nname = \"c\"\n[ceph.contabo]\nimbalance = \"1000000%\"\n",
            ceph.display()
        ),
    )
    .unwrap();
    headroom()
        .arg("validate")
        .arg(&s)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "imbalance: \"1000000%\" is beyond any sensible share",
        ));
    for (flag, value, message) in [
        ("--trials", "0", "--trials"),
        ("--threads", "100000", "100000 threads: use 1 to"),
        ("--threads", "0", "0 threads"),
    ] {
        headroom()
            .args(["run", SCENARIO, "--quiet", flag, value])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
}

/// A capture nested 40,000 levels deep is refused at once with its line (it took 4 s and more
/// before), in `ingest` and in `plan`'s manifests.
#[test]
fn deep_yaml_is_refused_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let capture = tmp.path().join("deep.yaml");
    std::fs::write(&capture, format!("a: {}", "[".repeat(40_000))).unwrap();
    headroom()
        .arg("ingest")
        .arg(&capture)
        .arg("--out")
        .arg(tmp.path().join("s.toml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "deep.yaml:1: nested more than 100 levels",
        ));
    let k8s = tmp.path().join("k8s");
    std::fs::create_dir(&k8s).unwrap();
    std::fs::copy(&capture, k8s.join("deep.yaml")).unwrap();
    headroom()
        .args(["plan", "scenarios/coditect-hybrid.toml", "--manifests"])
        .arg(&k8s)
        .arg("--out")
        .arg(tmp.path().join("plan"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nested more than 100 levels"));
}

/// Names from manifests reach `migrate.sh` only as safe words: a namespace Kubernetes would
/// refuse is refused, and a file named like a command never reaches the script (each object
/// is applied from `migrate/<kind>-<namespace>-<name>.yaml`), so running the script (with a
/// stub `kubectl`) executes nothing it names.
#[test]
fn migrate_sh_runs_no_name() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let k8s = d.join("k8s");
    std::fs::create_dir(&k8s).unwrap();
    let sts =
        std::fs::read_to_string(root().join("examples/coditect/k8s/statefulset.yaml")).unwrap();
    for entry in std::fs::read_dir(root().join("examples/coditect/k8s")).unwrap() {
        let p = entry.unwrap().path();
        if p.file_name().unwrap() != "statefulset.yaml" {
            std::fs::copy(&p, k8s.join(p.file_name().unwrap())).unwrap();
        }
    }
    let evil_file = "s$(touch PWNED-file)`touch PWNED-tick`.yaml";
    std::fs::write(k8s.join(evil_file), &sts).unwrap();
    let plan = d.join("plan");
    headroom()
        .args(["plan", "scenarios/coditect-hybrid.toml", "--manifests"])
        .arg(&k8s)
        .args(["--trials", "100", "--seed", "1", "--quiet", "--out"])
        .arg(&plan)
        .assert()
        .success();
    // The StatefulSet is applied from a file of its own, named by kind, namespace and name
    // (Kubernetes names): the manifest file's name never reaches the script.
    let script = std::fs::read_to_string(plan.join("migrate.sh")).unwrap();
    assert!(!script.contains("PWNED"), "{script}");
    assert!(
        script.contains("migrate/statefulset-coditect-app-coditect-combined.yaml"),
        "{script}"
    );
    // Run it with a kubectl that only records its arguments.
    let bin = d.join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::fs::write(
        bin.join("kubectl"),
        "#!/bin/sh\necho \"$@\" >> \"$KUBECTL_LOG\"\n",
    )
    .unwrap();
    std::fs::set_permissions(
        bin.join("kubectl"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let run = d.join("run");
    std::fs::create_dir(&run).unwrap();
    let status = std::process::Command::new("bash")
        .arg(plan.join("migrate.sh"))
        .args(["--context", "test"])
        .current_dir(&run)
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("KUBECTL_LOG", d.join("kubectl.log"))
        .status()
        .unwrap();
    assert!(status.success());
    let log = std::fs::read_to_string(d.join("kubectl.log")).unwrap();
    assert!(
        log.contains("--context test apply -f")
            && log.contains("migrate/statefulset-coditect-app-coditect-combined.yaml"),
        "{log}"
    );
    assert_eq!(
        folder_names(&run),
        Vec::<String>::new(),
        "the script ran a name"
    );
    assert!(!d.join("PWNED-file").exists() && !plan.join("PWNED-file").exists());

    // A namespace Kubernetes would refuse never reaches the script.
    let bad = sts.replace("namespace: coditect-app", "namespace: \"x;touch PWNED\"");
    std::fs::write(k8s.join(evil_file), bad).unwrap();
    headroom()
        .args(["plan", "scenarios/coditect-hybrid.toml", "--manifests"])
        .arg(&k8s)
        .args(["--trials", "100", "--seed", "1", "--quiet", "--out"])
        .arg(d.join("plan2"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "metadata.namespace: \"x;touch PWNED\" is not a Kubernetes name",
        ));
}

/// `gate --against` never hands its revision to git as an option (`--output=FILE` truncated the
/// file), and the checkout a killed gate left in the temporary folder is removed by the next
/// one once its process is gone (a live one's is left alone).
#[test]
fn gate_against_takes_a_revision_and_cleans_after_the_killed() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    crate::common::git(&repo, &["init", "-q"]);
    let s = variant(&repo, "s.toml", "name = \"s\"\ntrials = 50");
    std::fs::write(
        repo.join("budget.toml"),
        "[[regression]]\nmetric = \"cost_cumulative\"\nmax_increase_percent = 5.0\n",
    )
    .unwrap();
    crate::common::git(&repo, &["add", "."]);
    crate::common::git(&repo, &["commit", "-q", "-m", "base"]);
    let victim = tmp.path().join("victim.txt");
    std::fs::write(&victim, "mine").unwrap();
    let temp = tmp.path().join("tmp");
    std::fs::create_dir(&temp).unwrap();
    let dead = temp.join("headroom-against-4000000000-abcdef");
    std::fs::create_dir_all(dead.join("scenarios")).unwrap();
    let alive = temp.join(format!("headroom-against-{}-abcdef", std::process::id()));
    std::fs::create_dir(&alive).unwrap();
    headroom()
        .current_dir(&repo)
        .env("TMPDIR", &temp)
        .args(["gate", "--quiet", "--budget", "budget.toml"])
        .arg(format!("--against=--output={}", victim.display()))
        .arg(&s)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a git revision"));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "mine");
    headroom()
        .current_dir(&repo)
        .env("TMPDIR", &temp)
        .args([
            "gate",
            "--quiet",
            "--budget",
            "budget.toml",
            "--against",
            "HEAD",
        ])
        .arg(&s)
        .assert()
        .success();
    assert!(!dead.exists(), "the dead gate's checkout stays");
    assert!(alive.exists(), "a live process's checkout was removed");
    assert_eq!(
        folder_names(&temp),
        [alive.file_name().unwrap().to_string_lossy().into_owned()]
    );
}

/// SIGINT or SIGTERM in the middle of `gate --against` removes the base revision's checkout
/// (a copy of the whole tree) and exits 130; the checkout used to stay in the temporary folder
/// until a later gate found its process gone.
#[test]
fn an_interrupted_gate_removes_its_checkout() {
    for signal in ["INT", "TERM"] {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("repo");
        std::fs::create_dir(&repo).unwrap();
        crate::common::git(&repo, &["init", "-q"]);
        // Long enough never to finish before the signal.
        let s = variant(&repo, "s.toml", "name = \"s\"\ntrials = 5000000\nseed = 1");
        std::fs::write(
            repo.join("budget.toml"),
            "[[regression]]\nmetric = \"cost_cumulative\"\nmax_increase_percent = 5.0\n",
        )
        .unwrap();
        crate::common::git(&repo, &["add", "."]);
        crate::common::git(&repo, &["commit", "-q", "-m", "base"]);
        let temp = tmp.path().join("tmp");
        std::fs::create_dir(&temp).unwrap();
        let mut child = Reaped(
            std::process::Command::new(env!("CARGO_BIN_EXE_headroom"))
                .current_dir(&repo)
                .env("TMPDIR", &temp)
                .args([
                    "gate",
                    "--quiet",
                    "--budget",
                    "budget.toml",
                    "--against",
                    "HEAD",
                ])
                .arg(&s)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap(),
        );
        let until = |what: &str, done: &mut dyn FnMut() -> bool| {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
            while !done() {
                assert!(std::time::Instant::now() < deadline, "SIG{signal}: {what}");
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        };
        until("no checkout appeared", &mut || {
            folder_names(&temp).iter().any(|n| {
                n.starts_with("headroom-against-")
                    && temp.join(n).join("tree/budget.toml").is_file()
            })
        });
        let sent = std::process::Command::new("kill")
            .args(["-s", signal, &child.0.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let mut code = None;
        until("the gate did not stop", &mut || {
            code = child.0.try_wait().unwrap().map(|s| s.code());
            code.is_some()
        });
        let mut stderr = String::new();
        std::io::Read::read_to_string(child.0.stderr.as_mut().unwrap(), &mut stderr).unwrap();
        assert_eq!(code, Some(Some(130)), "SIG{signal}: {stderr}");
        assert!(stderr.contains("interrupted"), "{stderr}");
        assert_eq!(
            folder_names(&temp),
            Vec::<String>::new(),
            "SIG{signal} left the checkout"
        );
    }
}

/// A child process killed and reaped when dropped, so that a failed test leaves none running.
struct Reaped(std::process::Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
