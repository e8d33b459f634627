//! A text form of the HIR (`tok build --emit hir`): every expression shows
//! its resolved meaning and its type, literals their exact scaled value.

use std::fmt::Write;

use crate::hir::*;

/// Prints a program; deterministic, one construct per line.
pub fn print(program: &Program) -> String {
    let mut printer = Printer::default();
    for located in &program.items {
        printer.item(&located.item);
    }
    printer.out
}

#[derive(Default)]
struct Printer {
    out: String,
    depth: usize,
}

impl Printer {
    fn line(&mut self, text: impl AsRef<str>) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        self.out.push_str(text.as_ref());
        self.out.push('\n');
    }

    fn nested(&mut self, f: impl FnOnce(&mut Self)) {
        self.depth += 1;
        f(self);
        self.depth -= 1;
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Use(path) => self.line(format!("use {}", path.join("."))),
            Item::Param(param) => {
                let default = param
                    .default
                    .as_ref()
                    .map(|d| format!(" = {}", expr(d)))
                    .unwrap_or_default();
                self.line(format!("param {}: {}{default}", param.name, param.ty));
            }
            Item::Token(token) => {
                self.line(format!(
                    "token {} name={:?} symbol={:?} decimals={}",
                    token.name, token.display_name, token.symbol, token.decimals
                ));
                self.nested(|p| {
                    let flags: Vec<&str> = [
                        ("burnable", token.burnable),
                        ("pausable", token.pausable),
                        ("votes", token.votes),
                        ("permit", token.permit),
                    ]
                    .iter()
                    .filter(|(_, on)| *on)
                    .map(|(name, _)| *name)
                    .collect();
                    if !flags.is_empty() {
                        p.line(format!("flags {}", flags.join(" ")));
                    }
                    if let Some(cap) = &token.cap {
                        p.line(format!("cap {}", expr(cap)));
                    }
                    if let Some(owner) = &token.owner {
                        p.line(format!("owner {}", expr(owner)));
                    }
                    if !token.minters.is_empty() {
                        p.line(format!("minters {}", list(&token.minters)));
                    }
                    if let Some(fee) = &token.transfer_fee {
                        let to = token.fee_to.as_ref().map_or("burn".to_string(), expr);
                        p.line(format!(
                            "transfer_fee {} to {to} exempt {}",
                            expr(fee),
                            list(&token.fee_exempt)
                        ));
                    }
                    for mint in &token.mints {
                        p.line(format!("mint {} to {}", expr(&mint.amount), expr(&mint.to)));
                    }
                });
            }
            Item::Mechanism(mechanism) => {
                self.line(format!("mechanism {}", mechanism.name));
                self.nested(|p| {
                    for field in &mechanism.state {
                        let init = field
                            .init
                            .as_ref()
                            .map(|i| format!(" = {}", expr(i)))
                            .unwrap_or_default();
                        p.line(format!("state {}: {}{init}", field.name, field.ty));
                    }
                    for event in &mechanism.events {
                        p.line(format!("event {}({})", event.name, fields(&event.fields)));
                    }
                    for action in &mechanism.actions {
                        p.function("action", action);
                    }
                    for view in &mechanism.views {
                        p.function("view", view);
                    }
                    for hook in &mechanism.hooks {
                        p.line(format!("every {}", expr(&hook.period)));
                        p.nested(|p| p.block(&hook.body));
                    }
                    for invariant in &mechanism.invariants {
                        let message = invariant
                            .message
                            .as_ref()
                            .map(|m| format!(" else {m:?}"))
                            .unwrap_or_default();
                        p.line(format!("invariant {}{message}", expr(&invariant.condition)));
                    }
                });
            }
            Item::Vesting(vesting) => {
                self.line(format!("vesting {} token={}", vesting.name, vesting.token));
                self.nested(|p| {
                    p.line(format!("beneficiary {}", expr(&vesting.beneficiary)));
                    for (name, value) in [
                        ("start", &vesting.start),
                        ("cliff", &vesting.cliff),
                        ("tge", &vesting.tge),
                    ] {
                        if let Some(value) = value {
                            p.line(format!("{name} {}", expr(value)));
                        }
                    }
                    p.line(format!("duration {}", expr(&vesting.duration)));
                });
            }
            Item::Governor(governor) => {
                self.line(format!(
                    "governor {} token={}",
                    governor.name, governor.token
                ));
                self.nested(|p| {
                    p.line(format!("voting_delay {}", expr(&governor.voting_delay)));
                    p.line(format!("voting_period {}", expr(&governor.voting_period)));
                    p.line(format!("quorum {}", expr(&governor.quorum)));
                    if let Some(threshold) = &governor.proposal_threshold {
                        p.line(format!("proposal_threshold {}", expr(threshold)));
                    }
                    p.line(format!("timelock {}", expr(&governor.timelock)));
                    p.line(format!("governs [{}]", governor.governs.join(", ")));
                });
            }
            Item::Scenario(scenario) => {
                self.line(format!(
                    "scenario {} order={:?}",
                    scenario.name, scenario.order
                ));
                self.nested(|p| {
                    p.line(format!("steps {}", expr(&scenario.steps)));
                    p.line(format!("period {}", expr(&scenario.period)));
                    p.line(format!("runs {}", expr(&scenario.runs)));
                    p.line(format!("seed {}", expr(&scenario.seed)));
                    for series in &scenario.series {
                        p.line(format!(
                            "series {} = {}",
                            series.name,
                            expr(&series.process)
                        ));
                    }
                    if let Some(setup) = &scenario.setup {
                        p.line("setup");
                        p.nested(|p| p.block(setup));
                    }
                    for agents in &scenario.agents {
                        p.line(format!("agents {}[{}]", agents.name, expr(&agents.count)));
                        p.nested(|p| {
                            for field in &agents.state {
                                let init = field
                                    .init
                                    .as_ref()
                                    .map(|i| format!(" = {}", expr(i)))
                                    .unwrap_or_default();
                                p.line(format!("state {}: {}{init}", field.name, field.ty));
                            }
                            if let Some(start) = &agents.start {
                                p.line("start");
                                p.nested(|p| p.block(start));
                            }
                            if let Some(each) = &agents.each_step {
                                p.line("each step");
                                p.nested(|p| p.block(each));
                            }
                        });
                    }
                    if let Some(each) = &scenario.each_step {
                        p.line("each step");
                        p.nested(|p| p.block(each));
                    }
                    for sweep in &scenario.sweeps {
                        p.line(format!("sweep {} in {}", sweep.param, list(&sweep.values)));
                    }
                    for (name, value) in &scenario.records {
                        p.line(format!("record {name} = {}", expr(value)));
                    }
                });
            }
        }
    }

    fn function(&mut self, keyword: &str, function: &Function) {
        let access = if function.access.is_empty() {
            String::new()
        } else {
            let names: Vec<String> = function
                .access
                .iter()
                .map(|access| match access {
                    Access::Param(name) => format!("param {name}"),
                    Access::Governor(name) => format!("governor {name}"),
                    Access::Mechanism(name) => format!("mechanism {name}"),
                })
                .collect();
            format!(" only {}", names.join(", "))
        };
        let returns = function
            .returns
            .as_ref()
            .map(|ty| format!(" -> {ty}"))
            .unwrap_or_default();
        self.line(format!(
            "{keyword} {}({}){returns}{access}",
            function.name,
            fields(&function.params)
        ));
        self.nested(|p| p.block(&function.body));
    }

    fn block(&mut self, block: &Block) {
        for stmt in &block.stmts {
            self.stmt(stmt);
        }
    }

    fn stmt(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::Let { name, value } => self.line(format!("let {name} = {}", expr(value))),
            Stmt::Assign { place, op, value } => {
                let op = op
                    .map(|op| format!("{op:?}"))
                    .unwrap_or_else(|| "Set".to_string());
                self.line(format!("assign {op} {} {}", expr(place), expr(value)));
            }
            Stmt::Call(call) => self.line(format!("do {}", expr(call))),
            Stmt::Require { condition, reason } => {
                self.line(format!("require {} else {reason:?}", expr(condition)))
            }
            Stmt::Revert { reason } => self.line(format!("revert {reason:?}")),
            Stmt::Emit { event, args } => self.line(format!("emit {event}{}", tuple(args))),
            Stmt::If { arms, otherwise } => {
                for (index, (condition, body)) in arms.iter().enumerate() {
                    let keyword = if index == 0 { "if" } else { "else if" };
                    self.line(format!("{keyword} {}", expr(condition)));
                    self.nested(|p| p.block(body));
                }
                if let Some(otherwise) = otherwise {
                    self.line("else");
                    self.nested(|p| p.block(otherwise));
                }
            }
            Stmt::ForRange {
                var,
                start,
                end,
                body,
            } => {
                self.line(format!("for {var} in {} .. {}", expr(start), expr(end)));
                self.nested(|p| p.block(body));
            }
            Stmt::ForEach {
                var,
                collection,
                body,
            } => {
                self.line(format!("for {var} in {}", expr(collection)));
                self.nested(|p| p.block(body));
            }
            Stmt::Return(value) => self.line(format!("return {}", expr(value))),
            Stmt::As { account, body } => {
                self.line(format!("as {}", expr(account)));
                self.nested(|p| p.block(body));
            }
        }
    }
}

