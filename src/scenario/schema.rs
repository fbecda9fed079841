//! The scenario and pricing files as written (DESIGN §3), mirrored by serde structs.
//!
//! Every struct denies unknown keys: a typo must be an error, not a silently ignored setting.
//! Sizes and percentages stay text here ([`Raw`]) and are parsed during validation, where the
//! error can name the key and the line.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

/// A size, percentage or fraction as written: a string (`"10Gi"`, `"5%"`) or a number.
#[derive(Debug, Clone, PartialEq)]
pub enum Raw {
    /// Written as a string.
    Text(String),
    /// Written as a number.
    Number(f64),
}

impl fmt::Display for Raw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Raw::Text(s) => write!(f, "{s:?}"),
            Raw::Number(n) => write!(f, "{n}"),
        }
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Raw;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a quantity such as \"10Gi\", a percentage such as \"5%\", or a number")
            }
            fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
                Ok(Raw::Text(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
                Ok(Raw::Number(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Raw, E> {
                Ok(Raw::Number(v as f64))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Raw, E> {
                Ok(Raw::Number(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// A distribution as written: `{ normal = { mean = 0.1, sd = 0.03 } }`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum DistSpec {
    /// `{ fixed = 2.0 }`
    Fixed(f64),
    /// `{ normal = { mean, sd } }`
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// `{ lognormal = { median, sigma } }`
    Lognormal {
        /// Median.
        median: f64,
        /// σ of the underlying normal.
        sigma: f64,
    },
    /// `{ uniform = { min, max } }`
    Uniform {
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
    /// `{ triangular = { min, mode, max } }`
    Triangular {
        /// Lower bound.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Upper bound.
        max: f64,
    },
    /// `{ pert = { min, mode, max } }`
    Pert {
        /// Lower bound.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Upper bound.
        max: f64,
    },
    /// `{ gamma = { shape, scale } }`
    Gamma {
        /// Shape k.
        shape: f64,
        /// Scale θ.
        scale: f64,
    },
}

/// An amount that is either a number or a distribution drawn once per trial.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum AmountSpec {
    /// `monthly = 73.0`
    Number(f64),
    /// `monthly = { uniform = { min = 200, max = 400 } }`
    Dist(DistSpec),
}

/// A whole scenario file (after `extends` has been merged).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct ScenarioSpec {
    pub name: Option<String>,
    pub description: Option<String>,
    pub horizon_months: u32,
    pub trials: Option<u64>,
    pub seed: Option<u64>,
    pub currency: Option<String>,
    pub pricing: Option<String>,
    pub start: Option<String>,
    pub step: Option<String>,
    pub extends: Option<String>,
    #[serde(default)]
    pub population: PopulationSpec,
    pub pods: Option<PodsSpec>,
    #[serde(default)]
    pub volumes: Vec<VolumeSpec>,
    #[serde(default)]
    pub storage_classes: BTreeMap<String, StorageClassSpec>,
    #[serde(default)]
    pub ceph: BTreeMap<String, CephSpec>,
    #[serde(default)]
    pub costs: CostsSpec,
    #[serde(default)]
    pub targets: TargetsSpec,
    #[serde(default)]
    pub facts: Vec<FactSpec>,
    #[serde(default)]
    pub assumptions: Vec<AssumptionSpec>,
}

/// `[[facts]]`: a figure from a planning document.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct FactSpec {
    pub name: String,
    pub text: String,
    pub source: String,
    #[serde(default)]
    pub keys: Vec<String>,
}

/// `[[assumptions]]`: a figure the scenario invents, and why.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct AssumptionSpec {
    pub name: String,
    pub text: String,
    pub why: String,
    #[serde(default)]
    pub keys: Vec<String>,
}

/// `[population]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct PopulationSpec {
    #[serde(default)]
    pub initial_users: u64,
    #[serde(default)]
    pub churn: f64,
    pub growth: Option<GrowthSpec>,
    pub max_users: Option<u64>,
}

/// `growth = …` of `[population]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[allow(missing_docs)]
pub enum GrowthSpec {
    Fixed,
    Linear {
        per_month: DistSpec,
    },
    Geometric {
        rate: DistSpec,
        #[serde(default)]
        noise: f64,
    },
    Logistic {
        rate: DistSpec,
        capacity: f64,
        #[serde(default)]
        noise: f64,
    },
    Schedule {
        points: Vec<(f64, f64)>,
        factor: Option<DistSpec>,
    },
}

/// `[pods]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct PodsSpec {
    pub pods_per_user: Option<f64>,
    pub replicas: Option<u32>,
    pub min: Option<u32>,
    pub max: Option<u32>,
    #[serde(default)]
    pub vcpu: f64,
    #[serde(default)]
    pub memory_gib: f64,
    pub when_scaled: Option<String>,
}

/// `expansion = …` of a volume.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[allow(missing_docs)]
pub enum ExpansionSpec {
    None,
    Autoresize {
        threshold: Option<Raw>,
        increase: Option<Raw>,
        limit: Raw,
    },
    Manual {
        threshold: Option<Raw>,
        increase: Raw,
        limit: Raw,
        response_months: u32,
    },
}

/// `snapshots = { retained, change }`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct SnapshotsSpec {
    pub retained: u32,
    pub change: f64,
}

/// `[[volumes]]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct VolumeSpec {
    pub name: String,
    pub per: String,
    pub count: Option<u32>,
    pub storage_class: String,
    pub size: Raw,
    pub initial_used: Option<DistSpec>,
    pub growth: Option<DistSpec>,
    pub trial_factor: Option<DistSpec>,
    #[serde(default)]
    pub retention_months: u32,
    pub expansion: Option<ExpansionSpec>,
    pub snapshots: Option<SnapshotsSpec>,
    #[serde(default)]
    pub discard: bool,
    pub candidates: Option<Vec<Raw>>,
    pub statefulset: Option<String>,
    /// The claims (`namespace/name`) this entry stands for, as `ingest` found them: how
    /// `calibrate` matches usage series to it. Not used by the simulation.
    #[serde(default)]
    pub claims: Vec<String>,
}

