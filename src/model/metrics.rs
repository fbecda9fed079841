//! What a trial records (DESIGN §6): the metrics of every month, in CSV order, and the events
//! whose first month it notes. Both own their names, so reports look them up by value, never
//! by a string.

/// One recorded quantity. The discriminant is the column index in a trial's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(usize)]
pub enum Metric {
    /// Users present (not churned).
    Users,
    /// Running pods.
    Pods,
    /// Existing PVCs (including retained ones of churned users and scaled-down pods).
    Volumes,
    /// Σ provisioned size, GiB.
    ProvisionedGib,
    /// Σ used, GiB.
    UsedGib,
    /// Σ billed size of cloud volumes, GiB (after minimums, increments and tiers).
    BilledGib,
    /// Autoresizes this month.
    ResizeEvents,
    /// Resizes an operator did by hand this month (a `manual` expansion policy).
    ManualResizeEvents,
    /// Volumes full this month (demand above size after expansion).
    FullEvents,
    /// Raw capacity of the Ceph clusters, GiB.
    CephRawCapacityGib,
    /// Raw used, GiB: Σ stored × rate × (1 + overhead) + pre-existing raw data.
    CephRawUsedGib,
    /// What the pools can store before the fullest OSD reaches full_ratio, GiB.
    CephUsableGib,
    /// Utilisation of the fullest OSD (the highest over clusters).
    CephFullestOsdUtil,
    /// MAX AVAIL as `ceph df` shows it (get_rule_avail / pool rate, the stored-weighted rate of
    /// the cluster's pools), GiB; summed over clusters.
    CephMaxAvailGib,
    /// What can still be written before the fullest OSD reaches full_ratio, if it keeps its
    /// larger share of new data (projected), GiB; summed over clusters.
    CephWritableGib,
    /// What the volumes wanted to store this month and the Ceph pools refused, GiB (stored,
    /// summed over clusters): a cluster with an OSD past `full_ratio` takes no writes (Ceph's
    /// OSD_FULL and POOL_FULL) until it has room again. Lost service, never a saving.
    CephUnwrittenGib,
    /// 1 if every cluster recovers from losing its largest host with every OSD under
    /// backfillfull_ratio, and, with several OSDs per host, from losing one OSD too; else 0
    /// (always 0 when hosts = pool width: the cluster runs degraded after a host loss).
    CephHostFailureSafe,
    /// 1 if every cluster recovers from losing one OSD with every OSD under backfillfull_ratio
    /// (its data goes to the host's other OSDs; with one OSD per host, as a host loss).
    CephOsdFailureSafe,
    /// Σ provisioned size of thin volumes / usable capacity (the highest over clusters).
    CephOvercommit,
    /// OSDs in the clusters.
    CephOsds,
    /// Expansion orders placed this month.
    CephOrders,
    /// Cloud volumes' billed storage + Ceph hosts and added OSDs/hosts.
    CostStorage,
    /// Snapshot storage.
    CostSnapshots,
    /// Compute.
    CostCompute,
    /// Fixed monthly items + amortised share of one-time costs.
    CostFixed,
    /// One-time costs without amortisation, in the month they are paid.
    CostOneTime,
    /// Sum of the five cost components.
    CostTotal,
    /// Σ cost_total over months 1…m (0 at month 0).
    CostCumulative,
    /// Purchases at their whole amount in the month they are made, amortised or not: the
    /// scenario's one-time costs (month 1) and expansion purchases (their landing month). What
    /// a planner must have the money for, where `cost_fixed` shows only an amortised share. Not
    /// part of `cost_total`.
    Purchases,
}

/// How many metrics a month records.
pub const N_METRICS: usize = Metric::COUNT;

impl Metric {
    /// How many metrics a month records.
    pub const COUNT: usize = 29;

    /// Every metric, in column order.
    pub const ALL: [Metric; Metric::COUNT] = [
        Metric::Users,
        Metric::Pods,
        Metric::Volumes,
        Metric::ProvisionedGib,
        Metric::UsedGib,
        Metric::BilledGib,
        Metric::ResizeEvents,
        Metric::ManualResizeEvents,
        Metric::FullEvents,
        Metric::CephRawCapacityGib,
        Metric::CephRawUsedGib,
        Metric::CephUsableGib,
        Metric::CephFullestOsdUtil,
        Metric::CephMaxAvailGib,
        Metric::CephWritableGib,
        Metric::CephUnwrittenGib,
        Metric::CephHostFailureSafe,
        Metric::CephOsdFailureSafe,
        Metric::CephOvercommit,
        Metric::CephOsds,
        Metric::CephOrders,
        Metric::CostStorage,
        Metric::CostSnapshots,
        Metric::CostCompute,
        Metric::CostFixed,
        Metric::CostOneTime,
        Metric::CostTotal,
        Metric::CostCumulative,
        Metric::Purchases,
    ];

