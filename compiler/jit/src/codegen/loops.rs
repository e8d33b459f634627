//! Loops and views: counted loops, loops over account lists (versioned,
//! prefetching), loops over agents, and the views compiled code reads
//! storage through.

use super::*;

impl Lower<'_> {
    pub(super) fn for_range(&mut self, local: LocalId, start: &Expr, end: &Expr, body: &Block) {
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
    pub(super) fn counted_loop(
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

    pub(super) fn for_each(
        &mut self,
        local: LocalId,
        mechanism: MechanismId,
        field: FieldId,
        body: &Block,
    ) {
        let context = self.context();
        let (m, f) = (self.i32(mechanism.raw()), self.i32(field.raw()));
        let length = self.call(self.refs.list_open, &[context, m, f]);
        let shape = &self.program.mechanisms[mechanism.index()].fields[field.index()].shape;
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
            let repr = l.reprs[local.index()];
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
                    let offset = l.b.ins().imul_imm_u(index, i64::from(ADDRESS_BYTES));
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
    pub(super) fn prefetch_ahead(
        &mut self,
        list: i32,
        index: ir::Value,
        columns: &[i32],
        large: ir::Value,
    ) {
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
        let offset = self.b.ins().imul_imm_u(ahead, i64::from(ADDRESS_BYTES));
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
            let offset = self.b.ins().imul_imm_u(account, i64::from(INT_BYTES));
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
    pub(super) fn view_sum(&mut self, view: i32, expr: &Expr) -> Val {
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
        let carries = self.b.ins().load(types::I64, flags(), sum, TALLY_CARRIES);
        let fits = self.b.ins().icmp_imm_u(IntCC::Equal, carries, 0);
        self.branch_likely(fits, (read, &[]), (bail.unwrap_or(host), &[]));
        self.b.switch_to_block(read);
        let low = self.b.ins().load(types::I128, flags(), sum, TALLY_LOW);
        let high = self
            .b
            .ins()
            .load(types::I128, flags(), sum, TALLY_LOW + INT_HIGH);
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
    pub(super) fn int_join(&mut self) -> ir::Block {
        let join = self.b.create_block();
        self.b.append_block_param(join, types::I128);
        self.b.append_block_param(join, types::I128);
        join
    }

    pub(super) fn jump_int(&mut self, join: ir::Block, low: ir::Value, high: ir::Value) {
        self.b
            .ins()
            .jump(join, &[BlockArg::Value(low), BlockArg::Value(high)]);
    }

    /// Continues at `join` (from `int_join`), with its integer.
    pub(super) fn joined_int(&mut self, join: ir::Block) -> Val {
        self.b.switch_to_block(join);
        let params = self.b.block_params(join);
        Val::Int(params[0], params[1])
    }

    /// The view for `field[key]` of an account-keyed integer map, or for
    /// `field` of an integer field (`keys` empty): both read and written in
    /// place, item `key` or item 0.
    pub(super) fn int_view(
        &mut self,
        mechanism: MechanismId,
        field: FieldId,
        keys: &[Expr],
    ) -> Option<i32> {
        let shape = &self.program.mechanisms[mechanism.index()].fields[field.index()].shape;
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

    /// The index of the view of `source`, `None` when all are taken.
    pub(super) fn view(&mut self, source: ViewSource) -> Option<i32> {
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
    pub(super) fn view_at(&mut self, view: i32) -> (ir::Value, ir::Value) {
        if let Some([items, len]) = self.cached(Cached::View(view)) {
            return (items, len);
        }
        let context = self.context();
        let offset = VIEWS + view * VIEW_BYTES;
        let items = self
            .b
            .ins()
            .load(self.pointer, ctx_flags(), context, offset + VIEW_ITEMS);
        let len = self
            .b
            .ins()
            .load(types::I64, ctx_flags(), context, offset + VIEW_LEN);
        self.remember(Cached::View(view), [items, len]);
        (items, len)
    }

    /// The address of view `view`'s running sum (a `Tally`; null but for
    /// integer fields and maps), read from the context.
    pub(super) fn view_sum_at(&mut self, view: i32) -> ir::Value {
        if let Some([sum, _]) = self.cached(Cached::Sum(view)) {
            return sum;
        }
        let context = self.context();
        let sum = self.b.ins().load(
            self.pointer,
            ctx_flags(),
            context,
            VIEWS + view * VIEW_BYTES + VIEW_SUM,
        );
        self.remember(Cached::Sum(view), [sum, sum]);
        sum
    }

    /// Integer item `account` of view `view`: zero past the end (a missing
    /// entry reads as zero).
    pub(super) fn view_int(&mut self, view: i32, account: ir::Value) -> Val {
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
        let offset = self.b.ins().imul_imm_u(index, i64::from(INT_BYTES));
        let address = self.b.ins().iadd(items, offset);
        let low = self.b.ins().load(types::I128, flags(), address, 0);
        let high = self.b.ins().load(types::I128, flags(), address, INT_HIGH);
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
    pub(super) fn flag_view(
        &mut self,
        mechanism: MechanismId,
        field: FieldId,
        keys: &[Expr],
    ) -> Option<i32> {
        let shape = &self.program.mechanisms[mechanism.index()].fields[field.index()].shape;
        let flags_map = matches!(shape, Shape::Map(Repr::Address, value)
            if **value == Shape::Scalar(Repr::Bool));
        if !flags_map || keys.len() != 1 {
            return None;
        }
        self.view(ViewSource::Field { mechanism, field })
    }

    /// Flag `account` of view `view` (a byte each): false past the end,
    /// as the map reads there.
    pub(super) fn view_flag(&mut self, view: i32, account: ir::Value) -> Val {
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
    pub(super) fn population(&mut self, population: PopulationId) -> (ir::Value, ir::Value) {
        if let Some((_, known)) = self.populations.iter().find(|(p, _)| *p == population) {
            return *known;
        }
        let context = self.context();
        let p = self.i32(population.raw());
        let packed = self.call(self.refs.agents, &[context, p]);
        let count = self.b.ins().ireduce(types::I32, packed);
        let shifted = self.b.ins().ushr_imm_u(packed, 32);
        let base = self.b.ins().ireduce(types::I32, shifted);
        if self.b.current_block() == Some(self.entry) {
            self.populations.push((population, (base, count)));
        }
        (base, count)
    }

    pub(super) fn for_agents(&mut self, local: LocalId, population: PopulationId, body: &Block) {
        let (base, count) = self.population(population);
        self.counted_loop(types::I32, count, |l, index| {
            let agent = l.b.ins().iadd(base, index);
            l.def(local, Val::One(agent));
            l.block(body);
        });
    }
}
