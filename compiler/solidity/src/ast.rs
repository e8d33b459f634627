//! A small Solidity syntax tree and its printer. Generated code is built as
//! a tree and printed in one place, so layout and parenthesisation are
//! uniform and the output is the same bytes for the same program.

use std::fmt::Write;

#[derive(Clone, Debug, PartialEq)]
pub enum Type {
    Uint256,
    Uint48,
    Uint8,
    Bool,
    Address,
    String,
    Mapping(Box<Type>, Box<Type>),
    Array(Box<Type>),
    /// A contract type.
    Named(String),
}

impl Type {
    fn text(&self) -> String {
        match self {
            Type::Uint256 => "uint256".into(),
            Type::Uint48 => "uint48".into(),
            Type::Uint8 => "uint8".into(),
            Type::Bool => "bool".into(),
            Type::Address => "address".into(),
            Type::String => "string".into(),
            Type::Mapping(key, value) => format!("mapping({} => {})", key.text(), value.text()),
            Type::Array(element) => format!("{}[]", element.text()),
            Type::Named(name) => name.clone(),
        }
    }

    /// Whether a parameter or local of this type needs a data location.
    fn is_reference(&self) -> bool {
        matches!(self, Type::String | Type::Array(_))
            || matches!(self, Type::Named(name) if name == "bytes")
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Ident(String),
    Number(String),
    Bool(bool),
    Str(String),
    Member(Box<Expr>, String),
    Index(Box<Expr>, Box<Expr>),
    Call(Box<Expr>, Vec<Expr>),
    Binary(&'static str, Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
}

impl Expr {
    pub fn ident(name: impl Into<String>) -> Expr {
        Expr::Ident(name.into())
    }

    pub fn member(self, name: impl Into<String>) -> Expr {
        Expr::Member(Box::new(self), name.into())
    }

    pub fn call(self, args: Vec<Expr>) -> Expr {
        Expr::Call(Box::new(self), args)
    }

    pub fn index(self, key: Expr) -> Expr {
        Expr::Index(Box::new(self), Box::new(key))
    }

    pub fn binary(op: &'static str, lhs: Expr, rhs: Expr) -> Expr {
        Expr::Binary(op, Box::new(lhs), Box::new(rhs))
    }

    fn text(&self) -> String {
        match self {
            Expr::Ident(name) | Expr::Number(name) => name.clone(),
            Expr::Bool(value) => value.to_string(),
            Expr::Str(text) => format!("{text:?}"),
            Expr::Member(base, name) => format!("{}.{name}", base.text()),
            Expr::Index(base, key) => format!("{}[{}]", base.text(), key.text()),
            Expr::Call(callee, args) => {
                format!(
                    "{}({})",
                    callee.text(),
                    args.iter().map(Expr::text).collect::<Vec<_>>().join(", ")
                )
            }
            // Every operation is parenthesised: no precedence surprises.
            Expr::Binary(op, lhs, rhs) => format!("({} {op} {})", lhs.text(), rhs.text()),
            Expr::Not(inner) => format!("!{}", inner.text()),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    Declare(Type, String, Option<Expr>),
    Assign(Expr, Expr),
    Expr(Expr),
    If(Vec<(Expr, Vec<Stmt>)>, Vec<Stmt>),
    /// `for (uint256 i = start; i < end; i++)`
    ForRange(String, Expr, Expr, Vec<Stmt>),
    While(Expr, Vec<Stmt>),
    Return(Option<Expr>),
    Revert(String, Vec<Expr>),
    Emit(String, Vec<Expr>),
    Break,
    /// `// text` on a line of its own.
    Comment(String),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mutability {
    Mutable,
    View,
    Pure,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub ty: Type,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Member {
    /// NatSpec lines for the member after it.
    Doc(Vec<String>),
    Error(String),
    Event(String, Vec<Param>),
    /// (type, visibility and qualifiers, name, initial value)
    StateVar(Type, String, String, Option<Expr>),
    Constructor {
        params: Vec<Param>,
        bases: Vec<Expr>,
        body: Vec<Stmt>,
    },
    Function {
        doc: Vec<String>,
        name: String,
        params: Vec<Param>,
        visibility: &'static str,
        mutability: Mutability,
        qualifiers: Vec<String>,
        returns: Option<Type>,
        body: Vec<Stmt>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Contract {
    pub doc: Vec<String>,
    pub name: String,
    pub bases: Vec<String>,
    pub members: Vec<Member>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SourceUnit {
    pub imports: Vec<(String, String)>,
    pub contracts: Vec<Contract>,
}

/// The Solidity version range generated code declares.
pub const PRAGMA: &str = "^0.8.24";

struct Printer {
    out: String,
    depth: usize,
}

impl Printer {
    fn doc_line(&mut self, text: &str) {
        if text.is_empty() {
            self.line("///");
        } else {
            self.line(&format!("/// {text}"));
        }
    }

    fn line(&mut self, text: &str) {
        if text.is_empty() {
            self.out.push('\n');
            return;
        }
        for _ in 0..self.depth {
            self.out.push_str("    ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn block(&mut self, stmts: &[Stmt]) {
        self.depth += 1;
        for stmt in stmts {
            self.stmt(stmt);
        }
        self.depth -= 1;
    }

    fn stmt(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::Declare(ty, name, value) => {
                let location = if ty.is_reference() { " memory" } else { "" };
                match value {
                    Some(value) => self.line(&format!(
                        "{}{location} {name} = {};",
                        ty.text(),
                        value.text()
                    )),
                    None => self.line(&format!("{}{location} {name};", ty.text())),
                }
            }
            Stmt::Assign(target, value) => {
                self.line(&format!("{} = {};", target.text(), value.text()))
            }
            Stmt::Expr(expr) => self.line(&format!("{};", expr.text())),
            Stmt::Comment(text) => self.line(&format!("// {text}")),
            Stmt::If(arms, otherwise) => {
                for (index, (condition, body)) in arms.iter().enumerate() {
                    let keyword = if index == 0 { "if" } else { "} else if" };
                    self.line(&format!("{keyword} ({}) {{", unparen(condition.text())));
                    self.block(body);
                }
                if !otherwise.is_empty() {
                    self.line("} else {");
                    self.block(otherwise);
                }
                self.line("}");
            }
            Stmt::ForRange(var, start, end, body) => {
                self.line(&format!(
                    "for (uint256 {var} = {}; {var} < {}; {var}++) {{",
                    start.text(),
                    end.text()
                ));
                self.block(body);
                self.line("}");
            }
            Stmt::While(condition, body) => {
                self.line(&format!("while ({}) {{", unparen(condition.text())));
                self.block(body);
                self.line("}");
            }
            Stmt::Return(Some(value)) => self.line(&format!("return {};", unparen(value.text()))),
            Stmt::Return(None) => self.line("return;"),
            Stmt::Revert(error, args) => {
                self.line(&format!(
                    "revert {error}({});",
                    args.iter().map(Expr::text).collect::<Vec<_>>().join(", ")
                ));
            }
            Stmt::Emit(event, args) => {
                self.line(&format!(
                    "emit {event}({});",
                    args.iter().map(Expr::text).collect::<Vec<_>>().join(", ")
                ));
            }
            Stmt::Break => self.line("break;"),
        }
    }

    fn params(params: &[Param]) -> String {
        params
            .iter()
            .map(|p| {
                let text = if p.ty.is_reference() {
                    format!("{} memory {}", p.ty.text(), p.name)
                } else {
                    format!("{} {}", p.ty.text(), p.name)
                };
                text.trim_end().to_string()
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn member(&mut self, member: &Member) {
        match member {
            Member::Doc(lines) => {
                for line in lines {
                    self.doc_line(line);
                }
            }
            Member::Error(name) => self.line(&format!("error {name}();")),
            Member::Event(name, params) => {
                self.line(&format!("event {name}({});", Self::params(params)))
            }
            Member::StateVar(ty, qualifiers, name, init) => match init {
                Some(init) => self.line(&format!(
                    "{} {qualifiers} {name} = {};",
                    ty.text(),
                    init.text()
                )),
                None => self.line(&format!("{} {qualifiers} {name};", ty.text())),
            },
            Member::Constructor {
                params,
                bases,
                body,
            } => {
                let bases: Vec<String> = bases.iter().map(Expr::text).collect();
                let bases = if bases.is_empty() {
                    String::new()
                } else {
                    format!(" {}", bases.join(" "))
                };
                self.line(&format!("constructor({}){bases} {{", Self::params(params)));
                self.block(body);
                self.line("}");
            }
            Member::Function {
                doc,
                name,
                params,
                visibility,
                mutability,
                qualifiers,
                returns,
                body,
            } => {
                for line in doc {
                    self.doc_line(line);
                }
                let mut header = format!("function {name}({}) {visibility}", Self::params(params));
                match mutability {
                    Mutability::Mutable => {}
                    Mutability::View => header.push_str(" view"),
                    Mutability::Pure => header.push_str(" pure"),
                }
                for qualifier in qualifiers {
                    header.push(' ');
                    header.push_str(qualifier);
                }
                if let Some(returns) = returns {
                    let location = if returns.is_reference() {
                        " memory"
                    } else {
                        ""
                    };
                    header.push_str(&format!(" returns ({}{location})", returns.text()));
                }
                self.line(&format!("{header} {{"));
                self.block(body);
                self.line("}");
            }
        }
    }
}

fn unparen(text: String) -> String {
    // Drop one pair of outer parentheses when they enclose the whole text.
    if text.starts_with('(') && text.ends_with(')') {
        let inner = &text[1..text.len() - 1];
        let mut depth = 0i32;
        let balanced = inner.chars().all(|c| {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            depth >= 0
        });
        if balanced && depth == 0 {
            return inner.to_string();
        }
    }
    text
}

/// Prints a source unit.
pub fn print(unit: &SourceUnit) -> String {
    let mut printer = Printer {
        out: String::new(),
        depth: 0,
    };
    printer.line("// SPDX-License-Identifier: MIT");
    printer.line("// Generated by the Tok compiler. Do not edit: change the .tok program instead.");
    printer.line(&format!("pragma solidity {PRAGMA};"));
    printer.line("");
    for (names, path) in &unit.imports {
        printer.line(&format!("import {{{names}}} from \"{path}\";"));
    }
    for contract in &unit.contracts {
        printer.line("");
        for line in &contract.doc {
            printer.doc_line(line);
        }
        let bases = if contract.bases.is_empty() {
            String::new()
        } else {
            format!(" is {}", contract.bases.join(", "))
        };
        printer.line(&format!("contract {}{bases} {{", contract.name));
        printer.depth += 1;
        let mut previous_kind = None;
        let mut documented = false;
        for (index, member) in contract.members.iter().enumerate() {
            // A doc block takes the place of the member it documents.
            let subject = match member {
                Member::Doc(_) => contract.members.get(index + 1).unwrap_or(member),
                _ => member,
            };
            let kind = std::mem::discriminant(subject);
            let is_function = matches!(
                subject,
                Member::Function { .. } | Member::Constructor { .. }
            );
            if !documented
                && previous_kind.is_some()
                && (is_function || previous_kind != Some(kind))
            {
                printer.line("");
            }
            documented = matches!(member, Member::Doc(_));
            previous_kind = Some(kind);
            printer.member(member);
        }
        printer.depth -= 1;
        printer.line("}");
    }
    let _ = write!(printer.out, "");
    printer.out
}
