//! Tok's grammar for other parsers: `tok grammar --format lark|gbnf`.
//!
//! Both are derived from the project's own sources at run time, never
//! written by hand: the rules from `grammar.lalrpop` (its productions read
//! with the actions, captures, locations and error-recovery alternatives
//! dropped, and its macros `Comma<T>`... instantiated), the terminals from
//! the regexes of `lexer.rs`. A grammar change therefore reaches the
//! exports by itself; the tests parse every example and standard-library
//! module with both (Python's `lark` for the Lark grammar, `llguidance` for
//! the GBNF).
//!
//! The exports describe the text as the parser sees it, a little more
//! loosely than the compiler: keywords are also identifiers to them, and
//! the line rules the lexer enforces (a unit on the number's line) are not
//! expressed. Constraining a model with them removes syntax errors; the
//! compiler still checks everything else.

use std::collections::BTreeMap;
use std::fmt::Write as _;

const GRAMMAR: &str = include_str!("grammar.lalrpop");
const LEXER: &str = include_str!("lexer.rs");

/// A piece of a production.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Sym {
    /// A literal token: `"param"`, `"{"`.
    Lit(String),
    /// A terminal of the extern block: `Ident`, `Num`...
    Term(String),
    /// A nonterminal, after macro instantiation.
    Rule(String),
    /// A macro call or parameter before instantiation.
    Call(String, Vec<Sym>),
    Seq(Vec<Sym>),
    Star(Box<Sym>),
    Plus(Box<Sym>),
    Opt(Box<Sym>),
}

#[derive(Clone, Debug)]
struct Production {
    name: String,
    params: Vec<String>,
    alternatives: Vec<Vec<Sym>>,
}

/// The grammar read from `grammar.lalrpop`: productions by name, the
/// start symbol first.
pub struct Grammar {
    rules: Vec<(String, Vec<Vec<Sym>>)>,
    terminals: BTreeMap<&'static str, String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Ident(String),
    Str(String),
    Punct(&'static str),
    Other(char),
}

/// `<` directly after a name: macro arguments, not a capture.
const GENERIC: &str = "<(";

fn tokenize(text: &str) -> Vec<Token> {
    const PUNCT: &[&str] = &[
        "=>", "@L", "@R", ":", "=", "{", "}", "(", ")", "<", ">", ",", ";", "*", "+", "?", "!",
        ".", "[", "]", "&",
    ];
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '"' {
            let mut value = String::new();
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' && i + 1 < chars.len() {
                    i += 1;
                }
                value.push(chars[i]);
                i += 1;
            }
            i += 1;
            tokens.push(Token::Str(value));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(Token::Ident(chars[start..i].iter().collect()));
        } else if c == '<' && i > 0 && (chars[i - 1].is_ascii_alphanumeric() || chars[i - 1] == '_')
        {
            // `Comma<T>`: a macro's arguments (a capture follows a space).
            tokens.push(Token::Punct(GENERIC));
            i += 1;
        } else if let Some(p) = PUNCT.iter().find(|p| {
            let p: Vec<char> = p.chars().collect();
            chars[i..].starts_with(&p)
        }) {
            i += p.chars().count();
            tokens.push(Token::Punct(p));
        } else {
            tokens.push(Token::Other(c));
            i += 1;
        }
    }
    tokens
}

struct Reader {
    tokens: Vec<Token>,
    at: usize,
}

impl Reader {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn is(&self, punct: &str) -> bool {
        matches!(self.peek(), Some(Token::Punct(p)) if *p == punct)
    }

    fn expect(&mut self, punct: &str) -> Result<(), String> {
        match self.next() {
            Some(Token::Punct(p)) if p == punct => Ok(()),
            other => Err(format!("expected `{punct}`, found {other:?}")),
        }
    }

    /// Skips to just after the next `;` outside brackets.
    fn skip_statement(&mut self) {
        let mut depth = 0i32;
        while let Some(token) = self.next() {
            match token {
                Token::Punct("{" | "(" | "[") => depth += 1,
                Token::Punct("}" | ")" | "]") => depth -= 1,
                Token::Punct(";") if depth <= 0 => return,
                _ => {}
            }
        }
    }

