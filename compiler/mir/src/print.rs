//! The text form of MIR (`tok build --emit mir`): every index is shown with
//! the name it stands for, every operation explicitly.

use std::fmt::Write;

use crate::*;

pub fn print(program: &Program) -> String {
    let mut p = Printer {
        program,
        out: String::new(),
        depth: 0,
        locals: Vec::new(),
    };
    for (id, param) in program.params.iter().enumerate() {
        let default = param
            .default
            .as_ref()
            .map(|d| format!(" = {}", p.expr(d)))
            .unwrap_or_default();
        p.line(format!(
            "param p{id} {}: {:?}{default}",
            param.name, param.repr
        ));
    }
    for (id, token) in program.tokens.iter().enumerate() {
        p.line(format!(
            "token t{id} {} decimals={}",
            token.name, token.decimals
        ));
        p.depth += 1;
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
            let cap = p.expr(cap);
            p.line(format!("cap {cap}"));
        }
        if let Some(fee) = &token.transfer_fee {
            let fee = p.expr(fee);
            let to = token
                .fee_to
                .as_ref()
                .map_or("burn".to_string(), |e| p.expr(e));
            let exempt: Vec<String> = token.fee_exempt.iter().map(|e| p.expr(e)).collect();
            p.line(format!(
                "transfer_fee {fee} to {to} exempt [{}]",
                exempt.join(", ")
            ));
        }
        for (amount, to) in &token.mints {
            let line = format!("mint {} to {}", p.expr(amount), p.expr(to));
            p.line(line);
        }
        p.depth -= 1;
    }
    for (id, mechanism) in program.mechanisms.iter().enumerate() {
        p.line(format!("mechanism m{id} {}", mechanism.name));
        p.depth += 1;
        for (index, field) in mechanism.fields.iter().enumerate() {
            let init = field
                .init
                .as_ref()
                .map(|e| format!(" = {}", p.expr(e)))
                .unwrap_or_default();
            p.line(format!(
                "field f{index} {}: {:?}{init}",
                field.name, field.shape
            ));
        }
        for (index, event) in mechanism.events.iter().enumerate() {
            p.line(format!("event e{index} {}{:?}", event.name, event.fields));
        }
        for (index, action) in mechanism.actions.iter().enumerate() {
            p.function("action", index, action);
        }
        for (index, view) in mechanism.views.iter().enumerate() {
            p.function("view", index, view);
        }
        for hook in &mechanism.hooks {
            let period = p.expr(&hook.period);
            p.body(&format!("every {period}"), &hook.body);
        }
        for invariant in &mechanism.invariants {
            let condition = p.expr(&invariant.condition);
            p.line(format!("invariant {condition} {:?}", invariant.message));
        }
        p.depth -= 1;
    }
    for (id, scenario) in program.scenarios.iter().enumerate() {
        p.line(format!(
            "scenario s{id} {} {:?}",
            scenario.name, scenario.order
        ));
        p.depth += 1;
        let header = format!(
            "steps {} period {} runs {} seed {}",
            p.expr(&scenario.steps),
            p.expr(&scenario.period),
            p.expr(&scenario.runs),
            p.expr(&scenario.seed)
        );
        p.line(header);
        for (index, series) in scenario.series.iter().enumerate() {
            p.line(format!(
                "series x{index} {} {:?}",
                series.name, series.process
            ));
        }
        if let Some(setup) = &scenario.setup {
            p.body("setup", setup);
        }
        for (index, population) in scenario.populations.iter().enumerate() {
            let count = p.expr(&population.count);
            p.line(format!("population a{index} {}[{count}]", population.name));
            p.depth += 1;
            for (field_index, field) in population.fields.iter().enumerate() {
                p.line(format!(
                    "field f{field_index} {}: {:?}",
                    field.name, field.shape
                ));
            }
            if let Some(start) = &population.start {
                p.body("start", start);
            }
            if let Some(each) = &population.each_step {
                p.body("each step", each);
            }
            p.depth -= 1;
        }
        if let Some(each) = &scenario.each_step {
            p.body("each step", each);
        }
        for sweep in &scenario.sweeps {
            let values: Vec<String> = sweep.values.iter().map(|v| p.expr(v)).collect();
            p.line(format!("sweep p{} [{}]", sweep.param, values.join(", ")));
        }
        for record in &scenario.records {
            let value = p.expr(&record.value);
            p.line(format!("record {} = {value}", record.name));
        }
        p.depth -= 1;
    }
    p.out
}

struct Printer<'p> {
    program: &'p Program,
    out: String,
    depth: usize,
    locals: Vec<(String, Repr)>,
}

