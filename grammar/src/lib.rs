//! Tok syntax: lexer, grammar and the spanned AST.
//!
//! This crate is pure: text in, tree and diagnostics out. It never fails:
//! [`parse`] always returns a tree (with `Error` nodes where it recovered)
//! together with the problems it found. It knows nothing of salsa or IO.

pub mod ast;
pub mod docs;
pub mod export;
pub mod lexer;
mod literal;

pub use literal::{DigitsError, decode_string, parse_digits};

use lalrpop_util::{ErrorRecovery, ParseError, lalrpop_mod};
use lexer::Tok;
use tok_diagnostics::{Code, Diagnostic, Span};

lalrpop_mod!(
    #[allow(
        clippy::all,
        clippy::pedantic,
        clippy::unwrap_used,
        unused_qualifications
    )]
    grammar
);

/// The grammar has no user errors of its own; every problem is a token the
/// parser did not expect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Never {}

/// The result of parsing one text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    pub module: ast::Module,
    pub comments: Vec<lexer::Comment>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses a whole file. Never panics, whatever the input.
pub fn parse(source: &str) -> Parsed {
    let lexed = lexer::lex(source);
    let mut diagnostics = lexed.diagnostics;
    if lexed.too_deep {
        return Parsed {
            module: ast::Module::default(),
            comments: lexed.comments,
            diagnostics,
        };
    }
    let end = source.len() as u32;
    let mut recovered: Vec<ErrorRecovery<u32, Tok<'_>, Never>> = Vec::new();
    let tokens = lexed.tokens.into_iter().map(Ok::<_, Never>);
    let module = match grammar::ModuleParser::new().parse(&mut recovered, tokens) {
        Ok(module) => module,
        Err(error) => {
            diagnostics.push(syntax_error(error, end));
            ast::Module::default()
        }
    };
    // Recovery may report several errors for one mistake; keep the first of
    // each run that is not separated by correctly parsed input, and at most
    // one per line.
    let mut last_end: Option<u32> = None;
    let line_of = |at: u32| {
        source[..(at as usize).min(source.len())]
            .matches('\n')
            .count()
    };
    let lexer_lines: Vec<usize> = diagnostics
        .iter()
        .map(|d| line_of(d.primary.span.start))
        .collect();
    let mut last_line: Option<usize> = None;
    for recovery in recovered {
        let start = error_start(&recovery.error, end);
        let line = line_of(start);
        // A file that ends too early is always worth saying.
        let at_end = matches!(recovery.error, ParseError::UnrecognizedEof { .. });
        let same_line = last_line == Some(line) || lexer_lines.contains(&line);
        if last_end.is_some_and(|last| start <= last) || (same_line && !at_end) {
            continue;
        }
        last_line = Some(line);
        let dropped_end = recovery.dropped_tokens.last().map(|(_, _, r)| *r);
        last_end = Some(dropped_end.unwrap_or(start).max(start));
        diagnostics.push(syntax_error(recovery.error, end));
    }
    Parsed {
        module,
        comments: lexed.comments,
        diagnostics,
    }
}

/// Parses a single expression (used by tests and tools).
pub fn parse_expr(source: &str) -> Result<ast::Expr, Vec<Diagnostic>> {
    let lexed = lexer::lex(source);
    if !lexed.diagnostics.is_empty() {
        return Err(lexed.diagnostics);
    }
    let mut recovered = Vec::new();
    let tokens = lexed.tokens.into_iter().map(Ok::<_, Never>);
    match grammar::ExprParser::new().parse(&mut recovered, tokens) {
        Ok(expr) if recovered.is_empty() => Ok(expr),
        Ok(_) => Err(recovered
            .into_iter()
            .map(|r| syntax_error(r.error, source.len() as u32))
            .collect()),
        Err(error) => Err(vec![syntax_error(error, source.len() as u32)]),
    }
}

fn error_start(error: &ParseError<u32, Tok<'_>, Never>, end: u32) -> u32 {
    match error {
        ParseError::InvalidToken { location } => *location,
        ParseError::UnrecognizedEof { location, .. } => (*location).min(end),
        ParseError::UnrecognizedToken { token, .. } | ParseError::ExtraToken { token } => token.0,
        ParseError::User { error } => match *error {},
    }
}

