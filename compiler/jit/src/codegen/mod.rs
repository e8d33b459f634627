//! MIR bodies to Cranelift IR.
//!
//! One native function per body: `fn(context, args, ret) -> status`, with
//! status 0 (ran to the end), 1 (returned a value into `ret`) or 2 (a fault,
//! whose reason the host keeps). Integers are pairs of `i128` halves (low,
//! high); floats `f64`; booleans `i8` (0 or 1); addresses and interned
//! strings `i32`.
//!
//! One `Lower` translates a body; its methods are split by concern:
//! `values` (registers, memory, control and the cache of values read),
//! `statements`, `transfers` (token transfers in place), `storage` (writes
//! in place, the undo log, running sums), `loops` (loops and the views
//! storage is read through), `expressions` and `arithmetic` (256-bit
//! operations and `mul_div`). This module holds the translator's state,
//! the entry point and the analyses of MIR it relies on.

use cranelift_codegen::dominator_tree::DominatorTree;
use cranelift_codegen::flowgraph::ControlFlowGraph;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{
    self, BlockArg, FuncRef, InstBuilder, MemFlagsData, StackSlotData, StackSlotKind, types,
};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_module::{FuncId, Linkage, Module as _};
use tok_mir::*;
use tok_runtime::random;
use tok_world::CallTarget;

use crate::host::{self, FAULT, FLOAT_OPS, INT_OPS, MUL_DIV, OK, RETURNED, UNCHECKED};
use crate::layout::*;
use crate::{CallSite, JitError, Site, SiteKind, ViewSource};

mod arithmetic;
mod expressions;
mod loops;
mod statements;
mod storage;
mod transfers;
mod values;

/// A compiled body before the module is finalized.
pub(crate) struct Function {
    pub id: FuncId,
    pub sites: Vec<Site>,
    pub calls: Vec<CallSite>,
    pub views: Vec<ViewSource>,
    pub scratch: usize,
    pub returns: Repr,
    pub params: Vec<Repr>,
    pub locals: usize,
    /// Compiled as an `every` hook's body (`Form::Hook`).
    pub hook: bool,
}

/// A value in registers.
#[derive(Clone, Copy)]
enum Val {
    /// Low and high 128-bit halves of a 256-bit integer.
    Int(ir::Value, ir::Value),
    One(ir::Value),
}

impl Val {
    fn one(self) -> ir::Value {
        match self {
            Val::One(value) | Val::Int(value, _) => value,
        }
    }

    fn halves(self, zero: ir::Value) -> (ir::Value, ir::Value) {
        match self {
            Val::Int(low, high) => (low, high),
            Val::One(value) => (value, zero),
        }
    }
}

#[derive(Clone, Copy)]
enum Var {
    Int(Variable, Variable),
    One(Variable),
}

struct Refs {
    expr: FuncRef,
    stmt: FuncRef,
    call: FuncRef,
    token: FuncRef,
    int: FuncRef,
    reciprocal: FuncRef,
    ratio: FuncRef,
    flush: FuncRef,
    float: FuncRef,
    to_float: FuncRef,
    list_open: FuncRef,
    list_item: FuncRef,
    agents: FuncRef,
    actor: FuncRef,
    agent_end: FuncRef,
    prefetch: FuncRef,
}

/// What a body is compiled as.
#[derive(Clone, Copy)]
pub(crate) enum Form<'p> {
    /// Itself: scenario code (setup, a population's start).
    Plain,
    /// Itself, chain code (an action called by another, a view, the
    /// invariants): calls it makes are part of the running transaction.
    Chain,
    /// A loop running it for each of a population's agents in turn (see
    /// `Engine::run_agents`).
    AgentLoop(PopulationId),
    /// An action as the whole of a transaction, followed by the checks of
    /// those of its mechanism's invariants (these) that the header's flags
    /// name (see `Engine::transaction`): status `OK` when it ran and they
    /// hold, `UNCHECKED` when it ran but one does not hold or could not be
    /// evaluated, `FAULT` when the action failed. A `return`, should the
    /// body have one (an action has none), leaves with `RETURNED`, which
    /// the host takes as unchecked.
    Transaction(&'p [Invariant]),
    /// An `every` hook's body. Its writes are never journaled (see
    /// `World::advance_to`), so its in-place writes record nothing; the
    /// host runs it only while writes are not journaled.
    Hook,
}

