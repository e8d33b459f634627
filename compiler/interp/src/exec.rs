//! Evaluation of MIR bodies: expressions, statements, calls, and the token,
//! vesting and governor models.

use tok_mir::*;
use tok_runtime::numeric::{self, ArithmeticError};
use tok_runtime::{U256, WAD};

use crate::reads::{Reads, Resource};
use crate::state::{Address, Args, Key, Keys, Proposal, Undo, Value, ZERO_ADDRESS};
use crate::{EventRecord, Fault, TokenInfo, World};

pub type Exec<T> = Result<T, Fault>;

/// What a token's transfers and approvals made directly by scenario code
/// need to be settled in place ([`World::settle_in_place`]): a token
/// without votes whose fee, if any, is a plain division, and what the
/// invariants read of it. `None` for any other token.
#[derive(Clone, Debug)]
pub(crate) struct DirectPlan {
    /// The fee's divisor (`None`: no fee).
    divisor: Option<u128>,
    /// The fee's recipient (the zero address: it is burned).
    fee_to: Address,
    exempt: Vec<Address>,
    /// The balances an invariant reads.
    balances_watched: Vec<Address>,
    /// Whether an invariant reads what the fee is written to (the
    /// recipient's balance or the supply): then every transfer is checked,
    /// as `World::direct_writes` counts the fee's write whatever its size.
    fee_watched: bool,
    /// Whether an invariant reads allowances (or the rest of the token).
    others_watched: bool,
}

impl DirectPlan {
    pub(crate) fn new(token: TokenId, info: &TokenInfo, watched: &Reads) -> Option<DirectPlan> {
        let divisor = match (info.fee, info.fee_divisor) {
            _ if info.votes => return None,
            (None, _) => None,
            (Some(_), Some(divisor)) if *divisor.high() == 0 => Some(*divisor.low()),
            (Some(_), _) => return None,
        };
        let Reads::Only(reads) = watched else {
            return None;
        };
        let fee_to = info.fee_to.unwrap_or(ZERO_ADDRESS);
        let mut plan = DirectPlan {
            divisor,
            fee_to,
            exempt: info.fee_exempt.clone(),
            balances_watched: Vec::new(),
            fee_watched: false,
            others_watched: false,
        };
        for read in reads {
            match *read {
                Resource::Balance(t, None) if t == token => return None,
                Resource::Balance(t, Some(account)) if t == token => {
                    plan.balances_watched.push(account);
                    plan.fee_watched |= divisor.is_some() && account == fee_to;
                }
                Resource::Supply(t) if t == token => {
                    plan.fee_watched |= divisor.is_some() && fee_to == ZERO_ADDRESS;
                }
                Resource::TokenOther(t) if t == token => plan.others_watched = true,
                _ => {}
            }
        }
        Some(plan)
    }
}

impl From<ArithmeticError> for Fault {
    fn from(error: ArithmeticError) -> Self {
        Fault::Revert(error.reason().to_string())
    }
}

/// Whether `accounts` (a few) holds `account`: inline, where `contains`
/// is a call.
#[inline(always)]
#[allow(clippy::manual_contains)]
fn holds(accounts: &[Address], account: Address) -> bool {
    accounts.iter().any(|held| *held == account)
}

fn revert<T>(reason: &str) -> Exec<T> {
    Err(Fault::Revert(reason.to_string()))
}

/// A call with its arguments evaluated, ready to run (now or, in the
/// simultaneous step order, after every agent has decided).
#[derive(Clone, Debug)]
pub struct PendingCall {
    pub target: CallTarget,
    pub args: Args,
}

impl PendingCall {
    /// A call of action `action` of `mechanism`.
    pub fn action(mechanism: MechanismId, action: FunctionId, args: Args) -> PendingCall {
        PendingCall {
            target: CallTarget::Action { mechanism, action },
            args,
        }
    }

    /// A vesting schedule's `release()`.
    pub fn release(vesting: VestingId) -> PendingCall {
        PendingCall {
            target: CallTarget::VestingRelease { vesting },
            args: Args::from_slice(&[]),
        }
    }

    /// A call of `op` on `token`.
    pub fn token(token: TokenId, op: TokenOp, args: Args) -> PendingCall {
        PendingCall {
            target: CallTarget::Token { token, op },
            args,
        }
    }
}

/// What a pending call calls. Its operands are the call's arguments, in
/// source order.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CallTarget {
    Action {
        mechanism: MechanismId,
        action: FunctionId,
    },
    Token {
        token: TokenId,
        op: TokenOp,
    },
    VestingRelease {
        vesting: VestingId,
    },
    /// Arguments: the param's proposed value.
    Propose {
        governor: GovernorId,
        param: ParamId,
    },
    /// Arguments: the proposal id, the support flag.
    Vote {
        governor: GovernorId,
    },
    /// Arguments: the proposal id.
    Execute {
        governor: GovernorId,
    },
}

/// Where a body runs.
#[derive(Clone, Debug)]
pub struct Frame {
    pub locals: Vec<Value>,
    pub this: Address,
    pub caller: Address,
    pub mechanism: Option<MechanismId>,
    pub agent: Option<(PopulationId, u32)>,
    /// The account scenario calls are made as (`self`, or an `as` account).
    pub actor: Address,
}

impl Frame {
    pub fn new(body: &Body, this: Address) -> Frame {
        // Room past the body's locals for an engine's scratch values.
        let mut locals = Vec::with_capacity(body.locals.len() + 8);
        locals.extend(body.locals.iter().map(|(_, repr)| Value::zero(*repr)));
        Frame::with_locals(locals, this)
    }

    pub(crate) fn with_locals(locals: Vec<Value>, this: Address) -> Frame {
        Frame {
            locals,
            this,
            caller: ZERO_ADDRESS,
            mechanism: None,
            agent: None,
            actor: this,
        }
    }
}

enum Flow {
    Next,
    Return(Value),
}

