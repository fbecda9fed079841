//! Decisions from simulations: which size and expansion policy each volume template should
//! have ([`tiers`]), and at what fullest-OSD utilisation to order Ceph capacity ([`trigger`]).
//!
//! Both evaluate every option in one trial loop (common random numbers: every option sees the
//! same users and growth, trial by trial), judge each against the scenario's targets with their
//! documented defaults ([`crate::model::Targets::effective`]), and pick the cheapest (or, for a
//! trigger, the latest) option that meets them. Nothing here reads or writes files.

pub mod tiers;
pub mod trigger;

use crate::aggregate::Probability;
use serde::Serialize;

/// A figure checked against a target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// What is checked (`P(volume full)`).
    pub what: String,
    /// Its value.
    pub value: f64,
    /// The target it must not pass.
    pub limit: f64,
    /// Whether it meets the target.
    pub ok: bool,
    /// Whether value and limit are shares (printed as percentages).
    pub percent: bool,
}

impl Check {
    /// A value that must stay at or under `limit`.
    pub fn at_most(what: &str, value: f64, limit: f64) -> Check {
        Check {
            what: what.to_string(),
            value,
            limit,
            ok: value <= limit + 1e-12,
            percent: false,
        }
    }

    /// The same check, in words.
    pub fn describe(&self) -> String {
        let f = |x: f64| {
            if self.percent {
                format!("{:.1}%", x * 100.0)
            } else {
                format!("{x:.3}")
            }
        };
        let op = if self.ok { "≤" } else { ">" };
        format!("{} {} {op} {}", self.what, f(self.value), f(self.limit))
    }

    /// How far past its limit the value is, relative to it (0 when met).
    pub fn excess(&self) -> f64 {
        if self.ok {
            0.0
        } else {
            (self.value - self.limit) / self.limit.abs().max(1e-9)
        }
    }
}

/// A probability checked against a target: on the point estimate, with its interval reported.
pub fn check_probability(what: &str, p: &Probability, limit: f64) -> Check {
    Check {
        percent: true,
        ..Check::at_most(what, p.p, limit)
    }
}

/// A probability checked with 95% confidence: its Wilson upper bound must meet the target, so
/// that the choice holds when replayed with other seeds.
pub fn check_probability_confidently(what: &str, p: &Probability, limit: f64) -> Check {
    Check {
        percent: true,
        ..Check::at_most(&format!("{what} (95% upper bound)"), p.ci95[1], limit)
    }
}

/// Why an option fails, in words: the checks it misses.
pub fn reasons(checks: &[Check]) -> String {
    checks
        .iter()
        .filter(|c| !c.ok)
        .map(Check::describe)
        .collect::<Vec<_>>()
        .join("; ")
}

use crate::aggregate::wire::{Conform, Reader, Wire, WireError, Writer};
use crate::engine::{self, RunConfig};
use crate::model::{EffectiveTargets, Model};

/// How much more the runner-up costs than the chosen option over the horizon, paired trial by
/// trial.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Extra {
    /// Mean of runner-up − chosen, cumulative cost at the horizon.
    pub mean: f64,
    /// 95% confidence interval of the mean.
    pub ci95: [f64; 2],
}

/// A template's choice with the price of its runner-up.
#[derive(Debug, Clone, Serialize)]
pub struct VolumeRecommendation {
    /// The options and the choice.
    #[serde(flatten)]
    pub choice: tiers::TemplateChoice,
    /// What the runner-up costs more, where there is one.
    pub runner_up_extra: Option<Extra>,
}

/// A cluster's trigger with its checks against independent seeds.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterRecommendation {
    /// The chosen trigger (None: no trigger meets the targets).
    pub trigger: Option<f64>,
    /// The orders the chosen trigger places, with their months.
    pub orders: Vec<trigger::OrderTiming>,
    /// The triggers and the choice.
    #[serde(flatten)]
    pub choice: trigger::ClusterChoice,
    /// The chosen trigger replayed with independent seeds.
    pub rechecks: Vec<trigger::Recheck>,
    /// Which loss bounds the trigger: the fullest-OSD fill from which losing one OSD or one
    /// host stalls recovery at backfillfull, as built and after the first order.
    pub losses: Losses,
}

