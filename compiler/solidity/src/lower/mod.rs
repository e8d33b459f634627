//! MIR to the Solidity tree: tokens inherit OpenZeppelin 5's ERC20 and its
//! extensions; mechanisms become contracts of their own.
//!
//! Conventions of the generated code:
//! * params and the addresses of other contracts are immutables in
//!   UPPER_SNAKE_CASE, set from constructor arguments of the same name in
//!   lower case with a trailing `_`;
//! * every revert reason becomes a custom error named after it in
//!   PascalCase (`"zero amount"` is `ZeroAmount()`);
//! * `every` hooks run in `_catchUp`, called first by every action and
//!   available to anyone, in bounded chunks, as `catch_up(max_periods)`;
//!   each hook sees `now` as its own boundary time.
//!
//! One [`Lowerer`] lowers a program contract by contract: `token`,
//! `deployer`, `governor`, `vesting` and `mechanism` (with its hooks) build
//! a contract each; `body` lowers statements and expressions. This module
//! holds the lowerer's state, naming rules and shared helpers.

use std::collections::{BTreeMap, BTreeSet};

use tok_diagnostics::{Code, Diagnostic};
use tok_mir::{self as mir, Entity, ExprKind, Repr, Shape};

use crate::Docs;
use crate::ast::*;

mod body;
mod deployer;
mod governor;
mod mechanism;
mod token;
mod vesting;

/// What a contract reads at deployment.
#[derive(Default)]
struct Inputs {
    params: BTreeSet<mir::ParamId>,
    entities: BTreeSet<Entity>,
    deployed: bool,
}

/// Collects the params and contracts an expression tree refers to.
fn collect(inputs: &mut Inputs, expr: &mir::Expr) {
    mir::visit::expr_tree(expr, &mut |e| match &e.kind {
        ExprKind::Param(id) => {
            inputs.params.insert(*id);
        }
        ExprKind::Entity(entity) => {
            inputs.entities.insert(*entity);
        }
        ExprKind::TokenRead { token, .. } => {
            inputs.entities.insert(Entity::Token(*token));
        }
        ExprKind::View { mechanism, .. }
        | ExprKind::Load { mechanism, .. }
        | ExprKind::ListLength { mechanism, .. } => {
            inputs.entities.insert(Entity::Mechanism(*mechanism));
        }
        ExprKind::Env(mir::Env::Deployed) => inputs.deployed = true,
        // The wallet's token is added by the caller, which knows the program.
        ExprKind::VestingRead { vesting, .. } => {
            inputs.entities.insert(Entity::Vesting(*vesting));
        }
        _ => {}
    });
}

/// Solidity keywords and units a Tok name may collide with.
const RESERVED: &[&str] = &[
    "abi",
    "addmod",
    "assert",
    "block",
    "blockhash",
    "ecrecover",
    "gasleft",
    "keccak256",
    "msg",
    "mulmod",
    "require",
    "ripemd160",
    "sha256",
    "tx",
    "abstract",
    "address",
    "after",
    "alias",
    "anonymous",
    "apply",
    "as",
    "assembly",
    "at",
    "auto",
    "bool",
    "break",
    "byte",
    "bytes",
    "calldata",
    "case",
    "catch",
    "constant",
    "constructor",
    "continue",
    "contract",
    "copyof",
    "days",
    "default",
    "define",
    "delete",
    "do",
    "else",
    "emit",
    "enum",
    "error",
    "ether",
    "event",
    "external",
    "fallback",
    "false",
    "final",
    "finney",
    "fixed",
    "for",
    "from",
    "function",
    "global",
    "gwei",
    "hours",
    "if",
    "immutable",
    "implements",
    "import",
    "in",
    "indexed",
    "inline",
    "int",
    "interface",
    "internal",
    "is",
    "layout",
    "let",
    "library",
    "macro",
    "mapping",
    "match",
    "memory",
    "minutes",
    "modifier",
    "mutable",
    "new",
    "now",
    "null",
    "of",
    "override",
    "partial",
    "payable",
    "pragma",
    "private",
    "promise",
    "public",
    "pure",
    "receive",
    "reference",
    "relocatable",
    "return",
    "returns",
    "revert",
    "sealed",
    "seconds",
    "selfdestruct",
    "sizeof",
    "static",
    "storage",
    "string",
    "struct",
    "super",
    "supports",
    "switch",
    "szabo",
    "this",
    "transient",
    "true",
    "try",
    "type",
    "typedef",
    "typeof",
    "ufixed",
    "uint",
    "unchecked",
    "using",
    "var",
    "view",
    "virtual",
    "weeks",
    "wei",
    "while",
    "years",
];

