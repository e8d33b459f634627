//! A mechanism told back: its state, what runs by itself, and for each
//! action who may call it, what it requires, the tokens it moves and the
//! state it changes, read off the typed bodies.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use tok_sema::hir::{
    Access, Block, Callee, Expr, ExprKind, Function, GovernorMethod, MechanismDef, Stmt,
    TokenMethod, VestingMethod,
};

use crate::{Explainer, join_and, join_or};

/// The longest expression a local's name is replaced by, in characters.
const INLINE_LIMIT: usize = 48;

/// What a body does, in the order first met.
#[derive(Default)]
pub(crate) struct Effects {
    pub requires: Vec<String>,
    pub moves: Vec<String>,
    pub calls: Vec<String>,
    pub updates: BTreeSet<String>,
    pub emits: BTreeSet<String>,
    pub loops: Vec<String>,
    /// What each `let` so far bound, with earlier locals already inlined:
    /// effects read `mints VOTE.total_supply * inflation * 1 day`, not
    /// `mints amount`.
    lets: BTreeMap<String, Expr>,
}

impl Effects {
    pub(crate) fn of(explainer: &Explainer<'_>, body: &Block, mechanism: &str) -> Effects {
        let mut effects = Effects::default();
        effects.block(explainer, body, mechanism);
        effects
    }

    fn block(&mut self, x: &Explainer<'_>, block: &Block, m: &str) {
        for stmt in &block.stmts {
            self.stmt(x, stmt, m);
        }
    }

    /// `expr` in Tok notation with the locals bound so far inlined.
    fn show(&self, x: &Explainer<'_>, expr: &Expr, m: &str) -> String {
        x.code_in(&self.inline(expr), m)
    }

    fn inline(&self, expr: &Expr) -> Expr {
        let go = |e: &Expr| Box::new(self.inline(e));
        let kind = match &expr.kind {
            ExprKind::Local(name) => match self.lets.get(name) {
                Some(bound) => return bound.clone(),
                None => return expr.clone(),
            },
            ExprKind::Arith { op, lhs, rhs } => ExprKind::Arith {
                op: *op,
                lhs: go(lhs),
                rhs: go(rhs),
            },
            ExprKind::Compare { op, lhs, rhs } => ExprKind::Compare {
                op: *op,
                lhs: go(lhs),
                rhs: go(rhs),
            },
            ExprKind::Index { base, index } => ExprKind::Index {
                base: go(base),
                index: go(index),
            },
            ExprKind::Not(inner) => ExprKind::Not(go(inner)),
            ExprKind::Call { callee, args } => ExprKind::Call {
                callee: callee.clone(),
                args: args.iter().map(|a| self.inline(a)).collect(),
            },
            _ => return expr.clone(),
        };
        Expr {
            kind,
            ty: expr.ty.clone(),
            span: expr.span,
        }
    }

    fn stmt(&mut self, x: &Explainer<'_>, stmt: &Stmt, m: &str) {
        match stmt {
            Stmt::Let { name, value } => {
                self.expr(x, value, m);
                // Inlined where it reads better: a short expression.
                let bound = self.inline(value);
                if x.code_in(&bound, m).len() <= INLINE_LIMIT {
                    self.lets.insert(name.clone(), bound);
                } else {
                    self.lets.remove(name);
                }
            }
            Stmt::Return(value) | Stmt::Call(value) => self.expr(x, value, m),
            Stmt::Assign { place, value, .. } => {
                if let Some(field) = root_field(place, m) {
                    self.updates.insert(field);
                }
                // A local assigned again no longer has one value.
                if let ExprKind::Local(name) = &place.kind {
                    self.lets.remove(name);
                }
                self.expr(x, value, m);
            }
            Stmt::Require { condition, reason } => {
                self.requires.push(format!(
                    "{} (else \"{reason}\")",
                    self.show(x, condition, m)
                ));
                self.expr(x, condition, m);
            }
            Stmt::Revert { reason } => self
                .requires
                .push(format!("reverts with \"{reason}\" where it says so")),
            Stmt::Emit { event, args } => {
                self.emits.insert(format!("`{event}`"));
                args.iter().for_each(|a| self.expr(x, a, m));
            }
            Stmt::If { arms, otherwise } => {
                for (condition, body) in arms {
                    self.expr(x, condition, m);
                    self.block(x, body, m);
                }
                if let Some(body) = otherwise {
                    self.block(x, body, m);
                }
            }
            Stmt::ForRange {
                start, end, body, ..
            } => {
                self.loops.push(format!(
                    "a loop from {} to {}",
                    self.show(x, start, m),
                    self.show(x, end, m)
                ));
                self.block(x, body, m);
            }
            Stmt::ForEach {
                collection, body, ..
            } => {
                self.loops
                    .push(format!("a loop over {}", self.show(x, collection, m)));
                self.block(x, body, m);
            }
            Stmt::As { body, .. } => self.block(x, body, m),
        }
    }

