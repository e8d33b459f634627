//! Vesting wallets: OpenZeppelin's VestingWallet with a cliff and a share
//! released at the start (TGE).

use super::*;

impl Lowerer<'_> {
    /// OpenZeppelin's `VestingWalletCliff`; with a TGE share the schedule is
    /// overridden to release that share at the start.
    pub fn vesting(&mut self, id: mir::VestingId) -> Contract {
        let vesting = &self.program.vestings[id.index()];
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
}
