//! Name resolution and type checking of one item, producing its HIR.
//!
//! Checking an item needs only the item's syntax and the program's
//! [`Signatures`], never another item's body: that is what lets the driver
//! re-check just the item a user edited.

use std::collections::{BTreeMap, BTreeSet};

use ethnum::U256;
use tok_diagnostics::{Code, Diagnostic, Span, did_you_mean};
use tok_syntax::{DigitsError, ast, decode_string, parse_digits};

use crate::hir::{
    self, ArithOp, Builtin, BuiltinFunction, Callee, GovernorMethod, TokenMethod, VestingMethod,
};
use crate::signatures::{MAX_DECIMALS, Signatures};
use crate::types::{TimeUnit, Ty};
use crate::units::{self, UnitError};

/// The HIR of one item and the problems found in it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct ItemResult {
    pub item: Option<hir::Item>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Checks one item against the program's signatures.
pub fn check_item(sigs: &Signatures, item: &ast::Item) -> ItemResult {
    let known_modules = tok_stdlib::module_paths();
    let known_modules = known_modules.as_slice();
    let mut checker = Checker::new(sigs);
    let item = match &item.kind {
        ast::ItemKind::Use(path) => checker.use_item(path, known_modules),
        ast::ItemKind::Param(param) => Some(hir::Item::Param(checker.param(param))),
        ast::ItemKind::Token(decl) => Some(hir::Item::Token(checker.token(decl))),
        // Templates are checked where they are instantiated.
        ast::ItemKind::Mechanism(mechanism) if mechanism.is_template() => None,
        ast::ItemKind::Mechanism(mechanism) => {
            Some(hir::Item::Mechanism(checker.mechanism(mechanism)))
        }
        ast::ItemKind::Instance(instance) => checker.instance(instance).map(hir::Item::Mechanism),
        ast::ItemKind::Vesting(decl) => checker.vesting(decl).map(hir::Item::Vesting),
        ast::ItemKind::Governor(decl) => checker.governor(decl).map(hir::Item::Governor),
        ast::ItemKind::Scenario(scenario) => Some(hir::Item::Scenario(checker.scenario(scenario))),
        ast::ItemKind::Error => None,
    };
    ItemResult {
        item,
        diagnostics: checker.diagnostics,
    }
}

/// Problems that concern the module as a whole: duplicate top-level names.
pub fn check_module(module: &ast::Module) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    for item in &module.items {
        if let Some(name) = item.kind.name() {
            duplicate(&mut seen, name, &mut diagnostics);
        }
    }
    diagnostics
}

fn duplicate<'a>(
    seen: &mut BTreeMap<&'a str, Span>,
    name: &'a ast::Name,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if let Some(first) = seen.get(name.text.as_str()) {
        diagnostics.push(
            Diagnostic::error(
                Code::DUPLICATE_DEFINITION,
                name.span,
                format!("`{}` is defined twice", name.text),
            )
            .with_label("second definition")
            .with_secondary(*first, "first defined here")
            .with_help("rename one of them"),
        );
    } else {
        seen.insert(&name.text, name.span);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum World {
    Chain,
    Scenario,
}

/// What kind of body is being checked; decides what it may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Body {
    /// Param defaults and declaration settings: values known at deployment.
    Constant,
    Action,
    View,
    Hook,
    Invariant,
    StateInit,
    /// Agents' `start` and `each step`, scenario `setup` and `each step`.
    Agent,
    /// Scenario settings, series and record columns: read only.
    ScenarioRead,
}

impl Body {
    fn writes(self) -> bool {
        matches!(self, Body::Action | Body::Hook | Body::Agent)
    }
}

#[derive(Default)]
struct ScenarioScope {
    series: BTreeSet<String>,
    populations: BTreeMap<String, BTreeMap<String, Ty>>,
}

/// A resolved prefix of a postfix chain.
enum Head {
    Value(hir::Expr),
    Token(String),
    Mechanism(String),
    Population(String),
    Module(String),
    Vesting(String),
    Governor(String),
    Pending { callee: Pending, name: String },
}

enum Pending {
    Token(String, TokenMethod),
    Action(String, String),
    View(String, String),
    Function(BuiltinFunction),
    ListPush(hir::Expr),
    ListContains(hir::Expr),
    Vesting(String, VestingMethod),
    Governor(String, GovernorMethod),
}

struct Checker<'a> {
    sigs: &'a Signatures,
    diagnostics: Vec<Diagnostic>,
    locals: Vec<BTreeMap<String, Ty>>,
    world: World,
    body: Body,
    mechanism: Option<String>,
    population: Option<String>,
    scenario: ScenarioScope,
}

const BUILTIN_FUNCTIONS: &[(&str, BuiltinFunction)] = &[
    ("min", BuiltinFunction::Min),
    ("max", BuiltinFunction::Max),
    ("mul_div", BuiltinFunction::MulDiv),
    ("sum", BuiltinFunction::Sum),
    ("uniform", BuiltinFunction::Uniform),
    ("normal", BuiltinFunction::Normal),
    ("bernoulli", BuiltinFunction::Bernoulli),
    ("float", BuiltinFunction::ToFloat),
    ("gbm", BuiltinFunction::Gbm),
    ("random_walk", BuiltinFunction::RandomWalk),
];

const TOKEN_MEMBERS: &[(&str, TokenMethod)] = &[
    ("total_supply", TokenMethod::TotalSupply),
    ("balance", TokenMethod::Balance),
    ("allowance", TokenMethod::Allowance),
    ("transfer", TokenMethod::Transfer),
    ("transfer_from", TokenMethod::TransferFrom),
    ("approve", TokenMethod::Approve),
    ("mint", TokenMethod::Mint),
    ("burn", TokenMethod::Burn),
    ("votes", TokenMethod::Votes),
    ("delegate", TokenMethod::Delegate),
    ("pause", TokenMethod::Pause),
    ("unpause", TokenMethod::Unpause),
];

/// Longest chain of one precedence level (`a + b + ...`) accepted; typed
/// trees nest once per operator.
const MAX_CHAIN: usize = 512;

const BUILTIN_VALUES: &[&str] = &[
    "now",
    "caller",
    "self",
    "index",
    "current_step",
    "max_value",
];

impl<'a> Checker<'a> {
    fn new(sigs: &'a Signatures) -> Self {
        Checker {
            sigs,
            diagnostics: Vec::new(),
            locals: Vec::new(),
            world: World::Chain,
            body: Body::Constant,
            mechanism: None,
            population: None,
            scenario: ScenarioScope::default(),
        }
    }

    fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn resolve_type(&mut self, ty: &ast::Type) -> Ty {
        self.resolve_type_with_bound(ty).0
    }

    /// Resolves a type; for a list type also returns its checked bound.
    fn resolve_type_with_bound(&mut self, ty: &ast::Type) -> (Ty, Option<hir::Expr>) {
        let resolved = self.sigs.resolve_type(ty, &mut self.diagnostics);
        let bound = self.check_type_bounds(ty);
        if self.world == World::Chain && resolved.is_scenario_only() {
            self.report(
                Diagnostic::error(Code::FLOAT_IN_CHAIN, ty.span, "floats are not allowed in chain code")
                    .with_label(format!("`{resolved}` holds a float"))
                    .with_note("Chain code has exact EVM arithmetic only, so it behaves identically when deployed.")
                    .with_help("use `ratio` for fractions and token amounts for quantities"),
            );
            return (Ty::Error, None);
        }
        (resolved, bound)
    }

    /// `list[T, bound]`: the bound must be a constant count. Returns the
    /// bound of a list type itself.
    fn check_type_bounds(&mut self, ty: &ast::Type) -> Option<hir::Expr> {
        match &ty.kind {
            ast::TypeKind::List(element, bound) => {
                self.reject_nested_list(element, "a list");
                self.check_type_bounds(element);
                let saved = std::mem::replace(&mut self.body, Body::Constant);
                let bound = self.expr_expect(bound, &Ty::Uint);
                self.body = saved;
                self.require_constant(&bound, "a list bound");
                Some(bound)
            }
            ast::TypeKind::Map(key, value) => {
                self.reject_nested_list(key, "a map");
                self.reject_nested_list(value, "a map");
                self.check_type_bounds(key);
                self.check_type_bounds(value);
                None
            }
            ast::TypeKind::Per(base, _) => {
                self.check_type_bounds(base);
                None
            }
            ast::TypeKind::Named(_) | ast::TypeKind::Error => None,
        }
    }

    /// Lists grow in place in one storage array each, on chain and in the
    /// simulator; one inside a map or a list has no such home.
    fn reject_nested_list(&mut self, inner: &ast::Type, outer: &str) {
        if let ast::TypeKind::List(..) = inner.kind {
            self.report(
                Diagnostic::error(
                    Code::NESTED_LIST,
                    inner.span,
                    format!("a list cannot be nested in {outer}"),
                )
                .with_label("this list")
                .with_help(
                    "declare the list as a state field of its own, or keep a count in a map",
                ),
            );
        }
    }

    fn require_constant(&mut self, expr: &hir::Expr, what: &str) {
        if !is_constant(expr) {
            self.report(
                Diagnostic::error(
                    Code::NOT_CONSTANT,
                    expr.span,
                    format!("{what} must be known at deployment"),
                )
                .with_label("this depends on state")
                .with_help("use a literal or a `param`"),
            );
        }
    }

    // ---- Items ------------------------------------------------------------------

    fn use_item(&mut self, path: &[ast::Name], known_modules: &[&str]) -> Option<hir::Item> {
        let text: Vec<String> = path.iter().map(|name| name.text.clone()).collect();
        let joined = text.join(".");
        let span = path.first()?.span.to(path.last()?.span);
        if !known_modules.contains(&joined.as_str()) {
            let mut diagnostic = Diagnostic::error(
                Code::UNKNOWN_MODULE,
                span,
                format!("unknown module `{joined}`"),
            )
            .with_label("the standard library has no such module");
            diagnostic = match did_you_mean(&joined, known_modules.iter().copied()) {
                Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
                None => {
                    diagnostic.with_help(format!("available modules: {}", known_modules.join(", ")))
                }
            };
            self.report(diagnostic);
            return None;
        }
        Some(hir::Item::Use(text))
    }

    fn param(&mut self, param: &ast::Param) -> hir::ParamDef {
        // Params are shared by both worlds; a float param is usable only in scenarios.
        self.world = World::Scenario;
        let ty = self.resolve_type(&param.ty);
        self.world = World::Chain;
        if matches!(ty, Ty::Map(..) | Ty::List(_)) {
            self.report(
                Diagnostic::error(
                    Code::TYPE_MISMATCH,
                    param.ty.span,
                    "a param cannot be a map or a list",
                )
                .with_label("params are single values fixed at deployment")
                .with_help("declare collections as mechanism `state`"),
            );
        }
        let default = param.default.as_ref().map(|value| {
            self.world = if ty.is_scenario_only() {
                World::Scenario
            } else {
                World::Chain
            };
            let value = self.expr_expect(value, &ty);
            self.world = World::Chain;
            if !is_literal(&value) && !value.ty.is_error() {
                self.report(
                    Diagnostic::error(
                        Code::NOT_CONSTANT,
                        value.span,
                        "a param default must be a literal",
                    )
                    .with_label("not a literal")
                    .with_help("write the value itself, e.g. `5%` or `1_000 EMB`"),
                );
            }
            value
        });
        hir::ParamDef {
            name: param.name.text.clone(),
            ty,
            default,
        }
    }

    fn token(&mut self, decl: &ast::Decl) -> hir::TokenDef {
        let token = decl.name.text.clone();
        let amount = Ty::Amount(token.clone());
        let mut settings = Settings::collect(self, decl, TOKEN_VALUES, TOKEN_FLAGS);
        let mut def = hir::TokenDef {
            name: token.clone(),
            display_name: token.clone(),
            symbol: token.clone(),
            decimals: self.sigs.tokens.get(&token).map_or(18, |sig| sig.decimals),
            cap: None,
            mints: Vec::new(),
            burnable: settings.flag("burnable"),
            pausable: settings.flag("pausable"),
            votes: settings.flag("votes"),
            permit: settings.flag("permit"),
            owner: None,
            minters: Vec::new(),
            transfer_fee: None,
            fee_to: None,
            fee_exempt: Vec::new(),
        };
        if let Some(value) = settings.take("name") {
            def.display_name = self.string_setting(value);
        }
        if let Some(value) = settings.take("symbol") {
            def.symbol = self.string_setting(value);
        }
        if let Some(value) = settings.take("decimals") {
            let checked = self.expr_expect(value, &Ty::Uint);
            match checked.kind {
                hir::ExprKind::Int(n) if n <= U256::from(MAX_DECIMALS) => {}
                hir::ExprKind::Error => {}
                _ => self.report(
                    Diagnostic::error(Code::INVALID_DECIMALS, value.span, "invalid `decimals`")
                        .with_label(format!("expected a whole number from 0 to {MAX_DECIMALS}"))
                        .with_note("Amounts are 256-bit integers in the token's smallest unit, so 10^decimals must fit.")
                        .with_help("most tokens use `decimals: 18`"),
                ),
            }
        }
        if let Some(value) = settings.take("cap") {
            def.cap = Some(self.constant_setting(value, &amount, "`cap`"));
        }
        if let Some(value) = settings.take("owner") {
            def.owner = Some(self.constant_setting(value, &Ty::Address, "`owner`"));
        }
        if let Some(value) = settings.take("minters") {
            def.minters = self.address_list(value);
        }
        if let Some(value) = settings.take("transfer_fee") {
            def.transfer_fee = Some(self.constant_setting(value, &Ty::Ratio, "`transfer_fee`"));
        }
        if let Some(value) = settings.take("fee_to") {
            def.fee_to = Some(self.constant_setting(value, &Ty::Address, "`fee_to`"));
        }
        if let Some(value) = settings.take("fee_exempt") {
            def.fee_exempt = self.address_list(value);
        }
        if def.pausable && def.owner.is_none() {
            self.report(
                Diagnostic::error(
                    Code::MISSING_SETTING,
                    decl.name.span,
                    format!("pausable token `{token}` has no `owner`"),
                )
                .with_label("someone must be allowed to pause")
                .with_help("add `owner: treasury` (an address param) or `owner: DAO`"),
            );
        }
        for (amount_expr, to) in std::mem::take(&mut settings.mints) {
            let amount_value = self.constant_setting(amount_expr, &amount, "a premint amount");
            let to = self.expr_expect(to, &Ty::Address);
            def.mints.push(hir::Mint {
                amount: amount_value,
                to,
            });
        }
        def
    }

    fn string_setting(&mut self, value: &ast::Expr) -> String {
        let checked = self.expr_expect(value, &Ty::Str);
        match checked.kind {
            hir::ExprKind::Str(text) => text,
            _ => String::new(),
        }
    }

    fn constant_setting(&mut self, value: &ast::Expr, ty: &Ty, what: &str) -> hir::Expr {
        let checked = self.expr_expect(value, ty);
        self.require_constant(&checked, what);
        checked
    }

    fn address_list(&mut self, value: &ast::Expr) -> Vec<hir::Expr> {
        match &value.kind {
            ast::ExprKind::List(items) => items
                .iter()
                .map(|item| self.expr_expect(item, &Ty::Address))
                .collect(),
            _ => {
                self.report(
                    Diagnostic::error(
                        Code::TYPE_MISMATCH,
                        value.span,
                        "expected a list of addresses",
                    )
                    .with_label("not a list")
                    .with_help("write `[treasury, Staking]`"),
                );
                Vec::new()
            }
        }
    }

