//! Volume templates into manifests: StatefulSet `volumeClaimTemplates` sizes and
//! pvc-autoresizer annotations, standalone PVCs, and StorageClasses that allow expansion.
//!
//! pvc-autoresizer (topolvm/pvc-autoresizer, `constants.go`): a StorageClass opts in with the
//! annotation `resize.topolvm.io/enabled: "true"` and needs `allowVolumeExpansion: true`; a PVC
//! sets `resize.topolvm.io/storage_limit` (required), `threshold` and `increase`. A StatefulSet
//! passes its template's annotations to the PVCs it creates; existing PVCs are annotated by the
//! migration script.

use super::manifests::{Folder, Place, field};
use crate::decide::tiers::TierOption;
use crate::model::Expansion;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use std::collections::BTreeMap;

/// The annotation that opts a StorageClass in.
pub const ENABLED: &str = "resize.topolvm.io/enabled";
/// The PVC annotations of a policy.
pub const LIMIT: &str = "resize.topolvm.io/storage_limit";
/// Free space below which a PVC grows.
pub const THRESHOLD: &str = "resize.topolvm.io/threshold";
/// How much it grows by.
pub const INCREASE: &str = "resize.topolvm.io/increase";

/// A size as a Kubernetes quantity: whole GiB as `10Gi`, else MiB rounded up.
pub fn quantity(gib: f64) -> String {
    if (gib - gib.round()).abs() < 1e-9 {
        format!("{}Gi", gib.round() as i64)
    } else {
        format!("{}Mi", (gib * 1024.0).ceil() as i64)
    }
}

/// The pvc-autoresizer annotations of an option (empty without an autoresizer).
pub fn annotations(option: &TierOption) -> BTreeMap<String, String> {
    match option.expansion {
        Expansion::None | Expansion::Manual { .. } => BTreeMap::new(),
        Expansion::Autoresize {
            threshold,
            increase,
            limit_gib,
        } => BTreeMap::from([
            (LIMIT.to_string(), quantity(limit_gib)),
            (THRESHOLD.to_string(), threshold.to_string()),
            (INCREASE.to_string(), increase.to_string()),
        ]),
    }
}

/// Sets a policy's annotations, and removes a previous policy's where there is none now.
fn annotate(target: &mut Option<BTreeMap<String, String>>, option: &TierOption) {
    let map = target.get_or_insert_with(BTreeMap::new);
    for k in [LIMIT, THRESHOLD, INCREASE] {
        map.remove(k);
    }
    map.extend(annotations(option));
    if map.is_empty() {
        *target = None;
    }
}

/// Whether annotations name a pvc-autoresizer limit (without one it leaves the claim alone).
fn has_limit(annotations: &Option<BTreeMap<String, String>>) -> bool {
    annotations
        .as_ref()
        .is_some_and(|a| a.get(LIMIT).is_some_and(|v| !v.is_empty()))
}

/// What changed in one StatefulSet's volume claim template, for the migration script.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateChange {
    /// The manifest file it is in.
    pub file: String,
    /// Where in the folder.
    pub place: Place,
    /// StatefulSet name.
    pub statefulset: String,
    /// Its namespace.
    pub namespace: String,
    /// `volumeClaimTemplates[].metadata.name`.
    pub template: String,
    /// Size before, GiB (None when the template had none).
    pub old_gib: Option<f64>,
    /// Whether the manifest had a pvc-autoresizer limit before the plan.
    pub had_autoresize: bool,
    /// Size now, GiB.
    pub new_gib: f64,
    /// Replicas in the manifest.
    pub replicas: i32,
    /// The pvc-autoresizer annotations now.
    pub annotations: BTreeMap<String, String>,
    /// Its storage class, if named.
    pub storage_class: Option<String>,
    /// Whether the manifest changed (else it already was as recommended).
    pub changed: bool,
}

