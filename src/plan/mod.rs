//! `plan`: the recommendations written into the cluster's manifests (DESIGN §7).
//!
//! From a scenario, its [`Recommendation`] and a folder of manifests, [`build`] writes: every
//! manifest file back (documents it does not touch exactly as read), with StatefulSet
//! `volumeClaimTemplates` sizes, pvc-autoresizer annotations, StorageClasses that allow
//! expansion and the CephCluster's ratios; `expansions/<cluster>-order-<k>.yaml`, the
//! CephCluster after the k-th order; `prometheusrule-headroom.yaml`, the simulated triggers as
//! alerts; `migrate.sh`, the procedure for what the API will not change in place; and
//! `plan.md`, the dated steps. Matching: a volume template's name is a `volumeClaimTemplates`
//! entry's name (or a standalone PVC's), a storage class key is a StorageClass name, a Ceph
//! cluster key (or its `rook = "…"`) a CephCluster name. What the scenario names and the folder
//! lacks is reported, never invented. Nothing here touches the file system.

pub mod alerts;
pub mod manifests;
pub mod rook;
pub mod volumes;

use crate::decide::{ClusterRecommendation, Recommendation};
use crate::model::{Expansion, Model};
use crate::names::shell_quote;
use crate::report::Output;
use crate::report::format::{calendar, money, pct, when};
use crate::scenario::{Problem, ScenarioError};
use manifests::Folder;
use std::fmt::Write;
use volumes::{PvcChange, TemplateChange};

/// What `plan` writes, and what it could not do.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The files of the plan folder.
    pub outputs: Vec<Output>,
    /// What the scenario names and the folder lacks, and what needs a person.
    pub notes: Vec<String>,
}

/// Everything changed, for the script and the plan.
#[derive(Debug, Default)]
struct Changes {
    statefulsets: Vec<TemplateChange>,
    pvcs: Vec<PvcChange>,
    /// (StorageClass, file) made expandable.
    classes: Vec<(String, String)>,
    /// (cluster, file) whose ratios were set.
    ratios: Vec<(String, String)>,
    /// (cluster, order, file) of each expansion manifest.
    expansions: Vec<(String, usize, String)>,
    notes: Vec<String>,
}

fn err(problem: Problem) -> ScenarioError {
    ScenarioError {
        problems: vec![problem],
    }
}

/// Applies the chosen option of every volume template.
fn apply_volumes(
    model: &Model,
    rec: &Recommendation,
    folder: &mut Folder,
    ch: &mut Changes,
) -> Result<(), ScenarioError> {
    for (t, v) in rec.volumes.iter().enumerate() {
        let template = &model.volumes[t];
        let Some(i) = v.choice.chosen else {
            ch.notes.push(format!(
                "volume {}: no option meets the targets; its manifests are left as they are",
                template.name
            ));
            continue;
        };
        let option = v.choice.options[i].option();
        let sts = volumes::statefulsets(
            folder,
            &template.name,
            template.statefulset.as_deref(),
            &option,
        )
        .map_err(err)?;
        if let Some(name) = &template.statefulset
            && sts.is_empty()
        {
            return Err(err(Problem {
                file: folder.path.clone(),
                line: None,
                key: format!("volumes[{t}].statefulset"),
                message: format!(
                    "no StatefulSet {name:?} with a volumeClaimTemplate {:?} in the manifests",
                    template.name
                ),
            }));
        }
        let pvcs = volumes::pvcs(folder, &template.name, &option).map_err(err)?;
        if sts.is_empty() && pvcs.is_empty() {
            ch.notes.push(format!(
                "volume {}: no StatefulSet volumeClaimTemplate or PVC of that name in the manifests (volumes the application creates itself need the size {} and the annotations {} when it creates them)",
                template.name,
                volumes::quantity(option.size_gib),
                annotations_text(&volumes::annotations(&option))
            ));
        }
        for p in &pvcs {
            if p.shrink_refused {
                ch.notes.push(format!(
                    "PVC {}: {} is recommended but a PVC cannot shrink; it keeps {}",
                    p.name,
                    volumes::quantity(option.size_gib),
                    volumes::quantity(p.new_gib)
                ));
            }
        }
        if matches!(option.expansion, Expansion::Autoresize { .. }) {
            let class = &model.storage_classes[template.storage_class].name;
            match volumes::storage_class(folder, class).map_err(err)? {
                Some(file) => {
                    if !ch.classes.iter().any(|c| c.0 == *class) {
                        ch.classes.push((class.clone(), file));
                    }
                }
                None => ch.notes.push(format!(
                    "StorageClass {class} (used by {}) is not in the manifests: it needs allowVolumeExpansion: true and the annotation {}: \"true\"",
                    template.name,
                    volumes::ENABLED
                )),
            }
        }
        if let Expansion::Manual {
            increase,
            limit_gib,
            response_months,
            ..
        } = option.expansion
        {
            let class = &model.storage_classes[template.storage_class].name;
            ch.notes.push(format!(
                "{} expands by hand: when HeadroomVolumeLowFree{} fires (or a user reports it full), grow the PVC by {increase} up to {limit_gib} GiB with `kubectl patch pvc <name> -p '{{\"spec\":{{\"resources\":{{\"requests\":{{\"storage\":\"<new size>\"}}}}}}}}'`; the plan assumes it is done {}. StorageClass {class} needs allowVolumeExpansion: true.",
                template.name,
                alerts::camel(&template.name),
                match response_months {
                    0 => "within the month".to_string(),
                    1 => "within a month".to_string(),
                    n => format!("within {n} months"),
                }
            ));
        }
        ch.statefulsets.extend(sts);
        ch.pvcs.extend(pvcs);
    }
    Ok(())
}

