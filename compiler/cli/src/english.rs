//! `tok draft` and `tok review`: the English front-end's commands. The
//! work is in `tok-llm`; here are the flags, the files, the progress shown
//! while a reply streams, and the exit statuses.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use tok_llm::{Flags, Http, LlmError, Settings};

use crate::{EXIT_PROBLEMS, EXIT_USAGE, Format, report};

/// Which provider and model to use (flags win over the environment:
/// TOK_LLM_API, TOK_LLM_BASE_URL, TOK_LLM_MODEL, TOK_LLM_API_KEY, then
/// OPENAI_API_KEY or ANTHROPIC_API_KEY).
#[derive(Args, Clone, Debug)]
pub(crate) struct ProviderArgs {
    /// The API the server speaks: `openai` (OpenAI, Ollama, llama.cpp,
    /// vLLM, LM Studio) or `anthropic`.
    #[arg(long)]
    api: Option<String>,
    /// The server, e.g. http://127.0.0.1:8080/v1 for llama.cpp.
    #[arg(long)]
    base_url: Option<String>,
    #[arg(long)]
    model: Option<String>,
    /// Seconds to wait for a reply to start, and between its parts.
    #[arg(long)]
    timeout: Option<u64>,
    /// Retries on rate limits, server errors and dropped connections.
    #[arg(long)]
    retries: Option<u32>,
    /// Ask for the whole reply at once instead of streaming it.
    #[arg(long)]
    no_stream: bool,
}

impl ProviderArgs {
    fn provider(&self) -> Result<Http, LlmError> {
        let flags = Flags {
            api: self.api.clone(),
            base_url: self.base_url.clone(),
            model: self.model.clone(),
            timeout_seconds: self.timeout,
            retries: self.retries,
            stream: Some(!self.no_stream),
        };
        let settings = Settings::resolve(&flags, &|name| std::env::var(name).ok())?;
        Ok(Http::new(settings))
    }
}

/// A spinner on a terminal's stderr while a reply arrives.
fn spinner(what: &str) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        bar.set_style(style);
    }
    bar.set_message(what.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

fn fail(error: &LlmError) -> ExitCode {
    eprintln!("{error}");
    ExitCode::from(EXIT_PROBLEMS)
}

/// Writes `text` to `path` through a temporary file renamed over it, so
/// that an interrupted write never leaves half a file.
fn write_whole(path: &Path, text: &str) -> std::io::Result<()> {
    let temporary = path.with_extension(format!("tok-{}.tmp", std::process::id()));
    std::fs::write(&temporary, text)?;
    std::fs::rename(&temporary, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&temporary);
    })
}

/// The description: the argument, `-` for standard input, or a file.
fn description(text: Option<String>, from: Option<PathBuf>) -> Result<String, String> {
    let description = match (text, from) {
        (Some(text), None) if text == "-" => {
            let mut read = String::new();
            std::io::stdin()
                .read_to_string(&mut read)
                .map_err(|e| format!("cannot read standard input: {e}"))?;
            read
        }
        (Some(text), None) => text,
        (None, Some(path)) => std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
        (None, None) => {
            return Err(
                "give a description, `-` to read it from standard input, or --from FILE".into(),
            );
        }
        (Some(_), Some(_)) => return Err("give a description or --from FILE, not both".into()),
    };
    if description.trim().is_empty() {
        return Err("the description is empty".into());
    }
    Ok(description)
}

