//! JIT ≡ interpreter on property-generated scenarios.
//!
//! Every call to `tok_tests::simulate` already runs both engines and asserts
//! identical rows, counters and final state (so the example, stdlib and
//! simulation suites are equivalence tests too). This file adds random
//! programs: a token with an optional fee, a mechanism with deposits, a
//! reward hook and an arithmetic sink, and agents whose behaviour is drawn
//! at random: calls that succeed and revert, 256-bit arithmetic at the
//! edges (overflow, division by zero, values past 2^64 and 2^128), float
//! draws, agent state, loops, `as` blocks, in both step orders.
//! `TOK_JIT_CASES` raises the number of programs (default 48).

use proptest::prelude::*;
use tok_tests::simulate;

/// Integer leaves at the edges of the fast paths.
const LEAVES: [&str; 12] = [
    "0",
    "1",
    "7",
    "index",
    "current_step",
    "18_446_744_073_709_551_615",
    "18_446_744_073_709_551_616",
    "340_282_366_920_938_463_463_374_607_431_768_211_455",
    "340_282_366_920_938_463_463_374_607_431_768_211_456",
    "2 ** 200",
    "2 ** 255",
    "115_792_089_237_316_195_423_570_985_008_687_907_853_269_984_665_640_564_039_457_584_007_913_129_639_935",
];

#[derive(Clone, Debug)]
enum Int {
    Leaf(usize),
    Binary(&'static str, Box<Int>, Box<Int>),
    Call(&'static str, Vec<Int>),
}

impl Int {
    fn render(&self) -> String {
        match self {
            Int::Leaf(index) => LEAVES[*index].to_string(),
            Int::Binary(op, a, b) => format!("({} {op} {})", a.render(), b.render()),
            Int::Call(name, args) => format!(
                "{name}({})",
                args.iter().map(Int::render).collect::<Vec<_>>().join(", ")
            ),
        }
    }
}

fn int() -> impl Strategy<Value = Int> {
    let leaf = (0..LEAVES.len()).prop_map(Int::Leaf);
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            (
                prop::sample::select(vec!["+", "-", "*", "/", "%"]),
                inner.clone(),
                inner.clone()
            )
                .prop_map(|(op, a, b)| Int::Binary(op, Box::new(a), Box::new(b))),
            (
                prop::sample::select(vec!["min", "max"]),
                inner.clone(),
                inner.clone()
            )
                .prop_map(|(name, a, b)| Int::Call(name, vec![a, b])),
            (inner.clone(), inner.clone(), inner)
                .prop_map(|(a, b, c)| Int::Call("mul_div", vec![a, b, c])),
        ]
    })
}

/// One thing an agent may do.
#[derive(Clone, Debug)]
enum Move {
    Deposit(u32),
    Withdraw(u32),
    Transfer(u32, u32),
    Put(Int),
    PutTwice(Int),
    Mood,
    Gift(u32),
}

impl Move {
    fn render(&self) -> String {
        match self {
            Move::Deposit(k) => format!(
                "let amount = TOK.balance(self) / {k}\n            TOK.approve(Pool, amount)\n            Pool.deposit(amount)"
            ),
            Move::Withdraw(k) => format!("Pool.withdraw(Pool.deposits[self] / {k} + 1 TOK)"),
            Move::Transfer(j, k) => format!(
                "TOK.transfer(holder[(index + {j}) % holder.count], TOK.balance(self) / {k})"
            ),
            Move::Put(value) => format!("Pool.put({})", value.render()),
            Move::PutTwice(value) => format!(
                "for i in 0..2 {{\n                Pool.put({} + i)\n            }}",
                value.render()
            ),
            Move::Mood => "mood = mood * 0.5 + uniform()".to_string(),
            Move::Gift(k) => format!(
                "as treasury {{\n                TOK.transfer(self, 1_000 TOK * {k})\n            }}"
            ),
        }
    }
}

fn moves() -> impl Strategy<Value = Move> {
    prop_oneof![
        (1u32..20).prop_map(Move::Deposit),
        (1u32..5).prop_map(Move::Withdraw),
        (1u32..4, 1u32..50).prop_map(|(j, k)| Move::Transfer(j, k)),
        int().prop_map(Move::Put),
        int().prop_map(Move::PutTwice),
        Just(Move::Mood),
        (1u32..3).prop_map(Move::Gift),
    ]
}

/// When an agent makes a move.
#[derive(Clone, Debug)]
enum Guard {
    Uniform(u32),
    Bernoulli(u32),
    Normal(i32),
    Mood(u32),
    Always,
}

impl Guard {
    fn render(&self) -> String {
        match self {
            Guard::Uniform(p) => format!("uniform() < 0.{p:02}"),
            Guard::Bernoulli(p) => format!("bernoulli(0.{p:02})"),
            Guard::Normal(z) => format!("normal(mean: 0.0, sd: 1.0) > {z}.5"),
            Guard::Mood(p) => format!("mood > 0.{p:02} and index % 2 == 0"),
            Guard::Always => "true".to_string(),
        }
    }
}

fn guard() -> impl Strategy<Value = Guard> {
    prop_oneof![
        (1u32..99).prop_map(Guard::Uniform),
        (1u32..99).prop_map(Guard::Bernoulli),
        (-2i32..2).prop_map(Guard::Normal),
        (1u32..99).prop_map(Guard::Mood),
        Just(Guard::Always),
    ]
}

