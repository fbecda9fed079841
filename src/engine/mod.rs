//! Drives trials: seeding, rayon, progress. The only module that knows about threads.
//!
//! Trials are grouped in chunks of a fixed size; each chunk plays its trials in index order
//! into its own [`Aggregate`], and the chunks are merged. Merging is exact, so the result is
//! bit-identical for any thread count.

pub mod seed;

use crate::aggregate::Aggregate;
use crate::aggregate::paired::PairedDiff;
use crate::model::Model;
use crate::model::metrics::N_METRICS;
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

/// The results of several variants played on the same trials.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// One aggregate per variant, in the order given.
    pub aggregates: Vec<Aggregate>,
    /// Paired differences of variant i + 1 against variant 0.
    pub diffs: Vec<PairedDiff>,
}

impl Comparison {
    fn new(variants: &[(&Model, u64)]) -> Comparison {
        let horizon = variants.first().map_or(0, |v| v.0.horizon_months);
        Comparison {
            aggregates: variants
                .iter()
                .map(|v| Aggregate::new(v.0.horizon_months))
                .collect(),
            diffs: variants
                .iter()
                .skip(1)
                .map(|_| PairedDiff::new(horizon))
                .collect(),
        }
    }

    fn merge(mut self, other: Comparison) -> Comparison {
        self.aggregates = self
            .aggregates
            .into_iter()
            .zip(other.aggregates)
            .map(|(a, b)| a.merge(b))
            .collect();
        self.diffs = self
            .diffs
            .into_iter()
            .zip(other.diffs)
            .map(|(a, b)| a.merge(b))
            .collect();
        self
    }
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
    /// First month of each event in [`crate::aggregate::Event::ALL`] order (None: never).
    pub first: [Option<u32>; 5],
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
    let months: Vec<usize> = match keep {
        Keep::Nothing => return,
        Keep::Final => vec![record.months() - 1],
        Keep::PerMonth => (0..record.months()).collect(),
    };
    let first = [
        record.first_volume_full,
        record.first_ceph_nearfull,
        record.first_ceph_full,
        record.first_ceph_order,
        record.first_budget_exceeded,
    ]
    .map(|m| (m != crate::model::trial::NEVER).then_some(m));
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

fn run_chunk(
    variants: &[(&Model, u64)],
    cfg: &RunConfig,
    chunk: u64,
    keep: Keep,
) -> (Comparison, Vec<TrialRow>) {
    let mut out = Comparison::new(variants);
    let mut rows = Vec::new();
    let mut sims: Vec<Simulator> = variants
        .iter()
        .map(|(m, cap)| Simulator::new(m, *cap))
        .collect();
    let mut records: Vec<TrialRecord> = variants
        .iter()
        .map(|(m, _)| TrialRecord::new(m.horizon_months))
        .collect();
    let mut rngs = TrialRngs {
        population: seed::trial_rng(cfg.seed, seed::POPULATION, 0),
        costs: seed::trial_rng(cfg.seed, seed::COSTS, 0),
        volumes: Vec::new(),
    };
    let end = ((chunk + 1) * CHUNK).min(cfg.trials);
    for trial in chunk * CHUNK..end {
        for (v, (model, _)) in variants.iter().enumerate() {
            trial_rngs(model, cfg.seed, trial, &mut rngs);
            sims[v].run(&mut rngs, &mut records[v]);
            out.aggregates[v].add(&records[v]);
        }
        keep_rows(&records[0], trial, keep, &mut rows);
        for (d, diff) in out.diffs.iter_mut().enumerate() {
            diff.add(&records[d + 1], &records[0]);
        }
    }
    (out, rows)
}

fn run_all(
    variants: &[(&Model, u64)],
    cfg: &RunConfig,
    keep: Keep,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(Comparison, Vec<TrialRow>), rayon::ThreadPoolBuildError> {
    let chunks = cfg.trials.div_ceil(CHUNK);
    let work = || {
        (0..chunks)
            .into_par_iter()
            .map(|chunk| {
                let (c, rows) = run_chunk(variants, cfg, chunk, keep);
                progress(c.aggregates.first().map_or(0, Aggregate::trials));
                (c, rows)
            })
            .reduce(
                || (Comparison::new(variants), Vec::new()),
                |(a, mut ra), (b, rb)| {
                    ra.extend(rb);
                    (a.merge(b), ra)
                },
            )
    };
    let (c, mut rows) = match cfg.threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()?
            .install(work),
        None => work(),
    };
    rows.sort_by_key(|r| (r.trial, r.month));
    Ok((c, rows))
}

/// Runs one model keeping each trial's values (the horizon month, or every month) beside the
/// aggregate, sorted by trial and month. Memory grows with trials: for exports only.
pub fn run_keeping(
    model: &Model,
    cfg: &RunConfig,
    keep: Keep,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(Aggregate, Vec<TrialRow>), rayon::ThreadPoolBuildError> {
    let (mut c, rows) = run_all(&[(model, cfg.max_users)], cfg, keep, progress)?;
    Ok((c.aggregates.remove(0), rows))
}

/// Plays the same `cfg.trials` trials (same seed, same streams) of every variant, each with
/// its own population cap, and aggregates them with their paired differences against the
/// first. `cfg.max_users` is not used. The variants must share a horizon.
pub fn run_variants(
    variants: &[(&Model, u64)],
    cfg: &RunConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Comparison, rayon::ThreadPoolBuildError> {
    Ok(run_all(variants, cfg, Keep::Nothing, progress)?.0)
}

/// Runs `cfg.trials` trials of `model` and aggregates them. `progress` is called with the
/// number of trials just finished, from worker threads.
pub fn run(
    model: &Model,
    cfg: &RunConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Aggregate, rayon::ThreadPoolBuildError> {
    let mut c = run_variants(&[(model, cfg.max_users)], cfg, progress)?;
    Ok(c.aggregates.remove(0))
}
