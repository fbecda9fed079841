//! Drives trials: seeding, rayon, progress. The only module that knows about threads.
//!
//! Trials are grouped in chunks of a fixed size; each chunk plays its trials in index order
//! into its own aggregate, and the chunks are merged. Merging is exact, so the result is
//! bit-identical for any thread count.

pub mod seed;

use crate::aggregate::{Aggregate, Comparison};
use crate::model::Model;
use crate::model::metrics::{Event, N_METRICS};
use crate::model::trial::{Simulator, TrialRecord, TrialRngs};
use rayon::prelude::*;
use std::ops::Range;

/// Trials per work unit; a constant, so that work units never depend on the thread count.
pub const CHUNK: u64 = 64;

/// How to run a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunConfig {
    /// Trials to play.
    pub trials: u64,
    /// Master seed.
    pub seed: u64,
    /// Worker threads (None: rayon's default, one per core).
    pub threads: Option<usize>,
}

/// The most trials a run may ask for: a billion (about a day of the bench workload on 2 cores).
pub const MAX_TRIALS: u64 = 1_000_000_000;

/// The most worker threads per core `--threads` may ask for: more only adds switching.
pub const MAX_THREADS_PER_CORE: usize = 16;

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

fn empty_rngs(seed: u64) -> TrialRngs {
    TrialRngs {
        population: seed::trial_rng(seed, seed::POPULATION, 0),
        costs: seed::trial_rng(seed, seed::COSTS, 0),
        volumes: Vec::new(),
    }
}

/// Plays one trial alone (for replaying a trial, and for tests).
pub fn replay_trial(model: &Model, seed: u64, trial: u64) -> TrialRecord {
    let mut rngs = empty_rngs(seed);
    trial_rngs(model, seed, trial, &mut rngs);
    let mut record = TrialRecord::new(model.horizon_months);
    Simulator::new(model).run(&mut rngs, &mut record);
    record
}

/// One trial's recorded values, kept for export (`--export-trials`).
#[derive(Debug, Clone, PartialEq)]
pub struct TrialRow {
    /// Trial index.
    pub trial: u64,
    /// Month of the values.
    pub month: u32,
    /// Every metric in [`crate::model::metrics::Metric::ALL`] order.
    pub values: [f64; N_METRICS],
    /// First month of each event, indexed by [`Event`] (None: never).
    pub first: [Option<u32>; Event::COUNT],
}

/// Which trial values to keep beside the aggregate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// None (the default: memory independent of the trial count).
    Nothing,
    /// The horizon month of every trial.
    Final,
    /// Every month of every trial.
    PerMonth,
}

fn keep_rows(record: &TrialRecord, trial: u64, keep: Keep, rows: &mut Vec<TrialRow>) {
    let months = match keep {
        Keep::Nothing => return,
        Keep::Final => record.months() - 1..record.months(),
        Keep::PerMonth => 0..record.months(),
    };
    let first = Event::ALL.map(|e| record.first(e));
    for m in months {
        let mut values = [0.0; N_METRICS];
        values.copy_from_slice(&record.values[m * N_METRICS..(m + 1) * N_METRICS]);
        rows.push(TrialRow {
            trial,
            month: m as u32,
            values,
            first,
        });
    }
}

/// What a run keeps of its trials: fed each trial's records of every variant (the same trial
/// index, the same random streams), and merged exactly, in any order.
pub trait Accumulator: Send {
    /// Adds one trial of every variant.
    fn add(&mut self, records: &[TrialRecord]);
    /// Adds everything `other` holds.
    fn merge(self, other: Self) -> Self;
    /// Trials added (for progress).
    fn trials(&self) -> u64;
}

impl Accumulator for Comparison {
    fn add(&mut self, records: &[TrialRecord]) {
        Comparison::add(self, records);
    }
    fn merge(self, other: Self) -> Self {
        Comparison::merge(self, other)
    }
    fn trials(&self) -> u64 {
        Comparison::trials(self)
    }
}

