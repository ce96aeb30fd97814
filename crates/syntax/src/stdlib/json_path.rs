//! `json_path(json, path)`: JSONPath in the dialect of ohler55/ojg, which
//! Alloy uses. No crate implements that dialect (the RFC 9535 crates require a
//! leading `$` and differ in filters), so this is a small evaluator of the
//! subset configs use: an optional leading `$` or `@`, `.name`, `..name`,
//! `.*`, `[*]`, `[n]` (negative from the end), `[a:b:c]` slices, `['k']` and
//! unions `[0,'k']`, and filters `[?(...)]` with `== != < <= > >=`, `&& || !`,
//! parentheses, `@`/`$` paths and string/number/bool/null literals. Results
//! are always a list; JSON integers stay integers (ojg parses them as int64).

use super::args;
use super::json::{self, Numbers};
use crate::value::{CallError, Value};
use std::cmp::Ordering;

pub fn json_path(a: &[Value]) -> Result<Value, CallError> {
    let (text, path) = (args::string(a, 0)?, args::string(a, 1)?);
    let steps = Parser::new(&path).path().map_err(CallError::new)?;
    let doc = json::parse(&text, Numbers::IntOrFloat).map_err(CallError::new)?;
    Ok(Value::Array(apply(&steps, &doc, &doc)))
}

#[derive(Debug)]
enum Sel {
    Name(String),
    Wildcard,
    Index(i64),
    Slice(Option<i64>, Option<i64>, i64),
    Union(Vec<Sel>),
    Filter(Filter),
}

#[derive(Debug)]
enum Step {
    Child(Sel),
    Descent(Sel),
}

#[derive(Debug)]
enum Filter {
    Or(Box<Filter>, Box<Filter>),
    And(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Compare(Operand, CmpOp, Operand),
    Exists(Operand),
}

#[derive(Debug)]
enum Operand {
    Literal(Value),
    /// A path from the current node (`@`) or the root (`$`).
    Path {
        from_root: bool,
        steps: Vec<Step>,
    },
}

#[derive(Debug, Clone, Copy)]
enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    /// Brackets and parentheses currently open, bounded to protect the stack.
    depth: usize,
}

const MAX_DEPTH: usize = 100;

