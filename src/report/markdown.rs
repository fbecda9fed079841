//! `report.md`: the one page for leadership. The question, the answer (the same paragraphs the
//! terminal shows), the key figures, the charts, the warnings, and the assumptions with every
//! price and its source.

use super::compare::CompareReport;
use super::format::{count, gib, interval, money, pct, probability, when};
use super::run::RunReport;
use super::summary::Summary;
use super::{Format, Output, ReportError};
use crate::model::metrics::{Event, Metric};
use crate::model::{Model, Per, PriceSource};
use std::fmt::Write;

/// The Markdown format.
#[derive(Debug, Clone, Copy)]
pub struct Markdown;

impl Format<RunReport<'_>> for Markdown {
    fn render(&self, r: &RunReport) -> Result<Vec<Output>, ReportError> {
        Ok(vec![Output::new("report.md", run(r).into_bytes())])
    }
}

impl Format<CompareReport<'_>> for Markdown {
    fn render(&self, r: &CompareReport) -> Result<Vec<Output>, ReportError> {
        Ok(vec![Output::new("report.md", compare(r).into_bytes())])
    }
}

/// Text safe inside a table cell.
fn cell(s: &str) -> String {
    s.replace('|', "/").replace('\n', " ")
}

/// A `## Charts` section embedding the PNG files written beside the report.
fn charts_section(out: &mut String, charts: &[super::charts::Chart]) {
    if charts.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Charts\n");
    for c in charts {
        let _ = writeln!(out, "![{}]({})\n", c.caption(), c.file);
    }
}

