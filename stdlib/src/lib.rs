//! The Tok standard library: mechanism templates written in Tok, embedded
//! so the compiler core needs no file access. `use std.amm` makes
//! `amm.ConstantProduct[EMB, USDC](fee_per_mille: 3)` available.

/// A standard-library module.
#[derive(Clone, Copy, Debug)]
pub struct Module {
    pub path: &'static str,
    pub summary: &'static str,
    pub source: &'static str,
}

/// Every module, sorted by path.
pub const MODULES: &[Module] = &[
    Module {
        path: "std.amm",
        summary: "Constant-product pools with a fee (Uniswap v2 arithmetic).",
        source: include_str!("../std/amm.tok"),
    },
    Module {
        path: "std.bonding",
        summary: "Linear and exponential bonding curves that mint and burn their supply token.",
        source: include_str!("../std/bonding.tok"),
    },
    Module {
        path: "std.emission",
        summary: "Constant, halving, decaying and percentage emission schedules.",
        source: include_str!("../std/emission.tok"),
    },
    Module {
        path: "std.staking",
        summary: "Reward-per-share staking with unbonding and slashing.",
        source: include_str!("../std/staking.tok"),
    },
    Module {
        path: "std.vesting",
        summary: "Linear vesting with a cliff and a TGE share.",
        source: include_str!("../std/vesting.tok"),
    },
];

/// The module paths, for name resolution.
pub fn module_paths() -> Vec<&'static str> {
    MODULES.iter().map(|module| module.path).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn modules_are_sorted_and_unique() {
        let paths = super::module_paths();
        let mut sorted = paths.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(paths, sorted);
    }
}
