//! A cluster's OSDs as the month sees them: each OSD's size, the raw use no modelled pool
//! explains (`base`), its share of the pools' raw data, its part of the CRUSH weight; and the
//! pool raw use at which losing one OSD or one host would stall recovery, from CRUSH's own
//! placement ([`super::crush`]).
//!
//! Every OSD `i` holds `base_i + share_i × R`, where R is the raw space the modelled pools
//! take (stored × rate × (1 + overhead)). That is Ceph's own arithmetic: new data lands where
//! the pool's placement groups are, each PG taking an equal part of the pool. The month's
//! figures follow per OSD:
//! - fullest OSD: `max (base_i + share_i R) / size_i`;
//! - MAX AVAIL: `PGMapDigest::get_rule_avail`, `min (full × size_i − used_i) / (weight_i / Σ
//!   weight)`, over the pool's rate;
//! - writable: `min (full × size_i − used_i) / share_i`, what the pools can still take before
//!   their fullest OSD is full (Ceph's MAX AVAIL assumes data lands by weight; it lands by PG).

use super::crush::{Map, Placement, Rule};
use super::{CephCluster, ExpansionAdd};

/// Placement groups simulated per layout: enough for each OSD's share of a lost OSD's data
/// to ±0.5% on a few dozen OSDs.
pub const SIMULATED_PGS: u32 = 1 << 15;

/// One OSD of the cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct OsdSpec {
    /// Its id (`osd.N`).
    pub id: i64,
    /// Index of its host.
    pub host: u32,
    /// Size, GiB.
    pub size_gib: f64,
    /// CRUSH weight.
    pub weight: f64,
    /// Raw used when captured, GiB (BlueStore's own use included).
    pub used_gib: f64,
    /// Its share of the pools' placement-group copies (`ceph osd df`'s `pgs` over their sum).
    pub share: f64,
    /// Of `used_gib`, what is placement-group data (`kb_used_data`), where the scenario says.
    pub data_gib: Option<f64>,
    /// Its domain (index into [`CephCluster::domains`]).
    pub domain: u32,
}

/// A loss that would stall recovery once the pools' raw use passes `limit`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Loss {
    /// Pools' raw use, GiB, above which recovery from this loss stops at backfillfull.
    pub limit: f64,
    /// The OSD (index) or host (index) whose loss comes first.
    pub which: usize,
}

/// The OSDs of a cluster at one stage of its expansions.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Size of each OSD, GiB.
    pub size: Vec<f64>,
    /// Raw use of each OSD that the modelled pools do not explain, GiB.
    pub base: Vec<f64>,
    /// Each OSD's share of the pools' raw data (Σ = 1, or more where the scenario's imbalance
    /// says the fullest holds more than its part).
    pub share: Vec<f64>,
    /// Each OSD's CRUSH weight over the total: get_rule_avail's share.
    pub weight_share: Vec<f64>,
    /// Host of each OSD.
    pub host: Vec<u32>,
    /// Hosts.
    pub hosts: u32,
    /// Σ size.
    pub raw_capacity: f64,
    /// Losing one OSD, where CRUSH can place its data again (None: it cannot; the PGs stay
    /// degraded, as a host loss without a spare host).
    pub osd_loss: Option<Loss>,
    /// Losing one host, where a spare host exists.
    pub host_loss: Option<Loss>,
    /// The OSDs the month's loop reads ([`distinct`]).
    distinct: Vec<HotOsd>,
    /// The CRUSH map and rule the losses were placed with.
    map: Map,
    rule: Rule,
    /// The listed OSDs' ids (`osd.N`), in order; added and hand-written OSDs have none.
    ids: Vec<i64>,
}

/// The month's figures of a layout under a pools' raw use R.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fill {
    /// Utilisation of the fullest OSD.
    pub util: f64,
    /// get_rule_avail, raw GiB (divide by the rate for MAX AVAIL).
    pub avail_raw: f64,
    /// Raw GiB the pools can still take before an OSD passes full.
    pub writable_raw: f64,
    /// Raw GiB the pools could hold in all before an OSD passes full.
    pub usable_raw: f64,
}

