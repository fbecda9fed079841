//! `recommend`: the cheapest option that meets the targets, checked by brute force, and a
//! trigger that holds when replayed with other seeds.

use crate::common::*;
use headroom::decide::{self, tiers};
use headroom::engine::{self, RunConfig};
use headroom::model::metrics::Metric;
use predicates::prelude::*;

const SMALL: &str = r#"
name = "small"
horizon_months = 12
trials = 400
seed = 5
currency = "USD"

[pods]
replicas = 3

[[volumes]]
name = "data"
per = "pod"
storage_class = "disk"
size = "10Gi"
candidates = ["5Gi", "10Gi", "20Gi"]
initial_used = { uniform = { min = 1.0, max = 3.0 } }
growth = { lognormal = { median = 0.5, sigma = 0.6 } }

[storage_classes.disk]
backend = "cloud"
price_per_gib_month = 0.10

[targets]
max_volume_full_probability = 0.10
"#;

/// Every option, simulated on its own (a separate run per variant, same seed), agrees with the
/// one-loop evaluation, and the chosen one is the cheapest of those meeting the targets.
#[test]
fn chosen_is_the_cheapest_feasible_by_brute_force() {
    let dir = tempfile::tempdir().unwrap();
    let s = load_text(dir.path(), "small", SMALL);
    let cfg = RunConfig {
        trials: 400,
        seed: 5,
        threads: None,
    };
    let r = decide::recommend(&s.model, &cfg, &|_| {}).unwrap();
    let choice = &r.volumes[0].choice;
    assert_eq!(choice.options.len(), 6, "3 sizes × 2 policies");
    let targets = s.model.targets.effective();
    let mut best: Option<(f64, usize)> = None;
    for (i, o) in choice.options.iter().enumerate() {
        let m = tiers::variant(&s.model, 0, &o.option());
        let mut full = 0u64;
        let mut full_events = 0.0;
        let mut volume_months = 0.0;
        let mut resizes = 0.0;
        let mut cost = 0.0;
        for t in 0..400 {
            let rec = engine::replay_trial(&m, 5, t);
            let tally = &rec.templates[0];
            full += (tally.first_full != u32::MAX) as u64;
            full_events += tally.full_events;
            volume_months += tally.volume_months;
            resizes += tally.resizes;
            cost += rec.get(12, Metric::CostCumulative);
        }
        let p = full as f64 / 400.0;
        close(o.p_volume_full, p, 1e-12);
        close(o.cost_cumulative_mean, cost / 400.0, 1e-6);
        let feasible = p <= targets.max_volume_full_probability
            && 100.0 * full_events / volume_months <= targets.max_full_events_per_100_volume_months
            && resizes / volume_months <= targets.max_resizes_per_volume_month;
        assert_eq!(o.feasible, feasible, "option {i}: {:?}", o.checks);
        if feasible && best.is_none_or(|(c, _)| cost / 400.0 < c - 0.005) {
            best = Some((cost / 400.0, i));
        }
    }
    assert_eq!(choice.chosen, best.map(|b| b.1));
    // The sentence names the winner and what the runner-up costs more.
    let text = headroom::report::recommend::text(&r, &s.model);
    assert!(
        text.contains("is the cheapest option that meets the targets"),
        "{text}"
    );
}

/// With a target nothing can meet (volumes growing 3 GiB a month fill every size without
/// expansion, and expansion resizes), no option is chosen and the closest is named.
#[test]
fn infeasible_targets_name_the_closest_option() {
    let dir = tempfile::tempdir().unwrap();
    let text = SMALL
        .replace("median = 0.5, sigma = 0.6", "median = 3.0, sigma = 0.2")
        .replace(
            "max_volume_full_probability = 0.10",
            "max_volume_full_probability = 0.10\nmax_resizes_per_volume_month = 0.0",
        );
    let s = load_text(dir.path(), "impossible", &text);
    let cfg = RunConfig {
        trials: 400,
        seed: 5,
        threads: None,
    };
    let r = decide::recommend(&s.model, &cfg, &|_| {}).unwrap();
    let c = &r.volumes[0].choice;
    assert!(c.options.iter().all(|o| !o.feasible));
    assert_eq!(c.chosen, None);
    assert!(c.closest.is_some());
    let text = headroom::report::recommend::text(&r, &s.model);
    assert!(
        text.contains("no option meets the targets; the closest is"),
        "{text}"
    );
}

/// Contabo's trigger, replayed with seeds the recommendation never saw, keeps P(nearfull) and
/// P(recovery stalls) within their 5% targets.
#[test]
fn contabo_trigger_holds_with_other_seeds() {
    let s = load("scenarios/contabo-ceph.toml");
    let cfg = RunConfig {
        trials: 1000,
        seed: 3,
        threads: None,
    };
    let r = decide::recommend(&s.model, &cfg, &|_| {}).unwrap();
    let c = &r.ceph[0];
    let t = c.trigger.expect("a trigger meets the targets");
    assert!((0.30..0.45).contains(&t), "{t}");
    assert!(!c.orders.is_empty());
    for seed in [11_u64, 12] {
        let v = headroom::decide::trigger::variant(&s.model, 0, t);
        let agg = run_model(&v, 1000, seed);
        let near = agg.probability(headroom::model::metrics::Event::CephNearfull);
        let stall = agg.probability(headroom::model::metrics::Event::CephRecoveryStall);
        assert!(near.p <= 0.05, "seed {seed}: P(nearfull) {}", near.p);
        assert!(stall.p <= 0.05, "seed {seed}: P(stall) {}", stall.p);
    }
}

/// `--format json` carries the keys scripts rely on.
#[test]
fn json_for_scripts() {
    let out = headroom()
        .args([
            "recommend",
            "scenarios/coditect-hybrid.toml",
            "--format",
            "json",
            "--trials",
            "300",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let vol = &v["volumes"][0];
    assert_eq!(vol["name"], "workspace");
    for key in [
        "size_gib",
        "expansion",
        "cost_total_p50",
        "cost_cumulative_p50",
        "p_volume_full",
        "feasible",
    ] {
        assert!(!vol["options"][0][key].is_null(), "{key}");
    }
    let chosen = vol["chosen"].as_u64().unwrap() as usize;
    assert_eq!(vol["options"][chosen]["feasible"], true);
    assert!(v["ceph"].as_array().unwrap().is_empty());
}

#[test]
fn text_for_a_person() {
    headroom()
        .args([
            "recommend",
            "scenarios/contabo-ceph.toml",
            "--trials",
            "300",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "ceph.contabo: order capacity when the fullest OSD reaches",
        ))
        .stdout(predicate::str::contains("1st order in"));
}
