//! Tidy CSV (`timeseries.csv`, `comparison.csv`): one row per label, month and metric, with
//! the mean and quantiles: `<label>,month,metric,mean,p5,p50,p90,p95,p99`.

use super::compare::CompareReport;
use super::run::RunReport;
use super::summary::{Stats, metrics_of};
use super::{Format, Output, ReportError};
use crate::aggregate::Aggregate;
use crate::model::Model;

/// The CSV format.
#[derive(Debug, Clone, Copy)]
pub struct Csv;

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

/// Tidy CSV with `label_column` as the first column's name, one row per item.
pub fn tidy<'a>(
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

impl Format<RunReport<'_>> for Csv {
    /// `timeseries.csv`: `scenario,month,metric,mean,p5,p50,p90,p95,p99`.
    fn render(&self, r: &RunReport) -> Result<Vec<Output>, ReportError> {
        let bytes = tidy("scenario", rows(&r.model.name, r.model, r.aggregate))?;
        Ok(vec![Output::new("timeseries.csv", bytes)])
    }
}

impl Format<CompareReport<'_>> for Csv {
    /// `comparison.csv`: every variant's metrics, then the paired differences as variant
    /// `"<variant> minus <baseline>"` with metrics `cost_total` and `cost_cumulative`.
    fn render(&self, r: &CompareReport) -> Result<Vec<Output>, ReportError> {
        let (models, c) = (&r.models, r.comparison);
        let diff_names: Vec<String> = (1..models.len())
            .map(|i| format!("{} minus {}", models[i].name, models[0].name))
            .collect();
        let variants = models
            .iter()
            .zip(&c.aggregates)
            .flat_map(|(m, agg)| rows(&m.name, m, agg));
        let diffs = c.diffs.iter().zip(&diff_names).flat_map(|(d, name)| {
            (0..c.aggregates[0].months()).flat_map(move |month| {
                [
                    ("cost_total", d.monthly(month)),
                    ("cost_cumulative", d.cumulative(month)),
                ]
                .map(|(metric, m)| (name.as_str(), month, metric, Stats::of(m)))
            })
        });
        let bytes = tidy("variant", variants.chain(diffs))?;
        Ok(vec![Output::new("comparison.csv", bytes)])
    }
}
