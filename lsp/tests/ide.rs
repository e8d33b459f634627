//! The IDE layer's features as data: each fixture under `tests/ide/<feature>/`
//! is a Tok file with a cursor marker `$0`; its snapshot shows the file
//! and what the feature answers there, positions drawn under their lines.

#![allow(clippy::disallowed_methods)] // The tests read their fixtures.

use std::path::{Path, PathBuf};

use tok_diagnostics::Span;
use tok_driver::{Database, SourceFile};
use tok_lsp::ide::{self, Place};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Each fixture of a feature: its name, its text without the marker, and
/// the marker's offset.
fn fixtures(feature: &str) -> Vec<(String, String, u32)> {
    let dir = root().join("lsp/tests/ide").join(feature);
    let mut found: Vec<(String, String, u32)> = std::fs::read_dir(&dir)
        .expect("the fixture folder exists")
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "tok"))
        .map(|path| {
            let name = path
                .file_stem()
                .expect("a name")
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&path).expect("UTF-8");
            let offset = text
                .find("$0")
                .unwrap_or_else(|| panic!("{name}: no `$0` cursor marker"));
            (name, text.replacen("$0", "", 1), offset as u32)
        })
        .collect();
    found.sort();
    assert!(!found.is_empty(), "no fixtures for {feature}");
    found
}

/// `span` of `text` drawn as its line with carets under it.
fn draw(text: &str, span: Span) -> String {
    let start = span.start as usize;
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line = text[..start].matches('\n').count() + 1;
    let width = (span.end as usize)
        .min(line_end)
        .saturating_sub(start)
        .max(1);
    let prefix = format!("{line:>3} | ");
    format!(
        "{prefix}{}\n{}{}",
        &text[line_start..line_end],
        " ".repeat(prefix.len() + text[line_start..start].chars().count()),
        "^".repeat(width)
    )
}

fn snapshot(feature: &str, name: &str, text: &str, offset: u32, answer: &str) {
    let mut marked = text.to_string();
    marked.insert_str(offset as usize, "$0");
    let snapshot = format!(
        "----- SOURCE\n{marked}\n----- {}\n{answer}\n",
        feature.to_uppercase()
    );
    insta::with_settings!({ snapshot_path => root().join("lsp/tests/snapshots"), prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!(format!("{feature}__{name}"), snapshot);
    });
}

fn open(text: &str) -> (Database, SourceFile) {
    let db = Database::default();
    let file = SourceFile::new(&db, "fixture.tok".to_string(), text.to_string());
    (db, file)
}

fn place(text: &str, place: Option<Place>) -> String {
    match place {
        None => "(none)".to_string(),
        Some(Place::File(span)) => draw(text, span),
        Some(Place::Virtual { uri, span }) => {
            let source = tok_lsp::virtual_docs::content(&uri).expect("a served document");
            format!("{uri}\n{}", draw(&source, span))
        }
    }
}

#[test]
fn hover() {
    for (name, text, offset) in fixtures("hover") {
        let (db, file) = open(&text);
        let answer = match ide::hover(&db, file, offset) {
            Some(hover) => format!("{}\n{}", draw(&text, hover.span), hover.markdown),
            None => "(none)".to_string(),
        };
        snapshot("hover", &name, &text, offset, &answer);
    }
}

#[test]
fn definition() {
    for (name, text, offset) in fixtures("definition") {
        let (db, file) = open(&text);
        let answer = place(&text, ide::definition(&db, file, offset));
        snapshot("definition", &name, &text, offset, &answer);
    }
}

#[test]
fn references() {
    for (name, text, offset) in fixtures("references") {
        let (db, file) = open(&text);
        let spans = ide::references(&db, file, offset, true);
        let answer = if spans.is_empty() {
            "(none)".to_string()
        } else {
            spans
                .iter()
                .map(|span| draw(&text, *span))
                .collect::<Vec<_>>()
                .join("\n")
        };
        snapshot("references", &name, &text, offset, &answer);
    }
}

/// Renames to `renamed`, or to the name a `// rename to: NAME` line gives.
#[test]
fn rename() {
    for (name, text, offset) in fixtures("rename") {
        let new_name = (text.lines())
            .find_map(|line| line.strip_prefix("// rename to: "))
            .unwrap_or("renamed")
            .to_string();
        let (db, file) = open(&text);
        let answer = match ide::rename(&db, file, offset, &new_name) {
            Ok(mut edits) => {
                edits.sort_by_key(|(span, _)| std::cmp::Reverse(span.start));
                let mut renamed = text.clone();
                for (span, replacement) in edits {
                    renamed.replace_range(span.range(), &replacement);
                }
                renamed
            }
            Err(error) => format!("refused: {error}"),
        };
        snapshot("rename", &name, &text, offset, &answer);
    }
}

#[test]
fn completion() {
    for (name, text, offset) in fixtures("completion") {
        let (db, file) = open(&text);
        let items = ide::completions(&db, file, offset);
        let answer = if items.is_empty() {
            "(none)".to_string()
        } else {
            (items.iter())
                .map(|item| {
                    let detail = item.detail.as_deref().unwrap_or("");
                    let insert = (item.insert.as_deref()).map_or(String::new(), |text| {
                        format!("  => {}", text.replace('\n', "\\n"))
                    });
                    format!("{} ({:?}) {detail}{insert}", item.label, item.kind)
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        snapshot("completion", &name, &text, offset, &answer);
    }
}

#[test]
fn signature_help() {
    for (name, text, offset) in fixtures("signature_help") {
        let (db, file) = open(&text);
        let answer = match ide::signature_help(&db, file, offset) {
            Some(help) => format!(
                "{}\nparameters: {:?}\nactive: {}",
                help.label, help.parameters, help.active
            ),
            None => "(none)".to_string(),
        };
        snapshot("signature_help", &name, &text, offset, &answer);
    }
}

/// Quick fixes at the cursor, each applied to the text.
#[test]
fn fixes() {
    for (name, text, offset) in fixtures("fixes") {
        let (db, file) = open(&text);
        let fixes = ide::fixes(&db, file, Span::new(offset, offset));
        let answer = if fixes.is_empty() {
            "(none)".to_string()
        } else {
            (fixes.iter())
                .map(|fix| {
                    let mut fixed = text.clone();
                    let mut edits = fix.edits.clone();
                    edits.sort_by_key(|(span, _)| std::cmp::Reverse(span.start));
                    for (span, replacement) in edits {
                        fixed.replace_range(span.range(), &replacement);
                    }
                    let (db, file) = open(&fixed);
                    let left = ide::diagnostics(&db, file).len();
                    format!(
                        "{} [{}], {left} problems left:\n{fixed}",
                        fix.title, fix.code
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        snapshot("fixes", &name, &text, offset, &answer);
    }
}
