//! What `gate` prints: a table per scenario on a terminal, JSON for machines, and a Markdown
//! pull-request comment (a one-line summary, the failing checks, the rest folded).

use crate::gate::{Status, Verdict};
use serde::Serialize;
use std::fmt::Write;

/// Version of the JSON report's shape: fields are added within a version, never renamed.
pub const FORMAT_VERSION: u32 = 2;

/// The hidden first line of the Markdown comment, by which a pipeline finds and updates its
/// own comment rather than another bot's.
pub const MARKER: &str = "<!-- headroom-gate -->";

/// The longest Markdown comment written, in characters: GitHub refuses bodies over 65,536.
pub const MARKDOWN_LIMIT: usize = 60_000;

/// Everything `gate` decided.
#[derive(Debug, Clone, Serialize)]
pub struct GateReport {
    /// [`FORMAT_VERSION`].
    pub format_version: u32,
    /// Whether every check passed.
    pub pass: bool,
    /// Checks run.
    pub checks: usize,
    /// Checks failed (stale baselines included).
    pub failed: usize,
    /// Checks that could not tell (past their allowance within the noise).
    pub inconclusive: usize,
    /// Whether inconclusive checks pass the gate (`--allow-inconclusive`).
    pub allow_inconclusive: bool,
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
    pub fn new(
        verdicts: Vec<Verdict>,
        notes: Vec<String>,
        baseline: String,
        allow_inconclusive: bool,
    ) -> GateReport {
        let failed = verdicts.iter().filter(|v| v.fails()).count();
        let inconclusive = verdicts.iter().filter(|v| v.inconclusive()).count();
        GateReport {
            format_version: FORMAT_VERSION,
            pass: failed == 0 && (allow_inconclusive || inconclusive == 0),
            checks: verdicts.len(),
            failed,
            inconclusive,
            allow_inconclusive,
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
        Status::Inconclusive => "UNSURE",
    }
}

/// The mark of a verdict in Markdown.
fn mark(v: &Verdict) -> &'static str {
    if v.fails() {
        "❌"
    } else if v.inconclusive() {
        "⚠️"
    } else {
        "✅"
    }
}

fn month(v: &Verdict) -> String {
    v.month.map_or("—".into(), |m| m.to_string())
}

/// The one-line summary.
pub fn summary(r: &GateReport) -> String {
    let unsure = match (r.inconclusive, r.allow_inconclusive) {
        (0, _) => String::new(),
        (n, true) => format!(", {n} inconclusive (allowed)"),
        (n, false) => format!(", {n} inconclusive (past the allowance within the noise)"),
    };
    if r.failed == 0 && r.inconclusive == 0 {
        format!(
            "headroom gate: all {} checks pass (baseline: {})",
            r.checks, r.baseline
        )
    } else {
        format!(
            "headroom gate: {} of {} checks fail{unsure} (baseline: {})",
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
            mark(v),
            escaped(&v.scenario),
            escaped(&v.check),
            month(v),
            num(v.value),
            num(v.limit),
            v.baseline.map_or("—".into(), num),
            num(v.se),
            escaped(&detail(v))
        );
    }
}

/// The Markdown of an error (exit 2): what to post instead of an empty comment.
pub fn markdown_error(message: &str) -> String {
    format!(
        "{MARKER}\n❌ **headroom gate: error (exit 2), nothing was judged**\n\n```text\n{}\n```\n",
        message.replace("```", "` ` `")
    )
}

/// The JSON of an error (exit 2).
pub fn json_error(message: &str) -> String {
    serde_json::json!({
        "format_version": FORMAT_VERSION,
        "pass": false,
        "error": message,
    })
    .to_string()
}

