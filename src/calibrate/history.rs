//! Usage history: a Prometheus `query_range` result (the JSON the HTTP API and `promtool query
//! range -o json` return) of `kubelet_volume_stats_used_bytes` (labels `namespace`,
//! `persistentvolumeclaim`) or `ceph_pool_stored` (label `name`, or `pool_id`), or a CSV of
//! `time,volume,used_bytes` (time as Unix seconds or RFC 3339). Read into a polars frame and
//! resampled to calendar months: a series' figure for a month is its last sample in it.

use crate::scenario::ScenarioError;
use polars::prelude::*;
use serde_json::Value;
use std::path::Path;

/// The metrics `calibrate` reads.
pub const METRICS: [&str; 2] = ["kubelet_volume_stats_used_bytes", "ceph_pool_stored"];

/// Bytes in a GiB.
pub const GIB: f64 = (1u64 << 30) as f64;

/// One sample: series, Unix seconds, bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// `namespace/claim` for a volume, `pool:<name>` for a pool, the CSV's `volume` as written.
    pub series: String,
    /// Seconds since 1970.
    pub time: f64,
    /// Used bytes.
    pub bytes: f64,
}

/// One series' month-end figure.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthEnd {
    /// The series.
    pub series: String,
    /// Months since January 1970.
    pub month: i32,
    /// Used GiB at the month's last sample.
    pub used_gib: f64,
}

/// What a history file holds.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// The metric (a CSV says `used_bytes`).
    pub metric: String,
    /// The samples.
    pub samples: Vec<Sample>,
}

/// Reads a history file.
pub fn read(path: &Path) -> Result<History, ScenarioError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ScenarioError::one(path, None, "", format!("cannot read the history: {e}")))?;
    if text.trim_start().starts_with('{') {
        prometheus(path, &text)
    } else {
        csv_history(path, &text)
    }
}

fn prometheus(path: &Path, text: &str) -> Result<History, ScenarioError> {
    let err = |key: &str, message: String| ScenarioError::one(path, None, key, message);
    let doc: Value = serde_json::from_str(text).map_err(|e| {
        ScenarioError::one(path, Some(e.line()), "", format!("not valid JSON: {e}"))
    })?;
    let result = doc["data"]["result"].as_array().ok_or_else(|| {
        err(
            "data.result",
            "missing: not a Prometheus query result".into(),
        )
    })?;
    if doc["data"]["resultType"].as_str() != Some("matrix") {
        return Err(err(
            "data.resultType",
            "a range query (`query_range`, resultType matrix) is needed: an instant query has no history".into(),
        ));
    }
    let mut samples = Vec::new();
    let mut metric: Option<String> = None;
    for (i, series) in result.iter().enumerate() {
        let labels = &series["metric"];
        let at = |k: &str| format!("data.result[{i}].metric.{k}");
        let name = metric_of(labels).map_err(|m| err(&at("__name__"), m))?;
        if metric.as_ref().is_some_and(|m| *m != name) {
            return Err(err(&at("__name__"), "one metric per file".into()));
        }
        let key = series_key(&name, labels)
            .ok_or_else(|| err(&at("persistentvolumeclaim"), "missing".into()))?;
        metric = Some(name);
        let points = series["values"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        for (j, point) in points.iter().enumerate() {
            let time = point[0].as_f64();
            // Prometheus writes values as strings, "NaN" for a gap: gaps are skipped.
            let bytes = point[1].as_str().and_then(|s| s.parse::<f64>().ok());
            match (time, bytes) {
                (Some(t), Some(b)) if b.is_finite() => samples.push(Sample {
                    series: key.clone(),
                    time: t,
                    bytes: b,
                }),
                (Some(_), Some(_)) => {}
                _ => {
                    return Err(err(
                        &format!("data.result[{i}].values[{j}]"),
                        "expected [unix_seconds, \"value\"]".into(),
                    ));
                }
            }
        }
    }
    Ok(History {
        metric: metric.unwrap_or_else(|| METRICS[0].into()),
        samples,
    })
}

/// The metric of a series: its `__name__`, or, where an aggregation (`max by (...)`) dropped
/// it, what its labels say. Anything but [`METRICS`] is refused.
fn metric_of(labels: &Value) -> Result<String, String> {
    let name = labels["__name__"].as_str().map(str::to_string).or_else(|| {
        if labels.get("persistentvolumeclaim").is_some() {
            Some(METRICS[0].to_string())
        } else if labels.get("pool_id").is_some() {
            Some(METRICS[1].to_string())
        } else {
            None
        }
    });
    match name {
        Some(n) if METRICS.contains(&n.as_str()) => Ok(n),
        other => Err(format!(
            "{} is not usage history: calibrate reads {} or {}",
            other.map_or(
                "a series without a name or a claim label".into(),
                |n| format!("{n:?}")
            ),
            METRICS[0],
            METRICS[1]
        )),
    }
}

/// `namespace/claim` for the kubelet's series, `pool:<name>` for a pool's (None: no claim).
fn series_key(metric: &str, labels: &Value) -> Option<String> {
    if metric == METRICS[0] {
        let ns = labels["namespace"].as_str().unwrap_or("default");
        Some(format!(
            "{ns}/{}",
            labels["persistentvolumeclaim"].as_str()?
        ))
    } else {
        let pool = labels["name"]
            .as_str()
            .or(labels["pool_id"].as_str())
            .unwrap_or("?");
        Some(format!("pool:{pool}"))
    }
}

/// A user-count history, CSV `time,users`, as samples of one series `users` (a count in the
/// bytes field).
pub fn read_users(path: &Path) -> Result<History, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ScenarioError::one(path, None, "", format!("cannot read the user counts: {e}"))
    })?;
    let rows = csv_rows(path, &text, &["time", "users"])?;
    let samples = rows
        .into_iter()
        .map(|(time, _, count)| Sample {
            series: "users".into(),
            time,
            bytes: count,
        })
        .collect();
    Ok(History {
        metric: "users".into(),
        samples,
    })
}

