//! Tokens: an OpenZeppelin 5 ERC20 with the extensions the declaration asks
//! for (cap, burn, pause, votes, permit), its fee and its premints.

use super::*;

impl Lowerer<'_> {
    /// Whether any mechanism body mints `token`.
    pub(super) fn minted(&self, token: mir::TokenId) -> bool {
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
        let token = &self.program.tokens[id.index()];
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
}