    /// The name used in `timeseries.csv` and `summary.json`.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Users => "users",
            Metric::Pods => "pods",
            Metric::Volumes => "volumes",
            Metric::ProvisionedGib => "provisioned_gib",
            Metric::UsedGib => "used_gib",
            Metric::BilledGib => "billed_gib",
            Metric::ResizeEvents => "resize_events",
            Metric::ManualResizeEvents => "manual_resize_events",
            Metric::FullEvents => "full_events",
            Metric::CephRawCapacityGib => "ceph_raw_capacity_gib",
            Metric::CephRawUsedGib => "ceph_raw_used_gib",
            Metric::CephUsableGib => "ceph_usable_gib",
            Metric::CephFullestOsdUtil => "ceph_fullest_osd_util",
            Metric::CephMaxAvailGib => "ceph_max_avail_gib",
            Metric::CephWritableGib => "ceph_writable_gib",
            Metric::CephUnwrittenGib => "ceph_unwritten_gib",
            Metric::CephHostFailureSafe => "ceph_host_failure_safe",
            Metric::CephOsdFailureSafe => "ceph_osd_failure_safe",
            Metric::CephOvercommit => "ceph_overcommit",
            Metric::CephOsds => "ceph_osds",
            Metric::CephOrders => "ceph_orders",
            Metric::CostStorage => "cost_storage",
            Metric::CostSnapshots => "cost_snapshots",
            Metric::CostCompute => "cost_compute",
            Metric::CostFixed => "cost_fixed",
            Metric::CostOneTime => "cost_one_time",
            Metric::CostTotal => "cost_total",
            Metric::CostCumulative => "cost_cumulative",
            Metric::Purchases => "purchases",
        }
    }

    /// Whether the metric describes a Ceph cluster (left out of reports without one).
    pub fn is_ceph(self) -> bool {
        self.name().starts_with("ceph_")
    }

    /// Column index.
    #[inline]
    pub fn index(self) -> usize {
        self as usize
    }

    /// The metric of a name (`cost_total`), if there is one.
    pub fn from_name(name: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// What a figure is counted in: how a report writes it (an amount of money with its currency,
/// a probability in %, GiB, a ratio of capacity, a plain count).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// The scenario's currency.
    Money,
    /// GiB.
    Gib,
    /// A fraction of capacity (an OSD's utilisation, overcommit): compared with Ceph's ratios.
    Ratio,
    /// A chance, or the share of trials where something holds (the mean of a 0/1 metric).
    Probability,
    /// Users, pods, volumes, events.
    Count,
}

impl Metric {
    /// What its values are counted in.
    pub fn unit(self) -> Unit {
        match self {
            Metric::CostStorage
            | Metric::CostSnapshots
            | Metric::CostCompute
            | Metric::CostFixed
            | Metric::CostOneTime
            | Metric::CostTotal
            | Metric::CostCumulative
            | Metric::Purchases => Unit::Money,
            Metric::ProvisionedGib
            | Metric::UsedGib
            | Metric::BilledGib
            | Metric::CephRawCapacityGib
            | Metric::CephRawUsedGib
            | Metric::CephUsableGib
            | Metric::CephMaxAvailGib
            | Metric::CephWritableGib
            | Metric::CephUnwrittenGib => Unit::Gib,
            Metric::CephFullestOsdUtil | Metric::CephOvercommit => Unit::Ratio,
            Metric::CephHostFailureSafe | Metric::CephOsdFailureSafe => Unit::Probability,
            Metric::Users
            | Metric::Pods
            | Metric::Volumes
            | Metric::ResizeEvents
            | Metric::ManualResizeEvents
            | Metric::FullEvents
            | Metric::CephOsds
            | Metric::CephOrders => Unit::Count,
        }
    }
}

/// Events whose first month a trial notes, and whose probability and timing a run reports.
/// The discriminant indexes every per-event array (`[T; Event::COUNT]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(usize)]
pub enum Event {
    /// Some volume full in some month.
    VolumeFull,
    /// The fullest OSD at or above nearfull.
    CephNearfull,
    /// The fullest OSD at or above full.
    CephFull,
    /// An expansion order placed.
    CephOrder,
    /// `cost_total` above the monthly budget.
    BudgetExceeded,
    /// A failure the cluster could recover from (losing a host where a spare one exists, an
    /// OSD where its host has others) would stall recovery at this fill (backfill_toofull).
    CephRecoveryStall,
    /// A Ceph cluster refused writes: an OSD was past `full_ratio` at the end of the previous
    /// month and the volumes wanted to store more.
    CephWritesBlocked,
}

impl Event {
    /// How many events a trial notes.
    pub const COUNT: usize = 7;

    /// Every event, in index order (also the order of the Parquet export's columns).
    pub const ALL: [Event; Event::COUNT] = [
        Event::VolumeFull,
        Event::CephNearfull,
        Event::CephFull,
        Event::CephOrder,
        Event::BudgetExceeded,
        Event::CephRecoveryStall,
        Event::CephWritesBlocked,
    ];

