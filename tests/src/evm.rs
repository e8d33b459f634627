//! Running generated contracts in revm: deploy with constructor arguments,
//! call functions by name through their JSON ABI, move the clock.

use std::collections::BTreeMap;

use alloy_dyn_abi::{DynSolValue, FunctionExt, JsonAbiExt};
use alloy_json_abi::JsonAbi;
use revm::context::TxEnv;
use revm::context_interface::result::{ExecutionResult, Output};
use revm::database::{CacheDB, EmptyDB};
use revm::handler::{MainnetContext, MainnetEvm};
use revm::primitives::hardfork::SpecId;
use revm::primitives::{Address, Bytes, TxKind, U256};
use revm::{Context, ExecuteCommitEvm, MainBuilder, MainContext};

type Evm = MainnetEvm<MainnetContext<CacheDB<EmptyDB>>>;

/// A compiled contract: its ABI and creation code.
pub struct Artifact {
    pub abi: JsonAbi,
    pub bytecode: Vec<u8>,
}

/// A program and its generated contracts, compiled.
pub struct Compiled {
    pub program: tok_mir::Program,
    pub artifacts: BTreeMap<String, Artifact>,
}

/// Checks, lowers and generates the program at `path` (relative to the
/// repository) as the project `name`, and compiles its contracts.
pub fn compile(path: &str, name: &str) -> Compiled {
    let source = std::fs::read_to_string(crate::root().join(path)).expect("program exists");
    let db = tok_driver::Database::default();
    let file = tok_driver::SourceFile::new(&db, format!("{name}.tok"), source);
    assert!(tok_driver::diagnostics(&db, file).is_empty());
    let program = tok_driver::mir(&db, file).clone().expect("lowers");
    let project =
        tok_solidity::generate(&program, name, tok_driver::docs(&db, file)).expect("generates");
    let artifacts = artifacts(&crate::solc(&project).expect("compiles"));
    Compiled { program, artifacts }
}

/// A runtime integer as the EVM's.
pub fn to_evm(value: tok_runtime::U256) -> U256 {
    U256::from_be_bytes(value.to_be_bytes())
}

/// Reads every contract of solc's standard-JSON `contracts` output.
pub fn artifacts(contracts: &serde_json::Value) -> BTreeMap<String, Artifact> {
    let mut out = BTreeMap::new();
    for file in contracts
        .as_object()
        .into_iter()
        .flat_map(|files| files.values())
    {
        for (name, contract) in file.as_object().into_iter().flatten() {
            let Ok(abi) = serde_json::from_value::<JsonAbi>(contract["abi"].clone()) else {
                continue;
            };
            let hex = contract["evm"]["bytecode"]["object"]
                .as_str()
                .unwrap_or_default();
            let bytecode = (0..hex.len() / 2)
                .filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
                .collect();
            out.insert(name.clone(), Artifact { abi, bytecode });
        }
    }
    out
}

/// How a call ended.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    Returned(Vec<DynSolValue>),
    /// Reverted with this return data (a custom error's selector and arguments).
    Reverted(Vec<u8>),
}

pub struct Chain {
    evm: Evm,
    abis: BTreeMap<Address, JsonAbi>,
    /// Gas used by the last transaction.
    pub last_gas: u64,
}

impl Chain {
    pub fn new(timestamp: u64) -> Chain {
        let evm = Context::mainnet()
            .modify_cfg_chained(|cfg| {
                cfg.set_spec_and_mainnet_gas_params(SpecId::PRAGUE);
                cfg.disable_nonce_check = true;
            })
            .modify_block_chained(|block| {
                block.timestamp = U256::from(timestamp);
                block.gas_limit = 1_000_000_000;
            })
            .with_db(CacheDB::<EmptyDB>::default())
            .build_mainnet();
        Chain {
            evm,
            abis: BTreeMap::new(),
            last_gas: 0,
        }
    }

    pub fn set_time(&mut self, timestamp: u64) {
        self.evm
            .ctx
            .modify_block(|block| block.timestamp = U256::from(timestamp));
    }

    fn transact(&mut self, from: Address, kind: TxKind, data: Vec<u8>) -> ExecutionResult {
        let tx = TxEnv::builder()
            .caller(from)
            .kind(kind)
            .data(Bytes::from(data))
            .gas_limit(500_000_000)
            .build_fill();
        let result = self
            .evm
            .transact_commit(tx)
            .expect("the transaction is valid");
        self.last_gas = result.tx_gas_used();
        result
    }

