"""Benchmark: Kiln's webhook path against a no-op Probot app, side by side in one run.

Run: ``.venv/bin/python -m bench.webhooks [--seconds 6] [--rounds 5] [--workers 1]``. Needs
``redis-server`` and ``wrk`` (Debian packages), ``node`` and ``npm``.

Both servers get the same wrk load (2 threads, 16 connections, the same signed 12 KB
``issues.labeled`` body, a new ``X-GitHub-Delivery`` id on every request) in alternating rounds:
Kiln, Probot, Kiln, Probot, ... The figures printed are each round's, their medians, and the
median of the rounds' ratios Kiln / Probot (each pair of rounds runs back to back, under the
same background load). The goals are ratios, so they hold or fail within the run that printed
them, never against a figure measured elsewhere:

- requests/s at least 1.0x Probot's (the aim is 1.5x);
- p99 latency no higher than Probot's.

Kiln is ``uvicorn bot.app:app`` as the Procfile runs it (uvloop, and httptools through
``bot.protocol``, which writes each response at once; one process unless ``--workers``) with a
private redis-server: it verifies the signature, claims the delivery id, and queues an RQ job for
every delivery; the bench checks that each answered request left a job and that a redelivered id
leaves none. Probot is the current ``probot`` package from npm, installed on first use into
``~/.cache/kiln-bench/probot`` (``--probot-dir``; ``--probot-update`` reinstalls the latest), run
through ``createNodeMiddleware`` on ``node:http`` with one handler on ``issues.labeled`` that
does nothing: Probot's leanest way to serve webhooks (``run`` adds a log line per request).
Probot verifies the signature, parses the payload and runs the handler, and keeps no state.

Context rows (one round each, not part of the goals): an ignored event through Kiln, and a bare
ASGI app on the same uvicorn that reads the body and answers (the server's own floor).

Profiling the receiver under this load (py-spy: ``.venv/bin/pip install py-spy``)::

    .venv/bin/python -m bench.webhooks --profile /tmp/kiln.svg --seconds 10 --rounds 1

records Kiln's process with ``py-spy record --native`` during its first round (a flame graph;
``--profile-format speedscope`` for speedscope.app, ``raw`` for collapsed stacks).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402
from redis import Redis  # noqa: E402

from bot.signature import sign  # noqa: E402
from emulators.localhost import NotReady, free_port, redis_server, wait_until  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
SECRET = "bench-secret"
THREADS = 2
CONNECTIONS = 16
WARMUP_SECONDS = 2
GOAL_RPS_RATIO = 1.0
AIM_RPS_RATIO = 1.5
GOAL_P99_RATIO = 1.0
QUEUE_KEY = "rq:queue:kiln"
WEBHOOK_PATH = "/api/github/webhooks"
HTTP_PROTOCOL = "bot.protocol:CoalescingHttpToolsProtocol"
PROBOT_DIR = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kiln-bench" / \
    "probot"

# A no-op Probot app served the way Probot documents for a server of one's own. Written into the
# cache directory on every run, so the benchmark (not whatever the cache holds) defines it.
PROBOT_APP = """\
import { createServer } from "node:http";
import { createNodeMiddleware, createProbot } from "probot";

const app = (probot) => {
  probot.on("issues.labeled", async () => {});
};
const middleware = await createNodeMiddleware(app, { probot: createProbot() });
const server = createServer((req, res) => {
  middleware(req, res, () => res.writeHead(404).end());
});
server.listen(Number(process.env.PORT), "127.0.0.1");
"""

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


@dataclass(frozen=True)
class Figures:
    """One wrk round against one server."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    failed: int  # socket errors plus answers of 400 and above

    def line(self) -> str:
        return (f"{self.rps:8.0f} req/s   p50 {self.p50_ms:5.2f} ms   p99 {self.p99_ms:5.2f} ms"
                f"   failed {self.failed}")


