"""Local plumbing: free ports, wait_until's errors, and a private redis-server that answers."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from emulators.localhost import NotReady, free_port, redis_server, wait_until
from tests.conftest import missing


@pytest.fixture
def needs_redis_server() -> None:
    if shutil.which("redis-server") is None:
        missing("redis-server")


def test_a_free_port_can_be_bound_on_loopback() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", free_port()))


def test_redis_server_answers_without_persistence_and_stops(
        tmp_path: Path, needs_redis_server: None) -> None:
    with redis_server(tmp_path) as url:
        client = redis.Redis.from_url(url, decode_responses=True)
        assert url.startswith("redis://127.0.0.1:")
        assert client.ping()
        client.set("key", "value")
        assert client.get("key") == "value"
        assert client.config_get("save") == {"save": ""}
        assert client.config_get("appendonly") == {"appendonly": "no"}
        client.close()
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(url).ping()
    assert list(tmp_path.iterdir()) == []


def test_redis_server_that_cannot_start_fails_fast(
        tmp_path: Path, needs_redis_server: None) -> None:
    started = time.monotonic()
    with pytest.raises(NotReady, match=r"redis-server at redis://127\.0\.0\.1:\d+/0 .*exited"), \
            redis_server(tmp_path / "absent"):  # redis-server exits: no such --dir
        pass
    assert time.monotonic() - started < 10


def test_wait_until_returns_the_first_truthy_value() -> None:
    answers: Iterator[object] = iter([None, "", [], "ready", "later"])
    assert wait_until(lambda: next(answers), 5, "an answer", interval=0.01) == "ready"


def test_wait_until_times_out_naming_what_it_waited_for() -> None:
    started = time.monotonic()
    with pytest.raises(NotReady, match=r"^timed out after 0\.3 s waiting for the answer$"):
        wait_until(lambda: False, 0.3, "the answer", interval=0.05)
    assert time.monotonic() - started >= 0.3


def test_wait_until_fails_fast_when_alive_says_the_process_died() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    started = time.monotonic()
    with pytest.raises(NotReady, match=r"^gave up waiting for the server: .* exited$"):
        wait_until(lambda: False, 30, "the server", alive=lambda: proc.poll() is None)
    assert time.monotonic() - started < 1


def test_wait_until_takes_a_result_that_came_as_the_process_exited() -> None:
    assert wait_until(lambda: "done", 1, "the result", alive=lambda: False) == "done"
