"""The dashboard's access rule, decided per request."""

from __future__ import annotations

import base64

import pytest
from pydantic import SecretStr

from bot.access import Verdict, credentials_match, is_local_host, is_loopback, verdict

LOCAL = {"host": "localhost:3000"}


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.parametrize(("host", "local"), [
    ("127.0.0.1", True), ("127.8.9.1", True), ("::1", True), ("::ffff:127.0.0.1", True),
    ("10.0.0.5", False), ("203.0.113.9", False), ("::ffff:10.0.0.5", False),
    ("testclient", False), ("", False), (None, False),
])
def test_loopback_addresses(host: str | None, local: bool) -> None:
    assert is_loopback(host) is local


def test_credentials_compare_user_and_password() -> None:
    assert credentials_match(basic("ops", "s3cret:with colon"), "ops", "s3cret:with colon")
    assert not credentials_match(basic("ops", "wrong"), "ops", "s3cret")
    assert not credentials_match(basic("dev", "s3cret"), "ops", "s3cret")
    assert not credentials_match("Bearer abc", "ops", "s3cret")
    assert not credentials_match("Basic !!!not-base64", "ops", "s3cret")
    assert not credentials_match(None, "ops", "s3cret")


@pytest.mark.parametrize(("host", "local"), [
    ("localhost", True), ("LocalHost:3000", True), ("127.0.0.1:3000", True),
    ("127.8.9.1", True), ("[::1]:3000", True), ("[::1]", True),
    ("kiln.example.com", False), ("kiln.example.com:3000", False),
    ("localhost.attacker.example", False), ("127.0.0.1.nip.io:3000", False),
    ("[::ffff:10.0.0.5]:80", False), ("", False), (None, False),
])
def test_local_host_names(host: str | None, local: bool) -> None:
    assert is_local_host(host) is local


def test_without_credentials_only_direct_local_requests_pass() -> None:
    assert verdict(LOCAL, "127.0.0.1", None, None) is Verdict.ALLOW
    assert verdict({"host": "[::1]:3000"}, "::1", None, None) is Verdict.ALLOW
    assert verdict(LOCAL, "192.168.1.20", None, None) is Verdict.FORBID
    assert verdict(LOCAL | {"x-forwarded-for": "1.2.3.4"}, "127.0.0.1", None,
                   None) is Verdict.FORBID
    assert verdict(LOCAL | {"via": "1.1 proxy"}, "127.0.0.1", None, None) is Verdict.FORBID
    assert verdict(LOCAL, "127.0.0.1", "ops", None) is Verdict.ALLOW  # a half-set pair is unset
    assert verdict(LOCAL, "10.0.0.1", "ops", SecretStr("")) is Verdict.FORBID


@pytest.mark.parametrize("headers", [
    {},  # no Host at all: nothing shows where the request was sent
    {"host": "kiln.example.com"},  # a local reverse proxy that adds no forwarding header
    {"host": "rebound.attacker.example:3000"},  # DNS rebinding: a page's name now points here
])
def test_without_credentials_a_loopback_client_alone_is_not_enough(headers) -> None:
    assert verdict(headers, "127.0.0.1", None, None) is Verdict.FORBID


def test_with_credentials_everyone_must_present_them() -> None:
    password = SecretStr("s3cret")
    good = {"authorization": basic("ops", "s3cret")}
    assert verdict({}, "127.0.0.1", "ops", password) is Verdict.CHALLENGE
    assert verdict(good, "203.0.113.9", "ops", password) is Verdict.ALLOW
    assert verdict(good | {"forwarded": "for=1.2.3.4"}, "127.0.0.1", "ops",
                   password) is Verdict.ALLOW