/// Compiles `body` in `form`.
pub(crate) fn compile(
    module: &mut host::Module,
    program: &Program,
    body: &Body,
    index: usize,
    form: Form<'_>,
    mechanism: Option<MechanismId>,
) -> Result<Function, JitError> {
    let error = |e: &dyn std::fmt::Display| JitError(e.to_string());
    let pointer = module.jit.target_config().pointer_type();
    let mut context = module.jit.make_context();
    host::signature_of(
        &mut context.func.signature,
        &[pointer, pointer, pointer],
        types::I32,
    );
    let id = module
        .jit
        .declare_function(
            &format!("tok_body_{index}"),
            Linkage::Local,
            &context.func.signature,
        )
        .map_err(|e| error(&e))?;
    let hosts = module.hosts;
    let mut import = |id: FuncId| module.jit.declare_func_in_func(id, &mut context.func);
    let refs = Refs {
        expr: import(hosts.expr),
        stmt: import(hosts.stmt),
        call: import(hosts.call),
        token: import(hosts.token),
        int: import(hosts.int),
        reciprocal: import(hosts.reciprocal),
        ratio: import(hosts.ratio),
        flush: import(hosts.flush),
        float: import(hosts.float),
        to_float: import(hosts.to_float),
        list_open: import(hosts.list_open),
        list_item: import(hosts.list_item),
        agents: import(hosts.agents),
        actor: import(hosts.actor),
        agent_end: import(hosts.agent_end),
        prefetch: import(hosts.prefetch),
    };
    let mut builder_context = FunctionBuilderContext::new();
    let frontend = module.jit.target_config();
    let builder = FunctionBuilder::new(&mut context.func, &mut builder_context);
    let hook = matches!(form, Form::Hook);
    let mut lower = Lower::new(builder, refs, pointer, program, body);
    lower.journaled = !hook;
    lower.chain = !matches!(form, Form::Plain | Form::AgentLoop(_));
    lower.mechanism = mechanism.filter(|_| lower.chain);
    match form {
        Form::Plain | Form::Chain | Form::Hook => lower.body(body, None),
        Form::AgentLoop(population) => lower.agent_loop(body, population),
        Form::Transaction(invariants) => lower.body(body, Some(invariants)),
    }
    let Lower {
        b,
        sites,
        calls,
        views,
        scratch,
        returns,
        ..
    } = lower;
    b.finalize(frontend);
    sink_cold_regions(&mut context.func);
    module
        .jit
        .define_function(id, &mut context)
        .map_err(|e| JitError(format!("{e:?}")))?;
    module.jit.clear_context(&mut context);
    Ok(Function {
        id,
        sites,
        calls,
        views,
        scratch,
        returns: returns.unwrap_or(Repr::Int),
        params: body.locals[..body.params as usize]
            .iter()
            .map(|(_, repr)| *repr)
            .collect(),
        locals: body.locals.len(),
        hook,
    })
}

/// Marks cold every block that only a cold block leads to (one a cold
/// block dominates): the fast paths of a slow path's own operations, which
/// would otherwise be laid out among the hot blocks and jumped over.
fn sink_cold_regions(func: &mut ir::Function) {
    let cfg = ControlFlowGraph::with_function(func);
    let domtree = DominatorTree::with_function(func, &cfg);
    // In reverse postorder a block's immediate dominator comes first.
    let order: Vec<ir::Block> = domtree.cfg_rpo().copied().collect();
    for block in order {
        if domtree
            .idom(block)
            .is_some_and(|idom| func.layout.is_cold(idom))
        {
            func.layout.set_cold(block);
        }
    }
}