fn run_chunk<A: Accumulator>(
    variants: &[&Model],
    cfg: &RunConfig,
    trials: Range<u64>,
    keep: Keep,
    init: &(dyn Fn() -> A + Sync),
) -> (A, Vec<TrialRow>) {
    let mut out = init();
    let mut rows = Vec::new();
    let mut sims: Vec<Simulator> = variants.iter().map(|m| Simulator::new(m)).collect();
    let mut records: Vec<TrialRecord> = variants
        .iter()
        .map(|m| TrialRecord::new(m.horizon_months))
        .collect();
    let mut rngs = empty_rngs(cfg.seed);
    for trial in trials {
        for (v, model) in variants.iter().enumerate() {
            trial_rngs(model, cfg.seed, trial, &mut rngs);
            sims[v].run(&mut rngs, &mut records[v]);
        }
        out.add(&records);
        keep_rows(&records[0], trial, keep, &mut rows);
    }
    (out, rows)
}

fn run_all<A: Accumulator>(
    variants: &[&Model],
    cfg: &RunConfig,
    keep: Keep,
    init: &(dyn Fn() -> A + Sync),
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(A, Vec<TrialRow>), rayon::ThreadPoolBuildError> {
    run_range(variants, cfg, 0..cfg.trials, keep, init, progress)
}

/// The trials of share `index` of `shares` of `trials`: `[index·T/N, (index+1)·T/N)`, so that
/// the shares cover every trial once whatever N (a share may be empty when N > T).
pub fn share(trials: u64, index: u64, shares: u64) -> Range<u64> {
    let at = |i: u64| (trials as u128 * i as u128 / shares.max(1) as u128) as u64;
    at(index)..at(index + 1)
}

/// The worker pool `cfg.threads` asks for (None: rayon's global one, one thread per core).
fn pool(cfg: &RunConfig) -> Result<Option<rayon::ThreadPool>, rayon::ThreadPoolBuildError> {
    cfg.threads
        .map(|n| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n.max(1))
                .build()
        })
        .transpose()
}

