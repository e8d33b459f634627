//! Semantic analysis: name resolution, unit-aware type checking and the
//! typed HIR. Pure: syntax trees in, HIR and diagnostics out.

mod check;
pub mod checksum;
pub mod hir;
mod print;
pub mod signatures;
pub mod template;
pub mod types;
pub mod units;
pub mod vocabulary;
pub mod walk;

pub use check::{ItemResult, check_item, check_literal, check_module};
pub use signatures::Signatures;
pub use types::{TimeUnit, Ty};
