//! Storage: statements run on the host, writes in place through views
//! with their undo log entries, and the running sums of integer maps.

use super::*;

impl Lower<'_> {
    pub(super) fn stmt_site(&mut self, stmt: &Stmt) {
        let mut synthetic = stmt.clone();
        let children = replace_children(stmt_children(&mut synthetic), self.base);
        let values: Vec<Val> = children.iter().map(|child| self.expr(child)).collect();
        self.stmt_site_with(stmt, &values);
    }

    /// A statement site whose operands are already evaluated.
    pub(super) fn stmt_site_with(&mut self, stmt: &Stmt, values: &[Val]) {
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
    pub(super) fn store_in_place(
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
        let offset = self.b.ins().imul_imm_u(index, i64::from(INT_BYTES));
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
            self.log_write(LOGGED_FIELD, (mechanism.raw(), field.raw()), key_word, old);
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
    pub(super) fn log_write(
        &mut self,
        kind: u32,
        (mechanism, field): (u32, u32),
        key: ir::Value,
        old: Val,
    ) {
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
        self.b
            .ins()
            .store(ctx_flags(), high, entry, LOG_OLD + INT_HIGH);
        let next = self.b.ins().iadd_imm_u(len, 1);
        self.b.ins().store(ctx_flags(), next, context, LOG_LEN);
    }

    /// Reads view `view`'s running sum (a `Tally`) before one of its terms
    /// changes by `change`, and whether the change is the usual one
    /// (`RunningSum::narrow`); `finish_running_sum` brings it up to date.
    pub(super) fn running_sum(&mut self, view: i32, change: SumChange) -> RunningSum {
        let address = self.view_sum_at(view);
        let sum = self.load(Repr::Int, address, TALLY_LOW);
        let carries = self
            .b
            .ins()
            .load(types::I64, flags(), address, TALLY_CARRIES);
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
    pub(super) fn finish_running_sum(
        &mut self,
        running: RunningSum,
        change: SumChange,
        checked: bool,
    ) {
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
        self.store(Val::Int(low, high), sum_address, TALLY_LOW);
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
        self.store(total, sum_address, TALLY_LOW);
        self.b
            .ins()
            .store(flags(), carries, sum_address, TALLY_CARRIES);
        self.b.ins().jump(summed, &[]);
        self.b.switch_to_block(summed);
    }

    /// `a + b` modulo 2^256 and whether it wrapped.
    pub(super) fn add_wrapping(&mut self, a: Val, b: Val) -> (Val, ir::Value) {
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
    pub(super) fn sub_wrapping(&mut self, a: Val, b: Val) -> (Val, ir::Value) {
        let zero = self.i128(0);
        let ((al, ah), (bl, bh)) = (a.halves(zero), b.halves(zero));
        let (low, low_borrow) = self.b.ins().usub_overflow(al, bl);
        let (high, high_borrow) = self.b.ins().usub_overflow(ah, bh);
        let borrow_in = self.b.ins().uextend(types::I128, low_borrow);
        let (high_total, borrow_out) = self.b.ins().usub_overflow(high, borrow_in);
        let borrow = self.b.ins().bor(high_borrow, borrow_out);
        (Val::Int(low, high_total), borrow)
    }
}
