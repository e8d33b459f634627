//! Walking MIR: every expression of a block, nested ones included.

use crate::*;

/// Calls `f` on every expression in `block`, outermost first.
pub fn block_exprs<'b>(block: &'b Block, f: &mut impl FnMut(&'b Expr)) {
    for stmt in block {
        stmt_exprs(stmt, f);
    }
}

pub fn stmt_exprs<'b>(stmt: &'b Stmt, f: &mut impl FnMut(&'b Expr)) {
    let each = |exprs: &'b [Expr], f: &mut dyn FnMut(&'b Expr)| {
        for expr in exprs {
            expr_tree(expr, f);
        }
    };
    match stmt {
        Stmt::Set { value, .. } | Stmt::StoreAgent { value, .. } | Stmt::Return(value) => {
            expr_tree(value, f)
        }
        Stmt::Store { keys, value, .. } | Stmt::Push { keys, value, .. } => {
            each(keys, f);
            expr_tree(value, f);
        }
        Stmt::Require { condition, .. } => expr_tree(condition, f),
        Stmt::Revert { .. } => {}
        Stmt::Emit { args, .. } => each(args, f),
        Stmt::If { arms, otherwise } => {
            for (condition, body) in arms {
                expr_tree(condition, f);
                block_exprs(body, f);
            }
            block_exprs(otherwise, f);
        }
        Stmt::ForRange {
            start, end, body, ..
        } => {
            expr_tree(start, f);
            expr_tree(end, f);
            block_exprs(body, f);
        }
        Stmt::ForEach { keys, body, .. } => {
            each(keys, f);
            block_exprs(body, f);
        }
        Stmt::ForAgents { body, .. } => block_exprs(body, f),
        Stmt::Call(call) => match call {
            Call::Action { args, .. } | Call::Token { args, .. } => each(args, f),
            Call::VestingRelease { .. } => {}
            Call::Propose { value, .. } => expr_tree(value, f),
            Call::Vote {
                proposal, support, ..
            } => {
                expr_tree(proposal, f);
                expr_tree(support, f);
            }
            Call::Execute { proposal, .. } => expr_tree(proposal, f),
        },
        Stmt::As { account, body } => {
            expr_tree(account, f);
            block_exprs(body, f);
        }
    }
}

/// Calls `f` on `expr` and every expression inside it.
pub fn expr_tree<'b>(expr: &'b Expr, f: &mut dyn FnMut(&'b Expr)) {
    f(expr);
    match &expr.kind {
        ExprKind::Load { keys, .. } | ExprKind::ListLength { keys, .. } => {
            for key in keys {
                expr_tree(key, f);
            }
        }
        ExprKind::ListContains { keys, value, .. } => {
            for key in keys {
                expr_tree(key, f);
            }
            expr_tree(value, f);
        }
        ExprKind::Agent { index, .. } => expr_tree(index, f),
        ExprKind::Binary { lhs, rhs, .. } | ExprKind::Compare { lhs, rhs, .. } => {
            expr_tree(lhs, f);
            expr_tree(rhs, f);
        }
        ExprKind::MulDiv(a, b, c) => {
            expr_tree(a, f);
            expr_tree(b, f);
            expr_tree(c, f);
        }
        ExprKind::And(items) | ExprKind::Or(items) => {
            for item in items {
                expr_tree(item, f);
            }
        }
        ExprKind::Not(inner) | ExprKind::Neg(inner) | ExprKind::Bernoulli(inner) => {
            expr_tree(inner, f)
        }
        ExprKind::ToFloat { value, .. } => expr_tree(value, f),
        ExprKind::Normal { mean, sd } => {
            expr_tree(mean, f);
            expr_tree(sd, f);
        }
        ExprKind::TokenRead { args, .. } | ExprKind::View { args, .. } => {
            for arg in args {
                expr_tree(arg, f);
            }
        }
        _ => {}
    }
}

/// Calls `f` on every statement in `block`, nested ones included.
pub fn block_stmts<'b>(block: &'b Block, f: &mut impl FnMut(&'b Stmt)) {
    for stmt in block {
        f(stmt);
        match stmt {
            Stmt::If { arms, otherwise } => {
                for (_, body) in arms {
                    block_stmts(body, f);
                }
                block_stmts(otherwise, f);
            }
            Stmt::ForRange { body, .. }
            | Stmt::ForEach { body, .. }
            | Stmt::ForAgents { body, .. }
            | Stmt::As { body, .. } => {
                block_stmts(body, f);
            }
            _ => {}
        }
    }
}
