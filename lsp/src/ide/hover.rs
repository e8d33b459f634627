//! Hovers: what a name is (its declaration, its type with unit and rate
//! period, its doc comment; for a param its default and who may change it,
//! for an action or view the Solidity function it becomes), and what a
//! number literal is exactly, in base units.

use tok_diagnostics::Span;
use tok_driver::{Db, SourceFile};
use tok_runtime::U256;
use tok_sema::Ty;
use tok_sema::hir::{self, Definition};
use tok_syntax::ast;

use super::navigation::resolution_at;
use tok_sema::walk;

/// What a hover shows: Markdown, for the span it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hover {
    pub span: Span,
    pub markdown: String,
}

/// A number literal as the checker understood it: its exact value in
/// base units (wei, WAD, seconds) and its type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Literal {
    pub span: Span,
    pub value: U256,
    pub ty: Ty,
}

/// Every number literal of the file's checked items, in source order.
pub fn literals(db: &dyn Db, file: SourceFile) -> Vec<Literal> {
    let text = file.text(db);
    let mut found = Vec::new();
    for located in &tok_driver::program(db, file).items {
        walk::exprs(&located.item, &mut |expr| {
            let hir::ExprKind::Int(value) = expr.kind else {
                return;
            };
            let span = expr.span.shifted(located.offset);
            // Only what is written as a number (the checker also makes
            // integers of its own, such as a default seed).
            let written = text.get(span.range()).unwrap_or("");
            if written.starts_with(|c: char| c.is_ascii_digit()) {
                found.push(Literal {
                    span,
                    value,
                    ty: expr.ty.clone(),
                });
            }
        });
    }
    found.sort_by_key(|literal| (literal.span.start, literal.span.end));
    found.dedup();
    found
}

/// What a literal's exact value means: `100000000000000000000 base units
/// of EMB (18 decimals)`, `50000000000000000 WAD (10^18 is 100%)`.
pub fn exact_value(db: &dyn Db, file: SourceFile, value: U256, ty: &Ty) -> String {
    match ty {
        Ty::Amount(token) => {
            let decimals =
                (tok_driver::signatures(db, file).tokens.get(token)).map_or(18, |sig| sig.decimals);
            format!("{value} base units of `{token}` ({decimals} decimals)")
        }
        Ty::Ratio => format!("{value} WAD (10^18 is 100%)"),
        Ty::Duration => format!("{value} seconds"),
        Ty::Timestamp => format!("{value} (seconds since 1970)"),
        Ty::Rate(inner, period) => format!(
            "{} per {}",
            exact_value(db, file, value, inner),
            period.name()
        ),
        Ty::Price { .. } => format!("{value} (a WAD price, scaled by both tokens' decimals)"),
        _ => value.to_string(),
    }
}

/// The hover at `offset`: a literal's exact value, or what a name is.
pub fn hover(db: &dyn Db, file: SourceFile, offset: u32) -> Option<Hover> {
    if let Some(literal) = (literals(db, file).into_iter())
        .filter(|l| l.span.start <= offset && offset <= l.span.end)
        .min_by_key(|l| l.span.len())
    {
        let text = file.text(db);
        let written = text.get(literal.span.range()).unwrap_or("");
        let markdown = format!(
            "```tok\n{written}: {}\n```\n= {}",
            literal.ty,
            exact_value(db, file, literal.value, &literal.ty)
        );
        return Some(Hover {
            span: literal.span,
            markdown,
        });
    }
    let resolution = resolution_at(db, file, offset)?;
    let mut sections = vec![format!(
        "```tok\n{}\n```",
        declaration_line(db, file, resolution)
    )];
    if let Some(docs) = tok_driver::docs(db, file).get(&doc_path(&resolution.definition)) {
        sections.push(docs.join("\n"));
    }
    sections.extend(extra(db, file, &resolution.definition));
    Some(Hover {
        span: resolution.span,
        markdown: sections.join("\n\n---\n\n"),
    })
}

/// The doc-comment path of a definition (`EMB`, `Staking.stake`).
fn doc_path(definition: &Definition) -> String {
    match definition {
        Definition::Param(name)
        | Definition::Token(name)
        | Definition::Mechanism(name)
        | Definition::Template(name)
        | Definition::Vesting(name)
        | Definition::Governor(name)
        | Definition::Scenario(name) => name.clone(),
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
        } => format!("{mechanism}.{member}"),
        // Never a doc path.
        Definition::Local { .. }
        | Definition::Population(_)
        | Definition::AgentField { .. }
        | Definition::Series(_) => "\u{0}".to_string(),
    }
}

