//! Protocol tests: scripted sessions (`tests/protocol/*.json`) against the
//! server on an in-memory connection, their transcripts pinned as
//! snapshots. `compiler/cli/tests/lsp.rs` runs the same scripts against the
//! real `tok lsp` over stdio.

mod harness;

use std::path::{Path, PathBuf};

use harness::{InProcess, Session, scripts};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ snapshot_path => root().join("lsp/tests/snapshots"), prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn every_script_answers_as_pinned() {
    let scripts = scripts(&root().join("lsp/tests/protocol"));
    assert!(scripts.len() >= 4, "found {} scripts", scripts.len());
    for (name, script) in scripts {
        let transport = InProcess::start();
        let (mut session, _) = Session::start(transport);
        let transcript = session.run_script(&script, &root());
        session.shutdown();
        snapshot(&format!("protocol__{name}"), &transcript);
    }
}

#[test]
fn initialization_negotiates_positions_and_lists_capabilities() {
    let (mut session, answer) = Session::start(InProcess::start());
    snapshot(
        "protocol__initialize",
        &serde_json::to_string_pretty(&answer).unwrap_or_default(),
    );
    assert_eq!(answer["capabilities"]["positionEncoding"], "utf-16");
    session.shutdown();
}

/// A request for a document that is not open, an unknown method and
/// malformed parameters get error answers; the server carries on.
#[test]
fn bad_requests_get_errors_not_crashes() {
    let (mut session, _) = Session::start(InProcess::start());
    let not_open = session.request(
        "textDocument/documentSymbol",
        serde_json::json!({ "textDocument": { "uri": "file:///nowhere.tok" } }),
    );
    assert!(
        not_open["error"]["message"].as_str().is_some(),
        "{not_open}"
    );
    let unknown = session.request("textDocument/nonsense", serde_json::json!({}));
    assert_eq!(unknown["error"]["code"], -32601, "{unknown}");
    let malformed = session.request("textDocument/formatting", serde_json::json!({ "x": 1 }));
    assert_eq!(malformed["error"]["code"], -32602, "{malformed}");
    session.open("ok.tok", "token T {\n    decimals: 18\n}\n");
    assert_eq!(session.diagnostics("ok.tok"), serde_json::json!([]));
    session.shutdown();
}