impl Layout {
    /// Builds a layout: `map` gives hosts and weights, `base` and `share` each OSD's use; the
    /// losses are simulated with `rule` on [`SIMULATED_PGS`] placement groups.
    pub fn new(
        map: &Map,
        size: Vec<f64>,
        base: Vec<f64>,
        share: Vec<f64>,
        rule: Rule,
        backfillfull: f64,
        symmetric: bool,
    ) -> Layout {
        let total_weight: f64 = map.weights.iter().sum();
        let mut host = vec![0; map.osds()];
        for (h, osds) in map.hosts.iter().enumerate() {
            for &o in osds {
                host[o as usize] = h as u32;
            }
        }
        let mut layout = Layout {
            raw_capacity: size.iter().sum(),
            weight_share: map
                .weights
                .iter()
                .map(|w| w / total_weight.max(f64::MIN_POSITIVE))
                .collect(),
            size,
            base,
            share,
            host,
            hosts: map.hosts.len() as u32,
            osd_loss: None,
            host_loss: None,
            distinct: Vec::new(),
            map: map.clone(),
            rule,
            ids: Vec::new(),
        };
        layout.distinct = distinct(&layout);
        let placement = Placement::new(map, rule, SIMULATED_PGS);
        let n = map.osds();
        let mut out = vec![false; n];
        let mut osd_moves = Vec::with_capacity(n);
        for o in 0..n {
            out[o] = true;
            osd_moves.push(Moves::of(map, &placement, &out));
            out[o] = false;
        }
        let mut host_moves = Vec::new();
        if map.hosts.len() > rule.width() as usize {
            for osds in &map.hosts {
                osds.iter().for_each(|&o| out[o as usize] = true);
                host_moves.push(Moves::of(map, &placement, &out));
                osds.iter().for_each(|&o| out[o as usize] = false);
            }
        }
        if symmetric {
            symmetrize(&mut osd_moves, &layout.host);
            symmetrize(&mut host_moves, &layout.host);
        }
        for (o, m) in osd_moves.iter().enumerate() {
            layout.osd_loss = worst(layout.osd_loss, layout.limit(m, backfillfull), o);
        }
        for (h, m) in host_moves.iter().enumerate() {
            layout.host_loss = worst(layout.host_loss, layout.limit(m, backfillfull), h);
        }
        layout
    }

    /// The pools' raw use above which a loss stalls recovery: after CRUSH has placed the lost
    /// OSDs' copies again, some OSD passes `backfillfull` (Ceph's state is strict: exactly at
    /// the ratio still backfills). OSD j then holds `base_j + (share_j + gain_j × lost) R`,
    /// where `lost` is the lost OSDs' share and `gain_j` the part of it CRUSH sends to j. None
    /// when CRUSH cannot place the copies (no spare failure domain: the PGs stay degraded and
    /// nothing moves).
    fn limit(&self, moves: &Moves, backfillfull: f64) -> Option<f64> {
        if moves.unplaced > 0.01 {
            return None;
        }
        // The few PGs CRUSH gives up on count where the others went: conservative, and what
        // Ceph does once `choose_total_tries` is raised.
        let lost: f64 =
            moves.out.iter().map(|&o| self.share[o]).sum::<f64>() / (1.0 - moves.unplaced);
        let mut limit = f64::INFINITY;
        for (j, gain) in moves.gain.iter().enumerate() {
            if moves.out.contains(&j) {
                continue;
            }
            let coef = self.share[j] + gain * lost;
            if coef > 0.0 {
                limit = limit.min((backfillfull * self.size[j] - self.base[j]) / coef);
            }
        }
        // The gains are sums of fractions (a third is 0.333…): an OSD that lands exactly on
        // backfillfull must not stall by a rounding of 1e-16.
        Some(limit * (1.0 + 1e-12))
    }

