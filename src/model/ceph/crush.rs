//! Where CRUSH puts a pool's placement groups, and where they go when an OSD or a host is out.
//!
//! This follows the placement Ceph computes (`crush_do_rule`, ceph/ceph `src/crush/mapper.c`,
//! with the tunables every release since Jewel ships: `choose_total_tries` 50,
//! `chooseleaf_descend_once`, `chooseleaf_vary_r` 1, `chooseleaf_stable` 1, straw2 buckets) for
//! the two rules Rook writes: `chooseleaf firstn 0 type host` (replicated pools) and
//! `chooseleaf indep 0 type host` (erasure-coded ones), under one root.
//!
//! - **straw2.** Each item of a bucket draws `ln(u) / weight` from a hash of (PG, item, r) and
//!   the largest draw wins: an exponential race, so an item wins with probability weight / Σ
//!   weights, and changing one item's weight moves data only to or from it.
//! - **firstn.** Replica `rep` tries `r = rep + ftotal`: a host by straw2 at r, then an OSD
//!   within it at the same r (`chooseleaf_stable`, `vary_r`). A host already chosen (collision)
//!   or an OSD that is out (reweight 0: rejected) costs one more try, `ftotal + 1`, of the whole
//!   descent — and that r is the next replica's first, which is why a lost OSD's sibling on the
//!   same host takes more than a naive "pick again by weight" gives.
//! - **indep.** Position `rep` tries `r = rep + numrep × ftotal` (100 tries, as Ceph writes an
//!   EC rule), the OSD within the host at `rep + r + numrep × f` for 5 leaf tries; a position
//!   left empty after all tries is a missing shard.
//!
//! The hash is not Ceph's rjenkins1 (nor its 16-bit `crush_ln`): the placements are CRUSH's in
//! law, not PG for PG. Shares from many PGs are what headroom needs, and the tests check them
//! against `crushtool --test` on the same map.

use crate::engine::seed::mix64;

/// `choose_total_tries` (50) + 1, as `crush_do_rule` counts them.
const TRIES: u32 = 51;

/// An erasure-coded pool's rule, as Ceph writes it (`ErasureCode::create_rule`): `step
/// set_choose_tries 100` and `step set_chooseleaf_tries 5`.
const EC_TRIES: u32 = 100;
const EC_LEAF_TRIES: u32 = 5;

/// No item: a position CRUSH could not fill.
pub const NONE: u32 = u32::MAX;

/// How a pool's rule picks its OSDs: one per host, under the root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// `chooseleaf firstn N type host`: replicas in order; a replicated pool of size N.
    Firstn(u32),
    /// `chooseleaf indep N type host`: positionally stable shards; an EC pool of k + m = N.
    Indep(u32),
}

impl Rule {
    /// OSDs one placement group maps to.
    pub fn width(self) -> u32 {
        match self {
            Rule::Firstn(n) | Rule::Indep(n) => n,
        }
    }
}

/// The CRUSH hierarchy: hosts under one root, OSDs under hosts, each OSD with its CRUSH
/// weight (a host weighs what its OSDs weigh).
#[derive(Debug, Clone, PartialEq)]
pub struct Map {
    /// OSD indices of each host.
    pub hosts: Vec<Vec<u32>>,
    /// CRUSH weight of each OSD.
    pub weights: Vec<f64>,
}

impl Map {
    /// Number of OSDs.
    pub fn osds(&self) -> usize {
        self.weights.len()
    }

    fn host_weight(&self, h: usize) -> f64 {
        self.hosts[h]
            .iter()
            .map(|&o| self.weights[o as usize])
            .sum()
    }
}

/// `ln(u)` for u uniform on (0, 1] from (PG, item, r): straw2's draw before the division by
/// weight. Hosts and OSDs are told apart by `item`'s high bit.
#[inline]
fn ln_draw(x: u32, item: u64, r: u32) -> f64 {
    let h = mix64(mix64(item) ^ ((x as u64) << 32 | r as u64));
    (((h >> 11) + 1) as f64 / (1u64 << 53) as f64).ln()
}

const HOST_ITEM: u64 = 1 << 63;

