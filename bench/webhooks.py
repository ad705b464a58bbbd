"""Benchmark: signed webhooks through one uvicorn process and a local Redis, driven by wrk.

Run: ``.venv/bin/python bench/webhooks.py [--seconds 10]``. Needs ``redis-server`` and
``wrk`` (Debian packages). Prints requests/s, p50 and p99 for the queued path
(``issues.labeled`` with the trigger label: verify, dedupe, enqueue) and for an ignored event,
against the goal: what a no-op Probot app does on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402
from redis import Redis  # noqa: E402

from bot.signature import sign  # noqa: E402
from tests.conftest import free_port  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
SECRET = "bench-secret"
CONNECTIONS = 16
GOAL_RPS = 3400
GOAL_P99_MS = 11.0
QUEUE_KEY = "rq:queue:kiln"

# Each wrk thread counts its own requests, so every delivery id is new and the dedupe
# claim really runs; the body (hence the signature) stays the same.
WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = io.open("{body}", "rb"):read("*a")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-GitHub-Event"] = "{event}"
wrk.headers["X-Hub-Signature-256"] = "{signature}"
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local count = 0
function request()
  count = count + 1
  wrk.headers["X-GitHub-Delivery"] = string.format("{run}-%d-%d", tid, count)
  return wrk.format()
end
function done(summary, latency, requests)
  io.write(string.format(
    '{{"requests": %d, "us": %d, "p50": %d, "p99": %d, "errors": %d, "bad_status": %d}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
"""


def app_private_key_pem() -> str:
    """A throwaway App key: settings insist on a real PEM key even though no call uses it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


async def noop_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The floor: an ASGI app that reads the body and answers 202, for the same load."""
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 202,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b'{"ignored":"noop"}'})


@contextmanager
def server(app: str, port: int, env: dict[str, str]) -> Iterator[str]:
    """``uvicorn app`` in one process with uvloop and httptools; yields the webhook URL."""
    args = [sys.executable, "-m", "uvicorn", "--app-dir", str(ROOT), app, "--host", "127.0.0.1",
            "--port", str(port), "--loop", "uvloop", "--http", "httptools", "--no-access-log",
            "--log-level", "warning"]
    with process(args, env=env):
        wait_for(port)
        yield f"http://127.0.0.1:{port}/api/github/webhooks"


@contextmanager
def process(
    args: list[str], env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """A quiet child process, terminated on exit."""
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield proc
    finally:
        proc.terminate()
        proc.wait(10)


def wait_for(port: int) -> None:
    """Until the port accepts connections (uvicorn listens once start-up is complete)."""
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on port {port}")


def write_body(workdir: Path, fixture: str) -> tuple[Path, str]:
    """A compact payload in GitHub's real shape (about 12 KB) and its signature."""
    payload = json.loads((FIXTURES / f"{fixture}.json").read_text())
    body = json.dumps(payload, separators=(",", ":")).encode()
    path = workdir / f"{fixture}.json"
    path.write_bytes(body)
    return path, sign(SECRET.encode(), body)


def run_wrk(url: str, workdir: Path, event: str, fixture: str, seconds: int) -> dict[str, float]:
    body, signature = write_body(workdir, fixture)
    script = workdir / f"{fixture}.lua"
    script.write_text(WRK_SCRIPT.format(body=body, event=event, signature=signature,
                                        run=f"{fixture.replace('.', '-')}-{time.time_ns()}"))
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "-s", str(script), url],
        check=True, capture_output=True, text=True,
    ).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    return {
        "rps": figures["requests"] / (figures["us"] / 1e6),
        "p50_ms": figures["p50"] / 1000,
        "p99_ms": figures["p99"] / 1000,
        "requests": figures["requests"],
        "failed": figures["errors"] + figures["bad_status"],
        "body_bytes": body.stat().st_size,
    }


def report(name: str, figures: dict[str, float]) -> None:
    met = figures["rps"] >= GOAL_RPS and figures["p99_ms"] < GOAL_P99_MS
    print(f"{name:<34} {figures['rps']:8.0f} req/s   p50 {figures['p50_ms']:6.2f} ms   "
          f"p99 {figures['p99_ms']:6.2f} ms   failed {figures['failed']:.0f}   "
          f"body {figures['body_bytes']:.0f} B   goal {'met' if met else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    seconds = parser.parse_args().seconds
    for tool in ("redis-server", "wrk"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is missing: apt-get install {tool.split('-')[0]}")
    redis_port = free_port()
    env = {**os.environ, "GITHUB_APP_ID": "1", "GITHUB_PRIVATE_KEY": app_private_key_pem(),
           "GITHUB_WEBHOOK_SECRET": SECRET, "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0"}
    print(f"wrk, {CONNECTIONS} connections, {seconds} s each; goal >= {GOAL_RPS} req/s "
          f"with p99 < {GOAL_P99_MS} ms (a no-op Probot app on a quiet machine)")
    with tempfile.TemporaryDirectory() as tmp, process(
        ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", tmp]
    ):
        workdir = Path(tmp)
        with server("bench.webhooks:noop_app", free_port(), env) as url:
            report("no-op ASGI app (the floor)",
                   run_wrk(url, workdir, "issues", "issues.labeled", seconds))
        queue = Redis(port=redis_port)
        with server("bot.app:app", free_port(), env) as url:
            run_wrk(url, workdir, "issues", "issues.labeled", 2)  # warm-up
            before = queue.llen(QUEUE_KEY)
            figures = run_wrk(url, workdir, "issues", "issues.labeled", seconds)
            report("issues.labeled (queued build)", figures)
            print(f"{'':<34} {queue.llen(QUEUE_KEY) - before} jobs queued for "
                  f"{figures['requests']:.0f} requests, each a new delivery id")
            report("issues.opened (ignored)",
                   run_wrk(url, workdir, "issues", "issues.opened", seconds))


if __name__ == "__main__":
    main()
