"""The install step's only way out: an internal network whose one exit is a Squid proxy.

The installer joins a network made for it with ``internal=True`` (no route out, not to the
host either); the proxy sits on that network and on the default bridge, and admits only the
operator's host names, over ports 80 and 443, never to an address literal and never to a
name that resolves into a private, loopback, link-local or other special range.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import docker
from docker.models.containers import Container
from docker.models.networks import Network

from sandbox import container
from sandbox.proxy_config import PROXY_PORT, squid_config
from sandbox.proxy_image import ensure_proxy_image

EGRESS_LABEL = "kiln.egress"
STALE_AFTER = "15m"  # an install network unused this long belongs to no running install
PROXY_ALIAS = "kiln-proxy"
PROXY_URL = f"http://{PROXY_ALIAS}:{PROXY_PORT}"
PROXY_USER = "proxy"  # Debian's squid user: Squid never runs as root here
PROXY_MEMORY, PROXY_PIDS = "256m", 64  # Squid with no cache needs little of either
READY_LINE = b"Accepting HTTP Socket connections"
READY_SECONDS = 30.0
POLL_SECONDS = 0.05
# An internal network still has the host's bridge as its gateway, and the host answers
# there; with no address on the bridge, the host is not on the network at all.
NETWORK_OPTIONS = {"com.docker.network.bridge.inhibit_ipv4": "true"}
PROXY_ENV_NAMES = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy",
                   "NPM_CONFIG_PROXY", "NPM_CONFIG_HTTPS_PROXY")


def proxy_env() -> dict[str, str]:
    """What points pip, npm, git and curl at the proxy (nothing is exempt from it)."""
    return {**dict.fromkeys(PROXY_ENV_NAMES, PROXY_URL), "NO_PROXY": "", "no_proxy": ""}


@dataclass
class Egress:
    """One install's internal network and its proxy; ``close()`` removes both."""

    client: docker.DockerClient
    network: Network
    proxy: Container | None = None

    @classmethod
    def open(cls, client: docker.DockerClient, base_image: str, hosts: Iterable[str],
             labels: Mapping[str, str], log_size: str) -> Egress:
        """Make the network and start the proxy on it; nothing is left when this fails."""
        # A worker that died mid-install left its network: gone once unused for a while.
        client.networks.prune(filters={"label": EGRESS_LABEL, "until": STALE_AFTER})
        name = f"kiln-install-{uuid.uuid4().hex[:12]}"
        egress = cls(client, client.networks.create(
            name, driver="bridge", internal=True, options=NETWORK_OPTIONS,
            labels={**labels, EGRESS_LABEL: "1"}))
        try:
            egress.proxy = _start_proxy(client, ensure_proxy_image(client, base_image),
                                        egress.network, squid_config(hosts), labels, log_size)
            _wait_ready(egress.proxy)
        except BaseException:
            egress.close()
            raise
        return egress

    @property
    def name(self) -> str:
        return str(self.network.name)

    def refused(self) -> list[str]:
        """The hosts the proxy refused so far, in order, each once."""
        logs = self.proxy.logs(stderr=False).decode(errors="replace") if self.proxy else ""
        return refused_hosts(logs)

    def close(self) -> None:
        container.remove(self.proxy)
        self.proxy = None
        with contextlib.suppress(docker.errors.NotFound):
            self.network.remove()


def refused_hosts(access_log: str) -> list[str]:
    """The hosts of the refused requests in Squid's access log (``TCP_DENIED`` lines)."""
    hosts: dict[str, None] = {}
    for line in access_log.splitlines():
        fields = line.split()
        if len(fields) > 6 and fields[3].startswith("TCP_DENIED/"):
            target = fields[6]
            hosts[urlsplit(target).hostname or "" if "://" in target
                  else target.rpartition(":")[0] or target] = None
    return list(hosts)


def _start_proxy(client: docker.DockerClient, image: str, network: Network, conf: str,
                 labels: Mapping[str, str], log_size: str) -> Container:
    # The configuration travels in the environment: the root file system is read-only, and
    # an archive put into the container would not reach its /tmp tmpfs.
    proxy = client.containers.create(
        image, ["sh", "-c", 'printf "%s" "$SQUID_CONF" > /tmp/squid.conf && '
                            "exec squid -N -f /tmp/squid.conf"],
        environment={"SQUID_CONF": conf}, user=PROXY_USER, labels=dict(labels),
        network_mode="bridge", read_only=True, tmpfs={"/tmp": "rw,nosuid,nodev,size=16m"},
        cap_drop=["ALL"], security_opt=["no-new-privileges"], pids_limit=PROXY_PIDS,
        mem_limit=PROXY_MEMORY, log_config=container.log_config(log_size))
    try:
        network.connect(proxy, aliases=[PROXY_ALIAS])
        proxy.start()
    except BaseException:
        container.remove(proxy)
        raise
    return proxy


def _wait_ready(proxy: Container) -> None:
    """Until Squid says it listens; its log when it stops or does not within the limit."""
    deadline = time.monotonic() + READY_SECONDS
    while READY_LINE not in (logs := proxy.logs()):
        proxy.reload()
        if proxy.status == "exited" or time.monotonic() > deadline:
            raise RuntimeError(f"the egress proxy did not start: {logs[-1500:].decode()}")
        time.sleep(POLL_SECONDS)
