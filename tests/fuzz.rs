//! A mutation fuzz harness over every reader of outside input: the scenario loader, the
//! capture readers (all of `ingest` short of printing), the history readers (all of
//! `calibrate`) and the partial reader (all of `merge` short of reporting). Each case is a file
//! of the corpus (`tests/fuzz/corpus/`, the bundled scenarios, the real captures of
//! `tests/fixtures/captures/`, shares played here) changed by a few random edits: bit flips,
//! extreme numbers, path tokens, cut and repeated spans, deep nesting; shares get edits that
//! keep their length and are re-signed three times in four, so that the body's numbers, not
//! only the checksum and the framing, are tried.
//!
//! Every case must end as the command would: success, or an error (exit 2); never a panic,
//! never one allocation over [`MAX_ONE_ALLOCATION`] or a peak over [`MAX_LIVE`] (a counting
//! allocator sees every allocation of this binary, which runs one test), and never a case that
//! runs for [`HANG`]. The cases come from a fixed seed, so a run is repeatable; set
//! `HEADROOM_FUZZ_SEED` and `HEADROOM_FUZZ_CASES` (per target) to explore further. A failing
//! input is kept under `target/fuzz-failures/` and named in the failure.

use headroom::app::AppError;
use headroom::app::merge::Body;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use sha2::Digest;
use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The largest single allocation a case may make.
const MAX_ONE_ALLOCATION: usize = 256 << 20;
/// The most a case may hold at once (above what the harness held before it).
const MAX_LIVE: usize = 1 << 30;
/// A case running this long is a hang.
const HANG: Duration = Duration::from_secs(30);

static LARGEST: AtomicUsize = AtomicUsize::new(0);
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, counting.
struct Counting;

impl Counting {
    fn grew(size: usize) {
        LARGEST.fetch_max(size, Ordering::Relaxed);
        let live = LIVE.fetch_add(size, Ordering::Relaxed) + size;
        PEAK.fetch_max(live, Ordering::Relaxed);
    }
}

// SAFETY: every call is passed to `System` unchanged; the counters only observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Counting::grew(layout.size());
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Counting::grew(layout.size());
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        Counting::grew(new_size);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Words a mutation may insert: extremes, paths, YAML and TOML structure, shell.
const TOKENS: &[&str] = &[
    "1e308",
    "-1",
    "0",
    "nan",
    "inf",
    "-0.0",
    "18446744073709551615",
    "4294967296",
    "1e9",
    "99999999999",
    "\"../../victim\"",
    "\"\"",
    "\"/\"",
    "\"/dev/zero\"",
    "[",
    "]",
    "{",
    "}",
    "[[",
    "]]",
    "\n",
    "\n---\n",
    ": ",
    "- ",
    "'",
    "\"",
    "#",
    "=",
    ",",
    "1000000%",
    "1e308Gi",
    "1Ei",
    "$(touch x)",
    "\u{0}",
    "\u{feff}",
    "extends = ",
    "count = 1000000000",
    "initial_users = 100000000",
    "max_users = 100000000",
    "horizon_months = 1200",
];

/// A copy of `input` with 1 to 8 random edits.
fn mutate(rng: &mut ChaCha8Rng, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    // Mostly one or two edits (an input that stays close to a valid one reaches deeper), now
    // and then up to eight.
    let edits = if rng.random_range(0..4) == 0 {
        rng.random_range(3..=8)
    } else {
        rng.random_range(1..=2)
    };
    for _ in 0..edits {
        let at = if out.is_empty() {
            0
        } else {
            rng.random_range(0..out.len())
        };
        match rng.random_range(0..7) {
            0 if !out.is_empty() => out[at] ^= 1 << rng.random_range(0..8),
            1 => {
                let token = TOKENS[rng.random_range(0..TOKENS.len())];
                out.splice(at..at, token.bytes());
            }
            2 if !out.is_empty() => {
                let end = (at + rng.random_range(1..64)).min(out.len());
                out.drain(at..end);
            }
            3 if !out.is_empty() => {
                let end = (at + rng.random_range(1..256)).min(out.len());
                let span = out[at..end].to_vec();
                for _ in 0..rng.random_range(1..4) {
                    out.splice(at..at, span.iter().copied());
                }
            }
            4 => {
                // A number where a digit was: the extreme of its kind.
                if let Some(d) = out[at..].iter().position(u8::is_ascii_digit) {
                    let token =
                        ["1e308", "0", "-5", "4294967297", "1e-320"][rng.random_range(0..5)];
                    out.splice(at + d..at + d + 1, token.bytes());
                }
            }
            5 => {
                let deep = ["[", "{a: ", "- ", "  x:\n"][rng.random_range(0..4)];
                let n = rng.random_range(50..3000);
                out.splice(at..at, deep.repeat(n).bytes());
            }
            _ if !out.is_empty() => out.truncate(at),
            _ => {}
        }
    }
    out
}

