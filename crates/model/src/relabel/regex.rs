//! Relabel regexes as Prometheus compiles them: RE2 syntax, fully anchored as
//! `^(?s:<pattern>)$`, so a pattern matches whole values and `.` matches a
//! newline.
//!
//! Rust's `regex` differs from Go's RE2 in a few places (crates.md §6); patterns
//! are rewritten first so they mean what they mean in Go: `\d \w \s \b` are
//! ASCII, `\Q…\E` quotes, `&&`, `--` and `~~` in classes are literal, `[` in a
//! class is literal, braces that are no repetition are literal, and repetition
//! counts above 1000 are rejected.

use std::fmt;

/// Go's largest repetition count.
const MAX_REPEAT: u32 = 1000;

/// A compiled relabel regex that remembers the pattern as written.
#[derive(Clone)]
pub struct Regex {
    pattern: String,
    compiled: regex::Regex,
}

impl Regex {
    /// Compiles `pattern`; the error is worded as Go's (`error parsing regexp: …`).
    pub fn new(pattern: &str) -> Result<Regex, String> {
        let rewritten = go_to_rust(pattern).map_err(|e| format!("error parsing regexp: {e}"))?;
        let compiled = regex::Regex::new(&format!("^(?s:{rewritten})$"))
            .map_err(|e| format!("error parsing regexp: {}", rust_error_summary(&e)))?;
        Ok(Regex {
            pattern: pattern.to_string(),
            compiled,
        })
    }

    /// The pattern as written, without the anchors.
    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.compiled.is_match(text)
    }

    /// The capture groups of a whole-text match.
    pub fn captures<'t>(&self, text: &'t str) -> Option<regex::Captures<'t>> {
        self.compiled.captures(text)
    }

    /// `template` with `$1`, `${1}`, `$name`, `${name}` replaced by the groups
    /// of `caps` and `$$` by `$`, as Go's `Regexp.Expand`: a reference is the
    /// longest run of letters, digits and `_`; a missing or unmatched group
    /// expands to nothing; a malformed reference leaves the `$` as it is.
    pub fn expand(&self, caps: &regex::Captures<'_>, template: &str, out: &mut String) {
        let mut rest = template;
        while let Some(i) = rest.find('$') {
            out.push_str(&rest[..i]);
            rest = &rest[i + 1..];
            if let Some(after) = rest.strip_prefix('$') {
                out.push('$');
                rest = after;
                continue;
            }
            match reference(rest) {
                Some((name, after)) => {
                    rest = after;
                    if let Some(m) = self.group(caps, name) {
                        out.push_str(m);
                    }
                }
                None => out.push('$'),
            }
        }
        out.push_str(rest);
    }

    /// The text of group `name` (a number or a group name), if it took part.
    fn group<'t>(&self, caps: &regex::Captures<'t>, name: &str) -> Option<&'t str> {
        let m = match group_number(name) {
            Some(n) => caps.get(n),
            None => caps.name(name),
        };
        m.map(|m| m.as_str())
    }
}

/// The default relabel regex, `(.*)`.
impl Default for Regex {
    fn default() -> Regex {
        Regex::new("(.*)").unwrap_or_else(|e| unreachable!("the default regex compiles: {e}"))
    }
}

/// Regexes are equal when written the same way.
impl PartialEq for Regex {
    fn eq(&self, other: &Regex) -> bool {
        self.pattern == other.pattern
    }
}

impl Eq for Regex {}

impl fmt::Debug for Regex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Regex({:?})", self.pattern)
    }
}

/// The group reference at the start of `s` (after a `$`) and the text after
/// it: `name` or `{name}`, a name being letters, digits and `_`.
fn reference(s: &str) -> Option<(&str, &str)> {
    let (braced, body) = match s.strip_prefix('{') {
        Some(body) => (true, body),
        None => (false, s),
    };
    let end = body
        .char_indices()
        .find(|&(_, c)| !(c.is_alphanumeric() || c == '_'))
        .map_or(body.len(), |(i, _)| i);
    if end == 0 {
        return None;
    }
    let (name, after) = body.split_at(end);
    if braced {
        after.strip_prefix('}').map(|after| (name, after))
    } else {
        Some((name, after))
    }
}

/// A reference made of ASCII digits is a group number, as in Go (which gives
/// up on numbers of nine digits or more, then looks the name up instead).
fn group_number(name: &str) -> Option<usize> {
    if name.len() > 8 || !name.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    name.parse().ok()
}

/// The last line of the `regex` crate's error, which says what is wrong.
fn rust_error_summary(e: &regex::Error) -> String {
    let text = e.to_string();
    let line = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(&text);
    line.trim().trim_start_matches("error: ").to_string()
}

/// Go's ASCII meaning of a Perl class escape (`\d`, `\W` …): whether it is
/// negated, and the members of the class.
fn perl_class(c: char) -> Option<(bool, &'static str)> {
    let members = match c.to_ascii_lowercase() {
        'd' => "0-9",
        'w' => "0-9A-Za-z_",
        's' => r"\t\n\f\r ",
        _ => return None,
    };
    Some((c.is_ascii_uppercase(), members))
}

