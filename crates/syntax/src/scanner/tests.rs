//! Unit tests for every lexical rule and message of SPEC §1.1–1.3.

use super::*;
use Token::{
    Add, And, Assign, Bool, Comma, Comment, Div, Dot, Eof, Eq, Float, Gt, Gte, Ident, Illegal,
    LBrack, LCurly, LParen, Lt, Lte, Mod, Mul, Neq, Not, Null, Number, Or, Pow, RBrack, RCurly,
    RParen, Sub, Terminator,
};

/// Token::String, which the `String` type would otherwise shadow.
const STR: Token = Token::String;

/// Every lexeme of `src` up to EOF (excluded), comments included.
fn lex(src: &str) -> Vec<(Token, String)> {
    let mut s = Scanner::new(src.as_bytes(), true);
    let mut out = Vec::new();
    loop {
        let l = s.scan();
        if l.tok == Eof {
            return out;
        }
        out.push((l.tok, String::from_utf8_lossy(l.lit).into_owned()));
    }
}

/// The token kinds of `src`, without comments.
fn kinds(src: &str) -> Vec<Token> {
    let mut s = Scanner::new(src.as_bytes(), false);
    let mut out = Vec::new();
    loop {
        match s.scan().tok {
            Eof => return out,
            t => out.push(t),
        }
    }
}

/// Every lexical error of `src` as `(offset, message)`.
fn errors(src: &[u8]) -> Vec<(usize, String)> {
    let mut s = Scanner::new(src, true);
    while s.scan().tok != Eof {}
    s.take_errors()
        .into_iter()
        .map(|e| (e.pos.offset(), e.message))
        .collect()
}

fn one_error(src: &str, offset: usize, msg: &str) {
    assert_eq!(
        errors(src.as_bytes()),
        vec![(offset, msg.to_string())],
        "source {src:?}"
    );
}

fn no_errors(src: &str) {
    assert_eq!(errors(src.as_bytes()), vec![], "source {src:?}");
}

