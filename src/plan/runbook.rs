//! `plan.md`: the plan as a runbook. Pre-checks, what to apply now (each step with its way
//! back), the dated orders (an order-by date already past said as overdue, against the month
//! the plan is made in), why each choice won, what is left for a person, and where the
//! numbers come from.

use super::{Changes, Settings, annotations_text, volumes};
use crate::decide::{ClusterRecommendation, Recommendation};
use crate::model::{Expansion, Model};
use crate::report::format::{calendar, money, pct, when};
use std::fmt::Write;

/// A month as a count of months since year 0 (`(2026, 12)` → 24323).
fn index(year: i32, month: u32) -> i64 {
    year as i64 * 12 + month as i64 - 1
}

/// Whether month `m` of the scenario lies before the month the plan is made in (`today`).
fn overdue(model: &Model, m: u32, today: Option<(i32, u32)>) -> bool {
    match (model.start, today) {
        (Some(start), Some(today)) => {
            index(start.0, start.1) + m as i64 - 1 < index(today.0, today.1)
        }
        _ => false,
    }
}

/// A month as the plan prints it: the calendar month where the scenario has a start.
fn month(model: &Model, m: Option<u32>) -> String {
    match (model.start, m) {
        (Some(s), Some(m)) => calendar(s, m),
        (None, Some(m)) => format!("month {m}"),
        (_, None) => "later than the horizon".into(),
    }
}

fn orders_section(
    out: &mut String,
    model: &Model,
    c: &ClusterRecommendation,
    ch: &Changes,
    today: Option<(i32, u32)>,
) {
    let cur = &model.currency;
    let Some(t) = c.trigger else {
        let _ = writeln!(
            out,
            "- **ceph.{}**: no trigger meets the targets; see `headroom recommend`.\n",
            c.choice.cluster
        );
        return;
    };
    let _ = writeln!(
        out,
        "**ceph.{}**: the alert `HeadroomCephOrderCapacity` fires when the fullest OSD reaches **{}**; an order takes {} month(s) to land. When orders fall due, over the simulated futures:\n",
        c.choice.cluster,
        pct(t),
        c.choice.lead_time_months
    );
    let _ = writeln!(
        out,
        "| order | adds | order by (in time in 90% of futures) | median | latest (P90) | futures that need it | cost | manifest when it lands |\n|---|---|---|---|---|---:|---|---|"
    );
    for o in &c.orders {
        let manifest = ch
            .expansions
            .iter()
            .find(|e| e.0 == c.choice.cluster && e.1 == o.order)
            .map_or("—".to_string(), |e| format!("`{}`", e.2));
        let order_by = match o.p10 {
            Some(0) => "**now** (the trigger is already passed)".to_string(),
            Some(m) if overdue(model, m, today) => {
                format!("**overdue** (due {}): order now", month(model, Some(m)))
            }
            p10 => format!("**{}**", month(model, p10)),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {order_by} | {} | {} | {:.0}% | {} {cur}/month{} | {manifest} |",
            o.order,
            o.adds,
            month(model, o.p50),
            month(model, o.p90),
            o.share * 100.0,
            money(o.monthly_cost),
            if o.one_time_cost > 0.0 {
                format!(" + {} once", money(o.one_time_cost))
            } else {
                String::new()
            }
        );
    }
    let _ = writeln!(
        out,
        "\nAfter each order lands: apply its manifest, then capture the cluster again (`headroom ingest --live`) and re-run `headroom plan`: the trigger and the dates after the first order are for the cluster as it will be, and the simulation keeps one trigger for all its orders.\n"
    );
}

