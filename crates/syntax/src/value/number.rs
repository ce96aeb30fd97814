//! Numbers: Alloy's three internal kinds, their promotion, literal parsing and
//! formatting, all as Go's `strconv` and Alloy's arithmetic do them.

use super::Number;

/// Why an arithmetic operation failed.
pub const DIVIDE_BY_ZERO: &str = "divide by zero error";

const TWO_63: f64 = 9_223_372_036_854_775_808.0;

/// The amd64 truncating conversion: NaN and out-of-range values give `i64::MIN`.
fn float_to_i64(f: f64) -> i64 {
    if (-TWO_63..TWO_63).contains(&f) {
        f as i64
    } else {
        i64::MIN
    }
}

impl Number {
    /// The promotion rank: uint < int < float.
    fn rank(self) -> u8 {
        match self {
            Number::Uint(_) => 0,
            Number::Int(_) => 1,
            Number::Float(_) => 2,
        }
    }

    /// The value as an int64, as Go converts on amd64: floats truncate, and NaN
    /// or out-of-range floats give `i64::MIN`; uints wrap.
    pub fn as_i64(self) -> i64 {
        match self {
            Number::Int(i) => i,
            Number::Uint(u) => u as i64,
            Number::Float(f) => float_to_i64(f),
        }
    }

    /// The value as a uint64, as Go converts on amd64: ints wrap, floats below
    /// 2^63 go through int64 (so `-1.0` is `u64::MAX`), larger ones convert
    /// directly, and NaN or values from 2^64 give 2^63.
    pub fn as_u64(self) -> u64 {
        match self {
            Number::Int(i) => i as u64,
            Number::Uint(u) => u,
            Number::Float(f) if f < TWO_63 => float_to_i64(f) as u64,
            Number::Float(f) if f < TWO_63 * 2.0 => (f - TWO_63) as u64 | 1 << 63,
            Number::Float(_) => 1 << 63,
        }
    }

    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Uint(u) => u as f64,
            Number::Float(f) => f,
        }
    }

    pub fn is_zero(self) -> bool {
        match self {
            Number::Int(i) => i == 0,
            Number::Uint(u) => u == 0,
            Number::Float(f) => f == 0.0,
        }
    }

    /// Base-10 text for ints; the shortest exact decimal without exponent for
    /// floats (Go's `FormatFloat(f, 'f', -1, 64)`).
    pub fn to_go_string(self) -> String {
        match self {
            Number::Int(i) => i.to_string(),
            Number::Uint(u) => u.to_string(),
            Number::Float(f) => format_float(f),
        }
    }
}

impl std::fmt::Display for Number {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_go_string())
    }
}

/// Go's `strconv.FormatFloat(f, 'f', -1, 64)`. Rust's `Display` already prints the
/// shortest round-tripping digits without an exponent; only the infinities differ.
pub fn format_float(f: f64) -> String {
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    format!("{f}")
}

/// The value of a NUMBER literal. Alloy parses it with Go's `ParseInt(text, 0,
/// 64)`, then `ParseUint`, then `ParseFloat`: a leading `0` makes it octal (`010`
/// is 8), `08` falls through to the float 8, and values above `u64::MAX` become
/// floats.
pub fn parse_int_literal(text: &str) -> Option<Number> {
    parse_go_int(text).or_else(|| parse_float_literal(text))
}