fn syntax_error(error: ParseError<u32, Tok<'_>, Never>, end: u32) -> Diagnostic {
    match error {
        ParseError::UnrecognizedEof { location, expected } => {
            let at = location.min(end);
            Diagnostic::error(
                Code::UNEXPECTED_END,
                Span::new(at, at),
                "unexpected end of file",
            )
            .with_label(expected_text(&expected))
            .with_help(
                "the file seems truncated: close the open blocks and finish the last construct",
            )
        }
        ParseError::UnrecognizedToken {
            token: (l, token, r),
            expected,
        } => Diagnostic::error(
            Code::UNEXPECTED_TOKEN,
            Span::new(l, r),
            format!("unexpected {}", describe(&token)),
        )
        .with_label(expected_text(&expected)),
        ParseError::ExtraToken {
            token: (l, token, r),
        } => Diagnostic::error(
            Code::UNEXPECTED_TOKEN,
            Span::new(l, r),
            format!("unexpected {}", describe(&token)),
        )
        .with_label("nothing more was expected here"),
        ParseError::InvalidToken { location } => Diagnostic::error(
            Code::UNKNOWN_CHARACTER,
            Span::new(location, location),
            "invalid token",
        ),
        ParseError::User { error } => match error {},
    }
}

/// Describes a token for a message: "`}`", "name `foo`".
pub fn describe(token: &Tok<'_>) -> String {
    match token {
        Tok::Ident(text) => format!("name `{text}`"),
        Tok::Unit(text) => format!("unit `{text}`"),
        Tok::Number(text) | Tok::Hex(text) => format!("number `{text}`"),
        Tok::Str(_) => "string".to_string(),
        Tok::Keyword(keyword) => format!("keyword `{}`", keyword.as_str()),
        other => format!("`{}`", symbol(other)),
    }
}

fn symbol(token: &Tok<'_>) -> &'static str {
    match token {
        Tok::PercentSign | Tok::Modulo => "%",
        Tok::LBrace => "{",
        Tok::RBrace => "}",
        Tok::LParen => "(",
        Tok::RParen => ")",
        Tok::LBracket => "[",
        Tok::RBracket => "]",
        Tok::Comma => ",",
        Tok::Colon => ":",
        Tok::Dot => ".",
        Tok::DotDot => "..",
        Tok::Assign => "=",
        Tok::PlusAssign => "+=",
        Tok::MinusAssign => "-=",
        Tok::StarAssign => "*=",
        Tok::SlashAssign => "/=",
        Tok::EqEq => "==",
        Tok::NotEq => "!=",
        Tok::Lt => "<",
        Tok::Le => "<=",
        Tok::Gt => ">",
        Tok::Ge => ">=",
        Tok::Plus => "+",
        Tok::Minus => "-",
        Tok::Star => "*",
        Tok::StarStar => "**",
        Tok::Slash => "/",
        Tok::Arrow => "->",
        Tok::Ident(_)
        | Tok::Unit(_)
        | Tok::Number(_)
        | Tok::Hex(_)
        | Tok::Str(_)
        | Tok::Keyword(_) => "token",
    }
}

/// Turns LALRPOP's expected-terminal list into a short phrase.
fn expected_text(expected: &[String]) -> String {
    let mut names: Vec<String> = expected
        .iter()
        .map(|terminal| match terminal.as_str() {
            "Ident" => "a name".to_string(),
            "UnitName" => "a unit".to_string(),
            "Num" | "HexNum" => "a number".to_string(),
            "Str" => "a string".to_string(),
            "Pct" => "`%`".to_string(),
            other => format!("`{}`", other.trim_matches('"')),
        })
        .collect();
    names.sort();
    names.dedup();
    match names.len() {
        0 => "not expected here".to_string(),
        1..=6 => format!("expected {}", names.join(", ")),
        _ => format!(
            "expected {}, or {} more",
            names[..5].join(", "),
            names.len() - 5
        ),
    }
}
