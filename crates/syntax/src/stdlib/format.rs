//! `string.format`: a faithful subset of Go's `fmt.Sprintf`.
//!
//! Arguments arrive as Go sees them after Alloy's decoding into `any`: numbers
//! as `int`/`uint64`/`float64`, arrays as `[]interface {}`, objects as
//! `map[string]interface {}` (keys sorted when printed), secrets as their Go
//! types. Supported: verbs `v s d q t x X o O b c U e E f F g G T %`, flags
//! `+ - # 0 space`, width and precision (also `*`), explicit argument indexes
//! `%[n]d`, and Go's inline error forms (`%!d(string=x)`, `%!s(MISSING)`,
//! `%!(EXTRA int=1)`, `%!(NOVERB)`, `%!d(BADINDEX)`). Not supported: `%p`,
//! and a precision on `%x`/`%b` of floats (ignored).

use super::args;
use super::gofloat::go_float;
use crate::value::{CallError, Number, OptionalSecret, Secret, Value};

/// A value as Go's `fmt` receives it.
enum Arg {
    Nil,
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
    Bool(bool),
    Slice(Vec<Arg>),
    Map(Vec<(String, Arg)>),
    Secret(String),
    OptionalSecret(bool, String),
    Func,
    Other(&'static str),
}

impl Arg {
    fn from_value(v: &Value) -> Arg {
        match v {
            Value::Null => Arg::Nil,
            Value::Number(Number::Float(f)) => Arg::Float(*f),
            Value::Number(Number::Int(i)) => Arg::Int(*i),
            Value::Number(Number::Uint(u)) => match i64::try_from(*u) {
                Ok(i) => Arg::Int(i),
                Err(_) => Arg::Uint(*u),
            },
            Value::String(s) => Arg::Str(s.clone()),
            Value::Bool(b) => Arg::Bool(*b),
            Value::Array(items) => Arg::Slice(items.iter().map(Arg::from_value).collect()),
            Value::Object(o) => {
                let mut pairs: Vec<(String, Arg)> = o
                    .iter()
                    .map(|(k, v)| (k.clone(), Arg::from_value(v)))
                    .collect();
                pairs.sort_by(|a, b| a.0.cmp(&b.0));
                Arg::Map(pairs)
            }
            Value::Function(_) => Arg::Func,
            Value::Capsule(c) => {
                if let Some(s) = c.downcast_ref::<Secret>() {
                    Arg::Secret(s.expose().to_string())
                } else if let Some(o) = c.downcast_ref::<OptionalSecret>() {
                    Arg::OptionalSecret(o.is_secret, o.value.clone())
                } else {
                    Arg::Other(c.type_name())
                }
            }
        }
    }

