//! A `PrometheusRule` (monitoring.coreos.com/v1, prometheus-operator) whose alerts are the
//! simulated triggers, in the style of kubernetes-mixin (`KubePersistentVolumeFillingUp`:
//! kubelet volume stats, `for`, `severity`) and the Ceph mixin (`ceph_osd_stat_bytes_used /
//! ceph_osd_stat_bytes` per OSD).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One alerting rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// Alert name.
    pub alert: String,
    /// PromQL expression.
    pub expr: String,
    /// How long it must hold.
    #[serde(rename = "for")]
    pub for_: String,
    /// `severity`.
    pub labels: BTreeMap<String, String>,
    /// `summary`, `description`.
    pub annotations: BTreeMap<String, String>,
}

/// A rule group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    /// Group name.
    pub name: String,
    /// Its rules.
    pub rules: Vec<Rule>,
}

/// `spec`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSpec {
    /// Rule groups (what `promtool check rules` reads).
    pub groups: Vec<Group>,
}

/// A `PrometheusRule`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrometheusRule {
    /// `monitoring.coreos.com/v1`.
    pub api_version: String,
    /// `PrometheusRule`.
    pub kind: String,
    /// Name, namespace, labels.
    pub metadata: ObjectMeta,
    /// The rules.
    pub spec: RuleSpec,
}

impl PrometheusRule {
    /// A rule set named `name` in `namespace`.
    pub fn new(name: &str, namespace: &str, groups: Vec<Group>) -> PrometheusRule {
        PrometheusRule {
            api_version: "monitoring.coreos.com/v1".into(),
            kind: "PrometheusRule".into(),
            metadata: ObjectMeta {
                name: Some(name.into()),
                namespace: Some(namespace.into()),
                labels: Some(BTreeMap::from([
                    ("app.kubernetes.io/name".into(), "headroom".into()),
                    ("role".into(), "alert-rules".into()),
                ])),
                ..Default::default()
            },
            spec: RuleSpec { groups },
        }
    }
}

fn rule(
    alert: &str,
    expr: String,
    for_: &str,
    severity: &str,
    summary: String,
    description: String,
) -> Rule {
    Rule {
        alert: alert.into(),
        expr,
        for_: for_.into(),
        labels: BTreeMap::from([("severity".into(), severity.into())]),
        annotations: BTreeMap::from([
            ("summary".into(), summary),
            ("description".into(), description),
        ]),
    }
}

/// "Order Ceph capacity": the fullest OSD has reached the recommended trigger.
pub fn order_capacity(
    cluster: &str,
    trigger: f64,
    lead_time_months: u32,
    adds: &str,
    provenance: &str,
) -> Rule {
    rule(
        "HeadroomCephOrderCapacity",
        format!("max(ceph_osd_stat_bytes_used / ceph_osd_stat_bytes) >= {trigger}"),
        "1h",
        "warning",
        format!("Order capacity for Ceph cluster {cluster} now."),
        format!(
            "The fullest OSD is at {{{{ $value | humanizePercentage }}}}, at or above the trigger of {:.0}%. An order ({adds}) takes {lead_time_months} month(s) to land; ordering at this fill keeps the chance of passing nearfull, and of a failure stalling recovery at backfillfull, within the targets ({provenance}).",
            trigger * 100.0
        ),
    )
}

/// The PVC selector of a template (StatefulSet PVCs are `<template>-<statefulset>-<ordinal>`);
/// both arguments are regular expressions.
pub fn pvc_selector(namespaces: &str, pattern: &str) -> String {
    format!(r#"namespace=~"{namespaces}", persistentvolumeclaim=~"{pattern}""#)
}

/// "Free space under the tier's threshold": the autoresizer should be growing the volume (or,
/// without one, it is about to fill).
pub fn free_space(name: &str, selector: &str, threshold: f64, autoresize: bool) -> Rule {
    let expr = format!(
        "(kubelet_volume_stats_available_bytes{{{selector}}} / kubelet_volume_stats_capacity_bytes{{{selector}}}) < {threshold}"
    );
    let (severity, description) = if autoresize {
        (
            "warning",
            format!(
                "PVC {{{{ $labels.persistentvolumeclaim }}}} of {name} has {{{{ $value | humanizePercentage }}}} free, under pvc-autoresizer's threshold: it should have grown. Check the autoresizer's logs and pvcautoresizer_failed_resize_total."
            ),
        )
    } else {
        (
            "critical",
            format!(
                "PVC {{{{ $labels.persistentvolumeclaim }}}} of {name} has {{{{ $value | humanizePercentage }}}} free and no autoresizer: expand it before it fills."
            ),
        )
    };
    rule(
        &format!("HeadroomVolumeLowFree{}", camel(name)),
        expr,
        "15m",
        severity,
        format!("A {name} volume is running out of space."),
        description,
    )
}

/// "At the autoresize limit": the volume cannot grow any more.
pub fn at_limit(name: &str, selector: &str, limit_bytes: f64, threshold: f64) -> Rule {
    rule(
        &format!("HeadroomVolumeAtLimit{}", camel(name)),
        format!(
            "kubelet_volume_stats_capacity_bytes{{{selector}}} >= {limit_bytes} and (kubelet_volume_stats_available_bytes{{{selector}}} / kubelet_volume_stats_capacity_bytes{{{selector}}}) < {threshold}"
        ),
        "15m",
        "critical",
        format!("A {name} volume is at its storage_limit and filling."),
        format!(
            "PVC {{{{ $labels.persistentvolumeclaim }}}} of {name} has reached resize.topolvm.io/storage_limit: pvc-autoresizer will not grow it again. Raise the limit or move the data."
        ),
    )
}

/// `workspace-data` → `WorkspaceData`.
pub fn camel(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn alert_names_are_camel_case() {
        assert_eq!(super::camel("theia-config"), "TheiaConfig");
    }
}
