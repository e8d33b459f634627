//! The world's mutable state and its undo journal.
//!
//! Every write goes through a method here that first records how to undo
//! it, so a reverting transaction can be rolled back exactly, however deep
//! its nested calls went.

use std::collections::BTreeMap;

use tok_mir::{FieldId, GovernorId, MechanismId, ParamId, Repr, Shape, TokenId, VestingId};
use tok_runtime::U256;

use crate::layout::{FirstAllowance, Tally};

/// A dense account index. Account 0 is the zero address.
pub type Address = u32;

pub const ZERO_ADDRESS: Address = 0;

/// A run-time value. Strings are interned by the world ([`crate::World::intern`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    Int(U256),
    Float(f64),
    Bool(bool),
    Address(Address),
    Str(u32),
}

impl Default for Value {
    fn default() -> Value {
        Value::Int(U256::ZERO)
    }
}

impl Value {
    pub fn zero(repr: Repr) -> Value {
        match repr {
            Repr::Int => Value::Int(U256::ZERO),
            Repr::Float => Value::Float(0.0),
            Repr::Bool => Value::Bool(false),
            Repr::Address => Value::Address(ZERO_ADDRESS),
            Repr::Str => Value::Str(0),
        }
    }

    pub fn int(self) -> U256 {
        match self {
            Value::Int(value) => value,
            _ => U256::ZERO,
        }
    }

    pub fn float(self) -> f64 {
        match self {
            Value::Float(value) => value,
            _ => 0.0,
        }
    }

    pub fn bool(self) -> bool {
        matches!(self, Value::Bool(true))
    }

    pub fn address(self) -> Address {
        match self {
            Value::Address(address) => address,
            _ => ZERO_ADDRESS,
        }
    }

    pub fn string(self) -> u32 {
        match self {
            Value::Str(index) => index,
            _ => 0,
        }
    }

    pub fn key(self) -> Key {
        match self {
            Value::Int(value) => Key::Int(value),
            Value::Bool(value) => Key::Bool(value),
            Value::Address(address) => Key::Address(address),
            Value::Str(index) => Key::Str(index),
            Value::Float(value) => Key::Int(U256::from(value.to_bits())),
        }
    }
}

/// A map key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    Int(U256),
    Bool(bool),
    Address(Address),
    Str(u32),
}

/// A short list kept inline up to `N` items, so that the common storage
/// access or call allocates nothing; longer lists go to the heap.
#[derive(Clone, Debug)]
pub enum Small<T, const N: usize> {
    Inline(u8, [T; N]),
    Heap(Vec<T>),
}

impl<T: Copy + Default, const N: usize> Small<T, N> {
    pub fn from_slice(items: &[T]) -> Small<T, N> {
        if items.len() <= N {
            let mut inline = [T::default(); N];
            inline[..items.len()].copy_from_slice(items);
            Small::Inline(items.len() as u8, inline)
        } else {
            Small::Heap(items.to_vec())
        }
    }

    /// `len` items, item `i` being `item(i)`, built in place.
    #[inline(always)]
    pub fn build(len: usize, mut item: impl FnMut(usize) -> T) -> Small<T, N> {
        if len <= N {
            let mut inline = [T::default(); N];
            for (index, slot) in inline.iter_mut().enumerate().take(len) {
                *slot = item(index);
            }
            Small::Inline(len as u8, inline)
        } else {
            Small::Heap((0..len).map(item).collect())
        }
    }

    /// Makes `self` `len` items, item `i` being `item(i)`, written over the
    /// inline items it holds when they are enough (a queue slot reused
    /// without building a new list and moving it in).
    #[inline(always)]
    pub fn refill(&mut self, len: usize, mut item: impl FnMut(usize) -> T) {
        match self {
            Small::Inline(count, items) if len <= N => {
                *count = len as u8;
                for (index, slot) in items.iter_mut().enumerate().take(len) {
                    *slot = item(index);
                }
            }
            _ => *self = Small::build(len, item),
        }
    }
}

impl<T, const N: usize> std::ops::Deref for Small<T, N> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        match self {
            Small::Inline(len, inline) => &inline[..*len as usize],
            Small::Heap(items) => items,
        }
    }
}

impl<T: Copy + Default, const N: usize> FromIterator<T> for Small<T, N> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Small<T, N> {
        let mut inline = [T::default(); N];
        let mut len = 0;
        let mut items = items.into_iter();
        for item in items.by_ref() {
            if len == N {
                let mut heap = inline.to_vec();
                heap.push(item);
                heap.extend(items);
                return Small::Heap(heap);
            }
            inline[len] = item;
            len += 1;
        }
        Small::Inline(len as u8, inline)
    }
}

