//! `gate`: a run's figures judged against a budget file, and against a baseline (a stored one,
//! or the base branch simulated in the same trial loop). Pure: the figures come from
//! aggregates, the verdicts are data; the app decides the exit code and the formats render them.
//!
//! A limit is judged on the figure itself: with a fixed seed and trial count the same inputs
//! always give the same verdict; a figure that is not a number fails it. A regression has three
//! outcomes: **pass** (within its allowance), **fail** (past its allowance beyond the Monte
//! Carlo noise of the difference), **inconclusive** (past it, within the noise: more trials
//! would tell). The noise is paired for every figure of `--against`, whose two sides play the
//! same trials ([`paired`]); for a stored baseline √(se₁² + se₂²). Each check's one-sided
//! p-value (the move no larger than its allowance) is judged with the others of the run by
//! Holm's step-down ([`holm`]), so that a change of pure noise fails at most 5% of gate runs
//! however many checks there are.
//!
//! A stored baseline is compared only with runs of the same inputs, seed, trials and headroom
//! version (it catches a change of headroom that moves the numbers); a baseline of other inputs
//! is stale. A change of the inputs is judged with `--against REF`, which simulates both sides.

pub mod budget_change;
pub mod paired;

use crate::aggregate::{Aggregate, Sketch};
use crate::model::Model;
use crate::model::metrics::{Metric, Unit};
use crate::scenario::budget::{Budget, Measure, Month, Quantity, Regression, Stat, glob_match};
pub use paired::PairedTrials;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the baseline file format.
pub const BASELINE_FORMAT: u32 = 1;

/// One figure of a run, with its Monte Carlo standard error.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// The value.
    pub value: f64,
    /// Its standard error.
    pub se: f64,
    /// The month it was read at (the worst month, or the horizon).
    pub month: Option<u32>,
}

/// The standard error of a quantile, from its distribution-free 95% interval.
fn quantile_se(s: &Sketch, q: f64) -> f64 {
    let (lo, hi) = s.quantile_ci95(q);
    ((hi - lo) / (2.0 * 1.96)).max(0.0)
}

fn stat_of(s: &Sketch, stat: Stat) -> (f64, f64) {
    match stat {
        Stat::Mean => (s.mean(), s.mean_se()),
        Stat::Quantile(q) => (s.quantile(q), quantile_se(s, q)),
    }
}

/// A figure of a run.
pub fn measure(agg: &Aggregate, m: &Measure) -> Figure {
    let h = agg.months() - 1;
    match m.quantity {
        Quantity::Event(e, upper) => {
            let p = agg.probability(e);
            Figure {
                value: if upper { p.ci95[1] } else { p.p },
                se: p.se,
                month: None,
            }
        }
        Quantity::Metric(metric, stat) => {
            let at = |month: usize| {
                let (value, se) = stat_of(agg.cell(month, metric), stat);
                Figure {
                    value,
                    se,
                    month: Some(month as u32),
                }
            };
            match m.month {
                Month::Horizon => at(h),
                Month::At(k) => at((k as usize).min(h)),
                Month::Worst => (1..=h.max(1))
                    .map(at)
                    .fold(at(h.min(1)), |a, b| if b.value > a.value { b } else { a }),
            }
        }
    }
}

/// Every figure a baseline keeps: each metric's mean and P5/P50/P90/P95/P99 at the horizon and in
/// the worst month, and each event's chance and upper bound.
pub fn baseline_measures() -> Vec<Measure> {
    let mut out = Vec::new();
    for metric in Metric::ALL {
        for stat in [
            Stat::Mean,
            Stat::Quantile(0.05),
            Stat::Quantile(0.5),
            Stat::Quantile(0.9),
            Stat::Quantile(0.95),
            Stat::Quantile(0.99),
        ] {
            for month in [Month::Horizon, Month::Worst] {
                out.push(Measure {
                    quantity: Quantity::Metric(metric, stat),
                    month,
                });
            }
        }
    }
    for e in crate::model::metrics::Event::ALL {
        for upper in [false, true] {
            out.push(Measure {
                quantity: Quantity::Event(e, upper),
                month: Month::Horizon,
            });
        }
    }
    out
}

/// One scenario's entry of a baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineEntry {
    /// Scenario name.
    pub scenario: String,
    /// SHA-256 of its inputs (file, what it extends, catalog).
    pub inputs_hash: String,
    /// Seed of the run.
    pub seed: u64,
    /// Trials of the run.
    pub trials: u64,
    /// Every figure, by [`Measure::key`].
    pub values: BTreeMap<String, Figure>,
}