    /// Each OSD's utilisation once the OSDs `out` (indices) are lost and recovery has placed
    /// their copies where CRUSH puts them, the pools taking `r` raw GiB: what `ceph osd df`
    /// shows after `ceph osd out` and backfill to active+clean. A lost OSD shows what it held
    /// besides the pools' data (its base). Placed afresh on [`SIMULATED_PGS`] placement groups.
    pub fn after_loss(&self, out: &[usize], r: f64) -> Vec<f64> {
        let placement = Placement::new(&self.map, self.rule, SIMULATED_PGS);
        let mut lost = vec![false; self.map.osds()];
        out.iter().for_each(|&o| lost[o] = true);
        let moves = Moves::of(&self.map, &placement, &lost);
        let share_lost: f64 = out.iter().map(|&o| self.share[o]).sum::<f64>()
            / (1.0 - moves.unplaced).max(f64::MIN_POSITIVE);
        (0..self.size.len())
            .map(|j| {
                let share = if lost[j] {
                    0.0
                } else {
                    self.share[j] + moves.gain[j] * share_lost
                };
                (self.base[j] + share * r) / self.size[j]
            })
            .collect()
    }

    /// The id (`osd.N`) of OSD `i`, where the scenario lists it.
    pub fn osd_id(&self, i: usize) -> Option<i64> {
        self.ids.get(i).copied()
    }

    /// Utilisation of the fullest OSD when the pools take `r` raw GiB.
    #[inline]
    pub fn util(&self, r: f64) -> f64 {
        let mut util: f64 = 0.0;
        for o in &self.distinct {
            util = util.max((o.base + o.share * r) / o.size);
        }
        util
    }

    /// The month's figures when the pools take `r` raw GiB.
    #[inline]
    pub fn fill(&self, r: f64, full_ratio: f64) -> Fill {
        let mut f = Fill {
            util: 0.0,
            avail_raw: f64::INFINITY,
            writable_raw: f64::INFINITY,
            usable_raw: f64::INFINITY,
        };
        for o in &self.distinct {
            let used = o.base + o.share * r;
            let room = full_ratio * o.size - used;
            f.util = f.util.max(used / o.size);
            f.avail_raw = f.avail_raw.min(room.max(0.0) * o.per_weight);
            if o.per_share > 0.0 {
                f.writable_raw = f.writable_raw.min(room * o.per_share);
                f.usable_raw = f
                    .usable_raw
                    .min((full_ratio * o.size - o.base) * o.per_share);
            }
        }
        for v in [&mut f.avail_raw, &mut f.writable_raw, &mut f.usable_raw] {
            *v = if v.is_finite() { v.max(0.0) } else { 0.0 };
        }
        f
    }
}

/// An OSD as the month's loop reads it: its figures side by side, and the reciprocals of its
/// shares (0 where it has none: it bounds nothing).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HotOsd {
    size: f64,
    base: f64,
    share: f64,
    per_weight: f64,
    per_share: f64,
}

/// The OSDs the month must look at: the fullest OSD, MAX AVAIL and what can be written are
/// minima and maxima over OSDs, so OSDs alike in size, use, share and weight count once (the
/// equal OSDs of a hand-written cluster are two kinds: the fullest and the rest).
fn distinct(layout: &Layout) -> Vec<HotOsd> {
    let mut out: Vec<HotOsd> = Vec::new();
    for i in 0..layout.size.len() {
        let ws = layout.weight_share[i];
        let hot = HotOsd {
            size: layout.size[i],
            base: layout.base[i],
            share: layout.share[i],
            per_weight: if ws > 0.0 { 1.0 / ws } else { 0.0 },
            per_share: if layout.share[i] > 0.0 {
                1.0 / layout.share[i]
            } else {
                0.0
            },
        };
        // An OSD of no weight is not in get_rule_avail's set: a 0 × room never bounds (the
        // minimum starts at infinity and room is floored at 0 first).
        let hot = if ws > 0.0 {
            hot
        } else {
            HotOsd {
                per_weight: f64::INFINITY,
                ..hot
            }
        };
        if !out.contains(&hot) {
            out.push(hot);
        }
    }
    out
}

