//! The `tok` binary end to end: exit codes, output formats, `fmt`.

use std::path::PathBuf;
use std::process::{Command, Output};

fn tok(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tok"))
        .args(args)
        .output()
        .expect("tok runs")
}

fn repo(path: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
        .display()
        .to_string()
}

fn scratch(name: &str, contents: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("tok-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write scratch file");
    path.display().to_string()
}

#[test]
fn check_succeeds_on_examples() {
    let output = tok(&[
        "check",
        &repo("examples/staking_economy.tok"),
        &repo("examples/amm_pool.tok"),
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn check_reports_problems_with_exit_1() {
    let file = scratch(
        "bad.tok",
        b"token EMB {\n    decimals: 18\n}\nparam fee: EMB = 5\n",
    );
    let output = tok(&["check", &file]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("E0204"), "{stderr}");
    assert!(
        !stderr.contains('\u{1b}'),
        "no colour when not a terminal: {stderr}"
    );
}

#[test]
fn json_diagnostics_are_machine_readable() {
    let file = scratch("json.tok", b"param x: unit = 1\n");
    let output = tok(&["check", "--format", "json", &file]);
    assert_eq!(output.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    let first = &value[0];
    assert_eq!(first["code"], "E0103");
    assert_eq!(first["line"], 1);
    assert_eq!(first["column"], 10);
    assert_eq!(first["primary"]["span"]["start"], 9);
    assert_eq!(first["help"], "did you mean `uint`?");
}

#[test]
fn invalid_utf8_is_a_diagnostic_not_a_crash() {
    let file = scratch("binary.tok", &[0x7f, 0x45, 0x4c, 0x46, 0xff, 0x00, 0x01]);
    let output = tok(&["check", &file]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("E0001"));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(tok(&["check"]).status.code(), Some(2));
    assert_eq!(tok(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(
        tok(&["check", "/nonexistent/file.tok"]).status.code(),
        Some(2)
    );
}

#[test]
fn fmt_check_and_rewrite() {
    let messy = scratch("messy.tok", b"param   x :uint=1\n");
    let check = tok(&["fmt", "--check", &messy]);
    assert_eq!(check.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(&messy).expect("unchanged"),
        "param   x :uint=1\n"
    );
    assert_eq!(tok(&["fmt", &messy]).status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(&messy).expect("rewritten"),
        "param x: uint = 1\n"
    );
    assert_eq!(tok(&["fmt", "--check", &messy]).status.code(), Some(0));
    let broken = scratch("broken.tok", b"mechanism {\n");
    assert_eq!(tok(&["fmt", &broken]).status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(&broken).expect("untouched"),
        "mechanism {\n",
        "never rewrite a broken file"
    );
}

#[test]
fn build_emits_ast_and_hir() {
    let file = repo("examples/transfer_tax.tok");
    let ast = tok(&["build", &file, "--emit", "ast"]);
    assert_eq!(ast.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&ast.stdout).contains("Mechanism("));
    let hir = tok(&["build", &file, "--emit", "hir"]);
    assert_eq!(hir.status.code(), Some(0));
    let text = String::from_utf8_lossy(&hir.stdout);
    // 3% as a WAD ratio, the fee going to the buyback contract.
    assert!(
        text.contains("transfer_fee param tax:ratio to address-of Buyback:address"),
        "{text}"
    );
    assert!(
        text.contains("param tax: ratio = 30000000000000000:ratio"),
        "{text}"
    );
}

#[test]
fn codes_lists_the_registry() {
    let output = tok(&["codes"]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.lines().count() >= 50);
    assert!(text.contains("E0201"));
}