/// A stored baseline (`--write-baseline`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// [`BASELINE_FORMAT`].
    pub format: u32,
    /// headroom's version that wrote it.
    pub version: String,
    /// One entry per scenario.
    pub scenarios: Vec<BaselineEntry>,
}

impl Baseline {
    /// The entry of a scenario.
    pub fn entry(&self, scenario: &str) -> Option<&BaselineEntry> {
        self.scenarios.iter().find(|e| e.scenario == scenario)
    }
}

/// The measures a baseline of `scenario` keeps: those the budget's regressions of it judge, or
/// with no budget every figure of [`baseline_measures`].
pub fn measures_to_keep(budget: Option<&Budget>, scenario: &str) -> Vec<Measure> {
    let Some(budget) = budget else {
        return baseline_measures();
    };
    let mut out: Vec<Measure> = Vec::new();
    for r in budget
        .regressions
        .iter()
        .filter(|r| applies(&r.scenarios, scenario))
    {
        if !out.contains(&r.measure) {
            out.push(r.measure);
        }
    }
    out
}

/// The baseline entry of a run: the figures of `measures`.
pub fn baseline_entry(
    scenario: &str,
    inputs_hash: &str,
    seed: u64,
    agg: &Aggregate,
    measures: &[Measure],
) -> BaselineEntry {
    BaselineEntry {
        scenario: scenario.to_string(),
        inputs_hash: inputs_hash.to_string(),
        seed,
        trials: agg.trials(),
        values: measures
            .iter()
            .map(|m| (m.key(), measure(agg, m)))
            .collect(),
    }
}

impl Baseline {
    /// The file: JSON with one line per figure, so that a re-recorded baseline reads as a
    /// short diff in review.
    pub fn to_json(&self) -> serde_json::Result<String> {
        let mut out = format!(
            "{{\n  \"format\": {},\n  \"version\": {},\n  \"scenarios\": [",
            self.format,
            serde_json::to_string(&self.version)?
        );
        for (i, e) in self.scenarios.iter().enumerate() {
            out.push_str(if i == 0 { "\n" } else { ",\n" });
            out.push_str(&format!(
                "    {{\n      \"scenario\": {},\n      \"inputs_hash\": {},\n      \"seed\": {},\n      \"trials\": {},\n      \"values\": {{",
                serde_json::to_string(&e.scenario)?,
                serde_json::to_string(&e.inputs_hash)?,
                e.seed,
                e.trials
            ));
            for (j, (key, figure)) in e.values.iter().enumerate() {
                out.push_str(if j == 0 { "\n" } else { ",\n" });
                out.push_str(&format!(
                    "        {}: {}",
                    serde_json::to_string(key)?,
                    serde_json::to_string(figure)?
                ));
            }
            out.push_str(if e.values.is_empty() {
                "}\n    }"
            } else {
                "\n      }\n    }"
            });
        }
        out.push_str("\n  ]\n}\n");
        Ok(out)
    }
}

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Within its limit.
    Pass,
    /// Past its limit (a regression: past its limit and its noise).
    Fail,
    /// The baseline was recorded from other inputs (scenario, what it extends, catalog), seed,
    /// trial count or headroom version: not comparable, so not compared; re-record it on
    /// purpose, or judge the change with `--against`.
    Stale,
    /// No baseline for this scenario: nothing to compare with.
    NoBaseline,
    /// Past its allowance but within the noise (or a change that blinds the checks, such as
    /// fewer trials): the gate cannot tell, and fails unless `--allow-inconclusive`.
    Inconclusive,
}

/// One verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(into = "VerdictRecord")]
pub struct Verdict {
    /// Scenario.
    pub scenario: String,
    /// `limit` or `regression`.
    pub kind: &'static str,
    /// The figure, in words.
    pub check: String,
    /// The metric or event judged (`cost_total`, `ceph_full`), where the check is on one.
    pub metric: Option<&'static str>,
    /// Its statistic (`p90`, `mean`, an event's `p` or `upper95`).
    pub stat: Option<String>,
    /// What the figure is counted in.
    pub unit: Option<Unit>,
    /// The scenario's currency, for a figure in money.
    pub currency: Option<String>,
    /// The month it was read at.
    pub month: Option<u32>,
    /// Its value now.
    pub value: f64,
    /// Its standard error.
    pub se: f64,
    /// The baseline's value (regressions).
    pub baseline: Option<f64>,
    /// The limit it is judged against (the highest allowed value).
    pub limit: f64,
    /// By how much it passes the limit (negative: the room left).
    pub over_by: f64,
    /// Outcome.
    pub status: Status,
    /// What a reader needs to know (noise, stale inputs).
    pub note: String,
    /// The one-sided p-value of the move being within its allowance (regressions judged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
    /// Standard error of the difference from the baseline (regressions judged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub se_diff: Option<f64>,
}

