//! Gas: a plain Tok token costs what OpenZeppelin Wizard's ERC20 costs.

use std::collections::BTreeMap;

use alloy_dyn_abi::DynSolValue;
use revm::primitives::{Address, U256};
use tok_tests::evm::{Chain, Outcome, artifacts};

/// The Wizard's plain ERC20 with the same bases (ERC20 only), for reference.
const WIZARD: &str = r#"// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
contract MyToken is ERC20 {
    constructor(address recipient) ERC20("Plain", "PLN") {
        _mint(recipient, 1000000 * 10 ** decimals());
    }
}
"#;

#[test]
fn plain_token_transfer_gas_matches_the_wizard() {
    let source = "param owner: address\n\ntoken PLN {\n    name: \"Plain\"\n    mint 1_000_000 PLN to owner\n}\n";
    let db = tok_driver::Database::default();
    let file = tok_driver::SourceFile::new(&db, "plain.tok".to_string(), source.to_string());
    assert!(tok_driver::diagnostics(&db, file).is_empty());
    let program = tok_driver::mir(&db, file).as_ref().expect("lowers");
    let mut project =
        tok_solidity::generate(program, "plain", tok_driver::docs(&db, file)).expect("generates");
    project
        .files
        .insert("src/Wizard.sol".to_string(), WIZARD.to_string());
    let contracts = artifacts(&tok_tests::solc(&project).expect("compiles"));

    let (deployer, owner, friend) = (
        Address::with_last_byte(0xd0),
        Address::with_last_byte(0x01),
        Address::with_last_byte(0x02),
    );
    let mut chain = Chain::new(tok_world::GENESIS);
    let tok = chain.deploy(
        deployer,
        &contracts["PLN"],
        &BTreeMap::from([("owner_".to_string(), DynSolValue::Address(owner))]),
    );
    let wizard = chain.deploy(
        deployer,
        &contracts["MyToken"],
        &BTreeMap::from([("recipient".to_string(), DynSolValue::Address(owner))]),
    );
    let mut transfer_gas = |token| {
        // A first transfer to a fresh account, then one to a funded account.
        let amount = DynSolValue::Uint(U256::from(1_000u64), 256);
        let mut gas = Vec::new();
        for _ in 0..2 {
            let outcome = chain.call(
                owner,
                token,
                "transfer",
                &[DynSolValue::Address(friend), amount.clone()],
            );
            assert!(matches!(outcome, Outcome::Returned(_)), "{outcome:?}");
            gas.push(chain.last_gas);
        }
        gas
    };
    let ours = transfer_gas(tok);
    let theirs = transfer_gas(wizard);
    eprintln!("transfer gas: Tok {ours:?}, Wizard {theirs:?}");
    for (a, b) in ours.iter().zip(&theirs) {
        let difference = a.abs_diff(*b) as f64 / *b as f64;
        assert!(
            difference <= 0.01,
            "transfer gas {a} vs {b}: {:.2}% apart",
            difference * 100.0
        );
    }
}