    fn mechanism(&mut self, mechanism: &ast::Mechanism) -> hir::MechanismDef {
        let name = mechanism.name.text.clone();
        self.mechanism = Some(name.clone());
        let mut def = hir::MechanismDef {
            name,
            state: Vec::new(),
            events: Vec::new(),
            actions: Vec::new(),
            views: Vec::new(),
            hooks: Vec::new(),
            invariants: Vec::new(),
        };
        let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
        for member in &mechanism.members {
            match &member.kind {
                ast::MemberKind::State(fields) => {
                    for field in fields {
                        duplicate(&mut seen, &field.name, &mut self.diagnostics);
                    }
                }
                ast::MemberKind::Event { name, .. } => {
                    duplicate(&mut seen, name, &mut self.diagnostics)
                }
                ast::MemberKind::Action(function) | ast::MemberKind::View(function) => {
                    duplicate(&mut seen, &function.name, &mut self.diagnostics);
                }
                _ => {}
            }
        }
        for member in &mechanism.members {
            match &member.kind {
                ast::MemberKind::State(fields) => {
                    self.body = Body::StateInit;
                    for field in fields {
                        let (ty, bound) = self.resolve_type_with_bound(&field.ty);
                        let init = field.default.as_ref().map(|value| {
                            let value = self.expr_expect(value, &ty);
                            self.require_constant(&value, "a state initial value");
                            value
                        });
                        def.state.push(hir::StateField {
                            name: field.name.text.clone(),
                            ty,
                            init,
                            bound,
                        });
                    }
                }
                ast::MemberKind::Event { name, fields } => {
                    let fields = self.params(fields);
                    def.events.push(hir::EventDef {
                        name: name.text.clone(),
                        fields,
                    });
                }
                ast::MemberKind::Action(function) => {
                    def.actions.push(self.function(function, Body::Action));
                }
                ast::MemberKind::View(function) => {
                    def.views.push(self.function(function, Body::View));
                }
                ast::MemberKind::Every { period, body } => {
                    self.body = Body::Constant;
                    let period_value = self.expr_expect(period, &Ty::Duration);
                    self.require_constant(&period_value, "a hook period");
                    if let hir::ExprKind::Int(seconds) = period_value.kind
                        && seconds == U256::ZERO
                    {
                        self.report(
                            Diagnostic::error(
                                Code::TYPE_MISMATCH,
                                period.span,
                                "a hook period must be longer than zero",
                            )
                            .with_label("zero duration")
                            .with_help("write for example `every 1 day`"),
                        );
                    }
                    self.body = Body::Hook;
                    let body = self.block(body);
                    def.hooks.push(hir::Hook {
                        period: period_value,
                        body,
                    });
                }
                ast::MemberKind::Invariant { condition, message } => {
                    self.body = Body::Invariant;
                    let condition = self.condition(condition);
                    let message = message.as_ref().and_then(|message| self.reason(message));
                    def.invariants.push(hir::Invariant { condition, message });
                }
                ast::MemberKind::Error => {}
            }
        }
        self.mechanism = None;
        def
    }

    /// Checks an instance's arguments against the template's parameters,
    /// then checks the expanded mechanism. Problems inside the expansion are
    /// reported at the instance.
    fn instance(&mut self, instance: &ast::Instance) -> Option<hir::MechanismDef> {
        let template = match self.sigs.template(&instance.template) {
            Some(template) => template.clone(),
            None => {
                let path: Vec<&str> = instance.template.iter().map(|n| n.text.as_str()).collect();
                let path = path.join(".");
                let span = instance
                    .template
                    .first()?
                    .span
                    .to(instance.template.last()?.span);
                let mut candidates: Vec<String> = self.sigs.templates.keys().cloned().collect();
                for (alias, module) in &self.sigs.modules {
                    let prefix = format!("{}.", module.join("."));
                    candidates.extend(crate::template::stdlib_templates().keys().filter_map(
                        |full| {
                            full.strip_prefix(&prefix)
                                .map(|rest| format!("{alias}.{rest}"))
                        },
                    ));
                }
                let mut diagnostic = Diagnostic::error(
                    Code::UNKNOWN_TEMPLATE,
                    span,
                    format!("unknown template `{path}`"),
                )
                .with_label("no mechanism template of this name");
                diagnostic = match did_you_mean(&path, candidates.iter().map(String::as_str)) {
                    Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
                    None => diagnostic.with_help("import a standard-library module (`use std.amm`) and name its template: `amm.ConstantProduct`"),
                };
                self.report(diagnostic);
                return None;
            }
        };
        for token in &instance.tokens {
            if !self.sigs.tokens.contains_key(&token.text) {
                let mut diagnostic = Diagnostic::error(
                    Code::UNKNOWN_NAME,
                    token.span,
                    format!("unknown token `{}`", token.text),
                )
                .with_label("template parameters in `[...]` are tokens");
                if let Some(suggestion) =
                    did_you_mean(&token.text, self.sigs.tokens.keys().map(String::as_str))
                {
                    diagnostic = diagnostic.with_help(format!("did you mean `{suggestion}`?"));
                }
                self.report(diagnostic);
                return None;
            }
        }
        let map = match crate::template::substitutions(&template, instance) {
            Ok(map) => map,
            Err(diagnostic) => {
                self.report(diagnostic);
                return None;
            }
        };
        // Each argument against its parameter's type, with the tokens filled in.
        self.body = Body::Constant;
        let mut position = 0;
        for arg in &instance.args {
            let index = match &arg.name {
                Some(name) => template.params.iter().position(|(p, _)| *p == name.text),
                None => {
                    position += 1;
                    Some(position - 1)
                }
            };
            let Some((_, ty_text)) = index.and_then(|i| template.params.get(i)) else {
                continue;
            };
            let ty_text = crate::template::substitute(ty_text, &map);
            let parsed = tok_syntax::parse(&format!("param p: {ty_text}"));
            let Some(ast::ItemKind::Param(param)) =
                parsed.module.items.first().map(|item| &item.kind)
            else {
                continue;
            };
            let ty = self.sigs.resolve_type(&param.ty, &mut Vec::new());
            let value = self.expr_expect(&arg.value, &ty);
            self.require_constant(&value, "a template argument");
        }
        let expanded = match crate::template::expand(&template, instance) {
            Ok(expanded) => expanded,
            Err(diagnostic) => {
                self.report(diagnostic);
                return None;
            }
        };
        let before = self.diagnostics.len();
        let def = self.mechanism(&expanded);
        let shown: Vec<&str> = instance.template.iter().map(|n| n.text.as_str()).collect();
        let shown = shown.join(".");
        for diagnostic in &mut self.diagnostics[before..] {
            let original = std::mem::replace(
                diagnostic,
                Diagnostic::error(Code::TEMPLATE_EXPANSION, instance.name.span, ""),
            );
            *diagnostic = Diagnostic::error(
                Code::TEMPLATE_EXPANSION,
                instance.name.span,
                format!(
                    "`{}` does not check as an instance of `{shown}`",
                    instance.name.text
                ),
            )
            .with_label(format!(
                "in the expansion: [{}] {}",
                original.code.as_str(),
                original.message
            ))
            .with_help(original.help.unwrap_or_else(|| {
                "check the tokens and arguments against the template's parameters".to_string()
            }));
        }
        Some(def)
    }

    fn params(&mut self, fields: &[ast::Field]) -> Vec<(String, Ty)> {
        let mut seen = BTreeMap::new();
        fields
            .iter()
            .map(|field| {
                duplicate(&mut seen, &field.name, &mut self.diagnostics);
                if let Some(default) = &field.default {
                    self.report(
                        Diagnostic::error(
                            Code::UNEXPECTED_TOKEN,
                            default.span,
                            "parameters cannot have defaults",
                        )
                        .with_label("remove this default")
                        .with_help("defaults belong to `param` declarations and `state` fields"),
                    );
                }
                let ty = self.resolve_type(&field.ty);
                let ty = self.single_value(ty, &field.ty, "a parameter or event field");
                (field.name.text.clone(), ty)
            })
            .collect()
    }

    /// Collections live in state; what crosses a call or an event is one value.
    fn single_value(&mut self, ty: Ty, written: &ast::Type, what: &str) -> Ty {
        if !matches!(ty, Ty::Map(..) | Ty::List(_)) {
            return ty;
        }
        self.report(
            Diagnostic::error(
                Code::TYPE_MISMATCH,
                written.span,
                format!("{what} cannot be a map or a list"),
            )
            .with_label("only single values cross calls and events")
            .with_help("keep collections in mechanism `state` and pass keys or indices"),
        );
        Ty::Error
    }

    fn function(&mut self, function: &ast::Function, body_kind: Body) -> hir::Function {
        self.body = body_kind;
        let params = self.params(&function.params);
        let access = function
            .access
            .iter()
            .filter_map(|name| self.access(name))
            .collect();
        let returns = function.returns.as_ref().map(|ty| {
            let resolved = self.resolve_type(ty);
            self.single_value(resolved, ty, "a return value")
        });
        self.locals.push(params.iter().cloned().collect());
        let returns_for_body = returns.clone();
        let body = self.block_with(&function.body, returns_for_body.as_ref());
        self.locals.pop();
        if let Some(ty) = &returns
            && !ty.is_error()
            && !always_returns(&body)
        {
            self.report(
                Diagnostic::error(
                    Code::MISSING_RETURN,
                    function.name.span,
                    format!("view `{}` may not return a value", function.name.text),
                )
                .with_label(format!("declared to return `{ty}`"))
                .with_help("end every path with `return <value>`"),
            );
        }
        hir::Function {
            name: function.name.text.clone(),
            params,
            access,
            returns,
            body,
        }
    }

    fn access(&mut self, name: &ast::Name) -> Option<hir::Access> {
        let text = &name.text;
        if self.sigs.governors.contains_key(text) {
            return Some(hir::Access::Governor(text.clone()));
        }
        if self.sigs.mechanisms.contains_key(text) {
            return Some(hir::Access::Mechanism(text.clone()));
        }
        if self.sigs.params.get(text) == Some(&Ty::Address) {
            return Some(hir::Access::Param(text.clone()));
        }
        let candidates: Vec<&str> = self
            .sigs
            .governors
            .keys()
            .chain(self.sigs.mechanisms.keys())
            .map(String::as_str)
            .chain(
                self.sigs
                    .params
                    .iter()
                    .filter(|(_, ty)| **ty == Ty::Address)
                    .map(|(n, _)| n.as_str()),
            )
            .collect();
        let mut diagnostic = Diagnostic::error(
            Code::UNKNOWN_ACCESS,
            name.span,
            format!("cannot restrict access to `{text}`"),
        )
        .with_label("not an address param, a governor or a mechanism");
        if let Some(suggestion) = did_you_mean(text, candidates.iter().copied()) {
            diagnostic = diagnostic.with_help(format!("did you mean `{suggestion}`?"));
        } else {
            diagnostic = diagnostic.with_help(
                "declare `param admin: address` or a `governor`, and write `only admin`",
            );
        }
        self.report(diagnostic);
        None
    }

    fn vesting(&mut self, decl: &ast::Decl) -> Option<hir::VestingDef> {
        let mut settings = Settings::collect(self, decl, VESTING_VALUES, &[]);
        let token = settings
            .take("token")
            .and_then(|value| self.token_name(value));
        let beneficiary = settings
            .take("beneficiary")
            .map(|v| self.constant_setting(v, &Ty::Address, "`beneficiary`"));
        let start = settings
            .take("start")
            .map(|v| self.constant_setting(v, &Ty::Duration, "`start`"));
        let cliff = settings
            .take("cliff")
            .map(|v| self.constant_setting(v, &Ty::Duration, "`cliff`"));
        let duration = settings
            .take("duration")
            .map(|v| self.constant_setting(v, &Ty::Duration, "`duration`"));
        let tge = settings
            .take("tge")
            .map(|v| self.constant_setting(v, &Ty::Ratio, "`tge`"));
        let token = self.required(token, &settings, "token", decl, "token: EMB")?;
        let beneficiary = self.required(
            beneficiary,
            &settings,
            "beneficiary",
            decl,
            "beneficiary: team_wallet",
        )?;
        let duration = self.required(duration, &settings, "duration", decl, "duration: 4 years")?;
        Some(hir::VestingDef {
            name: decl.name.text.clone(),
            token,
            beneficiary,
            start,
            cliff,
            duration,
            tge,
        })
    }

    fn governor(&mut self, decl: &ast::Decl) -> Option<hir::GovernorDef> {
        let mut settings = Settings::collect(self, decl, GOVERNOR_VALUES, &[]);
        let token = settings
            .take("token")
            .and_then(|value| self.token_name(value));
        if let Some(token) = &token
            && self.sigs.tokens.get(token).is_some_and(|sig| !sig.votes)
            && let Some(value) = settings.values.get("token")
        {
            let span = value.span;
            self.report(
                Diagnostic::error(
                    Code::TYPE_MISMATCH,
                    span,
                    format!("token `{token}` has no voting power"),
                )
                .with_label("a governor counts votes of a `votes` token")
                .with_help(format!("add the `votes` flag to `token {token}`")),
            );
        }
        let voting_delay = settings
            .take("voting_delay")
            .map(|v| self.constant_setting(v, &Ty::Duration, "`voting_delay`"));
        let voting_period = settings
            .take("voting_period")
            .map(|v| self.constant_setting(v, &Ty::Duration, "`voting_period`"));
        let quorum = settings
            .take("quorum")
            .map(|v| self.constant_setting(v, &Ty::Ratio, "`quorum`"));
        let timelock = settings
            .take("timelock")
            .map(|v| self.constant_setting(v, &Ty::Duration, "`timelock`"));
        let proposal_threshold = match (settings.take("proposal_threshold"), &token) {
            (Some(value), Some(token)) => Some(self.constant_setting(
                value,
                &Ty::Amount(token.clone()),
                "`proposal_threshold`",
            )),
            _ => None,
        };
        let mut governs = Vec::new();
        if let Some(value) = settings.take("governs") {
            let items: Vec<&ast::Expr> = match &value.kind {
                ast::ExprKind::List(items) => items.iter().collect(),
                _ => vec![value],
            };
            for item in items {
                match &item.kind {
                    ast::ExprKind::Name(name) if self.sigs.params.contains_key(name) => {
                        governs.push(name.clone())
                    }
                    _ => {
                        let mut diagnostic = Diagnostic::error(
                            Code::NOT_GOVERNABLE,
                            item.span,
                            "a governor can govern only params",
                        )
                        .with_label("not a param");
                        if let ast::ExprKind::Name(name) = &item.kind
                            && let Some(suggestion) =
                                did_you_mean(name, self.sigs.params.keys().map(String::as_str))
                        {
                            diagnostic =
                                diagnostic.with_help(format!("did you mean `{suggestion}`?"));
                        } else {
                            diagnostic =
                                diagnostic.with_help("list param names: `governs: [inflation]`");
                        }
                        self.report(diagnostic);
                    }
                }
            }
        }
        let token = self.required(token, &settings, "token", decl, "token: EMB")?;
        let voting_delay = self.required(
            voting_delay,
            &settings,
            "voting_delay",
            decl,
            "voting_delay: 1 day",
        )?;
        let voting_period = self.required(
            voting_period,
            &settings,
            "voting_period",
            decl,
            "voting_period: 1 week",
        )?;
        let quorum = self.required(quorum, &settings, "quorum", decl, "quorum: 4%")?;
        let timelock = self.required(timelock, &settings, "timelock", decl, "timelock: 2 days")?;
        Some(hir::GovernorDef {
            name: decl.name.text.clone(),
            token,
            voting_delay,
            voting_period,
            quorum,
            proposal_threshold,
            timelock,
            governs,
        })
    }

    /// Reports a required setting that is absent (one that is present but
    /// invalid was already reported).
    fn required<T>(
        &mut self,
        value: Option<T>,
        settings: &Settings<'_>,
        setting: &str,
        decl: &ast::Decl,
        example: &str,
    ) -> Option<T> {
        if value.is_none() && !settings.values.contains_key(setting) {
            self.report(
                Diagnostic::error(
                    Code::MISSING_SETTING,
                    decl.name.span,
                    format!("`{}` has no `{setting}`", decl.name.text),
                )
                .with_label(format!("`{setting}` is required"))
                .with_help(format!("add `{example}`")),
            );
        }
        value
    }

