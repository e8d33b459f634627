//! The unit algebra: which operand types an operator accepts, what it
//! returns, and which exact operation implements it.

use tok_syntax::ast::BinaryOp;

use crate::hir::ArithOp;
use crate::types::Ty;

/// Why two operand types do not combine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnitError {
    /// Amounts of two different tokens.
    Tokens(String, String),
    /// Rates over different periods.
    Periods,
    /// Anything else.
    Operands,
}

/// Types the arithmetic `lhs op rhs`.
pub fn arithmetic(op: BinaryOp, lhs: &Ty, rhs: &Ty) -> Result<(Ty, ArithOp), UnitError> {
    use Ty::*;
    let same = |result: Ty, integer: ArithOp, float: ArithOp| {
        Ok(if result == Float {
            (result, float)
        } else {
            (result, integer)
        })
    };
    match op {
        BinaryOp::Add | BinaryOp::Sub => {
            let (integer, float) = if op == BinaryOp::Add {
                (ArithOp::Add, ArithOp::FloatAdd)
            } else {
                (ArithOp::Sub, ArithOp::FloatSub)
            };
            match (lhs, rhs) {
                (Amount(a), Amount(b)) if a != b => Err(UnitError::Tokens(a.clone(), b.clone())),
                (Rate(a, p), Rate(b, q)) if a == b && p != q => Err(UnitError::Periods),
                (Timestamp, Duration) => Ok((Timestamp, integer)),
                (Duration, Timestamp) if op == BinaryOp::Add => Ok((Timestamp, integer)),
                (Timestamp, Timestamp) if op == BinaryOp::Sub => Ok((Duration, integer)),
                (Timestamp, Timestamp) => Err(UnitError::Operands),
                (a, b) if a == b && a.is_numeric() => same(a.clone(), integer, float),
                _ => Err(UnitError::Operands),
            }
        }
        BinaryOp::Mul => match (lhs, rhs) {
            (Float, Float) => Ok((Float, ArithOp::FloatMul)),
            (Uint, Uint) => Ok((Uint, ArithOp::Mul)),
            (q, Uint) | (Uint, q) if scales_by_uint(q) => Ok((q.clone(), ArithOp::Mul)),
            (Amount(_) | Duration | Ratio, Ratio) | (Ratio, Amount(_) | Duration) => {
                let quantity = if *lhs == Ratio { rhs } else { lhs };
                Ok((quantity.clone(), ArithOp::MulWad))
            }
            (Rate(..), Ratio) => Ok((lhs.clone(), ArithOp::MulWad)),
            (Ratio, Rate(..)) => Ok((rhs.clone(), ArithOp::MulWad)),
            (Rate(quantity, period), Duration) | (Duration, Rate(quantity, period)) => {
                Ok(((**quantity).clone(), ArithOp::MulPer(*period)))
            }
            (Amount(_), Rate(inner, period)) | (Rate(inner, period), Amount(_))
                if **inner == Ratio =>
            {
                let amount = if matches!(lhs, Amount(_)) { lhs } else { rhs };
                Ok((Rate(Box::new(amount.clone()), *period), ArithOp::MulWad))
            }
            (Amount(token), Price { quote, base }) | (Price { quote, base }, Amount(token)) => {
                if token == base {
                    Ok((Amount(quote.clone()), ArithOp::MulWad))
                } else {
                    Err(UnitError::Tokens(token.clone(), base.clone()))
                }
            }
            (Price { .. }, Ratio) => Ok((lhs.clone(), ArithOp::MulWad)),
            (Ratio, Price { .. }) => Ok((rhs.clone(), ArithOp::MulWad)),
            _ => Err(UnitError::Operands),
        },
        BinaryOp::Div => match (lhs, rhs) {
            (Float, Float) => Ok((Float, ArithOp::FloatDiv)),
            (Uint, Uint) => Ok((Uint, ArithOp::Div)),
            (q, Uint) if scales_by_uint(q) => Ok((q.clone(), ArithOp::Div)),
            (Amount(a), Amount(b)) if a == b => Ok((Ratio, ArithOp::DivWad)),
            (Amount(a), Amount(b)) => Ok((
                Price {
                    quote: a.clone(),
                    base: b.clone(),
                },
                ArithOp::DivWad,
            )),
            (Amount(token), Price { quote, base }) => {
                if token == quote {
                    Ok((Amount(base.clone()), ArithOp::DivWad))
                } else {
                    Err(UnitError::Tokens(token.clone(), quote.clone()))
                }
            }
            (Ratio, Ratio) => Ok((Ratio, ArithOp::DivWad)),
            (Amount(_) | Duration | Rate(..) | Price { .. }, Ratio) => {
                Ok((lhs.clone(), ArithOp::DivWad))
            }
            (Duration, Duration) => Ok((Uint, ArithOp::Div)),
            _ => Err(UnitError::Operands),
        },
        BinaryOp::Rem => match (lhs, rhs) {
            (Uint, Uint) => Ok((Uint, ArithOp::Rem)),
            (a, b) if a == b && matches!(a, Duration | Amount(_)) => Ok((a.clone(), ArithOp::Rem)),
            _ => Err(UnitError::Operands),
        },
        BinaryOp::And | BinaryOp::Or => Err(UnitError::Operands),
    }
}