struct Lower<'f> {
    b: FunctionBuilder<'f>,
    program: &'f Program,
    refs: Refs,
    pointer: ir::Type,
    vars: Vec<Var>,
    reprs: Vec<Repr>,
    sites: Vec<Site>,
    calls: Vec<CallSite>,
    /// Storage read in place.
    views: Vec<ViewSource>,
    scratch: usize,
    /// The first scratch local.
    base: u32,
    /// The caller's value of the pinned register, given back on return.
    caller_pinned: ir::Value,
    ret: ir::Value,
    args: ir::Value,
    fail: ir::Block,
    /// In a loop whose `mul_div` keeps one ratio throughout (see
    /// `shared_ratio`): that `mul_div`, whether the ratio was kept before
    /// the loop, and where its fixed operands were put.
    shared: Option<Shared>,
    returns: Option<Repr>,
    /// In an agent loop: the running agent's account and index.
    agent: Option<AgentTurn>,
    /// The body's first block, and the populations' accounts and sizes
    /// read there (fixed for a run), which every later block can use.
    entry: ir::Block,
    populations: Vec<(PopulationId, (ir::Value, ir::Value))>,
    /// Whether in-place writes may have to be journaled (all but a hook's:
    /// see `Form::Hook`).
    journaled: bool,
    /// Whether the body is chain code (see `Form::Chain`), whose token
    /// calls run in place (`host_token`), and then the mechanism it is of
    /// (whose account is `self`).
    chain: bool,
    mechanism: Option<MechanismId>,
    /// While a loop's body is lowered in its fast version (see
    /// `versioned_block`): the entry of each of its statements in the
    /// general version, and the running statement's.
    general: Vec<(*const Stmt, ir::Block)>,
    bail: Option<ir::Block>,
    /// The context read once for the fast version, so that its reads of
    /// the context are of one address and can be merged.
    fast_context: Option<ir::Value>,
    /// What the fast version has read and may read again (see `cached`),
    /// and the fast version's blocks with one way in, by the block it
    /// comes from.
    cache: Vec<CacheEntry>,
    hot_parent: Vec<(ir::Block, ir::Block)>,
    /// In the fast version: the tests `is_zero` made (the test's result,
    /// the value tested), and the values a check passed on the way here
    /// showed to be zero (from the block the check leads to).
    zero_tests: Vec<(ir::Value, ir::Value)>,
    known_zero: Vec<(ir::Value, ir::Block)>,
    /// Whether the running statement has done something that cannot be
    /// done again (a host call, a write, a draw): from then on its slow
    /// paths are lowered in place, not left to the general version.
    dirty: bool,
}

/// What a write in place stores: a value, or the slot's own value moved
/// by an operand.
#[derive(Clone, Copy)]
enum Written<'e> {
    Value(Val),
    Update(BinOp, &'e Expr),
}

/// How one term of a running sum changed.
#[derive(Clone, Copy)]
enum SumChange {
    /// From `old` to `new`.
    Replace {
        old: Val,
        new: Val,
    },
    /// Up or down by an amount (the term did not wrap).
    Add(Val),
    Sub(Val),
}

/// Something the fast version of a loop body read (see `Lower::cached`):
/// a view's items and length, a view's running sum's address, or item
/// `key` of a view of integers.
#[derive(Clone, Copy, PartialEq)]
enum Cached {
    View(i32),
    Sum(i32),
    Slot(i32, ir::Value),
}

#[derive(Clone, Copy)]
struct CacheEntry {
    what: Cached,
    /// Where it was read.
    block: ir::Block,
    values: [ir::Value; 2],
}

/// A running sum read before one of its terms changes (see
/// `Lower::running_sum`).
#[derive(Clone, Copy)]
struct RunningSum {
    address: ir::Value,
    sum: Val,
    carries: ir::Value,
    /// Whether the change is the usual one: every term and the sum's high
    /// halves zero and no wraps counted.
    narrow: ir::Value,
}

/// A loop's shared `mul_div` (see `shared_ratio` and `keep_ratio`).
#[derive(Clone, Copy)]
struct Shared {
    division: *const Expr,
    /// Whether the ratio was kept (a boolean).
    kept: ir::Value,
    /// The numerator and the whole, stored before the loop: the loop reads
    /// them only off its fast path, so that they hold no registers in it.
    fixed: ir::StackSlot,
}

#[derive(Clone, Copy)]
struct AgentTurn {
    this: ir::Value,
    index: ir::Value,
}

fn flags() -> MemFlagsData {
    MemFlagsData::new().with_notrap()
}

/// The alias region of the context (`host::Context`): no storage, stack
/// slot or buffer is in it, so writes to those leave what was read of it
/// known. Every function declares it first (see `Lower::new`).
const CONTEXT_REGION: u32 = 0;

