//! The world of one run: chain state, the contracts' deployment facts,
//! accounts, agents, the clock and its hooks, and the engine and evaluator
//! that run its bodies.

use std::collections::BTreeMap;

use tok_mir::*;
use tok_runtime::U256;
use tok_runtime::numeric::ArithmeticError;
use tok_runtime::random::SplitMix64;

use crate::call::{CallTarget, Frame, PendingCall, Queue};
use crate::governor::GovernorInfo;
use crate::layout::Tally;
use crate::state::{
    self, Address, ChainState, GovernorState, Key, Ledger, Slot, Value, VestingState, ZERO_ADDRESS,
};
use crate::token::{DirectPlan, TokenInfo};
use crate::transaction::{ActionTouches, Touched};
use crate::vesting::VestingInfo;
use crate::{Engine, Evaluator, EventRecord, Exec, Fault, GENESIS, Stats, reads, revert};

/// The state of a population's agents, flat.
#[derive(Clone, Debug, Default)]
pub(crate) struct AgentTable {
    pub fields: usize,
    pub values: Vec<Value>,
}

impl AgentTable {
    pub fn get(&self, agent: u32, field: FieldId) -> Option<Value> {
        self.values
            .get(agent as usize * self.fields + field.index())
            .copied()
    }

    pub fn set(&mut self, agent: u32, field: FieldId, value: Value) {
        if let Some(slot) = self
            .values
            .get_mut(agent as usize * self.fields + field.index())
        {
            *slot = value;
        }
    }
}

pub(crate) struct HookSchedule {
    mechanism: MechanismId,
    hook: usize,
    period: u64,
    next: u64,
}

/// The state of one run.
pub struct World<'p> {
    pub program: &'p Program,
    /// Compiled bodies, when a JIT runs this world.
    pub engine: Option<&'p dyn Engine>,
    /// What runs every body, statement and expression the engine does not.
    pub(crate) evaluator: &'p dyn Evaluator,
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
    pub(crate) literal_addresses: BTreeMap<String, Address>,
    pub(crate) next_account: Address,
    pub(crate) entity_base: [Address; 4],
    pub(crate) hooks: Vec<HookSchedule>,
    /// Calls deferred by the simultaneous step order.
    pub(crate) queue: Queue,
    pub(crate) deferring: bool,
    /// A stop raised inside scenario code, reported when the agent's turn ends.
    pub(crate) pending_stop: Option<Fault>,
    /// Mechanisms with an action or hook running (they cannot be re-entered).
    pub(crate) entered: Vec<MechanismId>,
    pub(crate) population_names: Vec<String>,
    /// Locals buffers of finished frames, reused so that a call allocates
    /// nothing (see [`World::frame`]).
    pub(crate) spare_locals: Vec<Vec<Value>>,
    /// What each mechanism's invariants read.
    pub(crate) invariant_reads: Vec<Vec<reads::Reads>>,
    /// What any invariant reads: a transaction that wrote none of it needs
    /// no check at all.
    pub(crate) watched: reads::Reads,
    /// The same, token by token (see [`reads::Reads::of_token`]).
    pub(crate) watched_tokens: Vec<reads::Reads>,
    /// Per token: how its direct transfers and approvals settle in place.
    pub(crate) direct: Vec<Option<DirectPlan>>,
    /// Per mechanism and action: the invariants what the action can write
    /// touches (`None`: not known before it runs; see
    /// [`reads::action_writes`]).
    pub(crate) action_touches: Vec<Vec<Option<ActionTouches>>>,
    /// Whether every invariant held at the last check (until then, and
    /// after a failure, all are checked).
    pub(crate) invariants_verified: bool,
    /// What the current transaction wrote (a reused buffer).
    pub(crate) written: Vec<reads::Resource>,
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
        Entity::Token(id) => base[0] + id.raw(),
        Entity::Mechanism(id) => base[1] + id.raw(),
        Entity::Vesting(id) => base[2] + id.raw(),
        Entity::Governor(id) => base[3] + id.raw(),
    }
}

