//! Equivalence of the reference interpreter and the generated Solidity in
//! revm, on random action traces: random callers, amounts at the edges
//! (zero, one, a balance, 2^255, the maximum), time jumps across `every`
//! periods, calls that must revert. After every transaction both must agree
//! on revert-or-not and the revert reason, every token balance and supply,
//! and every public scalar and address-keyed field of every mechanism.
//! The JIT is the third party: a second world runs every call with
//! compiled code and must agree with the interpreter on the outcome and on
//! the complete state (every ledger, field, wallet and event) throughout.
//! `TOK_EQUIVALENCE_CASES` raises the number of traces (default 64 per
//! program in CI); a difference fails with proptest's shrunk trace.

use std::collections::BTreeMap;

use alloy_dyn_abi::DynSolValue;
use proptest::prelude::*;
use revm::primitives::{Address, U256};
use tok_mir::{Entity, FunctionId, GovernorId, MechanismId, Repr, Shape, TokenId, VestingId};
use tok_tests::evm::{Chain, Compiled, Outcome, compile, to_evm};
use tok_world::state::{self, Value};
use tok_world::{CallTarget, GENESIS, PendingCall, World};

/// A compiled program, ready to set up runs from.
/// The Solidity contract deployed for an entity.
fn contract_name(program: &tok_mir::Program, entity: Entity) -> String {
    match entity {
        Entity::Token(id) => tok_solidity::ident(&program.tokens[id.index()].name),
        Entity::Mechanism(id) => tok_solidity::ident(&program.mechanisms[id.index()].name),
        Entity::Vesting(id) => tok_solidity::ident(&program.vestings[id.index()].name),
        Entity::Governor(id) => tok_solidity::ident(&program.governors[id.index()].name),
    }
}

struct Harness<'p> {
    program: &'p tok_mir::Program,
    world: World<'p>,
    /// The same calls, run by compiled code.
    jit: World<'p>,
    chain: Chain,
    /// Interpreter account to EVM address, for every account in play.
    accounts: BTreeMap<state::Address, Address>,
    users: Vec<state::Address>,
    contracts: BTreeMap<Entity, Address>,
    now: u64,
    log: Vec<String>,
    /// Calls that succeeded and reverted (the traces must do both).
    actions_ok: u32,
    actions_reverted: u32,
    /// Accounts that may call: users and the program's address params.
    callers: Vec<state::Address>,
    /// A hook reverted: the interpreter stopped the run and the contract can
    /// no longer catch up; the trace ends there.
    halted: bool,
    /// Gas of every successful call, by function.
    gas: BTreeMap<String, Vec<u64>>,
}

