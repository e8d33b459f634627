//! The Tok language server (`tok lsp`): diagnostics as you type, the
//! outline, formatting and read-only documents of the standard library
//! and the diagnostic codes, over the Language Server Protocol on stdio.
//!
//! Three layers, as in rust-analyzer: the driver's salsa queries (the
//! compiler, pure); [`ide`], which answers an editor's questions about a
//! file in byte offsets and plain data; and the protocol, where
//! [`convert`] is the only module that knows LSP positions and types and
//! `server` the only one that does IO. The crate never links the JIT,
//! plotters or revm.

mod commands;
pub mod convert;
pub mod ide;
mod server;
pub mod virtual_docs;

pub use server::{VirtualDocument, VirtualDocumentParams, run};

/// Serves the protocol on stdin and stdout until the client exits.
pub fn run_stdio() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let (connection, io_threads) = lsp_server::Connection::stdio();
    run(connection)?;
    io_threads.join()?;
    Ok(())
}
