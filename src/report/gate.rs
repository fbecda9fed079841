//! What `gate` prints: a table per scenario on a terminal, JSON for machines, and a Markdown
//! pull-request comment (a one-line summary, the failing checks, the rest folded).

use crate::gate::{Status, Verdict};
use crate::model::metrics::Unit;
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
    /// What each scenario was read from, on each side.
    pub inputs: Vec<ScenarioInputs>,
}

/// A pricing catalog as a side of the gate read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogInput {
    /// The file (inside the revision's tree for the base side).
    pub path: String,
    /// SHA-256 of its text.
    pub sha256: String,
}

/// The files a scenario's base side was read from, inside the base revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BaseInputs {
    /// The base commit.
    pub commit: String,
    /// The scenario file in the repository.
    pub file: String,
    /// SHA-256 of the parsed inputs.
    pub inputs_hash: String,
    /// Its pricing catalog.
    pub catalog: Option<CatalogInput>,
}

/// The files a scenario was read from: now, and at the base revision where there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScenarioInputs {
    /// Scenario name.
    pub scenario: String,
    /// The scenario file.
    pub file: String,
    /// SHA-256 of the parsed inputs (the file, what it extends, its catalog).
    pub inputs_hash: String,
    /// Its pricing catalog.
    pub catalog: Option<CatalogInput>,
    /// The base side, under `--against`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<BaseInputs>,
}

impl ScenarioInputs {
    /// One line: `coditect: scenarios/coditect.toml, catalog pricing/gcp.toml (sha256
    /// 1a2b3c4d5e6f); at base 0123abcd: …, prices changed`.
    pub fn line(&self) -> String {
        let catalog = |c: &Option<CatalogInput>| match c {
            Some(c) => format!(", catalog {} (sha256 {})", c.path, short(&c.sha256)),
            None => ", no catalog".into(),
        };
        let mut out = format!("{}: {}{}", self.scenario, self.file, catalog(&self.catalog));
        if let Some(b) = &self.base {
            let _ = write!(
                out,
                "; at base {}: {}{}",
                short(&b.commit),
                b.file,
                catalog(&b.catalog)
            );
            let sums = |c: &Option<CatalogInput>| c.as_ref().map(|c| c.sha256.clone());
            if sums(&b.catalog) != sums(&self.catalog) {
                out.push_str(", prices changed");
            }
        }
        out
    }
}

/// The first 12 hex digits of a hash or commit.
fn short(hex: &str) -> &str {
    &hex[..hex.len().min(12)]
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
            inputs: Vec::new(),
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

/// Digits grouped by thousands: 12,345.67.
fn grouped(x: f64) -> String {
    let text = format!("{:.2}", x.abs());
    let (whole, cents) = text.split_once('.').unwrap_or((&text, "00"));
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{}{out}.{cents}", if x < 0.0 { "-" } else { "" })
}

/// A figure of a verdict in its unit: `3,909.90 USD`, `2.80%`, `48.2 GiB`, `0.8512`.
fn amount(v: &Verdict, x: f64) -> String {
    if !x.is_finite() {
        return num(x);
    }
    match v.unit {
        Some(Unit::Money) => match &v.currency {
            Some(cur) => format!("{} {cur}", grouped(x)),
            None => grouped(x),
        },
        Some(Unit::Probability) => percent(x),
        Some(Unit::Gib) => format!("{} GiB", num(x)),
        Some(Unit::Ratio | Unit::Count) | None => num(x),
    }
}

/// A probability in %: two decimals, three under 0.1%.
fn percent(p: f64) -> String {
    let pct = 100.0 * p;
    if pct != 0.0 && pct.abs() < 0.1 {
        format!("{pct:.3}%")
    } else {
        format!("{pct:.2}%")
    }
}

/// A change of a figure, signed, in its unit; a probability's in percentage points.
fn change(v: &Verdict, x: f64) -> String {
    let sign = if x >= 0.0 { "+" } else { "" };
    match v.unit {
        Some(Unit::Probability) if x.is_finite() => {
            let pct = percent(x);
            format!("{sign}{} pp", pct.trim_end_matches('%'))
        }
        _ => format!("{sign}{}", amount(v, x)),
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
        format!("{} past the limit", magnitude(v, v.over_by))
    } else {
        format!("{} to spare", magnitude(v, -v.over_by))
    };
    match v.baseline {
        Some(base) => {
            let moved = v.value - base;
            let rel = if base != 0.0 {
                format!(" ({:+.1}%)", 100.0 * moved / base.abs())
            } else {
                String::new()
            };
            format!("{}{rel} from {}, {past}", change(v, moved), amount(v, base))
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

/// A distance between two figures in their unit: a probability's in percentage points.
fn magnitude(v: &Verdict, x: f64) -> String {
    change(v, x).trim_start_matches('+').to_string()
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
            amount(v, v.value),
            amount(v, v.limit),
            magnitude(v, v.se),
            detail(v)
        );
    }
    for n in &r.notes {
        let _ = writeln!(out, "note: {n}");
    }
    for i in &r.inputs {
        let _ = writeln!(out, "inputs: {}", i.line());
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
            amount(v, v.value),
            amount(v, v.limit),
            v.baseline.map_or("—".into(), |b| amount(v, b)),
            magnitude(v, v.se),
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
                format!(" at {}:", amount(v, v.value))
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
    if !r.inputs.is_empty() {
        let _ = writeln!(out, "\nInputs:\n");
    }
    for i in &r.inputs {
        let _ = writeln!(out, "- {}", escaped(&i.line()));
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
            metric: Some("cost_total"),
            stat: Some("p90".into()),
            unit: Some(Unit::Money),
            currency: Some("USD".into()),
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
    fn money_and_probabilities_are_written_in_their_units() {
        let mut money = verdict(0, Status::Fail);
        (money.value, money.baseline, money.limit) = (12_345.678, Some(12_000.0), 12_240.0);
        money.over_by = money.value - money.limit;
        let mut chance = verdict(1, Status::Fail);
        (chance.unit, chance.currency) = (Some(Unit::Probability), None);
        (chance.value, chance.baseline, chance.limit) = (0.05, Some(0.02), 0.03);
        (chance.over_by, chance.se) = (0.02, 0.0004);
        let r = GateReport::new(vec![money, chance], Vec::new(), "git main".into(), false);
        let md = markdown(&r);
        for want in [
            "at 12,345.68 USD: +345.68 USD (+2.9%) from 12,000.00 USD, 105.68 USD past the limit",
            "at 5.00%: +3.00 pp (+150.0%) from 2.00%, 2.00 pp past the limit",
            "| 5.00% | 3.00% | 2.00% | 0.040 pp |",
        ] {
            assert!(md.contains(want), "{want}\n{md}");
        }
        assert!(text(&r).contains("12,345.68 USD"));
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