/// Where the copies of lost OSDs go, as parts of what they held.
#[derive(Debug, Clone)]
struct Moves {
    /// The lost OSDs.
    out: Vec<usize>,
    /// Each OSD's gain (negative: a loss to a cascade), over the lost OSDs' copies.
    gain: Vec<f64>,
    /// The part CRUSH could not place.
    unplaced: f64,
}

impl Moves {
    fn of(map: &Map, placement: &Placement, out: &[bool]) -> Moves {
        let after = placement.copies_with_out(map, out);
        let lost: f64 = (0..out.len())
            .filter(|&o| out[o])
            .map(|o| placement.copies[o] as f64)
            .sum::<f64>()
            .max(1.0);
        let placed: u32 = after.iter().sum();
        Moves {
            out: (0..out.len()).filter(|&o| out[o]).collect(),
            gain: (0..out.len())
                .map(|j| (after[j] as f64 - placement.copies[j] as f64) / lost)
                .collect(),
            // CRUSH gives up on a PG after 50 tries; one in ten thousand such PGs stays
            // undersized on 3 hosts × 2 OSDs in Ceph too, and is not a missing domain.
            unplaced: (placement.total() - placed) as f64 / lost,
        }
    }
}

/// Equal hosts of equal OSDs: every OSD's loss is alike, and so is every host's, up to the
/// naming. The simulated gains are pooled over all of them — a sibling's, a stranger's —
/// which takes the placement noise of one loss (±1% of a share at 2^15 PGs) down to that of
/// all of them, and makes the hand-checkable cases exact (with no spare host the sibling
/// takes all; with one host spare each stranger a third).
fn symmetrize(moves: &mut [Moves], host: &[u32]) {
    let count = moves.len() as f64;
    if moves.is_empty() {
        return;
    }
    let (mut near, mut far, mut unplaced) = (0.0, 0.0, 0.0);
    let (mut near_n, mut far_n) = (0.0f64, 0.0f64);
    for m in moves.iter() {
        let lost_hosts: Vec<u32> = m.out.iter().map(|&o| host[o]).collect();
        for (j, g) in m.gain.iter().enumerate() {
            if m.out.contains(&j) {
                continue;
            }
            if lost_hosts.contains(&host[j]) {
                near += g;
                near_n += 1.0;
            } else {
                far += g;
                far_n += 1.0;
            }
        }
        unplaced += m.unplaced;
    }
    for m in moves.iter_mut() {
        let lost_hosts: Vec<u32> = m.out.iter().map(|&o| host[o]).collect();
        for (j, g) in m.gain.iter_mut().enumerate() {
            if m.out.contains(&j) {
                *g = 0.0;
            } else if lost_hosts.contains(&host[j]) {
                *g = near / near_n.max(1.0);
            } else {
                *g = far / far_n.max(1.0);
            }
        }
        m.unplaced = unplaced / count;
    }
}

/// The loss that stalls first (the lowest limit), keeping the earlier on a tie.
fn worst(seen: Option<Loss>, limit: Option<f64>, which: usize) -> Option<Loss> {
    match (seen, limit) {
        (_, None) => seen,
        (Some(s), Some(l)) if s.limit <= l => Some(s),
        (_, Some(limit)) => Some(Loss { limit, which }),
    }
}

/// `hosts` equal hosts of `per_host` equal OSDs of `osd_size` GiB, as a scenario written by
/// hand describes them, the fullest OSD holding `(1 + imbalance)` times its part of the data
/// (the others the rest, equally): the single-imbalance model, per OSD.
pub fn uniform(
    hosts: u32,
    per_host: u32,
    osd_size: f64,
    imbalance: f64,
    rule: Rule,
    backfillfull: f64,
) -> Layout {
    let map = uniform_map(hosts, per_host, 1.0);
    let n = map.osds();
    let mut share = vec![0.0; n];
    share[0] = (1.0 + imbalance) / n as f64;
    if n > 1 {
        let rest = ((n as f64 - 1.0 - imbalance) / (n as f64 * (n as f64 - 1.0))).max(0.0);
        share[1..].fill(rest);
    }
    Layout::new(
        &map,
        vec![osd_size; n],
        vec![0.0; n],
        share,
        rule,
        backfillfull,
        true,
    )
}