@dataclass(frozen=True)
class Load:
    """What wrk sends: one signed body, one event name, a fresh delivery id per request."""

    workdir: Path
    seconds: int

    def run(self, url: str, fixture: str = "issues.labeled", seconds: int | None = None
            ) -> Figures:
        body, signature = write_body(self.workdir, fixture)
        script = self.workdir / f"{fixture}.lua"
        script.write_text(WRK_SCRIPT.format(body=body, event=fixture.split(".")[0],
                                            signature=signature, run=f"r{time.time_ns()}"))
        out = subprocess.run(
            ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds or self.seconds}s", "-s",
             str(script), url],
            check=True, capture_output=True, text=True,
        ).stdout
        raw = json.loads(out.strip().splitlines()[-1])
        return Figures(rps=raw["requests"] / (raw["us"] / 1e6), p50_ms=raw["p50"] / 1000,
                       p99_ms=raw["p99"] / 1000, requests=raw["requests"],
                       failed=raw["errors"] + raw["bad_status"])


def write_body(workdir: Path, fixture: str) -> tuple[Path, str]:
    """A compact payload in GitHub's real shape (about 12 KB) and its signature."""
    payload = json.loads((FIXTURES / f"{fixture}.json").read_text())
    body = json.dumps(payload, separators=(",", ":")).encode()
    path = workdir / f"{fixture}.json"
    path.write_bytes(body)
    return path, sign(SECRET.encode(), body)


def app_private_key_pem() -> str:
    """A throwaway App key: both apps insist on a real PEM key even though no call uses it."""
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
def process(args: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
            ) -> Iterator[subprocess.Popen[bytes]]:
    """A child process, terminated on exit. Its output goes into a pipe that a thread reads
    and drops, as a log collector would read it: writing a log line costs what it costs in
    production (/dev/null would make it nearly free)."""
    proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    threading.Thread(target=_drain, args=(proc.stdout.fileno(),), daemon=True).start()
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _drain(fd: int) -> None:
    while os.read(fd, 1 << 16):
        pass


def wait_for(port: int, proc: subprocess.Popen[bytes], what: str) -> None:
    """Until the port accepts connections (both servers listen once start-up is complete)."""
    wait_until(lambda: accepts(port), 30, f"{what} to listen on port {port}",
               alive=lambda: proc.poll() is None, interval=0.05)


def accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


@contextmanager
def uvicorn(app: str, env: dict[str, str], workers: int = 1) -> Iterator[tuple[str, int]]:
    """``uvicorn app`` as the Procfile runs it (uvloop, httptools writing each response at
    once); yields the webhook URL and uvicorn's pid."""
    port = free_port()
    args = [sys.executable, "-m", "uvicorn", "--app-dir", str(ROOT), app, "--host", "127.0.0.1",
            "--port", str(port), "--loop", "uvloop", "--http", HTTP_PROTOCOL, "--no-access-log",
            "--log-level", "warning", "--workers", str(workers)]
    with process(args, env=env) as proc:
        wait_for(port, proc, app)
        yield f"http://127.0.0.1:{port}{WEBHOOK_PATH}", proc.pid


def probot_installed(directory: Path, update: bool) -> str:
    """Install ``probot`` from npm into ``directory`` when missing; its version."""
    manifest = directory / "node_modules" / "probot" / "package.json"
    if update or not manifest.exists():
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "package.json").write_text(json.dumps(
            {"name": "kiln-bench-probot", "private": True, "type": "module"}))
        print(f"installing probot with npm into {directory} ...", flush=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel", "error",
                        "probot@latest"], cwd=directory, check=True)
    (directory / "app.mjs").write_text(PROBOT_APP)
    return str(json.loads(manifest.read_text())["version"])


