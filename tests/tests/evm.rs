//! The generated Solidity, executed in revm, against the reference
//! interpreter: the same trace, the same numbers to the wei.

use std::collections::BTreeMap;

use alloy_dyn_abi::DynSolValue;
use revm::primitives::{Address, U256};
use tok_mir::{FunctionId, MechanismId, TokenId};
use tok_tests::evm::{Chain, Outcome};
use tok_world::state::Value;
use tok_world::{GENESIS, PendingCall, World};

fn uint(value: u128) -> DynSolValue {
    DynSolValue::Uint(U256::from(value), 256)
}

fn address(byte: u8) -> Address {
    Address::with_last_byte(byte)
}

/// Staking economy, one holder: fund, approve, stake; a day later the
/// emission is minted to the only staker by the catch-up of the next action.
#[test]
fn staking_economy_trace_matches_the_interpreter() {
    let tok_tests::evm::Compiled {
        program,
        artifacts: contracts,
    } = tok_tests::evm::compile("examples/staking_economy.tok", "staking_economy");

    // --- EVM ---------------------------------------------------------------------
    let (deployer, treasury, holder, friend) =
        (address(0xd0), address(0x71), address(0x42), address(0x43));
    let mut chain = Chain::new(GENESIS);
    let token_address = deployer.create(0);
    let staking_address = deployer.create(1);
    let e18: u128 = 1_000_000_000_000_000_000;
    let token_args = BTreeMap::from([
        ("treasury_".to_string(), DynSolValue::Address(treasury)),
        (
            "staking_contract_".to_string(),
            DynSolValue::Address(staking_address),
        ),
    ]);
    assert_eq!(
        chain.deploy(deployer, &contracts["STK"], &token_args),
        token_address
    );
    let staking_args = BTreeMap::from([
        ("max_stakers_".to_string(), uint(1_000_000)),
        ("base_emission_".to_string(), uint(100_000 * e18)),
        ("halving_days_".to_string(), uint(1460)),
        (
            "stk_token_".to_string(),
            DynSolValue::Address(token_address),
        ),
    ]);
    assert_eq!(
        chain.deploy(deployer, &contracts["Staking"], &staking_args),
        staking_address
    );
    let call = |chain: &mut Chain, from, to, f: &str, args: &[DynSolValue]| {
        let outcome = chain.call(from, to, f, args);
        assert!(matches!(outcome, Outcome::Returned(_)), "{f}: {outcome:?}");
    };
    call(
        &mut chain,
        treasury,
        token_address,
        "transfer",
        &[DynSolValue::Address(holder), uint(1_000_000 * e18)],
    );
    call(
        &mut chain,
        holder,
        token_address,
        "approve",
        &[DynSolValue::Address(staking_address), uint(100_000 * e18)],
    );
    call(
        &mut chain,
        holder,
        staking_address,
        "stake",
        &[uint(100_000 * e18)],
    );
    // A transfer of 1000 STK between two holders burns a 1% fee.
    call(
        &mut chain,
        holder,
        token_address,
        "transfer",
        &[DynSolValue::Address(friend), uint(1000 * e18)],
    );
    chain.set_time(GENESIS + 86_400);
    call(&mut chain, holder, staking_address, "unstake", &[uint(1)]);
    // Unstaking zero reverts with the custom error of "zero amount".
    let zero = chain.call(holder, staking_address, "unstake", &[uint(0)]);
    assert_eq!(
        zero,
        Outcome::Reverted(chain.error_selector(staking_address, "ZeroAmount"))
    );

    // --- Interpreter ------------------------------------------------------------
    let mut world = World::deploy(&program, &[], &tok_interp::Interpreter).expect("deploys");
    let treasury_account = world.state.params[6].address();
    let holder_account = world.new_account();
    let friend_account = world.new_account();
    let staking = world.entity_address(tok_mir::Entity::Mechanism(MechanismId::new(0)));
    let amount = |v: u128| Value::Int(tok_runtime::U256::from(v));
    let token_call = |op, args: Vec<Value>| PendingCall::token(TokenId::new(0), op, args.into());
    let ok = |world: &mut World, caller, call: PendingCall| {
        assert_eq!(world.transact(caller, &call).expect("no stop"), None)
    };
    ok(
        &mut world,
        treasury_account,
        token_call(
            tok_mir::TokenOp::Transfer,
            vec![Value::Address(holder_account), amount(1_000_000 * e18)],
        ),
    );
    ok(
        &mut world,
        holder_account,
        token_call(
            tok_mir::TokenOp::Approve,
            vec![Value::Address(staking), amount(100_000 * e18)],
        ),
    );
    ok(
        &mut world,
        holder_account,
        PendingCall::action(
            MechanismId::new(0),
            FunctionId::new(0),
            vec![amount(100_000 * e18)].into(),
        ),
    );
    ok(
        &mut world,
        holder_account,
        token_call(
            tok_mir::TokenOp::Transfer,
            vec![Value::Address(friend_account), amount(1000 * e18)],
        ),
    );
    world.advance_to(GENESIS + 86_400).expect("hooks run");
    ok(
        &mut world,
        holder_account,
        PendingCall::action(
            MechanismId::new(0),
            FunctionId::new(1),
            vec![amount(1)].into(),
        ),
    );
    let reverted = world
        .transact(
            holder_account,
            &PendingCall::action(
                MechanismId::new(0),
                FunctionId::new(1),
                vec![amount(0)].into(),
            ),
        )
        .expect("no stop");
    assert_eq!(reverted.as_deref(), Some("zero amount"));

    // --- Same numbers ---------------------------------------------------------------
    let interp_uint = |v: tok_runtime::U256| U256::from_be_bytes(v.to_be_bytes());
    let ledger = &world.state.ledgers[0];
    assert_eq!(
        chain.uint(token_address, "totalSupply", &[]),
        interp_uint(ledger.total_supply)
    );
    assert_eq!(
        chain.uint(token_address, "balanceOf", &[DynSolValue::Address(holder)]),
        interp_uint(ledger.balance(holder_account))
    );
    assert_eq!(
        chain.uint(
            token_address,
            "balanceOf",
            &[DynSolValue::Address(treasury)]
        ),
        interp_uint(ledger.balance(treasury_account))
    );
    assert_eq!(
        chain.uint(token_address, "balanceOf", &[DynSolValue::Address(friend)]),
        interp_uint(ledger.balance(friend_account))
    );
    assert_eq!(
        chain.uint(token_address, "balanceOf", &[DynSolValue::Address(friend)]),
        U256::from(990 * e18)
    );
    assert_eq!(
        chain.uint(
            token_address,
            "balanceOf",
            &[DynSolValue::Address(staking_address)]
        ),
        interp_uint(ledger.balance(staking))
    );
    let field = |name: &str| {
        program.mechanisms[0]
            .fields
            .iter()
            .position(|f| f.name == name)
            .expect("field")
    };
    let scalar = |world: &World, name: &str| {
        world.state.fields[0][field(name)]
            .get(&[])
            .expect("scalar")
            .int()
    };
    assert_eq!(
        chain.uint(staking_address, "total", &[]),
        interp_uint(scalar(&world, "total"))
    );
    assert_eq!(
        chain.uint(staking_address, "minted", &[]),
        interp_uint(scalar(&world, "minted"))
    );
    assert_eq!(
        chain.uint(staking_address, "epochs", &[]),
        interp_uint(scalar(&world, "epochs"))
    );
    // And the figures themselves: one day's emission, all to the only staker.
    assert_eq!(
        chain.uint(staking_address, "minted", &[]),
        U256::from(100_000 * e18)
    );
    assert_eq!(
        chain.uint(staking_address, "total", &[]),
        U256::from(200_000 * e18 - 1)
    );
    assert_eq!(
        chain.uint(token_address, "totalSupply", &[]),
        U256::from(1_000_000_000 * e18 + 100_000 * e18 - 10 * e18)
    );
}