/// The OSDs a scenario lists of domain `domain`, after `landed` orders. Today each OSD holds
/// what it was captured holding: `base_i = used_i − share_i × D` stays on it whatever happens,
/// where D is the pool data CRUSH places on the domain (the modelled pools' raw, `Σ used −
/// initial_raw_used` over the domain's OSDs, plus what other pools already hold,
/// [`super::Domain::resident_raw_gib`]); new data lands by `share_i` (normalised over the
/// domain), and a lost OSD's `share_i × D` is placed again. An order adds OSDs (CRUSH weight
/// = size in TiB, as `ceph-volume` sets it) and Ceph rebalances: the pools' data then lies as
/// CRUSH places it on the new map (simulated), while each OSD's base stays where it is.
pub fn listed(cluster: &CephCluster, domain: usize, landed: u32, backfillfull: f64) -> Layout {
    let d = &cluster.domains[domain];
    let osds: Vec<&OsdSpec> = cluster
        .osds
        .iter()
        .filter(|o| o.domain as usize == domain)
        .collect();
    // The domain's hosts, numbered in order of first mention.
    let mut hosts: Vec<u32> = Vec::new();
    let mut map = Map {
        hosts: Vec::new(),
        weights: osds.iter().map(|o| o.weight).collect(),
    };
    for (i, o) in osds.iter().enumerate() {
        let h = match hosts.iter().position(|&h| h == o.host) {
            Some(h) => h,
            None => {
                hosts.push(o.host);
                map.hosts.push(Vec::new());
                hosts.len() - 1
            }
        };
        map.hosts[h].push(i as u32);
    }
    let mut size: Vec<f64> = osds.iter().map(|o| o.size_gib).collect();
    let captured: f64 = osds.iter().map(|o| o.used_gib).sum();
    let pooled = (captured - d.initial_raw_used_gib).max(0.0) + d.resident_raw_gib;
    let given: f64 = osds.iter().map(|o| o.share).sum();
    let share: Vec<f64> = if given > 0.0 {
        osds.iter().map(|o| o.share / given).collect()
    } else {
        let w: f64 = map.weights.iter().sum();
        map.weights
            .iter()
            .map(|x| x / w.max(f64::MIN_POSITIVE))
            .collect()
    };
    let mut base: Vec<f64> = osds
        .iter()
        .zip(&share)
        .map(|(o, s)| o.used_gib - s * pooled)
        .collect();
    let ids = osds.iter().map(|o| o.id).collect();
    if landed == 0 {
        let mut layout = Layout::new(&map, size, base, share, d.rule, backfillfull, false);
        layout.ids = ids;
        return layout;
    }
    let mut add = |map: &mut Map, host: usize, gib: f64| {
        map.hosts[host].push(map.weights.len() as u32);
        map.weights.push(gib / 1024.0);
        size.push(gib);
        base.push(0.0);
    };
    if let Some(e) = &cluster.expansion {
        for _ in 0..landed {
            match e.add {
                ExpansionAdd::Osds {
                    per_host,
                    osd_size_gib,
                } => {
                    for h in 0..map.hosts.len() {
                        (0..per_host).for_each(|_| add(&mut map, h, osd_size_gib));
                    }
                }
                ExpansionAdd::Hosts(n) => {
                    for _ in 0..n {
                        map.hosts.push(Vec::new());
                        let h = map.hosts.len() - 1;
                        (0..cluster.osds_per_host)
                            .for_each(|_| add(&mut map, h, cluster.osd_size_gib));
                    }
                }
            }
        }
    }
    let share = Placement::new(&map, d.rule, SIMULATED_PGS).shares();
    let mut layout = Layout::new(&map, size, base, share, d.rule, backfillfull, false);
    layout.ids = ids;
    layout
}

