//! The IDE layer: what an editor asks about a file, answered from the
//! driver's salsa queries in byte offsets and plain data. Nothing here
//! knows the protocol (`crate::convert` does), so every feature is tested
//! on text with cursor markers, without a client.

mod completion;
mod highlight;
mod hover;
mod navigation;
mod symbols;
mod walk;

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
