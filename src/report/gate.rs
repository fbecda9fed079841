//! What `gate` prints: a table per scenario on a terminal, JSON for machines, and a Markdown
//! pull-request comment (a one-line summary, the failing checks, the rest folded).

use crate::gate::{Status, Verdict};
use serde::Serialize;
use std::fmt::Write;

/// Everything `gate` decided.
#[derive(Debug, Clone, Serialize)]
pub struct GateReport {
    /// Whether every check passed.
    pub pass: bool,
    /// Checks run.
    pub checks: usize,
    /// Checks failed (stale baselines included).
    pub failed: usize,
    /// What the baseline was: a file, a git revision, or none.
    pub baseline: String,
    /// Every verdict, scenario by scenario.
    pub verdicts: Vec<Verdict>,
    /// Notes (checks with no scenario to apply to, regressions without a baseline).
    pub notes: Vec<String>,
    /// headroom's version.
    pub version: String,
}

impl GateReport {
    /// The report of these verdicts.
    pub fn new(verdicts: Vec<Verdict>, notes: Vec<String>, baseline: String) -> GateReport {
        let failed = verdicts.iter().filter(|v| v.fails()).count();
        GateReport {
            pass: failed == 0,
            checks: verdicts.len(),
            failed,
            baseline,
            verdicts,
            notes,
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

fn num(x: f64) -> String {
    if !x.is_finite() {
        "—".into()
    } else if x.abs() >= 100.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.4}")
    }
}

fn status(v: &Verdict) -> &'static str {
    match v.status {
        Status::Pass => "pass",
        Status::Fail => "FAIL",
        Status::Stale => "STALE",
        Status::NoBaseline => "no baseline",
    }
}

fn month(v: &Verdict) -> String {
    v.month.map_or("—".into(), |m| m.to_string())
}

/// The one-line summary.
pub fn summary(r: &GateReport) -> String {
    if r.pass {
        format!(
            "headroom gate: all {} checks pass (baseline: {})",
            r.checks, r.baseline
        )
    } else {
        format!(
            "headroom gate: {} of {} checks fail (baseline: {})",
            r.failed, r.checks, r.baseline
        )
    }
}

/// How a verdict came out, in words: for a failed limit "17.90 over (7.2%)", for a regression
/// "+77.47 (+2.0%) from 3909.90, 38.37 past the allowance", for anything not judged its note.
fn outcome(v: &Verdict) -> String {
    if !v.over_by.is_finite() {
        return v.note.clone();
    }
    let past = if v.over_by > 0.0 {
        format!("{} past the limit", num(v.over_by))
    } else {
        format!("{} to spare", num(-v.over_by))
    };
    match v.baseline {
        Some(base) => {
            let change = v.value - base;
            let rel = if base != 0.0 {
                format!(" ({:+.1}%)", 100.0 * change / base.abs())
            } else {
                String::new()
            };
            format!("{}{rel} from {}, {past}", signed(change), num(base))
        }
        None => {
            let rel = if v.limit != 0.0 {
                format!(
                    " ({:.1}% of the limit)",
                    100.0 * v.over_by.abs() / v.limit.abs()
                )
            } else {
                String::new()
            };
            format!("{past}{rel}")
        }
    }
}

fn signed(x: f64) -> String {
    if x >= 0.0 {
        format!("+{}", num(x))
    } else {
        num(x)
    }
}

/// What the last column says: the outcome and the note (noise, where the baseline came from).
fn detail(v: &Verdict) -> String {
    match (v.over_by.is_finite(), v.note.is_empty()) {
        (true, true) => outcome(v),
        (true, false) => format!("{}; {}", outcome(v), v.note),
        (false, _) => v.note.clone(),
    }
}

/// The terminal table.
pub fn text(r: &GateReport) -> String {
    let mut out = format!("{}\n", summary(r));
    let mut scenario = "";
    for v in &r.verdicts {
        if v.scenario != scenario {
            scenario = &v.scenario;
            let _ = writeln!(
                out,
                "\n{scenario}\n  {:<6} {:<58} {:>5} {:>14} {:>14} {:>12}  note",
                "", "check", "month", "value", "limit", "± s.e."
            );
        }
        let _ = writeln!(
            out,
            "  {:<6} {:<58} {:>5} {:>14} {:>14} {:>12}  {}",
            status(v),
            v.check,
            month(v),
            num(v.value),
            num(v.limit),
            num(v.se),
            detail(v)
        );
    }
    for n in &r.notes {
        let _ = writeln!(out, "note: {n}");
    }
    out
}

fn table(out: &mut String, verdicts: &[&Verdict]) {
    let _ = writeln!(
        out,
        "| | scenario | check | month | value | limit | baseline | ± s.e. | note |\n|---|---|---|---:|---:|---:|---:|---:|---|"
    );
    for v in verdicts {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            if v.fails() { "❌" } else { "✅" },
            v.scenario,
            v.check,
            month(v),
            num(v.value),
            num(v.limit),
            v.baseline.map_or("—".into(), num),
            num(v.se),
            detail(v).replace('|', "/")
        );
    }
}

/// The pull-request comment.
pub fn markdown(r: &GateReport) -> String {
    let mut out = format!(
        "{} **{}**\n\n",
        if r.pass { "✅" } else { "❌" },
        summary(r)
    );
    let failing: Vec<&Verdict> = r.verdicts.iter().filter(|v| v.fails()).collect();
    if !failing.is_empty() {
        let _ = writeln!(out, "### Failing checks\n");
        for v in &failing {
            let value = if v.value.is_finite() {
                format!(" at {}:", num(v.value))
            } else {
                ":".into()
            };
            let _ = writeln!(
                out,
                "- **{}**: {}{} — {}{value} {}{}",
                v.scenario,
                v.check,
                v.month.map_or(String::new(), |m| format!(", month {m}")),
                status(v),
                outcome(v),
                if v.over_by.is_finite() && !v.note.is_empty() {
                    format!(" ({})", v.note)
                } else {
                    String::new()
                }
            );
        }
        out.push('\n');
        table(&mut out, &failing);
        out.push('\n');
    }
    let _ = writeln!(out, "<details><summary>All {} checks</summary>\n", r.checks);
    let all: Vec<&Verdict> = r.verdicts.iter().collect();
    table(&mut out, &all);
    if !r.notes.is_empty() {
        out.push('\n');
    }
    for n in &r.notes {
        let _ = writeln!(out, "- {n}");
    }
    let _ = writeln!(
        out,
        "\n</details>\n\n<sub>headroom {}: each scenario with its own seed and trials; a regression counts only past its limit and 1.96 standard errors of the difference.</sub>",
        r.version
    );
    out
}
