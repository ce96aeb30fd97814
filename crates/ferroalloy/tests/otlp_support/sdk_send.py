#!/usr/bin/env python3
"""Sends a known set of telemetry with the OpenTelemetry Python SDK and prints
a JSON description of it, for the OTLP pipeline tests.

The data is made with the real SDK (tracer, meter and logger providers, two
resources, two instrumentation scopes each), collected in memory and then
handed to the SDK's own OTLP exporters in one export call per signal, so the
exporter's result (SUCCESS / FAILURE) is reported exactly:

  traces   spans of every kind, parents and children, events, links, an error
           status, attributes of every type (string, bool, int, double and
           arrays of each)
  metrics  a counter, an up-down counter, a histogram and a gauge, each with
           two attribute sets
  logs     records with severity, string and map bodies, attributes and the
           trace context of a span

Output (stdout): {"traces": {"result": ..., "spans": [...]}, "metrics": {...,
"points": [...]}, "logs": {..., "records": [...]}}: the items as the SDK's
encoder puts them on the wire, described by describe.py.

Usage: sdk_send.py --endpoint ENDPOINT --protocol grpc|http
         [--signals traces,metrics,logs] [--gzip] [--ca FILE]
         [--user NAME --password PASSWORD] [--timeout SECONDS] [--tag TEXT]
ENDPOINT is host:port for gRPC and a base URL (http[s]://host:port) for HTTP.
"""

import argparse
import base64
import json
import os
import sys

import describe

from opentelemetry import trace
from opentelemetry._logs import SeverityNumber
from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs
from opentelemetry.exporter.otlp.proto.common.metrics_encoder import encode_metrics
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, MetricsData
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, NonRecordingSpan, SpanContext, SpanKind, TraceFlags
from opentelemetry.trace.status import Status, StatusCode

SCOPES = [("shop.http", "1.4.0"), ("shop.db", "0.9.1")]
EVERY_TYPE = {
    "str": "text",
    "bool": True,
    "int": 42,
    "double": 2.5,
    "str_array": ["a", "b"],
    "bool_array": [True, False],
    "int_array": [1, 2, 3],
    "double_array": [0.5, 1.5],
}


def resources(tag):
    """Two services, told apart by their attributes."""
    return [
        Resource.create(
            {
                "service.name": f"checkout-{tag}",
                "service.version": "1.2.3",
                "deployment.environment.name": "test",
                "host.name": "host-a",
            }
        ),
        Resource.create({"service.name": f"payments-{tag}", "service.instance.id": "p-7", "replicas": 3}),
    ]


# ---------------------------------------------------------------- traces


def make_spans(tag):
    spans = []
    remote = SpanContext(
        trace_id=0x0AF7651916CD43DD8448EB211C80319C,
        span_id=0xB7AD6B7169203331,
        is_remote=True,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
    )
    for r, resource in enumerate(resources(tag)):
        memory = InMemorySpanExporter()
        provider = TracerProvider(resource=resource)
        provider.add_span_processor(SimpleSpanProcessor(memory))
        for s, (scope, version) in enumerate(SCOPES):
            tracer = provider.get_tracer(scope, version)
            with tracer.start_as_current_span(
                f"GET /orders/{r}{s}", kind=SpanKind.SERVER, attributes=dict(EVERY_TYPE)
            ) as parent:
                parent.add_event("cache.miss", {"cache.key": f"order-{r}{s}", "attempt": 2})
                parent.add_event("no.attributes")
                with tracer.start_as_current_span(
                    "SELECT orders",
                    kind=SpanKind.CLIENT,
                    links=[Link(remote, {"link.reason": "batch", "weight": 0.25})],
                    attributes={"db.system.name": "postgresql", "db.rows": 12},
                ) as child:
                    child.set_status(Status(StatusCode.ERROR, "deadlock detected"))
                for kind in (SpanKind.PRODUCER, SpanKind.CONSUMER, SpanKind.INTERNAL):
                    with tracer.start_as_current_span(f"{kind.name.lower()} step", kind=kind):
                        pass
        provider.shutdown()
        spans.extend(memory.get_finished_spans())
    return spans


# ---------------------------------------------------------------- metrics


def make_metrics(tag):
    data = []
    for r, resource in enumerate(resources(tag)):
        reader = InMemoryMetricReader()
        provider = MeterProvider(resource=resource, metric_readers=[reader])
        for scope, version in SCOPES:
            meter = provider.get_meter(scope, version)
            counter = meter.create_counter(f"{scope}.requests", unit="{request}", description="requests served")
            updown = meter.create_up_down_counter(f"{scope}.queue.length", unit="{item}")
            histogram = meter.create_histogram(f"{scope}.duration", unit="s", description="time taken")
            gauge = meter.create_gauge(f"{scope}.temperature", unit="Cel")
            for i, route in enumerate(["/a", "/b"]):
                attrs = {"route": route, "ok": i == 0, "shard": i}
                counter.add(10 + i + r, attrs)
                updown.add(5 - 7 * i, attrs)
                for v in (0.003, 0.2, 1.7 + i):
                    histogram.record(v, attrs)
                gauge.set(20.5 + i + r, attrs)
        data.extend(reader.get_metrics_data().resource_metrics)
        provider.shutdown()
    return MetricsData(resource_metrics=data)


