//! Read-only documents the server serves itself, under the `tok:` scheme,
//! through the `tok/virtualDocument` request (`{ "uri": ... }` in,
//! `{ "text": ... }` out): the documentation of a diagnostic code
//! (`tok:///codes/E0204.md`) and the source of a standard-library module
//! (`tok:///std/vesting.tok`), where go-to-definition into the standard
//! library lands, and the Solidity generated for an open document
//! (`tok:///solidity.sol?file:///...`), which a code lens opens. Editors
//! show them read-only.

use tok_diagnostics::ALL_CODES;

/// The scheme of the server's own documents.
pub const SCHEME: &str = "tok";

/// The documentation page of a diagnostic code.
pub fn code_uri(code: &str) -> String {
    format!("{SCHEME}:///codes/{code}.md")
}

/// The source of standard-library module `path` (`std.vesting`).
pub fn stdlib_uri(path: &str) -> String {
    format!("{SCHEME}:///{}.tok", path.replace('.', "/"))
}

/// The standard-library module a `tok:` URI names, if any.
pub fn stdlib_module(uri: &str) -> Option<&'static tok_stdlib::Module> {
    let path = uri
        .strip_prefix(&format!("{SCHEME}:///"))?
        .strip_suffix(".tok")?
        .replace('/', ".");
    tok_stdlib::MODULES
        .iter()
        .find(|module| module.path == path)
}

/// The Solidity generated for the open document `document`.
pub fn solidity_uri(document: &str) -> String {
    format!("{SCHEME}:///solidity.sol?{document}")
}

/// The document whose Solidity a `tok:` URI names, if it names one.
pub fn solidity_of(uri: &str) -> Option<&str> {
    uri.strip_prefix(&format!("{SCHEME}:///solidity.sol?"))
}

/// What the Solidity document says of a program that cannot be emitted:
/// the diagnostics that stop it, as comments.
pub fn not_emitted(path: &str, text: &str, diagnostics: &[tok_diagnostics::Diagnostic]) -> String {
    let rendered = tok_driver::render::render_text(path, text, diagnostics, false);
    let mut out = String::from("// The program cannot be emitted as Solidity yet:\n");
    for line in rendered.lines() {
        out.push_str(&format!("// {line}\n"));
    }
    out
}

/// The text of a document the server serves, `None` for a URI it does not
/// (a program's Solidity is the server's to compute: see [`solidity_of`]).
pub fn content(uri: &str) -> Option<String> {
    if let Some(module) = stdlib_module(uri) {
        return Some(module.source.to_string());
    }
    let code = uri
        .strip_prefix(&format!("{SCHEME}:///codes/"))?
        .strip_suffix(".md")?;
    let info = ALL_CODES.iter().find(|info| info.code.as_str() == code)?;
    Some(format!(
        "# {} `{}`\n\n{}\n\nThe full list of codes is `docs/diagnostics.md`, and `tok codes` prints it.\n",
        info.code.as_str(),
        info.name.to_lowercase(),
        info.summary
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_and_module_has_a_document() {
        for info in ALL_CODES {
            let text = content(&code_uri(info.code.as_str())).expect("a page");
            assert!(text.contains(info.summary));
        }
        for module in tok_stdlib::MODULES {
            assert_eq!(
                content(&stdlib_uri(module.path)).as_deref(),
                Some(module.source)
            );
        }
        assert_eq!(content("tok:///codes/E9999.md"), None);
        assert_eq!(content("file:///x.tok"), None);
    }
}
