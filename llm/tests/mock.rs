//! Drafting against a loopback mock of both APIs: repair rounds, prose
//! around code, streaming, retries, and every failure a provider can give,
//! each with its code and no draft lost. What the server received is
//! checked too: the diagnostics fed back, the grammar sent, the headers.

// The tests read the examples they send.
#![allow(clippy::disallowed_methods)]

#[path = "support/mock_server.rs"]
mod mock_server;

use std::time::Duration;

use mock_server::{MockServer, Scripted, anthropic, anthropic_stream, openai, openai_stream};
use serde_json::json;
use tok_diagnostics::Code;
use tok_llm::{Api, Draft, Http, LlmError, Outcome, Settings};

/// A program that checks.
const GOOD: &str =
    "param treasury: address\n\ntoken EMB {\n    decimals: 18\n    mint 1_000 EMB to treasury\n}\n";
/// The same with a misspelled name (E0100).
const BAD: &str =
    "param treasury: address\n\ntoken EMB {\n    decimals: 18\n    mint 1_000 EMB to tresury\n}\n";
/// Two errors: the misspelling and an unknown setting.
const WORSE: &str = "param treasury: address\n\ntoken EMB {\n    decimals: 18\n    colour: 1\n    mint 1_000 EMB to tresury\n}\n";

fn fenced(program: &str) -> String {
    format!("```tok\n{program}```")
}

fn settings(server: &MockServer, api: Api, stream: bool) -> Settings {
    Settings {
        api,
        base_url: server.base.clone(),
        model: "mock-model".to_string(),
        key: Some("test-key".to_string()),
        timeout: Duration::from_secs(2),
        retries: 2,
        backoff: Duration::from_millis(5),
        stream,
    }
}

fn task(rounds: u32) -> Draft {
    Draft {
        description: "A token EMB with 1,000 minted to the treasury.".to_string(),
        rounds,
        mode: tok_llm::Mode::Tok,
        grammar: None,
        max_tokens: 2_000,
    }
}

fn run(server: &MockServer, api: Api, stream: bool, task: &Draft) -> Result<Outcome, LlmError> {
    let provider = Http::new(settings(server, api, stream));
    let mut seen = Vec::new();
    let outcome = tok_llm::draft(
        &provider,
        task,
        "system prompt",
        &mut |_| {},
        &mut |round, errors| seen.push((round, errors)),
    );
    if let Ok(outcome) = &outcome {
        assert_eq!(seen.len(), outcome.rounds.len());
    }
    outcome
}

#[test]
fn a_wrong_first_draft_is_repaired_with_the_diagnostics() {
    let server = MockServer::start(vec![openai(&fenced(BAD)), openai(&fenced(GOOD))]);
    let outcome = run(&server, Api::OpenAi, false, &task(3)).expect("a draft");
    assert_eq!(outcome.errors, 0);
    assert_eq!(outcome.rounds.len(), 2);
    assert_eq!(outcome.best, GOOD);
    let received = server.received();
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].path, "/chat/completions");
    assert_eq!(received[0].header("authorization"), Some("Bearer test-key"));
    let body = &received[1].body;
    assert_eq!(body["model"], "mock-model");
    assert_eq!(body["temperature"], 0);
    assert_eq!(body["seed"], 0);
    assert_eq!(body["messages"][0]["role"], "system");
    // The repair request carries the diagnostic: its code and the text it
    // points at, after the model's own first draft.
    let messages = body["messages"].as_array().expect("messages");
    assert_eq!(messages[2]["role"], "assistant");
    let repair = messages[3]["content"].as_str().expect("text");
    assert!(repair.contains("\"code\": \"E0100\""), "{repair}");
    assert!(repair.contains("\"text\": \"tresury\""), "{repair}");
    assert!(
        repair.contains("treasury"),
        "the did-you-mean goes back too: {repair}"
    );
}