/// A Tok name made safe as a Solidity identifier.
pub fn ident(name: &str) -> String {
    if RESERVED.contains(&name) {
        format!("{name}_")
    } else {
        name.to_string()
    }
}

fn upper(name: &str) -> String {
    name.to_ascii_uppercase()
}

/// `"zero amount"` becomes `ZeroAmount`.
pub fn error_name(reason: &str) -> String {
    let mut name: String = reason
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "Reverted");
    }
    name
}

fn type_of(repr: Repr) -> Type {
    match repr {
        Repr::Int | Repr::Float => Type::Uint256,
        Repr::Bool => Type::Bool,
        Repr::Address => Type::Address,
        Repr::Str => Type::String,
    }
}

fn type_of_shape(shape: &Shape) -> Type {
    match shape {
        Shape::Scalar(repr) => type_of(*repr),
        Shape::Map(key, value) => {
            Type::Mapping(Box::new(type_of(*key)), Box::new(type_of_shape(value)))
        }
        Shape::List(element) => Type::Array(Box::new(type_of(*element))),
    }
}

pub struct Lowerer<'p> {
    program: &'p mir::Program,
    docs: &'p Docs,
    errors: Vec<Diagnostic>,
    /// The declaration being lowered, where its problems are reported.
    at: mir::Span,
    /// List fields whose `contains` a body uses: each gets a search helper.
    searched: BTreeSet<(mir::MechanismId, mir::FieldId)>,
    /// Mechanisms that need the saturating subtraction helper.
    saturating: BTreeSet<mir::MechanismId>,
    /// Each generated contract's constructor inputs, in argument order.
    pub constructors: BTreeMap<Entity, Vec<ConstructorInput>>,
    /// A mechanism moves tokens: the unit imports `SafeERC20`.
    pub uses_safe_erc20: bool,
    /// A mechanism narrows a timestamp: the unit imports `SafeCast`.
    pub uses_safe_cast: bool,
}

/// What a constructor argument carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConstructorInput {
    Param(mir::ParamId),
    Contract(Entity),
}

/// Where an expression is lowered: which contract, which body.
struct Scope<'b> {
    mechanism: Option<mir::MechanismId>,
    body: Option<&'b mir::Body>,
    /// In a hook, `now` is the hook's boundary, passed as `_now`.
    in_hook: bool,
    local_names: Vec<String>,
    /// In base-constructor arguments, which run before immutables are set:
    /// params and addresses are the constructor's own arguments.
    constructor_args: bool,
}

impl<'p> Lowerer<'p> {
    pub fn new(program: &'p mir::Program, docs: &'p Docs) -> Self {
        Lowerer {
            program,
            docs,
            errors: Vec::new(),
            at: mir::Span::default(),
            searched: BTreeSet::new(),
            saturating: BTreeSet::new(),
            constructors: BTreeMap::new(),
            uses_safe_erc20: false,
            uses_safe_cast: false,
        }
    }

    /// The source's doc lines for `path`, as NatSpec notice lines. A line
    /// that starts with a tag is demoted to `@dev` text: solc rejects
    /// `@param` for a name it cannot see, and Tok names change on the way.
    fn doc(&self, path: &str) -> Vec<String> {
        let Some(lines) = self.docs.get(path) else {
            return Vec::new();
        };
        lines
            .iter()
            .map(|line| {
                if line.trim_start().starts_with('@') {
                    format!("@dev {}", line.trim_start())
                } else {
                    line.clone()
                }
            })
            .collect()
    }

