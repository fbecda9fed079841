//! Every error the validator raises, one row each (issue 12): a valid scenario with one change,
//! and what `headroom validate` must say about it: exit 2, and a line `FILE:LINE: KEY: MESSAGE`
//! naming the file, the line of the offending key, the key path and what is wrong. Rows whose
//! key has no line of its own (a missing key) are located at their table.

use crate::common::*;

/// A valid scenario using every table.
const BASE: &str = r#"name = "base"
horizon_months = 12
currency = "USD"
start = "2026-01"

[population]
initial_users = 20
churn = 0.01
growth = { geometric = { rate = { normal = { mean = 0.04, sd = 0.01 } }, noise = 0.02 } }

[pods]
pods_per_user = 0.2
min = 1
max = 100
vcpu = 1
memory_gib = 2

[[volumes]]
name = "workspace"
per = "user"
storage_class = "ceph-block"
size = "10Gi"
initial_used = { lognormal = { median = 2.0, sigma = 0.5 } }
growth = { lognormal = { median = 0.2, sigma = 0.5 } }
expansion = { autoresize = { threshold = "10%", increase = "10%", limit = "50Gi" } }

[[volumes]]
name = "backup"
per = "cluster"
count = 1
storage_class = "disk"
size = "100Gi"
initial_used = { fixed = 10.0 }

[storage_classes.ceph-block]
backend = "ceph"
cluster = "main"
pool = { replicated = { size = 3 } }

[storage_classes.disk]
backend = "cloud"
price_per_gib_month = 0.10

[ceph.main]
hosts = 4
osds_per_host = 1
osd_size = "1Ti"
overhead = "5%"
host_monthly_cost = 50.0

[ceph.main.expansion]
trigger = 0.70
lead_time_months = 2
add = { osds_per_host = 1, osd_size = "1Ti" }
monthly_cost = 10.0
max_outstanding = 1

[costs]
compute = { fixed_monthly = 100.0 }
fixed = [ { name = "control plane", monthly = 73.0 } ]
one_time = [ { name = "hardware", amount = 1000.0, amortize_months = 12 } ]

[targets]
monthly_budget = 2500.0
"#;

/// One row: replace `old` by `new` in [`BASE`]; expect `key` and `message` on the line where
/// `at` (default: the last line of `new`, the key a row adds) stands in the changed file.
struct Row {
    old: &'static str,
    new: &'static str,
    key: &'static str,
    message: &'static str,
    at: Option<&'static str>,
    /// A second change, where one needs two (a catalog and a key of it).
    also: Option<(&'static str, &'static str)>,
}

const fn row(
    old: &'static str,
    new: &'static str,
    key: &'static str,
    message: &'static str,
) -> Row {
    Row {
        old,
        new,
        key,
        message,
        at: None,
        also: None,
    }
}

const fn row_at(
    old: &'static str,
    new: &'static str,
    key: &'static str,
    message: &'static str,
    at: &'static str,
) -> Row {
    Row {
        old,
        new,
        key,
        message,
        at: Some(at),
        also: None,
    }
}

