"""The install step's egress: only the allowed hosts, through the proxy; nothing else at all."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import cast

import docker
import pytest
from docker.models.containers import Container

from kiln.settings import Settings
from sandbox import Sandbox, SandboxConfig, deps, failures
from sandbox.egress import PROXY_ALIAS, refused_hosts
from sandbox.proxy_config import parse_hosts, squid_config
from tests.conftest import missing
from tests.sandbox.conftest import leftovers
from tests.sandbox.registries import npm_registry_host, pip_setup

# Run in the installer: each target as a direct connection or a request through the proxy;
# prints {target: "ok" or the error} as JSON.
PROBE = """
import json, os, socket, sys, urllib.request
results = {}
for kind, target in json.loads(sys.argv[1]):
    try:
        if kind == "connect":
            host, port = target.rsplit(":", 1)
            socket.create_connection((host, int(port)), timeout=5).close()
        elif kind == "resolve":
            socket.getaddrinfo(target, 443)
        else:
            urllib.request.urlopen(target, timeout=30).close()
        results[target] = "ok"
    except Exception as exc:
        results[target] = str(exc)
print(json.dumps(results))
"""


def test_host_patterns_are_names_never_addresses() -> None:
    assert parse_hosts(" Mirror.Example.com, *.packages.example.com ,") == (
        "mirror.example.com", "*.packages.example.com")
    for bad in ("10.0.0.1", "2130706433", "[::1]", "mirror.example.com:8080", "a.*.com", "*"):
        with pytest.raises(ValueError):
            parse_hosts(bad)


def test_the_proxy_admits_only_the_listed_names() -> None:
    conf = squid_config(["mirror.example.com", "*.packages.example.com"])
    assert "acl allowed dstdomain -n mirror.example.com .packages.example.com\n" in conf
    # The name is judged before the address it resolves to, and everything else is refused.
    rules = [line for line in conf.splitlines() if line.startswith("http_access")]
    assert rules[-4:] == ["http_access deny !allowed", "http_access deny blocked_address",
                          "http_access allow allowed", "http_access deny all"]
    assert "http_access allow" not in squid_config([])


@pytest.fixture
def online(config: SandboxConfig) -> SandboxConfig:
    """The install may use the network: this machine's pip registry hosts, and its CA."""
    setup = pip_setup()
    return replace(config, install_network=True, install_allow=setup.hosts,
                   ca_bundle=setup.ca_bundle)


def probe(client: docker.DockerClient, config: SandboxConfig, labels: dict[str, str],
          targets: list[tuple[str, str]]) -> dict[str, str]:
    """What each target gave from inside an installer."""
    out = bytearray()
    with deps.installer(client, config.image_for("python"), config, {}, labels) as started:
        outcome = started.channel.run(
            ["python3", "-c", PROBE, json.dumps(targets)], cwd="/tmp", env=started.env,
            timeout=120, sink=lambda name, chunk: out.extend(chunk))
    assert outcome.exit_code == 0, out.decode()
    # The proxy and the network went with the installer.
    assert leftovers(client, labels) == []
    assert client.networks.list(filters={"label": [f"{k}={v}" for k, v in labels.items()]}) == []
    return dict(json.loads(out.decode().splitlines()[-1]))


@contextmanager
def removing_deps_image(client: docker.DockerClient, image: str, install: str) -> Iterator[None]:
    """Inside: an install may cache a dependency image; it is removed on the way out."""
    try:
        yield
    finally:
        tag = deps.image_tag(client, image, install, {})
        if deps.image_exists(client, tag):
            client.images.remove(tag, force=True)


@pytest.mark.docker
def test_an_allowed_install_succeeds_through_the_proxy(
    docker_client: docker.DockerClient, online: SandboxConfig,
) -> None:
    setup = pip_setup()
    # A fresh nonce in the command makes a fresh cache key: this install really runs.
    install = f"pip install --index-url {setup.index_url} six # {uuid.uuid4().hex}"
    image = online.image_for("python")
    with removing_deps_image(docker_client, image, install), \
            Sandbox.start(docker_client, image, online) as box:
        installed = box.install(install, {}, timeout=300)
        assert installed.ok and not installed.cached, installed.stderr
        assert box.exec("python3 -c 'import six'").ok
        # Running code still has no network at all.
        assert box.exec("ls /sys/class/net").stdout == "lo\n"


@pytest.mark.docker
def test_npm_installs_through_the_proxy(
    docker_client: docker.DockerClient, online: SandboxConfig,
) -> None:
    host = npm_registry_host()
    if host is None:
        missing("npm (and so an npm registry to allow)")
    config = replace(online, install_allow=(host,))
    install = f"npm install --no-audit --no-fund is-number # {uuid.uuid4().hex}"
    image = config.image_for("node")
    with removing_deps_image(docker_client, image, install), \
            Sandbox.start(docker_client, image, config) as box:
        box.put_files({"package.json": b'{"name": "demo", "version": "1.0.0"}\n'})
        installed = box.install(install, {}, timeout=300)
        assert installed.ok and not installed.cached, installed.stderr
        assert box.exec("node -e \"require('is-number')\"").ok


