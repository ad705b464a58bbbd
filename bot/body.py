"""Reading a request body under a size cap, without buffering more than the cap."""

from __future__ import annotations

from starlette.requests import Request

GITHUB_MAX_PAYLOAD = 25 * 1024 * 1024
"""GitHub caps webhook payloads at 25 MB; anything larger is not from GitHub."""


class BodyTooLarge(Exception):
    """The body is (or says it is) larger than the cap."""


async def read_capped(request: Request, limit: int = GITHUB_MAX_PAYLOAD) -> bytes:
    """The whole body, or BodyTooLarge as soon as the declared or streamed size passes ``limit``."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(declared)
    chunks: list[bytes] = []
    size = 0
    # Chunked bodies declare no length, so count while streaming too.
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(size)
        chunks.append(chunk)
    return b"".join(chunks)
