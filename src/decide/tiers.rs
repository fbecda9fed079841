//! Size tiers and autoresize policies per volume template.
//!
//! For each template a ladder of sizes (its `candidates`, else standard sizes from a quarter to
//! eight times today's), each with no expansion and with pvc-autoresizer at its defaults (10%
//! threshold, 10% increase) up to five times the size, plus the template as the scenario has
//! it. Every option is the scenario with only that template changed, and all options of all
//! templates play the same trials, so the difference between two options of a template is that
//! template's. An option is feasible when its own volumes meet the targets (chance that one of
//! them fills, full volume-months, resizes per volume-month) and the budget holds; the cheapest
//! feasible by expected total cost over the horizon is chosen.

use super::{Check, check_probability};
use crate::aggregate::wire::{Conform, Reader, Wire, WireError, Writer, expect};
use crate::aggregate::{MonthHistogram, Probability, Sketch};
use crate::engine::Accumulator;
use crate::model::metrics::{Event, Metric};
use crate::model::trial::{NEVER, TrialRecord};
use crate::model::{Backend, EffectiveTargets, Expansion, Model, StorageClass, VolumeTemplate};
use crate::quantity::Share;
use serde::Serialize;

/// Standard PVC sizes, GiB, the default ladder is cut from.
const LADDER: [f64; 16] = [
    1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10000.0, 20000.0,
    50000.0, 100000.0,
];

/// One way to provision a template.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TierOption {
    /// Provisioned size at creation, GiB.
    pub size_gib: f64,
    /// Expansion policy.
    pub expansion: Expansion,
}

impl TierOption {
    /// "autoresize +10% when free < 10%, up to 50 GiB" or "none".
    pub fn describe_expansion(&self) -> String {
        self.expansion.describe()
    }
}

/// Sizes to weigh for a template: its `candidates`, else the standard sizes from a quarter to
/// eight times its size, with its own size always in.
pub fn ladder(template: &VolumeTemplate) -> Vec<f64> {
    let mut sizes = if template.candidates.is_empty() {
        let s = template.size_gib;
        LADDER
            .iter()
            .copied()
            .filter(|&x| x >= s / 4.0 - 1e-9 && x <= s * 8.0 + 1e-9)
            .collect()
    } else {
        template.candidates.clone()
    };
    if !sizes.iter().any(|&x| (x - template.size_gib).abs() < 1e-9) {
        sizes.push(template.size_gib);
    }
    sizes.sort_by(f64::total_cmp);
    sizes
}

/// Whether a class can provision `size` growing up to `top` (provider limits, priced tiers).
fn allowed(class: &StorageClass, size: f64, top: f64) -> bool {
    match &class.backend {
        Backend::Ceph { .. } => true,
        Backend::Cloud {
            billing, limits, ..
        } => {
            let in_limits = limits.as_ref().is_none_or(|l| {
                l.min_gib.is_none_or(|m| size >= m - 1e-9)
                    && l.max_gib.is_none_or(|m| size <= m + 1e-9)
            });
            let in_tiers = billing.max_gib().is_none_or(|m| top <= m + 1e-9)
                && billing.unpriced_tier_between(size, top).is_none();
            in_limits && in_tiers
        }
    }
}

/// The largest size a class allows, if any.
fn max_size(class: &StorageClass) -> Option<f64> {
    match &class.backend {
        Backend::Ceph { .. } => None,
        Backend::Cloud {
            billing, limits, ..
        } => limits
            .as_ref()
            .and_then(|l| l.max_gib)
            .or(billing.max_gib()),
    }
}