impl<'p> Harness<'p> {
    fn new(compiled: &'p Compiled, jit: &'p tok_jit::Jit<'p>, users: usize) -> Self {
        let program = &compiled.program;
        let mut world = World::deploy(program, &[], &tok_interp::Interpreter).expect("deploys");
        let mut jit_world = World::deploy(program, &[], &tok_interp::Interpreter).expect("deploys");
        jit_world.engine = Some(jit);
        jit_world.record_events = true;
        world.record_events = true;
        let mut chain = Chain::new(GENESIS);
        let mut accounts = BTreeMap::new();
        accounts.insert(state::ZERO_ADDRESS, Address::ZERO);
        let deployer = Address::with_last_byte(0xd0);
        let mut contracts = BTreeMap::new();
        let entities: Vec<Entity> = (TokenId::all(program.tokens.len()).map(Entity::Token))
            .chain(MechanismId::all(program.mechanisms.len()).map(Entity::Mechanism))
            .chain(VestingId::all(program.vestings.len()).map(Entity::Vesting))
            .collect();
        for (nonce, entity) in entities.iter().enumerate() {
            let address = deployer.create(nonce as u64);
            contracts.insert(*entity, address);
            accounts.insert(world.entity_address(*entity), address);
        }
        for (index, param) in program.params.iter().enumerate() {
            if param.repr == Repr::Address {
                accounts.insert(
                    world.state.params[index].address(),
                    Address::with_last_byte(0x10 + index as u8),
                );
            }
        }
        // A governor's timelock is only an address here (proposals are
        // checked in tests/governance.rs): what it alone may call reverts
        // for every random caller, on both sides.
        let mut timelocks = BTreeMap::new();
        for (id, governor) in program.governors.iter().enumerate() {
            let address = Address::with_last_byte(0xa0 + id as u8);
            accounts.insert(
                world.entity_address(Entity::Governor(GovernorId::new(id))),
                address,
            );
            timelocks.insert(
                format!(
                    "{}_timelock_",
                    tok_solidity::ident(&governor.name).to_ascii_lowercase()
                ),
                address,
            );
        }
        let mut user_accounts = Vec::new();
        for index in 0..users {
            let account = world.new_account();
            assert_eq!(jit_world.new_account(), account);
            accounts.insert(account, Address::with_last_byte(0x80 + index as u8));
            user_accounts.push(account);
        }
        // Constructor arguments by name: params, then other contracts.
        let mut args: BTreeMap<String, DynSolValue> = BTreeMap::new();
        for (index, param) in program.params.iter().enumerate() {
            let value = match world.state.params[index] {
                Value::Int(v) => DynSolValue::Uint(to_evm(v), 256),
                Value::Bool(v) => DynSolValue::Bool(v),
                Value::Address(a) => DynSolValue::Address(accounts[&a]),
                other => panic!("param {} = {other:?} has no ABI form", param.name),
            };
            args.insert(format!("{}_", param.name), value);
        }
        for (entity, address) in &contracts {
            let suffix = if matches!(entity, Entity::Token(_)) {
                "token"
            } else {
                "contract"
            };
            let name = contract_name(program, *entity);
            args.insert(
                format!("{}_{suffix}_", name.to_ascii_lowercase()),
                DynSolValue::Address(*address),
            );
        }
        for (name, address) in timelocks {
            args.insert(name, DynSolValue::Address(address));
        }
        for entity in &entities {
            let name = contract_name(program, *entity);
            let deployed = chain.deploy(deployer, &compiled.artifacts[&name], &args);
            assert_eq!(deployed, contracts[entity], "deployment order");
        }
        let mut callers = user_accounts.clone();
        for (index, param) in program.params.iter().enumerate() {
            if param.repr == Repr::Address {
                callers.push(world.state.params[index].address());
            }
        }
        let mut harness = Harness {
            program,
            world,
            jit: jit_world,
            chain,
            accounts,
            users: user_accounts,
            contracts,
            now: GENESIS,
            log: Vec::new(),
            actions_ok: 0,
            actions_reverted: 0,
            callers,
            halted: false,
            gas: BTreeMap::new(),
        };
        harness.fund();
        harness.compare("after deployment");
        harness
    }

    /// Gives every user a tenth of each premint holder's balance.
    fn fund(&mut self) {
        for token in TokenId::all(self.program.tokens.len()) {
            let holders: Vec<(state::Address, tok_runtime::U256)> = self
                .accounts
                .keys()
                .map(|a| (*a, self.world.state.ledgers[token.index()].balance(*a)))
                .filter(|(_, b)| *b > tok_runtime::U256::ZERO)
                // Contracts cannot send transactions (EIP-3607).
                .filter(|(a, _)| {
                    !self
                        .contracts
                        .values()
                        .any(|c| Some(c) == self.accounts.get(a))
                })
                .collect();
            for (holder, balance) in holders {
                for user in self.users.clone() {
                    let amount = Value::Int(
                        balance / tok_runtime::U256::from(10u8 * self.users.len() as u8 + 1),
                    );
                    let call = PendingCall::token(
                        token,
                        tok_mir::TokenOp::Transfer,
                        vec![Value::Address(user), amount].into(),
                    );
                    self.apply(holder, call);
                }
            }
        }
    }

    fn abi(&self, value: Value) -> DynSolValue {
        match value {
            Value::Int(v) => DynSolValue::Uint(to_evm(v), 256),
            Value::Bool(v) => DynSolValue::Bool(v),
            Value::Address(a) => {
                DynSolValue::Address(self.accounts.get(&a).copied().unwrap_or(Address::ZERO))
            }
            other => panic!("{other:?} has no ABI form"),
        }
    }