#[derive(Clone, Debug)]
struct Scenario {
    holders: u32,
    steps: u32,
    seed: u64,
    sequential: bool,
    fee: Option<u32>,
    hook_days: u32,
    behaviour: Vec<(Guard, Move)>,
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        2u32..10,
        1u32..30,
        any::<u64>(),
        any::<bool>(),
        prop::option::of(1u32..5),
        1u32..4,
        prop::collection::vec((guard(), moves()), 1..5),
    )
        .prop_map(
            |(holders, steps, seed, sequential, fee, hook_days, behaviour)| Scenario {
                holders,
                steps,
                seed: seed % 1_000_000,
                sequential,
                fee,
                hook_days,
                behaviour,
            },
        )
}

impl Scenario {
    fn render(&self) -> String {
        let fee = self
            .fee
            .map(|fee| format!("    transfer_fee: {fee}%\n    fee_exempt: [treasury, Pool]\n"))
            .unwrap_or_default();
        let behaviour: String = self
            .behaviour
            .iter()
            .map(|(guard, action)| {
                format!(
                    "        if {} {{\n            {}\n        }}\n",
                    guard.render(),
                    action.render()
                )
            })
            .collect();
        format!(
            r#"param treasury: address
param holders: uint = {holders}

token TOK {{
    decimals: 18
    mint 1_000_000_000 TOK to treasury
    minters: [Pool]
{fee}}}

mechanism Pool {{
    state {{
        deposits: map[address] TOK
        known: map[address] bool
        members: list[address, 1000]
        total: TOK
        value: uint
        puts: uint
        paid: TOK
    }}

    event Put(value: uint)

    action deposit(amount: TOK) {{
        require amount > 0 TOK else "zero amount"
        TOK.transfer_from(caller, self, amount)
        if not known[caller] {{
            known[caller] = true
            members.push(caller)
        }}
        deposits[caller] += amount
        total += amount
    }}

    action withdraw(amount: TOK) {{
        require deposits[caller] >= amount else "insufficient"
        deposits[caller] -= amount
        total -= amount
        TOK.transfer(caller, amount)
    }}

    action put(x: uint) {{
        value = x
        puts += 1
        emit Put(x)
    }}

    every {hook_days} days {{
        if total > 0 TOK {{
            let before = total
            let reward = 0 TOK
            for who in members {{
                let share = mul_div(1_000 TOK, deposits[who], before)
                deposits[who] += share
                reward += share
            }}
            TOK.mint(self, reward)
            total += reward
            paid += reward
        }}
    }}

    invariant total == sum(deposits) else "total out of sync"
}}

scenario generated {{
    steps: {steps}
    period: 1 day
    runs: 2
    seed: {seed}
    order: {order}

    agents holder[holders] {{
        state {{
            mood: float = 0.5
        }}
        start {{
            as treasury {{
                TOK.transfer(self, 1_000_000 TOK)
            }}
        }}
        each step {{
{behaviour}        }}
    }}

    record total = Pool.total, value = Pool.value, puts = Pool.puts, paid = Pool.paid, supply = TOK.total_supply, first = TOK.balance(holder[0])
}}
"#,
            holders = self.holders,
            steps = self.steps,
            seed = self.seed,
            order = if self.sequential {
                "sequential"
            } else {
                "simultaneous"
            },
            hook_days = self.hook_days,
        )
    }
}

