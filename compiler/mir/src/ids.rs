//! The indices of MIR: one type per table, so that an index into one table
//! cannot be used for another (a field id for a mechanism, a param for a
//! token), and a body is known by its id rather than by where it sits in
//! memory.
//!
//! Each prints as its bare number, as the plain integers they replace did.

use std::fmt;

macro_rules! index_types {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(u32);

        impl $name {
            /// The id of item `index` of its table.
            pub const fn new(index: usize) -> Self {
                Self(index as u32)
            }

            /// The id a binary interface carries (the JIT's constants).
            pub const fn from_raw(raw: u32) -> Self {
                Self(raw)
            }

            /// The item's position in its table.
            pub const fn index(self) -> usize {
                self.0 as usize
            }

            /// The id as the 32-bit number a binary interface carries.
            pub const fn raw(self) -> u32 {
                self.0
            }

            /// The ids of a table of `len` items, in order.
            pub fn all(len: usize) -> impl DoubleEndedIterator<Item = Self> + Clone {
                (0..len).map(Self::new)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
    )*};
}

index_types! {
    /// A `param` of the program.
    ParamId;
    /// A token of the program.
    TokenId;
    /// A mechanism of the program.
    MechanismId;
    /// A state field of a mechanism, or of a population's agents.
    FieldId;
    /// An event of a mechanism.
    EventId;
    /// An action or a view of a mechanism (each kind its own table).
    FunctionId;
    /// A local of a body; the first are its arguments.
    LocalId;
    /// A vesting schedule of the program.
    VestingId;
    /// A governor of the program.
    GovernorId;
    /// A population of agents of a scenario.
    PopulationId;
    /// An exogenous series of a scenario.
    SeriesId;
    /// A body of the program (an action, view, hook, or scenario or agent
    /// code), numbered by lowering; [`BodyId::DETACHED`] for a body that
    /// is not the program's (an engine's own, or the empty body of a frame
    /// that evaluates a constant).
    BodyId;
}

impl BodyId {
    /// The id of a body that is not one of the program's.
    pub const DETACHED: BodyId = BodyId(u32::MAX);
}