/// The generated deployer wires the program together from its params.
#[test]
fn the_deployer_contract_wires_the_program() {
    let contracts =
        tok_tests::evm::compile("examples/staking_economy.tok", "staking_economy").artifacts;
    let (deployer, treasury) = (address(0xd0), address(0x71));
    let mut chain = Chain::new(GENESIS);
    let e18: u128 = 1_000_000_000_000_000_000;
    let args = BTreeMap::from([
        ("max_stakers_".to_string(), uint(1_000_000)),
        ("base_emission_".to_string(), uint(100_000 * e18)),
        ("halving_days_".to_string(), uint(1460)),
        ("treasury_".to_string(), DynSolValue::Address(treasury)),
    ]);
    let deploy = chain.deploy(deployer, &contracts["DeployStakingEconomy"], &args);
    let address_of =
        |chain: &mut Chain, getter: &str| match chain.call(Address::ZERO, deploy, getter, &[]) {
            Outcome::Returned(values) => match values.first() {
                Some(DynSolValue::Address(address)) => *address,
                other => panic!("{getter}: {other:?}"),
            },
            other => panic!("{getter}: {other:?}"),
        };
    let token = address_of(&mut chain, "stk_token");
    let staking = address_of(&mut chain, "staking_contract");
    assert_eq!(token, deploy.create(1));
    assert_eq!(staking, deploy.create(2));
    chain.register(token, contracts["STK"].abi.clone());
    chain.register(staking, contracts["Staking"].abi.clone());
    assert_eq!(
        chain.uint(token, "balanceOf", &[DynSolValue::Address(treasury)]),
        U256::from(1_000_000_000 * e18)
    );
    // The token lets the staking contract mint, and exempts it from the fee.
    let minter = chain.call(
        Address::ZERO,
        token,
        "isMinter",
        &[DynSolValue::Address(staking)],
    );
    assert_eq!(minter, Outcome::Returned(vec![DynSolValue::Bool(true)]));
    let linked = chain.call(Address::ZERO, staking, "STK_TOKEN", &[]);
    assert_eq!(linked, Outcome::Returned(vec![DynSolValue::Address(token)]));
}