impl<T: Copy + Default, const N: usize> From<Vec<T>> for Small<T, N> {
    fn from(items: Vec<T>) -> Small<T, N> {
        Small::from_slice(&items)
    }
}

impl<T: PartialEq, const N: usize> PartialEq for Small<T, N> {
    fn eq(&self, other: &Small<T, N>) -> bool {
        **self == **other
    }
}

impl Default for Key {
    fn default() -> Key {
        Key::Bool(false)
    }
}

/// The keys of one storage access.
pub type Keys = Small<Key, 3>;

/// The arguments of one call.
pub type Args = Small<Value, 3>;

/// Values of one representation stored without a per-value tag: the
/// entries of an account-keyed map of scalars, or the items of a list.
#[derive(Clone, Debug, PartialEq)]
pub enum Column {
    Int(Vec<U256>),
    Float(Vec<f64>),
    Bool(Vec<bool>),
    Address(Vec<Address>),
    Str(Vec<u32>),
}

impl Column {
    pub fn new(repr: Repr) -> Column {
        match repr {
            Repr::Int => Column::Int(Vec::new()),
            Repr::Float => Column::Float(Vec::new()),
            Repr::Bool => Column::Bool(Vec::new()),
            Repr::Address => Column::Address(Vec::new()),
            Repr::Str => Column::Str(Vec::new()),
        }
    }