/// straw2 among `items` with `weight(i)`: the index whose `ln(u) / weight` is largest; None
/// when no item weighs anything.
#[inline]
fn straw2(
    count: usize,
    item: impl Fn(usize) -> u64,
    weight: impl Fn(usize) -> f64,
    x: u32,
    r: u32,
) -> Option<usize> {
    let mut best = None;
    let mut high = f64::NEG_INFINITY;
    for i in 0..count {
        let w = weight(i);
        if w <= 0.0 {
            continue;
        }
        let d = ln_draw(x, item(i), r) / w;
        if best.is_none() || d > high {
            high = d;
            best = Some(i);
        }
    }
    best
}

/// A host at `r`, by straw2 on the hosts' weights.
fn choose_host(map: &Map, host_weights: &[f64], x: u32, r: u32) -> Option<usize> {
    straw2(
        map.hosts.len(),
        |h| HOST_ITEM | h as u64,
        |h| host_weights[h],
        x,
        r,
    )
}

/// An OSD of host `h` at `r`, by straw2 on CRUSH weights (reweight does not enter: an out
/// OSD is chosen, then rejected).
fn choose_leaf(map: &Map, h: usize, x: u32, r: u32) -> Option<u32> {
    let osds = &map.hosts[h];
    straw2(
        osds.len(),
        |i| osds[i] as u64,
        |i| map.weights[osds[i] as usize],
        x,
        r,
    )
    .map(|i| osds[i])
}

/// The OSDs of placement group `x` under `rule`, with the OSDs marked in `out` rejected, into
/// `result` (width of the rule; [`NONE`] where a position stays empty).
pub fn place(
    map: &Map,
    host_weights: &[f64],
    rule: Rule,
    x: u32,
    out: &[bool],
    result: &mut [u32],
) {
    let n = rule.width() as usize;
    let mut hosts = [u32::MAX; 32];
    let result = &mut result[..n];
    result.fill(NONE);
    match rule {
        Rule::Firstn(_) => {
            let mut placed = 0;
            for rep in 0..n as u32 {
                for ftotal in 0..TRIES {
                    let r = rep + ftotal;
                    let Some(h) = choose_host(map, host_weights, x, r) else {
                        break;
                    };
                    if hosts[..placed].contains(&(h as u32)) {
                        continue;
                    }
                    match choose_leaf(map, h, x, r) {
                        Some(o) if !out[o as usize] => {
                            hosts[placed] = h as u32;
                            result[placed] = o;
                            placed += 1;
                            break;
                        }
                        _ => continue,
                    }
                }
            }
        }
        Rule::Indep(_) => {
            let numrep = n as u32;
            let mut left = n;
            for ftotal in 0..EC_TRIES {
                if left == 0 {
                    break;
                }
                for rep in 0..n {
                    if result[rep] != NONE {
                        continue;
                    }
                    let r = rep as u32 + numrep * ftotal;
                    let Some(h) = choose_host(map, host_weights, x, r) else {
                        continue;
                    };
                    if hosts[..n].contains(&(h as u32)) {
                        continue;
                    }
                    // The leaf: tries of its own within the host, at rep + r + numrep × f.
                    let leaf = (0..EC_LEAF_TRIES)
                        .filter_map(|f| choose_leaf(map, h, x, rep as u32 + r + numrep * f))
                        .find(|&o| !out[o as usize]);
                    if let Some(o) = leaf {
                        hosts[rep] = h as u32;
                        result[rep] = o;
                        left -= 1;
                    }
                }
            }
        }
    }
}

/// Every placement group's OSDs, and what each OSD holds.
#[derive(Debug, Clone)]
pub struct Placement {
    rule: Rule,
    pgs: u32,
    /// `pgs × width` OSD indices ([`NONE`]: a missing copy).
    mapping: Vec<u32>,
    /// Copies (or shards) per OSD.
    pub copies: Vec<u32>,
}

impl Placement {
    /// Places `pgs` placement groups (x = 0..pgs) with no OSD out.
    pub fn new(map: &Map, rule: Rule, pgs: u32) -> Placement {
        let w = rule.width() as usize;
        let hw: Vec<f64> = (0..map.hosts.len()).map(|h| map.host_weight(h)).collect();
        let out = vec![false; map.osds()];
        let mut mapping = vec![NONE; pgs as usize * w];
        let mut copies = vec![0; map.osds()];
        for (x, slot) in mapping.chunks_exact_mut(w).enumerate() {
            place(map, &hw, rule, x as u32, &out, slot);
            for &o in slot.iter().filter(|&&o| o != NONE) {
                copies[o as usize] += 1;
            }
        }
        Placement {
            rule,
            pgs,
            mapping,
            copies,
        }
    }

