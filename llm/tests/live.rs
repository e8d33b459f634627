//! An opt-in test against a real model server (not part of the test
//! command): `TOK_LLM_LIVE=1 cargo test -p tok-llm --test live -- --ignored`
//! with TOK_LLM_BASE_URL (and TOK_LLM_MODEL, TOK_LLM_API_KEY as needed)
//! pointing at it; docs/drafting.md shows a local llama.cpp setup. It
//! drafts one description on both paths and checks only that the plumbing
//! works end to end: a reply arrives and is checked. A small model's
//! drafts need not be right.

// The test reports what the model drafted.
#![allow(clippy::disallowed_macros)]

use tok_llm::{Draft, Flags, Http, Mode, Settings};

#[test]
#[ignore = "needs a model server: TOK_LLM_LIVE=1 and TOK_LLM_BASE_URL (see docs/drafting.md)"]
fn a_live_server_drafts_on_both_paths() {
    assert_eq!(
        std::env::var("TOK_LLM_LIVE").as_deref(),
        Ok("1"),
        "set TOK_LLM_LIVE=1 and TOK_LLM_BASE_URL to run the live test"
    );
    let settings = Settings::resolve(&Flags::default(), &|name| std::env::var(name).ok())
        .expect("provider settings");
    let provider = Http::new(settings);
    let description = "A token EMB with 1,000,000 tokens minted to the treasury.";
    for mode in [Mode::Tok, Mode::Intent] {
        let task = Draft {
            description: description.to_string(),
            mode,
            rounds: 2,
            grammar: None,
            max_tokens: 1_500,
        };
        let system = match mode {
            Mode::Tok => tok_llm::prompt::system_for_tok(description),
            Mode::Intent => tok_llm::prompt::system_for_intent(),
        };
        let outcome = tok_llm::draft(
            &provider,
            &task,
            &system,
            &mut |_| {},
            &mut |round, errors| eprintln!("{mode:?} round {round}: {errors} error(s)"),
        )
        .expect("the server answers");
        assert!(!outcome.rounds.is_empty());
        eprintln!(
            "{mode:?}: best draft has {} error(s):\n{}",
            outcome.errors, outcome.best
        );
    }
}
