//! Documentation comments, attached to what they document.
//!
//! A run of `///` lines on consecutive lines documents the declaration on
//! the line after it; a blank line ends a run. The run at the very top of a file documents
//! the program as a whole. Backends read the result by path: `""` for the
//! program, `EMB` or `Staking` for an item, `Staking.stake` for an action,
//! view, event or state field of a mechanism.

use std::collections::BTreeMap;

use crate::Parsed;
use crate::ast::{ItemKind, MemberKind};
use crate::lexer::Comment;

/// Doc lines by path, without the `///` and one following space.
pub type Docs = BTreeMap<String, Vec<String>>;

/// Collects the documentation of `parsed`, which was parsed from `source`.
pub fn collect(source: &str, parsed: &Parsed) -> Docs {
    let finder = Finder {
        source,
        comments: &parsed.comments,
    };
    let mut docs = Docs::new();
    let mut add = |path: String, lines: Vec<String>| {
        if !lines.is_empty() {
            docs.entry(path).or_insert(lines);
        }
    };
    let program_end = finder.program_doc_end();
    if let Some(end) = program_end {
        add(String::new(), finder.lines_before(end, None));
    }
    for item in &parsed.module.items {
        let Some(name) = item.kind.name() else {
            continue;
        };
        add(
            name.text.clone(),
            finder.lines_before(item.span.start, program_end),
        );
        let ItemKind::Mechanism(mechanism) = &item.kind else {
            continue;
        };
        for member in &mechanism.members {
            let mut named = |child: &str, start: u32| {
                add(
                    format!("{}.{child}", name.text),
                    finder.lines_before(start, program_end),
                );
            };
            match &member.kind {
                MemberKind::Action(function) | MemberKind::View(function) => {
                    named(&function.name.text, member.span.start)
                }
                MemberKind::Event { name, .. } => named(&name.text, member.span.start),
                MemberKind::State(fields) => {
                    for field in fields {
                        named(&field.name.text, field.span.start);
                    }
                }
                MemberKind::Every { .. } | MemberKind::Invariant { .. } | MemberKind::Error => {}
            }
        }
    }
    docs
}

struct Finder<'a> {
    source: &'a str,
    comments: &'a [Comment],
}

impl Finder<'_> {
    fn text(&self, comment: &Comment) -> &str {
        let text = &self.source[comment.span.start as usize..comment.span.end as usize];
        let text = text.strip_prefix("///").unwrap_or(text);
        let text = text.strip_prefix(' ').unwrap_or(text);
        text.trim_end()
    }

    /// Where the doc run that starts the file ends, if the file starts with
    /// one (after whitespace).
    fn program_doc_end(&self) -> Option<u32> {
        let first = self.comments.first()?;
        if !first.is_doc || !self.source[..first.span.start as usize].trim().is_empty() {
            return None;
        }
        let mut end = first.span.end;
        for comment in &self.comments[1..] {
            if !comment.is_doc || !self.between_is_blank(end, comment.span.start) {
                break;
            }
            end = comment.span.end;
        }
        Some(end)
    }

    /// Whether `from..to` is whitespace within one line break: a blank
    /// line ends a run.
    fn between_is_blank(&self, from: u32, to: u32) -> bool {
        let between = &self.source[from as usize..to as usize];
        between.trim().is_empty() && between.matches('\n').count() <= 1
    }

    /// The doc run that ends right before `start`, not reaching back into
    /// the program's doc (which ends at `floor`).
    fn lines_before(&self, start: u32, floor: Option<u32>) -> Vec<String> {
        let mut index = self.comments.partition_point(|c| c.span.end <= start);
        let mut at = start;
        let mut lines = Vec::new();
        while index > 0 {
            let comment = &self.comments[index - 1];
            if !comment.is_doc
                || floor.is_some_and(|floor| comment.span.end <= floor)
                || !self.between_is_blank(comment.span.end, at)
            {
                break;
            }
            lines.push(self.text(comment).to_string());
            at = comment.span.start;
            index -= 1;
        }
        lines.reverse();
        while lines.last().is_some_and(|l| l.is_empty()) {
            lines.pop();
        }
        while lines.first().is_some_and(|l| l.is_empty()) {
            lines.remove(0);
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(source: &str) -> Docs {
        collect(source, &crate::parse(source))
    }

    #[test]
    fn attaches_runs_to_what_follows() {
        let source = "/// The program.\n///\n/// Second paragraph.\n\n/// Rate.\nparam rate: uint = 1\n\n// not a doc\nparam plain: uint = 2\n\n/// A pool.\nmechanism Pool {\n    state {\n        /// Held.\n        held: uint = 0\n        other: uint = 0\n    }\n    /// Adds.\n    ///\n    action add(x: uint) {\n        held += x\n    }\n}\n";
        let docs = docs(source);
        assert_eq!(docs[""], ["The program.", "", "Second paragraph."]);
        assert_eq!(docs["rate"], ["Rate."]);
        assert_eq!(docs["Pool"], ["A pool."]);
        assert_eq!(docs["Pool.held"], ["Held."]);
        assert_eq!(docs["Pool.add"], ["Adds."]);
        assert!(!docs.contains_key("plain"));
        assert!(!docs.contains_key("Pool.other"));
    }

    #[test]
    fn the_top_run_documents_the_program_not_the_first_item() {
        let docs = docs("/// The program.\nparam rate: uint = 1\n");
        assert_eq!(docs[""], ["The program."]);
        assert!(!docs.contains_key("rate"));
    }

    #[test]
    fn a_plain_comment_breaks_the_run() {
        let docs = docs("param a: uint = 1\n/// Stale.\n// note\nparam b: uint = 2\n");
        assert!(docs.is_empty(), "{docs:?}");
    }
}
