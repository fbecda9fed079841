//! Writing fits into the user's scenario with `toml_edit`: only the fitted keys change, each
//! with a comment giving the fit, the window and the sample size; every other line and
//! comment stays as it was.

use toml_edit::{DocumentMut, Item, Value};

/// One key to set in a `[[volumes]]` entry (or `[population]`, with `volume` empty).
#[derive(Debug, Clone, PartialEq)]
pub struct Edit {
    /// The `[[volumes]]` entry's name; empty for `[population]`.
    pub volume: String,
    /// The key.
    pub key: String,
    /// The value, as TOML (`{ lognormal = { median = 0.2, sigma = 1.0 } }`).
    pub value: String,
    /// The comment to put after it.
    pub comment: String,
}

/// A `[[volumes]]` entry as calibrate matches series to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Its name.
    pub name: String,
    /// Its `claims` (`namespace/name`).
    pub claims: Vec<String>,
    /// Its `statefulset`.
    pub statefulset: Option<String>,
}

/// The `[[volumes]]` entries.
pub fn volumes(doc: &DocumentMut) -> Vec<Entry> {
    let Some(tables) = doc.get("volumes").and_then(Item::as_array_of_tables) else {
        return Vec::new();
    };
    tables
        .iter()
        .map(|t| {
            let name = t
                .get("name")
                .and_then(Item::as_str)
                .unwrap_or_default()
                .to_string();
            let claims = t
                .get("claims")
                .and_then(Item::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            let sts = t
                .get("statefulset")
                .and_then(Item::as_str)
                .map(str::to_string);
            Entry {
                name,
                claims,
                statefulset: sts,
            }
        })
        .collect()
}

/// Applies the edits; an edit of a volume the file does not have is an error.
pub fn apply(doc: &mut DocumentMut, edits: &[Edit]) -> Result<(), String> {
    for e in edits {
        let parsed: DocumentMut = format!("v = {}", e.value)
            .parse()
            .map_err(|err| format!("internal: {} is not TOML: {err}", e.value))?;
        let Some(mut value) = parsed.get("v").and_then(Item::as_value).cloned() else {
            return Err(format!("internal: {} is not a value", e.value));
        };
        value.decor_mut().set_prefix(" ");
        value.decor_mut().set_suffix(format!("  # {}", e.comment));
        let table = if e.volume.is_empty() {
            doc.entry("population")
                .or_insert(toml_edit::table())
                .as_table_mut()
                .ok_or("[population] is not a table")?
        } else {
            doc.get_mut("volumes")
                .and_then(Item::as_array_of_tables_mut)
                .and_then(|ts| {
                    ts.iter_mut()
                        .find(|t| t.get("name").and_then(Item::as_str) == Some(e.volume.as_str()))
                })
                .ok_or_else(|| format!("no [[volumes]] entry named {:?}", e.volume))?
        };
        table.insert(&e.key, Item::Value(value));
    }
    Ok(())
}

/// Sets `[ceph.<cluster>].initial_raw_used` to `gib`, with a comment.
pub fn set_initial_raw_used(
    doc: &mut DocumentMut,
    cluster: &str,
    gib: f64,
    comment: &str,
) -> Result<(), String> {
    let table = doc
        .get_mut("ceph")
        .and_then(|c| c.get_mut(cluster))
        .and_then(Item::as_table_mut)
        .ok_or_else(|| format!("no [ceph.{cluster}] table"))?;
    let mut value = Value::from(format!("{gib}Gi"));
    value.decor_mut().set_prefix(" ");
    value.decor_mut().set_suffix(format!("  # {comment}"));
    table.insert("initial_raw_used", Item::Value(value));
    Ok(())
}
