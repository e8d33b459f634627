//! Values and expressions as a person reads them: exact literals in their
//! units with digit grouping (`650,000,000 EMB`, `3%`, `1 year`), and
//! expressions in Tok's own notation, rebuilt from the typed program (so
//! that instances of templates read as well as code written in the file).

use ethnum::U256;
use tok_sema::Ty;
use tok_sema::hir::{
    ArithOp, Builtin, Callee, CompareOp, Expr, ExprKind, GovernorMethod, TokenMethod, VestingMethod,
};
use tok_sema::signatures::Signatures;
use tok_sema::types::TimeUnit;
use tok_sema::vocabulary::BUILTIN_FUNCTIONS;

/// `value` with `scale` implied decimals, grouped in thousands with
/// commas: `1,234.5`.
pub fn decimal(value: U256, scale: u32) -> String {
    grouped(value, scale, ',', 4)
}

/// `value` with `scale` implied decimals, its whole part grouped in
/// thousands with `separator` once it has at least `from` digits.
fn grouped(value: U256, scale: u32, separator: char, from: usize) -> String {
    let unit = U256::from(10u8).pow(scale);
    let whole = (value / unit).to_string();
    let mut out = String::new();
    for (index, digit) in whole.chars().enumerate() {
        if whole.len() >= from && index > 0 && (whole.len() - index).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(digit);
    }
    let fraction = value % unit;
    if fraction == U256::ZERO {
        return out;
    }
    let fraction = format!("{:0>width$}", fraction.to_string(), width = scale as usize);
    format!("{out}.{}", fraction.trim_end_matches('0'))
}

/// How numbers are written: in prose (`1,000,000 EMB`) or as Tok code
/// (`1_000_000 EMB`, where a comma would separate arguments).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Prose,
    Code,
}

fn number(value: U256, scale: u32, style: Style) -> String {
    match style {
        Style::Prose => decimal(value, scale),
        Style::Code => grouped(value, scale, '_', 5),
    }
}

/// A WAD ratio as a percentage: `3%`, `0.25%`.
pub fn percent(wad: U256) -> String {
    format!("{}%", decimal(wad, 16))
}

/// Seconds in the largest unit that divides them: `1 year`, `30 days`,
/// `90 seconds`.
pub fn duration(seconds: U256) -> String {
    if seconds == U256::ZERO {
        return "0 seconds".to_string();
    }
    let units = [
        TimeUnit::Year,
        TimeUnit::Week,
        TimeUnit::Day,
        TimeUnit::Hour,
        TimeUnit::Minute,
        TimeUnit::Second,
    ];
    for unit in units {
        let size = U256::from(unit.seconds());
        if seconds % size == U256::ZERO {
            let count = seconds / size;
            let plural = if count == U256::ONE { "" } else { "s" };
            return format!("{} {}{plural}", decimal(count, 0), unit.name());
        }
    }
    format!("{} seconds", decimal(seconds, 0))
}

/// Time since deployment for a timeline: `at deployment`, an exact
/// duration when one unit divides it (`1 year`), else days to two
/// decimals (`212.5 days`, rounded down).
pub fn elapsed(seconds: U256) -> String {
    let day = U256::from(TimeUnit::Day.seconds());
    if seconds == U256::ZERO {
        "at deployment".to_string()
    } else if seconds < day || seconds % day == U256::ZERO {
        duration(seconds)
    } else {
        let hundredths = seconds * U256::from(100u8) / day;
        format!("{} days", decimal(hundredths, 2))
    }
}

/// An exact value of type `ty` in its unit: `650,000,000 EMB`, `5% per
/// year`, `2 days`.
pub fn value(sigs: &Signatures, value: U256, ty: &Ty) -> String {
    styled(sigs, value, ty, Style::Prose)
}

