//! The shape of the trees the parser builds: precedence, positions, labels,
//! object keys, comment groups, diagnostics' ranges and the expression entry point.

use syntax::ast::{BlockStmt, Expr, File, Stmt};
use syntax::parser::{parse, parse_expression, parse_file};
use syntax::pos::{Pos, SourceFile};
use syntax::token::Token;

fn parse_ok(src: &str) -> File {
    let (file, diags) = parse("test.alloy", src.as_bytes());
    assert!(diags.is_empty(), "{src:?}: {diags}");
    file
}

fn expr(src: &str) -> Expr {
    parse_expression(&SourceFile::new("", src)).unwrap_or_else(|d| panic!("{src:?}: {d}"))
}

/// A compact rendering of an expression's structure.
fn show(e: &Expr) -> String {
    match e {
        Expr::Identifier(i) => i.name.clone(),
        Expr::Literal(l) => l.value.clone(),
        Expr::Array(a) => format!(
            "[{}]",
            a.elements.iter().map(show).collect::<Vec<_>>().join(" ")
        ),
        Expr::Object(o) => {
            let fields: Vec<String> = o
                .fields
                .iter()
                .map(|f| {
                    format!(
                        "{}{}={}",
                        if f.quoted { "q:" } else { "" },
                        f.name.name,
                        show(&f.value)
                    )
                })
                .collect();
            format!("{{{}}}", fields.join(" "))
        }
        Expr::Access(a) => format!("{}.{}", show(&a.value), a.name.name),
        Expr::Index(i) => format!("{}[{}]", show(&i.value), show(&i.index)),
        Expr::Call(c) => format!(
            "{}({})",
            show(&c.value),
            c.args.iter().map(show).collect::<Vec<_>>().join(" ")
        ),
        Expr::Unary(u) => format!("({}{})", u.kind, show(&u.value)),
        Expr::Binary(b) => format!("({} {} {})", show(&b.left), b.kind, show(&b.right)),
        Expr::Paren(p) => format!("<{}>", show(&p.inner)),
    }
}

#[test]
fn operator_precedence_and_associativity() {
    let cases = [
        ("1 + 2 * 3", "(1 + (2 * 3))"),
        ("1 - 2 - 3", "((1 - 2) - 3)"),
        ("2 ^ 3 ^ 2", "(2 ^ (3 ^ 2))"),
        ("-2 ^ 2", "((-2) ^ 2)"),
        ("2 * 3 ^ 2", "(2 * (3 ^ 2))"),
        ("-a.b", "(-a.b)"),
        ("!!true", "(!(!true))"),
        ("--1", "(-(-1))"),
        (
            "a || b && c == d + e * f",
            "(a || (b && (c == (d + (e * f)))))",
        ),
        ("a == b != c", "((a == b) != c)"),
        ("a < b <= c > d >= e", "((((a < b) <= c) > d) >= e)"),
        ("a % b / c * d", "(((a % b) / c) * d)"),
        ("(1 + 2) * 3", "(<(1 + 2)> * 3)"),
        ("f(1, 2,)[0].x", "f(1 2)[0].x"),
        ("a.b[\"c\"].d[0]", "a.b[\"c\"].d[0]"),
        ("[1, [2], {}]", "[1 [2] {}]"),
        ("f()", "f()"),
        ("`raw` + \"s\"", "(`raw` + \"s\")"),
    ];
    for (src, want) in cases {
        assert_eq!(show(&expr(src)), want, "{src}");
    }
}

#[test]
fn literals_keep_their_kind_and_source_text() {
    let kinds = [
        ("1", Token::Number),
        ("1.5", Token::Float),
        ("\"a\\n\"", Token::String),
        ("`a`", Token::String),
        ("true", Token::Bool),
        ("null", Token::Null),
    ];
    for (src, kind) in kinds {
        let Expr::Literal(l) = expr(src) else {
            panic!("{src}: not a literal")
        };
        assert_eq!((l.kind, l.value.as_str(), l.pos), (kind, src, Pos(0)));
    }
}

#[test]
fn positions_of_every_node() {
    let e = expr("f(a, [1], {x = 2})");
    assert_eq!((e.start(), e.end()), (Pos(0), Pos(17)));
    let Expr::Call(c) = &e else { panic!() };
    assert_eq!((c.lparen, c.rparen), (Pos(1), Pos(17)));
    let Expr::Array(a) = &c.args[1] else { panic!() };
    assert_eq!((a.lbrack, a.rbrack), (Pos(5), Pos(7)));
    let Expr::Object(o) = &c.args[2] else {
        panic!()
    };
    assert_eq!(
        (o.lcurly, o.rcurly, o.fields[0].name.pos),
        (Pos(10), Pos(16), Pos(11))
    );

    let e = expr("a.bc[0] + -x");
    let Expr::Binary(b) = &e else { panic!() };
    assert_eq!(b.kind_pos, Pos(8));
    let Expr::Index(i) = &b.left else { panic!() };
    assert_eq!(
        (i.lbrack, i.rbrack, i.value.end()),
        (Pos(4), Pos(6), Pos(3))
    );
    let Expr::Unary(u) = &b.right else { panic!() };
    assert_eq!(
        (u.kind, u.kind_pos, e.end()),
        (Token::Sub, Pos(10), Pos(11))
    );
    let e = expr("(\"ab\")");
    assert_eq!((e.start(), e.end()), (Pos(0), Pos(5)));
}