/// What changed in a standalone PVC.
#[derive(Debug, Clone, PartialEq)]
pub struct PvcChange {
    /// The manifest file it is in.
    pub file: String,
    /// Where in the folder.
    pub place: Place,
    /// PVC name.
    pub name: String,
    /// Namespace.
    pub namespace: String,
    /// Size before, GiB.
    pub old_gib: Option<f64>,
    /// Whether the manifest had a pvc-autoresizer limit before the plan.
    pub had_autoresize: bool,
    /// Size now, GiB (unchanged where the recommendation is smaller: PVCs cannot shrink).
    pub new_gib: f64,
    /// Whether a smaller size was recommended and refused.
    pub shrink_refused: bool,
    /// The pvc-autoresizer annotations now.
    pub annotations: BTreeMap<String, String>,
    /// Whether the manifest changed.
    pub changed: bool,
}

fn storage_of(q: Option<&Quantity>) -> Option<f64> {
    q.and_then(|q| crate::quantity::parse_gib(&q.0).ok())
}

fn problem(folder: &Folder, at: Place, message: String) -> crate::scenario::Problem {
    let (file, line) = folder.locate(at);
    crate::scenario::Problem {
        file,
        line: Some(line),
        key: String::new(),
        message,
    }
}

/// Refuses an object whose names Kubernetes would refuse: they are pasted into `migrate.sh`.
fn kubernetes_names(
    folder: &Folder,
    at: Place,
    names: &[(&str, &str)],
) -> Result<(), crate::scenario::Problem> {
    for (key, name) in names {
        if let Some(message) = crate::names::kubernetes_problem(name) {
            return Err(problem(folder, at, format!("{key}: {message}")));
        }
    }
    Ok(())
}

/// Applies an option to every StatefulSet that has a volume claim template `name` (only the
/// StatefulSet `only`, where given). Returns what changed.
pub fn statefulsets(
    folder: &mut Folder,
    name: &str,
    only: Option<&str>,
    option: &TierOption,
) -> Result<Vec<TemplateChange>, crate::scenario::Problem> {
    let mut out = Vec::new();
    for at in folder.objects("StatefulSet") {
        let value = folder.get(at).clone();
        let sts_name = field(&value, &["metadata", "name"])
            .unwrap_or_default()
            .to_string();
        if only.is_some_and(|o| o != sts_name) {
            continue;
        }
        let mut sts: StatefulSet = yaml_serde::from_value(value)
            .map_err(|e| problem(folder, at, format!("not a valid StatefulSet: {e}")))?;
        let before = sts.clone();
        let namespace = sts
            .metadata
            .namespace
            .clone()
            .unwrap_or_else(|| "default".into());
        kubernetes_names(
            folder,
            at,
            &[
                ("metadata.name", &sts_name),
                ("metadata.namespace", &namespace),
            ],
        )?;
        let Some(spec) = sts.spec.as_mut() else {
            continue;
        };
        let replicas = spec.replicas.unwrap_or(1);
        let Some(templates) = spec.volume_claim_templates.as_mut() else {
            continue;
        };
        let Some(tpl) = templates
            .iter_mut()
            .find(|t| t.metadata.name.as_deref() == Some(name))
        else {
            continue;
        };
        let pvc_spec = tpl.spec.get_or_insert_with(Default::default);
        let resources = pvc_spec.resources.get_or_insert_with(Default::default);
        let requests = resources.requests.get_or_insert_with(BTreeMap::new);
        let old_gib = storage_of(requests.get("storage"));
        requests.insert("storage".into(), Quantity(quantity(option.size_gib)));
        let storage_class = pvc_spec.storage_class_name.clone();
        let had_autoresize = has_limit(&tpl.metadata.annotations);
        annotate(&mut tpl.metadata.annotations, option);
        let changed = sts != before;
        out.push(TemplateChange {
            file: folder.files[at.file].name.clone(),
            place: at,
            statefulset: sts_name,
            namespace,
            template: name.to_string(),
            old_gib,
            had_autoresize,
            new_gib: option.size_gib,
            replicas,
            annotations: annotations(option),
            storage_class,
            changed,
        });
        if changed {
            let value = yaml_serde::to_value(&sts)
                .map_err(|e| problem(folder, at, format!("writing the StatefulSet: {e}")))?;
            folder.set(at, value);
        }
    }
    Ok(out)
}

