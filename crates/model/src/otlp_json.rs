//! OTLP/JSON (otlp.md §3): the export requests and responses of the three
//! signals, decoded from and encoded to JSON by hand.
//!
//! Written by hand rather than through `opentelemetry-proto`'s serde support,
//! which silently drops `"asDouble": "NaN"` and reports no location. Here trace
//! and span ids are hex (any case, empty = unset), enums integers (names
//! accepted too), 64-bit integers strings or numbers, doubles numbers or
//! `"NaN"`/`"Infinity"`/`"-Infinity"`, other bytes base64, unknown keys
//! ignored; an error names where it happened
//! (`resourceSpans[0].scopeSpans[1].spans[3].traceId: invalid hex …`).
//! Id lengths are not checked here: the receiver rejects wrong-length ids item
//! by item (partial success), whichever encoding they came in.

use crate::otlp::{
    ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest,
};
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsPartialSuccess, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsPartialSuccess, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{
    AnyValue, ArrayValue, EntityRef, InstrumentationScope, KeyValue, KeyValueList, any_value,
};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs, SeverityNumber};
use opentelemetry_proto::tonic::metrics::v1::{
    AggregationTemporality, Exemplar, ExponentialHistogram, ExponentialHistogramDataPoint, Gauge,
    Histogram, HistogramDataPoint, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum,
    Summary, SummaryDataPoint, exemplar, exponential_histogram_data_point::Buckets, metric,
    number_data_point, summary_data_point::ValueAtQuantile,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{
    ResourceSpans, ScopeSpans, Span, Status, span, status::StatusCode,
};
use std::borrow::Cow;
use std::fmt;
use tree::Json;

mod tree;

/// Why a JSON document is not a valid OTLP message, and where.
#[derive(Clone, Debug, PartialEq)]
pub struct JsonError {
    /// `resourceSpans[0].scopeSpans[1].spans[3].traceId`; empty for the document.
    pub path: String,
    pub reason: String,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.reason)
        } else {
            write!(f, "{}: {}", self.path, self.reason)
        }
    }
}

impl std::error::Error for JsonError {}

/// A message with an OTLP/JSON form.
pub trait OtlpJson: Sized {
    fn from_json(json: &[u8]) -> Result<Self>;
    fn to_json(&self) -> Vec<u8>;
}

type Result<T> = std::result::Result<T, JsonError>;

/// Decodes the document and reads its top-level object with `read`.
fn decode<T>(json: &[u8], read: fn(&Fields) -> Result<T>) -> Result<T> {
    let value = Json::parse(json).map_err(|e| JsonError {
        path: String::new(),
        reason: format!("invalid JSON: {e}"),
    })?;
    let root = Path::ROOT;
    read(&Fields::of(&value, &root)?)
}

/// Encodes one object written by `write`.
fn encode(write: impl FnOnce(&mut Object)) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    Object::write(&mut out, write);
    out
}

/// The three export requests share their envelope: resources, each with
/// scopes, each with the signal's items.
macro_rules! request_json {
    ($request:ident { $resources:ident: $resources_key:literal },
     $resource:ident { $scopes:ident: $scopes_key:literal },
     $scope:ident { $items:ident: $items_key:literal },
     $read_item:ident, $write_item:ident) => {
        impl OtlpJson for $request {
            fn from_json(json: &[u8]) -> Result<Self> {
                decode(json, |f| {
                    Ok($request {
                        $resources: f.messages($resources_key, |f| {
                            Ok($resource {
                                resource: f.message("resource", read_resource)?,
                                $scopes: f.messages($scopes_key, |f| {
                                    Ok($scope {
                                        scope: f.message("scope", read_scope)?,
                                        $items: f.messages($items_key, $read_item)?,
                                        schema_url: f.string("schemaUrl")?,
                                    })
                                })?,
                                schema_url: f.string("schemaUrl")?,
                            })
                        })?,
                    })
                })
            }

            fn to_json(&self) -> Vec<u8> {
                encode(|o| {
                    o.messages($resources_key, &self.$resources, |o, r| {
                        o.message("resource", r.resource.as_ref(), write_resource);
                        o.messages($scopes_key, &r.$scopes, |o, s| {
                            o.message("scope", s.scope.as_ref(), write_scope);
                            o.messages($items_key, &s.$items, $write_item);
                            o.string("schemaUrl", &s.schema_url);
                        });
                        o.string("schemaUrl", &r.schema_url);
                    })
                })
            }
        }
    };
}

request_json!(
    ExportTraceServiceRequest {
        resource_spans: "resourceSpans"
    },
    ResourceSpans {
        scope_spans: "scopeSpans"
    },
    ScopeSpans { spans: "spans" },
    read_span,
    write_span
);
request_json!(
    ExportMetricsServiceRequest {
        resource_metrics: "resourceMetrics"
    },
    ResourceMetrics {
        scope_metrics: "scopeMetrics"
    },
    ScopeMetrics { metrics: "metrics" },
    read_metric,
    write_metric
);
request_json!(
    ExportLogsServiceRequest {
        resource_logs: "resourceLogs"
    },
    ResourceLogs {
        scope_logs: "scopeLogs"
    },
    ScopeLogs {
        log_records: "logRecords"
    },
    read_log_record,
    write_log_record
);

// ---------------------------------------------------------------------------
// Where in the document: a chain of keys and indexes on the stack, rendered
// only when an error is reported.

#[derive(Clone, Copy)]
enum Step<'a> {
    Root,
    Key(&'a str),
    Index(usize),
}

struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    step: Step<'a>,
}

impl<'a> Path<'a> {
    const ROOT: Path<'static> = Path {
        parent: None,
        step: Step::Root,
    };

    fn key(&'a self, key: &'a str) -> Path<'a> {
        Path {
            parent: Some(self),
            step: Step::Key(key),
        }
    }

    fn index(&'a self, index: usize) -> Path<'a> {
        Path {
            parent: Some(self),
            step: Step::Index(index),
        }
    }

    fn render(&self, out: &mut String) {
        if let Some(parent) = self.parent {
            parent.render(out);
        }
        match self.step {
            Step::Root => {}
            Step::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Step::Index(index) => {
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
            }
        }
    }

    fn error(&self, reason: impl Into<String>) -> JsonError {
        let mut path = String::new();
        self.render(&mut path);
        JsonError {
            path,
            reason: reason.into(),
        }
    }
}