fn block(stmt: &Stmt) -> &BlockStmt {
    match stmt {
        Stmt::Block(b) => b,
        Stmt::Attribute(_) => panic!("not a block"),
    }
}

#[test]
fn statements_blocks_and_labels() {
    let f =
        parse_ok("a = 1\nprometheus.scrape \"default\" {\n  inner \"\" { }\n  x { y = 2 }\n}\n");
    assert_eq!(f.name, "test.alloy");
    assert_eq!(f.body.len(), 2);
    let Stmt::Attribute(a) = &f.body[0] else {
        panic!()
    };
    assert_eq!((a.name.name.as_str(), a.name.pos), ("a", Pos(0)));
    assert_eq!(f.body[0].span().end, Pos(4));

    let b = block(&f.body[1]);
    assert_eq!(b.name, ["prometheus", "scrape"]);
    assert_eq!(
        (b.name_pos, b.label.as_str(), b.label_pos),
        (Pos(6), "default", Pos(24))
    );
    assert_eq!((b.lcurly, b.rcurly), (Pos(34), Pos(65)));
    assert_eq!(b.id(), "prometheus.scrape.default");
    // An empty label is no label, but its position is known.
    let inner = block(&b.body[0]);
    assert_eq!((inner.label.as_str(), inner.label_pos), ("", Pos(44)));
    let x = block(&b.body[1]);
    assert_eq!((x.label_pos, x.body.len()), (Pos::NONE, 1));
}

#[test]
fn object_keys_are_the_text_between_the_delimiters() {
    let e = expr(r#"{ "a\"b" = 1, `k` = 2, "" = 3, plain = 4, "x.y/z" = 5, plain = 6 }"#);
    assert_eq!(
        show(&e),
        r#"{q:a\"b=1 q:k=2 ""=3 plain=4 q:x.y/z=5 plain=6}"#
    );
}

#[test]
fn comments_are_grouped_as_alloy_groups_them() {
    let src = "// a\n// b\n\n// c\nx = 1 // d\n/* e\n f */\n// g\n\ny = [ // h\n  1, /* i */\n]\n/* j */ z = 2\n";
    let f = parse_ok(src);
    let groups: Vec<Vec<&str>> = f
        .comments
        .iter()
        .map(|g| g.iter().map(|c| c.text.as_str()).collect())
        .collect();
    assert_eq!(
        groups,
        vec![
            vec!["// a", "// b"],
            vec!["// c"],
            vec!["// d", "/* e\n f */", "// g"],
            vec!["// h"],
            vec!["/* i */"],
            vec!["/* j */"],
        ]
    );
    assert_eq!(f.comments[1][0].start, Pos(11));
    assert_eq!(f.comments[1][0].end(), Pos(14));
    // Carriage returns are not part of comment text.
    let f = parse_ok("a = 1 // x\r\n// y\r\n");
    assert_eq!(f.comments[0][0].text, "// x");
    assert_eq!(f.comments[0][1].text, "// y");
}

#[test]
fn diagnostics_carry_positions_and_ranges() {
    let file = SourceFile::new("main.alloy", "a.b = 1\nx \"l\" = 2\ny = z \"w\" { }\n");
    let (_, diags) = parse_file(&file);
    let got: Vec<String> = diags
        .iter()
        .map(|d| format!("{}-{}:{} {}", d.start, d.end.line, d.end.column, d.message))
        .collect();
    assert_eq!(
        got,
        [
            r#"main.alloy:1:1-1:3 attribute names may only consist of a single identifier with no ".""#,
            "main.alloy:2:3-2:5 attribute names may not have labels",
            "main.alloy:3:5-3:13 cannot use a block as an expression",
        ]
    );
}

#[test]
fn one_parse_error_per_line() {
    let (_, diags) = parse("x", b"a = 1 2 3\nb = ) )\n");
    let got: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
    assert_eq!(
        got,
        [
            "x:1:7: expected TERMINATOR, got NUMBER",
            "x:2:5: expected expression, got )"
        ]
    );
}

#[test]
fn label_messages_quote_like_go() {
    let (_, diags) = parse("x", "a \"b\\\"c\" { }\nd \"é f\" { }\n".as_bytes());
    let got: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        got,
        [
            r#"expected block label to be a valid identifier, but got "b\\\"c""#,
            r#"expected block label to be a valid identifier, but got "é f""#,
        ]
    );
}

#[test]
fn parse_expression_reads_one_expression() {
    assert_eq!(show(&expr("1 + 2\n")), "(1 + 2)");
    let err = |src: &str| {
        parse_expression(&SourceFile::new("", src))
            .expect_err(src)
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(err("1 2"), ["1:3: expected TERMINATOR, got NUMBER"]);
    assert_eq!(err(""), ["1:1: expected expression, got EOF"]);
    assert_eq!(err("a ="), ["1:3: expected TERMINATOR, got ="]);
    assert_eq!(err("1\n2"), ["2:1: expected EOF, got NUMBER"]);
    assert_eq!(show(&expr("// c\n1 // d\n\n/* e */\n")), "1");
}
