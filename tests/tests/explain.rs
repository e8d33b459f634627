//! `tok explain`: every example and the fixture programs explained, pinned
//! as snapshots (`tests/snapshots/explain/*.snap`), deterministically.

use tok_tests::{relative, root, tok_files};

fn explain(path: &std::path::Path) -> String {
    let text = std::fs::read_to_string(path).expect("a UTF-8 program");
    let db = tok_driver::Database::default();
    let file = tok_driver::SourceFile::new(&db, relative(path), text);
    tok_explain::explain(&db, file)
        .unwrap_or_else(|errors| panic!("{}: {errors:?}", relative(path)))
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ snapshot_path => root().join("tests/snapshots/explain"), prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn every_example_is_explained_as_pinned() {
    let mut files = tok_files("examples");
    files.extend(tok_files("tests/programs"));
    assert!(files.len() >= 10, "{files:?}");
    let mut names = Vec::new();
    for path in files {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("?")
            .to_string();
        let text = explain(&path);
        // Same program, same text.
        assert_eq!(
            text,
            explain(&path),
            "{name} is explained differently twice"
        );
        snapshot(&name, &text);
        names.push(format!("{name}.snap"));
    }
    // No snapshot outlives its program.
    let folder = root().join("tests/snapshots/explain");
    for entry in std::fs::read_dir(folder).expect("the folder").flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        assert!(
            names.contains(&file),
            "tests/snapshots/explain/{file} has no program"
        );
    }
}

/// The risks fixture shows every kind of risk the explainer reports.
#[test]
fn every_risk_kind_is_reported() {
    let text = explain(&root().join("tests/programs/explain_risks.tok"));
    for kind in [
        "**Owner power**",
        "**Unbounded supply**",
        "**Fee can change**",
        "**Fees to one key**",
        "**Concentration**",
        "**Single key**",
        "**Gas grows**",
        "**Unbounded governance**",
        "**No timelock**",
    ] {
        assert!(text.contains(kind), "{kind} is missing:\n{text}");
    }
}

/// Vesting timelines are computed, not copied: the investors of the
/// capped-vesting example get 10% at the start (30 days in) and the rest
/// linearly over two years.
#[test]
fn vesting_timelines_follow_the_schedule() {
    let text = explain(&root().join("examples/capped_vesting.tok"));
    assert!(
        text.contains("| 30 days | 10% | 15,000,000 EMB |"),
        "{text}"
    );
    assert!(
        text.contains("| 760 days | 100% | 150,000,000 EMB |"),
        "{text}"
    );
    // The team's cliff: nothing until a year, then a quarter.
    assert!(text.contains("| 1 year | 25% | 50,000,000 EMB |"), "{text}");
}

/// A program with errors is not explained: its diagnostics come back.
#[test]
fn a_program_with_errors_gets_its_diagnostics() {
    let db = tok_driver::Database::default();
    let file = tok_driver::SourceFile::new(&db, "bad.tok".into(), "param x: uint = y\n".into());
    let errors = tok_explain::explain(&db, file).expect_err("it does not check");
    assert_eq!(errors[0].code.as_str(), "E0100");
}