/// Sets every cluster's ratios and writes the CephCluster after each order.
fn apply_ceph(
    model: &Model,
    rec: &Recommendation,
    folder: &mut Folder,
    ch: &mut Changes,
    outputs: &mut Vec<Output>,
) -> Result<(), ScenarioError> {
    for cluster in &model.ceph {
        let Some(at) = rook::find(folder, cluster) else {
            ch.notes.push(format!(
                "ceph.{}: no CephCluster named {} in the manifests (set `rook = \"<name>\"` where it is named otherwise)",
                cluster.name,
                cluster.rook.as_deref().unwrap_or(&cluster.name)
            ));
            continue;
        };
        let mut rc = rook::read(folder, at).map_err(err)?;
        if rook::set_ratios(&mut rc, cluster) {
            let value = yaml_serde::to_value(&rc).map_err(|e| {
                err(Problem {
                    file: folder.locate(at).0,
                    line: None,
                    key: String::new(),
                    message: format!("writing the CephCluster: {e}"),
                })
            })?;
            folder.set(at, value);
            ch.ratios
                .push((cluster.name.clone(), folder.files[at.file].name.clone()));
        }
        let orders = rec
            .ceph
            .iter()
            .find(|c| c.choice.cluster == cluster.name)
            .map_or(0, |c| c.orders.len());
        let Some(e) = &cluster.expansion else {
            continue;
        };
        for k in 1..=orders {
            match rook::after_expansions(&rc, e.add, k as u32) {
                Ok(after) => {
                    let name = format!("expansions/{}-order-{k}.yaml", cluster.name);
                    let text = yaml_serde::to_string(&after).unwrap_or_default();
                    outputs.push(Output::new(&name, text.into_bytes()));
                    ch.expansions.push((cluster.name.clone(), k, name));
                }
                Err(why) => {
                    ch.notes.push(format!(
                        "ceph.{}: devices of the orders: {why}",
                        cluster.name
                    ));
                    break;
                }
            }
        }
    }
    Ok(())
}