    pub fn repr(&self) -> Repr {
        match self {
            Column::Int(_) => Repr::Int,
            Column::Float(_) => Repr::Float,
            Column::Bool(_) => Repr::Bool,
            Column::Address(_) => Repr::Address,
            Column::Str(_) => Repr::Str,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Column::Int(items) => items.len(),
            Column::Float(items) => items.len(),
            Column::Bool(items) => items.len(),
            Column::Address(items) => items.len(),
            Column::Str(items) => items.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, index: usize) -> Option<Value> {
        match self {
            Column::Int(items) => items.get(index).map(|v| Value::Int(*v)),
            Column::Float(items) => items.get(index).map(|v| Value::Float(*v)),
            Column::Bool(items) => items.get(index).map(|v| Value::Bool(*v)),
            Column::Address(items) => items.get(index).map(|v| Value::Address(*v)),
            Column::Str(items) => items.get(index).map(|v| Value::Str(*v)),
        }
    }

    /// Writes item `index`, growing the column with zeros; returns the old
    /// value. A value of another representation is stored as its zero.
    pub fn set(&mut self, index: usize, value: Value) -> Value {
        fn put<T: Copy + Default>(items: &mut Vec<T>, index: usize, value: T) -> T {
            if items.len() <= index {
                items.resize(index + 1, T::default());
            }
            std::mem::replace(&mut items[index], value)
        }
        match self {
            Column::Int(items) => Value::Int(put(items, index, value.int())),
            Column::Float(items) => Value::Float(put(items, index, value.float())),
            Column::Bool(items) => Value::Bool(put(items, index, value.bool())),
            Column::Address(items) => Value::Address(put(items, index, value.address())),
            Column::Str(items) => Value::Str(put(items, index, value.string())),
        }
    }

    pub fn push(&mut self, value: Value) {
        let index = self.len();
        self.set(index, value);
    }

    pub fn pop(&mut self) {
        match self {
            Column::Int(items) => drop(items.pop()),
            Column::Float(items) => drop(items.pop()),
            Column::Bool(items) => drop(items.pop()),
            Column::Address(items) => drop(items.pop()),
            Column::Str(items) => drop(items.pop()),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = Value> + '_ {
        (0..self.len()).filter_map(|index| self.get(index))
    }

    pub fn contains(&self, value: Value) -> bool {
        self.iter().any(|item| item == value)
    }
}

/// Storage of one field: a scalar, a map or a list.
#[derive(Clone, Debug, PartialEq)]
pub enum Slot {
    Scalar(Value),
    /// An account-keyed map of scalars: a dense column, grown on demand.
    Accounts(Column),
    /// An account-keyed map of maps or lists: dense, grown on demand.
    AddressMap(Vec<Slot>, Box<Shape>),
    Map(BTreeMap<Key, Slot>, Box<Shape>),
    List(Column),
}

impl Slot {
    pub fn new(shape: &Shape) -> Slot {
        match shape {
            Shape::Scalar(repr) => Slot::Scalar(Value::zero(*repr)),
            Shape::Map(Repr::Address, value) => match **value {
                Shape::Scalar(repr) => Slot::Accounts(Column::new(repr)),
                _ => Slot::AddressMap(Vec::new(), value.clone()),
            },
            Shape::Map(_, value) => Slot::Map(BTreeMap::new(), value.clone()),
            Shape::List(repr) => Slot::List(Column::new(*repr)),
        }
    }

    /// Reads through `keys`; missing entries read as zero.
    pub fn get(&self, keys: &[Key]) -> Option<Value> {
        match (self, keys) {
            (Slot::Scalar(value), []) => Some(*value),
            (Slot::Accounts(column), [Key::Address(address)]) => Some(
                column
                    .get(*address as usize)
                    .unwrap_or_else(|| Value::zero(column.repr())),
            ),
            (Slot::AddressMap(entries, shape), [Key::Address(address), rest @ ..]) => {
                match entries.get(*address as usize) {
                    Some(slot) => slot.get(rest),
                    None => Slot::new(shape).get(rest),
                }
            }
            (Slot::Map(entries, shape), [key, rest @ ..]) => match entries.get(key) {
                Some(slot) => slot.get(rest),
                None => Slot::new(shape).get(rest),
            },
            (Slot::List(items), [Key::Int(index)]) => {
                usize::try_from(*index).ok().and_then(|i| items.get(i))
            }
            _ => None,
        }
    }

    /// Writes the scalar at `keys`, creating missing entries; the old value,
    /// or `None` when `keys` do not lead to a scalar (nothing is written).
    pub fn set(&mut self, keys: &[Key], value: Value) -> Option<Value> {
        match (self, keys) {
            (Slot::Scalar(target), []) => Some(std::mem::replace(target, value)),
            (Slot::Accounts(column), [Key::Address(address)]) => {
                Some(column.set(*address as usize, value))
            }
            (Slot::AddressMap(entries, shape), [Key::Address(address), rest @ ..]) => {
                let index = *address as usize;
                if entries.len() <= index {
                    let template = Slot::new(shape);
                    entries.resize(index + 1, template);
                }
                entries[index].set(rest, value)
            }
            (Slot::Map(entries, shape), [key, rest @ ..]) => {
                let template = Slot::new(shape);
                entries.entry(*key).or_insert(template).set(rest, value)
            }
            _ => None,
        }
    }

    /// The sum of all integer values (for `sum(map)`), `None` on overflow.
    pub fn sum(&self) -> Option<U256> {
        match self {
            Slot::Scalar(value) => Some(value.int()),
            Slot::Accounts(column) => column
                .iter()
                .try_fold(U256::ZERO, |total, value| total.checked_add(value.int())),
            Slot::AddressMap(entries, _) => entries
                .iter()
                .try_fold(U256::ZERO, |total, slot| total.checked_add(slot.sum()?)),
            Slot::Map(entries, _) => entries
                .values()
                .try_fold(U256::ZERO, |total, slot| total.checked_add(slot.sum()?)),
            Slot::List(_) => Some(U256::ZERO),
        }
    }
}

/// Allowances by (owner, spender). Most owners approve one spender: that
/// first one lives in a column by owner (40 bytes an owner, no hashing);
/// further ones in a map with a fixed hash, so runs stay reproducible.
/// Printed and compared as one map in key order.
#[derive(Clone, Default)]
pub struct Allowances {
    /// Per owner: the first spender (the zero address: none) and the
    /// amount.
    first: Vec<FirstAllowance>,
    rest: rustc_hash::FxHashMap<(Address, Address), U256>,
}

fn to_words(value: U256) -> [u64; 4] {
    let (high, low) = value.into_words();
    [
        low as u64,
        (low >> 64) as u64,
        high as u64,
        (high >> 64) as u64,
    ]
}

fn from_words(words: [u64; 4]) -> U256 {
    let join = |low: u64, high: u64| (u128::from(high) << 64) | u128::from(low);
    U256::from_words(join(words[2], words[3]), join(words[0], words[1]))
}

impl Allowances {
    pub fn get(&self, owner: Address, spender: Address) -> Option<U256> {
        match self.first.get(owner as usize) {
            Some(first) if first.spender == spender && spender != ZERO_ADDRESS => {
                Some(from_words(first.amount))
            }
            _ => self.rest.get(&(owner, spender)).copied(),
        }
    }

    /// Sets an allowance; returns the old one.
    pub fn insert(&mut self, owner: Address, spender: Address, value: U256) -> Option<U256> {
        if spender != ZERO_ADDRESS && !self.rest.contains_key(&(owner, spender)) {
            let index = owner as usize;
            if self.first.len() <= index {
                self.first.resize(index + 1, FirstAllowance::default());
            }
            let first = &mut self.first[index];
            if first.spender == spender {
                return Some(from_words(std::mem::replace(
                    &mut first.amount,
                    to_words(value),
                )));
            }
            if first.spender == ZERO_ADDRESS {
                *first = FirstAllowance {
                    spender,
                    amount: to_words(value),
                };
                return None;
            }
        }
        self.rest.insert((owner, spender), value)
    }

    /// Removes an allowance; returns it.
    pub fn remove(&mut self, owner: Address, spender: Address) -> Option<U256> {
        match self.first.get_mut(owner as usize) {
            Some(first) if first.spender == spender && spender != ZERO_ADDRESS => {
                first.spender = ZERO_ADDRESS;
                Some(from_words(std::mem::take(&mut first.amount)))
            }
            _ => self.rest.remove(&(owner, spender)),
        }
    }

    /// The column of each owner's first spender, for compiled code that
    /// reads and writes an allowance there in place (an owner past its end,
    /// or whose first spender is another, has the allowance elsewhere).
    pub fn first_column(&mut self) -> &mut [FirstAllowance] {
        &mut self.first
    }

    /// Every allowance, in (owner, spender) order.
    pub fn sorted(&self) -> BTreeMap<(Address, Address), U256> {
        let mut all: BTreeMap<_, _> = self.rest.iter().map(|(k, v)| (*k, *v)).collect();
        for (owner, first) in self.first.iter().enumerate() {
            if first.spender != ZERO_ADDRESS {
                all.insert((owner as Address, first.spender), from_words(first.amount));
            }
        }
        all
    }
}

impl PartialEq for Allowances {
    fn eq(&self, other: &Allowances) -> bool {
        self.sorted() == other.sorted()
    }
}

impl std::fmt::Debug for Allowances {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.sorted().fmt(f)
    }
}

#[cfg(test)]
mod allowance_tests {
    use super::*;

