"""Reading a request body under a size cap, without buffering more than the cap."""

from __future__ import annotations

from starlette.types import Receive

GITHUB_MAX_PAYLOAD = 25 * 1024 * 1024
"""GitHub caps webhook payloads at 25 MB; anything larger is not from GitHub."""


class BodyTooLarge(Exception):
    """The body is (or says it is) larger than the cap."""


class BodyIncomplete(Exception):
    """The client disconnected before sending the whole body."""


async def read_capped(receive: Receive, declared: str, limit: int = GITHUB_MAX_PAYLOAD) -> bytes:
    """The whole body, or BodyTooLarge once the declared (Content-Length) or read size passes."""
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(declared)
    message = await receive()
    if message["type"] == "http.request" and not message.get("more_body", False):
        # The usual case: the server read the whole body before calling the app.
        body: bytes = message.get("body", b"")
        if len(body) > limit:
            raise BodyTooLarge(len(body))
        return body
    chunks: list[bytes] = []
    size = 0
    more = True
    # Chunked bodies declare no length, so count while reading too.
    while more:
        if message["type"] == "http.disconnect":
            raise BodyIncomplete(size)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(size)
        chunks.append(chunk)
        more = message.get("more_body", False)
        if more:
            message = await receive()
    return b"".join(chunks)
