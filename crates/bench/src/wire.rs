//! Counting the items of an OTLP export request straight from its protobuf
//! bytes: the sink walks only the length-delimited fields that lead to spans,
//! data points and log records and skips everything else, so counting costs a
//! fraction of a full decode.

use crate::Signal;

/// Why a request could not be walked.
#[derive(Debug, PartialEq, Eq)]
pub struct WireError(pub &'static str);

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for WireError {}

/// The number of spans, metric data points or log records in an encoded
/// `Export{Trace,Metrics,Logs}ServiceRequest`.
pub fn count_items(signal: Signal, request: &[u8]) -> Result<u64, WireError> {
    // Every request nests resource → scope → item under field 1 then field 2.
    let mut total = 0;
    for resource in fields(request, 1) {
        for scope in fields(resource?, 2) {
            for item in fields(scope?, 2) {
                let item = item?;
                total += match signal {
                    Signal::Traces | Signal::Logs => 1,
                    Signal::Metrics => data_points(item)?,
                };
            }
        }
    }
    Ok(total)
}

/// The items an `Export*ServiceResponse` says were rejected: all three keep
/// `partial_success` in field 1 and the rejected count in its field 1.
pub fn rejected_items(response: &[u8]) -> Result<u64, WireError> {
    let mut rejected = 0;
    for partial_success in fields(response, 1) {
        for field in Fields(partial_success?) {
            if let (1, FieldValue::Varint(count)) = field? {
                rejected = count;
            }
        }
    }
    Ok(rejected)
}

/// Data points of one `Metric`: gauge (5), sum (7), histogram (9),
/// exponential histogram (10) and summary (11) all keep them in field 1.
fn data_points(metric: &[u8]) -> Result<u64, WireError> {
    let mut total = 0;
    for field in Fields(metric) {
        let (number, FieldValue::Bytes(data)) = field? else {
            continue;
        };
        if matches!(number, 5 | 7 | 9 | 10 | 11) {
            for point in fields(data, 1) {
                point?;
                total += 1;
            }
        }
    }
    Ok(total)
}

/// The length-delimited occurrences of field `wanted` in `message`.
fn fields(message: &[u8], wanted: u64) -> impl Iterator<Item = Result<&[u8], WireError>> {
    Fields(message).filter_map(move |field| match field {
        Ok((number, FieldValue::Bytes(data))) if number == wanted => Some(Ok(data)),
        Ok((number, FieldValue::Varint(_) | FieldValue::Fixed)) if number == wanted => {
            Some(Err(WireError("a message field has a scalar wire type")))
        }
        Ok(_) => None,
        Err(e) => Some(Err(e)),
    })
}

enum FieldValue<'a> {
    Bytes(&'a [u8]),
    Varint(u64),
    Fixed,
}

/// The fields of one message; stops after the first error.
struct Fields<'a>(&'a [u8]);

impl<'a> Iterator for Fields<'a> {
    type Item = Result<(u64, FieldValue<'a>), WireError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.0.is_empty() {
            return None;
        }
        let field = self.field();
        if field.is_err() {
            self.0 = &[];
        }
        Some(field)
    }
}

impl<'a> Fields<'a> {
    fn field(&mut self) -> Result<(u64, FieldValue<'a>), WireError> {
        let key = self.varint()?;
        let number = key >> 3;
        if number == 0 {
            return Err(WireError("field number 0"));
        }
        let value = match key & 7 {
            0 => FieldValue::Varint(self.varint()?),
            1 => {
                self.take(8)?;
                FieldValue::Fixed
            }
            2 => {
                let len = usize::try_from(self.varint()?)
                    .map_err(|_| WireError("length does not fit in memory"))?;
                FieldValue::Bytes(self.take(len)?)
            }
            5 => {
                self.take(4)?;
                FieldValue::Fixed
            }
            _ => return Err(WireError("unsupported wire type")),
        };
        Ok((number, value))
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], WireError> {
        if len > self.0.len() {
            return Err(WireError("truncated message"));
        }
        let (head, rest) = self.0.split_at(len);
        self.0 = rest;
        Ok(head)
    }

    fn varint(&mut self) -> Result<u64, WireError> {
        let mut value = 0u64;
        for (i, byte) in self.0.iter().enumerate().take(10) {
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                self.0 = &self.0[i + 1..];
                return Ok(value);
            }
        }
        Err(WireError("invalid varint"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requests::Generator;
    use prost::Message;

    #[test]
    fn counts_what_the_generator_put_in() {
        let mut generator = Generator::new(7);
        for signal in [Signal::Traces, Signal::Metrics, Signal::Logs] {
            for batch in [1, 37, 100] {
                let request = generator.request(signal, batch);
                assert_eq!(
                    count_items(signal, &request),
                    Ok(batch as u64),
                    "{signal:?}"
                );
            }
        }
    }

    #[test]
    fn counts_every_metric_type() {
        use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
        use opentelemetry_proto::tonic::metrics::v1::{
            ExponentialHistogram, ExponentialHistogramDataPoint, Metric, ResourceMetrics,
            ScopeMetrics, Summary, SummaryDataPoint, metric::Data,
        };
        let metric = |data| Metric {
            name: "m".into(),
            data: Some(data),
            ..Default::default()
        };
        let request = ExportMetricsServiceRequest {
            resource_metrics: vec![ResourceMetrics {
                scope_metrics: vec![ScopeMetrics {
                    metrics: vec![
                        metric(Data::Summary(Summary {
                            data_points: vec![SummaryDataPoint::default(); 3],
                        })),
                        metric(Data::ExponentialHistogram(ExponentialHistogram {
                            data_points: vec![ExponentialHistogramDataPoint::default(); 2],
                            aggregation_temporality: 1,
                        })),
                    ],
                    ..Default::default()
                }],
                ..Default::default()
            }],
        };
        assert_eq!(
            count_items(Signal::Metrics, &request.encode_to_vec()),
            Ok(5)
        );
    }

    #[test]
    fn reads_the_rejected_count_of_a_partial_success() {
        use opentelemetry_proto::tonic::collector::logs::v1::{
            ExportLogsPartialSuccess, ExportLogsServiceResponse,
        };
        let response = ExportLogsServiceResponse {
            partial_success: Some(ExportLogsPartialSuccess {
                rejected_log_records: 42,
                error_message: "too old".into(),
            }),
        };
        assert_eq!(rejected_items(&response.encode_to_vec()), Ok(42));
        assert_eq!(rejected_items(&[]), Ok(0));
    }

    #[test]
    fn rejects_broken_bytes() {
        let mut generator = Generator::new(1);
        let request = generator.request(Signal::Traces, 10);
        assert_eq!(
            count_items(Signal::Traces, &request[..request.len() - 3]),
            Err(WireError("truncated message"))
        );
        assert_eq!(
            count_items(Signal::Logs, &[0xff; 12]),
            Err(WireError("invalid varint"))
        );
        assert_eq!(count_items(Signal::Logs, &[]), Ok(0));
    }
}
