//! `timeseries.csv`, tidy: one row per scenario, month and metric.

use super::summary::{Stats, metrics_of};
use crate::aggregate::Aggregate;
use crate::model::Model;

/// One tidy row: a label (scenario or variant), month, metric and its statistics.
#[derive(Debug, Clone, serde::Serialize)]
struct Row<'a> {
    label: &'a str,
    month: usize,
    metric: &'a str,
    mean: f64,
    p5: f64,
    p50: f64,
    p90: f64,
    p95: f64,
    p99: f64,
}

/// Tidy CSV: `<label_column>,month,metric,mean,p5,p50,p90,p95,p99`, one row per item.
pub fn tidy_csv<'a>(
    label_column: &str,
    rows: impl IntoIterator<Item = (&'a str, usize, &'a str, Stats)>,
) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.write_record([
        label_column,
        "month",
        "metric",
        "mean",
        "p5",
        "p50",
        "p90",
        "p95",
        "p99",
    ])?;
    for (label, month, metric, s) in rows {
        w.serialize(Row {
            label,
            month,
            metric,
            mean: s.mean,
            p5: s.p5,
            p50: s.p50,
            p90: s.p90,
            p95: s.p95,
            p99: s.p99,
        })?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// Every reported metric of every month of one aggregate, as tidy rows labelled `label`.
pub fn rows<'a>(
    label: &'a str,
    model: &'a Model,
    agg: &'a Aggregate,
) -> impl Iterator<Item = (&'a str, usize, &'a str, Stats)> + 'a {
    (0..agg.months()).flat_map(move |month| {
        metrics_of(model).into_iter().map(move |metric| {
            (
                label,
                month,
                metric.name(),
                Stats::of(agg.cell(month, metric)),
            )
        })
    })
}

/// The CSV text of a run: `scenario,month,metric,mean,p5,p50,p90,p95,p99`.
pub fn to_csv(model: &Model, agg: &Aggregate) -> Result<Vec<u8>, csv::Error> {
    tidy_csv("scenario", rows(&model.name, model, agg))
}