#[test]
fn code_amid_prose_is_extracted_from_a_stream() {
    let reply = format!(
        "Sure! Here is a draft.\n\n{}\n\nIt mints 1,000 EMB.",
        fenced(GOOD)
    );
    for (api, scripted) in [
        (Api::OpenAi, openai_stream(&reply, 7, true)),
        (Api::Anthropic, anthropic_stream(&reply, 7, true)),
    ] {
        let server = MockServer::start(vec![scripted]);
        let provider = Http::new(settings(&server, api, true));
        let mut streamed = 0;
        let outcome = tok_llm::draft(
            &provider,
            &task(3),
            "system",
            &mut |n| streamed = n,
            &mut |_, _| {},
        )
        .expect("a draft");
        assert_eq!((outcome.errors, outcome.best.as_str()), (0, GOOD));
        assert_eq!(
            streamed,
            reply.chars().count(),
            "progress heard every chunk"
        );
        assert_eq!(server.received()[0].body["stream"], true);
    }
}

#[test]
fn anthropic_gets_its_headers_and_shape() {
    let server = MockServer::start(vec![anthropic(&fenced(GOOD))]);
    let outcome = run(&server, Api::Anthropic, false, &task(1)).expect("a draft");
    assert_eq!(outcome.errors, 0);
    let received = &server.received()[0];
    assert_eq!(received.path, "/v1/messages");
    assert_eq!(received.header("x-api-key"), Some("test-key"));
    assert_eq!(received.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(received.body["system"], "system prompt");
    assert_eq!(received.body["messages"][0]["role"], "user");
}

#[test]
fn rate_limits_are_retried() {
    let limited = Scripted::Json(429, json!({ "error": { "message": "slow down" } }));
    let server = MockServer::start(vec![limited, openai(&fenced(GOOD))]);
    let outcome = run(&server, Api::OpenAi, false, &task(1)).expect("a draft after a retry");
    assert_eq!(outcome.errors, 0);
    assert_eq!(server.received().len(), 2);
}

fn failure(script: Vec<Scripted>, api: Api, stream: bool) -> LlmError {
    let server = MockServer::start(script);
    run(&server, api, stream, &task(1)).expect_err("a failure")
}

#[test]
fn every_fault_has_its_code() {
    let error = |status: u16, message: &str| {
        Scripted::Json(status, json!({ "error": { "message": message } }))
    };
    // Server errors through every retry (three tries).
    let failed = failure(
        vec![error(500, "boom"), error(502, "boom"), error(503, "boom")],
        Api::OpenAi,
        false,
    );
    assert_eq!(failed.code, Code::PROVIDER_ERROR, "{failed}");
    assert!(failed.message.contains("boom"), "{failed}");
    let limited = failure(
        vec![error(429, "slow"), error(429, "slow"), error(429, "slow")],
        Api::OpenAi,
        false,
    );
    assert_eq!(limited.code, Code::RATE_LIMITED, "{limited}");
    let missing = failure(
        vec![error(404, "The model `mock-model` does not exist")],
        Api::OpenAi,
        false,
    );
    assert_eq!(missing.code, Code::MODEL_NOT_FOUND, "{missing}");
    let denied = failure(vec![error(401, "invalid key")], Api::Anthropic, false);
    assert_eq!(denied.code, Code::AUTH_FAILED, "{denied}");
    let garbled = failure(
        vec![Scripted::Text(200, "{ not json".into())],
        Api::OpenAi,
        false,
    );
    assert_eq!(garbled.code, Code::MALFORMED_REPLY, "{garbled}");
    let truncated = failure(
        vec![openai_stream(&fenced(GOOD), 5, false)],
        Api::OpenAi,
        true,
    );
    assert_eq!(truncated.code, Code::TRUNCATED_STREAM, "{truncated}");
    let cut = failure(
        vec![anthropic_stream(&fenced(GOOD), 5, false)],
        Api::Anthropic,
        true,
    );
    assert_eq!(cut.code, Code::TRUNCATED_STREAM, "{cut}");
    let refusal = Scripted::Json(
        200,
        json!({ "choices": [{ "message": { "content": null, "refusal": "I can't help with that." }, "finish_reason": "stop" }] }),
    );
    let refused = failure(vec![refusal], Api::OpenAi, false);
    assert_eq!(refused.code, Code::REFUSED, "{refused}");
    assert!(refused.message.contains("I can't help"), "{refused}");
    let anthropic_refusal = Scripted::Json(200, json!({ "content": [], "stop_reason": "refusal" }));
    assert_eq!(
        failure(vec![anthropic_refusal], Api::Anthropic, false).code,
        Code::REFUSED
    );
    let stalled = failure(
        vec![Scripted::Stall(Duration::from_secs(4))],
        Api::OpenAi,
        false,
    );
    assert_eq!(stalled.code, Code::PROVIDER_TIMEOUT, "{stalled}");
}

#[test]
fn an_unreachable_server_is_reported() {
    // A port nothing listens on: bind one, note it, let it go.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a port");
    let settings = Settings {
        base_url: format!("http://127.0.0.1:{port}"),
        ..settings(&MockServer::start(vec![]), Api::OpenAi, false)
    };
    let provider = Http::new(settings);
    let error = tok_llm::draft(&provider, &task(1), "s", &mut |_| {}, &mut |_, _| {})
        .expect_err("unreachable");
    assert_eq!(error.code, Code::PROVIDER_UNREACHABLE, "{error}");
}

#[test]
fn a_model_that_never_converges_keeps_the_best_draft() {
    // Worse, then bad, then worse again: the best (one error) is kept and
    // every round is used.
    let server = MockServer::start(vec![
        openai(&fenced(WORSE)),
        openai(&fenced(BAD)),
        openai(&fenced(WORSE.replace("colour", "color").as_str())),
    ]);
    let outcome = run(&server, Api::OpenAi, false, &task(3)).expect("a draft");
    assert_eq!(outcome.rounds.len(), 3);
    assert_eq!(outcome.errors, 1);
    assert_eq!(outcome.best, BAD);
    // The same wrong draft twice is a fixed point: drafting stops there.
    let server = MockServer::start(vec![
        openai(&fenced(BAD)),
        openai(&fenced(BAD)),
        openai(&fenced(GOOD)),
    ]);
    let outcome = run(&server, Api::OpenAi, false, &task(3)).expect("a draft");
    assert_eq!(outcome.rounds.len(), 2);
    assert_eq!(server.received().len(), 2);
}

#[test]
fn a_provider_failure_after_a_draft_keeps_it() {
    let error = Scripted::Json(500, json!({ "error": { "message": "down" } }));
    let server = MockServer::start(vec![
        openai(&fenced(BAD)),
        error.clone(),
        error.clone(),
        error,
    ]);
    let outcome = run(&server, Api::OpenAi, false, &task(3)).expect("the first draft survives");
    assert_eq!(outcome.best, BAD);
    assert_eq!(
        outcome.interrupted.map(|e| e.code),
        Some(Code::PROVIDER_ERROR)
    );
}

#[test]
fn a_grammar_is_sent_to_servers_that_take_one() {
    let server = MockServer::start(vec![openai(&fenced(GOOD))]);
    let task = Draft {
        grammar: Some("root ::= \"param\"".to_string()),
        ..task(1)
    };
    run(&server, Api::OpenAi, false, &task).expect("a draft");
    assert_eq!(server.received()[0].body["grammar"], "root ::= \"param\"");
}

#[test]
fn a_review_sends_the_program_its_explanation_and_findings() {
    let server = MockServer::start(vec![openai(
        "## Summary\n\nOne owner key can pause everything.\n",
    )]);
    let provider = Http::new(settings(&server, Api::OpenAi, false));
    let program = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/transfer_tax.tok"
    ))
    .expect("the example");
    let review = tok_llm::review::review(&provider, "transfer_tax.tok", &program, &mut |_| {})
        .expect("a review");
    assert!(review.starts_with("## Summary"));
    let sent = server.received()[0].body["messages"][1]["content"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(sent.contains("mechanism Buyback"), "the program");
    assert!(
        sent.contains("## Risks the compiler can see"),
        "the explanation"
    );
    assert!(
        sent.contains("can freeze every `TAX` transfer"),
        "the risks"
    );
    assert!(sent.contains("checks without errors"), "the findings");
}

