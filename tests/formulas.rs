//! Figures after month 0, worked by hand from DESIGN §2 (issue 12). Every scenario here is
//! deterministic (fixed draws), so one replayed trial is the whole answer; each expected value
//! is derived in the comment above it from the design's formulas, not copied from a run. A test
//! that fails names the figure, the month and the hand-derived value.

use crate::common::*;
use headroom::engine::replay_trial;
use headroom::model::metrics::{Event, Metric};
use headroom::model::trial::TrialRecord;

/// Asserts one metric in one month against its hand-derived value.
#[track_caller]
fn figure(r: &TrialRecord, month: usize, metric: Metric, want: f64) {
    let got = r.get(month, metric);
    assert!(
        (got - want).abs() <= 1e-9 * want.abs().max(1.0),
        "{} in month {month}: got {got}, hand-derived {want}",
        metric.name()
    );
}

/// Asserts one metric over months 0…, against the hand-derived series.
#[track_caller]
fn series(r: &TrialRecord, metric: Metric, want: &[f64]) {
    for (month, &w) in want.iter().enumerate() {
        figure(r, month, metric, w);
    }
}

/// One replayed trial of a scenario written inline.
fn replay(name: &str, text: &str) -> TrialRecord {
    let dir = tempfile::tempdir().unwrap();
    let s = load_text(dir.path(), name, text);
    replay_trial(&s.model, 1, 0)
}

/// A cluster of 4 hosts × 1 OSD × 1000 GiB (C = 4000 GiB raw), imbalance 10% (set, so an
/// expansion keeps it), overhead 5%, Ceph's default ratios, €100 a host and €2 an OSD a month;
/// one cluster-wide RBD volume of a size-3 pool that starts at 100 GiB and grows 100 GiB a
/// month, and €50 of compute. `expansion` is the cluster's expansion table.
fn growing_cluster(expansion: &str) -> String {
    format!(
        r#"
name = "expansion-by-hand"
horizon_months = 12
currency = "EUR"

[[volumes]]
name = "data"
per = "cluster"
count = 1
storage_class = "block"
size = "5000Gi"
initial_used = {{ fixed = 100.0 }}
growth = {{ fixed = 100.0 }}

[storage_classes.block]
backend = "ceph"
cluster = "main"
pool = {{ replicated = {{ size = 3 }} }}

[ceph.main]
hosts = 4
osds_per_host = 1
osd_size = "1000Gi"
overhead = "5%"
imbalance = "10%"
host_monthly_cost = 100.0
osd_monthly_cost = 2.0

[ceph.main.expansion]
{expansion}

[costs]
compute = {{ fixed_monthly = 50.0 }}
"#
    )
}

/// The expansion every test below starts from: order when the fullest OSD reaches 0.5, land
/// 3 months later, one 1000 GiB OSD on every host; `rest` adds its prices and limits.
fn by_osds(rest: &str) -> String {
    format!(
        "trigger = 0.5\nlead_time_months = 3\nadd = {{ osds_per_host = 1, osd_size = \"1000Gi\" }}\n{rest}"
    )
}

/// Stored S(m) = 100 + 100m; raw used R(m) = S × 3 × 1.05 = 315 (m + 1); with C = 4000 the
/// fullest OSD is R × 1.1 / C = 0.086625 (m + 1).
fn raw_used(m: usize) -> f64 {
    315.0 * (m as f64 + 1.0)
}

