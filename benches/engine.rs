//! Engine throughput: volume-steps per second on a scenario of ~300 per-user volumes
//! over 36 months, and the memory an aggregate keeps (which does not grow with trials).
//!
//! `cargo bench --bench engine`; the README records the figure measured.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use headroom::engine::{self, RunConfig};
use headroom::model::metrics::Metric;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

/// A per-user workspace scenario: 300 users (steady: churn replaced by arrivals), one volume
/// each on a Ceph pool, 36 months, autoresize on.
const SCENARIO: &str = r#"
name = "bench"
horizon_months = 36
[population]
initial_users = 300
churn = 0.01
growth = { linear = { per_month = { fixed = 3.0 } } }
[[volumes]]
name = "workspace"
per = "user"
storage_class = "ceph-block"
size = "10Gi"
initial_used = { lognormal = { median = 2.0, sigma = 0.7 } }
growth = { lognormal = { median = 0.2, sigma = 1.0 } }
trial_factor = { lognormal = { median = 1.0, sigma = 0.25 } }
expansion = { autoresize = { threshold = "10%", increase = "10%", limit = "50Gi" } }
[storage_classes.ceph-block]
backend = "ceph"
cluster = "main"
pool = { replicated = { size = 3 } }
[ceph.main]
hosts = 4
osds_per_host = 2
osd_size = "1Ti"
overhead = "5%"
imbalance = "10%"
[ceph.main.expansion]
trigger = 0.7
lead_time_months = 2
add = { osds_per_host = 1, osd_size = "1Ti" }
"#;

fn load() -> headroom::scenario::Scenario {
    let dir = std::env::temp_dir().join(format!("headroom-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bench.toml");
    std::fs::write(&path, SCENARIO).unwrap();
    headroom::scenario::load(Path::new(&path)).unwrap()
}

fn engine_throughput(c: &mut Criterion) {
    let s = load();
    let trials = 256;
    let cfg = RunConfig {
        trials,
        seed: 1,
        threads: Some(1),
    };
    // Volume-steps of one run: Σ over months 1…36 of the mean number of volumes.
    let probe = engine::run(&s.model, &cfg, &|_| {}).unwrap();
    let volume_steps: f64 = (1..=36)
        .map(|m| probe.cell(m, Metric::Volumes).mean())
        .sum::<f64>()
        * trials as f64;
    let mut group = c.benchmark_group("engine");
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(3));
    group.sample_size(10);
    group.throughput(Throughput::Elements(volume_steps as u64));
    group.bench_function("per_user_36_months_1_thread", |b| {
        b.iter(|| black_box(engine::run(&s.model, &cfg, &|_| {}).unwrap()))
    });
    group.finish();
    // Memory: the aggregate of 256 and of 4,096 trials (it must not grow with trials), and the
    // per-worker trial state (columns of the ~330 live volumes, reused from trial to trial).
    for n in [256, 4096] {
        let agg = engine::run(&s.model, &RunConfig { trials: n, ..cfg }, &|_| {}).unwrap();
        eprintln!("aggregate of {n} trials: {} KiB", agg.memory_bytes() / 1024);
    }
    let volumes = probe.cell(36, Metric::Volumes).mean();
    eprintln!(
        "trial state: ~{:.0} volumes × 17 bytes (size, used, exists) + 4 bytes per user ≈ {:.1} KiB per worker",
        volumes,
        volumes * 21.0 / 1024.0
    );
}

criterion_group!(benches, engine_throughput);
criterion_main!(benches);
