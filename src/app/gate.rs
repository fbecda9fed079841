//! `headroom gate`: runs scenarios, judges them against a budget file and a baseline (a stored
//! file, or a git revision simulated in the same trial loop), prints the verdicts and exits 0
//! (pass), 1 (a check failed) or 2 (bad input). `--write-baseline` records the baseline.

use super::{AppError, output};
use crate::aggregate::Aggregate;
use crate::cli::{GateArgs, GateFormat};
use crate::engine::{self, RunConfig};
use crate::gate::{self, AgainstAcc, Base, Baseline, Verdict};
use crate::report::gate::{BaseInputs, CatalogInput, GateReport, ScenarioInputs};
use crate::scenario::budget::{Budget, load_budget};
use crate::scenario::{self, Problem, Scenario, ScenarioError};
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

/// The run settings of a gated scenario: its own trials and seed, so that verdicts repeat (a
/// scenario without a seed is run with seed 0, and a note says so).
fn config(s: &Scenario, threads: Option<usize>) -> RunConfig {
    RunConfig {
        trials: s.trials.max(1),
        seed: s.seed.unwrap_or(0),
        threads,
    }
}

fn simulate(s: &Scenario, args: &GateArgs) -> Result<Aggregate, AppError> {
    let cfg = config(s, args.threads);
    let bar = super::progress_bar(cfg.trials, args.quiet, &s.model.name);
    let agg =
        engine::run(&s.model, &cfg, &|n| bar.inc(n)).context("starting the worker threads")?;
    bar.finish_and_clear();
    super::check_reportable(&agg, &s.model)?;
    Ok(agg)
}

/// Reads a baseline written by `--write-baseline`.
pub fn read_baseline(path: &Path) -> Result<Baseline, ScenarioError> {
    let problem = |line: Option<usize>, key: &str, message: String| ScenarioError {
        problems: vec![Problem {
            file: path.to_path_buf(),
            line,
            key: key.to_string(),
            message,
        }],
    };
    let text = std::fs::read_to_string(path).map_err(|e| {
        let what = match e.kind() {
            std::io::ErrorKind::NotFound => {
                "no such file (record one with `headroom gate --write-baseline`)".to_string()
            }
            _ => e.to_string(),
        };
        problem(None, "", format!("cannot read the baseline: {what}"))
    })?;
    let mut de = serde_json::Deserializer::from_str(&text);
    let baseline: Baseline = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let key = e.path().to_string();
        let inner = e.into_inner();
        let key = if key == "." || key == "?" {
            String::new()
        } else {
            key
        };
        problem(
            Some(inner.line()),
            &key,
            format!("not a headroom baseline: {inner}"),
        )
    })?;
    if baseline.format != gate::BASELINE_FORMAT {
        return Err(problem(
            None,
            "format",
            format!(
                "baseline format {} is not {}: re-record it with --write-baseline",
                baseline.format,
                gate::BASELINE_FORMAT
            ),
        ));
    }
    Ok(baseline)
}