/// Accesses to the context, in its alias region.
fn ctx_flags() -> MemFlagsData {
    flags().with_alias_region(Some(ir::AliasRegion::from_u32(CONTEXT_REGION)))
}

/// The header and arguments `host::call` writes before the call: never
/// written while the body runs, so reads of them may be merged and moved.
fn header_flags() -> MemFlagsData {
    flags().with_readonly().with_can_move()
}

impl<'f> Lower<'f> {
    fn new(
        mut b: FunctionBuilder<'f>,
        refs: Refs,
        pointer: ir::Type,
        program: &'f Program,
        body: &Body,
    ) -> Lower<'f> {
        let region = b.func.dfg.alias_regions.insert(ir::AliasRegionData {
            user_id: CONTEXT_REGION,
            description: "context".into(),
        });
        debug_assert_eq!(region, ir::AliasRegion::from_u32(CONTEXT_REGION));
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let params = b.block_params(entry).to_vec();
        let fail = b.create_block();
        let mut lower = Lower {
            b,
            program,
            refs,
            pointer,
            vars: Vec::new(),
            reprs: body.locals.iter().map(|(_, repr)| *repr).collect(),
            sites: Vec::new(),
            calls: Vec::new(),
            views: Vec::new(),

            scratch: 0,
            base: body.locals.len() as u32,
            caller_pinned: params[0],
            args: params[1],
            ret: params[2],
            fail,
            shared: None,
            returns: None,
            agent: None,
            entry,
            populations: Vec::new(),
            journaled: true,
            chain: false,
            mechanism: None,
            general: Vec::new(),
            bail: None,
            fast_context: None,
            cache: Vec::new(),
            hot_parent: Vec::new(),
            zero_tests: Vec::new(),
            known_zero: Vec::new(),
            dirty: false,
        };
        // The context lives in the pinned register for the whole body (it
        // is used everywhere, and a register never reloaded from the stack
        // frees the others); the caller's value is given back on return.
        lower.caller_pinned = lower.b.ins().get_pinned_reg(pointer);
        lower.b.ins().set_pinned_reg(params[0]);
        for (index, (_, repr)) in body.locals.iter().enumerate() {
            let var = match repr {
                Repr::Int => Var::Int(
                    lower.b.declare_var(types::I128),
                    lower.b.declare_var(types::I128),
                ),
                other => Var::One(lower.b.declare_var(scalar_type(*other))),
            };
            lower.vars.push(var);
            let value = if index < body.params as usize {
                let args = lower.args;
                lower.load(*repr, args, (index as i32 + 1) * SLOT as i32)
            } else {
                lower.zero(*repr)
            };
            lower.def(LocalId::new(index), value);
        }
        lower
    }

    /// The agent loop: for each agent, the body runs with `Env::This` and
    /// `Env::AgentIndex` that agent's. The host begins the turn when the
    /// body first calls it (the context says which agent is running) and
    /// ends it with the body's status (a revert skips the agent's step; a
    /// stop ends the loop with a fault); a turn that never reached the host
    /// and did not fail ends here, counted in the context.
    fn agent_loop(&mut self, body: &Body, population: PopulationId) {
        let (base, count) = self.population(population);
        let stopped = self.b.create_block();
        let locals: Vec<(LocalId, Repr)> = (0..self.reprs.len())
            .map(|local| (LocalId::new(local), self.reprs[local]))
            .collect();
        self.counted_loop(types::I32, count, |l, index| {
            // The context is read from the pinned register where it is used,
            // so that no copy of it lives across the loop.
            let context = l.context();
            let pending = l.b.ins().iconst(types::I32, 1);
            l.b.ins().store(ctx_flags(), pending, context, TURN);
            l.b.ins().store(ctx_flags(), index, context, TURN_INDEX);
            let this = l.b.ins().iadd(base, index);
            l.agent = Some(AgentTurn { this, index });
            // Every agent's turn starts from zeroed locals.
            for (local, repr) in &locals {
                let zero = l.zero(*repr);
                l.def(*local, zero);
            }
            l.versioned_block(&body.block);
            // A turn that ran to its end without reaching the host ends
            // here, counted (its pending flag is set afresh by the next
            // turn, and the context does not outlive the loop); any other
            // ends on the host, a fault anywhere in the body included.
            let (quiet, host, next) = (l.b.create_block(), l.b.create_block(), l.b.create_block());
            l.b.append_block_param(host, types::I32);
            let context = l.context();
            let pending = l.b.ins().load(types::I32, ctx_flags(), context, TURN);
            let ok = l.b.ins().iconst(types::I32, i64::from(OK));
            l.b.ins()
                .brif(pending, quiet, &[], host, &[BlockArg::Value(ok)]);
            l.b.switch_to_block(l.fail);
            let fault = l.b.ins().iconst(types::I32, i64::from(FAULT));
            l.b.ins().jump(host, &[BlockArg::Value(fault)]);
            l.b.switch_to_block(quiet);
            let turns = l.b.ins().load(types::I64, ctx_flags(), context, QUIET);
            let turns = l.b.ins().iadd_imm_u(turns, 1);
            l.b.ins().store(ctx_flags(), turns, context, QUIET);
            l.b.ins().jump(next, &[]);
            l.b.switch_to_block(host);
            let outcome = l.b.block_params(host)[0];
            let context = l.context();
            let ended = l.call(l.refs.agent_end, &[context, outcome]);
            l.b.ins().brif(ended, stopped, &[], next, &[]);
            l.b.switch_to_block(next);
        });
        self.leave_with(OK);
        self.b.switch_to_block(stopped);
        self.leave_with(FAULT);
        self.b.seal_all_blocks();
    }

    /// The body; with `invariants`, as a transaction's (see
    /// `Form::Transaction`).
    fn body(&mut self, body: &Body, invariants: Option<&[Invariant]>) {
        self.block(&body.block);
        match invariants {
            None => self.leave_with(OK),
            Some(invariants) => self.check_invariants(invariants),
        }
        self.switch_to_cold(self.fail);
        self.leave_with(FAULT);
        self.b.seal_all_blocks();
    }

    /// After a transaction's action: checks each invariant whose flag the
    /// header sets, in order, leaving with `OK` when all hold and
    /// `UNCHECKED` at the first that does not or that faults (the host
    /// then checks them itself, and reports).
    fn check_invariants(&mut self, invariants: &[Invariant]) {
        let unchecked = self.b.create_block();
        let fail = std::mem::replace(&mut self.fail, unchecked);
        let args = self.args;
        let flags_word = self
            .b
            .ins()
            .load(types::I32, header_flags(), args, HEADER_CHECKS);
        for (index, invariant) in invariants.iter().enumerate() {
            let (check, next) = (self.b.create_block(), self.b.create_block());
            let flag = self.b.ins().ushr_imm_u(flags_word, index as i64);
            let flag = self.b.ins().band_imm_u(flag, 1);
            self.b.ins().brif(flag, check, &[], next, &[]);
            self.b.switch_to_block(check);
            let holds = self.expr(&invariant.condition).one();
            self.b.ins().brif(holds, next, &[], unchecked, &[]);
            self.b.switch_to_block(next);
        }
        self.leave_with(OK);
        self.b.switch_to_block(unchecked);
        self.leave_with(UNCHECKED);
        self.fail = fail;
    }

    /// Returns the constant `status` (see `leave`).
    fn leave_with(&mut self, status: u32) {
        let status = self.b.ins().iconst(types::I32, i64::from(status));
        self.leave(status);
    }

    /// Returns `status`, giving the caller its pinned register back.
    fn leave(&mut self, status: ir::Value) {
        self.b.ins().set_pinned_reg(self.caller_pinned);
        self.b.ins().return_(&[status]);
    }

    /// The context (in the pinned register).
    fn context(&mut self) -> ir::Value {
        if let Some(context) = self.fast_context {
            return context;
        }
        self.b.ins().get_pinned_reg(self.pointer)
    }
}

