#!/usr/bin/env python3
"""An OTLP/HTTP server for the pipeline tests: keeps every span, data point
and log record it accepts (described by describe.py) and serves them at
`GET /received`. `PUT /answer?status=503&retry_after=1` makes it refuse
exports with that status (and a google.rpc.Status body) until it is set back
to 200; refused requests are counted, not kept.

Usage: capture.py  — prints {"listening": "127.0.0.1:PORT"} on its first line.
Accepts application/x-protobuf and application/json bodies, gzip or not.
"""

import gzip
import json
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from google.protobuf import json_format
from google.rpc import status_pb2
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

import describe

SIGNALS = {
    "/v1/traces": ("spans", ExportTraceServiceRequest, describe.spans),
    "/v1/metrics": ("points", ExportMetricsServiceRequest, describe.points),
    "/v1/logs": ("records", ExportLogsServiceRequest, describe.records),
}


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.status = 200
        self.retry_after = 0
        self.received = {"requests": 0, "refused": 0, "invalid": 0, "spans": [], "points": [], "records": []}


STATE = State()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body=b"", content_type="application/json", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path != "/received":
            return self.answer(404)
        with STATE.lock:
            body = json.dumps(STATE.received).encode()
        self.answer(200, body)

    def do_PUT(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path != "/answer":
            return self.answer(404)
        query = dict(urllib.parse.parse_qsl(url.query))
        with STATE.lock:
            STATE.status = int(query.get("status", 200))
            STATE.retry_after = int(query.get("retry_after", 0))
        self.answer(200, b"{}")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        signal = SIGNALS.get(self.path)
        if signal is None:
            return self.answer(404)
        kind, message_type, describe_items = signal
        json_body = self.headers.get("Content-Type", "").startswith("application/json")
        try:
            if self.headers.get("Content-Encoding", "") == "gzip":
                body = gzip.decompress(body)
            request = message_type()
            if json_body:
                json_format.Parse(body, request, ignore_unknown_fields=True)
            else:
                request.ParseFromString(body)
            items = describe_items(request)
        except Exception as e:  # anything undecodable is the sender's error
            with STATE.lock:
                STATE.received["invalid"] += 1
            return self.rpc_status(400, 3, f"undecodable request: {e}", json_body)
        with STATE.lock:
            STATE.received["requests"] += 1
            status, retry_after = STATE.status, STATE.retry_after
            if status == 200:
                STATE.received[kind].extend(items)
            else:
                STATE.received["refused"] += 1
        if status != 200:
            headers = [("Retry-After", str(retry_after))] if retry_after else []
            return self.rpc_status(status, 14, f"capture answers {status}", json_body, headers)
        if json_body:
            self.answer(200, b"{}")
        else:
            self.answer(200, b"", "application/x-protobuf")

    def rpc_status(self, status, code, message, json_body, headers=()):
        rpc = status_pb2.Status(code=code, message=message)
        if json_body:
            self.answer(status, json_format.MessageToJson(rpc).encode(), "application/json", headers)
        else:
            self.answer(status, rpc.SerializeToString(), "application/x-protobuf", headers)


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(json.dumps({"listening": "%s:%d" % server.server_address}), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