/// A verdict as the JSON report writes it: every field of [`Verdict`] and, for a pipeline
/// that reads fields rather than sentences, the comparison spelled out: `base` and `head`
/// (the figure at the base and now), their `difference`, the `noise` (1.96 standard errors of
/// the difference), the `allowance` (how far it may move), the `verdict`.
#[derive(Serialize)]
struct VerdictRecord {
    scenario: String,
    kind: &'static str,
    check: String,
    metric: Option<&'static str>,
    stat: Option<String>,
    month: Option<u32>,
    unit: Option<Unit>,
    currency: Option<String>,
    base: Option<f64>,
    head: f64,
    difference: Option<f64>,
    noise: Option<f64>,
    allowance: Option<f64>,
    limit: f64,
    verdict: Status,
    value: f64,
    se: f64,
    baseline: Option<f64>,
    over_by: f64,
    status: Status,
    note: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    p_value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    se_diff: Option<f64>,
}

impl From<Verdict> for VerdictRecord {
    fn from(v: Verdict) -> VerdictRecord {
        VerdictRecord {
            difference: v.baseline.map(|b| v.value - b),
            noise: v.se_diff.map(|se| 1.96 * se),
            allowance: v.allowance(),
            base: v.baseline,
            head: v.value,
            verdict: v.status,
            scenario: v.scenario,
            kind: v.kind,
            check: v.check,
            metric: v.metric,
            stat: v.stat,
            month: v.month,
            unit: v.unit,
            currency: v.currency,
            limit: v.limit,
            value: v.value,
            se: v.se,
            baseline: v.baseline,
            over_by: v.over_by,
            status: v.status,
            note: v.note,
            p_value: v.p_value,
            se_diff: v.se_diff,
        }
    }
}

impl Verdict {
    /// How far a regression's figure may move from its baseline (the distance to its limit).
    pub fn allowance(&self) -> Option<f64> {
        let base = self.baseline?;
        (self.kind == "regression" && self.limit.is_finite()).then(|| (self.limit - base).abs())
    }

    /// Gives the verdicts of a scenario in money its currency.
    pub fn price_in(verdicts: &mut [Verdict], currency: &str) {
        for v in verdicts.iter_mut().filter(|v| v.unit == Some(Unit::Money)) {
            v.currency = Some(currency.to_string());
        }
    }

    /// Whether it fails the gate (inconclusive checks aside).
    pub fn fails(&self) -> bool {
        matches!(self.status, Status::Fail | Status::Stale)
    }

    /// Whether the gate could not tell.
    pub fn inconclusive(&self) -> bool {
        self.status == Status::Inconclusive
    }
}

/// The one-sided error rate of each regression's test, and the family-wise rate [`holm`]
/// holds a run to: 2.5%, the 1.96 standard errors the verdicts print as the noise. A check
/// with an allowance both ways tests each, so pure noise fails a run at most 5% of the time.
pub const ALPHA: f64 = 0.025;

/// Holm's step-down over every regression judged in a run: the checks in order of their
/// p-values, the k-th (from 0) of m failing only while p ≤ α / (m − k); a check past its
/// allowance that does not is inconclusive. A run whose changes are all noise then fails with
/// probability at most α per direction, however many checks it has.
pub fn holm(verdicts: &mut [Verdict]) {
    let mut judged: Vec<usize> = (0..verdicts.len())
        .filter(|&i| verdicts[i].p_value.is_some())
        .collect();
    let m = judged.len();
    judged.sort_by(|&a, &b| {
        let (pa, pb) = (verdicts[a].p_value, verdicts[b].p_value);
        pa.partial_cmp(&pb)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.cmp(&b))
    });
    let mut rejecting = true;
    for (k, &i) in judged.iter().enumerate() {
        let p = verdicts[i].p_value.unwrap_or(1.0);
        let threshold = ALPHA / (m - k) as f64;
        rejecting &= p <= threshold;
        let v = &mut verdicts[i];
        if v.status == Status::Fail && !rejecting {
            v.status = Status::Inconclusive;
            v.note = format!(
                "past the allowance, but p = {p:.2e} is not below {threshold:.2e} (Holm over the run's {m} regression checks): within the noise; {}",
                v.note
            );
        }
    }
}