/// Records the baseline: with a budget, the figures its regressions judge; without, every one.
fn write_baseline(
    loaded: &[Scenario],
    budget: Option<&Budget>,
    args: &GateArgs,
    path: &Path,
) -> Result<ExitCode, AppError> {
    let mut scenarios = Vec::new();
    for s in loaded {
        let agg = simulate(s, args)?;
        let measures = gate::measures_to_keep(budget, &s.model.name);
        scenarios.push(gate::baseline_entry(
            &s.model.name,
            &s.inputs_hash,
            config(s, None).seed,
            &agg,
            &measures,
        ));
    }
    let baseline = Baseline {
        format: gate::BASELINE_FORMAT,
        version: env!("CARGO_PKG_VERSION").to_string(),
        scenarios,
    };
    let text = baseline.to_json().context("formatting the baseline")?;
    output::write_file(path, text.as_bytes())?;
    if !args.quiet {
        eprintln!(
            "wrote the baseline of {} scenario(s) to {}",
            loaded.len(),
            path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The temporary folders of `--against`: `headroom-against-PID-XXXXXX`.
const AGAINST: &str = "headroom-against-";

/// Removes the checkouts that killed gates left in the temporary folder: those whose process
/// is gone (no `/proc/PID`; where there is no `/proc`, none is removed).
fn remove_abandoned_checkouts() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(AGAINST)
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let gone =
            Path::new("/proc").is_dir() && !Path::new("/proc").join(pid.to_string()).exists();
        if gone && entry.file_type().is_ok_and(|t| t.is_dir()) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// The checkouts of this process, removed if it is interrupted.
static IN_USE: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// On SIGINT, SIGTERM or SIGHUP: remove this process's checkouts and exit 130. Dropping them
/// removes them on every other way out; without this an interrupted gate left a copy of the
/// whole tree in the temporary folder until the next gate found its process gone.
fn remove_checkouts_when_interrupted() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Another handler already installed (none is, in the CLI) keeps its own way out.
        let _ = ctrlc::set_handler(|| {
            let dirs = IN_USE.lock().map(|d| d.clone()).unwrap_or_default();
            for dir in &dirs {
                let _ = std::fs::remove_dir_all(dir);
            }
            eprintln!(
                "headroom gate: interrupted; removed {} checkout(s) of the base revision",
                dirs.len()
            );
            std::process::exit(130);
        });
    });
}

/// A git revision's tree, written into a temporary folder (removed when dropped, or when the
/// gate is interrupted).
struct Checkout {
    /// The repository's top folder.
    root: PathBuf,
    /// The working directory's place in the repository (`scenarios/` when run from there).
    here: PathBuf,
    /// The commit `--against` named.
    commit: String,
    dir: tempfile::TempDir,
}

/// Runs `git` in `root` (or here), its output or its message.
fn git(root: Option<&Path>, args: &[&str]) -> anyhow::Result<std::process::Output> {
    let mut cmd = Command::new("git");
    if let Some(root) = root {
        cmd.arg("-C").arg(root);
    }
    cmd.args(args)
        .stdin(Stdio::null())
        .output()
        .context("running git (is it installed?)")
}

impl Drop for Checkout {
    /// The folder goes with its `TempDir`; it is no longer this process's to remove.
    fn drop(&mut self) {
        if let Ok(mut dirs) = IN_USE.lock() {
            dirs.retain(|d| d != self.dir.path());
        }
    }
}