    fn token_name(&mut self, value: &ast::Expr) -> Option<String> {
        if let ast::ExprKind::Name(name) = &value.kind {
            if self.sigs.tokens.contains_key(name) {
                return Some(name.clone());
            }
            let mut diagnostic = Diagnostic::error(
                Code::UNKNOWN_NAME,
                value.span,
                format!("unknown token `{name}`"),
            )
            .with_label("not a declared token");
            if let Some(suggestion) =
                did_you_mean(name, self.sigs.tokens.keys().map(String::as_str))
            {
                diagnostic = diagnostic.with_help(format!("did you mean `{suggestion}`?"));
            }
            self.report(diagnostic);
            return None;
        }
        self.report(
            Diagnostic::error(Code::TYPE_MISMATCH, value.span, "expected a token name")
                .with_label("not a token")
                .with_help("write the token's name, e.g. `token: EMB`"),
        );
        None
    }

    fn scenario(&mut self, scenario: &ast::Scenario) -> hir::ScenarioDef {
        self.world = World::Scenario;
        self.body = Body::ScenarioRead;
        // Names a scenario declares are visible throughout it.
        for entry in &scenario.entries {
            match &entry.kind {
                ast::ScenarioEntryKind::Series { name, .. } => {
                    self.scenario.series.insert(name.text.clone());
                }
                ast::ScenarioEntryKind::Agents(agents) => {
                    let mut state = BTreeMap::new();
                    let mut sink = Vec::new();
                    for member in &agents.members {
                        if let ast::AgentMemberKind::State(fields) = &member.kind {
                            for field in fields {
                                state.insert(
                                    field.name.text.clone(),
                                    self.sigs.resolve_type(&field.ty, &mut sink),
                                );
                            }
                        }
                    }
                    self.scenario
                        .populations
                        .insert(agents.name.text.clone(), state);
                }
                _ => {}
            }
        }
        let mut settings_values: BTreeMap<String, &ast::Expr> = BTreeMap::new();
        let mut setting_spans: BTreeMap<&str, Span> = BTreeMap::new();
        let mut def = hir::ScenarioDef {
            name: scenario.name.text.clone(),
            steps: hir::Expr::error(scenario.name.span),
            period: int_expr(
                U256::from(TimeUnit::Day.seconds()),
                Ty::Duration,
                scenario.name.span,
            ),
            runs: int_expr(U256::ONE, Ty::Uint, scenario.name.span),
            seed: int_expr(U256::ZERO, Ty::Uint, scenario.name.span),
            order: hir::StepOrder::Simultaneous,
            series: Vec::new(),
            agents: Vec::new(),
            setup: None,
            each_step: None,
            sweeps: Vec::new(),
            records: Vec::new(),
        };
        let mut names: BTreeMap<&str, Span> = BTreeMap::new();
        let mut column_names: BTreeMap<&str, Span> = BTreeMap::new();
        for entry in &scenario.entries {
            match &entry.kind {
                ast::ScenarioEntryKind::Setting(setting) => match &setting.kind {
                    ast::SettingKind::Value { name, value } => {
                        if let Some(first) = setting_spans.get(name.text.as_str()) {
                            self.report(duplicate_setting(name, *first));
                            continue;
                        }
                        setting_spans.insert(&name.text, name.span);
                        if SCENARIO_VALUES.contains(&name.text.as_str()) {
                            settings_values.insert(name.text.clone(), value);
                        } else {
                            self.report(unknown_setting(name, SCENARIO_VALUES, "scenario"));
                        }
                    }
                    ast::SettingKind::Flag(name) => self.report(unknown_setting(name, SCENARIO_VALUES, "scenario")),
                    ast::SettingKind::Mint { .. } => self.report(
                        Diagnostic::error(Code::MISPLACED_ITEM, setting.span, "`mint` belongs in a token declaration")
                            .with_label("not allowed in a scenario")
                            .with_help("premint in the token, then move tokens in `setup` with `as treasury { ... }`"),
                    ),
                    ast::SettingKind::Error => {}
                },
                ast::ScenarioEntryKind::Agents(agents) => {
                    duplicate(&mut names, &agents.name, &mut self.diagnostics);
                    def.agents.push(self.agents(agents));
                }
                ast::ScenarioEntryKind::Series { name, ty, value } => {
                    duplicate(&mut names, name, &mut self.diagnostics);
                    let declared = ty.as_ref().map(|ty| self.resolve_type(ty));
                    let process = self.expr(value);
                    let is_process = matches!(
                        process.kind,
                        hir::ExprKind::Call { callee: Callee::Function(BuiltinFunction::Gbm | BuiltinFunction::RandomWalk), .. }
                    );
                    if !is_process && !process.ty.is_error() {
                        self.report(
                            Diagnostic::error(Code::TYPE_MISMATCH, value.span, "a series needs a random process")
                                .with_label("not a process")
                                .with_help("use `gbm(start: 1.0, drift: 0.05, volatility: 0.3)` or `random_walk(start: 1.0, step: 0.01)`"),
                        );
                    }
                    if let Some(declared) = declared
                        && declared != Ty::Float
                        && !declared.is_error()
                    {
                        self.report(
                            Diagnostic::error(Code::TYPE_MISMATCH, ty.as_ref().map_or(name.span, |t| t.span), "series are floats")
                                .with_label(format!("declared `{declared}`"))
                                .with_help("declare `series price: float = ...`"),
                        );
                    }
                    def.series.push(hir::SeriesDef {
                        name: name.text.clone(),
                        process,
                    });
                }
                ast::ScenarioEntryKind::Sweep { param, values } => {
                    let Some(ty) = self.sigs.params.get(&param.text).cloned() else {
                        let mut diagnostic = Diagnostic::error(Code::UNKNOWN_NAME, param.span, format!("cannot sweep `{}`: no such param", param.text))
                            .with_label("not a param");
                        if let Some(suggestion) = did_you_mean(&param.text, self.sigs.params.keys().map(String::as_str)) {
                            diagnostic = diagnostic.with_help(format!("did you mean `{suggestion}`?"));
                        }
                        self.report(diagnostic);
                        continue;
                    };
                    let saved = std::mem::replace(&mut self.body, Body::Constant);
                    let values = values
                        .iter()
                        .map(|value| {
                            let value = self.expr_expect(value, &ty);
                            if !is_literal(&value) && !value.ty.is_error() {
                                self.report(
                                    Diagnostic::error(Code::NOT_CONSTANT, value.span, "sweep values must be literals")
                                        .with_label("not a literal")
                                        .with_help("list the values to try, e.g. `[2%, 5%, 10%]`"),
                                );
                            }
                            value
                        })
                        .collect();
                    self.body = saved;
                    def.sweeps.push(hir::Sweep {
                        param: param.text.clone(),
                        values,
                    });
                }
                ast::ScenarioEntryKind::Record(columns) => {
                    for (name, value) in columns {
                        // Column names are output names, a namespace of their own.
                        duplicate(&mut column_names, name, &mut self.diagnostics);
                        let value = self.expr(value);
                        if !(value.ty.is_numeric() || value.ty == Ty::Bool || value.ty.is_error()) {
                            self.report(
                                Diagnostic::error(Code::TYPE_MISMATCH, value.span, "only numbers and bools can be recorded")
                                    .with_label(format!("this is `{}`", value.ty))
                                    .with_help("record an amount, a ratio, a count or a float"),
                            );
                        }
                        def.records.push((name.text.clone(), value));
                    }
                }
                ast::ScenarioEntryKind::Setup(body) => {
                    self.body = Body::Agent;
                    def.setup = Some(self.block(body));
                    self.body = Body::ScenarioRead;
                }
                ast::ScenarioEntryKind::EachStep(body) => {
                    self.body = Body::Agent;
                    def.each_step = Some(self.block(body));
                    self.body = Body::ScenarioRead;
                }
                ast::ScenarioEntryKind::Error => {}
            }
        }
        self.body = Body::Constant;
        for (name, value) in settings_values {
            match name.as_str() {
                "steps" => def.steps = self.constant_setting(value, &Ty::Uint, "`steps`"),
                "period" => def.period = self.constant_setting(value, &Ty::Duration, "`period`"),
                "runs" => def.runs = self.constant_setting(value, &Ty::Uint, "`runs`"),
                "seed" => def.seed = self.constant_setting(value, &Ty::Uint, "`seed`"),
                "order" => match &value.kind {
                    ast::ExprKind::Name(order) if order == "simultaneous" => def.order = hir::StepOrder::Simultaneous,
                    ast::ExprKind::Name(order) if order == "sequential" => def.order = hir::StepOrder::Sequential,
                    _ => self.report(
                        Diagnostic::error(Code::TYPE_MISMATCH, value.span, "unknown step order")
                            .with_label("expected `simultaneous` or `sequential`")
                            .with_help("`simultaneous`: agents decide from the start-of-step state; `sequential`: each sees the previous agents' effects"),
                    ),
                },
                _ => {}
            }
        }
        if !setting_spans.contains_key("steps") {
            self.report(
                Diagnostic::error(
                    Code::MISSING_SETTING,
                    scenario.name.span,
                    format!("scenario `{}` has no `steps`", scenario.name.text),
                )
                .with_label("`steps` is required")
                .with_help("add `steps: 365` (and `period: 1 day` for the step length)"),
            );
        }
        self.world = World::Chain;
        def
    }

    fn agents(&mut self, agents: &ast::Agents) -> hir::AgentsDef {
        self.body = Body::Constant;
        let count = self.constant_setting(&agents.count, &Ty::Uint, "an agent count");
        let mut def = hir::AgentsDef {
            name: agents.name.text.clone(),
            count,
            state: Vec::new(),
            start: None,
            each_step: None,
        };
        self.population = Some(agents.name.text.clone());
        for member in &agents.members {
            match &member.kind {
                ast::AgentMemberKind::State(fields) => {
                    self.body = Body::Constant;
                    for field in fields {
                        let ty = self.resolve_type(&field.ty);
                        let init = field
                            .default
                            .as_ref()
                            .map(|value| self.expr_expect(value, &ty));
                        def.state.push(hir::StateField {
                            name: field.name.text.clone(),
                            ty,
                            init,
                            bound: None,
                        });
                    }
                }
                ast::AgentMemberKind::Start(body) => {
                    self.body = Body::Agent;
                    def.start = Some(self.block(body));
                }
                ast::AgentMemberKind::EachStep(body) => {
                    self.body = Body::Agent;
                    def.each_step = Some(self.block(body));
                }
                ast::AgentMemberKind::Error => {}
            }
        }
        self.population = None;
        self.body = Body::ScenarioRead;
        def
    }

    // ---- Statements -------------------------------------------------------------

    fn block(&mut self, block: &ast::Block) -> hir::Block {
        self.block_with(block, None)
    }

    fn block_with(&mut self, block: &ast::Block, returns: Option<&Ty>) -> hir::Block {
        self.locals.push(BTreeMap::new());
        let stmts = block
            .stmts
            .iter()
            .filter_map(|stmt| self.stmt(stmt, returns))
            .collect();
        self.locals.pop();
        hir::Block { stmts }
    }

    fn declare_local(&mut self, name: &str, ty: Ty) {
        if let Some(scope) = self.locals.last_mut() {
            scope.insert(name.to_string(), ty);
        }
    }

    fn stmt(&mut self, stmt: &ast::Stmt, returns: Option<&Ty>) -> Option<hir::Stmt> {
        Some(match &stmt.kind {
            ast::StmtKind::Let { name, ty, value } => {
                let value = match ty {
                    Some(ty) => {
                        let ty = self.resolve_type(ty);
                        self.expr_expect(value, &ty)
                    }
                    None => self.value(value),
                };
                self.declare_local(&name.text, value.ty.clone());
                hir::Stmt::Let {
                    name: name.text.clone(),
                    value,
                }
            }
            ast::StmtKind::Assign { target, op, value } => {
                self.assign(target, *op, value, stmt.span)?
            }
            ast::StmtKind::Expr(expr) => {
                let value = self.expr(expr);
                if !matches!(
                    value.kind,
                    hir::ExprKind::Call { .. } | hir::ExprKind::Error
                ) {
                    self.report(
                        Diagnostic::error(
                            Code::USELESS_EXPRESSION,
                            expr.span,
                            "this statement does nothing",
                        )
                        .with_label("a value computed and thrown away")
                        .with_help("bind it with `let`, or call an action"),
                    );
                }
                hir::Stmt::Call(value)
            }
            ast::StmtKind::Require { condition, reason } => {
                let condition = self.condition(condition);
                let reason = match reason {
                    Some(reason) => self.reason(reason).unwrap_or_default(),
                    None => {
                        self.report(
                            Diagnostic::error(Code::MISSING_REVERT_REASON, stmt.span, "`require` has no revert reason")
                                .with_label("a failed check here would revert without saying why")
                                .with_note("Revert reasons are part of the mechanism's interface: simulation and chain report the same reason.")
                                .with_help("add one: `require amount > 0 EMB else \"zero amount\"`"),
                        );
                        String::new()
                    }
                };
                hir::Stmt::Require { condition, reason }
            }
            ast::StmtKind::Revert { reason } => {
                self.chain_only(stmt.span, "`revert`");
                let reason = reason
                    .as_ref()
                    .and_then(|reason| self.reason(reason))
                    .unwrap_or_default();
                hir::Stmt::Revert { reason }
            }
            ast::StmtKind::Emit { event, args } => self.emit(event, args, stmt.span)?,
            ast::StmtKind::If { arms, otherwise } => {
                let arms = arms
                    .iter()
                    .map(|(condition, body)| {
                        (self.condition(condition), self.block_with(body, returns))
                    })
                    .collect();
                let otherwise = otherwise
                    .as_ref()
                    .map(|body| self.block_with(body, returns));
                hir::Stmt::If { arms, otherwise }
            }
            ast::StmtKind::For { var, iter, body } => match iter {
                ast::ForIter::Range(start, end) => {
                    let start = self.expr_expect(start, &Ty::Uint);
                    let end = self.expr_expect(end, &Ty::Uint);
                    if self.world == World::Chain && !is_constant(&end) {
                        self.report(
                            Diagnostic::error(Code::UNBOUNDED_LOOP, end.span, "loop bound is not fixed")
                                .with_label("this depends on state")
                                .with_note("On chain every loop needs a bound known at deployment, or it may run out of gas.")
                                .with_help("loop up to a literal or a `param`, or over a bounded `list`"),
                        );
                    }
                    self.locals
                        .push(BTreeMap::from([(var.text.clone(), Ty::Uint)]));
                    let body = self.block_with(body, returns);
                    self.locals.pop();
                    hir::Stmt::ForRange {
                        var: var.text.clone(),
                        start,
                        end,
                        body,
                    }
                }
                ast::ForIter::Each(collection) => {
                    let collection_value = self.for_collection(collection);
                    let element = match &collection_value.ty {
                        Ty::List(element) => (**element).clone(),
                        _ => Ty::Error,
                    };
                    self.locals
                        .push(BTreeMap::from([(var.text.clone(), element)]));
                    let body = self.block_with(body, returns);
                    self.locals.pop();
                    hir::Stmt::ForEach {
                        var: var.text.clone(),
                        collection: collection_value,
                        body,
                    }
                }
            },
            ast::StmtKind::Return(value) => {
                let Some(value) = value else { return None };
                match returns {
                    Some(ty) => {
                        let ty = ty.clone();
                        hir::Stmt::Return(self.expr_expect(value, &ty))
                    }
                    None => {
                        self.report(
                            Diagnostic::error(
                                Code::TYPE_MISMATCH,
                                stmt.span,
                                "`return` outside a view",
                            )
                            .with_label("only views return values")
                            .with_help("actions and hooks end when their block ends"),
                        );
                        return None;
                    }
                }
            }
            ast::StmtKind::As { account, body } => {
                if self.world == World::Chain {
                    self.report(
                        Diagnostic::error(Code::SCENARIO_ONLY, stmt.span, "`as` is only for scenarios")
                            .with_label("chain code cannot act as another account")
                            .with_help("mechanisms act as themselves: calls they make have `caller` = the mechanism"),
                    );
                }
                let account = self.expr_expect(account, &Ty::Address);
                let body = self.block(body);
                hir::Stmt::As { account, body }
            }
            ast::StmtKind::Error => return None,
        })
    }

