#!/usr/bin/env python3
"""Prometheus pipeline benchmark (issue 5): ferroalloy, vmagent and Prometheus
in agent mode scraping the same generated targets and remote-writing to the
same counting sink, one after the other in one run.

`prom_targets` serves N targets x M series (counters, gauges, classic
histograms, summaries; optional churn) on N loopback ports; `prom_sink`
receives remote-write 1.0 and counts samples and distinct series. Each agent
scrapes every target at the same interval, runs a warm-up, then a measurement
window during which the harness reads the agent's CPU time (utime+stime of
/proc/<pid>/stat), its resident memory (VmRSS sampled every second, VmHWM at
the end, /proc/<pid>/status) and the samples the sink received. Printed per
agent: CPU (cores) per 100k samples/s and resident memory per active series
(active series = distinct series the sink received in the window), and the
ratios ferroalloy/vmagent and ferroalloy/prometheus, against the goals
(RSS per active series <= 0.5 KiB; CPU per sample <= vmagent's). Results are
written to `<target dir>/bench/prometheus.json`.

Usage: bench/prometheus.py [--targets N] [--series M] [--interval S]
       [--warmup S] [--duration S] [--churn F --churn-every K]
       [--agents ferroalloy,vmagent,prometheus] [--ferroalloy BINARY]
Builds ferroalloy and the load tools in release mode first; installs Debian's
`victoria-metrics` (vmagent) and `prometheus` with apt when missing (needs
root, as on CI).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

# No __pycache__ folder in bench/ from importing the sibling harness.
sys.dont_write_bytecode = True
from startup import cargo_release_build, free_port, stop  # noqa: E402

GOAL_RSS_PER_SERIES_KIB = 0.5
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
AGENTS = ("ferroalloy", "vmagent", "prometheus")


def ensure_debian(binary, package):
    found = shutil.which(binary)
    if found:
        return found
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", package],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    return shutil.which(binary) or sys.exit(f"{binary} did not install with {package}")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        # Fields after the parenthesised command name; utime and stime are the
        # 14th and 15th fields of the whole line.
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def memory_kib(pid):
    found = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(rest.split()[0])
    return found["VmRSS"], found["VmHWM"]


def http(method, url):
    request = urllib.request.Request(url, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
    return json.loads(body) if body else None


def spawn_announcing(argv, log_path):
    """Starts a load tool that prints one JSON line once it listens."""
    log = open(log_path, "w")
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log, text=True)
    line = proc.stdout.readline()
    if not line:
        sys.exit(f"{argv[0]} exited with {proc.wait()}; see {log_path}")
    return proc, json.loads(line)


def ferroalloy_argv(binary, work, targets, interval, sink_url):
    listed = ",\n    ".join(f'{{"__address__" = "{t}"}}' for t in targets)
    config = f"""prometheus.scrape "bench" {{
  targets = [
    {listed},
  ]
  job_name        = "bench"
  scrape_interval = "{interval}s"
  scrape_timeout  = "{min(interval, 10)}s"
  forward_to      = [prometheus.remote_write.sink.receiver]
}}