/// The largest `u64`, as the saturating conversion of a huge integer.
fn to_u64(value: U256) -> u64 {
    u64::try_from(value).unwrap_or(u64::MAX)
}

impl<'p> World<'p> {
    /// Deploys the program's chain code. `settings` give param values that
    /// replace the defaults; an `address` param without one gets an account
    /// of its own. `evaluator` runs whatever no engine does (see
    /// [`World::run_body`]).
    pub fn deploy(
        program: &'p Program,
        settings: &[(ParamId, Expr)],
        evaluator: &'p dyn Evaluator,
    ) -> Result<World<'p>, Fault> {
        let entity_base = entity_bases(program);
        let next_account = entity_base[3] + program.governors.len() as Address;
        let mut world = World {
            program,
            engine: None,
            evaluator,
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
                    let this = entity(Entity::Mechanism(MechanismId::new(id)));
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
            .map(|token| world.watched.of_token(TokenId::new(token)))
            .collect();
        let invariant_reads = &world.invariant_reads;
        world.action_touches = (program.mechanisms.iter().enumerate())
            .map(|(mechanism, m)| {
                (0..m.actions.len())
                    .map(|action| {
                        let writes = reads::action_writes(
                            program,
                            MechanismId::new(mechanism),
                            FunctionId::new(action),
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
                .find(|(p, _)| p.index() == id)
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
            .map(|(token, (info, watched))| DirectPlan::new(TokenId::new(token), info, watched))
            .collect();
        world.state.journal.clear();
        Ok(world)
    }
}

impl World<'_> {
    /// Evaluates a deployment-time expression (params, literals, addresses).
    pub(crate) fn constant(&mut self, expr: &Expr) -> Result<Value, Fault> {
        let body = Body::default();
        let mut frame = Frame::new(&body, ZERO_ADDRESS);
        self.eval(expr, &mut frame)
    }

    pub(crate) fn configure(&mut self) -> Result<(), Fault> {
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
                        .store(MechanismId::new(id), FieldId::new(field_id), &[], value);
                }
                if let Some(bound) = &field.bound {
                    let bound = self.constant(bound)?.int();
                    self.list_bounds
                        .insert((MechanismId::new(id), FieldId::new(field_id)), bound);
                }
            }
            for (hook_id, hook) in mechanism.hooks.iter().enumerate() {
                let period = to_u64(self.constant(&hook.period)?.int()).max(1);
                self.hooks.push(HookSchedule {
                    mechanism: MechanismId::new(id),
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
                let minter = self.entity_address(Entity::Token(TokenId::new(id)));
                self.tokens[id].minters.push(minter);
                let result = self.execute(
                    minter,
                    &PendingCall {
                        target: CallTarget::Token {
                            token: TokenId::new(id),
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
            Entity::Token(id) => self.entity_base[0] + id.raw(),
            Entity::Mechanism(id) => self.entity_base[1] + id.raw(),
            Entity::Vesting(id) => self.entity_base[2] + id.raw(),
            Entity::Governor(id) => self.entity_base[3] + id.raw(),
        }
    }

    /// A fresh account.
    pub fn new_account(&mut self) -> Address {
        let account = self.next_account;
        self.next_account += 1;
        account
    }

    pub fn literal_address(&mut self, text: &str) -> Address {
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

    pub fn intern(&mut self, text: &str) -> u32 {
        match self.strings.iter().position(|s| s == text) {
            Some(index) => index as u32,
            None => {
                self.strings.push(text.to_string());
                (self.strings.len() - 1) as u32
            }
        }
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

    pub(crate) fn show_values(&self, values: &[Value]) -> String {
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

    /// The next draw of the run's random stream (`uniform()`).
    pub fn uniform(&mut self) -> f64 {
        self.rng.uniform()
    }

    /// A draw from a normal distribution (`normal(mean, sd)`), from the
    /// run's random stream.
    pub fn normal(&mut self, mean: f64, sd: f64) -> f64 {
        self.rng.normal(mean, sd)
    }

    /// A draw that is true with probability `p` (`bernoulli(p)`), from the
    /// run's random stream.
    pub fn bernoulli(&mut self, p: f64) -> bool {
        self.rng.bernoulli(p)
    }

    /// The current value of exogenous series `series`.
    pub fn series(&self, series: SeriesId) -> f64 {
        self.series_values
            .get(series.index())
            .copied()
            .unwrap_or_default()
    }

    /// Field `field` of agent `agent` of `population`, if it has one.
    pub fn agent_field(
        &self,
        population: PopulationId,
        agent: u32,
        field: FieldId,
    ) -> Option<Value> {
        self.agents.get(population.index())?.get(agent, field)
    }

    /// Writes field `field` of agent `agent` of `population`. Agent state
    /// is the agent's own memory, outside any transaction: it is not
    /// journaled.
    pub fn set_agent_field(
        &mut self,
        population: PopulationId,
        agent: u32,
        field: FieldId,
        value: Value,
    ) {
        if let Some(table) = self.agents.get_mut(population.index()) {
            table.set(agent, field, value);
        }
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
            .get(mechanism.index())
            .and_then(|fields| fields.get(field.index()))
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
            .get(mechanism.index())
            .and_then(|fields| fields.get(field.index()))
        {
            Some(Slot::List(items)) => items.get(index),
            _ => None,
        }
    }

    /// A population's first account and its size.
    pub fn population(&self, population: PopulationId) -> (Address, u32) {
        (
            self.agent_base
                .get(population.index())
                .copied()
                .unwrap_or(0),
            self.agent_counts
                .get(population.index())
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
            let hook = &program.mechanisms[mechanism.index()].hooks[hook_id];
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
                    program.mechanisms[mechanism.index()].name,
                    self.step
                )));
            }
            let name = &program.mechanisms[mechanism.index()].name;
            // Hooks are not journaled: every invariant is checked.
            self.check_invariants(&|_| format!("the `every` hook of {name}"), Touched::All)?;
            self.state.forget(mark);
        }
        self.now = time;
        Ok(())
    }

    /// The account of agent `index` of `population` (`holder[i]`).
    pub fn agent(&self, population: PopulationId, index: U256) -> Exec<Value> {
        let count = self.agent_counts[population.index()];
        match u32::try_from(index) {
            Ok(index) if index < count => {
                Ok(Value::Address(self.agent_base[population.index()] + index))
            }
            _ => revert("agent index out of range"),
        }
    }

    /// `sum(map)`: the field's running sum; overflow when it does not fit
    /// in 256 bits.
    pub fn sum(&self, mechanism: MechanismId, field: FieldId) -> Exec<Value> {
        match self.state.sums[mechanism.index()][field.index()].get() {
            Some(total) => Ok(Value::Int(total)),
            None => Err(ArithmeticError::Overflow.into()),
        }
    }

    /// A field read through `keys`; a list index past the end reverts.
    pub fn load_field(&self, mechanism: MechanismId, field: FieldId, keys: &[Key]) -> Exec<Value> {
        match self.state.fields[mechanism.index()][field.index()].get(keys) {
            Some(value) => Ok(value),
            None => revert("index out of bounds"),
        }
    }

    /// A token's supply, or an account's balance, allowance or votes.
    pub fn token_read(&self, token: TokenId, read: TokenRead, accounts: [Address; 2]) -> U256 {
        let ledger = &self.state.ledgers[token.index()];
        match read {
            TokenRead::TotalSupply => ledger.total_supply,
            TokenRead::Balance => ledger.balance(accounts[0]),
            TokenRead::Allowance => ledger
                .allowances
                .get(accounts[0], accounts[1])
                .unwrap_or(U256::ZERO),
            TokenRead::Votes => ledger.votes(accounts[0]),
        }
    }

    /// Only a top-level list field has items (keyed lists are empty).
    pub fn list_length(&self, mechanism: MechanismId, field: FieldId, keys: &[Key]) -> usize {
        if keys.is_empty() {
            self.list_len(mechanism, field)
        } else {
            0
        }
    }

    pub fn list_bound(&self, mechanism: MechanismId, field: FieldId) -> Option<U256> {
        self.list_bounds.get(&(mechanism, field)).copied()
    }
}
