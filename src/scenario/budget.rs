//! `budget.toml`, the checks `gate` runs: limits on any metric or event of a run, and how far a
//! change may move them against a baseline. Read and validated like a scenario: unknown keys are
//! errors, and every problem names the file, the key and the line.
//!
//! ```toml
//! [[check]]
//! scenarios = ["coditect-*"]   # names or globs (* and ?); default: every scenario
//! metric = "cost_total"         # a metric of timeseries.csv, or an event of summary.json
//! stat = "p90"                  # mean p5 p50 p90 p95 p99; for an event: p, upper95
//! month = "worst"               # "horizon" (default), "worst" (highest of months 1…horizon), or a month
//! max = 250.0                   # and/or min
//!
//! [[regression]]
//! scenarios = ["*"]
//! metric = "cost_cumulative"
//! stat = "mean"
//! month = "horizon"             # "horizon" or "worst"
//! max_increase = 100.0          # in the metric's unit, and/or
//! max_increase_percent = 5.0
//!
//! [[regression]]
//! metric = "ceph_max_avail_gib"  # a figure where less is worse
//! max_decrease_percent = 2.0     # and/or max_decrease
//! ```

use super::{ScenarioError, Sources, deserialize, parse_table, read};
use crate::model::metrics::{Event, Metric};
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
struct BudgetSpec {
    #[serde(default)]
    check: Vec<CheckSpec>,
    #[serde(default)]
    regression: Vec<RegressionSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckSpec {
    scenarios: Option<Vec<String>>,
    metric: String,
    stat: Option<String>,
    month: Option<MonthSpec>,
    max: Option<f64>,
    min: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegressionSpec {
    scenarios: Option<Vec<String>>,
    metric: String,
    stat: Option<String>,
    month: Option<MonthSpec>,
    max_increase: Option<f64>,
    max_increase_percent: Option<f64>,
    max_decrease: Option<f64>,
    max_decrease_percent: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum MonthSpec {
    Number(u32),
    Word(String),
}

/// What is measured: a metric's statistic, or an event's chance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Quantity {
    /// A statistic of a metric over the trials.
    Metric(Metric, Stat),
    /// The chance of an event within the horizon: its estimate, or its Wilson upper bound.
    Event(Event, bool),
}

/// A statistic of a metric over the trials.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stat {
    /// The mean.
    Mean,
    /// A quantile (0.05 … 0.99).
    Quantile(f64),
}

impl Stat {
    /// `mean`, `p90`: as a budget file writes it.
    pub fn label(&self) -> String {
        match self {
            Stat::Mean => "mean".to_string(),
            Stat::Quantile(q) => format!("p{}", (q * 100.0).round() as u32),
        }
    }
}

/// Which month a figure is read at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Month {
    /// The horizon month.
    Horizon,
    /// The highest over months 1…horizon.
    Worst,
    /// A given month.
    At(u32),
}

/// A figure of a scenario's run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measure {
    /// What.
    pub quantity: Quantity,
    /// When.
    pub month: Month,
}

impl Measure {
    /// `cost_total.p90.worst`, `ceph_full.upper95`: the key of a baseline value.
    pub fn key(&self) -> String {
        let (subject, stat) = (self.subject(), self.stat_label());
        match self.quantity {
            Quantity::Event(..) => format!("{subject}.{stat}"),
            Quantity::Metric(..) => {
                let month = match self.month {
                    Month::Horizon => "horizon".to_string(),
                    Month::Worst => "worst".to_string(),
                    Month::At(m) => format!("month{m}"),
                };
                format!("{subject}.{stat}.{month}")
            }
        }
    }

    /// The metric's or event's name: `cost_total`, `ceph_full`.
    pub fn subject(&self) -> &'static str {
        match self.quantity {
            Quantity::Event(e, _) => e.name(),
            Quantity::Metric(m, _) => m.name(),
        }
    }

    /// The statistic: `mean`, `p90`; for an event its chance `p` or upper bound `upper95`.
    pub fn stat_label(&self) -> String {
        match self.quantity {
            Quantity::Event(_, upper) => (if upper { "upper95" } else { "p" }).into(),
            Quantity::Metric(_, stat) => stat.label(),
        }
    }

    /// What the figure is counted in (an event's chance is a probability).
    pub fn unit(&self) -> crate::model::metrics::Unit {
        match self.quantity {
            Quantity::Event(..) => crate::model::metrics::Unit::Probability,
            Quantity::Metric(m, _) => m.unit(),
        }
    }

    /// "cost_total P90 in the worst month", "P(ceph_full) upper 95% bound".
    pub fn describe(&self) -> String {
        match self.quantity {
            Quantity::Event(e, upper) => format!(
                "P({}){}",
                e.name(),
                if upper { " upper 95% bound" } else { "" }
            ),
            Quantity::Metric(m, stat) => {
                let stat = match stat {
                    Stat::Mean => stat.label(),
                    Stat::Quantile(_) => stat.label().to_uppercase(),
                };
                let when = match self.month {
                    Month::Horizon => "at the horizon".to_string(),
                    Month::Worst => "in the worst month".to_string(),
                    Month::At(m) => format!("in month {m}"),
                };
                format!("{} {stat} {when}", m.name())
            }
        }
    }
}

