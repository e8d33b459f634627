//! The span-free signature layer: every name the program declares and its
//! type, without bodies. Editing a body leaves it unchanged, so queries that
//! depend only on it are not re-run.

use std::collections::{BTreeMap, BTreeSet};

use tok_diagnostics::{Code, Diagnostic, did_you_mean};
use tok_syntax::ast;

use crate::types::{TimeUnit, Ty};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Signatures {
    pub params: BTreeMap<String, Ty>,
    pub tokens: BTreeMap<String, TokenSig>,
    pub mechanisms: BTreeMap<String, MechanismSig>,
    /// Vesting schedule name to its token.
    pub vestings: BTreeMap<String, String>,
    /// Governor name to the params it governs.
    pub governors: BTreeMap<String, BTreeSet<String>>,
    pub scenarios: BTreeSet<String>,
    /// Imported standard-library modules by the name they are used with.
    pub modules: BTreeMap<String, Vec<String>>,
    /// Templates declared in this file.
    pub templates: BTreeMap<String, crate::template::Template>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct TokenSig {
    pub decimals: u32,
    pub burnable: bool,
    pub pausable: bool,
    pub votes: bool,
    /// Names allowed to call `mint`.
    pub minters: BTreeSet<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct MechanismSig {
    pub state: BTreeMap<String, Ty>,
    pub events: BTreeMap<String, Vec<(String, Ty)>>,
    pub actions: BTreeMap<String, FnSig>,
    pub views: BTreeMap<String, FnSig>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct FnSig {
    pub params: Vec<(String, Ty)>,
    pub returns: Option<Ty>,
}

/// Default number of decimals of a token that does not say.
pub const DEFAULT_DECIMALS: u32 = 18;
/// The most decimals a token may have: `10^77` is the largest power of ten
/// below `2^256`.
pub const MAX_DECIMALS: u32 = 77;

impl Signatures {
    /// Collects the signatures of a module. Problems are not reported here;
    /// item checking reports them with spans.
    pub fn collect(module: &ast::Module) -> Signatures {
        let mut sigs = Signatures::default();
        // Tokens, imports and templates first: the rest refers to them.
        for item in &module.items {
            match &item.kind {
                ast::ItemKind::Token(decl) => {
                    sigs.tokens
                        .entry(decl.name.text.clone())
                        .or_insert_with(|| token_sig(decl));
                }
                ast::ItemKind::Use(path) => {
                    if let Some(last) = path.last() {
                        let path = path.iter().map(|name| name.text.clone()).collect();
                        sigs.modules.entry(last.text.clone()).or_insert(path);
                    }
                }
                ast::ItemKind::Mechanism(mechanism) if mechanism.is_template() => {
                    sigs.templates
                        .entry(mechanism.name.text.clone())
                        .or_insert_with(|| crate::template::Template::of(mechanism));
                }
                _ => {}
            }
        }
        for item in &module.items {
            match &item.kind {
                ast::ItemKind::Use(_) => {}
                ast::ItemKind::Param(param) => {
                    let ty = sigs.resolve_type(&param.ty, &mut Vec::new());
                    sigs.params.entry(param.name.text.clone()).or_insert(ty);
                }
                ast::ItemKind::Mechanism(mechanism) if mechanism.is_template() => {}
                ast::ItemKind::Mechanism(mechanism) => {
                    let sig = sigs.mechanism_sig(mechanism);
                    sigs.mechanisms
                        .entry(mechanism.name.text.clone())
                        .or_insert(sig);
                }
                ast::ItemKind::Instance(instance) => {
                    let expanded = sigs
                        .template(&instance.template)
                        .and_then(|t| crate::template::expand(t, instance).ok());
                    if let Some(expanded) = expanded {
                        let sig = sigs.mechanism_sig(&expanded);
                        sigs.mechanisms
                            .entry(instance.name.text.clone())
                            .or_insert(sig);
                    }
                }
                ast::ItemKind::Vesting(decl) => {
                    let token = decl
                        .settings
                        .iter()
                        .find_map(|setting| match &setting.kind {
                            ast::SettingKind::Value { name, value } if name.text == "token" => {
                                match &value.kind {
                                    ast::ExprKind::Name(token) => Some(token.clone()),
                                    _ => None,
                                }
                            }
                            _ => None,
                        })
                        .unwrap_or_default();
                    sigs.vestings.entry(decl.name.text.clone()).or_insert(token);
                }
                ast::ItemKind::Governor(decl) => {
                    let governs = decl
                        .settings
                        .iter()
                        .filter_map(|setting| match &setting.kind {
                            ast::SettingKind::Value { name, value } if name.text == "governs" => {
                                Some(value)
                            }
                            _ => None,
                        })
                        .flat_map(|value| match &value.kind {
                            ast::ExprKind::List(items) => items.iter().collect(),
                            _ => vec![value],
                        })
                        .filter_map(|value| match &value.kind {
                            ast::ExprKind::Name(name) => Some(name.clone()),
                            _ => None,
                        })
                        .collect();
                    sigs.governors
                        .entry(decl.name.text.clone())
                        .or_insert(governs);
                }
                ast::ItemKind::Scenario(scenario) => {
                    sigs.scenarios.insert(scenario.name.text.clone());
                }
                ast::ItemKind::Token(_) | ast::ItemKind::Error => {}
            }
        }
        sigs
    }

    fn mechanism_sig(&self, mechanism: &ast::Mechanism) -> MechanismSig {
        let mut sig = MechanismSig::default();
        let mut sink = Vec::new();
        for member in &mechanism.members {
            match &member.kind {
                ast::MemberKind::State(fields) => {
                    for field in fields {
                        let ty = self.resolve_type(&field.ty, &mut sink);
                        sig.state.entry(field.name.text.clone()).or_insert(ty);
                    }
                }
                ast::MemberKind::Event { name, fields } => {
                    let fields = self.fields(fields, &mut sink);
                    sig.events.entry(name.text.clone()).or_insert(fields);
                }
                ast::MemberKind::Action(function) | ast::MemberKind::View(function) => {
                    let fn_sig = FnSig {
                        params: self.fields(&function.params, &mut sink),
                        returns: function
                            .returns
                            .as_ref()
                            .map(|ty| self.resolve_type(ty, &mut sink)),
                    };
                    let table = if matches!(member.kind, ast::MemberKind::Action(_)) {
                        &mut sig.actions
                    } else {
                        &mut sig.views
                    };
                    table.entry(function.name.text.clone()).or_insert(fn_sig);
                }
                ast::MemberKind::Every { .. }
                | ast::MemberKind::Invariant { .. }
                | ast::MemberKind::Error => {}
            }
        }
        sig
    }

    fn fields(&self, fields: &[ast::Field], sink: &mut Vec<Diagnostic>) -> Vec<(String, Ty)> {
        fields
            .iter()
            .map(|field| (field.name.text.clone(), self.resolve_type(&field.ty, sink)))
            .collect()
    }

    /// Turns written type syntax into a [`Ty`], reporting unknown names.
    pub fn resolve_type(&self, ty: &ast::Type, diagnostics: &mut Vec<Diagnostic>) -> Ty {
        match &ty.kind {
            ast::TypeKind::Named(name) => match name.text.as_str() {
                "uint" => Ty::Uint,
                "bool" => Ty::Bool,
                "address" => Ty::Address,
                "duration" => Ty::Duration,
                "timestamp" => Ty::Timestamp,
                "ratio" => Ty::Ratio,
                "float" => Ty::Float,
                "string" => Ty::Str,
                token if self.tokens.contains_key(token) => Ty::Amount(token.to_string()),
                other => {
                    let candidates = BUILTIN_TYPES
                        .iter()
                        .copied()
                        .chain(self.tokens.keys().map(String::as_str));
                    let mut diagnostic = Diagnostic::error(
                        Code::UNKNOWN_TYPE,
                        name.span,
                        format!("unknown type `{other}`"),
                    )
                    .with_label("not a built-in type or a declared token");
                    diagnostic = match did_you_mean(other, candidates) {
                        Some(suggestion) => diagnostic.with_did_you_mean(suggestion),
                        None => diagnostic.with_help(format!(
                            "built-in types are {}; token names are types of their amounts",
                            BUILTIN_TYPES.join(", ")
                        )),
                    };
                    diagnostics.push(diagnostic);
                    Ty::Error
                }
            },
            ast::TypeKind::Map(key, value) => Ty::Map(
                Box::new(self.resolve_type(key, diagnostics)),
                Box::new(self.resolve_type(value, diagnostics)),
            ),
            ast::TypeKind::List(element, _) => {
                Ty::List(Box::new(self.resolve_type(element, diagnostics)))
            }
            ast::TypeKind::Per(base, unit) => {
                let base_ty = self.resolve_type(base, diagnostics);
                if base_ty.is_error() {
                    return Ty::Error;
                }
                if let Some(time) = TimeUnit::from_name(&unit.text) {
                    return match base_ty {
                        Ty::Amount(_) | Ty::Ratio | Ty::Uint | Ty::Float => {
                            Ty::Rate(Box::new(base_ty), time)
                        }
                        other => {
                            diagnostics.push(
                                Diagnostic::error(
                                    Code::UNKNOWN_TYPE,
                                    ty.span,
                                    format!("`{other}` cannot be a rate"),
                                )
                                .with_label("only amounts, ratios, uints and floats have rates")
                                .with_help("write for example `EMB per day` or `ratio per year`"),
                            );
                            Ty::Error
                        }
                    };
                }
                if self.tokens.contains_key(&unit.text) {
                    return match base_ty {
                        Ty::Amount(quote) => Ty::Price {
                            quote,
                            base: unit.text.clone(),
                        },
                        other => {
                            diagnostics.push(
                                Diagnostic::error(
                                    Code::UNKNOWN_TYPE,
                                    ty.span,
                                    format!("`{other} per {}` is not a price", unit.text),
                                )
                                .with_label("a price is an amount of one token per another token")
                                .with_help(format!("write for example `USDC per {}`", unit.text)),
                            );
                            Ty::Error
                        }
                    };
                }
                let candidates = TimeUnit::ALL_NAMES
                    .iter()
                    .copied()
                    .chain(self.tokens.keys().map(String::as_str));
                let mut diagnostic = Diagnostic::error(
                    Code::UNKNOWN_UNIT,
                    unit.span,
                    format!("unknown unit `{}`", unit.text),
                )
                .with_label("expected a time unit or a token after `per`");
                if let Some(suggestion) = did_you_mean(&unit.text, candidates) {
                    diagnostic = diagnostic.with_did_you_mean(suggestion);
                }
                diagnostics.push(diagnostic);
                Ty::Error
            }
            ast::TypeKind::Error => Ty::Error,
        }
    }

    /// The template a path names: a template of this file (`Pool`), of an
    /// imported module (`amm.ConstantProduct`) or a full standard-library
    /// path (`std.amm.ConstantProduct`).
    pub fn template(&self, path: &[ast::Name]) -> Option<&crate::template::Template> {
        let names: Vec<&str> = path.iter().map(|n| n.text.as_str()).collect();
        match names.as_slice() {
            [name] => self.templates.get(*name),
            [alias, name] => {
                let module = self.modules.get(*alias)?;
                crate::template::stdlib_templates().get(&format!("{}.{name}", module.join(".")))
            }
            _ => crate::template::stdlib_templates().get(&names.join(".")),
        }
    }

    /// Every name declared at the top level.
    pub fn global_names(&self) -> impl Iterator<Item = &str> {
        self.params
            .keys()
            .chain(self.tokens.keys())
            .chain(self.mechanisms.keys())
            .chain(self.vestings.keys())
            .chain(self.governors.keys())
            .chain(self.modules.keys())
            .map(String::as_str)
    }
}

pub const BUILTIN_TYPES: &[&str] = &[
    "uint",
    "bool",
    "address",
    "duration",
    "timestamp",
    "ratio",
    "float",
    "string",
];

fn token_sig(decl: &ast::Decl) -> TokenSig {
    let mut sig = TokenSig {
        decimals: DEFAULT_DECIMALS,
        ..TokenSig::default()
    };
    for setting in &decl.settings {
        match &setting.kind {
            ast::SettingKind::Value { name, value } => match name.text.as_str() {
                "decimals" => {
                    if let ast::ExprKind::Number(digits) = &value.kind
                        && let Ok(decimals) = digits.replace('_', "").parse::<u32>()
                        && decimals <= MAX_DECIMALS
                    {
                        sig.decimals = decimals;
                    }
                }
                "minters" => {
                    if let ast::ExprKind::List(items) = &value.kind {
                        for item in items {
                            if let ast::ExprKind::Name(name) = &item.kind {
                                sig.minters.insert(name.clone());
                            }
                        }
                    }
                }
                _ => {}
            },
            ast::SettingKind::Flag(name) => match name.text.as_str() {
                "burnable" => sig.burnable = true,
                "pausable" => sig.pausable = true,
                "votes" => sig.votes = true,
                _ => {}
            },
            ast::SettingKind::Mint { .. } | ast::SettingKind::Error => {}
        }
    }
    sig
}
