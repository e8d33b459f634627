//! Rendering diagnostics: ariadne reports for people, JSON for tools.

use ariadne::{Config, IndexType, Label, Report, ReportKind, Source};
use serde::Serialize;
use tok_diagnostics::{Diagnostic, Severity, Span};

/// Renders diagnostics as terminal reports. Offsets are bytes.
pub fn render_text(path: &str, source: &str, diagnostics: &[Diagnostic], color: bool) -> String {
    let mut out = Vec::new();
    let source_cache = (path, Source::from(source));
    // Spans are clamped to the text and to character boundaries, so a
    // diagnostic can never make rendering fail.
    let boundary = |offset: u32| {
        let mut offset = (offset as usize).min(source.len());
        while !source.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    };
    let clamp = |span: Span| {
        let end = boundary(span.end);
        let start = boundary(span.start).min(end);
        start..end
    };
    for diagnostic in diagnostics {
        let kind = match diagnostic.severity {
            Severity::Error => ReportKind::Error,
            Severity::Warning => ReportKind::Warning,
        };
        let primary = clamp(diagnostic.primary.span);
        let mut report = Report::build(kind, (path, primary.clone()))
            .with_config(
                Config::default()
                    .with_index_type(IndexType::Byte)
                    .with_color(color),
            )
            .with_code(diagnostic.code.as_str())
            .with_message(&diagnostic.message);
        let mut label = Label::new((path, primary)).with_order(0);
        if !diagnostic.primary.message.is_empty() {
            label = label.with_message(&diagnostic.primary.message);
        }
        report = report.with_label(label);
        for (order, secondary) in diagnostic.secondary.iter().enumerate() {
            report = report.with_label(
                Label::new((path, clamp(secondary.span)))
                    .with_message(&secondary.message)
                    .with_order(order as i32 + 1),
            );
        }
        for note in &diagnostic.notes {
            report = report.with_note(note);
        }
        if let Some(help) = &diagnostic.help {
            report = report.with_help(help);
        }
        // Writing to a Vec cannot fail.
        let _ = report.finish().write(source_cache.clone(), &mut out);
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One diagnostic as tools see it: byte spans plus 1-based line/column.
#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    file: &'a str,
    #[serde(flatten)]
    diagnostic: &'a Diagnostic,
    line: usize,
    column: usize,
}

/// Renders diagnostics as a JSON array (one object per diagnostic).
pub fn render_json(path: &str, source: &str, diagnostics: &[Diagnostic]) -> String {
    let items: Vec<JsonDiagnostic<'_>> = diagnostics
        .iter()
        .map(|diagnostic| {
            let (line, column) = line_column(source, diagnostic.primary.span.start);
            JsonDiagnostic {
                file: path,
                diagnostic,
                line,
                column,
            }
        })
        .collect();
    serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".to_string())
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(source: &str, offset: u32) -> (usize, usize) {
    let mut offset = (offset as usize).min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |text| text.chars().count())
        + 1;
    (line, column)
}
