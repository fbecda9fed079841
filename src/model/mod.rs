//! The storage model: population, pods, volumes, storage backends, Ceph clusters and costs.
//!
//! Everything here is pure: plain data in, plain data out, no files, terminal or clock. A
//! [`Model`] is what a scenario file becomes once it has been validated; [`trial`] plays one
//! Monte Carlo path through it, month by month, in the order of DESIGN §2.7.

pub mod batch;
pub mod billing;
pub mod ceph;
pub mod dist;
pub mod metrics;
pub mod population;
pub mod trial;
mod ziggurat_tables;

use crate::quantity::Share;
pub use billing::{Billing, SizeLimits, Tier};
pub use ceph::{CephCluster, CephExpansion, ExpansionAdd};
pub use dist::Dist;
pub use population::{Growth, Population};

/// A validated scenario: every distribution built, every price resolved, every index valid.
#[derive(Debug, Clone)]
pub struct Model {
    /// The scenario's name (file stem unless `name` is set).
    pub name: String,
    /// One-line description, for reports.
    pub description: String,
    /// Months simulated after month 0.
    pub horizon_months: u32,
    /// Currency of every price.
    pub currency: String,
    /// Hours in a billing month (730, the OpenCost/Infracost convention).
    pub hours_per_month: f64,
    /// Calendar month of month 1, as (year, month), if the scenario says.
    pub start: Option<(i32, u32)>,
    /// Users over time.
    pub population: Population,
    /// Pods from users.
    pub pods: Pods,
    /// PVC templates.
    pub volumes: Vec<VolumeTemplate>,
    /// Storage classes, referenced by index from volumes.
    pub storage_classes: Vec<StorageClass>,
    /// Ceph clusters, referenced by index from storage classes.
    pub ceph: Vec<CephCluster>,
    /// Compute, fixed and one-time costs.
    pub costs: Costs,
    /// Risk targets (budget) that probabilities are judged against.
    pub targets: Targets,
    /// Every price used, with its source, for the report's assumptions.
    pub price_sources: Vec<PriceSource>,
    /// What the scenario rests on: the planning documents' figures and its own assumptions.
    pub basis: Basis,
}

/// What a scenario rests on (`[[facts]]`, `[[assumptions]]`): a planner reads the answer
/// knowing which inputs a document gave and which were invented to fill its gaps.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Basis {
    /// Figures a planning document gives, with where.
    pub facts: Vec<Fact>,
    /// Figures the scenario assumes, growth rates first, each with why.
    pub assumptions: Vec<Assumption>,
    /// Growth keys (`volumes.workspace.growth`) that neither a fact nor an assumption names:
    /// invented numbers without a label.
    pub unlabelled: Vec<String>,
}

/// A figure from a planning document.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Fact {
    /// Its key for `extends` (`month-0`).
    pub name: String,
    /// The figure, in words.
    pub text: String,
    /// Where it is written (document and section).
    pub source: String,
    /// The scenario keys it sets (`volumes.workspace.size`).
    pub keys: Vec<String>,
}

/// A figure the scenario assumes.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Assumption {
    /// Its key for `extends` (`user-growth`).
    pub name: String,
    /// The assumption, in words.
    pub text: String,
    /// Why this figure (and what the documents do say).
    pub why: String,
    /// The scenario keys it sets (`population.growth`).
    pub keys: Vec<String>,
}

/// How many pods run.
#[derive(Debug, Clone, PartialEq)]
pub enum PodSizing {
    /// `clamp(ceil(users × per_user), min, max)`.
    PerUser {
        /// Pods per user (0.2 = one pod per five users).
        per_user: f64,
        /// Fewest pods.
        min: u32,
        /// Most pods.
        max: u32,
    },
    /// A fixed StatefulSet size.
    Replicas(u32),
}

