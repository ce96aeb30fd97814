//! Prometheus's text exposition format (0.0.4), written into buffers that are
//! kept from one scrape to the next so that a scrape allocates only for the
//! families and series it has never seen.
//!
//! Collectors write a family at a time, in any order; [`Exposition::render`]
//! outputs the families sorted by name as client_golang's registry does.

use model::metrics::MetricType;
use std::collections::HashMap;
use std::fmt::Write as _;

/// One scrape's metric families.
#[derive(Default)]
pub struct Exposition {
    families: Vec<Family>,
    by_name: HashMap<String, usize>,
    /// Family indexes in name order, recomputed when a family is added.
    order: Vec<usize>,
    /// Scratch space for formatting one number.
    number: String,
}

struct Family {
    name: String,
    help: String,
    kind: MetricType,
    /// The family's sample lines of this scrape.
    body: String,
}

/// Writes the samples of one family.
pub struct FamilyWriter<'a> {
    name: &'a str,
    body: &'a mut String,
    number: &'a mut String,
}

impl Exposition {
    pub fn new() -> Exposition {
        Exposition::default()
    }

    /// Forgets the samples of the last scrape, keeping the buffers.
    pub fn clear(&mut self) {
        for family in &mut self.families {
            family.body.clear();
        }
    }

    /// The writer of family `name`; the first call of a scrape decides its help
    /// and type.
    pub fn family(&mut self, name: &str, help: &str, kind: MetricType) -> FamilyWriter<'_> {
        let index = match self.by_name.get(name) {
            Some(&index) => index,
            None => {
                self.families.push(Family {
                    name: name.to_string(),
                    help: help.to_string(),
                    kind,
                    body: String::new(),
                });
                let index = self.families.len() - 1;
                self.by_name.insert(name.to_string(), index);
                self.order.push(index);
                let families = &self.families;
                self.order
                    .sort_unstable_by(|&a, &b| families[a].name.cmp(&families[b].name));
                index
            }
        };
        let family = &mut self.families[index];
        if family.body.is_empty() {
            // A family first written this scrape takes this scrape's help.
            if family.help != help {
                family.help.clear();
                family.help.push_str(help);
            }
            family.kind = kind;
        }
        FamilyWriter {
            name: &family.name,
            body: &mut family.body,
            number: &mut self.number,
        }
    }

    /// Appends the families written this scrape to `out`, sorted by name.
    pub fn render(&self, out: &mut String) {
        for &index in &self.order {
            let family = &self.families[index];
            if family.body.is_empty() {
                continue;
            }
            out.push_str("# HELP ");
            out.push_str(&family.name);
            out.push(' ');
            escape_into(out, &family.help, false);
            out.push_str("\n# TYPE ");
            out.push_str(&family.name);
            out.push(' ');
            out.push_str(type_name(family.kind));
            out.push('\n');
            out.push_str(&family.body);
        }
    }

    /// The names of the families written this scrape, sorted.
    pub fn family_names(&self) -> impl Iterator<Item = &str> {
        self.order
            .iter()
            .map(|&i| &self.families[i])
            .filter(|f| !f.body.is_empty())
            .map(|f| f.name.as_str())
    }
}

impl FamilyWriter<'_> {
    /// Adds the sample `value` of the series with `labels`.
    pub fn sample(&mut self, labels: &[(&str, &str)], value: f64) {
        self.body.push_str(self.name);
        if !labels.is_empty() {
            self.body.push('{');
            for (i, (name, value)) in labels.iter().enumerate() {
                if i > 0 {
                    self.body.push(',');
                }
                self.body.push_str(name);
                self.body.push_str("=\"");
                escape_into(self.body, value, true);
                self.body.push('"');
            }
            self.body.push('}');
        }
        self.body.push(' ');
        write_go_float(self.body, self.number, value);
        self.body.push('\n');
    }
}

/// The type's name in the 0.0.4 text format, which calls unknown `untyped`.
fn type_name(kind: MetricType) -> &'static str {
    match kind {
        MetricType::Unknown => "untyped",
        other => other.as_str(),
    }
}

