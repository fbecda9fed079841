//! Charts, report.md, compare and the Parquet export.

use crate::common::*;
use headroom::aggregate::Comparison;
use headroom::engine::{self, RunConfig};
use headroom::model::metrics::{Event, Metric};
use headroom::report::compare::CompareReport;
use headroom::report::comparison::{ComparisonSummary, VariantSummary};
use headroom::report::format::money;
use predicates::prelude::*;

fn decode(bytes: &[u8]) -> image::RgbImage {
    image::load_from_memory_with_format(bytes, image::ImageFormat::Png)
        .unwrap()
        .to_rgb8()
}

/// Charts of a Ceph scenario: every one decodes to 960×540 with real content, and the same seed
/// draws the same bytes.
#[test]
fn run_charts_are_drawn_and_deterministic() {
    let s = load("scenarios/contabo-ceph.toml");
    let agg = run(&s, 256, 5, None);
    let draw = |agg: &headroom::aggregate::Aggregate| -> Vec<(String, Vec<u8>)> {
        headroom::report::charts::run_charts(&s.model, agg)
            .iter()
            .map(|c| (c.file.clone(), headroom::report::png::render(c).unwrap()))
            .collect()
    };
    let charts = draw(&agg);
    let names: Vec<&str> = charts.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "capacity.png",
            "ceph_utilisation.png",
            "ceph_headroom.png",
            "cost.png",
            "population.png"
        ]
    );
    for (name, bytes) in &charts {
        let img = decode(bytes);
        assert_eq!(img.dimensions(), (960, 540), "{name}");
        let inked =
            img.pixels().filter(|p| p.0 != [255, 255, 255]).count() as f64 / (960.0 * 540.0);
        assert!(inked > 0.03, "{name} is nearly blank ({inked})");
        // Text is drawn: some dark pixels besides the lines (the embedded font works).
        let dark = img.pixels().filter(|p| p.0.iter().all(|&c| c < 80)).count();
        assert!(dark > 2000, "{name}: {dark} dark pixels");
    }
    assert_eq!(charts, draw(&run(&s, 256, 5, Some(1))));
}

/// `run` writes report.md whose numbers are summary.json's.
#[test]
fn report_matches_summary() {
    let dir = tempfile::tempdir().unwrap();
    simulate_into(&["run", "scenarios/example.toml"], 400, 3, dir.path())
        .assert()
        .success();
    let summary = read_json(&dir.path().join("summary.json"));
    let report = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    let f = |k: &str, q: &str| summary["final"][k][q].as_f64().unwrap();
    for want in [
        format!("**{} USD** at the median", money(f("cost_total", "p50"))),
        format!("**{} USD** at P90", money(f("cost_total", "p90"))),
        format!("| {:.1} GiB |", f("used_gib", "p50")),
        format!("{:.1}%", f("ceph_fullest_osd_util", "p50") * 100.0),
        format!(
            "| volume full | {:.1}% ± {:.1}% s.e. |",
            summary["probabilities"]["volume_full"]["p"]
                .as_f64()
                .unwrap()
                * 100.0,
            summary["probabilities"]["volume_full"]["se"]
                .as_f64()
                .unwrap()
                * 100.0
        ),
        "![capacity](capacity.png)".to_string(),
        "pricing/gcp-us-central1.toml".to_string(),
    ] {
        assert!(
            report.contains(&want),
            "report.md lacks {want:?}:\n{report}"
        );
    }
    for w in summary["warnings"].as_array().unwrap() {
        assert!(report.contains(w.as_str().unwrap()));
    }
    for png in [
        "capacity.png",
        "ceph_utilisation.png",
        "cost.png",
        "population.png",
    ] {
        assert!(dir.path().join(png).exists(), "{png}");
    }
}

fn compare(
    paths: &[&str],
    trials: u64,
    seed: u64,
) -> (Vec<headroom::scenario::Scenario>, Comparison) {
    let scenarios: Vec<_> = paths.iter().map(|p| load(p)).collect();
    let models: Vec<_> = scenarios.iter().map(|s| &s.model).collect();
    let cfg = RunConfig {
        trials,
        seed,
        threads: None,
    };
    let c = engine::run_variants(&models, &cfg, &|_| {}).unwrap();
    (scenarios, c)
}