fn applies(globs: &[String], scenario: &str) -> bool {
    globs.iter().any(|g| glob_match(g, scenario))
}

/// The limits of `budget` that apply to `scenario`, judged on its run.
pub fn check_limits(budget: &Budget, scenario: &str, agg: &Aggregate) -> Vec<Verdict> {
    let mut out = Vec::new();
    for c in budget
        .checks
        .iter()
        .filter(|c| applies(&c.scenarios, scenario))
    {
        let f = measure(agg, &c.measure);
        for (bound, is_max) in [(c.max, true), (c.min, false)] {
            let Some(limit) = bound else { continue };
            let over_by = if is_max {
                f.value - limit
            } else {
                limit - f.value
            };
            out.push(Verdict {
                scenario: scenario.to_string(),
                kind: "limit",
                check: format!(
                    "{} {} {limit}",
                    c.measure.describe(),
                    if is_max { "≤" } else { "≥" }
                ),
                metric: Some(c.measure.subject()),
                stat: Some(c.measure.stat_label()),
                unit: Some(c.measure.unit()),
                currency: None,
                month: f.month,
                value: f.value,
                se: f.se,
                baseline: None,
                limit,
                over_by,
                status: if over_by > 1e-12 || !f.value.is_finite() {
                    Status::Fail
                } else {
                    Status::Pass
                },
                note: if f.value.is_finite() {
                    String::new()
                } else {
                    format!(
                        "the figure is {} (not a number): no limit can pass it",
                        f.value
                    )
                },
                p_value: None,
                se_diff: None,
            });
        }
    }
    out
}

/// A figure now and in the baseline, and the standard error of their difference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair {
    /// Now.
    pub now: Figure,
    /// In the baseline.
    pub base: Figure,
    /// Standard error of now − base.
    pub se_diff: f64,
}

/// Judges one regression limit on a pair of `trials` trials: pass within the allowance; past
/// it, fail when the move beyond the allowance is significant on its own (one-sided z of the
/// excess over the noise of the difference, p ≤ [`ALPHA`]: past 1.96 standard errors; [`holm`]
/// then judges it among the run's checks), else inconclusive. Where 1.96 standard errors of the difference exceed the
/// allowance, the note says how many trials would detect it.
pub fn judge(r: &Regression, scenario: &str, pair: &Pair, note: String, trials: u64) -> Verdict {
    let base = pair.base.value;
    let change = pair.now.value - base;
    let up = r.increase.map(|a| (change - a.of(base), base + a.of(base)));
    let down = r
        .decrease
        .map(|a| (-change - a.of(base), base - a.of(base)));
    let (over_by, limit) =
        [up, down]
            .into_iter()
            .flatten()
            .fold(
                (f64::NEG_INFINITY, f64::NAN),
                |a, b| if b.0 > a.0 { b } else { a },
            );
    let mut verdict = Verdict {
        scenario: scenario.to_string(),
        kind: "regression",
        check: r.describe(),
        metric: Some(r.measure.subject()),
        stat: Some(r.measure.stat_label()),
        unit: Some(r.measure.unit()),
        currency: None,
        month: pair.now.month,
        value: pair.now.value,
        se: pair.now.se,
        baseline: Some(base),
        limit,
        over_by,
        status: Status::Pass,
        note: String::new(),
        p_value: None,
        se_diff: Some(pair.se_diff),
    };
    if !(pair.now.value.is_finite() && base.is_finite()) {
        verdict.status = Status::Fail;
        verdict.note = format!(
            "the figure is {} now and {base} in the baseline: not a number, so no allowance can pass it",
            pair.now.value
        );
        return verdict;
    }
    let noise = 1.96 * pair.se_diff;
    let z = if pair.se_diff > 0.0 {
        over_by / pair.se_diff
    } else if over_by > 1e-12 {
        f64::INFINITY
    } else {
        f64::NEG_INFINITY
    };
    let p = upper_tail(z);
    verdict.p_value = Some(p);
    let past = over_by > 1e-12;
    verdict.status = match (past, p <= ALPHA) {
        (false, _) => Status::Pass,
        (true, true) => Status::Fail,
        (true, false) => Status::Inconclusive,
    };
    let mut notes = vec![if verdict.status == Status::Inconclusive {
        format!("past the allowance but within the Monte Carlo noise (±{noise:.4}, p = {p:.2})")
    } else {
        format!("noise ±{noise:.4}")
    }];
    let allowance = (limit - base).abs();
    if allowance > 0.0 && noise > allowance && trials > 0 {
        let needed = (trials as f64 * (noise / allowance).powi(2)).ceil();
        notes.push(format!(
            "cannot detect this allowance ({allowance:.4}) at {trials} trials; about {needed:.0} needed"
        ));
    }
    notes.push(note);
    verdict.note = notes
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    verdict
}

