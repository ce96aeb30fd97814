#!/usr/bin/env python3
"""PromQL latency benchmark (issue 7): the same generated data remote-written
into ferroalloy's `storage.metrics` and into Debian's Prometheus 2.42, then a
dashboard query set timed over HTTP against both.

Data: `--series` series (17 per instance: 8 request counters by method and
code, 8 latency histogram buckets, `up`) with a sample every `--interval`
seconds over `--hours` hours ending now, written in time order as snappy
remote-write 1.0 requests (encoded here, standard library only). Queries:
rate, sum by, histogram_quantile over 1 h and over the whole span at 30 s
steps, topk, a ratio and a join, plus instant queries. Each is run `--runs`
times after one warm-up run; median and p99 latency per query and the ratio
ferroalloy / Prometheus are printed. Peak RSS (VmHWM) of both is read at the
end. JSON goes to `<target dir>/bench/promql.json`.

Usage: bench/promql.py [--series N] [--hours H] [--interval S] [--runs N]
       bench/promql.py --full      # 100k series x 6 h at 15 s
Builds ferroalloy in release mode first (`--no-build` with `--ferroalloy PATH`
to use a given binary); installs prometheus with apt when it is missing.
"""

import argparse
import http.client
import json
import os
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse

# No __pycache__ folder in bench/ from importing the sibling harness.
sys.dont_write_bytecode = True
from startup import build_ferroalloy, ensure_prometheus, free_port, target_dir  # noqa: E402

GOAL_RATIO = 0.5
SERIES_PER_INSTANCE = 17
BUCKETS = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "1", "+Inf"]
CODES = ["200", "404", "500", "503"]
METHODS = ["GET", "POST"]


