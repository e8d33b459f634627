//! The audited surface: every `unsafe` of the project is in this module.
//!
//! There are eight kinds:
//! 1. turning a finalized function address into a typed function pointer
//!    ([`Module::code`]); the signature is the one `codegen` declared;
//! 2. calling it ([`call`]) with a context pointer and two buffers that
//!    outlive the call. Compiled code keeps the context in Cranelift's
//!    pinned register (r15 on x86-64), which Cranelift neither allocates
//!    nor saves: every compiled body reads the caller's value on entry and
//!    puts it back before each of its returns (`codegen`'s `leave`, its
//!    only way out), so to the caller it is preserved as the platform's
//!    calling convention requires; the host functions compiled code calls
//!    preserve it in turn, being ordinary `extern "C"` functions;
//! 3. the `extern "C"` functions compiled code calls back into, which read
//!    and write the buffers compiled code passes (always `SLOT` bytes per
//!    value, sized by `codegen` from the same site table the host reads);
//! 4. declaring the module `Send` and `Sync`: after `finalize` the JIT
//!    memory is only executed, never written, so sharing it between the
//!    threads of a Monte Carlo batch is sound;
//! 5. the views of storage compiled code reads and writes in place
//!    (integer fields, params and account-keyed maps with their running
//!    sums, account-keyed maps of flags, account lists, token balances,
//!    allowances and pause flags), the random stream's state and the count
//!    of events: raw pointers into the world's own buffers
//!    (`tok_world::layout`), kept current by the rule written at
//!    [`Context::refresh`];
//! 6. a prefetch hint (`host_prefetch`), which reads nothing and cannot
//!    fault;
//! 7. compiled code's undo log, in the context, whose entries the host
//!    reads once compiled code wrote them (see `Context::flush_log`);
//! 8. [`LargePages`], the `tok` binary's allocator: the system's, with a
//!    hint to the kernel (`madvise`) that large buffers be backed by huge
//!    pages, which changes no byte of them.
//!
//! Compiled code never traps: every fault (revert, overflow, division by
//! zero, out of bounds) is a status returned to the caller, so no signal
//! handler is needed. Host functions do not unwind (a panic in them aborts,
//! as for any `extern "C"` function).
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};

use cranelift_codegen::ir::{AbiParam, Signature, types};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId, Linkage, Module as _, default_libcall_names};
use tok_mir::{BinOp, FieldId, MechanismId, PopulationId, Repr, TokenId, TokenOp};
use tok_runtime::U256;
use tok_runtime::numeric;
use tok_world::state::{Key, Undo, Value};
use tok_world::{CallTarget, Fault, Frame, World, to_f64};

use crate::layout::{
    Context, Header, LOG_ENTRIES, LOGGED_ALLOWANCE, LOGGED_BALANCE, LOGGED_EVENT, MAX_VIEWS,
    NO_KEY, RatioKey, SLOT, View, ViewSource,
};
use crate::{Compiled, JitError, SiteKind};

/// Status codes of compiled bodies and host functions.
pub(crate) const OK: u32 = 0;
pub(crate) const RETURNED: u32 = 1;
pub(crate) const FAULT: u32 = 2;
/// A transaction's body ran, but its invariants were not all seen to hold.
pub(crate) const UNCHECKED: u32 = 3;

/// Integer operations the host performs at full width.
pub(crate) const INT_OPS: [BinOp; 7] = [
    BinOp::Add,
    BinOp::Sub,
    BinOp::Mul,
    BinOp::Div,
    BinOp::Rem,
    BinOp::Pow,
    BinOp::PowWad,
];
/// Token operations by the code compiled code passes for them.
pub(crate) const TOKEN_OPS: [TokenOp; 8] = [
    TokenOp::Transfer,
    TokenOp::TransferFrom,
    TokenOp::Approve,
    TokenOp::Mint,
    TokenOp::Burn,
    TokenOp::Delegate,
    TokenOp::Pause,
    TokenOp::Unpause,
];

/// The opcode of `mul_div` (after [`INT_OPS`]).
pub(crate) const MUL_DIV: u32 = 7;

/// Float operations whose Rust semantics Cranelift does not share (NaN
/// handling of min/max) or lacks (pow).
pub(crate) const FLOAT_OPS: [BinOp; 3] = [BinOp::FloatPow, BinOp::FloatMin, BinOp::FloatMax];

type BodyFn = unsafe extern "C" fn(*mut u8, *const u8, *mut u8) -> u32;

/// A compiled body's entry point.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Code(BodyFn);

/// Host functions compiled code imports.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Hosts {
    pub expr: FuncId,
    pub stmt: FuncId,
    pub call: FuncId,
    pub token: FuncId,
    pub int: FuncId,
    pub reciprocal: FuncId,
    pub ratio: FuncId,
    pub flush: FuncId,
    pub float: FuncId,
    pub to_float: FuncId,
    pub list_open: FuncId,
    pub list_item: FuncId,
    pub agents: FuncId,
    pub actor: FuncId,
    pub agent_end: FuncId,
    pub prefetch: FuncId,
}

/// The JIT module and the host functions declared in it.
pub(crate) struct Module {
    pub jit: JITModule,
    pub hosts: Hosts,
}

// SAFETY: see the module comment (4): once finalized, the module's memory
// is read-only executable code and nothing mutates it.
unsafe impl Send for Module {}
unsafe impl Sync for Module {}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Module")
    }
}