/// P(Z > z) for a standard normal Z.
fn upper_tail(z: f64) -> f64 {
    if z == f64::INFINITY {
        return 0.0;
    }
    if z == f64::NEG_INFINITY {
        return 1.0;
    }
    0.5 * statrs::function::erf::erfc(z / std::f64::consts::SQRT_2)
}

/// Where the baseline side of a regression comes from.
#[derive(Debug, Clone, Copy)]
pub enum Base<'a> {
    /// A stored baseline: the scenario's entry (if any), judged comparable only when it was
    /// recorded from the same inputs with this run's seed, trials and headroom version: it
    /// guards the numbers against changes of headroom itself.
    Stored {
        /// The entry of this scenario.
        entry: Option<&'a BaselineEntry>,
        /// This run's inputs hash (a different one makes the baseline stale).
        inputs_hash: &'a str,
        /// This run's seed.
        seed: u64,
        /// Whether the baseline was written by this headroom version.
        same_version: bool,
    },
    /// The base revision played in the same trial loop as this run.
    Paired {
        /// The base revision's run.
        base: &'a Aggregate,
        /// This run minus the base, trial by trial.
        diff: &'a Aggregate,
        /// Both sides' values trial by trial, and the events' discordant trials.
        trials: &'a PairedTrials,
    },
    /// The base revision has the same inputs: every figure is unchanged.
    Unchanged,
    /// Nothing to compare with, and why.
    Missing(&'a str),
}

impl Base<'_> {
    /// Why nothing can be compared for this scenario, if so: no entry, or a stale one.
    fn unusable(&self, agg: &Aggregate) -> Option<(Status, String)> {
        match *self {
            Base::Missing(why) => Some((Status::NoBaseline, why.to_string())),
            Base::Unchanged | Base::Paired { .. } => None,
            Base::Stored {
                entry,
                inputs_hash,
                seed,
                same_version,
            } => {
                let Some(e) = entry else {
                    return Some((
                        Status::NoBaseline,
                        "no baseline entry for this scenario: record one with --write-baseline"
                            .into(),
                    ));
                };
                if e.inputs_hash != inputs_hash {
                    return Some((
                        Status::Stale,
                        "the scenario, what it extends or its catalog changed since the baseline was recorded: judge the change with --against REF, or re-record the baseline on purpose with --write-baseline".into(),
                    ));
                }
                if e.seed != seed || e.trials != agg.trials() || !same_version {
                    return Some((
                        Status::Stale,
                        format!(
                            "the baseline was recorded with seed {}, {} trials{}; this run has seed {seed}, {} trials: re-record it with --write-baseline",
                            e.seed,
                            e.trials,
                            if same_version {
                                ""
                            } else {
                                " and another headroom version"
                            },
                            agg.trials()
                        ),
                    ));
                }
                None
            }
        }
    }

    /// The pair of one measure, with a note, or why there is none.
    fn pair(&self, m: &Measure, agg: &Aggregate) -> Result<(Pair, String), String> {
        let now = measure(agg, m);
        match *self {
            Base::Missing(why) => Err(why.to_string()),
            Base::Unchanged => Ok((
                Pair {
                    now,
                    base: now,
                    se_diff: 0.0,
                },
                "no model change: the inputs parse the same as at the base (comments and formatting aside)".into(),
            )),
            Base::Paired { base, diff, trials } => Ok(paired(m, agg, base, diff, trials)),
            Base::Stored { entry, .. } => {
                let base = entry
                    .and_then(|e| e.values.get(&m.key()).copied())
                    .ok_or_else(|| {
                        format!(
                            "the baseline lacks {}: re-record it with --write-baseline",
                            m.key()
                        )
                    })?;
                let se_diff = (now.se.powi(2) + base.se.powi(2)).sqrt();
                Ok((Pair { now, base, se_diff }, String::new()))
            }
        }
    }
}

