//! The world's data as compiled code reads and writes it in place: which
//! buffers it may see ([`ViewSource`]), how a [`View`] describes one, and
//! the byte layout of every kind of item in them.
//!
//! This is the binary interface between the world and the JIT. Every
//! offset and size here is taken from the Rust types with `offset_of!` and
//! `size_of`, and the properties compiled code relies on beyond those (the
//! byte order, an integer's halves, a flag's bytes) are asserted at compile
//! time below; the JIT's code generator uses these constants and no
//! offsets of its own. Building a view is safe code (it only takes
//! addresses); reading through one is the JIT's audited `unsafe`, under
//! the rule written at [`View`].

use std::mem::{offset_of, size_of};

use tok_mir::{FieldId, MechanismId, ParamId, TokenId};
use tok_runtime::U256;

use crate::World;
use crate::state::{Address, Column, Slot, Value};

/// Bytes of an integer item: a `U256`, two 128-bit halves.
pub const INT_BYTES: i32 = size_of::<U256>() as i32;

/// Where an integer's high 128-bit half is (the low one is first).
pub const INT_HIGH: i32 = size_of::<u128>() as i32;

/// Bytes of a 64-bit word, the unit in which allowance amounts are kept.
pub const WORD_BYTES: i32 = size_of::<u64>() as i32;

/// Bytes of an account item (a list of accounts).
pub const ADDRESS_BYTES: i32 = size_of::<Address>() as i32;

/// Bytes of a flag item (a map of flags, the pause flag): 0 or 1.
pub const FLAG_BYTES: i32 = size_of::<bool>() as i32;

/// The exact sum of a field's integer values, kept up to date on every
/// write so that `sum(map)` in an invariant costs O(1) instead of a pass
/// over the map after every transaction. `carries` counts wraps past
/// 2^256: the sum fits exactly when it is zero.
///
/// Laid out as C does, for compiled code that updates it in place
/// ([`TALLY_LOW`], [`TALLY_CARRIES`]).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[repr(C)]
pub struct Tally {
    low: U256,
    carries: i64,
}

/// Where a [`Tally`]'s sum (modulo 2^256) is.
pub const TALLY_LOW: i32 = offset_of!(Tally, low) as i32;

/// Where a [`Tally`]'s count of wraps is (an `i64`).
pub const TALLY_CARRIES: i32 = offset_of!(Tally, carries) as i32;

impl Tally {
    /// The sum, `None` when it does not fit in 256 bits.
    pub fn get(self) -> Option<U256> {
        (self.carries == 0).then_some(self.low)
    }

    /// The sum after one of its terms changed from `old` to `new`.
    #[inline(always)]
    pub(crate) fn replace(&mut self, old: U256, new: U256) {
        let (low, borrow) = self.low.overflowing_sub(old);
        let (low, carry) = low.overflowing_add(new);
        self.low = low;
        self.carries += i64::from(carry) - i64::from(borrow);
    }
}

/// An owner's first spender (the zero address: none) and the amount it may
/// spend, in 64-bit words, low first; laid out as C does, for compiled code
/// that reads and writes it in place ([`ALLOWANCE_SPENDER`],
/// [`ALLOWANCE_AMOUNT`], [`ALLOWANCE_BYTES`] apart).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[repr(C)]
pub struct FirstAllowance {
    pub spender: Address,
    pub amount: [u64; 4],
}

/// Bytes per item of a column of [`FirstAllowance`]s.
pub const ALLOWANCE_BYTES: i32 = size_of::<FirstAllowance>() as i32;

/// Where a [`FirstAllowance`]'s spender is (an account).
pub const ALLOWANCE_SPENDER: i32 = offset_of!(FirstAllowance, spender) as i32;

/// Where a [`FirstAllowance`]'s amount is (four words, low first).
pub const ALLOWANCE_AMOUNT: i32 = offset_of!(FirstAllowance, amount) as i32;

/// Storage compiled code may read (and, where the JIT says so, write) in
/// place, through a view.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ViewSource {
    /// A field stored as a column: an account-keyed map of integers (with
    /// its running sum) or of flags, a list of accounts, or an integer
    /// field without keys (one item, with its running sum).
    Field {
        mechanism: MechanismId,
        field: FieldId,
    },
    /// A token's balances, by account (integers).
    Balances(TokenId),
    /// A token's allowances of each owner's first spender, by owner
    /// ([`FirstAllowance`]s).
    Allowances(TokenId),
    /// Whether a token is paused (one flag).
    Paused(TokenId),
    /// An integer param's current value (one item).
    Param(ParamId),
}

