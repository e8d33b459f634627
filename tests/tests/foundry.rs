//! The generated Foundry projects with the real forge, offline: `forge
//! build` compiles every example's project (and the all-stdlib program's)
//! without a compiler or lint warning, and `forge test` fuzzes the Tok
//! invariants the project carries. A program with an invariant that random
//! calls break must fail `forge test`, naming the invariant.
//!
//! forge comes from `@foundry-rs/forge` in `tools/solidity` (installed by
//! `scripts/setup-solidity.sh`; the native binary of its platform package is
//! run directly); it compiles through `solc-native.js`, a stand-in for a
//! native solc backed by the pinned solc-js.

use std::path::{Path, PathBuf};
use std::process::Command;

use tok_tests::root;

fn toolchain() -> PathBuf {
    root().join("tools/solidity")
}

/// The native forge binary of `@foundry-rs/forge-<platform>` (its npm
/// launcher does not pass forge's exit status on).
fn forge_binary() -> PathBuf {
    let packages = toolchain().join("node_modules/@foundry-rs");
    std::fs::read_dir(&packages)
        .ok()
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("bin/forge"))
        .find(|path| path.is_file())
        .unwrap_or_else(|| {
            panic!("forge is not installed: run `bash scripts/setup-solidity.sh` (needs Node.js and npm)")
        })
}

/// Generates the project of `source` into a fresh directory.
fn project(name: &str, source: &str) -> PathBuf {
    let db = tok_driver::Database::default();
    let file = tok_driver::SourceFile::new(&db, format!("{name}.tok"), source.to_string());
    assert!(
        tok_driver::diagnostics(&db, file).is_empty(),
        "{name} checks"
    );
    let program = tok_driver::mir(&db, file).clone().expect("lowers");
    let generated = tok_solidity::generate(&program, name, tok_driver::docs(&db, file))
        .unwrap_or_else(|e| panic!("{name}: {e:?}"));
    let dir = std::env::temp_dir().join(format!("tok-forge-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, contents) in &generated.files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, contents).expect("write");
    }
    symlink(&toolchain().join("node_modules"), &dir.join("node_modules"));
    dir
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link).expect("symlink node_modules");
}

#[cfg(not(unix))]
fn symlink(_: &Path, _: &Path) {
    panic!("the forge tests link node_modules and need a Unix system");
}

/// Runs forge in `dir`; (success, stdout and stderr).
fn forge(dir: &Path, args: &[&str]) -> (bool, String) {
    let toolchain = toolchain();
    let output = Command::new(forge_binary())
        .args(args)
        .current_dir(dir)
        .env("FOUNDRY_SOLC", toolchain.join("solc-native.js"))
        .env("FOUNDRY_OFFLINE", "true")
        .env("NO_COLOR", "1")
        .output()
        .expect("forge runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

fn programs() -> Vec<(String, String)> {
    let mut programs: Vec<(String, String)> = tok_tests::tok_files("examples")
        .into_iter()
        .map(|path| {
            let name = path
                .file_stem()
                .expect("a name")
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read_to_string(&path).expect("UTF-8"))
        })
        .collect();
    programs.push((
        "stdlib_all".into(),
        std::fs::read_to_string(root().join("tests/programs/stdlib_all.tok")).expect("exists"),
    ));
    programs
}

#[test]
fn forge_builds_and_fuzzes_every_example() {
    let mut fuzzed = 0;
    for (name, source) in programs() {
        let dir = project(&name, &source);
        let (built, log) = forge(&dir, &["build"]);
        assert!(built, "{name}: forge build failed\n{log}");
        assert!(
            !log.contains("warning") && !log.contains("Warning"),
            "{name}: forge build warned\n{log}"
        );
        if dir.join("test").is_dir() {
            let (passed, log) = forge(&dir, &["test"]);
            assert!(passed, "{name}: forge test failed\n{log}");
            assert!(
                log.contains("[PASS] invariant_"),
                "{name}: no invariant ran\n{log}"
            );
            fuzzed += 1;
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(fuzzed >= 5, "only {fuzzed} programs carry invariant tests");
}

#[test]
fn forge_finds_a_broken_invariant() {
    let source = std::fs::read_to_string(root().join("examples/staking_economy.tok"))
        .expect("exists")
        .replace(
            "    invariant total == sum(staked)",
            "    invariant total == 0 STK else \"nobody stakes\"\n    invariant total == sum(staked)",
        );
    let dir = project("broken", &source);
    let (passed, log) = forge(&dir, &["test"]);
    assert!(!passed, "forge test passed a broken invariant\n{log}");
    assert!(log.contains("nobody stakes"), "{log}");
    let _ = std::fs::remove_dir_all(&dir);
}