/// Every option for a template: the ladder × {no expansion, pvc-autoresizer 10%/10% up to 5×
/// the size, and, where the template expands by hand, its manual policy up to 5× the size},
/// and the template as the scenario has it; those the class cannot provision are left out.
pub fn options(template: &VolumeTemplate, class: &StorageClass) -> Vec<TierOption> {
    let mut out = vec![TierOption {
        size_gib: template.size_gib,
        expansion: template.expansion,
    }];
    for size in ladder(template) {
        let mut limit = 5.0 * size;
        if let Some(max) = max_size(class) {
            limit = limit.min(max);
        }
        let by_hand = match template.expansion {
            Expansion::Manual {
                threshold,
                increase,
                response_months,
                ..
            } => Some(Expansion::Manual {
                threshold,
                increase,
                limit_gib: limit,
                response_months,
            }),
            _ => None,
        };
        let autoresize = Expansion::Autoresize {
            threshold: Share::Fraction(0.1),
            increase: Share::Fraction(0.1),
            limit_gib: limit,
        };
        for expansion in [Some(Expansion::None), Some(autoresize), by_hand]
            .into_iter()
            .flatten()
        {
            let o = TierOption {
                size_gib: size,
                expansion,
            };
            if !out.contains(&o) {
                out.push(o);
            }
        }
    }
    out.retain(|o| {
        let top = o
            .expansion
            .limit_gib()
            .map_or(o.size_gib, |l| l.max(o.size_gib));
        allowed(class, o.size_gib, top)
    });
    out
}

/// The scenario with template `t` provisioned as `option`.
pub fn variant(model: &Model, t: usize, option: &TierOption) -> Model {
    let mut m = model.clone();
    m.volumes[t].size_gib = option.size_gib;
    m.volumes[t].expansion = option.expansion;
    m
}

/// What one option did over the trials.
#[derive(Debug, Clone, PartialEq)]
struct OptionAcc {
    /// The template whose options this variant tries (None for the scenario as it is).
    focus: Option<usize>,
    cost_total: Sketch,
    cost_cumulative: Sketch,
    /// Cumulative cost at the horizon minus the scenario's, trial by trial.
    diff_cumulative: Sketch,
    first_full: MonthHistogram,
    full_events: u64,
    resizes: u64,
    manual_resizes: u64,
    volume_months: u64,
    budget_exceeded: u64,
    trials: u64,
}

/// Every option's figures, in variant order (variant 0: the scenario as it is).
#[derive(Debug, Clone, PartialEq)]
pub struct TierAcc {
    horizon: usize,
    options: Vec<OptionAcc>,
}

impl TierAcc {
    /// An empty accumulator for variants trying the templates in `focus` (None: the scenario).
    pub fn new(horizon_months: u32, focus: &[Option<usize>]) -> TierAcc {
        let months = horizon_months as usize + 1;
        TierAcc {
            horizon: horizon_months as usize,
            options: focus
                .iter()
                .map(|&focus| OptionAcc {
                    focus,
                    cost_total: Sketch::default(),
                    cost_cumulative: Sketch::default(),
                    diff_cumulative: Sketch::default(),
                    first_full: MonthHistogram::new(months),
                    full_events: 0,
                    resizes: 0,
                    manual_resizes: 0,
                    volume_months: 0,
                    budget_exceeded: 0,
                    trials: 0,
                })
                .collect(),
        }
    }
}

impl Accumulator for TierAcc {
    fn add(&mut self, records: &[TrialRecord]) {
        let h = self.horizon;
        let base = records[0].get(h, Metric::CostCumulative);
        for (acc, r) in self.options.iter_mut().zip(records) {
            acc.trials += 1;
            acc.cost_total.add(r.get(h, Metric::CostTotal));
            let cumulative = r.get(h, Metric::CostCumulative);
            acc.cost_cumulative.add(cumulative);
            acc.diff_cumulative.add(cumulative - base);
            acc.budget_exceeded += r.first(Event::BudgetExceeded).is_some() as u64;
            if let Some(t) = acc.focus {
                let tally = &r.templates[t];
                acc.first_full
                    .add((tally.first_full != NEVER).then_some(tally.first_full));
                // Counts of volumes and events: whole numbers, summed exactly.
                acc.full_events += tally.full_events as u64;
                acc.resizes += tally.resizes as u64;
                acc.manual_resizes += tally.manual_resizes as u64;
                acc.volume_months += tally.volume_months as u64;
            }
        }
    }