    /// Name in `summary.json`.
    pub fn name(self) -> &'static str {
        match self {
            Event::VolumeFull => "volume_full",
            Event::CephNearfull => "ceph_nearfull",
            Event::CephFull => "ceph_full",
            Event::CephOrder => "ceph_order",
            Event::BudgetExceeded => "budget_exceeded",
            Event::CephRecoveryStall => "ceph_recovery_stall",
            Event::CephWritesBlocked => "ceph_writes_blocked",
        }
    }

    /// Index into per-event arrays.
    #[inline]
    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether the event concerns a Ceph cluster (it cannot happen without one).
    pub fn is_ceph(self) -> bool {
        self.name().starts_with("ceph_")
    }

    /// The event of a name (`ceph_full`), if there is one.
    pub fn from_name(name: &str) -> Option<Event> {
        Event::ALL.into_iter().find(|e| e.name() == name)
    }
}

/// A metric or an event: something with a stable name and an index.
pub trait Named: Copy + Eq + std::fmt::Debug + 'static {
    /// Every value, in index order.
    const ALL_NAMED: &'static [Self];
    /// The stable name (CSV, JSON, budget files).
    fn name(self) -> &'static str;
    /// Index into per-key arrays.
    fn index(self) -> usize;
}

impl Named for Metric {
    const ALL_NAMED: &'static [Metric] = &Metric::ALL;
    fn name(self) -> &'static str {
        Metric::name(self)
    }
    fn index(self) -> usize {
        Metric::index(self)
    }
}

impl Named for Event {
    const ALL_NAMED: &'static [Event] = &Event::ALL;
    fn name(self) -> &'static str {
        Event::name(self)
    }
    fn index(self) -> usize {
        Event::index(self)
    }
}

/// Values for some metrics or events, looked up by value. Serialized as a map from name to
/// value in the order of the names (as a `BTreeMap<String, T>` is), leaving out absent keys.
#[derive(Debug, Clone, PartialEq)]
pub struct ByName<K: Named, T> {
    slots: Vec<Option<T>>,
    _key: std::marker::PhantomData<K>,
}

impl<K: Named, T> Default for ByName<K, T> {
    fn default() -> Self {
        ByName {
            slots: K::ALL_NAMED.iter().map(|_| None).collect(),
            _key: std::marker::PhantomData,
        }
    }
}

impl<K: Named, T> ByName<K, T> {
    /// The value of `key`, if present.
    pub fn get(&self, key: K) -> Option<&T> {
        self.slots[key.index()].as_ref()
    }

    /// Sets the value of `key`.
    pub fn insert(&mut self, key: K, value: T) {
        self.slots[key.index()] = Some(value);
    }

    /// Whether `key` has a value.
    pub fn contains(&self, key: K) -> bool {
        self.slots[key.index()].is_some()
    }

    /// The present entries, in the order of their names.
    pub fn by_name(&self) -> impl Iterator<Item = (K, &T)> {
        let mut keys: Vec<K> = K::ALL_NAMED.to_vec();
        keys.sort_by_key(|k| k.name());
        keys.into_iter()
            .filter_map(move |k| self.get(k).map(|v| (k, v)))
    }
}

impl<K: Named, T> FromIterator<(K, T)> for ByName<K, T> {
    fn from_iter<I: IntoIterator<Item = (K, T)>>(iter: I) -> Self {
        let mut out = ByName::default();
        for (k, v) in iter {
            out.insert(k, v);
        }
        out
    }
}

impl<K: Named, T: serde::Serialize> serde::Serialize for ByName<K, T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.by_name().map(|(k, v)| (k.name(), v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_is_in_index_order() {
        for (i, m) in Metric::ALL.iter().enumerate() {
            assert_eq!(m.index(), i, "{}", m.name());
            assert_eq!(Metric::from_name(m.name()), Some(*m));
        }
        for (i, e) in Event::ALL.iter().enumerate() {
            assert_eq!(e.index(), i, "{}", e.name());
            assert_eq!(Event::from_name(e.name()), Some(*e));
        }
    }

    #[test]
    fn tables_serialize_by_name_and_skip_absent_keys() {
        let m: ByName<Event, usize> = Event::ALL
            .into_iter()
            .filter(|e| *e != Event::CephOrder)
            .map(|e| (e, e.index()))
            .collect();
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"budget_exceeded":4,"ceph_full":2,"ceph_nearfull":1,"ceph_recovery_stall":5,"ceph_writes_blocked":6,"volume_full":0}"#
        );
        assert_eq!(m.get(Event::CephFull), Some(&2));
        assert_eq!(m.get(Event::CephOrder), None);
        assert!(m.contains(Event::CephFull));
        assert!(!m.contains(Event::CephOrder));
    }

    /// Ceph's metrics and events are the `ceph_*` ones: left out where there is no cluster.
    #[test]
    fn ceph_metrics_and_events() {
        let ceph: Vec<&str> = Event::ALL
            .into_iter()
            .filter(|e| e.is_ceph())
            .map(Event::name)
            .collect();
        assert_eq!(
            ceph,
            [
                "ceph_nearfull",
                "ceph_full",
                "ceph_order",
                "ceph_recovery_stall",
                "ceph_writes_blocked"
            ]
        );
        assert!(Metric::CephOsds.is_ceph() && !Metric::UsedGib.is_ceph());
        assert_eq!(Metric::ALL.iter().filter(|m| m.is_ceph()).count(), 12);
    }
}