/// `pool = …` of a Ceph storage class.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[allow(missing_docs)]
pub enum PoolSpec {
    Replicated { size: u32 },
    Erasure { k: u32, m: u32 },
}

/// One offered disk size of a tiered billing rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct TierSpec {
    pub name: Option<String>,
    pub size: Raw,
    /// None: a size the provider offers whose price is not known (sizes billed at it are refused).
    pub monthly: Option<f64>,
}

/// `billing = …` of a cloud storage class or catalog entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[allow(missing_docs)]
pub enum BillingSpec {
    PerGib {
        min: Option<Raw>,
        increment: Option<Raw>,
    },
    Tiered {
        tiers: Vec<TierSpec>,
    },
}

/// `[storage_classes.<name>]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct StorageClassSpec {
    pub backend: String,
    pub cluster: Option<String>,
    pub pool: Option<PoolSpec>,
    pub price: Option<String>,
    pub price_per_gib_month: Option<AmountSpec>,
    pub billing: Option<BillingSpec>,
    pub snapshot_price_per_gib_month: Option<f64>,
    pub limits: Option<LimitsSpec>,
    /// Ceph classes: "rbd" (default) or "cephfs".
    pub interface: Option<String>,
    /// Ceph classes: the device class the pool's CRUSH rule takes (Rook's `deviceClass`).
    pub device_class: Option<String>,
    /// Ceph classes: the CRUSH root the pool's rule takes (Rook's `crushRoot`; default
    /// "default").
    pub crush_root: Option<String>,
}

/// The sizes a provider allows for a disk type, and where that is written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct LimitsSpec {
    pub min: Option<Raw>,
    pub max: Option<Raw>,
    pub source: String,
}

/// `add = …` of an expansion: `{ osds_per_host, osd_size }` or `{ hosts }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct AddSpec {
    pub osds_per_host: Option<u32>,
    pub osd_size: Option<Raw>,
    pub hosts: Option<u32>,
    /// The device class of the OSDs added, where the listed OSDs are of several.
    pub device_class: Option<String>,
}

/// `[ceph.<cluster>.expansion]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct CephExpansionSpec {
    pub trigger: f64,
    #[serde(default)]
    pub projected: bool,
    pub lead_time_months: u32,
    pub add: AddSpec,
    pub monthly_cost: Option<AmountSpec>,
    pub one_time_cost: Option<AmountSpec>,
    #[serde(default)]
    pub amortize_months: u32,
    pub max_outstanding: Option<u32>,
    pub imbalance: Option<Raw>,
}

/// `[ceph.<cluster>]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct CephSpec {
    pub hosts: u32,
    pub osds_per_host: u32,
    pub osd_size: Raw,
    pub overhead: Option<Raw>,
    pub imbalance: Option<Raw>,
    pub nearfull_ratio: Option<f64>,
    pub backfillfull_ratio: Option<f64>,
    pub full_ratio: Option<f64>,
    #[serde(default)]
    pub host_monthly_cost: f64,
    pub osd_monthly_cost: Option<AmountSpec>,
    pub initial_raw_used: Option<Raw>,
    /// A table, or `"none"` (a variant that switches off the expansion of the file it extends).
    #[serde(default, deserialize_with = "expansion_or_none")]
    pub expansion: Option<CephExpansionSpec>,
    pub rook: Option<String>,
    /// The OSDs one by one (an ingested cluster): `[[ceph.<name>.osds]]`.
    pub osds: Option<Vec<OsdEntrySpec>>,
    /// With listed OSDs under several CRUSH trees (device classes, roots): each tree's part of
    /// `initial_raw_used`, by the tree's name (`default~hdd`).
    pub initial_raw_used_by_tree: Option<BTreeMap<String, Raw>>,
}

