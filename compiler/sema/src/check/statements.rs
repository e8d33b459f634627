//! Statements: blocks and locals, assignment to places, control flow,
//! `require`, `emit` and loops, and the worlds each may run in.

use super::*;

impl Checker<'_> {
    pub(super) fn block(&mut self, block: &ast::Block) -> hir::Block {
        self.block_with(block, None)
    }

    pub(super) fn block_with(&mut self, block: &ast::Block, returns: Option<&Ty>) -> hir::Block {
        self.locals.push(BTreeMap::new());
        let stmts = block
            .stmts
            .iter()
            .filter_map(|stmt| self.stmt(stmt, returns))
            .collect();
        self.locals.pop();
        hir::Block { stmts }
    }

    pub(super) fn stmt(&mut self, stmt: &ast::Stmt, returns: Option<&Ty>) -> Option<hir::Stmt> {
        Some(match &stmt.kind {
            ast::StmtKind::Let { name, ty, value } => {
                let value = match ty {
                    Some(ty) => {
                        let ty = self.resolve_type(ty);
                        self.expr_expect(value, &ty)
                    }
                    None => self.value(value),
                };
                self.declare_local(name, value.ty.clone());
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
                        let end = Span::new(stmt.span.end, stmt.span.end);
                        self.report(
                            Diagnostic::error(Code::MISSING_REVERT_REASON, stmt.span, "`require` has no revert reason")
                                .with_label("a failed check here would revert without saying why")
                                .with_note("Revert reasons are part of the mechanism's interface: simulation and chain report the same reason.")
                                .with_help("add one: `require amount > 0 EMB else \"zero amount\"`")
                                .with_suggestion(end, " else \"reason\"", "Add a revert reason"),
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
                    self.locals.push(BTreeMap::new());
                    self.declare_local(var, Ty::Uint);
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
                    self.locals.push(BTreeMap::new());
                    self.declare_local(var, element);
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

    pub(super) fn for_collection(&mut self, collection: &ast::Expr) -> hir::Expr {
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

    pub(super) fn chain_only(&mut self, span: Span, what: &str) {
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
    pub(super) fn string_literal(&mut self, raw: &str, span: Span) -> Option<String> {
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

    pub(super) fn reason(&mut self, reason: &ast::Expr) -> Option<String> {
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

    pub(super) fn emit(
        &mut self,
        event: &ast::Name,
        args: &[ast::Arg],
        span: Span,
    ) -> Option<hir::Stmt> {
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
                Some(suggestion) => diagnostic.with_did_you_mean(suggestion),
                None => diagnostic.with_help(format!("declare it: `event {}(...)`", event.text)),
            };
            self.report(diagnostic);
            for arg in args {
                self.expr(&arg.value);
            }
            return None;
        };
        let definition = hir::Definition::Event {
            mechanism,
            event: event.text.clone(),
        };
        self.refers(event.span, definition, None);
        let args = self.arguments(&fields, args, span, &format!("event `{}`", event.text));
        Some(hir::Stmt::Emit {
            event: event.text.clone(),
            args,
        })
    }

    pub(super) fn assign(
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

    pub(super) fn condition(&mut self, condition: &ast::Expr) -> hir::Expr {
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
}
