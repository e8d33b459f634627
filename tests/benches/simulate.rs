//! Interpreter throughput on the reference workload
//! (`examples/staking_economy.tok`, N=1000 holders, T=3650 daily steps):
//! agent-steps per second, median of three single-run simulations.
//!
//! Run: `cargo bench -p tok-tests --bench simulate`

use std::time::{Duration, Instant};

use tok_tests::{root, simulate};

fn main() {
    let source = std::fs::read_to_string(root().join("examples/staking_economy.tok"))
        .expect("example exists");
    let mut times: Vec<Duration> = (0..3)
        .map(|_| {
            let start = Instant::now();
            let result = simulate(&source, &[], Some(1)).expect("simulates");
            let elapsed = start.elapsed();
            assert_eq!(
                result.value(0, 3650, "supply"),
                "1217705006510147971442700055"
            );
            elapsed
        })
        .collect();
    times.sort();
    let median = times[1];
    let agent_steps = 1000.0 * 3650.0;
    println!(
        "interpreter, staking economy N=1000 T=3650, 1 run: median {:.2} s, {:.0} agent-steps/s (runs: {:?})",
        median.as_secs_f64(),
        agent_steps / median.as_secs_f64(),
        times
            .iter()
            .map(|t| format!("{:.2}s", t.as_secs_f64()))
            .collect::<Vec<_>>()
    );
}
