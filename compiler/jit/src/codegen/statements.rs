//! Statements: control flow, events, token operations and the sites
//! that run the rest on the host.

use super::*;

impl Lower<'_> {
    pub(super) fn block(&mut self, block: &Block) {
        for stmt in block {
            self.stmt(stmt);
        }
    }

    pub(super) fn stmt(&mut self, stmt: &Stmt) {
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
    pub(super) fn emit(&mut self, stmt: &Stmt, args: &[Expr]) {
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
    pub(super) fn token_call(&mut self, token: TokenId, op: TokenOp, args: &[Expr]) {
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
        let token_op = self.i32(token.raw() << 8 | code);
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
    pub(super) fn static_account(&self, expr: &Expr) -> Option<u32> {
        match expr.kind {
            ExprKind::Entity(entity) => Some(tok_world::entity_address(self.program, entity)),
            ExprKind::Env(Env::This) => self
                .mechanism
                .map(|m| tok_world::entity_address(self.program, Entity::Mechanism(m))),
            _ => None,
        }
    }
}