/// The pods of the workload and what each requests.
#[derive(Debug, Clone, PartialEq)]
pub struct Pods {
    /// Replica count rule.
    pub sizing: PodSizing,
    /// vCPU requested per pod.
    pub vcpu: f64,
    /// Memory requested per pod, GiB.
    pub memory_gib: f64,
    /// `persistentVolumeClaimRetentionPolicy.whenScaled`: true for `Retain` (the default), so
    /// per-pod PVCs follow the high-water mark of replicas.
    pub retain_when_scaled: bool,
}

/// Bytes of a trial's state per volume at most (its size, usage, high-water mark, existence and
/// resize month; the month's growth draws; room for the vectors to double) and per user.
const BYTES_PER_VOLUME: f64 = 112.0;
const BYTES_PER_USER: f64 = 24.0;

impl Model {
    /// The most volumes one trial can hold: every per-user volume for `max_users` users, every
    /// per-pod volume for the replicas they imply, and the per-cluster counts.
    pub fn most_volumes(&self) -> f64 {
        let users = self.population.max_users as f64;
        let pods = self.pods.replicas(self.population.max_users) as f64;
        self.volumes
            .iter()
            .map(|v| match v.per {
                Per::User => users,
                Per::Pod => pods,
                Per::Cluster(n) => n as f64,
            })
            .sum()
    }

    /// The most memory one trial's state can take (each worker thread holds one), in bytes.
    pub fn largest_trial_bytes(&self) -> f64 {
        self.most_volumes() * BYTES_PER_VOLUME + self.population.max_users as f64 * BYTES_PER_USER
    }

    /// Hosts the widest pool of each Ceph cluster spans (0 for a cluster with no pool).
    pub fn widest_pools(&self) -> Vec<u32> {
        let mut widest = vec![0; self.ceph.len()];
        for class in &self.storage_classes {
            if let Backend::Ceph { cluster, width, .. } = class.backend {
                widest[cluster] = widest[cluster].max(width);
            }
        }
        widest
    }
}

impl Pods {
    /// Replicas for a number of users.
    pub fn replicas(&self, users: u64) -> u32 {
        match self.sizing {
            PodSizing::Replicas(n) => n,
            PodSizing::PerUser { per_user, min, max } => {
                let want = (users as f64 * per_user - 1e-9).ceil().max(0.0);
                (want.min(u32::MAX as f64) as u32).clamp(min, max)
            }
        }
    }
}

/// What a volume template is instantiated per.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Per {
    /// One per StatefulSet replica (a `volumeClaimTemplates` entry).
    Pod,
    /// One per user (a workspace).
    User,
    /// A fixed number for the whole cluster (a shared backup PVC).
    Cluster(u32),
}

/// What happens when a volume's usage reaches its size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Expansion {
    /// Nothing: the volume is full.
    None,
    /// topolvm/pvc-autoresizer: while free < threshold and size < limit,
    /// size = min(limit, ceil_GiB(size + increase)).
    Autoresize {
        /// Free space below which a resize happens (`resize.topolvm.io/threshold`, default 10%).
        threshold: Share,
        /// Growth step (`resize.topolvm.io/increase`, default 10%), of the current capacity.
        increase: Share,
        /// Upper bound (`resize.topolvm.io/storage_limit`, required).
        limit_gib: f64,
    },
    /// An operator's hand (seed 000: "kubectl patch pvc … 20Gi"): when a volume is full, or
    /// its free space falls below `threshold` (an alert), a request is raised; `response_months`
    /// later the volume is grown once, to min(limit, ceil_GiB(size + increase)). With a
    /// response of 0 the operator acts within the month the request is raised (the volume
    /// still counts as full in that month if it filled). One request at a time per volume.
    Manual {
        /// Free space below which a request is raised (0: only when the volume is full).
        threshold: Share,
        /// Growth per resize, of the current capacity or absolute.
        increase: Share,
        /// Largest size the operator grows it to.
        limit_gib: f64,
        /// Months from the request to the resize.
        response_months: u32,
    },
}

