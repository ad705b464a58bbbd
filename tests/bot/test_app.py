"""The app as operators run it: ``uvicorn bot.app:app`` over real HTTP, and ``/healthz``."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from bot.app import create_app
from bot.signature import sign
from emulators.localhost import NotReady, free_port, wait_until
from tests.bot.conftest import SECRET, fixture, signed_headers

ROOT = Path(__file__).resolve().parents[2]


def test_healthz_is_200_when_redis_answers(client) -> None:
    response = client.get("/healthz")

    assert (response.status_code, response.json()["redis"]) == (200, "ok")


def test_healthz_is_503_when_redis_is_down(make_settings) -> None:
    settings = make_settings(redis_url=f"redis://127.0.0.1:{free_port()}/0")
    with TestClient(create_app(settings)) as client:
        response = client.get("/healthz")

    assert (response.status_code, response.json()) == (
        503, {"redis": "down", "docker": "unknown", "docker_age_seconds": None})


def test_webhook_path_answers_other_methods_with_405(client) -> None:
    response = client.get("/api/github/webhooks")

    assert response.status_code == 405


def uvicorn(env: dict[str, str], port: int, cwd: Path) -> subprocess.Popen[str]:
    """``uvicorn bot.app:app`` in a clean environment (and a directory without ``.env``)."""
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--app-dir", str(ROOT), "bot.app:app",
         "--host", "127.0.0.1", "--port", str(port)],
        env={"PATH": os.environ["PATH"], **env}, cwd=cwd, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )


def test_bad_setting_fails_start_up_naming_it(tmp_path) -> None:
    env = {"GITHUB_APP_ID": "1", "GITHUB_WEBHOOK_SECRET": "s", "GITHUB_PRIVATE_KEY": "not a key"}
    proc = uvicorn(env, free_port(), tmp_path)

    output, _ = proc.communicate(timeout=30)

    assert proc.returncode != 0
    assert "GITHUB_PRIVATE_KEY is not a PEM private key" in output


@pytest.fixture
def served(redis_url, redis_conn, app_private_key, tmp_path) -> Iterator[str]:
    port = free_port()
    env = {"GITHUB_APP_ID": "1", "GITHUB_WEBHOOK_SECRET": SECRET, "REDIS_URL": redis_url,
           "GITHUB_PRIVATE_KEY": app_private_key}
    proc = uvicorn(env, port, tmp_path)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, proc)
        yield url
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def wait_until_up(url: str, proc: subprocess.Popen[str]) -> None:
    try:
        wait_until(lambda: answers(url), 10, "uvicorn to answer",
                   alive=lambda: proc.poll() is None, interval=0.05)
    except NotReady:
        if proc.poll() is not None:  # its output says why it exited
            raise AssertionError(f"uvicorn exited: {proc.communicate()[0]}") from None
        raise


def answers(url: str) -> bool:
    try:
        httpx.get(f"{url}/healthz")
    except httpx.TransportError:
        return False
    return True


def test_served_app_queues_a_signed_delivery(served, redis_conn) -> None:
    body = json.dumps(fixture("issues.labeled")).encode()

    response = httpx.post(f"{served}/api/github/webhooks", content=body,
                          headers=signed_headers("issues", body, "served-1"))

    assert response.status_code == 202
    assert response.json() == {"queued": "build", "job": "build-served-1"}
    assert httpx.get(f"{served}/healthz").status_code == 200


def test_declared_oversize_body_is_refused_before_it_is_sent(served) -> None:
    host, port = served.removeprefix("http://").split(":")
    head = (
        "POST /api/github/webhooks HTTP/1.1\r\nHost: x\r\nX-GitHub-Event: issues\r\n"
        f"X-GitHub-Delivery: big\r\nX-Hub-Signature-256: {sign(SECRET.encode(), b'')}\r\n"
        f"Content-Length: {26 * 1024 * 1024}\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        # Only the headers go out; an answer proves the server did not wait for 26 MB.
        sock.sendall(head.encode())
        answer = sock.recv(4096).decode()

    assert answer.startswith("HTTP/1.1 413")
