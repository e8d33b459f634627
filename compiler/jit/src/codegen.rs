//! MIR bodies to Cranelift IR.
//!
//! One native function per body: `fn(context, args, ret) -> status`, with
//! status 0 (ran to the end), 1 (returned a value into `ret`) or 2 (a fault,
//! whose reason the host keeps). Integers are pairs of `i128` halves (low,
//! high); floats `f64`; booleans `i8` (0 or 1); addresses and interned
//! strings `i32`.

use cranelift_codegen::dominator_tree::DominatorTree;
use cranelift_codegen::flowgraph::ControlFlowGraph;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{
    self, BlockArg, FuncRef, InstBuilder, MemFlagsData, StackSlotData, StackSlotKind, types,
};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_module::{FuncId, Linkage, Module as _};
use tok_interp::CallTarget;
use tok_mir::*;
use tok_runtime::random;

use crate::host::{
    self, ALLOWANCE_AMOUNT, ALLOWANCE_BYTES, DIVISOR, EVENTS, FAULT, FLOAT_OPS, INT_OPS, LOG,
    LOG_ENTRIES, LOG_ENTRY_BYTES, LOG_FIELD, LOG_KEY, LOG_KIND, LOG_LEN, LOG_MECHANISM, LOG_OLD,
    LOGGED_ALLOWANCE, LOGGED_BALANCE, LOGGED_EVENT, LOGGED_FIELD, MAX_VIEWS, MUL_DIV, NO_KEY, OK,
    QUIET, RATIO, RATIO_KEY, RATIO_PENDING, RECIPROCAL, RECORD_EVENTS, RETURNED, RNG, SLOT, TURN,
    UNCHECKED, UNJOURNALED, VIEW_BYTES,
};
use crate::{CallSite, JitError, Site, SiteKind, ViewSource};

