//! A loopback HTTP server that speaks just enough of OpenAI's and
//! Anthropic's APIs for tests: it answers each request with the next
//! scripted reply (JSON, server-sent events, a stall or a dropped stream)
//! and records what it received. Tests never reach the network.

#![allow(dead_code, clippy::disallowed_methods, clippy::disallowed_types)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

/// One scripted answer.
#[derive(Clone, Debug)]
pub enum Scripted {
    /// A JSON body with this status.
    Json(u16, Value),
    /// A body that is not JSON, with this status.
    Text(u16, String),
    /// Server-sent events (each the `data:` payload, with an optional
    /// event name), then the connection closes.
    Events(Vec<(Option<String>, String)>),
    /// Reads the request and answers nothing for this long.
    Stall(Duration),
}

/// What the server received: the request line's path, headers and JSON.
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        (self.headers.iter())
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub struct MockServer {
    pub base: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl MockServer {
    /// Serves `script` in order; a request past its end gets a 500.
    pub fn start(script: Vec<Scripted>) -> MockServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let base = format!("http://{}", listener.local_addr().expect("an address"));
        let received = Arc::new(Mutex::new(Vec::new()));
        let queue = Arc::new(Mutex::new(VecDeque::from(script)));
        let log = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let (log, queue) = (log.clone(), queue.clone());
                std::thread::spawn(move || serve(stream, &log, &queue));
            }
        });
        MockServer { base, received }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("the log").clone()
    }
}

fn serve(stream: TcpStream, log: &Mutex<Vec<Received>>, queue: &Mutex<VecDeque<Scripted>>) {
    let mut reader = BufReader::new(stream.try_clone().expect("a second handle"));
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
    let mut headers = Vec::new();
    let mut length = 0;
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
            headers.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    log.lock().expect("the log").push(Received {
        path,
        headers,
        body,
    });
    let next = queue.lock().expect("the script").pop_front();
    let mut stream = stream;
    let response = match next {
        Some(Scripted::Json(status, value)) => {
            plain(status, "application/json", &value.to_string())
        }
        Some(Scripted::Text(status, text)) => plain(status, "text/plain", &text),
        Some(Scripted::Events(events)) => {
            let mut out = String::from(
                "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n",
            );
            for (name, data) in events {
                if let Some(name) = name {
                    out.push_str(&format!("event: {name}\n"));
                }
                out.push_str(&format!("data: {data}\n\n"));
            }
            out
        }
        Some(Scripted::Stall(time)) => {
            std::thread::sleep(time);
            return;
        }
        None => plain(
            500,
            "application/json",
            &json!({ "error": { "message": "the script ran out" } }).to_string(),
        ),
    };
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.flush();
}

fn plain(status: u16, kind: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status} Status\r\ncontent-type: {kind}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// An OpenAI Chat Completions reply whose message is `text`.
pub fn openai(text: &str) -> Scripted {
    Scripted::Json(
        200,
        json!({ "choices": [{ "index": 0, "message": { "role": "assistant", "content": text }, "finish_reason": "stop" }] }),
    )
}

/// The same reply streamed in chunks of about `size` characters.
pub fn openai_stream(text: &str, size: usize, complete: bool) -> Scripted {
    let mut events: Vec<(Option<String>, String)> = chunks(text, size)
        .into_iter()
        .map(|part| {
            (
                None,
                json!({ "choices": [{ "index": 0, "delta": { "content": part } }] }).to_string(),
            )
        })
        .collect();
    if complete {
        events.push((
            None,
            json!({ "choices": [{ "index": 0, "delta": {}, "finish_reason": "stop" }] })
                .to_string(),
        ));
        events.push((None, "[DONE]".to_string()));
    }
    Scripted::Events(events)
}

/// An Anthropic Messages reply whose text is `text`.
pub fn anthropic(text: &str) -> Scripted {
    Scripted::Json(
        200,
        json!({ "type": "message", "role": "assistant", "content": [{ "type": "text", "text": text }], "stop_reason": "end_turn" }),
    )
}

/// The same reply streamed as Anthropic's events.
pub fn anthropic_stream(text: &str, size: usize, complete: bool) -> Scripted {
    let event = |name: &str, value: Value| (Some(name.to_string()), value.to_string());
    let mut events = vec![
        event(
            "message_start",
            json!({ "type": "message_start", "message": { "role": "assistant", "content": [] } }),
        ),
        event(
            "content_block_start",
            json!({ "type": "content_block_start", "index": 0, "content_block": { "type": "text", "text": "" } }),
        ),
    ];
    for part in chunks(text, size) {
        events.push(event(
            "content_block_delta",
            json!({ "type": "content_block_delta", "index": 0, "delta": { "type": "text_delta", "text": part } }),
        ));
    }
    if complete {
        events.push(event(
            "content_block_stop",
            json!({ "type": "content_block_stop", "index": 0 }),
        ));
        events.push(event(
            "message_delta",
            json!({ "type": "message_delta", "delta": { "stop_reason": "end_turn" } }),
        ));
        events.push(event("message_stop", json!({ "type": "message_stop" })));
    }
    Scripted::Events(events)
}

fn chunks(text: &str, size: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars
        .chunks(size.max(1))
        .map(|c| c.iter().collect())
        .collect()
}