/// The table of prices and their sources (`variant` names the scenario in a comparison).
fn prices_table(out: &mut String, rows: &[(Option<&str>, &PriceSource)]) {
    let with_variant = rows.iter().any(|r| r.0.is_some());
    let (head, rule) = if with_variant {
        (
            "| variant | priced item | price | unit | source | as of |",
            "|---|---|---:|---|---|---|",
        )
    } else {
        (
            "| priced item | price | unit | source | as of |",
            "|---|---:|---|---|---|",
        )
    };
    let _ = writeln!(out, "{head}\n{rule}");
    for (variant, p) in rows {
        let lead = variant
            .map(|v| format!("| {} ", cell(v)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{lead}| {} | {} | {} | {} | {} |",
            cell(&p.item),
            p.price,
            cell(&p.unit),
            cell(&p.source),
            p.as_of.as_deref().unwrap_or("—")
        );
    }
}

/// Month 0 against the horizon's P50, P90 and P95 for the figures leadership asks about.
fn key_numbers(out: &mut String, model: &Model, s: &Summary) {
    let cur = &s.provenance.currency;
    let at = when(model.start, s.provenance.horizon_months);
    let _ = writeln!(out, "## Key numbers\n");
    let _ = writeln!(out, "| metric | month 0 | P50 at {at} | P90 | P95 |");
    let _ = writeln!(out, "|---|---:|---:|---:|---:|");
    type Row = (Metric, &'static str, fn(f64) -> String);
    let rows: [Row; 12] = [
        (Metric::CostTotal, "cost per month", money),
        (Metric::CostStorage, "storage cost per month", money),
        (Metric::CostCumulative, "cumulative cost", money),
        (Metric::Users, "users", count),
        (Metric::Pods, "pods", count),
        (Metric::Volumes, "PVCs", count),
        (Metric::UsedGib, "used", gib),
        (Metric::ProvisionedGib, "provisioned", gib),
        (Metric::CephFullestOsdUtil, "fullest OSD", pct),
        (Metric::CephMaxAvailGib, "Ceph MAX AVAIL (as ceph df)", gib),
        (
            Metric::CephWritableGib,
            "Ceph writable before full (projected)",
            gib,
        ),
        (
            Metric::CephOvercommit,
            "Ceph over-commit (provisioned / usable)",
            |x| format!("{x:.2}×"),
        ),
    ];
    let expands = |manual: bool| {
        model.volumes.iter().any(|v| match v.expansion {
            crate::model::Expansion::Manual { .. } => manual,
            crate::model::Expansion::Autoresize { .. } => !manual,
            crate::model::Expansion::None => false,
        })
    };
    let policy_rows: [(bool, Row); 2] = [
        (
            expands(false),
            (Metric::ResizeEvents, "autoresizes in the month", count),
        ),
        (
            expands(true),
            (
                Metric::ManualResizeEvents,
                "resizes by hand in the month",
                count,
            ),
        ),
    ];
    let rows = rows
        .into_iter()
        .chain(policy_rows.into_iter().filter(|r| r.0).map(|r| r.1));
    for (metric, label, f) in rows {
        if let (Some(a), Some(b)) = (s.initial.get(metric), s.final_.get(metric)) {
            let label = if metric.name().starts_with("cost") {
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
    let h = s.provenance.horizon_months;
    let _ = writeln!(
        out,
        "\n| event within {h} months | probability (± one standard error) | 95% interval (Wilson) |"
    );
    let _ = writeln!(out, "|---|---:|---:|");
    for (event, p) in s.probabilities.by_name() {
        if let Some(p) = p.known() {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                event.name().replace('_', " "),
                probability(&p),
                interval(&p)
            );
        }
    }
    let _ = writeln!(
        out,
        "\nA probability is the share of simulated futures in which the event happens at least once within the horizon; ± is one Monte Carlo standard error; where no future or every future saw it, the 95% bound is shown instead.\n"
    );
}

/// The volume templates as the scenario sets them.
fn volumes_table(out: &mut String, model: &Model) {
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
        let expansion = v.expansion.describe();
        let _ = writeln!(
            out,
            "| {} ({}) | {per} | {} | {:.2} GiB | {expansion} |",
            v.name,
            model.storage_classes[v.storage_class].name,
            gib(v.size_gib),
            v.growth.mean() * v.trial_factor.mean()
        );
    }
}

/// The Ceph clusters as the scenario builds them, with what the reader needs to check them
/// against `ceph df` and `ceph osd df`.
fn ceph_table(out: &mut String, model: &Model) {
    if model.ceph.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "| Ceph cluster | hosts × OSDs × size | nearfull / backfillfull / full | imbalance | overhead | expansion |"
    );
    let _ = writeln!(out, "|---|---|---|---:|---:|---|");
    for c in &model.ceph {
        let imbalance = if c.imbalance_set {
            pct(c.imbalance)
        } else {
            format!("{} (default)", pct(c.imbalance))
        };
        let expansion = c.expansion.as_ref().map_or("none".to_string(), |e| {
            let what = match e.add {
                crate::model::ExpansionAdd::Osds {
                    per_host,
                    osd_size_gib,
                } => format!("+{per_host} × {} OSD per host", gib(osd_size_gib)),
                crate::model::ExpansionAdd::Hosts(n) => format!("+{n} host(s)"),
            };
            format!(
                "{what} at {} (lead time {} months), {:.2}/month and {:.2} once per unit (mean)",
                pct(e.trigger),
                e.lead_time_months,
                e.monthly_cost.mean(),
                e.one_time_cost.mean()
            )
        });
        let _ = writeln!(
            out,
            "| {} | {} × {} × {} | {:.2} / {:.2} / {:.2} | {imbalance} | {} | {expansion} |",
            c.name,
            c.hosts,
            c.osds_per_host,
            gib(c.osd_size_gib),
            c.nearfull_ratio,
            c.backfillfull_ratio,
            c.full_ratio,
            pct(c.overhead)
        );
    }
    let _ = writeln!(
        out,
        "\n**MAX AVAIL (as ceph df)** is what `ceph df` prints: (full_ratio × raw capacity − (1 + imbalance) × raw used) / pool rate, Ceph's get_rule_avail, which assumes new data lands by CRUSH weight. **Writable before full (projected)** assumes the fullest OSD keeps its larger share: (full_ratio × raw capacity / (1 + imbalance) − raw used) / (rate × (1 + overhead)). With several pools the cluster figure uses their stored-weighted rate. A cluster is **host-failure safe** when, after losing any host (where a spare one exists) and any one OSD, every OSD stays under backfillfull_ratio once CRUSH has placed the lost copies again, so that recovery can finish.\n"
    );
    for c in &model.ceph {
        let losses = crate::decide::Losses::of(c);
        let _ = writeln!(
            out,
            "- ceph.{}: {}.",
            c.name,
            super::recommend::losses_line(&losses)
        );
    }
    if !model.ceph.is_empty() {
        let _ = writeln!(out);
    }
}

/// The warnings section.
fn warnings_section(out: &mut String, warnings: &[super::warning::Warning]) {
    let _ = writeln!(out, "## Warnings\n");
    if warnings.is_empty() {
        let _ = writeln!(out, "None.\n");
        return;
    }
    for w in warnings {
        let _ = writeln!(out, "- {w}");
    }
    let _ = writeln!(out);
}

/// One list of "What this rests on": each entry once, named after its variant where not every
/// variant shares it.
fn listed<T: PartialEq>(
    out: &mut String,
    bases: &[(&str, &crate::model::Basis)],
    of: impl Fn(&crate::model::Basis) -> &Vec<T>,
    line: impl Fn(&T, &str) -> String,
) {
    let mut seen: Vec<&T> = Vec::new();
    for (name, b) in bases {
        for e in of(b) {
            if seen.contains(&e) {
                continue;
            }
            seen.push(e);
            let shared = bases.iter().all(|(_, o)| of(o).contains(e));
            let tag = if bases.len() > 1 && !shared {
                format!(" ({name})")
            } else {
                String::new()
            };
            let _ = writeln!(out, "{}", line(e, &tag));
        }
    }
}

/// "What this rests on": the assumptions first (what a reader must weigh), then the
/// planning documents' figures. In a comparison an entry all variants share is listed once.
fn basis_section(out: &mut String, bases: &[(&str, &crate::model::Basis)]) {
    if bases
        .iter()
        .all(|(_, b)| b.facts.is_empty() && b.assumptions.is_empty())
    {
        return;
    }
    let _ = writeln!(out, "## What this rests on\n");
    let _ = writeln!(
        out,
        "**Assumed** (no planning document gives these; each moves the answer):\n"
    );
    listed(
        out,
        bases,
        |b| &b.assumptions,
        |a, tag| format!("- {}{tag}: {}", a.text, a.why),
    );
    let _ = writeln!(out, "\n**From the planning documents:**\n");
    listed(
        out,
        bases,
        |b| &b.facts,
        |f, tag| format!("- {}{tag} ({})", f.text, f.source),
    );
    out.push('\n');
}

/// The report of one run.
pub fn run(r: &RunReport) -> String {
    let (model, s) = (r.model, &r.summary);
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", s.scenario);
    let _ = writeln!(out, "*{}*\n", r.answer.headline);
    if !s.description.is_empty() {
        let _ = writeln!(out, "{}\n", s.description);
    }
    let _ = writeln!(
        out,
        "**The question.** How big, how soon, how much: what this storage design costs and how full it gets over the next {} months, across {} simulated futures.\n",
        s.provenance.horizon_months, s.provenance.trials
    );
    let _ = write!(out, "## The answer\n\n{}", r.answer.to_markdown());
    key_numbers(&mut out, model, s);
    charts_section(&mut out, &r.charts);
    warnings_section(&mut out, &s.warnings);
    basis_section(&mut out, &[(s.scenario.as_str(), &model.basis)]);
    let _ = writeln!(out, "## Inputs and prices\n");
    let _ = writeln!(
        out,
        "{} Quantiles carry a relative error of 0.5% from the sketch; probabilities their Monte Carlo standard error.\n",
        s.provenance.replay_note()
    );
    volumes_table(&mut out, model);
    out.push('\n');
    ceph_table(&mut out, model);
    let rows: Vec<(Option<&str>, &PriceSource)> = s.prices.iter().map(|p| (None, p)).collect();
    prices_table(&mut out, &rows);
    out
}

/// One row of the side-by-side table: a label and a value per variant.
fn side_row(out: &mut String, label: &str, values: impl Iterator<Item = String>) {
    let _ = writeln!(
        out,
        "| {label} | {} |",
        values.collect::<Vec<_>>().join(" | ")
    );
}

/// The variants' headline figures side by side.
fn side_by_side(out: &mut String, r: &CompareReport) {
    let s = &r.summary;
    let cur = &s.provenance.currency;
    let h = s.provenance.horizon_months;
    let at = when(r.models[0].start, h);
    let v = &s.variants;
    let _ = writeln!(out, "## Side by side\n");
    let _ = writeln!(
        out,
        "| | {} |\n|---|{}",
        v.iter()
            .map(|x| x.name.as_str())
            .collect::<Vec<_>>()
            .join(" | "),
        "---:|".repeat(v.len())
    );
    let row = |out: &mut String,
               label: String,
               f: &dyn Fn(&super::comparison::VariantSummary) -> String| {
        side_row(out, &label, v.iter().map(f));
    };
    row(out, format!("cost per month, month 0 ({cur})"), &|x| {
        money(x.month0_cost)
    });
    row(out, format!("cost per month at {at}, P50 ({cur})"), &|x| {
        money(x.cost_total.p50)
    });
    row(out, format!("cost per month at {at}, P90 ({cur})"), &|x| {
        money(x.cost_total.p90)
    });
    row(out, format!("total over {h} months, P50 ({cur})"), &|x| {
        money(x.cost_cumulative.p50)
    });
    row(out, format!("total over {h} months, P90 ({cur})"), &|x| {
        money(x.cost_cumulative.p90)
    });
    row(out, format!("one-time costs ({cur})"), &|x| {
        money(x.one_time_total)
    });
    row(out, "used at the horizon, P50".into(), &|x| {
        gib(x.used_gib.p50)
    });
    row(out, "provisioned at the horizon, P50".into(), &|x| {
        gib(x.provisioned_gib.p50)
    });
    for (event, label) in [
        (Event::VolumeFull, "P(some volume fills)"),
        (Event::CephNearfull, "P(Ceph nearfull)"),
    ] {
        if v.iter()
            .any(|x| x.probabilities.get(event).is_some_and(|p| p.p.is_some()))
        {
            row(out, label.into(), &|x| {
                x.probabilities
                    .get(event)
                    .and_then(|p| p.known())
                    .map_or("—".into(), |p| probability(&p))
            });
        }
    }
    row(out, "full events per 100 volume-months".into(), &|x| {
        format!("{:.2}", x.full_events_per_100_volume_months)
    });
    row(out, "resizes per 100 volume-months".into(), &|x| {
        format!("{:.2}", x.resize_events_per_100_volume_months)
    });
    if r.models.iter().any(|m| {
        m.volumes
            .iter()
            .any(|v| matches!(v.expansion, crate::model::Expansion::Manual { .. }))
    }) {
        row(out, "resizes by hand per 100 volume-months".into(), &|x| {
            format!("{:.2}", x.manual_resize_events_per_100_volume_months)
        });
    }
    out.push('\n');
}

/// The report of a comparison.
pub fn compare(r: &CompareReport) -> String {
    let s = &r.summary;
    let mut out = String::new();
    let names: Vec<&str> = s.variants.iter().map(|v| v.name.as_str()).collect();
    let _ = writeln!(out, "# Comparison: {}\n", names.join(" vs "));
    let _ = writeln!(out, "*{}*\n", r.answer.headline);
    let _ = writeln!(
        out,
        "**The question.** Which design is cheaper, by how much, and what does the cheaper one risk? {} simulated futures over {} months; every variant sees the same futures (the same users and growth draws, trial by trial), so the differences below are the designs' and not noise.\n",
        s.provenance.trials, s.provenance.horizon_months
    );
    let _ = write!(out, "## The answer\n\n{}", r.answer.to_markdown());
    side_by_side(&mut out, r);
    charts_section(&mut out, &r.charts);
    let bases: Vec<(&str, &crate::model::Basis)> = r
        .models
        .iter()
        .map(|m| (m.name.as_str(), &m.basis))
        .collect();
    basis_section(&mut out, &bases);
    let _ = writeln!(out, "## Inputs and prices\n");
    let _ = writeln!(
        out,
        "{} Differences are paired by trial; confidence intervals are of the mean difference (±1.96 paired standard errors).\n",
        s.provenance.replay_note()
    );
    for m in &r.models {
        let _ = writeln!(out, "- **{}**: {}", m.name, m.description);
    }
    out.push('\n');
    let rows: Vec<(Option<&str>, &PriceSource)> = r
        .models
        .iter()
        .flat_map(|m| m.price_sources.iter().map(|p| (Some(m.name.as_str()), p)))
        .collect();
    prices_table(&mut out, &rows);
    out
}
