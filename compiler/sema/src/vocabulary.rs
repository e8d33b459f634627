//! The language's fixed vocabulary, in one place: builtin values and
//! functions, token, vesting and governor members with their parameters,
//! and the settings each declaration block accepts. The checker resolves
//! against it; the language server completes from it.

use crate::hir::{BuiltinFunction, TokenMethod};
use crate::types::Ty;

/// Builtin functions by name.
pub const BUILTIN_FUNCTIONS: &[(&str, BuiltinFunction)] = &[
    ("min", BuiltinFunction::Min),
    ("max", BuiltinFunction::Max),
    ("mul_div", BuiltinFunction::MulDiv),
    ("sum", BuiltinFunction::Sum),
    ("uniform", BuiltinFunction::Uniform),
    ("normal", BuiltinFunction::Normal),
    ("bernoulli", BuiltinFunction::Bernoulli),
    ("float", BuiltinFunction::ToFloat),
    ("gbm", BuiltinFunction::Gbm),
    ("random_walk", BuiltinFunction::RandomWalk),
];

/// The parameters of a builtin function, for signature help (the checker
/// checks the arguments of each with rules of its own).
pub fn builtin_parameters(function: BuiltinFunction) -> &'static [&'static str] {
    match function {
        BuiltinFunction::Min | BuiltinFunction::Max => &["a", "b"],
        BuiltinFunction::MulDiv => &["a", "b", "divisor"],
        BuiltinFunction::Sum => &["map"],
        BuiltinFunction::Uniform => &[],
        BuiltinFunction::Normal => &["mean", "sd"],
        BuiltinFunction::Bernoulli => &["p"],
        BuiltinFunction::ToFloat => &["value"],
        BuiltinFunction::Gbm => &["start", "drift", "volatility"],
        BuiltinFunction::RandomWalk => &["start", "step"],
    }
}

/// Token members by name.
pub const TOKEN_MEMBERS: &[(&str, TokenMethod)] = &[
    ("total_supply", TokenMethod::TotalSupply),
    ("balance", TokenMethod::Balance),
    ("allowance", TokenMethod::Allowance),
    ("transfer", TokenMethod::Transfer),
    ("transfer_from", TokenMethod::TransferFrom),
    ("approve", TokenMethod::Approve),
    ("mint", TokenMethod::Mint),
    ("burn", TokenMethod::Burn),
    ("votes", TokenMethod::Votes),
    ("delegate", TokenMethod::Delegate),
    ("pause", TokenMethod::Pause),
    ("unpause", TokenMethod::Unpause),
];

/// The parameters and result of token method `method` of `token`.
pub fn token_method(method: TokenMethod, token: &str) -> (Vec<(&'static str, Ty)>, Ty) {
    let amount = Ty::Amount(token.to_string());
    let address = || Ty::Address;
    match method {
        TokenMethod::TotalSupply => (vec![], amount),
        TokenMethod::Balance => (vec![("who", address())], amount),
        TokenMethod::Allowance => (vec![("owner", address()), ("spender", address())], amount),
        TokenMethod::Transfer => (vec![("to", address()), ("amount", amount)], Ty::Void),
        TokenMethod::TransferFrom => (
            vec![("from", address()), ("to", address()), ("amount", amount)],
            Ty::Void,
        ),
        TokenMethod::Approve => (vec![("spender", address()), ("amount", amount)], Ty::Void),
        TokenMethod::Mint => (vec![("to", address()), ("amount", amount)], Ty::Void),
        TokenMethod::Burn => (vec![("amount", amount)], Ty::Void),
        TokenMethod::Votes => (vec![("who", address())], amount),
        TokenMethod::Delegate => (vec![("to", address())], Ty::Void),
        TokenMethod::Pause | TokenMethod::Unpause => (vec![], Ty::Void),
    }
}

/// Members of a vesting schedule.
pub const VESTING_MEMBERS: &[&str] = &["release", "releasable", "released"];

/// Members of a governor.
pub const GOVERNOR_MEMBERS: &[&str] = &["propose", "vote", "execute", "proposals"];

/// Builtin values.
pub const BUILTIN_VALUES: &[&str] = &[
    "now",
    "caller",
    "self",
    "index",
    "current_step",
    "max_value",
];

/// Token and declaration settings.
pub const TOKEN_VALUES: &[&str] = &[
    "name",
    "symbol",
    "decimals",
    "cap",
    "owner",
    "minters",
    "transfer_fee",
    "fee_to",
    "fee_exempt",
];
pub const TOKEN_FLAGS: &[&str] = &["burnable", "pausable", "votes", "permit"];
pub const VESTING_VALUES: &[&str] = &["token", "beneficiary", "start", "cliff", "duration", "tge"];
pub const GOVERNOR_VALUES: &[&str] = &[
    "token",
    "voting_delay",
    "voting_period",
    "quorum",
    "proposal_threshold",
    "timelock",
    "governs",
];
pub const SCENARIO_VALUES: &[&str] = &["steps", "period", "runs", "seed", "order"];
