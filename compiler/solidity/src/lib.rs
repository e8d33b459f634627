//! The Solidity backend: MIR to a Foundry project whose contracts inherit
//! audited OpenZeppelin 5 code where a standard exists (ERC20 and its
//! extensions) and are generated where none does (mechanisms). Pure: the
//! project comes back as file contents; the CLI writes them.

mod ast;
mod invariants;
mod lower;

use std::collections::BTreeMap;

pub use lower::{error_name, ident};

/// The solc version and EVM version the project pins; tests compile with
/// the same.
pub const SOLC_VERSION: &str = "0.8.30";
pub const EVM_VERSION: &str = "prague";

/// A generated project: relative path to contents, in a stable order.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Project {
    pub files: BTreeMap<String, String>,
    /// The path of the Solidity source with every contract.
    pub source_path: String,
}

/// Doc lines by source path (`""` for the program, `EMB`, `Staking.stake`),
/// as the syntax crate's `docs::collect` returns them; they become NatSpec.
pub type Docs = BTreeMap<String, Vec<String>>;

/// The Solidity declaration the backend emits for action or view
/// `function` of `mechanism`: its name, parameters (named as in the
/// generated contract), visibility and return. What an editor's hover
/// shows; the selector is its name and parameter types.
pub fn function_signature(
    program: &tok_mir::Program,
    mechanism: tok_mir::MechanismId,
    function: &tok_mir::Function,
    view: bool,
) -> String {
    let docs = Docs::new();
    let names = lower::Lowerer::new(program, &docs).local_names(mechanism, &function.body);
    let solidity_type = |repr: tok_mir::Repr| match repr {
        tok_mir::Repr::Int => "uint256",
        tok_mir::Repr::Bool => "bool",
        tok_mir::Repr::Address => "address",
        tok_mir::Repr::Str => "string",
        // Floats never reach chain code.
        tok_mir::Repr::Float => "uint256",
    };
    let params: Vec<String> = (function.body.locals.iter().zip(&names))
        .take(function.body.params as usize)
        .map(|((_, repr), name)| format!("{} {name}", solidity_type(*repr)))
        .collect();
    let mut signature = format!(
        "function {}({}) external",
        lower::ident(&function.name),
        params.join(", ")
    );
    if view {
        signature.push_str(" view");
    }
    if let Some(returns) = function.returns {
        signature.push_str(&format!(" returns ({})", solidity_type(returns)));
    }
    signature
}

