//! The reference interpreter: the executable specification of Tok's
//! semantics (see `docs/semantics.md`), and the oracle the Solidity backend
//! and the JIT are tested against. Correctness over speed, every rule
//! written down.
//!
//! A [`Simulation`] holds a program, a scenario and param values; each call
//! to [`Simulation::run`] builds a fresh [`World`] for one Monte Carlo run
//! and streams its recorded rows to a sink.

mod exec;
mod reads;
pub mod state;

use std::collections::BTreeMap;

use tok_mir::*;
use tok_runtime::U256;
use tok_runtime::random::SplitMix64;

pub use exec::{CallTarget, Frame, PendingCall, to_f64};
use state::{
    Address, ChainState, GovernorState, Ledger, Slot, Tally, Value, VestingState, ZERO_ADDRESS,
};

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

/// The calls queued in a simultaneous step's decisions, in order. Slots
/// are reused from step to step: a call is written over the one an
/// earlier step left in its slot, in place, rather than moved into a
/// growing list and dropped at the end of the step.
#[derive(Debug, Default)]
pub(crate) struct Queue {
    slots: Vec<(Address, PendingCall)>,
    len: usize,
}

impl Queue {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Forgets the calls queued after the first `len`.
    pub(crate) fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    pub(crate) fn clear(&mut self) {
        self.len = 0;
    }

    #[inline(always)]
    pub(crate) fn push(&mut self, caller: Address, call: PendingCall) {
        match self.slots.get_mut(self.len) {
            Some(slot) => *slot = (caller, call),
            None => self.slots.push((caller, call)),
        }
        self.len += 1;
    }

    /// Queues a call to `target` with `len` arguments, argument `i` being
    /// `arg(i)`, written straight into a reused slot: a call built
    /// elsewhere and moved in would be copied while its bytes are still
    /// being stored, which stalls the processor.
    #[inline(always)]
    pub(crate) fn push_with(
        &mut self,
        caller: Address,
        target: CallTarget,
        len: usize,
        arg: impl FnMut(usize) -> Value,
    ) {
        if self.len == self.slots.len() {
            self.slots.push((
                caller,
                PendingCall {
                    target,
                    args: state::Args::from_slice(&[]),
                },
            ));
        }
        let (slot_caller, call) = &mut self.slots[self.len];
        *slot_caller = caller;
        call.target = target;
        call.args.refill(len, arg);
        self.len += 1;
    }

    pub(crate) fn calls(&self) -> &[(Address, PendingCall)] {
        &self.slots[..self.len]
    }
}

/// The state of a population's agents, flat.
#[derive(Clone, Debug, Default)]
pub(crate) struct AgentTable {
    pub fields: usize,
    pub values: Vec<Value>,
}

impl AgentTable {
    pub fn get(&self, agent: u32, field: u32) -> Option<Value> {
        self.values
            .get(agent as usize * self.fields + field as usize)
            .copied()
    }

