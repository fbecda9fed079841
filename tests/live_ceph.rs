//! headroom against a real Ceph (issue 20): a cluster started on loopback by
//! `scripts/live-ceph.sh` (one mon, one mgr, OSDs on BlueStore files, each OSD its own CRUSH
//! host), filled with `rados put` step by step and captured after each step. `ingest` must
//! reproduce every step's month 0, and headroom's projection from the first capture must follow
//! what Ceph reports at every later step: the fullest OSD, MAX AVAIL, and the steps where Ceph
//! raises OSD_NEARFULL, OSD_BACKFILLFULL and OSD_FULL, after which Ceph refuses writes.
//!
//! The packages are Debian's `ceph-mon ceph-mgr ceph-osd ceph-common`, which `.ci/run` installs.
//! Under `CI=true` a machine without them fails the test, saying so; elsewhere it is skipped
//! with a notice.

use crate::common::{headroom, root};
use headroom::model::metrics::{Event, Metric};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
const MIB: u64 = 1024 * 1024;
/// Each step writes 4 objects of 64 MiB: 0.25 GiB stored, 0.75 GiB raw in a pool of size 3.
const OBJECT: u64 = 64 * MIB;
const OBJECTS_PER_STEP: u64 = 4;

/// One live cluster at a time: two on two cores (mons, mgrs, seven OSDs) starve each other,
/// and a CI run once saw a monitor answer EPERM and a write time out with both up.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A running cluster; stopped (every daemon by its pid file) when dropped, then the next
/// test may start its own.
struct Cluster {
    dir: tempfile::TempDir,
    conf: PathBuf,
    _turn: std::sync::MutexGuard<'static, ()>,
}

fn script() -> PathBuf {
    root().join("scripts/live-ceph.sh")
}

/// Starts a cluster of one OSD per size (GiB), or None where Ceph is not installed and this is
/// not CI.
fn start(osds: &[&str]) -> Option<Cluster> {
    let have = |tool: &str| {
        Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {tool}"))
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let missing: Vec<&str> = ["ceph-mon", "ceph-mgr", "ceph-osd", "ceph", "rados"]
        .into_iter()
        .filter(|t| !have(t))
        .collect();
    if !missing.is_empty() {
        let why = format!(
            "the live Ceph test needs {} (Debian: apt-get install ceph-mon ceph-mgr ceph-osd ceph-common)",
            missing.join(", ")
        );
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
        eprintln!("notice: skipping: {why}");
        return None;
    }
    // A start under a loaded machine has once seen an OSD refused at boot ('wrong fsid'
    // from its first monitor command); a fresh cluster in a fresh folder is tried up to three
    // times, and the last failure is reported with every daemon's log tail.
    let mut turn = Some(ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner()));
    let mut failures = Vec::new();
    for _ in 0..3 {
        let dir = tempfile::Builder::new()
            .prefix("headroom-live-ceph-")
            .tempdir()
            .expect("temp dir");
        let out = Command::new(script())
            .arg("start")
            .arg(dir.path())
            .args(osds)
            .output()
            .expect("running scripts/live-ceph.sh");
        if out.status.success() {
            return Some(Cluster {
                conf: dir.path().join("ceph.conf"),
                dir,
                _turn: turn.take().expect("the turn is taken once"),
            });
        }
        let _ = Command::new(script()).arg("stop").arg(dir.path()).status();
        failures.push(String::from_utf8_lossy(&out.stderr).into_owned());
        eprintln!(
            "notice: Ceph did not start, trying again: {}",
            failures.last().map_or("", |s| s.as_str())
        );
    }
    panic!(
        "starting Ceph failed three times:\n{}",
        failures.join("\n---\n")
    );
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(script())
            .arg("stop")
            .arg(self.dir.path())
            .status();
    }
}

