#!/usr/bin/env python3
"""Sends one collection of a counter and a histogram with the OpenTelemetry
Python SDK over OTLP/HTTP, cumulative, for the otel_prometheus test.

  requests        counter, unit {request}: 3 for route=/a, 2 for route=/b
  request.duration histogram, unit s, buckets 0.5, 1, 5: 0.2, 0.7 and 3.0

Resource: service.namespace=ferro, service.name=shop, service.instance.id=i-7,
deployment.environment=test. Meter (scope): ferro.test 2.0.

Usage: otel_prometheus_send.py URL   (the receiver's /v1/metrics URL)
Exits 1 when the exporter reports a failure.
"""

import sys

from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.sdk.metrics import Counter, Histogram, MeterProvider
from opentelemetry.sdk.metrics.export import AggregationTemporality, PeriodicExportingMetricReader
from opentelemetry.sdk.metrics.view import ExplicitBucketHistogramAggregation, View
from opentelemetry.sdk.resources import Resource


def main(url):
    exporter = OTLPMetricExporter(
        endpoint=url,
        timeout=10,
        preferred_temporality={
            Counter: AggregationTemporality.CUMULATIVE,
            Histogram: AggregationTemporality.CUMULATIVE,
        },
    )
    # Exports only when flushed: one request with everything below.
    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=3_600_000)
    provider = MeterProvider(
        resource=Resource.create(
            {
                "service.namespace": "ferro",
                "service.name": "shop",
                "service.instance.id": "i-7",
                "deployment.environment": "test",
            }
        ),
        metric_readers=[reader],
        views=[
            View(
                instrument_name="request.duration",
                aggregation=ExplicitBucketHistogramAggregation([0.5, 1.0, 5.0]),
            )
        ],
    )
    meter = provider.get_meter("ferro.test", "2.0")
    requests = meter.create_counter("requests", unit="{request}", description="Requests served.")
    requests.add(3, {"route": "/a"})
    requests.add(2, {"route": "/b"})
    duration = meter.create_histogram("request.duration", unit="s", description="Time per request.")
    for seconds in (0.2, 0.7, 3.0):
        duration.record(seconds)
    flushed = provider.force_flush(timeout_millis=20_000)
    provider.shutdown()
    if not flushed:
        print("export failed", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1])
