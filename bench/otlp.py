#!/usr/bin/env python3
"""OTLP pipeline benchmark (issue 4): ferroalloy running
otelcol.receiver.otlp → otelcol.processor.batch → otelcol.exporter.otlp to a
counting sink (`otlp-sink`), driven by `otlp-load`.

Scenarios, each with a fresh ferroalloy process (so VmHWM is its own peak):
  saturation  ferroalloy pinned to one core (taskset), the load generator and
              the sink on another; open loop. Spans delivered to the sink per
              second of ferroalloy CPU time = spans/s per core.
  steady      10k spans/s, 10k metric points/s, 10k log records/s, separately
              and together: ferroalloy's CPU as % of one core, VmRSS at the
              end and VmHWM (peak).
CPU time (utime + stime) comes from /proc/<pid>/stat and memory from
/proc/<pid>/status, sampled after a warm-up. Prints a table with the issue's
goals and the published anchors as ratios and writes JSON to
`<target dir>/bench/otlp.json`.

Usage: bench/otlp.py [--duration S] [--warmup S] [--scenarios saturation,steady]
                     [--protocol grpc|http] [--compression gzip,none] ...
Every scenario runs once per exporter compression listed (gzip, Alloy's
default, and none): compressing is most of the exporter's CPU.
Needs two cores for the pinned scenario (`--cores` chooses them).
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from startup import cargo_release_build, free_port, ready, stop

GOAL_SPANS_PER_CORE = 400_000
GOAL_CPU_PERCENT = 5.0
GOAL_RSS_MIB = 20.0
ANCHORS = {
    "collector": {"spans_per_core": 137_000, "cpu_percent": 7.1, "rss_mib": 68.0},
    "rotel": {"cpu_percent": 5.4, "rss_mib": 16.0},
}
STEADY_RATE = 10_000
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

CONFIG = """\
otelcol.receiver.otlp "default" {{
  grpc {{
    endpoint = "127.0.0.1:{grpc}"
  }}
  http {{
    endpoint = "127.0.0.1:{http}"
  }}
  output {{
    metrics = [otelcol.processor.batch.default.input]
    logs    = [otelcol.processor.batch.default.input]
    traces  = [otelcol.processor.batch.default.input]
  }}
}}

otelcol.processor.batch "default" {{
  output {{
    metrics = [otelcol.exporter.otlp.sink.input]
    logs    = [otelcol.exporter.otlp.sink.input]
    traces  = [otelcol.exporter.otlp.sink.input]
  }}
}}

