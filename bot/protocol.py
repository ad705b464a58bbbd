"""uvicorn's httptools protocol, writing each response in one system call instead of two.

uvicorn writes a response's status line and headers when the app sends
``http.response.start``, and the body when it sends ``http.response.body``: two ``write``
calls, two TCP segments, two wake-ups of the client, for every webhook answer. Under load
those writes were a fifth of the web process's time. Here a connection's writes wait for the
end of the event loop's turn and go out together; nothing else about uvicorn changes.

Run: ``uvicorn bot.app:app --loop uvloop --http bot.protocol:CoalescingHttpToolsProtocol``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class CoalescingTransport:
    """A transport that holds writes until the end of the loop's turn, then writes them at once.

    Everything else (flow control, addresses) is the wrapped transport's; ``close()`` and
    ``write_eof()`` write what is held first, so nothing written before them is lost.
    """

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop):
        self._transport = transport
        self._loop = loop
        self._held: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self._held:
            self._loop.call_soon(self._write_held)
        self._held.append(data)

    def writelines(self, lines: Iterable[bytes]) -> None:
        for data in lines:
            self.write(data)

    def close(self) -> None:
        self._write_held()
        self._transport.close()

    def write_eof(self) -> None:
        self._write_held()
        self._transport.write_eof()

    def abort(self) -> None:
        self._held.clear()
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)

    def _write_held(self) -> None:
        held, self._held = self._held, []
        if held and not self._transport.is_closing():
            self._transport.writelines(held)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's ``--http httptools`` protocol over a ``CoalescingTransport``."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        coalescing = CoalescingTransport(transport, self.loop)
        super().connection_made(coalescing)  # type: ignore[arg-type]  # a transport by duck type
