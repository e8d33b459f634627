//! Governors: OpenZeppelin's Governor with its timelock, and the setters of
//! the params it governs.

use super::*;

impl Lowerer<'_> {
    /// OpenZeppelin's Governor with settings, simple counting, votes, a
    /// quorum fraction (in WAD: the denominator is 1e18) and timelock
    /// control, as the OpenZeppelin Wizard writes it.
    pub fn governor(&mut self, id: mir::GovernorId) -> Contract {
        let governor = &self.program.governors[id.index()];
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
                ty: type_of(self.program.params[p.index()].repr),
                name: format!("{}_", self.program.params[p.index()].name),
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
}
