"""Who may see the dashboard: basic auth when configured, else provably local requests only."""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
from collections.abc import Mapping
from enum import Enum

from pydantic import SecretStr
from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

# A reverse proxy on the same host connects from loopback; these headers give most away.
# A proxy that adds none still passes the public name as Host, which the Host check refuses.
PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto",
                 "x-real-ip", "via")
LOCAL_NAMES = frozenset({"localhost"})
REALM = 'Basic realm="Kiln dashboard", charset="UTF-8"'
LOCAL_ONLY = (
    "The Kiln dashboard answers only direct requests to localhost until DASHBOARD_USERNAME "
    "and DASHBOARD_PASSWORD are set; behind a reverse proxy, set them.\n"
)


class Verdict(Enum):
    ALLOW = "allow"
    CHALLENGE = "challenge"  # credentials configured but missing or wrong: 401
    FORBID = "forbid"  # no credentials configured and the request is not provably local: 403


def is_loopback(host: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and IPv4-mapped loopback; False for names and unknowns."""
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def host_name(host: str | None) -> str:
    """The name in a Host header, without its port or an IPv6 literal's brackets."""
    value = (host or "").strip()
    if value.startswith("["):
        return value[1:].partition("]")[0]
    return value.partition(":")[0] if value.count(":") == 1 else value


def is_local_host(host: str | None) -> bool:
    """Whether a Host header names this machine: ``localhost`` or a loopback address.

    Any other name could be one a DNS-rebinding page made resolve to 127.0.0.1.
    """
    name = host_name(host)
    return name.casefold() in LOCAL_NAMES or is_loopback(name)


def is_provably_local(headers: Mapping[str, str], client_host: str | None) -> bool:
    """From a loopback address, to a local name, through no proxy that says so."""
    proxied = any(name in headers for name in PROXY_HEADERS)
    return is_loopback(client_host) and is_local_host(headers.get("host")) and not proxied


def credentials_match(authorization: str | None, username: str, password: str) -> bool:
    """Compare an ``Authorization: Basic`` header with the configured pair in constant time."""
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        given = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return False
    given_user, _, given_password = given.partition(":")
    user_ok = hmac.compare_digest(given_user.encode(), username.encode())
    password_ok = hmac.compare_digest(given_password.encode(), password.encode())
    return user_ok and password_ok


def verdict(headers: Mapping[str, str], client_host: str | None, username: str | None,
            password: SecretStr | None) -> Verdict:
    """Decide one request. Configured credentials apply to every client, local ones too."""
    if username and password is not None and password.get_secret_value():
        match = credentials_match(headers.get("authorization"), username,
                                  password.get_secret_value())
        return Verdict.ALLOW if match else Verdict.CHALLENGE
    # Without credentials, fail closed: whatever cannot be shown to be local is refused.
    return Verdict.ALLOW if is_provably_local(headers, client_host) else Verdict.FORBID


class DashboardAccess:
    """ASGI middleware applying :func:`verdict` to every request under the dashboard."""

    def __init__(self, app: ASGIApp, username: str | None, password: SecretStr | None) -> None:
        self._app = app
        self._username = username
        self._password = password

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        client = scope.get("client")
        decided = verdict(Headers(scope=scope), client[0] if client else None,
                          self._username, self._password)
        if decided is Verdict.ALLOW:
            await self._app(scope, receive, send)
        elif decided is Verdict.CHALLENGE:
            response = PlainTextResponse("Authentication required.\n", 401,
                                         headers={"WWW-Authenticate": REALM})
            await response(scope, receive, send)
        else:
            await PlainTextResponse(LOCAL_ONLY, 403)(scope, receive, send)