fn cases() -> u32 {
    std::env::var("TOK_JIT_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(48)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// `simulate` runs both engines and fails at the first difference.
    #[test]
    fn generated_scenarios_agree(scenario in scenario()) {
        let source = scenario.render();
        let result = simulate(&source, &[], None);
        prop_assert!(result.is_ok(), "{}\n{:?}", source, result.err());
    }
}

/// The generator reaches what it is meant to: reverts, failed decisions
/// (arithmetic faults in agent code) and successful puts past 2^128.
#[test]
fn generated_scenarios_reach_the_edges() {
    let scenario = Scenario {
        holders: 4,
        steps: 6,
        seed: 3,
        sequential: true,
        fee: Some(1),
        hook_days: 1,
        behaviour: vec![
            (Guard::Always, Move::Deposit(3)),
            // Asks for one token more than the deposit: reverts.
            (Guard::Always, Move::Withdraw(1)),
            (
                Guard::Always,
                Move::Put(Int::Binary(
                    "*",
                    Box::new(Int::Leaf(7)),
                    Box::new(Int::Leaf(6)),
                )),
            ),
            (Guard::Always, Move::Put(Int::Leaf(11))),
            // Overflows: the decision fails.
            (
                Guard::Always,
                Move::Put(Int::Binary(
                    "+",
                    Box::new(Int::Leaf(11)),
                    Box::new(Int::Leaf(1)),
                )),
            ),
        ],
    };
    let result = simulate(&scenario.render(), &[], None).expect("simulates");
    let stats = &result.stats[0];
    assert!(stats.reverts.contains_key("insufficient"), "{stats:?}");
    assert!(stats.failed_decisions > 0, "{stats:?}");
    let value = result.value(0, 6, "value");
    assert_eq!(
        value,
        "115792089237316195423570985008687907853269984665640564039457584007913129639935",
    );
}

/// Compiled code reads account-keyed maps, account lists and balances in
/// place; those buffers grow (and move) while it runs: a loop that pushes
/// onto the list it walks, writes to accounts past the end of a map, and
/// transfers to accounts past the end of the ledger, reading each back
/// right after. Pushes past the bound revert and roll back (the list
/// shrinks again). A hook writes entries in place, with their running sum.
/// Both engines must agree on every row and the final state.
#[test]
fn storage_read_in_place_stays_current_while_it_grows() {
    let source = r#"
param treasury: address
token T {
    decimals: 0
    mint 1_000_000 T to treasury
}
mechanism Book {
    state {
        seen: list[address, 5000]
        weight: map[address] uint
        big: map[address] uint
        checksum: uint
    }
    // Written in place by compiled code (hooks are not journaled): values
    // near 2^256, so the field's running sum wraps both ways.
    every 1 day {
        for who in seen {
            big[who] = 2 ** 255 + big[who] / 4 + weight[who]
        }
        for who in seen {
            big[who] = big[who] / 3
        }
    }
    action grow() {
        seen.push(caller)
        for who in seen {
            weight[who] += 1
            let mine = weight[who]
            seen.push(who)
            let theirs = weight[caller]
            checksum += mine * 3 + theirs
        }
    }
}
scenario s {
    steps: 8
    runs: 2
    order: sequential
    agents a[300] {
        start {
            as treasury {
                T.transfer(self, 10 T)
            }
        }
        each step {
            if uniform() < 0.05 {
                Book.grow()
            }
            let next = a[(index * 7 + current_step) % 300]
            T.transfer(next, 1 T)
            if T.balance(next) == 0 T {
                T.transfer(a[0], 1 T)
            }
        }
    }
    record checksum = Book.checksum, first = T.balance(a[0]), last = T.balance(a[299])
}
"#;
    let result = tok_tests::simulate(source, &[], None).expect("simulates");
    assert!(
        result.value(0, 8, "checksum") != "0",
        "the loop ran: {:?}",
        result.value(0, 8, "checksum")
    );
}

/// `mul_div` compiled inline (operands below 2^128, quotient too) agrees
/// with the runtime's on operands of every width: divisors with and without
/// leading zeros, products just below and at `divisor * 2^128` (the edge of
/// the inline path), the same divisor several times in one body (the kept
/// reciprocal) and a new one each time. So do divisions by literals below
/// 2^64 (inline by a reciprocal) of dividends below and above 2^128.
#[test]
fn mul_div_inline_agrees_with_the_runtime() {
    let source = r#"
mechanism Wide {
    state {
        checksum: uint
        calls: uint
    }
    action mix(a: uint, b: uint, c: uint) {
        for i in 0..3 {
            checksum = checksum % 2 ** 200 * 7 + mul_div(a + i, b, c) % 2 ** 200
        }
        checksum = checksum % 2 ** 200 * 7 + mul_div(b, a, c + 1) % 2 ** 200
        let n = a * 2 ** 64 + b % 2 ** 64
        checksum = checksum % 2 ** 200 * 7 + n / 10 + n % 10 + a / 100 + b % 100
        checksum = checksum % 2 ** 200 * 7 + n / 1 + n % 1 + n / 3 + n % 7
        checksum = checksum % 2 ** 200 * 7 + n / 18446744073709551615 + n % 18446744073709551615
        checksum = checksum % 2 ** 200 * 7 + n / 9223372036854775808 + n % 9223372036854775809
        checksum = checksum % 2 ** 200 * 7 + c / 1000000007 + c % 4294967296
        calls += 1
    }
    action edges() {
        let top = 2 ** 128 - 1
        checksum = checksum % 2 ** 200 + mul_div(top, top, top)
        checksum = checksum % 2 ** 200 + mul_div(top, top, 2 ** 127) % 2 ** 200
        checksum = checksum % 2 ** 200 + mul_div(top, top - 1, top) % 2 ** 200
        checksum = checksum % 2 ** 200 + mul_div(2 ** 127, 2 ** 127, 2 ** 126 + 1)
        checksum = checksum % 2 ** 200 + mul_div(top, 3, 1)
        checksum = checksum % 2 ** 200 + mul_div(2 ** 64, 2 ** 64, 2 ** 64 + 1)
        checksum = checksum % 2 ** 200 + mul_div(top, top, 2 ** 128) % 2 ** 200
        checksum = checksum % 2 ** 200 + mul_div(1, 1, top)
        calls += 1
    }
}
scenario s {
    steps: 24
    runs: 1
    order: sequential
    agents q[48] {
        start {
            Wide.edges()
        }
        each step {
            let k = index * 24 + current_step
            let x = (k * 6364136223846793005 + 1442695040888963407) % 2 ** 64
            let y = (x * 6364136223846793005 + 1442695040888963407) % 2 ** 64
            let z = (y * 6364136223846793005 + 1442695040888963407) % 2 ** 64
            let w = (z * 6364136223846793005 + 1442695040888963407) % 2 ** 64
            let a = (x * 2 ** 64 + y) % 2 ** (k % 129)
            let b = (z * 2 ** 64 + w) % 2 ** (k * 7 % 129)
            let c = (w * 2 ** 64 + x) % 2 ** (k * 13 % 129) + 1
            Wide.mix(a, b, c)
        }
    }
    record checksum = Wide.checksum, calls = Wide.calls
}
"#;
    let result = tok_tests::simulate(source, &[], None).expect("simulates");
    assert_eq!(
        result.value(0, 24, "calls"),
        (48 + 48 * 24).to_string(),
        "every call went through"
    );
}

/// `sum(map)` read in place by compiled code agrees with the interpreter,
/// up to a sum past 2^256, which faults (the invariant fails and the run
/// stops) in both engines alike.
#[test]
fn sum_read_in_place_faults_past_two_to_the_256() {
    let source = r#"
mechanism Book {
    state {
        big: map[address] uint
        writes: uint
    }
    action set(value: uint) {
        big[caller] = value
        writes += 1
    }
    invariant sum(big) > 0 or writes == 0 else "sum in range"
}
scenario s {
    steps: 6
    runs: 1
    order: sequential
    agents a[3] {
        each step {
            if current_step == 2 {
                Book.set(2 ** 255 + index)
            } else {
                Book.set(current_step + index + 1)
            }
        }
    }
    record writes = Book.writes
}
"#;
    match tok_tests::simulate(source, &[], None) {
        Ok(_) => panic!("the sum overflows, so the run stops"),
        Err(error) => assert!(error.contains("sum in range"), "{error}"),
    }
}

/// An agent reference past the population's end reverts the agent's turn
/// (its earlier calls dropped) in both engines alike; one inside it is the
/// agent's account (the index computed with a param read in place).
#[test]
fn agent_reference_past_the_end_reverts_the_turn() {
    let source = r#"
param treasury: address
param step_size: uint = 3
token T {
    decimals: 0
    mint 1_000_000 T to treasury
}
scenario s {
    steps: 5
    runs: 1
    order: simultaneous
    agents a[10] {
        start {
            as treasury {
                T.transfer(self, 100 T)
            }
        }
        each step {
            T.transfer(a[index / 2], 1 T)
            T.transfer(a[index + step_size], 2 T)
        }
    }
    record first = T.balance(a[0]), last = T.balance(a[9]), seventh = T.balance(a[7])
}
"#;
    let result = tok_tests::simulate(source, &[], None).expect("simulates");
    // Agents 7, 8 and 9 revert every turn: their first transfer is
    // dropped; a[9] only receives, 2 T a step from a[6].
    assert_eq!(result.value(0, 5, "last"), "110", "a[9] sends nothing");
    assert_eq!(
        result.stats[0].failed_decisions, 15,
        "three agents, five steps"
    );
}

/// An agent loop names agents of its own population and of another, of
/// another size: each reference is to the population it names (compiled
/// code reads each population's accounts once per loop).
#[test]
fn agent_loops_name_agents_of_other_populations() {
    let source = r#"
param treasury: address
token T {
    decimals: 0
    mint 1_000_000 T to treasury
}
scenario s {
    steps: 2
    runs: 1
    order: sequential
    agents a[3] {
        start {
            as treasury {
                T.transfer(self, 100 T)
            }
        }
        each step {
            T.transfer(b[index], T.balance(a[index]) / 90 * (index + 1))
        }
    }
    agents b[5] {
        each step {
            if index < 3 {
                T.transfer(a[index], 1 T)
            }
        }
    }
    record b0 = T.balance(b[0]), b1 = T.balance(b[1]), b2 = T.balance(b[2]), a2 = T.balance(a[2])
}
"#;
    let result = simulate(source, &[], None).expect("simulates");
    // a[i] pays b[i] 1 + i T a step (its balance stays in 96..=100), and
    // b[i] pays 1 T back.
    let row = |step| ["b0", "b1", "b2", "a2"].map(|c| result.value(0, step, c));
    assert_eq!(row(1), ["0", "1", "2", "98"]);
    assert_eq!(row(2), ["0", "2", "4", "96"]);
}

/// A map's running sum kept by compiled code's in-place writes crosses
/// 2^128 (values below it, sums above) and comes back, equal throughout to
/// a total kept by hand (the invariant) in both engines.
#[test]
fn running_sum_crosses_two_to_the_128_in_place() {
    let source = r#"
mechanism Book {
    state {
        w: map[address] uint
        total: uint
    }
    action put(value: uint) {
        total = total - w[caller] + value
        w[caller] = value
    }
    invariant total == sum(w) else "sum kept"
}
scenario s {
    steps: 6
    runs: 1
    order: sequential
    agents a[8] {
        each step {
            if current_step % 2 == 1 {
                Book.put(2 ** 127 + index * 3 + current_step)
            } else {
                Book.put(index + current_step)
            }
        }
    }
    record total = Book.total
}
"#;
    let result = tok_tests::simulate(source, &[], None).expect("simulates");
    // Row 4 follows the step with `current_step` 3: every agent holds
    // 2^127 + 3 * index + 3, and the sum is past 2^130.
    let mut crossed = tok_runtime::U256::ZERO;
    for index in 0..8u64 {
        crossed += (tok_runtime::U256::ONE << 127) + tok_runtime::U256::from(index * 3 + 3);
    }
    assert_eq!(result.value(0, 4, "total"), crossed.to_string());
    // Row 5: back below 2^128, index + 4 each.
    assert_eq!(result.value(0, 5, "total"), "60");
}

/// A map updated in place (`m[k] += v`, `m[k] -= v`) with its total kept
/// beside it, for the tests of updates in place below.
const BOOK: &str = r#"
mechanism Book {
    state {
        m: map[address] uint
        total: uint
        swings: uint
    }
    action add(value: uint) {
        m[caller] += value
        total += value
    }
    action take(value: uint) {
        m[caller] -= value
        total -= value
    }
    action swing(value: uint) {
        m[caller] += value
        m[caller] -= value
        swings += 1
    }
    invariant total == sum(m) else "sum kept"
}
"#;

/// `m[k] += v` and `m[k] -= v` read the slot once in compiled code: the
/// same values, reverts (overflow past 2^256, underflow below zero) and
/// running sums as the interpreter's, for slots already there and slots
/// the map grows for.
#[test]
fn update_in_place_reverts_and_grows_like_the_interpreter() {
    let source = BOOK.to_string()
        + r#"
scenario s {
    steps: 4
    runs: 1
    order: sequential
    agents a[6] {
        each step {
            if current_step == 1 {
                Book.add(2 ** 255 + index)
            } else if current_step == 2 {
                Book.add(2 ** 255)
                Book.take(index + 1)
            } else {
                Book.take(2 ** 255)
                Book.add(7)
            }
        }
    }
    record total = Book.total
}
"#;
    let result = tok_tests::simulate(&source, &[], None).expect("simulates");
    let big: tok_runtime::U256 = tok_runtime::U256::ONE << 255u32;
    let total = |step| result.value(0, step, "total");
    // Step 1 (`current_step` 0): taking 2^255 underflows every empty slot
    // (reverted); each agent's slot is new (the map grows) and gets 7.
    assert_eq!(total(1), "42");
    // Step 2: agent 0 adds 2^255 + 0; for everyone after, the total would
    // pass 2^256 (reverted).
    assert_eq!(total(2), (big + tok_runtime::U256::from(42u64)).to_string());
    // Step 3: adding 2^255 overflows agent 0's slot and everyone's total
    // (reverted); each agent takes index + 1 from its slot.
    assert_eq!(total(3), (big + tok_runtime::U256::from(21u64)).to_string());
    // Step 4: agent 0 alone holds 2^255 to take; everyone adds 7 again.
    assert_eq!(total(4), "63");
}

/// `mul_div` by a kept ratio (a loop's fixed `part / whole`): the same
/// quotients as the runtime's, exact divisions (where the estimate is one
/// short) and operands at the edges of its range included, whichever
/// operand is the fixed one.
#[test]
fn mul_div_by_a_kept_ratio_agrees_with_the_runtime() {
    let source = r#"
mechanism Share {
    state {
        weight: map[address] uint
        checksum: uint
    }
    action spread(part: uint, whole: uint, first: uint, stride: uint) {
        weight[caller] = first
        for i in 0..40 {
            let b = first + i * stride
            checksum = checksum % 2 ** 200 * 7 + mul_div(part, b, whole)
            checksum = checksum % 2 ** 200 * 7 + mul_div(weight[caller] + i * stride, part, whole)
        }
    }
}
scenario s {
    steps: 1
    runs: 1
    order: sequential
    agents a[1] {
        each step {
            // Exact divisions every third share.
            Share.spread(1, 3, 0, 1)
            Share.spread(2, 6, 5, 3)
            // Even whole, half shares: exact for even b.
            Share.spread(2 ** 70 + 6, 2 ** 71 + 12, 2 ** 100, 2)
            // The widest whole the ratio serves, and the largest b.
            Share.spread(2 ** 126, 2 ** 127 - 1, 2 ** 128 - 41, 1)
            Share.spread(2 ** 127 - 2, 2 ** 127 - 1, 2 ** 128 - 81, 2)
            // Too wide for the ratio (whole at 2^127), and part = whole.
            Share.spread(2 ** 126, 2 ** 127, 2 ** 120, 7)
            Share.spread(10 ** 20, 10 ** 20, 3, 11)
            // Nothing to share.
            Share.spread(0, 10 ** 27, 10 ** 25, 10 ** 22)
            // The staking workload's shapes.
            Share.spread(10 ** 23, 10 ** 27 + 12345, 10 ** 24 + 7, 10 ** 21 + 3)
        }
    }
    record checksum = Share.checksum
}
"#;
    let result = tok_tests::simulate(source, &[], None).expect("simulates");
    assert_ne!(result.value(0, 1, "checksum"), "0");
}

/// Updates in place that take a map's running sum past 2^256 and back
/// within one transaction (carry, then borrow, both counted): the sum is
/// exact again when the invariant reads it, as in the interpreter.
#[test]
fn running_sum_of_updates_wraps_past_two_to_the_256_and_back() {
    let source = BOOK.to_string()
        + r#"
scenario s {
    steps: 3
    runs: 1
    order: sequential
    agents a[2] {
        each step {
            if current_step == 0 {
                Book.add(index + 1)
            } else if current_step == 1 {
                if index == 0 {
                    Book.add(2 ** 255)
                }
            } else if index == 1 {
                Book.swing(2 ** 255 + 7)
            }
        }
    }
    record total = Book.total, swings = Book.swings
}
"#;
    let result = tok_tests::simulate(&source, &[], None).expect("simulates");
    let total: tok_runtime::U256 =
        (tok_runtime::U256::ONE << 255u32) + tok_runtime::U256::from(3u64);
    assert_eq!(result.value(0, 3, "total"), total.to_string());
    assert_eq!(result.value(0, 3, "swings"), "1");
}

/// Division and remainder by a value known only at run time: dividends
/// below, at and above the divisor (below, no machine division is needed)
/// give the interpreter's quotients and remainders.
#[test]
fn division_by_a_run_time_value_agrees_with_the_runtime() {
    let source = r#"
mechanism Mix {
    state {
        checksum: uint
    }
    action mix(n: uint) {
        for i in 0..40 {
            checksum = checksum % 2 ** 200 * 7 + i / n + i % n + (i * i + 3) % (n + i) + n / (i + 1)
        }
    }
}
scenario s {
    steps: 1
    runs: 1
    order: sequential
    agents a[1] {
        each step {
            Mix.mix(1)
            Mix.mix(7)
            Mix.mix(39)
            Mix.mix(40)
            Mix.mix(2 ** 63 + 1)
        }
    }
    record checksum = Mix.checksum
}
"#;
    let result = tok_tests::simulate(source, &[], None).expect("simulates");
    assert_ne!(result.value(0, 1, "checksum"), "0");
}

/// A mechanism whose actions each touch some of its three invariants:
/// `deposit` the first two, `tune` the third, which faults when `unit + 1`
/// overflows and is false from `unit` = 100 on. Compiled code checks the
/// invariants a transaction's action touches at its end.
const VAULT: &str = r#"
param mode: uint = 0
mechanism Vault {
    state {
        held: map[address] uint
        total: uint
        unit: uint
    }
    action deposit(x: uint) {
        held[caller] += x
        total += x
    }
    action tune(u: uint) {
        unit = u
    }
    invariant total == sum(held) else "total out of sync"
    invariant total < 1000 else "cap"
    invariant 100 / (unit + 1) > 0 else "unit"
}
scenario s {
    steps: 8
    runs: 1
    order: sequential
    agents a[4] {
        each step {
            if mode == 0 {
                Vault.deposit(50)
            } else {
                Vault.deposit(10)
                if index == 3 and current_step == 4 {
                    Vault.tune(mode)
                }
            }
        }
    }
    record total = Vault.total
}
"#;

/// An invariant broken by a transaction's action, once every invariant
/// has held, is reported as the interpreter reports it, whether the
/// compiled check finds it false (by its flag: the second invariant, the
/// third) or faults evaluating it (the host finds it again); one that
/// holds lets the run go on.
#[test]
fn transactions_check_the_invariants_their_action_touches() {
    let cases = [
        (
            "0",
            Some("\"cap\" (left side 1000, right side 1000), at step 4"),
        ),
        (
            "100",
            Some("\"unit\" (left side 0, right side 0), at step 4"),
        ),
        (
            "115792089237316195423570985008687907853269984665640564039457584007913129639935",
            Some("\"unit\" (left side reverts, right side 0), at step 4"),
        ),
        ("99", None),
    ];
    for (mode, failure) in cases {
        let result = tok_tests::simulate(VAULT, &[("mode", mode)], None);
        match (result, failure) {
            (Err(error), Some(expected)) => {
                assert!(error.contains(expected), "mode {mode}: {error}");
                assert!(error.contains("calling Vault."), "mode {mode}: {error}");
            }
            (Ok(result), None) => assert_eq!(result.value(0, 8, "total"), "320"),
            (outcome, _) => panic!("mode {mode}: {:?}", outcome.err()),
        }
    }
}

/// A transfer to an account past the end of the ledger grows its column of
/// balances, which moves when it outgrows its buffer; compiled code reads
/// balances in place right after, in scenario code and in an action (a
/// token call takes the balances' views afresh), as the interpreter does:
/// after the move, the payer's balance is read where the second transfer
/// wrote it.
#[test]
fn balances_read_in_place_after_a_transfer_grows_the_ledger() {
    let source = r#"
param treasury: address
token T {
    decimals: 0
    mint 1_000_000 T to treasury
}
mechanism Relay {
    state {
        checksum: T
    }
    action pass(to: address, amount: T) {
        T.transfer_from(caller, to, amount)
        T.transfer_from(caller, self, 1 T)
        checksum = checksum * 7 + T.balance(to) + T.balance(caller)
    }
}
scenario s {
    steps: 3
    runs: 1
    order: sequential
    agents a[4] {
        start {
            as treasury {
                T.transfer(self, 1_000 T)
            }
            T.approve(Relay, 1_000 T)
        }
        each step {
            let to = fresh[(current_step * 4 + index) * 400]
            Relay.pass(to, 1 T * (index + 1))
            let seen = T.balance(self)
            let next = fresh[(current_step * 4 + index) * 400 + 200]
            T.transfer(next, 1 T)
            if T.balance(self) != seen - 1 T {
                T.transfer(a[3], 1 T)
            }
        }
    }
    agents fresh[5000] {
    }
    record checksum = Relay.checksum, first = T.balance(a[0]), last = T.balance(a[3])
}
"#;
    let result = tok_tests::simulate(source, &[], None).expect("simulates");
    // Every read saw the transfers just made: a[3] never gets the extra 1 T.
    assert_eq!(result.value(0, 3, "first"), "991");
    assert_eq!(result.value(0, 3, "last"), "982");
    assert!(result.value(0, 3, "checksum") != "0");
}

/// A loop over a list whose one `mul_div` keeps its ratio throughout
/// (numerator and whole fixed for the loop) agrees with the runtime: the
/// ratio kept before the loop, or not (a one-item list, a whole too wide,
/// part and whole past 2^128, a share of one, nothing to share), items
/// too wide for it, exact
/// divisions, either operand order, a literal numerator; and a numerator
/// the loop changes, which keeps no ratio for the loop.
#[test]
fn loops_sharing_one_ratio_agree_with_the_runtime() {
    let source = r#"
mechanism Pool {
    state {
        members: list[address, 100]
        weight: map[address] uint
        checksum: uint
    }
    action enter(w: uint) {
        members.push(caller)
        weight[caller] = w
    }
    action share(part: uint, whole: uint) {
        for who in members {
            checksum = checksum % 2 ** 200 * 7 + mul_div(part, weight[who], whole)
        }
    }
    action share_swapped(part: uint, whole: uint) {
        for who in members {
            checksum = checksum % 2 ** 200 * 7 + mul_div(weight[who], part, whole)
        }
    }
    action share_moving(part: uint, whole: uint) {
        let p = part
        for who in members {
            checksum = checksum % 2 ** 200 * 7 + mul_div(p, weight[who], whole)
            p += whole / 5
        }
    }
    action share_literal(whole: uint) {
        for who in members {
            checksum = checksum % 2 ** 200 * 7 + mul_div(3, weight[who], whole)
        }
    }
}
scenario s {
    steps: 2
    runs: 1
    order: sequential
    agents a[6] {
        each step {
            if current_step == 0 {
                if index == 0 {
                    Pool.enter(6)
                    Pool.share(1, 3)
                } else if index == 1 {
                    Pool.enter(3 * 2 ** 60)
                } else if index == 2 {
                    Pool.enter(2 ** 128 - 1)
                } else if index == 3 {
                    Pool.enter(2 ** 128 + 5)
                } else if index == 4 {
                    Pool.enter(2 ** 127)
                } else {
                    Pool.enter(10 ** 24 + 7)
                }
            } else if index == 0 {
                Pool.share(1, 3)
                Pool.share(2 ** 126, 2 ** 127 - 1)
                Pool.share(2 ** 126, 2 ** 127)
                Pool.share(2 ** 130, 2 ** 130 + 8)
                Pool.share(5, 2 ** 128 + 9)
                Pool.share(10 ** 20, 10 ** 20)
                Pool.share(0, 7)
                Pool.share(10 ** 23, 10 ** 27 + 12345)
                Pool.share_swapped(2, 6)
                Pool.share_swapped(10 ** 23, 10 ** 27 + 12345)
                Pool.share_moving(10 ** 23, 10 ** 27 + 12345)
                Pool.share_literal(9)
            }
        }
    }
    record checksum = Pool.checksum
}
"#;
    let result = tok_tests::simulate(source, &[], None).expect("simulates");
    assert_ne!(result.value(0, 2, "checksum"), "0");
    assert_eq!(
        result.stats[0].transactions, 19,
        "every call went through: {:?}",
        result.stats[0].reverts
    );
}

/// An `every` hook's body is compiled to journal none of its writes, since
/// hooks run unjournaled; should it ever be asked to run where writes are
/// journaled, the JIT leaves it to the interpreter.
#[test]
fn a_hook_journaling_nothing_runs_only_where_nothing_is_journaled() {
    use tok_world::{Engine, Frame, World};
    let source = r#"
mechanism Pot {
    state {
        m: map[address] uint
    }
    every 1 day {
        m[self] += 1
    }
}
"#;
    let db = tok_driver::Database::default();
    let file = tok_driver::SourceFile::new(&db, "pot.tok".to_string(), source.to_string());
    let program = tok_driver::mir(&db, file).as_ref().expect("lowers");
    let jit = tok_jit::Jit::compile(program).expect("compiles");
    let mut world = World::deploy(program, &[], &tok_interp::Interpreter).expect("deploys");
    let hook = &program.mechanisms[0].hooks[0].body;
    let pot = world.entity_address(tok_mir::Entity::Mechanism(tok_mir::MechanismId::new(0)));
    let mut frame = Frame::new(hook, pot);
    frame.mechanism = Some(tok_mir::MechanismId::new(0));
    world.state.unjournaled = false;
    assert!(jit.run(&mut world, hook, &mut frame).is_none());
    let slot = [tok_world::state::Key::Address(pot)];
    let read = |world: &World<'_>| {
        world
            .load_field(
                tok_mir::MechanismId::new(0),
                tok_mir::FieldId::new(0),
                &slot,
            )
            .map(|value| value.int())
    };
    assert_eq!(read(&world), Ok(tok_runtime::U256::ZERO), "not run");
    world.state.unjournaled = true;
    assert!(matches!(
        jit.run(&mut world, hook, &mut frame),
        Some(Ok(None))
    ));
    assert_eq!(read(&world), Ok(tok_runtime::U256::ONE), "run, in place");
    assert!(
        world.state.journal.is_empty(),
        "a hook's write is not journaled"
    );
}

