//! The alert files `plan` writes, and a `promtool test rules` case for every alert in them: at
//! the simulated threshold the alert fires once its `for` has passed, just short of it it stays
//! quiet. The cases use the metrics as their exporters name and label them (the mgr's
//! `prometheus` module, the kubelet, kube-state-metrics, pvc-autoresizer), so a rule that
//! compares the wrong metric fails its own case.
//!
//! - `prometheusrule-headroom.yaml`: the `PrometheusRule` for prometheus-operator (its labels
//!   from `--rule-labels`: kube-prometheus-stack loads only rules labelled `release: <name>`);
//! - `alerts/headroom-rules.yaml`: the same groups as a plain rule file (`rule_files:`), in a
//!   folder of its own so that `kubectl apply -f plan/` sees only Kubernetes objects;
//! - `alerts/headroom-rules.test.yaml`: the cases; `promtool test rules` runs them.

use super::alerts::{self, Alert, Claim, Group, PrometheusRule, Watch};
use crate::report::Output;
use serde::Serialize;
use std::collections::BTreeMap;

/// The plain rule file, beside the test file that names it.
pub const RULES: &str = "headroom-rules.yaml";
/// The promtool cases.
pub const TESTS: &str = "headroom-rules.test.yaml";
/// Their folder in the plan.
pub const FOLDER: &str = "alerts";

#[derive(Serialize)]
struct TestFile {
    rule_files: Vec<String>,
    evaluation_interval: String,
    tests: Vec<TestGroup>,
}

#[derive(Serialize)]
struct TestGroup {
    name: String,
    interval: String,
    input_series: Vec<Series>,
    alert_rule_test: Vec<AlertTest>,
}

#[derive(Serialize)]
struct Series {
    series: String,
    values: String,
}

#[derive(Serialize)]
struct AlertTest {
    eval_time: String,
    alertname: String,
    exp_alerts: Vec<Expected>,
}

#[derive(Serialize)]
struct Expected {
    exp_labels: BTreeMap<String, String>,
    exp_annotations: BTreeMap<String, String>,
}

/// A filesystem's size on a volume of `bytes`: ext4 keeps about 2.2% for its metadata and
/// journal (the kubelet reports 48.9 GiB for a 50 GiB disk), so a case's capacity is never the
/// volume's size.
fn filesystem_bytes(bytes: f64) -> f64 {
    (bytes * 0.978).floor()
}

/// A `for:` duration in minutes (`1h`, `15m`).
fn minutes(for_: &str) -> u32 {
    if let Some(h) = for_.strip_suffix('h') {
        h.parse::<u32>().unwrap_or(1) * 60
    } else {
        for_.trim_end_matches('m').parse().unwrap_or(0)
    }
}

/// A constant series for `samples` minutes.
fn constant(series: String, value: f64, samples: u32) -> Series {
    Series {
        series,
        values: format!("{value:.0}+0x{samples}"),
    }
}

/// The smallest whole number of bytes `n` with `n / whole >= share` in floating point (the
/// division Prometheus does), and the largest with `n / whole < share`.
fn straddle(share: f64, whole: f64) -> (f64, f64) {
    let mut at = (share * whole).ceil();
    while at / whole < share {
        at += 1.0;
    }
    while at > 0.0 && (at - 1.0) / whole >= share {
        at -= 1.0;
    }
    (at, at - 1.0)
}

/// The rule's annotations as Prometheus expands them for one alert: the claim's name and the
/// alert's value, the only fields the rules use.
fn expanded(rule: &alerts::Rule, claim: Option<&str>, value: f64) -> BTreeMap<String, String> {
    rule.annotations
        .iter()
        .map(|(k, v)| {
            let mut text = v.replace(
                "{{ $value | humanizePercentage }}",
                &alerts::go_percentage(value),
            );
            if let Some(claim) = claim {
                text = text.replace("{{ $labels.persistentvolumeclaim }}", claim);
            }
            (k.clone(), text)
        })
        .collect()
}

fn labels(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{v}\""))
        .collect::<Vec<_>>()
        .join(",")
}