impl Checkout {
    /// The commit `rev` names in the repository holding the current folder, or why not: a ref
    /// is checked as a commit with `git rev-parse --verify --end-of-options REF^{commit}` (a
    /// ref beginning with `-` never reaches git as an option), and a shallow clone is told the
    /// fetch that brings the base in.
    fn resolve(rev: &str) -> anyhow::Result<(PathBuf, String)> {
        if rev.starts_with('-') || rev.is_empty() || rev.contains('\0') {
            bail!("--against {rev:?}: not a git revision (a revision does not begin with '-')");
        }
        let top = git(None, &["rev-parse", "--show-toplevel"])?;
        if !top.status.success() {
            bail!("--against {rev}: the current folder is not in a git repository");
        }
        let root = PathBuf::from(String::from_utf8_lossy(&top.stdout).trim());
        let spec = format!("{rev}^{{commit}}");
        let found = git(
            Some(&root),
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                &spec,
            ],
        )?;
        if !found.status.success() {
            let shallow = git(Some(&root), &["rev-parse", "--is-shallow-repository"])?;
            let hint = if String::from_utf8_lossy(&shallow.stdout).trim() == "true" {
                format!(
                    " This clone is shallow (CI checkouts are, by default): fetch the base first, e.g. `git fetch --no-tags --depth=1 origin {}`, then pass `--against FETCH_HEAD` or the fetched branch.",
                    crate::names::shell_quote(rev.trim_start_matches("origin/"))
                )
            } else {
                String::new()
            };
            bail!("--against {rev}: no such commit in this repository.{hint}");
        }
        Ok((
            root,
            String::from_utf8_lossy(&found.stdout).trim().to_string(),
        ))
    }

    /// Every file of `commit`'s tree, as git stores it, written into a temporary folder by
    /// `git read-tree` into a private index and `git checkout-index` (not `git archive`, which
    /// leaves out what `.gitattributes` marks `export-ignore`; and no worktree is registered in
    /// the repository).
    fn new(rev: &str) -> anyhow::Result<Checkout> {
        let (root, commit) = Self::resolve(rev)?;
        remove_abandoned_checkouts();
        remove_checkouts_when_interrupted();
        let dir = tempfile::Builder::new()
            .prefix(&format!("{AGAINST}{}-", std::process::id()))
            .tempdir()
            .context("creating a temporary folder")?;
        if let Ok(mut dirs) = IN_USE.lock() {
            dirs.push(dir.path().to_path_buf());
        }
        // From here a failure drops the checkout, which removes the folder and its entry.
        let checkout = Checkout {
            root: PathBuf::new(),
            here: PathBuf::new(),
            commit: commit.clone(),
            dir,
        };
        let index = checkout.dir.path().join("index");
        let tree = checkout.tree();
        let run = |args: &[&str]| -> anyhow::Result<()> {
            let out = Command::new("git")
                .arg("-C")
                .arg(&root)
                .args(args)
                .env("GIT_INDEX_FILE", &index)
                .stdin(Stdio::null())
                .output()
                .context("running git")?;
            if !out.status.success() {
                bail!(
                    "--against {rev}: `git {}` failed: {}",
                    args.join(" "),
                    String::from_utf8_lossy(&out.stderr).trim()
                );
            }
            Ok(())
        };
        run(&["read-tree", &commit])?;
        let prefix = format!("{}/", tree.display());
        run(&[
            "checkout-index",
            "--all",
            "--force",
            &format!("--prefix={prefix}"),
        ])?;
        let root = root.canonicalize().unwrap_or(root);
        let cwd = std::env::current_dir().context("reading the working directory")?;
        let cwd = cwd.canonicalize().unwrap_or(cwd);
        let here = cwd
            .strip_prefix(&root)
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let mut checkout = checkout;
        checkout.root = root;
        checkout.here = here;
        Ok(checkout)
    }

    /// The tree's top folder.
    fn tree(&self) -> PathBuf {
        self.dir.path().join("tree")
    }

    /// The same file at the revision, if it lies inside the repository.
    fn path_of(&self, path: &Path) -> Option<PathBuf> {
        let abs = path.canonicalize().ok()?;
        let rel = abs.strip_prefix(&self.root).ok()?;
        Some(self.tree().join(rel))
    }

    /// Every `.toml` file of the revision (as `git ls-tree` lists them), in path order.
    fn toml_files(&self) -> Vec<PathBuf> {
        let Ok(out) = git(
            Some(&self.root),
            &["ls-tree", "-r", "-z", "--name-only", &self.commit],
        ) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = out
            .stdout
            .split(|&b| b == 0)
            .filter_map(|name| std::str::from_utf8(name).ok())
            .filter(|name| name.ends_with(".toml"))
            .map(|name| self.tree().join(name))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        files
    }

    /// The working directory's folder at the revision.
    fn workdir(&self) -> PathBuf {
        self.tree().join(&self.here)
    }
}