const ROWS: &[Row] = &[
    // The scenario itself.
    row(
        "horizon_months = 12",
        "horizon_months = 0",
        "horizon_months",
        "must be between 1 and 1200 months (got 0)",
    ),
    row(
        "horizon_months = 12",
        "horizon_months = 5000",
        "horizon_months",
        "must be between 1 and 1200 months (got 5000)",
    ),
    row(
        "start = \"2026-01\"",
        "start = \"January\"",
        "start",
        "\"January\" is not a calendar month",
    ),
    row(
        "start = \"2026-01\"",
        "start = \"2026-01\"\nstep = \"week\"",
        "step",
        "is not supported",
    ),
    row(
        "currency = \"USD\"",
        "currency = \"USD\"\npricing = \"nowhere\"",
        "pricing",
        "catalog \"nowhere\" not found",
    ),
    row_at(
        "currency = \"USD\"",
        "currency = \"EUR\"\npricing = \"gcp-us-central1\"",
        "currency",
        "differs from the catalog's \"USD\"",
        "currency = \"EUR\"",
    ),
    // Population and pods.
    row(
        "churn = 0.01",
        "churn = 1.5",
        "population.churn",
        "must be between 0 and 1 (got 1.5)",
    ),
    row_at(
        "initial_users = 20",
        "initial_users = 20\nmax_users = 10",
        "population.initial_users",
        "exceeds max_users (10)",
        "initial_users = 20",
    ),
    row(
        "growth = { geometric = { rate = { normal = { mean = 0.04, sd = 0.01 } }, noise = 0.02 } }",
        "growth = { logistic = { rate = { fixed = 0.1 }, capacity = 0 } }",
        "population.growth.logistic.capacity",
        "must be more than 0 (got 0)",
    ),
    row(
        "growth = { geometric = { rate = { normal = { mean = 0.04, sd = 0.01 } }, noise = 0.02 } }",
        "growth = { schedule = { points = [] } }",
        "population.growth.schedule.points",
        "needs at least one [month, users] point",
    ),
    row(
        "growth = { geometric = { rate = { normal = { mean = 0.04, sd = 0.01 } }, noise = 0.02 } }",
        "growth = { schedule = { points = [[12, 100], [0, 20]] } }",
        "population.growth.schedule.points",
        "months must be in increasing order",
    ),
    row(
        "growth = { geometric = { rate = { normal = { mean = 0.04, sd = 0.01 } }, noise = 0.02 } }",
        "growth = { geometric = { rate = { normal = { mean = 0.04, sd = -1.0 } } } }",
        "population.growth.geometric.rate",
        "sd",
    ),
    row(
        "pods_per_user = 0.2",
        "pods_per_user = 0.2\nreplicas = 3",
        "pods.replicas",
        "set either pods_per_user or replicas, not both",
    ),
    row_at(
        "min = 1\nmax = 100",
        "min = 10\nmax = 5",
        "pods.min",
        "min (10) is above max (5)",
        "min = 10",
    ),
    row(
        "vcpu = 1",
        "vcpu = 1\nwhen_scaled = \"keep\"",
        "pods.when_scaled",
        "\"keep\" is not",
    ),
    row_at(
        "pods_per_user = 0.2\n",
        "",
        "pods",
        "needs pods_per_user (pods from users) or replicas",
        "[pods]",
    ),
    // Volumes.
    row_at(
        "name = \"backup\"",
        "name = \"workspace\"",
        "volumes[1].name",
        "\"workspace\" is used by two volumes",
        "} }\n\n[[volumes]]\nname = \"workspace\"",
    ),
    row(
        "storage_class = \"disk\"",
        "storage_class = \"tape\"",
        "volumes[1].storage_class",
        "no [storage_classes.tape] table in the scenario",
    ),
    row(
        "per = \"user\"",
        "per = \"team\"",
        "volumes[0].per",
        "\"team\" is not one of",
    ),
    row_at(
        "count = 1\n",
        "",
        "volumes[1].per",
        "needs `count`",
        "per = \"cluster\"",
    ),
    row(
        "per = \"user\"",
        "per = \"user\"\ncount = 3",
        "volumes[0].count",
        "count only applies to per = \"cluster\"",
    ),
    row(
        "size = \"100Gi\"",
        "size = \"0Gi\"",
        "volumes[1].size",
        "must be more than 0",
    ),
    row(
        "size = \"100Gi\"",
        "size = \"lots\"",
        "volumes[1].size",
        "lots",
    ),
    row(
        "expansion = { autoresize = { threshold = \"10%\", increase = \"10%\", limit = \"50Gi\" } }",
        "expansion = { autoresize = { threshold = \"10%\", increase = \"10%\", limit = \"5Gi\" } }",
        "volumes[0].expansion.autoresize.limit",
        "the limit (5 GiB) is below the size (10 GiB)",
    ),
    row(
        "expansion = { autoresize = { threshold = \"10%\", increase = \"10%\", limit = \"50Gi\" } }",
        "expansion = { autoresize = { threshold = \"10%\", increase = \"0%\", limit = \"50Gi\" } }",
        "volumes[0].expansion.autoresize.increase",
        "must be more than 0",
    ),
    row(
        "initial_used = { fixed = 10.0 }",
        "initial_used = { fixed = 10.0 }\ndiscard = true",
        "volumes[1].discard",
        "discard applies to volumes of a Ceph RBD class",
    ),
    row(
        "initial_used = { fixed = 10.0 }",
        "initial_used = { fixed = 10.0 }\ncandidates = [\"50Gi\", \"20Gi\"]",
        "volumes[1].candidates",
        "sizes must be more than 0 and increase",
    ),
    row(
        "initial_used = { fixed = 10.0 }",
        "initial_used = { fixed = 10.0 }\nsnapshots = { retained = 4, change = 2.0 }",
        "volumes[1].snapshots.change",
        "must be between 0 and 1 (got 2)",
    ),
    row(
        "initial_used = { fixed = 10.0 }",
        "initial_used = { lognormal = { median = -1.0, sigma = 0.5 } }",
        "volumes[1].initial_used",
        "median",
    ),
    // Storage classes.
    row(
        "backend = \"cloud\"",
        "backend = \"nfs\"",
        "storage_classes.disk.backend",
        "\"nfs\" is not a backend",
    ),
    row(
        "cluster = \"main\"",
        "cluster = \"other\"",
        "storage_classes.ceph-block.cluster",
        "no [ceph.other] table in the scenario",
    ),
    row(
        "pool = { replicated = { size = 3 } }",
        "pool = { replicated = { size = 0 } }",
        "storage_classes.ceph-block.pool.replicated.size",
        "must be at least 1",
    ),
    row(
        "pool = { replicated = { size = 3 } }",
        "pool = { erasure = { k = 0, m = 2 } }",
        "storage_classes.ceph-block.pool.erasure",
        "k and m must be at least 1 (got k = 0, m = 2)",
    ),
    row(
        "pool = { replicated = { size = 3 } }",
        "pool = { erasure = { k = 4, m = 2 } }",
        "storage_classes.ceph-block.pool",
        "the pool spans 6 hosts but cluster \"main\" has 4",
    ),
    row(
        "pool = { replicated = { size = 3 } }",
        "pool = { replicated = { size = 3 } }\ninterface = \"nfs\"",
        "storage_classes.ceph-block.interface",
        "\"nfs\" is not",
    ),
    row(
        "pool = { replicated = { size = 3 } }",
        "pool = { replicated = { size = 3 } }\nprice_per_gib_month = 0.1",
        "storage_classes.ceph-block.price_per_gib_month",
        "a Ceph class is thin-provisioned",
    ),
    row_at(
        "cluster = \"main\"\n",
        "",
        "storage_classes.ceph-block.cluster",
        "a Ceph class needs `cluster = ",
        "[storage_classes.ceph-block]",
    ),
    row(
        "price_per_gib_month = 0.10",
        "price_per_gib_month = -0.10",
        "storage_classes.disk.price_per_gib_month",
        "must be ≥ 0",
    ),
    row(
        "price_per_gib_month = 0.10",
        "price_per_gib_month = 0.10\nprice = \"pd-ssd\"",
        "storage_classes.disk.price",
        "set either price (a catalog key) or price_per_gib_month, not both",
    ),
    row(
        "price_per_gib_month = 0.10",
        "price = \"pd-ssd\"",
        "storage_classes.disk.price",
        "names a catalog price, but the scenario has no `pricing = ",
    ),
    row_at(
        "price_per_gib_month = 0.10\n",
        "",
        "storage_classes.disk.price",
        "a cloud class needs price = ",
        "[storage_classes.disk]",
    ),
    row(
        "price_per_gib_month = 0.10",
        "price_per_gib_month = 0.10\ncluster = \"main\"",
        "storage_classes.disk.cluster",
        "cluster and pool belong to backend = \"ceph\"",
    ),
    row(
        "price_per_gib_month = 0.10",
        "price_per_gib_month = 0.10\ninterface = \"rbd\"",
        "storage_classes.disk.interface",
        "interface (rbd or cephfs) belongs to backend = \"ceph\"",
    ),
    row(
        "price_per_gib_month = 0.10",
        "price_per_gib_month = 0.10\nbilling = { per_gib = { increment = \"0Gi\" } }",
        "storage_classes.disk.billing.per_gib.increment",
        "must be more than 0",
    ),
    row(
        "price_per_gib_month = 0.10",
        "price_per_gib_month = 0.10\nbilling = { tiered = { tiers = [] } }",
        "storage_classes.disk.billing.tiered.tiers",
        "needs at least one tier",
    ),
    row(
        "price_per_gib_month = 0.10",
        "billing = { tiered = { tiers = [ { name = \"B\", size = \"200Gi\", monthly = 2.0 }, { name = \"A\", size = \"100Gi\", monthly = 1.0 } ] } }",
        "storage_classes.disk.billing.tiered.tiers",
        "tier sizes must increase",
    ),
    row_at(
        "price_per_gib_month = 0.10",
        "billing = { tiered = { tiers = [ { name = \"A\", size = \"50Gi\", monthly = 1.0 } ] } }",
        "volumes[1].size",
        "100 GiB is larger than the largest tier of disk (50 GiB)",
        "size = \"100Gi\"",
    ),
    row(
        "price_per_gib_month = 0.10",
        "price_per_gib_month = 0.10\nlimits = { min = \"500Gi\", max = \"10Gi\", source = \"test\" }",
        "storage_classes.disk.limits.min",
        "500 GiB is above max (10 GiB)",
    ),
    row_at(
        "price_per_gib_month = 0.10",
        "price_per_gib_month = 0.10\nlimits = { min = \"200Gi\", source = \"test\" }",
        "volumes[1].size",
        "100 GiB is below the smallest size of disk (200 GiB",
        "size = \"100Gi\"",
    ),
    row_at(
        "price_per_gib_month = 0.10",
        "price_per_gib_month = 0.10\nlimits = { max = \"50Gi\", source = \"test\" }",
        "volumes[1].size",
        "100 GiB is above the largest size of disk (50 GiB",
        "size = \"100Gi\"",
    ),
    // Ceph.
    row(
        "hosts = 4",
        "hosts = 0",
        "ceph.main.hosts",
        "must be 1 to 100000",
    ),
    row_at(
        "osds_per_host = 1\nosd_size",
        "osds_per_host = 0\nosd_size",
        "ceph.main.osds_per_host",
        "must be 1 to 1000",
        "osds_per_host = 0",
    ),
    row_at(
        "osd_size = \"1Ti\"\noverhead",
        "osd_size = \"0Gi\"\noverhead",
        "ceph.main.osd_size",
        "must be more than 0",
        "osd_size = \"0Gi\"",
    ),
    row(
        "overhead = \"5%\"",
        "overhead = \"lots\"",
        "ceph.main.overhead",
        "is not a percentage",
    ),
    row(
        "overhead = \"5%\"",
        "overhead = \"5%\"\nnearfull_ratio = 0.92",
        "ceph.main.nearfull_ratio",
        "ratios must satisfy 0 < nearfull ≤ backfillfull ≤ full ≤ 0.97",
    ),
    row(
        "host_monthly_cost = 50.0",
        "host_monthly_cost = -50.0",
        "ceph.main.host_monthly_cost",
        "must be ≥ 0",
    ),
    row(
        "trigger = 0.70",
        "trigger = 1.5",
        "ceph.main.expansion.trigger",
        "must be a utilisation in (0, 1] (got 1.5)",
    ),
    row(
        "trigger = 0.70",
        "trigger = 0.96",
        "ceph.main.expansion.trigger",
        "0.96 is at or above full_ratio (0.95)",
    ),
    row(
        "add = { osds_per_host = 1, osd_size = \"1Ti\" }",
        "add = { hosts = 0 }",
        "ceph.main.expansion.add",
        "expected { osds_per_host = 1, osd_size = ",
    ),
    row(
        "max_outstanding = 1",
        "max_outstanding = 0",
        "ceph.main.expansion.max_outstanding",
        "must be at least 1",
    ),
    // Costs and targets.
    row_at(
        "compute = { fixed_monthly = 100.0 }",
        "compute = \"pods\"",
        "costs.vcpu_hour",
        "needs a price: set it here or use a catalog with [compute]",
        "[costs]",
    ),
    row(
        "compute = { fixed_monthly = 100.0 }",
        "compute = { fixed_monthly = 100.0 }\nvcpu_hour = 0.03",
        "costs.vcpu_hour",
        "vcpu_hour and memory_gib_hour need compute = ",
    ),
    row(
        "fixed = [ { name = \"control plane\", monthly = 73.0 } ]",
        "fixed = [ { name = \"control plane\" } ]",
        "costs.fixed[0]",
        "needs exactly one of monthly = <amount> or price = ",
    ),
    row(
        "fixed = [ { name = \"control plane\", monthly = 73.0 } ]",
        "fixed = [ { name = \"control plane\", monthly = -73.0 } ]",
        "costs.fixed[0].monthly",
        "must be ≥ 0",
    ),
    row(
        "amount = 1000.0",
        "amount = -1000.0",
        "costs.one_time[0].amount",
        "must be ≥ 0",
    ),
    row(
        "monthly_budget = 2500.0",
        "monthly_budget = 2500.0\nmax_volume_full_probability = 1.5",
        "targets.max_volume_full_probability",
        "must be between 0 and 1 (got 1.5)",
    ),
    // Rows for the remaining messages.
    row(
        "horizon_months = 12",
        "horizon_months = 12\ntrials = 0",
        "trials",
        "must be 1 to 1000000000 (got 0)",
    ),
    row(
        "size = \"100Gi\"",
        "size = -5.0",
        "volumes[1].size",
        "-5 is not a size (must be ≥ 0)",
    ),
    row_at(
        "pool = { replicated = { size = 3 } }\n",
        "",
        "storage_classes.ceph-block.pool",
        "a Ceph class needs `pool = { replicated = { size = 3 } }`",
        "[storage_classes.ceph-block]",
    ),
    row(
        "pool = { replicated = { size = 3 } }",
        "pool = { replicated = { size = 3 } }\nlimits = { max = \"1Ti\", source = \"test\" }",
        "storage_classes.ceph-block.limits",
        "size limits belong to cloud disk types",
    ),
    row(
        "growth = { geometric = { rate = { normal = { mean = 0.04, sd = 0.01 } }, noise = 0.02 } }",
        "growth = { schedule = { points = [[0, 20], [12, -5]] } }",
        "population.growth.schedule.points",
        "months and users must be ≥ 0",
    ),
    row_at(
        "pods_per_user = 0.2\n",
        "replicas = 3\n",
        "pods.min",
        "min and max apply to pods_per_user, not to a fixed replicas count",
        "min = 1",
    ),
    Row {
        old: "price_per_gib_month = 0.10",
        new: "price = \"nope\"",
        key: "storage_classes.disk.price",
        message: "no [storage.nope] in catalog",
        at: None,
        also: Some((
            "currency = \"USD\"",
            "currency = \"USD\"\npricing = \"gcp-us-central1\"",
        )),
    },
    row(
        "fixed = [ { name = \"control plane\", monthly = 73.0 } ]",
        "fixed = [ { name = \"control plane\", price = \"eks\" } ]",
        "costs.fixed[0].price",
        "no [fixed.eks] in the scenario's pricing catalog",
    ),
    row(
        "amount = 1000.0",
        "amount = { uniform = { min = 5.0, max = 1.0 } }",
        "costs.one_time[0].amount",
        "min",
    ),
    // The file itself.
    row(
        "horizon_months = 12",
        "horizon_months = 12\ncolour = \"blue\"",
        "colour",
        "unknown field `colour`",
    ),
    row(
        "horizon_months = 12",
        "horizon_months = \"twelve\"",
        "horizon_months",
        "invalid type",
    ),
];

