//! Values in registers and memory: 256-bit words as two halves, what is
//! known of them along a path, loads, stores and buffers, host calls and
//! their status checks, cold paths, the cache of values read along a path,
//! versioned loop bodies, locals and sites.

use super::*;

impl Lower<'_> {
    /// Whether a 128-bit value is zero, by its two words (no zero kept in
    /// a register, or on the stack, to compare with).
    pub(super) fn is_zero(&mut self, value: ir::Value) -> ir::Value {
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
    pub(super) fn is_known_zero(&self, value: ir::Value) -> bool {
        self.is_zero_constant(value)
            || (self.known_zero.iter())
                .any(|(known, block)| *known == value && self.on_path(*block))
    }

    /// Whether, in the fast version, `block` is on the path to the current
    /// block along blocks with one way in (so that it dominates it).
    pub(super) fn on_path(&self, block: ir::Block) -> bool {
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
    pub(super) fn learn_zero(&mut self, value: ir::Value, block: ir::Block) {
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
    pub(super) fn learn(&mut self, condition: ir::Value, block: ir::Block) {
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
    pub(super) fn or128(&mut self, a: ir::Value, b: ir::Value) -> ir::Value {
        if self.is_known_zero(b) {
            a
        } else if self.is_known_zero(a) {
            b
        } else {
            self.b.ins().bor(a, b)
        }
    }

    /// Whether a 128-bit value is not zero (see `is_zero`).
    pub(super) fn is_nonzero(&mut self, value: ir::Value) -> ir::Value {
        self.compare_words(value, IntCC::NotEqual)
    }

    /// The `or` of a 128-bit value's two words compared with zero by `cc`.
    pub(super) fn compare_words(&mut self, value: ir::Value, cc: IntCC) -> ir::Value {
        let (low, high) = self.b.ins().isplit(value);
        let any = self.b.ins().bor(low, high);
        self.b.ins().icmp_imm_u(cc, any, 0)
    }

    /// Whether `value` is a zero built by [`Lower::i128`] (or a narrower
    /// integer constant zero).
    pub(super) fn is_zero_constant(&self, value: ir::Value) -> bool {
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

    pub(super) fn i128(&mut self, value: u128) -> ir::Value {
        let low = self.b.ins().iconst(types::I64, value as u64 as i64);
        let high = self.b.ins().iconst(types::I64, (value >> 64) as u64 as i64);
        self.b.ins().iconcat(low, high)
    }

    pub(super) fn int(&mut self, value: U256) -> Val {
        let (high, low) = value.into_words();
        Val::Int(self.i128(low), self.i128(high))
    }

    pub(super) fn zero(&mut self, repr: Repr) -> Val {
        match repr {
            Repr::Int => self.int(U256::ZERO),
            Repr::Float => Val::One(self.b.ins().f64const(0.0)),
            other => Val::One(self.b.ins().iconst(scalar_type(other), 0)),
        }
    }

    pub(super) fn i32(&mut self, value: u32) -> ir::Value {
        self.b.ins().iconst(types::I32, i64::from(value))
    }

    pub(super) fn load(&mut self, repr: Repr, address: ir::Value, offset: i32) -> Val {
        match repr {
            Repr::Int => Val::Int(
                self.b.ins().load(types::I128, flags(), address, offset),
                self.b
                    .ins()
                    .load(types::I128, flags(), address, offset + INT_HIGH),
            ),
            other => Val::One(
                self.b
                    .ins()
                    .load(scalar_type(other), flags(), address, offset),
            ),
        }
    }

    pub(super) fn store(&mut self, value: Val, address: ir::Value, offset: i32) {
        match value {
            Val::Int(low, high) => {
                self.b.ins().store(flags(), low, address, offset);
                self.b
                    .ins()
                    .store(flags(), high, address, offset + INT_HIGH);
            }
            Val::One(value) => {
                self.b.ins().store(flags(), value, address, offset);
            }
        }
    }

    /// A fresh stack buffer of `slots` value slots; its address.
    pub(super) fn buffer(&mut self, slots: usize) -> ir::Value {
        let slot = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            SLOT * slots.max(1) as u32,
            4,
        ));
        self.b.ins().stack_addr(self.pointer, slot, 0)
    }

    /// Stores values into a fresh buffer.
    pub(super) fn spill(&mut self, values: &[Val]) -> ir::Value {
        let address = self.buffer(values.len());
        for (index, value) in values.iter().enumerate() {
            self.store(*value, address, index as i32 * SLOT as i32);
        }
        address
    }

    pub(super) fn call(&mut self, function: FuncRef, args: &[ir::Value]) -> ir::Value {
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
    pub(super) fn check(&mut self, status: ir::Value) {
        let next = self.b.create_block();
        self.b.ins().brif(status, self.fail, &[], next, &[]);
        self.b.switch_to_block(next);
    }

    /// Continues in `block`, a slow path: Cranelift lays it out after the
    /// usual ones (with what only it leads to, see `sink_cold_regions`).
    pub(super) fn switch_to_cold(&mut self, block: ir::Block) {
        self.b.switch_to_block(block);
        self.b.set_cold_block(block);
    }

    /// Branches to `hot` when `condition` holds, else to `cold`, laying
    /// `hot` out right after the branch. Cranelift orders blocks by the
    /// reverse postorder of a search that follows a branch's first target
    /// first, which puts the second target next; so the condition is
    /// inverted and the targets swapped, and the usual path runs straight
    /// on instead of jumping at every test.
    pub(super) fn branch_likely(
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
    pub(super) fn is_true_constant(&self, value: ir::Value) -> bool {
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
    pub(super) fn continue_in(&mut self, block: ir::Block) {
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
    pub(super) fn cached(&self, what: Cached) -> Option<[ir::Value; 2]> {
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
    pub(super) fn remember(&mut self, what: Cached, values: [ir::Value; 2]) {
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
    pub(super) fn forget_slots(&mut self, view: i32) {
        self.cache
            .retain(|entry| !matches!(entry.what, Cached::Slot(v, _) if v == view));
    }

    /// In a loop body's fast version, while the running statement has
    /// done nothing that cannot be done again: where its slow paths go
    /// (its start in the general version, see `versioned_block`).
    pub(super) fn bail_target(&self) -> Option<ir::Block> {
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
    pub(super) fn versioned_block(&mut self, body: &Block) {
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

    pub(super) fn use_local(&mut self, local: LocalId) -> Val {
        match self.vars[local.index()] {
            Var::Int(low, high) => Val::Int(self.b.use_var(low), self.b.use_var(high)),
            Var::One(var) => Val::One(self.b.use_var(var)),
        }
    }

    pub(super) fn def(&mut self, local: LocalId, value: Val) {
        match self.vars[local.index()] {
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
    pub(super) fn site(&mut self, kind: SiteKind, children: Vec<Repr>) -> u32 {
        self.scratch = self.scratch.max(children.len());
        self.sites.push(Site { kind, children });
        (self.sites.len() - 1) as u32
    }
}
