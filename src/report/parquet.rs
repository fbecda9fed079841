//! `--export-trials FILE`: one row per trial (or per trial and month) as Parquet, for analysts
//! in notebooks. Schema (in this order):
//!
//! | column | type | meaning |
//! |---|---|---|
//! | `scenario` | string | scenario name |
//! | `trial` | u64 | trial index (replay it with the same seed) |
//! | `month` | u32 | month of the values: the horizon, or every month with `--per-month` |
//! | `users` … `cost_cumulative` | f64 | every metric of `timeseries.csv`, Ceph ones included |
//! | `first_<event>` for every event (`volume_full`, `ceph_nearfull`, `ceph_full`, `ceph_order`, `budget_exceeded`, `ceph_recovery_stall`) | u32, null = never | first month of each event |

use crate::engine::TrialRow;
use crate::model::metrics::{Event, Metric};
use polars::prelude::*;

/// The Parquet bytes of the kept trials of one or more scenarios.
pub fn to_parquet(scenarios: &[(String, Vec<TrialRow>)]) -> PolarsResult<Vec<u8>> {
    let rows: Vec<(&str, &TrialRow)> = scenarios
        .iter()
        .flat_map(|(name, rows)| rows.iter().map(move |r| (name.as_str(), r)))
        .collect();
    let n = rows.len();
    let mut columns = vec![
        Column::new(
            "scenario".into(),
            rows.iter().map(|r| r.0).collect::<Vec<&str>>(),
        ),
        Column::new(
            "trial".into(),
            rows.iter().map(|r| r.1.trial).collect::<Vec<u64>>(),
        ),
        Column::new(
            "month".into(),
            rows.iter().map(|r| r.1.month).collect::<Vec<u32>>(),
        ),
    ];
    for m in Metric::ALL {
        columns.push(Column::new(
            m.name().into(),
            rows.iter()
                .map(|r| r.1.values[m.index()])
                .collect::<Vec<f64>>(),
        ));
    }
    for e in Event::ALL {
        columns.push(Column::new(
            format!("first_{}", e.name()).into(),
            rows.iter()
                .map(|r| r.1.first[e.index()])
                .collect::<Vec<Option<u32>>>(),
        ));
    }
    let mut df = DataFrame::new(n, columns)?;
    let mut out = Vec::new();
    ParquetWriter::new(&mut out).finish(&mut df)?;
    Ok(out)
}
