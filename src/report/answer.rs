//! The answer a person reads: a headline and a few paragraphs, built once as data and rendered
//! both to the terminal (plain, wrapped) and into `report.md` (Markdown, strong figures bold).

/// A piece of a paragraph.
#[derive(Debug, Clone, PartialEq)]
pub enum Span {
    /// Plain text.
    Text(String),
    /// A figure the reader should see first (bold in Markdown).
    Strong(String),
}

/// One paragraph of spans.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Paragraph(pub Vec<Span>);

impl Paragraph {
    /// An empty paragraph.
    pub fn new() -> Paragraph {
        Paragraph::default()
    }

    /// Appends plain text.
    pub fn text(mut self, s: impl Into<String>) -> Paragraph {
        self.push(s);
        self
    }

    /// Appends a strong figure.
    pub fn strong(mut self, s: impl Into<String>) -> Paragraph {
        self.0.push(Span::Strong(s.into()));
        self
    }

    /// Appends plain text in place.
    pub fn push(&mut self, s: impl Into<String>) {
        self.0.push(Span::Text(s.into()));
    }

    /// Appends a strong figure in place.
    pub fn push_strong(&mut self, s: impl Into<String>) {
        self.0.push(Span::Strong(s.into()));
    }

    /// Whether it has no text.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Plain text.
    pub fn plain(&self) -> String {
        self.0
            .iter()
            .map(|s| match s {
                Span::Text(t) | Span::Strong(t) => t.as_str(),
            })
            .collect()
    }

    /// Markdown: strong figures in `**…**`.
    pub fn markdown(&self) -> String {
        self.0
            .iter()
            .map(|s| match s {
                Span::Text(t) => t.clone(),
                Span::Strong(t) => format!("**{t}**"),
            })
            .collect()
    }
}

/// A headline and the paragraphs that answer the report's question.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer {
    /// One line naming what was simulated and how (`coditect-hybrid — 10000 trials, …`).
    pub headline: String,
    /// The answer, in order.
    pub paragraphs: Vec<Paragraph>,
}

/// Assumptions an answer names in full; the rest are counted (report.md lists them all).
const NAMED_ASSUMPTIONS: usize = 3;

/// "This rests on 7 assumptions no planning document gives, first: …": the paragraph that
/// keeps an answer from reading as the documents' own, or None when the scenarios label none.
/// Each assumption once, the first few by name in the order given (growth first, by
/// convention).
pub fn rests_on(assumptions: &[&crate::model::Assumption]) -> Option<Paragraph> {
    let mut texts: Vec<&str> = Vec::new();
    for a in assumptions {
        if !texts.contains(&a.text.as_str()) {
            texts.push(&a.text);
        }
    }
    if texts.is_empty() {
        return None;
    }
    let mut p = Paragraph::new().text("This rests on ");
    p.push_strong(if texts.len() == 1 {
        "an assumption no planning document gives".to_string()
    } else {
        format!("{} assumptions no planning document gives", texts.len())
    });
    let named: Vec<String> = texts
        .iter()
        .take(NAMED_ASSUMPTIONS)
        .map(|t| lower_first(t))
        .collect();
    let more = texts.len().saturating_sub(NAMED_ASSUMPTIONS);
    p.push(format!(
        "{}: {}{}. The report's \"What this rests on\" lists {} and why.",
        if more > 0 { ", first" } else { "" },
        named.join("; "),
        if more > 0 {
            format!("; and {more} more")
        } else {
            String::new()
        },
        if texts.len() == 1 { "it" } else { "them all" }
    ));
    Some(p)
}

/// "Users grow …" → "users grow …" inside a sentence (an acronym such as "GKE" stays).
fn lower_first(text: &str) -> String {
    let first_word = text.split(' ').next().unwrap_or_default();
    let acronym = first_word.chars().nth(1).is_some_and(char::is_uppercase);
    let mut chars = text.chars();
    match chars.next() {
        Some(a) if a.is_uppercase() && !acronym => a.to_lowercase().chain(chars).collect(),
        _ => text.to_string(),
    }
}

/// Terminal line width the paragraphs are wrapped to.
const WIDTH: usize = 100;

/// Wraps `text` at spaces to lines of at most `width` characters (a longer word stands alone).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

impl Answer {
    /// The terminal text: the headline, then each paragraph wrapped, separated by blank lines.
    pub fn to_terminal(&self) -> String {
        let mut out = format!("{}\n", self.headline);
        for p in &self.paragraphs {
            out.push('\n');
            for line in wrap(&p.plain(), WIDTH) {
                out.push_str(&line);
                out.push('\n');
            }
        }
        out
    }

    /// The Markdown paragraphs (without the headline, which a report shows under its title).
    pub fn to_markdown(&self) -> String {
        self.paragraphs
            .iter()
            .map(|p| format!("{}\n\n", p.markdown()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_value_two_renderings() {
        let a = Answer {
            headline: "x — 10 trials".into(),
            paragraphs: vec![Paragraph::new().text("costs ").strong("9.00 USD").text(".")],
        };
        assert_eq!(a.to_terminal(), "x — 10 trials\n\ncosts 9.00 USD.\n");
        assert_eq!(a.to_markdown(), "costs **9.00 USD**.\n\n");
    }

    #[test]
    fn long_paragraphs_wrap_at_spaces() {
        let words = vec!["word"; 40].join(" ");
        for line in wrap(&words, 30) {
            assert!(line.chars().count() <= 30, "{line}");
        }
        assert_eq!(wrap(&words, 30).join(" "), words);
    }
}