    fn type_name(&self) -> String {
        match self {
            Arg::Nil => "<nil>".into(),
            Arg::Int(_) => "int".into(),
            Arg::Uint(_) => "uint64".into(),
            Arg::Float(_) => "float64".into(),
            Arg::Str(_) => "string".into(),
            Arg::Bool(_) => "bool".into(),
            Arg::Slice(_) => "[]interface {}".into(),
            Arg::Map(_) => "map[string]interface {}".into(),
            Arg::Secret(_) => "alloytypes.Secret".into(),
            Arg::OptionalSecret(..) => "alloytypes.OptionalSecret".into(),
            Arg::Func => "func()".into(),
            Arg::Other(t) => (*t).into(),
        }
    }
}

#[derive(Clone, Copy, Default)]
struct Flags {
    plus: bool,
    minus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    sharp_v: bool,
    plus_v: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

/// `string.format(fmt, args...)`.
pub fn sprintf(a: &[Value]) -> Result<Value, CallError> {
    let format = args::string(a, 0)?;
    let rest: Vec<Arg> = a.iter().skip(1).map(Arg::from_value).collect();
    Ok(Value::String(go_sprintf(&format, &rest)))
}

/// Parse a decimal number at `i`; returns the value and the new index.
fn parse_num(s: &[char], mut i: usize) -> (Option<usize>, usize) {
    let start = i;
    let mut n: usize = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        n = n
            .saturating_mul(10)
            .saturating_add(s[i] as usize - '0' as usize);
        if n > 1_000_000 {
            return (None, i + 1);
        }
        i += 1;
    }
    ((i > start).then_some(n), i)
}

fn go_sprintf(format: &str, args: &[Arg]) -> String {
    let s: Vec<char> = format.chars().collect();
    let mut out = String::new();
    let mut arg_num = 0usize;
    let mut reordered = false;
    let mut i = 0;
    while i < s.len() {
        if s[i] != '%' {
            out.push(s[i]);
            i += 1;
            continue;
        }
        i += 1;
        let mut f = Flags::default();
        while i < s.len() {
            match s[i] {
                '#' => f.sharp = true,
                '0' => f.zero = !f.minus,
                '+' => f.plus = true,
                '-' => {
                    f.minus = true;
                    f.zero = false;
                }
                ' ' => f.space = true,
                _ => break,
            }
            i += 1;
        }
        let mut good_arg = true;
        // An explicit `[n]` index before the width.
        let mut after_index = false;
        if let Some((n, next, ok)) = arg_index(&s, i, args.len()) {
            (i, after_index, reordered) = (next, true, true);
            good_arg &= ok;
            arg_num = n;
        }
        if i < s.len() && s[i] == '*' {
            i += 1;
            match star_arg(args, &mut arg_num) {
                Some(w) if w < 0 => {
                    f.minus = true;
                    f.zero = false;
                    f.width = Some(w.unsigned_abs() as usize);
                }
                Some(w) => f.width = Some(w as usize),
                None => out.push_str("%!(BADWIDTH)"),
            }
            after_index = false;
        } else {
            let (w, next) = parse_num(&s, i);
            if w.is_some() && after_index {
                good_arg = false;
            }
            (f.width, i) = (w, next);
        }
        if i < s.len() && s[i] == '.' {
            i += 1;
            if after_index {
                good_arg = false;
            }
            if let Some((n, next, ok)) = arg_index(&s, i, args.len()) {
                (i, after_index, reordered) = (next, true, true);
                good_arg &= ok;
                arg_num = n;
            }
            if i < s.len() && s[i] == '*' {
                i += 1;
                match star_arg(args, &mut arg_num) {
                    Some(p) if p >= 0 => f.prec = Some(p as usize),
                    Some(_) => {}
                    None => out.push_str("%!(BADPREC)"),
                }
                after_index = false;
            } else {
                let (p, next) = parse_num(&s, i);
                (f.prec, i) = (Some(p.unwrap_or(0)), next);
            }
        }
        if !after_index && let Some((n, next, ok)) = arg_index(&s, i, args.len()) {
            (i, reordered) = (next, true);
            good_arg &= ok;
            arg_num = n;
        }
        let Some(&verb) = s.get(i) else {
            out.push_str("%!(NOVERB)");
            break;
        };
        i += 1;
        match verb {
            '%' => out.push('%'),
            _ if !good_arg => out.push_str(&format!("%!{verb}(BADINDEX)")),
            _ if arg_num >= args.len() => out.push_str(&format!("%!{verb}(MISSING)")),
            _ => {
                if verb == 'v' {
                    (f.sharp_v, f.sharp) = (f.sharp, false);
                    (f.plus_v, f.plus) = (f.plus, false);
                }
                out.push_str(&print_arg(&args[arg_num], verb, &f));
                arg_num += 1;
            }
        }
    }
    if !reordered && arg_num < args.len() {
        let extra: Vec<String> = args[arg_num..]
            .iter()
            .map(|a| match a {
                Arg::Nil => "<nil>".to_string(),
                a => format!("{}={}", a.type_name(), print_arg(a, 'v', &Flags::default())),
            })
            .collect();
        out.push_str(&format!("%!(EXTRA {})", extra.join(", ")));
    }
    out
}

/// `[n]` at `i`: the zero-based argument, the index after `]`, and whether it
/// names an existing argument.
fn arg_index(s: &[char], i: usize, n_args: usize) -> Option<(usize, usize, bool)> {
    if s.get(i) != Some(&'[') {
        return None;
    }
    let close = (i + 1..s.len()).find(|&j| s[j] == ']');
    let Some(close) = close else {
        return Some((0, s.len(), false));
    };
    let (n, end) = parse_num(s, i + 1);
    match n {
        Some(n) if end == close && n >= 1 && n <= n_args => Some((n - 1, close + 1, true)),
        _ => Some((0, close + 1, false)),
    }
}

/// The int argument a `*` consumes.
fn star_arg(args: &[Arg], arg_num: &mut usize) -> Option<i64> {
    let v = match args.get(*arg_num)? {
        Arg::Int(i) => Some(*i),
        Arg::Uint(u) => i64::try_from(*u).ok(),
        _ => None,
    };
    *arg_num += 1;
    v.filter(|n| n.unsigned_abs() <= 1_000_000)
}

fn bad_verb(a: &Arg, verb: char) -> String {
    match a {
        Arg::Nil => format!("%!{verb}(<nil>)"),
        a => format!(
            "%!{verb}({}={})",
            a.type_name(),
            print_arg(a, 'v', &Flags::default())
        ),
    }
}

fn print_arg(a: &Arg, verb: char, f: &Flags) -> String {
    if verb == 'T' {
        return pad(&a.type_name(), f);
    }
    match a {
        Arg::Nil => match verb {
            'v' => pad("<nil>", f),
            _ => bad_verb(a, verb),
        },
        Arg::Bool(b) => match verb {
            't' | 'v' => pad(if *b { "true" } else { "false" }, f),
            _ => bad_verb(a, verb),
        },
        Arg::Int(i) => fmt_integer(i.unsigned_abs(), *i < 0, true, a, verb, f),
        Arg::Uint(u) => fmt_integer(*u, false, false, a, verb, f),
        Arg::Float(x) => fmt_float(*x, a, verb, f),
        Arg::Str(s) | Arg::Secret(s) => fmt_string(s, a, verb, f),
        Arg::Slice(items) => {
            if f.sharp_v {
                let inner: Vec<String> = items.iter().map(|i| print_arg(i, 'v', f)).collect();
                return format!("[]interface {{}}{{{}}}", inner.join(", "));
            }
            let inner: Vec<String> = items.iter().map(|i| print_arg(i, verb, f)).collect();
            format!("[{}]", inner.join(" "))
        }
        Arg::Map(pairs) => {
            if f.sharp_v {
                let inner: Vec<String> = pairs
                    .iter()
                    .map(|(k, v)| format!("{}:{}", quote(k, false), print_arg(v, 'v', f)))
                    .collect();
                return format!("map[string]interface {{}}{{{}}}", inner.join(", "));
            }
            let inner: Vec<String> = pairs
                .iter()
                .map(|(k, v)| {
                    let key = fmt_string(k, &Arg::Str(k.clone()), verb, f);
                    format!("{key}:{}", print_arg(v, verb, f))
                })
                .collect();
            format!("map[{}]", inner.join(" "))
        }
        Arg::OptionalSecret(is_secret, value) => {
            let (b, s) = (Arg::Bool(*is_secret), Arg::Str(value.clone()));
            if f.sharp_v {
                return format!(
                    "alloytypes.OptionalSecret{{IsSecret:{is_secret}, Value:{}}}",
                    quote(value, false)
                );
            }
            let (b, s) = (print_arg(&b, verb, f), print_arg(&s, verb, f));
            if f.plus_v {
                format!("{{IsSecret:{b} Value:{s}}}")
            } else {
                format!("{{{b} {s}}}")
            }
        }
        // Go prints addresses or host structs here; neither means anything to
        // a config author, so only the type is shown.
        Arg::Func | Arg::Other(_) => format!("%!{verb}({})", a.type_name()),
    }
}

/// Pad to the width with spaces (or zeros with the `0` flag), on the right
/// with `-`. Width counts runes.
fn pad(s: &str, f: &Flags) -> String {
    let Some(width) = f.width else {
        return s.to_string();
    };
    let n = s.chars().count();
    if n >= width {
        return s.to_string();
    }
    let fill: String = std::iter::repeat_n(if f.zero { '0' } else { ' ' }, width - n).collect();
    if f.minus {
        format!("{s}{}", " ".repeat(width - n))
    } else {
        format!("{fill}{s}")
    }
}

/// Go's `strconv.Quote` (or `QuoteToASCII`).
fn quote(s: &str, ascii: bool) -> String {
    let q = crate::scanner::go_quote(s.as_bytes());
    if !ascii {
        return q;
    }
    q.chars()
        .map(|c| match c as u32 {
            0..=0x7f => c.to_string(),
            u @ 0x80..=0xffff => format!("\\u{u:04x}"),
            u => format!("\\U{u:08x}"),
        })
        .collect()
}

fn fmt_string(s: &str, a: &Arg, verb: char, f: &Flags) -> String {
    let truncated = |s: &str| match f.prec {
        Some(p) => s.chars().take(p).collect::<String>(),
        None => s.to_string(),
    };
    match verb {
        'v' if f.sharp_v => quote(s, false),
        'v' | 's' => pad(&truncated(s), f),
        'q' => {
            let t = truncated(s);
            let backquoted =
                f.sharp && !t.contains('`') && t.chars().all(|c| c == '\t' || !c.is_control());
            let q = if backquoted {
                format!("`{t}`")
            } else {
                quote(&t, f.plus)
            };
            pad(&q, f)
        }
        'x' | 'X' => {
            let bytes = s.as_bytes();
            let bytes = &bytes[..f.prec.unwrap_or(bytes.len()).min(bytes.len())];
            let upper = verb == 'X';
            let mut out = String::new();
            for (i, b) in bytes.iter().enumerate() {
                if f.space && i > 0 {
                    out.push(' ');
                }
                if f.sharp && (f.space || i == 0) {
                    out.push_str(if upper { "0X" } else { "0x" });
                }
                out.push_str(&if upper {
                    format!("{b:02X}")
                } else {
                    format!("{b:02x}")
                });
            }
            pad(&out, f)
        }
        _ => bad_verb(a, verb),
    }
}

fn fmt_integer(mag: u64, negative: bool, signed: bool, a: &Arg, verb: char, f: &Flags) -> String {
    let (base, upper) = match verb {
        'd' => (10, false),
        'v' if f.sharp_v && !signed => (16, false),
        'v' => (10, false),
        'b' => (2, false),
        'o' | 'O' => (8, false),
        'x' => (16, false),
        'X' => (16, true),
        'c' => return pad(&char_of(mag, negative).to_string(), f),
        'q' => {
            let c = char_of(mag, negative);
            let q = crate::scanner::go_quote(c.to_string().as_bytes());
            let inner = q[1..q.len() - 1].replace("\\\"", "\"").replace('\'', "\\'");
            return pad(&format!("'{inner}'"), f);
        }
        'U' => {
            let mut s = format!("U+{mag:04X}");
            if f.sharp {
                s.push_str(&format!(" '{}'", char_of(mag, negative)));
            }
            return pad(&s, f);
        }
        _ => return bad_verb(a, verb),
    };
    let mut digits = match base {
        2 => format!("{mag:b}"),
        8 => format!("{mag:o}"),
        16 if upper => format!("{mag:X}"),
        16 => format!("{mag:x}"),
        _ => mag.to_string(),
    };
    // Precision is a minimum digit count; `%.0d` of 0 prints nothing.
    let mut min_digits = f.prec;
    if f.prec == Some(0) && mag == 0 {
        digits.clear();
    } else if f.prec.is_none()
        && f.zero
        && !f.minus
        && let Some(w) = f.width
    {
        let sign = usize::from(negative || f.plus || f.space);
        min_digits = Some(w.saturating_sub(sign));
    }
    if let Some(m) = min_digits {
        while digits.len() < m {
            digits.insert(0, '0');
        }
    }
    let prefix = match (base, f.sharp || (f.sharp_v && base == 16), verb) {
        (8, _, 'O') => "0o",
        (8, true, _) if !digits.starts_with('0') => "0",
        (16, true, _) if upper => "0X",
        (16, true, _) => "0x",
        (2, true, _) => "0b",
        _ => "",
    };
    let sign = if negative {
        "-"
    } else if f.plus {
        "+"
    } else if f.space {
        " "
    } else {
        ""
    };
    let body = format!("{sign}{prefix}{digits}");
    pad(&body, &Flags { zero: false, ..*f })
}

fn char_of(mag: u64, negative: bool) -> char {
    if negative {
        return '\u{fffd}';
    }
    u32::try_from(mag)
        .ok()
        .and_then(char::from_u32)
        .unwrap_or('\u{fffd}')
}

fn fmt_float(x: f64, a: &Arg, verb: char, f: &Flags) -> String {
    let (v, prec) = match verb {
        'v' => ('g', None),
        'g' | 'G' => (verb, f.prec),
        'e' | 'E' | 'f' => (verb, Some(f.prec.unwrap_or(6))),
        'F' => ('f', Some(f.prec.unwrap_or(6))),
        'b' | 'x' | 'X' => (verb, f.prec),
        _ => return bad_verb(a, verb),
    };
    let num = go_float(x, v, prec);
    let (sign, body) = match num.strip_prefix(['-', '+']) {
        Some(rest) => (&num[..1], rest),
        None => ("+", num.as_str()),
    };
    let sign = match sign {
        "+" if f.plus => "+",
        // Go keeps the sign it prints for +Inf.
        "+" if body == "Inf" => "+",
        "+" if f.space => " ",
        "+" => "",
        s => s,
    };
    if !x.is_finite() {
        return pad(&format!("{sign}{body}"), &Flags { zero: false, ..*f });
    }
    match f.width {
        Some(w) if f.zero && !f.minus && w > sign.len() + body.len() => {
            format!("{sign}{}{body}", "0".repeat(w - sign.len() - body.len()))
        }
        _ => pad(&format!("{sign}{body}"), &Flags { zero: false, ..*f }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sf(format: &str, args: Vec<Value>) -> String {
        let rest: Vec<Arg> = args.iter().map(Arg::from_value).collect();
        go_sprintf(format, &rest)
    }

    #[test]
    fn alloy_vectors() {
        assert_eq!(sf("Hello %s", vec![Value::string("World")]), "Hello World");
        assert_eq!(sf("%#v", vec![Value::int(1)]), "1");
        assert_eq!(sf("%#v", vec![Value::Bool(true)]), "true");
        assert_eq!(sf("%q", vec![Value::string("hello")]), "\"hello\"");
    }

    #[test]
    fn integers() {
        assert_eq!(
            sf("%d|%5d|%-5d|%05d", vec![Value::int(42); 4]),
            "42|   42|42   |00042"
        );
        assert_eq!(
            sf("%x %X %o %b %#x %#o %O", vec![Value::int(255); 7]),
            "ff FF 377 11111111 0xff 0377 0o377"
        );
        assert_eq!(
            sf(
                "%+d % d %d",
                vec![Value::int(5), Value::int(5), Value::int(-5)]
            ),
            "+5  5 -5"
        );
        assert_eq!(sf("%.3d|%.0d", vec![Value::int(7), Value::int(0)]), "007|");
        assert_eq!(
            sf("%c %q %U %#U", vec![Value::int(65); 4]),
            "A 'A' U+0041 U+0041 'A'"
        );
        assert_eq!(
            sf("%v %#v", vec![Value::uint(u64::MAX); 2]),
            "18446744073709551615 0xffffffffffffffff"
        );
        assert_eq!(sf("%05d", vec![Value::int(-42)]), "-0042");
    }

    #[test]
    fn floats() {
        assert_eq!(sf("%v", vec![Value::float(1.5)]), "1.5");
        assert_eq!(sf("%v", vec![Value::float(1e6)]), "1e+06");
        assert_eq!(sf("%v", vec![Value::float(123456.0)]), "123456");
        assert_eq!(sf("%v", vec![Value::float(1e-5)]), "1e-05");
        assert_eq!(sf("%v", vec![Value::float(0.0001)]), "0.0001");
        assert_eq!(sf("%v", vec![Value::float(123456789.0)]), "1.23456789e+08");
        assert_eq!(
            sf("%f|%.2f|%8.3f|%-8.1f|", vec![Value::float(1.23456); 4]),
            "1.234560|1.23|   1.235|1.2     |"
        );
        assert_eq!(
            sf("%e|%E|%.2e", vec![Value::float(1234.5678); 3]),
            "1.234568e+03|1.234568E+03|1.23e+03"
        );
        assert_eq!(
            sf("%g|%G|%.3g|%.10g", vec![Value::float(0.000012345); 4]),
            "1.2345e-05|1.2345E-05|1.23e-05|1.2345e-05"
        );
        assert_eq!(sf("%g", vec![Value::float(100.0)]), "100");
        assert_eq!(sf("%.3g", vec![Value::float(100.0)]), "100");
        assert_eq!(sf("%.2g", vec![Value::float(100.0)]), "1e+02");
        assert_eq!(
            sf("%v %v", vec![Value::float(0.0), Value::float(-2.5)]),
            "0 -2.5"
        );
        assert_eq!(sf("%e", vec![Value::float(0.0)]), "0.000000e+00");
        assert_eq!(
            sf("%+.1f|%08.2f", vec![Value::float(2.0), Value::float(-3.5)]),
            "+2.0|-0003.50"
        );
        assert_eq!(
            sf(
                "%v %v",
                vec![Value::float(f64::INFINITY), Value::float(f64::NAN)]
            ),
            "+Inf NaN"
        );
        assert_eq!(sf("%d", vec![Value::float(1.5)]), "%!d(float64=1.5)");
        assert_eq!(
            sf("%x|%X|%b", vec![Value::float(3.0); 3]),
            "0x1.8p+01|0X1.8P+01|6755399441055744p-51"
        );
    }

    #[test]
    fn strings_and_composites() {
        assert_eq!(
            sf(
                "%5s|%-5s|%.2s|%05s",
                vec![
                    Value::string("ab"),
                    Value::string("ab"),
                    Value::string("abc"),
                    Value::string("ab")
                ]
            ),
            "   ab|ab   |ab|000ab"
        );
        assert_eq!(
            sf("%x % X %#x", vec![Value::string("hi"); 3]),
            "6869 68 69 0x6869"
        );
        assert_eq!(
            sf("%#q %+q", vec![Value::string("a\"b"), Value::string("é")]),
            "`a\"b` \"\\u00e9\""
        );
        let arr = Value::Array(vec![Value::int(1), Value::string("a")]);
        assert_eq!(sf("%v", vec![arr.clone()]), "[1 a]");
        assert_eq!(sf("%#v", vec![arr.clone()]), "[]interface {}{1, \"a\"}");
        assert_eq!(sf("%d", vec![arr]), "[1 %!d(string=a)]");
        let mut o = crate::value::Object::new();
        o.insert("b".into(), Value::int(2));
        o.insert("a".into(), Value::Bool(true));
        let o = Value::Object(o);
        assert_eq!(sf("%v", vec![o.clone()]), "map[a:true b:2]");
        assert_eq!(
            sf("%#v", vec![o]),
            "map[string]interface {}{\"a\":true, \"b\":2}"
        );
        assert_eq!(
            sf("%v %s", vec![Value::Null, Value::Null]),
            "<nil> %!s(<nil>)"
        );
        assert_eq!(
            sf("%t %t", vec![Value::Bool(false), Value::int(1)]),
            "false %!t(int=1)"
        );
        assert_eq!(
            sf(
                "%T %T %T",
                vec![Value::int(1), Value::float(1.0), Value::string("")]
            ),
            "int float64 string"
        );
        assert_eq!(sf("%s", vec![Value::secret("pw")]), "pw");
        let opt = Value::capsule(OptionalSecret {
            is_secret: false,
            value: "bar".into(),
        });
        assert_eq!(
            sf("%v|%+v|%#v", vec![opt.clone(), opt.clone(), opt]),
            "{false bar}|{IsSecret:false Value:bar}|alloytypes.OptionalSecret{IsSecret:false, Value:\"bar\"}"
        );
    }

    #[test]
    fn inline_errors_and_indexes() {
        assert_eq!(sf("%d", vec![Value::string("x")]), "%!d(string=x)");
        assert_eq!(sf("%s %s", vec![Value::string("a")]), "a %!s(MISSING)");
        assert_eq!(
            sf("%s", vec![Value::string("a"), Value::int(1), Value::Null]),
            "a%!(EXTRA int=1, <nil>)"
        );
        assert_eq!(sf("%", vec![]), "%!(NOVERB)");
        assert_eq!(sf("100%%", vec![]), "100%");
        assert_eq!(sf("%[2]d %[1]d", vec![Value::int(1), Value::int(2)]), "2 1");
        assert_eq!(sf("%[3]d", vec![Value::int(1)]), "%!d(BADINDEX)");
        assert_eq!(
            sf(
                "%[2]d %d",
                vec![Value::int(1), Value::int(2), Value::int(3)]
            ),
            "2 3"
        );
        assert_eq!(
            sf(
                "%*d|%-*d",
                vec![Value::int(4), Value::int(7), Value::int(3), Value::int(1)]
            ),
            "   7|1  "
        );
        assert_eq!(sf("%.*f", vec![Value::int(1), Value::float(2.25)]), "2.2");
        assert_eq!(sf("%z", vec![Value::int(1)]), "%!z(int=1)");
    }
}