    /// A contract's doc: its title, then the source's notice if any.
    fn contract_doc(&self, path: &str, title: String) -> Vec<String> {
        let mut doc = self.doc(path);
        if doc.is_empty() {
            return vec![title];
        }
        doc[0] = format!("@notice {}", doc[0]);
        doc.insert(0, format!("@title {title}"));
        doc
    }

    /// `member`, after its doc block if `path` has one.
    fn documented(&self, path: &str, member: Member, members: &mut Vec<Member>) {
        let doc = self.doc(path);
        if !doc.is_empty() {
            members.push(Member::Doc(doc));
        }
        members.push(member);
    }

    pub fn errors(self) -> Vec<Diagnostic> {
        self.errors
    }

    /// Reports a construct the Solidity backend cannot emit yet, at the
    /// declaration being lowered; returns a placeholder (no project is
    /// returned).
    fn unsupported(&mut self, what: &str) -> Expr {
        let diagnostic = Diagnostic::error(
            Code::UNSUPPORTED_IN_SOLIDITY,
            self.at,
            format!("{what}: not supported by the Solidity backend yet"),
        )
        .with_label("in this declaration")
        .with_note("The simulator runs it; the generated contracts cannot express it yet.")
        .with_help("simulate it with `tok sim`, or write it another way to deploy it");
        if !self.errors.contains(&diagnostic) {
            self.errors.push(diagnostic);
        }
        Expr::Number("0".into())
    }

    pub fn entity_type(&self, entity: Entity) -> String {
        match entity {
            Entity::Token(id) => ident(&self.program.tokens[id.index()].name),
            Entity::Mechanism(id) => ident(&self.program.mechanisms[id.index()].name),
            Entity::Vesting(id) => ident(&self.program.vestings[id.index()].name),
            Entity::Governor(id) => ident(&self.program.governors[id.index()].name),
        }
    }

    /// The immutable holding another contract's address: `STK_TOKEN`,
    /// `STAKING_CONTRACT` (never the contract type's own name).
    /// A governor's entry is its timelock: governance acts through it.
    fn entity_var(&self, entity: Entity) -> String {
        let suffix = match entity {
            Entity::Token(_) => "TOKEN",
            Entity::Governor(_) => "TIMELOCK",
            _ => "CONTRACT",
        };
        format!("{}_{suffix}", upper(&self.entity_type(entity)))
    }

    /// The governor that governs a param, if any.
    fn governor_of(&self, param: mir::ParamId) -> Option<mir::GovernorId> {
        self.program
            .governors
            .iter()
            .position(|g| g.governs.contains(&param))
            .map(mir::GovernorId::new)
    }

    /// The constructor argument carrying another contract's address:
    /// the immutable's name in lower case, `stk_token_`.
    pub fn entity_arg(&self, entity: Entity) -> String {
        format!("{}_", self.entity_var(entity).to_ascii_lowercase())
    }

    /// A param's immutable: its name in capitals, with `_PARAM` when that
    /// would be a contract's name.
    pub fn param_var(&self, id: mir::ParamId) -> String {
        let name = upper(&self.program.params[id.index()].name);
        let program = self.program;
        let contracts = program
            .tokens
            .iter()
            .map(|t| &t.name)
            .chain(program.mechanisms.iter().map(|m| &m.name))
            .chain(program.vestings.iter().map(|v| &v.name))
            .chain(program.governors.iter().map(|g| &g.name));
        if contracts.map(|c| ident(c)).any(|c| c == name) {
            format!("{name}_PARAM")
        } else {
            name
        }
    }

