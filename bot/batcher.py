"""Batching: the Redis commands of concurrent requests, written together on one connection.

Every command issued during one turn of the event loop goes out in a single write on one
pipelined connection; Redis answers in order, and each reply settles its caller's future, first
in, first out. Under load one write carries the commands of many deliveries, and no delivery
waits for another's round trip. redis-py's asyncio pipeline did the same job at twice the cost
per delivery (command objects, response callbacks, a coroutine and a timeout per reply), which
made it the largest part of a delivery's time that Kiln controls.

The connection is opened on first use, from the same settings as a redis-py client (TCP, TLS
or a Unix socket; AUTH and SELECT as redis-py does them), and again after it is lost. Errors
are redis-py's: ``ConnectionError`` when the connection fails or is lost before the answer,
``TimeoutError`` when Redis does not answer in time, ``ResponseError`` (``NoScriptError`` for
an unknown script) for an error reply.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, cast

import hiredis
from redis import asyncio as redis_asyncio
from redis.credentials import CredentialProvider, UsernamePasswordCredentialProvider
from redis.exceptions import AuthenticationError, NoScriptError, ResponseError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

DEFAULT_TIMEOUT_SECONDS = 5.0

Opener = Callable[[Callable[[], asyncio.Protocol]], Awaitable[Any]]
"""Opens a transport for a protocol factory: ``loop.create_connection`` with its address bound."""


class CommandPipe:
    """One pipelined connection to Redis shared by every request of the process."""

    def __init__(self, open_transport: Opener, *, credentials: CredentialProvider | None = None,
                 db: int = 0, timeout: float = DEFAULT_TIMEOUT_SECONDS,
                 connect_timeout: float = DEFAULT_TIMEOUT_SECONDS, address: str = "redis"):
        self._open_transport = open_transport
        self._credentials = credentials
        self._db = db
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._address = address
        self._link: _Link | None = None
        self._connecting: asyncio.Future[_Link] | None = None

    @classmethod
    def like(cls, client: redis_asyncio.Redis) -> CommandPipe:
        """A pipe to the server ``client`` talks to, with its credentials, database and timeouts."""
        pool = client.connection_pool
        conn = pool.connection_class(**pool.connection_kwargs)  # settings only: no I/O yet
        loop = asyncio.get_running_loop
        if isinstance(conn, redis_asyncio.UnixDomainSocketConnection):
            path = address = conn.path

            def open_transport(factory: Callable[[], asyncio.Protocol]) -> Awaitable[Any]:
                return loop().create_unix_connection(factory, path)
        elif isinstance(conn, redis_asyncio.Connection):  # TCP, and TLS over it
            host, port = conn.host, int(conn.port)
            address = f"{host}:{port}"
            tls = conn.ssl_context.get() if isinstance(conn, redis_asyncio.SSLConnection) else None

            def open_transport(factory: Callable[[], asyncio.Protocol]) -> Awaitable[Any]:
                return loop().create_connection(factory, host, port, ssl=tls,
                                                server_hostname=host if tls else None)
        else:
            raise TypeError(f"no pipelined connection like {type(conn).__name__}")

        credentials = conn.credential_provider
        if credentials is None and (conn.username or conn.password):
            credentials = UsernamePasswordCredentialProvider(conn.username, conn.password)
        return cls(open_transport, credentials=credentials, db=int(conn.db or 0),
                   timeout=conn.socket_timeout or DEFAULT_TIMEOUT_SECONDS,
                   connect_timeout=conn.socket_connect_timeout or DEFAULT_TIMEOUT_SECONDS,
                   address=address)

    def execute(self, *args: Any) -> Awaitable[Any]:
        """Send one command (with the others of this loop turn); awaiting gives its reply."""
        link = self._link
        if link is not None and link.open and link.loop is asyncio.get_running_loop():
            return link.send(hiredis.pack_command(args))
        return self._connect_and_send(args)

    async def aclose(self) -> None:
        if self._link is not None:
            self._link.close()
            self._link = None

    async def _connect_and_send(self, args: tuple[Any, ...]) -> Any:
        if self._connecting is None or self._connecting.get_loop() is not (
                asyncio.get_running_loop()):
            self._connecting = asyncio.ensure_future(self._connect())
        connecting = self._connecting
        try:
            # Shielded: a caller that gives up must not cancel the others' connection attempt.
            link = await asyncio.shield(connecting)
        finally:
            if self._connecting is connecting and connecting.done():
                self._connecting = None
        return await link.send(hiredis.pack_command(args))

    async def _connect(self) -> _Link:
        loop = asyncio.get_running_loop()
        if self._link is not None:
            if self._link.loop is loop:
                self._link.close()
            self._link = None  # a link of another (closed) loop cannot even be closed
        try:
            async with asyncio.timeout(self._connect_timeout):
                _, link = await self._open_transport(lambda: _Link(loop, self._timeout))
        except TimeoutError:  # the builtin one, from asyncio.timeout
            raise RedisTimeoutError(f"Timeout connecting to {self._address}") from None
        except OSError as exc:
            raise RedisConnectionError(f"Error connecting to {self._address}: {exc}") from None
        # As redis-py does on connect: credentials (asked for each time), then the database.
        handshake: list[tuple[Any, ...]] = []
        if self._credentials is not None:
            handshake.append(("AUTH", *await self._credentials.get_credentials_async()))
        if self._db:
            handshake.append(("SELECT", self._db))
        try:
            for command in handshake:
                await link.send(hiredis.pack_command(command))
        except ResponseError as exc:
            link.close()
            raise AuthenticationError(f"{self._address} refused {command[0]}: {exc}") from None
        except BaseException:
            link.close()
            raise
        self._link = link
        return link


class _Link(asyncio.Protocol):
    """The connection itself: queued commands, one write per loop turn, replies in order."""

    def __init__(self, loop: asyncio.AbstractEventLoop, timeout: float):
        self.loop = loop
        self.open = False
        self._timeout = timeout
        self._reader = hiredis.Reader(replyError=ResponseError)
        self._waiting: deque[asyncio.Future[Any]] = deque()
        self._unsent: list[bytes] = []
        # One entry per write: [replies still due, loop time of the write]. The oldest entry
        # tells the watchdog how long Redis has kept the connection's oldest command waiting.
        self._in_flight: deque[list[float]] = deque()
        self._watchdog: asyncio.TimerHandle | None = None
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's are not subclasses
        self.open = True

    def send(self, packed: bytes) -> asyncio.Future[Any]:
        future = self.loop.create_future()
        self._waiting.append(future)
        if not self._unsent:
            self.loop.call_soon(self._flush)
        self._unsent.append(packed)
        return future

    def _flush(self) -> None:
        if not self.open or not self._unsent:
            return  # the connection failed meanwhile, and so did these commands
        unsent, self._unsent = self._unsent, []
        assert self._transport is not None
        self._transport.writelines(unsent)
        self._in_flight.append([len(unsent), self.loop.time()])
        if self._watchdog is None:
            self._watchdog = self.loop.call_later(self._timeout, self._check)

    def data_received(self, data: bytes) -> None:
        reader = self._reader
        reader.feed(data)
        waiting, in_flight = self._waiting, self._in_flight
        try:
            while (reply := reader.gets()) is not False:
                future = waiting.popleft()
                oldest = in_flight[0]
                oldest[0] -= 1
                if not oldest[0]:
                    in_flight.popleft()
                if future.done():  # its caller was cancelled
                    continue
                if isinstance(reply, ResponseError):
                    future.set_exception(_error(reply))
                else:
                    future.set_result(reply)
        except (hiredis.ProtocolError, IndexError) as exc:  # garbage, or a reply nobody asked for
            self._fail(RedisConnectionError(f"bad reply from Redis: {exc!r}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False  # the transport is gone already
        self._fail(RedisConnectionError("Connection closed by server." if exc is None else
                                        f"Connection to Redis lost: {exc}"))

    def close(self) -> None:
        self._fail(RedisConnectionError("Connection closed."))

    def _check(self) -> None:
        self._watchdog = None
        if not self._in_flight:
            return
        waited = self.loop.time() - self._in_flight[0][1]
        if waited >= self._timeout:
            self._fail(RedisTimeoutError(f"Redis did not answer within {self._timeout:g} s"))
        else:
            self._watchdog = self.loop.call_later(self._timeout - waited, self._check)

    def _fail(self, error: Exception) -> None:
        """Every command still waiting fails with ``error``; the connection is dropped."""
        if self._transport is not None and self.open:
            self._transport.abort()
        self.open = False
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        waiting, self._waiting = self._waiting, deque()
        self._unsent.clear()
        self._in_flight.clear()
        for future in waiting:
            if not future.done():
                future.set_exception(error)


def _error(reply: ResponseError) -> ResponseError:
    message = str(reply)
    if message.startswith("NOSCRIPT"):
        return NoScriptError(message)
    return reply
