//! The outline of a file: its items and, inside them, their members, from
//! the syntax tree (so a file with errors still has one).

use tok_diagnostics::Span;
use tok_driver::{Db, SourceFile};
use tok_syntax::ast;

/// What a symbol declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymbolKind {
    Param,
    Token,
    Mechanism,
    Template,
    Instance,
    Vesting,
    Governor,
    Scenario,
    Field,
    Event,
    Action,
    View,
    Hook,
    Invariant,
    Population,
    Series,
}

/// One declaration of the outline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    pub kind: SymbolKind,
    /// A type or a signature, as written.
    pub detail: Option<String>,
    /// The whole declaration.
    pub span: Span,
    /// Its name.
    pub selection: Span,
    pub children: Vec<Symbol>,
}

fn symbol(name: &ast::Name, kind: SymbolKind, span: Span) -> Symbol {
    Symbol {
        name: name.text.clone(),
        kind,
        detail: None,
        span,
        selection: name.span,
        children: Vec::new(),
    }
}

/// A parameter list as written: `(amount: EMB, to: address)`.
fn signature(params: &[ast::Field]) -> String {
    let params: Vec<String> = (params.iter())
        .map(|field| format!("{}: {}", field.name.text, tok_format::ty(&field.ty)))
        .collect();
    format!("({})", params.join(", "))
}

fn fields(fields: &[ast::Field]) -> impl Iterator<Item = Symbol> + '_ {
    fields.iter().map(|field| Symbol {
        detail: Some(tok_format::ty(&field.ty)),
        ..symbol(&field.name, SymbolKind::Field, field.span)
    })
}

fn function(function: &ast::Function, kind: SymbolKind, span: Span) -> Symbol {
    let mut detail = signature(&function.params);
    if let Some(returns) = &function.returns {
        detail.push_str(&format!(" -> {}", tok_format::ty(returns)));
    }
    Symbol {
        detail: Some(detail),
        ..symbol(&function.name, kind, span)
    }
}

/// The outline of `file`, in source order.
pub fn symbols(db: &dyn Db, file: SourceFile) -> Vec<Symbol> {
    let module = &tok_driver::parse(db, file).module;
    module.items.iter().filter_map(item).collect()
}

fn item(item: &ast::Item) -> Option<Symbol> {
    let span = item.span;
    Some(match &item.kind {
        ast::ItemKind::Param(param) => Symbol {
            detail: Some(tok_format::ty(&param.ty)),
            ..symbol(&param.name, SymbolKind::Param, span)
        },
        ast::ItemKind::Token(decl) => symbol(&decl.name, SymbolKind::Token, span),
        ast::ItemKind::Vesting(decl) => symbol(&decl.name, SymbolKind::Vesting, span),
        ast::ItemKind::Governor(decl) => symbol(&decl.name, SymbolKind::Governor, span),
        ast::ItemKind::Instance(instance) => {
            let template: Vec<&str> = instance.template.iter().map(|n| n.text.as_str()).collect();
            Symbol {
                detail: Some(template.join(".")),
                ..symbol(&instance.name, SymbolKind::Instance, span)
            }
        }
        ast::ItemKind::Mechanism(mechanism) => {
            let kind = if mechanism.is_template() {
                SymbolKind::Template
            } else {
                SymbolKind::Mechanism
            };
            let mut children = Vec::new();
            for member in &mechanism.members {
                match &member.kind {
                    ast::MemberKind::State(state) => children.extend(fields(state)),
                    ast::MemberKind::Event { name, fields } => children.push(Symbol {
                        detail: Some(signature(fields)),
                        ..symbol(name, SymbolKind::Event, member.span)
                    }),
                    ast::MemberKind::Action(f) => {
                        children.push(function(f, SymbolKind::Action, member.span))
                    }
                    ast::MemberKind::View(f) => {
                        children.push(function(f, SymbolKind::View, member.span))
                    }
                    ast::MemberKind::Every { period, .. } => children.push(Symbol {
                        name: format!("every {}", tok_format::expr(period)),
                        kind: SymbolKind::Hook,
                        detail: None,
                        span: member.span,
                        selection: member.span,
                        children: Vec::new(),
                    }),
                    ast::MemberKind::Invariant { condition, .. } => children.push(Symbol {
                        name: format!("invariant {}", tok_format::expr(condition)),
                        kind: SymbolKind::Invariant,
                        detail: None,
                        span: member.span,
                        selection: member.span,
                        children: Vec::new(),
                    }),
                    ast::MemberKind::Error => {}
                }
            }
            Symbol {
                detail: (!mechanism.params.is_empty()).then(|| signature(&mechanism.params)),
                children,
                ..symbol(&mechanism.name, kind, span)
            }
        }
        ast::ItemKind::Scenario(scenario) => {
            let mut children = Vec::new();
            for entry in &scenario.entries {
                match &entry.kind {
                    ast::ScenarioEntryKind::Agents(agents) => {
                        let mut population =
                            symbol(&agents.name, SymbolKind::Population, entry.span);
                        population.detail = Some(format!("[{}]", tok_format::expr(&agents.count)));
                        for member in &agents.members {
                            if let ast::AgentMemberKind::State(state) = &member.kind {
                                population.children.extend(fields(state));
                            }
                        }
                        children.push(population);
                    }
                    ast::ScenarioEntryKind::Series { name, ty, .. } => children.push(Symbol {
                        detail: ty.as_ref().map(tok_format::ty),
                        ..symbol(name, SymbolKind::Series, entry.span)
                    }),
                    _ => {}
                }
            }
            Symbol {
                children,
                ..symbol(&scenario.name, SymbolKind::Scenario, span)
            }
        }
        ast::ItemKind::Use(_) | ast::ItemKind::Error => return None,
    })
}