fn fields(fields: &[(String, crate::types::Ty)]) -> String {
    fields
        .iter()
        .map(|(name, ty)| format!("{name}: {ty}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn list(items: &[Expr]) -> String {
    format!(
        "[{}]",
        items.iter().map(expr).collect::<Vec<_>>().join(", ")
    )
}

fn tuple(items: &[Expr]) -> String {
    format!(
        "({})",
        items.iter().map(expr).collect::<Vec<_>>().join(", ")
    )
}

/// `(operation operands...): type`
fn expr(e: &Expr) -> String {
    let mut text = String::new();
    let body = match &e.kind {
        ExprKind::Int(value) => value.to_string(),
        ExprKind::Float(bits) => format!("{:?}", f64::from_bits(*bits)),
        ExprKind::Bool(value) => value.to_string(),
        ExprKind::Str(value) => format!("{value:?}"),
        ExprKind::Address(value) => value.clone(),
        ExprKind::Param(name) => format!("param {name}"),
        ExprKind::Local(name) => format!("local {name}"),
        ExprKind::State { mechanism, field } => format!("state {mechanism}.{field}"),
        ExprKind::AgentState { population, field } => format!("agent {population}.{field}"),
        ExprKind::Series(name) => format!("series {name}"),
        ExprKind::Builtin(builtin) => format!("{builtin:?}").to_lowercase(),
        ExprKind::Contract(name) => format!("address-of {name}"),
        ExprKind::Agent { population, index } => format!("(agent {population} {})", expr(index)),
        ExprKind::Index { base, index } => format!("(index {} {})", expr(base), expr(index)),
        ExprKind::Length(base) => format!("(length {})", expr(base)),
        ExprKind::List(items) => list(items),
        ExprKind::Arith { op, lhs, rhs } => format!("({op:?} {} {})", expr(lhs), expr(rhs)),
        ExprKind::Compare { op, lhs, rhs } => format!("({op:?} {} {})", expr(lhs), expr(rhs)),
        ExprKind::And(items) => format!(
            "(and {})",
            items.iter().map(expr).collect::<Vec<_>>().join(" ")
        ),
        ExprKind::Or(items) => format!(
            "(or {})",
            items.iter().map(expr).collect::<Vec<_>>().join(" ")
        ),
        ExprKind::Not(inner) => format!("(not {})", expr(inner)),
        ExprKind::Neg(inner) => format!("(neg {})", expr(inner)),
        ExprKind::Call { callee, args } => {
            let callee = match callee {
                Callee::Token { token, method } => format!("{token}.{}", method.name()),
                Callee::Action { mechanism, action } => format!("action {mechanism}.{action}"),
                Callee::View { mechanism, view } => format!("view {mechanism}.{view}"),
                Callee::Function(function) => format!("{function:?}").to_lowercase(),
                Callee::Vesting { vesting, method } => {
                    format!("{vesting}.{method:?}").to_lowercase()
                }
                Callee::Governor { governor, method } => match method {
                    GovernorMethod::Propose { param } => format!("{governor}.propose {param}"),
                    other => format!("{governor}.{other:?}").to_lowercase(),
                },
                Callee::ListPush => "push".to_string(),
                Callee::ListContains => "contains".to_string(),
            };
            format!(
                "(call {callee}{})",
                if args.is_empty() {
                    String::new()
                } else {
                    format!(" {}", args.iter().map(expr).collect::<Vec<_>>().join(" "))
                }
            )
        }
        ExprKind::Error => "<error>".to_string(),
    };
    let _ = write!(text, "{body}:{}", e.ty);
    text
}