impl Cluster {
    /// `ceph ARGS…`, which must succeed; its stdout.
    fn ceph(&self, args: &[&str]) -> String {
        // The CLI sometimes loses its session with the monitor on a loaded machine ("Error
        // EPERM: problem getting command descriptions from mon", seen twice in CI runs) or
        // hangs; the commands here are queries or idempotent settings, so such a failure is
        // tried again, up to five times, and any other failure is reported at once.
        let mut tries = 0;
        loop {
            let out = Command::new("timeout")
                .arg("60")
                .arg("ceph")
                .arg("-c")
                .arg(&self.conf)
                .args(args)
                .output()
                .expect("running ceph");
            if out.status.success() {
                return String::from_utf8_lossy(&out.stdout).into_owned();
            }
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            let transient = stderr.contains("problem getting command descriptions")
                || out.status.code() == Some(124);
            tries += 1;
            assert!(transient && tries < 5, "ceph {args:?}: {stderr}");
            eprintln!("notice: ceph {args:?} failed ({stderr}), trying again");
            std::thread::sleep(Duration::from_secs(2));
        }
    }

    /// `ceph ARGS… -f json`, parsed.
    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["-f", "json"]);
        serde_json::from_str(&self.ceph(&all)).expect("ceph's JSON")
    }

    /// `rados put`, given 20 s: false when Ceph does not take the write (a full cluster makes
    /// the client wait for space, so the put never returns on its own).
    fn put(&self, pool: &str, name: &str, file: &Path) -> bool {
        Command::new("timeout")
            .arg("20")
            .arg("rados")
            .arg("-c")
            .arg(&self.conf)
            .args(["-p", pool, "put", name])
            .arg(file)
            .status()
            .is_ok_and(|s| s.success())
    }

    /// What a step shows once the statistics have caught up: every PG active+clean, the pool
    /// stores `stored` bytes and raw use, MAX AVAIL, every OSD's use and the health checks read
    /// the same twice, 3 s apart.
    fn settle(&self, pool: &str, stored: u64) -> Snapshot {
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut last: Option<Snapshot> = None;
        loop {
            let now = self.snapshot(pool);
            if now.clean && now.stored == stored && last.as_ref() == Some(&now) {
                return now;
            }
            assert!(
                Instant::now() < deadline,
                "Ceph's statistics did not settle: {now:?}, want {stored} stored"
            );
            last = Some(now);
            std::thread::sleep(Duration::from_secs(3));
        }
    }

    fn snapshot(&self, pool: &str) -> Snapshot {
        let df = self.json(&["df", "detail"]);
        let p = df["pools"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == pool))
            .expect("the pool in ceph df")["stats"]
            .clone();
        let osd_df = self.json(&["osd", "df"]);
        let mut used_kb: Vec<u64> = osd_df["nodes"]
            .as_array()
            .expect("osd df nodes")
            .iter()
            .map(|n| n["kb_used"].as_u64().unwrap_or(0))
            .collect();
        used_kb.sort_unstable();
        let fullest = osd_df["nodes"]
            .as_array()
            .expect("osd df nodes")
            .iter()
            .map(|n| n["kb_used"].as_f64().unwrap_or(0.0) / n["kb"].as_f64().unwrap_or(1.0))
            .fold(0.0, f64::max);
        let health = self.json(&["health", "detail"]);
        let mut checks: Vec<String> = health["checks"]
            .as_object()
            .map(|c| {
                c.keys()
                    .filter(|k| k.starts_with("OSD_") || k.starts_with("POOL_"))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        checks.sort();
        // Every PG active+clean: right after the pool is made some are still `unknown`, and an
        // OSD would show no PGs in `ceph osd df` (a CI run once captured that).
        let pg = self.json(&["pg", "stat"]);
        let summary = if pg["pg_summary"].is_object() {
            &pg["pg_summary"]
        } else {
            &pg
        };
        let clean_pgs: u64 = summary["num_pg_by_state"]
            .as_array()
            .map(|states| {
                states
                    .iter()
                    .filter(|st| st["name"] == "active+clean")
                    .filter_map(|st| st["num"].as_u64())
                    .sum()
            })
            .unwrap_or(0);
        let clean = summary["num_pgs"].as_u64() == Some(clean_pgs) && clean_pgs > 0;
        Snapshot {
            clean,
            stored: p["stored"].as_u64().unwrap_or(0),
            raw_used: df["stats"]["total_used_raw_bytes"].as_u64().unwrap_or(0),
            max_avail: p["max_avail"].as_u64().unwrap_or(0),
            used_kb,
            fullest,
            checks,
        }
    }

    /// A size-3 pool `rbd` of `pgs` PGs, the ratios lowered to 0.45 / 0.55 / 0.65 so that every
    /// state is reached in a few GiB; returns the test's work folder.
    fn size_3_pool(&self, pgs: &str) -> PathBuf {
        self.ceph(&["osd", "pool", "create", "rbd", pgs, pgs, "replicated"]);
        self.ceph(&["osd", "pool", "set", "rbd", "size", "3"]);
        self.ceph(&["osd", "pool", "application", "enable", "rbd", "rbd"]);
        self.ceph(&["osd", "set-nearfull-ratio", "0.45"]);
        self.ceph(&["osd", "set-backfillfull-ratio", "0.55"]);
        self.ceph(&["osd", "set-full-ratio", "0.65"]);
        let work = self.dir.path().join("work");
        std::fs::create_dir_all(&work).expect("work folder");
        work
    }

    /// The captures `ingest` reads, written into `dir`.
    fn capture(&self, dir: &Path) -> Vec<PathBuf> {
        std::fs::create_dir_all(dir).expect("capture folder");
        [
            ("df.json", &["df", "detail"][..]),
            ("osd-df.json", &["osd", "df", "tree"][..]),
            ("osd-dump.json", &["osd", "dump"][..]),
            ("status.json", &["status"][..]),
        ]
        .iter()
        .map(|(name, args)| {
            let path = dir.join(name);
            let mut all = args.to_vec();
            all.extend(["-f", "json"]);
            std::fs::write(&path, self.ceph(&all)).expect("capture written");
            path
        })
        .collect()
    }
}

