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

use std::collections::{BTreeMap, BTreeSet};

use tok_mir::{self as mir, Entity, ExprKind, Repr, Shape};

use crate::Docs;
use crate::ast::*;

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
    errors: Vec<String>,
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

    pub fn errors(self) -> Vec<String> {
        self.errors
    }

    fn unsupported(&mut self, what: &str) -> Expr {
        let message = format!("not supported by the Solidity backend yet: {what}");
        if !self.errors.contains(&message) {
            self.errors.push(message);
        }
        Expr::Number("0".into())
    }

    pub fn entity_type(&self, entity: Entity) -> String {
        match entity {
            Entity::Token(id) => ident(&self.program.tokens[id as usize].name),
            Entity::Mechanism(id) => ident(&self.program.mechanisms[id as usize].name),
            Entity::Vesting(id) => ident(&self.program.vestings[id as usize].name),
            Entity::Governor(id) => ident(&self.program.governors[id as usize].name),
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
            .map(|g| g as mir::GovernorId)
    }

    /// The constructor argument carrying another contract's address:
    /// the immutable's name in lower case, `stk_token_`.
    pub fn entity_arg(&self, entity: Entity) -> String {
        format!("{}_", self.entity_var(entity).to_ascii_lowercase())
    }

    /// A param's immutable: its name in capitals, with `_PARAM` when that
    /// would be a contract's name.
    pub fn param_var(&self, id: mir::ParamId) -> String {
        let name = upper(&self.program.params[id as usize].name);
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
            let param = &self.program.params[*id as usize];
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

    // ---- Tokens -------------------------------------------------------------------

    /// Whether any mechanism body mints `token`.
    fn minted(&self, token: mir::TokenId) -> bool {
        let mut found = false;
        for mechanism in &self.program.mechanisms {
            let bodies = mechanism
                .actions
                .iter()
                .chain(&mechanism.views)
                .map(|f| &f.body)
                .chain(mechanism.hooks.iter().map(|h| &h.body));
            for body in bodies {
                mir::visit::block_stmts(&body.block, &mut |stmt| {
                    found |= matches!(
                        stmt,
                        mir::Stmt::Call(mir::Call::Token { token: t, op: mir::TokenOp::Mint, .. })
                            if *t == token
                    );
                });
            }
        }
        found
    }

    pub fn token(&mut self, id: mir::TokenId) -> Contract {
        let token = &self.program.tokens[id as usize];
        let own = Entity::Token(id);
        let mut inputs = Inputs::default();
        let settings: Vec<&mir::Expr> = token
            .cap
            .iter()
            .chain(&token.owner)
            .chain(&token.transfer_fee)
            .chain(&token.fee_to)
            .chain(&token.minters)
            .chain(&token.fee_exempt)
            .chain(token.mints.iter().flat_map(|(a, b)| [a, b]))
            .collect();
        for expr in &settings {
            collect(&mut inputs, expr);
        }
        let (params, mut members, mut body) = self.inputs(&inputs, Some(own));
        let scope = Scope {
            mechanism: None,
            body: None,
            in_hook: false,
            local_names: Vec::new(),
            constructor_args: false,
        };
        let base_scope = Scope {
            constructor_args: true,
            ..Scope {
                mechanism: None,
                body: None,
                in_hook: false,
                local_names: Vec::new(),
                constructor_args: false,
            }
        };
        let name = ident(&token.name);
        let mut bases = vec!["ERC20".to_string()];
        let mut base_calls = vec![Expr::ident("ERC20").call(vec![
            Expr::Str(token.display_name.clone()),
            Expr::Str(token.symbol.clone()),
        ])];
        let mut update_bases = vec!["ERC20".to_string()];
        if token.burnable {
            bases.push("ERC20Burnable".into());
        }
        if let Some(cap) = &token.cap {
            bases.push("ERC20Capped".into());
            update_bases.push("ERC20Capped".into());
            let cap = self.expr(cap, &base_scope);
            base_calls.push(Expr::ident("ERC20Capped").call(vec![cap]));
        }
        if token.pausable {
            bases.push("ERC20Pausable".into());
            bases.push("Ownable".into());
            update_bases.push("ERC20Pausable".into());
            let owner = token
                .owner
                .as_ref()
                .map_or(Expr::ident("msg").member("sender"), |owner| {
                    self.expr(owner, &base_scope)
                });
            base_calls.push(Expr::ident("Ownable").call(vec![owner]));
        }
        if token.permit {
            bases.push("ERC20Permit".into());
            base_calls
                .push(Expr::ident("ERC20Permit").call(vec![Expr::Str(token.display_name.clone())]));
        }
        if token.votes {
            if !token.permit {
                bases.push("EIP712".into());
                base_calls.push(Expr::ident("EIP712").call(vec![
                    Expr::Str(token.display_name.clone()),
                    Expr::Str("1".into()),
                ]));
            }
            bases.push("ERC20Votes".into());
            update_bases.push("ERC20Votes".into());
        }
        // A token nobody may mint (no minters, no mint call in the program)
        // gets no `mint` at all rather than one that always reverts.
        let mintable = !token.minters.is_empty() || self.minted(id);
        if mintable {
            members.insert(0, Member::Error("Unauthorized".into()));
            members.push(Member::StateVar(
                Type::Mapping(Box::new(Type::Address), Box::new(Type::Bool)),
                "public".into(),
                "isMinter".into(),
                None,
            ));
        }
        for minter in &token.minters {
            let minter = self.expr(minter, &scope);
            body.push(Stmt::Assign(
                Expr::ident("isMinter").index(minter),
                Expr::Bool(true),
            ));
        }
        if let Some(fee) = &token.transfer_fee {
            members.push(Member::StateVar(
                Type::Uint256,
                "public immutable".into(),
                "TRANSFER_FEE".into(),
                None,
            ));
            members.push(Member::StateVar(
                Type::Address,
                "public immutable".into(),
                "FEE_TO".into(),
                None,
            ));
            members.push(Member::StateVar(
                Type::Mapping(Box::new(Type::Address), Box::new(Type::Bool)),
                "public".into(),
                "isFeeExempt".into(),
                None,
            ));
            let fee = self.expr(fee, &scope);
            body.push(Stmt::Assign(Expr::ident("TRANSFER_FEE"), fee));
            let fee_to = token.fee_to.as_ref().map_or(
                Expr::ident("address").call(vec![Expr::Number("0".into())]),
                |to| self.expr(to, &scope),
            );
            body.push(Stmt::Assign(Expr::ident("FEE_TO"), fee_to));
            for exempt in &token.fee_exempt {
                let exempt = self.expr(exempt, &scope);
                body.push(Stmt::Assign(
                    Expr::ident("isFeeExempt").index(exempt),
                    Expr::Bool(true),
                ));
            }
        }
        for (amount, to) in &token.mints {
            let amount = self.expr(amount, &scope);
            let to = self.expr(to, &scope);
            body.push(Stmt::Expr(Expr::ident("_mint").call(vec![to, amount])));
        }
        members.push(Member::Constructor {
            params,
            bases: base_calls,
            body,
        });
        if token.decimals != 18 {
            members.push(function(
                "decimals",
                vec![],
                "public",
                Mutability::Pure,
                vec!["override".into()],
                Some(Type::Uint8),
                vec![Stmt::Return(Some(Expr::Number(token.decimals.to_string())))],
            ));
        }
        members.extend(mintable.then(|| Member::Function {
            doc: vec![
                "Mints `amount` to `to`; only the mechanisms the token lists as minters.".into(),
            ],
            name: "mint".into(),
            params: vec![
                Param {
                    ty: Type::Address,
                    name: "to".into(),
                },
                Param {
                    ty: Type::Uint256,
                    name: "amount".into(),
                },
            ],
            visibility: "external",
            mutability: Mutability::Mutable,
            qualifiers: vec![],
            returns: None,
            body: vec![
                Stmt::If(
                    vec![(
                        Expr::Not(Box::new(
                            Expr::ident("isMinter").index(Expr::ident("msg").member("sender")),
                        )),
                        vec![Stmt::Revert("Unauthorized".into(), vec![])],
                    )],
                    vec![],
                ),
                Stmt::Expr(
                    Expr::ident("_mint").call(vec![Expr::ident("to"), Expr::ident("amount")]),
                ),
            ],
        }));
        if token.pausable {
            for (name, call) in [("pause", "_pause"), ("unpause", "_unpause")] {
                members.push(function(
                    name,
                    vec![],
                    "external",
                    Mutability::Mutable,
                    vec!["onlyOwner".into()],
                    None,
                    vec![Stmt::Expr(Expr::ident(call).call(vec![]))],
                ));
            }
        }
        if token.votes {
            members.push(function(
                "clock",
                vec![],
                "public",
                Mutability::View,
                vec!["override".into()],
                Some(Type::Uint48),
                vec![Stmt::Return(Some(
                    Expr::ident("uint48").call(vec![Expr::ident("block").member("timestamp")]),
                ))],
            ));
            members.push(function(
                "CLOCK_MODE",
                vec![],
                "public",
                Mutability::Pure,
                vec!["override".into()],
                Some(Type::String),
                vec![Stmt::Return(Some(Expr::Str("mode=timestamp".into())))],
            ));
        }
        // `_update`: the transfer fee, then every base's bookkeeping.
        let mut update = Vec::new();
        let (from, to, value) = (Expr::ident("from"), Expr::ident("to"), Expr::ident("value"));
        let zero = Expr::ident("address").call(vec![Expr::Number("0".into())]);
        if token.transfer_fee.is_some() {
            let applies = and(vec![
                Expr::binary("!=", from.clone(), zero.clone()),
                Expr::binary("!=", to.clone(), zero.clone()),
                Expr::Not(Box::new(Expr::ident("isFeeExempt").index(from.clone()))),
                Expr::Not(Box::new(Expr::ident("isFeeExempt").index(to.clone()))),
            ]);
            let fee = Expr::ident("Math").member("mulDiv").call(vec![
                value.clone(),
                Expr::ident("TRANSFER_FEE"),
                Expr::Number("1e18".into()),
            ]);
            update.push(Stmt::If(
                vec![(
                    applies,
                    vec![
                        Stmt::Declare(Type::Uint256, "fee".into(), Some(fee)),
                        Stmt::Expr(Expr::ident("super").member("_update").call(vec![
                            from.clone(),
                            Expr::ident("FEE_TO"),
                            Expr::ident("fee"),
                        ])),
                        Stmt::Expr(Expr::ident("super").member("_update").call(vec![
                            from.clone(),
                            to.clone(),
                            Expr::binary("-", value.clone(), Expr::ident("fee")),
                        ])),
                        Stmt::Return(None),
                    ],
                )],
                vec![],
            ));
        }
        update.push(Stmt::Expr(
            Expr::ident("super")
                .member("_update")
                .call(vec![from, to, value]),
        ));
        if update_bases.len() > 1 || token.transfer_fee.is_some() {
            let overrides = if update_bases.len() > 1 {
                format!("override({})", update_bases.join(", "))
            } else {
                "override".into()
            };
            members.push(function(
                "_update",
                vec![
                    Param {
                        ty: Type::Address,
                        name: "from".into(),
                    },
                    Param {
                        ty: Type::Address,
                        name: "to".into(),
                    },
                    Param {
                        ty: Type::Uint256,
                        name: "value".into(),
                    },
                ],
                "internal",
                Mutability::Mutable,
                vec![overrides],
                None,
                update,
            ));
        }
        if token.permit && token.votes {
            members.push(function(
                "nonces",
                vec![Param {
                    ty: Type::Address,
                    name: "owner".into(),
                }],
                "public",
                Mutability::View,
                vec!["override(ERC20Permit, Nonces)".into()],
                Some(Type::Uint256),
                vec![Stmt::Return(Some(
                    Expr::ident("super")
                        .member("nonces")
                        .call(vec![Expr::ident("owner")]),
                ))],
            ));
        }
        Contract {
            doc: self.contract_doc(&token.name, format!("The `{}` token.", token.name)),
            name,
            bases,
            members,
        }
    }

    // ---- Deployment ---------------------------------------------------------------

    /// A contract whose constructor deploys every contract of the program
    /// and wires their addresses together: contracts that refer to each
    /// other (a token minting for a mechanism that holds the token) get the
    /// addresses their peers will have, predicted from this deployer's
    /// nonces.
    pub fn deployer(&mut self, name: &str, order: &[Entity]) -> Contract {
        let program = self.program;
        let used: BTreeSet<mir::ParamId> = self
            .constructors
            .values()
            .flatten()
            .filter_map(|input| match input {
                ConstructorInput::Param(p) => Some(*p),
                ConstructorInput::Contract(_) => None,
            })
            .collect();
        let params: Vec<Param> = used
            .iter()
            .map(|id| {
                let param = &program.params[*id as usize];
                Param {
                    ty: type_of(param.repr),
                    name: format!("{}_", param.name),
                }
            })
            .collect();
        // Deployment steps in nonce order: every contract, and for each
        // governor its timelock first (the address its peers refer to).
        let mut steps: Vec<(Entity, bool)> = Vec::new();
        for entity in order {
            if let Entity::Governor(_) = entity {
                steps.push((*entity, true));
            }
            steps.push((*entity, false));
        }
        let nonce_of = |entity: Entity, timelock: bool| {
            steps
                .iter()
                .position(|s| *s == (entity, timelock))
                .map_or(0, |i| i + 1)
        };
        // What other contracts receive for an entity: a governor's timelock.
        let address_of = |entity: Entity| nonce_of(entity, matches!(entity, Entity::Governor(_)));
        let mut members = vec![Member::Error("DeploymentMismatch".into())];
        let mut body = Vec::new();
        for (entity, timelock) in &steps {
            let (contract, var, args) = if *timelock {
                let Entity::Governor(id) = entity else {
                    continue;
                };
                let governor = &program.governors[*id as usize];
                // Proposals come only from the governor; anyone may execute.
                let proposers = format!("{}_proposers", ident(&governor.name).to_ascii_lowercase());
                let executors = format!("{}_executors", ident(&governor.name).to_ascii_lowercase());
                let array = || Expr::ident("new address[]").call(vec![Expr::Number("1".into())]);
                body.push(Stmt::Declare(
                    Type::Array(Box::new(Type::Address)),
                    proposers.clone(),
                    Some(array()),
                ));
                body.push(Stmt::Assign(
                    Expr::ident(proposers.clone()).index(Expr::Number("0".into())),
                    Expr::ident("_predict")
                        .call(vec![Expr::Number(nonce_of(*entity, false).to_string())]),
                ));
                body.push(Stmt::Declare(
                    Type::Array(Box::new(Type::Address)),
                    executors.clone(),
                    Some(array()),
                ));
                let scope = Scope {
                    mechanism: None,
                    body: None,
                    in_hook: false,
                    local_names: Vec::new(),
                    constructor_args: true,
                };
                let delay = self.expr(&governor.timelock, &scope);
                let args = vec![
                    delay,
                    Expr::ident(proposers),
                    Expr::ident(executors),
                    Expr::ident("address").call(vec![Expr::Number("0".into())]),
                ];
                (
                    "TimelockController".to_string(),
                    self.entity_var(*entity).to_ascii_lowercase(),
                    args,
                )
            } else {
                let contract = self.entity_type(*entity);
                let var = match entity {
                    Entity::Governor(_) => format!("{}_governor", contract.to_ascii_lowercase()),
                    _ => self.entity_var(*entity).to_ascii_lowercase(),
                };
                let args: Vec<Expr> = self
                    .constructors
                    .get(entity)
                    .into_iter()
                    .flatten()
                    .map(|input| match input {
                        ConstructorInput::Param(p) => {
                            Expr::ident(format!("{}_", program.params[*p as usize].name))
                        }
                        ConstructorInput::Contract(other) => Expr::ident("_predict")
                            .call(vec![Expr::Number(address_of(*other).to_string())]),
                    })
                    .collect();
                (contract, var, args)
            };
            members.push(Member::StateVar(
                Type::Named(contract.clone()),
                "public immutable".into(),
                var.clone(),
                None,
            ));
            body.push(Stmt::Assign(
                Expr::ident(var.clone()),
                Expr::ident(format!("new {contract}")).call(args),
            ));
            body.push(Stmt::If(
                vec![(
                    Expr::binary(
                        "!=",
                        Expr::ident("address").call(vec![Expr::ident(var)]),
                        Expr::ident("_predict")
                            .call(vec![Expr::Number(nonce_of(*entity, *timelock).to_string())]),
                    ),
                    vec![Stmt::Revert("DeploymentMismatch".into(), vec![])],
                )],
                vec![],
            ));
        }
        members.push(Member::Constructor {
            params,
            bases: vec![],
            body,
        });
        // RLP of [this, nonce] for 1 <= nonce < 128: 0xd6 0x94 address nonce.
        let packed = Expr::ident("abi").member("encodePacked").call(vec![
            Expr::ident("bytes1").call(vec![Expr::Number("0xd6".into())]),
            Expr::ident("bytes1").call(vec![Expr::Number("0x94".into())]),
            Expr::ident("address").call(vec![Expr::ident("this")]),
            Expr::ident("bytes1").call(vec![Expr::ident("uint8").call(vec![Expr::ident("nonce")])]),
        ]);
        let hash = Expr::ident("keccak256").call(vec![packed]);
        let address = Expr::ident("address").call(vec![
            Expr::ident("uint160").call(vec![Expr::ident("uint256").call(vec![hash])]),
        ]);
        let body = vec![
            Stmt::Comment(
                "The deployer makes fewer than 128 creations: one byte encodes the nonce.".into(),
            ),
            Stmt::Comment("forge-lint: disable-next-line(unsafe-typecast)".into()),
            Stmt::Return(Some(address)),
        ];
        members.push(Member::Function {
            doc: vec!["The address this contract's `nonce`-th creation gets.".into()],
            name: "_predict".into(),
            params: vec![Param {
                ty: Type::Uint256,
                name: "nonce".into(),
            }],
            visibility: "internal",
            mutability: Mutability::View,
            qualifiers: vec![],
            returns: Some(Type::Address),
            body,
        });
        Contract {
            doc: self.contract_doc(
                "",
                "Deploys the whole program with the given params and wires the contracts together."
                    .into(),
            ),
            name: name.to_string(),
            bases: vec![],
            members,
        }
    }

    // ---- Governors -------------------------------------------------------------

    /// OpenZeppelin's Governor with settings, simple counting, votes, a
    /// quorum fraction (in WAD: the denominator is 1e18) and timelock
    /// control, as the OpenZeppelin Wizard writes it.
    pub fn governor(&mut self, id: mir::GovernorId) -> Contract {
        let governor = &self.program.governors[id as usize];
        let token = Entity::Token(governor.token);
        let own = Entity::Governor(id);
        let mut inputs = Inputs::default();
        for expr in [
            Some(&governor.voting_delay),
            Some(&governor.voting_period),
            Some(&governor.quorum),
            governor.proposal_threshold.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            collect(&mut inputs, expr);
        }
        let base_scope = Scope {
            mechanism: None,
            body: None,
            in_hook: false,
            local_names: Vec::new(),
            constructor_args: true,
        };
        let mut params: Vec<Param> = inputs
            .params
            .iter()
            .map(|p| Param {
                ty: type_of(self.program.params[*p as usize].repr),
                name: format!("{}_", self.program.params[*p as usize].name),
            })
            .collect();
        params.push(Param {
            ty: Type::Address,
            name: self.entity_arg(token),
        });
        params.push(Param {
            ty: Type::Address,
            name: self.entity_arg(own),
        });
        let mut order: Vec<ConstructorInput> = inputs
            .params
            .iter()
            .map(|p| ConstructorInput::Param(*p))
            .collect();
        order.push(ConstructorInput::Contract(token));
        order.push(ConstructorInput::Contract(own));
        self.constructors.insert(own, order);
        let delay = self.expr(&governor.voting_delay, &base_scope);
        let period = self.expr(&governor.voting_period, &base_scope);
        let quorum = self.expr(&governor.quorum, &base_scope);
        let threshold = governor
            .proposal_threshold
            .as_ref()
            .map_or(Expr::Number("0".into()), |e| self.expr(e, &base_scope));
        let name = ident(&governor.name);
        let bases = vec![
            Expr::ident("Governor").call(vec![Expr::Str(governor.name.clone())]),
            Expr::ident("GovernorSettings").call(vec![
                Expr::ident("uint48").call(vec![delay]),
                Expr::ident("uint32").call(vec![period]),
                threshold,
            ]),
            Expr::ident("GovernorVotes").call(vec![
                Expr::ident("IVotes").call(vec![Expr::ident(self.entity_arg(token))]),
            ]),
            Expr::ident("GovernorVotesQuorumFraction").call(vec![quorum]),
            Expr::ident("GovernorTimelockControl").call(vec![
                Expr::ident("TimelockController").call(vec![
                    Expr::ident("payable").call(vec![Expr::ident(self.entity_arg(own))]),
                ]),
            ]),
        ];
        let mut members = vec![Member::Constructor {
            params,
            bases,
            body: vec![],
        }];
        let id_param = || Param {
            ty: Type::Uint256,
            name: "proposalId".into(),
        };
        let operations = || {
            vec![
                Param {
                    ty: Type::Uint256,
                    name: "proposalId".into(),
                },
                Param {
                    ty: Type::Array(Box::new(Type::Address)),
                    name: "targets".into(),
                },
                Param {
                    ty: Type::Array(Box::new(Type::Uint256)),
                    name: "values".into(),
                },
                Param {
                    ty: Type::Array(Box::new(Type::Named("bytes".into()))),
                    name: "calldatas".into(),
                },
                Param {
                    ty: Type::Named("bytes32".into()),
                    name: "descriptionHash".into(),
                },
            ]
        };
        let args = |names: &[&str]| names.iter().map(|n| Expr::ident(*n)).collect::<Vec<_>>();
        let all = [
            "proposalId",
            "targets",
            "values",
            "calldatas",
            "descriptionHash",
        ];
        let cancel_params = vec![
            Param {
                ty: Type::Array(Box::new(Type::Address)),
                name: "targets".into(),
            },
            Param {
                ty: Type::Array(Box::new(Type::Uint256)),
                name: "values".into(),
            },
            Param {
                ty: Type::Array(Box::new(Type::Named("bytes".into()))),
                name: "calldatas".into(),
            },
            Param {
                ty: Type::Named("bytes32".into()),
                name: "descriptionHash".into(),
            },
        ];
        let super_call = |name: &str, args: Vec<Expr>| Expr::ident("super").member(name).call(args);
        // The overrides the Wizard writes for this combination of bases.
        let overrides = [
            (
                "quorumDenominator",
                vec![],
                "public",
                Mutability::Pure,
                "override",
                Some(Type::Uint256),
                vec![Stmt::Return(Some(Expr::Number("1e18".into())))],
            ),
            (
                "votingDelay",
                vec![],
                "public",
                Mutability::View,
                "override(Governor, GovernorSettings)",
                Some(Type::Uint256),
                vec![Stmt::Return(Some(super_call("votingDelay", vec![])))],
            ),
            (
                "votingPeriod",
                vec![],
                "public",
                Mutability::View,
                "override(Governor, GovernorSettings)",
                Some(Type::Uint256),
                vec![Stmt::Return(Some(super_call("votingPeriod", vec![])))],
            ),
            (
                "proposalThreshold",
                vec![],
                "public",
                Mutability::View,
                "override(Governor, GovernorSettings)",
                Some(Type::Uint256),
                vec![Stmt::Return(Some(super_call("proposalThreshold", vec![])))],
            ),
            (
                "state",
                vec![id_param()],
                "public",
                Mutability::View,
                "override(Governor, GovernorTimelockControl)",
                Some(Type::Named("ProposalState".into())),
                vec![Stmt::Return(Some(super_call(
                    "state",
                    args(&["proposalId"]),
                )))],
            ),
            (
                "proposalNeedsQueuing",
                vec![id_param()],
                "public",
                Mutability::View,
                "override(Governor, GovernorTimelockControl)",
                Some(Type::Bool),
                vec![Stmt::Return(Some(super_call(
                    "proposalNeedsQueuing",
                    args(&["proposalId"]),
                )))],
            ),
            (
                "_queueOperations",
                operations(),
                "internal",
                Mutability::Mutable,
                "override(Governor, GovernorTimelockControl)",
                Some(Type::Uint48),
                vec![Stmt::Return(Some(super_call(
                    "_queueOperations",
                    args(&all),
                )))],
            ),
            (
                "_executeOperations",
                operations(),
                "internal",
                Mutability::Mutable,
                "override(Governor, GovernorTimelockControl)",
                None,
                vec![Stmt::Expr(super_call("_executeOperations", args(&all)))],
            ),
            (
                "_cancel",
                cancel_params,
                "internal",
                Mutability::Mutable,
                "override(Governor, GovernorTimelockControl)",
                Some(Type::Uint256),
                vec![Stmt::Return(Some(super_call(
                    "_cancel",
                    args(&["targets", "values", "calldatas", "descriptionHash"]),
                )))],
            ),
            (
                "_executor",
                vec![],
                "internal",
                Mutability::View,
                "override(Governor, GovernorTimelockControl)",
                Some(Type::Address),
                vec![Stmt::Return(Some(super_call("_executor", vec![])))],
            ),
        ];
        for (fname, params, visibility, mutability, qualifier, returns, body) in overrides {
            members.push(function(
                fname,
                params,
                visibility,
                mutability,
                vec![qualifier.into()],
                returns,
                body,
            ));
        }
        Contract {
            doc: self.contract_doc(
                &governor.name,
                format!(
                    "The `{}` governor; it acts through its timelock.",
                    governor.name
                ),
            ),
            name,
            bases: vec![
                "Governor".into(),
                "GovernorSettings".into(),
                "GovernorCountingSimple".into(),
                "GovernorVotes".into(),
                "GovernorVotesQuorumFraction".into(),
                "GovernorTimelockControl".into(),
            ],
            members,
        }
    }

    // ---- Vesting wallets --------------------------------------------------------

    /// OpenZeppelin's `VestingWalletCliff`; with a TGE share the schedule is
    /// overridden to release that share at the start.
    pub fn vesting(&mut self, id: mir::VestingId) -> Contract {
        let vesting = &self.program.vestings[id as usize];
        let mut inputs = Inputs::default();
        for expr in [
            Some(&vesting.beneficiary),
            vesting.start.as_ref(),
            vesting.cliff.as_ref(),
            Some(&vesting.duration),
            vesting.tge.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            collect(&mut inputs, expr);
        }
        let (params, mut members, mut body) = self.inputs(&inputs, Some(Entity::Vesting(id)));
        let base_scope = Scope {
            mechanism: None,
            body: None,
            in_hook: false,
            local_names: Vec::new(),
            constructor_args: true,
        };
        let scope = Scope {
            mechanism: None,
            body: None,
            in_hook: false,
            local_names: Vec::new(),
            constructor_args: false,
        };
        let zero = || Expr::Number("0".into());
        let beneficiary = self.expr(&vesting.beneficiary, &base_scope);
        let start_offset = vesting
            .start
            .as_ref()
            .map_or_else(zero, |e| self.expr(e, &base_scope));
        let duration = self.expr(&vesting.duration, &base_scope);
        let cliff = vesting
            .cliff
            .as_ref()
            .map_or_else(zero, |e| self.expr(e, &base_scope));
        let uint64 = |e: Expr| Expr::ident("uint64").call(vec![e]);
        let bases = vec![
            Expr::ident("VestingWallet").call(vec![
                beneficiary,
                uint64(Expr::binary(
                    "+",
                    Expr::ident("block").member("timestamp"),
                    start_offset,
                )),
                uint64(duration),
            ]),
            Expr::ident("VestingWalletCliff").call(vec![uint64(cliff)]),
        ];
        if let Some(tge) = &vesting.tge {
            members.push(Member::StateVar(
                Type::Uint256,
                "public immutable".into(),
                "TGE".into(),
                None,
            ));
            let tge = self.expr(tge, &scope);
            body.push(Stmt::Assign(Expr::ident("TGE"), tge));
        }
        members.push(Member::Constructor {
            params,
            bases,
            body,
        });
        if vesting.tge.is_some() {
            let (total, time) = (Expr::ident("totalAllocation"), Expr::ident("timestamp"));
            let start = || Expr::ident("start").call(vec![]);
            let mul_div = |a: Expr, b: Expr, c: Expr| {
                Expr::ident("Math").member("mulDiv").call(vec![a, b, c])
            };
            members.push(Member::Function {
                doc: vec!["The TGE share at the start, the rest linearly after the cliff.".into()],
                name: "_vestingSchedule".into(),
                params: vec![
                    Param {
                        ty: Type::Uint256,
                        name: "totalAllocation".into(),
                    },
                    Param {
                        ty: Type::Named("uint64".into()),
                        name: "timestamp".into(),
                    },
                ],
                visibility: "internal",
                mutability: Mutability::View,
                qualifiers: vec!["override".into()],
                returns: Some(Type::Uint256),
                body: vec![
                    Stmt::If(
                        vec![(
                            Expr::binary("<", time.clone(), start()),
                            vec![Stmt::Return(Some(Expr::Number("0".into())))],
                        )],
                        vec![],
                    ),
                    Stmt::Declare(
                        Type::Uint256,
                        "atStart".into(),
                        Some(mul_div(
                            total.clone(),
                            Expr::ident("TGE"),
                            Expr::Number("1e18".into()),
                        )),
                    ),
                    Stmt::If(
                        vec![(
                            Expr::binary("<", time.clone(), Expr::ident("cliff").call(vec![])),
                            vec![Stmt::Return(Some(Expr::ident("atStart")))],
                        )],
                        vec![],
                    ),
                    Stmt::If(
                        vec![(
                            Expr::binary(">=", time.clone(), Expr::ident("end").call(vec![])),
                            vec![Stmt::Return(Some(total.clone()))],
                        )],
                        vec![],
                    ),
                    Stmt::Return(Some(Expr::binary(
                        "+",
                        Expr::ident("atStart"),
                        mul_div(
                            Expr::binary("-", total, Expr::ident("atStart")),
                            Expr::binary("-", time, start()),
                            Expr::ident("duration").call(vec![]),
                        ),
                    ))),
                ],
            });
        }
        Contract {
            doc: self.contract_doc(
                &vesting.name,
                format!("The `{}` vesting wallet.", vesting.name),
            ),
            name: ident(&vesting.name),
            bases: vec!["VestingWalletCliff".into()],
            members,
        }
    }

    // ---- Mechanisms ------------------------------------------------------------

    pub fn mechanism(&mut self, id: mir::MechanismId) -> Contract {
        let program = self.program;
        let mechanism = &program.mechanisms[id as usize];
        let own = Entity::Mechanism(id);
        let mut inputs = Inputs::default();
        for field in &mechanism.fields {
            for expr in field.init.iter().chain(&field.bound) {
                collect(&mut inputs, expr);
            }
        }
        let functions = mechanism.actions.iter().chain(&mechanism.views);
        for function in functions {
            mir::visit::block_exprs(&function.body.block, &mut |e| collect(&mut inputs, e));
            for access in &function.access {
                match access {
                    mir::Access::Param(param) => {
                        inputs.params.insert(*param);
                    }
                    mir::Access::Mechanism(other) => {
                        inputs.entities.insert(Entity::Mechanism(*other));
                    }
                    mir::Access::Governor(governor) => {
                        inputs.entities.insert(Entity::Governor(*governor));
                    }
                }
            }
        }
        for hook in &mechanism.hooks {
            collect(&mut inputs, &hook.period);
            mir::visit::block_exprs(&hook.body.block, &mut |e| collect(&mut inputs, e));
        }
        // A vesting read asks the wallet about its token.
        let wallets: Vec<mir::VestingId> = inputs
            .entities
            .iter()
            .filter_map(|e| match e {
                Entity::Vesting(v) => Some(*v),
                _ => None,
            })
            .collect();
        for vesting in wallets {
            inputs
                .entities
                .insert(Entity::Token(program.vestings[vesting as usize].token));
        }
        // Calls to other mechanisms' actions and token operations name them too.
        for body in mechanism
            .actions
            .iter()
            .chain(&mechanism.views)
            .map(|f| &f.body.block)
            .chain(mechanism.hooks.iter().map(|h| &h.body.block))
        {
            collect_calls(body, &mut inputs);
        }
        // Governed params come with their governor's timelock, which sets them.
        let governed: Vec<(mir::ParamId, mir::GovernorId)> = inputs
            .params
            .iter()
            .filter_map(|p| self.governor_of(*p).map(|g| (*p, g)))
            .collect();
        for (_, governor) in &governed {
            inputs.entities.insert(Entity::Governor(*governor));
        }
        let (params, mut members, mut body) = self.inputs(&inputs, Some(own));
        // Errors: one per distinct revert reason.
        let mut reasons = BTreeSet::new();
        for block in mechanism
            .actions
            .iter()
            .chain(&mechanism.views)
            .map(|f| &f.body.block)
            .chain(mechanism.hooks.iter().map(|h| &h.body.block))
        {
            collect_reasons(block, &mut reasons);
        }
        let mut errors: Vec<String> = reasons.iter().map(|r| error_name(r)).collect();
        if mechanism.actions.iter().any(|a| !a.access.is_empty()) || !governed.is_empty() {
            errors.push("Unauthorized".into());
        }
        if mechanism.fields.iter().any(|f| f.bound.is_some()) {
            errors.push("ListFull".into());
        }
        errors.sort();
        errors.dedup();
        let mut head: Vec<Member> = errors.into_iter().map(Member::Error).collect();
        for event in &mechanism.events {
            let params = event
                .fields
                .iter()
                .map(|(name, repr)| Param {
                    ty: type_of(*repr),
                    name: ident(name),
                })
                .collect();
            self.documented(
                &format!("{}.{}", mechanism.name, event.name),
                Member::Event(ident(&event.name), params),
                &mut head,
            );
        }
        for field in &mechanism.fields {
            self.documented(
                &format!("{}.{}", mechanism.name, field.name),
                Member::StateVar(
                    type_of_shape(&field.shape),
                    "public".into(),
                    ident(&field.name),
                    None,
                ),
                &mut head,
            );
        }
        head.append(&mut members);
        let mut members = head;
        let scope = Scope {
            mechanism: Some(id),
            body: None,
            in_hook: false,
            local_names: Vec::new(),
            constructor_args: false,
        };
        for field in &mechanism.fields {
            if let Some(init) = &field.init {
                let value = self.expr(init, &scope);
                body.push(Stmt::Assign(Expr::ident(ident(&field.name)), value));
            }
        }
        for (index, hook) in mechanism.hooks.iter().enumerate() {
            let period = self.expr(&hook.period, &scope);
            members.push(Member::StateVar(
                Type::Uint256,
                "public immutable".into(),
                format!("HOOK{index}_PERIOD"),
                None,
            ));
            members.push(Member::StateVar(
                Type::Uint256,
                "public".into(),
                format!("hook{index}Next"),
                None,
            ));
            body.push(Stmt::Assign(
                Expr::ident(format!("HOOK{index}_PERIOD")),
                period,
            ));
            body.push(Stmt::Assign(
                Expr::ident(format!("hook{index}Next")),
                Expr::binary(
                    "+",
                    Expr::ident("block").member("timestamp"),
                    Expr::ident(format!("HOOK{index}_PERIOD")),
                ),
            ));
        }
        members.push(Member::Constructor {
            params,
            bases: vec![],
            body,
        });
        let has_hooks = !mechanism.hooks.is_empty();
        let catch_up = || {
            Stmt::Expr(Expr::ident("_catchUp").call(vec![
                Expr::ident("type").call(vec![Expr::ident("uint256")]).member("max"),
            ]))
        };
        for (param, governor) in &governed {
            let name = &self.program.params[*param as usize].name;
            let timelock = Expr::ident(self.entity_var(Entity::Governor(*governor)));
            // Hooks due before the change run with the old value, as in the
            // simulation, which runs them at their boundaries.
            let mut body: Vec<Stmt> = has_hooks.then(catch_up).into_iter().collect();
            body.extend([
                Stmt::If(
                    vec![(
                        Expr::binary("!=", Expr::ident("msg").member("sender"), timelock),
                        vec![Stmt::Revert("Unauthorized".into(), vec![])],
                    )],
                    vec![],
                ),
                Stmt::Assign(Expr::ident(self.param_var(*param)), Expr::ident("value")),
            ]);
            members.push(Member::Function {
                doc: vec![format!(
                    "Sets `{name}`; only through governance (the timelock)."
                )],
                name: format!("set_{name}"),
                params: vec![Param {
                    ty: type_of(self.program.params[*param as usize].repr),
                    name: "value".into(),
                }],
                visibility: "external",
                mutability: Mutability::Mutable,
                qualifiers: vec!["nonReentrant".into()],
                returns: None,
                body,
            });
        }
        for action in &mechanism.actions {
            let mut prologue = Vec::new();
            if has_hooks {
                prologue.push(catch_up());
            }
            if !action.access.is_empty() {
                let allowed: Vec<Expr> = action
                    .access
                    .iter()
                    .map(|access| {
                        let who = match access {
                            mir::Access::Param(param) => Expr::ident(self.param_var(*param)),
                            mir::Access::Mechanism(other) => {
                                Expr::ident("address").call(vec![Expr::ident(
                                    self.entity_var(Entity::Mechanism(*other)),
                                )])
                            }
                            mir::Access::Governor(governor) => {
                                Expr::ident(self.entity_var(Entity::Governor(*governor)))
                            }
                        };
                        Expr::binary("==", Expr::ident("msg").member("sender"), who)
                    })
                    .collect();
                prologue.push(Stmt::If(
                    vec![(
                        Expr::Not(Box::new(or(allowed))),
                        vec![Stmt::Revert("Unauthorized".into(), vec![])],
                    )],
                    vec![],
                ));
            }
            members.push(self.function(id, action, "external", Mutability::Mutable, prologue));
        }
        for view in &mechanism.views {
            // A view that reads nothing (not even an immutable) is `pure`.
            let mut reads = false;
            mir::visit::block_exprs(&view.body.block, &mut |e| {
                reads |= !matches!(
                    e.kind,
                    ExprKind::Int(_)
                        | ExprKind::Bool(_)
                        | ExprKind::Str(_)
                        | ExprKind::Local(_)
                        | ExprKind::Binary { .. }
                        | ExprKind::MulDiv(..)
                        | ExprKind::Compare { .. }
                        | ExprKind::And(_)
                        | ExprKind::Or(_)
                        | ExprKind::Not(_)
                );
            });
            let mutability = if reads {
                Mutability::View
            } else {
                Mutability::Pure
            };
            members.push(self.function(id, view, "public", mutability, Vec::new()));
        }
        if has_hooks {
            members.extend(self.hooks(id));
        }
        if self.uses_pow_wad(mechanism) {
            members.push(pow_wad_helper());
        }
        let searched: Vec<mir::FieldId> = self
            .searched
            .range((id, 0)..=(id, mir::FieldId::MAX))
            .map(|(_, field)| *field)
            .collect();
        for field in searched {
            let field = &mechanism.fields[field as usize];
            if let Shape::List(element) = &field.shape {
                members.push(contains_function(&field.name, *element));
            }
        }
        if self.saturating.contains(&id) {
            members.push(saturating_sub_function());
        }
        Contract {
            doc: self.contract_doc(
                &mechanism.name,
                format!("The `{}` mechanism.", mechanism.name),
            ),
            name: ident(&mechanism.name),
            bases: if mechanism.actions.is_empty() && mechanism.hooks.is_empty() {
                vec![]
            } else {
                vec!["ReentrancyGuardTransient".into()]
            },
            members,
        }
    }

    fn uses_pow_wad(&self, mechanism: &mir::Mechanism) -> bool {
        let mut found = false;
        for block in mechanism
            .actions
            .iter()
            .chain(&mechanism.views)
            .map(|f| &f.body.block)
            .chain(mechanism.hooks.iter().map(|h| &h.body.block))
        {
            mir::visit::block_exprs(block, &mut |e| {
                if matches!(
                    e.kind,
                    ExprKind::Binary {
                        op: mir::BinOp::PowWad,
                        ..
                    }
                ) {
                    found = true;
                }
            });
        }
        found
    }

    /// Local names: the Tok name, or with the local's index when the same
    /// name is used twice in one body (Solidity forbids shadowing).
    fn local_names(&self, mechanism: mir::MechanismId, body: &mir::Body) -> Vec<String> {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for (name, _) in &body.locals {
            *counts.entry(name.as_str()).or_default() += 1;
        }
        // Names of the contract's own members: a local may not shadow them.
        let m = &self.program.mechanisms[mechanism as usize];
        let members: BTreeSet<String> = m
            .fields
            .iter()
            .map(|f| f.name.clone())
            .chain(m.actions.iter().chain(&m.views).map(|f| f.name.clone()))
            .chain(m.events.iter().map(|e| e.name.clone()))
            .map(|name| ident(&name))
            .collect();
        body.locals
            .iter()
            .enumerate()
            .map(|(index, (name, _))| {
                let base = ident(name.trim_start_matches('_'));
                if counts[name.as_str()] > 1 || name == "_" || members.contains(&base) {
                    format!("{base}_{index}")
                } else {
                    base
                }
            })
            .collect()
    }

    fn function(
        &mut self,
        mechanism: mir::MechanismId,
        function: &mir::Function,
        visibility: &'static str,
        mutability: Mutability,
        prologue: Vec<Stmt>,
    ) -> Member {
        let names = self.local_names(mechanism, &function.body);
        let scope = Scope {
            mechanism: Some(mechanism),
            body: Some(&function.body),
            in_hook: false,
            local_names: names.clone(),
            constructor_args: false,
        };
        let params: Vec<Param> = function.body.locals[..function.body.params as usize]
            .iter()
            .zip(&names)
            .map(|((_, repr), name)| Param {
                ty: type_of(*repr),
                name: name.clone(),
            })
            .collect();
        let mut body = prologue;
        body.extend(declare_locals(&function.body, &names));
        body.extend(self.block(&function.body.block, &scope));
        let mechanism_name = &self.program.mechanisms[mechanism as usize].name;
        // A mechanism cannot be re-entered (docs/semantics.md): every
        // state-changing entry point holds OpenZeppelin's transient guard.
        let qualifiers = if mutability == Mutability::Mutable {
            vec!["nonReentrant".to_string()]
        } else {
            vec![]
        };
        Member::Function {
            doc: self.doc(&format!("{mechanism_name}.{}", function.name)),
            name: ident(&function.name),
            params,
            visibility,
            mutability,
            qualifiers,
            returns: function.returns.map(type_of),
            body,
        }
    }

    /// `_catchUp`, the public `catch_up`, and one internal function per hook.
    fn hooks(&mut self, mechanism: mir::MechanismId) -> Vec<Member> {
        let program = self.program;
        let hooks = &program.mechanisms[mechanism as usize].hooks;
        let mut members = Vec::new();
        // Pick the earliest due hook; ties in declaration order.
        let mut loop_body = vec![
            Stmt::Declare(
                Type::Uint256,
                "due".into(),
                Some(
                    Expr::ident("type")
                        .call(vec![Expr::ident("uint256")])
                        .member("max"),
                ),
            ),
            Stmt::Declare(
                Type::Uint256,
                "which".into(),
                Some(
                    Expr::ident("type")
                        .call(vec![Expr::ident("uint256")])
                        .member("max"),
                ),
            ),
        ];
        for index in 0..hooks.len() {
            let next = Expr::ident(format!("hook{index}Next"));
            loop_body.push(Stmt::If(
                vec![(
                    and(vec![
                        Expr::binary("<=", next.clone(), Expr::ident("block").member("timestamp")),
                        Expr::binary("<", next.clone(), Expr::ident("due")),
                    ]),
                    vec![
                        Stmt::Assign(Expr::ident("due"), next),
                        Stmt::Assign(Expr::ident("which"), Expr::Number(index.to_string())),
                    ],
                )],
                vec![],
            ));
        }
        loop_body.push(Stmt::If(
            vec![(
                Expr::binary(
                    "==",
                    Expr::ident("which"),
                    Expr::ident("type")
                        .call(vec![Expr::ident("uint256")])
                        .member("max"),
                ),
                vec![Stmt::Break],
            )],
            vec![],
        ));
        let arms = (0..hooks.len())
            .map(|index| {
                (
                    Expr::binary("==", Expr::ident("which"), Expr::Number(index.to_string())),
                    vec![
                        Stmt::Assign(
                            Expr::ident(format!("hook{index}Next")),
                            Expr::binary(
                                "+",
                                Expr::ident("due"),
                                Expr::ident(format!("HOOK{index}_PERIOD")),
                            ),
                        ),
                        Stmt::Expr(
                            Expr::ident(format!("_hook{index}")).call(vec![Expr::ident("due")]),
                        ),
                    ],
                )
            })
            .collect();
        loop_body.push(Stmt::If(arms, vec![]));
        loop_body.push(Stmt::Assign(
            Expr::ident("ran"),
            Expr::binary("+", Expr::ident("ran"), Expr::Number("1".into())),
        ));
        members.push(Member::Function {
            doc: vec!["Runs up to `maxPeriods` elapsed hook periods, in boundary order.".into()],
            name: "_catchUp".into(),
            params: vec![Param {
                ty: Type::Uint256,
                name: "maxPeriods".into(),
            }],
            visibility: "internal",
            mutability: Mutability::Mutable,
            qualifiers: vec![],
            returns: Some(Type::Uint256),
            body: vec![
                Stmt::Declare(Type::Uint256, "ran".into(), None),
                Stmt::While(
                    Expr::binary("<", Expr::ident("ran"), Expr::ident("maxPeriods")),
                    loop_body,
                ),
                Stmt::Return(Some(Expr::ident("ran"))),
            ],
        });
        members.push(Member::Function {
            doc: vec!["Anyone may advance the schedule in bounded chunks.".into()],
            name: "catch_up".into(),
            params: vec![Param {
                ty: Type::Uint256,
                name: "maxPeriods".into(),
            }],
            visibility: "external",
            mutability: Mutability::Mutable,
            qualifiers: vec!["nonReentrant".into()],
            returns: Some(Type::Uint256),
            body: vec![Stmt::Return(Some(
                Expr::ident("_catchUp").call(vec![Expr::ident("maxPeriods")]),
            ))],
        });
        for (index, hook) in hooks.iter().enumerate() {
            let names = self.local_names(mechanism, &hook.body);
            let scope = Scope {
                mechanism: Some(mechanism),
                body: Some(&hook.body),
                in_hook: true,
                local_names: names.clone(),
                constructor_args: false,
            };
            let mut body = declare_locals(&hook.body, &names);
            body.extend(self.block(&hook.body.block, &scope));
            let mut uses_now = false;
            mir::visit::block_exprs(&hook.body.block, &mut |e| {
                uses_now |= matches!(
                    e.kind,
                    ExprKind::Env(mir::Env::Now)
                        | ExprKind::VestingRead {
                            read: mir::VestingRead::Releasable,
                            ..
                        }
                )
            });
            // An unnamed parameter when the hook does not read the time.
            let now_name = if uses_now { "_now" } else { "" };
            members.push(Member::Function {
                doc: vec![],
                name: format!("_hook{index}"),
                params: vec![Param {
                    ty: Type::Uint256,
                    name: now_name.into(),
                }],
                visibility: "internal",
                mutability: Mutability::Mutable,
                qualifiers: vec![],
                returns: None,
                body,
            });
        }
        members
    }

    // ---- Statements ----------------------------------------------------------------

    fn block(&mut self, block: &mir::Block, scope: &Scope<'_>) -> Vec<Stmt> {
        let mut out = Vec::new();
        for stmt in block {
            self.stmt(stmt, scope, &mut out);
        }
        out
    }

    fn local(scope: &Scope<'_>, local: mir::LocalId) -> Expr {
        Expr::ident(
            scope
                .local_names
                .get(local as usize)
                .cloned()
                .unwrap_or_else(|| format!("l{local}")),
        )
    }

    fn field_place(
        &mut self,
        scope: &Scope<'_>,
        mechanism: mir::MechanismId,
        field: mir::FieldId,
        keys: &[mir::Expr],
    ) -> Expr {
        if Some(mechanism) != scope.mechanism {
            return self.unsupported("writing another mechanism's state");
        }
        let name = ident(&self.program.mechanisms[mechanism as usize].fields[field as usize].name);
        let mut place = Expr::ident(name);
        for key in keys {
            let key = self.expr(key, scope);
            place = place.index(key);
        }
        place
    }

    fn stmt(&mut self, stmt: &mir::Stmt, scope: &Scope<'_>, out: &mut Vec<Stmt>) {
        match stmt {
            mir::Stmt::Set { local, value } => {
                let value = self.expr(value, scope);
                let name = scope
                    .body
                    .and_then(|b| b.locals.get(*local as usize))
                    .map(|(n, _)| n.as_str());
                if name == Some("_") {
                    out.push(Stmt::Expr(value));
                } else {
                    out.push(Stmt::Assign(Self::local(scope, *local), value));
                }
            }
            mir::Stmt::Store {
                mechanism,
                field,
                keys,
                value,
            } => {
                let place = self.field_place(scope, *mechanism, *field, keys);
                let value = self.expr(value, scope);
                out.push(Stmt::Assign(place, value));
            }
            mir::Stmt::Push {
                mechanism,
                field,
                keys,
                value,
            } => {
                let place = self.field_place(scope, *mechanism, *field, keys);
                let program = self.program;
                if let Some(bound) =
                    &program.mechanisms[*mechanism as usize].fields[*field as usize].bound
                {
                    let bound = self.expr(bound, scope);
                    out.push(Stmt::If(
                        vec![(
                            Expr::binary(">=", place.clone().member("length"), bound),
                            vec![Stmt::Revert("ListFull".into(), vec![])],
                        )],
                        vec![],
                    ));
                }
                let value = self.expr(value, scope);
                out.push(Stmt::Expr(place.member("push").call(vec![value])));
            }
            mir::Stmt::Require { condition, reason } => {
                let condition = self.expr(condition, scope);
                // `require not x` reads best as `if (x) revert`.
                let failed = match condition {
                    Expr::Not(inner) => *inner,
                    condition => Expr::Not(Box::new(condition)),
                };
                out.push(Stmt::If(
                    vec![(failed, vec![Stmt::Revert(error_name(reason), vec![])])],
                    vec![],
                ));
            }
            mir::Stmt::Revert { reason } => out.push(Stmt::Revert(error_name(reason), vec![])),
            mir::Stmt::Emit { event, args } => {
                let program = self.program;
                let name = scope
                    .mechanism
                    .and_then(|m| program.mechanisms[m as usize].events.get(*event as usize))
                    .map_or_else(|| "Unknown".to_string(), |e| ident(&e.name));
                let args = args.iter().map(|a| self.expr(a, scope)).collect();
                out.push(Stmt::Emit(name, args));
            }
            mir::Stmt::If { arms, otherwise } => {
                let arms = arms
                    .iter()
                    .map(|(condition, body)| (self.expr(condition, scope), self.block(body, scope)))
                    .collect();
                let otherwise = self.block(otherwise, scope);
                out.push(Stmt::If(arms, otherwise));
            }
            mir::Stmt::ForRange {
                local,
                start,
                end,
                body,
            } => {
                let Expr::Ident(var) = Self::local(scope, *local) else {
                    return;
                };
                let start = self.expr(start, scope);
                let end = self.expr(end, scope);
                let body = self.block(body, scope);
                out.push(Stmt::Assign(Expr::ident(var.clone()), start));
                out.push(Stmt::While(
                    Expr::binary("<", Expr::ident(var.clone()), end),
                    {
                        let mut body = body;
                        body.push(Stmt::Assign(
                            Expr::ident(var.clone()),
                            Expr::binary("+", Expr::ident(var), Expr::Number("1".into())),
                        ));
                        body
                    },
                ));
            }
            mir::Stmt::ForEach {
                local,
                mechanism,
                field,
                keys,
                body,
            } => {
                let list = self.field_place(scope, *mechanism, *field, keys);
                let counter = format!("_i{local}");
                let length = format!("_n{local}");
                // The list as it was when the loop started (its length, at least).
                out.push(Stmt::Declare(
                    Type::Uint256,
                    length.clone(),
                    Some(list.clone().member("length")),
                ));
                let mut inner = vec![Stmt::Assign(
                    Self::local(scope, *local),
                    list.index(Expr::ident(counter.clone())),
                )];
                inner.extend(self.block(body, scope));
                out.push(Stmt::ForRange(
                    counter,
                    Expr::Number("0".into()),
                    Expr::ident(length),
                    inner,
                ));
            }
            mir::Stmt::Return(value) => {
                let value = self.expr(value, scope);
                out.push(Stmt::Return(Some(value)));
            }
            mir::Stmt::Call(call) => {
                let call = self.call(call, scope);
                out.push(Stmt::Expr(call));
            }
            mir::Stmt::StoreAgent { .. } | mir::Stmt::ForAgents { .. } | mir::Stmt::As { .. } => {
                self.unsupported("scenario code in a mechanism");
            }
        }
    }

    fn call(&mut self, call: &mir::Call, scope: &Scope<'_>) -> Expr {
        match call {
            mir::Call::Action {
                mechanism,
                action,
                args,
            } => {
                let program = self.program;
                let name =
                    ident(&program.mechanisms[*mechanism as usize].actions[*action as usize].name);
                let args = args.iter().map(|a| self.expr(a, scope)).collect();
                let target = if Some(*mechanism) == scope.mechanism {
                    Expr::ident("this")
                } else {
                    Expr::ident(self.entity_var(Entity::Mechanism(*mechanism)))
                };
                target.member(name).call(args)
            }
            mir::Call::Token { token, op, args } => {
                let mut args: Vec<Expr> = args.iter().map(|a| self.expr(a, scope)).collect();
                let token = Expr::ident(self.entity_var(Entity::Token(*token)));
                // Moves and approvals go through SafeERC20, which checks the
                // returned bool (our tokens revert instead of returning false,
                // and SafeERC20 bubbles that revert data unchanged).
                let safe = match op {
                    mir::TokenOp::Transfer => Some("safeTransfer"),
                    mir::TokenOp::TransferFrom => Some("safeTransferFrom"),
                    mir::TokenOp::Approve => Some("forceApprove"),
                    _ => None,
                };
                if let Some(function) = safe {
                    self.uses_safe_erc20 = true;
                    args.insert(0, token);
                    return Expr::ident("SafeERC20").member(function).call(args);
                }
                let method = match op {
                    mir::TokenOp::Transfer => "transfer",
                    mir::TokenOp::TransferFrom => "transferFrom",
                    mir::TokenOp::Approve => "approve",
                    mir::TokenOp::Mint => "mint",
                    mir::TokenOp::Burn => "burn",
                    mir::TokenOp::Delegate => "delegate",
                    mir::TokenOp::Pause => "pause",
                    mir::TokenOp::Unpause => "unpause",
                };
                token.member(method).call(args)
            }
            mir::Call::VestingRelease { .. }
            | mir::Call::Propose { .. }
            | mir::Call::Vote { .. }
            | mir::Call::Execute { .. } => {
                self.unsupported("vesting and governor calls from a mechanism")
            }
        }
    }

    // ---- Expressions ---------------------------------------------------------------

    fn expr(&mut self, expr: &mir::Expr, scope: &Scope<'_>) -> Expr {
        let address = |e: Expr| Expr::ident("address").call(vec![e]);
        match &expr.kind {
            ExprKind::Int(value) => Expr::Number(value.to_string()),
            ExprKind::Bool(value) => Expr::Bool(*value),
            ExprKind::Str(text) => Expr::Str(text.clone()),
            ExprKind::AddressLiteral(text)
                if text.trim_start_matches("0x").chars().all(|c| c == '0') =>
            {
                address(Expr::Number("0".into()))
            }
            ExprKind::AddressLiteral(text) => {
                Expr::ident(crate::checksum::checksummed(text.trim_start_matches("0x")))
            }
            ExprKind::Param(id) if scope.constructor_args => {
                Expr::ident(format!("{}_", self.program.params[*id as usize].name))
            }
            ExprKind::Param(id) => Expr::ident(self.param_var(*id)),
            ExprKind::Local(id) => Self::local(scope, *id),
            ExprKind::Load {
                mechanism,
                field,
                keys,
            } => {
                if Some(*mechanism) == scope.mechanism {
                    return self.field_place(scope, *mechanism, *field, keys);
                }
                // Another mechanism's public getter takes the keys as arguments.
                let program = self.program;
                let name =
                    ident(&program.mechanisms[*mechanism as usize].fields[*field as usize].name);
                let keys = keys.iter().map(|k| self.expr(k, scope)).collect();
                Expr::ident(self.entity_var(Entity::Mechanism(*mechanism)))
                    .member(name)
                    .call(keys)
            }
            ExprKind::Env(env) => match env {
                mir::Env::Now if scope.in_hook => Expr::ident("_now"),
                mir::Env::Now => Expr::ident("block").member("timestamp"),
                mir::Env::Deployed => Expr::ident("DEPLOYED"),
                mir::Env::Caller => Expr::ident("msg").member("sender"),
                mir::Env::This => address(Expr::ident("this")),
                mir::Env::AgentIndex | mir::Env::Step => {
                    self.unsupported("scenario values in a mechanism")
                }
            },
            ExprKind::Entity(entity) if Some(*entity) == scope.mechanism.map(Entity::Mechanism) => {
                address(Expr::ident("this"))
            }
            ExprKind::Entity(entity) if scope.constructor_args => {
                Expr::ident(self.entity_arg(*entity))
            }
            ExprKind::Entity(entity) => address(Expr::ident(self.entity_var(*entity))),
            ExprKind::Binary { op, lhs, rhs } => {
                let lhs = self.expr(lhs, scope);
                let rhs = self.expr(rhs, scope);
                match op {
                    mir::BinOp::Add => Expr::binary("+", lhs, rhs),
                    mir::BinOp::Sub => Expr::binary("-", lhs, rhs),
                    mir::BinOp::Mul => Expr::binary("*", lhs, rhs),
                    mir::BinOp::Div => Expr::binary("/", lhs, rhs),
                    mir::BinOp::Rem => Expr::binary("%", lhs, rhs),
                    mir::BinOp::Pow => Expr::binary("**", lhs, rhs),
                    mir::BinOp::PowWad => Expr::ident("_powWad").call(vec![lhs, rhs]),
                    mir::BinOp::Min => Expr::ident("Math").member("min").call(vec![lhs, rhs]),
                    mir::BinOp::Max => Expr::ident("Math").member("max").call(vec![lhs, rhs]),
                    _ => self.unsupported("float arithmetic"),
                }
            }
            ExprKind::MulDiv(a, b, c) => {
                let (a, b, c) = (
                    self.expr(a, scope),
                    self.expr(b, scope),
                    self.expr(c, scope),
                );
                Expr::ident("Math").member("mulDiv").call(vec![a, b, c])
            }
            ExprKind::Compare { op, lhs, rhs } => {
                let lhs = self.expr(lhs, scope);
                let rhs = self.expr(rhs, scope);
                let op = match op {
                    mir::CompareOp::Eq => "==",
                    mir::CompareOp::Ne => "!=",
                    mir::CompareOp::Lt => "<",
                    mir::CompareOp::Le => "<=",
                    mir::CompareOp::Gt => ">",
                    mir::CompareOp::Ge => ">=",
                };
                Expr::binary(op, lhs, rhs)
            }
            ExprKind::And(items) => {
                let items = items.iter().map(|i| self.expr(i, scope)).collect();
                and(items)
            }
            ExprKind::Or(items) => {
                let items = items.iter().map(|i| self.expr(i, scope)).collect();
                or(items)
            }
            ExprKind::Not(inner) => Expr::Not(Box::new(self.expr(inner, scope))),
            ExprKind::TokenRead { token, read, args } => {
                let args = args.iter().map(|a| self.expr(a, scope)).collect();
                let method = match read {
                    mir::TokenRead::TotalSupply => "totalSupply",
                    mir::TokenRead::Balance => "balanceOf",
                    mir::TokenRead::Allowance => "allowance",
                    mir::TokenRead::Votes => "getVotes",
                };
                Expr::ident(self.entity_var(Entity::Token(*token)))
                    .member(method)
                    .call(args)
            }
            ExprKind::View {
                mechanism,
                view,
                args,
            } => {
                let program = self.program;
                let name =
                    ident(&program.mechanisms[*mechanism as usize].views[*view as usize].name);
                let args = args.iter().map(|a| self.expr(a, scope)).collect();
                if Some(*mechanism) == scope.mechanism {
                    Expr::ident(name).call(args)
                } else {
                    Expr::ident(self.entity_var(Entity::Mechanism(*mechanism)))
                        .member(name)
                        .call(args)
                }
            }
            ExprKind::ListLength {
                mechanism,
                field,
                keys,
            } => {
                let place = self.field_place(scope, *mechanism, *field, keys);
                place.member("length")
            }
            ExprKind::ListContains {
                mechanism,
                field,
                value,
                ..
            } => {
                if Some(*mechanism) != scope.mechanism {
                    return self.unsupported("`contains` on another mechanism's list");
                }
                self.searched.insert((*mechanism, *field));
                let value = self.expr(value, scope);
                Expr::ident(contains_helper(
                    &self.program.mechanisms[*mechanism as usize].fields[*field as usize].name,
                ))
                .call(vec![value])
            }
            ExprKind::Sum { .. } => self.unsupported("`sum` outside invariants"),
            // At `now`, which in a hook is its boundary, not the block's time.
            ExprKind::VestingRead { vesting, read } => {
                let wallet = Expr::ident(self.entity_var(Entity::Vesting(*vesting)));
                let token = Entity::Token(self.program.vestings[*vesting as usize].token);
                let token = Expr::ident("address").call(vec![Expr::ident(self.entity_var(token))]);
                let released = wallet.clone().member("released").call(vec![token.clone()]);
                match read {
                    mir::VestingRead::Released => released,
                    mir::VestingRead::Releasable => {
                        let now = if scope.in_hook {
                            Expr::ident("_now")
                        } else {
                            Expr::ident("block").member("timestamp")
                        };
                        // Checked narrowing (a timestamp fits 64 bits for
                        // the next 584 billion years).
                        self.uses_safe_cast = true;
                        let at = Expr::ident("SafeCast").member("toUint64").call(vec![now]);
                        let vested = wallet.member("vestedAmount").call(vec![token, at]);
                        // A release after a hook's boundary but before its
                        // catch-up must not make the hook revert forever.
                        if let Some(mechanism) = scope.mechanism {
                            self.saturating.insert(mechanism);
                        }
                        Expr::ident(SATURATING_SUB).call(vec![vested, released])
                    }
                }
            }
            ExprKind::ProposalCount(_) => self.unsupported("governor reads from a mechanism"),
            ExprKind::Float(_)
            | ExprKind::AgentField { .. }
            | ExprKind::Series(_)
            | ExprKind::Agent { .. }
            | ExprKind::PopulationSize(_)
            | ExprKind::Neg(_)
            | ExprKind::Uniform
            | ExprKind::Normal { .. }
            | ExprKind::Bernoulli(_)
            | ExprKind::ToFloat { .. } => self.unsupported("scenario values in a mechanism"),
        }
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
