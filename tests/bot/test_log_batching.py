"""The delivery log lines of a moment share one write; outside an event loop they go at once."""

from __future__ import annotations

import asyncio
import io
import logging

from bot.app import BatchedStreamHandler


class CountingStream(io.StringIO):
    """A stream that remembers each write it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return super().write(text)


def logger_to(handler: logging.Handler, name: str) -> logging.Logger:
    logger = logging.getLogger(f"kiln.test.{name}")
    logger.propagate = False
    logger.handlers = [handler]
    logger.setLevel(logging.INFO)
    return logger


def test_lines_logged_in_a_running_loop_share_one_write() -> None:
    stream = CountingStream()
    logger = logger_to(BatchedStreamHandler(stream, delay=0), "loop")

    async def deliveries() -> list[str]:
        for n in range(3):
            logger.info("delivery %d", n)
        unwritten = list(stream.writes)
        await asyncio.sleep(0)  # the write waits for the loop's next turn at the earliest
        await asyncio.sleep(0)
        return unwritten

    unwritten = asyncio.run(deliveries())

    assert unwritten == []
    assert stream.writes == ["delivery 0\ndelivery 1\ndelivery 2\n"]


def test_lines_outside_an_event_loop_are_written_at_once() -> None:
    stream = CountingStream()
    logger = logger_to(BatchedStreamHandler(stream), "sync")

    logger.info("starting")
    logger.info("started")

    assert stream.writes == ["starting\n", "started\n"]


def test_flush_writes_what_waits() -> None:
    stream = CountingStream()
    handler = BatchedStreamHandler(stream, delay=3600)
    logger = logger_to(handler, "flush")

    async def log_then_stop() -> None:
        logger.info("last words")
        handler.flush()  # as logging.shutdown does at exit

    asyncio.run(log_then_stop())

    assert stream.writes == ["last words\n"]