prometheus.remote_write "sink" {{
  endpoint {{
    url = "{sink_url}"
  }}
}}
"""
    path = os.path.join(work, "config.alloy")
    with open(path, "w") as f:
        f.write(config)
    return [
        binary,
        "run",
        path,
        f"--server.http.listen-addr=127.0.0.1:{free_port()}",
        f"--storage.path={work}/data",
    ]


def prometheus_yaml(work, targets, interval, sink_url=None):
    """The same scrape job for vmagent and Prometheus, written as JSON (which
    both read as YAML); `remote_write` only for Prometheus, since vmagent
    refuses fields it does not know."""
    config = {
        "global": {"scrape_interval": f"{interval}s", "scrape_timeout": f"{min(interval, 10)}s"},
        "scrape_configs": [{"job_name": "bench", "static_configs": [{"targets": targets}]}],
    }
    if sink_url:
        config["remote_write"] = [{"url": sink_url}]
    path = os.path.join(work, "scrape.yml")
    with open(path, "w") as f:
        json.dump(config, f, indent=1)
    return path


def vmagent_argv(binary, work, targets, interval, sink_url):
    # vmagent takes remote_write from flags, not from the file.
    config = prometheus_yaml(work, targets, interval)
    return [
        binary,
        f"-promscrape.config={config}",
        f"-remoteWrite.url={sink_url}",
        f"-remoteWrite.tmpDataPath={work}/data",
        f"-httpListenAddr=127.0.0.1:{free_port()}",
        "-loggerLevel=ERROR",
    ]


def prometheus_argv(binary, work, targets, interval, sink_url):
    config = prometheus_yaml(work, targets, interval, sink_url)
    return [
        binary,
        "--enable-feature=agent",
        f"--config.file={config}",
        f"--storage.agent.path={work}/data",
        f"--web.listen-address=127.0.0.1:{free_port()}",
    ]


def sleep_alive(proc, seconds, name, log_path, on_tick=None):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if proc.poll() is not None:
            with open(log_path) as f:
                sys.exit(f"{name} exited with {proc.returncode}:\n{f.read()[-4000:]}")
        if on_tick:
            on_tick()
        time.sleep(min(1.0, max(0.0, end - time.monotonic())))


def measure(name, argv, work, args, sink, helpers):
    log_path = os.path.join(work, f"{name}.log")
    with open(log_path, "w") as log:
        proc = subprocess.Popen(argv, cwd=work, stdout=log, stderr=subprocess.STDOUT)
    try:
        sleep_alive(proc, args.warmup, name, log_path)
        http("POST", f"{sink}/reset")
        start = time.monotonic()
        cpu_start = cpu_seconds(proc.pid)
        helpers_start = {h: cpu_seconds(p.pid) for h, p in helpers.items()}
        rss_samples = []
        sleep_alive(
            proc,
            args.duration,
            name,
            log_path,
            on_tick=lambda: rss_samples.append(memory_kib(proc.pid)[0]),
        )
        cpu = cpu_seconds(proc.pid) - cpu_start
        helpers_cpu = {h: cpu_seconds(p.pid) - helpers_start[h] for h, p in helpers.items()}
        elapsed = time.monotonic() - start
        rss, hwm = memory_kib(proc.pid)
        received = http("GET", f"{sink}/stats")
    finally:
        stop(proc)
    samples_per_s = received["samples"] / elapsed
    series = received["series"]
    if samples_per_s == 0 or series == 0:
        with open(log_path) as f:
            sys.exit(f"{name} delivered nothing to the sink in {elapsed:.0f} s:\n{f.read()[-4000:]}")
    cores = cpu / elapsed
    return {
        "window_s": elapsed,
        "samples": received["samples"],
        "samples_per_s": samples_per_s,
        "active_series": series,
        "rejected_requests": received["rejected"],
        "cpu_cores": cores,
        "cpu_cores_per_100k_samples_per_s": cores / (samples_per_s / 100_000),
        "rss_kib": rss,
        "rss_max_kib": max(rss_samples + [rss]),
        "hwm_kib": hwm,
        "rss_per_series_kib": rss / series,
        "helpers_cpu_cores": {h: c / elapsed for h, c in helpers_cpu.items()},
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=50)
    parser.add_argument("--series", type=int, default=2000, help="series per target")
    parser.add_argument("--interval", type=int, default=10, help="scrape interval, seconds")
    parser.add_argument("--warmup", type=float, default=30.0, help="seconds before measuring")
    parser.add_argument("--duration", type=float, default=60.0, help="measurement window, seconds")
    parser.add_argument("--churn", type=float, default=0.0, help="share of series that churn")
    parser.add_argument("--churn-every", type=int, default=10, help="scrapes between renames")
    parser.add_argument("--agents", default=",".join(AGENTS))
    parser.add_argument(
        "--ferroalloy", help="a ferroalloy binary to measure instead of this checkout's release build"
    )
    args = parser.parse_args()
    agents = [a for a in args.agents.split(",") if a]
    unknown = set(agents) - set(AGENTS)
    if unknown:
        sys.exit(f"unknown agents {sorted(unknown)}; choose among {', '.join(AGENTS)}")

    packages = ["ferroalloy-bench"] + ([] if args.ferroalloy else ["ferroalloy"])
    target_dir = cargo_release_build(*packages)
    release = os.path.join(target_dir, "release")
    binaries = {"ferroalloy": args.ferroalloy or os.path.join(release, "ferroalloy")}
    argv_for = {
        "ferroalloy": ferroalloy_argv,
        "vmagent": vmagent_argv,
        "prometheus": prometheus_argv,
    }
    if "vmagent" in agents:
        binaries["vmagent"] = ensure_debian("vmagent", "victoria-metrics")
    if "prometheus" in agents:
        binaries["prometheus"] = ensure_debian("prometheus", "prometheus")

    with tempfile.TemporaryDirectory() as work:
        generator, announced = spawn_announcing(
            [
                os.path.join(release, "prom_targets"),
                f"--targets={args.targets}",
                f"--series={args.series}",
                f"--churn={args.churn}",
                f"--churn-every={args.churn_every}",
            ],
            os.path.join(work, "targets.log"),
        )
        sink_proc, sink_info = spawn_announcing(
            [os.path.join(release, "prom_sink")], os.path.join(work, "sink.log")
        )
        sink = f"http://{sink_info['listen']}"
        results = {}
        try:
            for name in agents:
                agent_work = os.path.join(work, name)
                os.makedirs(agent_work)
                argv = argv_for[name](
                    binaries[name],
                    agent_work,
                    announced["targets"],
                    args.interval,
                    f"{sink}/api/v1/write",
                )
                print(f"== {name}: {args.warmup:.0f} s warm-up, {args.duration:.0f} s window",
                      flush=True)
                results[name] = measure(
                    name, argv, agent_work, args, sink,
                    {"prom_targets": generator, "prom_sink": sink_proc},
                )
        finally:
            stop(generator)
            stop(sink_proc)

    summary = {
        "setup": {
            "ferroalloy": binaries["ferroalloy"],
            "targets": args.targets,
            "series_per_target": args.series,
            "scrape_interval_s": args.interval,
            "warmup_s": args.warmup,
            "duration_s": args.duration,
            "churn": args.churn,
            "churn_every": args.churn_every,
            "cpus": os.cpu_count(),
        },
        "agents": results,
    }
    print(
        f"\n{args.targets} targets x {args.series} series, scrape every {args.interval} s, "
        f"churn {args.churn} every {args.churn_every} scrapes; "
        f"window {args.duration:.0f} s after {args.warmup:.0f} s warm-up"
    )
    print(
        f"{'':12}{'samples/s':>11}{'series':>9}{'CPU cores':>11}{'cores/100k/s':>14}"
        f"{'RSS MiB':>9}{'HWM MiB':>9}{'KiB/series':>12}"
    )
    for name, r in results.items():
        print(
            f"{name:12}{r['samples_per_s']:11.0f}{r['active_series']:9d}{r['cpu_cores']:11.3f}"
            f"{r['cpu_cores_per_100k_samples_per_s']:14.3f}{r['rss_kib'] / 1024:9.1f}"
            f"{r['hwm_kib'] / 1024:9.1f}{r['rss_per_series_kib']:12.3f}"
        )
    if "ferroalloy" in results:
        fa = results["ferroalloy"]
        ratios = {}
        for peer in ("vmagent", "prometheus"):
            if peer in results:
                p = results[peer]
                ratios[peer] = {
                    "cpu_per_sample": fa["cpu_cores_per_100k_samples_per_s"]
                    / p["cpu_cores_per_100k_samples_per_s"],
                    "rss_per_series": fa["rss_per_series_kib"] / p["rss_per_series_kib"],
                }
                print(
                    f"ferroalloy/{peer}: CPU per sample {ratios[peer]['cpu_per_sample']:.3f}, "
                    f"RSS per series {ratios[peer]['rss_per_series']:.3f}"
                )
        goals = {
            "rss_per_series_kib_max": GOAL_RSS_PER_SERIES_KIB,
            "rss_per_series_met": fa["rss_per_series_kib"] <= GOAL_RSS_PER_SERIES_KIB,
        }
        if "vmagent" in ratios:
            goals["cpu_per_sample_met"] = ratios["vmagent"]["cpu_per_sample"] <= 1.0
        summary["ratios"] = ratios
        summary["goals"] = goals
        print(
            f"goals: RSS per active series <= {GOAL_RSS_PER_SERIES_KIB} KiB: "
            f"{'met' if goals['rss_per_series_met'] else 'missed'}"
            + (
                f"; CPU per sample <= vmagent's: {'met' if goals['cpu_per_sample_met'] else 'missed'}"
                if "cpu_per_sample_met" in goals
                else ""
            )
        )
    out_dir = os.path.join(target_dir, "bench")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "prometheus.json"), "w") as f:
        json.dump(summary, f, indent=2)


if __name__ == "__main__":
    main()