/// The fills at which an OSD or a host loss stalls recovery (CRUSH's own placement of the lost
/// data), before and after the first expansion lands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Losses {
    /// As built.
    pub as_built: crate::model::ceph::StallPoints,
    /// After the first order (None: the cluster has no expansion).
    pub after_first_order: Option<crate::model::ceph::StallPoints>,
}

impl Losses {
    /// The cluster's stall points, as built and after its first order.
    pub fn of(cluster: &crate::model::CephCluster) -> Losses {
        Losses {
            as_built: cluster.stall_points(0),
            after_first_order: cluster.expansion.as_ref().map(|_| cluster.stall_points(1)),
        }
    }
}

/// Everything `recommend` found.
#[derive(Debug, Clone, Serialize)]
pub struct Recommendation {
    /// Scenario name.
    pub scenario: String,
    /// Trials per option, seed, horizon, currency, start.
    #[serde(flatten)]
    pub provenance: crate::report::provenance::Provenance,
    /// The targets met, defaults filled in.
    pub targets: EffectiveTargets,
    /// Per volume template.
    pub volumes: Vec<VolumeRecommendation>,
    /// Per Ceph cluster with an expansion.
    pub ceph: Vec<ClusterRecommendation>,
    /// headroom's version.
    pub version: String,
}

impl Recommendation {
    /// The templates and clusters where no option meets the targets (`volume x`, `ceph.y`):
    /// `recommend` and `plan` exit 1 for them, as a gate would, after writing what they can.
    pub fn infeasible(&self) -> Vec<String> {
        self.volumes
            .iter()
            .filter(|v| v.choice.chosen.is_none())
            .map(|v| format!("volume {}", v.choice.name))
            .chain(
                self.ceph
                    .iter()
                    .filter(|c| c.trigger.is_none())
                    .map(|c| format!("ceph.{}", c.choice.cluster)),
            )
            .collect()
    }
}

/// Seeds for the independent rechecks of a trigger, derived from the run's seed.
pub fn recheck_seeds(seed: u64) -> [u64; 2] {
    [
        crate::engine::seed::mix64(seed ^ 0x7265_6368_6563_6b31),
        crate::engine::seed::mix64(seed ^ 0x7265_6368_6563_6b32),
    ]
}

/// The paired extra cost of option `b` over option `a` of template `t`.
fn extra(
    model: &Model,
    t: usize,
    a: &tiers::TierOption,
    b: &tiers::TierOption,
    cfg: &RunConfig,
) -> Result<Extra, rayon::ThreadPoolBuildError> {
    let (ma, mb) = (tiers::variant(model, t, a), tiers::variant(model, t, b));
    let c = engine::run_variants(&[&ma, &mb], cfg, &|_| {})?;
    let d = c.diffs[0].cumulative(model.horizon_months as usize);
    let (lo, hi) = d.mean_ci95();
    Ok(Extra {
        mean: d.mean(),
        ci95: [lo, hi],
    })
}

/// Refines a cluster's choice in steps of one point between the chosen trigger and the next
/// one weighed (which missed a target), so that the alert is not set lower than it need be.
fn refine(
    model: &Model,
    mut choice: trigger::ClusterChoice,
    cfg: &RunConfig,
    targets: &EffectiveTargets,
) -> Result<trigger::ClusterChoice, rayon::ThreadPoolBuildError> {
    let Some(i) = choice.chosen else {
        return Ok(choice);
    };
    let Some(next) = choice.options.get(i + 1) else {
        return Ok(choice);
    };
    let c = model
        .ceph
        .iter()
        .position(|x| x.name == choice.cluster)
        .unwrap_or(0);
    let (lo, hi) = (choice.options[i].trigger, next.trigger);
    let keys: Vec<(usize, f64)> = (1..100)
        .map(|k| ((lo * 100.0).round() + k as f64) / 100.0)
        .take_while(|&t| t < hi - 1e-9)
        .map(|t| (c, t))
        .collect();
    if keys.is_empty() {
        return Ok(choice);
    }
    let models: Vec<Model> = keys
        .iter()
        .map(|k| trigger::variant(model, c, k.1))
        .collect();
    let refs: Vec<&Model> = models.iter().collect();
    let acc = engine::fold(
        &refs,
        cfg,
        &|| trigger::TriggerAcc::new(model.horizon_months, refs.len()),
        &|_| {},
    )?;
    if let Some(fine) = trigger::decide(model, &acc, &keys, targets)
        .into_iter()
        .find(|f| f.cluster == choice.cluster)
    {
        choice.options.extend(fine.options);
        choice
            .options
            .sort_by(|a, b| a.trigger.total_cmp(&b.trigger));
        choice.chosen = (0..choice.options.len())
            .rev()
            .find(|&j| choice.options[j].feasible);
    }
    Ok(choice)
}