/// What Ceph shows after a step.
#[derive(Debug, Clone, PartialEq)]
struct Snapshot {
    clean: bool,
    stored: u64,
    raw_used: u64,
    max_avail: u64,
    used_kb: Vec<u64>,
    fullest: f64,
    checks: Vec<String>,
}

/// A file of `bytes` pseudo-random bytes (nothing BlueStore could compress or skip).
fn object_file(path: &Path, bytes: u64) {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut data = Vec::with_capacity(bytes as usize);
    while (data.len() as u64) < bytes {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        data.extend_from_slice(&x.to_le_bytes());
    }
    std::fs::write(path, data).expect("object file");
}

/// One trial of the scenario at `path` (the projections are deterministic).
fn one_trial(path: &Path) -> headroom::aggregate::Aggregate {
    let scenario = headroom::scenario::load(path).unwrap_or_else(|e| panic!("{e}"));
    let cfg = headroom::engine::RunConfig {
        trials: 1,
        seed: 1,
        threads: Some(1),
    };
    headroom::engine::run(&scenario.model, &cfg, &|_| {}).expect("a run")
}

/// `ingest` of a step's captures: the scenario's text; month 0 must match every figure.
fn ingest(captures: &[PathBuf], out: &Path) -> String {
    let assert = headroom()
        .arg("ingest")
        .args(captures)
        .arg("--out")
        .arg(out)
        .arg("--force")
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(
        !stdout.contains("DIFFERS"),
        "month 0 differs from the capture:\n{stdout}"
    );
    assert!(stdout.contains("MAX AVAIL rbd"), "{stdout}");
    std::fs::read_to_string(out).expect("the ingested scenario")
}

