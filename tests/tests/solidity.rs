//! Generated Solidity compiles with the pinned solc-js and OpenZeppelin 5,
//! without errors or warnings. Needs `scripts/setup-solidity.sh` (the test
//! command runs it).

use tok_tests::root;

/// Compiles a project; returns solc's errors and warnings.
fn compile(project: &tok_solidity::Project) -> Vec<String> {
    tok_tests::solc(project).err().unwrap_or_default()
}

fn project(example: &str) -> Result<tok_solidity::Project, Vec<tok_diagnostics::Diagnostic>> {
    let source = std::fs::read_to_string(root().join("examples").join(format!("{example}.tok")))
        .expect("example exists");
    let db = tok_driver::Database::default();
    let file = tok_driver::SourceFile::new(&db, format!("{example}.tok"), source);
    assert!(tok_driver::diagnostics(&db, file).is_empty());
    let program = tok_driver::mir(&db, file).as_ref().expect("lowers");
    tok_solidity::generate(program, example, tok_driver::docs(&db, file))
}

#[test]
fn examples_compile_without_warnings() {
    for example in [
        "staking_economy",
        "emission_halving",
        "staking_rewards",
        "transfer_tax",
        "airdrop_claim",
        "amm_pool",
        "capped_vesting",
        "dao_parameter",
    ] {
        let project = project(example).unwrap_or_else(|errors| panic!("{example}: {errors:?}"));
        let contracts = tok_tests::solc(&project).unwrap_or_else(|problems| {
            panic!(
                "{example}:\n{}\n{}",
                problems.join("\n"),
                project.files[&project.source_path]
            )
        });
        // Deployable on mainnet: runtime code within EIP-170, init code
        // (the deployer's carries every contract) within EIP-3860.
        let generated = contracts[&project.source_path]
            .as_object()
            .expect("the program's contracts");
        for (name, contract) in generated {
            let bytes = |field: &str| {
                contract["evm"][field]["object"]
                    .as_str()
                    .map_or(0, str::len)
                    / 2
            };
            let (init, runtime) = (bytes("bytecode"), bytes("deployedBytecode"));
            assert!(init > 0 && runtime > 0, "{example}: {name} has no code");
            assert!(
                runtime <= 24_576,
                "{example}: {name} runtime code is {runtime} bytes"
            );
            assert!(
                init <= 49_152,
                "{example}: {name} init code is {init} bytes"
            );
        }
    }
}

/// What the backend cannot emit yet is reported, never emitted wrongly.
#[test]
fn unsupported_constructs_are_reported() {
    let source = "param owner: address\nparam rate: uint = 1\n\ntoken V {\n    name: \"Vote\"\n    votes\n    mint 100 V to owner\n}\n\ngovernor DAO {\n    token: V\n    voting_delay: 1 day\n    voting_period: 1 week\n    quorum: 4%\n    proposal_threshold: 1 V\n    timelock: 2 days\n    governs: [rate]\n}\n\nmechanism M {\n    view count() -> uint {\n        return DAO.proposals\n    }\n}\n";
    let db = tok_driver::Database::default();
    let file = tok_driver::SourceFile::new(&db, "reads.tok".to_string(), source.to_string());
    let diagnostics = tok_driver::diagnostics(&db, file);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let program = tok_driver::mir(&db, file).as_ref().expect("lowers");
    let errors = tok_solidity::generate(program, "reads", tok_driver::docs(&db, file))
        .expect_err("governor reads from a mechanism are not emitted yet");
    assert!(
        errors.iter().any(|e| e.message.contains("governor reads")),
        "{errors:?}"
    );
}

