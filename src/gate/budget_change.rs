//! What a change did to the budget itself. A pull request that raises a limit or widens an
//! allowance in the same commit as the change it lets through passes its own gate: the
//! budget at the base revision is the one the change has to meet, and every loosening of it
//! is said (and fails unless the gate is told it is on purpose).
//!
//! A check is matched by its figure and its scenarios. Loosened: a limit removed, or its max
//! raised or min lowered (or dropped); a regression removed, or a direction's allowance
//! dropped, or its amount or percentage raised or dropped (the tighter of the two applies, so
//! dropping one loosens). Tightening and new checks are not reported.

use crate::scenario::budget::{Allowance, Budget, Limit};

/// One way the budget was loosened, in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Loosening {
    /// The check, as the base revision had it.
    pub check: String,
    /// What changed.
    pub what: String,
}

/// Every loosening from `base` to `head`.
pub fn loosenings(base: &Budget, head: &Budget) -> Vec<Loosening> {
    let mut out = Vec::new();
    for b in &base.checks {
        let check = describe_limit(b);
        let Some(h) = head
            .checks
            .iter()
            .find(|h| h.measure == b.measure && h.scenarios == b.scenarios)
        else {
            out.push(Loosening {
                check,
                what: "removed".into(),
            });
            continue;
        };
        if let Some(what) = looser_bound(b.max, h.max, true) {
            out.push(Loosening {
                check: check.clone(),
                what: format!("max {what}"),
            });
        }
        if let Some(what) = looser_bound(b.min, h.min, false) {
            out.push(Loosening {
                check,
                what: format!("min {what}"),
            });
        }
    }
    for b in &base.regressions {
        let check = b.describe();
        let Some(h) = head
            .regressions
            .iter()
            .find(|h| h.measure == b.measure && h.scenarios == b.scenarios)
        else {
            out.push(Loosening {
                check,
                what: "removed".into(),
            });
            continue;
        };
        for (way, before, after) in [
            ("rise", b.increase, h.increase),
            ("fall", b.decrease, h.decrease),
        ] {
            if let Some(what) = looser_allowance(before, after) {
                out.push(Loosening {
                    check: check.clone(),
                    what: format!("the allowed {way} {what}"),
                });
            }
        }
    }
    out
}

fn describe_limit(l: &Limit) -> String {
    let mut bounds = Vec::new();
    if let Some(max) = l.max {
        bounds.push(format!("≤ {max}"));
    }
    if let Some(min) = l.min {
        bounds.push(format!("≥ {min}"));
    }
    format!(
        "{} {} ({})",
        l.measure.describe(),
        bounds.join(" and "),
        l.scenarios.join(", ")
    )
}

/// How an upper (`upper`) or lower bound loosened, if it did.
fn looser_bound(before: Option<f64>, after: Option<f64>, upper: bool) -> Option<String> {
    match (before, after) {
        (Some(b), None) => Some(format!("{b} dropped")),
        (Some(b), Some(a)) if (upper && a > b) || (!upper && a < b) => Some(format!("{b} → {a}")),
        _ => None,
    }
}

/// How one direction's allowance loosened, if it did.
fn looser_allowance(before: Option<Allowance>, after: Option<Allowance>) -> Option<String> {
    let b = before?;
    let Some(a) = after else {
        return Some(format!(
            "(at most {}) dropped: any move passes",
            b.describe()
        ));
    };
    let part = |before: Option<f64>, after: Option<f64>, unit: &str| match (before, after) {
        (Some(x), None) => Some(format!("{x}{unit} dropped")),
        (Some(x), Some(y)) if y > x => Some(format!("{x}{unit} → {y}{unit}")),
        _ => None,
    };
    let changes: Vec<String> = [
        part(b.amount, a.amount, ""),
        part(b.percent, a.percent, "%"),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!changes.is_empty()).then(|| changes.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(text: &str) -> Budget {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("budget.toml");
        std::fs::write(&path, text).expect("written");
        crate::scenario::budget::load_budget(&path).expect("a budget")
    }

    #[test]
    fn raised_limits_widened_and_dropped_allowances_are_loosenings() {
        let base = budget(
            "[[check]]\nmetric = \"ceph_full\"\nmax = 0.03\n\n[[regression]]\nmetric = \"cost_cumulative\"\nmax_increase_percent = 1.0\nmax_increase = 100.0\n\n[[regression]]\nmetric = \"used_gib\"\nmax_increase = 5.0\n",
        );
        let head = budget(
            "[[check]]\nmetric = \"ceph_full\"\nmax = 0.8\n\n[[regression]]\nmetric = \"cost_cumulative\"\nmax_increase_percent = 1.0\n",
        );
        let found: Vec<String> = loosenings(&base, &head)
            .iter()
            .map(|l| format!("{}: {}", l.check, l.what))
            .collect();
        assert_eq!(
            found,
            [
                "P(ceph_full) ≤ 0.03 (*): max 0.03 → 0.8",
                "cost_cumulative mean at the horizon rises by at most 100 and 1%: the allowed rise 100 dropped",
                "used_gib mean at the horizon rises by at most 5: removed",
            ]
        );
        // Tightening, or adding a check, is no loosening.
        assert_eq!(loosenings(&head, &base), []);
    }
}