/// Quantities that may be multiplied or divided by a plain count.
fn scales_by_uint(ty: &Ty) -> bool {
    matches!(
        ty,
        Ty::Amount(_) | Ty::Duration | Ty::Ratio | Ty::Rate(..) | Ty::Price { .. }
    )
}

/// Whether `lhs` and `rhs` may be compared with `<`, `==`...
pub fn comparable(lhs: &Ty, rhs: &Ty, ordering: bool) -> bool {
    if lhs != rhs {
        return false;
    }
    if ordering {
        lhs.is_numeric()
    } else {
        !matches!(lhs, Ty::Map(..) | Ty::List(_) | Ty::Void)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::TimeUnit;

    fn emb() -> Ty {
        Ty::Amount("EMB".into())
    }

    #[test]
    fn amounts_and_ratios() {
        assert_eq!(
            arithmetic(BinaryOp::Mul, &emb(), &Ty::Ratio),
            Ok((emb(), ArithOp::MulWad))
        );
        assert_eq!(
            arithmetic(BinaryOp::Div, &emb(), &emb()),
            Ok((Ty::Ratio, ArithOp::DivWad))
        );
        assert_eq!(
            arithmetic(BinaryOp::Add, &emb(), &Ty::Amount("USDC".into())),
            Err(UnitError::Tokens("EMB".into(), "USDC".into()))
        );
        assert_eq!(
            arithmetic(BinaryOp::Add, &Ty::Duration, &emb()),
            Err(UnitError::Operands)
        );
    }

    #[test]
    fn rates_need_a_duration_to_become_quantities() {
        let inflation = Ty::Rate(Box::new(Ty::Ratio), TimeUnit::Year);
        let (per_year, op) = arithmetic(BinaryOp::Mul, &emb(), &inflation).expect("amount * rate");
        assert_eq!(op, ArithOp::MulWad);
        assert_eq!(
            arithmetic(BinaryOp::Mul, &per_year, &Ty::Duration),
            Ok((emb(), ArithOp::MulPer(TimeUnit::Year)))
        );
    }

    #[test]
    fn prices_convert_between_tokens() {
        let price = Ty::Price {
            quote: "USDC".into(),
            base: "EMB".into(),
        };
        assert_eq!(
            arithmetic(BinaryOp::Mul, &emb(), &price),
            Ok((Ty::Amount("USDC".into()), ArithOp::MulWad))
        );
        assert_eq!(
            arithmetic(BinaryOp::Div, &Ty::Amount("USDC".into()), &emb()),
            Ok((price, ArithOp::DivWad))
        );
    }

    #[test]
    fn time_arithmetic() {
        assert_eq!(
            arithmetic(BinaryOp::Sub, &Ty::Timestamp, &Ty::Timestamp),
            Ok((Ty::Duration, ArithOp::Sub))
        );
        assert_eq!(
            arithmetic(BinaryOp::Div, &Ty::Duration, &Ty::Duration),
            Ok((Ty::Uint, ArithOp::Div))
        );
        assert!(arithmetic(BinaryOp::Add, &Ty::Timestamp, &Ty::Timestamp).is_err());
    }
}