/// Where a column of storage is now: `len` items from `items`, each of the
/// size its [`ViewSource`] says; for an integer field, also its running
/// sum (a [`Tally`]; null otherwise).
///
/// A view is an address, not a borrow: it describes the buffer only until
/// the storage it names next changes length or place. An integer field
/// without keys, or an integer param, is a view of one item, the integer
/// inside its `Value`, which stays where it is for the whole run (writes,
/// governance's included, replace the value in place). The JIT's host
/// module says when it takes views afresh, and that is the only code that
/// reads or writes through them.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct View {
    pub items: *mut u8,
    pub len: u64,
    pub sum: *mut u8,
}

/// Where a [`View`]'s fields are, and its size.
pub const VIEW_ITEMS: i32 = offset_of!(View, items) as i32;
pub const VIEW_LEN: i32 = offset_of!(View, len) as i32;
pub const VIEW_SUM: i32 = offset_of!(View, sum) as i32;
pub const VIEW_BYTES: i32 = size_of::<View>() as i32;

impl View {
    /// A view of nothing (storage of another shape than its source says).
    pub const EMPTY: View = View {
        items: std::ptr::null_mut(),
        len: 0,
        sum: std::ptr::null_mut(),
    };

    fn of<T>(items: &mut [T]) -> View {
        View {
            items: items.as_mut_ptr().cast(),
            len: items.len() as u64,
            sum: std::ptr::null_mut(),
        }
    }
}

impl World<'_> {
    /// The current view of `source` (taken through `&mut`, so that compiled
    /// code may write what its view covers).
    pub fn view(&mut self, source: ViewSource) -> View {
        let state = &mut self.state;
        match source {
            ViewSource::Field { mechanism, field } => {
                let (m, f) = (mechanism.index(), field.index());
                let sum = state
                    .sums
                    .get_mut(m)
                    .and_then(|sums| sums.get_mut(f))
                    .map_or(std::ptr::null_mut(), |sum| (sum as *mut Tally).cast());
                match state.fields.get_mut(m).and_then(|fields| fields.get_mut(f)) {
                    Some(Slot::Accounts(Column::Int(items))) => View {
                        sum,
                        ..View::of(items)
                    },
                    Some(Slot::List(Column::Address(items))) => View::of(items),
                    Some(Slot::Accounts(Column::Bool(items))) => View::of(items),
                    Some(Slot::Scalar(Value::Int(value))) => View {
                        sum,
                        ..View::of(std::slice::from_mut(value))
                    },
                    _ => View::EMPTY,
                }
            }
            ViewSource::Param(param) => match state.params.get_mut(param.index()) {
                Some(Value::Int(value)) => View::of(std::slice::from_mut(value)),
                _ => View::EMPTY,
            },
            ViewSource::Balances(token) => state
                .ledgers
                .get_mut(token.index())
                .map_or(View::EMPTY, |ledger| View::of(&mut ledger.balances)),
            ViewSource::Allowances(token) => state
                .ledgers
                .get_mut(token.index())
                .map_or(View::EMPTY, |ledger| {
                    View::of(ledger.allowances.first_column())
                }),
            ViewSource::Paused(token) => state
                .ledgers
                .get_mut(token.index())
                .map_or(View::EMPTY, |ledger| {
                    View::of(std::slice::from_mut(&mut ledger.paused))
                }),
        }
    }
}

// What compiled code relies on beyond the offsets above.
const _: () = {
    // Words are little-endian, and an integer is its low half, then its
    // high half: compiled code reads and writes integers as two `i128`s
    // (`INT_HIGH` apart) and words of allowance amounts low first.
    assert!(cfg!(target_endian = "little"));
    assert!(U256::ONE.0[0] == 1 && U256::ONE.0[1] == 0);
    assert!(INT_BYTES == 2 * INT_HIGH && INT_HIGH == 16);
    // A flag is one byte (0 or 1), an account four.
    assert!(FLAG_BYTES == 1 && ADDRESS_BYTES == 4);
    // A tally's sum is an integer, its carries a 64-bit count.
    assert!(size_of::<i64>() == WORD_BYTES as usize);
    assert!(TALLY_CARRIES >= TALLY_LOW + INT_BYTES);
    // An allowance's amount is four words after the spender; the column's
    // items are `ALLOWANCE_BYTES` apart.
    assert!(ALLOWANCE_AMOUNT >= ALLOWANCE_SPENDER + ADDRESS_BYTES);
    assert!(ALLOWANCE_BYTES >= ALLOWANCE_AMOUNT + 4 * WORD_BYTES);
    // A view is three 64-bit words: compiled code loads `items` and `sum`
    // as pointers and `len` as an `i64`.
    assert!(size_of::<*mut u8>() == WORD_BYTES as usize);
    assert!(VIEW_BYTES == 3 * WORD_BYTES);
};
