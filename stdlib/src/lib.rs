//! The Tok standard library: the module table that `use std.<module>`
//! resolves against.

/// A standard-library module.
#[derive(Clone, Copy, Debug)]
pub struct Module {
    pub path: &'static str,
    pub summary: &'static str,
}

/// Every module, sorted by path.
pub const MODULES: &[Module] = &[
    Module {
        path: "std.amm",
        summary: "Constant-product pools with a fee (Uniswap v2 arithmetic).",
    },
    Module {
        path: "std.bonding",
        summary: "Linear and exponential bonding curves.",
    },
    Module {
        path: "std.emission",
        summary: "Constant, halving, decaying and percentage emission schedules.",
    },
    Module {
        path: "std.erc20",
        summary: "The ERC-20 token model behind `token` declarations.",
    },
    Module {
        path: "std.governance",
        summary: "Proposals, votes, quorum and timelock behind `governor`.",
    },
    Module {
        path: "std.staking",
        summary: "Reward-per-share staking with unbonding and slashing.",
    },
    Module {
        path: "std.vesting",
        summary: "Linear, cliff and TGE vesting behind `vesting` declarations.",
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
