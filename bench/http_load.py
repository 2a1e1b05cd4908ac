"""Shared helpers of the benches over HTTP (``bench/supervision.py``, ``bench/http.py``): gunicorn as in
production (sync workers, DEBUG off, the bench settings ``bench/http_settings.py`` with the bench
URLconf ``bench/http_urls.py``), load by wrk with a Lua reporter that prints its figures as JSON (a
Python client with threads when wrk is missing), free ports and session cookies."""

import json
import os
import statistics
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

from common import ROOT

# wrk's ``done`` hook: the summary as one JSON line after the marker (appended to every bench script).
WRK_LUA = """
done = function(summary, latency, requests)
  io.write(string.format(
    'BENCHJSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d,'
    .. ' "non_2xx": %d, "errors": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def median(values) -> float:
    return round(statistics.median(values), 2)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def session_cookie(user) -> str:
    """``name=value`` of a session of ``user`` stored by the test client: valid for gunicorn too (same
    database, same SECRET_KEY)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def start_gunicorn(port: int, log: Path, *, workers: int = 2, env: dict | None = None) -> subprocess.Popen:
    """gunicorn ``hall.wsgi`` (sync) on loopback with the bench settings; returns once it answers."""
    environment = dict(os.environ)
    environment.update(
        DJANGO_SETTINGS_MODULE="bench.http_settings",
        DEBUG="false",  # production pages: DEBUG off …
        HTTPS="false",  # … but plain HTTP on loopback (no TLS redirect, no secure-only cookie)
        ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    environment.update(env or {})
    command = [str(ROOT / ".venv/bin/gunicorn"), "hall.wsgi", "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--worker-class", "sync", "--chdir", str(ROOT),
               "--log-level", "warning"]  # fmt: skip
    process = subprocess.Popen(command, env=environment, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/live", timeout=2) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.3)
    stop_gunicorn(process)
    raise SystemExit(f"gunicorn did not answer:\n{log.read_text()[-3000:]}")


def stop_gunicorn(process: subprocess.Popen) -> None:
    """The arbiter we started (by its pid): it stops its own workers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _header_args(headers) -> list[str]:
    if isinstance(headers, str):  # a cookie, as bench/supervision.py passes it
        headers = {"Cookie": headers} if headers else {}
    args = []
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}: {value}"]
    return args


def wrk_load(url: str, headers, threads: int, connections: int, seconds: int, lua: Path) -> dict:
    """wrk on ``url`` with ``headers`` (a dict, or a cookie string); ``lua`` ends with ``WRK_LUA``."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "-s", str(lua),
               *_header_args(headers), url]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    data = json.loads(out.split("BENCHJSON", 1)[1])
    return {
        "requests": data["requests"],
        "rps": round(data["requests"] / (data["duration_us"] / 1e6), 1),
        "p50_ms": round(data["p50_us"] / 1000, 2),
        "p95_ms": round(data["p95_us"] / 1000, 2),
        "p99_ms": round(data["p99_us"] / 1000, 2),
        "max_ms": round(data["max_us"] / 1000, 2),
        "non_2xx": data["non_2xx"],
        "errors": data["errors"],
    }


def python_load(url: str, headers, threads: int, connections: int, seconds: int, lua=None) -> dict:
    """wrk's numbers from ``connections`` threads of urllib, GET only (when wrk is not installed)."""
    if isinstance(headers, str):
        headers = {"Cookie": headers} if headers else {}
    samples, bad, lock = [], [0], threading.Lock()
    stop = time.monotonic() + seconds

    def worker():
        while time.monotonic() < stop:
            request = urllib.request.Request(url, headers=headers or {})
            start = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    response.read()
                    ok = 200 <= response.status < 300
            except OSError:
                ok = False
            with lock:
                samples.append((time.perf_counter() - start) * 1000)
                bad[0] += not ok

    started = time.monotonic()
    pool = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.monotonic() - started
    samples.sort()
    return {
        "requests": len(samples),
        "rps": round(len(samples) / elapsed, 1),
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)], 2),
        "p99_ms": round(samples[max(0, int(len(samples) * 0.99) - 1)], 2),
        "max_ms": round(samples[-1], 2),
        "non_2xx": bad[0],
        "errors": 0,
    }