/// A variant against itself: every paired difference is exactly zero.
#[test]
fn variant_against_itself_differs_by_nothing() {
    let (_, c) = compare(
        &["scenarios/example.toml", "scenarios/example.toml"],
        300,
        8,
    );
    let d = &c.diffs[0];
    for m in 0..=36 {
        for s in [d.monthly(m), d.cumulative(m)] {
            assert_eq!(s.mean(), 0.0);
            assert_eq!(s.sd(), 0.0);
            assert_eq!(s.quantile(0.05), 0.0);
            assert_eq!(s.quantile(0.95), 0.0);
        }
    }
    assert_eq!(d.break_even().never, 1.0);
    assert_eq!(c.aggregates[0], c.aggregates[1]);
}

/// Variants that differ only in price differ by exactly the price difference × billed GiB.
#[test]
fn price_only_difference_is_exact() {
    let (_, c) = compare(
        &[
            "scenarios/coditect-hybrid.toml",
            "tests/fixtures/coditect-hybrid-pricier.toml",
        ],
        500,
        4,
    );
    let d = &c.diffs[0];
    for m in [0, 6, 24] {
        let billed = c.aggregates[0].cell(m, Metric::BilledGib).mean();
        close(d.monthly(m).mean(), 0.10 * billed, 1e-9 * billed.max(1.0));
        // Same users, same growth, same fills: only the price moved.
        assert_eq!(
            c.aggregates[0].cell(m, Metric::UsedGib),
            c.aggregates[1].cell(m, Metric::UsedGib)
        );
    }
    close(d.monthly(0).mean(), 0.10 * 45.0, 1e-9);
    let (lo, hi) = d.monthly(0).mean_ci95();
    close(lo, 4.5, 1e-9);
    close(hi, 4.5, 1e-9);
}

/// Seed 000's question, 10 GiB or 50 GiB: $24/month cheaper today, and the 10 GiB users fill
/// their workspaces far more often.
#[test]
fn ten_or_fifty_gib_golden() {
    let (s, c) = compare(
        &[
            "scenarios/coditect-standard.toml",
            "scenarios/coditect-hybrid.toml",
        ],
        2000,
        42,
    );
    let models: Vec<_> = s.iter().map(|s| &s.model).collect();
    let summary = ComparisonSummary::build(&models, &c, 42);
    let d = &summary.differences[0];
    close(d.monthly_cost_month0.mean, -24.0, 1e-9);
    assert_eq!(d.cheaper_at_p50, "coditect-hybrid");
    assert!(
        d.total_cost.ci95[1] < 0.0,
        "hybrid cheaper in total: {:?}",
        d.total_cost
    );
    let (standard, hybrid) = (&summary.variants[0], &summary.variants[1]);
    assert!(
        hybrid.full_events_per_100_volume_months
            > 10.0 * standard.full_events_per_100_volume_months
    );
    let p = |v: &VariantSummary| v.probabilities.get(Event::VolumeFull).unwrap().p.unwrap();
    assert!(
        p(hybrid) > 0.9 && p(standard) < 0.1,
        "{} {}",
        p(hybrid),
        p(standard)
    );
}

/// Seed 004's question, cloud or bare metal: without data, $520 of cloud against $800 of bare
/// metal for a year then $300, the cumulative costs cross in month 28 in every trial.
#[test]
fn cloud_or_bare_metal_break_even_golden() {
    let (s, c) = compare(
        &[
            "tests/fixtures/carbon254-cloud-flat.toml",
            "tests/fixtures/carbon254-baremetal-flat.toml",
        ],
        64,
        1,
    );
    let models: Vec<_> = s.iter().map(|s| &s.model).collect();
    let report = CompareReport::build(models, &c, 1);
    let d = &report.summary.differences[0];
    assert_eq!(
        (d.break_even.p5, d.break_even.p50, d.break_even.p95),
        (Some(28), Some(28), Some(28))
    );
    assert_eq!(d.variant_starts_higher, 1.0);
    close(d.monthly_cost_month0.mean, 280.0, 1e-9);
    close(d.total_cost.mean, 3360.0 - 220.0 * 24.0, 1e-6);
    let md = headroom::report::markdown::compare(&report);
    assert!(md.contains("at month 28 (2028-02) at the median"), "{md}");
}

