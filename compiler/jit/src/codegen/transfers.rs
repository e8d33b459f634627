//! Transfers in place: a token transfer or `transfer_from` of chain code
//! checked and written in compiled code, balances and the first allowance
//! logged as the token model journals them.

use super::*;

impl Lower<'_> {
    /// `transfer` or `transfer_from` of a token without votes, when no fee
    /// applies (the token has none, or a party is, at compile time, an
    /// account it exempts), in place: with `self` the caller (and the
    /// spender), the checks of the token model, then, if they all hold,
    /// the allowance (one not unlimited, of the owner's first spender),
    /// the sender's balance and the recipient's written in place and
    /// logged as the token model journals them. Returns the block where
    /// any check that does not hold leads, for the host to run the
    /// operation; `None` when the operation is not one of these.
    pub(super) fn native_transfer(
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
        let definition = self.program.tokens.get(token.index())?;
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
                let offset = self
                    .b
                    .ins()
                    .imul_imm_u(from_index, i64::from(ALLOWANCE_BYTES));
                let entry = self.b.ins().iadd(items, offset);
                let first = (self.b.ins()).load(types::I32, flags(), entry, ALLOWANCE_SPENDER);
                let same = self
                    .b
                    .ins()
                    .icmp_imm_u(IntCC::Equal, first, i64::from(spender));
                let words: Vec<ir::Value> = (0..4)
                    .map(|word| {
                        let at = ALLOWANCE_AMOUNT + WORD_BYTES * word;
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
            let offset = l.b.ins().imul_imm_u(index, i64::from(INT_BYTES));
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
                self.log_write(LOGGED_ALLOWANCE, (token.raw(), spender), from, old);
            }
            self.log_write(LOGGED_BALANCE, (token.raw(), 0), from, from_balance);
            self.log_write(LOGGED_BALANCE, (token.raw(), 0), to, to_balance);
            self.b.ins().jump(logged, &[]);
            self.b.switch_to_block(logged);
        }
        if let Some((entry, current)) = allowance {
            let left = self.b.ins().isub(current, amount);
            let (low, high) = self.b.ins().isplit(left);
            self.b.ins().store(flags(), low, entry, ALLOWANCE_AMOUNT);
            self.b
                .ins()
                .store(flags(), high, entry, ALLOWANCE_AMOUNT + WORD_BYTES);
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
}