    /// The split between the column and the map is invisible: any mix of
    /// inserts and removes reads back as a plain map would.
    #[test]
    fn allowances_behave_as_a_map() {
        let mut allowances = Allowances::default();
        let mut plain: BTreeMap<(Address, Address), U256> = BTreeMap::new();
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let (owner, spender) = ((seed % 7) as Address, ((seed >> 8) % 4) as Address);
            let value = U256::from(seed >> 16) << ((seed % 3) * 100);
            if (seed >> 40).is_multiple_of(3) {
                assert_eq!(
                    allowances.remove(owner, spender),
                    plain.remove(&(owner, spender))
                );
            } else {
                assert_eq!(
                    allowances.insert(owner, spender, value),
                    plain.insert((owner, spender), value)
                );
            }
            assert_eq!(
                allowances.get(owner, spender),
                plain.get(&(owner, spender)).copied()
            );
            assert_eq!(allowances.sorted(), plain);
        }
    }
}

/// An ERC-20 ledger.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ledger {
    pub balances: Vec<U256>,
    pub total_supply: U256,
    pub allowances: Allowances,
    pub paused: bool,
    pub delegates: BTreeMap<Address, Address>,
    /// Vote checkpoints per account: (timestamp, votes), ascending.
    pub checkpoints: BTreeMap<Address, Vec<(u64, U256)>>,
    /// Total supply checkpoints, for quorums.
    pub supply_checkpoints: Vec<(u64, U256)>,
}

impl Ledger {
    #[inline(always)]
    pub fn balance(&self, account: Address) -> U256 {
        self.balances
            .get(account as usize)
            .copied()
            .unwrap_or(U256::ZERO)
    }

    pub fn votes(&self, account: Address) -> U256 {
        self.checkpoints
            .get(&account)
            .and_then(|c| c.last())
            .map_or(U256::ZERO, |(_, v)| *v)
    }

    pub fn past_votes(&self, account: Address, at: u64) -> U256 {
        past(
            self.checkpoints
                .get(&account)
                .map_or(&[][..], Vec::as_slice),
            at,
        )
    }

    pub fn past_total_supply(&self, at: u64) -> U256 {
        past(&self.supply_checkpoints, at)
    }
}

fn past(checkpoints: &[(u64, U256)], at: u64) -> U256 {
    let index = checkpoints.partition_point(|(time, _)| *time <= at);
    if index == 0 {
        U256::ZERO
    } else {
        checkpoints[index - 1].1
    }
}

/// A vesting wallet's own state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VestingState {
    pub released: U256,
}