    fn for_collection(&mut self, collection: &ast::Expr) -> hir::Expr {
        // A population can be iterated in scenarios: `for h in holder`.
        if let ast::ExprKind::Name(name) = &collection.kind
            && self.world == World::Scenario
            && self.scenario.populations.contains_key(name)
        {
            return hir::Expr {
                kind: hir::ExprKind::Contract(name.clone()),
                ty: Ty::List(Box::new(Ty::Address)),
                span: collection.span,
            };
        }
        let value = self.value(collection);
        if !matches!(value.ty, Ty::List(_) | Ty::Error) {
            self.report(
                Diagnostic::error(
                    Code::UNBOUNDED_LOOP,
                    collection.span,
                    format!("cannot iterate over `{}`", value.ty),
                )
                .with_label("not a list")
                .with_help("iterate over a `list[T, bound]` state field, or use `for i in 0..n`"),
            );
            return hir::Expr::error(collection.span);
        }
        value
    }

    fn chain_only(&mut self, span: Span, what: &str) {
        if self.world == World::Scenario {
            self.report(
                Diagnostic::error(
                    Code::CHAIN_ONLY,
                    span,
                    format!("{what} is only for mechanisms"),
                )
                .with_label("scenario code cannot do this")
                .with_help("scenario code acts by calling actions"),
            );
        }
    }

    /// Decodes a string literal's escapes, reporting a bad one.
    fn string_literal(&mut self, raw: &str, span: Span) -> Option<String> {
        match decode_string(raw) {
            Ok(text) => Some(text),
            Err(offset) => {
                let at = span.start + 1 + offset as u32;
                self.report(
                    Diagnostic::error(
                        Code::INVALID_ESCAPE,
                        Span::new(at, at + 2),
                        "unknown escape sequence",
                    )
                    .with_label("not an escape")
                    .with_help("known escapes are `\\n`, `\\t`, `\\\\` and `\\\"`"),
                );
                None
            }
        }
    }

    fn reason(&mut self, reason: &ast::Expr) -> Option<String> {
        match &reason.kind {
            ast::ExprKind::Str(raw) => self.string_literal(raw, reason.span),
            _ => {
                self.report(
                    Diagnostic::error(
                        Code::MISSING_REVERT_REASON,
                        reason.span,
                        "a revert reason must be a string literal",
                    )
                    .with_label("not a string")
                    .with_help("write the reason in quotes: `else \"insufficient stake\"`"),
                );
                None
            }
        }
    }

    fn emit(&mut self, event: &ast::Name, args: &[ast::Arg], span: Span) -> Option<hir::Stmt> {
        if self.world == World::Scenario {
            self.chain_only(span, "`emit`");
            return None;
        }
        if matches!(self.body, Body::View | Body::Invariant) {
            self.report(write_in_read_only(span, "emit events"));
        }
        let mechanism = self.mechanism.clone()?;
        let Some(fields) = self
            .sigs
            .mechanisms
            .get(&mechanism)
            .and_then(|sig| sig.events.get(&event.text))
            .cloned()
        else {
            let events = self
                .sigs
                .mechanisms
                .get(&mechanism)
                .map(|sig| sig.events.keys().map(String::as_str).collect::<Vec<_>>())
                .unwrap_or_default();
            let mut diagnostic = Diagnostic::error(
                Code::UNKNOWN_EVENT,
                event.span,
                format!("unknown event `{}`", event.text),
            )
            .with_label(format!("`{mechanism}` declares no such event"));
            diagnostic = match did_you_mean(&event.text, events.iter().copied()) {
                Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
                None => diagnostic.with_help(format!("declare it: `event {}(...)`", event.text)),
            };
            self.report(diagnostic);
            for arg in args {
                self.expr(&arg.value);
            }
            return None;
        };
        let args = self.arguments(&fields, args, span, &format!("event `{}`", event.text));
        Some(hir::Stmt::Emit {
            event: event.text.clone(),
            args,
        })
    }

    fn assign(
        &mut self,
        target: &ast::Expr,
        op: ast::AssignOp,
        value: &ast::Expr,
        span: Span,
    ) -> Option<hir::Stmt> {
        let place = self.expr(target);
        if place.ty.is_error() && matches!(place.kind, hir::ExprKind::Error) {
            return None;
        }
        // List elements are appended with `push`, never overwritten: a list
        // is a log of entries (stakers, members), the same on every backend.
        if let hir::ExprKind::Index { base, .. } = &place.kind
            && matches!(base.ty, Ty::List(_))
        {
            self.report(
                Diagnostic::error(
                    Code::NOT_ASSIGNABLE,
                    target.span,
                    "cannot assign to a list element",
                )
                .with_label("lists only grow")
                .with_help("append with `list.push(x)`, or keep the values in a `map[uint] T`"),
            );
            return None;
        }
        let assignable = match place_root(&place).map(|root| &root.kind) {
            Some(hir::ExprKind::State { mechanism, .. })
                if self.mechanism.as_ref() != Some(mechanism) =>
            {
                self.report(
                    Diagnostic::error(
                        Code::FOREIGN_STATE_WRITE,
                        target.span,
                        format!("cannot write the state of `{mechanism}` from here"),
                    )
                    .with_label("state belongs to its mechanism")
                    .with_help(format!(
                        "call an action of `{mechanism}` that makes the change"
                    )),
                );
                return None;
            }
            Some(_) => true,
            None => false,
        };
        if !assignable {
            let what = match &place.kind {
                hir::ExprKind::Param(name) => format!("`{name}` is a param, fixed at deployment"),
                _ => "not a local, a state field or a map entry".to_string(),
            };
            self.report(
                Diagnostic::error(Code::NOT_ASSIGNABLE, target.span, "cannot assign to this")
                    .with_label(what)
                    .with_help("params change only through a governor's proposal; declare mutable values as `state`"),
            );
            return None;
        }
        if matches!(
            place.kind,
            hir::ExprKind::State { .. } | hir::ExprKind::Index { .. }
        ) && !self.body.writes()
        {
            self.report(write_in_read_only(span, "change state"));
        }
        let arith = match op {
            ast::AssignOp::Set => None,
            ast::AssignOp::Add => Some(ast::BinaryOp::Add),
            ast::AssignOp::Sub => Some(ast::BinaryOp::Sub),
            ast::AssignOp::Mul => Some(ast::BinaryOp::Mul),
            ast::AssignOp::Div => Some(ast::BinaryOp::Div),
        };
        let Some(binary) = arith else {
            let value = self.expr_expect(value, &place.ty);
            return Some(hir::Stmt::Assign {
                place,
                op: None,
                value,
            });
        };
        let rhs = self.value(value);
        let rhs = self.adopt_zero(rhs, &place.ty);
        if place.ty.is_error() || rhs.ty.is_error() {
            return Some(hir::Stmt::Assign {
                place,
                op: None,
                value: rhs,
            });
        }
        match units::arithmetic(binary, &place.ty, &rhs.ty) {
            Ok((result, arith_op)) if result == place.ty => Some(hir::Stmt::Assign {
                place,
                op: Some(arith_op),
                value: rhs,
            }),
            Ok((result, _)) => {
                self.report(
                    Diagnostic::error(
                        Code::TYPE_MISMATCH,
                        span,
                        format!("`{}` would change the type of the target", op.as_str()),
                    )
                    .with_label(format!(
                        "the result is `{result}`, the target is `{}`",
                        place.ty
                    ))
                    .with_help("compute the new value explicitly and convert it"),
                );
                None
            }
            Err(error) => {
                let diagnostic = self.operand_error(error, binary, &place, &rhs, span);
                self.report(diagnostic);
                None
            }
        }
    }

    fn condition(&mut self, condition: &ast::Expr) -> hir::Expr {
        let value = self.value(condition);
        if value.ty != Ty::Bool && !value.ty.is_error() {
            self.report(
                Diagnostic::error(
                    Code::NOT_A_CONDITION,
                    condition.span,
                    "condition is not a `bool`",
                )
                .with_label(format!("this is `{}`", value.ty))
                .with_help("compare it: `x > 0 EMB`"),
            );
        }
        value
    }

    // ---- Expressions ------------------------------------------------------------

    /// Checks an expression that must produce a value.
    fn value(&mut self, expr: &ast::Expr) -> hir::Expr {
        let value = self.expr(expr);
        if value.ty == Ty::Void {
            self.report(
                Diagnostic::error(Code::VOID_VALUE, expr.span, "this call returns nothing")
                    .with_label("used as a value")
                    .with_help(
                        "actions change state and return nothing; read the result with a view",
                    ),
            );
            return hir::Expr::error(expr.span);
        }
        value
    }

    fn expr_expect(&mut self, expr: &ast::Expr, expected: &Ty) -> hir::Expr {
        let value = match (&expr.kind, expected) {
            (ast::ExprKind::List(items), Ty::List(element)) => {
                let items = items
                    .iter()
                    .map(|item| self.expr_expect(item, element))
                    .collect();
                hir::Expr {
                    kind: hir::ExprKind::List(items),
                    ty: expected.clone(),
                    span: expr.span,
                }
            }
            _ => self.value(expr),
        };
        let value = self.adopt_zero(value, expected);
        if value.ty != *expected && !value.ty.is_error() && !expected.is_error() {
            let mut diagnostic = Diagnostic::error(
                Code::TYPE_MISMATCH,
                expr.span,
                format!("expected `{expected}`, found `{}`", value.ty),
            )
            .with_label(format!("this is `{}`", value.ty));
            if value.ty == Ty::Uint && expected.is_numeric() {
                diagnostic = Diagnostic::error(
                    Code::MISSING_UNIT,
                    expr.span,
                    format!("expected `{expected}`, found a plain number"),
                )
                .with_label("this number has no unit")
                .with_help(unit_hint(expected));
            } else if let (Ty::Amount(a), Ty::Amount(b)) = (&value.ty, expected) {
                diagnostic = diagnostic.with_help(format!(
                    "convert with a price: `x * price` where `price: {b} per {a}`"
                ));
            }
            self.report(diagnostic);
            return hir::Expr::error(expr.span);
        }
        value
    }

    /// A literal `0` takes the unit of whatever it meets: `x > 0`.
    fn adopt_zero(&self, value: hir::Expr, target: &Ty) -> hir::Expr {
        let is_zero =
            value.ty == Ty::Uint && matches!(value.kind, hir::ExprKind::Int(n) if n == U256::ZERO);
        if is_zero && target.is_numeric() && *target != Ty::Float && *target != Ty::Timestamp {
            hir::Expr {
                ty: target.clone(),
                ..value
            }
        } else {
            value
        }
    }

    fn expr(&mut self, expr: &ast::Expr) -> hir::Expr {
        let span = expr.span;
        match &expr.kind {
            ast::ExprKind::Number(digits) => self.number(digits, span),
            ast::ExprKind::Hex(digits) => {
                let hex = digits.trim_start_matches("0x").replace('_', "");
                if hex.len() == 40 {
                    return hir::Expr {
                        kind: hir::ExprKind::Address(format!("0x{}", hex.to_ascii_lowercase())),
                        ty: Ty::Address,
                        span,
                    };
                }
                match parse_digits(digits, 0) {
                    Ok(value) => int_expr(value, Ty::Uint, span),
                    Err(_) => {
                        self.report(overflow(span));
                        hir::Expr::error(span)
                    }
                }
            }
            ast::ExprKind::Quantity { number, unit } => self.quantity(number, unit, span),
            ast::ExprKind::Str(raw) => match self.string_literal(raw, span) {
                Some(text) => hir::Expr {
                    kind: hir::ExprKind::Str(text),
                    ty: Ty::Str,
                    span,
                },
                None => hir::Expr::error(span),
            },
            ast::ExprKind::Bool(value) => hir::Expr {
                kind: hir::ExprKind::Bool(*value),
                ty: Ty::Bool,
                span,
            },
            ast::ExprKind::Name(name) => {
                let head = self.resolve_name(name, span);
                self.finish(head, span)
            }
            ast::ExprKind::List(items) if self.body != Body::Constant => {
                for item in items {
                    self.value(item);
                }
                self.report(
                    Diagnostic::error(
                        Code::TYPE_MISMATCH,
                        span,
                        "a list literal is not a value in code",
                    )
                    .with_label("lists are written only in settings and sweeps")
                    .with_help("keep a `list[T, bound]` state field and `push` to it"),
                );
                hir::Expr::error(span)
            }
            ast::ExprKind::List(items) => {
                let items: Vec<hir::Expr> = items.iter().map(|item| self.value(item)).collect();
                let element = items
                    .iter()
                    .map(|item| item.ty.clone())
                    .find(|ty| !ty.is_error())
                    .unwrap_or(Ty::Error);
                for item in &items {
                    if item.ty != element && !item.ty.is_error() {
                        self.report(
                            Diagnostic::error(
                                Code::TYPE_MISMATCH,
                                item.span,
                                "list items have different types",
                            )
                            .with_label(format!(
                                "this is `{}`, the first item is `{element}`",
                                item.ty
                            ))
                            .with_help("every item of a list has the same type"),
                        );
                    }
                }
                hir::Expr {
                    kind: hir::ExprKind::List(items),
                    ty: Ty::List(Box::new(element)),
                    span,
                }
            }
            ast::ExprKind::Paren(inner) => self.expr(inner),
            ast::ExprKind::Unary { ops, operand } => {
                let value = self.value(operand);
                // The grammar gives a run of one operator. `not not x` is `x`
                // and `--x` is `x` (float negation is exact), so only the
                // run's parity matters; this keeps the typed tree shallow.
                let Some((op, op_span)) = ops.first().copied() else {
                    return value;
                };
                let applied = self.unary(op, op_span, value.clone(), span);
                if ops.len() % 2 == 0 && !applied.ty.is_error() {
                    value
                } else {
                    applied
                }
            }
            ast::ExprKind::Binary { first, rest } => {
                let first = self.value(first);
                let logical = rest
                    .first()
                    .is_some_and(|(op, _, _)| matches!(op, ast::BinaryOp::And | ast::BinaryOp::Or));
                if logical {
                    return self.logical(first, rest, span);
                }
                if rest.len() > MAX_CHAIN {
                    self.report(
                        Diagnostic::error(Code::EXPRESSION_TOO_LONG, span, "expression too long")
                            .with_label(format!("{} operators in one chain", rest.len()))
                            .with_note(format!("Tok accepts at most {MAX_CHAIN} operators of one precedence in a row."))
                            .with_help("split the expression with `let` bindings"),
                    );
                    return hir::Expr::error(span);
                }
                let mut value = first;
                for (op, op_span, rhs) in rest {
                    let rhs = self.value(rhs);
                    value = self.binary(*op, *op_span, value, rhs);
                }
                value
            }
            ast::ExprKind::Compare {
                left,
                op,
                op_span,
                right,
            } => {
                let lhs = self.value(left);
                let rhs = self.value(right);
                let rhs = self.adopt_zero(rhs, &lhs.ty);
                let lhs = self.adopt_zero(lhs, &rhs.ty);
                let ordering = !matches!(op, ast::CompareOp::Eq | ast::CompareOp::Ne);
                if !lhs.ty.is_error()
                    && !rhs.ty.is_error()
                    && !units::comparable(&lhs.ty, &rhs.ty, ordering)
                {
                    let diagnostic = match (&lhs.ty, &rhs.ty) {
                        (Ty::Amount(a), Ty::Amount(b)) => self.token_mismatch(
                            a,
                            b,
                            &lhs,
                            &rhs,
                            format!("cannot compare `{a}` with `{b}`"),
                        ),
                        (a, Ty::Uint) if a.is_numeric() => Diagnostic::error(
                            Code::MISSING_UNIT,
                            rhs.span,
                            format!("cannot compare `{a}` with a plain number"),
                        )
                        .with_label("this number has no unit")
                        .with_help(unit_hint(a)),
                        _ => Diagnostic::error(
                            Code::INVALID_OPERANDS,
                            *op_span,
                            format!("cannot compare `{}` with `{}`", lhs.ty, rhs.ty),
                        )
                        .with_secondary(lhs.span, format!("this is `{}`", lhs.ty))
                        .with_secondary(rhs.span, format!("this is `{}`", rhs.ty))
                        .with_help("compare values of the same type"),
                    };
                    self.report(diagnostic);
                    return hir::Expr {
                        kind: hir::ExprKind::Error,
                        ty: Ty::Bool,
                        span,
                    };
                }
                hir::Expr {
                    kind: hir::ExprKind::Compare {
                        op: compare_op(*op),
                        lhs: Box::new(lhs),
                        rhs: Box::new(rhs),
                    },
                    ty: Ty::Bool,
                    span,
                }
            }
            ast::ExprKind::Power { base, exponent } => {
                let base = self.value(base);
                let exponent = self.value(exponent);
                let (ty, op) = match (&base.ty, &exponent.ty) {
                    (Ty::Uint, Ty::Uint) => (Ty::Uint, ArithOp::Pow),
                    (Ty::Ratio, Ty::Uint) => (Ty::Ratio, ArithOp::PowWad),
                    (Ty::Float, Ty::Float) => (Ty::Float, ArithOp::FloatPow),
                    (Ty::Error, _) | (_, Ty::Error) => return hir::Expr::error(span),
                    (a, b) => {
                        self.report(
                            Diagnostic::error(Code::INVALID_OPERANDS, span, format!("cannot raise `{a}` to `{b}`"))
                                .with_label("`**` raises a uint or a ratio to a uint power, or a float to a float")
                                .with_help("for decay and growth over time, use a rate: `supply * inflation * 1 day`"),
                        );
                        return hir::Expr::error(span);
                    }
                };
                hir::Expr {
                    kind: hir::ExprKind::Arith {
                        op,
                        lhs: Box::new(base),
                        rhs: Box::new(exponent),
                    },
                    ty,
                    span,
                }
            }
            ast::ExprKind::Postfix { base, suffixes } => {
                let mut head = match &base.kind {
                    ast::ExprKind::Name(name) => self.resolve_name(name, base.span),
                    _ => Head::Value(self.expr(base)),
                };
                let mut end = base.span;
                for suffix in suffixes {
                    head = self.suffix(head, suffix, Span::new(span.start, suffix.span.end), end);
                    end = suffix.span;
                }
                self.finish(head, span)
            }
            ast::ExprKind::Error => hir::Expr::error(span),
        }
    }

