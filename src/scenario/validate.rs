//! From the file's mirror ([`schema`]) to a [`Model`]: parse quantities, build distributions,
//! resolve prices, and reject what is well-formed but impossible. Every problem is collected,
//! so that `validate` can report them all at once.

use super::schema::*;
use super::{Problem, Scenario, ScenarioError, Sources, catalog_candidates, load_catalog};
use crate::model::ceph::{Domain, erasure_rate, replicated_rate, tree};
use crate::model::population::DEFAULT_MAX_USERS;
use crate::model::*;
use crate::quantity::{Share, parse_gib, parse_percent, parse_share};
use std::collections::BTreeMap;

/// The largest plain number a scenario may give (a price, a vCPU count, a rate): far above any
/// real input, and low enough that products of a few of them stay finite.
const MAX_NUMBER: f64 = 1e9;
/// The largest fraction (`"10000%"`): growth, overheads, shares.
const MAX_FRACTION: f64 = 100.0;
/// The most volumes one `[[volumes]]` entry of `per = "cluster"` may count.
const MAX_COUNT: u32 = 1_000_000;
/// The most users a population may reach (`max_users`).
const MAX_USERS: u64 = 10_000_000;

/// Collects problems while checking a scenario.
struct Checker<'s> {
    sources: &'s Sources,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn err(&mut self, key: &str, message: impl Into<String>) {
        self.problems.push(self.sources.problem(key, message));
    }

    /// A size in GiB.
    fn gib(&mut self, key: &str, raw: &Raw) -> Option<f64> {
        match raw {
            Raw::Number(n) if *n >= 0.0 && *n <= crate::quantity::MAX_GIB => Some(*n),
            Raw::Number(n) if *n > crate::quantity::MAX_GIB => {
                self.err(
                    key,
                    format!("{n} GiB is larger than headroom takes (at most 1Ei, 2^30 GiB)"),
                );
                None
            }
            Raw::Number(n) => {
                self.err(key, format!("{n} is not a size (must be ≥ 0)"));
                None
            }
            Raw::Text(s) => match parse_gib(s) {
                Ok(v) => Some(v),
                Err(e) => {
                    self.err(key, e.to_string());
                    None
                }
            },
        }
    }

    /// A fraction written as `"5%"` or as a number (0.05).
    fn fraction(&mut self, key: &str, raw: Option<&Raw>, default: f64) -> f64 {
        let value = self.any_fraction(key, raw, default);
        if value > MAX_FRACTION {
            self.err(
                key,
                format!(
                    "{} is beyond any sensible share (at most {}%)",
                    raw.map_or(String::new(), |r| r.to_string()),
                    MAX_FRACTION * 100.0
                ),
            );
            return default;
        }
        value
    }

    fn any_fraction(&mut self, key: &str, raw: Option<&Raw>, default: f64) -> f64 {
        match raw {
            None => default,
            Some(Raw::Number(n)) if *n >= 0.0 && n.is_finite() => *n,
            Some(Raw::Text(s)) if parse_percent(s).is_some() => parse_percent(s).unwrap_or(default),
            Some(other) => {
                self.err(
                    key,
                    format!("{other} is not a percentage (expected e.g. \"5%\" or 0.05)"),
                );
                default
            }
        }
    }

    fn share(&mut self, key: &str, raw: Option<&Raw>, default: Share) -> Share {
        match raw {
            None => default,
            Some(Raw::Number(n)) if *n >= 0.0 => Share::Gib(*n),
            Some(Raw::Number(n)) => {
                self.err(key, format!("{n} must be ≥ 0"));
                default
            }
            Some(Raw::Text(s)) => match parse_share(s) {
                Ok(v) => v,
                Err(e) => {
                    self.err(key, e.to_string());
                    default
                }
            },
        }
    }

    fn dist(&mut self, key: &str, spec: Option<&DistSpec>, default: f64) -> Dist {
        let params: Vec<f64> = match spec {
            None => vec![],
            Some(DistSpec::Fixed(v)) => vec![*v],
            Some(DistSpec::Normal { mean, sd }) => vec![*mean, *sd],
            Some(DistSpec::Lognormal { median, sigma }) => vec![*median, *sigma],
            Some(DistSpec::Uniform { min, max }) => vec![*min, *max],
            Some(DistSpec::Triangular { min, mode, max } | DistSpec::Pert { min, mode, max }) => {
                vec![*min, *mode, *max]
            }
            Some(DistSpec::Gamma { shape, scale }) => vec![*shape, *scale],
        };
        if let Some(bad) = params
            .iter()
            .find(|p| !p.is_finite() || p.abs() > MAX_NUMBER)
        {
            self.err(
                key,
                format!(
                    "{bad} is out of range (numbers must be finite, at most {MAX_NUMBER:e} in size)"
                ),
            );
            return Dist::Fixed(default);
        }
        let built = match spec {
            None => Dist::fixed(default),
            Some(DistSpec::Fixed(v)) => Dist::fixed(*v),
            Some(DistSpec::Normal { mean, sd }) => Dist::normal(*mean, *sd),
            Some(DistSpec::Lognormal { median, sigma }) => Dist::lognormal(*median, *sigma),
            Some(DistSpec::Uniform { min, max }) => Dist::uniform(*min, *max),
            Some(DistSpec::Triangular { min, mode, max }) => Dist::triangular(*min, *mode, *max),
            Some(DistSpec::Pert { min, mode, max }) => Dist::pert(*min, *mode, *max),
            Some(DistSpec::Gamma { shape, scale }) => Dist::gamma(*shape, *scale),
        };
        built.unwrap_or_else(|e| {
            self.err(key, e.0);
            Dist::Fixed(default)
        })
    }

    /// A number, or a distribution drawn once per trial; never negative on average.
    fn amount(&mut self, key: &str, a: &AmountSpec) -> Dist {
        let d = match a {
            AmountSpec::Number(v) => Dist::Fixed(self.non_negative(key, *v)),
            AmountSpec::Dist(spec) => self.dist(key, Some(spec), 0.0),
        };
        if d.lower_bound() < 0.0 && d.is_fixed() {
            self.err(key, "must be ≥ 0");
        }
        d
    }

    fn non_negative(&mut self, key: &str, v: f64) -> f64 {
        if !(v >= 0.0 && v.is_finite()) {
            self.err(key, format!("must be ≥ 0 (got {v})"));
            return 0.0;
        }
        if v > MAX_NUMBER {
            self.err(key, format!("{v} is out of range (at most {MAX_NUMBER:e})"));
            return 0.0;
        }
        v
    }

    fn probability(&mut self, key: &str, v: f64) -> f64 {
        if !(0.0..=1.0).contains(&v) {
            self.err(key, format!("must be between 0 and 1 (got {v})"));
            return v.clamp(0.0, 1.0);
        }
        v
    }
}

/// A pricing catalog, resolved.
struct Catalog {
    spec: CatalogSpec,
    label: String,
    /// The catalog file's path and text, for the inputs hash.
    file: (std::path::PathBuf, String),
}

fn parse_start(s: &str) -> Option<(i32, u32)> {
    let (y, m) = s.trim().split_once('-')?;
    let (y, m): (i32, u32) = (y.parse().ok()?, m.parse().ok()?);
    ((1900..=9999).contains(&y) && (1..=12).contains(&m)).then_some((y, m))
}

