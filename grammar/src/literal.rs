//! Decoding literal text: digit strings to 256-bit integers, string escapes.

use ethnum::U256;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DigitsError {
    /// The value needs more than 256 bits.
    Overflow,
    /// More fractional digits than `decimals` allows.
    TooManyDecimals,
}

/// Parses `1_000.25` scaled by `10^decimals` into an exact 256-bit integer.
/// Hex text (`0x...`) is accepted when `decimals` is zero.
pub fn parse_digits(text: &str, decimals: u32) -> Result<U256, DigitsError> {
    if let Some(hex) = text.strip_prefix("0x") {
        let mut value = U256::ZERO;
        for c in hex.chars().filter(|c| *c != '_') {
            let digit = c.to_digit(16).unwrap_or(0);
            value = value
                .checked_mul(U256::from(16u8))
                .and_then(|v| v.checked_add(U256::from(digit)))
                .ok_or(DigitsError::Overflow)?;
        }
        return scale(value, decimals);
    }
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let fraction = fraction.trim_end_matches(['0', '_']);
    let fraction_digits = fraction.chars().filter(char::is_ascii_digit).count() as u32;
    if fraction_digits > decimals {
        return Err(DigitsError::TooManyDecimals);
    }
    let mut value = U256::ZERO;
    for c in whole
        .chars()
        .chain(fraction.chars())
        .filter(char::is_ascii_digit)
    {
        let digit = c.to_digit(10).unwrap_or(0);
        value = value
            .checked_mul(U256::from(10u8))
            .and_then(|v| v.checked_add(U256::from(digit)))
            .ok_or(DigitsError::Overflow)?;
    }
    scale(value, decimals - fraction_digits)
}

fn scale(mut value: U256, exponent: u32) -> Result<U256, DigitsError> {
    for _ in 0..exponent {
        value = value
            .checked_mul(U256::from(10u8))
            .ok_or(DigitsError::Overflow)?;
    }
    Ok(value)
}

/// Decodes the escapes of a string literal's raw text. Returns the first
/// bad escape's byte offset within `raw` on failure.
pub fn decode_string(raw: &str) -> Result<String, usize> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices();
    while let Some((index, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some((_, 'n')) => out.push('\n'),
            Some((_, 't')) => out.push('\t'),
            Some((_, '\\')) => out.push('\\'),
            Some((_, '"')) => out.push('"'),
            _ => return Err(index),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_scale_by_decimals() {
        assert_eq!(
            parse_digits("1_000", 18),
            Ok(U256::from(1000u32) * U256::from(10u64.pow(18)))
        );
        assert_eq!(parse_digits("0.5", 2), Ok(U256::from(50u8)));
        assert_eq!(parse_digits("1.50", 1), Ok(U256::from(15u8)));
        assert_eq!(parse_digits("0.001", 2), Err(DigitsError::TooManyDecimals));
        assert_eq!(parse_digits("0xff", 0), Ok(U256::from(255u8)));
        let max = U256::MAX.to_string();
        assert_eq!(parse_digits(&max, 0), Ok(U256::MAX));
        assert_eq!(
            parse_digits(&format!("{max}0"), 0),
            Err(DigitsError::Overflow)
        );
        assert_eq!(parse_digits("1", 78), Err(DigitsError::Overflow));
    }

    #[test]
    fn escapes() {
        assert_eq!(decode_string(r#"a\"b\n"#), Ok("a\"b\n".to_string()));
        assert_eq!(decode_string(r"a\q"), Err(1));
    }
}
