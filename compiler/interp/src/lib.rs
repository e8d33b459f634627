//! The reference interpreter: the executable specification of Tok's
//! semantics (see `docs/semantics.md`), and the oracle the Solidity backend
//! and the JIT are tested against. Correctness over speed, every rule
//! written down.
//!
//! It is the world's [`Evaluator`]: it walks MIR statements and
//! expressions over a [`World`], whose models (tokens, vesting,
//! governance), journal and clock it shares with the JIT. A simulation
//! built with [`Interpreter`] and no engine runs everything here.

use tok_mir::*;
use tok_runtime::U256;
use tok_runtime::numeric;
use tok_world::state::{Args, Keys, Slot, Value, ZERO_ADDRESS};
use tok_world::{CallTarget, Evaluator, Exec, Frame, GENESIS, PendingCall, World, revert, to_f64};

/// The reference interpreter. Stateless: everything a run has is in its
/// [`World`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Interpreter;

impl Evaluator for Interpreter {
    fn run_body(
        &self,
        world: &mut World<'_>,
        body: &Body,
        frame: &mut Frame,
    ) -> Exec<Option<Value>> {
        match world.block(&body.block, frame)? {
            Flow::Next => Ok(None),
            Flow::Return(value) => Ok(Some(value)),
        }
    }

    fn eval(&self, world: &mut World<'_>, expr: &Expr, frame: &mut Frame) -> Exec<Value> {
        world.expr(expr, frame)
    }

    fn run_stmt(&self, world: &mut World<'_>, stmt: &Stmt, frame: &mut Frame) -> Exec<()> {
        world.stmt(stmt, frame).map(|_| ())
    }
}

/// The evaluation of MIR, as methods of the world it runs over.
trait Evaluate {
    fn block(&mut self, block: &Block, frame: &mut Frame) -> Exec<Flow>;
    fn keys(&mut self, keys: &[Expr], frame: &mut Frame) -> Exec<Keys>;
    fn stmt(&mut self, stmt: &Stmt, frame: &mut Frame) -> Exec<Flow>;
    fn pending(&mut self, call: &Call, frame: &mut Frame) -> Exec<PendingCall>;
    fn expr(&mut self, expr: &Expr, frame: &mut Frame) -> Exec<Value>;
}

/// Whether a block ran to its end or returned.
enum Flow {
    Next,
    Return(Value),
}

impl Evaluate for World<'_> {
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
                frame.locals[local.index()] = value;
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
                    self.set_agent_field(*population, agent, *field, value);
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
                self.emit(frame.mechanism.unwrap_or_default(), *event, values);
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
                    frame.locals[local.index()] = Value::Int(index);
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
                    frame.locals[local.index()] = item;
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
                let (base, count) = self.population(*population);
                for index in 0..count {
                    frame.locals[local.index()] = Value::Address(base + index);
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

    fn expr(&mut self, expr: &Expr, frame: &mut Frame) -> Exec<Value> {
        Ok(match &expr.kind {
            ExprKind::Int(value) => Value::Int(*value),
            ExprKind::Float(value) => Value::Float(*value),
            ExprKind::Bool(value) => Value::Bool(*value),
            ExprKind::Str(text) => Value::Str(self.intern(text)),
            ExprKind::AddressLiteral(text) => Value::Address(self.literal_address(text)),
            ExprKind::Param(id) => self.state.params[id.index()],
            ExprKind::Local(id) => frame.locals[id.index()],
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
                Some((_, agent)) => self
                    .agent_field(*population, agent, *field)
                    .unwrap_or(Value::zero(expr.repr)),
                None => Value::zero(expr.repr),
            },
            ExprKind::Series(id) => Value::Float(self.series(*id)),
            ExprKind::Env(env) => match env {
                Env::Now => Value::Int(U256::from(self.now)),
                Env::Deployed => Value::Int(U256::from(GENESIS)),
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
                Value::Int(U256::from(self.population(*population).1))
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
                let found = match &self.state.fields[mechanism.index()][field.index()] {
                    Slot::List(items) => items.contains(value),
                    _ => false,
                };
                Value::Bool(found)
            }
            ExprKind::VestingRead { vesting, read } => Value::Int(match read {
                VestingRead::Releasable => self.releasable(*vesting)?,
                VestingRead::Released => self.state.vestings[vesting.index()].released,
            }),
            ExprKind::ProposalCount(governor) => Value::Int(U256::from(
                self.state.governors[governor.index()].proposals.len() as u64,
            )),
            ExprKind::Uniform => Value::Float(self.uniform()),
            ExprKind::Normal { mean, sd } => {
                let mean = self.expr(mean, frame)?.float();
                let sd = self.expr(sd, frame)?.float();
                Value::Float(self.normal(mean, sd))
            }
            ExprKind::Bernoulli(p) => {
                let p = self.expr(p, frame)?.float();
                Value::Bool(self.bernoulli(p))
            }
            ExprKind::ToFloat { value, scale } => {
                Value::Float(to_f64(self.expr(value, frame)?.int()) / scale)
            }
            ExprKind::Sum { mechanism, field } => self.sum(*mechanism, *field)?,
        })
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