/// The inputs of one alert's two cases: the series that make it fire, those just short of
/// it, the alert's value when it fires, the claim it names (volume alerts) and the labels the
/// alert carries beside `severity`.
struct Inputs<'a> {
    fires: Vec<Series>,
    quiet: Vec<Series>,
    value: f64,
    claim: Option<&'a Claim>,
    labels: Vec<(String, String)>,
}

/// Two OSDs of 10¹² bytes (labelled as the mgr labels them, and `cluster` where the rule
/// selects one): the fullest at the trigger, then a byte short of it.
fn ceph_order(cluster_label: Option<&String>, trigger: f64, samples: u32) -> Inputs<'static> {
    let whole = 1e12;
    let (at, below) = straddle(trigger, whole);
    let osd = |id: &str, used: f64| {
        let mut l = vec![("ceph_daemon", id)];
        if let Some(c) = cluster_label {
            l.push(("cluster", c.as_str()));
        }
        let l = labels(&l);
        [
            constant(format!("ceph_osd_stat_bytes{{{l}}}"), whole, samples),
            constant(format!("ceph_osd_stat_bytes_used{{{l}}}"), used, samples),
        ]
    };
    let series = |fullest: f64| {
        let mut s: Vec<Series> = osd("osd.0", fullest).into();
        s.extend(osd("osd.1", (whole * trigger / 2.0).floor()));
        s
    };
    Inputs {
        fires: series(at),
        quiet: series(below),
        value: at / whole,
        claim: None,
        labels: cluster_label
            .map(|c| ("cluster".to_string(), c.clone()))
            .into_iter()
            .collect(),
    }
}

/// The kubelet's volume stats of a claim: the filesystem (smaller than the volume) with free
/// space a byte under the threshold (fires), then at it (quiet: the autoresizer acts below it
/// too).
fn low_free<'a>(claim: &'a Claim, threshold: f64, size_bytes: f64, samples: u32) -> Inputs<'a> {
    let fs = filesystem_bytes(size_bytes);
    let (at, below) = straddle(threshold, fs);
    let l = claim_labels(claim);
    let series = |available: f64| kubelet_stats(&l, fs, available, samples).into();
    Inputs {
        fires: series(below),
        quiet: series(at),
        value: below / fs,
        claim: Some(claim),
        labels: Vec::new(),
    }
}

/// kube-state-metrics' request of a claim at its limit with its filesystem under the threshold
/// (fires), then a GiB short of the limit, where the autoresizer can still grow it (quiet).
fn at_limit<'a>(claim: &'a Claim, limit_bytes: f64, threshold: f64, samples: u32) -> Inputs<'a> {
    let fs = filesystem_bytes(limit_bytes);
    let (_, low) = straddle(threshold, fs);
    let l = claim_labels(claim);
    let series = |request: f64| {
        let mut s = vec![constant(
            format!("kube_persistentvolumeclaim_resource_requests_storage_bytes{{{l}}}"),
            request,
            samples,
        )];
        s.extend(kubelet_stats(&l, fs, low, samples));
        s
    };
    let limit = limit_bytes.round();
    Inputs {
        fires: series(limit),
        quiet: series(limit - 1024.0 * 1024.0 * 1024.0),
        value: limit,
        claim: Some(claim),
        labels: Vec::new(),
    }
}

/// The kubelet's two volume stats of a claim (labels `l`): its filesystem's size and free bytes.
fn kubelet_stats(l: &str, fs: f64, available: f64, samples: u32) -> [Series; 2] {
    [
        constant(
            format!("kubelet_volume_stats_capacity_bytes{{{l}}}"),
            fs,
            samples,
        ),
        constant(
            format!("kubelet_volume_stats_available_bytes{{{l}}}"),
            available,
            samples,
        ),
    ]
}

fn claim_labels(claim: &Claim) -> String {
    labels(&[
        ("namespace", &claim.namespace),
        ("persistentvolumeclaim", &claim.name),
    ])
}