    fn merge(mut self, other: Self) -> Self {
        for (a, b) in self.options.iter_mut().zip(other.options) {
            a.trials += b.trials;
            a.cost_total.merge(&b.cost_total);
            a.cost_cumulative.merge(&b.cost_cumulative);
            a.diff_cumulative.merge(&b.diff_cumulative);
            a.first_full.merge(&b.first_full);
            a.full_events += b.full_events;
            a.resizes += b.resizes;
            a.manual_resizes += b.manual_resizes;
            a.volume_months += b.volume_months;
            a.budget_exceeded += b.budget_exceeded;
        }
        self
    }

    fn trials(&self) -> u64 {
        self.options.first().map_or(0, |o| o.trials)
    }
}

impl Wire for OptionAcc {
    fn put(&self, w: &mut Writer) {
        w.u64(self.focus.map_or(u64::MAX, |t| t as u64));
        self.cost_total.put(w);
        self.cost_cumulative.put(w);
        self.diff_cumulative.put(w);
        self.first_full.put(w);
        for n in [
            self.full_events,
            self.resizes,
            self.manual_resizes,
            self.volume_months,
            self.budget_exceeded,
            self.trials,
        ] {
            w.u64(n);
        }
    }
    fn get(r: &mut Reader) -> Result<Self, WireError> {
        let focus = r.u64()?;
        Ok(OptionAcc {
            focus: (focus != u64::MAX).then_some(focus as usize),
            cost_total: Sketch::get(r)?,
            cost_cumulative: Sketch::get(r)?,
            diff_cumulative: Sketch::get(r)?,
            first_full: MonthHistogram::get(r)?,
            full_events: r.u64()?,
            resizes: r.u64()?,
            manual_resizes: r.u64()?,
            volume_months: r.u64()?,
            budget_exceeded: r.u64()?,
            trials: r.u64()?,
        })
    }
}

impl Conform for OptionAcc {
    fn conform(&self, empty: &Self, trials: u64) -> Result<(), WireError> {
        expect(self.focus == empty.focus, || {
            format!(
                "an option of template {:?} where the scenario has {:?}",
                self.focus, empty.focus
            )
        })?;
        expect(self.trials == trials, || {
            format!("an option of {} trials in a share of {trials}", self.trials)
        })?;
        self.cost_total.conform(&empty.cost_total, trials)?;
        self.cost_cumulative
            .conform(&empty.cost_cumulative, trials)?;
        self.diff_cumulative
            .conform(&empty.diff_cumulative, trials)?;
        let focused = if self.focus.is_some() { trials } else { 0 };
        self.first_full.conform(&empty.first_full, focused)?;
        // Volumes and events per trial: bounded so that no sum of shares overflows.
        let most = trials.saturating_mul(1 << 33);
        for n in [
            self.full_events,
            self.resizes,
            self.manual_resizes,
            self.volume_months,
        ] {
            expect(n <= most, || format!("a count of {n} in {trials} trials"))?;
        }
        expect(self.budget_exceeded <= trials, || {
            format!("{} of {trials} trials over budget", self.budget_exceeded)
        })
    }
}

impl Conform for TierAcc {
    fn conform(&self, empty: &Self, trials: u64) -> Result<(), WireError> {
        expect(self.horizon == empty.horizon, || {
            format!(
                "a horizon of {} months where the scenario has {}",
                self.horizon, empty.horizon
            )
        })?;
        self.options.conform(&empty.options, trials)
    }
}

/// `recommend --shard`'s share of the size sweep.
impl Wire for TierAcc {
    fn put(&self, w: &mut Writer) {
        w.u64(self.horizon as u64);
        self.options.put(w);
    }
    fn get(r: &mut Reader) -> Result<Self, WireError> {
        Ok(TierAcc {
            horizon: r.u64()? as usize,
            options: Vec::get(r)?,
        })
    }
}

