//! Vesting claims on the interpreter and on the deployed wallets in revm,
//! at the edges of the schedule, to the wei and against hand-computed
//! amounts.
//!
//! `examples/capped_vesting.tok`: the team's 200M EMB vest linearly over
//! four years after a one-year cliff; the investors' 150M start 30 days
//! after launch with 10% at the TGE and the rest over two years. Each
//! beneficiary claims just before and at the cliff or start, in the
//! middle, just before and at the end, and after it.

use std::collections::BTreeMap;

use alloy_dyn_abi::DynSolValue;
use revm::primitives::Address;
use tok_mir::VestingId;
use tok_tests::evm::{Chain, Outcome, to_evm};
use tok_world::{GENESIS, PendingCall, World};

const DAY: u64 = 86_400;
const YEAR: u64 = 365 * DAY;

fn emb(tokens: u64) -> tok_runtime::U256 {
    tok_runtime::U256::from(tokens) * tok_runtime::WAD
}

#[test]
fn claims_at_the_cliff_and_the_end_match_by_hand_and_on_chain() {
    let tok_tests::evm::Compiled {
        program,
        artifacts: compiled,
    } = tok_tests::evm::compile("examples/capped_vesting.tok", "capped_vesting");

    let mut world = World::deploy(&program, &[], &tok_interp::Interpreter).expect("deploys");
    let param = |name: &str| {
        program
            .params
            .iter()
            .position(|p| p.name == name)
            .expect("a param")
    };
    let (team_wallet, investor_wallet) = (
        world.state.params[param("team_wallet")].address(),
        world.state.params[param("investor_wallet")].address(),
    );
    let evm_address = |name: &str| Address::with_last_byte(0x10 + param(name) as u8);
    let mut chain = Chain::new(GENESIS);
    let args: BTreeMap<String, DynSolValue> = ["treasury", "team_wallet", "investor_wallet"]
        .iter()
        .map(|name| (format!("{name}_"), DynSolValue::Address(evm_address(name))))
        .collect();
    let deployed = chain.deploy_program(
        &compiled,
        "DeployCappedVesting",
        &args,
        &[
            ("emb_token", "EMB"),
            ("team_contract", "team"),
            ("investors_contract", "investors"),
        ],
    );
    let token = deployed["emb_token"];
    // (vesting id, wallet contract, beneficiary here, beneficiary there)
    let wallets = [
        (
            VestingId::new(0),
            deployed["team_contract"],
            team_wallet,
            evm_address("team_wallet"),
        ),
        (
            VestingId::new(1),
            deployed["investors_contract"],
            investor_wallet,
            evm_address("investor_wallet"),
        ),
    ];
    // (seconds after launch, team released, investors released), by hand:
    // team: 0 before the cliff, then 200M * elapsed / 4 years;
    // investors: 0 before day 30, then 15M + 135M * (t - 30 days) / 2 years.
    let checkpoints: [(u64, Option<u64>, Option<u64>); 10] = [
        (29 * DAY, Some(0), Some(0)),
        (30 * DAY, Some(0), Some(15_000_000)),
        (YEAR - 1, Some(0), None),
        (YEAR, Some(50_000_000), None),
        (2 * YEAR, Some(100_000_000), None),
        (30 * DAY + 2 * YEAR - 1, None, None),
        (30 * DAY + 2 * YEAR, None, Some(150_000_000)),
        (4 * YEAR - 1, None, Some(150_000_000)),
        (4 * YEAR, Some(200_000_000), Some(150_000_000)),
        (5 * YEAR, Some(200_000_000), Some(150_000_000)),
    ];
    for (at, team_expected, investors_expected) in checkpoints {
        let now = GENESIS + at;
        world.advance_to(now).expect("no hooks to fail");
        chain.set_time(now);
        for (vesting, wallet, beneficiary, evm_beneficiary) in wallets {
            let release = PendingCall::release(vesting);
            let interp = world.transact(beneficiary, &release).expect("runs");
            let evm = chain.call(
                evm_beneficiary,
                wallet,
                "release",
                &[DynSolValue::Address(token)],
            );
            assert!(
                interp.is_none() && matches!(evm, Outcome::Returned(_)),
                "release at t+{at}: interpreter {interp:?}, EVM {evm:?}"
            );
            let released = world.state.vestings[vesting.index()].released;
            assert_eq!(
                chain.uint(wallet, "released", &[DynSolValue::Address(token)]),
                to_evm(released),
                "released by wallet {vesting} at t+{at}"
            );
            let balance = world.state.ledgers[0].balance(beneficiary);
            assert_eq!(
                chain.uint(token, "balanceOf", &[DynSolValue::Address(evm_beneficiary)]),
                to_evm(balance),
                "beneficiary of wallet {vesting} at t+{at}"
            );
            let expected = if vesting == VestingId::new(0) {
                team_expected
            } else {
                investors_expected
            };
            if let Some(tokens) = expected {
                assert_eq!(released, emb(tokens), "wallet {vesting} at t+{at}");
            }
        }
    }
    // The last second before the end leaves a little unvested; the
    // interpreter agreed with the chain on exactly how little.
    assert_eq!(
        world.state.ledgers[0].balance(team_wallet),
        emb(200_000_000)
    );
}
