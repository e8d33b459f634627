//! The bundled examples: each checks cleanly, is canonically formatted, and
//! survives a formatter round trip with the same tree.

use tok_tests::{relative, tok_files, tree_without_spans};

fn examples() -> Vec<(String, String)> {
    let files = tok_files("examples");
    assert!(
        files.len() >= 7,
        "expected at least 7 examples, found {}",
        files.len()
    );
    files
        .iter()
        .map(|path| {
            (
                relative(path),
                std::fs::read_to_string(path).expect("examples are UTF-8"),
            )
        })
        .collect()
}

#[test]
fn every_example_checks_without_diagnostics() {
    for (name, text) in examples() {
        let diagnostics = tok_driver::check_text(&name, &text);
        assert!(
            diagnostics.is_empty(),
            "{name}:\n{}",
            tok_driver::render::render_text(&name, &text, &diagnostics, false)
        );
    }
}

#[test]
fn every_example_is_canonically_formatted() {
    let stdlib = tok_files("stdlib/std").into_iter().map(|path| {
        (
            relative(&path),
            std::fs::read_to_string(&path).expect("UTF-8"),
        )
    });
    for (name, text) in examples().into_iter().chain(stdlib) {
        let formatted = tok_format::format(&text).expect("examples parse");
        assert_eq!(
            formatted, text,
            "{name} is not in canonical form (run `tok fmt {name}`)"
        );
    }
}

/// Formatting keeps the tree and every comment, and is idempotent, on
/// examples and on every case file that parses.
#[test]
fn formatter_round_trip() {
    let mut texts = examples();
    for path in tok_files("tests/cases")
        .into_iter()
        .chain(tok_files("stdlib/std"))
    {
        texts.push((
            relative(&path),
            std::fs::read_to_string(&path).expect("UTF-8"),
        ));
    }
    let mut checked = 0;
    for (name, text) in texts {
        let Ok(formatted) = tok_format::format(&text) else {
            continue;
        };
        checked += 1;
        assert_eq!(
            tree_without_spans(&formatted),
            tree_without_spans(&text),
            "{name}: formatting changed the tree"
        );
        let comments = |source: &str| -> Vec<String> {
            tok_syntax::parse(source)
                .comments
                .iter()
                .map(|c| source[c.span.range()].trim_end().to_string())
                .collect()
        };
        assert_eq!(
            comments(&formatted),
            comments(&text),
            "{name}: formatting lost or reordered comments"
        );
        assert_eq!(
            tok_format::format(&formatted).expect("formatted text parses"),
            formatted,
            "{name}: not idempotent"
        );
    }
    assert!(checked >= 40, "round trip covered only {checked} files");
}

/// A messily laid out program formats to the same text as its tidy form.
#[test]
fn messy_layout_becomes_canonical() {
    let messy = "token   EMB{decimals:18\n  burnable}\n\n\n\nmechanism   M {state{a:EMB}\naction  f( v:EMB ){a+=v   // add\nif a>0 EMB{a-=1 EMB}else{a=0 EMB}}}\n";
    let tidy = "token EMB {\n    decimals: 18\n    burnable\n}\n\nmechanism M {\n    state {\n        a: EMB\n    }\n    action f(v: EMB) {\n        a += v // add\n        if a > 0 EMB {\n            a -= 1 EMB\n        } else {\n            a = 0 EMB\n        }\n    }\n}\n";
    assert_eq!(tok_format::format(messy).expect("parses"), tidy);
}