/// One expansion worked by hand (DESIGN §2.5, §2.6, §2.7 step 5). Trigger 0.5: the fullest
/// OSD is 0.086625 × 5 = 0.433 in month 4 and 0.086625 × 6 = 0.51975 in month 5: the order is
/// placed in month 5. Lead time 3: it lands in month 8, before month 8's figures are taken.
/// One OSD of 1000 GiB on each of the 4 hosts: 4 units, C = 8000 from month 8. Months 6 and 7
/// are over the trigger too, but one order is already outstanding (max_outstanding 1). After
/// the landing the fullest OSD is 315 × 9 × 1.1 / 8000 = 0.38981 (month 8), 0.43313 (9),
/// 0.47644 (10), 0.51975 (11): the second order is placed in month 11 (lands in 14, after the
/// horizon).
///
/// Costs: 4 hosts × 100 + 4 OSDs × 2 = 408 a month until month 7; from month 8 the 4 added
/// OSDs cost 10 each and every OSD 2: 400 + 40 + 8 × 2 = 456. Their purchase, 4 × 240 = 960,
/// amortised over 12 months: 80 a month in cost_fixed from month 8. Month totals: 408 + 50 =
/// 458 (months 1–7), 456 + 80 + 50 = 586 (8–12); cumulative at 12: 7 × 458 + 5 × 586 = 6136.
#[test]
fn one_expansion_by_hand() {
    let r = replay(
        "one-expansion",
        &growing_cluster(&by_osds(
            r#"monthly_cost = 10.0
one_time_cost = 240.0
amortize_months = 12"#,
        )),
    );
    let capacity = |m: usize| if m < 8 { 4000.0 } else { 8000.0 };
    for m in 0..=12 {
        figure(&r, m, Metric::CephRawUsedGib, raw_used(m));
        figure(&r, m, Metric::CephRawCapacityGib, capacity(m));
        figure(
            &r,
            m,
            Metric::CephFullestOsdUtil,
            raw_used(m) * 1.1 / capacity(m),
        );
        figure(&r, m, Metric::CephOsds, if m < 8 { 4.0 } else { 8.0 });
    }
    let orders: Vec<f64> = (0..=12)
        .map(|m| if m == 5 || m == 11 { 1.0 } else { 0.0 })
        .collect();
    series(&r, Metric::CephOrders, &orders);
    assert_eq!(r.orders, vec![5, 11], "order months");
    assert_eq!(r.first(Event::CephOrder), Some(5));

    // Month 8, after the landing: usable = 8000 × 0.95 / (1.1 × 3 × 1.05) = 2193.362;
    // MAX AVAIL = (0.95 × 8000 − 1.1 × 2835) / 3 = 1493.833; writable = (7600 / 1.1 − 2835)
    // / 3.15 = 1293.362.
    figure(&r, 8, Metric::CephUsableGib, 7600.0 / 3.465);
    figure(
        &r,
        8,
        Metric::CephMaxAvailGib,
        (7600.0 - 1.1 * 2835.0) / 3.0,
    );
    figure(
        &r,
        8,
        Metric::CephWritableGib,
        (7600.0 / 1.1 - 2835.0) / 3.15,
    );
    // And month 7, before it: MAX AVAIL = (3800 − 1.1 × 2520) / 3 = 1028 / 3 = 342.67.
    figure(&r, 7, Metric::CephMaxAvailGib, 1028.0 / 3.0);

    let storage: Vec<f64> = (0..=12)
        .map(|m| if m < 8 { 408.0 } else { 456.0 })
        .collect();
    series(&r, Metric::CostStorage, &storage);
    let fixed: Vec<f64> = (0..=12).map(|m| if m < 8 { 0.0 } else { 80.0 }).collect();
    series(&r, Metric::CostFixed, &fixed);
    series(&r, Metric::CostOneTime, &[0.0; 13]);
    figure(&r, 7, Metric::CostTotal, 458.0);
    figure(&r, 8, Metric::CostTotal, 586.0);
    figure(&r, 12, Metric::CostCumulative, 6136.0);
    // The purchase itself, 960, in its landing month, whole.
    let purchases: Vec<f64> = (0..=12).map(|m| if m == 8 { 960.0 } else { 0.0 }).collect();
    series(&r, Metric::Purchases, &purchases);
}

/// compare's `one_time_total` counts the expansion bought in month 8 at its whole amount, 960,
/// although only 5 × 80 = 400 of it is in cost_fixed by month 12.
#[test]
fn one_time_total_counts_an_amortised_expansion() {
    let dir = tempfile::tempdir().unwrap();
    let text = growing_cluster(&by_osds(
        r#"monthly_cost = 10.0
one_time_cost = 240.0
amortize_months = 12"#,
    ));
    let s = load_text(dir.path(), "amortised", &text);
    let cfg = headroom::engine::RunConfig {
        trials: 8,
        seed: 1,
        threads: None,
    };
    let c = headroom::engine::run_variants(&[&s.model, &s.model], &cfg, &|_| {}).unwrap();
    let summary =
        headroom::report::comparison::ComparisonSummary::build(&[&s.model, &s.model], &c, 1);
    close(summary.variants[0].one_time_total, 960.0, 1e-9);
}

/// The same purchase unamortised (`amortize_months = 0`): 960 in cost_one_time in month 8, and
/// only then. Cumulative at 12: 7 × 458 + (456 + 960 + 50) + 4 × 506 = 3206 + 1466 + 2024
/// = 6696.
#[test]
fn an_unamortised_purchase_is_paid_in_its_landing_month() {
    let r = replay(
        "paid-at-once",
        &growing_cluster(&by_osds(
            r#"monthly_cost = 10.0
one_time_cost = 240.0"#,
        )),
    );
    let one_time: Vec<f64> = (0..=12).map(|m| if m == 8 { 960.0 } else { 0.0 }).collect();
    series(&r, Metric::CostOneTime, &one_time);
    series(&r, Metric::Purchases, &one_time);
    series(&r, Metric::CostFixed, &[0.0; 13]);
    figure(&r, 8, Metric::CostTotal, 1466.0);
    figure(&r, 12, Metric::CostCumulative, 6696.0);
}