/// A copy of a binary `input` with 1 to 3 edits that keep its length (so that a re-signed
/// share still decodes and its numbers, not its framing, are what is tried): a bit flipped,
/// or 4 or 8 bytes overwritten with a value that breaks assumptions.
fn mutate_binary(rng: &mut ChaCha8Rng, input: &[u8]) -> Vec<u8> {
    const WORDS: [u64; 12] = [
        0,
        1,
        2,
        10,
        24,
        25,
        1_000_000_000_000,
        u32::MAX as u64,
        0x8000_0000,
        i32::MAX as u64,
        u64::MAX,
        1 << 40,
    ];
    let mut out = input.to_vec();
    for _ in 0..rng.random_range(1..=3) {
        if out.len() < 9 {
            break;
        }
        let at = rng.random_range(1..out.len() - 8);
        match rng.random_range(0..3) {
            0 => out[at] ^= 1 << rng.random_range(0..8),
            1 => {
                let w = WORDS[rng.random_range(0..WORDS.len())];
                out[at..at + 8].copy_from_slice(&w.to_le_bytes());
            }
            _ => {
                let w = WORDS[rng.random_range(0..WORDS.len())] as u32;
                out[at..at + 4].copy_from_slice(&w.to_le_bytes());
            }
        }
    }
    out
}

/// What went wrong in one case.
struct Failure {
    target: &'static str,
    case: usize,
    what: String,
    input: PathBuf,
}

/// Runs `cases` mutated inputs of `corpus` through `check`, recording failures.
fn fuzz(
    target: &'static str,
    corpus: &[Vec<u8>],
    cases: usize,
    rng: &mut ChaCha8Rng,
    failures: &mut Vec<Failure>,
    mutator: fn(&mut ChaCha8Rng, &[u8]) -> Vec<u8>,
    check: &mut dyn FnMut(&[u8]) -> Result<(), String>,
) -> (usize, usize, Duration) {
    let (mut ok, mut refused, mut slowest) = (0, 0, Duration::ZERO);
    for case in 0..cases {
        let seed = &corpus[rng.random_range(0..corpus.len())];
        let input = mutator(rng, seed);
        LARGEST.store(0, Ordering::Relaxed);
        let before = LIVE.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);
        let start = Instant::now();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&input)));
        let took = start.elapsed();
        slowest = slowest.max(took);
        let largest = LARGEST.load(Ordering::Relaxed);
        let peak = PEAK.load(Ordering::Relaxed).saturating_sub(before);
        let what = match outcome {
            Err(_) => Some("panicked".to_string()),
            Ok(_) if largest > MAX_ONE_ALLOCATION => {
                Some(format!("allocated {largest} bytes at once"))
            }
            Ok(_) if peak > MAX_LIVE => Some(format!("held {peak} bytes at once")),
            Ok(_) if took > HANG => Some(format!("ran {took:?}")),
            Ok(Ok(())) => {
                ok += 1;
                None
            }
            Ok(Err(_)) => {
                refused += 1;
                None
            }
        };
        if let Some(what) = what {
            let dir = root().join("target/fuzz-failures");
            let _ = std::fs::create_dir_all(&dir);
            let path = dir.join(format!("{target}-{case}"));
            let _ = std::fs::write(&path, &input);
            failures.push(Failure {
                target,
                case,
                what,
                input: path,
            });
        }
    }
    (ok, refused, slowest)
}

/// The files of `dir` whose names end in one of `exts`.
fn files(dir: &Path, exts: &[&str]) -> Vec<Vec<u8>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| exts.iter().any(|x| p.to_string_lossy().ends_with(x)))
        .collect();
    paths.sort();
    paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// An error as the command would print it: the process exits 2 with it.