/// The base side of scenario `s` at `rev`: the file at the same path there, or, where the
/// path is new, the scenario of the same `name` among the `.toml` files of its folder there
/// (a file renamed within its folder), then among every `.toml` file of the revision (one
/// moved to another folder); with notes on how it was found. Err: why there is nothing to
/// compare with.
fn base_scenario(
    s: &Scenario,
    checkout: &Checkout,
    rev: &str,
) -> Result<(Scenario, Vec<String>), String> {
    let workdir = checkout.workdir();
    let problem = |path: &Path, e: ScenarioError| {
        format!(
            "{} does not load at {rev} ({}): nothing to compare with",
            path.display(),
            e.problems
                .first()
                .map_or(String::new(), |p| p.message.clone())
        )
    };
    if let Some(path) = checkout.path_of(&s.path).filter(|p| p.is_file()) {
        return scenario::load_in(&path, &workdir)
            .map(|b| (b, Vec::new()))
            .map_err(|e| problem(&s.path, e));
    }
    let folder = s.path.parent().and_then(|d| {
        checkout.path_of(if d.as_os_str().is_empty() {
            Path::new(".")
        } else {
            d
        })
    });
    let nearby = folder.map(|d| toml_files(&d)).unwrap_or_default();
    let elsewhere = checkout.toml_files();
    for candidate in nearby
        .iter()
        .chain(elsewhere.iter().filter(|f| !nearby.contains(f)))
    {
        if let Ok(b) = scenario::load_in(candidate, &workdir)
            && b.model.name == s.model.name
        {
            let was = candidate
                .strip_prefix(checkout.tree())
                .map_or(candidate.clone(), Path::to_path_buf);
            return Ok((
                b,
                vec![format!(
                    "{} is new since {rev}: compared with {} there, of the same name",
                    s.path.display(),
                    was.display()
                )],
            ));
        }
    }
    Err(format!(
        "{} is not in {rev}, nor a scenario named {:?} there: nothing to compare with",
        s.path.display(),
        s.model.name
    ))
}

/// The `.toml` files of a folder, in name order.
fn toml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Scenarios of the given scenarios' folders at `rev` that are gone from the working tree:
/// nothing gates them now, which a reviewer should see.
fn deleted_since(loaded: &[Scenario], checkout: &Checkout, rev: &str) -> Vec<String> {
    let mut folders: Vec<PathBuf> = Vec::new();
    for s in loaded {
        let dir = s.path.parent().unwrap_or(Path::new("."));
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Some(d) = checkout.path_of(dir)
            && !folders.contains(&d)
        {
            folders.push(d);
        }
    }
    let workdir = checkout.workdir();
    let mut notes = Vec::new();
    for folder in folders {
        for file in toml_files(&folder) {
            let Ok(rel) = file.strip_prefix(checkout.tree()) else {
                continue;
            };
            if checkout.root.join(rel).exists() {
                continue;
            }
            if let Ok(b) = scenario::load_in(&file, &workdir)
                && !loaded.iter().any(|s| s.model.name == b.model.name)
            {
                notes.push(format!(
                    "{} (scenario {:?}) was deleted since {rev}: nothing gates it now",
                    rel.display(),
                    b.model.name
                ));
            }
        }
    }
    notes
}

/// What the base side of a scenario was read from: its file and catalog inside the revision's
/// tree, named as in the repository.
fn base_inputs(b: &Scenario, checkout: &Checkout) -> BaseInputs {
    let in_repo = |p: &Path| {
        p.strip_prefix(checkout.tree())
            .unwrap_or(p)
            .display()
            .to_string()
    };
    BaseInputs {
        commit: checkout.commit.clone(),
        file: in_repo(&b.path),
        inputs_hash: b.inputs_hash.clone(),
        catalog: b.catalog.as_ref().map(|c| CatalogInput {
            path: in_repo(&c.path),
            sha256: c.sha256.clone(),
        }),
    }
}

