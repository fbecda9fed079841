//! `report.md`: the one page for leadership. The question, the answer in two sentences with
//! P50/P90 and their uncertainty, the key table, the charts, the warnings, the assumptions.

use super::summary::{Stats, Summary, calendar, percent_with_se};
use crate::model::{Expansion, Model, Per};
use std::fmt::Write;

/// `1234.5` → `1,234.50`: money with thousands separators.
pub fn money(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".into();
    }
    let s = format!("{:.2}", x.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{}{grouped}.{frac}", if x < 0.0 { "−" } else { "" })
}

/// GiB with one decimal.
pub fn gib(x: f64) -> String {
    format!("{x:.1} GiB")
}

/// A fraction as a percentage with one decimal.
pub fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// "month 7 (2026-07)" or "month 7".
pub fn when(start: Option<(i32, u32)>, month: u32) -> String {
    match start {
        Some(s) => format!("month {month} ({})", calendar(s, month)),
        None => format!("month {month}"),
    }
}

fn stat<'a>(s: &'a Summary, table: &str, metric: &str) -> Option<&'a Stats> {
    match table {
        "initial" => s.initial.get(metric),
        _ => s.final_.get(metric),
    }
}

/// A `## Charts` section embedding the PNG files written beside the report (none: nothing).
pub fn charts_section(out: &mut String, charts: &[String]) {
    if charts.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Charts\n");
    for c in charts {
        let _ = writeln!(
            out,
            "![{}]({c})\n",
            c.trim_end_matches(".png").replace('_', " ")
        );
    }
}