@contextmanager
def probot(directory: Path, private_key: str) -> Iterator[tuple[str, int]]:
    """The no-op Probot app on a free loopback port; yields its webhook URL and pid."""
    port = free_port()
    env = {**os.environ, "APP_ID": "1", "PRIVATE_KEY": private_key, "WEBHOOK_SECRET": SECRET,
           "PORT": str(port), "NODE_ENV": "production", "LOG_LEVEL": "warn"}
    with process(["node", "app.mjs"], env=env, cwd=directory) as proc:
        wait_for(port, proc, "the Probot app")
        yield f"http://127.0.0.1:{port}{WEBHOOK_PATH}", proc.pid


def post(url: str, body: bytes, delivery: str, event: str = "issues") -> dict[str, Any]:
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery, "X-Hub-Signature-256": sign(SECRET.encode(), body)})
    with urllib.request.urlopen(request, timeout=10) as answer:
        result: dict[str, Any] = json.loads(answer.read())
        return result


def redelivery_is_dropped(url: str, workdir: Path) -> bool:
    """The same delivery id twice: queued the first time, a duplicate the second."""
    body = write_body(workdir, "issues.labeled")[0].read_bytes()
    delivery = f"redelivered-{time.time_ns()}"
    first, second = post(url, body, delivery), post(url, body, delivery)
    return "queued" in first and second.get("ignored") == "duplicate delivery"


