//! The reference interpreter against exact, independently produced values:
//! the staking-economy workload against the hand-written reference
//! implementation's figures (copied here so the tests stand alone), and
//! small programs whose results are computed by hand.

use tok_runtime::U256;
use tok_runtime::numeric::{mul_div, mul_wad};
use tok_tests::{root, simulate};

fn staking_economy() -> String {
    std::fs::read_to_string(root().join("examples/staking_economy.tok")).expect("example exists")
}

/// `REFERENCE_VALUES.txt`, run 0 of N=1000, T=3650: every checkpoint.
#[test]
fn staking_economy_matches_the_reference_values() {
    let result = simulate(&staking_economy(), &[], Some(1)).expect("simulates");
    let expected = [
        (
            1,
            "1000087899999999999999999968",
            "4499999999999999999999968",
            "12100000000000000000000",
        ),
        (
            1460,
            "1138067709864438236098833996",
            "722703734251592534648614466",
            "7932290135561763900446055",
        ),
        (
            1461,
            "1138112999131260887942070942",
            "722745633984245747318121251",
            "7937000868739112057208611",
        ),
        (
            2920,
            "1203416316964156430001087133",
            "748217520477846330749388158",
            "15583683035843569997463041",
        ),
        (
            2921,
            "1203435827088728252521172098",
            "747986402726951649019704235",
            "15589172911271747477377578",
        ),
        (
            3650,
            "1217705006510147971442700055",
            "758597423995914336506962207",
            "19544993489852028555485445",
        ),
    ];
    for (step, supply, staked, burned) in expected {
        assert_eq!(
            result.value(0, step, "supply"),
            supply,
            "supply at step {step}"
        );
        assert_eq!(
            result.value(0, step, "staked"),
            staked,
            "staked at step {step}"
        );
        assert_eq!(
            result.value(0, step, "burned"),
            burned,
            "burned at step {step}"
        );
    }
    assert_eq!(result.rows[0][0].len(), 3651, "steps 0..=3650");
}

