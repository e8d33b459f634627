//! The driver: the salsa database that ties the phases together, and the
//! renderers that turn diagnostics into text for people and tools.
//!
//! Query layers, designed around what changes when someone types:
//! `parse(file)` re-runs on every edit; `signatures(file)` is span-free, so
//! it usually compares equal after a body edit and salsa stops there;
//! `item_text(item)` is the text of one item, and `check_item(item)`
//! depends only on that text and the signatures. Editing one action's body
//! therefore re-checks that item alone.

pub mod render;
mod settings;

pub use settings::{SettingProblem, settings};

use std::sync::Arc;

use tok_diagnostics::Diagnostic;
use tok_sema::{ItemResult, Signatures, hir};
use tok_syntax::Parsed;

/// One source file: an input of the database.
#[salsa::input(debug)]
pub struct SourceFile {
    #[returns(ref)]
    pub path: String,
    #[returns(ref)]
    pub text: String,
}

/// One top-level item of a file, by position.
#[salsa::interned(debug)]
pub struct ItemId<'db> {
    pub file: SourceFile,
    pub index: u32,
}

#[salsa::db]
pub trait Db: salsa::Database {}

/// The database the CLI uses. The LSP and tests build their own with an
/// event callback.
#[salsa::db]
#[derive(Clone, Default)]
pub struct Database {
    storage: salsa::Storage<Self>,
}

impl Database {
    /// A database that reports every salsa event to `callback`.
    pub fn with_events(callback: Arc<dyn Fn(salsa::Event) + Send + Sync>) -> Self {
        Database {
            storage: salsa::Storage::new(Some(Box::new(move |event| callback(event)))),
        }
    }
}

#[salsa::db]
impl salsa::Database for Database {}

#[salsa::db]
impl Db for Database {}

/// Files larger than this cannot be addressed with 32-bit offsets.
pub const MAX_FILE_BYTES: usize = u32::MAX as usize;

#[salsa::tracked(returns(ref))]
pub fn parse(db: &dyn Db, file: SourceFile) -> Parsed {
    tok_syntax::parse(file.text(db))
}

/// The file's doc comments by path (see `tok_syntax::docs`). An instance
/// of a template inherits the template's docs (its own doc comment, if
/// any, wins), from this file or from the standard library.
#[salsa::tracked(returns(ref))]
pub fn docs(db: &dyn Db, file: SourceFile) -> tok_syntax::docs::Docs {
    let parsed = parse(db, file);
    let mut docs = tok_syntax::docs::collect(file.text(db), parsed);
    for item in &parsed.module.items {
        let tok_syntax::ast::ItemKind::Instance(instance) = &item.kind else {
            continue;
        };
        let path: Vec<&str> = instance.template.iter().map(|n| n.text.as_str()).collect();
        let Some((template, module)) = path.split_last() else {
            continue;
        };
        let template_docs = if module.is_empty() {
            &docs
        } else {
            let module = match module.first() {
                Some(&"std") => module.join("."),
                _ => format!("std.{}", module.join(".")),
            };
            let Some(module_docs) = stdlib_docs().get(&module) else {
                continue;
            };
            module_docs
        };
        let name = &instance.name.text;
        let inherited: Vec<(String, Vec<String>)> = template_docs
            .iter()
            .filter_map(|(path, lines)| {
                let renamed = if path == template {
                    name.clone()
                } else {
                    format!("{name}.{}", path.strip_prefix(&format!("{template}."))?)
                };
                Some((renamed, lines.clone()))
            })
            .collect();
        for (path, lines) in inherited {
            docs.entry(path).or_insert(lines);
        }
    }
    docs
}

/// The doc comments of every standard-library module, by module path,
/// collected once. A module's top doc run also documents its first template.
fn stdlib_docs() -> &'static std::collections::BTreeMap<String, tok_syntax::docs::Docs> {
    static DOCS: std::sync::OnceLock<std::collections::BTreeMap<String, tok_syntax::docs::Docs>> =
        std::sync::OnceLock::new();
    DOCS.get_or_init(|| {
        tok_stdlib::MODULES
            .iter()
            .map(|module| {
                let parsed = tok_syntax::parse(module.source);
                let mut docs = tok_syntax::docs::collect(module.source, &parsed);
                let first = parsed.module.items.first().and_then(|i| i.kind.name());
                if let (Some(first), Some(top)) = (first, docs.get("").cloned()) {
                    docs.entry(first.text.clone()).or_insert(top);
                }
                (module.path.to_string(), docs)
            })
            .collect()
    })
}

#[salsa::tracked(returns(ref))]
pub fn signatures(db: &dyn Db, file: SourceFile) -> Signatures {
    Signatures::collect(&parse(db, file).module)
}

/// The items of a file, as ids for the per-item queries.
#[salsa::tracked(returns(ref))]
pub fn items(db: &dyn Db, file: SourceFile) -> Vec<ItemId<'_>> {
    let count = parse(db, file).module.items.len() as u32;
    (0..count)
        .map(|index| ItemId::new(db, file, index))
        .collect()
}

/// Where an item starts in its file.
#[salsa::tracked(returns(copy))]
pub fn item_offset<'db>(db: &'db dyn Db, item: ItemId<'db>) -> u32 {
    let parsed = parse(db, *item.file(db));
    parsed
        .module
        .items
        .get(*item.index(db) as usize)
        .map_or(0, |it| it.span.start)
}