/// Go's `ParseInt(text, 0, 64)`, then `ParseUint(text, 0, 64)`: an optional
/// sign (`ParseInt` only), a `0x`/`0o`/`0b` prefix or a leading `0` for octal,
/// then digits of that base.
pub fn parse_go_int(text: &str) -> Option<Number> {
    let (negative, signed, body) = match text.as_bytes().first() {
        Some(b'-') => (true, true, &text[1..]),
        Some(b'+') => (false, true, &text[1..]),
        _ => (false, false, text),
    };
    let lower = body.to_ascii_lowercase();
    let (digits, radix) = if let Some(rest) = lower.strip_prefix("0x") {
        (rest, 16)
    } else if let Some(rest) = lower.strip_prefix("0o") {
        (rest, 8)
    } else if let Some(rest) = lower.strip_prefix("0b") {
        (rest, 2)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (&lower[1..], 8)
    } else {
        (lower.as_str(), 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if negative {
        return (magnitude <= 1 << 63).then(|| Number::Int((magnitude as i64).wrapping_neg()));
    }
    match i64::try_from(magnitude) {
        Ok(i) => Some(Number::Int(i)),
        // ParseUint takes no sign.
        Err(_) if !signed => Some(Number::Uint(magnitude)),
        Err(_) => None,
    }
}

/// The value of a FLOAT literal (Go's `ParseFloat(text, 64)`). Values beyond
/// the float range fail, as Go reports them (`value out of range`).
pub fn parse_float_literal(text: &str) -> Option<Number> {
    let ok = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'));
    if !ok {
        return None;
    }
    text.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(Number::Float)
}

/// The kind both operands are promoted to.
fn promote(a: Number, b: Number) -> u8 {
    a.rank().max(b.rank())
}

/// Apply one of three per-kind operations after promotion.
fn arith(
    a: Number,
    b: Number,
    u: impl Fn(u64, u64) -> u64,
    i: impl Fn(i64, i64) -> i64,
    f: impl Fn(f64, f64) -> f64,
) -> Number {
    match promote(a, b) {
        0 => Number::Uint(u(a.as_u64(), b.as_u64())),
        1 => Number::Int(i(a.as_i64(), b.as_i64())),
        _ => Number::Float(f(a.as_f64(), b.as_f64())),
    }
}

pub fn add(a: Number, b: Number) -> Number {
    arith(a, b, u64::wrapping_add, i64::wrapping_add, |x, y| x + y)
}

pub fn sub(a: Number, b: Number) -> Number {
    arith(a, b, u64::wrapping_sub, i64::wrapping_sub, |x, y| x - y)
}

pub fn mul(a: Number, b: Number) -> Number {
    arith(a, b, u64::wrapping_mul, i64::wrapping_mul, |x, y| x * y)
}

/// Integer division for ints (`1 / 2 == 0`); a zero divisor of any kind errors.
pub fn div(a: Number, b: Number) -> Result<Number, &'static str> {
    check_divisor(a, b)?;
    Ok(arith(a, b, |x, y| x / y, i64::wrapping_div, |x, y| x / y))
}

/// Truncated remainder for ints, `math.Mod` for floats.
pub fn rem(a: Number, b: Number) -> Result<Number, &'static str> {
    check_divisor(a, b)?;
    Ok(arith(a, b, |x, y| x % y, i64::wrapping_rem, |x, y| x % y))
}

/// `divide by zero error` for a zero divisor of any kind. After the plain check a
/// divisor can still become zero once promoted (a float 0.5 taken as int); Go
/// would panic there, we give the same error instead.
fn check_divisor(a: Number, b: Number) -> Result<(), &'static str> {
    let promoted_zero = match promote(a, b) {
        0 => b.as_u64() == 0,
        1 => b.as_i64() == 0,
        _ => false,
    };
    if b.is_zero() || promoted_zero {
        Err(DIVIDE_BY_ZERO)
    } else {
        Ok(())
    }
}

/// `^`: repeated (wrapping) multiplication for ints, where a negative exponent
/// leaves the base unchanged (Alloy's quirk: `2 ^ -1 == 2`); `powf` for floats.
pub fn pow(a: Number, b: Number) -> Number {
    arith(
        a,
        b,
        |n, m| match (n, m) {
            (_, 0) | (1, _) => 1,
            (0, _) => 0,
            _ => wrapping_pow_u64(n, m),
        },
        |n, m| match (n, m) {
            (_, 0) | (1, _) => 1,
            (0, m) if m > 0 => 0,
            (n, m) if m < 0 => n,
            (n, m) => wrapping_pow_u64(n as u64, m as u64) as i64,
        },
        f64::powf,
    )
}