    pub fn set(&mut self, agent: u32, field: u32, value: Value) {
        if let Some(slot) = self
            .values
            .get_mut(agent as usize * self.fields + field as usize)
        {
            *slot = value;
        }
    }
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

/// Deployment facts of a token, resolved to accounts.
#[derive(Clone, Debug, Default)]
pub(crate) struct TokenInfo {
    pub cap: Option<U256>,
    pub fee: Option<U256>,
    /// `WAD / fee` when it is a whole number (a 1% fee: 100): then the
    /// fee `mul_div(amount, fee, WAD)` is exactly `amount / fee_divisor`.
    pub fee_divisor: Option<U256>,
    pub fee_to: Option<Address>,
    pub fee_exempt: Vec<Address>,
    pub minters: Vec<Address>,
    pub owner: Option<Address>,
    pub votes: bool,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct VestingInfo {
    pub token: TokenId,
    pub beneficiary: Address,
    pub start: u64,
    pub cliff_end: u64,
    pub duration: u64,
    pub tge: U256,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct GovernorInfo {
    pub token: TokenId,
    pub voting_delay: u64,
    pub voting_period: u64,
    pub quorum: U256,
    pub threshold: U256,
    pub timelock: u64,
}

struct HookSchedule {
    mechanism: MechanismId,
    hook: usize,
    period: u64,
    next: u64,
}

/// An executor of compiled bodies (the JIT). The world hands it every body
/// it is about to run; the engine runs the ones it compiled and declines the
/// rest, which the interpreter then runs itself. Compiled code reaches chain
/// state only through [`World::eval`] and [`World::run_stmt`], so both
/// executors share one model of tokens, storage, the journal and time.
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

/// The state of one run.
pub struct World<'p> {
    pub program: &'p Program,
    /// Compiled bodies, when a JIT runs this world.
    pub engine: Option<&'p dyn Engine>,
    pub state: ChainState,
    pub now: u64,
    pub step: u64,
    pub events: Vec<EventRecord>,
    pub record_events: bool,
    pub stats: Stats,
    pub(crate) strings: Vec<String>,
    /// Each population's agent state: `fields` values per agent, agent
    /// after agent (nothing for a population without state).
    pub(crate) agents: Vec<AgentTable>,
    pub(crate) agent_base: Vec<Address>,
    pub(crate) agent_counts: Vec<u32>,
    pub(crate) rng: SplitMix64,
    pub(crate) series_values: Vec<f64>,
    pub(crate) tokens: Vec<TokenInfo>,
    pub(crate) vestings: Vec<VestingInfo>,
    pub(crate) governors: Vec<GovernorInfo>,
    pub(crate) list_bounds: BTreeMap<(MechanismId, FieldId), U256>,
    literal_addresses: BTreeMap<String, Address>,
    next_account: Address,
    entity_base: [Address; 4],
    hooks: Vec<HookSchedule>,
    /// Calls deferred by the simultaneous step order.
    queue: Queue,
    deferring: bool,
    /// A stop raised inside scenario code, reported when the agent's turn ends.
    pending_stop: Option<Fault>,
    /// Mechanisms with an action or hook running (they cannot be re-entered).
    pub(crate) entered: Vec<MechanismId>,
    population_names: Vec<String>,
    /// Locals buffers of finished frames, reused so that a call allocates
    /// nothing (see [`World::frame`]).
    spare_locals: Vec<Vec<Value>>,
    /// What each mechanism's invariants read.
    invariant_reads: Vec<Vec<reads::Reads>>,
    /// What any invariant reads: a transaction that wrote none of it needs
    /// no check at all.
    watched: reads::Reads,
    /// The same, token by token (see [`reads::Reads::of_token`]).
    watched_tokens: Vec<reads::Reads>,
    /// Per token: how its direct transfers and approvals settle in place.
    direct: Vec<Option<exec::DirectPlan>>,
    /// Per mechanism and action: the invariants what the action can write
    /// touches (`None`: not known before it runs; see
    /// [`reads::action_writes`]).
    action_touches: Vec<Vec<Option<ActionTouches>>>,
    /// Whether every invariant held at the last check (until then, and
    /// after a failure, all are checked).
    invariants_verified: bool,
    /// What the current transaction wrote (a reused buffer).
    written: Vec<reads::Resource>,
}

/// The invariants an action touches, known before it runs.
struct ActionTouches {
    /// By mechanism and invariant.
    touched: Vec<Vec<bool>>,
    /// Whether it touches any.
    any: bool,
    /// When it touches only invariants of its own mechanism, which one
    /// has at most 32 of: those, bit `i` for invariant `i` (none: 0), which
    /// an engine can check as part of the transaction
    /// ([`Engine::transaction`]); else `None`.
    own: Option<u32>,
}

impl ActionTouches {
    /// From the flags of an action of `mechanism`.
    fn new(touched: Vec<Vec<bool>>, mechanism: usize) -> ActionTouches {
        let any = touched.iter().flatten().any(|t| *t);
        let others = (touched.iter().enumerate())
            .filter(|(other, _)| *other != mechanism)
            .any(|(_, flags)| flags.contains(&true));
        let own = match &touched[mechanism][..] {
            flags if !others && flags.len() <= 32 => Some(
                (flags.iter().enumerate())
                    .filter(|(_, touched)| **touched)
                    .fold(0, |mask, (index, _)| mask | 1 << index),
            ),
            _ => None,
        };
        ActionTouches { touched, any, own }
    }
}

/// Which invariants something that ran can have changed.
#[derive(Clone, Copy)]
enum Touched<'a> {
    /// Any (it wrote something not modelled, or was a hook).
    All,
    /// Those that read any of these writes.
    Writes(&'a [reads::Resource]),
    /// These, by mechanism and invariant.
    Flags(&'a [Vec<bool>]),
}

/// The first account of each kind of contract: tokens, mechanisms, vesting
/// wallets, governors (account 0 is the zero address).
fn entity_bases(program: &Program) -> [Address; 4] {
    let (tokens, mechanisms, vestings) = (
        program.tokens.len() as Address,
        program.mechanisms.len() as Address,
        program.vestings.len() as Address,
    );
    [
        1,
        1 + tokens,
        1 + tokens + mechanisms,
        1 + tokens + mechanisms + vestings,
    ]
}

/// A contract's account in every world of `program` (what
/// [`World::entity_address`] answers).
pub fn entity_address(program: &Program, entity: Entity) -> Address {
    let base = entity_bases(program);
    match entity {
        Entity::Token(id) => base[0] + id,
        Entity::Mechanism(id) => base[1] + id,
        Entity::Vesting(id) => base[2] + id,
        Entity::Governor(id) => base[3] + id,
    }
}

/// The largest `u64`, as the saturating conversion of a huge integer.
fn to_u64(value: U256) -> u64 {
    u64::try_from(value).unwrap_or(u64::MAX)
}

impl<'p> World<'p> {
    /// Deploys the program's chain code. `settings` give param values that
    /// replace the defaults; an `address` param without one gets an account
    /// of its own.
    pub fn deploy(program: &'p Program, settings: &[(ParamId, Expr)]) -> Result<World<'p>, Fault> {
        let entity_base = entity_bases(program);
        let next_account = entity_base[3] + program.governors.len() as Address;
        let mut world = World {
            program,
            engine: None,
            state: ChainState {
                ledgers: vec![Ledger::default(); program.tokens.len()],
                fields: program
                    .mechanisms
                    .iter()
                    .map(|m| m.fields.iter().map(|f| Slot::new(&f.shape)).collect())
                    .collect(),
                sums: program
                    .mechanisms
                    .iter()
                    .map(|m| vec![Tally::default(); m.fields.len()])
                    .collect(),
                vestings: vec![VestingState::default(); program.vestings.len()],
                governors: vec![GovernorState::default(); program.governors.len()],
                params: vec![Value::Int(U256::ZERO); program.params.len()],
                journal: Vec::new(),
                undo_keys: Vec::new(),
                undo_proposals: Vec::new(),
                unjournaled: false,
                unjournaled_writes: 0,
                events_emitted: 0,
            },
            now: GENESIS,
            step: 0,
            events: Vec::new(),
            record_events: false,
            stats: Stats::default(),
            strings: vec![String::new()],
            agents: Vec::new(),
            agent_base: Vec::new(),
            agent_counts: Vec::new(),
            rng: SplitMix64::new(0),
            series_values: Vec::new(),
            tokens: Vec::new(),
            vestings: Vec::new(),
            governors: Vec::new(),
            list_bounds: BTreeMap::new(),
            literal_addresses: BTreeMap::new(),
            next_account,
            entity_base,
            hooks: Vec::new(),
            queue: Queue::default(),
            deferring: false,
            pending_stop: None,
            entered: Vec::new(),
            spare_locals: Vec::new(),
            population_names: Vec::new(),
            invariant_reads: program
                .mechanisms
                .iter()
                .enumerate()
                .map(|(id, mechanism)| {
                    let entity = |e| entity_address(program, e);
                    let this = entity(Entity::Mechanism(id as MechanismId));
                    mechanism
                        .invariants
                        .iter()
                        .map(|invariant| reads::reads_of(&invariant.condition, this, &entity))
                        .collect()
                })
                .collect(),
            watched: reads::Reads::Only(Vec::new()),
            watched_tokens: Vec::new(),
            direct: Vec::new(),
            action_touches: Vec::new(),
            invariants_verified: false,
            written: Vec::new(),
        };
        world.watched = reads::Reads::union(world.invariant_reads.iter().flatten());
        world.watched_tokens = (0..program.tokens.len())
            .map(|token| world.watched.of_token(token as TokenId))
            .collect();
        let invariant_reads = &world.invariant_reads;
        world.action_touches = (program.mechanisms.iter().enumerate())
            .map(|(mechanism, m)| {
                (0..m.actions.len())
                    .map(|action| {
                        let writes = reads::action_writes(
                            program,
                            mechanism as MechanismId,
                            action as FunctionId,
                        )?;
                        let touched = invariant_reads
                            .iter()
                            .map(|reads| {
                                reads.iter().map(|r| r.touched_by(Some(&writes))).collect()
                            })
                            .collect();
                        Some(ActionTouches::new(touched, mechanism))
                    })
                    .collect()
            })
            .collect();
        for (id, param) in program.params.iter().enumerate() {
            let setting = settings
                .iter()
                .rev()
                .find(|(p, _)| *p as usize == id)
                .map(|(_, e)| e);
            let value = match (setting, &param.default) {
                (Some(expr), _) | (None, Some(expr)) => world.constant(expr)?,
                (None, None) if param.repr == Repr::Address => Value::Address(world.new_account()),
                (None, None) => {
                    return Err(Fault::Stop(format!(
                        "param `{}` has no value: give one with `--param {}=...`",
                        param.name, param.name
                    )));
                }
            };
            world.state.params[id] = value;
        }
        world.configure()?;
        world.direct = (world.tokens.iter().zip(&world.watched_tokens).enumerate())
            .map(|(token, (info, watched))| exec::DirectPlan::new(token as TokenId, info, watched))
            .collect();
        world.state.journal.clear();
        Ok(world)
    }

    /// Evaluates a deployment-time expression (params, literals, addresses).
    fn constant(&mut self, expr: &Expr) -> Result<Value, Fault> {
        let body = Body::default();
        let mut frame = Frame::new(&body, ZERO_ADDRESS);
        self.expr(expr, &mut frame)
    }

    fn configure(&mut self) -> Result<(), Fault> {
        let program = self.program;
        for token in &program.tokens {
            let mut info = TokenInfo {
                votes: token.votes,
                ..TokenInfo::default()
            };
            info.cap = token
                .cap
                .as_ref()
                .map(|e| self.constant(e))
                .transpose()?
                .map(Value::int);
            info.fee = token
                .transfer_fee
                .as_ref()
                .map(|e| self.constant(e))
                .transpose()?
                .map(Value::int);
            info.fee_divisor = info
                .fee
                .filter(|fee| *fee > U256::ZERO && tok_runtime::WAD % *fee == U256::ZERO)
                .map(|fee| tok_runtime::WAD / fee);
            info.fee_to = token
                .fee_to
                .as_ref()
                .map(|e| self.constant(e))
                .transpose()?
                .map(Value::address);
            info.owner = token
                .owner
                .as_ref()
                .map(|e| self.constant(e))
                .transpose()?
                .map(Value::address);
            for expr in &token.fee_exempt {
                let address = self.constant(expr)?.address();
                info.fee_exempt.push(address);
            }
            for expr in &token.minters {
                let address = self.constant(expr)?.address();
                info.minters.push(address);
            }
            self.tokens.push(info);
        }
        for (id, mechanism) in program.mechanisms.iter().enumerate() {
            for (field_id, field) in mechanism.fields.iter().enumerate() {
                if let Some(init) = &field.init {
                    let value = self.constant(init)?;
                    self.state
                        .store(id as MechanismId, field_id as FieldId, &[], value);
                }
                if let Some(bound) = &field.bound {
                    let bound = self.constant(bound)?.int();
                    self.list_bounds
                        .insert((id as MechanismId, field_id as FieldId), bound);
                }
            }
            for (hook_id, hook) in mechanism.hooks.iter().enumerate() {
                let period = to_u64(self.constant(&hook.period)?.int()).max(1);
                self.hooks.push(HookSchedule {
                    mechanism: id as MechanismId,
                    hook: hook_id,
                    period,
                    next: GENESIS + period,
                });
            }
        }
        for vesting in &program.vestings {
            let seconds = |this: &mut Self, expr: &Option<Expr>| -> Result<u64, Fault> {
                Ok(match expr {
                    Some(expr) => to_u64(this.constant(expr)?.int()),
                    None => 0,
                })
            };
            let start = GENESIS + seconds(self, &vesting.start)?;
            let cliff = seconds(self, &vesting.cliff)?;
            let duration = to_u64(self.constant(&vesting.duration)?.int());
            let beneficiary = self.constant(&vesting.beneficiary)?.address();
            let tge = match &vesting.tge {
                Some(expr) => self.constant(expr)?.int(),
                None => U256::ZERO,
            };
            self.vestings.push(VestingInfo {
                token: vesting.token,
                beneficiary,
                start,
                cliff_end: start + cliff,
                duration,
                tge,
            });
        }
        for governor in &program.governors {
            let info = GovernorInfo {
                token: governor.token,
                voting_delay: to_u64(self.constant(&governor.voting_delay)?.int()),
                voting_period: to_u64(self.constant(&governor.voting_period)?.int()),
                quorum: self.constant(&governor.quorum)?.int(),
                threshold: match &governor.proposal_threshold {
                    Some(expr) => self.constant(expr)?.int(),
                    None => U256::ZERO,
                },
                timelock: to_u64(self.constant(&governor.timelock)?.int()),
            };
            self.governors.push(info);
        }
        // Premints happen at deployment, in declaration order.
        for (id, token) in program.tokens.iter().enumerate() {
            for (amount, to) in &token.mints {
                let amount = self.constant(amount)?.int();
                let to = self.constant(to)?.address();
                let minter = self.entity_address(Entity::Token(id as TokenId));
                self.tokens[id].minters.push(minter);
                let result = self.execute(
                    minter,
                    &PendingCall {
                        target: CallTarget::Token {
                            token: id as TokenId,
                            op: TokenOp::Mint,
                        },
                        args: state::Args::from_slice(&[Value::Address(to), Value::Int(amount)]),
                    },
                );
                self.tokens[id].minters.pop();
                if let Err(Fault::Revert(reason)) = result {
                    return Err(Fault::Stop(format!(
                        "deployment failed: premint of {} reverted: {reason}",
                        token.name
                    )));
                }
            }
        }
        Ok(())
    }

    pub fn entity_address(&self, entity: Entity) -> Address {
        match entity {
            Entity::Token(id) => self.entity_base[0] + id,
            Entity::Mechanism(id) => self.entity_base[1] + id,
            Entity::Vesting(id) => self.entity_base[2] + id,
            Entity::Governor(id) => self.entity_base[3] + id,
        }
    }

    /// A fresh account.
    pub fn new_account(&mut self) -> Address {
        let account = self.next_account;
        self.next_account += 1;
        account
    }

    pub(crate) fn literal_address(&mut self, text: &str) -> Address {
        if text.trim_start_matches("0x").chars().all(|c| c == '0') {
            return ZERO_ADDRESS;
        }
        if let Some(address) = self.literal_addresses.get(text) {
            return *address;
        }
        let address = self.new_account();
        self.literal_addresses.insert(text.to_string(), address);
        address
    }

    pub(crate) fn intern(&mut self, text: &str) -> u32 {
        match self.strings.iter().position(|s| s == text) {
            Some(index) => index as u32,
            None => {
                self.strings.push(text.to_string());
                (self.strings.len() - 1) as u32
            }
        }
    }

    /// Runs one transaction from scenario code: a revert rolls back every
    /// write and is counted (its reason is returned); success is followed by
    /// the invariant checks.
    pub fn transact(
        &mut self,
        caller: Address,
        call: &PendingCall,
    ) -> Result<Option<String>, Fault> {
        if self.settle_in_place(caller, call) {
            return Ok(None);
        }
        if let Some((token, written)) = self.direct_writes(caller, call) {
            return self.transact_unjournaled(caller, call, token, &written);
        }
        let mark = self.state.mark();
        self.stats.transactions += 1;
        let result = match call.target {
            CallTarget::Action { mechanism, action } => {
                let checks = self.own_checks(mechanism, action);
                self.run_action(caller, mechanism, action, &call.args, checks)
            }
            _ => self.execute(caller, call).map(|()| false),
        };
        match result {
            Ok(checked) => {
                if checked {
                    debug_assert!(self.action_writes_cover(call, mark));
                } else {
                    self.check_after(caller, call, mark)?;
                }
                self.state.forget(mark);
                Ok(None)
            }
            Err(Fault::Revert(reason)) => {
                let mut events = std::mem::take(&mut self.events);
                self.state.rollback(mark, &mut events);
                self.events = events;
                Ok(Some(self.count_revert(reason)))
            }
            Err(stop) => Err(stop),
        }
    }

    /// The invariants an engine checks as part of a transaction of action
    /// `action` of `mechanism`, when they are all it can touch (see
    /// [`ActionTouches::own`]; `Some(0)`: it touches none); `None` until
    /// every invariant has been seen to hold, or when the action can touch
    /// others: they are then checked after it.
    fn own_checks(&self, mechanism: MechanismId, action: FunctionId) -> Option<u32> {
        match &self.action_touches[mechanism as usize][action as usize] {
            Some(touches) if self.invariants_verified => touches.own,
            _ => None,
        }
    }

    /// Checks the invariants that `call`, committed, can have changed:
    /// those reading what its action can write, when that is known before
    /// it runs (and checked against the journal in debug builds), else
    /// what the journal after `mark` shows it wrote.
    fn check_after(
        &mut self,
        caller: Address,
        call: &PendingCall,
        mark: usize,
    ) -> Result<(), Fault> {
        let describe = |world: &Self| world.describe_call(caller, call);
        if let CallTarget::Action { mechanism, action } = call.target {
            // Taken while the invariants borrow the world, then given back.
            let action_touches = std::mem::take(&mut self.action_touches);
            let checked = action_touches[mechanism as usize][action as usize]
                .as_ref()
                .map(|touches| {
                    debug_assert!(self.action_writes_cover(call, mark));
                    if touches.any || !self.invariants_verified {
                        self.check_invariants(&describe, Touched::Flags(&touches.touched))
                    } else {
                        Ok(())
                    }
                });
            self.action_touches = action_touches;
            if let Some(checked) = checked {
                return checked;
            }
        }
        if self.invariants_verified && self.watched.untouched(&self.state.journal[mark..]) {
            return Ok(());
        }
        let mut written = std::mem::take(&mut self.written);
        let modelled = reads::write_set(&self.state.journal[mark..], &mut written);
        let touched = match modelled {
            true => Touched::Writes(&written),
            false => Touched::All,
        };
        let checked = self.check_invariants(&describe, touched);
        self.written = written;
        checked
    }

    /// Whether the journal after `mark` holds only writes that
    /// [`reads::action_writes`] says `call`, an action, can make.
    fn action_writes_cover(&self, call: &PendingCall, mark: usize) -> bool {
        let CallTarget::Action { mechanism, action } = call.target else {
            return true;
        };
        reads::action_writes(self.program, mechanism, action)
            .is_some_and(|writes| reads::covers(&writes, &self.state.journal[mark..]))
    }

    /// Runs a transaction that reverts, if at all, before its first write
    /// (see [`World::direct_writes`]) and writes at most `written`,
    /// all of `token`: nothing is journaled, since a revert leaves nothing
    /// to undo.
    fn transact_unjournaled(
        &mut self,
        caller: Address,
        call: &PendingCall,
        token: TokenId,
        written: &[reads::Resource],
    ) -> Result<Option<String>, Fault> {
        self.stats.transactions += 1;
        let unjournaled = std::mem::replace(&mut self.state.unjournaled, true);
        self.state.unjournaled_writes = 0;
        let result = self.execute(caller, call);
        self.state.unjournaled = unjournaled;
        match result {
            Ok(())
                if self.invariants_verified
                    && !self.watched_tokens[token as usize].touched_by(Some(written)) =>
            {
                Ok(None)
            }
            Ok(()) => {
                self.check_invariants(
                    &|world| world.describe_call(caller, call),
                    Touched::Writes(written),
                )?;
                Ok(None)
            }
            Err(Fault::Revert(reason)) if self.state.unjournaled_writes == 0 => {
                Ok(Some(self.count_revert(reason)))
            }
            // A write before the revert could not be undone: the model
            // broke the promise this path relies on.
            Err(Fault::Revert(reason)) => Err(Fault::Stop(format!(
                "internal error: {} reverted ({reason}) after a write that was not journaled",
                self.describe_call(caller, call)
            ))),
            Err(stop) => Err(stop),
        }
    }

    /// Counts a reverted transaction under its reason; returns the reason.
    fn count_revert(&mut self, reason: String) -> String {
        *self.stats.reverts.entry(reason.clone()).or_default() += 1;
        reason
    }

    /// Starts an agent's turn; returns the mark to end it with.
    pub fn begin_agent(&mut self) -> usize {
        self.stats.agent_steps += 1;
        self.queue.len()
    }

    /// Ends an agent's turn with what its body did: a revert of its own
    /// computation skips its step (dropping the calls it queued); a stop,
    /// its own or one raised by a call it made, stops the run.
    pub fn end_agent(&mut self, mark: usize, result: Result<(), Fault>) -> Result<(), Fault> {
        if let Some(stop) = self.pending_stop.take() {
            return Err(stop);
        }
        match result {
            Ok(()) => Ok(()),
            Err(Fault::Revert(_)) => {
                self.stats.failed_decisions += 1;
                self.queue.truncate(mark);
                Ok(())
            }
            Err(stop) => Err(stop),
        }
    }

    /// A frame for `body` running as `this`, on a reused locals buffer.
    pub(crate) fn frame(&mut self, body: &Body, this: Address) -> Frame {
        let mut locals = self.spare_locals.pop().unwrap_or_default();
        locals.clear();
        locals.extend(body.locals.iter().map(|(_, repr)| Value::zero(*repr)));
        Frame::with_locals(locals, this)
    }

    /// Gives a finished frame's locals buffer back for reuse.
    pub(crate) fn recycle(&mut self, frame: Frame) {
        self.spare_locals.push(frame.locals);
    }

    /// A call made by scenario code: run now, or queue it in the decision
    /// phase of a simultaneous step.
    #[inline(always)]
    pub(crate) fn scenario_call(&mut self, caller: Address, call: PendingCall) {
        if self.deferring {
            self.queue.push(caller, call);
        } else if let Err(fault) = self.transact(caller, &call) {
            self.pending_stop.get_or_insert(fault);
        }
    }

    fn describe_call(&self, caller: Address, call: &PendingCall) -> String {
        let program = self.program;
        let what = match call.target {
            CallTarget::Action { mechanism, action } => {
                let m = &program.mechanisms[mechanism as usize];
                format!(
                    "{}.{}({})",
                    m.name,
                    m.actions[action as usize].name,
                    self.show_values(&call.args)
                )
            }
            CallTarget::Token { token, op } => format!(
                "{}.{op:?}({})",
                program.tokens[token as usize].name,
                self.show_values(&call.args)
            ),
            CallTarget::VestingRelease { vesting } => {
                format!("{}.release()", program.vestings[vesting as usize].name)
            }
            CallTarget::Propose { governor, .. } => {
                format!("{}.propose(...)", program.governors[governor as usize].name)
            }
            CallTarget::Vote { governor } => {
                format!("{}.vote(...)", program.governors[governor as usize].name)
            }
            CallTarget::Execute { governor } => {
                format!("{}.execute(...)", program.governors[governor as usize].name)
            }
        };
        format!("{} calling {what}", self.describe_account(caller))
    }

    /// A readable name for an account.
    pub fn describe_account(&self, account: Address) -> String {
        if account == ZERO_ADDRESS {
            return "address(0)".to_string();
        }
        let program = self.program;
        for (population, base) in self.agent_base.iter().enumerate() {
            let count = self.agent_counts[population];
            if account >= *base && account < base + count {
                return format!("{}[{}]", self.population_names[population], account - base);
            }
        }
        for (index, param) in program.params.iter().enumerate() {
            if param.repr == Repr::Address
                && self.state.params.get(index).map(|v| v.address()) == Some(account)
            {
                return param.name.clone();
            }
        }
        let names = program
            .tokens
            .iter()
            .map(|t| &t.name)
            .chain(program.mechanisms.iter().map(|m| &m.name))
            .chain(program.vestings.iter().map(|v| &v.name))
            .chain(program.governors.iter().map(|g| &g.name));
        for (offset, name) in names.enumerate() {
            if account == 1 + offset as Address {
                return name.clone();
            }
        }
        format!("account {account}")
    }

    fn show_values(&self, values: &[Value]) -> String {
        values
            .iter()
            .map(|v| self.show(*v))
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn show(&self, value: Value) -> String {
        match value {
            Value::Int(v) => v.to_string(),
            Value::Float(v) => format!("{v:?}"),
            Value::Bool(v) => v.to_string(),
            Value::Address(a) => self.describe_account(a),
            Value::Str(i) => format!(
                "{:?}",
                self.strings.get(i as usize).map_or("", String::as_str)
            ),
        }
    }

    /// Checks the invariants after something that wrote `written` (`None`:
    /// anything): those it cannot have changed still hold, the others are
    /// evaluated and the first violation stops the run. `after` describes
    /// what just ran; it is only formatted for a report.
    fn check_invariants(
        &mut self,
        after: &dyn Fn(&Self) -> String,
        touched: Touched<'_>,
    ) -> Result<(), Fault> {
        let program = self.program;
        let verified = std::mem::replace(&mut self.invariants_verified, false);
        for (id, mechanism) in program.mechanisms.iter().enumerate() {
            let count = mechanism.invariants.len();
            let checked = state::Small::<bool, 8>::build(count, |index| {
                !verified
                    || match touched {
                        Touched::All => true,
                        Touched::Writes(written) => {
                            self.invariant_reads[id][index].touched_by(Some(written))
                        }
                        Touched::Flags(flags) => flags[id][index],
                    }
            });
            if !checked.contains(&true) {
                continue;
            }
            let this = self.entity_address(Entity::Mechanism(id as MechanismId));
            let mut frame = self.frame(&Body::default(), this);
            frame.mechanism = Some(id as MechanismId);
            frame
                .locals
                .extend(checked.iter().map(|check| Value::Bool(*check)));
            let compiled = self
                .engine
                .and_then(|engine| engine.invariants(self, id as MechanismId, &mut frame));
            let failing = match compiled {
                Some(Ok(failing)) => failing,
                // Interpreted, or compiled code that faulted: which one did
                // is found by interpreting them (a fault counts as false).
                _ => (0..count).find(|&index| {
                    frame.locals[index] == Value::Bool(true)
                        && !matches!(
                            self.expr(&mechanism.invariants[index].condition, &mut frame),
                            Ok(Value::Bool(true))
                        )
                }),
            };
            let Some(index) = failing else {
                self.recycle(frame);
                continue;
            };
            let invariant = &mechanism.invariants[index];
            let values = match &invariant.condition.kind {
                ExprKind::Compare { lhs, rhs, .. } => {
                    let l = self
                        .expr(lhs, &mut frame)
                        .map(|v| self.show(v))
                        .unwrap_or_else(|_| "reverts".into());
                    let r = self
                        .expr(rhs, &mut frame)
                        .map(|v| self.show(v))
                        .unwrap_or_else(|_| "reverts".into());
                    format!(" (left side {l}, right side {r})")
                }
                _ => String::new(),
            };
            let message = invariant
                .message
                .clone()
                .unwrap_or_else(|| "invariant".to_string());
            return Err(Fault::Stop(format!(
                "invariant of {} violated: {message:?}{values}, at step {}, after {}",
                mechanism.name,
                self.step,
                after(self)
            )));
        }
        self.invariants_verified = true;
        Ok(())
    }

    /// The next draw of the run's random stream (`uniform()`).
    pub fn uniform(&mut self) -> f64 {
        self.rng.uniform()
    }

    /// The run's random stream's state, for compiled code that draws as
    /// [`Self::uniform`] does.
    pub fn rng_state(&mut self) -> &mut u64 {
        self.rng.state_mut()
    }

    /// The length of a list field.
    pub fn list_len(&self, mechanism: MechanismId, field: FieldId) -> usize {
        match self
            .state
            .fields
            .get(mechanism as usize)
            .and_then(|fields| fields.get(field as usize))
        {
            Some(Slot::List(items)) => items.len(),
            _ => 0,
        }
    }

    /// Item `index` of a list field.
    pub fn list_get(&self, mechanism: MechanismId, field: FieldId, index: usize) -> Option<Value> {
        match self
            .state
            .fields
            .get(mechanism as usize)
            .and_then(|fields| fields.get(field as usize))
        {
            Some(Slot::List(items)) => items.get(index),
            _ => None,
        }
    }

    /// A population's first account and its size.
    pub fn population(&self, population: PopulationId) -> (Address, u32) {
        (
            self.agent_base
                .get(population as usize)
                .copied()
                .unwrap_or(0),
            self.agent_counts
                .get(population as usize)
                .copied()
                .unwrap_or(0),
        )
    }

    /// The earliest boundary of any `every` hook not yet run.
    pub fn next_hook_boundary(&self) -> Option<u64> {
        self.hooks.iter().map(|hook| hook.next).min()
    }

    /// Advances the clock to `time`, running every hook due on the way, in
    /// boundary order (ties in declaration order). A reverting hook stops
    /// the run: it is a bug in the mechanism.
    pub fn advance_to(&mut self, time: u64) -> Result<(), Fault> {
        loop {
            let due = self
                .hooks
                .iter()
                .enumerate()
                .filter(|(_, hook)| hook.next <= time)
                .min_by_key(|(index, hook)| (hook.next, *index))
                .map(|(index, _)| index);
            let Some(index) = due else { break };
            let (mechanism, hook_id, at) = {
                let hook = &self.hooks[index];
                (hook.mechanism, hook.hook, hook.next)
            };
            self.now = at;
            self.hooks[index].next += self.hooks[index].period;
            let program = self.program;
            let hook = &program.mechanisms[mechanism as usize].hooks[hook_id];
            let this = self.entity_address(Entity::Mechanism(mechanism));
            let mut frame = self.frame(&hook.body, this);
            frame.mechanism = Some(mechanism);
            let mark = self.state.mark();
            self.stats.hooks += 1;
            self.entered.push(mechanism);
            // A failing hook stops the run: nothing it writes is undone, so
            // nothing is journaled (a hook may write every entry of a map).
            self.state.unjournaled = true;
            let result = self.run_body(&hook.body, &mut frame);
            self.recycle(frame);
            self.state.unjournaled = false;
            self.entered.pop();
            if let Err(fault) = result {
                let reason = match fault {
                    Fault::Revert(reason) | Fault::Stop(reason) => reason,
                };
                return Err(Fault::Stop(format!(
                    "hook `every` of {} reverted at step {}: {reason}",
                    program.mechanisms[mechanism as usize].name, self.step
                )));
            }
            let name = &program.mechanisms[mechanism as usize].name;
            // Hooks are not journaled: every invariant is checked.
            self.check_invariants(&|_| format!("the `every` hook of {name}"), Touched::All)?;
            self.state.forget(mark);
        }
        self.now = time;
        Ok(())
    }
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

mod scenario;
pub use scenario::{Simulation, SimulationError, int_to_f64};