impl Expansion {
    /// The largest size the policy grows a volume to (None: it does not grow).
    pub fn limit_gib(&self) -> Option<f64> {
        match *self {
            Expansion::None => None,
            Expansion::Autoresize { limit_gib, .. } | Expansion::Manual { limit_gib, .. } => {
                Some(limit_gib)
            }
        }
    }

    /// "none", "autoresize +10% when free < 10%, up to 50 GiB", "manual +10Gi when full, 1
    /// month after the request, up to 20 GiB".
    pub fn describe(&self) -> String {
        match *self {
            Expansion::None => "none".into(),
            Expansion::Autoresize {
                threshold,
                increase,
                limit_gib,
            } => format!("autoresize +{increase} when free < {threshold}, up to {limit_gib} GiB"),
            Expansion::Manual {
                threshold,
                increase,
                limit_gib,
                response_months,
            } => {
                let when = if threshold.of(1.0) > 0.0 {
                    format!("when free < {threshold}")
                } else {
                    "when full".into()
                };
                let after = match response_months {
                    0 => "within the month".to_string(),
                    1 => "1 month after the request".to_string(),
                    n => format!("{n} months after the request"),
                };
                format!("manual +{increase} {when}, {after}, up to {limit_gib} GiB")
            }
        }
    }
}

/// Snapshot policy of a volume.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snapshots {
    /// Snapshots kept.
    pub retained: u32,
    /// Fraction of the data that changes between two snapshots.
    pub change: f64,
}

impl Snapshots {
    /// Billed snapshot size as a multiple of used size for incremental cloud snapshots: the
    /// first copy is full, each further one holds what changed: `1 + (retained − 1) × change`.
    pub fn cloud_factor(&self) -> f64 {
        if self.retained == 0 {
            0.0
        } else {
            1.0 + (self.retained as f64 - 1.0) * self.change
        }
    }

    /// Extra data a copy-on-write snapshot keeps in a Ceph pool, as a multiple of used size:
    /// each retained RBD snapshot pins the blocks changed since it: `retained × change`.
    pub fn ceph_factor(&self) -> f64 {
        self.retained as f64 * self.change
    }
}

/// A PVC template (`[[volumes]]`).
#[derive(Debug, Clone)]
pub struct VolumeTemplate {
    /// Name (`workspace`, `config`…); also keys the template's random stream, so that two
    /// variants of a scenario see the same draws for a template of the same name.
    pub name: String,
    /// What it is instantiated per.
    pub per: Per,
    /// Index into [`Model::storage_classes`].
    pub storage_class: usize,
    /// Provisioned size at creation, GiB.
    pub size_gib: f64,
    /// Used GiB at creation (clamped to the size).
    pub initial_used: Dist,
    /// GiB added per volume per month (may be negative; usage floors at 0).
    pub growth: Dist,
    /// One multiplier per trial on every volume's growth.
    pub trial_factor: Dist,
    /// Months a churned user's volume is kept before it is deleted.
    pub retention_months: u32,
    /// Expansion policy.
    pub expansion: Expansion,
    /// Snapshot policy, if any.
    pub snapshots: Option<Snapshots>,
    /// RBD only: blocks freed in the filesystem are discarded (`discard` mount option or a
    /// regular fstrim), so the pool gives them back; without it an image keeps its high-water
    /// mark.
    pub discard: bool,
    /// The scenario's autoresize limit where it was above the disk type's largest size (the
    /// limit used is that size).
    pub limit_capped_from: Option<f64>,
    /// Sizes `recommend` weighs (`candidates`), GiB, increasing; empty: a ladder around the size.
    pub candidates: Vec<f64>,
    /// The StatefulSet whose `volumeClaimTemplates` entry this is, where names clash.
    pub statefulset: Option<String>,
}