/// One governance proposal.
#[derive(Clone, Debug, PartialEq)]
pub struct Proposal {
    pub param: ParamId,
    pub value: Value,
    pub snapshot: u64,
    pub deadline: u64,
    pub votes_for: U256,
    pub votes_against: U256,
    pub voters: Vec<Address>,
    pub executed: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct GovernorState {
    pub proposals: Vec<Proposal>,
}

/// How to undo one write. Plain data (`Copy`, nothing to drop), so that
/// journaling a write is a few stores and committing a transaction is
/// forgetting a length; the rare parts that own memory (several keys, an
/// old proposal) wait in side lists of the [`ChainState`].
#[derive(Clone, Copy, Debug)]
pub enum Undo {
    Field {
        mechanism: MechanismId,
        field: FieldId,
        keys: UndoKeys,
        old: Value,
    },
    Push {
        mechanism: MechanismId,
        field: FieldId,
    },
    Balance {
        token: TokenId,
        account: Address,
        /// In 64-bit words, low first (see `to_words`).
        old: [u64; 4],
    },
    TotalSupply {
        token: TokenId,
        /// In 64-bit words, low first (see `to_words`).
        old: [u64; 4],
    },
    Allowance {
        token: TokenId,
        owner: Address,
        spender: Address,
        /// In 64-bit words (see `to_words`).
        old: Option<[u64; 4]>,
    },
    Paused {
        token: TokenId,
        old: bool,
    },
    Delegate {
        token: TokenId,
        account: Address,
        old: Option<Address>,
    },
    Checkpoint {
        token: TokenId,
        account: Address,
        old_len: usize,
        old_last: Option<(u64, U256)>,
    },
    SupplyCheckpoint {
        token: TokenId,
        old_len: usize,
        old_last: Option<(u64, U256)>,
    },
    Released {
        vesting: VestingId,
        old: U256,
    },
    ProposalAdded {
        governor: GovernorId,
    },
    Proposal {
        governor: GovernorId,
        index: usize,
        /// Its index in [`ChainState::undo_proposals`].
        old: u32,
    },
    Param {
        param: ParamId,
        old: Value,
    },
    Events {
        len: usize,
        count: u64,
    },
}

/// The keys of a journaled field write.
#[derive(Clone, Copy, Debug)]
pub enum UndoKeys {
    None,
    One(Key),
    /// Its index in [`ChainState::undo_keys`].
    Many(u32),
}

/// All chain state of a run.
#[derive(Clone, Debug, Default)]
pub struct ChainState {
    pub ledgers: Vec<Ledger>,
    pub fields: Vec<Vec<Slot>>,
    /// The running sum of every field, parallel to `fields`.
    pub sums: Vec<Vec<Tally>>,
    pub vestings: Vec<VestingState>,
    pub governors: Vec<GovernorState>,
    /// Current param values (governors may change them).
    pub params: Vec<Value>,
    pub journal: Vec<Undo>,
    /// The keys of journaled writes with more than one, by index.
    pub undo_keys: Vec<Keys>,
    /// The old values of journaled proposal updates, by index.
    pub undo_proposals: Vec<Proposal>,
    /// Writes are not journaled while an `every` hook runs (see
    /// [`ChainState::record`]).
    pub unjournaled: bool,
    /// Writes made while journaling was off (counted, not kept).
    pub unjournaled_writes: u64,
    /// Events emitted by committed transactions.
    pub events_emitted: u64,
}

impl ChainState {
    /// Journals one write, unless journaling is off (an `every` hook runs:
    /// a hook that fails stops the run, so nothing it wrote is ever undone).
    #[inline(always)]
    pub fn record(&mut self, undo: Undo) {
        if self.unjournaled {
            self.unjournaled_writes += 1;
        } else {
            self.journal.push(undo);
        }
    }

    pub fn mark(&self) -> usize {
        self.journal.len()
    }

    /// Commits the writes after `mark`: they can no longer be undone.
    pub fn forget(&mut self, mark: usize) {
        self.journal.truncate(mark);
        // Side entries are found by index, so those of forgotten writes
        // may stay until nothing is journaled.
        if mark == 0 {
            self.undo_keys.clear();
            self.undo_proposals.clear();
        }
    }

    pub fn store(&mut self, mechanism: MechanismId, field: FieldId, keys: &[Key], value: Value) {
        let Some(slot) = self
            .fields
            .get_mut(mechanism.index())
            .and_then(|f| f.get_mut(field.index()))
        else {
            return;
        };
        let Some(old) = slot.set(keys, value) else {
            return;
        };
        self.sums[mechanism.index()][field.index()].replace(old.int(), value.int());
        self.record_field(mechanism, field, keys, old);
    }