/// The limits and regressions of one scenario against the revision `rev`, and what its base
/// side was read from.
fn against_revision(
    s: &Scenario,
    budget: &Budget,
    checkout: &Checkout,
    rev: &str,
    args: &GateArgs,
) -> Result<(Vec<Verdict>, Option<BaseInputs>), AppError> {
    let name = &s.model.name;
    let base = base_scenario(s, checkout, rev);
    let read_from = base.as_ref().ok().map(|(b, _)| base_inputs(b, checkout));
    let mut verdicts = Vec::new();
    match base {
        Err(why) => {
            let agg = simulate(s, args)?;
            verdicts.extend(gate::check_limits(budget, name, &agg));
            verdicts.extend(gate::check_regressions(
                budget,
                name,
                &agg,
                Base::Missing(&why),
            ));
        }
        Ok((b, _)) if b.inputs_hash == s.inputs_hash => {
            let agg = simulate(s, args)?;
            verdicts.extend(gate::check_limits(budget, name, &agg));
            verdicts.extend(gate::check_regressions(budget, name, &agg, Base::Unchanged));
        }
        Ok((b, how)) => {
            let cfg = config(s, args.threads);
            let bar = super::progress_bar(cfg.trials, args.quiet, &format!("{name} vs {rev}"));
            // Over the months both sides have: a month's draws do not depend on the months
            // after it, so cutting a horizon leaves the months before it as they were.
            let horizon = b.model.horizon_months.min(s.model.horizon_months);
            let (mut base_model, mut now_model) = (b.model.clone(), s.model.clone());
            base_model.horizon_months = horizon;
            now_model.horizon_months = horizon;
            let mut notes = how;
            if b.model.horizon_months != s.model.horizon_months {
                notes.push(format!(
                    "the horizon changed from {} to {} months since {rev}: compared over months 1…{horizon}",
                    b.model.horizon_months, s.model.horizon_months
                ));
            }
            let mut kept = gate::kept_metrics(budget, name);
            if !gate::paired::can_keep(cfg.trials, horizon, kept.len()) {
                kept.clear();
            }
            let acc = engine::fold(
                &[&base_model, &now_model],
                &cfg,
                &|| AgainstAcc::new(horizon, kept.clone()),
                &|n| bar.inc(n),
            )
            .context("starting the worker threads")?;
            bar.finish_and_clear();
            super::check_reportable(&acc.now, &s.model)?;
            if horizon == s.model.horizon_months {
                verdicts.extend(gate::check_limits(budget, name, &acc.now));
            } else {
                // The limits are judged on the change's own horizon.
                verdicts.extend(gate::check_limits(budget, name, &simulate(s, args)?));
            }
            let base = Base::Paired {
                base: &acc.base,
                diff: &acc.diff,
                trials: &acc.trials,
            };
            let mut regressions = gate::check_regressions(budget, name, &acc.now, base);
            if !notes.is_empty() {
                let said = notes.join("; ");
                for v in &mut regressions {
                    v.note = format!("{}; {said}", v.note);
                }
            }
            verdicts.extend(regressions);
            if b.trials > s.trials {
                verdicts.push(fewer_trials(name, b.trials, s.trials, rev));
            }
        }
    }
    Ok((verdicts, read_from))
}

/// A change that lowers a scenario's trials: every check then sees √(before / now) times the
/// noise, and a regression can hide in it; the gate cannot tell, so it says so.
fn fewer_trials(scenario: &str, before: u64, now: u64, rev: &str) -> Verdict {
    Verdict {
        scenario: scenario.to_string(),
        kind: "regression",
        check: "trials".into(),
        metric: None,
        stat: None,
        unit: Some(crate::model::metrics::Unit::Count),
        currency: None,
        month: None,
        value: now as f64,
        se: 0.0,
        baseline: Some(before as f64),
        limit: before as f64,
        over_by: (before - now) as f64,
        status: gate::Status::Inconclusive,
        note: format!(
            "trials cut from {before} at {rev} to {now}: every check sees {:.1}× the noise; restore them, or accept with --allow-inconclusive",
            (before as f64 / now.max(1) as f64).sqrt()
        ),
        p_value: None,
        se_diff: None,
    }
}