/// The 1-based line on which the last line of `needle` (found whole) stands in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} is not in the changed scenario"));
    text[..at + needle.trim_end_matches('\n').len()]
        .lines()
        .count()
}

/// Whether one of the error lines starts with `prefix` (file:line: key: ) and says `message`.
fn says(stderr: &str, prefix: &str, message: &str) -> bool {
    stderr
        .lines()
        .any(|l| l.trim_start_matches("error: ").starts_with(prefix) && l.contains(message))
}

/// `headroom gate --budget BUDGET SCENARIO`: its exit code and standard error.
fn gate_on(budget: &std::path::Path, scenario: &std::path::Path) -> (Option<i32>, String) {
    let out = headroom()
        .arg("gate")
        .arg("--budget")
        .arg(budget)
        .arg(scenario)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_base_scenario_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("base.toml"), BASE).unwrap();
    headroom()
        .arg("validate")
        .arg(dir.path().join("base.toml"))
        .assert()
        .success();
}

#[test]
fn every_validation_error_names_file_line_key_and_problem() {
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (i, r) in ROWS.iter().enumerate() {
        assert!(
            BASE.contains(r.old),
            "row {i}: {:?} is not in the base",
            r.old
        );
        let mut text = BASE.replacen(r.old, r.new, 1);
        if let Some((old, new)) = r.also {
            text = text.replacen(old, new, 1);
        }
        let path = dir.path().join(format!("row{i}.toml"));
        std::fs::write(&path, &text).unwrap();
        let out = headroom().arg("validate").arg(&path).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let line = line_of(&text, r.at.unwrap_or(r.new));
        let prefix = format!("{}:{line}: {}: ", path.display(), r.key);
        let found = says(&stderr, &prefix, r.message);
        if out.status.code() != Some(2) || !found || stderr.contains("panicked") {
            failures.push(format!(
                "row {i} ({} → {}): want exit 2 and a line starting {prefix:?} with {:?}; got exit {:?}:\n{stderr}",
                r.old, r.new, r.message, out.status.code()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows:\n{}",
        failures.len(),
        ROWS.len(),
        failures.join("\n")
    );
}

/// A valid budget for `gate`: one check and one regression.
const BUDGET: &str = r#"[[check]]
scenarios = ["base"]
metric = "cost_total"
stat = "p90"
month = "worst"
max = 5000.0

[[regression]]
metric = "cost_cumulative"
stat = "mean"
month = "horizon"
max_increase_percent = 5.0
"#;

/// Every error of a budget file, the same way: exit 2, `FILE:LINE: KEY: MESSAGE`.
#[test]
fn every_budget_error_names_file_line_key_and_problem() {
    let rows: &[(&str, &str, &str, &str, &str)] = &[
        // (old, new, key, message, the line's text)
        (
            "month = \"worst\"",
            "month = \"last\"",
            "check[0].month",
            "\"last\" is not",
            "month = \"last\"",
        ),
        (
            "month = \"horizon\"",
            "month = 7",
            "regression[0].month",
            "7 is not \"horizon\" or \"worst\"",
            "month = 7",
        ),
        (
            "stat = \"p90\"",
            "stat = \"p42\"",
            "check[0].stat",
            "\"p42\" is not one of mean, p5, p50, p90, p95, p99",
            "stat = \"p42\"",
        ),
        (
            "metric = \"cost_total\"",
            "metric = \"ceph_full\"",
            "check[0].stat",
            "\"p90\" is not a statistic of an event",
            "stat = \"p90\"",
        ),
        (
            "metric = \"cost_total\"",
            "metric = \"cost_totl\"",
            "check[0].metric",
            "\"cost_totl\" is neither a metric",
            "metric = \"cost_totl\"",
        ),
        (
            "max = 5000.0\n",
            "",
            "check[0]",
            "needs max and/or min",
            "[[check]]",
        ),
        (
            "max = 5000.0",
            "max = nan",
            "check[0].max",
            "must be a finite number",
            "max = nan",
        ),
        (
            "max_increase_percent = 5.0\n",
            "",
            "regression[0]",
            "needs max_increase, max_increase_percent, max_decrease or max_decrease_percent",
            "[[regression]]",
        ),
        (
            "max_increase_percent = 5.0",
            "max_increase_percent = -5.0",
            "regression[0].max_increase_percent",
            "must be a finite number ≥ 0",
            "max_increase_percent = -5.0",
        ),
        (
            "max = 5000.0",
            "max = 5000.0\nlimit = 1",
            "check[0].limit",
            "unknown field `limit`",
            "limit = 1",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("base.toml"), BASE).unwrap();
    let mut failures = Vec::new();
    for (i, (old, new, key, message, at)) in rows.iter().enumerate() {
        assert!(BUDGET.contains(old), "row {i}");
        let text = BUDGET.replacen(old, new, 1);
        let path = dir.path().join(format!("budget{i}.toml"));
        std::fs::write(&path, &text).unwrap();
        let (code, stderr) = gate_on(&path, &dir.path().join("base.toml"));
        let prefix = format!("{}:{}: {key}: ", path.display(), line_of(&text, at));
        if code != Some(2) || !says(&stderr, &prefix, message) {
            failures.push(format!(
                "row {i}: want exit 2 and {prefix:?} with {message:?}; got {code:?}:\n{stderr}"
            ));
        }
    }
    // And an empty budget: nothing to gate on.
    let empty = dir.path().join("empty.toml");
    std::fs::write(&empty, "# nothing\n").unwrap();
    let (code, stderr) = gate_on(&empty, &dir.path().join("base.toml"));
    if code != Some(2) || !stderr.contains("has no [[check]] and no [[regression]]") {
        failures.push(format!("empty budget: {code:?} {stderr}"));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