/// `n^m` modulo 2^64, by squaring (the same bits as Go's loop, without its cost).
fn wrapping_pow_u64(mut base: u64, mut exp: u64) -> u64 {
    let mut acc: u64 = 1;
    while exp > 0 {
        if exp & 1 == 1 {
            acc = acc.wrapping_mul(base);
        }
        base = base.wrapping_mul(base);
        exp >>= 1;
    }
    acc
}

/// Numeric comparison after promotion.
pub fn compare(a: Number, b: Number) -> Option<std::cmp::Ordering> {
    match promote(a, b) {
        0 => Some(a.as_u64().cmp(&b.as_u64())),
        1 => Some(a.as_i64().cmp(&b.as_i64())),
        _ => a.as_f64().partial_cmp(&b.as_f64()),
    }
}

/// Numeric equality after promotion (`3 == 3.0`).
pub fn equal(a: Number, b: Number) -> bool {
    match promote(a, b) {
        0 => a.as_u64() == b.as_u64(),
        1 => a.as_i64() == b.as_i64(),
        _ => a.as_f64() == b.as_f64(),
    }
}

/// Unary minus: ints and uints become ints.
pub fn neg(a: Number) -> Number {
    match a {
        Number::Float(f) => Number::Float(-f),
        other => Number::Int(other.as_i64().wrapping_neg()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(n: Option<Number>) -> String {
        match n {
            Some(Number::Int(i)) => format!("int {i}"),
            Some(Number::Uint(u)) => format!("uint {u}"),
            Some(Number::Float(f)) => format!("float {}", format_float(f)),
            None => "none".into(),
        }
    }

    #[test]
    fn literals_follow_go_base_zero_parsing() {
        assert_eq!(show(parse_int_literal("10")), "int 10");
        assert_eq!(show(parse_int_literal("0")), "int 0");
        assert_eq!(show(parse_int_literal("010")), "int 8");
        assert_eq!(show(parse_int_literal("0777")), "int 511");
        assert_eq!(show(parse_int_literal("08")), "float 8");
        assert_eq!(show(parse_int_literal("09")), "float 9");
        assert_eq!(
            show(parse_int_literal("9223372036854775808")),
            "uint 9223372036854775808"
        );
        assert_eq!(
            show(parse_int_literal("18446744073709551615")),
            "uint 18446744073709551615"
        );
        assert_eq!(
            show(parse_int_literal("123456789012345678890")),
            "float 123456789012345680000"
        );
        assert_eq!(show(parse_float_literal("1.")), "float 1");
        assert_eq!(show(parse_float_literal(".5")), "float 0.5");
        assert_eq!(show(parse_float_literal("1E5")), "float 100000");
        assert_eq!(show(parse_float_literal("abc")), "none");
        assert_eq!(show(parse_float_literal("1e400")), "none");
        assert_eq!(show(parse_go_int("0x1F")), "int 31");
        assert_eq!(show(parse_go_int("-0b101")), "int -5");
        assert_eq!(show(parse_go_int("0o17")), "int 15");
        assert_eq!(show(parse_go_int("+12")), "int 12");
        assert_eq!(
            show(parse_go_int("-9223372036854775808")),
            format!("int {}", i64::MIN)
        );
        assert_eq!(show(parse_go_int("-9223372036854775809")), "none");
        assert_eq!(show(parse_go_int("+9223372036854775808")), "none");
        assert_eq!(show(parse_go_int("0x")), "none");
        assert_eq!(show(parse_go_int("1.5")), "none");
    }

    #[test]
    fn floats_format_without_exponent() {
        assert_eq!(format_float(3.9), "3.9");
        assert_eq!(format_float(0.9), "0.9");
        assert_eq!(format_float(1e21), "1000000000000000000000");
        assert_eq!(format_float(1e-7), "0.0000001");
        assert_eq!(format_float(f64::INFINITY), "+Inf");
        assert_eq!(format_float(f64::NEG_INFINITY), "-Inf");
        assert_eq!(format_float(f64::NAN), "NaN");
        assert_eq!(format_float(-0.0), "-0");
        assert_eq!(format_float(100.0), "100");
    }

    #[test]
    fn arithmetic_promotes_and_wraps() {
        let (i, u, f) = (Number::Int, Number::Uint, Number::Float);
        assert_eq!(show(Some(add(i(3), mul(i(5), i(2))))), "int 13");
        assert_eq!(show(Some(add(u(1), i(2)))), "int 3");
        assert_eq!(show(Some(add(u(1), u(2)))), "uint 3");
        assert_eq!(show(Some(add(i(1), f(0.5)))), "float 1.5");
        assert_eq!(show(div(i(1), i(2)).ok()), "int 0");
        assert_eq!(show(div(f(3.0), f(5.0)).ok()), "float 0.6");
        assert_eq!(show(rem(i(5), i(3)).ok()), "int 2");
        assert_eq!(show(rem(i(-5), i(3)).ok()), "int -2");
        assert_eq!(show(rem(f(5.5), f(2.0)).ok()), "float 1.5");
        assert_eq!(div(i(1), i(0)), Err(DIVIDE_BY_ZERO));
        assert_eq!(div(f(1.0), f(0.0)), Err(DIVIDE_BY_ZERO));
        assert_eq!(rem(u(1), u(0)), Err(DIVIDE_BY_ZERO));
        assert_eq!(
            show(Some(add(i(i64::MAX), i(1)))),
            format!("int {}", i64::MIN)
        );
        assert_eq!(show(Some(sub(u(0), u(1)))), format!("uint {}", u64::MAX));
    }

    #[test]
    fn pow_quirks() {
        let i = Number::Int;
        assert_eq!(show(Some(pow(i(3), i(5)))), "int 243");
        assert_eq!(show(Some(pow(i(3), i(0)))), "int 1");
        assert_eq!(show(Some(pow(i(0), i(1)))), "int 0");
        assert_eq!(show(Some(pow(i(1), i(-4)))), "int 1");
        assert_eq!(show(Some(pow(i(2), i(-1)))), "int 2");
        assert_eq!(show(Some(pow(i(-2), i(2)))), "int 4");
        assert_eq!(show(Some(pow(i(2), i(64)))), "int 0");
        let Number::Float(f) = pow(Number::Float(42.0), i(-2)) else {
            panic!("expected a float")
        };
        assert!((f - 0.0005668934240362812).abs() < 1e-18);
    }

    #[test]
    fn comparisons_and_negation() {
        let (i, u, f) = (Number::Int, Number::Uint, Number::Float);
        assert!(equal(i(3), f(3.0)));
        assert!(equal(f(1e2), i(100)));
        // Mixed int/uint compares as int64, so the wrapped bits are equal (as in Go).
        assert!(equal(i(-1), u(u64::MAX)));
        assert_eq!(compare(i(1), f(1.5)), Some(std::cmp::Ordering::Less));
        assert_eq!(show(Some(neg(u(5)))), "int -5");
        assert_eq!(show(Some(neg(f(0.5)))), "float -0.5");
        assert_eq!(f(1e30).as_i64(), i64::MIN);
        assert_eq!(f(f64::NAN).as_i64(), i64::MIN);
        assert_eq!(f(-2.9).as_i64(), -2);
        assert_eq!(f(-1.0).as_u64(), u64::MAX);
        assert_eq!(f(1e19).as_u64(), 10_000_000_000_000_000_000);
        assert_eq!(f(1e30).as_u64(), 1 << 63);
    }
}
