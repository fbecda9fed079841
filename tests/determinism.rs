//! Bit-identical results for the same seed, whatever the thread count.

use crate::common::*;
use headroom::report::run::RunReport;

#[test]
fn same_seed_same_aggregate_on_1_and_2_threads() {
    for rel in [
        "scenarios/contabo-ceph.toml",
        "scenarios/coditect-hybrid.toml",
        "scenarios/example.toml",
    ] {
        let s = load(rel);
        let one = run(&s, 300, 42, Some(1));
        let two = run(&s, 300, 42, Some(2));
        let three = run(&s, 300, 42, Some(3));
        assert!(
            one == two && two == three,
            "{rel}: aggregates differ across thread counts"
        );
        let files1 = RunReport::build(&s.model, &one, 42).outputs().unwrap();
        let files2 = RunReport::build(&s.model, &two, 42).outputs().unwrap();
        assert_eq!(
            files1, files2,
            "{rel}: output files differ across thread counts"
        );
    }
}

#[test]
fn different_seeds_differ_and_a_trial_replays_alone() {
    let s = load("scenarios/coditect-hybrid.toml");
    assert!(run(&s, 128, 1, None) != run(&s, 128, 2, None));
    let a = headroom::engine::replay_trial(&s.model, 5, 77);
    let b = headroom::engine::replay_trial(&s.model, 5, 77);
    assert_eq!(a.values, b.values);
}

/// Common random numbers: variants that differ only in a volume's size see the same users and
/// the same growth draws, so their demand is identical trial by trial.
#[test]
fn variants_share_draws() {
    let std = load("scenarios/coditect-standard.toml");
    let auto = load("scenarios/coditect-hybrid-autoresize.toml");
    for t in 0..20 {
        let a = headroom::engine::replay_trial(&std.model, 42, t);
        let b = headroom::engine::replay_trial(&auto.model, 42, t);
        use headroom::model::metrics::{Event, Metric::*};
        for m in 0..=24 {
            assert_eq!(a.get(m, Users), b.get(m, Users));
            assert_eq!(a.get(m, Pods), b.get(m, Pods));
        }
        // Neither fills often, and when neither is full the used GiB agree exactly.
        if a.first(Event::VolumeFull).is_none() && b.first(Event::VolumeFull).is_none() {
            assert_eq!(a.get(24, UsedGib), b.get(24, UsedGib));
        }
    }
}

/// Every output file of `run` (summary.json, timeseries.csv, report.md, every PNG) and of
/// `compare` (comparison.json, comparison.csv, report.md, its charts) is byte-identical on 1, 2
/// and 3 threads: 300 trials are 5 chunks of 64, so 2 and 3 threads split them differently.
#[test]
fn every_output_file_is_identical_on_1_2_and_3_threads() {
    for args in [
        vec!["run", "scenarios/contabo-ceph.toml"],
        vec!["run", "scenarios/carbon254-baremetal.toml"],
        vec![
            "compare",
            "scenarios/carbon254-cloud.toml",
            "scenarios/carbon254-baremetal.toml",
        ],
    ] {
        let dir = tempfile::tempdir().unwrap();
        let outputs: Vec<_> = ["1", "2", "3"]
            .iter()
            .map(|threads| {
                let out = dir.path().join(format!("t{threads}"));
                simulate_into(&args, 300, 8, &out)
                    .args(["--threads", threads])
                    .assert()
                    .success();
                folder_files(&out)
            })
            .collect();
        let names: Vec<&String> = outputs[0].keys().collect();
        assert!(
            names.iter().any(|n| n.ends_with(".png"))
                && names.iter().any(|n| n.as_str() == "report.md"),
            "{args:?}: {names:?}"
        );
        for (threads, other) in [("2", &outputs[1]), ("3", &outputs[2])] {
            assert_eq!(
                outputs[0].keys().collect::<Vec<_>>(),
                other.keys().collect::<Vec<_>>(),
                "{args:?}: files on {threads} threads"
            );
            for (name, bytes) in &outputs[0] {
                assert!(
                    bytes == &other[name],
                    "{args:?}: {name} differs between 1 and {threads} threads"
                );
            }
        }
    }
}
