//! JSON outputs (`summary.json`, `comparison.json`): the report's figures, pretty-printed,
//! with a final newline.

use super::compare::CompareReport;
use super::run::RunReport;
use super::{Format, Output, ReportError};

/// The JSON format.
#[derive(Debug, Clone, Copy)]
pub struct Json;

/// Pretty JSON of `value` with a final newline.
pub fn pretty<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, ReportError> {
    let mut out = serde_json::to_vec_pretty(value)?;
    out.push(b'\n');
    Ok(out)
}

impl Format<RunReport<'_>> for Json {
    fn render(&self, r: &RunReport) -> Result<Vec<Output>, ReportError> {
        Ok(vec![Output::new("summary.json", pretty(&r.summary)?)])
    }
}

impl Format<CompareReport<'_>> for Json {
    fn render(&self, r: &CompareReport) -> Result<Vec<Output>, ReportError> {
        Ok(vec![Output::new("comparison.json", pretty(&r.summary)?)])
    }
}
