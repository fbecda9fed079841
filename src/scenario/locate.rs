//! Finding the line of a key path (`volumes[0].size`) in a TOML file, for error messages.

use toml::de::{DeTable, DeValue};

/// One segment of a key path.
#[derive(Debug, Clone, PartialEq)]
enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// Splits `volumes[0].size` or `storage_classes.ceph-block.pool` into segments.
fn segments(path: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Segment::Key(key));
        }
        while let Some(close) = rest.find(']') {
            if let Ok(i) = rest[1..close].parse() {
                out.push(Segment::Index(i));
            }
            rest = &rest[close + 1..];
        }
    }
    out
}

/// The 1-based line where the deepest existing part of `path` is written in `source`, and
/// whether the whole path was found. `None` if the text does not parse or the first key is
/// not in it.
pub fn line_of(source: &str, path: &str) -> Option<(usize, bool)> {
    let root = DeTable::parse(source).ok()?;
    let segs = segments(path);
    let mut table: Option<&DeTable> = Some(root.get_ref());
    let mut value: Option<&DeValue> = None;
    let mut span: Option<std::ops::Range<usize>> = None;
    let mut found_all = true;
    for seg in &segs {
        let next = match (seg, table, value) {
            (Segment::Key(k), Some(t), _) => t
                .iter()
                .find(|(key, _)| key.get_ref().as_ref() == *k)
                .map(|(key, v)| (key.span(), v)),
            (Segment::Index(i), _, Some(DeValue::Array(a))) => a.get(*i).map(|v| (v.span(), v)),
            _ => None,
        };
        match next {
            Some((s, v)) => {
                span = Some(s);
                value = Some(v.get_ref());
                table = match v.get_ref() {
                    DeValue::Table(t) => Some(t),
                    _ => None,
                };
            }
            None => {
                found_all = false;
                break;
            }
        }
    }
    let span = span?;
    Some((source[..span.start].matches('\n').count() + 1, found_all))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "name = \"x\"\nhorizon_months = 12\n\n[[volumes]]\nname = \"a\"\nsize = \"10Gi\"\n\n[[volumes]]\nname = \"b\"\nsize = \"10GG\"\n\n[storage_classes.ceph-block]\nbackend = \"ceph\"\npool = { replicated = { size = 3 } }\n";

    #[test]
    fn finds_nested_keys() {
        assert_eq!(line_of(DOC, "horizon_months"), Some((2, true)));
        assert_eq!(line_of(DOC, "volumes[1].size"), Some((10, true)));
        assert_eq!(
            line_of(DOC, "storage_classes.ceph-block.pool.replicated.size"),
            Some((14, true))
        );
    }

    #[test]
    fn falls_back_to_the_deepest_existing_key() {
        assert_eq!(
            line_of(DOC, "storage_classes.ceph-block.cluster"),
            Some((12, false))
        );
        assert_eq!(line_of(DOC, "ceph.main"), None);
    }
}
