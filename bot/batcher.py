"""Batching: the Redis scripts concurrent requests need, sent as one pipeline per round trip."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from redis import asyncio as redis_asyncio
from redis.typing import EncodableT, KeyT

Call = tuple[str, Sequence[KeyT], Sequence[EncodableT], "asyncio.Future[Any]"]
"""A script, its keys and arguments, and the future its caller awaits."""


class ScriptBatcher:
    """Runs Lua scripts for many coroutines, one pipeline in flight at a time.

    Requests that arrive while a pipeline is out wait for the next one, so under load
    each round trip (and each client-side call overhead) serves many deliveries.
    """

    def __init__(self, client: redis_asyncio.Redis):
        self._client = client
        self._pending: list[Call] = []
        self._draining: asyncio.Task[None] | None = None

    async def eval(self, script: str, keys: Sequence[KeyT], args: Sequence[EncodableT]) -> Any:
        """The script's result, or the error Redis (or the connection) gave for it."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending.append((script, keys, args, future))
        if self._draining is None:
            self._draining = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                await self._send(batch)
        finally:
            self._draining = None

    async def _send(self, batch: list[Call]) -> None:
        # EVAL, not EVALSHA: a pipeline of EVALSHA makes redis-py check SCRIPT EXISTS first.
        pipe = self._client.pipeline(transaction=False)
        for script, keys, args, _ in batch:
            pipe.eval(script, len(keys), *keys, *args)
        try:
            results = await pipe.execute(raise_on_error=False)
        except Exception as exc:  # the connection failed: every caller in the batch hears it
            results = [exc] * len(batch)
        for (*_, future), result in zip(batch, results, strict=True):
            if future.done():  # its request was cancelled meanwhile
                continue
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)