impl Module {
    pub fn new() -> Result<Module, JitError> {
        let error = |e: &dyn std::fmt::Display| JitError(e.to_string());
        let mut flags = settings::builder();
        // Cranelift's IR verifier checks every function codegen builds: in
        // debug builds (the tests), not in release ones, where it would
        // take a third of the compile time.
        let verify = if cfg!(debug_assertions) {
            "true"
        } else {
            "false"
        };
        for (name, value) in [
            ("use_colocated_libcalls", "false"),
            ("is_pic", "false"),
            ("opt_level", "speed"),
            ("enable_pinned_reg", "true"),
            ("enable_verifier", verify),
        ] {
            flags.set(name, value).map_err(|e| error(&e))?;
        }
        let isa = cranelift_native::builder()
            .map_err(|e| error(&e))?
            .finish(settings::Flags::new(flags))
            .map_err(|e| error(&e))?;
        let mut builder = JITBuilder::with_isa(isa, default_libcall_names());
        let symbols: [(&str, *const u8); 16] = [
            ("tok_expr", host_expr as *const u8),
            ("tok_stmt", host_stmt as *const u8),
            ("tok_call", host_call as *const u8),
            ("tok_token", host_token as *const u8),
            ("tok_int", host_int as *const u8),
            ("tok_reciprocal", host_reciprocal as *const u8),
            ("tok_ratio", host_ratio as *const u8),
            ("tok_flush", host_flush as *const u8),
            ("tok_float", host_float as *const u8),
            ("tok_to_float", host_to_float as *const u8),
            ("tok_list_open", host_list_open as *const u8),
            ("tok_list_item", host_list_item as *const u8),
            ("tok_agents", host_agents as *const u8),
            ("tok_actor", host_actor as *const u8),
            ("tok_agent_end", host_agent_end as *const u8),
            ("tok_prefetch", host_prefetch as *const u8),
        ];
        for (name, address) in symbols {
            builder.symbol(name, address);
        }
        let mut jit = JITModule::new(builder);
        let pointer = jit.target_config().pointer_type();
        let mut declare = |name: &str, params: &[types::Type], ret: types::Type| {
            let mut signature = jit.make_signature();
            signature_of(&mut signature, params, ret);
            jit.declare_function(name, Linkage::Import, &signature)
                .map_err(|e| error(&e))
        };
        let (p, i32t, i64t, f64t) = (pointer, types::I32, types::I64, types::F64);
        let hosts = Hosts {
            expr: declare("tok_expr", &[p, i32t, p, p], i32t)?,
            stmt: declare("tok_stmt", &[p, i32t, p], i32t)?,
            call: declare("tok_call", &[p, i32t, p], i32t)?,
            token: declare("tok_token", &[p, i32t, i32t, i32t, p], i32t)?,
            int: declare("tok_int", &[p, i32t, p, p], i32t)?,
            reciprocal: declare("tok_reciprocal", &[p, i64t, i64t], i64t)?,
            ratio: declare("tok_ratio", &[p, i64t, i64t, i64t, i64t], i32t)?,
            flush: declare("tok_flush", &[p], i32t)?,
            float: declare("tok_float", &[i32t, f64t, f64t], f64t)?,
            to_float: declare("tok_to_float", &[p, f64t], f64t)?,
            list_open: declare("tok_list_open", &[p, i32t, i32t], i64t)?,
            list_item: declare("tok_list_item", &[p, i32t, i32t, i64t, p], i32t)?,
            agents: declare("tok_agents", &[p, i32t], i64t)?,
            actor: declare("tok_actor", &[p, i32t], i32t)?,
            agent_end: declare("tok_agent_end", &[p, i32t], i32t)?,
            prefetch: declare("tok_prefetch", &[p], i32t)?,
        };
        Ok(Module { jit, hosts })
    }

    pub fn finalize(&mut self) -> Result<(), JitError> {
        self.jit
            .finalize_definitions()
            .map_err(|e| JitError(e.to_string()))
    }

    /// The entry point of a finalized body function.
    pub fn code(&self, id: FuncId) -> Code {
        let address = self.jit.get_finalized_function(id);
        // SAFETY: (1) `id` was defined by `codegen::compile` with the
        // signature `(ptr, ptr, ptr) -> i32` in the platform's C calling
        // convention, which is `BodyFn`, and the module is finalized.
        Code(unsafe { std::mem::transmute::<*const u8, BodyFn>(address) })
    }
}

/// Fills a C-convention signature.
pub(crate) fn signature_of(signature: &mut Signature, params: &[types::Type], ret: types::Type) {
    signature.params = params.iter().map(|t| AbiParam::new(*t)).collect();
    signature.returns = vec![AbiParam::new(ret)];
}

impl Context<'_, '_> {
    /// Begins the running agent's turn on the host side: the frame becomes
    /// that agent's (see `World::begin_agent`).
    fn begin_turn(&mut self) {
        self.turn_pending = 0;
        let Some(population) = self.compiled.population else {
            return;
        };
        let index = self.turn_index;
        let (base, _) = self.world.population(population);
        self.frame.this = base + index;
        self.frame.actor = self.frame.this;
        self.frame.agent = Some((population, index));
        self.mark = self.world.begin_agent();
    }

    fn fail(&mut self, fault: Fault) -> u32 {
        self.fault = Some(fault);
        FAULT
    }

    /// The fault compiled code's `FAULT` status stands for.
    fn take_fault(&mut self) -> Fault {
        self.fault
            .take()
            .unwrap_or_else(|| Fault::Stop("compiled code failed without a reason".into()))
    }

