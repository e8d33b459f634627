//! The runtime core shared by every executor (the reference interpreter and
//! the JIT): EVM-exact 256-bit arithmetic and the documented random streams.

pub mod numeric;
pub mod random;

pub use ethnum::U256;
pub use numeric::{ArithmeticError, WAD};
