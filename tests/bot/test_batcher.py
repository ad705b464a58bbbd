"""The pipelined Redis connection of the webhook path, against real Redis (and a mute server)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import redis

from bot.batcher import CommandPipe
from bot.connections import async_client
from bot.decisions import JobRequest
from bot.jobqueue import JobQueue, Submission
from kiln.jobs import BuildJob

BUILD = BuildJob(installation_id=1, owner="o", repo="r", issue_number=3, sender="s")


def with_pipe(url: str, body: Callable[[CommandPipe], Awaitable[Any]]) -> Any:
    async def run() -> Any:
        pipe = CommandPipe.like(async_client(url))
        try:
            return await body(pipe)
        finally:
            await pipe.aclose()

    return asyncio.run(run())


def test_concurrent_commands_each_get_their_own_reply(redis_url, redis_conn) -> None:
    redis_conn.set("text", "not a number")

    async def body(pipe: CommandPipe) -> list[Any]:
        calls = [pipe.execute("INCR", "n") for _ in range(50)]
        calls.insert(25, pipe.execute("INCR", "text"))
        return await asyncio.gather(*calls, return_exceptions=True)

    replies = with_pipe(redis_url, body)

    assert isinstance(replies.pop(25), redis.ResponseError)
    assert replies == list(range(1, 51))


def test_an_unknown_script_is_a_noscript_error(redis_url, redis_conn) -> None:
    with pytest.raises(redis.exceptions.NoScriptError):
        with_pipe(redis_url, lambda pipe: pipe.execute("EVALSHA", "0" * 40, 0))


def test_the_database_of_the_url_is_selected(redis_url, redis_conn) -> None:
    url = redis_url.rsplit("/", 1)[0] + "/5"
    other = redis.Redis.from_url(url)
    try:
        with_pipe(url, lambda pipe: pipe.execute("SET", "where", "five"))
        assert (other.get("where"), redis_conn.get("where")) == (b"five", None)
    finally:
        other.flushdb()
        other.close()


def test_a_connection_closed_by_the_server_is_opened_again(redis_url, redis_conn) -> None:
    async def body(pipe: CommandPipe) -> list[Any]:
        first = await pipe.execute("CLIENT", "SETNAME", "kiln-pipe")
        redis_conn.client_kill_filter(_type="normal", skipme=True)
        await asyncio.sleep(0.1)  # the pipe hears the connection close
        return [first, await pipe.execute("PING")]

    assert with_pipe(redis_url, body) == [b"OK", b"PONG"]


def test_no_server_is_a_connection_error(redis_url) -> None:
    dead = redis_url.rsplit(":", 1)[0] + ":1/0"

    with pytest.raises(redis.ConnectionError):
        with_pipe(dead, lambda pipe: pipe.execute("PING"))


def test_a_server_that_never_answers_is_a_timeout() -> None:
    async def run() -> None:
        mute = await asyncio.start_server(lambda reader, writer: None, "127.0.0.1", 0)
        port = mute.sockets[0].getsockname()[1]
        loop = asyncio.get_running_loop()
        pipe = CommandPipe(lambda factory: loop.create_connection(factory, "127.0.0.1", port),
                           timeout=0.2)
        try:
            with pytest.raises(redis.TimeoutError):
                await pipe.execute("PING")
        finally:
            await pipe.aclose()
            mute.close()

    asyncio.run(run())


def test_jobs_are_queued_after_redis_forgot_the_script(make_settings, redis_url, redis_conn
                                                       ) -> None:
    async def run() -> list[Submission]:
        client = async_client(redis_url)
        jobs = JobQueue(client, redis_conn, make_settings())
        try:
            first = await jobs.submit("d1", JobRequest(BUILD, "build-d1"))
            redis_conn.script_flush()
            return [first, await jobs.submit("d2", JobRequest(BUILD, "build-d2"))]
        finally:
            await jobs.aclose()
            await client.aclose()

    assert asyncio.run(run()) == [Submission.QUEUED, Submission.QUEUED]
    assert redis_conn.lrange("rq:queue:kiln", 0, -1) == [b"build-d1", b"build-d2"]
