//! The shared argument types: Go durations and base-2 byte sizes.

use syntax::decode::{ByteSize, Codec, GoDuration, parse_byte_size, parse_go_duration};
use syntax::value::Value;

const NS: i64 = 1;
const US: i64 = 1_000;
const MS: i64 = 1_000_000;
const S: i64 = 1_000_000_000;
const M: i64 = 60 * S;
const H: i64 = 60 * M;

#[test]
fn durations_parse_as_go_does() {
    let table: &[(&str, i64)] = &[
        ("0", 0),
        ("5s", 5 * S),
        ("30s", 30 * S),
        ("1478s", 1478 * S),
        ("-5s", -5 * S),
        ("+5s", 5 * S),
        ("-0", 0),
        ("+0", 0),
        ("5.0s", 5 * S),
        ("5.6s", 5 * S + 600 * MS),
        ("5.s", 5 * S),
        (".5s", 500 * MS),
        ("1.004s", S + 4 * MS),
        ("100.00100s", 100 * S + MS),
        ("10ns", 10 * NS),
        ("11us", 11 * US),
        ("12µs", 12 * US),
        ("12μs", 12 * US),
        ("13ms", 13 * MS),
        ("15m", 15 * M),
        ("16h", 16 * H),
        ("3h30m", 3 * H + 30 * M),
        ("1.5h", H + 30 * M),
        ("10.5s4m", 4 * M + 10 * S + 500 * MS),
        ("-2m3.4s", -(2 * M + 3 * S + 400 * MS)),
        (
            "1h2m3s4ms5us6ns",
            H + 2 * M + 3 * S + 4 * MS + 5 * US + 6 * NS,
        ),
        ("39h9m14.425s", 39 * H + 9 * M + 14 * S + 425 * MS),
        ("52763797000ns", 52763797000 * NS),
        ("0.3333333333333333333h", 20 * M),
        ("9007199254740993ns", (1 << 53) + 1),
        ("9223372036854775807ns", i64::MAX),
        ("9223372036854775.807us", i64::MAX),
        ("9223372036854ms775us807ns", i64::MAX),
        ("-9223372036854ms775us808ns", i64::MIN),
        ("-9223372036854775808ns", i64::MIN),
        ("-9223372036854775.808us", i64::MIN),
        ("-2562047h47m16.854775808s", i64::MIN),
        ("0.100000000000000000000h", 6 * M),
        (
            "0.830103483285477580700h",
            49 * M + 48 * S + 372_539_827 * NS,
        ),
    ];
    for (text, want) in table {
        assert_eq!(parse_go_duration(text), Ok(GoDuration(*want)), "{text}");
    }
}

