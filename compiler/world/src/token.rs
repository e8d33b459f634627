//! The ERC-20 model, with OpenZeppelin 5's semantics: transfers with the
//! transfer fee, allowances, mints under the cap, burns, the pause and vote
//! delegation with checkpoints; and the settlement in place of the
//! transfers and approvals scenario code makes directly.

use tok_mir::*;
use tok_runtime::numeric;
use tok_runtime::{U256, WAD};

use crate::call::{CallTarget, PendingCall};
use crate::reads::{Reads, Resource};
use crate::state::{Address, Value, ZERO_ADDRESS};
use crate::{Exec, World, revert};

/// Deployment facts of a token, resolved to accounts.
#[derive(Clone, Debug, Default)]
pub(crate) struct TokenInfo {
    pub cap: Option<U256>,
    pub fee: Option<U256>,
    /// `WAD / fee` when it is a whole number (a 1% fee: 100): then the
    /// fee `mul_div(amount, fee, WAD)` is exactly `amount / fee_divisor`.
    pub fee_divisor: Option<U256>,
    pub fee_to: Option<Address>,
    pub fee_exempt: Vec<Address>,
    pub minters: Vec<Address>,
    pub owner: Option<Address>,
    pub votes: bool,
}

/// What a token's transfers and approvals made directly by scenario code
/// need to be settled in place ([`World::settle_in_place`]): a token
/// without votes whose fee, if any, is a plain division, and what the
/// invariants read of it. `None` for any other token.
#[derive(Clone, Debug)]
pub(crate) struct DirectPlan {
    /// The fee's divisor (`None`: no fee).
    divisor: Option<u128>,
    /// The fee's recipient (the zero address: it is burned).
    fee_to: Address,
    exempt: Vec<Address>,
    /// The balances an invariant reads.
    balances_watched: Vec<Address>,
    /// Whether an invariant reads what the fee is written to (the
    /// recipient's balance or the supply): then every transfer is checked,
    /// as `World::direct_writes` counts the fee's write whatever its size.
    fee_watched: bool,
    /// Whether an invariant reads allowances (or the rest of the token).
    others_watched: bool,
}

impl DirectPlan {
    pub(crate) fn new(token: TokenId, info: &TokenInfo, watched: &Reads) -> Option<DirectPlan> {
        let divisor = match (info.fee, info.fee_divisor) {
            _ if info.votes => return None,
            (None, _) => None,
            (Some(_), Some(divisor)) if *divisor.high() == 0 => Some(*divisor.low()),
            (Some(_), _) => return None,
        };
        let Reads::Only(reads) = watched else {
            return None;
        };
        let fee_to = info.fee_to.unwrap_or(ZERO_ADDRESS);
        let mut plan = DirectPlan {
            divisor,
            fee_to,
            exempt: info.fee_exempt.clone(),
            balances_watched: Vec::new(),
            fee_watched: false,
            others_watched: false,
        };
        for read in reads {
            match *read {
                Resource::Balance(t, None) if t == token => return None,
                Resource::Balance(t, Some(account)) if t == token => {
                    plan.balances_watched.push(account);
                    plan.fee_watched |= divisor.is_some() && account == fee_to;
                }
                Resource::Supply(t) if t == token => {
                    plan.fee_watched |= divisor.is_some() && fee_to == ZERO_ADDRESS;
                }
                Resource::TokenOther(t) if t == token => plan.others_watched = true,
                _ => {}
            }
        }
        Some(plan)
    }
}

/// Whether `accounts` (a few) holds `account`: inline, where `contains`
/// is a call.
#[inline(always)]
#[allow(clippy::manual_contains)]
fn holds(accounts: &[Address], account: Address) -> bool {
    accounts.iter().any(|held| *held == account)
}