/// A limit on a figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    /// Scenario names or globs it applies to.
    pub scenarios: Vec<String>,
    /// The figure.
    pub measure: Measure,
    /// Highest allowed value.
    pub max: Option<f64>,
    /// Lowest allowed value.
    pub min: Option<f64>,
}

/// How far a figure may move one way against a baseline: an amount in the figure's unit
/// and/or a percentage of the baseline (both given: the tighter).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Allowance {
    /// In the figure's unit.
    pub amount: Option<f64>,
    /// Percent of the baseline's value.
    pub percent: Option<f64>,
}

impl Allowance {
    fn new(amount: Option<f64>, percent: Option<f64>) -> Option<Allowance> {
        (amount.is_some() || percent.is_some()).then_some(Allowance { amount, percent })
    }

    /// The allowed move from `base`.
    pub fn of(&self, base: f64) -> f64 {
        [self.amount, self.percent.map(|p| p / 100.0 * base.abs())]
            .into_iter()
            .flatten()
            .fold(f64::INFINITY, f64::min)
    }

    /// "100", "5%", "100 and 5%".
    pub fn describe(&self) -> String {
        match (self.amount, self.percent) {
            (Some(a), Some(p)) => format!("{a} and {p}%"),
            (Some(a), None) => format!("{a}"),
            (None, Some(p)) => format!("{p}%"),
            (None, None) => "0".into(),
        }
    }
}

/// How far a figure may move against a baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Regression {
    /// Scenario names or globs it applies to.
    pub scenarios: Vec<String>,
    /// The figure.
    pub measure: Measure,
    /// How far it may rise (`None`: any rise is fine).
    pub increase: Option<Allowance>,
    /// How far it may fall (`None`: any fall is fine).
    pub decrease: Option<Allowance>,
}

impl Regression {
    /// "cost_total P90 at the horizon rises by at most 5%".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(a) = self.increase {
            parts.push(format!("rises by at most {}", a.describe()));
        }
        if let Some(a) = self.decrease {
            parts.push(format!("falls by at most {}", a.describe()));
        }
        format!("{} {}", self.measure.describe(), parts.join(" and "))
    }
}

/// A validated budget file.
#[derive(Debug, Clone, PartialEq)]
pub struct Budget {
    /// Limits.
    pub checks: Vec<Limit>,
    /// Regression limits.
    pub regressions: Vec<Regression>,
}

/// Whether `name` matches a glob of `*` (any run) and `?` (one character).
pub fn glob_match(pattern: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&p[1..], n) || (!n.is_empty() && go(p, &n[1..])),
            (Some('?'), Some(_)) => go(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &n[1..]),
            _ => false,
        }
    }
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    go(&p, &n)
}

struct Checker<'s> {
    sources: &'s Sources,
    problems: Vec<super::Problem>,
}

