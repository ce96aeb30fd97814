//! Request parameters as Prometheus reads them: from the query string, and for
//! `POST` also from a form body; times as RFC 3339 or Unix seconds, durations
//! as Prometheus durations or seconds, `match[]` as series selectors.

use super::ApiError;
use axum::extract::{Form, FromRequest, Query, Request};
use promql::LabelMatcher;
use promql_parser::parser::{self, Expr};
use std::time::{SystemTime, UNIX_EPOCH};

/// Every `name=value` pair of a request, in order (names may repeat).
pub struct Params(Vec<(String, String)>);

impl<S: Send + Sync> FromRequest<S> for Params {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Params, ApiError> {
        let Query(mut pairs) = Query::<Vec<(String, String)>>::try_from_uri(req.uri())
            .map_err(|e| ApiError::BadData(format!("error parsing form values: {e}")))?;
        // Like Go's ParseForm, a POST body is read only when it is a form;
        // other POSTs carry their parameters in the query string.
        let form_body = req
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if req.method() == http::Method::POST && form_body {
            let Form(body) = Form::<Vec<(String, String)>>::from_request(req, state)
                .await
                .map_err(|e| {
                    ApiError::BadData(format!("error parsing form values: {}", e.body_text()))
                })?;
            pairs.extend(body);
        }
        Ok(Params(pairs))
    }
}

impl Params {
    /// The first value of `name` that is not empty (Go's `FormValue`).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, v)| n == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A time parameter in milliseconds; required when `default` is `None`.
    pub fn time(&self, name: &str, default: Option<i64>) -> Result<i64, ApiError> {
        match (self.get(name), default) {
            (None, Some(default)) => Ok(default),
            (text, _) => parse_time(text.unwrap_or_default()).map_err(|e| invalid(name, e)),
        }
    }

    /// A duration parameter in milliseconds, `None` when absent.
    pub fn duration(&self, name: &str) -> Result<Option<i64>, ApiError> {
        self.get(name)
            .map(|text| parse_duration(text).map_err(|e| invalid(name, e)))
            .transpose()
    }

    /// A non-negative integer parameter (0 when absent: no limit).
    pub fn limit(&self, name: &str) -> Result<usize, ApiError> {
        match self.get(name) {
            None => Ok(0),
            Some(text) => text.parse::<usize>().map_err(|_| {
                invalid(
                    name,
                    format!("cannot parse {text:?}: must be a non-negative integer"),
                )
            }),
        }
    }

    /// The selectors of every `match[]`, each as its groups of matchers
    /// (one group, or one per `or` alternative).
    pub fn selectors(&self) -> Result<Vec<Vec<Vec<LabelMatcher>>>, ApiError> {
        self.all("match[]").map(selector).collect()
    }
}

/// `invalid parameter "<name>": <reason>` (400 `bad_data`).
pub fn invalid(name: &str, reason: impl std::fmt::Display) -> ApiError {
    ApiError::BadData(format!("invalid parameter {name:?}: {reason}"))
}

/// Now, in milliseconds since the epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A series selector (`up`, `{job="node"}`, `{a='b'}`) as groups of matchers.
fn selector(text: &str) -> Result<Vec<Vec<LabelMatcher>>, ApiError> {
    let bad = |e: String| invalid("match[]", e);
    let Expr::VectorSelector(vs) = parser::parse(text).map_err(bad)? else {
        return Err(bad(format!(
            "1:1: parse error: unexpected expression, expected a series selector in {text:?}"
        )));
    };
    let mut base = vs
        .matchers
        .matchers
        .iter()
        .map(LabelMatcher::compile)
        .collect::<Result<Vec<_>, _>>()
        .map_err(bad)?;
    if let Some(name) = &vs.name
        && !base.iter().any(|m| m.name == "__name__")
    {
        base.push(LabelMatcher::new(
            "__name__",
            promql::MatchKind::Equal(name.clone()),
        ));
    }
    if vs.matchers.or_matchers.is_empty() {
        return Ok(vec![base]);
    }
    vs.matchers
        .or_matchers
        .iter()
        .map(|group| {
            let mut ms = base.clone();
            for m in group {
                ms.push(LabelMatcher::compile(m).map_err(bad)?);
            }
            Ok(ms)
        })
        .collect()
}

/// RFC 3339 (`2026-11-25T00:30:00.5Z`, `…+01:00`) or Unix seconds (`1795566852.383`), in ms.
pub fn parse_time(text: &str) -> Result<i64, String> {
    if let Ok(secs) = text.parse::<f64>()
        && secs.is_finite()
    {
        return Ok((secs * 1000.0).round() as i64);
    }
    rfc3339(text).ok_or_else(|| format!("cannot parse {text:?} to a valid timestamp"))
}

fn rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    let mut millis = 0i64;
    if b[i] == b'.' {
        let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        let frac = &text[i + 1..i + 1 + digits];
        millis = format!("{frac:0<3}")[..3].parse().ok()?;
        i += 1 + digits;
    }
    let offset = match &text[i..] {
        "Z" | "z" => 0,
        zone => {
            let zb = zone.as_bytes();
            if zb.len() != 6 || !matches!(zb[0], b'+' | b'-') || zb[3] != b':' {
                return None;
            }
            let minutes = num(i + 1..i + 3)? * 60 + num(i + 4..i + 6)?;
            if zb[0] == b'-' { -minutes } else { minutes }
        }
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset * 60;
    Some(secs * 1000 + millis)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A Prometheus duration (`15s`, `1h30m`) or a number of seconds, in ms.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    if let Ok(secs) = text.parse::<f64>() {
        let ms = secs * 1000.0;
        if !ms.is_finite() || ms.abs() >= i64::MAX as f64 {
            return Err(format!(
                "cannot parse {text:?} to a valid duration. It overflows int64"
            ));
        }
        return Ok(ms.round() as i64);
    }
    promql_parser::util::parse_duration(text)
        .map(|d| d.as_millis() as i64)
        .map_err(|_| format!("cannot parse {text:?} to a valid duration"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_or_unix_seconds() {
        assert_eq!(parse_time("1795566852.383"), Ok(1_795_566_852_383));
        assert_eq!(parse_time("0"), Ok(0));
        assert_eq!(parse_time("2026-11-25T00:30:00Z"), Ok(1_795_566_600_000));
        assert_eq!(
            parse_time("2026-11-25T01:30:00.25+01:00"),
            Ok(1_795_566_600_250)
        );
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Ok(0));
        assert!(parse_time("yesterday").is_err());
        assert!(parse_time("2026-13-25T00:30:00Z").is_err());
        assert!(parse_time("2026-11-25T00:30:00").is_err());
    }

    #[test]
    fn durations_are_prometheus_durations_or_seconds() {
        assert_eq!(parse_duration("15s"), Ok(15_000));
        assert_eq!(parse_duration("1m30s"), Ok(90_000));
        assert_eq!(parse_duration("0.5"), Ok(500));
        assert_eq!(parse_duration("-1"), Ok(-1000));
        assert!(parse_duration("fast").is_err());
    }
}