    /// Constructor parameters, immutables and their assignments for `inputs`.
    fn inputs(
        &mut self,
        inputs: &Inputs,
        own: Option<Entity>,
    ) -> (Vec<Param>, Vec<Member>, Vec<Stmt>) {
        if let Some(own) = own {
            let order = inputs
                .params
                .iter()
                .map(|p| ConstructorInput::Param(*p))
                .chain(
                    inputs
                        .entities
                        .iter()
                        .filter(|e| Some(**e) != Some(own))
                        .map(|e| ConstructorInput::Contract(*e)),
                )
                .collect();
            self.constructors.insert(own, order);
        }
        let mut params = Vec::new();
        let mut members = Vec::new();
        let mut body = Vec::new();
        for id in &inputs.params {
            let param = &self.program.params[id.index()];
            let ty = type_of(param.repr);
            let arg = format!("{}_", param.name);
            params.push(Param {
                ty: ty.clone(),
                name: arg.clone(),
            });
            // A governed param is storage its governor's timelock may set.
            let qualifiers = if self.governor_of(*id).is_some() {
                "public"
            } else {
                "public immutable"
            };
            self.documented(
                &param.name,
                Member::StateVar(ty, qualifiers.into(), self.param_var(*id), None),
                &mut members,
            );
            body.push(Stmt::Assign(
                Expr::ident(self.param_var(*id)),
                Expr::ident(arg),
            ));
        }
        for entity in inputs.entities.iter().filter(|e| Some(**e) != own) {
            let name = self.entity_type(*entity);
            let arg = self.entity_arg(*entity);
            params.push(Param {
                ty: Type::Address,
                name: arg.clone(),
            });
            if let Entity::Governor(_) = entity {
                members.push(Member::StateVar(
                    Type::Address,
                    "public immutable".into(),
                    self.entity_var(*entity),
                    None,
                ));
                body.push(Stmt::Assign(
                    Expr::ident(self.entity_var(*entity)),
                    Expr::ident(arg),
                ));
                continue;
            }
            members.push(Member::StateVar(
                Type::Named(name.clone()),
                "public immutable".into(),
                self.entity_var(*entity),
                None,
            ));
            // Vesting wallets can receive ether, so their type needs a payable address.
            let address = match entity {
                Entity::Vesting(_) => Expr::ident("payable").call(vec![Expr::ident(arg)]),
                _ => Expr::ident(arg),
            };
            body.push(Stmt::Assign(
                Expr::ident(self.entity_var(*entity)),
                Expr::ident(name).call(vec![address]),
            ));
        }
        if inputs.deployed {
            members.push(Member::StateVar(
                Type::Uint256,
                "public immutable".into(),
                "DEPLOYED".into(),
                None,
            ));
            body.push(Stmt::Assign(
                Expr::ident("DEPLOYED"),
                Expr::ident("block").member("timestamp"),
            ));
        }
        (params, members, body)
    }
}

/// Declarations of a body's locals, after its parameters.
fn declare_locals(body: &mir::Body, names: &[String]) -> Vec<Stmt> {
    body.locals
        .iter()
        .enumerate()
        .skip(body.params as usize)
        .filter(|(_, (name, _))| name != "_")
        .map(|(index, (_, repr))| Stmt::Declare(type_of(*repr), names[index].clone(), None))
        .collect()
}

fn collect_calls(block: &mir::Block, inputs: &mut Inputs) {
    mir::visit::block_stmts(block, &mut |stmt| match stmt {
        mir::Stmt::Call(mir::Call::Action { mechanism, .. }) => {
            inputs.entities.insert(Entity::Mechanism(*mechanism));
        }
        mir::Stmt::Call(mir::Call::Token { token, .. }) => {
            inputs.entities.insert(Entity::Token(*token));
        }
        _ => {}
    });
}

fn collect_reasons(block: &mir::Block, reasons: &mut BTreeSet<String>) {
    mir::visit::block_stmts(block, &mut |stmt| {
        if let mir::Stmt::Require { reason, .. } | mir::Stmt::Revert { reason } = stmt {
            reasons.insert(reason.clone());
        }
    });
}

fn and(items: Vec<Expr>) -> Expr {
    items
        .into_iter()
        .reduce(|a, b| Expr::binary("&&", a, b))
        .unwrap_or(Expr::Bool(true))
}

fn or(items: Vec<Expr>) -> Expr {
    items
        .into_iter()
        .reduce(|a, b| Expr::binary("||", a, b))
        .unwrap_or(Expr::Bool(false))
}

