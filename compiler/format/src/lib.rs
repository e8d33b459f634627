//! The canonical formatter behind `tok fmt`.
//!
//! It prints the syntax tree in one canonical layout (four-space indent, one
//! construct per line, canonical spacing) and puts every comment back: a
//! comment on its own line stays on its own line before the construct that
//! follows it, a comment at the end of a line stays at the end of that
//! line. Single blank lines between constructs are kept, longer runs are
//! collapsed. A file with syntax errors is never rewritten. Formatting is
//! idempotent: formatting formatted text changes nothing.

use tok_diagnostics::Diagnostic;
use tok_syntax::ast::*;
use tok_syntax::lexer::Comment;

/// Formats a whole file, or returns its syntax errors.
pub fn format(source: &str) -> Result<String, Vec<Diagnostic>> {
    let parsed = tok_syntax::parse(source);
    if !parsed.diagnostics.is_empty() {
        return Err(parsed.diagnostics);
    }
    let mut formatter = Formatter::new(source, &parsed.comments);
    let mut previous: Option<&ItemKind> = None;
    for item in &parsed.module.items {
        if let Some(previous) = previous {
            let grouped = matches!(
                (previous, &item.kind),
                (ItemKind::Param(_), ItemKind::Param(_)) | (ItemKind::Use(_), ItemKind::Use(_))
            );
            formatter.force_blank = !grouped;
        }
        formatter.item(item);
        previous = Some(&item.kind);
    }
    formatter.flush_comments(u32::MAX);
    let mut out = formatter.out;
    while out.ends_with("\n\n") {
        out.pop();
    }
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

/// Prints one item in canonical form, without comments (for generated
/// text, such as a template's body).
pub fn print_item(item: &Item) -> String {
    let mut formatter = Formatter::new("", &[]);
    formatter.item(item);
    formatter.out
}

struct Formatter<'s> {
    source: &'s str,
    comments: &'s [Comment],
    next_comment: usize,
    out: String,
    indent: usize,
    /// Source offset where the last printed line ended, for trailing comments.
    last_end: Option<u32>,
    /// Source offset of the end of the last printed construct or comment.
    prev_end: u32,
    at_block_start: bool,
    force_blank: bool,
}

impl<'s> Formatter<'s> {
    fn new(source: &'s str, comments: &'s [Comment]) -> Self {
        Formatter {
            source,
            comments,
            next_comment: 0,
            out: String::new(),
            indent: 0,
            last_end: None,
            prev_end: 0,
            at_block_start: true,
            force_blank: false,
        }
    }

    /// Whether the source has a blank line between `from` and `to`.
    fn blank_between(&self, from: u32, to: u32) -> bool {
        let to = (to as usize).min(self.source.len());
        let from = (from as usize).min(to);
        self.source[from..to].matches('\n').count() >= 2
    }

    fn same_line(&self, from: u32, to: u32) -> bool {
        let to = (to as usize).min(self.source.len());
        let from = (from as usize).min(to);
        !self.source[from..to].contains('\n')
    }

    fn comment_text(&self, comment: &Comment) -> &str {
        self.source[comment.span.range()].trim_end()
    }

    fn push_indent(&mut self) {
        for _ in 0..self.indent {
            self.out.push_str("    ");
        }
    }