/// Whether `block` has a loop in it, at any depth.
fn has_loop(block: &Block) -> bool {
    block.iter().any(|stmt| match stmt {
        Stmt::ForRange { .. } | Stmt::ForEach { .. } | Stmt::ForAgents { .. } => true,
        Stmt::If { arms, otherwise } => {
            arms.iter().any(|(_, body)| has_loop(body)) || has_loop(otherwise)
        }
        Stmt::As { body, .. } => has_loop(body),
        _ => false,
    })
}

/// Whether `block` has statements that call the host whenever they run
/// (calls, pushes, agent state, `as`).
fn calls_host(block: &Block) -> bool {
    block.iter().any(|stmt| match stmt {
        Stmt::Call(_) | Stmt::Push { .. } | Stmt::StoreAgent { .. } | Stmt::As { .. } => true,
        Stmt::If { arms, otherwise } => {
            arms.iter().any(|(_, body)| calls_host(body)) || calls_host(otherwise)
        }
        _ => false,
    })
}

/// The statements of `block`, at any depth, in order.
fn collect_statements(block: &Block, into: &mut Vec<*const Stmt>) {
    for stmt in block {
        into.push(stmt);
        match stmt {
            Stmt::If { arms, otherwise } => {
                for (_, body) in arms {
                    collect_statements(body, into);
                }
                collect_statements(otherwise, into);
            }
            Stmt::As { body, .. } => collect_statements(body, into),
            _ => {}
        }
    }
}

