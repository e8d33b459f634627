//! Every expression of a checked item, for the tools that read the typed
//! program rather than names: the language server's literal hovers and
//! hints, the draft evaluation's facts.

use crate::hir::{Block, Expr, ExprKind, Item, Stmt};

/// Calls `visit` on every expression of `item`, outer before inner.
pub fn exprs(item: &Item, visit: &mut dyn FnMut(&Expr)) {
    let mut all: Vec<&Expr> = Vec::new();
    let mut blocks: Vec<&Block> = Vec::new();
    match item {
        Item::Use(_) => {}
        Item::Param(param) => all.extend(&param.default),
        Item::Token(token) => {
            all.extend(&token.cap);
            for mint in &token.mints {
                all.extend([&mint.amount, &mint.to]);
            }
            all.extend(&token.owner);
            all.extend(&token.minters);
            all.extend(&token.transfer_fee);
            all.extend(&token.fee_to);
            all.extend(&token.fee_exempt);
        }
        Item::Mechanism(mechanism) => {
            for field in &mechanism.state {
                all.extend(field.init.iter().chain(&field.bound));
            }
            for function in mechanism.actions.iter().chain(&mechanism.views) {
                blocks.push(&function.body);
            }
            for hook in &mechanism.hooks {
                all.push(&hook.period);
                blocks.push(&hook.body);
            }
            all.extend(mechanism.invariants.iter().map(|i| &i.condition));
        }
        Item::Vesting(vesting) => {
            all.extend([&vesting.beneficiary, &vesting.duration]);
            all.extend(
                vesting
                    .start
                    .iter()
                    .chain(&vesting.cliff)
                    .chain(&vesting.tge),
            );
        }
        Item::Governor(governor) => {
            all.extend([
                &governor.voting_delay,
                &governor.voting_period,
                &governor.quorum,
                &governor.timelock,
            ]);
            all.extend(&governor.proposal_threshold);
        }
        Item::Scenario(scenario) => {
            all.extend([
                &scenario.steps,
                &scenario.period,
                &scenario.runs,
                &scenario.seed,
            ]);
            all.extend(scenario.series.iter().map(|s| &s.process));
            for agents in &scenario.agents {
                all.push(&agents.count);
                all.extend(agents.state.iter().filter_map(|f| f.init.as_ref()));
                blocks.extend(agents.start.iter().chain(&agents.each_step));
            }
            blocks.extend(scenario.setup.iter().chain(&scenario.each_step));
            for sweep in &scenario.sweeps {
                all.extend(&sweep.values);
            }
            all.extend(scenario.records.iter().map(|(_, value)| value));
        }
    }
    for expr in all {
        expr_tree(expr, visit);
    }
    for block in blocks {
        block_exprs(block, visit);
    }
}

fn block_exprs(block: &Block, visit: &mut dyn FnMut(&Expr)) {
    for stmt in &block.stmts {
        match stmt {
            Stmt::Let { value, .. } | Stmt::Return(value) | Stmt::Call(value) => {
                expr_tree(value, visit)
            }
            Stmt::Assign { place, value, .. } => {
                expr_tree(place, visit);
                expr_tree(value, visit);
            }
            Stmt::Require { condition, .. } => expr_tree(condition, visit),
            Stmt::Revert { .. } => {}
            Stmt::Emit { args, .. } => args.iter().for_each(|arg| expr_tree(arg, visit)),
            Stmt::If { arms, otherwise } => {
                for (condition, body) in arms {
                    expr_tree(condition, visit);
                    block_exprs(body, visit);
                }
                if let Some(otherwise) = otherwise {
                    block_exprs(otherwise, visit);
                }
            }
            Stmt::ForRange {
                start, end, body, ..
            } => {
                expr_tree(start, visit);
                expr_tree(end, visit);
                block_exprs(body, visit);
            }
            Stmt::ForEach {
                collection, body, ..
            } => {
                expr_tree(collection, visit);
                block_exprs(body, visit);
            }
            Stmt::As { account, body } => {
                expr_tree(account, visit);
                block_exprs(body, visit);
            }
        }
    }
}

fn expr_tree(expr: &Expr, visit: &mut dyn FnMut(&Expr)) {
    visit(expr);
    match &expr.kind {
        ExprKind::Agent { index, .. } => expr_tree(index, visit),
        ExprKind::Index { base, index } => {
            expr_tree(base, visit);
            expr_tree(index, visit);
        }
        ExprKind::Length(inner) | ExprKind::Not(inner) | ExprKind::Neg(inner) => {
            expr_tree(inner, visit)
        }
        ExprKind::Arith { lhs, rhs, .. } | ExprKind::Compare { lhs, rhs, .. } => {
            expr_tree(lhs, visit);
            expr_tree(rhs, visit);
        }
        ExprKind::List(items) | ExprKind::And(items) | ExprKind::Or(items) => {
            items.iter().for_each(|item| expr_tree(item, visit))
        }
        ExprKind::Call { args, .. } => args.iter().for_each(|arg| expr_tree(arg, visit)),
        ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Bool(_)
        | ExprKind::Str(_)
        | ExprKind::Address(_)
        | ExprKind::Param(_)
        | ExprKind::Local(_)
        | ExprKind::State { .. }
        | ExprKind::AgentState { .. }
        | ExprKind::Series(_)
        | ExprKind::Builtin(_)
        | ExprKind::Contract(_)
        | ExprKind::Error => {}
    }
}