/// Amortisation ends: the same 960 over 3 months is 320 in cost_fixed in months 8, 9 and 10,
/// and nothing from month 11.
#[test]
fn an_amortisation_ends_after_its_months() {
    let r = replay(
        "three-months",
        &growing_cluster(&by_osds(
            r#"one_time_cost = 240.0
amortize_months = 3"#,
        )),
    );
    let fixed: Vec<f64> = (0..=12)
        .map(|m| if (8..=10).contains(&m) { 320.0 } else { 0.0 })
        .collect();
    series(&r, Metric::CostFixed, &fixed);
}

/// The projection starts with one month of history. Growing 250 GiB a month from 100: R0 =
/// 315, R1 = 3.15 × 350 = 1102.5, slope 787.5; with a lead time of 3, R1 + 3 × 787.5 = 3465,
/// × 1.1 / 4000 = 0.953 > 0.85: ordered in month 1, although the fullest OSD is at 0.303.
/// (Half the slope, as if two months had been seen, would give 2.5 × 1102.5 × 1.1 / 4000 =
/// 0.758: no order.)
#[test]
fn the_projection_starts_after_one_month() {
    let text = growing_cluster(
        r#"trigger = 0.9
projected = true
lead_time_months = 3
add = { osds_per_host = 1, osd_size = "1000Gi" }"#,
    )
    .replace("growth = { fixed = 100.0 }", "growth = { fixed = 250.0 }");
    let r = replay("projection-month-1", &text);
    figure(&r, 1, Metric::CephFullestOsdUtil, 1102.5 * 1.1 / 4000.0);
    assert_eq!(r.first(Event::CephOrder), Some(1));
}

/// Two orders may be outstanding (`max_outstanding = 2`): the first in month 5 (0.51975), the
/// second in month 6 (0.086625 × 7 = 0.606, one order out, room for another); none in month 7
/// (two out). They land in months 8 and 9: 4 OSDs each (4 hosts × 1), C = 8000 then 12000.
/// Month 9: 315 × 10 × 1.1 / 12000 = 0.28875. Storage cost from month 9: 400 + 8 × 10 + 12 × 2
/// = 504.
#[test]
fn max_outstanding_lets_a_second_order_go_out() {
    let r = replay(
        "two-outstanding",
        &growing_cluster(&by_osds(
            r#"monthly_cost = 10.0
max_outstanding = 2"#,
        )),
    );
    assert_eq!(r.orders, vec![5, 6], "order months");
    figure(&r, 7, Metric::CephRawCapacityGib, 4000.0);
    figure(&r, 8, Metric::CephRawCapacityGib, 8000.0);
    figure(&r, 9, Metric::CephRawCapacityGib, 12000.0);
    figure(&r, 9, Metric::CephFullestOsdUtil, 0.28875);
    figure(&r, 9, Metric::CephOsds, 12.0);
    figure(&r, 8, Metric::CostStorage, 456.0);
    figure(&r, 9, Metric::CostStorage, 504.0);
}

/// Three orders out at once (`max_outstanding = 3`), placed in months 5, 6 and 7 (fullest OSD
/// 0.520, 0.606, 0.693), land in months 8, 9 and 10, each in its own month although the list
/// of open orders is reordered as they land: C = 8000, 12000, 16000.
#[test]
fn three_orders_land_each_in_its_month() {
    let r = replay(
        "three-outstanding",
        &growing_cluster(&by_osds("max_outstanding = 3")),
    );
    assert_eq!(r.orders, vec![5, 6, 7], "order months");
    for (m, c) in [(7, 4000.0), (8, 8000.0), (9, 12000.0), (10, 16000.0)] {
        figure(&r, m, Metric::CephRawCapacityGib, c);
    }
}

/// An expansion by hosts (`add = { hosts = 2 }`): 2 units, each a host like the others (one
/// 1000 GiB OSD), priced at the host price where the expansion names none. Ordered in
/// month 5, landed in month 8: 6 hosts, C = 6000; storage cost 6 × 100 + 6 OSDs × 2 = 612.
/// Fullest OSD in month 8: 2835 × 1.1 / 6000 = 0.51975 ≥ 0.5, so the next order goes out at
/// once, in month 8; it lands in month 11 (8 hosts, C = 8000), where 3780 × 1.1 / 8000 =
/// 0.51975 again: a third order in month 11. Storage then: 8 × 100 + 8 × 2 = 816.
#[test]
fn an_expansion_by_hosts() {
    let r = replay(
        "by-hosts",
        &growing_cluster(
            r#"trigger = 0.5
lead_time_months = 3
add = { hosts = 2 }"#,
        ),
    );
    figure(&r, 7, Metric::CephRawCapacityGib, 4000.0);
    figure(&r, 8, Metric::CephRawCapacityGib, 6000.0);
    figure(&r, 8, Metric::CephOsds, 6.0);
    figure(&r, 7, Metric::CostStorage, 408.0);
    figure(&r, 8, Metric::CostStorage, 612.0);
    figure(&r, 11, Metric::CephRawCapacityGib, 8000.0);
    figure(&r, 11, Metric::CostStorage, 816.0);
    assert_eq!(r.orders, vec![5, 8, 11], "order months");
}