/// (run, step, supply, staked, burned)
type Checkpoint = (usize, usize, &'static str, &'static str, &'static str);

/// Other sizes, produced by the reference binary (`fixed N T M`).
#[test]
fn staking_economy_matches_the_reference_at_other_sizes() {
    let cases: [(&str, &str, u64, &[Checkpoint]); 3] = [
        (
            "50",
            "300",
            3,
            &[
                (
                    0,
                    1,
                    "1000094000000000000000000000",
                    "8100000000000000000000000",
                    "6000000000000000000000",
                ),
                (
                    0,
                    300,
                    "1027784955969678511283071384",
                    "583093467769296815419392704",
                    "2215044030321488716921574",
                ),
                (
                    1,
                    1,
                    "1000092000000000000000000000",
                    "4100000000000000000000000",
                    "8000000000000000000000",
                ),
                (
                    1,
                    300,
                    "1027741664038612943602736116",
                    "611993388450121644730125643",
                    "2258335961387056397256714",
                ),
                (
                    2,
                    1,
                    "1000096000000000000000000000",
                    "8100000000000000000000000",
                    "4000000000000000000000",
                ),
                (
                    2,
                    300,
                    "1027806249540773464070457040",
                    "596650154378786233728536650",
                    "2193750459226535929535883",
                ),
            ],
        ),
        (
            "7",
            "1500",
            2,
            &[
                (
                    0,
                    1,
                    "1000071428571428571428571430",
                    "14385714285714285714285714",
                    "28571428571428571428570",
                ),
                (
                    0,
                    1500,
                    "1139569122167412958710726240",
                    "666544875723390842377800131",
                    "8430877832587041289268558",
                ),
                (1, 1, "1000000000000000000000000000", "0", "0"),
                (
                    1,
                    1500,
                    "1138947257988607673974939032",
                    "656832103979343279005217481",
                    "8752742011392326025055798",
                ),
            ],
        ),
        (
            "200",
            "40",
            2,
            &[
                (
                    0,
                    1,
                    "1000087500000000000000000000",
                    "4100000000000000000000000",
                    "12500000000000000000000",
                ),
                (
                    0,
                    40,
                    "1003563243083254677694716123",
                    "179822683618623716036943222",
                    "436756916745322305281498",
                ),
                (
                    1,
                    1,
                    "1000086999999999999999999990",
                    "5599999999999999999999990",
                    "13000000000000000000000",
                ),
                (
                    1,
                    40,
                    "1003550794478669908652255823",
                    "181142946086779446595718238",
                    "449205521330091347741719",
                ),
            ],
        ),
    ];
    for (holders, days, runs, expected) in cases {
        let result = simulate(
            &staking_economy(),
            &[("holders", holders), ("days", days)],
            Some(runs),
        )
        .expect("simulates");
        for (run, step, supply, staked, burned) in expected {
            let at = format!("N={holders} T={days} run {run} step {step}");
            assert_eq!(result.value(*run, *step, "supply"), *supply, "supply, {at}");
            assert_eq!(result.value(*run, *step, "staked"), *staked, "staked, {at}");
            assert_eq!(result.value(*run, *step, "burned"), *burned, "burned, {at}");
        }
    }
}

#[test]
fn same_seed_same_rows_other_run_other_rows() {
    let settings = [("holders", "20"), ("days", "50")];
    let first = simulate(&staking_economy(), &settings, Some(2)).expect("simulates");
    let second = simulate(&staking_economy(), &settings, Some(2)).expect("simulates");
    assert_eq!(first.rows, second.rows);
    assert_ne!(first.rows[0][0], first.rows[0][1]);
}

/// A reverting action leaves no trace: its state writes and the token
/// transfer it made before failing are both undone.
#[test]
fn reverts_roll_back_every_write() {
    let source = r#"
token T {
    decimals: 0
    mint 10 T to M
}
mechanism M {
    state {
        counter: uint
    }
    event Poked(counter: uint)
    action poke(fail: bool) {
        counter += 1
        T.transfer(caller, 1 T)
        emit Poked(counter)
        require not fail else "asked to fail"
    }
}
scenario s {
    steps: 3
    order: sequential
    agents a[1] {
        each step {
            M.poke(current_step == 1)
        }
    }
    record counter = M.counter, held = T.balance(a[0]), kept = T.balance(M)
}
"#;
    let result = simulate(source, &[], None).expect("simulates");
    let column = |name: &str| {
        (0..=3)
            .map(|step| result.value(0, step, name))
            .collect::<Vec<_>>()
    };
    assert_eq!(column("counter"), ["0", "1", "1", "2"]);
    assert_eq!(column("held"), ["0", "1", "1", "2"]);
    assert_eq!(column("kept"), ["10", "9", "9", "8"]);
    assert_eq!(result.stats[0].reverts.get("asked to fail"), Some(&1));
    // The reverted call's event is taken back with it.
    assert_eq!(result.stats[0].events, 2);
}

/// Hooks catch up every elapsed period in boundary order; at a shared
/// boundary, declaration order decides.
#[test]
fn hooks_catch_up_in_order() {
    let source = r#"
mechanism Clock {
    state {
        days: uint
        weeks: uint
        log: uint
    }
    every 1 day {
        days += 1
        log = log * 10 + 1
    }
    every 1 week {
        weeks += 1
        log = log * 10 + 2
    }
}
scenario s {
    steps: 2
    period: 1 week
    record days = Clock.days, weeks = Clock.weeks, log = Clock.log
}
"#;
    let result = simulate(source, &[], None).expect("simulates");
    assert_eq!(result.value(0, 1, "days"), "7");
    assert_eq!(result.value(0, 1, "weeks"), "1");
    assert_eq!(result.value(0, 1, "log"), "11111112");
    assert_eq!(result.value(0, 2, "days"), "14");
    assert_eq!(result.value(0, 2, "log"), "1111111211111112");
}

/// Params `bank` and `collector` and a token `T` of no decimals with a
/// transfer fee of `rate`, `bank` exempt and holding `supply` T, and
/// `extra` lines (where the fee goes).
fn fee_token(rate: &str, extra: &str, supply: &str) -> String {
    format!(
        r#"
param bank: address
param collector: address
token T {{
    decimals: 0
    transfer_fee: {rate}
    {extra}
    fee_exempt: [bank]
    mint {supply} T to bank
}}
"#
    )
}

/// Transfer fees: `floor(amount * fee)` to the fee recipient, none when
/// either party is exempt.
#[test]
fn transfer_fees_and_exemptions() {
    let source = fee_token("2.5%", "fee_to: collector", "10_000")
        + r#"
scenario s {
    steps: 1
    order: sequential
    agents a[2] {
        start {
            as bank {
                T.transfer(self, 1_000 T)
            }
        }
        each step {
            if index == 0 {
                T.transfer(a[1], 1_000 T)
            } else {
                T.transfer(a[0], 39 T)
            }
        }
    }
    record first = T.balance(a[0]), second = T.balance(a[1]), fees = T.balance(collector), supply = T.total_supply
}
"#;
    let result = simulate(&source, &[], None).expect("simulates");
    // From the exempt bank: no fee.
    assert_eq!(result.value(0, 0, "first"), "1000");
    assert_eq!(result.value(0, 0, "fees"), "0");
    // 1000 with a 2.5% fee: 25 to the collector, 975 arrive; then 39 back
    // with a fee of floor(0.975) = 0.
    assert_eq!(result.value(0, 1, "first"), "39");
    assert_eq!(result.value(0, 1, "second"), "1936");
    assert_eq!(result.value(0, 1, "fees"), "25");
    assert_eq!(result.value(0, 1, "supply"), "10000");
}

/// A transfer to oneself and one from the fee's own recipient: the fee
/// still leaves (burned, or paid to the recipient, who is then paid by
/// itself) and the rest arrives, whatever the parties share.
#[test]
fn transfers_between_parties_that_coincide() {
    for (fee_to, mine, fees, supply) in [
        ("fee_to: collector", "1088", "912", "10000"),
        ("", "1088", "900", "9988"),
    ] {
        let source = fee_token("2.5%", fee_to, "10_000")
            + r#"
scenario s {
    steps: 1
    order: sequential
    agents a[1] {
        start {
            as bank {
                T.transfer(self, 1_000 T)
                T.transfer(collector, 1_000 T)
            }
        }
        each step {
            T.transfer(self, 400 T)
            as collector {
                T.transfer(a[0], 100 T)
            }
        }
    }
    record mine = T.balance(a[0]), fees = T.balance(collector), supply = T.total_supply
}
"#;
        let result = simulate(&source, &[], None).expect("simulates");
        // To oneself, 400 with a fee of 10: 990 left. From the collector,
        // 100 with a fee of 2: 98 arrive (the 2 back to the collector when
        // it is the recipient of fees, else burned).
        let row = ["mine", "fees", "supply"].map(|c| result.value(0, 1, c));
        assert_eq!(row, [mine, fees, supply], "{fee_to:?}");
    }
}

/// Fees that divide one (2.5%: 1/40, taken as `amount / 40`) and fees
/// that do not (3%, 0.7%: `mul_div(amount, fee, WAD)`) round down alike.
#[test]
fn transfer_fees_round_down_whatever_their_rate() {
    for (rate, fee_of) in [
        ("2.5%", (|amount: u64| amount / 40) as fn(u64) -> u64),
        ("3%", |amount| amount * 3 / 100),
        ("0.7%", |amount| amount * 7 / 1000),
    ] {
        let source = fee_token(rate, "fee_to: collector", "10_000_000")
            + r#"
scenario s {
    steps: 1
    order: sequential
    agents a[5] {
        start {
            as bank {
                T.transfer(self, 1_000_000 T)
            }
        }
        each step {
            T.transfer(a[(index + 1) % 5], 999 T * index + 39 T)
        }
    }
    record fees = T.balance(collector)
}
"#;
        let result = simulate(&source, &[], None).expect("simulates");
        let fees: u64 = (0..5).map(|index| fee_of(999 * index + 39)).sum();
        assert_eq!(result.value(0, 1, "fees"), fees.to_string(), "fee {rate}");
    }
}

fn swap_program(order: &str) -> String {
    format!(
        r#"
param bank: address
token T {{
    decimals: 0
    mint 150 T to bank
}}
scenario s {{
    steps: 1
    order: {order}
    agents a[2] {{
        start {{
            as bank {{
                T.transfer(self, 100 T / (index + 1))
            }}
        }}
        each step {{
            T.transfer(a[1 - index], T.balance(self))
        }}
    }}
    record first = T.balance(a[0]), second = T.balance(a[1])
}}
"#
    )
}

/// Simultaneous: both decide from the start-of-step balances and swap.
/// Sequential: the second sees the first's transfer.
#[test]
fn simultaneous_and_sequential_step_orders() {
    let simultaneous = simulate(&swap_program("simultaneous"), &[], None).expect("simulates");
    assert_eq!(simultaneous.value(0, 1, "first"), "50");
    assert_eq!(simultaneous.value(0, 1, "second"), "100");
    let sequential = simulate(&swap_program("sequential"), &[], None).expect("simulates");
    assert_eq!(sequential.value(0, 1, "first"), "150");
    assert_eq!(sequential.value(0, 1, "second"), "0");
}

#[test]
fn an_invariant_violation_stops_the_run_with_a_report() {
    let source = r#"
mechanism M {
    state {
        counter: uint
    }
    action poke() {
        counter += 1
    }
    invariant counter < 3 else "too many pokes"
}
scenario s {
    steps: 10
    agents a[1] {
        each step {
            M.poke()
        }
    }
    record counter = M.counter
}
"#;
    let error = simulate(source, &[], None).err().expect("the run stops");
    assert!(error.contains("too many pokes"), "{error}");
    assert!(error.contains("left side 3"), "{error}");
    assert!(error.contains("at step 2"), "{error}");
    assert!(error.contains("a[0] calling M.poke()"), "{error}");
}

/// Invariants are checked again only after transactions that wrote what
/// they read: a write to the account an invariant reads, to an account it
/// reads through a param, or anything at all before the first check, must
/// each still stop the run.
#[test]
fn invariants_are_rechecked_after_every_write_they_read() {
    let with_fee = |invariant: &str, each: &str, fee: &str| {
        format!(
            r#"
param bank: address
token T {{
    decimals: 0
    mint 100 T to bank
    {fee}
}}
mechanism Vault {{
    state {{
        x: uint
    }}
    invariant {invariant}
}}
scenario s {{
    steps: 10
    agents a[2] {{
        start {{
            as bank {{
                T.transfer(self, 10 T)
            }}
        }}
        each step {{
            {each}
        }}
    }}
    record vault = T.balance(Vault)
}}
"#
        )
    };
    let program = |invariant: &str, each: &str| with_fee(invariant, each, "");
    // The vault's own balance: agent 1 pays it 2 T a step, agent 0 pays
    // agent 1 (a transfer the invariant does not read).
    let source = program(
        r#"T.balance(self) < 5 T else "vault too rich""#,
        "if index == 0 { T.transfer(a[1], 1 T) } else { T.transfer(Vault, 2 T) }",
    );
    let error = simulate(&source, &[], None).err().expect("the run stops");
    assert!(error.contains("vault too rich"), "{error}");
    assert!(error.contains("at step 2"), "{error}");
    // An account known only at run time (a param): any balance write.
    let source = program(
        r#"T.balance(bank) > 50 T else "bank drained""#,
        "if index == 0 { as bank { T.transfer(self, 10 T) } }",
    );
    let error = simulate(&source, &[], None).err().expect("the run stops");
    assert!(error.contains("bank drained"), "{error}");
    assert!(error.contains("at step 2"), "{error}");
    // False from the start, and no transaction writes `x`: the first check
    // still runs it.
    let source = program(r#"x == 1 else "x is never one""#, "T.transfer(a[0], 1 T)");
    let error = simulate(&source, &[], None).err().expect("the run stops");
    assert!(error.contains("x is never one"), "{error}");
    // What only a transfer's fee writes: the supply it burns, the balance
    // of the account it is paid to (agents pay each other 5 T a step, a
    // fee of 1 T; each step burns or pays 2 T).
    for (invariant, fee, report) in [
        (
            r#"T.total_supply > 96 T else "burned""#,
            "",
            "burned\" (left side 96, right side 96), at step 1, after a[1]",
        ),
        (
            r#"T.balance(self) < 3 T else "fees piled up""#,
            "\n    fee_to: Vault",
            "fees piled up\" (left side 3, right side 3), at step 1, after a[0]",
        ),
    ] {
        let source = with_fee(
            invariant,
            "T.transfer(a[1 - index], 5 T)",
            &format!("transfer_fee: 20%\n    fee_exempt: [bank]{fee}"),
        );
        let error = simulate(&source, &[], None).err().expect("the run stops");
        assert!(error.contains(report), "{error}");
    }
    // An approval writes the token's allowances.
    let source = program(
        r#"T.allowance(bank, Vault) == 0 T else "approved""#,
        "if current_step == 3 { as bank { T.approve(Vault, 1 T) } }",
    );
    let error = simulate(&source, &[], None).err().expect("the run stops");
    assert!(error.contains("approved"), "{error}");
    assert!(error.contains("at step 3"), "{error}");
}

/// An action's writes, known before it runs, include those of the actions
/// it calls and of the token operations it makes: an invariant reading
/// either is checked after it.
#[test]
fn invariants_see_what_an_action_writes_through_its_calls() {
    for (count, supply, report) in [
        (
            3,
            200,
            "\"counted too far\" (left side 3, right side 3), at step 2, after a[0] calling Minter.poke()",
        ),
        (
            100,
            103,
            "\"minted too much\" (left side 103, right side 103), at step 2, after a[0] calling Minter.mint_one()",
        ),
    ] {
        let source = format!(
            r#"
param bank: address
token T {{
    decimals: 0
    minters: [Minter]
    mint 100 T to bank
}}
mechanism Counter {{
    state {{
        count: uint
    }}
    action bump() {{
        count += 1
    }}
    invariant count < {count} else "counted too far"
}}
mechanism Minter {{
    action poke() {{
        Counter.bump()
    }}
    action mint_one() {{
        T.mint(Minter, 1 T)
    }}
    invariant T.total_supply < {supply} T else "minted too much"
}}
scenario s {{
    steps: 5
    order: sequential
    agents a[1] {{
        each step {{
            Minter.mint_one()
            Minter.poke()
        }}
    }}
}}
"#
        );
        let error = simulate(&source, &[], None).err().expect("the run stops");
        assert!(error.contains(report), "{error}");
    }
}

/// An action of a mechanism without invariants of its own, run as the
/// whole of its transaction, is still followed by the checks of another
/// mechanism's invariants that read what it writes.
#[test]
fn an_action_of_a_mechanism_without_invariants_is_checked_by_the_others() {
    let source = r#"
param bank: address
token T {
    decimals: 0
    minters: [Minter]
    mint 100 T to bank
}
mechanism Minter {
    state {
        minted: uint
    }
    action mint_one() {
        T.mint(Minter, 1 T)
        minted += 1
    }
}
mechanism Watch {
    state {
        seen: uint
    }
    action look() {
        seen += 1
    }
    invariant T.total_supply < 103 T else "minted too much"
}
scenario s {
    steps: 5
    order: sequential
    agents a[1] {
        each step {
            Watch.look()
            Minter.mint_one()
        }
    }
}
"#;
    let error = simulate(source, &[], None).err().expect("the run stops");
    let report = "\"minted too much\" (left side 103, right side 103), at step 2, after a[0] calling Minter.mint_one()";
    assert!(error.contains(report), "{error}");
}

#[test]
fn missing_allowance_reverts_with_the_openzeppelin_error() {
    let source = r#"
param bank: address
token T {
    decimals: 0
    mint 100 T to bank
}
mechanism Vault {
    state {
        held: T
    }
    action pull(amount: T) {
        T.transfer_from(caller, self, amount)
        held += amount
    }
}
scenario s {
    steps: 2
    agents a[1] {
        start {
            as bank {
                T.transfer(self, 10 T)
            }
        }
        each step {
            if current_step == 1 {
                T.approve(Vault, 5 T)
            }
            Vault.pull(5 T)
        }
    }
    record held = Vault.held, mine = T.balance(a[0])
}
"#;
    let result = simulate(source, &[], None).expect("simulates");
    assert_eq!(result.value(0, 1, "held"), "0");
    assert_eq!(result.value(0, 2, "held"), "5");
    assert_eq!(result.value(0, 2, "mine"), "5");
    assert_eq!(
        result.stats[0].reverts.get("ERC20InsufficientAllowance"),
        Some(&1)
    );
}

fn vesting_program(tge: &str) -> String {
    format!(
        r#"
param wallet: address
token T {{
    decimals: 0
    mint 1_000 T to grant
}}
vesting grant {{
    token: T
    beneficiary: wallet
    cliff: 10 days
    duration: 100 days
    {tge}
}}
scenario s {{
    steps: 120
    each step {{
        grant.release()
    }}
    record released = grant.released, wallet = T.balance(wallet)
}}
"#
    )
}

/// OpenZeppelin `VestingWallet` arithmetic with a cliff: nothing before
/// it, then `total * elapsed / duration`, rounding down.
#[test]
fn vesting_cliff_and_linear_release() {
    let result = simulate(&vesting_program(""), &[], None).expect("simulates");
    // Row k holds the state after the release made at day k - 1.
    assert_eq!(result.value(0, 10, "released"), "0");
    assert_eq!(result.value(0, 11, "released"), "100");
    assert_eq!(result.value(0, 41, "released"), "400");
    assert_eq!(result.value(0, 100, "released"), "990");
    assert_eq!(result.value(0, 120, "wallet"), "1000");
}

/// A TGE share is released at the start, the rest vests linearly.
#[test]
fn vesting_with_tge() {
    let result = simulate(&vesting_program("tge: 10%"), &[], None).expect("simulates");
    assert_eq!(result.value(0, 1, "released"), "100");
    assert_eq!(result.value(0, 10, "released"), "100");
    // Day 10: 100 + 900 * 10 / 100.
    assert_eq!(result.value(0, 11, "released"), "190");
    assert_eq!(result.value(0, 51, "released"), "550");
}

/// The DAO example: a proposal passes, waits out the timelock, and lowers
/// inflation from 5% to 2% per year. Supply is recomputed here hook by hook
/// with the runtime's exact arithmetic.
#[test]
fn governance_changes_a_param_through_the_timelock() {
    let source =
        std::fs::read_to_string(root().join("examples/dao_parameter.tok")).expect("example exists");
    let result = simulate(&source, &[], None).expect("simulates");
    let mut supply = U256::from(100_000_000u64) * U256::from(10u64).pow(18);
    let five = U256::from(5u64) * U256::from(10u64).pow(16);
    let two = U256::from(2u64) * U256::from(10u64).pow(16);
    for day in 1..=60u64 {
        // Executed during day 13's step: the hook at day 14 is the first at 2%.
        let rate = if day <= 13 { five } else { two };
        let yearly = mul_wad(supply, rate).expect("fits");
        let amount =
            mul_div(yearly, U256::from(86_400u64), U256::from(31_536_000u64)).expect("fits");
        supply += amount;
        assert_eq!(
            result.value(0, day as usize, "supply"),
            supply.to_string(),
            "supply after day {day}"
        );
    }
    assert_eq!(result.value(0, 60, "proposals"), "1");
}

#[test]
fn sweeps_run_every_point() {
    let source = std::fs::read_to_string(root().join("examples/emission_halving.tok"))
        .expect("example exists");
    let result = simulate(&source, &[], Some(1)).expect("simulates");
    assert_eq!(result.rows.len(), 9, "3 era lengths x 3 inflation rates");
    // No inflation, shortest era: less supply than any other point.
    let final_supply = |point: usize| {
        result
            .value_at(point, 0, 3650, "supply")
            .parse::<u128>()
            .expect("integer")
    };
    let all: Vec<u128> = (0..9).map(final_supply).collect();
    assert_eq!(all.iter().min(), Some(&final_supply(0)));
    // Halving every 180 days, no inflation: 50_000 GEM a day halving 20
    // times over 3650 days, on top of the 100M premint.
    let mut emitted: u128 = 0;
    for day in 0..3650u128 {
        // `rate * 1 day` is the daily rate exactly; halving is a floor division.
        emitted += (50_000 * 10u128.pow(18)) >> (day / 180);
    }
    assert_eq!(final_supply(0), 100_000_000 * 10u128.pow(18) + emitted);
}

/// Every example simulates (small sizes where the example is heavy).
#[test]
fn every_example_simulates() {
    for path in tok_tests::tok_files("examples") {
        let source = std::fs::read_to_string(&path).expect("UTF-8");
        let settings: &[(&str, &str)] = if path.ends_with("staking_economy.tok") {
            &[("holders", "30"), ("days", "60")]
        } else {
            &[]
        };
        let result = simulate(&source, settings, Some(1))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(!result.rows[0][0].is_empty(), "{}", path.display());
        let empty_cells = result
            .rows
            .iter()
            .flatten()
            .flatten()
            .flat_map(|row| &row.values)
            .filter(|v| v.is_none())
            .count();
        assert_eq!(
            empty_cells,
            0,
            "{}: a record column failed to evaluate",
            path.display()
        );
    }
}

/// The ERC-20 model's failure modes, with OpenZeppelin 5's error names.
#[test]
fn token_model_cap_burn_pause_and_errors() {
    let source = r#"
param owner: address
param friend: address
token T {
    decimals: 0
    cap: 1_000 T
    burnable
    pausable
    owner: owner
    minters: [Minter]
    mint 900 T to owner
}
mechanism Minter {
    action mint_to(who: address, amount: T) {
        T.mint(who, amount)
    }
}
scenario s {
    steps: 7
    each step {
        as owner {
            if current_step == 0 {
                Minter.mint_to(owner, 100 T)
            } else if current_step == 1 {
                Minter.mint_to(owner, 1 T)
            } else if current_step == 2 {
                T.burn(50 T)
            } else if current_step == 3 {
                T.pause()
                T.transfer(friend, 1 T)
            } else if current_step == 4 {
                T.unpause()
                T.transfer(0x0000000000000000000000000000000000000000, 1 T)
            } else if current_step == 5 {
                T.transfer(friend, 10_000 T)
            } else {
                T.transfer(friend, 5 T)
            }
        }
        as friend {
            T.pause()
        }
    }
    record supply = T.total_supply, mine = T.balance(owner), theirs = T.balance(friend)
}
"#;
    let result = simulate(source, &[], None).expect("simulates");
    let supply: Vec<String> = (0..=7)
        .map(|step| result.value(0, step, "supply"))
        .collect();
    assert_eq!(
        supply,
        ["900", "1000", "1000", "950", "950", "950", "950", "950"]
    );
    assert_eq!(result.value(0, 7, "mine"), "945");
    assert_eq!(result.value(0, 7, "theirs"), "5");
    let reverts = &result.stats[0].reverts;
    assert_eq!(reverts.get("ERC20ExceededCap"), Some(&1));
    assert_eq!(reverts.get("EnforcedPause"), Some(&1));
    assert_eq!(reverts.get("ERC20InvalidReceiver"), Some(&1));
    assert_eq!(reverts.get("ERC20InsufficientBalance"), Some(&1));
    // The friend is not the owner: every pause attempt fails.
    assert_eq!(reverts.get("OwnableUnauthorizedAccount"), Some(&7));
}
