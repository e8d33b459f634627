//! 256-bit checked arithmetic with Solidity 0.8 semantics, WAD fixed point,
//! and OpenZeppelin `Math.mulDiv` (full-width product, rounding down).
//!
//! Every operation either returns the exact EVM result or an
//! [`ArithmeticError`], which the executors turn into a revert (Solidity's
//! `Panic(0x11)` for overflow, `Panic(0x12)` for division by zero).

use ethnum::U256;

/// 1e18: a ratio of one (100%).
pub const WAD: U256 = U256::new(1_000_000_000_000_000_000);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArithmeticError {
    /// The result does not fit in 256 bits, or a subtraction went below zero.
    Overflow,
    DivisionByZero,
}

impl ArithmeticError {
    /// The revert reason both backends report.
    pub fn reason(self) -> &'static str {
        match self {
            ArithmeticError::Overflow => "arithmetic overflow or underflow",
            ArithmeticError::DivisionByZero => "division or modulo by zero",
        }
    }
}

pub type Checked = Result<U256, ArithmeticError>;

pub fn add(a: U256, b: U256) -> Checked {
    a.checked_add(b).ok_or(ArithmeticError::Overflow)
}

pub fn sub(a: U256, b: U256) -> Checked {
    a.checked_sub(b).ok_or(ArithmeticError::Overflow)
}

pub fn mul(a: U256, b: U256) -> Checked {
    a.checked_mul(b).ok_or(ArithmeticError::Overflow)
}

/// Division rounding toward zero.
pub fn div(a: U256, b: U256) -> Checked {
    if b == U256::ZERO {
        return Err(ArithmeticError::DivisionByZero);
    }
    Ok(a / b)
}

pub fn rem(a: U256, b: U256) -> Checked {
    if b == U256::ZERO {
        return Err(ArithmeticError::DivisionByZero);
    }
    Ok(a % b)
}

/// `a ** b`, reverting on overflow like Solidity's checked exponentiation.
pub fn pow(a: U256, b: U256) -> Checked {
    let mut base = a;
    let mut exponent = b;
    let mut result = U256::ONE;
    while exponent > U256::ZERO {
        if exponent & U256::ONE == U256::ONE {
            result = mul(result, base)?;
        }
        exponent >>= 1;
        if exponent > U256::ZERO {
            base = mul(base, base)?;
        }
    }
    Ok(result)
}

/// A WAD ratio `a` to the integer power `n`: square-and-multiply where
/// every product is `mulDiv(x, y, 1e18)`, rounding down (PRBMath `powu`).
pub fn pow_wad(a: U256, n: U256) -> Checked {
    let mut base = a;
    let mut exponent = n;
    let mut result = WAD;
    while exponent > U256::ZERO {
        if exponent & U256::ONE == U256::ONE {
            result = mul_wad(result, base)?;
        }
        exponent >>= 1;
        if exponent > U256::ZERO {
            base = mul_wad(base, base)?;
        }
    }
    Ok(result)
}

/// `floor(a * b / c)` with a 512-bit intermediate product; reverts when
/// `c` is zero or the quotient does not fit in 256 bits (`Math.mulDiv`).
pub fn mul_div(a: U256, b: U256, c: U256) -> Checked {
    if let (Ok(a), Ok(b), Ok(c)) = (u128::try_from(a), u128::try_from(b), u128::try_from(c)) {
        return mul_div_128(a, b, c);
    }
    mul_div_wide(a, b, c)
}

/// [`mul_div`] of operands below 2^128.
pub fn mul_div_128(a: u128, b: u128, c: u128) -> Checked {
    if c == 0 {
        return Err(ArithmeticError::DivisionByZero);
    }
    if let Some(product) = a.checked_mul(b) {
        return Ok(U256::from(product / c));
    }
    // A 256-bit product over a 128-bit divisor: when the quotient fits in
    // 128 bits (the usual pro-rata share), two 64-bit quotient digits.
    let (high, low) = mul_128(a, b);
    if high < c {
        return Ok(U256::from(div_256_by_128(high, low, c)));
    }
    mul_div_wide(U256::from(a), U256::from(b), U256::from(c))
}

