//! Drives a Tok language server from a script and writes down what it
//! answers: the protocol tests' harness, for the server in this process
//! (`tests/protocol.rs`) and for the real `tok lsp` binary over stdio
//! (`compiler/cli/tests/lsp.rs`, which includes this file).
//!
//! A script is a JSON array of steps:
//! * `{"open": "a.tok", "file": "examples/x.tok"}` or `{"open": "a.tok",
//!   "text": "..."}` opens a document (version 1);
//! * `{"change": "a.tok", "edits": [{"range": [l0, c0, l1, c1], "text":
//!   "..."}]}` edits it (a range of `null` replaces the whole text) and
//!   bumps its version;
//! * `{"diagnostics": "a.tok"}` waits for the diagnostics of its current
//!   version and writes them down;
//! * `{"request": "method", "params": {...}}` sends a request and writes
//!   down the answer; in params, `"$uri:a.tok"` stands for the document's
//!   URI;
//! * `{"close": "a.tok"}`.
//!
//! Positions in edits and answers are the protocol's (UTF-16 here).

// Each test file uses part of the harness; the harness reads its scripts
// and fixtures (the server itself reads no files).
#![allow(dead_code, clippy::disallowed_methods)]

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use lsp_server::{Message, Notification, Request, RequestId};
use serde_json::{Value, json};

/// How long an answer may take before the test fails, saying what it waited for.
const PATIENCE: Duration = Duration::from_secs(30);

/// Both ends of a connection to a server.
pub trait Transport {
    fn send(&mut self, message: Message);
    fn receive(&mut self, timeout: Duration) -> Option<Message>;
}

/// A running session: the transport, the documents' versions, and
/// notifications received while waiting for something else.
pub struct Session<T: Transport> {
    transport: T,
    versions: BTreeMap<String, i32>,
    next_id: i32,
    /// Diagnostics published, by URI: (version, diagnostics).
    published: BTreeMap<String, Vec<(Option<i32>, Value)>>,
}

pub fn uri(name: &str) -> String {
    format!("file:///work/{name}")
}