    /// Journals what compiled code logged, in order, and empties the log:
    /// done before any host function journals or reads the journal (see
    /// `context`), and when compiled code returns (`enter`).
    ///
    /// SAFETY of the log, (7): compiled code writes entry `log_len` in
    /// full, then increments `log_len`, and only while `log_len` is below
    /// `LOG_ENTRIES` (else it calls `host_flush` first); so the first
    /// `log_len` entries are initialized.
    fn flush_log(&mut self) {
        let len = std::mem::take(&mut self.log_len) as usize;
        for entry in &self.log[..len.min(LOG_ENTRIES)] {
            // SAFETY: (7) the first `log_len` entries are written.
            let entry = unsafe { entry.assume_init() };
            let state = &mut self.world.state;
            match entry.kind {
                LOGGED_EVENT => {
                    let len = self.world.events.len();
                    state.record(Undo::Events {
                        len,
                        count: entry.old[0],
                    });
                }
                LOGGED_BALANCE => state.record(Undo::Balance {
                    token: TokenId::from_raw(entry.mechanism),
                    account: entry.key,
                    old: entry.old,
                }),
                LOGGED_ALLOWANCE => state.record(Undo::Allowance {
                    token: TokenId::from_raw(entry.mechanism),
                    owner: entry.key,
                    spender: entry.field,
                    old: Some(entry.old),
                }),
                _ => {
                    let keys = [Key::Address(entry.key)];
                    let keys = if entry.key == NO_KEY {
                        &keys[..0]
                    } else {
                        &keys[..]
                    };
                    let [w0, w1, w2, w3] = entry.old.map(u128::from);
                    let old = U256::from_words(w2 | (w3 << 64), w0 | (w1 << 64));
                    let (mechanism, field) = (
                        MechanismId::from_raw(entry.mechanism),
                        FieldId::from_raw(entry.field),
                    );
                    state.record_field(mechanism, field, keys, Value::Int(old));
                }
            }
        }
    }

    /// Takes every view afresh.
    ///
    /// SAFETY of views, (5): a view (`tok_world::layout::View`) is taken
    /// from the live `Vec` (or value) behind the storage it names, through
    /// `&mut`, so it may be written, when `call` enters compiled code and
    /// again before every host function that can change the length or
    /// place of storage (`host_stmt` and `host_call`, but for the sites
    /// that cannot: a write without keys, which replaces a value in place,
    /// an event, a call queued for later; and after a token operation
    /// (`host_call`, `host_token`), which can move nothing but its token's
    /// ledger, only views of that (balances, allowances, pause flag); and
    /// `host_expr` for the expressions the interpreter evaluates) returns
    /// to it. Between those, storage changes only through compiled code's
    /// own in-place writes, which replace an item without moving or
    /// resizing anything; so while compiled code runs, every view it holds
    /// describes the current buffer. It touches item `i` only after
    /// checking `i < len`, at the item sizes and offsets of
    /// `tok_world::layout`, and writes an item and the running sum, which
    /// stay consistent as `ChainState::store` keeps them, or a balance or
    /// an allowance, as the token model does; unless the context says
    /// writes are not journaled, it then logs the old value (see
    /// `LogEntry`), which the host journals as the interpreter's write
    /// would have, so a revert undoes the write.
    ///
    /// The context's `rng` and `events` follow the same rule and more
    /// simply: the stream's state and the count are fields of the world,
    /// which the call borrows for its whole duration, so they never move;
    /// compiled code reads and writes them only between host calls, and
    /// host code only through the world.
    fn refresh(&mut self) {
        for (view, source) in self.views.iter_mut().zip(&self.compiled.views) {
            *view = self.world.view(*source);
        }
        self.unjournaled = u64::from(self.world.state.unjournaled);
    }

    /// Takes the views of `token`'s ledger afresh, the only storage a
    /// token operation can move (its balances, its allowances' column).
    fn refresh_ledger(&mut self, token: TokenId) {
        for (view, source) in self.views.iter_mut().zip(&self.compiled.views) {
            if matches!(*source, ViewSource::Balances(t) | ViewSource::Allowances(t)
                | ViewSource::Paused(t) if t == token)
            {
                *view = self.world.view(*source);
            }
        }
    }
}

/// Runs a compiled body in `frame`, as the interpreter's `run_body` would.
pub(crate) fn call(
    compiled: &Compiled,
    world: &mut World<'_>,
    frame: &mut Frame,
) -> Result<Option<Value>, Fault> {
    let mut ret = [0u8; SLOT as usize];
    // The arguments (the first locals), copied: the frame is the body's.
    let params = compiled.params.len().min(frame.locals.len());
    let mut inline = [Value::Int(U256::ZERO); 8];
    let spilled: Vec<Value>;
    let args: &[Value] = if params <= inline.len() {
        inline[..params].copy_from_slice(&frame.locals[..params]);
        &inline[..params]
    } else {
        spilled = frame.locals[..params].to_vec();
        &spilled
    };
    match enter(compiled, world, frame, args, 0, false, &mut ret)? {
        RETURNED => Ok(Some(decode(&ret, compiled.returns))),
        _ => Ok(None),
    }
}

/// Runs a transaction's body (`codegen::Form::Transaction`) with `args` in
/// `frame`, checking the invariants `checks` names: whether they were seen
/// to hold.
pub(crate) fn transaction(
    compiled: &Compiled,
    world: &mut World<'_>,
    frame: &mut Frame,
    args: &[Value],
    checks: u32,
) -> Result<bool, Fault> {
    let mut ret = [0u8; SLOT as usize];
    Ok(enter(compiled, world, frame, args, checks, true, &mut ret)? == OK)
}

