"""The stall watchdog: a job that makes no progress for `STALL_SECONDS` is stopped, saying
what it was waiting for, instead of holding its worker until the job's time limit.

Progress is a model answer, a command's output or a GitHub answer: whatever the job waits on
tells the watchdog (`Watchdog.progress`, `Watchdog.waiting_for`). A thread in the work-horse
looks once a second; when the job is overdue it signals the job's main thread, whose handler
raises `Stalled` there. A signal interrupts a blocking read (a model that never answers),
and `Stalled` is a BaseException so that no client's `except Exception` turns it into an
error it retries.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from types import FrameType
from typing import Any

# Unused by RQ's work-horse (SIGALRM is its job timeout, SIGRTMIN its stop).
STALL_SIGNAL = signal.SIGUSR2
POLL_SECONDS = 1.0


class Waiting(StrEnum):
    """What a stalled job was waiting for, as its report says it."""

    MODEL = "the model had not answered"
    WORK = "no command had printed anything and GitHub had not answered"


class Stalled(BaseException):
    """Raised in a job that made no progress for too long."""

    def __init__(self, waiting: Waiting, seconds: float) -> None:
        super().__init__(f"{waiting} for {int(seconds)} s")
        self.waiting = waiting
        self.seconds = seconds


class Watchdog:
    """When the job last made progress, and what it has waited for since."""

    def __init__(self, limit: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._since = clock()
        self._waiting = Waiting.WORK
        self.fired: Stalled | None = None

    def progress(self, *_: Any) -> None:
        """Something came back (hooks call this with what they are given, ignored)."""
        self.waiting_for(Waiting.WORK)

    def waiting_for(self, what: Waiting) -> None:
        """Progress, and the job now waits on `what`."""
        self._since, self._waiting = self._clock(), what

    def overdue(self) -> Stalled | None:
        """The stall to raise when the job has waited `limit` seconds or more; else None."""
        waited = self._clock() - self._since
        return Stalled(self._waiting, waited) if waited >= self.limit else None


@contextmanager
def watching(dog: Watchdog, poll: float = POLL_SECONDS) -> Iterator[Watchdog]:
    """Watch the block (run it in the main thread): `Stalled` is raised in it once `dog` is
    overdue."""
    def stop_job(signum: int, frame: FrameType | None) -> None:
        if dog.fired is not None:
            raise dog.fired

    previous = signal.signal(STALL_SIGNAL, stop_job)
    done = threading.Event()
    watcher = threading.Thread(target=_watch, args=(dog, done, poll), name="kiln-watchdog",
                               daemon=True)
    watcher.start()
    try:
        yield dog
    finally:
        done.set()
        watcher.join()
        signal.signal(STALL_SIGNAL, previous)


def _watch(dog: Watchdog, done: threading.Event, poll: float) -> None:
    while not done.wait(poll):
        stalled = dog.overdue()
        if stalled is not None:
            dog.fired = stalled
            os.kill(os.getpid(), STALL_SIGNAL)  # Python runs handlers in the main thread
            return
