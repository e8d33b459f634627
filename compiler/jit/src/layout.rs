//! The JIT's binary interface, in one place: the context that compiled code
//! and the host functions share, the header and slots of the buffers a call
//! passes, and the entries of compiled code's undo log, with the world's
//! own layout ([`tok_world::layout`]: views, integers, running sums,
//! allowances) re-exported beside them.
//!
//! Every offset compiled code uses is one of these constants, taken from a
//! `#[repr(C)]` type with `offset_of!`; the code generator writes no
//! offset of its own. What the layout must satisfy beyond the offsets is
//! asserted at compile time at the end of this module.

use std::mem::{offset_of, size_of};

use tok_world::state::Address;
use tok_world::{Fault, Frame, World};

use crate::Compiled;

pub(crate) use tok_world::layout::*;

/// Bytes per value in the buffers between compiled code and the host (any
/// value fits: an integer is the widest).
pub(crate) const SLOT: u32 = INT_BYTES as u32;

/// What a body reads of the call it runs in, in the first slot of its
/// arguments buffer (the arguments follow, a slot each).
#[repr(C)]
pub(crate) struct Header {
    /// The running contract's or agent's account (`self`).
    pub this: Address,
    pub caller: Address,
    /// The agent's index in its population.
    pub agent: u32,
    /// In a transaction's body: which of its mechanism's invariants to
    /// check (32 flags; see `codegen::Form::Transaction`).
    pub checks: u32,
    pub now: u64,
    pub step: u64,
}

pub(crate) const HEADER_THIS: i32 = offset_of!(Header, this) as i32;
pub(crate) const HEADER_CALLER: i32 = offset_of!(Header, caller) as i32;
pub(crate) const HEADER_AGENT: i32 = offset_of!(Header, agent) as i32;
pub(crate) const HEADER_CHECKS: i32 = offset_of!(Header, checks) as i32;
pub(crate) const HEADER_NOW: i32 = offset_of!(Header, now) as i32;
pub(crate) const HEADER_STEP: i32 = offset_of!(Header, step) as i32;

impl Header {
    /// Writes the header into its slot, field by field at its offset.
    pub fn write(&self, slot: &mut [u8]) {
        let mut put = |offset: i32, bytes: &[u8]| {
            slot[offset as usize..offset as usize + bytes.len()].copy_from_slice(bytes);
        };
        put(HEADER_THIS, &self.this.to_le_bytes());
        put(HEADER_CALLER, &self.caller.to_le_bytes());
        put(HEADER_AGENT, &self.agent.to_le_bytes());
        put(HEADER_CHECKS, &self.checks.to_le_bytes());
        put(HEADER_NOW, &self.now.to_le_bytes());
        put(HEADER_STEP, &self.step.to_le_bytes());
    }
}

/// The most views one body reads through; further reads take sites.
pub(crate) const MAX_VIEWS: usize = 8;

/// How many entries the undo log holds; compiled code has the host take
/// them (`host_flush`) when it is full.
pub(crate) const LOG_ENTRIES: usize = 32;

/// One write compiled code made while writes are journaled, as it logs
/// it: what `ChainState::record_field` (or `World::emit`) would have
/// journaled, which the host journals in order before it journals or
/// reads anything itself (`Context::flush_log`).
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct LogEntry {
    /// One of the `LOGGED_` kinds.
    pub kind: u32,
    pub mechanism: u32,
    pub field: u32,
    /// The account key, `NO_KEY` for a field without keys.
    pub key: u32,
    /// Low word first.
    pub old: [u64; 4],
}

pub(crate) const LOG_ENTRY_BYTES: i32 = size_of::<LogEntry>() as i32;
pub(crate) const LOG_KIND: i32 = offset_of!(LogEntry, kind) as i32;
pub(crate) const LOG_MECHANISM: i32 = offset_of!(LogEntry, mechanism) as i32;
pub(crate) const LOG_FIELD: i32 = offset_of!(LogEntry, field) as i32;
pub(crate) const LOG_KEY: i32 = offset_of!(LogEntry, key) as i32;
pub(crate) const LOG_OLD: i32 = offset_of!(LogEntry, old) as i32;

/// Kinds of undo log entries: an integer field's item replaced in place
/// (its old value), an event emitted (the count of events before it), a
/// balance replaced (`mechanism` the token, `key` the account) and an
/// owner's first allowance replaced (`mechanism` the token, `field` the
/// spender, `key` the owner).
pub(crate) const LOGGED_FIELD: u32 = 0;
pub(crate) const LOGGED_EVENT: u32 = 1;
pub(crate) const LOGGED_BALANCE: u32 = 2;
pub(crate) const LOGGED_ALLOWANCE: u32 = 3;

/// The account key compiled code passes for a field without keys.
pub(crate) const NO_KEY: u32 = u32::MAX;

/// The key of a kept `mul_div` ratio `part / whole`: two 128-bit
/// integers, each low word first.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(crate) struct RatioKey {
    pub part: [u64; 2],
    pub whole: [u64; 2],
}