    /// Deploys `artifact` from `deployer` with constructor arguments by name.
    pub fn deploy(
        &mut self,
        deployer: Address,
        artifact: &Artifact,
        args: &BTreeMap<String, DynSolValue>,
    ) -> Address {
        let mut code = artifact.bytecode.clone();
        if let Some(constructor) = artifact.abi.constructor() {
            let values: Vec<DynSolValue> = constructor
                .inputs
                .iter()
                .map(|input| {
                    args.get(&input.name)
                        .cloned()
                        .unwrap_or_else(|| panic!("no constructor argument `{}`", input.name))
                })
                .collect();
            code.extend(
                constructor
                    .abi_encode_input(&values)
                    .expect("constructor arguments encode"),
            );
        }
        match self.transact(deployer, TxKind::Create, code) {
            ExecutionResult::Success {
                output: Output::Create(_, Some(address)),
                ..
            } => {
                self.abis.insert(address, artifact.abi.clone());
                address
            }
            other => panic!("deployment failed: {other:?}"),
        }
    }

    /// Calls `function` on `contract` as `from`.
    pub fn call(
        &mut self,
        from: Address,
        contract: Address,
        function: &str,
        args: &[DynSolValue],
    ) -> Outcome {
        let abi = self.abis.get(&contract).expect("a deployed contract");
        // Overloads are told apart by their number of arguments.
        let function = abi
            .function(function)
            .and_then(|overloads| overloads.iter().find(|f| f.inputs.len() == args.len()))
            .unwrap_or_else(|| panic!("no function `{function}` with {} arguments", args.len()))
            .clone();
        let data = function.abi_encode_input(args).expect("arguments encode");
        match self.transact(from, TxKind::Call(contract), data) {
            ExecutionResult::Success { output, .. } => Outcome::Returned(
                function
                    .abi_decode_output(output.data())
                    .expect("output decodes"),
            ),
            ExecutionResult::Revert { output, .. } => Outcome::Reverted(output.to_vec()),
            ExecutionResult::Halt { reason, .. } => panic!("halted: {reason:?}"),
        }
    }

    /// A view returning one unsigned integer.
    pub fn uint(&mut self, contract: Address, function: &str, args: &[DynSolValue]) -> U256 {
        match self.call(Address::ZERO, contract, function, args) {
            Outcome::Returned(values) => match values.first() {
                Some(DynSolValue::Uint(value, _)) => *value,
                other => panic!("`{function}` returned {other:?}"),
            },
            Outcome::Reverted(data) => panic!("`{function}` reverted: {data:?}"),
        }
    }

    /// The selector of a custom error of `contract`'s ABI.
    pub fn error_selector(&self, contract: Address, error: &str) -> Vec<u8> {
        let abi = self.abis.get(&contract).expect("a deployed contract");
        abi.error(error)
            .and_then(|e| e.first())
            .unwrap_or_else(|| panic!("no error `{error}`"))
            .selector()
            .to_vec()
    }
}

impl Chain {
    /// The ABI of a deployed contract.
    pub fn abi(&self, address: Address) -> Option<&JsonAbi> {
        self.abis.get(&address)
    }
}

impl Chain {
    /// Makes a contract deployed by another contract callable by name.
    pub fn register(&mut self, address: Address, abi: JsonAbi) {
        self.abis.insert(address, abi);
    }
}

impl Chain {
    /// Deploys a program through its generated `deployer` contract (from
    /// `0xd0`) and returns the contracts it created, by getter: each of
    /// `contracts` is (getter, contract name), registered under its ABI.
    pub fn deploy_program(
        &mut self,
        artifacts: &BTreeMap<String, Artifact>,
        deployer: &str,
        args: &BTreeMap<String, DynSolValue>,
        contracts: &[(&str, &str)],
    ) -> BTreeMap<String, Address> {
        let address = self.deploy(Address::with_last_byte(0xd0), &artifacts[deployer], args);
        contracts
            .iter()
            .map(|(getter, name)| {
                let created = match self.call(Address::ZERO, address, getter, &[]) {
                    Outcome::Returned(values) => match values.first() {
                        Some(DynSolValue::Address(created)) => *created,
                        other => panic!("`{getter}` returned {other:?}"),
                    },
                    Outcome::Reverted(data) => panic!("`{getter}` reverted: {data:?}"),
                };
                self.register(created, artifacts[*name].abi.clone());
                (getter.to_string(), created)
            })
            .collect()
    }
}