/// Offsets in the header slot `host::call` writes before the arguments.
const HEADER_THIS: i32 = 0;
const HEADER_CALLER: i32 = 4;
const HEADER_AGENT: i32 = 8;
/// In a transaction's body: which of its mechanism's invariants to check
/// (32 flags; see `Form::Transaction`).
const HEADER_CHECKS: i32 = 12;
const HEADER_NOW: i32 = 16;
const HEADER_STEP: i32 = 24;

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
    /// Storage read in place (empty when integers are not laid out as
    /// compiled code reads them).
    views: Vec<ViewSource>,
    inline_storage: bool,
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
            inline_storage: host::native_int_layout(),
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
            lower.def(index as u32, value);
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
            .map(|local| (local as LocalId, self.reprs[local]))
            .collect();
        self.counted_loop(types::I32, count, |l, index| {
            // The context is read from the pinned register where it is used,
            // so that no copy of it lives across the loop.
            let context = l.context();
            let pending = l.b.ins().iconst(types::I32, 1);
            l.b.ins().store(ctx_flags(), pending, context, TURN);
            l.b.ins().store(ctx_flags(), index, context, TURN + 4);
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

    // ---- Values -------------------------------------------------------------------

    /// Whether a 128-bit value is zero, by its two words (no zero kept in
    /// a register, or on the stack, to compare with).
    fn is_zero(&mut self, value: ir::Value) -> ir::Value {
        if self.is_known_zero(value) {
            return self.b.ins().iconst(types::I8, 1);
        }
        let test = self.compare_words(value, IntCC::Equal);
        if self.fast_context.is_some() {
            self.zero_tests.push((test, value));
        }
        test
    }

    /// Whether `value` is a zero constant, or, in the fast version, a
    /// value a check on the way here showed to be zero.
    fn is_known_zero(&self, value: ir::Value) -> bool {
        self.is_zero_constant(value)
            || (self.known_zero.iter())
                .any(|(known, block)| *known == value && self.on_path(*block))
    }

    /// Whether, in the fast version, `block` is on the path to the current
    /// block along blocks with one way in (so that it dominates it).
    fn on_path(&self, block: ir::Block) -> bool {
        let Some(mut at) = self.b.current_block() else {
            return false;
        };
        for _ in 0..256 {
            if at == block {
                return true;
            }
            match self.hot_parent.iter().find(|(child, _)| *child == at) {
                Some((_, parent)) => at = *parent,
                None => return false,
            }
        }
        false
    }

    /// Records that `value` is zero from `block` on, and so is each value
    /// it is the `or` of.
    fn learn_zero(&mut self, value: ir::Value, block: ir::Block) {
        self.known_zero.push((value, block));
        let dfg = &self.b.func.dfg;
        if let ir::ValueDef::Result(inst, _) = dfg.value_def(value)
            && let ir::InstructionData::Binary {
                opcode: ir::Opcode::Bor,
                args,
            } = dfg.insts[inst]
        {
            for arg in args {
                self.learn_zero(arg, block);
            }
        }
    }

    /// Records what `condition` holding shows from `block` on: the values
    /// of `is_zero` tests it is made of (by `and`) are zero.
    fn learn(&mut self, condition: ir::Value, block: ir::Block) {
        if let Some((_, tested)) = self.zero_tests.iter().find(|(test, _)| *test == condition) {
            let tested = *tested;
            self.learn_zero(tested, block);
            return;
        }
        let dfg = &self.b.func.dfg;
        if let ir::ValueDef::Result(inst, _) = dfg.value_def(condition)
            && let ir::InstructionData::Binary {
                opcode: ir::Opcode::Band,
                args,
            } = dfg.insts[inst]
        {
            for arg in args {
                self.learn(arg, block);
            }
        }
    }

    /// `a | b` for 128-bit values, without the `or` when one is a zero
    /// built by [`Lower::i128`] (which Cranelift does not fold: it has no
    /// 128-bit constants).
    fn or128(&mut self, a: ir::Value, b: ir::Value) -> ir::Value {
        if self.is_known_zero(b) {
            a
        } else if self.is_known_zero(a) {
            b
        } else {
            self.b.ins().bor(a, b)
        }
    }

    /// Whether a 128-bit value is not zero (see `is_zero`).
    fn is_nonzero(&mut self, value: ir::Value) -> ir::Value {
        self.compare_words(value, IntCC::NotEqual)
    }

    /// The `or` of a 128-bit value's two words compared with zero by `cc`.
    fn compare_words(&mut self, value: ir::Value, cc: IntCC) -> ir::Value {
        let (low, high) = self.b.ins().isplit(value);
        let any = self.b.ins().bor(low, high);
        self.b.ins().icmp_imm_u(cc, any, 0)
    }

    /// Whether `value` is a zero built by [`Lower::i128`] (or a narrower
    /// integer constant zero).
    fn is_zero_constant(&self, value: ir::Value) -> bool {
        let dfg = &self.b.func.dfg;
        let ir::ValueDef::Result(inst, _) = dfg.value_def(value) else {
            return false;
        };
        match dfg.insts[inst] {
            ir::InstructionData::UnaryImm {
                opcode: ir::Opcode::Iconst,
                imm,
            } => imm.bits() == 0,
            ir::InstructionData::Unary {
                opcode: ir::Opcode::Uextend,
                arg,
            } => self.is_zero_constant(arg),
            ir::InstructionData::Binary {
                opcode: ir::Opcode::Iconcat,
                args,
            } => args.iter().all(|half| self.is_zero_constant(*half)),
            _ => false,
        }
    }

    fn i128(&mut self, value: u128) -> ir::Value {
        let low = self.b.ins().iconst(types::I64, value as u64 as i64);
        let high = self.b.ins().iconst(types::I64, (value >> 64) as u64 as i64);
        self.b.ins().iconcat(low, high)
    }

    fn int(&mut self, value: U256) -> Val {
        let (high, low) = value.into_words();
        Val::Int(self.i128(low), self.i128(high))
    }

    fn zero(&mut self, repr: Repr) -> Val {
        match repr {
            Repr::Int => self.int(U256::ZERO),
            Repr::Float => Val::One(self.b.ins().f64const(0.0)),
            other => Val::One(self.b.ins().iconst(scalar_type(other), 0)),
        }
    }

    fn i32(&mut self, value: u32) -> ir::Value {
        self.b.ins().iconst(types::I32, i64::from(value))
    }

    fn load(&mut self, repr: Repr, address: ir::Value, offset: i32) -> Val {
        match repr {
            Repr::Int => Val::Int(
                self.b.ins().load(types::I128, flags(), address, offset),
                self.b
                    .ins()
                    .load(types::I128, flags(), address, offset + 16),
            ),
            other => Val::One(
                self.b
                    .ins()
                    .load(scalar_type(other), flags(), address, offset),
            ),
        }
    }

    fn store(&mut self, value: Val, address: ir::Value, offset: i32) {
        match value {
            Val::Int(low, high) => {
                self.b.ins().store(flags(), low, address, offset);
                self.b.ins().store(flags(), high, address, offset + 16);
            }
            Val::One(value) => {
                self.b.ins().store(flags(), value, address, offset);
            }
        }
    }

    /// A fresh stack buffer of `slots` value slots; its address.
    fn buffer(&mut self, slots: usize) -> ir::Value {
        let slot = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            SLOT * slots.max(1) as u32,
            4,
        ));
        self.b.ins().stack_addr(self.pointer, slot, 0)
    }

    /// Stores values into a fresh buffer.
    fn spill(&mut self, values: &[Val]) -> ir::Value {
        let address = self.buffer(values.len());
        for (index, value) in values.iter().enumerate() {
            self.store(*value, address, index as i32 * SLOT as i32);
        }
        address
    }

    fn call(&mut self, function: FuncRef, args: &[ir::Value]) -> ir::Value {
        // Only the host functions that run statements or expressions, or
        // make calls, can move storage (see `host::View`).
        let refs = &self.refs;
        if [refs.expr, refs.stmt, refs.call, refs.token, refs.agent_end].contains(&function) {
            self.cache.clear();
        }
        let call = self.b.ins().call(function, args);
        self.b.inst_results(call)[0]
    }

    /// Continues only when a host status is OK.
    fn check(&mut self, status: ir::Value) {
        let next = self.b.create_block();
        self.b.ins().brif(status, self.fail, &[], next, &[]);
        self.b.switch_to_block(next);
    }

    /// Continues in `block`, a slow path: Cranelift lays it out after the
    /// usual ones (with what only it leads to, see `sink_cold_regions`).
    fn switch_to_cold(&mut self, block: ir::Block) {
        self.b.switch_to_block(block);
        self.b.set_cold_block(block);
    }

    /// Branches to `hot` when `condition` holds, else to `cold`, laying
    /// `hot` out right after the branch. Cranelift orders blocks by the
    /// reverse postorder of a search that follows a branch's first target
    /// first, which puts the second target next; so the condition is
    /// inverted and the targets swapped, and the usual path runs straight
    /// on instead of jumping at every test.
    fn branch_likely(
        &mut self,
        condition: ir::Value,
        (hot, hot_args): (ir::Block, &[BlockArg]),
        (cold, cold_args): (ir::Block, &[BlockArg]),
    ) {
        let to_bail = self.bail.is_some_and(|bail| bail == cold);
        // A check the fast version knows to pass is no branch.
        if to_bail && self.is_true_constant(condition) {
            self.b.ins().jump(hot, hot_args);
        } else {
            let unlikely = self.b.ins().icmp_imm_u(IntCC::Equal, condition, 0);
            self.b.ins().brif(unlikely, cold, cold_args, hot, hot_args);
        }
        // A fast version's path on from a check (see `versioned_block`) has
        // no other way in: sealed now, the values it uses are the ones
        // defined before it (a zero high half stays a known zero) rather
        // than parameters resolved at the end.
        if to_bail {
            self.b.seal_block(hot);
            if let Some(from) = self.b.current_block() {
                self.hot_parent.push((hot, from));
            }
            self.learn(condition, hot);
        }
    }

    /// Whether `value` is a nonzero integer constant.
    fn is_true_constant(&self, value: ir::Value) -> bool {
        let dfg = &self.b.func.dfg;
        matches!(dfg.value_def(value), ir::ValueDef::Result(inst, _)
            if matches!(dfg.insts[inst], ir::InstructionData::UnaryImm {
                opcode: ir::Opcode::Iconst,
                imm,
            } if imm.bits() != 0))
    }

    /// Jumps to `block`, which has no other way in, and continues there
    /// (sealed, and in the fast version on its path; see
    /// `branch_likely`).
    fn continue_in(&mut self, block: ir::Block) {
        let from = self.b.current_block();
        self.b.ins().jump(block, &[]);
        self.b.seal_block(block);
        if let (Some(from), true) = (from, self.fast_context.is_some()) {
            self.hot_parent.push((block, from));
        }
        self.b.switch_to_block(block);
    }

    /// What the fast version read of `what` earlier on the path to here
    /// (every block on the way having one way in, so that the read
    /// dominates this point), and that nothing can have changed since: a
    /// host call that can move storage forgets everything, a write to a
    /// view the items read of it.
    fn cached(&self, what: Cached) -> Option<[ir::Value; 2]> {
        self.fast_context?;
        let entry = self.cache.iter().rev().find(|entry| entry.what == what)?;
        let mut block = self.b.current_block()?;
        for _ in 0..256 {
            if block == entry.block {
                return Some(entry.values);
            }
            block = self
                .hot_parent
                .iter()
                .find(|(child, _)| *child == block)
                .map(|(_, parent)| *parent)?;
        }
        None
    }

    /// Remembers, in the fast version, what was just read of `what`.
    fn remember(&mut self, what: Cached, values: [ir::Value; 2]) {
        if self.fast_context.is_none() {
            return;
        }
        if let Some(block) = self.b.current_block() {
            self.cache.push(CacheEntry {
                what,
                block,
                values,
            });
        }
    }

    /// Forgets the items read of view `view` (after a write to it).
    fn forget_slots(&mut self, view: i32) {
        self.cache
            .retain(|entry| !matches!(entry.what, Cached::Slot(v, _) if v == view));
    }

    /// In a loop body's fast version, while the running statement has
    /// done nothing that cannot be done again: where its slow paths go
    /// (its start in the general version, see `versioned_block`).
    fn bail_target(&self) -> Option<ir::Block> {
        self.bail.filter(|_| !self.dirty)
    }

    /// Lowers a loop's `body` twice: a fast version whose slow paths,
    /// where they can, leave for the start of their statement in a
    /// general version, laid out apart, that has them all and goes on to
    /// the end of the body. A path the fast version keeps has no joins
    /// with slow ones (what the fast path knows, such as a high half that
    /// is zero, stays known) and no host calls to keep values across. A
    /// statement leaves only before it does anything that cannot be done
    /// again (see `dirty`), so the general version redoes it from the
    /// state it started in. Bodies with loops of their own, or with
    /// statements that always call the host (whose values would have to be
    /// kept across the calls, and the general version's too), are lowered
    /// once.
    fn versioned_block(&mut self, body: &Block) {
        if self.bail.is_some() || !self.general.is_empty() || has_loop(body) || calls_host(body) {
            self.block(body);
            return;
        }
        let mut statements = Vec::new();
        collect_statements(body, &mut statements);
        let first = self.b.func.dfg.num_blocks();
        self.general = statements
            .into_iter()
            .map(|stmt| (stmt, self.b.create_block()))
            .collect();
        let end = self.b.create_block();
        // The fast version; `stmt` sets the bail target of each statement.
        self.bail = self.general.first().map(|(_, entry)| *entry);
        self.dirty = false;
        self.fast_context = Some(self.b.ins().get_pinned_reg(self.pointer));
        self.cache.clear();
        self.block(body);
        self.cache.clear();
        self.hot_parent.clear();
        self.zero_tests.clear();
        self.known_zero.clear();
        self.fast_context = None;
        self.bail = None;
        self.b.ins().jump(end, &[]);
        // The general version, entered only from the fast one's slow
        // paths: every block it makes is cold.
        let general_start = self.b.func.dfg.num_blocks();
        let unreached = self.b.create_block();
        self.b.switch_to_block(unreached);
        self.block(body);
        self.b.ins().jump(end, &[]);
        let blocks = self.general.iter().map(|(_, entry)| *entry);
        let cold: Vec<ir::Block> = blocks
            .chain(
                (general_start..self.b.func.dfg.num_blocks())
                    .map(|index| ir::Block::from_u32(index as u32)),
            )
            .collect();
        debug_assert!(first < general_start);
        for block in cold {
            self.b.set_cold_block(block);
        }
        self.general.clear();
        self.b.switch_to_block(end);
    }

    fn use_local(&mut self, local: LocalId) -> Val {
        match self.vars[local as usize] {
            Var::Int(low, high) => Val::Int(self.b.use_var(low), self.b.use_var(high)),
            Var::One(var) => Val::One(self.b.use_var(var)),
        }
    }

    fn def(&mut self, local: LocalId, value: Val) {
        match self.vars[local as usize] {
            Var::Int(low, high) => {
                let zero = self.i128(0);
                let (l, h) = value.halves(zero);
                self.b.def_var(low, l);
                self.b.def_var(high, h);
            }
            Var::One(var) => self.b.def_var(var, value.one()),
        }
    }

    /// Registers a site whose operands are `children`, returning its index
    /// and the tree with operands replaced by scratch locals.
    fn site(&mut self, kind: SiteKind, children: Vec<Repr>) -> u32 {
        self.scratch = self.scratch.max(children.len());
        self.sites.push(Site { kind, children });
        (self.sites.len() - 1) as u32
    }

    // ---- Statements ---------------------------------------------------------------

    fn block(&mut self, block: &Block) {
        for stmt in block {
            self.stmt(stmt);
        }
    }

    fn stmt(&mut self, stmt: &Stmt) {
        if let Some((_, entry)) =
            (self.general.iter()).find(|(known, _)| std::ptr::eq(*known, stmt))
        {
            let entry = *entry;
            if self.bail.is_some() {
                // The fast version: this statement's slow paths leave for
                // its start in the general one.
                self.bail = Some(entry);
                self.dirty = false;
            } else {
                // The general version: this statement starts at its entry.
                self.b.ins().jump(entry, &[]);
                self.b.switch_to_block(entry);
            }
        }
        match stmt {
            Stmt::Set { local, value } => {
                let value = self.expr(value);
                self.def(*local, value);
            }
            Stmt::Require { condition, reason } => {
                let holds = self.expr(condition).one();
                let (fails, next) = (self.b.create_block(), self.b.create_block());
                if let Some(bail) = self.bail_target() {
                    self.branch_likely(holds, (next, &[]), (bail, &[]));
                    self.b.switch_to_block(next);
                    return;
                }
                self.branch_likely(holds, (next, &[]), (fails, &[]));
                self.switch_to_cold(fails);
                self.stmt_site(&Stmt::Revert {
                    reason: reason.clone(),
                });
                self.b.ins().jump(self.fail, &[]);
                self.b.switch_to_block(next);
            }
            Stmt::If { arms, otherwise } => {
                let merge = self.b.create_block();
                for (condition, body) in arms {
                    let holds = self.expr(condition).one();
                    let (then, next) = (self.b.create_block(), self.b.create_block());
                    self.b.ins().brif(holds, then, &[], next, &[]);
                    self.b.switch_to_block(then);
                    // The next condition is reached without this arm.
                    let (bail, dirty) = (self.bail, self.dirty);
                    self.block(body);
                    (self.bail, self.dirty) = (bail, dirty);
                    self.b.ins().jump(merge, &[]);
                    self.b.switch_to_block(next);
                }
                self.block(otherwise);
                self.b.ins().jump(merge, &[]);
                self.b.switch_to_block(merge);
            }
            Stmt::ForRange {
                local,
                start,
                end,
                body,
            } => self.for_range(*local, start, end, body),
            Stmt::ForEach {
                local,
                mechanism,
                field,
                keys,
                body,
            } => {
                for key in keys {
                    self.expr(key);
                }
                // Only a top-level list field iterates (as in the
                // interpreter); keyed lists are not iterable.
                if keys.is_empty() {
                    self.for_each(*local, *mechanism, *field, body);
                }
            }
            Stmt::ForAgents {
                local,
                population,
                body,
            } => self.for_agents(*local, *population, body),
            Stmt::Return(value) => {
                self.returns.get_or_insert(value.repr);
                let value = self.expr(value);
                let ret = self.ret;
                self.store(value, ret, 0);
                self.leave_with(RETURNED);
                // Whatever follows is unreachable; it still needs a block.
                let dead = self.b.create_block();
                self.b.switch_to_block(dead);
            }
            Stmt::As { account, body } => {
                let account = self.expr(account).one();
                let context = self.context();
                let saved = self.call(self.refs.actor, &[context, account]);
                self.dirty = true;
                self.block(body);
                self.call(self.refs.actor, &[context, saved]);
            }
            Stmt::Store {
                mechanism,
                field,
                keys,
                value,
            } => match self.int_view(*mechanism, *field, keys) {
                Some(view) => {
                    self.store_in_place(stmt, (*mechanism, *field, view), keys.first(), value)
                }
                None => self.stmt_site(stmt),
            },
            Stmt::Call(Call::Token { token, op, args }) if self.chain => {
                self.token_call(*token, *op, args)
            }
            Stmt::Emit { args, .. } => self.emit(stmt, args),
            Stmt::StoreAgent { .. } | Stmt::Push { .. } | Stmt::Revert { .. } | Stmt::Call(_) => {
                self.stmt_site(stmt)
            }
        }
    }

    /// An event: its arguments evaluated (one may fault), then, while
    /// events are not recorded, the world's count of them advanced in place
    /// (logged, where writes are journaled, as `World::emit` journals it);
    /// while they are, the host's (`SiteKind::Emit`), which keeps them.
    fn emit(&mut self, stmt: &Stmt, args: &[Expr]) {
        let values: Vec<Val> = args.iter().map(|arg| self.expr(arg)).collect();
        let context = self.context();
        let recorded = self
            .b
            .ins()
            .load(types::I64, ctx_flags(), context, RECORD_EVENTS);
        let (native, host, done) = (
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
        );
        let quiet = self.b.ins().icmp_imm_u(IntCC::Equal, recorded, 0);
        self.branch_likely(quiet, (native, &[]), (host, &[]));
        self.b.switch_to_block(native);
        let counter = self
            .b
            .ins()
            .load(self.pointer, ctx_flags(), context, EVENTS);
        let count = self.b.ins().load(types::I64, flags(), counter, 0);
        if self.journaled {
            let (log, logged) = (self.b.create_block(), self.b.create_block());
            let unjournaled = self
                .b
                .ins()
                .load(types::I64, ctx_flags(), context, UNJOURNALED);
            self.b.ins().brif(unjournaled, logged, &[], log, &[]);
            self.b.switch_to_block(log);
            let no_key = self.i32(NO_KEY);
            let zero = self.i128(0);
            let old = Val::Int(self.b.ins().uextend(types::I128, count), zero);
            self.log_write(LOGGED_EVENT, (0, 0), no_key, old);
            self.b.ins().jump(logged, &[]);
            self.b.switch_to_block(logged);
        }
        let next = self.b.ins().iadd_imm_u(count, 1);
        let counter = self
            .b
            .ins()
            .load(self.pointer, ctx_flags(), context, EVENTS);
        self.b.ins().store(flags(), next, counter, 0);
        self.dirty = true;
        self.b.ins().jump(done, &[]);
        self.switch_to_cold(host);
        self.stmt_site_with(stmt, &values);
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(done);
    }

    /// A token operation called by chain code: its accounts (the zero
    /// address past them) and amount (zero when it takes none) to the host,
    /// which runs it in place (`host_token`).
    fn token_call(&mut self, token: TokenId, op: TokenOp, args: &[Expr]) {
        let mut accounts = Vec::new();
        let mut amount = None;
        for arg in args {
            match (arg.repr, self.expr(arg)) {
                (Repr::Address, value) => accounts.push(value.one()),
                (_, value) => amount = Some(value),
            }
        }
        let amount = match amount {
            Some(amount) => amount,
            None => self.zero(Repr::Int),
        };
        let done = self.b.create_block();
        if let Some(native) = self.native_transfer(token, op, args, &accounts, amount) {
            // Every check of the in-place path held and it wrote; else the
            // host runs the operation (and reports what failed).
            self.b.ins().jump(done, &[]);
            self.switch_to_cold(native);
        }
        let code = host::TOKEN_OPS
            .iter()
            .position(|known| *known == op)
            .unwrap_or(host::TOKEN_OPS.len()) as u32;
        let token_op = self.i32(token << 8 | code);
        let zero = self.i32(0);
        let (first, second) = (
            accounts.first().copied().unwrap_or(zero),
            accounts.get(1).copied().unwrap_or(zero),
        );
        let buffer = self.spill(&[amount]);
        let context = self.context();
        let status = self.call(self.refs.token, &[context, token_op, first, second, buffer]);
        self.dirty = true;
        self.check(status);
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(done);
    }

    /// The account an argument of chain code surely is, when known at
    /// compile time: a contract, or `self`.
    fn static_account(&self, expr: &Expr) -> Option<u32> {
        match expr.kind {
            ExprKind::Entity(entity) => Some(tok_interp::entity_address(self.program, entity)),
            ExprKind::Env(Env::This) => self
                .mechanism
                .map(|m| tok_interp::entity_address(self.program, Entity::Mechanism(m))),
            _ => None,
        }
    }

    /// `transfer` or `transfer_from` of a token without votes, when no fee
    /// applies (the token has none, or a party is, at compile time, an
    /// account it exempts), in place: with `self` the caller (and the
    /// spender), the checks of the token model, then, if they all hold,
    /// the allowance (one not unlimited, of the owner's first spender),
    /// the sender's balance and the recipient's written in place and
    /// logged as the token model journals them. Returns the block where
    /// any check that does not hold leads, for the host to run the
    /// operation; `None` when the operation is not one of these.
    fn native_transfer(
        &mut self,
        token: TokenId,
        op: TokenOp,
        args: &[Expr],
        accounts: &[ir::Value],
        amount: Val,
    ) -> Option<ir::Block> {
        let this = self.static_account(&Expr {
            kind: ExprKind::Env(Env::This),
            repr: Repr::Address,
        })?;
        let definition = self.program.tokens.get(token as usize)?;
        let parties: Vec<&Expr> = args.iter().filter(|a| a.repr == Repr::Address).collect();
        let (from, to, spender) = match (op, accounts) {
            (TokenOp::Transfer, [to]) => (self.i32(this), *to, None),
            (TokenOp::TransferFrom, [from, to]) => (*from, *to, Some(this)),
            _ => return None,
        };
        let exempt: Vec<u32> = (definition.fee_exempt.iter())
            .filter_map(|e| self.static_account(e))
            .collect();
        let sender_exempt = op == TokenOp::Transfer && exempt.contains(&this);
        let party_exempt =
            (parties.iter()).any(|p| self.static_account(p).is_some_and(|a| exempt.contains(&a)));
        let fee_free = definition.transfer_fee.is_none() || sender_exempt || party_exempt;
        if definition.votes || !fee_free {
            return None;
        }
        let balances = self.view(ViewSource::Balances(token))?;
        // Only a pausable token can be paused (the checker rejects `pause`
        // on any other).
        let paused = match definition.pausable {
            true => Some(self.view(ViewSource::Paused(token))?),
            false => None,
        };
        let allowances = match spender {
            Some(_) => Some(self.view(ViewSource::Allowances(token))?),
            None => None,
        };
        let host = self.b.create_block();
        let guard = |l: &mut Self, condition: ir::Value| {
            let next = l.b.create_block();
            l.branch_likely(condition, (next, &[]), (host, &[]));
            l.b.switch_to_block(next);
        };
        let zero = self.i128(0);
        let (amount, amount_high) = amount.halves(zero);
        // Not paused; both parties named and distinct; an amount below
        // 2^128.
        let running = match paused {
            Some(paused) => {
                let (flag, _) = self.view_at(paused);
                let flag = self.b.ins().load(types::I8, flags(), flag, 0);
                self.b.ins().icmp_imm_u(IntCC::Equal, flag, 0)
            }
            None => self.b.ins().iconst(types::I8, 1),
        };
        let sender = self.b.ins().icmp_imm_u(IntCC::NotEqual, from, 0);
        let recipient = self.b.ins().icmp_imm_u(IntCC::NotEqual, to, 0);
        let distinct = self.b.ins().icmp(IntCC::NotEqual, from, to);
        let narrow = self.is_zero(amount_high);
        let checks = [running, sender, recipient, distinct, narrow];
        let all = checks[1..]
            .iter()
            .fold(checks[0], |all, check| self.b.ins().band(all, *check));
        guard(self, all);
        // The allowance: the owner's first spender's, not unlimited, enough.
        let from_index = self.b.ins().uextend(types::I64, from);
        let allowance = match (allowances, spender) {
            (Some(view), Some(spender)) => {
                let (items, len) = self.view_at(view);
                let inside = self.b.ins().icmp(IntCC::UnsignedLessThan, from_index, len);
                guard(self, inside);
                let offset = self.b.ins().imul_imm_u(from_index, ALLOWANCE_BYTES);
                let entry = self.b.ins().iadd(items, offset);
                let first = self.b.ins().load(types::I32, flags(), entry, 0);
                let same = self
                    .b
                    .ins()
                    .icmp_imm_u(IntCC::Equal, first, i64::from(spender));
                let words: Vec<ir::Value> = (0..4)
                    .map(|word| {
                        let at = ALLOWANCE_AMOUNT + 8 * word;
                        self.b.ins().load(types::I64, flags(), entry, at)
                    })
                    .collect();
                let high = self.b.ins().bor(words[2], words[3]);
                let limited = self.b.ins().icmp_imm_u(IntCC::Equal, high, 0);
                let current = self.b.ins().iconcat(words[0], words[1]);
                let enough = self
                    .b
                    .ins()
                    .icmp(IntCC::UnsignedGreaterThanOrEqual, current, amount);
                let ok = self.b.ins().band(same, limited);
                let ok = self.b.ins().band(ok, enough);
                guard(self, ok);
                Some((entry, current))
            }
            _ => None,
        };
        // The balances: the sender's, enough; the recipient's, below 2^128.
        let (items, len) = self.view_at(balances);
        let to_index = self.b.ins().uextend(types::I64, to);
        let both = self.b.ins().umax(from_index, to_index);
        let inside = self.b.ins().icmp(IntCC::UnsignedLessThan, both, len);
        guard(self, inside);
        let slot = |l: &mut Self, index: ir::Value| {
            let offset = l.b.ins().imul_imm_u(index, i64::from(SLOT));
            l.b.ins().iadd(items, offset)
        };
        let (from_slot, to_slot) = (slot(self, from_index), slot(self, to_index));
        let from_balance = self.load(Repr::Int, from_slot, 0);
        let to_balance = self.load(Repr::Int, to_slot, 0);
        let (from_low, from_high) = from_balance.halves(zero);
        let (to_low, to_high) = to_balance.halves(zero);
        let highs = self.b.ins().bor(from_high, to_high);
        let narrow = self.is_zero(highs);
        let enough = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, from_low, amount);
        let ok = self.b.ins().band(narrow, enough);
        guard(self, ok);
        // The writes, logged in the token model's order: the allowance,
        // then the sender's balance, then the recipient's.
        if self.journaled {
            let (log, logged) = (self.b.create_block(), self.b.create_block());
            let context = self.context();
            let unjournaled = self
                .b
                .ins()
                .load(types::I64, ctx_flags(), context, UNJOURNALED);
            self.b.ins().brif(unjournaled, logged, &[], log, &[]);
            self.b.switch_to_block(log);
            if let (Some((_, current)), Some(spender)) = (allowance, spender) {
                let old = Val::Int(current, zero);
                self.log_write(LOGGED_ALLOWANCE, (token, spender), from, old);
            }
            self.log_write(LOGGED_BALANCE, (token, 0), from, from_balance);
            self.log_write(LOGGED_BALANCE, (token, 0), to, to_balance);
            self.b.ins().jump(logged, &[]);
            self.b.switch_to_block(logged);
        }
        if let Some((entry, current)) = allowance {
            let left = self.b.ins().isub(current, amount);
            let (low, high) = self.b.ins().isplit(left);
            self.b.ins().store(flags(), low, entry, ALLOWANCE_AMOUNT);
            self.b
                .ins()
                .store(flags(), high, entry, ALLOWANCE_AMOUNT + 8);
        }
        let sent = self.b.ins().isub(from_low, amount);
        self.store(Val::Int(sent, zero), from_slot, 0);
        let received = self.b.ins().iadd(to_low, amount);
        let carry = self.b.ins().icmp(IntCC::UnsignedLessThan, received, to_low);
        let carry = self.b.ins().uextend(types::I128, carry);
        self.store(Val::Int(received, carry), to_slot, 0);
        self.dirty = true;
        Some(host)
    }

    fn stmt_site(&mut self, stmt: &Stmt) {
        let mut synthetic = stmt.clone();
        let children = replace_children(stmt_children(&mut synthetic), self.base);
        let values: Vec<Val> = children.iter().map(|child| self.expr(child)).collect();
        self.stmt_site_with(stmt, &values);
    }

    /// A statement site whose operands are already evaluated.
    fn stmt_site_with(&mut self, stmt: &Stmt, values: &[Val]) {
        let mut synthetic = stmt.clone();
        let children = replace_children(stmt_children(&mut synthetic), self.base);
        let reprs: Vec<Repr> = children.iter().map(|child| child.repr).collect();
        let kind = match stmt {
            Stmt::Store {
                mechanism,
                field,
                keys,
                ..
            } if keys.len() <= 1 => SiteKind::Store {
                mechanism: *mechanism,
                field: *field,
            },
            Stmt::Call(Call::Action {
                mechanism, action, ..
            }) => SiteKind::Call(CallTarget::Action {
                mechanism: *mechanism,
                action: *action,
            }),
            Stmt::Call(Call::Token { token, op, .. }) => SiteKind::Call(CallTarget::Token {
                token: *token,
                op: *op,
            }),
            Stmt::Emit { event, .. } => SiteKind::Emit(*event),
            _ => SiteKind::Stmt(synthetic),
        };
        let call = match kind {
            SiteKind::Call(target) => Some(target),
            _ => None,
        };
        let ints = (reprs.iter().enumerate())
            .filter(|(_, repr)| **repr == Repr::Int)
            .fold(0u8, |mask, (index, _)| mask | 1 << index);
        let typed = reprs.len() <= 8
            && (reprs.iter()).all(|repr| matches!(repr, Repr::Int | Repr::Address));
        let count = reprs.len() as u8;
        let site = self.site(kind, reprs);
        // A call passes its index among the body's calls, other statements
        // their site's.
        let (host, index) = match call {
            Some(target) => {
                self.calls.push(CallSite {
                    target,
                    site,
                    count,
                    ints,
                    typed,
                });
                (self.refs.call, self.calls.len() as u32 - 1)
            }
            None => (self.refs.stmt, site),
        };
        let buffer = self.spill(values);
        let (context, index) = (self.context(), self.i32(index));
        let status = self.call(host, &[context, index, buffer]);
        self.dirty = true;
        self.check(status);
    }

    /// `field[key] = value` (or `field = value` without a key) for an
    /// integer field of `mechanism` read through `view`: in place, with the
    /// field's running sum, when the slot exists (a write past the end of a
    /// map grows it, on the host); the host records the old value in the
    /// journal unless the context says writes are not journaled (an
    /// `every` hook).
    fn store_in_place(
        &mut self,
        stmt: &Stmt,
        (mechanism, field, view): (MechanismId, FieldId, i32),
        key: Option<&Expr>,
        value: &Expr,
    ) {
        // `field[key] = field[key] ± operand` with a key and an operand that
        // read no storage: the slot is read once, as the old value the
        // running sum needs, instead of a second time for the sum.
        let update = match &value.kind {
            ExprKind::Binary { op, lhs, rhs }
                if matches!(op, BinOp::Add | BinOp::Sub)
                    && is_pure(rhs)
                    && key.is_none_or(is_pure)
                    && matches!(&lhs.kind, ExprKind::Load { mechanism: m, field: f, keys }
                        if (*m, *f) == (mechanism, field) && keys.first() == key) =>
            {
                Some((*op, &**rhs))
            }
            _ => None,
        };
        let key = key.map(|key| self.expr(key));
        let written = match update {
            Some((op, operand)) => Written::Update(op, operand),
            None => Written::Value(self.expr(value)),
        };
        // The value to store over the slot's `old` one, and how that moves
        // the running sum.
        let new_value = |l: &mut Self, old: Val| match written {
            Written::Value(value) => (value, SumChange::Replace { old, new: value }),
            Written::Update(op, operand) => {
                let operand = l.expr(operand);
                // Exactly `old ± operand`: an overflow faulted.
                let value = l.binary(op, old, operand);
                let change = match op {
                    BinOp::Add => SumChange::Add(operand),
                    _ => SumChange::Sub(operand),
                };
                (value, change)
            }
        };
        let (items, len) = self.view_at(view);
        let context = self.context();
        let index = match key {
            Some(key) => self.b.ins().uextend(types::I64, key.one()),
            None => self.b.ins().iconst(types::I64, 0),
        };
        let (in_place, site, merge) = (
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
        );
        let bail = self.bail_target();
        // The slot as the fast version read it before on this path (so it
        // is there), or as read now.
        let slot = key.map(|key| Cached::Slot(view, key.one()));
        let known = slot.and_then(|slot| self.cached(slot));
        match known {
            Some(_) => self.continue_in(in_place),
            None => {
                let present = self.b.ins().icmp(IntCC::UnsignedLessThan, index, len);
                self.branch_likely(present, (in_place, &[]), (bail.unwrap_or(site), &[]));
                self.b.switch_to_block(in_place);
            }
        }
        let offset = self.b.ins().imul_imm_u(index, i64::from(SLOT));
        let address = self.b.ins().iadd(items, offset);
        let old = match known {
            Some([low, high]) => Val::Int(low, high),
            None => self.load(Repr::Int, address, 0),
        };
        let (value, change) = new_value(self, old);
        // In a loop's fast version every check comes before the write: the
        // running sum's too.
        let sum = self.running_sum(view, change);
        let checked = match self.bail_target() {
            Some(bail) => {
                let write = self.b.create_block();
                self.branch_likely(sum.narrow, (write, &[]), (bail, &[]));
                self.b.switch_to_block(write);
                true
            }
            None => false,
        };
        self.store(value, address, 0);
        self.dirty = true;
        self.forget_slots(view);
        if let Some(slot) = slot {
            let zero = self.i128(0);
            let (low, high) = value.halves(zero);
            self.remember(slot, [low, high]);
        }
        self.finish_running_sum(sum, change, checked);
        if self.journaled {
            let record = self.b.create_block();
            let unjournaled = self
                .b
                .ins()
                .load(types::I64, ctx_flags(), context, UNJOURNALED);
            self.b.ins().brif(unjournaled, merge, &[], record, &[]);
            self.b.switch_to_block(record);
            let key_word = match key {
                Some(key) => key.one(),
                None => self.b.ins().iconst(types::I32, i64::from(NO_KEY)),
            };
            self.log_write(LOGGED_FIELD, (mechanism, field), key_word, old);
            self.b.ins().jump(merge, &[]);
            if bail.is_some() || known.is_some() {
                self.b.switch_to_block(merge);
                return;
            }
        } else if bail.is_some() || known.is_some() {
            self.continue_in(merge);
            return;
        } else {
            self.b.ins().jump(merge, &[]);
        }
        self.switch_to_cold(site);
        // A slot not there yet reads as zero.
        let zero = self.zero(Repr::Int);
        let (value, _) = new_value(self, zero);
        let values: Vec<Val> = key.into_iter().chain([value]).collect();
        self.stmt_site_with(stmt, &values);
        self.b.ins().jump(merge, &[]);
        self.b.switch_to_block(merge);
    }

    /// Logs a write made while writes are journaled (see `host::LogEntry`):
    /// `kind`, the field, the account key (`NO_KEY` for none) and the old
    /// value, appended to the context's undo log, which the host journals
    /// first when it is full.
    fn log_write(&mut self, kind: u32, (mechanism, field): (u32, u32), key: ir::Value, old: Val) {
        let context = self.context();
        let len = self.b.ins().load(types::I64, ctx_flags(), context, LOG_LEN);
        let room = self
            .b
            .ins()
            .icmp_imm_u(IntCC::UnsignedLessThan, len, LOG_ENTRIES as i64);
        let (write, full) = (self.b.create_block(), self.b.create_block());
        self.b.append_block_param(write, types::I64);
        self.branch_likely(room, (write, &[BlockArg::Value(len)]), (full, &[]));
        self.switch_to_cold(full);
        self.call(self.refs.flush, &[context]);
        let empty = self.b.ins().iconst(types::I64, 0);
        self.b.ins().jump(write, &[BlockArg::Value(empty)]);
        self.b.switch_to_block(write);
        let len = self.b.block_params(write)[0];
        let context = self.context();
        let offset = self.b.ins().imul_imm_u(len, i64::from(LOG_ENTRY_BYTES));
        let entry = self.b.ins().iadd(context, offset);
        let entry = self.b.ins().iadd_imm_u(entry, i64::from(LOG));
        for (value, at) in [
            (kind, LOG_KIND),
            (mechanism, LOG_MECHANISM),
            (field, LOG_FIELD),
        ] {
            let value = self.i32(value);
            self.b.ins().store(ctx_flags(), value, entry, at);
        }
        self.b.ins().store(ctx_flags(), key, entry, LOG_KEY);
        let zero = self.i128(0);
        let (low, high) = old.halves(zero);
        self.b.ins().store(ctx_flags(), low, entry, LOG_OLD);
        self.b.ins().store(ctx_flags(), high, entry, LOG_OLD + 16);
        let next = self.b.ins().iadd_imm_u(len, 1);
        self.b.ins().store(ctx_flags(), next, context, LOG_LEN);
    }

    /// Reads view `view`'s running sum (a `Tally`) before one of its terms
    /// changes by `change`, and whether the change is the usual one
    /// (`RunningSum::narrow`); `finish_running_sum` brings it up to date.
    fn running_sum(&mut self, view: i32, change: SumChange) -> RunningSum {
        let address = self.view_sum_at(view);
        let sum = self.load(Repr::Int, address, 0);
        let carries = self.b.ins().load(types::I64, flags(), address, 32);
        // Usually every term is below 2^128 and the sum fits in 256 bits,
        // so it is at least any of its terms and the new sum is below
        // 2^129: no borrow, and a carry only into the high half.
        let zero = self.i128(0);
        let (_, sum_high) = sum.halves(zero);
        let highs = match change {
            SumChange::Replace { old, new } => {
                let highs = self.or128(sum_high, old.halves(zero).1);
                self.or128(highs, new.halves(zero).1)
            }
            SumChange::Add(delta) | SumChange::Sub(delta) => {
                self.or128(sum_high, delta.halves(zero).1)
            }
        };
        let narrow = self.is_zero(highs);
        let exact = self.b.ins().icmp_imm_u(IntCC::Equal, carries, 0);
        let narrow = self.b.ins().band(narrow, exact);
        RunningSum {
            address,
            sum,
            carries,
            narrow,
        }
    }

    /// Brings a running sum read by `running_sum` up to date after its
    /// term changed by `change`, counting wraps past 2^256 in `carries` as
    /// `Tally::replace` does: the same sum and count, as the exact sum has
    /// one such form. `checked`: the change is known to be the usual one.
    fn finish_running_sum(&mut self, running: RunningSum, change: SumChange, checked: bool) {
        let RunningSum {
            address: sum_address,
            sum,
            carries,
            narrow,
        } = running;
        let zero = self.i128(0);
        let (sum_low, _) = sum.halves(zero);
        let (short, general, summed) = (
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
        );
        if checked {
            self.continue_in(short);
        } else {
            self.branch_likely(narrow, (short, &[]), (general, &[]));
            self.b.switch_to_block(short);
        }
        let (low, high) = match change {
            SumChange::Replace { old, new } => {
                let rest = self.b.ins().isub(sum_low, old.halves(zero).0);
                let low = self.b.ins().iadd(rest, new.halves(zero).0);
                let carry = self.b.ins().icmp(IntCC::UnsignedLessThan, low, rest);
                (low, self.b.ins().uextend(types::I128, carry))
            }
            SumChange::Add(delta) => {
                let low = self.b.ins().iadd(sum_low, delta.halves(zero).0);
                let carry = self.b.ins().icmp(IntCC::UnsignedLessThan, low, sum_low);
                (low, self.b.ins().uextend(types::I128, carry))
            }
            // The exact sum is at least the term that lost `delta`.
            SumChange::Sub(delta) => (self.b.ins().isub(sum_low, delta.halves(zero).0), zero),
        };
        self.store(Val::Int(low, high), sum_address, 0);
        if checked {
            self.continue_in(summed);
            return;
        }
        self.b.ins().jump(summed, &[]);
        self.switch_to_cold(general);
        let (total, carries) = match change {
            SumChange::Replace { old, new } => {
                let (difference, borrow) = self.sub_wrapping(sum, old);
                let (total, carry) = self.add_wrapping(difference, new);
                let carry = self.b.ins().uextend(types::I64, carry);
                let borrow = self.b.ins().uextend(types::I64, borrow);
                let carries = self.b.ins().iadd(carries, carry);
                (total, self.b.ins().isub(carries, borrow))
            }
            SumChange::Add(delta) => {
                let (total, carry) = self.add_wrapping(sum, delta);
                let carry = self.b.ins().uextend(types::I64, carry);
                (total, self.b.ins().iadd(carries, carry))
            }
            SumChange::Sub(delta) => {
                let (total, borrow) = self.sub_wrapping(sum, delta);
                let borrow = self.b.ins().uextend(types::I64, borrow);
                (total, self.b.ins().isub(carries, borrow))
            }
        };
        self.store(total, sum_address, 0);
        self.b.ins().store(flags(), carries, sum_address, 32);
        self.b.ins().jump(summed, &[]);
        self.b.switch_to_block(summed);
    }

    /// `a + b` modulo 2^256 and whether it wrapped.
    fn add_wrapping(&mut self, a: Val, b: Val) -> (Val, ir::Value) {
        let zero = self.i128(0);
        let ((al, ah), (bl, bh)) = (a.halves(zero), b.halves(zero));
        let (low, low_carry) = self.b.ins().uadd_overflow(al, bl);
        let (high, high_carry) = self.b.ins().uadd_overflow(ah, bh);
        let carry_in = self.b.ins().uextend(types::I128, low_carry);
        let (high_total, carry_out) = self.b.ins().uadd_overflow(high, carry_in);
        let carry = self.b.ins().bor(high_carry, carry_out);
        (Val::Int(low, high_total), carry)
    }

    /// `a - b` modulo 2^256 and whether it wrapped.
    fn sub_wrapping(&mut self, a: Val, b: Val) -> (Val, ir::Value) {
        let zero = self.i128(0);
        let ((al, ah), (bl, bh)) = (a.halves(zero), b.halves(zero));
        let (low, low_borrow) = self.b.ins().usub_overflow(al, bl);
        let (high, high_borrow) = self.b.ins().usub_overflow(ah, bh);
        let borrow_in = self.b.ins().uextend(types::I128, low_borrow);
        let (high_total, borrow_out) = self.b.ins().usub_overflow(high, borrow_in);
        let borrow = self.b.ins().bor(high_borrow, borrow_out);
        (Val::Int(low, high_total), borrow)
    }

    fn for_range(&mut self, local: LocalId, start: &Expr, end: &Expr, body: &Block) {
        let start = self.expr(start);
        let end = self.expr(end);
        let zero = self.i128(0);
        let (end_low, end_high) = end.halves(zero);
        let (low, high) = (
            self.b.declare_var(types::I128),
            self.b.declare_var(types::I128),
        );
        let (start_low, start_high) = start.halves(zero);
        self.b.def_var(low, start_low);
        self.b.def_var(high, start_high);
        let (header, inner, exit) = (
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
        );
        self.b.ins().jump(header, &[]);
        self.b.switch_to_block(header);
        let index = Val::Int(self.b.use_var(low), self.b.use_var(high));
        let more = self.less(index, Val::Int(end_low, end_high));
        self.branch_likely(more, (inner, &[]), (exit, &[]));
        self.b.switch_to_block(inner);
        self.def(local, index);
        self.block(body);
        // The index is below `end`, so adding one cannot overflow.
        let (l, h) = index.halves(zero);
        let one = self.i128(1);
        let next_low = self.b.ins().iadd(l, one);
        let wrapped = self.is_zero(next_low);
        let carry = self.b.ins().uextend(types::I128, wrapped);
        let next_high = self.b.ins().iadd(h, carry);
        self.b.def_var(low, next_low);
        self.b.def_var(high, next_high);
        self.b.ins().jump(header, &[]);
        self.b.switch_to_block(exit);
    }

    /// `for index in 0..count`, `count` an integer of type `ty`; `body`
    /// lowers one iteration given the index.
    fn counted_loop(
        &mut self,
        ty: ir::Type,
        count: ir::Value,
        body: impl FnOnce(&mut Self, ir::Value),
    ) {
        let counter = self.b.declare_var(ty);
        let zero = self.b.ins().iconst(ty, 0);
        self.b.def_var(counter, zero);
        let (header, inner, exit) = (
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
        );
        self.b.ins().jump(header, &[]);
        self.b.switch_to_block(header);
        let index = self.b.use_var(counter);
        let more = self.b.ins().icmp(IntCC::UnsignedLessThan, index, count);
        self.branch_likely(more, (inner, &[]), (exit, &[]));
        self.b.switch_to_block(inner);
        body(self, index);
        let next = self.b.ins().iadd_imm_u(index, 1);
        self.b.def_var(counter, next);
        self.b.ins().jump(header, &[]);
        self.b.switch_to_block(exit);
    }

    fn for_each(&mut self, local: LocalId, mechanism: MechanismId, field: FieldId, body: &Block) {
        let context = self.context();
        let (m, f) = (self.i32(mechanism), self.i32(field));
        let length = self.call(self.refs.list_open, &[context, m, f]);
        let shape = &self.program.mechanisms[mechanism as usize].fields[field as usize].shape;
        let view = match shape {
            Shape::List(Repr::Address) => self.view(ViewSource::Field { mechanism, field }),
            _ => None,
        };
        // The columns the body writes at the item, read ahead of the loop.
        let ahead: Vec<i32> = match view {
            Some(_) => keyed_stores(body, local)
                .filter_map(|(mechanism, field, keys)| self.int_view(mechanism, field, keys))
                .collect(),
            None => Vec::new(),
        };
        // Whether a column is larger than the cache holds, so that reading
        // ahead is worth it: decided once, before the loop (a column that
        // grows past the size in the loop is not read ahead; a hint only).
        let large = (!ahead.is_empty()).then(|| {
            let mut large = self.b.ins().iconst(types::I8, 0);
            for column in &ahead {
                let (_, count) = self.view_at(*column);
                let over =
                    self.b
                        .ins()
                        .icmp_imm_u(IntCC::UnsignedGreaterThan, count, PREFETCH_SLOTS);
                large = self.b.ins().bor(large, over);
            }
            large
        });
        let shared = shared_ratio(body, local).map(|shared| {
            let (kept, fixed) = self.keep_ratio(shared.numerator, shared.whole, length);
            Shared {
                division: shared.division,
                kept,
                fixed,
            }
        });
        let outer = std::mem::replace(&mut self.shared, shared);
        self.counted_loop(types::I64, length, |l, index| {
            let repr = l.reprs[local as usize];
            // Item `index` from the host.
            let list_item = |l: &mut Self| {
                let out = l.buffer(1);
                let context = l.context();
                let status = l.call(l.refs.list_item, &[context, m, f, index, out]);
                l.check(status);
                l.load(repr, out, 0)
            };
            if let (Some(view), Some(large)) = (view, large) {
                l.prefetch_ahead(view, index, &ahead, large);
            }
            let item = match view {
                // The item in place while the list still has it; the host
                // reports a list that shrank.
                Some(view) => {
                    let (items, len) = l.view_at(view);
                    let (read, shrank, next) =
                        (l.b.create_block(), l.b.create_block(), l.b.create_block());
                    l.b.append_block_param(next, types::I32);
                    let present = l.b.ins().icmp(IntCC::UnsignedLessThan, index, len);
                    l.branch_likely(present, (read, &[]), (shrank, &[]));
                    l.switch_to_cold(shrank);
                    let account = list_item(l).one();
                    l.b.ins().jump(next, &[BlockArg::Value(account)]);
                    l.b.switch_to_block(read);
                    let offset = l.b.ins().imul_imm_u(index, 4);
                    let address = l.b.ins().iadd(items, offset);
                    let account = l.b.ins().load(types::I32, flags(), address, 0);
                    l.b.ins().jump(next, &[BlockArg::Value(account)]);
                    l.b.switch_to_block(next);
                    Val::One(l.b.block_params(next)[0])
                }
                None => list_item(l),
            };
            l.def(local, item);
            l.versioned_block(body);
        });
        self.shared = outer;
    }

    /// Asks for the slots, in the columns of `columns`, of the account
    /// `PREFETCH_DISTANCE` items after `index` in the account list `list`,
    /// when one of them is `large`.
    fn prefetch_ahead(&mut self, list: i32, index: ir::Value, columns: &[i32], large: ir::Value) {
        let (look, present, done) = (
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
        );
        self.b.ins().brif(large, look, &[], done, &[]);
        // Laid out apart: for a list long enough to need it, the jump there
        // and back costs little beside the misses it saves.
        self.switch_to_cold(look);
        let (items, len) = self.view_at(list);
        let ahead = self.b.ins().iadd_imm_u(index, PREFETCH_DISTANCE);
        let inside = self.b.ins().icmp(IntCC::UnsignedLessThan, ahead, len);
        self.b.ins().brif(inside, present, &[], done, &[]);
        self.b.switch_to_block(present);
        let offset = self.b.ins().imul_imm_u(ahead, 4);
        let address = self.b.ins().iadd(items, offset);
        let account = self.b.ins().load(types::I32, flags(), address, 0);
        let account = self.b.ins().uextend(types::I64, account);
        for column in columns {
            let (slots, count) = self.view_at(*column);
            let next = self.b.create_block();
            let fetch = self.b.create_block();
            let inside = self.b.ins().icmp(IntCC::UnsignedLessThan, account, count);
            self.b.ins().brif(inside, fetch, &[], next, &[]);
            self.b.switch_to_block(fetch);
            let offset = self.b.ins().imul_imm_u(account, i64::from(SLOT));
            let slot = self.b.ins().iadd(slots, offset);
            self.b.ins().call(self.refs.prefetch, &[slot]);
            self.b.ins().jump(next, &[]);
            self.b.switch_to_block(next);
        }
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(done);
    }

    /// `sum(field)` from the running sum of an account-keyed integer map's
    /// view; a sum that does not fit in 256 bits (a nonzero carry count)
    /// goes to the host, which faults as the interpreter does.
    fn view_sum(&mut self, view: i32, expr: &Expr) -> Val {
        let sum = self.view_sum_at(view);
        let (present, read, host) = (
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
        );
        let join = self.int_join();
        let bail = self.bail_target();
        self.branch_likely(sum, (present, &[]), (bail.unwrap_or(host), &[]));
        self.b.switch_to_block(present);
        let carries = self.b.ins().load(types::I64, flags(), sum, 32);
        let fits = self.b.ins().icmp_imm_u(IntCC::Equal, carries, 0);
        self.branch_likely(fits, (read, &[]), (bail.unwrap_or(host), &[]));
        self.b.switch_to_block(read);
        let low = self.b.ins().load(types::I128, flags(), sum, 0);
        let high = self.b.ins().load(types::I128, flags(), sum, 16);
        if bail.is_some() {
            return Val::Int(low, high);
        }
        self.jump_int(join, low, high);
        self.switch_to_cold(host);
        let zero = self.i128(0);
        let (low, high) = self.expr_site(expr).halves(zero);
        self.jump_int(join, low, high);
        self.joined_int(join)
    }

    /// A block joining paths that each bring an integer (two `i128`s).
    fn int_join(&mut self) -> ir::Block {
        let join = self.b.create_block();
        self.b.append_block_param(join, types::I128);
        self.b.append_block_param(join, types::I128);
        join
    }

    fn jump_int(&mut self, join: ir::Block, low: ir::Value, high: ir::Value) {
        self.b
            .ins()
            .jump(join, &[BlockArg::Value(low), BlockArg::Value(high)]);
    }

    /// Continues at `join` (from `int_join`), with its integer.
    fn joined_int(&mut self, join: ir::Block) -> Val {
        self.b.switch_to_block(join);
        let params = self.b.block_params(join);
        Val::Int(params[0], params[1])
    }

    /// The view for `field[key]` of an account-keyed integer map, or for
    /// `field` of an integer field (`keys` empty): both read and written in
    /// place, item `key` or item 0.
    fn int_view(&mut self, mechanism: MechanismId, field: FieldId, keys: &[Expr]) -> Option<i32> {
        let shape = &self.program.mechanisms[mechanism as usize].fields[field as usize].shape;
        let viewed = match keys.len() {
            0 => *shape == Shape::Scalar(Repr::Int),
            1 => is_account_int_map(shape),
            _ => false,
        };
        if !viewed {
            return None;
        }
        self.view(ViewSource::Field { mechanism, field })
    }

    /// The index of the view of `source`, `None` when views are off or all
    /// are taken.
    fn view(&mut self, source: ViewSource) -> Option<i32> {
        if !self.inline_storage {
            return None;
        }
        let index = match self.views.iter().position(|v| *v == source) {
            Some(index) => index,
            None if self.views.len() < MAX_VIEWS => {
                self.views.push(source);
                self.views.len() - 1
            }
            None => return None,
        };
        Some(index as i32)
    }

    /// The items address and length of view `view`, read from the context.
    fn view_at(&mut self, view: i32) -> (ir::Value, ir::Value) {
        if let Some([items, len]) = self.cached(Cached::View(view)) {
            return (items, len);
        }
        let context = self.context();
        let offset = view * VIEW_BYTES;
        let items = self
            .b
            .ins()
            .load(self.pointer, ctx_flags(), context, offset);
        let len = self
            .b
            .ins()
            .load(types::I64, ctx_flags(), context, offset + 8);
        self.remember(Cached::View(view), [items, len]);
        (items, len)
    }

    /// The address of view `view`'s running sum (a `Tally`; null but for
    /// integer fields and maps), read from the context.
    fn view_sum_at(&mut self, view: i32) -> ir::Value {
        if let Some([sum, _]) = self.cached(Cached::Sum(view)) {
            return sum;
        }
        let context = self.context();
        let sum = self
            .b
            .ins()
            .load(self.pointer, ctx_flags(), context, view * VIEW_BYTES + 16);
        self.remember(Cached::Sum(view), [sum, sum]);
        sum
    }

    /// Integer item `account` of view `view`: zero past the end (a missing
    /// entry reads as zero).
    fn view_int(&mut self, view: i32, account: ir::Value) -> Val {
        // Read before on this path (so inside the view, which cannot have
        // shrunk since), and not written since.
        if let Some([low, high]) = self.cached(Cached::Slot(view, account)) {
            return Val::Int(low, high);
        }
        let (items, len) = self.view_at(view);
        let index = self.b.ins().uextend(types::I64, account);
        let (read, absent) = (self.b.create_block(), self.b.create_block());
        let join = self.int_join();
        let present = self.b.ins().icmp(IntCC::UnsignedLessThan, index, len);
        let bail = self.bail_target();
        self.branch_likely(present, (read, &[]), (bail.unwrap_or(absent), &[]));
        self.b.switch_to_block(read);
        let offset = self.b.ins().imul_imm_u(index, i64::from(SLOT));
        let address = self.b.ins().iadd(items, offset);
        let low = self.b.ins().load(types::I128, flags(), address, 0);
        let high = self.b.ins().load(types::I128, flags(), address, 16);
        if bail.is_some() {
            self.remember(Cached::Slot(view, account), [low, high]);
            return Val::Int(low, high);
        }
        self.jump_int(join, low, high);
        self.switch_to_cold(absent);
        let zero = self.i128(0);
        self.jump_int(join, zero, zero);
        self.joined_int(join)
    }

    /// The view of an account-keyed map of flags read at one key, if
    /// views are on and one is free.
    fn flag_view(&mut self, mechanism: MechanismId, field: FieldId, keys: &[Expr]) -> Option<i32> {
        let shape = &self.program.mechanisms[mechanism as usize].fields[field as usize].shape;
        let flags_map = matches!(shape, Shape::Map(Repr::Address, value)
            if **value == Shape::Scalar(Repr::Bool));
        if !flags_map || keys.len() != 1 {
            return None;
        }
        self.view(ViewSource::Field { mechanism, field })
    }

    /// Flag `account` of view `view` (a byte each): false past the end,
    /// as the map reads there.
    fn view_flag(&mut self, view: i32, account: ir::Value) -> Val {
        let (items, len) = self.view_at(view);
        let index = self.b.ins().uextend(types::I64, account);
        let inside = self.b.ins().icmp(IntCC::UnsignedLessThan, index, len);
        let (read, done) = (self.b.create_block(), self.b.create_block());
        self.b.append_block_param(done, types::I8);
        let no = self.b.ins().iconst(types::I8, 0);
        if let Some(bail) = self.bail_target() {
            self.branch_likely(inside, (read, &[]), (bail, &[]));
            self.b.switch_to_block(read);
            let address = self.b.ins().iadd(items, index);
            return Val::One(self.b.ins().load(types::I8, flags(), address, 0));
        }
        self.branch_likely(inside, (read, &[]), (done, &[BlockArg::Value(no)]));
        self.b.switch_to_block(read);
        let address = self.b.ins().iadd(items, index);
        let flag = self.b.ins().load(types::I8, flags(), address, 0);
        self.b.ins().jump(done, &[BlockArg::Value(flag)]);
        self.b.switch_to_block(done);
        Val::One(self.b.block_params(done)[0])
    }

    /// The first account of `population` and its size (`i32`s): from the
    /// host, or as read in the first block (the agent loop reads its own
    /// there).
    fn population(&mut self, population: PopulationId) -> (ir::Value, ir::Value) {
        if let Some((_, known)) = self.populations.iter().find(|(p, _)| *p == population) {
            return *known;
        }
        let context = self.context();
        let p = self.i32(population);
        let packed = self.call(self.refs.agents, &[context, p]);
        let count = self.b.ins().ireduce(types::I32, packed);
        let shifted = self.b.ins().ushr_imm_u(packed, 32);
        let base = self.b.ins().ireduce(types::I32, shifted);
        if self.b.current_block() == Some(self.entry) {
            self.populations.push((population, (base, count)));
        }
        (base, count)
    }

    fn for_agents(&mut self, local: LocalId, population: PopulationId, body: &Block) {
        let (base, count) = self.population(population);
        self.counted_loop(types::I32, count, |l, index| {
            let agent = l.b.ins().iadd(base, index);
            l.def(local, Val::One(agent));
            l.block(body);
        });
    }

    // ---- Expressions --------------------------------------------------------------

    fn expr(&mut self, expr: &Expr) -> Val {
        match &expr.kind {
            ExprKind::Int(value) => self.int(*value),
            ExprKind::Float(value) => Val::One(self.b.ins().f64const(*value)),
            ExprKind::Bool(value) => Val::One(self.b.ins().iconst(types::I8, i64::from(*value))),
            ExprKind::Local(local) => self.use_local(*local),
            // Constant for a whole body: read from the header `host::call`
            // fills (this, caller, agent index, now, step).
            ExprKind::Env(env) => {
                let args = self.args;
                let header = |l: &mut Self, ty: ir::Type, offset: i32| {
                    l.b.ins().load(ty, header_flags(), args, offset)
                };
                let widen = |l: &mut Self, value: ir::Value| {
                    let zero = l.i128(0);
                    Val::Int(l.b.ins().uextend(types::I128, value), zero)
                };
                match (env, self.agent) {
                    // In an agent loop, the running agent's.
                    (Env::This, Some(turn)) => Val::One(turn.this),
                    (Env::AgentIndex, Some(turn)) => widen(self, turn.index),
                    (Env::This, None) => Val::One(header(self, types::I32, HEADER_THIS)),
                    (Env::Caller, _) => Val::One(header(self, types::I32, HEADER_CALLER)),
                    (Env::AgentIndex, None) => {
                        let index = header(self, types::I32, HEADER_AGENT);
                        widen(self, index)
                    }
                    (Env::Now, _) => {
                        let now = header(self, types::I64, HEADER_NOW);
                        widen(self, now)
                    }
                    (Env::Step, _) => {
                        let step = header(self, types::I64, HEADER_STEP);
                        widen(self, step)
                    }
                    (Env::Deployed, _) => self.int(U256::from(tok_interp::GENESIS)),
                }
            }
            ExprKind::Entity(entity) => Val::One(self.b.ins().iconst(
                types::I32,
                i64::from(tok_interp::entity_address(self.program, *entity)),
            )),
            ExprKind::Binary { op, lhs, rhs } => {
                let a = self.expr(lhs);
                match (op, &rhs.kind) {
                    (BinOp::Div | BinOp::Rem, ExprKind::Int(divisor))
                        if *divisor > U256::ZERO && *divisor <= U256::from(u64::MAX) =>
                    {
                        self.divide_by_constant(*op, a, divisor.as_u64())
                    }
                    _ => {
                        let b = self.expr(rhs);
                        self.binary(*op, a, b)
                    }
                }
            }
            ExprKind::MulDiv(a, b, c) => {
                // The share of a pro-rata loop is `mul_div(part, x, whole)`
                // with `part / whole` fixed: the operand that looks fixed
                // goes first, to be the ratio's numerator.
                let swap = ratio_swaps(a, b);
                match self.shared {
                    Some(shared) if std::ptr::eq(shared.division, expr) => {
                        let part = self.expr(if swap { a } else { b });
                        self.mul_div_shared(part, swap, shared)
                    }
                    _ => {
                        let values = [self.expr(a), self.expr(b), self.expr(c)];
                        self.mul_div(values, swap)
                    }
                }
            }
            ExprKind::Compare { op, lhs, rhs } => {
                let a = self.expr(lhs);
                let b = self.expr(rhs);
                Val::One(self.compare(*op, lhs.repr, a, b))
            }
            ExprKind::And(items) => self.logic(items, false),
            ExprKind::Or(items) => self.logic(items, true),
            ExprKind::Not(inner) => {
                let value = self.expr(inner).one();
                Val::One(self.b.ins().bxor_imm_u(value, 1))
            }
            ExprKind::Neg(inner) => {
                let value = self.expr(inner).one();
                Val::One(self.b.ins().fneg(value))
            }
            ExprKind::ToFloat { value, scale } => {
                let value = self.expr(value);
                let buffer = self.spill(&[value]);
                let scale = self.b.ins().f64const(*scale);
                Val::One(self.call(self.refs.to_float, &[buffer, scale]))
            }
            ExprKind::Load {
                mechanism,
                field,
                keys,
            } => match self.int_view(*mechanism, *field, keys) {
                Some(view) => {
                    let item = match keys.first() {
                        Some(account) => self.expr(account).one(),
                        None => self.b.ins().iconst(types::I32, 0),
                    };
                    self.view_int(view, item)
                }
                None => match self.flag_view(*mechanism, *field, keys) {
                    Some(view) => {
                        let account = self.expr(&keys[0]).one();
                        self.view_flag(view, account)
                    }
                    None => self.expr_site(expr),
                },
            },
            ExprKind::Sum { mechanism, field } => {
                let shape =
                    &self.program.mechanisms[*mechanism as usize].fields[*field as usize].shape;
                let view = if is_account_int_map(shape) {
                    self.view(ViewSource::Field {
                        mechanism: *mechanism,
                        field: *field,
                    })
                } else {
                    None
                };
                match view {
                    Some(view) => self.view_sum(view, expr),
                    None => self.expr_site(expr),
                }
            }
            ExprKind::TokenRead {
                token,
                read: TokenRead::Balance,
                args,
            } if args.len() == 1 => match self.view(ViewSource::Balances(*token)) {
                Some(view) => {
                    let account = self.expr(&args[0]).one();
                    self.view_int(view, account)
                }
                None => self.expr_site(expr),
            },
            ExprKind::Uniform => Val::One(self.uniform()),
            ExprKind::Param(param) if expr.repr == Repr::Int => {
                match self.view(ViewSource::Param(*param)) {
                    Some(view) => {
                        let first = self.b.ins().iconst(types::I32, 0);
                        self.view_int(view, first)
                    }
                    None => self.expr_site(expr),
                }
            }
            ExprKind::Agent { population, index } => {
                let index = self.expr(index);
                self.agent(*population, index, expr)
            }
            _ => self.expr_site(expr),
        }
    }

    /// Agent `index` of `population` (`expr`): its account when the index
    /// is below the population's size, else the host (which reverts).
    fn agent(&mut self, population: PopulationId, index: Val, expr: &Expr) -> Val {
        let zero = self.i128(0);
        let (low, high) = index.halves(zero);
        let (base, count) = self.population(population);
        let count = self.b.ins().uextend(types::I128, count);
        let narrow = self.is_zero(high);
        let inside = self.b.ins().icmp(IntCC::UnsignedLessThan, low, count);
        let inside = self.b.ins().band(narrow, inside);
        let (present, absent, join) = (
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
        );
        self.b.append_block_param(join, types::I32);
        let bail = self.bail_target();
        self.branch_likely(inside, (present, &[]), (bail.unwrap_or(absent), &[]));
        self.b.switch_to_block(present);
        let offset = self.b.ins().ireduce(types::I32, low);
        let account = self.b.ins().iadd(base, offset);
        if bail.is_some() {
            return Val::One(account);
        }
        self.b.ins().jump(join, &[BlockArg::Value(account)]);
        self.switch_to_cold(absent);
        let reverted = self.expr_site_with(expr, &[index]).one();
        self.b.ins().jump(join, &[BlockArg::Value(reverted)]);
        self.b.switch_to_block(join);
        Val::One(self.b.block_params(join)[0])
    }

    /// `uniform()`: the next draw of the run's SplitMix64 stream, as
    /// `SplitMix64::uniform` makes it, advancing the world's own state.
    fn uniform(&mut self) -> ir::Value {
        let context = self.context();
        let state = self.b.ins().load(self.pointer, ctx_flags(), context, RNG);
        let x = self.b.ins().load(types::I64, flags(), state, 0);
        let x = self.b.ins().iadd_imm_u(x, random::GAMMA as i64);
        self.b.ins().store(flags(), x, state, 0);
        self.dirty = true;
        let mut z = x;
        for (shift, multiplier) in [(30, random::MIX[0]), (27, random::MIX[1])] {
            let shifted = self.b.ins().ushr_imm_u(z, shift);
            let mixed = self.b.ins().bxor(z, shifted);
            z = self.b.ins().imul_imm_u(mixed, multiplier as i64);
        }
        let shifted = self.b.ins().ushr_imm_u(z, 31);
        let z = self.b.ins().bxor(z, shifted);
        // The top 53 bits, exactly representable, times 2^-53.
        let top = self.b.ins().ushr_imm_u(z, 11);
        let float = self.b.ins().fcvt_from_sint(types::F64, top);
        let scale = self.b.ins().f64const(1.0 / 9_007_199_254_740_992.0);
        self.b.ins().fmul(float, scale)
    }

    fn expr_site(&mut self, expr: &Expr) -> Val {
        let mut synthetic = expr.clone();
        let children = replace_children(expr_children(&mut synthetic.kind), self.base);
        let values: Vec<Val> = children.iter().map(|child| self.expr(child)).collect();
        self.expr_site_with(expr, &values)
    }

    /// `expr` as a host site whose operands are `values`, evaluated.
    fn expr_site_with(&mut self, expr: &Expr, values: &[Val]) -> Val {
        let mut synthetic = expr.clone();
        let children = replace_children(expr_children(&mut synthetic.kind), self.base);
        let reprs = children.iter().map(|child| child.repr).collect();
        let kind = match &expr.kind {
            ExprKind::Load {
                mechanism,
                field,
                keys,
            } if keys.len() <= 1 => SiteKind::Load {
                mechanism: *mechanism,
                field: *field,
            },
            ExprKind::Param(param) => SiteKind::Param(*param),
            ExprKind::Agent { population, .. } => SiteKind::Agent(*population),
            ExprKind::Sum { mechanism, field } => SiteKind::Sum {
                mechanism: *mechanism,
                field: *field,
            },
            ExprKind::TokenRead { token, read, args } if args.len() <= 2 => SiteKind::TokenRead {
                token: *token,
                read: *read,
            },
            _ => SiteKind::Expr(synthetic),
        };
        let site = self.site(kind, reprs);
        let buffer = self.spill(values);
        let out = self.buffer(1);
        let (context, site) = (self.context(), self.i32(site));
        let status = self.call(self.refs.expr, &[context, site, buffer, out]);
        // What the host evaluates need not be pure.
        self.dirty = true;
        self.check(status);
        self.load(expr.repr, out, 0)
    }

    /// `and` (`stop_on` false) or `or` (`stop_on` true), short-circuiting.
    fn logic(&mut self, items: &[Expr], stop_on: bool) -> Val {
        let done = self.b.create_block();
        self.b.append_block_param(done, types::I8);
        let stop = self.b.ins().iconst(types::I8, i64::from(stop_on));
        for item in items {
            let value = self.expr(item).one();
            let next = self.b.create_block();
            if stop_on {
                self.b
                    .ins()
                    .brif(value, done, &[BlockArg::Value(stop)], next, &[]);
            } else {
                self.b
                    .ins()
                    .brif(value, next, &[], done, &[BlockArg::Value(stop)]);
            }
            self.b.switch_to_block(next);
        }
        let all = self.b.ins().iconst(types::I8, i64::from(!stop_on));
        self.b.ins().jump(done, &[BlockArg::Value(all)]);
        self.b.switch_to_block(done);
        Val::One(self.b.block_params(done)[0])
    }

    /// `a < b` on 256-bit integers.
    fn less(&mut self, a: Val, b: Val) -> ir::Value {
        let zero = self.i128(0);
        let ((al, ah), (bl, bh)) = (a.halves(zero), b.halves(zero));
        // `0 < b` (as in `require amount > 0`) is `b != 0`: no borrow chain.
        if self.is_zero_constant(al) && self.is_zero_constant(ah) {
            let any = self.or128(bl, bh);
            return self.is_nonzero(any);
        }
        let high_less = self.b.ins().icmp(IntCC::UnsignedLessThan, ah, bh);
        let high_equal = self.b.ins().icmp(IntCC::Equal, ah, bh);
        let low_less = self.b.ins().icmp(IntCC::UnsignedLessThan, al, bl);
        let tie = self.b.ins().band(high_equal, low_less);
        self.b.ins().bor(high_less, tie)
    }

    fn equal(&mut self, a: Val, b: Val) -> ir::Value {
        let zero = self.i128(0);
        let ((al, ah), (bl, bh)) = (a.halves(zero), b.halves(zero));
        let low = self.b.ins().icmp(IntCC::Equal, al, bl);
        let high = self.b.ins().icmp(IntCC::Equal, ah, bh);
        self.b.ins().band(low, high)
    }

    fn compare(&mut self, op: CompareOp, repr: Repr, a: Val, b: Val) -> ir::Value {
        match repr {
            Repr::Int => {
                let negate = |l: &mut Self, v: ir::Value| l.b.ins().bxor_imm_u(v, 1);
                match op {
                    CompareOp::Eq => self.equal(a, b),
                    CompareOp::Ne => {
                        let eq = self.equal(a, b);
                        negate(self, eq)
                    }
                    CompareOp::Lt => self.less(a, b),
                    CompareOp::Gt => self.less(b, a),
                    CompareOp::Le => {
                        let gt = self.less(b, a);
                        negate(self, gt)
                    }
                    CompareOp::Ge => {
                        let lt = self.less(a, b);
                        negate(self, lt)
                    }
                }
            }
            Repr::Float => {
                // Rust's `partial_cmp`: any comparison with NaN is false
                // except `!=`.
                let cc = match op {
                    CompareOp::Eq => FloatCC::Equal,
                    CompareOp::Ne => FloatCC::NotEqual,
                    CompareOp::Lt => FloatCC::LessThan,
                    CompareOp::Le => FloatCC::LessThanOrEqual,
                    CompareOp::Gt => FloatCC::GreaterThan,
                    CompareOp::Ge => FloatCC::GreaterThanOrEqual,
                };
                self.b.ins().fcmp(cc, a.one(), b.one())
            }
            _ => {
                let cc = match op {
                    CompareOp::Eq => IntCC::Equal,
                    CompareOp::Ne => IntCC::NotEqual,
                    CompareOp::Lt => IntCC::UnsignedLessThan,
                    CompareOp::Le => IntCC::UnsignedLessThanOrEqual,
                    CompareOp::Gt => IntCC::UnsignedGreaterThan,
                    CompareOp::Ge => IntCC::UnsignedGreaterThanOrEqual,
                };
                self.b.ins().icmp(cc, a.one(), b.one())
            }
        }
    }

    fn binary(&mut self, op: BinOp, a: Val, b: Val) -> Val {
        let zero = self.i128(0);
        let ((al, ah), (bl, bh)) = (a.halves(zero), b.halves(zero));
        match op {
            BinOp::Add => {
                // Both below 2^128: the sum is below 2^129, the carry is
                // the high half.
                let highs = self.or128(ah, bh);
                let fast = self.is_zero(highs);
                self.fast_or_host(op, a, b, fast, |l| {
                    let low = l.b.ins().iadd(al, bl);
                    let carry = l.b.ins().icmp(IntCC::UnsignedLessThan, low, al);
                    let high = l.b.ins().uextend(types::I128, carry);
                    (low, high)
                })
            }
            BinOp::Sub => {
                let highs = self.or128(ah, bh);
                let small = self.is_zero(highs);
                let no_borrow = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, al, bl);
                let fast = self.b.ins().band(small, no_borrow);
                self.fast_or_host(op, a, b, fast, |l| {
                    let zero = l.i128(0);
                    (l.b.ins().isub(al, bl), zero)
                })
            }
            BinOp::Mul | BinOp::Div | BinOp::Rem => {
                // Both below 2^64 (and a non-zero divisor): one machine
                // multiply or divide is exact.
                let highs = self.or128(ah, bh);
                let lows = self.or128(al, bl);
                // The high word of a 128-bit value is the upper register of
                // its pair: split, not shifted (Cranelift lowers a shift of
                // `i128` as one by a variable amount).
                let (_, above) = self.b.ins().isplit(lows);
                let above = self.b.ins().uextend(types::I128, above);
                let wide = self.or128(highs, above);
                let mut fast = self.is_zero(wide);
                if op != BinOp::Mul {
                    let nonzero = self.is_nonzero(bl);
                    fast = self.b.ins().band(fast, nonzero);
                }
                self.fast_or_host(op, a, b, fast, |l| {
                    let zero = l.i128(0);
                    let low = match op {
                        BinOp::Mul => l.b.ins().imul(al, bl),
                        _ => {
                            let x = l.b.ins().ireduce(types::I64, al);
                            let y = l.b.ins().ireduce(types::I64, bl);
                            // A dividend below the divisor (an index kept
                            // in range, `(i + 1) % n`) needs no division.
                            let below = l.b.ins().icmp(IntCC::UnsignedLessThan, x, y);
                            let early = match op {
                                BinOp::Div => l.b.ins().iconst(types::I64, 0),
                                _ => x,
                            };
                            let (divide, done) = (l.b.create_block(), l.b.create_block());
                            let r = l.b.append_block_param(done, types::I64);
                            l.b.ins()
                                .brif(below, done, &[BlockArg::Value(early)], divide, &[]);
                            l.b.switch_to_block(divide);
                            let divided = if op == BinOp::Div {
                                l.b.ins().udiv(x, y)
                            } else {
                                l.b.ins().urem(x, y)
                            };
                            l.b.ins().jump(done, &[BlockArg::Value(divided)]);
                            l.b.switch_to_block(done);
                            l.b.ins().uextend(types::I128, r)
                        }
                    };
                    (low, zero)
                })
            }
            BinOp::Pow | BinOp::PowWad => self.int_host(int_op(op), &[a, b]),
            BinOp::Min | BinOp::Max => {
                let less = self.less(a, b);
                let (first, second) = if op == BinOp::Min { (a, b) } else { (b, a) };
                let ((fl, fh), (sl, sh)) = (first.halves(zero), second.halves(zero));
                // A branch, not `select`: the optimizer turns a select on
                // `i128` into `umin`/`umax`, which x86-64 lacks for `i128`.
                let join = self.int_join();
                self.b.ins().brif(
                    less,
                    join,
                    &[BlockArg::Value(fl), BlockArg::Value(fh)],
                    join,
                    &[BlockArg::Value(sl), BlockArg::Value(sh)],
                );
                self.joined_int(join)
            }
            BinOp::FloatAdd => Val::One(self.b.ins().fadd(a.one(), b.one())),
            BinOp::FloatSub => Val::One(self.b.ins().fsub(a.one(), b.one())),
            BinOp::FloatMul => Val::One(self.b.ins().fmul(a.one(), b.one())),
            BinOp::FloatDiv => Val::One(self.b.ins().fdiv(a.one(), b.one())),
            BinOp::FloatPow | BinOp::FloatMin | BinOp::FloatMax => {
                let code = FLOAT_OPS.iter().position(|o| *o == op).unwrap_or(0);
                let code = self.i32(code as u32);
                Val::One(self.call(self.refs.float, &[code, a.one(), b.one()]))
            }
        }
    }

    /// `a / divisor` or `a % divisor` for a literal divisor in `1..2^64`:
    /// when `a` is below 2^128, two 2-by-1-digit divisions by the
    /// normalized divisor's reciprocal, computed here (Möller and Granlund,
    /// "Improved division by invariant integers", 2011, algorithm 4);
    /// otherwise the host.
    fn divide_by_constant(&mut self, op: BinOp, a: Val, divisor: u64) -> Val {
        let zero = self.i128(0);
        let (al, ah) = a.halves(zero);
        let narrow = self.is_zero(ah);
        let shift = divisor.leading_zeros();
        let normalized = divisor << shift;
        let reciprocal = (u128::MAX / u128::from(normalized)) as u64;
        let b = self.int(U256::from(divisor));
        self.fast_or_host(op, a, b, narrow, |l| {
            let (x0, x1) = l.b.ins().isplit(al);
            let (n2, n1, n0) = if shift == 0 {
                (l.b.ins().iconst(types::I64, 0), x1, x0)
            } else {
                let back = i64::from(64 - shift);
                let n2 = l.b.ins().ushr_imm_u(x1, back);
                let high = l.b.ins().ishl_imm_u(x1, i64::from(shift));
                let carried = l.b.ins().ushr_imm_u(x0, back);
                let n1 = l.b.ins().bor(high, carried);
                (n2, n1, l.b.ins().ishl_imm_u(x0, i64::from(shift)))
            };
            let (q1, r) = l.divide_2by1(n2, n1, normalized, reciprocal);
            let (q0, r) = l.divide_2by1(r, n0, normalized, reciprocal);
            let zero = l.i128(0);
            if op == BinOp::Div {
                (l.b.ins().iconcat(q0, q1), zero)
            } else {
                let r = l.b.ins().ushr_imm_u(r, i64::from(shift));
                (l.b.ins().uextend(types::I128, r), zero)
            }
        })
    }

    /// One 64-bit quotient digit of `(top * 2^64 + next) / divisor` and the
    /// remainder, given `top < divisor`, a normalized divisor and its
    /// reciprocal `floor((2^128 - 1) / divisor) - 2^64`.
    fn divide_2by1(
        &mut self,
        top: ir::Value,
        next: ir::Value,
        divisor: u64,
        reciprocal: u64,
    ) -> (ir::Value, ir::Value) {
        let v = self.b.ins().iconst(types::I64, reciprocal as i64);
        let d = self.b.ins().iconst(types::I64, divisor as i64);
        let estimate = self.mul_128(v, top);
        let numerator = self.b.ins().iconcat(next, top);
        let estimate = self.b.ins().iadd(estimate, numerator);
        let (q0, q1) = self.b.ins().isplit(estimate);
        let q1 = self.b.ins().iadd_imm_u(q1, 1);
        let product = self.b.ins().imul(q1, d);
        let r = self.b.ins().isub(next, product);
        let over = self.b.ins().icmp(IntCC::UnsignedGreaterThan, r, q0);
        let q1_less = self.b.ins().iadd_imm_s(q1, -1);
        let q1 = self.b.ins().select(over, q1_less, q1);
        let r_more = self.b.ins().iadd(r, d);
        let r = self.b.ins().select(over, r_more, r);
        let again = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, r, d);
        let q1_more = self.b.ins().iadd_imm_u(q1, 1);
        let q1 = self.b.ins().select(again, q1_more, q1);
        let r_less = self.b.ins().isub(r, d);
        let r = self.b.ins().select(again, r_less, r);
        (q1, r)
    }

    /// Runs `fast` when `condition` holds, else the host's full-width
    /// operation (which also raises the fault, if any).
    fn fast_or_host(
        &mut self,
        op: BinOp,
        a: Val,
        b: Val,
        condition: ir::Value,
        fast: impl FnOnce(&mut Self) -> (ir::Value, ir::Value),
    ) -> Val {
        let quick = self.b.create_block();
        if let Some(bail) = self.bail_target() {
            self.branch_likely(condition, (quick, &[]), (bail, &[]));
            self.b.switch_to_block(quick);
            let (low, high) = fast(self);
            return Val::Int(low, high);
        }
        let slow = self.b.create_block();
        let join = self.int_join();
        self.branch_likely(condition, (quick, &[]), (slow, &[]));
        self.b.switch_to_block(quick);
        let (low, high) = fast(self);
        self.jump_int(join, low, high);
        self.switch_to_cold(slow);
        let zero = self.i128(0);
        let (low, high) = self.int_host(int_op(op), &[a, b]).halves(zero);
        self.jump_int(join, low, high);
        self.joined_int(join)
    }

    /// `mul_div(a, b, c)`: inline when all three are below 2^128 and the
    /// quotient is too (`high < c` for the 256-bit product `high:low`),
    /// which also rules out a zero divisor: the runtime's `mul_div_128`
    /// (a 256-by-128-bit division in two 64-bit quotient digits, each by
    /// multiplying with the normalized divisor's reciprocal, kept in the
    /// context). Anything else, faults included, goes to the host.
    fn mul_div(&mut self, values: [Val; 3], swap: bool) -> Val {
        let zero = self.i128(0);
        let halves = values.map(|value| value.halves(zero));
        let [(a, _), (b, _), (c, _)] = halves;
        let (a, b) = if swap { (b, a) } else { (a, b) };
        let (narrow, general, fast, slow) = (
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
        );
        let join = self.int_join();
        let high = self.or128(halves[0].1, halves[1].1);
        let high = self.or128(high, halves[2].1);
        let small = self.is_zero(high);
        // In a loop's fast version, the host's path is the general
        // version's (see `versioned_block`).
        let bail = self.bail_target();
        let host = bail.unwrap_or(slow);
        self.branch_likely(small, (narrow, &[]), (host, &[]));
        self.b.switch_to_block(narrow);
        self.mul_div_by_ratio(a, b, c, join, general);
        self.switch_to_cold(general);
        let (high, low) = self.mul_256(a, b);
        let fits = self.b.ins().icmp(IntCC::UnsignedLessThan, high, c);
        self.branch_likely(fits, (fast, &[]), (host, &[]));
        self.b.switch_to_block(fast);
        let quotient = self.div_256_by_128(high, low, c);
        self.jump_int(join, quotient, zero);
        if bail.is_some() {
            self.b.seal_block(join);
            return self.joined_int(join);
        }
        self.switch_to_cold(slow);
        let (low, high) = self.int_host(MUL_DIV, &values).halves(zero);
        self.jump_int(join, low, high);
        self.joined_int(join)
    }

    /// `floor(a * b / c)` for `a < c < 2^127` and `b` below 2^128 by the
    /// kept ratio `R = floor(a * 2^192 / c)` (`numeric::ratio_192`):
    /// `q = floor(b * R / 2^192)` is the quotient or one less (the product
    /// of `b` and `R`'s truncation error is below 2^-64), one less only
    /// when the fraction `b * R mod 2^192` is that close to 2^192; then
    /// the remainder `a * b - q * c`, below `2c < 2^128`, is exact modulo
    /// 2^128 and says which. Multiplications that do not wait on each
    /// other, where a division is a chain of them. Jumps to `join` with
    /// the quotient, or to `general` when the operands are out of range or
    /// the ratio is not kept (it is computed when the same key misses
    /// twice in a row: a loop's fixed share, not operands that change).
    fn mul_div_by_ratio(
        &mut self,
        a: ir::Value,
        b: ir::Value,
        c: ir::Value,
        join: ir::Block,
        general: ir::Block,
    ) {
        let (check, miss, remember, compute, ratio) = (
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
        );
        let (c0, c1) = self.b.ins().isplit(c);
        let below = self.b.ins().icmp(IntCC::UnsignedLessThan, a, c);
        let top = self.b.ins().ushr_imm_u(c1, 63);
        let small = self.b.ins().icmp_imm_u(IntCC::Equal, top, 0);
        let eligible = self.b.ins().band(below, small);
        self.branch_likely(eligible, (check, &[]), (general, &[]));
        // The kept ratio's key, or the last key that missed.
        let keyed = |l: &mut Self, offset: i32| {
            let context = l.context();
            let kept_a = l.b.ins().load(types::I128, ctx_flags(), context, offset);
            let kept_c =
                l.b.ins()
                    .load(types::I128, ctx_flags(), context, offset + 16);
            let same_a = l.b.ins().icmp(IntCC::Equal, kept_a, a);
            let same_c = l.b.ins().icmp(IntCC::Equal, kept_c, c);
            l.b.ins().band(same_a, same_c)
        };
        self.b.switch_to_block(check);
        let hit = keyed(self, RATIO_KEY);
        self.branch_likely(hit, (ratio, &[]), (miss, &[]));
        self.switch_to_cold(miss);
        let again = keyed(self, RATIO_PENDING);
        self.b.ins().brif(again, compute, &[], remember, &[]);
        self.b.switch_to_block(remember);
        let context = self.context();
        self.b.ins().store(ctx_flags(), a, context, RATIO_PENDING);
        self.b
            .ins()
            .store(ctx_flags(), c, context, RATIO_PENDING + 16);
        self.b.ins().jump(general, &[]);
        self.b.switch_to_block(compute);
        let (a0, a1) = self.b.ins().isplit(a);
        let context = self.context();
        let status = self.call(self.refs.ratio, &[context, a0, a1, c0, c1]);
        let kept = self.b.ins().icmp_imm_u(IntCC::Equal, status, i64::from(OK));
        self.branch_likely(kept, (ratio, &[]), (general, &[]));
        self.b.switch_to_block(ratio);
        if let Some(quotient) = self.ratio_product(b, join, |_| (a, c)) {
            let zero = self.i128(0);
            self.jump_int(join, quotient, zero);
        }
    }

    /// Before a loop whose `mul_div` keeps one ratio (`shared_ratio`), with
    /// `count` items: keeps that ratio in the context when the operands
    /// are in the range of `mul_div_by_ratio` and the loop has more than
    /// one item; whether it did (a boolean), and the slot where the
    /// numerator and the whole were stored.
    fn keep_ratio(
        &mut self,
        numerator: &Expr,
        whole: &Expr,
        count: ir::Value,
    ) -> (ir::Value, ir::StackSlot) {
        let zero = self.i128(0);
        let values = [self.expr(numerator), self.expr(whole)];
        let fixed = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            2 * SLOT,
            4,
        ));
        let address = self.b.ins().stack_addr(self.pointer, fixed, 0);
        self.store(values[0], address, 0);
        self.store(values[1], address, SLOT as i32);
        let [(a, a_high), (c, c_high)] = values.map(|value| value.halves(zero));
        let (a0, a1) = self.b.ins().isplit(a);
        let (c0, c1) = self.b.ins().isplit(c);
        // The host keeps it only for `a < c < 2^127`.
        let high = self.or128(a_high, c_high);
        let narrow = self.is_zero(high);
        let many = self
            .b
            .ins()
            .icmp_imm_u(IntCC::UnsignedGreaterThan, count, 1);
        let eligible = self.b.ins().band(narrow, many);
        let (compute, done) = (self.b.create_block(), self.b.create_block());
        self.b.append_block_param(done, types::I8);
        let no = self.b.ins().iconst(types::I8, 0);
        self.b
            .ins()
            .brif(eligible, compute, &[], done, &[BlockArg::Value(no)]);
        self.b.switch_to_block(compute);
        let context = self.context();
        let status = self.call(self.refs.ratio, &[context, a0, a1, c0, c1]);
        let kept = self.b.ins().icmp_imm_u(IntCC::Equal, status, i64::from(OK));
        self.b.ins().jump(done, &[BlockArg::Value(kept)]);
        self.b.switch_to_block(done);
        (self.b.block_params(done)[0], fixed)
    }

    /// `mul_div` of a loop that kept its ratio before it (`keep_ratio`),
    /// of `part` and the fixed operands: by that ratio when it was kept
    /// and `part` is below 2^128, with no check of the key; else as any
    /// `mul_div`.
    fn mul_div_shared(&mut self, part: Val, swap: bool, shared: Shared) -> Val {
        let zero = self.i128(0);
        let (b, b_high) = part.halves(zero);
        let (fast, usual) = (self.b.create_block(), self.b.create_block());
        let join = self.int_join();
        let narrow = self.is_zero(b_high);
        let go = self.b.ins().band(narrow, shared.kept);
        let bail = self.bail_target();
        self.branch_likely(go, (fast, &[]), (bail.unwrap_or(usual), &[]));
        let fixed = |l: &mut Self| {
            let address = l.b.ins().stack_addr(l.pointer, shared.fixed, 0);
            let numerator = l.load(Repr::Int, address, 0);
            let whole = l.load(Repr::Int, address, SLOT as i32);
            (numerator, whole)
        };
        self.b.switch_to_block(fast);
        let quotient = self.ratio_product(b, join, |l| {
            let (numerator, whole) = fixed(l);
            (numerator.one(), whole.one())
        });
        if let Some(quotient) = quotient {
            return Val::Int(quotient, zero);
        }
        self.switch_to_cold(usual);
        let (numerator, whole) = fixed(self);
        let values = if swap {
            [part, numerator, whole]
        } else {
            [numerator, part, whole]
        };
        let (low, high) = self.mul_div(values, swap).halves(zero);
        self.jump_int(join, low, high);
        self.joined_int(join)
    }

    /// `floor(a * b / c)` by the ratio kept in the context for `a / c`
    /// (see `mul_div_by_ratio`), `b` below 2^128; jumps to `join`.
    /// The numerator and the whole (`a` and `c`) are asked of `fixed` only
    /// in the rare case the estimate needs checking.
    fn ratio_product(
        &mut self,
        b: ir::Value,
        join: ir::Block,
        fixed: impl FnOnce(&mut Self) -> (ir::Value, ir::Value),
    ) -> Option<ir::Value> {
        let context = self.context();
        let r: [ir::Value; 3] = [0, 8, 16].map(|offset| {
            self.b
                .ins()
                .load(types::I64, ctx_flags(), context, RATIO + offset)
        });
        let (b0, b1) = self.b.ins().isplit(b);
        // `word * R` for one 64-bit word of `b`, a 256-bit product: its
        // words 0 and 1, and words 2 and 3 as one 128-bit value. Each
        // partial product plus the high word of the one before fits in 128
        // bits ((2^64 - 1)^2 + 2^64 - 1 < 2^128): one multiply and one
        // 128-bit add a word.
        let times_r = |l: &mut Self, word: ir::Value| {
            let p0 = l.mul_128(word, r[0]);
            let (word0, carry) = l.b.ins().isplit(p0);
            let carry = l.b.ins().uextend(types::I128, carry);
            let p1 = l.mul_128(word, r[1]);
            let p1 = l.b.ins().iadd(p1, carry);
            let (word1, carry) = l.b.ins().isplit(p1);
            let carry = l.b.ins().uextend(types::I128, carry);
            let p2 = l.mul_128(word, r[2]);
            (word0, word1, l.b.ins().iadd(p2, carry))
        };
        // The 320-bit product is `X + Y * 2^64` for `X = b0 * R` and
        // `Y = b1 * R`: word 1 carries into words 2 and 3 (X's, plus Y's
        // words 1 and 2), which carry into word 4 (Y's word 3; the sum of
        // words 2 and 3 is below 2^129, so it carries at most once). Words
        // 3 and 4 are the estimate.
        let (_, x1, x23) = times_r(self, b0);
        let (y0, y1, y23) = times_r(self, b1);
        let (_, k1) = self.b.ins().uadd_overflow(x1, y0);
        let (y2, y3) = self.b.ins().isplit(y23);
        let y12 = self.b.ins().iconcat(y1, y2);
        let (words, k2) = self.b.ins().uadd_overflow(x23, y12);
        let k1 = self.b.ins().uextend(types::I128, k1);
        let (words, k3) = self.b.ins().uadd_overflow(words, k1);
        let (fraction_top, q0) = self.b.ins().isplit(words);
        let carry = self.b.ins().bor(k2, k3);
        let carry = self.b.ins().uextend(types::I64, carry);
        let q1 = self.b.ins().iadd(y3, carry);
        let estimate = self.b.ins().iconcat(q0, q1);
        // The estimate is one short only if the product's fraction
        // (`b * R mod 2^192`, over 2^192) is within 2^-64 of one, so only
        // if its top word, the low word of column 2, is all ones; else it
        // is the quotient.
        let zero = self.i128(0);
        let near = self.b.ins().icmp_imm_s(IntCC::Equal, fraction_top, -1);
        // In a loop's fast version the rare check is the general
        // version's: the quotient is returned, its high half known to be
        // zero, rather than joined with other paths.
        if let Some(bail) = self.bail_target() {
            let exact = self.b.create_block();
            self.b.ins().brif(near, bail, &[], exact, &[]);
            self.b.seal_block(exact);
            if let Some(from) = self.b.current_block() {
                self.hot_parent.push((exact, from));
            }
            self.b.switch_to_block(exact);
            return Some(estimate);
        }
        let correct = self.b.create_block();
        self.b.ins().brif(
            near,
            correct,
            &[],
            join,
            &[BlockArg::Value(estimate), BlockArg::Value(zero)],
        );
        self.switch_to_cold(correct);
        // The remainder modulo 2^128, exact since it is below 2c < 2^128.
        let (a, c) = fixed(self);
        let product = self.b.ins().imul(a, b);
        let taken = self.b.ins().imul(estimate, c);
        let remainder = self.b.ins().isub(product, taken);
        let short = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, remainder, c);
        let short = self.b.ins().uextend(types::I128, short);
        let quotient = self.b.ins().iadd(estimate, short);
        self.jump_int(join, quotient, zero);
        None
    }

    /// The full product of two 64-bit integers.
    fn mul_128(&mut self, x: ir::Value, y: ir::Value) -> ir::Value {
        // One widening machine multiply (Cranelift lowers a product of two
        // zero-extended 64-bit values so), not a low and a high product.
        let x = self.b.ins().uextend(types::I128, x);
        let y = self.b.ins().uextend(types::I128, y);
        self.b.ins().imul(x, y)
    }

    /// The 256-bit product of two 128-bit integers, as (high, low).
    fn mul_256(&mut self, a: ir::Value, b: ir::Value) -> (ir::Value, ir::Value) {
        let (a0, a1) = self.b.ins().isplit(a);
        let (b0, b1) = self.b.ins().isplit(b);
        let p00 = self.mul_128(a0, b0);
        let p01 = self.mul_128(a0, b1);
        let p10 = self.mul_128(a1, b0);
        let p11 = self.mul_128(a1, b1);
        let middle = self.b.ins().iadd(p01, p10);
        let middle_carry = self.b.ins().icmp(IntCC::UnsignedLessThan, middle, p01);
        // Shifts by 64 as word moves (Cranelift shifts an `i128` by a
        // general sequence even for a constant amount).
        let (middle0, middle1) = self.b.ins().isplit(middle);
        let zero64 = self.b.ins().iconst(types::I64, 0);
        let shifted = self.b.ins().iconcat(zero64, middle0);
        let low = self.b.ins().iadd(p00, shifted);
        let low_carry = self.b.ins().icmp(IntCC::UnsignedLessThan, low, p00);
        let high = self.b.ins().iconcat(middle1, zero64);
        let high = self.b.ins().iadd(p11, high);
        let carry = self.b.ins().uextend(types::I128, low_carry);
        let high = self.b.ins().iadd(high, carry);
        let (zero, two_64) = (self.i128(0), self.i128(1 << 64));
        let carry = self.b.ins().select(middle_carry, two_64, zero);
        let high = self.b.ins().iadd(high, carry);
        (high, low)
    }

    /// `(high * 2^128 + low) / divisor` given `high < divisor`, as the
    /// runtime's `div_256_by_128`, with the normalizing shift done on
    /// 64-bit words (Cranelift's `i128` shifts by a variable amount are
    /// long): a whole word first when the divisor is below 2^64, then
    /// `t < 64` bits, where `x >> (64 - t)` is `(x >> 1) >> (63 - t)` so
    /// that `t = 0` needs no special case.
    fn div_256_by_128(&mut self, high: ir::Value, low: ir::Value, divisor: ir::Value) -> ir::Value {
        let (h0, h1) = self.b.ins().isplit(high);
        let (l0, l1) = self.b.ins().isplit(low);
        let (c0, c1) = self.b.ins().isplit(divisor);
        let zero = self.b.ins().iconst(types::I64, 0);
        // Below 2^64, the divisor (and so `high`) has a zero top word: every
        // word moves up one place first. A branch (the divisor of a loop
        // rarely changes), not a select per word.
        let wide = self.b.ins().icmp_imm_u(IntCC::NotEqual, c1, 0);
        let aligned = self.b.create_block();
        let params: Vec<ir::Value> = (0..6)
            .map(|_| self.b.append_block_param(aligned, types::I64))
            .collect();
        let args = |values: [ir::Value; 6]| values.map(BlockArg::Value);
        self.b.ins().brif(
            wide,
            aligned,
            &args([c1, c0, h1, h0, l1, l0]),
            aligned,
            &args([c0, zero, h0, l1, l0, zero]),
        );
        self.b.switch_to_block(aligned);
        let (d1, d0) = (params[0], params[1]);
        let words = [params[2], params[3], params[4], params[5]];
        let t = self.b.ins().clz(d1);
        let back = self.b.ins().iconst(types::I64, 63);
        let back = self.b.ins().isub(back, t);
        let funnel = |l: &mut Self, upper: ir::Value, lower: ir::Value| {
            let up = l.b.ins().ishl(upper, t);
            let half = l.b.ins().ushr_imm_u(lower, 1);
            let down = l.b.ins().ushr(half, back);
            l.b.ins().bor(up, down)
        };
        let d1 = funnel(self, d1, d0);
        let d0 = self.b.ins().ishl(d0, t);
        let u3 = funnel(self, words[0], words[1]);
        let u2 = funnel(self, words[1], words[2]);
        let u1 = funnel(self, words[2], words[3]);
        let u0 = self.b.ins().ishl(words[3], t);
        let divisor = self.b.ins().iconcat(d0, d1);
        let reciprocal = self.reciprocal(divisor);
        let top = self.b.ins().iconcat(u2, u3);
        let (q1, remainder) = self.divide_3by2(top, u1, divisor, reciprocal);
        let (q0, _) = self.divide_3by2(remainder, u0, divisor, reciprocal);
        self.b.ins().iconcat(q0, q1)
    }

    /// The reciprocal of a normalized divisor: the context's kept one when
    /// the divisor is the last one's, else from the host.
    fn reciprocal(&mut self, divisor: ir::Value) -> ir::Value {
        let context = self.context();
        let kept = self
            .b
            .ins()
            .load(types::I128, ctx_flags(), context, DIVISOR);
        let same = self.b.ins().icmp(IntCC::Equal, kept, divisor);
        let (fresh, done) = (self.b.create_block(), self.b.create_block());
        self.b.append_block_param(done, types::I64);
        let reciprocal = self
            .b
            .ins()
            .load(types::I64, ctx_flags(), context, RECIPROCAL);
        self.branch_likely(same, (done, &[BlockArg::Value(reciprocal)]), (fresh, &[]));
        self.switch_to_cold(fresh);
        let (low, high) = self.b.ins().isplit(divisor);
        let computed = self.call(self.refs.reciprocal, &[context, low, high]);
        self.b.ins().jump(done, &[BlockArg::Value(computed)]);
        self.b.switch_to_block(done);
        self.b.block_params(done)[0]
    }

    /// One 64-bit quotient digit of `(top * 2^64 + next) / divisor` and the
    /// remainder, as the runtime's `divide_3by2`.
    fn divide_3by2(
        &mut self,
        top: ir::Value,
        next: ir::Value,
        divisor: ir::Value,
        reciprocal: ir::Value,
    ) -> (ir::Value, ir::Value) {
        let (u1, u2) = self.b.ins().isplit(top);
        let (d0, d1) = self.b.ins().isplit(divisor);
        let estimate = self.mul_128(reciprocal, u2);
        let estimate = self.b.ins().iadd(estimate, top);
        let (q0, q1) = self.b.ins().isplit(estimate);
        let product = self.b.ins().imul(q1, d1);
        let r1 = self.b.ins().isub(u1, product);
        let t = self.mul_128(d0, q1);
        let r = self.b.ins().iconcat(next, r1);
        let r = self.b.ins().isub(r, t);
        let r = self.b.ins().isub(r, divisor);
        let q1 = self.b.ins().iadd_imm_u(q1, 1);
        let (_, r_high) = self.b.ins().isplit(r);
        let over = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, r_high, q0);
        let q1_less = self.b.ins().iadd_imm_s(q1, -1);
        let q1 = self.b.ins().select(over, q1_less, q1);
        let r_more = self.b.ins().iadd(r, divisor);
        let r = self.b.ins().select(over, r_more, r);
        let again = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, r, divisor);
        let q1_more = self.b.ins().iadd_imm_u(q1, 1);
        let q1 = self.b.ins().select(again, q1_more, q1);
        let r_less = self.b.ins().isub(r, divisor);
        let r = self.b.ins().select(again, r_less, r);
        (q1, r)
    }

    fn int_host(&mut self, op: u32, values: &[Val]) -> Val {
        let buffer = self.spill(values);
        let out = self.buffer(1);
        let (context, op) = (self.context(), self.i32(op));
        let status = self.call(self.refs.int, &[context, op, buffer, out]);
        self.check(status);
        self.load(Repr::Int, out, 0)
    }
}

/// Whether `shape` is an account-keyed map of integers (read and written
/// in place).
/// Whether `expr` reads no storage and calls nothing: evaluating it again,
/// or at another point of a statement, gives the same value.
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
                kind: ExprKind::Local(base + index as u32),
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