/// Enters compiled code: its status, a fault's taken out. `commit`: the
/// body is the whole of a transaction its caller commits when the body
/// ran and its checks passed (see `transaction`).
fn enter(
    compiled: &Compiled,
    world: &mut World<'_>,
    frame: &mut Frame,
    values: &[Value],
    checks: u32,
    commit: bool,
    ret: &mut [u8; SLOT as usize],
) -> Result<u32, Fault> {
    // The header (what `Env` reads: this, caller, agent index, now, step),
    // then the arguments; on the stack for the usual few, the heap past.
    let mut inline = [0u8; 8 * SLOT as usize];
    let mut heap = Vec::new();
    let size = (1 + compiled.params.len()) * SLOT as usize;
    let args: &mut [u8] = if size <= inline.len() {
        &mut inline[..size]
    } else {
        heap.resize(size, 0);
        &mut heap
    };
    let (header, params) = args.split_at_mut(SLOT as usize);
    Header {
        this: frame.this,
        caller: frame.caller,
        agent: frame.agent.map_or(0, |(_, index)| index),
        checks,
        now: world.now,
        step: world.step,
    }
    .write(header);
    for (chunk, value) in params.chunks_exact_mut(SLOT as usize).zip(values) {
        encode(*value, chunk);
    }
    let rng = std::ptr::from_mut(world.rng_state());
    let events = std::ptr::from_mut(&mut world.state.events_emitted);
    let record_events = u64::from(world.record_events);
    let mut context = Context {
        log_len: 0,
        events,
        record_events,
        log: [std::mem::MaybeUninit::uninit(); LOG_ENTRIES],
        rng,
        turn_pending: 0,
        turn_index: 0,
        quiet_turns: 0,
        ratio_key: RatioKey::default(),
        ratio: [0; 3],
        ratio_pending: RatioKey::default(),
        views: [View::EMPTY; MAX_VIEWS],
        unjournaled: 0,
        divisor: [0; 2],
        reciprocal: 0,
        world,
        frame,
        compiled,
        fault: None,
        mark: 0,
    };
    context.refresh();
    let Code(entry) = compiled.code;
    // SAFETY: (2) the context and both buffers live until the call returns
    // (and the body gives back the pinned register it borrows);
    // compiled code reads the header and `params.len()` slots of `args`
    // (offsets in `codegen::HEADER`), writes at most one
    // slot of `ret`, and passes the context pointer only to the host
    // functions below, which cast it back to this `Context`.
    let status = unsafe { entry((&raw mut context).cast(), args.as_ptr(), ret.as_mut_ptr()) };
    context.world.stats.agent_steps += context.quiet_turns;
    // A transaction that ran and whose checks passed is committed by its
    // caller, which forgets its journal: what compiled code logged need
    // not be journaled first (in debug builds it is, for the check that
    // the journal holds only what the action can write).
    if commit && status == OK && !cfg!(debug_assertions) {
        context.log_len = 0;
    } else {
        context.flush_log();
    }
    match status {
        OK | RETURNED => Ok(status),
        // A fault evaluating an invariant is the host's to find again.
        UNCHECKED => {
            context.fault = None;
            Ok(status)
        }
        _ => Err(context.take_fault()),
    }
}

/// Writes a value into a slot.
fn encode(value: Value, out: &mut [u8]) {
    match value {
        Value::Int(int) => out[..32].copy_from_slice(&int.to_le_bytes()),
        Value::Float(float) => out[..8].copy_from_slice(&float.to_bits().to_le_bytes()),
        Value::Bool(flag) => out[0] = u8::from(flag),
        Value::Address(address) | Value::Str(address) => {
            out[..4].copy_from_slice(&address.to_le_bytes())
        }
    }
}

/// Reads a value of representation `repr` from a slot.
fn decode(slot: &[u8], repr: Repr) -> Value {
    let word = |n: usize| -> [u8; 8] { slot[n..n + 8].try_into().unwrap_or([0; 8]) };
    let half = |n: usize| -> [u8; 4] { slot[n..n + 4].try_into().unwrap_or([0; 4]) };
    match repr {
        Repr::Int => Value::Int(read_int(slot)),
        Repr::Float => Value::Float(f64::from_bits(u64::from_le_bytes(word(0)))),
        Repr::Bool => Value::Bool(slot[0] != 0),
        Repr::Address => Value::Address(u32::from_le_bytes(half(0))),
        Repr::Str => Value::Str(u32::from_le_bytes(half(0))),
    }
}

/// An integer from a slot, read 64 bits at a time: compiled code stores
/// integers 64 bits at a time, and a wider read of those fresh stores
/// would stall the processor's store forwarding.
fn read_int(slot: &[u8]) -> U256 {
    let word = |n: usize| -> u128 {
        u128::from(u64::from_le_bytes(
            slot[n * 8..n * 8 + 8].try_into().unwrap_or([0; 8]),
        ))
    };
    U256::from_words(word(2) | (word(3) << 64), word(0) | (word(1) << 64))
}

/// The context behind the pointer compiled code passes back.
///
/// SAFETY: (3) `context` is the pointer `call` passed to the running body,
/// which points to a live `Context`; compiled code does not keep it past
/// the call. Compiled code does read and write the context's leading fields
/// through that pointer (its views, caches, counters and undo log, at the
/// offsets of `layout`), but only while it runs itself, never while a host
/// function runs: it is suspended in the call until the host function
/// returns, and this reference does not outlive the host function. It
/// never touches the fields only the host reads (the world, the frame, the
/// compiled body, the fault, the mark). So no other access to the context
/// is in use while this reference is.
unsafe fn context<'c>(context: *mut u8) -> &'c mut Context<'c, 'c> {
    let context = unsafe { &mut *context.cast::<Context<'c, 'c>>() };
    // What compiled code wrote is journaled before anything the host does.
    if context.log_len != 0 {
        context.flush_log();
    }
    // The running agent's turn begins when it first reaches the host.
    if context.turn_pending != 0 {
        context.begin_turn();
    }
    context
}