    fn expr(&mut self, x: &Explainer<'_>, expr: &Expr, m: &str) {
        match &expr.kind {
            ExprKind::Call { callee, args } => {
                self.call(x, callee, args, m);
                args.iter().for_each(|a| self.expr(x, a, m));
            }
            ExprKind::Index { base, index } => {
                self.expr(x, base, m);
                self.expr(x, index, m);
            }
            ExprKind::Arith { lhs, rhs, .. } | ExprKind::Compare { lhs, rhs, .. } => {
                self.expr(x, lhs, m);
                self.expr(x, rhs, m);
            }
            ExprKind::And(items) | ExprKind::Or(items) | ExprKind::List(items) => {
                items.iter().for_each(|i| self.expr(x, i, m))
            }
            ExprKind::Not(inner) | ExprKind::Neg(inner) | ExprKind::Length(inner) => {
                self.expr(x, inner, m)
            }
            ExprKind::Agent { index, .. } => self.expr(x, index, m),
            _ => {}
        }
    }

    fn call(&mut self, x: &Explainer<'_>, callee: &Callee, args: &[Expr], m: &str) {
        let arg = |i: usize| args.get(i).map_or("?".to_string(), |a| self.show(x, a, m));
        let sentence = match callee {
            Callee::Token { token, method } => match method {
                TokenMethod::Mint => format!("mints {} of `{token}` to {}", arg(1), arg(0)),
                TokenMethod::Burn => format!("burns {} of the `{token}` it holds", arg(0)),
                TokenMethod::Transfer => format!("sends {} of `{token}` to {}", arg(1), arg(0)),
                TokenMethod::TransferFrom => format!(
                    "moves {} of `{token}` from {} to {} (with an allowance)",
                    arg(2),
                    arg(0),
                    arg(1)
                ),
                TokenMethod::Approve => {
                    format!("approves {} to spend {} of `{token}`", arg(0), arg(1))
                }
                TokenMethod::Delegate => format!("delegates its `{token}` votes to {}", arg(0)),
                TokenMethod::Pause => format!("pauses `{token}`"),
                TokenMethod::Unpause => format!("unpauses `{token}`"),
                _ => return,
            },
            Callee::Action { mechanism, action } if mechanism != m => {
                self.calls.push(format!("`{mechanism}.{action}`"));
                return;
            }
            Callee::Vesting {
                vesting,
                method: VestingMethod::Release,
            } => {
                format!("releases what `{vesting}` has vested to its beneficiary")
            }
            Callee::Governor { governor, method } => match method {
                GovernorMethod::Propose { param } => {
                    format!("proposes to `{governor}` a new `{param}`")
                }
                GovernorMethod::Vote => format!("votes in `{governor}`"),
                GovernorMethod::Execute => format!("executes a `{governor}` proposal"),
                GovernorMethod::ProposalCount => return,
            },
            _ => return,
        };
        if !self.moves.contains(&sentence) {
            self.moves.push(sentence);
        }
    }

    /// The effects as sentences, for a bullet list.
    pub(crate) fn sentences(&self) -> Vec<String> {
        let mut sentences = Vec::new();
        if !self.requires.is_empty() {
            sentences.push(format!("Requires {}.", self.requires.join("; ")));
        }
        if !self.moves.is_empty() {
            sentences.push(format!("{}.", crate::capitalize(&join_and(&self.moves))));
        }
        if !self.calls.is_empty() {
            sentences.push(format!("Calls {}.", join_and(&self.calls)));
        }
        if !self.updates.is_empty() {
            let updates: Vec<String> = self.updates.iter().map(|f| format!("`{f}`")).collect();
            sentences.push(format!("Updates {}.", join_and(&updates)));
        }
        if !self.emits.is_empty() {
            let emits: Vec<String> = self.emits.iter().cloned().collect();
            sentences.push(format!("Emits {}.", join_and(&emits)));
        }
        if !self.loops.is_empty() {
            sentences.push(format!("Contains {}.", join_and(&self.loops)));
        }
        sentences
    }
}

