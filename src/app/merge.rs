//! Shares of a run (DESIGN §10): `run`/`compare`/`recommend --shard I/N --partial FILE` plays
//! trials `[I·T/N, (I+1)·T/N)` and writes their exact aggregate; `merge` checks that the shares
//! are of one run and cover it once, merges them and writes the report one run of the same
//! seed and trials writes, byte for byte. For `recommend` the shares hold the two sweeps where
//! every option plays every trial; `merge` decides from them and plays the few runs that
//! follow a choice (the runner-up's paired cost, the trigger's refinement and rechecks) itself.

use super::{AppError, output};
use crate::aggregate::Comparison;
use crate::aggregate::partial::{self, Header};
use crate::aggregate::wire::{Conform, Reader, Wire, WireError};
use crate::cli::{MergeArgs, Shard, SimArgs};
use crate::decide::{self, Sweeps};
use crate::engine::{self, RunConfig};
use crate::report::Output;
use crate::scenario::{self, Scenario, ScenarioError};
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Plays one share of `scenarios` (one for `run`, the variants for `compare`) and writes it.
pub fn write_share(
    command: &str,
    scenarios: &[&Scenario],
    sim: &SimArgs,
    shard: Shard,
    path: &Path,
) -> Result<ExitCode, AppError> {
    let cfg = RunConfig::from((sim, scenarios[0]));
    if shard.shares > cfg.trials {
        return Err(anyhow::anyhow!(
            "--shard {}/{}: more shares than the {} trials; use at most {} shares",
            shard.index,
            shard.shares,
            cfg.trials,
            cfg.trials
        )
        .into());
    }
    let trials = engine::share(cfg.trials, shard.index, shard.shares);
    let models: Vec<&crate::model::Model> = scenarios.iter().map(|s| &s.model).collect();
    let sweeps = if command == "recommend" { 2 } else { 1 };
    let bar = super::progress_bar(sweeps * (trials.end - trials.start), sim.quiet, command);
    let progress = |n| bar.inc(n);
    let body = match command {
        "recommend" => decide::sweeps(models[0], &cfg, trials.clone(), &progress).map(Body::Sweeps),
        _ => engine::run_share(&models, &cfg, trials.clone(), &progress).map(Body::Runs),
    }
    .context("starting the worker threads")?;
    bar.finish_and_clear();
    let header = Header {
        headroom_version: env!("CARGO_PKG_VERSION").to_string(),
        command: command.to_string(),
        scenarios: scenarios
            .iter()
            .map(|s| s.path.display().to_string())
            .collect(),
        inputs_hashes: scenarios.iter().map(|s| s.inputs_hash.clone()).collect(),
        seed: cfg.seed,
        trials: cfg.trials,
        index: shard.index,
        shares: shard.shares,
    };
    let bytes = match &body {
        Body::Runs(c) => partial::encode(&header, c),
        Body::Sweeps(s) => partial::encode(&header, s),
    };
    output::write_file(path, &bytes)?;
    if !sim.quiet {
        println!(
            "share {}/{}: trials {}..{} of {} (seed {}) → {}",
            shard.index,
            shard.shares,
            trials.start,
            trials.end,
            cfg.trials,
            cfg.seed,
            path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// What a share holds.
#[derive(Debug)]
pub enum Body {
    /// `run` and `compare`: the comparison of their scenarios.
    Runs(Comparison),
    /// `recommend`: its two sweeps.
    Sweeps(Sweeps),
}

impl Body {
    /// Reads the body `header`'s command writes.
    fn read(header: &Header, r: &mut Reader) -> Result<Body, WireError> {
        match header.command.as_str() {
            "recommend" => Sweeps::get(r).map(Body::Sweeps),
            _ => Comparison::get(r).map(Body::Runs),
        }
    }

    /// The body of no trials yet that `header`'s command plays on `loaded`.
    fn empty(header: &Header, loaded: &[Scenario]) -> Body {
        match header.command.as_str() {
            "recommend" => Body::Sweeps(Sweeps::empty(&loaded[0].model)),
            _ => Body::Runs(Comparison::new(
                loaded.len(),
                loaded[0].model.horizon_months,
            )),
        }
    }

    /// Whether the body has `empty`'s shape and counts `trials` trials.
    fn conform(&self, empty: &Body, trials: u64) -> Result<(), WireError> {
        match (self, empty) {
            (Body::Runs(a), Body::Runs(e)) => a.conform(e, trials),
            (Body::Sweeps(a), Body::Sweeps(e)) => a.conform(e, trials),
            _ => Err(WireError("a body of another command".into())),
        }
    }

    /// Two shares of one run together (the headers were checked to match).
    fn merge(self, other: Body) -> Body {
        match (self, other) {
            (Body::Runs(a), Body::Runs(b)) => Body::Runs(a.merge(b)),
            (Body::Sweeps(a), Body::Sweeps(b)) => Body::Sweeps(a.merge(b)),
            (a, _) => a,
        }
    }
}

fn problem(file: &Path, message: impl Into<String>) -> AppError {
    ScenarioError::one(file, None, "", message).into()
}

/// A share as read: its file, header and body.
type Share = (PathBuf, Header, Body);

/// Reads the shares and checks that they are one run's, each share once, all of them; the
/// header's numbers are bounded before anything is built from them.
fn read_shares(paths: &[PathBuf]) -> Result<Vec<Share>, AppError> {
    let mut shares: Vec<Share> = Vec::new();
    for path in paths {
        let bytes = std::fs::read(path).map_err(|e| problem(path, format!("cannot read: {e}")))?;
        let (header, body) =
            partial::decode(&bytes, Body::read).map_err(|e| problem(path, e.to_string()))?;
        check_header(path, &header)?;
        if let Some((first, h, _)) = shares.first()
            && !h.same_run(&header)
        {
            return Err(problem(
                path,
                format!(
                    "a share of another run than {}: {}",
                    first.display(),
                    difference(h, &header)
                ),
            ));
        }
        if let Some((other, _, _)) = shares.iter().find(|(_, h, _)| h.index == header.index) {
            return Err(problem(
                path,
                format!(
                    "share {} of {} is given twice ({} too)",
                    header.index,
                    header.shares,
                    other.display()
                ),
            ));
        }
        shares.push((path.clone(), header, body));
    }
    shares.sort_by_key(|(_, h, _)| h.index);
    let Some((_, first, _)) = shares.first() else {
        return Err(anyhow::anyhow!("no shares given").into());
    };
    // The indices are distinct and below `shares`: all are there when there are as many.
    if shares.len() as u64 != first.shares {
        let mut given = shares.iter().map(|(_, h, _)| h.index).peekable();
        let missing: Vec<String> = (0..first.shares)
            .filter(|i| {
                let here = given.peek() == Some(i);
                if here {
                    given.next();
                }
                !here
            })
            .take(10)
            .map(|i| i.to_string())
            .collect();
        let more = first.shares - shares.len() as u64 - missing.len() as u64;
        return Err(anyhow::anyhow!(
            "shares {}{} of {} are missing: a merge of some shares would not be the run",
            missing.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            },
            first.shares
        )
        .into());
    }
    Ok(shares)
}

/// Refuses a header that no share headroom writes could have: a command over the wrong number
/// of scenarios, no trials or more than [`engine::MAX_TRIALS`], more shares than trials, an
/// index past the shares. Bounded here, nothing later allocates what a header claims.
fn check_header(path: &Path, header: &Header) -> Result<(), AppError> {
    let scenarios_ok = match header.command.as_str() {
        "run" | "recommend" => header.scenarios.len() == 1,
        "compare" => header.scenarios.len() >= 2,
        _ => false,
    };
    if !scenarios_ok {
        return Err(problem(
            path,
            format!(
                "a share of `{}` over {} scenarios: not a share headroom writes",
                header.command,
                header.scenarios.len()
            ),
        ));
    }
    if header.trials == 0
        || header.trials > engine::MAX_TRIALS
        || header.shares == 0
        || header.shares > header.trials
        || header.index >= header.shares
    {
        return Err(problem(
            path,
            format!(
                "share {} of {} of {} trials: a share index must be below the shares, and the shares at most the trials (at most {})",
                header.index,
                header.shares,
                header.trials,
                engine::MAX_TRIALS
            ),
        ));
    }
    Ok(())
}

/// Checks every share's body against the shape the scenarios imply and its own trial count,
/// then merges them.
fn merge_checked(shares: Vec<Share>, loaded: &[Scenario]) -> Result<Body, AppError> {
    let mut merged: Option<Body> = None;
    for (path, header, body) in shares {
        let empty = Body::empty(&header, loaded);
        let trials = engine::share(header.trials, header.index, header.shares);
        body.conform(&empty, trials.end - trials.start)
            .map_err(|e| problem(&path, format!("damaged partial result: {e}")))?;
        merged = Some(match merged {
            None => body,
            Some(m) => m.merge(body),
        });
    }
    merged.ok_or_else(|| anyhow::anyhow!("no shares given").into())
}

/// What differs between two headers, for the message.
fn difference(a: &Header, b: &Header) -> String {
    if a.headroom_version != b.headroom_version {
        format!(
            "headroom {} against {}",
            a.headroom_version, b.headroom_version
        )
    } else if a.command != b.command || a.scenarios != b.scenarios {
        format!(
            "{} {:?} against {} {:?}",
            a.command, a.scenarios, b.command, b.scenarios
        )
    } else if a.inputs_hashes != b.inputs_hashes {
        "the scenario or its catalog changed between the shares".into()
    } else if a.seed != b.seed {
        format!("seed {} against {}", a.seed, b.seed)
    } else if a.trials != b.trials {
        format!("{} trials against {}", a.trials, b.trials)
    } else {
        format!("{} shares against {}", a.shares, b.shares)
    }
}

/// Runs `merge`.
pub fn execute(args: &MergeArgs) -> Result<ExitCode, AppError> {
    let (header, loaded, body) = read_merged(&args.partials)?;
    let body = match body {
        Body::Sweeps(sweeps) => return finish_recommendation(&header, &loaded[0], &sweeps, args),
        Body::Runs(c) => c,
    };
    let models: Vec<&crate::model::Model> = loaded.iter().map(|s| &s.model).collect();
    if header.command == "compare" {
        super::compare::finish(models, &body, header.seed, args.out.as_deref(), args.quiet)?;
    } else {
        let scenario = loaded
            .into_iter()
            .next()
            .ok_or_else(|| anyhow::anyhow!("no scenario"))?;
        let dir = super::run::report_dir(args.out.as_deref(), false, &scenario.model.name);
        let aggregate = body
            .aggregates
            .into_iter()
            .next()
            .ok_or_else(|| anyhow::anyhow!("an empty share"))?;
        let sim = super::run::Simulated {
            scenario,
            aggregate,
            seed: header.seed,
        };
        super::run::finish(&sim, &dir, args.quiet)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The shares read, checked (one run's, all of them, each of its scenarios' shape and its own
/// trials) and merged, with the scenarios they were played on: everything `merge` does before
/// it reports. Any file gets exit 2 or this, never a panic or an allocation its numbers ask for.
pub fn read_merged(partials: &[PathBuf]) -> Result<(Header, Vec<Scenario>, Body), AppError> {
    let shares = read_shares(partials)?;
    let header = Header {
        index: 0,
        ..shares[0].1.clone()
    };
    let paths: Vec<PathBuf> = header.scenarios.iter().map(PathBuf::from).collect();
    let loaded = scenario::load_all(&paths)?;
    for (s, hash) in loaded.iter().zip(&header.inputs_hashes) {
        if s.inputs_hash != *hash {
            return Err(problem(
                &s.path,
                "changed since the shares were played (its inputs' hash differs): play them again",
            ));
        }
    }
    let body = merge_checked(shares, &loaded)?;
    Ok((header, loaded, body))
}

/// `merge` of `recommend`'s shares: the recommendation one `recommend` of the same seed and
/// trials prints (the follow-up runs are played here, on every trial), and with `--out` the
/// folder of `recommendation.txt` and `recommendation.json`.
fn finish_recommendation(
    header: &Header,
    scenario: &Scenario,
    sweeps: &Sweeps,
    args: &MergeArgs,
) -> Result<ExitCode, AppError> {
    let cfg = RunConfig {
        trials: header.trials,
        seed: header.seed,
        threads: None,
    };
    let r = decide::decide(&scenario.model, &cfg, sweeps).context("starting the worker threads")?;
    let text = crate::report::recommend::text(&r, &scenario.model);
    if let Some(dir) = &args.out {
        let json = crate::report::recommend::json(&r).context("formatting JSON")?;
        let outputs = [
            Output::new("recommendation.txt", text.clone().into_bytes()),
            Output::new("recommendation.json", json),
        ];
        output::replace_folder(dir, &outputs)?;
    }
    if !args.quiet {
        print!("{text}");
    }
    Ok(super::recommend::feasibility(&r))
}
