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

/// Rapid edits, each sent before the last one's diagnostics could arrive:
/// whatever the server publishes is for the version it names (never an
/// older text's diagnostics under a newer version, never an older version
/// after a newer one), and the last version's diagnostics always arrive.
#[test]
fn rapid_edits_never_publish_stale_diagnostics() {
    // Long enough that checking it takes a while: edits arrive while
    // diagnostics are computed, and some computations are cancelled.
    let mut clean = String::from("param admin: address\ntoken T {\n    decimals: 18\n}\n");
    for index in 0..40 {
        clean.push_str(&format!(
            "mechanism M{index} {{\n    state {{\n        held: map[address] T\n    }}\n    action put(amount: T) {{\n        require amount > 0 T else \"zero\"\n        held[caller] += amount / 2\n    }}\n}}\n"
        ));
    }
    let clean = clean.as_str();
    let broken = clean.replacen("address", "adress", 1);
    let (mut session, _) = Session::start(InProcess::start());
    session.open("fast.tok", clean);
    assert_eq!(session.diagnostics("fast.tok"), serde_json::json!([]));
    // Version v (from 2) is broken when v is even.
    for version in 2..=120 {
        let text = if version % 2 == 0 { &broken } else { clean };
        session.change("fast.tok", &[(None, text)]);
        // Uneven gaps, some long enough for a computation to finish.
        let gap = if version % 3 == 0 {
            version as u64 * 7919 % 40_000
        } else {
            0
        };
        std::thread::sleep(std::time::Duration::from_micros(gap));
    }
    // Version 120 is broken: its diagnostics name the misspelled type.
    let last = session.diagnostics("fast.tok");
    assert_eq!(last.as_array().map(Vec::len), Some(1), "{last}");
    let published = session.published("fast.tok");
    let mut previous = 0;
    for (version, diagnostics) in &published {
        let version = version.expect("diagnostics of an open document name its version");
        assert!(
            version > previous,
            "version {version} published after {previous}"
        );
        previous = version;
        let broken = version % 2 == 0 && version > 1;
        let count = diagnostics.as_array().map_or(0, Vec::len);
        assert_eq!(
            count,
            usize::from(broken),
            "version {version}: {diagnostics}"
        );
        if broken {
            assert!(diagnostics.to_string().contains("adress"), "{diagnostics}");
        }
    }
    eprintln!("{} of 119 edits published", published.len() - 1);
    assert_eq!(previous, 120);
    session.shutdown();
}