/// The projected trigger on a linear fill (DESIGN §2.5: order when the fill is projected to
/// pass nearfull within the lead time). Slope = 315 GiB a month; with a lead time of 3 the
/// projection is R + 945 = 315 (m + 4), at 4000 GiB: 0.086625 (m + 4) ≥ 0.85 first at m = 6
/// (0.86625; m = 5 gives 0.7796). The reactive trigger, 0.9, is never reached before (0.606 in
/// month 6). With two orders allowed, month 7 counts the 4000 GiB on order: 315 × 11 × 1.1 /
/// 8000 = 0.476, no second order (against 4000 alone it would be 0.953 and order again). After
/// the landing in month 9 (C = 8000) the projection reaches 0.85 only at m = 16: one order.
#[test]
fn the_projected_trigger_on_a_linear_fill() {
    let r = replay(
        "projected",
        &growing_cluster(
            r#"trigger = 0.9
projected = true
lead_time_months = 3
add = { osds_per_host = 1, osd_size = "1000Gi" }
monthly_cost = 10.0
max_outstanding = 2"#,
        ),
    );
    assert_eq!(r.orders, vec![6], "order months");
    figure(&r, 8, Metric::CephRawCapacityGib, 4000.0);
    figure(&r, 9, Metric::CephRawCapacityGib, 8000.0);
    // Never nearfull: the projected order came in time (peak 315 × 9 × 1.1 / 4000 = 0.7796
    // in month 8).
    assert_eq!(r.first(Event::CephNearfull), None);
    figure(&r, 8, Metric::CephFullestOsdUtil, 0.779_625);
}