/// One option's figures and verdict.
#[derive(Debug, Clone, Serialize)]
pub struct OptionResult {
    /// Size at creation, GiB.
    pub size_gib: f64,
    /// The expansion policy, in words.
    pub expansion: String,
    /// Whether it is the scenario's own setting.
    pub current: bool,
    /// Monthly cost at the horizon (whole scenario), P50 and P90.
    pub cost_total_p50: f64,
    /// P90 of the monthly cost at the horizon.
    pub cost_total_p90: f64,
    /// Cost over the horizon (whole scenario): mean, P50, P90.
    pub cost_cumulative_mean: f64,
    /// P50 of the cost over the horizon.
    pub cost_cumulative_p50: f64,
    /// P90 of the cost over the horizon.
    pub cost_cumulative_p90: f64,
    /// Chance that one of this template's volumes fills within the horizon.
    pub p_volume_full: f64,
    /// Its Wilson 95% interval.
    pub p_volume_full_ci95: [f64; 2],
    /// Full volume-months per 100 volume-months.
    pub full_events_per_100_volume_months: f64,
    /// Autoresizes per 100 volume-months.
    pub resizes_per_100_volume_months: f64,
    /// Resizes by hand per 100 volume-months.
    pub manual_resizes_per_100_volume_months: f64,
    /// Whether every target is met.
    pub feasible: bool,
    /// The targets checked.
    pub checks: Vec<Check>,
    #[serde(skip)]
    option: TierOption,
    #[serde(skip)]
    p_full: Probability,
}

impl OptionResult {
    /// The option it describes.
    pub fn option(&self) -> TierOption {
        self.option
    }

    /// Its chance of a full volume.
    pub fn p_full(&self) -> Probability {
        self.p_full
    }
}

/// The recommendation for one template.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateChoice {
    /// Template name.
    pub name: String,
    /// Every option weighed, in order of size then policy.
    pub options: Vec<OptionResult>,
    /// Index of the chosen option in `options`; None when nothing is feasible.
    pub chosen: Option<usize>,
    /// The next cheapest feasible option, if any.
    pub runner_up: Option<usize>,
    /// When nothing is feasible: the option closest to the targets.
    pub closest: Option<usize>,
}

fn result(
    acc: &OptionAcc,
    option: TierOption,
    current: bool,
    t: &EffectiveTargets,
) -> OptionResult {
    let n = acc.trials.max(1);
    let p_full = Probability::of(n - acc.first_full.never(), n);
    let vm = acc.volume_months.max(1) as f64;
    let full_100 = 100.0 * acc.full_events as f64 / vm;
    let resizes = acc.resizes as f64 / vm;
    let mut checks = vec![
        check_probability("P(volume full)", &p_full, t.max_volume_full_probability),
        Check::at_most(
            "full events per 100 volume-months",
            full_100,
            t.max_full_events_per_100_volume_months,
        ),
        Check::at_most(
            "resizes per volume-month",
            resizes,
            t.max_resizes_per_volume_month,
        ),
    ];
    let manual = acc.manual_resizes as f64 / vm;
    if matches!(option.expansion, Expansion::Manual { .. }) {
        checks.push(Check::at_most(
            "resizes by hand per volume-month",
            manual,
            t.max_manual_resizes_per_volume_month,
        ));
    }
    if t.monthly_budget.is_some() {
        checks.push(check_probability(
            "P(budget exceeded)",
            &Probability::of(acc.budget_exceeded, n),
            t.max_budget_exceeded_probability,
        ));
    }
    OptionResult {
        size_gib: option.size_gib,
        expansion: option.describe_expansion(),
        current,
        cost_total_p50: acc.cost_total.quantile(0.5),
        cost_total_p90: acc.cost_total.quantile(0.9),
        cost_cumulative_mean: acc.cost_cumulative.mean(),
        cost_cumulative_p50: acc.cost_cumulative.quantile(0.5),
        cost_cumulative_p90: acc.cost_cumulative.quantile(0.9),
        p_volume_full: p_full.p,
        p_volume_full_ci95: p_full.ci95,
        full_events_per_100_volume_months: full_100,
        resizes_per_100_volume_months: 100.0 * resizes,
        manual_resizes_per_100_volume_months: 100.0 * manual,
        feasible: checks.iter().all(|c| c.ok),
        checks,
        option,
        p_full,
    }
}

/// Ranks options by expected total cost (to the cent), then fewer resizes (by hand or not), then
/// smaller size:
/// with thin-provisioned Ceph volumes every size costs the same, and the smaller commits less.
fn rank(o: &OptionResult) -> (i64, i64, i64) {
    (
        (o.cost_cumulative_mean * 100.0).round() as i64,
        ((o.resizes_per_100_volume_months + o.manual_resizes_per_100_volume_months) * 1000.0)
            .round() as i64,
        (o.size_gib * 1000.0).round() as i64,
    )
}