/// Binds a site's operands to its scratch locals.
unsafe fn bind(context: &mut Context<'_, '_>, site: u32, buffer: *const u8) {
    let compiled = context.compiled;
    let children = &compiled.sites[site as usize].children;
    let base = context.compiled.locals;
    // Scratch locals exist only once a site that needs them runs.
    if context.frame.locals.len() < base + compiled.scratch {
        context
            .frame
            .locals
            .resize(base + compiled.scratch, Value::Int(U256::ZERO));
    }
    for (index, repr) in children.iter().enumerate() {
        // SAFETY: (3) compiled code stores one slot per operand of this
        // site into `buffer`, sized `SLOT * children.len()` bytes.
        let slot =
            unsafe { std::slice::from_raw_parts(buffer.add(index * SLOT as usize), SLOT as usize) };
        context.frame.locals[base + index] = decode(slot, *repr);
    }
}

/// Writes one value to a slot compiled code reserved.
unsafe fn write_out(out: *mut u8, value: Value) {
    // SAFETY: (3) `out` points to a slot of `SLOT` bytes on the compiled
    // function's stack.
    let slot = unsafe { std::slice::from_raw_parts_mut(out, SLOT as usize) };
    encode(value, slot);
}

/// Operand `index` of a site, read straight from the buffer.
unsafe fn operand(compiled: &Compiled, site: u32, buffer: *const u8, index: usize) -> Value {
    let repr = compiled.sites[site as usize].children[index];
    // SAFETY: (3) as in `bind`.
    let slot =
        unsafe { std::slice::from_raw_parts(buffer.add(index * SLOT as usize), SLOT as usize) };
    decode(slot, repr)
}

unsafe extern "C" fn host_expr(
    context_ptr: *mut u8,
    site: u32,
    buffer: *const u8,
    out: *mut u8,
) -> u32 {
    // SAFETY: (3), see `context`.
    let context = unsafe { context(context_ptr) };
    let compiled = context.compiled;
    let result = match &compiled.sites[site as usize].kind {
        // What the interpreter's `Load` does, without building its operands.
        SiteKind::Load { mechanism, field } => {
            let key = if compiled.sites[site as usize].children.is_empty() {
                None
            } else {
                // SAFETY: (3), see `operand`.
                Some(unsafe { operand(compiled, site, buffer, 0) }.key())
            };
            let keys = key.as_slice();
            context.world.load_field(*mechanism, *field, keys)
        }
        SiteKind::Param(param) => Ok(context.world.state.params[param.index()]),
        SiteKind::Agent(population) => {
            // SAFETY: (3), see `operand`.
            let index = unsafe { operand(compiled, site, buffer, 0) }.int();
            context.world.agent(*population, index)
        }
        SiteKind::Sum { mechanism, field } => context.world.sum(*mechanism, *field),
        SiteKind::TokenRead { token, read } => {
            let mut accounts = [0; 2];
            for (index, account) in accounts
                .iter_mut()
                .enumerate()
                .take(compiled.sites[site as usize].children.len())
            {
                // SAFETY: (3), see `operand`.
                *account = unsafe { operand(compiled, site, buffer, index) }.address();
            }
            Ok(Value::Int(
                context.world.token_read(*token, *read, accounts),
            ))
        }
        SiteKind::Expr(expr) => {
            // SAFETY: (3), see `bind`.
            unsafe { bind(context, site, buffer) };
            let value = context.world.eval(expr, context.frame);
            // Only an expression the interpreter evaluates can run code
            // (a view) that may move storage; loads and draws cannot.
            context.refresh();
            value
        }
        SiteKind::Stmt(_) | SiteKind::Store { .. } | SiteKind::Call(_) | SiteKind::Emit(_) => {
            Err(Fault::Stop("site is not an expression".into()))
        }
    };
    match result {
        Ok(value) => {
            // SAFETY: (3), see `write_out`.
            unsafe { write_out(out, value) };
            OK
        }
        Err(fault) => context.fail(fault),
    }
}

unsafe extern "C" fn host_stmt(context_ptr: *mut u8, site: u32, buffer: *const u8) -> u32 {
    // SAFETY: (3), see `context`.
    let context = unsafe { context(context_ptr) };
    let compiled = context.compiled;
    // Whether storage may have moved (see `View`): not after a write to a
    // field without keys (replaced in place), an event, or a call queued
    // for later.
    let mut moved = true;
    let result = match &compiled.sites[site as usize].kind {
        // What the interpreter's `Store` does: the key, then the value.
        SiteKind::Store { mechanism, field } => {
            // SAFETY: (3), see `operand`.
            let read = |index| unsafe { operand(compiled, site, buffer, index) };
            if compiled.sites[site as usize].children.len() == 1 {
                let value = read(0);
                context.world.state.store(*mechanism, *field, &[], value);
                moved = false;
            } else {
                let (key, value) = (read(0).key(), read(1));
                context.world.state.store(*mechanism, *field, &[key], value);
            }
            Ok(())
        }
        SiteKind::Emit(event) => {
            moved = false;
            let args = if context.world.record_events {
                let count = compiled.sites[site as usize].children.len();
                // SAFETY: (3), see `operand`.
                (0..count)
                    .map(|index| unsafe { operand(compiled, site, buffer, index) })
                    .collect()
            } else {
                Vec::new()
            };
            let mechanism = context.frame.mechanism.unwrap_or_default();
            context.world.emit(mechanism, *event, args);
            Ok(())
        }
        SiteKind::Stmt(stmt) => {
            // SAFETY: (3), see `bind`.
            unsafe { bind(context, site, buffer) };
            context.world.run_stmt(stmt, context.frame)
        }
        _ => Err(Fault::Stop("site is not a statement".into())),
    };
    if moved {
        context.refresh();
    }
    match result {
        Ok(()) => OK,
        Err(fault) => context.fail(fault),
    }
}