fn refused(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Plays a share of `args` into `path` with the built binary, as a user would.
fn share(args: &[&str], index: u64, shares: u64, path: &Path) -> Vec<u8> {
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_headroom"))
        .args(args)
        .args([
            "--quiet",
            "--shard",
            &format!("{index}/{shares}"),
            "--partial",
        ])
        .arg(path)
        .current_dir(root())
        .status()
        .unwrap();
    assert!(status.success(), "playing a share of {args:?}");
    std::fs::read(path).unwrap()
}

#[test]
fn every_reader_survives_mutated_input() {
    let seed = env_number("HEADROOM_FUZZ_SEED", 19);
    let cases = env_number("HEADROOM_FUZZ_CASES", 0) as usize;
    let cases_or = |n: usize| if cases > 0 { cases } else { n };
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut failures = Vec::new();
    let tmp = tempfile::tempdir().unwrap();
    let corpus_dir = root().join("tests/fuzz/corpus");
    let mut report = Vec::new();

    // Scenarios: loaded as if they stood beside the bundled ones (so `extends` and catalogs
    // resolve); a valid one is also played for 2 trials where it is small, and reported.
    let mut scenarios = files(&root().join("scenarios"), &[".toml"]);
    scenarios.extend(files(&corpus_dir, &[".toml"]));
    let beside = root().join("scenarios/fuzz-case.toml");
    let stats = fuzz(
        "scenario",
        &scenarios,
        cases_or(20_000),
        &mut rng,
        &mut failures,
        mutate,
        &mut |input| {
            let text = String::from_utf8_lossy(input);
            let s = headroom::scenario::load_text(&beside, &text).map_err(refused)?;
            if s.model.most_volumes() <= 2_000.0 && s.model.horizon_months <= 60 {
                let cfg = headroom::engine::RunConfig {
                    trials: 2,
                    seed: 1,
                    threads: Some(1),
                };
                let agg = headroom::engine::run(&s.model, &cfg, &|_| {}).map_err(refused)?;
                if agg.unreportable().is_none() {
                    let report = headroom::report::run::RunReport::build(&s.model, &agg, 1);
                    report.outputs().map_err(refused)?;
                }
            }
            Ok(())
        },
    );
    report.push(("scenario", stats));

    // Captures: the whole of `ingest` (read, plan, write, validate), into a temporary folder.
    let mut captures = files(&root().join("tests/fixtures/captures"), &[".json", ".yaml"]);
    captures.extend(files(&corpus_dir, &[".yaml"]));
    let capture = tmp.path().join("capture.json");
    let out = tmp.path().join("ingested.toml");
    let stats = fuzz(
        "capture",
        &captures,
        cases_or(10_000),
        &mut rng,
        &mut failures,
        mutate,
        &mut |input| {
            std::fs::write(&capture, input).unwrap();
            let args = headroom::cli::IngestArgs {
                captures: vec![capture.clone()],
                out: out.clone(),
                cluster: "ceph".into(),
                force: true,
                live: false,
                ceph_conf: None,
                ceph_user: None,
                kubectl: false,
                context: None,
            };
            headroom::app::ingest::execute(&args)
                .map(|_| ())
                .map_err(|e: AppError| refused(e))
        },
    );
    report.push(("capture", stats));

    // Histories: the whole of `calibrate` (read, fit, edit, validate, write) on a fresh scenario.
    let histories = files(&corpus_dir, &[".csv", ".json"]);
    let history = tmp.path().join("history.csv");
    let users = tmp.path().join("users.csv");
    let scenario = tmp.path().join("calibrated.toml");
    let scenario_text = std::fs::read(corpus_dir.join("scenario-cluster.toml")).unwrap();
    let users_text = std::fs::read(corpus_dir.join("users.csv")).unwrap();
    let stats = fuzz(
        "history",
        &histories,
        cases_or(1_500),
        &mut rng,
        &mut failures,
        mutate,
        &mut |input| {
            let json = input.first() == Some(&b'{');
            let history = if json {
                history.with_extension("json")
            } else {
                history.clone()
            };
            std::fs::write(&history, input).unwrap();
            std::fs::write(&scenario, &scenario_text).unwrap();
            std::fs::write(
                &users,
                if input.len() % 2 == 0 {
                    input
                } else {
                    &users_text[..]
                },
            )
            .unwrap();
            let args = headroom::cli::CalibrateArgs {
                history,
                scenario: scenario.clone(),
                volume: Some("backup".into()),
                users: Some(users.clone()),
                charts: Some(tmp.path().join("charts")),
            };
            headroom::app::calibrate::execute(&args)
                .map(|_| ())
                .map_err(|e: AppError| refused(e))
        },
    );
    report.push(("history", stats));

    // Partials: all of `merge` short of the report. Two shares of a run, a compare and a
    // recommend; the mutated one merged with its partner, re-signed half the time.
    let shares_dir = tmp.path().join("shares");
    std::fs::create_dir(&shares_dir).unwrap();
    let plays: [&[&str]; 3] = [
        &[
            "run",
            "scenarios/contabo-ceph.toml",
            "--trials",
            "20",
            "--seed",
            "3",
        ],
        &[
            "compare",
            "scenarios/carbon254-cloud.toml",
            "scenarios/carbon254-baremetal.toml",
            "--trials",
            "8",
            "--seed",
            "3",
        ],
        &[
            "recommend",
            "scenarios/coditect-hybrid.toml",
            "--trials",
            "6",
            "--seed",
            "3",
        ],
    ];
    let mut pairs = Vec::new();
    for (k, args) in plays.iter().enumerate() {
        let a = share(args, 0, 2, &shares_dir.join(format!("{k}-0.hrp")));
        let b = share(args, 1, 2, &shares_dir.join(format!("{k}-1.hrp")));
        pairs.push((a, shares_dir.join(format!("{k}-1.hrp"))));
        drop(b);
    }
    let corpus: Vec<Vec<u8>> = pairs
        .iter()
        .enumerate()
        .map(|(k, (a, _))| {
            let mut tagged = vec![k as u8];
            tagged.extend(a);
            tagged
        })
        .collect();
    let mutated = tmp.path().join("mutated.hrp");
    let mut flip = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let stats = fuzz(
        "partial",
        &corpus,
        cases_or(10_000),
        &mut rng,
        &mut failures,
        mutate_binary,
        &mut |input| {
            let Some((&tag, body)) = input.split_first() else {
                return Err("empty".into());
            };
            let partner = &pairs[tag as usize % pairs.len()].1;
            let mut bytes = body.to_vec();
            if flip.random_range(0..4) != 0 && bytes.len() > 32 {
                let cut = bytes.len() - 32;
                let digest = sha2::Sha256::digest(&bytes[..cut]);
                bytes[cut..].copy_from_slice(&digest);
            }
            std::fs::write(&mutated, &bytes).unwrap();
            let (header, loaded, body) =
                headroom::app::merge::read_merged(&[mutated.clone(), partner.clone()])
                    .map_err(|e: AppError| refused(e))?;
            // What merge reports from it, in memory.
            let models: Vec<&headroom::model::Model> = loaded.iter().map(|s| &s.model).collect();
            match body {
                Body::Runs(c) if header.command == "compare" => {
                    for (a, m) in c.aggregates.iter().zip(&models) {
                        headroom::app::check_reportable(a, m).map_err(refused)?;
                    }
                    let report =
                        headroom::report::compare::CompareReport::build(models, &c, header.seed);
                    report.outputs().map_err(refused)?;
                }
                Body::Runs(c) => {
                    headroom::app::check_reportable(&c.aggregates[0], models[0])
                        .map_err(refused)?;
                    let report = headroom::report::run::RunReport::build(
                        models[0],
                        &c.aggregates[0],
                        header.seed,
                    );
                    report.outputs().map_err(refused)?;
                }
                Body::Sweeps(sweeps) => {
                    let cfg = headroom::engine::RunConfig {
                        trials: header.trials,
                        seed: header.seed,
                        threads: Some(1),
                    };
                    let r = headroom::decide::decide(models[0], &cfg, &sweeps).map_err(refused)?;
                    headroom::report::recommend::text(&r, models[0]);
                    headroom::report::recommend::json(&r).map_err(refused)?;
                }
            }
            Ok(())
        },
    );
    report.push(("partial", stats));

    for (target, (ok, refused, slowest)) in &report {
        eprintln!(
            "fuzz {target}: {ok} read, {refused} refused (exit 2), slowest case {slowest:.2?}"
        );
    }
    let lines: Vec<String> = failures
        .iter()
        .map(|f| {
            format!(
                "{} case {}: {} (input kept at {})",
                f.target,
                f.case,
                f.what,
                f.input.display()
            )
        })
        .collect();
    assert!(
        lines.is_empty(),
        "{} failing cases (seed {seed}):\n{}",
        lines.len(),
        lines.join("\n")
    );
}