    /// The selector the EVM should revert with for an interpreter reason.
    fn expected_revert(&self, reason: &str) -> Vec<u8> {
        let panic = |code: u8| {
            let mut data = vec![0x4e, 0x48, 0x7b, 0x71];
            data.extend([0u8; 31]);
            data.push(code);
            data
        };
        match reason {
            "arithmetic overflow or underflow" => panic(0x11),
            "division or modulo by zero" => panic(0x12),
            "index out of bounds" => panic(0x32),
            _ => {
                let name = tok_solidity::error_name(reason);
                for artifact in self.contracts.values().filter_map(|a| self.chain_abi(*a)) {
                    if let Some(error) = artifact.error(&name).and_then(|e| e.first()) {
                        return error.selector().to_vec();
                    }
                }
                panic!("no error `{name}` for reason {reason:?}")
            }
        }
    }

    fn chain_abi(&self, address: Address) -> Option<&alloy_json_abi::JsonAbi> {
        self.chain.abi(address)
    }

    /// Runs one call on both sides and checks they agree.
    fn apply(&mut self, caller: state::Address, call: PendingCall) {
        if self.halted {
            return;
        }
        let interp = self
            .world
            .transact(caller, &call)
            .expect("the interpreter does not stop");
        let jit = self
            .jit
            .transact(caller, &call)
            .expect("the JIT does not stop");
        assert_eq!(
            interp,
            jit,
            "{call:?} by {caller}: interpreter and JIT outcomes differ\n{}",
            self.log.join("\n")
        );
        let from = self.accounts[&caller];
        let (target, function, args): (Address, String, Vec<DynSolValue>) = match call.target {
            CallTarget::Action { mechanism, action } => (
                self.contracts[&Entity::Mechanism(mechanism)],
                tok_solidity::ident(
                    &self.program.mechanisms[mechanism.index()].actions[action.index()].name,
                ),
                call.args.iter().map(|v| self.abi(*v)).collect(),
            ),
            CallTarget::Token { token, op } => {
                let name = match op {
                    tok_mir::TokenOp::Transfer => "transfer",
                    tok_mir::TokenOp::TransferFrom => "transferFrom",
                    tok_mir::TokenOp::Approve => "approve",
                    tok_mir::TokenOp::Burn => "burn",
                    other => panic!("{other:?} is not generated by traces"),
                };
                (
                    self.contracts[&Entity::Token(token)],
                    name.to_string(),
                    call.args.iter().map(|v| self.abi(*v)).collect(),
                )
            }
            CallTarget::VestingRelease { vesting } => {
                let token =
                    self.contracts[&Entity::Token(self.program.vestings[vesting.index()].token)];
                (
                    self.contracts[&Entity::Vesting(vesting)],
                    "release".to_string(),
                    vec![DynSolValue::Address(token)],
                )
            }
            other => panic!("{other:?} is not generated by traces"),
        };
        let outcome = self.chain.call(from, target, &function, &args);
        if interp.is_none() {
            self.actions_ok += 1;
            self.gas
                .entry(function.clone())
                .or_default()
                .push(self.chain.last_gas);
        } else {
            self.actions_reverted += 1;
        }
        let step = format!(
            "{} calling {function}({args:?}) at t+{}",
            self.world.describe_account(caller),
            self.now - GENESIS
        );
        self.log.push(step.clone());
        match (&interp, &outcome) {
            (None, Outcome::Returned(_)) => {}
            (Some(reason), Outcome::Reverted(data)) => {
                let expected = self.expected_revert(reason);
                assert_eq!(
                    &data[..expected.len().min(data.len())],
                    &expected[..],
                    "{step}: interpreter reverted with {reason:?}, the EVM with other data\n{}",
                    self.log.join("\n")
                );
            }
            _ => panic!(
                "{step}: interpreter {interp:?}, EVM {outcome:?}\ntrace:\n{}",
                self.log.join("\n")
            ),
        }
        self.compare(&step);
    }

