//! A folder of Kubernetes manifests, as text: every YAML document of every file, its kind,
//! name and namespace, and the objects inside a `kind: List`. A document `plan` does not change
//! is written back exactly as it was read (comments and all); one it changes is written from
//! the typed object.

use crate::scenario::{Problem, ScenarioError};
use std::path::PathBuf;
use yaml_serde::Value;

/// One YAML document of a file.
#[derive(Debug, Clone)]
pub struct Doc {
    /// The text as read.
    pub text: String,
    /// 1-based line of its first line in the file.
    pub line: usize,
    /// The parsed value (an object, or a `kind: List` of objects).
    pub value: Value,
    /// Whether `plan` changed it (then it is written from `value`).
    pub changed: bool,
}

/// One manifest file.
#[derive(Debug, Clone)]
pub struct File {
    /// Its name in the folder (`statefulset.yaml`).
    pub name: String,
    /// Its documents, in order.
    pub docs: Vec<Doc>,
}

/// Where an object is: file, document, and item of a `kind: List` (None: the document).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// Index into [`Folder::files`].
    pub file: usize,
    /// Index into the file's documents.
    pub doc: usize,
    /// Index into a List's `items`.
    pub item: Option<usize>,
}

/// Every manifest of a folder.
#[derive(Debug, Clone, Default)]
pub struct Folder {
    /// The folder, for messages.
    pub path: PathBuf,
    /// The files, by name.
    pub files: Vec<File>,
}

