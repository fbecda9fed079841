//! Scenario and pricing files: the only place that reads them.
//!
//! Loading runs in two stages, after ripgrep's low-/high-level arguments: the TOML text is
//! parsed (with `extends` merged) into the serde mirror of [`schema`], then [`validate`] turns
//! that into a [`Model`], collecting every problem it finds. Each problem names the file, the
//! key path and, where it can, the line.

pub mod basis;
pub mod budget;
pub mod locate;
pub mod schema;
pub mod validate;

use crate::model::Model;
use serde::de::DeserializeOwned;
use std::fmt;
use std::path::{Path, PathBuf};

/// One thing wrong with an input file.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The file.
    pub file: PathBuf,
    /// 1-based line, where known.
    pub line: Option<usize>,
    /// Key path (`volumes[0].size`), empty for the file as a whole.
    pub key: String,
    /// What is wrong and, where it helps, what would be right.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if !self.key.is_empty() {
            write!(f, ": {}", self.key)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found in a scenario (and the files it pulls in).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct ScenarioError {
    /// The problems, in the order found.
    pub problems: Vec<Problem>,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl ScenarioError {
    pub(crate) fn one(
        file: &Path,
        line: Option<usize>,
        key: &str,
        message: impl Into<String>,
    ) -> ScenarioError {
        ScenarioError {
            problems: vec![Problem {
                file: file.to_path_buf(),
                line,
                key: key.to_string(),
                message: message.into(),
            }],
        }
    }
}

/// A loaded scenario: the model and how the file asks to run it.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The file it came from.
    pub path: PathBuf,
    /// The validated model.
    pub model: Model,
    /// `trials` of the file (default 10,000).
    pub trials: u64,
    /// `seed` of the file, if set.
    pub seed: Option<u64>,
    /// SHA-256 of every input the model was built from (the file, what it extends, its pricing
    /// catalog) as parsed, hex: two runs with the same hash, seed and trials give the same
    /// numbers, and a comment or a reformatting changes nothing.
    pub inputs_hash: String,
    /// The pricing catalog the scenario was priced from, if it names one.
    pub catalog: Option<CatalogFile>,
}

/// A pricing catalog file as found: where, and the SHA-256 of its bytes, so that a reader
/// (the gate's verdict) can tell which prices each side used.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CatalogFile {
    /// The file found (see [`catalog_candidates`]).
    pub path: PathBuf,
    /// SHA-256 of its text, hex.
    pub sha256: String,
}

impl CatalogFile {
    /// The catalog at `path` with this text.
    pub fn of(path: &Path, text: &str) -> CatalogFile {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(text.as_bytes());
        CatalogFile {
            path: path.to_path_buf(),
            sha256: digest.iter().map(|b| format!("{b:02x}")).collect(),
        }
    }
}