/// Checks a scenario and builds its model, or returns every problem found.
pub fn scenario(spec: ScenarioSpec, sources: &Sources) -> Result<Scenario, ScenarioError> {
    let mut ck = Checker {
        sources,
        problems: Vec::new(),
    };
    let path = sources.main().to_path_buf();
    let name = scenario_name(&mut ck, &spec, &path);
    let (trials, start) = header(&mut ck, &spec);
    let catalog = spec
        .pricing
        .as_deref()
        .and_then(|name| catalog(&mut ck, &path, name));
    let currency = currency(&mut ck, spec.currency.as_deref(), catalog.as_ref());
    let hours_per_month = catalog.as_ref().map_or(730.0, |c| c.spec.hours_per_month);
    let mut price_sources = Vec::new();

    let population = population(&mut ck, &spec.population);
    let pods = pods(&mut ck, spec.pods.as_ref());
    let ceph: Vec<CephCluster> = spec
        .ceph
        .iter()
        .map(|(cname, c)| ceph_cluster(&mut ck, cname, c))
        .collect();
    let mut storage_classes = storage_classes(&mut ck, &spec, catalog.as_ref(), &mut price_sources);
    class_domains(&mut ck, &ceph, &mut storage_classes, &spec.storage_classes);
    let ceph = ceph_layouts(ceph, &storage_classes, spec.horizon_months);
    let volumes = volumes(
        &mut ck,
        &spec.volumes,
        &storage_classes,
        &spec.storage_classes,
    );
    let costs = costs(&mut ck, &spec.costs, catalog.as_ref(), &mut price_sources);
    price_sources.extend(host_prices(&ceph));
    let targets = targets(&mut ck, &spec.targets);
    let (basis, label_problems) = super::basis::basis(&spec, &sources.merged);
    for (key, message) in label_problems {
        ck.err(&key, message);
    }

    if !ck.problems.is_empty() {
        return Err(ScenarioError {
            problems: ck.problems,
        });
    }
    let inputs_hash = super::hash_texts(
        sources
            .texts()
            .map(|(_, t)| t)
            .chain(catalog.as_ref().map(|c| c.file.1.as_str())),
    );
    let catalog_file = catalog
        .as_ref()
        .map(|c| super::CatalogFile::of(&c.file.0, &c.file.1));
    let scenario = Scenario {
        path,
        inputs_hash,
        catalog: catalog_file,
        model: Model {
            name,
            description: spec.description.unwrap_or_default(),
            horizon_months: spec.horizon_months,
            currency,
            hours_per_month,
            start,
            population,
            pods,
            volumes,
            storage_classes,
            ceph,
            costs,
            targets,
            price_sources,
            basis,
        },
        trials,
        seed: spec.seed,
    };
    check_size(&scenario, sources)?;
    Ok(scenario)
}

/// The most one trial's state may take: each worker thread holds one, so 32 threads (16 a core
/// on 2 cores) stay within 16 GiB.
const TRIAL_STATE_BUDGET: f64 = 512.0 * 1024.0 * 1024.0;

/// Refuses a model whose trial state could outgrow [`TRIAL_STATE_BUDGET`], before anything is
/// allocated, with the figure.
fn check_size(scenario: &Scenario, sources: &Sources) -> Result<(), ScenarioError> {
    let model = &scenario.model;
    let bytes = model.largest_trial_bytes();
    if bytes <= TRIAL_STATE_BUDGET {
        return Ok(());
    }
    let key = model
        .volumes
        .iter()
        .position(
            |v| matches!(v.per, Per::Cluster(n) if n as f64 * 112.0 > TRIAL_STATE_BUDGET / 2.0),
        )
        .map_or("population.max_users".to_string(), |i| {
            format!("volumes[{i}].count")
        });
    Err(ScenarioError {
        problems: vec![sources.problem(
            &key,
            format!(
                "a trial could hold {:.0} volumes and {} users, {:.1} GiB of state per worker thread; headroom's limit is {:.0} MiB: lower max_users or count",
                model.most_volumes(),
                model.population.max_users,
                bytes / 1024f64.powi(3),
                TRIAL_STATE_BUDGET / 1024f64.powi(2)
            ),
        )],
    })
}

/// The scenario's `name`, else its file's: checked, as it becomes the report folder's name.
fn scenario_name(ck: &mut Checker, spec: &ScenarioSpec, path: &std::path::Path) -> String {
    let name = spec.name.clone().unwrap_or_else(|| {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "scenario".into())
    });
    if let Some(problem) = crate::names::problem(&name) {
        match spec.name {
            Some(_) => ck.err("name", problem),
            None => ck.err(
                "",
                format!("{problem} (the file's name, as the scenario has no `name`)"),
            ),
        }
    }
    name
}

/// The run settings: horizon, trials, step, start. Returns (trials, start).
fn header(ck: &mut Checker, spec: &ScenarioSpec) -> (u64, Option<(i32, u32)>) {
    if spec.horizon_months == 0 || spec.horizon_months > 1200 {
        ck.err(
            "horizon_months",
            format!(
                "must be between 1 and 1200 months (got {})",
                spec.horizon_months
            ),
        );
    }
    let trials = spec.trials.unwrap_or(10_000);
    if trials == 0 || trials > crate::engine::MAX_TRIALS {
        ck.err(
            "trials",
            format!("must be 1 to {} (got {trials})", crate::engine::MAX_TRIALS),
        );
    }
    if let Some(step) = &spec.step
        && step != "month"
    {
        ck.err("step", format!("{step:?} is not supported: only \"month\""));
    }
    let start = spec.start.as_deref().and_then(|s| {
        let parsed = parse_start(s);
        if parsed.is_none() {
            ck.err(
                "start",
                format!("{s:?} is not a calendar month (expected e.g. \"2026-01\")"),
            );
        }
        parsed
    });
    (trials, start)
}

