//! Semantic highlighting and inlay hints: the lexer's tokens classified by
//! what the checker resolved them to, and the facts the text does not
//! show (a `let`'s type, an amount's exact base units).

use tok_diagnostics::Span;
use tok_driver::{Db, SourceFile};
use tok_sema::Ty;
use tok_sema::hir::Definition;
use tok_syntax::lexer::{self, Keyword, Tok};

use super::hover::literals;

/// What a highlighted token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    Keyword,
    Comment,
    String,
    Number,
    Operator,
    /// A token, or a unit after a number.
    Type,
    /// A mechanism, a template, a vesting schedule or a governor.
    Class,
    Namespace,
    Property,
    Method,
    Function,
    Event,
    Variable,
    Parameter,
    Struct,
}

/// One highlighted token; `declaration` for the name that declares it,
/// `readonly` for params (fixed at deployment but by governance).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Highlight {
    pub span: Span,
    pub class: Class,
    pub declaration: bool,
    pub readonly: bool,
}

/// Every token of the file worth a colour, in order.
pub fn highlights(db: &dyn Db, file: SourceFile) -> Vec<Highlight> {
    let text = file.text(db);
    let lexed = lexer::lex(text);
    let resolutions = tok_driver::resolutions(db, file);
    let plain = |span: Span, class: Class| Highlight {
        span,
        class,
        declaration: false,
        readonly: false,
    };
    let mut out: Vec<Highlight> = (lexed.comments.iter())
        .map(|comment| plain(comment.span, Class::Comment))
        .collect();
    for (start, token, end) in &lexed.tokens {
        let span = Span::new(*start, *end);
        let class = match token {
            Tok::Keyword(Keyword::True | Keyword::False) => Class::Number,
            Tok::Keyword(_) => Class::Keyword,
            Tok::Number(_) | Tok::Hex(_) | Tok::PercentSign => Class::Number,
            Tok::Str(_) => Class::String,
            Tok::Unit(_) => Class::Type,
            Tok::Ident(_) => {
                let resolved = (resolutions.iter()).find(|r| r.span == span);
                match resolved {
                    Some(resolution) => {
                        out.push(Highlight {
                            span,
                            class: class_of(&resolution.definition),
                            declaration: resolution.declaration,
                            readonly: matches!(resolution.definition, Definition::Param(_)),
                        });
                        continue;
                    }
                    None => continue,
                }
            }
            Tok::LBrace
            | Tok::RBrace
            | Tok::LParen
            | Tok::RParen
            | Tok::LBracket
            | Tok::RBracket
            | Tok::Comma
            | Tok::Colon
            | Tok::Dot => continue,
            _ => Class::Operator,
        };
        out.push(plain(span, class));
    }
    out.sort_by_key(|highlight| highlight.span.start);
    out
}

fn class_of(definition: &Definition) -> Class {
    match definition {
        Definition::Token(_) => Class::Type,
        Definition::Mechanism(_)
        | Definition::Template(_)
        | Definition::Vesting(_)
        | Definition::Governor(_) => Class::Class,
        Definition::Scenario(_) => Class::Namespace,
        Definition::Field { .. } | Definition::AgentField { .. } => Class::Property,
        Definition::Action { .. } => Class::Method,
        Definition::View { .. } => Class::Function,
        Definition::Event { .. } => Class::Event,
        Definition::Param(_) | Definition::Series(_) => Class::Variable,
        Definition::Local { .. } => Class::Parameter,
        Definition::Population(_) => Class::Struct,
    }
}

/// A hint shown after `position`: `: EMB` after a `let`'s name, `= 2500000`
/// after an amount literal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlayHint {
    pub position: u32,
    pub label: String,
    /// A longer explanation, shown on hovering the hint.
    pub tooltip: Option<String>,
}

/// The hints of the file between offsets `range` (all of them for the
/// whole file), in order.
pub fn inlay_hints(db: &dyn Db, file: SourceFile, range: Span) -> Vec<InlayHint> {
    let inside = |span: Span| span.start >= range.start && span.end <= range.end;
    let mut hints: Vec<InlayHint> = Vec::new();
    let text = file.text(db);
    for resolution in tok_driver::resolutions(db, file) {
        // A `let` written without its type.
        if let (Definition::Local { .. }, true, Some(ty)) = (
            &resolution.definition,
            resolution.declaration,
            &resolution.ty,
        ) && inside(resolution.span)
            && is_let(text, resolution.span)
            && !ty.is_error()
        {
            hints.push(InlayHint {
                position: resolution.span.end,
                label: format!(": {ty}"),
                tooltip: None,
            });
        }
    }
    for literal in literals(db, file) {
        let Ty::Amount(_) = unit_of(&literal.ty) else {
            continue;
        };
        if !inside(literal.span) {
            continue;
        }
        // Nothing to add when the digits as written are the value (`0 EMB`,
        // or a token without decimals).
        let written: String = (text.get(literal.span.range()).unwrap_or(""))
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '_')
            .filter(|c| *c != '_')
            .collect();
        if written == literal.value.to_string() {
            continue;
        }
        hints.push(InlayHint {
            position: literal.span.end,
            label: format!("= {}", literal.value),
            tooltip: Some(super::hover::exact_value(
                db,
                file,
                literal.value,
                &literal.ty,
            )),
        });
    }
    hints.sort_by_key(|hint| hint.position);
    hints
}

/// An amount's type under a rate (`EMB per day` is an amount of `EMB`).
fn unit_of(ty: &Ty) -> &Ty {
    match ty {
        Ty::Rate(inner, _) => unit_of(inner),
        other => other,
    }
}

/// Whether the name at `span` follows `let` (and not `let x: T`, whose
/// type is written).
fn is_let(text: &str, span: Span) -> bool {
    let before = text[..span.start as usize].trim_end();
    let after = text[span.end as usize..].trim_start();
    before.ends_with("let") && !after.starts_with(':')
}