/// A list loop's body is compiled twice (`codegen`'s `versioned_block`): a
/// fast version whose slow paths leave for the start of their statement in
/// a general version. Here every kind of check leaves at some item, in an
/// action (writes journaled) and in a hook (not): shares of items past
/// 2^128, sums and totals crossing 2^128, slots the maps grow for, flags
/// not there yet, an `if` whose arms write and whose second condition
/// checks, and a `require`; and a third
/// transaction reverts inside the loop after some items were written. Both
/// engines give the same rows, counters and state.
#[test]
fn loops_leave_their_fast_version_where_the_interpreter_would_agree() {
    let source = r#"
mechanism Ledger {
    state {
        members: list[address, 100]
        w: map[address] uint
        late: map[address] uint
        seen: map[address] bool
        acc: uint
        hits: uint
        total: uint
        offset: uint
    }
    action join(x: uint) {
        members.push(caller)
        w[caller] = x
        total += x
    }
    action set_offset(x: uint) {
        offset = x
        seen[caller] = true
    }
    action spread(part: uint, whole: uint, limit: uint) {
        for who in members {
            let r = mul_div(part, w[who], whole)
            if seen[who] {
                hits += 1
                let twice = r + r
            } else if late[who] + offset > 2 ** 129 {
                hits += 100
            } else {
                seen[who] = true
            }
            w[who] += r
            total += r
            acc += r
            late[who] += 1
            require w[who] < limit else "too wide"
        }
    }
    every 1 day {
        for who in members {
            let r = mul_div(1, w[who], 3)
            w[who] += r
            total += r
            acc += r
            late[who] += 2
            if seen[who] {
                hits += 1
            }
        }
    }
    invariant total == sum(w) else "total out of sync"
}
scenario s {
    steps: 4
    runs: 1
    order: sequential
    agents a[6] {
        each step {
            if current_step == 0 {
                if index == 0 {
                    Ledger.join(6)
                } else if index == 1 {
                    Ledger.join(3 * 2 ** 60)
                } else if index == 2 {
                    Ledger.join(2 ** 128 - 1)
                } else if index == 3 {
                    Ledger.join(2 ** 128 + 5)
                } else if index == 4 {
                    Ledger.join(2 ** 127)
                } else {
                    Ledger.join(10 ** 24 + 7)
                    Ledger.set_offset(2 ** 128 + 1)
                }
            } else if index == 0 {
                Ledger.spread(1, 3, 2 ** 255)
                Ledger.spread(10 ** 23, 10 ** 27 + 12345, 2 ** 255)
                Ledger.spread(1, 2, 2 ** 130)
            }
        }
    }
    record total = Ledger.total, acc = Ledger.acc, hits = Ledger.hits
}
"#;
    let result = tok_tests::simulate(source, &[], None).expect("simulates");
    let stats = &result.stats[0];
    // Six joins and the offset, then three spreads a step; the third reverts ("too
    // wide"), inside the loop after writing some items, once an item has
    // passed 2^130: in the last two steps.
    assert_eq!(stats.transactions, 7 + 3 * 3, "{:?}", stats.reverts);
    assert_eq!(stats.reverts.get("too wide"), Some(&2));
    let total: tok_runtime::U256 = result.value(0, 4, "total").parse().expect("an integer");
    assert!(
        total > tok_runtime::U256::ONE << 129,
        "the total crossed 2^128: {total}"
    );
    assert_ne!(result.value(0, 4, "hits"), "0");
}

