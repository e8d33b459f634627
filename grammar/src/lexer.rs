//! The lexer: logos turns text into tokens, then one pass over them fixes
//! what a context-free DFA cannot see.
//!
//! * Comments are trivia: they are kept aside (the formatter and doc
//!   extraction use them) and never reach the parser.
//! * A name right after a number on the same line is a unit (`100 EMB`),
//!   and `%` touching a number is a percent sign, not the modulo operator.
//!   Tok has no statement separator, so this keeps `x = 5` and a statement
//!   on the next line apart.
//! * Unknown characters are reported once per run and dropped;
//!   unterminated strings are reported and treated as closed, so one typo
//!   does not turn the rest of the file into errors.
//! * Bracket depth is limited, so every later pass may recurse freely.

use logos::Logos;
use tok_diagnostics::{Code, Diagnostic, Span};

/// Deepest bracket nesting accepted; real programs stay far below it.
pub const MAX_NESTING: usize = 96;

#[derive(Logos, Clone, Copy, Debug, PartialEq, Eq)]
#[logos(skip r"[ \t\r\n\f]+")]
pub enum RawToken {
    #[regex(r"///[^\n]*", allow_greedy = true)]
    DocComment,
    #[regex(r"//[^\n]*", allow_greedy = true)]
    LineComment,
    #[regex(r"[0-9][0-9_]*(\.[0-9][0-9_]*)?")]
    Number,
    #[regex(r"0x[0-9a-fA-F_]+")]
    Hex,
    #[regex(r#""([^"\\\n]|\\.)*""#)]
    String,
    #[regex(r#""([^"\\\n]|\\.)*"#)]
    UnterminatedString,
    #[regex(r"[a-zA-Z_][a-zA-Z0-9_]*")]
    Word,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token(",")]
    Comma,
    #[token(":")]
    Colon,
    #[token(".")]
    Dot,
    #[token("..")]
    DotDot,
    #[token("=")]
    Assign,
    #[token("+=")]
    PlusAssign,
    #[token("-=")]
    MinusAssign,
    #[token("*=")]
    StarAssign,
    #[token("/=")]
    SlashAssign,
    #[token("==")]
    EqEq,
    #[token("!=")]
    NotEq,
    #[token("<")]
    Lt,
    #[token("<=")]
    Le,
    #[token(">")]
    Gt,
    #[token(">=")]
    Ge,
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("**")]
    StarStar,
    #[token("/")]
    Slash,
    #[token("%")]
    Percent,
    #[token("->")]
    Arrow,
}

