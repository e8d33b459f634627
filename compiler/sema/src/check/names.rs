//! Names and postfix chains: locals, items and builtins resolved to a
//! head, then members, indexing and calls applied in turn.

use super::*;

impl Checker<'_> {
    pub(super) fn lookup_local(&self, name: &str) -> Option<&Local> {
        self.locals.iter().rev().find_map(|scope| scope.get(name))
    }

    pub(super) fn resolve_name(&mut self, name: &str, span: Span) -> Head {
        if let Some(local) = self.lookup_local(name).cloned() {
            let definition = hir::Definition::Local {
                name: name.to_string(),
                declared: local.declared,
            };
            self.refers(span, definition, Some(&local.ty));
            return Head::Value(hir::Expr {
                kind: hir::ExprKind::Local(name.to_string()),
                ty: local.ty,
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
            let (mechanism, ty) = (mechanism.clone(), ty.clone());
            let definition = hir::Definition::Field {
                mechanism: mechanism.clone(),
                field: name.to_string(),
            };
            self.refers(span, definition, Some(&ty));
            return Head::Value(hir::Expr {
                kind: hir::ExprKind::State {
                    mechanism,
                    field: name.to_string(),
                },
                ty,
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
            let mechanism = mechanism.clone();
            let definition = hir::Definition::View {
                mechanism: mechanism.clone(),
                view: name.to_string(),
            };
            self.refers(span, definition, None);
            return Head::Pending {
                callee: Pending::View(mechanism, name.to_string()),
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
            let (population, ty) = (population.clone(), ty.clone());
            let definition = hir::Definition::AgentField {
                population: population.clone(),
                field: name.to_string(),
            };
            self.refers(span, definition, Some(&ty));
            return Head::Value(hir::Expr {
                kind: hir::ExprKind::AgentState {
                    population,
                    field: name.to_string(),
                },
                ty,
                span,
            });
        }
        if self.world == World::Scenario && self.scenario.series.contains(name) {
            let definition = hir::Definition::Series(name.to_string());
            self.refers(span, definition, Some(&Ty::Float));
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
            let ty = ty.clone();
            self.refers(span, hir::Definition::Param(name.to_string()), Some(&ty));
            return Head::Value(hir::Expr {
                kind: hir::ExprKind::Param(name.to_string()),
                ty,
                span,
            });
        }
        let name = name.to_string();
        if self.sigs.tokens.contains_key(&name) {
            self.refers(span, hir::Definition::Token(name.clone()), None);
            return Head::Token(name);
        }
        if self.sigs.mechanisms.contains_key(&name) {
            self.refers(span, hir::Definition::Mechanism(name.clone()), None);
            return Head::Mechanism(name);
        }
        if self.sigs.vestings.contains_key(&name) {
            self.refers(span, hir::Definition::Vesting(name.clone()), None);
            return Head::Vesting(name);
        }
        if self.sigs.governors.contains_key(&name) {
            self.refers(span, hir::Definition::Governor(name.clone()), None);
            return Head::Governor(name);
        }
        if self.world == World::Scenario && self.scenario.populations.contains_key(&name) {
            self.refers(span, hir::Definition::Population(name.clone()), None);
            return Head::Population(name);
        }
        let name = name.as_str();
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

    pub(super) fn builtin_value(&mut self, name: &str, span: Span) -> Option<Head> {
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

    pub(super) fn unknown_name(&self, name: &str, span: Span) -> Diagnostic {
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
            diagnostic = diagnostic.with_did_you_mean(suggestion);
        } else if self.world == World::Chain
            && (self.scenario.series.contains(name) || name == "index")
        {
            diagnostic = diagnostic.with_help("scenario names are not visible in chain code");
        }
        diagnostic
    }

    pub(super) fn suffix(
        &mut self,
        head: Head,
        suffix: &ast::Suffix,
        span: Span,
        base_span: Span,
    ) -> Head {
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

    pub(super) fn member(&mut self, head: Head, name: &ast::Name, span: Span) -> Head {
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
                    let ty = ty.clone();
                    let definition = hir::Definition::Field {
                        mechanism: mechanism.clone(),
                        field: text.to_string(),
                    };
                    self.refers(name.span, definition, Some(&ty));
                    return Head::Value(hir::Expr {
                        kind: hir::ExprKind::State {
                            mechanism,
                            field: text.to_string(),
                        },
                        ty,
                        span,
                    });
                }
                if sig.actions.contains_key(text) {
                    let definition = hir::Definition::Action {
                        mechanism: mechanism.clone(),
                        action: text.to_string(),
                    };
                    self.refers(name.span, definition, None);
                    return Head::Pending {
                        callee: Pending::Action(mechanism, text.to_string()),
                        name: text.to_string(),
                    };
                }
                if sig.views.contains_key(text) {
                    let definition = hir::Definition::View {
                        mechanism: mechanism.clone(),
                        view: text.to_string(),
                    };
                    self.refers(name.span, definition, None);
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
                            VESTING_MEMBERS.iter().copied(),
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
                        GOVERNOR_MEMBERS.iter().copied(),
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
    pub(super) fn finish(&mut self, head: Head, span: Span) -> hir::Expr {
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
}
