//! The IDE layer: what an editor asks about a file, answered from the
//! driver's salsa queries in byte offsets and plain data. Nothing here
//! knows the protocol (`crate::convert` does), so every feature is tested
//! on text with cursor markers, without a client.

mod completion;
mod highlight;
mod hover;
mod navigation;
mod symbols;

pub use completion::{Completion, CompletionKind, SignatureHelp, completions, signature_help};
pub use highlight::{Class, Highlight, InlayHint, highlights, inlay_hints};
pub use hover::{Hover, Literal, exact_value, hover, literals};
pub use navigation::{
    Place, RenameError, declaration, definition, prepare_rename, references, rename, resolution_at,
};
pub use symbols::{Symbol, SymbolKind, symbols};

use tok_diagnostics::Diagnostic;
use tok_driver::{Db, SourceFile};

/// Every diagnostic of a file: the checker's and, once it checks clean,
/// what lowering reports (constructs the simulator and the Solidity
/// backend cannot run yet), so a program is not shown clean in the editor
/// and refused by `tok sim`.
pub fn diagnostics(db: &dyn Db, file: SourceFile) -> Vec<Diagnostic> {
    let checked = tok_driver::diagnostics(db, file);
    if checked.iter().any(Diagnostic::is_error) {
        return checked.clone();
    }
    let mut all = checked.clone();
    if let Err(lowering) = tok_driver::mir(db, file) {
        all.extend(lowering.iter().cloned());
    }
    all
}

/// The file in canonical layout, when it differs from the text; `None`
/// when it is already canonical or has syntax errors (never rewritten).
pub fn format(db: &dyn Db, file: SourceFile) -> Option<String> {
    let text = file.text(db);
    tok_format::format(text)
        .ok()
        .filter(|formatted| formatted != text)
}

/// A quick fix: what it does, and the edits that do it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub title: String,
    /// The code of the diagnostic it fixes.
    pub code: String,
    pub edits: Vec<(tok_diagnostics::Span, String)>,
}

/// The fixes the file's diagnostics suggest for problems that overlap
/// `range` (a cursor is an empty range): at the problem itself, or where
/// the fix would edit (the operand of a mismatched `+`, say).
pub fn fixes(db: &dyn Db, file: SourceFile, range: tok_diagnostics::Span) -> Vec<Fix> {
    let overlaps = |span: tok_diagnostics::Span| span.start <= range.end && range.start <= span.end;
    (diagnostics(db, file).iter())
        .filter(|diagnostic| {
            overlaps(diagnostic.primary.span)
                || (diagnostic.suggestions.iter()).any(|suggestion| overlaps(suggestion.span))
        })
        .flat_map(|diagnostic| {
            (diagnostic.suggestions.iter()).map(|suggestion| Fix {
                title: suggestion.message.clone(),
                code: diagnostic.code.as_str().to_string(),
                edits: vec![(suggestion.span, suggestion.replacement.clone())],
            })
        })
        .collect()
}

/// What a code lens offers above a declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LensKind {
    /// Run a short simulation of this scenario.
    Simulate { scenario: String },
    /// Show the Solidity generated for this mechanism.
    Solidity { mechanism: String },
}

/// A code lens: at the declaration's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lens {
    pub span: tok_diagnostics::Span,
    pub kind: LensKind,
}

/// A lens above every scenario (simulate it) and every mechanism that is
/// deployed (show its Solidity), from the outline.
pub fn lenses(db: &dyn Db, file: SourceFile) -> Vec<Lens> {
    (symbols(db, file).into_iter())
        .filter_map(|symbol| {
            let kind = match symbol.kind {
                SymbolKind::Scenario => LensKind::Simulate {
                    scenario: symbol.name,
                },
                SymbolKind::Mechanism | SymbolKind::Instance => LensKind::Solidity {
                    mechanism: symbol.name,
                },
                _ => return None,
            };
            Some(Lens {
                span: symbol.selection,
                kind,
            })
        })
        .collect()
}

/// The generated Solidity source of the file's program, or the
/// diagnostics that stop it (lowering's or the backend's).
pub fn solidity(db: &dyn Db, file: SourceFile) -> Result<String, Vec<Diagnostic>> {
    let program = tok_driver::mir(db, file).as_ref().map_err(Clone::clone)?;
    let stem = file.path(db).rsplit('/').next().unwrap_or("program");
    let stem = stem.strip_suffix(".tok").unwrap_or(stem);
    let project = tok_solidity::generate(program, stem, tok_driver::docs(db, file))?;
    Ok(project
        .files
        .get(&project.source_path)
        .cloned()
        .unwrap_or_default())
}
