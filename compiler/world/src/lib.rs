//! The simulated world both executors run in: chain state and its undo
//! journal, the token, vesting and governor models, the transactions and
//! invariant checks of `docs/semantics.md`, time and its hooks, agents and
//! the scenario runner, and the layout of the data compiled code reads in
//! place ([`layout`]).
//!
//! Two peers execute MIR bodies over it. An [`Evaluator`] (the reference
//! interpreter, `tok-interp`) runs any body, statement or expression; an
//! [`Engine`] (the JIT, `tok-jit`) runs the bodies it compiled and declines
//! the rest. The world asks the engine first and the evaluator otherwise,
//! and whoever builds a world (the CLI, the tests) hands it both: neither
//! executor depends on the other. Either way every write goes through the
//! same models and the same journal, so both give the same state, to the
//! wei.

mod call;
mod governor;
pub mod layout;
mod reads;
mod scenario;
pub mod state;
mod token;
mod transaction;
mod vesting;
mod world;

use std::collections::BTreeMap;

use tok_mir::*;
use tok_runtime::U256;
use tok_runtime::numeric::ArithmeticError;

pub use call::{CallTarget, Frame, PendingCall};
pub use scenario::{Simulation, SimulationError};
use state::Value;
pub use world::{World, entity_address};

/// What running chain or scenario code gives: a value, or why it stopped.
pub type Exec<T> = Result<T, Fault>;

/// A revert with `reason`.
pub fn revert<T>(reason: &str) -> Exec<T> {
    Err(Fault::Revert(reason.to_string()))
}

/// The genesis time of every simulation: 2024-01-01T00:00:00Z.
pub const GENESIS: u64 = 1_704_067_200;

/// Why execution stopped.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// The transaction reverts with this reason and leaves no trace.
    Revert(String),
    /// The run stops (an invariant failed, a hook reverted).
    Stop(String),
}

/// An emitted event.
#[derive(Clone, Debug, PartialEq)]
pub struct EventRecord {
    pub mechanism: MechanismId,
    pub event: EventId,
    pub args: Vec<Value>,
}

/// Counters over a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    pub transactions: u64,
    /// Reverted transactions by reason.
    pub reverts: BTreeMap<String, u64>,
    pub hooks: u64,
    /// Events of committed transactions.
    pub events: u64,
    pub agent_steps: u64,
    /// Agent decisions that failed while being computed (the agent skipped).
    pub failed_decisions: u64,
}

/// An executor of compiled bodies (the JIT). The world hands it every body
/// it is about to run; the engine runs the ones it compiled and declines the
/// rest, which the world's [`Evaluator`] then runs. What compiled code does
/// not read or write in place (through [`layout`]) it asks of the world's
/// own methods ([`World::eval`], [`World::run_stmt`], calls, token
/// operations, events), so both executors share one model of tokens,
/// storage, the journal and time.
pub trait Engine: Sync {
    /// Runs `body` in `frame` (its arguments in the first locals), or
    /// returns `None` to have it interpreted.
    fn run(
        &self,
        world: &mut World<'_>,
        body: &Body,
        frame: &mut Frame,
    ) -> Option<Result<Option<Value>, Fault>>;

    /// Checks the invariants of `mechanism` that `frame`'s locals (one
    /// flag per invariant) say to check, in order: the index of the first
    /// that does not hold, `None` when all do, a fault when one could not
    /// be evaluated; or returns `None` to have them interpreted.
    fn invariants(
        &self,
        _world: &mut World<'_>,
        _mechanism: MechanismId,
        _frame: &mut Frame,
    ) -> Option<Result<Option<usize>, Fault>> {
        None
    }

    /// Runs action `action` of `mechanism` with `args` in `frame` (whose
    /// locals are empty: the engine holds the action's own) as the whole of
    /// a transaction, then checks those
    /// of the mechanism's invariants that bit `i` of `checks` names: true
    /// when the action ran and they hold, false when it ran but they were
    /// not all seen to hold (they are then checked as after any other
    /// transaction, which reports the failure); or returns `None` to have
    /// the action run by [`Engine::run`] and the invariants checked
    /// afterwards.
    fn transaction(
        &self,
        _world: &mut World<'_>,
        _mechanism: MechanismId,
        _action: FunctionId,
        _frame: &mut Frame,
        _args: &[Value],
        _checks: u32,
    ) -> Option<Result<bool, Fault>> {
        None
    }

    /// Runs `body`, a population's step, for each of its agents in turn
    /// (`frame` is the first agent's), with [`World::begin_agent`] and
    /// [`World::end_agent`] around each; or returns `None` to have the
    /// agents run one by one.
    fn run_agents(
        &self,
        _world: &mut World<'_>,
        _body: &Body,
        _frame: &mut Frame,
    ) -> Option<Result<(), Fault>> {
        None
    }
}

/// Runs MIR as the reference interpreter does: every body, statement and
/// expression no [`Engine`] runs, and the statements and expressions
/// compiled code hands back to the world (its sites). `tok-interp`
/// implements it; the world holds one from [`World::deploy`] on.
pub trait Evaluator: Sync {
    /// Runs `body` in `frame` (its arguments in the first locals): the
    /// value it returned, if any.
    fn run_body(
        &self,
        world: &mut World<'_>,
        body: &Body,
        frame: &mut Frame,
    ) -> Exec<Option<Value>>;

    /// Evaluates one expression in `frame`.
    fn eval(&self, world: &mut World<'_>, expr: &Expr, frame: &mut Frame) -> Exec<Value>;

    /// Runs one statement that does not return.
    fn run_stmt(&self, world: &mut World<'_>, stmt: &Stmt, frame: &mut Frame) -> Exec<()>;
}

/// One recorded row.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub run: u64,
    pub step: u64,
    pub values: Vec<Option<Value>>,
}

/// How a recorded value prints: integers exactly (amounts in the token's
/// smallest unit, ratios in WAD, durations in seconds), floats in the
/// shortest form that reads back the same, bools as `true`/`false`.
pub fn format_value(value: Option<Value>) -> String {
    match value {
        None => String::new(),
        Some(Value::Int(v)) => v.to_string(),
        Some(Value::Float(v)) => format!("{v:?}"),
        Some(Value::Bool(v)) => v.to_string(),
        Some(Value::Address(a)) => a.to_string(),
        Some(Value::Str(i)) => i.to_string(),
    }
}

impl From<ArithmeticError> for Fault {
    fn from(error: ArithmeticError) -> Self {
        Fault::Revert(error.reason().to_string())
    }
}

/// An integer as the nearest double (round half to even, as IEEE-754).
pub fn to_f64(value: U256) -> f64 {
    match u128::try_from(value) {
        Ok(small) => small as f64,
        Err(_) => {
            let (high, low): (U256, U256) = (value >> 128, value & U256::from(u128::MAX));
            high.as_u128() as f64 * 2f64.powi(128) + low.as_u128() as f64
        }
    }
}