    fn number(&mut self, digits: &str, span: Span) -> hir::Expr {
        if digits.contains('.') {
            if self.world == World::Chain {
                self.report(
                    Diagnostic::error(Code::FLOAT_IN_CHAIN, span, "floats are not allowed in chain code")
                        .with_label("a decimal number without a unit is a float")
                        .with_note("Chain code has exact EVM arithmetic only, so it behaves identically when deployed.")
                        .with_help(format!("write a ratio (`{}%`) or give the number a unit (`{digits} EMB`)", percent_of(digits))),
                );
                return hir::Expr::error(span);
            }
            let value: f64 = digits.replace('_', "").parse().unwrap_or(f64::NAN);
            return hir::Expr {
                kind: hir::ExprKind::Float(value.to_bits()),
                ty: Ty::Float,
                span,
            };
        }
        match parse_digits(digits, 0) {
            Ok(value) => int_expr(value, Ty::Uint, span),
            Err(_) => {
                self.report(overflow(span));
                hir::Expr::error(span)
            }
        }
    }

    fn quantity(&mut self, number: &str, unit: &ast::UnitSuffix, span: Span) -> hir::Expr {
        let per_time = unit
            .per
            .as_ref()
            .and_then(|per| TimeUnit::from_name(&per.text));
        let (base_ty, decimals, multiplier) = match &unit.unit {
            None => (Ty::Ratio, 16, U256::ONE),
            Some(name) => {
                if let Some(token) = self.sigs.tokens.get(&name.text) {
                    (Ty::Amount(name.text.clone()), token.decimals, U256::ONE)
                } else if let Some(time) = TimeUnit::from_name(&name.text) {
                    (Ty::Duration, 0, U256::from(time.seconds()))
                } else {
                    let candidates = TimeUnit::ALL_NAMES
                        .iter()
                        .copied()
                        .chain(self.sigs.tokens.keys().map(String::as_str));
                    let mut diagnostic = Diagnostic::error(
                        Code::UNKNOWN_UNIT,
                        name.span,
                        format!("unknown unit `{}`", name.text),
                    )
                    .with_label("not a token, a time unit or `%`");
                    diagnostic = match did_you_mean(&name.text, candidates) {
                        Some(suggestion) => {
                            diagnostic.with_help(format!("did you mean `{suggestion}`?"))
                        }
                        None => diagnostic.with_help(
                            "units are declared tokens (`100 EMB`), time units (`30 days`) and `%`",
                        ),
                    };
                    self.report(diagnostic);
                    return hir::Expr::error(span);
                }
            }
        };
        // Price literals: `2 USDC per EMB` is WAD-scaled quote units per base unit.
        let price_base = unit
            .per
            .as_ref()
            .filter(|_| per_time.is_none())
            .and_then(|per| {
                self.sigs
                    .tokens
                    .get(&per.text)
                    .map(|sig| (per.text.clone(), sig.decimals))
            });
        if let Some(per) = &unit.per
            && per_time.is_none()
            && price_base.is_none()
        {
            self.report(
                Diagnostic::error(
                    Code::UNKNOWN_UNIT,
                    per.span,
                    format!("unknown unit `{}`", per.text),
                )
                .with_label("expected a time unit or a token after `per`")
                .with_help(
                    match did_you_mean(
                        &per.text,
                        TimeUnit::ALL_NAMES
                            .iter()
                            .copied()
                            .chain(self.sigs.tokens.keys().map(String::as_str)),
                    ) {
                        Some(suggestion) => format!("did you mean `{suggestion}`?"),
                        None => "write for example `5% per year` or `2 USDC per EMB`".to_string(),
                    },
                ),
            );
            return hir::Expr::error(span);
        }
        let (scale, divisor_digits) = match &price_base {
            Some((_, base_decimals)) => (decimals + 18, *base_decimals),
            None => (decimals, 0),
        };
        let scaled = match parse_digits(number, scale) {
            Ok(value) => value,
            Err(DigitsError::Overflow) => {
                self.report(overflow(span));
                return hir::Expr::error(span);
            }
            Err(DigitsError::TooManyDecimals) => {
                self.report(
                    Diagnostic::error(Code::TOO_MANY_DECIMALS, span, "too many decimal places")
                        .with_label(format!("`{}` has {decimals} decimals", base_ty))
                        .with_help("round the literal to the unit's precision"),
                );
                return hir::Expr::error(span);
            }
        };
        let Some(value) = scaled.checked_mul(multiplier) else {
            self.report(overflow(span));
            return hir::Expr::error(span);
        };
        let value = if divisor_digits > 0 {
            let divisor = U256::from(10u8).pow(divisor_digits);
            if value % divisor != U256::ZERO {
                self.report(
                    Diagnostic::error(
                        Code::TOO_MANY_DECIMALS,
                        span,
                        "price is finer than the tokens' precision",
                    )
                    .with_label("this price is not a whole number of WAD units")
                    .with_help("round the price"),
                );
                return hir::Expr::error(span);
            }
            value / divisor
        } else {
            value
        };
        // Durations with decimals (`1.5 days`) must come to whole seconds.
        let ty = match (base_ty, per_time, price_base) {
            (Ty::Duration, Some(_), _) | (Ty::Duration, _, Some(_)) => {
                self.report(
                    Diagnostic::error(Code::INVALID_OPERANDS, span, "a duration cannot be a rate")
                        .with_label("`per` after a time unit")
                        .with_help("rates are amounts or ratios per time: `100 EMB per day`"),
                );
                return hir::Expr::error(span);
            }
            (Ty::Ratio, _, Some(_)) => {
                self.report(
                    Diagnostic::error(Code::INVALID_OPERANDS, span, "a ratio cannot be per token")
                        .with_label("`%` with `per` a token")
                        .with_help("a price is written `2 USDC per EMB`"),
                );
                return hir::Expr::error(span);
            }
            (base, Some(time), None) => Ty::Rate(Box::new(base), time),
            (Ty::Amount(quote), None, Some((base, _))) => Ty::Price { quote, base },
            (base, _, _) => base,
        };
        int_expr(value, ty, span)
    }

    fn unary(
        &mut self,
        op: ast::UnaryOp,
        op_span: Span,
        value: hir::Expr,
        span: Span,
    ) -> hir::Expr {
        if value.ty.is_error() {
            return value;
        }
        match op {
            ast::UnaryOp::Not => {
                if value.ty != Ty::Bool {
                    self.report(
                        Diagnostic::error(
                            Code::INVALID_OPERANDS,
                            op_span,
                            format!("cannot apply `not` to `{}`", value.ty),
                        )
                        .with_label("`not` takes a bool")
                        .with_help("compare first: `not (x > 0 EMB)`"),
                    );
                    return hir::Expr::error(span);
                }
                hir::Expr {
                    kind: hir::ExprKind::Not(Box::new(value)),
                    ty: Ty::Bool,
                    span,
                }
            }
            ast::UnaryOp::Neg => {
                if value.ty != Ty::Float {
                    self.report(
                        Diagnostic::error(
                            Code::UNSIGNED_NEGATION,
                            op_span,
                            format!("cannot negate `{}`", value.ty),
                        )
                        .with_label("chain values are unsigned")
                        .with_help("subtract from a larger value instead: `a - b`"),
                    );
                    return hir::Expr::error(span);
                }
                hir::Expr {
                    kind: hir::ExprKind::Neg(Box::new(value)),
                    ty: Ty::Float,
                    span,
                }
            }
        }
    }

    fn logical(
        &mut self,
        first: hir::Expr,
        rest: &[(ast::BinaryOp, Span, ast::Expr)],
        span: Span,
    ) -> hir::Expr {
        let is_and = rest
            .first()
            .is_some_and(|(op, _, _)| *op == ast::BinaryOp::And);
        let mut operands = vec![first];
        operands.extend(rest.iter().map(|(_, _, rhs)| self.value(rhs)));
        for operand in &operands {
            if operand.ty != Ty::Bool && !operand.ty.is_error() {
                self.report(
                    Diagnostic::error(
                        Code::NOT_A_CONDITION,
                        operand.span,
                        format!("`{}` needs bools", if is_and { "and" } else { "or" }),
                    )
                    .with_label(format!("this is `{}`", operand.ty))
                    .with_help("compare it: `x > 0 EMB`"),
                );
            }
        }
        hir::Expr {
            kind: if is_and {
                hir::ExprKind::And(operands)
            } else {
                hir::ExprKind::Or(operands)
            },
            ty: Ty::Bool,
            span,
        }
    }

    fn binary(
        &mut self,
        op: ast::BinaryOp,
        op_span: Span,
        lhs: hir::Expr,
        rhs: hir::Expr,
    ) -> hir::Expr {
        let span = lhs.span.to(rhs.span);
        if lhs.ty.is_error() || rhs.ty.is_error() {
            return hir::Expr::error(span);
        }
        let rhs = if matches!(op, ast::BinaryOp::Add | ast::BinaryOp::Sub) {
            self.adopt_zero(rhs, &lhs.ty)
        } else {
            rhs
        };
        let lhs = if matches!(op, ast::BinaryOp::Add | ast::BinaryOp::Sub) {
            self.adopt_zero(lhs, &rhs.ty)
        } else {
            lhs
        };
        match units::arithmetic(op, &lhs.ty, &rhs.ty) {
            Ok((ty, arith)) => hir::Expr {
                kind: hir::ExprKind::Arith {
                    op: arith,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                },
                ty,
                span,
            },
            Err(error) => {
                let diagnostic = self.operand_error(error, op, &lhs, &rhs, op_span);
                self.report(diagnostic);
                hir::Expr::error(span)
            }
        }
    }

    fn token_mismatch(
        &self,
        a: &str,
        b: &str,
        lhs: &hir::Expr,
        rhs: &hir::Expr,
        message: String,
    ) -> Diagnostic {
        Diagnostic::error(Code::INCOMPATIBLE_TOKENS, lhs.span, message)
            .with_label(format!("this is `{a}`"))
            .with_secondary(rhs.span, format!("this is `{b}`"))
            .with_help(format!(
                "amounts of different tokens need a price to be combined, e.g. `x * price` with `price: {a} per {b}`"
            ))
    }

    fn operand_error(
        &self,
        error: UnitError,
        op: ast::BinaryOp,
        lhs: &hir::Expr,
        rhs: &hir::Expr,
        op_span: Span,
    ) -> Diagnostic {
        let verb = match op {
            ast::BinaryOp::Add => "add",
            ast::BinaryOp::Sub => "subtract",
            ast::BinaryOp::Mul => "multiply",
            ast::BinaryOp::Div => "divide",
            _ => "combine",
        };
        match error {
            UnitError::Tokens(a, b) => {
                let message = match op {
                    ast::BinaryOp::Add => format!("cannot add `{b}` to `{a}`"),
                    ast::BinaryOp::Sub => format!("cannot subtract `{b}` from `{a}`"),
                    _ => format!("cannot {verb} `{}` by `{}`", lhs.ty, rhs.ty),
                };
                self.token_mismatch(&a, &b, lhs, rhs, message)
            }
            UnitError::Periods => Diagnostic::error(
                Code::RATE_PERIOD_MISMATCH,
                op_span,
                format!("cannot {verb} `{}` and `{}`", lhs.ty, rhs.ty),
            )
            .with_secondary(lhs.span, format!("this is `{}`", lhs.ty))
            .with_secondary(rhs.span, format!("this is `{}`", rhs.ty))
            .with_help(
                "multiply one rate by a duration first, or declare both over the same period",
            ),
            UnitError::Operands
                if is_plain_number(rhs) && lhs.ty.is_numeric() && lhs.ty != Ty::Float =>
            {
                Diagnostic::error(
                    Code::MISSING_UNIT,
                    rhs.span,
                    format!("cannot {verb} `{}` and a plain number", lhs.ty),
                )
                .with_label("this number has no unit")
                .with_secondary(lhs.span, format!("this is `{}`", lhs.ty))
                .with_help(unit_hint(&lhs.ty))
            }
            UnitError::Operands
                if is_plain_number(lhs) && rhs.ty.is_numeric() && rhs.ty != Ty::Float =>
            {
                Diagnostic::error(
                    Code::MISSING_UNIT,
                    lhs.span,
                    format!("cannot {verb} a plain number and `{}`", rhs.ty),
                )
                .with_label("this number has no unit")
                .with_secondary(rhs.span, format!("this is `{}`", rhs.ty))
                .with_help(unit_hint(&rhs.ty))
            }
            UnitError::Operands => {
                let mut diagnostic = Diagnostic::error(
                    Code::INVALID_OPERANDS,
                    op_span,
                    format!("cannot {verb} `{}` and `{}`", lhs.ty, rhs.ty),
                )
                .with_secondary(lhs.span, format!("this is `{}`", lhs.ty))
                .with_secondary(rhs.span, format!("this is `{}`", rhs.ty));
                diagnostic = match (&lhs.ty, &rhs.ty, op) {
                    (Ty::Amount(_), Ty::Amount(_), ast::BinaryOp::Mul) => diagnostic.with_help("to scale by a share use `mul_div(amount, part, whole)`"),
                    (a, Ty::Uint, _) | (Ty::Uint, a, _) if a.is_numeric() => diagnostic.with_help(unit_hint(a)),
                    (Ty::Float, _, _) | (_, Ty::Float, _) => diagnostic.with_help("convert chain values with `float(x)` before mixing them with floats"),
                    _ => diagnostic.with_help("see the unit rules in the language reference: amounts scale by ratios, rates by durations"),
                };
                diagnostic
            }
        }
    }

