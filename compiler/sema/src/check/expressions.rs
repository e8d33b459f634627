//! Expressions: literals and quantities with their units, operators and
//! the errors that explain a unit mismatch.

use super::*;

impl Checker<'_> {
    /// Checks an expression that must produce a value.
    pub(super) fn value(&mut self, expr: &ast::Expr) -> hir::Expr {
        let value = self.expr(expr);
        if value.ty == Ty::Void {
            self.report(
                Diagnostic::error(Code::VOID_VALUE, expr.span, "this call returns nothing")
                    .with_label("used as a value")
                    .with_help(
                        "actions change state and return nothing; read the result with a view",
                    ),
            );
            return hir::Expr::error(expr.span);
        }
        value
    }

    pub(super) fn expr_expect(&mut self, expr: &ast::Expr, expected: &Ty) -> hir::Expr {
        let value = match (&expr.kind, expected) {
            (ast::ExprKind::List(items), Ty::List(element)) => {
                let items = items
                    .iter()
                    .map(|item| self.expr_expect(item, element))
                    .collect();
                hir::Expr {
                    kind: hir::ExprKind::List(items),
                    ty: expected.clone(),
                    span: expr.span,
                }
            }
            _ => self.value(expr),
        };
        let value = self.adopt_zero(value, expected);
        if value.ty != *expected && !value.ty.is_error() && !expected.is_error() {
            let mut diagnostic = Diagnostic::error(
                Code::TYPE_MISMATCH,
                expr.span,
                format!("expected `{expected}`, found `{}`", value.ty),
            )
            .with_label(format!("this is `{}`", value.ty));
            if value.ty == Ty::Uint && expected.is_numeric() {
                diagnostic = Diagnostic::error(
                    Code::MISSING_UNIT,
                    expr.span,
                    format!("expected `{expected}`, found a plain number"),
                )
                .with_label("this number has no unit")
                .with_help(unit_hint(expected));
                if let Some(unit) = unit_suffix(expected)
                    && matches!(expr.kind, ast::ExprKind::Number(_))
                {
                    let end = Span::new(expr.span.end, expr.span.end);
                    // `%` follows the number; a name follows a space.
                    let written = match unit.starts_with('%') {
                        true => unit.clone(),
                        false => format!(" {unit}"),
                    };
                    diagnostic =
                        diagnostic.with_suggestion(end, written, format!("Add the unit `{unit}`"));
                }
            } else if let (Ty::Rate(found, from), Ty::Rate(wanted, to)) = (&value.ty, expected)
                && found == wanted
            {
                diagnostic = diagnostic.with_help(format!(
                    "a rate per {} is not a rate per {}: write it over the same period",
                    from.name(),
                    to.name()
                ));
                if let Some(written) = rate_literal_over(self.sigs, &value, *to) {
                    let message = format!("Write it as `{written}`");
                    diagnostic = diagnostic.with_suggestion(value.span, written, message);
                }
            } else if let (Ty::Amount(a), Ty::Amount(b)) = (&value.ty, expected) {
                diagnostic = diagnostic.with_help(format!(
                    "convert with a price: `x * price` where `price: {b} per {a}`"
                ));
            }
            self.report(diagnostic);
            return hir::Expr::error(expr.span);
        }
        value
    }

    /// A literal `0` takes the unit of whatever it meets: `x > 0`.
    pub(super) fn adopt_zero(&self, value: hir::Expr, target: &Ty) -> hir::Expr {
        let is_zero =
            value.ty == Ty::Uint && matches!(value.kind, hir::ExprKind::Int(n) if n == U256::ZERO);
        if is_zero && target.is_numeric() && *target != Ty::Float && *target != Ty::Timestamp {
            hir::Expr {
                ty: target.clone(),
                ..value
            }
        } else {
            value
        }
    }

    pub(super) fn expr(&mut self, expr: &ast::Expr) -> hir::Expr {
        let span = expr.span;
        match &expr.kind {
            ast::ExprKind::Number(digits) => self.number(digits, span),
            ast::ExprKind::Hex(digits) => {
                let hex = digits.trim_start_matches("0x").replace('_', "");
                if hex.len() == 40 {
                    self.address_checksum(&hex, span);
                    return hir::Expr {
                        kind: hir::ExprKind::Address(format!("0x{}", hex.to_ascii_lowercase())),
                        ty: Ty::Address,
                        span,
                    };
                }
                match parse_digits(digits, 0) {
                    Ok(value) => int_expr(value, Ty::Uint, span),
                    Err(_) => {
                        self.report(overflow(span));
                        hir::Expr::error(span)
                    }
                }
            }
            ast::ExprKind::Quantity { number, unit } => self.quantity(number, unit, span),
            ast::ExprKind::Str(raw) => match self.string_literal(raw, span) {
                Some(text) => hir::Expr {
                    kind: hir::ExprKind::Str(text),
                    ty: Ty::Str,
                    span,
                },
                None => hir::Expr::error(span),
            },
            ast::ExprKind::Bool(value) => hir::Expr {
                kind: hir::ExprKind::Bool(*value),
                ty: Ty::Bool,
                span,
            },
            ast::ExprKind::Name(name) => {
                let head = self.resolve_name(name, span);
                self.finish(head, span)
            }
            ast::ExprKind::List(items) if self.body != Body::Constant => {
                for item in items {
                    self.value(item);
                }
                self.report(
                    Diagnostic::error(
                        Code::TYPE_MISMATCH,
                        span,
                        "a list literal is not a value in code",
                    )
                    .with_label("lists are written only in settings and sweeps")
                    .with_help("keep a `list[T, bound]` state field and `push` to it"),
                );
                hir::Expr::error(span)
            }
            ast::ExprKind::List(items) => {
                let items: Vec<hir::Expr> = items.iter().map(|item| self.value(item)).collect();
                let element = items
                    .iter()
                    .map(|item| item.ty.clone())
                    .find(|ty| !ty.is_error())
                    .unwrap_or(Ty::Error);
                for item in &items {
                    if item.ty != element && !item.ty.is_error() {
                        self.report(
                            Diagnostic::error(
                                Code::TYPE_MISMATCH,
                                item.span,
                                "list items have different types",
                            )
                            .with_label(format!(
                                "this is `{}`, the first item is `{element}`",
                                item.ty
                            ))
                            .with_help("every item of a list has the same type"),
                        );
                    }
                }
                hir::Expr {
                    kind: hir::ExprKind::List(items),
                    ty: Ty::List(Box::new(element)),
                    span,
                }
            }
            ast::ExprKind::Paren(inner) => self.expr(inner),
            ast::ExprKind::Unary { ops, operand } => {
                let value = self.value(operand);
                // The grammar gives a run of one operator. `not not x` is `x`
                // and `--x` is `x` (float negation is exact), so only the
                // run's parity matters; this keeps the typed tree shallow.
                let Some((op, op_span)) = ops.first().copied() else {
                    return value;
                };
                let applied = self.unary(op, op_span, value.clone(), span);
                if ops.len() % 2 == 0 && !applied.ty.is_error() {
                    value
                } else {
                    applied
                }
            }
            ast::ExprKind::Binary { first, rest } => {
                let first = self.value(first);
                let logical = rest
                    .first()
                    .is_some_and(|(op, _, _)| matches!(op, ast::BinaryOp::And | ast::BinaryOp::Or));
                if logical {
                    return self.logical(first, rest, span);
                }
                if rest.len() > MAX_CHAIN {
                    self.report(
                        Diagnostic::error(Code::EXPRESSION_TOO_LONG, span, "expression too long")
                            .with_label(format!("{} operators in one chain", rest.len()))
                            .with_note(format!("Tok accepts at most {MAX_CHAIN} operators of one precedence in a row."))
                            .with_help("split the expression with `let` bindings"),
                    );
                    return hir::Expr::error(span);
                }
                let mut value = first;
                for (op, op_span, rhs) in rest {
                    let rhs = self.value(rhs);
                    value = self.binary(*op, *op_span, value, rhs);
                }
                value
            }
            ast::ExprKind::Compare {
                left,
                op,
                op_span,
                right,
            } => {
                let lhs = self.value(left);
                let rhs = self.value(right);
                let rhs = self.adopt_zero(rhs, &lhs.ty);
                let lhs = self.adopt_zero(lhs, &rhs.ty);
                let ordering = !matches!(op, ast::CompareOp::Eq | ast::CompareOp::Ne);
                if !lhs.ty.is_error()
                    && !rhs.ty.is_error()
                    && !units::comparable(&lhs.ty, &rhs.ty, ordering)
                {
                    let diagnostic = match (&lhs.ty, &rhs.ty) {
                        (Ty::Amount(a), Ty::Amount(b)) => self.token_mismatch(
                            a,
                            b,
                            &lhs,
                            &rhs,
                            format!("cannot compare `{a}` with `{b}`"),
                        ),
                        (a, Ty::Uint) if a.is_numeric() => Diagnostic::error(
                            Code::MISSING_UNIT,
                            rhs.span,
                            format!("cannot compare `{a}` with a plain number"),
                        )
                        .with_label("this number has no unit")
                        .with_help(unit_hint(a)),
                        _ => Diagnostic::error(
                            Code::INVALID_OPERANDS,
                            *op_span,
                            format!("cannot compare `{}` with `{}`", lhs.ty, rhs.ty),
                        )
                        .with_secondary(lhs.span, format!("this is `{}`", lhs.ty))
                        .with_secondary(rhs.span, format!("this is `{}`", rhs.ty))
                        .with_help("compare values of the same type"),
                    };
                    self.report(diagnostic);
                    return hir::Expr {
                        kind: hir::ExprKind::Error,
                        ty: Ty::Bool,
                        span,
                    };
                }
                hir::Expr {
                    kind: hir::ExprKind::Compare {
                        op: compare_op(*op),
                        lhs: Box::new(lhs),
                        rhs: Box::new(rhs),
                    },
                    ty: Ty::Bool,
                    span,
                }
            }
            ast::ExprKind::Power { base, exponent } => {
                let base = self.value(base);
                let exponent = self.value(exponent);
                let (ty, op) = match (&base.ty, &exponent.ty) {
                    (Ty::Uint, Ty::Uint) => (Ty::Uint, ArithOp::Pow),
                    (Ty::Ratio, Ty::Uint) => (Ty::Ratio, ArithOp::PowWad),
                    (Ty::Float, Ty::Float) => (Ty::Float, ArithOp::FloatPow),
                    (Ty::Error, _) | (_, Ty::Error) => return hir::Expr::error(span),
                    (a, b) => {
                        self.report(
                            Diagnostic::error(Code::INVALID_OPERANDS, span, format!("cannot raise `{a}` to `{b}`"))
                                .with_label("`**` raises a uint or a ratio to a uint power, or a float to a float")
                                .with_help("for decay and growth over time, use a rate: `supply * inflation * 1 day`"),
                        );
                        return hir::Expr::error(span);
                    }
                };
                hir::Expr {
                    kind: hir::ExprKind::Arith {
                        op,
                        lhs: Box::new(base),
                        rhs: Box::new(exponent),
                    },
                    ty,
                    span,
                }
            }
            ast::ExprKind::Postfix { base, suffixes } => {
                let mut head = match &base.kind {
                    ast::ExprKind::Name(name) => self.resolve_name(name, base.span),
                    _ => Head::Value(self.expr(base)),
                };
                let mut end = base.span;
                for suffix in suffixes {
                    head = self.suffix(head, suffix, Span::new(span.start, suffix.span.end), end);
                    end = suffix.span;
                }
                self.finish(head, span)
            }
            ast::ExprKind::Error => hir::Expr::error(span),
        }
    }

    /// A mixed-case address literal claims an EIP-55 checksum; one that
    /// does not match is most likely mistyped (solc rejects it too). All
    /// lower or all upper case claims nothing.
    fn address_checksum(&mut self, hex: &str, span: Span) {
        let has =
            |case: fn(&char) -> bool| hex.chars().any(|c| c.is_ascii_alphabetic() && case(&c));
        if !(has(char::is_ascii_lowercase) && has(char::is_ascii_uppercase)) {
            return;
        }
        let checksummed = crate::checksum::checksummed(hex);
        if checksummed[2..] == *hex {
            return;
        }
        self.report(
            Diagnostic::error(
                Code::BAD_ADDRESS_CHECKSUM,
                span,
                "this address's mixed case is not its checksum",
            )
            .with_label("mistyped, or copied with its case changed")
            .with_note(format!("The EIP-55 spelling of these digits is `{checksummed}`; if they are the address meant, that is how to write it. If not, a digit is wrong."))
            .with_suggestion(span, checksummed.clone(), format!("Write the checksummed `{checksummed}`")),
        );
    }

    pub(super) fn number(&mut self, digits: &str, span: Span) -> hir::Expr {
        if digits.contains('.') {
            if self.world == World::Chain {
                self.report(
                    Diagnostic::error(Code::FLOAT_IN_CHAIN, span, "floats are not allowed in chain code")
                        .with_label("a decimal number without a unit is a float")
                        .with_note("Chain code has exact EVM arithmetic only, so it behaves identically when deployed.")
                        .with_help(format!("write a ratio (`{}%`) or give the number a unit (`{digits} EMB`)", percent_of(digits))),
                );
                return hir::Expr::error(span);
            }
            let value: f64 = digits.replace('_', "").parse().unwrap_or(f64::NAN);
            return hir::Expr {
                kind: hir::ExprKind::Float(value.to_bits()),
                ty: Ty::Float,
                span,
            };
        }
        match parse_digits(digits, 0) {
            Ok(value) => int_expr(value, Ty::Uint, span),
            Err(_) => {
                self.report(overflow(span));
                hir::Expr::error(span)
            }
        }
    }

    pub(super) fn quantity(
        &mut self,
        number: &str,
        unit: &ast::UnitSuffix,
        span: Span,
    ) -> hir::Expr {
        for name in unit.unit.iter().chain(&unit.per) {
            self.refers_to_token(name);
        }
        let per_time = unit
            .per
            .as_ref()
            .and_then(|per| TimeUnit::from_name(&per.text));
        let (base_ty, decimals, multiplier) = match &unit.unit {
            None => (Ty::Ratio, 16, U256::ONE),
            Some(name) => {
                if let Some(token) = self.sigs.tokens.get(&name.text) {
                    (Ty::Amount(name.text.clone()), token.decimals, U256::ONE)
                } else if let Some(time) = TimeUnit::from_name(&name.text) {
                    (Ty::Duration, 0, U256::from(time.seconds()))
                } else {
                    let candidates = TimeUnit::ALL_NAMES
                        .iter()
                        .copied()
                        .chain(self.sigs.tokens.keys().map(String::as_str));
                    let mut diagnostic = Diagnostic::error(
                        Code::UNKNOWN_UNIT,
                        name.span,
                        format!("unknown unit `{}`", name.text),
                    )
                    .with_label("not a token, a time unit or `%`");
                    diagnostic = match did_you_mean(&name.text, candidates) {
                        Some(suggestion) => diagnostic.with_did_you_mean(suggestion),
                        None => diagnostic.with_help(
                            "units are declared tokens (`100 EMB`), time units (`30 days`) and `%`",
                        ),
                    };
                    self.report(diagnostic);
                    return hir::Expr::error(span);
                }
            }
        };
        // Price literals: `2 USDC per EMB` is WAD-scaled quote units per base unit.
        let price_base = unit
            .per
            .as_ref()
            .filter(|_| per_time.is_none())
            .and_then(|per| {
                self.sigs
                    .tokens
                    .get(&per.text)
                    .map(|sig| (per.text.clone(), sig.decimals))
            });
        if let Some(per) = &unit.per
            && per_time.is_none()
            && price_base.is_none()
        {
            let diagnostic = Diagnostic::error(
                Code::UNKNOWN_UNIT,
                per.span,
                format!("unknown unit `{}`", per.text),
            )
            .with_label("expected a time unit or a token after `per`");
            let candidates = (TimeUnit::ALL_NAMES.iter().copied())
                .chain(self.sigs.tokens.keys().map(String::as_str));
            self.report(match did_you_mean(&per.text, candidates) {
                Some(suggestion) => diagnostic.with_did_you_mean(suggestion),
                None => diagnostic.with_help("write for example `5% per year` or `2 USDC per EMB`"),
            });
            return hir::Expr::error(span);
        }
        let (scale, divisor_digits) = match &price_base {
            Some((_, base_decimals)) => (decimals + 18, *base_decimals),
            None => (decimals, 0),
        };
        let scaled = match parse_digits(number, scale) {
            Ok(value) => value,
            Err(DigitsError::Overflow) => {
                self.report(overflow(span));
                return hir::Expr::error(span);
            }
            Err(DigitsError::TooManyDecimals) => {
                self.report(
                    Diagnostic::error(Code::TOO_MANY_DECIMALS, span, "too many decimal places")
                        .with_label(format!("`{}` has {decimals} decimals", base_ty))
                        .with_help("round the literal to the unit's precision"),
                );
                return hir::Expr::error(span);
            }
        };
        let Some(value) = scaled.checked_mul(multiplier) else {
            self.report(overflow(span));
            return hir::Expr::error(span);
        };
        let value = if divisor_digits > 0 {
            let divisor = U256::from(10u8).pow(divisor_digits);
            if value % divisor != U256::ZERO {
                self.report(
                    Diagnostic::error(
                        Code::TOO_MANY_DECIMALS,
                        span,
                        "price is finer than the tokens' precision",
                    )
                    .with_label("this price is not a whole number of WAD units")
                    .with_help("round the price"),
                );
                return hir::Expr::error(span);
            }
            value / divisor
        } else {
            value
        };
        // Durations with decimals (`1.5 days`) must come to whole seconds.
        let ty = match (base_ty, per_time, price_base) {
            (Ty::Duration, Some(_), _) | (Ty::Duration, _, Some(_)) => {
                self.report(
                    Diagnostic::error(Code::INVALID_OPERANDS, span, "a duration cannot be a rate")
                        .with_label("`per` after a time unit")
                        .with_help("rates are amounts or ratios per time: `100 EMB per day`"),
                );
                return hir::Expr::error(span);
            }
            (Ty::Ratio, _, Some(_)) => {
                self.report(
                    Diagnostic::error(Code::INVALID_OPERANDS, span, "a ratio cannot be per token")
                        .with_label("`%` with `per` a token")
                        .with_help("a price is written `2 USDC per EMB`"),
                );
                return hir::Expr::error(span);
            }
            (base, Some(time), None) => Ty::Rate(Box::new(base), time),
            (Ty::Amount(quote), None, Some((base, _))) => Ty::Price { quote, base },
            (base, _, _) => base,
        };
        int_expr(value, ty, span)
    }

    pub(super) fn unary(
        &mut self,
        op: ast::UnaryOp,
        op_span: Span,
        value: hir::Expr,
        span: Span,
    ) -> hir::Expr {
        if value.ty.is_error() {
            return value;
        }
        match op {
            ast::UnaryOp::Not => {
                if value.ty != Ty::Bool {
                    self.report(
                        Diagnostic::error(
                            Code::INVALID_OPERANDS,
                            op_span,
                            format!("cannot apply `not` to `{}`", value.ty),
                        )
                        .with_label("`not` takes a bool")
                        .with_help("compare first: `not (x > 0 EMB)`"),
                    );
                    return hir::Expr::error(span);
                }
                hir::Expr {
                    kind: hir::ExprKind::Not(Box::new(value)),
                    ty: Ty::Bool,
                    span,
                }
            }
            ast::UnaryOp::Neg => {
                if value.ty != Ty::Float {
                    self.report(
                        Diagnostic::error(
                            Code::UNSIGNED_NEGATION,
                            op_span,
                            format!("cannot negate `{}`", value.ty),
                        )
                        .with_label("chain values are unsigned")
                        .with_help("subtract from a larger value instead: `a - b`"),
                    );
                    return hir::Expr::error(span);
                }
                hir::Expr {
                    kind: hir::ExprKind::Neg(Box::new(value)),
                    ty: Ty::Float,
                    span,
                }
            }
        }
    }

    pub(super) fn logical(
        &mut self,
        first: hir::Expr,
        rest: &[(ast::BinaryOp, Span, ast::Expr)],
        span: Span,
    ) -> hir::Expr {
        let is_and = rest
            .first()
            .is_some_and(|(op, _, _)| *op == ast::BinaryOp::And);
        let mut operands = vec![first];
        operands.extend(rest.iter().map(|(_, _, rhs)| self.value(rhs)));
        for operand in &operands {
            if operand.ty != Ty::Bool && !operand.ty.is_error() {
                self.report(
                    Diagnostic::error(
                        Code::NOT_A_CONDITION,
                        operand.span,
                        format!("`{}` needs bools", if is_and { "and" } else { "or" }),
                    )
                    .with_label(format!("this is `{}`", operand.ty))
                    .with_help("compare it: `x > 0 EMB`"),
                );
            }
        }
        hir::Expr {
            kind: if is_and {
                hir::ExprKind::And(operands)
            } else {
                hir::ExprKind::Or(operands)
            },
            ty: Ty::Bool,
            span,
        }
    }

    pub(super) fn binary(
        &mut self,
        op: ast::BinaryOp,
        op_span: Span,
        lhs: hir::Expr,
        rhs: hir::Expr,
    ) -> hir::Expr {
        let span = lhs.span.to(rhs.span);
        if lhs.ty.is_error() || rhs.ty.is_error() {
            return hir::Expr::error(span);
        }
        let rhs = if matches!(op, ast::BinaryOp::Add | ast::BinaryOp::Sub) {
            self.adopt_zero(rhs, &lhs.ty)
        } else {
            rhs
        };
        let lhs = if matches!(op, ast::BinaryOp::Add | ast::BinaryOp::Sub) {
            self.adopt_zero(lhs, &rhs.ty)
        } else {
            lhs
        };
        match units::arithmetic(op, &lhs.ty, &rhs.ty) {
            Ok((ty, arith)) => hir::Expr {
                kind: hir::ExprKind::Arith {
                    op: arith,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                },
                ty,
                span,
            },
            Err(error) => {
                let diagnostic = self.operand_error(error, op, &lhs, &rhs, op_span);
                self.report(diagnostic);
                hir::Expr::error(span)
            }
        }
    }

    pub(super) fn token_mismatch(
        &self,
        a: &str,
        b: &str,
        lhs: &hir::Expr,
        rhs: &hir::Expr,
        message: String,
    ) -> Diagnostic {
        Diagnostic::error(Code::INCOMPATIBLE_TOKENS, lhs.span, message)
            .with_label(format!("this is `{a}`"))
            .with_secondary(rhs.span, format!("this is `{b}`"))
            .with_help(format!(
                "amounts of different tokens need a price to be combined, e.g. `x * price` with `price: {a} per {b}`"
            ))
    }

    pub(super) fn operand_error(
        &self,
        error: UnitError,
        op: ast::BinaryOp,
        lhs: &hir::Expr,
        rhs: &hir::Expr,
        op_span: Span,
    ) -> Diagnostic {
        let verb = match op {
            ast::BinaryOp::Add => "add",
            ast::BinaryOp::Sub => "subtract",
            ast::BinaryOp::Mul => "multiply",
            ast::BinaryOp::Div => "divide",
            _ => "combine",
        };
        match error {
            UnitError::Tokens(a, b) => {
                let message = match op {
                    ast::BinaryOp::Add => format!("cannot add `{b}` to `{a}`"),
                    ast::BinaryOp::Sub => format!("cannot subtract `{b}` from `{a}`"),
                    _ => format!("cannot {verb} `{}` by `{}`", lhs.ty, rhs.ty),
                };
                self.token_mismatch(&a, &b, lhs, rhs, message)
            }
            UnitError::Periods => {
                let diagnostic = Diagnostic::error(
                    Code::RATE_PERIOD_MISMATCH,
                    op_span,
                    format!("cannot {verb} `{}` and `{}`", lhs.ty, rhs.ty),
                )
                .with_secondary(lhs.span, format!("this is `{}`", lhs.ty))
                .with_secondary(rhs.span, format!("this is `{}`", rhs.ty))
                .with_help(
                    "multiply one rate by a duration first, or declare both over the same period",
                );
                // A literal on either side converts, exactly, to the other
                // side's period.
                let period = |ty: &Ty| match ty {
                    Ty::Rate(_, period) => Some(*period),
                    _ => None,
                };
                let conversion =
                    [(rhs, &lhs.ty), (lhs, &rhs.ty)]
                        .into_iter()
                        .find_map(|(literal, other)| {
                            let written = rate_literal_over(self.sigs, literal, period(other)?)?;
                            Some((literal.span, written))
                        });
                match conversion {
                    Some((span, written)) => {
                        let message = format!("Write it as `{written}`");
                        diagnostic.with_suggestion(span, written, message)
                    }
                    None => diagnostic,
                }
            }
            UnitError::Operands
                if is_plain_number(rhs) && lhs.ty.is_numeric() && lhs.ty != Ty::Float =>
            {
                let diagnostic = Diagnostic::error(
                    Code::MISSING_UNIT,
                    rhs.span,
                    format!("cannot {verb} `{}` and a plain number", lhs.ty),
                )
                .with_label("this number has no unit")
                .with_secondary(lhs.span, format!("this is `{}`", lhs.ty))
                .with_help(unit_hint(&lhs.ty));
                match unit_suffix(&lhs.ty) {
                    // Adding or subtracting: the number takes the other side's unit.
                    Some(unit) if matches!(verb, "add" | "subtract") => {
                        let end = Span::new(rhs.span.end, rhs.span.end);
                        let written = match unit.starts_with('%') {
                            true => unit.clone(),
                            false => format!(" {unit}"),
                        };
                        diagnostic.with_suggestion(end, written, format!("Add the unit `{unit}`"))
                    }
                    _ => diagnostic,
                }
            }
            UnitError::Operands
                if is_plain_number(lhs) && rhs.ty.is_numeric() && rhs.ty != Ty::Float =>
            {
                Diagnostic::error(
                    Code::MISSING_UNIT,
                    lhs.span,
                    format!("cannot {verb} a plain number and `{}`", rhs.ty),
                )
                .with_label("this number has no unit")
                .with_secondary(rhs.span, format!("this is `{}`", rhs.ty))
                .with_help(unit_hint(&rhs.ty))
            }
            UnitError::Operands => {
                let mut diagnostic = Diagnostic::error(
                    Code::INVALID_OPERANDS,
                    op_span,
                    format!("cannot {verb} `{}` and `{}`", lhs.ty, rhs.ty),
                )
                .with_secondary(lhs.span, format!("this is `{}`", lhs.ty))
                .with_secondary(rhs.span, format!("this is `{}`", rhs.ty));
                diagnostic = match (&lhs.ty, &rhs.ty, op) {
                    (Ty::Amount(_), Ty::Amount(_), ast::BinaryOp::Mul) => diagnostic.with_help("to scale by a share use `mul_div(amount, part, whole)`"),
                    (a, Ty::Uint, _) | (Ty::Uint, a, _) if a.is_numeric() => diagnostic.with_help(unit_hint(a)),
                    (Ty::Float, _, _) | (_, Ty::Float, _) => diagnostic.with_help("convert chain values with `float(x)` before mixing them with floats"),
                    _ => diagnostic.with_help("see the unit rules in the language reference: amounts scale by ratios, rates by durations"),
                };
                diagnostic
            }
        }
    }
}