/// The ingested scenario with one volume that grows as the test writes: 0.25 GiB a month into
/// the pool `rbd` (size 3, the class ingest writes for the main pool). BlueStore stores a
/// 64 MiB object in exactly 64 MiB per copy (4 KiB allocation units), so the overhead on new
/// data is 0, not ingest's default guess.
fn projected(ingested: &str, months: u32) -> String {
    let mut text: String = ingested
        .lines()
        .map(|l| {
            if l.starts_with("overhead = ") {
                "overhead = 0.0".to_string()
            } else if l.starts_with("horizon_months = ") {
                format!("horizon_months = {months}")
            } else if l.starts_with("trials = ") {
                "trials = 1".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    text.push_str(
        "\n\n[[volumes]]\nname = \"data\"\nper = \"cluster\"\ncount = 1\nstorage_class = \"rbd\"\nsize = \"100Gi\"\ninitial_used = { fixed = 0 }\ngrowth = { fixed = 0.25 }\n",
    );
    // Ingest writes the main pool as a class of its own where no claim names one.
    assert!(
        text.contains("[storage_classes.rbd]"),
        "ingest wrote the pool's class:\n{text}"
    );
    text
}

/// 3 hosts × one 3 GiB OSD, a size-3 pool, 0.25 GiB written a step, ratios lowered to 0.45 /
/// 0.55 / 0.65 so that every state is reached in a few GiB (the steps land 2 or more points
/// from each ratio).
#[test]
fn equal_osds_fill_as_headroom_projects() {
    let Some(c) = start(&["3", "3", "3"]) else {
        return;
    };
    let work = c.size_3_pool("32");
    let object = work.join("object");
    object_file(&object, OBJECT);

    let mut steps: Vec<Snapshot> = Vec::new();
    let mut written = 0;
    let mut refused_at = None;
    for step in 0..10u32 {
        if step > 0 {
            for i in 0..OBJECTS_PER_STEP {
                if !c.put("rbd", &format!("s{step}-{i}"), &object) {
                    refused_at = Some(step);
                    break;
                }
                written += OBJECT;
            }
        }
        if refused_at.is_some() {
            break;
        }
        steps.push(c.settle("rbd", written));
        c.capture(&work.join(format!("step-{step}")));
    }
    let full_step = steps
        .iter()
        .position(|s| s.checks.iter().any(|k| k == "OSD_FULL"))
        .expect("Ceph reached OSD_FULL within the steps") as u32;
    assert_eq!(
        refused_at,
        Some(full_step + 1),
        "Ceph takes no write once an OSD is full: {steps:#?}"
    );
    let after = c.snapshot("rbd");
    assert_eq!(after.stored, written, "what Ceph refused is not stored");

    // `ingest --live` runs the captures itself, keeps them beside the scenario, and reproduces
    // the full cluster's month 0; a ceph.conf that points nowhere is exit 2 with ceph's error.
    let live = work.join("live.toml");
    let ran = headroom()
        .args(["ingest", "--live", "--ceph-conf"])
        .arg(&c.conf)
        .arg("--out")
        .arg(&live)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&ran.get_output().stdout).into_owned();
    assert!(stdout.contains("ran `ceph -c "), "{stdout}");
    assert!(!stdout.contains("DIFFERS"), "{stdout}");
    let kept: Vec<String> = std::fs::read_dir(work.join("live.captures"))
        .expect("captures kept")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    assert_eq!(kept.len(), 4, "{kept:?}");
    headroom()
        .args(["ingest", "--live", "--ceph-conf"])
        .arg(work.join("no-such.conf"))
        .arg("--out")
        .arg(work.join("nowhere.toml"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--live: `ceph -c"))
        .stderr(predicates::str::contains("failed"));
    assert!(!work.join("nowhere.toml").exists());

    // Every step's month 0.
    let mut ingested = Vec::new();
    for step in 0..steps.len() {
        let dir = work.join(format!("step-{step}"));
        let captures: Vec<PathBuf> = ["df.json", "osd-df.json", "osd-dump.json", "status.json"]
            .iter()
            .map(|f| dir.join(f))
            .collect();
        ingested.push(ingest(&captures, &work.join(format!("step-{step}.toml"))));
    }

    // The projection from the empty pool (step 0), month k against step k, one month past the
    // last step: the month Ceph refused.
    let months = steps.len() as u32;
    let path = work.join("projected.toml");
    std::fs::write(&path, projected(&ingested[0], months)).expect("written");
    let agg = one_trial(&path);
    let mut table =
        String::from("step  Ceph fullest  headroom  Ceph MAX AVAIL  headroom   Ceph checks\n");
    for (k, s) in steps.iter().enumerate() {
        let util = agg.cell(k, Metric::CephFullestOsdUtil).mean();
        let avail = agg.cell(k, Metric::CephMaxAvailGib).mean();
        let ceph_avail = s.max_avail as f64 / GIB;
        table.push_str(&format!(
            "{k:>4}  {:>12.4}  {util:>8.4}  {ceph_avail:>14.3}  {avail:>8.3}   {}\n",
            s.fullest,
            s.checks.join(" ")
        ));
        assert!(
            (util - s.fullest).abs() <= 0.01,
            "step {k}: fullest OSD {util:.4} projected, Ceph {:.4}\n{table}",
            s.fullest
        );
        assert!(
            (avail - ceph_avail).abs() <= (0.03 * ceph_avail).max(0.02),
            "step {k}: MAX AVAIL {avail:.3} GiB projected, Ceph {ceph_avail:.3}\n{table}"
        );
    }
    eprintln!("{table}");
    // The states: headroom's first month past each ratio is the step Ceph first raised it.
    let first = |check: &str| {
        steps
            .iter()
            .position(|s| s.checks.iter().any(|k| k == check))
    };
    let first_past = |ratio: f64| {
        (0..steps.len()).find(|&k| agg.cell(k, Metric::CephFullestOsdUtil).mean() > ratio)
    };
    assert_eq!(
        agg.time_to(Event::CephNearfull).p50.map(|m| m as usize),
        first("OSD_NEARFULL"),
        "nearfull\n{table}"
    );
    assert_eq!(
        first_past(0.55),
        first("OSD_BACKFILLFULL"),
        "backfillfull\n{table}"
    );
    assert_eq!(
        agg.time_to(Event::CephFull).p50.map(|m| m as usize),
        first("OSD_FULL"),
        "full\n{table}"
    );
    // Writes stop where Ceph stopped them: the month after full takes nothing, and the quarter
    // GiB the volume wanted is counted as unwritten.
    let refused = refused_at.expect("a refused step") as usize;
    assert_eq!(
        agg.time_to(Event::CephWritesBlocked)
            .p50
            .map(|m| m as usize),
        Some(refused),
        "writes blocked\n{table}"
    );
    let raw = |k: usize| agg.cell(k, Metric::CephRawUsedGib).mean();
    assert_eq!(raw(refused), raw(refused - 1), "raw used stops at full");
    assert!((agg.cell(refused, Metric::CephUnwrittenGib).mean() - 0.25).abs() < 1e-9);
}

/// OSDs of unequal size (3, 3, 3 and 4.5 GiB, each its own host), a size-3 pool of 64 PGs,
/// 0.25 GiB a step in 4096 objects of 64 KiB, ratios 0.45 / 0.55 / 0.65. A size-3 pool on four
/// hosts cannot give the 4.5 GiB OSD its weight's share (it would need more than every PG), so
/// the small OSDs fill faster than the mean says, each by its own PG count. Projected from the
/// capture of step 2 (per OSD: what each holds, new data by `ceph osd df`'s pgs), every later
/// step: the fullest OSD within 1 point, MAX AVAIL within 3% (or, near 0, the fullest OSD's
/// 1 point carried into it), and the steps of nearfull, backfillfull and full those Ceph
/// raised.
#[test]
fn unequal_osds_fill_by_their_placement_groups() {
    let Some(c) = start(&["3", "3", "3", "4.5"]) else {
        return;
    };
    let work = c.size_3_pool("64");
    const SMALL: u64 = 64 * 1024;
    const PER_STEP: u64 = 4096;
    let mut steps: Vec<Snapshot> = Vec::new();
    // The step during which an OSD passed full_ratio, where Ceph stopped taking its writes
    // part-way (the writes are asynchronous: the full flag can come before or after the
    // step's last object).
    let mut refused_at = None;
    for step in 0..16u32 {
        if step > 0 {
            let out = Command::new(script())
                .arg("fill")
                .arg(c.dir.path())
                .args(["rbd", &format!("s{step}"), &PER_STEP.to_string()])
                .arg(SMALL.to_string())
                .output()
                .expect("running scripts/live-ceph.sh fill");
            if !out.status.success() {
                let now = c.snapshot("rbd");
                assert!(
                    now.checks.iter().any(|k| k == "OSD_FULL"),
                    "step {step}: the write failed ({}) and Ceph is not full: {}\n{now:#?}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr)
                );
                refused_at = Some(step as usize);
                break;
            }
        }
        let s = c.settle("rbd", step as u64 * PER_STEP * SMALL);
        let full = s.checks.iter().any(|k| k == "OSD_FULL");
        steps.push(s);
        c.capture(&work.join(format!("step-{step}")));
        if full {
            break;
        }
    }
    let full_step = match refused_at {
        Some(step) => step,
        None => {
            assert!(
                steps
                    .last()
                    .is_some_and(|s| s.checks.iter().any(|k| k == "OSD_FULL")),
                "Ceph reached OSD_FULL within the steps: {steps:#?}"
            );
            steps.len() - 1
        }
    };
    const FROM: usize = 2;
    let dir = work.join(format!("step-{FROM}"));
    let captures: Vec<PathBuf> = ["df.json", "osd-df.json", "osd-dump.json", "status.json"]
        .iter()
        .map(|f| dir.join(f))
        .collect();
    let ingested = ingest(&captures, &work.join("from.toml"));
    assert!(
        ingested.contains("osds = ["),
        "ingest lists the OSDs:\n{ingested}"
    );
    let months = (full_step + 1 - FROM) as u32;
    let path = work.join("projected.toml");
    std::fs::write(&path, projected(&ingested, months)).expect("written");
    let agg = one_trial(&path);
    let mut table =
        String::from("step  Ceph fullest  headroom  Ceph MAX AVAIL  headroom   Ceph checks\n");
    let later = &steps[FROM..];
    for (k, s) in later.iter().enumerate() {
        let util = agg.cell(k, Metric::CephFullestOsdUtil).mean();
        let avail = agg.cell(k, Metric::CephMaxAvailGib).mean();
        let ceph_avail = s.max_avail as f64 / GIB;
        table.push_str(&format!(
            "{:>4}  {:>12.4}  {util:>8.4}  {ceph_avail:>14.3}  {avail:>8.3}   {}\n",
            k + FROM,
            s.fullest,
            s.checks.join(" ")
        ));
    }
    eprintln!("{table}");
    for (k, s) in later.iter().enumerate() {
        let util = agg.cell(k, Metric::CephFullestOsdUtil).mean();
        let avail = agg.cell(k, Metric::CephMaxAvailGib).mean();
        let ceph_avail = s.max_avail as f64 / GIB;
        assert!(
            (util - s.fullest).abs() <= 0.01,
            "step {}: fullest OSD {util:.4} projected, Ceph {:.4}\n{table}",
            k + FROM,
            s.fullest
        );
        // 3%, or near 0 what the fullest OSD's 1 point is in MAX AVAIL: the bounding 3 GiB
        // OSD has 3/13.5 of the weight, so 0.01 × 3 / (3/13.5) / 3 = 0.045 GiB.
        assert!(
            (avail - ceph_avail).abs() <= (0.03 * ceph_avail).max(0.045),
            "step {}: MAX AVAIL {avail:.3} GiB projected, Ceph {ceph_avail:.3}\n{table}",
            k + FROM
        );
    }
    let first = |check: &str| {
        later
            .iter()
            .position(|s| s.checks.iter().any(|k| k == check))
    };
    let first_past = |ratio: f64| {
        (0..later.len()).find(|&k| agg.cell(k, Metric::CephFullestOsdUtil).mean() > ratio)
    };
    assert_eq!(first_past(0.45), first("OSD_NEARFULL"), "nearfull\n{table}");
    assert_eq!(
        first_past(0.55),
        first("OSD_BACKFILLFULL"),
        "backfillfull\n{table}"
    );
    // Full: the step Ceph raised OSD_FULL, or the one during which it stopped the writes.
    let first_full =
        (0..months as usize).find(|&k| agg.cell(k, Metric::CephFullestOsdUtil).mean() > 0.65);
    assert_eq!(first_full, Some(full_step - FROM), "full\n{table}");
}