/// Whether `expr` reads no storage and calls nothing: evaluating it again,
/// or at another point of a statement, gives the same value.
fn is_pure(expr: &Expr) -> bool {
    matches!(
        expr.kind,
        ExprKind::Int(_) | ExprKind::Local(_) | ExprKind::Env(_)
    )
}

/// Whether `mul_div(a, b, _)` keeps `b / c` as its ratio rather than
/// `a / c`: the operand that looks fixed is the numerator.
fn ratio_swaps(a: &Expr, b: &Expr) -> bool {
    !looks_fixed(a) && looks_fixed(b)
}

/// Whether `expr` is a value a loop is likely to hold fixed (a local, a
/// param, a constant, a field without keys): a guess that only decides
/// which `mul_div` operand is the kept ratio's numerator.
fn looks_fixed(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Int(_) | ExprKind::Local(_) | ExprKind::Param(_) | ExprKind::Env(_) => true,
        ExprKind::Load { keys, .. } => keys.is_empty(),
        _ => false,
    }
}

/// Whether `shape` is an account-keyed map of integers (read and written
/// in place).
fn is_account_int_map(shape: &Shape) -> bool {
    matches!(shape, Shape::Map(Repr::Address, value) if **value == Shape::Scalar(Repr::Int))
}

fn int_op(op: BinOp) -> u32 {
    INT_OPS.iter().position(|o| *o == op).unwrap_or(0) as u32
}

fn scalar_type(repr: Repr) -> ir::Type {
    match repr {
        Repr::Int => types::I128,
        Repr::Float => types::F64,
        Repr::Bool => types::I8,
        Repr::Address | Repr::Str => types::I32,
    }
}

/// Replaces each operand with a scratch local (the `n`th operand becomes
/// local `base + n`, of the same representation); returns the operands.
fn replace_children(children: Vec<&mut Expr>, base: u32) -> Vec<Expr> {
    children
        .into_iter()
        .enumerate()
        .map(|(index, child)| {
            let scratch = Expr {
                kind: ExprKind::Local(LocalId::from_raw(base + index as u32)),
                repr: child.repr,
            };
            std::mem::replace(child, scratch)
        })
        .collect()
}

/// The operands of a site expression, in the interpreter's evaluation
/// order. Kinds compiled natively never become sites.
fn expr_children(kind: &mut ExprKind) -> Vec<&mut Expr> {
    match kind {
        ExprKind::Load { keys, .. } | ExprKind::ListLength { keys, .. } => {
            keys.iter_mut().collect()
        }
        // The interpreter searches the top-level list; keys are not read.
        ExprKind::ListContains { value, .. } => vec![value.as_mut()],
        ExprKind::Agent { index, .. } => vec![index.as_mut()],
        ExprKind::TokenRead { args, .. } | ExprKind::View { args, .. } => args.iter_mut().collect(),
        ExprKind::Normal { mean, sd } => vec![mean.as_mut(), sd.as_mut()],
        ExprKind::Bernoulli(p) => vec![p.as_mut()],
        ExprKind::Str(_)
        | ExprKind::AddressLiteral(_)
        | ExprKind::Param(_)
        | ExprKind::AgentField { .. }
        | ExprKind::Series(_)
        | ExprKind::Env(_)
        | ExprKind::Entity(_)
        | ExprKind::PopulationSize(_)
        | ExprKind::VestingRead { .. }
        | ExprKind::ProposalCount(_)
        | ExprKind::Uniform
        | ExprKind::Sum { .. }
        // Compiled natively, never sites.
        | ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Bool(_)
        | ExprKind::Local(_)
        | ExprKind::Binary { .. }
        | ExprKind::MulDiv(..)
        | ExprKind::Compare { .. }
        | ExprKind::And(_)
        | ExprKind::Or(_)
        | ExprKind::Not(_)
        | ExprKind::Neg(_)
        | ExprKind::ToFloat { .. } => Vec::new(),
    }
}

