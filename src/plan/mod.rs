//! `plan`: the recommendations written into the cluster's manifests (DESIGN §7).
//!
//! From a scenario, its [`Recommendation`] and a folder of manifests, [`build`] writes: every
//! manifest file back (documents it does not touch exactly as read), with StatefulSet
//! `volumeClaimTemplates` sizes, pvc-autoresizer annotations, StorageClasses that allow
//! expansion and the CephCluster's ratios; `expansions/<cluster>-order-<k>.yaml`, the
//! CephCluster after the k-th order; `prometheusrule-headroom.yaml`, the simulated triggers as
//! alerts (also as a plain rule file with a `promtool test rules` case for each alert, see
//! [`rule_tests`]); `migrate.sh`, the procedure for what the API will not change in place; and
//! `plan.md`, the dated steps. Matching: a volume template's name is a `volumeClaimTemplates`
//! entry's name (or a standalone PVC's), a storage class key is a StorageClass name, a Ceph
//! cluster key (or its `rook = "…"`) a CephCluster name. What the scenario names and the folder
//! lacks is reported, never invented. Nothing here touches the file system.

pub mod alerts;
pub mod manifests;
pub mod migrate;
pub mod rook;
pub mod rule_tests;
mod runbook;
pub mod volumes;

use crate::decide::Recommendation;
use crate::model::{Expansion, Model};
use crate::report::Output;
use crate::report::format::pct;
use crate::scenario::{Problem, ScenarioError};
use manifests::Folder;
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
    /// (StorageClass, file, place) made expandable.
    classes: Vec<(String, String, manifests::Place)>,
    /// (cluster, file, place) whose ratios were set.
    ratios: Vec<(String, String, manifests::Place)>,
    /// (cluster, order, file) of each expansion manifest.
    expansions: Vec<(String, usize, String)>,
    /// Every template's claims the alerts watch, changed or not.
    watched: Vec<Watched>,
    notes: Vec<String>,
}

/// A template's claims as the alerts select them, with the setting they are judged against
/// (the recommended one, or today's where nothing is feasible) and how risky it is.
#[derive(Debug)]
struct Watched {
    template: usize,
    option: crate::decide::tiers::TierOption,
    /// (namespace, regular expression of the claim names, one claim's name).
    claims: Vec<(String, String, String)>,
    /// Whether an option met the targets.
    feasible: bool,
    /// The chance one of its volumes fills within the horizon.
    p_full: f64,
}

impl Watched {
    fn of(
        template: usize,
        option: &crate::decide::tiers::OptionResult,
        feasible: bool,
        (sts, pvcs): (&[TemplateChange], &[PvcChange]),
    ) -> Watched {
        let mut claims: Vec<(String, String, String)> = sts
            .iter()
            .map(|s| {
                (
                    s.namespace.clone(),
                    format!("{}-{}-[0-9]+", s.template, s.statefulset),
                    format!("{}-{}-0", s.template, s.statefulset),
                )
            })
            .collect();
        claims.extend(
            pvcs.iter()
                .map(|p| (p.namespace.clone(), p.name.clone(), p.name.clone())),
        );
        Watched {
            template,
            option: option.option(),
            claims,
            feasible,
            p_full: option.p_volume_full,
        }
    }
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
            watch_today(model, t, &v.choice, folder, ch)?;
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
                Some(at) => {
                    if !ch.classes.iter().any(|c| c.0 == *class) {
                        let file = folder.files[at.file].name.clone();
                        ch.classes.push((class.clone(), file, at));
                    }
                }
                None => ch.notes.push(format!(
                    "StorageClass {class} (used by {}) is not in the manifests: it needs allowVolumeExpansion: true and the annotation {}: \"true\"",
                    template.name,
                    volumes::ENABLED
                )),
            }
        }
        if let Some(note) = by_hand(model, t, &option) {
            ch.notes.push(note);
        }
        ch.notes.extend(disagreements(model, t, &sts, &pvcs));
        ch.watched
            .push(Watched::of(t, &v.choice.options[i], true, (&sts, &pvcs)));
        ch.statefulsets.extend(sts);
        ch.pvcs.extend(pvcs);
    }
    Ok(())
}

