//! The JIT: MIR bodies compiled to native code with Cranelift.
//!
//! Every body a simulation runs (actions, views, `every` hooks, scenario
//! setup and agent behaviour) is compiled to one native function. Control
//! flow, locals, integer and float arithmetic and comparisons run natively:
//! integers are 256-bit values held as two 128-bit halves, with fast paths
//! where both operands fit in 128 (add, sub) or 64 bits (mul, div, rem) and
//! the runtime's full-width routines otherwise, so a result is never
//! truncated and a fault is the interpreter's fault, reason for reason.
//!
//! Everything that touches chain state (loads, stores, token calls, events,
//! views, random draws) is a *site*: the compiled code evaluates the
//! operands natively, then hands them to the world, which runs the very
//! statement or expression the interpreter would, with the operands bound to
//! scratch locals. The commonest sites (one-key loads and stores, calls,
//! events, token reads) skip the tree and call the same storage and ledger
//! methods the interpreter's evaluation of them calls. Storage, the undo journal, the token model, hooks and
//! time therefore have one implementation shared by both engines; the JIT
//! replaces the tree walk, not the semantics.
//!
//! Much runs entirely in compiled code. Integer fields and params,
//! account-keyed integer maps (and their running sums, for `sum`) and maps
//! of flags, account lists and token balances are read in place, through *views* of the
//! world's own columns that the host keeps current (`host::View`); writes
//! to integer fields and maps go in place too, with the field's running
//! sum. Where writes are journaled, compiled code logs the old value in an
//! undo log in the context, which the host journals, in order, before it
//! journals or reads anything itself, and which a transaction that commits
//! drops (an `every` hook, whose writes are never journaled, is compiled
//! without that path). Events are counted in place while they are not
//! kept. A transfer or `transfer_from` by chain code of a token without
//! votes, when no fee can apply, is checked and written in place (balances
//! and the owner's first allowance), the host running any case those
//! checks leave. A population's
//! step is one native loop over its agents, a turn reaching the host only
//! when it makes a call or fails (`Engine::run_agents`). `uniform()`
//! advances the run's own SplitMix64 state. `mul_div` of operands and a quotient below 2^128 is the
//! runtime's 256-by-128-bit division, inline, with the divisor's reciprocal
//! kept in the context; when the same `part / whole` (below one, `whole`
//! below 2^127) comes twice in a row, as a pro-rata loop's share does, it is
//! a multiplication by the kept fixed-point ratio plus a one-step
//! correction instead; a loop over a list whose one `mul_div` has a
//! numerator and whole the loop does not change keeps that ratio once,
//! before the loop, and no item checks it. Division by a literal below
//! 2^64 multiplies by a reciprocal computed at compile time. A
//! mechanism's invariants are one function, told which to check; an
//! action that is the whole of a transaction (made by scenario code) is
//! also compiled with the checks of those of its mechanism's invariants it
//! can touch at its end, so that the transaction enters compiled code
//! once. A loop over an account list asks for the slots its body writes a
//! few items ahead (a prefetch), and its body is compiled twice: a fast
//! version whose checks leave for the start of their statement in a
//! general version (`codegen`'s `versioned_block`), so that its usual path
//! has no joins with slow ones and reads the context and a slot once.
//!
//! Values constant for a body (`self`, `caller`, the agent's index, `now`,
//! the step) are read from a header the call fills; contract addresses are
//! compiled in as constants.
//!
//! `host.rs` is the only module with `unsafe`: the functions compiled code
//! calls back into, the call into compiled code itself, the views, and the
//! `tok` binary's allocator ([`LargePages`]).

mod codegen;
mod host;
mod layout;

pub use host::LargePages;

use std::fmt;
use std::marker::PhantomData;
use std::time::{Duration, Instant};

use tok_mir::{
    Body, BodyId, EventId, Expr, ExprKind, FieldId, FunctionId, Invariant, LocalId, MechanismId,
    ParamId, PopulationId, Program, Repr, Stmt, TokenId, TokenRead,
};
use tok_runtime::U256;
use tok_world::layout::ViewSource;
use tok_world::state::Value;
use tok_world::{CallTarget, Engine, Fault, Frame, World};

/// Why a program could not be compiled.
#[derive(Debug, Clone, PartialEq)]
pub struct JitError(pub String);