impl World<'_> {
    // ---- Statements ---------------------------------------------------------------

    pub(crate) fn run_body(&mut self, body: &Body, frame: &mut Frame) -> Exec<Option<Value>> {
        if let Some(engine) = self.engine
            && let Some(result) = engine.run(self, body, frame)
        {
            return result;
        }
        match self.block(&body.block, frame)? {
            Flow::Next => Ok(None),
            Flow::Return(value) => Ok(Some(value)),
        }
    }

    /// Evaluates one expression in `frame` (for compiled code).
    pub fn eval(&mut self, expr: &Expr, frame: &mut Frame) -> Exec<Value> {
        self.expr(expr, frame)
    }

    /// Whether a call `frame` makes is queued (scenario code deciding in a
    /// simultaneous step) rather than run now.
    pub fn queues(&self, frame: &Frame) -> bool {
        frame.mechanism.is_none() && self.deferring
    }

    /// Makes a call from `frame`: in chain code, part of the current
    /// transaction, as the mechanism; in scenario code, a transaction of
    /// the acting account.
    #[inline(always)]
    pub fn dispatch(&mut self, pending: PendingCall, frame: &Frame) -> Exec<()> {
        if frame.mechanism.is_some() {
            self.execute(frame.this, &pending)
        } else {
            self.scenario_call(frame.actor, pending);
            Ok(())
        }
    }

    /// [`World::dispatch`] of a call to `target` with `len` arguments,
    /// argument `i` being `arg(i)`; a queued call is written straight into
    /// the queue.
    #[inline(always)]
    pub fn call_with(
        &mut self,
        target: CallTarget,
        len: usize,
        arg: impl FnMut(usize) -> Value,
        frame: &Frame,
    ) -> Exec<()> {
        if self.queues(frame) {
            self.queue.push_with(frame.actor, target, len, arg);
            return Ok(());
        }
        let call = PendingCall {
            target,
            args: Args::build(len, arg),
        };
        self.dispatch(call, frame)
    }

    /// The account of agent `index` of `population` (`holder[i]`).
    pub fn agent(&self, population: PopulationId, index: U256) -> Exec<Value> {
        let count = self.agent_counts[population as usize];
        match u32::try_from(index) {
            Ok(index) if index < count => {
                Ok(Value::Address(self.agent_base[population as usize] + index))
            }
            _ => revert("agent index out of range"),
        }
    }

    /// Emits an event whose arguments are evaluated (`args` is empty unless
    /// events are recorded). Journaled, so a revert takes the event back.
    pub fn emit(&mut self, mechanism: MechanismId, event: EventId, args: Vec<Value>) {
        let len = self.events.len();
        let count = self.state.events_emitted;
        self.state.record(Undo::Events { len, count });
        self.state.events_emitted += 1;
        if self.record_events {
            self.events.push(EventRecord {
                mechanism,
                event,
                args,
            });
        }
    }

    /// Runs one statement that does not return (for compiled code).
    pub fn run_stmt(&mut self, stmt: &Stmt, frame: &mut Frame) -> Exec<()> {
        self.stmt(stmt, frame).map(|_| ())
    }

    fn block(&mut self, block: &Block, frame: &mut Frame) -> Exec<Flow> {
        for stmt in block {
            if let Flow::Return(value) = self.stmt(stmt, frame)? {
                return Ok(Flow::Return(value));
            }
        }
        Ok(Flow::Next)
    }

    fn keys(&mut self, keys: &[Expr], frame: &mut Frame) -> Exec<Keys> {
        keys.iter()
            .map(|key| Ok(self.expr(key, frame)?.key()))
            .collect()
    }

    fn stmt(&mut self, stmt: &Stmt, frame: &mut Frame) -> Exec<Flow> {
        match stmt {
            Stmt::Set { local, value } => {
                let value = self.expr(value, frame)?;
                frame.locals[*local as usize] = value;
            }
            Stmt::Store {
                mechanism,
                field,
                keys,
                value,
            } => {
                // One key (the common map access) needs no key buffer.
                if let [key] = keys.as_slice() {
                    let key = self.expr(key, frame)?.key();
                    let value = self.expr(value, frame)?;
                    self.state.store(*mechanism, *field, &[key], value);
                } else {
                    let keys = self.keys(keys, frame)?;
                    let value = self.expr(value, frame)?;
                    self.state.store(*mechanism, *field, &keys, value);
                }
            }
            Stmt::StoreAgent {
                population,
                field,
                value,
            } => {
                let value = self.expr(value, frame)?;
                // Agent state is the agent's own memory, outside any
                // transaction: it is not journaled.
                if let Some((_, agent)) = frame.agent {
                    self.agents[*population as usize].set(agent, *field, value);
                }
            }
            Stmt::Push {
                mechanism,
                field,
                keys,
                value,
            } => {
                let value = self.expr(value, frame)?;
                let bound = self.list_bound(*mechanism, *field);
                let keys = self.keys(keys, frame)?;
                let length = self.list_length(*mechanism, *field, &keys);
                if bound.is_some_and(|bound| U256::from(length as u64) >= bound) {
                    return revert("list full");
                }
                self.state.push(*mechanism, *field, value);
            }
            Stmt::Require { condition, reason } => {
                if !self.expr(condition, frame)?.bool() {
                    return revert(reason);
                }
            }
            Stmt::Revert { reason } => return revert(reason),
            Stmt::Emit { event, args } => {
                // The arguments are evaluated (one may revert) but kept
                // only when events are recorded.
                let mut values = Vec::new();
                for arg in args {
                    let value = self.expr(arg, frame)?;
                    if self.record_events {
                        values.push(value);
                    }
                }
                self.emit(frame.mechanism.unwrap_or(0), *event, values);
            }
            Stmt::If { arms, otherwise } => {
                for (condition, body) in arms {
                    if self.expr(condition, frame)?.bool() {
                        return self.block(body, frame);
                    }
                }
                return self.block(otherwise, frame);
            }
            Stmt::ForRange {
                local,
                start,
                end,
                body,
            } => {
                let start = self.expr(start, frame)?.int();
                let end = self.expr(end, frame)?.int();
                let mut index = start;
                while index < end {
                    frame.locals[*local as usize] = Value::Int(index);
                    if let Flow::Return(value) = self.block(body, frame)? {
                        return Ok(Flow::Return(value));
                    }
                    index += U256::ONE;
                }
            }
            Stmt::ForEach {
                local,
                mechanism,
                field,
                keys,
                body,
            } => {
                let keys = self.keys(keys, frame)?;
                // Iterate over the list as it was when the loop started. A
                // list only grows (its items cannot be reassigned) and only
                // the rollback of a whole transaction shrinks it, so those
                // are its first `length` items: no copy is needed.
                let length = if keys.is_empty() {
                    self.list_len(*mechanism, *field)
                } else {
                    0
                };
                for index in 0..length {
                    let Some(item) = self.list_get(*mechanism, *field, index) else {
                        break;
                    };
                    frame.locals[*local as usize] = item;
                    if let Flow::Return(value) = self.block(body, frame)? {
                        return Ok(Flow::Return(value));
                    }
                }
            }
            Stmt::ForAgents {
                local,
                population,
                body,
            } => {
                let base = self.agent_base[*population as usize];
                for index in 0..self.agent_counts[*population as usize] {
                    frame.locals[*local as usize] = Value::Address(base + index);
                    if let Flow::Return(value) = self.block(body, frame)? {
                        return Ok(Flow::Return(value));
                    }
                }
            }
            Stmt::Return(value) => return Ok(Flow::Return(self.expr(value, frame)?)),
            Stmt::Call(call) => {
                let pending = self.pending(call, frame)?;
                self.dispatch(pending, frame)?;
            }
            Stmt::As { account, body } => {
                let account = self.expr(account, frame)?.address();
                let saved = std::mem::replace(&mut frame.actor, account);
                let flow = self.block(body, frame);
                frame.actor = saved;
                return flow;
            }
        }
        Ok(Flow::Next)
    }

    fn pending(&mut self, call: &Call, frame: &mut Frame) -> Exec<PendingCall> {
        let mut values = |this: &mut Self, args: &[Expr]| {
            args.iter()
                .map(|a| this.expr(a, frame))
                .collect::<Exec<Args>>()
        };
        Ok(match call {
            Call::Action {
                mechanism,
                action,
                args,
            } => PendingCall {
                target: CallTarget::Action {
                    mechanism: *mechanism,
                    action: *action,
                },
                args: values(self, args)?,
            },
            Call::Token { token, op, args } => PendingCall {
                target: CallTarget::Token {
                    token: *token,
                    op: *op,
                },
                args: values(self, args)?,
            },
            Call::VestingRelease { vesting } => PendingCall {
                target: CallTarget::VestingRelease { vesting: *vesting },
                args: Args::from_slice(&[]),
            },
            Call::Propose {
                governor,
                param,
                value,
            } => PendingCall {
                target: CallTarget::Propose {
                    governor: *governor,
                    param: *param,
                },
                args: Args::from_slice(&[self.expr(value, frame)?]),
            },
            Call::Vote {
                governor,
                proposal,
                support,
            } => {
                let proposal = self.expr(proposal, frame)?;
                let support = self.expr(support, frame)?;
                PendingCall {
                    target: CallTarget::Vote {
                        governor: *governor,
                    },
                    args: Args::from_slice(&[proposal, support]),
                }
            }
            Call::Execute { governor, proposal } => PendingCall {
                target: CallTarget::Execute {
                    governor: *governor,
                },
                args: Args::from_slice(&[self.expr(proposal, frame)?]),
            },
        })
    }

    // ---- Calls --------------------------------------------------------------------

    /// Runs a call inside the current transaction.
    pub(crate) fn execute(&mut self, caller: Address, call: &PendingCall) -> Exec<()> {
        let args = &call.args[..];
        let arg = |index: usize| args.get(index).copied().unwrap_or_default();
        match call.target {
            CallTarget::Action { mechanism, action } => self
                .run_action(caller, mechanism, action, args, None)
                .map(|_| ()),
            CallTarget::Token { token, op } => self.token_op(caller, token, op, args),
            CallTarget::VestingRelease { vesting } => self.release(vesting),
            CallTarget::Propose { governor, param } => {
                self.propose(caller, governor, param, arg(0))
            }
            CallTarget::Vote { governor } => {
                self.vote(caller, governor, arg(0).int(), arg(1).bool())
            }
            CallTarget::Execute { governor } => self.execute_proposal(governor, arg(0).int()),
        }
    }

    /// Runs action `action` of `mechanism`, called by `caller` with
    /// `args`. With `checks` (the whole of a transaction, whose action can
    /// touch only those of its mechanism's invariants, maybe none; see
    /// [`crate::Engine::transaction`]), an engine may run it and check
    /// those once it has run: whether it did and they hold.
    pub(crate) fn run_action(
        &mut self,
        caller: Address,
        mechanism: MechanismId,
        action: FunctionId,
        args: &[Value],
        checks: Option<u32>,
    ) -> Exec<bool> {
        let program = self.program;
        let function = &program.mechanisms[mechanism as usize].actions[action as usize];
        // A mechanism cannot be re-entered while one of its actions
        // or hooks runs (OpenZeppelin's guard, checked first).
        if self.entered.contains(&mechanism) {
            return revert("ReentrancyGuardReentrantCall");
        }
        self.check_access(&function.access, caller)?;
        let this = self.entity_address(Entity::Mechanism(mechanism));
        let frame_of = |world: &mut Self, locals: Vec<Value>| {
            let mut frame = Frame::with_locals(locals, this);
            frame.caller = caller;
            frame.mechanism = Some(mechanism);
            world.entered.push(mechanism);
            frame
        };
        // An engine running the whole transaction takes the arguments
        // as they are: its frame's locals stay empty.
        if let Some(engine) = self.engine
            && let Some(checks) = checks
        {
            let mut locals = self.spare_locals.pop().unwrap_or_default();
            locals.clear();
            let mut frame = frame_of(self, locals);
            let compiled = engine.transaction(self, mechanism, action, &mut frame, args, checks);
            self.recycle(frame);
            self.entered.pop();
            if let Some(checked) = compiled {
                return checked;
            }
        }
        let mut locals = self.spare_locals.pop().unwrap_or_default();
        locals.clear();
        locals.extend(
            function
                .body
                .locals
                .iter()
                .map(|(_, repr)| Value::zero(*repr)),
        );
        locals[..args.len()].copy_from_slice(args);
        let mut frame = frame_of(self, locals);
        let result = self.run_body(&function.body, &mut frame).map(|_| false);
        self.recycle(frame);
        self.entered.pop();
        result
    }

    fn check_access(&mut self, access: &[Access], caller: Address) -> Exec<()> {
        if access.is_empty() {
            return Ok(());
        }
        let allowed = access.iter().any(|rule| match rule {
            Access::Param(param) => self.state.params[*param as usize].address() == caller,
            Access::Governor(governor) => {
                self.entity_address(Entity::Governor(*governor)) == caller
            }
            Access::Mechanism(mechanism) => {
                self.entity_address(Entity::Mechanism(*mechanism)) == caller
            }
        });
        if allowed {
            Ok(())
        } else {
            revert("unauthorized")
        }
    }

    pub(crate) fn call_view(
        &mut self,
        mechanism: MechanismId,
        view: FunctionId,
        args: &[Value],
    ) -> Exec<Value> {
        let program = self.program;
        let function = &program.mechanisms[mechanism as usize].views[view as usize];
        let this = self.entity_address(Entity::Mechanism(mechanism));
        let mut frame = self.frame(&function.body, this);
        frame.mechanism = Some(mechanism);
        for (index, arg) in args.iter().enumerate() {
            frame.locals[index] = *arg;
        }
        let result = self.run_body(&function.body, &mut frame);
        self.recycle(frame);
        match result? {
            Some(value) => Ok(value),
            None => revert("view returned nothing"),
        }
    }

    // ---- The ERC-20 model (OpenZeppelin 5 semantics) ---------------------------------

    /// Runs token operation `op` of `token` called by `caller` with
    /// `args` (as [`World::token_call`] takes them, from the call's
    /// arguments in source order).
    fn token_op(
        &mut self,
        caller: Address,
        token: TokenId,
        op: TokenOp,
        args: &[Value],
    ) -> Exec<()> {
        // Read by kind, without building a default value for a missing
        // argument (which reads as zero).
        let int = |index: usize| args.get(index).map_or(U256::ZERO, |value| value.int());
        let address = |index: usize| {
            args.get(index)
                .map_or(ZERO_ADDRESS, |value| value.address())
        };
        let amount = match op {
            TokenOp::Transfer | TokenOp::Approve | TokenOp::Mint => int(1),
            TokenOp::TransferFrom => int(2),
            TokenOp::Burn => int(0),
            TokenOp::Delegate | TokenOp::Pause | TokenOp::Unpause => U256::ZERO,
        };
        self.token_call(caller, token, op, [address(0), address(1)], amount)
    }

    /// Runs token operation `op` of `token` called by `caller`, inside the
    /// current transaction, with its arguments by kind: the accounts it
    /// takes, in source order (`transfer(to, _)`, `transfer_from(from, to,
    /// _)`, `approve(spender, _)`, `mint(to, _)`, `delegate(to)`; the
    /// zero address past those), and the amount (zero for an operation
    /// without one). What [`World::execute`] does for a call to a token,
    /// for callers that have the operation and its arguments at hand
    /// (compiled chain code).
    pub fn token_call(
        &mut self,
        caller: Address,
        token: TokenId,
        op: TokenOp,
        accounts: [Address; 2],
        amount: U256,
    ) -> Exec<()> {
        match op {
            TokenOp::Transfer => self.transfer(token, caller, accounts[0], amount),
            TokenOp::TransferFrom => {
                let [from, to] = accounts;
                self.spend_allowance(token, from, caller, amount)?;
                self.transfer(token, from, to, amount)
            }
            TokenOp::Approve => {
                let spender = accounts[0];
                if spender == ZERO_ADDRESS {
                    return revert("ERC20InvalidSpender");
                }
                self.state.set_allowance(token, caller, spender, amount);
                Ok(())
            }
            TokenOp::Mint => {
                let to = accounts[0];
                if to == ZERO_ADDRESS {
                    return revert("ERC20InvalidReceiver");
                }
                if !self.tokens[token as usize].minters.contains(&caller) {
                    return revert("unauthorized");
                }
                self.update(token, ZERO_ADDRESS, to, amount)
            }
            TokenOp::Burn => self.update(token, caller, ZERO_ADDRESS, amount),
            TokenOp::Delegate => self.delegate(token, caller, accounts[0]),
            TokenOp::Pause | TokenOp::Unpause => {
                if self.tokens[token as usize].owner != Some(caller) {
                    return revert("OwnableUnauthorizedAccount");
                }
                let paused = self.state.ledgers[token as usize].paused;
                match (op, paused) {
                    (TokenOp::Pause, true) => revert("EnforcedPause"),
                    (TokenOp::Unpause, false) => revert("ExpectedPause"),
                    _ => {
                        self.state.set_paused(token, op == TokenOp::Pause);
                        Ok(())
                    }
                }
            }
        }
    }

    /// What `call`, made by `caller` as a transaction of its own, can write,
    /// when it is a token operation that reverts, if at all, before its
    /// first write, so that it needs no journal: a transfer (every check
    /// of `transfer` and `update` comes before the first balance moves,
    /// the fee's included) or an approval, of a token without votes (whose
    /// bookkeeping is not in that order), with the token. `None`: anything
    /// else. Inlined, so that the writes are built where they are read
    /// (a copy of them, just stored, would stall the processor).
    #[inline(always)]
    pub(crate) fn direct_writes(
        &self,
        caller: Address,
        call: &PendingCall,
    ) -> Option<(TokenId, [Resource; 3])> {
        let CallTarget::Token { token, op } = call.target else {
            return None;
        };
        let info = &self.tokens[token as usize];
        if info.votes {
            return None;
        }
        match op {
            TokenOp::Transfer => {
                let to = call.args.first().map_or(ZERO_ADDRESS, |to| to.address());
                let to = Resource::Balance(token, Some(to));
                let fee = match (info.fee, info.fee_to) {
                    (None, _) => to,
                    (Some(_), Some(fee_to)) => Resource::Balance(token, Some(fee_to)),
                    (Some(_), None) => Resource::Supply(token),
                };
                Some((token, [Resource::Balance(token, Some(caller)), to, fee]))
            }
            TokenOp::Approve => Some((token, [Resource::TokenOther(token); 3])),
            _ => None,
        }
    }

    /// Settles `call`, made by `caller` as a transaction of its own, in
    /// place when it is a transfer or an approval that [`DirectPlan`]
    /// covers, that cannot revert and that writes nothing an invariant
    /// reads (all having been seen to hold): the model's checks, then its
    /// writes, without the layers of [`World::execute`]. Whether it did;
    /// if not, nothing was written and the transaction takes the usual
    /// path, which also reports any revert. Inlined into the queue's loop.
    #[inline(always)]
    pub(crate) fn settle_in_place(&mut self, caller: Address, call: &PendingCall) -> bool {
        let CallTarget::Token { token, op } = call.target else {
            return false;
        };
        let Some(Some(plan)) = self.direct.get(token as usize) else {
            return false;
        };
        let ledger = &mut self.state.ledgers[token as usize];
        if !self.invariants_verified || ledger.paused {
            return false;
        }
        let address = |index: usize| {
            call.args
                .get(index)
                .map_or(ZERO_ADDRESS, |value| value.address())
        };
        let amount = call.args.get(1).map_or(U256::ZERO, |value| value.int());
        match op {
            TokenOp::Transfer => {
                let to = address(0);
                let (from_index, to_index) = (caller as usize, to as usize);
                let balances = &mut ledger.balances;
                if caller == ZERO_ADDRESS
                    || to == ZERO_ADDRESS
                    || *amount.high() != 0
                    || plan.fee_watched
                    || holds(&plan.balances_watched, caller)
                    || holds(&plan.balances_watched, to)
                    || from_index >= balances.len()
                    || to_index >= balances.len()
                    || balances[from_index] < amount
                {
                    return false;
                }
                let fee = match plan.divisor {
                    Some(divisor) if !holds(&plan.exempt, caller) && !holds(&plan.exempt, to) => {
                        U256::from(*amount.low() / divisor)
                    }
                    _ => U256::ZERO,
                };
                let fee_index = plan.fee_to as usize;
                if fee > U256::ZERO && plan.fee_to != ZERO_ADDRESS && fee_index >= balances.len() {
                    return false;
                }
                // The order of `transfer`: the whole amount leaves, the fee
                // arrives (or is burned), then the rest, so that parties
                // that coincide end as there.
                balances[from_index] -= amount;
                if fee > U256::ZERO {
                    if plan.fee_to == ZERO_ADDRESS {
                        ledger.total_supply -= fee;
                    } else {
                        balances[fee_index] += fee;
                    }
                }
                balances[to_index] += amount - fee;
            }
            TokenOp::Approve => {
                let spender = address(0);
                if spender == ZERO_ADDRESS || plan.others_watched {
                    return false;
                }
                ledger.allowances.insert(caller, spender, amount);
            }
            _ => return false,
        }
        self.stats.transactions += 1;
        true
    }

    fn spend_allowance(
        &mut self,
        token: TokenId,
        owner: Address,
        spender: Address,
        amount: U256,
    ) -> Exec<()> {
        let current = self.state.ledgers[token as usize]
            .allowances
            .get(owner, spender)
            .unwrap_or(U256::ZERO);
        if current == U256::MAX {
            return Ok(());
        }
        if current < amount {
            return revert("ERC20InsufficientAllowance");
        }
        self.state
            .set_allowance(token, owner, spender, current - amount);
        Ok(())
    }

    /// `_transfer`: validates the parties, then takes the transfer fee
    /// unless either party is exempt.
    pub(crate) fn transfer(
        &mut self,
        token: TokenId,
        from: Address,
        to: Address,
        amount: U256,
    ) -> Exec<()> {
        if from == ZERO_ADDRESS {
            return revert("ERC20InvalidSender");
        }
        if to == ZERO_ADDRESS {
            return revert("ERC20InvalidReceiver");
        }
        let info = &self.tokens[token as usize];
        let exempt = holds(&info.fee_exempt, from) || holds(&info.fee_exempt, to);
        let fee = match (info.fee, info.fee_divisor) {
            _ if exempt => U256::ZERO,
            (_, Some(divisor)) => amount / divisor,
            (Some(ratio), None) => numeric::mul_div(amount, ratio, WAD)?,
            (None, None) => U256::ZERO,
        };
        let fee_to = info.fee_to.unwrap_or(ZERO_ADDRESS);
        let ledger = &self.state.ledgers[token as usize];
        if !info.votes && !ledger.paused {
            // What the two `update`s below do when their only check is the
            // balance: the whole amount checked, then it leaves at once
            // (the balances and the supply end the same).
            self.debit(token, from, amount)?;
            if fee > U256::ZERO {
                self.credit(token, fee_to, fee);
            }
            self.credit(token, to, amount - fee);
            return Ok(());
        }
        if fee > U256::ZERO {
            // The full amount must be there; the fee leaves first.
            if ledger.balance(from) < amount {
                return revert("ERC20InsufficientBalance");
            }
            self.update(token, from, fee_to, fee)?;
        }
        self.update(token, from, to, amount - fee)
    }

    /// `amount` leaving `from`'s balance, which must hold it.
    fn debit(&mut self, token: TokenId, from: Address, amount: U256) -> Exec<()> {
        let balance = self.state.ledgers[token as usize].balance(from);
        if balance < amount {
            return revert("ERC20InsufficientBalance");
        }
        self.state.set_balance(token, from, balance - amount);
        Ok(())
    }

    /// `amount`, which some balance held, arriving at `to`, or burned when
    /// `to` is the zero address, as in `update` (the supply bounds every
    /// balance, so neither can wrap).
    fn credit(&mut self, token: TokenId, to: Address, amount: U256) {
        if to == ZERO_ADDRESS {
            let supply = self.state.ledgers[token as usize].total_supply - amount;
            self.state.set_total_supply(token, supply);
        } else {
            let balance = self.state.ledgers[token as usize].balance(to);
            self.state.set_balance(token, to, balance + amount);
        }
    }

    /// `_update`: moves, mints (from zero) or burns (to zero), with the cap,
    /// the pause and vote bookkeeping.
    fn update(&mut self, token: TokenId, from: Address, to: Address, amount: U256) -> Exec<()> {
        if self.state.ledgers[token as usize].paused {
            return revert("EnforcedPause");
        }
        if from == ZERO_ADDRESS {
            let supply = numeric::add(self.state.ledgers[token as usize].total_supply, amount)?;
            if let Some(cap) = self.tokens[token as usize].cap
                && supply > cap
            {
                return revert("ERC20ExceededCap");
            }
            self.state.set_total_supply(token, supply);
        } else {
            self.debit(token, from, amount)?;
        }
        self.credit(token, to, amount);
        if self.tokens[token as usize].votes {
            let now = self.now;
            if from == ZERO_ADDRESS || to == ZERO_ADDRESS {
                let supply = self.state.ledgers[token as usize].total_supply;
                self.state.supply_checkpoint(token, now, supply);
            }
            let ledger = &self.state.ledgers[token as usize];
            let from_delegate = ledger.delegates.get(&from).copied();
            let to_delegate = ledger.delegates.get(&to).copied();
            self.move_votes(token, from_delegate, to_delegate, amount);
        }
        Ok(())
    }

    fn move_votes(
        &mut self,
        token: TokenId,
        from: Option<Address>,
        to: Option<Address>,
        amount: U256,
    ) {
        if from == to || amount == U256::ZERO {
            return;
        }
        let now = self.now;
        if let Some(from) = from {
            let votes = self.state.ledgers[token as usize].votes(from);
            self.state
                .checkpoint(token, from, now, votes.saturating_sub(amount));
        }
        if let Some(to) = to {
            let votes = self.state.ledgers[token as usize].votes(to);
            self.state
                .checkpoint(token, to, now, votes.saturating_add(amount));
        }
    }

    fn delegate(&mut self, token: TokenId, account: Address, to: Address) -> Exec<()> {
        let ledger = &self.state.ledgers[token as usize];
        let old = ledger.delegates.get(&account).copied();
        let balance = ledger.balance(account);
        self.state.set_delegate(token, account, to);
        self.move_votes(token, old, Some(to), balance);
        Ok(())
    }

    // ---- Vesting (OpenZeppelin VestingWallet, with cliff and TGE) ---------------------

    /// Vested amount at `time` of `total` ever held.
    fn vested(&self, vesting: VestingId, total: U256, time: u64) -> Exec<U256> {
        let info = &self.vestings[vesting as usize];
        if time < info.start {
            return Ok(U256::ZERO);
        }
        let at_start = numeric::mul_div(total, info.tge, WAD)?;
        if time < info.cliff_end {
            return Ok(at_start);
        }
        let end = info.start.saturating_add(info.duration);
        if time >= end || info.duration == 0 {
            return Ok(total);
        }
        let linear = numeric::mul_div(
            total - at_start,
            U256::from(time - info.start),
            U256::from(info.duration),
        )?;
        Ok(at_start + linear)
    }

    pub(crate) fn releasable(&self, vesting: VestingId) -> Exec<U256> {
        let info = &self.vestings[vesting as usize];
        let address = self.entity_address(Entity::Vesting(vesting));
        let released = self.state.vestings[vesting as usize].released;
        let total = numeric::add(
            self.state.ledgers[info.token as usize].balance(address),
            released,
        )?;
        Ok(self.vested(vesting, total, self.now)? - released)
    }

    fn release(&mut self, vesting: VestingId) -> Exec<()> {
        let amount = self.releasable(vesting)?;
        let info = &self.vestings[vesting as usize];
        let (token, beneficiary) = (info.token, info.beneficiary);
        let released = numeric::add(self.state.vestings[vesting as usize].released, amount)?;
        self.state.set_released(vesting, released);
        let address = self.entity_address(Entity::Vesting(vesting));
        self.transfer(token, address, beneficiary, amount)
    }

    // ---- Governance (proposal, vote, quorum, timelock) ---------------------------------

    fn propose(
        &mut self,
        caller: Address,
        governor: GovernorId,
        param: ParamId,
        value: Value,
    ) -> Exec<()> {
        let info = self.governors[governor as usize].clone();
        let votes =
            self.state.ledgers[info.token as usize].past_votes(caller, self.now.saturating_sub(1));
        if votes < info.threshold {
            return revert("GovernorInsufficientProposerVotes");
        }
        let snapshot = self.now + info.voting_delay;
        let proposal = Proposal {
            param,
            value,
            snapshot,
            deadline: snapshot + info.voting_period,
            votes_for: U256::ZERO,
            votes_against: U256::ZERO,
            voters: Vec::new(),
            executed: false,
        };
        self.state.add_proposal(governor, proposal);
        Ok(())
    }

    fn proposal(&self, governor: GovernorId, id: U256) -> Exec<(usize, Proposal)> {
        let index = usize::try_from(id).unwrap_or(usize::MAX);
        match self.state.governors[governor as usize].proposals.get(index) {
            Some(proposal) => Ok((index, proposal.clone())),
            None => revert("GovernorNonexistentProposal"),
        }
    }

    fn vote(&mut self, caller: Address, governor: GovernorId, id: U256, support: bool) -> Exec<()> {
        let (index, proposal) = self.proposal(governor, id)?;
        if self.now <= proposal.snapshot || self.now > proposal.deadline {
            return revert("GovernorUnexpectedProposalState");
        }
        if proposal.voters.contains(&caller) {
            return revert("GovernorAlreadyCastVote");
        }
        let token = self.governors[governor as usize].token;
        let weight = self.state.ledgers[token as usize].past_votes(caller, proposal.snapshot);
        self.state.update_proposal(governor, index, |p| {
            p.voters.push(caller);
            if support {
                p.votes_for = p.votes_for.saturating_add(weight);
            } else {
                p.votes_against = p.votes_against.saturating_add(weight);
            }
        });
        Ok(())
    }

    /// Executes a succeeded proposal once its timelock has passed since the
    /// end of voting (queueing is implicit at the deadline).
    fn execute_proposal(&mut self, governor: GovernorId, id: U256) -> Exec<()> {
        let (index, proposal) = self.proposal(governor, id)?;
        let info = self.governors[governor as usize].clone();
        let supply = self.state.ledgers[info.token as usize].past_total_supply(proposal.snapshot);
        let quorum = numeric::mul_div(supply, info.quorum, WAD)?;
        let succeeded = proposal.votes_for > proposal.votes_against && proposal.votes_for >= quorum;
        if proposal.executed || !succeeded || self.now < proposal.deadline + info.timelock {
            return revert("GovernorUnexpectedProposalState");
        }
        self.state
            .update_proposal(governor, index, |p| p.executed = true);
        self.state.set_param(proposal.param, proposal.value);
        Ok(())
    }

    // ---- Expressions --------------------------------------------------------------

    pub(crate) fn expr(&mut self, expr: &Expr, frame: &mut Frame) -> Exec<Value> {
        Ok(match &expr.kind {
            ExprKind::Int(value) => Value::Int(*value),
            ExprKind::Float(value) => Value::Float(*value),
            ExprKind::Bool(value) => Value::Bool(*value),
            ExprKind::Str(text) => Value::Str(self.intern(text)),
            ExprKind::AddressLiteral(text) => Value::Address(self.literal_address(text)),
            ExprKind::Param(id) => self.state.params[*id as usize],
            ExprKind::Local(id) => frame.locals[*id as usize],
            ExprKind::Load {
                mechanism,
                field,
                keys,
            } => {
                if let [key] = keys.as_slice() {
                    let key = self.expr(key, frame)?.key();
                    self.load_field(*mechanism, *field, &[key])?
                } else {
                    let keys = self.keys(keys, frame)?;
                    self.load_field(*mechanism, *field, &keys)?
                }
            }
            ExprKind::AgentField { population, field } => match frame.agent {
                Some((_, agent)) => self.agents[*population as usize]
                    .get(agent, *field)
                    .unwrap_or(Value::zero(expr.repr)),
                None => Value::zero(expr.repr),
            },
            ExprKind::Series(id) => Value::Float(self.series_values[*id as usize]),
            ExprKind::Env(env) => match env {
                Env::Now => Value::Int(U256::from(self.now)),
                Env::Deployed => Value::Int(U256::from(crate::GENESIS)),
                Env::Caller => Value::Address(frame.caller),
                Env::This => Value::Address(frame.this),
                Env::AgentIndex => Value::Int(U256::from(frame.agent.map_or(0, |(_, i)| i))),
                Env::Step => Value::Int(U256::from(self.step)),
            },
            ExprKind::Entity(entity) => Value::Address(self.entity_address(*entity)),
            ExprKind::Agent { population, index } => {
                let index = self.expr(index, frame)?.int();
                self.agent(*population, index)?
            }
            ExprKind::PopulationSize(population) => {
                Value::Int(U256::from(self.agent_counts[*population as usize]))
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let lhs = self.expr(lhs, frame)?;
                let rhs = self.expr(rhs, frame)?;
                binary(*op, lhs, rhs)?
            }
            ExprKind::MulDiv(a, b, c) => {
                let a = self.expr(a, frame)?.int();
                let b = self.expr(b, frame)?.int();
                let c = self.expr(c, frame)?.int();
                Value::Int(numeric::mul_div(a, b, c)?)
            }
            ExprKind::Compare { op, lhs, rhs } => {
                let lhs = self.expr(lhs, frame)?;
                let rhs = self.expr(rhs, frame)?;
                Value::Bool(compare(*op, lhs, rhs))
            }
            ExprKind::And(items) => {
                for item in items {
                    if !self.expr(item, frame)?.bool() {
                        return Ok(Value::Bool(false));
                    }
                }
                Value::Bool(true)
            }
            ExprKind::Or(items) => {
                for item in items {
                    if self.expr(item, frame)?.bool() {
                        return Ok(Value::Bool(true));
                    }
                }
                Value::Bool(false)
            }
            ExprKind::Not(inner) => Value::Bool(!self.expr(inner, frame)?.bool()),
            ExprKind::Neg(inner) => Value::Float(-self.expr(inner, frame)?.float()),
            ExprKind::TokenRead { token, read, args } => {
                // At most two accounts (owner and spender).
                let mut accounts = [ZERO_ADDRESS; 2];
                for (slot, arg) in accounts.iter_mut().zip(args) {
                    *slot = self.expr(arg, frame)?.address();
                }
                Value::Int(self.token_read(*token, *read, accounts))
            }
            ExprKind::View {
                mechanism,
                view,
                args,
            } => {
                let args = args
                    .iter()
                    .map(|a| self.expr(a, frame))
                    .collect::<Exec<Vec<_>>>()?;
                self.call_view(*mechanism, *view, &args)?
            }
            ExprKind::ListLength {
                mechanism,
                field,
                keys,
            } => {
                let keys = self.keys(keys, frame)?;
                Value::Int(U256::from(
                    self.list_length(*mechanism, *field, &keys) as u64
                ))
            }
            ExprKind::ListContains {
                mechanism,
                field,
                value,
                ..
            } => {
                let value = self.expr(value, frame)?;
                let found = match &self.state.fields[*mechanism as usize][*field as usize] {
                    crate::state::Slot::List(items) => items.contains(value),
                    _ => false,
                };
                Value::Bool(found)
            }
            ExprKind::VestingRead { vesting, read } => Value::Int(match read {
                VestingRead::Releasable => self.releasable(*vesting)?,
                VestingRead::Released => self.state.vestings[*vesting as usize].released,
            }),
            ExprKind::ProposalCount(governor) => Value::Int(U256::from(
                self.state.governors[*governor as usize].proposals.len() as u64,
            )),
            ExprKind::Uniform => Value::Float(self.rng.uniform()),
            ExprKind::Normal { mean, sd } => {
                let mean = self.expr(mean, frame)?.float();
                let sd = self.expr(sd, frame)?.float();
                Value::Float(self.rng.normal(mean, sd))
            }
            ExprKind::Bernoulli(p) => {
                let p = self.expr(p, frame)?.float();
                Value::Bool(self.rng.bernoulli(p))
            }
            ExprKind::ToFloat { value, scale } => {
                Value::Float(to_f64(self.expr(value, frame)?.int()) / scale)
            }
            ExprKind::Sum { mechanism, field } => self.sum(*mechanism, *field)?,
        })
    }

    /// `sum(map)`: the field's running sum; overflow when it does not fit
    /// in 256 bits.
    pub fn sum(&self, mechanism: MechanismId, field: FieldId) -> Exec<Value> {
        match self.state.sums[mechanism as usize][field as usize].get() {
            Some(total) => Ok(Value::Int(total)),
            None => Err(ArithmeticError::Overflow.into()),
        }
    }

    /// A field read through `keys`; a list index past the end reverts.
    pub fn load_field(&self, mechanism: MechanismId, field: FieldId, keys: &[Key]) -> Exec<Value> {
        match self.state.fields[mechanism as usize][field as usize].get(keys) {
            Some(value) => Ok(value),
            None => revert("index out of bounds"),
        }
    }

    /// A token's supply, or an account's balance, allowance or votes.
    pub fn token_read(&self, token: TokenId, read: TokenRead, accounts: [Address; 2]) -> U256 {
        let ledger = &self.state.ledgers[token as usize];
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
    fn list_length(&self, mechanism: MechanismId, field: FieldId, keys: &[Key]) -> usize {
        if keys.is_empty() {
            self.list_len(mechanism, field)
        } else {
            0
        }
    }

    fn list_bound(&self, mechanism: MechanismId, field: FieldId) -> Option<U256> {
        self.list_bounds.get(&(mechanism, field)).copied()
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

fn binary(op: BinOp, lhs: Value, rhs: Value) -> Exec<Value> {
    let (a, b) = (lhs.int(), rhs.int());
    let (x, y) = (lhs.float(), rhs.float());
    Ok(match op {
        BinOp::Add => Value::Int(numeric::add(a, b)?),
        BinOp::Sub => Value::Int(numeric::sub(a, b)?),
        BinOp::Mul => Value::Int(numeric::mul(a, b)?),
        BinOp::Div => Value::Int(numeric::div(a, b)?),
        BinOp::Rem => Value::Int(numeric::rem(a, b)?),
        BinOp::Pow => Value::Int(numeric::pow(a, b)?),
        BinOp::PowWad => Value::Int(numeric::pow_wad(a, b)?),
        BinOp::Min => Value::Int(a.min(b)),
        BinOp::Max => Value::Int(a.max(b)),
        BinOp::FloatAdd => Value::Float(x + y),
        BinOp::FloatSub => Value::Float(x - y),
        BinOp::FloatMul => Value::Float(x * y),
        BinOp::FloatDiv => Value::Float(x / y),
        BinOp::FloatPow => Value::Float(x.powf(y)),
        BinOp::FloatMin => Value::Float(x.min(y)),
        BinOp::FloatMax => Value::Float(x.max(y)),
    })
}

fn compare(op: CompareOp, lhs: Value, rhs: Value) -> bool {
    use std::cmp::Ordering;
    let ordering = match (lhs, rhs) {
        (Value::Int(a), Value::Int(b)) => a.partial_cmp(&b),
        (Value::Float(a), Value::Float(b)) => a.partial_cmp(&b),
        (Value::Bool(a), Value::Bool(b)) => a.partial_cmp(&b),
        (Value::Address(a), Value::Address(b)) => a.partial_cmp(&b),
        (Value::Str(a), Value::Str(b)) => a.partial_cmp(&b),
        _ => None,
    };
    match (op, ordering) {
        (_, None) => op == CompareOp::Ne,
        (CompareOp::Eq, Some(o)) => o == Ordering::Equal,
        (CompareOp::Ne, Some(o)) => o != Ordering::Equal,
        (CompareOp::Lt, Some(o)) => o == Ordering::Less,
        (CompareOp::Le, Some(o)) => o != Ordering::Greater,
        (CompareOp::Gt, Some(o)) => o == Ordering::Greater,
        (CompareOp::Ge, Some(o)) => o != Ordering::Less,
    }
}
