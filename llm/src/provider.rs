//! One provider trait over the two wire protocols: OpenAI Chat Completions
//! (OpenAI, Ollama, llama.cpp's server, vLLM, LM Studio) and Anthropic
//! Messages, each streaming (server-sent events) or not. Requests are as
//! deterministic as the server allows (temperature 0, a fixed seed).
//! Failures are coded: no key, unreachable, timeout, unknown model,
//! rejected key, rate limits and server errors (retried with backoff
//! first), malformed or truncated replies, refusals.

use std::io::{BufRead, BufReader};
use std::time::Duration;

use serde_json::{Value, json};
use tok_diagnostics::Code;

use crate::LlmError;
use crate::settings::{Api, Settings};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    User,
    Assistant,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub role: Role,
    pub content: String,
}

impl Message {
    pub fn user(content: impl Into<String>) -> Message {
        Message {
            role: Role::User,
            content: content.into(),
        }
    }

    pub fn assistant(content: impl Into<String>) -> Message {
        Message {
            role: Role::Assistant,
            content: content.into(),
        }
    }
}

/// How the server is asked to constrain what the model writes.
#[derive(Clone, Debug, PartialEq)]
pub enum Constraint {
    None,
    /// A GBNF grammar (llama.cpp's `grammar` field), OpenAI API only.
    Gbnf(String),
    /// A JSON schema: OpenAI's structured outputs (`response_format`), or
    /// on Anthropic a forced tool whose input is the schema.
    JsonSchema {
        name: String,
        schema: Value,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub system: String,
    pub messages: Vec<Message>,
    pub constraint: Constraint,
    pub max_tokens: u32,
}

/// What the model wrote: text, or for a JSON-schema request the JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub text: String,
}

/// Something that answers requests.
pub trait Provider {
    /// Answers `request`; `progress` hears how many characters have
    /// arrived so far while a reply streams.
    fn complete(
        &self,
        request: &Request,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Reply, LlmError>;
}

/// A provider over HTTP, as `settings` say.
pub struct Http {
    settings: Settings,
    agent: ureq::Agent,
}

impl Http {
    pub fn new(settings: Settings) -> Http {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_recv_response(Some(settings.timeout))
            .timeout_recv_body(Some(settings.timeout))
            .build()
            .into();
        Http { settings, agent }
    }

    fn url(&self) -> String {
        match self.settings.api {
            Api::OpenAi => format!("{}/chat/completions", self.settings.base_url),
            Api::Anthropic => format!("{}/v1/messages", self.settings.base_url),
        }
    }

    /// The JSON body of `request` for this API.
    pub fn body(&self, request: &Request) -> Value {
        let settings = &self.settings;
        let role = |role: Role| match role {
            Role::User => "user",
            Role::Assistant => "assistant",
        };
        match settings.api {
            Api::OpenAi => {
                let mut messages = vec![json!({ "role": "system", "content": request.system })];
                messages.extend(
                    (request.messages.iter())
                        .map(|m| json!({ "role": role(m.role), "content": m.content })),
                );
                let mut body = json!({
                    "model": settings.model,
                    "messages": messages,
                    "temperature": 0,
                    "seed": 0,
                    "max_tokens": request.max_tokens,
                    "stream": settings.stream,
                });
                match &request.constraint {
                    Constraint::None => {}
                    Constraint::Gbnf(grammar) => body["grammar"] = json!(grammar),
                    Constraint::JsonSchema { name, schema } => {
                        body["response_format"] = json!({
                            "type": "json_schema",
                            "json_schema": { "name": name, "strict": true, "schema": schema }
                        })
                    }
                }
                body
            }
            Api::Anthropic => {
                let messages: Vec<Value> = (request.messages.iter())
                    .map(|m| json!({ "role": role(m.role), "content": m.content }))
                    .collect();
                let mut body = json!({
                    "model": settings.model,
                    "max_tokens": request.max_tokens,
                    "system": request.system,
                    "messages": messages,
                    "temperature": 0,
                    "stream": settings.stream,
                });
                if let Constraint::JsonSchema { name, schema } = &request.constraint {
                    body["tools"] = json!([{
                        "name": name,
                        "description": "Record the answer in this form.",
                        "input_schema": schema
                    }]);
                    body["tool_choice"] = json!({ "type": "tool", "name": name });
                }
                body
            }
        }
    }