    /// Total copies placed.
    pub fn total(&self) -> u32 {
        self.copies.iter().sum()
    }

    /// Each OSD's share of the copies.
    pub fn shares(&self) -> Vec<f64> {
        let total = self.total().max(1) as f64;
        self.copies.iter().map(|&c| c as f64 / total).collect()
    }

    /// Copies per OSD once the OSDs marked in `out` are out (reweight 0, as `ceph osd out`
    /// sets and a failed OSD gets after `mon_osd_down_out_interval`), recovery done. Only the
    /// placement groups that held one of them are placed again: CRUSH moves nothing else.
    pub fn copies_with_out(&self, map: &Map, out: &[bool]) -> Vec<u32> {
        let w = self.rule.width() as usize;
        let hw: Vec<f64> = (0..map.hosts.len()).map(|h| map.host_weight(h)).collect();
        let mut copies = self.copies.clone();
        let mut slot = vec![NONE; w];
        for (x, old) in self.mapping.chunks_exact(w).enumerate() {
            if !old.iter().any(|&o| o != NONE && out[o as usize]) {
                continue;
            }
            for &o in old.iter().filter(|&&o| o != NONE) {
                copies[o as usize] -= 1;
            }
            place(map, &hw, self.rule, x as u32, out, &mut slot);
            for &o in slot.iter().filter(|&&o| o != NONE) {
                copies[o as usize] += 1;
            }
        }
        debug_assert!(self.pgs as usize * w == self.mapping.len());
        copies
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(hosts: usize, per_host: usize) -> Map {
        Map {
            hosts: (0..hosts)
                .map(|h| (0..per_host).map(|i| (h * per_host + i) as u32).collect())
                .collect(),
            weights: vec![1.0; hosts * per_host],
        }
    }

    /// Three hosts and size 3: every placement group has one copy on each host, whatever the
    /// OSDs weigh; with one OSD per host every OSD holds every PG.
    #[test]
    fn three_hosts_hold_every_pg() {
        let map = layout(3, 1);
        let p = Placement::new(&map, Rule::Firstn(3), 1000);
        assert_eq!(p.copies, vec![1000, 1000, 1000]);
        let mut map = layout(3, 2);
        map.weights[0] = 3.0;
        let p = Placement::new(&map, Rule::Firstn(3), 2000);
        for h in 0..3 {
            assert_eq!(p.copies[2 * h] + p.copies[2 * h + 1], 2000);
        }
        // Within host 0, weights 3 : 1.
        let share = p.copies[0] as f64 / 2000.0;
        assert!((share - 0.75).abs() < 0.03, "{share}");
    }

    /// An out OSD of a host with a sibling and no spare host: the sibling takes everything
    /// (2×); nothing is left unplaced.
    #[test]
    fn no_spare_host_doubles_the_sibling() {
        let map = layout(3, 2);
        let p = Placement::new(&map, Rule::Firstn(3), 4000);
        let mut out = vec![false; 6];
        out[0] = true;
        let after = p.copies_with_out(&map, &out);
        assert_eq!(after[0], 0);
        assert_eq!(after[1], p.copies[0] + p.copies[1]);
        assert_eq!(after.iter().sum::<u32>(), p.total());
    }

    /// EC 2+1 on four hosts: three shards a PG, on three distinct hosts, each position filled.
    #[test]
    fn indep_fills_every_position_on_distinct_hosts() {
        let map = layout(4, 1);
        let hw = vec![1.0; 4];
        let out = vec![false; 4];
        let mut slot = [NONE; 3];
        for x in 0..500 {
            place(&map, &hw, Rule::Indep(3), x, &out, &mut slot);
            assert!(slot.iter().all(|&o| o != NONE));
            assert!(slot[0] != slot[1] && slot[1] != slot[2] && slot[0] != slot[2]);
        }
    }
}