/// A call site (`SiteKind::Call`): what the interpreter's `Call` does, with
/// the arguments read straight from the buffer. Apart from `host_stmt`, so
/// that the commonest site (an agent's call, queued) is not first told
/// from the others.
unsafe extern "C" fn host_call(context_ptr: *mut u8, call: u32, buffer: *const u8) -> u32 {
    // SAFETY: (3), see `context`.
    let context = unsafe { context(context_ptr) };
    let compiled = context.compiled;
    let Some(&call) = compiled.calls.get(call as usize) else {
        return context.fail(Fault::Stop("site is not a call".into()));
    };
    // A call queued for later moves nothing (see `View`); a token
    // operation, at most its ledger's balances.
    let queued = context.world.queues(context.frame);
    let (world, frame, count) = (&mut *context.world, &*context.frame, call.count.into());
    let result = if call.typed {
        // SAFETY: (3) compiled code stores one slot per argument into
        // `buffer`, `SLOT * count` bytes.
        let read = |index| unsafe { typed_operand(buffer, call.ints, index) };
        world.call_with(call.target, count, read, frame)
    } else {
        // SAFETY: (3), see `operand`.
        let read = |index| unsafe { operand(compiled, call.site, buffer, index) };
        world.call_with(call.target, count, read, frame)
    };
    match call.target {
        _ if queued => {}
        CallTarget::Token { token, .. } => context.refresh_ledger(token),
        _ => context.refresh(),
    }
    match result {
        Ok(()) => OK,
        Err(fault) => context.fail(fault),
    }
}

/// A token operation called by chain code (`codegen`'s token calls): what
/// `World::execute` runs for it, inside the running transaction, as the
/// running mechanism (`World::token_call`), with its arguments by kind:
/// `token_op` is the token's index shifted by 8 bits and the operation's
/// (its position in `TOKEN_OPS`), then the accounts it takes and the
/// amount's slot. Only the token's balances can move (see `View`).
unsafe extern "C" fn host_token(
    context_ptr: *mut u8,
    token_op: u32,
    first: u32,
    second: u32,
    amount: *const u8,
) -> u32 {
    // SAFETY: (3), see `context`.
    let context = unsafe { context(context_ptr) };
    let token = TokenId::from_raw(token_op >> 8);
    let Some(&op) = TOKEN_OPS.get((token_op & 0xff) as usize) else {
        return context.fail(Fault::Stop("unknown token operation".into()));
    };
    // SAFETY: (3) `amount` points to one slot.
    let amount = read_int(unsafe { std::slice::from_raw_parts(amount, SLOT as usize) });
    let this = context.frame.this;
    let result = context
        .world
        .token_call(this, token, op, [first, second], amount);
    context.refresh_ledger(token);
    match result {
        Ok(()) => OK,
        Err(fault) => context.fail(fault),
    }
}

/// Full-width integer operations: `args` holds two slots (three for
/// `mul_div`).
unsafe extern "C" fn host_int(context_ptr: *mut u8, op: u32, args: *const u8, out: *mut u8) -> u32 {
    // SAFETY: (3), see `context`.
    let context = unsafe { context(context_ptr) };
    let count = if op == MUL_DIV { 3 } else { 2 };
    // SAFETY: (3) compiled code stores `count` slots into `args`.
    let bytes = unsafe { std::slice::from_raw_parts(args, count * SLOT as usize) };
    let operand = |n: usize| read_int(&bytes[n * SLOT as usize..]);
    let (a, b) = (operand(0), operand(1));
    let result = match INT_OPS.get(op as usize) {
        Some(BinOp::Add) => numeric::add(a, b),
        Some(BinOp::Sub) => numeric::sub(a, b),
        Some(BinOp::Mul) => numeric::mul(a, b),
        Some(BinOp::Div) => numeric::div(a, b),
        Some(BinOp::Rem) => numeric::rem(a, b),
        Some(BinOp::Pow) => numeric::pow(a, b),
        Some(BinOp::PowWad) => numeric::pow_wad(a, b),
        _ => numeric::mul_div(a, b, operand(2)),
    };
    match result {
        Ok(value) => {
            // SAFETY: (3), see `write_out`.
            unsafe { write_out(out, Value::Int(value)) };
            OK
        }
        Err(error) => context.fail(error.into()),
    }
}

/// Argument `index` of a call whose arguments are integers (bit `index`
/// of `ints` set) and accounts, read straight from the buffer.
///
/// SAFETY: (3) `buffer` holds one slot per argument, past `index`.
#[inline(always)]
unsafe fn typed_operand(buffer: *const u8, ints: u8, index: usize) -> Value {
    // SAFETY: (3) as the caller promises.
    let slot =
        unsafe { std::slice::from_raw_parts(buffer.add(index * SLOT as usize), SLOT as usize) };
    if ints >> index & 1 != 0 {
        Value::Int(read_int(slot))
    } else {
        let word: [u8; 4] = slot[..4].try_into().unwrap_or([0; 4]);
        Value::Address(u32::from_le_bytes(word))
    }
}

/// Journals the undo log when compiled code finds it full (`context`
/// does, on the way in); returns `OK`.
unsafe extern "C" fn host_flush(context_ptr: *mut u8) -> u32 {
    // SAFETY: (3), see `context`.
    let _ = unsafe { context(context_ptr) };
    OK
}

