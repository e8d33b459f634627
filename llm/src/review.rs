//! `tok review`: a model's risk review of a program, given what the
//! compiler knows: the program, its plain-English explanation (with the
//! structural risks the compiler sees) and its diagnostics.

use crate::LlmError;
use crate::provider::{Constraint, Message, Provider, Request};

const SYSTEM: &str = "You are an auditor of token mechanisms and Solidity contracts. \
You review programs written in Tok, a language that compiles to Solidity (OpenZeppelin 5) and to a simulator. \
Write a risk review in Markdown: a one-paragraph summary, then findings ordered by severity \
(Critical, High, Medium, Low, Informational), each with what can go wrong, who can make it happen, \
and a concrete change to the Tok program. Ground every finding in the program, the explanation or the \
compiler's findings you are given; say so when something cannot be judged from them. Do not invent code that is not there.";

/// The request that asks for a review of `program` (from `path`).
pub fn request(path: &str, program: &str) -> Request {
    let db = tok_driver::Database::default();
    let file = tok_driver::SourceFile::new(&db, path.to_string(), program.to_string());
    let explanation = match tok_explain::explain(&db, file) {
        Ok(text) => text,
        Err(_) => {
            "(The program does not check, so it has no explanation; the diagnostics below say why.)"
                .to_string()
        }
    };
    let (_, feedback) = crate::draft::check(program);
    let findings = if feedback.is_empty() {
        "The program checks without errors or warnings.".to_string()
    } else {
        serde_json::to_string_pretty(&feedback).unwrap_or_default()
    };
    let content = format!(
        "Review this Tok program, `{path}`.\n\n## The program\n\n```tok\n{program}```\n\n## The compiler's explanation\n\n{explanation}\n\n## The compiler's diagnostics\n\n{findings}\n"
    );
    Request {
        system: SYSTEM.to_string(),
        messages: vec![Message::user(content)],
        constraint: Constraint::None,
        max_tokens: 4_000,
    }
}

/// Asks `provider` for the review of `program`; the Markdown it wrote.
pub fn review(
    provider: &dyn Provider,
    path: &str,
    program: &str,
    streamed: &mut dyn FnMut(usize),
) -> Result<String, LlmError> {
    Ok(provider.complete(&request(path, program), streamed)?.text)
}