fn now_section(out: &mut String, ch: &Changes, rec: &Recommendation) {
    let _ = writeln!(out, "## Now\n");
    let mut n = 1;
    for (class, file, _) in &ch.classes {
        let _ = writeln!(
            out,
            "{n}. StorageClass **{class}** (`{file}`): `allowVolumeExpansion: true` and `{}: \"true\"`, so that pvc-autoresizer (topolvm/pvc-autoresizer, which must run in the cluster) grows its PVCs.",
            volumes::ENABLED
        );
        n += 1;
    }
    for c in ch.statefulsets.iter().filter(|c| c.changed) {
        let _ = writeln!(
            out,
            "{n}. StatefulSet **{}** ({}, `{}`): volumeClaimTemplate `{}` {} → **{}**{}. Run `migrate.sh`: the template cannot change in place.",
            c.statefulset,
            c.namespace,
            c.file,
            c.template,
            c.old_gib.map_or("unset".into(), volumes::quantity),
            volumes::quantity(c.new_gib),
            if c.annotations.is_empty() {
                ", no autoresizer".to_string()
            } else {
                format!(", {}", annotations_text(&c.annotations))
            }
        );
        n += 1;
    }
    for p in ch.pvcs.iter().filter(|p| p.changed) {
        let _ = writeln!(
            out,
            "{n}. PVC **{}** ({}, `{}`): {} → **{}**{}.",
            p.name,
            p.namespace,
            p.file,
            p.old_gib.map_or("unset".into(), volumes::quantity),
            volumes::quantity(p.new_gib),
            if p.annotations.is_empty() {
                String::new()
            } else {
                format!(", {}", annotations_text(&p.annotations))
            }
        );
        n += 1;
    }
    for (cluster, file, _) in &ch.ratios {
        let _ = writeln!(
            out,
            "{n}. CephCluster **{cluster}** (`{file}`): `spec.storage` ratios set to the scenario's."
        );
        n += 1;
    }
    if !rec.ceph.is_empty() || !rec.volumes.is_empty() {
        let _ = writeln!(
            out,
            "{n}. `prometheusrule-headroom.yaml`: the triggers as alerts (prometheus-operator; `--rule-labels release=<name>` for kube-prometheus-stack, which loads only rules so labelled). `promtool test rules alerts/headroom-rules.test.yaml` shows each alert firing at its threshold and quiet short of it; `alerts/headroom-rules.yaml` is the same rules for a Prometheus without the operator."
        );
    }
    out.push('\n');
}

pub(super) fn markdown(
    model: &Model,
    rec: &Recommendation,
    ch: &Changes,
    header: &str,
    settings: Settings<'_>,
) -> String {
    let mut out = String::new();
    let h = rec.provenance.horizon_months;
    let _ = writeln!(out, "# Plan: {}\n\n*{header}*\n", rec.scenario);
    if let Some((y, m)) = settings.today {
        let _ = writeln!(out, "Made in {y:04}-{m:02}: dates before it are overdue.\n");
    }
    prechecks(&mut out, model, rec, ch, settings);
    now_section(&mut out, ch, rec);
    rollback(&mut out, ch);
    if !rec.ceph.is_empty() {
        let _ = writeln!(out, "## Orders\n");
        for c in &rec.ceph {
            orders_section(&mut out, model, c, ch, settings.today);
        }
    }
    let _ = writeln!(out, "## Why these choices\n");
    for v in &rec.volumes {
        let _ = writeln!(
            out,
            "- {}",
            crate::report::recommend::volume_sentence(v, h, &model.currency)
        );
    }
    out.push('\n');
    if !ch.notes.is_empty() {
        let _ = writeln!(out, "## Left for a person\n");
        for n in &ch.notes {
            let _ = writeln!(out, "- {n}");
        }
        out.push('\n');
    }
    let t = &rec.targets;
    let _ = writeln!(
        out,
        "## Where the numbers come from\n\nEvery figure above is from `headroom recommend` on the scenario, {} trials per option, seed {} (re-run with `--seed {}` for the same numbers), over {} months from {}, headroom {}. Targets: P(volume full) ≤ {}, P(nearfull) ≤ {}, P(recovery stalls) ≤ {}. \"Order by\" is the 10th percentile of the month the trigger fires: ordering then is in time in 90% of futures.",
        rec.provenance.trials,
        rec.provenance.seed,
        rec.provenance.seed,
        h,
        when(model.start, 1),
        rec.version,
        pct(t.max_volume_full_probability),
        pct(t.max_ceph_nearfull_probability),
        pct(t.max_recovery_stall_probability)
    );
    out
}

