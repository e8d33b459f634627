//! The case files under `tests/cases/`: each declares what it expects in a
//! header (`// kind = "check-fail"`, `// codes = ["E0201"]`), and its source
//! with what the compiler makes of it is pinned as an insta snapshot.
//!
//! Kinds: `check-fail` (the checker reports exactly `codes`),
//! `check-pass` (it reports nothing; the snapshot also pins the program's
//! MIR, as `tok build --emit mir` prints it, and its generated Solidity),
//! `lower-fail` (it checks, but lowering or the Solidity backend reports
//! exactly `codes`) and `settings-fail` (it lowers, but the header's
//! `// settings = ["NAME=VALUE"]` are refused with exactly `codes`).

use std::collections::BTreeSet;

use tok_diagnostics::Diagnostic;
use tok_tests::{Header, header, relative, root, tok_files};

/// What one case produced: its diagnostics, rendered, and for a program
/// that lowers, its MIR and Solidity.
struct Outcome {
    codes: BTreeSet<String>,
    rendered: String,
    lowered: Option<String>,
}

fn codes(diagnostics: &[Diagnostic]) -> BTreeSet<String> {
    diagnostics
        .iter()
        .map(|d| d.code.as_str().to_string())
        .collect()
}

/// Runs a case through the phases its kind names.
fn run(name: &str, text: &str, expected: &Header) -> Outcome {
    let render = |diagnostics: &[Diagnostic]| {
        tok_driver::render::render_text(name, text, diagnostics, false)
    };
    let db = tok_driver::Database::default();
    let file = tok_driver::SourceFile::new(&db, name.to_string(), text.to_string());
    let checked = tok_driver::diagnostics(&db, file);
    if expected.kind == "check-fail" || !checked.is_empty() {
        return Outcome {
            codes: codes(checked),
            rendered: render(checked),
            lowered: None,
        };
    }
    let program = match tok_driver::mir(&db, file) {
        Ok(program) => program,
        Err(diagnostics) => {
            return Outcome {
                codes: codes(diagnostics),
                rendered: render(diagnostics),
                lowered: None,
            };
        }
    };
    let stem = name
        .rsplit('/')
        .next()
        .unwrap_or(name)
        .trim_end_matches(".tok");
    let solidity = match tok_solidity::generate(program, stem, tok_driver::docs(&db, file)) {
        Ok(project) => project.files[&project.source_path].clone(),
        Err(diagnostics) => {
            return Outcome {
                codes: codes(&diagnostics),
                rendered: render(&diagnostics),
                lowered: None,
            };
        }
    };
    if expected.kind == "settings-fail" {
        let problems = match tok_driver::settings(&db, file, program, &expected.settings) {
            Ok(_) => Vec::new(),
            Err(problems) => problems,
        };
        return Outcome {
            codes: problems
                .iter()
                .flat_map(|p| codes(&p.diagnostics))
                .collect(),
            rendered: (problems.iter())
                .map(|problem| problem.render_text(false))
                .collect(),
            lowered: None,
        };
    }
    Outcome {
        codes: BTreeSet::new(),
        rendered: String::new(),
        lowered: Some(format!(
            "----- MIR\n{}----- SOLIDITY\n{solidity}",
            tok_mir::print(program)
        )),
    }
}

#[test]
fn every_case_behaves_as_its_header_says() {
    let cases = tok_files("tests/cases");
    assert!(
        cases.len() >= 40,
        "expected the case corpus, found {} files",
        cases.len()
    );
    let mut failures = Vec::new();
    for path in &cases {
        let text = std::fs::read_to_string(path).expect("case files are UTF-8");
        let name = relative(path);
        let expected = header(&text);
        let outcome = run(&name, &text, &expected);
        let wanted: BTreeSet<String> = expected.codes.iter().cloned().collect();
        let found = &outcome.codes;
        match expected.kind.as_str() {
            "check-pass" if found.is_empty() && outcome.lowered.is_some() => {}
            "check-fail" | "lower-fail" | "settings-fail"
                if !wanted.is_empty() && *found == wanted => {}
            "check-pass" | "check-fail" | "lower-fail" | "settings-fail" => {
                failures.push(format!("{name}: expected {wanted:?}, found {found:?}"))
            }
            other => failures.push(format!("{name}: unknown kind `{other}`")),
        }
        let mut snapshot = format!(
            "----- SOURCE\n{text}\n----- DIAGNOSTICS\n{}",
            outcome.rendered
        );
        if let Some(lowered) = &outcome.lowered {
            snapshot.push_str(lowered);
        }
        let snapshot_name = name
            .trim_start_matches("tests/cases/")
            .trim_end_matches(".tok")
            .replace('/', "__");
        insta::with_settings!({ snapshot_path => root().join("tests/snapshots"), prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!(snapshot_name, snapshot);
        });
    }
    assert!(
        failures.is_empty(),
        "cases that did not behave:\n{}",
        failures.join("\n")
    );
}

/// A snapshot whose case file was removed or renamed is an error.
#[test]
fn no_orphan_snapshots() {
    let cases: BTreeSet<String> = tok_files("tests/cases")
        .iter()
        .map(|path| {
            relative(path)
                .trim_start_matches("tests/cases/")
                .trim_end_matches(".tok")
                .replace('/', "__")
        })
        .collect();
    let mut orphans = Vec::new();
    for entry in std::fs::read_dir(root().join("tests/snapshots"))
        .expect("snapshot folder exists")
        .flatten()
    {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(stem) = file.strip_suffix(".snap") else {
            continue;
        };
        if !cases.contains(stem) {
            orphans.push(file);
        }
    }
    assert!(
        orphans.is_empty(),
        "snapshots without a case file: {orphans:?}"
    );
}

/// Every diagnostic code is demonstrated by at least one failing case,
/// except those that need inputs too large or too odd for a case file.
#[test]
fn every_code_has_a_case() {
    // Invalid UTF-8, nesting past the lexer's cap and a 4 GiB file need
    // inputs a case file cannot hold (tests/tests/robustness.rs has the
    // first two); an internal error is a compiler bug no valid program
    // triggers (tests/tests/mir.rs breaks a checked HIR to see one).
    let untestable_here = ["E0001", "E0006", "E0009", "E0502"];
    // The model provider's failures (E07xx) come from a server, not from a
    // program: llm/tests/mock.rs provokes each against a loopback mock.
    let mut covered = BTreeSet::new();
    for path in tok_files("tests/cases") {
        let text = std::fs::read_to_string(&path).expect("case files are UTF-8");
        covered.extend(header(&text).codes);
    }
    let missing: Vec<&str> = tok_diagnostics::ALL_CODES
        .iter()
        .map(|info| info.code.as_str())
        .filter(|code| !covered.contains(*code) && !untestable_here.contains(code))
        .filter(|code| !code.starts_with("E07"))
        .collect();
    assert!(missing.is_empty(), "codes without a case file: {missing:?}");
}