/// Replays the chosen trigger with independent seeds; while it fails there, steps down to the
/// next lower feasible trigger (which orders earlier) and replays that.
fn confirm(
    model: &Model,
    mut choice: trigger::ClusterChoice,
    cfg: &RunConfig,
    targets: &EffectiveTargets,
) -> Result<(trigger::ClusterChoice, Vec<trigger::Recheck>), rayon::ThreadPoolBuildError> {
    let c = model
        .ceph
        .iter()
        .position(|x| x.name == choice.cluster)
        .unwrap_or(0);
    let mut rechecks = Vec::new();
    while let Some(i) = choice.chosen {
        let v = trigger::variant(model, c, choice.options[i].trigger);
        rechecks.clear();
        for seed in recheck_seeds(cfg.seed) {
            let again = RunConfig { seed, ..*cfg };
            let acc = engine::fold(
                &[&v],
                &again,
                &|| trigger::TriggerAcc::new(model.horizon_months, 1),
                &|_| {},
            )?;
            rechecks.push(trigger::recheck(seed, &acc, targets));
        }
        if rechecks.iter().all(|r| r.holds) {
            break;
        }
        choice.options[i].feasible = false;
        choice.chosen = (0..i).rev().find(|&j| choice.options[j].feasible);
    }
    Ok((choice, rechecks))
}

/// The two sweeps `recommend` starts with, where every option plays every trial: the
/// volume templates' sizes and policies, and the clusters' triggers (None without one). They
/// are what `recommend --shard` plays a share of; merged, they are the whole sweeps.
#[derive(Debug, Clone, PartialEq)]
pub struct Sweeps {
    /// Every size option's figures.
    pub tiers: tiers::TierAcc,
    /// Every trigger's figures.
    pub triggers: Option<trigger::TriggerAcc>,
}

impl Sweeps {
    /// The shares' sweeps together (exact).
    pub fn merge(self, other: Sweeps) -> Sweeps {
        use crate::engine::Accumulator;
        Sweeps {
            tiers: self.tiers.merge(other.tiers),
            triggers: match (self.triggers, other.triggers) {
                (Some(a), Some(b)) => Some(a.merge(b)),
                (a, b) => a.or(b),
            },
        }
    }
}

impl Wire for Sweeps {
    fn put(&self, w: &mut Writer) {
        self.tiers.put(w);
        w.u64(self.triggers.is_some() as u64);
        if let Some(t) = &self.triggers {
            t.put(w);
        }
    }
    fn get(r: &mut Reader) -> Result<Self, WireError> {
        let tiers = tiers::TierAcc::get(r)?;
        let triggers = match r.u64()? {
            0 => None,
            _ => Some(trigger::TriggerAcc::get(r)?),
        };
        Ok(Sweeps { tiers, triggers })
    }
}

impl Conform for Sweeps {
    fn conform(&self, empty: &Self, trials: u64) -> Result<(), WireError> {
        self.tiers.conform(&empty.tiers, trials)?;
        match (&self.triggers, &empty.triggers) {
            (Some(t), Some(e)) => t.conform(e, trials),
            (None, None) => Ok(()),
            (t, _) => Err(WireError(format!(
                "{} trigger sweep where the scenario has {}",
                if t.is_some() { "a" } else { "no" },
                if t.is_some() { "none" } else { "one" }
            ))),
        }
    }
}

