//! Mechanism templates: `mechanism Pool[A, B](fee_per_mille: uint) { ... }`
//! declares a mechanism parameterised by tokens and values;
//! `mechanism EmbPool = amm.ConstantProduct[EMB, USDC](fee_per_mille: 3)`
//! makes one. Instantiation substitutes names in the template's canonical
//! text and parses the result, so an instance is an ordinary mechanism for
//! every later stage. The standard library is written as templates.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use tok_diagnostics::{Code, Diagnostic};
use tok_syntax::ast;
use tok_syntax::lexer::{Tok, lex};

/// A template, span-free: its parameters and its canonical text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Template {
    pub name: String,
    /// Token parameters.
    pub generics: Vec<String>,
    /// Value parameters and their types as written.
    pub params: Vec<(String, String)>,
    /// `mechanism <name> { <members> }` in canonical form.
    pub text: String,
}

impl Template {
    pub fn of(mechanism: &ast::Mechanism) -> Template {
        let body = ast::Item {
            kind: ast::ItemKind::Mechanism(ast::Mechanism {
                name: mechanism.name.clone(),
                generics: Vec::new(),
                params: Vec::new(),
                members: mechanism.members.clone(),
            }),
            span: tok_diagnostics::Span::default(),
        };
        Template {
            name: mechanism.name.text.clone(),
            generics: mechanism.generics.iter().map(|n| n.text.clone()).collect(),
            params: mechanism
                .params
                .iter()
                .map(|p| (p.name.text.clone(), tok_format::ty(&p.ty)))
                .collect(),
            text: tok_format::print_item(&body),
        }
    }
}

/// Every template of the standard library, by full path
/// (`std.amm.ConstantProduct`).
pub fn stdlib_templates() -> &'static BTreeMap<String, Template> {
    static TEMPLATES: OnceLock<BTreeMap<String, Template>> = OnceLock::new();
    TEMPLATES.get_or_init(|| {
        let mut templates = BTreeMap::new();
        for module in tok_stdlib::MODULES {
            for item in tok_syntax::parse(module.source).module.items {
                if let ast::ItemKind::Mechanism(mechanism) = &item.kind
                    && mechanism.is_template()
                {
                    templates.insert(
                        format!("{}.{}", module.path, mechanism.name.text),
                        Template::of(mechanism),
                    );
                }
            }
        }
        templates
    })
}