/// `hosts` alike hosts whose OSDs differ in size (a 1 TiB disk added beside a 500 GiB one):
/// CRUSH weight by size, data by weight (each OSD as full as the others), the first OSD
/// holding `(1 + imbalance)` times its part and the others the rest in proportion. The losses
/// are simulated OSD by OSD (no pooling: a host's OSDs are not alike).
pub fn mixed(
    hosts: u32,
    host_sizes: &[f64],
    imbalance: f64,
    rule: Rule,
    backfillfull: f64,
) -> Layout {
    let per_host = host_sizes.len() as u32;
    let mut map = uniform_map(hosts, per_host, 1.0);
    let size: Vec<f64> = (0..hosts)
        .flat_map(|_| host_sizes.iter().copied())
        .collect();
    map.weights = size.iter().map(|s| s / 1024.0).collect();
    let total: f64 = size.iter().sum();
    let first = (1.0 + imbalance) * size[0] / total;
    let rest = ((1.0 - first) / (1.0 - size[0] / total)).max(0.0);
    let share: Vec<f64> = size
        .iter()
        .enumerate()
        .map(|(i, s)| if i == 0 { first } else { rest * s / total })
        .collect();
    let n = size.len();
    Layout::new(&map, size, vec![0.0; n], share, rule, backfillfull, false)
}

/// `hosts` hosts of `per_host` OSDs of CRUSH weight `weight` each, numbered host by host.
pub fn uniform_map(hosts: u32, per_host: u32, weight: f64) -> Map {
    Map {
        hosts: (0..hosts)
            .map(|h| (0..per_host).map(|i| h * per_host + i).collect())
            .collect(),
        weights: vec![weight; (hosts * per_host) as usize],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ceph;

    /// Hosts of a 500 GiB and a 1 TiB OSD: each OSD as full as the others (data by weight),
    /// the first (1 + imbalance) times that; and a lost 1 TiB OSD's data spreads wider than
    /// its sibling alone (5 hosts, size 3), so an OSD loss stalls later than "the sibling takes
    /// all" would say.
    #[test]
    fn mixed_hosts_fill_by_size() {
        let l = mixed(5, &[500.0, 1024.0], 0.1, Rule::Firstn(3), 0.9);
        let r = 3000.0;
        assert!((l.util(r) - ceph::fullest_osd_util(r, 5.0 * 1524.0, 0.1)).abs() < 1e-12);
        let limit = l.osd_loss.unwrap().limit;
        // All of a 1 TiB OSD's data on its 500 GiB sibling: 0.9 × 500 / (share_0 + share_1).
        let all = 0.9 * 500.0 / (l.share[0] + l.share[1]);
        assert!(limit > all * 1.3, "{limit} vs {all}");
    }

    /// The single-imbalance model per OSD gives the closed forms: fullest OSD
    /// `R / C × (1 + imbalance)`, MAX AVAIL `full × C − (1 + imbalance) R`, writable
    /// `full × C / (1 + imbalance) − R`.
    #[test]
    fn uniform_layout_is_the_closed_form() {
        let l = uniform(3, 2, 500.0, 0.1, Rule::Firstn(3), 0.9);
        let r = 1200.0;
        let f = l.fill(r, 0.95);
        assert!((f.util - ceph::fullest_osd_util(r, 3000.0, 0.1)).abs() < 1e-12);
        assert!((f.avail_raw - ceph::max_avail_gib(3000.0, r, 0.95, 0.1, 1.0)).abs() < 1e-9);
        let w = ceph::writable_gib(3000.0, r, 0.95, 0.1, 1.0, 0.0);
        assert!((f.writable_raw - w).abs() < 1e-9, "{} {w}", f.writable_raw);
        // No spare host: a host loss cannot re-replicate; an OSD loss puts all its data on its
        // sibling: OSDs 0 and 1 hold 1.1/6 and 4.9/30 of R, so either loss stalls past
        // 0.9 × 500 / (1.1/6 + 4.9/30) = 1298.1.
        assert!(l.host_loss.is_none());
        let osd = l.osd_loss.unwrap();
        let limit = 0.9 * 500.0 / (1.1 / 6.0 + 4.9 / 30.0);
        // (A PG or two CRUSH gives up on after 50 tries stays undersized: ±0.01%.)
        assert!((osd.limit / limit - 1.0).abs() < 1e-4, "{osd:?} {limit}");
    }
}
