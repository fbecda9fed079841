//! `timeseries.csv`, tidy: one row per scenario, month and metric.

use super::summary::{Stats, metrics_of};
use crate::aggregate::Aggregate;
use crate::model::Model;

/// One row of `timeseries.csv`.
#[derive(Debug, Clone, serde::Serialize)]
struct Row<'a> {
    scenario: &'a str,
    month: usize,
    metric: &'a str,
    mean: f64,
    p5: f64,
    p50: f64,
    p90: f64,
    p95: f64,
    p99: f64,
}

/// The CSV text of a run: `scenario,month,metric,mean,p5,p50,p90,p95,p99`.
pub fn to_csv(model: &Model, agg: &Aggregate) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for month in 0..agg.months() {
        for metric in metrics_of(model) {
            let s = Stats::of(agg.cell(month, metric));
            w.serialize(Row {
                scenario: &model.name,
                month,
                metric: metric.name(),
                mean: s.mean,
                p5: s.p5,
                p50: s.p50,
                p90: s.p90,
                p95: s.p95,
                p99: s.p99,
            })?;
        }
    }
    w.into_inner().map_err(|e| e.into_error().into())
}