/// A template where no option meets the targets: its manifests stay as they are, and its
/// alerts watch today's setting on today's claims (found on a copy: nothing is written).
fn watch_today(
    model: &Model,
    t: usize,
    choice: &crate::decide::tiers::TemplateChoice,
    folder: &Folder,
    ch: &mut Changes,
) -> Result<(), ScenarioError> {
    let template = &model.volumes[t];
    ch.notes.push(format!(
        "volume {}: no option meets the targets; its manifests are left as they are, and its alerts watch today's setting",
        template.name
    ));
    if let Some(today) = choice.options.iter().find(|o| o.current) {
        let mut scratch = folder.clone();
        let only = template.statefulset.as_deref();
        let sts = volumes::statefulsets(&mut scratch, &template.name, only, &today.option())
            .map_err(err)?;
        let pvcs = volumes::pvcs(&mut scratch, &template.name, &today.option()).map_err(err)?;
        ch.watched.push(Watched::of(t, today, false, (&sts, &pvcs)));
    }
    Ok(())
}

/// Where the scenario and the manifests disagree on today's autoresizer: today's figures (the
/// option marked "now") are simulated with the scenario's, which the cluster may not have.
fn disagreements(
    model: &Model,
    t: usize,
    sts: &[TemplateChange],
    pvcs: &[PvcChange],
) -> Vec<String> {
    let template = &model.volumes[t];
    let modelled = matches!(template.expansion, Expansion::Autoresize { .. });
    let claims = sts
        .iter()
        .map(|c| (format!("StatefulSet {}", c.statefulset), c.had_autoresize))
        .chain(
            pvcs.iter()
                .map(|p| (format!("PVC {}", p.name), p.had_autoresize)),
        );
    claims
        .filter(|(_, had)| *had != modelled)
        .map(|(what, had)| {
            format!(
                "volume {}: the scenario models today's setting {} pvc-autoresizer, but {what} in the manifests has {}: the figures for today's setting assume the scenario's; check which is true before comparing with it",
                template.name,
                if modelled { "with" } else { "without" },
                if had {
                    "its annotations"
                } else {
                    "no resize.topolvm.io/storage_limit"
                }
            )
        })
        .collect()
}

