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

/// The kept rows of one scenario as a frame in the export's schema.
fn frame(scenario: &str, rows: &[TrialRow]) -> PolarsResult<DataFrame> {
    let n = rows.len();
    let mut columns = vec![
        Column::new("scenario".into(), vec![scenario; n]),
        Column::new(
            "trial".into(),
            rows.iter().map(|r| r.trial).collect::<Vec<u64>>(),
        ),
        Column::new(
            "month".into(),
            rows.iter().map(|r| r.month).collect::<Vec<u32>>(),
        ),
    ];
    for m in Metric::ALL {
        columns.push(Column::new(
            m.name().into(),
            rows.iter()
                .map(|r| r.values[m.index()])
                .collect::<Vec<f64>>(),
        ));
    }
    for e in Event::ALL {
        columns.push(Column::new(
            format!("first_{}", e.name()).into(),
            rows.iter()
                .map(|r| r.first[e.index()])
                .collect::<Vec<Option<u32>>>(),
        ));
    }
    DataFrame::new(n, columns)
}

/// A Parquet file written a row group at a time: the rows of one wave of trials are encoded
/// and let go, so an export of a million trials needs the memory of one wave.
pub struct Export<W: std::io::Write> {
    writer: BatchedWriter<W>,
    rows: u64,
}

impl<W: std::io::Write> Export<W> {
    /// Starts the file.
    pub fn new(out: W) -> PolarsResult<Export<W>> {
        let schema = frame("", &[])?.schema().as_ref().clone();
        Ok(Export {
            writer: ParquetWriter::new(out).batched(&schema)?,
            rows: 0,
        })
    }

    /// Appends a scenario's rows (none: nothing written).
    pub fn write(&mut self, scenario: &str, rows: &[TrialRow]) -> PolarsResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        self.rows += rows.len() as u64;
        self.writer.write_batch(&frame(scenario, rows)?)
    }

    /// Ends the file; returns the rows written.
    pub fn finish(self) -> PolarsResult<u64> {
        self.writer.finish()?;
        Ok(self.rows)
    }
}
