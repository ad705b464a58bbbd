"""The web side's Redis clients: synchronous for RQ and the dashboard, asyncio for webhooks."""

from __future__ import annotations

import hiredis
from redis import Redis
from redis import asyncio as redis_asyncio
from redis.typing import EncodableT

REDIS_TIMEOUT_SECONDS = 5.0
"""GitHub waits 10 s for an answer; a stuck Redis must fail well before that."""


class HiredisPackedConnection(redis_asyncio.Connection):
    """A TCP connection that packs commands in C, as redis-py's synchronous client does.

    The asyncio client packs in Python, and a queued job's write has some fifty
    arguments: that packing was the largest single cost of a delivery under load.
    """

    def pack_command(self, *args: EncodableT) -> list[bytes]:
        # As redis-py does: a command name such as "SCRIPT LOAD" goes out as two words.
        name = args[0]
        if isinstance(name, str) and " " in name:
            args = (*name.split(), *args[1:])
        return [hiredis.pack_command(args)]  # type: ignore[arg-type]  # its stub wants a 1-tuple


def sync_client(url: str) -> Redis:
    return Redis.from_url(url, socket_timeout=REDIS_TIMEOUT_SECONDS,
                          socket_connect_timeout=REDIS_TIMEOUT_SECONDS)


def async_client(url: str) -> redis_asyncio.Redis:
    """An asyncio client; ``rediss://`` and ``unix://`` URLs keep their own connection class."""
    return redis_asyncio.Redis.from_url(
        url,
        connection_class=HiredisPackedConnection,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
    )
