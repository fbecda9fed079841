//! Outputs of a run (DESIGN §6): `summary.json`, the tidy `timeseries.csv` and the short
//! terminal table. Building a summary and serializing it are pure; [`write_atomic`] is the only
//! function here that touches the file system.

pub mod charts;
pub mod compare;
pub mod markdown;
pub mod summary;
pub mod table;
pub mod timeseries;
pub mod trials;

use std::io::Write;
use std::path::Path;
pub use summary::Summary;

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, so an
/// interrupted run never leaves a half-written file that looks complete.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