    // ---- Names and postfix chains -----------------------------------------------

    fn lookup_local(&self, name: &str) -> Option<&Ty> {
        self.locals.iter().rev().find_map(|scope| scope.get(name))
    }

    fn resolve_name(&mut self, name: &str, span: Span) -> Head {
        if let Some(ty) = self.lookup_local(name) {
            return Head::Value(hir::Expr {
                kind: hir::ExprKind::Local(name.to_string()),
                ty: ty.clone(),
                span,
            });
        }
        if let Some(mechanism) = &self.mechanism
            && let Some(ty) = self
                .sigs
                .mechanisms
                .get(mechanism)
                .and_then(|sig| sig.state.get(name))
        {
            if self.body == Body::StateInit {
                self.report(
                    Diagnostic::error(
                        Code::NOT_CONSTANT,
                        span,
                        "a state initial value cannot read state",
                    )
                    .with_label("state is not yet initialised here")
                    .with_help("use a literal or a `param`"),
                );
                return Head::Value(hir::Expr::error(span));
            }
            return Head::Value(hir::Expr {
                kind: hir::ExprKind::State {
                    mechanism: mechanism.clone(),
                    field: name.to_string(),
                },
                ty: ty.clone(),
                span,
            });
        }
        if let Some(mechanism) = &self.mechanism
            && self
                .sigs
                .mechanisms
                .get(mechanism)
                .is_some_and(|sig| sig.views.contains_key(name))
        {
            return Head::Pending {
                callee: Pending::View(mechanism.clone(), name.to_string()),
                name: name.to_string(),
            };
        }
        if let Some(population) = &self.population
            && let Some(ty) = self
                .scenario
                .populations
                .get(population)
                .and_then(|state| state.get(name))
        {
            return Head::Value(hir::Expr {
                kind: hir::ExprKind::AgentState {
                    population: population.clone(),
                    field: name.to_string(),
                },
                ty: ty.clone(),
                span,
            });
        }
        if self.world == World::Scenario && self.scenario.series.contains(name) {
            return Head::Value(hir::Expr {
                kind: hir::ExprKind::Series(name.to_string()),
                ty: Ty::Float,
                span,
            });
        }
        if let Some(builtin) = self.builtin_value(name, span) {
            return builtin;
        }
        if let Some(ty) = self.sigs.params.get(name) {
            if self.world == World::Chain && ty.is_scenario_only() {
                self.report(
                    Diagnostic::error(
                        Code::FLOAT_IN_CHAIN,
                        span,
                        format!("param `{name}` is a float and cannot be used in chain code"),
                    )
                    .with_label(format!("this is `{ty}`"))
                    .with_help("declare it as a `ratio` or an amount to use it on chain"),
                );
                return Head::Value(hir::Expr::error(span));
            }
            return Head::Value(hir::Expr {
                kind: hir::ExprKind::Param(name.to_string()),
                ty: ty.clone(),
                span,
            });
        }
        if self.sigs.tokens.contains_key(name) {
            return Head::Token(name.to_string());
        }
        if self.sigs.mechanisms.contains_key(name) {
            return Head::Mechanism(name.to_string());
        }
        if self.sigs.vestings.contains_key(name) {
            return Head::Vesting(name.to_string());
        }
        if self.sigs.governors.contains_key(name) {
            return Head::Governor(name.to_string());
        }
        if self.world == World::Scenario && self.scenario.populations.contains_key(name) {
            return Head::Population(name.to_string());
        }
        if self.sigs.modules.contains_key(name) {
            return Head::Module(name.to_string());
        }
        if let Some((_, function)) = BUILTIN_FUNCTIONS.iter().find(|(text, _)| *text == name) {
            return Head::Pending {
                callee: Pending::Function(*function),
                name: name.to_string(),
            };
        }
        self.report(self.unknown_name(name, span));
        Head::Value(hir::Expr::error(span))
    }

    fn builtin_value(&mut self, name: &str, span: Span) -> Option<Head> {
        let (builtin, ty) = match name {
            "now" => (Builtin::Now, Ty::Timestamp),
            "caller" => {
                if self.world == World::Scenario || self.body != Body::Action {
                    self.report(
                        Diagnostic::error(
                            Code::CALLER_OUTSIDE_ACTION,
                            span,
                            "`caller` is only defined in actions",
                        )
                        .with_label(match self.body {
                            Body::Hook => "hooks run on a schedule, not on a transaction",
                            _ if self.world == World::Scenario => {
                                "scenario code is an account, not a transaction"
                            }
                            _ => "no transaction sender here",
                        })
                        .with_help(if self.world == World::Scenario {
                            "agents refer to themselves as `self`"
                        } else {
                            "pass the account as a parameter"
                        }),
                    );
                    return Some(Head::Value(hir::Expr::error(span)));
                }
                (Builtin::Caller, Ty::Address)
            }
            "self" => {
                if self.mechanism.is_none() && self.population.is_none() {
                    self.report(
                        Diagnostic::error(Code::UNKNOWN_NAME, span, "`self` is not defined here")
                            .with_label("only mechanisms and agents have an address")
                            .with_help("name the contract or account instead"),
                    );
                    return Some(Head::Value(hir::Expr::error(span)));
                }
                (Builtin::SelfAddress, Ty::Address)
            }
            "index" if self.population.is_some() => (Builtin::AgentIndex, Ty::Uint),
            "current_step" if self.world == World::Scenario => (Builtin::StepIndex, Ty::Uint),
            "deployed" => (Builtin::Deployed, Ty::Timestamp),
            _ => return None,
        };
        if matches!(builtin, Builtin::Now) && self.body == Body::Constant {
            self.report(
                Diagnostic::error(Code::NOT_CONSTANT, span, "`now` is not known at deployment")
                    .with_label("time passes")
                    .with_help("use a duration offset, e.g. `start: 30 days`"),
            );
            return Some(Head::Value(hir::Expr::error(span)));
        }
        Some(Head::Value(hir::Expr {
            kind: hir::ExprKind::Builtin(builtin),
            ty,
            span,
        }))
    }

    fn unknown_name(&self, name: &str, span: Span) -> Diagnostic {
        let mut candidates: Vec<&str> = self.sigs.global_names().collect();
        candidates.extend(
            self.locals
                .iter()
                .flat_map(|scope| scope.keys().map(String::as_str)),
        );
        if let Some(mechanism) = &self.mechanism
            && let Some(sig) = self.sigs.mechanisms.get(mechanism)
        {
            candidates.extend(sig.state.keys().map(String::as_str));
        }
        if self.world == World::Scenario {
            candidates.extend(self.scenario.series.iter().map(String::as_str));
            candidates.extend(self.scenario.populations.keys().map(String::as_str));
        }
        candidates.extend(BUILTIN_VALUES.iter().copied());
        candidates.extend(BUILTIN_FUNCTIONS.iter().map(|(text, _)| *text));
        let mut diagnostic =
            Diagnostic::error(Code::UNKNOWN_NAME, span, format!("unknown name `{name}`"))
                .with_label("not defined here");
        if let Some(suggestion) = did_you_mean(name, candidates) {
            diagnostic = diagnostic.with_help(format!("did you mean `{suggestion}`?"));
        } else if self.world == World::Chain
            && (self.scenario.series.contains(name) || name == "index")
        {
            diagnostic = diagnostic.with_help("scenario names are not visible in chain code");
        }
        diagnostic
    }

    fn suffix(&mut self, head: Head, suffix: &ast::Suffix, span: Span, base_span: Span) -> Head {
        match &suffix.kind {
            ast::SuffixKind::Member(name) => self.member(head, name, span),
            ast::SuffixKind::Call(args) => match head {
                Head::Pending { callee, name } => Head::Value(self.call(callee, &name, args, span)),
                Head::Value(value) if value.ty.is_error() => {
                    for arg in args {
                        self.expr(&arg.value);
                    }
                    Head::Value(hir::Expr::error(span))
                }
                _ => {
                    self.report(
                        Diagnostic::error(Code::NOT_CALLABLE, base_span, "this cannot be called")
                            .with_label("not an action, a view or a function")
                            .with_help("call actions and views through their mechanism: `Staking.deposit(x)`"),
                    );
                    for arg in args {
                        self.expr(&arg.value);
                    }
                    Head::Value(hir::Expr::error(span))
                }
            },
            ast::SuffixKind::Index(index) => match head {
                Head::Population(population) => {
                    let index = self.expr_expect(index, &Ty::Uint);
                    Head::Value(hir::Expr {
                        kind: hir::ExprKind::Agent {
                            population,
                            index: Box::new(index),
                        },
                        ty: Ty::Address,
                        span,
                    })
                }
                head => {
                    let base = self.finish(head, base_span);
                    match base.ty.clone() {
                        Ty::Map(key, value) => {
                            let index = self.expr_expect(index, &key);
                            Head::Value(hir::Expr {
                                kind: hir::ExprKind::Index {
                                    base: Box::new(base),
                                    index: Box::new(index),
                                },
                                ty: *value,
                                span,
                            })
                        }
                        Ty::List(element) => {
                            let index = self.expr_expect(index, &Ty::Uint);
                            Head::Value(hir::Expr {
                                kind: hir::ExprKind::Index {
                                    base: Box::new(base),
                                    index: Box::new(index),
                                },
                                ty: *element,
                                span,
                            })
                        }
                        Ty::Error => {
                            self.expr(index);
                            Head::Value(hir::Expr::error(span))
                        }
                        other => {
                            self.report(
                                Diagnostic::error(
                                    Code::NOT_INDEXABLE,
                                    base.span,
                                    format!("cannot index `{other}`"),
                                )
                                .with_label("not a map or a list")
                                .with_help("only `map[K] V` and `list[T, n]` values take `[...]`"),
                            );
                            self.expr(index);
                            Head::Value(hir::Expr::error(span))
                        }
                    }
                }
            },
        }
    }

    fn member(&mut self, head: Head, name: &ast::Name, span: Span) -> Head {
        let text = name.text.as_str();
        match head {
            Head::Token(token) => {
                let Some((_, method)) = TOKEN_MEMBERS.iter().find(|(member, _)| *member == text)
                else {
                    self.report(unknown_member(
                        name,
                        &format!("token `{token}`"),
                        TOKEN_MEMBERS.iter().map(|(m, _)| *m),
                    ));
                    return Head::Value(hir::Expr::error(span));
                };
                if *method == TokenMethod::TotalSupply {
                    return Head::Value(hir::Expr {
                        kind: hir::ExprKind::Call {
                            callee: Callee::Token {
                                token: token.clone(),
                                method: *method,
                            },
                            args: Vec::new(),
                        },
                        ty: Ty::Amount(token),
                        span,
                    });
                }
                Head::Pending {
                    callee: Pending::Token(token, *method),
                    name: text.to_string(),
                }
            }
            Head::Mechanism(mechanism) => {
                let Some(sig) = self.sigs.mechanisms.get(&mechanism) else {
                    return Head::Value(hir::Expr::error(span));
                };
                if let Some(ty) = sig.state.get(text) {
                    return Head::Value(hir::Expr {
                        kind: hir::ExprKind::State {
                            mechanism,
                            field: text.to_string(),
                        },
                        ty: ty.clone(),
                        span,
                    });
                }
                if sig.actions.contains_key(text) {
                    return Head::Pending {
                        callee: Pending::Action(mechanism, text.to_string()),
                        name: text.to_string(),
                    };
                }
                if sig.views.contains_key(text) {
                    return Head::Pending {
                        callee: Pending::View(mechanism, text.to_string()),
                        name: text.to_string(),
                    };
                }
                let members: Vec<&str> = sig
                    .state
                    .keys()
                    .chain(sig.actions.keys())
                    .chain(sig.views.keys())
                    .map(String::as_str)
                    .collect();
                self.report(unknown_member(
                    name,
                    &format!("mechanism `{mechanism}`"),
                    members,
                ));
                Head::Value(hir::Expr::error(span))
            }
            Head::Vesting(vesting) => {
                let token = self
                    .sigs
                    .vestings
                    .get(&vesting)
                    .cloned()
                    .unwrap_or_default();
                let amount = if self.sigs.tokens.contains_key(&token) {
                    Ty::Amount(token)
                } else {
                    Ty::Error
                };
                let method = match text {
                    "release" => {
                        return Head::Pending {
                            callee: Pending::Vesting(vesting, VestingMethod::Release),
                            name: text.to_string(),
                        };
                    }
                    "releasable" => VestingMethod::Releasable,
                    "released" => VestingMethod::Released,
                    _ => {
                        self.report(unknown_member(
                            name,
                            &format!("vesting `{vesting}`"),
                            ["release", "releasable", "released"],
                        ));
                        return Head::Value(hir::Expr::error(span));
                    }
                };
                Head::Value(hir::Expr {
                    kind: hir::ExprKind::Call {
                        callee: Callee::Vesting { vesting, method },
                        args: Vec::new(),
                    },
                    ty: amount,
                    span,
                })
            }
            Head::Governor(governor) => match text {
                "propose" => Head::Pending {
                    callee: Pending::Governor(
                        governor,
                        GovernorMethod::Propose {
                            param: String::new(),
                        },
                    ),
                    name: text.to_string(),
                },
                "vote" => Head::Pending {
                    callee: Pending::Governor(governor, GovernorMethod::Vote),
                    name: text.to_string(),
                },
                "execute" => Head::Pending {
                    callee: Pending::Governor(governor, GovernorMethod::Execute),
                    name: text.to_string(),
                },
                "proposals" => Head::Value(hir::Expr {
                    kind: hir::ExprKind::Call {
                        callee: Callee::Governor {
                            governor,
                            method: GovernorMethod::ProposalCount,
                        },
                        args: Vec::new(),
                    },
                    ty: Ty::Uint,
                    span,
                }),
                _ => {
                    self.report(unknown_member(
                        name,
                        &format!("governor `{governor}`"),
                        ["propose", "vote", "execute", "proposals"],
                    ));
                    Head::Value(hir::Expr::error(span))
                }
            },
            Head::Module(module) => {
                self.report(
                    Diagnostic::error(Code::UNKNOWN_MEMBER, name.span, format!("module `{module}` exports no `{text}`"))
                        .with_label("not found in the module")
                        .with_help("declare vesting schedules and governors with `vesting` and `governor` blocks"),
                );
                Head::Value(hir::Expr::error(span))
            }
            Head::Population(population) => {
                if text == "count" {
                    return Head::Value(hir::Expr {
                        kind: hir::ExprKind::Length(Box::new(hir::Expr {
                            kind: hir::ExprKind::Contract(population),
                            ty: Ty::List(Box::new(Ty::Address)),
                            span,
                        })),
                        ty: Ty::Uint,
                        span,
                    });
                }
                self.report(unknown_member(
                    name,
                    &format!("agents `{population}`"),
                    ["count"],
                ));
                Head::Value(hir::Expr::error(span))
            }
            Head::Pending { name: pending, .. } => {
                self.report(method_not_called(&pending, span));
                Head::Value(hir::Expr::error(span))
            }
            Head::Value(value) => match (&value.ty, text) {
                (Ty::Error, _) => Head::Value(hir::Expr::error(span)),
                (Ty::List(_), "length") => Head::Value(hir::Expr {
                    kind: hir::ExprKind::Length(Box::new(value)),
                    ty: Ty::Uint,
                    span,
                }),
                (Ty::List(_), "push") => Head::Pending {
                    callee: Pending::ListPush(value),
                    name: "push".to_string(),
                },
                (Ty::List(_), "contains") => Head::Pending {
                    callee: Pending::ListContains(value),
                    name: "contains".to_string(),
                },
                (Ty::List(_), _) => {
                    self.report(unknown_member(
                        name,
                        "a list",
                        ["length", "push", "contains"],
                    ));
                    Head::Value(hir::Expr::error(span))
                }
                (ty, _) => {
                    let ty = ty.clone();
                    self.report(
                        Diagnostic::error(
                            Code::UNKNOWN_MEMBER,
                            name.span,
                            format!("`{ty}` has no member `{text}`"),
                        )
                        .with_label("no such member")
                        .with_help("members belong to tokens, mechanisms and lists"),
                    );
                    Head::Value(hir::Expr::error(span))
                }
            },
        }
    }

