//! Going to a definition, finding references, renaming: lookups of the
//! checker's resolution records (`tok_driver::resolutions`), where a
//! declaration and every use of one thing share a `Definition`.

use tok_diagnostics::Span;
use tok_driver::{Db, SourceFile};
use tok_sema::hir::{Definition, Resolution};
use tok_syntax::{ast, lexer};

use crate::virtual_docs;

/// Where something is declared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// In the file asked about.
    File(Span),
    /// In a read-only document the server serves (the standard library).
    Virtual { uri: String, span: Span },
}

/// The resolution of the name at `offset` (a cursor just after a name
/// counts as on it).
pub fn resolution_at(db: &dyn Db, file: SourceFile, offset: u32) -> Option<&Resolution> {
    let resolutions = tok_driver::resolutions(db, file);
    (resolutions.iter())
        .filter(|r| r.span.start <= offset && offset <= r.span.end)
        // The innermost (shortest) name, and of equal ones a use over a
        // declaration: a template path covers the names inside it.
        .min_by_key(|r| (r.span.len(), r.declaration))
}

/// Where the name at `offset` is declared.
pub fn definition(db: &dyn Db, file: SourceFile, offset: u32) -> Option<Place> {
    let definition = &resolution_at(db, file, offset)?.definition;
    declaration(db, file, definition)
}

/// Where `definition` is declared: in the file, or for a standard-library
/// template (or a member of an instance of one) in the module's source.
pub fn declaration(db: &dyn Db, file: SourceFile, definition: &Definition) -> Option<Place> {
    let resolutions = tok_driver::resolutions(db, file);
    if let Some(found) = (resolutions.iter()).find(|r| r.declaration && r.definition == *definition)
    {
        return Some(Place::File(found.span));
    }
    match definition {
        Definition::Template(path) => stdlib_declaration(path, None),
        Definition::Field {
            mechanism,
            field: member,
        }
        | Definition::Action {
            mechanism,
            action: member,
        }
        | Definition::View {
            mechanism,
            view: member,
        }
        | Definition::Event {
            mechanism,
            event: member,
        } => {
            // A member of an instance is declared in its template.
            let template = instance_template(resolutions, mechanism)?;
            stdlib_declaration(&template, Some(member))
        }
        _ => None,
    }
}

/// The template an instance `mechanism` of this file was made from, as the
/// path its instance names.
fn instance_template(resolutions: &[Resolution], mechanism: &str) -> Option<String> {
    let declared = (resolutions.iter())
        .find(|r| r.declaration && r.definition == Definition::Mechanism(mechanism.to_string()))?;
    // The instance's template is the first name after its own.
    (resolutions.iter())
        .skip_while(|r| r.span != declared.span)
        .find_map(|r| match &r.definition {
            Definition::Template(path) => Some(path.clone()),
            _ => None,
        })
}

/// The declaration of standard-library template `path`
/// (`std.amm.ConstantProduct`), or of its member `member`.
fn stdlib_declaration(path: &str, member: Option<&str>) -> Option<Place> {
    let (module, name) = path.rsplit_once('.')?;
    let module = tok_stdlib::MODULES.iter().find(|m| m.path == module)?;
    let parsed = tok_syntax::parse(module.source);
    let template = parsed
        .module
        .items
        .iter()
        .find_map(|item| match &item.kind {
            ast::ItemKind::Mechanism(mechanism) if mechanism.name.text == name => Some(mechanism),
            _ => None,
        })?;
    let span = match member {
        None => template.name.span,
        Some(member) => member_name(template, member)?,
    };
    Some(Place::Virtual {
        uri: virtual_docs::stdlib_uri(module.path),
        span,
    })
}

/// Where a mechanism declares `member` (a field, event, action or view).
fn member_name(mechanism: &ast::Mechanism, member: &str) -> Option<Span> {
    mechanism.members.iter().find_map(|m| match &m.kind {
        ast::MemberKind::State(fields) => fields
            .iter()
            .find(|field| field.name.text == member)
            .map(|field| field.name.span),
        ast::MemberKind::Event { name, .. } if name.text == member => Some(name.span),
        ast::MemberKind::Action(f) | ast::MemberKind::View(f) if f.name.text == member => {
            Some(f.name.span)
        }
        _ => None,
    })
}

/// Every place in the file that names the same thing as the name at
/// `offset`, in order; with its declaration or without.
pub fn references(db: &dyn Db, file: SourceFile, offset: u32, declaration: bool) -> Vec<Span> {
    let Some(at) = resolution_at(db, file, offset) else {
        return Vec::new();
    };
    let definition = at.definition.clone();
    let mut spans: Vec<Span> = (tok_driver::resolutions(db, file).iter())
        .filter(|r| r.definition == definition && (declaration || !r.declaration))
        .map(|r| r.span)
        .collect();
    spans.dedup();
    spans
}

/// Why a name cannot be renamed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RenameError {
    /// No name the checker resolved is there (a keyword, a literal, a
    /// builtin such as `now` or `transfer`).
    NotRenamable,
    /// It is declared in the standard library, which is read-only.
    StandardLibrary,
    /// The new name is not an identifier, or is a keyword.
    InvalidName(String),
}

impl std::fmt::Display for RenameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RenameError::NotRenamable => write!(f, "there is no name to rename here"),
            RenameError::StandardLibrary => {
                write!(
                    f,
                    "this is declared in the standard library, which cannot be renamed"
                )
            }
            RenameError::InvalidName(name) => write!(f, "`{name}` is not a valid name"),
        }
    }
}

/// The name that renaming at `offset` would rename (its span), or why not.
pub fn prepare_rename(db: &dyn Db, file: SourceFile, offset: u32) -> Result<Span, RenameError> {
    let at = resolution_at(db, file, offset).ok_or(RenameError::NotRenamable)?;
    if let Definition::Template(path) = &at.definition
        && path.starts_with("std.")
    {
        return Err(RenameError::StandardLibrary);
    }
    if declaration(db, file, &at.definition)
        .is_some_and(|place| matches!(place, Place::Virtual { .. }))
    {
        return Err(RenameError::StandardLibrary);
    }
    Ok(at.span)
}

/// The edits that rename the thing named at `offset` to `new_name`: its
/// declaration and every use in the file.
pub fn rename(
    db: &dyn Db,
    file: SourceFile,
    offset: u32,
    new_name: &str,
) -> Result<Vec<(Span, String)>, RenameError> {
    prepare_rename(db, file, offset)?;
    let lexed = lexer::lex(new_name);
    let is_identifier = matches!(lexed.tokens.as_slice(), [(_, lexer::Tok::Ident(_), _)])
        && lexed.diagnostics.is_empty()
        && lexed.comments.is_empty();
    if !is_identifier || lexer::KEYWORDS.contains(&new_name) {
        return Err(RenameError::InvalidName(new_name.to_string()));
    }
    Ok(references(db, file, offset, true)
        .into_iter()
        .map(|span| (span, new_name.to_string()))
        .collect())
}
