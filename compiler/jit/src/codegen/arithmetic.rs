//! 256-bit arithmetic: checked operations with fast paths for small
//! operands, division by constants, `mul_div` (inline 256-by-128-bit
//! division, kept reciprocals and ratios) and the host's full-width
//! routines otherwise.

use super::*;

impl Lower<'_> {
    pub(super) fn binary(&mut self, op: BinOp, a: Val, b: Val) -> Val {
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
    pub(super) fn divide_by_constant(&mut self, op: BinOp, a: Val, divisor: u64) -> Val {
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
    pub(super) fn divide_2by1(
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
    pub(super) fn fast_or_host(
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
    pub(super) fn mul_div(&mut self, values: [Val; 3], swap: bool) -> Val {
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
    pub(super) fn mul_div_by_ratio(
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
                    .load(types::I128, ctx_flags(), context, offset + RATIO_WHOLE);
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
            .store(ctx_flags(), c, context, RATIO_PENDING + RATIO_WHOLE);
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
    pub(super) fn keep_ratio(
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
    pub(super) fn mul_div_shared(&mut self, part: Val, swap: bool, shared: Shared) -> Val {
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
    pub(super) fn ratio_product(
        &mut self,
        b: ir::Value,
        join: ir::Block,
        fixed: impl FnOnce(&mut Self) -> (ir::Value, ir::Value),
    ) -> Option<ir::Value> {
        let context = self.context();
        let r: [ir::Value; 3] = [0, 1, 2].map(|word| {
            self.b
                .ins()
                .load(types::I64, ctx_flags(), context, RATIO + word * WORD_BYTES)
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
    pub(super) fn mul_128(&mut self, x: ir::Value, y: ir::Value) -> ir::Value {
        // One widening machine multiply (Cranelift lowers a product of two
        // zero-extended 64-bit values so), not a low and a high product.
        let x = self.b.ins().uextend(types::I128, x);
        let y = self.b.ins().uextend(types::I128, y);
        self.b.ins().imul(x, y)
    }

    /// The 256-bit product of two 128-bit integers, as (high, low).
    pub(super) fn mul_256(&mut self, a: ir::Value, b: ir::Value) -> (ir::Value, ir::Value) {
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
    pub(super) fn div_256_by_128(
        &mut self,
        high: ir::Value,
        low: ir::Value,
        divisor: ir::Value,
    ) -> ir::Value {
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
    pub(super) fn reciprocal(&mut self, divisor: ir::Value) -> ir::Value {
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
    pub(super) fn divide_3by2(
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

    pub(super) fn int_host(&mut self, op: u32, values: &[Val]) -> Val {
        let buffer = self.spill(values);
        let out = self.buffer(1);
        let (context, op) = (self.context(), self.i32(op));
        let status = self.call(self.refs.int, &[context, op, buffer, out]);
        self.check(status);
        self.load(Repr::Int, out, 0)
    }
}
