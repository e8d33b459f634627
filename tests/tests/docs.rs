//! Generated documentation stays in sync with the code it describes.
//! Run with `TOK_BLESS=1` to rewrite the pages after a deliberate change.

use tok_tests::root;

fn in_sync(path: &str, generated: &str) {
    let file = root().join(path);
    if std::env::var_os("TOK_BLESS").is_some() {
        std::fs::write(&file, generated).expect("write generated page");
        return;
    }
    let committed = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        committed == generated,
        "{path} is out of date: run `TOK_BLESS=1 cargo test -p tok-tests --test docs`"
    );
}

#[test]
fn diagnostic_code_list_is_current() {
    in_sync("docs/diagnostics.md", &tok_diagnostics::markdown());
}

/// Every construct the reference documents is shown by an example that
/// checks cleanly: the reference's code blocks are real Tok.
#[test]
fn reference_examples_check() {
    let reference = std::fs::read_to_string(root().join("docs/reference.md"))
        .expect("docs/reference.md exists");
    let mut blocks = 0;
    let mut rest = reference.as_str();
    while let Some(start) = rest.find("```tok\n") {
        let body_start = start + "```tok\n".len();
        let Some(length) = rest[body_start..].find("```") else {
            break;
        };
        let block = &rest[body_start..body_start + length];
        rest = &rest[body_start + length + 3..];
        blocks += 1;
        let diagnostics = tok_driver::check_text("reference.tok", block);
        assert!(
            diagnostics.is_empty(),
            "reference block {blocks} does not check:\n{block}\n{}",
            tok_driver::render::render_text("reference.tok", block, &diagnostics, false)
        );
    }
    assert!(
        blocks >= 14,
        "the reference should show every construct; found {blocks} code blocks"
    );
}
