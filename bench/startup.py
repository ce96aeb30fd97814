#!/usr/bin/env python3
"""Start-up benchmark (issue 3): time from start to ready and idle resident
memory of `ferroalloy run examples/config.alloy`, side by side with Debian's
`prometheus` started with an empty configuration.

Each process is started on a free port and `/-/ready` is polled until it
answers 200; the time from spawning to that answer is the start-up time. The
process is then left idle and its resident set size (VmRSS) is read from
/proc. The medians of several runs are printed with the ratios and written as
JSON next to the build (`<target dir>/bench/startup.json`).

Usage: bench/startup.py [--runs N] [--idle SECONDS] [--config PATH]
Builds ferroalloy in release mode first; installs prometheus with apt when it
is missing (needs root, as on CI).
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOAL_READY_MS = 50.0
GOAL_RSS_MIB = 15.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ready(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/ready", timeout=1) as r:
            return r.status == 200
    except (urllib.error.URLError, ConnectionError, OSError):
        return False


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError("no VmRSS")


def stop(proc):
    """Ends a process politely (SIGTERM), forcibly after 30 s."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def measure(name, argv_for_port, idle, workdir):
    """One run: (ms to ready, idle RSS in MiB)."""
    port = free_port()
    argv = argv_for_port(port)
    log = open(os.path.join(workdir, f"{name}.log"), "w")
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = start + 60
        while not ready(port):
            if proc.poll() is not None:
                log.close()
                with open(log.name) as f:
                    sys.exit(f"{name} exited with {proc.returncode}:\n{f.read()}")
            if time.perf_counter() > deadline:
                sys.exit(f"{name} was not ready within 60 s")
            time.sleep(0.001)
        ready_ms = (time.perf_counter() - start) * 1000.0
        time.sleep(idle)
        rss = rss_mib(proc.pid)
    finally:
        stop(proc)
        log.close()
    return ready_ms, rss


def cargo_release_build(*packages):
    """Builds `packages` in release mode; returns the cargo target directory."""
    argv = ["cargo", "build", "--release", "--quiet"]
    for package in packages:
        argv += ["-p", package]
    subprocess.run(argv, cwd=REPO, check=True)
    return target_dir()


def target_dir():
    """The cargo target directory (honours CARGO_TARGET_DIR)."""
    meta = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(meta.stdout)["target_directory"]


def build_ferroalloy():
    target = cargo_release_build("ferroalloy")
    return target, os.path.join(target, "release", "ferroalloy")


def ensure_prometheus():
    found = shutil.which("prometheus")
    if found:
        return found
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "prometheus"],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    return shutil.which("prometheus") or sys.exit("prometheus did not install")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--idle", type=float, default=3.0, help="seconds idle before reading RSS")
    parser.add_argument("--config", default=os.path.join(REPO, "examples", "config.alloy"))
    args = parser.parse_args()

    target, ferroalloy = build_ferroalloy()
    prometheus = ensure_prometheus()
    config = os.path.abspath(args.config)

    results = {"ferroalloy": [], "prometheus": []}
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as work:
            open(os.path.join(work, "prometheus.yml"), "w").close()
            results["ferroalloy"].append(
                measure(
                    "ferroalloy",
                    lambda port: [
                        ferroalloy,
                        "run",
                        config,
                        f"--server.http.listen-addr=127.0.0.1:{port}",
                        f"--storage.path={work}/data-alloy",
                    ],
                    args.idle,
                    work,
                )
            )
            results["prometheus"].append(
                measure(
                    "prometheus",
                    lambda port: [
                        prometheus,
                        f"--config.file={work}/prometheus.yml",
                        f"--storage.tsdb.path={work}/data-prometheus",
                        f"--web.listen-address=127.0.0.1:{port}",
                    ],
                    args.idle,
                    work,
                )
            )

    summary = {}
    for name, runs in results.items():
        summary[name] = {
            "ready_ms": statistics.median(r[0] for r in runs),
            "idle_rss_mib": statistics.median(r[1] for r in runs),
            "runs": [{"ready_ms": r[0], "idle_rss_mib": r[1]} for r in runs],
        }
    fa, prom = summary["ferroalloy"], summary["prometheus"]
    summary["ratios"] = {
        "ready": fa["ready_ms"] / prom["ready_ms"],
        "idle_rss": fa["idle_rss_mib"] / prom["idle_rss_mib"],
    }
    summary["config"] = config

    print(f"median of {args.runs} runs; config {config}")
    print(f"{'':12}{'ready (ms)':>12}{'idle RSS (MiB)':>16}")
    for name in ("ferroalloy", "prometheus"):
        s = summary[name]
        print(f"{name:12}{s['ready_ms']:12.1f}{s['idle_rss_mib']:16.1f}")
    r = summary["ratios"]
    print(f"{'ratio':12}{r['ready']:12.3f}{r['idle_rss']:16.3f}   (ferroalloy / prometheus)")
    print(
        f"goals: ready < {GOAL_READY_MS:.0f} ms: {'met' if fa['ready_ms'] < GOAL_READY_MS else 'missed'}; "
        f"idle RSS < {GOAL_RSS_MIB:.0f} MiB: {'met' if fa['idle_rss_mib'] < GOAL_RSS_MIB else 'missed'}"
    )
    out_dir = os.path.join(target, "bench")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "startup.json"), "w") as f:
        json.dump(summary, f, indent=2)


if __name__ == "__main__":
    main()
