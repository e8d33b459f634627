//! `tok lsp` over stdio: the real binary, driven by the protocol scripts
//! of `lsp/tests/protocol`, answers exactly as the server does in process
//! (whose transcripts `lsp/tests/protocol.rs` pins as snapshots); and it
//! exits cleanly when asked, or when its client goes away.

#[path = "../../../lsp/tests/harness/mod.rs"]
mod harness;

use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;

use crossbeam_channel::Receiver;
use harness::{InProcess, Session, Transport, scripts};
use lsp_server::Message;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `tok lsp` as a child process: messages framed on its stdin and stdout.
struct Process {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Message>,
}

impl Process {
    fn start() -> Process {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tok"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("tok lsp starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, messages) = crossbeam_channel::unbounded();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Ok(Some(message)) = Message::read(&mut reader) {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        Process {
            child,
            stdin,
            messages,
        }
    }

    /// Waits for the process to end; its exit status.
    fn wait(mut self) -> std::process::ExitStatus {
        drop(self.stdin);
        self.child.wait().expect("tok lsp ends")
    }
}

impl Transport for Process {
    fn send(&mut self, message: Message) {
        message
            .write(&mut self.stdin)
            .expect("tok lsp reads its input");
        self.stdin.flush().expect("flushed");
    }

    fn receive(&mut self, timeout: Duration) -> Option<Message> {
        self.messages.recv_timeout(timeout).ok()
    }
}

#[test]
fn the_binary_answers_every_script_as_the_server_does_in_process() {
    for (name, script) in scripts(&root().join("lsp/tests/protocol")) {
        let (mut session, _) = Session::start(InProcess::start());
        let expected = session.run_script(&script, &root());
        session.shutdown();
        let (mut session, _) = Session::start(Process::start());
        let found = session.run_script(&script, &root());
        session.shutdown();
        assert_eq!(found, expected, "script {name}");
    }
}

#[test]
fn the_binary_exits_cleanly() {
    // Asked to: shutdown, then exit.
    let (mut session, _) = Session::start(Process::start());
    session.shutdown();
    let status = session.into_transport().wait();
    assert!(status.success(), "{status:?}");
    // Its client gone: end of input.
    let (session, _) = Session::start(Process::start());
    let status = session.into_transport().wait();
    assert!(status.success(), "{status:?}");
}

/// The "Simulate" lens runs `tok sim` on the open text (unsaved edits
/// included) and answers with the final row; a scenario that cannot run
/// answers with why.
#[test]
fn the_simulate_lens_runs_the_open_text() {
    let (mut session, _) = Session::start(Process::start());
    let text = std::fs::read_to_string(root().join("examples/dao_parameter.tok")).expect("example");
    session.open("dao.tok", &text);
    let answer = session.request(
        "workspace/executeCommand",
        serde_json::json!({ "command": "tok.simulate", "arguments": [harness::uri("dao.tok"), "lower_inflation"] }),
    );
    let summary = answer
        .as_str()
        .unwrap_or_else(|| panic!("a summary: {answer}"));
    assert!(
        summary.starts_with("scenario `lower_inflation`, 1 run, 60 steps"),
        "{summary}"
    );
    assert!(summary.contains("supply = "), "{summary}");
    // An unsaved edit that breaks the program: the lens says so.
    session.change("dao.tok", &[(None, "scenario s {\n}\n")]);
    let answer = session.request(
        "workspace/executeCommand",
        serde_json::json!({ "command": "tok.simulate", "arguments": [harness::uri("dao.tok"), "s"] }),
    );
    let message = answer["error"]["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("the simulation stopped"), "{answer}");
    session.shutdown();
}
