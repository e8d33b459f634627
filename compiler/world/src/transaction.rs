//! Transactions: running a call as the whole of a transaction (rolled
//! back exactly when it reverts), calls inside one, access rules, events,
//! and the invariant checks that follow each transaction.

use tok_mir::*;

use crate::call::{CallTarget, Frame, PendingCall};
use crate::state::{Address, Args, Undo, Value};
use crate::{EventRecord, Exec, Fault, World, reads, revert, state};

/// The invariants an action touches, known before it runs.
pub(crate) struct ActionTouches {
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
    pub(crate) fn new(touched: Vec<Vec<bool>>, mechanism: usize) -> ActionTouches {
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
pub(crate) enum Touched<'a> {
    /// Any (it wrote something not modelled, or was a hook).
    All,
    /// Those that read any of these writes.
    Writes(&'a [reads::Resource]),
    /// These, by mechanism and invariant.
    Flags(&'a [Vec<bool>]),
}

impl World<'_> {
    /// Runs `body` in `frame`: compiled by the engine, if it has one that
    /// runs it, else by the evaluator.
    pub fn run_body(&mut self, body: &Body, frame: &mut Frame) -> Exec<Option<Value>> {
        if let Some(engine) = self.engine
            && let Some(result) = engine.run(self, body, frame)
        {
            return result;
        }
        let evaluator = self.evaluator;
        evaluator.run_body(self, body, frame)
    }

    /// Evaluates one expression in `frame` (for compiled code, and for
    /// the values the world itself computes: params, settings, records).
    pub fn eval(&mut self, expr: &Expr, frame: &mut Frame) -> Exec<Value> {
        let evaluator = self.evaluator;
        evaluator.eval(self, expr, frame)
    }

    /// Runs one statement that does not return (for compiled code).
    pub fn run_stmt(&mut self, stmt: &Stmt, frame: &mut Frame) -> Exec<()> {
        let evaluator = self.evaluator;
        evaluator.run_stmt(self, stmt, frame)
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
        let function = &program.mechanisms[mechanism.index()].actions[action.index()];
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

    pub(crate) fn check_access(&mut self, access: &[Access], caller: Address) -> Exec<()> {
        if access.is_empty() {
            return Ok(());
        }
        let allowed = access.iter().any(|rule| match rule {
            Access::Param(param) => self.state.params[param.index()].address() == caller,
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

    pub fn call_view(
        &mut self,
        mechanism: MechanismId,
        view: FunctionId,
        args: &[Value],
    ) -> Exec<Value> {
        let program = self.program;
        let function = &program.mechanisms[mechanism.index()].views[view.index()];
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
    pub(crate) fn own_checks(&self, mechanism: MechanismId, action: FunctionId) -> Option<u32> {
        match &self.action_touches[mechanism.index()][action.index()] {
            Some(touches) if self.invariants_verified => touches.own,
            _ => None,
        }
    }

    /// Checks the invariants that `call`, committed, can have changed:
    /// those reading what its action can write, when that is known before
    /// it runs (and checked against the journal in debug builds), else
    /// what the journal after `mark` shows it wrote.
    pub(crate) fn check_after(
        &mut self,
        caller: Address,
        call: &PendingCall,
        mark: usize,
    ) -> Result<(), Fault> {
        let describe = |world: &Self| world.describe_call(caller, call);
        if let CallTarget::Action { mechanism, action } = call.target {
            // Taken while the invariants borrow the world, then given back.
            let action_touches = std::mem::take(&mut self.action_touches);
            let checked = action_touches[mechanism.index()][action.index()]
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
    pub(crate) fn action_writes_cover(&self, call: &PendingCall, mark: usize) -> bool {
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
    pub(crate) fn transact_unjournaled(
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
                    && !self.watched_tokens[token.index()].touched_by(Some(written)) =>
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
    pub(crate) fn count_revert(&mut self, reason: String) -> String {
        *self.stats.reverts.entry(reason.clone()).or_default() += 1;
        reason
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

    pub(crate) fn describe_call(&self, caller: Address, call: &PendingCall) -> String {
        let program = self.program;
        let what = match call.target {
            CallTarget::Action { mechanism, action } => {
                let m = &program.mechanisms[mechanism.index()];
                format!(
                    "{}.{}({})",
                    m.name,
                    m.actions[action.index()].name,
                    self.show_values(&call.args)
                )
            }
            CallTarget::Token { token, op } => format!(
                "{}.{op:?}({})",
                program.tokens[token.index()].name,
                self.show_values(&call.args)
            ),
            CallTarget::VestingRelease { vesting } => {
                format!("{}.release()", program.vestings[vesting.index()].name)
            }
            CallTarget::Propose { governor, .. } => {
                format!("{}.propose(...)", program.governors[governor.index()].name)
            }
            CallTarget::Vote { governor } => {
                format!("{}.vote(...)", program.governors[governor.index()].name)
            }
            CallTarget::Execute { governor } => {
                format!("{}.execute(...)", program.governors[governor.index()].name)
            }
        };
        format!("{} calling {what}", self.describe_account(caller))
    }

    /// Checks the invariants after something that wrote `written` (`None`:
    /// anything): those it cannot have changed still hold, the others are
    /// evaluated and the first violation stops the run. `after` describes
    /// what just ran; it is only formatted for a report.
    pub(crate) fn check_invariants(
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
            let this = self.entity_address(Entity::Mechanism(MechanismId::new(id)));
            let mut frame = self.frame(&Body::default(), this);
            frame.mechanism = Some(MechanismId::new(id));
            frame
                .locals
                .extend(checked.iter().map(|check| Value::Bool(*check)));
            let compiled = self
                .engine
                .and_then(|engine| engine.invariants(self, MechanismId::new(id), &mut frame));
            let failing = match compiled {
                Some(Ok(failing)) => failing,
                // Interpreted, or compiled code that faulted: which one did
                // is found by interpreting them (a fault counts as false).
                _ => (0..count).find(|&index| {
                    frame.locals[index] == Value::Bool(true)
                        && !matches!(
                            self.eval(&mechanism.invariants[index].condition, &mut frame),
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
                        .eval(lhs, &mut frame)
                        .map(|v| self.show(v))
                        .unwrap_or_else(|_| "reverts".into());
                    let r = self
                        .eval(rhs, &mut frame)
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
}