fn mul_div_wide(a: U256, b: U256, c: U256) -> Checked {
    if c == U256::ZERO {
        return Err(ArithmeticError::DivisionByZero);
    }
    if let Some(product) = a.checked_mul(b) {
        return Ok(product / c);
    }
    let (high, low) = wide_mul(a, b);
    if high >= c {
        return Err(ArithmeticError::Overflow);
    }
    Ok(wide_div(high, low, c))
}

/// `a * b / 1e18`, rounding down.
pub fn mul_wad(a: U256, b: U256) -> Checked {
    mul_div(a, b, WAD)
}

/// `a * 1e18 / b`, rounding down.
pub fn div_wad(a: U256, b: U256) -> Checked {
    mul_div(a, WAD, b)
}

/// The full 512-bit product as (high, low) 256-bit halves.
fn wide_mul(a: U256, b: U256) -> (U256, U256) {
    let (a_high, a_low) = (a >> 128, a & U256::from(u128::MAX));
    let (b_high, b_low) = (b >> 128, b & U256::from(u128::MAX));
    let low_low: U256 = a_low * b_low;
    let low_high: U256 = a_low * b_high;
    let high_low: U256 = a_high * b_low;
    let high_high: U256 = a_high * b_high;
    let (middle, middle_carry) = low_high.overflowing_add(high_low);
    let (low, low_carry) = low_low.overflowing_add(middle << 128);
    let mut high = high_high + (middle >> 128) + U256::from(low_carry as u8);
    if middle_carry {
        high += U256::ONE << 128;
    }
    (high, low)
}

/// The 256-bit product of two 128-bit integers as (high, low) halves.
fn mul_128(a: u128, b: u128) -> (u128, u128) {
    const MASK: u128 = u64::MAX as u128;
    let (a1, a0) = (a >> 64, a & MASK);
    let (b1, b0) = (b >> 64, b & MASK);
    let low_low = a0 * b0;
    let (middle_a, middle_b) = (a1 * b0, a0 * b1);
    let cross = (low_low >> 64) + (middle_a & MASK) + (middle_b & MASK);
    let low = (cross << 64) | (low_low & MASK);
    let high = a1 * b1 + (middle_a >> 64) + (middle_b >> 64) + (cross >> 64);
    (high, low)
}

/// `(high * 2^128 + low) / divisor` given `high < divisor`, so the quotient
/// fits in 128 bits: two quotient digits in base 2^64 of a normalized
/// divisor, each by multiplying with the divisor's reciprocal (Möller and
/// Granlund, "Improved division by invariant integers", 2011, algorithms 4
/// and 6). The reciprocal costs one division; the last one is kept per
/// thread, since a pro-rata loop divides by the same total many times.
fn div_256_by_128(high: u128, low: u128, divisor: u128) -> u128 {
    let shift = divisor.leading_zeros();
    let divisor = divisor << shift;
    // The shifted numerator: `high` gains the bits shifted out of `low`,
    // and stays below the shifted divisor.
    let (high, low) = if shift == 0 {
        (high, low)
    } else {
        ((high << shift) | (low >> (128 - shift)), low << shift)
    };
    let reciprocal = reciprocal_3by2(divisor);
    let (q1, remainder) = divide_3by2(high, (low >> 64) as u64, divisor, reciprocal);
    let (q0, _) = divide_3by2(remainder, low as u64, divisor, reciprocal);
    (u128::from(q1) << 64) | u128::from(q0)
}

thread_local! {
    /// The last normalized divisor and its reciprocal (0: none yet).
    static RECIPROCAL: std::cell::Cell<(u128, u64)> = const { std::cell::Cell::new((0, 0)) };
}

/// [`reciprocal`], the last one kept per thread.
fn reciprocal_3by2(divisor: u128) -> u64 {
    let (cached, kept) = RECIPROCAL.get();
    if cached == divisor {
        return kept;
    }
    let v = reciprocal(divisor);
    RECIPROCAL.set((divisor, v));
    v
}

