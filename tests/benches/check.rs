//! Throughput of `check` on generated programs: lines per second at four
//! sizes (growth should be linear), and the cost of re-checking after a
//! one-line edit through the incremental database.
//!
//! Run: `cargo bench -p tok-tests --bench check`

use std::fmt::Write;
use std::time::{Duration, Instant};

use salsa::Setter;
use tok_driver::{Database, SourceFile};

/// A realistic program of about `lines` lines: tokens, mechanisms with
/// state, events, actions, views, hooks and invariants, and a scenario.
fn program(lines: usize) -> String {
    let mut text = String::from(
        "param treasury: address\nparam rate: ratio per year = 5% per year\n\ntoken EMB {\n    decimals: 18\n    burnable\n    minters: [M0]\n    mint 1_000_000 EMB to treasury\n}\n\n",
    );
    let mut index = 0;
    while text.lines().count() < lines {
        let _ = write!(
            text,
            "/// Mechanism number {index}.
mechanism M{index} {{
    state {{
        stake: map[address] EMB
        total: EMB
        rounds: uint
        paused: bool
    }}

    event Deposited(who: address, amount: EMB)

    action deposit(amount: EMB) {{
        require amount > 0 EMB else \"zero amount\"
        require not paused else \"paused\"
        EMB.transfer_from(caller, self, amount)
        stake[caller] += amount
        total += amount
        emit Deposited(caller, amount)
    }}

    action withdraw(amount: EMB) {{
        require stake[caller] >= amount else \"insufficient stake\"
        stake[caller] -= amount
        total -= amount
        EMB.transfer(caller, amount)
    }}

    view share(who: address) -> ratio {{
        if total == 0 EMB {{
            return 0%
        }}
        return stake[who] / total
    }}

    every 1 day {{
        let interest = total * rate * 1 day
        rounds += 1
        if interest > 1_000 EMB {{
            paused = true
        }}
    }}

    invariant total == sum(stake) else \"total out of sync\"
}}

"
        );
        index += 1;
    }
    text
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time_check(text: &str) -> Duration {
    let samples = (0..7)
        .map(|_| {
            let start = Instant::now();
            let diagnostics = tok_driver::check_text("bench.tok", text);
            let elapsed = start.elapsed();
            assert!(
                diagnostics.is_empty(),
                "generated program must check: {:?}",
                diagnostics.first()
            );
            elapsed
        })
        .collect();
    median(samples)
}

fn main() {
    println!("tok check throughput (median of 7, fresh database each)");
    println!(
        "{:>8} {:>12} {:>14} {:>18}",
        "lines", "median ms", "lines/s", "µs/line vs 2.5k"
    );
    let mut base_per_line = None;
    for lines in [2_500, 5_000, 10_000, 20_000] {
        let text = program(lines);
        let actual = text.lines().count();
        let time = time_check(&text);
        let per_line = time.as_secs_f64() / actual as f64;
        let base = *base_per_line.get_or_insert(per_line);
        println!(
            "{actual:>8} {:>12.1} {:>14.0} {:>17.2}x",
            time.as_secs_f64() * 1e3,
            actual as f64 / time.as_secs_f64(),
            per_line / base
        );
    }

    // Incremental: one body edit in a 10k-line program.
    let text = program(10_000);
    let mut db = Database::default();
    let file = SourceFile::new(&db, "bench.tok".to_string(), text.clone());
    let cold = Instant::now();
    assert!(tok_driver::diagnostics(&db, file).is_empty());
    let cold = cold.elapsed();
    let samples: Vec<Duration> = (0..7)
        .map(|round| {
            let edited = text.replacen("rounds += 1", &format!("rounds += {}", round + 2), 1);
            file.set_text(&mut db).to(edited);
            let start = Instant::now();
            assert!(tok_driver::diagnostics(&db, file).is_empty());
            start.elapsed()
        })
        .collect();
    let warm = median(samples);
    println!(
        "incremental re-check after a one-line body edit (10k lines): {:.1} ms vs {:.1} ms cold ({:.1}x faster)",
        warm.as_secs_f64() * 1e3,
        cold.as_secs_f64() * 1e3,
        cold.as_secs_f64() / warm.as_secs_f64()
    );
}