/// `a=b c=d`.
fn annotations_text(a: &std::collections::BTreeMap<String, String>) -> String {
    a.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `namespace=~"a|b"`-style: the namespaces of the changes.
fn namespaces(ch: &Changes) -> Vec<String> {
    let mut ns: Vec<String> = ch
        .statefulsets
        .iter()
        .map(|s| s.namespace.clone())
        .chain(ch.pvcs.iter().map(|p| p.namespace.clone()))
        .collect();
    ns.sort();
    ns.dedup();
    ns
}

/// The alert rules: the Ceph trigger of each cluster, and each template's free-space and limit
/// alerts.
fn rules(
    model: &Model,
    rec: &Recommendation,
    ch: &Changes,
    provenance: &str,
) -> Vec<alerts::Group> {
    let mut capacity = Vec::new();
    for c in &rec.ceph {
        if let Some(t) = c.trigger {
            let adds = c.orders.first().map_or(String::new(), |o| o.adds.clone());
            capacity.push(alerts::order_capacity(
                &c.choice.cluster,
                t,
                c.choice.lead_time_months,
                &adds,
                provenance,
            ));
        }
    }
    let mut vols = Vec::new();
    for (t, v) in rec.volumes.iter().enumerate() {
        let Some(i) = v.choice.chosen else { continue };
        let name = &model.volumes[t].name;
        let option = v.choice.options[i].option();
        let mut patterns: Vec<String> = ch
            .statefulsets
            .iter()
            .filter(|s| s.template == *name)
            .map(|s| format!("{}-{}-[0-9]+", s.template, s.statefulset))
            .collect();
        patterns.extend(
            ch.pvcs
                .iter()
                .filter(|p| p.name == *name || p.name.starts_with(&format!("{name}-")))
                .map(|p| p.name.clone()),
        );
        if patterns.is_empty() {
            continue;
        }
        let ns = namespaces(ch).join("|");
        let selector = alerts::pvc_selector(&ns, &patterns.join("|"));
        match option.expansion {
            Expansion::Autoresize {
                threshold,
                limit_gib,
                ..
            } => {
                let th = threshold.of(option.size_gib.max(1.0)) / option.size_gib.max(1.0);
                vols.push(alerts::free_space(name, &selector, th, true));
                vols.push(alerts::at_limit(
                    name,
                    &selector,
                    limit_gib * 1024f64.powi(3),
                    th,
                ));
            }
            // The operator's alert: the policy's threshold, or 10% where it acts only on full.
            Expansion::Manual { threshold, .. } => {
                let th = threshold.of(option.size_gib.max(1.0)) / option.size_gib.max(1.0);
                let th = if th > 0.0 { th } else { 0.10 };
                vols.push(alerts::free_space(name, &selector, th, false));
            }
            Expansion::None => vols.push(alerts::free_space(name, &selector, 0.10, false)),
        }
    }
    let mut groups = Vec::new();
    if !capacity.is_empty() {
        groups.push(alerts::Group {
            name: "headroom.ceph-capacity".into(),
            rules: capacity,
        });
    }
    if !vols.is_empty() {
        groups.push(alerts::Group {
            name: "headroom.volumes".into(),
            rules: vols,
        });
    }
    groups
}

/// `migrate.sh`: StorageClasses and PVCs first, then each StatefulSet deleted with its pods and
/// PVCs kept (`--cascade=orphan`), re-applied with the new templates, and its PVCs grown and
/// annotated one by one.
fn script(ch: &Changes, header: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "#!/bin/sh\n# {header}\n#\n# A StatefulSet's volumeClaimTemplates cannot change in place: the API forbids updates to\n# fields other than replicas, template, updateStrategy and a few more (KEP-661 never merged;\n# KEP-4650 had not merged by mid-2026). So each StatefulSet is deleted with its pods and PVCs\n# kept (--cascade=orphan), re-applied with the new template, and its existing PVCs are grown\n# and annotated one by one. Review before running; it stops at the first error.\nset -eu\nPLAN_DIR=$(cd \"$(dirname \"$0\")\" && pwd)\n"
    );
    let mut first: Vec<&str> = ch
        .classes
        .iter()
        .map(|c| c.1.as_str())
        .chain(
            ch.pvcs
                .iter()
                .filter(|p| p.changed)
                .map(|p| p.file.as_str()),
        )
        .chain(ch.ratios.iter().map(|r| r.1.as_str()))
        .collect();
    first.sort();
    first.dedup();
    let _ = writeln!(
        s,
        "# 1. StorageClasses, standalone PVCs, Ceph ratios, alert rules."
    );
    for f in first {
        let _ = writeln!(s, "kubectl apply -f \"$PLAN_DIR\"/{}", shell_quote(f));
    }
    let _ = writeln!(
        s,
        "kubectl apply -f \"$PLAN_DIR/prometheusrule-headroom.yaml\"\n"
    );
    let mut done = std::collections::BTreeSet::new();
    for (n, c) in ch.statefulsets.iter().filter(|c| c.changed).enumerate() {
        // Every name is a Kubernetes name (checked where the manifests are read) and quoted
        // all the same: a script must not run what a manifest's names say.
        let (ns, sts) = (shell_quote(&c.namespace), shell_quote(&c.statefulset));
        let _ = writeln!(
            s,
            "# {}. StatefulSet {sts} ({ns}): volumeClaimTemplate {} {} → {}.",
            n + 2,
            c.template,
            c.old_gib.map_or("unset".into(), volumes::quantity),
            volumes::quantity(c.new_gib)
        );
        if done.insert((ns.clone(), sts.clone())) {
            let _ = writeln!(
                s,
                "kubectl -n {ns} delete statefulset {sts} --cascade=orphan\nkubectl apply -f \"$PLAN_DIR\"/{}",
                shell_quote(&c.file)
            );
        }
        let grow = c.old_gib.is_none_or(|o| c.new_gib > o + 1e-9);
        let shrink = c.old_gib.is_some_and(|o| c.new_gib < o - 1e-9);
        let _ = writeln!(
            s,
            "for pvc in $(kubectl -n {ns} get pvc -o name | grep -E '^persistentvolumeclaim/{}-{}-[0-9]+$'); do",
            c.template.replace('.', "\\."),
            c.statefulset.replace('.', "\\.")
        );
        if grow {
            let _ = writeln!(
                s,
                "  kubectl -n {ns} patch \"$pvc\" --type merge -p '{{\"spec\":{{\"resources\":{{\"requests\":{{\"storage\":\"{}\"}}}}}}}}' || echo \"$pvc: kept its size (it may already be larger)\"",
                volumes::quantity(c.new_gib)
            );
        } else if shrink {
            let _ = writeln!(
                s,
                "  # {} is smaller than before: existing PVCs keep their size (a PVC cannot shrink); new replicas get the new size.",
                volumes::quantity(c.new_gib)
            );
        }
        if c.annotations.is_empty() {
            let _ = writeln!(
                s,
                "  kubectl -n {ns} annotate \"$pvc\" {}- {}- {}- 2>/dev/null || true",
                volumes::LIMIT,
                volumes::THRESHOLD,
                volumes::INCREASE
            );
        } else {
            let _ = writeln!(
                s,
                "  kubectl -n {ns} annotate \"$pvc\" --overwrite {}",
                c.annotations
                    .iter()
                    .map(|(k, v)| shell_quote(&format!("{k}={v}")))
                    .collect::<Vec<_>>()
                    .join(" ")
            );
        }
        let _ = writeln!(s, "done\n");
    }
    s
}