/// The parser's message with its line numbers made the file's (it counts from the document).
fn shift_lines(message: &str, offset: usize) -> String {
    let mut out = String::new();
    let mut rest = message;
    while let Some(i) = rest.find("line ") {
        out.push_str(&rest[..i + 5]);
        rest = &rest[i + 5..];
        let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
        match rest[..digits].parse::<usize>() {
            Ok(n) => out.push_str(&(n + offset).to_string()),
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

/// Whether a line separates YAML documents (`---`, perhaps with a comment).
fn is_separator(line: &str) -> bool {
    let l = line.trim_end();
    l == "---" || l.starts_with("--- ") || l.starts_with("---#") || l.starts_with("--- #")
}

/// Whether a document holds nothing but comments and blank lines.
fn is_blank(text: &str) -> bool {
    text.lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
}

/// Splits a file into documents and parses each; a document that is not YAML is an error with
/// its line.
pub fn parse_file(folder: &std::path::Path, name: &str, text: &str) -> Result<File, ScenarioError> {
    let mut docs = Vec::new();
    let mut current = String::new();
    let mut start = 1;
    let flush = |chunk: &str, line: usize, docs: &mut Vec<Doc>| -> Result<(), ScenarioError> {
        if is_blank(chunk) {
            // Comments between documents are kept, as a document of nothing.
            if !chunk.trim().is_empty() {
                docs.push(Doc {
                    text: chunk.to_string(),
                    line,
                    value: Value::Null,
                    changed: false,
                });
            }
            return Ok(());
        }
        if let Some(at) = crate::yaml::too_deep(chunk) {
            return Err(ScenarioError {
                problems: vec![Problem {
                    file: folder.join(name),
                    line: Some(line + at - 1),
                    key: String::new(),
                    message: crate::yaml::too_deep_message(),
                }],
            });
        }
        let value: Value = yaml_serde::from_str(chunk).map_err(|e| {
            let at = e.location().map(|l| line + l.line() - 1);
            ScenarioError {
                problems: vec![Problem {
                    file: folder.join(name),
                    line: at,
                    key: String::new(),
                    message: format!("not valid YAML: {}", shift_lines(&e.to_string(), line - 1)),
                }],
            }
        })?;
        docs.push(Doc {
            text: chunk.to_string(),
            line,
            value,
            changed: false,
        });
        Ok(())
    };
    for (i, line) in text.lines().enumerate() {
        if is_separator(line) {
            flush(&current, start, &mut docs)?;
            current.clear();
            start = i + 2;
        } else {
            current.push_str(line);
            current.push('\n');
        }
    }
    flush(&current, start, &mut docs)?;
    Ok(File {
        name: name.to_string(),
        docs,
    })
}

/// A string field of an object.
pub fn field<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut here = v;
    for p in path {
        here = here.get(p)?;
    }
    here.as_str()
}

impl Folder {
    /// The object at a place.
    pub fn get(&self, at: Place) -> &Value {
        let doc = &self.files[at.file].docs[at.doc].value;
        match at.item {
            None => doc,
            Some(i) => &doc["items"][i],
        }
    }

    /// Replaces the object at a place and marks its document changed.
    pub fn set(&mut self, at: Place, value: Value) {
        let doc = &mut self.files[at.file].docs[at.doc];
        doc.changed = true;
        match at.item {
            None => doc.value = value,
            Some(i) => {
                if let Some(Value::Sequence(items)) = doc.value.get_mut("items") {
                    items[i] = value;
                }
            }
        }
    }

    /// Every object of a kind, with its place.
    pub fn objects(&self, kind: &str) -> Vec<Place> {
        let mut out = Vec::new();
        for (f, file) in self.files.iter().enumerate() {
            for (d, doc) in file.docs.iter().enumerate() {
                match field(&doc.value, &["kind"]) {
                    Some("List") => {
                        if let Some(Value::Sequence(items)) = doc.value.get("items") {
                            for (i, item) in items.iter().enumerate() {
                                if field(item, &["kind"]) == Some(kind) {
                                    out.push(Place {
                                        file: f,
                                        doc: d,
                                        item: Some(i),
                                    });
                                }
                            }
                        }
                    }
                    Some(k) if k == kind => out.push(Place {
                        file: f,
                        doc: d,
                        item: None,
                    }),
                    _ => {}
                }
            }
        }
        out
    }

    /// The object of a kind with a name, if there is exactly one.
    pub fn named(&self, kind: &str, name: &str) -> Option<Place> {
        self.objects(kind)
            .into_iter()
            .find(|p| field(self.get(*p), &["metadata", "name"]) == Some(name))
    }

    /// `file:line` of a place, for messages.
    pub fn locate(&self, at: Place) -> (PathBuf, usize) {
        let file = &self.files[at.file];
        (self.path.join(&file.name), file.docs[at.doc].line)
    }

    /// Every file as it is to be written: untouched documents verbatim, changed ones from
    /// their values.
    pub fn render(&self) -> Result<Vec<(String, String)>, yaml_serde::Error> {
        self.files
            .iter()
            .map(|f| {
                let mut out = String::new();
                for (i, d) in f.docs.iter().enumerate() {
                    if i > 0 {
                        out.push_str("---\n");
                    }
                    if d.changed {
                        // The comments that opened the document stay with it.
                        for l in d
                            .text
                            .lines()
                            .take_while(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
                        {
                            out.push_str(l);
                            out.push('\n');
                        }
                        out.push_str(&yaml_serde::to_string(&d.value)?);
                    } else {
                        out.push_str(&d.text);
                    }
                }
                Ok((f.name.clone(), out))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_split_and_keep_their_lines() {
        let text = "# a comment\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: a\n---\n# only a comment\n---\nkind: List\napiVersion: v1\nitems:\n- kind: Service\n  metadata: {name: b}\n";
        let f = parse_file(std::path::Path::new("k8s"), "x.yaml", text).unwrap();
        // The comments are kept as documents of nothing.
        assert_eq!(f.docs.len(), 4);
        assert_eq!(f.docs[1].line, 3);
        assert_eq!(f.docs[3].line, 10);
        let folder = Folder {
            path: "k8s".into(),
            files: vec![f],
        };
        let services = folder.objects("Service");
        assert_eq!(services.len(), 2);
        assert_eq!(services[1].item, Some(0));
        assert!(folder.named("Service", "b").is_some());
        // Untouched documents come back as they were, comments included.
        assert_eq!(folder.render().unwrap()[0].1, text);
    }

    #[test]
    fn a_syntax_error_names_file_and_line() {
        let text = "apiVersion: v1\nkind: Service\n---\nkind: [unclosed\n";
        let e = parse_file(std::path::Path::new("k8s"), "bad.yaml", text).unwrap_err();
        let p = &e.problems[0];
        assert!(p.file.ends_with("bad.yaml"));
        assert!(p.line.is_some_and(|l| l >= 4), "{p}");
    }
}