/// The reciprocal of a normalized divisor (`numeric::reciprocal`), passed
/// as 64-bit halves (low first), kept in the context for the next
/// `mul_div` by the same divisor.
unsafe extern "C" fn host_reciprocal(context_ptr: *mut u8, low: u64, high: u64) -> u64 {
    // SAFETY: (3), see `context`.
    let context = unsafe { context(context_ptr) };
    // Compiled code passes a divisor shifted to its top bit; a zero high
    // half would divide by zero here, so it gets no reciprocal (and the
    // cache keeps the previous one).
    if high == 0 {
        return 0;
    }
    let reciprocal = numeric::reciprocal((u128::from(high) << 64) | u128::from(low));
    context.divisor = [low, high];
    context.reciprocal = reciprocal;
    reciprocal
}

/// Keeps `floor(a * 2^192 / c)` for `a < c < 2^127` in the context, as the
/// ratio of key `(a, c)`: compiled code then divides `a * b` by `c` as
/// `b * ratio / 2^192`, plus one when the remainder it checks says so.
/// Operands outside that range are refused: status `FAULT`, nothing kept
/// and no fault raised (compiled code then divides the other way).
unsafe extern "C" fn host_ratio(
    context_ptr: *mut u8,
    a_low: u64,
    a_high: u64,
    c_low: u64,
    c_high: u64,
) -> u32 {
    // SAFETY: (3), see `context`.
    let context = unsafe { context(context_ptr) };
    let a = (u128::from(a_high) << 64) | u128::from(a_low);
    let c = (u128::from(c_high) << 64) | u128::from(c_low);
    match numeric::ratio_192(a, c) {
        Some(ratio) => {
            context.ratio = ratio;
            context.ratio_key = RatioKey {
                part: [a_low, a_high],
                whole: [c_low, c_high],
            };
            OK
        }
        None => FAULT,
    }
}

unsafe extern "C" fn host_float(op: u32, x: f64, y: f64) -> f64 {
    match FLOAT_OPS.get(op as usize) {
        Some(BinOp::FloatPow) => x.powf(y),
        Some(BinOp::FloatMin) => x.min(y),
        _ => x.max(y),
    }
}

unsafe extern "C" fn host_to_float(value: *const u8, scale: f64) -> f64 {
    // SAFETY: (3) `value` points to one slot.
    let slot = unsafe { std::slice::from_raw_parts(value, SLOT as usize) };
    to_f64(decode(slot, Repr::Int).int()) / scale
}

/// The length of a list field when a `for each` loop starts (the loop
/// visits those items; see the interpreter's `ForEach`).
unsafe extern "C" fn host_list_open(context_ptr: *mut u8, mechanism: u32, field: u32) -> u64 {
    // SAFETY: (3), see `context`.
    let context = unsafe { context(context_ptr) };
    context
        .world
        .list_len(MechanismId::from_raw(mechanism), FieldId::from_raw(field)) as u64
}

unsafe extern "C" fn host_list_item(
    context_ptr: *mut u8,
    mechanism: u32,
    field: u32,
    index: u64,
    out: *mut u8,
) -> u32 {
    // SAFETY: (3), see `context`.
    let context = unsafe { context(context_ptr) };
    match context.world.list_get(
        MechanismId::from_raw(mechanism),
        FieldId::from_raw(field),
        index as usize,
    ) {
        Some(value) => {
            // SAFETY: (3), see `write_out`.
            unsafe { write_out(out, value) };
            OK
        }
        None => context.fail(Fault::Stop("list shrank during a loop".into())),
    }
}

/// A population's first account (high half) and size (low half).
unsafe extern "C" fn host_agents(context_ptr: *mut u8, population: u32) -> u64 {
    // SAFETY: (3), see `context`.
    let context = unsafe { context(context_ptr) };
    let (base, count) = context.world.population(PopulationId::from_raw(population));
    (u64::from(base) << 32) | u64::from(count)
}

/// Makes `account` the account scenario calls are made as; returns the
/// previous one.
unsafe extern "C" fn host_actor(context_ptr: *mut u8, account: u32) -> u32 {
    // SAFETY: (3), see `context`.
    let context = unsafe { context(context_ptr) };
    std::mem::replace(&mut context.frame.actor, account)
}

/// Ends the running agent's turn with its body's status, for a turn that
/// reached the host or failed (the others end in compiled code); a fault
/// here (a stop) ends the loop.
unsafe extern "C" fn host_agent_end(context_ptr: *mut u8, status: u32) -> u32 {
    // SAFETY: (3), see `context`.
    let context = unsafe { context(context_ptr) };
    let result = match status {
        FAULT => Err(context.take_fault()),
        _ => Ok(()),
    };
    match context.world.end_agent(context.mark, result) {
        Ok(()) => OK,
        Err(stop) => context.fail(stop),
    }
}