/// SHA-256, hex, of TOML texts in order, each as parsed and written back canonically (keys
/// sorted, no comments, one formatting), so that only what the model reads counts; a text
/// that does not parse counts as written.
pub fn hash_texts<'a>(texts: impl IntoIterator<Item = &'a str>) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for text in texts {
        let canonical = text
            .parse::<toml::Table>()
            .ok()
            .and_then(|t| toml::to_string(&t).ok());
        h.update(canonical.as_deref().unwrap_or(text).as_bytes());
        h.update([0]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The texts an input was assembled from, most specific first, for locating keys.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<(PathBuf, String)>,
    /// The merged document, to map `volumes[i]` to each file's own index by `name`.
    merged: toml::Table,
    /// The folder that stands for the working directory in the catalog lookup (None: the
    /// working directory itself): for a base revision's scenario, the same folder in its
    /// checkout, so that nothing of the working tree is read for the base side.
    workdir: Option<PathBuf>,
}

impl Sources {
    /// Every file and its text, the main one first.
    pub fn texts(&self) -> impl Iterator<Item = (&Path, &str)> {
        self.files.iter().map(|(p, t)| (p.as_path(), t.as_str()))
    }

    /// The folder standing for the working directory, where it is not the working directory.
    pub fn workdir(&self) -> Option<&Path> {
        self.workdir.as_deref()
    }

    /// The main file.
    pub fn main(&self) -> &Path {
        &self.files[0].0
    }

    /// `key` as written in `text`: entries of arrays of named tables (`volumes[2]`) merge by
    /// name under `extends`, so the merged index becomes that file's index of the same name.
    /// None when the file does not write that entry.
    fn key_in(&self, key: &str, text: &str) -> Option<String> {
        if !key.contains('[') {
            return Some(key.to_string());
        }
        let file: toml::Table = text.parse().ok()?;
        let mut merged = Some(toml::Value::Table(self.merged.clone()));
        let mut here = Some(toml::Value::Table(file));
        let mut out = Vec::new();
        for part in key.split('.') {
            let (name, index) = match part.split_once('[') {
                Some((n, rest)) => (n, rest.trim_end_matches(']').parse::<usize>().ok()),
                None => (part, None),
            };
            let get = |v: &Option<toml::Value>| v.as_ref().and_then(|v| v.get(name)).cloned();
            let (m, h) = (get(&merged), get(&here));
            match index {
                None => {
                    out.push(part.to_string());
                    merged = m;
                    here = h;
                }
                Some(i) => {
                    let m = m.and_then(|a| a.get(i).cloned());
                    let entry = m
                        .as_ref()
                        .and_then(|t| t.get("name"))
                        .and_then(|n| n.as_str().map(str::to_string));
                    // The entry of that name in this file (an `extends` file may order them
                    // differently); the same index first, so that of two entries of one name
                    // (a duplicate) each is found where it is.
                    let named = |t: &toml::Value| {
                        t.get("name").and_then(|x| x.as_str()) == entry.as_deref()
                    };
                    let j = match (&entry, h.as_ref().and_then(|a| a.as_array())) {
                        (Some(_), Some(arr)) if arr.get(i).is_some_and(named) => i,
                        (Some(_), Some(arr)) => arr.iter().position(named)?,
                        _ => i,
                    };
                    out.push(format!("{name}[{j}]"));
                    here = h.and_then(|a| a.get(j).cloned());
                    merged = m;
                }
            }
        }
        Some(out.join("."))
    }

    /// A problem at `key`, located in the first file that writes it (and named as that file
    /// writes it: `volumes[0]` of a variant may be `volumes[1]` of the merged scenario).
    pub fn problem(&self, key: &str, message: impl Into<String>) -> Problem {
        let mut best: Option<(PathBuf, usize, String)> = None;
        for (path, text) in &self.files {
            let Some(local) = self.key_in(key, text) else {
                continue;
            };
            match locate::line_of(text, &local) {
                Some((line, true)) => {
                    best = Some((path.clone(), line, local));
                    break;
                }
                Some((line, false)) if best.is_none() => best = Some((path.clone(), line, local)),
                _ => {}
            }
        }
        let (file, line, key) = match best {
            Some((f, l, k)) => (f, Some(l), k),
            None => (self.main().to_path_buf(), None, key.to_string()),
        };
        Problem {
            file,
            line,
            key,
            message: message.into(),
        }
    }
}

/// The largest scenario or catalog file read: far above any real one (the bundled ones are a
/// few KB), so that `extends = "/dev/zero"` is an error, not an allocation without end.
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

fn read(path: &Path) -> Result<String, ScenarioError> {
    use std::io::Read;
    let fail = |e: std::io::Error| {
        let what = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            _ => e.to_string(),
        };
        ScenarioError::one(path, None, "", format!("cannot read the file: {what}"))
    };
    let file = std::fs::File::open(path).map_err(fail)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(fail)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ScenarioError::one(
            path,
            None,
            "",
            "cannot read the file: more than 16 MiB, far more than a scenario holds",
        ));
    }
    String::from_utf8(bytes).map_err(|_| {
        ScenarioError::one(path, None, "", "cannot read the file: it is not UTF-8 text")
    })
}

