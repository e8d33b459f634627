//! Drafting: ask the model for a program, check it, feed the compiler's
//! diagnostics back (code, message, the text they point at, the hint),
//! and repeat for at most the given rounds, stopping early when a draft
//! checks or when the model stops changing it. The best draft (fewest
//! errors, the later one on a tie) is kept and formatted, even when the
//! rounds run out or the provider fails midway.

use serde_json::{Value, json};
use tok_diagnostics::{Code, Diagnostic};

use crate::LlmError;
use crate::provider::{Constraint, Message, Provider, Request};

/// One round: what the model wrote and what the compiler said.
#[derive(Clone, Debug)]
pub struct Round {
    /// The program extracted from the reply (formatted when it parses).
    pub program: String,
    pub errors: usize,
    /// The diagnostics as they were fed back.
    pub feedback: Vec<Value>,
}

/// The result of drafting.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The best draft, formatted when it parses.
    pub best: String,
    /// Its error count; 0 means it checks.
    pub errors: usize,
    pub rounds: Vec<Round>,
    /// Why drafting stopped before a clean draft, if a provider failed
    /// after a first draft (that draft is kept).
    pub interrupted: Option<LlmError>,
}

/// What the model writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Tok text, optionally constrained by a grammar.
    Tok,
    /// A JSON intent (structured outputs), printed to Tok by
    /// [`crate::intent::print`].
    Intent,
}

/// What drafting is asked to do.
#[derive(Clone, Debug)]
pub struct Draft {
    pub description: String,
    pub mode: Mode,
    /// At most this many model calls (at least 1).
    pub rounds: u32,
    /// A GBNF grammar to constrain Tok text with, if any.
    pub grammar: Option<String>,
    pub max_tokens: u32,
}

/// The program in a reply: the longest fenced code block (```tok or
/// plain ```), or the whole reply when it has none.
pub fn extract(reply: &str) -> String {
    let mut blocks: Vec<String> = Vec::new();
    let mut current: Option<String> = None;
    for line in reply.lines() {
        let fence = line.trim_start().starts_with("```");
        match (&mut current, fence) {
            (None, true) => current = Some(String::new()),
            (Some(block), true) => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), false) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, false) => {}
        }
    }
    // An unclosed fence (a cut-off reply) still holds code.
    if let Some(block) = current {
        blocks.push(block);
    }
    match blocks.into_iter().max_by_key(String::len) {
        Some(block) => block,
        None => {
            let mut text = reply.trim().to_string();
            text.push('\n');
            text
        }
    }
}

/// The JSON in a reply: a fenced block's content, or the text from the
/// first `{` to the last `}`.
pub fn extract_json(reply: &str) -> String {
    if reply.contains("```") {
        return extract(reply);
    }
    match (reply.find('{'), reply.rfind('}')) {
        (Some(start), Some(end)) if start < end => reply[start..=end].to_string(),
        _ => reply.to_string(),
    }
}

/// Checks `program`: its errors, and the feedback for the model (one JSON
/// object per diagnostic: code, message, line, the text it points at,
/// labels, notes and help).
pub fn check(program: &str) -> (usize, Vec<Value>) {
    let diagnostics = tok_driver::check_text("draft.tok", program);
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let feedback = diagnostics.iter().map(|d| feedback(program, d)).collect();
    (errors, feedback)
}

fn feedback(program: &str, diagnostic: &Diagnostic) -> Value {
    let span = diagnostic.primary.span;
    let (line, _) = tok_driver::render::line_column(program, span.start);
    let text = program.get(span.range()).unwrap_or("");
    let mut value = json!({
        "code": diagnostic.code.as_str(),
        "severity": if diagnostic.is_error() { "error" } else { "warning" },
        "message": diagnostic.message,
        "line": line,
        "text": text,
    });
    if !diagnostic.primary.message.is_empty() {
        value["label"] = json!(diagnostic.primary.message);
    }
    if !diagnostic.notes.is_empty() {
        value["notes"] = json!(diagnostic.notes);
    }
    if let Some(help) = &diagnostic.help {
        value["help"] = json!(help);
    }
    if !diagnostic.suggestions.is_empty() {
        let fixes: Vec<String> = (diagnostic.suggestions.iter())
            .map(|s| {
                format!(
                    "replace {:?} with {:?}",
                    program.get(s.span.range()).unwrap_or(""),
                    s.replacement
                )
            })
            .collect();
        value["fixes"] = json!(fixes);
    }
    value
}

