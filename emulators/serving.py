"""An ASGI app served by uvicorn on a background thread, for the stand-ins and for tests."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from emulators.localhost import wait_until

START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0


def bind(host: str, port: int) -> socket.socket:
    """Bind before uvicorn starts, so port 0 yields a free port we know up front."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


def wait_started(server: uvicorn.Server, thread: threading.Thread) -> None:
    wait_until(lambda: server.started, START_TIMEOUT, "the HTTP server to start",
               alive=thread.is_alive, interval=0.005)


@contextmanager
def serving(
    app: Any, host: str = "127.0.0.1", port: int = 0, *, lifespan: bool = False,
    grace_seconds: int = 1,
) -> Iterator[str]:
    """Serve app until the block ends; yields its base URL, like http://127.0.0.1:PORT.

    ``lifespan`` runs the app's start-up and shutdown (Kiln's web app needs them);
    ``grace_seconds`` is how long open streams may take to finish at exit.
    """
    sock = bind(host, port)
    config = uvicorn.Config(app, log_level="warning", lifespan="on" if lifespan else "off",
                            access_log=False, timeout_graceful_shutdown=grace_seconds)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        wait_started(server, thread)
        yield f"http://{host}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(STOP_TIMEOUT)
        sock.close()