# --- remote-write encoding (protobuf by hand, snappy as one literal) ---------


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field_bytes(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def encode_labels(pairs):
    return b"".join(field_bytes(1, field_bytes(1, n.encode()) + field_bytes(2, v.encode())) for n, v in pairs)


def snappy_literal(data):
    """A valid snappy block holding `data` uncompressed (one literal element)."""
    n = len(data) - 1
    if n < 60:
        tag = bytes([n << 2])
    else:
        length = n.to_bytes((n.bit_length() + 7) // 8, "little")
        tag = bytes([(59 + len(length)) << 2]) + length
    return varint(len(data)) + tag + data


class Dataset:
    """Series definitions and their values, generated step by step."""

    def __init__(self, series, hours, interval):
        self.instances = max(1, series // SERIES_PER_INSTANCE)
        self.interval = interval
        self.steps = int(hours * 3600 // interval)
        now = int(time.time())
        self.end = now - now % interval
        self.start = self.end - (self.steps - 1) * interval
        self.labels = []
        # (instance, kind, extra) per series; values grow by deterministic increments.
        self.kinds = []
        for i in range(self.instances):
            inst = f"10.{i // 65536}.{i // 256 % 256}.{i % 256}:8080"
            base = [("job", "api"), ("instance", inst)]
            for m in METHODS:
                for c, code in enumerate(CODES):
                    self.labels.append(
                        encode_labels([("__name__", "http_requests_total")] + base + [("method", m), ("code", code)])
                    )
                    self.kinds.append(("counter", 4 - c))
            for b, le in enumerate(BUCKETS):
                self.labels.append(
                    encode_labels([("__name__", "http_request_duration_seconds_bucket")] + base + [("le", le)])
                )
                self.kinds.append(("bucket", b + 1))
            self.labels.append(encode_labels([("__name__", "up")] + base))
            self.kinds.append(("up", 0))
        self.values = [0.0] * len(self.labels)

    def advance(self, k):
        """Values at step `k` (counters grow; buckets are cumulative per instance)."""
        values = self.values
        for s, (kind, weight) in enumerate(self.kinds):
            if kind == "up":
                values[s] = 1.0
            else:
                values[s] += weight * (1 + ((k * 2654435761 + s * 40503) >> 9) % 5)
        return values

    def requests(self, steps_per_request=20, series_per_request=2000):
        """Remote-write bodies in time order: every series' samples of a block of steps."""
        n = len(self.labels)
        for first in range(0, self.steps, steps_per_request):
            block = range(first, min(first + steps_per_request, self.steps))
            per_series = [bytearray() for _ in range(n)]
            for k in block:
                ts = varint((self.start + k * self.interval) * 1000)
                values = self.advance(k)
                for s in range(n):
                    sample = b"\x09" + struct.pack("<d", values[s]) + b"\x10" + ts
                    per_series[s] += b"\x12" + varint(len(sample)) + sample
            for lo in range(0, n, series_per_request):
                body = bytearray()
                for s in range(lo, min(lo + series_per_request, n)):
                    body += field_bytes(1, self.labels[s] + bytes(per_series[s]))
                yield snappy_literal(bytes(body))


# --- processes ---------------------------------------------------------------


class Peer:
    """A started server with its query port."""

    def __init__(self, name, argv, port, work):
        self.name = name
        self.port = port
        self.log_path = os.path.join(work, f"{name}.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(argv, cwd=work, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while not self.answers("/api/v1/query?query=1"):
            if self.proc.poll() is not None or time.time() > deadline:
                self.log.close()
                sys.exit(f"{name} did not start; log:\n{open(self.log_path).read()}")
            time.sleep(0.05)
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def answers(self, path):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            conn.request("GET", path)
            return conn.getresponse().status == 200
        except OSError:
            return False

    def write(self, body):
        headers = {
            "Content-Encoding": "snappy",
            "Content-Type": "application/x-protobuf",
            "X-Prometheus-Remote-Write-Version": "0.1.0",
        }
        for _ in range(100):
            self.conn.request("POST", "/api/v1/write", body=body, headers=headers)
            response = self.conn.getresponse()
            text = response.read()
            if response.status in (200, 204):
                return
            if response.status not in (429, 503):
                sys.exit(f"{self.name} refused a write: {response.status} {text[:300]!r}")
            time.sleep(0.1)
        sys.exit(f"{self.name} kept refusing writes")

    def query(self, path):
        """Seconds for one query, and the number of series in its answer."""
        start = time.perf_counter()
        self.conn.request("GET", path)
        response = self.conn.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - start
        if response.status != 200:
            sys.exit(f"{self.name} {path}: {response.status} {body[:300]!r}")
        return elapsed, len(json.loads(body)["data"]["result"])

    def peak_rss_mib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
        return float("nan")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def queries(data):
    """(name, path) of the dashboard set, evaluated up to the end of the data
    at times between samples, where Prometheus 2.x's closed windows and 3.x's
    left-open ones select the same samples (so both do the same work)."""
    end = data.end + data.interval // 2
    span = (data.steps - 1) * data.interval
    ranges = [("1h", min(3600, span)), (f"{data.steps * data.interval / 3600:g}h", span)] if span > 3600 else [("1h", span)]
    exprs = [
        ("rate sum by code", "sum by (code) (rate(http_requests_total[5m]))"),
        ("p95 histogram_quantile", "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))"),
        ("5xx ratio", 'sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))'),
        ("topk instances", "topk(5, sum by (instance) (rate(http_requests_total[5m])))"),
        ("join up", "sum by (instance) (rate(http_requests_total[5m])) * on (instance) group_left () up"),
    ]
    out = []
    for label, seconds in ranges:
        for name, expr in exprs:
            q = urllib.parse.urlencode({"query": expr, "start": end - seconds, "end": end, "step": 30})
            out.append((f"{name} [{label} @30s]", f"/api/v1/query_range?{q}"))
    for name, expr in [
        ("instant rate one instance", 'rate(http_requests_total{instance="10.0.0.1:8080"}[5m])'),
        ("instant sum by method", "sum by (method) (rate(http_requests_total[5m]))"),
    ]:
        out.append((name, "/api/v1/query?" + urllib.parse.urlencode({"query": expr, "time": end})))
    return out


def p99(samples):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=5000)
    parser.add_argument("--hours", type=float, default=2.0)
    parser.add_argument("--interval", type=int, default=15)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--full", action="store_true", help="100k series x 6 h at 15 s")
    parser.add_argument("--ferroalloy", help="the binary to use instead of a release build")
    args = parser.parse_args()
    if args.full:
        args.series, args.hours, args.interval = 100_000, 6.0, 15

    ferroalloy = args.ferroalloy or build_ferroalloy()[1]
    prometheus = ensure_prometheus()
    data = Dataset(args.series, args.hours, args.interval)
    print(
        f"{len(data.labels)} series x {data.steps} samples ({len(data.labels) * data.steps:,} samples), "
        f"{args.runs} runs per query",
        flush=True,
    )

    with tempfile.TemporaryDirectory() as work:
        fa_port, prom_port = free_port(), free_port()
        with open(os.path.join(work, "config.alloy"), "w") as f:
            f.write(f'storage.metrics "bench" {{\n  listen_address = "127.0.0.1:{fa_port}"\n}}\n')
        open(os.path.join(work, "prometheus.yml"), "w").close()
        peers = [
            Peer(
                "ferroalloy",
                [
                    ferroalloy,
                    "run",
                    "config.alloy",
                    "--server.http.listen-addr=127.0.0.1:0",
                    f"--storage.path={work}/data-alloy",
                ],
                fa_port,
                work,
            ),
            Peer(
                "prometheus",
                [
                    prometheus,
                    f"--config.file={work}/prometheus.yml",
                    f"--storage.tsdb.path={work}/data-prometheus",
                    f"--web.listen-address=127.0.0.1:{prom_port}",
                    "--web.enable-remote-write-receiver",
                    "--query.max-samples=2000000000",
                ],
                prom_port,
                work,
            ),
        ]
        try:
            started = time.perf_counter()
            for body in data.requests():
                for peer in peers:
                    peer.write(body)
            print(f"loaded in {time.perf_counter() - started:.1f} s", flush=True)

            print(f"{'query':44}{'fa med':>10}{'fa p99':>10}{'prom med':>10}{'prom p99':>10}{'ratio':>8}   (ms)")
            results = []
            for name, path in queries(data):
                row = {"query": name, "path": path}
                for peer in peers:
                    _, series = peer.query(path)  # warm-up
                    times = [peer.query(path)[0] for _ in range(args.runs)]
                    row[peer.name] = {
                        "median_ms": statistics.median(times) * 1000,
                        "p99_ms": p99(times) * 1000,
                        "series": series,
                    }
                row["ratio_median"] = row["ferroalloy"]["median_ms"] / row["prometheus"]["median_ms"]
                if row["ferroalloy"]["series"] != row["prometheus"]["series"]:
                    print(f"warning: {name}: series count differs {row['ferroalloy']['series']} vs {row['prometheus']['series']}")
                results.append(row)
                fa, prom = row["ferroalloy"], row["prometheus"]
                print(
                    f"{name:44}{fa['median_ms']:10.1f}{fa['p99_ms']:10.1f}{prom['median_ms']:10.1f}"
                    f"{prom['p99_ms']:10.1f}{row['ratio_median']:8.2f}",
                    flush=True,
                )
            rss = {peer.name: peer.peak_rss_mib() for peer in peers}
        finally:
            for peer in peers:
                peer.stop()

    ratios = [r["ratio_median"] for r in results]
    geo = statistics.geometric_mean(ratios)
    print(f"geometric mean of the median ratios: {geo:.2f} (goal <= {GOAL_RATIO})")
    print(f"peak RSS: ferroalloy {rss['ferroalloy']:.0f} MiB, prometheus {rss['prometheus']:.0f} MiB")
    summary = {
        "series": len(data.labels),
        "samples_per_series": data.steps,
        "interval_s": data.interval,
        "runs": args.runs,
        "queries": results,
        "geomean_ratio_median": geo,
        "goal_ratio": GOAL_RATIO,
        "peak_rss_mib": rss,
    }
    out_dir = os.path.join(target_dir(), "bench")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "promql.json"), "w") as f:
        json.dump(summary, f, indent=2)


if __name__ == "__main__":
    main()