/// Host- and OSD-failure safety (DESIGN §2.5), OSD by OSD, from the one-expansion scenario.
/// Before the landing, 4 hosts × 1 OSD of 1000 GiB, imbalance 10%: the fullest OSD holds
/// 1.1/4 = 0.275 of R, the others 2.9/12 = 0.241667. Losing a host other than the fullest's
/// (one host spare for size 3: every PG then lies on all three left) gives the fullest a third
/// of 0.241667: 0.355556 R, at backfillfull 0.9 × 1000 when R = 2531.25; losing the fullest's
/// host gives the others 0.333333 R (2700). Month 7's R = 2520 stays under it (the old
/// single-imbalance formula, 2520 × 1.1 / 3000 = 0.924, said it stalled). After the landing,
/// 4 hosts × 2 OSDs: the fullest holds 1.1/8 = 0.1375, the others 6.9/56 = 0.123214; a host's
/// two OSDs (0.246429) spread over the six left: 0.1375 + 0.246429/6 = 0.178571, R = 5040. An
/// OSD loss sends part of its data to its sibling — 44.7% in `crushtool --test` on this map
/// (108,442 − 74,926 of 74,959 copies), not all of it — so it stalls past R = 900 /
/// (0.1375 + 0.447 × 0.123214) ≈ 4673, beyond month 12's 4095.
#[test]
fn host_and_osd_failure_safety_through_an_expansion() {
    let text = growing_cluster(&by_osds(r#"monthly_cost = 10.0"#));
    let dir = tempfile::tempdir().unwrap();
    let s = load_text(dir.path(), "safety", &text);
    let cluster = &s.model.ceph[0];
    let before = cluster.layout(0, 0);
    let limit = before.host_loss.unwrap().limit;
    assert!(
        (limit - 900.0 / (0.275 + 0.241_666_666_666_666_66 / 3.0)).abs() < 1e-6,
        "{limit}"
    );
    assert_eq!(before.osd_loss, before.host_loss);
    let after = cluster.layout(0, 1);
    let limit = after.host_loss.unwrap().limit;
    assert!((limit - 5040.0).abs() < 1e-6, "{limit}");
    let osd = after.osd_loss.unwrap().limit;
    assert!((osd / 4673.0 - 1.0).abs() < 0.01, "{osd}");

    let r = replay_trial(&s.model, 1, 0);
    let all_safe = [1.0; 13];
    series(&r, Metric::CephHostFailureSafe, &all_safe);
    series(&r, Metric::CephOsdFailureSafe, &all_safe);
    assert_eq!(r.first(Event::CephRecoveryStall), None);
}

/// A cluster of 7 hosts × 1 OSD × 1000 GiB (C = 7000), no overhead, the default imbalance
/// (5%: 7 hosts are more than the 6 an EC 4+2 pool spans), with an EC 4+2 pool (rate 6/4 =
/// 1.5) whose volume starts at 1000 GiB and grows 200 GiB a month, and, when `with_rbd`, a
/// replicated size-3 pool holding a fixed 200 GiB.
fn ec_cluster(hosts: u32, with_rbd: bool) -> String {
    let rbd = if with_rbd {
        r#"
[[volumes]]
name = "db"
per = "cluster"
count = 1
storage_class = "rbd"
size = "1000Gi"
initial_used = { fixed = 200.0 }

[storage_classes.rbd]
backend = "ceph"
cluster = "main"
pool = { replicated = { size = 3 } }
"#
    } else {
        ""
    };
    format!(
        r#"
name = "ec"
horizon_months = 14
currency = "EUR"

[[volumes]]
name = "objects"
per = "cluster"
count = 1
storage_class = "ec"
size = "10000Gi"
initial_used = {{ fixed = 1000.0 }}
growth = {{ fixed = 200.0 }}

[storage_classes.ec]
backend = "ceph"
cluster = "main"
pool = {{ erasure = {{ k = 4, m = 2 }} }}
{rbd}
[ceph.main]
hosts = {hosts}
osds_per_host = 1
osd_size = "1000Gi"
overhead = "0%"
"#
    )
}

/// EC 4+2 end to end at 7 hosts. Raw used R(m) = 1.5 × (1000 + 200m) = 1500 + 300m. Fullest
/// OSD = R × 1.05 / 7000: nearfull (0.85) needs R ≥ 5666.7, first in month 14 (R = 5700:
/// 0.855). Losing a host leaves 6000: safe while R × 1.05 / 6000 < 0.9, i.e. R < 5142.9:
/// month 12 (R = 5100, 0.8925) is safe, month 13 (R = 5400, 0.945) stalls. Usable = 7000 ×
/// 0.95 / (1.05 × 1.5) = 4222.22; MAX AVAIL in month 12 = (6650 − 1.05 × 5100) / 1.5 = 863.33.
#[test]
fn an_ec_4_2_pool_at_seven_hosts() {
    let r = replay("ec", &ec_cluster(7, false));
    for m in 0..=14 {
        let raw = 1500.0 + 300.0 * m as f64;
        figure(&r, m, Metric::CephRawUsedGib, raw);
        figure(&r, m, Metric::CephFullestOsdUtil, raw * 1.05 / 7000.0);
        figure(&r, m, Metric::CephUsableGib, 6650.0 / (1.05 * 1.5));
        figure(
            &r,
            m,
            Metric::CephHostFailureSafe,
            if m <= 12 { 1.0 } else { 0.0 },
        );
    }
    figure(
        &r,
        12,
        Metric::CephMaxAvailGib,
        (6650.0 - 1.05 * 5100.0) / 1.5,
    );
    assert_eq!(r.first(Event::CephRecoveryStall), Some(13));
    assert_eq!(r.first(Event::CephNearfull), Some(14));
    assert_eq!(r.first(Event::CephFull), None);
}

/// At 6 hosts an EC 4+2 pool has no spare host: after a loss it runs degraded, so the cluster is
/// never "host-failure safe", and no recovery can stall. Imbalance: 6 hosts of one OSD, each
/// holding a chunk of every PG: 0%. Fullest OSD in month 0: 1500 / 6000 = 0.25.
#[test]
fn an_ec_4_2_pool_at_six_hosts_runs_degraded() {
    let r = replay("ec6", &ec_cluster(6, false));
    series(&r, Metric::CephHostFailureSafe, &[0.0; 15]);
    assert_eq!(r.first(Event::CephRecoveryStall), None);
    figure(&r, 0, Metric::CephFullestOsdUtil, 0.25);
}

/// Two pools of different rates in one cluster: the EC pool above beside 200 GiB in a size-3
/// pool. Raw used R(m) = 1500 + 300m + 600. Rate = stored-weighted: month 0 (1500 + 600) /
/// (1000 + 200) = 1.75; MAX AVAIL = (6650 − 1.05 × 2100) / 1.75 = 2540; usable = 6650 / (1.05 ×
/// 1.75) = 3619.05. Month 10: stored 3000 + 200, R = 5100, rate 5100 / 3200 = 1.59375.
/// Host-failure: R × 1.05 / 6000 < 0.9 ⇔ R < 5142.9: month 10 (5100) safe, month 11 (5400)
/// stalls; nearfull at R ≥ 5666.7: month 12 (5700).
#[test]
fn two_pools_of_different_rates_in_one_cluster() {
    let r = replay("two-pools", &ec_cluster(7, true));
    figure(&r, 0, Metric::CephRawUsedGib, 2100.0);
    figure(&r, 0, Metric::CephMaxAvailGib, 2540.0);
    figure(&r, 0, Metric::CephUsableGib, 6650.0 / (1.05 * 1.75));
    figure(&r, 10, Metric::CephRawUsedGib, 5100.0);
    figure(&r, 10, Metric::CephUsableGib, 6650.0 / (1.05 * 1.59375));
    figure(
        &r,
        10,
        Metric::CephMaxAvailGib,
        (6650.0 - 1.05 * 5100.0) / 1.59375,
    );
    assert_eq!(r.first(Event::CephRecoveryStall), Some(11));
    assert_eq!(r.first(Event::CephNearfull), Some(12));
}

/// Five users who all leave in month 1 (churn 1.0), each with a 10 GiB home kept 3 months
/// after they leave and a 5 GiB scratch volume kept none; one 20 GiB cache per pod (a pod per
/// user, at least 1). Every volume on one class at 0.10 a GiB-month.
fn leaving_users(when_scaled: &str) -> String {
    format!(
        r#"
name = "leaving"
horizon_months = 6
currency = "USD"

[population]
initial_users = 5
churn = 1.0
growth = "fixed"

[pods]
pods_per_user = 1.0
min = 1
max = 10
when_scaled = "{when_scaled}"

[[volumes]]
name = "home"
per = "user"
storage_class = "std"
size = "10Gi"
initial_used = {{ fixed = 2.0 }}
retention_months = 3

[[volumes]]
name = "scratch"
per = "user"
storage_class = "std"
size = "5Gi"
initial_used = {{ fixed = 1.0 }}

[[volumes]]
name = "cache"
per = "pod"
storage_class = "std"
size = "20Gi"
initial_used = {{ fixed = 1.0 }}

[storage_classes.std]
backend = "cloud"
price_per_gib_month = 0.10

[costs]
compute = {{ fixed_monthly = 0.0 }}
"#
    )
}

/// Retention (DESIGN §2.3) and the StatefulSet's retention policy (§2.2). Month 0: 5 homes
/// (50 GiB), 5 scratch (25), 5 caches (100): 175 GiB, 17.50. The users leave in month 1: the
/// scratch volumes go at once (retention 0), the homes stay for months 1, 2 and 3 and go in
/// month 4 (1 + 3): billed for exactly 3 months after their users left. Pods fall to the
/// minimum, 1. Under `retain` the 5 caches stay (the high-water mark): 150 GiB (15.00) in
/// months 1–3, 100 (10.00) from month 4; under `delete` 4 of them go: 70 GiB (7.00), then 20
/// (2.00).
#[test]
fn retention_and_scale_down_by_hand() {
    let retain = replay("retain", &leaving_users("retain"));
    series(&retain, Metric::Users, &[5.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
    series(&retain, Metric::Pods, &[5.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]);
    series(
        &retain,
        Metric::ProvisionedGib,
        &[175.0, 150.0, 150.0, 150.0, 100.0, 100.0, 100.0],
    );
    series(
        &retain,
        Metric::Volumes,
        &[15.0, 10.0, 10.0, 10.0, 5.0, 5.0, 5.0],
    );
    series(
        &retain,
        Metric::CostStorage,
        &[17.5, 15.0, 15.0, 15.0, 10.0, 10.0, 10.0],
    );
    figure(&retain, 6, Metric::CostCumulative, 3.0 * 15.0 + 3.0 * 10.0);

    let delete = replay("delete", &leaving_users("delete"));
    series(
        &delete,
        Metric::ProvisionedGib,
        &[175.0, 70.0, 70.0, 70.0, 20.0, 20.0, 20.0],
    );
    series(
        &delete,
        Metric::Volumes,
        &[15.0, 6.0, 6.0, 6.0, 1.0, 1.0, 1.0],
    );
    series(
        &delete,
        Metric::CostStorage,
        &[17.5, 7.0, 7.0, 7.0, 2.0, 2.0, 2.0],
    );
}

/// Snapshots (DESIGN §2.6), one volume growing from 10 GiB by 2 GiB a month with 4 snapshots
/// retained and 10% changing between them. In the cloud the copies are incremental: billed
/// size = used × (1 + 3 × 0.1) = 1.3 × used, at 0.05 a GiB-month: month 6 (used 22) 22 × 1.3 ×
/// 0.05 = 1.43. In a Ceph pool each snapshot pins what changed since it: stored = used × (1 +
/// 4 × 0.1) = 1.4 × used, raw = × 3: month 6 22 × 1.4 × 3 = 92.4 GiB, and the pool's data is
/// priced by its hosts, not in cost_snapshots.
#[test]
fn snapshots_in_the_cloud_and_in_a_pool() {
    let text = r#"
name = "snapshots"
horizon_months = 6
currency = "USD"

[[volumes]]
name = "cloud"
per = "cluster"
count = 1
storage_class = "disk"
size = "100Gi"
initial_used = { fixed = 10.0 }
growth = { fixed = 2.0 }
snapshots = { retained = 4, change = 0.1 }

[[volumes]]
name = "rbd"
per = "cluster"
count = 1
storage_class = "block"
size = "100Gi"
initial_used = { fixed = 10.0 }
growth = { fixed = 2.0 }
snapshots = { retained = 4, change = 0.1 }

[storage_classes.disk]
backend = "cloud"
price_per_gib_month = 0.10
snapshot_price_per_gib_month = 0.05

[storage_classes.block]
backend = "ceph"
cluster = "main"
pool = { replicated = { size = 3 } }

[ceph.main]
hosts = 3
osds_per_host = 1
osd_size = "1000Gi"
overhead = "0%"
host_monthly_cost = 20.0

[costs]
compute = { fixed_monthly = 0.0 }
"#;
    let r = replay("snapshots", text);
    for m in 0..=6 {
        let used = 10.0 + 2.0 * m as f64;
        figure(&r, m, Metric::CostSnapshots, used * 1.3 * 0.05);
        figure(&r, m, Metric::CephRawUsedGib, used * 1.4 * 3.0);
        // 100 GiB disk at 0.10 and three hosts at 20.
        figure(&r, m, Metric::CostStorage, 10.0 + 60.0);
        figure(&r, m, Metric::CostTotal, 70.0 + used * 1.3 * 0.05);
    }
    figure(&r, 6, Metric::CostSnapshots, 1.43);
}

/// A 10 GiB disk on tiers T1 10 GiB (1.00 a month), T2 20 GiB (3.00), T3 40 GiB (7.00),
/// autoresized by +10 GiB when under 10% free, up to 40 GiB, from 8 GiB used, growing 3 GiB a
/// month, with a monthly budget of 5.00.
const TIERED: &str = r#"
name = "tiered"
horizon_months = 11
currency = "USD"

[[volumes]]
name = "disk"
per = "cluster"
count = 1
storage_class = "tiered"
size = "10Gi"
initial_used = { fixed = 8.0 }
growth = { fixed = 3.0 }
expansion = { autoresize = { threshold = "10%", increase = "10Gi", limit = "40Gi" } }

[storage_classes.tiered]
backend = "cloud"
billing = { tiered = { tiers = [
  { name = "T1", size = "10Gi", monthly = 1.0 },
  { name = "T2", size = "20Gi", monthly = 3.0 },
  { name = "T3", size = "40Gi", monthly = 7.0 },
] } }

[costs]
compute = { fixed_monthly = 0.0 }

[targets]
monthly_budget = 5.0
"#;

/// Tiered billing after autoresizes (DESIGN §2.3, §2.4). Month 1: demand 11 on 10 GiB, free
/// −1 < 1: ceil(10 + 10) = 20, free 9 ≥ 2: one resize, billed as T2. Months 2–3: 14, 17 on 20
/// (free 6, 3 ≥ 2). Month 4: 20 on 20: → 30, free 10 ≥ 3: T3 (30 ≤ 40). Months 5–6: 23, 26
/// (free 7, 4 ≥ 3). Month 7: 29, free 1 < 3: → 40, the limit. Months 8–10: 32, 35, 38 (under
/// the threshold but at the limit). Month 11: demand 41 > 40: full. The storage cost is the
/// tier's price, whatever the size inside it.
///
/// The budget of 5.00 is first passed in month 4 (7.00): in every trial, so P = 1 and the time
/// to it is month 4 at every quantile; the first full month is 11.
#[test]
fn tiered_billing_after_autoresize_and_a_budget_by_hand() {
    let r = replay("tiered", TIERED);
    series(
        &r,
        Metric::ProvisionedGib,
        &[
            10.0, 20.0, 20.0, 20.0, 30.0, 30.0, 30.0, 40.0, 40.0, 40.0, 40.0, 40.0,
        ],
    );
    series(
        &r,
        Metric::BilledGib,
        &[
            10.0, 20.0, 20.0, 20.0, 40.0, 40.0, 40.0, 40.0, 40.0, 40.0, 40.0, 40.0,
        ],
    );
    series(
        &r,
        Metric::CostStorage,
        &[1.0, 3.0, 3.0, 3.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0],
    );
    series(
        &r,
        Metric::ResizeEvents,
        &[0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0],
    );
    series(
        &r,
        Metric::UsedGib,
        &[
            8.0, 11.0, 14.0, 17.0, 20.0, 23.0, 26.0, 29.0, 32.0, 35.0, 38.0, 40.0,
        ],
    );
    figure(&r, 11, Metric::FullEvents, 1.0);
    figure(&r, 10, Metric::FullEvents, 0.0);
    figure(&r, 11, Metric::CostCumulative, 3.0 * 3.0 + 8.0 * 7.0);
    assert_eq!(r.first(Event::BudgetExceeded), Some(4));
    assert_eq!(r.first(Event::VolumeFull), Some(11));

    let dir = tempfile::tempdir().unwrap();
    let agg = run(&load_text(dir.path(), "tiered", TIERED), 40, 7, None);
    let budget = agg.probability(Event::BudgetExceeded);
    assert_eq!(budget.p, 1.0, "P(budget exceeded)");
    let t = agg.time_to(Event::BudgetExceeded);
    assert_eq!(
        (t.p5, t.p50, t.p95, t.never),
        (Some(4), Some(4), Some(4), 0.0)
    );
    let full = agg.time_to(Event::VolumeFull);
    assert_eq!((full.p5, full.p95), (Some(11), Some(11)), "time to full");
    // Every trial is the same: the quantiles of a month's cost are the figure itself.
    close(
        agg.cell(4, Metric::CostStorage).quantile(0.9),
        7.0,
        7.0 * 0.005,
    );
}

/// With nothing stored yet, a cluster's rate is the plain mean of its pools' (there is nothing to
/// weight them by): EC 4+2 (1.5) and size 3 (3) average 2.25, so the empty cluster's usable
/// capacity is 7000 × 0.95 / (1.05 × 2.25) = 2814.81. In month 1 only the EC pool holds data
/// (200 GiB): rate 1.5, usable 6650 / (1.05 × 1.5) = 4222.22.
#[test]
fn an_empty_clusters_rate_is_the_mean_of_its_pools() {
    let text = ec_cluster(7, true)
        .replace(
            "initial_used = { fixed = 1000.0 }",
            "initial_used = { fixed = 0.0 }",
        )
        .replace(
            "initial_used = { fixed = 200.0 }",
            "initial_used = { fixed = 0.0 }",
        );
    let r = replay("empty", &text);
    figure(&r, 0, Metric::CephRawUsedGib, 0.0);
    figure(&r, 0, Metric::CephUsableGib, 6650.0 / (1.05 * 2.25));
    figure(&r, 1, Metric::CephUsableGib, 6650.0 / (1.05 * 1.5));
}

/// Writes stop at full (issue 20): the cluster above with an order that lands too late (trigger
/// 0.94, placed in month 10 at 0.952875, landing in month 13). The fullest OSD passes full_ratio
/// 0.95 in month 10 (0.086625 × 11 = 0.952875), so from month 11 the pool takes no writes:
/// stored stays at month 10's 1100 GiB, raw used at 315 × 11 = 3465, the fullest OSD at
/// 0.952875; the volume wanted 1200 in month 11 and 1300 in month 12, so 100 and 200 GiB are
/// unwritten. With the order placed earlier (trigger 0.85: month 9 at 0.86625, landing in
/// month 12) month 11 is blocked alike, and month 12's landing (C = 8000) clears the flag
/// (3465 × 1.1 / 8000 = 0.476): what was refused is written with the month's growth, 1300
/// stored, raw used 315 × 13 = 4095, nothing unwritten.
#[test]
fn writes_stop_at_full_until_there_is_room() {
    let late = replay(
        "blocked",
        &growing_cluster(
            "trigger = 0.94\nlead_time_months = 3\nadd = { osds_per_host = 1, osd_size = \"1000Gi\" }",
        ),
    );
    let raw: Vec<f64> = (0..=12).map(|m| raw_used(m.min(10))).collect();
    series(&late, Metric::CephRawUsedGib, &raw);
    let unwritten: Vec<f64> = (0..=12)
        .map(|m| 100.0 * (m as f64 - 10.0).max(0.0))
        .collect();
    series(&late, Metric::CephUnwrittenGib, &unwritten);
    figure(&late, 12, Metric::CephFullestOsdUtil, 0.952875);
    assert_eq!(late.first(Event::CephFull), Some(10));
    assert_eq!(late.first(Event::CephWritesBlocked), Some(11));

    let landed = replay(
        "unblocked",
        &growing_cluster(
            "trigger = 0.85\nlead_time_months = 3\nadd = { osds_per_host = 1, osd_size = \"1000Gi\" }",
        ),
    );
    assert_eq!(landed.orders.first(), Some(&9));
    figure(&landed, 11, Metric::CephRawUsedGib, 3465.0);
    figure(&landed, 11, Metric::CephUnwrittenGib, 100.0);
    figure(&landed, 12, Metric::CephRawCapacityGib, 8000.0);
    figure(&landed, 12, Metric::CephRawUsedGib, 4095.0);
    figure(&landed, 12, Metric::CephUnwrittenGib, 0.0);
    assert_eq!(landed.first(Event::CephWritesBlocked), Some(11));
}

/// A comparison never takes refused writes for a saving: the 4-host cluster above, which
/// refuses writes from month 11, against the same cluster with 8 hosts, which never fills, is
/// cheaper, and the answer says that its cluster refuses writes in every future.
#[test]
fn a_cheaper_variant_that_refuses_writes_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let small = growing_cluster(
        "trigger = 0.94\nlead_time_months = 3\nadd = { osds_per_host = 1, osd_size = \"1000Gi\" }",
    );
    let big = small
        .replace("hosts = 4", "hosts = 8")
        .replace("expansion-by-hand", "big");
    let small = small.replace("expansion-by-hand", "small");
    std::fs::write(dir.path().join("small.toml"), small).unwrap();
    std::fs::write(dir.path().join("big.toml"), big).unwrap();
    headroom()
        .current_dir(dir.path())
        .args([
            "compare",
            "big.toml",
            "small.toml",
            "--trials",
            "5",
            "--seed",
            "1",
        ])
        .args(["--out", "cmp"])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "small's Ceph cluster refuses writes in > 56.6% (95%) of futures",
        ));
}