/// Generates the project for a program whose file is named `stem`.
pub fn generate(
    program: &tok_mir::Program,
    stem: &str,
    docs: &Docs,
) -> Result<Project, Vec<tok_diagnostics::Diagnostic>> {
    let mut errors = Vec::new();
    let mut lowerer = lower::Lowerer::new(program, docs);
    let mut contracts = Vec::new();
    use tok_mir::{Entity, GovernorId, MechanismId, TokenId, VestingId};
    for id in TokenId::all(program.tokens.len()) {
        contracts.push(lowerer.token(id));
    }
    for id in MechanismId::all(program.mechanisms.len()) {
        contracts.push(lowerer.mechanism(id));
    }
    for id in VestingId::all(program.vestings.len()) {
        contracts.push(lowerer.vesting(id));
    }
    for id in GovernorId::all(program.governors.len()) {
        contracts.push(lowerer.governor(id));
    }
    let order: Vec<Entity> = (TokenId::all(program.tokens.len()).map(Entity::Token))
        .chain(MechanismId::all(program.mechanisms.len()).map(Entity::Mechanism))
        .chain(VestingId::all(program.vestings.len()).map(Entity::Vesting))
        .chain(GovernorId::all(program.governors.len()).map(Entity::Governor))
        .collect();
    if order.len() + program.governors.len() < 128 {
        contracts.push(lowerer.deployer(&format!("Deploy{}", camel(stem)), &order));
    }
    let uses_safe_erc20 = lowerer.uses_safe_erc20;
    let uses_safe_cast = lowerer.uses_safe_cast;
    let source_path = format!("src/{}.sol", camel(stem));
    let invariant_tests = contracts
        .last()
        .filter(|c| c.name.starts_with("Deploy"))
        .and_then(|deployer| invariants::tests(program, &lowerer, deployer, &source_path));
    errors.extend(lowerer.errors());
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut imports: BTreeMap<&str, &str> = BTreeMap::new();
    let paths = [
        ("ERC20", "@openzeppelin/contracts/token/ERC20/ERC20.sol"),
        (
            "ERC20Burnable",
            "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol",
        ),
        (
            "ERC20Capped",
            "@openzeppelin/contracts/token/ERC20/extensions/ERC20Capped.sol",
        ),
        (
            "ERC20Pausable",
            "@openzeppelin/contracts/token/ERC20/extensions/ERC20Pausable.sol",
        ),
        (
            "ERC20Permit",
            "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol",
        ),
        (
            "ERC20Votes",
            "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol",
        ),
        (
            "EIP712",
            "@openzeppelin/contracts/utils/cryptography/EIP712.sol",
        ),
        ("Ownable", "@openzeppelin/contracts/access/Ownable.sol"),
        (
            "VestingWalletCliff",
            "@openzeppelin/contracts/finance/VestingWalletCliff.sol",
        ),
        (
            "ReentrancyGuardTransient",
            "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol",
        ),
    ];
    for contract in &contracts {
        for base in &contract.bases {
            if let Some((name, path)) = paths.iter().find(|(name, _)| name == base) {
                imports.insert(name, path);
            }
        }
    }
    if !program.vestings.is_empty() {
        imports.insert(
            "VestingWallet",
            "@openzeppelin/contracts/finance/VestingWallet.sol",
        );
    }
    if !program.governors.is_empty() {
        for (name, path) in [
            (
                "Governor",
                "@openzeppelin/contracts/governance/Governor.sol",
            ),
            (
                "GovernorSettings",
                "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol",
            ),
            (
                "GovernorCountingSimple",
                "@openzeppelin/contracts/governance/extensions/GovernorCountingSimple.sol",
            ),
            (
                "GovernorVotes",
                "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol",
            ),
            (
                "GovernorVotesQuorumFraction",
                "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol",
            ),
            (
                "GovernorTimelockControl",
                "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol",
            ),
            (
                "TimelockController",
                "@openzeppelin/contracts/governance/TimelockController.sol",
            ),
            (
                "IVotes",
                "@openzeppelin/contracts/governance/utils/IVotes.sol",
            ),
        ] {
            imports.insert(name, path);
        }
    }
    if program.tokens.iter().any(|t| t.permit && t.votes) {
        imports.insert("Nonces", "@openzeppelin/contracts/utils/Nonces.sol");
    }
    imports.insert("Math", "@openzeppelin/contracts/utils/math/Math.sol");
    if uses_safe_cast {
        imports.insert(
            "SafeCast",
            "@openzeppelin/contracts/utils/math/SafeCast.sol",
        );
    }
    if uses_safe_erc20 {
        imports.insert(
            "SafeERC20",
            "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol",
        );
    }
    let unit = ast::SourceUnit {
        imports: imports
            .into_iter()
            .map(|(name, path)| (name.to_string(), path.to_string()))
            .collect(),
        contracts,
    };
    let contract_name = |name: &str| lower::ident(name);
    let mut files = BTreeMap::new();
    files.insert(source_path.clone(), ast::print(&unit));
    if let Some(tests) = invariant_tests {
        files.insert(format!("test/{}.t.sol", camel(stem)), tests);
    }
    files.insert(
        "foundry.toml".to_string(),
        format!(
            "[profile.default]\nsrc = \"src\"\ntest = \"test\"\nout = \"out\"\nlibs = [\"node_modules\"]\nsolc_version = \"{SOLC_VERSION}\"\nevm_version = \"{EVM_VERSION}\"\noptimizer = true\noptimizer_runs = 200\n\n\
             [invariant]\nruns = 32\ndepth = 32\nfail_on_revert = false\n\n\
             [fuzz]\nseed = \"0x70c\"\n\n\
             # `every` hooks are defined by time: comparing block.timestamp is the design.\n\
             [lint]\nexclude_lints = [\"block-timestamp\"]\n"
        ),
    );
    // Slither's exclusions, each justified in docs/solidity.md: every
    // state-changing entry point holds a reentrancy guard and every external
    // call goes to the program's own contracts (OpenZeppelin ERC20s, which
    // call nothing back), and hooks are defined by block time.
    files.insert(
        "slither.config.json".to_string(),
        "{\n  \"filter_paths\": \"node_modules\",\n  \"detectors_to_exclude\": \"reentrancy-no-eth,reentrancy-benign,reentrancy-events,timestamp\"\n}\n".to_string(),
    );
    files.insert(
        "remappings.txt".to_string(),
        "@openzeppelin/contracts/=node_modules/@openzeppelin/contracts/\n".to_string(),
    );
    files.insert(
        "package.json".to_string(),
        "{\n  \"private\": true,\n  \"dependencies\": {\n    \"@openzeppelin/contracts\": \"5.4.0\"\n  }\n}\n".to_string(),
    );
    let params: BTreeMap<String, serde_json::Value> = program
        .params
        .iter()
        .map(|param| {
            let default = match param.default.as_ref().map(|e| &e.kind) {
                Some(tok_mir::ExprKind::Int(value)) => serde_json::json!(value.to_string()),
                Some(tok_mir::ExprKind::Bool(value)) => serde_json::json!(value),
                Some(tok_mir::ExprKind::AddressLiteral(text)) => serde_json::json!(text),
                _ => serde_json::Value::Null,
            };
            (param.name.clone(), serde_json::json!({ "constructor_argument": format!("{}_", param.name), "default": default }))
        })
        .collect();
    let manifest = serde_json::json!({
        "source": source_path,
        "deployer": format!("Deploy{}", camel(stem)),
        "params": params,
        "tokens": program.tokens.iter().map(|t| (t.name.clone(), contract_name(&t.name))).collect::<BTreeMap<_, _>>(),
        "mechanisms": program.mechanisms.iter().map(|m| {
            let mut reasons = std::collections::BTreeSet::new();
            for function in m.actions.iter().chain(&m.views) {
                collect_reasons(&function.body.block, &mut reasons);
            }
            for hook in &m.hooks {
                collect_reasons(&hook.body.block, &mut reasons);
            }
            (m.name.clone(), serde_json::json!({
                "contract": contract_name(&m.name),
                "actions": m.actions.iter().map(|a| (a.name.clone(), lower::ident(&a.name))).collect::<BTreeMap<_, _>>(),
                "views": m.views.iter().map(|v| (v.name.clone(), lower::ident(&v.name))).collect::<BTreeMap<_, _>>(),
                "errors": reasons.iter().map(|r| (r.clone(), lower::error_name(r))).collect::<BTreeMap<_, _>>(),
            }))
        }).collect::<BTreeMap<_, _>>(),
    });
    files.insert(
        "manifest.json".to_string(),
        serde_json::to_string_pretty(&manifest).unwrap_or_default() + "\n",
    );
    Ok(Project { files, source_path })
}

fn collect_reasons(block: &tok_mir::Block, reasons: &mut std::collections::BTreeSet<String>) {
    tok_mir::visit::block_stmts(block, &mut |stmt| {
        if let tok_mir::Stmt::Require { reason, .. } | tok_mir::Stmt::Revert { reason } = stmt {
            reasons.insert(reason.clone());
        }
    });
}

/// `staking_economy` becomes `StakingEconomy`.
fn camel(stem: &str) -> String {
    stem.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}
