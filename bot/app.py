"""The web app: ``create_app`` for tests and embedding, ``app`` for ``uvicorn bot.app:app``."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from prometheus_client import CollectorRegistry
from redis import Redis
from redis import asyncio as redis_asyncio
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.connections import async_client, sync_client
from bot.dashboard import dashboard_routes
from bot.handlers.registry import HANDLERS
from bot.health import HealthCheck
from bot.jobqueue import JobQueue
from bot.metrics import WebhookCounter, metrics_route
from bot.receiver import WEBHOOK_PATH, WebhookReceiver
from bot.router import Router
from bot.setup import setup_app
from kiln.history import BuildHistory
from kiln.settings import Settings, SettingsError, load_settings
from worker.state.liveness import JobWatch


def create_app(settings: Settings, redis: Redis | None = None) -> WebhookFirst:
    """The web app, with its collaborators built from ``settings``.

    ``redis`` is the synchronous client (RQ and the dashboard use it); the webhook path
    talks to Redis through an asyncio client on the same URL.
    """
    if redis is None:
        redis = sync_client(settings.redis_url)
    redis_async = async_client(settings.redis_url)
    jobs = JobQueue(redis_async, redis, settings)
    registry = CollectorRegistry()  # this app's own: two apps in one process count apart
    receiver = WebhookReceiver(
        secret=settings.app.webhook_secret.encode(),
        router=Router(settings, HANDLERS),
        jobs=jobs,
        webhooks=WebhookCounter(registry),
    )
    routes: list[BaseRoute] = [
        Route(WEBHOOK_PATH, receiver, methods=["POST"]),
        Route("/healthz", HealthCheck(redis_async).check, methods=["GET"]),
        dashboard_routes(settings, BuildHistory.from_settings(redis, settings),
                         JobWatch(redis, settings.queue_name).abandoned),
        metrics_route(settings, redis, registry),
    ]
    lifespan = _closing(redis, redis_async, jobs)
    return WebhookFirst(receiver, Starlette(routes=routes, lifespan=lifespan))


class WebhookFirst:
    """Webhook POSTs straight to their receiver; everything else (and lifespan) to Starlette.

    Starlette's middleware and routing cost a fifth of a delivery's whole time under load;
    the receiver needs none of it and answers every error itself.
    """

    def __init__(self, receiver: WebhookReceiver, rest: Starlette):
        self._receiver = receiver
        self._rest = rest

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == WEBHOOK_PATH and (
                scope["method"] == "POST"):
            await self._receiver(scope, receive, send)
        else:
            await self._rest(scope, receive, send)


def _closing(
    redis: Redis, redis_async: redis_asyncio.Redis, jobs: JobQueue
) -> Callable[[Starlette], Any]:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await jobs.aclose()
        await redis_async.aclose()
        redis.close()

    return lifespan


LOG_WRITE_DELAY_SECONDS = 0.05
"""How long a log line may wait for others to share its write; at exit all are written."""


class BatchedStreamHandler(logging.StreamHandler):
    """A StreamHandler that writes the lines of the next ``delay`` seconds together.

    Under load each delivery has its log line; one write and one flush for all the lines of
    a moment, instead of one each, spares the logging nearly all of its system calls when stderr
    is a pipe to a log collector (as under systemd or a container runtime). Outside a running
    event loop, or on ``flush()`` (``logging.shutdown`` at exit), lines are written at once.
    """

    def __init__(self, stream: Any = None, delay: float = LOG_WRITE_DELAY_SECONDS) -> None:
        super().__init__(stream)
        self._pending: list[str] = []
        self._delay = delay

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._pending.append(self.format(record) + self.terminator)
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                self._write_pending()
                return
            if len(self._pending) == 1:
                loop.call_later(self._delay, self.flush)
        except Exception:
            self.handleError(record)

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]  # created by Handler.__init__
            self._write_pending()

    def _write_pending(self) -> None:
        # Under the handler's lock: emit runs under it, flush takes it.
        pending, self._pending = self._pending, []
        if pending:
            self.stream.write("".join(pending))
        if self.stream and hasattr(self.stream, "flush"):
            self.stream.flush()


def configure_logging() -> None:
    """Send Kiln's log lines (one per delivery) to stderr beside uvicorn's own."""
    logger = logging.getLogger("kiln")
    if not logger.handlers:
        handler = BatchedStreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    # The format uses none of these, and gathering them costs a tenth of a delivery's time
    # (the logging HOWTO's "Optimization" section names these switches).
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def app_from_environment() -> ASGIApp:
    """The production app: settings read once, now, from the environment and ``.env``.

    Without a GitHub App configured it is the setup pages alone (``bot.setup``).
    """
    configure_logging()
    settings = load_settings(app_required=False)
    app = create_app(settings) if settings.app_configured else setup_app(settings)
    # Everything imported and built so far lives as long as the process: keep it out of
    # the collector's full passes, which otherwise set the tail latency under load.
    gc.freeze()
    return app


class DeferredApp:
    """An ASGI app that builds the real one at lifespan start-up, not at import.

    A bad setting then fails start-up with the settings message (uvicorn exits)
    instead of an import traceback, and importing ``bot.app`` never reads the environment.
    """

    def __init__(self, factory: Callable[[], ASGIApp]):
        self._factory = factory
        self._app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._app is None and scope["type"] == "lifespan":
            startup = await receive()
            try:
                self._app = self._factory()
            except SettingsError as exc:
                await send({"type": "lifespan.startup.failed", "message": str(exc)})
                return
            receive = _replaying(startup, receive)
        if self._app is None:  # served without lifespan events (uvicorn --lifespan off)
            self._app = self._factory()
        await self._app(scope, receive, send)


def _replaying(first: Message, receive: Receive) -> Receive:
    """``receive`` that hands out ``first`` again before the rest, for the real app's lifespan."""
    pending = [first]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay


app = DeferredApp(app_from_environment)
