//! Go's `strconv.FormatFloat` for the `e E f g G b x X` formats, which
//! `string.format` and JSON encoding print floats with.

/// Decimal digits of |x| and the position of the decimal point (`dp` digits
/// before it), shortest when `sig` is `None`, else rounded to `sig` digits.
fn decimal(x: f64, sig: Option<usize>) -> (Vec<u8>, i32) {
    let s = match sig {
        None => format!("{:e}", x.abs()),
        Some(n) => format!("{:.*e}", n.saturating_sub(1), x.abs()),
    };
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let mut digits: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).collect();
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    (digits, exp.parse::<i32>().unwrap_or(0) + 1)
}

fn fmt_e(neg: bool, digits: &[u8], dp: i32, prec: usize, e: char) -> String {
    let mut s = String::from(if neg { "-" } else { "" });
    s.push(digits.first().copied().unwrap_or(b'0') as char);
    if prec > 0 {
        s.push('.');
        for k in 1..=prec {
            s.push(digits.get(k).copied().unwrap_or(b'0') as char);
        }
    }
    let exp = if digits == b"0" { 0 } else { dp - 1 };
    s.push(e);
    s.push(if exp < 0 { '-' } else { '+' });
    s.push_str(&format!("{:02}", exp.unsigned_abs()));
    s
}

fn fmt_f(neg: bool, digits: &[u8], dp: i32, prec: usize) -> String {
    let digit = |k: i32| -> char {
        usize::try_from(k)
            .ok()
            .and_then(|k| digits.get(k))
            .copied()
            .unwrap_or(b'0') as char
    };
    let mut s = String::from(if neg { "-" } else { "" });
    if dp <= 0 {
        s.push('0');
    } else {
        (0..dp).for_each(|k| s.push(digit(k)));
    }
    if prec > 0 {
        s.push('.');
        (0..prec as i32).for_each(|k| s.push(digit(dp + k)));
    }
    s
}

/// The binary form of a finite float: sign, mantissa with the implicit bit,
/// and the unbiased exponent of its leading bit.
fn binary_parts(x: f64) -> (bool, u64, i32) {
    let bits = x.to_bits();
    let mut exp = ((bits >> 52) & 0x7ff) as i32;
    let mut mant = bits & ((1 << 52) - 1);
    if exp == 0 {
        exp += 1;
    } else {
        mant |= 1 << 52;
    }
    (bits >> 63 == 1, mant, exp - 1023)
}

/// `%b`: decimal mantissa and binary exponent (`4503599627370496p-52`).
fn fmt_b(x: f64) -> String {
    let (neg, mant, exp) = binary_parts(x);
    let sign = if neg { "-" } else { "" };
    let exp = exp - 52;
    format!(
        "{sign}{mant}p{}{}",
        if exp < 0 { '-' } else { '+' },
        exp.unsigned_abs()
    )
}

/// `%x`: hexadecimal mantissa and binary exponent, shortest (`0x1.8p+01`).
fn fmt_x(x: f64, upper: bool) -> String {
    let (neg, mut mant, mut exp) = binary_parts(x);
    if mant == 0 {
        exp = 0;
    }
    // Put the leading 1 at bit 60, so each hex digit below it is 4 bits.
    mant <<= 8;
    while mant != 0 && mant & (1 << 60) == 0 {
        mant <<= 1;
        exp -= 1;
    }
    let digits = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let mut s = String::from(if neg { "-" } else { "" });
    s.push_str(if upper { "0X" } else { "0x" });
    s.push(if mant >> 60 & 1 == 1 { '1' } else { '0' });
    mant <<= 4;
    if mant != 0 {
        s.push('.');
        while mant != 0 {
            s.push(digits[(mant >> 60 & 15) as usize] as char);
            mant <<= 4;
        }
    }
    s.push(if upper { 'P' } else { 'p' });
    s.push(if exp < 0 { '-' } else { '+' });
    s.push_str(&format!("{:02}", exp.unsigned_abs()));
    s
}

/// Go's `strconv.FormatFloat(x, verb, prec, 64)` for `e E f g G b x X`;
/// `None` is precision -1 (the shortest exact form). `b` and `x` ignore the
/// precision.
pub fn go_float(x: f64, verb: char, prec: Option<usize>) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    let neg = x.is_sign_negative();
    let upper_e = if verb.is_ascii_uppercase() { 'E' } else { 'e' };
    match verb {
        'b' => fmt_b(x),
        'x' | 'X' => fmt_x(x, verb == 'X'),
        'f' | 'F' => match prec {
            None => crate::value::number::format_float(x),
            Some(p) => format!("{x:.p$}"),
        },
        'e' | 'E' => {
            let (digits, dp) = decimal(x, prec.map(|p| p + 1));
            let p = prec.unwrap_or(digits.len() - 1);
            fmt_e(neg, &digits, dp, p, upper_e)
        }
        _ => {
            let (digits, dp) = decimal(x, prec.map(|p| p.max(1)));
            let nd = if digits == b"0" { 0 } else { digits.len() };
            let dp = if nd == 0 { 0 } else { dp };
            let mut p = prec.map(|p| p.max(1)).unwrap_or(nd);
            let mut eprec = p;
            if eprec > nd && nd as i32 >= dp {
                eprec = nd;
            }
            if prec.is_none() {
                eprec = 6;
            }
            let exp = dp - 1;
            if exp < -4 || exp >= eprec as i32 {
                p = p.min(nd.max(1));
                return fmt_e(neg, &digits, dp, p - 1, upper_e);
            }
            if p as i32 > dp {
                p = nd;
            }
            fmt_f(neg, &digits, dp, (p as i32 - dp).max(0) as usize)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_strconv() {
        assert_eq!(go_float(1e6, 'g', None), "1e+06");
        assert_eq!(go_float(123456.0, 'g', None), "123456");
        assert_eq!(go_float(0.0001, 'g', None), "0.0001");
        assert_eq!(go_float(1e-5, 'g', None), "1e-05");
        assert_eq!(go_float(100.0, 'g', Some(2)), "1e+02");
        assert_eq!(go_float(1234.5678, 'e', Some(2)), "1.23e+03");
        assert_eq!(go_float(1234.5678, 'E', None), "1.2345678E+03");
        assert_eq!(go_float(1.5, 'f', Some(3)), "1.500");
        assert_eq!(go_float(-0.5, 'f', None), "-0.5");
        assert_eq!(go_float(0.0, 'e', None), "0e+00");
        assert_eq!(go_float(f64::NEG_INFINITY, 'g', None), "-Inf");
        assert_eq!(go_float(f64::NAN, 'e', Some(2)), "NaN");
        assert_eq!(go_float(1.0, 'b', None), "4503599627370496p-52");
        assert_eq!(go_float(0.0, 'b', None), "0p-1074");
        assert_eq!(go_float(3.0, 'x', None), "0x1.8p+01");
        assert_eq!(go_float(1.0, 'x', None), "0x1p+00");
        assert_eq!(go_float(-0.1, 'X', None), "-0X1.999999999999AP-04");
        assert_eq!(go_float(0.0, 'x', None), "0x0p+00");
        assert_eq!(go_float(1e300, 'x', None), "0x1.7e43c8800759cp+996");
    }
}