/// A verdict that could not be judged: of one measure, or of several (`None`).
fn unjudged(
    scenario: &str,
    (check, of): (String, Option<&Measure>),
    now: Figure,
    status: Status,
    note: String,
) -> Verdict {
    Verdict {
        scenario: scenario.to_string(),
        kind: "regression",
        check,
        metric: of.map(Measure::subject),
        stat: of.map(Measure::stat_label),
        unit: of.map(Measure::unit),
        currency: None,
        month: now.month,
        value: now.value,
        se: now.se,
        baseline: None,
        limit: f64::NAN,
        over_by: f64::NAN,
        status,
        note,
        p_value: None,
        se_diff: None,
    }
}

/// The regression limits of `budget` that apply to `scenario`, judged on its run against
/// `base`. With no usable baseline entry they make one verdict, not one each.
pub fn check_regressions(
    budget: &Budget,
    scenario: &str,
    agg: &Aggregate,
    base: Base<'_>,
) -> Vec<Verdict> {
    let regressions: Vec<&Regression> = budget
        .regressions
        .iter()
        .filter(|r| applies(&r.scenarios, scenario))
        .collect();
    if regressions.is_empty() {
        return Vec::new();
    }
    if let Some((status, note)) = base.unusable(agg) {
        let check = format!(
            "{} regression check(s): {}",
            regressions.len(),
            regressions
                .iter()
                .map(|r| r.measure.key())
                .collect::<Vec<_>>()
                .join(", ")
        );
        let none = Figure {
            value: f64::NAN,
            se: f64::NAN,
            month: None,
        };
        return vec![unjudged(scenario, (check, None), none, status, note)];
    }
    regressions
        .into_iter()
        .map(|r| match base.pair(&r.measure, agg) {
            Ok((pair, note)) => judge(r, scenario, &pair, note, agg.trials()),
            Err(note) => unjudged(
                scenario,
                (r.describe(), Some(&r.measure)),
                measure(agg, &r.measure),
                Status::Stale,
                note,
            ),
        })
        .collect()
}

/// The pair of a regression measured on two sides of one trial loop (common random numbers),
/// with the standard error of the difference paired as [`paired`](self::paired) explains, and
/// a note of how. Where a quantile's or a moved month's values were not kept (too many trials),
/// the two sides' errors are combined as if independent, which overstates the noise, and the
/// note says so.
pub fn paired(
    m: &Measure,
    now: &Aggregate,
    base: &Aggregate,
    diff: &Aggregate,
    trials: &PairedTrials,
) -> (Pair, String) {
    let (a, b) = (measure(now, m), measure(base, m));
    let unpaired = (
        (a.se.powi(2) + b.se.powi(2)).sqrt(),
        format!(
            "unpaired noise: {} trials are too many to keep each one's values",
            now.trials()
        ),
    );
    let (se_diff, note) = match (m.quantity, a.month, b.month) {
        (Quantity::Event(e, _), _, _) => {
            let (only_base, only_now) = trials.discordant(e);
            (
                trials.event_diff_se(e),
                format!("paired: {only_now} trials saw it only now, {only_base} only before"),
            )
        }
        (Quantity::Metric(metric, Stat::Mean), Some(ma), Some(mb)) if ma == mb => (
            diff.cell(ma as usize, metric).mean_se(),
            "paired".to_string(),
        ),
        (Quantity::Metric(metric, Stat::Mean), Some(ma), Some(mb)) => trials
            .mean_diff_se(metric, ma, mb)
            .map_or(unpaired, |se| (se, "paired".to_string())),
        (Quantity::Metric(metric, Stat::Quantile(_)), Some(ma), Some(mb)) => trials
            .quantile_correlation(metric, (ma, a.value), (mb, b.value))
            .map_or(unpaired, |rho| {
                let var = a.se.powi(2) + b.se.powi(2) - 2.0 * rho * a.se * b.se;
                (var.max(0.0).sqrt(), format!("paired (ρ = {rho:.3})"))
            }),
        _ => unpaired,
    };
    (
        Pair {
            now: a,
            base: b,
            se_diff,
        },
        note,
    )
}

/// The metrics whose every trial `--against` keeps for `budget`'s regressions on `scenario`:
/// those judged by a quantile, or in a month that may differ between the sides.
pub fn kept_metrics(budget: &Budget, scenario: &str) -> Vec<Metric> {
    let mut out: Vec<Metric> = Vec::new();
    for r in budget
        .regressions
        .iter()
        .filter(|r| applies(&r.scenarios, scenario))
    {
        if let Quantity::Metric(metric, stat) = r.measure.quantity
            && (matches!(stat, Stat::Quantile(_)) || r.measure.month == Month::Worst)
            && !out.contains(&metric)
        {
            out.push(metric);
        }
    }
    out
}