/// `value` of type `ty`, written in `style`.
pub fn styled(sigs: &Signatures, value: U256, ty: &Ty, style: Style) -> String {
    match ty {
        Ty::Amount(token) => {
            let decimals = sigs.tokens.get(token).map_or(18, |sig| sig.decimals);
            format!("{} {token}", number(value, decimals, style))
        }
        Ty::Ratio => format!("{}%", number(value, 16, style)),
        Ty::Duration => duration(value),
        Ty::Rate(inner, period) => format!(
            "{} per {}",
            styled(sigs, value, inner, style),
            period.name()
        ),
        Ty::Price { quote, base } => {
            let decimals = |token: &str| sigs.tokens.get(token).map_or(18, |sig| sig.decimals);
            // WAD-scaled quote base units per base base unit.
            match value.checked_mul(U256::from(10u8).pow(decimals(base))) {
                Some(scaled) => format!(
                    "{} {quote} per {base}",
                    number(scaled, 18 + decimals(quote), style)
                ),
                None => format!("{value} (WAD) {quote} per {base}"),
            }
        }
        Ty::Timestamp => format!("{} (seconds since 1970)", number(value, 0, style)),
        _ => number(value, 0, style),
    }
}

/// Binding strength of an expression's top operator (atoms bind tightest).
const UNARY: u8 = 8;

fn precedence(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Or(_) => 1,
        ExprKind::And(_) => 2,
        ExprKind::Not(_) => 3,
        ExprKind::Compare { .. } => 4,
        ExprKind::Arith { op, .. } => match op {
            ArithOp::Add | ArithOp::Sub | ArithOp::FloatAdd | ArithOp::FloatSub => 5,
            ArithOp::Pow | ArithOp::PowWad | ArithOp::FloatPow => 7,
            _ => 6,
        },
        ExprKind::Neg(_) => UNARY,
        _ => 9,
    }
}

/// The literal value of `expr`, when it is one.
pub fn literal(expr: &Expr) -> Option<U256> {
    match expr.kind {
        ExprKind::Int(value) => Some(value),
        _ => None,
    }
}