impl fmt::Display for JitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JIT compilation failed: {}", self.0)
    }
}

impl std::error::Error for JitError {}

/// What a site asks the world to run.
#[derive(Debug)]
pub(crate) enum SiteKind {
    Expr(Expr),
    Stmt(Stmt),
    /// A field read with at most one key: straight to storage.
    Load {
        mechanism: MechanismId,
        field: FieldId,
    },
    /// A field write with at most one key (operands: the key, the value).
    Store {
        mechanism: MechanismId,
        field: FieldId,
    },
    /// A param's current value (governance may change it during a run).
    Param(ParamId),
    /// Agent `index` of a population (its operand: the index).
    Agent(PopulationId),
    /// An action call or token operation (its operands: the arguments).
    Call(CallTarget),
    /// An event (its operands: the arguments).
    Emit(EventId),
    /// `sum(map)`: the field's running sum.
    Sum {
        mechanism: MechanismId,
        field: FieldId,
    },
    /// A token read (its operands: at most two accounts).
    TokenRead {
        token: TokenId,
        read: TokenRead,
    },
}

/// A state-touching expression or statement whose operands (`children`,
/// in evaluation order) compiled code evaluates and passes in a buffer; in
/// the stored tree they are replaced by scratch locals.
#[derive(Debug)]
pub(crate) struct Site {
    pub kind: SiteKind,
    pub children: Vec<Repr>,
}

/// A call site, as `host::host_call` reads it: the target, and how to read
/// its arguments from the buffer compiled code passes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CallSite {
    pub target: CallTarget,
    /// Its site (for the arguments' representations).
    pub site: u32,
    pub count: u8,
    /// When every argument is an integer or an account (`typed`): bit `i`
    /// set for an integer argument `i`.
    pub ints: u8,
    pub typed: bool,
}

/// One compiled body.
#[derive(Debug)]
pub(crate) struct Compiled {
    pub code: host::Code,
    pub sites: Vec<Site>,
    /// The call sites, by the index compiled code passes `host_call`.
    pub calls: Vec<CallSite>,
    /// What the body reads in place, in view order.
    pub views: Vec<ViewSource>,
    /// For an agent loop, its population.
    pub population: Option<PopulationId>,
    /// Representations of the arguments (the first locals).
    pub params: Vec<Repr>,
    /// The body's own locals; scratch locals for site operands follow.
    pub locals: usize,
    pub scratch: usize,
    pub returns: Repr,
    /// An `every` hook's body, compiled to journal nothing
    /// (`codegen::Form::Hook`): run only while writes are not journaled.
    pub hook: bool,
}

/// A program's bodies compiled to native code.
///
/// Compiled bodies are found by the id of the MIR body they came from
/// (`Body::id`); the borrow of the program ties them to it.
pub struct Jit<'p> {
    /// By body id: the body's function, `None` for a body run as an agent
    /// loop only (a population's step).
    bodies: Vec<Option<Compiled>>,
    /// By body id: a population's step body compiled as its agent loop.
    loops: Vec<Option<Compiled>>,
    /// Each mechanism's invariants, compiled as one body (see
    /// `invariants_body`); `None` for a mechanism without any.
    invariants: Vec<Option<Compiled>>,
    /// Each mechanism's actions as transactions' bodies (see
    /// `codegen::Form::Transaction`), by action; none for a mechanism
    /// with more than 32 invariants.
    transactions: Vec<Vec<Compiled>>,
    /// Owns the executable memory; dropped last.
    _module: host::Module,
    compile_time: Duration,
    _program: PhantomData<&'p Program>,
}

impl fmt::Debug for Jit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jit")
            .field("bodies", &self.bodies.len())
            .field("compile_time", &self.compile_time)
            .finish()
    }
}

