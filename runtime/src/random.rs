//! The documented random streams.
//!
//! Run `r` of a scenario with seed `s` draws from one SplitMix64 stream
//! whose state starts at `s + r` (wrapping). Draws are consumed in
//! execution order: agents in index order within a step, steps in order.
//! Every sweep point reuses the same streams (common random numbers), so
//! differences between points come from the parameters, not from noise.
//! Exogenous series draw from streams of their own (see [`series_seed`]).

/// SplitMix64 (Steele, Lea, Flood 2014), exactly as in `WORKLOAD.md`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

/// The stream's increment per draw (the golden ratio in 64 bits).
pub const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
/// The multipliers of [`mix`].
pub const MIX: [u64; 2] = [0xBF58_476D_1CE4_E5B9, 0x94D0_49BB_1331_11EB];

impl SplitMix64 {
    pub fn new(state: u64) -> Self {
        SplitMix64 { state }
    }

    /// The stream of run `run` of a scenario seeded with `seed`.
    pub fn for_run(seed: u64, run: u64) -> Self {
        SplitMix64::new(seed.wrapping_add(run))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GAMMA);
        mix(self.state)
    }

    /// The state, for compiled code that draws as [`Self::uniform`] does.
    pub fn state_mut(&mut self) -> &mut u64 {
        &mut self.state
    }

    /// A double in [0, 1): the top 53 bits, exactly.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
    }

    /// A standard normal draw by Box–Muller from two uniforms (cosine branch;
    /// the second value is not kept, so each call uses exactly two draws).
    pub fn standard_normal(&mut self) -> f64 {
        let u1 = self.uniform();
        let u2 = self.uniform();
        (-2.0 * (1.0 - u1).ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    pub fn normal(&mut self, mean: f64, sd: f64) -> f64 {
        mean + sd * self.standard_normal()
    }

    /// `true` with probability `p` (one uniform draw, `u < p`).
    pub fn bernoulli(&mut self, p: f64) -> bool {
        self.uniform() < p
    }
}

/// The SplitMix64 output function.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(MIX[0]);
    z = (z ^ (z >> 27)).wrapping_mul(MIX[1]);
    z ^ (z >> 31)
}

/// Series `index` of run `run` draws from a stream of its own, started at
/// `mix(seed + run) ^ (index + 1) * golden ratio`.
pub fn series_seed(seed: u64, run: u64, index: u64) -> u64 {
    mix(seed.wrapping_add(run)) ^ (index + 1).wrapping_mul(GAMMA)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_form_matches_the_stream() {
        // WORKLOAD.md: draw k of run r is mix(r + k * GAMMA).
        let mut stream = SplitMix64::for_run(0, 9);
        for k in 1..=100u64 {
            assert_eq!(
                stream.next_u64(),
                mix(9u64.wrapping_add(k.wrapping_mul(GAMMA)))
            );
        }
    }

    #[test]
    fn uniform_is_in_unit_interval_and_exact() {
        let mut stream = SplitMix64::new(0);
        for _ in 0..10_000 {
            let u = stream.uniform();
            assert!((0.0..1.0).contains(&u));
            assert_eq!((u * 9_007_199_254_740_992.0).fract(), 0.0);
        }
    }

    #[test]
    fn normal_has_the_right_moments() {
        let mut stream = SplitMix64::new(42);
        let draws: Vec<f64> = (0..100_000).map(|_| stream.normal(1.0, 2.0)).collect();
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / draws.len() as f64;
        assert!((mean - 1.0).abs() < 0.03, "{mean}");
        assert!((var - 4.0).abs() < 0.1, "{var}");
    }
}