pub(crate) fn draft(
    text: Option<String>,
    from: Option<PathBuf>,
    out: Option<PathBuf>,
    rounds: u32,
    mode: tok_llm::Mode,
    constrain: bool,
    provider: &ProviderArgs,
) -> ExitCode {
    let description = match description(text, from) {
        Ok(description) => description,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let provider = match provider.provider() {
        Ok(provider) => provider,
        Err(error) => return fail(&error),
    };
    let task = tok_llm::Draft {
        description: description.clone(),
        rounds: rounds.max(1),
        mode,
        grammar: match constrain {
            true => match tok_syntax::export::Grammar::read() {
                Ok(grammar) => Some(grammar.gbnf()),
                Err(error) => {
                    eprintln!("internal error: the grammar could not be read: {error}");
                    return ExitCode::from(EXIT_PROBLEMS);
                }
            },
            false => None,
        },
        max_tokens: 4_000,
    };
    let system = match mode {
        tok_llm::Mode::Tok => tok_llm::prompt::system_for_tok(&description),
        tok_llm::Mode::Intent => tok_llm::prompt::system_for_intent(),
    };
    let bar = spinner("drafting, round 1");
    let outcome = tok_llm::draft(
        &provider,
        &task,
        &system,
        &mut |characters| bar.set_message(format!("receiving the draft: {characters} characters")),
        &mut |round, errors| {
            bar.suspend(|| match errors {
                0 => eprintln!("round {round}: the draft checks"),
                n => eprintln!("round {round}: {n} error(s); asking for a repair"),
            });
            bar.set_message(format!("drafting, round {}", round + 1));
        },
    );
    bar.finish_and_clear();
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(error) => return fail(&error),
    };
    if let Some(error) = &outcome.interrupted {
        eprintln!("{error}\nnote: drafting stopped there; the best draft so far is kept");
    }
    match &out {
        Some(path) => {
            if let Err(error) = write_whole(path, &outcome.best) {
                eprintln!("error: cannot write {}: {error}", path.display());
                // The draft is not lost: it goes to standard output.
                print!("{}", outcome.best);
                return ExitCode::from(EXIT_PROBLEMS);
            }
            eprintln!("wrote {}", path.display());
        }
        None => print!("{}", outcome.best),
    }
    let shown = out
        .as_ref()
        .map_or("draft.tok".to_string(), |p| p.display().to_string());
    if outcome.errors > 0 {
        let diagnostics = tok_driver::check_text(&shown, &outcome.best);
        report(&shown, &outcome.best, &diagnostics, Format::Text);
        eprintln!(
            "{}",
            LlmError::new(
                tok_diagnostics::Code::NO_PROGRAM,
                format!(
                    "the best draft still has {} error(s) after {} round(s)",
                    outcome.errors,
                    outcome.rounds.len()
                )
            )
            .with_hint("fix them by hand (the diagnostics above), or run again with more --rounds")
        );
        return ExitCode::from(EXIT_PROBLEMS);
    }
    // Back-translation: what the draft says, for the person to confirm.
    let db = tok_driver::Database::default();
    let file = tok_driver::SourceFile::new(&db, shown, outcome.best.clone());
    if let Ok(explanation) = tok_explain::explain(&db, file) {
        let intro = "\n---\nWhat the draft says (check that it is what you meant):\n\n";
        if out.is_some() {
            print!("{intro}{explanation}");
        } else {
            let _ = std::io::stderr().write_all(format!("{intro}{explanation}").as_bytes());
        }
    }
    ExitCode::SUCCESS
}

pub(crate) fn review(path: &Path, provider: &ProviderArgs) -> ExitCode {
    let text = match crate::load(path, Format::Text) {
        Ok(text) => text,
        Err(code) => return code,
    };
    let provider = match provider.provider() {
        Ok(provider) => provider,
        Err(error) => return fail(&error),
    };
    let bar = spinner("reviewing");
    let shown = path.display().to_string();
    let review = tok_llm::review::review(&provider, &shown, &text, &mut |characters| {
        bar.set_message(format!("receiving the review: {characters} characters"))
    });
    bar.finish_and_clear();
    match review {
        Ok(review) => {
            print!("{review}");
            if !review.ends_with('\n') {
                println!();
            }
            ExitCode::SUCCESS
        }
        Err(error) => fail(&error),
    }
}

pub(crate) fn evaluate(
    path: &Path,
    rounds: u32,
    mode: tok_llm::Mode,
    provider: &ProviderArgs,
) -> ExitCode {
    let cases = match std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
        .and_then(|text| {
            tok_llm::eval::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
        }) {
        Ok(cases) => cases,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let provider = match provider.provider() {
        Ok(provider) => provider,
        Err(error) => return fail(&error),
    };
    let system = |description: &str| match mode {
        tok_llm::Mode::Tok => tok_llm::prompt::system_for_tok(description),
        tok_llm::Mode::Intent => tok_llm::prompt::system_for_intent(),
    };
    let total = cases.cases.len();
    let mut done = 0;
    let scored = tok_llm::eval::run(
        &provider,
        &cases,
        mode,
        rounds.max(1),
        &system,
        &mut |scored| {
            done += 1;
            let verdict = match (&scored.failure, scored.checked_best) {
                (Some(error), _) => format!("failed [{}]", error.code.as_str()),
                (None, true) => "checks".to_string(),
                (None, false) => "does not check".to_string(),
            };
            eprintln!(
                "[{done}/{total}] {}: {verdict}, facts {}/{}",
                scored.name, scored.facts, scored.fact_count
            );
        },
    );
    print!("{}", tok_llm::eval::report(&scored));
    ExitCode::SUCCESS
}