impl<'p> Jit<'p> {
    /// Compiles every body of `program` that a simulation can run.
    pub fn compile(program: &'p Program) -> Result<Jit<'p>, JitError> {
        let started = Instant::now();
        // Each body, what it is compiled as, and its mechanism's.
        type Entry<'p> = (&'p Body, codegen::Form<'p>, Option<MechanismId>);
        let mut bodies: Vec<Entry<'p>> = Vec::new();
        let chain = codegen::Form::Chain;
        for (id, mechanism) in program.mechanisms.iter().enumerate() {
            let id = Some(MechanismId::new(id));
            bodies.extend(mechanism.actions.iter().map(|f| (&f.body, chain, id)));
            bodies.extend(mechanism.views.iter().map(|f| (&f.body, chain, id)));
            bodies.extend((mechanism.hooks.iter()).map(|h| (&h.body, codegen::Form::Hook, id)));
        }
        let plain = codegen::Form::Plain;
        for scenario in &program.scenarios {
            bodies.extend(scenario.setup.iter().map(|body| (body, plain, None)));
            bodies.extend(scenario.each_step.iter().map(|body| (body, plain, None)));
            // A population's step is compiled as its agent loop (below).
            for population in &scenario.populations {
                bodies.extend(population.start.iter().map(|body| (body, plain, None)));
            }
        }
        let mut module = host::Module::new()?;
        let mut functions = Vec::new();
        for (body, form, mechanism) in &bodies {
            let index = functions.len();
            let function = codegen::compile(&mut module, program, body, index, *form, *mechanism)?;
            functions.push(function);
        }
        // Each population's step as a loop over its agents.
        let mut loops = Vec::new();
        for scenario in &program.scenarios {
            for (population, each) in
                scenario
                    .populations
                    .iter()
                    .enumerate()
                    .filter_map(|(index, population)| {
                        population.each_step.as_ref().map(|each| (index, each))
                    })
            {
                let index = functions.len() + loops.len();
                let form = codegen::Form::AgentLoop(PopulationId::new(population));
                let function = codegen::compile(&mut module, program, each, index, form, None)?;
                loops.push((each.id, PopulationId::new(population), function));
            }
        }
        // Each mechanism's invariants as one function: its params say which
        // to check; it returns the index of the first of those that does
        // not hold, or the number of invariants when all do.
        let mut invariant_functions = Vec::new();
        let mut names = functions.len() + loops.len();
        for (id, mechanism) in program.mechanisms.iter().enumerate() {
            if mechanism.invariants.is_empty() {
                invariant_functions.push(None);
                continue;
            }
            let body = invariants_body(&mechanism.invariants);
            invariant_functions.push(Some(codegen::compile(
                &mut module,
                program,
                &body,
                names,
                codegen::Form::Chain,
                Some(MechanismId::new(id)),
            )?));
            names += 1;
        }
        // Each action of a mechanism with at most 32 invariants (maybe
        // none), also as the whole of a transaction, its invariants checked
        // at its end.
        let mut transaction_functions = Vec::new();
        for (id, mechanism) in program.mechanisms.iter().enumerate() {
            let mut actions = Vec::new();
            let invariants = &mechanism.invariants[..];
            if invariants.len() <= 32 {
                for action in &mechanism.actions {
                    let form = codegen::Form::Transaction(invariants);
                    actions.push(codegen::compile(
                        &mut module,
                        program,
                        &action.body,
                        names,
                        form,
                        Some(MechanismId::new(id)),
                    )?);
                    names += 1;
                }
            }
            transaction_functions.push(actions);
        }
        module.finalize()?;
        let finish = |function: codegen::Function, population| Compiled {
            code: module.code(function.id),
            sites: function.sites,
            calls: function.calls,
            views: function.views,
            population,
            params: function.params,
            locals: function.locals,
            scratch: function.scratch,
            returns: function.returns,
            hook: function.hook,
        };
        let mut compiled: Vec<Option<Compiled>> = (0..program.bodies).map(|_| None).collect();
        for ((body, _, _), function) in bodies.iter().zip(functions) {
            *table_entry(&mut compiled, body.id)? = Some(finish(function, None));
        }
        let mut agent_loops: Vec<Option<Compiled>> = (0..program.bodies).map(|_| None).collect();
        for (id, population, function) in loops {
            *table_entry(&mut agent_loops, id)? = Some(finish(function, Some(population)));
        }
        let invariants = invariant_functions
            .into_iter()
            .map(|function| function.map(|f| finish(f, None)))
            .collect();
        let transactions = transaction_functions
            .into_iter()
            .map(|actions| actions.into_iter().map(|f| finish(f, None)).collect())
            .collect();
        Ok(Jit {
            bodies: compiled,
            loops: agent_loops,
            invariants,
            transactions,
            _module: module,
            compile_time: started.elapsed(),
            _program: PhantomData,
        })
    }

    /// How long compilation took.
    pub fn compile_time(&self) -> Duration {
        self.compile_time
    }

    /// How many native functions were compiled (bodies, agent loops,
    /// invariants and actions as transactions).
    pub fn functions(&self) -> usize {
        self.bodies.iter().flatten().count()
            + self.loops.iter().flatten().count()
            + self.invariants.iter().flatten().count()
            + self.transactions.iter().flatten().count()
    }
}

impl Engine for Jit<'_> {
    fn run(
        &self,
        world: &mut World<'_>,
        body: &Body,
        frame: &mut Frame,
    ) -> Option<Result<Option<Value>, Fault>> {
        let compiled = compiled_for(&self.bodies, body)?;
        // A hook's body compiled to journal nothing is the interpreter's
        // to run should writes ever be journaled where it runs.
        if compiled.hook && !world.state.unjournaled {
            return None;
        }
        Some(host::call(compiled, world, frame))
    }