/// Where a storage class keeps its data and how it is billed.
#[derive(Debug, Clone, PartialEq)]
pub enum Backend {
    /// Cloud block storage, billed on provisioned size.
    Cloud {
        /// Price per GiB-month of provisioned (billed) size: a number, or a quoted range drawn
        /// once per trial ("$50–100/month for 500 GB").
        price_per_gib_month: Dist,
        /// Rounding rule.
        billing: Billing,
        /// Price per GiB-month of snapshot data.
        snapshot_price_per_gib_month: f64,
        /// The sizes the disk type allows, where known.
        limits: Option<SizeLimits>,
    },
    /// A Rook-Ceph pool, thin-provisioned: consumes what is written.
    Ceph {
        /// Index into [`Model::ceph`].
        cluster: usize,
        /// Raw bytes per stored byte: `size`, or (k+m)/k.
        rate: f64,
        /// Hosts one object spans: `size`, or k+m (failure domain host).
        width: u32,
        /// Whether space a volume frees returns to the pool: CephFS (`interface = "cephfs"`)
        /// frees; an RBD image keeps what was written unless the volume discards.
        frees: bool,
        /// The domain of the cluster its rule reaches (index into `CephCluster::domains`).
        domain: usize,
    },
}

/// A Kubernetes StorageClass.
#[derive(Debug, Clone, PartialEq)]
pub struct StorageClass {
    /// Its name, e.g. `ceph-block`.
    pub name: String,
    /// Its backend.
    pub backend: Backend,
}

/// How compute is costed.
#[derive(Debug, Clone, PartialEq)]
pub enum Compute {
    /// `pods × (vcpu × vcpu_hour + memory_gib × memory_gib_hour) × hours_per_month`.
    Pods {
        /// Price per vCPU-hour.
        vcpu_hour: f64,
        /// Price per GiB-hour of memory.
        memory_gib_hour: f64,
    },
    /// A fixed monthly figure.
    FixedMonthly(f64),
    /// A monthly figure per pod (a quoted "~$150/month for 3 pods" is $50 a pod): compute
    /// that follows the replicas without knowing the hourly prices.
    PerPodMonthly(f64),
}

/// A one-time cost (hardware, network equipment).
#[derive(Debug, Clone)]
pub struct OneTime {
    /// What it is.
    pub name: String,
    /// Amount, paid in month 1 (drawn once per trial when uncertain).
    pub amount: Dist,
    /// Spread over this many months from month 1 (0: reported as `cost_one_time` in month 1).
    pub amortize_months: u32,
}

/// Costs other than storage.
#[derive(Debug, Clone)]
pub struct Costs {
    /// Compute rule.
    pub compute: Compute,
    /// Fixed monthly items (control plane, load balancer, power), each drawn once per trial
    /// when uncertain (a quoted range such as "$200–400/month").
    pub fixed: Vec<(String, Dist)>,
    /// One-time items.
    pub one_time: Vec<OneTime>,
}

/// One trial's draws of the uncertain fixed and one-time amounts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CostDraws {
    /// Σ fixed monthly items.
    pub fixed_monthly: f64,
    /// Amount of each one-time item, in [`Costs::one_time`] order.
    pub one_time: Vec<f64>,
}

impl Costs {
    /// Draws the trial's amounts into `draws` (reusing its storage).
    pub fn draw<R: rand::Rng + ?Sized>(&self, rng: &mut R, draws: &mut CostDraws) {
        draws.fixed_monthly = self.fixed.iter().map(|(_, d)| d.sample(rng).max(0.0)).sum();
        draws.one_time.clear();
        draws
            .one_time
            .extend(self.one_time.iter().map(|o| o.amount.sample(rng).max(0.0)));
    }

    /// Fixed monthly items plus the amortised share of one-time items due in `month`.
    /// Month 0 is the run-rate of the initial state, so it carries month 1's share.
    pub fn fixed_in_month(&self, month: u32, draws: &CostDraws) -> f64 {
        let m = month.max(1);
        let amortised: f64 = self
            .one_time
            .iter()
            .zip(&draws.one_time)
            .filter(|(o, _)| o.amortize_months > 0 && m <= o.amortize_months)
            .map(|(o, amount)| amount / o.amortize_months as f64)
            .sum();
        draws.fixed_monthly + amortised
    }