impl Printer<'_> {
    fn line(&mut self, text: impl AsRef<str>) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        self.out.push_str(text.as_ref());
        self.out.push('\n');
    }

    fn function(&mut self, keyword: &str, index: usize, function: &Function) {
        let returns = function
            .returns
            .map(|r| format!(" -> {r:?}"))
            .unwrap_or_default();
        let access = if function.access.is_empty() {
            String::new()
        } else {
            format!(" only {:?}", function.access)
        };
        self.body(
            &format!("{keyword} {index} {}{returns}{access}", function.name),
            &function.body,
        );
    }

    fn body(&mut self, header: &str, body: &Body) {
        let saved = std::mem::replace(&mut self.locals, body.locals.clone());
        let locals: Vec<String> = body
            .locals
            .iter()
            .enumerate()
            .map(|(i, (name, repr))| format!("l{i} {name}: {repr:?}"))
            .collect();
        self.line(format!(
            "{header} params={} locals [{}]",
            body.params,
            locals.join(", ")
        ));
        self.depth += 1;
        self.block(&body.block);
        self.depth -= 1;
        self.locals = saved;
    }

    fn block(&mut self, block: &Block) {
        for stmt in block {
            self.stmt(stmt);
        }
    }

    fn keys(&self, keys: &[Expr]) -> String {
        keys.iter().map(|k| format!("[{}]", self.expr(k))).collect()
    }

    fn field(&self, mechanism: MechanismId, field: FieldId) -> String {
        let m = self.program.mechanisms.get(mechanism.index());
        let name = m
            .and_then(|m| m.fields.get(field.index()))
            .map_or("?", |f| f.name.as_str());
        format!("m{mechanism}.f{field}:{name}")
    }

    fn stmt(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::Set { local, value } => self.line(format!("l{local} = {}", self.expr(value))),
            Stmt::Store {
                mechanism,
                field,
                keys,
                value,
            } => {
                self.line(format!(
                    "store {}{} = {}",
                    self.field(*mechanism, *field),
                    self.keys(keys),
                    self.expr(value)
                ));
            }
            Stmt::StoreAgent {
                population,
                field,
                value,
            } => self.line(format!(
                "store agent a{population}.f{field} = {}",
                self.expr(value)
            )),
            Stmt::Push {
                mechanism,
                field,
                keys,
                value,
            } => {
                self.line(format!(
                    "push {}{} {}",
                    self.field(*mechanism, *field),
                    self.keys(keys),
                    self.expr(value)
                ));
            }
            Stmt::Require { condition, reason } => {
                self.line(format!("require {} else {reason:?}", self.expr(condition)))
            }
            Stmt::Revert { reason } => self.line(format!("revert {reason:?}")),
            Stmt::Emit { event, args } => self.line(format!("emit e{event}({})", self.list(args))),
            Stmt::If { arms, otherwise } => {
                for (index, (condition, body)) in arms.iter().enumerate() {
                    self.line(format!(
                        "{} {}",
                        if index == 0 { "if" } else { "elif" },
                        self.expr(condition)
                    ));
                    self.depth += 1;
                    self.block(body);
                    self.depth -= 1;
                }
                if !otherwise.is_empty() {
                    self.line("else");
                    self.depth += 1;
                    self.block(otherwise);
                    self.depth -= 1;
                }
            }
            Stmt::ForRange {
                local,
                start,
                end,
                body,
            } => {
                self.line(format!(
                    "for l{local} in {} .. {}",
                    self.expr(start),
                    self.expr(end)
                ));
                self.depth += 1;
                self.block(body);
                self.depth -= 1;
            }
            Stmt::ForEach {
                local,
                mechanism,
                field,
                keys,
                body,
            } => {
                self.line(format!(
                    "for l{local} in {}{}",
                    self.field(*mechanism, *field),
                    self.keys(keys)
                ));
                self.depth += 1;
                self.block(body);
                self.depth -= 1;
            }
            Stmt::ForAgents {
                local,
                population,
                body,
            } => {
                self.line(format!("for l{local} in agents a{population}"));
                self.depth += 1;
                self.block(body);
                self.depth -= 1;
            }
            Stmt::Return(value) => self.line(format!("return {}", self.expr(value))),
            Stmt::Call(call) => {
                let text = match call {
                    Call::Action {
                        mechanism,
                        action,
                        args,
                    } => format!("call m{mechanism}.action{action}({})", self.list(args)),
                    Call::Token { token, op, args } => {
                        format!("call t{token}.{op:?}({})", self.list(args))
                    }
                    Call::VestingRelease { vesting } => format!("call v{vesting}.release()"),
                    Call::Propose {
                        governor,
                        param,
                        value,
                    } => format!("call g{governor}.propose(p{param}, {})", self.expr(value)),
                    Call::Vote {
                        governor,
                        proposal,
                        support,
                    } => format!(
                        "call g{governor}.vote({}, {})",
                        self.expr(proposal),
                        self.expr(support)
                    ),
                    Call::Execute { governor, proposal } => {
                        format!("call g{governor}.execute({})", self.expr(proposal))
                    }
                };
                self.line(text);
            }
            Stmt::As { account, body } => {
                self.line(format!("as {}", self.expr(account)));
                self.depth += 1;
                self.block(body);
                self.depth -= 1;
            }
        }
    }

    fn list(&self, items: &[Expr]) -> String {
        items
            .iter()
            .map(|e| self.expr(e))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn expr(&self, expr: &Expr) -> String {
        let mut text = String::new();
        let _ = match &expr.kind {
            ExprKind::Int(value) => write!(text, "{value}"),
            ExprKind::Float(value) => write!(text, "{value:?}f"),
            ExprKind::Bool(value) => write!(text, "{value}"),
            ExprKind::Str(value) => write!(text, "{value:?}"),
            ExprKind::AddressLiteral(value) => write!(text, "{value}"),
            ExprKind::Param(id) => {
                let name = self
                    .program
                    .params
                    .get(id.index())
                    .map_or("?", |p| p.name.as_str());
                write!(text, "p{id}:{name}")
            }
            ExprKind::Local(id) => {
                let name = self.locals.get(id.index()).map_or("?", |(n, _)| n.as_str());
                write!(text, "l{id}:{name}")
            }
            ExprKind::Load {
                mechanism,
                field,
                keys,
            } => write!(
                text,
                "load {}{}",
                self.field(*mechanism, *field),
                self.keys(keys)
            ),
            ExprKind::AgentField { population, field } => {
                write!(text, "agent a{population}.f{field}")
            }
            ExprKind::Series(id) => write!(text, "series x{id}"),
            ExprKind::Env(env) => write!(text, "{}", format!("{env:?}").to_lowercase()),
            ExprKind::Entity(entity) => write!(text, "address {entity:?}"),
            ExprKind::Agent { population, index } => {
                write!(text, "agent a{population}[{}]", self.expr(index))
            }
            ExprKind::PopulationSize(id) => write!(text, "size a{id}"),
            ExprKind::Binary { op, lhs, rhs } => {
                write!(text, "({op:?} {} {})", self.expr(lhs), self.expr(rhs))
            }
            ExprKind::MulDiv(a, b, c) => write!(
                text,
                "(MulDiv {} {} {})",
                self.expr(a),
                self.expr(b),
                self.expr(c)
            ),
            ExprKind::Compare { op, lhs, rhs } => {
                write!(text, "({op:?} {} {})", self.expr(lhs), self.expr(rhs))
            }
            ExprKind::And(items) => write!(
                text,
                "(and {})",
                items
                    .iter()
                    .map(|e| self.expr(e))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            ExprKind::Or(items) => write!(
                text,
                "(or {})",
                items
                    .iter()
                    .map(|e| self.expr(e))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            ExprKind::Not(inner) => write!(text, "(not {})", self.expr(inner)),
            ExprKind::Neg(inner) => write!(text, "(neg {})", self.expr(inner)),
            ExprKind::TokenRead { token, read, args } => {
                write!(text, "t{token}.{read:?}({})", self.list(args))
            }
            ExprKind::View {
                mechanism,
                view,
                args,
            } => write!(text, "m{mechanism}.view{view}({})", self.list(args)),
            ExprKind::ListLength {
                mechanism,
                field,
                keys,
            } => write!(
                text,
                "length {}{}",
                self.field(*mechanism, *field),
                self.keys(keys)
            ),
            ExprKind::ListContains {
                mechanism,
                field,
                keys,
                value,
            } => {
                write!(
                    text,
                    "contains {}{} {}",
                    self.field(*mechanism, *field),
                    self.keys(keys),
                    self.expr(value)
                )
            }
            ExprKind::VestingRead { vesting, read } => write!(text, "v{vesting}.{read:?}"),
            ExprKind::ProposalCount(governor) => write!(text, "g{governor}.proposals"),
            ExprKind::Uniform => write!(text, "uniform()"),
            ExprKind::Normal { mean, sd } => {
                write!(text, "normal({}, {})", self.expr(mean), self.expr(sd))
            }
            ExprKind::Bernoulli(p) => write!(text, "bernoulli({})", self.expr(p)),
            ExprKind::ToFloat { value, scale } => {
                write!(text, "(float {} / {scale:e})", self.expr(value))
            }
            ExprKind::Sum { mechanism, field } => {
                write!(text, "sum {}", self.field(*mechanism, *field))
            }
        };
        text
    }
}