    /// Turns a resolved head into a value.
    fn finish(&mut self, head: Head, span: Span) -> hir::Expr {
        match head {
            Head::Value(value) => value,
            Head::Token(name)
            | Head::Mechanism(name)
            | Head::Vesting(name)
            | Head::Governor(name) => hir::Expr {
                kind: hir::ExprKind::Contract(name),
                ty: Ty::Address,
                span,
            },
            Head::Population(name) | Head::Module(name) => {
                self.report(
                    Diagnostic::error(Code::NOT_A_VALUE, span, format!("`{name}` is not a value"))
                        .with_label("a population or a module")
                        .with_help("index a population to get an agent's address: `holder[0]`"),
                );
                hir::Expr::error(span)
            }
            Head::Pending { name, .. } => {
                self.report(method_not_called(&name, span));
                hir::Expr::error(span)
            }
        }
    }

    fn call(&mut self, callee: Pending, name: &str, args: &[ast::Arg], span: Span) -> hir::Expr {
        match callee {
            Pending::Token(token, method) => self.token_call(token, method, args, span),
            Pending::Action(mechanism, action) => {
                if !self.body.writes() {
                    self.report(write_in_read_only(span, "call actions"));
                }
                let params = self
                    .sigs
                    .mechanisms
                    .get(&mechanism)
                    .and_then(|sig| sig.actions.get(&action))
                    .map(|sig| sig.params.clone())
                    .unwrap_or_default();
                let args = self.arguments(
                    &params,
                    args,
                    span,
                    &format!("action `{mechanism}.{action}`"),
                );
                hir::Expr {
                    kind: hir::ExprKind::Call {
                        callee: Callee::Action { mechanism, action },
                        args,
                    },
                    ty: Ty::Void,
                    span,
                }
            }
            Pending::View(mechanism, view) => {
                let sig = self
                    .sigs
                    .mechanisms
                    .get(&mechanism)
                    .and_then(|sig| sig.views.get(&view))
                    .cloned()
                    .unwrap_or_default();
                let args = self.arguments(
                    &sig.params,
                    args,
                    span,
                    &format!("view `{mechanism}.{view}`"),
                );
                hir::Expr {
                    kind: hir::ExprKind::Call {
                        callee: Callee::View { mechanism, view },
                        args,
                    },
                    ty: sig.returns.unwrap_or(Ty::Error),
                    span,
                }
            }
            Pending::ListPush(list) => {
                if !self.body.writes() {
                    self.report(write_in_read_only(span, "change state"));
                }
                let element = match &list.ty {
                    Ty::List(element) => (**element).clone(),
                    _ => Ty::Error,
                };
                let mut args =
                    self.arguments(&[("item".to_string(), element)], args, span, "`push`");
                args.insert(0, list);
                hir::Expr {
                    kind: hir::ExprKind::Call {
                        callee: Callee::ListPush,
                        args,
                    },
                    ty: Ty::Void,
                    span,
                }
            }
            Pending::ListContains(list) => {
                let element = match &list.ty {
                    Ty::List(element) => (**element).clone(),
                    _ => Ty::Error,
                };
                let mut args =
                    self.arguments(&[("item".to_string(), element)], args, span, "`contains`");
                args.insert(0, list);
                hir::Expr {
                    kind: hir::ExprKind::Call {
                        callee: Callee::ListContains,
                        args,
                    },
                    ty: Ty::Bool,
                    span,
                }
            }
            Pending::Function(function) => self.builtin_call(function, name, args, span),
            Pending::Vesting(vesting, method) => {
                if !self.body.writes() {
                    self.report(write_in_read_only(span, "release vested tokens"));
                }
                let args = self.arguments(&[], args, span, &format!("`{vesting}.release`"));
                hir::Expr {
                    kind: hir::ExprKind::Call {
                        callee: Callee::Vesting { vesting, method },
                        args,
                    },
                    ty: Ty::Void,
                    span,
                }
            }
            Pending::Governor(governor, method) => self.governor_call(governor, method, args, span),
        }
    }

    fn governor_call(
        &mut self,
        governor: String,
        method: GovernorMethod,
        args: &[ast::Arg],
        span: Span,
    ) -> hir::Expr {
        if !self.body.writes() {
            self.report(write_in_read_only(span, "take part in governance"));
        }
        if self.world == World::Chain {
            self.report(
                Diagnostic::error(
                    Code::SCENARIO_ONLY,
                    span,
                    "governance is driven by accounts, not by mechanisms",
                )
                .with_label("proposals and votes come from scenario agents")
                .with_help("restrict the action that changes state with `only DAO` instead"),
            );
        }
        let (method, args) = match method {
            GovernorMethod::Propose { .. } => {
                let governed = self
                    .sigs
                    .governors
                    .get(&governor)
                    .cloned()
                    .unwrap_or_default();
                let [param_arg, value_arg] = args else {
                    self.report(
                        wrong_count(&format!("`{governor}.propose`"), 2, args.len(), span)
                            .with_note("write `propose(param, new_value)`"),
                    );
                    return hir::Expr::error(span);
                };
                let param = match &param_arg.value.kind {
                    ast::ExprKind::Name(param) if governed.contains(param) => param.clone(),
                    _ => {
                        self.report(
                            Diagnostic::error(
                                Code::NOT_GOVERNABLE,
                                param_arg.value.span,
                                format!("`{governor}` does not govern this"),
                            )
                            .with_label("not a governed param")
                            .with_help(format!(
                                "`{governor}` governs: {}",
                                governed.iter().cloned().collect::<Vec<_>>().join(", ")
                            )),
                        );
                        return hir::Expr::error(span);
                    }
                };
                let ty = self.sigs.params.get(&param).cloned().unwrap_or(Ty::Error);
                let value = self.expr_expect(&value_arg.value, &ty);
                (GovernorMethod::Propose { param }, vec![value])
            }
            GovernorMethod::Vote => {
                let params = [
                    ("proposal".to_string(), Ty::Uint),
                    ("support".to_string(), Ty::Bool),
                ];
                (
                    GovernorMethod::Vote,
                    self.arguments(&params, args, span, &format!("`{governor}.vote`")),
                )
            }
            other => {
                let params = [("proposal".to_string(), Ty::Uint)];
                (
                    other,
                    self.arguments(&params, args, span, &format!("`{governor}.execute`")),
                )
            }
        };
        hir::Expr {
            kind: hir::ExprKind::Call {
                callee: Callee::Governor { governor, method },
                args,
            },
            ty: Ty::Void,
            span,
        }
    }

    fn token_call(
        &mut self,
        token: String,
        method: TokenMethod,
        args: &[ast::Arg],
        span: Span,
    ) -> hir::Expr {
        let amount = Ty::Amount(token.clone());
        let address = || Ty::Address;
        let (params, returns): (Vec<(&str, Ty)>, Ty) = match method {
            TokenMethod::TotalSupply => (vec![], amount.clone()),
            TokenMethod::Balance => (vec![("who", address())], amount.clone()),
            TokenMethod::Allowance => (
                vec![("owner", address()), ("spender", address())],
                amount.clone(),
            ),
            TokenMethod::Transfer => (
                vec![("to", address()), ("amount", amount.clone())],
                Ty::Void,
            ),
            TokenMethod::TransferFrom => (
                vec![
                    ("from", address()),
                    ("to", address()),
                    ("amount", amount.clone()),
                ],
                Ty::Void,
            ),
            TokenMethod::Approve => (
                vec![("spender", address()), ("amount", amount.clone())],
                Ty::Void,
            ),
            TokenMethod::Mint => (
                vec![("to", address()), ("amount", amount.clone())],
                Ty::Void,
            ),
            TokenMethod::Burn => (vec![("amount", amount.clone())], Ty::Void),
            TokenMethod::Votes => (vec![("who", address())], amount.clone()),
            TokenMethod::Delegate => (vec![("to", address())], Ty::Void),
            TokenMethod::Pause | TokenMethod::Unpause => (vec![], Ty::Void),
        };
        if method.writes() && !self.body.writes() {
            self.report(write_in_read_only(span, "move tokens"));
        }
        if let Some(sig) = self.sigs.tokens.get(&token) {
            if method == TokenMethod::Mint {
                let allowed = self.world == World::Chain
                    && self
                        .mechanism
                        .as_ref()
                        .is_some_and(|m| sig.minters.contains(m));
                if !allowed {
                    let who = self
                        .mechanism
                        .clone()
                        .unwrap_or_else(|| "scenario code".to_string());
                    self.report(
                        Diagnostic::error(
                            Code::NOT_A_MINTER,
                            span,
                            format!("`{who}` may not mint `{token}`"),
                        )
                        .with_label("minting is restricted")
                        .with_help(match &self.mechanism {
                            Some(mechanism) => {
                                format!("add `minters: [{mechanism}]` to `token {token}`")
                            }
                            None => "only mechanisms listed in the token's `minters` can mint"
                                .to_string(),
                        }),
                    );
                }
            }
            if matches!(method, TokenMethod::Votes | TokenMethod::Delegate) && !sig.votes {
                self.report(
                    Diagnostic::error(
                        Code::UNKNOWN_MEMBER,
                        span,
                        format!("`{token}` has no voting power"),
                    )
                    .with_label(format!("`{}` needs the `votes` flag", method.name()))
                    .with_help(format!("add `votes` to `token {token}`")),
                );
            }
            if matches!(method, TokenMethod::Pause | TokenMethod::Unpause) && !sig.pausable {
                self.report(
                    Diagnostic::error(
                        Code::UNKNOWN_MEMBER,
                        span,
                        format!("`{token}` is not pausable"),
                    )
                    .with_label(format!("`{}` needs the `pausable` flag", method.name()))
                    .with_help(format!("add `pausable` and an `owner` to `token {token}`")),
                );
            }
            if method == TokenMethod::Burn && !sig.burnable {
                self.report(
                    Diagnostic::error(
                        Code::NOT_BURNABLE,
                        span,
                        format!("`{token}` is not burnable"),
                    )
                    .with_label("`burn` needs the `burnable` flag")
                    .with_help(format!("add `burnable` to `token {token}`")),
                );
            }
        }
        let params: Vec<(String, Ty)> = params
            .into_iter()
            .map(|(name, ty)| (name.to_string(), ty))
            .collect();
        let args = self.arguments(&params, args, span, &format!("`{token}.{}`", method.name()));
        hir::Expr {
            kind: hir::ExprKind::Call {
                callee: Callee::Token { token, method },
                args,
            },
            ty: returns,
            span,
        }
    }

    fn builtin_call(
        &mut self,
        function: BuiltinFunction,
        name: &str,
        args: &[ast::Arg],
        span: Span,
    ) -> hir::Expr {
        let random = matches!(
            function,
            BuiltinFunction::Uniform
                | BuiltinFunction::Normal
                | BuiltinFunction::Bernoulli
                | BuiltinFunction::Gbm
                | BuiltinFunction::RandomWalk
        );
        if random && self.world == World::Chain {
            // The arguments are not checked: the call itself is the problem.
            self.report(
                Diagnostic::error(Code::RANDOM_IN_CHAIN, span, format!("`{name}` draws randomness, which chain code cannot use"))
                    .with_label("random draws exist only in scenarios")
                    .with_note("A mechanism must behave the same on every node; randomness belongs to the agents that use it.")
                    .with_help("draw in the scenario and pass the result to an action as an argument"),
            );
            return hir::Expr::error(span);
        }
        if function == BuiltinFunction::ToFloat && self.world == World::Chain {
            self.report(
                Diagnostic::error(
                    Code::FLOAT_IN_CHAIN,
                    span,
                    "floats are not allowed in chain code",
                )
                .with_label("`float` converts to a float")
                .with_help("keep chain arithmetic in amounts and ratios"),
            );
        }
        if function == BuiltinFunction::Sum && self.body != Body::Invariant {
            self.report(
                Diagnostic::error(Code::INVARIANT_ONLY, span, "`sum` over a map is available only in invariants")
                    .with_label("summing a map needs a loop over every key")
                    .with_note("Invariants are checked by simulation and by Foundry tests, where all keys are known.")
                    .with_help("keep a running total in state, e.g. `total += amount`"),
            );
        }
        let generic = |this: &mut Self, count: usize| -> Vec<hir::Expr> {
            if args.len() != count {
                this.report(wrong_count(name, count, args.len(), span));
            }
            args.iter().map(|arg| this.value(&arg.value)).collect()
        };
        let float_params = |names: &[&str]| -> Vec<(String, Ty)> {
            names.iter().map(|n| (n.to_string(), Ty::Float)).collect()
        };
        let (args, ty) = match function {
            BuiltinFunction::Min | BuiltinFunction::Max => {
                let values = generic(self, 2);
                let ty = self.same_numeric(&values, name);
                (values, ty)
            }
            BuiltinFunction::MulDiv => {
                let values = generic(self, 3);
                let ty = match values.as_slice() {
                    [a, b, c] if [a, b, c].iter().any(|v| v.ty.is_error()) => Ty::Error,
                    [a, b, c]
                        if b.ty == c.ty
                            && a.ty.is_numeric()
                            && a.ty != Ty::Float
                            && b.ty.is_numeric()
                            && b.ty != Ty::Float =>
                    {
                        a.ty.clone()
                    }
                    [a, b, c] => {
                        self.report(
                            Diagnostic::error(Code::INVALID_OPERANDS, span, "`mul_div(a, b, c)` needs `b` and `c` of one type")
                                .with_label(format!("found `{}`, `{}`, `{}`", a.ty, b.ty, c.ty))
                                .with_help("`mul_div(reward, stake, total)` computes `reward * stake / total` at full width; the result has `a`'s type"),
                        );
                        Ty::Error
                    }
                    _ => Ty::Error,
                };
                (values, ty)
            }
            BuiltinFunction::Sum => {
                let values = generic(self, 1);
                let ty = match values.first().map(|v| &v.ty) {
                    Some(Ty::Map(_, value)) if value.is_numeric() => (**value).clone(),
                    Some(Ty::Error) | None => Ty::Error,
                    Some(other) => {
                        self.report(
                            Diagnostic::error(
                                Code::TYPE_MISMATCH,
                                span,
                                format!("cannot sum `{other}`"),
                            )
                            .with_label("`sum` takes a map of numbers")
                            .with_help("write `sum(stake)` for `stake: map[address] EMB`"),
                        );
                        Ty::Error
                    }
                };
                (values, ty)
            }
            BuiltinFunction::ToFloat => {
                let values = generic(self, 1);
                if let Some(value) = values.first()
                    && !value.ty.is_numeric()
                    && !value.ty.is_error()
                {
                    self.report(
                        Diagnostic::error(
                            Code::TYPE_MISMATCH,
                            value.span,
                            format!("cannot convert `{}` to a float", value.ty),
                        )
                        .with_label("not a number")
                        .with_help("`float` takes amounts, ratios, durations and counts"),
                    );
                }
                (values, Ty::Float)
            }
            BuiltinFunction::Uniform => (self.arguments(&[], args, span, "`uniform`"), Ty::Float),
            BuiltinFunction::Normal => (
                self.arguments(&float_params(&["mean", "sd"]), args, span, "`normal`"),
                Ty::Float,
            ),
            BuiltinFunction::Bernoulli => (
                self.arguments(&float_params(&["p"]), args, span, "`bernoulli`"),
                Ty::Bool,
            ),
            BuiltinFunction::Gbm => (
                self.arguments(
                    &float_params(&["start", "drift", "volatility"]),
                    args,
                    span,
                    "`gbm`",
                ),
                Ty::Float,
            ),
            BuiltinFunction::RandomWalk => (
                self.arguments(
                    &float_params(&["start", "step"]),
                    args,
                    span,
                    "`random_walk`",
                ),
                Ty::Float,
            ),
        };
        hir::Expr {
            kind: hir::ExprKind::Call {
                callee: Callee::Function(function),
                args,
            },
            ty,
            span,
        }
    }

