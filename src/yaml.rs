//! YAML read safely: a document's nesting is measured in one pass over its text before the
//! parser sees it, and a document nested deeper than any manifest or capture is refused. (The
//! YAML parser's time grows with the square of the depth: 40,000 levels took 4 s, a 200 KB
//! capture of nothing but brackets over 40 s.)

/// The deepest nesting read. A StatefulSet's deepest field is about 12 levels down; `kubectl`
/// and `ceph` output stays well under 32.
pub const MAX_DEPTH: usize = 100;

/// The 1-based line where `text` first nests deeper than [`MAX_DEPTH`], or None. Counts block
/// indentation levels, compact sequence dashes (`- - - x`) and flow brackets (`[`, `{`) outside
/// quotes and comments. It may count a level more than the parser would (a bracket inside a
/// plain scalar), never fewer, which is the safe side for a limit this far above real files.
pub fn too_deep(text: &str) -> Option<usize> {
    let mut indents: Vec<usize> = Vec::new();
    let mut flow = 0usize;
    for (n, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let rest = &line[indent..];
        if flow == 0 && !(rest.is_empty() || rest.starts_with('#')) {
            while indents.last().is_some_and(|&i| i > indent) {
                indents.pop();
            }
            if indents.last().is_none_or(|&i| i < indent) {
                indents.push(indent);
            }
        }
        let mut dashes = 0;
        let mut body = rest;
        while body == "-" || body.starts_with("- ") {
            dashes += 1;
            body = body[1..].trim_start_matches(' ');
        }
        let mut deepest_flow = flow;
        let mut quote: Option<char> = None;
        let mut previous = ' ';
        for c in body.chars() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') if previous == ' ' || "[{,:".contains(previous) => {
                    quote = Some(c)
                }
                (None, '#') if previous == ' ' => break,
                (None, '[' | '{') => {
                    flow += 1;
                    deepest_flow = deepest_flow.max(flow);
                }
                (None, ']' | '}') => flow = flow.saturating_sub(1),
                _ => {}
            }
            previous = c;
        }
        if indents.len() + dashes + deepest_flow > MAX_DEPTH {
            return Some(n + 1);
        }
    }
    None
}

/// The message for a document refused by [`too_deep`].
pub fn too_deep_message() -> String {
    format!("nested more than {MAX_DEPTH} levels deep: not a manifest or capture headroom reads")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_shapes_pass_and_deep_ones_do_not() {
        let sts = "apiVersion: apps/v1\nkind: StatefulSet\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        volumeMounts:\n        - name: w\n          mountPath: /w\n";
        assert_eq!(too_deep(sts), None);
        assert_eq!(too_deep(&"[".repeat(40_000)), Some(1));
        assert_eq!(
            too_deep(&format!("a: {}1{}", "{b: ".repeat(200), "}".repeat(200))),
            Some(1)
        );
        assert_eq!(too_deep(&"- ".repeat(500)), Some(1));
        let mut block = String::new();
        for i in 0..200 {
            block.push_str(&format!("{}k{i}:\n", " ".repeat(i)));
        }
        assert_eq!(too_deep(&block), Some(MAX_DEPTH + 1));
        // Brackets in quotes and comments are not nesting.
        assert_eq!(
            too_deep(&format!("a: \"{}\" # {}", "[".repeat(500), "{".repeat(500))),
            None
        );
    }

    #[test]
    fn flat_text_is_read_whole_and_nesting_refused_at_once() {
        assert_eq!(too_deep(&"key: value\n".repeat(200_000)), None);
        assert_eq!(too_deep(&"{a: ".repeat(500_000)), Some(1));
    }
}