/// Replaces `"$uri:name"` strings with the document's URI.
fn substitute(value: &mut Value) {
    match value {
        Value::String(text) => {
            if let Some(name) = text.strip_prefix("$uri:") {
                *text = uri(name);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(substitute),
        Value::Object(map) => map.values_mut().for_each(substitute),
        _ => {}
    }
}

impl<T: Transport> Session<T> {
    /// Initializes the server (diagnostics without debounce, UTF-16
    /// positions) and returns the session with the server's capabilities.
    pub fn start(transport: T) -> (Session<T>, Value) {
        let mut session = Session {
            transport,
            versions: BTreeMap::new(),
            next_id: 1,
            published: BTreeMap::new(),
        };
        let capabilities = session.request(
            "initialize",
            json!({
                "capabilities": { "general": { "positionEncodings": ["utf-16"] } },
                "initializationOptions": { "debounceMs": 0 }
            }),
        );
        session.notify("initialized", json!({}));
        (session, capabilities)
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.transport
            .send(Notification::new(method.to_string(), params).into());
    }

    /// Sends a request and waits for its answer: the result, or the error
    /// object.
    pub fn request(&mut self, method: &str, mut params: Value) -> Value {
        substitute(&mut params);
        let id = RequestId::from(self.next_id);
        self.next_id += 1;
        self.transport
            .send(Request::new(id.clone(), method.to_string(), params).into());
        let response = self.wait(
            &format!("the answer to {method}"),
            |message| match message {
                Message::Response(response) if response.id == id => Some(response.clone()),
                _ => None,
            },
        );
        match response.response_result {
            Ok(result) => result,
            Err(error) => json!({ "error": { "code": error.code, "message": error.message } }),
        }
    }

    /// Receives until `wanted` accepts a message, keeping the diagnostics
    /// published on the way.
    fn wait<R>(&mut self, what: &str, mut wanted: impl FnMut(&Message) -> Option<R>) -> R {
        let started = Instant::now();
        loop {
            let left = PATIENCE.saturating_sub(started.elapsed());
            let Some(message) = self.transport.receive(left) else {
                panic!("the server did not send {what} within {PATIENCE:?}");
            };
            if let Message::Notification(notification) = &message
                && notification.method == "textDocument/publishDiagnostics"
            {
                let uri = notification.params["uri"]
                    .as_str()
                    .unwrap_or("")
                    .to_string();
                let version = notification.params["version"].as_i64().map(|v| v as i32);
                self.published
                    .entry(uri)
                    .or_default()
                    .push((version, notification.params["diagnostics"].clone()));
            }
            if let Some(found) = wanted(&message) {
                return found;
            }
        }
    }

    pub fn open(&mut self, name: &str, text: &str) {
        self.versions.insert(name.to_string(), 1);
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri(name), "languageId": "tok", "version": 1, "text": text } }),
        );
    }

    /// Applies edits (`[l0, c0, l1, c1]` ranges, or null for the whole
    /// text) as the next version.
    pub fn change(&mut self, name: &str, edits: &[(Option<[u32; 4]>, &str)]) {
        let version = self.versions.get(name).copied().unwrap_or(0) + 1;
        self.versions.insert(name.to_string(), version);
        let changes: Vec<Value> = (edits.iter())
            .map(|(range, text)| match range {
                Some([l0, c0, l1, c1]) => json!({
                    "range": { "start": { "line": l0, "character": c0 }, "end": { "line": l1, "character": c1 } },
                    "text": text
                }),
                None => json!({ "text": text }),
            })
            .collect();
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri(name), "version": version }, "contentChanges": changes }),
        );
    }

    pub fn close(&mut self, name: &str) {
        self.notify(
            "textDocument/didClose",
            json!({ "textDocument": { "uri": uri(name) } }),
        );
    }

    /// The diagnostics of the document's current version, once published.
    pub fn diagnostics(&mut self, name: &str) -> Value {
        let (uri, version) = (uri(name), self.versions.get(name).copied());
        let current = |published: &BTreeMap<String, Vec<(Option<i32>, Value)>>| {
            (published.get(&uri)?.iter())
                .rev()
                .find(|(v, _)| *v == version)
                .map(|(_, diagnostics)| diagnostics.clone())
        };
        if let Some(found) = current(&self.published) {
            return found;
        }
        self.wait(
            &format!("diagnostics of {name} version {version:?}"),
            |message| {
                let Message::Notification(notification) = message else {
                    return None;
                };
                (notification.method == "textDocument/publishDiagnostics"
                    && notification.params["uri"] == uri.as_str()
                    && notification.params["version"].as_i64().map(|v| v as i32) == version)
                    .then(|| notification.params["diagnostics"].clone())
            },
        )
    }

    /// Every set of diagnostics published for the document so far, in
    /// the order received, with the version each was for.
    pub fn published(&self, name: &str) -> Vec<(Option<i32>, Value)> {
        self.published.get(&uri(name)).cloned().unwrap_or_default()
    }

    /// The transport, to end the session by hand.
    pub fn into_transport(self) -> T {
        self.transport
    }

    /// Shuts the server down politely.
    pub fn shutdown(&mut self) {
        let answer = self.request("shutdown", Value::Null);
        assert_eq!(answer, Value::Null, "shutdown answered {answer}");
        self.notify("exit", Value::Null);
    }

    /// Runs a script (see the module comment); returns the transcript.
    pub fn run_script(&mut self, script: &Value, root: &Path) -> String {
        let mut transcript = String::new();
        for step in script.as_array().expect("a script is an array of steps") {
            if let Some(name) = step["open"].as_str() {
                let text = match step["file"].as_str() {
                    Some(file) => {
                        std::fs::read_to_string(root.join(file)).expect("the file exists")
                    }
                    None => step["text"].as_str().expect("`text` or `file`").to_string(),
                };
                transcript.push_str(&format!(">>> open {name}\n"));
                self.open(name, &text);
            } else if let Some(name) = step["change"].as_str() {
                let edits: Vec<(Option<[u32; 4]>, String)> = (step["edits"].as_array())
                    .expect("edits")
                    .iter()
                    .map(|edit| {
                        let range = edit["range"].as_array().map(|r| {
                            let at = |i: usize| r[i].as_u64().unwrap_or(0) as u32;
                            [at(0), at(1), at(2), at(3)]
                        });
                        (range, edit["text"].as_str().unwrap_or("").to_string())
                    })
                    .collect();
                let borrowed: Vec<(Option<[u32; 4]>, &str)> =
                    edits.iter().map(|(r, t)| (*r, t.as_str())).collect();
                transcript.push_str(&format!(">>> change {name} {}\n", step["edits"]));
                self.change(name, &borrowed);
            } else if let Some(name) = step["diagnostics"].as_str() {
                let diagnostics = self.diagnostics(name);
                transcript.push_str(&format!("<<< diagnostics of {name}\n"));
                for diagnostic in diagnostics.as_array().into_iter().flatten() {
                    let range = &diagnostic["range"];
                    transcript.push_str(&format!(
                        "{}:{}-{}:{} {} {}\n",
                        range["start"]["line"],
                        range["start"]["character"],
                        range["end"]["line"],
                        range["end"]["character"],
                        diagnostic["code"].as_str().unwrap_or("-"),
                        diagnostic["message"]
                            .as_str()
                            .unwrap_or("")
                            .replace('\n', " | ")
                    ));
                }
            } else if let Some(method) = step["request"].as_str() {
                let answer = self.request(method, step["params"].clone());
                transcript.push_str(&format!(
                    ">>> {method} {}\n<<< {}\n",
                    step["params"],
                    serde_json::to_string_pretty(&compact(&answer)).unwrap_or_default()
                ));
            } else if let Some(name) = step["close"].as_str() {
                transcript.push_str(&format!(">>> close {name}\n"));
                self.close(name);
            } else {
                panic!("unknown step {step}");
            }
        }
        transcript
    }
}