/// Text for a Markdown table cell or list item: `|` would end the cell, and `<`, `>`, `*`,
/// `` ` ``, `[`, `]` would be markup, in a name someone else chose (GitHub does not read an
/// underscore inside a word as emphasis, so `cost_total` stays as written).
fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' | '*' | '`' | '[' | ']' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The pull-request comment: the marker line, the summary, the failing and inconclusive
/// checks, every check folded; cut with a note where it would pass [`MARKDOWN_LIMIT`].
pub fn markdown(r: &GateReport) -> String {
    let full = markdown_whole(r);
    let length = full.chars().count();
    if length <= MARKDOWN_LIMIT {
        return full;
    }
    let note = format!(
        "\n\n… cut at {MARKDOWN_LIMIT} characters of {length}: `headroom gate … --format json` gives every verdict.\n"
    );
    let mut cut: String = full
        .chars()
        .take(MARKDOWN_LIMIT - note.chars().count() - 16)
        .collect();
    // Close a fold left open, so that the note shows.
    if cut.contains("<details>") && !cut.contains("</details>") {
        cut.push_str("\n\n</details>");
    }
    cut.push_str(&note);
    cut
}

fn markdown_whole(r: &GateReport) -> String {
    let mut out = format!(
        "{MARKER}\n{} **{}**\n\n",
        if !r.pass {
            "❌"
        } else if r.inconclusive > 0 {
            "⚠️"
        } else {
            "✅"
        },
        summary(r)
    );
    let failing: Vec<&Verdict> = r
        .verdicts
        .iter()
        .filter(|v| v.fails() || v.inconclusive())
        .collect();
    if !failing.is_empty() {
        let _ = writeln!(out, "### Failing and inconclusive checks\n");
        for v in &failing {
            let value = if v.value.is_finite() {
                format!(" at {}:", num(v.value))
            } else {
                ":".into()
            };
            let _ = writeln!(
                out,
                "- **{}**: {}{} — {}{value} {}{}",
                escaped(&v.scenario),
                escaped(&v.check),
                v.month.map_or(String::new(), |m| format!(", month {m}")),
                status(v),
                outcome(v),
                if v.over_by.is_finite() && !v.note.is_empty() {
                    format!(" ({})", escaped(&v.note))
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
        let _ = writeln!(out, "- {}", escaped(n));
    }
    let _ = writeln!(
        out,
        "\n</details>\n\n<sub>headroom {}: each scenario with its own seed and trials; a regression fails only past its allowance by 1.96 standard errors of the difference (paired where both sides ran together), judged with the run's other checks (Holm); past it within the noise it is inconclusive.</sub>",
        r.version
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(i: usize, status: Status) -> Verdict {
        Verdict {
            scenario: format!("team|{i}"),
            kind: "regression",
            check: "cost_total P90 in the worst month rises by at most 2%".into(),
            month: Some(24),
            value: 1000.0 + i as f64,
            se: 1.0,
            baseline: Some(1000.0),
            limit: 1020.0,
            over_by: i as f64 - 20.0,
            status,
            note: "x".repeat(200),
            p_value: Some(0.5),
            se_diff: Some(1.0),
        }
    }

    #[test]
    fn a_long_comment_is_cut_under_githubs_limit_with_its_fold_closed() {
        let verdicts = (0..2000).map(|i| verdict(i, Status::Fail)).collect();
        let r = GateReport::new(verdicts, Vec::new(), "git main".into(), false);
        let md = markdown(&r);
        assert!(
            md.chars().count() <= MARKDOWN_LIMIT,
            "{}",
            md.chars().count()
        );
        assert!(md.starts_with(MARKER));
        assert!(md.contains("… cut at 60000 characters of"));
        // A table cell never breaks on a name with a bar.
        assert!(md.contains("team\\|7"));
    }

    #[test]
    fn inconclusive_checks_fail_the_run_unless_allowed() {
        let verdicts = vec![verdict(25, Status::Inconclusive), verdict(1, Status::Pass)];
        let strict = GateReport::new(verdicts.clone(), Vec::new(), "git main".into(), false);
        assert!(!strict.pass && strict.failed == 0 && strict.inconclusive == 1);
        assert!(markdown(&strict).contains("⚠️ | team\\|25"));
        let allowed = GateReport::new(verdicts, Vec::new(), "git main".into(), true);
        assert!(allowed.pass);
        assert!(summary(&allowed).contains("1 inconclusive (allowed)"));
    }

    #[test]
    fn an_error_is_a_comment_and_a_json_object() {
        let md = markdown_error("--against x: no such commit");
        assert!(md.starts_with(MARKER) && md.contains("no such commit"));
        let json: serde_json::Value = serde_json::from_str(&json_error("bad")).unwrap();
        assert_eq!(
            (json["pass"].as_bool(), json["error"].as_str()),
            (Some(false), Some("bad"))
        );
        assert_eq!(json["format_version"], FORMAT_VERSION);
    }
}