/// `floor((2^192 - 1) / divisor) - 2^64` for a normalized 128-bit divisor
/// (its top bit set): what a 3-by-2-digit division multiplies by instead
/// of dividing (Möller and Granlund, "Improved division by invariant
/// integers", 2011). Compiled code divides as `divide_3by2` does.
pub fn reciprocal(divisor: u128) -> u64 {
    let (d1, d0) = ((divisor >> 64) as u64, divisor as u64);
    // The 2-by-1 reciprocal of the high digit, then corrected for the low.
    let mut v = (u128::MAX / u128::from(d1)) as u64;
    let mut p = d1.wrapping_mul(v).wrapping_add(d0);
    if p < d0 {
        v = v.wrapping_sub(1);
        if p >= d1 {
            v = v.wrapping_sub(1);
            p = p.wrapping_sub(d1);
        }
        p = p.wrapping_sub(d1);
    }
    let t = u128::from(v) * u128::from(d0);
    let (t1, t0) = ((t >> 64) as u64, t as u64);
    p = p.wrapping_add(t1);
    if p < t1 {
        v = v.wrapping_sub(1);
        if p >= d1 && (p > d1 || t0 >= d0) {
            v = v.wrapping_sub(1);
        }
    }
    v
}

/// One quotient digit of `(top * 2^64 + next) / divisor` and the
/// remainder, given `top < divisor`, a normalized divisor and its
/// reciprocal.
fn divide_3by2(top: u128, next: u64, divisor: u128, reciprocal: u64) -> (u64, u128) {
    let (u2, u1) = ((top >> 64) as u64, top as u64);
    let d1 = (divisor >> 64) as u64;
    let q = (u128::from(reciprocal) * u128::from(u2)).wrapping_add(top);
    let (mut q1, q0) = ((q >> 64) as u64, q as u64);
    let r1 = u1.wrapping_sub(q1.wrapping_mul(d1));
    let t = u128::from(divisor as u64) * u128::from(q1);
    let mut r = ((u128::from(r1) << 64) | u128::from(next))
        .wrapping_sub(t)
        .wrapping_sub(divisor);
    q1 = q1.wrapping_add(1);
    if (r >> 64) as u64 >= q0 {
        q1 = q1.wrapping_sub(1);
        r = r.wrapping_add(divisor);
    }
    if r >= divisor {
        q1 = q1.wrapping_add(1);
        r -= divisor;
    }
    (q1, r)
}

/// `floor(a * 2^192 / c)` in three 64-bit words, low first, for
/// `a < c < 2^127` (`None` otherwise): the fixed-point ratio that turns
/// `floor(a * b / c)` for many `b` below 2^128 into a multiplication, off
/// by at most one below (the product of `b` with the ratio's truncation
/// error is below 2^-64), which the remainder `a * b - q * c`, below
/// `2c < 2^128`, corrects.
pub fn ratio_192(a: u128, c: u128) -> Option<[u64; 3]> {
    if a >= c || c >> 127 != 0 {
        return None;
    }
    let c = U256::from(c);
    // a * 2^128 / c, then the remainder's next 64 bits.
    let shifted = U256::from(a) << 128u32;
    let (high, remainder) = (shifted / c, shifted % c);
    let low = (remainder << 64u32) / c;
    let high = high.as_u128();
    Some([low.as_u64(), high as u64, (high >> 64) as u64])
}