/// What an operator does for a template expanded by hand, if it is.
fn by_hand(model: &Model, t: usize, option: &crate::decide::tiers::TierOption) -> Option<String> {
    let Expansion::Manual {
        increase,
        limit_gib,
        response_months,
        ..
    } = option.expansion
    else {
        return None;
    };
    let template = &model.volumes[t];
    let class = &model.storage_classes[template.storage_class].name;
    Some(format!(
        "{} expands by hand: when HeadroomVolumeLowFree{} fires (or a user reports it full), grow the PVC by {increase} up to {limit_gib} GiB with `kubectl patch pvc <name> -p '{{\"spec\":{{\"resources\":{{\"requests\":{{\"storage\":\"<new size>\"}}}}}}}}'`; the plan assumes it is done {}. StorageClass {class} needs allowVolumeExpansion: true.",
        template.name,
        alerts::camel(&template.name),
        match response_months {
            0 => "within the month".to_string(),
            1 => "within a month".to_string(),
            n => format!("within {n} months"),
        }
    ))
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
                .push((cluster.name.clone(), folder.files[at.file].name.clone(), at));
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

/// The alerts: the order trigger of every Ceph cluster, and the free-space and limit alerts of
/// every template the manifests hold, the riskiest first (a cluster or template where nothing
/// meets the targets before the rest: it gets the lowest trigger tried, or today's setting).
fn rules(
    model: &Model,
    rec: &Recommendation,
    ch: &mut Changes,
    provenance: &str,
) -> Vec<(String, Vec<alerts::Alert>)> {
    let mut capacity = Vec::new();
    let several = rec.ceph.len() > 1;
    for c in &rec.ceph {
        let lowest = c
            .choice
            .options
            .iter()
            .map(|o| o.trigger)
            .min_by(f64::total_cmp);
        let (trigger, how) = match (c.trigger, lowest) {
            (Some(t), _) => (t, provenance.to_string()),
            (None, Some(t)) => {
                ch.notes.push(format!(
                    "ceph.{}: no trigger meets the targets; HeadroomCephOrderCapacity fires at the lowest tried, {}: order as soon as it fires",
                    c.choice.cluster,
                    pct(t)
                ));
                (
                    t,
                    format!(
                        "no trigger meets the targets; this is the lowest tried — {provenance}"
                    ),
                )
            }
            (None, None) => continue,
        };
        let adds = c.orders.first().map_or(String::new(), |o| o.adds.clone());
        capacity.push((
            c.trigger.is_some(),
            alerts::order_capacity(
                &c.choice.cluster,
                several.then_some(c.choice.cluster.as_str()),
                trigger,
                c.choice.lead_time_months,
                &adds,
                &how,
            ),
        ));
    }
    capacity.sort_by_key(|(feasible, _)| *feasible);
    let mut watched: Vec<&Watched> = ch.watched.iter().filter(|w| !w.claims.is_empty()).collect();
    watched.sort_by(|a, b| {
        a.feasible
            .cmp(&b.feasible)
            .then(b.p_full.total_cmp(&a.p_full))
    });
    let mut vols = Vec::new();
    for w in watched {
        vols.extend(volume_alerts(&model.volumes[w.template].name, w));
    }
    let mut groups = Vec::new();
    if !capacity.is_empty() {
        groups.push((
            "headroom.ceph-capacity".to_string(),
            capacity.into_iter().map(|(_, a)| a).collect(),
        ));
    }
    if !vols.is_empty() {
        groups.push(("headroom.volumes".to_string(), vols));
    }
    groups
}

/// A template's alerts: free space under its threshold, and with autoresize the limit.
fn volume_alerts(name: &str, w: &Watched) -> Vec<alerts::Alert> {
    let mut namespaces: Vec<&str> = w.claims.iter().map(|c| c.0.as_str()).collect();
    namespaces.sort_unstable();
    namespaces.dedup();
    let patterns: Vec<&str> = w.claims.iter().map(|c| c.1.as_str()).collect();
    let selector = alerts::pvc_selector(&namespaces.join("|"), &patterns.join("|"));
    let claim = alerts::Claim {
        namespace: w.claims[0].0.clone(),
        name: w.claims[0].2.clone(),
    };
    let size = w.option.size_gib.max(1.0);
    let example = (claim.clone(), size * GIB);
    match w.option.expansion {
        Expansion::Autoresize {
            threshold,
            limit_gib,
            ..
        } => {
            let th = threshold.of(size) / size;
            vec![
                alerts::free_space(name, &selector, example, th, true),
                alerts::at_limit(name, &selector, claim, limit_gib * GIB, th),
            ]
        }
        // The operator's alert: the policy's threshold, or 10% where it acts only on full.
        Expansion::Manual { threshold, .. } => {
            let th = threshold.of(size) / size;
            let th = if th > 0.0 { th } else { 0.10 };
            vec![alerts::free_space(name, &selector, example, th, false)]
        }
        Expansion::None => vec![alerts::free_space(name, &selector, example, 0.10, false)],
    }
}

/// Bytes in a GiB.
const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// What the user chose for the plan's files.
#[derive(Debug, Clone, Copy, Default)]
pub struct Settings<'a> {
    /// Labels of the PrometheusRule (`--rule-labels`).
    pub rule_labels: &'a [(String, String)],
    /// The kubectl context `migrate.sh` is for (`--kube-context`), if named.
    pub kube_context: Option<&'a str>,
    /// The month the plan is made in (year, month): an order-by date before it is overdue.
    pub today: Option<(i32, u32)>,
}

/// Builds the plan for `model` from its recommendation and the manifests in `folder`.
pub fn build(
    model: &Model,
    scenario_file: &str,
    rec: &Recommendation,
    mut folder: Folder,
    settings: Settings<'_>,
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
    let groups = rules(model, rec, &mut ch, &provenance);
    outputs.extend(rule_tests::outputs(
        &groups,
        &namespace,
        settings.rule_labels,
        &header,
    ));
    outputs.extend(migrate::outputs(
        &folder,
        &ch,
        &header,
        settings.kube_context,
    ));
    outputs.push(Output::new(
        "plan.md",
        runbook::markdown(model, rec, &ch, &header, settings).into_bytes(),
    ));
    Ok(Plan {
        outputs,
        notes: ch.notes,
    })
}