/// Compiled code logs its in-place writes and the events it counts, and the
/// host journals the log before it journals or reads anything itself: a
/// transaction writing more than the log holds, interleaving its writes
/// with the host's (a map grown for a new account), then reverting, undoes
/// all of it in order, events counted included; one that commits keeps
/// it. (`simulate` also runs the JIT with events not kept, where compiled
/// code counts them itself.)
#[test]
fn writes_logged_by_compiled_code_are_undone_by_a_revert() {
    let source = r#"
mechanism Book {
    state {
        m: map[address] uint
        late: map[address] uint
        total: uint
    }
    event Tick(n: uint)
    action churn(n: uint, fail: bool) {
        for i in 0..40 {
            m[caller] += 1
            total += 1
            emit Tick(i)
        }
        late[caller] = n
        m[caller] += n
        total += n
        emit Tick(n)
        require not fail else "asked to fail"
    }
    invariant total == sum(m) else "total out of sync"
}
scenario s {
    steps: 4
    runs: 1
    order: sequential
    agents a[3] {
        each step {
            Book.churn(index + 1, current_step % 2 == 1)
        }
    }
    record total = Book.total
}
"#;
    let result = tok_tests::simulate(source, &[], None).expect("simulates");
    let stats = &result.stats[0];
    assert_eq!(stats.reverts.get("asked to fail"), Some(&6));
    // Steps 0 and 2 commit (40 + 1, 40 + 2, 40 + 3 each), 1 and 3 revert.
    assert_eq!(result.value(0, 1, "total"), "126");
    assert_eq!(result.value(0, 2, "total"), "126");
    assert_eq!(result.value(0, 4, "total"), "252");
    assert_eq!(stats.events, 2 * 3 * 41);
}

