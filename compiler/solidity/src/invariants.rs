//! Tok `invariant`s as Foundry invariant tests (`test/<Program>.t.sol`).
//!
//! `setUp` deploys the whole program through the generated deployer, with
//! the params' defaults, the test contract as the first address param (so
//! a premint to a treasury, say, is in the hands of an actor) and an actor
//! account for every other (plus a few users); forge then calls random
//! functions of the deployed tokens and mechanisms from those actors and
//! checks every invariant after each call. An invariant is read through the contracts' public getters, so one
//! that needs what a contract cannot enumerate (`sum` over a mapping) or
//! does not expose is listed in the test contract's NatSpec as not checked
//! there (the simulation checks it after every transaction). The file needs
//! only forge itself: the target and sender lists are the functions forge
//! queries by name, so forge-std is not imported.

use tok_mir::{self as mir, BinOp, CompareOp, Entity, ExprKind, Program, TokenRead};

use crate::ast::{Contract, Expr, Member, Mutability, SourceUnit, Stmt, Type};
use crate::lower::{Lowerer, ident};

/// Users besides the address params.
const USERS: usize = 3;

/// The test file for a program, or `None` when it has no invariants.
pub fn tests(
    program: &Program,
    lowerer: &Lowerer<'_>,
    deployer: &Contract,
    source_path: &str,
) -> Option<String> {
    if program.mechanisms.iter().all(|m| m.invariants.is_empty()) {
        return None;
    }
    let constructor = deployer.members.iter().find_map(|m| match m {
        Member::Constructor { params, .. } => Some(params),
        _ => None,
    })?;
    // The deployer's public immutables: contract type -> getter.
    let getters: Vec<(String, String)> = deployer
        .members
        .iter()
        .filter_map(|m| match m {
            Member::StateVar(Type::Named(ty), qualifiers, name, _)
                if qualifiers.contains("public") =>
            {
                Some((ty.clone(), name.clone()))
            }
            _ => None,
        })
        .collect();
    let entities: Vec<Entity> = (mir::TokenId::all(program.tokens.len()).map(Entity::Token))
        .chain(mir::MechanismId::all(program.mechanisms.len()).map(Entity::Mechanism))
        .collect();
    let vars: Vec<(Entity, String, String)> = entities
        .iter()
        .filter_map(|entity| {
            let ty = lowerer.entity_type(*entity);
            let getter = getters.iter().find(|(t, _)| *t == ty)?.1.clone();
            Some((*entity, ty, getter))
        })
        .collect();
    let actor = |n: usize| {
        Expr::ident("address").call(vec![
            Expr::ident("uint160").call(vec![Expr::Number(format!("{}", 0x1_0000 + n))]),
        ])
    };
    let mut setup = Vec::new();
    let mut actors = 0;
    let mut this_used = false;
    let mut args = Vec::new();
    for param in constructor {
        let source = program
            .params
            .iter()
            .find(|p| format!("{}_", p.name) == param.name);
        let value = match (source.and_then(|p| p.default.as_ref()), &param.ty) {
            (Some(default), _) if matches!(default.kind, ExprKind::Int(_)) => {
                let ExprKind::Int(value) = &default.kind else {
                    return None;
                };
                Expr::Number(value.to_string())
            }
            (Some(default), _) if matches!(default.kind, ExprKind::Bool(_)) => {
                Expr::Bool(matches!(default.kind, ExprKind::Bool(true)))
            }
            // The first address param is this contract, so that what the
            // program gives it (a premint, say) is in play: forge calls
            // from it like any other actor.
            (_, Type::Address) if !this_used => {
                this_used = true;
                let this = Expr::ident("address").call(vec![Expr::ident("this")]);
                setup.push(Stmt::Expr(
                    Expr::ident("actors")
                        .member("push")
                        .call(vec![this.clone()]),
                ));
                this
            }
            (_, Type::Address) => {
                setup.push(Stmt::Expr(
                    Expr::ident("actors")
                        .member("push")
                        .call(vec![actor(actors)]),
                ));
                actors += 1;
                actor(actors - 1)
            }
            // A param this file cannot give a value: no test.
            _ => return None,
        };
        args.push(value);
    }
    for _ in 0..USERS {
        setup.push(Stmt::Expr(
            Expr::ident("actors")
                .member("push")
                .call(vec![actor(actors)]),
        ));
        actors += 1;
    }
    setup.push(Stmt::Declare(
        Type::Named(deployer.name.clone()),
        "deployment".into(),
        Some(Expr::ident(format!("new {}", deployer.name)).call(args)),
    ));
    for (_, _, getter) in &vars {
        setup.push(Stmt::Assign(
            Expr::ident(getter.clone()),
            Expr::ident("deployment")
                .member(getter.clone())
                .call(vec![]),
        ));
    }
    // This contract lets every mechanism pull its tokens, so calls that
    // take tokens (a stake, a deposit) get past the allowance.
    if this_used {
        for (_, _, token_var) in vars
            .iter()
            .filter(|(e, _, _)| matches!(e, Entity::Token(_)))
        {
            for (_, _, mechanism_var) in vars
                .iter()
                .filter(|(e, _, _)| matches!(e, Entity::Mechanism(_)))
            {
                setup.push(Stmt::Expr(
                    Expr::ident(token_var.clone()).member("approve").call(vec![
                        Expr::ident("address").call(vec![Expr::ident(mechanism_var.clone())]),
                        Expr::ident("type(uint256).max"),
                    ]),
                ));
            }
        }
    }
    let mut members = Vec::new();
    for (_, ty, getter) in &vars {
        members.push(Member::StateVar(
            Type::Named(ty.clone()),
            "internal".into(),
            getter.clone(),
            None,
        ));
    }
    members.push(Member::StateVar(
        Type::Array(Box::new(Type::Address)),
        "internal".into(),
        "actors".into(),
        None,
    ));
    members.push(Member::Function {
        doc: vec!["Deploys the program with its params' defaults.".into()],
        name: "setUp".into(),
        params: vec![],
        visibility: "public",
        mutability: Mutability::Mutable,
        qualifiers: vec![],
        returns: None,
        body: setup,
    });
    let mut targets = vec![Stmt::Declare(
        Type::Array(Box::new(Type::Address)),
        "targets".into(),
        Some(Expr::ident("new address[]").call(vec![Expr::Number(vars.len().to_string())])),
    )];
    for (index, (_, _, getter)) in vars.iter().enumerate() {
        targets.push(Stmt::Assign(
            Expr::ident("targets").index(Expr::Number(index.to_string())),
            Expr::ident("address").call(vec![Expr::ident(getter.clone())]),
        ));
    }
    targets.push(Stmt::Return(Some(Expr::ident("targets"))));
    members.push(Member::Function {
        doc: vec!["The contracts forge calls: every token and mechanism.".into()],
        name: "targetContracts".into(),
        params: vec![],
        visibility: "public",
        mutability: Mutability::View,
        qualifiers: vec![],
        returns: Some(Type::Array(Box::new(Type::Address))),
        body: targets,
    });
    members.push(Member::Function {
        doc: vec!["The accounts forge calls from: the address params and users.".into()],
        name: "targetSenders".into(),
        params: vec![],
        visibility: "public",
        mutability: Mutability::View,
        qualifiers: vec![],
        returns: Some(Type::Array(Box::new(Type::Address))),
        body: vec![Stmt::Return(Some(Expr::ident("actors")))],
    });
    let reader = Reader {
        program,
        vars: &vars,
    };
    let mut unchecked = Vec::new();
    for (id, mechanism) in program.mechanisms.iter().enumerate() {
        for (index, invariant) in mechanism.invariants.iter().enumerate() {
            let message = invariant
                .message
                .clone()
                .unwrap_or_else(|| "invariant".into());
            match reader.expr(&invariant.condition, mir::MechanismId::new(id)) {
                Some(condition) => members.push(Member::Function {
                    doc: vec![format!("{}: {message}", mechanism.name)],
                    name: format!("invariant_{}_{index}", ident(&mechanism.name)),
                    params: vec![],
                    visibility: "public",
                    mutability: Mutability::View,
                    qualifiers: vec![],
                    returns: None,
                    body: vec![Stmt::Expr(
                        Expr::ident("require").call(vec![condition, Expr::Str(message)]),
                    )],
                }),
                None => unchecked.push(format!("{}: {message:?}", mechanism.name)),
            }
        }
    }
    let mut doc = vec![
        format!(
            "@title The invariants of {}, fuzzed by forge",
            deployer.name
        ),
        "@notice After every random call from an actor, each invariant must hold.".into(),
    ];
    for line in &unchecked {
        doc.push(format!(
            "@dev Not checked here (needs what no getter exposes, such as a sum over a mapping; `tok sim` checks it): {line}"
        ));
    }
    let mut imports: Vec<(String, String)> = std::iter::once(&deployer.name)
        .chain(vars.iter().map(|(_, ty, _)| ty))
        .map(|name| (name.clone(), format!("../{source_path}")))
        .collect();
    imports.push((
        "Math".into(),
        "@openzeppelin/contracts/utils/math/Math.sol".into(),
    ));
    Some(crate::ast::print(&SourceUnit {
        imports,
        contracts: vec![Contract {
            doc,
            name: format!("{}Invariants", deployer.name.trim_start_matches("Deploy")),
            bases: vec![],
            members,
        }],
    }))
}