fn csv_history(path: &Path, text: &str) -> Result<History, ScenarioError> {
    let rows = csv_rows(path, text, &["time", "volume", "used_bytes"])?;
    let samples = rows
        .into_iter()
        .map(|(time, series, bytes)| Sample {
            series,
            time,
            bytes,
        })
        .collect();
    Ok(History {
        metric: "used_bytes".into(),
        samples,
    })
}

/// Rows of a CSV with the header `want` (time first, the figure last, a series between where
/// there are three columns).
fn csv_rows(
    path: &Path,
    text: &str,
    want: &[&str],
) -> Result<Vec<(f64, String, f64)>, ScenarioError> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| ScenarioError::one(path, Some(1), "", format!("not a CSV: {e}")))?
        .clone();
    if headers.iter().map(str::trim).collect::<Vec<_>>() != want {
        return Err(ScenarioError::one(
            path,
            Some(1),
            "",
            format!(
                "the header must be {} (got {})",
                want.join(","),
                headers.iter().collect::<Vec<_>>().join(",")
            ),
        ));
    }
    let figure = want.len() - 1;
    let figure_name = want[figure];
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| ScenarioError::one(path, Some(line), "", e.to_string()))?;
        let field = |k: usize| record.get(k).unwrap_or("").trim();
        let time = parse_time(field(0)).ok_or_else(|| {
            ScenarioError::one(
                path,
                Some(line),
                "time",
                format!("{:?} is neither Unix seconds nor RFC 3339", field(0)),
            )
        })?;
        let value: f64 = field(figure)
            .parse()
            .ok()
            .filter(|b: &f64| b.is_finite() && *b >= 0.0)
            .ok_or_else(|| {
                ScenarioError::one(
                    path,
                    Some(line),
                    figure_name,
                    format!("{:?} is not a number ≥ 0", field(figure)),
                )
            })?;
        let series = if figure == 2 {
            field(1).to_string()
        } else {
            String::new()
        };
        rows.push((time, series, value));
    }
    Ok(rows)
}

/// Unix seconds, or an RFC 3339 time (`2026-03-01T00:00:00Z`; a date alone is midnight UTC).
fn parse_time(s: &str) -> Option<f64> {
    if let Ok(t) = s.parse::<f64>() {
        return Some(t);
    }
    let (date, rest) = s.split_at(s.find('T').unwrap_or(s.len()));
    let mut parts = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    let clock = rest.trim_start_matches('T').trim_end_matches('Z');
    let mut hms = clock.split(':').map(|p| p.parse::<f64>().ok());
    let h = hms.next().flatten().unwrap_or(0.0);
    let min = hms.next().flatten().unwrap_or(0.0);
    let sec = hms.next().flatten().unwrap_or(0.0);
    Some(days_from_civil(y, m, d) as f64 * 86_400.0 + h * 3600.0 + min * 60.0 + sec)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Months since January 1970 of a Unix time (H. Hinnant's `civil_from_days`).
pub fn month_of(time: f64) -> i32 {
    let z = (time / 86_400.0).floor() as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y * 12 + m - 1 - 1970 * 12) as i32
}

/// `YYYY-MM` of a month index.
pub fn month_name(month: i32) -> String {
    let m = month + 1970 * 12;
    format!("{}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1)
}

/// Resamples to month ends with polars: sort by series and time, then each (series, month)
/// group's last sample.
pub fn month_ends(samples: &[Sample]) -> PolarsResult<Vec<MonthEnd>> {
    let df = DataFrame::new(
        samples.len(),
        vec![
            Column::new(
                "series".into(),
                samples
                    .iter()
                    .map(|s| s.series.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "month".into(),
                samples.iter().map(|s| month_of(s.time)).collect::<Vec<_>>(),
            ),
            Column::new(
                "time".into(),
                samples.iter().map(|s| s.time).collect::<Vec<_>>(),
            ),
            Column::new(
                "used_gib".into(),
                samples.iter().map(|s| s.bytes / GIB).collect::<Vec<_>>(),
            ),
        ],
    )?;
    let df = df.sort(["series", "time"], SortMultipleOptions::default())?;
    // Each (series, month) group's rows in time order; its last row is the month end.
    let groups = df.group_by_stable(["series", "month"])?.into_groups();
    let last: Vec<IdxSize> = match &*groups {
        GroupsType::Idx(idx) => idx
            .all()
            .iter()
            .filter_map(|rows| rows.last().copied())
            .collect(),
        GroupsType::Slice { groups, .. } => {
            groups.iter().map(|[first, len]| first + len - 1).collect()
        }
    };
    let ends = df.take(&IdxCa::from_vec("last".into(), last))?;
    let ends = ends.sort(["series", "month"], SortMultipleOptions::default())?;
    let series = ends.column("series")?.str()?;
    let month = ends.column("month")?.i32()?;
    let used = ends.column("used_gib")?.f64()?;
    Ok(series
        .iter()
        .zip(month.iter())
        .zip(used.iter())
        .filter_map(|((s, m), u)| {
            Some(MonthEnd {
                series: s?.to_string(),
                month: m?,
                used_gib: u?,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_months() {
        assert_eq!(month_of(0.0), 0);
        // 2026-03-01T00:00:00Z = 1772323200.
        assert_eq!(parse_time("2026-03-01T00:00:00Z"), Some(1_772_323_200.0));
        assert_eq!(month_name(month_of(1_772_323_200.0)), "2026-03");
        assert_eq!(month_name(month_of(1_772_323_199.0)), "2026-02");
    }
}
