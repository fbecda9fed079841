//! What `run` prints on the terminal after the answer: the horizon's mean, P50 and P90 of cost,
//! fill and OSD utilisation, every probability with its uncertainty, the first order and
//! nearfull months, and the warnings.

use super::format::{count, gib, money, pct, probability, when};
use super::run::RunReport;
use super::summary::Stats;
use crate::model::metrics::{Event, Metric};
use std::fmt::Write;

fn row(out: &mut String, label: &str, s: Option<&Stats>, fmt: fn(f64) -> String) {
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

/// The table of one run.
pub fn render(r: &RunReport) -> String {
    let s = &r.summary;
    let cur = &s.provenance.currency;
    let h = s.provenance.horizon_months;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  month 0 cost: {} {cur}/month",
        money(r.month0_cost())
    );
    let _ = writeln!(
        out,
        "  at {:<27} {:>14} {:>14} {:>14}",
        when(r.model.start, h),
        "mean",
        "P50",
        "P90"
    );
    let f = &s.final_;
    let nonzero = |m: Metric| f.get(m).filter(|s| s.p99 > 0.0);
    row(&mut out, "cost / month", f.get(Metric::CostTotal), money);
    row(
        &mut out,
        "cost cumulative",
        f.get(Metric::CostCumulative),
        money,
    );
    row(&mut out, "users", nonzero(Metric::Users), count);
    row(&mut out, "pods", nonzero(Metric::Pods), count);
    row(&mut out, "used", f.get(Metric::UsedGib), gib);
    row(&mut out, "provisioned", f.get(Metric::ProvisionedGib), gib);
    row(
        &mut out,
        "ceph fullest OSD",
        f.get(Metric::CephFullestOsdUtil),
        pct,
    );
    row(
        &mut out,
        "ceph MAX AVAIL (as ceph df)",
        f.get(Metric::CephMaxAvailGib),
        gib,
    );
    row(
        &mut out,
        "ceph writable (projected)",
        f.get(Metric::CephWritableGib),
        gib,
    );
    for (event, p) in s.probabilities.by_name() {
        if let Some(p) = p.known() {
            let _ = writeln!(
                out,
                "  P({}) within {h} months: {}",
                event.name(),
                probability(&p)
            );
        }
    }
    let m = |x: Option<u32>| x.map_or("never".to_string(), |v| format!("month {v}"));
    for (event, label) in [
        (Event::CephOrder, "first expansion order"),
        (Event::CephNearfull, "time to nearfull"),
    ] {
        if let Some(t) = s.time_to.get(event)
            && t.never < 1.0
            && f.contains(Metric::CephFullestOsdUtil)
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
    for w in &s.warnings {
        let _ = writeln!(out, "  warning: {w}");
    }
    out
}