impl World<'_> {
    /// Runs token operation `op` of `token` called by `caller` with
    /// `args` (as [`World::token_call`] takes them, from the call's
    /// arguments in source order).
    pub(crate) fn token_op(
        &mut self,
        caller: Address,
        token: TokenId,
        op: TokenOp,
        args: &[Value],
    ) -> Exec<()> {
        // Read by kind, without building a default value for a missing
        // argument (which reads as zero).
        let int = |index: usize| args.get(index).map_or(U256::ZERO, |value| value.int());
        let address = |index: usize| {
            args.get(index)
                .map_or(ZERO_ADDRESS, |value| value.address())
        };
        let amount = match op {
            TokenOp::Transfer | TokenOp::Approve | TokenOp::Mint => int(1),
            TokenOp::TransferFrom => int(2),
            TokenOp::Burn => int(0),
            TokenOp::Delegate | TokenOp::Pause | TokenOp::Unpause => U256::ZERO,
        };
        self.token_call(caller, token, op, [address(0), address(1)], amount)
    }

    /// Runs token operation `op` of `token` called by `caller`, inside the
    /// current transaction, with its arguments by kind: the accounts it
    /// takes, in source order (`transfer(to, _)`, `transfer_from(from, to,
    /// _)`, `approve(spender, _)`, `mint(to, _)`, `delegate(to)`; the
    /// zero address past those), and the amount (zero for an operation
    /// without one). What `World::execute` does for a call to a token,
    /// for callers that have the operation and its arguments at hand
    /// (compiled chain code).
    pub fn token_call(
        &mut self,
        caller: Address,
        token: TokenId,
        op: TokenOp,
        accounts: [Address; 2],
        amount: U256,
    ) -> Exec<()> {
        match op {
            TokenOp::Transfer => self.transfer(token, caller, accounts[0], amount),
            TokenOp::TransferFrom => {
                let [from, to] = accounts;
                self.spend_allowance(token, from, caller, amount)?;
                self.transfer(token, from, to, amount)
            }
            TokenOp::Approve => {
                let spender = accounts[0];
                if spender == ZERO_ADDRESS {
                    return revert("ERC20InvalidSpender");
                }
                self.state.set_allowance(token, caller, spender, amount);
                Ok(())
            }
            TokenOp::Mint => {
                let to = accounts[0];
                if to == ZERO_ADDRESS {
                    return revert("ERC20InvalidReceiver");
                }
                if !self.tokens[token.index()].minters.contains(&caller) {
                    return revert("unauthorized");
                }
                self.update(token, ZERO_ADDRESS, to, amount)
            }
            TokenOp::Burn => self.update(token, caller, ZERO_ADDRESS, amount),
            TokenOp::Delegate => self.delegate(token, caller, accounts[0]),
            TokenOp::Pause | TokenOp::Unpause => {
                if self.tokens[token.index()].owner != Some(caller) {
                    return revert("OwnableUnauthorizedAccount");
                }
                let paused = self.state.ledgers[token.index()].paused;
                match (op, paused) {
                    (TokenOp::Pause, true) => revert("EnforcedPause"),
                    (TokenOp::Unpause, false) => revert("ExpectedPause"),
                    _ => {
                        self.state.set_paused(token, op == TokenOp::Pause);
                        Ok(())
                    }
                }
            }
        }
    }

    /// What `call`, made by `caller` as a transaction of its own, can write,
    /// when it is a token operation that reverts, if at all, before its
    /// first write, so that it needs no journal: a transfer (every check
    /// of `transfer` and `update` comes before the first balance moves,
    /// the fee's included) or an approval, of a token without votes (whose
    /// bookkeeping is not in that order), with the token. `None`: anything
    /// else. Inlined, so that the writes are built where they are read
    /// (a copy of them, just stored, would stall the processor).
    #[inline(always)]
    pub(crate) fn direct_writes(
        &self,
        caller: Address,
        call: &PendingCall,
    ) -> Option<(TokenId, [Resource; 3])> {
        let CallTarget::Token { token, op } = call.target else {
            return None;
        };
        let info = &self.tokens[token.index()];
        if info.votes {
            return None;
        }
        match op {
            TokenOp::Transfer => {
                let to = call.args.first().map_or(ZERO_ADDRESS, |to| to.address());
                let to = Resource::Balance(token, Some(to));
                let fee = match (info.fee, info.fee_to) {
                    (None, _) => to,
                    (Some(_), Some(fee_to)) => Resource::Balance(token, Some(fee_to)),
                    (Some(_), None) => Resource::Supply(token),
                };
                Some((token, [Resource::Balance(token, Some(caller)), to, fee]))
            }
            TokenOp::Approve => Some((token, [Resource::TokenOther(token); 3])),
            _ => None,
        }
    }

    /// Settles `call`, made by `caller` as a transaction of its own, in
    /// place when it is a transfer or an approval that [`DirectPlan`]
    /// covers, that cannot revert and that writes nothing an invariant
    /// reads (all having been seen to hold): the model's checks, then its
    /// writes, without the layers of [`World::execute`]. Whether it did;
    /// if not, nothing was written and the transaction takes the usual
    /// path, which also reports any revert. Inlined into the queue's loop.
    #[inline(always)]
    pub(crate) fn settle_in_place(&mut self, caller: Address, call: &PendingCall) -> bool {
        let CallTarget::Token { token, op } = call.target else {
            return false;
        };
        let Some(Some(plan)) = self.direct.get(token.index()) else {
            return false;
        };
        let ledger = &mut self.state.ledgers[token.index()];
        if !self.invariants_verified || ledger.paused {
            return false;
        }
        let address = |index: usize| {
            call.args
                .get(index)
                .map_or(ZERO_ADDRESS, |value| value.address())
        };
        let amount = call.args.get(1).map_or(U256::ZERO, |value| value.int());
        match op {
            TokenOp::Transfer => {
                let to = address(0);
                let (from_index, to_index) = (caller as usize, to as usize);
                let balances = &mut ledger.balances;
                if caller == ZERO_ADDRESS
                    || to == ZERO_ADDRESS
                    || *amount.high() != 0
                    || plan.fee_watched
                    || holds(&plan.balances_watched, caller)
                    || holds(&plan.balances_watched, to)
                    || from_index >= balances.len()
                    || to_index >= balances.len()
                    || balances[from_index] < amount
                {
                    return false;
                }
                let fee = match plan.divisor {
                    Some(divisor) if !holds(&plan.exempt, caller) && !holds(&plan.exempt, to) => {
                        U256::from(*amount.low() / divisor)
                    }
                    _ => U256::ZERO,
                };
                let fee_index = plan.fee_to as usize;
                if fee > U256::ZERO && plan.fee_to != ZERO_ADDRESS && fee_index >= balances.len() {
                    return false;
                }
                // The order of `transfer`: the whole amount leaves, the fee
                // arrives (or is burned), then the rest, so that parties
                // that coincide end as there.
                balances[from_index] -= amount;
                if fee > U256::ZERO {
                    if plan.fee_to == ZERO_ADDRESS {
                        ledger.total_supply -= fee;
                    } else {
                        balances[fee_index] += fee;
                    }
                }
                balances[to_index] += amount - fee;
            }
            TokenOp::Approve => {
                let spender = address(0);
                if spender == ZERO_ADDRESS || plan.others_watched {
                    return false;
                }
                ledger.allowances.insert(caller, spender, amount);
            }
            _ => return false,
        }
        self.stats.transactions += 1;
        true
    }

    pub(crate) fn spend_allowance(
        &mut self,
        token: TokenId,
        owner: Address,
        spender: Address,
        amount: U256,
    ) -> Exec<()> {
        let current = self.state.ledgers[token.index()]
            .allowances
            .get(owner, spender)
            .unwrap_or(U256::ZERO);
        if current == U256::MAX {
            return Ok(());
        }
        if current < amount {
            return revert("ERC20InsufficientAllowance");
        }
        self.state
            .set_allowance(token, owner, spender, current - amount);
        Ok(())
    }

    /// `_transfer`: validates the parties, then takes the transfer fee
    /// unless either party is exempt.
    pub(crate) fn transfer(
        &mut self,
        token: TokenId,
        from: Address,
        to: Address,
        amount: U256,
    ) -> Exec<()> {
        if from == ZERO_ADDRESS {
            return revert("ERC20InvalidSender");
        }
        if to == ZERO_ADDRESS {
            return revert("ERC20InvalidReceiver");
        }
        let info = &self.tokens[token.index()];
        let exempt = holds(&info.fee_exempt, from) || holds(&info.fee_exempt, to);
        let fee = match (info.fee, info.fee_divisor) {
            _ if exempt => U256::ZERO,
            (_, Some(divisor)) => amount / divisor,
            (Some(ratio), None) => numeric::mul_div(amount, ratio, WAD)?,
            (None, None) => U256::ZERO,
        };
        let fee_to = info.fee_to.unwrap_or(ZERO_ADDRESS);
        let ledger = &self.state.ledgers[token.index()];
        if !info.votes && !ledger.paused {
            // What the two `update`s below do when their only check is the
            // balance: the whole amount checked, then it leaves at once
            // (the balances and the supply end the same).
            self.debit(token, from, amount)?;
            if fee > U256::ZERO {
                self.credit(token, fee_to, fee);
            }
            self.credit(token, to, amount - fee);
            return Ok(());
        }
        if fee > U256::ZERO {
            // The full amount must be there; the fee leaves first.
            if ledger.balance(from) < amount {
                return revert("ERC20InsufficientBalance");
            }
            self.update(token, from, fee_to, fee)?;
        }
        self.update(token, from, to, amount - fee)
    }

    /// `amount` leaving `from`'s balance, which must hold it.
    pub(crate) fn debit(&mut self, token: TokenId, from: Address, amount: U256) -> Exec<()> {
        let balance = self.state.ledgers[token.index()].balance(from);
        if balance < amount {
            return revert("ERC20InsufficientBalance");
        }
        self.state.set_balance(token, from, balance - amount);
        Ok(())
    }

    /// `amount`, which some balance held, arriving at `to`, or burned when
    /// `to` is the zero address, as in `update` (the supply bounds every
    /// balance, so neither can wrap).
    pub(crate) fn credit(&mut self, token: TokenId, to: Address, amount: U256) {
        if to == ZERO_ADDRESS {
            let supply = self.state.ledgers[token.index()].total_supply - amount;
            self.state.set_total_supply(token, supply);
        } else {
            let balance = self.state.ledgers[token.index()].balance(to);
            self.state.set_balance(token, to, balance + amount);
        }
    }

    /// `_update`: moves, mints (from zero) or burns (to zero), with the cap,
    /// the pause and vote bookkeeping.
    pub(crate) fn update(
        &mut self,
        token: TokenId,
        from: Address,
        to: Address,
        amount: U256,
    ) -> Exec<()> {
        if self.state.ledgers[token.index()].paused {
            return revert("EnforcedPause");
        }
        if from == ZERO_ADDRESS {
            let supply = numeric::add(self.state.ledgers[token.index()].total_supply, amount)?;
            if let Some(cap) = self.tokens[token.index()].cap
                && supply > cap
            {
                return revert("ERC20ExceededCap");
            }
            self.state.set_total_supply(token, supply);
        } else {
            self.debit(token, from, amount)?;
        }
        self.credit(token, to, amount);
        if self.tokens[token.index()].votes {
            let now = self.now;
            if from == ZERO_ADDRESS || to == ZERO_ADDRESS {
                let supply = self.state.ledgers[token.index()].total_supply;
                self.state.supply_checkpoint(token, now, supply);
            }
            let ledger = &self.state.ledgers[token.index()];
            let from_delegate = ledger.delegates.get(&from).copied();
            let to_delegate = ledger.delegates.get(&to).copied();
            self.move_votes(token, from_delegate, to_delegate, amount);
        }
        Ok(())
    }

    pub(crate) fn move_votes(
        &mut self,
        token: TokenId,
        from: Option<Address>,
        to: Option<Address>,
        amount: U256,
    ) {
        if from == to || amount == U256::ZERO {
            return;
        }
        let now = self.now;
        if let Some(from) = from {
            let votes = self.state.ledgers[token.index()].votes(from);
            self.state
                .checkpoint(token, from, now, votes.saturating_sub(amount));
        }
        if let Some(to) = to {
            let votes = self.state.ledgers[token.index()].votes(to);
            self.state
                .checkpoint(token, to, now, votes.saturating_add(amount));
        }
    }

    pub(crate) fn delegate(&mut self, token: TokenId, account: Address, to: Address) -> Exec<()> {
        let ledger = &self.state.ledgers[token.index()];
        let old = ledger.delegates.get(&account).copied();
        let balance = ledger.balance(account);
        self.state.set_delegate(token, account, to);
        self.move_votes(token, old, Some(to), balance);
        Ok(())
    }
}