impl Checker<'_> {
    fn err(&mut self, key: &str, message: impl Into<String>) {
        self.problems.push(self.sources.problem(key, message));
    }

    fn measure(
        &mut self,
        key: &str,
        metric: &str,
        stat: Option<&str>,
        month: Option<&MonthSpec>,
        regression: bool,
    ) -> Option<Measure> {
        let month = match month {
            None => Month::Horizon,
            Some(MonthSpec::Word(w)) if w == "horizon" => Month::Horizon,
            Some(MonthSpec::Word(w)) if w == "worst" => Month::Worst,
            Some(MonthSpec::Number(m)) if !regression => Month::At(*m),
            Some(other) => {
                let what = match other {
                    MonthSpec::Number(n) => n.to_string(),
                    MonthSpec::Word(w) => format!("{w:?}"),
                };
                let allowed = if regression {
                    "\"horizon\" or \"worst\" (a baseline keeps those two)"
                } else {
                    "\"horizon\", \"worst\" or a month number"
                };
                self.err(&format!("{key}.month"), format!("{what} is not {allowed}"));
                return None;
            }
        };
        if let Some(e) = Event::from_name(metric) {
            let upper = match stat.unwrap_or("p") {
                "p" => false,
                "upper95" => true,
                other => {
                    self.err(
                        &format!("{key}.stat"),
                        format!("{other:?} is not a statistic of an event (expected \"p\" or \"upper95\")"),
                    );
                    return None;
                }
            };
            return Some(Measure {
                quantity: Quantity::Event(e, upper),
                month: Month::Horizon,
            });
        }
        let Some(m) = Metric::from_name(metric) else {
            self.err(
                &format!("{key}.metric"),
                format!(
                    "{metric:?} is neither a metric ({}) nor an event ({})",
                    Metric::ALL.map(|m| m.name()).join(", "),
                    Event::ALL.map(|e| e.name()).join(", ")
                ),
            );
            return None;
        };
        let stat = match stat.unwrap_or("mean") {
            "mean" => Stat::Mean,
            "p5" => Stat::Quantile(0.05),
            "p50" => Stat::Quantile(0.5),
            "p90" => Stat::Quantile(0.9),
            "p95" => Stat::Quantile(0.95),
            "p99" => Stat::Quantile(0.99),
            other => {
                self.err(
                    &format!("{key}.stat"),
                    format!("{other:?} is not one of mean, p5, p50, p90, p95, p99"),
                );
                return None;
            }
        };
        Some(Measure {
            quantity: Quantity::Metric(m, stat),
            month,
        })
    }
}

/// Loads and validates a budget file.
pub fn load_budget(path: &Path) -> Result<Budget, ScenarioError> {
    let text = read(path)?;
    let table = parse_table(path, &text)?;
    let sources = Sources {
        files: vec![(path.to_path_buf(), text)],
        merged: table.clone(),
        workdir: None,
    };
    let spec: BudgetSpec = deserialize(table, &sources)?;
    let mut ck = Checker {
        sources: &sources,
        problems: Vec::new(),
    };
    let mut checks = Vec::new();
    for (i, c) in spec.check.iter().enumerate() {
        let key = format!("check[{i}]");
        if c.max.is_none() && c.min.is_none() {
            ck.err(&key, "needs max and/or min");
        }
        for (field, v) in [("max", c.max), ("min", c.min)] {
            if v.is_some_and(|v| !v.is_finite()) {
                ck.err(&format!("{key}.{field}"), "must be a finite number");
            }
        }
        if let Some(measure) =
            ck.measure(&key, &c.metric, c.stat.as_deref(), c.month.as_ref(), false)
        {
            checks.push(Limit {
                scenarios: c.scenarios.clone().unwrap_or_else(|| vec!["*".into()]),
                measure,
                max: c.max,
                min: c.min,
            });
        }
    }
    let mut regressions = Vec::new();
    for (i, r) in spec.regression.iter().enumerate() {
        let key = format!("regression[{i}]");
        let increase = Allowance::new(r.max_increase, r.max_increase_percent);
        let decrease = Allowance::new(r.max_decrease, r.max_decrease_percent);
        if increase.is_none() && decrease.is_none() {
            ck.err(
                &key,
                "needs max_increase, max_increase_percent, max_decrease or max_decrease_percent",
            );
        }
        for (field, v) in [
            ("max_increase", r.max_increase),
            ("max_increase_percent", r.max_increase_percent),
            ("max_decrease", r.max_decrease),
            ("max_decrease_percent", r.max_decrease_percent),
        ] {
            if v.is_some_and(|v| !v.is_finite() || v < 0.0) {
                ck.err(&format!("{key}.{field}"), "must be a finite number ≥ 0");
            }
        }
        if let Some(measure) =
            ck.measure(&key, &r.metric, r.stat.as_deref(), r.month.as_ref(), true)
        {
            regressions.push(Regression {
                scenarios: r.scenarios.clone().unwrap_or_else(|| vec!["*".into()]),
                measure,
                increase,
                decrease,
            });
        }
    }
    if checks.is_empty() && regressions.is_empty() && ck.problems.is_empty() {
        ck.err(
            "",
            "has no [[check]] and no [[regression]]: nothing to gate on",
        );
    }
    if ck.problems.is_empty() {
        Ok(Budget {
            checks,
            regressions,
        })
    } else {
        Err(ScenarioError {
            problems: ck.problems,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("*", "contabo-ceph"));
        assert!(glob_match("coditect-*", "coditect-hybrid"));
        assert!(!glob_match("coditect-*", "contabo-ceph"));
        assert!(glob_match("adr029-?????", "adr029-start"));
        assert!(glob_match("contabo-ceph", "contabo-ceph"));
    }
}
