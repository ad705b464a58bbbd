"""Installation tokens are shared between workers through Redis, never held there in clear."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import redis
from cryptography.hazmat.primitives import serialization

from kiln.settings import Settings
from tests.worker.conftest import OWNER, REPO, GitHubWorld
from worker.github.clients import GitHubClients
from worker.github.token_cache import SealedRedisCache, Sealer, cache_key_from


def _call_github(settings: Settings, redis_conn: redis.Redis, installation_id: int) -> None:
    """One worker process's first call: its own clients, the shared Redis."""
    client = GitHubClients(settings, redis_conn).installation(installation_id)
    with client:
        client.rest.repos.get(OWNER, REPO)


def _minted(github_world: GitHubWorld) -> int:
    return len([r for r in github_world.emulator.requests
                if r.method == "POST" and r.path.endswith("/access_tokens")])


def _redis_values(redis_conn: redis.Redis) -> bytes:
    """Every value in Redis: strings (githubkit's cache) and hashes (metrics), whole."""
    values: list[bytes] = []
    for key in redis_conn.keys("*"):
        kind = redis_conn.type(key)
        if kind == b"hash":
            fields: dict[bytes, bytes] = redis_conn.hgetall(key)  # type: ignore[assignment]
            values += [part for pair in fields.items() for part in pair]
        else:
            value = redis_conn.get(key)
            assert kind == b"string" and isinstance(value, bytes), (key, kind)
            values.append(value)
    return b"\n".join(values)


def test_redis_never_holds_a_token_or_jwt_in_clear_yet_workers_share_it(
        github_world: GitHubWorld, make_settings: Callable[..., Settings],
        redis_conn: redis.Redis) -> None:
    settings = github_world.settings(make_settings)

    for _ in range(2):  # two worker processes
        _call_github(settings, redis_conn, github_world.installation_id)

    assert _minted(github_world) == 1
    tokens = list(github_world.emulator.state.tokens)
    stored = _redis_values(redis_conn)
    assert tokens and stored
    assert not any(token.encode() in stored for token in tokens)
    assert b"eyJ" not in stored  # no JSON web token (the App's own credential) either


def test_a_value_that_does_not_open_is_a_miss_and_a_new_token_is_minted(
        github_world: GitHubWorld, make_settings: Callable[..., Settings],
        redis_conn: redis.Redis) -> None:
    settings = github_world.settings(make_settings)
    _call_github(settings, redis_conn, github_world.installation_id)
    for key in redis_conn.keys("*"):
        redis_conn.set(key, "ghs_planted-by-whoever-writes-to-redis")

    _call_github(settings, redis_conn, github_world.installation_id)

    assert _minted(github_world) == 2


def test_a_sealed_value_opens_only_under_its_own_key(app_private_key: str,
                                                     redis_conn: redis.Redis) -> None:
    cache = SealedRedisCache(redis_conn, "p", Sealer(cache_key_from(app_private_key)))
    cache.set("installation-1", "ghs_one", timedelta(minutes=5))
    assert cache.get("installation-1") == "ghs_one"

    redis_conn.copy("p:installation-1", "p:installation-2")

    assert cache.get("installation-2") is None


def test_every_layout_of_the_same_private_key_gives_the_same_sealing_key(
        app_private_key: str) -> None:
    key = serialization.load_pem_private_key(app_private_key.encode(), password=None)
    pkcs1 = key.private_bytes(serialization.Encoding.PEM,
                              serialization.PrivateFormat.TraditionalOpenSSL,
                              serialization.NoEncryption()).decode()

    assert cache_key_from(pkcs1) == cache_key_from(app_private_key)
    sealed = Sealer(cache_key_from(pkcs1)).seal("k", "ghs_x")
    assert Sealer(cache_key_from(app_private_key)).open("k", sealed) == "ghs_x"
