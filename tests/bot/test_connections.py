"""The web side's asyncio Redis client against real Redis."""

from __future__ import annotations

import asyncio

from bot.connections import async_client


def test_commands_of_two_words_and_long_arguments_reach_redis(redis_url, redis_conn) -> None:
    async def talk() -> tuple[object, object]:
        client = async_client(redis_url)
        try:
            sha = await client.script_load("return ARGV[1]")
            return sha, await client.evalsha(sha, 0, "x" * 100_000)
        finally:
            await client.aclose()

    sha, echoed = asyncio.run(talk())

    assert redis_conn.script_exists(sha) == [True]
    assert echoed == b"x" * 100_000