/// `[[ceph.<cluster>.osds]]`: one OSD as `ceph osd df tree` shows it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct OsdEntrySpec {
    pub id: i64,
    pub host: String,
    pub size: Raw,
    /// CRUSH weight (default: the size in TiB).
    pub weight: Option<f64>,
    /// Raw used today, BlueStore included (default 0).
    pub used: Option<Raw>,
    /// Share of the pools' placement-group copies (default: by weight).
    pub share: Option<f64>,
    /// Of `used`, what is placement-group data (`kb_used_data`): it moves with the OSD's PGs
    /// when the OSD is lost; the rest (BlueStore's DB and metadata) stays (default: only the
    /// modelled volumes' data moves).
    pub data: Option<Raw>,
    /// Device class (`hdd`, `ssd`, `nvme`), as `ceph osd df tree` shows it.
    pub class: Option<String>,
    /// The CRUSH root it is under (default "default").
    pub root: Option<String>,
}

/// `compute = …` of `[costs]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[allow(missing_docs)]
pub enum ComputeSpec {
    Pods,
    FixedMonthly(f64),
    PerPodMonthly(f64),
}

/// An entry of `fixed = [...]`: a monthly amount inline or a key of the catalog's `[fixed]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct FixedSpec {
    pub name: String,
    pub monthly: Option<AmountSpec>,
    pub price: Option<String>,
}

/// An entry of `one_time = [...]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct OneTimeSpec {
    pub name: String,
    pub amount: AmountSpec,
    #[serde(default)]
    pub amortize_months: u32,
}

/// `[costs]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct CostsSpec {
    pub compute: Option<ComputeSpec>,
    pub vcpu_hour: Option<f64>,
    pub memory_gib_hour: Option<f64>,
    #[serde(default)]
    pub fixed: Vec<FixedSpec>,
    #[serde(default)]
    pub one_time: Vec<OneTimeSpec>,
}

/// `[targets]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct TargetsSpec {
    pub monthly_budget: Option<f64>,
    pub max_budget_exceeded_probability: Option<f64>,
    pub max_volume_full_probability: Option<f64>,
    pub max_full_events_per_100_volume_months: Option<f64>,
    pub max_resizes_per_volume_month: Option<f64>,
    pub max_manual_resizes_per_volume_month: Option<f64>,
    pub max_ceph_nearfull_probability: Option<f64>,
    pub require_host_failure_safe: Option<bool>,
    pub max_recovery_stall_probability: Option<f64>,
}

/// A pricing catalog (`pricing/*.toml`, DESIGN §3.2).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct CatalogSpec {
    pub name: String,
    pub currency: String,
    pub source: String,
    pub as_of: String,
    #[serde(default = "default_hours")]
    pub hours_per_month: f64,
    pub notes: Option<String>,
    #[serde(default)]
    pub storage: BTreeMap<String, CatalogStorage>,
    pub snapshots: Option<CatalogPrice>,
    pub compute: Option<CatalogCompute>,
    #[serde(default)]
    pub fixed: BTreeMap<String, CatalogFixed>,
}

fn default_hours() -> f64 {
    730.0
}

/// `[storage.<key>]` of a catalog.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct CatalogStorage {
    pub price_per_gib_month: Option<f64>,
    pub billing: Option<BillingSpec>,
    pub limits: Option<LimitsSpec>,
    pub source: Option<String>,
    pub notes: Option<String>,
}

/// `[snapshots]` of a catalog.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct CatalogPrice {
    pub price_per_gib_month: f64,
    pub source: Option<String>,
}

/// `[compute]` of a catalog.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct CatalogCompute {
    pub vcpu_hour: f64,
    pub memory_gib_hour: f64,
    pub source: Option<String>,
}

/// `[fixed.<key>]` of a catalog.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct CatalogFixed {
    pub monthly: f64,
    pub source: Option<String>,
}

/// `expansion = { … }` or `expansion = "none"` of a Ceph cluster.
fn expansion_or_none<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<CephExpansionSpec>, D::Error> {
    use serde::de::Error;
    match toml::Value::deserialize(d)? {
        toml::Value::String(s) if s == "none" => Ok(None),
        toml::Value::String(s) => Err(D::Error::custom(format!(
            "{s:?} is not an expansion (expected a table, or \"none\")"
        ))),
        other => serde_path_to_error::deserialize::<_, CephExpansionSpec>(other)
            .map(Some)
            .map_err(|e| {
                let path = e.path().to_string();
                let message = e.into_inner().message().trim().to_string();
                if path == "." || message.starts_with("unknown field") {
                    D::Error::custom(message)
                } else {
                    D::Error::custom(format!("{path}: {message}"))
                }
            }),
    }
}