otelcol.exporter.otlp "sink" {{
  client {{
    endpoint    = "127.0.0.1:{sink}"
    compression = "{compression}"
    tls {{
      insecure = true
    }}
  }}
}}
"""


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 of stat(5); fields[0] is field 3.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def memory_mib(pid):
    found = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                found[name] = int(value.split()[0]) / 1024.0
    return found["VmRSS"], found["VmHWM"]


def wait_for(what, check, proc, log_path, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not check():
        if proc.poll() is not None:
            with open(log_path) as f:
                sys.exit(f"{what} exited with {proc.returncode}:\n{f.read()}")
        if time.monotonic() > deadline:
            sys.exit(f"{what} not ready within {timeout:.0f} s")
        time.sleep(0.01)


def listening(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def pinned(cores, argv):
    return ["taskset", "-c", cores, *argv] if cores else argv


class Sink:
    """A running otlp-sink and its counts."""

    def __init__(self, binary, cores, work):
        self.proc = subprocess.Popen(
            pinned(cores, [binary, "--listen", "127.0.0.1:0"]),
            stdout=subprocess.PIPE,
            stderr=open(os.path.join(work, "sink.log"), "w"),
            text=True,
        )
        self.addr = json.loads(self.proc.stdout.readline())["listening"]

    def counts(self):
        with urllib.request.urlopen(f"http://{self.addr}/count", timeout=5) as r:
            return json.load(r)

    def items(self, signals):
        counts = self.counts()
        return sum(counts[s]["items"] for s in signals)

    def close(self):
        stop(self.proc)


class Ferroalloy:
    """`ferroalloy run` on the benchmark pipeline, exporting to the sink."""

    def __init__(self, binary, cores, work, sink_addr, compression):
        self.grpc, self.http, self.ui = free_port(), free_port(), free_port()
        config = os.path.join(work, "config.alloy")
        with open(config, "w") as f:
            f.write(
                CONFIG.format(
                    grpc=self.grpc,
                    http=self.http,
                    sink=sink_addr.rsplit(":", 1)[1],
                    compression=compression,
                )
            )
        log = os.path.join(work, "ferroalloy.log")
        self.proc = subprocess.Popen(
            pinned(
                cores,
                [
                    binary,
                    "run",
                    config,
                    f"--server.http.listen-addr=127.0.0.1:{self.ui}",
                    f"--storage.path={work}/data",
                ],
            ),
            stdout=subprocess.DEVNULL,
            stderr=open(log, "w"),
        )
        wait_for("ferroalloy", lambda: ready(self.ui), self.proc, log)
        wait_for("the OTLP receiver", lambda: listening(self.grpc) and listening(self.http), self.proc, log)

    def endpoint(self, protocol):
        return f"127.0.0.1:{self.grpc if protocol == 'grpc' else self.http}"

    def close(self):
        stop(self.proc)


def run_scenario(args, bins, name, signals, rate, compression, ferroalloy_cores, load_cores):
    """One scenario; returns its measurements."""
    with tempfile.TemporaryDirectory() as work:
        sink = Sink(bins["otlp-sink"], load_cores, work)
        alloy = Ferroalloy(bins["ferroalloy"], ferroalloy_cores, work, sink.addr, compression)
        loads = []
        try:
            for sig in signals:
                argv = [
                    bins["otlp-load"],
                    f"--endpoint={alloy.endpoint(args.protocol)}",
                    f"--protocol={args.protocol}",
                    f"--signal={sig}",
                    f"--batch={args.batch}",
                    f"--connections={args.connections if rate == 0 else 2}",
                    f"--rate={rate}",
                    f"--duration={args.warmup + args.duration}",
                ]
                loads.append(subprocess.Popen(pinned(load_cores, argv), stdout=subprocess.PIPE, text=True))
            time.sleep(args.warmup)
            items0, cpu0, t0 = sink.items(signals), cpu_seconds(alloy.proc.pid), time.monotonic()
            time.sleep(args.duration)
            items1, cpu1, t1 = sink.items(signals), cpu_seconds(alloy.proc.pid), time.monotonic()
            rss, hwm = memory_mib(alloy.proc.pid)
            generated = [json.loads(load.communicate()[0]) for load in loads]
            # Let the batch processor and the exporter flush what is in flight.
            sent = sum(g["items_accepted"] for g in generated)
            deadline = time.monotonic() + 15
            while sink.items(signals) < sent and time.monotonic() < deadline:
                time.sleep(0.1)
            delivered = sink.items(signals)
        finally:
            for load in loads:
                if load.poll() is None:
                    load.kill()
                    load.wait()
            alloy.close()
            sink.close()
    wall, cpu = t1 - t0, cpu1 - cpu0
    return {
        "scenario": name,
        "exporter_compression": compression,
        "signals": signals,
        "target_rate_per_signal": rate,
        "seconds": wall,
        "items_per_second": (items1 - items0) / wall,
        "cpu_percent": 100.0 * cpu / wall,
        "items_per_cpu_second": (items1 - items0) / cpu if cpu > 0 else None,
        "rss_mib": rss,
        "hwm_mib": hwm,
        "load_accepted": sent,
        "load_refused": sum(g["items_refused"] for g in generated),
        "load_errors": sum(g["errors"] for g in generated),
        "first_error": next((g["first_error"] for g in generated if g["first_error"]), None),
        "delivered": delivered,
        "lost": sent - delivered,
        "latency_ms": [g["latency_ms"] for g in generated],
    }


def ratios(results):
    """The goals and anchors next to our figures, per exporter compression;
    every ratio reads 'higher is better for ferroalloy'."""
    out = {}
    for r in results:
        if r["scenario"] == "saturation" and r["items_per_cpu_second"]:
            per_core = r["items_per_cpu_second"]
            out[f"spans_per_core ({r['exporter_compression']})"] = {
                "ferroalloy": per_core,
                "goal": GOAL_SPANS_PER_CORE,
                "goal_met": per_core >= GOAL_SPANS_PER_CORE,
                "vs_collector": per_core / ANCHORS["collector"]["spans_per_core"],
            }
        if r["scenario"] == "steady traces":
            cpu, rss = r["cpu_percent"], r["rss_mib"]
            out[f"steady_10k_spans ({r['exporter_compression']})"] = {
                "cpu_percent": cpu,
                "rss_mib": rss,
                "goal_cpu_met": cpu <= GOAL_CPU_PERCENT,
                "goal_rss_met": rss <= GOAL_RSS_MIB,
                "collector_cpu_over_ours": ANCHORS["collector"]["cpu_percent"] / cpu if cpu else None,
                "collector_rss_over_ours": ANCHORS["collector"]["rss_mib"] / rss,
                "rotel_cpu_over_ours": ANCHORS["rotel"]["cpu_percent"] / cpu if cpu else None,
                "rotel_rss_over_ours": ANCHORS["rotel"]["rss_mib"] / rss,
            }
    return out


def print_table(results, summary):
    print(f"{'scenario':22}{'export':>7}{'items/s':>10}{'CPU %':>8}{'items/CPU-s':>13}"
          f"{'RSS MiB':>9}{'HWM MiB':>9}{'lost':>7}{'refused':>9}")
    for r in results:
        per_cpu = r["items_per_cpu_second"]
        print(
            f"{r['scenario']:22}{r['exporter_compression']:>7}{r['items_per_second']:10.0f}"
            f"{r['cpu_percent']:8.1f}{per_cpu if per_cpu else 0:13.0f}{r['rss_mib']:9.1f}"
            f"{r['hwm_mib']:9.1f}{r['lost']:7d}{r['load_refused']:9d}"
        )
    for key, s in summary.items():
        if key.startswith("spans_per_core"):
            print(
                f"{key}: {s['ferroalloy']:.0f} (goal ≥ {GOAL_SPANS_PER_CORE}: "
                f"{'met' if s['goal_met'] else 'missed'}; {s['vs_collector']:.2f}× the Collector's 137k)"
            )
        else:
            print(
                f"{key}: {s['cpu_percent']:.1f}% of a core (goal ≤ {GOAL_CPU_PERCENT}%: "
                f"{'met' if s['goal_cpu_met'] else 'missed'}), RSS {s['rss_mib']:.1f} MiB "
                f"(goal ≤ {GOAL_RSS_MIB:.0f}: {'met' if s['goal_rss_met'] else 'missed'}); "
                f"vs Collector 7.1%/68 MiB: {s['collector_cpu_over_ours'] or 0:.1f}× less CPU, "
                f"{s['collector_rss_over_ours']:.1f}× less memory; vs Rotel 5.4%/16 MiB: "
                f"{s['rotel_cpu_over_ours'] or 0:.1f}×, {s['rotel_rss_over_ours']:.1f}×"
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds per scenario")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--scenarios", default="saturation,steady")
    parser.add_argument("--protocol", choices=["grpc", "http"], default="grpc")
    parser.add_argument("--compression", default="gzip,none",
                        help="exporter compressions to run every scenario with (Alloy's default: gzip)")
    parser.add_argument("--batch", type=int, default=100, help="items per generated request")
    parser.add_argument("--connections", type=int, default=64,
                        help="load connections at saturation (each has one request in flight)")
    parser.add_argument("--cores", default="1:0", help="FERROALLOY:OTHERS for taskset at saturation")
    parser.add_argument("--skip-build", action="store_true")
    args = parser.parse_args()

    if args.skip_build:
        meta = subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"],
                              capture_output=True, text=True, check=True)
        target = json.loads(meta.stdout)["target_directory"]
    else:
        target = cargo_release_build("ferroalloy", "ferroalloy-bench")
    bins = {name: os.path.join(target, "release", name) for name in ("ferroalloy", "otlp-load", "otlp-sink")}
    alloy_cores, other_cores = args.cores.split(":")

    results = []
    scenarios = args.scenarios.split(",")
    for compression in args.compression.split(","):
        if "saturation" in scenarios:
            results.append(run_scenario(args, bins, "saturation", ["traces"], 0, compression,
                                        alloy_cores, other_cores))
        if "steady" in scenarios:
            for signals in (["traces"], ["metrics"], ["logs"], ["traces", "metrics", "logs"]):
                name = "steady " + ("all" if len(signals) > 1 else signals[0])
                results.append(run_scenario(args, bins, name, signals, STEADY_RATE, compression,
                                            None, None))

    summary = ratios(results)
    print_table(results, summary)
    out_dir = os.path.join(target, "bench")
    os.makedirs(out_dir, exist_ok=True)
    settings = {k: v for k, v in vars(args).items() if k != "skip_build"}
    with open(os.path.join(out_dir, "otlp.json"), "w") as f:
        json.dump({"settings": settings, "results": results, "summary": summary,
                   "anchors": ANCHORS}, f, indent=2)


if __name__ == "__main__":
    main()