/// The two cases of one alert: firing at the threshold, quiet just short of it.
fn cases(alert: &Alert) -> [TestGroup; 2] {
    let rule = &alert.rule;
    let wait = minutes(&rule.for_);
    let samples = wait + 5;
    let inputs = match &alert.watch {
        Watch::CephOrder {
            cluster_label,
            trigger,
        } => ceph_order(cluster_label.as_ref(), *trigger, samples),
        Watch::LowFree {
            claim,
            threshold,
            size_bytes,
        } => low_free(claim, *threshold, *size_bytes, samples),
        Watch::AtLimit {
            claim,
            limit_bytes,
            threshold,
        } => at_limit(claim, *limit_bytes, *threshold, samples),
    };
    let severity = rule.labels.get("severity").cloned().unwrap_or_default();
    let mut exp_labels = BTreeMap::from([("severity".to_string(), severity)]);
    exp_labels.extend(inputs.labels);
    if let Some(c) = inputs.claim {
        exp_labels.insert("namespace".into(), c.namespace.clone());
        exp_labels.insert("persistentvolumeclaim".into(), c.name.clone());
    }
    let exp_annotations = expanded(rule, inputs.claim.map(|c| c.name.as_str()), inputs.value);
    let test = |exp_alerts: Vec<Expected>| AlertTest {
        eval_time: format!("{}m", wait + 1),
        alertname: rule.alert.clone(),
        exp_alerts,
    };
    [
        TestGroup {
            name: format!("{} fires at its threshold", rule.alert),
            interval: "1m".into(),
            input_series: inputs.fires,
            alert_rule_test: vec![test(vec![Expected {
                exp_labels,
                exp_annotations,
            }])],
        },
        TestGroup {
            name: format!("{} is quiet short of its threshold", rule.alert),
            interval: "1m".into(),
            input_series: inputs.quiet,
            alert_rule_test: vec![test(Vec::new())],
        },
    ]
}

/// The promtool test file of these groups' alerts.
fn test_file(groups: &[(String, Vec<Alert>)]) -> TestFile {
    TestFile {
        rule_files: vec![RULES.into()],
        evaluation_interval: "1m".into(),
        tests: groups
            .iter()
            .flat_map(|(_, alerts)| alerts.iter().flat_map(cases))
            .collect(),
    }
}

/// The three alert files of a plan: the `PrometheusRule` in `namespace` with `labels`, the plain
/// rule file and its promtool cases, each headed by `header`.
pub fn outputs(
    groups: &[(String, Vec<Alert>)],
    namespace: &str,
    labels: &[(String, String)],
    header: &str,
) -> Vec<Output> {
    let spec: Vec<Group> = groups
        .iter()
        .map(|(name, alerts)| Group {
            name: name.clone(),
            rules: alerts.iter().map(|a| a.rule.clone()).collect(),
        })
        .collect();
    let mut rule = PrometheusRule::new("headroom-capacity", namespace, spec.clone());
    if let Some(l) = rule.metadata.labels.as_mut() {
        l.extend(labels.iter().cloned());
    }
    let plain = alerts::RuleSpec { groups: spec };
    vec![
        Output::new("prometheusrule-headroom.yaml", yaml(&rule).into_bytes()),
        Output::new(
            format!("{FOLDER}/{RULES}"),
            format!(
                "# {header}\n# The alerts of prometheusrule-headroom.yaml as a plain rule file; tested by {TESTS}.\n{}",
                yaml(&plain)
            )
            .into_bytes(),
        ),
        Output::new(
            format!("{FOLDER}/{TESTS}"),
            format!(
                "# {header}\n# promtool test rules {TESTS}: each alert fires at the simulated threshold and not short of it.\n{}",
                yaml(&test_file(groups))
            )
            .into_bytes(),
        ),
    ]
}

fn yaml<T: Serialize>(value: &T) -> String {
    yaml_serde::to_string(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_threshold_is_straddled_as_prometheus_divides() {
        let cases: [(f64, f64); 3] = [(0.67, 1e12), (0.1, 48.9e9), (0.15, 1073741824.0 * 0.978)];
        for (share, whole) in cases {
            let whole = whole.floor();
            let (at, below) = straddle(share, whole);
            assert!(at / whole >= share && below / whole < share);
            assert_eq!(at - below, 1.0);
        }
    }

    #[test]
    fn for_durations_are_read_in_minutes() {
        assert_eq!((minutes("1h"), minutes("15m")), (60, 15));
    }
}
