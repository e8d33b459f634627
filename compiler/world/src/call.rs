//! Calls and frames: a call ready to run, what it calls, the frame a body
//! runs in, and the queue of a simultaneous step's calls.

use tok_mir::*;

use crate::state::{Address, Args, Value, ZERO_ADDRESS};

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
                    args: Args::from_slice(&[]),
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
