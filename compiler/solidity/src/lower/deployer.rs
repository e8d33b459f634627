//! The deployer: one contract that deploys every contract of the program in
//! order, wiring each one's addresses and params into the next.

use super::*;

impl Lowerer<'_> {
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
                let param = &program.params[id.index()];
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
                let governor = &program.governors[id.index()];
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
                            Expr::ident(format!("{}_", program.params[p.index()].name))
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
}