/// The text of one item; equal across edits elsewhere in the file.
#[salsa::tracked(returns(ref))]
pub fn item_text<'db>(db: &'db dyn Db, item: ItemId<'db>) -> String {
    let file = *item.file(db);
    let parsed = parse(db, file);
    match parsed.module.items.get(*item.index(db) as usize) {
        Some(it) if !matches!(it.kind, tok_syntax::ast::ItemKind::Error) => {
            file.text(db)[it.span.range()].to_string()
        }
        _ => String::new(),
    }
}

/// Checks one item. Spans in the result are relative to the item's start.
#[salsa::tracked(returns(ref))]
pub fn check_item<'db>(db: &'db dyn Db, item: ItemId<'db>) -> ItemResult {
    let text = item_text(db, item);
    if text.is_empty() {
        return ItemResult::default();
    }
    let parsed = tok_syntax::parse(text);
    let Some(ast_item) = parsed.module.items.first() else {
        return ItemResult::default();
    };
    tok_sema::check_item(signatures(db, *item.file(db)), ast_item)
}

/// Every diagnostic of a file, sorted, with file-relative spans.
#[salsa::tracked(returns(ref))]
pub fn diagnostics(db: &dyn Db, file: SourceFile) -> Vec<Diagnostic> {
    let parsed = parse(db, file);
    let mut all = parsed.diagnostics.clone();
    all.extend(tok_sema::check_module(&parsed.module));
    for (item, syntax) in items(db, file).iter().zip(&parsed.module.items) {
        // An item with a syntax error is checked no further: its tree is
        // partial, and what checking would find there is noise.
        let broken = parsed.diagnostics.iter().any(|d| {
            let at = d.primary.span.start;
            syntax.span.start <= at && at <= syntax.span.end
        });
        if broken {
            continue;
        }
        let offset = item_offset(db, *item);
        all.extend(
            check_item(db, *item)
                .diagnostics
                .iter()
                .cloned()
                .map(|d| d.shifted(offset)),
        );
    }
    tok_diagnostics::sort(&mut all);
    all.dedup();
    all
}

/// Every name of a file the checker resolved, with what it refers to
/// (file-relative spans), in source order: what the language server's
/// definitions, references, renames and hovers look up. Items with syntax
/// errors count too: what resolves in a half-typed item still helps.
#[salsa::tracked(returns(ref))]
pub fn resolutions(db: &dyn Db, file: SourceFile) -> Vec<hir::Resolution> {
    let mut all: Vec<hir::Resolution> = Vec::new();
    for item in items(db, file) {
        let offset = item_offset(db, *item);
        let resolved = check_item(db, *item).resolutions.iter().cloned();
        all.extend(resolved.map(|resolution| resolution.shifted(offset)));
    }
    all.sort_by_key(|resolution| (resolution.span.start, resolution.span.end));
    all.dedup();
    all
}

/// The typed program. Item spans are relative to `offset`.
#[salsa::tracked(returns(ref))]
pub fn program(db: &dyn Db, file: SourceFile) -> hir::Program {
    let items = items(db, file)
        .iter()
        .filter_map(|item| {
            let offset = item_offset(db, *item);
            check_item(db, *item)
                .item
                .clone()
                .map(|item| hir::Located { offset, item })
        })
        .collect();
    hir::Program { items }
}

/// The program lowered to MIR and verified. `Err` holds coded diagnostics:
/// constructs the MIR cannot express yet (`E0500`), or a compiler bug
/// (`E0502`: a name lowering could not resolve, MIR the verifier rejects).
#[salsa::tracked(returns(ref))]
pub fn mir(db: &dyn Db, file: SourceFile) -> Result<tok_mir::Program, Vec<Diagnostic>> {
    let program = tok_mir::lower(program(db, file))?;
    tok_mir::verify(&program).map_err(|errors| {
        errors
            .into_iter()
            .map(|error| {
                Diagnostic::error(
                    tok_diagnostics::Code::INTERNAL_ERROR,
                    tok_diagnostics::Span::new(0, 0),
                    format!("internal compiler error: the MIR verifier rejected the lowered program: {error}"),
                )
                .with_label("in this file")
                .with_note("The program checked, so this is a bug in the compiler, not in the program.")
                .with_help("please report it with the program that triggers it")
            })
            .collect::<Vec<_>>()
    })?;
    Ok(program)
}

/// Checks a text outside any database: the one-shot entry point for tools.
pub fn check_text(path: &str, text: &str) -> Vec<Diagnostic> {
    let db = Database::default();
    let file = SourceFile::new(&db, path.to_string(), text.to_string());
    diagnostics(&db, file).clone()
}

/// Decodes file bytes, reporting invalid UTF-8 or an oversized file as a
/// diagnostic instead of failing.
pub fn decode_source(bytes: &[u8]) -> Result<&str, Box<Diagnostic>> {
    use tok_diagnostics::{Code, Span};
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Box::new(
            Diagnostic::error(Code::FILE_TOO_LARGE, Span::new(0, 0), "file too large")
                .with_label("Tok source files are limited to 4 GiB")
                .with_help("split the program into smaller files"),
        ));
    }
    std::str::from_utf8(bytes).map_err(|error| {
        let at = error.valid_up_to() as u32;
        let len = error.error_len().unwrap_or(1) as u32;
        Box::new(
            Diagnostic::error(
                Code::INVALID_UTF8,
                Span::new(at, at + len),
                "file is not valid UTF-8",
            )
            .with_label("invalid byte sequence here")
            .with_note("Tok source files are UTF-8 text.")
            .with_help("re-save the file as UTF-8, or check that it is the right file"),
        )
    })
}
