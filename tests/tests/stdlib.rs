//! The standard library's templates, instantiated and simulated against
//! values computed by hand (in the comments).

use tok_tests::simulate;

fn run(source: &str) -> tok_tests::Simulated {
    simulate(source, &[], None).unwrap_or_else(|error| panic!("{error}"))
}

fn column(result: &tok_tests::Simulated, name: &str) -> Vec<String> {
    (0..result.rows[0][0].len())
        .map(|step| result.value(0, step, name))
        .collect()
}

/// Uniswap v2 arithmetic: 1000 A / 2000 B, 0.3% fee.
#[test]
fn amm_constant_product() {
    let result = run(r#"
use std.amm
param lp: address
param trader: address
token A {
    decimals: 0
    mint 10_000 A to lp
    mint 10_000 A to trader
}
token B {
    decimals: 0
    mint 10_000 B to lp
    mint 10_000 B to trader
}
mechanism Pool = amm.ConstantProduct[A, B](fee_per_mille: 3)
scenario trades {
    steps: 5
    each step {
        if current_step == 0 {
            as lp {
                A.approve(Pool, 1_000 A)
                B.approve(Pool, 2_000 B)
                Pool.add_liquidity(1_000 A, 2_000 B)
            }
        } else if current_step == 1 {
            as trader {
                A.approve(Pool, 100 A)
                Pool.sell_a(100 A, 0 B)
            }
        } else if current_step == 2 {
            as trader {
                B.approve(Pool, 50 B)
                Pool.sell_b(50 B, 0 A)
                A.approve(Pool, 10 A)
                Pool.sell_a(10 A, 1_000 B)
            }
        } else if current_step == 3 {
            as lp {
                Pool.remove_liquidity(500 A)
            }
        }
    }
    record a = Pool.reserve_a, b = Pool.reserve_b, shares = Pool.total_shares, lp_a = A.balance(lp), lp_b = B.balance(lp)
}
"#);
    // 100 A in: 2000 * 99700 / (1000 * 1000 + 99700) = 181.3 -> 181 B out.
    // 50 B in: 1100 * 49850 / (1819 * 1000 + 49850) = 29.3 -> 29 A out.
    // 10 A for at least 1000 B: reverts on slippage, no change.
    // Half the shares out: 1071 * 500 / 1000 = 535, 1869 * 500 / 1000 = 934.
    assert_eq!(
        column(&result, "a"),
        ["0", "1000", "1100", "1071", "536", "536"]
    );
    assert_eq!(
        column(&result, "b"),
        ["0", "2000", "1819", "1869", "935", "935"]
    );
    assert_eq!(
        column(&result, "shares"),
        ["0", "1000", "1000", "1000", "500", "500"]
    );
    assert_eq!(
        result.value(0, 4, "lp_a"),
        (10_000 - 1000 + 535).to_string()
    );
    assert_eq!(
        result.value(0, 4, "lp_b"),
        (10_000 - 2000 + 934).to_string()
    );
    assert_eq!(result.stats[0].reverts.get("slippage"), Some(&1));
}

/// Reward per share: 1000 RWD a day; alice alone for a day, then bob
/// joins with three times her stake.
#[test]
fn staking_rewards_unbonding_and_slashing() {
    let result = run(r#"
use std.staking
param alice: address
param bob: address
param judge: address
token STK {
    decimals: 0
    mint 1_000 STK to alice
    mint 1_000 STK to bob
}
token RWD {
    decimals: 0
    mint 1_000_000 RWD to Farm
}
mechanism Farm = staking.RewardStaking[STK, RWD](rate: 1_000 RWD per day, unbonding: 7 days, slasher: judge)
scenario farming {
    steps: 12
    each step {
        if current_step == 0 {
            as alice {
                STK.approve(Farm, 100 STK)
                Farm.stake(100 STK)
            }
        } else if current_step == 1 {
            as bob {
                STK.approve(Farm, 300 STK)
                Farm.stake(300 STK)
            }
        } else if current_step == 3 {
            as alice {
                Farm.claim()
            }
            as bob {
                Farm.claim()
            }
        } else if current_step == 4 {
            as alice {
                Farm.request_exit(100 STK)
            }
        } else if current_step == 5 {
            as alice {
                Farm.withdraw()
            }
        } else if current_step == 6 {
            as judge {
                Farm.slash(bob, 10%)
            }
        } else if current_step == 11 {
            as alice {
                Farm.withdraw()
            }
        }
    }
    record alice_rwd = RWD.balance(alice), bob_rwd = RWD.balance(bob), alice_stk = STK.balance(alice), judge_stk = STK.balance(judge), total = Farm.total, bob_earned = Farm.earned(bob)
}
"#);
    // Day 1: 1000 to alice alone. Days 2-3: 2000 split 1:3.
    assert_eq!(result.value(0, 4, "alice_rwd"), "1500");
    assert_eq!(result.value(0, 4, "bob_rwd"), "1500");
    // Day 4 split 1:3 (750 to bob), then bob alone from alice's exit: a
    // day later 1000 more, less the rounding of 1000 / 300 in WAD:
    // 300 * (2.5e18 + 3333333333333333333) / 1e18 = 1749.99.. -> 1749.
    assert_eq!(result.value(0, 5, "bob_earned"), "1749");
    // Withdrawal before the unbonding delay reverts; after it, the stake is back.
    assert_eq!(result.value(0, 6, "alice_stk"), "900");
    assert_eq!(result.value(0, 12, "alice_stk"), "1000");
    assert_eq!(result.stats[0].reverts.get("still unbonding"), Some(&1));
    // 10% of bob's 300 to the judge.
    assert_eq!(result.value(0, 7, "judge_stk"), "30");
    assert_eq!(result.value(0, 7, "total"), "270");
}

/// Same schedule as the built-in vesting test: nothing before the 10-day
/// cliff, then 1000 * elapsed / 100 days.
#[test]
fn vesting_template() {
    let result = run(r#"
use std.vesting
param wallet: address
token T {
    decimals: 0
    mint 1_000 T to Grant
}
mechanism Grant = vesting.LinearVesting[T](beneficiary: wallet, delay: 0 days, cliff: 10 days, length: 100 days, tge: 0%)
scenario s {
    steps: 120
    each step {
        Grant.release()
    }
    record released = Grant.released, wallet = T.balance(wallet)
}
"#);
    assert_eq!(result.value(0, 10, "released"), "0");
    assert_eq!(result.value(0, 11, "released"), "100");
    assert_eq!(result.value(0, 41, "released"), "400");
    assert_eq!(result.value(0, 100, "released"), "990");
    assert_eq!(result.value(0, 120, "wallet"), "1000");
}

/// Four schedules side by side.
#[test]
fn emission_schedules() {
    let result = run(r#"
use std.emission
param sink: address
token GEM {
    decimals: 0
    mint 365_000 GEM to sink
    minters: [Flat, Halving, Decaying, Inflation]
}
mechanism Flat = emission.ConstantEmission[GEM](recipient: sink, amount: 7 GEM per day)
mechanism Halving = emission.HalvingEmission[GEM](recipient: sink, initial: 1_000 GEM per day, halving_days: 2)
mechanism Decaying = emission.DecayingEmission[GEM](recipient: sink, initial: 1_000 GEM per day, decay: 10%)
mechanism Inflation = emission.PercentInflation[GEM](recipient: sink, inflation: 10% per year)
scenario s {
    steps: 5
    record flat = Flat.emitted, halving = Halving.emitted, decaying = Decaying.emitted, inflation = Inflation.emitted
}
"#);
    assert_eq!(column(&result, "flat"), ["0", "7", "14", "21", "28", "35"]);
    // 1000, 1000, 500, 500, 250.
    assert_eq!(
        column(&result, "halving"),
        ["0", "1000", "2000", "2500", "3000", "3250"]
    );
    // 1000, 900, 810, 729, 656 (656.1 rounded down).
    assert_eq!(
        column(&result, "decaying"),
        ["0", "1000", "1900", "2710", "3439", "4095"]
    );
    // Day one: the premint alone, 365000 * 10% / 365 = 100. Later days see
    // the other schedules' mints too, so only the first is checked here.
    assert_eq!(result.value(0, 1, "inflation"), "100");
}

/// A linear curve from 1 USD, plus 1 USD per 100 BOND sold.
#[test]
fn linear_bonding_curve() {
    let result = run(r#"
use std.bonding
param buyer: address
token USD {
    decimals: 0
    mint 10_000 USD to buyer
}
token BOND {
    decimals: 0
    burnable
    minters: [Curve]
}
mechanism Curve = bonding.LinearBondingCurve[USD, BOND](base: 1 USD per BOND, increment: 1 USD per BOND, unit: 100 BOND)
scenario s {
    steps: 3
    each step {
        as buyer {
            if current_step < 2 {
                USD.approve(Curve, 1_000 USD)
                Curve.buy(100 BOND, 1_000 USD)
            } else {
                BOND.approve(Curve, 100 BOND)
                Curve.sell(100 BOND, 0 USD)
            }
        }
    }
    record reserve = Curve.reserve, sold = Curve.sold, usd = USD.balance(buyer), supply = BOND.total_supply
}
"#);
    // 0 -> 100: 100 * (1 + 2) / 2 = 150. 100 -> 200: 100 * (2 + 3) / 2 = 250.
    // Selling 200 -> 100 pays 250 back.
    assert_eq!(column(&result, "reserve"), ["0", "150", "400", "150"]);
    assert_eq!(column(&result, "sold"), ["0", "100", "200", "100"]);
    assert_eq!(column(&result, "usd"), ["10000", "9850", "9600", "9850"]);
    assert_eq!(column(&result, "supply"), ["0", "100", "200", "100"]);
}

/// A geometric curve: blocks of 100 BOND, the first at 1 USD each, each
/// block 10% dearer than the one before.
#[test]
fn exponential_bonding_curve() {
    let result = run(r#"
use std.bonding
param buyer: address
token USD {
    decimals: 0
    mint 10_000 USD to buyer
}
token BOND {
    decimals: 0
    burnable
    minters: [Curve]
}
mechanism Curve = bonding.ExponentialBondingCurve[USD, BOND](base: 1 USD per BOND, growth: 10%, unit: 100 BOND)
scenario s {
    steps: 3
    each step {
        as buyer {
            if current_step == 0 {
                USD.approve(Curve, 1_000 USD)
                Curve.buy(2, 1_000 USD)
            } else if current_step == 1 {
                USD.approve(Curve, 1_000 USD)
                Curve.buy(1, 1_000 USD)
            } else {
                BOND.approve(Curve, 100 BOND)
                Curve.sell(1, 0 USD)
            }
        }
    }
    record reserve = Curve.reserve, blocks = Curve.blocks_sold, supply = BOND.total_supply, usd = USD.balance(buyer)
}
"#);
    // Blocks 0 and 1: 100 * 1 + 100 * 1.1 = 210; block 2: 100 * 1.21 = 121.
    assert_eq!(column(&result, "reserve"), ["0", "210", "331", "210"]);
    assert_eq!(column(&result, "blocks"), ["0", "2", "3", "2"]);
    assert_eq!(column(&result, "supply"), ["0", "200", "300", "200"]);
    assert_eq!(column(&result, "usd"), ["10000", "9790", "9669", "9790"]);
}

/// Every template of the standard library is instantiated by a test above.
#[test]
fn every_stdlib_template_is_tested() {
    let tests = include_str!("stdlib.rs");
    for full in tok_sema::template::stdlib_templates().keys() {
        let short = full.trim_start_matches("std.");
        assert!(
            tests.contains(&format!("{short}[")),
            "no test instantiates `{full}`"
        );
    }
    assert!(tok_sema::template::stdlib_templates().len() >= 8);
}
