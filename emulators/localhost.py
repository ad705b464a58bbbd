"""Local plumbing for tests, benchmarks and the demo: free ports, waiting, a private Redis."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import redis

LOOPBACK = "127.0.0.1"
POLL_SECONDS = 0.1
REDIS_START_SECONDS = 20.0
REDIS_STOP_SECONDS = 10.0

T = TypeVar("T")


class NotReady(RuntimeError):
    """What `wait_until` waited for did not come in time, or the process behind it exited."""


def free_port() -> int:
    """A loopback port that is free now (nothing reserves it, so use it at once)."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def wait_until(check: Callable[[], T], timeout: float, what: str,
               alive: Callable[[], bool] | None = None, *, interval: float = POLL_SECONDS) -> T:
    """Poll `check` until it returns something truthy, and return that.

    Raises NotReady naming `what` after `timeout` seconds, or as soon as `alive` returns
    False: once the process (or thread) that should make `check` true is gone, waiting
    longer cannot help.
    """
    deadline = time.monotonic() + timeout
    while not (value := check()):
        if alive is not None and not alive():
            raise NotReady(f"gave up waiting for {what}: "
                           "the process (or thread) behind it exited")
        if time.monotonic() > deadline:
            raise NotReady(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)
    return value


def redis_command(workdir: Path) -> tuple[list[str], str]:
    """The command line of a private redis-server on a free loopback port, and its URL.

    Persistence is off, so it writes nothing to `workdir`, not even when it stops.
    """
    port = free_port()
    argv = ["redis-server", "--port", str(port), "--bind", LOOPBACK, "--save", "",
            "--appendonly", "no", "--dir", str(workdir)]
    return argv, f"redis://{LOOPBACK}:{port}/0"


def wait_for_redis(url: str, timeout: float = REDIS_START_SECONDS,
                   alive: Callable[[], bool] | None = None) -> None:
    """Until the server at `url` answers PING (see `wait_until` for timeout and `alive`)."""
    client = redis.Redis.from_url(url)
    try:
        wait_until(lambda: _pings(client), timeout, f"redis-server at {url} to answer", alive)
    finally:
        client.close()


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:  # not listening yet, or still loading
        return False


@contextmanager
def redis_server(workdir: Path, *, timeout: float = REDIS_START_SECONDS) -> Iterator[str]:
    """A private redis-server for the block: yields its URL once it answers, then stops it."""
    argv, url = redis_command(workdir)
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    try:
        wait_for_redis(url, timeout, alive=lambda: proc.poll() is None)
        yield url
    finally:
        proc.terminate()
        proc.wait(REDIS_STOP_SECONDS)