# ---------------------------------------------------------------- logs


def make_logs(tag):
    records = []
    span_context = SpanContext(
        trace_id=0x5B8EFFF798038103D269B633813FC60C,
        span_id=0xEEE19B7EC3C1B174,
        is_remote=False,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
    )
    in_span = trace.set_span_in_context(NonRecordingSpan(span_context))
    for r, resource in enumerate(resources(tag)):
        memory = InMemoryLogRecordExporter()
        provider = LoggerProvider(resource=resource)
        provider.add_log_record_processor(SimpleLogRecordProcessor(memory))
        for s, (scope, version) in enumerate(SCOPES):
            logger = provider.get_logger(scope, version)
            logger.emit(
                timestamp=1_700_000_000_000_000_000 + r * 10 + s,
                severity_number=SeverityNumber.INFO,
                severity_text="INFO",
                body=f"order {r}{s} placed",
                attributes=dict(EVERY_TYPE),
                context=in_span,
            )
            logger.emit(
                timestamp=1_700_000_000_000_000_100 + r * 10 + s,
                severity_number=SeverityNumber.ERROR,
                severity_text="ERROR",
                body={"event": "payment.failed", "amount": 12.5, "retry": False},
                attributes={"error.type": "timeout"},
            )
        provider.shutdown()
        records.extend(memory.get_finished_logs())
    return records


# ---------------------------------------------------------------- exporters


def exporters(args):
    headers = {}
    if args.user is not None:
        token = base64.b64encode(f"{args.user}:{args.password}".encode()).decode()
        headers["authorization"] = f"Basic {token}"
    if args.protocol == "grpc":
        import grpc
        from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        common = {
            "endpoint": args.endpoint,
            "headers": tuple(headers.items()),
            "timeout": args.timeout,
            "compression": grpc.Compression.Gzip if args.gzip else grpc.Compression.NoCompression,
        }
        if args.ca:
            with open(args.ca, "rb") as f:
                common["credentials"] = grpc.ssl_channel_credentials(root_certificates=f.read())
            common["insecure"] = False
        else:
            common["insecure"] = True
        return OTLPSpanExporter(**common), OTLPMetricExporter(**common), OTLPLogExporter(**common)

    from opentelemetry.exporter.otlp.proto.http import Compression
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    base = args.endpoint.rstrip("/")
    if args.ca:
        # requests lets these variables override the exporter's CA file
        # (its session.verify), so the test CA would not be trusted.
        os.environ.pop("REQUESTS_CA_BUNDLE", None)
        os.environ.pop("CURL_CA_BUNDLE", None)

    def common(path):
        return {
            "endpoint": f"{base}/v1/{path}",
            "headers": headers,
            "timeout": args.timeout,
            "compression": Compression.Gzip if args.gzip else Compression.NoCompression,
            "certificate_file": args.ca,
        }

    return (
        OTLPSpanExporter(**common("traces")),
        OTLPMetricExporter(**common("metrics")),
        OTLPLogExporter(**common("logs")),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--protocol", choices=["grpc", "http"], required=True)
    parser.add_argument("--signals", default="traces,metrics,logs")
    parser.add_argument("--gzip", action="store_true")
    parser.add_argument("--ca", help="PEM file of the CA to trust (TLS)")
    parser.add_argument("--user")
    parser.add_argument("--password", default="")
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--tag", default="sdk", help="suffix of the service names, to tell runs apart")
    args = parser.parse_args()

    span_exporter, metric_exporter, log_exporter = exporters(args)
    out = {}
    signals = args.signals.split(",")
    if "traces" in signals:
        spans = make_spans(args.tag)
        result = span_exporter.export(spans)
        out["traces"] = {"result": result.name, "spans": describe.spans(encode_spans(spans))}
    if "metrics" in signals:
        data = make_metrics(args.tag)
        result = metric_exporter.export(data)
        out["metrics"] = {"result": result.name, "points": describe.points(encode_metrics(data))}
    if "logs" in signals:
        records = make_logs(args.tag)
        result = log_exporter.export(records)
        out["logs"] = {"result": result.name, "records": describe.records(encode_logs(records))}
    for exporter in (span_exporter, metric_exporter, log_exporter):
        exporter.shutdown()
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