/// Escapes backslashes and newlines (and, in label values, double quotes).
fn escape_into(out: &mut String, text: &str, quotes: bool) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '"' if quotes => out.push_str("\\\""),
            c => out.push(c),
        }
    }
}

/// Writes `value` as Go's `strconv.FormatFloat(value, 'g', -1, 64)` does, which
/// client_golang uses: the shortest digits that round-trip, in exponent form
/// (`1.6663861248e+10`, `1.6021e-05`) when the exponent is below -4 or at
/// least 6 (the shortest format's threshold in Go).
pub fn write_go_float(out: &mut String, scratch: &mut String, value: f64) {
    if value.is_nan() {
        out.push_str("NaN");
        return;
    }
    if value.is_infinite() {
        out.push_str(if value > 0.0 { "+Inf" } else { "-Inf" });
        return;
    }
    if value == 0.0 {
        out.push('0');
        return;
    }
    scratch.clear();
    // Rust's `{:e}` gives the shortest round-trip digits: `-1.2345e-7`.
    let _ = write!(scratch, "{value:e}");
    let (mantissa, exponent) = scratch.split_once('e').unwrap_or((scratch.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    out.push_str(sign);
    if !(-4..6).contains(&exponent) {
        out.push_str(mantissa);
        out.push('e');
        out.push(if exponent < 0 { '-' } else { '+' });
        let magnitude = exponent.unsigned_abs();
        if magnitude < 10 {
            out.push('0');
        }
        let _ = write!(out, "{magnitude}");
        return;
    }
    let (digits_int, digits_frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    // One digit before the point in scientific form; move the point.
    if exponent < 0 {
        out.push_str("0.");
        for _ in 0..(-exponent - 1) {
            out.push('0');
        }
        out.push_str(digits_int);
        out.push_str(digits_frac);
    } else {
        let shift = exponent as usize;
        out.push_str(digits_int);
        if digits_frac.len() <= shift {
            out.push_str(digits_frac);
            for _ in digits_frac.len()..shift {
                out.push('0');
            }
        } else {
            out.push_str(&digits_frac[..shift]);
            out.push('.');
            out.push_str(&digits_frac[shift..]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go(value: f64) -> String {
        let mut out = String::new();
        write_go_float(&mut out, &mut String::new(), value);
        out
    }

    #[test]
    fn floats_as_go_formats_them() {
        let cases = [
            (0.0, "0"),
            (1.0, "1"),
            (-1.0, "-1"),
            (0.5, "0.5"),
            (123456.0, "123456"),
            (1234567.0, "1.234567e+06"),
            (1e6, "1e+06"),
            (16663861248.0, "1.6663861248e+10"),
            (1.6021e-05, "1.6021e-05"),
            (0.0001, "0.0001"),
            (0.00012, "0.00012"),
            (3.25, "3.25"),
            (12345.678, "12345.678"),
            (1.7955666839427295e9, "1.7955666839427295e+09"),
            (1e21, "1e+21"),
            (-2.5e-7, "-2.5e-07"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
        ];
        for (value, text) in cases {
            assert_eq!(go(value), text, "{value}");
        }
    }

    #[test]
    fn families_render_sorted_with_escapes() {
        let mut exposition = Exposition::new();
        for _ in 0..2 {
            exposition.clear();
            exposition
                .family("b_total", "B \\ help\nline", MetricType::Counter)
                .sample(&[("x", "a\"b\\c\nd")], 2.0);
            exposition
                .family("a", "A.", MetricType::Unknown)
                .sample(&[], 1.5);
            exposition.family("unused", "U.", MetricType::Gauge);
            let mut out = String::new();
            exposition.render(&mut out);
            assert_eq!(
                out,
                "# HELP a A.\n# TYPE a untyped\na 1.5\n\
                 # HELP b_total B \\\\ help\\nline\n# TYPE b_total counter\n\
                 b_total{x=\"a\\\"b\\\\c\\nd\"} 2\n"
            );
        }
        assert_eq!(
            exposition.family_names().collect::<Vec<_>>(),
            ["a", "b_total"]
        );
    }
}