    /// Posts `body`, retrying on 429, 5xx and dropped connections with
    /// exponential backoff (or the server's `Retry-After`, up to a
    /// minute); returns a 200 response, or the coded failure.
    fn post(&self, body: &Value) -> Result<ureq::http::Response<ureq::Body>, LlmError> {
        let url = self.url();
        let payload = serde_json::to_vec(body).unwrap_or_default();
        let mut attempt = 0;
        loop {
            let mut call = self
                .agent
                .post(&url)
                .header("content-type", "application/json");
            match self.settings.api {
                Api::OpenAi => {
                    if let Some(key) = &self.settings.key {
                        call = call.header("authorization", &format!("Bearer {key}"));
                    }
                }
                Api::Anthropic => {
                    call = call.header("anthropic-version", "2023-06-01");
                    if let Some(key) = &self.settings.key {
                        call = call.header("x-api-key", key);
                    }
                }
            }
            let outcome = call.send(&payload[..]);
            let retry_after = match outcome {
                Ok(response) if response.status().as_u16() == 200 => return Ok(response),
                Ok(mut response) => {
                    let status = response.status().as_u16();
                    let retry_after = (response.headers().get("retry-after"))
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_secs);
                    let text = response.body_mut().read_to_string().unwrap_or_default();
                    let retriable = status == 429 || status >= 500;
                    if !retriable || attempt >= self.settings.retries {
                        return Err(status_error(status, &text, &self.settings, attempt));
                    }
                    retry_after
                }
                Err(error) => {
                    let dropped = matches!(&error, ureq::Error::Io(_) | ureq::Error::Protocol(_));
                    if !dropped || attempt >= self.settings.retries {
                        return Err(transport_error(error, &self.settings));
                    }
                    None
                }
            };
            let backoff = self.settings.backoff * 2u32.saturating_pow(attempt);
            std::thread::sleep(retry_after.unwrap_or(backoff).min(Duration::from_secs(60)));
            attempt += 1;
        }
    }
}

