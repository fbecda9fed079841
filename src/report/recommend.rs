//! What `recommend` prints: per volume template the trade-off table and one sentence on the
//! choice; per Ceph cluster the triggers weighed, the chosen one and when its orders fall due.
//! The same [`Recommendation`] serializes to JSON for scripts.

use super::format::{calendar, interval, money, pct, probability, when_or_later};
use crate::aggregate::Probability;
use crate::decide::tiers::OptionResult;
use crate::decide::trigger::{ClusterChoice, OrderTiming};
use crate::decide::{ClusterRecommendation, Recommendation, VolumeRecommendation};
use crate::model::Model;
use std::fmt::Write;

/// "10 GiB with autoresize +10% when free < 10%, up to 50 GiB" or "10 GiB, no expansion".
pub fn option_name(o: &OptionResult) -> String {
    if o.expansion == "none" {
        format!("{} GiB, no expansion", o.size_gib)
    } else {
        format!("{} GiB with {}", o.size_gib, o.expansion)
    }
}

fn p_full(o: &OptionResult) -> String {
    probability(&o.p_full())
}

/// The trade-off table of one template.
fn options_table(out: &mut String, v: &VolumeRecommendation, cur: &str) {
    let _ = writeln!(
        out,
        "  {:>9}  {:<64} {:>11} {:>11} {:>12} {:>12}  {:<22} {:>8} {:>8}  verdict",
        "size",
        "expansion",
        "month P50",
        "month P90",
        "total P50",
        "total P90",
        "P(full)",
        "full/100",
        "rsz/100"
    );
    for (i, o) in v.choice.options.iter().enumerate() {
        let mark = if Some(i) == v.choice.chosen {
            "→ chosen"
        } else if o.feasible {
            "meets targets"
        } else {
            "misses"
        };
        let why = if o.feasible {
            String::new()
        } else {
            format!(": {}", crate::decide::reasons(&o.checks))
        };
        let now = if o.current { " (now)" } else { "" };
        let _ = writeln!(
            out,
            "  {:>9}  {:<64} {:>11} {:>11} {:>12} {:>12}  {:<22} {:>8.2} {:>8.2}  {mark}{why}{now}",
            format!("{} GiB", o.size_gib),
            o.expansion,
            money(o.cost_total_p50),
            money(o.cost_total_p90),
            money(o.cost_cumulative_p50),
            money(o.cost_cumulative_p90),
            p_full(o),
            o.full_events_per_100_volume_months,
            o.resizes_per_100_volume_months + o.manual_resizes_per_100_volume_months,
        );
    }
    let _ = writeln!(
        out,
        "  (costs in {cur}, whole scenario; full/100 and rsz/100: per 100 volume-months; rsz counts resizes by hand too)"
    );
}

/// The sentence on a template's choice.
pub fn volume_sentence(v: &VolumeRecommendation, h: u32, cur: &str) -> String {
    let c = &v.choice;
    match c.chosen {
        Some(i) => {
            let o = &c.options[i];
            let mut s = format!(
                "{}: {} is the cheapest option that meets the targets: {} {cur} over {h} months (mean), P(full) {}",
                c.name,
                option_name(o),
                money(o.cost_cumulative_mean),
                p_full(o)
            );
            match (c.runner_up, v.runner_up_extra) {
                (Some(r), Some(e)) if e.mean.abs() < 0.005 && e.ci95[1] - e.ci95[0] < 0.01 => {
                    let _ = write!(
                        s,
                        "; the runner-up, {}, costs the same in every future: the smaller or simpler option wins the tie.",
                        option_name(&c.options[r])
                    );
                }
                (Some(r), Some(e)) => {
                    let _ = write!(
                        s,
                        "; the runner-up, {}, would cost {} {cur} more (95% CI {} to {}, paired by trial).",
                        option_name(&c.options[r]),
                        money(e.mean),
                        money(e.ci95[0]),
                        money(e.ci95[1])
                    );
                }
                _ => s.push_str("; no other option meets the targets."),
            }
            s
        }
        None => {
            let closest = c.closest.map(|i| &c.options[i]);
            match closest {
                Some(o) => format!(
                    "{}: no option meets the targets; the closest is {} ({}).",
                    c.name,
                    option_name(o),
                    crate::decide::reasons(&o.checks)
                ),
                None => format!("{}: no option could be weighed.", c.name),
            }
        }
    }
}

fn month(start: Option<(i32, u32)>, m: Option<u32>) -> String {
    match (start, m) {
        (Some(s), Some(m)) => calendar(s, m),
        _ => when_or_later(start, m),
    }
}

/// "1st order in 99% of futures: P10 2026-05, P50 2026-08, P90 2026-12; adds …".
pub fn order_line(o: &OrderTiming, start: Option<(i32, u32)>, cur: &str) -> String {
    let nth = match o.order {
        1 => "1st".to_string(),
        2 => "2nd".to_string(),
        3 => "3rd".to_string(),
        n => format!("{n}th"),
    };
    format!(
        "{nth} order in {:.0}% of futures: P10 {}, P50 {}, P90 {}; adds {}, {} {cur}/month{}",
        o.share * 100.0,
        month(start, o.p10),
        month(start, o.p50),
        month(start, o.p90),
        o.adds,
        money(o.monthly_cost),
        if o.one_time_cost > 0.0 {
            format!(" + {} {cur} once", money(o.one_time_cost))
        } else {
            String::new()
        }
    )
}