/// The state field an assignment writes, through any indexing.
fn root_field(place: &Expr, mechanism: &str) -> Option<String> {
    match &place.kind {
        ExprKind::Index { base, .. } => root_field(base, mechanism),
        ExprKind::State {
            mechanism: owner,
            field,
        } if owner == mechanism => Some(field.clone()),
        ExprKind::State {
            mechanism: owner,
            field,
        } => Some(format!("{owner}.{field}")),
        _ => None,
    }
}

/// `name(a: T, b: U)`, with ` -> R` for a view.
fn signature(function: &Function) -> String {
    let params: Vec<String> = (function.params.iter())
        .map(|(name, ty)| format!("{name}: {ty}"))
        .collect();
    let returns = function
        .returns
        .as_ref()
        .map_or(String::new(), |ty| format!(" -> {ty}"));
    format!("{}({}){returns}", function.name, params.join(", "))
}

pub(crate) fn mechanism(x: &Explainer<'_>, mechanism: &MechanismDef, out: &mut String) {
    let name = &mechanism.name;
    let _ = writeln!(out, "### `{name}`\n");
    if let Some(doc) = x.doc(name) {
        let _ = writeln!(out, "{doc}\n");
    }
    if !mechanism.state.is_empty() {
        let fields: Vec<String> = (mechanism.state.iter())
            .map(|field| {
                let doc = x
                    .doc(&format!("{name}.{}", field.name))
                    .map_or(String::new(), |d| format!(" ({d})"));
                let ty = match (&field.ty, &field.bound) {
                    (tok_sema::Ty::List(element), Some(bound)) => {
                        format!("list[{element}, {}]", tok_sema_expr(x, bound, name))
                    }
                    (ty, _) => ty.to_string(),
                };
                format!("`{}: {ty}`{doc}", field.name)
            })
            .collect();
        let _ = writeln!(out, "It keeps {}.\n", join_and(&fields));
    }
    for hook in &mechanism.hooks {
        let effects = Effects::of(x, &hook.body, name);
        let _ = writeln!(
            out,
            "**Every {}**, by itself (each action first catches up on missed periods):",
            x.text(&hook.period)
        );
        let sentences = effects.sentences();
        if sentences.is_empty() {
            let _ = writeln!(out, "- changes nothing visible.");
        }
        for sentence in sentences {
            let _ = writeln!(out, "- {sentence}");
        }
        let _ = writeln!(out);
    }
    if !mechanism.actions.is_empty() {
        let _ = writeln!(out, "**Actions**:\n");
        for action in &mechanism.actions {
            let callers: Vec<String> = (action.access.iter())
                .map(|access| match access {
                    Access::Param(p) => format!("`{p}`"),
                    Access::Governor(g) => format!("the governor `{g}`"),
                    Access::Mechanism(m) => format!("the `{m}` contract"),
                })
                .collect();
            let who = if callers.is_empty() {
                "anyone may call it".to_string()
            } else {
                format!("only {} may call it", join_or(&callers))
            };
            let _ = writeln!(out, "- `{}`: {who}.", signature(action));
            if let Some(doc) = x.doc(&format!("{name}.{}", action.name)) {
                let _ = writeln!(out, "  {doc}");
            }
            for sentence in Effects::of(x, &action.body, name).sentences() {
                let _ = writeln!(out, "  {sentence}");
            }
        }
        let _ = writeln!(out);
    }
    if !mechanism.views.is_empty() {
        let views: Vec<String> = (mechanism.views.iter())
            .map(|view| {
                let doc = x
                    .doc(&format!("{name}.{}", view.name))
                    .map_or(String::new(), |d| format!(": {d}"));
                format!("- `{}`{doc}", signature(view))
            })
            .collect();
        let _ = writeln!(out, "**Views** (read-only):\n\n{}\n", views.join("\n"));
    }
    if !mechanism.invariants.is_empty() {
        let _ = writeln!(
            out,
            "**Invariants**, checked after every transaction in simulation and as Foundry invariant tests:\n"
        );
        for invariant in &mechanism.invariants {
            let message = invariant
                .message
                .as_ref()
                .map_or(String::new(), |m| format!(" (\"{m}\")"));
            let _ = writeln!(out, "- {}{message}", x.code_in(&invariant.condition, name));
        }
        let _ = writeln!(out);
    }
}

/// An expression in Tok notation without backticks.
fn tok_sema_expr(x: &Explainer<'_>, expr: &Expr, mechanism: &str) -> String {
    x.code_in(expr, mechanism).trim_matches('`').to_string()
}
