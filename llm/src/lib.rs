//! The English front-end: `tok draft` turns a description into a Tok
//! program through a language model, checks it with the compiler, feeds
//! the diagnostics back for a bounded number of repair rounds and keeps
//! the best draft; `tok review` asks a model for a risk review of a
//! program, given its explanation and the compiler's findings.
//!
//! The prompt is built from the project's own sources (the language
//! reference's tables, the standard library's templates, the examples
//! most similar to the request). Providers speak OpenAI's Chat Completions
//! or Anthropic's Messages over HTTP; nothing else here does IO.

pub mod draft;
pub mod eval;
pub mod intent;
pub mod prompt;
pub mod provider;
pub mod review;
pub mod settings;

use tok_diagnostics::Code;

pub use draft::{Draft, Mode, Outcome, Round, draft};
pub use provider::{Constraint, Http, Message, Provider, Reply, Request, Role};
pub use settings::{Api, Flags, Settings};

/// A failure of the provider or of drafting, with a stable code from the
/// diagnostics registry (`E07xx`) and, where possible, what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LlmError {
    pub code: Code,
    pub message: String,
    pub hint: Option<String>,
}

impl LlmError {
    pub fn new(code: Code, message: impl Into<String>) -> LlmError {
        LlmError {
            code,
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> LlmError {
        self.hint = Some(hint.into());
        self
    }
}

impl std::fmt::Display for LlmError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] error: {}", self.code.as_str(), self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  help: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LlmError {}
