//! Reading a capture: JSON or YAML, one object, a `kubectl` List or several YAML documents,
//! each recognised by its content, not by its file name.
//!
//! Ceph's own JSON is not always JSON: an exporter or an old `ceph osd df` prints `-nan` for
//! an OSD with no size (digitalocean/ceph_exporter's fixtures keep one). That is refused with
//! the file, line and column, rather than read as a guess.

use crate::scenario::ScenarioError;
use serde::Deserialize;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// What a capture is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `ceph df [detail] -f json`.
    CephDf,
    /// `ceph osd df [tree] -f json`.
    CephOsdDf,
    /// `ceph osd tree -f json` (hosts and OSDs, no sizes).
    CephOsdTree,
    /// `ceph osd dump -f json`.
    CephOsdDump,
    /// `ceph status -f json`.
    CephStatus,
    /// One rule of `ceph osd crush rule dump -f json`.
    CephCrushRule,
    /// `ceph pg ls-by-pool POOL -f json` (or `ceph pg ls`, `ceph pg dump pgs_brief`): each
    /// placement group's up set.
    CephPgs,
    /// A Kubernetes PersistentVolumeClaim.
    Pvc,
    /// A Kubernetes PersistentVolume.
    Pv,
    /// A Kubernetes StatefulSet.
    StatefulSet,
    /// A Kubernetes StorageClass.
    StorageClass,
    /// A Rook CephCluster.
    RookCluster,
    /// A Rook CephBlockPool.
    RookBlockPool,
    /// A Rook CephFilesystem.
    RookFilesystem,
}

/// What `ingest` recognises, for the message about a file it does not.
pub const KNOWN: &str = "ceph df, ceph osd df [tree], ceph osd tree, ceph osd dump, ceph osd crush rule dump, ceph pg ls-by-pool, ceph status (each -f json); kubectl get of PersistentVolumeClaim, PersistentVolume, StatefulSet, StorageClass (a List or one object, JSON or YAML); Rook CephCluster, CephBlockPool, CephFilesystem";

/// One recognised object of a capture file.
#[derive(Debug, Clone)]
pub struct Capture {
    /// The file it came from.
    pub file: PathBuf,
    /// Its kind.
    pub kind: Kind,
    /// The object.
    pub doc: Value,
}

impl Capture {
    /// The error for a field of this capture.
    pub fn problem(&self, field: &str, message: impl Into<String>) -> ScenarioError {
        ScenarioError::one(&self.file, None, field, message)
    }

    /// The file's name, for comments.
    pub fn file_name(&self) -> String {
        self.file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.file.display().to_string())
    }
}

/// Reads a capture file into its recognised objects.
pub fn read(path: &Path) -> Result<Vec<Capture>, ScenarioError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ScenarioError::one(path, None, "", format!("cannot read the capture: {e}")))?;
    let docs = parse(path, &text)?;
    if docs.is_empty() {
        return Err(ScenarioError::one(
            path,
            None,
            "",
            format!("holds no capture (the file is empty); it should hold one of {KNOWN}"),
        ));
    }
    let mut out = Vec::new();
    for doc in docs {
        for object in flatten(doc) {
            let kind = recognise(&object).ok_or_else(|| {
                ScenarioError::one(
                    path,
                    None,
                    "",
                    format!("not a capture headroom knows; it reads {KNOWN}"),
                )
            })?;
            out.push(Capture {
                file: path.to_path_buf(),
                kind,
                doc: object,
            });
        }
    }
    Ok(out)
}

/// JSON where the text starts like JSON, else YAML (possibly several documents).
fn parse(path: &Path, text: &str) -> Result<Vec<Value>, ScenarioError> {
    let first = text.trim_start().chars().next();
    if matches!(first, Some('{') | Some('[')) {
        return serde_json::from_str(text)
            .map(|v| vec![v])
            .map_err(|e| json_error(path, text, &e));
    }
    if let Some(line) = crate::yaml::too_deep(text) {
        return Err(ScenarioError::one(
            path,
            Some(line),
            "",
            crate::yaml::too_deep_message(),
        ));
    }
    let mut docs = Vec::new();
    for doc in yaml_serde::Deserializer::from_str(text) {
        let value = Value::deserialize(doc).map_err(|e| {
            let line = e.location().map(|l| l.line());
            ScenarioError::one(path, line, "", format!("neither JSON nor YAML: {e}"))
        })?;
        if !value.is_null() {
            docs.push(value);
        }
    }
    Ok(docs)
}