/// `contains` searches the list; address literals are written in EIP-55
/// case (solc rejects any other spelling, so compiling is the check).
#[test]
fn list_search_and_address_literals_compile() {
    let source = "mechanism Registry {\n    state {\n        members: list[address, 10]\n    }\n    action join() {\n        require caller != 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed else \"blocked\"\n        require not members.contains(caller) else \"member\"\n        members.push(caller)\n    }\n    view has(who: address) -> bool {\n        return members.contains(who)\n    }\n}\n";
    let db = tok_driver::Database::default();
    let file = tok_driver::SourceFile::new(&db, "registry.tok".to_string(), source.to_string());
    let diagnostics = tok_driver::diagnostics(&db, file);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let program = tok_driver::mir(&db, file).as_ref().expect("lowers");
    let project = tok_solidity::generate(program, "registry", tok_driver::docs(&db, file))
        .unwrap_or_else(|errors| panic!("{errors:?}"));
    let solidity = &project.files[&project.source_path];
    assert!(
        solidity.contains("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
        "{solidity}"
    );
    assert!(
        solidity.contains("function _membersContains(address value)"),
        "{solidity}"
    );
    let problems = compile(&project);
    assert!(problems.is_empty(), "{}\n{solidity}", problems.join("\n"));
}

#[test]
fn generation_is_deterministic() {
    let first = project("staking_rewards").expect("generates");
    let second = project("staking_rewards").expect("generates");
    assert_eq!(first, second);
    assert!(first.files.contains_key("foundry.toml"));
    assert!(first.files["manifest.json"].contains("\"insufficient stake\": \"InsufficientStake\""));
}

/// Every standard-library template, instantiated, compiles too.
#[test]
fn stdlib_templates_compile_without_warnings() {
    let source = std::fs::read_to_string(root().join("tests/programs/stdlib_all.tok"))
        .expect("program exists");
    let db = tok_driver::Database::default();
    let file = tok_driver::SourceFile::new(&db, "stdlib_all.tok".to_string(), source);
    let diagnostics = tok_driver::diagnostics(&db, file);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let program = tok_driver::mir(&db, file).as_ref().expect("lowers");
    let project = tok_solidity::generate(program, "stdlib_all", tok_driver::docs(&db, file))
        .expect("generates");
    let contracts = tok_tests::solc(&project).unwrap_or_else(|problems| {
        panic!(
            "{}\n{}",
            problems.join("\n"),
            project.files[&project.source_path]
        )
    });
    // Instances carry their template's documentation as NatSpec.
    let farm = &contracts[&project.source_path]["Farm"]["userdoc"];
    assert!(
        farm["notice"]
            .as_str()
            .is_some_and(|n| n.starts_with("Staking that pays a second token")),
        "{farm}"
    );
    assert_eq!(
        farm["methods"]["request_exit(uint256)"]["notice"],
        "Stops `amount` from earning and starts its unbonding delay.",
        "{farm}"
    );
}

/// Doc comments become NatSpec that solc reads back: the program's on the
/// deployer, an item's on its contract, an action's on its function, a
/// param's and a field's on their getters.
#[test]
fn doc_comments_become_natspec() {
    let source = "/// Program doc.\n\n/// Who may stake.\nparam cap: uint = 10\n\ntoken STK {\n    name: \"Stake\"\n}\n\n/// Keeps stakes.\nmechanism Vault {\n    state {\n        /// Sum of stakes.\n        total: STK = 0 STK\n    }\n    /// Takes a stake.\n    /// @param amount how much (a tag solc could reject)\n    action stake(amount: STK) {\n        require total + amount <= cap * 1 STK else \"over cap\"\n        total += amount\n    }\n}\n";
    let db = tok_driver::Database::default();
    let file = tok_driver::SourceFile::new(&db, "vault.tok".to_string(), source.to_string());
    let diagnostics = tok_driver::diagnostics(&db, file);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let program = tok_driver::mir(&db, file).as_ref().expect("lowers");
    let project =
        tok_solidity::generate(program, "vault", tok_driver::docs(&db, file)).expect("generates");
    let output = tok_tests::solc(&project).unwrap_or_else(|problems| panic!("{problems:?}"));
    let contracts = &output[&project.source_path];
    let vault = &contracts["Vault"]["userdoc"];
    assert_eq!(vault["notice"], "Keeps stakes.", "{vault}");
    assert_eq!(
        vault["methods"]["stake(uint256)"]["notice"], "Takes a stake.",
        "{vault}"
    );
    assert_eq!(vault["methods"]["total()"]["notice"], "Sum of stakes.");
    assert_eq!(vault["methods"]["CAP()"]["notice"], "Who may stake.");
    assert_eq!(
        contracts["DeployVault"]["userdoc"]["notice"],
        "Program doc."
    );
    assert_eq!(contracts["STK"]["userdoc"]["notice"], "The `STK` token.");
}
