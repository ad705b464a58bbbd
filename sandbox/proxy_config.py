"""The egress proxy's configuration: the operator's host patterns, checked, as Squid's rules."""

from __future__ import annotations

import re
from collections.abc import Iterable

PROXY_PORT = 3128
# A host name or a "*." pattern for a domain and everything under it; the last label starts
# with a letter, so no address (dotted, decimal or hex) passes for a name.
HOST_PATTERN = re.compile(r"(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z][a-z0-9-]*")
# Every range that is not the public internet: this host, its containers, cloud metadata.
BLOCKED_RANGES = (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.0.0.0/24", "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/3",
    "::/127", "fc00::/7", "fe80::/10", "ff00::/8", "::ffff:0:0/96",
)
# Squid's whole configuration but the allowlist; no cache, logs to the container's output.
SQUID_BASE = """\
http_port {port}
pid_filename none
pinger_enable off
cache deny all
cache_log /dev/stderr
access_log stdio:/dev/stdout
logfile_rotate 0
coredump_dir /tmp
netdb_filename none
shutdown_lifetime 0 seconds
visible_hostname kiln-egress
via off
forwarded_for delete
acl CONNECT method CONNECT
acl tls_port port 443
acl web_ports port 80 443
acl address_literal dstdom_regex -n ^[0-9.]+$ : ^\\[
acl blocked_address dst {blocked}
http_access deny !web_ports
http_access deny CONNECT !tls_port
http_access deny address_literal
{allow}http_access deny all
"""


def parse_hosts(text: str) -> tuple[str, ...]:
    """The operator's comma-separated host patterns, checked: names, never addresses."""
    hosts = tuple(part.strip().lower() for part in text.split(",") if part.strip())
    for host in hosts:
        if not HOST_PATTERN.fullmatch(host):
            raise ValueError(f"not a host name or *.domain pattern: {host!r}")
    return hosts


def squid_domains(hosts: Iterable[str]) -> list[str]:
    """Squid's dstdomain spelling: ``*.example.com`` is ``.example.com`` (it and below)."""
    return [host[1:] if host.startswith("*.") else host for host in hosts]


def squid_config(hosts: Iterable[str]) -> str:
    """The proxy's configuration admitting ``hosts`` and nothing else."""
    domains = squid_domains(hosts)
    # The name is checked before any DNS look-up, so a refused name is not even resolved.
    allow = ("acl allowed dstdomain -n " + " ".join(domains) + "\nhttp_access deny !allowed\n"
             "http_access deny blocked_address\nhttp_access allow allowed\n") if domains else ""
    return SQUID_BASE.format(port=PROXY_PORT, blocked=" ".join(BLOCKED_RANGES), allow=allow)