    /// One-time items paid in `month` without amortisation (all in month 1).
    pub fn one_time_in_month(&self, month: u32, draws: &CostDraws) -> f64 {
        if month != 1 {
            return 0.0;
        }
        self.one_time
            .iter()
            .zip(&draws.one_time)
            .filter(|(o, _)| o.amortize_months == 0)
            .map(|(_, amount)| amount)
            .sum()
    }

    /// The one-time items bought in `month`, at their whole amounts, amortised or not (all in
    /// month 1).
    pub fn purchases_in_month(&self, month: u32, draws: &CostDraws) -> f64 {
        if month != 1 {
            return 0.0;
        }
        draws.one_time.iter().sum()
    }

    /// Compute cost of `pods` pods of the given shape for one month.
    pub fn compute_monthly(&self, pods: u32, vcpu: f64, memory_gib: f64, hours: f64) -> f64 {
        match self.compute {
            Compute::FixedMonthly(v) => v,
            Compute::PerPodMonthly(v) => pods as f64 * v,
            Compute::Pods {
                vcpu_hour,
                memory_gib_hour,
            } => pods as f64 * (vcpu * vcpu_hour + memory_gib * memory_gib_hour) * hours,
        }
    }
}

/// Risk targets a run is judged against, and that `recommend` meets (each `None` here takes
/// the documented default of [`Targets::effective`] there).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Targets {
    /// Monthly budget: `budget_exceeded` is the chance that some month's `cost_total` passes it.
    pub monthly_budget: Option<f64>,
    /// Highest acceptable chance that some month passes the budget.
    pub max_budget_exceeded_probability: Option<f64>,
    /// Highest acceptable chance that some volume fills within the horizon.
    pub max_volume_full_probability: Option<f64>,
    /// Highest acceptable full volume-months per 100 volume-months.
    pub max_full_events_per_100_volume_months: Option<f64>,
    /// Highest acceptable autoresizes per volume per month (each one is an API call, a wait and,
    /// on EBS, a 6-hour lock on the volume).
    pub max_resizes_per_volume_month: Option<f64>,
    /// Highest acceptable resizes by hand per volume per month (each is an operator's ticket).
    pub max_manual_resizes_per_volume_month: Option<f64>,
    /// Highest acceptable chance that the fullest OSD passes nearfull within the horizon.
    pub max_ceph_nearfull_probability: Option<f64>,
    /// Whether an expansion trigger must keep the cluster able to recover from the failures it
    /// could recover from (recovery bounded by backfillfull).
    pub require_host_failure_safe: Option<bool>,
    /// Highest acceptable chance that such a failure would stall recovery within the horizon.
    pub max_recovery_stall_probability: Option<f64>,
}

/// Targets with every default filled in.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct EffectiveTargets {
    /// See [`Targets::monthly_budget`] (no default: unchecked).
    pub monthly_budget: Option<f64>,
    /// Default 10%.
    pub max_budget_exceeded_probability: f64,
    /// Default 5%.
    pub max_volume_full_probability: f64,
    /// Default 1 per 100 volume-months.
    pub max_full_events_per_100_volume_months: f64,
    /// Default 0.5: on average no more than one resize per volume every two months.
    pub max_resizes_per_volume_month: f64,
    /// Default 0.05: one ticket per volume every 20 months.
    pub max_manual_resizes_per_volume_month: f64,
    /// Default 5%.
    pub max_ceph_nearfull_probability: f64,
    /// Default true.
    pub require_host_failure_safe: bool,
    /// Default 5%.
    pub max_recovery_stall_probability: f64,
}