// ---------------------------------------------------------------------------
// Scalars.

fn unsigned(value: &Json, path: &Path) -> Result<u64> {
    let parsed = match value {
        Json::Unsigned(n) => Some(*n),
        Json::Float(f) if f.fract() == 0.0 && *f >= 0.0 && *f < u64::MAX as f64 => Some(*f as u64),
        Json::Str(s) => s.parse().ok(),
        _ => None,
    };
    parsed.ok_or_else(|| path.error(format!("expected an unsigned integer, got {value}")))
}

fn signed(value: &Json, path: &Path) -> Result<i64> {
    let parsed = match value {
        Json::Signed(n) => Some(*n),
        Json::Unsigned(n) => i64::try_from(*n).ok(),
        Json::Float(f) if f.fract() == 0.0 && f.abs() < i64::MAX as f64 => Some(*f as i64),
        Json::Str(s) => s.parse().ok(),
        _ => None,
    };
    parsed.ok_or_else(|| path.error(format!("expected an integer, got {value}")))
}

fn double(value: &Json, path: &Path) -> Result<f64> {
    let parsed = match value {
        Json::Unsigned(n) => Some(*n as f64),
        Json::Signed(n) => Some(*n as f64),
        Json::Float(f) => Some(*f),
        Json::Str(s) => match s.as_ref() {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            other => other.parse().ok().filter(|f: &f64| f.is_finite()),
        },
        _ => None,
    };
    parsed.ok_or_else(|| path.error(format!("expected a number, got {value}")))
}

