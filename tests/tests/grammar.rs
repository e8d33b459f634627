//! `tok grammar`: the Lark and GBNF exports, checked by a real grammar
//! engine, Python's `lark` (installed by `scripts/setup-grammar.sh`, which
//! the test command runs). Every example, fixture program and
//! standard-library module, as `tok fmt` prints it, parses with the Lark
//! grammar (Earley, dynamic lexer) and with the GBNF (read rule by rule by
//! `tools/grammar/check_gbnf.py` and run by Earley one character at a
//! time, as a GBNF engine reads); broken programs parse with neither.

use std::path::PathBuf;
use std::process::Command;

use tok_tests::{relative, root, tok_files};

/// Every program the exports must accept, formatted, by name.
fn accepted() -> Vec<(String, String)> {
    let mut programs: Vec<(String, String)> = tok_files("examples")
        .into_iter()
        .chain(tok_files("tests/programs"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("a program");
            (relative(&path), text)
        })
        .collect();
    programs.extend(
        tok_stdlib::MODULES
            .iter()
            .map(|module| (module.path.to_string(), module.source.to_string())),
    );
    programs
        .into_iter()
        .map(|(name, text)| {
            let formatted =
                tok_format::format(&text).unwrap_or_else(|_| panic!("{name} has syntax errors"));
            (name, formatted)
        })
        .collect()
}

/// Programs with a syntax error each, which the exports must refuse.
const REFUSED: &[&str] = &[
    "param x uint\n",
    "token EMB {\n    decimals: 18\n",
    "mechanism M {\n    action a( {\n    }\n}\n",
    "param x: uint = = 1\n",
    "scenario s {\n    steps 10\n}\n",
    "mechanism M {\n    view v() {\n        return 1\n    }\n}\n",
    "let x = 1\n",
];

fn grammar() -> tok_syntax::export::Grammar {
    tok_syntax::export::Grammar::read().expect("the grammar reads")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tok-grammar-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

#[test]
fn the_lark_grammar_parses_every_program() {
    run_checker("lark", &grammar().lark(), "tools/grammar/check_lark.py");
}

/// Writes `grammar` and every program to a scratch folder, runs
/// `checker` (a script of tools/grammar) on them in the lark venv, and
/// checks each verdict: the accepted programs parse, the refused do not.
fn run_checker(format: &str, grammar: &str, checker: &str) {
    let python = root().join("tools/grammar/.venv/bin/python");
    assert!(
        python.exists(),
        "Python's lark is not installed: run `bash scripts/setup-grammar.sh` (tools/grammar/requirements.txt)"
    );
    let dir = scratch(format);
    let grammar_path = dir.join(format!("tok.{format}"));
    std::fs::write(&grammar_path, grammar).expect("the grammar");
    let mut expected = Vec::new();
    let mut files: Vec<PathBuf> = Vec::new();
    for (index, (name, text)) in accepted().iter().enumerate() {
        let path = dir.join(format!("accepted-{index}.tok"));
        std::fs::write(&path, text).expect("a program");
        expected.push((path.clone(), true, name.clone()));
        files.push(path);
    }
    for (index, text) in REFUSED.iter().enumerate() {
        let path = dir.join(format!("refused-{index}.tok"));
        std::fs::write(&path, text).expect("a program");
        expected.push((path.clone(), false, text.to_string()));
        files.push(path);
    }
    let output = Command::new(&python)
        .arg(root().join(checker))
        .arg(&grammar_path)
        .args(&files)
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for (path, accept, what) in expected {
        let shown = path.display().to_string();
        let line = stdout
            .lines()
            .find(|line| {
                line.split_whitespace()
                    .nth(1)
                    .map(|p| p.trim_end_matches(':'))
                    == Some(shown.as_str())
            })
            .unwrap_or_else(|| panic!("no result for {shown}:\n{stdout}"));
        assert_eq!(line.starts_with("ok "), accept, "{format}: {what}: {line}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_gbnf_parses_every_program() {
    run_checker("gbnf", &grammar().gbnf(), "tools/grammar/check_gbnf.py");
}

/// The exports come from the grammar, not from a copy: every keyword of
/// the lexer and every production of `grammar.lalrpop` appears.
#[test]
fn the_exports_cover_the_whole_grammar() {
    let grammar = grammar();
    let (lark, gbnf) = (grammar.lark(), grammar.gbnf());
    for keyword in tok_syntax::lexer::KEYWORDS {
        assert!(
            lark.contains(&format!("\"{keyword}\"")),
            "{keyword} missing from the Lark grammar"
        );
        assert!(
            gbnf.contains(&format!("\"{keyword}\" ws")),
            "{keyword} missing from the GBNF"
        );
    }
    let source =
        std::fs::read_to_string(root().join("grammar/src/grammar.lalrpop")).expect("the grammar");
    for production in [
        "ItemKind",
        "MemberKind",
        "StmtKind",
        "ScenarioEntryKind",
        "UnitSuffix",
        "BaseType",
    ] {
        assert!(source.contains(&format!("{production}:")));
        let snake: String = production
            .chars()
            .enumerate()
            .flat_map(|(i, c)| {
                let lower = c.to_ascii_lowercase();
                if c.is_ascii_uppercase() && i > 0 {
                    vec!['_', lower]
                } else {
                    vec![lower]
                }
            })
            .collect();
        assert!(
            lark.contains(&format!("\n{snake}: ")),
            "{snake} missing from the Lark grammar"
        );
    }
}