/// Rewrites a Go RE2 pattern into a Rust `regex` pattern with the same meaning.
fn go_to_rust(pattern: &str) -> Result<String, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => i = rewrite_escape(&chars, i, &mut out),
            '[' => i = rewrite_class(&chars, i, &mut out),
            '{' => match repetition(&chars, i)? {
                Some(end) => {
                    out.extend(&chars[i..end]);
                    i = end;
                }
                None => {
                    out.push_str(r"\{");
                    i += 1;
                }
            },
            '}' => {
                out.push_str(r"\}");
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

/// Rewrites the escape at `chars[i]` (a `\`) outside a class; returns the index
/// after it.
fn rewrite_escape(chars: &[char], i: usize, out: &mut String) -> usize {
    let Some(&c) = chars.get(i + 1) else {
        // A trailing backslash: let the regex compiler report it.
        out.push('\\');
        return i + 1;
    };
    match c {
        'Q' => {
            let start = i + 2;
            let end = (start..chars.len())
                .find(|&j| chars[j] == '\\' && chars.get(j + 1) == Some(&'E'))
                .unwrap_or(chars.len());
            let literal: String = chars[start..end].iter().collect();
            out.push_str(&regex::escape(&literal));
            (end + 2).min(chars.len())
        }
        'b' | 'B' => {
            out.push_str(if c == 'b' { r"(?-u:\b)" } else { r"(?-u:\B)" });
            i + 2
        }
        'p' | 'P' | 'x' if chars.get(i + 2) == Some(&'{') => {
            // `\p{Greek}`, `\x{41}`: the braces are no repetition.
            let end = (i + 3..chars.len())
                .find(|&j| chars[j] == '}')
                .map_or(chars.len(), |j| j + 1);
            out.extend(&chars[i..end]);
            end
        }
        _ => {
            match perl_class(c) {
                Some((true, members)) => out.push_str(&format!("[^{members}]")),
                Some((false, members)) => out.push_str(&format!("[{members}]")),
                None => {
                    out.push('\\');
                    out.push(c);
                }
            }
            i + 2
        }
    }
}

/// Rewrites the class starting at `chars[start]` (a `[`); returns the index
/// after its `]`. An unterminated class is copied for the compiler to report.
fn rewrite_class(chars: &[char], start: usize, out: &mut String) -> usize {
    out.push('[');
    let mut i = start + 1;
    if chars.get(i) == Some(&'^') {
        out.push('^');
        i += 1;
    }
    // A `]` first in a class is a literal.
    if chars.get(i) == Some(&']') {
        out.push_str(r"\]");
        i += 1;
    }
    while i < chars.len() {
        match chars[i] {
            ']' => {
                out.push(']');
                return i + 1;
            }
            '[' if chars.get(i + 1) == Some(&':') => {
                // A POSIX class such as `[:alpha:]`, the same in both.
                let end = (i + 2..chars.len().saturating_sub(1))
                    .find(|&j| chars[j] == ':' && chars[j + 1] == ']')
                    .map_or(chars.len(), |j| j + 2);
                out.extend(&chars[i..end]);
                i = end;
            }
            '[' | '&' | '~' => {
                // Literal in Go; nesting and set operators in Rust.
                out.push('\\');
                out.push(chars[i]);
                i += 1;
            }
            '-' if chars.get(i + 1) == Some(&'-') => {
                // Go reads `--` as a range ending in `-`; Rust as a difference.
                out.push_str(r"-\-");
                i += 2;
            }
            '\\' => {
                let next = chars.get(i + 1).copied();
                match next.and_then(perl_class) {
                    // A nested class: Rust's way to put a negated class in a class.
                    Some((true, members)) => out.push_str(&format!("[^{members}]")),
                    Some((false, members)) => out.push_str(members),
                    None => {
                        out.push('\\');
                        out.extend(next);
                    }
                }
                i += 2;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    i
}

/// When a repetition `{n}`, `{n,}` or `{n,m}` starts at `chars[start]`, the
/// index after it; `None` when the brace is a literal, as Go reads it. Counts
/// above 1000 are an error, as in Go.
fn repetition(chars: &[char], start: usize) -> Result<Option<usize>, String> {
    let number = |from: usize| -> (Option<u32>, usize) {
        let end = (from..chars.len())
            .find(|&j| !chars[j].is_ascii_digit())
            .unwrap_or(chars.len());
        let digits: String = chars[from..end].iter().collect();
        // Too many digits for a u32 is too many for Go too.
        let value = if digits.is_empty() {
            None
        } else {
            Some(digits.parse().unwrap_or(u32::MAX))
        };
        (value, end)
    };
    let (Some(min), mut i) = number(start + 1) else {
        return Ok(None);
    };
    let mut max = Some(min);
    if chars.get(i) == Some(&',') {
        let (m, end) = number(i + 1);
        max = m;
        i = end;
    }
    if chars.get(i) != Some(&'}') {
        return Ok(None);
    }
    let end = i + 1;
    if min > MAX_REPEAT || max.is_some_and(|m| m > MAX_REPEAT || m < min) {
        let text: String = chars[start..end].iter().collect();
        return Err(format!("invalid repeat count: `{text}`"));
    }
    Ok(Some(end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, text: &str) -> bool {
        Regex::new(pattern).unwrap().is_match(text)
    }

    fn expand(pattern: &str, text: &str, template: &str) -> String {
        let re = Regex::new(pattern).unwrap();
        let caps = re.captures(text).expect("matches");
        let mut out = String::new();
        re.expand(&caps, template, &mut out);
        out
    }

    #[test]
    fn anchored_and_dot_matches_newline() {
        assert!(!matches("f", "foo"));
        assert!(matches("f.*", "foo"));
        assert!(matches("a.b", "a\nb"));
        assert!(matches("a|b", "b"), "alternation is inside the anchors");
        assert!(!matches("a|b", "ab"));
    }

    #[test]
    fn perl_classes_are_ascii() {
        assert!(!matches(r"\d+", "٣٤"));
        assert!(matches(r"\d+", "34"));
        assert!(!matches(r"\w+", "é"));
        assert!(matches(r"\W", "é"));
        assert!(matches(r"[\d]+", "12"));
        assert!(!matches(r"[\w]", "é"));
        assert!(matches(r"[\D]", "é"));
        assert!(matches(r"\s", "\t"));
        assert!(!matches(r"\s", "\u{a0}"));
        assert!(matches(r".*\bfoo\b.*", "a foo b"));
        assert!(matches(r".*\bfoo\b.*", "éfooé"), "é is no word character");
        assert!(!matches(r".*\bfoo\b.*", "afooa"));
        assert!(matches(r"a\Bb", "ab"));
    }

    #[test]
    fn go_literals() {
        assert!(matches(r"\Qa.b\E", "a.b"));
        assert!(!matches(r"\Qa.b\E", "axb"));
        assert!(matches(r"x\Q*", "x*"), "\\Q runs to the end without \\E");
        assert!(matches("[a&&b]", "&"));
        assert!(matches("[a~~b]", "~"));
        assert!(matches("[!--]", "-"));
        assert!(matches("[[a]", "["));
        assert!(matches("[]a]", "]"));
        assert!(matches("[^]a]", "b"));
        assert!(matches("aaa{bbb}", "aaa{bbb}"));
        assert!(matches("a{2}", "aa"));
        assert!(matches("a{1,}", "aaa"));
        assert!(matches("a{1,2}b", "aab"));
        assert!(matches("x{,2}", "x{,2}"), "no minimum: literal");
        assert!(matches("[[:alpha:]]+", "abc"));
        assert!(matches(r"\pN", "5"));
        assert!(matches(r"\p{Greek}+", "αβ"));
        assert!(matches(r"\x{41}", "A"));
        assert!(matches(r"[\p{Greek}x]+", "αx"));
        assert!(matches("(?P<x>a)(?<y>b)", "ab"));
        assert!(matches("(?i)STRASSE", "strasse"));
    }

    #[test]
    fn errors_as_go() {
        assert_eq!(
            Regex::new("a{1001}").unwrap_err(),
            "error parsing regexp: invalid repeat count: `{1001}`"
        );
        assert!(Regex::new("a{1000}").is_ok());
        assert!(
            Regex::new("(a")
                .unwrap_err()
                .starts_with("error parsing regexp: ")
        );
        assert!(Regex::new("a(?=b)").is_err(), "no look-around");
        assert!(Regex::new(r"(a)\1").is_err(), "no back-references");
    }

    #[test]
    fn expansion_as_go() {
        assert_eq!(expand("(f)(.*)", "foo", "$1x"), "", "$1x names group 1x");
        assert_eq!(expand("(f)(.*)", "foo", "${1}x"), "fx");
        assert_eq!(expand("(f)(.*)", "foo", "$2-$1"), "oo-f");
        assert_eq!(expand("(?P<a>f)(.*)", "foo", "${a}/$a"), "f/f");
        assert_eq!(expand("(f)(.*)", "foo", "$$1"), "$1");
        assert_eq!(expand("(f)(.*)", "foo", "a$"), "a$");
        assert_eq!(expand("(f)(.*)", "foo", "$-${"), "$-${");
        assert_eq!(expand("(f)(.*)", "foo", "$9"), "");
        assert_eq!(expand("(f)|(g)", "f", "[$2]"), "[]");
        assert_eq!(expand("(f)(.*)", "foo", "$01"), "f");
    }

    #[test]
    fn remembers_the_pattern() {
        let re = Regex::new("a.*").unwrap();
        assert_eq!(re.as_str(), "a.*");
        assert_eq!(re, Regex::new("a.*").unwrap());
        assert_eq!(Regex::default().as_str(), "(.*)");
    }
}