/// The substitutions an instance makes: token parameters to tokens, value
/// parameters to argument text, the template's name to the instance's.
pub fn substitutions(
    template: &Template,
    instance: &ast::Instance,
) -> Result<BTreeMap<String, String>, Diagnostic> {
    let shown: Vec<&str> = instance.template.iter().map(|n| n.text.as_str()).collect();
    let shown = shown.join(".");
    if instance.tokens.len() != template.generics.len() {
        return Err(Diagnostic::error(
            Code::WRONG_ARGUMENT_COUNT,
            instance.name.span,
            format!(
                "template `{shown}` takes {} token(s), found {}",
                template.generics.len(),
                instance.tokens.len()
            ),
        )
        .with_label("wrong number of tokens")
        .with_help(format!(
            "write `{shown}[{}](...)`",
            template.generics.join(", ")
        )));
    }
    let mut map = BTreeMap::new();
    map.insert(template.name.clone(), instance.name.text.clone());
    for (generic, token) in template.generics.iter().zip(&instance.tokens) {
        map.insert(generic.clone(), token.text.clone());
    }
    let mut position = 0;
    for arg in &instance.args {
        let index = match &arg.name {
            Some(name) => template
                .params
                .iter()
                .position(|(p, _)| *p == name.text)
                .ok_or_else(|| {
                    Diagnostic::error(
                        Code::UNKNOWN_ARGUMENT,
                        name.span,
                        format!("template `{shown}` has no parameter `{}`", name.text),
                    )
                    .with_label("unknown parameter")
                    .with_help(format!(
                        "its parameters: {}",
                        template
                            .params
                            .iter()
                            .map(|(p, t)| format!("{p}: {t}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })?,
            None => {
                position += 1;
                position - 1
            }
        };
        let Some((param, _)) = template.params.get(index) else {
            return Err(too_many(&shown, template, instance));
        };
        // A name stays a name (it may be an `only` target); anything else is
        // parenthesised so it binds as one operand wherever it lands.
        let text = match &arg.value.kind {
            ast::ExprKind::Name(name) => name.clone(),
            _ => format!("({})", tok_format::expr(&arg.value)),
        };
        map.insert(param.clone(), text);
    }
    let missing: Vec<&str> = template
        .params
        .iter()
        .map(|(p, _)| p.as_str())
        .filter(|p| !map.contains_key(*p))
        .collect();
    if !missing.is_empty() {
        return Err(Diagnostic::error(
            Code::WRONG_ARGUMENT_COUNT,
            instance.name.span,
            format!(
                "template `{shown}` needs {}",
                missing
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .with_label("missing arguments")
        .with_help(format!(
            "its parameters: {}",
            template
                .params
                .iter()
                .map(|(p, t)| format!("{p}: {t}"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(map)
}

fn too_many(shown: &str, template: &Template, instance: &ast::Instance) -> Diagnostic {
    Diagnostic::error(
        Code::WRONG_ARGUMENT_COUNT,
        instance.name.span,
        format!(
            "template `{shown}` takes {} argument(s), found {}",
            template.params.len(),
            instance.args.len()
        ),
    )
    .with_label("too many arguments")
}

/// Replaces names in `text`: names not after a `.` (so members keep their
/// names), and units (`0 Stake` becomes `0 STK`).
pub fn substitute(text: &str, map: &BTreeMap<String, String>) -> String {
    let lexed = lex(text);
    let mut out = String::with_capacity(text.len());
    let mut copied = 0usize;
    let mut previous: Option<Tok<'_>> = None;
    for (start, token, end) in &lexed.tokens {
        let replacement = match token {
            Tok::Ident(name) if previous != Some(Tok::Dot) => map.get(*name),
            Tok::Unit(name) => map.get(*name).filter(|r| !r.starts_with('(')),
            _ => None,
        };
        if let Some(replacement) = replacement {
            out.push_str(&text[copied..*start as usize]);
            out.push_str(replacement);
            copied = *end as usize;
        }
        previous = Some(*token);
    }
    out.push_str(&text[copied..]);
    out
}

/// Instantiates a template: the expanded mechanism, named as the instance.
pub fn expand(template: &Template, instance: &ast::Instance) -> Result<ast::Mechanism, Diagnostic> {
    let map = substitutions(template, instance)?;
    let text = substitute(&template.text, &map);
    let parsed = tok_syntax::parse(&text);
    let mechanism = parsed
        .module
        .items
        .into_iter()
        .find_map(|item| match item.kind {
            ast::ItemKind::Mechanism(mechanism) => Some(mechanism),
            _ => None,
        });
    match mechanism {
        Some(mechanism) if parsed.diagnostics.is_empty() => Ok(mechanism),
        _ => Err(Diagnostic::error(
            Code::TEMPLATE_EXPANSION,
            instance.name.span,
            "this instance does not expand to valid Tok",
        )
        .with_label("an argument does not fit where the template uses it")
        .with_note(
            parsed
                .diagnostics
                .first()
                .map(|d| d.message.clone())
                .unwrap_or_default(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitution_spares_members_and_handles_units() {
        let map = BTreeMap::from([
            ("Stake".to_string(), "STK".to_string()),
            ("rate".to_string(), "(5%)".to_string()),
        ]);
        let text = "let x: Stake = 0 Stake + Pool.rate * rate";
        assert_eq!(
            substitute(text, &map),
            "let x: STK = 0 STK + Pool.rate * (5%)"
        );
    }

    #[test]
    fn stdlib_templates_are_found() {
        let templates = stdlib_templates();
        assert!(
            templates.contains_key("std.amm.ConstantProduct"),
            "{:?}",
            templates.keys().collect::<Vec<_>>()
        );
    }
}
