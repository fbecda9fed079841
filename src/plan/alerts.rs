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

/// A claim the alert watches, named as the kubelet and kube-state-metrics label it: the
/// example each promtool case is written for.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    /// `namespace`.
    pub namespace: String,
    /// `persistentvolumeclaim`.
    pub name: String,
}

/// What an alert watches, with the numbers a promtool case needs to show it fires at the
/// simulated threshold and not before.
#[derive(Debug, Clone, PartialEq)]
pub enum Watch {
    /// The fullest OSD of a cluster at or past its order trigger.
    CephOrder {
        /// The `cluster` label the rule selects (several clusters), if any.
        cluster_label: Option<String>,
        /// The trigger, a fraction of an OSD.
        trigger: f64,
    },
    /// A template's claims with less free space than the threshold (a fraction of the
    /// filesystem the kubelet reports).
    LowFree {
        /// An example claim.
        claim: Claim,
        /// The threshold.
        threshold: f64,
        /// The volume's size, bytes (its filesystem is a little smaller).
        size_bytes: f64,
    },
    /// A template's claims requested at the autoresize limit, under the threshold.
    AtLimit {
        /// An example claim.
        claim: Claim,
        /// The limit, bytes.
        limit_bytes: f64,
        /// The threshold.
        threshold: f64,
    },
}

/// An alerting rule and what it watches.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// The rule.
    pub rule: Rule,
    /// What it watches.
    pub watch: Watch,
}

/// The OSD utilisation the Ceph rules read: the mgr's `prometheus` module exports each OSD's
/// `stat_bytes` and `stat_bytes_used` (labelled `ceph_daemon`), the same statfs figures as
/// `ceph osd df`'s `kb` and `kb_used`.
fn osd_utilisation(selector: &str) -> String {
    let s = if selector.is_empty() {
        String::new()
    } else {
        format!("{{{selector}}}")
    };
    format!("ceph_osd_stat_bytes_used{s} / ceph_osd_stat_bytes{s}")
}

/// "Order Ceph capacity": the fullest OSD has reached the recommended trigger. Grouped `by
/// (cluster)`, so that a Prometheus scraping several clusters (each scrape labelled
/// `cluster`, as the Ceph mixin expects) raises one alert per cluster; with several clusters
/// in the scenario each rule selects its own by that label.
pub fn order_capacity(
    cluster: &str,
    cluster_label: Option<&str>,
    trigger: f64,
    lead_time_months: u32,
    adds: &str,
    provenance: &str,
) -> Alert {
    let selector = cluster_label.map_or(String::new(), |c| format!("cluster=\"{c}\""));
    Alert {
        rule: rule(
            "HeadroomCephOrderCapacity",
            format!(
                "max by (cluster) ({}) >= {trigger}",
                osd_utilisation(&selector)
            ),
            "1h",
            "warning",
            format!("Order capacity for Ceph cluster {cluster} now."),
            format!(
                "The fullest OSD is at {{{{ $value | humanizePercentage }}}}, at or above the trigger of {}. An order ({adds}) takes {lead_time_months} month(s) to land; ordering at this fill keeps the chance of passing nearfull, and of a failure stalling recovery at backfillfull, within the targets ({provenance}).",
                go_percentage(trigger)
            ),
        ),
        watch: Watch::CephOrder {
            cluster_label: cluster_label.map(str::to_string),
            trigger,
        },
    }
}

/// The PVC selector of a template (StatefulSet PVCs are `<template>-<statefulset>-<ordinal>`);
/// both arguments are regular expressions.
pub fn pvc_selector(namespaces: &str, pattern: &str) -> String {
    format!(r#"namespace=~"{namespaces}", persistentvolumeclaim=~"{pattern}""#)
}

/// The share of a claim's filesystem that is free, as the kubelet reports it (the filesystem
/// is smaller than the volume: ext4 on 50 GiB reports 48.9 GiB), which is what pvc-autoresizer
/// compares with its threshold.
fn free_share(selector: &str) -> String {
    format!(
        "kubelet_volume_stats_available_bytes{{{selector}}} / kubelet_volume_stats_capacity_bytes{{{selector}}}"
    )
}

/// "Free space under the tier's threshold": the autoresizer should be growing the volume (or,
/// without one, it is about to fill).
pub fn free_space(
    name: &str,
    selector: &str,
    (claim, size_bytes): (Claim, f64),
    threshold: f64,
    autoresize: bool,
) -> Alert {
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
    Alert {
        rule: rule(
            &format!("HeadroomVolumeLowFree{}", camel(name)),
            format!("({}) < {threshold}", free_share(selector)),
            "15m",
            severity,
            format!("A {name} volume is running out of space."),
            description,
        ),
        watch: Watch::LowFree {
            claim,
            threshold,
            size_bytes,
        },
    }
}

/// "At the autoresize limit": the claim's request (kube-state-metrics) has reached the limit
/// and its filesystem is under the threshold, or pvc-autoresizer counted it at its limit. The
/// kubelet's capacity is the filesystem's size, below the request: compared with the limit it
/// never reached it, and the alert never fired.
pub fn at_limit(
    name: &str,
    selector: &str,
    claim: Claim,
    limit_bytes: f64,
    threshold: f64,
) -> Alert {
    Alert {
        rule: rule(
            &format!("HeadroomVolumeAtLimit{}", camel(name)),
            format!(
                "(kube_persistentvolumeclaim_resource_requests_storage_bytes{{{selector}}} >= {limit_bytes:.0} and on (namespace, persistentvolumeclaim) ({}) < {threshold}) or on (namespace, persistentvolumeclaim) increase(pvcautoresizer_limit_reached_total{{{selector}}}[15m]) > 0",
                free_share(selector)
            ),
            "15m",
            "critical",
            format!("A {name} volume is at its storage_limit and filling."),
            format!(
                "PVC {{{{ $labels.persistentvolumeclaim }}}} of {name} has reached resize.topolvm.io/storage_limit: pvc-autoresizer will not grow it again. Raise the limit or move the data."
            ),
        ),
        watch: Watch::AtLimit {
            claim,
            limit_bytes,
            threshold,
        },
    }
}

/// `x` as Prometheus's `humanizePercentage` writes it: `fmt.Sprintf("%.4g%%", x * 100)`.
pub fn go_percentage(x: f64) -> String {
    format!("{}%", go_g4(x * 100.0))
}

/// Go's `%.4g`: four significant digits, trailing zeros dropped, exponent form below 1e-4 or
/// from 1e4.
fn go_g4(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let sci = format!("{x:.3e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let trim = |t: &str| {
        if t.contains('.') {
            t.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            t.to_string()
        }
    };
    if (-4..4).contains(&exp) {
        let decimals = (3 - exp).max(0) as usize;
        trim(&format!("{x:.decimals$}"))
    } else {
        format!(
            "{}e{}{:02}",
            trim(mantissa),
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        )
    }
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

    #[test]
    fn percentages_are_written_as_prometheus_humanizes_them() {
        for (x, want) in [
            (0.67, "67%"),
            (0.675, "67.5%"),
            (0.09999, "9.999%"),
            (0.123456, "12.35%"),
            (1.0, "100%"),
            (0.0004, "0.04%"),
            (123.0, "1.23e+04%"),
        ] {
            assert_eq!(super::go_percentage(x), want, "{x}");
        }
    }
}
