//! The case files under `tests/cases/`: each declares what it expects in a
//! header (`// kind = "check-fail"`, `// codes = ["E0201"]`), and its source
//! with the rendered diagnostics is pinned as an insta snapshot.

use std::collections::BTreeSet;

use tok_tests::{header, relative, root, tok_files};

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
        let diagnostics = tok_driver::check_text(&name, &text);
        let found: BTreeSet<String> = diagnostics
            .iter()
            .map(|d| d.code.as_str().to_string())
            .collect();
        let wanted: BTreeSet<String> = expected.codes.iter().cloned().collect();
        match expected.kind.as_str() {
            "check-pass" if diagnostics.is_empty() => {}
            "check-fail" if !wanted.is_empty() && found == wanted => {}
            "check-pass" | "check-fail" => {
                failures.push(format!("{name}: expected {wanted:?}, found {found:?}"))
            }
            other => failures.push(format!("{name}: unknown kind `{other}`")),
        }
        let rendered = tok_driver::render::render_text(&name, &text, &diagnostics, false);
        let snapshot = format!("----- SOURCE\n{text}\n----- DIAGNOSTICS\n{rendered}");
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
    let untestable_here = ["E0001", "E0006", "E0009"];
    let mut covered = BTreeSet::new();
    for path in tok_files("tests/cases") {
        let text = std::fs::read_to_string(&path).expect("case files are UTF-8");
        covered.extend(header(&text).codes);
    }
    let missing: Vec<&str> = tok_diagnostics::ALL_CODES
        .iter()
        .map(|info| info.code.as_str())
        .filter(|code| !covered.contains(*code) && !untestable_here.contains(code))
        .collect();
    assert!(missing.is_empty(), "codes without a case file: {missing:?}");
}