/// A month as the plan prints it: the calendar month where the scenario has a start.
fn month(model: &Model, m: Option<u32>) -> String {
    match (model.start, m) {
        (Some(s), Some(m)) => calendar(s, m),
        (None, Some(m)) => format!("month {m}"),
        (_, None) => "later than the horizon".into(),
    }
}

fn orders_section(out: &mut String, model: &Model, c: &ClusterRecommendation, ch: &Changes) {
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
        let _ = writeln!(
            out,
            "| {} | {} | **{}** | {} | {} | {:.0}% | {} {cur}/month{} | {manifest} |",
            o.order,
            o.adds,
            month(model, o.p10),
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
    out.push('\n');
}

fn now_section(out: &mut String, ch: &Changes, rec: &Recommendation) {
    let _ = writeln!(out, "## Now\n");
    let mut n = 1;
    for (class, file) in &ch.classes {
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
    for (cluster, file) in &ch.ratios {
        let _ = writeln!(
            out,
            "{n}. CephCluster **{cluster}** (`{file}`): `spec.storage` ratios set to the scenario's."
        );
        n += 1;
    }
    if rec.ceph.iter().any(|c| c.trigger.is_some()) || !rec.volumes.is_empty() {
        let _ = writeln!(
            out,
            "{n}. `prometheusrule-headroom.yaml`: the triggers as alerts (prometheus-operator)."
        );
    }
    out.push('\n');
}

fn markdown(model: &Model, rec: &Recommendation, ch: &Changes, header: &str) -> String {
    let mut out = String::new();
    let h = rec.provenance.horizon_months;
    let _ = writeln!(out, "# Plan: {}\n\n*{header}*\n", rec.scenario);
    now_section(&mut out, ch, rec);
    if !rec.ceph.is_empty() {
        let _ = writeln!(out, "## Orders\n");
        for c in &rec.ceph {
            orders_section(&mut out, model, c, ch);
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

/// Builds the plan for `model` from its recommendation and the manifests in `folder`.
pub fn build(
    model: &Model,
    scenario_file: &str,
    rec: &Recommendation,
    mut folder: Folder,
) -> Result<Plan, ScenarioError> {
    let header = format!(
        "headroom plan {scenario_file} — {} trials per option, seed {}, headroom {}",
        rec.provenance.trials, rec.provenance.seed, rec.version
    );
    let mut ch = Changes::default();
    let mut outputs = Vec::new();
    apply_volumes(model, rec, &mut folder, &mut ch)?;
    apply_ceph(model, rec, &mut folder, &mut ch, &mut outputs)?;
    let rendered = folder.render().map_err(|e| {
        err(Problem {
            file: folder.path.clone(),
            line: None,
            key: String::new(),
            message: format!("writing the manifests: {e}"),
        })
    })?;
    for (name, text) in rendered {
        outputs.push(Output::new(name, text.into_bytes()));
    }
    let namespace = ch
        .statefulsets
        .first()
        .map(|s| s.namespace.clone())
        .or_else(|| ch.pvcs.first().map(|p| p.namespace.clone()))
        .unwrap_or_else(|| "monitoring".into());
    let provenance = format!(
        "headroom recommend, {} trials, seed {}",
        rec.provenance.trials, rec.provenance.seed
    );
    let rule = alerts::PrometheusRule::new(
        "headroom-capacity",
        &namespace,
        rules(model, rec, &ch, &provenance),
    );
    outputs.push(Output::new(
        "prometheusrule-headroom.yaml",
        yaml_serde::to_string(&rule)
            .unwrap_or_default()
            .into_bytes(),
    ));
    outputs.push(Output::new("migrate.sh", script(&ch, &header).into_bytes()));
    outputs.push(Output::new(
        "plan.md",
        markdown(model, rec, &ch, &header).into_bytes(),
    ));
    Ok(Plan {
        outputs,
        notes: ch.notes,
    })
}