/// The first line of a hover: what the name declares, as Tok would write it.
fn declaration_line(db: &dyn Db, file: SourceFile, resolution: &hir::Resolution) -> String {
    let ty = |ty: &Option<Ty>| ty.as_ref().map_or(String::new(), |ty| format!(": {ty}"));
    let module = &tok_driver::parse(db, file).module;
    match &resolution.definition {
        Definition::Param(name) => {
            let default = module.items.iter().find_map(|item| match &item.kind {
                ast::ItemKind::Param(param) if param.name.text == *name => param.default.as_ref(),
                _ => None,
            });
            let default = default.map_or(String::new(), |d| format!(" = {}", tok_format::expr(d)));
            format!("param {name}{}{default}", ty(&resolution.ty))
        }
        Definition::Token(name) => {
            let token = (tok_driver::program(db, file).items.iter()).find_map(|located| {
                match &*located.item {
                    hir::Item::Token(token) if token.name == *name => Some(token),
                    _ => None,
                }
            });
            match token {
                Some(token) => token_summary(token),
                None => format!("token {name}"),
            }
        }
        Definition::Mechanism(name) => format!("mechanism {name}"),
        Definition::Template(path) => format!("mechanism template {path}"),
        Definition::Vesting(name) => format!("vesting {name}"),
        Definition::Governor(name) => format!("governor {name}"),
        Definition::Scenario(name) => format!("scenario {name}"),
        Definition::Field { mechanism, field } => {
            format!("{mechanism}.{field}{}", ty(&resolution.ty))
        }
        Definition::Action { mechanism, action } => {
            format!(
                "action {mechanism}.{action}{}",
                parameters(module, mechanism, action)
            )
        }
        Definition::View { mechanism, view } => {
            format!(
                "view {mechanism}.{view}{}",
                parameters(module, mechanism, view)
            )
        }
        Definition::Event { mechanism, event } => {
            format!(
                "event {mechanism}.{event}{}",
                parameters(module, mechanism, event)
            )
        }
        Definition::Local { name, .. } => format!("let {name}{}", ty(&resolution.ty)),
        Definition::Population(name) => format!("agents {name}"),
        Definition::AgentField { population, field } => {
            format!("{population}.{field}{}", ty(&resolution.ty))
        }
        Definition::Series(name) => format!("series {name}: float"),
    }
}

/// A token's declaration in brief: its decimals, cap and features.
fn token_summary(token: &hir::TokenDef) -> String {
    let mut lines = vec![format!("token {}", token.name)];
    if token.display_name != token.name {
        lines.push(format!("name: \"{}\"", token.display_name));
    }
    lines.push(format!("decimals: {}", token.decimals));
    if let Some(hir::Expr {
        kind: hir::ExprKind::Int(cap),
        ..
    }) = &token.cap
    {
        lines.push(format!("cap: {cap} base units"));
    }
    let features: Vec<&str> = [
        (token.burnable, "burnable"),
        (token.pausable, "pausable"),
        (token.votes, "votes"),
        (token.permit, "permit"),
        (token.transfer_fee.is_some(), "transfer fee"),
    ]
    .into_iter()
    .filter_map(|(on, name)| on.then_some(name))
    .collect();
    if !features.is_empty() {
        lines.push(features.join(", "));
    }
    lines.join("\n")
}

/// A mechanism member's parameter list and return type, as written.
fn parameters(module: &ast::Module, mechanism: &str, member: &str) -> String {
    let members = module.items.iter().find_map(|item| match &item.kind {
        ast::ItemKind::Mechanism(m) if m.name.text == mechanism => Some(&m.members),
        _ => None,
    });
    let written = |fields: &[ast::Field]| {
        let fields: Vec<String> = (fields.iter())
            .map(|f| format!("{}: {}", f.name.text, tok_format::ty(&f.ty)))
            .collect();
        format!("({})", fields.join(", "))
    };
    members
        .into_iter()
        .flatten()
        .find_map(|m| match &m.kind {
            ast::MemberKind::Action(f) | ast::MemberKind::View(f) if f.name.text == member => {
                let returns = (f.returns.as_ref())
                    .map_or(String::new(), |ty| format!(" -> {}", tok_format::ty(ty)));
                Some(format!("{}{returns}", written(&f.params)))
            }
            ast::MemberKind::Event { name, fields } if name.text == member => Some(written(fields)),
            _ => None,
        })
        .unwrap_or_default()
}

/// Sections after the declaration and docs: for a param, who may change
/// it; for an action or a view, its Solidity function.
fn extra(db: &dyn Db, file: SourceFile, definition: &Definition) -> Option<String> {
    match definition {
        Definition::Param(name) => {
            let governors: Vec<String> = (tok_driver::program(db, file).items.iter())
                .filter_map(|located| match &*located.item {
                    hir::Item::Governor(governor) if governor.governs.contains(name) => {
                        Some(format!("`{}`", governor.name))
                    }
                    _ => None,
                })
                .collect();
            let mut lines = Vec::new();
            if !governors.is_empty() {
                lines.push(format!(
                    "Governed: {} may change it on chain through a proposal.",
                    governors.join(", ")
                ));
            }
            lines.push(format!(
                "Set it for a simulation with `tok sim --param {name}=...`."
            ));
            Some(lines.join("\n"))
        }
        Definition::Action { mechanism, action } => solidity(db, file, mechanism, action, false),
        Definition::View { mechanism, view } => solidity(db, file, mechanism, view, true),
        _ => None,
    }
}

fn solidity(
    db: &dyn Db,
    file: SourceFile,
    mechanism: &str,
    name: &str,
    view: bool,
) -> Option<String> {
    let program = tok_driver::mir(db, file).as_ref().ok()?;
    let (id, m) = (program.mechanisms.iter().enumerate()).find(|(_, m)| m.name == mechanism)?;
    let functions = if view { &m.views } else { &m.actions };
    let function = functions.iter().find(|f| f.name == name)?;
    let signature =
        tok_solidity::function_signature(program, tok_mir::MechanismId::new(id), function, view);
    Some(format!("In Solidity:\n```solidity\n{signature}\n```"))
}
