//! Drives trials: seeding, rayon, progress. The only module that knows about threads.
//!
//! Trials are grouped in chunks of a fixed size; each chunk plays its trials in index order
//! into its own [`Aggregate`], and the chunks are merged. Merging is exact, so the result is
//! bit-identical for any thread count.

pub mod seed;

use crate::aggregate::Aggregate;
use crate::model::Model;
use crate::model::trial::{Simulator, TrialRecord, TrialRngs};
use rayon::prelude::*;

/// Trials per work unit; a constant, so that work units never depend on the thread count.
pub const CHUNK: u64 = 64;

/// Default cap on users per trial (protects memory from an exploding growth rate).
pub const DEFAULT_MAX_USERS: u64 = 1_000_000;

/// How to run a model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunConfig {
    /// Trials to play.
    pub trials: u64,
    /// Master seed.
    pub seed: u64,
    /// Worker threads (None: rayon's default, one per core).
    pub threads: Option<usize>,
    /// Most users a trial may hold.
    pub max_users: u64,
}

/// Builds the generators of trial `trial` into `rngs`, reusing its storage.
pub fn trial_rngs(model: &Model, seed: u64, trial: u64, rngs: &mut TrialRngs) {
    rngs.population = seed::trial_rng(seed, seed::POPULATION, trial);
    rngs.costs = seed::trial_rng(seed, seed::COSTS, trial);
    rngs.volumes.clear();
    rngs.volumes.extend(
        model
            .volumes
            .iter()
            .map(|v| seed::trial_rng(seed, seed::volume_component(&v.name), trial)),
    );
}

/// Plays one trial alone (for replaying a trial, and for tests).
pub fn replay_trial(model: &Model, seed: u64, trial: u64, max_users: u64) -> TrialRecord {
    let mut rngs = TrialRngs {
        population: seed::trial_rng(seed, seed::POPULATION, trial),
        costs: seed::trial_rng(seed, seed::COSTS, trial),
        volumes: Vec::new(),
    };
    trial_rngs(model, seed, trial, &mut rngs);
    let mut record = TrialRecord::new(model.horizon_months);
    Simulator::new(model, max_users).run(&mut rngs, &mut record);
    record
}

fn run_chunk(model: &Model, cfg: &RunConfig, chunk: u64) -> Aggregate {
    let mut aggregate = Aggregate::new(model.horizon_months);
    let mut simulator = Simulator::new(model, cfg.max_users);
    let mut record = TrialRecord::new(model.horizon_months);
    let mut rngs = TrialRngs {
        population: seed::trial_rng(cfg.seed, seed::POPULATION, 0),
        costs: seed::trial_rng(cfg.seed, seed::COSTS, 0),
        volumes: Vec::with_capacity(model.volumes.len()),
    };
    let end = ((chunk + 1) * CHUNK).min(cfg.trials);
    for trial in chunk * CHUNK..end {
        trial_rngs(model, cfg.seed, trial, &mut rngs);
        simulator.run(&mut rngs, &mut record);
        aggregate.add(&record);
    }
    aggregate
}

/// Runs `cfg.trials` trials of `model` and aggregates them. `progress` is called with the
/// number of trials just finished, from worker threads.
pub fn run(
    model: &Model,
    cfg: &RunConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Aggregate, rayon::ThreadPoolBuildError> {
    let chunks = cfg.trials.div_ceil(CHUNK);
    let work = || {
        (0..chunks)
            .into_par_iter()
            .map(|chunk| {
                let a = run_chunk(model, cfg, chunk);
                progress(a.trials());
                a
            })
            .reduce(|| Aggregate::new(model.horizon_months), Aggregate::merge)
    };
    match cfg.threads {
        Some(n) => Ok(rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()?
            .install(work)),
        None => Ok(work()),
    }
}