fn parse_table(path: &Path, text: &str) -> Result<toml::Table, ScenarioError> {
    text.parse::<toml::Table>().map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let message = e.message().trim().to_string();
        ScenarioError::one(path, line, "", format!("not valid TOML: {message}"))
    })
}

/// The `name` of an array-of-tables entry.
fn entry_name(v: &toml::Value) -> Option<&str> {
    v.as_table()?.get("name")?.as_str()
}

/// Overlays `over` onto `base`. Tables merge key by key. Arrays of named tables (`[[volumes]]`)
/// merge by `name`: a variant's entry overrides the keys of the base's entry of the same name,
/// and a new name is appended, so "10 GiB vs 50 GiB" is a two-line variant. Anything else is
/// replaced whole.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            // A one-key table is a choice of kind (`{ normal = … }`, `{ geometric = … }`): a
            // different kind replaces it rather than merging into a two-kind table.
            (Some(toml::Value::Table(b)), toml::Value::Table(o))
                if !(b.len() == 1 && o.len() == 1 && b.keys().ne(o.keys())) =>
            {
                merge(b, o)
            }
            (Some(toml::Value::Array(b)), toml::Value::Array(o))
                if b.iter().chain(&o).all(|v| entry_name(v).is_some()) =>
            {
                for item in o {
                    let name = entry_name(&item).map(str::to_string);
                    match b
                        .iter_mut()
                        .find(|v| entry_name(v).map(str::to_string) == name)
                    {
                        Some(toml::Value::Table(existing)) => {
                            if let toml::Value::Table(t) = item {
                                merge(existing, t);
                            }
                        }
                        _ => b.push(item),
                    }
                }
            }
            (_, v) => {
                base.insert(key, v);
            }
        }
    }
}

/// Reads a TOML file and everything it `extends`, merged, with the texts for locating keys.
/// With `text`, that is `path`'s text (a scenario not yet written), not the file's.
fn read_with_extends(
    path: &Path,
    mut text: Option<String>,
) -> Result<(toml::Table, Sources), ScenarioError> {
    let mut chain: Vec<(PathBuf, String, toml::Table)> = Vec::new();
    let mut current = path.to_path_buf();
    loop {
        if chain.iter().any(|(p, _, _)| p == &current) || chain.len() > 16 {
            return Err(ScenarioError::one(
                &chain[0].0,
                None,
                "extends",
                format!("extends forms a cycle through {}", current.display()),
            ));
        }
        let text = match text.take() {
            Some(given) => given,
            None => read(&current)?,
        };
        let table = parse_table(&current, &text)?;
        let parent = match table.get("extends") {
            None => None,
            Some(toml::Value::String(s)) => {
                Some(current.parent().unwrap_or(Path::new(".")).join(s))
            }
            Some(_) => {
                let line = locate::line_of(&text, "extends").map(|l| l.0);
                return Err(ScenarioError::one(
                    &current,
                    line,
                    "extends",
                    "must be a file name in quotes",
                ));
            }
        };
        if let Some(parent) = &parent
            && !parent.exists()
        {
            let line = locate::line_of(&text, "extends").map(|l| l.0);
            return Err(ScenarioError::one(
                &current,
                line,
                "extends",
                format!("{} does not exist", parent.display()),
            ));
        }
        chain.push((current.clone(), text, table));
        match parent {
            Some(p) => current = p,
            None => break,
        }
    }
    let mut sources = Sources::default();
    let mut merged = toml::Table::new();
    for (path, text, table) in chain.into_iter().rev() {
        merge(&mut merged, table);
        sources.files.insert(0, (path, text));
    }
    merged.remove("extends");
    sources.merged = merged.clone();
    Ok((merged, sources))
}