impl<'a> Parser<'a> {
    fn new(s: &'a str) -> Parser<'a> {
        Parser {
            s: s.as_bytes(),
            i: 0,
            depth: 0,
        }
    }

    fn err<T>(&self, what: &str) -> Result<T, String> {
        // ojg's wording: `<what> at <1-based offset> in <path>`.
        Err(format!(
            "{what} at {} in {}",
            self.i + 1,
            String::from_utf8_lossy(self.s)
        ))
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn skip_ws(&mut self) {
        while self.peek() == Some(b' ') {
            self.i += 1;
        }
    }

    /// A whole path: optional `$`/`@`, then steps to the end.
    fn path(&mut self) -> Result<Vec<Step>, String> {
        let mut steps = Vec::new();
        if !self.eat(b'$') && !self.eat(b'@') && self.peek().is_some_and(is_name_byte) {
            // ojg reads a leading bare name as a child of the root.
            steps.push(Step::Child(Sel::Name(self.name()?)));
        }
        steps.extend(self.steps()?);
        if self.i < self.s.len() {
            return self.err("parse error");
        }
        Ok(steps)
    }

    /// Steps until something that cannot continue a path.
    fn steps(&mut self) -> Result<Vec<Step>, String> {
        let mut steps = Vec::new();
        loop {
            match self.peek() {
                Some(b'.') => {
                    self.i += 1;
                    let descent = self.eat(b'.');
                    let sel = if self.peek() == Some(b'[') {
                        self.i += 1;
                        self.bracket()?
                    } else if self.eat(b'*') {
                        Sel::Wildcard
                    } else {
                        Sel::Name(self.name()?)
                    };
                    steps.push(if descent {
                        Step::Descent(sel)
                    } else {
                        Step::Child(sel)
                    });
                }
                Some(b'[') => {
                    self.i += 1;
                    steps.push(Step::Child(self.bracket()?));
                }
                _ => return Ok(steps),
            }
        }
    }

    fn name(&mut self) -> Result<String, String> {
        let start = self.i;
        while self.peek().is_some_and(is_name_byte) {
            self.i += 1;
        }
        if self.i == start {
            return self.err("not terminated");
        }
        Ok(String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    /// Parse a nested construct with `f`, refusing absurd nesting.
    fn nested<T>(&mut self, f: fn(&mut Self) -> Result<T, String>) -> Result<T, String> {
        if self.depth >= MAX_DEPTH {
            return self.err("nested too deeply");
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    /// After `[`: a filter, a wildcard, or a union of indexes, slices and keys.
    fn bracket(&mut self) -> Result<Sel, String> {
        self.nested(Self::bracket_body)
    }

    fn bracket_body(&mut self) -> Result<Sel, String> {
        if self.peek().is_none() {
            return self.err("not terminated");
        }
        self.skip_ws();
        if self.eat(b'?') {
            let paren = self.eat(b'(');
            let f = self.or()?;
            self.skip_ws();
            if paren && !self.eat(b')') {
                return self.err("not terminated");
            }
            self.skip_ws();
            if !self.eat(b']') {
                return self.err("not terminated");
            }
            return Ok(Sel::Filter(f));
        }
        if self.eat(b'*') {
            self.skip_ws();
            if !self.eat(b']') {
                return self.err("not terminated");
            }
            return Ok(Sel::Wildcard);
        }
        let mut parts = Vec::new();
        loop {
            self.skip_ws();
            parts.push(self.bracket_item()?);
            self.skip_ws();
            if self.eat(b']') {
                break;
            }
            if !self.eat(b',') {
                return self.err("invalid union syntax");
            }
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Sel::Union(parts)
        })
    }

    fn bracket_item(&mut self) -> Result<Sel, String> {
        if matches!(self.peek(), Some(b'\'' | b'"')) {
            return Ok(Sel::Name(self.quoted()?));
        }
        let start = self.int()?;
        if !self.eat(b':') {
            return match start {
                Some(i) => Ok(Sel::Index(i)),
                None => self.err("invalid bracket fragment"),
            };
        }
        let end = self.int()?;
        let step = if self.eat(b':') {
            self.int()?.unwrap_or(1)
        } else {
            1
        };
        Ok(Sel::Slice(start, end, step))
    }

    fn int(&mut self) -> Result<Option<i64>, String> {
        self.skip_ws();
        let start = self.i;
        self.eat(b'-');
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        if self.i == start {
            return Ok(None);
        }
        match std::str::from_utf8(&self.s[start..self.i])
            .ok()
            .and_then(|t| t.parse().ok())
        {
            Some(n) => Ok(Some(n)),
            None => self.err("expected a number"),
        }
    }

    fn quoted(&mut self) -> Result<String, String> {
        let q = self.peek().unwrap_or(b'"');
        self.i += 1;
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            self.i += 1;
            match c {
                c if c == q => return Ok(String::from_utf8_lossy(&out).into_owned()),
                b'\\' => {
                    if let Some(e) = self.peek() {
                        out.push(e);
                        self.i += 1;
                    }
                }
                c => out.push(c),
            }
        }
        self.err("not terminated")
    }

    fn or(&mut self) -> Result<Filter, String> {
        let mut left = self.and()?;
        loop {
            self.skip_ws();
            if self.s[self.i..].starts_with(b"||") {
                self.i += 2;
                left = Filter::Or(Box::new(left), Box::new(self.and()?));
            } else {
                return Ok(left);
            }
        }
    }

    fn and(&mut self) -> Result<Filter, String> {
        let mut left = self.unary()?;
        loop {
            self.skip_ws();
            if self.s[self.i..].starts_with(b"&&") {
                self.i += 2;
                left = Filter::And(Box::new(left), Box::new(self.unary()?));
            } else {
                return Ok(left);
            }
        }
    }

    fn unary(&mut self) -> Result<Filter, String> {
        self.skip_ws();
        if self.peek() == Some(b'!') && self.s.get(self.i + 1) != Some(&b'=') {
            self.i += 1;
            return Ok(Filter::Not(Box::new(self.unary()?)));
        }
        if self.eat(b'(') {
            let f = self.nested(Self::or)?;
            self.skip_ws();
            if !self.eat(b')') {
                return self.err("not terminated");
            }
            return Ok(f);
        }
        let left = self.operand()?;
        self.skip_ws();
        let ops: [(&[u8], CmpOp); 6] = [
            (b"==", CmpOp::Eq),
            (b"!=", CmpOp::Ne),
            (b"<=", CmpOp::Le),
            (b">=", CmpOp::Ge),
            (b"<", CmpOp::Lt),
            (b">", CmpOp::Gt),
        ];
        for (text, op) in ops {
            if self.s[self.i..].starts_with(text) {
                self.i += text.len();
                let right = self.operand()?;
                return Ok(Filter::Compare(left, op, right));
            }
        }
        Ok(Filter::Exists(left))
    }

    fn operand(&mut self) -> Result<Operand, String> {
        self.skip_ws();
        match self.peek() {
            Some(c @ (b'@' | b'$')) => {
                self.i += 1;
                Ok(Operand::Path {
                    from_root: c == b'$',
                    steps: self.steps()?,
                })
            }
            Some(b'\'' | b'"') => Ok(Operand::Literal(Value::String(self.quoted()?))),
            Some(b'-' | b'0'..=b'9') => {
                let start = self.i;
                self.i += 1;
                while matches!(
                    self.peek(),
                    Some(b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')
                ) {
                    self.i += 1;
                }
                let text = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
                match json::parse(&text, Numbers::IntOrFloat) {
                    Ok(v @ Value::Number(_)) => Ok(Operand::Literal(v)),
                    _ => self.err("expected a number"),
                }
            }
            _ => {
                for (word, v) in [
                    ("true", Value::Bool(true)),
                    ("false", Value::Bool(false)),
                    ("null", Value::Null),
                ] {
                    if self.s[self.i..].starts_with(word.as_bytes()) {
                        self.i += word.len();
                        return Ok(Operand::Literal(v));
                    }
                }
                self.err("expected a value")
            }
        }
    }
}

/// Bytes that may appear in a bare name (ojg's token table): not a control
/// character, space, or one of ``!"$&'()*+,-./<=>@[\]` ``.
fn is_name_byte(c: u8) -> bool {
    c > b' ' && c != 0x7f && !br#"!"$&'()*+,-./<=>@[\]`"#.contains(&c)
}

/// Apply steps to `node` (`root` is `$` for filters).
fn apply(steps: &[Step], node: &Value, root: &Value) -> Vec<Value> {
    let mut current = vec![node.clone()];
    for step in steps {
        let mut next = Vec::new();
        for n in &current {
            match step {
                Step::Child(sel) => select(sel, n, root, &mut next),
                Step::Descent(sel) => descend(sel, n, root, &mut next),
            }
        }
        current = next;
    }
    current
}

fn descend(sel: &Sel, node: &Value, root: &Value, out: &mut Vec<Value>) {
    select(sel, node, root, out);
    match node {
        Value::Array(items) => items.iter().for_each(|c| descend(sel, c, root, out)),
        Value::Object(o) => o.values().for_each(|c| descend(sel, c, root, out)),
        _ => {}
    }
}

fn children(node: &Value) -> Vec<&Value> {
    match node {
        Value::Array(items) => items.iter().collect(),
        Value::Object(o) => o.values().collect(),
        _ => Vec::new(),
    }
}

fn select(sel: &Sel, node: &Value, root: &Value, out: &mut Vec<Value>) {
    match (sel, node) {
        (Sel::Name(k), Value::Object(o)) => out.extend(o.get(k).cloned()),
        (Sel::Wildcard, n) => out.extend(children(n).into_iter().cloned()),
        (Sel::Index(i), Value::Array(items)) => {
            let at = if *i < 0 { items.len() as i64 + i } else { *i };
            out.extend(usize::try_from(at).ok().and_then(|u| items.get(u)).cloned());
        }
        (Sel::Slice(start, end, step), Value::Array(items)) => {
            let len = items.len() as i64;
            let norm = |v: i64| if v < 0 { (len + v).max(0) } else { v.min(len) };
            let (a, b) = (norm(start.unwrap_or(0)), norm(end.unwrap_or(len)));
            if *step > 0 {
                let mut k = a;
                while k < b {
                    out.push(items[k as usize].clone());
                    k += step;
                }
            } else if *step < 0 {
                let mut k = b.min(len) - 1;
                while k >= a && k >= 0 {
                    out.push(items[k as usize].clone());
                    k += step;
                }
            }
        }
        (Sel::Union(parts), n) => parts.iter().for_each(|p| select(p, n, root, out)),
        (Sel::Filter(f), n) => {
            out.extend(
                children(n)
                    .into_iter()
                    .filter(|c| test(f, c, root))
                    .cloned(),
            );
        }
        _ => {}
    }
}

fn value_of(op: &Operand, node: &Value, root: &Value) -> Option<Value> {
    match op {
        Operand::Literal(v) => Some(v.clone()),
        Operand::Path { from_root, steps } => {
            let start = if *from_root { root } else { node };
            apply(steps, start, root).into_iter().next()
        }
    }
}

fn test(f: &Filter, node: &Value, root: &Value) -> bool {
    match f {
        Filter::Or(a, b) => test(a, node, root) || test(b, node, root),
        Filter::And(a, b) => test(a, node, root) && test(b, node, root),
        Filter::Not(a) => !test(a, node, root),
        Filter::Exists(op) => value_of(op, node, root).is_some(),
        Filter::Compare(l, op, r) => {
            let (Some(l), Some(r)) = (value_of(l, node, root), value_of(r, node, root)) else {
                return matches!(op, CmpOp::Ne);
            };
            let ord = compare(&l, &r);
            match op {
                CmpOp::Eq => ord == Some(Ordering::Equal),
                CmpOp::Ne => ord != Some(Ordering::Equal),
                CmpOp::Lt => ord == Some(Ordering::Less),
                CmpOp::Le => matches!(ord, Some(Ordering::Less | Ordering::Equal)),
                CmpOp::Gt => ord == Some(Ordering::Greater),
                CmpOp::Ge => matches!(ord, Some(Ordering::Greater | Ordering::Equal)),
            }
        }
    }
}

/// Ordering of two scalars of the same kind (numbers across int/float);
/// `None` for different kinds, which never compare.
fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => crate::value::number::compare(*x, *y),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => (x == y).then_some(Ordering::Equal),
        (Value::Null, Value::Null) => Some(Ordering::Equal),
        _ => crate::value::ops::values_equal(a, b).then_some(Ordering::Equal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Number;

    fn run(json: &str, path: &str) -> Vec<Value> {
        match json_path(&[Value::string(json), Value::string(path)]).unwrap() {
            Value::Array(a) => a,
            other => panic!("{other:?}"),
        }
    }

    fn texts(v: Vec<Value>) -> Vec<String> {
        v.iter()
            .map(|x| crate::value::convert::to_string(x).unwrap_or_else(|_| format!("{x:?}")))
            .collect()
    }

    #[test]
    fn alloy_vectors() {
        assert_eq!(texts(run(r#"{"a": "b"}"#, ".a")), ["b"]);
        assert!(run(r#"{"a": "b"}"#, ".nonexists").is_empty());
        let doc = r#"[{"name": "Department","value": "IT"},{"name":"ReferenceNumber","value":"123456"},{"name":"TestStatus","value":"Pending"}]"#;
        assert_eq!(
            texts(run(doc, r#"[?(@.name == "Department")].value"#)),
            ["IT"]
        );
    }

    #[test]
    fn selectors() {
        let doc = r#"{"a": [1, 2, 3, 4], "b": {"c": {"a": 5}}, "n": 1.5}"#;
        assert!(matches!(
            run(doc, "$.a[0]")[0],
            Value::Number(Number::Int(1))
        ));
        assert_eq!(texts(run(doc, "$.a[-1]")), ["4"]);
        assert_eq!(texts(run(doc, "$.a[1:3]")), ["2", "3"]);
        assert_eq!(texts(run(doc, "$.a[::2]")), ["1", "3"]);
        assert_eq!(texts(run(doc, "$.a[*]")), ["1", "2", "3", "4"]);
        assert_eq!(texts(run(doc, "$['n']")), ["1.5"]);
        assert_eq!(texts(run(doc, "b.c.a")), ["5"]);
        assert_eq!(texts(run(doc, "$.a[0,2]")), ["1", "3"]);
        assert_eq!(run(doc, "$..a").len(), 2);
        assert_eq!(texts(run(doc, "$.a[?(@ > 2)]")), ["3", "4"]);
        assert_eq!(texts(run(doc, "$.a[?(@ >= 2 && @ < 4)]")), ["2", "3"]);
        assert_eq!(texts(run(doc, "$.a[?(!(@ == 1) || @ == 1)]")).len(), 4);
        assert_eq!(run(doc, "$.b[?(@.a)]").len(), 1);
        assert_eq!(run(doc, "$.*").len(), 3);
    }

    #[test]
    fn errors() {
        let e = json_path(&[Value::string("{}"), Value::string("$.a[")]).unwrap_err();
        assert_eq!(e.message, "not terminated at 5 in $.a[");
        let e = json_path(&[Value::string("{}"), Value::string("$.a-b")]).unwrap_err();
        assert_eq!(e.message, "parse error at 4 in $.a-b");
        let deep = format!("$[?({}@{})]", "(".repeat(500), ")".repeat(500));
        let e = json_path(&[Value::string("{}"), Value::string(&deep)]).unwrap_err();
        assert!(e.message.contains("nested too deeply"), "{}", e.message);
        let e = json_path(&[Value::string("{"), Value::string("$.a")]).unwrap_err();
        assert_eq!(e.message, "unexpected end of JSON input");
    }
}