/// A token as the parser sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tok<'input> {
    Ident(&'input str),
    /// A name directly after a number: `100 EMB`, `30 days`.
    Unit(&'input str),
    Number(&'input str),
    Hex(&'input str),
    /// The text between the quotes, escapes not yet decoded.
    Str(&'input str),
    PercentSign,
    Keyword(Keyword),
    LBrace,
    RBrace,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Colon,
    Dot,
    DotDot,
    Assign,
    PlusAssign,
    MinusAssign,
    StarAssign,
    SlashAssign,
    EqEq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    Plus,
    Minus,
    Star,
    StarStar,
    Slash,
    Modulo,
    Arrow,
}

macro_rules! keywords {
    ($( $variant:ident = $text:literal ),* $(,)?) => {
        /// Reserved words.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Keyword { $( $variant ),* }

        impl Keyword {
            pub fn from_word(word: &str) -> Option<Keyword> {
                match word { $( $text => Some(Keyword::$variant), )* _ => None }
            }
            pub fn as_str(self) -> &'static str {
                match self { $( Keyword::$variant => $text ),* }
            }
        }

        /// Every reserved word, for completion and the grammar export.
        pub const KEYWORDS: &[&str] = &[ $( $text ),* ];
    };
}

keywords! {
    Use = "use", Param = "param", Token = "token", Mechanism = "mechanism",
    State = "state", Event = "event", Action = "action", View = "view",
    Every = "every", Invariant = "invariant", Vesting = "vesting",
    Governor = "governor", Scenario = "scenario", Agents = "agents",
    Start = "start", Each = "each", Step = "step", Series = "series",
    Sweep = "sweep", Record = "record", Setup = "setup", Let = "let",
    If = "if", Else = "else", For = "for", In = "in", Require = "require",
    Revert = "revert", Emit = "emit", Return = "return", Only = "only",
    True = "true", False = "false", And = "and", Or = "or", Not = "not",
    Per = "per", Map = "map", List = "list", Mint = "mint", As = "as",
}

/// A comment kept aside for the formatter and documentation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Comment {
    pub span: Span,
    /// `///` comments document the item that follows them.
    pub is_doc: bool,
}

/// The lexer's result: the token stream, the comments, and problems.
#[derive(Debug, Default)]
pub struct Lexed<'input> {
    pub tokens: Vec<(u32, Tok<'input>, u32)>,
    pub comments: Vec<Comment>,
    pub diagnostics: Vec<Diagnostic>,
    /// Set when nesting exceeded [`MAX_NESTING`]; the parser is not run.
    pub too_deep: bool,
}

/// Lexes `source`. Offsets are bytes; the caller guarantees the text fits
/// in `u32` offsets.
pub fn lex(source: &str) -> Lexed<'_> {
    let mut out = Lexed::default();
    let mut lexer = RawToken::lexer(source);
    let mut unknown_run: Option<Span> = None;
    let mut depth: usize = 0;
    while let Some(result) = lexer.next() {
        let range = lexer.span();
        let span = Span::new(range.start as u32, range.end as u32);
        let text = &source[range.clone()];
        let Ok(raw) = result else {
            unknown_run = Some(match unknown_run {
                Some(run) if run.end == span.start => run.to(span),
                Some(run) => {
                    out.diagnostics.push(unknown_character(source, run));
                    span
                }
                None => span,
            });
            continue;
        };
        if let Some(run) = unknown_run.take() {
            out.diagnostics.push(unknown_character(source, run));
        }
        let token = match raw {
            RawToken::DocComment | RawToken::LineComment => {
                out.comments.push(Comment {
                    span,
                    is_doc: raw == RawToken::DocComment,
                });
                continue;
            }
            RawToken::Number => {
                check_number(text, span, &mut out.diagnostics);
                Tok::Number(text)
            }
            RawToken::Hex => {
                check_number(&text[2..], span, &mut out.diagnostics);
                Tok::Hex(text)
            }
            RawToken::String => Tok::Str(&text[1..text.len() - 1]),
            RawToken::UnterminatedString => {
                out.diagnostics.push(
                    Diagnostic::error(Code::UNTERMINATED_STRING, span, "unterminated string")
                        .with_label("this string has no closing `\"`")
                        .with_help("strings end on the line they start: add the closing quote"),
                );
                Tok::Str(&text[1..])
            }
            RawToken::Word => match Keyword::from_word(text) {
                Some(keyword) => Tok::Keyword(keyword),
                None if follows_number_on_same_line(source, &out.tokens, span) => Tok::Unit(text),
                None => Tok::Ident(text),
            },
            RawToken::Percent => match out.tokens.last() {
                Some((_, Tok::Number(_), end)) if *end == span.start => Tok::PercentSign,
                _ => Tok::Modulo,
            },
            RawToken::LBrace | RawToken::LParen | RawToken::LBracket => {
                depth += 1;
                if depth > MAX_NESTING {
                    out.diagnostics.push(
                        Diagnostic::error(Code::NESTING_TOO_DEEP, span, "nesting too deep")
                            .with_label(format!("this bracket opens level {depth}"))
                            .with_note(format!(
                                "Tok accepts at most {MAX_NESTING} levels of nested brackets and blocks."
                            ))
                            .with_help("split the expression with `let` bindings or move logic into a view"),
                    );
                    out.too_deep = true;
                    return out;
                }
                match raw {
                    RawToken::LBrace => Tok::LBrace,
                    RawToken::LParen => Tok::LParen,
                    _ => Tok::LBracket,
                }
            }
            RawToken::RBrace | RawToken::RParen | RawToken::RBracket => {
                depth = depth.saturating_sub(1);
                match raw {
                    RawToken::RBrace => Tok::RBrace,
                    RawToken::RParen => Tok::RParen,
                    _ => Tok::RBracket,
                }
            }
            RawToken::Comma => Tok::Comma,
            RawToken::Colon => Tok::Colon,
            RawToken::Dot => Tok::Dot,
            RawToken::DotDot => Tok::DotDot,
            RawToken::Assign => Tok::Assign,
            RawToken::PlusAssign => Tok::PlusAssign,
            RawToken::MinusAssign => Tok::MinusAssign,
            RawToken::StarAssign => Tok::StarAssign,
            RawToken::SlashAssign => Tok::SlashAssign,
            RawToken::EqEq => Tok::EqEq,
            RawToken::NotEq => Tok::NotEq,
            RawToken::Lt => Tok::Lt,
            RawToken::Le => Tok::Le,
            RawToken::Gt => Tok::Gt,
            RawToken::Ge => Tok::Ge,
            RawToken::Plus => Tok::Plus,
            RawToken::Minus => Tok::Minus,
            RawToken::Star => Tok::Star,
            RawToken::StarStar => Tok::StarStar,
            RawToken::Slash => Tok::Slash,
            RawToken::Arrow => Tok::Arrow,
        };
        out.tokens.push((span.start, token, span.end));
    }
    if let Some(run) = unknown_run {
        out.diagnostics.push(unknown_character(source, run));
    }
    out
}

fn follows_number_on_same_line(source: &str, tokens: &[(u32, Tok<'_>, u32)], span: Span) -> bool {
    match tokens.last() {
        Some((_, Tok::Number(_), end)) => {
            !source[*end as usize..span.start as usize].contains('\n')
        }
        _ => false,
    }
}

fn unknown_character(source: &str, span: Span) -> Diagnostic {
    let text = &source[span.range()];
    let shown: String = text.chars().take(8).flat_map(char::escape_debug).collect();
    Diagnostic::error(
        Code::UNKNOWN_CHARACTER,
        span,
        format!("unexpected character `{shown}`"),
    )
    .with_label("no token starts with this")
    .with_help(match text.chars().next() {
        Some('!') => "negation is written `not`, and inequality `!=`",
        Some('&' | '|') => "boolean operators are written `and` and `or`",
        Some(';') => "statements end at the end of the line; remove the `;`",
        Some('\'') => "strings use double quotes",
        _ => "remove it, or put it inside a string or a comment",
    })
}

fn check_number(digits: &str, span: Span, diagnostics: &mut Vec<Diagnostic>) {
    let malformed = digits.ends_with('_')
        || digits.contains("__")
        || digits.contains("_.")
        || digits.contains("._");
    if malformed {
        diagnostics.push(
            Diagnostic::error(Code::MALFORMED_NUMBER, span, "malformed number")
                .with_label("`_` may only separate digits")
                .with_help("write digit groups like `1_000_000`"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(source: &str) -> Vec<Tok<'_>> {
        lex(source)
            .tokens
            .into_iter()
            .map(|(_, token, _)| token)
            .collect()
    }

    #[test]
    fn units_bind_to_numbers_on_the_same_line_only() {
        assert_eq!(
            kinds("100 EMB\nx"),
            vec![Tok::Number("100"), Tok::Unit("EMB"), Tok::Ident("x")]
        );
        assert_eq!(kinds("5%"), vec![Tok::Number("5"), Tok::PercentSign]);
        assert_eq!(
            kinds("5 % 3"),
            vec![Tok::Number("5"), Tok::Modulo, Tok::Number("3")]
        );
    }

    #[test]
    fn comments_are_trivia() {
        let lexed = lex("/// doc\nx // note");
        assert_eq!(lexed.tokens.len(), 1);
        assert_eq!(lexed.comments.len(), 2);
        assert!(lexed.comments[0].is_doc);
    }

    #[test]
    fn deep_nesting_stops_lexing() {
        let source = "(".repeat(MAX_NESTING + 1);
        let lexed = lex(&source);
        assert!(lexed.too_deep);
        assert_eq!(lexed.diagnostics[0].code, Code::NESTING_TOO_DEEP);
    }

    #[test]
    fn unknown_characters_are_reported_once_per_run() {
        let lexed = lex("a $$$ b");
        assert_eq!(lexed.diagnostics.len(), 1);
        assert_eq!(lexed.tokens.len(), 2);
    }
}