/// The report of one run; `charts` are the PNG file names written beside it.
pub fn run_report(model: &Model, s: &Summary, charts: &[String]) -> String {
    let mut out = String::new();
    let h = s.horizon_months;
    let cur = &s.currency;
    let at = when(model.start, h);
    let _ = writeln!(out, "# {}\n", s.scenario);
    if !s.description.is_empty() {
        let _ = writeln!(out, "{}\n", s.description);
    }
    let _ = writeln!(
        out,
        "**The question.** How big, how soon, how much: what this storage design costs and how full it gets over the next {h} months, across {} simulated futures.\n",
        s.trials
    );

    // The answer.
    let _ = writeln!(out, "## The answer\n");
    let cost = stat(s, "final", "cost_total");
    let cost0 = stat(s, "initial", "cost_total");
    let cum = stat(s, "final", "cost_cumulative");
    if let (Some(c), Some(c0), Some(cum)) = (cost, cost0, cum) {
        let ci = s
            .final_ci95
            .get("cost_total")
            .map(|ci| {
                format!(
                    " (95% CI of the median {}–{})",
                    money(ci.p50[0]),
                    money(ci.p50[1])
                )
            })
            .unwrap_or_default();
        let _ = write!(
            out,
            "At {at} the monthly cost is **{} {cur}** at the median and **{} {cur}** at P90{ci}, against {} {cur} today; the {h} months cost {} {cur} in all at the median (P90 {}). ",
            money(c.p50),
            money(c.p90),
            money(c0.mean),
            money(cum.p50),
            money(cum.p90)
        );
    }
    if let (Some(u), Some(p)) = (
        stat(s, "final", "used_gib"),
        stat(s, "final", "provisioned_gib"),
    ) {
        let full = s
            .probabilities
            .get("volume_full")
            .and_then(|p| p.p.zip(p.se));
        let _ = write!(
            out,
            "Storage used reaches **{}** (P90 {}) of {} provisioned",
            gib(u.p50),
            gib(u.p90),
            gib(p.p50)
        );
        if let Some((p, se)) = full {
            let _ = write!(
                out,
                "; some volume fills in **{}** of futures",
                percent_with_se(p, se)
            );
        }
    }
    if let (Some(util), Some(cluster)) = (
        stat(s, "final", "ceph_fullest_osd_util"),
        model.ceph.first(),
    ) {
        let near = s
            .probabilities
            .get("ceph_nearfull")
            .and_then(|p| p.p.zip(p.se));
        let _ = write!(
            out,
            ", and the fullest Ceph OSD is at **{}** (P90 {})",
            pct(util.p50),
            pct(util.p90)
        );
        if let Some((p, se)) = near {
            let _ = write!(
                out,
                "; it passes nearfull ({:.2}) within the horizon in **{}** of futures",
                cluster.nearfull_ratio,
                percent_with_se(p, se)
            );
        }
        if let Some(t) = s.time_to.get("ceph_order")
            && t.never < 1.0
        {
            let m = |x: Option<u32>| {
                x.map_or("later than the horizon".to_string(), |v| {
                    when(model.start, v)
                })
            };
            let _ = write!(
                out,
                ". The first expansion order is placed at {} at the median (P5 {}, P95 {})",
                m(t.p50),
                m(t.p5),
                m(t.p95)
            );
        }
    }
    let _ = writeln!(out, ".\n");

    // Key numbers.
    let _ = writeln!(out, "## Key numbers\n");
    let _ = writeln!(out, "| metric | month 0 | P50 at {at} | P90 | P95 |");
    let _ = writeln!(out, "|---|---:|---:|---:|---:|");
    type Row = (&'static str, &'static str, fn(f64) -> String);
    let rows: [Row; 11] = [
        ("cost_total", "cost per month", money),
        ("cost_storage", "storage cost per month", money),
        ("cost_cumulative", "cumulative cost", money),
        ("users", "users", |x| format!("{x:.0}")),
        ("pods", "pods", |x| format!("{x:.0}")),
        ("volumes", "PVCs", |x| format!("{x:.0}")),
        ("used_gib", "used", gib),
        ("provisioned_gib", "provisioned", gib),
        ("ceph_fullest_osd_util", "fullest OSD", pct),
        ("ceph_max_avail_gib", "Ceph MAX AVAIL", gib),
        (
            "ceph_overcommit",
            "Ceph over-commit (provisioned / usable)",
            |x| format!("{x:.2}×"),
        ),
    ];
    for (key, label, f) in rows {
        if let (Some(a), Some(b)) = (s.initial.get(key), s.final_.get(key)) {
            let label = if key.starts_with("cost") {
                format!("{label} ({cur})")
            } else {
                label.to_string()
            };
            let _ = writeln!(
                out,
                "| {label} | {} | {} | {} | {} |",
                f(a.mean),
                f(b.p50),
                f(b.p90),
                f(b.p95)
            );
        }
    }
    let _ = writeln!(
        out,
        "\n| event within {h} months | probability ± standard error |"
    );
    let _ = writeln!(out, "|---|---:|");
    for (name, p) in &s.probabilities {
        if let (Some(p), Some(se)) = (p.p, p.se) {
            let _ = writeln!(
                out,
                "| {} | {} |",
                name.replace('_', " "),
                percent_with_se(p, se)
            );
        }
    }
    let _ = writeln!(out);

    charts_section(&mut out, charts);

    let _ = writeln!(out, "## Warnings\n");
    if s.warnings.is_empty() {
        let _ = writeln!(out, "None.\n");
    } else {
        for w in &s.warnings {
            let _ = writeln!(out, "- {w}");
        }
        let _ = writeln!(out);
    }

    let _ = writeln!(out, "## Assumptions\n");
    let _ = writeln!(
        out,
        "{} trials, seed {} (re-run with `--seed {}` for the same numbers), months of 730 hours, headroom {}. Quantiles carry a relative error of 0.5% from the sketch; probabilities their Monte Carlo standard error.\n",
        s.trials, s.seed, s.seed, s.version
    );
    let _ = writeln!(
        out,
        "| volume | per | size | growth per month (mean) | expansion |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---|");
    for v in &model.volumes {
        let per = match v.per {
            Per::Pod => "pod".to_string(),
            Per::User => "user".to_string(),
            Per::Cluster(n) => format!("cluster × {n}"),
        };
        let expansion = match v.expansion {
            Expansion::None => "none".to_string(),
            Expansion::Autoresize {
                threshold,
                increase,
                limit_gib,
            } => format!("autoresize: +{increase} when free < {threshold}, up to {limit_gib} GiB"),
        };
        let _ = writeln!(
            out,
            "| {} ({}) | {per} | {} | {:.2} GiB | {expansion} |",
            v.name,
            model.storage_classes[v.storage_class].name,
            gib(v.size_gib),
            v.growth.mean() * v.trial_factor.mean()
        );
    }
    let _ = writeln!(out, "\n| priced item | price | unit | source | as of |");
    let _ = writeln!(out, "|---|---:|---|---|---|");
    for p in &s.prices {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            p.item,
            p.price,
            p.unit,
            p.source.replace('|', "/"),
            p.as_of.as_deref().unwrap_or("—")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_groups_thousands() {
        assert_eq!(money(1205.48), "1,205.48");
        assert_eq!(money(25209.6), "25,209.60");
        assert_eq!(money(33.0), "33.00");
        assert_eq!(money(1234567.891), "1,234,567.89");
        assert_eq!(money(-24.0), "−24.00");
    }
}