    /// Skips an action: up to (not including) a `,` or the closing `}`
    /// or `;` at depth 0.
    fn skip_action(&mut self) {
        let mut depth = 0i32;
        while let Some(token) = self.peek() {
            match token {
                Token::Punct("{" | "(" | "[") => depth += 1,
                Token::Punct("}" | ")" | "]") if depth == 0 => return,
                Token::Punct("}" | ")" | "]") => depth -= 1,
                Token::Punct("," | ";") if depth == 0 => return,
                _ => {}
            }
            self.at += 1;
        }
    }

    /// A sequence of symbols, up to `=>`, `,`, `;`, `}`, `)` or `>`.
    /// `None` for an error-recovery alternative (`!`).
    fn sequence(&mut self) -> Result<Option<Vec<Sym>>, String> {
        let mut symbols = Vec::new();
        let mut recovery = false;
        loop {
            let symbol = match self.peek() {
                None => break,
                Some(Token::Punct("=>" | "," | ";" | "}" | ")" | ">")) => break,
                Some(Token::Punct("!")) => {
                    self.at += 1;
                    recovery = true;
                    continue;
                }
                Some(Token::Punct("@L" | "@R")) => {
                    self.at += 1;
                    continue;
                }
                Some(Token::Str(text)) => {
                    let text = text.clone();
                    self.at += 1;
                    Sym::Lit(text)
                }
                Some(Token::Ident(name)) => {
                    let name = name.clone();
                    self.at += 1;
                    if self.is(GENERIC) {
                        self.at += 1;
                        let mut args = Vec::new();
                        loop {
                            let arg = self.sequence()?.unwrap_or_default();
                            args.push(single(arg));
                            if self.is(",") {
                                self.at += 1;
                            } else {
                                break;
                            }
                        }
                        self.expect(">")?;
                        Sym::Call(name, args)
                    } else {
                        Sym::Call(name, Vec::new())
                    }
                }
                Some(Token::Punct("(")) => {
                    self.at += 1;
                    let inner = self.sequence()?.unwrap_or_default();
                    self.expect(")")?;
                    Sym::Seq(inner)
                }
                Some(Token::Punct("<")) => {
                    // A capture: `<name:symbols>`, `<mut name:...>` or `<symbols>`.
                    self.at += 1;
                    if matches!(self.peek(), Some(Token::Ident(word)) if word == "mut") {
                        self.at += 1;
                    }
                    if matches!(self.peek(), Some(Token::Ident(_)))
                        && matches!(self.tokens.get(self.at + 1), Some(Token::Punct(":")))
                    {
                        self.at += 2;
                    }
                    let inner = self.sequence()?;
                    self.expect(">")?;
                    match inner {
                        None => {
                            recovery = true;
                            continue;
                        }
                        // A location capture (`<l:@L>`) is nothing.
                        Some(inner) if inner.is_empty() => continue,
                        Some(inner) => single(inner),
                    }
                }
                Some(other) => {
                    let before = &self.tokens[self.at.saturating_sub(8)..self.at];
                    return Err(format!(
                        "unexpected {other:?} in a production, after {before:?}"
                    ));
                }
            };
            let symbol = match self.peek() {
                Some(Token::Punct("*")) => {
                    self.at += 1;
                    Sym::Star(Box::new(symbol))
                }
                Some(Token::Punct("+")) => {
                    self.at += 1;
                    Sym::Plus(Box::new(symbol))
                }
                Some(Token::Punct("?")) => {
                    self.at += 1;
                    Sym::Opt(Box::new(symbol))
                }
                _ => symbol,
            };
            symbols.push(symbol);
        }
        Ok((!recovery).then_some(symbols))
    }
}

/// One symbol for a list of them.
fn single(mut symbols: Vec<Sym>) -> Sym {
    if symbols.len() == 1 {
        symbols.remove(0)
    } else {
        Sym::Seq(symbols)
    }
}