fn function(
    name: &str,
    params: Vec<Param>,
    visibility: &'static str,
    mutability: Mutability,
    qualifiers: Vec<String>,
    returns: Option<Type>,
    body: Vec<Stmt>,
) -> Member {
    Member::Function {
        doc: vec![],
        name: name.into(),
        params,
        visibility,
        mutability,
        qualifiers,
        returns,
        body,
    }
}

const SATURATING_SUB: &str = "_saturatingSub";

/// `a - b`, or zero when `b` is larger.
fn saturating_sub_function() -> Member {
    let (a, b) = (Expr::ident("a"), Expr::ident("b"));
    let uint = |name: &str| Param {
        ty: Type::Uint256,
        name: name.into(),
    };
    function(
        SATURATING_SUB,
        vec![uint("a"), uint("b")],
        "internal",
        Mutability::Pure,
        vec![],
        Some(Type::Uint256),
        vec![
            Stmt::If(
                vec![(
                    Expr::binary("<=", a.clone(), b.clone()),
                    vec![Stmt::Return(Some(Expr::Number("0".into())))],
                )],
                vec![],
            ),
            Stmt::Return(Some(Expr::binary("-", a, b))),
        ],
    )
}

/// The name of the linear search over list field `field`.
fn contains_helper(field: &str) -> String {
    format!("_{}Contains", ident(field))
}

/// `list.contains(value)` over list field `field` of `element`s: a linear
/// search, bounded by the list's bound.
fn contains_function(field: &str, element: Repr) -> Member {
    let list = Expr::ident(ident(field));
    function(
        &contains_helper(field),
        vec![Param {
            ty: type_of(element),
            name: "value".into(),
        }],
        "internal",
        Mutability::View,
        vec![],
        Some(Type::Bool),
        vec![
            Stmt::ForRange(
                "i".into(),
                Expr::Number("0".into()),
                list.clone().member("length"),
                vec![Stmt::If(
                    vec![(
                        Expr::binary("==", list.index(Expr::ident("i")), Expr::ident("value")),
                        vec![Stmt::Return(Some(Expr::Bool(true)))],
                    )],
                    vec![],
                )],
            ),
            Stmt::Return(Some(Expr::Bool(false))),
        ],
    )
}

/// `ratio ** n` in WAD: square and multiply, each product `mulDiv(x, y, 1e18)`.
fn pow_wad_helper() -> Member {
    let wad = || Expr::Number("1e18".into());
    let mul = |a: Expr, b: Expr| {
        Expr::ident("Math")
            .member("mulDiv")
            .call(vec![a, b, Expr::Number("1e18".into())])
    };
    function(
        "_powWad",
        vec![
            Param {
                ty: Type::Uint256,
                name: "base".into(),
            },
            Param {
                ty: Type::Uint256,
                name: "exponent".into(),
            },
        ],
        "internal",
        Mutability::Pure,
        vec![],
        Some(Type::Uint256),
        vec![
            Stmt::Declare(Type::Uint256, "result".into(), Some(wad())),
            Stmt::While(
                Expr::binary(">", Expr::ident("exponent"), Expr::Number("0".into())),
                vec![
                    Stmt::If(
                        vec![(
                            Expr::binary(
                                "==",
                                Expr::binary(
                                    "&",
                                    Expr::ident("exponent"),
                                    Expr::Number("1".into()),
                                ),
                                Expr::Number("1".into()),
                            ),
                            vec![Stmt::Assign(
                                Expr::ident("result"),
                                mul(Expr::ident("result"), Expr::ident("base")),
                            )],
                        )],
                        vec![],
                    ),
                    Stmt::Assign(
                        Expr::ident("exponent"),
                        Expr::binary(">>", Expr::ident("exponent"), Expr::Number("1".into())),
                    ),
                    Stmt::If(
                        vec![(
                            Expr::binary(">", Expr::ident("exponent"), Expr::Number("0".into())),
                            vec![Stmt::Assign(
                                Expr::ident("base"),
                                mul(Expr::ident("base"), Expr::ident("base")),
                            )],
                        )],
                        vec![],
                    ),
                ],
            ),
            Stmt::Return(Some(Expr::ident("result"))),
        ],
    )
}