/// The intent path: the schema is sent as structured outputs (OpenAI) or a
/// forced tool (Anthropic); JSON that does not fit is sent back with the
/// reason; the JSON that fits is printed to a program that checks.
#[test]
fn an_intent_is_asked_for_with_the_schema_and_printed() {
    let intent = json!({
        "token": { "symbol": "EMB", "name": "Ember", "decimals": 18, "initial_supply": 1_000_000_000u64,
                   "max_supply": null, "burnable": true, "pausable": false, "permit": false },
        "allocations": [{ "name": "team", "percent": 20,
                          "vesting": { "start_days": 0, "cliff_days": 365, "duration_days": 1460, "tge_percent": 0 } }],
        "transfer_fee": { "percent": 2, "to": "burn" },
        "emission": null, "staking": null, "governance": null
    });
    let task = Draft {
        mode: tok_llm::Mode::Intent,
        ..task(3)
    };
    // OpenAI: the first answer misses fields, the second fits.
    let server = MockServer::start(vec![
        openai("{\"token\": {}}"),
        openai(&format!("Here:\n```json\n{intent}\n```")),
    ]);
    let outcome = run(&server, Api::OpenAi, false, &task).expect("a draft");
    assert_eq!(outcome.errors, 0, "{}", outcome.best);
    assert!(
        outcome.best.contains("mint 200_000_000 EMB to team"),
        "{}",
        outcome.best
    );
    let received = server.received();
    assert_eq!(received[0].body["response_format"]["type"], "json_schema");
    assert_eq!(
        received[0].body["response_format"]["json_schema"]["strict"],
        true
    );
    assert_eq!(
        received[0].body["response_format"]["json_schema"]["schema"],
        tok_llm::intent::schema()
    );
    let repair = received[1].body["messages"][3]["content"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(repair.contains("does not match the form"), "{repair}");
    // Anthropic: a forced tool whose input is the intent.
    let reply = Scripted::Json(
        200,
        json!({ "content": [{ "type": "tool_use", "name": "mechanism_intent", "input": intent }], "stop_reason": "tool_use" }),
    );
    let server = MockServer::start(vec![reply]);
    let outcome = run(&server, Api::Anthropic, false, &task).expect("a draft");
    assert_eq!(outcome.errors, 0, "{}", outcome.best);
    let body = &server.received()[0].body;
    assert_eq!(body["tool_choice"]["name"], "mechanism_intent");
    assert_eq!(body["tools"][0]["input_schema"], tok_llm::intent::schema());
}

/// The evaluation: each case drafted and scored from the mock's answers.
#[test]
fn an_evaluation_scores_first_drafts_repairs_and_facts() {
    let cases = tok_llm::eval::parse(
        "[[case]]\nname = \"repaired\"\ndescription = \"EMB, 1,000 to the treasury\"\ntokens = [1_000]\n\n[[case]]\nname = \"wrong-amount\"\ndescription = \"EMB, 2,000 to the treasury\"\ntokens = [2_000]\n",
    )
    .expect("cases");
    let server = MockServer::start(vec![
        openai(&fenced(BAD)),
        openai(&fenced(GOOD)),
        openai(&fenced(GOOD)),
    ]);
    let provider = Http::new(settings(&server, Api::OpenAi, false));
    let scored = tok_llm::eval::run(
        &provider,
        &cases,
        tok_llm::Mode::Tok,
        3,
        &|d| d.to_string(),
        &mut |_| {},
    );
    assert_eq!(scored.len(), 2);
    let (first, second) = (&scored[0], &scored[1]);
    assert!(first.parsed_first && !first.checked_first && first.checked_best);
    assert_eq!((first.rounds, first.facts), (2, 1));
    assert!(second.checked_first && second.checked_best);
    assert_eq!(second.facts, 0, "the draft says 1,000, not 2,000");
    let report = tok_llm::eval::report(&scored);
    assert!(
        report.contains(
            "2 cases: parse@1 100%, check@1 50%, check after repair 100%, facts matched 1/2 (50%)."
        ),
        "{report}"
    );
}

/// The shipped development set reads, and is big enough to mean something.
#[test]
fn the_development_set_is_valid() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/eval/dev.toml"))
        .expect("the set");
    let cases = tok_llm::eval::parse(&text).expect("it parses");
    assert!(cases.cases.len() >= 15, "{} cases", cases.cases.len());
    for case in &cases.cases {
        assert!(
            !case.tokens.is_empty() || !case.days.is_empty() || !case.percent.is_empty(),
            "{} has no facts",
            case.name
        );
    }
}
