//! `tok draft` and `tok review` end to end, against a loopback mock of the
//! providers (`llm/tests/support/mock_server.rs`): files written, exit
//! statuses, what reaches the terminal. Never the network.

#[path = "../../../llm/tests/support/mock_server.rs"]
mod mock_server;

use std::process::{Command, Output};

use mock_server::{MockServer, openai};

const GOOD: &str =
    "param treasury: address\n\ntoken EMB {\n    decimals: 18\n    mint 1_000 EMB to treasury\n}\n";
const BAD: &str =
    "param treasury: address\n\ntoken EMB {\n    decimals: 18\n    mint 1_000 EMB to tresury\n}\n";

fn fenced(program: &str) -> String {
    format!("Here it is:\n```tok\n{program}```\n")
}

/// `tok` with the provider pointed at `base` and no key in sight.
fn tok(base: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tok"))
        .args(args)
        .env("TOK_LLM_BASE_URL", base)
        .env("TOK_LLM_MODEL", "mock-model")
        .env_remove("TOK_LLM_API")
        .env_remove("TOK_LLM_API_KEY")
        .env_remove("OPENAI_API_KEY")
        .env_remove("ANTHROPIC_API_KEY")
        .output()
        .expect("tok runs")
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tok-draft-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

#[test]
fn a_repaired_draft_is_written_and_explained() {
    let server = MockServer::start(vec![openai(&fenced(BAD)), openai(&fenced(GOOD))]);
    let dir = scratch("repaired");
    let out = dir.join("token.tok");
    let output = tok(
        &server.base,
        &[
            "draft",
            "A token with 1,000 EMB for the treasury",
            "--out",
            out.to_str().unwrap_or(""),
            "--no-stream",
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(std::fs::read_to_string(&out).unwrap_or_default(), GOOD);
    assert!(stderr.contains("round 1: 1 error(s)"), "{stderr}");
    assert!(stderr.contains("round 2: the draft checks"), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("# What `"),
        "the explanation follows: {stdout}"
    );
    assert!(stdout.contains("1,000 EMB"), "{stdout}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_draft_that_never_checks_is_kept_and_the_exit_says_so() {
    let server = MockServer::start(vec![openai(&fenced(BAD)), openai(&fenced(BAD))]);
    let dir = scratch("stuck");
    let out = dir.join("token.tok");
    let output = tok(
        &server.base,
        &[
            "draft",
            "-",
            "--out",
            out.to_str().unwrap_or(""),
            "--no-stream",
            "--rounds",
            "5",
        ],
    );
    // `-` reads standard input, which is empty here: a usage error.
    assert_eq!(output.status.code(), Some(2));
    let output = tok(
        &server.base,
        &[
            "draft",
            "A token",
            "--out",
            out.to_str().unwrap_or(""),
            "--no-stream",
            "--rounds",
            "5",
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap_or_default(),
        BAD,
        "the best draft is kept"
    );
    assert!(stderr.contains("[E0100]"), "{stderr}");
    assert!(stderr.contains("[E0710]"), "{stderr}");
    // A fixed point after two identical drafts: two calls, not five.
    assert_eq!(server.received().len(), 2);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_public_service_without_a_key_is_a_coded_error() {
    let output = tok("https://api.openai.com/v1", &["draft", "A token"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("[E0700]"), "{stderr}");
    assert!(stderr.contains("TOK_LLM_API_KEY"), "{stderr}");
}

#[test]
fn a_review_is_printed() {
    let server = MockServer::start(vec![openai("## Summary\n\nThe owner can pause transfers.")]);
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/transfer_tax.tok"
    );
    let output = tok(&server.base, &["review", example, "--no-stream"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "## Summary\n\nThe owner can pause transfers.\n"
    );
}

#[test]
fn the_grammar_is_printed_and_sent_on_request() {
    let lark = Command::new(env!("CARGO_BIN_EXE_tok"))
        .args(["grammar", "--format", "lark"])
        .output()
        .expect("tok runs");
    assert_eq!(lark.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&lark.stdout).contains("start: module"));
    let gbnf = Command::new(env!("CARGO_BIN_EXE_tok"))
        .args(["grammar", "--format", "gbnf"])
        .output()
        .expect("tok runs");
    let gbnf = String::from_utf8_lossy(&gbnf.stdout).to_string();
    assert!(gbnf.contains("root ::= ws module"), "{gbnf}");
    let server = MockServer::start(vec![openai(&fenced(GOOD))]);
    let output = tok(
        &server.base,
        &["draft", "A token", "--grammar", "--no-stream"],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(server.received()[0].body["grammar"], gbnf.as_str());
}

#[test]
fn an_evaluation_prints_its_report() {
    let server = MockServer::start(vec![openai(&fenced(GOOD))]);
    let dir = scratch("eval");
    let cases = dir.join("cases.toml");
    std::fs::write(
        &cases,
        "[[case]]\nname = \"one\"\ndescription = \"EMB\"\ntokens = [1_000]\n",
    )
    .expect("cases");
    let output = tok(
        &server.base,
        &[
            "draft",
            "--eval",
            cases.to_str().unwrap_or(""),
            "--no-stream",
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("| one | yes | yes | yes | 1 | 1/1 |"),
        "{stdout}"
    );
    assert!(stdout.contains("facts matched 1/1 (100%)"), "{stdout}");
    let _ = std::fs::remove_dir_all(dir);
}
