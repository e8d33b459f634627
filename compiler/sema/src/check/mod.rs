//! Name resolution and type checking of one item, producing its HIR.
//!
//! Checking an item needs only the item's syntax and the program's
//! [`Signatures`], never another item's body: that is what lets the driver
//! re-check just the item a user edited.
//!
//! One [`Checker`] walks an item; its methods are split by what they check:
//! `items` (declarations and their members), `scenario` (scenarios and
//! agents), `statements`, `expressions` (literals, units, operators),
//! `names` (resolution and postfix chains), `calls` (actions, token,
//! vesting and governor methods, builtins) and `settings` (the settings of
//! declaration blocks). This module holds the checker's state, the entry
//! points and the diagnostics several of them build.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use ethnum::U256;
use tok_diagnostics::{Code, Diagnostic, Span, did_you_mean};
use tok_syntax::{DigitsError, ast, decode_string, parse_digits};

use crate::hir::{
    self, ArithOp, Builtin, BuiltinFunction, Callee, GovernorMethod, TokenMethod, VestingMethod,
};
use crate::signatures::{MAX_DECIMALS, Signatures};
use crate::types::{TimeUnit, Ty};
use crate::units::{self, UnitError};
use crate::vocabulary::*;

mod calls;
mod expressions;
mod items;
mod names;
mod resolutions;
mod scenario;
mod settings;
mod statements;

use resolutions::full_template_path;
use settings::*;

/// The HIR of one item and the problems found in it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct ItemResult {
    pub item: Option<Arc<hir::Item>>,
    pub diagnostics: Vec<Diagnostic>,
    /// Every name of the item the checker resolved, with what it refers
    /// to, in the order met (item-relative spans).
    pub resolutions: Vec<hir::Resolution>,
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
        ast::ItemKind::Mechanism(mechanism) if mechanism.is_template() => {
            let definition = hir::Definition::Template(mechanism.name.text.clone());
            checker.declares(mechanism.name.span, definition, None);
            None
        }
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
        item: item.map(Arc::new),
        diagnostics: checker.diagnostics,
        resolutions: checker.resolutions,
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

/// A local in scope: its type, and where it is declared.
#[derive(Clone)]
struct Local {
    ty: Ty,
    declared: Span,
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
    /// What each resolved name refers to (see [`hir::Resolution`]).
    resolutions: Vec<hir::Resolution>,
    locals: Vec<BTreeMap<String, Local>>,
    world: World,
    body: Body,
    mechanism: Option<String>,
    population: Option<String>,
    scenario: ScenarioScope,
}

/// Longest chain of one precedence level (`a + b + ...`) accepted; typed
/// trees nest once per operator.
const MAX_CHAIN: usize = 512;

impl<'a> Checker<'a> {
    fn new(sigs: &'a Signatures) -> Self {
        Checker {
            sigs,
            diagnostics: Vec::new(),
            resolutions: Vec::new(),
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
        self.refers_in_type(ty);
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
        Some(suggestion) => diagnostic.with_did_you_mean(suggestion),
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

/// The unit a bare number would need to be `expected`, as written after
/// it: `EMB`, `days`, `EMB per day` (none for a type without one).
fn unit_suffix(expected: &Ty) -> Option<String> {
    match expected {
        Ty::Amount(token) => Some(token.clone()),
        Ty::Ratio => Some("%".to_string()),
        Ty::Duration => Some("days".to_string()),
        Ty::Rate(inner, period) => {
            let inner = match &**inner {
                Ty::Ratio => "%".to_string(),
                other => unit_suffix(other)?,
            };
            Some(format!("{inner} per {}", period.name()))
        }
        _ => None,
    }
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

/// A rate literal written over another period, when the value converts
/// exactly: `2% per day` over a year is `730% per year`, `50_000 GEM per
/// day` over a week `350_000 GEM per week`. `None` for anything but a
/// literal rate of a ratio or an amount, or when the conversion would
/// round.
fn rate_literal_over(sigs: &Signatures, literal: &hir::Expr, period: TimeUnit) -> Option<String> {
    let (hir::ExprKind::Int(value), Ty::Rate(inner, from)) = (&literal.kind, &literal.ty) else {
        return None;
    };
    let (scale, unit) = match &**inner {
        Ty::Ratio => (16, "%".to_string()),
        Ty::Amount(token) => (sigs.tokens.get(token)?.decimals, format!(" {token}")),
        _ => return None,
    };
    let scaled = value.checked_mul(U256::from(period.seconds()))?;
    let from = U256::from(from.seconds());
    if scaled % from != U256::ZERO {
        return None;
    }
    let number = decimal(scaled / from, scale);
    Some(format!("{number}{unit} per {}", period.name()))
}

/// `value` with `scale` implied decimals, as a Tok number: `730`,
/// `0.25`, `18_250_000` (thousands grouped from five digits on).
fn decimal(value: U256, scale: u32) -> String {
    let unit = U256::from(10u8).pow(scale);
    let whole = (value / unit).to_string();
    let whole = if whole.len() >= 5 {
        let digits: Vec<char> = whole.chars().collect();
        let first = digits.len() % 3;
        let mut grouped = String::new();
        for (index, digit) in digits.iter().enumerate() {
            if index > 0 && (index + 3 - first).is_multiple_of(3) {
                grouped.push('_');
            }
            grouped.push(*digit);
        }
        grouped
    } else {
        whole
    };
    let fraction = value % unit;
    if fraction == U256::ZERO {
        return whole;
    }
    let fraction = format!("{:0>width$}", fraction.to_string(), width = scale as usize);
    format!("{whole}.{}", fraction.trim_end_matches('0'))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_written_exactly_and_grouped() {
        let wad = |n: u128| U256::from(n);
        assert_eq!(decimal(wad(730 * 10u128.pow(16)), 16), "730");
        assert_eq!(decimal(wad(875 * 10u128.pow(17)), 18), "87.5");
        assert_eq!(decimal(wad(18_250_000 * 10u128.pow(18)), 18), "18_250_000");
        assert_eq!(decimal(wad(1234), 0), "1234");
        assert_eq!(decimal(wad(12_345), 0), "12_345");
        assert_eq!(decimal(wad(123_456), 0), "123_456");
        assert_eq!(decimal(wad(1), 18), "0.000000000000000001");
        assert_eq!(decimal(U256::ZERO, 6), "0");
    }

    #[test]
    fn rate_literals_convert_only_exactly() {
        let sigs = Signatures::default();
        let literal = |value: u128, period| hir::Expr {
            kind: hir::ExprKind::Int(U256::from(value)),
            ty: Ty::Rate(Box::new(Ty::Ratio), period),
            span: Span::new(0, 0),
        };
        // 2% per day is 730% per year; 1% per year is no whole number of
        // WAD per day.
        let two_percent = 2 * 10u128.pow(16);
        assert_eq!(
            rate_literal_over(&sigs, &literal(two_percent, TimeUnit::Day), TimeUnit::Year),
            Some("730% per year".to_string())
        );
        assert_eq!(
            rate_literal_over(
                &sigs,
                &literal(10u128.pow(16), TimeUnit::Year),
                TimeUnit::Day
            ),
            None
        );
        // Not a literal: nothing to rewrite.
        let named = hir::Expr {
            kind: hir::ExprKind::Bool(true),
            ..literal(two_percent, TimeUnit::Day)
        };
        assert_eq!(rate_literal_over(&sigs, &named, TimeUnit::Year), None);
    }
}