/// The server running in this process, on an in-memory connection.
pub struct InProcess {
    client: lsp_server::Connection,
    server: Option<std::thread::JoinHandle<()>>,
}

impl InProcess {
    pub fn start() -> InProcess {
        let (server, client) = lsp_server::Connection::memory();
        let server = std::thread::spawn(move || {
            tok_lsp::run(server).expect("the server runs until exit");
        });
        InProcess {
            client,
            server: Some(server),
        }
    }

    /// Waits for the server's thread to end (after `exit`).
    pub fn join(mut self) {
        if let Some(server) = self.server.take() {
            server.join().expect("the server thread ends cleanly");
        }
    }
}

impl Transport for InProcess {
    fn send(&mut self, message: Message) {
        self.client
            .sender
            .send(message)
            .expect("the server listens");
    }

    fn receive(&mut self, timeout: Duration) -> Option<Message> {
        self.client.receiver.recv_timeout(timeout).ok()
    }
}

/// `value` with every range written `line:character-line:character`, so
/// that transcripts read as positions rather than nested objects.
pub fn compact(value: &Value) -> Value {
    let position = |p: &Value| Some(format!("{}:{}", p.get("line")?, p.get("character")?));
    match value {
        Value::Object(map) => {
            if map.len() == 2
                && let (Some(start), Some(end)) = (
                    map.get("start").and_then(position),
                    map.get("end").and_then(position),
                )
            {
                return Value::String(format!("{start}-{end}"));
            }
            Value::Object(map.iter().map(|(k, v)| (k.clone(), compact(v))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(compact).collect()),
        other => other.clone(),
    }
}

/// Every script under `dir` (`*.json`), sorted, with its name.
pub fn scripts(dir: &Path) -> Vec<(String, Value)> {
    let mut found: Vec<(String, Value)> = std::fs::read_dir(dir)
        .expect("the script folder exists")
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| {
            let name = path
                .file_stem()
                .expect("a name")
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&path).expect("UTF-8");
            let script = serde_json::from_str(&text)
                .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
            (name, script)
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}