    fn same_numeric(&mut self, values: &[hir::Expr], name: &str) -> Ty {
        match values {
            [a, b] if a.ty.is_error() || b.ty.is_error() => Ty::Error,
            [a, b] if a.ty == b.ty && a.ty.is_numeric() => a.ty.clone(),
            [a, b] => {
                self.report(
                    Diagnostic::error(
                        Code::INVALID_OPERANDS,
                        a.span.to(b.span),
                        format!("`{name}` needs two numbers of one type"),
                    )
                    .with_secondary(a.span, format!("this is `{}`", a.ty))
                    .with_secondary(b.span, format!("this is `{}`", b.ty))
                    .with_help("convert one side first"),
                );
                Ty::Error
            }
            _ => Ty::Error,
        }
    }

    /// Matches call arguments (positional, then named) to parameters.
    fn arguments(
        &mut self,
        params: &[(String, Ty)],
        args: &[ast::Arg],
        span: Span,
        what: &str,
    ) -> Vec<hir::Expr> {
        if args.iter().all(|arg| arg.name.is_none()) && args.len() != params.len() {
            // Positional arguments that do not line up: type errors against
            // the wrong parameters would only confuse.
            self.report(wrong_count(what, params.len(), args.len(), span));
            for arg in args {
                self.expr(&arg.value);
            }
            return Vec::new();
        }
        let mut slots: Vec<Option<hir::Expr>> = vec![None; params.len()];
        let mut position = 0;
        let mut reported = false;
        for arg in args {
            let index = match &arg.name {
                Some(name) => match params.iter().position(|(param, _)| *param == name.text) {
                    Some(index) => index,
                    None => {
                        let mut diagnostic = Diagnostic::error(
                            Code::UNKNOWN_ARGUMENT,
                            name.span,
                            format!("{what} has no parameter `{}`", name.text),
                        )
                        .with_label("unknown parameter name");
                        if let Some(suggestion) =
                            did_you_mean(&name.text, params.iter().map(|(p, _)| p.as_str()))
                        {
                            diagnostic =
                                diagnostic.with_help(format!("did you mean `{suggestion}`?"));
                        }
                        self.report(diagnostic);
                        self.expr(&arg.value);
                        reported = true;
                        continue;
                    }
                },
                None => {
                    let index = position;
                    position += 1;
                    index
                }
            };
            let Some((_, ty)) = params.get(index) else {
                self.report(wrong_count(what, params.len(), args.len(), span));
                return Vec::new();
            };
            let ty = ty.clone();
            let value = self.expr_expect(&arg.value, &ty);
            if slots[index].is_some() {
                self.report(
                    Diagnostic::error(
                        Code::UNKNOWN_ARGUMENT,
                        arg.value.span,
                        format!("parameter `{}` is given twice", params[index].0),
                    )
                    .with_label("second value")
                    .with_help("give each parameter once"),
                );
            }
            slots[index] = Some(value);
        }
        if slots.iter().any(Option::is_none) {
            if reported {
                return Vec::new();
            }
            let missing: Vec<String> = params
                .iter()
                .zip(&slots)
                .filter(|(_, slot)| slot.is_none())
                .map(|((name, _), _)| format!("`{name}`"))
                .collect();
            self.report(
                wrong_count(what, params.len(), args.len(), span)
                    .with_note(format!("missing: {}", missing.join(", "))),
            );
            return Vec::new();
        }
        slots.into_iter().flatten().collect()
    }
}

/// Token and declaration settings.
const TOKEN_VALUES: &[&str] = &[
    "name",
    "symbol",
    "decimals",
    "cap",
    "owner",
    "minters",
    "transfer_fee",
    "fee_to",
    "fee_exempt",
];
const TOKEN_FLAGS: &[&str] = &["burnable", "pausable", "votes", "permit"];
const VESTING_VALUES: &[&str] = &["token", "beneficiary", "start", "cliff", "duration", "tge"];
const GOVERNOR_VALUES: &[&str] = &[
    "token",
    "voting_delay",
    "voting_period",
    "quorum",
    "proposal_threshold",
    "timelock",
    "governs",
];
const SCENARIO_VALUES: &[&str] = &["steps", "period", "runs", "seed", "order"];

/// The settings of a declaration block, checked for unknown and repeated names.
struct Settings<'s> {
    values: BTreeMap<&'s str, &'s ast::Expr>,
    flags: BTreeSet<&'s str>,
    mints: Vec<(&'s ast::Expr, &'s ast::Expr)>,
}

impl<'s> Settings<'s> {
    fn collect(
        checker: &mut Checker<'_>,
        decl: &'s ast::Decl,
        values: &[&str],
        flags: &[&str],
    ) -> Settings<'s> {
        let mut settings = Settings {
            values: BTreeMap::new(),
            flags: BTreeSet::new(),
            mints: Vec::new(),
        };
        let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
        let allowed: Vec<&str> = values.iter().chain(flags).copied().collect();
        let kind = if flags.is_empty() {
            "this declaration"
        } else {
            "a token"
        };
        for setting in &decl.settings {
            match &setting.kind {
                ast::SettingKind::Value { name, value } => {
                    if let Some(first) = seen.get(name.text.as_str()) {
                        checker.report(duplicate_setting(name, *first));
                    } else if values.contains(&name.text.as_str()) {
                        seen.insert(&name.text, name.span);
                        settings.values.insert(&name.text, value);
                    } else if flags.contains(&name.text.as_str()) {
                        checker.report(
                            Diagnostic::error(
                                Code::UNKNOWN_SETTING,
                                setting.span,
                                format!("`{}` is a flag and takes no value", name.text),
                            )
                            .with_label("remove the value")
                            .with_help(format!("write just `{}`", name.text)),
                        );
                    } else {
                        checker.report(unknown_setting(name, &allowed, kind));
                    }
                }
                ast::SettingKind::Flag(name) => {
                    if let Some(first) = seen.get(name.text.as_str()) {
                        checker.report(duplicate_setting(name, *first));
                    } else if flags.contains(&name.text.as_str()) {
                        seen.insert(&name.text, name.span);
                        settings.flags.insert(&name.text);
                    } else if values.contains(&name.text.as_str()) {
                        checker.report(
                            Diagnostic::error(
                                Code::MISSING_SETTING,
                                name.span,
                                format!("`{}` needs a value", name.text),
                            )
                            .with_label("no value given")
                            .with_help(format!("write `{}: <value>`", name.text)),
                        );
                    } else {
                        checker.report(unknown_setting(name, &allowed, kind));
                    }
                }
                ast::SettingKind::Mint { amount, to } => {
                    if flags.is_empty() {
                        checker.report(
                            Diagnostic::error(
                                Code::MISPLACED_ITEM,
                                setting.span,
                                "`mint` belongs in a token declaration",
                            )
                            .with_label("not allowed here")
                            .with_help("premint in the token: `mint 1_000 EMB to treasury`"),
                        );
                    } else {
                        settings.mints.push((amount, to));
                    }
                }
                ast::SettingKind::Error => {}
            }
        }
        settings
    }

    fn take(&mut self, name: &str) -> Option<&'s ast::Expr> {
        self.values.get(name).copied()
    }

    fn flag(&self, name: &str) -> bool {
        self.flags.contains(name)
    }
}

fn duplicate_setting(name: &ast::Name, first: Span) -> Diagnostic {
    Diagnostic::error(
        Code::DUPLICATE_SETTING,
        name.span,
        format!("`{}` is set twice", name.text),
    )
    .with_label("second setting")
    .with_secondary(first, "first set here")
    .with_help("keep one of them")
}

fn unknown_setting(name: &ast::Name, allowed: &[&str], kind: &str) -> Diagnostic {
    let diagnostic = Diagnostic::error(
        Code::UNKNOWN_SETTING,
        name.span,
        format!("unknown setting `{}`", name.text),
    )
    .with_label(format!("{kind} has no such setting"));
    match did_you_mean(&name.text, allowed.iter().copied()) {
        Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
        None => diagnostic.with_help(format!("accepted: {}", allowed.join(", "))),
    }
}

fn unknown_member<'n>(
    name: &ast::Name,
    owner: &str,
    members: impl IntoIterator<Item = &'n str>,
) -> Diagnostic {
    let members: Vec<&str> = members.into_iter().collect();
    let diagnostic = Diagnostic::error(
        Code::UNKNOWN_MEMBER,
        name.span,
        format!("{owner} has no member `{}`", name.text),
    )
    .with_label("no such member");
    match did_you_mean(&name.text, members.iter().copied()) {
        Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
        None if members.is_empty() => diagnostic,
        None => diagnostic.with_help(format!("members: {}", members.join(", "))),
    }
}

fn method_not_called(name: &str, span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::METHOD_NOT_CALLED,
        span,
        format!("`{name}` must be called"),
    )
    .with_label("named but not called")
    .with_help(format!("add the arguments: `{name}(...)`"))
}

fn wrong_count(what: &str, expected: usize, found: usize, span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::WRONG_ARGUMENT_COUNT,
        span,
        format!(
            "{what} takes {expected} argument{}, found {found}",
            if expected == 1 { "" } else { "s" }
        ),
    )
    .with_label("wrong number of arguments")
    .with_help("check the declaration of what is called")
}

fn write_in_read_only(span: Span, what: &str) -> Diagnostic {
    Diagnostic::error(Code::WRITE_IN_VIEW, span, format!("cannot {what} here"))
        .with_label("this code is read-only")
        .with_note("Views, invariants, initial values and record columns only read state.")
        .with_help("move the change into an action or a hook")
}

fn overflow(span: Span) -> Diagnostic {
    Diagnostic::error(Code::LITERAL_OVERFLOW, span, "literal too large")
        .with_label("does not fit in 256 bits")
        .with_note("Chain integers are 256-bit; the largest is about 1.16e77 (amounts count the token's smallest unit).")
        .with_help("use a smaller value")
}

fn unit_hint(expected: &Ty) -> String {
    match expected {
        Ty::Amount(token) => format!("write the amount with its token: `100 {token}`"),
        Ty::Duration => "write a duration with its unit: `30 days`".to_string(),
        Ty::Ratio => "write a ratio as a percentage: `5%`".to_string(),
        Ty::Rate(inner, unit) => format!(
            "write a rate with its unit: `1 {} per {}`",
            match &**inner {
                Ty::Amount(t) => t.as_str(),
                _ => "%",
            },
            unit.name()
        ),
        Ty::Price { quote, base } => format!("write a price: `1 {quote} per {base}`"),
        Ty::Timestamp => "timestamps come from `now`; add a duration: `now + 7 days`".to_string(),
        other => format!("a `{other}` is expected"),
    }
}

fn percent_of(digits: &str) -> String {
    let value: f64 = digits.replace('_', "").parse().unwrap_or(0.0);
    let percent = value * 100.0;
    let text = format!("{percent:.6}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The local, state field or agent field an assignment target writes into,
/// through any map and list indexing.
fn place_root(expr: &hir::Expr) -> Option<&hir::Expr> {
    match &expr.kind {
        hir::ExprKind::Index { base, .. } => place_root(base),
        hir::ExprKind::Local(_)
        | hir::ExprKind::State { .. }
        | hir::ExprKind::AgentState { .. } => Some(expr),
        _ => None,
    }
}

fn is_plain_number(expr: &hir::Expr) -> bool {
    expr.ty == Ty::Uint && matches!(expr.kind, hir::ExprKind::Int(_))
}

fn int_expr(value: U256, ty: Ty, span: Span) -> hir::Expr {
    hir::Expr {
        kind: hir::ExprKind::Int(value),
        ty,
        span,
    }
}

fn compare_op(op: ast::CompareOp) -> hir::CompareOp {
    match op {
        ast::CompareOp::Eq => hir::CompareOp::Eq,
        ast::CompareOp::Ne => hir::CompareOp::Ne,
        ast::CompareOp::Lt => hir::CompareOp::Lt,
        ast::CompareOp::Le => hir::CompareOp::Le,
        ast::CompareOp::Gt => hir::CompareOp::Gt,
        ast::CompareOp::Ge => hir::CompareOp::Ge,
    }
}

fn is_literal(expr: &hir::Expr) -> bool {
    match &expr.kind {
        hir::ExprKind::Int(_)
        | hir::ExprKind::Float(_)
        | hir::ExprKind::Bool(_)
        | hir::ExprKind::Str(_)
        | hir::ExprKind::Address(_) => true,
        hir::ExprKind::List(items) => items.iter().all(is_literal),
        hir::ExprKind::Error => true,
        _ => false,
    }
}

/// Known at deployment: literals, params, contract addresses and arithmetic on them.
fn is_constant(expr: &hir::Expr) -> bool {
    match &expr.kind {
        hir::ExprKind::Param(_) | hir::ExprKind::Contract(_) => true,
        hir::ExprKind::Arith { lhs, rhs, .. } => is_constant(lhs) && is_constant(rhs),
        hir::ExprKind::List(items) => items.iter().all(is_constant),
        _ => is_literal(expr),
    }
}

fn always_returns(block: &hir::Block) -> bool {
    block.stmts.iter().any(|stmt| match stmt {
        hir::Stmt::Return(_) | hir::Stmt::Revert { .. } => true,
        hir::Stmt::If {
            arms,
            otherwise: Some(otherwise),
        } => arms.iter().all(|(_, body)| always_returns(body)) && always_returns(otherwise),
        _ => false,
    })
}

/// Checks a literal given outside a program (`tok sim --param fee=3%`)
/// against the type it must have.
pub fn check_literal(sigs: &Signatures, text: &str, ty: &Ty) -> Result<hir::Expr, Vec<Diagnostic>> {
    let expr = tok_syntax::parse_expr(text)?;
    let mut checker = Checker::new(sigs);
    checker.world = if ty.is_scenario_only() {
        World::Scenario
    } else {
        World::Chain
    };
    let value = checker.expr_expect(&expr, ty);
    if !is_literal(&value) && checker.diagnostics.is_empty() {
        checker.report(
            Diagnostic::error(
                Code::NOT_CONSTANT,
                value.span,
                "a param value must be a literal",
            )
            .with_label("not a literal")
            .with_help("write the value itself, e.g. `5%` or `1_000 EMB`"),
        );
    }
    if checker.diagnostics.is_empty() {
        Ok(value)
    } else {
        Err(checker.diagnostics)
    }
}