    fn run_agents(
        &self,
        world: &mut World<'_>,
        body: &Body,
        frame: &mut Frame,
    ) -> Option<Result<(), Fault>> {
        Some(host::call(compiled_for(&self.loops, body)?, world, frame).map(|_| ()))
    }

    fn transaction(
        &self,
        world: &mut World<'_>,
        mechanism: MechanismId,
        action: FunctionId,
        frame: &mut Frame,
        args: &[Value],
        checks: u32,
    ) -> Option<Result<bool, Fault>> {
        let compiled = self
            .transactions
            .get(mechanism.index())?
            .get(action.index())?;
        Some(host::transaction(compiled, world, frame, args, checks))
    }

    fn invariants(
        &self,
        world: &mut World<'_>,
        mechanism: MechanismId,
        frame: &mut Frame,
    ) -> Option<Result<Option<usize>, Fault>> {
        let compiled = self.invariants.get(mechanism.index())?.as_ref()?;
        let count = frame.locals.len();
        Some(host::call(compiled, world, frame).map(|value| {
            let first = value.map_or(count, |value| value.int().as_usize());
            (first < count).then_some(first)
        }))
    }
}

/// The function compiled for `body` in `table` (by body id; none for a
/// body that is not the program's).
fn compiled_for<'t>(table: &'t [Option<Compiled>], body: &Body) -> Option<&'t Compiled> {
    table.get(body.id.index())?.as_ref()
}

/// The slot of body `id` in a table of the program's bodies; an id out of
/// range is a program the verifier should have refused.
fn table_entry(
    table: &mut [Option<Compiled>],
    id: BodyId,
) -> Result<&mut Option<Compiled>, JitError> {
    table
        .get_mut(id.index())
        .ok_or_else(|| JitError(format!("body id {id} is not one of the program's")))
}

/// The body checking a mechanism's invariants: param `i` (a flag) says
/// whether to check invariant `i`; it returns the index of the first checked
/// invariant that does not hold, or the number of invariants.
fn invariants_body(invariants: &[Invariant]) -> Body {
    let flag = |index: usize| Expr {
        kind: ExprKind::Local(LocalId::new(index)),
        repr: Repr::Bool,
    };
    let index = |index: usize| Stmt::Return(Expr::int(U256::from(index as u64)));
    let mut block: Vec<Stmt> = invariants
        .iter()
        .enumerate()
        .map(|(i, invariant)| Stmt::If {
            arms: vec![(
                Expr {
                    kind: ExprKind::And(vec![
                        flag(i),
                        Expr {
                            kind: ExprKind::Not(Box::new(invariant.condition.clone())),
                            repr: Repr::Bool,
                        },
                    ]),
                    repr: Repr::Bool,
                },
                vec![index(i)],
            )],
            otherwise: Vec::new(),
        })
        .collect();
    block.push(index(invariants.len()));
    Body {
        id: BodyId::DETACHED,
        locals: (0..invariants.len())
            .map(|i| (format!("check_{i}"), Repr::Bool))
            .collect(),
        params: invariants.len() as u32,
        block,
    }
}