/// `(high * 2^256 + low) / divisor` given `high < divisor` (so the quotient
/// fits in 256 bits): restoring binary long division over the low half.
fn wide_div(high: U256, low: U256, divisor: U256) -> U256 {
    let mut remainder = high;
    let mut quotient = U256::ZERO;
    for bit in (0..256).rev() {
        // remainder = remainder * 2 + next bit, tracking the bit shifted out.
        let carry = remainder >> 255 == U256::ONE;
        remainder = (remainder << 1) | ((low >> bit) & U256::ONE);
        if carry || remainder >= divisor {
            remainder = remainder.wrapping_sub(divisor);
            quotient |= U256::ONE << bit;
        }
    }
    quotient
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::BigUint;
    use proptest::prelude::*;

    fn big(value: U256) -> BigUint {
        BigUint::from_bytes_be(&value.to_be_bytes())
    }

    fn limit() -> BigUint {
        BigUint::from(1u8) << 256
    }

    fn u256() -> impl Strategy<Value = U256> {
        prop_oneof![
            any::<[u8; 32]>().prop_map(U256::from_be_bytes),
            any::<u128>().prop_map(U256::from),
            any::<u64>().prop_map(U256::from),
            Just(U256::ZERO),
            Just(U256::ONE),
            Just(U256::MAX),
            Just(WAD),
            (0u32..256).prop_map(|bits| U256::ONE << bits),
        ]
    }

    fn oracle(result: Option<BigUint>) -> Option<U256> {
        result.filter(|value| *value < limit()).map(|value| {
            let bytes = value.to_bytes_be();
            let mut padded = [0u8; 32];
            padded[32 - bytes.len()..].copy_from_slice(&bytes);
            U256::from_be_bytes(padded)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

        #[test]
        fn mul_div_matches_big_integers(a in u256(), b in u256(), c in u256()) {
            let expected = if c == U256::ZERO { None } else { oracle(Some(big(a) * big(b) / big(c))) };
            prop_assert_eq!(mul_div(a, b, c).ok(), expected);
        }

        #[test]
        fn mul_div_128_matches_big_integers(
            a in any::<u128>(), b in any::<u128>(), c in 1u128.., shift in 0u32..128
        ) {
            // Divisors of every width, including normalized ones.
            let c = U256::from((c >> shift).max(1));
            let (a, b) = (U256::from(a), U256::from(b));
            let expected = oracle(Some(big(a) * big(b) / big(c)));
            prop_assert_eq!(mul_div(a, b, c).ok(), expected);
            // Again by the same divisor (its reciprocal is reused).
            let b = b ^ U256::from(u128::MAX >> 1);
            let expected = oracle(Some(big(a) * big(b) / big(c)));
            prop_assert_eq!(mul_div(a, b, c).ok(), expected);
        }

        #[test]
        fn ratio_192_matches_big_integers(a in any::<u128>(), c in any::<u128>(), shift in 0u32..127) {
            let (a, c) = (a >> (shift + 1), c >> 1);
            let ratio = ratio_192(a, c);
            if a >= c {
                prop_assert_eq!(ratio, None);
            } else {
                let words = ratio.expect("a < c < 2^127");
                let value = BigUint::from(words[0])
                    + (BigUint::from(words[1]) << 64)
                    + (BigUint::from(words[2]) << 128);
                prop_assert_eq!(value, (BigUint::from(a) << 192) / BigUint::from(c));
            }
        }

        #[test]
        fn checked_ops_match_big_integers(a in u256(), b in u256()) {
            prop_assert_eq!(add(a, b).ok(), oracle(Some(big(a) + big(b))));
            prop_assert_eq!(sub(a, b).ok(), if a >= b { Some(a - b) } else { None });
            prop_assert_eq!(mul(a, b).ok(), oracle(Some(big(a) * big(b))));
            prop_assert_eq!(div(a, b).ok(), if b == U256::ZERO { None } else { oracle(Some(big(a) / big(b))) });
            prop_assert_eq!(rem(a, b).ok(), if b == U256::ZERO { None } else { oracle(Some(big(a) % big(b))) });
        }

        #[test]
        fn pow_matches_big_integers(a in 0u64..1000, b in 0u32..300) {
            let expected = if a > 1 && b > 256 { None } else { oracle(Some(BigUint::from(a).pow(b))) };
            prop_assert_eq!(pow(U256::from(a), U256::from(b)).ok(), expected);
        }
    }

    #[test]
    fn wad_powers() {
        let one_point_one = U256::new(1_100_000_000_000_000_000);
        assert_eq!(
            pow_wad(one_point_one, U256::new(2)),
            Ok(U256::new(1_210_000_000_000_000_000))
        );
        assert_eq!(pow_wad(one_point_one, U256::ZERO), Ok(WAD));
        assert_eq!(pow_wad(WAD / 2, U256::new(3)), Ok(WAD / 8));
        // 1/3 cubed rounds down at each product.
        let third = U256::new(333_333_333_333_333_333);
        assert_eq!(
            pow_wad(third, U256::new(3)),
            Ok(U256::new(37_037_037_037_037_036))
        );
    }

    #[test]
    fn wad_rounding_is_down() {
        // 1 wei * 0.5 rounds down to zero; 3 * 1/3 in WAD is 0.999... WAD.
        assert_eq!(mul_wad(U256::ONE, WAD / 2), Ok(U256::ZERO));
        let third = div_wad(U256::ONE, U256::new(3)).expect("nonzero");
        assert_eq!(third, U256::new(333_333_333_333_333_333));
        assert_eq!(mul_div(U256::MAX, U256::MAX, U256::MAX), Ok(U256::MAX));
        assert_eq!(
            mul_div(U256::MAX, U256::new(2), U256::ONE),
            Err(ArithmeticError::Overflow)
        );
        assert_eq!(
            div(U256::ONE, U256::ZERO),
            Err(ArithmeticError::DivisionByZero)
        );
    }
}