#[test]
fn duration_errors_have_go_texts() {
    let table: &[(&str, &str)] = &[
        ("", r#"time: invalid duration """#),
        ("3", r#"time: missing unit in duration "3""#),
        ("-", r#"time: invalid duration "-""#),
        ("s", r#"time: invalid duration "s""#),
        (".", r#"time: invalid duration ".""#),
        ("-.", r#"time: invalid duration "-.""#),
        (".s", r#"time: invalid duration ".s""#),
        ("+.s", r#"time: invalid duration "+.s""#),
        ("1d", r#"time: unknown unit "d" in duration "1d""#),
        ("2w", r#"time: unknown unit "w" in duration "2w""#),
        ("1y", r#"time: unknown unit "y" in duration "1y""#),
        ("1 s", r#"time: unknown unit " s" in duration "1 s""#),
        (
            "1é",
            r#"time: unknown unit "\xc3\xa9" in duration "1\xc3\xa9""#,
        ),
        (
            "9223372036854775808ns",
            r#"time: invalid duration "9223372036854775808ns""#,
        ),
        (
            "9223372036854775.808us",
            r#"time: invalid duration "9223372036854775.808us""#,
        ),
        (
            "9223372036854ms775us808ns",
            r#"time: invalid duration "9223372036854ms775us808ns""#,
        ),
        (
            "-9223372036854775809ns",
            r#"time: invalid duration "-9223372036854775809ns""#,
        ),
    ];
    for (text, want) in table {
        assert_eq!(parse_go_duration(text).unwrap_err(), *want, "{text:?}");
    }
}

#[test]
fn durations_print_in_go_form() {
    let table: &[(i64, &str)] = &[
        (0, "0s"),
        (1, "1ns"),
        (1100 * NS, "1.1µs"),
        (2200 * US, "2.2ms"),
        (3300 * MS, "3.3s"),
        (4 * M + 5 * S, "4m5s"),
        (4 * M + 5001 * MS, "4m5.001s"),
        (5 * H + 6 * M + 7001 * MS, "5h6m7.001s"),
        (8 * M + 1, "8m0.000000001s"),
        (H, "1h0m0s"),
        (-90 * S, "-1m30s"),
        (i64::MAX, "2562047h47m16.854775807s"),
        (i64::MIN, "-2562047h47m16.854775808s"),
    ];
    for (nanos, want) in table {
        assert_eq!(GoDuration(*nanos).to_string(), *want);
        assert_eq!(
            parse_go_duration(want),
            Ok(GoDuration(*nanos)),
            "{want} reads back"
        );
    }
}

#[test]
fn durations_decode_from_strings_only_with_units() {
    assert_eq!(
        GoDuration::decode(&Value::string("1m")).unwrap(),
        GoDuration(M)
    );
    // Numbers become strings first, so a bare number has no unit.
    assert_eq!(
        GoDuration::decode(&Value::int(5)).unwrap_err().to_string(),
        r#"time: missing unit in duration "5""#
    );
    assert_eq!(GoDuration::decode(&Value::int(0)).unwrap(), GoDuration(0));
    assert_eq!(GoDuration::decode(&Value::Null).unwrap(), GoDuration(0));
    assert_eq!(
        GoDuration::decode(&Value::Bool(true))
            .unwrap_err()
            .to_string(),
        "expected string, got bool"
    );
    assert!(matches!(GoDuration(H).encode(), Value::String(s) if s == "1h0m0s"));
    assert_eq!(
        GoDuration(5 * S).to_std(),
        Some(std::time::Duration::from_secs(5))
    );
    assert_eq!(GoDuration(-1).to_std(), None);
    assert_eq!(
        GoDuration::from_std(std::time::Duration::from_millis(3)),
        GoDuration(3 * MS)
    );
}

#[test]
fn byte_sizes_use_base_2_units() {
    let table: &[(&str, i64)] = &[
        ("0", 0),
        ("1B", 1),
        ("4MiB", 4 << 20),
        ("20MiB", 20 << 20),
        ("512KiB", 512 << 10),
        ("1KB", 1024),
        ("2GB", 2 << 30),
        ("1.5KiB", 1536),
        ("1GiB512MiB", 1536 << 20),
        ("1TiB", 1 << 40),
        ("-1KiB", -1024),
    ];
    for (text, want) in table {
        assert_eq!(parse_byte_size(text), Ok(ByteSize(*want)), "{text}");
    }
    let errors: &[(&str, &str)] = &[
        ("4kB", "units: unknown unit kB in 4kB"),
        ("1024", "units: unknown unit  in 1024"),
        ("", "units: invalid "),
        ("MiB", "units: invalid MiB"),
        ("1KiB1KB", "units: unknown unit KiB in 1KiB1KB"),
    ];
    for (text, want) in errors {
        assert_eq!(parse_byte_size(text).unwrap_err(), *want, "{text:?}");
    }
}

#[test]
fn byte_sizes_print_every_unit_digit() {
    for (n, want) in [
        (0, "0B"),
        (1, "1B"),
        (4 << 20, "4MiB"),
        (1536, "1KiB512B"),
        ((1 << 30) + 1, "1GiB1B"),
    ] {
        assert_eq!(ByteSize(n).to_string(), want);
        assert_eq!(parse_byte_size(want), Ok(ByteSize(n)));
    }
    assert_eq!(
        ByteSize::decode(&Value::string("50MiB")).unwrap(),
        ByteSize(50 << 20)
    );
    assert!(matches!(ByteSize(4 << 20).encode(), Value::String(s) if s == "4MiB"));
}