/// The operands of a site statement, in the interpreter's evaluation order.
fn stmt_children(stmt: &mut Stmt) -> Vec<&mut Expr> {
    match stmt {
        Stmt::Store { keys, value, .. } => {
            let mut children: Vec<&mut Expr> = keys.iter_mut().collect();
            children.push(value);
            children
        }
        // A push evaluates the value before the keys.
        Stmt::Push { keys, value, .. } => {
            let mut children: Vec<&mut Expr> = vec![value];
            children.extend(keys.iter_mut());
            children
        }
        Stmt::StoreAgent { value, .. } => vec![value],
        Stmt::Emit { args, .. } => args.iter_mut().collect(),
        Stmt::Call(call) => match call {
            Call::Action { args, .. } | Call::Token { args, .. } => args.iter_mut().collect(),
            Call::VestingRelease { .. } => Vec::new(),
            Call::Propose { value, .. } => vec![value],
            Call::Vote {
                proposal, support, ..
            } => vec![proposal, support],
            Call::Execute { proposal, .. } => vec![proposal],
        },
        _ => Vec::new(),
    }
}

/// How many items ahead a loop over an account list asks for the slots it
/// will write (see `prefetch_ahead`).
const PREFETCH_DISTANCE: i64 = 32;

/// The slots a column must have for its loops to prefetch (2 MB of 32-byte
/// slots, about what the last-level cache of one core holds).
const PREFETCH_SLOTS: i64 = 1 << 16;

/// The fields `body` writes, at its top level, at the key `local`.
fn keyed_stores(
    body: &Block,
    local: LocalId,
) -> impl Iterator<Item = (MechanismId, FieldId, &[Expr])> {
    body.iter().filter_map(move |stmt| match stmt {
        Stmt::Store {
            mechanism,
            field,
            keys,
            ..
        } if matches!(keys.as_slice(), [Expr { kind: ExprKind::Local(key), .. }] if *key == local) => {
            Some((*mechanism, *field, keys.as_slice()))
        }
        _ => None,
    })
}

/// The one `mul_div` of a loop's `body` whose kept ratio (see
/// `Lower::mul_div_by_ratio`) the whole loop shares: its numerator and
/// divisor are literals or locals that neither the body nor the loop
/// (`local`) sets. `None` when the body has no such `mul_div`, or more
/// than one (which would take turns keeping their ratios).
fn shared_ratio(body: &Block, local: LocalId) -> Option<SharedRatio<'_>> {
    let mut set = vec![local];
    visit::block_stmts(body, &mut |stmt| match stmt {
        Stmt::Set { local, .. }
        | Stmt::ForRange { local, .. }
        | Stmt::ForEach { local, .. }
        | Stmt::ForAgents { local, .. } => set.push(*local),
        _ => {}
    });
    let mut divisions = Vec::new();
    visit::block_exprs(body, &mut |expr| {
        if matches!(expr.kind, ExprKind::MulDiv(..)) {
            divisions.push(expr);
        }
    });
    let [division] = divisions[..] else {
        return None;
    };
    let ExprKind::MulDiv(a, b, c) = &division.kind else {
        return None;
    };
    let fixed = |expr: &Expr| match expr.kind {
        ExprKind::Int(_) => true,
        ExprKind::Local(local) => !set.contains(&local),
        _ => false,
    };
    let numerator = if ratio_swaps(a, b) { b } else { a };
    (fixed(numerator) && fixed(c)).then_some(SharedRatio {
        division,
        numerator,
        whole: c,
    })
}

/// A loop's `mul_div` whose ratio `numerator / whole` the loop shares
/// (see `shared_ratio`).
struct SharedRatio<'b> {
    division: &'b Expr,
    numerator: &'b Expr,
    whole: &'b Expr,
}