/// Deserializes a merged table, turning serde's error into a located problem.
fn deserialize<T: DeserializeOwned>(
    table: toml::Table,
    sources: &Sources,
) -> Result<T, ScenarioError> {
    serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
        let mut key = e.path().to_string();
        if key == "." {
            key.clear();
        }
        let message = e.inner().message().trim().to_string();
        // "unknown field `sizee`, expected one of …": point at the unknown key itself.
        if let Some(rest) = message.strip_prefix("unknown field `")
            && let Some(end) = rest.find('`')
        {
            let field = &rest[..end];
            if !key.ends_with(field) {
                key = if key.is_empty() {
                    field.to_string()
                } else {
                    format!("{key}.{field}")
                };
            }
        }
        let message = if message.contains("wanted exactly 1 element") {
            "choose exactly one kind, e.g. { normal = { mean = 1.0, sd = 0.2 } }".to_string()
        } else {
            message
                .replace("unknown variant", "unknown kind")
                .replace("missing field", "missing required key")
        };
        ScenarioError {
            problems: vec![sources.problem(&key, message)],
        }
    })
}

/// Loads and validates a scenario file.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let (table, sources) = read_with_extends(path, None)?;
    let spec: schema::ScenarioSpec = deserialize(table, &sources)?;
    validate::scenario(spec, &sources)
}

/// Loads the scenario `path` of another tree (a git revision's checkout) whose folder
/// `workdir` stands for the working directory: its catalog is looked for there, never under
/// the working directory.
pub fn load_in(path: &Path, workdir: &Path) -> Result<Scenario, ScenarioError> {
    let (table, mut sources) = read_with_extends(path, None)?;
    sources.workdir = Some(workdir.to_path_buf());
    let spec: schema::ScenarioSpec = deserialize(table, &sources)?;
    validate::scenario(spec, &sources)
}

/// Validates `text` as the scenario file `path` would be (its `extends` and catalog found
/// beside `path`) without writing it: what `ingest` and `calibrate` check before they replace
/// a file.
pub fn load_text(path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
    let (table, sources) = read_with_extends(path, Some(text.to_string()))?;
    let spec: schema::ScenarioSpec = deserialize(table, &sources)?;
    validate::scenario(spec, &sources)
}

/// Loads every scenario, reporting the problems of all of them at once, so that a typo in the
/// last file fails before any work starts.
pub fn load_all(paths: &[PathBuf]) -> Result<Vec<Scenario>, ScenarioError> {
    let mut loaded = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        match load(path) {
            Ok(s) => loaded.push(s),
            Err(e) => problems.extend(e.problems),
        }
    }
    if problems.is_empty() {
        Ok(loaded)
    } else {
        Err(ScenarioError { problems })
    }
}

/// Loads a pricing catalog file.
pub fn load_catalog(path: &Path) -> Result<(schema::CatalogSpec, Sources), ScenarioError> {
    let text = read(path)?;
    let table = parse_table(path, &text)?;
    let sources = Sources {
        files: vec![(path.to_path_buf(), text)],
        merged: table.clone(),
        workdir: None,
    };
    let spec = deserialize(table, &sources)?;
    Ok((spec, sources))
}

/// Where a catalog named `name` is looked for, for a scenario at `scenario`: `pricing/`
/// beside the scenario's folder, inside it, then under the working directory (`workdir`
/// where it stands for it).
pub fn catalog_candidates(scenario: &Path, name: &str, workdir: Option<&Path>) -> Vec<PathBuf> {
    let file = format!("{name}.toml");
    let dir = scenario.parent().unwrap_or(Path::new("."));
    let mut out = vec![
        dir.join("..").join("pricing").join(&file),
        dir.join("pricing").join(&file),
        workdir.unwrap_or(Path::new("")).join("pricing").join(&file),
    ];
    out.dedup();
    out
}
