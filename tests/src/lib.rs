//! Shared helpers for the end-to-end test suites: locating case files and
//! examples, reading case headers, and rendering results as snapshot text.

use std::path::{Path, PathBuf};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every `.tok` file under `dir` (relative to the repository root), sorted.
pub fn tok_files(dir: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![root().join(dir)];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "tok") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// What a case file expects, from its `// kind = ...` and `// codes = [...]` header.
#[derive(Debug, PartialEq, Eq)]
pub struct Header {
    pub kind: String,
    pub codes: Vec<String>,
}

pub fn header(text: &str) -> Header {
    let mut kind = String::new();
    let mut codes = Vec::new();
    for line in text.lines().take_while(|line| line.starts_with("//")) {
        let line = line.trim_start_matches('/').trim();
        if let Some(value) = line.strip_prefix("kind =") {
            kind = value.trim().trim_matches('"').to_string();
        } else if let Some(value) = line.strip_prefix("codes =") {
            codes = value
                .trim()
                .trim_matches(['[', ']'])
                .split(',')
                .map(|code| code.trim().trim_matches('"').to_string())
                .filter(|code| !code.is_empty())
                .collect();
        }
    }
    Header { kind, codes }
}

/// A path relative to the repository root, with `/` separators.
pub fn relative(path: &Path) -> String {
    let root = root().canonicalize().unwrap_or_else(|_| root());
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    path.strip_prefix(&root)
        .unwrap_or(&path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// The syntax tree's debug text with every span removed, for comparing
/// trees of texts that differ only in layout.
pub fn tree_without_spans(source: &str) -> String {
    let debug = format!("{:?}", tok_syntax::parse(source).module);
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug.as_str();
    while let Some(index) = rest.find("Span {") {
        out.push_str(&rest[..index]);
        match rest[index..].find('}') {
            Some(close) => rest = &rest[index + close + 1..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}
