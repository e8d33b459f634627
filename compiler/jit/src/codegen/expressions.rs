//! Expressions: values, sites for what touches the world, logic and
//! comparisons, agents and random draws.

use super::*;

impl Lower<'_> {
    pub(super) fn expr(&mut self, expr: &Expr) -> Val {
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
                    (Env::Deployed, _) => self.int(U256::from(tok_world::GENESIS)),
                }
            }
            ExprKind::Entity(entity) => Val::One(self.b.ins().iconst(
                types::I32,
                i64::from(tok_world::entity_address(self.program, *entity)),
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
                let shape = &self.program.mechanisms[mechanism.index()].fields[field.index()].shape;
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
    pub(super) fn agent(&mut self, population: PopulationId, index: Val, expr: &Expr) -> Val {
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
    pub(super) fn uniform(&mut self) -> ir::Value {
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

    pub(super) fn expr_site(&mut self, expr: &Expr) -> Val {
        let mut synthetic = expr.clone();
        let children = replace_children(expr_children(&mut synthetic.kind), self.base);
        let values: Vec<Val> = children.iter().map(|child| self.expr(child)).collect();
        self.expr_site_with(expr, &values)
    }

    /// `expr` as a host site whose operands are `values`, evaluated.
    pub(super) fn expr_site_with(&mut self, expr: &Expr, values: &[Val]) -> Val {
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
    pub(super) fn logic(&mut self, items: &[Expr], stop_on: bool) -> Val {
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
    pub(super) fn less(&mut self, a: Val, b: Val) -> ir::Value {
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

    pub(super) fn equal(&mut self, a: Val, b: Val) -> ir::Value {
        let zero = self.i128(0);
        let ((al, ah), (bl, bh)) = (a.halves(zero), b.halves(zero));
        let low = self.b.ins().icmp(IntCC::Equal, al, bl);
        let high = self.b.ins().icmp(IntCC::Equal, ah, bh);
        self.b.ins().band(low, high)
    }

    pub(super) fn compare(&mut self, op: CompareOp, repr: Repr, a: Val, b: Val) -> ir::Value {
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
}
