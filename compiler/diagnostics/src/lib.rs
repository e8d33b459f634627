//! Diagnostics as data.
//!
//! Every phase of the compiler reports problems as [`Diagnostic`] values
//! carrying a stable [`Code`], spans in byte offsets and an optional hint.
//! Rendering (terminal, JSON, LSP) lives at the edges, never here.

mod codes;

pub use codes::{ALL_CODES, Code, CodeInfo, markdown};
use serde::Serialize;

/// A half-open byte range `[start, end)` into one source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub const fn new(start: u32, end: u32) -> Self {
        Self { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// The same span moved `offset` bytes further into the text.
    pub fn shifted(self, offset: u32) -> Span {
        Span::new(self.start + offset, self.end + offset)
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    pub fn len(self) -> u32 {
        self.end - self.start
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A span with a short message shown next to it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// A replacement that fixes a problem, carried as data so that an editor
/// can offer it as a quick fix without reading the help text.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Suggestion {
    /// What to replace (empty: where to insert).
    pub span: Span,
    pub replacement: String,
    /// What the fix does, as an editor lists it: "Change to `total`".
    pub message: String,
}

/// One problem found in a program.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    /// Short title, naming things in backticks.
    pub message: String,
    /// The cause.
    pub primary: Label,
    /// Related places (the other operand, the earlier definition...).
    pub secondary: Vec<Label>,
    /// Plain sentences that explain.
    pub notes: Vec<String>,
    /// What to do about it.
    pub help: Option<String>,
    /// Fixes an editor may apply.
    pub suggestions: Vec<Suggestion>,
}

impl Diagnostic {
    pub fn error(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            primary: Label {
                span,
                message: String::new(),
            },
            secondary: Vec::new(),
            notes: Vec::new(),
            help: None,
            suggestions: Vec::new(),
        }
    }

    pub fn warning(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, span, message)
        }
    }

    /// Text shown at the primary span.
    pub fn with_label(mut self, message: impl Into<String>) -> Self {
        self.primary.message = message.into();
        self
    }

    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// A fix: replace `span` with `replacement`.
    pub fn with_suggestion(
        mut self,
        span: Span,
        replacement: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        self.suggestions.push(Suggestion {
            span,
            replacement: replacement.into(),
            message: message.into(),
        });
        self
    }

    /// "Did you mean `name`?" as help, and the fix that writes `name` over
    /// the primary span (the misspelled name).
    pub fn with_did_you_mean(self, name: &str) -> Self {
        let span = self.primary.span;
        self.with_help(format!("did you mean `{name}`?"))
            .with_suggestion(span, name, format!("Change to `{name}`"))
    }

    /// Moves every span `offset` bytes further (item-relative to file-relative).
    pub fn shifted(mut self, offset: u32) -> Self {
        self.primary.span = self.primary.span.shifted(offset);
        for label in &mut self.secondary {
            label.span = label.span.shifted(offset);
        }
        for suggestion in &mut self.suggestions {
            suggestion.span = suggestion.span.shifted(offset);
        }
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sorts diagnostics by position, then code, so output never depends on the
/// order in which passes happened to find them.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (a.primary.span, a.code, &a.message).cmp(&(b.primary.span, b.code, &b.message))
    });
}

/// Edit distance used for "did you mean" hints: insertions, deletions,
/// substitutions and swaps of neighbours (`unit` for `uint`) each cost one.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut table = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            table[i * width + j] = if i == 0 || j == 0 {
                i + j
            } else {
                let substitution =
                    table[(i - 1) * width + j - 1] + usize::from(a[i - 1] != b[j - 1]);
                let mut best = substitution
                    .min(table[(i - 1) * width + j] + 1)
                    .min(table[i * width + j - 1] + 1);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    best = best.min(table[(i - 2) * width + j - 2] + 1);
                }
                best
            };
        }
    }
    table[a.len() * width + b.len()]
}

/// The closest candidate to `name`, if one is close enough to be a typo.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|candidate| *candidate != name)
        .map(|candidate| (edit_distance(name, candidate), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min()
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = std::collections::BTreeSet::new();
        for info in ALL_CODES {
            assert!(
                seen.insert(info.code.as_str()),
                "duplicate code {}",
                info.code.as_str()
            );
            let text = info.code.as_str();
            assert!(
                text.len() == 5 && text.starts_with(['E', 'W']),
                "bad code {text}"
            );
            assert!(
                text[1..].chars().all(|c| c.is_ascii_digit()),
                "bad code {text}"
            );
            assert!(!info.summary.is_empty());
        }
    }

    #[test]
    fn did_you_mean_finds_typos_only() {
        assert_eq!(
            did_you_mean("balnce", ["balance", "total"]),
            Some("balance")
        );
        assert_eq!(did_you_mean("xyz", ["balance", "total"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("unit", "uint"), 1);
        assert_eq!(did_you_mean("unit", ["uint", "bool"]), Some("uint"));
    }
}
