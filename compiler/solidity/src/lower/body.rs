//! Bodies: MIR statements and expressions as Solidity statements and
//! expressions, with checked arithmetic as Solidity 0.8 has it.

use super::*;

impl Lowerer<'_> {
    pub(super) fn block(&mut self, block: &mir::Block, scope: &Scope<'_>) -> Vec<Stmt> {
        let mut out = Vec::new();
        for stmt in block {
            self.stmt(stmt, scope, &mut out);
        }
        out
    }

    pub(super) fn local(scope: &Scope<'_>, local: mir::LocalId) -> Expr {
        Expr::ident(
            scope
                .local_names
                .get(local.index())
                .cloned()
                .unwrap_or_else(|| format!("l{local}")),
        )
    }

    pub(super) fn field_place(
        &mut self,
        scope: &Scope<'_>,
        mechanism: mir::MechanismId,
        field: mir::FieldId,
        keys: &[mir::Expr],
    ) -> Expr {
        if Some(mechanism) != scope.mechanism {
            return self.unsupported("writing another mechanism's state");
        }
        let name = ident(&self.program.mechanisms[mechanism.index()].fields[field.index()].name);
        let mut place = Expr::ident(name);
        for key in keys {
            let key = self.expr(key, scope);
            place = place.index(key);
        }
        place
    }

    pub(super) fn stmt(&mut self, stmt: &mir::Stmt, scope: &Scope<'_>, out: &mut Vec<Stmt>) {
        match stmt {
            mir::Stmt::Set { local, value } => {
                let value = self.expr(value, scope);
                let name = scope
                    .body
                    .and_then(|b| b.locals.get(local.index()))
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
                    &program.mechanisms[mechanism.index()].fields[field.index()].bound
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
                    .and_then(|m| program.mechanisms[m.index()].events.get(event.index()))
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

    pub(super) fn call(&mut self, call: &mir::Call, scope: &Scope<'_>) -> Expr {
        match call {
            mir::Call::Action {
                mechanism,
                action,
                args,
            } => {
                let program = self.program;
                let name =
                    ident(&program.mechanisms[mechanism.index()].actions[action.index()].name);
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

    pub(super) fn expr(&mut self, expr: &mir::Expr, scope: &Scope<'_>) -> Expr {
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
            ExprKind::AddressLiteral(text) => Expr::ident(tok_sema::checksum::checksummed(
                text.trim_start_matches("0x"),
            )),
            ExprKind::Param(id) if scope.constructor_args => {
                Expr::ident(format!("{}_", self.program.params[id.index()].name))
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
                let name = ident(&program.mechanisms[mechanism.index()].fields[field.index()].name);
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
                let name = ident(&program.mechanisms[mechanism.index()].views[view.index()].name);
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
                    &self.program.mechanisms[mechanism.index()].fields[field.index()].name,
                ))
                .call(vec![value])
            }
            ExprKind::Sum { .. } => self.unsupported("`sum` outside invariants"),
            // At `now`, which in a hook is its boundary, not the block's time.
            ExprKind::VestingRead { vesting, read } => {
                let wallet = Expr::ident(self.entity_var(Entity::Vesting(*vesting)));
                let token = Entity::Token(self.program.vestings[vesting.index()].token);
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
