//! The server never crashes on any edit sequence: random edits (deletions,
//! insertions of token soup, half-typed lines) applied to every example,
//! with every request asked at random places in between. No request may
//! fail inside the server, and the diagnostics of the last version must
//! arrive. `TOK_FUZZ_EDITS` sets the edits per example (default 150 in the
//! test suite; run with thousands locally) and `TOK_FUZZ_SEED` the seed.

#![allow(clippy::disallowed_methods)] // The test reads the examples and its settings.

mod harness;

use std::path::{Path, PathBuf};

use harness::{InProcess, Session};
use serde_json::{Value, json};
use tok_lsp::convert::{Encoding, LineIndex};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A small deterministic generator (xorshift64*).
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const SOUP: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ".",
    ",",
    ":",
    "=",
    "+=",
    "->",
    "..",
    "let ",
    "action ",
    "mechanism ",
    "token ",
    "state ",
    "every ",
    "EMB",
    "1_000",
    "5%",
    " per ",
    "day",
    "\"",
    "//",
    "\n",
    " ",
    "0.5",
    "caller",
    "require ",
    " else ",
    "x",
    "é",
    "𝄞",
    "/// doc\n",
    "map[",
    "list[",
    "emit ",
    "sum(",
    "only ",
    "scenario ",
    "agents ",
    "0x",
    "1e18",
    "-",
    "*",
    "**",
    "not ",
];

const HALF_LINES: &[&str] = &[
    "\n        let x = ",
    "\n        EMB.tr",
    "\n    action f(a: ",
    "\n    view g() -> ",
    "\ntoken T {\n    decimals: ",
    "\n        require a > 0 EMB else \"",
    "\nmechanism M = std.amm.ConstantProduct[",
    "\n        x += 1 EMB per",
];

/// A character boundary of `text` at or before `offset`.
fn boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// One random edit: the byte range replaced and the new text.
fn edit(random: &mut Random, text: &str) -> (usize, usize, String) {
    let at = boundary(text, random.below(text.len() + 1));
    match random.below(3) {
        0 => {
            let end = boundary(text, at + random.below(40));
            (at, end.max(at), String::new())
        }
        1 => {
            let soup: String = (0..1 + random.below(6))
                .map(|_| SOUP[random.below(SOUP.len())])
                .collect();
            (at, at, soup)
        }
        _ => (
            at,
            at,
            HALF_LINES[random.below(HALF_LINES.len())].to_string(),
        ),
    }
}

/// Asks one random request at a random place; fails on an internal error.
fn ask(session: &mut Session<InProcess>, random: &mut Random, text: &str, uri: &str) {
    let index = LineIndex::new(text, Encoding::Utf16);
    let at = boundary(text, random.below(text.len() + 1)) as u32;
    let position = index.position(at);
    let position = json!({ "line": position.line, "character": position.character });
    let document = json!({ "uri": uri });
    let whole = json!({ "start": { "line": 0, "character": 0 }, "end": { "line": 100000, "character": 0 } });
    let (method, params) = match random.below(12) {
        0 => (
            "textDocument/hover",
            json!({ "textDocument": document, "position": position }),
        ),
        1 => (
            "textDocument/definition",
            json!({ "textDocument": document, "position": position }),
        ),
        2 => (
            "textDocument/completion",
            json!({ "textDocument": document, "position": position }),
        ),
        3 => (
            "textDocument/signatureHelp",
            json!({ "textDocument": document, "position": position }),
        ),
        4 => (
            "textDocument/references",
            json!({ "textDocument": document, "position": position, "context": { "includeDeclaration": true } }),
        ),
        5 => (
            "textDocument/rename",
            json!({ "textDocument": document, "position": position, "newName": "renamed" }),
        ),
        6 => (
            "textDocument/documentSymbol",
            json!({ "textDocument": document }),
        ),
        7 => (
            "textDocument/formatting",
            json!({ "textDocument": document, "options": { "tabSize": 4, "insertSpaces": true } }),
        ),
        8 => (
            "textDocument/semanticTokens/full",
            json!({ "textDocument": document }),
        ),
        9 => (
            "textDocument/inlayHint",
            json!({ "textDocument": document, "range": whole }),
        ),
        10 => (
            "textDocument/codeAction",
            json!({ "textDocument": document, "range": { "start": position, "end": position }, "context": { "diagnostics": [] } }),
        ),
        _ => (
            "textDocument/prepareRename",
            json!({ "textDocument": document, "position": position }),
        ),
    };
    let answer = session.request(method, params);
    let code = answer["error"]["code"].as_i64();
    assert_ne!(
        code,
        Some(-32603),
        "{method} at {at} failed inside the server: {answer}\n----- text\n{text}"
    );
}

#[test]
fn random_edits_never_break_the_server() {
    let edits: usize = std::env::var("TOK_FUZZ_EDITS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(150);
    let mut examples: Vec<PathBuf> = std::fs::read_dir(root().join("examples"))
        .expect("examples")
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "tok"))
        .collect();
    examples.sort();
    assert!(examples.len() >= 8);
    let seed: u64 = std::env::var("TOK_FUZZ_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0x9E37_79B9_7F4A_7C15);
    let mut random = Random(seed | 1);
    for path in examples {
        let name = path
            .file_name()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        let mut text = std::fs::read_to_string(&path).expect("UTF-8");
        let (mut session, _) = Session::start(InProcess::start());
        session.open(&name, &text);
        let uri = harness::uri(&name);
        for _ in 0..edits {
            let (start, end, inserted) = edit(&mut random, &text);
            let index = LineIndex::new(&text, Encoding::Utf16);
            let (from, to) = (index.position(start as u32), index.position(end as u32));
            let range = [from.line, from.character, to.line, to.character];
            session.change(&name, &[(Some(range), inserted.as_str())]);
            text.replace_range(start..end, &inserted);
            ask(&mut session, &mut random, &text, &uri);
        }
        // The last version's diagnostics arrive: no worker died on the way.
        let diagnostics: Value = session.diagnostics(&name);
        assert!(diagnostics.is_array(), "{name}: {diagnostics}");
        session.shutdown();
    }
}