/// Whether a model's scenario is covered by any check of the budget.
pub fn covered(budget: &Budget, model: &Model) -> bool {
    budget
        .checks
        .iter()
        .any(|c| applies(&c.scenarios, &model.name))
        || budget
            .regressions
            .iter()
            .any(|r| applies(&r.scenarios, &model.name))
}

/// The two sides of `--against` played in one trial loop: the base (variant 0), the change
/// (variant 1), and the per-trial differences of every metric.
#[derive(Debug, Clone)]
pub struct AgainstAcc {
    /// The base branch's run.
    pub base: Aggregate,
    /// This change's run.
    pub now: Aggregate,
    /// now − base, trial by trial, per metric and month.
    pub diff: Aggregate,
    /// Both sides trial by trial, where the checks need it.
    pub trials: PairedTrials,
    scratch: crate::model::trial::TrialRecord,
}

impl AgainstAcc {
    /// Empty, for months 0…horizon, keeping every trial's values of `kept`.
    pub fn new(horizon_months: u32, kept: Vec<Metric>) -> AgainstAcc {
        AgainstAcc {
            base: Aggregate::new(horizon_months),
            now: Aggregate::new(horizon_months),
            diff: Aggregate::new(horizon_months),
            trials: PairedTrials::new(horizon_months, kept),
            scratch: crate::model::trial::TrialRecord::new(horizon_months),
        }
    }
}

impl crate::engine::Accumulator for AgainstAcc {
    fn add(&mut self, records: &[crate::model::trial::TrialRecord]) {
        let (base, now) = (&records[0], &records[1]);
        self.base.add(base);
        self.now.add(now);
        for ((d, a), b) in self
            .scratch
            .values
            .iter_mut()
            .zip(&now.values)
            .zip(&base.values)
        {
            *d = a - b;
        }
        self.diff.add(&self.scratch);
        self.trials.add(base, now);
    }

    fn merge(self, other: Self) -> Self {
        AgainstAcc {
            base: self.base.merge(other.base),
            now: self.now.merge(other.now),
            diff: self.diff.merge(other.diff),
            trials: self.trials.merge(other.trials),
            scratch: self.scratch,
        }
    }