#[test]
fn every_token_kind_with_its_literal_and_position() {
    let cases: &[(Token, &str)] = &[
        (Comment, "/* a comment */"),
        (Comment, "// a comment"),
        (Ident, "foobar"),
        (Ident, "a۰۱۸"),
        (Ident, "foo६४"),
        (Ident, "bar９８７６"),
        (Ident, "ŝfoo"),
        (Number, "0"),
        (Number, "123456789012345678890"),
        (Number, "01234567"),
        (Float, "0."),
        (Float, ".0"),
        (Float, "3.14159265"),
        (Float, "1e0"),
        (Float, "1E+100"),
        (Float, "2.71828e-1000"),
        (STR, r#""Hello, world!""#),
        (STR, "`Hello,\n world!\\\\`"),
        (Bool, "true"),
        (Bool, "false"),
        (Null, "null"),
    ];
    for &(tok, text) in cases {
        let src = format!("  {text}\n");
        let mut s = Scanner::new(src.as_bytes(), true);
        let l = s.scan();
        assert_eq!(
            (l.tok, l.lit, l.pos),
            (tok, text.as_bytes(), Pos(2)),
            "{text:?}"
        );
        assert!(!s.has_errors(), "{text:?}");
    }
}

#[test]
fn operators_and_punctuation() {
    let src = "|| && ! = == != < <= > >= + - * / % ^ { } ( ) [ ] , .";
    let want = [
        Or, And, Not, Assign, Eq, Neq, Lt, Lte, Gt, Gte, Add, Sub, Mul, Div, Mod, Pow, LCurly,
        RCurly, LParen, RParen, LBrack, RBrack, Comma, Dot,
    ];
    let got: Vec<Token> = lex(src).into_iter().map(|(t, _)| t).collect();
    // `}` `)` `]` arm a terminator, but no newline follows here.
    assert_eq!(got, want);
    no_errors(src);
    assert_eq!(kinds(".."), vec![Dot, Dot]);
    assert_eq!(kinds("a.b"), vec![Ident, Dot, Ident, Terminator]);
}

#[test]
fn single_bar_and_ampersand() {
    one_error("a | b", 3, "missing second | in ||");
    one_error("a & b", 3, "missing second & in &&");
    assert_eq!(kinds("a | b"), vec![Ident, Or, Ident, Terminator]);
    assert_eq!(kinds("a & b"), vec![Ident, And, Ident, Terminator]);
}

#[test]
fn illegal_characters() {
    one_error("#", 0, "illegal character U+0023 '#'");
    one_error("a;", 1, "illegal character U+003B ';'");
    one_error("\x07", 0, "illegal character U+0007");
    one_error("…", 0, "illegal character U+2026 '…'");
    one_error("\u{a0}", 0, "illegal character U+00A0");
    for c in [":", "?", "@", "$", "~", "\\"] {
        assert_eq!(kinds(c), vec![Illegal], "{c}");
    }
    // A Unicode digit cannot start an identifier.
    one_error("٣a", 0, "illegal character U+0663 '٣'");
}

#[test]
fn byte_order_mark_only_at_the_start() {
    let l = Scanner::new("\u{feff}a".as_bytes(), true).scan();
    assert_eq!((l.tok, l.pos), (Ident, Pos(3)));
    no_errors("\u{feff}a = 1");
    one_error("\u{feff}\u{feff}", 3, "illegal byte order mark");
    one_error("//\u{feff}", 2, "illegal byte order mark");
    one_error("\"abc\u{feff}def\"", 4, "illegal byte order mark");
    assert_eq!(kinds("a \u{feff}"), vec![Ident, Illegal, Terminator]);
}

#[test]
fn nul_and_invalid_utf8() {
    assert_eq!(
        errors(b"\"abc\x00def\""),
        vec![(4, "illegal character NUL".into())]
    );
    assert_eq!(
        errors(b"\"abc\x80def\""),
        vec![(4, "illegal UTF-8 encoding".into())]
    );
    // Outside a string the bad character is also an illegal token.
    assert_eq!(
        errors(b"abc\x00"),
        vec![
            (3, "illegal character NUL".into()),
            (3, "illegal character U+0000".into())
        ]
    );
    assert_eq!(
        errors(b"\xff"),
        vec![
            (0, "illegal UTF-8 encoding".into()),
            (0, "illegal character U+FFFD '\u{fffd}'".into())
        ]
    );
    assert_eq!(lex("abc\0def")[0], (Ident, "abc".to_string()));
}

#[test]
fn identifiers_and_keywords() {
    assert_eq!(
        lex("métrica_café"),
        vec![(Ident, "métrica_café".into()), (Terminator, "\n".into())]
    );
    assert_eq!(kinds("a٣"), vec![Ident, Terminator]);
    assert_eq!(kinds("_x1"), vec![Ident, Terminator]);
    assert_eq!(kinds("1a"), vec![Number, Ident, Terminator]);
    assert_eq!(kinds("my-attr"), vec![Ident, Sub, Ident, Terminator]);
    assert_eq!(
        kinds("true false null if env"),
        vec![Bool, Bool, Null, Ident, Ident, Terminator]
    );
    assert_eq!(kinds("nullx truex"), vec![Ident, Ident, Terminator]);
    // A combining mark is not a letter: it ends the identifier.
    assert_eq!(kinds("a\u{301}"), vec![Ident, Illegal, Terminator]);
}

#[test]
fn numbers() {
    assert_eq!(kinds("1"), vec![Number, Terminator]);
    for f in ["1.", ".5", "1E5", "1e+10", "1.5e-3"] {
        assert_eq!(kinds(f), vec![Float, Terminator], "{f}");
        no_errors(f);
    }
    one_error("a = 1e", 4, "exponent has no digits");
    one_error("10E+", 0, "exponent has no digits");
    assert_eq!(
        lex("0x10")[..2],
        [(Number, "0".into()), (Ident, "x10".into())]
    );
    assert_eq!(lex("a.0")[1], (Float, ".0".into()));
    assert_eq!(
        lex("1..2")[..2],
        [(Float, "1.".into()), (Float, ".2".into())]
    );
}

#[test]
fn strings_and_escapes() {
    for ok in [
        r#""\a\b\f\n\r\t\v\\\"""#,
        r#""\000\377\x00\xfF""#,
        r#""\u00e9\U0001F600\uFFFF""#,
        "\"tab\tin string é\"",
        r#""""#,
    ] {
        assert_eq!(kinds(ok), vec![STR, Terminator], "{ok}");
        no_errors(ok);
    }
    one_error(r#"a = "\q""#, 6, "unknown escape sequence");
    one_error(r#"a = "\'""#, 6, "unknown escape sequence");
    one_error(
        r#""\ud800""#,
        2,
        "escape sequence is invalid Unicode code point",
    );
    one_error(
        r#""\U00110000""#,
        2,
        "escape sequence is invalid Unicode code point",
    );
    one_error(
        r#""\400""#,
        2,
        "escape sequence is invalid Unicode code point",
    );
    one_error(
        r#""\xZZ""#,
        2,
        "illegal character U+005A 'Z' in escape sequence",
    );
    one_error(
        r#""\08""#,
        2,
        "illegal character U+0038 '8' in escape sequence",
    );
    assert_eq!(
        errors(b"\"\\u12\n"),
        vec![
            (2, "illegal character U+000A in escape sequence".into()),
            (0, "string literal not terminated".into())
        ]
    );
    assert_eq!(
        errors(b"\"\\"),
        vec![
            (2, "escape sequence not terminated".into()),
            (0, "string literal not terminated".into())
        ]
    );
    assert_eq!(
        errors(b"\"\\x4"),
        vec![
            (2, "escape sequence not terminated".into()),
            (0, "string literal not terminated".into())
        ]
    );
}

#[test]
fn unterminated_and_single_quoted_strings() {
    one_error("\"abc", 0, "string literal not terminated");
    one_error("x = \"abc\n", 4, "string literal not terminated");
    assert_eq!(lex("\"abc\n   ")[0], (STR, "\"abc".into()));
    one_error("`abc", 0, "string literal not terminated");
    one_error(
        "a = 'x'",
        4,
        "illegal single-quoted string; use double quotes",
    );
    assert_eq!(kinds("'x'"), vec![Illegal, Terminator]);
}

#[test]
fn raw_strings_span_lines_without_escapes() {
    let src = "`a\\q\n\"b`";
    assert_eq!(lex(src)[0], (STR, src.into()));
    no_errors(src);
    assert_eq!(kinds("`a` + \"`\""), vec![STR, Add, STR, Terminator]);
}

#[test]
fn comments() {
    assert_eq!(lex("// x\r\n")[0], (Comment, "// x\r".into()));
    assert_eq!(lex("/* a\n b */")[0], (Comment, "/* a\n b */".into()));
    assert_eq!(kinds("a /* x */ b"), vec![Ident, Ident, Terminator]);
    one_error("/* abc", 0, "block comment not terminated");
    one_error("a = 1 /* abc\n", 6, "block comment not terminated");
    // `#` does not start a comment.
    assert_eq!(kinds("# x"), vec![Illegal, Ident, Terminator]);
}

#[test]
fn comment_text_strips_carriage_returns() {
    assert_eq!(comment_text(b"// x\r"), "// x");
    assert_eq!(comment_text(b"/*\r*/"), "/**/");
    assert_eq!(comment_text(b"/**\r/*/"), "/**\r/*/");
    assert_eq!(comment_text(b"/**\r\r/*/"), "/**\r/*/");
    assert_eq!(comment_text(b"/* a\r\n b */"), "/* a\n b */");
    assert_eq!(comment_text(b"// plain"), "// plain");
}

#[test]
fn terminators_follow_tokens_that_can_end_a_statement() {
    // Exactly these tokens arm a terminator at the next newline or EOF.
    for arming in [
        "a", "1", "1.5", "\"s\"", "`r`", "true", "null", ")", "]", "}",
    ] {
        assert_eq!(
            kinds(&format!("{arming}\n")).last(),
            Some(&Terminator),
            "{arming}"
        );
        assert_eq!(kinds(arming).last(), Some(&Terminator), "{arming} at EOF");
    }
    for quiet in [
        "=", "+", "-", "*", "/", "%", "^", "||", "&&", "!", "==", "!=", "<", "<=", ">", ">=", ",",
        ".", "(", "[", "{",
    ] {
        assert_ne!(
            kinds(&format!("{quiet}\n")).last(),
            Some(&Terminator),
            "{quiet}"
        );
    }
    // An illegal character keeps whatever was armed before it.
    assert_eq!(kinds("a #\n"), vec![Ident, Illegal, Terminator]);
    assert_eq!(kinds("= #\n"), vec![Assign, Illegal]);
    // Blank lines give one terminator.
    assert_eq!(
        kinds("a\n\n\nb"),
        vec![Ident, Terminator, Ident, Terminator]
    );
}

#[test]
fn terminator_table_of_the_spec() {
    assert_eq!(kinds("a =\n 1"), vec![Ident, Assign, Number, Terminator]);
    assert_eq!(
        kinds("a = 1 +\n 2"),
        vec![Ident, Assign, Number, Add, Number, Terminator]
    );
    assert_eq!(
        kinds("a = 1\n + 2"),
        vec![Ident, Assign, Number, Terminator, Add, Number, Terminator]
    );
    assert_eq!(
        kinds("a = b\n[0]"),
        vec![
            Ident, Assign, Ident, Terminator, LBrack, Number, RBrack, Terminator
        ]
    );
    assert_eq!(
        kinds("foo\n{\n}"),
        vec![Ident, Terminator, LCurly, RCurly, Terminator]
    );
    assert_eq!(
        kinds("[\n 1,\n 2\n]"),
        vec![
            LBrack, Number, Comma, Number, Terminator, RBrack, Terminator
        ]
    );
}

#[test]
fn comments_at_line_end_come_after_the_terminator() {
    let toks = lex("a = 1 // c\nb");
    assert_eq!(toks[3], (Terminator, "\n".into()));
    assert_eq!(toks[4], (Comment, "// c".into()));
    assert_eq!(toks[5].0, Ident);
    // The terminator takes the comment's position.
    let mut s = Scanner::new(b"a // c\n", true);
    s.scan();
    assert_eq!(s.scan().pos, Pos(2));
    // A block comment running to the line end, or across lines, ends the line too.
    assert_eq!(
        kinds("a = 1 /* c */\nb = 2"),
        vec![
            Ident, Assign, Number, Terminator, Ident, Assign, Number, Terminator
        ]
    );
    let toks: Vec<Token> = lex("a = 1 /* c\n d */ b = 2")
        .into_iter()
        .map(|t| t.0)
        .collect();
    assert_eq!(
        toks,
        vec![
            Ident, Assign, Number, Terminator, Comment, Ident, Assign, Number, Terminator
        ]
    );
    // Several comments on the rest of the line.
    assert_eq!(
        lex("a /* x */ /* y */ // z\n")
            .iter()
            .map(|t| t.0)
            .collect::<Vec<_>>(),
        vec![Ident, Terminator, Comment, Comment, Comment]
    );
    // A comment followed by more code on the line is not a line end.
    assert_eq!(
        lex("a /* x */ b").iter().map(|t| t.0).collect::<Vec<_>>(),
        vec![Ident, Comment, Ident, Terminator]
    );
    // At EOF, an unterminated block comment also ends the line.
    assert_eq!(lex("a /* x")[1].0, Terminator);
    // Without a pending terminator, comments come straight out.
    assert_eq!(lex("// a\nb")[0], (Comment, "// a".into()));
}

#[test]
fn crlf_is_whitespace() {
    assert_eq!(
        kinds("a = 1\r\nb {\r\n}\r\n"),
        vec![
            Ident, Assign, Number, Terminator, Ident, LCurly, RCurly, Terminator
        ]
    );
}

#[test]
fn unquote_has_go_semantics() {
    assert_eq!(unquote(r#""abc""#).unwrap(), b"abc");
    assert_eq!(unquote(r#""""#).unwrap(), b"");
    assert_eq!(unquote(r#""a\tb\n\"\\""#).unwrap(), b"a\tb\n\"\\");
    assert_eq!(unquote(r#""\a\b\f\r\v""#).unwrap(), b"\x07\x08\x0c\r\x0b");
    assert_eq!(unquote(r#""\xff\101\000""#).unwrap(), b"\xffA\0");
    assert_eq!(unquote(r#""\u00e9\U0001F600""#).unwrap(), "é😀".as_bytes());
    assert_eq!(unquote("\"é\"").unwrap(), "é".as_bytes());
    assert_eq!(unquote("`a\\n\r\nb`").unwrap(), b"a\\n\nb");
    for bad in [
        r#""\q""#,
        r#""\'""#,
        r#""\ud800""#,
        r#""\400""#,
        r#""\x4""#,
        "\"a\nb\"",
        r#""a"b""#,
        r#""abc"#,
        "'a'",
        "`a`b`",
        "\"",
        "",
    ] {
        assert_eq!(unquote(bad), Err("invalid syntax".to_string()), "{bad:?}");
    }
}

#[test]
fn valid_identifiers() {
    for ok in ["a", "_", "abc_1", "métrica", "a٣"] {
        assert!(is_valid_identifier(ok), "{ok}");
    }
    for bad in ["", "1a", "a-b", "a b", "true", "null", "false", "٣", "a.b"] {
        assert!(!is_valid_identifier(bad), "{bad}");
    }
}

#[test]
fn go_quote_escapes_like_go() {
    assert_eq!(go_quote(b"a-b"), r#""a-b""#);
    assert_eq!(go_quote(b"`a`"), r#""`a`""#);
    assert_eq!(go_quote(b"a\"b\\"), r#""a\"b\\""#);
    assert_eq!(go_quote(b"\n\t\x01\x7f"), r#""\n\t\x01\x7f""#);
    assert_eq!(
        go_quote("é\u{a0}\u{10ffff}".as_bytes()),
        "\"é\\u00a0\\U0010ffff\""
    );
    assert_eq!(go_quote(b"\xff"), r#""\xff""#);
}