/// The loosenings of the budget since `rev`, each a verdict: failed, or passed with a note
/// under `--allow-budget-change`. A budget that did not exist or does not load at `rev` is
/// noted.
fn budget_changes(
    checkout: &Checkout,
    path: &Path,
    budget: &Budget,
    rev: &str,
    allowed: bool,
    notes: &mut Vec<String>,
) -> Vec<Verdict> {
    let Some(base_path) = checkout.path_of(path).filter(|p| p.is_file()) else {
        notes.push(format!(
            "{} is not in {rev}: every check of it is new",
            path.display()
        ));
        return Vec::new();
    };
    let base = match load_budget(&base_path) {
        Ok(b) => b,
        Err(e) => {
            notes.push(format!(
                "{} does not load at {rev} ({}): its changes are not judged",
                path.display(),
                e.problems
                    .first()
                    .map_or(String::new(), |p| p.message.clone())
            ));
            return Vec::new();
        }
    };
    let file = path.display().to_string();
    gate::budget_change::loosenings(&base, budget)
        .into_iter()
        .map(|l| Verdict {
            scenario: file.clone(),
            kind: "budget",
            check: l.check,
            metric: None,
            stat: None,
            unit: None,
            currency: None,
            month: None,
            value: f64::NAN,
            se: f64::NAN,
            baseline: None,
            limit: f64::NAN,
            over_by: f64::NAN,
            status: if allowed {
                gate::Status::Pass
            } else {
                gate::Status::Fail
            },
            note: format!(
                "loosened since {rev}: {}{}",
                l.what,
                if allowed {
                    " (allowed by --allow-budget-change)"
                } else {
                    "; the change has to meet the budget it started from: pass --allow-budget-change if this is on purpose"
                }
            ),
            p_value: None,
            se_diff: None,
        })
        .collect()
}

/// Notes on what the budget and the scenarios do not cover.
fn coverage_notes(budget: &Budget, loaded: &[Scenario]) -> Vec<String> {
    let mut notes = Vec::new();
    let names: Vec<&str> = loaded.iter().map(|s| s.model.name.as_str()).collect();
    let unused = |globs: &[String]| {
        !names.iter().any(|n| {
            globs
                .iter()
                .any(|g| crate::scenario::budget::glob_match(g, n))
        })
    };
    for (i, c) in budget.checks.iter().enumerate() {
        if unused(&c.scenarios) {
            notes.push(format!(
                "check[{i}] ({}) matches none of the scenarios given",
                c.measure.describe()
            ));
        }
    }
    for (i, r) in budget.regressions.iter().enumerate() {
        if unused(&r.scenarios) {
            notes.push(format!(
                "regression[{i}] ({}) matches none of the scenarios given",
                r.measure.describe()
            ));
        }
    }
    for s in loaded {
        if !gate::covered(budget, &s.model) {
            notes.push(format!("{} is not covered by any check", s.model.name));
        }
        if s.seed.is_none() {
            notes.push(format!(
                "{} sets no seed: gated with seed 0 so that verdicts repeat",
                s.model.name
            ));
        }
    }
    notes
}

/// Runs the gate. An error (exit 2) is printed on stderr as every command's is, and on stdout
/// too in the format asked for, so that a pipeline posting stdout as a comment posts the
/// error rather than an empty comment.
pub fn execute(args: &GateArgs) -> Result<ExitCode, AppError> {
    let result = judge(args);
    if let Err(e) = &result {
        let message = e.to_string();
        match args.format {
            GateFormat::Text => {}
            GateFormat::Markdown => print!("{}", crate::report::gate::markdown_error(&message)),
            GateFormat::Json => println!("{}", crate::report::gate::json_error(&message)),
        }
    }
    result
}