    /// Journals that `field[keys]` held `old` before a write (made here, or
    /// in place by compiled code).
    #[inline(always)]
    pub fn record_field(
        &mut self,
        mechanism: MechanismId,
        field: FieldId,
        keys: &[Key],
        old: Value,
    ) {
        if self.unjournaled {
            self.unjournaled_writes += 1;
            return;
        }
        let keys = match keys {
            [] => UndoKeys::None,
            [key] => UndoKeys::One(*key),
            many => {
                self.undo_keys.push(Keys::from_slice(many));
                UndoKeys::Many((self.undo_keys.len() - 1) as u32)
            }
        };
        self.record(Undo::Field {
            mechanism,
            field,
            keys,
            old,
        });
    }

    pub fn push(&mut self, mechanism: MechanismId, field: FieldId, value: Value) {
        if let Some(Slot::List(items)) = self
            .fields
            .get_mut(mechanism.index())
            .and_then(|f| f.get_mut(field.index()))
        {
            items.push(value);
            self.record(Undo::Push { mechanism, field });
        }
    }

    #[inline(always)]
    pub fn set_balance(&mut self, token: TokenId, account: Address, value: U256) {
        let ledger = &mut self.ledgers[token.index()];
        let index = account as usize;
        if ledger.balances.len() <= index {
            ledger.balances.resize(index + 1, U256::ZERO);
        }
        let old = ledger.balances[index];
        ledger.balances[index] = value;
        self.record(Undo::Balance {
            token,
            account,
            old: to_words(old),
        });
    }

    #[inline(always)]
    pub fn set_total_supply(&mut self, token: TokenId, value: U256) {
        let ledger = &mut self.ledgers[token.index()];
        let old = ledger.total_supply;
        ledger.total_supply = value;
        self.record(Undo::TotalSupply {
            token,
            old: to_words(old),
        });
    }

    #[inline(always)]
    pub fn set_allowance(&mut self, token: TokenId, owner: Address, spender: Address, value: U256) {
        let old = self.ledgers[token.index()]
            .allowances
            .insert(owner, spender, value);
        self.record(Undo::Allowance {
            token,
            owner,
            spender,
            old: old.map(to_words),
        });
    }

    pub fn set_paused(&mut self, token: TokenId, value: bool) {
        let old = std::mem::replace(&mut self.ledgers[token.index()].paused, value);
        self.record(Undo::Paused { token, old });
    }

    pub fn set_delegate(&mut self, token: TokenId, account: Address, to: Address) {
        let old = self.ledgers[token.index()].delegates.insert(account, to);
        self.record(Undo::Delegate {
            token,
            account,
            old,
        });
    }

    /// Records `votes` for `account` at `time`.
    pub fn checkpoint(&mut self, token: TokenId, account: Address, time: u64, votes: U256) {
        let list = self.ledgers[token.index()]
            .checkpoints
            .entry(account)
            .or_default();
        let old_len = list.len();
        let old_last = list.last().copied();
        match list.last_mut() {
            Some(last) if last.0 == time => last.1 = votes,
            _ => list.push((time, votes)),
        }
        self.record(Undo::Checkpoint {
            token,
            account,
            old_len,
            old_last,
        });
    }

    pub fn supply_checkpoint(&mut self, token: TokenId, time: u64, supply: U256) {
        let list = &mut self.ledgers[token.index()].supply_checkpoints;
        let old_len = list.len();
        let old_last = list.last().copied();
        match list.last_mut() {
            Some(last) if last.0 == time => last.1 = supply,
            _ => list.push((time, supply)),
        }
        self.record(Undo::SupplyCheckpoint {
            token,
            old_len,
            old_last,
        });
    }

    pub fn set_released(&mut self, vesting: VestingId, value: U256) {
        let old = std::mem::replace(&mut self.vestings[vesting.index()].released, value);
        self.record(Undo::Released { vesting, old });
    }

    pub fn add_proposal(&mut self, governor: GovernorId, proposal: Proposal) {
        self.governors[governor.index()].proposals.push(proposal);
        self.record(Undo::ProposalAdded { governor });
    }

    pub fn update_proposal(
        &mut self,
        governor: GovernorId,
        index: usize,
        update: impl FnOnce(&mut Proposal),
    ) {
        let proposal = &mut self.governors[governor.index()].proposals[index];
        let old = proposal.clone();
        update(proposal);
        if self.unjournaled {
            self.unjournaled_writes += 1;
            return;
        }
        self.undo_proposals.push(old);
        self.record(Undo::Proposal {
            governor,
            index,
            old: (self.undo_proposals.len() - 1) as u32,
        });
    }