/// What host functions see: the views compiled code reads (first,
/// `VIEW_BYTES` each), the caches and counters compiled code keeps, its
/// undo log, then the world, the running frame and the body's sites, which
/// only the host reads.
#[repr(C)]
pub(crate) struct Context<'a, 'w> {
    /// At offset `VIEWS` (see [`View`] and the host's rule for them).
    pub views: [View; MAX_VIEWS],
    /// Nonzero while writes are not journaled (an `every` hook runs; at
    /// `UNJOURNALED`): compiled code has the host journal its in-place
    /// writes only when they are.
    pub unjournaled: u64,
    /// The last normalized divisor of a `mul_div` (low half first) and
    /// its reciprocal (at `DIVISOR` and `RECIPROCAL`; none yet: a zero
    /// divisor; see `host_reciprocal`).
    pub divisor: [u64; 2],
    pub reciprocal: u64,
    /// The world's random stream's state (at `RNG`), which compiled code
    /// advances for `uniform()`.
    pub rng: *mut u64,
    /// In an agent loop: nonzero from the start of an agent's turn, which
    /// compiled code writes with the agent's index (at `TURN` and
    /// `TURN_INDEX`), until the host begins it (`Context::begin_turn`),
    /// which it does only when the turn first reaches the host.
    pub turn_pending: u32,
    pub turn_index: u32,
    /// Turns that ended without reaching the host (at `QUIET`), counted as
    /// agent steps when the loop returns.
    pub quiet_turns: u64,
    /// The kept ratio of a `mul_div` (see `host_ratio`): its key (at
    /// `RATIO_KEY`; none yet: zero, which no ratio has, since `part <
    /// whole`), `floor(part * 2^192 / whole)` in three words, low first
    /// (at `RATIO`), and the key of the last `mul_div` that missed (at
    /// `RATIO_PENDING`): the ratio is computed when the same one comes
    /// again (a loop's invariant share), not for operands that change
    /// every time.
    pub ratio_key: RatioKey,
    pub ratio: [u64; 3],
    pub ratio_pending: RatioKey,
    /// Compiled code's undo log: the number of entries written (at
    /// `LOG_LEN`), then the entries (at `LOG`).
    pub log_len: u64,
    /// The world's count of events emitted, which compiled code advances
    /// for an event while events are not recorded (at `EVENTS`).
    pub events: *mut u64,
    /// Nonzero when events are recorded: an event is then the host's to
    /// emit (at `RECORD_EVENTS`).
    pub record_events: u64,
    pub log: [std::mem::MaybeUninit<LogEntry>; LOG_ENTRIES],
    pub world: &'a mut World<'w>,
    pub frame: &'a mut Frame,
    pub compiled: &'a Compiled,
    pub fault: Option<Fault>,
    /// In an agent loop: the mark the running agent's turn ends with.
    pub mark: usize,
}

type Layout = Context<'static, 'static>;

pub(crate) const VIEWS: i32 = offset_of!(Layout, views) as i32;
pub(crate) const UNJOURNALED: i32 = offset_of!(Layout, unjournaled) as i32;
pub(crate) const DIVISOR: i32 = offset_of!(Layout, divisor) as i32;
pub(crate) const RECIPROCAL: i32 = offset_of!(Layout, reciprocal) as i32;
pub(crate) const RNG: i32 = offset_of!(Layout, rng) as i32;
pub(crate) const TURN: i32 = offset_of!(Layout, turn_pending) as i32;
pub(crate) const TURN_INDEX: i32 = offset_of!(Layout, turn_index) as i32;
pub(crate) const QUIET: i32 = offset_of!(Layout, quiet_turns) as i32;
pub(crate) const RATIO_KEY: i32 = offset_of!(Layout, ratio_key) as i32;
pub(crate) const RATIO: i32 = offset_of!(Layout, ratio) as i32;
pub(crate) const RATIO_PENDING: i32 = offset_of!(Layout, ratio_pending) as i32;
pub(crate) const LOG_LEN: i32 = offset_of!(Layout, log_len) as i32;
pub(crate) const EVENTS: i32 = offset_of!(Layout, events) as i32;
pub(crate) const RECORD_EVENTS: i32 = offset_of!(Layout, record_events) as i32;
pub(crate) const LOG: i32 = offset_of!(Layout, log) as i32;

/// Where a ratio key's whole is, from the key's start.
pub(crate) const RATIO_WHOLE: i32 = offset_of!(RatioKey, whole) as i32;

// What compiled code relies on beyond the offsets above.
const _: () = {
    // The header fits the first slot; its accounts and index are 32-bit
    // loads, `now` and the step 64-bit ones.
    assert!(size_of::<Header>() <= SLOT as usize);
    assert!(size_of::<Address>() == 4 && size_of::<u32>() == 4);
    // The views come first, `VIEW_BYTES` apart.
    assert!(VIEWS == 0);
    assert!(size_of::<[View; MAX_VIEWS]>() == MAX_VIEWS * VIEW_BYTES as usize);
    // Compiled code loads and stores the divisor and a ratio key's halves
    // as `i128`s, the other fields named above as 64-bit words (the turn's
    // two as 32-bit ones), and pointers as 64-bit words.
    assert!(size_of::<[u64; 2]>() == INT_HIGH as usize);
    assert!(RATIO_WHOLE == INT_HIGH);
    assert!(size_of::<*mut u64>() == WORD_BYTES as usize);
    assert!(TURN_INDEX == TURN + 4);
    // A log entry's old value is an integer, low word first.
    assert!(size_of::<[u64; 4]>() == INT_BYTES as usize);
    assert!(LOG_ENTRY_BYTES == LOG_OLD + INT_BYTES);
};