fn productions() -> Result<Vec<Production>, String> {
    let mut reader = Reader {
        tokens: tokenize(GRAMMAR),
        at: 0,
    };
    let mut productions = Vec::new();
    while let Some(token) = reader.peek().cloned() {
        match token {
            Token::Ident(word) if word == "use" || word == "grammar" => reader.skip_statement(),
            Token::Ident(word) if word == "extern" => {
                // The extern block: its braces, balanced.
                reader.at += 1;
                let mut depth = 0;
                while let Some(token) = reader.next() {
                    match token {
                        Token::Punct("{") => depth += 1,
                        Token::Punct("}") => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
            }
            Token::Ident(word) if word == "pub" => reader.at += 1,
            Token::Ident(name) => {
                reader.at += 1;
                let mut params = Vec::new();
                if reader.is(GENERIC) {
                    reader.at += 1;
                    while let Some(Token::Ident(param)) = reader.next() {
                        params.push(param);
                        if reader.is(",") {
                            reader.at += 1;
                        }
                        if reader.is(">") {
                            break;
                        }
                    }
                    reader.expect(">")?;
                }
                reader.expect(":")?;
                // The Rust type, up to `=` (never part of a type).
                while !reader.is("=") {
                    if reader.next().is_none() {
                        return Err(format!("`{name}` has no `=`"));
                    }
                }
                reader.at += 1;
                let mut alternatives = Vec::new();
                let braced = reader.is("{");
                if braced {
                    reader.at += 1;
                }
                loop {
                    let alternative = reader.sequence()?;
                    if reader.is("=>") {
                        reader.at += 1;
                        reader.skip_action();
                    }
                    if let Some(alternative) = alternative {
                        alternatives.push(alternative);
                    }
                    if braced && reader.is(",") {
                        reader.at += 1;
                        if reader.is("}") {
                            break;
                        }
                        continue;
                    }
                    break;
                }
                if braced {
                    reader.expect("}")?;
                    if reader.is(";") {
                        reader.at += 1;
                    }
                } else {
                    reader.expect(";")?;
                }
                productions.push(Production {
                    name,
                    params,
                    alternatives,
                });
            }
            other => return Err(format!("unexpected {other:?} at the top of the grammar")),
        }
    }
    Ok(productions)
}

/// The regex of `variant` in the lexer's `RawToken`.
fn lexer_regex(variant: &str) -> Result<String, String> {
    let lines: Vec<&str> = LEXER.lines().collect();
    for (index, line) in lines.iter().enumerate() {
        if lines.get(index + 1).map(|l| l.trim()) != Some(&format!("{variant},")) {
            continue;
        }
        let line = line.trim();
        let body = line
            .strip_prefix("#[regex(")
            .ok_or_else(|| format!("{variant} has no regex"))?;
        // r"..." or r#"..."#, then options.
        let (open, close) = if body.starts_with("r#\"") {
            ("r#\"", "\"#")
        } else {
            ("r\"", "\"")
        };
        let rest = body
            .strip_prefix(open)
            .ok_or_else(|| format!("{variant}'s regex is not a raw string"))?;
        let end = rest
            .find(close)
            .ok_or_else(|| format!("{variant}'s regex does not end"))?;
        return Ok(rest[..end].to_string());
    }
    Err(format!("the lexer has no token `{variant}`"))
}

impl Grammar {
    /// Reads the grammar from the project's sources.
    pub fn read() -> Result<Grammar, String> {
        let productions = productions()?;
        let by_name: BTreeMap<String, Production> = productions
            .iter()
            .map(|p| (p.name.clone(), p.clone()))
            .collect();
        let mut terminals = BTreeMap::new();
        terminals.insert("Ident", lexer_regex("Word")?);
        terminals.insert("UnitName", lexer_regex("Word")?);
        terminals.insert("Num", lexer_regex("Number")?);
        terminals.insert("HexNum", lexer_regex("Hex")?);
        terminals.insert("Str", lexer_regex("String")?);
        terminals.insert("Comment", lexer_regex("LineComment")?);
        let mut grammar = Grammar {
            rules: Vec::new(),
            terminals,
        };
        // Instantiate from the start symbol, breadth first.
        let start = productions
            .iter()
            .find(|p| p.name == "Module")
            .ok_or("no `Module` production")?;
        let mut pending: Vec<(String, Production, BTreeMap<String, Sym>)> =
            vec![("Module".to_string(), start.clone(), BTreeMap::new())];
        let mut done: BTreeMap<String, ()> = BTreeMap::new();
        while let Some((name, production, bindings)) = pending.pop() {
            if done.insert(name.clone(), ()).is_some() {
                continue;
            }
            let mut alternatives = Vec::new();
            for alternative in &production.alternatives {
                let mut resolved = Vec::new();
                for symbol in alternative {
                    resolved.push(grammar.resolve(symbol, &bindings, &by_name, &mut pending)?);
                }
                alternatives.push(resolved);
            }
            grammar.rules.push((name, alternatives));
        }
        // Start first, then by name: a stable order.
        let start_rule = grammar
            .rules
            .iter()
            .position(|(n, _)| n == "Module")
            .unwrap_or(0);
        let first = grammar.rules.remove(start_rule);
        grammar.rules.sort_by(|a, b| a.0.cmp(&b.0));
        grammar.rules.insert(0, first);
        Ok(grammar)
    }

    fn resolve(
        &self,
        symbol: &Sym,
        bindings: &BTreeMap<String, Sym>,
        by_name: &BTreeMap<String, Production>,
        pending: &mut Vec<(String, Production, BTreeMap<String, Sym>)>,
    ) -> Result<Sym, String> {
        let mut go = |s: &Sym| self.resolve(s, bindings, by_name, pending);
        Ok(match symbol {
            Sym::Call(name, args) if args.is_empty() && bindings.contains_key(name) => {
                bindings[name].clone()
            }
            Sym::Call(name, args)
                if args.is_empty() && self.terminals.contains_key(name.as_str()) =>
            {
                Sym::Term(name.clone())
            }
            Sym::Call(name, args) if name == "Pct" && args.is_empty() => Sym::Lit("%".to_string()),
            Sym::Call(name, args) => {
                let production = by_name
                    .get(name)
                    .ok_or_else(|| format!("unknown symbol `{name}`"))?;
                if production.params.len() != args.len() {
                    return Err(format!(
                        "`{name}` takes {} arguments",
                        production.params.len()
                    ));
                }
                let mut resolved = Vec::new();
                for arg in args {
                    resolved.push(go(arg)?);
                }
                let instance = if resolved.is_empty() {
                    name.clone()
                } else {
                    let parts: Vec<String> = resolved.iter().map(symbol_name).collect();
                    format!("{name}_{}", parts.join("_"))
                };
                // A macro like `Sp<T>` that is just its argument needs no rule.
                if let ([param], [alternative]) = (
                    production.params.as_slice(),
                    production.alternatives.as_slice(),
                ) && let [Sym::Call(only, none)] = alternative.as_slice()
                    && none.is_empty()
                    && only == param
                {
                    return Ok(resolved.remove(0));
                }
                let bindings: BTreeMap<String, Sym> =
                    production.params.iter().cloned().zip(resolved).collect();
                pending.push((instance.clone(), production.clone(), bindings));
                Sym::Rule(instance)
            }
            Sym::Seq(inner) => {
                let mut resolved = Vec::new();
                for s in inner {
                    resolved.push(go(s)?);
                }
                Sym::Seq(resolved)
            }
            Sym::Star(inner) => Sym::Star(Box::new(go(inner)?)),
            Sym::Plus(inner) => Sym::Plus(Box::new(go(inner)?)),
            Sym::Opt(inner) => Sym::Opt(Box::new(go(inner)?)),
            other => other.clone(),
        })
    }

    /// The grammar in Lark's syntax (for Python's `lark` with the Earley
    /// parser, and for OpenAI's grammar-constrained tools).
    pub fn lark(&self) -> String {
        let mut out = String::from(
            "// Tok, derived from grammar/src/grammar.lalrpop and lexer.rs by `tok grammar --format lark`.\n// Parse with Earley (lexer='dynamic').\n\nstart: module\n\n",
        );
        for (name, alternatives) in &self.rules {
            let body: Vec<String> = alternatives.iter().map(|a| lark_sequence(a)).collect();
            let _ = writeln!(out, "{}: {}\n", snake(name), body.join("\n    | "));
        }
        for (name, regex) in &self.terminals {
            if *name == "Comment" {
                continue;
            }
            let _ = writeln!(
                out,
                "{}: /{}/",
                terminal_name(name),
                regex.replace('/', "\\/")
            );
        }
        let comment = self
            .terminals
            .get("Comment")
            .map_or("//[^\\n]*".to_string(), String::clone);
        let _ = writeln!(out, "COMMENT: /{}/", comment.replace('/', "\\/"));
        out.push_str("%ignore /[ \\t\\r\\n\\f]+/\n%ignore COMMENT\n");
        out
    }

    /// The grammar in GBNF (llama.cpp's `grammar` field, vLLM). Every
    /// token is followed by `ws`, which takes spaces and comments.
    pub fn gbnf(&self) -> String {
        let mut out = String::from(
            "# Tok, derived from grammar/src/grammar.lalrpop and lexer.rs by `tok grammar --format gbnf`.\n\nroot ::= ws module\n",
        );
        for (name, alternatives) in &self.rules {
            let body: Vec<String> = (alternatives.iter())
                .map(|a| {
                    if a.is_empty() {
                        "\"\"".to_string()
                    } else {
                        gbnf_sequence(a)
                    }
                })
                .collect();
            let _ = writeln!(out, "{} ::= {}", kebab(name), body.join(" | "));
        }
        for (name, regex) in &self.terminals {
            if *name == "Comment" {
                continue;
            }
            let _ = writeln!(
                out,
                "{} ::= ({}) ws",
                kebab(&terminal_name(name).to_ascii_lowercase()),
                regex_to_gbnf(regex)
            );
        }
        let comment = self
            .terminals
            .get("Comment")
            .map_or("//[^\\n]*".to_string(), String::clone);
        let _ = writeln!(
            out,
            "ws ::= ([ \\t\\r\\n\\f] | {})*",
            regex_to_gbnf(&comment)
        );
        out
    }
}

fn terminal_name(name: &str) -> String {
    match name {
        "Ident" => "IDENT",
        "UnitName" => "UNIT",
        "Num" => "NUMBER",
        "HexNum" => "HEX",
        "Str" => "STRING",
        other => other,
    }
    .to_string()
}

/// A name for a macro instance's argument.
fn symbol_name(symbol: &Sym) -> String {
    match symbol {
        Sym::Rule(name) | Sym::Term(name) | Sym::Call(name, _) => name.clone(),
        Sym::Lit(text) => text.chars().filter(|c| c.is_ascii_alphanumeric()).collect(),
        Sym::Seq(inner) => inner.iter().map(symbol_name).collect::<Vec<_>>().join("_"),
        Sym::Star(inner) | Sym::Plus(inner) | Sym::Opt(inner) => symbol_name(inner),
    }
}

/// `ItemKind` as `item_kind`, `Comma_Field` as `comma_field`.
fn snake(name: &str) -> String {
    let mut out = String::new();
    for (index, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            let previous = name.chars().nth(index.wrapping_sub(1));
            if index > 0 && previous.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit()) {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn kebab(name: &str) -> String {
    snake(name).replace('_', "-")
}

fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

fn lark_symbol(symbol: &Sym) -> String {
    match symbol {
        Sym::Lit(text) => quoted(text),
        Sym::Term(name) => terminal_name(name),
        Sym::Rule(name) | Sym::Call(name, _) => snake(name),
        Sym::Seq(inner) => format!("({})", lark_sequence(inner)),
        Sym::Star(inner) => format!("{}*", lark_symbol(inner)),
        Sym::Plus(inner) => format!("{}+", lark_symbol(inner)),
        Sym::Opt(inner) => format!("{}?", lark_symbol(inner)),
    }
}

fn lark_sequence(symbols: &[Sym]) -> String {
    if symbols.is_empty() {
        return "\"\"".to_string();
    }
    symbols
        .iter()
        .map(lark_symbol)
        .collect::<Vec<_>>()
        .join(" ")
}

fn gbnf_symbol(symbol: &Sym) -> String {
    match symbol {
        Sym::Lit(text) => format!("{} ws", quoted(text)),
        Sym::Term(name) => kebab(&terminal_name(name).to_ascii_lowercase()),
        Sym::Rule(name) | Sym::Call(name, _) => kebab(name),
        Sym::Seq(inner) => format!("({})", gbnf_sequence(inner)),
        Sym::Star(inner) => format!("{}*", gbnf_group(inner)),
        Sym::Plus(inner) => format!("{}+", gbnf_group(inner)),
        Sym::Opt(inner) => format!("{}?", gbnf_group(inner)),
    }
}

/// A symbol that a postfix operator may follow: a literal with its `ws`
/// needs parentheses.
fn gbnf_group(symbol: &Sym) -> String {
    match symbol {
        Sym::Lit(_) => format!("({})", gbnf_symbol(symbol)),
        _ => gbnf_symbol(symbol),
    }
}

fn gbnf_sequence(symbols: &[Sym]) -> String {
    symbols
        .iter()
        .map(gbnf_symbol)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The subset of regex syntax the lexer uses (classes, groups,
/// alternation, `*`, `+`, `?`, `.`, escapes) in GBNF.
fn regex_to_gbnf(regex: &str) -> String {
    fn alternation(chars: &[char], at: &mut usize) -> String {
        let mut branches = vec![sequence(chars, at)];
        while chars.get(*at) == Some(&'|') {
            *at += 1;
            branches.push(sequence(chars, at));
        }
        branches.join(" | ")
    }
    fn sequence(chars: &[char], at: &mut usize) -> String {
        let mut parts: Vec<String> = Vec::new();
        while let Some(&c) = chars.get(*at) {
            let part = match c {
                '|' | ')' => break,
                '(' => {
                    *at += 1;
                    let inner = alternation(chars, at);
                    *at += 1;
                    format!("({inner})")
                }
                '[' => {
                    let start = *at;
                    *at += 1;
                    if chars.get(*at) == Some(&'^') {
                        *at += 1;
                    }
                    // A `]` first in the class is a member.
                    if chars.get(*at) == Some(&']') {
                        *at += 1;
                    }
                    while let Some(&d) = chars.get(*at) {
                        *at += 1;
                        if d == '\\' {
                            *at += 1;
                        } else if d == ']' {
                            break;
                        }
                    }
                    let class: String = chars[start..*at].iter().collect();
                    class.replace('"', "\\\"")
                }
                '.' => {
                    *at += 1;
                    "[^\\n]".to_string()
                }
                '\\' => {
                    let escaped = chars.get(*at + 1).copied().unwrap_or('\\');
                    *at += 2;
                    match escaped {
                        'n' => "\"\\n\"".to_string(),
                        't' => "\"\\t\"".to_string(),
                        other => quoted(&other.to_string()),
                    }
                }
                literal => {
                    *at += 1;
                    quoted(&literal.to_string())
                }
            };
            let part = match chars.get(*at) {
                Some(&op @ ('*' | '+' | '?')) => {
                    *at += 1;
                    format!("{part}{op}")
                }
                _ => part,
            };
            parts.push(part);
        }
        parts.join(" ")
    }
    let chars: Vec<char> = regex.chars().collect();
    let mut at = 0;
    alternation(&chars, &mut at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grammar_reads() {
        let grammar = Grammar::read().expect("the grammar reads");
        let names: Vec<&str> = grammar.rules.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names[0], "Module");
        for expected in [
            "ItemKind",
            "Expr",
            "StmtKind",
            "Type",
            "Comma_Field",
            "UnitSuffix",
        ] {
            assert!(
                names.contains(&expected),
                "{expected} missing from {names:?}"
            );
        }
        // Error recovery and locations are gone.
        let lark = grammar.lark();
        assert!(lark.contains("\nitem: item_kind\n"), "{lark}");
        assert!(
            lark.contains("item_kind: \"use\" name (\".\" any_name)*"),
            "{lark}"
        );
        assert!(
            lark.contains("NUMBER: /[0-9][0-9_]*(\\.[0-9][0-9_]*)?/"),
            "{lark}"
        );
    }

    #[test]
    fn regexes_become_gbnf() {
        assert_eq!(
            regex_to_gbnf(r"[0-9][0-9_]*(\.[0-9][0-9_]*)?"),
            r#"[0-9] [0-9_]* ("." [0-9] [0-9_]*)?"#
        );
        assert_eq!(
            regex_to_gbnf(r#""([^"\\\n]|\\.)*""#),
            r#""\"" ([^\"\\\n] | "\\" [^\n])* "\"""#
        );
        assert_eq!(regex_to_gbnf(r"//[^\n]*"), r#""/" "/" [^\n]*"#);
    }
}