fn ceph_table(out: &mut String, c: &ClusterChoice) {
    let _ = writeln!(
        out,
        "  {:>7}  {:<22} {:<24} {:>14}  verdict",
        "trigger", "P(nearfull) (95% CI)", "P(recovery stalls)", "total (mean)"
    );
    for (i, t) in c.options.iter().enumerate() {
        let mark = if Some(i) == c.chosen {
            "→ chosen".to_string()
        } else if t.feasible {
            "meets targets".to_string()
        } else {
            format!("misses: {}", crate::decide::reasons(&t.checks))
        };
        let p = |p: f64, ci95: [f64; 2]| -> String {
            format!(
                "{:.1}% ({})",
                p * 100.0,
                interval(&Probability { p, se: 0.0, ci95 })
            )
        };
        let _ = writeln!(
            out,
            "  {:>7}  {:<22} {:<24} {:>14}  {mark}",
            pct(t.trigger),
            p(t.p_nearfull, t.p_nearfull_ci95),
            p(t.p_recovery_stall, t.p_recovery_stall_ci95),
            money(t.cost_cumulative_mean),
        );
    }
}

/// Which loss bounds the trigger: the fullest-OSD fill from which losing one OSD or one host
/// would stall recovery at backfillfull, as built and after the first order (CRUSH's own
/// placement of the lost data).
pub(crate) fn losses_line(losses: &crate::decide::Losses) -> String {
    let stage = |s: &crate::model::ceph::StallPoints| {
        let osd = match (s.osd, s.first_osd) {
            (Some(u), Some(id)) => format!("an OSD loss (osd.{id} first) from {}", pct(u)),
            (Some(u), None) => format!("an OSD loss from {}", pct(u)),
            (None, _) => "an OSD loss cannot re-replicate".to_string(),
        };
        let host = match s.host {
            Some(u) => format!("a host loss from {}", pct(u)),
            None => "a host loss runs degraded (no spare host)".to_string(),
        };
        format!("{osd}, {host}")
    };
    let mut line = format!(
        "recovery stalls at backfillfull, by the fullest OSD (CRUSH placement): as built, {}",
        stage(&losses.as_built)
    );
    if let Some(after) = &losses.after_first_order {
        line.push_str(&format!("; after the first order, {}", stage(after)));
    }
    line
}

fn cluster_section(out: &mut String, c: &ClusterRecommendation, model: &Model, cur: &str) {
    let ch = &c.choice;
    let lead = ch.lead_time_months;
    match ch.chosen() {
        Some(t) => {
            let _ = writeln!(
                out,
                "ceph.{}: order capacity when the fullest OSD reaches {} (lead time {lead} month{}): the highest trigger that keeps P(nearfull) and P(recovery stalls) within the targets.",
                ch.cluster,
                pct(t.trigger),
                if lead == 1 { "" } else { "s" }
            );
            for o in &t.orders {
                let _ = writeln!(out, "  {}", order_line(o, model.start, cur));
            }
            if t.orders.is_empty() {
                let _ = writeln!(out, "  no order falls due within the horizon");
            }
            let _ = writeln!(out, "  {}", losses_line(&c.losses));
        }
        None => {
            let _ = writeln!(
                out,
                "ceph.{}: no trigger meets the targets (lead time {lead} months); order earlier than the lowest weighed, or shorten the lead time.",
                ch.cluster
            );
        }
    }
    ceph_table(out, ch);
    for r in &c.rechecks {
        let _ = writeln!(
            out,
            "  replayed with seed {}: P(nearfull) {:.1}% (95% CI {:.1}–{:.1}%), P(recovery stalls) {:.1}%: {}",
            r.seed,
            r.p_nearfull * 100.0,
            r.p_nearfull_ci95[0] * 100.0,
            r.p_nearfull_ci95[1] * 100.0,
            r.p_recovery_stall * 100.0,
            if r.holds {
                "the targets hold"
            } else {
                "the targets do NOT hold with this seed"
            }
        );
    }
}

/// The text `recommend` prints.
pub fn text(r: &Recommendation, model: &Model) -> String {
    let p = &r.provenance;
    let cur = &p.currency;
    let t = &r.targets;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}\n",
        p.headline(&format!("{} — recommend", r.scenario), false)
            .replace(" trials,", " trials per option,")
    );
    let _ = writeln!(
        out,
        "targets: P(volume full) ≤ {}, full events ≤ {:.2} per 100 volume-months, resizes ≤ {:.2} per volume-month{}; Ceph: P(nearfull) ≤ {}{} (defaults where [targets] sets none)\n",
        pct(t.max_volume_full_probability),
        t.max_full_events_per_100_volume_months,
        t.max_resizes_per_volume_month,
        t.monthly_budget
            .map(|b| format!(
                ", P(month over {} {cur}) ≤ {}",
                money(b),
                pct(t.max_budget_exceeded_probability)
            ))
            .unwrap_or_default(),
        pct(t.max_ceph_nearfull_probability),
        if t.require_host_failure_safe {
            format!(
                ", P(recovery stalls) ≤ {}",
                pct(t.max_recovery_stall_probability)
            )
        } else {
            String::new()
        }
    );
    for v in &r.volumes {
        let _ = writeln!(out, "{}", volume_sentence(v, p.horizon_months, cur));
        options_table(&mut out, v, cur);
        out.push('\n');
    }
    for c in &r.ceph {
        cluster_section(&mut out, c, model, cur);
        out.push('\n');
    }
    out
}

/// The JSON `recommend --format json` prints.
pub fn json(r: &Recommendation) -> Result<Vec<u8>, super::ReportError> {
    super::json::pretty(r)
}