/// Asks the processor to bring the cache line at `address` closer: a
/// pro-rata loop over a list of accounts reads and writes each account's
/// slot in a column much larger than the cache, in the list's order, so
/// compiled code asks for the slot a few items ahead. Never faults, whatever
/// the address (a hint, not a load); returns `OK`.
extern "C" fn host_prefetch(address: *const u8) -> u32 {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: a prefetch reads nothing and cannot fault (SSE, which
        // every x86_64 processor has).
        unsafe { _mm_prefetch::<_MM_HINT_T0>(address.cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = address;
    OK
}

/// The system allocator, advising the kernel to back every allocation of
/// `HUGE_PAGE` bytes or more with transparent huge pages where they are
/// only advised (Linux's `madvise` mode): (8) at the top of this module.
///
/// A million holders' columns are tens of megabytes each, which the
/// reward loop visits in the order stakers first staked: with 4 KiB
/// pages nearly every such access also misses the processor's page
/// translation cache, with 2 MiB pages a few hundred entries cover them.
/// Small programs allocate nothing that large and are unaffected.
#[derive(Clone, Copy, Debug, Default)]
pub struct LargePages;

/// The size of a huge page (x86-64 and most aarch64 kernels), and the
/// least allocation advised.
const HUGE_PAGE: usize = 2 << 20;

impl LargePages {
    /// Advises the kernel that the whole huge pages inside `size` bytes at
    /// `address` be backed by huge pages. A hint: failures are ignored.
    fn advise(address: *mut u8, size: usize) {
        if size < HUGE_PAGE || address.is_null() {
            return;
        }
        #[cfg(target_os = "linux")]
        {
            let start = (address as usize).next_multiple_of(HUGE_PAGE);
            let end = (address as usize + size) & !(HUGE_PAGE - 1);
            if start < end {
                // SAFETY: (8) the range lies inside an allocation this
                // process owns; MADV_HUGEPAGE changes how its pages are
                // backed, never what they hold.
                unsafe {
                    libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
                }
            }
        }
    }
}

// SAFETY: (8) every allocation is the system allocator's, made, resized
// and freed by it with the layouts the caller gives; `advise` only hints.
unsafe impl GlobalAlloc for LargePages {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let address = unsafe { System.alloc(layout) };
        Self::advise(address, layout.size());
        address
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let address = unsafe { System.alloc_zeroed(layout) };
        Self::advise(address, layout.size());
        address
    }

    unsafe fn dealloc(&self, address: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(address, layout) }
    }

    unsafe fn realloc(&self, address: *mut u8, layout: Layout, size: usize) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let address = unsafe { System.realloc(address, layout, size) };
        Self::advise(address, size);
        address
    }
}

#[cfg(test)]
mod tests {
    use super::{GlobalAlloc, HUGE_PAGE, LargePages, Layout};

    /// The `VmFlags` of the mapping that holds `address`, from
    /// `/proc/self/smaps`. A test reads the kernel's account of its own
    /// mappings; the compiled code and the host never read files.
    #[allow(clippy::disallowed_methods)]
    fn vm_flags(address: usize) -> Option<String> {
        let smaps = std::fs::read_to_string("/proc/self/smaps").ok()?;
        let mut inside = false;
        for line in smaps.lines() {
            let range = line.split_whitespace().next().and_then(|range| {
                let (start, end) = range.split_once('-')?;
                Some((
                    usize::from_str_radix(start, 16).ok()?,
                    usize::from_str_radix(end, 16).ok()?,
                ))
            });
            match (range, line.strip_prefix("VmFlags:")) {
                (_, Some(flags)) if inside => return Some(flags.trim().to_string()),
                (Some((start, end)), None) => {
                    inside = start <= address && address < end;
                }
                _ => {}
            }
        }
        None
    }

    /// Whether the kernel was told to back the huge page at or after
    /// `address` with a huge page (where it can be told: Linux with
    /// transparent huge pages).
    fn advised(address: *mut u8) -> bool {
        let page = (address as usize).next_multiple_of(HUGE_PAGE);
        let flags = vm_flags(page).expect("the allocation is mapped");
        flags.split_whitespace().any(|flag| flag == "hg")
    }

    fn can_advise() -> bool {
        cfg!(target_os = "linux")
            && std::path::Path::new("/sys/kernel/mm/transparent_hugepage").exists()
    }

    #[test]
    fn large_buffers_keep_their_bytes_and_are_advised_as_huge_pages() {
        let allocator = LargePages;
        let pattern = |index: usize| (index % 251) as u8;
        let layout = Layout::from_size_align(3 * HUGE_PAGE + 123, 16).expect("a layout");
        // SAFETY: each pointer is used within the size it was allocated or
        // resized to, and freed once with its current layout.
        unsafe {
            let first = allocator.alloc_zeroed(layout);
            assert!(!first.is_null());
            let bytes = std::slice::from_raw_parts_mut(first, layout.size());
            assert!(bytes.iter().all(|byte| *byte == 0));
            for (index, byte) in bytes.iter_mut().enumerate() {
                *byte = pattern(index);
            }
            assert_eq!(advised(first), can_advise());

            let grown = allocator.realloc(first, layout, 7 * HUGE_PAGE);
            assert!(!grown.is_null());
            let bytes = std::slice::from_raw_parts(grown, layout.size());
            assert!(
                bytes
                    .iter()
                    .enumerate()
                    .all(|(i, byte)| *byte == pattern(i))
            );
            assert_eq!(advised(grown), can_advise());

            let grown_layout = Layout::from_size_align(7 * HUGE_PAGE, 16).expect("a layout");
            let shrunk = allocator.realloc(grown, grown_layout, 1000);
            assert!(!shrunk.is_null());
            let bytes = std::slice::from_raw_parts(shrunk, 1000);
            assert!(
                bytes
                    .iter()
                    .enumerate()
                    .all(|(i, byte)| *byte == pattern(i))
            );
            let small = Layout::from_size_align(1000, 16).expect("a layout");
            allocator.dealloc(shrunk, small);

            let fresh = allocator.alloc(small);
            assert!(!fresh.is_null());
            fresh.write_bytes(7, 1000);
            assert_eq!(*fresh.add(999), 7);
            allocator.dealloc(fresh, small);
        }
    }
}
