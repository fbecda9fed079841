//! Outputs: what a command reports, as data, and one module per output format.
//!
//! A command builds a report value ([`run::RunReport`], [`compare::CompareReport`]): its figures,
//! the charts to draw and the answer in words ([`answer::Answer`]). Each format turns a report
//! into named files ([`Output`]) through the one [`Format`] trait: [`json`], [`csv`], [`png`],
//! [`markdown`]. Adding a format is one new file implementing [`Format`] for the reports it
//! serves, listed in that report's `outputs()`. Nothing here touches the file system or the
//! terminal: `app` writes the files (one folder, replaced whole) and prints the answer.
//!
//! Shared pieces: [`format`] (how numbers read), [`provenance`] (trials, seed, horizon…),
//! [`warning`] (what a reader must know), [`charts`] (what a chart shows) and [`table`] (the
//! terminal table of a run). [`parquet`] exports trials, one row each.

pub mod answer;
pub mod charts;
pub mod compare;
pub mod comparison;
pub mod csv;
pub mod format;
pub mod gate;
pub mod json;
pub mod markdown;
pub mod parquet;
pub mod png;
pub mod provenance;
pub mod recommend;
pub mod run;
pub mod summary;
pub mod table;
pub mod warning;

pub use summary::Summary;

/// One file of a report: its name in the report folder and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// File name (`summary.json`).
    pub name: String,
    /// Contents.
    pub bytes: Vec<u8>,
    /// Whether it is a script to run (written with the execute bits the umask allows).
    pub executable: bool,
}

impl Output {
    /// A named file.
    pub fn new(name: impl Into<String>, bytes: Vec<u8>) -> Output {
        Output {
            name: name.into(),
            bytes,
            executable: false,
        }
    }

    /// A script to run (`migrate.sh`).
    pub fn script(name: impl Into<String>, bytes: Vec<u8>) -> Output {
        Output {
            executable: true,
            ..Output::new(name, bytes)
        }
    }
}

/// Why a report could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Formatting CSV.
    #[error("formatting CSV: {0}")]
    Csv(#[from] ::csv::Error),
    /// Formatting JSON.
    #[error("formatting JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Drawing a chart.
    #[error(transparent)]
    Chart(#[from] png::ChartError),
}

/// An output format: turns a report of kind `R` into files.
pub trait Format<R> {
    /// The files this format writes for `report`.
    fn render(&self, report: &R) -> Result<Vec<Output>, ReportError>;
}

/// The files of `report` in every format of `formats`, in that order.
pub fn render_all<R>(report: &R, formats: &[&dyn Format<R>]) -> Result<Vec<Output>, ReportError> {
    let mut out = Vec::new();
    for f in formats {
        out.extend(f.render(report)?);
    }
    Ok(out)
}
