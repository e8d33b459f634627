//! Risks the compiler can see in a program's structure: single keys with
//! power over everyone's tokens, supply without a cap, params a vote can
//! set to anything, loops whose cost grows, concentrated allocations. It
//! cannot see intent: an empty list is not a clean bill of health.

use std::fmt::Write as _;

use ethnum::U256;
use tok_sema::hir::{Access, Block, ExprKind, Stmt};

use crate::{Explainer, WAD, percent_rounded, ratio_of, render};

/// A share of the initial supply, going to one address, above which the
/// concentration is worth saying.
const CONCENTRATED: u128 = WAD / 2;

pub(crate) fn write(x: &Explainer<'_>, out: &mut String) {
    let mut risks: Vec<String> = Vec::new();
    for token in &x.tokens {
        if token.pausable {
            let owner = token
                .owner
                .as_ref()
                .map_or("its owner".to_string(), |o| x.who(o));
            risks.push(format!(
                "**Owner power**: {owner} can freeze every `{}` transfer, holders' included, for as long as it likes.",
                token.name
            ));
        }
        if token.cap.is_none() && !token.minters.is_empty() {
            risks.push(format!(
                "**Unbounded supply**: `{}` has no cap; its supply is bounded only by what its minters' code does.",
                token.name
            ));
        }
        for minter in &token.minters {
            if let ExprKind::Param(name) = &minter.kind {
                risks.push(format!(
                    "**Owner power**: `{name}`, one address, can mint `{}` at will{}.",
                    token.name,
                    if token.cap.is_some() {
                        " up to the cap"
                    } else {
                        ""
                    }
                ));
            }
        }
        if let Some(fee) = &token.transfer_fee {
            if let ExprKind::Param(param) = &fee.kind {
                for governor in x.governors_of(param) {
                    risks.push(format!(
                        "**Fee can change**: `{governor}` can change the `{}` transfer fee `{param}` by vote, to any ratio up to 100%.",
                        token.name
                    ));
                }
            }
            if let Some(to) = &token.fee_to
                && let ExprKind::Param(name) = &to.kind
            {
                risks.push(format!(
                    "**Fees to one key**: every `{}` fee goes to `{name}`, a single address.",
                    token.name
                ));
            }
        }
        if let Some(total) = x.minted_at_deployment(token) {
            for mint in &token.mints {
                let (ExprKind::Param(name), Some(amount)) =
                    (&mint.to.kind, render::literal(&mint.amount))
                else {
                    continue;
                };
                let Some(share) = ratio_of(amount, total).filter(|_| total > U256::ZERO) else {
                    continue;
                };
                if share > U256::from(CONCENTRATED) {
                    risks.push(format!(
                        "**Concentration**: `{name}`, one address, receives {} of `{}`'s initial supply, unvested.",
                        percent_rounded(share),
                        token.name
                    ));
                }
            }
        }
    }
    for mechanism in &x.mechanisms {
        for action in &mechanism.actions {
            for access in &action.access {
                if let Access::Param(name) = access {
                    risks.push(format!(
                        "**Single key**: only `{name}` can call `{}.{}`; if that key is lost or stolen, so is the action.",
                        mechanism.name, action.name
                    ));
                }
            }
        }
        let bodies = (mechanism
            .actions
            .iter()
            .map(|a| (format!("`{}.{}`", mechanism.name, a.name), &a.body)))
        .chain(
            mechanism
                .hooks
                .iter()
                .map(|h| (format!("`{}`'s hook", mechanism.name), &h.body)),
        );
        for (name, body) in bodies {
            for bound in loop_bounds(x, body, &mechanism.name) {
                risks.push(format!(
                    "**Gas grows**: {name} runs {bound}; its cost grows with it."
                ));
            }
        }
    }
    for governor in &x.governors {
        for param in &governor.governs {
            risks.push(format!(
                "**Unbounded governance**: `{}` can set `{param}` to any value of its type; the program declares no range for it.",
                governor.name
            ));
        }
        if render::literal(&governor.timelock) == Some(U256::ZERO) {
            risks.push(format!(
                "**No timelock**: a passed `{}` proposal takes effect at once; holders have no time to exit.",
                governor.name
            ));
        }
    }
    let _ = writeln!(out, "## Risks the compiler can see\n");
    if risks.is_empty() {
        let _ = writeln!(out, "None in the program's structure.");
    }
    for risk in &risks {
        let _ = writeln!(out, "- {risk}");
    }
    let _ = writeln!(
        out,
        "\nThis list comes from the program's structure: who holds which power, what is bounded and what is not. It does not judge whether the economics are sound."
    );
}

/// The loops of a body, as `a loop over `holders``.
fn loop_bounds(x: &Explainer<'_>, body: &Block, mechanism: &str) -> Vec<String> {
    let mut found = Vec::new();
    for stmt in &body.stmts {
        match stmt {
            Stmt::ForEach {
                collection, body, ..
            } => {
                let bound = (x.mechanisms.iter())
                    .flat_map(|m| m.state.iter().map(move |f| (m, f)))
                    .find_map(|(m, field)| match &collection.kind {
                        ExprKind::State {
                            mechanism: owner,
                            field: name,
                        } if *owner == m.name && *name == field.name => {
                            field.bound.as_ref().and_then(render::literal)
                        }
                        _ => None,
                    });
                let most = bound.map_or(String::new(), |b| {
                    format!(" (at most {} entries)", render::decimal(b, 0))
                });
                found.push(format!(
                    "a loop over {}{most}",
                    x.code_in(collection, mechanism)
                ));
                found.extend(loop_bounds(x, body, mechanism));
            }
            Stmt::ForRange { end, body, .. } => {
                if render::literal(end).is_none() {
                    found.push(format!("a loop up to {}", x.code_in(end, mechanism)));
                }
                found.extend(loop_bounds(x, body, mechanism));
            }
            Stmt::If { arms, otherwise } => {
                for (_, block) in arms {
                    found.extend(loop_bounds(x, block, mechanism));
                }
                if let Some(block) = otherwise {
                    found.extend(loop_bounds(x, block, mechanism));
                }
            }
            Stmt::As { body, .. } => found.extend(loop_bounds(x, body, mechanism)),
            _ => {}
        }
    }
    found
}