/// Applies an option to standalone PVCs named `name` or `name-N` (a template of several).
pub fn pvcs(
    folder: &mut Folder,
    name: &str,
    option: &TierOption,
) -> Result<Vec<PvcChange>, crate::scenario::Problem> {
    let mut out = Vec::new();
    for at in folder.objects("PersistentVolumeClaim") {
        let value = folder.get(at).clone();
        let pvc_name = field(&value, &["metadata", "name"])
            .unwrap_or_default()
            .to_string();
        let numbered = pvc_name
            .strip_prefix(name)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
        if pvc_name != name && !numbered {
            continue;
        }
        let mut pvc: PersistentVolumeClaim = yaml_serde::from_value(value).map_err(|e| {
            problem(
                folder,
                at,
                format!("not a valid PersistentVolumeClaim: {e}"),
            )
        })?;
        let before = pvc.clone();
        let namespace = pvc
            .metadata
            .namespace
            .clone()
            .unwrap_or_else(|| "default".into());
        kubernetes_names(
            folder,
            at,
            &[
                ("metadata.name", &pvc_name),
                ("metadata.namespace", &namespace),
            ],
        )?;
        let spec = pvc.spec.get_or_insert_with(Default::default);
        let resources = spec.resources.get_or_insert_with(Default::default);
        let requests = resources.requests.get_or_insert_with(BTreeMap::new);
        let old_gib = storage_of(requests.get("storage"));
        let shrink_refused = old_gib.is_some_and(|o| option.size_gib < o - 1e-9);
        let new_gib = if shrink_refused {
            old_gib.unwrap_or(option.size_gib)
        } else {
            option.size_gib
        };
        requests.insert("storage".into(), Quantity(quantity(new_gib)));
        let had_autoresize = has_limit(&pvc.metadata.annotations);
        annotate(&mut pvc.metadata.annotations, option);
        let changed = pvc != before;
        out.push(PvcChange {
            file: folder.files[at.file].name.clone(),
            place: at,
            name: pvc_name,
            namespace,
            old_gib,
            had_autoresize,
            new_gib,
            shrink_refused,
            annotations: annotations(option),
            changed,
        });
        if changed {
            let value = yaml_serde::to_value(&pvc)
                .map_err(|e| problem(folder, at, format!("writing the PVC: {e}")))?;
            folder.set(at, value);
        }
    }
    Ok(out)
}

/// Lets a StorageClass expand volumes and opts it in to pvc-autoresizer. Returns where it is,
/// or None when the folder has no such StorageClass.
pub fn storage_class(
    folder: &mut Folder,
    name: &str,
) -> Result<Option<Place>, crate::scenario::Problem> {
    let Some(at) = folder.named("StorageClass", name) else {
        return Ok(None);
    };
    let file = at;
    let mut sc: StorageClass = yaml_serde::from_value(folder.get(at).clone())
        .map_err(|e| problem(folder, at, format!("not a valid StorageClass: {e}")))?;
    let already = sc.allow_volume_expansion == Some(true)
        && sc
            .metadata
            .annotations
            .as_ref()
            .is_some_and(|a| a.get(ENABLED).map(String::as_str) == Some("true"));
    if already {
        return Ok(Some(file));
    }
    sc.allow_volume_expansion = Some(true);
    sc.metadata
        .annotations
        .get_or_insert_with(BTreeMap::new)
        .insert(ENABLED.into(), "true".into());
    let value = yaml_serde::to_value(&sc)
        .map_err(|e| problem(folder, at, format!("writing the StorageClass: {e}")))?;
    folder.set(at, value);
    Ok(Some(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(quantity(10.0), "10Gi");
        assert_eq!(quantity(0.5), "512Mi");
    }
}