    fn trials(&self) -> u64 {
        self.now.trials()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::budget::Allowance;

    fn regression(increase: Option<(f64, f64)>, decrease: Option<(f64, f64)>) -> Regression {
        let allowance = |(amount, percent): (f64, f64)| Allowance {
            amount: (amount >= 0.0).then_some(amount),
            percent: (percent >= 0.0).then_some(percent),
        };
        Regression {
            scenarios: vec!["*".into()],
            measure: Measure {
                quantity: Quantity::Metric(Metric::CostCumulative, Stat::Mean),
                month: Month::Horizon,
            },
            increase: increase.map(allowance),
            decrease: decrease.map(allowance),
        }
    }

    fn pair(base: f64, now: f64, se_diff: f64) -> Pair {
        let f = |value| Figure {
            value,
            se: 1.0,
            month: Some(24),
        };
        Pair {
            now: f(now),
            base: f(base),
            se_diff,
        }
    }

    #[test]
    fn a_rise_fails_only_past_its_allowance_and_its_noise() {
        // 5% of 1000 = 50 allowed; noise 1.96 × 10 = 19.6.
        let r = regression(Some((-1.0, 5.0)), None);
        let v = judge(&r, "s", &pair(1000.0, 1040.0, 10.0), String::new(), 10_000);
        assert_eq!(
            (v.status, v.limit, v.over_by),
            (Status::Pass, 1050.0, -10.0)
        );
        // 30 past the allowance, beyond 1.96 × 10.
        let v = judge(&r, "s", &pair(1000.0, 1080.0, 10.0), String::new(), 10_000);
        assert_eq!((v.status, v.over_by), (Status::Fail, 30.0));
        // 10 past the allowance, within 1.96 × 10: more trials would tell.
        let v = judge(&r, "s", &pair(1000.0, 1060.0, 10.0), String::new(), 10_000);
        assert_eq!((v.status, v.over_by), (Status::Inconclusive, 10.0));
        // Past the allowance (60 > 50) but not past the noise (1.96 × 40 = 78.4), which is
        // larger than the allowance itself: (78.4 / 50)² × 10k trials would detect it.
        let v = judge(&r, "s", &pair(1000.0, 1060.0, 40.0), String::new(), 10_000);
        assert_eq!(v.status, Status::Inconclusive);
        assert!(
            v.note.contains(
                "cannot detect this allowance (50.0000) at 10000 trials; about 24587 needed"
            ),
            "{}",
            v.note
        );
        assert!(
            v.note
                .contains("within the Monte Carlo noise (±78.4000, p = 0.40)"),
            "{}",
            v.note
        );
    }

    #[test]
    fn holm_fails_only_what_stands_out_among_the_run() {
        let r = regression(Some((0.0, -1.0)), None);
        // Three checks past a zero allowance: z = 10, 2.5 and 2.2 (p 8e-24, 0.0062, 0.0139).
        let mut v: Vec<Verdict> = [1100.0, 1025.0, 1022.0]
            .iter()
            .map(|&now| judge(&r, "s", &pair(1000.0, now, 10.0), String::new(), 10_000))
            .collect();
        assert!(v.iter().all(|v| v.status == Status::Fail));
        holm(&mut v);
        // 8e-24 ≤ 0.025/3, 0.0062 ≤ 0.025/2, 0.0139 ≤ 0.025/1: all three stand. A fourth
        // check (pure noise) makes the thresholds 0.025/4, /3, /2: 0.0139 > 0.0125 no longer.
        assert_eq!(
            v.iter().map(|v| v.status).collect::<Vec<_>>(),
            [Status::Fail, Status::Fail, Status::Fail]
        );
        let mut v: Vec<Verdict> = [1100.0, 1025.0, 1022.0, 995.0]
            .iter()
            .map(|&now| judge(&r, "s", &pair(1000.0, now, 10.0), String::new(), 10_000))
            .collect();
        holm(&mut v);
        assert_eq!(
            v.iter().map(|v| v.status).collect::<Vec<_>>(),
            [
                Status::Fail,
                Status::Fail,
                Status::Inconclusive,
                Status::Pass
            ]
        );
        assert!(
            v[2].note
                .contains("Holm over the run's 4 regression checks"),
            "{}",
            v[2].note
        );
    }

    #[test]
    fn the_tighter_allowance_and_either_direction() {
        // 30 or 5% of 1000: 30 is tighter.
        let r = regression(Some((30.0, 5.0)), None);
        let v = judge(&r, "s", &pair(1000.0, 1040.0, 0.0), String::new(), 10_000);
        assert_eq!((v.status, v.limit), (Status::Fail, 1030.0));
        // Any fall is fine without a decrease allowance...
        let v = judge(&r, "s", &pair(1000.0, 500.0, 0.0), String::new(), 10_000);
        assert_eq!(v.status, Status::Pass);
        // ...and a fall past one fails, judged on the lower bound.
        let r = regression(Some((30.0, -1.0)), Some((-1.0, 1.0)));
        let v = judge(&r, "s", &pair(1000.0, 985.0, 1.0), String::new(), 10_000);
        assert_eq!((v.status, v.limit, v.over_by), (Status::Fail, 990.0, 5.0));
        assert_eq!(
            r.describe(),
            "cost_cumulative mean at the horizon rises by at most 30 and falls by at most 1%"
        );
    }

    #[test]
    fn stored_baselines_compare_only_like_with_like() {
        let agg = Aggregate::new(2);
        let entry = BaselineEntry {
            scenario: "s".into(),
            inputs_hash: "abc".into(),
            seed: 1,
            trials: 0,
            values: BTreeMap::new(),
        };
        let stored = |hash, seed, same_version| Base::Stored {
            entry: Some(&entry),
            inputs_hash: hash,
            seed,
            same_version,
        };
        assert_eq!(stored("abc", 1, true).unusable(&agg), None);
        for base in [
            stored("abd", 1, true),
            stored("abc", 2, true),
            stored("abc", 1, false),
        ] {
            assert_eq!(base.unusable(&agg).map(|u| u.0), Some(Status::Stale));
        }
        let none = Base::Stored {
            entry: None,
            inputs_hash: "abc",
            seed: 1,
            same_version: true,
        };
        assert_eq!(none.unusable(&agg).map(|u| u.0), Some(Status::NoBaseline));
        // A figure the entry lacks cannot be judged.
        let m = regression(Some((1.0, -1.0)), None).measure;
        assert!(stored("abc", 1, true).pair(&m, &agg).is_err());
    }
}