    /// Moves both clocks; the chain runs its catch-up as a keeper would.
    fn advance(&mut self, seconds: u64) {
        self.now += seconds;
        // Each contract catches up only its own hooks. When several
        // mechanisms have hooks (which may read each other's effects, such
        // as a token's supply), the keeper calls every `catch_up` at each
        // boundary, as docs/semantics.md asks; with one, a single call
        // after the jump is the same.
        let with_hooks = self
            .program
            .mechanisms
            .iter()
            .filter(|m| !m.hooks.is_empty())
            .count();
        let mut stops = Vec::new();
        if with_hooks > 1 {
            while let Some(boundary) = self.world.next_hook_boundary().filter(|b| *b <= self.now) {
                let stopped = self.world.advance_to(boundary).err();
                assert_eq!(stopped, self.jit.advance_to(boundary).err(), "JIT hooks");
                self.chain.set_time(boundary);
                let reverted = self.keeper_catch_up();
                stops.push((stopped, reverted));
                if reverted {
                    break;
                }
            }
        }
        let stopped = self.world.advance_to(self.now).err();
        assert_eq!(stopped, self.jit.advance_to(self.now).err(), "JIT hooks");
        self.chain.set_time(self.now);
        let reverted = self.keeper_catch_up();
        stops.push((stopped, reverted));
        let stopped = stops.iter().find_map(|(stopped, _)| stopped.clone());
        let reverted = stops.iter().any(|(_, reverted)| *reverted);
        // A hook that reverts stops the simulation and blocks the contract.
        assert_eq!(
            stopped.is_some(),
            reverted,
            "after advancing {seconds} s: interpreter {stopped:?}, EVM catch-up reverted: {reverted}\n{}",
            self.log.join("\n")
        );
        if reverted {
            self.halted = true;
            return;
        }
        self.log.push(format!("advance {seconds} s"));
        let note = format!("after advancing {seconds} s");
        self.compare(&note);
    }

    /// `catch_up` on every mechanism with hooks, in file order; whether
    /// any reverted.
    fn keeper_catch_up(&mut self) -> bool {
        let keeper = Address::with_last_byte(0xee);
        let mut reverted = false;
        for (id, mechanism) in self.program.mechanisms.iter().enumerate() {
            if !mechanism.hooks.is_empty() {
                let address = self.contracts[&Entity::Mechanism(MechanismId::new(id))];
                let outcome = self.chain.call(
                    keeper,
                    address,
                    "catch_up",
                    &[DynSolValue::Uint(U256::MAX, 256)],
                );
                reverted |= matches!(outcome, Outcome::Reverted(_));
            }
        }
        reverted
    }

