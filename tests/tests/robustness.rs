//! Bad input never panics: arbitrary text, every prefix of every example,
//! pathological nesting and length, invalid UTF-8. Each gets coded
//! diagnostics instead.

use proptest::prelude::*;
use tok_diagnostics::Code;
use tok_tests::tok_files;

fn codes(text: &str) -> Vec<Code> {
    tok_driver::check_text("input.tok", text)
        .iter()
        .map(|d| d.code)
        .collect()
}

/// Runs the whole front end (check, format, render) on a text.
fn exercise(text: &str) {
    let diagnostics = tok_driver::check_text("input.tok", text);
    let _ = tok_driver::render::render_text("input.tok", text, &diagnostics, false);
    let _ = tok_driver::render::render_json("input.tok", text, &diagnostics);
    // What the checker accepts lowers, or lowering says what it cannot
    // express yet with a code of its own: never an internal error.
    if diagnostics.is_empty() {
        let db = tok_driver::Database::default();
        let file = tok_driver::SourceFile::new(&db, "input.tok".to_string(), text.to_string());
        if let Err(errors) = tok_driver::mir(&db, file) {
            assert!(
                errors.iter().all(|e| e.code == Code::UNSUPPORTED_IN_MIR),
                "checked clean but does not lower: {errors:?}\n{text}"
            );
        }
    }
    if let Ok(formatted) = tok_format::format(text) {
        assert_eq!(
            tok_format::format(&formatted).ok().as_deref(),
            Some(formatted.as_str()),
            "formatter not idempotent on {text:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        exercise(&text);
    }

    #[test]
    fn token_soup_never_panics(words in proptest::collection::vec(prop_oneof![
        Just("mechanism"), Just("M"), Just("{"), Just("}"), Just("("), Just(")"), Just("["), Just("]"),
        Just("action"), Just("view"), Just("state"), Just("let"), Just("x"), Just("="), Just("+="), Just("EMB"),
        Just("token"), Just("100"), Just("5%"), Just("per"), Just("day"), Just(":"), Just(","), Just("."),
        Just("require"), Just("else"), Just("\"r\""), Just("if"), Just("for"), Just("in"), Just(".."),
        Just("scenario"), Just("agents"), Just("each"), Just("step"), Just("\n"), Just("+"), Just("*"),
        Just("uint"), Just("map"), Just("list"), Just("->"), Just("return"), Just("mint"), Just("to"),
        Just("every"), Just("invariant"), Just("0.5"), Just("not"), Just("and"), Just("-"), Just("**"),
    ], 0..120)) {
        exercise(&words.join(" "));
    }

    #[test]
    fn mutated_examples_never_panic(seed in any::<u64>(), cuts in 1usize..6) {
        let files = tok_files("examples");
        let path = &files[(seed as usize) % files.len()];
        let mut text = std::fs::read_to_string(path).expect("UTF-8").into_bytes();
        let mut state = seed;
        for _ in 0..cuts {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let at = (state >> 33) as usize % text.len().max(1);
            let len = ((state >> 20) as usize % 12).min(text.len() - at);
            text.drain(at..at + len);
        }
        let text = String::from_utf8_lossy(&text);
        exercise(&text);
    }
}

#[test]
fn every_prefix_of_every_example_is_handled() {
    for path in tok_files("examples") {
        let text = std::fs::read_to_string(&path).expect("UTF-8");
        let step = (text.len() / 97).max(1);
        for end in (0..text.len())
            .step_by(step)
            .filter(|end| text.is_char_boundary(*end))
        {
            let prefix = &text[..end];
            let found = codes(prefix);
            // A cut inside a declaration leaves an open brace: the file is truncated.
            let open = prefix.matches('{').count() > prefix.matches('}').count();
            if open {
                assert!(
                    found.contains(&Code::UNEXPECTED_END)
                        || found.contains(&Code::UNEXPECTED_TOKEN),
                    "{}: prefix of {end} bytes: {found:?}",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn deep_nesting_is_a_diagnostic() {
    for (open, close) in [("(", ")"), ("[", "]"), ("{", "}")] {
        let text = format!(
            "param x: uint = {}1{}",
            open.repeat(20_000),
            close.repeat(20_000)
        );
        assert_eq!(codes(&text), vec![Code::NESTING_TOO_DEEP]);
    }
    let blocks = format!(
        "mechanism M {{ action a() {{ {} }} }}",
        "if true { ".repeat(20_000)
    );
    assert!(codes(&blocks).contains(&Code::NESTING_TOO_DEEP));
}

#[test]
fn long_flat_chains_are_handled() {
    let sum = format!(
        "mechanism M {{ view f() -> uint {{ return {} }} }}",
        vec!["1"; 500].join(" + ")
    );
    assert!(codes(&sum).is_empty());
    let sum = format!("param x: uint = {}", vec!["1"; 100_000].join(" + "));
    assert_eq!(codes(&sum), vec![Code::EXPRESSION_TOO_LONG]);
    let nots = format!(
        "mechanism M {{ view f() -> bool {{ return {}true }} }}",
        "not ".repeat(20_000)
    );
    assert!(codes(&nots).is_empty());
    let members = format!(
        "mechanism M {{ view f() -> uint {{ return x{} }} }}",
        ".y".repeat(20_000)
    );
    assert_eq!(codes(&members), vec![Code::UNKNOWN_NAME]);
    let calls = format!(
        "mechanism M {{ action f() {{ g{} }} }}",
        "()".repeat(20_000)
    );
    assert!(!codes(&calls).is_empty());
    let arms = format!(
        "mechanism M {{ state {{ n: uint }} action f() {{ if n == 0 {{ n = 1 }} {} }} }}",
        "else if n == 1 { n = 2 } ".repeat(20_000)
    );
    assert!(codes(&arms).is_empty());
    let minus = format!(
        "scenario s {{ steps: 1 each step {{ let f = {}1.0 }} }}",
        "-".repeat(20_000)
    );
    assert!(codes(&minus).is_empty());
}

#[test]
fn binary_garbage_and_invalid_utf8_are_diagnostics() {
    let invalid = [0x70u8, 0x61, 0xff, 0xfe, 0x00, 0x80];
    let diagnostic = tok_driver::decode_source(&invalid).expect_err("not UTF-8");
    assert_eq!(diagnostic.code, Code::INVALID_UTF8);
    assert_eq!(diagnostic.primary.span.start, 2);
    // Control characters and other junk that is valid UTF-8 reaches the lexer.
    let junk: String = (0u32..2000)
        .filter_map(|i| char::from_u32((i * 7919) % 0x2FFF))
        .collect();
    exercise(&junk);
    assert!(codes("\u{0}\u{1}\u{7f}").contains(&Code::UNKNOWN_CHARACTER));
}