impl Provider for Http {
    fn complete(
        &self,
        request: &Request,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Reply, LlmError> {
        let mut response = self.post(&self.body(request))?;
        let body = response.body_mut();
        match (self.settings.api, self.settings.stream) {
            (Api::OpenAi, false) => openai_reply(&read_json(body)?),
            (Api::Anthropic, false) => anthropic_reply(&read_json(body)?),
            (api, true) => {
                let reader = BufReader::new(body.as_reader());
                match api {
                    Api::OpenAi => openai_stream(reader, progress),
                    Api::Anthropic => anthropic_stream(reader, progress),
                }
            }
        }
    }
}

fn read_json(body: &mut ureq::Body) -> Result<Value, LlmError> {
    let text = body.read_to_string().map_err(|error| {
        LlmError::new(
            Code::TRUNCATED_STREAM,
            format!("the reply could not be read: {error}"),
        )
    })?;
    serde_json::from_str(&text).map_err(|error| malformed(&format!("{error}"), &text))
}

fn malformed(why: &str, text: &str) -> LlmError {
    let start: String = text.chars().take(200).collect();
    LlmError::new(
        Code::MALFORMED_REPLY,
        format!("the reply is not valid: {why}"),
    )
    .with_hint(format!("it began: {start:?}"))
}

/// The error message a provider put in its JSON error body, if any.
fn error_message(text: &str) -> Option<String> {
    let value: Value = serde_json::from_str(text).ok()?;
    let error = value.get("error")?;
    error
        .get("message")
        .and_then(Value::as_str)
        .or_else(|| error.as_str())
        .map(str::to_string)
}

fn status_error(status: u16, text: &str, settings: &Settings, retried: u32) -> LlmError {
    let said = error_message(text).unwrap_or_else(|| text.chars().take(200).collect());
    let mentions_model = said.to_ascii_lowercase().contains("model");
    match status {
        401 | 403 => LlmError::new(Code::AUTH_FAILED, format!("{} rejected the API key ({status}): {said}", settings.base_url))
            .with_hint("check TOK_LLM_API_KEY (or OPENAI_API_KEY / ANTHROPIC_API_KEY)"),
        404 if mentions_model || said.is_empty() => LlmError::new(
            Code::MODEL_NOT_FOUND,
            format!("{} does not serve the model `{}` ({status}): {said}", settings.base_url, settings.model),
        )
        .with_hint("pass --model with a model the server lists, and check --base-url (an OpenAI-compatible base usually ends in /v1)"),
        400 | 404 if mentions_model && (said.contains("not found") || said.contains("does not exist")) => {
            LlmError::new(Code::MODEL_NOT_FOUND, format!("the model `{}` is not available: {said}", settings.model))
                .with_hint("pass --model with a model the server lists")
        }
        429 => LlmError::new(
            Code::RATE_LIMITED,
            format!("{} refused for too many requests, {retried} retries included: {said}", settings.base_url),
        )
        .with_hint("wait and try again, or raise --retries"),
        _ => LlmError::new(Code::PROVIDER_ERROR, format!("{} answered {status}: {said}", settings.base_url))
            .with_hint(if status >= 500 {
                format!("the server failed through {retried} retries; try again later")
            } else {
                "the request was refused; the message above says why".to_string()
            }),
    }
}

fn transport_error(error: ureq::Error, settings: &Settings) -> LlmError {
    match error {
        ureq::Error::Timeout(_) => LlmError::new(
            Code::PROVIDER_TIMEOUT,
            format!(
                "{} did not answer within {} seconds",
                settings.base_url,
                settings.timeout.as_secs()
            ),
        )
        .with_hint("raise --timeout, or use a smaller model"),
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => LlmError::new(
            Code::PROVIDER_UNREACHABLE,
            format!("cannot reach {}", settings.base_url),
        )
        .with_hint("check --base-url (or TOK_LLM_BASE_URL) and that the server is running"),
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => LlmError::new(
            Code::PROVIDER_UNREACHABLE,
            format!("cannot reach {}: {io}", settings.base_url),
        )
        .with_hint("check --base-url (or TOK_LLM_BASE_URL) and that the server is running"),
        other => LlmError::new(
            Code::PROVIDER_UNREACHABLE,
            format!("the connection to {} failed: {other}", settings.base_url),
        ),
    }
}

fn refused(said: &str) -> LlmError {
    LlmError::new(Code::REFUSED, format!("the model declined: {said}"))
        .with_hint("reword the description; the model's own words are above")
}

fn openai_reply(value: &Value) -> Result<Reply, LlmError> {
    let choice = value
        .pointer("/choices/0")
        .ok_or_else(|| malformed("no `choices`", &value.to_string()))?;
    if let Some(refusal) = choice.pointer("/message/refusal").and_then(Value::as_str) {
        return Err(refused(refusal));
    }
    if choice.get("finish_reason").and_then(Value::as_str) == Some("content_filter") {
        return Err(refused("the provider's content filter stopped the reply"));
    }
    let text = choice
        .pointer("/message/content")
        .and_then(Value::as_str)
        .ok_or_else(|| malformed("no `message.content`", &value.to_string()))?;
    Ok(Reply {
        text: text.to_string(),
    })
}

fn anthropic_reply(value: &Value) -> Result<Reply, LlmError> {
    if value.get("stop_reason").and_then(Value::as_str) == Some("refusal") {
        return Err(refused("the reply stopped with `refusal`"));
    }
    let blocks = value
        .get("content")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed("no `content`", &value.to_string()))?;
    let mut text = String::new();
    for block in blocks {
        match block.get("type").and_then(Value::as_str) {
            Some("text") => text.push_str(block.get("text").and_then(Value::as_str).unwrap_or("")),
            Some("tool_use") => text.push_str(
                &block
                    .get("input")
                    .cloned()
                    .unwrap_or(Value::Null)
                    .to_string(),
            ),
            _ => {}
        }
    }
    Ok(Reply { text })
}