/// The message that asks for a repair.
pub fn repair_request(errors: usize, feedback: &[Value]) -> String {
    format!(
        "The Tok compiler found {errors} error(s) in that program. Its diagnostics, as JSON:\n{}\n\
Fix every one and answer with the whole corrected program in one ```tok block.",
        serde_json::to_string_pretty(feedback).unwrap_or_default()
    )
}

/// The program, formatted when it parses (never rewritten otherwise).
fn formatted(program: &str) -> String {
    tok_format::format(program).unwrap_or_else(|_| program.to_string())
}

/// Drafts a program for `task` with `provider`. `progress` hears each
/// round's result as it is known (round number from 1, errors). Fails
/// only when the first call does; a later failure keeps the best draft
/// and says why it stopped.
pub fn draft(
    provider: &dyn Provider,
    task: &Draft,
    system: &str,
    streamed: &mut dyn FnMut(usize),
    progress: &mut dyn FnMut(u32, usize),
) -> Result<Outcome, LlmError> {
    let ask = match task.mode {
        Mode::Tok => "Write a Tok program for this mechanism",
        Mode::Intent => "Describe this mechanism in the JSON form",
    };
    let mut messages = vec![Message::user(format!(
        "{ask}:\n\n{}",
        task.description.trim()
    ))];
    let constraint = match (task.mode, &task.grammar) {
        (Mode::Intent, _) => Constraint::JsonSchema {
            name: "mechanism_intent".to_string(),
            schema: crate::intent::schema(),
        },
        (Mode::Tok, Some(grammar)) => Constraint::Gbnf(grammar.clone()),
        (Mode::Tok, None) => Constraint::None,
    };
    let mut rounds: Vec<Round> = Vec::new();
    let mut interrupted = None;
    for number in 1..=task.rounds.max(1) {
        let request = Request {
            system: system.to_string(),
            messages: messages.clone(),
            constraint: constraint.clone(),
            max_tokens: task.max_tokens,
        };
        let reply = match provider.complete(&request, streamed) {
            Ok(reply) => reply,
            Err(error) if rounds.is_empty() => return Err(error),
            Err(error) => {
                interrupted = Some(error);
                break;
            }
        };
        let (program, errors, feedback, repair) = match task.mode {
            Mode::Tok => {
                let program = formatted(&extract(&reply.text));
                let (errors, feedback) = check(&program);
                let repair = repair_request(errors, &feedback);
                (program, errors, feedback, repair)
            }
            Mode::Intent => match crate::intent::parse(&extract_json(&reply.text)) {
                Ok(intent) => {
                    let program = crate::intent::print(&intent);
                    let (errors, feedback) = check(&program);
                    let repair = repair_request(errors, &feedback);
                    (program, errors, feedback, repair)
                }
                Err(why) => {
                    let feedback = vec![
                        json!({ "problem": "the JSON does not match the form", "detail": why }),
                    ];
                    let repair = format!(
                        "That JSON does not match the form: {why}. Answer with the JSON object only, every field present (null where it does not apply)."
                    );
                    // No program: the reply itself is kept for the record.
                    (reply.text.clone(), 1, feedback, repair)
                }
            },
        };
        progress(number, errors);
        // A fixed point: the model wrote a program it already wrote.
        let repeated = rounds.iter().any(|round| round.program == program);
        messages.push(Message::assistant(reply.text));
        messages.push(Message::user(repair));
        rounds.push(Round {
            program,
            errors,
            feedback,
        });
        if errors == 0 || repeated {
            break;
        }
    }
    let best = (rounds.iter().enumerate())
        .min_by_key(|(index, round)| (round.errors, std::cmp::Reverse(*index)))
        .map(|(_, round)| round.clone())
        .ok_or_else(|| LlmError::new(Code::NO_PROGRAM, "no draft was written"))?;
    Ok(Outcome {
        best: best.program,
        errors: best.errors,
        rounds,
        interrupted,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_is_extracted_from_prose_and_fences() {
        let reply =
            "Here is the program:\n\n```tok\nparam a: uint = 1\n```\n\nAnd a note:\n```\nx\n```\n";
        assert_eq!(extract(reply), "param a: uint = 1\n");
        assert_eq!(extract("param a: uint = 1"), "param a: uint = 1\n");
        // A reply cut off inside its fence keeps what it had.
        assert_eq!(
            extract("```tok\nparam a: uint = 1\n"),
            "param a: uint = 1\n"
        );
    }

    #[test]
    fn feedback_carries_code_text_and_help() {
        let (errors, feedback) = check("param a: uint = b\n");
        assert_eq!(errors, 1);
        assert_eq!(feedback[0]["code"], "E0100");
        assert_eq!(feedback[0]["text"], "b");
        assert_eq!(feedback[0]["line"], 1);
    }
}