/// The pricing catalog `name`, looked for beside the scenario (see [`catalog_candidates`]).
fn catalog(ck: &mut Checker, scenario: &std::path::Path, name: &str) -> Option<Catalog> {
    let candidates = catalog_candidates(scenario, name, ck.sources.workdir());
    let Some(found) = candidates.iter().find(|p| p.exists()) else {
        ck.err(
            "pricing",
            format!(
                "catalog {name:?} not found (looked for {})",
                candidates
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        return None;
    };
    match load_catalog(found) {
        Ok((spec, sources)) => Some(Catalog {
            label: format!(
                "pricing/{name}.toml ({}, as of {})",
                spec.source, spec.as_of
            ),
            spec,
            file: (
                found.clone(),
                sources
                    .texts()
                    .next()
                    .map(|t| t.1.to_string())
                    .unwrap_or_default(),
            ),
        }),
        Err(e) => {
            ck.problems.extend(e.problems);
            None
        }
    }
}

/// The scenario's currency: its own, else the catalog's, else USD; the two must agree.
fn currency(ck: &mut Checker, own: Option<&str>, catalog: Option<&Catalog>) -> String {
    match (own, catalog) {
        (Some(c), Some(cat)) if c != cat.spec.currency => {
            ck.err(
                "currency",
                format!(
                    "{c:?} differs from the catalog's {:?}: prices would be mixed",
                    cat.spec.currency
                ),
            );
            c.to_string()
        }
        (Some(c), _) => c.to_string(),
        (None, Some(cat)) => cat.spec.currency.clone(),
        (None, None) => "USD".into(),
    }
}

/// Every `[storage_classes.*]`, in key order (volumes refer to them by index).
fn storage_classes(
    ck: &mut Checker,
    spec: &ScenarioSpec,
    catalog: Option<&Catalog>,
    prices: &mut Vec<PriceSource>,
) -> Vec<StorageClass> {
    spec.storage_classes
        .iter()
        .map(|(sname, sc)| {
            let key = format!("storage_classes.{sname}");
            if let Some(problem) = crate::names::problem(sname) {
                ck.err(&key, problem);
            }
            let backend = match sc.backend.as_str() {
                "ceph" => ceph_backend(ck, &key, sc, &spec.ceph),
                "cloud" => cloud_backend(ck, &key, sc, catalog, prices),
                other => {
                    ck.err(
                        &format!("{key}.backend"),
                        format!("{other:?} is not a backend (expected \"cloud\" or \"ceph\")"),
                    );
                    Backend::Cloud {
                        price_per_gib_month: Dist::Fixed(0.0),
                        billing: Billing::default(),
                        snapshot_price_per_gib_month: 0.0,
                        limits: None,
                    }
                }
            };
            StorageClass {
                name: sname.clone(),
                backend,
            }
        })
        .collect()
}

/// A Ceph storage class: its cluster, and its pool's rate and width.
fn ceph_backend(
    ck: &mut Checker,
    key: &str,
    sc: &StorageClassSpec,
    clusters: &BTreeMap<String, CephSpec>,
) -> Backend {
    for (field, present) in [
        ("price", sc.price.is_some()),
        ("price_per_gib_month", sc.price_per_gib_month.is_some()),
        ("billing", sc.billing.is_some()),
    ] {
        if present {
            ck.err(
                &format!("{key}.{field}"),
                "a Ceph class is thin-provisioned and costed through its cluster's hosts, not per GiB",
            );
        }
    }
    let cluster = match &sc.cluster {
        None => {
            ck.err(
                &format!("{key}.cluster"),
                "a Ceph class needs `cluster = \"<name of a [ceph.*] table>\"`",
            );
            None
        }
        Some(c) => {
            let found = clusters.keys().position(|k| k == c);
            if found.is_none() {
                ck.err(
                    &format!("{key}.cluster"),
                    format!("no [ceph.{c}] table in the scenario"),
                );
            }
            found
        }
    };
    let (rate, width) = match &sc.pool {
        None => {
            ck.err(
                &format!("{key}.pool"),
                "a Ceph class needs `pool = { replicated = { size = 3 } }` or `{ erasure = { k = 4, m = 2 } }`",
            );
            (3.0, 3)
        }
        Some(PoolSpec::Replicated { size }) => {
            if *size == 0 {
                ck.err(&format!("{key}.pool.replicated.size"), "must be at least 1");
            }
            (replicated_rate((*size).max(1)), (*size).max(1))
        }
        Some(PoolSpec::Erasure { k, m }) => {
            if *k == 0 || *m == 0 {
                ck.err(
                    &format!("{key}.pool.erasure"),
                    format!("k and m must be at least 1 (got k = {k}, m = {m})"),
                );
            }
            (erasure_rate((*k).max(1), *m), k + m)
        }
    };
    if let Some((cname, c)) = cluster.and_then(|i| clusters.iter().nth(i))
        && width > c.hosts
    {
        ck.err(
            &format!("{key}.pool"),
            format!(
                "the pool spans {width} hosts but cluster {cname:?} has {} (failure domain host): its placement groups could never be placed",
                c.hosts
            ),
        );
    }
    let frees = match sc.interface.as_deref() {
        None | Some("rbd") => false,
        Some("cephfs") => true,
        Some(other) => {
            ck.err(
                &format!("{key}.interface"),
                format!("{other:?} is not \"rbd\" or \"cephfs\""),
            );
            false
        }
    };
    if sc.limits.is_some() {
        ck.err(
            &format!("{key}.limits"),
            "size limits belong to cloud disk types; a Ceph volume's size is bounded by its quota",
        );
    }
    Backend::Ceph {
        cluster: cluster.unwrap_or(0),
        rate,
        width,
        frees,
        // Set once the clusters' trees are known (`class_domains`).
        domain: 0,
    }
}

/// Every `[[volumes]]` entry; names must be unique (they key the random streams).
fn volumes(
    ck: &mut Checker,
    specs: &[VolumeSpec],
    classes: &[StorageClass],
    class_specs: &BTreeMap<String, StorageClassSpec>,
) -> Vec<VolumeTemplate> {
    let mut names = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for (i, v) in specs.iter().enumerate() {
        let key = format!("volumes[{i}]");
        if let Some(problem) = crate::names::problem(&v.name) {
            ck.err(&format!("{key}.name"), problem);
        }
        if !names.insert(v.name.as_str()) {
            ck.err(
                &format!("{key}.name"),
                format!("{:?} is used by two volumes", v.name),
            );
        }
        let storage_class = class_specs
            .keys()
            .position(|k| *k == v.storage_class)
            .unwrap_or_else(|| {
                ck.err(
                    &format!("{key}.storage_class"),
                    format!(
                        "no [storage_classes.{}] table in the scenario",
                        v.storage_class
                    ),
                );
                0
            });
        out.push(volume(
            ck,
            &key,
            v,
            storage_class,
            classes.get(storage_class),
        ));
    }
    out
}

/// What a volume template is instantiated per.
fn per(ck: &mut Checker, key: &str, v: &VolumeSpec) -> Per {
    match (v.per.as_str(), v.count) {
        ("pod", None) => Per::Pod,
        ("user", None) => Per::User,
        ("cluster", Some(n)) if n > MAX_COUNT => {
            ck.err(
                &format!("{key}.count"),
                format!("{n} volumes: at most {MAX_COUNT} per entry"),
            );
            Per::Cluster(0)
        }
        ("cluster", Some(n)) => Per::Cluster(n),
        ("cluster", None) => {
            ck.err(
                &format!("{key}.per"),
                "per = \"cluster\" needs `count` (how many such volumes)",
            );
            Per::Cluster(0)
        }
        ("pod" | "user", Some(_)) => {
            ck.err(
                &format!("{key}.count"),
                "count only applies to per = \"cluster\"",
            );
            Per::Pod
        }
        (other, _) => {
            ck.err(
                &format!("{key}.per"),
                format!("{other:?} is not one of \"pod\", \"user\", \"cluster\""),
            );
            Per::Pod
        }
    }
}

/// A volume's expansion policy: pvc-autoresizer's annotations (DESIGN §2.3; its defaults of
/// 10% and 10%), or an operator's hand (on full by default, a step and a response time given).
fn expansion(
    ck: &mut Checker,
    key: &str,
    spec: Option<&ExpansionSpec>,
    size_gib: f64,
) -> Expansion {
    match spec {
        None | Some(ExpansionSpec::None) => Expansion::None,
        Some(ExpansionSpec::Autoresize {
            threshold,
            increase,
            limit,
        }) => {
            let ekey = format!("{key}.expansion.autoresize");
            let defaults = (Share::Fraction(0.1), Share::Fraction(0.1));
            let (threshold, increase, limit_gib) = growth_step(
                ck,
                &ekey,
                (threshold.as_ref(), increase.as_ref(), limit),
                defaults,
                size_gib,
            );
            Expansion::Autoresize {
                threshold,
                increase,
                limit_gib,
            }
        }
        Some(ExpansionSpec::Manual {
            threshold,
            increase,
            limit,
            response_months,
        }) => {
            let ekey = format!("{key}.expansion.manual");
            let defaults = (Share::Fraction(0.0), Share::Fraction(1.0));
            let (threshold, increase, limit_gib) = growth_step(
                ck,
                &ekey,
                (threshold.as_ref(), Some(increase), limit),
                defaults,
                size_gib,
            );
            Expansion::Manual {
                threshold,
                increase,
                limit_gib,
                response_months: *response_months,
            }
        }
    }
}

/// An expansion's threshold, increase (more than 0) and limit (not below the size).
fn growth_step(
    ck: &mut Checker,
    ekey: &str,
    (threshold, increase, limit): (Option<&Raw>, Option<&Raw>, &Raw),
    (default_threshold, default_increase): (Share, Share),
    size_gib: f64,
) -> (Share, Share, f64) {
    let threshold = ck.share(&format!("{ekey}.threshold"), threshold, default_threshold);
    let increase = ck.share(&format!("{ekey}.increase"), increase, default_increase);
    if increase.of(size_gib) <= 0.0 {
        ck.err(&format!("{ekey}.increase"), "must be more than 0");
    }
    let limit_gib = ck.gib(&format!("{ekey}.limit"), limit).unwrap_or(size_gib);
    if limit_gib < size_gib {
        ck.err(
            &format!("{ekey}.limit"),
            format!("the limit ({limit_gib} GiB) is below the size ({size_gib} GiB)"),
        );
    }
    (threshold, increase, limit_gib)
}

/// One `[[volumes]]` entry.
fn volume(
    ck: &mut Checker,
    key: &str,
    v: &VolumeSpec,
    storage_class: usize,
    class: Option<&StorageClass>,
) -> VolumeTemplate {
    let per = per(ck, key, v);
    let size_gib = ck.gib(&format!("{key}.size"), &v.size).unwrap_or(1.0);
    if size_gib <= 0.0 {
        ck.err(&format!("{key}.size"), "must be more than 0");
    }
    let mut expansion = expansion(ck, key, v.expansion.as_ref(), size_gib);
    let mut limit_capped_from = None;
    if let Some(sc) = class
        && let Backend::Cloud {
            billing, limits, ..
        } = &sc.backend
    {
        if let Some(l) = limits {
            limit_capped_from = check_size_limits(ck, key, size_gib, &mut expansion, sc, l);
        }
        check_tiers(ck, key, size_gib, &expansion, sc, billing);
    }
    let discard = v.discard;
    if discard
        && !matches!(
            class.map(|c| &c.backend),
            Some(Backend::Ceph { frees: false, .. })
        )
    {
        ck.err(
            &format!("{key}.discard"),
            "discard applies to volumes of a Ceph RBD class (interface = \"rbd\"); CephFS and cloud disks give freed space back anyway",
        );
    }
    let snapshots = v.snapshots.as_ref().map(|s| Snapshots {
        retained: s.retained,
        change: ck.probability(&format!("{key}.snapshots.change"), s.change),
    });
    VolumeTemplate {
        name: v.name.clone(),
        per,
        storage_class,
        size_gib,
        initial_used: ck.dist(&format!("{key}.initial_used"), v.initial_used.as_ref(), 0.0),
        growth: ck.dist(&format!("{key}.growth"), v.growth.as_ref(), 0.0),
        trial_factor: ck.dist(&format!("{key}.trial_factor"), v.trial_factor.as_ref(), 1.0),
        retention_months: v.retention_months,
        expansion,
        snapshots,
        discard,
        limit_capped_from,
        candidates: candidates(ck, key, v.candidates.as_deref()),
        statefulset: v.statefulset.clone(),
    }
}

/// `candidates`: sizes, increasing.
fn candidates(ck: &mut Checker, key: &str, raw: Option<&[Raw]>) -> Vec<f64> {
    let Some(raw) = raw else {
        return Vec::new();
    };
    let sizes: Vec<f64> = raw
        .iter()
        .enumerate()
        .filter_map(|(i, r)| ck.gib(&format!("{key}.candidates[{i}]"), r))
        .collect();
    if sizes.iter().any(|s| *s <= 0.0) || sizes.windows(2).any(|w| w[1] <= w[0]) {
        ck.err(
            &format!("{key}.candidates"),
            "sizes must be more than 0 and increase",
        );
    }
    sizes
}

/// The largest size a volume can reach: its size, or its autoresize limit.
fn biggest(size_gib: f64, expansion: &Expansion) -> f64 {
    expansion.limit_gib().map_or(size_gib, |l| l.max(size_gib))
}

/// A provider's size range: a size outside it is an error; an autoresize limit above the
/// maximum is lowered to it (the provider refuses to grow a disk further). Returns the
/// scenario's limit when it was lowered.
fn check_size_limits(
    ck: &mut Checker,
    key: &str,
    size_gib: f64,
    expansion: &mut Expansion,
    class: &StorageClass,
    limits: &SizeLimits,
) -> Option<f64> {
    if let Some(min) = limits.min_gib
        && size_gib < min - 1e-9
    {
        ck.err(
            &format!("{key}.size"),
            format!(
                "{size_gib} GiB is below the smallest size of {} ({min} GiB; {})",
                class.name, limits.source
            ),
        );
    }
    let max = limits.max_gib?;
    if size_gib > max + 1e-9 {
        ck.err(
            &format!("{key}.size"),
            format!(
                "{size_gib} GiB is above the largest size of {} ({max} GiB; {})",
                class.name, limits.source
            ),
        );
    }
    match expansion {
        Expansion::Autoresize { limit_gib, .. } | Expansion::Manual { limit_gib, .. }
            if *limit_gib > max + 1e-9 =>
        {
            let asked = *limit_gib;
            *limit_gib = max;
            Some(asked)
        }
        _ => None,
    }
}

/// Tiered billing: no size beyond the largest tier, and none in a tier without a price.
fn check_tiers(
    ck: &mut Checker,
    key: &str,
    size_gib: f64,
    expansion: &Expansion,
    class: &StorageClass,
    billing: &Billing,
) {
    let top = biggest(size_gib, expansion);
    if let Some(max) = billing.max_gib()
        && top > max
    {
        ck.err(
            &format!("{key}.size"),
            format!(
                "{top} GiB is larger than the largest tier of {} ({max} GiB)",
                class.name
            ),
        );
    }
    if let Some(t) = billing.unpriced_tier_between(size_gib, top) {
        let range = if top > size_gib {
            format!("{size_gib}–{top} GiB (size to autoresize limit)")
        } else {
            format!("{size_gib} GiB")
        };
        ck.err(
            &format!("{key}.size"),
            format!(
                "{range} would be billed as {} ({} GiB), whose price {} does not list; choose sizes in priced tiers or add {}'s price rather than bill it at the next listed tier",
                t.name, t.size_gib, class.name, t.name
            ),
        );
    }
}

/// Each Ceph class's CRUSH tree: the one its `crush_root` (default "default") and
/// `device_class` name. Without a device class the root must hold OSDs of one class only: a
/// pool whose rule reaches OSDs of several classes overlaps the pools on each class (Ceph's
/// autoscaler refuses to size such pools too), and headroom cannot tell where its data lands.
fn class_domains(
    ck: &mut Checker,
    ceph: &[CephCluster],
    classes: &mut [StorageClass],
    specs: &BTreeMap<String, StorageClassSpec>,
) {
    for (class, (name, spec)) in classes.iter_mut().zip(specs) {
        let key = format!("storage_classes.{name}");
        let Backend::Ceph {
            cluster, domain, ..
        } = &mut class.backend
        else {
            for (field, v) in [
                ("device_class", &spec.device_class),
                ("crush_root", &spec.crush_root),
            ] {
                if v.is_some() {
                    ck.err(&format!("{key}.{field}"), "belongs to a Ceph class");
                }
            }
            continue;
        };
        let Some(c) = ceph.get(*cluster) else {
            continue;
        };
        let trees: Vec<&str> = c.domains.iter().map(|d| d.name.as_str()).collect();
        let root = spec.crush_root.as_deref().unwrap_or("default");
        let taken = tree::name(Some(root), spec.device_class.as_deref());
        let found = tree::reached(&trees, &taken);
        let (field, what) = match &spec.device_class {
            Some(dc) => ("device_class", format!("class {dc:?} under root {root:?}")),
            None => ("crush_root", format!("root {root:?}")),
        };
        match found[..] {
            [d] => *domain = d,
            [] if c.osds.is_empty() => ck.err(
                &format!("{key}.{field}"),
                format!("cluster {:?} is written by hand (hosts × OSDs), all under root \"default\" with one class; list its OSDs ([[ceph.{}.osds]] with class and root) to place pools by class", c.name, c.name),
            ),
            [] => ck.err(
                &format!("{key}.{field}"),
                format!("no listed OSD of cluster {:?} is of {what} (the trees: {})", c.name, trees.join(", ")),
            ),
            _ => ck.err(
                &format!("{key}.device_class"),
                format!("the pool's rule would reach OSDs of several classes under root {root:?} ({}): give device_class, as the pool's CRUSH rule does", trees.join(", ")),
            ),
        }
    }
}

/// Now that the pools are known: each CRUSH tree's rule is its widest pool's (replicated:
/// firstn, erasure-coded: indep), the default imbalance rule
/// ([`crate::model::ceph::default_imbalance`]) applies where the scenario sets none, and the
/// layouts get room for one landed order a month.
fn ceph_layouts(
    mut ceph: Vec<CephCluster>,
    classes: &[StorageClass],
    horizon_months: u32,
) -> Vec<CephCluster> {
    use crate::model::ceph::crush::Rule;
    for (c, cluster) in ceph.iter_mut().enumerate() {
        let mut rules: Vec<Option<Rule>> = vec![None; cluster.domains.len()];
        for class in classes {
            if let Backend::Ceph {
                cluster: cc,
                width,
                rate,
                domain,
                ..
            } = class.backend
                && cc == c
                && domain < rules.len()
                && rules[domain].is_none_or(|r| width > r.width())
            {
                rules[domain] = Some(if rate < width as f64 - 1e-9 {
                    Rule::Indep(width)
                } else {
                    Rule::Firstn(width)
                });
            }
        }
        for (d, rule) in cluster.domains.iter_mut().zip(rules) {
            // A tree no pool uses yet: size 3, Rook's default.
            d.rule = rule.unwrap_or(Rule::Firstn(3));
        }
        if !cluster.imbalance_set {
            let width = cluster.domains[0].rule.width();
            cluster.imbalance =
                crate::model::ceph::default_imbalance(cluster.hosts, cluster.osds_per_host, width);
        }
        cluster.stages =
            crate::model::ceph::Stages::new(cluster.domains.len(), horizon_months as usize + 2);
    }
    ceph
}

/// `[[ceph.<name>.osds]]`: each OSD's host (by name, numbered in order of first mention),
/// size, CRUSH weight, use, share, and the CRUSH tree its root and class put it in (into
/// `trees`, in order of first mention). A cluster listed OSD by OSD takes its hosts, OSD count
/// and raw capacity from the list; `imbalance` is then what the list says, and may not be
/// set as well.
fn listed_osds(
    ck: &mut Checker,
    key: &str,
    c: &CephSpec,
    trees: &mut Vec<String>,
) -> Vec<crate::model::ceph::layout::OsdSpec> {
    let Some(list) = &c.osds else {
        return Vec::new();
    };
    let okey = format!("{key}.osds");
    if list.is_empty() || list.len() > 100_000 {
        ck.err(&okey, "must list 1 to 100000 OSDs");
    }
    if c.imbalance.is_some() {
        ck.err(
            &format!("{key}.imbalance"),
            "the OSDs are listed one by one ([[ceph.<name>.osds]]): their use and shares say how full the fullest is; drop imbalance",
        );
    }
    let mut hosts: Vec<&str> = Vec::new();
    let mut osds = Vec::new();
    for (i, o) in list.iter().enumerate() {
        let k = format!("{okey}[{i}]");
        let tree = tree::name(o.root.as_deref(), o.class.as_deref());
        for (field, v) in [("class", &o.class), ("root", &o.root)] {
            if let Some(problem) = v.as_deref().and_then(crate::names::problem) {
                ck.err(&format!("{k}.{field}"), problem);
            }
        }
        let domain = match trees.iter().position(|t| *t == tree) {
            Some(d) => d,
            None => {
                trees.push(tree);
                trees.len() - 1
            }
        };
        let host = match hosts.iter().position(|h| *h == o.host) {
            Some(h) => h,
            None => {
                hosts.push(&o.host);
                hosts.len() - 1
            }
        };
        osds.push(osd_entry(ck, &k, o, host as u32, domain as u32));
    }
    if hosts.len() != c.hosts as usize && !list.is_empty() {
        ck.err(
            &format!("{key}.hosts"),
            format!(
                "{} hosts, but the OSDs listed are on {}",
                c.hosts,
                hosts.len()
            ),
        );
    }
    // A share of 0 is an OSD no PG of the pools maps to (new, or of another device class);
    // a share given for some OSDs and not others is a list cut short.
    let given = list.iter().filter(|o| o.share.is_some()).count();
    if given > 0 && given < list.len() {
        ck.err(
            &okey,
            "some OSDs have a share and others none: give every OSD its share of the PGs (0 for none), or no OSD one (new data then lands by CRUSH weight)",
        );
    }
    let data = list.iter().filter(|o| o.data.is_some()).count();
    if data > 0 && data < list.len() {
        ck.err(
            &okey,
            "some OSDs say what of their use is PG data and others not: give every OSD its data (kb_used_data), or none",
        );
    }
    osds
}

/// One listed OSD: its size, use, CRUSH weight (by default its size in TiB, as `ceph-volume`
/// sets it), share of the PG copies and PG data, each checked.
fn osd_entry(
    ck: &mut Checker,
    k: &str,
    o: &OsdEntrySpec,
    host: u32,
    domain: u32,
) -> crate::model::ceph::layout::OsdSpec {
    let size_gib = ck.gib(&format!("{k}.size"), &o.size).unwrap_or(1.0);
    if size_gib <= 0.0 {
        ck.err(&format!("{k}.size"), "must be more than 0");
    }
    let used_gib = o
        .used
        .as_ref()
        .and_then(|r| ck.gib(&format!("{k}.used"), r))
        .unwrap_or(0.0);
    let weight = o.weight.unwrap_or(size_gib / 1024.0);
    if !(weight.is_finite() && (0.0..=1e9).contains(&weight)) {
        ck.err(&format!("{k}.weight"), "must be 0 to 1e9");
    }
    let data_gib = o
        .data
        .as_ref()
        .and_then(|r| ck.gib(&format!("{k}.data"), r));
    if data_gib.is_some_and(|d| d > used_gib * (1.0 + 1e-9) + 1e-9) {
        ck.err(
            &format!("{k}.data"),
            "is more than used: PG data is part of the OSD's raw use",
        );
    }
    let share = o.share.unwrap_or(0.0);
    if !(share.is_finite() && (0.0..=1.0).contains(&share)) {
        ck.err(&format!("{k}.share"), "must be 0 to 1");
    }
    crate::model::ceph::layout::OsdSpec {
        id: o.id,
        host,
        size_gib: size_gib.max(1e-9),
        weight: weight.clamp(0.0, 1e9),
        used_gib,
        share: share.clamp(0.0, 1.0),
        data_gib,
        domain,
    }
}

/// The CRUSH trees of a cluster: one for a hand-written cluster (its pools reach every OSD,
/// and `initial_raw_used` is pool data CRUSH places); for listed OSDs, one per root and device
/// class. Each tree's part of `initial_raw_used` is `initial_raw_used_by_tree`'s, or else its
/// part of the listed OSDs' use; its resident pool data is its OSDs' PG data (`data`) less the
/// modelled pools' raw (its OSDs' use less its part of `initial_raw_used`), none where the
/// list does not say what is PG data. The rules come once the pools are known.
fn domains(
    ck: &mut Checker,
    key: &str,
    c: &CephSpec,
    osds: &[crate::model::ceph::layout::OsdSpec],
    trees: &[String],
    initial_raw_used: f64,
) -> Vec<Domain> {
    let rule = crate::model::ceph::crush::Rule::Firstn(3);
    let by_tree = c.initial_raw_used_by_tree.as_ref();
    let tkey = format!("{key}.initial_raw_used_by_tree");
    if osds.is_empty() {
        if by_tree.is_some() {
            ck.err(
                &tkey,
                "needs the OSDs listed one by one, each with its class and root",
            );
        }
        return vec![Domain::whole(rule, initial_raw_used, initial_raw_used)];
    }
    let used = |d: usize| -> f64 {
        osds.iter()
            .filter(|o| o.domain as usize == d)
            .map(|o| o.used_gib)
            .sum()
    };
    let total: f64 = osds.iter().map(|o| o.used_gib).sum();
    let mut parts: Vec<f64> = (0..trees.len())
        .map(|d| {
            if total > 0.0 {
                initial_raw_used * used(d) / total
            } else {
                initial_raw_used / trees.len() as f64
            }
        })
        .collect();
    if let Some(given) = by_tree {
        for name in given.keys() {
            if !trees.contains(name) {
                ck.err(
                    &format!("{tkey}.{name}"),
                    format!(
                        "no listed OSD is in the tree {name:?} (the trees: {})",
                        trees.join(", ")
                    ),
                );
            }
        }
        for (d, name) in trees.iter().enumerate() {
            match given.get(name) {
                Some(raw) => parts[d] = ck.gib(&format!("{tkey}.{name}"), raw).unwrap_or(0.0),
                None => ck.err(&tkey, format!("gives no part for the tree {name:?}")),
            }
        }
        // ceph df's raw used and the OSDs' own sum differ by a little (statistics of another
        // moment): 1% is allowed, a typo is not.
        let sum: f64 = parts.iter().sum();
        if c.initial_raw_used.is_some()
            && (sum - initial_raw_used).abs() > 0.01 * initial_raw_used.max(1.0)
        {
            ck.err(
                &tkey,
                format!(
                    "its parts add up to {sum} GiB, but initial_raw_used is {initial_raw_used} GiB"
                ),
            );
        }
    }
    trees
        .iter()
        .enumerate()
        .map(|(d, name)| {
            let mine: Vec<_> = osds.iter().filter(|o| o.domain as usize == d).collect();
            let data: Option<f64> = mine.iter().map(|o| o.data_gib).sum();
            let resident = data.map_or(0.0, |x| (x - (used(d) - parts[d]).max(0.0)).max(0.0));
            Domain {
                name: name.clone(),
                rule,
                initial_raw_used_gib: parts[d],
                resident_raw_gib: resident,
            }
        })
        .collect()
}

/// The tree an expansion adds to: the one of its `device_class` (root "default"), which must
/// be named where the listed OSDs are in several trees.
fn expansion_domain(ck: &mut Checker, key: &str, e: &CephExpansionSpec, trees: &[String]) -> usize {
    let akey = format!("{key}.expansion.add.device_class");
    match &e.add.device_class {
        None if trees.len() > 1 => {
            ck.err(
                &akey,
                format!("the listed OSDs are in several CRUSH trees ({}): say which device class the added OSDs are", trees.join(", ")),
            );
            0
        }
        None => 0,
        Some(class) => {
            if trees.is_empty() {
                ck.err(
                    &akey,
                    "needs the OSDs listed one by one, each with its class",
                );
                return 0;
            }
            let name = tree::name(None, Some(class));
            trees.iter().position(|t| *t == name).unwrap_or_else(|| {
                ck.err(&akey, format!("no listed OSD is of class {class:?} under root \"default\" (the trees: {})", trees.join(", ")));
                0
            })
        }
    }
}

/// The hosts' and OSDs' monthly prices, for the report's assumptions.
fn host_prices(clusters: &[CephCluster]) -> Vec<PriceSource> {
    let mut out = Vec::new();
    for c in clusters {
        if c.host_monthly_cost > 0.0 {
            out.push(PriceSource {
                item: format!("ceph.{}.host_monthly_cost", c.name),
                price: c.host_monthly_cost,
                unit: "per host-month".into(),
                source: "inline in the scenario".into(),
                as_of: None,
            });
        }
        let osd = &c.osd_monthly_cost;
        if osd.upper_bound() > 0.0 {
            out.push(PriceSource {
                item: format!("ceph.{}.osd_monthly_cost", c.name),
                price: osd.mean(),
                unit: if osd.is_fixed() {
                    "per OSD-month".into()
                } else {
                    format!(
                        "per OSD-month (mean of {}–{}, drawn per trial)",
                        osd.lower_bound(),
                        osd.upper_bound()
                    )
                },
                source: "inline in the scenario".into(),
                as_of: None,
            });
        }
    }
    out
}

/// `[targets]`.
fn targets(ck: &mut Checker, t: &TargetsSpec) -> Targets {
    Targets {
        monthly_budget: t
            .monthly_budget
            .map(|b| ck.non_negative("targets.monthly_budget", b)),
        max_budget_exceeded_probability: t
            .max_budget_exceeded_probability
            .map(|p| ck.probability("targets.max_budget_exceeded_probability", p)),
        max_volume_full_probability: t
            .max_volume_full_probability
            .map(|p| ck.probability("targets.max_volume_full_probability", p)),
        max_full_events_per_100_volume_months: t
            .max_full_events_per_100_volume_months
            .map(|v| ck.non_negative("targets.max_full_events_per_100_volume_months", v)),
        max_resizes_per_volume_month: t
            .max_resizes_per_volume_month
            .map(|v| ck.non_negative("targets.max_resizes_per_volume_month", v)),
        max_manual_resizes_per_volume_month: t
            .max_manual_resizes_per_volume_month
            .map(|v| ck.non_negative("targets.max_manual_resizes_per_volume_month", v)),
        max_ceph_nearfull_probability: t
            .max_ceph_nearfull_probability
            .map(|p| ck.probability("targets.max_ceph_nearfull_probability", p)),
        require_host_failure_safe: t.require_host_failure_safe,
        max_recovery_stall_probability: t
            .max_recovery_stall_probability
            .map(|p| ck.probability("targets.max_recovery_stall_probability", p)),
    }
}

fn population(ck: &mut Checker, p: &PopulationSpec) -> Population {
    let churn = ck.probability("population.churn", p.churn);
    let growth = match &p.growth {
        None | Some(GrowthSpec::Fixed) => Growth::Fixed,
        Some(GrowthSpec::Linear { per_month }) => Growth::Linear {
            per_month: ck.dist("population.growth.linear.per_month", Some(per_month), 0.0),
        },
        Some(GrowthSpec::Geometric { rate, noise }) => Growth::Geometric {
            rate: ck.dist("population.growth.geometric.rate", Some(rate), 0.0),
            noise: ck.non_negative("population.growth.geometric.noise", *noise),
        },
        Some(GrowthSpec::Logistic {
            rate,
            capacity,
            noise,
        }) => {
            if capacity.is_nan() || *capacity <= 0.0 {
                ck.err(
                    "population.growth.logistic.capacity",
                    format!("must be more than 0 (got {capacity})"),
                );
            }
            Growth::Logistic {
                rate: ck.dist("population.growth.logistic.rate", Some(rate), 0.0),
                capacity: capacity.max(1.0),
                noise: ck.non_negative("population.growth.logistic.noise", *noise),
            }
        }
        Some(GrowthSpec::Schedule { points, factor }) => {
            let key = "population.growth.schedule.points";
            if points.is_empty() {
                ck.err(key, "needs at least one [month, users] point");
            }
            if points.windows(2).any(|w| w[1].0 < w[0].0) {
                ck.err(key, "months must be in increasing order");
            }
            if points.iter().any(|p| p.0 < 0.0 || p.1 < 0.0) {
                ck.err(key, "months and users must be ≥ 0");
            }
            Growth::Schedule {
                points: points.clone(),
                factor: ck.dist("population.growth.schedule.factor", factor.as_ref(), 1.0),
            }
        }
    };
    let max_users = p.max_users.unwrap_or(DEFAULT_MAX_USERS);
    if max_users > MAX_USERS {
        ck.err(
            "population.max_users",
            format!("{max_users} users: at most {MAX_USERS}"),
        );
    }
    if p.initial_users > max_users {
        ck.err(
            "population.initial_users",
            format!("exceeds max_users ({max_users})"),
        );
    }
    Population {
        initial_users: p.initial_users,
        churn,
        growth,
        max_users,
    }
}

fn pods(ck: &mut Checker, p: Option<&PodsSpec>) -> Pods {
    let Some(p) = p else {
        return Pods {
            sizing: PodSizing::Replicas(0),
            vcpu: 0.0,
            memory_gib: 0.0,
            retain_when_scaled: true,
        };
    };
    let sizing = match (p.pods_per_user, p.replicas) {
        (Some(_), Some(_)) => {
            ck.err(
                "pods.replicas",
                "set either pods_per_user or replicas, not both",
            );
            PodSizing::Replicas(0)
        }
        (None, Some(n)) => {
            if p.min.is_some() || p.max.is_some() {
                ck.err(
                    "pods.min",
                    "min and max apply to pods_per_user, not to a fixed replicas count",
                );
            }
            PodSizing::Replicas(n)
        }
        (Some(per_user), None) => {
            let per_user = ck.non_negative("pods.pods_per_user", per_user);
            let (min, max) = (p.min.unwrap_or(0), p.max.unwrap_or(u32::MAX));
            if min > max {
                ck.err("pods.min", format!("min ({min}) is above max ({max})"));
            }
            PodSizing::PerUser {
                per_user,
                min,
                max: max.max(min),
            }
        }
        (None, None) => {
            ck.err(
                "pods",
                "needs pods_per_user (pods from users) or replicas (a fixed StatefulSet size)",
            );
            PodSizing::Replicas(0)
        }
    };
    let retain_when_scaled = match p.when_scaled.as_deref() {
        None | Some("retain") => true,
        Some("delete") => false,
        Some(other) => {
            ck.err(
                "pods.when_scaled",
                format!("{other:?} is not \"retain\" or \"delete\""),
            );
            true
        }
    };
    Pods {
        sizing,
        vcpu: ck.non_negative("pods.vcpu", p.vcpu),
        memory_gib: ck.non_negative("pods.memory_gib", p.memory_gib),
        retain_when_scaled,
    }
}

/// `[ceph.<name>.expansion]`: the trigger below `full` (an order after writes stop is no
/// order), what one order adds, and its prices.
fn ceph_expansion(ck: &mut Checker, key: &str, e: &CephExpansionSpec, full: f64) -> CephExpansion {
    let ekey = format!("{key}.expansion");
    if !(e.trigger > 0.0 && e.trigger <= 1.0) {
        ck.err(
            &format!("{ekey}.trigger"),
            format!("must be a utilisation in (0, 1] (got {})", e.trigger),
        );
    } else if e.trigger >= full {
        ck.err(
            &format!("{ekey}.trigger"),
            format!(
                "{} is at or above full_ratio ({full}): the order would come after writes stop",
                e.trigger
            ),
        );
    }
    let add = match (&e.add.hosts, &e.add.osds_per_host, &e.add.osd_size) {
        (Some(h), None, None) if *h > 0 => ExpansionAdd::Hosts(*h),
        (None, Some(n), Some(size)) if *n > 0 => ExpansionAdd::Osds {
            per_host: *n,
            osd_size_gib: ck.gib(&format!("{ekey}.add.osd_size"), size).unwrap_or(0.0),
        },
        _ => {
            ck.err(
                &format!("{ekey}.add"),
                "expected { osds_per_host = 1, osd_size = \"1Ti\" } or { hosts = 1 } (counts ≥ 1)",
            );
            ExpansionAdd::Hosts(1)
        }
    };
    let max_outstanding = e.max_outstanding.unwrap_or(1);
    if max_outstanding == 0 {
        ck.err(&format!("{ekey}.max_outstanding"), "must be at least 1");
    }
    CephExpansion {
        trigger: e.trigger,
        projected: e.projected,
        lead_time_months: e.lead_time_months,
        add,
        monthly_cost: e.monthly_cost.as_ref().map_or(Dist::Fixed(0.0), |a| {
            ck.amount(&format!("{ekey}.monthly_cost"), a)
        }),
        one_time_cost: e.one_time_cost.as_ref().map_or(Dist::Fixed(0.0), |a| {
            ck.amount(&format!("{ekey}.one_time_cost"), a)
        }),
        amortize_months: e.amortize_months,
        max_outstanding: max_outstanding.max(1),
        imbalance: e
            .imbalance
            .as_ref()
            .map(|r| ck.fraction(&format!("{ekey}.imbalance"), Some(r), 0.0)),
    }
}

fn ceph_cluster(ck: &mut Checker, name: &str, c: &CephSpec) -> CephCluster {
    let key = format!("ceph.{name}");
    if let Some(problem) = crate::names::problem(name) {
        ck.err(&key, problem);
    }
    if c.hosts == 0 || c.hosts > 100_000 {
        ck.err(&format!("{key}.hosts"), "must be 1 to 100000");
    }
    if c.osds_per_host == 0 || c.osds_per_host > 1_000 {
        ck.err(&format!("{key}.osds_per_host"), "must be 1 to 1000");
    }
    let osd_size_gib = ck
        .gib(&format!("{key}.osd_size"), &c.osd_size)
        .unwrap_or(1.0);
    if osd_size_gib <= 0.0 {
        ck.err(&format!("{key}.osd_size"), "must be more than 0");
    }
    let overhead = ck.fraction(&format!("{key}.overhead"), c.overhead.as_ref(), 0.0);
    // Without `imbalance` the default rule applies once the pools are known (see
    // `ceph_imbalance_defaults`).
    let imbalance = ck.fraction(&format!("{key}.imbalance"), c.imbalance.as_ref(), 0.0);
    let nearfull = c.nearfull_ratio.unwrap_or(0.85);
    let backfillfull = c.backfillfull_ratio.unwrap_or(0.90);
    let full = c.full_ratio.unwrap_or(0.95);
    if let Err(message) = crate::model::ceph::check_ratios(nearfull, backfillfull, full) {
        ck.err(&format!("{key}.nearfull_ratio"), message);
    }
    let initial_raw_used_gib = c
        .initial_raw_used
        .as_ref()
        .and_then(|r| ck.gib(&format!("{key}.initial_raw_used"), r))
        .unwrap_or(0.0);
    let host_monthly_cost =
        ck.non_negative(&format!("{key}.host_monthly_cost"), c.host_monthly_cost);
    let osd_monthly_cost = c.osd_monthly_cost.as_ref().map_or(Dist::Fixed(0.0), |a| {
        ck.amount(&format!("{key}.osd_monthly_cost"), a)
    });
    let expansion = c
        .expansion
        .as_ref()
        .map(|e| ceph_expansion(ck, &key, e, full));
    let mut trees = Vec::new();
    let osds = listed_osds(ck, &key, c, &mut trees);
    let domains = domains(ck, &key, c, &osds, &trees, initial_raw_used_gib);
    let expansion_domain = c
        .expansion
        .as_ref()
        .map_or(0, |e| expansion_domain(ck, &key, e, &trees));
    CephCluster {
        osds,
        domains,
        expansion_domain,
        stages: crate::model::ceph::Stages::default(),
        name: name.to_string(),
        hosts: c.hosts.max(1),
        osds_per_host: c.osds_per_host.max(1),
        osd_size_gib: osd_size_gib.max(1e-9),
        overhead,
        imbalance,
        imbalance_set: c.imbalance.is_some(),
        nearfull_ratio: nearfull,
        backfillfull_ratio: backfillfull,
        full_ratio: full,
        host_monthly_cost,
        osd_monthly_cost,
        initial_raw_used_gib,
        expansion,
        rook: c.rook.clone(),
    }
}

fn billing(ck: &mut Checker, key: &str, spec: &BillingSpec) -> Billing {
    match spec {
        BillingSpec::PerGib { min, increment } => {
            let min_gib = min
                .as_ref()
                .and_then(|m| ck.gib(&format!("{key}.per_gib.min"), m))
                .unwrap_or(0.0);
            let increment_gib = increment
                .as_ref()
                .and_then(|m| ck.gib(&format!("{key}.per_gib.increment"), m))
                .unwrap_or(1.0);
            if increment_gib <= 0.0 {
                ck.err(&format!("{key}.per_gib.increment"), "must be more than 0");
            }
            Billing::PerGib {
                min_gib,
                increment_gib: increment_gib.max(1e-9),
            }
        }
        BillingSpec::Tiered { tiers } => {
            let mut out = Vec::new();
            for (i, t) in tiers.iter().enumerate() {
                let size_gib = ck
                    .gib(&format!("{key}.tiered.tiers[{i}].size"), &t.size)
                    .unwrap_or(0.0);
                let monthly = t
                    .monthly
                    .map(|m| ck.non_negative(&format!("{key}.tiered.tiers[{i}].monthly"), m));
                out.push(Tier {
                    name: t.name.clone().unwrap_or_else(|| format!("{size_gib} GiB")),
                    size_gib,
                    monthly,
                });
            }
            if out.is_empty() {
                ck.err(&format!("{key}.tiered.tiers"), "needs at least one tier");
            }
            if out.windows(2).any(|w| w[1].size_gib <= w[0].size_gib) {
                ck.err(&format!("{key}.tiered.tiers"), "tier sizes must increase");
            }
            Billing::Tiered { tiers: out }
        }
    }
}

/// The sizes a disk type allows (`limits = { min, max, source }`).
fn size_limits(ck: &mut Checker, key: &str, spec: &LimitsSpec) -> SizeLimits {
    let min_gib = spec
        .min
        .as_ref()
        .and_then(|m| ck.gib(&format!("{key}.min"), m));
    let max_gib = spec
        .max
        .as_ref()
        .and_then(|m| ck.gib(&format!("{key}.max"), m));
    if let (Some(lo), Some(hi)) = (min_gib, max_gib)
        && lo > hi
    {
        ck.err(
            &format!("{key}.min"),
            format!("{lo} GiB is above max ({hi} GiB)"),
        );
    }
    SizeLimits {
        min_gib,
        max_gib,
        source: spec.source.clone(),
    }
}

/// A cloud class's price from the catalog's `[storage.<k>]`: (price per GiB-month, billing,
/// size limits).
fn catalog_storage(
    ck: &mut Checker,
    key: &str,
    k: &str,
    catalog: Option<&Catalog>,
    sources: &mut Vec<PriceSource>,
) -> Option<(f64, Billing, Option<SizeLimits>)> {
    let Some(cat) = catalog else {
        ck.err(
            &format!("{key}.price"),
            format!(
                "{k:?} names a catalog price, but the scenario has no `pricing = \"<catalog>\"`"
            ),
        );
        return None;
    };
    let Some(entry) = cat.spec.storage.get(k) else {
        ck.err(
            &format!("{key}.price"),
            format!(
                "no [storage.{k}] in catalog {:?} (it has: {})",
                cat.spec.name,
                cat.spec
                    .storage
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        return None;
    };
    let price = entry.price_per_gib_month.unwrap_or(0.0);
    let rule = match &entry.billing {
        Some(b) => billing(ck, &format!("{key}.billing"), b),
        None => Billing::default(),
    };
    let source = entry
        .source
        .clone()
        .unwrap_or_else(|| cat.spec.source.clone());
    let unit = match rule {
        Billing::Tiered { .. } => "per disk-month, by size tier",
        Billing::PerGib { .. } => "per GiB-month",
    };
    sources.push(PriceSource {
        item: format!("{key} ({k})"),
        price,
        unit: unit.into(),
        source: format!("{} — {source}", cat.label),
        as_of: Some(cat.spec.as_of.clone()),
    });
    let limits = entry
        .limits
        .as_ref()
        .map(|l| size_limits(ck, &format!("{key}.price"), l));
    Some((price, rule, limits))
}

/// Where an inline per-GiB price comes from, as the report lists it.
fn inline_per_gib_source(key: &str, price: &Dist) -> PriceSource {
    PriceSource {
        item: key.to_string(),
        price: price.mean(),
        unit: if price.is_fixed() {
            "per GiB-month".into()
        } else {
            format!(
                "per GiB-month (mean of {}–{}, drawn per trial)",
                price.lower_bound(),
                price.upper_bound()
            )
        },
        source: "inline in the scenario".into(),
        as_of: None,
    }
}

fn cloud_backend(
    ck: &mut Checker,
    key: &str,
    sc: &StorageClassSpec,
    catalog: Option<&Catalog>,
    sources: &mut Vec<PriceSource>,
) -> Backend {
    if sc.cluster.is_some() || sc.pool.is_some() {
        let field = if sc.cluster.is_some() {
            "cluster"
        } else {
            "pool"
        };
        ck.err(
            &format!("{key}.{field}"),
            "cluster and pool belong to backend = \"ceph\"",
        );
    }
    let mut price = Dist::Fixed(0.0);
    let mut rule = Billing::default();
    let mut limits = None;
    let mut from_catalog = false;
    match (&sc.price, sc.price_per_gib_month.clone()) {
        (Some(_), Some(_)) => ck.err(
            &format!("{key}.price"),
            "set either price (a catalog key) or price_per_gib_month, not both",
        ),
        (Some(k), None) => {
            if let Some((p, r, l)) = catalog_storage(ck, key, k, catalog, sources) {
                (price, rule, limits, from_catalog) = (Dist::Fixed(p), r, l, true);
            }
        }
        (None, Some(p)) => {
            price = ck.amount(&format!("{key}.price_per_gib_month"), &p);
            sources.push(inline_per_gib_source(key, &price));
        }
        // Inline tiers carry their own prices (a disk-month each).
        (None, None) if matches!(sc.billing, Some(BillingSpec::Tiered { .. })) => {
            let smallest = match &sc.billing {
                Some(BillingSpec::Tiered { tiers }) => tiers.iter().find_map(|t| t.monthly),
                _ => None,
            };
            sources.push(PriceSource {
                item: key.to_string(),
                price: smallest.unwrap_or(0.0),
                unit: "per disk-month, the smallest priced tier (billing.tiered)".into(),
                source: "inline in the scenario".into(),
                as_of: None,
            });
        }
        (None, None) => ck.err(
            &format!("{key}.price"),
            "a cloud class needs price = \"<catalog key>\", price_per_gib_month = <number> or billing = { tiered = … }",
        ),
    }
    if let Some(b) = &sc.billing {
        rule = billing(ck, &format!("{key}.billing"), b);
    }
    if !from_catalog && !price.is_fixed() && price.lower_bound() < 0.0 {
        ck.err(
            &format!("{key}.price_per_gib_month"),
            "must be ≥ 0 (a range must not reach below 0)",
        );
    }
    let snapshot = match (
        sc.snapshot_price_per_gib_month,
        catalog.and_then(|c| c.spec.snapshots.as_ref()),
    ) {
        (Some(p), _) => ck.non_negative(&format!("{key}.snapshot_price_per_gib_month"), p),
        (None, Some(s)) => s.price_per_gib_month,
        (None, None) => 0.0,
    };
    if let Some(l) = &sc.limits {
        limits = Some(size_limits(ck, &format!("{key}.limits"), l));
    }
    if sc.interface.is_some() {
        ck.err(
            &format!("{key}.interface"),
            "interface (rbd or cephfs) belongs to backend = \"ceph\"",
        );
    }
    Backend::Cloud {
        price_per_gib_month: price,
        billing: rule,
        snapshot_price_per_gib_month: snapshot,
        limits,
    }
}

/// `[costs]`: compute, fixed monthly items and one-time items, each price with its source.
fn costs(
    ck: &mut Checker,
    c: &CostsSpec,
    catalog: Option<&Catalog>,
    sources: &mut Vec<PriceSource>,
) -> Costs {
    Costs {
        compute: compute(ck, c, catalog, sources),
        fixed: fixed_items(ck, c, catalog, sources),
        one_time: one_time_items(ck, c, sources),
    }
}

/// How compute is costed: per pod from hourly prices (inline or the catalog's), or a flat sum.
fn compute(
    ck: &mut Checker,
    c: &CostsSpec,
    catalog: Option<&Catalog>,
    sources: &mut Vec<PriceSource>,
) -> Compute {
    // Hourly prices that no rule would use are a mistake, not a silent no-op.
    let hourly = c.vcpu_hour.is_some() || c.memory_gib_hour.is_some();
    if hourly && !matches!(c.compute, Some(ComputeSpec::Pods)) {
        ck.err(
            if c.vcpu_hour.is_some() {
                "costs.vcpu_hour"
            } else {
                "costs.memory_gib_hour"
            },
            "vcpu_hour and memory_gib_hour need compute = \"pods\"",
        );
    }
    match &c.compute {
        None => Compute::FixedMonthly(0.0),
        Some(ComputeSpec::FixedMonthly(v)) => {
            let v = ck.non_negative("costs.compute.fixed_monthly", *v);
            sources.push(PriceSource {
                item: "costs.compute".into(),
                price: v,
                unit: "per month".into(),
                source: "inline in the scenario".into(),
                as_of: None,
            });
            Compute::FixedMonthly(v)
        }
        Some(ComputeSpec::PerPodMonthly(v)) => {
            let v = ck.non_negative("costs.compute.per_pod_monthly", *v);
            sources.push(PriceSource {
                item: "costs.compute".into(),
                price: v,
                unit: "per pod-month".into(),
                source: "inline in the scenario".into(),
                as_of: None,
            });
            Compute::PerPodMonthly(v)
        }
        Some(ComputeSpec::Pods) => {
            let from_cat =
                catalog.and_then(|cat| cat.spec.compute.as_ref().map(|comp| (cat, comp)));
            let mut get = |name: &str,
                           inline: Option<f64>,
                           pick: fn(&CatalogCompute) -> f64|
             -> f64 {
                match (inline, from_cat) {
                    (Some(v), _) => {
                        let v = ck.non_negative(&format!("costs.{name}"), v);
                        sources.push(PriceSource {
                            item: format!("costs.{name}"),
                            price: v,
                            unit: "per hour".into(),
                            source: "inline in the scenario".into(),
                            as_of: None,
                        });
                        v
                    }
                    (None, Some((cat, comp))) => {
                        sources.push(PriceSource {
                            item: format!("costs.{name}"),
                            price: pick(comp),
                            unit: "per hour".into(),
                            source: format!(
                                "{} — {}",
                                cat.label,
                                comp.source
                                    .clone()
                                    .unwrap_or_else(|| cat.spec.source.clone())
                            ),
                            as_of: Some(cat.spec.as_of.clone()),
                        });
                        pick(comp)
                    }
                    (None, None) => {
                        ck.err(
                            &format!("costs.{name}"),
                            "compute = \"pods\" needs a price: set it here or use a catalog with [compute]",
                        );
                        0.0
                    }
                }
            };
            let vcpu_hour = get("vcpu_hour", c.vcpu_hour, |k| k.vcpu_hour);
            let memory_gib_hour = get("memory_gib_hour", c.memory_gib_hour, |k| k.memory_gib_hour);
            Compute::Pods {
                vcpu_hour,
                memory_gib_hour,
            }
        }
    }
}

/// Fixed monthly items, each a number, a range drawn per trial, or a catalog entry.
fn fixed_items(
    ck: &mut Checker,
    c: &CostsSpec,
    catalog: Option<&Catalog>,
    sources: &mut Vec<PriceSource>,
) -> Vec<(String, Dist)> {
    let mut fixed = Vec::new();
    for (i, f) in c.fixed.iter().enumerate() {
        let key = format!("costs.fixed[{i}]");
        let amount = match (&f.monthly, &f.price) {
            (Some(m), None) => {
                let d = ck.amount(&format!("{key}.monthly"), m);
                sources.push(PriceSource {
                    item: f.name.clone(),
                    price: d.mean(),
                    unit: if d.is_fixed() {
                        "per month".into()
                    } else {
                        "per month (mean of a range)".into()
                    },
                    source: "inline in the scenario".into(),
                    as_of: None,
                });
                d
            }
            (None, Some(k)) => {
                match catalog.and_then(|cat| cat.spec.fixed.get(k).map(|e| (cat, e))) {
                    Some((cat, e)) => {
                        sources.push(PriceSource {
                            item: f.name.clone(),
                            price: e.monthly,
                            unit: "per month".into(),
                            source: format!(
                                "{} — {}",
                                cat.label,
                                e.source.clone().unwrap_or_default()
                            ),
                            as_of: Some(cat.spec.as_of.clone()),
                        });
                        Dist::Fixed(e.monthly)
                    }
                    None => {
                        ck.err(
                            &format!("{key}.price"),
                            format!("no [fixed.{k}] in the scenario's pricing catalog"),
                        );
                        Dist::Fixed(0.0)
                    }
                }
            }
            _ => {
                ck.err(
                    &key,
                    "needs exactly one of monthly = <amount> or price = \"<catalog key>\"",
                );
                Dist::Fixed(0.0)
            }
        };
        fixed.push((f.name.clone(), amount));
    }
    fixed
}

/// One-time items (hardware, network), optionally amortised.
fn one_time_items(ck: &mut Checker, c: &CostsSpec, sources: &mut Vec<PriceSource>) -> Vec<OneTime> {
    c.one_time
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let amount = ck.amount(&format!("costs.one_time[{i}].amount"), &o.amount);
            sources.push(PriceSource {
                item: o.name.clone(),
                price: amount.mean(),
                unit: if o.amortize_months > 0 {
                    format!("one-time, amortised over {} months", o.amortize_months)
                } else {
                    "one-time".into()
                },
                source: "inline in the scenario".into(),
                as_of: None,
            });
            OneTime {
                name: o.name.clone(),
                amount,
                amortize_months: o.amortize_months,
            }
        })
        .collect()
}