@contextmanager
def profiled(pid: int, output: str | None, fmt: str, seconds: int) -> Iterator[None]:
    """``py-spy record`` of ``pid`` (and its children) while the block runs, if asked for."""
    if output is None:
        yield
        return
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if spy is None:
        raise SystemExit("bench: --profile needs py-spy (.venv/bin/pip install py-spy)")
    recorder = subprocess.Popen(
        [spy, "record", "--pid", str(pid), "--subprocesses", "--native", "--rate", "250",
         "--duration", str(seconds), "--format", fmt, "--output", output],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(0.5)  # py-spy attaches before the load starts
    try:
        yield
    finally:
        _, err = recorder.communicate(timeout=seconds + 30)
        print(f"profile written to {output}" if recorder.returncode == 0 else
              f"py-spy failed: {err.decode().strip()}")


def ratio(kiln: float, probot: float) -> float:
    return kiln / probot if probot else float("inf")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=6, help="length of each round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds for each server")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--probot-dir", type=Path, default=PROBOT_DIR)
    parser.add_argument("--probot-update", action="store_true",
                        help="reinstall the latest probot from npm first")
    parser.add_argument("--no-context", action="store_true",
                        help="skip the ignored-event and bare-ASGI rows")
    parser.add_argument("--profile", metavar="FILE", help="py-spy record Kiln's first round")
    parser.add_argument("--profile-format", default="flamegraph",
                        choices=["flamegraph", "speedscope", "raw"])
    args = parser.parse_args(argv)
    for tool in ("redis-server", "wrk", "node", "npm"):
        if shutil.which(tool) is None:
            raise SystemExit(f"bench: {tool} is missing")
    version = probot_installed(args.probot_dir, args.probot_update)
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    key = app_private_key_pem()

    with tempfile.TemporaryDirectory(prefix="kiln-bench-") as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        redis_url = stack.enter_context(redis_server(workdir))
        redis = Redis.from_url(redis_url)
        env = {**os.environ, "GITHUB_APP_ID": "1", "GITHUB_PRIVATE_KEY": key,
               "GITHUB_WEBHOOK_SECRET": SECRET, "REDIS_URL": redis_url}
        kiln_url, kiln_pid = stack.enter_context(uvicorn("bot.app:app", env, args.workers))
        probot_url, _ = stack.enter_context(probot(args.probot_dir, key))
        load = Load(workdir, args.seconds)
        size = write_body(workdir, "issues.labeled")[0].stat().st_size
        processes = f"{args.workers} processes" if args.workers > 1 else "one process"
        print(f"Kiln: uvicorn bot.app:app, {processes} (uvloop, httptools), redis-server\n"
              f"Probot {version} on node {node}: createNodeMiddleware on node:http, one process, "
              f"a no-op handler on issues.labeled\n"
              f"wrk: {THREADS} threads, {CONNECTIONS} connections, a signed {size:,}-byte "
              f"issues.labeled, a new delivery id each; {args.rounds} alternating rounds of "
              f"{args.seconds} s each after a {WARMUP_SECONDS} s warm-up; this machine: "
              f"{os.cpu_count()} cores", flush=True)
        for url in (kiln_url, probot_url):
            load.run(url, seconds=WARMUP_SECONDS)
        redis.flushdb()

        kiln: list[Figures] = []
        probots: list[Figures] = []
        all_queued = True
        for round_number in range(1, args.rounds + 1):
            profile = args.profile if round_number == 1 else None
            with profiled(kiln_pid, profile, args.profile_format, args.seconds):
                figures = load.run(kiln_url)
            queued = int(redis.llen(QUEUE_KEY))
            redis.flushdb()  # every round starts from the same, empty Redis
            # wrk counts answered requests; the few in flight when it stops were queued too.
            all_queued &= queued >= figures.requests and figures.failed == 0
            kiln.append(figures)
            print(f"round {round_number}  Kiln    {figures.line()}   jobs queued {queued:,} for "
                  f"{figures.requests:,} answered", flush=True)
            figures = load.run(probot_url)
            probots.append(figures)
            print(f"round {round_number}  Probot  {figures.line()}   Kiln / Probot "
                  f"{ratio(kiln[-1].rps, figures.rps):.2f}x req/s", flush=True)
        dropped = redelivery_is_dropped(kiln_url, workdir)

        k = median_of(kiln)
        p = median_of(probots)
        # A round's two servers ran back to back, under much the same background load: on a
        # shared machine whose load changes between rounds, their ratio is the fair comparison.
        pairs = list(zip(kiln, probots, strict=True))
        rps_ratio = statistics.median(ratio(a.rps, b.rps) for a, b in pairs)
        p99_ratio = statistics.median(ratio(a.p99_ms, b.p99_ms) for a, b in pairs)
        print(f"median    Kiln    {k.line()}\nmedian    Probot  {p.line()}")
        print(f"Kiln / Probot, median of the rounds' ratios: req/s {rps_ratio:.2f}x "
              f"(goal >= {GOAL_RPS_RATIO:.1f}x: "
              f"{verdict(rps_ratio >= GOAL_RPS_RATIO)}; aim {AIM_RPS_RATIO:.1f}x: "
              f"{verdict(rps_ratio >= AIM_RPS_RATIO)}), p99 {p99_ratio:.2f}x "
              f"(goal <= {GOAL_P99_RATIO:.1f}x: {verdict(p99_ratio <= GOAL_P99_RATIO)})")
        print(f"every answered delivery queued, none failed: {'yes' if all_queued else 'NO'}; "
              f"a redelivered id queued again: {'no' if dropped else 'YES'}")
        if not args.no_context:
            ignored = load.run(kiln_url, "issues.opened")
            print(f"context   Kiln, an ignored event (issues.opened)   {ignored.line()}   "
                  f"{ratio(ignored.rps, p.rps):.2f}x Probot")
            stack.close()  # the floor runs alone
            with uvicorn("bench.webhooks:noop_app", env) as (url, _):
                floor = load.run(url)
            print(f"context   a bare ASGI app on the same uvicorn     {floor.line()}   "
                  f"{ratio(floor.rps, p.rps):.2f}x Probot")


def median_of(rounds: list[Figures]) -> Figures:
    return Figures(rps=statistics.median(f.rps for f in rounds),
                   p50_ms=statistics.median(f.p50_ms for f in rounds),
                   p99_ms=statistics.median(f.p99_ms for f in rounds),
                   requests=sum(f.requests for f in rounds),
                   failed=sum(f.failed for f in rounds))


if __name__ == "__main__":
    try:
        main()
    except NotReady as exc:
        sys.exit(f"bench: {exc}")