impl Targets {
    /// The targets with their documented defaults.
    pub fn effective(&self) -> EffectiveTargets {
        EffectiveTargets {
            monthly_budget: self.monthly_budget,
            max_budget_exceeded_probability: self.max_budget_exceeded_probability.unwrap_or(0.10),
            max_volume_full_probability: self.max_volume_full_probability.unwrap_or(0.05),
            max_full_events_per_100_volume_months: self
                .max_full_events_per_100_volume_months
                .unwrap_or(1.0),
            max_resizes_per_volume_month: self.max_resizes_per_volume_month.unwrap_or(0.5),
            max_manual_resizes_per_volume_month: self
                .max_manual_resizes_per_volume_month
                .unwrap_or(0.05),
            max_ceph_nearfull_probability: self.max_ceph_nearfull_probability.unwrap_or(0.05),
            require_host_failure_safe: self.require_host_failure_safe.unwrap_or(true),
            max_recovery_stall_probability: self.max_recovery_stall_probability.unwrap_or(0.05),
        }
    }
}

/// A price the model uses, and where it came from.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PriceSource {
    /// What is priced (`storage_classes.standard-rwo`).
    pub item: String,
    /// The price.
    pub price: f64,
    /// Its unit (`per GiB-month`).
    pub unit: String,
    /// Where it comes from (catalog and URL, or "inline in the scenario").
    pub source: String,
    /// When the source was read, if known.
    pub as_of: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn replicas_follow_users_within_bounds() {
        let pods = Pods {
            sizing: PodSizing::PerUser {
                per_user: 0.2,
                min: 3,
                max: 10,
            },
            vcpu: 1.0,
            memory_gib: 1.0,
            retain_when_scaled: true,
        };
        assert_eq!(pods.replicas(0), 3);
        assert_eq!(pods.replicas(20), 4);
        assert_eq!(pods.replicas(21), 5);
        assert_eq!(pods.replicas(1000), 10);
    }

    #[test]
    fn limits_of_the_expansion_policies() {
        let share = crate::quantity::Share::Fraction(0.1);
        assert_eq!(Expansion::None.limit_gib(), None);
        let auto = Expansion::Autoresize {
            threshold: share,
            increase: share,
            limit_gib: 50.0,
        };
        assert_eq!(auto.limit_gib(), Some(50.0));
        let manual = Expansion::Manual {
            threshold: share,
            increase: share,
            limit_gib: 20.0,
            response_months: 1,
        };
        assert_eq!(manual.limit_gib(), Some(20.0));
    }

    #[test]
    fn snapshot_factors() {
        let s = Snapshots {
            retained: 4,
            change: 0.1,
        };
        assert!((s.cloud_factor() - 1.3).abs() < 1e-12);
        assert!((s.ceph_factor() - 0.4).abs() < 1e-12);
    }

    /// 254Carbon bare metal (seed 004): $6,000 of hardware over 12 months + $300/month running
    /// = $800/month; the high end $12,000/12 + $600 = $1,600.
    #[test]
    fn amortisation_reproduces_carbon254_running_cost() {
        let costs = Costs {
            compute: Compute::FixedMonthly(0.0),
            fixed: vec![
                ("power".into(), Dist::Fixed(200.0)),
                ("maintenance".into(), Dist::Fixed(100.0)),
            ],
            one_time: vec![OneTime {
                name: "hardware+network".into(),
                amount: Dist::Fixed(6000.0),
                amortize_months: 12,
            }],
        };
        let mut draws = CostDraws::default();
        costs.draw(&mut rand::rngs::ChaCha8Rng::seed_from_u64(0), &mut draws);
        assert_eq!(costs.fixed_in_month(0, &draws), 800.0);
        assert_eq!(costs.fixed_in_month(12, &draws), 800.0);
        assert_eq!(costs.fixed_in_month(13, &draws), 300.0);
        assert_eq!(costs.one_time_in_month(1, &draws), 0.0);
    }
}