/// Token transfers of chain code run in compiled code when no fee can
/// apply (`codegen`'s `native_transfer`): the same balances, allowances,
/// reverts and rollbacks as the token model's for every case it leaves to
/// the host: an unlimited allowance, an allowance too small, a second
/// spender's, a balance too small, a recipient the ledger grows for, an
/// amount past 2^128, the caller sending to itself, a paused token; and a
/// transaction that reverts after transferring.
#[test]
fn token_transfers_in_place_agree_with_the_token_model() {
    let source = r#"
param owner: address
token TOK {
    decimals: 0
    pausable
    owner: owner
    minters: [Vault]
    mint 10_000_000_000_000_000_000_000_000_000_000_000_000_000 TOK to owner
}
mechanism Vault {
    state {
        held: map[address] TOK
        pulls: uint
    }
    action pull(amount: TOK, fail: bool) {
        TOK.transfer_from(caller, self, amount)
        held[caller] += amount
        pulls += 1
        require not fail else "asked to fail"
    }
    action give(to: address, amount: TOK) {
        require held[caller] >= amount else "not held"
        held[caller] -= amount
        TOK.transfer(to, amount)
    }
    action fund(amount: TOK) {
        TOK.mint(self, amount)
    }
}
scenario s {
    steps: 6
    runs: 1
    order: sequential
    agents a[4] {
        start {
            as owner {
                TOK.transfer(self, 1 TOK * 10 ** 30)
            }
        }
        each step {
            if current_step == 0 {
                if index == 0 {
                    TOK.approve(Vault, 1 TOK * (2 ** 255 - 1 + 2 ** 255))
                } else if index == 1 {
                    TOK.approve(a[0], 5 TOK)
                    TOK.approve(Vault, 1 TOK * 10 ** 30)
                } else {
                    TOK.approve(Vault, 1 TOK * 10 ** 20)
                }
            } else if current_step == 1 {
                Vault.pull(1 TOK * 10 ** 18 * (index + 1), false)
                Vault.pull(1 TOK * 10 ** 18, index == 2)
            } else if current_step == 2 {
                Vault.pull(1 TOK * 10 ** 21, false)
                Vault.give(a[(index + 1) % 4], 1 TOK * 10 ** 17)
                Vault.give(self, 1 TOK * 10 ** 16)
                Vault.give(Vault, 1 TOK * 10 ** 15)
            } else if current_step == 3 {
                if index == 0 {
                    as owner {
                        TOK.pause()
                    }
                }
                Vault.pull(10 TOK, false)
            } else if current_step == 4 {
                if index == 0 {
                    as owner {
                        TOK.unpause()
                    }
                }
                Vault.pull(1 TOK * 10 ** 18, index == 3)
                Vault.give(a[index], 1 TOK)
            } else {
                if index == 0 {
                    Vault.fund(1 TOK * 2 ** 129)
                    as owner {
                        TOK.transfer(a[3], 1 TOK * 2 ** 130)
                    }
                }
                Vault.pull(1 TOK * (2 ** 128 + 3), false)
                Vault.give(a[3], 1 TOK * (2 ** 128 + 1))
            }
        }
    }
    record pulls = Vault.pulls, supply = TOK.total_supply, vault = TOK.balance(Vault)
}
"#;
    let result = tok_tests::simulate(source, &[], None).expect("simulates");
    let reverts = &result.stats[0].reverts;
    for reason in [
        "asked to fail",
        "ERC20InsufficientAllowance",
        "EnforcedPause",
    ] {
        assert!(reverts.contains_key(reason), "no {reason:?} in {reverts:?}");
    }
    assert_ne!(result.value(0, 6, "pulls"), "0");
}