impl Sweeps {
    /// The sweeps of no trials yet: the shape `model`'s recommendation plays.
    pub fn empty(model: &Model) -> Sweeps {
        let (_, focus, _) = tiers::variants(model);
        let (tmodels, _) = trigger::variants(model);
        Sweeps {
            tiers: tiers::TierAcc::new(model.horizon_months, &focus),
            triggers: (!tmodels.is_empty())
                .then(|| trigger::TriggerAcc::new(model.horizon_months, tmodels.len())),
        }
    }
}

/// Plays `trials` (all of `cfg.trials`, or one share of them) of both sweeps. `progress` is
/// called with trials finished, over the two.
pub fn sweeps(
    model: &Model,
    cfg: &RunConfig,
    trials: std::ops::Range<u64>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Sweeps, rayon::ThreadPoolBuildError> {
    let (models, focus, _) = tiers::variants(model);
    let refs: Vec<&Model> = models.iter().collect();
    let tier_acc = engine::fold_range(
        &refs,
        cfg,
        trials.clone(),
        &|| tiers::TierAcc::new(model.horizon_months, &focus),
        progress,
    )?;
    let (tmodels, _) = trigger::variants(model);
    let triggers = if tmodels.is_empty() {
        None
    } else {
        let refs: Vec<&Model> = tmodels.iter().collect();
        Some(engine::fold_range(
            &refs,
            cfg,
            trials,
            &|| trigger::TriggerAcc::new(model.horizon_months, refs.len()),
            progress,
        )?)
    };
    Ok(Sweeps {
        tiers: tier_acc,
        triggers,
    })
}

/// Sizes every volume template and sets every cluster's trigger (see [`tiers`] and
/// [`trigger`]). `progress` is called with trials finished, over the two sweeps.
pub fn recommend(
    model: &Model,
    cfg: &RunConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Recommendation, rayon::ThreadPoolBuildError> {
    let all = sweeps(model, cfg, 0..cfg.trials, progress)?;
    decide(model, cfg, &all)
}

/// The recommendation from the sweeps of all `cfg.trials` trials: each template's choice and
/// its runner-up's paired extra cost, each cluster's trigger refined by the point and
/// replayed with independent seeds (these later runs play every trial here).
pub fn decide(
    model: &Model,
    cfg: &RunConfig,
    sweeps: &Sweeps,
) -> Result<Recommendation, rayon::ThreadPoolBuildError> {
    let targets = model.targets.effective();
    let (_, _, options_of) = tiers::variants(model);
    let mut volumes = Vec::new();
    for (t, choice) in tiers::decide(model, &sweeps.tiers, &options_of, &targets)
        .into_iter()
        .enumerate()
    {
        let runner_up_extra = match (choice.chosen, choice.runner_up) {
            (Some(a), Some(b)) => Some(extra(
                model,
                t,
                &choice.options[a].option(),
                &choice.options[b].option(),
                cfg,
            )?),
            _ => None,
        };
        volumes.push(VolumeRecommendation {
            choice,
            runner_up_extra,
        });
    }
    let (_, keys) = trigger::variants(model);
    let mut ceph = Vec::new();
    if let Some(acc) = &sweeps.triggers {
        for choice in trigger::decide(model, acc, &keys, &targets) {
            let choice = refine(model, choice, cfg, &targets)?;
            let (choice, rechecks) = confirm(model, choice, cfg, &targets)?;
            let losses = model
                .ceph
                .iter()
                .find(|c| c.name == choice.cluster)
                .map(Losses::of)
                .unwrap_or_default();
            ceph.push(ClusterRecommendation {
                losses,
                trigger: choice.chosen().map(|t| t.trigger),
                orders: choice
                    .chosen()
                    .map(|t| t.orders.clone())
                    .unwrap_or_default(),
                choice,
                rechecks,
            });
        }
    }
    Ok(Recommendation {
        scenario: model.name.clone(),
        provenance: crate::report::provenance::Provenance::of(model, cfg.trials, cfg.seed),
        targets,
        volumes,
        ceph,
        version: crate::report::provenance::VERSION.to_string(),
    })
}
