"""Shared fixtures: a real Redis server, a Docker client, an App key, settings."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
import redis
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from emulators.localhost import redis_server
from kiln.settings import Settings

ON_CI = os.environ.get("CI") == "true"
FIXTURES = Path(__file__).parent / "fixtures"
ARTIFACTS = Path(__file__).parent / "artifacts"  # screenshots the browser tests leave
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def missing(what: str) -> NoReturn:
    """Skip locally when a service is absent; on CI a missing service is a failure."""
    if ON_CI:
        pytest.fail(f"{what} is required on CI", pytrace=False)
    pytest.skip(what)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private redis-server for the test session, on a free port."""
    if shutil.which("redis-server") is None:
        missing("redis-server")
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def redis_conn(redis_url: str) -> Iterator[redis.Redis]:
    """A connection to an empty database."""
    conn = redis.Redis.from_url(redis_url)
    conn.flushdb()
    yield conn
    conn.flushdb()
    conn.close()


@pytest.fixture(scope="session")
def app_private_key() -> str:
    """An RSA key for the GitHub App under test, as PEM text."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture
def make_settings(redis_url: str, app_private_key: str) -> Callable[..., Settings]:
    """Build Settings for a test without touching the process environment."""

    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "github_app_id": 1,
            "github_private_key": app_private_key,
            "github_webhook_secret": "test-secret",
            "redis_url": redis_url,
            "openai_api_key": "test-key",
            "_env_file": None,
        }
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    return make


@pytest.fixture(scope="session")
def docker_client() -> Iterator[object]:
    """A Docker SDK client for the local engine."""
    import docker

    try:
        client = docker.from_env()
        client.ping()
    except docker.errors.DockerException as exc:
        missing(f"a Docker engine ({exc})")
    yield client
    client.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium driven by Playwright (browsers cannot be downloaded here)."""
    executable = shutil.which("chromium")
    if executable is None:
        missing("Debian's chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright Python package")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