/// What must hold before anything is applied: the tools the plan relies on, each with the
/// command that shows it.
fn prechecks(
    out: &mut String,
    model: &Model,
    rec: &Recommendation,
    ch: &Changes,
    settings: Settings<'_>,
) {
    let _ = writeln!(out, "## Before you start\n");
    let context = settings.kube_context.map_or(
        "`./migrate.sh --context CONTEXT --dry-run` passes (name the cluster's context: the script never assumes the current one)".to_string(),
        |c| format!("`./migrate.sh --context {c} --dry-run` passes (the plan is for context `{c}`; the script refuses any other)"),
    );
    let mut checks = vec![context];
    let autoresize = ch
        .watched
        .iter()
        .any(|w| matches!(w.option.expansion, Expansion::Autoresize { .. }));
    if autoresize {
        checks.push("pvc-autoresizer runs in the cluster and reads a Prometheus that scrapes the kubelet's volume stats (`kubectl get deploy -A -l app.kubernetes.io/name=pvc-autoresizer`; its `--prometheus-url`)".into());
    }
    checks.push(format!(
        "prometheus-operator's CRD is installed (`kubectl get crd prometheusrules.monitoring.coreos.com`) and its Prometheus selects the rule's labels{}",
        if settings.rule_labels.is_empty() {
            ": kube-prometheus-stack loads only rules labelled `release: <its release>` — re-run `plan` with `--rule-labels release=<name>`"
        } else {
            ""
        }
    ));
    if !ch.watched.is_empty() {
        checks.push("kube-state-metrics and the kubelet's volume stats are scraped (`kube_persistentvolumeclaim_resource_requests_storage_bytes`, `kubelet_volume_stats_available_bytes`): the volume alerts read them".into());
    }
    if !model.ceph.is_empty() || !rec.ceph.is_empty() {
        checks.push("the Ceph mgr's `prometheus` module is on and scraped (`ceph mgr module ls`; `ceph_osd_stat_bytes_used` in Prometheus): the order alert reads it".into());
    }
    checks.push("`cd alerts && promtool test rules headroom-rules.test.yaml` passes: each alert fires at its threshold".into());
    for (i, c) in checks.iter().enumerate() {
        let _ = writeln!(out, "{}. {c}", i + 1);
    }
    out.push('\n');
}

/// The way back from each step of `migrate.sh`.
fn rollback(out: &mut String, ch: &Changes) {
    let mut lines: Vec<String> = Vec::new();
    for (class, file, _) in &ch.classes {
        lines.push(format!(
            "StorageClass **{class}**: re-apply `{file}` as it was (git); volumes already grown keep their size."
        ));
    }
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for c in ch.statefulsets.iter().filter(|c| c.changed) {
        if seen.contains(&(c.namespace.as_str(), c.statefulset.as_str())) {
            continue;
        }
        seen.push((&c.namespace, &c.statefulset));
        lines.push(format!(
            "StatefulSet **{}/{}**: `kubectl -n {} delete statefulset {} --cascade=orphan`, then re-apply `{}` as it was; grown PVCs cannot shrink (they keep, and cost, their new size); remove the autoresizer's annotations with `kubectl annotate pvc NAME {}- {}- {}-`.",
            c.namespace,
            c.statefulset,
            c.namespace,
            c.statefulset,
            c.file,
            volumes::LIMIT,
            volumes::THRESHOLD,
            volumes::INCREASE
        ));
    }
    for p in ch.pvcs.iter().filter(|p| p.changed) {
        lines.push(format!(
            "PVC **{}/{}**: its size stays (a PVC cannot shrink); the annotations come off with `kubectl annotate pvc {} {}- {}- {}-`.",
            p.namespace,
            p.name,
            p.name,
            volumes::LIMIT,
            volumes::THRESHOLD,
            volumes::INCREASE
        ));
    }
    for (cluster, file, _) in &ch.ratios {
        lines.push(format!(
            "CephCluster **{cluster}**: re-apply `{file}` as it was; Rook sets the old ratios back."
        ));
    }
    lines.push("Alerts: `kubectl delete prometheusrule headroom-capacity -n NAMESPACE` (the namespace in `prometheusrule-headroom.yaml`).".into());
    let _ = writeln!(out, "## If you must go back\n");
    for l in lines {
        let _ = writeln!(out, "- {l}");
    }
    out.push('\n');
}
