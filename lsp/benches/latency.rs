//! Language server latency on a generated 5,000-line program: a one-line
//! edit inside one action's body until its diagnostics are published, a
//! hover, and a completion, each timed from the request leaving the client
//! to the answer arriving. The server is a child process (this benchmark's
//! own binary, started again as `tok lsp` is) spoken to over its stdin and
//! stdout, without debounce, so the figures include the JSON and the pipes.
//! Also the server's compute for the same edit: the diagnostics
//! recomputed in this process on a database, without the protocol.
//! Prints p50 and p95 of each, and the baseline they are compared with:
//! checking the whole file from scratch in a fresh database, in this
//! process. Run with `cargo bench -p tok-lsp --bench latency` (add
//! `-- 400` for more rounds). Also prints the server's resident memory
//! after opening the file and after the rounds: a long session's memory
//! stays flat (old results are dropped as new ones replace them).

// The report goes to this process's stdout; the child that serves never
// prints (it runs only `tok_lsp::run_stdio`).
#![allow(clippy::disallowed_macros)]

use std::io::{BufReader, BufWriter, Write};
use std::process::{ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use lsp_server::{Message, Notification, Request, RequestId};
use serde_json::{Value, json};

/// Set in the environment of the child that serves.
const SERVE: &str = "TOK_LSP_BENCH_SERVE";

/// About 5,000 lines: mechanisms of a dozen fields, actions and views each.
fn program() -> String {
    let mut text = String::from("param admin: address\n\ntoken EMB {\n    decimals: 18\n}\n\n");
    let mut index = 0;
    while text.lines().count() < 5_000 {
        text.push_str(&format!("mechanism Vault{index} {{\n    state {{\n"));
        for field in 0..12 {
            text.push_str(&format!("        f{field}: map[address] EMB\n"));
        }
        text.push_str("        total: EMB\n    }\n");
        for action in 0..12 {
            text.push_str(&format!(
                "    action put{action}(amount: EMB) {{\n        require amount > 0 EMB else \"zero\"\n        let fee = amount / 100\n        f{action}[caller] += amount - fee\n        total += amount - fee\n    }}\n"
            ));
        }
        text.push_str(
            "    view held(who: address) -> EMB {\n        return f0[who] + f1[who]\n    }\n}\n\n",
        );
        index += 1;
    }
    text
}

struct Client {
    to_server: BufWriter<ChildStdin>,
    from_server: Receiver<Message>,
    next: i32,
}

impl Client {
    fn send_request(&mut self, method: &str, params: Value) -> RequestId {
        let id = RequestId::from(self.next);
        self.next += 1;
        let request = Request::new(id.clone(), method.to_string(), params);
        self.send(request.into());
        id
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(Notification::new(method.to_string(), params).into());
    }

    fn send(&mut self, message: Message) {
        message.write(&mut self.to_server).expect("server listens");
        self.to_server.flush().expect("server listens");
    }

    /// Waits for the message `wanted` accepts.
    fn wait(&self, wanted: impl Fn(&Message) -> bool) {
        loop {
            let message = (self.from_server)
                .recv_timeout(Duration::from_secs(60))
                .expect("the server answers");
            if wanted(&message) {
                return;
            }
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Duration {
        let started = Instant::now();
        let id = self.send_request(method, params);
        self.wait(|m| matches!(m, Message::Response(r) if r.id == id));
        started.elapsed()
    }
}

/// The resident memory of process `pid`, from `/proc` (Linux).
fn resident_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn percentile(times: &mut [Duration], p: f64) -> f64 {
    times.sort();
    let index = ((times.len() as f64 - 1.0) * p).round() as usize;
    times[index].as_secs_f64() * 1000.0
}

fn main() {
    if std::env::var_os(SERVE).is_some() {
        tok_lsp::run_stdio().expect("server");
        return;
    }
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse().ok())
        .unwrap_or(100);
    let text = program();
    let lines = text.lines().count();
    // The baseline: the whole file checked from scratch, in this process.
    let mut scratch = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let diagnostics = tok_driver::check_text("bench.tok", &text);
        scratch.push(started.elapsed());
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
    }
    // Server compute: the same edit applied to a database in this process
    // and the diagnostics the server would publish recomputed (the new
    // revision's bookkeeping included), without the protocol.
    let mut compute = Vec::new();
    {
        use salsa::Setter;
        let mut db = tok_driver::Database::default();
        let file = tok_driver::SourceFile::new(&db, "bench.tok".to_string(), text.clone());
        assert!(tok_lsp::ide::diagnostics(&db, file).is_empty());
        let edited = text.replacen("amount / 100", "amount / 101", 1 + lines / 2 / 6);
        let edited = edited.replacen("amount / 101", "amount / 100", lines / 2 / 6);
        assert_ne!(edited, text);
        for round in 0..rounds {
            let next = if round % 2 == 0 { &edited } else { &text };
            let started = Instant::now();
            file.set_text(&mut db).to(next.clone());
            assert!(tok_lsp::ide::diagnostics(&db, file).is_empty());
            compute.push(started.elapsed());
        }
    }
    let mut server = Command::new(std::env::current_exe().expect("this binary"))
        .env(SERVE, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the server starts");
    let (messages, from_server) = crossbeam_channel::unbounded();
    let mut stdout = BufReader::new(server.stdout.take().expect("piped"));
    let reader = std::thread::spawn(move || {
        while let Ok(Some(message)) = Message::read(&mut stdout) {
            if messages.send(message).is_err() {
                return;
            }
        }
    });
    let mut client = Client {
        to_server: BufWriter::new(server.stdin.take().expect("piped")),
        from_server,
        next: 1,
    };
    client.request(
        "initialize",
        json!({ "capabilities": {}, "initializationOptions": { "debounceMs": 0 } }),
    );
    client.notify("initialized", json!({}));
    let uri = "file:///bench/program.tok";
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "tok", "version": 1, "text": text } }),
    );
    let published = |version: i64| {
        move |m: &Message| {
            matches!(m, Message::Notification(n)
                if n.method == "textDocument/publishDiagnostics" && n.params["version"] == version)
        }
    };
    client.wait(published(1));
    let opened = resident_kib(server.id());
    // The line of the middle action's `let fee = amount / 100`.
    let line = (text.lines())
        .enumerate()
        .filter(|(_, l)| l.contains("let fee = amount / 100"))
        .nth(lines / 2 / 6)
        .map(|(index, _)| index)
        .expect("a body line");
    let (mut edits, mut hovers, mut completions) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let version = round as i64 + 2;
        // Alternate the divisor, so every edit changes the text.
        let divisor = if round % 2 == 0 { "101" } else { "100" };
        let started = Instant::now();
        client.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": version },
                "contentChanges": [{
                    "range": { "start": { "line": line, "character": 30 }, "end": { "line": line, "character": 33 } },
                    "text": divisor
                }]
            }),
        );
        client.wait(published(version));
        edits.push(started.elapsed());
        let at = json!({ "textDocument": { "uri": uri }, "position": { "line": line + 1, "character": 12 } });
        hovers.push(client.request("textDocument/hover", at.clone()));
        completions.push(client.request("textDocument/completion", at));
    }
    let edited = resident_kib(server.id());
    client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
    let status = server.wait().expect("the server ends");
    assert!(status.success(), "the server exited with {status}");
    reader.join().expect("the reader ends");
    let baseline = percentile(&mut scratch, 0.5);
    let mib =
        |kib: Option<u64>| kib.map_or("?".to_string(), |k| format!("{:.1}", k as f64 / 1024.0));
    println!(
        "server memory (resident MiB): {} after opening, {} after {rounds} edits and their requests",
        mib(opened),
        mib(edited)
    );
    println!("tok lsp latency: {lines}-line program, {rounds} rounds (ms)");
    println!("{:<32}{:>10}{:>10}{:>12}", "", "p50", "p95", "p50 ratio");
    println!(
        "{:<32}{:>10.2}{:>10.2}{:>12}",
        "baseline: check from scratch",
        baseline,
        percentile(&mut scratch, 0.95),
        "1.00x"
    );
    for (name, times) in [
        ("edit -> diagnostics (compute)", &mut compute),
        ("edit -> publishDiagnostics", &mut edits),
        ("hover", &mut hovers),
        ("completion", &mut completions),
    ] {
        let p50 = percentile(times, 0.5);
        println!(
            "{:<32}{:>10.2}{:>10.2}{:>11.3}x",
            name,
            p50,
            percentile(times, 0.95),
            p50 / baseline
        );
    }
}