    /// Every balance, supply and public field, on both sides.
    fn compare(&mut self, after: &str) {
        let (interp, jit) = (
            tok_tests::final_state(&self.world),
            tok_tests::final_state(&self.jit),
        );
        if let Some(line) = tok_tests::first_difference(&interp, &jit) {
            panic!(
                "{after}: the JIT's state differs\n{line}\n{}",
                self.log.join("\n")
            );
        }
        let accounts: Vec<(state::Address, Address)> =
            self.accounts.iter().map(|(a, b)| (*a, *b)).collect();
        for token in 0..self.program.tokens.len() {
            let address = self.contracts[&Entity::Token(TokenId::new(token))];
            let ledger = &self.world.state.ledgers[token];
            let supply = to_evm(ledger.total_supply);
            assert_eq!(
                self.chain.uint(address, "totalSupply", &[]),
                supply,
                "{after}: total supply of token {token}"
            );
            for (interp, evm) in &accounts {
                let expected = to_evm(self.world.state.ledgers[token].balance(*interp));
                assert_eq!(
                    self.chain
                        .uint(address, "balanceOf", &[DynSolValue::Address(*evm)]),
                    expected,
                    "{after}: balance of {evm}"
                );
            }
        }
        for (id, vesting) in self.program.vestings.iter().enumerate() {
            let address = self.contracts[&Entity::Vesting(VestingId::new(id))];
            let token = self.contracts[&Entity::Token(vesting.token)];
            let expected = to_evm(self.world.state.vestings[id].released);
            assert_eq!(
                self.chain
                    .uint(address, "released", &[DynSolValue::Address(token)]),
                expected,
                "{after}: {} released",
                vesting.name
            );
        }
        for (id, mechanism) in self.program.mechanisms.iter().enumerate() {
            let address = self.contracts[&Entity::Mechanism(MechanismId::new(id))];
            for (field_id, field) in mechanism.fields.iter().enumerate() {
                let getter = tok_solidity::ident(&field.name);
                let slot = self.world.state.fields[id][field_id].clone();
                match &field.shape {
                    Shape::Scalar(Repr::Int) => {
                        let expected = to_evm(slot.get(&[]).expect("scalar").int());
                        assert_eq!(
                            self.chain.uint(address, &getter, &[]),
                            expected,
                            "{after}: {}.{}",
                            mechanism.name,
                            field.name
                        );
                    }
                    Shape::Map(Repr::Address, value)
                        if matches!(**value, Shape::Scalar(Repr::Int)) =>
                    {
                        for (interp, evm) in &accounts {
                            let expected = to_evm(
                                slot.get(&[state::Key::Address(*interp)])
                                    .expect("entry")
                                    .int(),
                            );
                            let found =
                                self.chain
                                    .uint(address, &getter, &[DynSolValue::Address(*evm)]);
                            assert_eq!(
                                found, expected,
                                "{after}: {}.{}[{evm}]",
                                mechanism.name, field.name
                            );
                        }
                    }
                    Shape::List(Repr::Address) => {
                        let state::Slot::List(items) = slot else {
                            continue;
                        };
                        for (index, item) in items.iter().enumerate() {
                            let found = self.chain.call(
                                Address::ZERO,
                                address,
                                &getter,
                                &[DynSolValue::Uint(U256::from(index), 256)],
                            );
                            assert_eq!(
                                found,
                                Outcome::Returned(vec![self.abi(item)]),
                                "{after}: {}.{}[{index}]",
                                mechanism.name,
                                field.name
                            );
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

/// One step of a random trace, decided from seeds against the program.
fn step(harness: &mut Harness<'_>, seeds: (u8, u8, u8, u64)) {
    let (kind, who, what, amount_seed) = seeds;
    if harness.halted {
        return;
    }
    let callers = harness.callers.clone();
    let caller = callers[who as usize % callers.len()];
    let program = harness.program;
    let targets: Vec<state::Address> = harness.accounts.keys().copied().collect();
    let pick_account = |seed: u8| targets[seed as usize % targets.len()];
    // Mostly amounts a user would send (parts of a balance), sometimes the
    // edges: zero, one, just too much, 2^255, the maximum.
    let edge = |seed: u64, balance: tok_runtime::U256| -> tok_runtime::U256 {
        match seed % 12 {
            0 => tok_runtime::U256::ZERO,
            1 => tok_runtime::U256::ONE,
            2..=4 => balance / tok_runtime::U256::from(10u8),
            5 => balance / tok_runtime::U256::from(2u8),
            6 => balance,
            7 => balance + tok_runtime::U256::ONE,
            8 => tok_runtime::U256::ONE << 255,
            9 => tok_runtime::U256::MAX,
            _ => tok_runtime::U256::from(seed >> 4) % (balance + tok_runtime::U256::ONE),
        }
    };
    // Amounts are drawn around the caller's balance of one of the tokens.
    let base_balance = if program.tokens.is_empty() {
        tok_runtime::U256::ZERO
    } else {
        harness.world.state.ledgers[(amount_seed >> 40) as usize % program.tokens.len()]
            .balance(caller)
    };
    match kind % 7 {
        0 if !program.tokens.is_empty() => {
            let token = TokenId::new(what as usize % program.tokens.len());
            let balance = harness.world.state.ledgers[token.index()].balance(caller);
            let call = PendingCall::token(
                token,
                tok_mir::TokenOp::Transfer,
                vec![
                    Value::Address(pick_account(what / 3)),
                    Value::Int(edge(amount_seed, balance)),
                ]
                .into(),
            );
            harness.apply(caller, call);
        }
        1 if !program.tokens.is_empty() => {
            let token = TokenId::new(what as usize % program.tokens.len());
            let spender = harness
                .world
                .entity_address(Entity::Mechanism(MechanismId::new(
                    usize::from(what / 3) % program.mechanisms.len().max(1),
                )));
            let balance = harness.world.state.ledgers[token.index()].balance(caller);
            let call = PendingCall::token(
                token,
                tok_mir::TokenOp::Approve,
                vec![
                    Value::Address(spender),
                    Value::Int(edge(amount_seed, balance)),
                ]
                .into(),
            );
            harness.apply(caller, call);
        }
        2 => {
            // Across one or more hook periods, or less than one; sometimes
            // months, past vesting cliffs.
            let seconds = [
                3_600,
                86_400,
                86_400 * 3 + 17,
                604_800,
                86_400 * 90,
                86_400 * 400,
            ][what as usize % 6];
            harness.advance(seconds);
        }
        3 if !program.vestings.is_empty() => {
            let vesting = VestingId::new(usize::from(what) % program.vestings.len());
            harness.apply(caller, PendingCall::release(vesting));
        }
        _ if !program.mechanisms.is_empty() => {
            let mechanism = MechanismId::new(what as usize % program.mechanisms.len());
            let actions = &program.mechanisms[mechanism.index()].actions;
            if actions.is_empty() {
                return;
            }
            let action = FunctionId::new(usize::from(what / 7) % actions.len());
            // Often the caller has approved the mechanism for everything first.
            if amount_seed % 3 != 0 {
                let spender = harness.world.entity_address(Entity::Mechanism(mechanism));
                for token in TokenId::all(program.tokens.len()) {
                    let call = PendingCall::token(
                        token,
                        tok_mir::TokenOp::Approve,
                        vec![Value::Address(spender), Value::Int(tok_runtime::U256::MAX)].into(),
                    );
                    harness.apply(caller, call);
                }
            }
            let body = &actions[action.index()].body;
            let args = body.locals[..body.params as usize]
                .iter()
                .enumerate()
                .map(|(index, (name, repr))| {
                    let seed = amount_seed.rotate_left(index as u32 * 13);
                    // Slippage bounds are usually left open.
                    if name.starts_with("min_") && seed % 4 != 0 {
                        return Value::Int(tok_runtime::U256::ZERO);
                    }
                    match repr {
                        Repr::Int => Value::Int(edge(seed, base_balance)),
                        Repr::Bool => Value::Bool(seed % 2 == 0),
                        Repr::Address => Value::Address(pick_account(seed as u8)),
                        _ => Value::Int(tok_runtime::U256::ZERO),
                    }
                })
                .collect();
            harness.apply(caller, PendingCall::action(mechanism, action, args));
        }
        _ => {}
    }
}

fn cases() -> u32 {
    std::env::var("TOK_EQUIVALENCE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

fn check_example(example: &str) {
    check_program(&format!("examples/{example}.tok"), example);
}

fn check_program(path: &str, example: &str) {
    let compiled = compile(path, example);
    let jit = tok_jit::Jit::compile(&compiled.program).expect("the JIT compiles the program");
    let config = ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let strategy =
        proptest::collection::vec((any::<u8>(), any::<u8>(), any::<u8>(), any::<u64>()), 1..40);
    let totals = std::cell::Cell::new((0u32, 0u32));
    let gas = std::cell::RefCell::new(BTreeMap::<String, Vec<u64>>::new());
    let result = runner.run(&strategy, |trace| {
        let mut harness = Harness::new(&compiled, &jit, 3);
        for seeds in trace {
            step(&mut harness, seeds);
        }
        let (ok, reverted) = totals.get();
        totals.set((ok + harness.actions_ok, reverted + harness.actions_reverted));
        for (function, used) in harness.gas {
            gas.borrow_mut().entry(function).or_default().extend(used);
        }
        Ok(())
    });
    if let Err(error) = result {
        panic!("{example}: {error}");
    }
    // The traces exercise both paths: calls that succeed and that revert.
    let (ok, reverted) = totals.get();
    eprintln!("{example}: {ok} calls succeeded, {reverted} reverted");
    // The gas report: median gas of successful calls (transaction total,
    // intrinsic cost included), per function.
    for (function, mut used) in gas.into_inner() {
        used.sort_unstable();
        eprintln!(
            "  gas {example} {function}: median {} over {} calls",
            used[used.len() / 2],
            used.len()
        );
    }
    assert!(
        ok > 0 && reverted > 0,
        "{example}: {ok} calls succeeded, {reverted} reverted"
    );
}

#[test]
fn staking_economy_equivalence() {
    check_example("staking_economy");
}

#[test]
fn dao_parameter_equivalence() {
    check_example("dao_parameter");
}

#[test]
fn staking_rewards_equivalence() {
    check_example("staking_rewards");
}

#[test]
fn amm_pool_equivalence() {
    check_example("amm_pool");
}

#[test]
fn transfer_tax_equivalence() {
    check_example("transfer_tax");
}

#[test]
fn capped_vesting_equivalence() {
    check_example("capped_vesting");
}

#[test]
fn emission_halving_equivalence() {
    check_example("emission_halving");
}

#[test]
fn airdrop_claim_equivalence() {
    check_example("airdrop_claim");
}

/// Every standard-library template in one program.
#[test]
fn stdlib_equivalence() {
    check_program("tests/programs/stdlib_all.tok", "stdlib_all");
}