    fn blank_line(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    /// Prints the comments that start before `position`.
    fn flush_comments(&mut self, position: u32) {
        while let Some(comment) = self.comments.get(self.next_comment) {
            if comment.span.start >= position {
                break;
            }
            self.next_comment += 1;
            let text = self.comment_text(comment).to_string();
            match self.last_end {
                Some(end)
                    if self.same_line(end, comment.span.start) && self.out.ends_with('\n') =>
                {
                    self.out.pop();
                    self.out.push(' ');
                    self.out.push_str(&text);
                    self.out.push('\n');
                }
                _ => {
                    if self.force_blank
                        || (!self.at_block_start
                            && self.blank_between(self.prev_end, comment.span.start))
                    {
                        self.blank_line();
                    }
                    self.force_blank = false;
                    self.push_indent();
                    self.out.push_str(&text);
                    self.out.push('\n');
                    self.at_block_start = false;
                }
            }
            self.last_end = Some(comment.span.end);
            self.prev_end = comment.span.end;
        }
    }

    /// Starts a construct at source offset `start`.
    fn begin(&mut self, start: u32) {
        self.flush_comments(start);
        if self.force_blank || (!self.at_block_start && self.blank_between(self.prev_end, start)) {
            self.blank_line();
        }
        self.force_blank = false;
        self.at_block_start = false;
    }

    /// Prints one line that ends at source offset `end`.
    fn line(&mut self, text: &str, end: u32) {
        self.push_indent();
        self.out.push_str(text);
        self.out.push('\n');
        self.last_end = Some(end);
        self.prev_end = end;
    }

    /// Prints `header {`, the body, and `}` (the block's source ends at `end`).
    fn braced(&mut self, header: &str, header_end: u32, end: u32, body: impl FnOnce(&mut Self)) {
        let start_len = self.out.len();
        self.line(&format!("{header} {{"), header_end);
        self.indent += 1;
        self.at_block_start = true;
        let before = self.out.len();
        body(self);
        self.flush_comments(end.saturating_sub(1));
        self.indent -= 1;
        if self.out.len() == before {
            // An empty block prints on one line.
            self.out.truncate(start_len);
            self.line(&format!("{header} {{}}"), end);
        } else {
            self.line("}", end);
        }
        self.at_block_start = false;
    }

    fn item(&mut self, item: &Item) {
        self.begin(item.span.start);
        let start = item.span.start;
        let end = item.span.end;
        match &item.kind {
            ItemKind::Use(path) => {
                let path: Vec<&str> = path.iter().map(|name| name.text.as_str()).collect();
                self.line(&format!("use {}", path.join(".")), end);
            }
            ItemKind::Param(param) => {
                let default = param
                    .default
                    .as_ref()
                    .map(|value| format!(" = {}", expr(value)))
                    .unwrap_or_default();
                self.line(
                    &format!("param {}: {}{default}", param.name.text, ty(&param.ty)),
                    end,
                );
            }
            ItemKind::Token(decl) => self.decl("token", decl, start, end),
            ItemKind::Vesting(decl) => self.decl("vesting", decl, start, end),
            ItemKind::Governor(decl) => self.decl("governor", decl, start, end),
            ItemKind::Mechanism(mechanism) => {
                let mut header = format!("mechanism {}", mechanism.name.text);
                if !mechanism.generics.is_empty() {
                    let names: Vec<&str> =
                        mechanism.generics.iter().map(|n| n.text.as_str()).collect();
                    header.push_str(&format!("[{}]", names.join(", ")));
                }
                if !mechanism.params.is_empty() {
                    header.push_str(&format!("({})", params(&mechanism.params)));
                }
                self.braced(&header, start, end, |f| {
                    for member in &mechanism.members {
                        f.member(member);
                    }
                });
            }
            ItemKind::Instance(instance) => {
                let template: Vec<&str> =
                    instance.template.iter().map(|n| n.text.as_str()).collect();
                let tokens = if instance.tokens.is_empty() {
                    String::new()
                } else {
                    let names: Vec<&str> =
                        instance.tokens.iter().map(|n| n.text.as_str()).collect();
                    format!("[{}]", names.join(", "))
                };
                self.line(
                    &format!(
                        "mechanism {} = {}{tokens}({})",
                        instance.name.text,
                        template.join("."),
                        args(&instance.args)
                    ),
                    end,
                );
            }
            ItemKind::Scenario(scenario) => {
                self.braced(
                    &format!("scenario {}", scenario.name.text),
                    start,
                    end,
                    |f| {
                        for entry in &scenario.entries {
                            f.scenario_entry(entry);
                        }
                    },
                );
            }
            ItemKind::Error => {}
        }
    }

    fn decl(&mut self, keyword: &str, decl: &Decl, start: u32, end: u32) {
        self.braced(&format!("{keyword} {}", decl.name.text), start, end, |f| {
            for setting in &decl.settings {
                f.setting(setting);
            }
        });
    }

    fn setting(&mut self, setting: &Setting) {
        self.begin(setting.span.start);
        let text = match &setting.kind {
            SettingKind::Value { name, value } => format!("{}: {}", name.text, expr(value)),
            SettingKind::Flag(name) => name.text.clone(),
            SettingKind::Mint { amount, to } => format!("mint {} to {}", expr(amount), expr(to)),
            SettingKind::Error => return,
        };
        self.line(&text, setting.span.end);
    }

    fn fields_block(&mut self, keyword: &str, fields: &[Field], start: u32, end: u32) {
        self.braced(keyword, start, end, |f| {
            for field in fields {
                f.begin(field.span.start);
                f.line(&field_text(field), field.span.end);
            }
        });
    }

    fn member(&mut self, member: &Member) {
        self.begin(member.span.start);
        let start = member.span.start;
        let end = member.span.end;
        match &member.kind {
            MemberKind::State(fields) => self.fields_block("state", fields, start, end),
            MemberKind::Event { name, fields } => {
                let fields: Vec<String> = fields.iter().map(field_text).collect();
                self.line(&format!("event {}({})", name.text, fields.join(", ")), end);
            }
            MemberKind::Action(function) => {
                let access = if function.access.is_empty() {
                    String::new()
                } else {
                    let names: Vec<&str> = function
                        .access
                        .iter()
                        .map(|name| name.text.as_str())
                        .collect();
                    format!(" only {}", names.join(", "))
                };
                let header = format!(
                    "action {}({}){access}",
                    function.name.text,
                    params(&function.params)
                );
                self.block(&header, start, &function.body);
            }
            MemberKind::View(function) => {
                let returns = function
                    .returns
                    .as_ref()
                    .map(|t| format!(" -> {}", ty(t)))
                    .unwrap_or_default();
                let header = format!(
                    "view {}({}){returns}",
                    function.name.text,
                    params(&function.params)
                );
                self.block(&header, start, &function.body);
            }
            MemberKind::Every { period, body } => {
                self.block(&format!("every {}", expr(period)), start, body)
            }
            MemberKind::Invariant { condition, message } => {
                let message = message
                    .as_ref()
                    .map(|m| format!(" else {}", expr(m)))
                    .unwrap_or_default();
                self.line(&format!("invariant {}{message}", expr(condition)), end);
            }
            MemberKind::Error => {}
        }
    }

    fn scenario_entry(&mut self, entry: &ScenarioEntry) {
        let start = entry.span.start;
        let end = entry.span.end;
        match &entry.kind {
            ScenarioEntryKind::Setting(setting) => self.setting(setting),
            ScenarioEntryKind::Agents(agents) => {
                self.begin(start);
                let header = format!("agents {}[{}]", agents.name.text, expr(&agents.count));
                self.braced(&header, start, end, |f| {
                    for member in &agents.members {
                        f.begin(member.span.start);
                        match &member.kind {
                            AgentMemberKind::State(fields) => {
                                f.fields_block("state", fields, member.span.start, member.span.end)
                            }
                            AgentMemberKind::Start(body) => {
                                f.block("start", member.span.start, body)
                            }
                            AgentMemberKind::EachStep(body) => {
                                f.block("each step", member.span.start, body)
                            }
                            AgentMemberKind::Error => {}
                        }
                    }
                });
            }
            ScenarioEntryKind::Series {
                name,
                ty: declared,
                value,
            } => {
                self.begin(start);
                let declared = declared
                    .as_ref()
                    .map(|t| format!(": {}", ty(t)))
                    .unwrap_or_default();
                self.line(
                    &format!("series {}{declared} = {}", name.text, expr(value)),
                    end,
                );
            }
            ScenarioEntryKind::Sweep { param, values } => {
                self.begin(start);
                let values: Vec<String> = values.iter().map(expr).collect();
                self.line(
                    &format!("sweep {} in [{}]", param.text, values.join(", ")),
                    end,
                );
            }
            ScenarioEntryKind::Record(columns) => {
                self.begin(start);
                let columns: Vec<String> = columns
                    .iter()
                    .map(|(name, value)| format!("{} = {}", name.text, expr(value)))
                    .collect();
                self.line(&format!("record {}", columns.join(", ")), end);
            }
            ScenarioEntryKind::Setup(body) => {
                self.begin(start);
                self.block("setup", start, body);
            }
            ScenarioEntryKind::EachStep(body) => {
                self.begin(start);
                self.block("each step", start, body);
            }
            ScenarioEntryKind::Error => {}
        }
    }

    fn block(&mut self, header: &str, header_start: u32, block: &Block) {
        self.braced(header, header_start, block.span.end, |f| {
            for stmt in &block.stmts {
                f.stmt(stmt);
            }
        });
    }

    fn stmt(&mut self, stmt: &Stmt) {
        self.begin(stmt.span.start);
        let start = stmt.span.start;
        let end = stmt.span.end;
        let text = match &stmt.kind {
            StmtKind::Let {
                name,
                ty: declared,
                value,
            } => {
                let declared = declared
                    .as_ref()
                    .map(|t| format!(": {}", ty(t)))
                    .unwrap_or_default();
                format!("let {}{declared} = {}", name.text, expr(value))
            }
            StmtKind::Assign { target, op, value } => {
                format!("{} {} {}", expr(target), op.as_str(), expr(value))
            }
            StmtKind::Expr(value) => expr(value),
            StmtKind::Require { condition, reason } => {
                let reason = reason
                    .as_ref()
                    .map(|r| format!(" else {}", expr(r)))
                    .unwrap_or_default();
                format!("require {}{reason}", expr(condition))
            }
            StmtKind::Revert { reason } => {
                format!(
                    "revert{}",
                    reason
                        .as_ref()
                        .map(|r| format!(" {}", expr(r)))
                        .unwrap_or_default()
                )
            }
            StmtKind::Emit {
                event,
                args: arguments,
            } => format!("emit {}({})", event.text, args(arguments)),
            StmtKind::Return(value) => {
                format!(
                    "return{}",
                    value
                        .as_ref()
                        .map(|v| format!(" {}", expr(v)))
                        .unwrap_or_default()
                )
            }
            StmtKind::If { arms, otherwise } => {
                self.if_chain(arms, otherwise.as_ref(), start);
                return;
            }
            StmtKind::For { var, iter, body } => {
                let iter = match iter {
                    ForIter::Range(from, to) => format!("{}..{}", expr(from), expr(to)),
                    ForIter::Each(collection) => expr(collection),
                };
                self.block(&format!("for {} in {iter}", var.text), start, body);
                return;
            }
            StmtKind::As { account, body } => {
                self.block(&format!("as {}", expr(account)), start, body);
                return;
            }
            StmtKind::Error => return,
        };
        self.line(&text, end);
    }

    /// `if a { } else if b { } else { }`: the closing brace and the next
    /// arm share a line.
    fn if_chain(&mut self, arms: &[(Expr, Block)], otherwise: Option<&Block>, start: u32) {
        let mut header_start = start;
        let mut prefix = String::new();
        let count = arms.len();
        for (index, (condition, body)) in arms.iter().enumerate() {
            let header = format!("{prefix}if {}", expr(condition));
            let last = index + 1 == count && otherwise.is_none();
            self.chain_block(&header, header_start, body, last);
            header_start = body.span.end;
            prefix = "} else ".to_string();
        }
        if let Some(otherwise) = otherwise {
            self.chain_block("} else", header_start, otherwise, true);
        }
    }

    /// One arm of an `if` chain; all but the last leave their `}` to the next arm.
    fn chain_block(&mut self, header: &str, header_end: u32, block: &Block, last: bool) {
        self.line(&format!("{header} {{"), header_end);
        self.indent += 1;
        self.at_block_start = true;
        for stmt in &block.stmts {
            self.stmt(stmt);
        }
        self.flush_comments(block.span.end.saturating_sub(1));
        self.indent -= 1;
        if last {
            self.line("}", block.span.end);
        }
        self.at_block_start = false;
    }
}

fn field_text(field: &Field) -> String {
    let default = field
        .default
        .as_ref()
        .map(|value| format!(" = {}", expr(value)))
        .unwrap_or_default();
    format!("{}: {}{default}", field.name.text, ty(&field.ty))
}

fn params(fields: &[Field]) -> String {
    fields.iter().map(field_text).collect::<Vec<_>>().join(", ")
}

fn args(arguments: &[Arg]) -> String {
    arguments
        .iter()
        .map(|arg| match &arg.name {
            Some(name) => format!("{}: {}", name.text, expr(&arg.value)),
            None => expr(&arg.value),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Prints a type; parenthesises where the grammar needs it to read back the same.
pub fn ty(t: &Type) -> String {
    match &t.kind {
        TypeKind::Named(name) => name.text.clone(),
        TypeKind::Map(key, value) => {
            let value_text = match value.kind {
                TypeKind::Per(..) => format!("({})", ty(value)),
                _ => ty(value),
            };
            format!("map[{}] {value_text}", ty(key))
        }
        TypeKind::List(element, bound) => format!("list[{}, {}]", ty(element), expr(bound)),
        TypeKind::Per(base, unit) => {
            let base_text = match base.kind {
                TypeKind::Per(..) => format!("({})", ty(base)),
                _ => ty(base),
            };
            format!("{base_text} per {}", unit.text)
        }
        TypeKind::Error => String::new(),
    }
}

/// Prints an expression in canonical spacing.
pub fn expr(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Number(digits) | ExprKind::Hex(digits) => digits.clone(),
        ExprKind::Quantity { number, unit } => {
            let mut text = number.clone();
            match &unit.unit {
                Some(name) => {
                    text.push(' ');
                    text.push_str(&name.text);
                }
                None => text.push('%'),
            }
            if let Some(per) = &unit.per {
                text.push_str(" per ");
                text.push_str(&per.text);
            }
            text
        }
        ExprKind::Str(raw) => format!("\"{raw}\""),
        ExprKind::Bool(value) => value.to_string(),
        ExprKind::Name(name) => name.clone(),
        ExprKind::List(items) => format!(
            "[{}]",
            items.iter().map(expr).collect::<Vec<_>>().join(", ")
        ),
        ExprKind::Paren(inner) => format!("({})", expr(inner)),
        ExprKind::Unary { ops, operand } => {
            let mut text = String::new();
            for (op, _) in ops {
                text.push_str(match op {
                    UnaryOp::Not => "not ",
                    UnaryOp::Neg => "-",
                });
            }
            text.push_str(&expr(operand));
            text
        }
        ExprKind::Binary { first, rest } => {
            let mut text = expr(first);
            for (op, _, operand) in rest {
                text.push(' ');
                text.push_str(op.as_str());
                text.push(' ');
                text.push_str(&expr(operand));
            }
            text
        }
        ExprKind::Compare {
            left, op, right, ..
        } => format!("{} {} {}", expr(left), op.as_str(), expr(right)),
        ExprKind::Power { base, exponent } => format!("{} ** {}", expr(base), expr(exponent)),
        ExprKind::Postfix { base, suffixes } => {
            let mut text = expr(base);
            for suffix in suffixes {
                match &suffix.kind {
                    SuffixKind::Member(name) => {
                        text.push('.');
                        text.push_str(&name.text);
                    }
                    SuffixKind::Call(arguments) => {
                        text.push('(');
                        text.push_str(&args(arguments));
                        text.push(')');
                    }
                    SuffixKind::Index(index) => {
                        text.push('[');
                        text.push_str(&expr(index));
                        text.push(']');
                    }
                }
            }
            text
        }
        ExprKind::Error => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::format;

    #[test]
    fn canonical_spacing_and_comments() {
        let source = "// head\nparam   x :uint=1 // trailing\n\n\n\nmechanism M{\n  state{ a:uint }\n  // before action\n  action f(v:uint){ a+=v\n  }\n}\n";
        let formatted = format(source).expect("formats");
        assert_eq!(
            formatted,
            "// head\nparam x: uint = 1 // trailing\n\nmechanism M {\n    state {\n        a: uint\n    }\n    // before action\n    action f(v: uint) {\n        a += v\n    }\n}\n"
        );
        assert_eq!(format(&formatted).expect("formats"), formatted);
    }

    #[test]
    fn if_chains_share_brace_lines() {
        let source = "mechanism M {\n    action f(v: uint) {\n        if v > 1 {\n            revert \"a\"\n        }\n        else if v > 0 { revert \"b\" } else {\n            revert \"c\"\n        }\n    }\n}\n";
        let formatted = format(source).expect("formats");
        assert!(
            formatted.contains("        } else if v > 0 {\n"),
            "{formatted}"
        );
        assert!(formatted.contains("        } else {\n"), "{formatted}");
        assert_eq!(format(&formatted).expect("formats"), formatted);
    }

    #[test]
    fn refuses_files_with_syntax_errors() {
        assert!(format("mechanism {").is_err());
    }
}