    pub fn set_param(&mut self, param: ParamId, value: Value) {
        let old = std::mem::replace(&mut self.params[param.index()], value);
        self.record(Undo::Param { param, old });
    }

    /// Undoes every write after `mark`, newest first, and drops the events
    /// emitted after it.
    pub fn rollback(&mut self, mark: usize, events: &mut Vec<crate::EventRecord>) {
        while self.journal.len() > mark {
            let Some(undo) = self.journal.pop() else {
                break;
            };
            match undo {
                Undo::Field {
                    mechanism,
                    field,
                    keys,
                    old,
                } => {
                    let one;
                    let keys: &[Key] = match keys {
                        UndoKeys::None => &[],
                        UndoKeys::One(key) => {
                            one = [key];
                            &one
                        }
                        UndoKeys::Many(index) => {
                            self.undo_keys.truncate(index as usize + 1);
                            self.undo_keys.last().map_or(&[], |keys| keys)
                        }
                    };
                    if let Some(new) = self.fields[mechanism.index()][field.index()].set(keys, old)
                    {
                        self.sums[mechanism.index()][field.index()].replace(new.int(), old.int());
                    }
                }
                Undo::Push { mechanism, field } => {
                    if let Slot::List(items) = &mut self.fields[mechanism.index()][field.index()] {
                        items.pop();
                    }
                }
                Undo::Balance {
                    token,
                    account,
                    old,
                } => self.ledgers[token.index()].balances[account as usize] = from_words(old),
                Undo::TotalSupply { token, old } => {
                    self.ledgers[token.index()].total_supply = from_words(old)
                }
                Undo::Allowance {
                    token,
                    owner,
                    spender,
                    old,
                } => {
                    let allowances = &mut self.ledgers[token.index()].allowances;
                    match old {
                        Some(words) => allowances.insert(owner, spender, from_words(words)),
                        None => allowances.remove(owner, spender),
                    };
                }
                Undo::Paused { token, old } => self.ledgers[token.index()].paused = old,
                Undo::Delegate {
                    token,
                    account,
                    old,
                } => {
                    let delegates = &mut self.ledgers[token.index()].delegates;
                    match old {
                        Some(to) => delegates.insert(account, to),
                        None => delegates.remove(&account),
                    };
                }
                Undo::Checkpoint {
                    token,
                    account,
                    old_len,
                    old_last,
                } => {
                    if let Some(list) = self.ledgers[token.index()].checkpoints.get_mut(&account) {
                        restore(list, old_len, old_last);
                    }
                }
                Undo::SupplyCheckpoint {
                    token,
                    old_len,
                    old_last,
                } => {
                    restore(
                        &mut self.ledgers[token.index()].supply_checkpoints,
                        old_len,
                        old_last,
                    );
                }
                Undo::Released { vesting, old } => self.vestings[vesting.index()].released = old,
                Undo::ProposalAdded { governor } => {
                    self.governors[governor.index()].proposals.pop();
                }
                Undo::Proposal {
                    governor,
                    index,
                    old,
                } => {
                    self.undo_proposals.truncate(old as usize + 1);
                    if let Some(old) = self.undo_proposals.pop() {
                        self.governors[governor.index()].proposals[index] = old;
                    }
                }
                Undo::Param { param, old } => self.params[param.index()] = old,
                Undo::Events { len, count } => {
                    events.truncate(len);
                    self.events_emitted = count;
                }
            }
        }
    }
}

fn restore(list: &mut Vec<(u64, U256)>, old_len: usize, old_last: Option<(u64, U256)>) {
    list.truncate(old_len);
    if let (Some(last), Some(old)) = (list.last_mut(), old_last) {
        *last = old;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A seeded xorshift stream, for the randomized tests.
    fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
        move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        }
    }

    /// `Small::build` keeps every item, in order, inline or on the heap.
    #[test]
    fn small_build_keeps_items_in_order() {
        for len in 0..6 {
            let built = Small::<u32, 3>::build(len, |index| index as u32 * 7 + 1);
            let expected: Vec<u32> = (0..len).map(|index| index as u32 * 7 + 1).collect();
            assert_eq!(&*built, expected.as_slice());
            assert_eq!(matches!(built, Small::Heap(_)), len > 3);
        }
    }

    /// `Small::refill` leaves exactly the new items, whatever the list held
    /// before (fewer, more, inline or on the heap).
    #[test]
    fn small_refill_replaces_every_item() {
        let mut small = Small::<u32, 3>::build(5, |index| index as u32);
        for (round, len) in [0, 2, 3, 1, 4, 6, 2, 3].into_iter().enumerate() {
            small.refill(len, |index| (round * 10 + index) as u32);
            let expected: Vec<u32> = (0..len).map(|index| (round * 10 + index) as u32).collect();
            assert_eq!(&*small, expected.as_slice(), "round {round}");
        }
    }