/// An expression in Tok's notation. Literals are written exactly in their
/// units; names as declared; `mechanism` is the mechanism the expression
/// belongs to, whose own fields need no prefix.
pub fn expr(sigs: &Signatures, e: &Expr, mechanism: Option<&str>) -> String {
    let go = |inner: &Expr| expr(sigs, inner, mechanism);
    // An operand binding less tightly than its operator gets parentheses,
    // and so does a right operand binding equally (`a - (b - c)`).
    let operand_at = |inner: &Expr, parent: u8, right: bool| {
        let own = precedence(inner);
        if own < parent || (right && own == parent && parent < UNARY) {
            format!("({})", go(inner))
        } else {
            go(inner)
        }
    };
    let parent = precedence(e);
    let operand = |inner: &Expr| operand_at(inner, parent, false);
    let right = |inner: &Expr| operand_at(inner, parent, true);
    let list = |items: &[Expr]| items.iter().map(go).collect::<Vec<_>>().join(", ");
    match &e.kind {
        ExprKind::Int(v) => styled(sigs, *v, &e.ty, Style::Code),
        ExprKind::Float(bits) => format!("{}", f64::from_bits(*bits)),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Str(text) => format!("{text:?}"),
        ExprKind::Address(address) => {
            tok_sema::checksum::checksummed(address.trim_start_matches("0x"))
        }
        ExprKind::Param(name) | ExprKind::Local(name) | ExprKind::Series(name) => name.clone(),
        ExprKind::Contract(name) => name.clone(),
        ExprKind::State {
            mechanism: owner,
            field,
        } => match mechanism {
            Some(current) if current == owner => field.clone(),
            _ => format!("{owner}.{field}"),
        },
        ExprKind::AgentState { field, .. } => field.clone(),
        ExprKind::Builtin(builtin) => match builtin {
            Builtin::Now => "now",
            Builtin::Caller => "caller",
            Builtin::SelfAddress => "self",
            Builtin::AgentIndex => "index",
            Builtin::StepIndex => "current_step",
            Builtin::Deployed => "deployed",
            Builtin::Max => "max",
        }
        .to_string(),
        ExprKind::Agent { population, index } => format!("{population}[{}]", go(index)),
        ExprKind::Index { base, index } => format!("{}[{}]", go(base), go(index)),
        // A population's size is `.count`; a list's, `.length`.
        ExprKind::Length(base) => match base.kind {
            ExprKind::Contract(_) => format!("{}.count", go(base)),
            _ => format!("{}.length", go(base)),
        },
        ExprKind::List(items) => format!("[{}]", list(items)),
        ExprKind::Arith { op, lhs, rhs } => {
            let symbol = match op {
                ArithOp::Add | ArithOp::FloatAdd => "+",
                ArithOp::Sub | ArithOp::FloatSub => "-",
                ArithOp::Mul | ArithOp::MulWad | ArithOp::MulPer(_) | ArithOp::FloatMul => "*",
                ArithOp::Div | ArithOp::DivWad | ArithOp::FloatDiv => "/",
                ArithOp::Rem => "%",
                ArithOp::Pow | ArithOp::PowWad | ArithOp::FloatPow => "**",
            };
            // `**` groups to the right.
            if matches!(op, ArithOp::Pow | ArithOp::PowWad | ArithOp::FloatPow) {
                format!("{} {symbol} {}", right(lhs), operand(rhs))
            } else {
                format!("{} {symbol} {}", operand(lhs), right(rhs))
            }
        }
        ExprKind::Compare { op, lhs, rhs } => {
            let symbol = match op {
                CompareOp::Eq => "==",
                CompareOp::Ne => "!=",
                CompareOp::Lt => "<",
                CompareOp::Le => "<=",
                CompareOp::Gt => ">",
                CompareOp::Ge => ">=",
            };
            format!("{} {symbol} {}", right(lhs), right(rhs))
        }
        ExprKind::And(items) => items.iter().map(operand).collect::<Vec<_>>().join(" and "),
        ExprKind::Or(items) => items.iter().map(operand).collect::<Vec<_>>().join(" or "),
        ExprKind::Not(inner) => format!("not {}", operand(inner)),
        ExprKind::Neg(inner) => format!("-{}", operand(inner)),
        ExprKind::Call { callee, args } => {
            // `list.push(x)`, `list.contains(x)`: the list comes first.
            if let (Callee::ListPush | Callee::ListContains, [list, item]) =
                (callee, args.as_slice())
            {
                let method = if *callee == Callee::ListPush {
                    "push"
                } else {
                    "contains"
                };
                return format!("{}.{method}({})", go(list), go(item));
            }
            let args = list(args);
            match callee {
                Callee::Token {
                    token,
                    method: TokenMethod::TotalSupply,
                } => format!("{token}.total_supply"),
                Callee::Token { token, method } => format!("{token}.{}({args})", method.name()),
                Callee::Action {
                    mechanism: owner,
                    action: name,
                }
                | Callee::View {
                    mechanism: owner,
                    view: name,
                } => match mechanism {
                    Some(current) if current == owner => format!("{name}({args})"),
                    _ => format!("{owner}.{name}({args})"),
                },
                Callee::Function(function) => {
                    let name = (BUILTIN_FUNCTIONS.iter())
                        .find(|(_, f)| f == function)
                        .map_or("?", |(name, _)| name);
                    format!("{name}({args})")
                }
                Callee::Vesting { vesting, method } => match method {
                    VestingMethod::Release => format!("{vesting}.release()"),
                    VestingMethod::Releasable => format!("{vesting}.releasable"),
                    VestingMethod::Released => format!("{vesting}.released"),
                },
                Callee::Governor { governor, method } => match method {
                    GovernorMethod::Propose { param } => {
                        format!("{governor}.propose({param}, {args})")
                    }
                    GovernorMethod::Vote => format!("{governor}.vote({args})"),
                    GovernorMethod::Execute => format!("{governor}.execute({args})"),
                    GovernorMethod::ProposalCount => format!("{governor}.proposals"),
                },
                Callee::ListPush => format!("push({args})"),
                Callee::ListContains => format!("contains({args})"),
            }
        }
        ExprKind::Error => "?".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_written() {
        assert_eq!(decimal(U256::from(650_000_000u64), 0), "650,000,000");
        assert_eq!(decimal(U256::from(1_234_500u64), 3), "1,234.5");
        assert_eq!(decimal(U256::from(999u64), 0), "999");
        assert_eq!(percent(U256::from(3u64) * U256::from(10u8).pow(16)), "3%");
        assert_eq!(
            percent(U256::from(25u64) * U256::from(10u8).pow(14)),
            "0.25%"
        );
        assert_eq!(duration(U256::from(31_536_000u64)), "1 year");
        assert_eq!(duration(U256::from(2_592_000u64)), "30 days");
        assert_eq!(duration(U256::from(1_209_600u64)), "2 weeks");
        assert_eq!(duration(U256::from(90u64)), "90 seconds");
    }
}