/// Loads, simulates and judges; prints the report.
fn judge(args: &GateArgs) -> Result<ExitCode, AppError> {
    let loaded = scenario::load_all(&args.scenarios)?;
    let budget = args.budget.as_deref().map(load_budget).transpose()?;
    if let Some(path) = &args.write_baseline {
        return write_baseline(&loaded, budget.as_ref(), args, path);
    }
    let Some(budget) = budget else {
        return Err(anyhow::anyhow!("gate needs --budget (or --write-baseline)").into());
    };
    let stored = args.baseline.as_deref().map(read_baseline).transpose()?;
    // A ref that names no commit is exit 2 whatever the budget holds; the budget at the
    // revision is read even when today's has no regression left.
    let checkout = args.against.as_deref().map(Checkout::new).transpose()?;
    let mut notes = coverage_notes(&budget, &loaded);
    let mut verdicts = Vec::new();
    if let (Some(c), Some(path), Some(rev)) = (&checkout, &args.budget, &args.against) {
        verdicts.extend(budget_changes(
            c,
            path,
            &budget,
            rev,
            args.allow_budget_change,
            &mut notes,
        ));
    }
    let mut inputs = Vec::new();
    for s in &loaded {
        let (these, read) = judge_scenario(s, &budget, checkout.as_ref(), stored.as_ref(), args)?;
        verdicts.extend(these);
        inputs.push(read);
    }
    if stored.is_none() && args.against.is_none() && !budget.regressions.is_empty() {
        notes.push(format!(
            "{} regression check(s) skipped: no --baseline or --against to compare with",
            budget.regressions.len()
        ));
    }
    let baseline = match (&args.baseline, &args.against) {
        (Some(p), _) => p.display().to_string(),
        (None, Some(rev)) => format!("git {rev}"),
        (None, None) => "none".into(),
    };
    if let (Some(c), Some(rev)) = (&checkout, &args.against) {
        notes.extend(deleted_since(&loaded, c, rev));
        notes.push(format!(
            "the base side is {rev} = commit {}, every file as committed",
            c.commit
        ));
    }
    gate::holm(&mut verdicts);
    let mut report = GateReport::new(verdicts, notes, baseline, args.allow_inconclusive);
    report.inputs = inputs;
    print_report(&report, args.format)?;
    Ok(if report.pass {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// One scenario's verdicts (its limits, and its regressions against the revision or the
/// stored baseline), money in its currency, and the files each side read.
fn judge_scenario(
    s: &Scenario,
    budget: &Budget,
    checkout: Option<&Checkout>,
    stored: Option<&Baseline>,
    args: &GateArgs,
) -> Result<(Vec<Verdict>, ScenarioInputs), AppError> {
    let name = &s.model.name;
    let mut base_side = None;
    let mut these = match checkout {
        Some(checkout) if !budget.regressions.is_empty() => {
            let rev = args.against.as_deref().unwrap_or_default();
            let (these, read_from) = against_revision(s, budget, checkout, rev, args)?;
            base_side = read_from;
            these
        }
        _ => {
            let agg = simulate(s, args)?;
            let mut these = gate::check_limits(budget, name, &agg);
            if let Some(b) = stored {
                let base = Base::Stored {
                    entry: b.entry(name),
                    inputs_hash: &s.inputs_hash,
                    seed: config(s, None).seed,
                    same_version: b.version == env!("CARGO_PKG_VERSION"),
                };
                these.extend(gate::check_regressions(budget, name, &agg, base));
            }
            these
        }
    };
    Verdict::price_in(&mut these, &s.model.currency);
    let read = ScenarioInputs {
        scenario: name.clone(),
        file: s.path.display().to_string(),
        inputs_hash: s.inputs_hash.clone(),
        catalog: s.catalog.as_ref().map(|c| CatalogInput {
            path: c.path.display().to_string(),
            sha256: c.sha256.clone(),
        }),
        base: base_side,
    };
    Ok((these, read))
}

/// Prints the report in the chosen format.
fn print_report(report: &GateReport, format: GateFormat) -> Result<(), AppError> {
    match format {
        GateFormat::Text => print!("{}", crate::report::gate::text(report)),
        GateFormat::Markdown => print!("{}", crate::report::gate::markdown(report)),
        GateFormat::Json => {
            let mut bytes = serde_json::to_vec_pretty(report).context("formatting JSON")?;
            bytes.push(b'\n');
            print!("{}", String::from_utf8_lossy(&bytes));
        }
    }
    Ok(())
}
