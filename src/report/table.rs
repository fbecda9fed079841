//! The short table `run` prints: the horizon's P50/P90 of cost, fill and OSD utilisation, and
//! the probabilities with their standard errors.

use super::summary::{Summary, calendar, percent_with_se};
use std::fmt::Write;

fn row(out: &mut String, label: &str, s: Option<&super::summary::Stats>, fmt: fn(f64) -> String) {
    if let Some(s) = s {
        let _ = writeln!(
            out,
            "  {label:<30} {:>14} {:>14} {:>14}",
            fmt(s.mean),
            fmt(s.p50),
            fmt(s.p90)
        );
    }
}

/// Renders the table for one run.
pub fn render(summary: &Summary, initial_cost: f64) -> String {
    let mut out = String::new();
    let money = |x: f64| format!("{x:.2}");
    let gib = |x: f64| format!("{x:.1} GiB");
    let pct = |x: f64| format!("{:.1}%", x * 100.0);
    let count = |x: f64| format!("{x:.0}");
    let h = summary.horizon_months;
    let when = match &summary.start {
        Some(s) => {
            let (y, m) = s.split_once('-').unwrap_or(("2026", "1"));
            let start = (y.parse().unwrap_or(2026), m.parse().unwrap_or(1));
            format!("month {h} ({})", calendar(start, h))
        }
        None => format!("month {h}"),
    };
    let _ = writeln!(
        out,
        "{} — {} trials, seed {}, {} months, {}",
        summary.scenario, summary.trials, summary.seed, h, summary.currency
    );
    let _ = writeln!(
        out,
        "  month 0 cost: {initial_cost:.2} {}/month",
        summary.currency
    );
    let _ = writeln!(
        out,
        "  at {when:<27} {:>14} {:>14} {:>14}",
        "mean", "P50", "P90"
    );
    let f = &summary.final_;
    row(&mut out, "cost / month", f.get("cost_total"), money);
    row(&mut out, "cost cumulative", f.get("cost_cumulative"), money);
    let nonzero = |k: &str| f.get(k).filter(|s| s.p99 > 0.0);
    row(&mut out, "users", nonzero("users"), count);
    row(&mut out, "pods", nonzero("pods"), count);
    row(&mut out, "used", f.get("used_gib"), gib);
    row(&mut out, "provisioned", f.get("provisioned_gib"), gib);
    row(
        &mut out,
        "ceph fullest OSD",
        f.get("ceph_fullest_osd_util"),
        pct,
    );
    row(&mut out, "ceph MAX AVAIL", f.get("ceph_max_avail_gib"), gib);
    for (name, p) in &summary.probabilities {
        if let (Some(p), Some(se)) = (p.p, p.se) {
            let _ = writeln!(
                out,
                "  P({name}) within {h} months: {}",
                percent_with_se(p, se)
            );
        }
    }
    let m = |x: Option<u32>| x.map_or("never".to_string(), |v| format!("month {v}"));
    for (event, label) in [
        ("ceph_order", "first expansion order"),
        ("ceph_nearfull", "time to nearfull"),
    ] {
        if let Some(t) = summary.time_to.get(event)
            && t.never < 1.0
            && f.contains_key("ceph_fullest_osd_util")
        {
            let _ = writeln!(
                out,
                "  {label}: P5 {}, P50 {}, P95 {}",
                m(t.p5),
                m(t.p50),
                m(t.p95)
            );
        }
    }
    for w in &summary.warnings {
        let _ = writeln!(out, "  warning: {w}");
    }
    out
}