/// Invariant conditions read through public getters.
struct Reader<'a> {
    program: &'a Program,
    vars: &'a [(Entity, String, String)],
}

impl Reader<'_> {
    fn var(&self, entity: Entity) -> Option<Expr> {
        self.vars
            .iter()
            .find(|(e, _, _)| *e == entity)
            .map(|(_, _, getter)| Expr::ident(getter.clone()))
    }

    fn address(&self, entity: Entity) -> Option<Expr> {
        Some(Expr::ident("address").call(vec![self.var(entity)?]))
    }

    fn all(&self, exprs: &[mir::Expr], mechanism: mir::MechanismId) -> Option<Vec<Expr>> {
        exprs.iter().map(|e| self.expr(e, mechanism)).collect()
    }

    fn expr(&self, expr: &mir::Expr, mechanism: mir::MechanismId) -> Option<Expr> {
        Some(match &expr.kind {
            ExprKind::Int(value) => Expr::Number(value.to_string()),
            ExprKind::Bool(value) => Expr::Bool(*value),
            ExprKind::Param(id) => {
                let param = &self.program.params[id.index()];
                // A governed param may change; its default is not its value.
                if self
                    .program
                    .governors
                    .iter()
                    .any(|g| g.governs.contains(id))
                {
                    return None;
                }
                match param.default.as_ref().map(|d| &d.kind) {
                    Some(ExprKind::Int(value)) => Expr::Number(value.to_string()),
                    Some(ExprKind::Bool(value)) => Expr::Bool(*value),
                    _ => return None,
                }
            }
            ExprKind::Env(mir::Env::This) => self.address(Entity::Mechanism(mechanism))?,
            ExprKind::Entity(entity) => self.address(*entity)?,
            ExprKind::Load {
                mechanism: owner,
                field,
                keys,
            } => {
                let field = &self.program.mechanisms[owner.index()].fields[field.index()];
                if matches!(field.shape, mir::Shape::List(_)) {
                    return None;
                }
                self.var(Entity::Mechanism(*owner))?
                    .member(ident(&field.name))
                    .call(self.all(keys, mechanism)?)
            }
            ExprKind::View {
                mechanism: owner,
                view,
                args,
            } => {
                let name = &self.program.mechanisms[owner.index()].views[view.index()].name;
                self.var(Entity::Mechanism(*owner))?
                    .member(ident(name))
                    .call(self.all(args, mechanism)?)
            }
            ExprKind::TokenRead { token, read, args } => {
                let method = match read {
                    TokenRead::TotalSupply => "totalSupply",
                    TokenRead::Balance => "balanceOf",
                    TokenRead::Allowance => "allowance",
                    TokenRead::Votes => "getVotes",
                };
                self.var(Entity::Token(*token))?
                    .member(method)
                    .call(self.all(args, mechanism)?)
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let (a, b) = (self.expr(lhs, mechanism)?, self.expr(rhs, mechanism)?);
                match op {
                    BinOp::Add => Expr::binary("+", a, b),
                    BinOp::Sub => Expr::binary("-", a, b),
                    BinOp::Mul => Expr::binary("*", a, b),
                    BinOp::Div => Expr::binary("/", a, b),
                    BinOp::Rem => Expr::binary("%", a, b),
                    BinOp::Min => Expr::ident("Math").member("min").call(vec![a, b]),
                    BinOp::Max => Expr::ident("Math").member("max").call(vec![a, b]),
                    _ => return None,
                }
            }
            ExprKind::MulDiv(a, b, c) => Expr::ident("Math").member("mulDiv").call(vec![
                self.expr(a, mechanism)?,
                self.expr(b, mechanism)?,
                self.expr(c, mechanism)?,
            ]),
            ExprKind::Compare { op, lhs, rhs } => {
                let op = match op {
                    CompareOp::Eq => "==",
                    CompareOp::Ne => "!=",
                    CompareOp::Lt => "<",
                    CompareOp::Le => "<=",
                    CompareOp::Gt => ">",
                    CompareOp::Ge => ">=",
                };
                Expr::binary(op, self.expr(lhs, mechanism)?, self.expr(rhs, mechanism)?)
            }
            ExprKind::And(items) | ExprKind::Or(items) => {
                let op = if matches!(expr.kind, ExprKind::And(_)) {
                    "&&"
                } else {
                    "||"
                };
                let mut items = self.all(items, mechanism)?.into_iter();
                let first = items.next()?;
                items.fold(first, |acc, item| Expr::binary(op, acc, item))
            }
            ExprKind::Not(inner) => Expr::Not(Box::new(self.expr(inner, mechanism)?)),
            _ => return None,
        })
    }
}
