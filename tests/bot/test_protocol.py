"""One write per response: the coalescing transport, and uvicorn serving Kiln through it."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn

from bot.app import create_app
from bot.protocol import CoalescingHttpToolsProtocol, CoalescingTransport
from bot.receiver import WEBHOOK_PATH
from emulators.serving import STOP_TIMEOUT, bind, wait_started
from kiln.settings import Settings
from tests.bot.conftest import fixture, signed_headers


class RecordingTransport:
    """Stands in for the socket's transport: remembers each call that would reach the kernel."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.closing = False

    def writelines(self, lines: list[bytes]) -> None:
        self.calls.append(("writelines", list(lines)))

    def close(self) -> None:
        self.calls.append(("close", None))
        self.closing = True

    def abort(self) -> None:
        self.calls.append(("abort", None))
        self.closing = True

    def write_eof(self) -> None:
        self.calls.append(("write_eof", None))

    def is_closing(self) -> bool:
        return self.closing

    def get_extra_info(self, name: str) -> str:
        return f"info {name}"


def test_writes_of_one_turn_go_out_in_one_call() -> None:
    recorded = RecordingTransport()

    async def respond() -> list[tuple[str, Any]]:
        transport = CoalescingTransport(recorded, asyncio.get_running_loop())  # type: ignore[arg-type]
        transport.write(b"HTTP/1.1 202 Accepted\r\n\r\n")
        transport.write(b"{}")
        before = list(recorded.calls)
        await asyncio.sleep(0)
        return before

    before_the_turn_ended = asyncio.run(respond())

    assert before_the_turn_ended == []
    assert recorded.calls == [("writelines", [b"HTTP/1.1 202 Accepted\r\n\r\n", b"{}"])]


def test_close_and_eof_write_what_is_held_first_and_abort_drops_it() -> None:
    closed, ended, aborted = RecordingTransport(), RecordingTransport(), RecordingTransport()

    async def close_and_abort() -> None:
        loop = asyncio.get_running_loop()
        for recorded, end in ((closed, "close"), (ended, "write_eof"), (aborted, "abort")):
            transport = CoalescingTransport(recorded, loop)  # type: ignore[arg-type]
            transport.write(b"last")
            getattr(transport, end)()
        await asyncio.sleep(0)  # the turn's end finds nothing more to write

    asyncio.run(close_and_abort())

    assert closed.calls == [("writelines", [b"last"]), ("close", None)]
    assert ended.calls == [("writelines", [b"last"]), ("write_eof", None)]
    assert aborted.calls == [("abort", None)]


def test_everything_else_is_the_wrapped_transports() -> None:
    loop = asyncio.new_event_loop()
    try:
        transport = CoalescingTransport(RecordingTransport(), loop)  # type: ignore[arg-type]

        assert transport.get_extra_info("peername") == "info peername"
    finally:
        loop.close()


@contextmanager
def uvicorn_coalescing(app: Any) -> Iterator[str]:
    """``uvicorn --loop uvloop --http bot.protocol:CoalescingHttpToolsProtocol`` on a thread."""
    sock = bind("127.0.0.1", 0)
    config = uvicorn.Config(app, loop="uvloop", http=CoalescingHttpToolsProtocol,
                            log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        wait_started(server, thread)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(STOP_TIMEOUT)
        sock.close()


def test_kiln_answers_through_it_on_a_kept_alive_connection(settings: Settings, queued) -> None:
    body = json.dumps(fixture("issues.labeled")).encode()
    with uvicorn_coalescing(create_app(settings)) as url, httpx.Client(base_url=url) as client:
        answers = [client.post(WEBHOOK_PATH, content=body,
                               headers=signed_headers("issues", body, f"kept-{n}"))
                   for n in range(3)]
        health = client.get("/healthz")

    assert [answer.json() for answer in answers] == [
        {"queued": "build", "job": f"build-kept-{n}"} for n in range(3)]
    assert health.status_code == 200
    assert [job.id for job in queued()] == ["build-kept-0", "build-kept-1", "build-kept-2"]


def test_a_response_that_closes_the_connection_arrives_whole(settings: Settings) -> None:
    with uvicorn_coalescing(create_app(settings)) as url:
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
            conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: kiln\r\nConnection: close\r\n\r\n")
            received = b"".join(iter(lambda: conn.recv(65536), b""))

    head, _, answer = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert json.loads(answer)["redis"] == "ok"
