//! Calls: actions and views, token, vesting and governor methods,
//! builtin functions, and the matching of arguments to parameters.

use super::*;

impl Checker<'_> {
    pub(super) fn call(
        &mut self,
        callee: Pending,
        name: &str,
        args: &[ast::Arg],
        span: Span,
    ) -> hir::Expr {
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

    pub(super) fn governor_call(
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

    pub(super) fn token_call(
        &mut self,
        token: String,
        method: TokenMethod,
        args: &[ast::Arg],
        span: Span,
    ) -> hir::Expr {
        let (params, returns) = crate::vocabulary::token_method(method, &token);
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

    pub(super) fn builtin_call(
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

    pub(super) fn same_numeric(&mut self, values: &[hir::Expr], name: &str) -> Ty {
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
    pub(super) fn arguments(
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
                            diagnostic = diagnostic.with_did_you_mean(suggestion);
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
