//! A governance proposal through the timelock, on the interpreter and on
//! the deployed contracts in revm, step by step to the wei.
//!
//! `examples/dao_parameter.tok`: three holders get votes, one proposes to
//! lower the DAO-governed inflation from 5% to 2% a year, two vote for and
//! one against, the proposal is queued (on chain, by a keeper, the first day
//! after voting ends; the simulation queues implicitly) and executed after
//! the timelock, and the daily minting hook then mints at the new rate.
//! After every transaction and every day, both sides must agree on every
//! balance, the supply, the minted total and the param.

use std::collections::BTreeMap;

use alloy_dyn_abi::{DynSolValue, JsonAbiExt};
use revm::primitives::{Address, U256};
use tok_mir::{Call, ExprKind, GovernorId, ParamId, Stmt, TokenId};
use tok_tests::evm::{Chain, Outcome, to_evm};
use tok_world::state::{self, Value};
use tok_world::{CallTarget, GENESIS, PendingCall, World};

const DAY: u64 = 86_400;

fn succeeds(outcome: Outcome, what: &str) -> Vec<DynSolValue> {
    match outcome {
        Outcome::Returned(values) => values,
        Outcome::Reverted(data) => panic!("{what} reverted on chain: {data:02x?}"),
    }
}

#[test]
fn a_proposal_changes_a_param_through_the_timelock() {
    let tok_tests::evm::Compiled {
        program,
        artifacts: compiled,
    } = tok_tests::evm::compile("examples/dao_parameter.tok", "dao_parameter");

    // The proposed value, as the example's scenario writes it (2% a year).
    let mut proposed = None;
    let scenario = &program.scenarios[0];
    for population in &scenario.populations {
        if let Some(body) = &population.each_step {
            tok_mir::visit::block_stmts(&body.block, &mut |stmt| {
                if let Stmt::Call(Call::Propose { value, .. }) = stmt
                    && let ExprKind::Int(v) = value.kind
                {
                    proposed = Some(v);
                }
            });
        }
    }
    let proposed = proposed.expect("the scenario proposes a value");
    let inflation = program
        .params
        .iter()
        .position(|p| p.name == "inflation")
        .map(ParamId::new)
        .expect("a param");
    let ExprKind::Int(initial) = program.params[inflation.index()]
        .default
        .as_ref()
        .expect("a default")
        .kind
    else {
        panic!("an integer default");
    };
    assert_ne!(initial, proposed);

    // The interpreter's world and its accounts.
    let mut world = World::deploy(&program, &[], &tok_interp::Interpreter).expect("deploys");
    let treasury_param = program
        .params
        .iter()
        .position(|p| p.name == "treasury")
        .expect("a treasury");
    let treasury = world.state.params[treasury_param].address();
    let voters: Vec<state::Address> = (0..3).map(|_| world.new_account()).collect();
    let mut accounts: BTreeMap<state::Address, Address> = BTreeMap::new();
    accounts.insert(treasury, Address::with_last_byte(0x10));
    for (index, voter) in voters.iter().enumerate() {
        accounts.insert(*voter, Address::with_last_byte(0x80 + index as u8));
    }

    // The chain: everything deployed by the generated deployer.
    let mut chain = Chain::new(GENESIS);
    let deployed = chain.deploy_program(
        &compiled,
        "DeployDaoParameter",
        &BTreeMap::from([
            (
                "treasury_".to_string(),
                DynSolValue::Address(accounts[&treasury]),
            ),
            (
                "inflation_".to_string(),
                DynSolValue::Uint(to_evm(initial), 256),
            ),
        ]),
        &[
            ("vote_token", "VOTE"),
            ("inflation_contract", "Inflation"),
            ("dao_governor", "DAO"),
        ],
    );
    let (vote, minter, dao) = (
        deployed["vote_token"],
        deployed["inflation_contract"],
        deployed["dao_governor"],
    );
    let keeper = Address::with_last_byte(0xee);

    let (vote_id, dao_id) = (TokenId::new(0), GovernorId::new(0));
    let mut now = GENESIS;
    let mut log: Vec<String> = Vec::new();

    // Both sides agree on every balance, the supply, the minted total and
    // the param.
    let compare = |world: &World<'_>, chain: &mut Chain, log: &[String]| {
        let ledger = &world.state.ledgers[vote_id.index()];
        let after = log.last().cloned().unwrap_or_default();
        assert_eq!(
            chain.uint(vote, "totalSupply", &[]),
            to_evm(ledger.total_supply),
            "supply after {after}"
        );
        for (interp, evm) in &accounts {
            assert_eq!(
                chain.uint(vote, "balanceOf", &[DynSolValue::Address(*evm)]),
                to_evm(ledger.balance(*interp)),
                "balance of {evm} after {after}"
            );
            assert_eq!(
                chain.uint(vote, "getVotes", &[DynSolValue::Address(*evm)]),
                to_evm(ledger.votes(*interp)),
                "votes of {evm} after {after}"
            );
        }
        let minted = world.state.fields[0][0].get(&[]).expect("minted").int();
        assert_eq!(
            chain.uint(minter, "minted", &[]),
            to_evm(minted),
            "minted after {after}"
        );
        assert_eq!(
            chain.uint(minter, "INFLATION", &[]),
            to_evm(world.state.params[inflation.index()].int()),
            "inflation after {after}"
        );
    };
    let advance = |days: u64, now: &mut u64, world: &mut World<'_>, chain: &mut Chain| {
        for _ in 0..days {
            *now += DAY;
            world.advance_to(*now).expect("hooks run");
            chain.set_time(*now);
            succeeds(
                chain.call(
                    keeper,
                    minter,
                    "catch_up",
                    &[DynSolValue::Uint(U256::MAX, 256)],
                ),
                "catch_up",
            );
        }
    };

    // Day 0: the treasury hands out votes; everyone delegates to themselves.
    for voter in &voters {
        let call = PendingCall::token(
            vote_id,
            tok_mir::TokenOp::Transfer,
            vec![
                Value::Address(*voter),
                Value::Int(tok_runtime::U256::from(10_000_000u64) * tok_runtime::WAD),
            ]
            .into(),
        );
        assert_eq!(world.transact(treasury, &call).expect("runs"), None);
        succeeds(
            chain.call(
                accounts[&treasury],
                vote,
                "transfer",
                &[
                    DynSolValue::Address(accounts[voter]),
                    DynSolValue::Uint(
                        U256::from(10_000_000u64) * U256::from(10u64).pow(U256::from(18)),
                        256,
                    ),
                ],
            ),
            "transfer",
        );
        let delegate = PendingCall::token(
            vote_id,
            tok_mir::TokenOp::Delegate,
            vec![Value::Address(*voter)].into(),
        );
        assert_eq!(world.transact(*voter, &delegate).expect("runs"), None);
        succeeds(
            chain.call(
                accounts[voter],
                vote,
                "delegate",
                &[DynSolValue::Address(accounts[voter])],
            ),
            "delegate",
        );
        log.push(format!("voter {voter} funded and delegated"));
        compare(&world, &mut chain, &log);
    }

    // Day 1: the first voter proposes.
    advance(1, &mut now, &mut world, &mut chain);
    let set_inflation = compiled["Inflation"]
        .abi
        .function("set_inflation")
        .and_then(|f| f.first())
        .expect("a setter")
        .abi_encode_input(&[DynSolValue::Uint(to_evm(proposed), 256)])
        .expect("encodes");
    let description = "Lower inflation to 2% a year".to_string();
    let proposal = (
        DynSolValue::Array(vec![DynSolValue::Address(minter)]),
        DynSolValue::Array(vec![DynSolValue::Uint(U256::ZERO, 256)]),
        DynSolValue::Array(vec![DynSolValue::Bytes(set_inflation)]),
    );
    let id = match succeeds(
        chain.call(
            accounts[&voters[0]],
            dao,
            "propose",
            &[
                proposal.0.clone(),
                proposal.1.clone(),
                proposal.2.clone(),
                DynSolValue::String(description.clone()),
            ],
        ),
        "propose",
    )
    .first()
    {
        Some(DynSolValue::Uint(id, _)) => *id,
        other => panic!("propose returned {other:?}"),
    };
    let propose = PendingCall {
        target: CallTarget::Propose {
            governor: dao_id,
            param: inflation,
        },
        args: vec![Value::Int(proposed)].into(),
    };
    assert_eq!(world.transact(voters[0], &propose).expect("runs"), None);
    log.push("proposal".into());
    compare(&world, &mut chain, &log);

    // Day 3: two votes for, one against.
    advance(2, &mut now, &mut world, &mut chain);
    for (index, voter) in voters.iter().enumerate() {
        let support = index < 2;
        let call = PendingCall {
            target: CallTarget::Vote { governor: dao_id },
            args: vec![Value::Int(tok_runtime::U256::ZERO), Value::Bool(support)].into(),
        };
        assert_eq!(world.transact(*voter, &call).expect("runs"), None);
        succeeds(
            chain.call(
                accounts[voter],
                dao,
                "castVote",
                &[
                    DynSolValue::Uint(id, 256),
                    DynSolValue::Uint(U256::from(u8::from(support)), 8),
                ],
            ),
            "castVote",
        );
        log.push(format!("vote by {voter}"));
        compare(&world, &mut chain, &log);
    }

    // Voting ends on day 9. On day 10 a keeper queues on chain (the
    // simulation queues implicitly at the deadline).
    advance(7, &mut now, &mut world, &mut chain);
    let description_hash =
        DynSolValue::FixedBytes(alloy_primitives::keccak256(description.as_bytes()), 32);
    let queue_args = [
        proposal.0.clone(),
        proposal.1.clone(),
        proposal.2.clone(),
        description_hash,
    ];
    succeeds(chain.call(keeper, dao, "queue", &queue_args), "queue");

    // Day 12: past both timelocks (the simulation's runs from the deadline
    // and ends on day 11, the chain's from the queueing and ends on day 12).
    advance(2, &mut now, &mut world, &mut chain);
    let execute = PendingCall {
        target: CallTarget::Execute { governor: dao_id },
        args: vec![Value::Int(tok_runtime::U256::ZERO)].into(),
    };
    assert_eq!(world.transact(voters[1], &execute).expect("runs"), None);
    succeeds(
        chain.call(accounts[&voters[1]], dao, "execute", &queue_args),
        "execute",
    );
    log.push("execute".into());
    compare(&world, &mut chain, &log);
    assert_eq!(world.state.params[inflation.index()].int(), proposed);

    // Ten more days of minting at the new rate.
    let minted_before = world.state.fields[0][0].get(&[]).expect("minted").int();
    for day in 0..10 {
        advance(1, &mut now, &mut world, &mut chain);
        log.push(format!("day {} after execution", day + 1));
        compare(&world, &mut chain, &log);
    }
    let minted_after = world.state.fields[0][0].get(&[]).expect("minted").int();
    assert!(minted_after > minted_before);
}