@pytest.mark.docker
def test_the_proxy_refuses_names_not_allowed_and_addresses(
    docker_client: docker.DockerClient, online: SandboxConfig, job_label: dict[str, str],
) -> None:
    denied = npm_registry_host() or "registry.example.com"
    allowed = pip_setup().hosts[0]
    # The proxy's own name is allowed here, yet it resolves into a private range: refused.
    config = replace(online, install_allow=(*online.install_allow, PROXY_ALIAS))
    results = probe(docker_client, config, job_label, [
        ("get", f"https://{denied}/"), ("get", f"http://{denied}/"),
        ("get", f"https://{allowed}/"), ("get", f"https://{allowed}:8443/"),
        ("get", "https://127.0.0.1/"), ("get", "http://169.254.169.254/"),
        ("get", f"http://{PROXY_ALIAS}/"), ("resolve", denied)])
    refused = [target for target, said in results.items() if "403" in said]
    assert results[f"https://{allowed}/"] in ("ok", "HTTP Error 404: Not Found")
    assert sorted(refused) == sorted(target for kind, target in [
        ("get", f"https://{denied}/"), ("get", f"http://{denied}/"),
        ("get", f"https://{allowed}:8443/"), ("get", "https://127.0.0.1/"),
        ("get", "http://169.254.169.254/"), ("get", f"http://{PROXY_ALIAS}/")])
    # The installer cannot even look a name up: the proxy resolves for it.
    assert results[denied] != "ok"


@pytest.mark.docker
def test_a_failed_install_names_the_hosts_the_proxy_refused(
    docker_client: docker.DockerClient, online: SandboxConfig,
) -> None:
    denied = npm_registry_host() or "registry.example.com"
    fetch = f"python3 -c \"import urllib.request; urllib.request.urlopen('https://{denied}/')\""
    install = f"{fetch} # {uuid.uuid4().hex}"
    image = online.image_for("python")
    try:
        with Sandbox.start(docker_client, image, online) as box:
            failed = box.install(install, {}, timeout=120)
        assert failed.exit_code == 1
        assert failed.stderr.endswith(deps.REFUSED.format(hosts=denied))
    finally:
        volume = failures.failure_name(deps.image_tag(docker_client, image, install, {}))
        for record in docker_client.volumes.list(filters={"name": volume}):
            record.remove(force=True)


def test_refused_hosts_are_read_from_squids_access_log() -> None:
    log = ("1.0 0 172.21.0.3 TCP_DENIED/403 3407 CONNECT a.example:443 - HIER_NONE/- text/html\n"
           "1.1 86 172.21.0.3 TCP_TUNNEL/200 14978 CONNECT ok.example:443 - HIER_DIRECT/x -\n"
           "1.2 0 172.21.0.3 TCP_DENIED/403 3397 GET http://10.0.0.1/ - HIER_NONE/- text/html\n"
           "1.3 0 172.21.0.3 TCP_DENIED/403 3407 CONNECT a.example:443 - HIER_NONE/- text/html\n")
    assert refused_hosts(log) == ["a.example", "10.0.0.1"]


class Listener:
    """A TCP port on every host address that accepts and closes; stopped by ``close``."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("0.0.0.0", 0))
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.close()

    def close(self) -> None:
        self.sock.close()
        self.thread.join(5)


@pytest.fixture
def listener() -> Iterator[Listener]:
    opened = Listener()
    yield opened
    opened.close()


@pytest.fixture
def peer(docker_client: docker.DockerClient, config: SandboxConfig) -> Iterator[Container]:
    """Another container on Docker's default bridge, serving HTTP on port 80."""
    started = docker_client.containers.run(
        config.image_for("python"), ["python3", "-u", "-m", "http.server", "80"], detach=True,
        network_mode="bridge")
    try:
        deadline = time.monotonic() + 30
        while b"Serving HTTP" not in started.logs() and time.monotonic() < deadline:
            time.sleep(0.05)
        started.reload()
        yield started
    finally:
        started.remove(force=True)


@pytest.mark.docker
def test_an_install_reaches_neither_the_host_nor_other_containers(
    docker_client: docker.DockerClient, online: SandboxConfig, job_label: dict[str, str],
    listener: Listener, peer: Container,
) -> None:
    bridge = peer.attrs["NetworkSettings"]
    host, peer_ip = bridge["Gateway"], bridge["IPAddress"]
    # From the default bridge, both are there (so what follows is no accident of set-up).
    control = peer.exec_run(["python3", "-c", PROBE, json.dumps(
        [["connect", f"{host}:{listener.port}"], ["connect", f"{peer_ip}:80"]])])
    assert set(json.loads(cast(bytes, control.output)).values()) == {"ok"}
    results = probe(docker_client, online, job_label, [
        ("connect", f"{host}:{listener.port}"), ("connect", f"{peer_ip}:80"),
        ("get", f"http://{peer_ip}/"), ("get", f"http://{host}:{listener.port}/")])
    assert "ok" not in results.values()
    assert "403" in results[f"http://{peer_ip}/"]


def test_the_operators_settings_reach_the_sandbox_config(
    make_settings: Callable[..., Settings],
) -> None:
    config = SandboxConfig.from_settings(make_settings(
        sandbox_install_allow="mirror.example.com, *.example.org", sandbox_log_size="5m",
        sandbox_deps_max_images=3, sandbox_deps_max_size="2g",
        sandbox_install_failure_ttl_seconds=60))
    assert config.install_allow == ("mirror.example.com", "*.example.org")
    assert (config.log_size, config.deps_max_images, config.deps_max_bytes,
            config.failure_ttl) == ("5m", 3, 2 * 1024**3, 60)
    with pytest.raises(ValueError, match="not a host name"):
        SandboxConfig.from_settings(make_settings(sandbox_install_allow="10.0.0.1"))