fn run_range<A: Accumulator>(
    variants: &[&Model],
    cfg: &RunConfig,
    trials: Range<u64>,
    keep: Keep,
    init: &(dyn Fn() -> A + Sync),
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(A, Vec<TrialRow>), rayon::ThreadPoolBuildError> {
    let pool = pool(cfg)?;
    Ok(play_range(
        pool.as_ref(),
        variants,
        cfg,
        trials,
        keep,
        init,
        progress,
    ))
}

/// Plays `trials` in chunks on `pool`, merged exactly; rows sorted by trial and month.
fn play_range<A: Accumulator>(
    pool: Option<&rayon::ThreadPool>,
    variants: &[&Model],
    cfg: &RunConfig,
    trials: Range<u64>,
    keep: Keep,
    init: &(dyn Fn() -> A + Sync),
    progress: &(dyn Fn(u64) + Sync),
) -> (A, Vec<TrialRow>) {
    let chunks = (trials.end - trials.start).div_ceil(CHUNK);
    let work = || {
        (0..chunks)
            .into_par_iter()
            .map(|chunk| {
                let start = trials.start + chunk * CHUNK;
                let range = start..(start + CHUNK).min(trials.end);
                let (c, rows) = run_chunk(variants, cfg, range, keep, init);
                progress(c.trials());
                (c, rows)
            })
            .reduce(
                || (init(), Vec::new()),
                |(a, mut ra), (b, rb)| {
                    ra.extend(rb);
                    (a.merge(b), ra)
                },
            )
    };
    let (c, mut rows) = match pool {
        Some(p) => p.install(work),
        None => work(),
    };
    rows.sort_by_key(|r| (r.trial, r.month));
    (c, rows)
}

/// Trials played between two hand-overs of kept rows: a multiple of [`CHUNK`], so that waves
/// split no chunk and the rows come in trial order whatever the thread count.
pub const WAVE: u64 = 64 * CHUNK;

/// Runs one model keeping each trial's values (the horizon month, or every month), handing
/// them to `sink` in trial order a wave of [`WAVE`] trials at a time: memory stays that of one
/// wave, whatever the trials. Returns the aggregate of every trial.
pub fn run_in_waves(
    model: &Model,
    cfg: &RunConfig,
    keep: Keep,
    progress: &(dyn Fn(u64) + Sync),
    sink: &mut dyn FnMut(&[TrialRow]) -> anyhow::Result<()>,
) -> anyhow::Result<Aggregate> {
    let init = || Comparison::new(1, model.horizon_months);
    let mut total = init();
    // One pool for every wave.
    let pool = pool(cfg)?;
    let mut start = 0;
    while start < cfg.trials {
        let end = (start + WAVE).min(cfg.trials);
        let (c, rows) = play_range(
            pool.as_ref(),
            &[model],
            cfg,
            start..end,
            keep,
            &init,
            progress,
        );
        sink(&rows)?;
        total = total.merge(c);
        start = end;
    }
    Ok(total.aggregates.remove(0))
}

/// Runs one model keeping each trial's values beside the aggregate, sorted by trial and month.
/// Memory grows with trials: for tests; exports stream through [`run_in_waves`].
pub fn run_keeping(
    model: &Model,
    cfg: &RunConfig,
    keep: Keep,
    progress: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<(Aggregate, Vec<TrialRow>)> {
    let mut kept = Vec::new();
    let aggregate = run_in_waves(model, cfg, keep, progress, &mut |rows| {
        kept.extend_from_slice(rows);
        Ok(())
    })?;
    Ok((aggregate, kept))
}

/// Plays the same `cfg.trials` trials (same seed, same streams) of every variant and
/// aggregates them with their paired differences against the first. The variants must share
/// a horizon.
pub fn run_variants(
    variants: &[&Model],
    cfg: &RunConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Comparison, rayon::ThreadPoolBuildError> {
    let horizon = variants.first().map_or(0, |m| m.horizon_months);
    let init = || Comparison::new(variants.len(), horizon);
    Ok(run_all(variants, cfg, Keep::Nothing, &init, progress)?.0)
}

/// Plays the same trials of every variant into accumulators made by `init`, merged in a fixed
/// way: bit-identical whatever the thread count, as long as `A`'s merge is exact.
pub fn fold<A: Accumulator>(
    variants: &[&Model],
    cfg: &RunConfig,
    init: &(dyn Fn() -> A + Sync),
    progress: &(dyn Fn(u64) + Sync),
) -> Result<A, rayon::ThreadPoolBuildError> {
    Ok(run_all(variants, cfg, Keep::Nothing, init, progress)?.0)
}

/// [`fold`] over only `trials` (one share of `cfg.trials`): merged with the other shares'
/// accumulators it equals [`fold`]'s exactly.
pub fn fold_range<A: Accumulator>(
    variants: &[&Model],
    cfg: &RunConfig,
    trials: Range<u64>,
    init: &(dyn Fn() -> A + Sync),
    progress: &(dyn Fn(u64) + Sync),
) -> Result<A, rayon::ThreadPoolBuildError> {
    Ok(run_range(variants, cfg, trials, Keep::Nothing, init, progress)?.0)
}

/// Plays only the trials of one share (`share`) of `cfg.trials`, every variant, into a
/// comparison: merged with the other shares' it equals [`run_variants`]'s exactly.
pub fn run_share(
    variants: &[&Model],
    cfg: &RunConfig,
    trials: Range<u64>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Comparison, rayon::ThreadPoolBuildError> {
    let horizon = variants.first().map_or(0, |m| m.horizon_months);
    fold_range(
        variants,
        cfg,
        trials,
        &|| Comparison::new(variants.len(), horizon),
        progress,
    )
}

/// Runs `cfg.trials` trials of `model` and aggregates them. `progress` is called with the
/// number of trials just finished, from worker threads.
pub fn run(
    model: &Model,
    cfg: &RunConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Aggregate, rayon::ThreadPoolBuildError> {
    let mut c = run_variants(&[model], cfg, progress)?;
    Ok(c.aggregates.remove(0))
}
