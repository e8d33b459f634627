//! Mechanisms: a contract per mechanism with its state, events, actions,
//! views and access rules, and its `every` hooks behind `_catchUp`.

use super::*;

impl Lowerer<'_> {
    pub fn mechanism(&mut self, id: mir::MechanismId) -> Contract {
        let program = self.program;
        let mechanism = &program.mechanisms[id.index()];
        self.at = mechanism.span;
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
                .insert(Entity::Token(program.vestings[vesting.index()].token));
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
            let name = &self.program.params[param.index()].name;
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
                    ty: type_of(self.program.params[param.index()].repr),
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
            .range((id, mir::FieldId::new(0))..=(id, mir::FieldId::from_raw(u32::MAX)))
            .map(|(_, field)| *field)
            .collect();
        for field in searched {
            let field = &mechanism.fields[field.index()];
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

    pub(super) fn uses_pow_wad(&self, mechanism: &mir::Mechanism) -> bool {
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
    pub(crate) fn local_names(&self, mechanism: mir::MechanismId, body: &mir::Body) -> Vec<String> {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for (name, _) in &body.locals {
            *counts.entry(name.as_str()).or_default() += 1;
        }
        // Names of the contract's own members: a local may not shadow them.
        let m = &self.program.mechanisms[mechanism.index()];
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

    pub(super) fn function(
        &mut self,
        mechanism: mir::MechanismId,
        function: &mir::Function,
        visibility: &'static str,
        mutability: Mutability,
        prologue: Vec<Stmt>,
    ) -> Member {
        let outer = std::mem::replace(&mut self.at, function.span);
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
        self.at = outer;
        let mechanism_name = &self.program.mechanisms[mechanism.index()].name;
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
    pub(super) fn hooks(&mut self, mechanism: mir::MechanismId) -> Vec<Member> {
        let program = self.program;
        let hooks = &program.mechanisms[mechanism.index()].hooks;
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
            self.at = hook.span;
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
}