    /// Rolling back restores exactly the state at the mark, for the writes
    /// whose undo keeps a side entry (several keys, an old proposal) as
    /// well as the rest, however commits at inner marks interleave.
    #[test]
    fn rollback_restores_side_entries() {
        let shape = Shape::Map(
            Repr::Address,
            Box::new(Shape::Map(
                Repr::Address,
                Box::new(Shape::Scalar(Repr::Int)),
            )),
        );
        let proposal = |value: u64| Proposal {
            param: ParamId::new(0),
            value: Value::Int(U256::from(value)),
            snapshot: 0,
            deadline: 0,
            votes_for: U256::ZERO,
            votes_against: U256::ZERO,
            voters: Vec::new(),
            executed: false,
        };
        let mut state = ChainState {
            fields: vec![vec![Slot::new(&shape)]],
            sums: vec![vec![Tally::default()]],
            governors: vec![GovernorState {
                proposals: vec![proposal(0), proposal(1), proposal(2)],
            }],
            ..ChainState::default()
        };
        let mut next = xorshift(0x2545_F491_4F6C_DD1D);
        let mut events = Vec::new();
        for round in 0..500 {
            // Storage that grew keeps its (zero) slots after a rollback, so
            // it is compared by value, key by key.
            let values = |state: &ChainState| {
                let mut values = Vec::new();
                for a in 0..4 {
                    for b in 0..4 {
                        let keys = [Key::Address(a), Key::Address(b)];
                        values.push(state.fields[0][0].get(&keys).map_or(U256::ZERO, Value::int));
                    }
                }
                values
            };
            let proposals = |state: &ChainState| state.governors[0].proposals[..2].to_vec();
            let before = (values(&state), proposals(&state));
            let outer = state.mark();
            for step in 0..(next() % 6) {
                let keys = [
                    Key::Address((next() % 4) as Address),
                    Key::Address((next() % 4) as Address),
                ];
                state.store(
                    MechanismId::new(0),
                    FieldId::new(0),
                    &keys,
                    Value::Int(U256::from(next())),
                );
                let index = (next() % 2) as usize;
                let votes = next();
                state.update_proposal(GovernorId::new(0), index, |p| {
                    p.votes_for = U256::from(votes)
                });
                if step % 2 == 1 {
                    // Writes committed at an inner mark (they stay, and so
                    // may their side entries), elsewhere in the state.
                    let inner = state.mark();
                    let elsewhere = [Key::Address(9), Key::Address(9)];
                    state.store(
                        MechanismId::new(0),
                        FieldId::new(0),
                        &elsewhere,
                        Value::Int(U256::from(next())),
                    );
                    let votes = next();
                    state.update_proposal(GovernorId::new(0), 2, |p| {
                        p.votes_against = U256::from(votes)
                    });
                    state.forget(inner);
                }
            }
            if round % 2 == 0 {
                state.rollback(outer, &mut events);
                assert_eq!(values(&state), before.0, "round {round}");
                assert_eq!(proposals(&state), before.1, "round {round}");
            } else {
                state.forget(outer);
            }
        }
    }

    /// The running sums agree with a full pass over the map after any mix
    /// of writes and rollbacks, including sums past 2^256 and back.
    #[test]
    fn running_sums_match_a_full_pass() {
        let shape = Shape::Map(Repr::Address, Box::new(Shape::Scalar(Repr::Int)));
        let mut state = ChainState {
            fields: vec![vec![Slot::new(&shape)]],
            sums: vec![vec![Tally::default()]],
            ..ChainState::default()
        };
        let mut next = xorshift(0x9E37_79B9_7F4A_7C15);
        let mut events = Vec::new();
        for round in 0..2_000 {
            let mark = state.mark();
            for _ in 0..(next() % 5) {
                let account = (next() % 8) as Address;
                let value = match next() % 4 {
                    0 => U256::MAX - U256::from(next() % 3),
                    1 => U256::ZERO,
                    _ => U256::from(next()),
                };
                state.store(
                    MechanismId::new(0),
                    FieldId::new(0),
                    &[Key::Address(account)],
                    Value::Int(value),
                );
            }
            if round % 3 == 0 {
                state.rollback(mark, &mut events);
            }
            assert_eq!(
                state.sums[0][0].get(),
                state.fields[0][0].sum(),
                "round {round}"
            );
        }
    }
}