/// Picks the cheapest feasible option, the runner-up and, when none is feasible, the closest.
fn choose(options: &[OptionResult]) -> (Option<usize>, Option<usize>, Option<usize>) {
    let mut feasible: Vec<usize> = (0..options.len())
        .filter(|&i| options[i].feasible)
        .collect();
    feasible.sort_by_key(|&i| rank(&options[i]));
    let closest = if feasible.is_empty() {
        (0..options.len()).min_by(|&a, &b| {
            let worst = |i: usize| {
                options[i]
                    .checks
                    .iter()
                    .map(Check::excess)
                    .fold(0.0, f64::max)
            };
            worst(a).total_cmp(&worst(b))
        })
    } else {
        None
    };
    (feasible.first().copied(), feasible.get(1).copied(), closest)
}

/// The options of every template, as variants of the scenario: (variant models, focus of each
/// variant, option of each variant). Variant 0 is the scenario as it is.
pub fn variants(model: &Model) -> (Vec<Model>, Vec<Option<usize>>, Vec<Option<TierOption>>) {
    let mut models = vec![model.clone()];
    let mut focus = vec![None];
    let mut options_of = vec![None];
    for (t, template) in model.volumes.iter().enumerate() {
        let class = &model.storage_classes[template.storage_class];
        for option in options(template, class) {
            models.push(variant(model, t, &option));
            focus.push(Some(t));
            options_of.push(Some(option));
        }
    }
    (models, focus, options_of)
}

/// The recommendation for every template, from the accumulated variants of [`variants`].
pub fn decide(
    model: &Model,
    acc: &TierAcc,
    options_of: &[Option<TierOption>],
    targets: &EffectiveTargets,
) -> Vec<TemplateChoice> {
    model
        .volumes
        .iter()
        .enumerate()
        .map(|(t, template)| {
            let mut options: Vec<OptionResult> = acc
                .options
                .iter()
                .zip(options_of)
                .filter(|(a, _)| a.focus == Some(t))
                .filter_map(|(a, o)| {
                    let o = (*o)?;
                    let current =
                        o.size_gib == template.size_gib && o.expansion == template.expansion;
                    Some(result(a, o, current, targets))
                })
                .collect();
            options.sort_by(|a, b| {
                a.size_gib
                    .total_cmp(&b.size_gib)
                    .then((a.expansion != "none").cmp(&(b.expansion != "none")))
            });
            options.dedup_by(|a, b| a.size_gib == b.size_gib && a.expansion == b.expansion);
            let (chosen, runner_up, closest) = choose(&options);
            TemplateChoice {
                name: template.name.clone(),
                options,
                chosen,
                runner_up,
                closest,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(size: f64, candidates: Vec<f64>) -> VolumeTemplate {
        VolumeTemplate {
            name: "w".into(),
            per: crate::model::Per::Pod,
            storage_class: 0,
            size_gib: size,
            initial_used: crate::model::Dist::Fixed(0.0),
            growth: crate::model::Dist::Fixed(0.0),
            trial_factor: crate::model::Dist::Fixed(1.0),
            retention_months: 0,
            expansion: Expansion::None,
            snapshots: None,
            discard: false,
            limit_capped_from: None,
            candidates,
            statefulset: None,
        }
    }

    /// The default ladder around 10 GiB is DESIGN's example: 5, 10, 20, 50 GiB.
    #[test]
    fn default_ladder_around_the_size() {
        assert_eq!(ladder(&template(10.0, vec![])), [5.0, 10.0, 20.0, 50.0]);
        assert_eq!(ladder(&template(50.0, vec![])), [20.0, 50.0, 100.0, 200.0]);
        assert_eq!(
            ladder(&template(15.0, vec![])),
            [5.0, 10.0, 15.0, 20.0, 50.0, 100.0]
        );
        assert_eq!(ladder(&template(10.0, vec![8.0, 16.0])), [8.0, 10.0, 16.0]);
    }
}