/// Server-sent events: calls `event(name, data)` for each event until it
/// says to stop (`Ok(true)`) or the stream ends; returns whether it was
/// told to stop.
fn events(
    mut reader: impl BufRead,
    mut event: impl FnMut(&str, &str) -> Result<bool, LlmError>,
) -> Result<bool, LlmError> {
    let (mut name, mut data) = (String::new(), String::new());
    let mut line = String::new();
    loop {
        line.clear();
        let read = reader.read_line(&mut line).map_err(|error| {
            LlmError::new(
                Code::TRUNCATED_STREAM,
                format!("the streamed reply broke off: {error}"),
            )
        })?;
        let ended = read == 0;
        let trimmed = line.trim_end_matches(['\r', '\n']);
        if ended || trimmed.is_empty() {
            if !data.is_empty() && event(&name, &data)? {
                return Ok(true);
            }
            name.clear();
            data.clear();
            if ended {
                return Ok(false);
            }
        } else if let Some(value) = trimmed.strip_prefix("data:") {
            if !data.is_empty() {
                data.push('\n');
            }
            data.push_str(value.strip_prefix(' ').unwrap_or(value));
        } else if let Some(value) = trimmed.strip_prefix("event:") {
            name = value.trim().to_string();
        }
    }
}

fn truncated() -> LlmError {
    LlmError::new(
        Code::TRUNCATED_STREAM,
        "the streamed reply ended before the server said it was complete",
    )
    .with_hint("try again; if it keeps happening, pass --no-stream")
}

fn openai_stream(reader: impl BufRead, progress: &mut dyn FnMut(usize)) -> Result<Reply, LlmError> {
    let (mut text, mut refusal, mut finished) = (String::new(), String::new(), false);
    let stopped = events(reader, |_, data| {
        if data.trim() == "[DONE]" {
            return Ok(true);
        }
        let chunk: Value =
            serde_json::from_str(data).map_err(|e| malformed(&e.to_string(), data))?;
        if let Some(message) = error_message(data) {
            return Err(LlmError::new(
                Code::PROVIDER_ERROR,
                format!("the server reported: {message}"),
            ));
        }
        let choice = chunk.pointer("/choices/0").cloned().unwrap_or(Value::Null);
        if let Some(part) = choice.pointer("/delta/content").and_then(Value::as_str) {
            text.push_str(part);
            progress(text.chars().count());
        }
        if let Some(part) = choice.pointer("/delta/refusal").and_then(Value::as_str) {
            refusal.push_str(part);
        }
        match choice.get("finish_reason").and_then(Value::as_str) {
            Some("content_filter") => {
                return Err(refused("the provider's content filter stopped the reply"));
            }
            Some(_) => finished = true,
            None => {}
        }
        Ok(false)
    })?;
    if !refusal.is_empty() {
        return Err(refused(&refusal));
    }
    if !stopped && !finished {
        return Err(truncated());
    }
    Ok(Reply { text })
}

fn anthropic_stream(
    reader: impl BufRead,
    progress: &mut dyn FnMut(usize),
) -> Result<Reply, LlmError> {
    let (mut text, mut refusal) = (String::new(), false);
    let stopped = events(reader, |name, data| {
        let value: Value =
            serde_json::from_str(data).map_err(|e| malformed(&e.to_string(), data))?;
        let kind = value.get("type").and_then(Value::as_str).unwrap_or(name);
        match kind {
            "content_block_delta" => {
                let delta = value.get("delta").cloned().unwrap_or(Value::Null);
                let part = (delta.get("text").or_else(|| delta.get("partial_json")))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                text.push_str(part);
                progress(text.chars().count());
            }
            "message_delta"
                if value.pointer("/delta/stop_reason").and_then(Value::as_str)
                    == Some("refusal") =>
            {
                refusal = true;
            }
            "message_stop" => return Ok(true),
            "error" => {
                let said = value
                    .pointer("/error/message")
                    .and_then(Value::as_str)
                    .unwrap_or("an error");
                return Err(LlmError::new(
                    Code::PROVIDER_ERROR,
                    format!("the server reported: {said}"),
                ));
            }
            _ => {}
        }
        Ok(false)
    })?;
    if refusal {
        return Err(refused("the reply stopped with `refusal`"));
    }
    if !stopped {
        return Err(truncated());
    }
    Ok(Reply { text })
}
