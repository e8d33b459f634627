//! The rules of ARCHITECTURE.md that the code's layout must keep, checked
//! on the tree: which crate may depend on which, the core's lint files,
//! file sizes a newcomer can hold, and lowering without silent fallbacks.

use std::path::{Path, PathBuf};

use tok_tests::{relative, root};

/// The workspace's member folders, from the root manifest.
fn members() -> Vec<String> {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).expect("root manifest");
    let start = manifest.find("members = [").expect("a members list");
    let end = start + manifest[start..].find(']').expect("the list ends");
    manifest[start..end]
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// The internal crates a member's `[dependencies]` name.
fn internal_dependencies(member: &str) -> Vec<String> {
    let mut internal = dependencies(member);
    internal.retain(|name| name.starts_with("tok-"));
    internal
}

/// Every crate a member's `[dependencies]` name, internal and external
/// (dev-dependencies and build-dependencies excluded).
fn dependencies(member: &str) -> Vec<String> {
    let manifest =
        std::fs::read_to_string(root().join(member).join("Cargo.toml")).expect("member manifest");
    let mut in_dependencies = false;
    let mut found = Vec::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_dependencies = line == "[dependencies]";
        } else if in_dependencies && !line.is_empty() && !line.starts_with('#') {
            found.extend(line.split([' ', '=']).next().map(str::to_string));
        }
    }
    found
}

/// The folder of internal crate `name`, from the workspace's dependency table.
fn folder(name: &str) -> String {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).expect("root manifest");
    let line = (manifest.lines())
        .find(|line| line.starts_with(&format!("{name} = {{ path = ")))
        .unwrap_or_else(|| panic!("no path for {name}"));
    line.split('"').nth(1).expect("a quoted path").to_string()
}

/// Every crate `member` builds on, directly or not (internal ones
/// followed through their manifests).
fn closure(member: &str) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    let mut pending = dependencies(member);
    while let Some(name) = pending.pop() {
        if seen.contains(&name) {
            continue;
        }
        if name.starts_with("tok-") {
            pending.extend(dependencies(&folder(&name)));
        }
        seen.push(name);
    }
    seen.sort();
    seen
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if path.is_dir() && name != "target" && name != "node_modules" {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

#[test]
fn executors_are_peers_over_the_world() {
    let jit = internal_dependencies("compiler/jit");
    assert!(jit.contains(&"tok-world".to_string()), "{jit:?}");
    assert!(
        !jit.contains(&"tok-interp".to_string()),
        "tok-jit depends on tok-interp"
    );
    let interp = internal_dependencies("compiler/interp");
    assert!(
        !interp.contains(&"tok-jit".to_string()),
        "tok-interp depends on tok-jit"
    );
    let world = internal_dependencies("compiler/world");
    for executor in ["tok-interp", "tok-jit"] {
        assert!(
            !world.contains(&executor.to_string()),
            "tok-world depends on {executor}"
        );
    }
}

/// The language server stays small and quick to build: no JIT, no
/// simulator, no plotting, no EVM.
#[test]
fn the_language_server_links_no_backend_machinery() {
    let linked = closure("lsp");
    assert!(linked.contains(&"tok-driver".to_string()), "{linked:?}");
    let heavy: Vec<&String> = (linked.iter())
        .filter(|name| {
            name.starts_with("cranelift")
                || [
                    "tok-jit",
                    "tok-interp",
                    "tok-world",
                    "plotters",
                    "revm",
                    "parquet",
                    "tok-llm",
                    "ureq",
                ]
                .contains(&name.as_str())
        })
        .collect();
    assert!(heavy.is_empty(), "tok-lsp links {heavy:?}");
}

#[test]
fn the_syntax_crate_depends_on_no_later_phase() {
    assert_eq!(internal_dependencies("grammar"), ["tok-diagnostics"]);
}

/// Every crate but the CLI, the language server and the tests is core: it
/// has the same `clippy.toml`, which forbids IO. The language server does
/// IO, but never on standard output, the protocol's channel.
#[test]
fn every_core_crate_forbids_io() {
    let core: Vec<String> = members()
        .into_iter()
        .filter(|member| !["compiler/cli", "lsp", "llm", "tests"].contains(&member.as_str()))
        .collect();
    assert!(core.len() >= 11, "{core:?}");
    let reference = std::fs::read_to_string(root().join("compiler/mir/clippy.toml"))
        .expect("the core's clippy.toml");
    assert!(reference.contains("the compiler core does no IO"));
    for member in core {
        let lints = std::fs::read_to_string(root().join(&member).join("clippy.toml"))
            .unwrap_or_else(|_| panic!("{member} has no clippy.toml"));
        assert_eq!(
            lints, reference,
            "{member}/clippy.toml differs from the core's"
        );
    }
    let drafting = std::fs::read_to_string(root().join("llm/clippy.toml")).expect("llm lints");
    for forbidden in [
        "std::fs::read_to_string",
        "std::fs::write",
        "std::println",
        "std::eprintln",
    ] {
        assert!(
            drafting.contains(forbidden),
            "llm/clippy.toml lets code use {forbidden}"
        );
    }
    let server = std::fs::read_to_string(root().join("lsp/clippy.toml")).expect("lsp lints");
    for forbidden in ["std::io::stdout", "std::println", "std::print"] {
        assert!(
            server.contains(forbidden),
            "lsp/clippy.toml lets code use {forbidden}"
        );
    }
}

/// No Rust file outside a test folder (`tests/`, `benches/`) is over
/// 1,500 lines.
#[test]
fn no_source_file_is_over_1500_lines() {
    let mut long = Vec::new();
    for member in members() {
        for path in rust_files(&root().join(&member)) {
            let shown = relative(&path);
            let folders: Vec<&str> = shown.split('/').collect();
            if folders[..folders.len() - 1]
                .iter()
                .any(|folder| *folder == "tests" || *folder == "benches")
            {
                continue;
            }
            let lines = std::fs::read_to_string(&path)
                .expect("UTF-8")
                .lines()
                .count();
            if lines > 1500 {
                long.push(format!("{shown}: {lines} lines"));
            }
        }
    }
    assert!(long.is_empty(), "split these along their seams: {long:?}");
}

/// Lowering resolves names through one helper that reports an internal
/// error: no lookup falls back to the first item of a table.
#[test]
fn lowering_has_no_silent_index_fallbacks() {
    let lower = std::fs::read_to_string(root().join("compiler/mir/src/lower.rs")).expect("lower");
    for fallback in ["unwrap_or(0)", "map_or(0", "map_or((0", "unwrap_or((0"] {
        assert!(
            !lower.contains(fallback),
            "compiler/mir/src/lower.rs has `{fallback}`"
        );
    }
}
