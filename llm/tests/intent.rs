//! Every intent the schema admits prints a program that checks clean:
//! proptest generates intents over the schema's whole range (any names,
//! any percentages, optional parts present or not) and checks each one.

use proptest::prelude::*;
use tok_llm::intent::{
    Allocation, Emission, EmissionKind, Fee, Governance, Intent, Staking, Token, Vesting,
};

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("team".to_string()),
        Just("treasury".to_string()),
        Just("Investors & Advisors".to_string()),
        Just("token".to_string()),
        Just("team_wallet".to_string()),
        Just("".to_string()),
        "[a-zA-Z0-9 _-]{0,12}",
        "\\PC{0,8}",
    ]
}

fn percent() -> impl Strategy<Value = f64> {
    prop_oneof![Just(0.0), Just(100.0), 0.0f64..=100.0]
}

fn vesting() -> impl Strategy<Value = Vesting> {
    (0u32..2_000, 0u32..2_000, 0u32..3_000, percent()).prop_map(
        |(start_days, cliff_days, duration_days, tge_percent)| Vesting {
            start_days,
            cliff_days,
            duration_days,
            tge_percent,
        },
    )
}

fn intent() -> impl Strategy<Value = Intent> {
    let token = (
        name(),
        name(),
        0u32..=18,
        1u64..1_000_000_000_000_000,
        proptest::option::of(0u64..2_000_000_000_000_000),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(symbol, name, decimals, initial_supply, max_supply, burnable, pausable, permit)| {
                Token {
                    symbol,
                    name,
                    decimals,
                    initial_supply,
                    max_supply,
                    burnable,
                    pausable,
                    permit,
                }
            },
        );
    let allocation = (name(), percent(), proptest::option::of(vesting())).prop_map(
        |(name, percent, vesting)| Allocation {
            name,
            percent,
            vesting,
        },
    );
    let fee = (percent(), name()).prop_map(|(percent, to)| Fee { percent, to });
    let kind = prop_oneof![
        Just(EmissionKind::Constant),
        Just(EmissionKind::Halving),
        Just(EmissionKind::Decaying),
        Just(EmissionKind::PercentOfSupply),
    ];
    let emission = (
        kind,
        proptest::option::of(0u64..1_000_000_000),
        proptest::option::of(0u32..5_000),
        proptest::option::of(percent()),
        proptest::option::of(percent()),
        name(),
    )
        .prop_map(
            |(kind, tokens_per_day, halving_days, decay_percent_per_day, percent_per_year, to)| {
                Emission {
                    kind,
                    tokens_per_day,
                    halving_days,
                    decay_percent_per_day,
                    percent_per_year,
                    to,
                }
            },
        );
    let staking = (0u64..1_000_000_000, 0u64..1_000_000_000_000, 0u32..400).prop_map(
        |(reward_tokens_per_day, reward_pool, unbonding_days)| Staking {
            reward_tokens_per_day,
            reward_pool,
            unbonding_days,
        },
    );
    let governs = proptest::collection::vec(
        prop_oneof![
            Just("transfer_fee".to_string()),
            Just("inflation".to_string())
        ],
        0..3,
    );
    let governance = (0u32..30, 0u32..60, percent(), 0u32..30, governs).prop_map(
        |(voting_delay_days, voting_period_days, quorum_percent, timelock_days, governs)| {
            Governance {
                voting_delay_days,
                voting_period_days,
                quorum_percent,
                timelock_days,
                governs,
            }
        },
    );
    (
        token,
        proptest::collection::vec(allocation, 0..6),
        proptest::option::of(fee),
        proptest::option::of(emission),
        proptest::option::of(staking),
        proptest::option::of(governance),
    )
        .prop_map(
            |(token, allocations, transfer_fee, emission, staking, governance)| Intent {
                token,
                allocations,
                transfer_fee,
                emission,
                staking,
                governance,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn every_intent_prints_a_program_that_checks(intent in intent()) {
        let program = tok_llm::intent::print(&intent);
        let diagnostics = tok_driver::check_text("intent.tok", &program);
        prop_assert!(diagnostics.is_empty(), "{program}\n{diagnostics:#?}");
        // And it is the canonical layout, and the same every time.
        prop_assert_eq!(tok_format::format(&program).ok(), Some(program.clone()));
        prop_assert_eq!(tok_llm::intent::print(&intent), program);
    }
}
