//! Names that become paths, Kubernetes names or shell words.
//!
//! A scenario's `name` is a folder under `reports/`, a volume's a chart's file name, a
//! cluster's a manifest's file name; a manifest's namespace and StatefulSet names are pasted
//! into `migrate.sh`. Each is checked where it is read, so that no name can climb out of its
//! folder (`../../victim`), be absolute, be empty, or carry a shell's metacharacters.

/// The longest name: a Kubernetes label's (DNS-1123) 63 characters.
pub const MAX_LEN: usize = 63;

/// Why `name` cannot be a scenario, volume, cluster or class name, or None when it can: 1 to
/// 63 ASCII letters, digits, `-`, `_` and `.`, beginning and ending with a letter or digit
/// (so never `.`, `..`, a hidden file, an option, a path or a shell word that expands).
pub fn problem(name: &str) -> Option<String> {
    let what = if name.is_empty() {
        "is empty".to_string()
    } else if name.len() > MAX_LEN {
        format!("is {} characters long (at most {MAX_LEN})", name.len())
    } else if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        format!("holds {c:?}")
    } else if !name.starts_with(|c: char| c.is_ascii_alphanumeric())
        || !name.ends_with(|c: char| c.is_ascii_alphanumeric())
    {
        "must begin and end with a letter or digit".to_string()
    } else {
        return None;
    };
    Some(format!(
        "{name:?} {what}: a name becomes a file name, so it may hold only letters, digits, '-', '_' and '.', begin and end with a letter or digit, and be at most {MAX_LEN} characters"
    ))
}

/// A name made of `text` (a file's stem): every character a name may not hold becomes `-`,
/// leading and trailing ones go, at most [`MAX_LEN`] characters; `ingested` when nothing is left.
pub fn sanitized(text: &str) -> String {
    let mapped: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .take(MAX_LEN)
        .collect();
    let trimmed = mapped.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    if trimmed.is_empty() {
        "ingested".to_string()
    } else {
        trimmed.to_string()
    }
}

/// Why `name` is not a Kubernetes object name (DNS-1123 subdomain: lower-case letters, digits,
/// `-` and `.`, beginning and ending with a letter or digit, at most 253 characters), or None.
/// Kubernetes refuses such a name anyway; headroom refuses it before it reaches a script.
pub fn kubernetes_problem(name: &str) -> Option<String> {
    let ok = !name.is_empty()
        && name.len() <= 253
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    (!ok).then(|| {
        format!(
            "{name:?} is not a Kubernetes name (lower-case letters, digits, '-' and '.', beginning and ending with a letter or digit)"
        )
    })
}

/// `word` as one shell word, single-quoted where it holds anything but letters, digits and
/// `-_./=:@%+,` (a `'` inside is written `'\''`).
pub fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@%+,".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_climb_or_expand_are_refused() {
        for bad in [
            "",
            "..",
            ".",
            "../../victim",
            "/etc",
            "a/b",
            ".hidden",
            "-rf",
            "a b",
            "$(touch x)",
            "a;b",
            "x`y`",
            "name.",
            &"a".repeat(64),
        ] {
            assert!(problem(bad).is_some(), "{bad:?} accepted");
        }
        for good in ["coditect-hybrid", "A", "v2.1", "adr029_starter", "x"] {
            assert_eq!(problem(good), None, "{good:?} refused");
        }
    }

    #[test]
    fn a_file_stem_becomes_a_name() {
        assert_eq!(sanitized("my cluster"), "my-cluster");
        assert_eq!(sanitized("..x"), "x");
        assert_eq!(sanitized("$$$"), "ingested");
        assert_eq!(sanitized(&"é".repeat(100)), "ingested");
        assert_eq!(problem(&sanitized("a b/c")), None);
        assert_eq!(sanitized(&"a".repeat(100)).len(), MAX_LEN);
    }

    #[test]
    fn kubernetes_names_are_dns_1123() {
        assert_eq!(kubernetes_problem("workspace-theia-0"), None);
        assert_eq!(kubernetes_problem("a.b"), None);
        for bad in ["", "Upper", "a_b", "x;touch y", "-a", "a-", "$(id)"] {
            assert!(kubernetes_problem(bad).is_some(), "{bad:?} accepted");
        }
    }

    #[test]
    fn shell_words_are_quoted_whole() {
        assert_eq!(shell_quote("theia"), "theia");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("$(touch x)"), "'$(touch x)'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