fn narrow<T: TryFrom<i128>>(wide: i128, path: &Path) -> Result<T> {
    T::try_from(wide).map_err(|_| path.error(format!("{wide} is out of range")))
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn hex_decode(text: &str, path: &Path) -> Result<Vec<u8>> {
    fn digit(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return Err(path.error(format!("invalid hex {text:?}: odd length")));
    }
    bytes
        .chunks_exact(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| path.error(format!("invalid hex {text:?}")))
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard or URL-safe alphabet, padded or not (as protobuf JSON accepts).
fn base64_decode(text: &str, path: &Path) -> Result<Vec<u8>> {
    fn sextet(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some((c - b'A') as u32),
            b'a'..=b'z' => Some((c - b'a' + 26) as u32),
            b'0'..=b'9' => Some((c - b'0' + 52) as u32),
            b'+' | b'-' => Some(62),
            b'/' | b'_' => Some(63),
            _ => None,
        }
    }
    let invalid = || path.error(format!("invalid base64 {text:?}"));
    let body = text.trim_end_matches('=').as_bytes();
    if body.len() % 4 == 1 || text.len() - body.len() > 2 {
        return Err(invalid());
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    for chunk in body.chunks(4) {
        let mut group = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            group |= sextet(c).ok_or_else(invalid)? << (18 - 6 * i);
        }
        let bytes = group.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Ok(out)
}

fn base64_encode(bytes: &[u8], out: &mut Vec<u8>) {
    for chunk in bytes.chunks(3) {
        let mut group = [0u8; 4];
        group[1..=chunk.len()].copy_from_slice(chunk);
        let group = u32::from_be_bytes(group);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(BASE64[(group >> (18 - 6 * i) & 63) as usize]);
            } else {
                out.push(b'=');
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Reading an object's fields. `null` is the same as an absent key.

struct Fields<'a> {
    pairs: &'a [(Cow<'a, str>, Json<'a>)],
    path: &'a Path<'a>,
}

impl<'a> Fields<'a> {
    fn of(value: &'a Json<'a>, path: &'a Path<'a>) -> Result<Fields<'a>> {
        match value {
            Json::Object(pairs) => Ok(Fields { pairs, path }),
            other => Err(path.error(format!("expected an object, got {other}"))),
        }
    }

    fn get(&self, key: &str) -> Option<&'a Json<'a>> {
        Json::field(self.pairs, key).filter(|v| !matches!(v, Json::Null))
    }

    fn scalar<T: Default>(&self, key: &str, read: impl Fn(&Json, &Path) -> Result<T>) -> Result<T> {
        match self.get(key) {
            Some(value) => read(value, &self.path.key(key)),
            None => Ok(T::default()),
        }
    }

    fn string(&self, key: &str) -> Result<String> {
        self.scalar(key, |value, path| match value {
            Json::Str(s) => Ok(s.to_string()),
            other => Err(path.error(format!("expected a string, got {other}"))),
        })
    }

    fn boolean(&self, key: &str) -> Result<bool> {
        self.scalar(key, |value, path| match value {
            Json::Bool(b) => Ok(*b),
            other => Err(path.error(format!("expected a boolean, got {other}"))),
        })
    }

    fn u64(&self, key: &str) -> Result<u64> {
        self.scalar(key, unsigned)
    }

    fn i64(&self, key: &str) -> Result<i64> {
        self.scalar(key, signed)
    }

    fn u32(&self, key: &str) -> Result<u32> {
        self.scalar(key, |v, p| narrow(unsigned(v, p)? as i128, p))
    }

    fn i32(&self, key: &str) -> Result<i32> {
        self.scalar(key, |v, p| narrow(signed(v, p)? as i128, p))
    }

    fn f64(&self, key: &str) -> Result<f64> {
        self.scalar(key, double)
    }

    fn optional_f64(&self, key: &str) -> Result<Option<f64>> {
        self.scalar(key, |v, p| double(v, p).map(Some))
    }

    /// An enum: its number, or leniently its name.
    fn enumeration(&self, key: &str, by_name: fn(&str) -> Option<i32>) -> Result<i32> {
        self.scalar(key, |value, path| match value {
            Json::Str(name) if !name.starts_with(|c: char| c.is_ascii_digit() || c == '-') => {
                by_name(name).ok_or_else(|| path.error(format!("unknown enum value {name:?}")))
            }
            other => narrow(signed(other, path)? as i128, path),
        })
    }

    fn text(&self, key: &str, decode: fn(&str, &Path) -> Result<Vec<u8>>) -> Result<Vec<u8>> {
        self.scalar(key, |value, path| match value {
            Json::Str(s) => decode(s, path),
            other => Err(path.error(format!("expected a string, got {other}"))),
        })
    }

    /// A trace or span id: hex, empty when unset.
    fn id(&self, key: &str) -> Result<Vec<u8>> {
        self.text(key, hex_decode)
    }

    fn bytes(&self, key: &str) -> Result<Vec<u8>> {
        self.text(key, base64_decode)
    }

    fn list<T>(&self, key: &str, read: impl Fn(&Json, &Path) -> Result<T>) -> Result<Vec<T>> {
        let Some(value) = self.get(key) else {
            return Ok(Vec::new());
        };
        let path = self.path.key(key);
        let Json::Array(items) = value else {
            return Err(path.error(format!("expected an array, got {value}")));
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| read(item, &path.index(i)))
            .collect()
    }

    fn message<T>(&self, key: &str, read: fn(&Fields) -> Result<T>) -> Result<Option<T>> {
        match self.get(key) {
            Some(value) => {
                let path = self.path.key(key);
                read(&Fields::of(value, &path)?).map(Some)
            }
            None => Ok(None),
        }
    }

    fn messages<T>(&self, key: &str, read: fn(&Fields) -> Result<T>) -> Result<Vec<T>> {
        self.list(key, |value, path| read(&Fields::of(value, path)?))
    }
}

// ---------------------------------------------------------------------------
// Writing an object. Fields at their default value are left out, as protobuf
// JSON does, except oneof members, whose presence is the information.

struct Object<'a> {
    out: &'a mut Vec<u8>,
    empty: bool,
}

impl<'a> Object<'a> {
    fn write(out: &mut Vec<u8>, fill: impl FnOnce(&mut Object)) {
        out.push(b'{');
        let mut object = Object { out, empty: true };
        fill(&mut object);
        object.out.push(b'}');
    }

    fn key(&mut self, key: &str) -> &mut Vec<u8> {
        if !self.empty {
            self.out.push(b',');
        }
        self.empty = false;
        quote(key, self.out);
        self.out.push(b':');
        self.out
    }

    fn raw(&mut self, key: &str, text: &str) {
        self.key(key).extend_from_slice(text.as_bytes());
    }

    fn string(&mut self, key: &str, value: &str) {
        if !value.is_empty() {
            let out = self.key(key);
            quote(value, out);
        }
    }

    fn boolean(&mut self, key: &str, value: bool) {
        if value {
            self.raw(key, "true");
        }
    }

    /// 64-bit integers are strings in OTLP/JSON.
    fn int64(&mut self, key: &str, value: impl Into<i128>) {
        let value = value.into();
        if value != 0 {
            let out = self.key(key);
            out.push(b'"');
            out.extend_from_slice(value.to_string().as_bytes());
            out.push(b'"');
        }
    }

    fn int32(&mut self, key: &str, value: impl Into<i64>) {
        let value = value.into();
        if value != 0 {
            self.raw(key, &value.to_string());
        }
    }

    fn double(&mut self, key: &str, value: f64) {
        if value != 0.0 || value.is_sign_negative() {
            self.double_always(key, value);
        }
    }

    fn double_always(&mut self, key: &str, value: f64) {
        let out = self.key(key);
        write_double(value, out);
    }

    fn optional_double(&mut self, key: &str, value: Option<f64>) {
        if let Some(value) = value {
            self.double_always(key, value);
        }
    }

    fn id(&mut self, key: &str, id: &[u8]) {
        if !id.is_empty() {
            let out = self.key(key);
            out.push(b'"');
            for byte in id {
                out.push(HEX[(byte >> 4) as usize]);
                out.push(HEX[(byte & 15) as usize]);
            }
            out.push(b'"');
        }
    }

    fn bytes_always(&mut self, key: &str, bytes: &[u8]) {
        let out = self.key(key);
        out.push(b'"');
        base64_encode(bytes, out);
        out.push(b'"');
    }

    fn message<T>(&mut self, key: &str, value: Option<&T>, write: fn(&mut Object, &T)) {
        if let Some(value) = value {
            self.message_always(key, value, write);
        }
    }

    fn message_always<T>(&mut self, key: &str, value: &T, write: fn(&mut Object, &T)) {
        let out = self.key(key);
        Object::write(out, |o| write(o, value));
    }

    fn list<T>(&mut self, key: &str, items: &[T], write: impl Fn(&T, &mut Vec<u8>)) {
        if items.is_empty() {
            return;
        }
        let out = self.key(key);
        out.push(b'[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write(item, out);
        }
        out.push(b']');
    }

    fn messages<T>(&mut self, key: &str, items: &[T], write: fn(&mut Object, &T)) {
        self.list(key, items, |item, out| {
            Object::write(out, |o| write(o, item))
        });
    }
}

fn quote(text: &str, out: &mut Vec<u8>) {
    serde_json::to_writer(&mut *out, text).expect("writing to a Vec cannot fail");
}

fn write_double(value: f64, out: &mut Vec<u8>) {
    if value.is_nan() {
        out.extend_from_slice(b"\"NaN\"");
    } else if value.is_infinite() {
        out.extend_from_slice(if value > 0.0 {
            b"\"Infinity\""
        } else {
            b"\"-Infinity\""
        });
    } else {
        serde_json::to_writer(&mut *out, &value).expect("writing to a Vec cannot fail");
    }
}

// ---------------------------------------------------------------------------
// Common messages.

fn read_any_value(f: &Fields) -> Result<AnyValue> {
    use any_value::Value as V;
    let value = if f.get("stringValue").is_some() {
        Some(V::StringValue(f.string("stringValue")?))
    } else if f.get("boolValue").is_some() {
        Some(V::BoolValue(f.boolean("boolValue")?))
    } else if f.get("intValue").is_some() {
        Some(V::IntValue(f.i64("intValue")?))
    } else if f.get("doubleValue").is_some() {
        Some(V::DoubleValue(f.f64("doubleValue")?))
    } else if let Some(array) = f.message("arrayValue", read_array)? {
        Some(V::ArrayValue(array))
    } else if let Some(list) = f.message("kvlistValue", read_kvlist)? {
        Some(V::KvlistValue(list))
    } else if f.get("bytesValue").is_some() {
        Some(V::BytesValue(f.bytes("bytesValue")?))
    } else {
        None
    };
    Ok(AnyValue { value })
}

fn write_any_value(o: &mut Object, value: &AnyValue) {
    use any_value::Value as V;
    match &value.value {
        Some(V::StringValue(s)) => {
            let out = o.key("stringValue");
            quote(s, out);
        }
        Some(V::BoolValue(b)) => o.raw("boolValue", if *b { "true" } else { "false" }),
        Some(V::IntValue(i)) => o.raw("intValue", &format!("\"{i}\"")),
        Some(V::DoubleValue(d)) => o.double_always("doubleValue", *d),
        Some(V::ArrayValue(a)) => o.message_always("arrayValue", a, write_array),
        Some(V::KvlistValue(l)) => o.message_always("kvlistValue", l, write_kvlist),
        Some(V::BytesValue(b)) => o.bytes_always("bytesValue", b),
        // A profiles-only dictionary reference; OTLP/JSON of the three
        // signals has no form for it.
        Some(V::StringValueStrindex(_)) | None => {}
    }
}

fn read_array(f: &Fields) -> Result<ArrayValue> {
    Ok(ArrayValue {
        values: f.messages("values", read_any_value)?,
    })
}

fn write_array(o: &mut Object, a: &ArrayValue) {
    o.messages("values", &a.values, write_any_value);
}

fn read_kvlist(f: &Fields) -> Result<KeyValueList> {
    Ok(KeyValueList {
        values: f.messages("values", read_key_value)?,
    })
}

fn write_kvlist(o: &mut Object, l: &KeyValueList) {
    o.messages("values", &l.values, write_key_value);
}

fn read_key_value(f: &Fields) -> Result<KeyValue> {
    Ok(KeyValue {
        key: f.string("key")?,
        value: f.message("value", read_any_value)?,
        ..KeyValue::default()
    })
}

fn write_key_value(o: &mut Object, kv: &KeyValue) {
    o.string("key", &kv.key);
    o.message("value", kv.value.as_ref(), write_any_value);
}

fn read_scope(f: &Fields) -> Result<InstrumentationScope> {
    Ok(InstrumentationScope {
        name: f.string("name")?,
        version: f.string("version")?,
        attributes: f.messages("attributes", read_key_value)?,
        dropped_attributes_count: f.u32("droppedAttributesCount")?,
    })
}

fn write_scope(o: &mut Object, s: &InstrumentationScope) {
    o.string("name", &s.name);
    o.string("version", &s.version);
    o.messages("attributes", &s.attributes, write_key_value);
    o.int32("droppedAttributesCount", s.dropped_attributes_count);
}

fn read_strings(f: &Fields, key: &str) -> Result<Vec<String>> {
    f.list(key, |value, path| match value {
        Json::Str(s) => Ok(s.to_string()),
        other => Err(path.error(format!("expected a string, got {other}"))),
    })
}

fn write_strings(o: &mut Object, key: &str, strings: &[String]) {
    o.list(key, strings, |s, out| quote(s, out));
}

fn read_entity_ref(f: &Fields) -> Result<EntityRef> {
    Ok(EntityRef {
        schema_url: f.string("schemaUrl")?,
        r#type: f.string("type")?,
        id_keys: read_strings(f, "idKeys")?,
        description_keys: read_strings(f, "descriptionKeys")?,
    })
}

fn write_entity_ref(o: &mut Object, e: &EntityRef) {
    o.string("schemaUrl", &e.schema_url);
    o.string("type", &e.r#type);
    write_strings(o, "idKeys", &e.id_keys);
    write_strings(o, "descriptionKeys", &e.description_keys);
}

fn read_resource(f: &Fields) -> Result<Resource> {
    Ok(Resource {
        attributes: f.messages("attributes", read_key_value)?,
        dropped_attributes_count: f.u32("droppedAttributesCount")?,
        entity_refs: f.messages("entityRefs", read_entity_ref)?,
    })
}

fn write_resource(o: &mut Object, r: &Resource) {
    o.messages("attributes", &r.attributes, write_key_value);
    o.int32("droppedAttributesCount", r.dropped_attributes_count);
    o.messages("entityRefs", &r.entity_refs, write_entity_ref);
}

// ---------------------------------------------------------------------------
// Traces.

fn read_span(f: &Fields) -> Result<Span> {
    Ok(Span {
        trace_id: f.id("traceId")?,
        span_id: f.id("spanId")?,
        trace_state: f.string("traceState")?,
        parent_span_id: f.id("parentSpanId")?,
        flags: f.u32("flags")?,
        name: f.string("name")?,
        kind: f.enumeration("kind", |n| {
            span::SpanKind::from_str_name(n).map(|k| k as i32)
        })?,
        start_time_unix_nano: f.u64("startTimeUnixNano")?,
        end_time_unix_nano: f.u64("endTimeUnixNano")?,
        attributes: f.messages("attributes", read_key_value)?,
        dropped_attributes_count: f.u32("droppedAttributesCount")?,
        events: f.messages("events", read_event)?,
        dropped_events_count: f.u32("droppedEventsCount")?,
        links: f.messages("links", read_link)?,
        dropped_links_count: f.u32("droppedLinksCount")?,
        status: f.message("status", read_status)?,
    })
}

fn write_span(o: &mut Object, s: &Span) {
    o.id("traceId", &s.trace_id);
    o.id("spanId", &s.span_id);
    o.string("traceState", &s.trace_state);
    o.id("parentSpanId", &s.parent_span_id);
    o.int32("flags", s.flags);
    o.string("name", &s.name);
    o.int32("kind", s.kind);
    o.int64("startTimeUnixNano", s.start_time_unix_nano);
    o.int64("endTimeUnixNano", s.end_time_unix_nano);
    o.messages("attributes", &s.attributes, write_key_value);
    o.int32("droppedAttributesCount", s.dropped_attributes_count);
    o.messages("events", &s.events, write_event);
    o.int32("droppedEventsCount", s.dropped_events_count);
    o.messages("links", &s.links, write_link);
    o.int32("droppedLinksCount", s.dropped_links_count);
    o.message("status", s.status.as_ref(), write_status);
}

fn read_event(f: &Fields) -> Result<span::Event> {
    Ok(span::Event {
        time_unix_nano: f.u64("timeUnixNano")?,
        name: f.string("name")?,
        attributes: f.messages("attributes", read_key_value)?,
        dropped_attributes_count: f.u32("droppedAttributesCount")?,
    })
}

fn write_event(o: &mut Object, e: &span::Event) {
    o.int64("timeUnixNano", e.time_unix_nano);
    o.string("name", &e.name);
    o.messages("attributes", &e.attributes, write_key_value);
    o.int32("droppedAttributesCount", e.dropped_attributes_count);
}

fn read_link(f: &Fields) -> Result<span::Link> {
    Ok(span::Link {
        trace_id: f.id("traceId")?,
        span_id: f.id("spanId")?,
        trace_state: f.string("traceState")?,
        attributes: f.messages("attributes", read_key_value)?,
        dropped_attributes_count: f.u32("droppedAttributesCount")?,
        flags: f.u32("flags")?,
    })
}

fn write_link(o: &mut Object, l: &span::Link) {
    o.id("traceId", &l.trace_id);
    o.id("spanId", &l.span_id);
    o.string("traceState", &l.trace_state);
    o.messages("attributes", &l.attributes, write_key_value);
    o.int32("droppedAttributesCount", l.dropped_attributes_count);
    o.int32("flags", l.flags);
}

fn read_status(f: &Fields) -> Result<Status> {
    Ok(Status {
        message: f.string("message")?,
        code: f.enumeration("code", |n| StatusCode::from_str_name(n).map(|c| c as i32))?,
    })
}

fn write_status(o: &mut Object, s: &Status) {
    o.string("message", &s.message);
    o.int32("code", s.code);
}

// ---------------------------------------------------------------------------
// Metrics.

fn temporality(f: &Fields) -> Result<i32> {
    f.enumeration("aggregationTemporality", |n| {
        AggregationTemporality::from_str_name(n).map(|t| t as i32)
    })
}

fn read_gauge(f: &Fields) -> Result<Gauge> {
    Ok(Gauge {
        data_points: f.messages("dataPoints", read_number_point)?,
    })
}

fn read_sum(f: &Fields) -> Result<Sum> {
    Ok(Sum {
        data_points: f.messages("dataPoints", read_number_point)?,
        aggregation_temporality: temporality(f)?,
        is_monotonic: f.boolean("isMonotonic")?,
    })
}

fn read_histogram(f: &Fields) -> Result<Histogram> {
    Ok(Histogram {
        data_points: f.messages("dataPoints", read_histogram_point)?,
        aggregation_temporality: temporality(f)?,
    })
}

fn read_exponential_histogram(f: &Fields) -> Result<ExponentialHistogram> {
    Ok(ExponentialHistogram {
        data_points: f.messages("dataPoints", read_exponential_point)?,
        aggregation_temporality: temporality(f)?,
    })
}

fn read_summary(f: &Fields) -> Result<Summary> {
    Ok(Summary {
        data_points: f.messages("dataPoints", read_summary_point)?,
    })
}

fn read_metric(f: &Fields) -> Result<Metric> {
    use metric::Data;
    // The oneof: the first member present wins.
    let data = if f.get("gauge").is_some() {
        f.message("gauge", read_gauge)?.map(Data::Gauge)
    } else if f.get("sum").is_some() {
        f.message("sum", read_sum)?.map(Data::Sum)
    } else if f.get("histogram").is_some() {
        f.message("histogram", read_histogram)?.map(Data::Histogram)
    } else if f.get("exponentialHistogram").is_some() {
        f.message("exponentialHistogram", read_exponential_histogram)?
            .map(Data::ExponentialHistogram)
    } else {
        f.message("summary", read_summary)?.map(Data::Summary)
    };
    Ok(Metric {
        name: f.string("name")?,
        description: f.string("description")?,
        unit: f.string("unit")?,
        metadata: f.messages("metadata", read_key_value)?,
        data,
    })
}

fn write_metric(o: &mut Object, m: &Metric) {
    use metric::Data;
    o.string("name", &m.name);
    o.string("description", &m.description);
    o.string("unit", &m.unit);
    o.messages("metadata", &m.metadata, write_key_value);
    match &m.data {
        Some(Data::Gauge(g)) => o.message_always("gauge", g, |o, g| {
            o.messages("dataPoints", &g.data_points, write_number_point);
        }),
        Some(Data::Sum(s)) => o.message_always("sum", s, |o, s| {
            o.messages("dataPoints", &s.data_points, write_number_point);
            o.int32("aggregationTemporality", s.aggregation_temporality);
            o.boolean("isMonotonic", s.is_monotonic);
        }),
        Some(Data::Histogram(h)) => o.message_always("histogram", h, |o, h| {
            o.messages("dataPoints", &h.data_points, write_histogram_point);
            o.int32("aggregationTemporality", h.aggregation_temporality);
        }),
        Some(Data::ExponentialHistogram(h)) => {
            o.message_always("exponentialHistogram", h, |o, h| {
                o.messages("dataPoints", &h.data_points, write_exponential_point);
                o.int32("aggregationTemporality", h.aggregation_temporality);
            })
        }
        Some(Data::Summary(s)) => o.message_always("summary", s, |o, s| {
            o.messages("dataPoints", &s.data_points, write_summary_point);
        }),
        None => {}
    }
}

fn read_u64s(f: &Fields, key: &str) -> Result<Vec<u64>> {
    f.list(key, unsigned)
}

fn write_u64s(o: &mut Object, key: &str, values: &[u64]) {
    o.list(key, values, |v, out| {
        out.push(b'"');
        out.extend_from_slice(v.to_string().as_bytes());
        out.push(b'"');
    });
}

/// The `asDouble` / `asInt` oneof of data points and exemplars.
fn read_number<T>(f: &Fields, double: fn(f64) -> T, int: fn(i64) -> T) -> Result<Option<T>> {
    Ok(if f.get("asDouble").is_some() {
        Some(double(f.f64("asDouble")?))
    } else if f.get("asInt").is_some() {
        Some(int(f.i64("asInt")?))
    } else {
        None
    })
}

/// Writes the number oneof: `Ok` a double, `Err` an integer.
fn write_number(o: &mut Object, value: Option<std::result::Result<f64, i64>>) {
    match value {
        Some(Ok(d)) => o.double_always("asDouble", d),
        Some(Err(i)) => o.raw("asInt", &format!("\"{i}\"")),
        None => {}
    }
}

fn read_number_point(f: &Fields) -> Result<NumberDataPoint> {
    use number_data_point::Value as V;
    let value = read_number(f, V::AsDouble, V::AsInt)?;
    Ok(NumberDataPoint {
        attributes: f.messages("attributes", read_key_value)?,
        start_time_unix_nano: f.u64("startTimeUnixNano")?,
        time_unix_nano: f.u64("timeUnixNano")?,
        exemplars: f.messages("exemplars", read_exemplar)?,
        flags: f.u32("flags")?,
        value,
    })
}

fn write_number_point(o: &mut Object, p: &NumberDataPoint) {
    use number_data_point::Value as V;
    o.messages("attributes", &p.attributes, write_key_value);
    o.int64("startTimeUnixNano", p.start_time_unix_nano);
    o.int64("timeUnixNano", p.time_unix_nano);
    write_number(
        o,
        p.value.map(|v| match v {
            V::AsDouble(d) => Ok(d),
            V::AsInt(i) => Err(i),
        }),
    );
    o.messages("exemplars", &p.exemplars, write_exemplar);
    o.int32("flags", p.flags);
}

fn read_histogram_point(f: &Fields) -> Result<HistogramDataPoint> {
    Ok(HistogramDataPoint {
        attributes: f.messages("attributes", read_key_value)?,
        start_time_unix_nano: f.u64("startTimeUnixNano")?,
        time_unix_nano: f.u64("timeUnixNano")?,
        count: f.u64("count")?,
        sum: f.optional_f64("sum")?,
        bucket_counts: read_u64s(f, "bucketCounts")?,
        explicit_bounds: f.list("explicitBounds", double)?,
        exemplars: f.messages("exemplars", read_exemplar)?,
        flags: f.u32("flags")?,
        min: f.optional_f64("min")?,
        max: f.optional_f64("max")?,
    })
}

fn write_histogram_point(o: &mut Object, p: &HistogramDataPoint) {
    o.messages("attributes", &p.attributes, write_key_value);
    o.int64("startTimeUnixNano", p.start_time_unix_nano);
    o.int64("timeUnixNano", p.time_unix_nano);
    o.int64("count", p.count);
    o.optional_double("sum", p.sum);
    write_u64s(o, "bucketCounts", &p.bucket_counts);
    o.list("explicitBounds", &p.explicit_bounds, |v, out| {
        write_double(*v, out)
    });
    o.messages("exemplars", &p.exemplars, write_exemplar);
    o.int32("flags", p.flags);
    o.optional_double("min", p.min);
    o.optional_double("max", p.max);
}

fn read_buckets(f: &Fields) -> Result<Buckets> {
    Ok(Buckets {
        offset: f.i32("offset")?,
        bucket_counts: read_u64s(f, "bucketCounts")?,
    })
}

fn write_buckets(o: &mut Object, b: &Buckets) {
    o.int32("offset", b.offset);
    write_u64s(o, "bucketCounts", &b.bucket_counts);
}

fn read_exponential_point(f: &Fields) -> Result<ExponentialHistogramDataPoint> {
    Ok(ExponentialHistogramDataPoint {
        attributes: f.messages("attributes", read_key_value)?,
        start_time_unix_nano: f.u64("startTimeUnixNano")?,
        time_unix_nano: f.u64("timeUnixNano")?,
        count: f.u64("count")?,
        sum: f.optional_f64("sum")?,
        scale: f.i32("scale")?,
        zero_count: f.u64("zeroCount")?,
        positive: f.message("positive", read_buckets)?,
        negative: f.message("negative", read_buckets)?,
        flags: f.u32("flags")?,
        exemplars: f.messages("exemplars", read_exemplar)?,
        min: f.optional_f64("min")?,
        max: f.optional_f64("max")?,
        zero_threshold: f.f64("zeroThreshold")?,
    })
}

fn write_exponential_point(o: &mut Object, p: &ExponentialHistogramDataPoint) {
    o.messages("attributes", &p.attributes, write_key_value);
    o.int64("startTimeUnixNano", p.start_time_unix_nano);
    o.int64("timeUnixNano", p.time_unix_nano);
    o.int64("count", p.count);
    o.optional_double("sum", p.sum);
    o.int32("scale", p.scale);
    o.int64("zeroCount", p.zero_count);
    o.message("positive", p.positive.as_ref(), write_buckets);
    o.message("negative", p.negative.as_ref(), write_buckets);
    o.int32("flags", p.flags);
    o.messages("exemplars", &p.exemplars, write_exemplar);
    o.optional_double("min", p.min);
    o.optional_double("max", p.max);
    o.double("zeroThreshold", p.zero_threshold);
}

fn read_summary_point(f: &Fields) -> Result<SummaryDataPoint> {
    Ok(SummaryDataPoint {
        attributes: f.messages("attributes", read_key_value)?,
        start_time_unix_nano: f.u64("startTimeUnixNano")?,
        time_unix_nano: f.u64("timeUnixNano")?,
        count: f.u64("count")?,
        sum: f.f64("sum")?,
        quantile_values: f.messages("quantileValues", |f| {
            Ok(ValueAtQuantile {
                quantile: f.f64("quantile")?,
                value: f.f64("value")?,
            })
        })?,
        flags: f.u32("flags")?,
    })
}

fn write_summary_point(o: &mut Object, p: &SummaryDataPoint) {
    o.messages("attributes", &p.attributes, write_key_value);
    o.int64("startTimeUnixNano", p.start_time_unix_nano);
    o.int64("timeUnixNano", p.time_unix_nano);
    o.int64("count", p.count);
    o.double("sum", p.sum);
    o.messages("quantileValues", &p.quantile_values, |o, q| {
        o.double("quantile", q.quantile);
        o.double("value", q.value);
    });
    o.int32("flags", p.flags);
}

fn read_exemplar(f: &Fields) -> Result<Exemplar> {
    use exemplar::Value as V;
    let value = read_number(f, V::AsDouble, V::AsInt)?;
    Ok(Exemplar {
        filtered_attributes: f.messages("filteredAttributes", read_key_value)?,
        time_unix_nano: f.u64("timeUnixNano")?,
        span_id: f.id("spanId")?,
        trace_id: f.id("traceId")?,
        value,
    })
}

fn write_exemplar(o: &mut Object, e: &Exemplar) {
    use exemplar::Value as V;
    o.messages(
        "filteredAttributes",
        &e.filtered_attributes,
        write_key_value,
    );
    o.int64("timeUnixNano", e.time_unix_nano);
    write_number(
        o,
        e.value.map(|v| match v {
            V::AsDouble(d) => Ok(d),
            V::AsInt(i) => Err(i),
        }),
    );
    o.id("spanId", &e.span_id);
    o.id("traceId", &e.trace_id);
}

// ---------------------------------------------------------------------------
// Logs.

fn read_log_record(f: &Fields) -> Result<LogRecord> {
    Ok(LogRecord {
        time_unix_nano: f.u64("timeUnixNano")?,
        observed_time_unix_nano: f.u64("observedTimeUnixNano")?,
        severity_number: f.enumeration("severityNumber", |n| {
            SeverityNumber::from_str_name(n).map(|s| s as i32)
        })?,
        severity_text: f.string("severityText")?,
        body: f.message("body", read_any_value)?,
        attributes: f.messages("attributes", read_key_value)?,
        dropped_attributes_count: f.u32("droppedAttributesCount")?,
        flags: f.u32("flags")?,
        trace_id: f.id("traceId")?,
        span_id: f.id("spanId")?,
        event_name: f.string("eventName")?,
    })
}

fn write_log_record(o: &mut Object, l: &LogRecord) {
    o.int64("timeUnixNano", l.time_unix_nano);
    o.int64("observedTimeUnixNano", l.observed_time_unix_nano);
    o.int32("severityNumber", l.severity_number);
    o.string("severityText", &l.severity_text);
    o.message("body", l.body.as_ref(), write_any_value);
    o.messages("attributes", &l.attributes, write_key_value);
    o.int32("droppedAttributesCount", l.dropped_attributes_count);
    o.int32("flags", l.flags);
    o.id("traceId", &l.trace_id);
    o.id("spanId", &l.span_id);
    o.string("eventName", &l.event_name);
}

// ---------------------------------------------------------------------------
// Responses: `partialSuccess` with the rejected count and why.

macro_rules! response_json {
    ($response:ident, $partial:ident, $count:ident, $key:literal) => {
        impl OtlpJson for $response {
            fn from_json(json: &[u8]) -> Result<Self> {
                decode(json, |f| {
                    Ok($response {
                        partial_success: f.message("partialSuccess", |f| {
                            Ok($partial {
                                $count: f.i64($key)?,
                                error_message: f.string("errorMessage")?,
                            })
                        })?,
                    })
                })
            }

            fn to_json(&self) -> Vec<u8> {
                encode(|o| {
                    o.message("partialSuccess", self.partial_success.as_ref(), |o, p| {
                        o.int64($key, p.$count);
                        o.string("errorMessage", &p.error_message);
                    })
                })
            }
        }
    };
}

response_json!(
    ExportTraceServiceResponse,
    ExportTracePartialSuccess,
    rejected_spans,
    "rejectedSpans"
);
response_json!(
    ExportMetricsServiceResponse,
    ExportMetricsPartialSuccess,
    rejected_data_points,
    "rejectedDataPoints"
);
response_json!(
    ExportLogsServiceResponse,
    ExportLogsPartialSuccess,
    rejected_log_records,
    "rejectedLogRecords"
);

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    fn testdata(name: &str) -> Vec<u8> {
        let path = testutil::shared("testdata/payloads/otlp").join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn twin<M: OtlpJson + Message + Default + PartialEq + fmt::Debug>(json: &str, pb: &str) {
        let from_json = M::from_json(&testdata(json)).unwrap();
        let from_pb = M::decode(testdata(pb).as_slice()).unwrap();
        assert!(from_pb.encoded_len() > 100, "{pb} has content");
        assert_eq!(from_json, from_pb, "{json} vs {pb}");
        assert_eq!(M::from_json(&from_json.to_json()).unwrap(), from_json);
    }

    #[test]
    fn examples_decode_to_their_binary_twins() {
        twin::<ExportTraceServiceRequest>("examples/trace.json", "captured/0001-http-traces.pb");
        twin::<ExportMetricsServiceRequest>(
            "examples/metrics.json",
            "captured/0002-http-metrics.pb",
        );
        twin::<ExportLogsServiceRequest>("examples/logs.json", "captured/0003-http-logs.pb");
    }

    #[test]
    fn events_example_decodes_and_round_trips() {
        let json = testdata("examples/events.json");
        let logs = ExportLogsServiceRequest::from_json(&json).unwrap();
        assert!(crate::otlp::Request::item_count(&logs) > 0);
        assert_eq!(
            ExportLogsServiceRequest::from_json(&logs.to_json()).unwrap(),
            logs
        );
    }

    #[test]
    fn every_captured_payload_round_trips_through_json() {
        let dir = testutil::shared("testdata/payloads/otlp/captured");
        for path in testutil::files_with_suffix(&dir, ".pb") {
            let bytes = std::fs::read(&path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.contains("traces") {
                let m = ExportTraceServiceRequest::decode(bytes.as_slice()).unwrap();
                assert_eq!(
                    ExportTraceServiceRequest::from_json(&m.to_json()).unwrap(),
                    m,
                    "{name}"
                );
            } else if name.contains("metrics") {
                let m = ExportMetricsServiceRequest::decode(bytes.as_slice()).unwrap();
                assert_eq!(
                    ExportMetricsServiceRequest::from_json(&m.to_json()).unwrap(),
                    m,
                    "{name}"
                );
            } else {
                let m = ExportLogsServiceRequest::decode(bytes.as_slice()).unwrap();
                assert_eq!(
                    ExportLogsServiceRequest::from_json(&m.to_json()).unwrap(),
                    m,
                    "{name}"
                );
            }
        }
    }

    #[test]
    fn special_doubles_round_trip() {
        let json = br#"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[
            {"asDouble":"NaN"},{"asDouble":"Infinity"},{"asDouble":"-Infinity"},{"asDouble":0},{"asInt":"-7"},{"asInt":12}
        ]}},{"name":"h","histogram":{"aggregationTemporality":"AGGREGATION_TEMPORALITY_CUMULATIVE","dataPoints":[
            {"count":3,"sum":"NaN","bucketCounts":["1",2],"explicitBounds":[1.5,"Infinity"],"min":0}]}}]}]}]}"#;
        let m = ExportMetricsServiceRequest::from_json(json).unwrap();
        let Some(metric::Data::Gauge(g)) = &m.resource_metrics[0].scope_metrics[0].metrics[0].data
        else {
            panic!("a gauge")
        };
        let values: Vec<_> = g.data_points.iter().map(|p| p.value).collect();
        use number_data_point::Value as V;
        assert!(matches!(values[0], Some(V::AsDouble(d)) if d.is_nan()));
        assert_eq!(values[1], Some(V::AsDouble(f64::INFINITY)));
        assert_eq!(values[2], Some(V::AsDouble(f64::NEG_INFINITY)));
        assert_eq!(
            values[3],
            Some(V::AsDouble(0.0)),
            "a zero oneof is still set"
        );
        assert_eq!(values[4], Some(V::AsInt(-7)));
        assert_eq!(values[5], Some(V::AsInt(12)));
        let Some(metric::Data::Histogram(h)) =
            &m.resource_metrics[0].scope_metrics[0].metrics[1].data
        else {
            panic!("a histogram")
        };
        assert_eq!(h.aggregation_temporality, 2);
        let p = &h.data_points[0];
        assert!(p.sum.unwrap().is_nan());
        assert_eq!(p.bucket_counts, [1, 2]);
        assert_eq!(p.explicit_bounds, [1.5, f64::INFINITY]);
        assert_eq!(p.min, Some(0.0));

        let again = ExportMetricsServiceRequest::from_json(&m.to_json()).unwrap();
        // NaN != NaN: compare the encodings, which spell it "NaN".
        assert_eq!(again.to_json(), m.to_json());
        let text = String::from_utf8(m.to_json()).unwrap();
        assert!(text.contains(r#""asDouble":"NaN""#), "{text}");
        assert!(text.contains(r#""asInt":"-7""#), "{text}");
    }

    #[test]
    fn ids_are_hex_in_any_case_and_bytes_base64() {
        let json = br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{
            "traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"eee19b7ec3c1b174","parentSpanId":"",
            "kind":2,"unknownField":{"x":1},
            "attributes":[{"key":"b","value":{"bytesValue":"AAEC/w=="}},{"key":"u","value":{"bytesValue":"AAEC_w"}}]
        }]}]}]}"#;
        let t = ExportTraceServiceRequest::from_json(json).unwrap();
        let span = &t.resource_spans[0].scope_spans[0].spans[0];
        assert_eq!(
            span.trace_id,
            hex_decode("5b8efff798038103d269b633813fc60c", &Path::ROOT).unwrap()
        );
        assert_eq!(span.span_id.len(), 8);
        assert!(span.parent_span_id.is_empty());
        assert_eq!(span.kind, 2);
        for attribute in &span.attributes {
            assert_eq!(
                attribute.value.as_ref().unwrap().value,
                Some(any_value::Value::BytesValue(vec![0, 1, 2, 255]))
            );
        }
        let text = String::from_utf8(t.to_json()).unwrap();
        assert!(
            text.contains(r#""traceId":"5b8efff798038103d269b633813fc60c""#),
            "{text}"
        );
        assert!(text.contains(r#""bytesValue":"AAEC/w==""#), "{text}");
        assert!(!text.contains("parentSpanId"), "{text}");
    }

    #[test]
    fn errors_say_where() {
        let json =
            br#"{"resourceSpans":[{"scopeSpans":[{},{"spans":[{},{},{},{"traceId":"zz"}]}]}]}"#;
        let err = ExportTraceServiceRequest::from_json(json).unwrap_err();
        assert_eq!(err.path, "resourceSpans[0].scopeSpans[1].spans[3].traceId");
        assert!(err.to_string().contains("invalid hex"), "{err}");

        let err = ExportLogsServiceRequest::from_json(
            br#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"soon"}]}]}]}"#,
        )
        .unwrap_err();
        assert_eq!(
            err.path,
            "resourceLogs[0].scopeLogs[0].logRecords[0].timeUnixNano"
        );

        let err = ExportTraceServiceRequest::from_json(b"{").unwrap_err();
        assert!(err.reason.starts_with("invalid JSON"), "{err}");
        let err = ExportTraceServiceRequest::from_json(b"[]").unwrap_err();
        assert_eq!(err.to_string(), "expected an object, got []");
        let err = ExportTraceServiceRequest::from_json(
            br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"flags":-1}]}]}]}"#,
        )
        .unwrap_err();
        assert_eq!(err.path, "resourceSpans[0].scopeSpans[0].spans[0].flags");
    }

    #[test]
    fn responses_carry_partial_success() {
        let r = ExportTraceServiceResponse {
            partial_success: Some(ExportTracePartialSuccess {
                rejected_spans: 2,
                error_message: "bad ids".into(),
            }),
        };
        assert_eq!(
            String::from_utf8(r.to_json()).unwrap(),
            r#"{"partialSuccess":{"rejectedSpans":"2","errorMessage":"bad ids"}}"#
        );
        assert_eq!(
            ExportTraceServiceResponse::from_json(&r.to_json()).unwrap(),
            r
        );
        assert_eq!(ExportLogsServiceResponse::default().to_json(), b"{}");
        assert_eq!(
            ExportMetricsServiceResponse::from_json(b"{}").unwrap(),
            ExportMetricsServiceResponse::default()
        );
    }
}