/// The message for text that is not JSON, naming `NaN`/`inf` where that is the cause.
fn json_error(path: &Path, text: &str, e: &serde_json::Error) -> ScenarioError {
    let (line, column) = (e.line(), e.column());
    // serde_json stops after a sign: start one character back to show `-nan` whole.
    let at = text
        .lines()
        .nth(line.saturating_sub(1))
        .map(|l| l.chars().skip(column.saturating_sub(2)).collect::<String>())
        .unwrap_or_default();
    let at = at.trim_start_matches(|c: char| c == ':' || c == ',' || c.is_whitespace());
    let word: String = at
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '+' || *c == '.')
        .collect();
    let lower = word.to_ascii_lowercase();
    let message = if [
        "nan",
        "-nan",
        "+nan",
        "inf",
        "-inf",
        "infinity",
        "-infinity",
    ]
    .contains(&lower.as_str())
    {
        format!(
            "column {column}: `{word}` is not JSON (NaN or infinity, as some Ceph versions and exporters print for an OSD of size 0); recapture with `ceph … -f json` from a current release or fix the value"
        )
    } else {
        format!("not valid JSON: {e}")
    };
    ScenarioError::one(path, Some(line), "", message)
}

/// The objects of a document: a `kubectl` List (`kind: List` or `…List`) gives its items, an
/// array its elements, anything else itself.
fn flatten(doc: Value) -> Vec<Value> {
    match doc {
        Value::Array(items) => items.into_iter().flat_map(flatten).collect(),
        Value::Object(mut map) => {
            let list_kind = map
                .get("kind")
                .and_then(Value::as_str)
                .filter(|k| k.ends_with("List"))
                .map(|k| k.trim_end_matches("List").to_string());
            match (list_kind, map.remove("items")) {
                (Some(item_kind), Some(Value::Array(items))) => items
                    .into_iter()
                    .map(|mut item| {
                        // API lists leave the items' kind out; `kubectl` Lists keep it.
                        if let (Value::Object(o), false) = (&mut item, item_kind.is_empty()) {
                            o.entry("kind")
                                .or_insert_with(|| Value::String(item_kind.clone()));
                        }
                        item
                    })
                    .collect(),
                (_, items) => {
                    if let Some(items) = items {
                        map.insert("items".into(), items);
                    }
                    vec![Value::Object(map)]
                }
            }
        }
        other => vec![other],
    }
}

/// The value at a dotted path (`spec.resources.requests.storage`); `Null` where any part is
/// missing.
pub fn at<'a>(doc: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(doc, |v, part| &v[part])
}

/// The kind of one object, from its fields.
pub fn recognise(doc: &Value) -> Option<Kind> {
    let has = |k: &str| doc.get(k).is_some();
    if let Some(kind) = doc.get("kind").and_then(Value::as_str) {
        return match kind {
            "PersistentVolumeClaim" => Some(Kind::Pvc),
            "PersistentVolume" => Some(Kind::Pv),
            "StatefulSet" => Some(Kind::StatefulSet),
            "StorageClass" => Some(Kind::StorageClass),
            "CephCluster" => Some(Kind::RookCluster),
            "CephBlockPool" => Some(Kind::RookBlockPool),
            "CephFilesystem" => Some(Kind::RookFilesystem),
            _ => None,
        };
    }
    if has("stats") && doc.get("pools").is_some_and(Value::is_array) {
        return Some(Kind::CephDf);
    }
    if let Some(nodes) = doc.get("nodes").and_then(Value::as_array) {
        // `osd df` gives each OSD's size (`kb`); `osd tree` only the layout.
        return Some(
            if has("summary") || nodes.iter().any(|n| n.get("kb").is_some()) {
                Kind::CephOsdDf
            } else {
                Kind::CephOsdTree
            },
        );
    }
    if doc.get("osds").is_some_and(Value::is_array)
        && (has("pools") || has("full_ratio") || has("epoch"))
    {
        return Some(Kind::CephOsdDump);
    }
    if has("health") && (has("pgmap") || has("osdmap")) {
        return Some(Kind::CephStatus);
    }
    if has("rule_id") && doc.get("steps").is_some_and(Value::is_array) {
        return Some(Kind::CephCrushRule);
    }
    // Nautilus on wraps the PGs in `pg_stats`; Luminous printed the bare list.
    let pgs = doc.get("pg_stats").unwrap_or(doc);
    if pgs
        .as_array()
        .and_then(|a| a.first())
        .is_some_and(|pg| pg.get("pgid").is_some() && pg.get("up").is_some())
    {
        return Some(Kind::CephPgs);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_give_their_items_with_a_kind() {
        let list: Value = serde_json::json!({
            "kind": "PersistentVolumeClaimList",
            "items": [{"metadata": {"name": "a"}}]
        });
        let items = flatten(list);
        assert_eq!(items.len(), 1);
        assert_eq!(recognise(&items[0]), Some(Kind::Pvc));
        let empty = flatten(serde_json::json!({"kind": "List", "items": []}));
        assert!(empty.is_empty());
    }

    #[test]
    fn pg_lists_of_every_release_are_recognised() {
        let pg = serde_json::json!({"pgid": "2.1f", "state": "active+clean", "up": [0, 3, 1]});
        let nautilus = serde_json::json!({"pg_ready": true, "pg_stats": [pg.clone()]});
        assert_eq!(recognise(&nautilus), Some(Kind::CephPgs));
        assert_eq!(recognise(&serde_json::json!([pg])), Some(Kind::CephPgs));
        assert_eq!(recognise(&serde_json::json!({"pg_stats": []})), None);
    }
}