#[test]
fn compare_cli_writes_its_files_and_refuses_mismatched_horizons() {
    let dir = tempfile::tempdir().unwrap();
    headroom()
        .args([
            "compare",
            "scenarios/coditect-hybrid.toml",
            "scenarios/coditect-standard.toml",
            "--trials",
            "300",
            "--seed",
            "2",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "coditect-hybrid is cheaper than coditect-standard",
        ));
    for f in [
        "comparison.json",
        "comparison.csv",
        "report.md",
        "compare_cost.png",
        "compare_fill.png",
        "compare_cumulative_difference.png",
    ] {
        assert!(dir.path().join(f).exists(), "{f}");
    }
    let csv = std::fs::read_to_string(dir.path().join("comparison.csv")).unwrap();
    assert!(csv.starts_with("variant,month,metric,mean,p5,p50,p90,p95,p99\n"));
    assert!(csv.contains("coditect-standard minus coditect-hybrid,0,cost_total,24"));
    headroom()
        .args([
            "compare",
            "scenarios/coditect-hybrid.toml",
            "tests/fixtures/horizon-12.toml",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "horizon-12.toml: horizon_months: is 12 but",
        ));
    headroom()
        .args([
            "compare",
            "scenarios/coditect-hybrid.toml",
            "scenarios/contabo-ceph.toml",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("currency: is EUR but"));
}

/// `--export-trials` round-trips: one row per trial with the replayed trial's values.
#[test]
fn parquet_export_round_trips() {
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("trials.parquet");
    simulate_into(
        &["run", "scenarios/contabo-ceph.toml"],
        100,
        6,
        &dir.path().join("out"),
    )
    .arg("--export-trials")
    .arg(&file)
    .assert()
    .success();
    let df = ParquetReader::new(std::fs::File::open(&file).unwrap())
        .finish()
        .unwrap();
    assert_eq!(df.height(), 100);
    assert_eq!(df.width(), 3 + Metric::ALL.len() + Event::COUNT);
    let s = load("scenarios/contabo-ceph.toml");
    let trial = df.column("trial").unwrap().u64().unwrap();
    let cost = df.column("cost_total").unwrap().f64().unwrap();
    let nearfull = df.column("first_ceph_nearfull").unwrap().u32().unwrap();
    for i in [0usize, 37, 99] {
        let t = trial.get(i).unwrap();
        assert_eq!(t, i as u64);
        let r = engine::replay_trial(&s.model, 6, t);
        assert_eq!(cost.get(i).unwrap(), r.get(24, Metric::CostTotal));
        assert_eq!(nearfull.get(i), r.first(Event::CephNearfull));
    }
    // Per month: 25 rows a trial.
    let file2 = dir.path().join("per-month.parquet");
    headroom()
        .args([
            "run",
            "scenarios/coditect-hybrid.toml",
            "--trials",
            "10",
            "--quiet",
            "--per-month",
            "--out",
        ])
        .arg(dir.path().join("out2"))
        .arg("--export-trials")
        .arg(&file2)
        .assert()
        .success();
    let df = ParquetReader::new(std::fs::File::open(&file2).unwrap())
        .finish()
        .unwrap();
    assert_eq!(df.height(), 10 * 25);
}

/// An export of more trials than one wave (`engine::WAVE` = 4,096) streams in row groups: every
/// trial once, in order, the replayed values at the wave's edges, the same bytes on 1 and 3
/// threads, and the aggregate that of a run without export.
#[test]
fn parquet_export_streams_in_waves() {
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let trials = 2 * engine::WAVE + 100;
    let export = |threads: &str, name: &str| {
        let file = dir.path().join(name);
        simulate_into(
            &["run", "scenarios/contabo-ceph.toml"],
            trials,
            8,
            &dir.path().join(name.replace(".parquet", "")),
        )
        .args(["--threads", threads, "--export-trials"])
        .arg(&file)
        .assert()
        .success();
        file
    };
    let (one, three) = (export("1", "one.parquet"), export("3", "three.parquet"));
    assert_eq!(std::fs::read(&one).unwrap(), std::fs::read(&three).unwrap());
    let df = ParquetReader::new(std::fs::File::open(&one).unwrap())
        .finish()
        .unwrap();
    assert_eq!(df.height() as u64, trials);
    let trial = df.column("trial").unwrap().u64().unwrap();
    assert!(
        trial.iter().enumerate().all(|(i, t)| t == Some(i as u64)),
        "every trial once, in order"
    );
    let s = load("scenarios/contabo-ceph.toml");
    let cost = df.column("cost_total").unwrap().f64().unwrap();
    for t in [engine::WAVE - 1, engine::WAVE, 2 * engine::WAVE, trials - 1] {
        let r = engine::replay_trial(&s.model, 8, t);
        assert_eq!(
            cost.get(t as usize).unwrap(),
            r.get(24, Metric::CostTotal),
            "trial {t}"
        );
    }
    let plain = dir.path().join("plain");
    simulate_into(&["run", "scenarios/contabo-ceph.toml"], trials, 8, &plain)
        .assert()
        .success();
    assert_eq!(
        std::fs::read(plain.join("summary.json")).unwrap(),
        std::fs::read(dir.path().join("one/summary.json")).unwrap()
    );
}
